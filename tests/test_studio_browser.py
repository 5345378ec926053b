"""The Studio notebook side in a real JupyterLab: the Clusters API and the panel in Chromium.

JupyterLab runs as a child process with the server extension and the panel installed
(``build_labextension``), its AWS endpoint pointing at moto. Accounts: 123456789012 is
the user's own, 222222222222 is reached through the role in the cross-account role file.

Neither moto nor (yet) the platform serves Service Catalog's end-user API, so the Create
cluster test answers the panel's product, parameter, provision and record calls with the
JSON the manager produces for a Service Catalog product (built here by the manager's own
classes from Service Catalog-shaped data); everything else goes through the real server
extension and moto.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import httpx
import pytest

from browser_support import (
    JupyterLab,
    MotoEndpoint,
    aws_environment,
    chromium,
    jupyter_environment,
    screenshot,
    screenshot_on_failure,
    serious_violations,
    use_theme,
    wait_for_launcher_focus,
)
from clusterport.studio import build_labextension
from clusterport.studio.command import connect_line
from clusterport.studio.manager import ProvisioningForm, RecordStatus
from clusterport.studio.parameters import ProvisioningParameter
from clusterport.studio.role_config import ROLE_FILE

OWN = "123456789012"
B = "222222222222"
ROLE_B = f"arn:aws:iam::{B}:role/StudioDiscovery"
TIMEOUT_MS = 60_000
KERNEL_TIMEOUT_MS = 180_000  # a kernel start competes with Spark tests for the two cores


@dataclass
class Studio:
    """A running JupyterLab with clusters in two accounts."""

    lab: JupyterLab
    own_cluster: str
    scratch_cluster: str
    b_cluster: str
    b_stopped: str

    def api(self, path: str, method: str = "GET", **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.lab.url}/clusterport/{path}",
            headers=self.lab.headers(),
            timeout=60,
            **kwargs,
        )


def run_cluster(emr: Any, name: str) -> str:
    return str(
        emr.run_job_flow(
            Name=name,
            ReleaseLabel="emr-7.1.0",
            Instances={
                "MasterInstanceType": "m5.xlarge",
                "InstanceCount": 1,
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            JobFlowRole="EMR_EC2_DefaultRole",
            ServiceRole="EMR_DefaultRole",
        )["JobFlowId"]
    )


def lab_environment(moto: MotoEndpoint, home: Path) -> dict[str, str]:
    return {
        **aws_environment(moto.url, home),
        **jupyter_environment(home),
        # moto answers EMR sessions with a 500: fail at once rather than retry.
        "AWS_MAX_ATTEMPTS": "1",
    }


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoEndpoint]:
    with MotoEndpoint() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def studio(moto: MotoEndpoint, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Studio]:
    build_labextension.build()
    build_labextension.install()
    moto.reset()
    home = tmp_path_factory.mktemp("home")
    env = lab_environment(moto, home)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        emr = boto3.client("emr")
        own = run_cluster(emr, "own-analytics")
        scratch = run_cluster(emr, "own-scratch")
        credentials = boto3.client("sts").assume_role(RoleArn=ROLE_B, RoleSessionName="admin")[
            "Credentials"
        ]
        emr_b = boto3.client(
            "emr",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        b_cluster = run_cluster(emr_b, "b-etl")
        b_stopped = run_cluster(emr_b, "b-old")
        emr_b.terminate_job_flows(JobFlowIds=[b_stopped])
    role_file = home / ROLE_FILE
    role_file.parent.mkdir(parents=True)
    role_file.write_text(json.dumps({B: ROLE_B}))
    with JupyterLab(root_dir=home / "work", env=env) as lab:
        # The server read the role file at start: a later edit must change nothing.
        role_file.write_text("{ edited by the user")
        yield Studio(lab, own, scratch, b_cluster, b_stopped)


# -- the Clusters API of the server extension -----------------------------------------------------


def test_api_needs_an_authenticated_user(studio: Studio) -> None:
    response = httpx.get(f"{studio.lab.url}/clusterport/config", timeout=30)
    assert response.status_code == 403


def test_api_config_is_the_role_file_as_read_at_start(studio: Studio) -> None:
    response = studio.api("config")
    assert response.status_code == 200
    body = response.json()
    assert body["assumableRoles"] == {B: ROLE_B}
    assert body["errors"] == []
    assert body["roleFile"].endswith(str(ROLE_FILE))


def test_api_lists_clusters_of_both_accounts(studio: Studio) -> None:
    response = studio.api("clusters")
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["clusters"]}
    assert {studio.own_cluster, studio.b_cluster} <= set(rows)
    assert studio.b_stopped not in rows
    assert rows[studio.own_cluster]["accountId"] == OWN
    assert rows[studio.b_cluster]["accountId"] == B
    assert rows[studio.b_cluster]["connectCell"] == connect_line(studio.b_cluster, ROLE_B)
    assert rows[studio.own_cluster]["connectCell"] == connect_line(studio.own_cluster)
    assert response.json()["failures"] == []

    stopped = studio.api("clusters?states=TERMINATED,TERMINATING").json()["clusters"]
    assert [row["id"] for row in stopped] == [studio.b_stopped]


def test_api_errors_carry_the_aws_code_and_status(studio: Studio) -> None:
    response = studio.api("clusters/j-NOSUCHCLUSTER")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidRequestException"
    assert "j-NOSUCHCLUSTER" in body["message"]
    assert set(body) == {"code", "message"}

    bad_state = studio.api("clusters?states=SLEEPING")
    assert bad_state.status_code == 400
    assert bad_state.json()["code"] == "ValidationException"


def test_api_describes_a_cluster_of_another_account(studio: Studio) -> None:
    response = studio.api(f"clusters/{studio.b_cluster}?accountId={B}")
    assert response.status_code == 200
    assert response.json()["cluster"]["Name"] == "b-etl"
    # With the user's own credentials the cluster of account B does not exist.
    assert studio.api(f"clusters/{studio.b_cluster}").status_code == 400


def test_api_refuses_a_body_that_is_not_json(studio: Studio) -> None:
    response = studio.api(f"clusters/{studio.own_cluster}/terminate", "POST", content=b"{oops")
    assert response.status_code == 400
    assert response.json()["code"] == "BadRequest"
    provision = studio.api("products/prod-1/provision", "POST", json={"parameters": {}})
    assert provision.status_code == 400
    assert "name" in provision.json()["message"]


# -- the panel in Chromium -------------------------------------------------------------------------


def open_lab(page: Any, lab: JupyterLab) -> None:
    # "reset" starts from an empty workspace, so the sidebar tab is closed and a click opens it.
    page.goto(lab.lab_url() + "&reset", timeout=TIMEOUT_MS)
    wait_for_launcher_focus(page, TIMEOUT_MS)
    page.click('.jp-SideBar .lm-TabBar-tab[data-id="clusterport-clusters"]', timeout=TIMEOUT_MS)
    page.wait_for_selector("#clusterport-clusters .cp-table", timeout=TIMEOUT_MS)


def visible_rows(page: Any) -> dict[str, str]:
    rows: dict[str, str] = {}
    for row in page.query_selector_all("#clusterport-clusters tr[data-cluster-id]"):
        rows[row.get_attribute("data-cluster-id")] = row.query_selector(".cp-account").inner_text()
    return rows


def wait_rows(page: Any, count: int) -> None:
    page.wait_for_function(
        "(n) => document.querySelectorAll("
        "'#clusterport-clusters tr[data-cluster-id]').length === n",
        arg=count,
        timeout=TIMEOUT_MS,
    )


@pytest.mark.browser
def test_clusters_panel_connect_filter_terminate(studio: Studio) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        with screenshot_on_failure(page, "studio-panel"):
            panel_journey(page, studio)
    state = boto3.client("emr", **_client_kwargs(studio.lab.env)).describe_cluster(
        ClusterId=studio.scratch_cluster
    )["Cluster"]["Status"]["State"]
    assert state in {"TERMINATING", "TERMINATED"}


def panel_journey(page: Any, studio: Studio) -> None:
    open_lab(page, studio.lab)
    wait_rows(page, 3)
    rows = visible_rows(page)
    assert rows == {studio.own_cluster: OWN, studio.scratch_cluster: OWN, studio.b_cluster: B}
    header = page.inner_text("#clusterport-clusters thead")
    for column in ("Name", "ID", "Status", "Creation Time", "Account ID", "State change reason"):
        assert column in header
    # Row buttons say which cluster they act on.
    for name in ("own-analytics", "b-etl"):
        for label in (f"Connect to {name}", f"Open the Spark UI of {name}", f"Terminate {name}"):
            assert page.get_by_role("button", name=label, exact=True).count() == 1, label
    screenshot(page, "studio-01-clusters-panel")

    # Filter: every state shows the terminated cluster of account B; the search narrows.
    page.select_option("#clusterport-clusters .cp-state-filter", label="All")
    wait_rows(page, 4)
    assert studio.b_stopped in visible_rows(page)
    page.fill("#clusterport-clusters .cp-search", "b-")
    wait_rows(page, 2)
    assert set(visible_rows(page)) == {studio.b_cluster, studio.b_stopped}
    screenshot(page, "studio-02-filtered")
    page.fill("#clusterport-clusters .cp-search", "")
    page.select_option("#clusterport-clusters .cp-state-filter", label="Running / Waiting")
    wait_rows(page, 3)

    # A notebook, then Connect on account B's cluster: the magic cell appears and runs.
    page.click('.jp-LauncherCard[data-category="Notebook"]', timeout=TIMEOUT_MS)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=TIMEOUT_MS)
    screenshot(page, "studio-03-notebook")
    page.click(f'tr[data-cluster-id="{studio.b_cluster}"] .cp-connect')
    # The connect dialog: authentication, protocol, and account B's role from the role file.
    page.wait_for_selector(".jp-Dialog .cp-connect-dialog", timeout=TIMEOUT_MS)
    assert page.input_value("#cp-connect-role") == ROLE_B
    assert page.eval_on_selector("#cp-connect-auth", "e => e.value") == "None"
    protocols = page.eval_on_selector_all(
        "#cp-connect-protocol option", "os => os.map(o => o.textContent)"
    )
    assert [p.split(" ")[0] for p in protocols] == ["Spark", "Livy"]
    assert serious_violations(page, ".jp-Dialog") == []
    screenshot(page, "studio-connect-dialog")
    page.click(".jp-Dialog .jp-mod-accept")
    expected = connect_line(studio.b_cluster, ROLE_B)
    page.wait_for_function(
        """(text) => [...document.querySelectorAll('.jp-NotebookPanel .jp-Cell .cm-content')]
               .some(e => e.innerText.trim() === text)""",
        arg=expected,
        timeout=TIMEOUT_MS,
    )
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output')]
               .some(e => e.innerText.includes('"namespace": "sagemaker-analytics"'))""",
        timeout=KERNEL_TIMEOUT_MS,
    )
    output = page.inner_text(".jp-NotebookPanel .jp-OutputArea")
    status_lines = [line for line in output.splitlines() if "sagemaker-analytics" in line]
    assert len(status_lines) == 1
    assert json.loads(status_lines[0])["cluster_id"] == studio.b_cluster
    # The panel's "Connecting…" turns into the outcome (moto serves no EMR sessions).
    page.wait_for_selector(
        "#clusterport-clusters .cp-message-error:has-text("
        f"'Connecting to b-etl ({studio.b_cluster}) failed')",
        timeout=TIMEOUT_MS,
    )
    screenshot(page, "studio-04-connected-cell")

    # Terminate the scratch cluster: confirmation dialog, then the result.
    page.click(f'tr[data-cluster-id="{studio.scratch_cluster}"] .cp-terminate')
    page.wait_for_selector(".jp-Dialog", timeout=TIMEOUT_MS)
    assert studio.scratch_cluster in page.inner_text(".jp-Dialog")
    # The safe choice has the focus.
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.closest('.jp-Dialog')"
        " && document.activeElement.innerText.trim() === 'Cancel'",
        timeout=TIMEOUT_MS,
    )
    screenshot(page, "studio-05-terminate-dialog")
    page.click(".jp-Dialog .jp-mod-warn")
    page.wait_for_selector(
        "#clusterport-clusters .cp-message-success:has-text('TerminateJobFlows')",
        timeout=TIMEOUT_MS,
    )
    wait_rows(page, 2)
    screenshot(page, "studio-06-terminated")


def _client_kwargs(env: Any) -> dict[str, str]:
    return {
        "endpoint_url": env["AWS_ENDPOINT_URL"],
        "region_name": env["AWS_DEFAULT_REGION"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }


ACTIVE = "STARTING,BOOTSTRAPPING,RUNNING,WAITING,TERMINATING"


def active_clusters(studio: Studio) -> list[dict[str, Any]]:
    """The clusters the panel's default filter shows, from the API (earlier tests stop some)."""
    listing: list[dict[str, Any]] = studio.api(f"clusters?states={ACTIVE}").json()["clusters"]
    return listing


def sidebar_to(page: Any, x: float) -> None:
    """Drag the left sidebar's edge to ``x`` pixels (its minimum width stops it)."""
    handle = page.locator("#jp-main-split-panel > .lm-SplitPanel-handle").first
    box = handle.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(x, box["y"] + 200, steps=8)
    page.mouse.up()


CLUSTERS_URL = re.compile(r".*/clusterport/clusters(\?.*)?$")


def list_error(page: Any) -> str:
    return str(page.inner_text("#clusterport-clusters .cp-list-error"))


@pytest.mark.browser
def test_a_failed_or_hung_refresh_keeps_the_rows_with_their_age(studio: Studio) -> None:
    """The listing fails, then hangs: the last good rows stay, dated, with the error beside."""
    held: list[Any] = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        with screenshot_on_failure(page, "studio-stale"):
            open_lab(page, studio.lab)
            shown = len(active_clusters(studio))
            wait_rows(page, shown)
            updated = page.locator("#clusterport-clusters .cp-updated")
            assert updated.inner_text().startswith("Updated ")
            assert list_error(page) == ""

            # 1. The server answers an error: the rows stay, the error says how old they are.
            page.route(
                CLUSTERS_URL,
                lambda route: route.fulfill(
                    status=500,
                    content_type="application/json",
                    body=json.dumps({"code": "InternalFailure", "message": "listing broke"}),
                ),
            )
            page.click("#clusterport-clusters .cp-refresh")
            page.wait_for_function(
                "() => document.querySelector('#clusterport-clusters .cp-list-error')"
                ".innerText.includes('listing broke')",
                timeout=TIMEOUT_MS,
            )
            assert "Cannot refresh the cluster list: InternalFailure: listing broke" in (
                list_error(page)
            )
            assert "Showing the clusters as of" in list_error(page)
            assert len(visible_rows(page)) == shown
            page.unroute(CLUSTERS_URL)

            # 2. A success clears the error.
            page.click("#clusterport-clusters .cp-refresh")
            page.wait_for_function(
                "() => document.querySelector('#clusterport-clusters .cp-list-error')"
                ".innerText === ''",
                timeout=TIMEOUT_MS,
            )
            assert len(visible_rows(page)) == shown

            # 3. The request hangs: "refreshing…" while it runs, then the client's timeout.
            def hold(route: Any) -> None:
                held.append(route)  # never answered: the request hangs

            page.route(CLUSTERS_URL, hold)
            page.click("#clusterport-clusters .cp-refresh")
            page.wait_for_function(
                "() => document.querySelector('#clusterport-clusters .cp-updated')"
                ".innerText.includes('refreshing…')",
                timeout=TIMEOUT_MS,
            )
            assert len(visible_rows(page)) == shown
            page.wait_for_function(
                "() => document.querySelector('#clusterport-clusters .cp-list-error')"
                ".innerText.includes('did not answer within 30 s')",
                timeout=TIMEOUT_MS,
            )
            assert len(visible_rows(page)) == shown
            assert "Showing the clusters as of" in list_error(page)
            screenshot(page, "studio-12-stale-rows-kept")
            page.unroute(CLUSTERS_URL)

            # 4. Later refreshes are not frozen by the hung one.
            page.click("#clusterport-clusters .cp-refresh")
            page.wait_for_function(
                "() => document.querySelector('#clusterport-clusters .cp-list-error')"
                ".innerText === ''",
                timeout=TIMEOUT_MS,
            )
            assert len(visible_rows(page)) == shown
    assert held, "the hung listing request was never made"


def synthetic_row(name: str, state: str, minutes_ago: float, **extra: Any) -> dict[str, Any]:
    cluster_id = "j-" + name.upper().replace("-", "")[:11].ljust(11, "X")
    created = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return {
        "id": cluster_id,
        "name": name,
        "status": state,
        "creationTime": created.isoformat(),
        "accountId": OWN,
        "arn": f"arn:aws:elasticmapreduce:us-east-1:{OWN}:cluster/{cluster_id}",
        "roleArn": None,
        "connectCell": connect_line(cluster_id, None),
        "stateReason": {"code": "", "message": ""},
        "endTime": None,
        **extra,
    }


def extra_rows() -> list[dict[str, Any]]:
    """Rows moto cannot produce: it has no STARTING/BOOTSTRAPPING phase and no state change
    reasons. They are added to the real listing's answer; the rest is the server's."""
    return [
        synthetic_row(
            "nightly-etl",
            "BOOTSTRAPPING",
            2.5,
            stateReason={"code": "", "message": "Running bootstrap actions"},
        ),
        synthetic_row(
            "failed-etl",
            "TERMINATED_WITH_ERRORS",
            90,
            stateReason={
                "code": "BOOTSTRAP_FAILURE",
                "message": (
                    "On the master instance, bootstrap action 1 returned a non-zero return code"
                ),
            },
        ),
        *(synthetic_row(f"bulk-{n:02d}", "WAITING", 200 + n) for n in range(55)),
    ]


@pytest.mark.browser
def test_the_spark_ui_link_is_presigned_afresh_on_every_click(studio: Studio) -> None:
    """Presigned Spark UI links expire: the panel's link asks for a new one when clicked.

    moto serves no presigned UI links, so the extension's answer is replaced by one
    numbered link (a page of the lab) per request; each click must make a request."""
    issued: list[str] = []

    def presign(route: Any) -> None:
        assert route.request.method == "POST"
        issued.append(f"{studio.lab.url}/api?link={len(issued) + 1}")
        route.fulfill(
            status=200, content_type="application/json", body=json.dumps({"url": issued[-1]})
        )

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1500, "height": 900})
        page = context.new_page()
        panel = "#clusterport-clusters"
        with screenshot_on_failure(page, "studio-spark-ui-link"):
            # (JupyterLab adds a cache-defeating query string to every request.)
            context.route(re.compile(r".*/clusterport/clusters/[^/]+/spark-ui(\?.*)?$"), presign)
            open_lab(page, studio.lab)
            row = f'{panel} tr[data-cluster-id="{studio.own_cluster}"]'
            page.wait_for_selector(row, timeout=TIMEOUT_MS)
            with context.expect_page(timeout=TIMEOUT_MS) as first:
                page.click(f"{row} .cp-spark-ui")
            link = page.locator(f"{panel} .cp-spark-ui-link")
            link.wait_for(timeout=TIMEOUT_MS)
            assert link.get_attribute("href") == f"{studio.lab.url}/api?link=1"
            first.value.wait_for_url("**/api?link=1", timeout=TIMEOUT_MS)
            for n in (2, 3):
                with context.expect_page(timeout=TIMEOUT_MS) as again:
                    link.click()
                page.wait_for_selector(
                    f'{panel} .cp-spark-ui-link[href$="link={n}"]', timeout=TIMEOUT_MS
                )
                again.value.wait_for_url(f"**/api?link={n}", timeout=TIMEOUT_MS)
            assert issued == [f"{studio.lab.url}/api?link={n}" for n in (1, 2, 3)]
        context.close()


def launch_in_progress() -> dict[str, Any]:
    """A launch whose stack has made no cluster yet, as the listing reports it from
    SearchProvisionedProducts (which moto does not serve)."""
    return {
        "provisionedProductId": "pp-morninglaunch",
        "name": "morning-launch",
        "status": "UNDER_CHANGE",
        "statusMessage": "",
        "createdTime": (datetime.now(UTC) - timedelta(minutes=1.5)).isoformat(),
        "accountId": OWN,
        "recordId": "rec-morninglaunch",
        "productName": "EMR cluster",
    }


def with_extra_rows(route: Any) -> None:
    response = route.fetch()
    listing = response.json()
    states = parse_qs(urlparse(route.request.url).query).get("states", [""])[0].split(",")
    listing["clusters"] += [row for row in extra_rows() if row["status"] in states]
    assert listing["launching"] == []  # the server asked the catalog, which knows of none
    if "STARTING" in states:
        listing["launching"].append(launch_in_progress())
    route.fulfill(response=response, body=json.dumps(listing))


def column_of(page: Any, css: str) -> list[str]:
    return [str(t) for t in page.eval_on_selector_all(css, "es => es.map(e => e.innerText)")]


@pytest.mark.browser
def test_table_filter_sort_pages_reasons_and_accessibility(studio: Studio) -> None:
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1500, "height": 900})
        with screenshot_on_failure(page, "studio-table"):
            page.route(CLUSTERS_URL, with_extra_rows)
            open_lab(page, studio.lab)
            panel = "#clusterport-clusters"
            real = active_clusters(studio)
            total = len(real) + 57  # 55 bulk rows, a starting cluster, a launch in progress
            # The default filter shows every cluster not terminated: a starting one too.
            assert (
                page.eval_on_selector(f"{panel} .cp-state-filter", "e => e.selectedOptions[0].text")
                == "Active"
            )
            wait_rows(page, 50)
            caption = page.inner_text(f"{panel} caption")
            assert f"Active EMR clusters of every account you may see: {total}" in caption
            assert page.inner_text(f"{panel} .cp-page-label") == f"Page 1 of 2 ({total} clusters)"

            # Sorting by name, both ways, with aria-sort on the sorted column only.
            page.click(f'{panel} .cp-sort[data-sort="name"]')
            sorts = page.eval_on_selector_all(
                f"{panel} thead th[aria-sort]", "ts => ts.map(t => t.getAttribute('aria-sort'))"
            )
            assert sorts == ["ascending", "none", "none", "none", "none", "none"]
            names = column_of(page, f"{panel} tbody .cp-name")
            assert names == sorted(names, key=str.lower) and names[0] == "b-etl"
            page.click(f'{panel} .cp-sort[data-sort="name"]')
            assert page.get_attribute(f"{panel} thead th:first-child", "aria-sort") == (
                "descending"
            )
            assert column_of(page, f"{panel} tbody .cp-name")[0] == max(
                [r["name"] for r in real] + ["nightly-etl", "morning-launch"], key=str.lower
            )
            page.click(f'{panel} .cp-sort[data-sort="created"]')
            page.click(f"{panel} .cp-page-next")
            wait_rows(page, total - 50)
            assert page.inner_text(f"{panel} .cp-page-label") == f"Page 2 of 2 ({total} clusters)"
            page.click(f"{panel} .cp-page-previous")
            wait_rows(page, 50)

            # The starting cluster shows EMR's message and how long it has been starting,
            # from the listing itself: a reload shows the same.
            for attempt in ("before", "after a reload"):
                page.fill(f"{panel} .cp-search", "nightly")
                wait_rows(page, 1)
                status = page.inner_text(f"{panel} tbody .cp-status")
                assert "BOOTSTRAPPING" in status and "Running bootstrap actions" in status, attempt
                assert re.search(r"for 2 min \d+ s", status), status
                assert page.is_disabled(f"{panel} tbody .cp-connect")
                # A launch whose cluster does not exist yet: its row comes from the
                # provisioned product, with its elapsed time, and offers no action yet.
                page.fill(f"{panel} .cp-search", "morning")
                wait_rows(page, 1)
                launch = f"{panel} tbody tr[data-provisioned-product-id=pp-morninglaunch]"
                status = page.inner_text(f"{launch} .cp-status")
                assert status.startswith("PROVISIONING"), status
                assert "Service Catalog is launching EMR cluster" in status, status
                assert re.search(r"for 1 min \d+ s", status), status
                for action in ("connect", "spark-ui", "terminate"):
                    assert page.is_disabled(f"{launch} .cp-{action}"), action
                if attempt == "before":
                    screenshot(page, "studio-13-starting-cluster")
                    open_lab(page, studio.lab)

            # Terminated clusters say why they stopped; their Terminate looks disabled.
            page.fill(f"{panel} .cp-search", "")
            page.select_option(f"{panel} .cp-state-filter", label="Terminated with errors")
            # (The row itself, not a count: the rows before the listing arrives could match.)
            page.wait_for_selector(f"{panel} tr[data-cluster-id=j-FAILEDETLXX]", timeout=TIMEOUT_MS)
            wait_rows(page, 1)
            reason = page.inner_text(f"{panel} tbody .cp-reason")
            assert reason.startswith("BOOTSTRAP_FAILURE: On the master instance")
            terminate = f"{panel} tbody .cp-terminate"
            assert page.is_disabled(terminate)
            assert float(page.eval_on_selector(terminate, "e => getComputedStyle(e).opacity")) < 0.6

            # Accessibility, light and dark.
            page.select_option(f"{panel} .cp-state-filter", label="All")
            wait_rows(page, 50)
            assert serious_violations(page, panel) == []
            screenshot(page, "studio-panel-light-wide")
            use_theme(page, "JupyterLab Dark")
            try:
                assert serious_violations(page, panel) == []
                screenshot(page, "studio-panel-dark-wide")
                narrow = browser.new_page(viewport={"width": 1024, "height": 800})
                narrow.route(CLUSTERS_URL, with_extra_rows)
                narrow_sidebar(narrow, studio)
                screenshot(narrow, "studio-panel-dark-300")
                narrow.close()
            finally:
                use_theme(page, "JupyterLab Light")
            narrow = browser.new_page(viewport={"width": 1024, "height": 800})
            narrow.route(CLUSTERS_URL, with_extra_rows)
            narrow_sidebar(narrow, studio)
            screenshot(narrow, "studio-panel-light-300")


def narrow_sidebar(page: Any, studio: Studio) -> None:
    """At 300 px the panel still shows every row's actions, and leaves the notebook its room."""
    open_lab(page, studio.lab)
    wait_rows(page, 50)
    panel = page.locator("#clusterport-clusters")
    sidebar_to(page, 40)
    width = panel.bounding_box()["width"]
    assert width <= 310, width
    right = panel.bounding_box()["x"] + width
    for css in (".cp-connect", ".cp-spark-ui", ".cp-terminate"):
        button = page.locator(f"#clusterport-clusters tbody tr:first-child {css}").bounding_box()
        assert button["x"] + button["width"] <= right, css
    assert serious_violations(page, "#clusterport-clusters") == []


# -- Create cluster --------------------------------------------------------------------------------

#: The product's parameters as DescribeProvisioningParameters gives them.
PARAMETERS: tuple[dict[str, Any], ...] = (
    {"ParameterKey": "EmrClusterName", "ParameterType": "String", "Description": "Name"},
    {
        "ParameterKey": "CoreInstanceCount",
        "ParameterType": "String",
        "DefaultValue": "2",
        "ParameterConstraints": {"AllowedValues": ["2", "5", "10"]},
    },
    {
        "ParameterKey": "IdleTimeout",
        "ParameterType": "Number",
        "DefaultValue": "3600",
        "ParameterConstraints": {
            "MinValue": "600",
            "MaxValue": "86400",
            "ConstraintDescription": "between 10 minutes and a day, in seconds",
        },
    },
    {
        "ParameterKey": "DbPassword",
        "ParameterType": "String",
        "IsNoEcho": True,
        "DefaultValue": "changeit",
    },
    {"ParameterKey": "SubnetId", "ParameterType": "AWS::EC2::Subnet::Id"},
    {"ParameterKey": "SecurityGroupIds", "ParameterType": "List<AWS::EC2::SecurityGroup::Id>"},
    {"ParameterKey": "VpcId", "ParameterType": "AWS::EC2::VPC::Id"},
)

FORM = ProvisioningForm(
    product_id="prod-emr0000000001",
    product_name="EMR for analytics",
    artifact_id="pa-v2",
    artifact_name="v2",
    path_id="lpv3-analytics",
    parameters=tuple(
        ProvisioningParameter.from_aws(p, {"CoreInstanceCount": "Number of core nodes"})
        for p in PARAMETERS
    ),
    hidden_keys=("SageMakerProjectName", "SageMakerProjectId"),
)


@pytest.mark.browser
def test_create_cluster_form_guardrails_and_progress(studio: Studio) -> None:
    ec2 = boto3.client("ec2", **_client_kwargs(studio.lab.env))
    (vpc,) = ec2.describe_vpcs()["Vpcs"]
    vpc_id = vpc["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="172.31.250.0/24")["Subnet"]["SubnetId"]
    ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "Name", "Value": "analytics-private"}])
    group_ids = sorted(
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc_id)["GroupId"]
        for name in ("analytics-a", "analytics-b")
    )
    provisioned: list[dict[str, Any]] = []
    records = iter(
        [
            RecordStatus("rec-1", "IN_PROGRESS", "PROVISION_PRODUCT", "pp-1", "team-analytics"),
            RecordStatus(
                "rec-1",
                "SUCCEEDED",
                "PROVISION_PRODUCT",
                "pp-1",
                "team-analytics",
                cluster_id="j-NEWCLUSTER01",
                cluster_state="WAITING",
            ),
        ]
    )
    last: list[RecordStatus] = []

    def answer(route: Any, body: Any, status: int = 200) -> None:
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    def catalog(route: Any) -> None:
        url = urlparse(route.request.url).path  # JupyterLab adds a cache-busting query
        if url.endswith("/clusterport/products"):
            answer(
                route,
                {
                    "products": [
                        {
                            "id": FORM.product_id,
                            "viewId": "prodview-1",
                            "name": FORM.product_name,
                            "owner": "IT",
                            "shortDescription": "",
                        }
                    ]
                },
            )
        elif "/parameters" in url:
            answer(route, FORM.to_json())
        elif url.endswith("/provision"):
            provisioned.append(json.loads(route.request.post_data))
            answer(route, {"recordId": "rec-1"}, 201)
        else:
            last[:] = [next(records)] if not last else [next(records, last[0])]
            answer(route, last[0].to_json())

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        with screenshot_on_failure(page, "studio-create"):
            page.route(re.compile(r".*/clusterport/(products|records)(/.*)?(\?.*)?$"), catalog)
            open_lab(page, studio.lab)
            page.click("#clusterport-clusters .cp-create-button")
            page.wait_for_selector(".cp-create-form", timeout=TIMEOUT_MS)
            form = page.locator(".cp-create-form")

            # Pickers list the account's subnets, groups and VPCs (through the real server
            # extension), labelled with Name tags and CIDRs; the only VPC is chosen already.
            page.wait_for_selector(".cp-picker:not([aria-busy])", timeout=TIMEOUT_MS)
            page.wait_for_function(
                "() => document.querySelectorAll('.cp-picker[aria-busy]').length === 0",
                timeout=TIMEOUT_MS,
            )
            assert page.eval_on_selector('[name="cp-param-VpcId"]', "e => e.value") == vpc_id
            subnet_labels = page.eval_on_selector_all(
                '[name="cp-param-SubnetId"] option', "os => os.map(o => o.textContent)"
            )
            assert f"{subnet_id} · analytics-private · 172.31.250.0/24" in " ".join(subnet_labels)
            assert page.eval_on_selector('[name="cp-param-SubnetId"]', "e => e.value") == ""
            assert page.eval_on_selector('[name="cp-param-SecurityGroupIds"]', "e => e.multiple")
            assert (
                page.eval_on_selector('select[name="cp-param-CoreInstanceCount"]', "e => e.value")
                == "2"
            )
            idle = page.locator('input[name="cp-param-IdleTimeout"]')
            assert idle.get_attribute("type") == "number"
            assert (idle.get_attribute("min"), idle.get_attribute("max")) == ("600", "86400")
            assert idle.input_value() == "3600"
            assert (
                page.locator('input[name="cp-param-DbPassword"]').get_attribute("type")
                == "password"
            )
            assert "Number of core nodes" in form.inner_text()
            assert "between 10 minutes and a day" in form.inner_text()
            assert "SageMakerProject" not in form.inner_text()
            # One label per field, each naming exactly one control.
            labels = page.eval_on_selector_all(
                ".cp-create label",
                "ls => ls.map(l => [l.textContent, l.control && l.control.name])",
            )
            assert len({text for text, _ in labels}) == len(labels), labels
            assert all(control for _, control in labels), labels
            screenshot(page, "studio-07-create-form")

            # Invalid input is refused before anything is sent.
            page.fill('input[name="cp-cluster-name"]', "team analytics")
            idle.fill("60")
            page.click(".cp-submit")
            error = page.locator(".cp-create .cp-message-error")
            error.wait_for(timeout=TIMEOUT_MS)
            assert "Launch name" in error.inner_text()
            # Each bad field is marked for assistive technology; the first one has the focus.
            for name in ("cp-cluster-name", "cp-param-IdleTimeout", "cp-param-EmrClusterName"):
                assert page.get_attribute(f'[name="{name}"]', "aria-invalid") == "true", name
            assert page.get_attribute('[name="cp-param-DbPassword"]', "aria-invalid") is None
            assert page.evaluate("() => document.activeElement.name") == "cp-cluster-name"
            assert serious_violations(page, ".cp-create") == []
            assert "must be at least 600" in error.inner_text()
            assert "EmrClusterName: a value is required" in error.inner_text()
            assert provisioned == []
            screenshot(page, "studio-08-create-refused")

            page.fill('input[name="cp-cluster-name"]', "team-analytics")
            page.fill('input[name="cp-param-EmrClusterName"]', "etl")
            idle.fill("7200")
            page.select_option('select[name="cp-param-CoreInstanceCount"]', "5")
            page.select_option('select[name="cp-param-SubnetId"]', subnet_id)
            page.select_option('select[name="cp-param-SecurityGroupIds"]', group_ids)
            screenshot(page, "studio-create-form-pickers")
            page.click(".cp-submit")
            page.wait_for_selector(".cp-progress", timeout=TIMEOUT_MS)
            screenshot(page, "studio-09-create-progress")
            page.wait_for_selector(
                ".cp-create .cp-message-success:has-text('j-NEWCLUSTER01 is WAITING')",
                timeout=TIMEOUT_MS,
            )
            assert page.eval_on_selector(".cp-progress", "e => e.value") == 100
            screenshot(page, "studio-10-create-done")
    assert provisioned == [
        {
            "artifactId": "pa-v2",
            "pathId": "lpv3-analytics",
            "name": "team-analytics",
            "parameters": {
                "EmrClusterName": "etl",
                "CoreInstanceCount": "5",
                "IdleTimeout": "7200",
                "DbPassword": "changeit",
                "SubnetId": subnet_id,
                "SecurityGroupIds": ",".join(group_ids),
                "VpcId": vpc_id,
            },
        }
    ]


# -- a malformed role file -------------------------------------------------------------------------


@pytest.mark.browser
def test_malformed_role_file_is_a_banner(
    moto: MotoEndpoint, tmp_path: Path, studio: Studio
) -> None:
    home = tmp_path / "home"
    role_file = home / ROLE_FILE
    role_file.parent.mkdir(parents=True)
    role_file.write_text('{"222222222222": ')
    with JupyterLab(root_dir=home / "work", env=lab_environment(moto, home)) as lab:
        config = httpx.get(f"{lab.url}/clusterport/config", headers=lab.headers(), timeout=30)
        assert config.status_code == 200
        (error,) = config.json()["errors"]
        assert "not valid JSON" in error
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            open_lab(page, lab)
            banner = page.locator("#clusterport-clusters .cp-banner")
            banner.wait_for(state="visible", timeout=TIMEOUT_MS)
            assert "not valid JSON" in banner.inner_text()
            # The user's own clusters are still listed.
            page.wait_for_selector(
                f'tr[data-cluster-id="{studio.own_cluster}"]', timeout=TIMEOUT_MS
            )
            screenshot(page, "studio-11-configuration-banner")
            # Readable in both themes (axe checks the text's contrast among the rest).
            assert serious_violations(page, "#clusterport-clusters") == []
            use_theme(page, "JupyterLab Dark")
            assert serious_violations(page, "#clusterport-clusters") == []
            screenshot(page, "studio-11-configuration-banner-dark")

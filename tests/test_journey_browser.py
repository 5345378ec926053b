"""The data worker's whole journey in Chromium, against the real platform.

Everything runs as in production: ``clusterport server`` as a child process on a data
dir, the two accounts made with ``clusterport admin``, the seed's world built through
boto3 by the admins (:class:`SeedBuilder`), a shared Spark cluster in account B, and
``clusterport studio`` launching JupyterLab for the user profile ``data-worker``. The
user logs in through a presigned domain URL and then only clicks and types:

lists clusters of both accounts → creates a cluster from the catalog product (a value
outside the guardrails is refused before anything is sent) and reloads the page while it
starts (the new cluster stays in the table with its progress) → connects a notebook to it
and runs Spark → connects to account B's cluster through the discovery role and runs
Spark there → opens the Spark UI (the application's jobs page), and again from the
panel's link (a fresh link) → terminates the cluster it made.

At the end Studio and the server stop, ``clusterport down`` runs, and no process of the
data dir may be left. Each step leaves ``test-artifacts/journey-NN-<step>.png``.
Run it alone, under the Spark lock: ``flock /tmp/clusterport-spark.lock pytest
tests/test_journey_browser.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from browser_support import chromium, screenshot_on_failure, wait_for_launcher_focus
from clusterport.cli.seed.world import (
    EMR_ACCOUNT,
    PRODUCT_NAME,
    STUDIO_ACCOUNT,
    SeedBuilder,
    SeedWorld,
)
from clusterport.cli.up import shared_cluster
from clusterport.platform import DEFAULT_REGION
from clusterport.studio import build_labextension
from clusterport.studio.command import connect_line
from journey_support import (
    PANEL,
    Platform,
    Steps,
    Studio,
    cell_index,
    cell_output,
    cluster_row,
    open_clusters_panel,
    run_new_cell,
    running_platform,
    running_studio,
    select_state_filter,
    status_lines,
    wait_for_row,
    wait_until,
)

TIMEOUT_MS = 60_000
KERNEL_TIMEOUT_MS = 180_000  # a kernel start and a first Spark session share two cores
CLUSTER_START_S = 240.0
NEW_CLUSTER = "journey-spark"
#: Every provisioned product of the account, not only the caller's own (the user made it).
ACCOUNT_LEVEL = {"Key": "Account", "Value": "self"}


@pytest.mark.browser
@pytest.mark.spark
@pytest.mark.timeout(900)
def test_data_worker_journey(tmp_path: Path) -> None:
    build_labextension.build()
    build_labextension.install()  # this checkout's panel, not one installed before
    data_dir = (tmp_path / "data").resolve()
    with running_platform(data_dir, DEFAULT_REGION) as platform:
        builder = SeedBuilder(
            platform.session(STUDIO_ACCOUNT),
            platform.session(EMR_ACCOUNT),
            platform.url,
            platform.region,
            report=lambda _title: None,
        )
        world = builder.build()
        b_cluster = shared_cluster(world, platform.client("emr", EMR_ACCOUNT))
        with running_studio(platform, world) as studio:
            login = platform.client("sagemaker", STUDIO_ACCOUNT).create_presigned_domain_url(
                DomainId=world.domain_id,
                UserProfileName=world.user_profile,
                ExpiresInSeconds=300,
            )["AuthorizedUrl"]
            with chromium() as browser:
                context = browser.new_context(viewport={"width": 1600, "height": 1000})
                page = context.new_page()
                with screenshot_on_failure(page, "journey"):
                    journey(page, platform, studio, world, login, b_cluster)
                context.close()
    assert platform.down_exit_code == 0
    assert platform.leftovers == [], "processes of the data dir outlived the platform"


def journey(
    page: Any, platform: Platform, studio: Studio, world: SeedWorld, login: str, b_cluster: str
) -> None:
    steps = Steps(page)
    # JupyterLab asks once whether to fetch its news; the user answers No.
    news = page.locator(".Toastify__toast").filter(has_text="Jupyter news")
    page.add_locator_handler(
        news, lambda toast: toast.get_by_role("button", name="No", exact=True).click()
    )

    # The presigned domain URL leads into the user's JupyterLab.
    page.goto(login, timeout=TIMEOUT_MS)
    wait_for_launcher_focus(page, TIMEOUT_MS)
    assert page.url.startswith(json.loads(studio.app_file.read_text())["url"])
    steps.shot("lab")

    # Account B's cluster, seen through the discovery role.
    open_clusters_panel(page, TIMEOUT_MS)
    header = page.inner_text(f"{PANEL} thead")
    for column in ("Name", "ID", "Status", "Creation Time", "Account ID"):
        assert column in header
    row = wait_for_row(page, b_cluster, CLUSTER_START_S)
    assert row["account"] == EMR_ACCOUNT
    assert row["name"] == "team-shared"
    steps.shot("clusters-of-account-b")

    a_cluster = create_cluster(page, steps, platform, world)
    row = wait_for_row(page, a_cluster, TIMEOUT_MS / 1000)
    assert row["account"] == STUDIO_ACCOUNT
    assert row["status"] == "WAITING"
    assert wait_for_row(page, b_cluster, TIMEOUT_MS / 1000)["account"] == EMR_ACCOUNT
    steps.shot("clusters-of-both-accounts")

    open_notebook(page)
    steps.shot("notebook")

    connect(page, a_cluster, None)
    steps.shot("connected-to-own-cluster")
    output = run_new_cell(
        page,
        'spark.conf.get("spark.app.name"), '
        'spark.range(1000).selectExpr("sum(id) AS total").first()["total"]',
        KERNEL_TIMEOUT_MS,
    )
    # The cluster's Spark Connect server runs as an application named after the cluster.
    assert a_cluster in output and ", 499500)" in output, output
    steps.shot("spark-on-own-cluster")

    connect(page, b_cluster, world.discovery_role_arn)
    steps.shot("connected-to-account-b")
    output = run_new_cell(
        page,
        'spark.conf.get("spark.app.name"), spark.range(100).filter("id % 7 = 0").count()',
        KERNEL_TIMEOUT_MS,
    )
    assert b_cluster in output and ", 15)" in output, output
    steps.shot("spark-on-account-b")

    open_spark_ui(page, steps, platform, a_cluster)
    terminate(page, steps, platform, a_cluster)


def create_cluster(page: Any, steps: Steps, platform: Platform, world: SeedWorld) -> str:
    """Create a cluster from the catalog product; returns its id once WAITING."""
    catalog = platform.client("servicecatalog", STUDIO_ACCOUNT)
    page.click(f"{PANEL} .cp-create-button")
    page.wait_for_selector(".cp-create-form", timeout=TIMEOUT_MS)
    assert PRODUCT_NAME in page.inner_text(".cp-create .cp-product")
    form = page.locator(".cp-create-form")
    assert "SageMakerProject" not in form.inner_text()
    steps.shot("create-form")

    page.fill('input[name="cp-cluster-name"]', NEW_CLUSTER)
    # Subnet and security group are pickers over the account's values.
    page.wait_for_function(
        "() => document.querySelectorAll('.cp-picker[aria-busy]').length === 0",
        timeout=TIMEOUT_MS,
    )
    page.select_option('select[name="cp-param-SubnetId"]', world.studio_subnet)
    page.select_option('select[name="cp-param-MasterSecurityGroup"]', world.studio_security_group)
    page.fill('input[name="cp-param-CoreInstanceCount"]', "9")
    page.click(".cp-submit")
    error = page.locator(".cp-create .cp-messages .cp-message-error")
    error.wait_for(timeout=TIMEOUT_MS)
    assert "Core nodes: must be at most 2" in error.inner_text()
    assert "Between 1 and 2 core nodes" in error.inner_text()
    steps.shot("create-refused-outside-guardrails")
    # Refused in the browser: nothing reached Service Catalog.
    provisioned = catalog.search_provisioned_products(AccessLevelFilter=ACCOUNT_LEVEL)[
        "ProvisionedProducts"
    ]
    assert provisioned == []

    page.fill('input[name="cp-param-CoreInstanceCount"]', "1")
    page.click(".cp-submit")
    page.wait_for_selector(".cp-progress", timeout=TIMEOUT_MS)
    steps.shot("create-progress")

    # The progress is the platform's, not the page's: after a reload mid-creation the new
    # cluster is still in the table (its launch from the provisioned product while the stack
    # has no cluster yet, then the cluster), starting, with its message and elapsed time.
    page.reload(timeout=TIMEOUT_MS)
    page.wait_for_selector("#jp-main-dock-panel", timeout=TIMEOUT_MS)
    open_clusters_panel(page, TIMEOUT_MS)
    new_row = page.locator(f"{PANEL} tbody tr").filter(
        has=page.locator(".cp-name", has_text=NEW_CLUSTER)
    )
    new_row.first.wait_for(timeout=TIMEOUT_MS)
    status = new_row.first.locator(".cp-status").inner_text()
    assert re.match(r"(PROVISIONING|STARTING|BOOTSTRAPPING)\b", status), status
    assert re.search(r"for \d+ (s|min)", status), status
    steps.shot("create-progress-after-reload")
    (product,) = catalog.search_provisioned_products(AccessLevelFilter=ACCOUNT_LEVEL)[
        "ProvisionedProducts"
    ]
    assert product["Name"] == NEW_CLUSTER

    def made() -> str | None:
        ids = [
            str(row.get_attribute("data-cluster-id"))
            for row in new_row.all()
            if row.locator(".cp-status").inner_text().startswith("WAITING")
        ]
        if not ids:
            page.click(f"{PANEL} .cp-refresh")
            page.wait_for_timeout(1500)
        return ids[0] if ids else None

    try:
        cluster_id: str = wait_until(made, CLUSTER_START_S, f"{NEW_CLUSTER} WAITING", 0.5)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the panel shows:\n{page.inner_text(PANEL)}") from None
    assert cluster_id.startswith("j-"), cluster_id
    steps.shot("create-done")
    cluster = platform.client("emr", STUDIO_ACCOUNT).describe_cluster(ClusterId=cluster_id)
    tags = {t["Key"]: t["Value"] for t in cluster["Cluster"]["Tags"]}
    assert tags["aws:servicecatalog:provisionedProductArn"].endswith(f"/{product['Id']}")
    return cluster_id


def open_notebook(page: Any) -> None:
    """A new Python notebook from the launcher (brought to the front first)."""
    if not page.locator('.jp-LauncherCard[data-category="Notebook"]').first.is_visible():
        page.click(".lm-DockPanel-tabBar .lm-TabBar-tab:has-text('Launcher')", timeout=TIMEOUT_MS)
    page.click('.jp-LauncherCard[data-category="Notebook"]', timeout=TIMEOUT_MS)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=TIMEOUT_MS)


def connect(page: Any, cluster_id: str, role_arn: str | None) -> None:
    """Click Connect on ``cluster_id``: the magic cell appears, runs and reports success."""
    cluster_row(page, cluster_id).locator(".cp-connect").click()
    # The connect dialog, pre-filled (the role from the role file); Connect runs the cell.
    page.wait_for_selector(".jp-Dialog .cp-connect-dialog", timeout=TIMEOUT_MS)
    assert page.input_value("#cp-connect-role") == (role_arn or "")
    page.click(".jp-Dialog .jp-mod-accept")
    index = cell_index(page, connect_line(cluster_id, role_arn), TIMEOUT_MS)
    output = cell_output(page, index, KERNEL_TIMEOUT_MS)
    (status,) = status_lines(output)
    assert status["cluster_id"] == cluster_id
    assert status["success"] is True, status
    assert status["error_message"] is None


def open_spark_ui(page: Any, steps: Steps, platform: Platform, cluster_id: str) -> None:
    """Spark UI opens the presigned URL in a new tab, served through the platform."""
    with page.context.expect_page(timeout=TIMEOUT_MS) as opened:
        cluster_row(page, cluster_id).locator(".cp-spark-ui").click()
    landed_on_jobs(opened.value, platform, cluster_id)
    steps.shot("spark-ui", opened.value)
    opened.value.close()

    # The panel keeps the link; presigned links expire, so a click asks for a fresh one.
    link = page.locator(f"{PANEL} .cp-spark-ui-link")
    stored = link.get_attribute("href")
    with (
        page.expect_response(
            lambda r: urlsplit(r.url).path.endswith(f"/clusters/{cluster_id}/spark-ui"),
            timeout=TIMEOUT_MS,
        ) as answered,
        page.context.expect_page(timeout=TIMEOUT_MS) as reopened,
    ):
        link.click()
    fresh = answered.value.json()["url"]
    assert fresh != stored and cluster_id in fresh
    landed_on_jobs(reopened.value, platform, cluster_id)
    reopened.value.close()


def landed_on_jobs(tab: Any, platform: Platform, cluster_id: str) -> None:
    """The tab shows the jobs page of the cluster's application, its Spark Connect server."""
    tab.wait_for_url(f"{platform.url}/_ui/{cluster_id}/proxy/*/jobs/", timeout=TIMEOUT_MS)
    tab.wait_for_load_state("load", timeout=TIMEOUT_MS)
    assert tab.title() == f"{cluster_id} Spark Connect server - Spark Jobs", tab.title()
    assert "Completed Jobs" in tab.inner_text("body")


def terminate(page: Any, steps: Steps, platform: Platform, cluster_id: str) -> None:
    """Terminate (confirmed) stops the cluster through its provisioned product."""
    cluster_row(page, cluster_id).locator(".cp-terminate").click()
    page.wait_for_selector(".jp-Dialog", timeout=TIMEOUT_MS)
    assert cluster_id in page.inner_text(".jp-Dialog")
    steps.shot("terminate-confirm")
    page.click(".jp-Dialog .jp-mod-warn")
    page.wait_for_selector(
        f"{PANEL} .cp-message-success:has-text('through its provisioned product')",
        timeout=TIMEOUT_MS,
    )
    select_state_filter(page, "Terminating / Terminated")
    wait_for_row(page, cluster_id, 120, status="TERMINATED")
    steps.shot("terminated")

    emr = platform.client("emr", STUDIO_ACCOUNT)
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Status"]["State"] == "TERMINATED"
    tags = {t["Key"]: t["Value"] for t in cluster["Tags"]}
    cloudformation = platform.client("cloudformation", STUDIO_ACCOUNT)
    stack_id = tags["aws:cloudformation:stack-id"]
    wait_until(
        lambda: (
            cloudformation.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
            == "DELETE_COMPLETE"
        ),
        60,
        f"stack {stack_id} to be DELETE_COMPLETE",
    )

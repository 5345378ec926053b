"""EMR clusters on real Spark: start, steps, resize, sessions, UIs, failures, restarts, down.

Marked ``spark``: run them under the shared Spark lock so that two Spark-heavy
runs never overlap on a small host.

The checks share one module cluster (primary + one core node, Spark and
Livy) whose server is restarted midway, and whose persistent app UI outlives
it; a second, single-node cluster is left running for ``clusterport down``.
What needs no real process (a transient cluster, a dead primary node, idle
auto-termination, the step failure actions) is tested on the in-process
engine in test_emr_reconciler.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import requests
import uvicorn
from botocore.credentials import Credentials
from IPython.core.interactiveshell import InteractiveShell
from pyspark.errors.exceptions.connect import SparkConnectGrpcException
from pyspark.sql import SparkSession
from pyspark.sql.connect.client.retries import DefaultPolicy

from attack_support import assert_walled_in, platform_targets, probe_source
from clusterport.engines.connect_proxy import mint_session_token
from clusterport.engines.local_spark import LocalSparkEngine
from clusterport.engines.processes import ProcessRecord, is_running
from clusterport.engines.spark_status import driver_activity, http_client
from clusterport.engines.state import load_state
from clusterport.process_groups import group_members
from clusterport.services.emr import ui_links
from clusterport.services.emr.records import EmrRecords
from clusterport.studio.livy_auth import SigV4Livy, platform_livy_url
from clusterport.studio.magics import AnalyticsMagics
from conftest import RunningServer, start_server
from emr_support import (
    FINAL,
    error_code,
    processes_mentioning,
    processes_under,
    wait_for,
    wait_for_step,
)

pytestmark = pytest.mark.spark

PI = Path(sys.prefix) / "lib/python3.11/site-packages/pyspark/examples/src/main/python/pi.py"
VENV_BIN = Path(sys.executable).parent
ACCOUNT = "111111111111"


@dataclass
class World:
    """The module's data dir and the server currently running on it."""

    data_dir: Path
    running: RunningServer
    uv: uvicorn.Server
    thread: threading.Thread
    cluster_id: str = ""
    pids: dict[str, int] = field(default_factory=dict)
    ui_id: str = ""

    @property
    def emr(self) -> Any:
        return self.running.client("emr", ACCOUNT)

    def stop_server(self) -> None:
        self.uv.should_exit = True
        self.thread.join(30)
        assert not self.thread.is_alive()

    def start_server(self) -> None:
        keys = self.running.keys
        self.running, self.uv, self.thread = start_server(self.data_dir)
        self.running.keys.update(keys)


def pids_of(work_dir: Path) -> dict[str, int]:
    """Live processes of a cluster, by role, from the engine's state file."""
    state = load_state(work_dir)
    assert state is not None
    return {p.role: p.pid for p in state.processes if is_running(p)}


def records_of(work_dir: Path) -> list[ProcessRecord]:
    state = load_state(work_dir)
    return list(state.processes) if state is not None else []


def work_dir(world: World, cluster_id: str) -> Path:
    return world.data_dir / "clusters" / cluster_id


def wait_until(probe: Any, what: str, timeout: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


def start_cluster(emr: Any, name: str, **extra: Any) -> str:
    params: dict[str, Any] = {
        "Name": name,
        "ReleaseLabel": "emr-7.1.0",
        "Instances": {
            "MasterInstanceType": "m5.xlarge",
            "InstanceCount": 1,
            "KeepJobFlowAliveWhenNoSteps": True,
        },
    }
    params.update(extra)
    return str(emr.run_job_flow(**params)["JobFlowId"])


def running(emr: Any, cluster_id: str) -> None:
    emr.get_waiter("cluster_running").wait(
        ClusterId=cluster_id, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
    )


def pi_step(name: str, action: str = "CONTINUE", script: Path = PI) -> dict[str, Any]:
    return {
        "Name": name,
        "ActionOnFailure": action,
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": ["spark-submit", "--deploy-mode", "cluster", str(script), "2"],
        },
    }


def spark_answer(url: str) -> int:
    spark = SparkSession.builder.remote(url).create()
    spark.client.set_retry_policies([DefaultPolicy(max_retries=0)])
    try:
        return int(spark.sql("SELECT 6 * 7 AS answer").collect()[0][0])
    finally:
        spark.stop()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("emr-clusters")
    running_server, uv, thread = start_server(data_dir)
    world = World(data_dir, running_server, uv, thread)
    try:
        world.cluster_id = start_cluster(
            world.emr,
            "module-cluster",
            Instances={
                "InstanceGroups": [
                    {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                    {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                ],
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            Applications=[{"Name": "Spark"}, {"Name": "Livy"}],
            Configurations=[
                {
                    "Classification": "spark-defaults",
                    "Properties": {"spark.sql.shuffle.partitions": "4"},
                }
            ],
        )
        yield world
    finally:
        try:
            for cluster in world.emr.list_clusters()["Clusters"]:
                if cluster["Status"]["State"] not in FINAL:
                    world.emr.terminate_job_flows(JobFlowIds=[cluster["Id"]])
                    wait_for(world.emr, cluster["Id"], FINAL, 120)
        finally:
            if world.thread.is_alive():
                world.stop_server()
            stop_all(data_dir)
        assert processes_under(data_dir) == []


def stop_all(data_dir: Path) -> list[str]:
    return asyncio.run(LocalSparkEngine(data_dir).stop_all())


# ---------------------------------------------------------------------- the module cluster


def test_cluster_reaches_waiting_and_describes_itself(world: World) -> None:
    emr = world.emr
    assert world.emr.describe_cluster(ClusterId=world.cluster_id)["Cluster"]["Status"]["State"] in (
        "STARTING",
        "BOOTSTRAPPING",
        "WAITING",
    )
    running(emr, world.cluster_id)
    cluster = emr.describe_cluster(ClusterId=world.cluster_id)["Cluster"]
    assert cluster["Status"]["State"] == "WAITING"
    assert cluster["Status"]["StateChangeReason"]["Message"] == "Cluster ready to run steps."
    assert (
        cluster["Status"]["Timeline"]["ReadyDateTime"]
        >= cluster["Status"]["Timeline"]["CreationDateTime"]
    )
    assert cluster["MasterPublicDnsName"] == "localhost"
    livy_conf = next(c for c in cluster["Configurations"] if c["Classification"] == "livy-conf")
    livy_port = int(livy_conf["Properties"]["livy.server.port"])
    # Livy's own port answers only what the platform's checked route passes on.
    direct = httpx.get(f"http://localhost:{livy_port}/sessions", timeout=10)
    assert direct.status_code == 403
    with livy_client(world) as livy:
        sessions = livy.get(livy.base + "/sessions", timeout=10)
    assert sessions.status_code == 200 and sessions.json()["sessions"] == []

    instances = emr.list_instances(ClusterId=world.cluster_id)["Instances"]
    assert len(instances) == 2
    assert {i["Status"]["State"] for i in instances} == {"RUNNING"}
    master = emr.list_instances(ClusterId=world.cluster_id, InstanceGroupTypes=["MASTER"])[
        "Instances"
    ][0]
    assert master["PublicDnsName"] == cluster["MasterPublicDnsName"]
    assert master["PrivateIpAddress"].startswith("172.31.")
    assert master["PrivateDnsName"].endswith(".ec2.internal")
    groups = emr.list_instance_groups(ClusterId=world.cluster_id)["InstanceGroups"]
    assert {(g["InstanceGroupType"], g["RunningInstanceCount"]) for g in groups} == {
        ("MASTER", 1),
        ("CORE", 1),
    }
    world.pids = pids_of(work_dir(world, world.cluster_id))
    core = next(i for i in instances if i["Id"] != master["Id"])
    assert {"master", "connect", "history", f"worker:{core['Ec2InstanceId']}"} <= set(world.pids)


def test_steps_run_in_order_with_their_failure_actions(world: World, tmp_path: Path) -> None:
    emr = world.emr
    broken = tmp_path / "broken.py"
    broken.write_text("raise SystemExit('this step fails on purpose')\n")
    good, bad = emr.add_job_flow_steps(
        JobFlowId=world.cluster_id,
        Steps=[pi_step("pi"), pi_step("broken", "CONTINUE", broken)],
    )["StepIds"]
    wait_until(
        lambda: (
            emr.describe_cluster(ClusterId=world.cluster_id)["Cluster"]["Status"]["State"]
            == "RUNNING"
        ),
        "the cluster to run the steps",
    )
    first = wait_for_step(emr, world.cluster_id, good, ("COMPLETED", "FAILED"))
    assert first["Status"]["State"] == "COMPLETED", first["Status"]
    second = wait_for_step(emr, world.cluster_id, bad, ("COMPLETED", "FAILED"))
    assert second["Status"]["State"] == "FAILED"
    assert "fails on purpose" in second["Status"]["FailureDetails"]["Message"]
    assert Path(second["Status"]["FailureDetails"]["LogFile"]).is_file()
    assert (
        first["Status"]["Timeline"]["EndDateTime"] <= second["Status"]["Timeline"]["StartDateTime"]
    )
    cluster = wait_for(emr, world.cluster_id, ("WAITING",))
    assert cluster["Status"]["StateChangeReason"]["Message"] == (
        "Cluster ready after last step completed."
    )


def test_a_hostile_step_reaches_nothing_of_the_platform(world: World) -> None:
    """A step added through the API is tenant code: walled in like every process of the cluster."""
    targets = platform_targets(world.data_dir, world.cluster_id)
    (step_id,) = world.emr.add_job_flow_steps(
        JobFlowId=world.cluster_id,
        Steps=[
            {
                "Name": "probe",
                "ActionOnFailure": "CONTINUE",
                "HadoopJarStep": {
                    "Jar": "command-runner.jar",
                    "Args": [sys.executable, "-c", probe_source(targets, world.running.url)],
                },
            }
        ],
    )["StepIds"]
    step = wait_for_step(world.emr, world.cluster_id, step_id, ("COMPLETED", "FAILED"))
    assert step["Status"]["State"] == "COMPLETED", step["Status"]
    output = world.data_dir / "clusters" / world.cluster_id / "steps" / step_id / "stdout"
    assert_walled_in(output.read_text(), targets, gateway=True)
    assert wait_for(world.emr, world.cluster_id, ("WAITING",))["Status"]["State"] == "WAITING"


def test_sessions_hand_out_a_working_spark_connect_endpoint(world: World) -> None:
    emr = world.emr
    session = emr.start_session(ClusterId=world.cluster_id, Name="notebook")
    assert session["State"] == "STARTED" and session["Id"].startswith("es-")
    endpoint = emr.get_session_endpoint(ClusterId=world.cluster_id, SessionId=session["Id"])
    assert endpoint["Endpoint"].startswith("sc://localhost:")
    lifetime = endpoint["AuthTokenExpirationTime"] - dt.datetime.now(dt.UTC)
    assert dt.timedelta(minutes=55) < lifetime <= dt.timedelta(hours=1)
    assert spark_answer(f"{endpoint['Endpoint']}/;token={endpoint['AuthToken']}") == 42

    access = asyncio.run(LocalSparkEngine(world.data_dir).access(world.cluster_id))
    key = access.session_key
    expired = mint_session_token(
        key, session["Id"], dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    )
    for token, words in ((expired, "expired"), ("cps1.forged.token", "Invalid authentication")):
        with pytest.raises(Exception, match="UNAUTHENTICATED") as caught:
            spark_answer(f"{endpoint['Endpoint']}/;token={token}")
        assert words in str(caught.value)

    listed = emr.list_sessions(ClusterId=world.cluster_id)["Sessions"]
    assert [s["Id"] for s in listed] == [session["Id"]]
    emr.terminate_session(ClusterId=world.cluster_id, SessionId=session["Id"])
    got = emr.get_session(ClusterId=world.cluster_id, SessionId=session["Id"])["Session"]
    assert got["State"] == "TERMINATED"
    # The token handed out before the session ended no longer opens anything.
    with pytest.raises(Exception, match="UNAUTHENTICATED") as ended:
        spark_answer(f"{endpoint['Endpoint']}/;token={endpoint['AuthToken']}")
    assert f"Session {session['Id']} was terminated" in str(ended.value)
    with pytest.raises(Exception) as refused:
        emr.get_session_endpoint(ClusterId=world.cluster_id, SessionId=session["Id"])
    assert error_code(refused.value) == "InvalidRequestException"


def test_only_sessions_open_through_the_proxy_keep_the_cluster_busy(world: World) -> None:
    """Spark's Connect tab can list a session for good (its release aborts when an executor
    leaves at that moment); the proxy, the users' door, knows it is not open."""
    engine = LocalSparkEngine(world.data_dir)
    state = load_state(engine.work_dir(world.cluster_id))
    assert state is not None
    with world.running.platform.db.session() as db:
        doc = EmrRecords(db, ACCOUNT, "us-east-1").cluster(world.cluster_id).data
    token = world.running.platform.secrets.open(doc["Engine"]["ConnectToken"])

    async def look() -> tuple[int, int]:
        """Sessions the Connect tab lists, and those the engine counts."""
        access = await engine.access(world.cluster_id)
        async with http_client(access.ui_headers) as client:
            tab = await driver_activity(client, state.ports["app_ui"])
        health = await engine.observe(world.cluster_id)
        return (tab.online_sessions if tab else 0), health.active_sessions

    def seen(check: Callable[[int, int], bool], what: str) -> tuple[int, int]:
        # The tab learns through Spark's listener bus, the engine from the proxy's
        # activity file (written at most once a second): both a moment late.
        last = (0, 0)
        for _ in range(150):
            last = asyncio.run(look())
            if check(*last):
                return last
            time.sleep(0.1)
        raise AssertionError(f"{what}: (listed, counted) = {last}")

    listed, counted = asyncio.run(look())
    # A session the proxy never saw: opened on the Connect server's own port.
    direct = SparkSession.builder.remote(
        f"sc://localhost:{state.ports['connect']}/;token={token}"
    ).create()
    try:
        assert direct.range(0, 10, 1, 1).count() == 10
        seen(
            lambda tab, engine_count: tab == listed + 1 and engine_count == counted,
            "the tab lists the direct session, the engine does not count it",
        )
        # A session opened through the proxy counts.
        session = world.emr.start_session(ClusterId=world.cluster_id, Name="busy")
        endpoint = world.emr.get_session_endpoint(
            ClusterId=world.cluster_id, SessionId=session["Id"]
        )
        proxied = SparkSession.builder.remote(
            f"{endpoint['Endpoint']}/;token={endpoint['AuthToken']}"
        ).create()
        try:
            assert proxied.range(0, 10, 1, 1).count() == 10
            seen(lambda _, engine_count: engine_count > counted, "the proxied session counts")
        finally:
            proxied.stop()
            world.emr.terminate_session(ClusterId=world.cluster_id, SessionId=session["Id"])
    finally:
        direct.stop()


class SignedLivy(requests.Session):
    """A cluster's Livy through the platform's route, signed as the connect magic signs."""

    base = ""


@contextlib.contextmanager
def livy_client(world: World) -> Iterator[SignedLivy]:
    key = world.running.account(ACCOUNT)
    url = platform_livy_url(world.running.url, world.cluster_id)
    with SignedLivy() as client:
        client.base = url
        client.auth = SigV4Livy(
            Credentials(key.access_key_id, key.secret_access_key), "us-east-1", url
        )
        yield client


def run_statement(client: SignedLivy, session: int, code: str) -> dict[str, Any]:
    """Run ``code`` in a Livy session; the statement's output once available."""
    base = f"{client.base}/sessions/{session}/statements"
    statement = client.post(base, json={"code": code}, timeout=30).json()["id"]

    def available() -> dict[str, Any] | None:
        reply: dict[str, Any] = client.get(f"{base}/{statement}", timeout=30).json()
        return reply if reply["state"] == "available" else None

    output: dict[str, Any] = wait_until(available, "the statement's result")["output"]
    return output


def test_livy_endpoint_runs_pyspark_statements(world: World) -> None:
    with livy_client(world) as client:
        base = client.base
        created = client.post(f"{base}/sessions", json={"kind": "pyspark"}, timeout=30)
        assert created.status_code == 201, created.text
        session = created.json()["id"]
        try:
            wait_until(
                lambda: (
                    client.get(f"{base}/sessions/{session}", timeout=30).json()["state"] == "idle"
                ),
                "the Livy session to be idle",
            )
            done = run_statement(client, session, "spark.range(5).count()")
            assert done["status"] == "ok", done
            assert done["data"]["text/plain"].strip() == "5"

            # A statement is tenant code: it reaches neither the platform's keys, its
            # database, another cluster's folder, a Studio home, nor the API without a key.
            targets = platform_targets(world.data_dir, world.cluster_id)
            probed = run_statement(client, session, probe_source(targets, world.running.url))
            assert_walled_in(probed["data"]["text/plain"], targets, gateway=True)
        finally:
            client.delete(f"{base}/sessions/{session}", timeout=30)


def test_magic_connects_through_livy_with_sparkmagic(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``%sm_analytics emr connect … --livy`` drives the real sparkmagic against the cluster."""
    running(world.emr, world.cluster_id)
    key = world.running.account(ACCOUNT)
    session = boto3.Session(
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        region_name="us-east-1",
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", world.running.url)
    shell = InteractiveShell.instance()
    shell.register_magics(AnalyticsMagics(shell, session_factory=lambda: session))
    try:
        shell.run_line_magic(
            "sm_analytics",
            f"emr connect --cluster-id {world.cluster_id} --auth-type None "
            "--language python --livy",
        )
        status = [line for line in capsys.readouterr().out.splitlines() if '"namespace"' in line]
        assert status and '"success": true' in status[-1], status
        shell.run_cell_magic("spark", "", "print(spark.range(7).count() * 6)")
        assert "42" in capsys.readouterr().out
    finally:
        if shell.find_line_magic("spark") is not None:
            shell.run_line_magic("spark", "cleanup")


def test_presigned_ui_urls_reach_the_spark_uis(world: World) -> None:
    emr = world.emr
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        url = emr.get_on_cluster_app_ui_presigned_url(
            ClusterId=world.cluster_id, OnClusterAppUIType="ResourceManager"
        )["PresignedURL"]
        assert url.startswith(f"{world.running.url}/_ui/{world.cluster_id}/?")
        page = browser.get(url)
        assert page.status_code == 200
        assert "Spark Master at spark://" in page.text
        assert ui_links.TOKEN_PARAM not in str(page.url)
        # The cookie keeps the UI's own links working: the master's JSON and an app's UI.
        apps = browser.get(f"{world.running.url}/_ui/{world.cluster_id}/json/").json()
        app_id = apps["activeapps"][0]["id"]
        app_url = emr.get_on_cluster_app_ui_presigned_url(
            ClusterId=world.cluster_id, OnClusterAppUIType="ApplicationMaster", ApplicationId=app_id
        )["PresignedURL"]
        jobs = browser.get(app_url)
        assert jobs.status_code == 200 and "Spark Jobs" in jobs.text
        # Without an ApplicationId the link lands on the jobs page of the cluster's own
        # application, its Spark Connect driver, not on the master's list.
        connect_app = next(
            a["id"] for a in apps["activeapps"] if a["name"].endswith("Spark Connect server")
        )
        live = browser.get(
            emr.get_on_cluster_app_ui_presigned_url(
                ClusterId=world.cluster_id, OnClusterAppUIType="ApplicationMaster"
            )["PresignedURL"]
        )
        assert live.status_code == 200
        assert live.url.path == f"/_ui/{world.cluster_id}/proxy/{connect_app}/jobs/"
        assert f"{world.cluster_id} Spark Connect server - Spark Jobs" in live.text
        history = browser.get(
            emr.get_on_cluster_app_ui_presigned_url(
                ClusterId=world.cluster_id, OnClusterAppUIType="SparkHistoryServer"
            )["PresignedURL"]
        )
        assert history.status_code == 200 and "History Server" in history.text

    # Without the cookie: an expired link, another cluster's link and no link are refused.
    key = ui_links.signing_key(world.data_dir)
    past = ui_links.UiGrant(
        ACCOUNT, "us-east-1", world.cluster_id, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    expired = ui_links.presigned_url(world.running.url, past, key)
    assert httpx.get(expired).status_code == 403
    assert "expired" in httpx.get(expired).text
    other = url.replace(f"/_ui/{world.cluster_id}/", "/_ui/j-0THERCLUSTER0/")
    refused = httpx.get(other)
    assert refused.status_code == 403 and "another cluster" in refused.text
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert httpx.get(tampered).status_code == 403
    assert httpx.get(f"{world.running.url}/_ui/{world.cluster_id}/").status_code == 403
    with pytest.raises(Exception) as wrong_type:
        emr.get_on_cluster_app_ui_presigned_url(
            ClusterId=world.cluster_id, OnClusterAppUIType="TezUI"
        )
    assert "TezUI" in str(wrong_type.value)


def test_instance_groups_resize_live(world: World) -> None:
    emr = world.emr
    core = next(
        g
        for g in emr.list_instance_groups(ClusterId=world.cluster_id)["InstanceGroups"]
        if g["InstanceGroupType"] == "CORE"
    )

    def core_running() -> int:
        groups = emr.list_instance_groups(ClusterId=world.cluster_id)["InstanceGroups"]
        group = next(g for g in groups if g["Id"] == core["Id"])
        return int(group["RunningInstanceCount"]) if group["Status"]["State"] == "RUNNING" else -1

    emr.modify_instance_groups(
        ClusterId=world.cluster_id,
        InstanceGroups=[{"InstanceGroupId": core["Id"], "InstanceCount": 2}],
    )
    wait_until(lambda: core_running() == 2, "the core group to grow to 2")
    workers = [r for r in pids_of(work_dir(world, world.cluster_id)) if r.startswith("worker:")]
    assert len(workers) == 2
    added = [
        i
        for i in emr.list_instances(ClusterId=world.cluster_id, InstanceGroupId=core["Id"])[
            "Instances"
        ]
        if i["Status"]["State"] == "RUNNING"
    ]
    assert len(added) == 2
    newest = added[-1]["Ec2InstanceId"]
    emr.modify_instance_groups(
        ClusterId=world.cluster_id,
        InstanceGroups=[{"InstanceGroupId": core["Id"], "EC2InstanceIdsToTerminate": [newest]}],
    )
    wait_until(lambda: core_running() == 1, "the core group to shrink to 1")
    assert f"worker:{newest}" not in pids_of(work_dir(world, world.cluster_id))
    gone = emr.list_instances(ClusterId=world.cluster_id, InstanceStates=["TERMINATED"])
    assert [i["Ec2InstanceId"] for i in gone["Instances"]] == [newest]
    assert emr.describe_cluster(ClusterId=world.cluster_id)["Cluster"]["Status"]["State"] == (
        "WAITING"
    )


def test_a_dead_core_worker_is_replaced(world: World) -> None:
    emr = world.emr
    pids = pids_of(work_dir(world, world.cluster_id))
    role, pid = next((r, p) for r, p in pids.items() if r.startswith("worker:"))
    instance_id = role.partition(":")[2]
    os.killpg(pid, signal.SIGKILL)

    def replaced() -> dict[str, Any] | None:
        cluster: dict[str, Any] = emr.describe_cluster(ClusterId=world.cluster_id)["Cluster"]
        message = cluster["Status"]["StateChangeReason"].get("Message", "")
        return cluster if f"Node {instance_id} failed and was replaced" in message else None

    cluster = wait_until(replaced, "the worker to be replaced")
    assert cluster["Status"]["State"] == "WAITING"
    assert pids_of(work_dir(world, world.cluster_id)).get(role) not in (None, pid)
    instance = next(
        i
        for i in emr.list_instances(ClusterId=world.cluster_id)["Instances"]
        if i["Ec2InstanceId"] == instance_id
    )
    assert instance["Status"]["State"] == "RUNNING"
    assert instance["Status"]["StateChangeReason"]["Code"] == "INSTANCE_FAILURE"
    assert "was replaced" in instance["Status"]["StateChangeReason"]["Message"]


def shell_step(name: str, command: str) -> dict[str, Any]:
    return {
        "Name": name,
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["sh", "-c", command]},
    }


def test_a_dead_livy_endpoint_is_started_again(world: World) -> None:
    old = pids_of(work_dir(world, world.cluster_id))["sidecar:livy"]
    os.killpg(old, signal.SIGKILL)

    def answering() -> bool:
        pid = pids_of(work_dir(world, world.cluster_id)).get("sidecar:livy")
        if pid in (None, old):
            return False
        with livy_client(world) as livy:
            return livy.get(livy.base + "/sessions", timeout=10).status_code == 200

    wait_until(answering, "Livy to be started again and answer")
    cluster = world.emr.describe_cluster(ClusterId=world.cluster_id)["Cluster"]
    assert cluster["Status"]["State"] == "WAITING"


def test_a_restarted_control_plane_adopts_the_cluster_and_its_steps(world: World) -> None:
    before = pids_of(work_dir(world, world.cluster_id))
    # A step that runs on while the control plane is away, and ends meanwhile.
    marker = "sleep 9"
    (survivor,) = world.emr.add_job_flow_steps(
        JobFlowId=world.cluster_id, Steps=[shell_step("survivor", f"{marker}; echo survived")]
    )["StepIds"]
    wait_for_step(world.emr, world.cluster_id, survivor, ("RUNNING",))
    wait_until(lambda: processes_mentioning(marker), "the step's process")
    world.stop_server()
    assert pids_of(work_dir(world, world.cluster_id)) == before
    assert processes_mentioning(marker), "the step runs on without a control plane"
    world.start_server()
    emr = world.emr
    done = wait_for_step(emr, world.cluster_id, survivor, ("COMPLETED", "FAILED", "INTERRUPTED"))
    assert done["Status"]["State"] == "COMPLETED", done["Status"]
    stdout = work_dir(world, world.cluster_id) / "steps" / survivor / "stdout"
    assert stdout.read_text().strip() == "survived"
    wait_for(emr, world.cluster_id, ("WAITING",))

    # A step killed while the control plane was away left no exit code: INTERRUPTED.
    marker = "sleep 313"
    (killed,) = emr.add_job_flow_steps(
        JobFlowId=world.cluster_id, Steps=[shell_step("killed", marker)]
    )["StepIds"]
    wait_for_step(emr, world.cluster_id, killed, ("RUNNING",))
    wait_until(lambda: processes_mentioning(marker), "the long step's process")
    world.stop_server()
    for pid in processes_mentioning(marker):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    world.start_server()
    emr = world.emr
    interrupted = wait_for_step(emr, world.cluster_id, killed, ("INTERRUPTED", "COMPLETED"))
    assert interrupted["Status"]["State"] == "INTERRUPTED"
    assert "Add the step again" in interrupted["Status"]["StateChangeReason"]["Message"]
    assert processes_mentioning(marker) == []
    wait_for(emr, world.cluster_id, ("WAITING",))
    (step_id,) = emr.add_job_flow_steps(JobFlowId=world.cluster_id, Steps=[pi_step("after")])[
        "StepIds"
    ]
    assert (
        wait_for_step(emr, world.cluster_id, step_id, ("COMPLETED", "FAILED"))["Status"]["State"]
        == "COMPLETED"
    )
    assert pids_of(work_dir(world, world.cluster_id)) == before


def test_managed_scaling_grows_the_cluster_for_pending_work(world: World) -> None:
    emr = world.emr
    limits = {"UnitType": "Instances", "MinimumCapacityUnits": 1, "MaximumCapacityUnits": 2}
    emr.put_managed_scaling_policy(
        ClusterId=world.cluster_id, ManagedScalingPolicy={"ComputeLimits": limits}
    )

    def core_group() -> dict[str, Any]:
        groups = emr.list_instance_groups(ClusterId=world.cluster_id)["InstanceGroups"]
        return dict(next(g for g in groups if g["InstanceGroupType"] == "CORE"))

    try:
        assert core_group()["RequestedInstanceCount"] == 1
        (step_id,) = emr.add_job_flow_steps(JobFlowId=world.cluster_id, Steps=[pi_step("scale")])[
            "StepIds"
        ]
        wait_until(lambda: core_group()["RunningInstanceCount"] == 2, "managed scaling to grow")
        assert (
            wait_for_step(emr, world.cluster_id, step_id, ("COMPLETED", "FAILED"))["Status"][
                "State"
            ]
            == "COMPLETED"
        )
    finally:
        emr.remove_managed_scaling_policy(ClusterId=world.cluster_id)
    workers = [r for r in pids_of(work_dir(world, world.cluster_id)) if r.startswith("worker:")]
    assert len(workers) == 2


def test_a_persistent_ui_is_attached_while_the_cluster_runs(world: World) -> None:
    emr = world.emr
    cluster = emr.describe_cluster(ClusterId=world.cluster_id)["Cluster"]
    world.ui_id = emr.create_persistent_app_ui(TargetResourceArn=cluster["ClusterArn"])[
        "PersistentAppUIId"
    ]
    described = emr.describe_persistent_app_ui(PersistentAppUIId=world.ui_id)["PersistentAppUI"]
    assert described["PersistentAppUIStatus"] == "ATTACHED"
    assert described["PersistentAppUITypeList"] == ["SHS"]


def _spark_error(call: Any) -> str:
    """The message of the error ``call`` ends with (it must end with one)."""
    with pytest.raises(SparkConnectGrpcException) as raised:
        call()
    return str(raised.value)


def test_terminating_tells_every_client_at_once(world: World) -> None:
    """A notebook's Spark Connect sessions and a Livy statement learn that the cluster ended.

    A query under way ends with the cluster's id and state, the notebook's next
    call too (not a retry of a closed port), a running Livy statement is answered
    with the cluster's state, and nothing of the cluster runs on.
    """
    emr = world.emr
    running(emr, world.cluster_id)
    folder = work_dir(world, world.cluster_id)
    session = emr.start_session(ClusterId=world.cluster_id, Name="attached")
    endpoint = emr.get_session_endpoint(ClusterId=world.cluster_id, SessionId=session["Id"])
    url = f"{endpoint['Endpoint']}/;token={endpoint['AuthToken']}"
    notebook = SparkSession.builder.remote(url).create()
    busy = SparkSession.builder.remote(url).create()
    # A few quick retries, as a client would make; a closed port would still fail them.
    for client in (notebook, busy):
        client.client.set_retry_policies([DefaultPolicy(max_retries=4)])
    busy_said: list[str] = []
    query = threading.Thread(
        target=lambda: busy_said.append(
            _spark_error(lambda: busy.range(0, 10**12, 1, 2).selectExpr("sum(id)").collect())
        )
    )
    try:
        assert notebook.sql("SELECT 6 * 7 AS answer").collect()[0][0] == 42
        with livy_client(world) as livy:
            base = livy.base
            created = livy.post(f"{base}/sessions", json={"kind": "pyspark"}, timeout=30)
            assert created.status_code == 201, created.text
            statements = f"{base}/sessions/{created.json()['id']}/statements"
            wait_until(
                lambda: (
                    livy.get(statements.rsplit("/", 1)[0], timeout=30).json()["state"] == "idle"
                ),
                "the Livy session to be idle",
            )
            statement = livy.post(
                statements, json={"code": "import time\ntime.sleep(600)"}, timeout=30
            ).json()["id"]
            wait_until(
                lambda: (
                    livy.get(f"{statements}/{statement}", timeout=30).json()["state"] == "running"
                ),
                "the Livy statement to run",
            )
            query.start()
            activity = folder / "connect-proxy-activity.json"
            wait_until(
                lambda: json.loads(activity.read_text())["active_streams"] > 0,
                "the query to be under way",
            )

            emr.terminate_job_flows(JobFlowIds=[world.cluster_id])
            final = wait_for(emr, world.cluster_id, FINAL, timeout=120)
            assert final["Status"]["StateChangeReason"]["Code"] == "USER_REQUEST"

            after = _spark_error(lambda: notebook.sql("SELECT 1").collect())
            assert f"Cluster {world.cluster_id} is TERMINATED" in after, after
            assert "FAILED_PRECONDITION" in after and "StartSession" in after, after
            answer = livy.get(f"{statements}/{statement}", timeout=30)
            assert answer.status_code == 409, answer.text
            assert answer.json()["msg"].startswith(f"Cluster {world.cluster_id} is TERMINATED")
        query.join(60)
        assert not query.is_alive()
        assert len(busy_said) == 1 and f"Cluster {world.cluster_id} is TERMINAT" in busy_said[0]
    finally:
        notebook.stop()
        busy.stop()
    assert not any(is_running(r) for r in records_of(folder))
    assert processes_under(folder) == []


def test_persistent_ui_outlives_the_terminated_cluster(world: World) -> None:
    emr = world.emr
    emr.terminate_job_flows(JobFlowIds=[world.cluster_id])
    # Stopping the first cluster of a run may wait for its JVMs to write their CDS archives.
    final = wait_for(emr, world.cluster_id, FINAL, timeout=600)
    assert final["Status"]["StateChangeReason"]["Code"] == "USER_REQUEST"
    assert not any(is_running(r) for r in records_of(work_dir(world, world.cluster_id)))
    answer = emr.get_persistent_app_ui_presigned_url(PersistentAppUIId=world.ui_id)
    assert answer["PresignedURLReady"] is True
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        assert browser.get(answer["PresignedURL"]).status_code == 200  # the UI's cookie
        listing = f"{world.running.url}/_ui/{world.cluster_id}/shs/api/v1/applications"
        connect_name = f"{world.cluster_id} Spark Connect server"

        def apps() -> list[dict[str, Any]]:
            answered = browser.get(listing)
            assert answered.status_code == 200, answered.text
            return list(answered.json())

        # The history server replays the event logs in the background after it starts:
        # each application is listed once its log is read.
        wait_until(
            lambda: (
                {"Pi", "Connect"}
                <= {w for a in apps() for w in ("Pi", "Connect") if w in a["name"]}
            ),
            "the step's and the Connect server's applications",
        )
        # The link lands on the page of the cluster's own application (the Spark Connect
        # server) on the history server, as the live link landed on its jobs page.
        (connect_app,) = [a["id"] for a in apps() if a["name"] == connect_name]
        landing = browser.get(answer["PresignedURL"])
        assert landing.status_code == 200
        assert landing.url.path == f"/_ui/{world.cluster_id}/shs/history/{connect_app}/jobs/"
        assert "Spark Jobs" in landing.text


# ---------------------------------------------------------------------- a second cluster
# (Endings that need no real process, such as a transient cluster, a dead primary node or an
# idle timeout, are tested on the in-process engine in test_emr_reconciler.py.)


def test_down_stops_everything_without_a_server(world: World) -> None:
    emr = world.emr
    cluster_id = start_cluster(emr, "left-running")
    running(emr, cluster_id)
    pids = pids_of(work_dir(world, cluster_id))
    world.stop_server()
    assert all(is_running(r) for r in records_of(work_dir(world, cluster_id)))
    result = subprocess.run(
        [str(VENV_BIN / "clusterport"), "down", "--data-dir", str(world.data_dir)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"stopped {cluster_id}" in result.stdout
    assert f"marked {cluster_id} TERMINATED" in result.stdout
    assert [pid for pid in pids.values() if group_members(pid)] == []
    assert processes_under(work_dir(world, cluster_id)) == []
    world.start_server()
    final = world.emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert final["State"] == "TERMINATED"
    assert "clusterport down" in final["StateChangeReason"]["Message"]

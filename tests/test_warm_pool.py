"""The warm pool on real Spark: one server keeping a pool of one for the module.

A RunJobFlow of the pool's shape gets the pre-started member: it goes through
the usual states, a fresh Spark Connect client and a Livy session run a query
on it, and its Spark UI opens through a presigned link under the member's
handle. The pool refills; two accounts never get the same member; a
terminated pooled cluster's processes and control group end and its member
never comes back; a shape the pool does not hold starts cold; a member whose
process died is never handed out and is replaced. The hand-off logic itself
(and giving way to waiting clusters) is tested without a JVM in
test_warm_pool_handoff.py.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import uvicorn
from botocore.credentials import Credentials
from pyspark.sql import SparkSession
from pyspark.sql.connect.client.retries import DefaultPolicy

from clusterport.cli.main import main
from clusterport.engines.base import Phase, PoolMemberState
from clusterport.engines.cgroups import ControlGroups
from clusterport.engines.livy.config import ACCESS_KEY_HEADER
from clusterport.engines.local_spark import LocalSparkEngine
from clusterport.engines.pool import member_memory_mb
from clusterport.engines.processes import is_running
from clusterport.engines.state import load_state
from clusterport.engines.warmup import ANSWERED
from clusterport.services.emr.records import EmrRecords
from clusterport.services.emr.spec import pool_template, sidecars
from clusterport.studio.livy_auth import SigV4Livy, platform_livy_url
from conftest import RunningServer, start_server
from emr_support import FINAL, instances, processes_under, wait_for

pytestmark = pytest.mark.spark

A = "111111111111"
B = "222222222222"


@dataclass
class Pooled:
    running: RunningServer
    uv: uvicorn.Server
    data_dir: Path

    def engine(self) -> LocalSparkEngine:
        engine = self.running.engine()
        assert isinstance(engine, LocalSparkEngine)
        return engine


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pooled]:
    data_dir = tmp_path_factory.mktemp("warm-pool")
    running, uv, thread = start_server(
        data_dir, engine_options={"warm-pool": "1", "pool-refill-delay": "0"}
    )
    world = Pooled(running, uv, data_dir)
    try:
        yield world
    finally:
        try:
            for account in (A, B):
                emr = running.client("emr", account)
                for cluster in emr.list_clusters()["Clusters"]:
                    if cluster["Status"]["State"] not in FINAL:
                        emr.terminate_job_flows(JobFlowIds=[cluster["Id"]])
                        wait_for(emr, cluster["Id"], FINAL, 120)
        finally:
            uv.should_exit = True
            thread.join(60)
            asyncio.run(LocalSparkEngine(data_dir).stop_all())
        # The pool's members end with the server: nothing is left running.
        assert processes_under(data_dir) == []


def until(probe: Callable[[], Any], what: str, timeout: float = 180.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def ready_member(pooled: Pooled, other_than: tuple[str, ...] = ()) -> str:
    """A READY member of the pool (waiting while the pool starts one)."""

    def ready() -> list[str]:
        return [
            m.member_id
            for m in pooled.engine().pool_status().members
            if m.state is PoolMemberState.READY and m.member_id not in other_than
        ]

    return str(until(ready, "a ready pool member")[0])


def document(pooled: Pooled, account: str, cluster_id: str) -> dict[str, Any]:
    with pooled.running.platform.db.session() as session:
        return dict(EmrRecords(session, account, "us-east-1").cluster(cluster_id).data)


def common_shape(name: str = "pooled") -> dict[str, Any]:
    return {
        "Name": name,
        "Instances": instances(core=1),
        "Applications": [{"Name": "Spark"}, {"Name": "Livy"}],
    }


def states_until_waiting(emr: Any, cluster_id: str) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        state = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == "WAITING" or state in FINAL:
            return seen
    raise AssertionError(f"{cluster_id} never became WAITING: {seen}")


def spark_answer(emr: Any, cluster_id: str) -> int:
    session = emr.start_session(ClusterId=cluster_id, Name="notebook")
    endpoint = emr.get_session_endpoint(ClusterId=cluster_id, SessionId=session["Id"])
    url = f"{endpoint['Endpoint']}/;token={endpoint['AuthToken']}"
    spark = SparkSession.builder.remote(url).create()
    spark.client.set_retry_policies([DefaultPolicy(max_retries=0)])
    try:
        return int(spark.sql("SELECT 6 * 7 AS answer").collect()[0][0])
    finally:
        spark.stop()


def livy_count(pooled: Pooled, cluster_id: str) -> str:
    """``spark.range(5).count()`` in a Livy session through the platform's route."""
    key = pooled.running.account(A)
    base = platform_livy_url(pooled.running.url, cluster_id)
    with requests.Session() as client:
        client.auth = SigV4Livy(
            Credentials(key.access_key_id, key.secret_access_key), "us-east-1", base
        )
        created = client.post(f"{base}/sessions", json={"kind": "pyspark"}, timeout=30)
        assert created.status_code == 201, created.text
        session = created.json()["id"]
        statements = f"{base}/sessions/{session}/statements"
        try:
            until(
                lambda: (
                    client.get(f"{base}/sessions/{session}", timeout=30).json()["state"] == "idle"
                ),
                "the Livy session to be idle",
            )
            statement = client.post(
                statements, json={"code": "spark.range(5).count()"}, timeout=30
            ).json()["id"]

            def available() -> dict[str, Any] | None:
                reply: dict[str, Any] = client.get(f"{statements}/{statement}", timeout=30).json()
                return reply if reply["state"] == "available" else None

            done = until(available, "the statement's result")
            assert done["output"]["status"] == "ok", done
            return str(done["output"]["data"]["text/plain"]).strip()
        finally:
            client.delete(f"{base}/sessions/{session}", timeout=30)


def terminate(emr: Any, cluster_id: str) -> None:
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(emr, cluster_id, FINAL, 120)


def test_a_matching_cluster_is_served_by_the_member_and_runs_spark(pooled: Pooled) -> None:
    emr = pooled.running.client("emr", A)
    member = ready_member(pooled)
    before = asyncio.run(pooled.engine().access(member))
    # The member's sidecars wait parked: their modules imported, no port open, no key read.
    member_state = load_state(pooled.engine().work_dir(member))
    assert member_state is not None
    parked = {p.role: p.pid for p in member_state.processes if p.role.startswith("parked:")}
    assert set(parked) == {"parked:connect-proxy", "parked:livy"}
    cluster_id = emr.run_job_flow(**common_shape())["JobFlowId"]
    seen = states_until_waiting(emr, cluster_id)
    # Re-keyed at the hand-off: neither the session signing key nor Livy's access key is kept.
    after = asyncio.run(pooled.engine().access(cluster_id))
    assert after.session_key != before.session_key
    assert after.sidecar_key != before.sidecar_key
    # The parked processes run the sidecars, with the keys made at the claim.
    handed = load_state(pooled.engine().work_dir(cluster_id))
    assert handed is not None
    assert {p.role: p.pid for p in handed.processes if p.role.startswith("sidecar:")} == {
        role.replace("parked:", "sidecar:"): pid for role, pid in parked.items()
    }
    livy = f"http://127.0.0.1:{handed.sidecar_ports['livy']}/sessions"
    assert httpx.get(livy, headers={ACCESS_KEY_HEADER: before.sidecar_key}).status_code == 403
    assert httpx.get(livy, headers={ACCESS_KEY_HEADER: after.sidecar_key}).status_code == 200
    assert seen[0] in ("STARTING", "BOOTSTRAPPING") and seen[-1] == "WAITING", seen
    order = ["STARTING", "BOOTSTRAPPING", "WAITING"]
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen), seen
    engine_doc = document(pooled, A, cluster_id)["Engine"]
    assert engine_doc["UiPrefix"] == f"/_ui/{member}"
    # The cluster keeps the member's folder, records, uid and group; the records name it now.
    assert pooled.engine().work_dir(cluster_id).name == member
    assert "WorkDir" not in engine_doc  # where it keeps its files is the engine's business
    state = load_state(pooled.engine().work_dir(cluster_id))
    assert state is not None and state.cluster_id == cluster_id and state.started_as == member
    ec2_ids = {i["Ec2InstanceId"] for i in emr.list_instances(ClusterId=cluster_id)["Instances"]}
    assert {n.spec.instance_id for n in state.nodes} == ec2_ids
    assert ControlGroups.detect().members(member) or not ControlGroups.detect().enabled

    # The member answered its warm-up queries before it was handed out.
    warmup_log = pooled.engine().work_dir(cluster_id) / "logs" / "warmup.log"
    assert ANSWERED in warmup_log.read_text()
    assert spark_answer(emr, cluster_id) == 42
    assert livy_count(pooled, cluster_id) == "5"

    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        url = emr.get_on_cluster_app_ui_presigned_url(
            ClusterId=cluster_id, OnClusterAppUIType="ResourceManager"
        )["PresignedURL"]
        assert url.startswith(f"{pooled.running.url}/_ui/{member}/?")
        page = browser.get(url)
        assert page.status_code == 200 and "Spark Master at spark://" in page.text
        live = browser.get(
            emr.get_on_cluster_app_ui_presigned_url(
                ClusterId=cluster_id, OnClusterAppUIType="ApplicationMaster"
            )["PresignedURL"]
        )
        assert live.status_code == 200
        assert live.url.path.startswith(f"/_ui/{member}/proxy/")
        # The driver was named for no one: neither the pool member nor another account.
        assert "Spark Connect server - Spark Jobs" in live.text
        assert f"{member} Spark Connect server" not in live.text

    # The pool refills with a new member.
    assert ready_member(pooled, other_than=(member,)) != member
    terminate(emr, cluster_id)


def test_accounts_never_share_a_member_and_a_terminated_one_ends_for_good(
    pooled: Pooled,
) -> None:
    emr_a = pooled.running.client("emr", A)
    emr_b = pooled.running.client("emr", B)
    first = ready_member(pooled)
    in_a = emr_a.run_job_flow(**common_shape())["JobFlowId"]
    wait_for(emr_a, in_a, ("WAITING",), 180)
    second = ready_member(pooled, other_than=(first,))
    second_state = load_state(pooled.engine().work_dir(second))
    assert second_state is not None
    parked_livy = second_state.process("parked:livy")
    assert parked_livy is not None
    # Without the Livy application: the member's parked Livy ends, unused.
    in_b = emr_b.run_job_flow(**{**common_shape(), "Applications": [{"Name": "Spark"}]})[
        "JobFlowId"
    ]
    wait_for(emr_b, in_b, ("WAITING",), 180)
    work_a = pooled.engine().work_dir(in_a)
    work_b = pooled.engine().work_dir(in_b)
    assert (work_a.name, work_b.name) == (first, second)
    state_b = load_state(work_b)
    assert state_b is not None
    roles_b = {p.role for p in state_b.processes}
    assert "sidecar:connect-proxy" in roles_b
    assert not {"sidecar:livy", "parked:livy", "parked:connect-proxy"} & roles_b
    assert not is_running(parked_livy)
    assert work_a.stat().st_uid != work_b.stat().st_uid or os.geteuid() != 0

    terminate(emr_a, in_a)
    assert processes_under(work_a) == []
    groups = ControlGroups.detect()
    assert groups.members(first) == [] and groups.memory_limit_mb(first) is None
    assert first not in pooled.engine().registry.clusters()
    assert first not in [m.member_id for m in pooled.engine().pool_status().members]
    # B's cluster runs on, untouched.
    assert spark_answer(emr_b, in_b) == 42
    terminate(emr_b, in_b)


def test_a_shape_the_pool_does_not_hold_starts_cold(pooled: Pooled) -> None:
    emr = pooled.running.client("emr", A)
    member = ready_member(pooled)
    cluster_id = emr.run_job_flow(
        **common_shape("cold"),
        Configurations=[
            {
                "Classification": "spark-defaults",
                "Properties": {"spark.sql.shuffle.partitions": "4"},
            }
        ],
    )["JobFlowId"]
    wait_for(emr, cluster_id, ("WAITING",), 180)
    engine_doc = document(pooled, A, cluster_id)["Engine"]
    assert engine_doc["UiPrefix"] == f"/_ui/{cluster_id}"
    assert pooled.engine().work_dir(cluster_id).name == cluster_id
    assert member in [m.member_id for m in pooled.engine().pool_status().members]
    # A cold cluster's user would wait for a warm-up query: it runs none.
    assert not (pooled.engine().work_dir(cluster_id) / "logs" / "warmup.log").exists()
    terminate(emr, cluster_id)


def test_a_member_whose_process_died_is_replaced_and_never_handed_out(pooled: Pooled) -> None:
    emr = pooled.running.client("emr", A)
    dead = ready_member(pooled)
    work_dir = pooled.engine().registry.cluster_dir(dead)
    assert work_dir is not None
    state = load_state(work_dir)
    assert state is not None
    driver = state.process("connect")
    assert driver is not None
    os.killpg(driver.pid, signal.SIGKILL)
    cluster_id = emr.run_job_flow(**common_shape())["JobFlowId"]
    wait_for(emr, cluster_id, ("WAITING",), 180)
    assert pooled.engine().work_dir(cluster_id).name != dead
    until(lambda: processes_under(work_dir) == [], "the dead member's processes to end")
    assert ready_member(pooled, other_than=(dead,)) != dead
    assert spark_answer(emr, cluster_id) == 42
    terminate(emr, cluster_id)


def test_admin_pool_lists_the_pool(pooled: Pooled, capsys: pytest.CaptureFixture[str]) -> None:
    member = ready_member(pooled)
    assert main(["admin", "pool", "--data-dir", str(pooled.data_dir)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["Size"] == 1
    assert "1 MASTER (4 vCPU, 16384 MiB) + 1 CORE (4 vCPU, 16384 MiB)" in shown["Shape"]
    assert shown["MemberMemoryMiB"] == 2560
    assert {"Id": member, "State": "READY"} in shown["Members"]


def test_a_warm_pool_larger_than_the_host_budget_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["server", "--data-dir", str(tmp_path), "--port", "0", "--warm-pool", "1000"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--warm-pool 1000 does not fit" in err
    assert "This host's budget" in err and "use --warm-pool " in err


def test_a_hand_off_cut_short_by_a_restart_ends_in_the_next_server(tmp_path: Path) -> None:
    """A server that claimed a member and ended before its hand-off: the next one hands it
    off, with new sidecars, and keeps no record of the member's parked ones (which ended
    with the first server's pipes), so no node looks dead."""
    template = pool_template()
    doc = {"Cluster": {"Id": "j-RESTARTED", "Applications": [{"Name": "Livy"}]}}
    spec = dataclasses.replace(
        template,
        cluster_id="j-RESTARTED",
        account_id=A,
        ui_prefix="/_ui/j-RESTARTED",
        nodes=[
            dataclasses.replace(n, instance_id=f"i-restarted{i}")
            for i, n in enumerate(template.nodes)
        ],
        sidecars=sidecars(doc),
    )

    async def scenario() -> None:
        first = LocalSparkEngine(tmp_path, warm_pool=1)
        try:
            capacity = first.capacity()
            await first.tend_pool(template, capacity.memory_mb, member_memory_mb(capacity))
            deadline = time.monotonic() + 180
            while not any(m.state is PoolMemberState.READY for m in first.pool_status().members):
                assert time.monotonic() < deadline, "no member became ready"
                await asyncio.sleep(0.2)
            identity = await first.claim(spec)
            assert identity is not None
            # The first server ends here: its pipes to the parked sidecars close.
            for parked in first._parked.get(spec.cluster_id, {}).values():
                parked.close()
            claimed = dataclasses.replace(spec, connect_token=identity.connect_token)
            second = LocalSparkEngine(tmp_path)
            phases = [c.phase async for c in second.start(claimed)]
            assert phases[-1] is Phase.WAITING, phases
            state = load_state(second.work_dir(spec.cluster_id))
            assert state is not None
            roles = {p.role for p in state.processes}
            assert {"sidecar:connect-proxy", "sidecar:livy"} <= roles
            assert not [r for r in roles if r.startswith("parked:")], roles
            health = await second.observe(spec.cluster_id)
            assert health.dead_instance_ids == [], health
        finally:
            await LocalSparkEngine(tmp_path).stop_all()

    asyncio.run(scenario())
    assert processes_under(tmp_path) == []

"""The warm pool's hand-off, refill, give-way and sizing, on the in-process engine (no JVM).

The in-process engine keeps its pool members as records, ready at once, so
what the control plane does with them is checked here in seconds: which
RunJobFlow a member serves, what the cluster's record then says (its UI
prefix, work dir and Connect token are the member's), that a member serves
one cluster and never comes back, that a dead one is never handed out, that
the pool gives way to a cluster waiting for room, and how ``--warm-pool`` and
``clusterport admin pool`` behave. The same on real Spark: test_warm_pool.py.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from clusterport.cli.main import main
from clusterport.engines.base import EngineError, PoolMemberState
from clusterport.engines.inprocess import InProcessEngine
from clusterport.engines.pool import REFILL_DELAY, is_pool_id, refill_delay
from clusterport.services.emr.records import EmrRecords
from conftest import RunningServer, start_inprocess_server
from emr_support import FINAL, instances, sleeping_bootstrap, wait_for

A = "111111111111"
B = "222222222222"


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """An in-process server keeping a pool of one."""
    running, uv, thread = start_inprocess_server(
        tmp_path_factory.mktemp("pooled"), {"warm-pool": "1"}
    )
    try:
        yield running
    finally:
        uv.should_exit = True
        thread.join(15)


def until(probe: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def ready_members(engine: InProcessEngine) -> list[str]:
    return [m.member_id for m in engine.pool_status().members if m.state is PoolMemberState.READY]


def ready_member(server: RunningServer, other_than: tuple[str, ...] = ()) -> str:
    """A READY member of the pool (waiting for the pool to make one)."""
    engine = server.inprocess()
    found = until(
        lambda: [m for m in ready_members(engine) if m not in other_than],
        "a ready pool member",
    )
    return str(found[0])


def document(server: RunningServer, account: str, cluster_id: str) -> dict[str, Any]:
    with server.platform.db.session() as session:
        return dict(EmrRecords(session, account, "us-east-1").cluster(cluster_id).data)


def common_shape(**extra: Any) -> dict[str, Any]:
    """RunJobFlow of the shape the pool keeps: default release, 1 primary + 1 core m5.xlarge."""
    params: dict[str, Any] = {
        "Name": "pooled",
        "Instances": instances(core=1),
        "Applications": [{"Name": "Spark"}, {"Name": "Livy"}],
    }
    params.update(extra)
    return params


def states_until_waiting(emr: Any, cluster_id: str) -> list[str]:
    """Every state DescribeCluster shows, polled back to back, until WAITING (or final)."""
    seen: list[str] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"]
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == "WAITING" or state in FINAL:
            return seen
    raise AssertionError(f"{cluster_id} never became WAITING: {seen}")


def test_a_matching_cluster_is_served_by_the_member_through_the_usual_states(
    pooled: RunningServer,
) -> None:
    emr = pooled.client("emr", A)
    member = ready_member(pooled)
    before = asyncio.run(pooled.inprocess().access(member))
    cluster_id = emr.run_job_flow(**common_shape())["JobFlowId"]
    seen = states_until_waiting(emr, cluster_id)
    assert seen[0] in ("STARTING", "BOOTSTRAPPING") and seen[-1] == "WAITING", seen
    order = ["STARTING", "BOOTSTRAPPING", "WAITING"]
    assert [order.index(s) for s in seen] == sorted(order.index(s) for s in seen), seen
    # Re-keyed at the hand-off: nothing the member held before is the cluster's.
    after = asyncio.run(pooled.inprocess().access(cluster_id))
    assert after.session_key != before.session_key
    doc = document(pooled, A, cluster_id)
    engine = doc["Engine"]
    assert engine["UiPrefix"] == f"/_ui/{member}"
    assert engine["WarmPool"] is True
    # The member answers to the cluster's id now, and is out of the pool for good.
    assert cluster_id in pooled.inprocess().cluster_ids()
    assert member not in pooled.inprocess().cluster_ids()
    assert member not in [m.member_id for m in pooled.inprocess().pool_status().members]
    # Its Spark UI link goes through the member's handle, and is let in there only.
    url = emr.get_on_cluster_app_ui_presigned_url(
        ClusterId=cluster_id, OnClusterAppUIType="ResourceManager"
    )["PresignedURL"]
    assert urlsplit(url).path == f"/_ui/{member}/"
    traded = requests.get(url, allow_redirects=False, timeout=10)
    assert traded.status_code == 303, traded.text
    assert f"Path=/_ui/{member}/" in traded.headers["set-cookie"]
    other = emr.run_job_flow(Name="cold", Instances=instances(core=2))["JobFlowId"]
    wait_for(emr, other, ("WAITING",), timeout=30)
    foreign = emr.get_on_cluster_app_ui_presigned_url(
        ClusterId=other, OnClusterAppUIType="ResourceManager"
    )["PresignedURL"]
    under_member = foreign.replace(f"/_ui/{other}/", f"/_ui/{member}/")
    refused = requests.get(under_member, allow_redirects=False, timeout=10)
    assert refused.status_code == 403
    assert "another cluster" in refused.text
    # The pool refills with a new member.
    assert ready_member(pooled, other_than=(member,)) != member
    for done in (cluster_id, other):
        emr.terminate_job_flows(JobFlowIds=[done])
        wait_for(emr, done, FINAL, timeout=30)


def test_two_accounts_never_share_a_member_and_a_terminated_one_never_returns(
    pooled: RunningServer,
) -> None:
    emr_a, emr_b = pooled.client("emr", A), pooled.client("emr", B)
    first = ready_member(pooled)
    in_a = emr_a.run_job_flow(**common_shape())["JobFlowId"]
    wait_for(emr_a, in_a, ("WAITING",), timeout=30)
    second = ready_member(pooled, other_than=(first,))
    in_b = emr_b.run_job_flow(**common_shape())["JobFlowId"]
    wait_for(emr_b, in_b, ("WAITING",), timeout=30)
    prefix_a = document(pooled, A, in_a)["Engine"]["UiPrefix"]
    prefix_b = document(pooled, B, in_b)["Engine"]["UiPrefix"]
    assert (prefix_a, prefix_b) == (f"/_ui/{first}", f"/_ui/{second}")
    emr_a.terminate_job_flows(JobFlowIds=[in_a])
    wait_for(emr_a, in_a, FINAL, timeout=30)
    engine = pooled.inprocess()
    assert in_a not in engine.cluster_ids() and first not in engine.cluster_ids()
    # Later members are new ones: the terminated cluster's member never comes back.
    third = ready_member(pooled, other_than=(first, second))
    assert third not in (first, second) and is_pool_id(third)
    again = emr_a.run_job_flow(**common_shape())["JobFlowId"]
    wait_for(emr_a, again, ("WAITING",), timeout=30)
    assert document(pooled, A, again)["Engine"]["UiPrefix"] == f"/_ui/{third}"
    for account, cluster_id in ((B, in_b), (A, again)):
        emr = pooled.client("emr", account)
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
        wait_for(emr, cluster_id, FINAL, timeout=30)


@pytest.mark.parametrize(
    "extra",
    [
        {"Instances": instances(core=2)},
        {"Configurations": [{"Classification": "spark-defaults", "Properties": {"a.b": "c"}}]},
        {"ReleaseLabel": "emr-7.0.0"},
    ],
    ids=["two-core-nodes", "configurations", "another-release"],
)
def test_a_shape_the_pool_does_not_hold_starts_cold(
    pooled: RunningServer, extra: dict[str, Any]
) -> None:
    emr = pooled.client("emr", A)
    member = ready_member(pooled)
    cluster_id = emr.run_job_flow(**common_shape(**extra))["JobFlowId"]
    wait_for(emr, cluster_id, ("WAITING",), timeout=30)
    engine = document(pooled, A, cluster_id)["Engine"]
    assert engine["UiPrefix"] == f"/_ui/{cluster_id}"
    assert "WarmPool" not in engine
    assert member in ready_members(pooled.inprocess())
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(emr, cluster_id, FINAL, timeout=30)


def test_a_cluster_with_a_bootstrap_action_starts_cold(
    pooled: RunningServer, tmp_path: Path
) -> None:
    emr = pooled.client("emr", A)
    member = ready_member(pooled)
    cluster_id = emr.run_job_flow(
        **common_shape(BootstrapActions=sleeping_bootstrap(tmp_path, seconds=0))
    )["JobFlowId"]
    wait_for(emr, cluster_id, ("WAITING",), timeout=30)
    assert document(pooled, A, cluster_id)["Engine"]["UiPrefix"] == f"/_ui/{cluster_id}"
    assert member in ready_members(pooled.inprocess())
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(emr, cluster_id, FINAL, timeout=30)


def test_a_dead_member_is_replaced_and_never_handed_out(pooled: RunningServer) -> None:
    emr = pooled.client("emr", A)
    engine = pooled.inprocess()
    dead = ready_member(pooled)
    engine.kill(dead, "master")
    cluster_id = emr.run_job_flow(**common_shape())["JobFlowId"]
    wait_for(emr, cluster_id, ("WAITING",), timeout=30)
    assert document(pooled, A, cluster_id)["Engine"]["UiPrefix"] != f"/_ui/{dead}"
    until(lambda: dead not in engine.cluster_ids(), "the dead member to be stopped")
    replacement = ready_member(pooled, other_than=(dead,))
    assert replacement != dead
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(emr, cluster_id, FINAL, timeout=30)


def test_admin_pool_lists_size_shape_memory_and_members(
    pooled: RunningServer, capsys: pytest.CaptureFixture[str]
) -> None:
    member = ready_member(pooled)
    assert main(["admin", "pool", "--data-dir", str(pooled.data_dir)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["Size"] == 1
    assert shown["Shape"].endswith(": 1 MASTER (4 vCPU, 16384 MiB) + 1 CORE (4 vCPU, 16384 MiB)")
    assert shown["MemberMemoryMiB"] == 2560
    assert shown["MemoryMiB"] == 2560 * len(shown["Members"])
    assert {"Id": member, "State": "READY"} in shown["Members"]


def test_admin_pool_without_a_server_shows_an_empty_pool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "pool", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["Members"] == []
    assert "no server with a warm pool runs" in out.err


def test_the_pool_gives_way_to_a_waiting_cluster_and_waits_to_refill(tmp_path: Path) -> None:
    # Room for three clusters of the shape: the pool holds one, two tenants' clusters come.
    server, uv, thread = start_inprocess_server(
        tmp_path, {"warm-pool": "1", "memory-mb": str(3 * 2560)}
    )
    try:
        emr = server.client("emr", A)
        engine = server.inprocess()
        member = ready_member(server)
        cold = {"Name": "cold", "Instances": instances(core=2)}  # 1536 + 2 x 1024 MiB
        first = emr.run_job_flow(**cold)["JobFlowId"]
        wait_for(emr, first, ("WAITING",), timeout=30)
        assert member in ready_members(engine)  # 3584 + 2560 fit in 7680
        second = emr.run_job_flow(**cold)["JobFlowId"]
        # It fits only once the pool gives its member up; the pool does not refill meanwhile.
        wait_for(emr, second, ("WAITING",), timeout=30)
        assert document(server, A, second)["Engine"]["UiPrefix"] == f"/_ui/{second}"
        assert member not in engine.cluster_ids()
        time.sleep(0.5)  # several resyncs (0.1 s each): no member starts while room lacks
        assert engine.pool_status().members == []
        emr.terminate_job_flows(JobFlowIds=[second])
        wait_for(emr, second, FINAL, timeout=30)
        refilled = ready_member(server)
        assert refilled != member
        emr.terminate_job_flows(JobFlowIds=[first])
        wait_for(emr, first, FINAL, timeout=30)
    finally:
        uv.should_exit = True
        thread.join(15)


def test_a_warm_pool_larger_than_the_budget_is_refused_naming_the_largest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The in-process engine's 64 GiB hold 25 clusters of 2560 MiB: 24 pooled, room for one.
    argv = ["server", "--engine", "inprocess", "--data-dir", str(tmp_path), "--port", "0"]
    assert main([*argv, "--warm-pool", "25"]) == 2
    err = capsys.readouterr().err
    assert "--warm-pool 25 does not fit" in err
    assert "use --warm-pool 24 or less" in err
    with pytest.raises(SystemExit) as bad:
        main([*argv, "--warm-pool", "many"])
    assert bad.value.code == 2
    assert "expected a number of clusters or 'auto'" in capsys.readouterr().err


def test_the_refill_delay_is_a_number_of_seconds_or_refused_naming_the_option() -> None:
    assert refill_delay(None) == REFILL_DELAY
    assert refill_delay("0") == 0.0 and refill_delay("2.5") == 2.5
    for bad in ("soon", "-1", "nan", "inf"):
        with pytest.raises(EngineError, match="pool-refill-delay must be a number of seconds"):
            refill_delay(bad)

"""The reconciler and the cluster lifecycle through the API, on the in-process engine.

No Spark runs here: the in-process engine takes steps' and bootstrap actions'
``sleep N`` as N seconds of the server's controllable clock, fails ``exit N``,
and lets a test kill a node's process. So every state EMR shows, every
ActionOnFailure, idle auto-termination, node replacement, resizing and managed
scaling is checked in seconds, with no real wait for what the clock advances.
The local engine's own behaviour (real processes, real Spark) is tested in
test_engine_local_spark.py and test_emr_clusters.py. Requests are signed with
real time, so the module's clock moves less than SigV4's 15 minutes of skew
in all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
import requests
import uvicorn

from clusterport.services.emr.documents import parse_iso
from clusterport.services.emr.reconciler import ClusterKey, Reconciler
from clusterport.services.emr.records import EmrRecords
from clusterport.services.emr.scaling import SCALE_DOWN_AFTER
from clusterport.studio.livy_auth import SigV4Livy, platform_livy_url
from conftest import RunningServer, start_inprocess_server
from emr_support import FINAL, error_code, instances, sleeping_bootstrap, wait_for, wait_for_step

ACCOUNT = "111111111111"


@pytest.fixture(scope="module")
def emr(server: RunningServer) -> Any:
    return server.client("emr", ACCOUNT)


def until(probe: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def shell(name: str, *args: str, action: str = "CONTINUE") -> dict[str, Any]:
    return {
        "Name": name,
        "ActionOnFailure": action,
        "HadoopJarStep": {"Jar": "command-runner.jar", "Args": list(args)},
    }


def start(emr: Any, name: str, core: int = 1, **extra: Any) -> str:
    params: dict[str, Any] = {"Name": name, "Instances": instances(core=core)}
    params.update(extra)
    cluster_id = str(emr.run_job_flow(**params)["JobFlowId"])
    wait_for(emr, cluster_id, ("WAITING", *FINAL), timeout=30)
    return cluster_id


@pytest.fixture
def cluster(emr: Any) -> Iterator[str]:
    """A WAITING cluster with one core node; terminated afterwards."""
    cluster_id = start(emr, "tended")
    yield cluster_id
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(emr, cluster_id, FINAL, timeout=30)


def reason(emr: Any, cluster_id: str) -> dict[str, Any]:
    status: dict[str, Any] = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    return status


def instance_states(emr: Any, cluster_id: str) -> set[str]:
    return {i["Status"]["State"] for i in emr.list_instances(ClusterId=cluster_id)["Instances"]}


# ---------------------------------------------------------------------- start-up


def test_a_cluster_goes_through_every_start_state_on_the_clock(
    server: RunningServer, emr: Any, tmp_path: Path
) -> None:
    cluster_id = emr.run_job_flow(
        Name="slow-bootstrap",
        Instances=instances(core=1),
        BootstrapActions=sleeping_bootstrap(tmp_path, seconds=120),
    )["JobFlowId"]
    assert reason(emr, cluster_id)["State"] in ("STARTING", "BOOTSTRAPPING")
    held = wait_for(emr, cluster_id, ("BOOTSTRAPPING",), timeout=30)
    assert {
        i["Status"]["State"] for i in emr.list_instances(ClusterId=cluster_id)["Instances"]
    } == {"BOOTSTRAPPING"}
    time.sleep(0.5)  # several reconciler rounds: nothing moves without the clock
    assert reason(emr, cluster_id)["State"] == "BOOTSTRAPPING"
    server.advance(121)
    ready = wait_for(emr, cluster_id, ("WAITING",), timeout=30)
    assert ready["Status"]["StateChangeReason"]["Message"] == "Cluster ready to run steps."
    timeline = ready["Status"]["Timeline"]
    assert (timeline["ReadyDateTime"] - timeline["CreationDateTime"]).total_seconds() >= 120
    assert held["Status"]["Timeline"]["CreationDateTime"] == timeline["CreationDateTime"]
    assert {
        i["Status"]["State"] for i in emr.list_instances(ClusterId=cluster_id)["Instances"]
    } == {"RUNNING"}
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    final = wait_for(emr, cluster_id, FINAL)
    assert final["Status"]["State"] == "TERMINATED"
    assert final["Status"]["StateChangeReason"]["Code"] == "USER_REQUEST"


def test_a_bootstrap_action_that_exits_non_zero_fails_the_cluster(emr: Any, tmp_path: Path) -> None:
    path = tmp_path / "check.sh"
    path.write_text('#!/bin/sh\nexec "$@"\n')
    cluster_id = emr.run_job_flow(
        Name="bad-bootstrap",
        Instances=instances(),
        BootstrapActions=[
            {
                "Name": "check",
                "ScriptBootstrapAction": {"Path": f"file://{path}", "Args": ["exit", "7"]},
            }
        ],
    )["JobFlowId"]
    final = wait_for(emr, cluster_id, FINAL)
    assert final["Status"]["State"] == "TERMINATED_WITH_ERRORS"
    assert final["Status"]["StateChangeReason"]["Code"] == "BOOTSTRAP_FAILURE"
    assert "exited with code 7" in final["Status"]["StateChangeReason"]["Message"]


def test_clusters_of_the_test_engine_say_so(emr: Any, cluster: str) -> None:
    described = emr.describe_cluster(ClusterId=cluster)["Cluster"]
    notes = [c for c in described["Configurations"] if c["Classification"] == "clusterport-engine"]
    assert [n["Properties"]["engine"] for n in notes] == ["inprocess"]
    assert notes[0]["Properties"]["test-engine"] == "true"


def test_sessions_livy_and_persistent_uis_name_the_test_engine(
    server: RunningServer, emr: Any, cluster: str
) -> None:
    session_id = emr.start_session(ClusterId=cluster, Name="notebook")["Id"]
    with pytest.raises(botocore.exceptions.ClientError) as info:
        emr.get_session_endpoint(ClusterId=cluster, SessionId=session_id)
    assert error_code(info.value) == "InvalidRequestException"
    assert "test engine" in info.value.response["Error"]["Message"]
    assert "--engine local" in info.value.response["Error"]["Message"]

    arn = emr.describe_cluster(ClusterId=cluster)["Cluster"]["ClusterArn"]
    ui_id = emr.create_persistent_app_ui(TargetResourceArn=arn)["PersistentAppUIId"]
    failed = until(
        lambda: (
            view
            if (view := emr.describe_persistent_app_ui(PersistentAppUIId=ui_id)["PersistentAppUI"])[
                "PersistentAppUIStatus"
            ]
            == "FAILED"
            else None
        ),
        "the persistent UI to fail",
    )
    assert "in-process test engine" in failed["LastStateChangeReason"]


def test_a_terminated_session_is_revoked_through_the_engine(
    server: RunningServer, emr: Any, cluster: str
) -> None:
    """TerminateSession has the engine revoke the session, once, whatever engine it is."""
    kept = emr.start_session(ClusterId=cluster, Name="kept")["Id"]
    ended = emr.start_session(ClusterId=cluster, Name="ended")["Id"]
    for _ in range(2):  # a second TerminateSession changes nothing
        answer = emr.terminate_session(ClusterId=cluster, SessionId=ended)
        assert answer["State"] == "TERMINATED"
    assert server.inprocess().revoked_sessions(cluster) == [ended]
    state = emr.get_session(ClusterId=cluster, SessionId=kept)["Session"]["State"]
    assert state == "STARTED"


# ---------------------------------------------------------------------- steps


def test_steps_run_in_order_on_the_clock_with_their_failure_actions(
    server: RunningServer, emr: Any, cluster: str
) -> None:
    first, failing, after = emr.add_job_flow_steps(
        JobFlowId=cluster,
        Steps=[
            shell("first", "sleep", "60"),
            shell("failing", "exit", "3"),
            shell("after", "echo", "done"),
        ],
    )["StepIds"]
    wait_for_step(emr, cluster, first, ("RUNNING",), timeout=30)
    assert reason(emr, cluster)["State"] == "RUNNING"
    assert emr.describe_step(ClusterId=cluster, StepId=failing)["Step"]["Status"]["State"] == (
        "PENDING"
    )
    server.advance(61)
    done = wait_for_step(emr, cluster, first, ("COMPLETED", "FAILED"), timeout=30)
    assert done["Status"]["State"] == "COMPLETED"
    broken = wait_for_step(emr, cluster, failing, ("COMPLETED", "FAILED"), timeout=30)
    assert broken["Status"]["State"] == "FAILED"
    assert broken["Status"]["FailureDetails"]["Reason"] == "The step exited with code 3."
    last = wait_for_step(emr, cluster, after, ("COMPLETED", "FAILED"), timeout=30)
    assert last["Status"]["State"] == "COMPLETED"
    assert done["Status"]["Timeline"]["EndDateTime"] <= last["Status"]["Timeline"]["StartDateTime"]
    waiting = wait_for(emr, cluster, ("WAITING",))
    assert waiting["Status"]["StateChangeReason"]["Message"] == (
        "Cluster ready after last step completed."
    )


def test_a_failed_step_cancels_the_rest_or_ends_the_cluster(emr: Any) -> None:
    holding = start(emr, "cancel-and-wait")
    failing, skipped = emr.add_job_flow_steps(
        JobFlowId=holding,
        Steps=[shell("fails", "false", action="CANCEL_AND_WAIT"), shell("skipped", "true")],
    )["StepIds"]
    assert wait_for_step(emr, holding, failing, ("FAILED",))["Status"]["State"] == "FAILED"
    cancelled = wait_for_step(emr, holding, skipped, ("CANCELLED",))
    assert f"step {failing} failed" in cancelled["Status"]["StateChangeReason"]["Message"]
    assert wait_for(emr, holding, ("WAITING",))["Status"]["State"] == "WAITING"
    emr.terminate_job_flows(JobFlowIds=[holding])

    ending = start(emr, "terminate-on-failure")
    (step,) = emr.add_job_flow_steps(
        JobFlowId=ending, Steps=[shell("fatal", "exit", "1", action="TERMINATE_CLUSTER")]
    )["StepIds"]
    final = wait_for(emr, ending, FINAL)
    assert final["Status"]["State"] == "TERMINATED_WITH_ERRORS"
    assert final["Status"]["StateChangeReason"]["Code"] == "STEP_FAILURE"
    assert step in final["Status"]["StateChangeReason"]["Message"]


def test_a_running_step_is_cancelled(server: RunningServer, emr: Any, cluster: str) -> None:
    (step,) = emr.add_job_flow_steps(JobFlowId=cluster, Steps=[shell("long", "sleep", "3600")])[
        "StepIds"
    ]
    wait_for_step(emr, cluster, step, ("RUNNING",))
    result = emr.cancel_steps(ClusterId=cluster, StepIds=[step])["CancelStepsInfoList"]
    assert result[0]["Status"] == "SUBMITTED"
    assert wait_for_step(emr, cluster, step, ("CANCELLED",))["Status"]["State"] == "CANCELLED"
    assert wait_for(emr, cluster, ("WAITING",))["Status"]["State"] == "WAITING"


def test_a_transient_cluster_ends_after_its_steps(emr: Any) -> None:
    cluster_id = emr.run_job_flow(
        Name="transient",
        Instances={**instances(), "KeepJobFlowAliveWhenNoSteps": False},
        Steps=[shell("only", "echo", "hello", action="TERMINATE_CLUSTER")],
    )["JobFlowId"]
    final = wait_for(emr, cluster_id, FINAL)
    assert final["Status"]["State"] == "TERMINATED"
    assert final["Status"]["StateChangeReason"]["Code"] == "ALL_STEPS_COMPLETED"
    (step,) = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert step["Status"]["State"] == "COMPLETED"


# ---------------------------------------------------------------------- idleness


def test_an_idle_cluster_ends_after_its_idle_timeout_and_a_busy_one_does_not(
    server: RunningServer, emr: Any
) -> None:
    idle = start(emr, "idle", AutoTerminationPolicy={"IdleTimeout": 60})
    busy = start(emr, "busy", AutoTerminationPolicy={"IdleTimeout": 60})
    server.inprocess().set_busy(busy, True)
    server.advance(30)
    time.sleep(0.5)
    assert reason(emr, idle)["State"] == "WAITING"
    server.advance(31)
    final = wait_for(emr, idle, FINAL)
    assert final["Status"]["State"] == "TERMINATED"
    assert final["Status"]["StateChangeReason"]["Code"] == "IDLE_TIMEOUT"
    assert "IdleTimeout of 60 s" in final["Status"]["StateChangeReason"]["Message"]
    assert reason(emr, busy)["State"] == "WAITING"
    server.inprocess().set_busy(busy, False)
    server.advance(61)
    assert wait_for(emr, busy, FINAL)["Status"]["StateChangeReason"]["Code"] == "IDLE_TIMEOUT"


def test_a_busy_sign_counts_from_when_it_was_seen_not_from_when_it_is_recorded(
    server: RunningServer, emr: Any
) -> None:
    """A look that found the cluster busy may end after the clock moved on (the engine
    answered slowly, or the work ended meanwhile): its activity is the look's time."""
    cluster_id = start(emr, "seen", AutoTerminationPolicy={"IdleTimeout": 3600})
    try:
        seen = server.platform.now()
        server.advance(120)
        key = ClusterKey(ACCOUNT, "us-east-1", cluster_id)
        reconciler = Reconciler(server.platform, server.engine())
        with server.platform.db.session() as session:
            row = EmrRecords(session, ACCOUNT, "us-east-1").cluster(cluster_id)
            doc = dict(row.data)
        asyncio.run(reconciler._watch_use(key, doc, busy=True, last=None, observed_at=seen))
        with server.platform.db.session() as session:
            row = EmrRecords(session, ACCOUNT, "us-east-1").cluster(cluster_id)
            recorded = parse_iso(row.data.get("LastActivity"))
        assert recorded is not None and recorded <= seen + dt.timedelta(seconds=1)
    finally:
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
        wait_for(emr, cluster_id, FINAL)


# ---------------------------------------------------------------------- failures


def test_a_dead_core_node_is_replaced(server: RunningServer, emr: Any, cluster: str) -> None:
    core = emr.list_instances(ClusterId=cluster, InstanceGroupTypes=["CORE"])["Instances"][0]
    instance_id = core["Ec2InstanceId"]
    server.inprocess().kill(cluster, f"worker:{instance_id}")

    def replaced() -> dict[str, Any] | None:
        status = reason(emr, cluster)
        message = status["StateChangeReason"].get("Message", "")
        return status if f"Node {instance_id} failed and was replaced" in message else None

    assert until(replaced, "the node to be replaced")["State"] == "WAITING"
    instance = emr.list_instances(ClusterId=cluster, InstanceGroupTypes=["CORE"])["Instances"][0]
    assert instance["Status"]["State"] == "RUNNING"
    assert instance["Status"]["StateChangeReason"]["Code"] == "INSTANCE_FAILURE"
    assert "was replaced" in instance["Status"]["StateChangeReason"]["Message"]


def test_a_dead_sidecar_is_started_again(server: RunningServer, emr: Any, cluster: str) -> None:
    engine = server.inprocess()
    engine.kill(cluster, "sidecar:connect-proxy")
    assert engine.dead_roles(cluster) == ["sidecar:connect-proxy"]
    until(lambda: engine.dead_roles(cluster) == [], "the sidecar to be started again")
    assert reason(emr, cluster)["State"] == "WAITING"


def test_a_dead_primary_node_ends_the_cluster_with_errors(server: RunningServer, emr: Any) -> None:
    cluster_id = start(emr, "fragile", core=0)
    server.inprocess().kill(cluster_id, "master")
    final = wait_for(emr, cluster_id, FINAL)
    assert final["Status"]["State"] == "TERMINATED_WITH_ERRORS"
    assert final["Status"]["StateChangeReason"]["Code"] == "INSTANCE_FAILURE"
    assert "Spark master" in final["Status"]["StateChangeReason"]["Message"]
    assert cluster_id not in server.inprocess().cluster_ids()


# ---------------------------------------------------------------------- sizes


def core_group(emr: Any, cluster_id: str) -> dict[str, Any]:
    groups = emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
    return dict(next(g for g in groups if g["InstanceGroupType"] == "CORE"))


def test_instance_groups_resize_live(emr: Any, cluster: str) -> None:
    group = core_group(emr, cluster)
    emr.modify_instance_groups(
        ClusterId=cluster, InstanceGroups=[{"InstanceGroupId": group["Id"], "InstanceCount": 3}]
    )
    until(lambda: core_group(emr, cluster)["RunningInstanceCount"] == 3, "the group to grow")
    running = emr.list_instances(
        ClusterId=cluster, InstanceGroupTypes=["CORE"], InstanceStates=["RUNNING"]
    )["Instances"]
    assert len(running) == 3
    emr.modify_instance_groups(
        ClusterId=cluster, InstanceGroups=[{"InstanceGroupId": group["Id"], "InstanceCount": 1}]
    )
    until(lambda: core_group(emr, cluster)["RunningInstanceCount"] == 1, "the group to shrink")
    ended = emr.list_instances(
        ClusterId=cluster, InstanceGroupTypes=["CORE"], InstanceStates=["TERMINATED"]
    )["Instances"]
    assert len(ended) == 2
    assert core_group(emr, cluster)["Status"]["State"] == "RUNNING"


def test_managed_scaling_grows_with_work_and_shrinks_when_idle_on_the_clock(
    server: RunningServer, emr: Any, cluster: str
) -> None:
    limits = {"UnitType": "Instances", "MinimumCapacityUnits": 1, "MaximumCapacityUnits": 3}
    emr.put_managed_scaling_policy(
        ClusterId=cluster, ManagedScalingPolicy={"ComputeLimits": limits}
    )
    server.inprocess().set_busy(cluster, True)
    # One node at a time, up to MaximumCapacityUnits while work is pending.
    until(lambda: core_group(emr, cluster)["RunningInstanceCount"] == 3, "scaling to grow")
    server.inprocess().set_busy(cluster, False)
    time.sleep(0.5)
    assert core_group(emr, cluster)["RequestedInstanceCount"] == 3, "no shrink before the clock"
    server.advance(SCALE_DOWN_AFTER + 1)
    until(lambda: core_group(emr, cluster)["RunningInstanceCount"] == 1, "scaling to shrink")
    assert core_group(emr, cluster)["RequestedInstanceCount"] == 1, "never below the minimum"
    emr.remove_managed_scaling_policy(ClusterId=cluster)


# ---------------------------------------------------------------------- restarts


def test_a_restarted_control_plane_finds_in_process_clusters_gone(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data_dir = tmp_path_factory.mktemp("inprocess-restart")
    running, uv, thread = start_inprocess_server(data_dir)
    emr = running.client("emr", ACCOUNT)
    cluster_id = start(emr, "forgotten")
    stop(uv, thread)
    keys = running.keys
    running, uv, thread = start_inprocess_server(data_dir)
    running.keys.update(keys)
    try:
        final = wait_for(running.client("emr", ACCOUNT), cluster_id, FINAL)
        assert final["Status"]["State"] == "TERMINATED_WITH_ERRORS"
        assert final["Status"]["StateChangeReason"]["Code"] == "INSTANCE_FAILURE"
    finally:
        stop(uv, thread)


def stop(uv: uvicorn.Server, thread: threading.Thread) -> None:
    uv.should_exit = True
    thread.join(30)
    assert not thread.is_alive()


def test_livy_of_a_test_engine_cluster_is_refused_with_the_reason(
    server: RunningServer, emr: Any
) -> None:
    cluster_id = start(emr, "with-livy", Applications=[{"Name": "Spark"}, {"Name": "Livy"}])
    url = platform_livy_url(server.url, cluster_id)
    credentials = server.session(ACCOUNT).get_credentials()
    assert credentials is not None
    auth = SigV4Livy(credentials, "us-east-1", url)
    reply = requests.post(url + "/sessions", json={"kind": "pyspark"}, auth=auth, timeout=10)
    assert reply.status_code == 501
    assert "test engine" in reply.json()["msg"] and "--engine local" in reply.json()["msg"]
    emr.terminate_job_flows(JobFlowIds=[cluster_id])


# ---------------------------------------------------------------------- host admission


def test_clusters_beyond_the_hosts_budget_wait_in_starting_and_start_in_order(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """More clusters than the host holds: the rest wait, saying why, and start as others end."""
    running, uv, thread = start_inprocess_server(tmp_path_factory.mktemp("admission"))
    emr = running.client("emr", ACCOUNT)
    try:
        emr.list_clusters()  # the engine starts with the first call
        engine = running.inprocess()
        capacity = engine.capacity()
        one = capacity.cluster_memory_mb + capacity.worker_memory_mb  # one core node each
        engine.memory_mb = 2 * one
        first = start(emr, "first", core=1)
        start(emr, "second", core=1)
        third = emr.run_job_flow(Name="third", Instances=instances(core=1))["JobFlowId"]
        fourth = emr.run_job_flow(Name="fourth", Instances=instances(core=1))["JobFlowId"]

        def waiting(cluster_id: str) -> str | None:
            status = reason(emr, cluster_id)
            message = str(status["StateChangeReason"].get("Message", ""))
            ok = status["State"] == "STARTING" and message.startswith("Waiting for host")
            return message if ok else None

        said = until(lambda: waiting(third), "the third cluster to wait for the host")
        assert f"needs {one} MiB, 0 MiB of" in said and f"{2 * one} MiB are free" in said
        behind = until(lambda: waiting(fourth), "the fourth cluster to wait")
        assert "1 cluster waits before it" in behind
        # A cluster the host could never hold is refused at once; nothing is stored.
        with pytest.raises(botocore.exceptions.ClientError) as exc:
            emr.run_job_flow(Name="huge", Instances=instances(core=5))
        assert error_code(exc.value) == "LimitExceededException"
        assert "could never start" in str(exc.value)
        time.sleep(0.5)  # reconciler rounds: the waiting clusters stay as they are
        assert {third, fourth}.isdisjoint(engine.cluster_ids())
        assert waiting(third) and waiting(fourth)

        emr.terminate_job_flows(JobFlowIds=[first])
        assert wait_for(emr, third, ("WAITING",), timeout=30)["Status"]["State"] == "WAITING"
        assert waiting(fourth)  # still no room for it
        emr.terminate_job_flows(JobFlowIds=[fourth])  # a waiting cluster ends as asked
        final = wait_for(emr, fourth, FINAL, timeout=30)
        assert final["Status"]["StateChangeReason"]["Code"] == "USER_REQUEST"
        names = {c["Name"] for c in emr.list_clusters(ClusterStates=["WAITING"])["Clusters"]}
        assert names == {"second", "third"}
    finally:
        for cluster in emr.list_clusters()["Clusters"]:
            if cluster["Status"]["State"] not in FINAL:
                emr.terminate_job_flows(JobFlowIds=[cluster["Id"]])
        stop(uv, thread)

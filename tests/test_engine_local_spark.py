"""The local Spark engine, with real Spark processes on this host.

These tests start JVMs: run them when no other Spark-heavy run uses the host.

Cluster start-ups are few: a single-node cluster B (first, so it trains the
CDS archives the others use), then one shared 1-master + 1-core cluster A for
the Connect, observe, step, resize, replace and adopt tests, stopped by
``stop_all`` from a fresh engine at the end. Every fixture stops what it
started even when a test fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx
import psutil
import pytest
import pytest_asyncio
from pyspark.sql import SparkSession
from pyspark.sql.functions import udf
from pyspark.sql.types import StringType

from attack_support import assert_walled_in, platform_targets, probe_source
from clusterport.engines.base import (
    BootstrapAction,
    Checkpoint,
    ClusterEndpoints,
    ClusterNotFoundError,
    ClusterSpec,
    InvalidSpecError,
    NodeRole,
    NodeSpec,
    Phase,
    SidecarSpec,
    StepJar,
    StepSpec,
)
from clusterport.engines.cds import CdsRole, default_cache_dir
from clusterport.engines.host_budget import (
    MIN_WORKER_MEMORY_MB,
    PRIMARY_NODE_MEMORY_MB,
    HostBudget,
)
from clusterport.engines.local_spark import (
    LocalSparkEngine,
    fill_template,
    ui_headers,
    validate_spec,
)
from clusterport.engines.sandbox import Sandbox, runtime_paths, tenant_env
from clusterport.engines.spark_commands import keeps_executor
from clusterport.engines.spark_status import http_client, master_view
from clusterport.engines.state import cluster_secret, engine_dir, load_state
from clusterport.engines.steps import rewrite_submit_args
from clusterport.engines.ui_filter import UI_KEY_HEADER
from clusterport.process_groups import group_members

T = TypeVar("T")
spark = pytest.mark.spark
module_loop = pytest.mark.asyncio(loop_scope="module")

TOKEN = "test-token-9f2c"
BUDGET = HostBudget(cores=2, memory_mb=6144)
#: Cluster A's bound on a file a step writes (small, so that the flood test is quick).
STEP_MAX_FILE_MB = 32


def make_spec(
    cluster_id: str,
    nodes: Iterable[NodeSpec],
    **extra: object,
) -> ClusterSpec:
    return ClusterSpec(
        cluster_id=cluster_id,
        account_id="222222222222",
        release_label="emr-7.1.0",
        connect_token=TOKEN,
        ui_prefix=f"/_ui/{cluster_id}",
        nodes=list(nodes),
        # Give idle executors back quickly so steps find free cores in the tests.
        spark_properties={
            "spark.dynamicAllocation.executorIdleTimeout": "3s",
            "spark.dynamicAllocation.shuffleTracking.timeout": "5s",
        },
        **extra,  # type: ignore[arg-type]
    )


async def start_all(engine: LocalSparkEngine, spec: ClusterSpec) -> list[Checkpoint]:
    return [checkpoint async for checkpoint in engine.start(spec)]


def live_groups(pids: Iterable[int]) -> dict[int, list[int]]:
    """Process groups (led by the given pids) that still hold a live process."""
    return {pid: members for pid in pids if (members := group_members(pid))}


def our_zombies(pids: Iterable[int]) -> list[int]:
    """Children of this test process among ``pids`` that ended but were never collected."""
    found = []
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except FileNotFoundError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if fields[0] == "Z" and int(fields[1]) == os.getpid():
            found.append(pid)
    return found


def jvm_of(pid: int) -> int:
    """The JVM a recorded process (the sandbox around it) runs."""
    for member in group_members(pid):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{member}/exe").endswith("/java"):
                return member
    raise AssertionError(f"no JVM in the process group {pid}")


def run_query(port: int, token: str | None, sql: str) -> list[tuple[object, ...]]:
    """Run one query through Spark Connect as a fresh client and close the session."""
    url = f"sc://localhost:{port}/" + (f";token={token}" if token is not None else "")
    session = SparkSession.builder.remote(url).create()
    try:
        return [tuple(row) for row in session.sql(sql).collect()]
    finally:
        session.stop()


async def wait_for(probe: Callable[[], Awaitable[T]], what: str, timeout: float = 120.0) -> T:
    """Poll ``probe`` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await probe()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.25)


# --------------------------------------------------------------------------- pure checks


def test_spec_validation_names_the_problem(tmp_path: Path) -> None:
    nodes = [NodeSpec("i-m", NodeRole.MASTER, 2, 4096)]
    good = make_spec("j-V", nodes)
    validate_spec(good)
    bad_prefix = make_spec("j-V", nodes)
    object.__setattr__(bad_prefix, "ui_prefix", "/proxy/j-V")
    with pytest.raises(InvalidSpecError, match="proxy"):
        validate_spec(bad_prefix)
    with pytest.raises(InvalidSpecError, match="exactly one MASTER"):
        validate_spec(make_spec("j-V", [NodeSpec("i-c", NodeRole.CORE, 2, 4096)]))
    sidecar = SidecarSpec("livy", ["{python}", "--port", "{port}", "{nonsense}"])
    with pytest.raises(InvalidSpecError, match="nonsense"):
        fill_template(sidecar, {"python": "py", "port": "1"})
    argv, env = fill_template(
        SidecarSpec(
            "x", ["{python}", "{{literal}}", "--port={port}"], env={"T": "{connect_token}"}
        ),
        {"python": "py", "port": "7", "connect_token": "t"},
    )
    assert argv == ["py", "{literal}", "--port=7"] and env == {"T": "t"}


def test_host_budget_scales_nodes_to_fit() -> None:
    nodes = [
        NodeSpec("i-m", NodeRole.MASTER, 4, 16384),
        NodeSpec("i-c1", NodeRole.CORE, 4, 16384),
        NodeSpec("i-c2", NodeRole.CORE, 4, 16384),
    ]
    scaling = HostBudget(cores=2, memory_mb=8192).scaling(nodes)
    sizes = [scaling.size(n) for n in nodes[1:]]
    assert [(s.cores, s.memory_mb) for s in sizes] == [(1, 4096), (1, 4096)]
    small = HostBudget(cores=64, memory_mb=1 << 20).scaling(nodes)
    assert small.size(nodes[1]).cores == 4 and small.size(nodes[1]).memory_mb == 16384
    tiny = HostBudget(cores=1, memory_mb=100).scaling(nodes)
    assert tiny.size(nodes[1]).memory_mb == MIN_WORKER_MEMORY_MB
    assert HostBudget.detect().cores >= 1


def test_spark_submit_args_target_this_cluster() -> None:
    args = ["--master", "yarn", "--deploy-mode=cluster", "--conf", "a=b", "app.py", "--master", "x"]
    assert rewrite_submit_args(args) == [
        "--deploy-mode",
        "client",
        "--conf",
        "a=b",
        "app.py",
        "--master",
        "x",
    ]


def test_which_configurations_ask_for_an_executor_at_once() -> None:
    dynamic = {"spark.dynamicAllocation.enabled": "true"}
    assert keeps_executor({})  # static allocation takes its cores at once
    assert keeps_executor({"spark.dynamicAllocation.enabled": "false"})
    assert not keeps_executor(dynamic)
    assert not keeps_executor({**dynamic, "spark.dynamicAllocation.minExecutors": "0"})
    assert keeps_executor({**dynamic, "spark.dynamicAllocation.minExecutors": "1"})
    assert keeps_executor({**dynamic, "spark.dynamicAllocation.initialExecutors": "2"})
    assert keeps_executor({**dynamic, "spark.executor.instances": "1"})
    assert not keeps_executor({**dynamic, "spark.dynamicAllocation.minExecutors": "one"})


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def cds_dir() -> Path:
    """The machine's archives, trained once by the set-up (``clusterport train-cds``)."""
    return default_cache_dir() / "cds"


@pytest.fixture(scope="module")
def data_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data-a")


@dataclass
class RunningCluster:
    engine: LocalSparkEngine
    spec: ClusterSpec
    endpoints: ClusterEndpoints
    checkpoints: list[Checkpoint]

    @property
    def work_dir(self) -> Path:
        return self.engine.work_dir(self.spec.cluster_id)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster_a(data_a: Path, cds_dir: Path) -> AsyncIterator[RunningCluster]:
    engine = LocalSparkEngine(data_a, BUDGET, cds_dir=cds_dir, step_max_file_mb=STEP_MAX_FILE_MB)
    spec = make_spec(
        "j-AAAA",
        [NodeSpec("i-ma", NodeRole.MASTER, 4, 16384), NodeSpec("i-c1", NodeRole.CORE, 2, 4096)],
    )
    try:
        checkpoints = await start_all(engine, spec)
        assert checkpoints[-1].phase is Phase.WAITING, checkpoints[-1].message
        assert checkpoints[-1].endpoints is not None
        yield RunningCluster(engine, spec, checkpoints[-1].endpoints, checkpoints)
    finally:
        await engine.stop_all()


# --------------------------------------------------------------------------- archives


@spark
async def test_training_writes_an_archive_for_every_role(tmp_path: Path) -> None:
    """What ``clusterport train-cds`` runs: every JVM role gets its archive, read-only to all."""
    engine = LocalSparkEngine(tmp_path / "data", BUDGET, cds_dir=tmp_path / "cds")
    try:
        assert set(await engine.train_archives()) == set(CdsRole)
        archives = engine._cds()
        for role in CdsRole:
            mode = archives.archive(role).stat().st_mode & 0o777
            assert mode == 0o644, (role, oct(mode))
        assert await engine.train_archives() == []  # nothing to do the second time
    finally:
        await engine.stop_all()


# --------------------------------------------------------------------------- bootstrap failure


@spark
async def test_failing_bootstrap_action_fails_the_start_and_leaves_nothing(
    tmp_path: Path, cds_dir: Path
) -> None:
    engine = LocalSparkEngine(tmp_path / "data", BUDGET, cds_dir=cds_dir)
    daemon = tmp_path / "daemon.sh"
    daemon.write_text("#!/bin/sh\nsleep 313 &\necho started daemon\n")
    failing = tmp_path / "fail.sh"
    failing.write_text("echo about to fail\necho 'boom: disk not found' >&2\nexit 3\n")
    spec = make_spec(
        "j-BOOT",
        [NodeSpec("i-m", NodeRole.MASTER, 2, 4096)],
        bootstrap_actions=[
            BootstrapAction("start a daemon", f"file://{daemon}"),
            BootstrapAction("install drivers", str(failing)),
        ],
    )
    os.chmod(daemon, 0o755)
    try:
        checkpoints = await start_all(engine, spec)
        assert [c.phase for c in checkpoints] == [Phase.STARTING, Phase.BOOTSTRAPPING, Phase.FAILED]
        message = checkpoints[-1].message
        assert "Bootstrap action 2 (install drivers)" in message
        assert "exit code 3" in message and "boom: disk not found" in message
        # The daemon the first action left ran in the cluster's sandbox; it is gone.
        assert not [
            p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "313"]
        ]
        state = load_state(engine.work_dir(spec.cluster_id))
        assert state is not None and state.phase == "FAILED" and not state.processes
        with pytest.raises(ClusterNotFoundError):
            await engine.observe("j-BOOT")
        bad_scheme = make_spec(
            "j-BOOT2",
            [NodeSpec("i-m", NodeRole.MASTER, 2, 4096)],
            bootstrap_actions=[BootstrapAction("from s3", "s3://bucket/setup.sh")],
        )
        failed = (await start_all(engine, bad_scheme))[-1]
        assert failed.phase is Phase.FAILED and "file://" in failed.message
    finally:
        await engine.stop_all()


@spark
async def test_a_connect_server_no_worker_can_serve_fails_the_start_naming_the_properties(
    tmp_path: Path, cds_dir: Path
) -> None:
    # WAITING needs the Connect server's first executor granted; an executor larger than
    # every worker is never granted, so the start fails instead of a first query hanging.
    engine = LocalSparkEngine(tmp_path / "data", BUDGET, cds_dir=cds_dir, start_timeout=20)
    spec = dataclasses.replace(
        make_spec("j-BIGEXEC", [NodeSpec("i-m", NodeRole.MASTER, 2, 4096)]),
        spark_properties={"spark.executor.cores": "64"},
    )
    try:
        checkpoints = await start_all(engine, spec)
        assert [c.phase for c in checkpoints] == [Phase.STARTING, Phase.BOOTSTRAPPING, Phase.FAILED]
        message = checkpoints[-1].message
        assert "get its first executor" in message
        assert "spark.executor.cores and spark.executor.memory" in message
        state = load_state(engine.work_dir(spec.cluster_id))
        assert state is not None and state.phase == "FAILED" and not state.processes
    finally:
        await engine.stop_all()


# --------------------------------------------------------------------------- cancelled start


@spark
async def test_cancelled_start_with_corrupt_archives_leaves_nothing(tmp_path: Path) -> None:
    engine = LocalSparkEngine(tmp_path / "data", BUDGET, cds_dir=tmp_path / "cds")
    archives = engine._cds()
    archives.dir.mkdir(parents=True)
    for role in CdsRole:  # archives from another JDK, or cut short: the JVMs must still start
        archives.archive(role).write_bytes(b"not a CDS archive" * 4096)
    spec = make_spec("j-CANCEL", [NodeSpec("i-m", NodeRole.MASTER, 2, 4096)])
    seen: list[Checkpoint] = []

    async def consume() -> None:
        async for checkpoint in engine.start(spec):
            seen.append(checkpoint)

    task = asyncio.create_task(consume())
    try:

        async def driver_spawned() -> bool:
            state = load_state(engine.work_dir(spec.cluster_id))
            return state is not None and state.process("connect") is not None

        # Cancelled while the Connect server starts (its port is not open yet).
        await wait_for(driver_spawned, "the Connect server to be spawned", timeout=240)
        state = load_state(engine.work_dir(spec.cluster_id))
        assert state is not None
        pids = [p.pid for p in state.processes]
        master = state.process("master")
        assert master is not None
        assert b"-XX:SharedArchiveFile=" in Path(f"/proc/{master.pid}/cmdline").read_bytes()
        assert live_groups(pids)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert [c.phase for c in seen] == [Phase.STARTING, Phase.BOOTSTRAPPING]
    assert live_groups(pids) == {}
    assert our_zombies(pids) == []
    stopped = load_state(engine.work_dir(spec.cluster_id))
    assert stopped is not None and stopped.phase == "FAILED" and not stopped.processes
    with pytest.raises(ClusterNotFoundError):
        await engine.observe("j-CANCEL")


# --------------------------------------------------------------------------- single-node cluster B


@spark
@module_loop
async def test_single_node_cluster_with_sidecar_stops_completely(
    tmp_path: Path, cds_dir: Path
) -> None:
    data = tmp_path / "data"
    engine = LocalSparkEngine(data, BUDGET, cds_dir=cds_dir)
    marker = data / "clusters" / "j-BBBB" / "bootstrapped"  # inside the cluster's own folder
    setup = tmp_path / "setup.sh"
    # The bootstrap action is tenant code too: it probes the platform, then leaves a daemon.
    targets = platform_targets(data, "j-BBBB")
    probed = marker.parent / "probe.out"
    setup.write_text(
        f'echo "$1" > {marker}\n'
        f"{sys.executable} - > {probed} 2>&1 <<'PROBE'\n{probe_source(targets)}PROBE\n"
        "sleep 600 > /dev/null 2>&1 &\n"
    )
    spec = make_spec(
        "j-BBBB",
        [NodeSpec("i-mb", NodeRole.MASTER, 2, 4096)],
        bootstrap_actions=[BootstrapAction("setup", str(setup), ["hello"])],
        sidecars=[
            SidecarSpec("web", ["{python}", "-m", "http.server", "--bind", "127.0.0.1", "{port}"])
        ],
    )
    try:
        checkpoints = await start_all(engine, spec)
        assert [c.phase for c in checkpoints] == [
            Phase.STARTING,
            Phase.BOOTSTRAPPING,
            Phase.WAITING,
        ], checkpoints[-1].message
        endpoints = checkpoints[-1].endpoints
        assert endpoints is not None
        assert marker.read_text().strip() == "hello"
        assert_walled_in(probed.read_text(), targets)
        assert set(endpoints.processes) >= {
            "master",
            "connect",
            "history",
            "worker:i-mb",
            "sidecar:web",
        }
        async with httpx.AsyncClient(trust_env=False) as client:
            listing = await client.get(f"http://127.0.0.1:{endpoints.sidecars['web'].port}/")
            assert listing.status_code == 200
            master_ui = f"http://127.0.0.1:{endpoints.master_ui.port}/"
            # The UI answers only with the cluster's UI key (the platform's proxy adds it).
            refused = await client.get(master_ui)
            assert refused.status_code == 403 and "presigned URL" in refused.text
            wrong = await client.get(master_ui, headers={UI_KEY_HEADER: "guess"})
            assert wrong.status_code == 403
            ui = await client.get(master_ui, headers=ui_headers(engine.work_dir(spec.cluster_id)))
            assert "/_ui/j-BBBB/proxy/worker-" in ui.text
        rows = await asyncio.to_thread(
            run_query, endpoints.connect.port, TOKEN, "SELECT 6 * 7 AS answer"
        )
        assert rows == [(42,)]

        state = load_state(engine.work_dir(spec.cluster_id))
        assert state is not None
        groups = [p.pid for p in state.processes]
        assert any(p.role.startswith("bootstrap:") for p in state.processes)
        assert live_groups(groups)
        await engine.stop("j-BBBB")
        assert live_groups(groups) == {}
        assert our_zombies(groups) == []
        await engine.stop("j-BBBB")  # idempotent
        with pytest.raises(ClusterNotFoundError):
            await engine.observe("j-BBBB")

        # The persistent app UI: a history server over the stopped cluster's event logs.
        history = await engine.start_history_server("j-BBBB", link_prefix="/_pui/p-1")
        assert await engine.start_history_server("j-BBBB") == history
        port = history.port

        async def listed() -> list[dict[str, object]]:
            async with httpx.AsyncClient(trust_env=False) as client:
                response = await client.get(
                    f"http://127.0.0.1:{port}/api/v1/applications",
                    headers=ui_headers(engine.work_dir(spec.cluster_id)),
                )
            return list(response.json()) if response.status_code == 200 else []

        apps = await wait_for(listed, "the history server to list the cluster's application")
        assert any("j-BBBB" in str(app["name"]) for app in apps)
        await engine.stop_history_server("j-BBBB")
        async with httpx.AsyncClient(trust_env=False) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.1:{port}/")
    finally:
        await engine.stop_all()
    # The cluster's JVMs ran from the machine's archives, and could not write them.
    archives = engine._cds()
    assert archives.complete() and not archives.trainable


# --------------------------------------------------------------------------- shared cluster A


@spark
@module_loop
async def test_cluster_answers_spark_connect_only_with_the_token(
    cluster_a: RunningCluster,
) -> None:
    phases = [c.phase for c in cluster_a.checkpoints]
    assert phases == [Phase.STARTING, Phase.BOOTSTRAPPING, Phase.WAITING]
    # Ready without a warm-up query: its executor starts while the first client does.
    ready = cluster_a.checkpoints[-1].message
    assert "Spark Connect server are up; its first executor is starting" in ready
    logs = cluster_a.engine.work_dir(cluster_a.spec.cluster_id) / "logs"
    assert not (logs / "warmup.log").exists()
    port = cluster_a.endpoints.connect.port
    rows = await asyncio.to_thread(run_query, port, TOKEN, "SELECT sum(id) FROM range(1000)")
    assert rows == [(499500,)]

    def python_udf() -> list[int]:
        session = SparkSession.builder.remote(f"sc://localhost:{port}/;token={TOKEN}").create()
        try:
            plus_one = udf(lambda x: x + 1, "long")
            return [r[0] for r in session.range(3).select(plus_one("id")).collect()]
        finally:
            session.stop()

    assert await asyncio.to_thread(python_udf) == [1, 2, 3]
    with pytest.raises(Exception, match="Invalid authentication token"):
        await asyncio.to_thread(run_query, port, "wrong-token", "SELECT 1")
    # The JVMs mapped the CDS archives cluster B trained (a mismatch would be silent).
    archives = cluster_a.engine._cds()
    for role, cds_role in (("master", CdsRole.MASTER), ("connect", CdsRole.DRIVER)):
        maps = Path(f"/proc/{jvm_of(int(cluster_a.endpoints.processes[role]))}/maps").read_text()
        assert str(archives.archive(cds_role)) in maps, role
    worker = int(cluster_a.endpoints.processes["worker:i-c1"])
    executors = [
        pid
        for pid in group_members(worker)
        if b"CoarseGrainedExecutorBackend" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert executors, "the Connect server keeps one executor warm"
    maps = Path(f"/proc/{executors[0]}/maps").read_text()
    assert str(archives.archive(CdsRole.EXECUTOR)) in maps


async def connect_executors(cluster: RunningCluster, count: int) -> bool:
    """Whether the cluster's Spark Connect driver has exactly ``count`` live executors."""
    access = await cluster.engine.access(cluster.spec.cluster_id)
    base = cluster.endpoints.app_ui.url("api/v1/applications")
    async with http_client(access.ui_headers) as client:
        apps = (await client.get(base)).json()
        executors = (await client.get(f"{base}/{apps[0]['id']}/executors")).json()
    return sum(1 for e in executors if e["id"] != "driver" and e["isActive"]) == count


@spark
@module_loop
async def test_observe_sees_sessions_and_processes(cluster_a: RunningCluster) -> None:
    engine, cluster_id = cluster_a.engine, cluster_a.spec.cluster_id
    health = await engine.observe(cluster_id)
    assert health.healthy and health.alive_workers == 1 and not health.dead_instance_ids
    assert {p.role for p in health.processes} >= {"master", "connect", "history", "worker:i-c1"}
    # Spark Connect's release of a session aborts, and the Connect tab lists the session for
    # good, when an executor leaves at that moment (SessionHolder.close asks every block
    # manager, and the leaving one's channel is closed). Release it with one executor kept
    # (the minimum, never given back) and a query of one task (which asks for no other).
    assert await wait_for(lambda: connect_executors(cluster_a, 1), "one executor of the driver")
    url = f"sc://localhost:{cluster_a.endpoints.connect.port}/;token={TOKEN}"
    session = await asyncio.to_thread(lambda: SparkSession.builder.remote(url).create())
    try:
        await asyncio.to_thread(lambda: session.range(0, 10, 1, 1).count())
        busy = await engine.observe(cluster_id)
        assert busy.active_sessions >= 1 and busy.busy
        assert busy.last_activity is not None
    finally:
        await asyncio.to_thread(session.stop)

    # The Connect tab learns of the released session from Spark's listener bus, which
    # delivers events asynchronously: the count drops soon after stop(), not at once.
    async def idle() -> bool:
        health = await engine.observe(cluster_id)
        return health.active_sessions == 0 and not health.busy

    assert await wait_for(idle, "the released session to leave the Connect tab", timeout=60)


@spark
@module_loop
async def test_hostile_step_cannot_reach_the_control_plane_or_other_tenants(
    cluster_a: RunningCluster, data_a: Path
) -> None:
    """A step (tenant code) tries what an attacker would; each attempt fails inside its sandbox."""
    engine, cluster_id = cluster_a.engine, cluster_a.spec.cluster_id
    (data_a / "server.key").write_text("control-plane-secret\n")
    neighbour = data_a / "clusters" / "j-NEIGHBOUR"
    neighbour.mkdir(parents=True, exist_ok=True)
    (neighbour / "notes.txt").write_text("another tenant's data\n")
    work_dir = cluster_a.work_dir
    probe = textwrap.dedent(
        f"""
        for target in {data_a}/server.key {neighbour}/notes.txt {engine_dir(work_dir)}/state.json \
            /proc/1/root/etc/hostname /etc/shadow; do
          if cat "$target" >/dev/null 2>&1; then
            echo "REACHED $target"
          fi
        done
        echo "processes: $(ls -d /proc/[0-9]* | wc -l)"
        echo "uid: $(id -u)"
        touch {work_dir}/written-by-step && echo "own folder writable"
        ln -s {data_a}/server.key {work_dir}/link && cat {work_dir}/link >/dev/null 2>&1 \
          && echo "REACHED through a symlink"
        echo done
        """
    )
    result = await engine.run_step(
        cluster_id, StepSpec("s-ATTACK", StepJar.COMMAND_RUNNER, ["bash", "-c", probe])
    )
    output = Path(result.stdout_log).read_text()
    assert result.succeeded, result.message
    assert "REACHED" not in output, output
    assert "own folder writable" in output and "done" in output
    # The step saw its own processes only (bash, ls, wc and the sandbox's init), none of ours.
    seen = int(output.split("processes: ")[1].split()[0])
    assert seen < 10, output
    if os.geteuid() == 0:
        assert int(output.split("uid: ")[1].split()[0]) != 0
    assert (await engine.observe(cluster_id)).healthy


@spark
@module_loop
async def test_a_udf_cannot_reach_the_control_plane_or_other_tenants(
    cluster_a: RunningCluster, data_a: Path
) -> None:
    """A Python UDF runs in an executor's Python worker: inside the worker node's sandbox."""
    targets = platform_targets(data_a, cluster_a.spec.cluster_id)
    code = probe_source(targets)
    url = f"sc://localhost:{cluster_a.endpoints.connect.port}/;token={TOKEN}"

    def attack() -> str:
        session = SparkSession.builder.remote(url).create()
        try:

            def run(_: int) -> str:
                out = io.StringIO()
                with contextlib.redirect_stdout(out):
                    exec(code, {})
                return out.getvalue()

            # A plain Python UDF (useArrow=False: nothing is inferred from the type hints),
            # its type an object: a DDL string would be parsed by whichever session is
            # active in this process (none, in a client thread of its own).
            probe = udf(run, StringType(), useArrow=False)
            return str(session.range(1).select(probe("id")).collect()[0][0])
        finally:
            session.stop()

    output = await asyncio.to_thread(attack)
    assert_walled_in(output, targets)
    assert (await cluster_a.engine.observe(cluster_a.spec.cluster_id)).healthy


@spark
@module_loop
async def test_a_clusters_processes_share_one_bounded_group(cluster_a: RunningCluster) -> None:
    """Every JVM of the cluster is in its control group, bounded in memory and processes."""
    engine, cluster_id = cluster_a.engine, cluster_a.spec.cluster_id
    groups = engine.control_groups()
    launch = engine.sandbox(cluster_id, cluster_a.work_dir).command(["true"], cwd=Path("/"))
    if not groups.enabled:
        # A server that may not make groups (not root) says why, and joins none.
        assert "none per tenant" in groups.description and "cgroup-join" not in launch
        return
    assert "cgroup-join" in launch
    members = set(groups.members(cluster_id))
    for role in ("master", "connect", "history", "worker:i-c1"):
        assert jvm_of(int(cluster_a.endpoints.processes[role])) in members, role
    state = load_state(cluster_a.work_dir)
    assert state is not None
    # Room for what the JVMs were given (the primary node's daemons and every worker),
    # never more than the host's cap.
    given = PRIMARY_NODE_MEMORY_MB + sum(n.worker_memory_mb for n in state.nodes)
    bound = groups.memory_limit_mb(cluster_id)
    assert bound is not None and given < bound <= engine.memory_cap_mb, (given, bound)


@spark
@module_loop
async def test_a_fork_bomb_or_a_flood_of_output_stops_inside_the_cluster(
    cluster_a: RunningCluster,
) -> None:
    """A step that forks or writes without end is stopped by its bounds; the cluster serves on."""
    engine, cluster_id = cluster_a.engine, cluster_a.spec.cluster_id
    flood = await engine.run_step(
        cluster_id,
        StepSpec("s-FLOOD", StepJar.COMMAND_RUNNER, ["bash", "-c", "cat /dev/zero; echo never"]),
    )
    assert not flood.succeeded, flood.message
    assert Path(flood.stdout_log).stat().st_size <= STEP_MAX_FILE_MB * 1024 * 1024
    assert "never" not in Path(flood.stdout_log).read_bytes()[-10:].decode(errors="replace")
    if engine.control_groups().enabled:
        bomb = textwrap.dedent(
            """
            import os
            forked = 0
            try:
                while True:
                    if os.fork() == 0:
                        os.execv("/bin/sleep", ["sleep", "120"])
                    forked += 1
            except OSError as exc:
                print("fork refused after", forked, exc.strerror)
            """
        )
        result = await engine.run_step(
            cluster_id, StepSpec("s-BOMB", StepJar.COMMAND_RUNNER, [sys.executable, "-c", bomb])
        )
        output = Path(result.stdout_log).read_text()
        assert result.succeeded and "fork refused after" in output, (result.message, output)
    # The step's sandbox ended with it: none of its sleepers is left, and Spark still answers.
    assert not [
        p for p in psutil.process_iter(["cmdline"]) if p.info["cmdline"] == ["sleep", "120"]
    ]
    assert (await engine.observe(cluster_id)).healthy
    rows = await asyncio.to_thread(
        run_query, cluster_a.endpoints.connect.port, TOKEN, "SELECT count(*) FROM range(10)"
    )
    assert rows == [(10,)]


@spark
@module_loop
async def test_no_secret_of_a_cluster_is_on_any_command_line(cluster_a: RunningCluster) -> None:
    """Whoever lists processes on the host reads no token or key of a cluster."""
    secret = cluster_secret(cluster_a.work_dir)
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        line = " ".join(proc.info["cmdline"] or [])
        if TOKEN in line or secret in line:
            found.append((proc.info["pid"], line[:200]))
    assert found == []


def as_nobody(engine: LocalSparkEngine, home: Path, script: str, timeout: float) -> str:
    """Run a Python script as ``nobody`` (Python and Spark readable, no key); its output."""
    home.mkdir(parents=True, exist_ok=True)
    sandbox = Sandbox(
        engine.sandbox_policy(),
        "nobody",
        writable=(home,),
        readable=(*runtime_paths(), engine.install.spark_home),
        # nobody when we may switch users; else a process of ours that holds no key.
        uid=65534 if os.geteuid() == 0 else None,
    )
    sandbox.own(home)
    done = subprocess.run(
        sandbox.command([sys.executable, "-c", textwrap.dedent(script)], cwd=home),
        env=tenant_env({"HOME": str(home), "JAVA_HOME": str(engine.install.java_home)}),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


@spark
@module_loop
async def test_a_local_user_cannot_make_the_cluster_work(
    cluster_a: RunningCluster, tmp_path: Path
) -> None:
    """As ``nobody``: no application registers with the master, no Connect call lacks a token."""
    engine, endpoints = cluster_a.engine, cluster_a.endpoints
    ui_port = engine._state(cluster_a.spec.cluster_id).ports["master_ui"]
    async with http_client(ui_headers(cluster_a.work_dir)) as web:
        before = {app.app_id for app in (await master_view(web, ui_port)).active_apps}
    registration = f"""
        from pyspark.sql import SparkSession
        spark = (SparkSession.builder.master("{endpoints.master_url}")
                 .config("spark.cores.max", "1").getOrCreate())
        print("registered", spark.range(10).count())
        """
    output = await asyncio.to_thread(as_nobody, engine, tmp_path / "a", registration, 240)
    # It ran (Spark started, talked to the master) and was turned away.
    assert "SparkContext" in output and "registered" not in output, output[-3000:]
    assert not output.startswith("exit 0"), output[-3000:]
    async with http_client(ui_headers(cluster_a.work_dir)) as web:
        view = await master_view(web, ui_port)
    assert {app.app_id for app in view.active_apps} <= before
    no_token = f"""
        from pyspark.sql import SparkSession
        spark = SparkSession.builder.remote("sc://localhost:{endpoints.connect.port}/").create()
        print("answered", spark.sql("SELECT 1").collect())
        """
    output = await asyncio.to_thread(as_nobody, engine, tmp_path / "b", no_token, 120)
    assert "answered" not in output and "authentication" in output.lower(), output[-3000:]
    assert (await engine.observe(cluster_a.spec.cluster_id)).healthy


@spark
@module_loop
async def test_steps_run_fail_and_cancel(cluster_a: RunningCluster, tmp_path: Path) -> None:
    engine, cluster_id = cluster_a.engine, cluster_a.spec.cluster_id
    ok_script = tmp_path / "ok.py"
    ok_script.write_text(
        textwrap.dedent(
            """
            import sys
            from pyspark.sql import SparkSession
            spark = SparkSession.builder.appName("step-ok").getOrCreate()
            total = spark.range(int(sys.argv[1])).selectExpr("sum(id)").first()[0]
            print("RESULT", total)
            spark.stop()
            """
        )
    )
    result = await asyncio.wait_for(
        engine.run_step(
            cluster_id,
            StepSpec(
                "s-OK",
                StepJar.COMMAND_RUNNER,
                [
                    "spark-submit",
                    "--master",
                    "yarn",
                    "--deploy-mode",
                    "cluster",
                    str(ok_script),
                    "100",
                ],
            ),
        ),
        300,
    )
    assert result.succeeded, result.message
    assert "RESULT 4950" in Path(result.stdout_log).read_text()
    assert Path(result.stdout_log).parent == cluster_a.work_dir / "steps" / "s-OK"

    bad_script = tmp_path / "bad.py"
    bad_script.write_text("import sys\nprint('no input table', file=sys.stderr)\nsys.exit(3)\n")
    failed = await engine.run_step(
        cluster_id, StepSpec("s-BAD", StepJar.COMMAND_RUNNER, ["spark-submit", str(bad_script)])
    )
    assert failed.exit_code == 3 and not failed.succeeded
    assert "no input table" in failed.message

    shell = tmp_path / "script.sh"
    shell.write_text('echo "args: $*"\n')
    scripted = await engine.run_step(
        cluster_id, StepSpec("s-SH", StepJar.SCRIPT_RUNNER, [f"file://{shell}", "a", "b"])
    )
    assert scripted.succeeded and Path(scripted.stdout_log).read_text() == "args: a b\n"
    unfetchable = await engine.run_step(
        cluster_id, StepSpec("s-S3", StepJar.SCRIPT_RUNNER, ["s3://bucket/x.sh"])
    )
    assert not unfetchable.succeeded and "file://" in unfetchable.message

    # A long-running Spark application shows up as busy, and cancelling ends it.
    slow_script = tmp_path / "slow.py"
    slow_script.write_text(
        "import time\nfrom pyspark.sql import SparkSession\n"
        "spark = SparkSession.builder.appName('step-slow').getOrCreate()\n"
        "spark.range(5).count()\nprint('running', flush=True)\ntime.sleep(600)\n"
    )
    running = asyncio.create_task(
        engine.run_step(
            cluster_id,
            StepSpec("s-SLOW", StepJar.COMMAND_RUNNER, ["spark-submit", str(slow_script)]),
        )
    )
    try:

        async def app_running() -> bool:
            health = await engine.observe(cluster_id)
            return health.running_applications >= 1 and health.busy

        await wait_for(app_running, "the slow step's application to run", timeout=180)
        assert await engine.cancel_step(cluster_id, "s-SLOW")
        cancelled = await asyncio.wait_for(running, 60)
    finally:
        if not running.done():
            await engine.cancel_step(cluster_id, "s-SLOW")
            running.cancel()
    assert cancelled.cancelled and not cancelled.succeeded
    assert not await engine.cancel_step(cluster_id, "s-SLOW")


async def _alive_worker_count(cluster: RunningCluster) -> int:
    async with http_client(ui_headers(cluster.work_dir)) as client:
        view = await master_view(client, cluster.endpoints.master_ui.port)
    return len(view.alive_worker_ports)


@spark
@module_loop
async def test_dead_worker_is_observed_and_replaced(cluster_a: RunningCluster) -> None:
    engine, cluster_id = cluster_a.engine, cluster_a.spec.cluster_id
    worker = (await engine.observe(cluster_id)).processes
    old_pid = next(int(p.process) for p in worker if p.role == "worker:i-c1")
    os.killpg(old_pid, signal.SIGKILL)

    async def noticed() -> bool:
        health = await engine.observe(cluster_id)
        return "i-c1" in health.dead_instance_ids

    await wait_for(noticed, "observe to report the dead worker")
    health = await engine.observe(cluster_id)
    assert not health.healthy
    assert [p.alive for p in health.processes if p.role == "worker:i-c1"] == [False]

    endpoints = await engine.replace_node(cluster_id, "i-c1")
    assert endpoints.processes["worker:i-c1"] != str(old_pid)
    healed = await engine.observe(cluster_id)
    assert healed.healthy and healed.alive_workers == 1 and not healed.dead_instance_ids
    rows = await asyncio.to_thread(
        run_query, cluster_a.endpoints.connect.port, TOKEN, "SELECT count(*) FROM range(77)"
    )
    assert rows == [(77,)]


@spark
@module_loop
async def test_nodes_are_added_and_removed_live(cluster_a: RunningCluster) -> None:
    engine, cluster_id = cluster_a.engine, cluster_a.spec.cluster_id
    assert await _alive_worker_count(cluster_a) == 1
    grown = await engine.add_nodes(cluster_id, [NodeSpec("i-t1", NodeRole.TASK, 2, 4096)])
    assert "worker:i-t1" in grown.processes
    assert await _alive_worker_count(cluster_a) == 2
    with pytest.raises(InvalidSpecError):
        await engine.add_nodes(cluster_id, [NodeSpec("i-t1", NodeRole.TASK, 2, 4096)])
    new_pid = int(grown.processes["worker:i-t1"])
    shrunk = await engine.remove_nodes(cluster_id, ["i-t1"])
    assert "worker:i-t1" not in shrunk.processes
    assert await _alive_worker_count(cluster_a) == 1
    assert live_groups([new_pid]) == {}


@spark
@module_loop
async def test_new_engine_adopts_the_running_cluster(
    cluster_a: RunningCluster, data_a: Path, cds_dir: Path, tmp_path: Path
) -> None:
    restarted = LocalSparkEngine(data_a, BUDGET, cds_dir=cds_dir)
    work_dir = cluster_a.work_dir
    endpoints = await restarted.adopt("j-AAAA")
    assert endpoints is not None
    assert endpoints.connect.port == cluster_a.endpoints.connect.port
    assert endpoints.processes["master"] == cluster_a.endpoints.processes["master"]
    assert (await restarted.observe("j-AAAA")).healthy

    # A state whose pids now belong to other processes (same pid, other start time)
    # is not adopted, and nothing of the real cluster is touched.
    other = LocalSparkEngine(tmp_path / "other-data", BUDGET, cds_dir=cds_dir)
    impostor = other.work_dir("j-AAAA")
    impostor.mkdir(parents=True)
    data = json.loads((engine_dir(work_dir) / "state.json").read_text())
    for process in data["processes"]:
        process["start_ticks"] += 1
    data["work_dir"] = str(impostor)
    (engine_dir(impostor) / "state.json").write_text(json.dumps(data))
    assert await other.adopt("j-AAAA") is None
    assert (await restarted.observe("j-AAAA")).healthy
    assert await restarted.adopt("j-NOPE") is None
    shutil.rmtree(impostor)


@spark
@module_loop
async def test_stop_all_from_a_fresh_engine_stops_everything(
    cluster_a: RunningCluster, data_a: Path, cds_dir: Path
) -> None:
    engine = cluster_a.engine
    port = (await engine.start_history_server("j-AAAA")).port
    state = load_state(cluster_a.work_dir)
    assert state is not None
    pids = [p.pid for p in state.processes]
    history = engine.registry.history("j-AAAA")
    assert history is not None and port == history.ports["ui"]
    pids.append(history.pid)
    assert live_groups(pids)

    down = LocalSparkEngine(data_a, BUDGET, cds_dir=cds_dir)
    stopped = await down.stop_all()
    assert "j-AAAA" in stopped and "j-AAAA history server" in stopped
    assert live_groups(pids) == {}
    assert our_zombies(pids) == []
    groups = down.control_groups()
    assert groups.members("j-AAAA") == [] and groups.memory_limit_mb("j-AAAA") is None
    with pytest.raises(ClusterNotFoundError):
        await engine.observe("j-AAAA")

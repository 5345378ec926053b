"""The in-process engine: clusters without Spark, for tests and demos of the API alone.

``clusterport server --engine inprocess`` runs it (like dask-gateway's
``InProcessBackend``). It is a test engine and says so: every cluster it runs
shows a ``clusterport-engine`` configuration in ``DescribeCluster`` saying that
no Spark runs. Clusters go through every EMR state (STARTING, BOOTSTRAPPING,
WAITING, RUNNING, TERMINATING, TERMINATED[_WITH_ERRORS]) driven by the
platform's clock, which a test moves with :class:`ControllableClock`; nothing
waits in real time for what the clock can advance.

What the arguments ask for (bootstrap actions' ``Args``, steps' ``Args``;
with ``script-runner.jar`` the script path is skipped)::

    sleep N        take N seconds of the clock, then succeed
    exit N         fail with exit code N (``exit 0`` succeeds)
    false          fail with exit code 1
    echo WORDS...  succeed, writing WORDS to the step's stdout
    anything else  succeed at once (a step's stdout says that no Spark ran)

A bootstrap action's script (and a ``script-runner.jar`` step's, when it is a
local file) is read by a tiny evaluator, line by line, with the same words
(a leading ``exec`` is ignored, ``"$@"`` stands for the arguments, ``>&2``
and comments are dropped): the first line that fails ends it, and the sleeps
add up. A script that does not exist fails, as on the local engine.

Sessions (``GetSessionEndpoint``), Livy, the Spark UIs and persistent app UIs
answer with an error naming the test engine: it runs no Spark, so there is
nothing to connect to.

A warm pool (option ``warm-pool``, see :mod:`clusterport.engines.pool`) keeps
pretend members, ready as soon as they are made; a hand-off takes
:data:`HANDOFF_SECONDS` of the clock in BOOTSTRAPPING.

Failure injection for tests: :meth:`InProcessEngine.kill` ends one "process"
of a cluster (``master``, ``connect``, ``worker:<instance-id>``,
``sidecar:<name>``) as if it died; :meth:`InProcessEngine.set_busy` makes a
cluster look busy (a running application) or idle. The engine keeps its
clusters in memory: they do not survive the control plane (on restart, a
WAITING cluster is found gone and ends with errors).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import secrets
import shlex
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from clusterport.engines.base import (
    Capacity,
    Checkpoint,
    ClusterAccess,
    ClusterEndpoints,
    ClusterHealth,
    ClusterIdentity,
    ClusterNotFoundError,
    ClusterSpec,
    Endpoint,
    Engine,
    EngineDescription,
    EngineError,
    EngineSettings,
    NodeNotFoundError,
    NodeRole,
    NodeSpec,
    Phase,
    PoolStatus,
    ProcessHealth,
    SidecarSpec,
    StepJar,
    StepResult,
    StepSpec,
    now_utc,
)
from clusterport.engines.pool import WarmPool, pool_size, status_path

NAME = "inprocess"
SUMMARY = (
    "In-process test engine: the API and the cluster lifecycle only; no Spark runs "
    "(sessions, Livy and Spark UIs answer with an error). Use --engine local for real Spark."
)
#: Real seconds between two looks at the clock while something waits on it.
TICK = 0.02
#: Memory the engine pretends to have for clusters (quotas check against it).
DEFAULT_MEMORY_MB = 64 * 1024
#: Seconds of the clock a hand-off from the warm pool takes in BOOTSTRAPPING (the
#: local engine starts the cluster's sidecars then).
HANDOFF_SECONDS = 1.0


class ControllableClock:
    """A clock that runs with real time and jumps ahead when told (tests).

    Pass it as the platform's clock (``Platform(settings, clock=clock)``); the
    in-process engine and the reconciler then both follow it. The gateway does
    too, while clients sign requests with real time: moving it more than
    SigV4's 15 minutes of allowed skew makes every request expired.
    """

    def __init__(self) -> None:
        self._offset = dt.timedelta()

    def __call__(self) -> dt.datetime:
        return now_utc() + self._offset

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock ``seconds`` ahead; returns the new time."""
        self._offset += dt.timedelta(seconds=seconds)
        return self()


@dataclass
class _Step:
    spec: StepSpec
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    result: StepResult | None = None


@dataclass
class _Cluster:
    spec: ClusterSpec
    nodes: dict[str, NodeSpec]
    dead: set[str] = field(default_factory=set)
    steps: dict[str, _Step] = field(default_factory=dict)
    busy: bool = False
    last_activity: dt.datetime | None = None
    ready: bool = False
    session_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    revoked: set[str] = field(default_factory=set)
    #: The warm pool member this cluster was (claimed, not started yet), if any.
    claimed_from: str = ""


@dataclass(frozen=True)
class _Outcome:
    exit_code: int
    seconds: float
    output: str


def _outcome(args: Sequence[str]) -> _Outcome:
    """What a command asks for (see the module docstring)."""
    if not args:
        return _Outcome(0, 0.0, "")
    command, rest = args[0], list(args[1:])
    if command == "sleep":
        try:
            seconds = float(rest[0]) if rest else 0.0
        except ValueError:
            return _Outcome(1, 0.0, f"sleep: invalid time interval {rest[0]!r}")
        return _Outcome(0, max(0.0, seconds), "")
    if command == "exit":
        try:
            return _Outcome(int(rest[0]) if rest else 0, 0.0, f"exit {' '.join(rest)}")
        except ValueError:
            return _Outcome(2, 0.0, f"exit: {rest[0]}: numeric argument required")
    if command == "false":
        return _Outcome(1, 0.0, "false")
    if command == "echo":
        return _Outcome(0, 0.0, " ".join(rest))
    return _Outcome(0, 0.0, f"[in-process engine: no Spark ran] {' '.join(args)}")


def _script_outcome(path: Path, args: Sequence[str]) -> _Outcome:
    """What a local script asks for, read line by line (see the module docstring)."""
    seconds, output = 0.0, []
    for raw in path.read_text(errors="replace").splitlines():
        if raw.startswith("#!"):
            continue
        for part in raw.split("#", 1)[0].replace(">&2", "").split(";"):
            try:
                words = shlex.split(part)
            except ValueError:
                continue
            if words[:1] == ["exec"]:
                words = words[1:]
            if words == ["$@"]:
                words = list(args)
            if not words:
                continue
            step = _outcome(words)
            seconds += step.seconds
            if step.output and words[0] in ("echo", "exit", "false"):
                output.append(step.output)
            if step.exit_code != 0:
                return _Outcome(step.exit_code, seconds, "\n".join(output))
    return _Outcome(0, seconds, "\n".join(output))


#: Where a cluster of this engine "answers": port 0 of a host that never resolves.
NOWHERE = Endpoint("inprocess.invalid", 0)


def _endpoints(cluster_id: str) -> ClusterEndpoints:
    """Endpoints of a cluster that serves nothing (no port answers for it)."""
    return ClusterEndpoints(
        master_url=f"inprocess://{cluster_id}",
        master_ui=NOWHERE,
        connect=NOWHERE,
        app_ui=NOWHERE,
        history=None,
    )


class InProcessEngine(Engine):
    """Runs clusters as records in this process, on the platform's clock (no Spark).

    ``data_dir`` is where step output is written (``<data_dir>/inprocess``);
    ``clock`` is the platform's clock; ``memory_mb`` is the capacity quotas
    check against.
    """

    def __init__(
        self,
        data_dir: Path,
        clock: Callable[[], dt.datetime] = now_utc,
        *,
        memory_mb: int = DEFAULT_MEMORY_MB,
        warm_pool: int = 0,
    ) -> None:
        self.root = data_dir / "inprocess"
        self.clock = clock
        self.memory_mb = memory_mb
        self._clusters: dict[str, _Cluster] = {}
        #: Pre-started (pretend) clusters of the common shape; None: no pool.
        self.pool: WarmPool | None = (
            WarmPool(_PoolHost(self), warm_pool, status_file=status_path(data_dir))
            if warm_pool > 0
            else None
        )

    @classmethod
    def from_settings(cls, settings: EngineSettings) -> InProcessEngine:
        """``clusterport server --engine inprocess``; options ``memory-mb``, ``warm-pool``."""
        memory = settings.options.get("memory-mb")
        engine = cls(
            settings.data_dir,
            settings.clock,
            memory_mb=int(memory) if memory else DEFAULT_MEMORY_MB,
        )
        size = pool_size(settings.options.get("warm-pool"), engine.capacity())
        if size > 0:
            engine.pool = WarmPool(
                _PoolHost(engine), size, status_file=status_path(settings.data_dir)
            )
        return engine

    def describe(self) -> EngineDescription:
        """A test engine: it says so wherever a cluster shows its engine."""
        return EngineDescription(name=NAME, summary=SUMMARY, for_tests=True)

    def capacity(self) -> Capacity:
        """The pretend memory, counted as the local engine counts a host's."""
        return Capacity(
            memory_mb=self.memory_mb,
            worker_memory_mb=1024,
            cluster_memory_mb=1536,
            label="The in-process engine",
        )

    # ------------------------------------------------------------------ failure injection

    def kill(self, cluster_id: str, role: str) -> None:
        """Make one process of a cluster die (``master``, ``worker:<id>``, ``sidecar:<n>``)."""
        self._cluster(cluster_id).dead.add(role)

    def set_busy(self, cluster_id: str, busy: bool) -> None:
        """Make a cluster look busy (an application runs) or idle from now on."""
        cluster = self._cluster(cluster_id)
        cluster.busy = busy
        cluster.last_activity = self.clock()

    # ------------------------------------------------------------------ helpers

    def _cluster(self, cluster_id: str) -> _Cluster:
        cluster = self._clusters.get(cluster_id)
        if cluster is None:
            raise ClusterNotFoundError(
                f"The in-process engine runs no cluster {cluster_id} (its clusters do not "
                "survive a restart of the control plane)."
            )
        return cluster

    async def _wait(self, seconds: float, cancelled: asyncio.Event | None = None) -> bool:
        """Wait ``seconds`` of the clock; False when ``cancelled`` was set first."""
        deadline = self.clock() + dt.timedelta(seconds=seconds)
        while self.clock() < deadline:
            if cancelled is not None and cancelled.is_set():
                return False
            await asyncio.sleep(TICK)
        return cancelled is None or not cancelled.is_set()

    def _roles(self, cluster: _Cluster) -> list[tuple[str, str | None]]:
        master = next(
            (n.instance_id for n in cluster.nodes.values() if n.role is NodeRole.MASTER), None
        )
        roles: list[tuple[str, str | None]] = [("master", master), ("connect", master)]
        roles += [
            (f"worker:{n.instance_id}", n.instance_id)
            for n in cluster.nodes.values()
            if n.role is not NodeRole.MASTER
        ]
        roles += [(f"sidecar:{s.name}", master) for s in cluster.spec.sidecars]
        return roles

    # ------------------------------------------------------------------ the interface

    def pool_status(self) -> PoolStatus:
        """The warm pool now (empty without the ``warm-pool`` option)."""
        return self.pool.status() if self.pool is not None else PoolStatus()

    async def tend_pool(self, template: ClusterSpec | None, free_mb: int, member_mb: int) -> None:
        """Keep the warm pool: its members are ready as soon as they are made."""
        if self.pool is not None:
            await self.pool.tend(template, free_mb, member_mb)

    async def claim(self, spec: ClusterSpec) -> ClusterIdentity | None:
        """Hand a ready pool member of the spec's shape to ``spec.cluster_id`` (fresh keys)."""
        member = await self.pool.take(spec) if self.pool is not None else None
        if member is None:
            return None
        self._clusters.pop(member.cluster_id, None)
        claimed = dataclasses.replace(
            spec, ui_prefix=member.ui_prefix, connect_token=member.connect_token
        )
        self._clusters[spec.cluster_id] = _Cluster(
            spec=claimed,
            nodes={n.instance_id: n for n in spec.nodes},
            claimed_from=member.cluster_id,
        )
        return ClusterIdentity(member.ui_prefix, member.connect_token)

    async def start(self, spec: ClusterSpec) -> AsyncIterator[Checkpoint]:
        """STARTING, BOOTSTRAPPING (the actions as their arguments ask), then WAITING."""
        claimed = self._clusters.get(spec.cluster_id)
        if claimed is not None and claimed.claimed_from and not claimed.ready:
            yield Checkpoint(Phase.STARTING, "Handing a cluster of the warm pool to the account.")
            yield Checkpoint(Phase.BOOTSTRAPPING, "No bootstrap action to run.")
            await self._wait(HANDOFF_SECONDS)
            claimed.ready = True
            claimed.last_activity = self.clock()
            yield Checkpoint(Phase.WAITING, "Cluster ready.", _endpoints(spec.cluster_id))
            return
        cluster = _Cluster(spec=spec, nodes={n.instance_id: n for n in spec.nodes})
        self._clusters[spec.cluster_id] = cluster
        yield Checkpoint(Phase.STARTING, "Provisioning the cluster's nodes (in-process engine).")
        yield Checkpoint(Phase.BOOTSTRAPPING, "Running bootstrap actions.")
        for index, action in enumerate(spec.bootstrap_actions, start=1):
            failure = await self._bootstrap(index, action.name, action.path, action.args)
            if failure is not None:
                self._clusters.pop(spec.cluster_id, None)
                yield Checkpoint(Phase.FAILED, failure)
                return
        cluster.ready = True
        cluster.last_activity = self.clock()
        yield Checkpoint(Phase.WAITING, "Cluster ready.", _endpoints(spec.cluster_id))

    async def _bootstrap(self, index: int, name: str, path: str, args: Sequence[str]) -> str | None:
        parsed = urlparse(path)
        local = unquote(parsed.path)
        if parsed.scheme in ("file", "") and not Path(local).exists():
            return f"Bootstrap action {index} ({name}) failed: {local} does not exist."
        outcome = (
            _script_outcome(Path(local), args) if parsed.scheme in ("file", "") else _outcome(args)
        )
        await self._wait(outcome.seconds)
        if outcome.exit_code != 0:
            return (
                f"Bootstrap action {index} ({name}) exited with code {outcome.exit_code}. "
                f"Last lines of its output:\n{outcome.output}"
            )
        return None

    async def stop(self, cluster_id: str) -> None:
        """Forget the cluster (its running steps end cancelled); idempotent."""
        cluster = self._clusters.pop(cluster_id, None)
        if cluster is not None:
            for step in cluster.steps.values():
                step.cancelled.set()

    async def observe(self, cluster_id: str) -> ClusterHealth:
        """The cluster's pretend processes and how busy it is."""
        cluster = self._cluster(cluster_id)
        running = any(s.result is None for s in cluster.steps.values())
        return ClusterHealth(
            cluster_id=cluster_id,
            processes=[
                ProcessHealth(
                    role=role,
                    process=f"{cluster_id}/{role}",
                    alive=role not in cluster.dead,
                    instance_id=iid,
                )
                for role, iid in self._roles(cluster)
            ],
            dead_instance_ids=sorted(
                {iid for role, iid in self._roles(cluster) if role in cluster.dead and iid}
            ),
            alive_workers=sum(
                1
                for role, _ in self._roles(cluster)
                if role.startswith("worker:") and role not in cluster.dead
            ),
            running_applications=1 if cluster.busy or running else 0,
            active_jobs=1 if cluster.busy else 0,
            active_sessions=0,
            busy=cluster.busy or running,
            last_activity=cluster.last_activity,
            observed_at=self.clock(),
        )

    async def add_nodes(self, cluster_id: str, nodes: Sequence[NodeSpec]) -> ClusterEndpoints:
        """The nodes join at once."""
        cluster = self._cluster(cluster_id)
        for node in nodes:
            cluster.nodes[node.instance_id] = node
        return _endpoints(cluster_id)

    async def remove_nodes(self, cluster_id: str, instance_ids: Sequence[str]) -> ClusterEndpoints:
        """The nodes leave at once."""
        cluster = self._cluster(cluster_id)
        for instance_id in instance_ids:
            if instance_id not in cluster.nodes:
                raise NodeNotFoundError(f"Cluster {cluster_id} has no node {instance_id}.")
            del cluster.nodes[instance_id]
            cluster.dead.discard(f"worker:{instance_id}")
        return _endpoints(cluster_id)

    async def replace_node(self, cluster_id: str, instance_id: str) -> ClusterEndpoints:
        """The node's process lives again."""
        cluster = self._cluster(cluster_id)
        if instance_id not in cluster.nodes:
            raise NodeNotFoundError(f"Cluster {cluster_id} has no node {instance_id}.")
        cluster.dead.discard(f"worker:{instance_id}")
        return _endpoints(cluster_id)

    async def restart_sidecar(
        self, cluster_id: str, sidecar: SidecarSpec, connect_token: str
    ) -> ClusterEndpoints:
        """The sidecar lives again."""
        self._cluster(cluster_id).dead.discard(f"sidecar:{sidecar.name}")
        return _endpoints(cluster_id)

    async def run_step(self, cluster_id: str, step: StepSpec) -> StepResult:
        """Run a step as its arguments ask, on the clock (see the module docstring)."""
        cluster = self._cluster(cluster_id)
        running = _Step(spec=step)
        cluster.steps[step.step_id] = running
        args = list(step.args)
        if step.jar == StepJar.SCRIPT_RUNNER and args:
            script = urlparse(args[0])
            local = Path(unquote(script.path))
            outcome = (
                _script_outcome(local, args[1:])
                if script.scheme in ("file", "") and local.is_file()
                else _outcome(args[1:])
            )
        else:
            outcome = _outcome(args)
        started = self.clock()
        finished = await self._wait(outcome.seconds, running.cancelled)
        out_dir = self.root / cluster_id / "steps" / step.step_id
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "stdout").write_text(outcome.output + "\n" if outcome.output else "")
        (out_dir / "stderr").write_text("" if outcome.exit_code == 0 else outcome.output + "\n")
        result = StepResult(
            step_id=step.step_id,
            exit_code=outcome.exit_code if finished else 143,
            stdout_log=str(out_dir / "stdout"),
            stderr_log=str(out_dir / "stderr"),
            cancelled=not finished,
            started_at=started,
            ended_at=self.clock(),
            message="" if outcome.exit_code == 0 else outcome.output,
        )
        running.result = result
        cluster.last_activity = result.ended_at
        return result

    async def cancel_step(self, cluster_id: str, step_id: str) -> bool:
        """Cancel a running step; False when it was not running."""
        step = self._cluster(cluster_id).steps.get(step_id)
        if step is None or step.result is not None:
            return False
        step.cancelled.set()
        return True

    async def wait_step(self, cluster_id: str, step_id: str) -> StepResult | None:
        """How a step of this engine ended; None when it never ran here."""
        cluster = self._clusters.get(cluster_id)
        step = cluster.steps.get(step_id) if cluster is not None else None
        if step is None:
            return None
        while step.result is None:
            await asyncio.sleep(TICK)
        return step.result

    async def access(self, cluster_id: str) -> ClusterAccess:
        """The cluster's keys (made when it started; nothing of it checks them)."""
        cluster = self._cluster(cluster_id)
        return ClusterAccess(sidecar_key="", ui_headers={}, session_key=cluster.session_key)

    async def revoke_session(self, cluster_id: str, session_id: str) -> None:
        """Remember the session as revoked (tests look at :meth:`revoked_sessions`)."""
        self._cluster(cluster_id).revoked.add(session_id)

    def revoked_sessions(self, cluster_id: str) -> list[str]:
        """Sessions revoked on the cluster (tests look at them)."""
        return sorted(self._cluster(cluster_id).revoked)

    async def adopt(self, cluster_id: str) -> ClusterEndpoints | None:
        """The cluster when this engine still holds it (same process), else None."""
        cluster = self._clusters.get(cluster_id)
        if cluster is None or not cluster.ready:
            return None
        return _endpoints(cluster_id)

    async def stop_all(self) -> list[str]:
        """Forget every cluster; returns their ids."""
        stopped = sorted(self._clusters)
        for cluster_id in stopped:
            await self.stop(cluster_id)
        return stopped

    async def start_history_server(self, cluster_id: str, *, link_prefix: str = "") -> Endpoint:
        """No event logs exist: a persistent app UI of this engine cannot attach."""
        raise EngineError(
            f"Cluster {cluster_id} ran on the in-process test engine, which runs no Spark and "
            "keeps no event logs; persistent app UIs need the local engine (--engine local)."
        )

    async def history_served(self, cluster_id: str) -> bool:
        """Never: the engine keeps no event logs."""
        return False

    async def stop_history_server(self, cluster_id: str) -> None:
        """Nothing to stop."""

    def dead_roles(self, cluster_id: str) -> list[str]:
        """The cluster's processes that are dead now (tests look at them)."""
        return sorted(self._cluster(cluster_id).dead)

    def cluster_ids(self) -> list[str]:
        """Clusters the engine holds now (tests look at them)."""
        return sorted(self._clusters)

    def step_ids(self, cluster_id: str) -> list[str]:
        """Steps the engine ran or runs for a cluster (tests look at them)."""
        try:
            return list(self._cluster(cluster_id).steps)
        except ClusterNotFoundError:
            return []


class _PoolHost:
    """Pool members of the in-process engine: pretend clusters, ready at once."""

    def __init__(self, engine: InProcessEngine) -> None:
        self.engine = engine

    def member_spec(self, template: ClusterSpec, member_id: str) -> ClusterSpec:
        nodes = [
            dataclasses.replace(node, instance_id=f"{member_id}-{index}")
            for index, node in enumerate(template.nodes)
        ]
        return dataclasses.replace(
            template,
            cluster_id=member_id,
            account_id="",
            connect_token=secrets.token_urlsafe(32),
            ui_prefix=f"/_ui/{member_id}",
            nodes=nodes,
            sidecars=(),
        )

    async def start_member(self, spec: ClusterSpec) -> bool:
        self.engine._clusters[spec.cluster_id] = _Cluster(
            spec=spec, nodes={n.instance_id: n for n in spec.nodes}, ready=True
        )
        return True

    def member_alive(self, member_id: str) -> bool:
        cluster = self.engine._clusters.get(member_id)
        return cluster is not None and not cluster.dead

    async def stop_member(self, member_id: str) -> None:
        await self.engine.stop(member_id)

"""The engine interface: where a cluster's processes really run.

An :class:`Engine` turns a :class:`ClusterSpec` into running Spark processes and
reports what it sees. The control plane's reconciler compares the desired state
in the store with :meth:`Engine.observe` and calls the other methods; the
engine itself keeps no desired state and decides nothing on its own.

Errors raised by engines::

    EngineError                 any engine failure; the message names the fix
    ├── ClusterNotFoundError    the engine has no record of that cluster id
    ├── NodeNotFoundError       the cluster has no node with that instance id
    ├── StepNotFoundError       the cluster has no step with that id
    └── InvalidSpecError        a spec the engine cannot run (bad path, bad template, …)

A failure while a cluster starts is not raised: :meth:`Engine.start` yields a
FAILED :class:`Checkpoint` carrying the reason instead.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

#: Placeholders a :class:`SidecarSpec` argv or env template may contain.
SIDECAR_PLACEHOLDERS = (
    "port",
    "connect_port",
    "connect_token",
    "master_url",
    "work_dir",
    "python",
)

#: Path, below a cluster's ``ui_prefix``, under which its history server's
#: links are generated (the history server is told this as its proxy base).
HISTORY_UI_SUFFIX = "/shs"


class EngineError(Exception):
    """An engine could not do what it was asked; the message names the fix."""


class ClusterNotFoundError(EngineError):
    """The engine has no record of the cluster (never started, or stopped)."""


class NodeNotFoundError(EngineError):
    """The cluster has no node with the given instance id."""


class StepNotFoundError(EngineError):
    """The cluster has no step with the given id."""


class InvalidSpecError(EngineError):
    """The spec cannot be run as given (unsupported path scheme, bad template, …)."""


class NodeRole(enum.StrEnum):
    """EMR instance roles: the primary node, core nodes and task nodes."""

    MASTER = "MASTER"
    CORE = "CORE"
    TASK = "TASK"


class Phase(enum.StrEnum):
    """Phases an engine reports while a cluster starts (EMR state names)."""

    STARTING = "STARTING"
    BOOTSTRAPPING = "BOOTSTRAPPING"
    WAITING = "WAITING"
    FAILED = "FAILED"


@dataclass(frozen=True)
class NodeSpec:
    """One instance of the cluster: its role and the resources its type offers."""

    instance_id: str
    role: NodeRole
    cores: int
    memory_mb: int
    instance_group_id: str = ""


@dataclass(frozen=True)
class BootstrapAction:
    """A script run on the cluster before Spark starts (``file://`` URL or local path)."""

    name: str
    path: str
    args: Sequence[str] = ()


@dataclass(frozen=True)
class SidecarSpec:
    """An extra server started on the primary node once Spark answers.

    ``argv`` (and the values of ``env``) are templates: ``{port}`` (a free port
    the engine picks for this sidecar), ``{connect_port}``, ``{connect_token}``,
    ``{master_url}``, ``{work_dir}`` and ``{python}`` (the interpreter running
    the engine) are filled in; a literal brace is written ``{{`` / ``}}``. The
    engine waits until the sidecar listens on ``{port}`` before the cluster is
    WAITING. ``role`` is the node it belongs to; every sidecar runs once, on
    the primary node.
    """

    name: str
    argv: Sequence[str]
    role: NodeRole = NodeRole.MASTER
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterSpec:
    """Everything an engine needs to start one cluster."""

    cluster_id: str
    account_id: str
    work_dir: Path
    release_label: str
    connect_token: str
    ui_prefix: str
    nodes: Sequence[NodeSpec]
    spark_properties: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    bootstrap_actions: Sequence[BootstrapAction] = ()
    sidecars: Sequence[SidecarSpec] = ()


@dataclass(frozen=True)
class ClusterEndpoints:
    """Where a running cluster answers, and which processes make it up.

    ``pids`` maps a process role to its pid: ``master``, ``connect`` (the
    driver), ``history``, ``worker:<instance-id>``, ``sidecar:<name>``.
    The master UI (``master_ui_port``) serves every worker and application UI
    under ``/proxy/<id>/`` with links prefixed by the cluster's ``ui_prefix``;
    the history server's links carry ``ui_prefix + HISTORY_UI_SUFFIX``.
    """

    master_url: str
    master_ui_port: int
    connect_port: int
    app_ui_port: int
    history_port: int
    sidecar_ports: Mapping[str, int] = field(default_factory=dict)
    pids: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterIdentity:
    """What a cluster taken from the warm pool is known by, which the control plane records.

    A pool member started before any tenant asked for it, under an id of its
    own: its work dir, the path its Spark UIs' links carry and its Spark
    Connect token were fixed then. :meth:`Engine.claim` reports them so the
    control plane keeps them in the cluster's record (a cold cluster has the
    ones its spec gave).
    """

    work_dir: Path
    ui_prefix: str
    connect_token: str


class PoolMemberState(enum.StrEnum):
    """Where one member of the warm pool is."""

    STARTING = "STARTING"
    READY = "READY"


@dataclass(frozen=True)
class PoolMember:
    """One pre-started, unassigned cluster of the warm pool."""

    member_id: str
    state: PoolMemberState


@dataclass(frozen=True)
class PoolStatus:
    """The warm pool of an engine: how many members it keeps, of which shape, and each one.

    ``size`` is how many it keeps when the host has room; ``member_memory_mb``
    what one member holds of the host's budget (it counts against it like
    any cluster). ``shape`` describes the clusters it serves, ``""`` when the
    engine keeps no pool.
    """

    size: int = 0
    shape: str = ""
    member_memory_mb: int = 0
    members: Sequence[PoolMember] = ()

    @property
    def memory_mb(self) -> int:
        """What the members hold of the host's budget together."""
        return self.member_memory_mb * len(self.members)


@dataclass(frozen=True)
class Checkpoint:
    """One step of a cluster's start-up; ``endpoints`` is set once WAITING."""

    phase: Phase
    message: str
    endpoints: ClusterEndpoints | None = None


@dataclass(frozen=True)
class ProcessHealth:
    """Whether one process of a cluster is still the process the engine started."""

    role: str
    pid: int
    alive: bool
    instance_id: str | None = None


@dataclass(frozen=True)
class ClusterHealth:
    """What an engine observes of a running cluster.

    ``dead_instance_ids`` lists nodes whose process died (the primary node's
    id when the master or the driver died). ``active_sessions`` counts the
    Spark Connect sessions online. ``busy`` is true while any application
    other than the cluster's own Connect server runs, a Connect session is
    online, or a Spark job is active; ``last_activity`` is the latest job or
    application event seen, for idle auto-termination.
    """

    cluster_id: str
    processes: Sequence[ProcessHealth]
    dead_instance_ids: Sequence[str]
    alive_workers: int | None
    running_applications: int
    active_jobs: int
    active_sessions: int
    busy: bool
    last_activity: datetime | None
    observed_at: datetime

    @property
    def healthy(self) -> bool:
        """True when every process of the cluster is alive."""
        return all(p.alive for p in self.processes)


class StepJar(enum.StrEnum):
    """The step runners a cluster understands (anything else is a local jar path)."""

    COMMAND_RUNNER = "command-runner.jar"
    SCRIPT_RUNNER = "script-runner.jar"


@dataclass(frozen=True)
class StepSpec:
    """An EMR step: ``HadoopJarStep`` (``Jar``, ``Args``, ``MainClass``, ``Properties``)."""

    step_id: str
    jar: str
    args: Sequence[str] = ()
    main_class: str | None = None
    properties: Mapping[str, str] = field(default_factory=dict)
    name: str = ""


@dataclass(frozen=True)
class StepResult:
    """How a step ended, and where its output is kept."""

    step_id: str
    exit_code: int
    stdout_path: Path
    stderr_path: Path
    cancelled: bool
    started_at: datetime
    ended_at: datetime
    message: str = ""

    @property
    def succeeded(self) -> bool:
        """True when the step ran to the end and exited 0."""
        return self.exit_code == 0 and not self.cancelled


def now_utc() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class EngineSettings:
    """What the platform gives an engine it creates (``clusterport server --engine NAME``).

    ``data_dir`` is the platform's data dir (an engine keeps its own state below
    it, or nowhere); ``clock`` is the platform's clock, which a test engine may
    follow instead of real time; ``options`` are engine-specific settings.
    """

    data_dir: Path
    clock: Callable[[], datetime] = now_utc
    options: Mapping[str, str] = field(default_factory=dict)
    #: Wall every cluster's processes in (False: ``--no-sandbox``).
    sandbox: bool = True


@dataclass(frozen=True)
class Capacity:
    """What an engine can hold, checked before a cluster is accepted (quotas).

    ``memory_mb`` is the memory every active cluster's worker nodes share;
    ``worker_memory_mb`` is the least one worker node takes, and
    ``cluster_memory_mb`` what a cluster's primary node holds besides its
    workers. ``label`` names what the capacity is of (a host, a pool, a
    namespace), for the error a full engine answers with.
    """

    memory_mb: int
    worker_memory_mb: int
    cluster_memory_mb: int
    label: str = "This host"


@dataclass(frozen=True)
class EngineDescription:
    """How an engine presents itself in the API (``DescribeCluster``'s configurations).

    ``name`` is its settings name (``local``, ``inprocess``, ...); ``for_tests``
    is true for an engine that runs no real Spark (an API-only test engine),
    which the cluster's description then says, as does the Studio panel.
    """

    name: str
    summary: str
    for_tests: bool = False


class Engine(abc.ABC):
    """Runs clusters. One implementation per place clusters can run.

    Engines are chosen by name in the settings (see
    :mod:`clusterport.engines.registry`) and created with
    :meth:`from_settings`; the control plane never constructs one directly.
    """

    @classmethod
    def from_settings(cls, settings: EngineSettings) -> Self:
        """The engine the platform runs with, created from its settings."""
        raise EngineError(
            f"{cls.__name__} cannot be created from settings; implement from_settings."
        )

    def describe(self) -> EngineDescription:
        """How the engine presents itself (name, summary, whether it is for tests)."""
        return EngineDescription(name=type(self).__name__, summary=type(self).__doc__ or "")

    @abc.abstractmethod
    def capacity(self) -> Capacity:
        """What the engine can hold (quotas check new clusters and nodes against it)."""

    @abc.abstractmethod
    def start(self, spec: ClusterSpec) -> AsyncIterator[Checkpoint]:
        """Start a cluster, yielding its phases; the last checkpoint is WAITING or FAILED.

        A FAILED start leaves no process of the cluster running.
        """

    async def claim(self, spec: ClusterSpec) -> ClusterIdentity | None:
        """Take a warm pool member of the spec's shape for it, before :meth:`start`.

        Returns None when no member fits (no pool, another shape, bootstrap
        actions or configurations, none ready): :meth:`start` then starts the
        cluster cold. Otherwise the member now answers to ``spec.cluster_id``
        (every method called with that id reaches it) and the returned
        identity is what the control plane must record; the caller writes the
        cluster's fresh keys into its work dir and calls :meth:`start` with a
        spec carrying that identity, which finishes the hand-off through the
        usual phases.
        """
        return None

    def pool_status(self) -> PoolStatus:
        """The warm pool now (an engine without one keeps none)."""
        return PoolStatus()

    async def tend_pool(self, template: ClusterSpec | None, free_mb: int, member_mb: int) -> None:
        """Keep the warm pool: members of ``template``'s shape, within ``free_mb`` together.

        ``free_mb`` is what the host's budget leaves for the pool (tenants'
        clusters, those waiting included, come first): members beyond it are
        stopped, dead ones replaced, missing ones started in the background
        while they fit (each holds ``member_mb``). ``template`` None empties
        the pool. Returns at once.
        """
        return  # an engine without a pool has nothing to keep

    @abc.abstractmethod
    async def stop(self, cluster_id: str) -> None:
        """Stop every process of the cluster (gracefully, then by force); idempotent."""

    @abc.abstractmethod
    async def observe(self, cluster_id: str) -> ClusterHealth:
        """Report process liveness and how busy the cluster is."""

    @abc.abstractmethod
    async def add_nodes(self, cluster_id: str, nodes: Sequence[NodeSpec]) -> ClusterEndpoints:
        """Add core/task nodes to a running cluster; returns once they have joined."""

    @abc.abstractmethod
    async def remove_nodes(self, cluster_id: str, instance_ids: Sequence[str]) -> ClusterEndpoints:
        """Remove core/task nodes from a running cluster; returns once they have left."""

    @abc.abstractmethod
    async def replace_node(self, cluster_id: str, instance_id: str) -> ClusterEndpoints:
        """Restart the process of a (dead) core/task node; returns once it has joined."""

    @abc.abstractmethod
    async def restart_sidecar(
        self, cluster_id: str, sidecar: SidecarSpec, connect_token: str
    ) -> ClusterEndpoints:
        """Start a (dead) sidecar of a running cluster again, on its old port if it is free."""

    @abc.abstractmethod
    async def run_step(self, cluster_id: str, step: StepSpec) -> StepResult:
        """Run one step to its end (or until cancelled) and report how it ended."""

    @abc.abstractmethod
    async def cancel_step(self, cluster_id: str, step_id: str) -> bool:
        """Cancel a running step; False when it was not running."""

    @abc.abstractmethod
    async def wait_step(self, cluster_id: str, step_id: str) -> StepResult | None:
        """How a step started before a control-plane restart ended, once it has.

        None when nothing tells: it was killed, or never started.
        """

    @abc.abstractmethod
    async def adopt(self, cluster_id: str, work_dir: Path) -> ClusterEndpoints | None:
        """Re-attach to a cluster started before a control-plane restart.

        Returns None when the cluster's primary node is gone (anything left of
        it is then stopped).
        """

    @abc.abstractmethod
    async def stop_all(self, data_dir: Path) -> list[str]:
        """Stop every process any cluster under ``data_dir`` started; returns their ids."""

    @abc.abstractmethod
    async def start_history_server(
        self, cluster_id: str, work_dir: Path, *, link_prefix: str = ""
    ) -> int:
        """Serve a cluster's event logs (also after it stopped); returns the UI port.

        ``link_prefix`` is the path under which a reverse proxy exposes it; the
        server's links carry it. Calling it again while it runs returns the same port.
        """

    @abc.abstractmethod
    async def history_served(self, cluster_id: str) -> bool:
        """True while a history server of the cluster runs: its own, or the persistent one."""

    @abc.abstractmethod
    async def stop_history_server(self, cluster_id: str) -> None:
        """Stop the history server started by :meth:`start_history_server`; idempotent."""

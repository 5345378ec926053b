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
    "session_key_file",
    "access_key_file",
    "activity_file",
    "revoked_file",
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
class Endpoint:
    """Where one server of a cluster answers: a host name or address, and a TCP port.

    The host is whatever the control plane reaches the server at (``127.0.0.1``
    on this host, a service name on Kubernetes). In a cluster's stored document
    an endpoint is kept as its :attr:`address` (``host:port``).
    """

    host: str
    port: int

    @property
    def address(self) -> str:
        """``host:port``, as stored and as a ``host:port`` client option takes it."""
        return f"{self.host}:{self.port}"

    def url(self, path: str = "", scheme: str = "http") -> str:
        """The URL of ``path`` on this endpoint (``http://host:port/path``)."""
        return f"{scheme}://{self.address}/{path.lstrip('/')}"

    @classmethod
    def parse(cls, address: str) -> Endpoint:
        """The endpoint of a stored ``host:port`` address (ValueError if it is not one)."""
        host, sep, port = str(address).rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"{address!r} is not a host:port address")
        return cls(host, int(port))


@dataclass(frozen=True)
class ClusterAccess:
    """The secrets the platform holds for one cluster, to pass its doors for a checked caller.

    ``sidecar_key`` is the value of the access-key header the cluster's sidecars
    (its Livy endpoint) require; ``ui_headers`` are the headers its Spark UIs
    require; ``session_key`` signs the Spark Connect session tokens its
    connect proxy accepts. None of them ever reaches a client.
    """

    sidecar_key: str
    ui_headers: Mapping[str, str]
    session_key: bytes


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
    ``{master_url}``, ``{work_dir}`` (the node's own folder) and ``{python}``
    (the interpreter running the engine) are filled in, and the files through
    which the engine and the sidecar share what :class:`ClusterAccess` holds:
    ``{session_key_file}`` (the session signing key), ``{access_key_file}``
    (the access key the sidecar must require), ``{revoked_file}`` (session ids
    :meth:`Engine.revoke_session` revoked, one a line) and ``{activity_file}``
    (where the sidecar may write its use as JSON: ``busy`` or
    ``active_streams``, and ``last_activity`` in epoch seconds). A literal
    brace is written ``{{`` / ``}}``. ``activity_path``, when set, is an HTTP
    path on ``{port}`` answering the same JSON to a request carrying the access
    key. The engine waits until the sidecar listens on ``{port}`` before the
    cluster is WAITING. ``role`` is the node it belongs to; every sidecar runs
    once, on the primary node.
    """

    name: str
    argv: Sequence[str]
    role: NodeRole = NodeRole.MASTER
    env: Mapping[str, str] = field(default_factory=dict)
    activity_path: str = ""


@dataclass(frozen=True)
class ClusterSpec:
    """Everything an engine needs to start one cluster."""

    cluster_id: str
    account_id: str
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

    ``processes`` maps a process role to the engine's opaque identity of it
    (a pid here, a pod name elsewhere): ``master``, ``connect`` (the driver),
    ``history``, ``worker:<instance-id>``, ``sidecar:<name>``. The master UI
    (``master_ui``) serves every worker and application UI under
    ``/proxy/<id>/`` with links prefixed by the cluster's ``ui_prefix``; the
    history server's links carry ``ui_prefix + HISTORY_UI_SUFFIX``. ``connect``
    is the driver's Spark Connect server, ``app_ui`` the driver's UI.
    """

    master_url: str
    master_ui: Endpoint
    connect: Endpoint
    app_ui: Endpoint
    history: Endpoint | None
    sidecars: Mapping[str, Endpoint] = field(default_factory=dict)
    processes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClusterIdentity:
    """What a cluster taken from the warm pool is known by, which the control plane records.

    A pool member started before any tenant asked for it, under an id of its
    own: the path its Spark UIs' links carry and its Spark Connect token were
    fixed then. :meth:`Engine.claim` reports them so the control plane keeps
    them in the cluster's record (a cold cluster has the ones its spec gave).
    Where the member keeps its files is the engine's business: every method
    called with the cluster's id reaches it.
    """

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
    """Whether one process of a cluster is still the process the engine started.

    ``process`` is the engine's opaque identity of it (a pid, a pod name);
    ``log`` where its log is kept (a path, a pod's log), shown to users as is.
    """

    role: str
    process: str
    alive: bool
    instance_id: str | None = None
    log: str = ""


@dataclass(frozen=True)
class ClusterHealth:
    """What an engine observes of a running cluster.

    ``dead_instance_ids`` lists nodes whose process died (the primary node's
    id when the master or the driver died). ``active_sessions`` counts the
    Spark Connect sessions online. ``busy`` is true while any application
    other than the cluster's own Connect server runs, a Connect session is
    online, a Spark job is active or a sidecar reports use (a Livy statement,
    a call streaming through the connect proxy); ``last_activity`` is the
    latest job, application or sidecar event seen, for idle auto-termination.
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
    """How a step ended, and where its output is kept.

    ``stdout_log`` and ``stderr_log`` are the engine's locations of the step's
    output (paths here, an object store URL elsewhere), shown to users as is.
    """

    step_id: str
    exit_code: int
    stdout_log: str
    stderr_log: str
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
        identity is what the control plane must record. The member's keys
        (:meth:`access`) are made afresh here; the caller then calls
        :meth:`start` with a spec carrying that identity, which finishes the
        hand-off through the usual phases.
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
    async def access(self, cluster_id: str) -> ClusterAccess:
        """The cluster's keys (see :class:`ClusterAccess`), created when it was first started.

        They outlive the cluster (its history server asks for the UI headers).
        Raises :class:`ClusterNotFoundError` for a cluster the engine never started.
        """

    @abc.abstractmethod
    async def revoke_session(self, cluster_id: str, session_id: str) -> None:
        """Make the cluster's connect proxy refuse every token of ``session_id`` from now on."""

    @abc.abstractmethod
    async def adopt(self, cluster_id: str) -> ClusterEndpoints | None:
        """Re-attach to a cluster started before a control-plane restart.

        Returns None when the cluster's primary node is gone (anything left of
        it is then stopped).
        """

    @abc.abstractmethod
    async def stop_all(self) -> list[str]:
        """Stop every process any cluster of this engine's data dir started; returns their ids."""

    @abc.abstractmethod
    async def start_history_server(self, cluster_id: str, *, link_prefix: str = "") -> Endpoint:
        """Serve a cluster's event logs (also after it stopped); returns where its UI answers.

        ``link_prefix`` is the path under which a reverse proxy exposes it; the
        server's links carry it. Calling it again while it runs returns the same endpoint.
        """

    @abc.abstractmethod
    async def history_served(self, cluster_id: str) -> bool:
        """True while a history server of the cluster runs: its own, or the persistent one."""

    @abc.abstractmethod
    async def stop_history_server(self, cluster_id: str) -> None:
        """Stop the history server started by :meth:`start_history_server`; idempotent."""

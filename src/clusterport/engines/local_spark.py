"""The local engine: every cluster as real Spark processes on this host.

A cluster is, on 127.0.0.1 and each in its own session (``setsid``):

* a standalone **Master** (the primary node);
* one **Worker** per CORE/TASK node, its ``--cores``/``--memory`` taken from the
  node and scaled to the :class:`~clusterport.engines.host_budget.HostBudget`
  (see that module for the rule); a cluster with only a primary node runs one
  worker sized like it, as a single-node EMR cluster runs YARN on its primary;
* a **Spark Connect server** as the primary node's driver (token-protected,
  event logging on, one executor kept warm);
* a **Spark History Server** over the cluster's event logs;
* the **sidecars** of the spec (Livy, a Connect auth proxy, …).

Start-up order (races measured on small hosts): bootstrap actions → master and
history server together → (once the master is ALIVE) workers and Connect server
together → the workers registered and the Connect server's application granted
its executor → sidecars → WAITING. The executor's JVM starts while the user's
client does; a warm-pool member (and a cluster training CDS archives) also
answers warm-up queries through Spark Connect before it is ready. Ports are
picked free on 127.0.0.1 and Spark is told not to drift to another port; a
port taken in between is retried with fresh ports.

Files under the cluster's ``work_dir``: ``state.json`` (pids, start times,
ports), ``logs/``, ``eventlog/``, ``conf/``, ``nodes/<instance-id>/`` (worker
and executor folders), ``bootstrap/``, ``steps/``, ``logs/warmup.log``. The data
dir holds the registry of clusters (``engine/``) and the CDS archives
(``cds/``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import re
import secrets
import shutil
import signal
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx

from clusterport.engines.access import (
    cluster_access,
    create_keys,
    remove_keys,
    revoke,
    sidecar_activity,
    sidecar_files,
)
from clusterport.engines.base import (
    HISTORY_UI_SUFFIX,
    SIDECAR_PLACEHOLDERS,
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
    InvalidSpecError,
    NodeNotFoundError,
    NodeRole,
    NodeSpec,
    Phase,
    PoolStatus,
    ProcessHealth,
    SidecarSpec,
    StepResult,
    StepSpec,
    now_utc,
)
from clusterport.engines.bootstrap import file_roots, run_bootstrap_actions
from clusterport.engines.cds import ArchiveChoice, CdsArchives, CdsRole, default_cache_dir
from clusterport.engines.cgroups import ControlGroups, Limits, Part
from clusterport.engines.host_budget import (
    MEMORY_CAP_FRACTION,
    MIN_WORKER_MEMORY_MB,
    PRIMARY_NODE_MEMORY_MB,
    SIDECAR_MEMORY_MB,
    HostBudget,
)
from clusterport.engines.parked import entry_module, parked_argv
from clusterport.engines.pool import (
    REFILL_DELAY,
    WarmPool,
    is_pool_id,
    pool_size,
    refill_delay,
    status_path,
)
from clusterport.engines.processes import (
    ProcessExitedError,
    ProcessRecord,
    boot_id,
    free_ports,
    is_running,
    log_tail,
    port_is_free,
    reap,
    spawn,
    terminate,
    wait_for_port,
)
from clusterport.engines.sandbox import (
    TENANT_MAX_PROCESSES,
    Sandbox,
    SandboxPolicy,
    TenantUsers,
    runtime_paths,
)
from clusterport.engines.spark_commands import (
    ExecutorSizing,
    SparkCommands,
    keeps_executor,
    write_properties,
)
from clusterport.engines.spark_install import LaunchTemplate, SparkInstall
from clusterport.engines.spark_status import (
    driver_activity,
    http_client,
    master_view,
    wait_connect_ready,
    wait_master_alive,
    wait_workers,
)
from clusterport.engines.state import (
    ClusterState,
    NodeState,
    Registry,
    cluster_lock,
    cluster_secret,
    engine_dir,
    load_state,
    local_endpoint,
    save_state,
    ui_key,
)
from clusterport.engines.steps import STEP_MAX_FILE_MB, StepRunner, running_steps, wait_for_step
from clusterport.engines.steps import cancel_step as cancel_step_process
from clusterport.engines.ui_filter import UI_KEY_ENV, UI_KEY_HEADER, compiled_filter
from clusterport.memo import BoundedMemo
from clusterport.process_groups import group_members, start_group_async, stop_group_async

_T = TypeVar("_T")
_log = logging.getLogger(__name__)

#: Environment variables the engine sets itself; a cluster's ``env`` cannot change them.
_ENGINE_ENV = frozenset(
    {"SPARK_HOME", "SPARK_CONF_DIR", "SPARK_SCALA_VERSION", "SPARK_LOCAL_IP", "SPARK_PUBLIC_DNS"}
)
_PORT_CLASH = ("Address already in use", "BindException", "Failed to bind")
_PORT_ATTEMPTS = 3
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_CONNECT_ROLE = "connect"
_MASTER_ROLE = "master"
_HISTORY_ROLE = "history"
#: Role prefixes of the JVMs a cluster cannot work without (workers: ``worker:<id>``).
_SPARK_ROLES = (_MASTER_ROLE, "worker:", _CONNECT_ROLE)
#: How long a stop waits for its just-killed processes to leave their control group.
_GROUP_SETTLE_SECONDS = 2.0


def ui_headers(work_dir: Path) -> dict[str, str]:
    """The headers a request to one of the cluster's Spark UIs must carry."""
    return {UI_KEY_HEADER: ui_key(work_dir)}


def _worker_role(instance_id: str) -> str:
    return f"worker:{instance_id}"


async def _run_all(*coros: Coroutine[Any, Any, _T]) -> list[_T]:
    """Run coroutines together; the first failure cancels the others and is raised."""
    tasks: list[asyncio.Task[_T]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coros]
    except BaseExceptionGroup as failures:
        first: BaseException = failures
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return [t.result() for t in tasks]


#: The main class of an executor JVM (a worker's child, in the worker's process group).
_EXECUTOR_CLASS = b"org.apache.spark.executor.CoarseGrainedExecutorBackend"


def _runs_executor(pid: int) -> bool:
    """True while ``pid`` is an executor JVM (a sandboxed worker's group also holds the
    sandbox's own processes and the worker itself: those are not waited for)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return _EXECUTOR_CLASS in cmdline.read()
    except OSError:
        return False


def validate_spec(spec: ClusterSpec) -> None:
    """Refuse specs the local engine cannot run, naming the problem."""
    if not spec.connect_token:
        raise InvalidSpecError("connect_token is empty; give the cluster a pre-shared token.")
    if not spec.ui_prefix.startswith("/") or spec.ui_prefix.endswith("/"):
        raise InvalidSpecError(
            f"ui_prefix {spec.ui_prefix!r} must start with '/' and not end with one."
        )
    for word in ("proxy", "history"):
        if word in spec.ui_prefix:
            raise InvalidSpecError(
                f"ui_prefix {spec.ui_prefix!r} contains {word!r}, which Spark's UI treats "
                "specially; choose a prefix without it."
            )
    masters = [n for n in spec.nodes if n.role is NodeRole.MASTER]
    if len(masters) != 1:
        raise InvalidSpecError(
            f"A cluster needs exactly one MASTER node; this spec has {len(masters)}."
        )
    if not _SAFE_ID.match(spec.cluster_id):
        raise InvalidSpecError(
            f"Cluster id {spec.cluster_id!r} must be 1-64 letters, digits, '.', '_' or '-'."
        )
    ids = [n.instance_id for n in spec.nodes]
    if not all(_SAFE_ID.match(i) for i in ids):
        raise InvalidSpecError("Instance ids must be 1-64 letters, digits, '.', '_' or '-'.")
    if len(set(ids)) != len(ids):
        raise InvalidSpecError("Instance ids of the nodes must be unique.")
    names = [s.name for s in spec.sidecars]
    if len(set(names)) != len(names) or any(not n.replace("-", "").isalnum() for n in names):
        raise InvalidSpecError("Sidecar names must be unique and made of letters, digits and '-'.")
    for sidecar in spec.sidecars:
        fill_template(sidecar, dict.fromkeys(SIDECAR_PLACEHOLDERS, "0"))
        if any("{connect_token}" in part for part in sidecar.argv):
            raise InvalidSpecError(
                f"Sidecar {sidecar.name!r} puts {{connect_token}} on its command line, where "
                "any local user's `ps` reads it; pass it in the sidecar's env instead."
            )


def fill_template(
    sidecar: SidecarSpec, values: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """A sidecar's argv and env with the placeholders filled in."""
    try:
        argv = [part.format_map(values) for part in sidecar.argv]
        env = {k: v.format_map(values) for k, v in sidecar.env.items()}
    except KeyError as exc:
        raise InvalidSpecError(
            f"Sidecar {sidecar.name!r} uses the unknown placeholder {{{exc.args[0]}}}; "
            f"known ones: {', '.join(SIDECAR_PLACEHOLDERS)} (write {{{{ for a literal brace)."
        ) from exc
    except (ValueError, IndexError) as exc:
        raise InvalidSpecError(
            f"Sidecar {sidecar.name!r} has a malformed template ({exc}); write {{{{ and }}}} "
            "for literal braces."
        ) from exc
    if not argv:
        raise InvalidSpecError(f"Sidecar {sidecar.name!r} has an empty argv.")
    return argv, env


class LocalSparkEngine(Engine):
    """Runs clusters as standalone Spark processes on this host.

    ``host_budget`` bounds what the workers of one cluster get (default: all
    CPUs and 60 % of memory, see :mod:`clusterport.engines.host_budget`).
    ``cds`` turns the Class Data Sharing archives on (kept under ``cds_dir``,
    default ``cds/`` of the machine's cache, :func:`~clusterport.engines.cds.default_cache_dir`,
    shared by every data dir). Tenants' JVMs only read archives; they are
    written by :meth:`LocalSparkEngine.train_archives`, whose cluster serves
    no tenant (or by any cluster with the sandbox off). Timeouts are in seconds; ``stop_grace``
    is how long a single process being replaced (a worker, a sidecar) gets to end;
    ``driver_grace`` is how long a cluster's stop gives its processes, all signalled at
    once, before it kills what is left (enough for a driver to end its applications and
    close their event logs); ``training_grace`` is how long a stop waits for JVMs
    writing their first CDS archives.
    """

    def __init__(
        self,
        data_dir: Path,
        host_budget: HostBudget | None = None,
        *,
        cds: bool = True,
        cds_dir: Path | None = None,
        python: str | None = None,
        start_timeout: float = 300.0,
        bootstrap_timeout: float = 600.0,
        stop_grace: float = 20.0,
        driver_grace: float = 2.0,
        training_grace: float = 120.0,
        sandbox: bool = True,
        step_max_file_mb: int = STEP_MAX_FILE_MB,
        warm_pool: int = 0,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.host_budget = host_budget or HostBudget.detect()
        self.install = SparkInstall.locate(python)
        self.cds_enabled = cds
        self.cds_root = (cds_dir or default_cache_dir() / "cds").resolve()
        self.start_timeout = start_timeout
        self.bootstrap_timeout = bootstrap_timeout
        self.stop_grace = stop_grace
        self.driver_grace = driver_grace
        self.training_grace = training_grace
        #: The largest file a step or bootstrap action may write.
        self.step_max_file_mb = step_max_file_mb
        self.registry = Registry(self.data_dir)
        self.sandbox_wanted = sandbox
        self.users = TenantUsers(self.data_dir)
        self._sandbox_policy: SandboxPolicy | None = None
        self._control_groups: ControlGroups | None = None
        #: No cluster's processes together may hold more memory than this.
        self.memory_cap_mb = HostBudget.detect(MEMORY_CAP_FRACTION).memory_mb
        #: Clusters of the platform's own (archive training) that no tenant reaches.
        self._trainers: set[str] = set()
        #: Pre-started clusters of the common shape (``--warm-pool``; None: no pool).
        self.pool = self._warm_pool(warm_pool, REFILL_DELAY)
        self._pool_swept = False
        #: Sidecars parked in pool members, by cluster id then sidecar name (see _Parked).
        self._parked: dict[str, dict[str, _Parked]] = {}
        #: Clusters' keys as read from their work dirs (see access).
        self._access: BoundedMemo[str, ClusterAccess] = BoundedMemo(256)

    @classmethod
    def from_settings(cls, settings: EngineSettings) -> LocalSparkEngine:
        """The engine ``clusterport server --engine local`` runs (the default).

        Option ``warm-pool``: how many pre-started clusters to keep (a number,
        or ``auto`` for the size the host's budget suggests; absent: none).
        Option ``pool-refill-delay``: seconds the pool waits after a hand-off
        before it starts the next member (default :data:`REFILL_DELAY`).
        """
        engine = cls(settings.data_dir, sandbox=settings.sandbox)
        engine.pool = engine._warm_pool(
            pool_size(settings.options.get("warm-pool"), engine.capacity()),
            refill_delay(settings.options.get("pool-refill-delay")),
        )
        return engine

    def _warm_pool(self, size: int, delay: float) -> WarmPool | None:
        """A pool of ``size`` members (None for none), refilled ``delay`` s after a hand-off."""
        if size <= 0:
            return None
        return WarmPool(
            _PoolHost(self), size, status_file=status_path(self.data_dir), refill_delay=delay
        )

    def describe(self) -> EngineDescription:
        """Real Spark on this host."""
        return EngineDescription(
            name="local", summary="Real Apache Spark processes on this host, one sandbox each."
        )

    def capacity(self) -> Capacity:
        """The host budget: worker memory every active cluster shares."""
        return Capacity(
            memory_mb=self.host_budget.memory_mb,
            worker_memory_mb=MIN_WORKER_MEMORY_MB,
            cluster_memory_mb=PRIMARY_NODE_MEMORY_MB,
        )

    # ------------------------------------------------------------------ shared helpers

    def work_dir(self, cluster_id: str) -> Path:
        """The folder a cluster's processes keep their files in (its own, 0700).

        A cluster taken from the warm pool keeps the folder its member started in
        (the registry remembers which, also after it stopped: its history stays).
        """
        if cluster_id in self._trainers:
            return self.data_dir / "engine" / "cds-training" / cluster_id
        return self.data_dir / "clusters" / (self.registry.member_of(cluster_id) or cluster_id)

    def sandbox_policy(self) -> SandboxPolicy:
        """How clusters are walled in here (checked once; raises if bubblewrap cannot run)."""
        if self._sandbox_policy is None:
            self._sandbox_policy = SandboxPolicy.detect(sandbox=self.sandbox_wanted)
        return self._sandbox_policy

    def control_groups(self) -> ControlGroups:
        """Where clusters get their memory and process bounds (checked once)."""
        if self._control_groups is None:
            self._control_groups = ControlGroups.detect()
        return self._control_groups

    def limits(self, state: ClusterState | None) -> Limits:
        """What all of a cluster's processes together may use.

        Memory: the primary node's daemons and sidecars, and twice what its
        workers offer to executors (their JVMs' and Python workers' overhead),
        at most :data:`MEMORY_CAP_FRACTION` of the host. Raised when nodes are
        added (every launch recomputes it).
        """
        workers = sum(n.worker_memory_mb for n in state.nodes) if state else self.memory_cap_mb
        memory = PRIMARY_NODE_MEMORY_MB + SIDECAR_MEMORY_MB + 2 * workers
        return Limits(memory_mb=min(self.memory_cap_mb, memory), max_processes=TENANT_MAX_PROCESSES)

    async def release_group(self, name: str) -> None:
        """Remove a stopped cluster's control group (kept while a process is left in it)."""
        await asyncio.to_thread(self.control_groups().remove, name, _GROUP_SETTLE_SECONDS)

    def sandbox(
        self,
        cluster_id: str,
        work_dir: Path,
        part: Part = Part.DAEMONS,
        *,
        group: str | None = None,
    ) -> Sandbox:
        """The sandbox every process of a cluster starts in.

        It writes only its work dir; it reads the system, Java, Spark, the
        Python environment and the CDS archives (never writes them: an archive
        is code that other clusters' JVMs map).
        """
        policy = self.sandbox_policy()
        uid = self.users.uid_for(cluster_id) if policy.separate_users else None
        readable = (
            *runtime_paths(),
            self.install.spark_home,
            self.install.java_home,
            self.cds_root,
        )
        writable = (work_dir, self._cds().dir) if cluster_id in self._trainers else (work_dir,)
        limits = self.limits(load_state(work_dir) if engine_dir(work_dir).is_dir() else None)
        return Sandbox(
            policy,
            cluster_id,
            writable=writable,
            readable=readable,
            uid=uid,
            home=work_dir,
            identity_dir=engine_dir(work_dir),
            group=self.control_groups().group(group or cluster_id, part, limits),
            max_file_bytes=self.step_max_file_mb * 1024 * 1024 if part is Part.STEPS else None,
        )

    def _conf_dir(self) -> Path:
        """An always-empty SPARK_CONF_DIR shared by all clusters.

        CDS needs it empty, and it is on every JVM's class path, which an
        archive must match: so it lives beside the archives, and engines that
        share archives share it.
        """
        conf = self.cds_root / "empty-spark-conf"
        conf.mkdir(parents=True, exist_ok=True)
        return conf

    def _cds(self, cluster_id: str | None = None) -> CdsArchives:
        trainable = not self.sandbox_policy().enabled or cluster_id in self._trainers
        return CdsArchives(
            self.cds_root, self.install.fingerprint(), enabled=self.cds_enabled, trainable=trainable
        )

    async def train_archives(self) -> list[CdsRole]:
        """Write the CDS archives with a cluster of the platform's own; returns the roles made.

        The cluster (a primary and a core node, the warm-up query, nothing
        else) serves no tenant: no bootstrap action, step or session ever runs
        in it, so what its JVMs dump is only Spark's own classes.
        """
        archives = self._cds()
        if archives.complete():
            return []
        cluster_id = f"cds-training-{secrets.token_hex(4)}"
        self._trainers.add(cluster_id)
        work_dir = self.work_dir(cluster_id)
        spec = ClusterSpec(
            cluster_id=cluster_id,
            account_id="platform",
            release_label="cds-training",
            connect_token=secrets.token_urlsafe(24),
            ui_prefix=f"/_ui/{cluster_id}",
            nodes=[
                NodeSpec("i-training-primary", NodeRole.MASTER, 2, 4096),
                NodeSpec("i-training-core", NodeRole.CORE, 2, 4096),
            ],
        )
        try:
            archives.dir.mkdir(parents=True, exist_ok=True)
            self.sandbox(cluster_id, work_dir).own(archives.dir)
            last = None
            async for checkpoint in self.start(spec):
                last = checkpoint
            if last is None or last.phase is not Phase.WAITING:
                raise EngineError(
                    "Training the CDS archives failed: "
                    + (last.message if last else "the cluster never started")
                )
            await self.stop(cluster_id)
        finally:
            await self.stop(cluster_id)
            self._trainers.discard(cluster_id)
            for path in (archives.dir, *archives.dir.iterdir()):
                os.chown(path, os.getuid(), os.getgid())
            shutil.rmtree(work_dir, ignore_errors=True)
            shutil.rmtree(engine_dir(work_dir), ignore_errors=True)
        missing = [r.value for r in CdsRole if not archives.archive(r).is_file()]
        if missing:
            raise EngineError(
                f"Training wrote no CDS archive for {', '.join(missing)} (see the JVM warnings "
                "in the training cluster's logs: a folder on the class path stops a JVM from "
                "writing one); clusters start without them, more slowly."
            )
        return list(CdsRole)

    async def _template(self) -> LaunchTemplate:
        cache = self.data_dir / "engine" / f"launch-{self.install.fingerprint()}.json"
        return await self.install.launch_template(cache, self._conf_dir())

    def _env(self, cluster_env: Mapping[str, str], **extra: str) -> dict[str, str]:
        env = self.install.base_env(self._conf_dir())
        ours = env.get("PYTHONPATH")
        env.update({k: v for k, v in cluster_env.items() if k not in _ENGINE_ENV})
        if ours and env["PYTHONPATH"] != ours:
            # The cluster's own PYTHONPATH (spark-env) comes after the platform's package.
            env["PYTHONPATH"] = f"{ours}:{env['PYTHONPATH']}"
        env.update(extra)
        return env

    def cluster_env(self, state: ClusterState, **extra: str) -> dict[str, str]:
        """The environment of a cluster's processes, with its Spark RPC secret.

        Spark reads ``_SPARK_AUTH_SECRET`` (and a worker hands it to its
        executors the same way): the secret never appears on a command line.
        """
        return self._env(
            state.env,
            _SPARK_AUTH_SECRET=cluster_secret(state.work_dir),
            HOME=str(state.work_dir),
            **{UI_KEY_ENV: ui_key(state.work_dir)},
            **extra,
        )

    def _running_state(self, cluster_id: str) -> ClusterState:
        state = self._state(cluster_id)
        if state.phase != Phase.WAITING.value:
            raise EngineError(
                f"Cluster {cluster_id} is {state.phase}, not running; wait until it is WAITING."
            )
        return state

    def _state(self, cluster_id: str) -> ClusterState:
        work_dir = self.registry.cluster_dir(cluster_id)
        state = load_state(work_dir) if work_dir is not None else None
        if state is None:
            raise ClusterNotFoundError(
                f"The engine runs no cluster {cluster_id}; start it (or adopt it after a "
                "restart) first."
            )
        return state

    async def _ui_filter(self) -> Path:
        cache = self.cds_root / "ui-filter" / self.install.fingerprint()
        return await compiled_filter(self.install.java, self.install.jars_dir, cache)

    async def _commands(self, state: ClusterState) -> SparkCommands:
        return SparkCommands(
            self.install,
            await self._template(),
            work_dir=state.work_dir,
            ui_prefix=state.ui_prefix,
            user_properties=state.spark_properties,
            ui_filter=await self._ui_filter(),
        )

    # ------------------------------------------------------------------ start

    async def start(self, spec: ClusterSpec) -> AsyncIterator[Checkpoint]:
        """Start a cluster: STARTING, BOOTSTRAPPING, then WAITING or FAILED."""
        try:
            validate_spec(spec)
        except InvalidSpecError as exc:
            yield Checkpoint(Phase.FAILED, str(exc))
            return
        work_dir = self.work_dir(spec.cluster_id)
        previous = load_state(work_dir)
        if (
            previous is not None
            and previous.phase == _CLAIMED
            and previous.cluster_id == spec.cluster_id
        ):
            async for checkpoint in self._hand_off(previous, spec):
                yield checkpoint
            return
        if previous is not None and any(is_running(p) for p in previous.processes):
            yield Checkpoint(
                Phase.FAILED,
                f"Cluster {previous.cluster_id} still runs from {work_dir}; stop it first.",
            )
            return
        launch = _Launch(self, initial_state(spec, work_dir, self.host_budget), spec=spec)
        finished = False
        try:
            launch.prepare()
            yield Checkpoint(Phase.STARTING, "Starting the cluster's processes on this host.")
            count = len(spec.bootstrap_actions)
            yield Checkpoint(Phase.BOOTSTRAPPING, f"Running {count} bootstrap action(s).")
            failure = await launch.bootstrap()
            if failure is not None:
                await launch.abort()
                finished = True
                yield Checkpoint(Phase.FAILED, failure)
                return
            endpoints = await launch.spark()
            finished = True
            yield Checkpoint(Phase.WAITING, launch.ready_message(), endpoints)
        except (EngineError, OSError, httpx.HTTPError) as exc:
            await launch.abort()
            finished = True
            yield Checkpoint(Phase.FAILED, str(exc))
        finally:
            if not finished:  # cancelled, or the consumer stopped listening mid-start
                await launch.abort()

    # ------------------------------------------------------------------ warm pool

    def pool_status(self) -> PoolStatus:
        """The warm pool now (empty without ``--warm-pool``)."""
        return self.pool.status() if self.pool is not None else PoolStatus()

    async def tend_pool(self, template: ClusterSpec | None, free_mb: int, member_mb: int) -> None:
        """Keep the warm pool (see :class:`~clusterport.engines.pool.WarmPool`)."""
        if self.pool is None:
            return
        if not self._pool_swept:
            # Members of an earlier server on this data dir were never handed out: stop them.
            self._pool_swept = True
            for cluster_id in self.registry.clusters():
                if is_pool_id(cluster_id):
                    await self.stop(cluster_id)
        await self.pool.tend(template, free_mb, member_mb)

    async def claim(self, spec: ClusterSpec) -> ClusterIdentity | None:
        """Hand a ready pool member of the spec's shape to ``spec.cluster_id`` (None: cold start).

        The member's records now name the cluster and its nodes (its uid and
        control group stay those it started with) and its keys are made afresh;
        its sidecars start with them in :meth:`start`.
        """
        if self.pool is None:
            return None
        member = await self.pool.take(spec)
        if member is None:
            return None
        work_dir = self.work_dir(member.cluster_id)
        async with cluster_lock(work_dir):
            state = load_state(work_dir)
            if state is None or not _all_running(state):
                await self._stop_member(member.cluster_id)
                return None
            state = _handed_over(state, spec)
            # Fresh keys: whatever the member held before belonged to no one and is not kept.
            remove_keys(work_dir)
            create_keys(work_dir)
            self._access.forget(member.cluster_id)
            save_state(state)
            self.registry.add_member(spec.cluster_id, member.cluster_id)
            self._parked[spec.cluster_id] = self._parked.pop(member.cluster_id, {})
            self.registry.add_cluster(spec.cluster_id, work_dir)
            self.registry.remove_cluster(member.cluster_id)
        _log.info("%s: taken from the warm pool (%s)", spec.cluster_id, member.cluster_id)
        return ClusterIdentity(ui_prefix=state.ui_prefix, connect_token=member.connect_token)

    async def _hand_off(self, state: ClusterState, spec: ClusterSpec) -> AsyncIterator[Checkpoint]:
        """A claimed member's last steps: its sidecars start with the new owner's keys."""
        finished = False
        try:
            yield Checkpoint(
                Phase.STARTING, "Handing a pre-started cluster of the warm pool to the account."
            )
            yield Checkpoint(Phase.BOOTSTRAPPING, "No bootstrap action to run.")
            async with cluster_lock(state.work_dir):
                launch = await _Launch.resume(self, state, connect_token=spec.connect_token)
                launch.spec = spec
                # The keys made at the claim become the member's own (its uid reads them).
                launch.sandbox_for_cluster().own(state.work_dir)
                parked = self._parked.pop(spec.cluster_id, {})
                try:
                    await _run_all(
                        *(
                            launch.start_sidecar(s, parked=parked.pop(s.name, None))
                            for s in spec.sidecars
                        )
                    )
                finally:
                    # Also any parked process no pipe of ours reaches: one this server did
                    # not start (the claim was made by a server that ended before the hand-off).
                    await launch.unpark(parked.values(), every=True)
                launch.state = dataclasses.replace(launch.state, phase=Phase.WAITING.value)
                save_state(launch.state)
            finished = True
            yield Checkpoint(
                Phase.WAITING,
                "Cluster ready: Spark answered through Spark Connect (from the warm pool).",
                launch.state.endpoints(),
            )
        except (EngineError, OSError, httpx.HTTPError) as exc:
            await self.stop(spec.cluster_id)
            finished = True
            yield Checkpoint(Phase.FAILED, str(exc))
        finally:
            if not finished:
                await self.stop(spec.cluster_id)

    async def _park_sidecars(self, spec: ClusterSpec) -> None:
        """Start a parked process for each of the member's Python sidecars (see :mod:`.parked`).

        Any other sidecar starts at the hand-off, as on a cold start.
        """
        work_dir = self.work_dir(spec.cluster_id)
        async with cluster_lock(work_dir):
            state = self._running_state(spec.cluster_id)
            launch = await _Launch.resume(self, state, connect_token=spec.connect_token)
            parked = self._parked.setdefault(spec.cluster_id, {})
            for sidecar in spec.sidecars:
                one = launch.park(sidecar)
                if one is not None:
                    parked[sidecar.name] = one

    async def _stop_member(self, member_id: str) -> None:
        await self.stop(member_id)
        work_dir = self.data_dir / "clusters" / member_id
        shutil.rmtree(engine_dir(work_dir), ignore_errors=True)
        shutil.rmtree(work_dir, ignore_errors=True)

    # ------------------------------------------------------------------ stop

    async def _stop_records(self, records: Sequence[ProcessRecord]) -> None:
        """Stop a cluster's processes: all signalled together, killed after ``driver_grace``.

        Every process group (each a sandbox whose PID namespace holds everything
        started inside) gets SIGTERM at the same moment; a driver uses the grace
        to end its applications and close their event logs for the history
        server; whatever still runs after it is killed with its whole group.

        Only a cluster that trains CDS archives stops in order, with time to
        write them: a worker must not kill its executors while they write
        theirs (a worker gives an executor 10 s once the master drops the
        application). So the master stops first (workers keep their executors
        when the master goes), then the driver, whose executors then exit on
        their own and write their archives; only then the workers and the rest.
        """
        owners = self._cds().training_owners()
        if not any((r.pid, r.start_ticks) in owners for r in records):
            await terminate(records, grace=self.driver_grace)
            return
        grace = max(self.stop_grace, self.training_grace)
        masters = [r for r in records if r.role == _MASTER_ROLE]
        workers = [r for r in records if r.role.startswith("worker:")]
        drivers = [r for r in records if r not in masters and r not in workers]
        drivers = [r for r in drivers if r.role != _HISTORY_ROLE]
        await terminate(masters, grace=grace)
        await terminate(drivers, grace=grace)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while loop.time() < deadline and any(
            _runs_executor(pid) for w in workers if is_running(w) for pid in group_members(w.pid)
        ):
            await asyncio.sleep(0.2)
        await terminate([r for r in records if r not in masters and r not in drivers], grace=grace)

    async def stop(self, cluster_id: str) -> None:
        """Stop every process of the cluster: SIGTERM together, SIGKILL after ``driver_grace`` s."""
        for parked in self._parked.pop(cluster_id, {}).values():
            parked.close()
        work_dir = self.registry.cluster_dir(cluster_id)
        if work_dir is None:
            return
        async with cluster_lock(work_dir):
            state = load_state(work_dir)
            records = [*(state.processes if state else ()), *running_steps(work_dir)]
            await self._stop_records(records)
            if state is not None:
                save_state(dataclasses.replace(state, phase="STOPPED", processes=[]))
            self.registry.remove_cluster(cluster_id)
        await self.release_group(state.sandbox_name if state else cluster_id)
        self._cds().promote()

    async def stop_all(self) -> list[str]:
        """Stop every cluster and history server started under the engine's data dir."""
        registry = self.registry
        stopped = []
        for cluster_id, work_dir in registry.clusters().items():
            async with cluster_lock(work_dir):
                state = load_state(work_dir)
                records = [*(state.processes if state else ()), *running_steps(work_dir)]
                await self._stop_records(records)
                if state is not None:
                    save_state(dataclasses.replace(state, phase="STOPPED", processes=[]))
                registry.remove_cluster(cluster_id)
            await self.release_group(state.sandbox_name if state else cluster_id)
            stopped.append(cluster_id)
        for cluster_id, record in registry.histories().items():
            await terminate([record], grace=self.stop_grace)
            registry.remove_history(cluster_id)
            await self.release_group(_history_group(cluster_id))
            stopped.append(f"{cluster_id} history server")
        self._cds().promote()
        return stopped

    # ------------------------------------------------------------------ observe

    async def observe(self, cluster_id: str) -> ClusterHealth:
        """Liveness of every process, and how busy Spark is."""
        state = self._state(cluster_id)
        current = boot_id()
        processes = []
        for record in state.processes:
            if record.role.startswith("bootstrap:"):
                continue
            alive = is_running(record, current)
            if not alive:
                reap(record.pid)
            processes.append(
                ProcessHealth(
                    record.role, str(record.pid), alive, record.instance_id, log=record.log_path
                )
            )
        dead = sorted({p.instance_id for p in processes if not p.alive and p.instance_id})
        alive_roles = {p.role for p in processes if p.alive}
        alive_workers: int | None = None
        active_apps: list[str] = []
        app_times = []
        connect_app = None
        active_jobs = sessions = requests = 0
        last_activity = None
        async with http_client(ui_headers(state.work_dir)) as client:
            if _MASTER_ROLE in alive_roles:
                try:
                    view = await master_view(client, state.ports.get("master_ui", 0))
                    alive_workers = len(view.alive_worker_ports)
                    active_apps = [a.app_id for a in view.active_apps]
                    app_times = [a.started_at for a in view.active_apps] + [
                        a.ended_at for a in view.completed_apps if a.ended_at is not None
                    ]
                except (httpx.HTTPError, ValueError):
                    alive_workers = None
            if _CONNECT_ROLE in alive_roles:
                try:
                    activity = await driver_activity(client, state.ports.get("app_ui", 0))
                except (httpx.HTTPError, ValueError):
                    activity = None
                if activity is not None:
                    connect_app = activity.app_id
                    active_jobs = activity.active_jobs
                    sessions = activity.online_sessions
                    requests = activity.running_requests
                    last_activity = activity.last_activity
        sidecars = await sidecar_activity(
            state.work_dir,
            {
                name: local_endpoint(port)
                for name, port in state.sidecar_ports.items()
                if f"sidecar:{name}" in alive_roles
            },
            state.sidecar_activity,
        )
        proxied = [a.connect_sessions for a in sidecars if a.connect_sessions is not None]
        if proxied:
            # Users reach the Connect server through the proxy: a session is online when
            # both say so. Spark's tab alone keeps a released session for good when its
            # release aborts (an executor leaving at that moment); the proxy alone keeps a
            # session whose client vanished after Spark's own timeout ended it.
            sessions = min(sessions, sum(proxied))
        other_apps = [a for a in active_apps if a != connect_app]
        used = [a.last_activity for a in sidecars]
        times = [t for t in (last_activity, *app_times, *used) if t is not None]
        return ClusterHealth(
            cluster_id=cluster_id,
            processes=processes,
            dead_instance_ids=dead,
            alive_workers=alive_workers,
            running_applications=len(other_apps),
            active_jobs=active_jobs,
            active_sessions=sessions,
            busy=bool(
                other_apps or active_jobs or sessions or requests or any(a.busy for a in sidecars)
            ),
            last_activity=max(times) if times else None,
            observed_at=now_utc(),
        )

    # ------------------------------------------------------------------ resize

    async def add_nodes(self, cluster_id: str, nodes: Sequence[NodeSpec]) -> ClusterEndpoints:
        """Start a worker per new node; returns once the master lists them ALIVE."""
        work_dir = self._state(cluster_id).work_dir
        async with cluster_lock(work_dir):
            state = self._running_state(cluster_id)
            known = {n.spec.instance_id for n in state.nodes}
            for node in nodes:
                if node.role is NodeRole.MASTER:
                    raise InvalidSpecError("A cluster cannot gain a second MASTER node.")
                if node.instance_id in known:
                    raise InvalidSpecError(f"Node {node.instance_id} is already in the cluster.")
            new = [NodeState(n, *dataclasses.astuple(state.scaling.size(n))) for n in nodes]
            state = dataclasses.replace(state, nodes=[*state.nodes, *new])
            save_state(state)
            launch = await _Launch.resume(self, state)
            await launch.start_workers(new)
            return launch.state.endpoints()

    async def remove_nodes(self, cluster_id: str, instance_ids: Sequence[str]) -> ClusterEndpoints:
        """Stop the workers of the given nodes; returns once the master no longer lists them."""
        work_dir = self._state(cluster_id).work_dir
        async with cluster_lock(work_dir):
            state = self._running_state(cluster_id)
            by_id = {n.spec.instance_id: n for n in state.nodes}
            for instance_id in instance_ids:
                node = by_id.get(instance_id)
                if node is None:
                    raise NodeNotFoundError(f"Cluster {cluster_id} has no node {instance_id}.")
                if node.spec.role is NodeRole.MASTER:
                    raise InvalidSpecError("The primary node cannot be removed from a cluster.")
            roles = [_worker_role(i) for i in instance_ids]
            records = [p for p in state.processes if p.role in roles]
            await terminate(records, grace=self.stop_grace)
            master = state.process(_MASTER_ROLE)
            if master is not None and is_running(master):
                await wait_workers(
                    state.ports["master_ui"],
                    absent=[r.ports["rpc"] for r in records],
                    watched=[master],
                    timeout=self.start_timeout,
                    headers=ui_headers(work_dir),
                )
            state = dataclasses.replace(
                state.without_processes(roles),
                nodes=[n for n in state.nodes if n.spec.instance_id not in instance_ids],
            )
            save_state(state)
            return state.endpoints()

    async def replace_node(self, cluster_id: str, instance_id: str) -> ClusterEndpoints:
        """Restart a core/task node's worker (stopping what is left of the old one)."""
        work_dir = self._state(cluster_id).work_dir
        async with cluster_lock(work_dir):
            state = self._running_state(cluster_id)
            node = next((n for n in state.nodes if n.spec.instance_id == instance_id), None)
            if node is None:
                raise NodeNotFoundError(f"Cluster {cluster_id} has no node {instance_id}.")
            old = state.process(_worker_role(instance_id))
            if old is None:
                raise EngineError(
                    f"Node {instance_id} runs no worker (the primary node cannot be "
                    "replaced: a cluster whose master died must be recreated)."
                )
            await terminate([old], grace=self.stop_grace)
            state = state.without_processes([old.role])
            save_state(state)
            launch = await _Launch.resume(self, state)
            await launch.start_workers([node])
            return launch.state.endpoints()

    async def restart_sidecar(
        self, cluster_id: str, sidecar: SidecarSpec, connect_token: str
    ) -> ClusterEndpoints:
        """Start a sidecar of a running cluster again (stopping what is left of the old one)."""
        work_dir = self._state(cluster_id).work_dir
        async with cluster_lock(work_dir):
            state = self._running_state(cluster_id)
            role = f"sidecar:{sidecar.name}"
            old = state.process(role)
            if old is not None:
                await terminate([old], grace=self.stop_grace)
                state = state.without_processes([role])
                save_state(state)
            launch = await _Launch.resume(self, state, connect_token=connect_token)
            await launch.start_sidecar(sidecar, port=state.sidecar_ports.get(sidecar.name))
            return launch.state.endpoints()

    # ------------------------------------------------------------------ steps

    async def _step_runner(self, state: ClusterState) -> StepRunner:
        return StepRunner(
            self.install,
            sandbox=self.sandbox(state.sandbox_name, state.work_dir, Part.STEPS),
            work_dir=state.work_dir,
            spark_conf_dir=state.work_dir / "conf" / "steps",
            env=self.cluster_env(state),
            file_roots=file_roots(self.data_dir),
        )

    async def run_step(self, cluster_id: str, step: StepSpec) -> StepResult:
        """Run one step on the cluster to its end."""
        state = self._state(cluster_id)
        return await (await self._step_runner(state)).run(step)

    async def cancel_step(self, cluster_id: str, step_id: str) -> bool:
        """Cancel a running step; False when it was not running."""
        state = self._state(cluster_id)
        return await cancel_step_process(state.work_dir, step_id)

    async def wait_step(self, cluster_id: str, step_id: str) -> StepResult | None:
        """How a step an earlier control plane started ended, once its process has."""
        return await wait_for_step(self._state(cluster_id).work_dir, step_id)

    # ------------------------------------------------------------------ adopt

    async def access(self, cluster_id: str) -> ClusterAccess:
        """The cluster's keys, kept in its work dir (they outlive the cluster).

        They are read once per cluster: a cluster's keys are made when it starts
        and never change (a pool member's are made afresh at its claim, under the
        new cluster's id); every Livy and Spark UI request asks for them.
        """
        kept = self._access.get(cluster_id)
        if kept is not None:
            return kept
        try:
            access = cluster_access(self.work_dir(cluster_id))
        except OSError as exc:
            raise ClusterNotFoundError(
                f"Cluster {cluster_id} was never started by this engine (it has no keys)."
            ) from exc
        self._access.put(cluster_id, access)
        return access

    async def revoke_session(self, cluster_id: str, session_id: str) -> None:
        """List the session as revoked for the cluster's connect proxy."""
        revoke(self.work_dir(cluster_id), session_id)

    async def adopt(self, cluster_id: str) -> ClusterEndpoints | None:
        """Re-attach to a cluster whose master and driver still run (checked by start time)."""
        work_dir = self.work_dir(cluster_id)
        if not work_dir.is_dir():
            return None
        async with cluster_lock(work_dir):
            state = load_state(work_dir)
            if state is None or state.cluster_id != cluster_id:
                return None
            current = boot_id()
            primary = [state.process(_MASTER_ROLE), state.process(_CONNECT_ROLE)]
            if state.phase == Phase.WAITING.value and all(
                p is not None and is_running(p, current) for p in primary
            ):
                self.registry.add_cluster(cluster_id, work_dir)
                return state.endpoints()
            await self._stop_records([*state.processes, *running_steps(work_dir)])
            save_state(dataclasses.replace(state, phase="STOPPED", processes=[]))
            self.registry.remove_cluster(cluster_id)
            return None

    # ------------------------------------------------------------------ history server

    async def start_history_server(self, cluster_id: str, *, link_prefix: str = "") -> Endpoint:
        """A history server over the cluster's event logs that outlives the cluster."""
        work_dir = self.work_dir(cluster_id)
        existing = self.registry.history(cluster_id)
        if existing is not None and is_running(existing):
            return local_endpoint(existing.ports["ui"])
        if not (work_dir / "eventlog").is_dir():
            raise ClusterNotFoundError(
                f"No event logs under {work_dir}; the cluster never ran an application."
            )
        state = load_state(work_dir)
        commands = SparkCommands(
            self.install,
            await self._template(),
            work_dir=work_dir,
            ui_prefix=state.ui_prefix if state else "",
            user_properties={},
            ui_filter=await self._ui_filter(),
        )
        cds = self._cds()
        choice = cds.choose(CdsRole.HISTORY)

        def on_spawn(record: ProcessRecord) -> None:
            self.registry.add_history(cluster_id, record, work_dir)
            cds.bind(choice, [record])

        record = await _spawn_server(
            role=_HISTORY_ROLE,
            port_names=("ui",),
            ready="ui",
            build=lambda ports: commands.history(
                ui_port=ports["ui"], link_prefix=link_prefix, cds=choice.options
            ),
            env=self._env(state.env if state else {}, **{UI_KEY_ENV: ui_key(work_dir)}),
            cwd=work_dir / "run" / "persistent-history",
            log_path=work_dir / "logs" / "persistent-history.log",
            sandbox=self.sandbox(
                state.sandbox_name if state else cluster_id,
                work_dir,
                group=_history_group(cluster_id),
            ),
            timeout=self.start_timeout,
            on_spawn=on_spawn,
        )
        return local_endpoint(record.ports["ui"])

    async def history_served(self, cluster_id: str) -> bool:
        """True while the cluster's own or its persistent history server process runs."""
        persistent = self.registry.history(cluster_id)
        if persistent is not None and is_running(persistent):
            return True
        work_dir = self.registry.cluster_dir(cluster_id)
        state = load_state(work_dir) if work_dir is not None else None
        return state is not None and any(
            p.role == _HISTORY_ROLE and is_running(p) for p in state.processes
        )

    async def stop_history_server(self, cluster_id: str) -> None:
        """Stop the persistent history server of a cluster; idempotent."""
        record = self.registry.history(cluster_id)
        if record is None:
            return
        await terminate([record], grace=self.stop_grace)
        self.registry.remove_history(cluster_id)
        await self.release_group(_history_group(cluster_id))
        self._cds().promote()


def _history_group(cluster_id: str) -> str:
    """The control group of a cluster's persistent history server (it outlives the cluster)."""
    return f"{cluster_id}.history"


async def _spawn_server(
    *,
    role: str,
    port_names: Sequence[str],
    ready: str,
    build: Callable[[dict[str, int]], list[str]],
    env: Mapping[str, str],
    cwd: Path,
    log_path: Path,
    sandbox: Sandbox,
    timeout: float,
    on_spawn: Callable[[ProcessRecord], object],
    on_exit: Callable[[ProcessRecord], object] | None = None,
    instance_id: str | None = None,
) -> ProcessRecord:
    """Spawn a server on fresh ports and wait for ``ready``; retry if a port was taken."""
    for attempt in range(1, _PORT_ATTEMPTS + 1):
        ports = dict(zip(port_names, free_ports(len(port_names)), strict=True))
        record = spawn(
            build(ports),
            role=role,
            env=env,
            cwd=cwd,
            log_path=log_path,
            sandbox=sandbox,
            ports=ports,
            instance_id=instance_id,
        )
        on_spawn(record)
        try:
            await wait_for_port(record, ports[ready], timeout=timeout)
        except ProcessExitedError as exc:
            if on_exit is not None:
                on_exit(record)
            if attempt < _PORT_ATTEMPTS and any(s in exc.log_tail for s in _PORT_CLASH):
                continue
            raise
        return record
    raise EngineError(f"Could not find free ports for the {role} process.")  # pragma: no cover


def initial_state(spec: ClusterSpec, work_dir: Path, budget: HostBudget) -> ClusterState:
    """The state of a cluster about to start: its nodes sized to the host budget."""
    master = next(n for n in spec.nodes if n.role is NodeRole.MASTER)
    workers = [n for n in spec.nodes if n.role is not NodeRole.MASTER]
    if workers:
        scaling = budget.scaling(workers)
        nodes = [NodeState(master, 0, 0)] + [
            NodeState(n, *dataclasses.astuple(scaling.size(n))) for n in workers
        ]
    else:  # single-node cluster: the primary node also runs the (one) worker
        scaling = budget.scaling([dataclasses.replace(master, role=NodeRole.CORE)])
        nodes = [NodeState(master, *dataclasses.astuple(scaling.size(master)))]
    return ClusterState(
        cluster_id=spec.cluster_id,
        account_id=spec.account_id,
        work_dir=work_dir,
        release_label=spec.release_label,
        ui_prefix=spec.ui_prefix,
        phase=Phase.STARTING.value,
        nodes=nodes,
        spark_properties=dict(spec.spark_properties),
        env=dict(spec.env),
        scaling=scaling,
    )


#: The phase of a pool member handed to a cluster whose sidecars have not started yet.
_CLAIMED = "CLAIMED"
#: The role of a pool member's parked sidecar: this, then the sidecar's name.
_PARKED_ROLE = "parked:"


@dataclasses.dataclass
class _Parked:
    """A sidecar parked in a pool member: its module imported, waiting on a pipe we hold."""

    name: str
    module: str
    env: Mapping[str, str]
    fd: int | None

    @property
    def role(self) -> str:
        """Its role in the cluster's records while parked."""
        return f"{_PARKED_ROLE}{self.name}"

    def runs(self, argv: Sequence[str], env: Mapping[str, str]) -> bool:
        """True when it can run ``argv`` (its module, the environment it was parked with)."""
        return self.fd is not None and entry_module(argv) == self.module and dict(env) == self.env

    def go(self, argv: Sequence[str]) -> None:
        """Hand it its command line (the interpreter left out); it runs at once."""
        assert self.fd is not None
        line = json.dumps(list(argv[1:])) + "\n"
        try:
            os.write(self.fd, line.encode())
        finally:
            self.close()

    def close(self) -> None:
        """End its input: unless it was told what to run, it exits."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


def _all_running(state: ClusterState) -> bool:
    current = boot_id()
    return state.phase == Phase.WAITING.value and all(
        is_running(p, current) for p in state.processes
    )


def _handed_over(state: ClusterState, spec: ClusterSpec) -> ClusterState:
    """A pool member's state renamed for the cluster it now is: its id, account and nodes."""
    renamed: dict[str, NodeSpec] = {}
    for role in NodeRole:
        mine = [n.spec for n in state.nodes if n.spec.role is role]
        theirs = [n for n in spec.nodes if n.role is role]
        renamed.update({old.instance_id: new for old, new in zip(mine, theirs, strict=True)})

    def new_id(instance_id: str | None) -> str | None:
        return renamed[instance_id].instance_id if instance_id in renamed else instance_id

    def new_role(role: str) -> str:
        kind, _, instance_id = role.partition(":")
        return _worker_role(renamed[instance_id].instance_id) if kind == "worker" else role

    return dataclasses.replace(
        state,
        cluster_id=spec.cluster_id,
        account_id=spec.account_id,
        started_as=state.sandbox_name,
        phase=_CLAIMED,
        nodes=[dataclasses.replace(n, spec=renamed[n.spec.instance_id]) for n in state.nodes],
        processes=[
            dataclasses.replace(p, role=new_role(p.role), instance_id=new_id(p.instance_id))
            for p in state.processes
        ],
    )


class _PoolHost:
    """What the warm pool needs of the local engine: members are clusters like any other."""

    def __init__(self, engine: LocalSparkEngine) -> None:
        self.engine = engine

    def member_spec(self, template: ClusterSpec, member_id: str) -> ClusterSpec:
        nodes = []
        for index, node in enumerate(template.nodes):
            role = node.role.value.lower()
            suffix = "primary" if node.role is NodeRole.MASTER else f"{role}-{index}"
            nodes.append(dataclasses.replace(node, instance_id=f"{member_id}-{suffix}"))
        return ClusterSpec(
            cluster_id=member_id,
            account_id="",
            release_label=template.release_label,
            connect_token=secrets.token_urlsafe(32),
            ui_prefix=f"/_ui/{member_id}",
            nodes=nodes,
            sidecars=template.sidecars,
        )

    async def start_member(self, spec: ClusterSpec) -> bool:
        """Start the member to WAITING, then park the sidecars its template names."""
        last = None
        async for checkpoint in self.engine.start(dataclasses.replace(spec, sidecars=[])):
            last = checkpoint
        if last is None or last.phase is not Phase.WAITING:
            if last is not None:
                _log.warning("a warm pool member could not start: %s", last.message)
            return False
        try:
            await self.engine._park_sidecars(spec)
            # The control plane observes a cluster from its hand-off on: the UI pages that
            # reads are rendered once now, not beside the user's first query.
            await self.engine.observe(spec.cluster_id)
        except (EngineError, OSError) as exc:
            _log.warning("a warm pool member could not park its sidecars: %s", exc)
            await self.engine._stop_member(spec.cluster_id)
            return False
        return True

    def member_alive(self, member_id: str) -> bool:
        work_dir = self.engine.registry.cluster_dir(member_id)
        state = load_state(work_dir) if work_dir is not None else None
        return state is not None and _all_running(state)

    async def stop_member(self, member_id: str) -> None:
        await self.engine._stop_member(member_id)


class _Launch:
    """One cluster being started (or grown): its state, kept on disk after every change.

    ``spec`` is None when growing a running cluster (only workers start then).
    """

    def __init__(
        self,
        engine: LocalSparkEngine,
        state: ClusterState,
        *,
        spec: ClusterSpec | None = None,
        commands: SparkCommands | None = None,
    ) -> None:
        self.engine = engine
        self.state = state
        self.spec = spec
        self.token = spec.connect_token if spec else ""
        self.master_id = next(
            n.spec.instance_id for n in state.nodes if n.spec.role is NodeRole.MASTER
        )
        self.cds = engine._cds(state.cluster_id)
        self.commands = commands
        #: Whether the Connect server asks for an executor at its start (it does unless
        #: the cluster's configuration lets it keep none).
        self.connect_executor = True

    @classmethod
    async def resume(
        cls, engine: LocalSparkEngine, state: ClusterState, *, connect_token: str = ""
    ) -> _Launch:
        """A launch object for changing a running cluster (workers, sidecars)."""
        launch = cls(engine, state, commands=await engine._commands(state))
        launch.token = connect_token
        return launch

    # -- bookkeeping

    def _remember(self, record: ProcessRecord) -> None:
        self.state = self.state.with_process(record)
        save_state(self.state)

    def _forget(self, record: ProcessRecord) -> None:
        self.state = self.state.without_processes([record.role])
        save_state(self.state)

    def sandbox_for_cluster(self) -> Sandbox:
        """The sandbox this cluster's processes start in."""
        return self.engine.sandbox(self.state.sandbox_name, self.state.work_dir)

    def prepare(self) -> None:
        """Create the cluster's folders (its own, 0700), write its first state, register it."""
        work_dir = self.state.work_dir
        for sub in ("logs", "eventlog", "conf/steps", "run", "tmp", "nodes", "warehouse"):
            (work_dir / sub).mkdir(parents=True, exist_ok=True)
        work_dir.chmod(0o700)
        save_state(self.state)
        cluster_secret(work_dir)
        create_keys(work_dir)
        self.engine.registry.add_cluster(self.state.cluster_id, work_dir)
        self.sandbox_for_cluster().own(work_dir)

    async def abort(self) -> None:
        """Stop whatever this launch started and mark the cluster FAILED."""
        records = [*self.state.processes, *running_steps(self.state.work_dir)]
        await terminate(records, grace=self.engine.driver_grace)
        self.state = dataclasses.replace(self.state, phase=Phase.FAILED.value, processes=[])
        save_state(self.state)
        self.engine.registry.remove_cluster(self.state.cluster_id)
        await self.engine.release_group(self.state.sandbox_name)

    # -- phases

    async def bootstrap(self) -> str | None:
        """Run the bootstrap actions; returns the failure message, or None."""
        assert self.spec is not None
        outcome = await run_bootstrap_actions(
            self.spec.bootstrap_actions,
            work_dir=self.state.work_dir,
            env=self.engine.cluster_env(self.state),
            timeout=self.engine.bootstrap_timeout,
            sandbox=self.engine.sandbox(self.state.sandbox_name, self.state.work_dir, Part.STEPS),
            roots=file_roots(self.engine.data_dir),
        )
        for daemon in outcome.daemons:
            self._remember(daemon)
        return outcome.failure.message if outcome.failure else None

    async def spark(self) -> ClusterEndpoints:
        """Start Spark, check it answers, start the history server and sidecars."""
        engine = self.engine
        assert self.spec is not None
        began = time.monotonic()
        cluster_id = self.state.cluster_id

        def progress(what: str) -> None:
            _log.info("%s: %s after %.1f s", cluster_id, what, time.monotonic() - began)

        self.cds.promote()
        self.commands = await engine._commands(self.state)
        # The history server needs neither the master nor Spark's answer: it starts on
        # the core the master's start leaves idle.
        await _run_all(self._start_master(), self._start_history())
        progress("master ALIVE, history server up")
        workers = [n for n in self.state.nodes if n.worker_cores > 0]
        executor_choice = self.cds.choose(CdsRole.EXECUTOR, train_name="{{APP_ID}}-{{EXECUTOR_ID}}")
        try:
            await _run_all(
                self.start_workers(workers, wait=False), self._start_driver(executor_choice)
            )
            owners = [p for p in self.state.processes if p.role.startswith(("worker:", "connect"))]
            self.cds.bind(executor_choice, owners)
        except BaseException:
            self.cds.release(executor_choice)
            raise
        progress("Connect server listening")
        await wait_connect_ready(
            self.state.ports["master_ui"],
            workers=[p.ports["rpc"] for p in self.state.processes if p.role.startswith("worker:")],
            executor=self.connect_executor,
            watched=[p for p in self.state.processes if p.role.startswith(_SPARK_ROLES)],
            timeout=engine.start_timeout,
            headers=ui_headers(self.state.work_dir),
        )
        progress("workers registered, Connect server's executor granted")
        if self.warms_up:
            await self._warmup()
            progress("warm-up query answered")
        await _run_all(*(self.start_sidecar(s) for s in self.spec.sidecars))
        progress("sidecars listening")
        self.state = dataclasses.replace(self.state, phase=Phase.WAITING.value)
        save_state(self.state)
        return self.state.endpoints()

    def ready_message(self) -> str:
        """What a started cluster's WAITING says it proved."""
        if self.warms_up:
            return "Cluster ready: Spark answered through Spark Connect."
        workers = sum(1 for p in self.state.processes if p.role.startswith("worker:"))
        executor = "; its first executor is starting on a worker" if self.connect_executor else ""
        return (
            f"Cluster ready: the Spark master, {workers} worker(s) and the Spark Connect "
            f"server are up{executor}."
        )

    @property
    def warms_up(self) -> bool:
        """Whether the cluster answers a query before it is ready.

        A pool member does (its first user then finds a warm driver and
        executor), and so does a cluster training CDS archives (the archives then
        hold the classes of that query). No one waits for either. A cluster a user
        waits for does not: its executor starts while the user's client starts,
        and the first query pays the executor's cold start instead of the user
        paying a warm-up query and then a client's start one after the other.
        """
        cluster_id = self.state.cluster_id
        return is_pool_id(cluster_id) or cluster_id in self.engine._trainers

    async def _server(
        self,
        *,
        role: str,
        cds_role: CdsRole,
        port_names: Sequence[str],
        ready: str,
        build: Callable[[dict[str, int], Sequence[str]], list[str]],
        env: Mapping[str, str],
        instance_id: str | None,
    ) -> ProcessRecord:
        choice: ArchiveChoice = self.cds.choose(cds_role)
        work_dir = self.state.work_dir
        safe = role.replace(":", "-")

        def on_spawn(record: ProcessRecord) -> None:
            self._remember(record)
            self.cds.bind(choice, [record])

        try:
            return await _spawn_server(
                role=role,
                port_names=port_names,
                ready=ready,
                build=lambda ports: build(ports, choice.options),
                env=env,
                cwd=work_dir / "run" / safe,
                log_path=work_dir / "logs" / f"{safe}.log",
                sandbox=self.sandbox_for_cluster(),
                timeout=self.engine.start_timeout,
                on_spawn=on_spawn,
                on_exit=self._forget,
                instance_id=instance_id,
            )
        except BaseException:
            if choice.claim is not None and self.state.process(role) is None:
                self.cds.release(choice)
            raise

    async def _start_master(self) -> None:
        assert self.commands is not None
        commands = self.commands
        record = await self._server(
            role=_MASTER_ROLE,
            cds_role=CdsRole.MASTER,
            port_names=("rpc", "ui"),
            ready="ui",
            build=lambda p, cds: commands.master(port=p["rpc"], ui_port=p["ui"], cds=cds),
            env=self.engine.cluster_env(self.state),
            instance_id=self.master_id,
        )
        self.state = dataclasses.replace(
            self.state,
            ports={
                **self.state.ports,
                "master": record.ports["rpc"],
                "master_ui": record.ports["ui"],
            },
        )
        save_state(self.state)
        await wait_master_alive(
            record,
            record.ports["ui"],
            timeout=self.engine.start_timeout,
            headers=ui_headers(self.state.work_dir),
        )

    async def start_workers(self, nodes: Sequence[NodeState], *, wait: bool = True) -> None:
        """Start one worker per node; with ``wait``, until the master lists them ALIVE."""
        records = await _run_all(*(self._start_worker(n) for n in nodes))
        if wait:
            master = self.state.process(_MASTER_ROLE)
            await wait_workers(
                self.state.ports["master_ui"],
                present=[r.ports["rpc"] for r in records],
                watched=[*records, *([master] if master else [])],
                timeout=self.engine.start_timeout,
                headers=ui_headers(self.state.work_dir),
            )

    async def _start_worker(self, node: NodeState) -> ProcessRecord:
        assert self.commands is not None
        commands = self.commands
        instance_id = node.spec.instance_id
        node_dir = self.state.work_dir / "nodes" / instance_id
        (node_dir / "work").mkdir(parents=True, exist_ok=True)
        (node_dir / "local").mkdir(parents=True, exist_ok=True)
        self.sandbox_for_cluster().own(node_dir)
        master_url = self.state.master_url
        return await self._server(
            role=_worker_role(instance_id),
            cds_role=CdsRole.WORKER,
            port_names=("rpc", "ui"),
            ready="rpc",
            build=lambda p, cds: commands.worker(
                master_url=master_url,
                port=p["rpc"],
                ui_port=p["ui"],
                cores=node.worker_cores,
                memory_mb=node.worker_memory_mb,
                work_dir=node_dir / "work",
                cds=cds,
            ),
            env=self.engine.cluster_env(self.state, SPARK_LOCAL_DIRS=str(node_dir / "local")),
            instance_id=instance_id,
        )

    def _executor_sizing(self) -> ExecutorSizing:
        sizes = [(n.worker_cores, n.worker_memory_mb) for n in self.state.nodes if n.worker_cores]
        return ExecutorSizing.for_workers(sizes)

    async def _start_driver(self, executor_choice: ArchiveChoice) -> None:
        assert self.commands is not None
        commands = self.commands
        work_dir = self.state.work_dir
        sizing = self._executor_sizing()
        master_url = self.state.master_url
        executor_use_only = self.cds.choose(CdsRole.EXECUTOR, train=False)
        # A driver outside YARN takes the RPC secret only from its configuration
        # (never the command line): these files are 0600 and the cluster's own.
        secret = {"spark.authenticate.secret": cluster_secret(work_dir)}
        sandbox = self.sandbox_for_cluster()
        steps_defaults = work_dir / "conf" / "steps" / "spark-defaults.conf"
        write_properties(
            steps_defaults,
            {
                **commands.application_defaults(
                    master_url=master_url, executor=sizing, executor_cds=executor_use_only.options
                ),
                **secret,
            },
        )
        sandbox.own(steps_defaults)
        ui_ports: dict[str, int] = {}

        def build(ports: dict[str, int], cds: Sequence[str]) -> list[str]:
            props = commands.connect_properties(
                master_url=master_url,
                connect_port=ports["connect"],
                ui_port=ports["ui"],
                # A pool member's driver is named for no one: it may serve any account.
                cluster_id="" if is_pool_id(self.state.cluster_id) else self.state.cluster_id,
                executor=sizing,
                executor_cds=executor_choice.options,
            )
            self.connect_executor = keeps_executor(props)
            properties_file = work_dir / "conf" / "connect.properties"
            write_properties(properties_file, {**props, **secret})
            sandbox.own(properties_file)
            ui_ports.update(ports)
            return commands.driver(
                properties_file=properties_file,
                app_name=props["spark.app.name"],
                cds=cds,
            )

        env = commands.driver_env(
            self.engine.cluster_env(self.state, SPARK_CONNECT_AUTHENTICATE_TOKEN=self.token)
        )
        record = await self._server(
            role=_CONNECT_ROLE,
            cds_role=CdsRole.DRIVER,
            port_names=("connect", "ui"),
            ready="connect",
            build=build,
            env=env,
            instance_id=self.master_id,
        )
        self.state = dataclasses.replace(
            self.state,
            ports={
                **self.state.ports,
                "connect": record.ports["connect"],
                "app_ui": record.ports["ui"],
            },
        )
        save_state(self.state)

    async def _warmup(self) -> None:
        """Run the warm-up query through Spark Connect, as a fresh client would."""
        log = self.state.work_dir / "logs" / "warmup.log"
        env = self.engine.cluster_env(self.state, SPARK_CONNECT_AUTHENTICATE_TOKEN=self.token)
        with open(log, "wb") as out:
            argv = [
                self.engine.install.python,
                "-m",
                "clusterport.engines.warmup",
                str(self.state.ports["connect"]),
            ]
            proc = await start_group_async(
                self.sandbox_for_cluster().command(argv, cwd=self.state.work_dir / "run"),
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
            )
        try:
            code = await asyncio.wait_for(proc.wait(), self.engine.start_timeout)
        except TimeoutError:
            raise EngineError(
                f"The warm-up query got no answer within {self.engine.start_timeout:.0f} s; "
                f"see {log} and the driver log:\n{log_tail(log, 10)}"
            ) from None
        finally:
            if proc.returncode is None:
                await stop_group_async(proc, grace=0, first=signal.SIGKILL)
        if code != 0:
            driver = self.state.process(_CONNECT_ROLE)
            driver_log = log_tail(driver.log_path, 10) if driver else ""
            raise EngineError(
                f"The warm-up query through Spark Connect failed (exit {code}):\n"
                f"{log_tail(log, 15)}\n--- driver log:\n{driver_log}"
            )

    async def _start_history(self) -> None:
        assert self.commands is not None
        commands = self.commands
        link_prefix = f"{self.state.ui_prefix}{HISTORY_UI_SUFFIX}"
        record = await self._server(
            role=_HISTORY_ROLE,
            cds_role=CdsRole.HISTORY,
            port_names=("ui",),
            ready="ui",
            build=lambda p, cds: commands.history(
                ui_port=p["ui"], link_prefix=link_prefix, cds=cds
            ),
            env=self.engine.cluster_env(self.state),
            instance_id=self.master_id,
        )
        self.state = dataclasses.replace(
            self.state, ports={**self.state.ports, "history": record.ports["ui"]}
        )
        save_state(self.state)

    def _sidecar_command(self, sidecar: SidecarSpec, port: int) -> tuple[list[str], dict[str, str]]:
        """The sidecar's argv and its whole environment, for ``port``."""
        values = {
            "port": str(port),
            "connect_port": str(self.state.ports["connect"]),
            "connect_token": self.token,
            "master_url": self.state.master_url,
            "work_dir": str(self.state.work_dir),
            "python": self.engine.install.python,
            **sidecar_files(self.state.work_dir, sidecar.name),
        }
        argv, sidecar_env = fill_template(sidecar, values)
        env = self.engine.cluster_env(self.state)
        env.update(sidecar_env)
        return argv, env

    def _spawn_sidecar(
        self, sidecar: SidecarSpec, argv: Sequence[str], env: Mapping[str, str], **more: Any
    ) -> ProcessRecord:
        return spawn(
            argv,
            env=env,
            cwd=self.state.work_dir / "run" / f"sidecar-{sidecar.name}",
            log_path=self.state.work_dir / "logs" / f"sidecar-{sidecar.name}.log",
            sandbox=self.sandbox_for_cluster(),
            instance_id=self.master_id,
            **more,
        )

    def park(self, sidecar: SidecarSpec) -> _Parked | None:
        """Start ``sidecar``'s module parked: imported, waiting for its command line.

        None when the sidecar is not ``{python} -m MODULE`` (nothing to import ahead).
        """
        argv, env = self._sidecar_command(sidecar, 0)
        module = entry_module(argv)
        if module is None or argv[0] != self.engine.install.python:
            return None
        parked = _Parked(sidecar.name, module, env, None)
        read_end, parked.fd = os.pipe()
        try:
            record = self._spawn_sidecar(
                sidecar, parked_argv(argv[0], module), env, role=parked.role, stdin=read_end
            )
        except BaseException:
            parked.close()
            raise
        finally:
            os.close(read_end)
        self._remember(record)
        return parked

    async def unpark(self, parked: Iterable[_Parked], *, every: bool = False) -> None:
        """Stop parked sidecars no one asked to run (their input ends: they exit).

        With ``every``, also every other parked process the cluster's records hold.
        """
        roles = set()
        for one in parked:
            one.close()
            roles.add(one.role)
        records = [
            p
            for p in self.state.processes
            if p.role in roles or (every and p.role.startswith(_PARKED_ROLE))
        ]
        if records:
            await terminate(records, grace=self.engine.stop_grace)
            self.state = self.state.without_processes([p.role for p in records])
            save_state(self.state)

    async def start_sidecar(
        self, sidecar: SidecarSpec, port: int | None = None, *, parked: _Parked | None = None
    ) -> None:
        """Start one sidecar on ``port`` when given and free, else on a free port.

        A ``parked`` process of the sidecar's module runs it when it was parked
        with the same environment; else it exits and a new process starts.
        """
        if port is None or not port_is_free(port):
            port = free_ports(1)[0]
        argv, env = self._sidecar_command(sidecar, port)
        role = f"sidecar:{sidecar.name}"
        held = self.state.process(parked.role) if parked is not None else None
        if parked is not None and held is not None and parked.runs(argv, env):
            parked.go(argv)
            record = dataclasses.replace(held, role=role, ports={"port": port})
            self.state = self.state.without_processes([parked.role])
        else:
            if parked is not None:
                await self.unpark([parked])
            record = self._spawn_sidecar(sidecar, argv, env, role=role, ports={"port": port})
        self._remember(record)
        await wait_for_port(record, port, timeout=self.engine.start_timeout)
        activity = dict(self.state.sidecar_activity)
        if sidecar.activity_path:
            activity[sidecar.name] = sidecar.activity_path
        self.state = dataclasses.replace(
            self.state,
            sidecar_ports={**self.state.sidecar_ports, sidecar.name: port},
            sidecar_activity=activity,
        )
        save_state(self.state)

"""The reconciler: drives every cluster from what the store wants to what the engine runs.

Desired state lives in the store (a cluster document's ``Desired``, its
groups' ``RequestedInstanceCount``, its PENDING steps, its policies); the
engine reports what runs (:meth:`Engine.observe`). One worker takes cluster
keys off a :class:`WorkQueue` (API calls put them there, a resync puts every
live cluster there every few seconds, failures come back with backoff) and
compares the two. Anything long (starting, stopping, running steps,
resizing, replacing a node) runs as one background job per cluster and kind,
so the worker never waits on a cluster.

What it does, by state:

* STARTING/BOOTSTRAPPING: a start job follows :meth:`Engine.start`'s
  checkpoints to WAITING, or to TERMINATED_WITH_ERRORS with the engine's
  reason (BOOTSTRAP_FAILURE when a bootstrap action failed);
* WAITING/RUNNING: a dead Master or Connect server ends the cluster
  (INSTANCE_FAILURE); a dead worker is replaced and the event shown in the
  cluster's and the instance's state change reason; groups are resized to
  their requested count; PENDING steps run in order with their
  ActionOnFailure; an AutoTerminate cluster ends when its steps are done
  (ALL_STEPS_COMPLETED); an idle cluster ends after its AutoTerminationPolicy
  (IDLE_TIMEOUT); managed scaling moves the groups within its limits;
* a termination asked for: every job of the cluster is cancelled, the engine
  stops it, and the cluster, its instances, steps and sessions are finalized;
  its Spark Connect port then tells every client the cluster's state
  (:mod:`.ended_endpoints`).

The engine's warm pool (``--warm-pool``) is tended on every resync and
after every hand-off (:meth:`Engine.tend_pool`), with what the host's budget
leaves it once every active cluster is counted (waiting ones too: the pool
gives way). A cluster about to start first asks the engine for a pool member
of its shape (:meth:`Engine.claim`, which makes the member's keys afresh);
when it gets one, the member's identity (UI prefix, Connect token) goes into
its document and the start goes through the usual checkpoints.

On start, clusters the store says are alive are adopted (:meth:`Engine.adopt`):
they keep running and answering. Stopping the reconciler never stops a
cluster, nor a step it runs: the next control plane waits for that step
(:meth:`Engine.wait_step`) and records how it ended; a step that left no exit
code (killed meanwhile) is INTERRUPTED.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import datetime as dt
import functools
import logging
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from clusterport.engines.base import (
    HISTORY_UI_SUFFIX,
    Checkpoint,
    ClusterEndpoints,
    ClusterIdentity,
    ClusterNotFoundError,
    ClusterSpec,
    Engine,
    EngineError,
    NodeNotFoundError,
    Phase,
    StepResult,
)
from clusterport.errors import LimitExceededError
from clusterport.platform import Platform
from clusterport.services.emr import app_ui, lifecycle, nodes, quotas, scaling, steps, usage
from clusterport.services.emr.documents import (
    ACTIVE_STATES,
    BOOTSTRAPPING,
    DESIRED_RUNNING,
    FINAL_STATES,
    GROUP_RESIZING,
    INSTANCE_RUNNING,
    INSTANCE_TERMINATED,
    READY_STATES,
    RUNNING,
    STARTING,
    TERMINATED_WITH_ERRORS,
    TERMINATING,
    WAITING,
    add_event,
    cluster_state,
    iso,
    live_instances,
    parse_iso,
    set_cluster_state,
    set_group_state,
    set_instance_state,
)
from clusterport.services.emr.ended_endpoints import EndedEndpoints
from clusterport.services.emr.endpoints import endpoints_data, sidecar_endpoint
from clusterport.services.emr.network import Placement, launch_nodes, set_nodes_state
from clusterport.services.emr.records import CLUSTER, SESSION, EmrRecords, all_rows
from clusterport.services.emr.spec import (
    CONNECT_PROXY,
    cluster_spec,
    node_spec,
    pool_template,
    sidecars,
)
from clusterport.services.emr.usage import check_added_nodes
from clusterport.services.emr.workqueue import WorkQueue
from clusterport.store.resources import ResourceRow

log = logging.getLogger(__name__)

_T = TypeVar("_T")

RESYNC_INTERVAL = 5.0
#: Seconds a sidecar that could not be started again waits before the next try.
SIDECAR_RETRY = 60.0
_PRIMARY_ROLES: Mapping[str, str] = MappingProxyType(
    {"master": "Spark master", "connect": "Spark Connect server"}
)
#: Hosts whose ports the control plane can take over (the ended endpoints).
_THIS_HOST = ("127.0.0.1", "localhost", "::1")
_JOB_KINDS = ("start", "steps", "resize", "repair", "sidecars", "stop")


@dataclass(frozen=True)
class ClusterKey:
    """Which cluster: its account, region and id."""

    account_id: str
    region: str
    cluster_id: str

    @classmethod
    def of(cls, row: ResourceRow) -> ClusterKey:
        """The key of a cluster row."""
        return cls(row.account_id, row.region, row.resource_id)


class Reconciler:
    """Keeps every cluster of one platform where its document says it should be."""

    def __init__(
        self,
        platform: Platform,
        engine: Engine,
        *,
        resync_interval: float = RESYNC_INTERVAL,
    ) -> None:
        self.platform = platform
        self.engine = engine
        self.resync_interval = resync_interval
        self.queue: WorkQueue[ClusterKey] = WorkQueue()
        self._jobs: dict[tuple[ClusterKey, str], asyncio.Task[None]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._reported: set[tuple[str, str]] = set()
        # (cluster id, sidecar name) -> monotonic time before which a failed restart waits.
        self._sidecar_retry: dict[tuple[str, str], float] = {}
        self._started = False
        #: The Spark Connect ports of ended clusters, answered with their state.
        self.ended = EndedEndpoints()

    # ------------------------------------------------------------------ lifecycle

    @property
    def started(self) -> bool:
        """True once :meth:`start` ran."""
        return self._started

    async def start(self) -> None:
        """Adopt the clusters the store says are alive, then start working; idempotent."""
        if self._started:
            return
        self._started = True
        await self.adopt_all()
        await self._tend_pool()
        self._tasks = [
            asyncio.create_task(self._work(), name="emr-reconciler"),
            asyncio.create_task(self._resync(), name="emr-resync"),
        ]

    async def close(self) -> None:
        """Stop working; clusters keep running (they are adopted on the next start)."""
        pending = [*self._tasks, *self._jobs.values()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._tasks = []
        self._jobs.clear()
        self._started = False
        self.ended.close_all()
        # Pool members serve no one yet: they end with the control plane (clusters do not).
        await self.engine.tend_pool(None, 0, 0)

    def notify(self, key: ClusterKey) -> None:
        """Look at a cluster soon (after an API call changed what it should be)."""
        self.queue.put(key)

    async def _work(self) -> None:
        while True:
            key = await self.queue.get()
            try:
                await self.reconcile(key)
            except asyncio.CancelledError:
                raise
            except Exception:  # a failed round is logged and retried with backoff
                delay = self.queue.backoff(key)
                log.exception("reconciling %s failed; retrying in %.1f s", key.cluster_id, delay)
            else:
                self.queue.succeeded(key)

    async def _resync(self) -> None:
        while True:
            await asyncio.sleep(self.resync_interval)
            self.ended.expire()
            await self._tend_pool()
            with self.platform.db.session() as session:
                keys = [ClusterKey.of(r) for r in all_rows(session, CLUSTER, list(ACTIVE_STATES))]
            for key in keys:
                self.queue.put(key)

    async def _tend_pool(self) -> None:
        """Keep the engine's warm pool within what the host's budget leaves it."""
        try:
            capacity = self.engine.capacity()
            with self.platform.db.session() as session:
                room = usage.pool_room_mb(EmrRecords(session, "", ""), capacity)
            member = quotas.cluster_host_memory_mb(capacity, 1)
            await self.engine.tend_pool(pool_template(), room, member)
        except (EngineError, OSError):
            log.exception("tending the warm pool failed; tried again at the next resync")

    # ------------------------------------------------------------------ store helpers

    def _now(self) -> dt.datetime:
        return self.platform.now()

    def _with_cluster(
        self, key: ClusterKey, work: Callable[[EmrRecords, ResourceRow], _T]
    ) -> _T | None:
        """Run ``work`` on the cluster's row in one transaction (None if the row is gone)."""
        with self.platform.db.session() as session:
            rec = EmrRecords(session, key.account_id, key.region)
            row = rec.store.get(key.account_id, key.region, CLUSTER, key.cluster_id)
            return None if row is None else work(rec, row)

    def _change(
        self, key: ClusterKey, change: Callable[[dict[str, Any]], dict[str, Any] | None]
    ) -> dict[str, Any] | None:
        """Replace the cluster's document by ``change(copy)`` (None: leave it)."""

        def apply(rec: EmrRecords, row: ResourceRow) -> dict[str, Any]:
            new = change(copy.deepcopy(row.data))
            if new is None:
                return dict(row.data)
            rec.store.update(row, new, self._now(), state=cluster_state(new))
            return new

        return self._with_cluster(key, apply)

    def _read(self, key: ClusterKey) -> dict[str, Any] | None:
        return self._with_cluster(key, lambda _rec, row: copy.deepcopy(row.data))

    def _terminate(
        self, key: ClusterKey, code: str, message: str, final_state: str = "TERMINATED"
    ) -> None:
        now = self._now()
        self._change(
            key,
            lambda d: lifecycle.request_termination(
                d, now, code=code, message=message, final_state=final_state
            ),
        )
        self.notify(key)

    # ------------------------------------------------------------------ jobs

    def _job_running(self, key: ClusterKey, kind: str) -> bool:
        task = self._jobs.get((key, kind))
        return task is not None and not task.done()

    def _ensure_job(
        self, key: ClusterKey, kind: str, job: Callable[[ClusterKey], Coroutine[Any, Any, None]]
    ) -> None:
        if self._job_running(key, kind):
            return
        task = asyncio.create_task(job(key), name=f"emr-{kind}-{key.cluster_id}")
        self._jobs[(key, kind)] = task

        def done(finished: asyncio.Task[None]) -> None:
            if self._jobs.get((key, kind)) is finished:
                del self._jobs[(key, kind)]
            if finished.cancelled():
                return
            error = finished.exception()
            if error is not None:
                delay = self.queue.backoff(key)
                log.error(
                    "the %s job of %s failed; retrying in %.1f s",
                    kind,
                    key.cluster_id,
                    delay,
                    exc_info=error,
                )
            else:
                self.queue.put(key)

        task.add_done_callback(done)

    async def _cancel_jobs(self, key: ClusterKey, kinds: Sequence[str]) -> None:
        tasks = [self._jobs[(key, k)] for k in kinds if self._job_running(key, k)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # ------------------------------------------------------------------ the round

    async def reconcile(self, key: ClusterKey) -> None:
        """Compare one cluster's desired and observed state and act on the difference."""
        doc = self._read(key)
        if doc is None:
            return
        state = cluster_state(doc)
        if state in FINAL_STATES:
            return
        if doc.get("Desired") != DESIRED_RUNNING or state == TERMINATING:
            self._ensure_job(key, "stop", self._stop_job)
            return
        if state in (STARTING, BOOTSTRAPPING):
            self._ensure_job(key, "start", self._start_job)
            return
        if self._job_running(key, "start"):
            return
        await self._tend(key, doc)

    async def _tend(self, key: ClusterKey, doc: dict[str, Any]) -> None:
        """A ready cluster: health, resizes, steps, idleness, scaling."""
        # The time the cluster was seen as it is: a busy sign is as old as the look that
        # found it (the clock may move on while the engine answers).
        observed_at = self._now()
        try:
            health = await self.engine.observe(key.cluster_id)
        except ClusterNotFoundError as exc:
            self._terminate(key, lifecycle.INSTANCE_FAILURE, str(exc), TERMINATED_WITH_ERRORS)
            return
        for process in health.processes:
            if not process.alive and process.role in _PRIMARY_ROLES:
                master = process.instance_id or "of the cluster"
                self._terminate(
                    key,
                    lifecycle.INSTANCE_FAILURE,
                    f"The primary node {master} failed: its {_PRIMARY_ROLES[process.role]} "
                    f"process ({process.process}) exited."
                    + (f" See its log: {process.log}." if process.log else ""),
                    TERMINATED_WITH_ERRORS,
                )
                return
        dead_sidecars = [
            name
            for p in health.processes
            if not p.alive and p.role.startswith("sidecar:")
            for name in [p.role.partition(":")[2]]
            if self._sidecar_retry.get((key.cluster_id, name), 0.0) <= time.monotonic()
        ]
        if dead_sidecars:
            self._ensure_job(key, "sidecars", self._each(dead_sidecars, self._restart_sidecar))
        dead_workers = [
            p.instance_id
            for p in health.processes
            if not p.alive and p.role.startswith("worker:") and p.instance_id
        ]
        busy_resizing = self._job_running(key, "resize") or self._job_running(key, "repair")
        if dead_workers and not busy_resizing:
            self._ensure_job(key, "repair", self._each(dead_workers, self._replace))
            return
        if not busy_resizing and _needs_resize(doc):
            self._ensure_job(key, "resize", self._resize_job)
        open_steps = self._open_steps(key)
        if open_steps and not self._job_running(key, "steps"):
            self._ensure_job(key, "steps", self._steps_job)
        stepping = bool(open_steps) or self._job_running(key, "steps")
        if doc["Cluster"].get("AutoTerminate") and not stepping:
            self._terminate(key, lifecycle.ALL_STEPS_COMPLETED, "Steps completed")
            return
        if cluster_state(doc) == RUNNING and not stepping:
            # RUNNING without a step (its run ended with a control plane that stopped).
            now = self._now()
            self._change(
                key,
                lambda d: (
                    set_cluster_state(d, WAITING, now, message=lifecycle.AFTER_STEPS_MESSAGE)
                    if cluster_state(d) == RUNNING
                    else None
                ),
            )
        await self._watch_use(
            key,
            doc,
            busy=health.busy or stepping,
            last=health.last_activity,
            observed_at=observed_at,
        )

    @staticmethod
    def _each(
        items: Sequence[str], act: Callable[[ClusterKey, str], Coroutine[Any, Any, None]]
    ) -> Callable[[ClusterKey], Coroutine[Any, Any, None]]:
        """A job that runs ``act`` for each of ``items`` in turn."""

        async def job(key: ClusterKey) -> None:
            for item in items:
                await act(key, item)

        return job

    async def _restart_sidecar(self, key: ClusterKey, name: str) -> None:
        """Start a dead sidecar (Livy, the Connect proxy) again and say so in the events."""
        doc = self._read(key)
        sidecar = next((s for s in sidecars(doc) if s.name == name), None) if doc else None
        if doc is None or sidecar is None:
            return
        token = self.platform.secrets.open(doc["Engine"]["ConnectToken"])
        try:
            endpoints = await self.engine.restart_sidecar(key.cluster_id, sidecar, token)
        except (EngineError, OSError) as exc:
            self._sidecar_retry[(key.cluster_id, name)] = time.monotonic() + SIDECAR_RETRY
            if (key.cluster_id, f"sidecar:{name}") not in self._reported:
                self._reported.add((key.cluster_id, f"sidecar:{name}"))
                self._note(
                    key,
                    f"The {name} endpoint on the primary node stopped and could "
                    f"not be started again: {exc}. Tried again every "
                    f"{SIDECAR_RETRY:.0f} s; terminate the cluster if it keeps failing.",
                )
            log.warning("cluster %s: sidecar %s could not restart: %s", key.cluster_id, name, exc)
            return
        self._reported.discard((key.cluster_id, f"sidecar:{name}"))
        self._sidecar_retry.pop((key.cluster_id, name), None)
        now = self._now()
        message = f"The {name} endpoint on the primary node stopped and was started again."
        log.warning("cluster %s: %s", key.cluster_id, message)
        self._change(key, lambda d: add_event(lifecycle.with_endpoints(d, endpoints), now, message))

    def _note(self, key: ClusterKey, message: str) -> None:
        """Remember something the platform saw or did on its own in the cluster's events."""
        now = self._now()

        def change(doc: dict[str, Any]) -> dict[str, Any]:
            return add_event(doc, now, message)

        self._change(key, change)

    def _open_steps(self, key: ClusterKey) -> list[dict[str, Any]]:
        def read(rec: EmrRecords, _row: ResourceRow) -> list[dict[str, Any]]:
            return [dict(r.data) for r in rec.steps(key.cluster_id) if r.state in steps.OPEN_STATES]

        return self._with_cluster(key, read) or []

    async def _watch_use(
        self,
        key: ClusterKey,
        doc: dict[str, Any],
        *,
        busy: bool,
        last: dt.datetime | None,
        observed_at: dt.datetime,
    ) -> None:
        """Idle auto-termination and managed scaling, from every sign of use.

        ``busy`` was seen at ``observed_at``: that is the activity it records, never a
        later time (a cluster found busy just before it went idle is idle since then).
        """
        now = self._now()
        times = [
            parse_iso(doc["Cluster"]["Status"]["Timeline"].get("ReadyDateTime")),
            parse_iso(doc.get("LastActivity")),
            last,
        ]
        if busy:
            self._change(key, lambda d: _later_activity(d, observed_at))
            latest = observed_at
        else:
            latest = max((t for t in times if t is not None), default=now)
        idle_for = max(0.0, (now - latest).total_seconds())
        policy = doc.get("AutoTerminationPolicy")
        if policy and not busy and idle_for >= int(policy["IdleTimeout"]):
            self._terminate(
                key,
                lifecycle.IDLE_TIMEOUT,
                f"The cluster was idle for {int(idle_for)} s, past its AutoTerminationPolicy's "
                f"IdleTimeout of {policy['IdleTimeout']} s.",
            )
            return
        scaling_policy = doc.get("ManagedScalingPolicy")
        if scaling_policy and not self._job_running(key, "resize"):
            decision = scaling.decide(doc, scaling_policy, pending_work=busy, idle_for=idle_for)
            if decision is not None:
                self._apply_scaling(key, decision)

    def _apply_scaling(self, key: ClusterKey, decision: scaling.ScalingDecision) -> None:
        now = self._now()

        def change(rec: EmrRecords, row: ResourceRow) -> str | None:
            doc = copy.deepcopy(row.data)
            group = next(g for g in doc["InstanceGroups"] if g["Id"] == decision.group_id)
            growth = decision.count - group["RequestedInstanceCount"]
            if growth > 0:
                try:
                    check_added_nodes(
                        rec, self.platform, self.engine.capacity(), group["InstanceType"], growth
                    )
                except LimitExceededError as exc:
                    return exc.message
            message = (
                f"Managed scaling resized {group['Name']} from {group['RequestedInstanceCount']} "
                f"to {decision.count} instances ({decision.reason})."
            )
            group["RequestedInstanceCount"] = decision.count
            doc["InstanceGroups"] = [
                set_group_state(g, GROUP_RESIZING, now, message=message)
                if g["Id"] == group["Id"]
                else g
                for g in doc["InstanceGroups"]
            ]
            rec.store.update(row, add_event(doc, now, message), now)
            return None

        held = self._with_cluster(key, change)
        if held and (key.cluster_id, held) not in self._reported:
            self._reported.add((key.cluster_id, held))
            self._change(key, lambda d: add_event(d, now, f"Managed scaling held: {held}"))
        self.notify(key)

    # ------------------------------------------------------------------ start and stop

    async def _start_job(self, key: ClusterKey) -> None:
        doc = self._read(key)
        if doc is None or cluster_state(doc) not in (STARTING, BOOTSTRAPPING):
            return
        if not usage.admitted(doc) and not self._admitted(key):
            await self._tend_pool()  # the pool gives way to a waiting cluster
            return  # it waits for host capacity; a later round tries again
        token = self.platform.secrets.open(doc["Engine"]["ConnectToken"])
        spec = cluster_spec(doc, key.account_id, token)
        identity = await self.engine.claim(spec)
        if identity is not None:
            spec = self._take_identity(key, spec, identity)
        async for checkpoint in self.engine.start(spec):
            if checkpoint.phase is Phase.WAITING and checkpoint.endpoints is not None:
                self._with_cluster(key, functools.partial(self._mark_ready, checkpoint.endpoints))
            else:
                self._change(key, functools.partial(self._checkpoint, checkpoint, self._now()))
        self.notify(key)
        if identity is not None:
            await self._tend_pool()  # refill

    def _take_identity(
        self, key: ClusterKey, spec: ClusterSpec, identity: ClusterIdentity
    ) -> ClusterSpec:
        """Record a pool member's identity in the cluster's document; the spec to start with.

        The engine made the member's keys afresh when it was claimed: whatever it
        held before belonged to no one and is not kept.
        """
        sealed = self.platform.secrets.seal(identity.connect_token)

        def record(doc: dict[str, Any]) -> dict[str, Any]:
            engine = {
                **doc["Engine"],
                "UiPrefix": identity.ui_prefix,
                "ConnectToken": sealed,
                "WarmPool": True,
            }
            return {**doc, "Engine": engine}

        self._change(key, record)
        return dataclasses.replace(
            spec, ui_prefix=identity.ui_prefix, connect_token=identity.connect_token
        )

    def _admitted(self, key: ClusterKey) -> bool:
        """Admit the cluster if the host holds it now; else say in its status what it waits for."""
        capacity, now = self.engine.capacity(), self._now()
        pool_mb = self.engine.pool_status().memory_mb

        def attempt(rec: EmrRecords, row: ResourceRow) -> bool:
            waiting = usage.admit(rec, row, capacity, now, pool_mb)
            if waiting is None:
                return True
            status = row.data["Cluster"]["Status"]
            if status.get("StateChangeReason", {}).get("Message") != waiting:
                doc = lifecycle.starting(row.data, STARTING, waiting, now)
                rec.store.update(row, doc, now, state=cluster_state(doc))
            return False

        return bool(self._with_cluster(key, attempt))

    def _checkpoint(
        self, checkpoint: Checkpoint, now: dt.datetime, doc: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The document after one start-up checkpoint of the engine."""
        if checkpoint.phase is Phase.FAILED:
            return lifecycle.failed_start(doc, checkpoint.message, now)
        if doc.get("Desired") != DESIRED_RUNNING or checkpoint.phase is Phase.WAITING:
            return None
        return lifecycle.starting(doc, checkpoint.phase.value, checkpoint.message, now)

    def _mark_ready(self, endpoints: ClusterEndpoints, rec: EmrRecords, row: ResourceRow) -> None:
        if row.data.get("Desired") != DESIRED_RUNNING:
            return
        now = self._now()
        doc = lifecycle.ready(row.data, endpoints, now)
        rec.store.update(row, doc, now, state=cluster_state(doc))
        running = [i["Ec2InstanceId"] for i in live_instances(doc)]
        set_nodes_state(rec.session, rec.account_id, rec.region, running, "running", now)

    async def _stop_job(self, key: ClusterKey) -> None:
        await self._cancel_jobs(key, [k for k in _JOB_KINDS if k != "stop"])
        now = self._now()
        self._change(
            key,
            lambda d: lifecycle.request_termination(
                d, now, code=lifecycle.USER_REQUEST, message="Terminated by user request"
            ),
        )
        await self.engine.stop(key.cluster_id)
        self._answer_ended(key)  # before clients can see the final state
        self._with_cluster(key, self._finalize)
        self._reported = {r for r in self._reported if r[0] != key.cluster_id}
        self._sidecar_retry = {
            r: t for r, t in self._sidecar_retry.items() if r[0] != key.cluster_id
        }

    def _finalize(self, rec: EmrRecords, row: ResourceRow) -> None:
        finish_cluster(rec, row, self._now())

    def _answer_ended(self, key: ClusterKey) -> None:
        """Have the stopped cluster's Spark Connect port tell its clients its final state."""
        doc = self._read(key)
        if doc is None:
            return
        proxy = sidecar_endpoint(doc, CONNECT_PROXY) if doc.get("Engine") else None
        if proxy is None or proxy.host not in _THIS_HOST:
            return  # only a port of this host can be taken over once the cluster let it go
        final = lifecycle.finalized(doc, self._now())["Cluster"]["Status"]
        reason = str(final.get("StateChangeReason", {}).get("Message", ""))
        self.ended.open(key.cluster_id, proxy.port, str(final["State"]), reason)

    # ------------------------------------------------------------------ steps

    async def _steps_job(self, key: ClusterKey) -> None:
        for adopted in self._open_steps(key):
            if adopted["Status"]["State"] == steps.RUNNING:
                # Started by an earlier control plane: it ran on meanwhile.
                await self._finish_adopted_step(key, adopted)
        while True:
            step = self._with_cluster(key, self._next_step)
            if step is None:
                break
            try:
                result = await self.engine.run_step(key.cluster_id, steps.step_spec(step))
            except (EngineError, OSError) as exc:
                self._with_cluster(key, functools.partial(self._step_broke, step, str(exc)))
                continue
            self._with_cluster(key, functools.partial(self._step_done, step, result))
        now = self._now()

        def after(doc: dict[str, Any]) -> dict[str, Any] | None:
            if doc.get("Desired") != DESIRED_RUNNING or cluster_state(doc) != RUNNING:
                return None
            if doc["Cluster"].get("AutoTerminate"):
                return lifecycle.request_termination(
                    doc, now, code=lifecycle.ALL_STEPS_COMPLETED, message="Steps completed"
                )
            return set_cluster_state(doc, WAITING, now, message=lifecycle.AFTER_STEPS_MESSAGE)

        self._change(key, after)

    async def _finish_adopted_step(self, key: ClusterKey, step: Mapping[str, Any]) -> None:
        try:
            result = await self.engine.wait_step(key.cluster_id, str(step["Id"]))
        except (EngineError, OSError) as exc:
            self._with_cluster(key, functools.partial(self._step_broke, step, str(exc)))
            return
        if result is None:
            self._with_cluster(key, functools.partial(_interrupt, step, self._now()))
        else:
            self._with_cluster(key, functools.partial(self._step_done, step, result))

    def _next_step(self, rec: EmrRecords, row: ResourceRow) -> dict[str, Any] | None:
        doc = row.data
        if doc.get("Desired") != DESIRED_RUNNING or cluster_state(doc) not in READY_STATES:
            return None
        step_row = next((r for r in rec.steps(row.resource_id) if r.state == steps.PENDING), None)
        if step_row is None:
            return None
        now = self._now()
        data = steps.moved(step_row.data, steps.RUNNING, now)
        rec.store.update(step_row, data, now, state=steps.RUNNING)
        if cluster_state(doc) == WAITING:
            running = set_cluster_state(doc, RUNNING, now, message=f"Running step {data['Id']}")
            rec.store.update(row, running, now, state=RUNNING)
        return data

    def _step_done(
        self, step: Mapping[str, Any], result: StepResult, rec: EmrRecords, row: ResourceRow
    ) -> None:
        now = self._now()
        step_row = rec.step(row.resource_id, str(step["Id"]))
        data = steps.finished(step_row.data, result, now)
        rec.store.update(step_row, data, now, state=data["Status"]["State"])
        if data["Status"]["State"] == steps.FAILED:
            self._on_step_failure(rec, row, data, now)

    def _step_broke(
        self, step: Mapping[str, Any], reason: str, rec: EmrRecords, row: ResourceRow
    ) -> None:
        now = self._now()
        step_row = rec.step(row.resource_id, str(step["Id"]))
        data = steps.moved(
            step_row.data,
            steps.FAILED,
            now,
            failure={"Reason": "The step could not be run.", "Message": reason},
        )
        rec.store.update(step_row, data, now, state=steps.FAILED)
        self._on_step_failure(rec, row, data, now)

    def _on_step_failure(
        self, rec: EmrRecords, row: ResourceRow, step: Mapping[str, Any], now: dt.datetime
    ) -> None:
        action = step.get("ActionOnFailure")
        if action == steps.CONTINUE:
            return
        cancel_pending(
            rec, row.resource_id, now, f"Cancelled because step {step['Id']} failed ({action})."
        )
        if action in steps.TERMINATING_ACTIONS:
            doc = lifecycle.request_termination(
                row.data,
                now,
                code=lifecycle.STEP_FAILURE,
                message=f"Shut down as step failed: {step['Id']} ({step['Name']})",
                final_state=TERMINATED_WITH_ERRORS,
            )
            rec.store.update(row, doc, now, state=cluster_state(doc))

    # ------------------------------------------------------------------ nodes

    async def _replace(self, key: ClusterKey, instance_id: str) -> None:
        """Restart a dead core/task node and say so in the instance's and cluster's status."""
        failed_at = self._now()
        dying = f"The node's worker process died at {iso(failed_at)}; replacing it."
        self._change(
            key,
            functools.partial(
                _set_instance,
                ec2_id=instance_id,
                state="PROVISIONING",
                now=failed_at,
                message=dying,
            ),
        )
        await self.engine.replace_node(key.cluster_id, instance_id)
        done_at = self._now()
        message = (
            f"The node's worker process died at {iso(failed_at)} and was replaced at "
            f"{iso(done_at)}."
        )

        def replaced(doc: dict[str, Any]) -> dict[str, Any]:
            doc = _set_instance(
                doc, ec2_id=instance_id, state=INSTANCE_RUNNING, now=done_at, message=message
            )
            doc = set_cluster_state(
                doc,
                cluster_state(doc),
                done_at,
                message=f"Node {instance_id} failed and was replaced: {message}",
            )
            return add_event(doc, done_at, f"Node {instance_id} failed and was replaced.")

        self._change(key, replaced)

    async def _resize_job(self, key: ClusterKey) -> None:
        doc = self._read(key)
        if doc is None:
            return
        for group in doc["InstanceGroups"]:
            if group["InstanceGroupType"] == "MASTER":
                continue
            live = live_instances(doc, group["Id"])
            wanted = int(group["RequestedInstanceCount"])
            if wanted > len(live):
                await self._grow(key, group, wanted - len(live))
            elif wanted < len(live):
                await self._shrink(key, group, len(live) - wanted)
            doc = self._read(key) or doc
        now = self._now()

        def settled(d: dict[str, Any]) -> dict[str, Any]:
            d["InstanceGroups"] = [
                set_group_state(g, INSTANCE_RUNNING, now, message="")
                if g["Status"]["State"] == GROUP_RESIZING
                and len(live_instances(d, g["Id"])) == g["RequestedInstanceCount"]
                else g
                for g in d["InstanceGroups"]
            ]
            return d

        self._change(key, settled)

    async def _grow(self, key: ClusterKey, group: Mapping[str, Any], count: int) -> None:
        now = self._now()

        def launch(rec: EmrRecords, row: ResourceRow) -> list[dict[str, Any]]:
            doc = copy.deepcopy(row.data)
            placement = Placement.from_data(doc["Network"])
            infos = launch_nodes(
                rec.session,
                rec.account_id,
                rec.region,
                placement,
                cluster_id=row.resource_id,
                role=group["InstanceGroupType"],
                instance_type=group["InstanceType"],
                count=count,
                now=now,
            )
            added = [nodes.new_instance(info, group, now) for info in infos]
            doc["Instances"] = [*doc["Instances"], *added]
            rec.store.update(row, doc, now)
            return added

        added = self._with_cluster(key, launch) or []
        specs = [node_spec(i, group["InstanceGroupType"]) for i in added]
        ec2_ids = [i["Ec2InstanceId"] for i in added]
        try:
            await self.engine.add_nodes(key.cluster_id, specs)
        except EngineError as exc:
            failed_at = self._now()
            with_error = str(exc)
            self._with_cluster(
                key,
                lambda rec, row: _end_instances(
                    rec, row, ec2_ids, failed_at, "INSTANCE_FAILURE", with_error
                ),
            )
            for ec2_id in ec2_ids:
                with contextlib.suppress(NodeNotFoundError):
                    await self.engine.remove_nodes(key.cluster_id, [ec2_id])
            raise
        done = self._now()
        message = f"Added {len(added)} instance(s) to {group['Name']}."

        def joined(rec: EmrRecords, row: ResourceRow) -> None:
            doc = copy.deepcopy(row.data)
            for ec2_id in ec2_ids:
                doc = _set_instance(doc, ec2_id=ec2_id, state=INSTANCE_RUNNING, now=done)
            rec.store.update(row, add_event(doc, done, message), done)
            set_nodes_state(rec.session, rec.account_id, rec.region, ec2_ids, "running", done)

        self._with_cluster(key, joined)

    async def _shrink(self, key: ClusterKey, group: Mapping[str, Any], count: int) -> None:
        doc = self._read(key)
        if doc is None:
            return
        chosen = nodes.victims(doc, group, count, group.get("InstancesToTerminate") or ())
        ec2_ids = [i["Ec2InstanceId"] for i in chosen]
        await self.engine.remove_nodes(key.cluster_id, ec2_ids)
        now = self._now()
        message = f"Removed {len(ec2_ids)} instance(s) from {group['Name']}."
        self._with_cluster(
            key,
            lambda rec, row: _end_instances(
                rec,
                row,
                ec2_ids,
                now,
                None,
                "Terminated by a resize of its instance group.",
                event=message,
            ),
        )

    # ------------------------------------------------------------------ persistent UIs

    def attach_history(self, key: ClusterKey) -> None:
        """Have a history server serve the cluster's persistent app UIs (in the background)."""
        self._ensure_job(key, "history", self._history_job)

    async def history_ready(self, key: ClusterKey) -> None:
        """Attach the cluster's history server and wait until that finished (or failed)."""
        self.attach_history(key)
        task = self._jobs.get((key, "history"))
        if task is not None:
            await asyncio.wait([task])

    async def _history_job(self, key: ClusterKey) -> None:
        doc = self._read(key)
        if doc is None:
            return
        if not await self.engine.history_served(key.cluster_id):
            try:
                history = await self.engine.start_history_server(
                    key.cluster_id,
                    link_prefix=f"{doc['Engine']['UiPrefix']}{HISTORY_UI_SUFFIX}",
                )
            except EngineError as exc:
                failed = str(exc)
                self._with_cluster(
                    key,
                    lambda rec, _row: app_ui.set_status(
                        rec, key.cluster_id, app_ui.FAILED, failed, self._now()
                    ),
                )
                return
            started = history.address
            self._change(key, lambda d: {**d, "Engine": {**d["Engine"], "History": started}})
        self._with_cluster(
            key,
            lambda rec, _row: app_ui.set_status(
                rec,
                key.cluster_id,
                app_ui.ATTACHED,
                "The cluster's history server answers.",
                self._now(),
            ),
        )

    # ------------------------------------------------------------------ adoption

    async def adopt_all(self) -> None:
        """Re-attach to every cluster the store says is alive (after a control-plane start)."""
        with self.platform.db.session() as session:
            rows = [
                (ClusterKey.of(r), copy.deepcopy(r.data))
                for r in all_rows(session, CLUSTER, list(ACTIVE_STATES))
            ]
        for key, doc in rows:
            try:
                await self._adopt(key, doc)
            except (EngineError, OSError):
                log.exception("could not adopt cluster %s; it will be retried", key.cluster_id)
            self.queue.put(key)

    async def _adopt(self, key: ClusterKey, doc: dict[str, Any]) -> None:
        state = cluster_state(doc)
        if state == TERMINATING or doc.get("Desired") != DESIRED_RUNNING:
            return
        endpoints = await self.engine.adopt(key.cluster_id)
        now = self._now()
        if endpoints is None and state in READY_STATES:
            self._terminate(
                key,
                lifecycle.INSTANCE_FAILURE,
                "The primary node's processes were gone when the control plane started again.",
                TERMINATED_WITH_ERRORS,
            )
        elif endpoints is None:
            self._change(
                key,
                lambda d: lifecycle.starting(
                    d, STARTING, "Starting again: the control plane restarted meanwhile.", now
                ),
            )
        elif state in READY_STATES:
            self._change(
                key,
                lambda d: {
                    **d,
                    "Engine": {**d["Engine"], "Endpoints": endpoints_data(endpoints)},
                },
            )
        else:
            self._with_cluster(key, functools.partial(self._mark_ready, endpoints))
        # Steps that were running go on; the steps job waits for them (_finish_adopted_step).


# ---------------------------------------------------------------------- shared helpers


def _later_activity(doc: dict[str, Any], at: dt.datetime) -> dict[str, Any] | None:
    """The document with ``LastActivity`` at ``at``, unless it records a later one (None)."""
    recorded = parse_iso(doc.get("LastActivity"))
    if recorded is not None and recorded >= at:
        return None
    return {**doc, "LastActivity": iso(at)}


def _needs_resize(doc: Mapping[str, Any]) -> bool:
    return any(
        len(live_instances(doc, g["Id"])) != g["RequestedInstanceCount"]
        for g in doc["InstanceGroups"]
        if g["InstanceGroupType"] != "MASTER"
    )


def _set_instance(
    doc: dict[str, Any],
    *,
    ec2_id: str,
    state: str,
    now: dt.datetime,
    code: str | None = "INSTANCE_FAILURE",
    message: str | None = None,
) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["Instances"] = [
        set_instance_state(i, state, now, code=code if message else None, message=message)
        if i["Ec2InstanceId"] == ec2_id
        else i
        for i in out["Instances"]
    ]
    return out


def _end_instances(
    rec: EmrRecords,
    row: ResourceRow,
    ec2_ids: Sequence[str],
    now: dt.datetime,
    code: str | None,
    message: str,
    *,
    event: str | None = None,
) -> None:
    doc = copy.deepcopy(row.data)
    doc["Instances"] = [
        set_instance_state(i, INSTANCE_TERMINATED, now, code=code, message=message)
        if i["Ec2InstanceId"] in ec2_ids
        else i
        for i in doc["Instances"]
    ]
    if event:
        doc = add_event(doc, now, event)
    rec.store.update(row, doc, now)
    set_nodes_state(rec.session, rec.account_id, rec.region, ec2_ids, "terminated", now)


def _interrupt(
    step: Mapping[str, Any], now: dt.datetime, rec: EmrRecords, row: ResourceRow
) -> None:
    step_row = rec.step(row.resource_id, str(step["Id"]))
    data = steps.moved(
        step_row.data,
        steps.INTERRUPTED,
        now,
        message="The step's process ended without an exit code while the control plane was "
        "stopped (it was killed). Add the step again to run it.",
    )
    rec.store.update(step_row, data, now, state=steps.INTERRUPTED)


def cancel_pending(rec: EmrRecords, cluster_id: str, now: dt.datetime, message: str) -> None:
    """Every PENDING step of a cluster CANCELLED, with ``message``."""
    for step_row in rec.steps(cluster_id):
        if step_row.state == steps.PENDING:
            data = steps.moved(step_row.data, steps.CANCELLED, now, message=message)
            rec.store.update(step_row, data, now, state=steps.CANCELLED)


def finish_cluster(rec: EmrRecords, row: ResourceRow, now: dt.datetime) -> None:
    """Put a stopped cluster in its final state, with its steps, sessions and EC2 instances."""
    live = [i["Ec2InstanceId"] for i in live_instances(row.data)]
    doc = lifecycle.finalized(row.data, now)
    rec.store.update(row, doc, now, state=cluster_state(doc))
    for step_row in rec.steps(row.resource_id):
        if step_row.state in steps.OPEN_STATES:
            data = steps.moved(
                step_row.data, steps.CANCELLED, now, message="Cancelled: the cluster terminated."
            )
            rec.store.update(step_row, data, now, state=steps.CANCELLED)
    for session_row in rec.children(SESSION, row.resource_id):
        if session_row.state not in ("TERMINATED", "FAILED"):
            data = {**session_row.data, "State": "TERMINATED", "EndedAt": iso(now)}
            data["StateChangeReason"] = "The cluster terminated."
            rec.store.update(session_row, data, now, state="TERMINATED")
    set_nodes_state(rec.session, rec.account_id, rec.region, live, "terminated", now)

"""The warm pool: pre-started, unassigned clusters of the most common shape.

``clusterport server --warm-pool N`` keeps N clusters started before any
tenant asks for one, so that RunJobFlow of that shape (see :class:`PoolShape`:
the release, the nodes' roles and sizes; no bootstrap action and no
configuration, which cannot be applied to processes already running) gets a
cluster in the time it takes to hand one over. A member is a cluster like any
other: it starts under an opaque id of its own (``pool-<hex>``), in its own
sandbox, under its own uid and control group, and serves no one until
:meth:`WarmPool.take` hands it to exactly one cluster; it never comes back
(a terminated cluster is stopped like any other).

The pool never competes with tenants for the host: its members count against
the host's budget, and the control plane gives the pool only what tenants'
clusters (those waiting for room included) leave free (:meth:`WarmPool.tend`):
members beyond that are stopped, and none starts while a tenant's cluster
waits. A member that dies is dropped (never handed out) and replaced.

The engine that keeps a pool supplies the four things the pool cannot know
(:class:`PoolHost`): how to make a member's spec, start it, tell whether it
is alive, and stop it. The pool writes what it holds to
``<data dir>/engine/pool.json`` (:func:`status_path`) for ``clusterport admin
pool``.

After a hand-off the pool waits ``refill_delay`` seconds before it starts a
member again (the local engine: :data:`REFILL_DELAY`): a member's start takes
the host's CPUs for seconds, and the cluster just handed out gets its first
queries then.

Sizing (:func:`largest_pool`, :func:`default_pool_size`): a member holds what
a cluster of one primary and one core node holds; the pool may hold the
budget less room for one such cluster; by default it keeps one member when the
budget holds three such clusters, none otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from clusterport.engines.base import (
    Capacity,
    ClusterSpec,
    EngineError,
    NodeRole,
    PoolMember,
    PoolMemberState,
    PoolStatus,
)

__all__ = [
    "AUTO",
    "POOL_ID_PREFIX",
    "PoolHost",
    "PoolShape",
    "WarmPool",
    "default_pool_size",
    "is_pool_id",
    "largest_pool",
    "member_memory_mb",
    "pool_size",
    "read_status",
    "status_path",
]

#: The engine option (``--warm-pool``) value that sizes the pool to the host's budget.
AUTO = "auto"
#: Every pool member's id starts so (and no EMR cluster id does: theirs start ``j-``).
POOL_ID_PREFIX = "pool-"
_STATUS_FILE = "pool.json"
#: Seconds a pool of real clusters waits after a hand-off before starting a member.
REFILL_DELAY = 10.0


def is_pool_id(cluster_id: str) -> bool:
    """True for the id a pool member started under."""
    return cluster_id.startswith(POOL_ID_PREFIX)


def new_member_id() -> str:
    """A fresh, opaque pool member id."""
    return f"{POOL_ID_PREFIX}{secrets.token_hex(6)}"


def status_path(data_dir: Path) -> Path:
    """Where the pool of the server on ``data_dir`` says what it holds."""
    return data_dir / "engine" / _STATUS_FILE


def member_memory_mb(capacity: Capacity) -> int:
    """What one member (a primary and a core node) holds of the host's budget."""
    return capacity.cluster_memory_mb + capacity.worker_memory_mb


def largest_pool(capacity: Capacity) -> int:
    """The most members the budget allows: all of it but room for one tenant's cluster."""
    return max(0, capacity.memory_mb // member_memory_mb(capacity) - 1)


def default_pool_size(capacity: Capacity) -> int:
    """One member when the budget holds three clusters of the shape, else none."""
    return 1 if largest_pool(capacity) >= 2 else 0


def refill_delay(option: str | None) -> float:
    """The refill delay an engine option asks for (absent: :data:`REFILL_DELAY`).

    A test or a host with cores to spare sets it lower (``pool-refill-delay=0``);
    raises EngineError naming the option when it is not a number of seconds.
    """
    if option is None or option == "":
        return REFILL_DELAY
    try:
        delay = float(option)
    except ValueError:
        delay = -1.0
    if not 0 <= delay < float("inf"):
        raise EngineError(
            f"The engine option pool-refill-delay must be a number of seconds (0 or more), "
            f"not {option!r}."
        )
    return delay


def pool_size(option: str | None, capacity: Capacity) -> int:
    """The pool size an engine option asks for (absent: no pool; ``auto``: the default).

    Raises EngineError naming the largest size that fits when it is larger.
    """
    if option is None or option == "":
        return 0
    if option == AUTO:
        return default_pool_size(capacity)
    try:
        size = int(option)
    except ValueError:
        raise EngineError(
            f"--warm-pool must be a number of clusters or '{AUTO}', not {option!r}."
        ) from None
    largest = largest_pool(capacity)
    if size < 0:
        raise EngineError(f"--warm-pool must be 0 or more, not {size}.")
    if size > largest:
        raise EngineError(
            f"--warm-pool {size} does not fit: {capacity.label}'s budget of "
            f"{capacity.memory_mb} MiB holds at most {largest} pooled cluster(s) of "
            f"{member_memory_mb(capacity)} MiB each while keeping room for one more cluster; "
            f"use --warm-pool {largest} or less (0 turns the pool off)."
        )
    return size


@dataclass(frozen=True)
class PoolShape:
    """What a cluster must be to be served from the pool: its release and its nodes' sizes."""

    release_label: str
    nodes: tuple[tuple[str, int, int], ...]

    @classmethod
    def of(cls, spec: ClusterSpec) -> PoolShape | None:
        """The shape of ``spec``; None when it asks for what a running cluster cannot take.

        Bootstrap actions run before Spark starts; configurations (Spark
        properties, spark-env) are baked into its processes.
        """
        if spec.bootstrap_actions or spec.spark_properties or spec.env:
            return None
        nodes = sorted((n.role.value, n.cores, n.memory_mb) for n in spec.nodes)
        return cls(spec.release_label, tuple(nodes))

    def describe(self) -> str:
        """``emr-…: 1 MASTER (4 vCPU, 16384 MiB) + 1 CORE (4 vCPU, 16384 MiB)``."""
        counts: dict[tuple[str, int, int], int] = {}
        for node in self.nodes:
            counts[node] = counts.get(node, 0) + 1
        order = {role.value: i for i, role in enumerate(NodeRole)}
        parts = [
            f"{count} {role} ({cores} vCPU, {memory} MiB)"
            for (role, cores, memory), count in sorted(counts.items(), key=lambda c: order[c[0][0]])
        ]
        return f"{self.release_label}: {' + '.join(parts)}"


class PoolHost(Protocol):
    """What an engine keeping a pool supplies."""

    def member_spec(self, template: ClusterSpec, member_id: str) -> ClusterSpec:
        """The spec a member of ``template``'s shape starts from (its own id, dir and token)."""
        ...

    async def start_member(self, spec: ClusterSpec) -> bool:
        """Start a member to WAITING; False when it failed (nothing of it is left)."""
        ...

    def member_alive(self, member_id: str) -> bool:
        """True while every process of the (ready) member runs."""
        ...

    async def stop_member(self, member_id: str) -> None:
        """Stop every process of a member that was never handed out."""
        ...


@dataclass
class _Member:
    spec: ClusterSpec
    task: asyncio.Task[bool] | None
    ready: bool = False


class WarmPool:
    """Pre-started clusters of one shape, each handed to one cluster at most (see the module)."""

    def __init__(
        self,
        host: PoolHost,
        size: int,
        *,
        status_file: Path | None = None,
        refill_delay: float = 0.0,
    ) -> None:
        self.host = host
        self.size = size
        self.status_file = status_file
        self.refill_delay = refill_delay
        self._refill_at = 0.0
        self._template: ClusterSpec | None = None
        self._shape: PoolShape | None = None
        self._member_mb = 0
        self._members: dict[str, _Member] = {}
        self._ending: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ reading

    def status(self) -> PoolStatus:
        """What the pool holds now."""
        self._settle()
        return PoolStatus(
            size=self.size,
            shape=self._shape.describe() if self._shape else "",
            member_memory_mb=self._member_mb,
            members=[
                PoolMember(
                    member_id,
                    PoolMemberState.READY if member.ready else PoolMemberState.STARTING,
                )
                for member_id, member in self._members.items()
            ],
        )

    def matches(self, spec: ClusterSpec) -> bool:
        """True when ``spec`` is of the shape the pool keeps."""
        shape = PoolShape.of(spec)
        return shape is not None and shape == self._shape

    # ------------------------------------------------------------------ changing

    async def tend(self, template: ClusterSpec | None, free_mb: int, member_mb: int) -> None:
        """Drop dead members, give way beyond ``free_mb``, start missing ones (see the module)."""
        shape = PoolShape.of(template) if template is not None else None
        if template is None or shape != self._shape:
            for member_id in list(self._members):
                self._end(member_id)
            self._shape, self._template = shape, template
        self._member_mb = member_mb
        self._settle()
        for member_id, member in list(self._members.items()):
            if member.ready and not self.host.member_alive(member_id):
                self._end(member_id)
        # Give way: the newest (least ready) members go first.
        while self._members and len(self._members) * member_mb > free_mb:
            self._end(next(reversed(self._members)))
        if self._template is not None and member_mb > 0 and time.monotonic() >= self._refill_at:
            while (
                len(self._members) < self.size and (len(self._members) + 1) * member_mb <= free_mb
            ):
                self._launch(self._template)
        self._write_status()
        if template is None:
            await self.drain()

    async def take(self, spec: ClusterSpec) -> ClusterSpec | None:
        """A live member of ``spec``'s shape, now out of the pool for good (or None).

        A ready member first; else one still starting is reserved and waited
        for (it is further along than a cold start would be). A member that
        died or failed to start is never handed out.
        """
        if not self.matches(spec):
            return None
        self._settle()
        for member_id, member in list(self._members.items()):
            if not member.ready:
                continue
            if not self.host.member_alive(member_id):
                self._end(member_id)  # died since the pool last looked: never handed out
                continue
            del self._members[member_id]
            self._handed_out()
            return member.spec
        starting = next(((i, m) for i, m in self._members.items() if m.task is not None), None)
        if starting is None:
            return None
        member_id, member = starting
        del self._members[member_id]  # reserved: no other cluster gets it
        self._write_status()
        assert member.task is not None
        try:
            ok = await asyncio.shield(member.task)
        except asyncio.CancelledError:
            self._stop(member_id, member)
            raise
        except (EngineError, OSError):  # a start that raised left nothing to hand out
            ok = False
        if ok and self.host.member_alive(member_id):
            self._handed_out()
            return member.spec
        self._stop(member_id, member)
        return None

    async def drain(self) -> None:
        """Wait until every member being stopped has stopped."""
        while self._ending:
            await asyncio.gather(*self._ending, return_exceptions=True)

    # ------------------------------------------------------------------ inside

    def _handed_out(self) -> None:
        self._refill_at = time.monotonic() + self.refill_delay
        self._write_status()

    def _launch(self, template: ClusterSpec) -> None:
        member_id = new_member_id()
        spec = self.host.member_spec(template, member_id)
        task = asyncio.create_task(self.host.start_member(spec), name=f"pool-start-{member_id}")
        self._members[member_id] = _Member(spec=spec, task=task)
        task.add_done_callback(lambda _t: self._write_status())

    def _settle(self) -> None:
        """Note which starts finished; a failed one is dropped."""
        for member_id, member in list(self._members.items()):
            task = member.task
            if task is None or not task.done():
                continue
            member.task = None
            ok = not task.cancelled() and task.exception() is None and task.result()
            if ok:
                member.ready = True
            else:
                self._end(member_id)

    def _end(self, member_id: str) -> None:
        """Take a member out of the pool and stop it in the background."""
        member = self._members.pop(member_id, None)
        if member is not None:
            self._stop(member_id, member)

    def _stop(self, member_id: str, member: _Member) -> None:
        """Stop a member (out of the pool) in the background."""

        async def end() -> None:
            if member.task is not None and not member.task.done():
                member.task.cancel()
                await asyncio.gather(member.task, return_exceptions=True)
            await self.host.stop_member(member_id)

        task = asyncio.create_task(end(), name=f"pool-stop-{member_id}")
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    def _write_status(self) -> None:
        if self.status_file is None:
            return
        status = self.status()
        data = {
            "Size": status.size,
            "Shape": status.shape,
            "MemberMemoryMiB": status.member_memory_mb,
            "MemoryMiB": status.memory_mb,
            "Members": [{"Id": m.member_id, "State": m.state.value} for m in status.members],
            "UpdatedAt": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "ServerPid": os.getpid(),
        }
        self.status_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.status_file.with_name(f".{self.status_file.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps(data, indent=1))
        tmp.replace(self.status_file)


def read_status(data_dir: Path) -> Mapping[str, Any] | None:
    """What the pool of the server on ``data_dir`` last said it holds (None: never written)."""
    with contextlib.suppress(FileNotFoundError, ValueError):
        data = json.loads(status_path(data_dir).read_text())
        if isinstance(data, dict):
            return data
    return None


def members_of(data: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    """The members listed in a status written by the pool."""
    members = data.get("Members")
    return [m for m in members if isinstance(m, dict)] if isinstance(members, list) else []

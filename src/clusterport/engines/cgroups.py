"""Resource limits per tenant: a control group for each cluster and each Studio app.

The sandbox walls a tenant's view in; a control group bounds what it may
consume, so that one tenant cannot exhaust the host (on AWS every cluster has
instances of its own):

* ``memory``: the most memory (page cache included) all of the tenant's
  processes together may hold; beyond it the kernel's OOM killer ends one of
  *them*, never a process of another tenant or of the platform;
* ``pids``: the most processes and threads the tenant may run at once, so a
  fork bomb stops there. Steps and bootstrap actions run in a part of the
  cluster's group with a smaller bound of their own, so that a step that
  forks without end cannot leave the cluster's JVMs without threads.

Groups live under ``clusterport/<tenant>/<part>`` of the host's memory and pids
hierarchies: cgroup v1 (a hierarchy per controller) or v2 (one unified tree,
the controllers enabled down to the tenant's group; processes sit only in
leaves, as v2 asks). Making groups needs root (or a delegated subtree); where
they cannot be made, :meth:`ControlGroups.detect` says why and tenants run
without these limits (the sandbox's per-uid process limit still holds as root).

A process joins a group before the sandbox starts: :meth:`TenantGroup.join_argv`
is a prefix that writes the starting shell's pid into each ``cgroup.procs``
and then execs the sandbox, so everything inside inherits the group.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "CGROUP_ROOT",
    "STEP_MAX_PROCESSES",
    "ControlGroups",
    "Limits",
    "Part",
    "TenantGroup",
]

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: The folder of every group the platform makes, in each hierarchy.
PARENT = "clusterport"
#: Processes (threads included) all steps and bootstrap actions of a cluster may run
#: at once: well below the cluster's own bound, so its daemons keep room for threads.
STEP_MAX_PROCESSES = 1024
#: Joins the control groups named before ``--`` (their ``cgroup.procs`` files), then
#: execs the rest; a group that cannot be joined stops the start (exit 125).
_JOIN = (
    'while [ "$1" != -- ]; do echo $$ 2>/dev/null > "$1" || { echo "clusterport: cannot '
    "join the control group $1: run the server as root (or give it a delegated cgroup "
    'subtree), or remove a stale group of that name" >&2; exit 125; }; shift; done; '
    'shift; exec "$@"'
)


class Part(enum.Enum):
    """Where in a tenant's group a process runs."""

    #: Long-running processes: JVMs, sidecars, JupyterLab and its kernels.
    DAEMONS = "daemons"
    #: Steps and bootstrap actions (a bound of processes of their own).
    STEPS = "steps"


@dataclass(frozen=True)
class Limits:
    """What one tenant's processes may use together (``None``: no bound)."""

    memory_mb: int | None
    max_processes: int | None


@dataclass(frozen=True)
class TenantGroup:
    """One tenant's group, part ``part``: the ``cgroup.procs`` files a process joins."""

    procs_files: tuple[Path, ...]

    def join_argv(self) -> list[str]:
        """The prefix that puts the command it runs (and its children) into the group."""
        if not self.procs_files:
            return []
        return ["/bin/sh", "-c", _JOIN, "cgroup-join", *map(str, self.procs_files), "--"]


@dataclass(frozen=True)
class ControlGroups:
    """The host's memory and pids hierarchies, where tenant groups are made.

    ``version`` is 1 or 2, or 0 when groups cannot be made here (``reason`` says
    why, for the server's start banner).
    """

    version: int
    memory_root: Path | None = None
    pids_root: Path | None = None
    reason: str = ""

    @classmethod
    def detect(cls, root: Path = CGROUP_ROOT) -> ControlGroups:
        """The hierarchies under ``root`` in which this process may make groups."""
        if (root / "cgroup.controllers").is_file():
            available = (root / "cgroup.controllers").read_text().split()
            if not {"memory", "pids"} <= set(available):
                return cls(0, reason=f"the cgroup v2 tree at {root} lacks memory or pids")
            return cls._usable(2, root / PARENT, root / PARENT, root)
        memory, pids = root / "memory", root / "pids"
        if not ((memory / "cgroup.procs").is_file() and (pids / "cgroup.procs").is_file()):
            return cls(0, reason=f"no memory and pids controllers under {root}")
        return cls._usable(1, memory / PARENT, pids / PARENT, root)

    @classmethod
    def _usable(cls, version: int, memory: Path, pids: Path, root: Path) -> ControlGroups:
        try:
            for parent in {memory, pids}:
                parent.mkdir(exist_ok=True)
            if version == 2:
                _enable_controllers(root)
                _enable_controllers(memory)
        except OSError as exc:
            return cls(0, reason=f"groups cannot be made under {root} ({exc.strerror})")
        return cls(version, memory, pids)

    @property
    def enabled(self) -> bool:
        """True when tenants get memory and process limits here."""
        return self.version != 0

    @property
    def description(self) -> str:
        """One line for the server's start banner."""
        if not self.enabled:
            return f"resource limits: none per tenant ({self.reason}; run as root to have them)"
        return f"resource limits: a memory and process bound per tenant (cgroup v{self.version})"

    def group(self, tenant: str, part: Part, limits: Limits) -> TenantGroup:
        """``tenant``'s group, made or updated with ``limits``; its ``part`` to join.

        Raising a bound always takes; lowering one below what the tenant
        already uses keeps the old bound (the kernel refuses it).
        """
        if self.memory_root is None or self.pids_root is None:
            return TenantGroup(())
        memory_top, pids_top = self.memory_root / tenant, self.pids_root / tenant
        for top in {memory_top, pids_top}:
            top.mkdir(exist_ok=True)
            if self.version == 2:
                _enable_controllers(top)
        if limits.memory_mb is not None:
            name = "memory.max" if self.version == 2 else "memory.limit_in_bytes"
            _write_limit(memory_top / name, str(limits.memory_mb * 1024 * 1024))
        if limits.max_processes is not None:
            _write_limit(pids_top / "pids.max", str(limits.max_processes))
        leaves = tuple(dict.fromkeys((memory_top / part.value, pids_top / part.value)))
        for leaf in leaves:
            leaf.mkdir(exist_ok=True)
        if part is Part.STEPS:
            _write_limit(pids_top / part.value / "pids.max", str(STEP_MAX_PROCESSES))
        return TenantGroup(tuple(leaf / "cgroup.procs" for leaf in leaves))

    def members(self, tenant: str) -> list[int]:
        """The pids in ``tenant``'s group, every part (empty without groups)."""
        found: set[int] = set()
        for top in self._tops(tenant):
            for procs in top.glob("*/cgroup.procs"):
                with contextlib.suppress(OSError):
                    found.update(int(line) for line in procs.read_text().split())
        return sorted(found)

    def memory_limit_mb(self, tenant: str) -> int | None:
        """The memory bound of ``tenant``'s group, if it has one."""
        if self.memory_root is None:
            return None
        name = "memory.max" if self.version == 2 else "memory.limit_in_bytes"
        try:
            value = (self.memory_root / tenant / name).read_text().strip()
        except OSError:
            return None
        return None if value == "max" else int(value) // (1024 * 1024)

    def remove(self, tenant: str, settle: float = 0.0) -> bool:
        """Remove ``tenant``'s group once no process is left in it; False if some are.

        Processes just killed leave their group a moment later (the kernel
        tears them down asynchronously): ``settle`` is how long to wait for that.
        """
        deadline = time.monotonic() + settle
        while not self._remove_once(tenant):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _remove_once(self, tenant: str) -> bool:
        removed = True
        for top in self._tops(tenant):
            for leaf in [*(p for p in top.iterdir() if p.is_dir()), top]:
                try:
                    leaf.rmdir()
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        raise
                    removed = False
        return removed

    def _tops(self, tenant: str) -> list[Path]:
        roots: Sequence[Path | None] = (self.memory_root, self.pids_root)
        tops = dict.fromkeys(root / tenant for root in roots if root is not None)
        return [top for top in tops if top.is_dir()]


def _enable_controllers(group: Path) -> None:
    """Hand the memory and pids controllers down to ``group``'s children (cgroup v2)."""
    control = group / "cgroup.subtree_control"
    if not {"memory", "pids"} <= set(control.read_text().split()):
        control.write_text("+memory +pids")


def _write_limit(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError as exc:
        # A bound below what the group already uses: keep the one it has.
        if exc.errno not in (errno.EBUSY, errno.EINVAL):
            raise

"""One tenant's walls: every process of a cluster or a Studio app starts inside one.

On AWS a tenant's code runs on the tenant's own instances. Here every process a
tenant can influence (Spark's daemons, the driver and its executors, the
history server, Livy and its interpreters, steps, bootstrap actions, a Studio
app's JupyterLab, kernels and terminals) is started through
:meth:`Sandbox.command`, which wraps it in bubblewrap:

* its own **mount** namespace: the system (``/usr``, ``/etc``), Java, the Python
  environment and the Spark install read-only; the tenant's own folder (a
  cluster's work dir, a user's home) read-write; a private ``/tmp``. The data
  dir's keys, the database, other clusters' folders and other homes are not
  mounted at all;
* its own **PID** and **IPC** namespaces: it sees no process outside itself;
* when the server runs as root, an **unprivileged user of its own**
  (:class:`TenantUsers`: one uid per cluster or app, never reused), with every
  capability dropped, no new privileges and a process limit, so an escape from
  the mount view still meets file permissions;
* a **control group** of its own (:mod:`clusterport.engines.cgroups`, where the
  host lets us make one): a memory and a process bound for all of the tenant's
  processes together, so one tenant cannot exhaust the host.

The wrapped process keeps the process group the engine gave it, so stopping a
group stops everything inside. No ``--die-with-parent``: a cluster outlives a
control plane that restarts, as on AWS.

Where bubblewrap cannot run (no user namespaces, no binary), the server refuses
to start tenants unless the admin chose ``--no-sandbox``
(:attr:`SandboxPolicy.enabled` false), which is said on every start.

Errors::

    EngineError
    └── SandboxUnavailableError   bubblewrap cannot run here; the message says why and the fix
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from clusterport.engines.base import EngineError
from clusterport.engines.cgroups import TenantGroup

__all__ = [
    "ENV_ALLOWED",
    "TENANT_UID_BASE",
    "Sandbox",
    "SandboxPolicy",
    "SandboxUnavailableError",
    "TenantUsers",
    "runtime_paths",
    "tenant_env",
]

#: The first uid handed to a tenant when the server runs as root (far above
#: login users, system users and the usual subordinate-id ranges).
TENANT_UID_BASE = 1_500_000_000
#: The host's own records shared by every data dir (the tenant uid counter).
HOST_STATE_DIR = Path("/var/lib/clusterport")
#: Processes (threads included) one tenant uid may run at once: a fork bomb
#: inside a cluster stops there, not at the host's limit.
TENANT_MAX_PROCESSES = 4096
#: Environment variables a tenant process may inherit from the server's own
#: environment; everything else it gets is set explicitly by the engine.
ENV_ALLOWED = frozenset({"PATH", "LANG", "LANGUAGE", "TZ", "TERM"})
_SETPRIV = "/usr/bin/setpriv"
_PRLIMIT = "/usr/bin/prlimit"


class SandboxUnavailableError(EngineError):
    """bubblewrap cannot run on this host; the message says why and what to do."""


def tenant_env(extra: Mapping[str, str]) -> dict[str, str]:
    """A tenant's environment: the few harmless variables of ours, plus ``extra``.

    The server's own environment (cloud credentials, database URLs, tokens of
    whoever started it) never reaches a tenant.
    """
    env = {k: v for k, v in os.environ.items() if k in ENV_ALLOWED or k.startswith("LC_")}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(extra)
    return env


def runtime_paths() -> tuple[Path, ...]:
    """What every tenant needs to read: this Python, its environment and this package."""
    package_root = Path(__file__).resolve().parents[2]  # src/ (editable) or site-packages
    paths = {
        Path(sys.base_prefix).resolve(),
        Path(sys.prefix).resolve(),
        Path(sys.executable).resolve().parent,
        package_root,
    }
    return tuple(sorted(paths))


@dataclass(frozen=True)
class SandboxPolicy:
    """How this server walls tenants in.

    ``enabled`` false is ``--no-sandbox``: tenants run as plain processes of
    the server's user, safe for one trusted tenant only. ``separate_users``
    (the server runs as root) gives every tenant an unprivileged uid of its own.
    """

    enabled: bool
    bwrap: str = "/usr/bin/bwrap"
    separate_users: bool = False

    @classmethod
    def detect(cls, *, sandbox: bool = True) -> SandboxPolicy:
        """The policy for this host; raises :class:`SandboxUnavailableError` if it cannot hold.

        ``sandbox`` false (``--no-sandbox``) skips the check and turns the walls off.
        """
        if not sandbox:
            return cls(enabled=False)
        bwrap = shutil.which("bwrap")
        if bwrap is None:
            raise SandboxUnavailableError(
                "bubblewrap (bwrap) is not installed, so clusters and Studio apps cannot be "
                "sandboxed; install it (`apt-get install bubblewrap`), or start the server "
                "with --no-sandbox (unsafe with more than one tenant)."
            )
        root = os.geteuid() == 0
        if root and not (Path(_SETPRIV).exists() and Path(_PRLIMIT).exists()):
            raise SandboxUnavailableError(
                f"{_SETPRIV} and {_PRLIMIT} (util-linux) are needed to run tenants as users of "
                "their own; install util-linux, or start the server with --no-sandbox."
            )
        policy = cls(enabled=True, bwrap=bwrap, separate_users=root)
        policy.check()
        return policy

    def check(self) -> None:
        """Run ``true`` in a sandbox; raise :class:`SandboxUnavailableError` if that fails."""
        probe = Sandbox(self, name="probe", writable=(), readable=(), uid=None)
        argv = probe.command(["/bin/true"], cwd=Path("/"))
        try:
            done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SandboxUnavailableError(
                f"bubblewrap could not start a sandbox ({exc}); start the server with "
                "--no-sandbox to run tenants unsandboxed (unsafe with more than one tenant)."
            ) from exc
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip()[-500:]
            raise SandboxUnavailableError(
                f"bubblewrap cannot create namespaces on this host ({reason}); enable user "
                "namespaces (sysctl kernel.unprivileged_userns_clone=1) or run the server as "
                "root, or start it with --no-sandbox (unsafe with more than one tenant)."
            )

    @property
    def description(self) -> str:
        """One line for the server's start banner."""
        if not self.enabled:
            return (
                "WARNING: --no-sandbox: clusters and Studio apps run unsandboxed as the "
                "server's user; their code can read the data dir. Unsafe with more than one "
                "tenant."
            )
        users = "a user of its own per tenant" if self.separate_users else "the server's user"
        return f"sandbox: bubblewrap (mount, PID, IPC namespaces), {users}"


@dataclass(frozen=True)
class Sandbox:
    """The walls around one tenant: what it may write, what it may read, who it runs as."""

    policy: SandboxPolicy
    name: str
    writable: Sequence[Path]
    readable: Sequence[Path]
    uid: int | None
    #: The tenant's home in its ``/etc/passwd`` entry.
    home: Path | None = None
    #: Where the tenant's ``passwd`` and ``group`` files are written (a folder of
    #: the platform's): Java and Hadoop need a name for the uid.
    identity_dir: Path | None = None
    #: The control group its processes join (memory and process bounds), if any.
    group: TenantGroup | None = None
    #: The largest file (bytes) one of its processes may write (``RLIMIT_FSIZE``): a
    #: step that writes without end is stopped by ``SIGXFSZ`` before the disk fills.
    max_file_bytes: int | None = None

    @property
    def user_name(self) -> str:
        """The tenant user's name inside its sandbox."""
        return f"cp-{_hostname(self.name)}"[:32]

    def _identity_files(self) -> list[str]:
        if self.uid is None or self.identity_dir is None:
            return []
        self.identity_dir.mkdir(parents=True, exist_ok=True)
        home = self.home or Path("/tmp")
        entries = {
            "passwd": f"{self.user_name}:x:{self.uid}:{self.uid}::{home}:/usr/sbin/nologin\n",
            "group": f"{self.user_name}:x:{self.uid}:\n",
        }
        args: list[str] = []
        for name, entry in entries.items():
            path = self.identity_dir / name
            path.write_text(Path(f"/etc/{name}").read_text() + entry)
            path.chmod(0o644)
            args += ["--ro-bind", str(path), f"/etc/{name}"]
        return args

    def sees(self, path: Path) -> bool:
        """True when ``path`` is inside the sandbox's view (nothing to fetch for it)."""
        resolved = path.resolve()
        roots = [*self.writable, *self.readable, *map(Path, ("/usr", "/etc", "/opt"))]
        return any(resolved.is_relative_to(Path(r).resolve()) for r in roots)

    def command(self, argv: Sequence[str], *, cwd: Path) -> list[str]:
        """``argv`` wrapped so that it starts inside the sandbox, in ``cwd``."""
        join = self.group.join_argv() if self.group else []
        if not self.policy.enabled:
            return [*join, "/usr/bin/env", "-C", str(cwd), "--", *argv]
        wrapped = [*join, self.policy.bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
        if os.geteuid() != 0:
            wrapped.append("--unshare-user")
        wrapped += ["--hostname", _hostname(self.name)]
        wrapped += _system_mounts()
        readable = _outermost(p for p in self.readable if Path(p).exists())
        writable = _outermost(self.writable)
        # bubblewrap would copy the host's modes onto the folders it makes above a
        # mount (a 0700 data dir would then bar the tenant from its own work dir).
        wrapped += _folders_above([*readable, *writable])
        for path in readable:
            wrapped += ["--ro-bind", str(path), str(path)]
        for path in writable:
            wrapped += ["--bind", str(path), str(path)]
        wrapped += self._identity_files()
        wrapped += ["--chdir", str(cwd), "--"]
        bounds = [f"--nproc={TENANT_MAX_PROCESSES}"] if self.uid is not None else []
        if self.max_file_bytes is not None:
            bounds.append(f"--fsize={self.max_file_bytes}")
        if bounds:
            wrapped += [_PRLIMIT, *bounds, "--"]
        if self.uid is not None:
            wrapped += [
                _SETPRIV,
                f"--reuid={self.uid}",
                f"--regid={self.uid}",
                "--clear-groups",
                "--inh-caps=-all",
                "--bounding-set=-all",
                "--no-new-privs",
                "--",
            ]
        return [*wrapped, *argv]

    def own(self, *paths: Path) -> None:
        """Give the tenant's uid ``paths`` and everything below them (no-op without one)."""
        if self.uid is None:
            return
        for top in paths:
            for path in _walk(top):
                os.lchown(path, self.uid, self.uid)


def _hostname(name: str) -> str:
    safe = "".join(c if c.isalnum() or c == "-" else "-" for c in name.lower())
    return (safe.strip("-") or "tenant")[:63]


def _system_mounts() -> list[str]:
    """The host's system folders read-only, a fresh /proc, /dev and a private /tmp."""
    args: list[str] = []
    for top in ("/usr", "/etc", "/opt"):
        if Path(top).is_dir():
            args += ["--ro-bind", top, top]
    for link in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        path = Path(link)
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), link]
        elif path.is_dir():
            args += ["--ro-bind", link, link]
    # The JVM reads CPU and memory facts here; nothing in them is a secret.
    for info in ("/sys/devices/system/cpu", "/sys/fs/cgroup"):
        if Path(info).is_dir():
            args += ["--ro-bind", info, info]
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--tmpfs", "/tmp", "--perms", "1777", "--tmpfs", "/var/tmp"]
    args += ["--tmpfs", "/run", "--dir", "/root", "--dir", "/home"]
    return args


def _outermost(paths: Iterable[Path | str]) -> list[Path]:
    """``paths`` without those inside another one of them."""
    unique = sorted({Path(p) for p in paths}, key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in unique:
        if not any(path.is_relative_to(outer) for outer in kept):
            kept.append(path)
    return kept


def _folders_above(mounts: Sequence[Path]) -> list[str]:
    """Traversable (0755) folders from ``/`` down to each mount point, outside the system."""
    system = [Path(p) for p in ("/usr", "/etc", "/opt", "/proc", "/dev", "/sys")]
    args: list[str] = []
    made: set[Path] = {Path("/"), Path("/tmp"), Path("/root"), Path("/home")}
    for mount in sorted(mounts, key=lambda p: len(p.parts)):
        for folder in reversed(mount.parents):
            if folder in made or any(folder.is_relative_to(s) for s in system):
                continue
            if any(folder.is_relative_to(m) for m in mounts if m != mount):
                continue
            made.add(folder)
            args += ["--perms", "0755", "--dir", str(folder)]
    return args


def _walk(top: Path) -> Iterator[Path]:
    if not top.exists() and not top.is_symlink():
        return
    yield top
    if top.is_dir() and not top.is_symlink():
        for root, dirs, files in os.walk(top):
            for name in [*dirs, *files]:
                yield Path(root) / name


class TenantUsers:
    """One unprivileged uid per tenant name, handed out once and never reused on the host.

    Kept in ``<data dir>/engine/tenant-uids.json`` (0600), so a restarted
    server gives a running cluster the uid it already has, and a terminated
    cluster's uid (which still owns its event logs) never serves another tenant.
    New uids come from a counter of the host's (``host_dir``, by default
    :data:`HOST_STATE_DIR`), so that two data dirs on one host never give one
    uid to two tenants; where that folder cannot be written (a server that is
    not root, which runs no tenant as a user of its own), from the data dir's map.
    """

    def __init__(self, data_dir: Path, host_dir: Path | None = None) -> None:
        self.path = data_dir / "engine" / "tenant-uids.json"
        self.host_dir = host_dir or HOST_STATE_DIR

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, int]]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock = self.path.with_suffix(".lock")
        with open(lock, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                data: dict[str, int] = {}
                if self.path.exists():
                    data = {str(k): int(v) for k, v in json.loads(self.path.read_text()).items()}
                yield data
                tmp = self.path.with_suffix(".tmp")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                with os.fdopen(fd, "w") as out:
                    json.dump(data, out)
                tmp.replace(self.path)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def uid_for(self, tenant: str) -> int:
        """The tenant's uid, allocating the next unused one the first time."""
        with self._locked() as data:
            if tenant not in data:
                data[tenant] = self._next_host_uid(max([TENANT_UID_BASE - 1, *data.values()]) + 1)
            return data[tenant]

    def _next_host_uid(self, floor: int) -> int:
        """The host's next unused uid (at least ``floor``), counted once for every data dir."""
        counter = self.host_dir / "next-tenant-uid"
        try:
            self.host_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(counter, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:
            return floor
        with os.fdopen(fd, "r+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            text = handle.read().strip()
            uid = max(floor, int(text) if text.isdigit() else floor)
            handle.seek(0)
            handle.truncate()
            handle.write(f"{uid + 1}\n")
            handle.flush()
            os.fsync(handle.fileno())
        return uid

"""Bootstrap actions: scripts run on a cluster before Spark starts, as on EMR.

Each action runs in order, in the cluster's sandbox and its own session, with a
timeout; its script is fetched into ``<work_dir>/bootstrap/<n>-<name>/`` (as
EMR fetches it from S3) and its stdout and stderr are kept there. The first failing
action (non-zero exit, timeout, or a path the host cannot run) stops the
sequence. A daemon an action leaves behind on success is recorded, so it is
stopped with the cluster; on failure it is stopped at once.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from clusterport.engines.base import BootstrapAction, InvalidSpecError
from clusterport.engines.processes import (
    ProcessRecord,
    boot_id,
    log_tail,
    start_ticks,
    terminate,
)
from clusterport.engines.sandbox import Sandbox
from clusterport.process_groups import group_members, start_group_async


@dataclass(frozen=True)
class BootstrapFailure:
    """Why the bootstrap of a cluster failed."""

    index: int
    name: str
    exit_code: int | None
    output: str
    reason: str

    @property
    def message(self) -> str:
        """An EMR-style state change message naming the action and its output."""
        return (
            f"Bootstrap action {self.index} ({self.name}) {self.reason}. "
            f"Last lines of its output:\n{self.output}"
        )


@dataclass(frozen=True)
class BootstrapOutcome:
    """Daemons left running by successful actions, and the failure if one failed."""

    daemons: Sequence[ProcessRecord]
    failure: BootstrapFailure | None


def local_path(location: str, what: str) -> Path:
    """A ``file://`` URL or plain path as a local path; other schemes are refused."""
    parsed = urlparse(location)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme == "":
        return Path(location)
    raise InvalidSpecError(
        f"The {what} location {location!r} uses the {parsed.scheme}:// scheme, which this "
        "host cannot fetch; copy the file onto the host and give a file:// URL or a path."
    )


#: Where an admin lists extra folders that ``file://`` scripts, jars and applications
#: of clusters may be fetched from (``os.pathsep``-separated).
FILE_ROOTS_ENV = "CLUSTERPORT_FILE_ROOTS"
#: The largest file a cluster may fetch from the host.
MAX_FETCH_BYTES = 512 * 1024 * 1024


def file_roots(data_dir: Path) -> list[Path]:
    """The folders clusters may fetch files from: ``<data dir>/files`` and the admin's list."""
    roots = [data_dir / "files"]
    extra = os.environ.get(FILE_ROOTS_ENV, "")
    roots.extend(Path(part) for part in extra.split(os.pathsep) if part.strip())
    return [root.resolve() for root in roots]


def stage_file(source: Path, folder: Path, roots: Sequence[Path], *, what: str) -> Path:
    """Copy ``source`` into ``folder`` for a cluster; refuse what the cluster may not fetch.

    On AWS a cluster fetches its scripts from S3, never from the control
    plane's disk: here a file may come only from the admin's file folders
    (:func:`file_roots`), resolved without following a symlink out of them.
    """
    path = source.resolve()
    if not any(path.is_relative_to(root) for root in roots):
        folders = ", ".join(str(r) for r in roots)
        raise InvalidSpecError(
            f"The {what} {source} is outside the folders clusters may fetch files from "
            f"({folders}); copy it into one of them, or add its folder to {FILE_ROOTS_ENV} "
            "on the server."
        )
    if not path.is_file():
        raise InvalidSpecError(f"The {what} {source} does not exist on this host.")
    if path.stat().st_size > MAX_FETCH_BYTES:
        raise InvalidSpecError(
            f"The {what} {source} is larger than {MAX_FETCH_BYTES // (1024 * 1024)} MiB."
        )
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    shutil.copyfile(path, target)
    target.chmod(0o755 if os.access(path, os.X_OK) else 0o644)
    return target


def script_argv(path: Path, args: Sequence[str]) -> list[str]:
    """Run an executable directly; anything else through bash, as EMR would."""
    if os.access(path, os.X_OK):
        return [str(path), *args]
    return ["/bin/bash", str(path), *args]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:60] or "action"


async def run_bootstrap_actions(
    actions: Sequence[BootstrapAction],
    *,
    work_dir: Path,
    env: Mapping[str, str],
    timeout: float,
    sandbox: Sandbox,
    roots: Sequence[Path],
) -> BootstrapOutcome:
    """Run the actions in order, in ``sandbox``; stop at the first failure."""
    daemons: list[ProcessRecord] = []
    for index, action in enumerate(actions, start=1):
        folder = work_dir / "bootstrap" / f"{index}-{_safe(action.name)}"
        folder.mkdir(parents=True, exist_ok=True)
        stdout, stderr = folder / "stdout", folder / "stderr"
        try:
            path = stage_file(
                local_path(action.path, "bootstrap action"),
                folder / "script",
                roots,
                what="bootstrap action script",
            )
        except InvalidSpecError as exc:
            stderr.write_text(f"{exc}\n")
            await terminate(daemons)
            failure = BootstrapFailure(index, action.name, None, str(exc), "could not run")
            return BootstrapOutcome((), failure)
        sandbox.own(folder)
        record, code, reason = await _run_one(
            script_argv(path, action.args),
            folder=folder,
            env=env,
            timeout=timeout,
            index=index,
            sandbox=sandbox,
        )
        if code == 0:
            if group_members(record.pid):
                daemons.append(record)
            continue
        await terminate([*daemons, record])
        output = log_tail(stderr, 20) or log_tail(stdout, 20)
        return BootstrapOutcome((), BootstrapFailure(index, action.name, code, output, reason))
    return BootstrapOutcome(daemons, None)


#: Runs an action, records its exit code, and (in a sandbox, whose recorded
#: process ends when its first one does, while what that one left runs on under
#: the sandbox's init) stays while daemons the action left behind run, so that the
#: engine sees and stops them: the sandbox's init is pid 1, this shell pid 2,
#: anything more a daemon.
_WRAPPER = (
    '"$@"; rc=$?; printf "%s\\n" "$rc" > "$CLUSTERPORT_EXIT_FILE"; '
    'if [ "$rc" -eq 0 ] && [ "$$" -eq 2 ]; then '
    "while :; do n=0; for p in /proc/[0-9]*; do n=$((n+1)); done; "
    '[ "$n" -gt 2 ] || break; sleep 1; done; fi; exit "$rc"'
)


async def _run_one(
    argv: list[str],
    *,
    folder: Path,
    env: Mapping[str, str],
    timeout: float,
    index: int,
    sandbox: Sandbox,
) -> tuple[ProcessRecord, int | None, str]:
    exit_file = folder / "exit_code"
    exit_file.unlink(missing_ok=True)
    with open(folder / "stdout", "wb") as out, open(folder / "stderr", "wb") as err:
        proc = await start_group_async(
            sandbox.command(["/bin/sh", "-c", _WRAPPER, "bootstrap", *argv], cwd=folder),
            env={**env, "CLUSTERPORT_EXIT_FILE": str(exit_file)},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
    record = ProcessRecord(
        role=f"bootstrap:{index}",
        pid=proc.pid,
        start_ticks=start_ticks(proc.pid) or 0,
        boot_id=boot_id(),
        log_path=str(folder / "stderr"),
    )
    try:
        code = await asyncio.wait_for(_ended(proc, exit_file), timeout)
    except TimeoutError:
        await terminate([record], grace=5.0)
        await proc.wait()
        return record, None, f"timed out after {timeout:.0f} s"
    except BaseException:
        await terminate([record], grace=5.0)
        raise
    return record, code, f"failed with exit code {code}"


async def _ended(proc: asyncio.subprocess.Process, exit_file: Path, poll: float = 0.1) -> int:
    """The action's exit code, once its wrapper recorded it or its sandbox ended."""
    while proc.returncode is None:
        try:
            return int(exit_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            pass
        try:
            return await asyncio.wait_for(proc.wait(), poll)
        except TimeoutError:
            continue
    return proc.returncode

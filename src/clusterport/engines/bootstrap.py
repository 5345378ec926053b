"""Bootstrap actions: scripts run on a cluster before Spark starts, as on EMR.

Each action runs in order, in its own session, with a timeout; its stdout and
stderr are kept under ``<work_dir>/bootstrap/<n>-<name>/``. The first failing
action (non-zero exit, timeout, or a path the host cannot run) stops the
sequence. A daemon an action leaves behind on success is recorded, so it is
stopped with the cluster; on failure it is stopped at once.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from clusterport.engines.base import BootstrapAction, InvalidSpecError
from clusterport.engines.processes import (
    ProcessRecord,
    boot_id,
    group_members,
    log_tail,
    start_ticks,
    terminate,
)


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
) -> BootstrapOutcome:
    """Run the actions in order; stop at the first failure."""
    daemons: list[ProcessRecord] = []
    for index, action in enumerate(actions, start=1):
        folder = work_dir / "bootstrap" / f"{index}-{_safe(action.name)}"
        folder.mkdir(parents=True, exist_ok=True)
        stdout, stderr = folder / "stdout", folder / "stderr"
        try:
            path = local_path(action.path, "bootstrap action")
        except InvalidSpecError as exc:
            stderr.write_text(f"{exc}\n")
            await terminate(daemons)
            failure = BootstrapFailure(index, action.name, None, str(exc), "could not run")
            return BootstrapOutcome((), failure)
        if not path.is_file():
            output = f"No such file: {path}"
            stderr.write_text(output + "\n")
            await terminate(daemons)
            failure = BootstrapFailure(index, action.name, None, output, "could not run")
            return BootstrapOutcome((), failure)
        record, code, reason = await _run_one(
            script_argv(path, action.args), folder=folder, env=env, timeout=timeout, index=index
        )
        if code == 0:
            if group_members(record.pid):
                daemons.append(record)
            continue
        await terminate([*daemons, record])
        output = log_tail(stderr, 20) or log_tail(stdout, 20)
        return BootstrapOutcome((), BootstrapFailure(index, action.name, code, output, reason))
    return BootstrapOutcome(daemons, None)


async def _run_one(
    argv: list[str],
    *,
    folder: Path,
    env: Mapping[str, str],
    timeout: float,
    index: int,
) -> tuple[ProcessRecord, int | None, str]:
    with open(folder / "stdout", "wb") as out, open(folder / "stderr", "wb") as err:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=folder,
            env=dict(env),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
    record = ProcessRecord(
        role=f"bootstrap:{index}",
        pid=proc.pid,
        start_ticks=start_ticks(proc.pid) or 0,
        boot_id=boot_id(),
        log_path=str(folder / "stderr"),
    )
    try:
        code = await asyncio.wait_for(proc.wait(), timeout)
    except TimeoutError:
        await terminate([record], grace=5.0)
        await proc.wait()
        return record, None, f"timed out after {timeout:.0f} s"
    except BaseException:
        await terminate([record], grace=5.0)
        raise
    return record, code, f"failed with exit code {code}"

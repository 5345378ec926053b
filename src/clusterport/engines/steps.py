"""EMR steps on the local engine: ``command-runner.jar``, ``script-runner.jar`` and local jars.

* ``command-runner.jar`` runs ``Args`` as a command. ``spark-submit`` (and
  Spark's other ``bin/`` tools) resolve to the cluster's Spark, with the
  cluster's ``spark-defaults`` (master URL, event log, executor sizing);
  ``--master`` given in the args is dropped (``yarn`` means this cluster) and
  ``--deploy-mode cluster`` becomes ``client``, so the driver runs on the
  primary node and the step's exit code is the application's. Any other
  command runs as a plain process with Spark's ``bin/`` first on ``PATH``.
* ``script-runner.jar`` runs the script named by the first arg (``file://``
  URL or path) with the remaining args.
* Any other ``Jar`` (a ``file://`` URL or path) is submitted with
  ``spark-submit`` (``--class MainClass`` when given).

``Properties`` become JVM system properties of the step's driver. Each step
keeps ``stdout``, ``stderr`` and, when it ends, ``exit_code`` under
``<work_dir>/steps/<step-id>/``; the exit code is written by the step's own
wrapper shell. The step's process record (the pid the engine will signal) is
kept in the engine's private folder, out of the cluster's reach. A script, jar
or application file named by a ``file://`` URL or a path is fetched into the
step's folder first (as EMR fetches from S3), from the folders files may come
from (:func:`~clusterport.engines.bootstrap.stage_file`); the step runs in the
cluster's sandbox. A step runs in its own session: when the control plane
stops, the step goes on, and the next control plane waits for its process
(:func:`wait_for_step`) and reads how it ended from that file.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from clusterport.engines.base import (
    InvalidSpecError,
    StepJar,
    StepNotFoundError,
    StepResult,
    StepSpec,
    now_utc,
)
from clusterport.engines.bootstrap import local_path, script_argv, stage_file
from clusterport.engines.processes import (
    ProcessRecord,
    boot_id,
    is_running,
    log_tail,
    owned_group,
    start_ticks,
    terminate,
)
from clusterport.engines.sandbox import Sandbox
from clusterport.engines.spark_install import SparkInstall
from clusterport.engines.state import engine_dir
from clusterport.process_groups import start_group

SPARK_TOOLS = frozenset(
    {"spark-submit", "spark-sql", "spark-shell", "pyspark", "spark-class", "run-example"}
)
_NO_VALUE_FLAGS = frozenset({"--verbose", "-v", "--supervise", "--help", "-h", "--version"})
_STEP_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
# The wrapper records the command's exit code next to its output, then exits with it.
#: How often a running step's process is looked at.
_POLL_SECONDS = 0.25
#: The largest file a step or bootstrap action may write by default (its output
#: included); an engine may set another bound.
STEP_MAX_FILE_MB = 1024
#: Runs the step, records its exit code, and (in a sandbox: this shell is pid 2 of
#: the step's own PID namespace) ends whatever the step left running, which would
#: otherwise live on under the sandbox's init (a fork bomb's children, a daemon).
_WRAPPER = (
    '"$@"; rc=$?; printf "%s\\n" "$rc" > "$CLUSTERPORT_STEP_EXIT_FILE"; '
    'if [ "$$" -eq 2 ]; then kill -KILL -1 2>/dev/null; fi; exit "$rc"'
)


def step_dir(work_dir: Path, step_id: str) -> Path:
    """Where a step's output and records live."""
    if not _STEP_ID.match(step_id):
        raise InvalidSpecError(
            f"Step id {step_id!r} is not usable as a folder name; use letters, digits, '.-_'."
        )
    return work_dir / "steps" / step_id


def _record_file(work_dir: Path, step_id: str) -> Path:
    step_dir(work_dir, step_id)  # validates the id
    folder = engine_dir(work_dir) / "steps"
    folder.mkdir(exist_ok=True, mode=0o700)
    return folder / f"{step_id}.json"


def rewrite_submit_args(args: Sequence[str]) -> list[str]:
    """spark-submit options with ``--master`` dropped and cluster deploy mode made client."""
    out: list[str] = []
    index = 0
    while index < len(args):
        arg = args[index]
        if not arg.startswith("-"):
            out.extend(args[index:])  # the application and its own arguments
            break
        name, has_inline, _value = arg.partition("=")
        takes_value = not has_inline and arg not in _NO_VALUE_FLAGS
        value = args[index + 1] if takes_value and index + 1 < len(args) else None
        index += 2 if takes_value else 1
        if name == "--master":
            continue
        if name == "--deploy-mode":
            out.extend(["--deploy-mode", "client"])
            continue
        out.append(arg)
        if value is not None:
            out.append(value)
    return out


class StepRunner:
    """Runs the steps of one cluster."""

    def __init__(
        self,
        install: SparkInstall,
        *,
        sandbox: Sandbox,
        work_dir: Path,
        spark_conf_dir: Path,
        env: Mapping[str, str],
        file_roots: Sequence[Path],
    ) -> None:
        self.install = install
        self.sandbox = sandbox
        self.file_roots = tuple(file_roots)
        self.work_dir = work_dir
        self.spark_conf_dir = spark_conf_dir
        self.env = dict(env)

    def _spark_tool(self, name: str) -> str:
        return str(self.install.spark_home / "bin" / name)

    def _fetch(self, location: str, what: str, folder: Path) -> Path:
        path = local_path(location, what)
        if self.sandbox.sees(path):
            return path  # already on the cluster (its work dir, Spark's examples, …)
        return stage_file(path, folder, self.file_roots, what=what)

    def command(self, step: StepSpec, folder: Path) -> list[str]:
        """The argv a step runs; raises :class:`InvalidSpecError` for steps the host cannot run.

        Files the step names are fetched into ``folder`` first.
        """
        args = list(step.args)
        if step.jar == StepJar.COMMAND_RUNNER:
            if not args:
                raise InvalidSpecError("command-runner.jar needs the command to run in Args.")
            tool, rest = args[0], args[1:]
            if tool == "spark-submit":
                return [
                    self._spark_tool(tool),
                    *self._fetch_application(rewrite_submit_args(rest), folder),
                ]
            if tool in SPARK_TOOLS:
                return [self._spark_tool(tool), *rest]
            return args
        if step.jar == StepJar.SCRIPT_RUNNER:
            if not args:
                raise InvalidSpecError("script-runner.jar needs the script location in Args.")
            script = self._fetch(args[0], "script-runner script", folder)
            return script_argv(script, args[1:])
        jar = self._fetch(step.jar, "step jar", folder)
        main = ["--class", step.main_class] if step.main_class else []
        return [self._spark_tool("spark-submit"), *main, str(jar), *args]

    def _fetch_application(self, args: list[str], folder: Path) -> list[str]:
        """spark-submit args with the application file (the first non-option) fetched."""
        index = 0
        while index < len(args):
            arg = args[index]
            if not arg.startswith("-"):
                if arg.startswith("file:") or arg.startswith("/"):
                    args[index] = str(self._fetch(arg, "application file", folder))
                break
            takes_value = "=" not in arg and arg not in _NO_VALUE_FLAGS
            index += 2 if takes_value else 1
        return args

    def _step_env(self, step: StepSpec, folder: Path) -> dict[str, str]:
        env = dict(self.env)
        env["SPARK_CONF_DIR"] = str(self.spark_conf_dir)
        env["PATH"] = f"{self.install.spark_home / 'bin'}:{env.get('PATH', os.defpath)}"
        env["CLUSTERPORT_STEP_EXIT_FILE"] = str(folder / "exit_code")
        if step.properties:
            props = " ".join(shlex.quote(f"-D{k}={v}") for k, v in step.properties.items())
            env["SPARK_SUBMIT_OPTS"] = f"{env.get('SPARK_SUBMIT_OPTS', '')} {props}".strip()
        return env

    async def run(self, step: StepSpec) -> StepResult:
        """Run a step to its end; a cancelled step reports ``cancelled=True``."""
        folder = step_dir(self.work_dir, step.step_id)
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in ("exit_code", "cancelled"):
            (folder / leftover).unlink(missing_ok=True)
        stdout, stderr = folder / "stdout", folder / "stderr"
        started = now_utc()
        try:
            argv = self.command(step, folder / "files")
        except InvalidSpecError as exc:
            stdout.write_text("")
            stderr.write_text(f"{exc}\n")
            return StepResult(
                step.step_id, 127, str(stdout), str(stderr), False, started, now_utc(), str(exc)
            )
        # A plain Popen, not asyncio's: asyncio kills a child whose transport is closed,
        # and the step must outlive a control plane that stops.
        with open(stdout, "wb") as out, open(stderr, "wb") as err:
            self.sandbox.own(folder)
            proc = start_group(
                self.sandbox.command(["/bin/sh", "-c", _WRAPPER, "step", *argv], cwd=folder),
                env=self._step_env(step, folder),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )
        record = ProcessRecord(
            role=f"step:{step.step_id}",
            pid=proc.pid,
            start_ticks=start_ticks(proc.pid) or 0,
            boot_id=boot_id(),
            log_path=str(stderr),
        )
        _record_file(self.work_dir, step.step_id).write_text(json.dumps(record.to_json()))
        try:
            while (code := proc.poll()) is None:
                await asyncio.sleep(_POLL_SECONDS)
        except asyncio.CancelledError:
            # The control plane is stopping: the step runs on in its own session and the
            # next control plane waits for it (wait_for_step).
            raise
        except BaseException:
            await terminate([record], grace=5.0)
            raise
        # A step's children (a driver's Python workers, say) end with it.
        await terminate([record], grace=5.0)
        return _result(step.step_id, folder, code, started, now_utc())


def _result(
    step_id: str, folder: Path, code: int, started: datetime, ended: datetime
) -> StepResult:
    """How a step ended, from its exit code and the files in its folder."""
    stdout, stderr = folder / "stdout", folder / "stderr"
    cancelled = (folder / "cancelled").exists()
    message = ""
    if cancelled:
        message = "Cancelled by request."
    elif code != 0:
        # spark-submit passes a Python application's stderr to its own stdout.
        message = (
            f"Step exited with code {code}. Last lines of stderr:\n{log_tail(stderr, 15)}\n"
            f"Last lines of stdout:\n{log_tail(stdout, 15)}"
        )
    return StepResult(step_id, code, str(stdout), str(stderr), cancelled, started, ended, message)


async def wait_for_step(
    work_dir: Path, step_id: str, poll: float = _POLL_SECONDS
) -> StepResult | None:
    """How a step started by an earlier control plane ended, once its process has.

    None when it left no exit code: it never started, or it was killed
    (its wrapper shell with it).
    """
    record = step_record(work_dir, step_id)
    if record is None:
        return None
    while is_running(record):
        await asyncio.sleep(poll)
    await terminate([record], grace=5.0)  # what the step left in its session
    code = step_exit_code(work_dir, step_id)
    if code is None:
        return None
    folder = step_dir(work_dir, step_id)
    started = _mtime(_record_file(work_dir, step_id))
    return _result(step_id, folder, code, started, _mtime(folder / "exit_code"))


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def step_record(work_dir: Path, step_id: str) -> ProcessRecord | None:
    """The process record of a step that was started, if any."""
    try:
        data = json.loads(_record_file(work_dir, step_id).read_text())
    except FileNotFoundError:
        return None
    return ProcessRecord.from_json(data)


def running_steps(work_dir: Path) -> list[ProcessRecord]:
    """Records of the cluster's steps whose processes still run."""
    folder = work_dir / "steps"
    if not folder.is_dir():
        return []
    records = []
    for entry in sorted(folder.iterdir()):
        record = step_record(work_dir, entry.name) if _STEP_ID.match(entry.name) else None
        if record is not None and owned_group(record):
            records.append(record)
    return records


async def cancel_step(work_dir: Path, step_id: str) -> bool:
    """Stop a running step (SIGTERM, then SIGKILL); False when it was not running."""
    folder = step_dir(work_dir, step_id)
    record = step_record(work_dir, step_id)
    if record is None:
        if folder.is_dir():
            return False
        raise StepNotFoundError(f"No step {step_id} was run on this cluster; check the step id.")
    if not owned_group(record):
        return False
    (folder / "cancelled").write_text("cancelled\n")
    await terminate([record], grace=10.0)
    return True


def step_exit_code(work_dir: Path, step_id: str) -> int | None:
    """The recorded exit code of a step that ended (None while it runs or if it was killed)."""
    try:
        return int((step_dir(work_dir, step_id) / "exit_code").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


__all__ = [
    "StepRunner",
    "cancel_step",
    "rewrite_submit_args",
    "running_steps",
    "step_dir",
    "step_exit_code",
    "step_record",
    "wait_for_step",
]

"""``clusterport studio``: start JupyterLab as a SageMaker Studio user profile.

What SageMaker Studio does when a user opens their Jupyter server app, here on
this host, through the AWS APIs only (boto3, with the credentials of an admin
of the domain's account; nothing here imports the platform's server code):

1. ``DescribeDomain`` and ``DescribeUserProfile``: the effective user settings
   are the domain's defaults overridden by the profile's
   (:func:`effective_user_settings`).
2. The user's home on the domain's shared file system,
   ``<data dir>/studio/<domain id>/home/<profile>/``.
3. The execution role's credentials, through ``sts:AssumeRole`` with the
   profile as source identity and the domain and profile ARNs as transitive
   session tags. JupyterLab gets an AWS config whose ``credential_process``
   (:mod:`clusterport.studio.credentials`) assumes the role again whenever
   botocore needs fresh credentials; the admin's base credentials stay in a
   0600 file under the data dir, outside the home.
4. The lifecycle configurations, each run once per start with bash in the home
   (``HOME`` set): the domain's default ``JupyterServer`` and ``JupyterLab``
   configurations, then the profile's. Output goes to the terminal and to
   ``<home>/.clusterport/lifecycle.log``; a script that fails stops the start.
   The Jupyter server extension reads the cross-account role file once, after
   them, so a restart is what makes an edited role file current again.
5. JupyterLab 4 with the clusterport server extension, the Clusters panel and
   the ``%sm_analytics`` magic (in every kernel, from the home's IPython
   profile), in its own process group, recorded in
   ``<data dir>/studio/<domain id>/apps/<profile>.json`` (``{url, token, pid}``)
   for the platform's presigned login URLs.
6. On SIGTERM or SIGINT: JupyterLab, its kernels and its terminals are shut
   down, and the app file is removed.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import boto3
import jupyter_core.paths
from botocore.exceptions import BotoCoreError, ClientError

from clusterport.stopping import StopRequested, ignore_signals_for_cleanup, stop_on_signals
from clusterport.studio.credentials import (
    CredentialError,
    CredentialSource,
    assume_execution_role,
    session_name_for,
)

__all__ = [
    "LaunchError",
    "LaunchOptions",
    "StudioLauncher",
    "StudioPaths",
    "StudioUser",
    "effective_user_settings",
    "launch",
]

SERVER_EXTENSION = "clusterport.studio.extension"
MAGICS = "clusterport.studio.magics"
LABEXTENSION = Path(__file__).resolve().parent / "labextension"
#: The settings whose default lifecycle configuration runs before the server starts, in order.
STARTUP_APPS: tuple[tuple[str, str], ...] = (
    ("JupyterServerAppSettings", "JupyterServer"),
    ("JupyterLabAppSettings", "JupyterLab"),
)
#: Environment variables that would override the execution role (or the home) if inherited.
_DROPPED_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_DEFAULT_PROFILE",
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_DATA_DIR",
    "JUPYTER_RUNTIME_DIR",
    "JUPYTER_TOKEN",
    "IPYTHONDIR",
)
#: SageMaker stops a lifecycle script after five minutes.
DEFAULT_LIFECYCLE_TIMEOUT = 300.0


class LaunchError(Exception):
    """Studio cannot start; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class LaunchOptions:
    """What ``clusterport studio`` was asked to start."""

    domain_id: str
    user_profile: str
    data_dir: Path
    port: int = 0
    aws_profile: str | None = None
    endpoint_url: str | None = None
    region: str | None = None
    lifecycle_timeout: float = DEFAULT_LIFECYCLE_TIMEOUT
    startup_timeout: float = 180.0


def effective_user_settings(
    domain_defaults: Mapping[str, Any], profile_settings: Mapping[str, Any]
) -> dict[str, Any]:
    """The settings a profile runs with: the domain's defaults overridden by the profile's.

    As SageMaker documents: ``SecurityGroups`` add up; any other member the profile
    sets wins. App settings (``JupyterLabAppSettings`` …) are overridden member by
    member, so a profile that sets only ``EmrSettings`` keeps the domain's
    lifecycle configurations.
    """
    merged: dict[str, Any] = dict(domain_defaults)
    for key, value in profile_settings.items():
        old = merged.get(key)
        if key == "SecurityGroups":
            merged[key] = list(dict.fromkeys([*(old or []), *(value or [])]))
        elif isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[key] = {**old, **value}
        else:
            merged[key] = value
    return merged


@dataclass(frozen=True)
class LifecycleStep:
    """One lifecycle configuration to run at start, and whose settings named it."""

    arn: str
    origin: str

    @property
    def name(self) -> str:
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class StudioUser:
    """A user profile as the API describes it, with its effective settings."""

    domain_id: str
    domain_arn: str
    profile: str
    profile_arn: str
    region: str
    domain_settings: Mapping[str, Any]
    profile_settings: Mapping[str, Any]
    settings: Mapping[str, Any] = field(default_factory=dict)

    @property
    def execution_role(self) -> str:
        role = self.settings.get("ExecutionRole")
        if not isinstance(role, str) or not role:
            raise LaunchError(
                f"Neither domain {self.domain_id} nor user profile {self.profile} sets an "
                "ExecutionRole; set DefaultUserSettings.ExecutionRole with UpdateDomain."
            )
        return role

    @property
    def emr_settings(self) -> Mapping[str, Any]:
        lab = self.settings.get("JupyterLabAppSettings") or {}
        emr: Mapping[str, Any] = lab.get("EmrSettings") or {}
        return emr

    def lifecycle_steps(self) -> list[LifecycleStep]:
        """The configurations run at start: the domain's defaults, then the profile's."""
        steps: list[LifecycleStep] = []
        for origin, settings in (
            (f"domain {self.domain_id}", self.domain_settings),
            (f"user profile {self.profile}", self.profile_settings),
        ):
            for app_settings, _ in STARTUP_APPS:
                spec = (settings.get(app_settings) or {}).get("DefaultResourceSpec") or {}
                arn = spec.get("LifecycleConfigArn")
                if arn and all(step.arn != arn for step in steps):
                    steps.append(LifecycleStep(str(arn), f"{origin}, {app_settings}"))
        return steps


@dataclass(frozen=True)
class StudioPaths:
    """Where one user's Studio lives on this host."""

    data_dir: Path
    domain_id: str
    profile: str

    @property
    def domain_dir(self) -> Path:
        return self.data_dir / "studio" / self.domain_id

    @property
    def home(self) -> Path:
        """The user's home on the domain's shared file system."""
        return self.domain_dir / "home" / self.profile

    @property
    def app_file(self) -> Path:
        """Read by the platform's presigned login route (same layout on its side)."""
        return self.domain_dir / "apps" / f"{self.profile}.json"

    @property
    def private_dir(self) -> Path:
        """Launcher files the user's notebooks need not see (credentials, scripts)."""
        return self.domain_dir / "launcher" / self.profile

    @property
    def credential_source(self) -> Path:
        return self.private_dir / "credentials.json"

    @property
    def jupyter_config(self) -> Path:
        return self.private_dir / "jupyter_server_config.json"

    @property
    def scripts_dir(self) -> Path:
        return self.private_dir / "lifecycle"

    @property
    def labextensions_dir(self) -> Path:
        return self.data_dir / "studio" / "labextensions"

    @property
    def clusterport_dir(self) -> Path:
        """The home's ``.clusterport`` folder: logs and the AWS config of the session."""
        return self.home / ".clusterport"

    @property
    def lifecycle_log(self) -> Path:
        return self.clusterport_dir / "lifecycle.log"

    @property
    def aws_config(self) -> Path:
        return self.clusterport_dir / "aws-config"

    @property
    def aws_credentials(self) -> Path:
        return self.clusterport_dir / "aws-credentials"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux ``/proc``; empty elsewhere)."""
    parents: dict[int, list[int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # The command name is in parentheses and may hold spaces; ppid follows it.
            fields = stat.rpartition(")")[2].split()
            if len(fields) > 1:
                parents.setdefault(int(fields[1]), []).append(int(entry))
    found: list[int] = []
    queue = [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _write_private(path: Path, text: str, mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


class StudioLauncher:
    """Starts, watches and stops one user's JupyterLab (see the module docstring)."""

    def __init__(self, options: LaunchOptions, out: IO[str] | None = None) -> None:
        self.options = options
        self.out = out or sys.stdout
        self.paths = StudioPaths(
            options.data_dir.resolve(), options.domain_id, options.user_profile
        )
        self.token = secrets.token_hex(24)
        self.port = options.port or _free_port()
        self.jupyter: subprocess.Popen[bytes] | None = None
        self._script: subprocess.Popen[bytes] | None = None
        self._session: boto3.Session | None = None
        self.endpoint_url = options.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None

    # ---- output --------------------------------------------------------------------
    def say(self, message: str) -> None:
        print(f"clusterport studio: {message}", file=self.out, flush=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ---- the AWS side --------------------------------------------------------------
    def session(self) -> boto3.Session:
        if self._session is None:
            try:
                self._session = boto3.Session(
                    profile_name=self.options.aws_profile, region_name=self.options.region
                )
            except BotoCoreError as exc:
                raise LaunchError(
                    f"Cannot use AWS profile {self.options.aws_profile}: {exc}"
                ) from exc
            if not self._session.region_name:
                raise LaunchError(
                    "No AWS region: pass --region or set AWS_DEFAULT_REGION to the domain's region."
                )
        return self._session

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.endpoint_url)

    def _call(self, what: str, call: Any, **params: Any) -> Any:
        try:
            return call(**params)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise LaunchError(
                f"{what} failed: {error.get('Code')}: {error.get('Message')}"
            ) from exc
        except BotoCoreError as exc:
            raise LaunchError(
                f"{what} failed: {exc}. Give the domain account's admin credentials "
                "(--profile or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and the platform's "
                "URL (--endpoint-url or AWS_ENDPOINT_URL)."
            ) from exc

    def describe_user(self) -> StudioUser:
        """DescribeDomain + DescribeUserProfile, and the effective settings."""
        sm = self.client("sagemaker")
        domain = self._call("DescribeDomain", sm.describe_domain, DomainId=self.options.domain_id)
        profile = self._call(
            "DescribeUserProfile",
            sm.describe_user_profile,
            DomainId=self.options.domain_id,
            UserProfileName=self.options.user_profile,
        )
        if domain.get("Status") != "InService" or profile.get("Status") != "InService":
            raise LaunchError(
                f"Domain {self.options.domain_id} is {domain.get('Status')} and user profile "
                f"{self.options.user_profile} is {profile.get('Status')}; both must be InService."
            )
        defaults = domain.get("DefaultUserSettings") or {}
        own = profile.get("UserSettings") or {}
        return StudioUser(
            domain_id=self.options.domain_id,
            domain_arn=domain["DomainArn"],
            profile=self.options.user_profile,
            profile_arn=profile["UserProfileArn"],
            region=str(self.session().region_name),
            domain_settings=defaults,
            profile_settings=own,
            settings=effective_user_settings(defaults, own),
        )

    def credential_source(self, user: StudioUser) -> CredentialSource:
        found = self.session().get_credentials()
        if found is None:
            raise LaunchError(
                "No AWS credentials: pass --profile or set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY of an admin of the domain's account."
            )
        frozen = found.get_frozen_credentials()
        sts = self.client("sts")
        return CredentialSource(
            access_key_id=frozen.access_key,
            secret_access_key=frozen.secret_key,
            session_token=frozen.token,
            region=user.region,
            endpoint_url=self.endpoint_url or _configured_endpoint(sts),
            role_arn=user.execution_role,
            session_name=session_name_for(user.profile),
            source_identity=session_name_for(user.profile),
            domain_arn=user.domain_arn,
            user_profile_arn=user.profile_arn,
        )

    # ---- the user's environment ----------------------------------------------------
    def refuse_second_app(self) -> None:
        try:
            data = json.loads(self.paths.app_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        pid = data.get("pid") if isinstance(data, dict) else None
        if isinstance(pid, int) and pid > 0 and _pid_alive(pid):
            raise LaunchError(
                f"JupyterLab of user profile {self.options.user_profile} already runs at "
                f"{data.get('url')} (process {pid}); stop its launcher first (Ctrl-C or SIGTERM "
                f"process {data.get('launcher_pid', pid)})."
            )

    def prepare_home(self) -> None:
        home = self.paths.home
        home.mkdir(parents=True, exist_ok=True)
        self.paths.clusterport_dir.mkdir(exist_ok=True)
        self.paths.private_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.paths.private_dir, 0o700)
        profile = home / ".ipython" / "profile_default"
        profile.mkdir(parents=True, exist_ok=True)
        kernel_config = profile / "ipython_kernel_config.json"
        existing: dict[str, Any] = {}
        if kernel_config.is_file():
            try:
                loaded = json.loads(kernel_config.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise LaunchError(
                    f"{kernel_config} is not valid JSON ({exc}); fix or remove it so the "
                    "%sm_analytics magic can be loaded in the user's kernels."
                ) from exc
            existing = loaded if isinstance(loaded, dict) else {}
        shell = dict(existing.get("InteractiveShellApp") or {})
        extensions = list(shell.get("extensions") or [])
        if MAGICS not in extensions:
            extensions.append(MAGICS)
            shell["extensions"] = extensions
            existing["InteractiveShellApp"] = shell
            kernel_config.write_text(json.dumps(existing, indent=2) + "\n", encoding="utf-8")

    def write_aws_config(self, source: CredentialSource) -> None:
        command = shlex.join(
            [
                sys.executable,
                "-m",
                "clusterport.studio.credentials",
                "--source",
                str(self.paths.credential_source),
            ]
        )
        lines = ["[default]", f"region = {source.region}", f"credential_process = {command}"]
        if source.endpoint_url:
            lines.append(f"endpoint_url = {source.endpoint_url}")
        _write_private(self.paths.aws_config, "\n".join(lines) + "\n")
        _write_private(self.paths.aws_credentials, "")

    def environment(self, source: CredentialSource) -> dict[str, str]:
        """The environment of lifecycle scripts and JupyterLab: the user's, with their role."""
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env.update(
            HOME=str(self.paths.home),
            IPYTHONDIR=str(self.paths.home / ".ipython"),
            AWS_CONFIG_FILE=str(self.paths.aws_config),
            AWS_SHARED_CREDENTIALS_FILE=str(self.paths.aws_credentials),
            AWS_PROFILE="default",
            AWS_DEFAULT_REGION=source.region,
            AWS_REGION=source.region,
            AWS_EC2_METADATA_DISABLED="true",
            SAGEMAKER_DOMAIN_ID=self.options.domain_id,
            SAGEMAKER_USER_PROFILE_NAME=self.options.user_profile,
        )
        if source.endpoint_url:
            env["AWS_ENDPOINT_URL"] = source.endpoint_url
        else:
            env.pop("AWS_ENDPOINT_URL", None)
        return env

    # ---- lifecycle configurations --------------------------------------------------
    def run_lifecycle(self, user: StudioUser, env: Mapping[str, str]) -> None:
        steps = user.lifecycle_steps()
        log_path = self.paths.lifecycle_log
        with log_path.open("w", encoding="utf-8") as log:
            log.write(f"# lifecycle configurations, {dt.datetime.now(dt.UTC).isoformat()}\n")
            if not steps:
                log.write("# none configured\n")
                self.say("no lifecycle configuration to run")
            for index, step in enumerate(steps, 1):
                self._run_step(index, step, env, log)

    def _run_step(
        self, index: int, step: LifecycleStep, env: Mapping[str, str], log: IO[str]
    ) -> None:
        sm = self.client("sagemaker")
        described = self._call(
            f"DescribeStudioLifecycleConfig {step.name}",
            sm.describe_studio_lifecycle_config,
            StudioLifecycleConfigName=step.name,
        )
        app_type = described.get("StudioLifecycleConfigAppType")
        if app_type not in {app for _, app in STARTUP_APPS}:
            raise LaunchError(
                f"Lifecycle configuration {step.name} ({step.origin}) is for {app_type} apps; "
                "only JupyterServer and JupyterLab configurations run when Studio starts."
            )
        try:
            script = base64.b64decode(described["StudioLifecycleConfigContent"]).decode()
        except (ValueError, UnicodeDecodeError) as exc:
            raise LaunchError(
                f"Lifecycle configuration {step.name} is not a base64-encoded text script: {exc}."
            ) from exc
        path = self.paths.scripts_dir / f"{index:02d}-{step.name}.sh"
        _write_private(path, script, 0o700)
        header = f"== lifecycle configuration {step.name} ({step.origin}) =="
        self.say(f"running {header.strip('= ')}")
        log.write(header + "\n")
        log.flush()
        output: list[str] = []
        process = subprocess.Popen(
            ["bash", str(path)],
            cwd=self.paths.home,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._script = process
        reader = threading.Thread(
            target=self._copy_output, args=(process, log, output), daemon=True
        )
        reader.start()
        try:
            code = process.wait(timeout=self.options.lifecycle_timeout)
        except subprocess.TimeoutExpired:
            self._kill_group(process)
            reader.join(5)
            log.write(f"== timed out after {self.options.lifecycle_timeout:g} s ==\n")
            raise LaunchError(
                f"Lifecycle configuration {step.name} ({step.origin}) ran longer than "
                f"{self.options.lifecycle_timeout:g} s and was stopped; its output:\n"
                + "".join(output)
                + "Make the script finish sooner (start long work in the background with nohup)."
            ) from None
        finally:
            self._script = None
        reader.join(5)
        log.write(f"== exit {code} ==\n")
        log.flush()
        if code != 0:
            raise LaunchError(
                f"Lifecycle configuration {step.name} ({step.origin}) failed with exit code "
                f"{code}; its output (also in {self.paths.lifecycle_log}):\n"
                + "".join(output)
                + "Fix the script (a new lifecycle configuration attached with UpdateDomain or "
                "to the user profile) and start Studio again."
            )

    def _copy_output(self, process: subprocess.Popen[bytes], log: IO[str], kept: list[str]) -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode(errors="replace")
            kept.append(line)
            log.write(line)
            log.flush()
            self.out.write(f"  | {line}")
            self.out.flush()

    # ---- JupyterLab ----------------------------------------------------------------
    def write_jupyter_config(self, user: StudioUser) -> None:
        emr = user.emr_settings
        config: dict[str, Any] = {
            "ServerApp": {"jpserver_extensions": {SERVER_EXTENSION: True}},
            "ClusterportStudio": {
                "home": str(self.paths.home),
                "assumable_role_arns": list(emr.get("AssumableRoleArns") or []),
                "execution_role_arns": list(emr.get("ExecutionRoleArns") or []),
            },
        }
        extra = self._labextension_path()
        if extra is not None:
            config["LabServerApp"] = {"extra_labextensions_path": [str(extra)]}
        _write_private(self.paths.jupyter_config, json.dumps(config, indent=2) + "\n")

    def _labextension_path(self) -> Path | None:
        """A folder holding the Clusters panel when Jupyter would not find it otherwise."""
        package = LABEXTENSION / "package.json"
        if not package.is_file():
            self.say(
                "the Clusters panel is not built; run 'python -m "
                "clusterport.studio.build_labextension' (the server extension still works)"
            )
            return None
        name = str(json.loads(package.read_text(encoding="utf-8"))["name"])
        for folder in jupyter_core.paths.jupyter_path("labextensions"):
            if (Path(folder) / name / "package.json").is_file():
                return None
        link = self.paths.labextensions_dir / name
        link.parent.mkdir(parents=True, exist_ok=True)
        if not (link.is_symlink() and link.resolve() == LABEXTENSION):
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(LABEXTENSION, target_is_directory=True)
        return self.paths.labextensions_dir

    def start_jupyter(self, env: Mapping[str, str]) -> None:
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.paths.home}",
            f"--config={self.paths.jupyter_config}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if os.geteuid() == 0:
            # Jupyter refuses root unless told; the launcher's user is the Studio user here.
            command.append("--ServerApp.allow_root=True")
        self.say(f"starting JupyterLab on {self.url} (root {self.paths.home})")
        self.jupyter = subprocess.Popen(
            command, cwd=self.paths.home, env=dict(env), start_new_session=True
        )
        deadline = time.monotonic() + self.options.startup_timeout
        while time.monotonic() < deadline:
            code = self.jupyter.poll()
            if code is not None:
                raise LaunchError(
                    f"JupyterLab exited with code {code} while starting; its output is above."
                )
            if self._answers("/api/status"):
                return
            time.sleep(0.25)
        raise LaunchError(
            f"JupyterLab did not answer on {self.url} within {self.options.startup_timeout:g} s; "
            "its output is above."
        )

    def _request(self, path: str, method: str = "GET", timeout: float = 2.0) -> int:
        request = urllib.request.Request(
            self.url + path,
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method == "POST" else None,
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)

    def _answers(self, path: str) -> bool:
        try:
            return self._request(path) == 200
        except (urllib.error.URLError, OSError):
            return False

    def write_app_file(self) -> None:
        assert self.jupyter is not None
        record = {
            "url": self.url,
            "token": self.token,
            "pid": self.jupyter.pid,
            "launcher_pid": os.getpid(),
            "domain_id": self.options.domain_id,
            "user_profile": self.options.user_profile,
            "home": str(self.paths.home),
            "started_at": dt.datetime.now(dt.UTC).isoformat(),
        }
        _write_private(self.paths.app_file, json.dumps(record, indent=2) + "\n")

    def remove_app_file(self) -> None:
        if self.jupyter is None:
            return
        try:
            data = json.loads(self.paths.app_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if isinstance(data, dict) and data.get("pid") == self.jupyter.pid:
            self.paths.app_file.unlink(missing_ok=True)

    def stop_jupyter(self) -> None:
        """Shut JupyterLab down (kernels and terminals too), then make sure its group is gone."""
        process = self.jupyter
        if process is None:
            return
        below = _descendants(process.pid)
        if process.poll() is None:
            self.say("stopping JupyterLab")
            with contextlib.suppress(urllib.error.URLError, OSError):
                self._request("/api/shutdown", method="POST", timeout=10)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._kill_group(process)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        for pid in below:
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def _kill_group(self, process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    # ---- the whole run -------------------------------------------------------------
    def start(self) -> None:
        """Everything up to a running, recorded JupyterLab."""
        user = self.describe_user()
        self.refuse_second_app()
        self.prepare_home()
        source = self.credential_source(user)
        source.save(self.paths.credential_source)
        try:
            assume_execution_role(source)
        except CredentialError as exc:
            raise LaunchError(str(exc)) from exc
        self.say(
            f"user profile {user.profile} of domain {user.domain_id} acts as "
            f"{user.execution_role} (source identity {source.source_identity})"
        )
        self.write_aws_config(source)
        env = self.environment(source)
        self.run_lifecycle(user, env)
        self.write_jupyter_config(user)
        self.start_jupyter(env)
        self.write_app_file()
        self.say(
            f"JupyterLab is ready: {self.url}/lab?token={self.token} "
            "(or open a URL from CreatePresignedDomainUrl); Ctrl-C stops it"
        )

    def wait(self) -> int:
        """Until JupyterLab exits by itself (its exit code) or a stop is requested."""
        assert self.jupyter is not None
        return self.jupyter.wait()

    def run(self) -> int:
        """Start, wait, stop; the exit status of ``clusterport studio``."""
        with stop_on_signals():
            try:
                self.start()
                code = self.wait()
                self.say(f"JupyterLab exited with code {code}")
                return 1 if code else 0
            except LaunchError as exc:
                print(f"clusterport studio: {exc}", file=sys.stderr, flush=True)
                return 1
            except StopRequested:
                return 0
            finally:
                # The cleanup must finish: later SIGTERM/SIGINT wait until it has.
                ignore_signals_for_cleanup()
                if self._script is not None:
                    self._kill_group(self._script)
                self.remove_app_file()
                self.stop_jupyter()


def _configured_endpoint(client: Any) -> str | None:
    """The endpoint a client was pointed at through configuration (None for AWS's own)."""
    url = str(client.meta.endpoint_url)
    return None if url.endswith(".amazonaws.com") else url


def launch(options: LaunchOptions) -> int:
    """Run ``clusterport studio`` with ``options``; returns its exit status."""
    return StudioLauncher(options).run()

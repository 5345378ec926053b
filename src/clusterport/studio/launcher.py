"""``clusterport studio``: start JupyterLab as a SageMaker Studio user profile.

What SageMaker Studio does when a user opens their Jupyter server app, here on
this host, through the AWS APIs only (boto3, with the credentials of an admin
of the domain's account; nothing here imports the platform's server code):

1. ``DescribeDomain`` and ``DescribeUserProfile``: the effective user settings
   are the domain's defaults overridden by the profile's
   (:func:`effective_user_settings`).
2. The user's home on the domain's shared file system,
   ``<data dir>/studio/<domain id>/home/<profile>/``.
3. The app's sandbox (:mod:`clusterport.engines.sandbox`): bubblewrap with its
   own mount, PID and IPC namespaces (and, when run as root, an unprivileged
   uid of the app's own). It writes only the user's home; it reads the system,
   the Python environment, the launcher's configuration of this run and the
   Clusters panel; the data dir (keys, database, app records), other homes and
   the platform's processes are not in it. ``--no-sandbox`` turns it off
   (unsafe with more than one user).
4. The execution role's credentials, as SageMaker delivers them: the app is
   registered in ``<data dir>/studio/<domain id>/apps/<profile>.credentials.json``
   with the digest of a random token of this run, and botocore in the app calls the
   platform's container-credentials endpoint with it
   (``AWS_CONTAINER_CREDENTIALS_FULL_URI`` and ``AWS_CONTAINER_AUTHORIZATION_TOKEN``,
   see :mod:`clusterport.studio.credentials`); the platform assumes the role as
   ``sagemaker.amazonaws.com``. The admin credentials the launcher runs with
   serve only the API calls that describe the profile; they never reach the app.
5. The lifecycle configurations, each run once per start with bash in the home
   (``HOME`` set), in the sandbox: the domain's default ``JupyterServer`` and
   ``JupyterLab`` configurations, then the profile's. Output goes to the
   terminal and to ``<home>/.clusterport/lifecycle.log``; a script that fails
   stops the start. The Jupyter server extension reads the cross-account role
   file once, after them, so a restart is what makes an edited role file current.
6. JupyterLab 4 with the clusterport server extension, the Clusters panel and
   the ``%sm_analytics`` magic (in every kernel, from the home's IPython
   profile), in the sandbox and its own process group, its token in its
   environment (never on a command line), recorded in
   ``<data dir>/studio/<domain id>/apps/<profile>.json`` (``{url, token, pid}``)
   for the platform's presigned login URLs once it answers.
7. On SIGTERM or SIGINT: JupyterLab, its kernels and its terminals are shut
   down, and both records are removed, which revokes the credentials token.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
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

import clusterport
from clusterport.engines.cgroups import ControlGroups, Limits, Part
from clusterport.engines.sandbox import (
    TENANT_MAX_PROCESSES,
    Sandbox,
    SandboxPolicy,
    SandboxUnavailableError,
    TenantUsers,
    runtime_paths,
    tenant_env,
)
from clusterport.process_groups import start_group, stop_group
from clusterport.stopping import StopRequested, ignore_signals_for_cleanup, stop_on_signals
from clusterport.studio.credentials import (
    CredentialError,
    container_credentials_uri,
    fetch_credentials,
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
    "register_app",
    "unregister_app",
]

SERVER_EXTENSION = "clusterport.studio.extension"
MAGICS = "clusterport.studio.magics"
LABEXTENSION = Path(__file__).resolve().parent / "labextension"
#: The settings whose default lifecycle configuration runs before the server starts, in order.
STARTUP_APPS: tuple[tuple[str, str], ...] = (
    ("JupyterServerAppSettings", "JupyterServer"),
    ("JupyterLabAppSettings", "JupyterLab"),
)
#: What one app (JupyterLab, its kernels and terminals) may use together: the memory
#: of SageMaker's default app instance (ml.t3.medium, 4 GiB) and a process bound.
STUDIO_APP_LIMITS = Limits(memory_mb=4096, max_processes=TENANT_MAX_PROCESSES)
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
    #: False is ``--no-sandbox``: the app runs as a plain process of the launcher's user.
    sandbox: bool = True


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
    def credentials_registration(self) -> Path:
        """Read by the platform's container-credentials endpoint (same layout on its side)."""
        return self.domain_dir / "apps" / f"{self.profile}.credentials.json"

    @property
    def private_dir(self) -> Path:
        """The launcher's folder of this profile (0700), outside the app's sandbox."""
        return self.domain_dir / "launcher" / self.profile

    @property
    def app_config_dir(self) -> Path:
        """What the app reads but may not change (its Jupyter config, the lifecycle
        scripts): mounted read-only in the sandbox."""
        return self.private_dir / "app"

    @property
    def identity_dir(self) -> Path:
        """The sandbox's ``passwd`` and ``group`` (when the app has a uid of its own)."""
        return self.private_dir / "identity"

    @property
    def jupyter_config(self) -> Path:
        return self.app_config_dir / "jupyter_server_config.json"

    @property
    def scripts_dir(self) -> Path:
        return self.app_config_dir / "lifecycle"

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
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def register_app(
    paths: StudioPaths, *, account_id: str, region: str, credentials_token: str
) -> None:
    """Register an app of ``paths``' profile, owned by this process, with the platform's
    container-credentials endpoint (``apps/<profile>.credentials.json``, 0600, data dir).

    The platform issues the execution role's credentials to the holder of
    ``credentials_token`` while this process lives and the registration stays
    (only the token's digest is written).
    """
    record = {
        "launcher_pid": os.getpid(),
        "domain_id": paths.domain_id,
        "user_profile": paths.profile,
        "account_id": account_id,
        "region": region,
        "credentials_token_sha256": hashlib.sha256(credentials_token.encode()).hexdigest(),
        "registered_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    _write_private(paths.credentials_registration, json.dumps(record, indent=2) + "\n")


def _remove_own(path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(data, dict) and data.get("launcher_pid") == os.getpid():
        path.unlink(missing_ok=True)


def unregister_app(paths: StudioPaths) -> None:
    """Remove this process's registration, which revokes its app's credentials token."""
    _remove_own(paths.credentials_registration)


class StudioLauncher:
    """Starts, watches and stops one user's JupyterLab (see the module docstring)."""

    def __init__(self, options: LaunchOptions, out: IO[str] | None = None) -> None:
        self.options = options
        self.out = out or sys.stdout
        self.paths = StudioPaths(
            options.data_dir.resolve(), options.domain_id, options.user_profile
        )
        self.token = secrets.token_hex(24)
        #: The app's container-credentials token (only its digest is recorded).
        self.credentials_token = secrets.token_urlsafe(32)
        self.registered = False
        self.port = options.port or _free_port()
        self.jupyter: subprocess.Popen[bytes] | None = None
        self._script: subprocess.Popen[bytes] | None = None
        #: Where the app's control group is made (known once its sandbox is).
        self.groups: ControlGroups | None = None
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

    def credentials_uri(self) -> str:
        """The app's ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` (on the platform's gateway)."""
        if not self.endpoint_url:
            raise LaunchError(
                "No platform URL: a Studio app gets its credentials from the platform's "
                "gateway; pass --endpoint-url (or set AWS_ENDPOINT_URL), or --data-dir of a "
                "running server."
            )
        try:
            return container_credentials_uri(
                self.endpoint_url, self.options.domain_id, self.options.user_profile
            )
        except CredentialError as exc:
            raise LaunchError(str(exc)) from exc

    def check_credentials(self, user: StudioUser) -> None:
        """Ask the endpoint once, as botocore in the app will, so a refusal stops the start."""
        try:
            fetch_credentials(self.credentials_uri(), self.credentials_token)
        except CredentialError as exc:
            raise LaunchError(
                f"The platform refuses the execution role {user.execution_role} to user profile "
                f"{user.profile}: {exc}"
            ) from exc

    # ---- the user's environment ----------------------------------------------------
    def refuse_second_app(self) -> None:
        for record in (self.paths.app_file, self.paths.credentials_registration):
            try:
                data = json.loads(record.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict):
                continue
            pid = data.get("pid") or data.get("launcher_pid")
            if isinstance(pid, int) and pid > 0 and _pid_alive(pid):
                where = f"at {data['url']} " if "url" in data else ""
                raise LaunchError(
                    f"JupyterLab of user profile {self.options.user_profile} already runs "
                    f"{where}(process {pid}); stop its launcher first (Ctrl-C or SIGTERM "
                    f"process {data.get('launcher_pid', pid)})."
                )

    def sandbox(self) -> Sandbox:
        """The walls of this profile's app (see the module docstring)."""
        try:
            policy = SandboxPolicy.detect(sandbox=self.options.sandbox)
        except SandboxUnavailableError as exc:
            raise LaunchError(str(exc)) from exc
        self.say(policy.description)
        name = self.group_name
        uid = TenantUsers(self.paths.data_dir).uid_for(name) if policy.separate_users else None
        groups = self.groups = ControlGroups.detect()
        self.say(groups.description)
        return Sandbox(
            policy,
            name,
            writable=(self.paths.home,),
            readable=(*runtime_paths(), self.paths.app_config_dir, self.paths.labextensions_dir),
            uid=uid,
            home=self.paths.home,
            identity_dir=self.paths.identity_dir,
            group=groups.group(name, Part.DAEMONS, STUDIO_APP_LIMITS),
        )

    @property
    def group_name(self) -> str:
        """The app's sandbox and control group name."""
        return f"studio-{self.options.domain_id}-{self.options.user_profile}"

    def prepare_home(self) -> None:
        home = self.paths.home
        home.mkdir(parents=True, exist_ok=True)
        self.paths.clusterport_dir.mkdir(exist_ok=True)
        self.paths.private_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.paths.private_dir, 0o700)
        # Earlier versions kept the admin's credentials here for a credential_process.
        (self.paths.private_dir / "credentials.json").unlink(missing_ok=True)
        # Read (never written) by the app: its Jupyter config and lifecycle scripts.
        self.paths.scripts_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.paths.app_config_dir, 0o755)
        os.chmod(self.paths.scripts_dir, 0o755)
        self.paths.labextensions_dir.mkdir(parents=True, exist_ok=True)
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

    def write_aws_config(self, user: StudioUser) -> None:
        """The home's AWS config: the region and the platform; credentials come from the
        container-credentials endpoint (set in the environment)."""
        lines = ["[default]", f"region = {user.region}"]
        if self.endpoint_url:
            lines.append(f"endpoint_url = {self.endpoint_url}")
        _write_private(self.paths.aws_config, "\n".join(lines) + "\n")
        _write_private(self.paths.aws_credentials, "")

    def environment(self, user: StudioUser) -> dict[str, str]:
        """The environment of lifecycle scripts and JupyterLab: the user's, with their role.

        Nothing of the launcher's own environment is passed on but the harmless
        variables of :func:`~clusterport.engines.sandbox.tenant_env` (never the
        admin's credentials).
        """
        env = tenant_env(
            {
                "HOME": str(self.paths.home),
                "USER": user.profile,
                "SHELL": "/bin/bash",
                "IPYTHONDIR": str(self.paths.home / ".ipython"),
                "AWS_CONFIG_FILE": str(self.paths.aws_config),
                "AWS_SHARED_CREDENTIALS_FILE": str(self.paths.aws_credentials),
                "AWS_DEFAULT_REGION": user.region,
                "AWS_REGION": user.region,
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.credentials_uri(),
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.credentials_token,
                "SAGEMAKER_DOMAIN_ID": self.options.domain_id,
                "SAGEMAKER_USER_PROFILE_NAME": self.options.user_profile,
            }
        )
        if self.endpoint_url:
            env["AWS_ENDPOINT_URL"] = self.endpoint_url
        package_root = Path(clusterport.__file__).resolve().parents[1]
        if package_root.name != "site-packages":  # a source checkout: the app imports it too
            env["PYTHONPATH"] = str(package_root)
        return env

    # ---- lifecycle configurations --------------------------------------------------
    def run_lifecycle(self, user: StudioUser, env: Mapping[str, str], sandbox: Sandbox) -> None:
        steps = user.lifecycle_steps()
        log_path = self.paths.lifecycle_log
        with log_path.open("w", encoding="utf-8") as log:
            sandbox.own(self.paths.home)
            log.write(f"# lifecycle configurations, {dt.datetime.now(dt.UTC).isoformat()}\n")
            if not steps:
                log.write("# none configured\n")
                self.say("no lifecycle configuration to run")
            for index, step in enumerate(steps, 1):
                self._run_step(index, step, env, log, sandbox)

    def _run_step(
        self,
        index: int,
        step: LifecycleStep,
        env: Mapping[str, str],
        log: IO[str],
        sandbox: Sandbox,
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
        _write_private(path, script, 0o755)
        header = f"== lifecycle configuration {step.name} ({step.origin}) =="
        self.say(f"running {header.strip('= ')}")
        log.write(header + "\n")
        log.flush()
        output: list[str] = []
        process = start_group(
            sandbox.command(["/bin/bash", str(path)], cwd=self.paths.home),
            cwd=self.paths.home,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._script = process
        reader = threading.Thread(
            target=self._copy_output, args=(process, log, output), daemon=True
        )
        reader.start()
        try:
            code = process.wait(timeout=self.options.lifecycle_timeout)
        except subprocess.TimeoutExpired:
            stop_group(process, grace=10)
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
        _write_private(self.paths.jupyter_config, json.dumps(config, indent=2) + "\n", 0o644)

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

    def start_jupyter(self, env: Mapping[str, str], sandbox: Sandbox) -> None:
        command = [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.paths.home}",
            f"--config={self.paths.jupyter_config}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
        if os.geteuid() == 0 and sandbox.uid is None:
            # Jupyter refuses root unless told; the launcher's user is the Studio user here.
            command.append("--ServerApp.allow_root=True")
        self.say(f"starting JupyterLab on {self.url} (root {self.paths.home})")
        sandbox.own(self.paths.home)
        self.jupyter = start_group(
            sandbox.command(command, cwd=self.paths.home),
            cwd=self.paths.home,
            # The token travels in the environment, never on a command line.
            env={**env, "JUPYTER_TOKEN": self.token},
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

    def register_app(self, user: StudioUser) -> None:
        """Record the app before anything of it runs: the platform issues its credentials
        to the holder of this run's token while the record stays."""
        register_app(
            self.paths,
            account_id=user.domain_arn.split(":")[4],
            region=user.region,
            credentials_token=self.credentials_token,
        )
        self.registered = True

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
        """Remove this run's records: no login leads to the app, its credentials token is void."""
        _remove_own(self.paths.app_file)
        if self.registered:
            unregister_app(self.paths)

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
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        stop_group(process, grace=10)  # SIGTERM if it still runs; whatever is left is killed
        deadline = time.monotonic() + 10
        for pid in below:
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    # ---- the whole run -------------------------------------------------------------
    def start(self) -> None:
        """Everything up to a running, recorded JupyterLab."""
        user = self.describe_user()
        self.refuse_second_app()
        sandbox = self.sandbox()
        self.prepare_home()
        self.register_app(user)
        self.check_credentials(user)
        self.say(
            f"user profile {user.profile} of domain {user.domain_id} acts as "
            f"{user.execution_role} (source identity {session_name_for(user.profile)})"
        )
        self.write_aws_config(user)
        env = self.environment(user)
        self.run_lifecycle(user, env, sandbox)
        self.write_jupyter_config(user)
        self.start_jupyter(env, sandbox)
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
                    stop_group(self._script, grace=10)
                self.remove_app_file()
                self.stop_jupyter()
                if self.groups is not None:
                    self.groups.remove(self.group_name, settle=2.0)


def launch(options: LaunchOptions) -> int:
    """Run ``clusterport studio`` with ``options``; returns its exit status."""
    return StudioLauncher(options).run()

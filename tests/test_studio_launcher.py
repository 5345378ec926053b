"""``clusterport studio`` against the real server: lifecycle scripts, the execution role,
JupyterLab with the server extension and the magic, presigned logins, restarts, stops, and
the app's sandbox (what a notebook cell can and cannot reach)."""

from __future__ import annotations

import ast
import contextlib
import json
import os
import queue
import secrets
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from sqlalchemy import select

from clusterport.engines.cgroups import ControlGroups
from clusterport.store.identity import SessionCredential
from clusterport.studio import launcher as launcher_module
from clusterport.studio.credentials import DOMAIN_TAG, PROFILE_TAG, container_credentials_uri
from clusterport.studio.launcher import (
    STUDIO_APP_LIMITS,
    StudioPaths,
    effective_user_settings,
    register_app,
    unregister_app,
)
from conftest import RunningServer
from sagemaker_support import Network, lifecycle_config, make_network

A = "111111111111"
B = "222222222222"
ROLE_FILE = Path(".cross-account-configuration-DO_NOT_DELETE") / (
    "emr-discovery-iam-role-arns-DO_NOT_DELETE.json"
)
DISCOVERY_ROLE = f"arn:aws:iam::{B}:role/StudioDiscovery"
SAGEMAKER = "sagemaker.amazonaws.com"
CLUSTERPORT = Path(sys.executable).parent / "clusterport"

ROLE_SCRIPT = f"""#!/bin/bash
set -eu
mkdir -p "$HOME/.cross-account-configuration-DO_NOT_DELETE"
cat > "$HOME/{ROLE_FILE}" <<'JSON'
{{"{B}": "{DISCOVERY_ROLE}"}}
JSON
echo "role file written"
{sys.executable} -c "import boto3; print('acting as', boto3.client('sts').\\
get_caller_identity()['Arn'])"
"""

#: AWS's standard trust policy of a SageMaker execution role, and nothing else.
EXECUTION_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


# ---- the settings a profile runs with ---------------------------------------------------------
def test_effective_settings_profile_overrides_domain() -> None:
    domain = {
        "ExecutionRole": "arn:aws:iam::111111111111:role/Domain",
        "SecurityGroups": ["sg-1", "sg-2"],
        "JupyterServerAppSettings": {
            "DefaultResourceSpec": {"LifecycleConfigArn": "arn:lcc/domain"},
            "LifecycleConfigArns": ["arn:lcc/domain"],
        },
        "JupyterLabAppSettings": {"EmrSettings": {"AssumableRoleArns": ["arn:domain-role"]}},
    }
    profile = {
        "ExecutionRole": "arn:aws:iam::111111111111:role/Ana",
        "SecurityGroups": ["sg-2", "sg-3"],
        "JupyterLabAppSettings": {"EmrSettings": {"ExecutionRoleArns": ["arn:runtime"]}},
    }
    merged = effective_user_settings(domain, profile)
    assert merged["ExecutionRole"] == "arn:aws:iam::111111111111:role/Ana"
    assert merged["SecurityGroups"] == ["sg-1", "sg-2", "sg-3"]
    assert merged["JupyterServerAppSettings"] == domain["JupyterServerAppSettings"]
    assert merged["JupyterLabAppSettings"] == {
        "EmrSettings": {"ExecutionRoleArns": ["arn:runtime"]}
    }
    assert effective_user_settings(domain, {}) == domain


# ---- a launcher process ---------------------------------------------------------------------
@dataclass
class Launcher:
    """``clusterport studio`` as a child process of the test (its own process group)."""

    server: RunningServer
    domain_id: str
    profile: str
    log_path: Path
    extra: tuple[str, ...] = ()
    #: Give the admin's key as an AWS CLI profile (``--profile``) instead of in the environment.
    use_profile: bool = False
    process: subprocess.Popen[bytes] | None = None
    seen: list[psutil.Process] = field(default_factory=list)

    @property
    def app_file(self) -> Path:
        return self.server.data_dir / "studio" / self.domain_id / "apps" / f"{self.profile}.json"

    @property
    def registration(self) -> Path:
        """The app's registration with the container-credentials endpoint."""
        return self.app_file.with_name(f"{self.profile}.credentials.json")

    @property
    def home(self) -> Path:
        return self.server.data_dir / "studio" / self.domain_id / "home" / self.profile

    def env(self) -> dict[str, str]:
        key = self.server.account(A)
        sandbox = self.log_path.parent / "launcher-home"
        sandbox.mkdir(exist_ok=True)
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "JUPYTER"))}
        env = {
            **keep,
            "HOME": str(sandbox),
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": self.server.url,
            "AWS_CONFIG_FILE": str(sandbox / "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(sandbox / "credentials"),
        }
        if self.use_profile:
            (sandbox / "credentials").write_text(
                f"[studio-admin]\naws_access_key_id = {key.access_key_id}\n"
                f"aws_secret_access_key = {key.secret_access_key}\n"
            )
        else:
            env["AWS_ACCESS_KEY_ID"] = key.access_key_id
            env["AWS_SECRET_ACCESS_KEY"] = key.secret_access_key
        return env

    def start(self) -> Launcher:
        command = [
            str(CLUSTERPORT),
            "studio",
            "--domain-id",
            self.domain_id,
            "--user-profile",
            self.profile,
            "--data-dir",
            str(self.server.data_dir),
            *(("--profile", "studio-admin") if self.use_profile else ()),
            *self.extra,
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                env=self.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def finish(self, timeout: float = 120) -> int:
        """Wait for a launcher that stops by itself (a failed start)."""
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def app(self, timeout: float = 180) -> dict[str, Any]:
        """Wait for the app file of this run, and record every process below the launcher."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the launcher exited early:\n{self.output()}")
            try:
                record: dict[str, Any] = json.loads(self.app_file.read_text())
            except (OSError, ValueError):
                time.sleep(0.25)
                continue
            # The launcher registers the app first, and adds its URL once JupyterLab answers.
            if record.get("launcher_pid") == self.process.pid and "url" in record:
                self.seen = psutil.Process(self.process.pid).children(recursive=True)
                return record
            time.sleep(0.25)
        raise AssertionError(f"no app file after {timeout} s:\n{self.output()}")

    def stop(self) -> int:
        """SIGTERM, as a service manager would; returns the launcher's exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.seen += psutil.Process(self.process.pid).children(recursive=True)
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        finally:
            with_group_killed(self.process.pid)

    def leftovers(self) -> list[psutil.Process]:
        alive = []
        for proc in self.seen:
            try:
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(proc)
            except psutil.NoSuchProcess:
                continue
        return alive


def with_group_killed(pgid: int) -> None:
    """Make sure nothing of a test's launcher survives, even when an assertion failed."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


@pytest.fixture
def launchers(tmp_path: Path) -> Iterator[list[Launcher]]:
    started: list[Launcher] = []
    yield started
    for launcher in started:
        if launcher.process is not None and launcher.process.poll() is None:
            launcher.stop()
        for proc in launcher.leftovers():
            proc.kill()


# ---- the Studio set-up ----------------------------------------------------------------------
@dataclass(frozen=True)
class Studio:
    """A domain of account A with the role-file lifecycle configuration."""

    domain_id: str
    domain_arn: str
    role_arn: str
    network: Network


@pytest.fixture(scope="module")
def studio(server: Any) -> Studio:
    iam = server.client("iam", A)
    role_arn = iam.create_role(
        RoleName="StudioExecution", AssumeRolePolicyDocument=json.dumps(EXECUTION_TRUST)
    )["Role"]["Arn"]
    sm = server.client("sagemaker", A)
    net = make_network(server, A, 40)
    lcc = lifecycle_config(sm, ROLE_SCRIPT)
    created = sm.create_domain(
        DomainName="launcher-tests",
        AuthMode="IAM",
        VpcId=net.vpc_id,
        SubnetIds=[net.subnet_id],
        DefaultUserSettings={
            "ExecutionRole": role_arn,
            "SecurityGroups": [net.security_group_id],
            "JupyterServerAppSettings": {
                "DefaultResourceSpec": {"LifecycleConfigArn": lcc},
                "LifecycleConfigArns": [lcc],
            },
            "JupyterLabAppSettings": {
                "EmrSettings": {"ExecutionRoleArns": [f"arn:aws:iam::{B}:role/Runtime"]}
            },
        },
    )
    return Studio(created["DomainId"], created["DomainArn"], role_arn, net)


def _get(record: dict[str, Any], path: str) -> httpx.Response:
    return httpx.get(
        f"{record['url']}{path}", headers={"Authorization": f"token {record['token']}"}, timeout=30
    )


def _in_kernel(record: dict[str, Any], home: Path, code: str) -> str:
    """Run ``code`` in a new kernel of the lab and return what it printed."""
    kernel = httpx.post(
        f"{record['url']}/api/kernels",
        headers={"Authorization": f"token {record['token']}"},
        json={"name": "python3"},
        timeout=60,
    ).json()
    connection = home / ".local" / "share" / "jupyter" / "runtime" / f"kernel-{kernel['id']}.json"
    client = BlockingKernelClient(connection_file=str(connection))
    client.load_connection_file()
    client.start_channels()
    printed: list[str] = []

    def keep(message: dict[str, Any]) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            printed.append("\n".join(message["content"]["traceback"]))

    try:
        # Not wait_for_ready: without the kernel's manager it calls a kernel dead when a
        # heartbeat is late, which a loaded machine's kernel start may well be.
        deadline = time.monotonic() + 90
        while True:
            client.kernel_info()
            with contextlib.suppress(queue.Empty):
                if client.get_shell_msg(timeout=2)["msg_type"] == "kernel_info_reply":
                    break
            assert time.monotonic() < deadline, "the kernel did not answer"
        client.execute_interactive(code, output_hook=keep, timeout=90)
    finally:
        client.stop_channels()
    return "".join(printed)


def test_studio_starts_runs_lifecycle_and_stops(
    server: Any, studio: Studio, launchers: list[Launcher], tmp_path: Path
) -> None:
    sm = server.client("sagemaker", A)
    sm.create_user_profile(DomainId=studio.domain_id, UserProfileName="ana")
    launcher = Launcher(server, studio.domain_id, "ana", tmp_path / "ana.log").start()
    launchers.append(launcher)
    record = launcher.app()
    assert record["url"].startswith("http://127.0.0.1:") and record["token"]
    assert psutil.pid_exists(record["pid"])

    # The lifecycle script ran first, as the execution role, and wrote the role file.
    log = (launcher.home / ".clusterport" / "lifecycle.log").read_text()
    assert "role file written" in log and "== exit 0 ==" in log
    assert f"acting as arn:aws:sts::{A}:assumed-role/StudioExecution/ana" in log
    assert "role file written" in launcher.output()
    assert json.loads((launcher.home / ROLE_FILE).read_text()) == {B: DISCOVERY_ROLE}

    # The server extension read it at start, with the domain's EmrSettings.
    config = _get(record, "/clusterport/config").json()
    assert config["assumableRoles"] == {B: DISCOVERY_ROLE}
    assert config["executionRoles"] == {B: [f"arn:aws:iam::{B}:role/Runtime"]}
    assert config["errors"] == []

    # The session carries the profile as source identity and the ARNs as transitive tags.
    with server.platform.db.session() as session:
        issued = session.scalars(
            select(SessionCredential).where(SessionCredential.source_identity == "ana")
        ).all()
    assert issued
    tags = issued[-1].session_tags
    assert tags[DOMAIN_TAG] == studio.domain_arn
    assert tags[PROFILE_TAG].endswith(f"user-profile/{studio.domain_id}/ana")
    assert set(issued[-1].transitive_tag_keys) == {DOMAIN_TAG, PROFILE_TAG}

    # No secret of the admin reaches the home; the app's environment names the platform's
    # container-credentials endpoint, and its tokens are on no command line.
    admin_secret = server.account(A).secret_access_key
    for path in launcher.home.rglob("*"):
        if path.is_file():
            assert admin_secret not in path.read_text(errors="replace"), path
    assert "credential_process" not in (launcher.home / ".clusterport" / "aws-config").read_text()
    for path in (launcher.app_file, launcher.registration):
        assert admin_secret not in path.read_text()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    registered = json.loads(launcher.registration.read_text())
    assert launcher.process is not None and registered["launcher_pid"] == launcher.process.pid
    tokens = [record["token"]]
    for proc in psutil.process_iter(["cmdline"]):
        command = " ".join(proc.info["cmdline"] or [])
        assert record["token"] not in command, command

    # Kernels load the magic and act as the execution role.
    printed = _in_kernel(
        record,
        launcher.home,
        "import boto3\n"
        "print('magic', 'clusterport.studio.magics' in get_ipython().extension_manager.loaded)\n"
        "print('arn', boto3.client('sts').get_caller_identity()['Arn'])\n"
        "import os\n"
        "print('uri', os.environ['AWS_CONTAINER_CREDENTIALS_FULL_URI'])\n"
        "print('token', os.environ['AWS_CONTAINER_AUTHORIZATION_TOKEN'])\n",
    )
    assert "magic True" in printed, printed
    assert f"arn arn:aws:sts::{A}:assumed-role/StudioExecution/ana" in printed, printed
    uri = printed.split("uri ", 1)[1].split()[0]
    assert uri == f"{server.url}/_credentials/studio/{studio.domain_id}/ana"
    credentials_token = printed.split("token ", 1)[1].split()[0]
    tokens.append(credentials_token)
    for proc in psutil.process_iter(["cmdline"]):
        command = " ".join(proc.info["cmdline"] or [])
        assert not any(token in command for token in tokens), command
    assert httpx.get(uri, headers={"Authorization": credentials_token}).status_code == 200
    assert httpx.get(uri, headers={"Authorization": "not-the-token"}).status_code == 403

    # A notebook cell reaches neither the platform's keys, its database, the app records,
    # another user's home, nor any process outside its sandbox (this test's, the launcher's).
    other_home = launcher.home.parent / "zed"
    other_home.mkdir(exist_ok=True)
    (other_home / "notes.txt").write_text("zed's notes")
    targets = {
        "key": server.data_dir / "server.key",
        "database": server.data_dir / "clusterport.db",
        "record": launcher.app_file,
        "registration": launcher.registration,
        "other-home": other_home / "notes.txt",
    }
    attack = (
        "import os\n"
        f"for name, path in { ({k: str(v) for k, v in targets.items()})!r}.items():\n"
        "    try:\n"
        "        open(path, 'rb').read()\n"
        "        print('READ', name)\n"
        "    except OSError as exc:\n"
        "        print('refused', name, type(exc).__name__)\n"
        "commands = []\n"
        "for pid in os.listdir('/proc'):\n"
        "    if pid.isdigit():\n"
        "        try:\n"
        "            commands.append(open(f'/proc/{pid}/cmdline', 'rb').read())\n"
        "        except OSError:\n"
        "            pass\n"
        # argv words, not substrings: the data dir's own path may hold 'pytest'.
        "words = [c.split(b'\\0') for c in commands]\n"
        "print('outside', [w for w in words if b'--domain-id' in w\n"
        "      or any(a.endswith(b'/pytest') or a == b'pytest' for a in w)])\n"
        f"print('data dir listed', os.path.exists({str(server.data_dir / 'engine')!r}))\n"
    )
    seen = _in_kernel(record, launcher.home, attack)
    assert "READ" not in seen, seen
    for name in targets:
        assert f"refused {name}" in seen, seen
    assert "outside []" in seen and "data dir listed False" in seen, seen

    # Every credentials request is on the trail, as SageMaker assuming the role.
    events = server.client("cloudtrail", A).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}]
    )["Events"]
    vended = [json.loads(e["CloudTrailEvent"]) for e in events]
    vended = [e for e in vended if e["userIdentity"].get("invokedBy") == SAGEMAKER]
    assert any(e.get("errorCode") is None for e in vended)
    assert any(e.get("errorCode") == "AccessDenied" for e in vended)

    # Terminals start in the sandbox too, as the lab's own (unprivileged, when root) user.
    terminal = httpx.post(
        f"{record['url']}/api/terminals",
        headers={"Authorization": f"token {record['token']}"},
        timeout=30,
    )
    assert terminal.status_code == 200, terminal.text
    assert launcher.process is not None
    below = psutil.Process(launcher.process.pid).children(recursive=True)
    lab = next(p for p in below if "jupyterlab" in p.cmdline() and "bwrap" not in p.cmdline()[0])
    deadline = time.monotonic() + 30
    shells: list[psutil.Process] = []
    while not shells and time.monotonic() < deadline:
        shells = [p for p in lab.children(recursive=True) if p.name() == "bash"]
        time.sleep(0.2)
    assert shells, "no terminal shell below the lab"
    assert shells[0].uids().real == lab.uids().real
    if os.geteuid() == 0:
        assert lab.uids().real != 0
    # The lab, its kernels and terminals share the app's bounded control group.
    groups = ControlGroups.detect()
    if groups.enabled:
        name = f"studio-{studio.domain_id}-ana"
        assert {lab.pid, shells[0].pid} <= set(groups.members(name))
        assert groups.memory_limit_mb(name) == STUDIO_APP_LIMITS.memory_mb

    # A presigned URL logs into this lab once.
    url = sm.create_presigned_domain_url(DomainId=studio.domain_id, UserProfileName="ana")[
        "AuthorizedUrl"
    ]
    login = httpx.get(url, follow_redirects=False)
    assert login.status_code == 302
    assert login.headers["location"] == f"{record['url']}/lab?token={record['token']}"
    lab = httpx.get(login.headers["location"], timeout=30)
    assert lab.status_code == 200 and "JupyterLab" in lab.text

    # A second launcher for the same profile is refused while this one runs.
    twin = Launcher(server, studio.domain_id, "ana", tmp_path / "twin.log").start()
    launchers.append(twin)
    assert twin.finish() == 1
    assert "already runs" in twin.output()

    # The lab read the role file once, at start: an edit changes nothing while it runs.
    role_file = launcher.home / ROLE_FILE
    edited = {"333333333333": "arn:aws:iam::333333333333:role/Elsewhere"}
    role_file.write_text(json.dumps(edited))
    assert _get(record, "/clusterport/config").json()["assumableRoles"] == {B: DISCOVERY_ROLE}

    assert launcher.stop() == 0
    assert launcher.leftovers() == []
    assert groups.members(f"studio-{studio.domain_id}-ana") == []
    assert not launcher.app_file.exists() and not launcher.registration.exists()
    # The stopped app's credentials token is refused.
    refused = httpx.get(uri, headers={"Authorization": credentials_token})
    assert refused.status_code == 403 and "running app" in refused.json()["Message"]
    gone = httpx.get(
        sm.create_presigned_domain_url(DomainId=studio.domain_id, UserProfileName="ana")[
            "AuthorizedUrl"
        ],
        follow_redirects=False,
    )
    assert gone.status_code == 409

    # The edit outlived the stop; a restart re-runs the lifecycle script, which overwrites
    # the file, and the new lab reads the script's version (the role file's edits count
    # only after a restart).
    assert json.loads(role_file.read_text()) == edited
    second = Launcher(server, studio.domain_id, "ana", tmp_path / "second.log").start()
    launchers.append(second)
    again = second.app()
    assert again["token"] != record["token"]
    assert json.loads(role_file.read_text()) == {B: DISCOVERY_ROLE}
    assert _get(again, "/clusterport/config").json()["assumableRoles"] == {B: DISCOVERY_ROLE}
    assert second.stop() == 0
    assert second.leftovers() == []


def test_a_failing_lifecycle_script_stops_the_start(
    server: Any, studio: Studio, launchers: list[Launcher], tmp_path: Path
) -> None:
    sm = server.client("sagemaker", A)
    failing = lifecycle_config(
        sm,
        "#!/bin/bash\necho 'mounting shared data'\n"
        "echo 'cannot mount /shared: permission denied' >&2\nexit 3\n",
    )
    sm.create_user_profile(
        DomainId=studio.domain_id,
        UserProfileName="bo",
        UserSettings={
            "JupyterServerAppSettings": {
                "DefaultResourceSpec": {"LifecycleConfigArn": failing},
                "LifecycleConfigArns": [failing],
            }
        },
    )
    launcher = Launcher(
        server, studio.domain_id, "bo", tmp_path / "bo.log", use_profile=True
    ).start()
    launchers.append(launcher)
    assert launcher.finish() == 1
    output = launcher.output()
    # The domain's script ran first, then the profile's, which failed with its output shown.
    assert output.index("role file written") < output.index("mounting shared data")
    assert "cannot mount /shared: permission denied" in output
    assert "exit code 3" in output and failing.rsplit("/", 1)[1] in output
    assert "starting JupyterLab" not in output
    assert not launcher.app_file.exists() and not launcher.registration.exists()
    log = (launcher.home / ".clusterport" / "lifecycle.log").read_text()
    assert "cannot mount /shared" in log and "== exit 3 ==" in log


def test_a_lifecycle_script_that_hangs_is_stopped(
    server: Any, studio: Studio, launchers: list[Launcher], tmp_path: Path
) -> None:
    sm = server.client("sagemaker", A)
    # A duration no other process of the machine sleeps, to find the script's sleep by.
    duration = f"{1000 + secrets.randbelow(8000)}.{secrets.randbelow(1000):03d}"
    hanging = lifecycle_config(sm, f'#!/bin/bash\ntouch "$HOME/hanging"\nsleep {duration}\n')
    sm.create_user_profile(
        DomainId=studio.domain_id,
        UserProfileName="dee",
        UserSettings={
            "JupyterServerAppSettings": {
                "DefaultResourceSpec": {"LifecycleConfigArn": hanging},
                "LifecycleConfigArns": [hanging],
            }
        },
    )
    launcher = Launcher(
        server,
        studio.domain_id,
        "dee",
        tmp_path / "dee.log",
        extra=("--lifecycle-timeout", "3"),
    ).start()
    launchers.append(launcher)
    assert launcher.finish() == 1
    assert "ran longer than 3 s" in launcher.output()
    assert (launcher.home / "hanging").exists()
    left = [
        proc
        for proc in psutil.process_iter(["cmdline", "status"])
        if proc.info["cmdline"] == ["sleep", duration]
        and proc.info["status"] != psutil.STATUS_ZOMBIE
    ]
    assert left == []


def test_lifecycle_scripts_run_in_the_sandbox(
    server: Any, studio: Studio, launchers: list[Launcher], tmp_path: Path
) -> None:
    sm = server.client("sagemaker", A)
    key = server.data_dir / "server.key"
    homes = server.data_dir / "studio" / studio.domain_id / "home"
    (homes / "zed").mkdir(parents=True, exist_ok=True)
    snooping = lifecycle_config(
        sm,
        "#!/bin/bash\n"
        f"{sys.executable} -c \"import boto3; print('as', "
        "boto3.client('sts').get_caller_identity()['Arn'])\"\n"
        f"cat {key} >/dev/null 2>&1 && echo 'read the key' || echo 'no key'\n"
        f'echo "homes: $(ls {homes} | tr "\\n" " ")"\n'
        "exit 4\n",
    )
    sm.create_user_profile(
        DomainId=studio.domain_id,
        UserProfileName="fay",
        UserSettings={
            "JupyterServerAppSettings": {
                "DefaultResourceSpec": {"LifecycleConfigArn": snooping},
                "LifecycleConfigArns": [snooping],
            }
        },
    )
    walled = Launcher(server, studio.domain_id, "fay", tmp_path / "walled.log").start()
    launchers.append(walled)
    assert walled.finish() == 1
    output = walled.output()
    # The script acts as the execution role, reads no key and sees no other home.
    assert f"as arn:aws:sts::{A}:assumed-role/StudioExecution/fay" in output
    assert "no key" in output and "read the key" not in output
    assert "homes: fay \n" in output
    assert "--no-sandbox" not in output

    # --no-sandbox says so loudly, and the same script then reads the key and every home.
    unwalled = Launcher(
        server, studio.domain_id, "fay", tmp_path / "unwalled.log", extra=("--no-sandbox",)
    ).start()
    launchers.append(unwalled)
    assert unwalled.finish() == 1
    output = unwalled.output()
    assert "WARNING: --no-sandbox" in output
    assert "read the key" in output and "zed" in output


def test_every_process_the_launcher_starts_goes_through_the_sandbox() -> None:
    """No launch path of a Studio app bypasses :meth:`Sandbox.command`."""
    tree = ast.parse(Path(launcher_module.__file__).read_text())
    starters = {"subprocess.Popen", "subprocess.run", "subprocess.call", "subprocess.check_call"}
    starters |= {"subprocess.check_output", "os.system", "os.popen", "os.execv", "os.execve"}
    starters |= {"start_group", "start_group_async"}  # clusterport.process_groups
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) in starters
    ]
    assert len(calls) == 2  # the lifecycle scripts and JupyterLab (kernels, terminals below it)
    for call in calls:
        assert call.args and ast.unparse(call.args[0]).startswith("sandbox.command("), ast.unparse(
            call
        )


def test_credentials_are_issued_only_to_a_registered_app(server: Any, studio: Studio) -> None:
    uri = f"{server.url}/_credentials/studio/{studio.domain_id}/nobody-runs"
    refused = httpx.get(uri, headers={"Authorization": "anything"})
    assert refused.status_code == 403
    assert "credentials are issued only to a running app" in refused.json()["Message"]
    assert httpx.get(f"{server.url}/_credentials/studio/..%2F..%2Fx/y").status_code != 200


def test_the_endpoint_sets_the_source_keys_a_hardened_trust_policy_checks(
    server: Any, studio: Studio
) -> None:
    """AWS's confused-deputy guard (``aws:SourceAccount``/``aws:SourceArn``) holds."""
    iam, sm = server.client("iam", A), server.client("sagemaker", A)

    def role(name: str, account: str) -> str:
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"Service": SAGEMAKER},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": f"arn:aws:sagemaker:*:{account}:*"},
            },
        }
        document = {"Version": "2012-10-17", "Statement": [statement]}
        arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))[
            "Role"
        ]["Arn"]
        return arn

    mine, theirs = role("GuardedForA", A), role("GuardedForB", B)
    for profile, role_arn in (("gil", mine), ("hal", theirs)):
        sm.create_user_profile(
            DomainId=studio.domain_id,
            UserProfileName=profile,
            UserSettings={"ExecutionRole": role_arn},
        )
    answers = {}
    for profile in ("gil", "hal"):
        paths = StudioPaths(server.data_dir.resolve(), studio.domain_id, profile)
        token = secrets.token_urlsafe(32)
        register_app(paths, account_id=A, region="us-east-1", credentials_token=token)
        try:
            uri = container_credentials_uri(server.url, studio.domain_id, profile)
            answers[profile] = httpx.get(uri, headers={"Authorization": token})
        finally:
            unregister_app(paths)
    assert answers["gil"].status_code == 200
    assert answers["gil"].json()["RoleArn"] == mine
    assert answers["hal"].status_code == 403
    assert "sagemaker.amazonaws.com is not authorized" in answers["hal"].json()["Message"]


def test_a_role_that_does_not_trust_sagemaker_stops_the_start(
    server: Any, launchers: list[Launcher], tmp_path: Path
) -> None:
    iam = server.client("iam", A)
    role_arn = iam.create_role(
        RoleName="TrustsTheAccountOnly",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    sm = server.client("sagemaker", A)
    net = make_network(server, A, 42)
    domain_id = sm.create_domain(
        DomainName="untrusted-role",
        AuthMode="IAM",
        VpcId=net.vpc_id,
        SubnetIds=[net.subnet_id],
        DefaultUserSettings={"ExecutionRole": role_arn},
    )["DomainId"]
    sm.create_user_profile(DomainId=domain_id, UserProfileName="eve")
    launcher = Launcher(server, domain_id, "eve", tmp_path / "eve.log").start()
    launchers.append(launcher)
    assert launcher.finish() == 1
    output = launcher.output()
    assert "sagemaker.amazonaws.com is not authorized to perform: sts:AssumeRole" in output
    assert '{"Service": "sagemaker.amazonaws.com"}' in output
    assert "starting JupyterLab" not in output
    assert not launcher.app_file.exists() and not launcher.registration.exists()


def test_unknown_profile_is_reported(
    server: Any, launchers: list[Launcher], tmp_path: Path
) -> None:
    sm = server.client("sagemaker", A)
    net = make_network(server, A, 41)
    domain_id = sm.create_domain(
        DomainName="no-profiles",
        AuthMode="IAM",
        VpcId=net.vpc_id,
        SubnetIds=[net.subnet_id],
        DefaultUserSettings={"ExecutionRole": f"arn:aws:iam::{A}:role/Unused"},
    )["DomainId"]
    launcher = Launcher(server, domain_id, "nobody", tmp_path / "nobody.log").start()
    launchers.append(launcher)
    assert launcher.finish() == 1
    output = launcher.output()
    assert "DescribeUserProfile failed: ResourceNotFound" in output
    assert "Cannot find user profile nobody" in output

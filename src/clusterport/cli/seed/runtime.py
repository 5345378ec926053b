"""Running the seed world: the server process, the accounts' keys, the AWS profiles.

Shared by ``clusterport up`` and ``clusterport demo``. Processes are started
in their own process group and stopped by that group only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from clusterport import process_groups
from clusterport.cli.common import running_server_url
from clusterport.cli.seed.world import EMR_ACCOUNT, STUDIO_ACCOUNT

CLUSTERPORT = [sys.executable, "-m", "clusterport.cli.main"]
KEYS_FILE = "seed-keys.json"


@dataclass
class ServerProcess:
    """The platform's server: started here (``proc``) or found running."""

    url: str
    proc: subprocess.Popen[str] | None

    def stop(self) -> None:
        if self.proc is not None:
            stop_group(self.proc)


def stop_group(proc: subprocess.Popen[str], grace: float = 30.0) -> None:
    """SIGTERM to the process group ``proc`` leads, SIGKILL after ``grace`` seconds."""
    process_groups.stop_group(proc, grace=grace, leftovers=False)


def start_server(data_dir: Path, host: str, port: int) -> ServerProcess:
    """Start ``clusterport server`` on ``data_dir`` unless one already serves it."""
    existing = running_server_url(data_dir)
    if existing is not None:
        try:
            import httpx  # noqa: PLC0415

            if httpx.get(f"{existing}/_clusterport/health", timeout=2).status_code == 200:
                return ServerProcess(existing, None)
        except httpx.HTTPError:
            pass
    data_dir.mkdir(parents=True, exist_ok=True)
    log = (data_dir / "server.log").open("a")
    proc = process_groups.start_group(
        [*CLUSTERPORT, "server", "--host", host, "--port", str(port), "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    assert proc.stdout is not None
    try:
        line = proc.stdout.readline()
    except BaseException:
        # Stopped (Ctrl-C) while the server starts: it must not outlive the command.
        stop_group(proc)
        raise
    if not line.startswith("clusterport listening on "):
        proc.wait(10)
        raise RuntimeError(
            f"the server did not start (exit {proc.returncode}); see {data_dir / 'server.log'}"
        )
    return ServerProcess(line.split()[-1], proc)


def account_keys(data_dir: Path) -> dict[str, dict[str, str]]:
    """Root keys of the two seed accounts, created once with ``clusterport admin``."""
    path = data_dir / KEYS_FILE
    if path.exists():
        keys: dict[str, dict[str, str]] = json.loads(path.read_text())
        return keys
    keys = {}
    for account, name in ((STUDIO_ACCOUNT, "studio"), (EMR_ACCOUNT, "emr")):
        created = subprocess.run(
            [
                *CLUSTERPORT,
                "admin",
                "create-account",
                "--data-dir",
                str(data_dir),
                "--account-id",
                account,
                "--name",
                name,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if created.returncode != 0:
            raise RuntimeError(f"could not create account {account}: {created.stderr.strip()}")
        keys[account] = json.loads(created.stdout)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(keys, handle)
    return keys


def session(key: dict[str, str], region: str) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=region,
    )


def write_profiles(keys: dict[str, dict[str, str]], url: str, region: str) -> list[str]:
    """AWS CLI profiles for both admins; returns their names."""
    from clusterport.cli.admin import write_profile  # noqa: PLC0415
    from clusterport.services.identity import IssuedKey  # noqa: PLC0415

    names = []
    for account, name in ((STUDIO_ACCOUNT, "clusterport-studio"), (EMR_ACCOUNT, "clusterport-emr")):
        key = keys[account]
        write_profile(
            name, IssuedKey(account, key["AccessKeyId"], key["SecretAccessKey"]), url, region
        )
        names.append(name)
    return names


def wait_until(predicate: Any, timeout: float, interval: float = 1.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def stop_data_dir(data_dir: Path) -> int:
    """``clusterport down`` on ``data_dir``; its exit code."""
    return subprocess.run(
        [*CLUSTERPORT, "down", "--data-dir", str(data_dir)], check=False
    ).returncode

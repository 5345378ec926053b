"""``clusterport server`` as a process: one server per data dir, nothing it holds outlives it."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest

from clusterport.platform import Platform, Settings
from clusterport.services import identity
from emr_support import instances

VENV_BIN = Path(sys.executable).parent
ACCOUNT = "222222222222"


def _start(data_dir: Path, port: int = 0) -> tuple[subprocess.Popen[str], str]:
    """A server on ``data_dir``; returns it with its URL once it listens."""
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "clusterport"),
            "server",
            "--port",
            str(port),
            "--warm-pool",
            "0",
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("clusterport listening on "):
            return proc, line.split()[-1]
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError(f"the server did not start: {proc.communicate()}")


def _port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def test_a_second_server_on_the_same_data_dir_refuses_naming_the_first(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first, url = _start(data_dir)
    try:
        second = subprocess.run(
            [
                str(VENV_BIN / "clusterport"),
                "server",
                "--port",
                "0",
                "--warm-pool",
                "0",
                "--data-dir",
                str(data_dir),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert second.returncode == 1
        assert f"PID {first.pid}" in second.stderr and url in second.stderr
        assert "--data-dir" in second.stderr
        # The first server's record is untouched by the refused one.
        assert url in (data_dir / "server.json").read_text()
    finally:
        _stop(first)


def test_the_data_dir_and_its_secrets_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server, _url = _start(data_dir)
    try:
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
        for name in ("server.key", "clusterport.db"):
            assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name
    finally:
        _stop(server)


def test_a_killed_server_frees_its_port_and_data_dir_at_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server, url = _start(data_dir)
    port = _port_of(url)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(30)
    # Nothing the server started holds its socket: the port can be bound again at once.
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
    # And its lock died with it: a new server takes the same data dir and port.
    again, again_url = _start(data_dir, port)
    try:
        assert again_url == url
    finally:
        _stop(again)


@pytest.mark.spark
def test_a_killed_server_leaves_its_clusters_to_the_next_one(tmp_path: Path) -> None:
    """kill -9 with a cluster running: the port is free at once, the next server adopts it."""
    data_dir = tmp_path / "data"
    server, url = _start(data_dir)
    platform = Platform(Settings(data_dir=data_dir))
    with platform.db.session() as session:
        key = identity.create_account(session, platform.secrets, ACCOUNT, "tenant", platform.now())
    platform.close()
    emr = boto3.client(
        "emr",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
    )
    again: subprocess.Popen[str] | None = None
    try:
        cluster_id = emr.run_job_flow(
            Name="survivor", ReleaseLabel="emr-7.1.0", Instances=instances()
        )["JobFlowId"]
        emr.get_waiter("cluster_running").wait(
            ClusterId=cluster_id, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
        )
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)
        with socket.socket() as probe:  # no JVM of the cluster holds the API's socket
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(("127.0.0.1", _port_of(url)))
        again, again_url = _start(data_dir, _port_of(url))
        assert again_url == url
        described = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
        assert described["Status"]["State"] in ("WAITING", "RUNNING"), described["Status"]
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
        emr.get_waiter("cluster_terminated").wait(
            ClusterId=cluster_id, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
        )
    finally:
        if again is not None:
            _stop(again)
        _stop(server)
        subprocess.run(
            [str(VENV_BIN / "clusterport"), "down", "--data-dir", str(data_dir)],
            capture_output=True,
            timeout=300,
            check=False,
        )

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

VENV_BIN = Path(sys.executable).parent


def _start(data_dir: Path, port: int = 0) -> tuple[subprocess.Popen[str], str]:
    """A server on ``data_dir``; returns it with its URL once it listens."""
    proc = subprocess.Popen(
        [str(VENV_BIN / "clusterport"), "server", "--port", str(port), "--data-dir", str(data_dir)],
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
            [str(VENV_BIN / "clusterport"), "server", "--port", "0", "--data-dir", str(data_dir)],
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

"""``clusterport up``: the seed world and Studio in one go; again reuses it; Ctrl-C stops all."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

VENV_BIN = Path(sys.executable).parent


def _run_up(tmp: Path, *extra: str) -> tuple[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_CONFIG_FILE"] = str(tmp / "aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp / "aws-credentials")
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "clusterport"),
            "up",
            "--data-dir",
            str(tmp / "data"),
            "--port",
            "0",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
        cwd=tmp,
    )
    assert proc.stdout is not None
    # Read on a thread, so that a silent `up` cannot hold the test past its deadline.
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(proc.stdout, lines), daemon=True)
    reader.start()
    seen: list[str] = []
    login: list[str] = []
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                break
            seen.append(line)
            if "/_studio/login/" in line and line.strip().startswith("http"):
                login.append(line.strip())
            if "Press Ctrl-C" in line:
                break
        assert "clusterport is up" in "".join(seen), _report(tmp, seen, "did not come up")
        if login:
            reply = httpx.get(login[0], follow_redirects=False, timeout=30)
            assert reply.status_code == 302, reply.text
            assert "/lab" in reply.headers["location"]
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail(_report(tmp, _drain(lines, seen), "did not stop within 120 s of Ctrl-C"))
        reader.join(timeout=30)
    out = "".join(_drain(lines, seen))
    assert proc.returncode == 0, _report(tmp, seen, f"exited {proc.returncode}")
    return out, login


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


def _drain(lines: queue.Queue[str | None], seen: list[str]) -> list[str]:
    while True:
        try:
            line = lines.get_nowait()
        except queue.Empty:
            return seen
        if line is not None:
            seen.append(line)


def _report(tmp: Path, seen: list[str], what: str) -> str:
    """What `up` printed and the tail of the server's log, for a failure message."""
    log = tmp / "data" / "server.log"
    tail = log.read_text(errors="replace")[-4000:] if log.exists() else "(no server.log)"
    return f"clusterport up {what}.\n--- output ---\n{''.join(seen)}\n--- server.log ---\n{tail}"


@pytest.mark.browser
def test_up_twice_reuses_the_world(tmp_path: Path) -> None:
    first, login = _run_up(tmp_path)
    assert login, first
    domain = re.search(r"domain (d-[a-z0-9]+)", first)
    assert domain is not None, first
    second, _ = _run_up(tmp_path, "--no-studio")
    assert f"domain {domain.group(1)}" in second, second
    config = (tmp_path / "aws-config").read_text()
    assert "[profile clusterport-studio]" in config
    assert "[profile clusterport-emr]" in config
    data = str(tmp_path / "data")
    left = [p.name for p in Path("/proc").iterdir() if p.name.isdigit() and data in _cmdline(p)]
    assert left == [], f"processes still running: {left}"


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""

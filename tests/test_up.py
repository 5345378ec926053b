"""``clusterport up``: the seed world and Studio in one go; again reuses it; Ctrl-C stops all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    lines: list[str] = []
    login: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 240
        for line in proc.stdout:
            lines.append(line)
            if "/_studio/login/" in line and line.strip().startswith("http"):
                login.append(line.strip())
            if "Press Ctrl-C" in line or time.monotonic() > deadline:
                break
        out = "".join(lines)
        assert "clusterport is up" in out, out
        if login:
            reply = httpx.get(login[0], follow_redirects=False, timeout=30)
            assert reply.status_code == 302, reply.text
            assert "/lab" in reply.headers["location"]
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        rest, _ = proc.communicate(timeout=120)
        lines.append(rest)
    assert proc.returncode == 0, "".join(lines)
    return "".join(lines), login


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

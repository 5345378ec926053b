"""What the benchmarks share: starting servers, timing calls, writing results."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from clusterport.process_groups import start_group, stop_group

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.md"
VENV_BIN = Path(sys.executable).parent


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def timed(call: Callable[[], object], count: int) -> list[float]:
    """Wall milliseconds of ``count`` calls."""
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    return statistics.median(samples), percentile(samples, 0.95)


def append_results(section: str, lines: list[str]) -> None:
    """Append a dated block under ``## section`` to results.md."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = [f"\n## {section}", f"_{stamp} — {machine()}_", "", *lines, ""]
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(block))
    print("\n".join(block))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def listening_process(url: str) -> psutil.Process:
    """The local process listening on ``url``'s port (a server started by a bench)."""
    port = int(url.rsplit(":", 1)[1].split("/", maxsplit=1)[0])
    for conn in psutil.net_connections(kind="tcp"):
        listening = conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port
        if listening and conn.pid is not None:
            return psutil.Process(conn.pid)
    raise LookupError(f"no process listens on port {port}")


def cpu_ms(process: psutil.Process) -> float:
    """CPU time (user + system) the process has used so far, in milliseconds."""
    times = process.cpu_times()
    return float(times.user + times.system) * 1000


def load_average() -> float:
    """The host's 1-minute load average (the host is shared: figures vary with it)."""
    return os.getloadavg()[0]


def create_account(data_dir: Path, account_id: str, name: str) -> dict[str, str]:
    """``clusterport admin create-account``: the new account's root key."""
    created = subprocess.run(
        [
            str(VENV_BIN / "clusterport"),
            "admin",
            "create-account",
            "--data-dir",
            str(data_dir),
            "--account-id",
            account_id,
            "--name",
            name,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    key: dict[str, str] = json.loads(created.stdout)
    return key


@contextmanager
def clusterport_server(
    data_dir: Path,
    root_key: dict[str, str] | None = None,
    *,
    source: Path | None = None,
    warm_pool: int = 0,
) -> Iterator[tuple[str, dict[str, str]]]:
    """A clusterport server subprocess and the root key of account 111111111111.

    The account is created unless ``root_key`` (its key, from an earlier run on the
    same data dir) is given. ``source``: a ``src`` folder of another checkout to run
    the server from (to compare two versions in one run). ``warm_pool``: the
    clusters it keeps started ahead (``--warm-pool``; none by default, and never
    with ``source``, whose version may not know the option).
    """
    key = root_key or create_account(data_dir, "111111111111", "bench")
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    pool = ["--warm-pool", str(warm_pool)] if source is None else []
    proc = start_group(
        [
            str(VENV_BIN / "clusterport"),
            "server",
            "--port",
            "0",
            *pool,
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().split()[-1]
        yield url, key
    finally:
        stop_group(proc, grace=30)


@contextmanager
def moto_server() -> Iterator[str]:
    port = free_port()
    proc = start_group(
        [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(proc, grace=30)

"""Livy endpoint and Spark Connect proxy: what they add on top of a Spark Connect server.

Starts one Spark Connect server (local[1], token), the session-token proxy and
the Livy-compatible endpoint, then measures:

* Livy: ``POST /sessions`` → ``idle`` (a new interpreter process connecting),
  statement round trips for ``1 + 1`` and ``spark.range(10).count()`` (polled
  every 5 ms, as a fast client would);
* the proxy: the same small query and a 200k-row ``toPandas()`` directly
  against the Connect server and through the proxy.

Run (alone, it starts a JVM): ``.venv/bin/python bench/livy_proxy.py``
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pyspark
from pyspark.sql.connect.session import SparkSession

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_results, free_port, summary, timed, wait_for_port
from clusterport.engines.connect_proxy import load_or_create_key, mint_session_token
from clusterport.process_groups import start_group, stop_group

PYSPARK_HOME = Path(pyspark.__file__).resolve().parent


@contextlib.contextmanager
def spawn(command: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    with log.open("wb") as out:
        process = start_group(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        yield
    finally:
        stop_group(process, grace=60)


def connect_server(work: Path, port: int, token: str) -> list[str]:
    settings = {
        "spark.master": "local[1]",
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.connect.authenticate.token": token,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.local.dir": str(work),
    }
    command = [
        str(PYSPARK_HOME / "bin" / "spark-submit"),
        "--class",
        "org.apache.spark.sql.connect.service.SparkConnectServer",
    ]
    for key, value in settings.items():
        command += ["--conf", f"{key}={value}"]
    return command


def wait_statement(http: httpx.Client, path: str) -> dict[str, Any]:
    while True:
        statement: dict[str, Any] = http.get(path).json()
        if statement["state"] in {"available", "error", "cancelled"}:
            return statement
        time.sleep(0.005)


def run_statement(http: httpx.Client, session: int, code: str) -> None:
    statement = http.post(f"/sessions/{session}/statements", json={"code": code}).json()
    result = wait_statement(http, f"/sessions/{session}/statements/{statement['id']}")
    assert result["output"]["status"] == "ok", result


def create_idle_session(http: httpx.Client) -> int:
    session: int = http.post("/sessions", json={"kind": "pyspark"}).json()["id"]
    while http.get(f"/sessions/{session}/state").json()["state"] != "idle":
        time.sleep(0.005)
    return session


def fmt(samples: list[float]) -> str:
    median, p95 = summary(samples)
    return f"{median:.1f} / {p95:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--sessions", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        connect_port, proxy_port, livy_port = free_port(), free_port(), free_port()
        token = secrets.token_urlsafe(24)
        env = {**os.environ, "SPARK_HOME": str(PYSPARK_HOME), "SPARK_CONF_DIR": str(work / "c")}
        python = sys.executable
        with contextlib.ExitStack() as stack:
            stack.enter_context(
                spawn(connect_server(work, connect_port, token), work / "connect.log", env)
            )
            wait_for_port(connect_port, timeout=240)
            proxy_command = [
                python, "-m", "clusterport.engines.connect_proxy", "--host", "127.0.0.1",
                "--port", str(proxy_port), "--upstream", f"localhost:{connect_port}",
                "--upstream-token", token, "--key-file", str(work / "session-token.key"),
            ]  # fmt: skip
            stack.enter_context(spawn(proxy_command, work / "proxy.log"))
            remote = f"sc://localhost:{connect_port}/;token={token}"
            livy_command = [
                python, "-m", "clusterport.engines.livy", "--host", "127.0.0.1",
                "--port", str(livy_port), "--spark-remote", remote, "--work-dir", str(work),
            ]  # fmt: skip
            stack.enter_context(spawn(livy_command, work / "livy.log"))
            wait_for_port(proxy_port)
            wait_for_port(livy_port)

            key = load_or_create_key(work / "session-token.key")
            minted = mint_session_token(key, "bench", datetime.now(UTC) + timedelta(hours=1))
            direct = SparkSession.builder.remote(remote).create()
            proxied = SparkSession.builder.remote(
                f"sc://localhost:{proxy_port}/;token={minted}"
            ).create()
            for spark in (direct, proxied):  # warm both paths and the JIT
                for _ in range(5):
                    spark.range(10).count()
                spark.range(200_000).toPandas()
            # Interleaved, so both paths see the same JIT and machine state.
            small: dict[str, list[float]] = {"direct": [], "proxy": []}
            large: dict[str, list[float]] = {"direct": [], "proxy": []}
            for _ in range(args.repeats):
                for name, spark in (("direct", direct), ("proxy", proxied)):
                    small[name] += timed(spark.range(10).count, 1)
            for _ in range(9):
                for name, spark in (("direct", direct), ("proxy", proxied)):
                    large[name] += timed(spark.range(200_000).toPandas, 1)
            direct.stop()
            proxied.stop()

            with httpx.Client(base_url=f"http://127.0.0.1:{livy_port}", timeout=120) as http:
                starts: list[float] = []
                sessions: list[int] = []
                for _ in range(args.sessions):
                    begin = time.perf_counter()
                    sessions.append(create_idle_session(http))
                    starts.append((time.perf_counter() - begin) * 1000)
                session = sessions[0]
                run_statement(http, session, "spark.range(10).count()")
                trivial = timed(lambda: run_statement(http, session, "1 + 1"), args.repeats)
                query = timed(
                    lambda: run_statement(http, session, "spark.range(10).count()"), args.repeats
                )
                for each in sessions:
                    http.delete(f"/sessions/{each}")

    append_results(
        "Livy endpoint and Spark Connect proxy",
        [
            "Spark Connect server `local[1]`; one client process; direct and proxied calls "
            "interleaved; median / p95 in ms.",
            "",
            "| measure | direct | through proxy |",
            "|---|---|---|",
            f"| `spark.range(10).count()` | {fmt(small['direct'])} | {fmt(small['proxy'])} |",
            f"| `spark.range(200000).toPandas()` | {fmt(large['direct'])} "
            f"| {fmt(large['proxy'])} |",
            "",
            "| Livy measure | median / p95 ms |",
            "|---|---|",
            f"| `POST /sessions` → idle ({args.sessions} sessions) | {fmt(starts)} |",
            f"| statement `1 + 1`, submit → available | {fmt(trivial)} |",
            f"| statement `spark.range(10).count()` | {fmt(query)} |",
        ],
    )


if __name__ == "__main__":
    main()

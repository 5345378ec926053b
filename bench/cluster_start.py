"""Cluster start: the local engine beside a plain ``local[2]`` SparkSession, in one run.

For each of ``--runs`` rounds (interleaved, so load on the host hits all alike):

* **local engine, CDS archives** (every process in its sandbox), **the same
  with ``--no-sandbox``** and **local engine, no CDS**: a 1-primary +
  1-core cluster from ``LocalSparkEngine.start`` to WAITING, then a fresh
  client *process* (Python start, pyspark import, ``create()``, first query)
  whose result time is counted from the start call; then the warm latency of
  a query from a Spark Connect session, the cluster's resident memory, and
  the time ``stop`` takes;
* **plain local[2]**: a fresh Python process running
  ``SparkSession.builder.master("local[2]").getOrCreate()`` and the same first
  and warm queries.

The CDS archives are trained once before the rounds by
``LocalSparkEngine.train_archives`` (what ``clusterport train-cds`` runs once
per machine; reported too). Run it alone on the host: Spark benchmarks must not overlap.

    .venv/bin/python bench/cluster_start.py [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession

from _common import append_results
from clusterport.engines.base import ClusterSpec, NodeRole, NodeSpec, Phase
from clusterport.engines.host_budget import HostBudget
from clusterport.engines.local_spark import LocalSparkEngine
from clusterport.engines.processes import group_members

TOKEN = "bench-token"
FIRST_QUERY = "SELECT sum(id) AS s FROM range(1000)"
WARM_QUERY = "SELECT sum(id) AS s FROM range(0, 2000000, 1, 2)"
WARM_REPEATS = 7

FRESH_CLIENT = textwrap.dedent(
    """
    import sys, time
    from pyspark.sql import SparkSession
    session = SparkSession.builder.remote(sys.argv[1]).create()
    try:
        value = session.sql(sys.argv[2]).collect()[0][0]
    finally:
        session.stop()
    print(value, flush=True)
    """
)

PLAIN_LOCAL = textwrap.dedent(
    """
    import json, statistics, sys, time
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.master("local[2]").getOrCreate()
    spark.sql(sys.argv[1]).collect()
    first_at = time.time()
    warm = []
    for _ in range(int(sys.argv[3])):
        t = time.perf_counter()
        spark.sql(sys.argv[2]).collect()
        warm.append((time.perf_counter() - t) * 1000)
    spark.stop()
    print(json.dumps({"first_at": first_at, "warm_ms": statistics.median(warm)}), flush=True)
    """
)


@dataclass
class Sample:
    """One measured start."""

    waiting: float | None
    first_result: float
    client_process: float | None
    warm_ms: float
    rss_mib: float | None
    stop: float | None


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "PYSPARK_"))}
    env["SPARK_LOCAL_IP"] = "127.0.0.1"
    return env


def rss_mib(pids: list[int]) -> float:
    total_kib = 0
    for pgid in pids:
        for pid in group_members(pgid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total_kib += int(line.split()[1])
            except FileNotFoundError:
                continue
    return total_kib / 1024


def warm_latency(url: str) -> float:
    session = SparkSession.builder.remote(url).create()
    try:
        session.sql(WARM_QUERY).collect()
        samples = []
        for _ in range(WARM_REPEATS):
            start = time.perf_counter()
            session.sql(WARM_QUERY).collect()
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        session.stop()
    return statistics.median(samples)


async def cluster_sample(
    data_dir: Path, cds_dir: Path, *, cds: bool, name: str, sandbox: bool = True
) -> Sample:
    engine = LocalSparkEngine(
        data_dir, HostBudget.detect(), cds=cds, cds_dir=cds_dir, sandbox=sandbox
    )
    spec = ClusterSpec(
        cluster_id=name,
        account_id="111111111111",
        work_dir=data_dir / "clusters" / name,
        release_label="emr-7.1.0",
        connect_token=TOKEN,
        ui_prefix=f"/_ui/{name}",
        nodes=[
            NodeSpec("i-primary", NodeRole.MASTER, 4, 16384),
            NodeSpec("i-core", NodeRole.CORE, 4, 16384),
        ],
    )
    start = time.perf_counter()
    try:
        last = None
        async for checkpoint in engine.start(spec):
            last = checkpoint
        waiting = time.perf_counter() - start
        if last is None or last.phase is not Phase.WAITING or last.endpoints is None:
            raise SystemExit(f"cluster did not start: {last}")
        url = f"sc://localhost:{last.endpoints.connect_port}/;token={TOKEN}"
        client_start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", FRESH_CLIENT, url, FIRST_QUERY],
            check=True,
            capture_output=True,
            env=clean_env(),
        )
        first = time.perf_counter() - start
        client = time.perf_counter() - client_start
        warm = await asyncio.to_thread(warm_latency, url)
        memory = rss_mib(list(last.endpoints.pids.values()))
    finally:
        stop_start = time.perf_counter()
        await engine.stop(name)
        stopped = time.perf_counter() - stop_start
    return Sample(waiting, first, client, warm, memory, stopped)


def plain_sample() -> Sample:
    spawned_at = time.time()  # wall clock: the child reports its result time the same way
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_LOCAL, FIRST_QUERY, WARM_QUERY, str(WARM_REPEATS)],
        check=True,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    data = json.loads(done.stdout.strip().splitlines()[-1])
    first = float(data["first_at"]) - spawned_at
    return Sample(None, first, None, float(data["warm_ms"]), None, None)


def med(values: list[float | None], fmt: str) -> str:
    present = [v for v in values if v is not None]
    return format(statistics.median(present), fmt) if present else "-"


def best(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    return format(min(present), ".1f") if present else "-"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cluster-start-") as tmp:
        root = Path(tmp)
        cds_dir = root / "cds"
        print("training CDS archives (clusterport train-cds)…", flush=True)
        trainer = LocalSparkEngine(root / "train", HostBudget.detect(), cds_dir=cds_dir)
        began = time.perf_counter()
        await trainer.train_archives()
        training_s = time.perf_counter() - began
        results: dict[str, list[Sample]] = {"cds": [], "open": [], "nocds": [], "plain": []}
        for index in range(args.runs):
            print(f"round {index + 1}/{args.runs}", flush=True)
            results["plain"].append(await asyncio.to_thread(plain_sample))
            results["nocds"].append(
                await cluster_sample(
                    root / f"nocds-{index}", root / "no-cds", cds=False, name=f"j-NOCDS{index}"
                )
            )
            results["cds"].append(
                await cluster_sample(root / f"cds-{index}", cds_dir, cds=True, name=f"j-CDS{index}")
            )
            results["open"].append(
                await cluster_sample(
                    root / f"open-{index}", cds_dir, cds=True, name=f"j-OPEN{index}", sandbox=False
                )
            )
    load_after = os.getloadavg()[0]
    rows = [
        ("local engine, CDS archives, sandboxed", results["cds"]),
        ("local engine, CDS archives, `--no-sandbox`", results["open"]),
        ("local engine, no CDS, sandboxed", results["nocds"]),
        ("plain `local[2]` SparkSession, cold", results["plain"]),
    ]
    lines = [
        f"1 primary + 1 core node (scaled to the host); medians of {args.runs} interleaved "
        f"rounds; warm query `{WARM_QUERY}` ({WARM_REPEATS} repeats); first query "
        f"`{FIRST_QUERY}` from a fresh client process.",
        "",
        f"Host load average (1 min) {load_before:.1f} before, {load_after:.1f} after: the "
        "host is shared, so the best round is shown beside the median.",
        "",
        "| how | start → WAITING s (best) | start → fresh client's first result s (best) "
        "| client process s | warm query ms | cluster RSS MiB | stop s |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, samples in rows:
        lines.append(
            f"| {label} | {med([s.waiting for s in samples], '.1f')} "
            f"({best([s.waiting for s in samples])}) "
            f"| {med([s.first_result for s in samples], '.1f')} "
            f"({best([s.first_result for s in samples])}) "
            f"| {med([s.client_process for s in samples], '.2f')} "
            f"| {med([s.warm_ms for s in samples], '.0f')} "
            f"| {med([s.rss_mib for s in samples], '.0f')} "
            f"| {med([s.stop for s in samples], '.1f')} |"
        )
    lines += [
        "",
        f"Training the CDS archives (`clusterport train-cds`, once per machine, shared by "
        f"every data dir): {training_s:.1f} s.",
        "",
        "WAITING comes after a warm-up query through Spark Connect, so a user's first query "
        "finds a warm driver and executor. Both first results count the client's Python "
        "start and pyspark import.",
    ]
    append_results("Cluster start", lines)


if __name__ == "__main__":
    asyncio.run(main())

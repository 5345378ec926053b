"""Cluster start: the local engine beside a plain ``local[2]`` SparkSession, in one run.

For each of ``--runs`` rounds (interleaved, so load on the host hits all alike):

* **local engine, CDS archives** (every process in its sandbox), **the same
  with ``--no-sandbox``** and **local engine, no CDS**: a 1-primary +
  1-core cluster from ``LocalSparkEngine.start`` to WAITING, then a fresh
  client *process* (Python start, pyspark import, ``create()``, first query)
  whose result time is counted from the start call; then the warm latency of
  a query from a Spark Connect session, the cluster's resident memory, and
  the time ``stop`` takes;
* **pooled start** (``clusterport server --warm-pool 1``): RunJobFlow of the
  pool's shape through the API, ``DescribeCluster`` polled every 50 ms until
  WAITING, then ``StartSession``/``GetSessionEndpoint`` and a fresh Spark
  Connect session's first result, all counted from the RunJobFlow call; the
  session is made in the bench's process (pyspark already imported, as in a
  notebook's kernel), and the fresh client *process* the cold rows use is
  timed after it (its own Python start and import); the cluster is then
  terminated and the next round waits for the pool to refill;
* **plain local[2]**: a fresh Python process running
  ``SparkSession.builder.master("local[2]").getOrCreate()`` and the same first
  and warm queries.

The CDS archives are trained once before the rounds by
``LocalSparkEngine.train_archives`` (what ``clusterport train-cds`` runs once
per machine; reported too).

**Stop with a notebook attached** (its own section): a server, a cluster with
Spark and Livy (1 primary + 1 core), a notebook process holding a Spark Connect
session of an EMR session (``StartSession``/``GetSessionEndpoint``) and a Livy
session running a Spark job; then ``TerminateJobFlows`` → ``TERMINATED`` as
``DescribeCluster`` reports it, how long the notebook's next Spark call takes to
fail (and what it says), what Livy answers for the running statement, and
whether any process of the cluster is left. ``--baseline-src`` runs the same
rounds, interleaved, on a server from another checkout's ``src`` (before/after).

Run it alone on the host: Spark benchmarks must not overlap.

    .venv/bin/python bench/cluster_start.py [--runs 3] [--stop-only] [--start-only]
        [--baseline-src DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.credentials import Credentials
from pyspark.sql import SparkSession

from _common import append_results, clusterport_server
from clusterport.engines.base import ClusterSpec, NodeRole, NodeSpec, Phase
from clusterport.engines.host_budget import HostBudget
from clusterport.engines.local_spark import LocalSparkEngine
from clusterport.engines.pool import members_of, read_status
from clusterport.process_groups import group_members, start_group, stop_group
from clusterport.studio.livy_auth import SigV4Livy, platform_livy_url

TOKEN = "bench-token"
FIRST_QUERY = "SELECT sum(id) AS s FROM range(1000)"
WARM_QUERY = "SELECT sum(id) AS s FROM range(0, 2000000, 1, 2)"
WARM_REPEATS = 7

FRESH_CLIENT = textwrap.dedent(
    """
    import json, sys, time
    from pyspark.sql import SparkSession
    session = SparkSession.builder.remote(sys.argv[1]).create()
    try:
        value = session.sql(sys.argv[2]).collect()[0][0]
        first_at = time.time()
    finally:
        session.stop()
    print(json.dumps({"value": value, "first_at": first_at}), flush=True)
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


#: The notebook of the stop rounds: a Spark Connect session, a first answer, then
#: (told on stdin that the cluster is TERMINATED) the next call, timed.
NOTEBOOK = textwrap.dedent(
    """
    import json, sys, time
    from pyspark.sql import SparkSession
    spark = SparkSession.builder.remote(sys.argv[1]).create()
    spark.sql("SELECT 1").collect()
    print("ready", flush=True)
    sys.stdin.readline()
    began = time.perf_counter()
    try:
        spark.sql("SELECT 2").collect()
        said = "answered"
    except Exception as exc:
        lines = [l.strip() for l in str(exc).splitlines() if l.strip()]
        status = [l.split(".")[-1] for l in lines if l.startswith("status =")]
        details = [
            l.split("=", 1)[1].strip().strip('"') for l in lines if l.startswith("details =")
        ]
        said = ": ".join(status[:1] + details[:1]) or (lines[:1] or [type(exc).__name__])[0]
    print(json.dumps({"seconds": time.perf_counter() - began, "said": said}), flush=True)
    """
)
#: How long the stop rounds wait for the notebook's next call before calling it a hang.
NOTEBOOK_PATIENCE = 60.0
REGION = "us-east-1"


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
        release_label="emr-7.1.0",
        connect_token=TOKEN,
        ui_prefix=f"/_ui/{name}",
        nodes=[
            NodeSpec("i-primary", NodeRole.MASTER, 4, 16384),
            NodeSpec("i-core", NodeRole.CORE, 4, 16384),
        ],
    )
    start = time.perf_counter()
    started_at = time.time()  # wall clock: the client reports its result time the same way
    try:
        last = None
        async for checkpoint in engine.start(spec):
            last = checkpoint
        waiting = time.perf_counter() - start
        if last is None or last.phase is not Phase.WAITING or last.endpoints is None:
            raise SystemExit(f"cluster did not start: {last}")
        url = f"sc://localhost:{last.endpoints.connect.port}/;token={TOKEN}"
        client_start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", FRESH_CLIENT, url, FIRST_QUERY],
            check=True,
            capture_output=True,
            text=True,
            env=clean_env(),
        )
        client = time.perf_counter() - client_start
        first = float(json.loads(done.stdout.strip().splitlines()[-1])["first_at"]) - started_at
        warm = await asyncio.to_thread(warm_latency, url)
        memory = rss_mib([int(p) for p in last.endpoints.processes.values()])
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


POOLED_SHAPE: dict[str, Any] = {
    "Name": "pooled",
    "Instances": {
        "InstanceGroups": [
            {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1},
        ],
        "KeepJobFlowAliveWhenNoSteps": True,
    },
    "Applications": [{"Name": "Spark"}, {"Name": "Livy"}],
}


def _pool_ready(data_dir: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = read_status(data_dir)
        if status and any(m.get("State") == "READY" for m in members_of(status)):
            return
        time.sleep(0.2)
    raise SystemExit("the warm pool never had a ready member")


def pooled_sample(emr: Any, data_dir: Path) -> Sample:
    """RunJobFlow of the pool's shape → WAITING → a fresh session's first result."""
    _pool_ready(data_dir)
    start = time.perf_counter()
    cluster_id = emr.run_job_flow(**POOLED_SHAPE)["JobFlowId"]
    _wait_state(emr, cluster_id, ("WAITING", "TERMINATED_WITH_ERRORS"), poll=0.05)
    waiting = time.perf_counter() - start
    try:
        session = emr.start_session(ClusterId=cluster_id, Name="bench")
        endpoint = emr.get_session_endpoint(ClusterId=cluster_id, SessionId=session["Id"])
        url = f"{endpoint['Endpoint']}/;token={endpoint['AuthToken']}"
        spark = SparkSession.builder.remote(url).create()
        try:
            spark.sql(FIRST_QUERY).collect()
            first = time.perf_counter() - start
        finally:
            spark.stop()
        client_start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", FRESH_CLIENT, url, FIRST_QUERY],
            check=True,
            capture_output=True,
            env=clean_env(),
        )
        client = time.perf_counter() - client_start
        warm = warm_latency(url)
    finally:
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
        _wait_state(emr, cluster_id, ("TERMINATED", "TERMINATED_WITH_ERRORS"), poll=0.2)
    return Sample(waiting, first, client, warm, None, None)


def pooled_client(url: str, key: dict[str, str]) -> Any:
    return boto3.client(
        "emr",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


@dataclass
class StopSample:
    """One measured stop of a cluster with a notebook and a Livy session attached."""

    stop: float
    notebook_s: float | None
    notebook_said: str
    livy_status: int
    livy_said: str
    left: int


def _wait_state(emr: Any, cluster_id: str, states: tuple[str, ...], poll: float) -> str:
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        got = str(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"])
        if got in states:
            return got
        time.sleep(poll)
    raise SystemExit(f"{cluster_id} never reached {states}")


def _livy_session(url: str, key: dict[str, str]) -> tuple[requests.Session, str]:
    """A pyspark Livy session through the platform's route, idle, with one answer given."""
    client = requests.Session()
    creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
    client.auth = SigV4Livy(creds, REGION, url)
    session = client.post(f"{url}/sessions", json={"kind": "pyspark"}, timeout=60).json()["id"]
    base = f"{url}/sessions/{session}"
    deadline = time.monotonic() + 300
    while client.get(base, timeout=60).json()["state"] != "idle":
        if time.monotonic() > deadline:
            raise SystemExit("the Livy session never became idle")
        time.sleep(0.5)
    first = client.post(f"{base}/statements", json={"code": "spark.range(3).count()"}, timeout=60)
    statement = first.json()["id"]
    while client.get(f"{base}/statements/{statement}", timeout=60).json()["state"] != "available":
        time.sleep(0.2)
    return client, base


def live_processes(folder: Path) -> int:
    """Live processes whose working directory is inside ``folder`` (the cluster's)."""
    root = str(folder.resolve())
    count = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if (cwd == root or cwd.startswith(root + "/")) and state != "Z":
            count += 1
    return count


def stop_sample(data_dir: Path, source: Path | None) -> StopSample:
    """TerminateJobFlows → TERMINATED with a notebook and a Livy statement attached."""
    data_dir.mkdir(parents=True)
    with clusterport_server(data_dir, source=source) as (url, key):
        emr = boto3.client(
            "emr",
            endpoint_url=url,
            region_name=REGION,
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
        )
        cluster_id = emr.run_job_flow(
            Name="stop-bench",
            ReleaseLabel="emr-7.1.0",
            Applications=[{"Name": "Spark"}, {"Name": "Livy"}],
            Instances={
                "InstanceGroups": [
                    {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                    {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                ],
                "KeepJobFlowAliveWhenNoSteps": True,
            },
        )["JobFlowId"]
        _wait_state(emr, cluster_id, ("WAITING",), 1.0)
        session = emr.start_session(ClusterId=cluster_id, Name="notebook")["Id"]
        endpoint = emr.get_session_endpoint(ClusterId=cluster_id, SessionId=session)
        remote = f"{endpoint['Endpoint']}/;token={endpoint['AuthToken']}"
        notebook = start_group(
            [sys.executable, "-c", NOTEBOOK, remote],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=clean_env(),
        )
        try:
            assert notebook.stdout is not None and notebook.stdin is not None
            if notebook.stdout.readline().strip() != "ready":
                raise SystemExit("the notebook got no first answer")
            livy, base = _livy_session(platform_livy_url(url, cluster_id), key)
            running = livy.post(
                f"{base}/statements",
                json={"code": "spark.range(0, 10**12, 1, 2).selectExpr('sum(id)').collect()"},
                timeout=60,
            ).json()["id"]
            while livy.get(f"{base}/statements/{running}", timeout=60).json()["state"] != "running":
                time.sleep(0.2)
            time.sleep(2)  # its Spark job under way
            began = time.perf_counter()
            emr.terminate_job_flows(JobFlowIds=[cluster_id])
            _wait_state(emr, cluster_id, ("TERMINATED", "TERMINATED_WITH_ERRORS"), 0.05)
            stopped = time.perf_counter() - began
            reply = livy.get(f"{base}/statements/{running}", timeout=60)
            livy_said = str(reply.json().get("msg") or reply.json().get("state"))
            try:
                out, _ = notebook.communicate("\n", timeout=NOTEBOOK_PATIENCE)
                result = json.loads(out.strip().splitlines()[-1])
                notebook_s: float | None = float(result["seconds"])
                said = str(result["said"])
            except subprocess.TimeoutExpired:
                notebook_s, said = None, f"no answer within {NOTEBOOK_PATIENCE:.0f} s"
            left = live_processes(data_dir / "clusters" / cluster_id)
        finally:
            stop_group(notebook, grace=0, first=signal.SIGKILL)
    return StopSample(stopped, notebook_s, said[:300], reply.status_code, livy_said[:300], left)


async def stop_rounds(root: Path, runs: int, baseline: Path | None) -> None:
    """The stop section: this checkout (and ``baseline``'s, interleaved), ``runs`` rounds each."""
    ways: list[tuple[str, Path | None]] = [("this checkout", None)]
    if baseline is not None:
        ways.insert(0, ("before (baseline checkout)", baseline))
    samples: dict[str, list[StopSample]] = {label: [] for label, _ in ways}
    load_before = os.getloadavg()[0]
    for index in range(runs):
        for label, source in ways:
            print(f"stop round {index + 1}/{runs}: {label}", flush=True)
            sample = await asyncio.to_thread(
                stop_sample, root / f"stop-{index}-{len(samples[label])}-{id(source)}", source
            )
            print(sample, flush=True)
            samples[label].append(sample)
    load_after = os.getloadavg()[0]
    lines = [
        "A cluster with Spark and Livy (1 primary + 1 core); a notebook process holds a "
        "Spark Connect session of an EMR session, and a Livy session runs a Spark job, "
        f"when TerminateJobFlows is called; medians of {runs} round(s), best and worst in "
        "brackets.",
        "",
        f"Host load average (1 min) {load_before:.1f} before, {load_after:.1f} after.",
        "",
        "| server | TerminateJobFlows → TERMINATED s (best, worst) "
        "| notebook's next call fails after s "
        "| the notebook is told | Livy's answer for the running statement | processes left |",
        "|---|---|---|---|---|---|",
    ]
    for label, _source in ways:
        got = samples[label]
        last = got[-1]
        hangs = sum(1 for s in got if s.notebook_s is None)
        notebook = med([s.notebook_s for s in got], ".1f")
        if hangs:
            notebook = f"{notebook} ({hangs} of {len(got)} no answer in {NOTEBOOK_PATIENCE:.0f} s)"
        lines.append(
            f"| {label} | {med([s.stop for s in got], '.1f')} ({best([s.stop for s in got])}"
            f", {max(s.stop for s in got):.1f}) "
            f"| {notebook} | {last.notebook_said.replace('|', '/')} "
            f"| {last.livy_status}: {last.livy_said.replace('|', '/')} "
            f"| {max(s.left for s in got)} |"
        )
    lines += [
        "",
        "Goal (issue 13): TERMINATED within 3 s; the notebook's next call fails within 5 s "
        "with a message naming the cluster and its state.",
    ]
    append_results("Cluster stop with a notebook attached", lines)


def med(values: list[float | None], fmt: str) -> str:
    present = [v for v in values if v is not None]
    return format(statistics.median(present), fmt) if present else "-"


def best(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    return format(min(present), ".1f") if present else "-"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stop-only", action="store_true", help="only the stop section")
    parser.add_argument(
        "--start-only",
        action="store_true",
        help="only plain local[2], the sandboxed cold start with CDS and the pooled start",
    )
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="another checkout's src folder: its server's stop rounds run beside this one's",
    )
    args = parser.parse_args()
    if args.stop_only:
        with tempfile.TemporaryDirectory(prefix="cluster-stop-") as tmp:
            await stop_rounds(Path(tmp), args.runs, args.baseline_src)
        return
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cluster-start-") as tmp:
        root = Path(tmp)
        cds_dir = root / "cds"
        print("training CDS archives (clusterport train-cds)…", flush=True)
        trainer = LocalSparkEngine(root / "train", HostBudget.detect(), cds_dir=cds_dir)
        began = time.perf_counter()
        await trainer.train_archives()
        training_s = time.perf_counter() - began
        results: dict[str, list[Sample]] = {
            "cds": [],
            "open": [],
            "nocds": [],
            "plain": [],
            "pooled": [],
        }
        pool_dir = root / "pooled"
        # The pooled server's members start (and refill) between rounds, never during one.
        with clusterport_server(pool_dir, warm_pool=1) as (url, key):
            emr = pooled_client(url, key)
            for index in range(args.runs):
                print(f"round {index + 1}/{args.runs}", flush=True)
                await asyncio.to_thread(_pool_ready, pool_dir)
                results["plain"].append(await asyncio.to_thread(plain_sample))
                if not args.start_only:
                    results["nocds"].append(
                        await cluster_sample(
                            root / f"nocds-{index}",
                            root / "no-cds",
                            cds=False,
                            name=f"j-NOCDS{index}",
                        )
                    )
                await asyncio.to_thread(_pool_ready, pool_dir)
                results["cds"].append(
                    await cluster_sample(
                        root / f"cds-{index}", cds_dir, cds=True, name=f"j-CDS{index}"
                    )
                )
                if not args.start_only:
                    await asyncio.to_thread(_pool_ready, pool_dir)
                    results["open"].append(
                        await cluster_sample(
                            root / f"open-{index}",
                            cds_dir,
                            cds=True,
                            name=f"j-OPEN{index}",
                            sandbox=False,
                        )
                    )
                results["pooled"].append(await asyncio.to_thread(pooled_sample, emr, pool_dir))
    load_after = os.getloadavg()[0]
    rows = [
        ("local engine, CDS archives, sandboxed", results["cds"]),
        ("local engine, CDS archives, `--no-sandbox`", results["open"]),
        ("local engine, no CDS, sandboxed", results["nocds"]),
        ("plain `local[2]` SparkSession, cold", results["plain"]),
        ("pooled start (`--warm-pool 1`), RunJobFlow through the API", results["pooled"]),
    ]
    rows = [(label, samples) for label, samples in rows if samples]
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
        "A cold cluster is WAITING once its master, workers and Spark Connect server are up "
        "and the master granted the Connect server its executor; the executor's JVM starts "
        "while the client does, and the first query pays its cold start. A pool member "
        "answered warm-up queries before it was handed out. Every first result is taken "
        "when the query's rows arrive (the client's session stop and exit not counted). The "
        "cold and plain first results count the "
        "client's Python start and pyspark import; the pooled one is counted from the "
        "RunJobFlow call to a fresh Spark Connect session's first result in a process that "
        "has pyspark imported (a notebook's kernel), and its client process column is a "
        "fresh process's own time on the same cluster afterwards.",
    ]
    pooled = [s.first_result for s in results["pooled"]]
    if pooled:
        median = statistics.median(pooled)
        lines += [
            "",
            f"Pooled start, RunJobFlow → first Spark result: {median:.2f} s median "
            f"(goal ≤ 1 s: {'met' if median <= 1.0 else 'not met'}, {median / 1.0:.2f}x "
            "the goal); with a fresh client process it would add that process's own "
            f"{med([s.client_process for s in results['pooled']], '.2f')} s.",
        ]
    append_results("Cluster start", lines)
    if args.start_only:
        return
    with tempfile.TemporaryDirectory(prefix="cluster-stop-") as tmp:
        await stop_rounds(Path(tmp), args.runs, args.baseline_src)


if __name__ == "__main__":
    asyncio.run(main())

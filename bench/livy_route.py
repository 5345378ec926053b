"""Livy through the platform's checked route beside Livy's own port, in one run.

The seed's two-account world with one real cluster (Spark + Livy) in the EMR
account, then ``GET /sessions`` timed three ways, interleaved in rounds so
load on the host hits all alike:

* **direct**: Livy's own port with its access key (what the route adds);
* **route, admin**: ``/_livy/<cluster-id>/`` signed by the EMR account's
  root (SigV4 verification, cluster lookup, forwarding);
* **route, Studio user**: the same signed by the data worker's chained
  credentials, which adds the network check (the reachability verdict over
  both accounts' networks, whose snapshot the platform keeps until the next
  network write) on every request.

The figure the goal is stated in is the Studio user's median over the direct
median (the route's overhead, goal ≤ 5 ms).

Run it alone on the host (it starts a cluster):
``.venv/bin/python bench/livy_route.py [--calls 300]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.credentials import Credentials

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_results, clusterport_server, create_account, summary, timed
from clusterport.cli.demo import worker_session
from clusterport.cli.seed.world import EMR_ACCOUNT, SeedBuilder
from clusterport.cli.up import shared_cluster
from clusterport.studio.livy_auth import SigV4Livy, platform_livy_url

REGION = "us-east-1"
STUDIO_WAY = "route, Studio user (+ network check)"
#: Issue 13's goal for the Studio user's route: overhead over Livy's own port.
GOAL_MS = 5.0


def session_of(key: dict[str, str]) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=REGION,
    )


def signed(url: str, credentials: Any) -> requests.Session:
    client = requests.Session()
    client.auth = SigV4Livy(credentials, REGION, url)
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=300, help="requests per way (in 3 rounds)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-livy-route-") as tmp:
        data_dir = Path(tmp)
        emr_key = create_account(data_dir, EMR_ACCOUNT, "bench-emr")
        with clusterport_server(data_dir) as (url, studio_key):
            studio_admin, emr_admin = session_of(studio_key), session_of(emr_key)
            builder = SeedBuilder(studio_admin, emr_admin, url, REGION, report=lambda _t: None)
            world = builder.build()
            emr = emr_admin.client("emr", endpoint_url=url)
            cluster_id = shared_cluster(world, emr)
            try:
                emr.get_waiter("cluster_running").wait(
                    ClusterId=cluster_id, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
                )
                figures = measure(
                    data_dir, url, cluster_id, world, studio_admin, emr_admin, args.calls
                )
            finally:
                emr.terminate_job_flows(JobFlowIds=[cluster_id])
                emr.get_waiter("cluster_terminated").wait(
                    ClusterId=cluster_id, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
                )
    lines = [
        "`GET /sessions` on a running cluster's Livy, "
        f"{args.calls} calls each, interleaved in 3 rounds.",
        "",
        "| way | median ms | p95 ms | median over direct |",
        "|---|---:|---:|---:|",
    ]
    direct = summary(next(iter(figures.values())))[0]
    for name, samples in figures.items():
        median, p95 = summary(samples)
        lines.append(f"| {name} | {median:.2f} | {p95:.2f} | {median - direct:+.2f} ms |")
    studio = summary(figures[STUDIO_WAY])[0] - direct
    lines += [
        "",
        f"Goal: the Studio user's route adds at most {GOAL_MS:.0f} ms over Livy's own port; "
        f"it adds {studio:.2f} ms (ratio to the goal {studio / GOAL_MS:.2f}).",
    ]
    append_results("Livy through the platform's route", lines)


def measure(
    data_dir: Path,
    url: str,
    cluster_id: str,
    world: Any,
    studio_admin: boto3.Session,
    emr_admin: boto3.Session,
    calls: int,
) -> dict[str, list[float]]:
    emr = emr_admin.client("emr", endpoint_url=url)
    configs = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Configurations"]
    port = next(
        c["Properties"]["livy.server.port"] for c in configs if c["Classification"] == "livy-conf"
    )
    access_key = (data_dir / "clusters" / cluster_id / "livy-access.key").read_text().strip()
    route = platform_livy_url(url, cluster_id)
    root = emr_admin.get_credentials()
    user = worker_session(world, url, REGION, data_dir)
    chained = user.client("sts", endpoint_url=url).assume_role(
        RoleArn=world.discovery_role_arn, RoleSessionName="SageMakerStudioUser"
    )["Credentials"]
    user_credentials = Credentials(
        chained["AccessKeyId"], chained["SecretAccessKey"], chained["SessionToken"]
    )
    direct = requests.Session()
    direct.headers["X-Clusterport-Livy-Key"] = access_key
    ways = {
        "direct (Livy's port, with its key)": (direct, f"http://127.0.0.1:{port}/sessions"),
        "route, EMR admin (SigV4, lookup, forward)": (signed(route, root), f"{route}/sessions"),
        STUDIO_WAY: (signed(route, user_credentials), f"{route}/sessions"),
    }
    figures: dict[str, list[float]] = {name: [] for name in ways}
    for client, target in ways.values():  # warm up connections and caches
        assert client.get(target, timeout=30).status_code == 200
    for _ in range(3):
        for name, (client, target) in ways.items():
            figures[name] += timed(partial(client.get, target, timeout=30), calls // 3)
    return figures


if __name__ == "__main__":
    main()

"""The Clusters panel's listing across 20 accounts of 25 clusters, through the Jupyter handler.

A clusterport server holds the Studio account and 19 more, each with 25
clusters; the Studio user (an IAM user of the Studio account) may list its own
clusters and assume a discovery role in every other account, named by the
cross-account role file as the Studio lifecycle configuration writes it. A
Jupyter server with the Clusters extension runs as that user, and
``GET /clusterport/clusters`` is timed over HTTP, as the panel calls it: the
manager queries the accounts concurrently and keeps each role's credentials
until shortly before they expire.

What the clusters are: no Spark runs. Each cluster is created by
``RunJobFlow`` with a bootstrap action whose script does not exist, so it
ends ``TERMINATED_WITH_ERRORS`` before any process starts (500 real clusters
cannot run on one host, and listing reads only the records). The listing asks
for that state (``?states=TERMINATED_WITH_ERRORS``); the work of a listing is
the same for any state: one ``ListClusters`` per account, 25 rows each.

Measured: the first listing after the server starts (it assumes the 19 roles)
and the following ones (credentials kept), median and p95 of ``--calls``.
The goal (issue 13) is ≤ 300 ms for a listing; the ratio to it is reported.

Run: ``.venv/bin/python bench/panel_list.py [--calls 30]``
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    append_results,
    clusterport_server,
    create_account,
    free_port,
    load_average,
    summary,
)
from clusterport.process_groups import start_group, stop_group
from clusterport.studio.role_config import ROLE_FILE

REGION = "us-east-1"
STUDIO = "111111111111"
ROLE = "StudioDiscovery"
ACCOUNTS = 20
CLUSTERS = 25
GOAL_MS = 300.0
STATE = "TERMINATED_WITH_ERRORS"


def other_accounts() -> list[str]:
    return [f"2222222222{n:02d}" for n in range(1, ACCOUNTS)]


def session_of(key: dict[str, str]) -> boto3.Session:
    return boto3.Session(
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        region_name=REGION,
    )


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def discovery_role(admin: boto3.Session, url: str) -> str:
    """The role the Studio account's users assume to list this account's clusters."""
    iam = admin.client("iam", endpoint_url=url)
    arn = iam.create_role(
        RoleName=ROLE,
        AssumeRolePolicyDocument=document(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{STUDIO}:root"},
                "Action": "sts:AssumeRole",
            }
        ),
    )["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=ROLE,
        PolicyName="discovery",
        PolicyDocument=document(
            {
                "Effect": "Allow",
                "Action": ["elasticmapreduce:ListClusters", "elasticmapreduce:DescribeCluster"],
                "Resource": "*",
            }
        ),
    )
    return str(arn)


def studio_user(admin: boto3.Session, url: str) -> dict[str, str]:
    """The data worker: lists its own account's clusters and assumes the discovery roles."""
    iam = admin.client("iam", endpoint_url=url)
    iam.create_user(UserName="data-worker")
    iam.put_user_policy(
        UserName="data-worker",
        PolicyName="studio",
        PolicyDocument=document(
            {
                "Effect": "Allow",
                "Action": ["elasticmapreduce:ListClusters", "elasticmapreduce:DescribeCluster"],
                "Resource": "*",
            },
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::*:role/{ROLE}",
            },
        ),
    )
    key = iam.create_access_key(UserName="data-worker")["AccessKey"]
    return {"AccessKeyId": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]}


def failed_clusters(admin: boto3.Session, url: str, count: int) -> None:
    """``count`` clusters that end TERMINATED_WITH_ERRORS before any process starts."""
    emr = admin.client("emr", endpoint_url=url)
    pending: list[str] = []
    made = 0
    while made < count or pending:
        if made < count:
            try:
                pending.append(
                    emr.run_job_flow(
                        Name=f"bench-{made}",
                        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1},
                        BootstrapActions=[
                            {
                                "Name": "missing",
                                "ScriptBootstrapAction": {"Path": "file:///nonexistent/boot.sh"},
                            }
                        ],
                    )["JobFlowId"]
                )
                made += 1
                continue
            except ClientError as exc:  # the host is full of starting clusters: let them end
                if exc.response["Error"]["Code"] != "LimitExceededException":
                    raise
        time.sleep(0.2)
        pending = [
            cluster_id
            for cluster_id in pending
            if emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] != STATE
        ]


@contextmanager
def jupyter_server(home: Path, url: str, key: dict[str, str]) -> Iterator[tuple[str, str]]:
    """A Jupyter server with the Clusters extension, as the Studio user; its URL and token."""
    config = home / ".jupyter"
    config.mkdir(parents=True, exist_ok=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {"jpserver_extensions": {"clusterport.studio.extension": True}},
                "ClusterportStudio": {"home": str(home)},
            }
        )
    )
    data = home / ".local" / "share" / "jupyter"
    env = {
        **os.environ,
        "HOME": str(home),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_DATA_DIR": str(data),
        "JUPYTER_RUNTIME_DIR": str(data / "runtime"),
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    token, port = secrets.token_hex(16), free_port()
    root = home / "work"
    root.mkdir(exist_ok=True)
    log = (home / "jupyter.log").open("wb")
    proc = start_group(
        [
            sys.executable,
            "-m",
            "jupyter_server",
            "--no-browser",
            f"--IdentityProvider.token={token}",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    log.close()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError((home / "jupyter.log").read_text(errors="replace"))
            try:
                if httpx.get(f"{base}/api/status", headers=_auth(token), timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("the Jupyter server did not answer in 120 s")
            time.sleep(0.25)
        yield base, token
    finally:
        stop_group(proc, grace=30)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"token {token}"}


def measure(world: Path, calls: int) -> tuple[float, int, list[float], float]:
    """Set up (or reuse) the accounts and clusters under ``world``; time the listings."""
    data_dir, home, ready = world / "data", world / "home", world / "world.json"
    setup_s = 0.0
    if not ready.exists():
        home.mkdir(parents=True)
        keys = {account: create_account(data_dir, account, "bench") for account in other_accounts()}
    kept = json.loads(ready.read_text()) if ready.exists() else {}
    with clusterport_server(data_dir, kept.get("root")) as (url, studio_key):
        if not ready.exists():
            start = time.perf_counter()
            roles = {account: discovery_role(session_of(key), url) for account, key in keys.items()}
            worker = studio_user(session_of(studio_key), url)
            for key in [studio_key, *keys.values()]:
                failed_clusters(session_of(key), url, CLUSTERS)
            setup_s = time.perf_counter() - start
            role_file = home / ROLE_FILE
            role_file.parent.mkdir(parents=True)
            role_file.write_text(json.dumps(roles))
            ready.write_text(json.dumps({"root": studio_key, "worker": worker}))
        worker = json.loads(ready.read_text())["worker"]
        with jupyter_server(home, url, worker) as (base, token):
            listing = f"{base}/clusterport/clusters?states={STATE}"
            with httpx.Client(headers=_auth(token), timeout=120) as http:
                began = time.perf_counter()
                first = http.get(listing)
                first_ms = (time.perf_counter() - began) * 1000
                body = first.json()
                assert first.status_code == 200, body
                assert not body["failures"] and not body["configurationErrors"], body
                rows = len(body["clusters"])
                accounts = len({row["accountId"] for row in body["clusters"]})
                assert (rows, accounts) == (ACCOUNTS * CLUSTERS, ACCOUNTS), (rows, accounts)
                samples = []
                for _ in range(calls):
                    began = time.perf_counter()
                    assert http.get(listing).status_code == 200
                    samples.append((time.perf_counter() - began) * 1000)
    return first_ms, rows, samples, setup_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=30, help="listings after the first")
    parser.add_argument(
        "--world",
        type=Path,
        default=None,
        help="keep the accounts and clusters in this folder and reuse them on the next run "
        "(their set-up takes minutes); a temporary folder otherwise",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-panel-") as tmp:
        world = args.world or Path(tmp)
        load_before = load_average()
        first_ms, rows, samples, setup_s = measure(world, args.calls)
        load_after = load_average()
    median, p95 = summary(samples)
    append_results(
        "Clusters panel listing",
        [
            f"`GET /clusterport/clusters` of the Jupyter extension, as a Studio user who sees "
            f"{ACCOUNTS} accounts (its own and {ACCOUNTS - 1} through a discovery role each) "
            f"with {CLUSTERS} clusters each: {rows} rows per listing. The clusters are real "
            "records that ended TERMINATED_WITH_ERRORS before any process started (a missing "
            "bootstrap script), listed with `?states=TERMINATED_WITH_ERRORS`; no Spark runs. "
            + (f"Set-up took {setup_s:.0f} s." if setup_s else "Set-up reused."),
            "",
            f"Host load average (1 min) {load_before:.1f} before, {load_after:.1f} after (the "
            "host is shared; the listing is two processes' CPU, the server's and Jupyter's).",
            "",
            "| listing | median ms | p95 ms |",
            "|---|---:|---:|",
            f"| first after start (assumes {ACCOUNTS - 1} roles) | {first_ms:.0f} | - |",
            f"| next {args.calls} (role credentials kept) | {median:.0f} | {p95:.0f} |",
            "",
            f"Goal: a listing in at most {GOAL_MS:.0f} ms; the kept-credentials median is "
            f"{median:.0f} ms (ratio to the goal {median / GOAL_MS:.2f}).",
        ],
    )


if __name__ == "__main__":
    main()

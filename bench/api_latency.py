"""API latency: 500 GetCallerIdentity calls through boto3, clusterport beside moto's server.

clusterport verifies every SigV4 signature against its store and records an
audit event per call; moto accepts any signature and records nothing, so the
ratio is the price of real authentication and auditing.

Run: ``.venv/bin/python bench/api_latency.py [--calls 500]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_results, clusterport_server, moto_server, summary, timed


def sts_client(url: str, key_id: str, secret: str):  # type: ignore[no-untyped-def]
    return boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with clusterport_server(Path(tmp) / "data") as (url, key):
            client = sts_client(url, key["AccessKeyId"], key["SecretAccessKey"])
            client.get_caller_identity()
            ours = timed(client.get_caller_identity, args.calls)
        with moto_server() as moto_url:
            client = sts_client(moto_url, "AKIAMOTOMOTOMOTO0000", "x" * 40)
            client.get_caller_identity()
            theirs = timed(client.get_caller_identity, args.calls)
    ours_median, ours_p95 = summary(ours)
    moto_median, moto_p95 = summary(theirs)
    append_results(
        "API latency (GetCallerIdentity through boto3)",
        [
            f"{args.calls} sequential calls each, same run.",
            "",
            "| server | median ms | p95 ms |",
            "|---|---|---|",
            f"| clusterport (SigV4 verified, audited) | {ours_median:.2f} | {ours_p95:.2f} |",
            f"| moto server (no verification) | {moto_median:.2f} | {moto_p95:.2f} |",
            f"| ratio clusterport / moto | {ours_median / moto_median:.2f} | "
            f"{ours_p95 / moto_p95:.2f} |",
        ],
    )


if __name__ == "__main__":
    main()

"""Fairness: one account's latency while another runs the heaviest work the API allows.

Account A calls ``GetCallerIdentity`` in a loop, first while account B is idle,
then, on the same server, while B creates a 500-resource stack (AWS's limit),
runs a maximum-size policy simulation (1,000 actions x 1,000 resources, pages
of 1,000 results, a policy of 10,240 characters), and deletes the stack. The goal
is A's p99 at most 50 ms and no error.

Run: ``.venv/bin/python bench/fairness.py [--resources 500] [--idle-calls 500]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import append_results, clusterport_server, create_account, percentile

ACCOUNT_B = "222222222222"
GOAL_P99_MS = 50.0
#: SimulateCustomPolicy's documented maximum page (MaxItems), and the largest policy the
#: simulation accepts: an inline policy's quota, whitespace not counted.
MAX_ITEMS = 1000
MAX_POLICY_CHARS = 10240
COMPACT = (",", ":")


def client(url: str, key: dict[str, str], service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        config=Config(retries={"max_attempts": 1}, read_timeout=600),
    )


def big_template(resources: int) -> str:
    """A VPC, then security groups, IAM roles and wait-condition handles: ``resources`` in all."""
    body: dict[str, Any] = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}
    }
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for index in range(1, resources):
        kind = index % 5
        if kind in (0, 1, 2):
            body[f"Group{index}"] = {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": f"group {index}", "VpcId": {"Ref": "Vpc"}},
            }
        elif kind == 3:
            body[f"Role{index}"] = {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": trust},
            }
        else:
            body[f"Handle{index}"] = {"Type": "AWS::CloudFormation::WaitConditionHandle"}
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": body})


def big_policy() -> str:
    """An identity policy of just under the largest size accepted, many statements long."""
    statements: list[dict[str, Any]] = [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
    size = len(json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=COMPACT))
    index = 0
    while True:
        statement = {
            "Sid": f"S{index}",
            "Effect": "Allow" if index % 7 else "Deny",
            "Action": [f"ec2:Describe{index}*", f"iam:Get{index}*"],
            "Resource": f"arn:aws:s3:::bucket-{index}/*",
        }
        grown = size + len(json.dumps(statement, separators=COMPACT)) + 1
        if grown > MAX_POLICY_CHARS:
            break
        statements.append(statement)
        size, index = grown, index + 1
    text = json.dumps({"Version": "2012-10-17", "Statement": statements}, separators=COMPACT)
    assert len(text) <= MAX_POLICY_CHARS, len(text)
    return text


class Loop(threading.Thread):
    """A's GetCallerIdentity loop: latency of every call, and every error."""

    def __init__(self, url: str, key: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.sts = client(url, key, "sts")
        self.samples: list[float] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                self.sts.get_caller_identity()
            except (BotoCoreError, ClientError) as exc:  # every failure is a finding
                self.errors.append(repr(exc))
            self.samples.append((time.perf_counter() - start) * 1000)


def idle_loop(url: str, key: dict[str, str], calls: int) -> tuple[list[float], list[str]]:
    loop = Loop(url, key)
    samples: list[float] = []
    for _ in range(calls):
        start = time.perf_counter()
        try:
            loop.sts.get_caller_identity()
        except (BotoCoreError, ClientError) as exc:  # every failure is a finding
            loop.errors.append(repr(exc))
        samples.append((time.perf_counter() - start) * 1000)
    return samples, loop.errors


def wait_stack(cfn: Any, stack_id: str) -> str:
    """The stack's status once it is no longer in progress."""
    while True:
        status = str(cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"])
        if not status.endswith("IN_PROGRESS"):
            return status
        time.sleep(1.0)


def busy_b(url: str, key: dict[str, str], template: Path, pages: int) -> dict[str, float | str]:
    cfn = client(url, key, "cloudformation")
    iam = client(url, key, "iam")
    timings: dict[str, float | str] = {}
    start = time.perf_counter()
    stack_id = cfn.create_stack(
        StackName="big",
        TemplateURL=template.as_uri(),  # over TemplateBody's 51,200 bytes
        Capabilities=["CAPABILITY_IAM"],
    )["StackId"]
    timings["create answered"] = time.perf_counter() - start
    timings["create status"] = wait_stack(cfn, stack_id)
    timings["create"] = time.perf_counter() - start

    start = time.perf_counter()
    actions = [f"ec2:DescribeThing{i}" for i in range(1000)]
    arns = [f"arn:aws:s3:::bucket-{i}/key" for i in range(1000)]
    policy = big_policy()
    marker: str | None = None
    for _ in range(pages):
        extra = {"Marker": marker} if marker else {}
        answer = iam.simulate_custom_policy(
            PolicyInputList=[policy],
            ActionNames=actions,
            ResourceArns=arns,
            MaxItems=MAX_ITEMS,
            **extra,
        )
        marker = answer.get("Marker")
        if not answer.get("IsTruncated"):
            break
    timings["simulate"] = time.perf_counter() - start

    start = time.perf_counter()
    cfn.delete_stack(StackName=stack_id)
    timings["delete status"] = wait_stack(cfn, stack_id)
    timings["delete"] = time.perf_counter() - start
    return timings


def row(label: str, samples: list[float], errors: list[str]) -> str:
    return (
        f"| {label} | {len(samples)} | {statistics.median(samples):.2f} | "
        f"{percentile(samples, 0.99):.2f} | {max(samples):.2f} | {len(errors)} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=500)
    parser.add_argument("--idle-calls", type=int, default=500)
    parser.add_argument("--pages", type=int, default=3, help="simulation pages of 1,000 results")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        key_b = create_account(data, ACCOUNT_B, "tenant-b")
        template = data / "templates" / "big.json"  # a folder file:// URLs may point into
        template.parent.mkdir(parents=True, exist_ok=True)
        template.write_text(big_template(args.resources), encoding="utf-8")
        with clusterport_server(data) as (url, key_a):
            idle, idle_errors = idle_loop(url, key_a, args.idle_calls)
            loop = Loop(url, key_a)
            loop.start()
            try:
                timings = busy_b(url, key_b, template, args.pages)
            finally:
                loop.stop.set()
                loop.join(60)
    busy, busy_errors = loop.samples, loop.errors
    p99 = percentile(busy, 0.99)
    verdict = (
        "met"
        if p99 <= GOAL_P99_MS and not busy_errors and not idle_errors
        else f"not met (p99 {p99:.1f} ms, {len(busy_errors)} errors)"
    )
    for error in (idle_errors + busy_errors)[:5]:
        print("error:", error, file=sys.stderr)
    append_results(
        "Fairness (one tenant's latency under another's heavy work)",
        [
            f"Account A: sequential `GetCallerIdentity` through boto3. Account B: a "
            f"{args.resources}-resource stack created "
            f"({timings['create']:.1f} s, {timings['create status']}), a policy simulation of "
            f"1,000 actions x 1,000 resources with a {MAX_POLICY_CHARS:,}-character policy "
            f"({args.pages} pages of {MAX_ITEMS}, {timings['simulate']:.1f} s), the stack "
            f"deleted ({timings['delete']:.1f} s, {timings['delete status']}). Same server, "
            "same run.",
            "",
            "| account A while B is | calls | median ms | p99 ms | max ms | errors |",
            "|---|---|---|---|---|---|",
            row("idle", idle, idle_errors),
            row("busy", busy, busy_errors),
            "",
            f"Goal (p99 <= {GOAL_P99_MS:.0f} ms under load, no error): {verdict}.",
        ],
    )


if __name__ == "__main__":
    main()

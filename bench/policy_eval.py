"""Policy evaluation throughput: decisions per second on a 20-statement policy set.

The set is what a Studio user's role session meets on a cross-account call:
three identity policies (11 statements, one managed), a permissions boundary
(3), a session policy (2) and a resource-based policy (4). The statements use
String, StringLike with policy variables, Arn, Numeric, Date, Bool, IpAddress,
Null, IfExists and ForAnyValue conditions, and resources with
``${aws:username}``/``${aws:PrincipalTag/…}``. Eight requests cycle: allowed,
explicitly denied and implicitly denied (each kind of missing policy).

Each run times ``--decisions`` calls of ``evaluate`` (contexts built per call,
as the gateway does); the figure is the median of ``--runs`` runs. It is
printed and appended to results.md.

The API half (``--api-calls``, 0 to skip) measures enforcement where callers
feel it: the same cheap IAM call (``ListAccountAliases``) through boto3 against
a clusterport server, made by the account's root (allowed without loading
anything), by an IAM user (inline and managed policies, a permissions
boundary, tags) and by a role session (the same plus a session policy and
session tags), in the same run. The difference between the root's latency and
the others' is the price of loading the caller's policies and deciding.

Run: ``.venv/bin/python bench/policy_eval.py [--decisions 20000] [--runs 7] [--api-calls 300]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (
    append_results,
    clusterport_server,
    cpu_ms,
    listening_process,
    load_average,
    summary,
    timed,
)
from clusterport.iam import (
    AttachmentKind,
    AuthorizationRequest,
    NamedPolicy,
    PolicyKind,
    PolicySet,
    PrincipalInfo,
    PrincipalKind,
    evaluate,
    parse_policy,
)

A = "111111111111"
B = "222222222222"
#: Issue 13's goals: engine throughput, and enforcement's cost over a root call.
DECISIONS_GOAL = 100_000
ENFORCEMENT_GOAL_MS = 0.5
CLUSTER = f"arn:aws:elasticmapreduce:us-east-1:{B}:cluster/j-1ABCDEF"


def named(name: str, kind: PolicyKind, statements: list[dict[str, Any]]) -> NamedPolicy:
    text = json.dumps({"Version": "2012-10-17", "Statement": statements})
    arn = f"arn:aws:iam::{A}:policy/{name}" if kind is PolicyKind.IDENTITY else None
    attachment = (
        AttachmentKind.MANAGED if arn and name.startswith("Managed") else AttachmentKind.INLINE
    )
    return NamedPolicy(name, arn, attachment, parse_policy(text, kind))


def policy_set() -> PolicySet:
    identity = (
        named(
            "StudioAccess",
            PolicyKind.IDENTITY,
            [
                {
                    "Sid": "Discovery",
                    "Effect": "Allow",
                    "Action": ["elasticmapreduce:List*", "elasticmapreduce:Describe*"],
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}
                    },
                },
                {
                    "Sid": "UiUrls",
                    "Effect": "Allow",
                    "Action": "elasticmapreduce:Get*PresignedURL",
                    "Resource": "arn:aws:elasticmapreduce:*:*:cluster/*",
                    "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                },
                {
                    "Sid": "Home",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": "arn:aws:s3:::studio-home/${aws:PrincipalTag/team}/*",
                },
                {
                    "Sid": "AssumeDiscovery",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": "arn:aws:iam::*:role/*Discovery*",
                    "Condition": {
                        "StringLike": {"sts:RoleSessionName": "${aws:PrincipalTag/team}-*"}
                    },
                },
            ],
        ),
        named(
            "NetworkGuard",
            PolicyKind.IDENTITY,
            [
                {
                    "Sid": "OnlyFromCorp",
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {
                        "NotIpAddressIfExists": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}
                    },
                },
                {
                    "Sid": "NoOldTokens",
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2020-01-01T00:00:00Z"}},
                },
                {
                    "Sid": "Notebooks",
                    "Effect": "Allow",
                    "Action": "sagemaker:*",
                    "Resource": f"arn:aws:sagemaker:us-east-1:{A}:*",
                    "Condition": {
                        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/Studio*"}
                    },
                },
            ],
        ),
        named(
            "ManagedClusterOps",
            PolicyKind.IDENTITY,
            [
                {
                    "Sid": "Steps",
                    "Effect": "Allow",
                    "Action": ["elasticmapreduce:AddJobFlowSteps", "elasticmapreduce:CancelSteps"],
                    "Resource": "arn:aws:elasticmapreduce:*:*:cluster/*",
                    "Condition": {
                        "StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}
                    },
                },
                {
                    "Sid": "SmallLists",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": "arn:aws:s3:::studio-home",
                    "Condition": {"NumericLessThanEquals": {"s3:max-keys": "1000"}},
                },
                {
                    "Sid": "TaggedCreate",
                    "Effect": "Allow",
                    "Action": "elasticmapreduce:RunJobFlow",
                    "Resource": "*",
                    "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "project"]}},
                },
                {
                    "Sid": "NoTerminateProd",
                    "Effect": "Deny",
                    "Action": "elasticmapreduce:TerminateJobFlows",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}},
                },
            ],
        ),
    )
    boundary = named(
        "Boundary",
        PolicyKind.BOUNDARY,
        [
            {
                "Sid": "Services",
                "Effect": "Allow",
                "Action": ["elasticmapreduce:*", "s3:*", "sts:*"],
                "Resource": "*",
            },
            {
                "Sid": "Studio",
                "Effect": "Allow",
                "Action": "sagemaker:*",
                "Resource": "*",
                "Condition": {"Null": {"aws:SourceVpce": "true"}},
            },
            {"Sid": "NoIam", "Effect": "Deny", "Action": "iam:*", "Resource": "*"},
        ],
    )
    session = (
        named(
            "Session",
            PolicyKind.SESSION,
            [
                {"Sid": "Everything", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                {
                    "Sid": "NotOtherHomes",
                    "Effect": "Deny",
                    "Action": "s3:*",
                    "NotResource": [
                        "arn:aws:s3:::studio-home/${aws:PrincipalTag/team}/*",
                        "arn:aws:s3:::studio-home",
                        "arn:aws:s3:::public-*",
                    ],
                },
            ],
        ),
    )
    resource = named(
        "ClusterResourcePolicy",
        PolicyKind.RESOURCE,
        [
            {
                "Sid": "StudioAccount",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                "Action": [
                    "elasticmapreduce:Describe*",
                    "elasticmapreduce:List*",
                    "elasticmapreduce:Get*",
                ],
                "Resource": CLUSTER,
            },
            {
                "Sid": "StudioRoleSteps",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{A}:role/StudioExecution"},
                "Action": "elasticmapreduce:AddJobFlowSteps",
                "Resource": CLUSTER,
                "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "DATA"}},
            },
            {
                "Sid": "NoTerminateFromOutside",
                "Effect": "Deny",
                "NotPrincipal": {"AWS": [f"arn:aws:iam::{B}:root"]},
                "Action": "elasticmapreduce:TerminateJobFlows",
                "Resource": CLUSTER,
            },
            {
                "Sid": "Secure",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "*",
                "Resource": CLUSTER,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    )
    return PolicySet(identity=identity, boundary=boundary, session=session, resource=resource)


def requests() -> list[AuthorizationRequest]:
    principal = PrincipalInfo(
        arn=f"arn:aws:sts::{A}:assumed-role/StudioExecution/SageMakerStudioUser",
        account_id=A,
        kind=PrincipalKind.ASSUMED_ROLE,
        user_id="AROASTUDIOEXAMPLE001:SageMakerStudioUser",
        session_name="SageMakerStudioUser",
        tags={"team": "data", "project": "churn"},
    )
    base = {
        "aws:SourceIp": "10.20.30.40",
        "aws:SecureTransport": "true",
        "aws:RequestedRegion": "us-east-1",
        "aws:CurrentTime": "2026-05-01T12:00:00Z",
        "aws:TokenIssueTime": "2026-05-01T11:00:00Z",
    }
    tagged = {**base, "aws:ResourceTag/team": "data", "aws:ResourceTag/env": "prod"}
    return [
        AuthorizationRequest(principal, "elasticmapreduce:DescribeCluster", CLUSTER, base, B),
        AuthorizationRequest(principal, "elasticmapreduce:ListClusters", "*", base, B),
        AuthorizationRequest(
            principal, "elasticmapreduce:GetOnClusterAppUIPresignedURL", CLUSTER, base, B
        ),
        AuthorizationRequest(principal, "elasticmapreduce:AddJobFlowSteps", CLUSTER, tagged, B),
        AuthorizationRequest(principal, "elasticmapreduce:TerminateJobFlows", CLUSTER, tagged, B),
        AuthorizationRequest(
            principal, "s3:GetObject", "arn:aws:s3:::studio-home/data/nb.ipynb", base, A
        ),
        AuthorizationRequest(principal, "s3:GetObject", "arn:aws:s3:::studio-home/ops/x", base, A),
        AuthorizationRequest(
            principal, "iam:CreateUser", "*", {**base, "aws:SourceIp": "203.0.113.5"}, A
        ),
    ]


def _caller_policies() -> list[str]:
    """Three identity policies (12 statements) like an analyst's, as JSON texts."""
    return [
        json.dumps({"Version": "2012-10-17", "Statement": statements})
        for statements in (
            [
                {
                    "Sid": f"Read{service}",
                    "Effect": "Allow",
                    "Action": [f"{service}:Describe*", f"{service}:List*", f"{service}:Get*"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
                }
                for service in ("ec2", "elasticmapreduce", "sagemaker", "servicecatalog")
            ],
            [
                {
                    "Sid": "Home",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": "arn:aws:s3:::studio-home/${aws:username}/*",
                },
                {
                    "Sid": "OnlyLocal",
                    "Effect": "Deny",
                    "Action": "*",
                    "Resource": "*",
                    "Condition": {"NotIpAddress": {"aws:SourceIp": ["127.0.0.0/8", "10.0.0.0/8"]}},
                },
                {
                    "Sid": "Aliases",
                    "Effect": "Allow",
                    "Action": "iam:ListAccountAliases",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:SecureTransport": ["true", "false"]}},
                },
                {
                    "Sid": "AssumeAnalyst",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": f"arn:aws:iam::{A}:role/*",
                },
            ],
            [
                {
                    "Sid": f"Team{n}",
                    "Effect": "Allow",
                    "Action": "elasticmapreduce:AddJobFlowSteps",
                    "Resource": f"arn:aws:elasticmapreduce:*:{A}:cluster/*",
                    "Condition": {"StringEquals": {"aws:ResourceTag/team": f"team-{n}"}},
                }
                for n in range(4)
            ],
        )
    ]


def _api_latency(calls: int) -> list[str]:
    boundary = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "NotAction": "iam:Create*", "Resource": "*"}],
        }
    )
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                }
            ],
        }
    )
    with tempfile.TemporaryDirectory() as tmp, clusterport_server(Path(tmp) / "data") as (url, key):
        root = boto3.Session(
            aws_access_key_id=key["AccessKeyId"],
            aws_secret_access_key=key["SecretAccessKey"],
            region_name="us-east-1",
        )
        iam = root.client("iam", endpoint_url=url)
        boundary_arn = iam.create_policy(PolicyName="Boundary", PolicyDocument=boundary)["Policy"][
            "Arn"
        ]
        iam.create_user(UserName="analyst", Tags=[{"Key": "team", "Value": "data"}])
        iam.create_role(RoleName="Analyst", AssumeRolePolicyDocument=trust)
        policy_arns = [
            iam.create_policy(PolicyName=f"Analyst{index}", PolicyDocument=document)["Policy"][
                "Arn"
            ]
            for index, document in enumerate(_caller_policies())
        ]
        for kind, name in (("user", "analyst"), ("role", "Analyst")):
            for arn in [*policy_arns, "arn:aws:iam::aws:policy/ReadOnlyAccess"]:
                getattr(iam, f"attach_{kind}_policy")(
                    **{f"{kind.capitalize()}Name": name}, PolicyArn=arn
                )
            getattr(iam, f"put_{kind}_policy")(
                **{f"{kind.capitalize()}Name": name},
                PolicyName="inline",
                PolicyDocument=_caller_policies()[1],
            )
            getattr(iam, f"put_{kind}_permissions_boundary")(
                **{f"{kind.capitalize()}Name": name}, PermissionsBoundary=boundary_arn
            )
        user_key = iam.create_access_key(UserName="analyst")["AccessKey"]
        user = boto3.Session(
            aws_access_key_id=user_key["AccessKeyId"],
            aws_secret_access_key=user_key["SecretAccessKey"],
            region_name="us-east-1",
        )
        credentials = root.client("sts", endpoint_url=url).assume_role(
            RoleArn=f"arn:aws:iam::{A}:role/Analyst",
            RoleSessionName="bench",
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "iam:List*", "Resource": "*"}],
                }
            ),
            Tags=[{"Key": "team", "Value": "data"}],
        )["Credentials"]
        role = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name="us-east-1",
        )
        callers = [
            ("account root (no policy loaded)", root.client("iam", endpoint_url=url)),
            (
                "IAM user: 4 managed + 1 inline policy, boundary",
                user.client("iam", endpoint_url=url),
            ),
            (
                "role session: the same + session policy and tags",
                role.client("iam", endpoint_url=url),
            ),
        ]
        samples: dict[str, list[float]] = {label: [] for label, _ in callers}
        server_cpu: dict[str, float] = {label: 0.0 for label, _ in callers}
        server = listening_process(url)
        for _, caller in callers:
            for _ in range(20):  # warm-up
                caller.list_account_aliases()
        # Interleaved rounds, so that load from elsewhere on the host hits every caller alike.
        rounds = 10
        load_before = load_average()
        for _ in range(rounds):
            for label, caller in callers:
                used = cpu_ms(server)
                samples[label] += timed(caller.list_account_aliases, max(1, calls // rounds))
                server_cpu[label] += cpu_ms(server) - used
        load_after = load_average()
    rows = [(label, summary(samples[label])) for label, _ in callers]
    root_median = rows[0][1][0]
    over = [median - root_median for _, (median, _) in rows[1:]]
    per_call = {label: server_cpu[label] / len(samples[label]) for label, _ in callers}
    root_cpu = per_call[callers[0][0]]
    return [
        f"{calls} sequential iam:ListAccountAliases calls through boto3 per caller, in 10 "
        "interleaved rounds on the same server; each caller's own policies hold 16 "
        "statements (3 customer-managed policies and 1 inline), plus AWS's ReadOnlyAccess, "
        "a permissions boundary, and for the role a session policy and session tags.",
        "",
        f"Host load average (1 min) {load_before:.1f} before, {load_after:.1f} after: the "
        "host is shared, so the server's own CPU time per call is shown beside the wall "
        "times (it does not grow with other processes' load).",
        "",
        "| caller | median ms | p95 ms | median over root | server CPU ms per call | "
        "CPU over root |",
        "|---|---|---|---|---|---|",
        *(
            f"| {label} | {median:.2f} | {p95:.2f} | {median - root_median:+.2f} ms | "
            f"{per_call[label]:.2f} | {per_call[label] - root_cpu:+.2f} ms |"
            for label, (median, p95) in rows
        ),
        "",
        f"Goal: at most +{ENFORCEMENT_GOAL_MS} ms over root; the user adds {over[0]:+.2f} ms "
        f"(ratio to the goal {over[0] / ENFORCEMENT_GOAL_MS:.2f}), the role session "
        f"{over[1]:+.2f} ms (ratio {over[1] / ENFORCEMENT_GOAL_MS:.2f}). Callers' policy sets "
        "are kept by the store's IAM version, read with the caller's key in one "
        "transaction: a caller whose set is kept is authorized without the store.",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--decisions", type=int, default=20000, help="decisions per run; 0 skips the engine half"
    )
    parser.add_argument("--runs", type=int, default=7, help="runs; the median is reported")
    parser.add_argument(
        "--api-calls", type=int, default=300, help="calls per caller in the API half; 0 skips it"
    )
    args = parser.parse_args()
    if args.decisions > 0:
        _engine_throughput(args.decisions, args.runs)
    if args.api_calls > 0:
        append_results("Policy enforcement through the API", _api_latency(args.api_calls))


def _engine_throughput(decisions: int, runs: int) -> None:
    start = time.perf_counter()
    policies = policy_set()
    parse_ms = (time.perf_counter() - start) * 1000
    statement_count = sum(
        len(p.document.statements)
        for p in (*policies.identity, policies.boundary, *policies.session, policies.resource)
        if p is not None
    )
    mix = requests()
    outcomes = Counter(
        f"{d.outcome.value}{' (' + d.missing + ')' if d.missing else ''}"
        for d in (evaluate(r, policies) for r in mix)
    )
    for request in mix * 50:  # warm-up
        evaluate(request, policies)

    rates: list[float] = []
    cpu_rates: list[float] = []
    load_before = load_average()
    for _ in range(runs):
        batch = [mix[i % len(mix)] for i in range(decisions)]
        begin, begin_cpu = time.perf_counter(), time.process_time()
        for request in batch:
            evaluate(request, policies)
        elapsed, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
        rates.append(decisions / elapsed)
        cpu_rates.append(decisions / cpu)
    load_after = load_average()
    median = statistics.median(rates)
    cpu_median = statistics.median(cpu_rates)
    append_results(
        "Policy evaluation",
        [
            f"{statement_count} statements in 6 policies (3 identity, boundary, session, "
            f"resource); {len(mix)} requests cycled; {decisions} decisions per run, "
            f"{runs} runs.",
            "",
            "| measure | value |",
            "|---|---|",
            f"| decisions per second, median | {median:,.0f} |",
            f"| decisions per CPU second, median | {cpu_median:,.0f} |",
            f"| one decision, median | {1e6 / median:.1f} µs |",
            f"| slowest / fastest run | {min(rates):,.0f} / {max(rates):,.0f} per s |",
            f"| parse the {statement_count} statements | {parse_ms:.1f} ms |",
            "",
            "Outcomes of the mix: "
            + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))
            + ".",
            "",
            f"Host load average (1 min) {load_before:.1f} before, {load_after:.1f} after; "
            "per CPU second counts only this process's own CPU time (the host is shared).",
            "",
            f"Goal: at least {DECISIONS_GOAL:,} decisions per second; the median is "
            f"{median:,.0f} (ratio to the goal {median / DECISIONS_GOAL:.2f}), per CPU second "
            f"{cpu_median:,.0f} (ratio {cpu_median / DECISIONS_GOAL:.2f}). The set is "
            "evaluated as the platform keeps a caller's: the statements that may apply are "
            "worked out once per action, resource and caller; each request's context is "
            "still built and its conditions evaluated per call.",
        ],
    )


if __name__ == "__main__":
    main()

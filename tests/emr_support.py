"""Helpers of the EMR tests: cluster requests, waiting for states, finding processes."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import botocore.exceptions

FINAL = ("TERMINATED", "TERMINATED_WITH_ERRORS")


def instances(core: int = 0, **extra: Any) -> dict[str, Any]:
    """``Instances`` of a small cluster: one primary node and ``core`` core nodes."""
    spec: dict[str, Any] = {
        "MasterInstanceType": "m5.xlarge",
        "InstanceCount": 1 + core,
        "KeepJobFlowAliveWhenNoSteps": True,
    }
    if core:
        spec["SlaveInstanceType"] = "m5.xlarge"
    spec.update(extra)
    return spec


def script(folder: Path, name: str, body: str) -> str:
    """A shell script under ``folder``; returns its ``file://`` URL."""
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return f"file://{path}"


def sleeping_bootstrap(folder: Path, seconds: int = 600) -> list[dict[str, Any]]:
    """A bootstrap action that keeps a cluster BOOTSTRAPPING (no Spark process starts).

    The script runs its arguments (``sleep N``), which the in-process engine
    reads as N seconds of its clock.
    """
    url = script(folder, "sleep-bootstrap.sh", 'exec "$@"')
    return [
        {
            "Name": "hold",
            "ScriptBootstrapAction": {"Path": url, "Args": ["sleep", str(seconds)]},
        }
    ]


def failing_bootstrap() -> list[dict[str, Any]]:
    """A bootstrap action whose script does not exist: the cluster fails before Spark starts."""
    return [{"Name": "missing", "ScriptBootstrapAction": {"Path": "file:///nonexistent/boot.sh"}}]


def state(emr: Any, cluster_id: str) -> str:
    """A cluster's state."""
    return str(emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"])


def wait_for(
    emr: Any, cluster_id: str, states: tuple[str, ...], timeout: float = 60
) -> dict[str, Any]:
    """DescribeCluster's ``Cluster`` once its state is one of ``states``."""
    deadline = time.monotonic() + timeout
    while True:
        cluster: dict[str, Any] = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
        if cluster["Status"]["State"] in states:
            return cluster
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{cluster_id} is {cluster['Status']} after {timeout} s, not one of {states}"
            )
        time.sleep(0.2)


def wait_for_step(
    emr: Any, cluster_id: str, step_id: str, states: tuple[str, ...], timeout: float = 120
) -> dict[str, Any]:
    """DescribeStep's ``Step`` once its state is one of ``states``."""
    deadline = time.monotonic() + timeout
    while True:
        step: dict[str, Any] = emr.describe_step(ClusterId=cluster_id, StepId=step_id)["Step"]
        if step["Status"]["State"] in states:
            return step
        if time.monotonic() > deadline:
            raise AssertionError(f"step {step_id} is {step['Status']} after {timeout} s")
        time.sleep(0.3)


def terminate_quietly(emr: Any, cluster_id: str, timeout: float = 120) -> None:
    """Terminate a cluster (protection off first) and wait until it is gone."""
    try:
        emr.set_termination_protection(JobFlowIds=[cluster_id], TerminationProtected=False)
        emr.terminate_job_flows(JobFlowIds=[cluster_id])
        wait_for(emr, cluster_id, FINAL, timeout)
    except botocore.exceptions.ClientError:
        pass


def error_code(exc: botocore.exceptions.ClientError) -> str:
    return str(exc.response["Error"]["Code"])


def processes_mentioning(marker: str) -> list[int]:
    """Pids of live processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmdline and status != "Z":
            found.append(int(entry.name))
    return found


def write_quotas(data_dir: Path, accounts: Mapping[str, Mapping[str, int]]) -> None:
    """Set per-account EMR quotas in the data dir's quota file."""
    path = data_dir / "emr-quotas.json"
    current = json.loads(path.read_text()) if path.exists() else {}
    current.setdefault("accounts", {}).update({k: dict(v) for k, v in accounts.items()})
    path.write_text(json.dumps(current))


def processes_under(folder: Path) -> list[int]:
    """Pids of live (non-zombie) processes whose working directory is inside ``folder``."""
    root = str(folder.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            status = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if (cwd == root or cwd.startswith(root + "/")) and status != "Z":
            found.append(int(entry.name))
    return found


def default_roles(iam: Any) -> None:
    """EMR's default roles and their instance profile in ``iam``'s account, as
    ``aws emr create-default-roles`` makes them (kept when they exist)."""
    for name, service in (
        ("EMR_DefaultRole", "elasticmapreduce.amazonaws.com"),
        ("EMR_EC2_DefaultRole", "ec2.amazonaws.com"),
    ):
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
        try:
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
        except botocore.exceptions.ClientError as exc:
            if error_code(exc) != "EntityAlreadyExists":
                raise
    try:
        iam.create_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole")
        iam.add_role_to_instance_profile(
            InstanceProfileName="EMR_EC2_DefaultRole", RoleName="EMR_EC2_DefaultRole"
        )
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) != "EntityAlreadyExists":
            raise

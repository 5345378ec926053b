"""``clusterport doctor`` against clusterport's own EC2, EMR and STS APIs, on the seed's world.

The two admins build the seed's world through boto3; account B's admin starts
a cluster in B's subnet behind the primary security group. The cluster is
held in BOOTSTRAPPING by a sleeping bootstrap action: its nodes are EC2
instances with private addresses and DNS names already, and no Spark process
starts. The doctor reads account A's network with A's credentials and the
cluster and B's network through B's discovery role (``--assume-role-arn``),
exactly as it would against AWS.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

import boto_support
from clusterport.cli.main import main
from clusterport.cli.seed.world import EMR_ACCOUNT, STUDIO_ACCOUNT, STUDIO_CIDR, SeedWorld
from conftest import RunningServer
from connect_support import (
    REGION,
    build_world,
    delete_route_back,
    restore_route_back,
    studio_user,
)
from emr_support import processes_mentioning, sleeping_bootstrap, terminate_quietly, wait_for


@pytest.fixture(scope="module")
def world(server: RunningServer) -> SeedWorld:
    return build_world(server)


@pytest.fixture(scope="module")
def cluster(
    server: RunningServer, world: SeedWorld, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A cluster in B's subnet, held in BOOTSTRAPPING (no Spark); terminated at the end."""
    scripts = tmp_path_factory.mktemp("bootstrap")
    emr = server.client("emr", EMR_ACCOUNT)
    cluster_id = str(
        emr.run_job_flow(
            Name="held",
            ReleaseLabel="emr-7.5.0",
            Applications=[{"Name": "Spark"}, {"Name": "Livy"}],
            Instances={
                "InstanceGroups": [
                    {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                    {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                ],
                "Ec2SubnetId": world.emr_subnet,
                "EmrManagedMasterSecurityGroup": world.emr_primary_security_group,
                "KeepJobFlowAliveWhenNoSteps": True,
            },
            BootstrapActions=sleeping_bootstrap(scripts),
            JobFlowRole="EMR_EC2_DefaultRole",
            ServiceRole="EMR_DefaultRole",
        )["JobFlowId"]
    )
    try:
        wait_for(emr, cluster_id, ("BOOTSTRAPPING",))
        yield cluster_id
    finally:
        terminate_quietly(emr, cluster_id)
        assert processes_mentioning(str(scripts)) == []


@pytest.fixture(autouse=True)
def shared_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The doctor's own boto3 sessions read botocore's models from the process's loader."""
    monkeypatch.setattr(boto3, "Session", boto_support.SharedLoaderSession)


@pytest.fixture
def as_account_a(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The doctor's own credentials: account A's admin, from the environment."""
    key = server.account(STUDIO_ACCOUNT)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key.secret_access_key)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    # Rich lays the hop table out for the terminal width; ids must stay whole.
    monkeypatch.setenv("COLUMNS", "250")


def doctor(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
    endpoint: bool = True,
) -> tuple[int, str, str]:
    status = main(
        [
            "doctor",
            "--cluster-id",
            cluster,
            "--from-subnet",
            world.studio_subnet,
            "--from-security-group",
            world.studio_security_group,
            *(["--region", REGION, "--endpoint-url", server.url] if endpoint else []),
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    return status, out, err


def test_the_seed_world_is_reachable_through_the_discovery_role(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    as_account_a: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = doctor(
        server,
        world,
        cluster,
        capsys,
        "--assume-role-arn",
        world.discovery_role_arn,
        "--use-private-dns",
    )
    assert status == 0, out + err
    assert "Reachable:" in out
    assert world.peering_connection in out and world.emr_primary_security_group in out
    assert "FAIL" not in out


def test_a_missing_route_back_is_named_with_its_account_and_fix(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    as_account_a: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    table = delete_route_back(server, world)
    try:
        status, out, err = doctor(
            server, world, cluster, capsys, "--assume-role-arn", world.discovery_role_arn
        )
    finally:
        restore_route_back(server, world)
    assert status == 1, out + err
    verdict = out[out.index("Unreachable:") :]
    assert f"route table {table}" in verdict and f"(account {EMR_ACCOUNT})" in verdict
    assert (
        f"aws ec2 create-route --route-table-id {table} --destination-cidr-block "
        f"{STUDIO_CIDR} --vpc-peering-connection-id {world.peering_connection}"
    ) in " ".join(verdict.split())
    status, out, err = doctor(
        server, world, cluster, capsys, "--assume-role-arn", world.discovery_role_arn
    )
    assert status == 0, out + err


def test_a_studio_user_runs_the_doctor_with_its_own_credentials(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    as_account_a: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """From a notebook: the execution role reads A's network and assumes B's discovery role."""
    creds = studio_user(server, world).get_credentials()
    assert creds is not None
    frozen = creds.get_frozen_credentials()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", frozen.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", frozen.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", str(frozen.token))
    server.client("ec2", EMR_ACCOUNT).modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=world.peering_connection,
        AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": False},
    )
    try:
        status, out, err = doctor(
            server,
            world,
            cluster,
            capsys,
            "--assume-role-arn",
            world.discovery_role_arn,
            "--use-private-dns",
        )
    finally:
        server.client("ec2", EMR_ACCOUNT).modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=world.peering_connection,
            AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        )
    assert status == 1, out + err
    verdict = " ".join(out[out.index("Unreachable:") :].split())
    assert f"VPC peering connection {world.peering_connection}" in verdict
    assert f"enable it in account {EMR_ACCOUNT} (the accepter)" in verdict
    assert "--accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true" in verdict


def test_without_the_discovery_role_the_cluster_is_not_found_in_account_a(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    as_account_a: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = doctor(server, world, cluster, capsys)
    assert status == 2, out + err
    text = " ".join(err.split())
    assert "DescribeCluster failed: InvalidRequestException" in text
    assert cluster in text
    assert f"(asked account {STUDIO_ACCOUNT}, the caller's)" in text
    assert "the cluster may be in another account: pass --assume-role-arn" in text


def test_the_profile_endpoint_serves_the_assumed_role_too(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    as_account_a: None,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--profile`` alone, as the walkthrough writes it: no --endpoint-url, no region flag."""
    key = server.account(STUDIO_ACCOUNT)
    config = tmp_path / "config"
    config.write_text(
        f"[profile studio]\nregion = {REGION}\nendpoint_url = {server.url}\n", encoding="utf-8"
    )
    shared = tmp_path / "credentials"
    shared.write_text(
        f"[studio]\naws_access_key_id = {key.access_key_id}\n"
        f"aws_secret_access_key = {key.secret_access_key}\n",
        encoding="utf-8",
    )
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(shared))
    status, out, err = doctor(
        server,
        world,
        cluster,
        capsys,
        "--profile",
        "studio",
        "--assume-role-arn",
        world.discovery_role_arn,
        endpoint=False,
    )
    assert status == 0, out + err
    assert "primary node, tcp 15002 (Spark Connect)" in out
    assert "primary node, tcp 8998 (Livy)" in out
    assert out.count("Reachable:") == 2, out


def test_aws_endpoint_url_serves_the_assumed_role_too(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    as_account_a: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    status, out, err = doctor(
        server,
        world,
        cluster,
        capsys,
        "--assume-role-arn",
        world.discovery_role_arn,
        "--port",
        "8998",
        endpoint=False,
    )
    assert status == 0, out + err
    assert out.count("Reachable:") == 1 and "tcp 8998 (Livy)" in out

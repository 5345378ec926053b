"""`clusterport doctor` and the EC2 snapshot builder against moto's EC2, EMR and STS.

The seed's two accounts are real moto accounts: setup and the doctor reach
account 222222222222 through `sts.assume_role`, as a Studio user would.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.ec2.models import ec2_backends
from moto.emr.models import emr_backends
from moto.server import ThreadedMotoServer

import boto_support
from clusterport.cli import doctor
from clusterport.network.from_ec2 import snapshot_from_ec2

A = "111111111111"
B = "222222222222"
REGION = "us-east-1"
ROLE_B = f"arn:aws:iam::{B}:role/studio-emr-discovery"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich lays the hop table out for the terminal width; make it wide enough for whole ids."""
    monkeypatch.setenv("COLUMNS", "250")


@pytest.fixture(autouse=True)
def shared_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The doctor's own boto3 sessions read botocore's models from the process's loader."""
    monkeypatch.setattr(boto3, "Session", boto_support.SharedLoaderSession)


def credentials(endpoint: str, account: str) -> dict[str, str]:
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    role = f"arn:aws:iam::{account}:role/admin"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="setup")["Credentials"]
    return {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }


def client(endpoint: str, service: str, creds: dict[str, str]) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, **creds)


@dataclass
class World:
    """The seed's network, built through the EC2 and EMR APIs."""

    endpoint: str
    creds_a: dict[str, str]
    ec2_a: Any
    ec2_b: Any
    studio_vpc: str
    studio_subnet: str
    studio_sg: str
    studio_rtb: str
    emr_vpc: str
    emr_subnet: str
    emr_rtb: str
    cluster_id: str
    master_sg: str
    primary_ip: str
    pcx: str = ""

    def argv(self, *extra: str, port: str = "8998") -> list[str]:
        """The doctor's command line, checking ``port`` only (none: the default ports)."""
        ports = ["--port", port] if port else []
        return [
            "doctor",
            "--cluster-id",
            self.cluster_id,
            "--from-subnet",
            self.studio_subnet,
            "--from-security-group",
            self.studio_sg,
            "--region",
            REGION,
            "--endpoint-url",
            self.endpoint,
            "--assume-role-arn",
            ROLE_B,
            *ports,
            *extra,
        ]


def main_table(ec2: Any, vpc_id: str) -> str:
    tables = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    return str(tables[0]["RouteTableId"])


def launch_cluster(emr: Any, ec2: Any, account: str, subnet_id: str) -> tuple[str, str, str]:
    """An EMR cluster in ``subnet_id``; returns (cluster id, primary group, primary IP)."""
    cluster_id = emr.run_job_flow(
        Name="analytics",
        ReleaseLabel="emr-7.2.0",
        Instances={
            "InstanceGroups": [
                {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 1},
            ],
            "Ec2SubnetId": subnet_id,
            "KeepJobFlowAliveWhenNoSteps": True,
        },
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )["JobFlowId"]
    attributes = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Ec2InstanceAttributes"]
    master_sg = attributes["EmrManagedMasterSecurityGroup"]
    # moto starts EMR nodes outside the cluster's subnet, unlike EMR. Launch the primary
    # node where EMR puts it (the cluster subnet, the primary group) through the EC2 API
    # and let moto's record of the cluster point at that instance.
    primary = ec2.run_instances(
        ImageId="ami-12c6146b",
        MinCount=1,
        MaxCount=1,
        SubnetId=subnet_id,
        SecurityGroupIds=[master_sg],
    )["Instances"][0]
    record = emr_backends[account][REGION].clusters[cluster_id]
    moved = ec2_backends[account][REGION].get_instance(primary["InstanceId"])
    for node in record.ec2_instances:
        if node.instance_group.role == "MASTER":
            node.ec2_instance = moved
    return cluster_id, master_sg, str(primary["PrivateIpAddress"])


@pytest.fixture
def world(endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> World:
    creds_a = credentials(endpoint, A)
    creds_b = credentials(endpoint, B)
    ec2_a = client(endpoint, "ec2", creds_a)
    ec2_b = client(endpoint, "ec2", creds_b)
    studio_vpc = ec2_a.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    studio_subnet = ec2_a.create_subnet(VpcId=studio_vpc, CidrBlock="10.10.1.0/24")["Subnet"][
        "SubnetId"
    ]
    studio_sg = ec2_a.create_security_group(
        VpcId=studio_vpc, GroupName="studio", Description="Studio domain"
    )["GroupId"]
    emr_vpc = ec2_b.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    emr_subnet = ec2_b.create_subnet(VpcId=emr_vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    cluster_id, master_sg, primary_ip = launch_cluster(
        client(endpoint, "emr", creds_b), ec2_b, B, emr_subnet
    )
    # The doctor runs with account A's credentials from the environment only.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds_a["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds_a["aws_secret_access_key"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds_a["aws_session_token"])
    return World(
        endpoint=endpoint,
        creds_a=creds_a,
        ec2_a=ec2_a,
        ec2_b=ec2_b,
        studio_vpc=studio_vpc,
        studio_subnet=studio_subnet,
        studio_sg=studio_sg,
        studio_rtb=main_table(ec2_a, studio_vpc),
        emr_vpc=emr_vpc,
        emr_subnet=emr_subnet,
        emr_rtb=main_table(ec2_b, emr_vpc),
        cluster_id=cluster_id,
        master_sg=master_sg,
        primary_ip=primary_ip,
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="clusterport")
    doctor.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    status = args.run(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def verdict_line(out: str) -> str:
    lines = [line for line in out.splitlines() if line.startswith(("Reachable:", "Unreachable:"))]
    assert len(lines) == 1, out
    return lines[0]


def test_the_seed_set_up_step_by_step(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    # 0. Nothing between the accounts yet.
    status, out, err = run(world.argv(), capsys)
    assert (status, err) == (1, "")
    line = verdict_line(out)
    assert f"no VPC peering connection between {world.studio_vpc} (account {A})" in line
    assert f"--peer-vpc-id {world.emr_vpc} --peer-owner-id {B}" in line
    assert "Path from the notebook to the primary node" in out

    # 1. A requests the peering: it waits for B.
    world.pcx = world.ec2_a.create_vpc_peering_connection(
        VpcId=world.studio_vpc, PeerVpcId=world.emr_vpc, PeerOwnerId=B
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    status, out, _ = run(world.argv(), capsys)
    assert status == 1
    line = verdict_line(out)
    assert f"waiting for acceptance by account {B}" in line
    assert f"accept-vpc-peering-connection --vpc-peering-connection-id {world.pcx}" in line

    # 2. B accepts: now A's route table lacks the route.
    world.ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=world.pcx)
    status, out, _ = run(world.argv(), capsys)
    assert status == 1
    assert (
        f"route table {world.studio_rtb} of subnet {world.studio_subnet} (account {A}) has no "
        f"route to 10.20.0.0/16 through {world.pcx}" in verdict_line(out)
    )

    # 3. A adds its route: B's route table is next.
    world.ec2_a.create_route(
        RouteTableId=world.studio_rtb,
        DestinationCidrBlock="10.20.0.0/16",
        VpcPeeringConnectionId=world.pcx,
    )
    status, out, _ = run(world.argv(), capsys)
    assert status == 1
    line = verdict_line(out)
    assert f"route table {world.emr_rtb} of subnet {world.emr_subnet} (account {B})" in line
    assert "--destination-cidr-block 10.10.0.0/16" in line

    # 4. B adds its route; A's admin had revoked the Studio group's outbound rule.
    world.ec2_b.create_route(
        RouteTableId=world.emr_rtb,
        DestinationCidrBlock="10.10.0.0/16",
        VpcPeeringConnectionId=world.pcx,
    )
    world.ec2_a.revoke_security_group_egress(
        GroupId=world.studio_sg,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    status, out, _ = run(world.argv(), capsys)
    assert status == 1
    assert f"security group {world.studio_sg} (account {A}) allows no outbound tcp 8998" in (
        verdict_line(out)
    )

    # 5. Outbound allowed: the primary node's group does not let the notebook in.
    world.ec2_a.authorize_security_group_egress(
        GroupId=world.studio_sg,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    status, out, _ = run(world.argv(), capsys)
    assert status == 1
    line = verdict_line(out)
    assert f"security group {world.master_sg} of " in line
    assert f"(account {B}) allows no inbound tcp 8998 from {world.studio_sg} (account {A})" in line

    # 6. Inbound from the Studio subnet (moto keeps group references within one account).
    world.ec2_b.authorize_security_group_ingress(
        GroupId=world.master_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8998,
                "ToPort": 8998,
                "IpRanges": [{"CidrIp": "10.10.0.0/16"}],
            }
        ],
    )
    status, out, _ = run(world.argv(), capsys)
    assert status == 0
    assert verdict_line(out).startswith(f"Reachable: {world.studio_subnet} (account {A})")
    assert f"on tcp 8998 through {world.pcx}" in out

    # 7. By private DNS name, the accepter's DNS option is missing …
    status, out, _ = run(world.argv("--use-private-dns"), capsys)
    assert status == 1
    line = verdict_line(out)
    assert f"enable it in account {B} (the accepter)" in line
    assert "--accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true" in line

    # … until B enables it.
    world.ec2_b.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=world.pcx,
        AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    # New VPCs have DNS hostnames off; both sides need them for the name to resolve.
    status, out, _ = run(world.argv("--use-private-dns"), capsys)
    assert status == 1
    assert (
        f"VPC {world.studio_vpc} (account {A}) has dns-hostnames disabled; enable it: aws ec2 "
        f"modify-vpc-attribute --vpc-id {world.studio_vpc} --enable-dns-hostnames"
    ) in verdict_line(out)
    world.ec2_a.modify_vpc_attribute(VpcId=world.studio_vpc, EnableDnsHostnames={"Value": True})
    world.ec2_b.modify_vpc_attribute(VpcId=world.emr_vpc, EnableDnsHostnames={"Value": True})
    status, out, _ = run(world.argv("--use-private-dns"), capsys)
    assert status == 0, out
    assert ".ec2.internal on tcp 8998" in verdict_line(out)

    # Another port is still closed.
    status, out, _ = run(world.argv(port="18080"), capsys)
    assert status == 1
    assert "allows no inbound tcp 18080" in verdict_line(out)

    # By default both connect paths are checked and each is reported: Livy's port is
    # open, Spark Connect's is not.
    status, out, _ = run(world.argv(port=""), capsys)
    assert status == 1
    assert "primary node, tcp 15002 (Spark Connect)" in out
    assert "primary node, tcp 8998 (Livy)" in out
    verdicts = [line for line in out.splitlines() if line.startswith(("Reachable:", "Unreach"))]
    assert len(verdicts) == 2, out
    assert verdicts[0].startswith("Unreachable:") and "inbound tcp 15002" in verdicts[0]
    assert verdicts[1].startswith("Reachable:") and "on tcp 8998" in verdicts[1]


def test_unknown_cluster_is_an_api_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    argv = world.argv()
    argv[argv.index(world.cluster_id)] = "j-DOESNOTEXIST"
    status, out, err = run(argv, capsys)
    assert status == 2
    assert out == ""
    assert err.startswith("clusterport doctor: DescribeCluster failed: ")
    assert "Traceback" not in err


def test_unknown_subnet_is_an_api_error(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    argv = world.argv()
    argv[argv.index(world.studio_subnet)] = "subnet-0doesnotexist"
    status, _, err = run(argv, capsys)
    assert status == 2
    assert "DescribeSubnets failed: InvalidSubnetID.NotFound" in err


def test_group_of_another_vpc_is_a_usage_error(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    other_vpc = world.ec2_a.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    foreign = world.ec2_a.create_security_group(
        VpcId=other_vpc, GroupName="elsewhere", Description="another VPC"
    )["GroupId"]
    argv = world.argv()
    argv[argv.index(world.studio_sg)] = foreign
    status, _, err = run(argv, capsys)
    assert status == 2
    assert f"security group {foreign} is not a group of {world.studio_vpc}" in err


def test_missing_required_option_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(["doctor", "--from-subnet", "subnet-1", "--from-security-group", "sg-1"], capsys)
    assert exited.value.code == 2
    assert "--cluster-id" in capsys.readouterr().err


def test_one_account_with_group_references(
    endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Studio and EMR in one account, two peered VPCs, ingress by group reference."""
    creds = credentials(endpoint, "333333333333")
    ec2 = client(endpoint, "ec2", creds)
    vpc_s = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    vpc_e = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet_s = ec2.create_subnet(VpcId=vpc_s, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    subnet_e = ec2.create_subnet(VpcId=vpc_e, CidrBlock="10.50.1.0/24")["Subnet"]["SubnetId"]
    sg_s = ec2.create_security_group(VpcId=vpc_s, GroupName="nb", Description="nb")["GroupId"]
    cluster_id, master_sg, _ = launch_cluster(
        client(endpoint, "emr", creds), ec2, "333333333333", subnet_e
    )
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc_s, PeerVpcId=vpc_e)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    for vpc, cidr in ((vpc_s, "10.50.0.0/16"), (vpc_e, "10.40.0.0/16")):
        ec2.create_route(
            RouteTableId=main_table(ec2, vpc), DestinationCidrBlock=cidr, VpcPeeringConnectionId=pcx
        )
    ec2.authorize_security_group_ingress(
        GroupId=master_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8998,
                "ToPort": 8998,
                "UserIdGroupPairs": [{"GroupId": sg_s, "UserId": "333333333333"}],
            }
        ],
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["aws_secret_access_key"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["aws_session_token"])
    argv = [
        "doctor",
        "--cluster-id",
        cluster_id,
        "--from-subnet",
        subnet_s,
        "--from-security-group",
        sg_s,
        "--region",
        REGION,
        "--endpoint-url",
        endpoint,
        "--port",
        "8998",
    ]
    status, out, _ = run(argv, capsys)
    assert status == 0, out
    assert f"333333333333/{sg_s}" in out


def test_snapshot_from_ec2_reads_every_component(world: World) -> None:
    pcx = world.ec2_a.create_vpc_peering_connection(
        VpcId=world.studio_vpc, PeerVpcId=world.emr_vpc, PeerOwnerId=B
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    world.ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    world.ec2_a.create_route(
        RouteTableId=world.studio_rtb,
        DestinationCidrBlock="10.20.0.0/16",
        VpcPeeringConnectionId=pcx,
    )
    world.ec2_a.authorize_security_group_ingress(
        GroupId=world.studio_sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8888,
                "ToPort": 8890,
                "IpRanges": [{"CidrIp": "10.20.0.0/16"}],
                "Ipv6Ranges": [{"CidrIpv6": "2600:1f18::/56"}],
            }
        ],
    )
    side_a = snapshot_from_ec2(
        world.ec2_a, vpc_ids=[world.studio_vpc], dns_attributes=True, page_size=5
    )
    assert set(side_a.vpcs) == {world.studio_vpc}
    vpc = side_a.vpcs[world.studio_vpc]
    assert (vpc.owner, vpc.cidr_blocks, vpc.dns_support) == (A, ("10.10.0.0/16",), True)
    assert side_a.subnets[world.studio_subnet].cidr == "10.10.1.0/24"
    table = side_a.route_tables[world.studio_rtb]
    assert table.main and table.owner == A
    assert {(r.destination, r.target) for r in table.routes} == {
        ("10.10.0.0/16", "local"),
        ("10.20.0.0/16", pcx),
    }
    group = side_a.security_groups[world.studio_sg]
    assert group.owner == A
    (rule,) = group.ingress
    assert (rule.protocol, rule.from_port, rule.to_port) == ("tcp", 8888, 8890)
    assert rule.cidrs == ("10.20.0.0/16", "2600:1f18::/56")
    peering = side_a.peering_connections[pcx]
    assert peering.status == "active"
    assert (peering.requester.vpc_id, peering.requester.owner) == (world.studio_vpc, A)
    assert (peering.accepter.vpc_id, peering.accepter.owner) == (world.emr_vpc, B)
    assert peering.accepter.cidr_blocks == ("10.20.0.0/16",)

    # The cluster side, with the primary node's interface, seen by account B.
    primary = doctor.primary_node(
        client(world.endpoint, "emr", credentials(world.endpoint, B)), world.cluster_id
    )
    side_b = snapshot_from_ec2(
        world.ec2_b, vpc_ids=[world.emr_vpc], instance_ids=[primary.instance_id]
    )
    (eni,) = side_b.interfaces_of_instance(primary.instance_id)
    assert (eni.subnet_id, eni.private_ip, eni.owner) == (world.emr_subnet, world.primary_ip, B)
    assert eni.security_group_ids == (world.master_sg,)
    assert eni.private_dns_name and eni.private_dns_name.endswith(".ec2.internal")
    assert pcx in side_b.peering_connections
    # Every interface of the VPC, from DescribeNetworkInterfaces.
    with_enis = snapshot_from_ec2(world.ec2_b, vpc_ids=[world.emr_vpc], network_interfaces=True)
    assert eni.id in with_enis.interfaces
    # No VPC asked for: nothing described.
    assert not snapshot_from_ec2(world.ec2_b, vpc_ids=[]).vpcs


def test_primary_node_where_ec2_and_emr_disagree_is_noted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    # Left as moto launches it, the primary node is not in the cluster's subnet.
    emr = client(world.endpoint, "emr", credentials(world.endpoint, B))
    cluster_id = emr.run_job_flow(
        Name="misplaced",
        ReleaseLabel="emr-7.2.0",
        Instances={
            "InstanceGroups": [
                {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}
            ],
            "Ec2SubnetId": world.emr_subnet,
            "KeepJobFlowAliveWhenNoSteps": True,
        },
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )["JobFlowId"]
    argv = world.argv()
    argv[argv.index(world.cluster_id)] = cluster_id
    status, out, _ = run(argv, capsys)
    assert status == 1
    assert f"while EMR reports {world.emr_subnet}; analyzing EC2's placement" in out


def test_access_denied_names_the_permissions() -> None:
    denied = ClientError(
        {"Error": {"Code": "UnauthorizedOperation", "Message": "You are not authorized"}},
        "DescribeRouteTables",
    )
    text = doctor._client_error_text(denied)
    assert text.startswith("DescribeRouteTables failed: UnauthorizedOperation: You are not")
    assert "ec2:DescribeRouteTables" in text


def test_no_credentials_exits_2(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)
    status, out, err = run(world.argv(), capsys)
    assert (status, out) == (2, "")
    assert "no AWS credentials found; pass --profile" in err

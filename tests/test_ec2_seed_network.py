"""The seed's multi-account network, set up step by step with the AWS CLI.

Account A (111111111111) holds the Studio VPC 10.10.0.0/16, account B
(222222222222) the EMR VPC 10.20.0.0/16 with the cluster's primary node. After
every step the platform's own network snapshot (fresh, and the one it keeps
until the next network write) goes through the reachability analyzer, from
the Studio subnet and security group to the primary node on Livy's port by its
private DNS name: the path opens only after the last step, and before each
step the verdict names exactly the piece that step adds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from clusterport.network.from_ec2 import instance_interfaces, snapshot_from_ec2
from clusterport.network.reachability import Destination, ReachabilityVerdict, Source, analyze
from clusterport.services.ec2 import network_api
from conftest import RunningServer
from ec2_support import REGION, aws, aws_error, aws_process_error, store

A = "111111111111"
B = "222222222222"
LIVY = 8998


@dataclass
class Seed:
    """The ids the set-up produced."""

    vpc_a: str
    vpc_b: str
    subnet_a: str
    subnet_b: str
    studio_sg: str
    primary_sg: str
    table_a: str
    table_b: str
    primary: network_api.InstanceInfo
    pcx: str = ""


def _vpc_with_subnet(
    server: RunningServer, account: str, cidr: str, subnet: str
) -> tuple[str, str]:
    vpc_id = aws(server, account, "create-vpc", "--cidr-block", cidr)["Vpc"]["VpcId"]
    aws(server, account, "modify-vpc-attribute", "--vpc-id", vpc_id, "--enable-dns-hostnames")
    created = aws(
        server,
        account,
        "create-subnet",
        "--vpc-id",
        vpc_id,
        "--cidr-block",
        subnet,
        "--availability-zone",
        "us-east-1a",
    )
    return vpc_id, created["Subnet"]["SubnetId"]


def _main_table(server: RunningServer, account: str, vpc_id: str) -> str:
    tables = aws(
        server,
        account,
        "describe-route-tables",
        "--filters",
        f"Name=vpc-id,Values={vpc_id}",
        "Name=association.main,Values=true",
    )["RouteTables"]
    assert len(tables) == 1
    return str(tables[0]["RouteTableId"])


def _set_up(server: RunningServer) -> Seed:
    vpc_a, subnet_a = _vpc_with_subnet(server, A, "10.10.0.0/16", "10.10.1.0/24")
    vpc_b, subnet_b = _vpc_with_subnet(server, B, "10.20.0.0/16", "10.20.1.0/24")
    studio_sg = aws(
        server,
        A,
        "create-security-group",
        "--vpc-id",
        vpc_a,
        "--group-name",
        "studio",
        "--description",
        "SageMaker Studio apps",
    )["GroupId"]
    # the Studio group starts closed: its default allow-all egress is removed
    aws(
        server,
        A,
        "revoke-security-group-egress",
        "--group-id",
        studio_sg,
        "--ip-permissions",
        "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]",
    )
    primary_sg = aws(
        server,
        B,
        "create-security-group",
        "--vpc-id",
        vpc_b,
        "--group-name",
        "ElasticMapReduce-master",
        "--description",
        "EMR primary node",
    )["GroupId"]
    with store(server) as session:
        primary = network_api.launch_instances(
            session,
            B,
            REGION,
            subnet_b,
            [primary_sg],
            1,
            "m5.xlarge",
            {"aws:elasticmapreduce:instance-group-role": "MASTER"},
            server.platform.now(),
        )[0]
    return Seed(
        vpc_a=vpc_a,
        vpc_b=vpc_b,
        subnet_a=subnet_a,
        subnet_b=subnet_b,
        studio_sg=studio_sg,
        primary_sg=primary_sg,
        table_a=_main_table(server, A, vpc_a),
        table_b=_main_table(server, B, vpc_b),
        primary=primary,
    )


def _verdict(server: RunningServer, seed: Seed) -> ReachabilityVerdict:
    with store(server) as session:
        snapshot = network_api.network_snapshot(session, [A, B], REGION)
        # The snapshot the platform keeps for connect checks is never behind a write:
        # after each step it is the fresh one; with no write in between it is reused.
        kept = network_api.kept_network_snapshot(session, server.platform, [A, B], REGION)
        assert kept == snapshot
        assert network_api.kept_network_snapshot(session, server.platform, [A, B], REGION) is kept
    return analyze(
        snapshot,
        Source(account=A, subnet_id=seed.subnet_a, security_group_ids=(seed.studio_sg,)),
        Destination(port=LIVY, instance_id=seed.primary.instance_id, address_kind="private-dns"),
    )


def _expect_missing(
    verdict: ReachabilityVerdict, kind: str, component: str, account: str, *fix_parts: str
) -> None:
    assert not verdict.reachable
    missing = verdict.missing
    assert missing is not None
    assert (missing.kind, missing.component_id, missing.account) == (kind, component, account), (
        verdict.sentence()
    )
    for part in fix_parts:
        assert part in missing.fix, (part, missing.fix)


def test_the_seed_network_step_by_step(server: RunningServer) -> None:
    seed = _set_up(server)
    assert seed.primary.private_dns == "ip-10-20-1-4.ec2.internal"

    def request_peering() -> None:
        created = aws(
            server,
            A,
            "create-vpc-peering-connection",
            "--vpc-id",
            seed.vpc_a,
            "--peer-vpc-id",
            seed.vpc_b,
            "--peer-owner-id",
            B,
        )
        seed.pcx = created["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        for account in (A, B):
            seen = aws(
                server,
                account,
                "describe-vpc-peering-connections",
                "--vpc-peering-connection-ids",
                seed.pcx,
            )["VpcPeeringConnections"][0]
            assert seen["Status"]["Code"] == "pending-acceptance"
        # The one ``aws`` process of the set-up: the command's own exit status and output.
        refused = aws_process_error(
            server, A, "accept-vpc-peering-connection", "--vpc-peering-connection-id", seed.pcx
        )
        assert "OperationNotPermitted" in refused

    def accept_peering() -> None:
        accepted = aws(
            server, B, "accept-vpc-peering-connection", "--vpc-peering-connection-id", seed.pcx
        )
        assert accepted["VpcPeeringConnection"]["Status"]["Code"] == "active"

    def route_from_studio() -> None:
        aws(
            server,
            A,
            "create-route",
            "--route-table-id",
            seed.table_a,
            "--destination-cidr-block",
            "10.20.0.0/16",
            "--vpc-peering-connection-id",
            seed.pcx,
        )

    def route_back_from_emr() -> None:
        aws(
            server,
            B,
            "create-route",
            "--route-table-id",
            seed.table_b,
            "--destination-cidr-block",
            "10.10.0.0/16",
            "--vpc-peering-connection-id",
            seed.pcx,
        )

    def studio_egress() -> None:
        aws(
            server,
            A,
            "authorize-security-group-egress",
            "--group-id",
            seed.studio_sg,
            "--ip-permissions",
            f"IpProtocol=tcp,FromPort={LIVY},ToPort={LIVY},IpRanges=[{{CidrIp=10.20.0.0/16}}]",
        )

    def primary_ingress() -> None:
        aws(
            server,
            B,
            "authorize-security-group-ingress",
            "--group-id",
            seed.primary_sg,
            "--ip-permissions",
            f"IpProtocol=tcp,FromPort={LIVY},ToPort={LIVY},"
            f"UserIdGroupPairs=[{{GroupId={seed.studio_sg},UserId={A}}}]",
        )

    def dns_option() -> None:
        refused = aws_error(
            server,
            A,
            "modify-vpc-peering-connection-options",
            "--vpc-peering-connection-id",
            seed.pcx,
            "--accepter-peering-connection-options",
            "AllowDnsResolutionFromRemoteVpc=true",
        )
        assert "OperationNotPermitted" in refused
        changed = aws(
            server,
            B,
            "modify-vpc-peering-connection-options",
            "--vpc-peering-connection-id",
            seed.pcx,
            "--accepter-peering-connection-options",
            "AllowDnsResolutionFromRemoteVpc=true",
        )
        options = changed["AccepterPeeringConnectionOptions"]
        assert options["AllowDnsResolutionFromRemoteVpc"] is True

    steps: list[tuple[Callable[[], None], Callable[[ReachabilityVerdict], None]]] = [
        (
            request_peering,
            lambda v: _expect_missing(
                v,
                "vpc-peering-connection",
                seed.vpc_a,
                A,
                f"create-vpc-peering-connection --vpc-id {seed.vpc_a} --peer-vpc-id {seed.vpc_b}",
                f"--peer-owner-id {B}",
            ),
        ),
        (
            accept_peering,
            lambda v: _expect_missing(
                v,
                "vpc-peering-connection",
                seed.pcx,
                B,
                f"accept-vpc-peering-connection --vpc-peering-connection-id {seed.pcx}",
            ),
        ),
        (
            route_from_studio,
            lambda v: _expect_missing(
                v,
                "route-table",
                seed.table_a,
                A,
                f"create-route --route-table-id {seed.table_a} --destination-cidr-block "
                f"10.20.0.0/16 --vpc-peering-connection-id {seed.pcx}",
            ),
        ),
        (
            route_back_from_emr,
            lambda v: _expect_missing(
                v,
                "route-table",
                seed.table_b,
                B,
                f"create-route --route-table-id {seed.table_b} --destination-cidr-block "
                f"10.10.0.0/16 --vpc-peering-connection-id {seed.pcx}",
            ),
        ),
        (
            studio_egress,
            lambda v: _expect_missing(
                v,
                "security-group",
                seed.studio_sg,
                A,
                f"authorize-security-group-egress --group-id {seed.studio_sg}",
            ),
        ),
        (
            primary_ingress,
            lambda v: _expect_missing(
                v,
                "security-group",
                seed.primary_sg,
                B,
                f"authorize-security-group-ingress --group-id {seed.primary_sg}",
                f"UserIdGroupPairs=[{{GroupId={seed.studio_sg},UserId={A}}}]",
            ),
        ),
        (
            dns_option,
            lambda v: _expect_missing(
                v,
                "vpc-peering-connection",
                seed.pcx,
                B,
                "--accepter-peering-connection-options AllowDnsResolutionFromRemoteVpc=true",
            ),
        ),
    ]
    for step, check_before in steps:
        check_before(_verdict(server, seed))
        step()

    verdict = _verdict(server, seed)
    assert verdict.reachable, verdict.sentence()
    assert all(hop.ok for hop in verdict.hops)
    assert seed.pcx in verdict.summary and "ip-10-20-1-4.ec2.internal" in verdict.summary

    # the same answer from the EC2 API, read the way the doctor reads it
    ec2_a = server.client("ec2", A)
    ec2_b = server.client("ec2", B)
    through_api = snapshot_from_ec2(ec2_a, vpc_ids=[seed.vpc_a], dns_attributes=True).merge(
        snapshot_from_ec2(ec2_b, vpc_ids=[seed.vpc_b], dns_attributes=True)
    )
    interfaces = instance_interfaces(ec2_b, [seed.primary.instance_id])
    through_api = through_api.merge(type(through_api).of(interfaces=interfaces))
    again = analyze(
        through_api,
        Source(account=A, subnet_id=seed.subnet_a, security_group_ids=(seed.studio_sg,)),
        Destination(port=LIVY, instance_id=seed.primary.instance_id, address_kind="private-dns"),
    )
    assert again.reachable, again.sentence()

    # taking one piece away closes the path again and names it
    aws(
        server,
        B,
        "revoke-security-group-ingress",
        "--group-id",
        seed.primary_sg,
        "--ip-permissions",
        f"IpProtocol=tcp,FromPort={LIVY},ToPort={LIVY},"
        f"UserIdGroupPairs=[{{GroupId={seed.studio_sg},UserId={A}}}]",
    )
    _expect_missing(_verdict(server, seed), "security-group", seed.primary_sg, B)
    aws(server, A, "delete-vpc-peering-connection", "--vpc-peering-connection-id", seed.pcx)
    _expect_missing(
        _verdict(server, seed),
        "vpc-peering-connection",
        seed.pcx,
        A,
        "is deleted; request a new one",
    )

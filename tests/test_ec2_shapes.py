"""The one EC2 → snapshot converter: every route target EC2 describes, read the same way
by the snapshot built through the API and by the one the platform builds from its store."""

from __future__ import annotations

from typing import Any

import pytest

from clusterport.network import ec2_shapes
from clusterport.network.from_ec2 import snapshot_from_ec2
from clusterport.network.model import RouteTargetKind
from clusterport.services.ec2 import network_api
from conftest import RunningServer
from ec2_support import REGION, fresh_account, store

A = "111111111111"

#: Each target field of EC2's Route shape, an id of that kind, and the kind the analyzer sees.
TARGETS: list[tuple[str, str, RouteTargetKind]] = [
    ("VpcPeeringConnectionId", "pcx-0a1b2c3d", "vpc-peering-connection"),
    ("GatewayId", "igw-0a1b2c3d", "internet-gateway"),
    ("GatewayId", "local", "local"),
    ("GatewayId", "vgw-0a1b2c3d", "virtual-private-gateway"),
    ("GatewayId", "vpce-0a1b2c3d", "vpc-endpoint"),
    ("NatGatewayId", "nat-0a1b2c3d", "nat-gateway"),
    ("TransitGatewayId", "tgw-0a1b2c3d", "transit-gateway"),
    ("NetworkInterfaceId", "eni-0a1b2c3d", "network-interface"),
    ("InstanceId", "i-0a1b2c3d", "instance"),
    ("EgressOnlyInternetGatewayId", "eigw-0a1b2c3d", "egress-only-internet-gateway"),
    ("LocalGatewayId", "lgw-0a1b2c3d", "other"),
    ("CarrierGatewayId", "cagw-0a1b2c3d", "other"),
    ("CoreNetworkArn", "arn:aws:networkmanager::111111111111:core-network/cn-1", "other"),
]


@pytest.mark.parametrize(("field", "target", "kind"), TARGETS)
def test_every_route_target_field_is_read(field: str, target: str, kind: RouteTargetKind) -> None:
    route = ec2_shapes.route(
        {"DestinationCidrBlock": "10.1.0.0/16", field: target, "State": "active"}
    )
    assert route is not None
    assert (route.destination, route.target, route.target_kind) == ("10.1.0.0/16", target, kind)
    assert not route.blackhole


def test_the_route_target_fields_are_the_ones_tested() -> None:
    assert set(ec2_shapes.ROUTE_TARGETS) == {field for field, _, _ in TARGETS}


def test_a_route_to_an_instance_goes_to_its_interface() -> None:
    # EC2 describes a route to an instance with both ids; the interface is where it leads.
    entry = {
        "DestinationCidrBlock": "0.0.0.0/0",
        "InstanceId": "i-0a1b2c3d",
        "InstanceOwnerId": A,
        "NetworkInterfaceId": "eni-0a1b2c3d",
        "State": "active",
    }
    assert ec2_shapes.route_target(entry) == "eni-0a1b2c3d"


def test_routes_without_a_target_or_a_cidr_destination() -> None:
    gone = ec2_shapes.route({"DestinationIpv6CidrBlock": "::/0", "State": "blackhole"})
    assert gone is not None
    assert (gone.destination, gone.target, gone.target_kind, gone.blackhole) == (
        "::/0",
        "unknown",
        "other",
        True,
    )
    prefix_list = {"DestinationPrefixListId": "pl-0a1b2c3d", "GatewayId": "vpce-0a1b2c3d"}
    assert ec2_shapes.route(prefix_list) is None


def test_the_store_and_the_api_read_each_served_target_alike(server: RunningServer) -> None:
    account = fresh_account()
    ec2: Any = server.client("ec2", account)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    peer = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc, PeerVpcId=peer)["VpcPeeringConnection"]
    pcx_id = pcx["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="10.30.0.0/16", VpcPeeringConnectionId=pcx_id
    )
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    with store(server) as session:
        from_store = network_api.network_snapshot(session, [account], REGION)
    through_api = snapshot_from_ec2(ec2, vpc_ids=[vpc])
    stored, described = from_store.route_tables[table], through_api.route_tables[table]
    assert stored == described
    kinds = {r.destination: (r.target_kind, r.blackhole) for r in stored.routes}
    assert kinds == {
        "10.20.0.0/16": ("local", False),
        "0.0.0.0/0": ("internet-gateway", False),
        # The peering connection is gone: its route stays, as a blackhole.
        "10.30.0.0/16": ("vpc-peering-connection", True),
    }

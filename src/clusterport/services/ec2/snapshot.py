"""The network of some accounts in one region, as the reachability analyzer reads it.

Built straight from the store (no API round trips), so the platform can check a
connection from a Studio subnet to a cluster node across accounts in one call.
Connections are merged by id across the accounts' views; terminated instances
have no interface.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from clusterport.network.model import (
    GroupReference,
    NetworkInterface,
    NetworkSnapshot,
    PeeringSide,
    PeeringStatus,
    Route,
    RouteTable,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
    VpcPeeringConnection,
)
from clusterport.services.ec2 import routes, security_groups
from clusterport.services.ec2.instances import STATE_CODES
from clusterport.services.ec2.records import (
    INSTANCE,
    PEERING,
    ROUTE_TABLE,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    Ec2Records,
)
from clusterport.store.resources import ResourceRow

#: Instance states that still have a network interface.
_LIVE_INSTANCES = [state for state in STATE_CODES if state != "terminated"]


def network_snapshot(session: Session, account_ids: Sequence[str], region: str) -> NetworkSnapshot:
    """Every VPC, subnet, table, group, peering connection and instance of the accounts."""
    vpcs: list[Vpc] = []
    subnets: list[Subnet] = []
    tables: list[RouteTable] = []
    groups: list[SecurityGroup] = []
    peerings: dict[str, VpcPeeringConnection] = {}
    interfaces: list[NetworkInterface] = []
    for account_id in dict.fromkeys(account_ids):
        rec = Ec2Records(session, account_id, region)
        vpcs += [_vpc(row) for row in rec.find(VPC)]
        subnets += [_subnet(row) for row in rec.find(SUBNET)]
        tables += [_table(rec, row) for row in rec.find(ROUTE_TABLE)]
        groups += [_group(row) for row in rec.find(SECURITY_GROUP)]
        for row in rec.find(PEERING):
            peerings.setdefault(row.resource_id, _peering(row))
        # Terminated instances pile up over time; the store leaves them out.
        interfaces += [_interface(row) for row in rec.find(INSTANCE, states=_LIVE_INSTANCES)]
    return NetworkSnapshot.of(
        vpcs=vpcs,
        subnets=subnets,
        route_tables=tables,
        security_groups=groups,
        peering_connections=peerings.values(),
        interfaces=interfaces,
    )


def _vpc(row: ResourceRow) -> Vpc:
    data = row.data
    return Vpc(
        id=row.resource_id,
        owner=row.account_id,
        cidr_blocks=tuple(a["CidrBlock"] for a in data["CidrBlockAssociationSet"]),
        dns_support=bool(data.get("EnableDnsSupport", True)),
        dns_hostnames=bool(data.get("EnableDnsHostnames", False)),
    )


def _subnet(row: ResourceRow) -> Subnet:
    return Subnet(
        id=row.resource_id,
        vpc_id=str(row.data["VpcId"]),
        owner=row.account_id,
        cidr=str(row.data["CidrBlock"]),
    )


def _table(rec: Ec2Records, row: ResourceRow) -> RouteTable:
    found = []
    for route in row.data["Routes"]:
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        target = route.get("VpcPeeringConnectionId") or route.get("GatewayId") or "unknown"
        found.append(
            Route(
                destination=str(destination),
                target=str(target),
                blackhole=routes.route_state(rec, route) == "blackhole",
            )
        )
    associations = row.data["Associations"]
    return RouteTable(
        id=row.resource_id,
        vpc_id=str(row.data["VpcId"]),
        owner=row.account_id,
        routes=tuple(found),
        main=any(a.get("Main") for a in associations),
        subnet_ids=tuple(str(a["SubnetId"]) for a in associations if a.get("SubnetId")),
    )


def _rule(permission: Mapping[str, Any]) -> SecurityGroupRule:
    """One ``IpPermission`` (rules grouped by protocol and ports, as EC2 describes them)."""
    ports = permission["IpProtocol"] != "-1"
    return SecurityGroupRule(
        protocol=str(permission["IpProtocol"]),
        from_port=int(permission["FromPort"]) if ports else None,
        to_port=int(permission["ToPort"]) if ports else None,
        cidrs=(
            *(str(r["CidrIp"]) for r in permission["IpRanges"]),
            *(str(r["CidrIpv6"]) for r in permission["Ipv6Ranges"]),
        ),
        groups=tuple(
            GroupReference(
                group_id=str(pair["GroupId"]),
                owner=pair.get("UserId"),
                vpc_id=pair.get("VpcId"),
                peering_id=pair.get("VpcPeeringConnectionId"),
            )
            for pair in permission["UserIdGroupPairs"]
        ),
        prefix_list_ids=tuple(str(p["PrefixListId"]) for p in permission["PrefixListIds"]),
    )


def _group(row: ResourceRow) -> SecurityGroup:
    rules = row.data["Rules"]
    return SecurityGroup(
        id=row.resource_id,
        vpc_id=str(row.data["VpcId"]),
        owner=row.account_id,
        ingress=tuple(_rule(p) for p in security_groups.permissions(rules, egress=False)),
        egress=tuple(_rule(p) for p in security_groups.permissions(rules, egress=True)),
        name=str(row.data["GroupName"]),
    )


def _side(info: Mapping[str, Any]) -> PeeringSide:
    options = info.get("PeeringOptions") or {}
    return PeeringSide(
        vpc_id=str(info["VpcId"]),
        owner=str(info["OwnerId"]),
        cidr_blocks=tuple(str(b["CidrBlock"]) for b in info.get("CidrBlockSet", [])),
        allow_dns_resolution_from_remote_vpc=bool(options.get("AllowDnsResolutionFromRemoteVpc")),
        region=info.get("Region"),
    )


def _peering(row: ResourceRow) -> VpcPeeringConnection:
    status: PeeringStatus = row.data["Status"]["Code"]
    return VpcPeeringConnection(
        id=row.resource_id,
        requester=_side(row.data["RequesterVpcInfo"]),
        accepter=_side(row.data["AccepterVpcInfo"]),
        status=status,
    )


def _interface(row: ResourceRow) -> NetworkInterface:
    data = row.data
    return NetworkInterface(
        id=str(data["NetworkInterfaceId"]),
        owner=row.account_id,
        subnet_id=str(data["SubnetId"]),
        private_ip=str(data["PrivateIpAddress"]),
        security_group_ids=tuple(str(g["GroupId"]) for g in data["SecurityGroups"]),
        private_dns_name=str(data["PrivateDnsName"]),
        instance_id=row.resource_id,
    )

"""EC2's shapes as the reachability analyzer reads them: the one EC2 → snapshot converter.

Each function turns one item of an EC2 ``Describe*`` answer (``Vpc``,
``Subnet``, ``RouteTable``, ``SecurityGroup``, ``VpcPeeringConnection``,
``NetworkInterface``) into its :mod:`clusterport.network.model` value. Both
snapshots use them: :mod:`clusterport.network.from_ec2` on what any EC2
endpoint answers, and the platform's EC2 service on the documents it keeps
(which have the same shapes), so the two always read a network the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clusterport.network.model import (
    GroupReference,
    NetworkInterface,
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

#: Route target fields of EC2's ``Route`` shape, in the order they are read.
ROUTE_TARGETS = (
    "VpcPeeringConnectionId",
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "EgressOnlyInternetGatewayId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "CoreNetworkArn",
)


def vpc(
    item: Mapping[str, Any], *, dns_support: bool | None = None, dns_hostnames: bool | None = None
) -> Vpc:
    """A ``Vpc``: its associated IPv4 and IPv6 blocks (DNS attributes as given, else unknown)."""
    blocks = [
        str(a["CidrBlock"])
        for a in item.get("CidrBlockAssociationSet", [])
        if (a.get("CidrBlockState") or {}).get("State", "associated") == "associated"
    ]
    if not blocks and item.get("CidrBlock"):
        blocks = [str(item["CidrBlock"])]
    blocks += [
        str(a["Ipv6CidrBlock"])
        for a in item.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlock")
        and (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"
    ]
    return Vpc(
        id=str(item["VpcId"]),
        owner=str(item.get("OwnerId", "")),
        cidr_blocks=tuple(blocks),
        dns_support=dns_support,
        dns_hostnames=dns_hostnames,
    )


def subnet(item: Mapping[str, Any]) -> Subnet | None:
    """A ``Subnet`` (None for one with no block at all)."""
    ipv6 = tuple(
        str(a["Ipv6CidrBlock"])
        for a in item.get("Ipv6CidrBlockAssociationSet", [])
        if a.get("Ipv6CidrBlock")
        and (a.get("Ipv6CidrBlockState") or {}).get("State", "associated") == "associated"
    )
    cidr = item.get("CidrBlock") or (ipv6[0] if ipv6 else None)
    if cidr is None:
        return None
    return Subnet(
        id=str(item["SubnetId"]),
        vpc_id=str(item["VpcId"]),
        owner=str(item.get("OwnerId", "")),
        cidr=str(cidr),
        ipv6_cidrs=ipv6,
    )


def route_table(item: Mapping[str, Any]) -> RouteTable:
    """A ``RouteTable``: its routes and its associated subnets (and whether it is the main one)."""
    main = False
    subnet_ids: list[str] = []
    for association in item.get("Associations", []):
        state = (association.get("AssociationState") or {}).get("State", "associated")
        if state != "associated":
            continue
        if association.get("Main"):
            main = True
        if association.get("SubnetId"):
            subnet_ids.append(str(association["SubnetId"]))
    routes = tuple(r for entry in item.get("Routes", []) if (r := route(entry)) is not None)
    return RouteTable(
        id=str(item["RouteTableId"]),
        vpc_id=str(item["VpcId"]),
        owner=str(item.get("OwnerId", "")),
        routes=routes,
        main=main,
        subnet_ids=tuple(subnet_ids),
    )


def route(entry: Mapping[str, Any]) -> Route | None:
    """One ``Route`` of a table (None for a prefix-list destination, which is not analyzed)."""
    destination = entry.get("DestinationCidrBlock") or entry.get("DestinationIpv6CidrBlock")
    if not destination:
        return None  # a prefix-list destination: not analyzed
    return Route(
        destination=str(destination),
        target=route_target(entry),
        blackhole=entry.get("State") == "blackhole",
    )


def route_target(entry: Mapping[str, Any]) -> str:
    """Where a ``Route`` sends traffic: the first target field set, else ``unknown``."""
    return next((str(entry[k]) for k in ROUTE_TARGETS if entry.get(k)), "unknown")


def security_group(item: Mapping[str, Any]) -> SecurityGroup:
    """A ``SecurityGroup`` with its ingress and egress permissions."""
    return SecurityGroup(
        id=str(item["GroupId"]),
        vpc_id=str(item.get("VpcId", "")),
        owner=str(item.get("OwnerId", "")),
        ingress=tuple(security_group_rule(p) for p in item.get("IpPermissions", [])),
        egress=tuple(security_group_rule(p) for p in item.get("IpPermissionsEgress", [])),
        name=str(item.get("GroupName", "")),
    )


def security_group_rule(permission: Mapping[str, Any]) -> SecurityGroupRule:
    """One ``IpPermission`` (rules grouped by protocol and ports, as EC2 describes them)."""
    from_port = permission.get("FromPort")
    to_port = permission.get("ToPort")
    return SecurityGroupRule(
        protocol=str(permission.get("IpProtocol", "-1")),
        from_port=None if from_port is None else int(from_port),
        to_port=None if to_port is None else int(to_port),
        cidrs=(
            *(str(r["CidrIp"]) for r in permission.get("IpRanges", []) if r.get("CidrIp")),
            *(str(r["CidrIpv6"]) for r in permission.get("Ipv6Ranges", []) if r.get("CidrIpv6")),
        ),
        groups=tuple(
            GroupReference(
                group_id=str(pair["GroupId"]),
                owner=pair.get("UserId"),
                vpc_id=pair.get("VpcId"),
                peering_id=pair.get("VpcPeeringConnectionId"),
            )
            for pair in permission.get("UserIdGroupPairs", [])
            if pair.get("GroupId")
        ),
        prefix_list_ids=tuple(str(p["PrefixListId"]) for p in permission.get("PrefixListIds", [])),
    )


def peering_connection(item: Mapping[str, Any]) -> VpcPeeringConnection:
    """A ``VpcPeeringConnection``: its two sides and its status."""
    status: PeeringStatus = (item.get("Status") or {}).get("Code", "pending-acceptance")
    return VpcPeeringConnection(
        id=str(item["VpcPeeringConnectionId"]),
        requester=peering_side(item.get("RequesterVpcInfo") or {}),
        accepter=peering_side(item.get("AccepterVpcInfo") or {}),
        status=status,
    )


def peering_side(info: Mapping[str, Any]) -> PeeringSide:
    """One side (``RequesterVpcInfo``/``AccepterVpcInfo``) of a peering connection."""
    blocks = [str(b["CidrBlock"]) for b in info.get("CidrBlockSet", []) if b.get("CidrBlock")]
    if not blocks and info.get("CidrBlock"):
        blocks = [str(info["CidrBlock"])]
    blocks += [
        str(b["Ipv6CidrBlock"]) for b in info.get("Ipv6CidrBlockSet", []) if b.get("Ipv6CidrBlock")
    ]
    options = info.get("PeeringOptions") or {}
    return PeeringSide(
        vpc_id=str(info.get("VpcId", "")),
        owner=str(info.get("OwnerId", "")),
        cidr_blocks=tuple(blocks),
        allow_dns_resolution_from_remote_vpc=bool(
            options.get("AllowDnsResolutionFromRemoteVpc", False)
        ),
        region=info.get("Region"),
    )


def network_interface(item: Mapping[str, Any]) -> NetworkInterface | None:
    """A ``NetworkInterface`` (None for one without a subnet or a private address)."""
    if not item.get("SubnetId") or not item.get("PrivateIpAddress"):
        return None
    attachment = item.get("Attachment") or {}
    return NetworkInterface(
        id=str(item["NetworkInterfaceId"]),
        owner=str(item.get("OwnerId", "")),
        subnet_id=str(item["SubnetId"]),
        private_ip=str(item["PrivateIpAddress"]),
        security_group_ids=tuple(str(g["GroupId"]) for g in item.get("Groups", [])),
        private_dns_name=item.get("PrivateDnsName") or None,
        instance_id=attachment.get("InstanceId"),
        device_index=int(attachment.get("DeviceIndex", 0)),
    )

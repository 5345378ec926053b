"""Build a :class:`NetworkSnapshot` through the EC2 API, with any boto3 EC2 client.

Only public EC2 describe operations are used (``DescribeVpcs``,
``DescribeSubnets``, ``DescribeRouteTables``, ``DescribeSecurityGroups``,
``DescribeVpcPeeringConnections``, ``DescribeInstances``,
``DescribeNetworkInterfaces``, ``DescribeVpcAttribute``), all paginated, so
this works against real AWS as well as any EC2-compatible endpoint. In a
multi-account set-up each account sees only its own components: describe each
side with that account's client and :meth:`NetworkSnapshot.merge` the results.

Errors of the API (``botocore.exceptions.ClientError``) propagate unchanged;
the caller decides how to show them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any, Protocol

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

# Route target fields of EC2's Route shape, in the order they are read.
_ROUTE_TARGETS = (
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


class Ec2Api(Protocol):
    """The part of a boto3 EC2 client this module calls."""

    def get_paginator(self, operation_name: str) -> Any:
        """A botocore paginator for ``operation_name``."""

    def describe_vpc_attribute(self, **kwargs: Any) -> Any:
        """EC2 ``DescribeVpcAttribute``."""


def snapshot_from_ec2(
    ec2: Ec2Api,
    *,
    vpc_ids: Collection[str] | None = None,
    instance_ids: Collection[str] = (),
    network_interfaces: bool = False,
    dns_attributes: bool = False,
    page_size: int | None = None,
) -> NetworkSnapshot:
    """Describe one account's network (or only ``vpc_ids`` of it) into a snapshot.

    ``instance_ids`` adds those instances' interfaces; ``network_interfaces``
    adds every interface of the described VPCs; ``dns_attributes`` reads each
    VPC's ``enableDnsSupport``/``enableDnsHostnames`` (two calls per VPC).
    ``page_size`` sets the page size of every paginated call.
    """
    if vpc_ids is not None and not vpc_ids:
        return NetworkSnapshot.of(
            interfaces=instance_interfaces(ec2, instance_ids, page_size=page_size)
        )
    filters = _vpc_filter(vpc_ids)
    vpcs = [_vpc(item) for item in _pages(ec2, "describe_vpcs", "Vpcs", page_size, Filters=filters)]
    if dns_attributes:
        vpcs = [_with_dns_attributes(ec2, vpc) for vpc in vpcs]
    subnets = [
        s
        for item in _pages(ec2, "describe_subnets", "Subnets", page_size, Filters=filters)
        if (s := _subnet(item)) is not None
    ]
    tables = [
        _route_table(item)
        for item in _pages(ec2, "describe_route_tables", "RouteTables", page_size, Filters=filters)
    ]
    groups = [
        _security_group(item)
        for item in _pages(
            ec2, "describe_security_groups", "SecurityGroups", page_size, Filters=filters
        )
    ]
    peerings = _peerings(ec2, vpc_ids, page_size)
    interfaces: list[NetworkInterface] = []
    if network_interfaces:
        interfaces.extend(
            eni
            for item in _pages(
                ec2, "describe_network_interfaces", "NetworkInterfaces", page_size, Filters=filters
            )
            if (eni := _interface(item)) is not None
        )
    if instance_ids:
        interfaces.extend(instance_interfaces(ec2, instance_ids, page_size=page_size))
    return NetworkSnapshot.of(
        vpcs=vpcs,
        subnets=subnets,
        route_tables=tables,
        security_groups=groups,
        peering_connections=peerings,
        interfaces=interfaces,
    )


def describe_subnets(
    ec2: Ec2Api, subnet_ids: Collection[str], *, page_size: int | None = None
) -> list[Subnet]:
    """The named subnets (``InvalidSubnetID.NotFound`` is raised for an unknown id)."""
    if not subnet_ids:
        return []
    return [
        s
        for item in _pages(
            ec2, "describe_subnets", "Subnets", page_size, SubnetIds=list(subnet_ids)
        )
        if (s := _subnet(item)) is not None
    ]


def instance_interfaces(
    ec2: Ec2Api, instance_ids: Collection[str], *, page_size: int | None = None
) -> list[NetworkInterface]:
    """The network interfaces of the named instances (primary first per instance).

    An instance described without its ``NetworkInterfaces`` list yields one
    interface built from its own subnet, address, DNS name and groups, with
    the instance id as interface id.
    """
    found: list[NetworkInterface] = []
    if not instance_ids:
        return found  # an empty id list would describe every instance
    for reservation in _pages(
        ec2, "describe_instances", "Reservations", page_size, InstanceIds=list(instance_ids)
    ):
        owner = str(reservation.get("OwnerId", ""))
        for instance in reservation.get("Instances", []):
            instance_id = str(instance["InstanceId"])
            listed = instance.get("NetworkInterfaces") or []
            for eni in listed:
                attachment = eni.get("Attachment") or {}
                item = {
                    **eni,
                    "OwnerId": eni.get("OwnerId", owner),
                    "Attachment": {
                        **attachment,
                        "InstanceId": instance_id,
                        "DeviceIndex": attachment.get("DeviceIndex", 0),
                    },
                }
                if "PrivateDnsName" not in item and eni.get("PrivateIpAddress") == instance.get(
                    "PrivateIpAddress"
                ):
                    item["PrivateDnsName"] = instance.get("PrivateDnsName")
                parsed = _interface(item)
                if parsed is not None:
                    found.append(parsed)
            if not listed and instance.get("SubnetId") and instance.get("PrivateIpAddress"):
                found.append(
                    NetworkInterface(
                        id=instance_id,
                        owner=owner,
                        subnet_id=str(instance["SubnetId"]),
                        private_ip=str(instance["PrivateIpAddress"]),
                        security_group_ids=tuple(
                            str(g["GroupId"]) for g in instance.get("SecurityGroups", [])
                        ),
                        private_dns_name=instance.get("PrivateDnsName") or None,
                        instance_id=instance_id,
                    )
                )
    return found


# --------------------------------------------------------------------------- calls


def _vpc_filter(vpc_ids: Collection[str] | None) -> list[dict[str, Any]]:
    return [] if vpc_ids is None else [{"Name": "vpc-id", "Values": sorted(vpc_ids)}]


def _pages(
    ec2: Ec2Api, operation: str, key: str, page_size: int | None, **params: Any
) -> Iterator[Mapping[str, Any]]:
    if not params.get("Filters", True):
        del params["Filters"]  # no filter: the whole account
    config = {"PageSize": page_size} if page_size else {}
    for page in ec2.get_paginator(operation).paginate(PaginationConfig=config, **params):
        yield from page.get(key, [])


def _peerings(
    ec2: Ec2Api, vpc_ids: Collection[str] | None, page_size: int | None
) -> list[VpcPeeringConnection]:
    key = "VpcPeeringConnections"
    if vpc_ids is None:
        items = list(_pages(ec2, "describe_vpc_peering_connections", key, page_size))
    else:
        items = []
        for side in ("requester-vpc-info.vpc-id", "accepter-vpc-info.vpc-id"):
            filters = [{"Name": side, "Values": sorted(vpc_ids)}]
            items.extend(
                _pages(ec2, "describe_vpc_peering_connections", key, page_size, Filters=filters)
            )
    return [_peering(item) for item in items]


def _with_dns_attributes(ec2: Ec2Api, vpc: Vpc) -> Vpc:
    support = ec2.describe_vpc_attribute(VpcId=vpc.id, Attribute="enableDnsSupport")
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc.id, Attribute="enableDnsHostnames")
    return Vpc(
        vpc.id,
        vpc.owner,
        vpc.cidr_blocks,
        dns_support=_attribute(support, "EnableDnsSupport"),
        dns_hostnames=_attribute(hostnames, "EnableDnsHostnames"),
    )


def _attribute(response: Mapping[str, Any], key: str) -> bool | None:
    value = (response.get(key) or {}).get("Value")
    return None if value is None else bool(value)


# --------------------------------------------------------------------------- shapes


def _vpc(item: Mapping[str, Any]) -> Vpc:
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
    return Vpc(id=str(item["VpcId"]), owner=str(item.get("OwnerId", "")), cidr_blocks=tuple(blocks))


def _subnet(item: Mapping[str, Any]) -> Subnet | None:
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


def _route_table(item: Mapping[str, Any]) -> RouteTable:
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
    routes = tuple(r for entry in item.get("Routes", []) if (r := _route(entry)) is not None)
    return RouteTable(
        id=str(item["RouteTableId"]),
        vpc_id=str(item["VpcId"]),
        owner=str(item.get("OwnerId", "")),
        routes=routes,
        main=main,
        subnet_ids=tuple(subnet_ids),
    )


def _route(entry: Mapping[str, Any]) -> Route | None:
    destination = entry.get("DestinationCidrBlock") or entry.get("DestinationIpv6CidrBlock")
    if not destination:
        return None  # a prefix-list destination: not analyzed
    target = next((str(entry[k]) for k in _ROUTE_TARGETS if entry.get(k)), "unknown")
    return Route(
        destination=str(destination),
        target=target,
        blackhole=entry.get("State") == "blackhole",
    )


def _security_group(item: Mapping[str, Any]) -> SecurityGroup:
    return SecurityGroup(
        id=str(item["GroupId"]),
        vpc_id=str(item.get("VpcId", "")),
        owner=str(item.get("OwnerId", "")),
        ingress=tuple(_rule(p) for p in item.get("IpPermissions", [])),
        egress=tuple(_rule(p) for p in item.get("IpPermissionsEgress", [])),
        name=str(item.get("GroupName", "")),
    )


def _rule(permission: Mapping[str, Any]) -> SecurityGroupRule:
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


def _peering(item: Mapping[str, Any]) -> VpcPeeringConnection:
    status: PeeringStatus = (item.get("Status") or {}).get("Code", "pending-acceptance")
    return VpcPeeringConnection(
        id=str(item["VpcPeeringConnectionId"]),
        requester=_peering_side(item.get("RequesterVpcInfo") or {}),
        accepter=_peering_side(item.get("AccepterVpcInfo") or {}),
        status=status,
    )


def _peering_side(info: Mapping[str, Any]) -> PeeringSide:
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


def _interface(item: Mapping[str, Any]) -> NetworkInterface | None:
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

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

from clusterport.network import ec2_shapes as shapes
from clusterport.network.model import (
    NetworkInterface,
    NetworkSnapshot,
    Subnet,
    Vpc,
    VpcPeeringConnection,
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
    vpcs = [
        shapes.vpc(item)
        for item in _pages(ec2, "describe_vpcs", "Vpcs", page_size, Filters=filters)
    ]
    if dns_attributes:
        vpcs = [_with_dns_attributes(ec2, vpc) for vpc in vpcs]
    subnets = [
        s
        for item in _pages(ec2, "describe_subnets", "Subnets", page_size, Filters=filters)
        if (s := shapes.subnet(item)) is not None
    ]
    tables = [
        shapes.route_table(item)
        for item in _pages(ec2, "describe_route_tables", "RouteTables", page_size, Filters=filters)
    ]
    groups = [
        shapes.security_group(item)
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
            if (eni := shapes.network_interface(item)) is not None
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
        if (s := shapes.subnet(item)) is not None
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
                parsed = shapes.network_interface(item)
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
    return [shapes.peering_connection(item) for item in items]


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

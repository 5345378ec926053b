"""VPCs and subnets, and the default VPC every account gets in every region.

A new VPC comes with its main route table (holding the ``local`` route) and
its default security group, as on AWS. A region's first EC2 use by an account
creates the default VPC ``172.31.0.0/16`` with one default ``/20`` subnet per
Availability Zone, an attached internet gateway and a ``0.0.0.0/0`` route to
it; it is created once, so deleting it is final, as on AWS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections.abc import Mapping
from typing import Any

from clusterport.errors import ServiceError, ValidationError
from clusterport.network.model import network_within, networks_overlap
from clusterport.services.base import hex_id
from clusterport.services.ec2 import gateways, peering, routes, security_groups
from clusterport.services.ec2.errors import (
    conflict,
    dependency_violation,
    invalid_combination,
    invalid_value,
    missing_parameter,
)
from clusterport.services.ec2.filters import Accessor, field
from clusterport.services.ec2.records import (
    INSTANCE,
    INTERNET_GATEWAY,
    REGION_SETUP,
    ROUTE_TABLE,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    Ec2Records,
    with_tags,
)
from clusterport.services.ec2.zones import AvailabilityZone, zones
from clusterport.store.resources import ResourceRow

DEFAULT_VPC_CIDR = "172.31.0.0/16"
DEFAULT_SUBNET_PREFIX = 20
MIN_PREFIX, MAX_PREFIX = 16, 28
#: Addresses AWS keeps in every subnet: the first four and the last.
RESERVED_ADDRESSES = 5
#: ``enableNetworkAddressUsageMetrics`` is reported, never changed.
ATTRIBUTES = ("enableDnsSupport", "enableDnsHostnames", "enableNetworkAddressUsageMetrics")

VPC_FILTERS: dict[str, Accessor] = {
    "cidr": field("CidrBlock"),
    "cidr-block-association.cidr-block": field("CidrBlockAssociationSet", "CidrBlock"),
    "cidr-block-association.association-id": field("CidrBlockAssociationSet", "AssociationId"),
    "cidr-block-association.state": field("CidrBlockAssociationSet", "CidrBlockState", "State"),
    "dhcp-options-id": field("DhcpOptionsId"),
    "ipv6-cidr-block-association.association-id": field(
        "Ipv6CidrBlockAssociationSet", "AssociationId"
    ),
    "ipv6-cidr-block-association.ipv6-cidr-block": field(
        "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock"
    ),
    "ipv6-cidr-block-association.ipv6-pool": field("Ipv6CidrBlockAssociationSet", "Ipv6Pool"),
    "ipv6-cidr-block-association.state": field(
        "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlockState", "State"
    ),
    "is-default": field("IsDefault"),
    "owner-id": field("OwnerId"),
    "state": field("State"),
    "vpc-id": field("VpcId"),
}

#: Every filter name EC2 documents for DescribeSubnets, with its documented aliases
#: (``availabilityZone``, ``availabilityZoneId``, ``cidr``/``cidrBlock``, ``defaultForAz``).
SUBNET_FILTERS: dict[str, Accessor] = {
    "availability-zone": field("AvailabilityZone"),
    "availabilityZone": field("AvailabilityZone"),
    "availability-zone-id": field("AvailabilityZoneId"),
    "availabilityZoneId": field("AvailabilityZoneId"),
    "available-ip-address-count": field("AvailableIpAddressCount"),
    "cidr": field("CidrBlock"),
    "cidr-block": field("CidrBlock"),
    "cidrBlock": field("CidrBlock"),
    "customer-owned-ipv4-pool": field("CustomerOwnedIpv4Pool"),
    "default-for-az": field("DefaultForAz"),
    "defaultForAz": field("DefaultForAz"),
    "enable-dns64": field("EnableDns64"),
    "enable-lni-at-device-index": field("EnableLniAtDeviceIndex"),
    "ipv6-cidr-block-association.association-id": field(
        "Ipv6CidrBlockAssociationSet", "AssociationId"
    ),
    "ipv6-cidr-block-association.ipv6-cidr-block": field(
        "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlock"
    ),
    "ipv6-cidr-block-association.state": field(
        "Ipv6CidrBlockAssociationSet", "Ipv6CidrBlockState", "State"
    ),
    "ipv6-native": field("Ipv6Native"),
    "map-customer-owned-ip-on-launch": field("MapCustomerOwnedIpOnLaunch"),
    "map-public-ip-on-launch": field("MapPublicIpOnLaunch"),
    "outpost-arn": field("OutpostArn"),
    "owner-id": field("OwnerId"),
    "private-dns-name-options-on-launch.enable-resource-name-dns-a-record": field(
        "PrivateDnsNameOptionsOnLaunch", "EnableResourceNameDnsARecord"
    ),
    "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record": field(
        "PrivateDnsNameOptionsOnLaunch", "EnableResourceNameDnsAAAARecord"
    ),
    "private-dns-name-options-on-launch.hostname-type": field(
        "PrivateDnsNameOptionsOnLaunch", "HostnameType"
    ),
    "state": field("State"),
    "subnet-arn": field("SubnetArn"),
    "subnet-id": field("SubnetId"),
    "vpc-id": field("VpcId"),
}


#: ``PrivateDnsNameOptionsOnLaunch`` of a new subnet, as AWS answers it.
SUBNET_DNS_NAME_OPTIONS: Mapping[str, Any] = {
    "HostnameType": "ip-name",
    "EnableResourceNameDnsARecord": False,
    "EnableResourceNameDnsAAAARecord": False,
}


def _ipv4_block(value: str | None, what: str, parameter: str) -> ipaddress.IPv4Network:
    if not value:
        raise missing_parameter(f"The request must contain the parameter {parameter}.")
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        try:
            loose = ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise invalid_value(
                f"Value ({value}) for parameter {parameter} is invalid. This is not a valid "
                f"CIDR block; write the {what} like 10.20.0.0/16."
            ) from None
        raise invalid_value(
            f"Value ({value}) for parameter {parameter} is invalid. This is not a valid CIDR "
            f"block: host bits are set; did you mean {loose}?"
        ) from None
    if not isinstance(network, ipaddress.IPv4Network):
        raise invalid_value(
            f"Value ({value}) for parameter {parameter} is invalid: the {what} must be an IPv4 "
            "block such as 10.20.0.0/16."
        )
    return network


def _range_error(code: str, value: str, what: str) -> ValidationError:
    return ValidationError(
        f"The CIDR '{value}' is invalid; a {what} block must be between /{MIN_PREFIX} and "
        f"/{MAX_PREFIX}, for example 10.20.0.0/16.",
        code=code,
    )


# --------------------------------------------------------------------------- VPCs


def create_vpc(
    rec: Ec2Records,
    cidr: str | None,
    now: dt.datetime,
    *,
    tags: Mapping[str, str] | None = None,
    tenancy: str = "default",
    is_default: bool = False,
) -> ResourceRow:
    """A VPC with its main route table and default security group."""
    network = _ipv4_block(cidr, "VPC CIDR", "cidrBlock")
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        raise _range_error("InvalidVpc.Range", str(network), "VPC")
    vpc_id = hex_id("vpc")
    data = {
        "VpcId": vpc_id,
        "OwnerId": rec.account_id,
        "CidrBlock": str(network),
        "CidrBlockAssociationSet": [
            {
                "AssociationId": hex_id("vpc-cidr-assoc"),
                "CidrBlock": str(network),
                "CidrBlockState": {"State": "associated"},
            }
        ],
        "DhcpOptionsId": default_dhcp_options_id(rec.account_id, rec.region),
        "InstanceTenancy": tenancy,
        "IsDefault": is_default,
        "EnableDnsSupport": True,
        "EnableDnsHostnames": is_default,
        "Tags": dict(tags or {}),
    }
    row = rec.add(VPC, vpc_id, data, now, state="available")
    routes.create_table(rec, vpc_id, now, main=True)
    security_groups.create_group(
        rec,
        vpc_id,
        security_groups.DEFAULT_GROUP,
        "default VPC security group",
        now,
        default=True,
    )
    return row


def delete_vpc(rec: Ec2Records, vpc_id: str, now: dt.datetime) -> None:
    """Delete a VPC that holds nothing but its main table and default group."""
    row = rec.require(VPC, vpc_id)
    blockers: list[str] = [f"subnet {s.resource_id}" for s in rec.find(SUBNET, parent_id=vpc_id)]
    blockers += [
        f"security group {g.resource_id}"
        for g in rec.find(SECURITY_GROUP, parent_id=vpc_id)
        if g.name != security_groups.DEFAULT_GROUP
    ]
    blockers += [
        f"route table {t.resource_id}"
        for t in rec.find(ROUTE_TABLE, parent_id=vpc_id)
        if not routes.is_main(t)
    ]
    blockers += [
        f"internet gateway {g.resource_id}"
        for g in rec.find(INTERNET_GATEWAY, states=["attached"])
        if gateways.attached_vpc(g) == vpc_id
    ]
    if blockers:
        raise dependency_violation(
            f"The vpc '{vpc_id}' has dependencies and cannot be deleted: "
            f"{', '.join(blockers)}; delete (or detach) them first."
        )
    peering.delete_for_vpc(rec, vpc_id, now)
    for table in rec.find(ROUTE_TABLE, parent_id=vpc_id):
        rec.delete(table)
    for group in rec.find(SECURITY_GROUP, parent_id=vpc_id):
        rec.delete(group)
    rec.delete(row)


def default_dhcp_options_id(account_id: str, region: str) -> str:
    """The ``dopt-…`` id of the account's default DHCP options set in ``region``.

    As on AWS, every VPC of an account and region starts with the same default
    set (``domain-name-servers=AmazonProvidedDNS``); the id is derived from the
    account and region, so it is stable without being stored.
    """
    digest = hashlib.sha256(f"dhcp-options:{account_id}:{region}".encode()).hexdigest()
    return f"dopt-{digest[:17]}"


def vpc_view(row: ResourceRow) -> dict[str, Any]:
    data = row.data
    dhcp = data["DhcpOptionsId"]
    if dhcp == "default":  # VPCs stored before they carried the id
        dhcp = default_dhcp_options_id(row.account_id, row.region)
    out = {
        "VpcId": row.resource_id,
        "OwnerId": data["OwnerId"],
        "CidrBlock": data["CidrBlock"],
        "CidrBlockAssociationSet": data["CidrBlockAssociationSet"],
        "DhcpOptionsId": dhcp,
        "InstanceTenancy": data["InstanceTenancy"],
        "IsDefault": data["IsDefault"],
        "State": row.state or "available",
    }
    return with_tags(out, data.get("Tags", {}))


def vpc_attribute(rec: Ec2Records, vpc_id: str, attribute: str) -> dict[str, Any]:
    row = rec.require(VPC, vpc_id)
    if attribute not in ATTRIBUTES:
        raise invalid_value(
            f"Value ({attribute}) for parameter attribute is invalid; use one of "
            f"{', '.join(ATTRIBUTES)}."
        )
    key = attribute[0].upper() + attribute[1:]
    value = bool(row.data.get(key, False))
    return {"VpcId": vpc_id, key: {"Value": value}}


def modify_vpc_attribute(
    rec: Ec2Records, vpc_id: str, params: Mapping[str, Any], now: dt.datetime
) -> None:
    row = rec.require(VPC, vpc_id)
    given = [k for k in ATTRIBUTES if params.get(k[0].upper() + k[1:]) is not None]
    if len(given) != 1:
        raise invalid_combination(
            "Modify one attribute per call: EnableDnsSupport, EnableDnsHostnames or "
            "EnableNetworkAddressUsageMetrics."
        )
    key = given[0][0].upper() + given[0][1:]
    value = params[key].get("Value")
    if value is None:
        raise missing_parameter(f"{key} needs a Value (true or false).")
    data = {**row.data, key: bool(value)}
    if key == "EnableDnsHostnames" and value and not data.get("EnableDnsSupport"):
        raise invalid_value(
            "DNS hostnames need DNS resolution: enable EnableDnsSupport on the VPC first."
        )
    if key == "EnableDnsSupport" and not value and data.get("EnableDnsHostnames"):
        raise invalid_value(
            "DNS resolution cannot be turned off while DNS hostnames are on; disable "
            "EnableDnsHostnames first."
        )
    rec.update(row, data, now)


# --------------------------------------------------------------------------- subnets


def subnet_zone(
    rec: Ec2Records, vpc_id: str, zone_name: str | None, zone_id: str | None
) -> AvailabilityZone:
    offered = zones(rec.region)
    if zone_name and zone_id:
        raise invalid_combination("Give AvailabilityZone or AvailabilityZoneId, not both.")
    if zone_name or zone_id:
        for zone in offered:
            if zone_name in (zone.name,) or zone_id in (zone.zone_id,):
                return zone
        parameter = "availabilityZone" if zone_name else "availabilityZoneId"
        raise invalid_value(
            f"Value ({zone_name or zone_id}) for parameter {parameter} is invalid. Subnets can "
            "currently only be created in the following availability zones: "
            f"{', '.join(z.name for z in offered)}."
        )
    counts = {zone.name: 0 for zone in offered}
    for subnet in rec.find(SUBNET, parent_id=vpc_id):
        counts[subnet.data["AvailabilityZone"]] = counts.get(subnet.data["AvailabilityZone"], 0) + 1
    return min(offered, key=lambda z: (counts[z.name], z.name))


def create_subnet(
    rec: Ec2Records,
    vpc_id: str,
    cidr: str | None,
    now: dt.datetime,
    *,
    zone_name: str | None = None,
    zone_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    default_for_az: bool = False,
) -> ResourceRow:
    """A subnet of ``vpc_id``: inside one of its CIDR blocks, overlapping no other subnet."""
    vpc = rec.require(VPC, vpc_id)
    network = _ipv4_block(cidr, "subnet CIDR", "cidrBlock")
    vpc_blocks = [ipaddress.ip_network(a["CidrBlock"]) for a in vpc.data["CidrBlockAssociationSet"]]
    if not any(network_within(network, block) for block in vpc_blocks):
        raise _subnet_error(
            "InvalidSubnet.Range",
            f"The CIDR '{network}' is invalid: it lies outside {vpc_id} "
            f"({', '.join(str(b) for b in vpc_blocks)}); choose a block inside the VPC.",
        )
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        raise _subnet_error(
            "InvalidSubnet.Range",
            f"The CIDR '{network}' is invalid; a subnet block must be between /{MIN_PREFIX} "
            f"and /{MAX_PREFIX}.",
        )
    for other in rec.find(SUBNET, parent_id=vpc_id):
        if networks_overlap(network, ipaddress.ip_network(other.data["CidrBlock"])):
            raise _subnet_error(
                "InvalidSubnet.Conflict",
                f"The CIDR '{network}' conflicts with another subnet: {other.resource_id} "
                f"({other.data['CidrBlock']}); choose a block that does not overlap it.",
            )
    zone = subnet_zone(rec, vpc_id, zone_name, zone_id)
    subnet_id = hex_id("subnet")
    data = {
        "SubnetId": subnet_id,
        "VpcId": vpc_id,
        "OwnerId": rec.account_id,
        "CidrBlock": str(network),
        "AvailabilityZone": zone.name,
        "AvailabilityZoneId": zone.zone_id,
        "DefaultForAz": default_for_az,
        "MapPublicIpOnLaunch": default_for_az,
        "SubnetArn": f"arn:aws:ec2:{rec.region}:{rec.account_id}:subnet/{subnet_id}",
        "Tags": dict(tags or {}),
    }
    return rec.add(SUBNET, subnet_id, data, now, state="available", parent_id=vpc_id)


def _subnet_error(code: str, message: str) -> ServiceError:
    if code == "InvalidSubnet.Conflict":
        return conflict(code, message)
    return ValidationError(message, code=code)


def delete_subnet(rec: Ec2Records, subnet_id: str, now: dt.datetime) -> None:
    row = rec.require(SUBNET, subnet_id)
    users = [
        i.resource_id for i in rec.find(INSTANCE, parent_id=subnet_id) if i.state != "terminated"
    ]
    if users:
        raise dependency_violation(
            f"The subnet '{subnet_id}' has dependencies and cannot be deleted: instances "
            f"{', '.join(users)} run in it; terminate them first."
        )
    routes.forget_subnet(rec, subnet_id, now)
    rec.delete(row)


def used_addresses(rec: Ec2Records, subnet_id: str) -> set[str]:
    """The private IPs held by the subnet's instances that are not terminated."""
    return {
        str(i.data["PrivateIpAddress"])
        for i in rec.find(INSTANCE, parent_id=subnet_id)
        if i.state != "terminated"
    }


def subnet_view(rec: Ec2Records, row: ResourceRow) -> dict[str, Any]:
    data = row.data
    size = ipaddress.ip_network(data["CidrBlock"]).num_addresses
    available = size - RESERVED_ADDRESSES - len(used_addresses(rec, row.resource_id))
    out = {
        "SubnetId": row.resource_id,
        "VpcId": data["VpcId"],
        "OwnerId": data["OwnerId"],
        "CidrBlock": data["CidrBlock"],
        "AvailabilityZone": data["AvailabilityZone"],
        "AvailabilityZoneId": data["AvailabilityZoneId"],
        "AvailableIpAddressCount": max(available, 0),
        "DefaultForAz": data["DefaultForAz"],
        "MapPublicIpOnLaunch": data["MapPublicIpOnLaunch"],
        "MapCustomerOwnedIpOnLaunch": False,
        "AssignIpv6AddressOnCreation": False,
        "Ipv6CidrBlockAssociationSet": [],
        "EnableDns64": False,
        "Ipv6Native": False,
        "PrivateDnsNameOptionsOnLaunch": dict(
            data.get("PrivateDnsNameOptionsOnLaunch") or SUBNET_DNS_NAME_OPTIONS
        ),
        "BlockPublicAccessStates": {"InternetGatewayBlockMode": "off"},
        "SubnetArn": data["SubnetArn"],
        "State": row.state or "available",
    }
    return with_tags(out, data.get("Tags", {}))


# --------------------------------------------------------------------------- default VPC


def ensure_region(rec: Ec2Records, now: dt.datetime) -> None:
    """Give the account its default VPC in this region, once."""
    if rec.get(REGION_SETUP, "default-vpc") is not None:
        return
    rec.add(REGION_SETUP, "default-vpc", {"CreatedDefaultVpc": True}, now)
    vpc = create_vpc(rec, DEFAULT_VPC_CIDR, now, is_default=True)
    base = ipaddress.ip_network(DEFAULT_VPC_CIDR)
    blocks = base.subnets(new_prefix=DEFAULT_SUBNET_PREFIX)
    for zone, block in zip(zones(rec.region), blocks, strict=False):
        create_subnet(
            rec, vpc.resource_id, str(block), now, zone_name=zone.name, default_for_az=True
        )
    gateway = gateways.create(rec, now, {})
    gateways.attach(rec, gateway.resource_id, vpc.resource_id, now)
    table = routes.main_table(rec, vpc.resource_id)
    assert table is not None  # created with the VPC
    routes.create_route(
        rec,
        table.resource_id,
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway.resource_id},
        now,
    )


def default_vpc(rec: Ec2Records) -> ResourceRow | None:
    for row in rec.find(VPC):
        if row.data.get("IsDefault"):
            return row
    return None


def require_default_vpc(rec: Ec2Records) -> ResourceRow:
    row = default_vpc(rec)
    if row is None:
        raise _no_default_vpc(rec)
    return row


def _no_default_vpc(rec: Ec2Records) -> ServiceError:
    return ValidationError(
        f"Account {rec.account_id} has no default VPC in {rec.region}; name a VpcId (or "
        "SubnetId) explicitly.",
        code="VPCIdNotSpecified",
    )


def no_default_subnet(rec: Ec2Records) -> ServiceError:
    """The error for an account whose default VPC has no default subnet left."""
    return ValidationError(
        f"Account {rec.account_id} has no default subnet in {rec.region}; name a SubnetId "
        "explicitly.",
        code="VPCIdNotSpecified",
    )

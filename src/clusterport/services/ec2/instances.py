"""Instances: the hosts of cluster nodes, placed in a subnet with security groups.

Instances are launched by other services (EMR places its nodes through
:mod:`clusterport.services.ec2.network_api`); the EC2 API describes them. Each
gets the lowest free private IP of its subnet (AWS keeps the first four
addresses and the last one), the private DNS name EC2 derives from it, and one
primary network interface. A terminated instance stays visible, without
address or interface, and its address is free again.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any

from clusterport.errors import ServiceError, ValidationError
from clusterport.services.base import hex_id
from clusterport.services.ec2 import vpcs
from clusterport.services.ec2.errors import invalid_value, not_found
from clusterport.services.ec2.filters import Accessor, field
from clusterport.services.ec2.records import INSTANCE, SECURITY_GROUP, SUBNET, Ec2Records, with_tags
from clusterport.services.ec2.zones import private_dns_name
from clusterport.store.resources import ResourceRow

STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}
DEFAULT_IMAGE_ID = "ami-0c1a2b3c4d5e6f708"

#: The interface filters EC2 documents, as paths into a ``NetworkInterface`` view.
_INTERFACE_PATHS: dict[str, tuple[str, ...]] = {
    "addresses.primary": ("PrivateIpAddresses", "Primary"),
    "addresses.private-ip-address": ("PrivateIpAddresses", "PrivateIpAddress"),
    "attachment.attachment-id": ("Attachment", "AttachmentId"),
    "attachment.delete-on-termination": ("Attachment", "DeleteOnTermination"),
    "attachment.device-index": ("Attachment", "DeviceIndex"),
    "attachment.instance-id": ("Attachment", "InstanceId"),
    "attachment.instance-owner-id": ("Attachment", "InstanceOwnerId"),
    "attachment.status": ("Attachment", "Status"),
    "availability-zone": ("AvailabilityZone",),
    "description": ("Description",),
    "group-id": ("Groups", "GroupId"),
    "group-name": ("Groups", "GroupName"),
    "interface-type": ("InterfaceType",),
    "mac-address": ("MacAddress",),
    "network-interface-id": ("NetworkInterfaceId",),
    "owner-id": ("OwnerId",),
    "private-dns-name": ("PrivateDnsName",),
    "private-ip-address": ("PrivateIpAddress",),
    "requester-managed": ("RequesterManaged",),
    "source-dest-check": ("SourceDestCheck",),
    "status": ("Status",),
    "subnet-id": ("SubnetId",),
    "vpc-id": ("VpcId",),
}

FILTERS: dict[str, Accessor] = {
    "architecture": field("Architecture"),
    "availability-zone": field("Placement", "AvailabilityZone"),
    "dns-name": field("PublicDnsName"),
    "ebs-optimized": field("EbsOptimized"),
    "ena-support": field("EnaSupport"),
    "hypervisor": field("Hypervisor"),
    "iam-instance-profile.arn": field("IamInstanceProfile", "Arn"),
    "iam-instance-profile.id": field("IamInstanceProfile", "Id"),
    "image-id": field("ImageId"),
    "instance-id": field("InstanceId"),
    "instance-state-code": field("State", "Code"),
    "instance-state-name": field("State", "Name"),
    "instance-type": field("InstanceType"),
    "instance.group-id": field("SecurityGroups", "GroupId"),
    "instance.group-name": field("SecurityGroups", "GroupName"),
    "ip-address": field("PublicIpAddress"),
    "key-name": field("KeyName"),
    "launch-index": field("AmiLaunchIndex"),
    "monitoring-state": field("Monitoring", "State"),
    "network-interface.network-interface-id": field("NetworkInterfaces", "NetworkInterfaceId"),
    **{
        f"network-interface.{name}": field("NetworkInterfaces", *path)
        for name, path in _INTERFACE_PATHS.items()
        if name not in ("network-interface-id", "availability-zone", "interface-type")
    },
    "placement-group-name": field("Placement", "GroupName"),
    "private-dns-name": field("PrivateDnsName"),
    "private-ip-address": field("PrivateIpAddress"),
    "reason": field("StateTransitionReason"),
    "reservation-id": field("ReservationId"),
    "root-device-name": field("RootDeviceName"),
    "root-device-type": field("RootDeviceType"),
    "owner-id": field("OwnerId"),
    "source-dest-check": field("SourceDestCheck"),
    "subnet-id": field("SubnetId"),
    "tenancy": field("Placement", "Tenancy"),
    "virtualization-type": field("VirtualizationType"),
    "vpc-id": field("VpcId"),
}

INTERFACE_FILTERS: dict[str, Accessor] = {
    name: field(*path) for name, path in _INTERFACE_PATHS.items()
}


def _check_state(state: str) -> None:
    if state not in STATE_CODES:
        raise ValidationError(
            f"Unknown instance state '{state}'; use one of {', '.join(STATE_CODES)}.",
            code="InvalidParameterValue",
        )


def _free_addresses(rec: Ec2Records, subnet: ResourceRow, count: int) -> list[str]:
    network = ipaddress.ip_network(subnet.data["CidrBlock"])
    used = vpcs.used_addresses(rec, subnet.resource_id)
    found: list[str] = []
    first = int(network.network_address) + 4
    last = int(network.broadcast_address) - 1
    for value in range(first, last + 1):
        address = str(ipaddress.ip_address(value))
        if address not in used:
            found.append(address)
            if len(found) == count:
                return found
    raise ServiceError(
        f"Subnet {subnet.resource_id} ({subnet.data['CidrBlock']}) has {len(found)} free "
        f"private addresses, fewer than the {count} requested; launch fewer instances or use a "
        "larger subnet.",
        code="InsufficientFreeAddressesInSubnet",
        status=400,
        sender_fault=True,
    )


def launch(
    rec: Ec2Records,
    subnet_id: str,
    security_group_ids: Sequence[str],
    count: int,
    instance_type: str,
    tags: Mapping[str, str],
    now: dt.datetime,
    *,
    state: str = "running",
    image_id: str = DEFAULT_IMAGE_ID,
) -> list[ResourceRow]:
    """``count`` instances in one reservation, with addresses from the subnet."""
    _check_state(state)
    if count < 1:
        raise invalid_value(f"Instance count {count} is invalid; launch at least one instance.")
    subnet = rec.require(SUBNET, subnet_id)
    vpc_id = str(subnet.data["VpcId"])
    groups = []
    for group_id in dict.fromkeys(security_group_ids):
        group = rec.require(SECURITY_GROUP, group_id)
        if group.data["VpcId"] != vpc_id:
            raise invalid_value(
                f"Security group {group_id} and subnet {subnet_id} belong to different networks "
                f"({group.data['VpcId']} and {vpc_id}); use groups of {vpc_id}."
            )
        groups.append({"GroupId": group_id, "GroupName": group.data["GroupName"]})
    if not groups:
        default = rec.find(SECURITY_GROUP, parent_id=vpc_id, name="default")
        groups = [{"GroupId": g.resource_id, "GroupName": "default"} for g in default]
    addresses = _free_addresses(rec, subnet, count)
    reservation_id = hex_id("r")
    rows = []
    for index, address in enumerate(addresses):
        instance_id = hex_id("i")
        data = {
            "InstanceId": instance_id,
            "ReservationId": reservation_id,
            "OwnerId": rec.account_id,
            "ImageId": image_id,
            "InstanceType": instance_type,
            "AmiLaunchIndex": index,
            "LaunchTime": now.isoformat(),
            "SubnetId": subnet_id,
            "VpcId": vpc_id,
            "AvailabilityZone": subnet.data["AvailabilityZone"],
            "PrivateIpAddress": address,
            "PrivateDnsName": private_dns_name(rec.region, address),
            "NetworkInterfaceId": hex_id("eni"),
            "AttachmentId": hex_id("eni-attach"),
            "MacAddress": _mac(instance_id),
            "SecurityGroups": groups,
            "StateTransitionReason": "",
            "Tags": dict(tags),
        }
        rows.append(rec.add(INSTANCE, instance_id, data, now, state=state, parent_id=subnet_id))
    return rows


def _mac(instance_id: str) -> str:
    digits = instance_id.removeprefix("i-")[:10].ljust(10, "0")
    return "0e:" + ":".join(digits[i : i + 2] for i in range(0, 10, 2))


def set_state(rec: Ec2Records, instance_ids: Sequence[str], state: str, now: dt.datetime) -> None:
    """Move instances to ``state``; a terminated instance stays terminated."""
    _check_state(state)
    rows = [rec.require(INSTANCE, i) for i in dict.fromkeys(instance_ids)]
    for row in rows:
        if row.state == "terminated" and state != "terminated":
            raise ServiceError(
                f"The instance '{row.resource_id}' is terminated and cannot become {state}; "
                "launch a new one.",
                code="IncorrectInstanceState",
                status=400,
                sender_fault=True,
            )
        if row.state == state:
            continue
        data = dict(row.data)
        if state in ("terminated", "shutting-down", "stopped", "stopping"):
            stamp = now.strftime("%Y-%m-%d %H:%M:%S GMT")
            data["StateTransitionReason"] = f"User initiated ({stamp})"
        rec.update(row, data, now, state=state)


def view(rec: Ec2Records, row: ResourceRow) -> dict[str, Any]:
    """The instance as ``DescribeInstances`` shows it."""
    data = row.data
    state = str(row.state)
    out: dict[str, Any] = {
        "InstanceId": row.resource_id,
        "ImageId": data["ImageId"],
        "InstanceType": data["InstanceType"],
        "AmiLaunchIndex": data["AmiLaunchIndex"],
        "LaunchTime": dt.datetime.fromisoformat(data["LaunchTime"]),
        "Placement": {
            "AvailabilityZone": data["AvailabilityZone"],
            "GroupName": "",
            "Tenancy": "default",
        },
        "State": {"Code": STATE_CODES[state], "Name": state},
        "StateTransitionReason": data.get("StateTransitionReason", ""),
        "Architecture": "x86_64",
        "Hypervisor": "xen",
        "RootDeviceType": "ebs",
        "RootDeviceName": "/dev/xvda",
        "VirtualizationType": "hvm",
        "EbsOptimized": False,
        "EnaSupport": True,
        "SourceDestCheck": True,
        "PrivateDnsName": "",
        "PublicDnsName": "",
        "ProductCodes": [],
        "BlockDeviceMappings": [],
        "NetworkInterfaces": [],
        "SecurityGroups": [],
        "Monitoring": {"State": "disabled"},
    }
    if state != "terminated":
        out.update(
            {
                "PrivateDnsName": data["PrivateDnsName"],
                "PrivateIpAddress": data["PrivateIpAddress"],
                "SubnetId": data["SubnetId"],
                "VpcId": data["VpcId"],
                "SecurityGroups": list(data["SecurityGroups"]),
                "NetworkInterfaces": [interface_view(rec, row, attached=True)],
            }
        )
    return with_tags(out, data.get("Tags", {}))


def interface_view(rec: Ec2Records, row: ResourceRow, *, attached: bool = False) -> dict[str, Any]:
    """The instance's primary network interface, as an instance or ``DescribeNetworkInterfaces``
    lists it."""
    data = row.data
    address = {
        "Primary": True,
        "PrivateIpAddress": data["PrivateIpAddress"],
        "PrivateDnsName": data["PrivateDnsName"],
    }
    out: dict[str, Any] = {
        "NetworkInterfaceId": data["NetworkInterfaceId"],
        "OwnerId": data["OwnerId"],
        "SubnetId": data["SubnetId"],
        "VpcId": data["VpcId"],
        "MacAddress": data["MacAddress"],
        "PrivateIpAddress": data["PrivateIpAddress"],
        "PrivateDnsName": data["PrivateDnsName"],
        "PrivateIpAddresses": [address],
        "Groups": list(data["SecurityGroups"]),
        "SourceDestCheck": True,
        "Status": "in-use",
        "InterfaceType": "interface",
        "Description": "",
        "Attachment": {
            "AttachmentId": data["AttachmentId"],
            "DeviceIndex": 0,
            "NetworkCardIndex": 0,
            "Status": "attached",
            "DeleteOnTermination": True,
            "AttachTime": dt.datetime.fromisoformat(data["LaunchTime"]),
        },
    }
    if not attached:
        out["Attachment"]["InstanceId"] = row.resource_id
        out["Attachment"]["InstanceOwnerId"] = data["OwnerId"]
        out["AvailabilityZone"] = data["AvailabilityZone"]
        out["RequesterManaged"] = False
    return out


def reservations(
    rows: Sequence[ResourceRow], views: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Instances grouped in their reservations, in launch order."""
    grouped: dict[str, dict[str, Any]] = {}
    for row, item in zip(rows, views, strict=True):
        reservation_id = str(row.data["ReservationId"])
        entry = grouped.setdefault(
            reservation_id,
            {
                "ReservationId": reservation_id,
                "OwnerId": row.data["OwnerId"],
                "Groups": [],
                "Instances": [],
            },
        )
        entry["Instances"].append(item)
    return list(grouped.values())


def require(rec: Ec2Records, instance_id: str) -> ResourceRow:
    row = rec.get(INSTANCE, instance_id)
    if row is None:
        raise not_found(INSTANCE, instance_id, rec.account_id, rec.region)
    return row

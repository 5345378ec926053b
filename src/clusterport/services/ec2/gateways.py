"""Internet gateways: created, attached to one VPC, routed to, detached, deleted.

They carry no traffic on this platform (clusters talk privately); they exist
so route tables and templates that name them behave as on AWS, including the
default VPC's ``0.0.0.0/0`` route.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from clusterport.services.base import hex_id
from clusterport.services.ec2.errors import conflict, dependency_violation, invalid_value
from clusterport.services.ec2.filters import Accessor, field
from clusterport.services.ec2.records import INTERNET_GATEWAY, VPC, Ec2Records, with_tags
from clusterport.store.resources import ResourceRow

FILTERS: dict[str, Accessor] = {
    "attachment.state": field("Attachments", "State"),
    "attachment.vpc-id": field("Attachments", "VpcId"),
    "internet-gateway-id": field("InternetGatewayId"),
    "owner-id": field("OwnerId"),
}


def create(rec: Ec2Records, now: dt.datetime, tags: Mapping[str, str]) -> ResourceRow:
    gateway_id = hex_id("igw")
    data = {
        "InternetGatewayId": gateway_id,
        "OwnerId": rec.account_id,
        "Attachments": [],
        "Tags": dict(tags),
    }
    return rec.add(INTERNET_GATEWAY, gateway_id, data, now, state="detached")


def attached_vpc(row: ResourceRow) -> str | None:
    attachments = row.data.get("Attachments") or []
    return str(attachments[0]["VpcId"]) if attachments else None


def attach(rec: Ec2Records, gateway_id: str, vpc_id: str, now: dt.datetime) -> None:
    row = rec.require(INTERNET_GATEWAY, gateway_id)
    rec.require(VPC, vpc_id)
    current = attached_vpc(row)
    if current is not None:
        raise conflict(
            "Resource.AlreadyAssociated",
            f"resource {gateway_id} is already attached to network {current}; detach it first.",
        )
    for other in rec.find(INTERNET_GATEWAY, states=["attached"]):
        if attached_vpc(other) == vpc_id:
            raise invalid_value(
                f"Network {vpc_id} already has an internet gateway attached "
                f"({other.resource_id}); a VPC takes one internet gateway."
            )
    data = {**row.data, "Attachments": [{"VpcId": vpc_id, "State": "available"}]}
    rec.update(row, data, now, state="attached")


def detach(rec: Ec2Records, gateway_id: str, vpc_id: str, now: dt.datetime) -> None:
    row = rec.require(INTERNET_GATEWAY, gateway_id)
    if attached_vpc(row) != vpc_id:
        raise conflict(
            "Gateway.NotAttached",
            f"resource {gateway_id} is not attached to network {vpc_id}; describe it "
            "(aws ec2 describe-internet-gateways) to see where it is attached.",
        )
    rec.update(row, {**row.data, "Attachments": []}, now, state="detached")


def delete(rec: Ec2Records, gateway_id: str) -> None:
    row = rec.require(INTERNET_GATEWAY, gateway_id)
    vpc_id = attached_vpc(row)
    if vpc_id is not None:
        raise dependency_violation(
            f"The internetGateway '{gateway_id}' has dependencies and cannot be deleted: it is "
            f"attached to {vpc_id}; detach it first."
        )
    rec.delete(row)


def view(row: ResourceRow) -> dict[str, Any]:
    out = {
        "InternetGatewayId": row.resource_id,
        "OwnerId": row.data["OwnerId"],
        "Attachments": list(row.data.get("Attachments") or []),
    }
    return with_tags(out, row.data.get("Tags", {}))

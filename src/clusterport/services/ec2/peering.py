"""VPC peering connections between VPCs of the same or different accounts and regions.

A connection is visible to both accounts, so it is stored once per side: a
row in the requester's account and region and one in the accepter's (a single
row when both are the same). The rows share everything but their ``Tags``,
which, as on AWS, only the account that set them sees. Every change goes
through :func:`_save`, which writes the shared part to each row.

Life cycle, as AWS runs it: ``pending-acceptance`` (for seven days, then
``expired``) → ``active`` by the accepter account, or ``rejected`` by it, or
``deleted`` by the requester; an active connection is ``deleted`` by either
owner. A request whose VPCs overlap, or whose peer VPC does not exist in the
peer account, goes to ``failed`` with AWS's message.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from clusterport.network.model import networks_overlap
from clusterport.services.base import hex_id
from clusterport.services.ec2.errors import (
    conflict,
    invalid_state,
    invalid_value,
    not_found,
    not_permitted,
)
from clusterport.services.ec2.filters import Accessor, field
from clusterport.services.ec2.records import PEERING, VPC, Ec2Records, rows_with_id, with_tags
from clusterport.store import versions
from clusterport.store.resources import ResourceRow

PENDING_DAYS = 7
FAILED_MESSAGE = "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range"
_LIVE = ("pending-acceptance", "active", "provisioning", "initiating-request")

FILTERS: dict[str, Accessor] = {
    "accepter-vpc-info.cidr-block": field("AccepterVpcInfo", "CidrBlockSet", "CidrBlock"),
    "accepter-vpc-info.owner-id": field("AccepterVpcInfo", "OwnerId"),
    "accepter-vpc-info.vpc-id": field("AccepterVpcInfo", "VpcId"),
    "expiration-time": field("ExpirationTime"),
    "requester-vpc-info.cidr-block": field("RequesterVpcInfo", "CidrBlockSet", "CidrBlock"),
    "requester-vpc-info.owner-id": field("RequesterVpcInfo", "OwnerId"),
    "requester-vpc-info.vpc-id": field("RequesterVpcInfo", "VpcId"),
    "status-code": field("Status", "Code"),
    "status-message": field("Status", "Message"),
    "vpc-peering-connection-id": field("VpcPeeringConnectionId"),
}


def _options(source: Mapping[str, Any] | None = None) -> dict[str, bool]:
    given = source or {}
    return {
        "AllowDnsResolutionFromRemoteVpc": bool(given.get("AllowDnsResolutionFromRemoteVpc")),
        "AllowEgressFromLocalClassicLinkToRemoteVpc": False,
        "AllowEgressFromLocalVpcToRemoteClassicLink": False,
    }


def _side(vpc: Mapping[str, Any], owner: str, region: str) -> dict[str, Any]:
    blocks = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", [])]
    return {
        "OwnerId": owner,
        "VpcId": vpc["VpcId"],
        "Region": region,
        "CidrBlock": vpc["CidrBlock"],
        "CidrBlockSet": [{"CidrBlock": b} for b in blocks],
        "PeeringOptions": _options(),
    }


def _overlap(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    nets_a = [ipaddress.ip_network(x["CidrBlock"]) for x in a["CidrBlockSet"]]
    nets_b = [ipaddress.ip_network(x["CidrBlock"]) for x in b["CidrBlockSet"]]
    return any(networks_overlap(x, y) for x in nets_a for y in nets_b)


def _shared(row: ResourceRow) -> dict[str, Any]:
    return {k: v for k, v in row.data.items() if k != "Tags"}


def _save(
    session: Session, pcx_id: str, shared: dict[str, Any], now: dt.datetime, status: str
) -> None:
    versions.bump(session, versions.NETWORK)
    for row in rows_with_id(session, PEERING, pcx_id):
        tags = dict(row.data.get("Tags", {}))
        row_data = {**shared, "Tags": tags}
        row_data["Status"] = dict(shared["Status"])
        row.data = row_data
        row.updated_at = now
        row.state = status


def _status(code: str, message: str) -> dict[str, str]:
    return {"Code": code, "Message": message}


def refresh(session: Session, row: ResourceRow, now: dt.datetime) -> None:
    """Expire a pending connection whose acceptance window has passed."""
    if row.state != "pending-acceptance":
        return
    expires = row.data.get("ExpirationTime")
    if expires and dt.datetime.fromisoformat(expires) <= now:
        shared = _shared(row)
        shared["Status"] = _status("expired", "Expired")
        _save(session, row.resource_id, shared, now, "expired")


def _visible(rec: Ec2Records, pcx_id: str, now: dt.datetime) -> ResourceRow:
    row = rec.require(PEERING, pcx_id)
    refresh(rec.session, row, now)
    return row


def create(
    rec: Ec2Records,
    vpc_id: str,
    peer_vpc_id: str | None,
    peer_owner: str | None,
    peer_region: str | None,
    now: dt.datetime,
    *,
    tags: dict[str, str],
    requester_options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Request a peering from ``vpc_id`` (the caller's) to the peer VPC."""
    vpc = rec.require(VPC, vpc_id)
    if not peer_vpc_id:
        raise invalid_value(
            "PeerVpcId is required: name the VPC to peer with (and PeerOwnerId when it belongs "
            "to another account)."
        )
    owner = peer_owner or rec.account_id
    region = peer_region or rec.region
    if peer_vpc_id == vpc_id and owner == rec.account_id and region == rec.region:
        raise invalid_value(
            f"VPC {vpc_id} cannot be peered with itself; name another VPC as PeerVpcId."
        )
    peer_rec = rec.other(owner, region)
    peer_vpc = peer_rec.get(VPC, peer_vpc_id)
    if peer_vpc is None and owner == rec.account_id and region == rec.region:
        raise not_found(VPC, peer_vpc_id, owner, region)
    for row in rec.find(PEERING, states=list(_LIVE)):
        refresh(rec.session, row, now)
        ends = {row.data["RequesterVpcInfo"]["VpcId"], row.data["AccepterVpcInfo"]["VpcId"]}
        if row.state in _LIVE and ends == {vpc_id, peer_vpc_id}:
            raise conflict(
                "VpcPeeringConnectionAlreadyExists",
                f"VPC peering connection {row.resource_id} between {vpc_id} and {peer_vpc_id} "
                f"is already {row.state}; use it, or delete it before requesting another.",
            )
    pcx_id = hex_id("pcx")
    requester = _side(vpc.data, rec.account_id, rec.region)
    requester["PeeringOptions"] = _options(requester_options)
    if peer_vpc is not None:
        accepter = _side(peer_vpc.data, owner, region)
    else:
        accepter = {"OwnerId": owner, "VpcId": peer_vpc_id, "Region": region}
    expires = now + dt.timedelta(days=PENDING_DAYS)
    if peer_vpc is None or _overlap(requester, accepter):
        status = _status("failed", FAILED_MESSAGE)
    else:
        status = _status("pending-acceptance", f"Pending Acceptance by {owner}")
    shared = {
        "VpcPeeringConnectionId": pcx_id,
        "RequesterVpcInfo": requester,
        "AccepterVpcInfo": accepter,
        "Status": status,
        "ExpirationTime": expires.isoformat(),
    }
    row = rec.add(PEERING, pcx_id, {**shared, "Tags": dict(tags)}, now, state=status["Code"])
    if peer_vpc is not None and (owner, region) != (rec.account_id, rec.region):
        peer_rec.add(PEERING, pcx_id, {**shared, "Tags": {}}, now, state=status["Code"])
    return view(row)


def accept(rec: Ec2Records, pcx_id: str, now: dt.datetime) -> dict[str, Any]:
    """Accept a pending connection; only the accepter account (in its region) may."""
    row = _visible(rec, pcx_id, now)
    shared = _shared(row)
    accepter = shared["AccepterVpcInfo"]
    if (accepter["OwnerId"], accepter.get("Region")) != (rec.account_id, rec.region):
        raise not_permitted(
            f"Account {rec.account_id} is the requester of VPC peering connection {pcx_id}; "
            f"only the accepter account {accepter['OwnerId']} can accept it (in region "
            f"{accepter.get('Region')}): aws ec2 accept-vpc-peering-connection "
            f"--vpc-peering-connection-id {pcx_id} with that account's credentials."
        )
    _require_state(row, "pending-acceptance", "accept")
    for vpc_info, owner_rec in (
        (
            shared["RequesterVpcInfo"],
            rec.other(shared["RequesterVpcInfo"]["OwnerId"], shared["RequesterVpcInfo"]["Region"]),
        ),
        (accepter, rec),
    ):
        if owner_rec.get(VPC, vpc_info["VpcId"]) is None:
            raise not_found(VPC, vpc_info["VpcId"], owner_rec.account_id, owner_rec.region)
    shared["Status"] = _status("active", "Active")
    _save(rec.session, pcx_id, shared, now, "active")
    return view(row)


def reject(rec: Ec2Records, pcx_id: str, now: dt.datetime) -> None:
    """Reject a pending connection; only the accepter account may."""
    row = _visible(rec, pcx_id, now)
    shared = _shared(row)
    accepter = shared["AccepterVpcInfo"]
    if (accepter["OwnerId"], accepter.get("Region")) != (rec.account_id, rec.region):
        raise not_permitted(
            f"Account {rec.account_id} requested VPC peering connection {pcx_id}; only the "
            f"accepter account {accepter['OwnerId']} can reject it. To withdraw your request, "
            f"delete it: aws ec2 delete-vpc-peering-connection --vpc-peering-connection-id "
            f"{pcx_id}"
        )
    _require_state(row, "pending-acceptance", "reject")
    shared["Status"] = _status("rejected", f"Rejected by {rec.account_id}")
    _save(rec.session, pcx_id, shared, now, "rejected")


def delete(rec: Ec2Records, pcx_id: str, now: dt.datetime) -> None:
    """Delete an active connection (either owner) or withdraw a pending request (requester)."""
    row = _visible(rec, pcx_id, now)
    shared = _shared(row)
    requester = shared["RequesterVpcInfo"]
    is_requester = (requester["OwnerId"], requester["Region"]) == (rec.account_id, rec.region)
    if row.state == "pending-acceptance" and not is_requester:
        raise not_permitted(
            f"VPC peering connection {pcx_id} is pending acceptance by your account "
            f"{rec.account_id}; reject it instead: aws ec2 reject-vpc-peering-connection "
            f"--vpc-peering-connection-id {pcx_id}"
        )
    if row.state not in ("active", "pending-acceptance"):
        raise invalid_state(
            f"Invalid state transition for {pcx_id}, attempted to transition from {row.state} "
            f"to deleted; only active or pending-acceptance connections can be deleted."
        )
    shared["Status"] = _status("deleted", f"Deleted by {rec.account_id}")
    _save(rec.session, pcx_id, shared, now, "deleted")


def delete_for_vpc(rec: Ec2Records, vpc_id: str, now: dt.datetime) -> None:
    """Delete the live connections of a VPC that is being deleted."""
    for row in rec.find(PEERING, states=list(_LIVE)):
        shared = _shared(row)
        ends = (shared["RequesterVpcInfo"]["VpcId"], shared["AccepterVpcInfo"]["VpcId"])
        if vpc_id in ends:
            shared["Status"] = _status("deleted", f"Deleted by {rec.account_id}")
            _save(rec.session, row.resource_id, shared, now, "deleted")


def modify_options(
    rec: Ec2Records,
    pcx_id: str,
    requester_options: Mapping[str, Any] | None,
    accepter_options: Mapping[str, Any] | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """Change each side's options; each side only by its owner, only while active."""
    row = _visible(rec, pcx_id, now)
    if requester_options is None and accepter_options is None:
        raise invalid_value(
            "Give RequesterPeeringConnectionOptions or AccepterPeeringConnectionOptions "
            "(for example AllowDnsResolutionFromRemoteVpc=true)."
        )
    if row.state != "active":
        raise not_permitted(
            f"VPC peering connection {pcx_id} is {row.state}; its options can be changed only "
            "while it is active, so have the accepter account accept it first."
        )
    shared = _shared(row)
    result: dict[str, Any] = {}
    for key, role, given in (
        ("RequesterVpcInfo", "requester", requester_options),
        ("AccepterVpcInfo", "accepter", accepter_options),
    ):
        if given is None:
            continue
        side = dict(shared[key])
        if (side["OwnerId"], side.get("Region")) != (rec.account_id, rec.region):
            raise not_permitted(
                f"The {role} VPC {side['VpcId']} of {pcx_id} belongs to account "
                f"{side['OwnerId']}; only that account can set "
                f"{role.capitalize()}PeeringConnectionOptions. Set the options of your own side "
                f"instead."
            )
        options = dict(side.get("PeeringOptions") or _options())
        for option in ("AllowDnsResolutionFromRemoteVpc",):
            if option in given:
                options[option] = bool(given[option])
        side["PeeringOptions"] = options
        shared[key] = side
        result[f"{role.capitalize()}PeeringConnectionOptions"] = dict(options)
    _save(rec.session, pcx_id, shared, now, str(row.state))
    return result


def _require_state(row: ResourceRow, wanted: str, action: str) -> None:
    if row.state != wanted:
        raise invalid_state(
            f"Invalid state transition for {row.resource_id}, attempted to {action} it while it "
            f"is {row.state}; only a {wanted} connection can be {action}ed. Request a new "
            "connection if this one is no longer usable."
        )


def view(row: ResourceRow) -> dict[str, Any]:
    """The connection as ``DescribeVpcPeeringConnections`` shows it to the row's account."""
    data = row.data
    accepter = dict(data["AccepterVpcInfo"])
    if row.state != "active":
        accepter.pop("CidrBlock", None)
        accepter.pop("CidrBlockSet", None)
    out: dict[str, Any] = {
        "VpcPeeringConnectionId": row.resource_id,
        "RequesterVpcInfo": data["RequesterVpcInfo"],
        "AccepterVpcInfo": accepter,
        "Status": data["Status"],
    }
    if row.state == "pending-acceptance":
        out["ExpirationTime"] = dt.datetime.fromisoformat(data["ExpirationTime"])
    return with_tags(out, data.get("Tags", {}))


def describe(rec: Ec2Records, ids: list[str] | None, now: dt.datetime) -> list[dict[str, Any]]:
    """The connections the account sees in this region (or those named)."""
    rows = rec.select(PEERING, ids)
    for row in rows:
        refresh(rec.session, row, now)
    return [view(r) for r in rows]


def active_between(rec: Ec2Records, vpc_a: str, vpc_b: str) -> ResourceRow | None:
    """The account's active connection joining ``vpc_a`` and ``vpc_b``, if any."""
    for row in rec.find(PEERING, states=["active"]):
        ends = {row.data["RequesterVpcInfo"]["VpcId"], row.data["AccepterVpcInfo"]["VpcId"]}
        if ends == {vpc_a, vpc_b}:
            return row
    return None


def status_of(session: Session, pcx_id: str) -> str | None:
    """The status of any account's connection ``pcx_id`` (``None`` if unknown)."""
    rows = rows_with_id(session, PEERING, pcx_id)
    return str(rows[0].state) if rows else None

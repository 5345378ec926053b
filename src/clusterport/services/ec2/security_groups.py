"""Security groups and their rules.

A group's rules are kept one peer per rule, each with its ``sgr-`` id, the way
``DescribeSecurityGroupRules`` lists them; ``IpPermissions`` views are built
from them by grouping rules with the same protocol and ports. Group references
(``UserIdGroupPairs``) may name a group of another account (``UserId``) or of a
peer VPC; such a reference needs an active peering connection between the two
VPCs, as on AWS.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clusterport.errors import LimitExceededError, NotFoundError, ValidationError
from clusterport.services.base import hex_id
from clusterport.services.ec2 import peering
from clusterport.services.ec2.errors import (
    conflict,
    dependency_violation,
    invalid_value,
    missing_parameter,
    not_found,
    unsupported,
)
from clusterport.services.ec2.filters import Accessor, field
from clusterport.services.ec2.records import (
    INSTANCE,
    SECURITY_GROUP,
    VPC,
    Ec2Records,
    with_tags,
)
from clusterport.store.resources import ResourceRow

RULES_PER_DIRECTION = 60
_GROUP_ID = re.compile(r"sg-[0-9a-fA-F]+")
DEFAULT_GROUP = "default"

_PROTOCOLS: Mapping[str, str] = {
    "tcp": "tcp",
    "6": "tcp",
    "udp": "udp",
    "17": "udp",
    "icmp": "icmp",
    "1": "icmp",
    "icmpv6": "icmpv6",
    "58": "icmpv6",
    "-1": "-1",
    "all": "-1",
}

_PERMISSION_FILTERS = {
    "cidr": ("IpRanges", "CidrIp"),
    "ipv6-cidr": ("Ipv6Ranges", "CidrIpv6"),
    "group-id": ("UserIdGroupPairs", "GroupId"),
    "group-name": ("UserIdGroupPairs", "GroupName"),
    "user-id": ("UserIdGroupPairs", "UserId"),
    "prefix-list-id": ("PrefixListIds", "PrefixListId"),
}


def _group_filters() -> dict[str, Accessor]:
    filters: dict[str, Accessor] = {
        "description": field("Description"),
        "group-id": field("GroupId"),
        "group-name": field("GroupName"),
        "owner-id": field("OwnerId"),
        "vpc-id": field("VpcId"),
    }
    for prefix, key in (
        ("ip-permission", "IpPermissions"),
        ("egress.ip-permission", "IpPermissionsEgress"),
    ):
        filters[f"{prefix}.protocol"] = field(key, "IpProtocol")
        filters[f"{prefix}.from-port"] = field(key, "FromPort")
        filters[f"{prefix}.to-port"] = field(key, "ToPort")
        for name, (listed, member) in _PERMISSION_FILTERS.items():
            filters[f"{prefix}.{name}"] = field(key, listed, member)
    return filters


FILTERS: Mapping[str, Accessor] = _group_filters()

RULE_FILTERS: Mapping[str, Accessor] = {
    "group-id": field("GroupId"),
    "security-group-rule-id": field("SecurityGroupRuleId"),
}


# --------------------------------------------------------------------------- groups


def group_arn(rec: Ec2Records, group_id: str) -> str:
    return f"arn:aws:ec2:{rec.region}:{rec.account_id}:security-group/{group_id}"


def _rule_id() -> str:
    return hex_id("sgr")


def create_group(
    rec: Ec2Records,
    vpc_id: str,
    name: str,
    description: str,
    now: dt.datetime,
    *,
    tags: Mapping[str, str] | None = None,
    default: bool = False,
) -> ResourceRow:
    """A new group in ``vpc_id`` with AWS's initial rules.

    A VPC's default group allows all traffic in from itself; every group starts
    with an egress rule allowing all traffic to ``0.0.0.0/0``.
    """
    rec.require(VPC, vpc_id)
    if not default:
        _check_new_name(rec, vpc_id, name)
    if not description:
        raise missing_parameter("The request must contain the parameter GroupDescription.")
    group_id = hex_id("sg")
    rules: list[dict[str, Any]] = []
    if default:
        rules.append(
            {
                "SecurityGroupRuleId": _rule_id(),
                "IsEgress": False,
                "IpProtocol": "-1",
                "FromPort": -1,
                "ToPort": -1,
                "ReferencedGroupInfo": {"GroupId": group_id, "UserId": rec.account_id},
                "Tags": {},
            }
        )
    rules.append(
        {
            "SecurityGroupRuleId": _rule_id(),
            "IsEgress": True,
            "IpProtocol": "-1",
            "FromPort": -1,
            "ToPort": -1,
            "CidrIpv4": "0.0.0.0/0",
            "Tags": {},
        }
    )
    data = {
        "GroupId": group_id,
        "GroupName": name,
        "Description": description,
        "VpcId": vpc_id,
        "OwnerId": rec.account_id,
        "Rules": rules,
        "Tags": dict(tags or {}),
    }
    return rec.add(SECURITY_GROUP, group_id, data, now, name=name, parent_id=vpc_id)


def _check_new_name(rec: Ec2Records, vpc_id: str, name: str) -> None:
    if not name:
        raise missing_parameter("The request must contain the parameter GroupName.")
    if name == DEFAULT_GROUP:
        raise conflict(
            "InvalidGroup.Reserved",
            "The security group 'default' is reserved; every VPC has its own default group "
            "already. Choose another GroupName.",
        )
    if name.lower().startswith("sg-"):
        raise invalid_value(
            f"Group names may not be in the format sg-*; '{name}' looks like a group id. "
            "Choose another GroupName."
        )
    if rec.find(SECURITY_GROUP, parent_id=vpc_id, name=name):
        raise conflict(
            "InvalidGroup.Duplicate",
            f"The security group '{name}' already exists for VPC '{vpc_id}'; choose another "
            "GroupName or use the existing group.",
        )


def default_vpc_id(rec: Ec2Records) -> str | None:
    for row in rec.find(VPC):
        if row.data.get("IsDefault"):
            return row.resource_id
    return None


def resolve_group(rec: Ec2Records, group_id: str | None, group_name: str | None) -> ResourceRow:
    """The group named by id, or by name in the default VPC (as EC2 reads ``GroupName``)."""
    if group_id:
        return rec.require(SECURITY_GROUP, group_id)
    if not group_name:
        raise missing_parameter(
            "The request must contain the parameter groupId (or GroupName for a group of the "
            "default VPC)."
        )
    vpc_id = default_vpc_id(rec)
    rows = rec.find(SECURITY_GROUP, parent_id=vpc_id, name=group_name) if vpc_id else []
    if not rows:
        raise not_found(SECURITY_GROUP, group_name, rec.account_id, rec.region)
    return rows[0]


def delete_group(rec: Ec2Records, row: ResourceRow) -> None:
    """Delete a group no rule and no instance refers to; the default group stays."""
    group_id = row.resource_id
    if row.name == DEFAULT_GROUP:
        raise conflict(
            "CannotDelete",
            f'the specified group: "{group_id}" name: "default" cannot be deleted by a user; '
            "it goes when its VPC is deleted.",
        )
    for other in rec.find(SECURITY_GROUP):
        if other.resource_id == group_id:
            continue
        for rule in other.data["Rules"]:
            if (rule.get("ReferencedGroupInfo") or {}).get("GroupId") == group_id:
                raise dependency_violation(
                    f"resource {group_id} has a dependent object: rule "
                    f"{rule['SecurityGroupRuleId']} of {other.resource_id} refers to it; "
                    "revoke that rule first."
                )
    for instance in rec.find(INSTANCE):
        if instance.state == "terminated":
            continue
        if group_id in [g["GroupId"] for g in instance.data.get("SecurityGroups", [])]:
            raise dependency_violation(
                f"resource {group_id} has a dependent object: instance {instance.resource_id} "
                "uses it; terminate the instance first."
            )
    rec.delete(row)


# --------------------------------------------------------------------------- rules in


def _protocol(value: Any) -> str:
    text = str(value if value is not None else "").strip().lower()
    if text in _PROTOCOLS:
        return _PROTOCOLS[text]
    if text.isdigit() and 0 <= int(text) <= 255:
        return str(int(text))
    raise invalid_value(
        f"Invalid value '{value}' for IP protocol. Unknown protocol; use tcp, udp, icmp, "
        "icmpv6, -1 (all) or a protocol number 0-255."
    )


def _ports(protocol: str, from_port: Any, to_port: Any) -> tuple[int, int]:
    if protocol == "-1":
        return -1, -1
    if protocol in ("tcp", "udp"):
        if from_port is None or to_port is None:
            raise invalid_value(
                f"Invalid value 'Must specify both from and to ports with TCP/UDP.' for "
                f"portRange; give FromPort and ToPort for {protocol}."
            )
        low, high = int(from_port), int(to_port)
        if not (0 <= low <= 65535 and 0 <= high <= 65535) or low > high:
            raise invalid_value(
                f"Invalid {protocol.upper()} port range {low}-{high}; ports run from 0 to 65535 "
                "and FromPort must not exceed ToPort."
            )
        return low, high
    low = -1 if from_port is None else int(from_port)
    high = -1 if to_port is None else int(to_port)
    return low, high


def _cidr(value: str, version: int, what: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        network = None
    if network is None or network.version != version:
        example = "10.20.0.0/16" if version == 4 else "2600:1f18::/56"
        raise invalid_value(f"CIDR block {value} is malformed; write {what} like {example}.")
    if str(network) != value:
        raise invalid_value(
            f"CIDR block {value} is malformed: it has host bits set; did you mean {network}?"
        )
    return str(network)


def parse_permissions(
    rec: Ec2Records,
    group: ResourceRow,
    permissions: Sequence[Mapping[str, Any]],
    egress: bool,
    *,
    resolve: bool = True,
) -> list[dict[str, Any]]:
    """One rule dict (without id) per peer of each ``IpPermission``.

    With ``resolve`` (authorizing), referenced groups must exist and be
    reachable from this group's VPC; without it (revoking), they are matched
    by id as given.
    """
    rules: list[dict[str, Any]] = []
    for permission in permissions:
        protocol = _protocol(permission.get("IpProtocol"))
        low, high = _ports(protocol, permission.get("FromPort"), permission.get("ToPort"))
        base = {"IsEgress": egress, "IpProtocol": protocol, "FromPort": low, "ToPort": high}
        peers: list[dict[str, Any]] = []
        for item in permission.get("IpRanges") or ():
            peers.append(
                {"CidrIpv4": _cidr(str(item.get("CidrIp", "")), 4, "CidrIp"), **_description(item)}
            )
        for item in permission.get("Ipv6Ranges") or ():
            peers.append(
                {
                    "CidrIpv6": _cidr(str(item.get("CidrIpv6", "")), 6, "CidrIpv6"),
                    **_description(item),
                }
            )
        if permission.get("PrefixListIds"):
            raise unsupported(
                "Prefix lists are not offered on this platform; allow the CIDR blocks "
                "(IpRanges) or security groups (UserIdGroupPairs) instead."
            )
        for pair in permission.get("UserIdGroupPairs") or ():
            reference = _reference(rec, group, pair, resolve)
            peers.append({"ReferencedGroupInfo": reference, **_description(pair)})
        if not peers:
            raise missing_parameter(
                "The permission names no source or destination; give IpRanges, Ipv6Ranges or "
                "UserIdGroupPairs (or CidrIp / SourceSecurityGroupName)."
            )
        rules.extend({**base, **peer} for peer in peers)
    return rules


def _description(item: Mapping[str, Any]) -> dict[str, str]:
    text = item.get("Description")
    return {"Description": str(text)} if text else {}


def _reference(
    rec: Ec2Records, group: ResourceRow, pair: Mapping[str, Any], resolve: bool
) -> dict[str, Any]:
    group_id = str(pair.get("GroupId") or "")
    owner = str(pair.get("UserId") or "")
    if "/" in group_id:  # the console's "<account>/<group>" form
        owner, _, group_id = group_id.partition("/")
    owner = owner or rec.account_id
    own_vpc = str(group.data["VpcId"])
    if not group_id:
        name = pair.get("GroupName")
        if not name:
            raise missing_parameter(
                "A UserIdGroupPair names no group; give its GroupId (and UserId for another "
                "account's group)."
            )
        if owner != rec.account_id:
            raise invalid_value(
                f"Refer to account {owner}'s group by GroupId, not by name ('{name}'): group "
                "names are not unique across accounts."
            )
        rows = rec.find(SECURITY_GROUP, parent_id=own_vpc, name=str(name))
        if not rows:
            raise not_found(SECURITY_GROUP, str(name), rec.account_id, rec.region)
        group_id = rows[0].resource_id
    reference: dict[str, Any] = {"GroupId": group_id, "UserId": owner}
    if not resolve:
        return reference
    target_rec = rec.other(owner)
    target = target_rec.get(SECURITY_GROUP, group_id)
    if target is None:
        raise not_found(SECURITY_GROUP, group_id, owner, rec.region)
    target_vpc = str(target.data["VpcId"])
    if target_vpc != own_vpc:
        link = peering.active_between(rec, own_vpc, target_vpc)
        if link is None:
            raise not_found_networks(group.resource_id, own_vpc, group_id, target_vpc, owner)
        reference["VpcId"] = target_vpc
        reference["VpcPeeringConnectionId"] = link.resource_id
    return reference


def not_found_networks(
    group_id: str, own_vpc: str, other_group: str, other_vpc: str, owner: str
) -> NotFoundError:
    """AWS's answer to a reference across VPCs without an active peering connection."""
    return NotFoundError(
        f"You have specified two resources that belong to different networks: {group_id} is in "
        f"{own_vpc}, {other_group} (account {owner}) is in {other_vpc}. A group of another VPC "
        "can be referenced only across an active VPC peering connection between the two VPCs; "
        "peer them (and accept the peering) first, or allow the peer VPC's CIDR block instead.",
        code="InvalidGroup.NotFound",
    )


def flat_permission(params: Mapping[str, Any], owner: str) -> list[dict[str, Any]]:
    """The legacy flat parameters (``IpProtocol``, ``CidrIp``, ``SourceSecurityGroupName`` …)."""
    cidr = params.get("CidrIp")
    source_name = params.get("SourceSecurityGroupName")
    source_owner = params.get("SourceSecurityGroupOwnerId")
    protocol = params.get("IpProtocol")
    if cidr is None and source_name is None and protocol is None:
        return []
    permission: dict[str, Any] = {
        "IpProtocol": "-1" if protocol is None else protocol,
        "FromPort": params.get("FromPort"),
        "ToPort": params.get("ToPort"),
    }
    if source_name is not None and protocol is None:
        permission["FromPort"] = permission["ToPort"] = None
    if cidr is not None:
        permission["IpRanges"] = [{"CidrIp": cidr}]
    if source_name is not None:
        pair: dict[str, Any] = {"UserId": source_owner or owner}
        if str(source_name).startswith("sg-") or "/sg-" in str(source_name):
            pair["GroupId"] = source_name
        else:
            pair["GroupName"] = source_name
        permission["UserIdGroupPairs"] = [pair]
    if cidr is None and source_name is None:
        raise missing_parameter(
            "The request names no source; give CidrIp, SourceSecurityGroupName or IpPermissions."
        )
    return [permission]


def rule_key(rule: Mapping[str, Any]) -> tuple[Any, ...]:
    """What makes two rules the same rule: direction, protocol, ports and peer."""
    reference = rule.get("ReferencedGroupInfo") or {}
    peer = (
        rule.get("CidrIpv4")
        or rule.get("CidrIpv6")
        or rule.get("PrefixListId")
        or reference.get("GroupId")
    )
    return (rule["IsEgress"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"], peer)


def _rule_text(rule: Mapping[str, Any]) -> str:
    key = rule_key(rule)
    protocol = "ALL" if key[1] == "-1" else key[1].upper()
    return f'"peer: {key[4]}, {protocol}, from port: {key[2]}, to port: {key[3]}, ALLOW"'


def authorize(
    rec: Ec2Records,
    group: ResourceRow,
    permissions: Sequence[Mapping[str, Any]],
    egress: bool,
    now: dt.datetime,
    *,
    tags: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Add the rules (all or none) and return them as ``SecurityGroupRule`` views."""
    new = parse_permissions(rec, group, permissions, egress)
    existing = list(group.data["Rules"])
    seen = {rule_key(r) for r in existing}
    for rule in new:
        if rule_key(rule) in seen:
            raise conflict(
                "InvalidPermission.Duplicate",
                f"the specified rule {_rule_text(rule)} already exists in {group.resource_id}; "
                "describe the group's rules (aws ec2 describe-security-group-rules) and leave "
                "this one out.",
            )
        seen.add(rule_key(rule))
    count = sum(1 for r in existing if r["IsEgress"] == egress) + len(new)
    if count > RULES_PER_DIRECTION:
        raise LimitExceededError(
            f"The maximum number of rules per security group has been reached: "
            f"{RULES_PER_DIRECTION} {'outbound' if egress else 'inbound'} rules; combine rules "
            "into wider CIDR blocks or use another group.",
            code="RulesPerSecurityGroupLimitExceeded",
        )
    added = [{**rule, "SecurityGroupRuleId": _rule_id(), "Tags": dict(tags or {})} for rule in new]
    rec.update(group, {**group.data, "Rules": existing + added}, now)
    return [rule_view(rec, group, r) for r in added]


def revoke(
    rec: Ec2Records,
    group: ResourceRow,
    permissions: Sequence[Mapping[str, Any]],
    rule_ids: Sequence[str],
    egress: bool,
    now: dt.datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Remove rules by properties or ids; returns (revoked rules, unknown permissions).

    In a default VPC unmatched permissions are returned as unknown; elsewhere
    they fail the call with ``InvalidPermission.NotFound`` and nothing changes.
    """
    existing = list(group.data["Rules"])
    doomed: list[dict[str, Any]] = []
    unknown: list[dict[str, Any]] = []
    by_id = {r["SecurityGroupRuleId"]: r for r in existing if r["IsEgress"] == egress}
    for rule_id in rule_ids:
        rule = by_id.get(rule_id)
        if rule is None:
            raise not_found("security-group-rule", rule_id, rec.account_id, rec.region)
        doomed.append(rule)
    by_key = {rule_key(r): r for r in existing}
    is_default_vpc = bool(rec.require(VPC, str(group.data["VpcId"])).data.get("IsDefault"))
    for permission in permissions:
        for wanted in parse_permissions(rec, group, [permission], egress, resolve=False):
            found = by_key.get(rule_key(wanted))
            if found is None:
                if not is_default_vpc:
                    raise not_found_permission(group.resource_id, wanted)
                unknown.append(_permission_of(wanted))
            elif found not in doomed:
                doomed.append(found)
    kept = [r for r in existing if r not in doomed]
    rec.update(group, {**group.data, "Rules": kept}, now)
    return [rule_view(rec, group, r) for r in doomed], unknown


def not_found_permission(group_id: str, rule: Mapping[str, Any]) -> NotFoundError:
    """``InvalidPermission.NotFound`` for a rule the group does not have."""
    return NotFoundError(
        f"The specified rule {_rule_text(rule)} does not exist in this security group "
        f"({group_id}); describe its rules (aws ec2 describe-security-group-rules --filters "
        f"Name=group-id,Values={group_id}) and revoke one that exists, or revoke by "
        "--security-group-rule-ids.",
        code="InvalidPermission.NotFound",
    )


# --------------------------------------------------------------------------- views


def _permission_of(rule: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"IpProtocol": rule["IpProtocol"]}
    if rule["IpProtocol"] != "-1":
        out["FromPort"] = rule["FromPort"]
        out["ToPort"] = rule["ToPort"]
    out["IpRanges"] = []
    out["Ipv6Ranges"] = []
    out["PrefixListIds"] = []
    out["UserIdGroupPairs"] = []
    description = {"Description": rule["Description"]} if rule.get("Description") else {}
    if rule.get("CidrIpv4"):
        out["IpRanges"].append({"CidrIp": rule["CidrIpv4"], **description})
    elif rule.get("CidrIpv6"):
        out["Ipv6Ranges"].append({"CidrIpv6": rule["CidrIpv6"], **description})
    elif rule.get("PrefixListId"):
        out["PrefixListIds"].append({"PrefixListId": rule["PrefixListId"], **description})
    else:
        reference = dict(rule.get("ReferencedGroupInfo") or {})
        if reference.get("VpcPeeringConnectionId"):
            reference["PeeringStatus"] = "active"
        out["UserIdGroupPairs"].append({**reference, **description})
    return out


def permissions(rules: Iterable[Mapping[str, Any]], egress: bool) -> list[dict[str, Any]]:
    """``IpPermissions`` (or ``IpPermissionsEgress``): rules grouped by protocol and ports."""
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rule in rules:
        if rule["IsEgress"] != egress:
            continue
        key = (rule["IpProtocol"], rule["FromPort"], rule["ToPort"])
        single = _permission_of(rule)
        if key not in grouped:
            grouped[key] = single
            continue
        target = grouped[key]
        for part in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
            target[part].extend(single[part])
    return list(grouped.values())


def group_view(rec: Ec2Records, row: ResourceRow) -> dict[str, Any]:
    """The group as ``DescribeSecurityGroups`` shows it."""
    data = row.data
    out = {
        "GroupId": row.resource_id,
        "GroupName": data["GroupName"],
        "Description": data["Description"],
        "VpcId": data["VpcId"],
        "OwnerId": data["OwnerId"],
        "IpPermissions": permissions(data["Rules"], egress=False),
        "IpPermissionsEgress": permissions(data["Rules"], egress=True),
        "SecurityGroupArn": group_arn(rec, row.resource_id),
    }
    return with_tags(out, data.get("Tags", {}))


def rule_view(rec: Ec2Records, group: ResourceRow, rule: Mapping[str, Any]) -> dict[str, Any]:
    """One rule as ``DescribeSecurityGroupRules`` shows it."""
    out: dict[str, Any] = {
        "SecurityGroupRuleId": rule["SecurityGroupRuleId"],
        "GroupId": group.resource_id,
        "GroupOwnerId": group.data["OwnerId"],
        "IsEgress": rule["IsEgress"],
        "IpProtocol": rule["IpProtocol"],
        "FromPort": rule["FromPort"],
        "ToPort": rule["ToPort"],
        "SecurityGroupRuleArn": (
            f"arn:aws:ec2:{rec.region}:{group.data['OwnerId']}:security-group-rule/"
            f"{rule['SecurityGroupRuleId']}"
        ),
    }
    for key in ("CidrIpv4", "CidrIpv6", "PrefixListId", "ReferencedGroupInfo", "Description"):
        if rule.get(key):
            out[key] = rule[key]
    return with_tags(out, rule.get("Tags", {}))


def check_group_id_filters(filters: Sequence[Mapping[str, Any]] | None) -> None:
    """``InvalidGroupId.Malformed`` for a ``group-id`` filter value that cannot be a group id.

    AWS checks the shape of the ids a ``group-id`` filter names before it looks
    for rules (a well-formed id of no group simply matches nothing).
    """
    for spec in filters or ():
        if spec.get("Name") != "group-id":
            continue
        for value in spec.get("Values") or ():
            text = str(value)
            if not _GROUP_ID.fullmatch(text) and not any(c in text for c in "*?"):
                raise ValidationError(
                    f"The security group ID '{text}' is malformed; a group id reads "
                    "'sg-' and hexadecimal digits (list them with: aws ec2 "
                    "describe-security-groups).",
                    code="InvalidGroupId.Malformed",
                )


def all_rules(rec: Ec2Records) -> list[tuple[ResourceRow, dict[str, Any]]]:
    """Every rule of every group of the account, with its group."""
    return [(row, rule) for row in rec.find(SECURITY_GROUP) for rule in row.data["Rules"]]


def find_rule(rec: Ec2Records, rule_id: str) -> tuple[ResourceRow, dict[str, Any]]:
    for row, rule in all_rules(rec):
        if rule["SecurityGroupRuleId"] == rule_id:
            return row, rule
    raise not_found("security-group-rule", rule_id, rec.account_id, rec.region)


def set_rule_tags(rec: Ec2Records, rule_id: str, tags: Mapping[str, str], now: dt.datetime) -> None:
    """Replace the tags of one rule."""
    group, _ = find_rule(rec, rule_id)
    rules = [
        {**r, "Tags": dict(tags)} if r["SecurityGroupRuleId"] == rule_id else r
        for r in group.data["Rules"]
    ]
    rec.update(group, {**group.data, "Rules": rules}, now)


_REVOKED_KEYS = (
    "SecurityGroupRuleId",
    "GroupId",
    "IsEgress",
    "IpProtocol",
    "FromPort",
    "ToPort",
    "CidrIpv4",
    "CidrIpv6",
    "PrefixListId",
    "Description",
)


def revoked_view(rule: Mapping[str, Any]) -> dict[str, Any]:
    """A revoked rule (from :func:`rule_view`) as ``RevokedSecurityGroupRules`` lists it."""
    out = {k: rule[k] for k in _REVOKED_KEYS if k in rule}
    reference = rule.get("ReferencedGroupInfo")
    if reference:
        out["ReferencedGroupId"] = reference["GroupId"]
    return out

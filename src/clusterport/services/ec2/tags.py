"""Tags on any EC2 resource: ``CreateTags``, ``DeleteTags``, ``DescribeTags``.

Every resource keeps its tags in its document; security group rules keep
theirs inside their group. Tags on a VPC peering connection are the caller's
own (each side's account sees the tags it set), as on AWS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from clusterport.errors import LimitExceededError, ValidationError
from clusterport.services.ec2 import security_groups
from clusterport.services.ec2.filters import Accessor, field
from clusterport.services.ec2.records import KIND_OF_PREFIX, Ec2Records, kind_of

MAX_TAGS = 50
RULE_PREFIX = "sgr-"

FILTERS: dict[str, Accessor] = {
    "key": field("Key"),
    "resource-id": field("ResourceId"),
    "resource-type": field("ResourceType"),
    "value": field("Value"),
}


def _unknown_id(resource_id: str) -> ValidationError:
    prefixes = ", ".join([*KIND_OF_PREFIX, RULE_PREFIX])
    return ValidationError(
        f"The ID '{resource_id}' is not valid; tag resources by their ids ({prefixes}…).",
        code="InvalidID",
    )


def _current(rec: Ec2Records, resource_id: str) -> dict[str, str]:
    if resource_id.startswith(RULE_PREFIX):
        _, rule = security_groups.find_rule(rec, resource_id)
        return dict(rule.get("Tags") or {})
    kind = kind_of(resource_id)
    if kind is None:
        raise _unknown_id(resource_id)
    return dict(rec.require(kind, resource_id).data.get("Tags") or {})


def _store(rec: Ec2Records, resource_id: str, tags: Mapping[str, str], now: dt.datetime) -> None:
    if len(tags) > MAX_TAGS:
        raise LimitExceededError(
            f"Resource {resource_id} would have {len(tags)} tags; the limit is {MAX_TAGS}. "
            "Delete some tags first.",
            code="TagLimitExceeded",
        )
    if resource_id.startswith(RULE_PREFIX):
        security_groups.set_rule_tags(rec, resource_id, tags, now)
        return
    kind = kind_of(resource_id)
    assert kind is not None  # checked by _current
    row = rec.require(kind, resource_id)
    rec.update(row, {**row.data, "Tags": dict(tags)}, now)


def create_tags(
    rec: Ec2Records, resource_ids: Sequence[str], tags: Mapping[str, str], now: dt.datetime
) -> None:
    """Add or overwrite ``tags`` on every resource (all resources must exist)."""
    current = {resource_id: _current(rec, resource_id) for resource_id in resource_ids}
    for resource_id, existing in current.items():
        _store(rec, resource_id, {**existing, **tags}, now)


def delete_tags(
    rec: Ec2Records,
    resource_ids: Sequence[str],
    tags: Sequence[Mapping[str, Any]] | None,
    now: dt.datetime,
) -> None:
    """Remove tags: by key, by key and value, or (no tags given) all of them."""
    current = {resource_id: _current(rec, resource_id) for resource_id in resource_ids}
    for resource_id, existing in current.items():
        if tags is None:
            kept: dict[str, str] = {}
        else:
            kept = dict(existing)
            for tag in tags:
                key = str(tag.get("Key", ""))
                if key in kept and ("Value" not in tag or tag["Value"] == kept[key]):
                    del kept[key]
        _store(rec, resource_id, kept, now)


def tag_descriptions(rec: Ec2Records) -> list[dict[str, Any]]:
    """One item per tag of every resource of the account (with the resource's tags for
    ``tag:`` filters)."""
    items: list[dict[str, Any]] = []
    for kind in KIND_OF_PREFIX.values():
        for row in rec.find(kind):
            items.extend(_items(row.resource_id, kind, row.data.get("Tags") or {}))
    for _group, rule in security_groups.all_rules(rec):
        items.extend(
            _items(rule["SecurityGroupRuleId"], "security-group-rule", rule.get("Tags") or {})
        )
    return sorted(items, key=lambda i: (i["ResourceType"], i["ResourceId"], i["Key"]))


def _items(resource_id: str, kind: str, tags: Mapping[str, str]) -> list[dict[str, Any]]:
    listed = [{"Key": k, "Value": v} for k, v in tags.items()]
    return [
        {"ResourceId": resource_id, "ResourceType": kind, "Key": k, "Value": v, "Tags": listed}
        for k, v in tags.items()
    ]

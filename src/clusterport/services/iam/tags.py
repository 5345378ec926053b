"""Tags on IAM users, roles, policies and instance profiles.

Keys are case-insensitive for IAM (``Team`` and ``team`` are the same key; the
later value and spelling win), at most 50 per entity, and may not start with
``aws:``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clusterport.services.iam.errors import invalid_input, limit_exceeded

MAX_TAGS = 50


def checked(tags: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """Tags of a request, refused when a key repeats or is reserved."""
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for tag in tags or ():
        tag_key, value = str(tag["Key"]), str(tag.get("Value", ""))
        if tag_key.lower().startswith("aws:"):
            raise invalid_input(
                f"Tag key {tag_key!r} starts with 'aws:', which AWS reserves; choose another key."
            )
        if tag_key.lower() in seen:
            raise invalid_input(
                f"Duplicate tag keys found: {tag_key!r}. Please note that Tag keys are case "
                "insensitive; pass each key once."
            )
        seen.add(tag_key.lower())
        out.append({"Key": tag_key, "Value": value})
    return out


def merged(
    current: Sequence[Mapping[str, str]], new: Sequence[Mapping[str, Any]]
) -> list[dict[str, str]]:
    """``current`` with ``new`` added or replacing same-key tags; at most 50 in all."""
    incoming = checked(new)
    replaced = {t["Key"].lower() for t in incoming}
    result = [dict(t) for t in current if t["Key"].lower() not in replaced] + incoming
    if len(result) > MAX_TAGS:
        raise limit_exceeded(
            f"The number of tags has reached the maximum limit: an entity has at most {MAX_TAGS} "
            f"tags and this would make {len(result)}; remove some with the Untag call first."
        )
    return result


def without(current: Sequence[Mapping[str, str]], keys: Sequence[str]) -> list[dict[str, str]]:
    """``current`` without the tags of ``keys`` (case-insensitive)."""
    gone = {k.lower() for k in keys}
    return [dict(t) for t in current if t["Key"].lower() not in gone]


def as_dict(tags: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Tags as a key → value mapping."""
    return {t["Key"]: t["Value"] for t in tags}

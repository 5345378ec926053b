"""Tags on IAM users, roles, policies and instance profiles.

Keys are case-insensitive for IAM (``Team`` and ``team`` are the same key; the
later value and spelling win), at most 50 per entity, and may not start with
``aws:``. Keys and values are made of letters, numbers, spaces and
``_.:/=+-@`` (IAM's pattern ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``, checked on every path
that sets or removes tags, with IAM's own validation message).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from clusterport.services.iam.errors import invalid_input, limit_exceeded, validation

MAX_TAGS = 50
#: IAM's pattern for tag keys and values, as its validation message prints it.
TAG_PATTERN = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]"
_TAG_PUNCTUATION = frozenset("_.:/=+-@")


def _allowed(text: str) -> bool:
    return all(char in _TAG_PUNCTUATION or unicodedata.category(char)[0] in "LZN" for char in text)


def _check_text(text: str, where: str, *, empty: bool) -> None:
    if not _allowed(text):
        quantifier = "*" if empty else "+"
        raise validation(
            f"1 validation error detected: Value '{text}' at '{where}' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: "
            f"{TAG_PATTERN}{quantifier}. Tags may hold letters, numbers, spaces and _.:/=+-@."
        )


def checked_keys(keys: Sequence[str]) -> list[str]:
    """Tag keys of an Untag call, refused when one has characters IAM does not allow."""
    for index, tag_key in enumerate(keys, start=1):
        _check_text(str(tag_key), f"tagKeys.{index}.member", empty=False)
    return [str(k) for k in keys]


def checked(tags: Sequence[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    """Tags of a request, refused when a key repeats or is reserved."""
    seen: set[str] = set()
    out: list[dict[str, str]] = []
    for index, tag in enumerate(tags or (), start=1):
        tag_key, value = str(tag["Key"]), str(tag.get("Value", ""))
        _check_text(tag_key, f"tags.{index}.member.key", empty=False)
        _check_text(value, f"tags.{index}.member.value", empty=True)
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
    gone = {k.lower() for k in checked_keys(keys)}
    return [dict(t) for t in current if t["Key"].lower() not in gone]


def as_dict(tags: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Tags as a key → value mapping."""
    return {t["Key"]: t["Value"] for t in tags}

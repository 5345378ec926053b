"""EC2's generic ``Filters``: ``[{"Name": …, "Values": [...]}]`` over described resources.

One implementation for every describe operation. A resource matches when,
for every filter, one of its values for that filter name matches one of the
filter's values (filters AND, values OR), as EC2 documents. Values may use
``*`` (any run of characters) and ``?`` (one character); a backslash escapes
them. ``tag:<key>``, ``tag-key`` and ``tag-value`` are understood everywhere,
read from the resource's ``Tags`` list. An unknown filter name is refused with
the names the operation does know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from clusterport.services.ec2.errors import invalid_value

#: Reads the values of one filter name from a described resource.
Accessor = Callable[[Mapping[str, Any]], Iterable[Any]]


def field(*path: str) -> Accessor:
    """An accessor reading ``path`` through nested mappings and lists (lists fan out)."""

    def read(item: Mapping[str, Any]) -> Iterable[Any]:
        current: list[Any] = [item]
        for key in path:
            following: list[Any] = []
            for node in current:
                value = node.get(key) if isinstance(node, Mapping) else None
                if value is None:
                    continue
                if isinstance(value, list):
                    following.extend(value)
                else:
                    following.append(value)
            current = following
        return current

    return read


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _pattern(value: str) -> re.Pattern[str]:
    out: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    if escaped:
        out.append(re.escape("\\"))
    return re.compile("".join(out), re.DOTALL)


def _tag_values(item: Mapping[str, Any], key: str | None, part: str) -> list[str]:
    found = []
    for tag in item.get("Tags") or ():
        if key is not None and tag.get("Key") != key:
            continue
        found.append(str(tag.get(part, "")))
    return found


def apply_filters(
    items: Sequence[Mapping[str, Any]],
    filters: Sequence[Mapping[str, Any]] | None,
    accessors: Mapping[str, Accessor],
    *,
    operation: str,
) -> list[Mapping[str, Any]]:
    """The items matching every filter; unknown filter names raise ``InvalidParameterValue``."""
    compiled: list[tuple[Callable[[Mapping[str, Any]], Iterable[Any]], list[re.Pattern[str]]]] = []
    for spec in filters or ():
        name = str(spec.get("Name", ""))
        values = [str(v) for v in spec.get("Values") or ()]
        compiled.append((_reader(name, accessors, operation), [_pattern(v) for v in values]))
    if not compiled:
        return list(items)
    return [
        item
        for item in items
        if all(
            any(p.fullmatch(_text(v)) for v in read(item) for p in patterns)
            for read, patterns in compiled
        )
    ]


def _reader(
    name: str, accessors: Mapping[str, Accessor], operation: str
) -> Callable[[Mapping[str, Any]], Iterable[Any]]:
    if name.startswith("tag:") and len(name) > 4:
        key = name[4:]
        return lambda item: _tag_values(item, key, "Value")
    if name == "tag-key":
        return lambda item: _tag_values(item, None, "Key")
    if name == "tag-value":
        return lambda item: _tag_values(item, None, "Value")
    accessor = accessors.get(name)
    if accessor is None:
        known = ", ".join(sorted([*accessors, "tag:<key>", "tag-key", "tag-value"]))
        raise invalid_value(
            f"The filter '{name}' is invalid; {operation} knows the filters: {known}."
        )
    return accessor

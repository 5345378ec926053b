"""Output values shaped for the wire: shared by the serializers."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape


def as_datetime(value: Any) -> dt.datetime:
    """A provider's timestamp (datetime or epoch seconds) as an aware datetime."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromtimestamp(float(value), tz=dt.UTC)


def iso8601(value: Any) -> str:
    """The ISO 8601 form AWS's XML protocols use: 2026-11-25T16:46:57.123Z."""
    moment = as_datetime(value).astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_typed(shape: Shape, value: Any, *, binary: bool) -> Any:
    """A result value as JSON (``binary=False``) or CBOR (``binary=True``) expects it."""
    if value is None:
        return None
    if isinstance(shape, StructureShape):
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                out[name] = to_typed(member, value[name], binary=binary)
        return out
    if isinstance(shape, ListShape):
        return [to_typed(shape.member, item, binary=binary) for item in value]
    if isinstance(shape, MapShape):
        return {str(k): to_typed(shape.value, v, binary=binary) for k, v in value.items()}
    kind = shape.type_name
    if kind == "timestamp":
        moment = as_datetime(value)
        return moment if binary else moment.timestamp()
    if kind == "blob":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return raw if binary else base64.b64encode(raw).decode("ascii")
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def scalar_text(shape: Shape, value: Any) -> str:
    """A scalar as the XML protocols write it."""
    kind = shape.type_name
    if kind == "timestamp":
        return iso8601(value)
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "blob":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    return str(value)


def members(shape: StructureShape, value: Mapping[str, Any]) -> list[tuple[str, Shape, Any]]:
    """The present members of a structure value, in the model's order."""
    return [
        (name, member, value[name])
        for name, member in shape.members.items()
        if name in value and value[name] is not None
    ]

"""Decoding and validating request values against botocore input shapes.

Each protocol turns its body into plain Python values (JSON and CBOR give
nested dicts, the query protocols give strings at flattened keys); this module
coerces them to the shape's types and checks the shape's constraints, the way
AWS's service front ends do. Nothing here is specific to an operation.

Two kinds of failure, because AWS reports them differently:
:class:`ShapeTypeError` (the value is not of the shape's type: a serialization
error) and :class:`ShapeConstraintError` (required, enum, length, range,
pattern: a validation error listing every violation).

Validation messages print the offending value whole, as AWS does (``Value
'<value>' at '<member>' failed to satisfy constraint: …``), lists as ``[a, b]``
and maps as ``{key=value}``; never cut, never a Python type name.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

MAX_DEPTH = 48


class ShapeTypeError(Exception):
    """A value cannot be read as its shape's type."""


class ShapeConstraintError(Exception):
    """One or more values break their shapes' constraints."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        count = len(violations)
        noun = "error" if count == 1 else "errors"
        super().__init__(f"{count} validation {noun} detected: " + "; ".join(violations))


def _lower_camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def parse_timestamp(value: Any) -> dt.datetime:
    """Read a timestamp given as epoch seconds, ISO 8601 text or a datetime."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, bool):
        raise ShapeTypeError("a boolean is not a timestamp")
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > 253402300799:
            raise ShapeTypeError(f"timestamp {value!r} is out of range")
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            return parse_timestamp(float(text))
        except ValueError:
            pass
        try:
            parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ShapeTypeError(f"{value!r} is not a valid timestamp") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise ShapeTypeError(f"{type(value).__name__} is not a timestamp")


def decode(shape: Shape, value: Any, *, textual: bool, depth: int = 0) -> Any:
    """Coerce a wire value to the Python type of ``shape``.

    ``textual`` is true for the query protocols, where every scalar arrives as
    a string; JSON and CBOR carry typed scalars and a mismatch is an error.
    """
    if depth > MAX_DEPTH:
        raise ShapeTypeError(f"value is nested deeper than {MAX_DEPTH} levels")
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if not isinstance(value, Mapping):
            raise ShapeTypeError(f"expected an object for {shape.name}")
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ShapeTypeError("object keys must be strings")
            member = shape.members.get(key)
            if member is None or item is None:
                continue  # AWS ignores unknown members
            out[key] = decode(member, item, textual=textual, depth=depth + 1)
        return out
    if kind == "list":
        assert isinstance(shape, ListShape)
        if not isinstance(value, list | tuple):
            raise ShapeTypeError(f"expected a list for {shape.name}")
        return [decode(shape.member, v, textual=textual, depth=depth + 1) for v in value]
    if kind == "map":
        assert isinstance(shape, MapShape)
        if not isinstance(value, Mapping):
            raise ShapeTypeError(f"expected a map for {shape.name}")
        return {
            decode(shape.key, k, textual=textual, depth=depth + 1): decode(
                shape.value, v, textual=textual, depth=depth + 1
            )
            for k, v in value.items()
        }
    return _decode_scalar(shape, value, textual=textual)


def _decode_scalar(shape: Shape, value: Any, *, textual: bool) -> Any:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            raise ShapeTypeError(f"expected a string for {shape.name}")
        return value
    if kind in ("integer", "long"):
        if textual and isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError as exc:
                raise ShapeTypeError(f"{value!r} is not an integer") from exc
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            raise ShapeTypeError(f"expected an integer for {shape.name}")
        return value
    if kind in ("float", "double"):
        if textual and isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError as exc:
                raise ShapeTypeError(f"{value!r} is not a number") from exc
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ShapeTypeError(f"expected a number for {shape.name}")
        return float(value)
    if kind == "boolean":
        if textual and isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "false"):
                return lowered == "true"
            raise ShapeTypeError(f"{value!r} is not a boolean")
        if not isinstance(value, bool):
            raise ShapeTypeError(f"expected a boolean for {shape.name}")
        return value
    if kind == "timestamp":
        return parse_timestamp(value)
    if kind == "blob":
        if isinstance(value, bytes | bytearray):
            return bytes(value)
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ShapeTypeError(f"{shape.name} is not valid base64") from exc
        raise ShapeTypeError(f"expected base64 data for {shape.name}")
    raise ShapeTypeError(f"unsupported shape type {kind}")


def _pattern(shape: Shape) -> re.Pattern[str] | None:
    text = shape.metadata.get("pattern")
    if not isinstance(text, str):
        return None
    try:
        return re.compile(text)
    except re.error:
        return None  # a Java-only construct; AWS's own check is not reproducible here


def validate(shape: Shape, value: Any, path: str = "") -> list[str]:
    """Every constraint violation of ``value`` (already decoded) in AWS's wording."""
    violations: list[str] = []
    _validate(shape, value, path, violations)
    return violations


def _describe(value: Any) -> str:
    """The value as AWS prints it in a validation message: whole, never cut.

    Lists and maps are written the way AWS's (Java) front ends print them:
    ``[a, b]`` and ``{key=value}``.
    """
    if value is None:
        return "null"
    return f"'{_java_text(value)}'"


def _java_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}={_java_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)


def _validate(shape: Shape, value: Any, path: str, out: list[str]) -> None:
    meta = shape.metadata
    where = path or _lower_camel(shape.name)

    def fail(constraint: str) -> None:
        out.append(
            f"Value {_describe(value)} at '{where}' failed to satisfy constraint: {constraint}"
        )

    if isinstance(shape, StructureShape):
        for name in shape.required_members:
            if value.get(name) is None:
                sub = f"{path}.{_lower_camel(name)}" if path else _lower_camel(name)
                out.append(
                    f"Value null at '{sub}' failed to satisfy constraint: Member must not be null"
                )
        for name, item in value.items():
            sub = f"{path}.{_lower_camel(name)}" if path else _lower_camel(name)
            _validate(shape.members[name], item, sub, out)
        return
    if isinstance(shape, ListShape):
        _check_size(meta, len(value), "length", fail)
        for index, item in enumerate(value, start=1):
            _validate(shape.member, item, f"{where}.{index}.member", out)
        return
    if isinstance(shape, MapShape):
        _check_size(meta, len(value), "length", fail)
        for key, item in value.items():
            _validate(shape.key, key, f"{where}.key", out)
            _validate(shape.value, item, f"{where}.{key}.value", out)
        return
    if shape.type_name == "string":
        enum = shape.enum
        if enum and value not in enum:
            fail(f"Member must satisfy enum value set: [{', '.join(enum)}]")
        _check_size(meta, len(value), "length", fail)
        pattern = _pattern(shape)
        if pattern is not None and not pattern.fullmatch(value):
            fail(f"Member must satisfy regular expression pattern: {pattern.pattern}")
        return
    if shape.type_name in ("integer", "long", "float", "double"):
        low, high = meta.get("min"), meta.get("max")
        if low is not None and value < low:
            fail(f"Member must have value greater than or equal to {low}")
        if high is not None and value > high:
            fail(f"Member must have value less than or equal to {high}")
        return
    if shape.type_name == "blob":
        _check_size(meta, len(value), "length", fail)


def _check_size(meta: Mapping[str, Any], size: int, what: str, fail: Any) -> None:
    low, high = meta.get("min"), meta.get("max")
    if low is not None and size < low:
        fail(f"Member must have {what} greater than or equal to {low}")
    if high is not None and size > high:
        fail(f"Member must have {what} less than or equal to {high}")

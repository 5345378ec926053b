"""Hypothesis strategies generated from botocore shapes, and value normalization for comparing."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import strategies as st

XML_SAFE = st.characters(
    min_codepoint=33, max_codepoint=0xD7FF, blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")
)
TEXT = st.text(alphabet=XML_SAFE, min_size=1, max_size=12)
TIMES = st.integers(min_value=0, max_value=4_000_000_000).map(
    lambda s: dt.datetime.fromtimestamp(s, tz=dt.UTC)
)
MAX_DEPTH = 4


@functools.cache
def for_shape(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of ``shape``; recursion is cut at :data:`MAX_DEPTH`.

    Built once per shape and depth: a strategy is immutable, and hypothesis works out a
    strategy's properties (can it be empty, …) on first use, which for a deep operation
    shape costs far more than drawing from it.
    """
    if isinstance(shape, StructureShape):
        union = bool(getattr(shape, "is_tagged_union", False))
        if depth >= MAX_DEPTH and not union:
            return st.just({})
        members = {
            name: for_shape(member, depth + 1)
            for name, member in shape.members.items()
            if not member.serialization.get("eventstream")
            and member.type_name != "document"
            and not getattr(member, "is_document_type", False)
        }
        if union:
            return st.one_of(
                [st.builds(lambda v, n=n: {n: v}, strategy) for n, strategy in members.items()]
            )
        return st.fixed_dictionaries({}, optional=members)
    if isinstance(shape, ListShape):
        if depth >= MAX_DEPTH:
            return st.just([])
        return st.lists(for_shape(shape.member, depth + 1), max_size=2)
    if isinstance(shape, MapShape):
        if depth >= MAX_DEPTH:
            return st.just({})
        return st.dictionaries(TEXT, for_shape(shape.value, depth + 1), max_size=2)
    kind = shape.type_name
    if kind == "string":
        return st.sampled_from(shape.enum) if shape.enum else TEXT
    if kind in ("integer", "long"):
        return st.integers(min_value=-(2**31), max_value=2**31 - 1)
    if kind in ("float", "double"):
        return st.integers(min_value=-(10**6), max_value=10**6).map(lambda i: i / 4)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return TIMES
    if kind == "blob":
        return st.binary(min_size=1, max_size=8)
    return st.nothing()


def normalize(value: Any) -> Any:
    """A comparable form: empty containers dropped, timestamps aware, floats exact."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "ResponseMetadata":
                continue
            n = normalize(v)
            if n is None or n in ({}, []):
                continue
            out[k] = n
        return out
    if isinstance(value, list | tuple):
        # An empty structure inside a list has no form on the query wire; compare without it.
        return [n for n in (normalize(v) for v in value) if n != {}]
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).replace(microsecond=0)
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return float(value)
    return value

"""The request context: condition keys and their values, as the engine reads them.

Condition key names are case-insensitive in IAM, so every key is folded to
lower case once, when the context is built. A key maps to a tuple of values:
single-valued keys (``aws:SourceIp``) have one, multivalued keys
(``aws:TagKeys``) any number. A key with no values counts as absent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

ContextValues = Mapping[str, tuple[str, ...]]
"""A normalized request context: lower-cased key -> its values (never empty)."""

RawContext = Mapping[str, "str | Sequence[str]"]
"""A request context as callers pass it: key -> one value or a list of values."""


def normalize_context(raw: RawContext) -> dict[str, tuple[str, ...]]:
    """Fold keys to lower case and every value to a tuple; drop keys with no value.

    When two keys differ only in case, the later one wins (as a later header would).
    """
    normalized: dict[str, tuple[str, ...]] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            normalized[key.lower()] = (value,)
            continue
        values = tuple(str(v) for v in value)
        if values:
            normalized[key.lower()] = values
        else:
            normalized.pop(key.lower(), None)
    return normalized


def frozen_context(values: dict[str, tuple[str, ...]]) -> ContextValues:
    """A read-only view of a normalized context."""
    return MappingProxyType(values)

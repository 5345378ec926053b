"""Markers for EMR's paged lists: an opaque token carrying an offset and what it pages."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import TypeVar

from clusterport.errors import ValidationError

_T = TypeVar("_T")

#: EMR's list operations return at most this many items per page.
PAGE_SIZE = 50


def _check(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:12]


def encode_marker(offset: int, scope: str) -> str:
    """A marker for the page starting at ``offset`` of the list named by ``scope``."""
    raw = json.dumps({"o": offset, "c": _check(scope)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode_marker(marker: str | None, scope: str) -> int:
    """The offset a marker stands for; InvalidRequestException for a marker of another list."""
    if not marker:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")))
        offset = int(data["o"])
        check = str(data["c"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeEncodeError) as exc:
        raise ValidationError(
            "The Marker is not one this list returned; pass the Marker of the previous page "
            "unchanged, or none for the first page.",
            code="InvalidRequestException",
        ) from exc
    if check != _check(scope) or offset < 0:
        raise ValidationError(
            "The Marker belongs to another list or filter; start again without a Marker.",
            code="InvalidRequestException",
        )
    return offset


def page(
    items: Sequence[_T], marker: str | None, scope: str, size: int = PAGE_SIZE
) -> tuple[list[_T], str | None]:
    """One page of ``items`` and the marker of the next page (None on the last one)."""
    start = decode_marker(marker, scope)
    chunk = list(items[start : start + size])
    following = start + size
    return chunk, encode_marker(following, scope) if following < len(items) else None

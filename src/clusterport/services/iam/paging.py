"""IAM's ``Marker``/``MaxItems`` paging (100 items a page unless asked otherwise).

The marker is opaque to clients: the next item's offset and a digest of the
listing it belongs to, so a marker of one listing is refused by another
instead of silently skipping items.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict, TypeVar

from clusterport.services.iam.errors import validation

T = TypeVar("T")
DEFAULT_MAX_ITEMS = 100


class PageMembers(TypedDict, total=False):
    """The members every paged IAM answer carries besides its items."""

    IsTruncated: bool
    Marker: str


def _digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def page(items: Sequence[T], params: Mapping[str, Any], scope: str) -> tuple[list[T], PageMembers]:
    """One page of ``items`` and the ``IsTruncated``/``Marker`` members of the answer."""
    start = _offset(str(params["Marker"]), scope) if params.get("Marker") else 0
    size = int(params.get("MaxItems") or DEFAULT_MAX_ITEMS)
    chunk = list(items[start : start + size])
    following = start + size
    if following >= len(items):
        return chunk, {"IsTruncated": False}
    raw = json.dumps({"o": following, "s": _digest(scope)}).encode()
    return chunk, {"IsTruncated": True, "Marker": base64.urlsafe_b64encode(raw).decode()}


def _offset(marker: str, scope: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(marker.encode()))
        offset = int(data["o"])
        ok = data["s"] == _digest(scope) and offset >= 0
    except (ValueError, KeyError, TypeError, binascii.Error):
        ok, offset = False, 0
    if not ok:
        raise validation(
            "Invalid Marker: pass the Marker of the previous page of the same list call "
            "with the same parameters, or omit it to start from the beginning."
        )
    return offset

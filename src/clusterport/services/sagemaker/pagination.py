"""``MaxResults``/``NextToken`` of SageMaker's list operations (10 items a page by default).

The token is opaque: the next item's offset and a digest of the operation and
its filters, base64-encoded, so a token replayed with other filters is refused
instead of silently skipping items.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from clusterport.services.sagemaker.records import invalid

T = TypeVar("T")
DEFAULT_PAGE = 10


def _digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:16]


def page(items: Sequence[T], params: Mapping[str, Any], scope: str) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next one (None on the last page)."""
    start = _offset(str(params["NextToken"]), scope) if params.get("NextToken") else 0
    size = int(params.get("MaxResults") or DEFAULT_PAGE)
    chunk = list(items[start : start + size])
    following = start + size
    if following >= len(items):
        return chunk, None
    raw = json.dumps({"o": following, "s": _digest(scope)}).encode()
    return chunk, base64.urlsafe_b64encode(raw).decode()


def _offset(token: str, scope: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        ok = data["s"] == _digest(scope) and offset >= 0
    except (ValueError, KeyError, TypeError, binascii.Error):
        ok = False
        offset = 0
    if not ok:
        raise invalid(
            "NextToken is not valid for this call: pass the NextToken of the previous page "
            "of the same list operation with the same filters, or omit it to start over."
        )
    return offset

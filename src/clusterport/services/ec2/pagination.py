"""``MaxResults``/``NextToken`` for EC2's describe operations.

The token is opaque to clients: the offset of the next item and a short digest
of the operation it belongs to, base64-encoded, so a token handed to another
operation is refused instead of silently skipping items.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from typing import Any, TypeVar

from clusterport.errors import ValidationError

T = TypeVar("T")


def _scope_digest(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:12]


def page(
    items: Sequence[T],
    params: dict[str, Any] | Any,
    scope: str,
    *,
    max_key: str = "MaxResults",
    token_key: str = "NextToken",
    limit: int = 1000,
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next page (``None`` on the last)."""
    start = 0
    token = params.get(token_key)
    if token:
        start = _offset(str(token), scope)
    size = params.get(max_key)
    if size is None:
        chunk = list(items[start:])
        return chunk, None
    size = max(1, min(int(size), limit))
    chunk = list(items[start : start + size])
    following = start + size
    if following >= len(items):
        return chunk, None
    raw = json.dumps({"o": following, "s": _scope_digest(scope)}).encode()
    return chunk, base64.urlsafe_b64encode(raw).decode()


def _offset(token: str, scope: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = int(data["o"])
        ok = data["s"] == _scope_digest(scope) and offset >= 0
    except (ValueError, KeyError, TypeError, binascii.Error):
        ok = False
        offset = 0
    if not ok:
        raise ValidationError(
            "The pagination token is not valid for this call; pass the NextToken of the "
            "previous page of the same operation, or omit it to start over.",
            code="InvalidPaginationToken",
        )
    return offset

"""Opaque page tokens: an offset into a listing, bound to the listing it came from."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import TypeVar

from clusterport.errors import ValidationError

T = TypeVar("T")


def _check(scope: str) -> str:
    return hashlib.sha256(scope.encode()).hexdigest()[:12]


def page(
    items: Sequence[T],
    token: str | None,
    size: int,
    scope: str,
    *,
    error_code: str = "ValidationError",
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next page (None at the end).

    ``scope`` names the listing (operation and its filters); a token from another
    listing is refused, so a token cannot be replayed against different filters.
    """
    offset = 0
    if token:
        try:
            data = json.loads(base64.urlsafe_b64decode(token.encode() + b"==").decode())
            offset = int(data["o"])
            valid = data["c"] == _check(scope) and offset >= 0
        except (ValueError, KeyError, TypeError):
            valid = False
        if not valid:
            raise ValidationError(
                "The pagination token is not valid for this request; start again without it.",
                code=error_code,
            )
    size = max(1, size)
    chunk = list(items[offset : offset + size])
    end = offset + len(chunk)
    if end >= len(items):
        return chunk, None
    raw = json.dumps({"o": end, "c": _check(scope)}).encode()
    return chunk, base64.urlsafe_b64encode(raw).decode().rstrip("=")

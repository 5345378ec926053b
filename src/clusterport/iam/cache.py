"""Parsed policy documents, kept for reuse: the same stored text always parses the same.

Authorizing a call parses every policy of the caller; most calls come from a
few callers with the same documents, so a small bounded memo of parsed
documents (they are immutable) spares that work. One instance per platform.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from clusterport.iam.documents import PolicyDocument, PolicyKind, SizeQuota, parse_policy

__all__ = ["ParsedPolicies"]


class ParsedPolicies:
    """A bounded, thread-safe memo of :func:`parse_policy` (least recently used goes first).

    Documents that fail to parse are not kept: each call raises again.
    """

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._parsed: OrderedDict[tuple[str, PolicyKind, SizeQuota | None], PolicyDocument] = (
            OrderedDict()
        )

    def parse(
        self, text: str, kind: PolicyKind, *, quota: SizeQuota | None = None
    ) -> PolicyDocument:
        key = (text, kind, quota)
        with self._lock:
            found = self._parsed.get(key)
            if found is not None:
                self._parsed.move_to_end(key)
                return found
        document = parse_policy(text, kind, quota=quota)
        with self._lock:
            self._parsed[key] = document
            while len(self._parsed) > self._size:
                self._parsed.popitem(last=False)
        return document

    def __len__(self) -> int:
        with self._lock:
            return len(self._parsed)

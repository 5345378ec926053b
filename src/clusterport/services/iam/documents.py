"""Policy documents as the IAM API takes and gives them.

Documents are validated by the policy engine on write (``MalformedPolicyDocument``
with the engine's reason, ``LimitExceeded`` for size quotas), stored as the
text the client sent, and returned URL-encoded, as IAM does; botocore and the
AWS CLI decode them back into dicts.

Callers inside the platform (the CloudFormation engine) may pass a document as
a dict; it is serialized to JSON first.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

from clusterport.iam import (
    MalformedPolicyError,
    PolicyDocument,
    PolicyKind,
    SizeQuota,
    parse_policy,
    policy_size,
)
from clusterport.iam.cache import ParsedPolicies
from clusterport.services.iam.errors import limit_exceeded, malformed

#: The quota a stored document is read back with: the largest, so nothing stored is refused.
_READ_QUOTA = SizeQuota.RESOURCE_POLICY


def text_of(document: Any) -> str:
    """A document parameter as text (dicts from internal callers become JSON)."""
    if isinstance(document, Mapping):
        return json.dumps(document)
    text = str(document)
    if text.lstrip().startswith("%7B") or text.lstrip().startswith("%7b"):
        return unquote(text)  # some clients send the URL-encoded form IAM returns
    return text


def validated(
    document: Any, kind: PolicyKind, quota: SizeQuota, what: str, *, managed: bool = False
) -> str:
    """The document's text once the engine accepts it as a policy of ``kind``.

    ``managed`` documents must be of version 2012-10-17, as IAM requires.
    """
    text = text_of(document)
    try:
        parse_policy(text, kind, quota=quota, require_current_version=managed)
    except MalformedPolicyError as exc:
        raise malformed(exc, what) from exc
    return text


def check_aggregate(texts: list[str], quota: SizeQuota, owner: str) -> None:
    """IAM's limit on the inline policies of one user or role taken together."""
    total = sum(policy_size(t) for t in texts)
    if total > quota.limit:
        raise limit_exceeded(
            f"{quota.reason} The inline policies of {owner} would total {total} characters "
            f"(whitespace not counted), over {quota.limit}; use a managed policy instead."
        )


def parsed(
    text: str, kind: PolicyKind = PolicyKind.IDENTITY, cache: ParsedPolicies | None = None
) -> PolicyDocument:
    """A stored document, parsed for evaluation (through ``cache`` when given)."""
    if cache is not None:
        return cache.parse(text, kind, quota=_READ_QUOTA)
    return parse_policy(text, kind, quota=_READ_QUOTA)


def encoded(text: str) -> str:
    """The document as IAM returns it: URL-encoded JSON."""
    return quote(text, safe="")

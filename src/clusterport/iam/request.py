"""The authorization request: who asks to do what to which resource, in which context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from clusterport.iam.context import ContextValues, normalize_context
from clusterport.iam.principals import PrincipalInfo


@dataclass(frozen=True)
class AuthorizationRequest:
    """One action on one resource by one principal.

    ``resource`` is the resource ARN, or ``"*"`` for actions without
    resource-level permissions. ``resource_account`` is the account that
    owns the resource; None means the caller's own account. ``context``
    holds the request's condition keys (``aws:SourceIp``,
    ``aws:CurrentTime``, ``aws:RequestTag/…``, ``sts:ExternalId`` …); the
    keys that describe the principal (``aws:PrincipalArn``,
    ``aws:PrincipalAccount``, ``aws:userid``, ``aws:username``,
    ``aws:PrincipalTag/…``, ``aws:PrincipalType``) are filled from
    ``principal`` and override any passed in.
    """

    principal: PrincipalInfo
    action: str
    resource: str = "*"
    context: Mapping[str, str | Sequence[str]] = field(default_factory=dict, hash=False)
    resource_account: str | None = None

    @property
    def cross_account(self) -> bool:
        """True when the resource belongs to another account than the caller's."""
        return self.resource_account is not None and self.resource_account != (
            self.principal.account_id
        )

    def condition_context(self) -> ContextValues:
        """The full, normalized request context the policies are evaluated against."""
        values = normalize_context(self.context)
        values.update(self.principal.context_keys())
        return values  # a fresh dict no one else holds; the engine only reads it

"""Who makes a request, and whether a ``Principal`` element names them.

A principal has several identities that a resource-based or trust policy can
name: its account (``arn:aws:iam::111111111111:root`` or the bare account
ID), for a role session also the role (``arn:aws:iam::…:role/R``), and its
own ARN (user, assumed-role session, or service name). How specifically the
policy names the caller decides what an Allow in it is worth
(:class:`GrantLevel`):

- ACCOUNT: the account is named. This delegates to the account's own IAM
  policies: the caller's identity-based policy must allow as well.
- BROAD: the role of the session is named, or everyone (``"*"``,
  ``{"AWS": "*"}``, an Allow with ``NotPrincipal``). Within the account this
  grants without an identity-based policy, but the caller's permissions
  boundary and session policies still limit it.
- EXACT: the caller itself is named (its user ARN, its role session ARN, its
  service). Within the account this grants on its own, past boundary and
  session policies, as AWS documents.

``NotPrincipal`` excludes a caller only when every one of its identities is
listed (for a role session: the session ARN, the role ARN and the account),
which is why AWS asks for all three.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, IntEnum
from types import MappingProxyType

from clusterport.iam.documents import PrincipalSpec


class PrincipalKind(Enum):
    """The kind of identity making a request."""

    ROOT = "root"
    """The account's root user: allowed everything in its own account unless denied."""
    USER = "user"
    ASSUMED_ROLE = "assumed_role"
    SERVICE = "service"
    """An AWS service acting on its own behalf (``elasticmapreduce.amazonaws.com``)."""


_PRINCIPAL_TYPES: Mapping[PrincipalKind, str] = MappingProxyType(
    {
        PrincipalKind.ROOT: "Account",
        PrincipalKind.USER: "User",
        PrincipalKind.ASSUMED_ROLE: "AssumedRole",
    }
)


@dataclass(frozen=True)
class PrincipalInfo:
    """The authenticated caller of a request.

    ``arn`` is the user ARN, the assumed-role session ARN
    (``arn:aws:sts::111111111111:assumed-role/R/session``), the account root
    ARN, or the service name for services. ``role_arn`` is the full role ARN
    (with its path) of a session; when omitted it is derived from the session
    ARN, which works for roles without a path.
    """

    arn: str
    account_id: str
    kind: PrincipalKind
    user_id: str = ""
    username: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    session_name: str | None = None
    source_identity: str | None = None
    role_arn: str | None = None

    def __hash__(self) -> int:
        # Kept after the first call: principals key the engine's memos on every decision.
        found = self.__dict__.get("_hash")
        if found is None:
            found = hash(
                (
                    self.arn,
                    self.account_id,
                    self.kind,
                    self.user_id,
                    self.username,
                    self.session_name,
                    self.source_identity,
                    self.role_arn,
                )
            )
            object.__setattr__(self, "_hash", found)
        return int(found)

    @property
    def is_root(self) -> bool:
        """True for the account's root user."""
        return self.kind is PrincipalKind.ROOT

    @property
    def account_root_arn(self) -> str:
        """``arn:<partition>:iam::<account>:root`` of the caller's account."""
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    @property
    def partition(self) -> str:
        """The ARN partition of the caller (``aws`` unless its ARN says otherwise)."""
        parts = self.arn.split(":")
        return parts[1] if len(parts) > 1 and parts[0] == "arn" and parts[1] else "aws"

    @property
    def effective_role_arn(self) -> str | None:
        """The role ARN of a role session; None for other principals."""
        if self.kind is not PrincipalKind.ASSUMED_ROLE:
            return None
        if self.role_arn is not None:
            return self.role_arn
        parts = self.arn.split(":", 5)
        if len(parts) == 6 and parts[5].startswith("assumed-role/"):
            role_name = parts[5].split("/")[1]
            return f"arn:{parts[1]}:iam::{parts[4]}:role/{role_name}"
        return None

    def context_keys(self) -> Mapping[str, tuple[str, ...]]:
        """The global condition keys that describe this principal (lower-cased keys).

        Worked out once per principal (it is immutable) and kept.
        """
        keys = self.__dict__.get("_context_keys")
        if keys is None:
            keys = MappingProxyType(self._context_keys())
            object.__setattr__(self, "_context_keys", keys)
        return keys

    def _context_keys(self) -> dict[str, tuple[str, ...]]:
        keys: dict[str, tuple[str, ...]] = {}
        if self.kind is PrincipalKind.SERVICE:
            keys["aws:principalisawsservice"] = ("true",)
            keys["aws:principalservicename"] = (self.arn,)
            return keys
        keys["aws:principalisawsservice"] = ("false",)
        keys["aws:principalaccount"] = (self.account_id,)
        keys["aws:principaltype"] = (_PRINCIPAL_TYPES[self.kind],)
        if self.kind is PrincipalKind.ROOT:
            keys["aws:principalarn"] = (self.account_root_arn,)
            keys["aws:userid"] = (self.user_id or self.account_id,)
        else:
            keys["aws:principalarn"] = (self.effective_role_arn or self.arn,)
            if self.user_id:
                keys["aws:userid"] = (self.user_id,)
        if self.kind is PrincipalKind.USER and self.username:
            keys["aws:username"] = (self.username,)
        if self.source_identity:
            keys["aws:sourceidentity"] = (self.source_identity,)
        for tag_key, tag_value in self.tags.items():
            keys[f"aws:principaltag/{tag_key.lower()}"] = (tag_value,)
        return keys


class GrantLevel(IntEnum):
    """How specifically a resource-based policy names the caller (see module doc)."""

    ACCOUNT = 1
    BROAD = 2
    EXACT = 3


def match_principal(
    spec: PrincipalSpec, principal: PrincipalInfo, *, negated: bool = False
) -> GrantLevel | None:
    """How a ``Principal`` (or, with ``negated``, ``NotPrincipal``) element covers the caller.

    None means the statement does not apply to the caller.
    """
    if negated:
        return None if _excluded_by(spec, principal) else GrantLevel.BROAD
    if spec.wildcard:
        return GrantLevel.BROAD
    best: GrantLevel | None = None
    for principal_type, values in spec.entries:
        for value in values:
            level = _match_value(principal_type, value, principal)
            if level is not None and (best is None or level > best):
                best = level
    return best


def _match_value(principal_type: str, value: str, principal: PrincipalInfo) -> GrantLevel | None:
    if principal_type == "Service":
        if principal.kind is PrincipalKind.SERVICE and value == principal.arn:
            return GrantLevel.EXACT
        return None
    if principal_type == "Federated":
        return GrantLevel.EXACT if value == principal.arn else None
    if principal_type != "AWS" or principal.kind is PrincipalKind.SERVICE:
        return None
    if value == "*":
        return GrantLevel.BROAD
    if _names_account(value, principal.account_id):
        return GrantLevel.EXACT if principal.is_root else GrantLevel.ACCOUNT
    if value == principal.arn:
        return GrantLevel.EXACT
    if principal.kind is PrincipalKind.USER and principal.user_id and value == principal.user_id:
        return GrantLevel.EXACT
    if principal.kind is PrincipalKind.ASSUMED_ROLE:
        role_id = principal.user_id.partition(":")[0]
        if value == principal.effective_role_arn or (role_id and value == role_id):
            return GrantLevel.BROAD
    return None


def _names_account(value: str, account_id: str) -> bool:
    if value == account_id:
        return True
    parts = value.split(":")
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[2] == "iam"
        and parts[4] == account_id
        and parts[5] == "root"
    )


def _excluded_by(spec: PrincipalSpec, principal: PrincipalInfo) -> bool:
    """True if ``NotPrincipal`` lists every identity of the caller."""
    if spec.wildcard:
        return True
    listed_aws = spec.values("AWS")
    if principal.kind is PrincipalKind.SERVICE:
        return principal.arn in spec.values("Service")
    if "*" in listed_aws:
        return True
    account_listed = any(_names_account(v, principal.account_id) for v in listed_aws)
    if principal.is_root:
        return account_listed
    identities_listed = principal.arn in listed_aws
    role_arn = principal.effective_role_arn
    if role_arn is not None:
        identities_listed = identities_listed and role_arn in listed_aws
    return account_listed and identities_listed

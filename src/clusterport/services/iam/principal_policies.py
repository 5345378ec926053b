"""The policies that apply to a caller, loaded from the store for the policy engine.

- root: none (the engine lets an account's root do anything in its own account);
- IAM user: its inline and attached managed policies, its permissions boundary,
  and its tags as ``aws:PrincipalTag``;
- role session: the role's inline and attached policies and boundary, the
  session policies it was issued with (inline ``Policy`` and ``PolicyArns``),
  and the role's tags overlaid with the session tags.

A role or user deleted after its credentials were issued has no policies left,
so its calls are denied. Credentials are bound to the unique id of the user or
role they were issued for (``AIDA…`` / ``AROA…``), as on AWS: a user or role
recreated under the same name is a new principal, and the old credentials stay
denied.

:func:`cached_caller` keeps what :func:`load_caller` finds on the platform, by
the IAM version of the store (:mod:`clusterport.store.versions`) and every
part of the principal the policies depend on: any IAM write makes the next
request load afresh.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from clusterport.iam import (
    AttachmentKind,
    NamedPolicy,
    PolicyDocument,
    PolicyKind,
    PolicySet,
    PrincipalInfo,
    PrincipalKind,
)
from clusterport.iam.cache import ParsedPolicies
from clusterport.services.base import Principal
from clusterport.services.iam import documents, managed_policies, names
from clusterport.services.iam import tags as tag_rules
from clusterport.services.iam.records import IamRecords
from clusterport.store import versions
from clusterport.store.resources import ResourceRow

if TYPE_CHECKING:
    from clusterport.platform import Platform

_KINDS: Mapping[str, PrincipalKind] = MappingProxyType(
    {
        "root": PrincipalKind.ROOT,
        "user": PrincipalKind.USER,
        "assumed-role": PrincipalKind.ASSUMED_ROLE,
        "service": PrincipalKind.SERVICE,
    }
)

SESSION_POLICY_NAME = "SessionPolicy"


@dataclass(frozen=True)
class CallerPolicies:
    """A caller as the engine sees it, with every policy of its own that applies.

    ``label`` names the identity whose policies these are (``role R``, ``user U``,
    ``the root user``), for messages that say where to add a permission.
    """

    info: PrincipalInfo
    label: str
    identity: tuple[NamedPolicy, ...] = ()
    boundary: NamedPolicy | None = None
    session: tuple[NamedPolicy, ...] = ()
    entity_arn: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    #: False when the user or role was deleted after its credentials were issued.
    exists: bool = True
    _own: PolicySet = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One set for every request without a resource-based policy, so what the engine
        # works out for it (statements by action and resource) is kept with the caller.
        own = PolicySet(identity=self.identity, boundary=self.boundary, session=self.session)
        object.__setattr__(self, "_own", own)

    def policy_set(self, resource: NamedPolicy | None = None) -> PolicySet:
        """The engine's policy set, with the target's resource-based policy if it has one."""
        if resource is None:
            return self._own
        return PolicySet(
            identity=self.identity, boundary=self.boundary, session=self.session, resource=resource
        )


def encode_session_policies(policy: str | None, policy_arns: Sequence[str]) -> str | None:
    """How a session's policies are stored with its credentials (None when it has none)."""
    if policy is None and not policy_arns:
        return None
    return json.dumps({"Policy": policy, "PolicyArns": list(policy_arns)})


def _session_parts(stored: str) -> tuple[str | None, list[str]]:
    data = json.loads(stored)
    if isinstance(data, dict) and "Statement" in data:
        return stored, []  # a bare policy document
    return data.get("Policy"), list(data.get("PolicyArns", []))


def session_policies(
    rec: IamRecords, stored: str | None, cache: ParsedPolicies | None = None
) -> tuple[NamedPolicy, ...]:
    """The session policies of a role session (one of them must allow).

    A managed session policy deleted since the session began allows nothing;
    it never widens the session.
    """
    if not stored:
        return ()
    policy, arns = _session_parts(stored)
    found: list[NamedPolicy] = []
    if policy is not None:
        found.append(
            NamedPolicy(
                SESSION_POLICY_NAME,
                None,
                AttachmentKind.INLINE,
                documents.parsed(policy, PolicyKind.SESSION, cache),
            )
        )
    for arn in arns:
        attached = managed(rec, arn, cache=cache)
        found.append(
            attached
            if attached is not None
            else NamedPolicy(
                arn.rsplit("/", 1)[-1],
                arn,
                AttachmentKind.MANAGED,
                PolicyDocument(kind=PolicyKind.SESSION, statements=()),
            )
        )
    return tuple(found)


def _named(
    policy: managed_policies.ManagedPolicy, source: str | None, cache: ParsedPolicies | None
) -> NamedPolicy:
    catalog_document = managed_policies.aws_policy_document(policy.arn)
    document = (
        catalog_document
        if catalog_document is not None
        else documents.parsed(policy.default_document, cache=cache)
    )
    return NamedPolicy(policy.name, policy.arn, AttachmentKind.MANAGED, document, source)


def managed(
    rec: IamRecords, arn: str, source: str | None = None, cache: ParsedPolicies | None = None
) -> NamedPolicy | None:
    """A managed policy (default version) as the engine takes it."""
    policy = managed_policies.find(rec, arn)
    return None if policy is None else _named(policy, source, cache)


def entity_policies(
    rec: IamRecords, row: ResourceRow, cache: ParsedPolicies | None = None
) -> tuple[tuple[NamedPolicy, ...], NamedPolicy | None]:
    """The identity policies and the permissions boundary of a user or role row."""
    source = row.kind
    found = [
        NamedPolicy(name, None, AttachmentKind.INLINE, documents.parsed(text, cache=cache), source)
        for name, text in sorted(row.data.get("InlinePolicies", {}).items())
    ]
    attached: list[str] = list(row.data.get("AttachedPolicies", []))
    boundary_arn: str | None = row.data.get("PermissionsBoundary")
    policies = managed_policies.find_many(
        rec, [*attached, *([boundary_arn] if boundary_arn else [])]
    )
    found += [_named(policies[arn], None, cache) for arn in attached if arn in policies]
    boundary = (
        _named(policies[boundary_arn], None, cache)
        if boundary_arn and boundary_arn in policies
        else None
    )
    return tuple(found), boundary


def _nothing_left(info: PrincipalInfo, label: str) -> CallerPolicies:
    # The user or role is gone: an empty session policy makes sure nothing is allowed.
    empty = NamedPolicy(
        "deleted", None, AttachmentKind.INLINE, PolicyDocument(PolicyKind.SESSION, ())
    )
    return CallerPolicies(info=info, label=label, session=(empty,), exists=False)


def _unique_id(principal: Principal) -> str | None:
    """The unique id of the user or role ``principal``'s credentials were issued for."""
    if principal.kind == "assumed-role":
        return principal.role_id
    return principal.user_id


def load_caller(
    session: Session, principal: Principal, cache: ParsedPolicies | None = None
) -> CallerPolicies:
    """The caller of a request with its policies, read from the store (parsed via ``cache``)."""
    kind = _KINDS[principal.kind]
    if kind is PrincipalKind.ROOT:
        info = PrincipalInfo(
            arn=principal.arn, account_id=principal.account_id, kind=kind, user_id=principal.user_id
        )
        return CallerPolicies(info=info, label=f"the root user of account {principal.account_id}")
    if kind is PrincipalKind.SERVICE:
        info = PrincipalInfo(arn=principal.arn, account_id=principal.account_id, kind=kind)
        return CallerPolicies(info=info, label=f"service {principal.arn}")
    rec = IamRecords(session, principal.account_id)
    if kind is PrincipalKind.USER:
        name = principal.name or ""
        row = rec.find(names.USER, name)
        label = f"user {name}"
        tags = tag_rules.as_dict(row.data.get("Tags", [])) if row is not None else {}
        info = PrincipalInfo(
            arn=principal.arn,
            account_id=principal.account_id,
            kind=kind,
            user_id=principal.user_id,
            username=name,
            tags=tags,
        )
    else:
        name = principal.name or ""
        row = rec.find(names.ROLE, name)
        label = f"role {name}"
        tags = tag_rules.as_dict(row.data.get("Tags", [])) if row is not None else {}
        tags.update(principal.session_tags)
        info = PrincipalInfo(
            arn=principal.arn,
            account_id=principal.account_id,
            kind=kind,
            user_id=principal.user_id,
            tags=tags,
            session_name=principal.session_name,
            source_identity=principal.source_identity,
            role_arn=principal.issuer_arn,
        )
    if row is None or str(row.data["Id"]) != _unique_id(principal):
        return _nothing_left(info, label)
    identity, boundary = entity_policies(rec, row, cache)
    sessions = (
        session_policies(rec, principal.session_policy, cache)
        if kind is PrincipalKind.ASSUMED_ROLE
        else ()
    )
    return CallerPolicies(
        info=info,
        label=label,
        identity=identity,
        boundary=boundary,
        session=sessions,
        entity_arn=str(row.data["Arn"]),
        tags=tags,
    )


def cached_caller(
    session: Session, principal: Principal, platform: Platform, version: int | None = None
) -> CallerPolicies:
    """:func:`load_caller`, kept on the platform until the next IAM write.

    ``version`` is the IAM version the request already read (before anything of
    the caller's: see :mod:`clusterport.store.versions`); read here when None.
    """
    if version is None:
        version = versions.current(session, versions.IAM)  # before the policies
    key = (version, *caller_key(principal))
    return platform.callers.get_or_make(
        key, lambda: load_caller(session, principal, platform.policies)
    )


def known_caller(principal: Principal, platform: Platform, version: int) -> CallerPolicies | None:
    """The caller's policies kept under IAM ``version``, if any (no store access)."""
    return platform.callers.get((version, *caller_key(principal)))


def caller_key(principal: Principal) -> tuple[str | None, ...]:
    """Every part of a principal that :func:`load_caller` reads."""
    return (
        principal.kind,
        principal.account_id,
        principal.arn,
        principal.user_id,
        principal.name,
        principal.session_name,
        principal.session_policy,
        principal.source_identity,
        principal.issuer_arn,
        *(part for item in sorted(principal.session_tags.items()) for part in item),
    )

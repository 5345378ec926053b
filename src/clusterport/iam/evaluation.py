"""The decision: is this request allowed by these policies?

AWS's documented evaluation logic, for the policy types this platform has:

1. An explicit Deny in any applicable statement (identity-based policies,
   permissions boundary, session policies, the resource-based policy when its
   statement names the caller) decides: denied.
2. Same account:
   - allowed if the identity side allows: an identity-based policy allows,
     and the permissions boundary (if any) allows, and a session policy (if
     the session has any) allows;
   - or the resource-based policy names the caller exactly (user ARN, role
     session ARN, service): allowed regardless of boundary and session
     policies;
   - or it names the caller's role or everyone: allowed if boundary and
     session policies allow;
   - a resource-based policy naming the account delegates to the identity side.
   - A trust policy (the resource policy of ``sts:AssumeRole``) must always
     allow, in the same account too; the identity side is then needed unless
     the trust policy names the caller itself.
3. Cross-account (``resource_account`` differs): both the identity side and
   the resource-based policy must allow.
4. The account's root user has every permission in its own account (an
   explicit Deny still applies); across accounts the resource-based policy
   must allow it. A service principal is authorized by the resource-based
   policy alone.

Otherwise the request is implicitly denied, and the decision says which kind
of policy was missing an Allow.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from clusterport.iam.conditions import evaluate_conditions
from clusterport.iam.context import ContextValues
from clusterport.iam.documents import (
    Effect,
    PolicyDocument,
    PolicyKind,
    Statement,
)
from clusterport.iam.matching import MatchResult, ResourceMatcher
from clusterport.iam.principals import GrantLevel, PrincipalInfo, PrincipalKind, match_principal
from clusterport.iam.request import AuthorizationRequest

MISSING_IDENTITY = "identity-based policy"
MISSING_RESOURCE = "resource-based policy"
MISSING_BOUNDARY = "permissions boundary"
MISSING_SESSION = "session policy"

#: How many (action, resource, principal) a policy set remembers the candidate statements of.
CANDIDATE_MEMO_SIZE = 256


class AttachmentKind(Enum):
    """How an identity policy is attached."""

    INLINE = "inline"
    MANAGED = "managed"


@dataclass(frozen=True)
class NamedPolicy:
    """A policy document with the name (and ARN, for managed policies) it is known by.

    ``source`` optionally says where an identity policy comes from (``user``,
    ``group``, ``role``); simulations report it.
    """

    name: str
    arn: str | None
    kind: AttachmentKind
    document: PolicyDocument
    source: str | None = None


@dataclass(frozen=True)
class PolicySet:
    """Every policy that applies to one request.

    ``identity``: the caller's identity-based policies (for a user, including
    its groups'); none for root. ``boundary``: the caller's permissions
    boundary. ``session``: the session policies of an assumed-role session
    (alternatives: one of them must allow). ``resource``: the resource-based
    policy of the target (for ``sts:AssumeRole``, the role's trust policy,
    whose document kind is TRUST).
    """

    identity: tuple[NamedPolicy, ...] = ()
    boundary: NamedPolicy | None = None
    session: tuple[NamedPolicy, ...] = ()
    resource: NamedPolicy | None = None
    _by_action: dict[tuple[str, str, PrincipalInfo], tuple[_Candidate, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def candidates(
        self, action: str, resource: str, principal: PrincipalInfo
    ) -> tuple[_Candidate, ...]:
        """Every statement of the set that may apply to ``principal``'s ``action`` on ``resource``.

        The statements whose ``Action``/``NotAction`` covers the action, whose
        ``Resource``/``NotResource`` covers the resource as far as that can be
        told without the request context (entries with policy variables are
        checked per request: the candidate says so), and, in the resource-based
        policy, whose ``Principal``/``NotPrincipal`` names the caller (with the
        grant level it names it at). In evaluation order (identity policies,
        boundary, session policies, resource-based policy; statements in
        document order), each with the reference a decision cites it by.
        Worked out once per action, resource and principal and kept (at most
        :data:`CANDIDATE_MEMO_SIZE`, starting over when full): a set is
        immutable, and a caller makes the same few calls again and again.
        """
        key = (action, resource, principal)
        found = self._by_action.get(key)
        if found is None:
            found = tuple(self._candidates(action, resource, principal))
            if len(self._by_action) >= CANDIDATE_MEMO_SIZE:
                self._by_action.clear()
            self._by_action[key] = found
        return found

    def _candidates(
        self, action: str, resource: str, principal: PrincipalInfo
    ) -> Iterator[_Candidate]:
        attached: list[tuple[int, PolicyKind, NamedPolicy]] = [
            *((_IDENTITY, PolicyKind.IDENTITY, p) for p in self.identity),
            *(
                [(_BOUNDARY, PolicyKind.BOUNDARY, self.boundary)]
                if self.boundary is not None
                else []
            ),
            *((_SESSION, PolicyKind.SESSION, p) for p in self.session),
        ]
        if self.resource is not None:
            attached.append((_RESOURCE, self.resource.document.kind, self.resource))
        for bucket, kind, policy in attached:
            statements = policy.document.statements
            for index in policy.document.statements_for(action):
                statement = statements[index]
                level: GrantLevel | None = None
                if bucket == _RESOURCE:
                    if statement.principal is None:
                        continue  # validation requires a principal in resource-based policies
                    level = match_principal(
                        statement.principal, principal, negated=statement.not_principal
                    )
                    if level is None:
                        continue  # the statement does not name the caller
                matcher = statement.resource_matcher
                check_resource = False
                if matcher is not None and not statement.any_resource:
                    if matcher.needs_context:
                        check_resource = True
                    elif not _resource_covers(statement, matcher, resource, {}, None):
                        continue
                ref = StatementRef(kind, policy.name, policy.arn, index, statement.sid)
                yield bucket, statement, ref, check_resource, level


# Where a statement's Allow counts (its position in _Candidate).
_IDENTITY, _BOUNDARY, _SESSION, _RESOURCE = range(4)


class DecisionOutcome(Enum):
    """The three results of policy evaluation."""

    ALLOW = "allow"
    EXPLICIT_DENY = "explicit-deny"
    IMPLICIT_DENY = "implicit-deny"


@dataclass(frozen=True)
class StatementRef:
    """Which statement of which policy took part in a decision (index from 0)."""

    policy_kind: PolicyKind
    policy_name: str
    policy_arn: str | None
    statement_index: int
    sid: str | None


@dataclass(frozen=True)
class PolicyDecision:
    """The result of evaluating one request.

    ``deciding`` lists the Deny statements of an explicit deny, or the Allow
    statements an allowed request rests on. ``missing`` names, for an
    implicit deny, the kind of policy that had no Allow
    (:data:`MISSING_IDENTITY`, :data:`MISSING_RESOURCE`,
    :data:`MISSING_BOUNDARY`, :data:`MISSING_SESSION`); it is empty otherwise.
    """

    allowed: bool
    outcome: DecisionOutcome
    deciding: tuple[StatementRef, ...] = ()
    missing: str = ""


@dataclass(frozen=True)
class Explanation:
    """A decision with what a simulation reports besides it."""

    decision: PolicyDecision
    missing_context_keys: tuple[str, ...]
    allowed_by_boundary: bool | None
    allows: tuple[StatementRef, ...]


_Candidate = tuple[int, "Statement", StatementRef, bool, "GrantLevel | None"]
"""A statement that may apply: where its Allow counts, the statement, how it is cited,
whether its resources must still be matched against the request context, and (in a
resource-based policy) how specifically it names the caller."""


def evaluate(request: AuthorizationRequest, policies: PolicySet) -> PolicyDecision:
    """Decide one request against its policies."""
    return _decide(request, policies, _scan(request, policies, None))


def explain(request: AuthorizationRequest, policies: PolicySet) -> Explanation:
    """Decide one request and report every condition key it lacked."""
    missing: set[str] = set()
    tally = _scan(request, policies, missing)
    decision = _decide(request, policies, tally)
    implicit = request.principal.kind in (PrincipalKind.ROOT, PrincipalKind.SERVICE)
    allowed_by_boundary = None if policies.boundary is None or implicit else bool(tally.boundary)
    allows = tuple(tally.identity + tally.boundary + tally.session) + tuple(
        ref for ref, _ in tally.granted
    )
    return Explanation(decision, tuple(sorted(missing)), allowed_by_boundary, allows)


class _Tally:
    """The statements that apply to a request, sorted by what they do."""

    __slots__ = ("allows_of", "boundary", "denies", "granted", "identity", "session")

    def __init__(self) -> None:
        self.denies: list[StatementRef] = []
        self.identity: list[StatementRef] = []
        self.boundary: list[StatementRef] = []
        self.session: list[StatementRef] = []
        self.granted: list[tuple[StatementRef, GrantLevel]] = []
        #: The Allow lists by position (_IDENTITY, _BOUNDARY, _SESSION).
        self.allows_of = (self.identity, self.boundary, self.session)


def _scan(request: AuthorizationRequest, policies: PolicySet, missing: set[str] | None) -> _Tally:
    """Every statement of the set that applies to the request (``missing`` collects absent keys)."""
    context = request.condition_context()
    principal = request.principal
    resource = request.resource
    tally = _Tally()
    allows_of = tally.allows_of
    candidates = policies.candidates(request.action, resource, principal)
    for bucket, statement, ref, check_resource, level in candidates:
        if check_resource:
            assert statement.resource_matcher is not None
            if not _resource_covers(
                statement, statement.resource_matcher, resource, context, missing
            ):
                continue
        conditions = statement.conditions
        if conditions and not evaluate_conditions(conditions, context, missing):
            continue
        if statement.effect is Effect.DENY:
            tally.denies.append(ref)
        elif level is not None:
            tally.granted.append((ref, level))
        else:
            allows_of[bucket].append(ref)
    return tally


def _decide(request: AuthorizationRequest, policies: PolicySet, tally: _Tally) -> PolicyDecision:
    """The decision the applicable statements make, by AWS's logic (see the module doc)."""
    if tally.denies:
        return PolicyDecision(False, DecisionOutcome.EXPLICIT_DENY, tuple(tally.denies))
    principal = request.principal
    implicit = principal.kind in (PrincipalKind.ROOT, PrincipalKind.SERVICE)
    boundary_ok = implicit or policies.boundary is None or bool(tally.boundary)
    identity_ok = implicit or bool(tally.identity)
    session_ok = implicit or not policies.session or bool(tally.session)
    limits_ok = boundary_ok and session_ok
    identity_side = identity_ok and limits_ok
    granted = tally.granted
    level = max(lvl for _, lvl in granted) if granted else None
    resource_refs = tuple(ref for ref, _ in granted) if granted else ()
    limit_refs = tuple(tally.boundary + tally.session)
    identity_refs = tuple(tally.identity) + limit_refs

    trust_required = (
        policies.resource is not None and policies.resource.document.kind is PolicyKind.TRUST
    )
    outcome: tuple[StatementRef, ...] | str
    if request.cross_account or principal.kind is PrincipalKind.SERVICE:
        if not identity_side:
            outcome = _limit_missing(identity_ok, boundary_ok, False)
        elif level is None:
            outcome = MISSING_RESOURCE
        else:
            outcome = identity_refs + resource_refs
    elif level is GrantLevel.EXACT:
        outcome = resource_refs
    elif level is GrantLevel.BROAD and limits_ok:
        outcome = resource_refs + limit_refs
    elif identity_side and (level is not None or not trust_required):
        outcome = identity_refs + resource_refs
    elif identity_side:
        outcome = MISSING_RESOURCE
    else:
        outcome = _limit_missing(identity_ok, boundary_ok, level is GrantLevel.BROAD)

    if isinstance(outcome, str):
        return PolicyDecision(False, DecisionOutcome.IMPLICIT_DENY, (), outcome)
    return PolicyDecision(True, DecisionOutcome.ALLOW, outcome)


def _limit_missing(identity_ok: bool, boundary_ok: bool, substituted: bool) -> str:
    """Which kind of policy lacked an Allow when the identity side does not allow."""
    if not (identity_ok or substituted):
        return MISSING_IDENTITY
    return MISSING_BOUNDARY if not boundary_ok else MISSING_SESSION


def statement_applies(
    statement: Statement,
    action: str,
    resource: str,
    context: ContextValues,
    missing: set[str] | None = None,
) -> bool:
    """Whether a statement covers the action, the resource and the request context."""
    if statement.action_matcher.matches(action) == statement.not_action:
        return False
    return _covers(statement, resource, context, missing)


def _covers(
    statement: Statement,
    resource: str,
    context: ContextValues,
    missing: set[str] | None,
) -> bool:
    """Whether a statement that covers the action covers the resource and the context."""
    matcher = statement.resource_matcher
    if (
        matcher is not None
        and not statement.any_resource
        and not _resource_covers(statement, matcher, resource, context, missing)
    ):
        return False
    conditions = statement.conditions
    return not conditions or evaluate_conditions(conditions, context, missing)


def _resource_covers(
    statement: Statement,
    matcher: ResourceMatcher,
    resource: str,
    context: ContextValues,
    missing: set[str] | None,
) -> bool:
    """Whether the statement's ``Resource`` (or ``NotResource``) covers ``resource``."""
    result = matcher.match(resource, context, missing)
    if statement.not_resource:
        return result is MatchResult.NO_MATCH
    return result is MatchResult.MATCH

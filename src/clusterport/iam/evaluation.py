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

from dataclasses import dataclass, field
from enum import Enum

from clusterport.iam.conditions import evaluate_conditions
from clusterport.iam.context import ContextValues
from clusterport.iam.documents import Effect, PolicyDocument, PolicyKind, Statement
from clusterport.iam.matching import MatchResult
from clusterport.iam.principals import GrantLevel, PrincipalKind, match_principal
from clusterport.iam.request import AuthorizationRequest

MISSING_IDENTITY = "identity-based policy"
MISSING_RESOURCE = "resource-based policy"
MISSING_BOUNDARY = "permissions boundary"
MISSING_SESSION = "session policy"


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


@dataclass
class _Tally:
    denies: list[StatementRef] = field(default_factory=list)
    identity: list[StatementRef] = field(default_factory=list)
    boundary: list[StatementRef] = field(default_factory=list)
    session: list[StatementRef] = field(default_factory=list)
    resource: list[tuple[StatementRef, GrantLevel]] = field(default_factory=list)


def evaluate(request: AuthorizationRequest, policies: PolicySet) -> PolicyDecision:
    """Decide one request against its policies."""
    return _evaluate(request, policies, None).decision


def explain(request: AuthorizationRequest, policies: PolicySet) -> Explanation:
    """Decide one request and report every condition key it lacked."""
    missing: set[str] = set()
    return _evaluate(request, policies, missing)


def _evaluate(
    request: AuthorizationRequest, policies: PolicySet, missing: set[str] | None
) -> Explanation:
    context = request.condition_context()
    principal = request.principal
    tally = _Tally()
    for policy in policies.identity:
        _scan(policy, PolicyKind.IDENTITY, request, context, tally.identity, tally, missing)
    if policies.boundary is not None:
        boundary = policies.boundary
        _scan(boundary, PolicyKind.BOUNDARY, request, context, tally.boundary, tally, missing)
    for policy in policies.session:
        _scan(policy, PolicyKind.SESSION, request, context, tally.session, tally, missing)
    if policies.resource is not None:
        _scan_resource_policy(policies.resource, request, context, tally, missing)

    implicit = principal.kind in (PrincipalKind.ROOT, PrincipalKind.SERVICE)
    boundary_ok = implicit or policies.boundary is None or bool(tally.boundary)
    allowed_by_boundary = None if policies.boundary is None or implicit else bool(tally.boundary)
    missing_keys = tuple(sorted(missing)) if missing is not None else ()
    allows = tuple(tally.identity + tally.boundary + tally.session) + tuple(
        ref for ref, _ in tally.resource
    )

    if tally.denies:
        decision = PolicyDecision(False, DecisionOutcome.EXPLICIT_DENY, tuple(tally.denies))
        return Explanation(decision, missing_keys, allowed_by_boundary, allows)

    identity_ok = implicit or bool(tally.identity)
    session_ok = implicit or not policies.session or bool(tally.session)
    limits_ok = boundary_ok and session_ok
    identity_side = identity_ok and limits_ok
    level = max((lvl for _, lvl in tally.resource), default=None)
    resource_refs = tuple(ref for ref, _ in tally.resource)
    limit_refs = tuple(tally.boundary + tally.session)
    identity_refs = tuple(tally.identity) + limit_refs

    def limit_missing(substituted: bool) -> str:
        if not (identity_ok or substituted):
            return MISSING_IDENTITY
        return MISSING_BOUNDARY if not boundary_ok else MISSING_SESSION

    trust_required = (
        policies.resource is not None and policies.resource.document.kind is PolicyKind.TRUST
    )
    outcome: tuple[StatementRef, ...] | str
    if request.cross_account or principal.kind is PrincipalKind.SERVICE:
        if not identity_side:
            outcome = limit_missing(False)
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
        outcome = limit_missing(level is GrantLevel.BROAD)

    if isinstance(outcome, str):
        decision = PolicyDecision(False, DecisionOutcome.IMPLICIT_DENY, (), outcome)
    else:
        decision = PolicyDecision(True, DecisionOutcome.ALLOW, outcome)
    return Explanation(decision, missing_keys, allowed_by_boundary, allows)


def _scan(
    policy: NamedPolicy,
    kind: PolicyKind,
    request: AuthorizationRequest,
    context: ContextValues,
    allows: list[StatementRef],
    tally: _Tally,
    missing: set[str] | None,
) -> None:
    """Sort the applicable statements of a policy attached to the caller."""
    for index, statement in enumerate(policy.document.statements):
        if statement_applies(statement, request.action, request.resource, context, missing):
            ref = StatementRef(kind, policy.name, policy.arn, index, statement.sid)
            (tally.denies if statement.effect is Effect.DENY else allows).append(ref)


def _scan_resource_policy(
    policy: NamedPolicy,
    request: AuthorizationRequest,
    context: ContextValues,
    tally: _Tally,
    missing: set[str] | None,
) -> None:
    """Sort the statements of the resource-based policy that name the caller."""
    kind = policy.document.kind
    for index, statement in enumerate(policy.document.statements):
        if statement.principal is None:
            continue  # validation requires a principal in resource-based policies
        level = match_principal(
            statement.principal, request.principal, negated=statement.not_principal
        )
        if level is None:
            continue
        if statement_applies(statement, request.action, request.resource, context, missing):
            ref = StatementRef(kind, policy.name, policy.arn, index, statement.sid)
            if statement.effect is Effect.DENY:
                tally.denies.append(ref)
            else:
                tally.resource.append((ref, level))


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
    matcher = statement.resource_matcher
    if matcher is not None:
        result = matcher.match(resource, context, missing)
        if statement.not_resource:
            if result is not MatchResult.NO_MATCH:
                return False
        elif result is not MatchResult.MATCH:
            return False
    return evaluate_conditions(statement.conditions, context, missing)

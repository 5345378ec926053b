"""Policy simulation, for ``SimulatePrincipalPolicy`` and ``SimulateCustomPolicy``.

Each (action, resource) pair is evaluated exactly as a real request would be;
the result carries the fields of IAM's ``EvaluationResult``: the decision
(``allowed`` / ``explicitDeny`` / ``implicitDeny``), the statements that
matched, the condition keys the simulation lacked values for, and whether
the permissions boundary allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType

from clusterport.iam.documents import PolicyKind
from clusterport.iam.evaluation import (
    AttachmentKind,
    DecisionOutcome,
    NamedPolicy,
    PolicyDecision,
    PolicySet,
    StatementRef,
    explain,
)
from clusterport.iam.principals import PrincipalInfo, PrincipalKind
from clusterport.iam.request import AuthorizationRequest


class EvalDecision(Enum):
    """IAM's ``PolicyEvaluationDecisionType``."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


_DECISIONS: Mapping[DecisionOutcome, EvalDecision] = MappingProxyType(
    {
        DecisionOutcome.ALLOW: EvalDecision.ALLOWED,
        DecisionOutcome.EXPLICIT_DENY: EvalDecision.EXPLICIT_DENY,
        DecisionOutcome.IMPLICIT_DENY: EvalDecision.IMPLICIT_DENY,
    }
)


@dataclass(frozen=True)
class Position:
    """A place in a policy document (IAM's ``Position``: 1-based line and column)."""

    line: int
    column: int


@dataclass(frozen=True)
class MatchedStatement:
    """IAM's ``Statement`` of an evaluation result.

    ``source_policy_type`` is one of ``user``, ``group``, ``role``,
    ``aws-managed``, ``user-managed``, ``resource``, ``none``. Positions are
    not tracked (IAM marks them optional); ``statement_index`` says which
    statement it was instead.
    """

    source_policy_id: str
    source_policy_type: str
    statement_index: int
    sid: str | None = None
    start_position: Position | None = None
    end_position: Position | None = None


@dataclass(frozen=True)
class SimulationResult:
    """IAM's ``EvaluationResult`` for one action on one resource."""

    action: str
    resource: str
    decision: EvalDecision
    matched_statements: tuple[MatchedStatement, ...]
    missing_context_values: tuple[str, ...]
    allowed_by_permissions_boundary: bool | None
    policy_decision: PolicyDecision


def pair_count(actions: Sequence[str], resources: Sequence[str]) -> int:
    """How many results a simulation of ``actions`` on ``resources`` has."""
    return len(actions) * max(1, len(resources))


def simulate(
    policies: PolicySet,
    actions: Sequence[str],
    resources: Sequence[str],
    context: Mapping[str, str | Sequence[str]],
    principal: PrincipalInfo,
    *,
    resource_account: str | None = None,
    start: int = 0,
    stop: int | None = None,
) -> list[SimulationResult]:
    """Evaluate every action on every resource (``"*"`` when none are given).

    Results come action by action, each over every resource. ``start`` and
    ``stop`` choose a window of that order (a page): only its pairs are
    evaluated, so the cost of a call is bounded by its page, not by
    ``actions`` x ``resources``.
    """
    by_ref = _policies_by_ref(policies)
    targets = tuple(resources) or ("*",)
    total = len(actions) * len(targets)
    results: list[SimulationResult] = []
    for index in range(max(0, start), total if stop is None else min(stop, total)):
        action, resource = actions[index // len(targets)], targets[index % len(targets)]
        request = AuthorizationRequest(
            principal=principal,
            action=action,
            resource=resource,
            context=context,
            resource_account=resource_account,
        )
        explanation = explain(request, policies)
        decision = explanation.decision
        refs = (
            explanation.allows
            if decision.outcome is DecisionOutcome.IMPLICIT_DENY
            else decision.deciding
        )
        matched = tuple(_matched(ref, by_ref, principal) for ref in refs)
        results.append(
            SimulationResult(
                action=action,
                resource=resource,
                decision=_DECISIONS[decision.outcome],
                matched_statements=matched,
                missing_context_values=explanation.missing_context_keys,
                allowed_by_permissions_boundary=explanation.allowed_by_boundary,
                policy_decision=decision,
            )
        )
    return results


def _policies_by_ref(
    policies: PolicySet,
) -> dict[tuple[PolicyKind, str, str | None], NamedPolicy]:
    found: dict[tuple[PolicyKind, str, str | None], NamedPolicy] = {}
    for policy in policies.identity:
        found[(PolicyKind.IDENTITY, policy.name, policy.arn)] = policy
    if policies.boundary is not None:
        found[(PolicyKind.BOUNDARY, policies.boundary.name, policies.boundary.arn)] = (
            policies.boundary
        )
    for policy in policies.session:
        found[(PolicyKind.SESSION, policy.name, policy.arn)] = policy
    if policies.resource is not None:
        resource = policies.resource
        found[(resource.document.kind, resource.name, resource.arn)] = resource
    return found


def _matched(
    ref: StatementRef,
    by_ref: Mapping[tuple[PolicyKind, str, str | None], NamedPolicy],
    principal: PrincipalInfo,
) -> MatchedStatement:
    policy = by_ref[(ref.policy_kind, ref.policy_name, ref.policy_arn)]
    return MatchedStatement(
        source_policy_id=policy.name,
        source_policy_type=_source_type(ref.policy_kind, policy, principal),
        statement_index=ref.statement_index,
        sid=ref.sid,
    )


def _source_type(kind: PolicyKind, policy: NamedPolicy, principal: PrincipalInfo) -> str:
    if kind in (PolicyKind.RESOURCE, PolicyKind.TRUST):
        return "resource"
    if kind is PolicyKind.SESSION:
        return "none"
    if policy.source is not None:
        return policy.source
    if policy.kind is AttachmentKind.MANAGED:
        return "aws-managed" if policy.arn and ":iam::aws:policy/" in policy.arn else "user-managed"
    return "role" if principal.kind is PrincipalKind.ASSUMED_ROLE else "user"

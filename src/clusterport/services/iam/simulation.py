"""``SimulatePrincipalPolicy`` and ``SimulateCustomPolicy`` over the policy engine's simulator.

The principal's stored policies (or the custom ones) are evaluated exactly as a
real request would be, with the context entries given: global keys are not
filled in, so a condition on a key the caller did not pass shows up in
``MissingContextValues``, as on AWS.

A simulation is a lazy sequence of its results: a page of it evaluates only
the pairs on that page, so a call costs at most ``MaxItems`` (1,000)
evaluations however many actions and resources it names. The provider runs
it in the caller's share of the worker pool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, overload

from clusterport.iam import (
    AttachmentKind,
    MalformedPolicyError,
    NamedPolicy,
    PolicyKind,
    PolicySet,
    PrincipalInfo,
    PrincipalKind,
    SimulationResult,
    pair_count,
    parse_policy,
    simulate,
)
from clusterport.services.iam import names
from clusterport.services.iam import shapes_generated as shapes
from clusterport.services.iam import tags as tag_rules
from clusterport.services.iam.errors import invalid_input, no_such_entity
from clusterport.services.iam.principal_policies import entity_policies
from clusterport.services.iam.records import IamRecords


def context_entries(entries: Sequence[Mapping[str, Any]] | None) -> dict[str, list[str]]:
    """``ContextEntries`` as a request context."""
    return {
        str(e["ContextKeyName"]): [str(v) for v in e.get("ContextKeyValues") or []]
        for e in entries or ()
        if e.get("ContextKeyName")
    }


def _inputs(texts: Sequence[str] | None, kind: PolicyKind, label: str) -> list[NamedPolicy]:
    found = []
    for index, text in enumerate(texts or (), start=1):
        name = f"{label}.{index}"
        try:
            document = parse_policy(text, kind)
        except MalformedPolicyError as exc:
            hint = f" {exc.hint}" if exc.hint else ""
            raise invalid_input(f"{name} is not a valid policy: {exc.reason}.{hint}") from exc
        found.append(NamedPolicy(name, None, AttachmentKind.INLINE, document, "none"))
    return found


def _resource_side(
    params: Mapping[str, Any],
) -> tuple[NamedPolicy | None, str | None]:
    policy = None
    if params.get("ResourcePolicy"):
        policy = _inputs([params["ResourcePolicy"]], PolicyKind.RESOURCE, "ResourcePolicy")[0]
        policy = NamedPolicy("ResourcePolicy", None, AttachmentKind.INLINE, policy.document)
    owner = params.get("ResourceOwner")
    account = None
    if owner:
        account = (
            owner if owner.isdigit() else owner.split(":")[4] if owner.count(":") >= 5 else None
        )
    return policy, account


def _boundary(params: Mapping[str, Any], stored: NamedPolicy | None) -> NamedPolicy | None:
    given = _inputs(
        params.get("PermissionsBoundaryPolicyInputList"),
        PolicyKind.BOUNDARY,
        "PermissionsBoundaryPolicyInputList",
    )
    return given[0] if given else stored


def _caller(params: Mapping[str, Any], principal: PrincipalInfo) -> PrincipalInfo:
    caller_arn = params.get("CallerArn")
    if not caller_arn:
        return principal
    parsed = names.parse_entity_arn(caller_arn)
    if parsed is None or parsed.kind != names.USER:
        raise invalid_input(
            f"CallerArn {caller_arn} is not an IAM user ARN (arn:aws:iam::ACCOUNT:user/NAME)."
        )
    return PrincipalInfo(
        arn=caller_arn, account_id=parsed.account_id, kind=PrincipalKind.USER, username=parsed.name
    )


@dataclass(frozen=True)
class Simulation(Sequence[SimulationResult]):
    """Every action on every resource, evaluated only for the items asked for."""

    policies: PolicySet
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    context: Mapping[str, str | Sequence[str]] = field(repr=False)
    principal: PrincipalInfo
    resource_account: str | None

    def __len__(self) -> int:
        return pair_count(self.actions, self.resources)

    @overload
    def __getitem__(self, index: int) -> SimulationResult: ...

    @overload
    def __getitem__(self, index: slice) -> list[SimulationResult]: ...

    def __getitem__(self, index: int | slice) -> SimulationResult | list[SimulationResult]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return self._window(start, stop)
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        return self._window(position, position + 1)[0]

    def _window(self, start: int, stop: int) -> list[SimulationResult]:
        return simulate(
            self.policies,
            self.actions,
            self.resources,
            self.context,
            self.principal,
            resource_account=self.resource_account,
            start=start,
            stop=stop,
        )


def principal_policy(rec: IamRecords, params: Mapping[str, Any]) -> Simulation:
    """Simulate the policies of the user or role ``PolicySourceArn`` names."""
    source = params["PolicySourceArn"]
    parsed = names.parse_entity_arn(source)
    if parsed is None or parsed.kind not in (names.USER, names.ROLE):
        raise invalid_input(
            f"PolicySourceArn {source} must be the ARN of a user or role of this account "
            "(arn:aws:iam::ACCOUNT:user/NAME or …:role/NAME)."
        )
    row = rec.find(parsed.kind, parsed.name) if parsed.account_id == rec.account_id else None
    if row is None or row.data["Arn"] != source:
        raise no_such_entity(
            f"The {parsed.kind} {source} cannot be found in account {rec.account_id}; simulate "
            "a user or role of your own account."
        )
    identity, boundary = entity_policies(rec, row)
    excluded = set(params.get("PolicyExclusionList") or ())
    kept = [p for p in identity if p.name not in excluded and (p.arn or "") not in excluded]
    kept += _inputs(params.get("PolicyInputList"), PolicyKind.IDENTITY, "PolicyInputList")
    tags = tag_rules.as_dict(row.data.get("Tags", []))
    if parsed.kind == names.USER:
        principal = PrincipalInfo(
            arn=source,
            account_id=rec.account_id,
            kind=PrincipalKind.USER,
            user_id=row.data["Id"],
            username=row.data["Name"],
            tags=tags,
        )
    else:
        principal = PrincipalInfo(
            arn=source,
            account_id=rec.account_id,
            kind=PrincipalKind.ASSUMED_ROLE,
            user_id=row.data["Id"],
            tags=tags,
            role_arn=source,
        )
    resource_policy, owner = _resource_side(params)
    policies = PolicySet(
        identity=tuple(kept), boundary=_boundary(params, boundary), resource=resource_policy
    )
    return Simulation(
        policies,
        tuple(params["ActionNames"]),
        tuple(params.get("ResourceArns") or ()),
        context_entries(params.get("ContextEntries")),
        _caller(params, principal),
        owner,
    )


def custom_policy(account_id: str, params: Mapping[str, Any]) -> Simulation:
    """Simulate policies given in the request, for a user of the caller's account."""
    identity = _inputs(params["PolicyInputList"], PolicyKind.IDENTITY, "PolicyInputList")
    resource_policy, owner = _resource_side(params)
    principal = PrincipalInfo(
        arn=f"arn:aws:iam::{account_id}:user/SimulatedUser",
        account_id=account_id,
        kind=PrincipalKind.USER,
        username="SimulatedUser",
    )
    policies = PolicySet(
        identity=tuple(identity), boundary=_boundary(params, None), resource=resource_policy
    )
    return Simulation(
        policies,
        tuple(params["ActionNames"]),
        tuple(params.get("ResourceArns") or ()),
        context_entries(params.get("ContextEntries")),
        _caller(params, principal),
        owner,
    )


def result_output(result: SimulationResult) -> shapes.EvaluationResult:
    """IAM's ``EvaluationResult`` shape."""
    out: shapes.EvaluationResult = {
        "EvalActionName": result.action,
        "EvalResourceName": result.resource,
        "EvalDecision": result.decision.value,
        "MatchedStatements": [
            {"SourcePolicyId": m.source_policy_id, "SourcePolicyType": m.source_policy_type}
            for m in result.matched_statements
        ],
        "MissingContextValues": list(result.missing_context_values),
    }
    if result.allowed_by_permissions_boundary is not None:
        out["PermissionsBoundaryDecisionDetail"] = {
            "AllowedByPermissionsBoundary": result.allowed_by_permissions_boundary
        }
    return out

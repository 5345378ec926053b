"""Properties of the IAM policy engine over generated policies and requests.

- adding a Deny statement never widens access;
- adding an Allow statement never narrows it;
- the order of statements and of policies never changes the decision;
- the decision is deterministic;
- a document survives serialize -> parse unchanged;
- hostile input is refused with MalformedPolicyError, never another exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clusterport.iam import (
    AttachmentKind,
    AuthorizationRequest,
    DecisionOutcome,
    MalformedPolicyError,
    NamedPolicy,
    PolicyDecision,
    PolicyKind,
    PolicySet,
    PrincipalInfo,
    PrincipalKind,
    evaluate,
    parse_policy,
    serialize_policy,
)

A = "111111111111"
B = "222222222222"

PRINCIPALS = [
    PrincipalInfo(
        arn=f"arn:aws:iam::{A}:user/alice",
        account_id=A,
        kind=PrincipalKind.USER,
        user_id="AIDAALICEEXAMPLE0001",
        username="alice",
        tags={"team": "data"},
    ),
    PrincipalInfo(
        arn=f"arn:aws:sts::{A}:assumed-role/Studio/s1",
        account_id=A,
        kind=PrincipalKind.ASSUMED_ROLE,
        user_id="AROASTUDIOEXAMPLE001:s1",
        session_name="s1",
    ),
    PrincipalInfo(arn=f"arn:aws:iam::{A}:root", account_id=A, kind=PrincipalKind.ROOT),
    PrincipalInfo(
        arn=f"arn:aws:iam::{B}:user/bob", account_id=B, kind=PrincipalKind.USER, username="bob"
    ),
    PrincipalInfo(arn="ec2.amazonaws.com", account_id=A, kind=PrincipalKind.SERVICE),
]

CONCRETE_ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "ec2:DescribeVpcs",
    "elasticmapreduce:DescribeCluster",
    "elasticmapreduce:ListClusters",
    "sts:AssumeRole",
]
ACTION_PATTERNS = [*CONCRETE_ACTIONS, "*", "s3:*", "s3:Get*", "elasticmapreduce:*", "*:Describe*"]
TRUST_ACTIONS = ["sts:AssumeRole", "sts:*", "sts:TagSession"]
CONCRETE_RESOURCES = [
    "*",
    "arn:aws:s3:::bucket/alice/notes",
    "arn:aws:s3:::bucket/k1",
    f"arn:aws:elasticmapreduce:us-east-1:{B}:cluster/j-1",
    f"arn:aws:iam::{B}:role/Discovery",
]
RESOURCE_PATTERNS = [
    *CONCRETE_RESOURCES,
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:elasticmapreduce:*:*:cluster/*",
    "arn:aws:iam::*:role/*",
]
CONDITIONS: list[tuple[str, str, Any]] = [
    ("StringEquals", "aws:RequestedRegion", "us-east-1"),
    ("StringNotEquals", "aws:RequestedRegion", ["eu-west-1", "us-west-2"]),
    ("StringLike", "aws:PrincipalArn", "arn:aws:iam::*:role/Stu*"),
    ("StringNotLike", "s3:prefix", "secret/*"),
    ("NumericLessThan", "s3:max-keys", "100"),
    ("NumericGreaterThanEqualsIfExists", "s3:max-keys", "10"),
    ("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z"),
    ("Bool", "aws:SecureTransport", "true"),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
    ("NotIpAddress", "aws:SourceIp", "10.9.0.0/16"),
    ("ArnLike", "aws:SourceArn", "arn:aws:elasticmapreduce:*:*:cluster/*"),
    ("Null", "aws:TokenIssueTime", "true"),
    ("ForAnyValue:StringEquals", "aws:TagKeys", ["env", "team"]),
    ("ForAllValues:StringLike", "aws:TagKeys", ["t*", "env"]),
    ("StringEquals", "aws:PrincipalTag/team", "${aws:PrincipalTag/team, 'none'}"),
]
PRINCIPAL_ELEMENTS: list[Any] = [
    "*",
    {"AWS": "*"},
    {"AWS": f"arn:aws:iam::{A}:root"},
    {"AWS": A},
    {"AWS": f"arn:aws:iam::{A}:user/alice"},
    {"AWS": f"arn:aws:iam::{A}:role/Studio"},
    {"AWS": f"arn:aws:sts::{A}:assumed-role/Studio/s1"},
    {"AWS": [f"arn:aws:iam::{B}:root", f"arn:aws:iam::{A}:role/Studio"]},
    {"Service": "ec2.amazonaws.com"},
]
CONTEXT_CHOICES: dict[str, list[Any]] = {
    "aws:RequestedRegion": ["us-east-1", "eu-west-1"],
    "s3:prefix": ["home/x", "secret/y"],
    "s3:max-keys": ["5", "50", "500"],
    "aws:CurrentTime": ["2024-05-01T00:00:00Z", "2031-01-01T00:00:00Z"],
    "aws:SecureTransport": ["true", "false"],
    "aws:SourceIp": ["10.1.2.3", "10.9.1.1", "192.168.0.1"],
    "aws:SourceArn": [f"arn:aws:elasticmapreduce:us-east-1:{B}:cluster/j-1"],
    "aws:TokenIssueTime": ["2024-05-01T00:00:00Z"],
    "aws:TagKeys": [["env"], ["team", "tmp"], ["other"]],
}


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    block: dict[str, dict[str, Any]] = {}
    for operator, key, values in draw(st.lists(st.sampled_from(CONDITIONS), max_size=2)):
        block.setdefault(operator, {})[key] = values
    return block


@st.composite
def statements(
    draw: st.DrawFn,
    *,
    sid: str,
    effect: str | None = None,
    resource_based: bool = False,
    trust: bool = False,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "Sid": sid,
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
    }
    if resource_based:
        data["NotPrincipal" if draw(st.booleans()) and not trust else "Principal"] = draw(
            st.sampled_from(PRINCIPAL_ELEMENTS)
        )
    actions = draw(
        st.lists(
            st.sampled_from(TRUST_ACTIONS if trust else ACTION_PATTERNS), min_size=1, max_size=3
        )
    )
    data["NotAction" if draw(st.booleans()) and draw(st.booleans()) else "Action"] = actions
    if not trust:
        resources = draw(st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=2))
        negate = draw(st.booleans()) and draw(st.booleans())
        data["NotResource" if negate else "Resource"] = resources
    block = draw(conditions())
    if block:
        data["Condition"] = block
    return data


@st.composite
def documents(
    draw: st.DrawFn, kind: PolicyKind, prefix: str, *, trust: bool = False
) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=4))
    return {
        "Version": draw(st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17"])),
        "Statement": [
            draw(
                statements(sid=f"{prefix}{i}", resource_based=kind.requires_principal, trust=trust)
            )
            for i in range(count)
        ],
    }


def named(name: str, kind: PolicyKind, data: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(name, None, AttachmentKind.INLINE, parse_policy(json.dumps(data), kind))


@dataclass(frozen=True)
class Scenario:
    """Policy documents (as JSON data) and one request."""

    identity: tuple[dict[str, Any], ...]
    boundary: dict[str, Any] | None
    session: tuple[dict[str, Any], ...]
    resource: dict[str, Any] | None
    resource_kind: PolicyKind
    request: AuthorizationRequest

    def policies(self) -> PolicySet:
        return PolicySet(
            identity=tuple(
                named(f"id{i}", PolicyKind.IDENTITY, d) for i, d in enumerate(self.identity)
            ),
            boundary=None
            if self.boundary is None
            else named("b", PolicyKind.BOUNDARY, self.boundary),
            session=tuple(
                named(f"s{i}", PolicyKind.SESSION, d) for i, d in enumerate(self.session)
            ),
            resource=None
            if self.resource is None
            else named("r", self.resource_kind, self.resource),
        )

    def decide(self) -> PolicyDecision:
        return evaluate(self.request, self.policies())


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    principal = draw(st.sampled_from(PRINCIPALS))
    identity = tuple(
        draw(documents(PolicyKind.IDENTITY, f"I{i}x")) for i in range(draw(st.integers(0, 3)))
    )
    has_boundary = draw(st.booleans()) and draw(st.booleans())
    boundary = draw(documents(PolicyKind.BOUNDARY, "Bx")) if has_boundary else None
    session: tuple[dict[str, Any], ...] = ()
    if principal.kind is PrincipalKind.ASSUMED_ROLE and draw(st.booleans()):
        session = tuple(
            draw(documents(PolicyKind.SESSION, f"S{i}x")) for i in range(draw(st.integers(1, 2)))
        )
    resource_kind = draw(st.sampled_from([PolicyKind.RESOURCE, PolicyKind.TRUST]))
    resource = (
        draw(documents(resource_kind, "Rx", trust=resource_kind is PolicyKind.TRUST))
        if draw(st.booleans())
        else None
    )
    keys = draw(st.lists(st.sampled_from(sorted(CONTEXT_CHOICES)), unique=True, max_size=5))
    context = {key: draw(st.sampled_from(CONTEXT_CHOICES[key])) for key in keys}
    request = AuthorizationRequest(
        principal=principal,
        action=draw(st.sampled_from(CONCRETE_ACTIONS)),
        resource=draw(st.sampled_from(CONCRETE_RESOURCES)),
        context=context,
        resource_account=draw(st.sampled_from([None, A, B])),
    )
    return Scenario(identity, boundary, session, resource, resource_kind, request)


def with_statement(scenario: Scenario, slot: str, statement: dict[str, Any]) -> Scenario:
    """The scenario with one more statement in one of its policies (or a new identity policy)."""

    def added(document: dict[str, Any]) -> dict[str, Any]:
        return {**document, "Statement": [*document["Statement"], statement]}

    if slot == "boundary" and scenario.boundary is not None:
        return replace(scenario, boundary=added(scenario.boundary))
    if slot == "session" and scenario.session:
        return replace(scenario, session=(added(scenario.session[0]), *scenario.session[1:]))
    if slot == "resource" and scenario.resource is not None:
        return replace(scenario, resource=added(scenario.resource))
    if slot == "identity-existing" and scenario.identity:
        return replace(scenario, identity=(added(scenario.identity[0]), *scenario.identity[1:]))
    extra = {"Version": "2012-10-17", "Statement": [statement]}
    return replace(scenario, identity=(*scenario.identity, extra))


SLOTS = ["identity-new", "identity-existing", "boundary", "session", "resource"]


@st.composite
def extra_statement(draw: st.DrawFn, scenario: Scenario, effect: str) -> tuple[str, dict[str, Any]]:
    slot = draw(st.sampled_from(SLOTS))
    if slot == "resource" and scenario.resource is not None:
        trust = scenario.resource_kind is PolicyKind.TRUST
        return slot, draw(statements(sid="Extra", effect=effect, resource_based=True, trust=trust))
    if slot == "resource":
        slot = "identity-new"
    return slot, draw(statements(sid="Extra", effect=effect))


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_adding_a_deny_never_widens_access(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    slot, statement = data.draw(extra_statement(scenario, "Deny"))
    before = scenario.decide()
    after = with_statement(scenario, slot, statement).decide()
    if after.allowed:
        assert before.allowed
    if before.outcome is DecisionOutcome.EXPLICIT_DENY:
        assert after.outcome is DecisionOutcome.EXPLICIT_DENY


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_adding_an_allow_never_narrows_access(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    slot, statement = data.draw(extra_statement(scenario, "Allow"))
    before = scenario.decide()
    after = with_statement(scenario, slot, statement).decide()
    if before.allowed:
        assert after.allowed
    assert (before.outcome is DecisionOutcome.EXPLICIT_DENY) == (
        after.outcome is DecisionOutcome.EXPLICIT_DENY
    )


def shuffled(document: dict[str, Any] | None, permutation: list[int]) -> dict[str, Any] | None:
    if document is None:
        return None
    items = document["Statement"]
    order = sorted(range(len(items)), key=lambda i: permutation[i % len(permutation)] * 100 + i)
    return {**document, "Statement": [items[i] for i in reversed(order)]}


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_statement_and_policy_order_never_matter(data: st.DataObject) -> None:
    scenario = data.draw(scenarios())
    permutation = data.draw(st.permutations(range(4)))
    reordered = replace(
        scenario,
        identity=tuple(shuffled(d, permutation) or d for d in reversed(scenario.identity)),
        boundary=shuffled(scenario.boundary, permutation),
        session=tuple(shuffled(d, permutation) or d for d in reversed(scenario.session)),
        resource=shuffled(scenario.resource, permutation),
    )
    first = scenario.decide()
    second = reordered.decide()
    assert (first.allowed, first.outcome, first.missing) == (
        second.allowed,
        second.outcome,
        second.missing,
    )

    def deciding(decision: PolicyDecision) -> set[tuple[PolicyKind, str | None]]:
        return {(ref.policy_kind, ref.sid) for ref in decision.deciding}

    assert deciding(first) == deciding(second)


@settings(max_examples=200, deadline=None)
@given(scenario=scenarios())
def test_decision_is_deterministic(scenario: Scenario) -> None:
    policies = scenario.policies()
    first = evaluate(scenario.request, policies)
    assert evaluate(scenario.request, policies) == first
    assert evaluate(scenario.request, scenario.policies()) == first
    assert first.allowed is (first.outcome is DecisionOutcome.ALLOW)
    assert (first.missing != "") is (first.outcome is DecisionOutcome.IMPLICIT_DENY)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(list(PolicyKind)),
    data=st.data(),
)
def test_serialize_then_parse_round_trips(kind: PolicyKind, data: st.DataObject) -> None:
    document = data.draw(documents(kind, "Dx", trust=kind is PolicyKind.TRUST))
    if data.draw(st.booleans()):
        document["Statement"] = document["Statement"][0]
    if data.draw(st.booleans()):
        document.pop("Version")
    parsed = parse_policy(json.dumps(document), kind)
    text = serialize_policy(parsed)
    again = parse_policy(text, kind)
    assert again == parsed
    assert serialize_policy(again) == text


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["*", "${", "${aws:username", "${a, 'x}", "${${*}}", "arn:aws:s3:::${?}"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Effect",
                    "Action",
                    "Resource",
                    "Principal",
                    "Condition",
                    "Sid",
                    "AWS",
                    "StringLike",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)
HOSTILE_STRINGS = st.text(max_size=20) | st.sampled_from(
    [
        "*",
        "?",
        "${",
        "}",
        "${aws:username",
        "${aws:username, 'x}",
        "${${*}}",
        "${ }",
        "${aws:PrincipalTag/team, 'it''s'}",
        "arn:aws:s3:::${?}/${*}/${$}",
        "arn:aws:s3:::bucket/${aws:username}/*",
        "arn:aws:s3:::" + "*" * 300,
        "s3:" + "?" * 50,
        "s3:Get*",
        "arn:aws:iam::111111111111:root",
        "111111111111",
        "10.0.0.0/33",
        "::1/128",
        "2024-13-45T99:99:99Z",
        "1e999",
        "-0",
        "NaN",
    ]
)
HOSTILE_CONDITIONS = st.dictionaries(
    st.sampled_from(
        [
            "StringLike",
            "ForAnyValue:StringNotLike",
            "ArnLike",
            "NumericLessThan",
            "DateGreaterThan",
            "IpAddress",
            "NotIpAddressIfExists",
            "BinaryEquals",
            "Bool",
            "Null",
            "ForAllValues:ArnNotEquals",
        ]
    ),
    st.dictionaries(
        st.sampled_from(["aws:SourceIp", "aws:username", "s3:prefix", "aws:CurrentTime", "k"]),
        HOSTILE_STRINGS | st.lists(HOSTILE_STRINGS, max_size=3) | st.integers() | st.booleans(),
        max_size=2,
    ),
    max_size=3,
)
REPLACEMENTS = (
    JSON_VALUES
    | HOSTILE_STRINGS
    | st.lists(HOSTILE_STRINGS, min_size=1, max_size=3)
    | HOSTILE_CONDITIONS
)
STATEMENT_ELEMENTS = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
    "Unknown",
]


HOSTILE_CONTEXT = {
    "aws:SourceIp": "not-an-ip",
    "aws:CurrentTime": "yesterday",
    "s3:prefix": ["${*}", "*", ""],
    "k": "\x00",
}


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(PolicyKind)),
    data=st.data(),
)
def test_hostile_documents_are_refused_cleanly(kind: PolicyKind, data: st.DataObject) -> None:
    """Any input either parses into a usable document or raises MalformedPolicyError."""
    document: Any = data.draw(documents(kind, "Hx", trust=kind is PolicyKind.TRUST))
    for _ in range(data.draw(st.integers(1, 3))):
        statement = data.draw(st.sampled_from(document["Statement"]))
        statement[data.draw(st.sampled_from(STATEMENT_ELEMENTS))] = data.draw(REPLACEMENTS)
    if data.draw(st.booleans()) and data.draw(st.booleans()):
        document = data.draw(JSON_VALUES)
    text = json.dumps(document)
    if data.draw(st.booleans()):
        cut = data.draw(st.integers(0, len(text)))
        text = text[:cut]
    try:
        parsed = parse_policy(text, kind)
    except MalformedPolicyError as refused:
        assert refused.reason
        return
    policies = (
        PolicySet(resource=NamedPolicy("r", None, AttachmentKind.INLINE, parsed))
        if kind.requires_principal
        else PolicySet(identity=(NamedPolicy("p", None, AttachmentKind.INLINE, parsed),))
    )
    for principal in PRINCIPALS:
        for resource in ("*", "arn:aws:s3:::bucket/k1"):
            request = AuthorizationRequest(principal, "s3:GetObject", resource, HOSTILE_CONTEXT)
            assert isinstance(evaluate(request, policies), PolicyDecision)

"""The IAM policy engine: documents, operators, variables, evaluation, messages, managed policies.

Tables of cases, each one a document and a request with the decision AWS documents for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from clusterport.iam import (
    AWS_MANAGED_POLICY_ARNS,
    MISSING_BOUNDARY,
    MISSING_IDENTITY,
    MISSING_RESOURCE,
    MISSING_SESSION,
    AttachmentKind,
    AuthorizationRequest,
    DecisionOutcome,
    EvalDecision,
    MalformedPolicyError,
    NamedPolicy,
    PolicyDecision,
    PolicyDocument,
    PolicyKind,
    PolicySet,
    PolicySizeError,
    PrincipalInfo,
    PrincipalKind,
    SizeQuota,
    access_denied_message,
    aws_managed_policy,
    aws_managed_policy_info,
    evaluate,
    parse_policy,
    policy_size,
    serialize_policy,
    simulate,
)
from clusterport.iam.cache import ParsedPolicies
from conftest import SAMPLES

A = "111111111111"
B = "222222222222"

ALICE = PrincipalInfo(
    arn=f"arn:aws:iam::{A}:user/alice",
    account_id=A,
    kind=PrincipalKind.USER,
    user_id="AIDAALICEEXAMPLE0001",
    username="alice",
    tags={"team": "data"},
)
SESSION = PrincipalInfo(
    arn=f"arn:aws:sts::{A}:assumed-role/StudioExecution/SageMakerStudioUser",
    account_id=A,
    kind=PrincipalKind.ASSUMED_ROLE,
    user_id="AROASTUDIOEXAMPLE001:SageMakerStudioUser",
    session_name="SageMakerStudioUser",
    tags={"team": "science"},
)
ROLE_ARN = f"arn:aws:iam::{A}:role/StudioExecution"
ROOT_A = PrincipalInfo(arn=f"arn:aws:iam::{A}:root", account_id=A, kind=PrincipalKind.ROOT)
EMR_SERVICE = PrincipalInfo(
    arn="elasticmapreduce.amazonaws.com", account_id=B, kind=PrincipalKind.SERVICE
)


def stmt(
    action: str | list[str] = "s3:GetObject",
    resource: str | list[str] | None = "*",
    effect: str = "Allow",
    **extra: Any,
) -> dict[str, Any]:
    """A statement; ``resource=None`` leaves Resource out; extra elements are added as given."""
    data: dict[str, Any] = {"Effect": effect}
    if "NotAction" not in extra:
        data["Action"] = action
    if resource is not None and "NotResource" not in extra:
        data["Resource"] = resource
    data.update(extra)
    return data


def document(
    kind: PolicyKind, *statements: dict[str, Any], version: str | None = "2012-10-17"
) -> PolicyDocument:
    data: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        data["Version"] = version
    return parse_policy(json.dumps(data), kind)


def inline(
    name: str, *statements: dict[str, Any], version: str | None = "2012-10-17"
) -> NamedPolicy:
    return NamedPolicy(
        name,
        None,
        AttachmentKind.INLINE,
        document(PolicyKind.IDENTITY, *statements, version=version),
    )


def managed(name: str, *statements: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(
        name,
        f"arn:aws:iam::{A}:policy/{name}",
        AttachmentKind.MANAGED,
        document(PolicyKind.IDENTITY, *statements),
    )


def boundary(*statements: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(
        "Boundary",
        f"arn:aws:iam::{A}:policy/Boundary",
        AttachmentKind.MANAGED,
        document(PolicyKind.BOUNDARY, *statements),
    )


def session_policy(*statements: dict[str, Any]) -> NamedPolicy:
    return NamedPolicy(
        "SessionPolicy", None, AttachmentKind.INLINE, document(PolicyKind.SESSION, *statements)
    )


def resource_policy(
    *statements: dict[str, Any], kind: PolicyKind = PolicyKind.RESOURCE
) -> NamedPolicy:
    return NamedPolicy("ResourcePolicy", None, AttachmentKind.INLINE, document(kind, *statements))


def trust(*statements: dict[str, Any]) -> NamedPolicy:
    return resource_policy(*statements, kind=PolicyKind.TRUST)


def decide(
    policies: PolicySet,
    action: str = "s3:GetObject",
    resource: str = "*",
    context: Mapping[str, str | Sequence[str]] | None = None,
    principal: PrincipalInfo = ALICE,
    resource_account: str | None = None,
) -> PolicyDecision:
    request = AuthorizationRequest(principal, action, resource, context or {}, resource_account)
    return evaluate(request, policies)


# --------------------------------------------------------------------------------------------
# Condition operators
# --------------------------------------------------------------------------------------------

MISSING = None
K = "aws:RequestedRegion"
TAGS = "aws:TagKeys"
OPERATOR_CASES: list[tuple[str, str, Any, Any, bool]] = [
    # (operator, key, policy values, request value (None = key absent), condition holds)
    ("StringEquals", K, "us-east-1", "us-east-1", True),
    ("StringEquals", K, "us-east-1", "us-west-2", False),
    ("StringEquals", K, "us-east-1", "US-EAST-1", False),
    ("StringEquals", "AWS:REQUESTEDREGION", "us-east-1", "us-east-1", True),
    ("StringEquals", K, ["eu-west-1", "us-east-1"], "us-east-1", True),
    ("StringEquals", K, "us-east-1", MISSING, False),
    ("StringNotEquals", K, "us-east-1", "us-west-2", True),
    ("StringNotEquals", K, "us-east-1", "us-east-1", False),
    ("StringNotEquals", K, ["us-east-1", "us-west-2"], "us-west-2", False),
    ("StringNotEquals", K, "us-east-1", MISSING, True),
    ("StringEqualsIgnoreCase", K, "US-EAST-1", "us-east-1", True),
    ("StringEqualsIgnoreCase", K, "US-EAST-1", "us-west-2", False),
    ("StringNotEqualsIgnoreCase", K, "US-EAST-1", "us-east-1", False),
    ("StringNotEqualsIgnoreCase", K, "US-EAST-1", "eu-west-1", True),
    ("StringNotEqualsIgnoreCase", K, "US-EAST-1", MISSING, True),
    ("StringLike", K, "us-*", "us-east-1", True),
    ("StringLike", K, "us-east-?", "us-east-1", True),
    ("StringLike", K, "us-east-?", "us-east-10", False),
    ("StringLike", K, "eu-*", "us-east-1", False),
    ("StringLike", K, "US-*", "us-east-1", False),
    ("StringLike", K, "us-*", MISSING, False),
    ("StringNotLike", K, "eu-*", "us-east-1", True),
    ("StringNotLike", K, "us-*", "us-east-1", False),
    ("StringNotLike", K, "us-*", MISSING, True),
    ("NumericEquals", "s3:max-keys", "10", "10", True),
    ("NumericEquals", "s3:max-keys", 10, "10.0", True),
    ("NumericEquals", "s3:max-keys", "10", "11", False),
    ("NumericEquals", "s3:max-keys", "ten", "10", False),
    ("NumericEquals", "s3:max-keys", "10", "ten", False),
    ("NumericNotEquals", "s3:max-keys", "10", "11", True),
    ("NumericNotEquals", "s3:max-keys", "10", "10", False),
    ("NumericNotEquals", "s3:max-keys", "10", MISSING, True),
    ("NumericLessThan", "s3:max-keys", "10", "9", True),
    ("NumericLessThan", "s3:max-keys", "10", "10", False),
    ("NumericLessThanEquals", "s3:max-keys", "10", "10", True),
    ("NumericLessThanEquals", "s3:max-keys", "10", "10.5", False),
    ("NumericGreaterThan", "s3:max-keys", "10", "11", True),
    ("NumericGreaterThan", "s3:max-keys", "10", "10", False),
    ("NumericGreaterThanEquals", "s3:max-keys", "10", "10", True),
    ("NumericGreaterThanEquals", "s3:max-keys", "10", "-3", False),
    ("NumericLessThan", "s3:max-keys", "10", MISSING, False),
    ("DateEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00+00:00", True),
    ("DateEquals", "aws:CurrentTime", "1704067200", "2024-01-01T00:00:00Z", True),
    ("DateEquals", "aws:CurrentTime", "2024-01-01", "2024-01-01T00:00:00Z", True),
    ("DateEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", False),
    ("DateNotEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", True),
    ("DateNotEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", MISSING, True),
    ("DateLessThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z", True),
    ("DateLessThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False),
    ("DateLessThanEquals", "aws:CurrentTime", "2024-01-01T00:00:00Z", "1704067200", True),
    (
        "DateGreaterThan",
        "aws:CurrentTime",
        "2024-01-01T00:00:00Z",
        "2024-01-01T02:00:00+01:00",
        True,
    ),
    ("DateGreaterThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", "2023-01-01T00:00:00Z", False),
    (
        "DateGreaterThanEquals",
        "aws:CurrentTime",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00Z",
        True,
    ),
    ("DateGreaterThan", "aws:CurrentTime", "2024-01-01T00:00:00Z", MISSING, False),
    ("Bool", "aws:SecureTransport", "true", "true", True),
    ("Bool", "aws:SecureTransport", True, "TRUE", True),
    ("Bool", "aws:SecureTransport", "false", "true", False),
    ("Bool", "aws:SecureTransport", "false", MISSING, False),
    ("BinaryEquals", "s3:x-amz-key", "QmluYXJ5VmFsdWU=", "QmluYXJ5VmFsdWU=", True),
    ("BinaryEquals", "s3:x-amz-key", "QmluYXJ5VmFsdWU=", "T3RoZXI=", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.9", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.7", "203.0.113.7", True),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", "2001:db8::1", True),
    ("IpAddress", "aws:SourceIp", "2001:db8::/32", "203.0.113.9", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", MISSING, False),
    # request values the plain-IPv4 path leaves to the ipaddress module, which agrees
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", " 203.0.113.9 ", True),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.09", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.256", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.9.1", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "::ffff:203.0.113.9", False),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24", "not an address", False),
    ("IpAddress", "aws:SourceIp", "0.0.0.0/0", "0.0.0.0", True),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", "10.255.255.255", True),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8", "11.0.0.0", False),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.256", True),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", True),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", "203.0.113.9", False),
    ("NotIpAddress", "aws:SourceIp", "203.0.113.0/24", MISSING, True),
    (
        "ArnEquals",
        "aws:SourceArn",
        "arn:aws:elasticmapreduce:us-east-1:222222222222:cluster/j-ABC",
        "arn:aws:elasticmapreduce:us-east-1:222222222222:cluster/j-ABC",
        True,
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:ec2:us-*:111111111111:instance/*",
        "arn:aws:ec2:us-east-1:111111111111:instance/i-1",
        True,
    ),
    (
        # each ARN part on its own: the region wildcard may not swallow the account part
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:ec2:*:111111111111:instance/*",
        "arn:aws:ec2:us-east-1:x:111111111111:instance/i-1",
        False,
    ),
    (
        "ArnLike",
        "aws:SourceArn",
        "arn:aws:s3:::bucket/*",
        "arn:aws:s3:::bucket/a:b/c",
        True,
    ),
    (
        "ArnNotEquals",
        "aws:SourceArn",
        "arn:aws:sns:us-east-1:111111111111:topic",
        "arn:aws:sns:us-east-1:111111111111:other",
        True,
    ),
    (
        "ArnNotLike",
        "aws:SourceArn",
        "arn:aws:sns:*:111111111111:*",
        "arn:aws:sns:us-east-1:111111111111:topic",
        False,
    ),
    ("ArnNotLike", "aws:SourceArn", "arn:aws:sns:*:111111111111:*", MISSING, True),
    ("ArnLike", "aws:SourceArn", "arn:aws:sns:*:111111111111:*", MISSING, False),
    ("Null", "aws:TokenIssueTime", "true", MISSING, True),
    ("Null", "aws:TokenIssueTime", "true", "2024-01-01T00:00:00Z", False),
    ("Null", "aws:TokenIssueTime", "false", "2024-01-01T00:00:00Z", True),
    ("Null", "aws:TokenIssueTime", False, MISSING, False),
    ("StringEqualsIfExists", K, "us-east-1", MISSING, True),
    ("StringEqualsIfExists", K, "us-east-1", "us-west-2", False),
    ("StringEqualsIfExists", K, "us-east-1", "us-east-1", True),
    ("StringNotEqualsIfExists", K, "us-east-1", "us-east-1", False),
    ("NumericLessThanIfExists", "s3:max-keys", "10", MISSING, True),
    ("NumericLessThanIfExists", "s3:max-keys", "10", "20", False),
    ("DateLessThanIfExists", "aws:CurrentTime", "2024-01-01", MISSING, True),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", "false", MISSING, True),
    ("IpAddressIfExists", "aws:SourceIp", "203.0.113.0/24", "198.51.100.1", False),
    ("ArnLikeIfExists", "aws:SourceArn", "arn:aws:sns:*:*:*", MISSING, True),
    # multivalued keys
    ("ForAllValues:StringEquals", TAGS, ["env", "team", "owner"], ["env", "team"], True),
    ("ForAllValues:StringEquals", TAGS, ["env", "team"], ["env", "cost"], False),
    ("ForAllValues:StringEquals", TAGS, ["env"], MISSING, True),
    ("ForAllValues:StringEquals", TAGS, ["env"], [], True),
    ("ForAllValues:StringLike", TAGS, ["tmp-*"], ["tmp-a", "tmp-b"], True),
    ("ForAllValues:StringNotLike", TAGS, ["tmp-*"], ["env", "team"], True),
    ("ForAllValues:StringNotLike", TAGS, ["tmp-*"], ["env", "tmp-x"], False),
    ("ForAnyValue:StringEquals", TAGS, ["env"], ["env", "cost"], True),
    ("ForAnyValue:StringEquals", TAGS, ["env"], ["cost"], False),
    ("ForAnyValue:StringEquals", TAGS, ["env"], MISSING, False),
    ("ForAnyValue:StringNotEquals", TAGS, ["env"], ["env", "cost"], True),
    ("ForAnyValue:StringNotEquals", TAGS, ["env"], ["env"], False),
    ("ForAnyValue:StringNotEquals", TAGS, ["env"], MISSING, False),
    ("ForAnyValue:StringEqualsIfExists", TAGS, ["env"], MISSING, True),
    ("ForAnyValue:StringEqualsIgnoreCase", TAGS, ["ENV"], ["env"], True),
    ("ForAllValues:NumericLessThan", "ec2:VolumeSizes", "100", ["10", "99"], True),
    ("ForAllValues:NumericLessThan", "ec2:VolumeSizes", "100", ["10", "200"], False),
    ("ForAnyValue:IpAddress", "aws:SourceIpList", "10.0.0.0/8", ["192.168.0.1", "10.1.2.3"], True),
    # a multivalued request key under a plain operator: any value may match
    ("StringEquals", TAGS, "team", ["env", "team"], True),
    ("StringNotEquals", TAGS, "team", ["env", "team"], False),
    ("StringNotEquals", TAGS, "cost", ["env", "team"], True),
]


@pytest.mark.parametrize(
    ("operator", "key", "values", "request_value", "holds"),
    OPERATOR_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(OPERATOR_CASES)],
)
def test_condition_operator(
    operator: str, key: str, values: Any, request_value: Any, holds: bool
) -> None:
    policies = PolicySet(identity=(inline("p", stmt(Condition={operator: {key: values}})),))
    context = {} if request_value is MISSING else {key: request_value}
    decision = decide(policies, context=context)
    assert decision.allowed is holds
    expected_outcome = DecisionOutcome.ALLOW if holds else DecisionOutcome.IMPLICIT_DENY
    assert decision.outcome is expected_outcome
    # in a Deny statement the same condition decides whether the deny applies
    deny = PolicySet(
        identity=(
            inline("allow", stmt()),
            inline("deny", stmt(effect="Deny", Condition={operator: {key: values}})),
        )
    )
    denied = decide(deny, context=context)
    assert denied.outcome is (DecisionOutcome.EXPLICIT_DENY if holds else DecisionOutcome.ALLOW)


def test_every_operator_is_covered_by_the_table() -> None:
    bases = {
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
        "StringLike", "StringNotLike", "NumericEquals", "NumericNotEquals", "NumericLessThan",
        "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals", "DateEquals",
        "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
        "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
        "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
    }  # fmt: skip
    covered = {case[0].split(":")[-1].removesuffix("IfExists") for case in OPERATOR_CASES}
    assert bases <= covered


def test_condition_keys_and_operators_combine_with_and() -> None:
    condition = {
        "StringEquals": {"aws:RequestedRegion": "us-east-1", "aws:PrincipalTag/team": "data"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    policies = PolicySet(identity=(inline("p", stmt(Condition=condition)),))
    full = {"aws:RequestedRegion": "us-east-1", "aws:SecureTransport": "true"}
    assert decide(policies, context=full).allowed
    assert not decide(policies, context={"aws:RequestedRegion": "us-east-1"}).allowed
    other_team = PrincipalInfo(
        arn=f"arn:aws:iam::{A}:user/bob", account_id=A, kind=PrincipalKind.USER, tags={"team": "x"}
    )
    assert not decide(policies, context=full, principal=other_team).allowed


def test_unknown_operator_with_empty_block_is_accepted_and_ignored() -> None:
    policy = inline("p", stmt(Condition={"StringEqualz": {}}))
    assert decide(PolicySet(identity=(policy,))).allowed


# --------------------------------------------------------------------------------------------
# Keys the engine fills from the principal
# --------------------------------------------------------------------------------------------


def test_principal_keys_are_filled_from_the_principal_and_cannot_be_spoofed() -> None:
    condition = {
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{A}:role/Studio*"},
        "StringEquals": {
            "aws:PrincipalAccount": A,
            "aws:PrincipalType": "AssumedRole",
            "aws:userid": "AROASTUDIOEXAMPLE001:SageMakerStudioUser",
            "aws:PrincipalTag/team": "science",
        },
    }
    policies = PolicySet(identity=(inline("p", stmt(Condition=condition)),))
    assert decide(policies, principal=SESSION).allowed
    spoofed = {"aws:PrincipalTag/team": "admin", "aws:PrincipalAccount": B}
    assert decide(policies, principal=SESSION, context=spoofed).allowed
    spoof_only = PolicySet(
        identity=(
            inline("p", stmt(Condition={"StringEquals": {"aws:PrincipalTag/team": "admin"}})),
        )
    )
    assert not decide(spoof_only, principal=SESSION, context=spoofed).allowed


def test_username_only_for_users_and_root_principal_type() -> None:
    condition = {"StringEquals": {"aws:username": "alice", "aws:PrincipalType": "User"}}
    policies = PolicySet(identity=(inline("p", stmt(Condition=condition)),))
    assert decide(policies, principal=ALICE).allowed
    assert not decide(policies, principal=SESSION).allowed
    null_username = PolicySet(
        identity=(inline("p", stmt(Condition={"Null": {"aws:username": "true"}})),)
    )
    assert decide(null_username, principal=SESSION).allowed


# --------------------------------------------------------------------------------------------
# Policy variables
# --------------------------------------------------------------------------------------------

HOME = "arn:aws:s3:::home"


@pytest.mark.parametrize(
    ("resource_pattern", "principal", "resource", "allowed"),
    [
        (HOME + "/${aws:username}/*", ALICE, HOME + "/alice/notes.txt", True),
        (HOME + "/${aws:username}/*", ALICE, HOME + "/bob/notes.txt", False),
        (HOME + "/${AWS:UserName}/*", ALICE, HOME + "/alice/notes.txt", True),
        (HOME + "/${aws:username}/*", SESSION, HOME + "/alice/notes.txt", False),
        (HOME + "/${aws:username, 'shared'}/*", SESSION, HOME + "/shared/x", True),
        (HOME + "/${aws:username, 'shared'}/*", ALICE, HOME + "/alice/x", True),
        (HOME + "/${aws:username, 'shared'}/*", ALICE, HOME + "/shared/x", False),
        (HOME + "/${aws:username, 'it''s'}/*", SESSION, HOME + "/it's/x", True),
        (HOME + "/${aws:PrincipalTag/team}/*", ALICE, HOME + "/data/x", True),
        (HOME + "/${aws:PrincipalTag/team}/*", SESSION, HOME + "/science/x", True),
        (HOME + "/${aws:PrincipalTag/team}/*", SESSION, HOME + "/data/x", False),
        (
            HOME + "/${aws:userid}/*",
            SESSION,
            HOME + "/AROASTUDIOEXAMPLE001:SageMakerStudioUser/x",
            True,
        ),
        (HOME + "/${*}", ALICE, HOME + "/*", True),
        (HOME + "/${*}", ALICE, HOME + "/anything", False),
        (HOME + "/${?}", ALICE, HOME + "/?", True),
        (HOME + "/${?}", ALICE, HOME + "/a", False),
        (HOME + "/${$}x", ALICE, HOME + "/$x", True),
        (HOME + "/${aws:username", ALICE, HOME + "/${aws:username", True),
    ],
)
def test_policy_variables_in_resources(
    resource_pattern: str, principal: PrincipalInfo, resource: str, allowed: bool
) -> None:
    policies = PolicySet(identity=(inline("p", stmt(resource=resource_pattern)),))
    assert decide(policies, resource=resource, principal=principal).allowed is allowed


def test_variables_are_plain_text_in_version_2008_and_without_version() -> None:
    for version in ("2008-10-17", None):
        policy = inline("p", stmt(resource=HOME + "/${aws:username}/*"), version=version)
        policies = PolicySet(identity=(policy,))
        assert not decide(policies, resource=HOME + "/alice/x").allowed
        assert decide(policies, resource=HOME + "/${aws:username}/x").allowed


def test_variable_values_are_literal_not_wildcards() -> None:
    starry = PrincipalInfo(
        arn=f"arn:aws:iam::{A}:user/star", account_id=A, kind=PrincipalKind.USER, tags={"p": "*"}
    )
    policies = PolicySet(identity=(inline("p", stmt(resource=HOME + "/${aws:PrincipalTag/p}")),))
    assert decide(policies, resource=HOME + "/*", principal=starry).allowed
    assert not decide(policies, resource=HOME + "/other", principal=starry).allowed


def test_policy_variables_in_condition_values() -> None:
    condition = {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "shared/${*}"]}}
    policies = PolicySet(identity=(inline("p", stmt(Condition=condition)),))
    assert decide(policies, context={"s3:prefix": "home/alice/docs"}).allowed
    assert not decide(policies, context={"s3:prefix": "home/bob/docs"}).allowed
    assert decide(policies, context={"s3:prefix": "shared/*"}).allowed
    assert not decide(policies, context={"s3:prefix": "shared/x"}).allowed
    by_ip = {"StringEquals": {"s3:prefix": "${aws:SourceIp}"}}
    ip_policies = PolicySet(identity=(inline("p", stmt(Condition=by_ip)),))
    context = {"s3:prefix": "203.0.113.9", "aws:SourceIp": "203.0.113.9"}
    assert decide(ip_policies, context=context).allowed


def test_unresolved_variable_makes_negated_condition_and_not_resource_not_apply() -> None:
    # a role session has no aws:username: the Deny must not fire on an unresolvable value
    deny_negated = inline(
        "deny",
        stmt(effect="Deny", Condition={"StringNotEquals": {"s3:prefix": "${aws:username}"}}),
    )
    policies = PolicySet(identity=(inline("allow", stmt()), deny_negated))
    assert decide(policies, principal=SESSION, context={"s3:prefix": "x"}).allowed
    assert not decide(policies, principal=ALICE, context={"s3:prefix": "x"}).allowed
    not_resource = inline("p", stmt(resource=None, NotResource=HOME + "/${aws:username}/*"))
    assert not decide(PolicySet(identity=(not_resource,)), principal=SESSION, resource=HOME).allowed
    assert decide(PolicySet(identity=(not_resource,)), principal=ALICE, resource=HOME).allowed


# --------------------------------------------------------------------------------------------
# Action, resource and their negations
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "action", "resource", "allowed"),
    [
        (stmt("elasticmapreduce:Describe*"), "elasticmapreduce:DescribeCluster", "*", True),
        (stmt("ElasticMapReduce:describe*"), "elasticmapreduce:DescribeCluster", "*", True),
        (stmt("elasticmapreduce:List?lusters"), "elasticmapreduce:ListClusters", "*", True),
        (stmt("elasticmapreduce:*"), "sagemaker:ListDomains", "*", False),
        (stmt("*"), "iam:CreateUser", "*", True),
        (stmt(["s3:GetObject", "s3:PutObject"]), "s3:PutObject", "*", True),
        (stmt(resource="arn:aws:s3:::bucket/*"), "s3:GetObject", "arn:aws:s3:::bucket/a/b", True),
        (stmt(resource="arn:aws:s3:::bucket/*"), "s3:GetObject", "arn:aws:s3:::Bucket/a", False),
        (stmt(resource="arn:aws:s3:::bucket/*"), "s3:GetObject", "*", False),
        (
            stmt(resource="arn:aws:logs:*:*:*"),
            "s3:GetObject",
            "arn:aws:logs:us-east-1:1:log-group:x:y",
            True,
        ),
        (stmt(resource="arn:aws:s3:::b?"), "s3:GetObject", "arn:aws:s3:::b1", True),
        (stmt(action=[], NotAction="iam:*"), "s3:GetObject", "*", True),
        (stmt(action=[], NotAction="iam:*"), "iam:CreateUser", "*", False),
        (stmt(action=[], NotAction=["iam:*", "sts:*"]), "STS:AssumeRole", "*", False),
        (
            stmt(resource=None, NotResource="arn:aws:s3:::secret/*"),
            "s3:GetObject",
            "arn:aws:s3:::open/x",
            True,
        ),
        (
            stmt(resource=None, NotResource="arn:aws:s3:::secret/*"),
            "s3:GetObject",
            "arn:aws:s3:::secret/x",
            False,
        ),
        (stmt("s3:*", None, NotResource="arn:aws:s3:::secret/*"), "s3:ListAllMyBuckets", "*", True),
    ],
)
def test_action_and_resource_matching(
    statement: dict[str, Any], action: str, resource: str, allowed: bool
) -> None:
    if statement.get("Action") == []:
        del statement["Action"]
    policies = PolicySet(identity=(inline("p", statement),))
    assert decide(policies, action=action, resource=resource).allowed is allowed


def test_deny_with_not_action_denies_everything_else() -> None:
    policies = PolicySet(
        identity=(
            inline("admin", stmt("*")),
            managed("OnlyS3", {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"}),
        )
    )
    assert decide(policies, action="s3:GetObject").allowed
    decision = decide(policies, action="ec2:RunInstances")
    assert decision.outcome is DecisionOutcome.EXPLICIT_DENY
    assert decision.deciding[0].policy_name == "OnlyS3"


# --------------------------------------------------------------------------------------------
# Identity policies, boundaries, session policies
# --------------------------------------------------------------------------------------------


def test_default_deny_and_explicit_deny_wins() -> None:
    assert decide(PolicySet()).outcome is DecisionOutcome.IMPLICIT_DENY
    assert decide(PolicySet()).missing == MISSING_IDENTITY
    allow = inline("allow", stmt(Sid="AllowRead"))
    deny = managed("DenyRead", stmt(effect="Deny", Sid="DenyRead"))
    decision = decide(PolicySet(identity=(allow, deny)))
    assert decision.outcome is DecisionOutcome.EXPLICIT_DENY
    assert not decision.allowed
    ref = decision.deciding[0]
    assert (ref.policy_kind, ref.policy_name, ref.statement_index, ref.sid) == (
        PolicyKind.IDENTITY,
        "DenyRead",
        0,
        "DenyRead",
    )
    allowed = decide(PolicySet(identity=(allow,)))
    assert allowed.allowed and allowed.deciding[0].sid == "AllowRead"
    assert allowed.missing == ""


@pytest.mark.parametrize(
    ("boundary_statements", "outcome", "missing"),
    [
        ([stmt("s3:*")], DecisionOutcome.ALLOW, ""),
        ([stmt("ec2:*")], DecisionOutcome.IMPLICIT_DENY, MISSING_BOUNDARY),
        ([stmt("*"), stmt(effect="Deny")], DecisionOutcome.EXPLICIT_DENY, ""),
    ],
)
def test_permissions_boundary_intersects_identity_policies(
    boundary_statements: list[dict[str, Any]], outcome: DecisionOutcome, missing: str
) -> None:
    policies = PolicySet(
        identity=(inline("p", stmt("s3:*")),), boundary=boundary(*boundary_statements)
    )
    decision = decide(policies)
    assert decision.outcome is outcome
    assert decision.missing == missing
    # the boundary alone grants nothing
    alone = decide(PolicySet(boundary=boundary(stmt("*"))))
    assert alone.missing == MISSING_IDENTITY


def test_session_policies_intersect_and_any_one_suffices() -> None:
    identity = (inline("p", stmt("s3:*")),)
    narrow = PolicySet(identity=identity, session=(session_policy(stmt("ec2:*")),))
    decision = decide(narrow, principal=SESSION)
    assert decision.outcome is DecisionOutcome.IMPLICIT_DENY
    assert decision.missing == MISSING_SESSION
    either = PolicySet(
        identity=identity,
        session=(session_policy(stmt("ec2:*")), session_policy(stmt("s3:GetObject"))),
    )
    assert decide(either, principal=SESSION).allowed
    session_only = PolicySet(session=(session_policy(stmt("*")),))
    assert decide(session_only, principal=SESSION).missing == MISSING_IDENTITY
    deny = PolicySet(identity=identity, session=(session_policy(stmt("*"), stmt(effect="Deny")),))
    assert decide(deny, principal=SESSION).outcome is DecisionOutcome.EXPLICIT_DENY


# --------------------------------------------------------------------------------------------
# Resource-based policies and principals
# --------------------------------------------------------------------------------------------

BUCKET_OBJECT = "arn:aws:s3:::shared-bucket/report.csv"


@pytest.mark.parametrize(
    ("principal_element", "principal", "policies_extra", "outcome", "missing"),
    [
        # naming the caller exactly grants on its own, past boundary and session policies
        ({"AWS": ALICE.arn}, ALICE, {}, DecisionOutcome.ALLOW, ""),
        ({"AWS": ALICE.arn}, ALICE, {"boundary": ("ec2:*",)}, DecisionOutcome.ALLOW, ""),
        ({"AWS": SESSION.arn}, SESSION, {"session": ("ec2:*",)}, DecisionOutcome.ALLOW, ""),
        ({"AWS": SESSION.arn}, SESSION, {"boundary": ("ec2:*",)}, DecisionOutcome.ALLOW, ""),
        # naming the role: no identity policy needed, but boundary and session policies limit
        ({"AWS": ROLE_ARN}, SESSION, {}, DecisionOutcome.ALLOW, ""),
        (
            {"AWS": ROLE_ARN},
            SESSION,
            {"boundary": ("ec2:*",)},
            DecisionOutcome.IMPLICIT_DENY,
            MISSING_BOUNDARY,
        ),
        (
            {"AWS": ROLE_ARN},
            SESSION,
            {"session": ("ec2:*",)},
            DecisionOutcome.IMPLICIT_DENY,
            MISSING_SESSION,
        ),
        ({"AWS": "AROASTUDIOEXAMPLE001"}, SESSION, {}, DecisionOutcome.ALLOW, ""),
        ("*", ALICE, {}, DecisionOutcome.ALLOW, ""),
        ({"AWS": "*"}, SESSION, {}, DecisionOutcome.ALLOW, ""),
        # naming the account delegates to the account's identity policies
        (
            {"AWS": f"arn:aws:iam::{A}:root"},
            ALICE,
            {},
            DecisionOutcome.IMPLICIT_DENY,
            MISSING_IDENTITY,
        ),
        ({"AWS": A}, ALICE, {}, DecisionOutcome.IMPLICIT_DENY, MISSING_IDENTITY),
        (
            {"AWS": f"arn:aws:iam::{A}:root"},
            ALICE,
            {"identity": ("s3:*",)},
            DecisionOutcome.ALLOW,
            "",
        ),
        # someone else named: the statement does not apply
        (
            {"AWS": f"arn:aws:iam::{A}:user/bob"},
            ALICE,
            {},
            DecisionOutcome.IMPLICIT_DENY,
            MISSING_IDENTITY,
        ),
        (
            {"AWS": f"arn:aws:iam::{B}:root"},
            ALICE,
            {},
            DecisionOutcome.IMPLICIT_DENY,
            MISSING_IDENTITY,
        ),
        (
            {"Service": "elasticmapreduce.amazonaws.com"},
            ALICE,
            {},
            DecisionOutcome.IMPLICIT_DENY,
            MISSING_IDENTITY,
        ),
    ],
)
def test_same_account_resource_policy(
    principal_element: Any,
    principal: PrincipalInfo,
    policies_extra: dict[str, tuple[str, ...]],
    outcome: DecisionOutcome,
    missing: str,
) -> None:
    policies = PolicySet(
        identity=tuple(inline("id", stmt(a)) for a in policies_extra.get("identity", ())),
        boundary=boundary(*(stmt(a) for a in policies_extra["boundary"]))
        if "boundary" in policies_extra
        else None,
        session=tuple(session_policy(stmt(a)) for a in policies_extra.get("session", ())),
        resource=resource_policy(stmt(resource=BUCKET_OBJECT, Principal=principal_element)),
    )
    decision = decide(policies, resource=BUCKET_OBJECT, principal=principal)
    assert decision.outcome is outcome
    assert decision.missing == missing


def test_resource_policy_deny_applies_only_to_the_principals_it_names() -> None:
    deny_alice = resource_policy(
        stmt(resource=BUCKET_OBJECT, effect="Deny", Principal={"AWS": ALICE.arn})
    )
    identity = (inline("p", stmt("s3:*")),)
    decision = decide(PolicySet(identity=identity, resource=deny_alice), resource=BUCKET_OBJECT)
    assert decision.outcome is DecisionOutcome.EXPLICIT_DENY
    assert decision.deciding[0].policy_kind is PolicyKind.RESOURCE
    other = decide(
        PolicySet(identity=identity, resource=deny_alice), resource=BUCKET_OBJECT, principal=SESSION
    )
    assert other.allowed


def test_not_principal_excludes_only_when_every_identity_is_listed() -> None:
    def deny_all_but(*names: str) -> PolicySet:
        return PolicySet(
            identity=(inline("p", stmt("s3:*")),),
            resource=resource_policy(
                stmt(resource="*", effect="Deny", NotPrincipal={"AWS": list(names)}),
                stmt(resource="*", Principal={"AWS": f"arn:aws:iam::{A}:root"}),
            ),
        )

    account = f"arn:aws:iam::{A}:root"
    assert decide(deny_all_but(ROLE_ARN, SESSION.arn, account), principal=SESSION).allowed
    assert not decide(deny_all_but(ROLE_ARN, account), principal=SESSION).allowed
    assert not decide(deny_all_but(ROLE_ARN, SESSION.arn), principal=SESSION).allowed
    assert decide(deny_all_but(ALICE.arn, account), principal=ALICE).allowed
    assert not decide(deny_all_but(ALICE.arn), principal=ALICE).allowed
    assert decide(deny_all_but(account), principal=ROOT_A).allowed
    # Allow with NotPrincipal: everyone not listed
    allow_others = PolicySet(
        resource=resource_policy(stmt(resource="*", NotPrincipal={"AWS": [ALICE.arn, account]}))
    )
    assert not decide(allow_others, principal=ALICE).allowed
    assert decide(allow_others, principal=SESSION).allowed


@pytest.mark.parametrize(
    ("identity_allows", "resource_allows", "missing"),
    [
        (True, True, ""),
        (True, False, MISSING_RESOURCE),
        (False, True, MISSING_IDENTITY),
        (False, False, MISSING_IDENTITY),
    ],
)
def test_cross_account_needs_both_sides(
    identity_allows: bool, resource_allows: bool, missing: str
) -> None:
    target = f"arn:aws:s3:::bucket-of-b/{'x'}"
    identity = (inline("p", stmt(resource=target)),) if identity_allows else ()
    named = ALICE.arn if resource_allows else f"arn:aws:iam::{A}:user/bob"
    policies = PolicySet(
        identity=identity, resource=resource_policy(stmt(resource=target, Principal={"AWS": named}))
    )
    decision = decide(policies, resource=target, resource_account=B)
    assert decision.allowed is (missing == "")
    assert decision.missing == missing


def test_cross_account_account_principal_with_identity_allow() -> None:
    target = "arn:aws:s3:::bucket-of-b/x"
    policies = PolicySet(
        identity=(inline("p", stmt(resource=target)),),
        resource=resource_policy(stmt(resource=target, Principal={"AWS": A})),
    )
    assert decide(policies, resource=target, resource_account=B).allowed
    bounded = PolicySet(
        identity=policies.identity, boundary=boundary(stmt("ec2:*")), resource=policies.resource
    )
    assert decide(bounded, resource=target, resource_account=B).missing == MISSING_BOUNDARY
    same_account_named = decide(policies, resource=target, resource_account=A)
    assert same_account_named.allowed


# --------------------------------------------------------------------------------------------
# Trust policies and the seed's cross-account role
# --------------------------------------------------------------------------------------------

SEED_ROLE_POLICY = """{"Version":"2012-10-17","Statement":[
 {"Sid":"AllowPresignedUrl","Effect":"Allow","Action":["elasticmapreduce:DescribeCluster","elasticmapreduce:ListInstanceGroups","elasticmapreduce:CreatePersistentAppUI","elasticmapreduce:DescribePersistentAppUI","elasticmapreduce:GetPersistentAppUIPresignedURL","elasticmapreduce:GetOnClusterAppUIPresignedURL"],"Resource":["arn:aws:elasticmapreduce:<region>:<account-id>:cluster/*"]},
 {"Sid":"AllowClusterDetailsDiscovery","Effect":"Allow","Action":["elasticmapreduce:DescribeCluster","elasticmapreduce:ListInstanceGroups"],"Resource":["arn:aws:elasticmapreduce:<region>:<account-id>:cluster/*"]},
 {"Sid":"AllowClusterDiscovery","Effect":"Allow","Action":["elasticmapreduce:ListClusters"],"Resource":"*"},
 {"Sid":"AllowRoleAssumptionForCrossAccountDiscovery","Effect":"Allow","Action":"sts:AssumeRole","Resource":["arn:aws:iam::<cross-account>:role/<studio-execution-role>"]},
 {"Sid":"AllowEMRTemplateDiscovery","Effect":"Allow","Action":["servicecatalog:SearchProducts"],"Resource":"*"}]}"""

DISCOVERY_ROLE = f"arn:aws:iam::{B}:role/SageMakerStudioEMRDiscovery"
STUDIO_ROLE_B_SIDE = f"arn:aws:iam::{A}:role/StudioExecution"
CLUSTER = f"arn:aws:elasticmapreduce:us-east-1:{B}:cluster/j-ABC"


def seed_role_policy() -> NamedPolicy:
    text = (
        SEED_ROLE_POLICY.replace("<region>", "us-east-1")
        .replace("<account-id>", B)
        .replace("<cross-account>", A)
        .replace("<studio-execution-role>", "StudioExecution")
    )
    return NamedPolicy(
        "EMRDiscovery", None, AttachmentKind.INLINE, parse_policy(text, PolicyKind.IDENTITY)
    )


def seed_trust() -> NamedPolicy:
    return trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
            "Action": "sts:AssumeRole",
        }
    )


def caller_may_assume() -> NamedPolicy:
    return inline("AssumeDiscovery", stmt("sts:AssumeRole", DISCOVERY_ROLE))


def assume(policies: PolicySet, principal: PrincipalInfo = SESSION) -> PolicyDecision:
    return decide(
        policies,
        action="sts:AssumeRole",
        resource=DISCOVERY_ROLE,
        principal=principal,
        resource_account=B,
        context={"sts:RoleSessionName": "SageMakerStudioUser"},
    )


def test_seed_cross_account_assume_role_allowed() -> None:
    decision = assume(PolicySet(identity=(caller_may_assume(),), resource=seed_trust()))
    assert decision.allowed
    kinds = {ref.policy_kind for ref in decision.deciding}
    assert kinds == {PolicyKind.IDENTITY, PolicyKind.TRUST}
    assert assume(
        PolicySet(identity=(caller_may_assume(),), resource=seed_trust()), principal=ALICE
    ).allowed


def test_seed_assume_role_denied_without_trust() -> None:
    other_trust = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{B}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    for resource in (None, other_trust):
        request = AuthorizationRequest(SESSION, "sts:AssumeRole", DISCOVERY_ROLE, {}, B)
        decision = evaluate(request, PolicySet(identity=(caller_may_assume(),), resource=resource))
        assert decision.outcome is DecisionOutcome.IMPLICIT_DENY
        assert decision.missing == MISSING_RESOURCE
        assert access_denied_message(request, decision) == (
            f"User: {SESSION.arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"{DISCOVERY_ROLE} because no resource-based policy allows the sts:AssumeRole action"
        )


def test_seed_assume_role_denied_without_callers_permission() -> None:
    request = AuthorizationRequest(SESSION, "sts:AssumeRole", DISCOVERY_ROLE, {}, B)
    wrong_target = inline("AssumeOther", stmt("sts:AssumeRole", f"arn:aws:iam::{B}:role/Other"))
    decision = evaluate(request, PolicySet(identity=(wrong_target,), resource=seed_trust()))
    assert decision.missing == MISSING_IDENTITY
    assert access_denied_message(request, decision) == (
        f"User: {SESSION.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{DISCOVERY_ROLE} because no identity-based policy allows the sts:AssumeRole action"
    )


def test_seed_assume_role_denied_by_added_deny() -> None:
    deny = NamedPolicy(
        "DenyCrossAccount",
        f"arn:aws:iam::{A}:policy/DenyCrossAccount",
        AttachmentKind.MANAGED,
        document(PolicyKind.IDENTITY, stmt("sts:AssumeRole", f"arn:aws:iam::{B}:role/*", "Deny")),
    )
    request = AuthorizationRequest(SESSION, "sts:AssumeRole", DISCOVERY_ROLE, {}, B)
    decision = evaluate(
        request, PolicySet(identity=(caller_may_assume(), deny), resource=seed_trust())
    )
    assert decision.outcome is DecisionOutcome.EXPLICIT_DENY
    assert access_denied_message(request, decision) == (
        f"User: {SESSION.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{DISCOVERY_ROLE} with an explicit deny in an identity-based policy: "
        f"arn:aws:iam::{A}:policy/DenyCrossAccount"
    )
    trust_deny = trust(
        {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": SESSION.arn}, "Action": "sts:AssumeRole"},
    )
    decision = evaluate(request, PolicySet(identity=(caller_may_assume(),), resource=trust_deny))
    assert access_denied_message(request, decision).endswith(
        "with an explicit deny in a resource-based policy"
    )


def test_seed_discovery_role_session_permissions() -> None:
    role_session = PrincipalInfo(
        arn=f"arn:aws:sts::{B}:assumed-role/SageMakerStudioEMRDiscovery/SageMakerStudioUser",
        account_id=B,
        kind=PrincipalKind.ASSUMED_ROLE,
        user_id="AROADISCOVERYEXAMPLE:SageMakerStudioUser",
    )
    policies = PolicySet(identity=(seed_role_policy(),))
    allowed = [
        ("elasticmapreduce:ListClusters", "*"),
        ("elasticmapreduce:DescribeCluster", CLUSTER),
        ("elasticmapreduce:ListInstanceGroups", CLUSTER),
        ("elasticmapreduce:CreatePersistentAppUI", CLUSTER),
        ("elasticmapreduce:GetOnClusterAppUIPresignedURL", CLUSTER),
        ("servicecatalog:SearchProducts", "*"),
    ]
    for action, resource in allowed:
        assert decide(policies, action, resource, principal=role_session).allowed, action
    denied = [
        ("elasticmapreduce:TerminateJobFlows", CLUSTER),
        ("elasticmapreduce:DescribeCluster", f"arn:aws:elasticmapreduce:us-west-2:{B}:cluster/j-X"),
        ("elasticmapreduce:DescribeCluster", f"arn:aws:elasticmapreduce:us-east-1:{A}:cluster/j-X"),
    ]
    for action, resource in denied:
        decision = decide(policies, action, resource, principal=role_session)
        assert decision.missing == MISSING_IDENTITY, action
    message = access_denied_message(
        AuthorizationRequest(role_session, "elasticmapreduce:TerminateJobFlows", CLUSTER),
        decide(policies, "elasticmapreduce:TerminateJobFlows", CLUSTER, principal=role_session),
    )
    assert message == (
        f"User: {role_session.arn} is not authorized to perform: "
        f"elasticmapreduce:TerminateJobFlows on resource: {CLUSTER} because no "
        "identity-based policy allows the elasticmapreduce:TerminateJobFlows action"
    )
    # the discovery role may assume the Studio execution role back in A, if A's trust allows
    back = decide(
        PolicySet(
            identity=(seed_role_policy(),),
            resource=trust(
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": DISCOVERY_ROLE},
                    "Action": "sts:AssumeRole",
                }
            ),
        ),
        "sts:AssumeRole",
        STUDIO_ROLE_B_SIDE,
        principal=role_session,
        resource_account=A,
    )
    assert back.allowed


@pytest.mark.parametrize(
    ("trust_principal", "identity", "outcome", "missing"),
    [
        ({"AWS": ALICE.arn}, False, DecisionOutcome.ALLOW, ""),
        ({"AWS": f"arn:aws:iam::{A}:root"}, True, DecisionOutcome.ALLOW, ""),
        ({"AWS": f"arn:aws:iam::{A}:root"}, False, DecisionOutcome.IMPLICIT_DENY, MISSING_IDENTITY),
        (
            {"AWS": f"arn:aws:iam::{A}:user/bob"},
            True,
            DecisionOutcome.IMPLICIT_DENY,
            MISSING_RESOURCE,
        ),
        ({"Service": "ec2.amazonaws.com"}, True, DecisionOutcome.IMPLICIT_DENY, MISSING_RESOURCE),
    ],
)
def test_same_account_trust_policy_is_always_required(
    trust_principal: Any, identity: bool, outcome: DecisionOutcome, missing: str
) -> None:
    role = f"arn:aws:iam::{A}:role/Local"
    policies = PolicySet(
        identity=(inline("p", stmt("sts:AssumeRole", role)),) if identity else (),
        resource=trust(
            {"Effect": "Allow", "Principal": trust_principal, "Action": "sts:AssumeRole"}
        ),
    )
    decision = decide(policies, "sts:AssumeRole", role)
    assert decision.outcome is outcome
    assert decision.missing == missing


def test_service_principal_assumes_role_through_trust_alone() -> None:
    service_role = f"arn:aws:iam::{B}:role/EMR_DefaultRole"
    emr_trust = trust(
        {
            "Effect": "Allow",
            "Principal": {"Service": ["elasticmapreduce.amazonaws.com"]},
            "Action": ["sts:AssumeRole"],
        }
    )
    policies = PolicySet(resource=emr_trust)
    assert decide(policies, "sts:AssumeRole", service_role, principal=EMR_SERVICE).allowed
    ec2_trust = trust(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    decision = decide(
        PolicySet(resource=ec2_trust), "sts:AssumeRole", service_role, principal=EMR_SERVICE
    )
    assert decision.missing == MISSING_RESOURCE
    assert not decide(PolicySet(), "sts:AssumeRole", service_role, principal=EMR_SERVICE).allowed
    # "AWS": "*" is for AWS principals, not services
    star = trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    assert not decide(
        PolicySet(resource=star), "sts:AssumeRole", service_role, principal=EMR_SERVICE
    ).allowed


def test_trust_conditions_external_id() -> None:
    external = trust(
        {
            "Effect": "Allow",
            "Principal": {"AWS": A},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "secret-123"}},
        }
    )
    policies = PolicySet(identity=(caller_may_assume(),), resource=external)
    ok = AuthorizationRequest(
        SESSION, "sts:AssumeRole", DISCOVERY_ROLE, {"sts:ExternalId": "secret-123"}, B
    )
    assert evaluate(ok, policies).allowed
    wrong = AuthorizationRequest(
        SESSION, "sts:AssumeRole", DISCOVERY_ROLE, {"sts:ExternalId": "x"}, B
    )
    assert evaluate(wrong, policies).missing == MISSING_RESOURCE


# --------------------------------------------------------------------------------------------
# Root
# --------------------------------------------------------------------------------------------


def test_root_is_allowed_in_its_account_unless_explicitly_denied() -> None:
    assert decide(PolicySet(), "iam:CreateUser", principal=ROOT_A).allowed
    assert decide(
        PolicySet(),
        "ec2:RunInstances",
        "arn:aws:ec2:us-east-1:111111111111:instance/*",
        principal=ROOT_A,
        resource_account=A,
    ).allowed
    deny = resource_policy(stmt(resource="*", effect="Deny", Principal={"AWS": A}))
    decision = decide(PolicySet(resource=deny), principal=ROOT_A)
    assert decision.outcome is DecisionOutcome.EXPLICIT_DENY


def test_root_across_accounts_needs_the_resource_policy() -> None:
    target = "arn:aws:s3:::bucket-of-b/x"
    assert (
        decide(PolicySet(), resource=target, principal=ROOT_A, resource_account=B).missing
        == MISSING_RESOURCE
    )
    grant = resource_policy(stmt(resource=target, Principal={"AWS": f"arn:aws:iam::{A}:root"}))
    assert decide(
        PolicySet(resource=grant), resource=target, principal=ROOT_A, resource_account=B
    ).allowed


# --------------------------------------------------------------------------------------------
# The AccessDenied message
# --------------------------------------------------------------------------------------------


def test_access_denied_messages() -> None:
    cluster_request = AuthorizationRequest(SESSION, "elasticmapreduce:DescribeCluster", CLUSTER)
    assert access_denied_message(
        cluster_request, decide(PolicySet(), cluster_request.action, CLUSTER, principal=SESSION)
    ) == (
        f"User: {SESSION.arn} is not authorized to perform: elasticmapreduce:DescribeCluster on "
        f"resource: {CLUSTER} because no identity-based policy allows the "
        "elasticmapreduce:DescribeCluster action"
    )
    list_request = AuthorizationRequest(ALICE, "elasticmapreduce:ListClusters")
    assert access_denied_message(list_request, evaluate(list_request, PolicySet())) == (
        f"User: {ALICE.arn} is not authorized to perform: elasticmapreduce:ListClusters because "
        "no identity-based policy allows the elasticmapreduce:ListClusters action"
    )
    identity = (inline("p", stmt("*")),)
    bounded = evaluate(list_request, PolicySet(identity=identity, boundary=boundary(stmt("s3:*"))))
    assert access_denied_message(list_request, bounded).endswith(
        "because no permissions boundary allows the elasticmapreduce:ListClusters action"
    )
    session_request = AuthorizationRequest(SESSION, "elasticmapreduce:ListClusters")
    narrowed = evaluate(
        session_request, PolicySet(identity=identity, session=(session_policy(stmt("s3:*")),))
    )
    assert access_denied_message(session_request, narrowed).endswith(
        "because no session policy allows the elasticmapreduce:ListClusters action"
    )
    inline_deny = evaluate(
        list_request, PolicySet(identity=(inline("d", stmt("*", effect="Deny")),))
    )
    assert access_denied_message(list_request, inline_deny).endswith(
        "with an explicit deny in an identity-based policy"
    )
    boundary_deny = evaluate(
        list_request, PolicySet(identity=identity, boundary=boundary(stmt("*", effect="Deny")))
    )
    assert access_denied_message(list_request, boundary_deny).endswith(
        f"with an explicit deny in a permissions boundary: arn:aws:iam::{A}:policy/Boundary"
    )
    session_deny = evaluate(
        session_request,
        PolicySet(identity=identity, session=(session_policy(stmt("*", effect="Deny")),)),
    )
    assert access_denied_message(session_request, session_deny).endswith(
        "with an explicit deny in a session policy"
    )
    with pytest.raises(ValueError, match="allowed"):
        access_denied_message(list_request, evaluate(list_request, PolicySet(identity=identity)))


# --------------------------------------------------------------------------------------------
# Validation on write
# --------------------------------------------------------------------------------------------


def text(data: Any) -> str:
    return data if isinstance(data, str) else json.dumps(data)


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


TRUST_STATEMENT = {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"}
MALFORMED: list[tuple[str, PolicyKind, Any, str]] = [
    ("not-json", PolicyKind.IDENTITY, "{not json", "Syntax errors in policy."),
    ("array", PolicyKind.IDENTITY, [], "Syntax errors in policy."),
    ("no-statement", PolicyKind.IDENTITY, {"Version": "2012-10-17"}, "Syntax errors in policy."),
    ("empty-statement", PolicyKind.IDENTITY, policy(), "Syntax errors in policy."),
    ("unknown-top", PolicyKind.IDENTITY, {**policy(stmt()), "Foo": 1}, "Syntax errors in policy."),
    (
        "bad-version",
        PolicyKind.IDENTITY,
        {**policy(stmt()), "Version": "2013-01-01"},
        "Syntax errors in policy.",
    ),
    (
        "unknown-element",
        PolicyKind.IDENTITY,
        policy(stmt(Actions="s3:*")),
        "Syntax errors in policy.",
    ),
    ("bad-effect", PolicyKind.IDENTITY, policy(stmt(effect="Permit")), "Syntax errors in policy."),
    (
        "no-effect",
        PolicyKind.IDENTITY,
        policy({"Action": "s3:*", "Resource": "*"}),
        "Syntax errors in policy.",
    ),
    (
        "action-and-not",
        PolicyKind.IDENTITY,
        policy({**stmt(), "NotAction": "s3:*"}),
        "Syntax errors in policy.",
    ),
    (
        "resource-and-not",
        PolicyKind.IDENTITY,
        policy({**stmt(), "NotResource": "*"}),
        "Syntax errors in policy.",
    ),
    ("action-number", PolicyKind.IDENTITY, policy(stmt(action=5)), "Syntax errors in policy."),  # type: ignore[arg-type]
    ("sid-number", PolicyKind.IDENTITY, policy(stmt(Sid=1)), "Syntax errors in policy."),
    (
        "condition-operator",
        PolicyKind.IDENTITY,
        policy(stmt(Condition={"StringEqualz": {"k": "v"}})),
        "Syntax errors in policy.",
    ),
    (
        "null-if-exists",
        PolicyKind.IDENTITY,
        policy(stmt(Condition={"NullIfExists": {"k": "true"}})),
        "Syntax errors in policy.",
    ),
    (
        "condition-null-value",
        PolicyKind.IDENTITY,
        policy(stmt(Condition={"StringEquals": {"k": None}})),
        "Syntax errors in policy.",
    ),
    (
        "condition-not-object",
        PolicyKind.IDENTITY,
        policy(stmt(Condition={"StringEquals": "k"})),
        "Syntax errors in policy.",
    ),
    (
        "lowercase-effect",
        PolicyKind.IDENTITY,
        policy(stmt(effect="allow")),
        "The policy failed legacy parsing",
    ),
    (
        "bad-date",
        PolicyKind.IDENTITY,
        policy(stmt(Condition={"DateLessThan": {"aws:CurrentTime": "yesterday"}})),
        "The policy failed legacy parsing",
    ),
    (
        "duplicate-sid",
        PolicyKind.IDENTITY,
        policy(stmt(Sid="A"), stmt(Sid="A")),
        "Statement IDs (SID) in a single policy must be unique.",
    ),
    (
        "no-action",
        PolicyKind.IDENTITY,
        policy({"Effect": "Allow", "Resource": "*"}),
        "Policy statement must contain actions.",
    ),
    (
        "empty-action",
        PolicyKind.IDENTITY,
        policy(stmt(action=[])),
        "Policy statement must contain actions.",
    ),
    (
        "resource-not-arn",
        PolicyKind.IDENTITY,
        policy(stmt(resource="my-bucket")),
        'Resource my-bucket must be in ARN format or "*".',
    ),
    (
        "resource-partition",
        PolicyKind.IDENTITY,
        policy(stmt(resource="arn:cloud:s3:::b")),
        'Partition "cloud" is not valid for resource "arn:cloud:s3:::b".',
    ),
    (
        "resource-vendor",
        PolicyKind.IDENTITY,
        policy(stmt(resource="arn:aws")),
        "Resource vendor must be fully qualified and cannot contain regexes.",
    ),
    (
        "action-vendor",
        PolicyKind.IDENTITY,
        policy(stmt("GetObject")),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ),
    (
        "action-colons",
        PolicyKind.IDENTITY,
        policy(stmt("s3:Get:Object")),
        "Actions/Condition can contain only one colon.",
    ),
    (
        "action-vendor-chars",
        PolicyKind.IDENTITY,
        policy(stmt("s 3:GetObject")),
        "Vendor s 3 is not valid",
    ),
    (
        "identity-principal",
        PolicyKind.IDENTITY,
        policy(stmt(Principal="*")),
        "Policy document should not specify a principal.",
    ),
    (
        "boundary-principal",
        PolicyKind.BOUNDARY,
        policy(stmt(Principal={"AWS": A})),
        "Policy document should not specify a principal.",
    ),
    (
        "session-not-principal",
        PolicyKind.SESSION,
        policy(stmt(NotPrincipal={"AWS": A})),
        "Policy document should not specify a principal.",
    ),
    (
        "identity-no-resource",
        PolicyKind.IDENTITY,
        policy(stmt(resource=None)),
        "Policy statement must contain resources.",
    ),
    (
        "identity-empty-resource",
        PolicyKind.IDENTITY,
        policy(stmt(resource=[])),
        "Policy statement must contain resources.",
    ),
    (
        "trust-no-principal",
        PolicyKind.TRUST,
        policy({"Effect": "Allow", "Action": "sts:AssumeRole"}),
        "Missing required field Principal",
    ),
    (
        "trust-resource",
        PolicyKind.TRUST,
        policy({**TRUST_STATEMENT, "Resource": "*"}),
        "Has prohibited field Resource.",
    ),
    (
        "trust-action",
        PolicyKind.TRUST,
        policy({**TRUST_STATEMENT, "Action": "s3:GetObject"}),
        "Trust Policy statement actions can only be sts:AssumeRole, "
        "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity",
    ),
    (
        "trust-bad-principal",
        PolicyKind.TRUST,
        policy({**TRUST_STATEMENT, "Principal": {"AWS": "bob"}}),
        'Invalid principal in policy: "AWS":"bob"',
    ),
    (
        "trust-bad-service",
        PolicyKind.TRUST,
        policy({**TRUST_STATEMENT, "Principal": {"Service": "not a service"}}),
        'Invalid principal in policy: "SERVICE":"not a service"',
    ),
    (
        "trust-principal-type",
        PolicyKind.TRUST,
        policy({**TRUST_STATEMENT, "Principal": {"Users": A}}),
        "Syntax errors in policy.",
    ),
    (
        "resource-no-principal",
        PolicyKind.RESOURCE,
        policy(stmt()),
        "Missing required field Principal",
    ),
    (
        "sid-characters",
        PolicyKind.IDENTITY,
        policy(stmt(Sid="allow-read")),
        "Statement IDs (SID) must be alpha-numeric. "
        "Check that your input satisfies the regular expression [0-9A-Za-z]*",
    ),
]


@pytest.mark.parametrize(
    ("kind", "data", "reason"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
def test_malformed_policies(kind: PolicyKind, data: Any, reason: str) -> None:
    with pytest.raises(MalformedPolicyError) as caught:
        parse_policy(text(data), kind)
    assert caught.value.reason == reason
    assert str(caught.value) == reason
    assert caught.value.hint  # every refusal says what to change


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        (PolicyKind.IDENTITY, {"Version": "2012-10-17", "Statement": stmt()}),
        (PolicyKind.IDENTITY, {"Statement": [stmt()]}),
        (PolicyKind.IDENTITY, {"Version": "2008-10-17", "Id": "x", "Statement": [stmt()]}),
        (PolicyKind.IDENTITY, policy(stmt(resource="arn:aws:s3:::${aws:username}/*"))),
        (PolicyKind.IDENTITY, policy(stmt(Condition={"StringEqualz": {}}))),
        (
            PolicyKind.IDENTITY,
            policy(
                stmt(
                    Condition={
                        "NumericLessThan": {"s3:max-keys": 10},
                        "Bool": {"aws:SecureTransport": True},
                    }
                )
            ),
        ),
        (PolicyKind.IDENTITY, policy(stmt(resource="arn:aws:ec2:*"))),
        (
            PolicyKind.TRUST,
            policy({**TRUST_STATEMENT, "Action": ["sts:AssumeRole", "sts:TagSession"]}),
        ),
        (
            PolicyKind.TRUST,
            policy({**TRUST_STATEMENT, "Principal": {"Service": "elasticmapreduce.amazonaws.com"}}),
        ),
        (
            PolicyKind.TRUST,
            policy(
                {
                    **TRUST_STATEMENT,
                    "Principal": {
                        "AWS": [f"arn:aws:iam::{A}:root", SESSION.arn, ROLE_ARN, ALICE.arn, "*"]
                    },
                }
            ),
        ),
        (PolicyKind.TRUST, policy({**TRUST_STATEMENT, "Principal": "*"})),
        (PolicyKind.RESOURCE, policy(stmt(resource=None, Principal="*", Sid="public-read"))),
        (PolicyKind.RESOURCE, policy(stmt(Principal={"CanonicalUser": "a" * 64}))),
    ],
)
def test_valid_policies_parse_and_round_trip(kind: PolicyKind, data: Any) -> None:
    parsed = parse_policy(json.dumps(data), kind)
    assert parse_policy(serialize_policy(parsed), kind) == parsed
    assert parsed.kind is kind


def test_size_quotas_count_characters_without_whitespace() -> None:
    actions = [f"elasticmapreduce:Action{i:04d}" for i in range(260)]
    big = json.dumps(policy(stmt(actions)))
    assert policy_size(big) > SizeQuota.MANAGED_POLICY.limit
    with pytest.raises(PolicySizeError) as caught:
        parse_policy(big, PolicyKind.IDENTITY, quota=SizeQuota.MANAGED_POLICY)
    assert caught.value.reason == "Cannot exceed quota for PolicySize: 6144"
    assert caught.value.quota is SizeQuota.MANAGED_POLICY
    assert caught.value.size == policy_size(big)
    assert isinstance(caught.value, MalformedPolicyError)
    parse_policy(big, PolicyKind.IDENTITY)  # within the inline role quota of 10240
    roomy = json.dumps(policy(stmt()), indent=400)
    assert len(roomy) > 2048 >= policy_size(roomy)
    parse_policy(roomy, PolicyKind.IDENTITY, quota=SizeQuota.USER_INLINE)
    long_trust = json.dumps(
        policy(
            {
                **TRUST_STATEMENT,
                "Principal": {"AWS": [f"arn:aws:iam::{A}:role/R{i:03d}" for i in range(80)]},
            }
        )
    )
    with pytest.raises(PolicySizeError) as trust_caught:
        parse_policy(long_trust, PolicyKind.TRUST)
    assert trust_caught.value.reason == "Cannot exceed quota for ACLSizePerRole: 2048"
    with pytest.raises(PolicySizeError) as inline_caught:
        parse_policy(big, PolicyKind.IDENTITY, quota=SizeQuota.USER_INLINE)
    assert inline_caught.value.reason == "Maximum policy size of 2048 bytes exceeded."


def test_documents_are_immutable() -> None:
    parsed = document(PolicyKind.IDENTITY, stmt())
    with pytest.raises(AttributeError):
        parsed.statements = ()  # type: ignore[misc]
    with pytest.raises(AttributeError):
        parsed.statements[0].actions = ("*",)  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# AWS-managed policies
# --------------------------------------------------------------------------------------------

REQUIRED_MANAGED = [
    "AdministratorAccess",
    "ReadOnlyAccess",
    "PowerUserAccess",
    "IAMFullAccess",
    "AmazonSageMakerFullAccess",
    "AmazonEMRFullAccessPolicy_v2",
    "AmazonElasticMapReduceFullAccess",
    "service-role/AmazonElasticMapReduceRole",
    "service-role/AmazonEMRServicePolicy_v2",
    "service-role/AmazonElasticMapReduceforEC2Role",
    "AmazonS3FullAccess",
    "AmazonS3ReadOnlyAccess",
    "AWSServiceCatalogEndUserFullAccess",
    "AWSServiceCatalogAdminFullAccess",
    "service-role/AWSLambdaBasicExecutionRole",
    "AWSCloudFormationFullAccess",
]


def test_required_managed_policies_exist_and_are_valid() -> None:
    for name in REQUIRED_MANAGED:
        arn = f"arn:aws:iam::aws:policy/{name}"
        assert arn in AWS_MANAGED_POLICY_ARNS
        parsed = aws_managed_policy(arn)
        assert parsed is not None and parsed.statements
        info = aws_managed_policy_info(arn)
        assert info is not None and info.description
        assert policy_size(info.document_text) <= SizeQuota.MANAGED_POLICY.limit
    assert aws_managed_policy("arn:aws:iam::aws:policy/NoSuchPolicy") is None
    assert aws_managed_policy(f"arn:aws:iam::{A}:policy/AdministratorAccess") is None
    assert aws_managed_policy("arn:aws-cn:iam::aws:policy/AdministratorAccess") is not None


def test_managed_policies_referenced_by_the_templates_exist() -> None:
    templates = sorted(SAMPLES.glob("*.yaml"))
    assert templates, f"the aws-samples templates are expected in {SAMPLES}"
    pattern = re.compile(r"arn:(?:aws|\$\{AWS::Partition\}):iam::aws:policy/[\w+=,.@/-]+")
    referenced = {
        match.replace("${AWS::Partition}", "aws")
        for path in templates
        for match in pattern.findall(path.read_text())
    }
    assert referenced
    for arn in referenced:
        assert aws_managed_policy(arn) is not None, arn


def test_managed_policies_grant_what_their_names_promise() -> None:
    def attached(name: str) -> PolicySet:
        arn = f"arn:aws:iam::aws:policy/{name}"
        found = aws_managed_policy(arn)
        assert found is not None
        return PolicySet(identity=(NamedPolicy(name, arn, AttachmentKind.MANAGED, found),))

    assert decide(attached("AdministratorAccess"), "iam:CreateUser").allowed
    power = attached("PowerUserAccess")
    assert decide(power, "elasticmapreduce:RunJobFlow").allowed
    assert not decide(power, "iam:CreateUser").allowed
    assert decide(power, "iam:ListRoles").allowed
    read_only = attached("ReadOnlyAccess")
    assert decide(read_only, "elasticmapreduce:DescribeCluster", CLUSTER).allowed
    assert not decide(read_only, "elasticmapreduce:TerminateJobFlows", CLUSTER).allowed
    emr_v2 = attached("AmazonEMRFullAccessPolicy_v2")
    tagged = {"aws:RequestTag/for-use-with-amazon-emr-managed-policies": "true"}
    assert decide(emr_v2, "elasticmapreduce:RunJobFlow", context=tagged).allowed
    assert not decide(emr_v2, "elasticmapreduce:RunJobFlow").allowed
    sagemaker = attached("AmazonSageMakerFullAccess")
    domain = f"arn:aws:sagemaker:us-east-1:{A}:domain/d-1"
    assert decide(sagemaker, "sagemaker:DescribeDomain", domain).allowed
    assert not decide(sagemaker, "sagemaker:DeleteDomain", domain).allowed
    pass_role = {"iam:PassedToService": "sagemaker.amazonaws.com"}
    assert decide(sagemaker, "iam:PassRole", f"arn:aws:iam::{A}:role/X", pass_role).allowed
    end_user = attached("AWSServiceCatalogEndUserFullAccess")
    assert decide(end_user, "servicecatalog:ProvisionProduct").allowed
    assert not decide(end_user, "servicecatalog:CreatePortfolio").allowed
    lambda_basic = attached("service-role/AWSLambdaBasicExecutionRole")
    assert decide(lambda_basic, "logs:PutLogEvents").allowed
    assert not decide(lambda_basic, "s3:GetObject").allowed


# --------------------------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------------------------


def test_simulate_reports_decisions_statements_and_missing_context() -> None:
    policies = PolicySet(
        identity=(
            inline(
                "reader",
                stmt(
                    "s3:Get*", Sid="Read", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
                ),
            ),
            NamedPolicy(
                "NoDelete",
                f"arn:aws:iam::{A}:policy/NoDelete",
                AttachmentKind.MANAGED,
                document(
                    PolicyKind.IDENTITY, stmt("s3:DeleteObject", effect="Deny", Sid="NoDelete")
                ),
            ),
            NamedPolicy(
                "ReadOnlyAccess",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                AttachmentKind.MANAGED,
                aws_managed_policy("arn:aws:iam::aws:policy/ReadOnlyAccess")
                or document(PolicyKind.IDENTITY, stmt()),
            ),
        ),
        boundary=boundary(stmt("s3:*")),
    )
    results = simulate(
        policies,
        ["s3:GetObject", "s3:DeleteObject", "ec2:RunInstances", "s3:PutObject"],
        [],
        {},
        ALICE,
    )
    by_action = {r.action: r for r in results}
    assert [r.resource for r in results] == ["*"] * 4
    get = by_action["s3:GetObject"]
    assert get.decision is EvalDecision.ALLOWED
    assert get.allowed_by_permissions_boundary is True
    assert "aws:SourceIp" in get.missing_context_values
    assert {(m.source_policy_id, m.source_policy_type) for m in get.matched_statements} >= {
        ("ReadOnlyAccess", "aws-managed"),
        ("Boundary", "user-managed"),
    }
    delete = by_action["s3:DeleteObject"]
    assert delete.decision is EvalDecision.EXPLICIT_DENY
    assert [
        (m.source_policy_id, m.source_policy_type, m.sid) for m in delete.matched_statements
    ] == [("NoDelete", "user-managed", "NoDelete")]
    run = by_action["ec2:RunInstances"]
    assert run.decision is EvalDecision.IMPLICIT_DENY
    assert run.allowed_by_permissions_boundary is False
    put = by_action["s3:PutObject"]
    assert put.decision is EvalDecision.IMPLICIT_DENY
    assert put.policy_decision.missing == MISSING_IDENTITY
    with_ip = simulate(
        policies, ["s3:PutObject"], ["arn:aws:s3:::b/k"], {"aws:SourceIp": "10.1.1.1"}, ALICE
    )
    assert with_ip[0].decision is EvalDecision.IMPLICIT_DENY
    assert with_ip[0].resource == "arn:aws:s3:::b/k"


def test_simulate_with_resource_policy_and_inline_source_types() -> None:
    policies = PolicySet(
        identity=(inline("p", stmt("s3:*")),),
        resource=resource_policy(
            stmt("s3:GetObject", resource=None, Principal={"AWS": SESSION.arn})
        ),
    )
    [result] = simulate(
        policies, ["s3:GetObject"], [BUCKET_OBJECT], {}, SESSION, resource_account=B
    )
    assert result.decision is EvalDecision.ALLOWED
    assert {m.source_policy_type for m in result.matched_statements} == {"role", "resource"}
    assert result.allowed_by_permissions_boundary is None
    grouped = NamedPolicy(
        "g", None, AttachmentKind.INLINE, document(PolicyKind.IDENTITY, stmt()), source="group"
    )
    [by_group] = simulate(PolicySet(identity=(grouped,)), ["s3:GetObject"], [], {}, ALICE)
    assert by_group.matched_statements[0].source_policy_type == "group"


def test_parsed_policies_are_kept_bounded_and_failures_are_not() -> None:
    cache = ParsedPolicies(size=2)
    texts = [
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": f"s3:Get{n}", "Resource": "*"}],
            }
        )
        for n in range(3)
    ]
    first = cache.parse(texts[0], PolicyKind.IDENTITY)
    assert cache.parse(texts[0], PolicyKind.IDENTITY) is first  # kept, not parsed again
    cache.parse(texts[1], PolicyKind.IDENTITY)
    cache.parse(texts[2], PolicyKind.IDENTITY)
    assert len(cache) == 2
    assert cache.parse(texts[0], PolicyKind.IDENTITY) is not first  # the oldest went first
    for _ in range(2):
        with pytest.raises(MalformedPolicyError):
            cache.parse("{not json", PolicyKind.IDENTITY)
    assert len(cache) == 2

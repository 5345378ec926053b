"""STS through boto3: AssumeRole (same and cross account, chaining), GetSessionToken, expiry."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from botocore.config import Config

from clusterport.errors import AccessDeniedError
from clusterport.services.iam.sessions import issue_service_role_session
from clusterport.store.identity import SessionCredential
from conftest import RunningServer
from iam_support import (
    account_root,
    allow,
    assume,
    client,
    create_role,
    create_user,
    deny,
    error_of,
    policy,
    session_of,
    shifted_clock,
    trust,
)

A = "200000000001"
B = "200000000002"
EVERYTHING = policy(allow("*"))


def test_assume_role_issues_session_credentials(server: RunningServer) -> None:
    role_arn = create_role(server, A, "Analyst", trust(account_root(A)), EVERYTHING, Path="/team/")
    sts = server.client("sts", A)
    answer = sts.assume_role(RoleArn=role_arn, RoleSessionName="alice@example.com")
    credentials, user = answer["Credentials"], answer["AssumedRoleUser"]
    role_id = server.client("iam", A).get_role(RoleName="Analyst")["Role"]["RoleId"]
    assert credentials["AccessKeyId"].startswith("ASIA") and len(credentials["AccessKeyId"]) == 20
    assert user == {
        "AssumedRoleId": f"{role_id}:alice@example.com",
        "Arn": f"arn:aws:sts::{A}:assumed-role/Analyst/alice@example.com",
    }
    lifetime = credentials["Expiration"] - dt.datetime.now(dt.UTC)
    assert abs(lifetime.total_seconds() - 3600) < 120  # the default session lasts an hour
    me = client(server, session_of(credentials), "sts").get_caller_identity()
    assert (me["Arn"], me["UserId"], me["Account"]) == (user["Arn"], user["AssumedRoleId"], A)

    with server.platform.db.session() as session:
        row = session.get(SessionCredential, credentials["AccessKeyId"])
        assert row is not None
        assert row.secret_sealed != credentials["SecretAccessKey"]
        assert credentials["SecretAccessKey"] not in row.secret_sealed
        assert row.token_digest == hashlib.sha256(credentials["SessionToken"].encode()).hexdigest()
        assert row.issuer_arn == role_arn
    last_used = server.client("iam", A).get_role(RoleName="Analyst")["Role"]["RoleLastUsed"]
    assert last_used["Region"] == "us-east-1"


def test_session_duration_limits(server: RunningServer) -> None:
    role_arn = create_role(
        server, A, "Short", trust(account_root(A)), EVERYTHING, MaxSessionDuration=3600
    )
    long_arn = create_role(
        server, A, "Long", trust(account_root(A)), EVERYTHING, MaxSessionDuration=43200
    )
    sts = server.client("sts", A)
    code, message, status = error_of(
        lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="ss", DurationSeconds=7200)
    )
    assert (code, status) == ("ValidationError", 400)
    assert "exceeds the MaxSessionDuration set for this role" in message and "3600" in message
    unchecked = server.client("sts", A, config=Config(parameter_validation=False))
    code, _, _ = error_of(
        lambda: unchecked.assume_role(RoleArn=role_arn, RoleSessionName="ss", DurationSeconds=600)
    )
    assert code == "ValidationError"
    long_session = sts.assume_role(RoleArn=long_arn, RoleSessionName="ss", DurationSeconds=43200)
    assert long_session["Credentials"]["Expiration"] is not None

    # Role chaining: a role session assuming a role gets one hour at most.
    chained = session_of(long_session["Credentials"])
    chained_sts = client(server, chained, "sts")
    code, message, _ = error_of(
        lambda: chained_sts.assume_role(
            RoleArn=long_arn, RoleSessionName="cc", DurationSeconds=7200
        )
    )
    assert (
        code == "ValidationError"
        and "1 hour session limit for roles assumed by role chaining" in message
    )
    assert chained_sts.assume_role(RoleArn=long_arn, RoleSessionName="cc", DurationSeconds=3600)[
        "Credentials"
    ]

    code, _, _ = error_of(lambda: sts.assume_role(RoleArn=long_arn, RoleSessionName="bad name!"))
    assert code == "ValidationError"
    code, message, _ = error_of(
        lambda: sts.assume_role(RoleArn="arn:aws:s3:::not-a-role-at-all", RoleSessionName="ss")
    )
    assert code == "ValidationError" and "arn:aws:iam::ACCOUNT_ID:role/" in message


def test_expired_credentials_are_refused(server: RunningServer) -> None:
    role_arn = create_role(server, A, "Brief", trust(account_root(A)), EVERYTHING)
    with shifted_clock(server) as shift:
        # Issued ten minutes "ago", the credentials expire five minutes from now. Every step
        # below keeps 300 s between the server's clock and both the expiry and the 900 s
        # clock-skew limit, so a slow machine cannot turn one outcome into the other.
        shift(-600)
        credentials = server.client("sts", A).assume_role(
            RoleArn=role_arn, RoleSessionName="brief", DurationSeconds=900
        )["Credentials"]
        sts = client(server, session_of(credentials), "sts")
        assert sts.get_caller_identity()["Arn"].endswith("assumed-role/Brief/brief")
        shift(0)  # real time: 600 s after issue, still valid
        assert sts.get_caller_identity()["Account"] == A
        shift(600)  # 1,200 s after issue, 600 s ahead of the client's clock
        code, message, status = error_of(sts.get_caller_identity)
        assert (code, status) == ("ExpiredToken", 403)
        assert "expired" in message
        emr = client(server, session_of(credentials), "emr")
        assert error_of(emr.list_clusters)[0] == "ExpiredTokenException"


def test_cross_account_assume_role_needs_both_sides(server: RunningServer) -> None:
    role_arn = create_role(server, B, "Discovery", trust(account_root(A)), EVERYTHING)
    assumed = assume(server, server.session(A), role_arn, "from-a")
    me = client(server, assumed, "sts").get_caller_identity()
    assert me["Account"] == B and me["Arn"] == f"arn:aws:sts::{B}:assumed-role/Discovery/from-a"

    # A user of A needs sts:AssumeRole in its own policies, and B's trust must name A.
    no_permission = create_user(server, A, "no-permission", policy(allow("s3:*")))
    code, message, status = error_of(
        lambda: client(server, no_permission, "sts").assume_role(
            RoleArn=role_arn, RoleSessionName="xx"
        )
    )
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith(
        f"User: arn:aws:iam::{A}:user/no-permission is not authorized to perform: "
    )
    assert (
        f"sts:AssumeRole on resource: {role_arn} because no identity-based policy allows" in message
    )
    assert f"to a policy of user no-permission in account {A}" in message
    permitted = create_user(server, A, "permitted", policy(allow("sts:AssumeRole", role_arn)))
    assert client(server, permitted, "sts").assume_role(RoleArn=role_arn, RoleSessionName="ok")

    untrusting = create_role(server, B, "Untrusting", trust(account_root(B)), EVERYTHING)
    code, message, _ = error_of(
        lambda: server.client("sts", A).assume_role(RoleArn=untrusting, RoleSessionName="xx")
    )
    assert code == "AccessDenied"
    assert "because no resource-based policy allows the sts:AssumeRole action" in message
    assert f"trust policy of role Untrusting in account {B}" in message
    assert f'"arn:aws:iam::{A}:root"' in message

    missing = f"arn:aws:iam::{B}:role/NoSuchRole"
    code, message, _ = error_of(
        lambda: server.client("sts", A).assume_role(RoleArn=missing, RoleSessionName="xx")
    )
    assert code == "AccessDenied" and f"Check that role {missing} exists" in message


def test_trust_policy_needs_the_role_even_for_the_accounts_root(server: RunningServer) -> None:
    service_only = create_role(
        server, A, "ServiceOnly", trust({"Service": "ec2.amazonaws.com"}), EVERYTHING
    )
    code, message, _ = error_of(
        lambda: server.client("sts", A).assume_role(RoleArn=service_only, RoleSessionName="xx")
    )
    assert code == "AccessDenied" and "no resource-based policy allows" in message


def test_external_id_condition(server: RunningServer) -> None:
    role_arn = create_role(
        server, B, "Vendor",
        trust(account_root(A), Condition={"StringEquals": {"sts:ExternalId": "s3cr3t-id"}}),
        EVERYTHING,
    )  # fmt: skip
    sts = server.client("sts", A)
    assert (
        error_of(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="xx"))[0]
        == "AccessDenied"
    )
    assert error_of(
        lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="xx", ExternalId="wrong-id")
    )[0] == ("AccessDenied")
    assert sts.assume_role(RoleArn=role_arn, RoleSessionName="xx", ExternalId="s3cr3t-id")[
        "Credentials"
    ]


def test_session_policies_narrow_the_role(server: RunningServer) -> None:
    role_arn = create_role(server, A, "Wide", trust(account_root(A)), EVERYTHING)
    narrowed = assume(
        server, server.session(A), role_arn, "narrow", Policy=policy(allow("iam:ListRoles"))
    )
    iam = client(server, narrowed, "iam")
    assert iam.list_roles()["Roles"]
    code, message, _ = error_of(iam.list_users)
    assert (
        code == "AccessDenied"
        and "because no session policy allows the iam:ListUsers action" in message
    )
    assert "assume role Wide again with a session policy" in message

    by_arn = assume(
        server,
        server.session(A),
        role_arn,
        "managed",
        PolicyArns=[{"arn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}],
    )
    iam = client(server, by_arn, "iam")
    assert iam.list_users()["Users"] is not None
    assert error_of(lambda: iam.create_user(UserName="nope"))[0] == "AccessDenied"

    sts = server.client("sts", A)
    code, message, _ = error_of(
        lambda: sts.assume_role(
            RoleArn=role_arn, RoleSessionName="xx", Policy='{"Version": "2012-10-17"'
        )
    )
    assert code == "MalformedPolicyDocument" and "Syntax errors" in message
    code, _, _ = error_of(
        lambda: sts.assume_role(
            RoleArn=role_arn,
            RoleSessionName="xx",
            PolicyArns=[{"arn": f"arn:aws:iam::{A}:policy/none-such"}],
        )
    )
    assert code == "ValidationError"
    packed = sts.assume_role(
        RoleArn=role_arn, RoleSessionName="xx", Policy=policy(allow("s3:GetObject"))
    )["PackedPolicySize"]
    assert 0 < packed < 100


def test_session_tags_are_principal_tags_and_transitive_ones_survive_chaining(
    server: RunningServer,
) -> None:
    team = "data"
    tagging_trust = trust(account_root(A), actions=["sts:AssumeRole", "sts:TagSession"])
    first = create_role(server, A, "Launcher", tagging_trust, EVERYTHING)
    second = create_role(
        server,
        B,
        "Tagged",
        trust(account_root(A), actions=["sts:AssumeRole", "sts:TagSession"]),
        policy(allow("iam:ListRoles", Condition={"StringEquals": {"aws:PrincipalTag/team": team}})),
    )
    launcher = assume(
        server,
        server.session(A),
        first,
        "launcher",
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "shift", "Value": "night"}],
        TransitiveTagKeys=["team"],
    )
    chained = assume(server, launcher, second, "chained")
    assert client(server, chained, "iam").list_roles()["Roles"]  # aws:PrincipalTag/team came along
    with server.platform.db.session() as session:
        key = chained.get_credentials().access_key
        row = session.get(SessionCredential, key)
        assert row is not None
        assert row.session_tags == {"team": "data"} and row.transitive_tag_keys == ["team"]

    code, message, _ = error_of(
        lambda: client(server, launcher, "sts").assume_role(
            RoleArn=second, RoleSessionName="override", Tags=[{"Key": "TEAM", "Value": "ops"}]
        )
    )
    assert code == "InvalidParameterValue" and "transitive tag" in message
    code, _, _ = error_of(
        lambda: server.client("sts", A).assume_role(
            RoleArn=first,
            RoleSessionName="xx",
            Tags=[{"Key": "a", "Value": "1"}],
            TransitiveTagKeys=["b"],
        )
    )
    assert code == "InvalidParameterValue"

    # Tags need sts:TagSession in the trust policy.
    plain = create_role(server, A, "NoTagging", trust(account_root(A)), EVERYTHING)
    code, message, _ = error_of(
        lambda: server.client("sts", A).assume_role(
            RoleArn=plain, RoleSessionName="xx", Tags=[{"Key": "team", "Value": "data"}]
        )
    )
    assert code == "AccessDenied" and "sts:TagSession" in message


def test_source_identity_is_kept_through_chaining(server: RunningServer) -> None:
    identity_trust = trust(account_root(A), actions=["sts:AssumeRole", "sts:SetSourceIdentity"])
    first = create_role(server, A, "Entry", identity_trust, EVERYTHING)
    second = create_role(server, B, "Next", trust(account_root(A)), EVERYTHING)
    answer = server.client("sts", A).assume_role(
        RoleArn=first, RoleSessionName="ee", SourceIdentity="alice"
    )
    assert answer["SourceIdentity"] == "alice"
    entry = session_of(answer["Credentials"])
    chained = client(server, entry, "sts").assume_role(RoleArn=second, RoleSessionName="nn")
    assert chained["SourceIdentity"] == "alice"
    code, message, _ = error_of(
        lambda: client(server, entry, "sts").assume_role(
            RoleArn=second, RoleSessionName="nn", SourceIdentity="mallory"
        )
    )
    assert code == "ValidationError" and "cannot be changed" in message
    no_set = create_role(server, A, "NoSourceIdentity", trust(account_root(A)), EVERYTHING)
    code, message, _ = error_of(
        lambda: server.client("sts", A).assume_role(
            RoleArn=no_set, RoleSessionName="xx", SourceIdentity="bob"
        )
    )
    assert code == "AccessDenied" and "sts:SetSourceIdentity" in message


def test_get_session_token_acts_as_the_user(server: RunningServer) -> None:
    user = create_user(server, A, "token-user", policy(allow("iam:ListRoles")))
    answer = client(server, user, "sts").get_session_token(DurationSeconds=900)
    temporary = session_of(answer["Credentials"])
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert (
        client(server, temporary, "sts").get_caller_identity()["Arn"]
        == f"arn:aws:iam::{A}:user/token-user"
    )
    assert client(server, temporary, "iam").list_roles()["Roles"] is not None
    assert error_of(lambda: client(server, temporary, "iam").list_users())[0] == "AccessDenied"
    code, message, _ = error_of(lambda: client(server, temporary, "sts").get_session_token())
    assert code == "AccessDenied" and "session credentials" in message
    code, _, _ = error_of(lambda: server.client("sts", A).get_session_token(DurationSeconds=7200))
    assert code == "ValidationError"  # the root gets at most an hour
    root_token = server.client("sts", A).get_session_token()
    assert client(server, session_of(root_token["Credentials"]), "sts").get_caller_identity()[
        "Arn"
    ] == (f"arn:aws:iam::{A}:root")


def test_explicit_deny_on_assume_role_in_the_callers_policy(server: RunningServer) -> None:
    role_arn = create_role(server, B, "Guarded", trust(account_root(A)), EVERYTHING)
    user = create_user(
        server,
        A,
        "denied-user",
        policy(allow("sts:AssumeRole"), deny("sts:AssumeRole", role_arn, Sid="NotGuarded")),
    )
    code, message, _ = error_of(
        lambda: client(server, user, "sts").assume_role(RoleArn=role_arn, RoleSessionName="xx")
    )
    assert code == "AccessDenied"
    assert "with an explicit deny in an identity-based policy" in message
    assert (
        "Remove or narrow the Deny statement 'NotGuarded' in inline policy inline0 of user "
        "denied-user" in message
    )


def test_platform_issues_role_sessions_for_trusted_services(server: RunningServer) -> None:
    role_arn = create_role(
        server, A, "StudioExecution", trust({"Service": "sagemaker.amazonaws.com"}), EVERYTHING
    )
    issued = issue_service_role_session(
        server.platform,
        "sagemaker.amazonaws.com",
        role_arn,
        "studio-user",
        tags=[
            {
                "Key": "sagemaker:user-profile-arn",
                "Value": "arn:aws:sagemaker:us-east-1:200000000001:user-profile/d-1/u",
            }
        ],
        transitive_tag_keys=["sagemaker:user-profile-arn"],
        source_identity="studio-user",
    )
    session = session_of(
        {
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret_access_key,
            "SessionToken": issued.session_token,
        }
    )
    assert client(server, session, "sts").get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{A}:assumed-role/StudioExecution/studio-user"
    )
    with pytest.raises(AccessDeniedError) as info:
        issue_service_role_session(server.platform, "ec2.amazonaws.com", role_arn, "xx")
    assert '{"Service": "ec2.amazonaws.com"}' in info.value.message

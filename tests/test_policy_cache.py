"""Every IAM write takes effect on the very next request, although callers' policies are kept.

The platform keeps each caller's compiled policy set (and roles' trust
policies) by the IAM version of the store. Each test makes a call first, so
the caller's policies are kept, then changes something through the IAM API
and checks that the next call is decided by the new policies. One test does
it across two platforms on one store, as several servers (or a restarted
one) would see it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from clusterport.errors import AccessDeniedError
from clusterport.platform import Platform, Settings
from clusterport.services import identity
from clusterport.services.authorization import authorize
from clusterport.services.base import RequestContext
from clusterport.store import versions
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
    trust,
)

A = "300000000011"
B = "300000000012"


def test_inline_policy_put_and_delete_apply_to_the_next_call(server: RunningServer) -> None:
    user = create_user(server, A, "inline-user", policy(allow("iam:ListRoles")))
    iam = client(server, user, "iam")
    assert iam.list_roles()["Roles"] is not None
    assert error_of(iam.list_users)[0] == "AccessDenied"

    admin = server.client("iam", A)
    admin.put_user_policy(
        UserName="inline-user", PolicyName="users", PolicyDocument=policy(allow("iam:ListUsers"))
    )
    assert iam.list_users()["Users"] is not None
    admin.put_user_policy(
        UserName="inline-user",
        PolicyName="users",
        PolicyDocument=policy(deny("iam:ListRoles"), allow("iam:ListUsers")),
    )
    code, message, _ = error_of(iam.list_roles)
    assert code == "AccessDenied" and "explicit deny in an identity-based policy" in message
    admin.delete_user_policy(UserName="inline-user", PolicyName="users")
    assert iam.list_roles()["Roles"] is not None
    assert error_of(iam.list_users)[0] == "AccessDenied"


def test_attach_detach_and_new_versions_of_managed_policies(server: RunningServer) -> None:
    admin = server.client("iam", A)
    role_arn = create_role(server, A, "Managed", trust(account_root(A)))
    session = assume(server, server.session(A), role_arn, "managed")
    iam = client(server, session, "iam")
    assert error_of(iam.list_roles)[0] == "AccessDenied"

    arn = admin.create_policy(PolicyName="Lister", PolicyDocument=policy(allow("iam:ListRoles")))[
        "Policy"
    ]["Arn"]
    admin.attach_role_policy(RoleName="Managed", PolicyArn=arn)
    assert iam.list_roles()["Roles"] is not None

    admin.create_policy_version(
        PolicyArn=arn, PolicyDocument=policy(allow("iam:ListUsers")), SetAsDefault=True
    )
    assert error_of(iam.list_roles)[0] == "AccessDenied"
    assert iam.list_users()["Users"] is not None
    admin.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    assert iam.list_roles()["Roles"] is not None

    admin.detach_role_policy(RoleName="Managed", PolicyArn=arn)
    assert error_of(iam.list_roles)[0] == "AccessDenied"


def test_tag_changes_apply_to_principal_tag_conditions(server: RunningServer) -> None:
    team_only = policy(
        allow("iam:ListRoles", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}})
    )
    user = create_user(server, A, "tagged-user", team_only, tags=[{"Key": "team", "Value": "data"}])
    iam = client(server, user, "iam")
    assert iam.list_roles()["Roles"] is not None

    admin = server.client("iam", A)
    admin.tag_user(UserName="tagged-user", Tags=[{"Key": "team", "Value": "ops"}])
    assert error_of(iam.list_roles)[0] == "AccessDenied"
    admin.untag_user(UserName="tagged-user", TagKeys=["team"])
    assert error_of(iam.list_roles)[0] == "AccessDenied"
    admin.tag_user(UserName="tagged-user", Tags=[{"Key": "team", "Value": "data"}])
    assert iam.list_roles()["Roles"] is not None


def test_permissions_boundary_put_and_delete(server: RunningServer) -> None:
    admin = server.client("iam", A)
    boundary = admin.create_policy(
        PolicyName="OnlyUsers", PolicyDocument=policy(allow("iam:ListUsers"))
    )["Policy"]["Arn"]
    user = create_user(server, A, "bounded-user", policy(allow(["iam:ListRoles", "iam:ListUsers"])))
    iam = client(server, user, "iam")
    assert iam.list_roles()["Roles"] is not None

    admin.put_user_permissions_boundary(UserName="bounded-user", PermissionsBoundary=boundary)
    code, message, _ = error_of(iam.list_roles)
    assert code == "AccessDenied" and "permissions boundary" in message
    assert iam.list_users()["Users"] is not None
    admin.delete_user_permissions_boundary(UserName="bounded-user")
    assert iam.list_roles()["Roles"] is not None


def test_trust_policy_updates_apply_to_the_next_assume_role(server: RunningServer) -> None:
    caller = create_user(server, A, "assumer", policy(allow("sts:AssumeRole")))
    role_arn = create_role(server, A, "Trusting", trust({"AWS": f"arn:aws:iam::{A}:user/assumer"}))
    sts = client(server, caller, "sts")
    assert sts.assume_role(RoleArn=role_arn, RoleSessionName="one")["Credentials"]

    admin = server.client("iam", A)
    admin.update_assume_role_policy(
        RoleName="Trusting", PolicyDocument=trust({"AWS": f"arn:aws:iam::{A}:root"})
    )
    # The root is named now: the user still needs (and has) its own Allow.
    assert sts.assume_role(RoleArn=role_arn, RoleSessionName="two")["Credentials"]
    admin.update_assume_role_policy(
        RoleName="Trusting", PolicyDocument=trust({"AWS": f"arn:aws:iam::{B}:root"})
    )
    code, message, _ = error_of(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="three"))
    assert code == "AccessDenied" and "trust policy of role Trusting" in message


def test_deleted_and_recreated_identities(server: RunningServer) -> None:
    admin = server.client("iam", A)
    role_arn = create_role(
        server, A, "Recreated", trust(account_root(A)), policy(allow("iam:ListRoles"))
    )
    session = assume(server, server.session(A), role_arn, "kept")
    iam = client(server, session, "iam")
    assert iam.list_roles()["Roles"] is not None

    admin.delete_role_policy(RoleName="Recreated", PolicyName="inline0")
    admin.delete_role(RoleName="Recreated")
    code, message, _ = error_of(iam.list_roles)
    assert code == "AccessDenied" and "Role Recreated no longer exists" in message

    # A new role of the same name is a new principal (a new AROA id): the old session,
    # cached or not, stays refused as AWS refuses it.
    create_role(server, A, "Recreated", trust(account_root(A)), policy(allow("iam:ListUsers")))
    assert error_of(iam.list_users)[0] == "AccessDenied"
    assert error_of(iam.list_roles)[0] == "AccessDenied"

    user = create_user(server, A, "short-lived", policy(allow("iam:ListRoles")))
    assert client(server, user, "iam").list_roles()["Roles"] is not None
    admin.delete_user_policy(UserName="short-lived", PolicyName="inline0")
    key_id = user.get_credentials().access_key
    admin.delete_access_key(UserName="short-lived", AccessKeyId=key_id)
    admin.delete_user(UserName="short-lived")
    assert error_of(client(server, user, "iam").list_roles)[0] == "InvalidClientTokenId"


def test_writes_bump_the_iam_version_and_reads_do_not(server: RunningServer) -> None:
    def version() -> int:
        with server.platform.db.session() as session:
            return versions.current(session, versions.IAM)

    role_arn = create_role(server, A, "Counted", trust(account_root(A)))
    before = version()
    admin = server.client("iam", A)
    admin.get_role(RoleName="Counted")
    admin.list_roles()
    assume(server, server.session(A), role_arn, "counted")  # records RoleLastUsed only
    assert version() == before
    admin.tag_role(RoleName="Counted", Tags=[{"Key": "k", "Value": "v"}])
    assert version() > before


@pytest.fixture
def second_platform(server: RunningServer) -> Iterator[Platform]:
    """Another platform on the same store: what a second server process would hold."""
    other = Platform(Settings(data_dir=server.data_dir))
    try:
        yield other
    finally:
        other.close()


def test_a_write_through_one_server_reaches_anothers_kept_policies(
    server: RunningServer, second_platform: Platform
) -> None:
    user = create_user(server, A, "two-servers", policy(allow("iam:ListRoles")))
    credentials = user.get_credentials()
    assert credentials is not None
    with second_platform.db.session() as session:
        known = identity.lookup_key(session, second_platform.secrets, credentials.access_key)
    assert known is not None
    ctx = RequestContext(
        platform=second_platform,
        principal=known.principal,
        region="us-east-1",
        service="iam",
        operation="ListRoles",
        request_id=str(uuid.uuid4()),
        source_ip="127.0.0.1",
        now=second_platform.now(),
    )
    authorize(ctx, "iam:ListRoles", ["*"])
    assert len(second_platform.callers) == 1

    server.client("iam", A).put_user_policy(
        UserName="two-servers", PolicyName="inline0", PolicyDocument=policy(deny("iam:ListRoles"))
    )
    with pytest.raises(AccessDeniedError) as denied:
        authorize(ctx, "iam:ListRoles", ["*"])
    assert "explicit deny in an identity-based policy" in denied.value.message


def test_session_tags_and_policies_are_part_of_the_kept_caller(server: RunningServer) -> None:
    role_arn = create_role(
        server,
        A,
        "Tagged",
        trust(account_root(A), actions=("sts:AssumeRole", "sts:TagSession")),
        policy(
            allow("iam:ListRoles", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}})
        ),
    )
    root = server.session(A)
    data = client(server, assume(server, root, role_arn, "same", Tags=[tag("data")]), "iam")
    ops = client(server, assume(server, root, role_arn, "same", Tags=[tag("ops")]), "iam")
    limited = client(
        server,
        assume(server, root, role_arn, "same", Tags=[tag("data")], Policy=policy(deny("iam:*"))),
        "iam",
    )
    for _ in range(2):  # the second round is decided from the kept callers
        assert data.list_roles()["Roles"] is not None
        assert error_of(ops.list_roles)[0] == "AccessDenied"
        assert error_of(limited.list_roles)[0] == "AccessDenied"


def tag(team: str) -> dict[str, str]:
    return {"Key": "team", "Value": team}

"""Enforcement on every call, end to end through boto3 and the AWS CLI.

Users and role sessions are denied for each reason AWS has (no identity policy,
explicit deny, permissions boundary, session policy, conditions on the request
and on the principal), with AWS's message, the code of the service's protocol,
and one sentence saying what to change where.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore import xform_name

import aws_cli_support
from clusterport.errors import AccessDeniedError
from clusterport.services import identity
from clusterport.services.authorization import authorize
from clusterport.services.base import Provider, RequestContext, UndeclaredResourcesError
from conftest import RunningServer, served_models
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
    trust,
)

C = "300000000001"
D = "300000000002"
VENV_BIN = Path(sys.executable).parent


def test_missing_identity_policy_in_each_protocol(server: RunningServer) -> None:
    user = create_user(server, C, "nobody", policy(allow("s3:GetObject")))
    arn = f"arn:aws:iam::{C}:user/nobody"

    code, message, status = error_of(client(server, user, "iam").list_roles)
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: {arn} is not authorized to perform: iam:ListRoles because no identity-based "
        "policy allows the iam:ListRoles action. Add an Allow for iam:ListRoles on * to a "
        f"policy of user nobody in account {C}."
    )
    code, message, _ = error_of(lambda: client(server, user, "iam").get_role(RoleName="any"))
    assert code == "AccessDenied"
    assert f"iam:GetRole on resource: arn:aws:iam::{C}:role/any because" in message

    code, message, _ = error_of(client(server, user, "ec2").describe_vpcs)
    assert code == "UnauthorizedOperation"
    assert "ec2:DescribeVpcs because no identity-based policy allows" in message
    code, message, _ = error_of(client(server, user, "emr").list_clusters)
    assert code == "AccessDeniedException"
    assert (
        "Add an Allow for elasticmapreduce:ListClusters on * to a policy of user nobody" in message
    )
    code, _, _ = error_of(client(server, user, "cloudtrail").lookup_events)
    assert code == "AccessDeniedException"


def test_account_root_keeps_every_permission_in_its_own_account(server: RunningServer) -> None:
    assert server.client("ec2", C).describe_vpcs()["Vpcs"] is not None
    assert server.client("emr", C).list_clusters()["Clusters"] is not None
    assert server.client("iam", C).list_roles()["Roles"] is not None
    assert server.client("cloudtrail", C).lookup_events(MaxResults=1)["Events"] is not None


def test_explicit_deny_in_a_managed_policy_names_it(server: RunningServer) -> None:
    iam = server.client("iam", C)
    guard = iam.create_policy(
        PolicyName="NoUserChanges",
        PolicyDocument=policy(deny(["iam:CreateUser", "iam:DeleteUser"], Sid="NoUsers")),
    )["Policy"]["Arn"]
    user = create_user(server, C, "admin-but", policy(allow("iam:*")))
    iam.attach_user_policy(UserName="admin-but", PolicyArn=guard)
    user_iam = client(server, user, "iam")
    assert user_iam.list_users()["Users"]
    code, message, _ = error_of(lambda: user_iam.create_user(UserName="intruder"))
    assert code == "AccessDenied"
    assert (
        f"iam:CreateUser on resource: arn:aws:iam::{C}:user/intruder with an explicit deny in an "
        f"identity-based policy: {guard}. Remove or narrow the Deny statement 'NoUsers' in "
        f"managed policy {guard} attached to user admin-but" in message
    )


def test_permissions_boundary_limits_an_admin(server: RunningServer) -> None:
    iam = server.client("iam", C)
    boundary = iam.create_policy(
        PolicyName="ReadIamOnly", PolicyDocument=policy(allow(["iam:List*", "iam:Get*"]))
    )["Policy"]["Arn"]
    user = create_user(server, C, "bounded-admin")
    iam.attach_user_policy(
        UserName="bounded-admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    iam.put_user_permissions_boundary(UserName="bounded-admin", PermissionsBoundary=boundary)
    user_iam = client(server, user, "iam")
    assert user_iam.list_roles()["Roles"] is not None
    code, message, _ = error_of(
        lambda: user_iam.create_role(
            RoleName="escape", AssumeRolePolicyDocument=trust(account_root(C))
        )
    )
    assert code == "AccessDenied"
    assert "because no permissions boundary allows the iam:CreateRole action" in message
    assert (
        f"Add iam:CreateRole on arn:aws:iam::{C}:role/escape to the permissions boundary {boundary}"
        in message
    )

    role_arn = create_role(
        server,
        C,
        "BoundedRole",
        trust(account_root(C)),
        policy(allow("*")),
        PermissionsBoundary=boundary,
    )
    role_iam = client(server, assume(server, server.session(C), role_arn, "bounded"), "iam")
    assert role_iam.list_users()["Users"] is not None
    code, message, _ = error_of(lambda: role_iam.create_user(UserName="escape"))
    assert "no permissions boundary allows" in message and "of role BoundedRole" in message


def test_session_policy_limits_a_role_session(server: RunningServer) -> None:
    role_arn = create_role(server, C, "SessionLimited", trust(account_root(C)), policy(allow("*")))
    session = assume(
        server, server.session(C), role_arn, "limited", Policy=policy(allow("ec2:Describe*"))
    )
    assert client(server, session, "ec2").describe_vpcs()["Vpcs"] is not None
    code, message, _ = error_of(client(server, session, "iam").list_roles)
    assert code == "AccessDenied"
    assert message.startswith(
        f"User: arn:aws:sts::{C}:assumed-role/SessionLimited/limited is not authorized to perform: "
        "iam:ListRoles because no session policy allows the iam:ListRoles action."
    )


def test_condition_on_source_ip(server: RunningServer) -> None:
    local = create_user(
        server,
        C,
        "from-localhost",
        policy(allow("iam:ListRoles", Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}})),
    )
    assert client(server, local, "iam").list_roles()["Roles"] is not None
    corporate = create_user(
        server,
        C,
        "from-corp",
        policy(
            allow("iam:ListRoles"),
            deny(
                "*", Sid="OnlyFromCorp", Condition={"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}
            ),
        ),
    )
    code, message, _ = error_of(client(server, corporate, "iam").list_roles)
    assert code == "AccessDenied"
    assert "with an explicit deny in an identity-based policy" in message
    assert "Deny statement 'OnlyFromCorp' in inline policy inline0 of user from-corp" in message


def test_condition_on_requested_region(server: RunningServer) -> None:
    user = create_user(
        server,
        C,
        "us-only",
        policy(
            allow(
                "ec2:DescribeVpcs", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}
            )
        ),
    )
    assert client(server, user, "ec2", "us-east-1").describe_vpcs()["Vpcs"] is not None
    code, message, _ = error_of(client(server, user, "ec2", "eu-west-1").describe_vpcs)
    assert code == "UnauthorizedOperation" and "no identity-based policy allows" in message


def test_condition_on_principal_tags_and_policy_variables(server: RunningServer) -> None:
    team_only = policy(
        allow("iam:ListRoles", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}}),
        allow("iam:GetUser", f"arn:aws:iam::{C}:user/${{aws:username}}"),
    )
    tagged = create_user(server, C, "tagged", team_only, tags=[{"Key": "team", "Value": "data"}])
    untagged = create_user(server, C, "untagged", team_only)
    assert client(server, tagged, "iam").list_roles()["Roles"] is not None
    assert error_of(client(server, untagged, "iam").list_roles)[0] == "AccessDenied"
    assert (
        client(server, untagged, "iam").get_user(UserName="untagged")["User"]["UserName"]
        == "untagged"
    )
    code, message, _ = error_of(lambda: client(server, untagged, "iam").get_user(UserName="tagged"))
    assert (
        code == "AccessDenied"
        and f"iam:GetUser on resource: arn:aws:iam::{C}:user/tagged" in message
    )

    # A role session's principal tags: the role's tags, overridden by session tags.
    role_arn = create_role(
        server,
        C,
        "TeamRole",
        trust(account_root(C), actions=["sts:AssumeRole", "sts:TagSession"]),
        policy(
            allow("iam:ListRoles", Condition={"StringEquals": {"aws:PrincipalTag/team": "data"}})
        ),
        Tags=[{"Key": "team", "Value": "data"}],
    )
    plain = assume(server, server.session(C), role_arn, "plain")
    assert client(server, plain, "iam").list_roles()["Roles"] is not None
    other = assume(
        server, server.session(C), role_arn, "other", Tags=[{"Key": "team", "Value": "ops"}]
    )
    assert error_of(client(server, other, "iam").list_roles)[0] == "AccessDenied"


def test_condition_on_request_tags(server: RunningServer) -> None:
    creator = create_user(
        server,
        C,
        "tagging-creator",
        policy(
            allow(
                "iam:CreateRole",
                Condition={
                    "StringEquals": {"aws:RequestTag/team": "data"},
                    "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]},
                },
            )
        ),
    )
    iam = client(server, creator, "iam")
    document = trust(account_root(C))
    code, message, _ = error_of(
        lambda: iam.create_role(RoleName="untagged-role", AssumeRolePolicyDocument=document)
    )
    assert code == "AccessDenied" and "iam:CreateRole" in message
    code, _, _ = error_of(
        lambda: iam.create_role(
            RoleName="wrong-tag-role",
            AssumeRolePolicyDocument=document,
            Tags=[{"Key": "team", "Value": "ops"}],
        )
    )
    assert code == "AccessDenied"
    made = iam.create_role(
        RoleName="tagged-role",
        AssumeRolePolicyDocument=document,
        Tags=[{"Key": "team", "Value": "data"}],
    )
    assert made["Role"]["RoleName"] == "tagged-role"


def test_conditions_on_time_and_transport(server: RunningServer) -> None:
    user = create_user(
        server,
        C,
        "timed",
        policy(
            allow(
                "iam:ListRoles",
                Condition={"DateGreaterThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}},
            ),
            allow(
                "iam:ListUsers",
                Condition={"DateLessThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"}},
            ),
            deny("iam:ListPolicies", Condition={"Bool": {"aws:SecureTransport": "false"}}),
            allow("iam:ListPolicies"),
        ),
    )
    iam = client(server, user, "iam")
    assert iam.list_roles()["Roles"] is not None
    assert error_of(iam.list_users)[0] == "AccessDenied"
    code, message, _ = error_of(iam.list_policies)  # the test server speaks plain HTTP
    assert code == "AccessDenied" and "explicit deny" in message


def test_a_deleted_roles_sessions_act_for_nobody(server: RunningServer) -> None:
    role_arn = create_role(server, C, "Ephemeral", trust(account_root(C)))
    server.client("iam", C).attach_role_policy(
        RoleName="Ephemeral", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
    )
    session = assume(server, server.session(C), role_arn, "leftover")
    assert client(server, session, "iam").list_roles()["Roles"] is not None
    iam = server.client("iam", C)
    iam.detach_role_policy(RoleName="Ephemeral", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.delete_role(RoleName="Ephemeral")
    code, message, _ = error_of(client(server, session, "iam").list_roles)
    assert code == "AccessDenied" and "Role Ephemeral no longer exists" in message


def test_cross_account_resources_need_the_other_accounts_consent(server: RunningServer) -> None:
    key = server.account(C)
    with server.platform.db.session() as session:
        known = identity.lookup_key(session, server.platform.secrets, key.access_key_id)
    assert known is not None
    ctx = RequestContext(
        platform=server.platform,
        principal=known.principal,
        region="us-east-1",
        service="emr",
        operation="DescribeCluster",
        request_id=str(uuid.uuid4()),
        source_ip="127.0.0.1",
        now=server.platform.now(),
    )
    own = f"arn:aws:elasticmapreduce:us-east-1:{C}:cluster/j-OWN"
    other = f"arn:aws:elasticmapreduce:us-east-1:{D}:cluster/j-OTHER"
    authorize(ctx, "elasticmapreduce:DescribeCluster", [own])
    try:
        authorize(ctx, "elasticmapreduce:DescribeCluster", [own, other])
    except AccessDeniedError as denied:
        assert denied.code == "AccessDeniedException"
        assert f"User: arn:aws:iam::{C}:root is not authorized" in denied.message
        assert "because no resource-based policy allows" in denied.message
        assert f"{other} belongs to account {D}" in denied.message
        assert f"assume a role in account {D}" in denied.message
    else:
        raise AssertionError("a cross-account resource without a resource policy was allowed")


def test_denied_calls_through_the_aws_cli(server: RunningServer) -> None:
    iam = server.client("iam", C)
    iam.create_user(UserName="cli-user")
    iam.put_user_policy(
        UserName="cli-user", PolicyName="roles", PolicyDocument=policy(allow("iam:*Role*"))
    )
    key = iam.create_access_key(UserName="cli-user")["AccessKey"]
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": key["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)

    def aws(
        *args: str, process: bool = False
    ) -> subprocess.CompletedProcess[str] | aws_cli_support.Ran:
        """``aws <args>`` as the user: in this process, or as an ``aws`` process."""
        command = ["--endpoint-url", server.url, "--output", "json", *args]
        if not process:
            return aws_cli_support.run(
                command,
                access_key_id=key["AccessKeyId"],
                secret_access_key=key["SecretAccessKey"],
            )
        return subprocess.run(
            [str(VENV_BIN / "aws"), *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )

    made = aws(
        "iam",
        "create-role",
        "--role-name",
        "cli-made",
        "--assume-role-policy-document",
        trust(account_root(C)),
        process=True,  # one real ``aws`` process; the other commands run in-process
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["Role"]["RoleName"] == "cli-made"
    listed = aws("iam", "list-roles")
    assert "cli-made" in listed.stdout
    denied = aws("iam", "create-user", "--user-name", "not-allowed")
    assert denied.returncode != 0
    assert "(AccessDenied)" in denied.stderr
    assert (
        "Add an Allow for iam:CreateUser on arn:aws:iam::300000000001:user/not-allowed"
        in denied.stderr
    )


def test_denied_calls_reach_the_audit_trail(server: RunningServer) -> None:
    user = create_user(server, D, "audited")
    error_of(client(server, user, "iam").list_roles)
    events = server.client("cloudtrail", D).lookup_events(
        LookupAttributes=[{"AttributeKey": "Username", "AttributeValue": "audited"}]
    )["Events"]
    record = json.loads(events[0]["CloudTrailEvent"])
    assert (record["eventName"], record["errorCode"]) == ("ListRoles", "AccessDenied")
    assert "no identity-based policy allows the iam:ListRoles action" in record["errorMessage"]
    assert record["userIdentity"]["type"] == "IAMUser"


# ---- fail closed on resources ----------------------------------------------------------------

E = "300000000003"

_TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.77.0.0/16}
"""


def test_every_served_operation_declares_its_resources(server: RunningServer) -> None:
    served = 0
    undeclared = []
    for service in served_models():
        provider = server.platform.providers[service.name]
        for name in service.model.operation_names:
            method = getattr(provider, xform_name(name), None)
            if not inspect.iscoroutinefunction(method):
                continue
            served += 1
            if not type(provider).declares_resources(name):
                undeclared.append(f"{service.name}:{name}")
    assert served > 200
    assert undeclared == []


def test_an_undeclared_operation_is_refused_not_authorized_on_star(server: RunningServer) -> None:
    class Careless(Provider):
        service = "emr"
        iam_prefix = "elasticmapreduce"

    key = server.account(C)
    with server.platform.db.session() as session:
        known = identity.lookup_key(session, server.platform.secrets, key.access_key_id)
    assert known is not None
    ctx = RequestContext(
        platform=server.platform,
        principal=known.principal,
        region="us-east-1",
        service="emr",
        operation="DescribeCluster",
        request_id=str(uuid.uuid4()),
        source_ip="127.0.0.1",
        now=server.platform.now(),
    )
    with pytest.raises(UndeclaredResourcesError) as refused:
        Careless(server.platform).resources_for(ctx, "DescribeCluster", {"ClusterId": "j-1"})
    assert refused.value.code == "InternalFailure"
    assert "declares no resources" in refused.value.message


def _product(admin: Any, name: str) -> str:
    created = admin.create_product(
        Name=name,
        Owner="Platform team",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Type": "CLOUD_FORMATION_TEMPLATE",
            "Info": {"TemplateBody": _TEMPLATE},
        },
    )
    return str(created["ProductViewDetail"]["ProductViewSummary"]["ProductId"])


def test_a_deny_on_one_product_refuses_it_and_only_it(server: RunningServer) -> None:
    admin = server.client("servicecatalog", E)
    guarded, other = _product(admin, "guarded"), _product(admin, "other")
    guarded_arn = f"arn:aws:catalog:us-east-1:{E}:product/{guarded}"
    user = create_user(
        server,
        E,
        "catalog-admin",
        policy(allow("*"), deny("servicecatalog:DescribeProductAsAdmin", guarded_arn)),
    )
    catalog = client(server, user, "servicecatalog")
    code, message, status = error_of(lambda: catalog.describe_product_as_admin(Id=guarded))
    assert (code, status) == ("AccessDeniedException", 403)
    assert (
        f"servicecatalog:DescribeProductAsAdmin on resource: {guarded_arn} with an explicit deny"
        in message
    )
    summary = catalog.describe_product_as_admin(Id=other)["ProductViewDetail"]
    assert summary["ProductViewSummary"]["ProductId"] == other
    # A portfolio's ARN is guarded the same way.
    portfolio = admin.create_portfolio(DisplayName="guarded", ProviderName="Platform")
    portfolio_id = portfolio["PortfolioDetail"]["Id"]
    portfolio_arn = f"arn:aws:catalog:us-east-1:{E}:portfolio/{portfolio_id}"
    server.client("iam", E).put_user_policy(
        UserName="catalog-admin",
        PolicyName="no-portfolio",
        PolicyDocument=policy(deny("servicecatalog:DescribePortfolio", portfolio_arn)),
    )
    code, message, _ = error_of(lambda: catalog.describe_portfolio(Id=portfolio_id))
    assert code == "AccessDeniedException" and portfolio_arn in message


def test_a_deny_on_one_vpc_refuses_tagging_it(server: RunningServer) -> None:
    ec2 = server.client("ec2", E)
    guarded = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    other = ec2.create_vpc(CidrBlock="10.79.0.0/16")["Vpc"]["VpcId"]
    guarded_arn = f"arn:aws:ec2:us-east-1:{E}:vpc/{guarded}"
    user = create_user(server, E, "tagger", policy(allow("*"), deny("ec2:CreateTags", guarded_arn)))
    tagging = client(server, user, "ec2")
    code, message, _ = error_of(
        lambda: tagging.create_tags(
            Resources=[other, guarded], Tags=[{"Key": "team", "Value": "x"}]
        )
    )
    assert code == "UnauthorizedOperation"
    assert f"ec2:CreateTags on resource: {guarded_arn} with an explicit deny" in message
    assert ec2.describe_vpcs(VpcIds=[other])["Vpcs"][0].get("Tags", []) == []
    tagging.create_tags(Resources=[other], Tags=[{"Key": "team", "Value": "x"}])
    assert ec2.describe_vpcs(VpcIds=[other])["Vpcs"][0]["Tags"] == [{"Key": "team", "Value": "x"}]


def test_a_deny_on_a_security_group_holds_when_it_is_named_by_name(server: RunningServer) -> None:
    ec2 = server.client("ec2", E)
    group = ec2.create_security_group(GroupName="by-name", Description="kept")["GroupId"]
    group_arn = f"arn:aws:ec2:us-east-1:{E}:security-group/{group}"
    user = create_user(
        server, E, "sg-keeper", policy(allow("*"), deny("ec2:DeleteSecurityGroup", group_arn))
    )
    code, message, _ = error_of(
        lambda: client(server, user, "ec2").delete_security_group(GroupName="by-name")
    )
    assert code == "UnauthorizedOperation" and group_arn in message
    assert ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"]


# ---- sessions bound to the principal's unique id ---------------------------------------------


def test_a_recreated_roles_name_does_not_revive_old_sessions(server: RunningServer) -> None:
    role_arn = create_role(server, C, "Reborn", trust(account_root(C)), policy(allow("iam:*")))
    old = assume(server, server.session(C), role_arn, "before")
    assert client(server, old, "iam").list_roles()["Roles"] is not None
    iam = server.client("iam", C)
    iam.delete_role_policy(RoleName="Reborn", PolicyName="inline0")
    iam.delete_role(RoleName="Reborn")
    again = create_role(server, C, "Reborn", trust(account_root(C)), policy(allow("iam:*")))
    assert again == role_arn
    code, message, status = error_of(client(server, old, "iam").list_roles)
    assert (code, status) == ("AccessDenied", 403)
    assert "Role Reborn no longer exists" in message
    new = assume(server, server.session(C), again, "after")
    assert client(server, new, "iam").list_roles()["Roles"] is not None


def test_a_recreated_users_name_does_not_revive_its_session_tokens(
    server: RunningServer,
) -> None:
    user = create_user(server, C, "phoenix", policy(allow("iam:*")))
    token = client(server, user, "sts").get_session_token()["Credentials"]
    old = session_of(token)
    assert client(server, old, "iam").list_roles()["Roles"] is not None
    iam = server.client("iam", C)
    for key in iam.list_access_keys(UserName="phoenix")["AccessKeyMetadata"]:
        iam.delete_access_key(UserName="phoenix", AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName="phoenix", PolicyName="inline0")
    iam.delete_user(UserName="phoenix")
    reborn = create_user(server, C, "phoenix", policy(allow("iam:*")))
    code, message, _ = error_of(client(server, old, "iam").list_roles)
    assert code == "AccessDenied"
    assert "User phoenix no longer exists" in message
    assert client(server, reborn, "iam").list_roles()["Roles"] is not None

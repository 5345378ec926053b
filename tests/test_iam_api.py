"""The IAM API through boto3 and the AWS CLI: users, keys, roles, policies, profiles, simulation.

Each test works in an account of its own, so tests do not see each other's entities.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore
import botocore.exceptions
import botocore.session
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aws_cli_support
import boto_support
from clusterport.services.registry import PROVIDER_CLASSES
from conftest import RunningServer
from iam_support import (
    account_root,
    allow,
    create_user,
    deny,
    error_of,
    policy,
    session_of,
    trust,
)
from wire_support import for_shape

VENV_BIN = Path(sys.executable).parent
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _trust(account_id: str) -> str:
    return trust(account_root(account_id))


# ---- users and access keys -------------------------------------------------------------------
def test_users_are_created_found_case_insensitively_renamed_and_deleted(
    server: RunningServer,
) -> None:
    iam = server.client("iam", "100000000001")
    user = iam.create_user(
        UserName="Alice", Path="/data/", Tags=[{"Key": "team", "Value": "data"}]
    )["User"]
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21
    assert user["Arn"] == "arn:aws:iam::100000000001:user/data/Alice"
    assert iam.get_user(UserName="alice")["User"]["UserName"] == "Alice"
    code, message, status = error_of(lambda: iam.create_user(UserName="ALICE"))
    assert (code, status) == ("EntityAlreadyExists", 409)
    assert "Alice" in message
    iam.create_user(UserName="bob")
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["Alice", "bob"]
    assert [u["UserName"] for u in iam.list_users(PathPrefix="/data/")["Users"]] == ["Alice"]
    iam.tag_user(
        UserName="Alice", Tags=[{"Key": "TEAM", "Value": "ops"}, {"Key": "env", "Value": "dev"}]
    )
    assert iam.list_user_tags(UserName="Alice")["Tags"] == [
        {"Key": "TEAM", "Value": "ops"},
        {"Key": "env", "Value": "dev"},
    ]
    iam.untag_user(UserName="Alice", TagKeys=["team"])
    assert iam.get_user(UserName="Alice")["User"]["Tags"] == [{"Key": "env", "Value": "dev"}]

    key = iam.create_access_key(UserName="Alice")["AccessKey"]
    iam.update_user(UserName="Alice", NewUserName="Alicia", NewPath="/")
    renamed = iam.get_user(UserName="Alicia")["User"]
    assert renamed["Arn"] == "arn:aws:iam::100000000001:user/Alicia"
    assert (
        iam.list_access_keys(UserName="Alicia")["AccessKeyMetadata"][0]["AccessKeyId"]
        == key["AccessKeyId"]
    )
    assert error_of(lambda: iam.get_user(UserName="Alice"))[0] == "NoSuchEntity"

    code, message, status = error_of(lambda: iam.delete_user(UserName="Alicia"))
    assert (code, status) == ("DeleteConflict", 409)
    assert "access keys" in message
    iam.delete_access_key(UserName="Alicia", AccessKeyId=key["AccessKeyId"])
    iam.put_user_policy(
        UserName="Alicia", PolicyName="p", PolicyDocument=policy(allow("s3:GetObject"))
    )
    assert "DeleteUserPolicy" in error_of(lambda: iam.delete_user(UserName="Alicia"))[1]
    iam.delete_user_policy(UserName="Alicia", PolicyName="p")
    iam.delete_user(UserName="Alicia")
    code, message, status = error_of(lambda: iam.get_user(UserName="Alicia"))
    assert (code, status) == ("NoSuchEntity", 404)
    assert "ListUsers" in message


def test_access_keys_sign_at_once_and_follow_their_status(server: RunningServer) -> None:
    iam = server.client("iam", "100000000002")
    iam.create_user(UserName="svc")
    key = iam.create_access_key(UserName="svc")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and key["Status"] == "Active"
    user_sts = session_of(key).client("sts", endpoint_url=server.url)
    assert user_sts.get_caller_identity()["Arn"] == "arn:aws:iam::100000000002:user/svc"
    listed = iam.list_access_keys(UserName="svc")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]

    iam.update_access_key(UserName="svc", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    code, message, _ = error_of(user_sts.get_caller_identity)
    assert code == "InvalidClientTokenId" and "inactive" in message
    iam.update_access_key(UserName="svc", AccessKeyId=key["AccessKeyId"], Status="Active")
    assert user_sts.get_caller_identity()["Account"] == "100000000002"

    iam.create_access_key(UserName="svc")
    code, message, status = error_of(lambda: iam.create_access_key(UserName="svc"))
    assert (code, status) == ("LimitExceeded", 409) and "AccessKeysPerUser: 2" in message
    iam.delete_access_key(UserName="svc", AccessKeyId=key["AccessKeyId"])
    assert error_of(user_sts.get_caller_identity)[0] == "InvalidClientTokenId"
    assert (
        error_of(lambda: iam.delete_access_key(UserName="svc", AccessKeyId=key["AccessKeyId"]))[0]
        == "NoSuchEntity"
    )

    # Without UserName a user manages its own keys.
    own = create_user(server, "100000000002", "self-service", policy(allow("iam:*AccessKey*")))
    own_iam = own.client("iam", endpoint_url=server.url)
    assert len(own_iam.list_access_keys()["AccessKeyMetadata"]) == 1
    new = own_iam.create_access_key()["AccessKey"]
    assert new["UserName"] == "self-service"


# ---- roles -----------------------------------------------------------------------------------
def test_roles_with_trust_policy_path_tags_and_session_limit(server: RunningServer) -> None:
    acct = "100000000003"
    iam = server.client("iam", acct)
    role = iam.create_role(
        RoleName="EMR-Discovery",
        Path="/service/",
        AssumeRolePolicyDocument=_trust("222222222222"),
        Description="discovery",
        MaxSessionDuration=7200,
        Tags=[{"Key": "team", "Value": "data"}],
    )["Role"]
    assert role["RoleId"].startswith("AROA")
    assert role["Arn"] == f"arn:aws:iam::{acct}:role/service/EMR-Discovery"
    got = iam.get_role(RoleName="emr-discovery")["Role"]
    assert isinstance(got["AssumeRolePolicyDocument"], dict)
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == account_root(
        "222222222222"
    )
    assert (got["MaxSessionDuration"], got["Description"], got["Tags"]) == (
        7200,
        "discovery",
        [{"Key": "team", "Value": "data"}],
    )

    iam.update_role(RoleName="EMR-Discovery", Description="changed", MaxSessionDuration=43200)
    iam.update_assume_role_policy(RoleName="EMR-Discovery", PolicyDocument=_trust(acct))
    got = iam.get_role(RoleName="EMR-Discovery")["Role"]
    assert (got["Description"], got["MaxSessionDuration"]) == ("changed", 43200)
    assert got["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == account_root(acct)

    code, _, status = error_of(
        lambda: iam.update_role(RoleName="EMR-Discovery", MaxSessionDuration=50000)
    )
    assert (code, status) == ("ValidationError", 400)
    code, _, status = error_of(
        lambda: iam.create_role(RoleName="emr-DISCOVERY", AssumeRolePolicyDocument=_trust(acct))
    )
    assert (code, status) == ("EntityAlreadyExists", 409)

    iam.tag_role(RoleName="EMR-Discovery", Tags=[{"Key": "env", "Value": "prod"}])
    iam.untag_role(RoleName="EMR-Discovery", TagKeys=["team"])
    assert iam.list_role_tags(RoleName="EMR-Discovery")["Tags"] == [{"Key": "env", "Value": "prod"}]
    code, message, _ = error_of(
        lambda: iam.tag_role(RoleName="EMR-Discovery", Tags=[{"Key": "aws:owner", "Value": "x"}])
    )
    assert code == "InvalidInput" and "aws:" in message


def test_trust_policies_are_validated_with_the_engines_reason(server: RunningServer) -> None:
    iam = server.client("iam", "100000000004")
    no_principal = policy(allow("sts:AssumeRole"))
    code, message, status = error_of(
        lambda: iam.create_role(RoleName="r", AssumeRolePolicyDocument=no_principal)
    )
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert "Missing required field Principal" in message
    with_resource = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{**allow("sts:AssumeRole"), "Principal": account_root("100000000004")}],
        }
    )
    code, message, _ = error_of(
        lambda: iam.create_role(RoleName="r", AssumeRolePolicyDocument=with_resource)
    )
    assert code == "MalformedPolicyDocument" and "Has prohibited field Resource" in message
    wrong_action = trust(account_root("100000000004"), actions=["s3:GetObject"])
    code, message, _ = error_of(
        lambda: iam.create_role(RoleName="r", AssumeRolePolicyDocument=wrong_action)
    )
    assert code == "MalformedPolicyDocument"
    assert "Trust Policy statement actions can only be sts:AssumeRole" in message
    code, message, _ = error_of(
        lambda: iam.create_role(RoleName="r", AssumeRolePolicyDocument="{not json")
    )
    assert (code, message.split(" (")[0]) == ("MalformedPolicyDocument", "Syntax errors in policy.")
    assert error_of(lambda: iam.get_role(RoleName="r"))[0] == "NoSuchEntity"


def test_list_roles_pages_with_marker_and_path_prefix(server: RunningServer) -> None:
    acct = "100000000005"
    iam = server.client("iam", acct)
    for name in ("a", "b", "c", "d", "e"):
        iam.create_role(RoleName=f"role-{name}", AssumeRolePolicyDocument=_trust(acct))
    iam.create_role(RoleName="svc", Path="/service-role/", AssumeRolePolicyDocument=_trust(acct))
    first = iam.list_roles(MaxItems=2)
    assert first["IsTruncated"] and [r["RoleName"] for r in first["Roles"]] == ["role-a", "role-b"]
    assert "Tags" not in first["Roles"][0]
    second = iam.list_roles(MaxItems=2, Marker=first["Marker"])
    assert [r["RoleName"] for r in second["Roles"]] == ["role-c", "role-d"]
    pages = iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 4})
    assert [r["RoleName"] for p in pages for r in p["Roles"]] == [
        "role-a", "role-b", "role-c", "role-d", "role-e", "svc",
    ]  # fmt: skip
    only = iam.list_roles(PathPrefix="/service-role/")["Roles"]
    assert [r["Arn"] for r in only] == [f"arn:aws:iam::{acct}:role/service-role/svc"]
    code, message, _ = error_of(lambda: iam.list_users(Marker=first["Marker"]))
    assert code == "ValidationError" and "Marker" in message


def test_delete_role_refuses_while_policies_or_profiles_hold_it(server: RunningServer) -> None:
    acct = "100000000006"
    iam = server.client("iam", acct)
    iam.create_role(
        RoleName="worker", AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"})
    )
    iam.put_role_policy(
        RoleName="worker", PolicyName="logs", PolicyDocument=policy(allow("logs:*"))
    )
    code, message, status = error_of(lambda: iam.delete_role(RoleName="worker"))
    assert (code, status) == ("DeleteConflict", 409)
    assert "must delete policies first" in message and "logs" in message
    iam.delete_role_policy(RoleName="worker", PolicyName="logs")
    iam.attach_role_policy(RoleName="worker", PolicyArn=READ_ONLY)
    code, message, _ = error_of(lambda: iam.delete_role(RoleName="worker"))
    assert code == "DeleteConflict" and "detach all policies" in message
    iam.detach_role_policy(RoleName="worker", PolicyArn=READ_ONLY)
    iam.create_instance_profile(InstanceProfileName="worker-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="worker-profile", RoleName="worker")
    code, message, _ = error_of(lambda: iam.delete_role(RoleName="worker"))
    assert code == "DeleteConflict" and "worker-profile" in message
    iam.remove_role_from_instance_profile(InstanceProfileName="worker-profile", RoleName="worker")
    iam.delete_role(RoleName="worker")
    assert error_of(lambda: iam.get_role(RoleName="worker"))[:3:2] == ("NoSuchEntity", 404)


# ---- inline and managed policies -------------------------------------------------------------
def test_inline_policies_come_back_as_dicts_and_are_validated(server: RunningServer) -> None:
    acct = "100000000007"
    iam = server.client("iam", acct)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust(acct))
    iam.create_user(UserName="u")
    document = policy(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::bucket/*"))
    iam.put_role_policy(RoleName="r", PolicyName="s3", PolicyDocument=document)
    iam.put_user_policy(UserName="u", PolicyName="s3", PolicyDocument=document)
    got = iam.get_role_policy(RoleName="r", PolicyName="s3")
    assert got["PolicyDocument"] == json.loads(document) and got["RoleName"] == "r"
    assert iam.get_user_policy(UserName="u", PolicyName="s3")["PolicyDocument"] == json.loads(
        document
    )
    assert iam.list_role_policies(RoleName="r")["PolicyNames"] == ["s3"]
    assert iam.list_user_policies(UserName="u")["PolicyNames"] == ["s3"]

    principal_in_identity = json.dumps(
        {"Version": "2012-10-17", "Statement": [{**allow("s3:*"), "Principal": "*"}]}
    )
    code, message, status = error_of(
        lambda: iam.put_role_policy(
            RoleName="r", PolicyName="bad", PolicyDocument=principal_in_identity
        )
    )
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert "should not specify a principal" in message
    no_resource = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}
    )
    assert (
        "must contain resources"
        in error_of(
            lambda: iam.put_user_policy(UserName="u", PolicyName="bad", PolicyDocument=no_resource)
        )[1]
    )
    huge = policy(
        *[allow(f"s3:GetObject{i:04d}", f"arn:aws:s3:::bucket-{i:04d}/*") for i in range(40)]
    )
    code, message, status = error_of(
        lambda: iam.put_user_policy(UserName="u", PolicyName="huge", PolicyDocument=huge)
    )
    assert (code, status) == ("LimitExceeded", 409) and "2048" in message

    iam.delete_role_policy(RoleName="r", PolicyName="s3")
    assert iam.list_role_policies(RoleName="r")["PolicyNames"] == []
    assert error_of(lambda: iam.get_role_policy(RoleName="r", PolicyName="s3"))[0] == "NoSuchEntity"


def test_managed_policies_versions_and_deletion_rules(server: RunningServer) -> None:
    acct = "100000000008"
    iam = server.client("iam", acct)
    created = iam.create_policy(
        PolicyName="emr-read",
        Path="/team/",
        PolicyDocument=policy(allow("elasticmapreduce:Describe*")),
        Description="read clusters",
    )["Policy"]
    arn = created["Arn"]
    assert arn == f"arn:aws:iam::{acct}:policy/team/emr-read"
    assert created["PolicyId"].startswith("ANPA") and created["DefaultVersionId"] == "v1"
    assert error_of(
        lambda: iam.create_policy(PolicyName="EMR-read", PolicyDocument=policy(allow("s3:*")))
    )[:3:2] == ("EntityAlreadyExists", 409)

    version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == json.loads(policy(allow("elasticmapreduce:Describe*")))
    assert version["IsDefaultVersion"]
    for number in range(2, 6):
        made = iam.create_policy_version(
            PolicyArn=arn,
            PolicyDocument=policy(allow(f"elasticmapreduce:List{number}")),
            SetAsDefault=number == 3,
        )["PolicyVersion"]
        assert made["VersionId"] == f"v{number}"
    code, message, status = error_of(
        lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy(allow("s3:*")))
    )
    assert (code, status) == ("LimitExceeded", 409) and "up to 5 versions" in message
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v3"
    listed = iam.list_policy_versions(PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in listed] == ["v5", "v4", "v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in listed] == [False, False, True, False, False]

    code, message, _ = error_of(lambda: iam.delete_policy_version(PolicyArn=arn, VersionId="v3"))
    assert code == "DeleteConflict" and "default version" in message
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
    assert (
        error_of(lambda: iam.get_policy_version(PolicyArn=arn, VersionId="v3"))[0] == "NoSuchEntity"
    )
    version = iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy(allow("s3:List*")))
    assert version["PolicyVersion"]["VersionId"] == "v6"  # version ids are never reused

    iam.create_role(RoleName="reader", AssumeRolePolicyDocument=_trust(acct))
    iam.attach_role_policy(RoleName="reader", PolicyArn=arn)
    iam.attach_role_policy(RoleName="reader", PolicyArn=arn)  # attaching twice changes nothing
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    assert iam.list_attached_role_policies(RoleName="reader")["AttachedPolicies"] == [
        {"PolicyName": "emr-read", "PolicyArn": arn}
    ]
    assert (
        iam.list_attached_role_policies(RoleName="reader", PathPrefix="/other/")["AttachedPolicies"]
        == []
    )
    entities = iam.list_entities_for_policy(PolicyArn=arn)
    assert [r["RoleName"] for r in entities["PolicyRoles"]] == ["reader"]
    code, message, _ = error_of(lambda: iam.delete_policy(PolicyArn=arn))
    assert code == "DeleteConflict" and "attached" in message
    iam.detach_role_policy(RoleName="reader", PolicyArn=arn)
    code, message, _ = error_of(lambda: iam.delete_policy(PolicyArn=arn))
    assert code == "DeleteConflict" and "more than one version" in message
    for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not v["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=v["VersionId"])
    iam.delete_policy(PolicyArn=arn)
    assert error_of(lambda: iam.get_policy(PolicyArn=arn))[:3:2] == ("NoSuchEntity", 404)


def test_aws_managed_policies_are_listed_and_attachable_by_arn(server: RunningServer) -> None:
    acct = "100000000009"
    iam = server.client("iam", acct)
    aws = iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]
    by_arn = {p["Arn"]: p for p in aws}
    assert {ADMIN, READ_ONLY} <= set(by_arn)
    assert iam.list_policies(Scope="Local")["Policies"] == []
    admin = iam.get_policy(PolicyArn=ADMIN)["Policy"]
    assert admin["PolicyName"] == "AdministratorAccess" and admin["AttachmentCount"] == 0
    document = iam.get_policy_version(PolicyArn=ADMIN, VersionId="v1")["PolicyVersion"]["Document"]
    assert document["Statement"][0]["Action"] == "*"
    code, _, _ = error_of(
        lambda: iam.create_policy_version(PolicyArn=ADMIN, PolicyDocument=policy(allow("s3:*")))
    )
    assert code == "InvalidInput"

    iam.create_user(UserName="ops")
    iam.attach_user_policy(UserName="ops", PolicyArn=ADMIN)
    assert iam.get_policy(PolicyArn=ADMIN)["Policy"]["AttachmentCount"] == 1
    attached = iam.list_policies(Scope="All", OnlyAttached=True)["Policies"]
    assert [p["Arn"] for p in attached] == [ADMIN]
    assert iam.list_attached_user_policies(UserName="ops")["AttachedPolicies"] == [
        {"PolicyName": "AdministratorAccess", "PolicyArn": ADMIN}
    ]
    missing = "arn:aws:iam::aws:policy/NoSuchPolicy"
    code, message, status = error_of(
        lambda: iam.attach_user_policy(UserName="ops", PolicyArn=missing)
    )
    assert (code, status) == ("NoSuchEntity", 404) and missing in message
    code, _, _ = error_of(
        lambda: iam.attach_user_policy(UserName="ops", PolicyArn="arn:aws:s3:::not-a-policy-arn")
    )
    assert code == "PolicyNotAttachable"
    iam.detach_user_policy(UserName="ops", PolicyArn=ADMIN)
    assert (
        error_of(lambda: iam.detach_user_policy(UserName="ops", PolicyArn=ADMIN))[0]
        == "NoSuchEntity"
    )


def test_managed_policy_quota_per_role(server: RunningServer) -> None:
    acct = "100000000010"
    iam = server.client("iam", acct)
    iam.create_role(RoleName="busy", AssumeRolePolicyDocument=_trust(acct))
    for index in range(10):
        arn = iam.create_policy(
            PolicyName=f"p{index}", PolicyDocument=policy(allow(f"s3:Get{index}"))
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="busy", PolicyArn=arn)
    code, message, status = error_of(
        lambda: iam.attach_role_policy(RoleName="busy", PolicyArn=READ_ONLY)
    )
    assert (code, status) == ("LimitExceeded", 409) and "PoliciesPerRole: 10" in message


def test_permissions_boundaries_on_roles_and_users(server: RunningServer) -> None:
    acct = "100000000011"
    iam = server.client("iam", acct)
    boundary = iam.create_policy(PolicyName="boundary", PolicyDocument=policy(allow("s3:*")))[
        "Policy"
    ]["Arn"]
    iam.create_role(
        RoleName="bounded", AssumeRolePolicyDocument=_trust(acct), PermissionsBoundary=boundary
    )
    assert iam.get_role(RoleName="bounded")["Role"]["PermissionsBoundary"] == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": boundary,
    }
    assert iam.get_policy(PolicyArn=boundary)["Policy"]["PermissionsBoundaryUsageCount"] == 1
    iam.delete_role_permissions_boundary(RoleName="bounded")
    assert "PermissionsBoundary" not in iam.get_role(RoleName="bounded")["Role"]
    iam.create_user(UserName="u")
    iam.put_user_permissions_boundary(UserName="u", PermissionsBoundary=READ_ONLY)
    assert (
        iam.get_user(UserName="u")["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]
        == READ_ONLY
    )
    iam.delete_user_permissions_boundary(UserName="u")
    assert "PermissionsBoundary" not in iam.get_user(UserName="u")["User"]
    assert (
        error_of(
            lambda: iam.put_role_permissions_boundary(
                RoleName="bounded", PermissionsBoundary=f"arn:aws:iam::{acct}:policy/missing"
            )
        )[0]
        == "NoSuchEntity"
    )


# ---- instance profiles, account views ---------------------------------------------------------
def test_instance_profiles_hold_one_role(server: RunningServer) -> None:
    acct = "100000000012"
    iam = server.client("iam", acct)
    iam.create_role(
        RoleName="EMR_EC2_DefaultRole",
        AssumeRolePolicyDocument=trust({"Service": "ec2.amazonaws.com"}),
    )
    iam.create_role(RoleName="other", AssumeRolePolicyDocument=_trust(acct))
    profile = iam.create_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole", Path="/emr/")[
        "InstanceProfile"
    ]
    assert profile["InstanceProfileId"].startswith("AIPA") and profile["Roles"] == []
    assert profile["Arn"] == f"arn:aws:iam::{acct}:instance-profile/emr/EMR_EC2_DefaultRole"
    assert error_of(lambda: iam.create_instance_profile(InstanceProfileName="emr_ec2_defaultrole"))[
        0
    ] == ("EntityAlreadyExists")
    iam.add_role_to_instance_profile(
        InstanceProfileName="EMR_EC2_DefaultRole", RoleName="EMR_EC2_DefaultRole"
    )
    got = iam.get_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole")["InstanceProfile"]
    assert [r["RoleName"] for r in got["Roles"]] == ["EMR_EC2_DefaultRole"]
    assert isinstance(got["Roles"][0]["AssumeRolePolicyDocument"], dict)
    code, message, _ = error_of(
        lambda: iam.add_role_to_instance_profile(
            InstanceProfileName="EMR_EC2_DefaultRole", RoleName="other"
        )
    )
    assert code == "LimitExceeded" and "InstanceSessionsPerInstanceProfile: 1" in message
    for_role = iam.list_instance_profiles_for_role(RoleName="EMR_EC2_DefaultRole")[
        "InstanceProfiles"
    ]
    assert [p["InstanceProfileName"] for p in for_role] == ["EMR_EC2_DefaultRole"]
    assert [
        p["InstanceProfileName"]
        for p in iam.list_instance_profiles(PathPrefix="/emr/")["InstanceProfiles"]
    ] == ["EMR_EC2_DefaultRole"]
    assert error_of(lambda: iam.delete_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole"))[
        0
    ] == ("DeleteConflict")
    iam.remove_role_from_instance_profile(
        InstanceProfileName="EMR_EC2_DefaultRole", RoleName="EMR_EC2_DefaultRole"
    )
    iam.delete_instance_profile(InstanceProfileName="EMR_EC2_DefaultRole")
    assert iam.list_instance_profiles()["InstanceProfiles"] == []


def test_account_authorization_details_and_alias(server: RunningServer) -> None:
    acct = "100000000013"
    iam = server.client("iam", acct)
    iam.create_user(UserName="u")
    iam.put_user_policy(
        UserName="u", PolicyName="inline", PolicyDocument=policy(allow("s3:GetObject"))
    )
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=_trust(acct))
    iam.attach_role_policy(RoleName="r", PolicyArn=READ_ONLY)
    local = iam.create_policy(PolicyName="local", PolicyDocument=policy(allow("ec2:Describe*")))[
        "Policy"
    ]["Arn"]
    details = iam.get_account_authorization_details()
    assert [u["UserName"] for u in details["UserDetailList"]] == ["u"]
    assert details["UserDetailList"][0]["UserPolicyList"][0]["PolicyDocument"]["Statement"][0][
        "Action"
    ] == ("s3:GetObject")
    role = details["RoleDetailList"][0]
    assert role["AttachedManagedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}
    ]
    assert isinstance(role["AssumeRolePolicyDocument"], dict)
    assert {p["Arn"] for p in details["Policies"]} == {local, READ_ONLY}
    only_roles = iam.get_account_authorization_details(Filter=["Role"])
    assert only_roles["UserDetailList"] == [] and len(only_roles["RoleDetailList"]) == 1
    paged = iam.get_account_authorization_details(MaxItems=1)
    assert paged["IsTruncated"] and len(paged["UserDetailList"]) == 1

    assert iam.list_account_aliases()["AccountAliases"] == []
    iam.create_account_alias(AccountAlias="studio-team")
    assert iam.list_account_aliases()["AccountAliases"] == ["studio-team"]
    other = server.client("iam", "100000000014")
    assert (
        error_of(lambda: other.create_account_alias(AccountAlias="studio-team"))[0]
        == "EntityAlreadyExists"
    )
    iam.delete_account_alias(AccountAlias="studio-team")
    other.create_account_alias(AccountAlias="studio-team")


# ---- simulation --------------------------------------------------------------------------------
def test_simulate_principal_policy_explains_decisions(server: RunningServer) -> None:
    acct = "100000000015"
    iam = server.client("iam", acct)
    iam.create_user(UserName="analyst")
    iam.put_user_policy(
        UserName="analyst",
        PolicyName="emr",
        PolicyDocument=policy(
            allow("elasticmapreduce:Describe*", Sid="Read"),
            deny(
                "elasticmapreduce:DescribeCluster",
                f"arn:aws:elasticmapreduce:us-east-1:{acct}:cluster/j-SECRET",
                Sid="NoSecret",
            ),
            allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        ),
    )
    iam.attach_user_policy(UserName="analyst", PolicyArn=READ_ONLY)
    user_arn = f"arn:aws:iam::{acct}:user/analyst"
    results = iam.simulate_principal_policy(
        PolicySourceArn=user_arn,
        ActionNames=["elasticmapreduce:DescribeCluster", "iam:CreateUser", "s3:GetObject"],
        ResourceArns=[f"arn:aws:elasticmapreduce:us-east-1:{acct}:cluster/j-SECRET"],
    )["EvaluationResults"]
    decisions = {r["EvalActionName"]: r for r in results}
    assert decisions["elasticmapreduce:DescribeCluster"]["EvalDecision"] == "explicitDeny"
    assert decisions["elasticmapreduce:DescribeCluster"]["MatchedStatements"] == [
        {"SourcePolicyId": "emr", "SourcePolicyType": "user"}
    ]
    assert decisions["iam:CreateUser"]["EvalDecision"] == "implicitDeny"
    assert decisions["s3:GetObject"]["EvalDecision"] == "allowed"  # ReadOnlyAccess allows s3:Get*
    with_ip = iam.simulate_principal_policy(
        PolicySourceArn=user_arn,
        ActionNames=["s3:PutObject"],
        PolicyInputList=[
            policy(allow("s3:PutObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
        ],
        ContextEntries=[
            {
                "ContextKeyName": "aws:SourceIp",
                "ContextKeyValues": ["10.1.2.3"],
                "ContextKeyType": "ip",
            }
        ],
    )["EvaluationResults"][0]
    assert with_ip["EvalDecision"] == "allowed"
    assert with_ip["MatchedStatements"] == [
        {"SourcePolicyId": "PolicyInputList.1", "SourcePolicyType": "none"}
    ]
    missing = iam.simulate_principal_policy(
        PolicySourceArn=user_arn,
        ActionNames=["s3:PutObject"],
        PolicyInputList=[
            policy(allow("s3:PutObject", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
        ],
    )["EvaluationResults"][0]
    assert missing["EvalDecision"] == "implicitDeny" and missing["MissingContextValues"] == [
        "aws:SourceIp"
    ]

    iam.create_role(
        RoleName="bounded", AssumeRolePolicyDocument=_trust(acct), PermissionsBoundary=READ_ONLY
    )
    iam.put_role_policy(
        RoleName="bounded",
        PolicyName="all",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [allow("*")]}),
    )
    bounded = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{acct}:role/bounded",
        ActionNames=["iam:CreateUser", "iam:GetRole"],
    )["EvaluationResults"]
    assert [
        (r["EvalDecision"], r["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"])
        for r in bounded
    ] == [
        ("implicitDeny", False),
        ("allowed", True),
    ]
    code, _, status = error_of(
        lambda: iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{acct}:user/ghost", ActionNames=["s3:*"]
        )
    )
    assert (code, status) == ("NoSuchEntity", 404)


def test_simulate_custom_policy_with_resource_policy(server: RunningServer) -> None:
    iam = server.client("iam", "100000000016")
    bucket = "arn:aws:s3:::shared/data.csv"
    results = iam.simulate_custom_policy(
        PolicyInputList=[policy(allow("s3:GetObject", bucket))],
        ActionNames=["s3:GetObject", "s3:DeleteObject"],
        ResourceArns=[bucket],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "implicitDeny"]
    cross = iam.simulate_custom_policy(
        PolicyInputList=[policy(allow("s3:GetObject", bucket))],
        ActionNames=["s3:GetObject"],
        ResourceArns=[bucket],
        ResourceOwner="arn:aws:iam::222222222222:root",
        ResourcePolicy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": account_root("100000000016"),
                        "Action": "s3:GetObject",
                        "Resource": bucket,
                    }
                ],
            }
        ),
    )["EvaluationResults"][0]
    assert cross["EvalDecision"] == "allowed"
    assert {"SourcePolicyId": "ResourcePolicy", "SourcePolicyType": "resource"} in cross[
        "MatchedStatements"
    ]
    code, message, _ = error_of(
        lambda: iam.simulate_custom_policy(PolicyInputList=["{oops"], ActionNames=["s3:GetObject"])
    )
    assert code == "InvalidInput" and "Syntax errors in policy" in message


# ---- the AWS CLI -------------------------------------------------------------------------------
def _aws(
    server: RunningServer, account_id: str, *args: str, check: bool = True, process: bool = False
) -> subprocess.CompletedProcess[str] | aws_cli_support.Ran:
    """``aws <args>`` as ``account_id``'s root: in this process, or as an ``aws`` process."""
    key = server.account(account_id)
    if not process:
        ran = aws_cli_support.run(
            ["--endpoint-url", server.url, "--output", "json", *args],
            access_key_id=key.access_key_id,
            secret_access_key=key.secret_access_key,
        )
        if check and ran.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed: {ran.stderr}")
        return ran
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    return subprocess.run(
        [str(VENV_BIN / "aws"), "--endpoint-url", server.url, "--output", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        check=check,
        timeout=120,
    )


def test_aws_cli_creates_and_reads_roles_and_policies(
    server: RunningServer, tmp_path: Path
) -> None:
    acct = "100000000017"
    trust_file = tmp_path / "trust.json"
    trust_file.write_text(_trust("222222222222"))
    made = json.loads(
        _aws(
            server, acct, "iam", "create-role", "--role-name", "cli-role",
            "--assume-role-policy-document", f"file://{trust_file}",
            "--max-session-duration", "7200",
            process=True,  # one real ``aws`` process; the other commands run in-process
        ).stdout
    )  # fmt: skip
    assert made["Role"]["Arn"] == f"arn:aws:iam::{acct}:role/cli-role"
    assert made["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == account_root(
        "222222222222"
    )
    _aws(
        server, acct, "iam", "put-role-policy", "--role-name", "cli-role", "--policy-name", "emr",
        "--policy-document", policy(allow("elasticmapreduce:ListClusters")),
    )  # fmt: skip
    got = json.loads(
        _aws(
            server,
            acct,
            "iam",
            "get-role-policy",
            "--role-name",
            "cli-role",
            "--policy-name",
            "emr",
        ).stdout
    )
    assert got["PolicyDocument"]["Statement"][0]["Action"] == "elasticmapreduce:ListClusters"
    _aws(
        server,
        acct,
        "iam",
        "attach-role-policy",
        "--role-name",
        "cli-role",
        "--policy-arn",
        READ_ONLY,
    )
    attached = json.loads(
        _aws(server, acct, "iam", "list-attached-role-policies", "--role-name", "cli-role").stdout
    )
    assert attached["AttachedPolicies"] == [
        {"PolicyName": "ReadOnlyAccess", "PolicyArn": READ_ONLY}
    ]
    failed = _aws(server, acct, "iam", "get-role", "--role-name", "missing-role", check=False)
    assert failed.returncode != 0
    assert "NoSuchEntity" in failed.stderr and "missing-role" in failed.stderr


# ---- robustness ----------------------------------------------------------------------------------
def _implemented(service: str) -> list[str]:
    provider = PROVIDERS[service]
    model = boto_support.service_model(service)
    return [
        name
        for name in model.operation_names
        if inspect.iscoroutinefunction(getattr(provider, botocore.xform_name(name), None))
    ]


PROVIDERS = {
    cls.service: cls for cls in PROVIDER_CLASSES if cls.service in ("iam", "sts", "cloudtrail")
}
OPERATIONS = [(service, name) for service in sorted(PROVIDERS) for name in _implemented(service)]


@pytest.fixture(scope="module")
def unchecked_clients(server: RunningServer) -> dict[str, Any]:
    """Clients that send whatever they are given (no client-side validation, no retries)."""
    config = Config(parameter_validation=False, retries={"max_attempts": 0})
    return {service: server.client(service, "100000000099", config=config) for service in PROVIDERS}


@pytest.mark.parametrize(("service", "operation"), OPERATIONS)
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_operation_answers_any_input_without_a_server_error(
    unchecked_clients: dict[str, Any], service: str, operation: str, data: st.DataObject
) -> None:
    caller = unchecked_clients[service]
    shape = caller.meta.service_model.operation_model(operation).input_shape
    params = data.draw(for_shape(shape)) if shape is not None else {}
    try:
        caller._make_api_call(operation, params)
    except botocore.exceptions.ClientError as error:
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
        assert status < 500, error.response["Error"]
        assert error.response["Error"]["Message"]

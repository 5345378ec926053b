"""Helpers of the IAM, STS, authorization and CloudTrail tests: identities and their sessions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import boto3
import botocore.exceptions
import pytest

import boto_support
from conftest import RunningServer

ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def policy(*statements: dict[str, Any]) -> str:
    """A policy document (JSON text) with these statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(
    actions: str | Sequence[str], resources: str | Sequence[str] = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources, **extra}


def deny(
    actions: str | Sequence[str], resources: str | Sequence[str] = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": actions, "Resource": resources, **extra}


def trust(
    *principals: dict[str, Any], actions: Sequence[str] = ("sts:AssumeRole",), **extra: Any
) -> str:
    """A trust policy allowing ``actions`` to each principal (``{"AWS": "…"}`` …)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": p, "Action": list(actions), **extra}
                for p in principals
            ],
        }
    )


def account_root(account_id: str) -> dict[str, str]:
    return {"AWS": f"arn:aws:iam::{account_id}:root"}


def session_of(credentials: dict[str, Any], region: str = "us-east-1") -> boto3.Session:
    """A boto3 session from STS ``Credentials`` or IAM ``AccessKey`` output."""
    return boto_support.session(
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials.get("SessionToken"),
        region,
    )


def client(
    server: RunningServer, session: boto3.Session, service: str, region: str | None = None
) -> Any:
    return session.client(
        service, endpoint_url=server.url, region_name=region or session.region_name
    )


def create_user(
    server: RunningServer,
    account_id: str,
    name: str,
    *policies: str,
    path: str = "/",
    tags: Sequence[dict[str, str]] = (),
) -> boto3.Session:
    """An IAM user with inline ``policies``, made by the account's root, and its session."""
    iam = server.client("iam", account_id)
    iam.create_user(UserName=name, Path=path, Tags=list(tags))
    for index, document in enumerate(policies):
        iam.put_user_policy(UserName=name, PolicyName=f"inline{index}", PolicyDocument=document)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return session_of(key)


def create_role(
    server: RunningServer,
    account_id: str,
    name: str,
    trust_policy: str,
    *policies: str,
    **kwargs: Any,
) -> str:
    """A role with inline policies, made by the account's root; its ARN."""
    iam = server.client("iam", account_id)
    arn = str(
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy, **kwargs)["Role"][
            "Arn"
        ]
    )
    for index, document in enumerate(policies):
        iam.put_role_policy(RoleName=name, PolicyName=f"inline{index}", PolicyDocument=document)
    return arn


def assume(
    server: RunningServer,
    caller: boto3.Session,
    role_arn: str,
    session_name: str = "test",
    **kwargs: Any,
) -> boto3.Session:
    """The session of ``role_arn`` assumed by ``caller``."""
    sts = client(server, caller, "sts")
    return session_of(
        sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name, **kwargs)["Credentials"]
    )


def error_of(call: Callable[[], object]) -> tuple[str, str, int]:
    """``(code, message, HTTP status)`` of a call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"].get("Message", ""),
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


@contextmanager
def shifted_clock(server: RunningServer) -> Iterator[Callable[[float], None]]:
    """Move the platform's clock: the yielded function sets its offset from real time in seconds."""
    original = server.platform.clock
    offset = [0.0]

    def now() -> dt.datetime:
        return original() + dt.timedelta(seconds=offset[0])

    def set_offset(seconds: float) -> None:
        offset[0] = seconds

    server.platform.clock = now
    try:
        yield set_offset
    finally:
        server.platform.clock = original

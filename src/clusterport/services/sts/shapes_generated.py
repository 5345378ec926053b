"""Typed input and output shapes of the sts operations clusterport serves.

Generated from botocore 1.44.18's model (with the model patches) by
``python -m clusterport.services.gen_shapes``: do not edit by hand.
"""

import datetime as dt
from typing import Required, TypedDict


class AssumeRoleRequest(TypedDict, total=False):
    """The input of AssumeRole."""

    RoleArn: Required[str]
    RoleSessionName: Required[str]
    PolicyArns: list["PolicyDescriptorType"]
    Policy: str
    DurationSeconds: int
    Tags: list["Tag"]
    TransitiveTagKeys: list[str]
    ExternalId: str
    SerialNumber: str
    TokenCode: str
    SourceIdentity: str
    ProvidedContexts: list["ProvidedContext"]
    MinimumSessionTokenSize: int


class AssumeRoleResponse(TypedDict, total=False):
    """The output of AssumeRole."""

    Credentials: "Credentials"
    AssumedRoleUser: "AssumedRoleUser"
    PackedPolicySize: int
    SourceIdentity: str
    SessionTokenUtilization: int
    SessionTokenSize: int


class AssumedRoleUser(TypedDict, total=False):
    """botocore's AssumedRoleUser structure, as outputs carry it."""

    AssumedRoleId: str
    Arn: str


class Credentials(TypedDict, total=False):
    """botocore's Credentials structure, as outputs carry it."""

    AccessKeyId: str
    SecretAccessKey: str
    SessionToken: str
    Expiration: dt.datetime


class GetCallerIdentityRequest(TypedDict, total=False):
    """The input of GetCallerIdentity."""


class GetCallerIdentityResponse(TypedDict, total=False):
    """The output of GetCallerIdentity."""

    UserId: str
    Account: str
    Arn: str


class GetSessionTokenRequest(TypedDict, total=False):
    """The input of GetSessionToken."""

    DurationSeconds: int
    SerialNumber: str
    TokenCode: str
    MinimumSessionTokenSize: int


class GetSessionTokenResponse(TypedDict, total=False):
    """The output of GetSessionToken."""

    Credentials: Credentials
    SessionTokenUtilization: int
    SessionTokenSize: int


class PolicyDescriptorType(TypedDict, total=False):
    """botocore's PolicyDescriptorType structure, as inputs carry it."""

    arn: str


class ProvidedContext(TypedDict, total=False):
    """botocore's ProvidedContext structure, as inputs carry it."""

    ProviderArn: str
    ContextAssertion: str


class Tag(TypedDict, total=False):
    """botocore's Tag structure, as inputs carry it."""

    Key: Required[str]
    Value: Required[str]

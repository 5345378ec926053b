"""``clusterport studio`` finds the domain's region on the platform when none is configured."""

from __future__ import annotations

import os

import boto3
import pytest

import boto_support
from clusterport.cli.studio import domain_region
from conftest import RunningServer
from sagemaker_support import Network, create_domain

A = "111111111111"


@pytest.fixture(autouse=True)
def shared_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's own boto3 session reads botocore's models from the process's loader."""
    monkeypatch.setattr(boto3, "Session", boto_support.SharedLoaderSession)


@pytest.fixture
def no_region(server: RunningServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """An admin of account A whose AWS configuration names no region."""
    key = server.account(A)
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key.secret_access_key)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)


def test_the_domains_region_is_found_when_none_is_configured(
    server: RunningServer, no_region: None, capsys: pytest.CaptureFixture[str]
) -> None:
    sm = server.session(A, "us-east-2").client("sagemaker", endpoint_url=server.url)
    ec2 = server.session(A, "us-east-2").client("ec2", endpoint_url=server.url)
    vpc = ec2.create_vpc(CidrBlock="10.44.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.44.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="studio", Description="Studio", VpcId=vpc)
    net = Network(vpc, subnet, group["GroupId"])
    domain_id = create_domain(sm, net, A)
    assert domain_region(None, server.url, domain_id) == "us-east-2"
    assert f"domain {domain_id} is in us-east-2" in capsys.readouterr().out
    assert domain_region(None, server.url, "d-doesnotexist0") is None


def test_a_configured_region_is_left_alone(
    server: RunningServer, no_region: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    assert domain_region(None, server.url, "d-anything") is None

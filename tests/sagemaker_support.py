"""Helpers for the Studio tests: a network for a domain, lifecycle scripts, domains."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any

from clusterport.services.ec2 import network_api

REGION = "us-east-1"


@dataclass(frozen=True)
class Network:
    """A VPC, one of its subnets and a security group, in one account."""

    vpc_id: str
    subnet_id: str
    security_group_id: str


def make_network(server: Any, account: str, cidr_octet: int = 30) -> Network:
    """A fresh VPC/subnet/group through the EC2 API when it is served, else the account's
    default VPC through the EC2 domain surface."""
    if "ec2" in server.platform.providers:
        ec2 = server.client("ec2", account)
        vpc = ec2.create_vpc(CidrBlock=f"10.{cidr_octet}.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{cidr_octet}.1.0/24")["Subnet"][
            "SubnetId"
        ]
        group = ec2.create_security_group(
            GroupName=f"studio-{secrets.token_hex(3)}", Description="Studio apps", VpcId=vpc
        )["GroupId"]
        return Network(vpc, subnet, group)
    with server.platform.db.session() as session:
        now = server.platform.now()
        info = network_api.default_subnet(session, account, REGION, now)
        group = network_api.find_security_group(session, account, REGION, info.vpc_id, "default")
        assert group is not None
        return Network(info.vpc_id, info.subnet_id, group.group_id)


def encoded(script: str) -> str:
    """A script as ``StudioLifecycleConfigContent`` wants it."""
    return base64.b64encode(script.encode()).decode()


def lifecycle_config(sm: Any, script: str, app_type: str = "JupyterServer") -> str:
    """A new Studio lifecycle configuration running ``script``; returns its ARN."""
    name = f"lcc-{secrets.token_hex(4)}"
    arn: str = sm.create_studio_lifecycle_config(
        StudioLifecycleConfigName=name,
        StudioLifecycleConfigContent=encoded(script),
        StudioLifecycleConfigAppType=app_type,
    )["StudioLifecycleConfigArn"]
    return arn


def execution_role_arn(account: str, name: str = "StudioExecutionRole") -> str:
    return f"arn:aws:iam::{account}:role/{name}"


def create_domain(
    sm: Any, net: Network, account: str, *, lifecycle_arn: str | None = None, **extra: Any
) -> str:
    """A new IAM domain in ``net``; returns its id."""
    settings: dict[str, Any] = {
        "ExecutionRole": execution_role_arn(account),
        "SecurityGroups": [net.security_group_id],
    }
    if lifecycle_arn:
        settings["JupyterServerAppSettings"] = {
            "DefaultResourceSpec": {"LifecycleConfigArn": lifecycle_arn},
            "LifecycleConfigArns": [lifecycle_arn],
        }
    settings.update(extra.pop("settings", {}))
    domain_id: str = sm.create_domain(
        DomainName=extra.pop("name", f"studio-{secrets.token_hex(3)}"),
        AuthMode="IAM",
        VpcId=net.vpc_id,
        SubnetIds=[net.subnet_id],
        DefaultUserSettings=settings,
        **extra,
    )["DomainId"]
    return domain_id

"""Helpers of the connect-enforcement and doctor tests: the seed world, a Studio user, the CLI.

The world is the seed's two accounts built through boto3 by their admins
(:class:`SeedBuilder`) against the in-process server. A Studio user's
credentials come from the platform as a Studio app's do (the execution role
assumed as SageMaker, with the user profile as source identity and the domain
and profile ARNs as transitive session tags), then chained into account B's discovery role as the
connect magic does with ``--assumable-role-arn``.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

import boto_support
from clusterport.cli.demo import worker_session
from clusterport.cli.seed.world import (
    EMR_ACCOUNT,
    STUDIO_ACCOUNT,
    STUDIO_CIDR,
    SeedBuilder,
    SeedWorld,
)
from conftest import RunningServer

REGION = "us-east-1"
#: The AWS CLI of the environment running the tests.
AWS = Path(sys.executable).parent / "aws"
#: The account a refusal names for its missing piece: "Missing: <kind> <id> (account N)".
_MISSING = re.compile(r"Missing: (\S+) (\S+) \(account (\d{12})\)\.")


def build_world(server: RunningServer) -> SeedWorld:
    """The seed's two-account world, built by the two admins through boto3."""
    builder = SeedBuilder(
        server.session(STUDIO_ACCOUNT, REGION),
        server.session(EMR_ACCOUNT, REGION),
        server.url,
        REGION,
        report=lambda _title: None,
    )
    return builder.build()


def studio_user(server: RunningServer, world: SeedWorld) -> boto3.Session:
    """The data worker's own credentials (account A), as the Studio launcher issues them."""
    return worker_session(world, server.url, REGION, server.data_dir)


def assume(session: boto3.Session, url: str, role_arn: str, name: str) -> boto3.Session:
    """``session`` chained into ``role_arn`` (transitive session tags carry over)."""
    creds = session.client("sts", endpoint_url=url).assume_role(
        RoleArn=role_arn, RoleSessionName=name
    )["Credentials"]
    return boto_support.session(
        creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], REGION
    )


def route_table_of(ec2: Any, vpc_id: str, subnet_id: str) -> str:
    """The table routing ``subnet_id``: its explicit association, else the VPC's main table."""
    tables = (
        ec2.describe_route_tables(
            Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
        )["RouteTables"]
        or ec2.describe_route_tables(
            Filters=[
                {"Name": "vpc-id", "Values": [vpc_id]},
                {"Name": "association.main", "Values": ["true"]},
            ]
        )["RouteTables"]
    )
    return str(tables[0]["RouteTableId"])


def delete_route_back(server: RunningServer, world: SeedWorld) -> str:
    """Remove B's route to the Studio CIDR; returns the table it was in."""
    ec2 = server.client("ec2", EMR_ACCOUNT)
    table = route_table_of(ec2, world.emr_vpc, world.emr_subnet)
    ec2.delete_route(RouteTableId=table, DestinationCidrBlock=STUDIO_CIDR)
    return table


def restore_route_back(server: RunningServer, world: SeedWorld) -> None:
    """Put B's route to the Studio CIDR back (nothing to do if it is there)."""
    ec2 = server.client("ec2", EMR_ACCOUNT)
    table = route_table_of(ec2, world.emr_vpc, world.emr_subnet)
    try:
        ec2.create_route(
            RouteTableId=table,
            DestinationCidrBlock=STUDIO_CIDR,
            VpcPeeringConnectionId=world.peering_connection,
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "RouteAlreadyExists":
            raise


def studio_rules(server: RunningServer, world: SeedWorld) -> list[dict[str, Any]]:
    """The primary group's ingress permissions that admit the Studio group."""
    ec2 = server.client("ec2", EMR_ACCOUNT)
    group = ec2.describe_security_groups(GroupIds=[world.emr_primary_security_group])
    found = []
    for permission in group["SecurityGroups"][0]["IpPermissions"]:
        pairs = [
            {"GroupId": p["GroupId"], "UserId": p["UserId"]}
            for p in permission.get("UserIdGroupPairs", [])
            if p["GroupId"] == world.studio_security_group
        ]
        if pairs:
            found.append(
                {
                    "IpProtocol": permission["IpProtocol"],
                    "FromPort": permission["FromPort"],
                    "ToPort": permission["ToPort"],
                    "UserIdGroupPairs": pairs,
                }
            )
    return found


def set_studio_rules(server: RunningServer, world: SeedWorld, wanted: list[dict[str, Any]]) -> None:
    """Make the primary group admit the Studio group exactly by ``wanted``."""
    ec2 = server.client("ec2", EMR_ACCOUNT)
    current = studio_rules(server, world)
    if current:
        ec2.revoke_security_group_ingress(
            GroupId=world.emr_primary_security_group, IpPermissions=current
        )
    if wanted:
        ec2.authorize_security_group_ingress(
            GroupId=world.emr_primary_security_group, IpPermissions=wanted
        )


def set_accepter_dns(server: RunningServer, world: SeedWorld, allow: bool) -> None:
    """B's (the accepter's) option letting A resolve B's private DNS names."""
    server.client("ec2", EMR_ACCOUNT).modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=world.peering_connection,
        AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": allow},
    )


def missing_piece(message: str) -> tuple[str, str, str]:
    """The (kind, id, account) a refusal names as missing."""
    match = _MISSING.search(message)
    assert match is not None, f"no missing piece named in: {message}"
    return match.group(1), match.group(2), match.group(3)


def fix_command(message: str) -> list[str]:
    """The ``aws ec2 …`` command of a refusal's fix, split as a shell would."""
    start = message.index("aws ec2 ")
    end = message.find(", then", start)
    return shlex.split(message[start : end if end >= 0 else None])


def run_aws(server: RunningServer, account_id: str, argv: list[str]) -> str:
    """Run an ``aws …`` command line as ``account_id``'s root against the server."""
    assert argv[0] == "aws", argv
    key = server.account(account_id)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=key.access_key_id,
        AWS_SECRET_ACCESS_KEY=key.secret_access_key,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_PAGER="",
    )
    done = subprocess.run(
        [str(AWS), *argv[1:], "--endpoint-url", server.url],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"{shlex.join(argv)} failed: {done.stderr}"
    return done.stdout

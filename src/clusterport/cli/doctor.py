"""``clusterport doctor``: can this notebook subnet reach that cluster's primary node?

It reads everything through boto3, so it works against real AWS and against
clusterport alike:

* EMR (with the destination credentials: ``--assume-role-arn`` if given):
  ``DescribeCluster`` for the subnet and primary security groups,
  ``ListInstances`` for the primary node's instance id, private IP and DNS name;
* EC2 with the source credentials for the source subnet's VPC, and with the
  destination credentials for the cluster's VPC (routes, groups, peering);

then runs the reachability analyzer and prints every hop and the verdict.
Exit status: 0 reachable, 1 unreachable, 2 usage or API error.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from rich.console import Console
from rich.table import Table
from rich.text import Text

from clusterport.network.from_ec2 import describe_subnets, instance_interfaces, snapshot_from_ec2
from clusterport.network.model import NetworkInterface, NetworkSnapshot
from clusterport.network.reachability import (
    Destination,
    ReachabilityInputError,
    ReachabilityVerdict,
    Source,
    analyze,
)

_SESSION_NAME = "clusterport-doctor"
SPARK_CONNECT_PORT = 15002
LIVY_PORT = 8998
_PORT_NAMES = {SPARK_CONNECT_PORT: "Spark Connect", LIVY_PORT: "Livy"}
_GONE = frozenset({"TERMINATED", "TERMINATED_WITH_ERRORS"})
_ACCESS_CODES = frozenset({"UnauthorizedOperation", "AccessDenied", "AccessDeniedException"})
_PERMISSIONS = (
    "the doctor needs ec2:DescribeVpcs, ec2:DescribeVpcAttribute, ec2:DescribeSubnets, "
    "ec2:DescribeRouteTables, ec2:DescribeSecurityGroups, ec2:DescribeVpcPeeringConnections "
    "and ec2:DescribeInstances in both accounts, and elasticmapreduce:DescribeCluster and "
    "elasticmapreduce:ListInstances in the cluster's"
)


class DoctorError(Exception):
    """The cluster or the network cannot be examined; the message says what to change."""


@dataclass(frozen=True, slots=True)
class PrimaryNode:
    """The cluster's primary node as EMR describes it."""

    cluster_id: str
    instance_id: str
    private_ip: str
    private_dns_name: str | None
    subnet_id: str | None
    security_group_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PortVerdict:
    """The verdict for one port the notebook connects to."""

    port: int
    verdict: ReachabilityVerdict

    @property
    def label(self) -> str:
        """``tcp 15002 (Spark Connect)``, or ``tcp N`` for a port of no known service."""
        name = _PORT_NAMES.get(self.port)
        return f"tcp {self.port} ({name})" if name else f"tcp {self.port}"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What the doctor found: one verdict per port and notes on how the data was gathered."""

    verdicts: tuple[PortVerdict, ...]
    primary: PrimaryNode
    notes: tuple[str, ...]

    @property
    def reachable(self) -> bool:
        """Every checked port is reachable."""
        return all(v.verdict.reachable for v in self.verdicts)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``doctor`` and its options on the CLI's subparsers."""
    parser = subparsers.add_parser(
        "doctor",
        help="check that a notebook subnet can reach a cluster's primary node",
        description=(
            "Check, through the EC2 and EMR APIs, whether a source subnet and security groups "
            "reach the primary node of an EMR cluster on the ports a notebook connects to "
            "(Spark Connect's 15002 and Livy's 8998 by default, each reported), and name the "
            "first missing piece: peering, route, security group rule or DNS option. The "
            "endpoint (--endpoint-url, the profile's endpoint_url or AWS_ENDPOINT_URL) "
            "serves every call, also those made with the assumed role."
        ),
    )
    parser.add_argument("--cluster-id", required=True, help="the cluster (j-…)")
    parser.add_argument("--from-subnet", required=True, help="the notebook's subnet (subnet-…)")
    parser.add_argument(
        "--from-security-group",
        dest="from_security_groups",
        action="append",
        required=True,
        metavar="SG",
        help="a security group of the notebook (sg-…); repeat for several",
    )
    parser.add_argument(
        "--port",
        dest="ports",
        type=int,
        action="append",
        metavar="PORT",
        help=(
            f"TCP port to check; repeat for several (default: {SPARK_CONNECT_PORT} for "
            f"Spark Connect and {LIVY_PORT} for Livy)"
        ),
    )
    parser.add_argument("--profile", help="AWS profile of the source (notebook) account")
    parser.add_argument("--region", help="AWS region")
    parser.add_argument("--endpoint-url", help="endpoint for every call (EC2, EMR, STS)")
    parser.add_argument(
        "--assume-role-arn",
        help="role in the cluster's account to describe the cluster and its network",
    )
    parser.add_argument(
        "--use-private-dns",
        action="store_true",
        help="the client connects by the primary node's private DNS name (not its IP)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the diagnosis, print the hop table and the verdict; return the exit status."""
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    try:
        diagnosis = diagnose(args)
    except ClientError as exc:
        err.print(Text(f"clusterport doctor: {_client_error_text(exc)}"), soft_wrap=True)
        return 2
    except NoCredentialsError:
        err.print(
            Text(
                "clusterport doctor: no AWS credentials found; pass --profile or set "
                "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            ),
            soft_wrap=True,
        )
        return 2
    except BotoCoreError as exc:
        err.print(Text(f"clusterport doctor: {exc}"), soft_wrap=True)
        return 2
    except (DoctorError, ReachabilityInputError) as exc:
        err.print(Text(f"clusterport doctor: {exc}"), soft_wrap=True)
        return 2
    for note in diagnosis.notes:
        out.print(Text(f"note: {note}", style="dim"), soft_wrap=True)
    for checked in diagnosis.verdicts:
        verdict = checked.verdict
        out.print(hop_table(verdict, checked.label))
        style = "bold green" if verdict.reachable else "bold red"
        out.print(Text(verdict.sentence(), style=style), soft_wrap=True)
    return 0 if diagnosis.reachable else 1


def hop_table(verdict: ReachabilityVerdict, label: str = "") -> Table:
    """The hops as a table: hop, component, account, check, result."""
    title = "Path from the notebook to the primary node"
    table = Table(title=f"{title}, {label}" if label else title, title_justify="left")
    # Ids must stay whole (they are what the reader copies), so long cells fold.
    table.add_column("hop", justify="right")
    table.add_column("component", overflow="fold")
    table.add_column("account", overflow="fold")
    table.add_column("check", overflow="fold")
    table.add_column("result", overflow="fold")
    for number, hop in enumerate(verdict.hops, start=1):
        mark = Text("ok", style="green") if hop.ok else Text("FAIL", style="bold red")
        table.add_row(
            str(number),
            Text(f"{hop.kind} {hop.component_id}"),
            Text(hop.account),
            Text(hop.check),
            Text.assemble(mark, " ", hop.detail),
        )
    return table


def diagnose(args: argparse.Namespace) -> Diagnosis:
    """Gather the cluster and both networks through boto3 and analyze the path."""
    source_session = boto3.Session(profile_name=args.profile, region_name=args.region)
    dest_session = source_session
    if args.assume_role_arn:
        sts = source_session.client("sts", endpoint_url=args.endpoint_url)
        credentials = sts.assume_role(RoleArn=args.assume_role_arn, RoleSessionName=_SESSION_NAME)[
            "Credentials"
        ]
        # The profile stays named so that its configuration (endpoint_url above all)
        # applies to the assumed role's clients too; the credentials are the role's.
        dest_session = boto3.Session(
            profile_name=args.profile,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            region_name=source_session.region_name,
        )
    source_ec2 = source_session.client("ec2", endpoint_url=args.endpoint_url)
    dest_ec2 = dest_session.client("ec2", endpoint_url=args.endpoint_url)
    emr = dest_session.client("emr", endpoint_url=args.endpoint_url)

    try:
        primary = primary_node(emr, args.cluster_id)
    except ClientError as exc:
        if _error_code(exc) != "InvalidRequestException":
            raise
        raise DoctorError(_not_found_text(exc, args, dest_session)) from exc
    notes: list[str] = []

    subnets = describe_subnets(source_ec2, [args.from_subnet])
    if not subnets:
        raise DoctorError(f"subnet {args.from_subnet} was not found with the source credentials")
    source_subnet = subnets[0]
    snapshot = snapshot_from_ec2(source_ec2, vpc_ids=[source_subnet.vpc_id], dns_attributes=True)
    for group_id in args.from_security_groups:
        if group_id not in snapshot.security_groups:
            raise DoctorError(
                f"security group {group_id} is not a group of {source_subnet.vpc_id}, the VPC of "
                f"{source_subnet.id} (account {source_subnet.owner}); pass the notebook's groups"
            )

    destination_eni = _destination_interface(dest_ec2, primary, notes)
    dest_subnets = describe_subnets(dest_ec2, [destination_eni.subnet_id])
    if not dest_subnets:
        raise DoctorError(
            f"subnet {destination_eni.subnet_id} of {primary.instance_id} was not found with "
            "the cluster account's credentials; pass --assume-role-arn for that account"
        )
    if not destination_eni.owner:
        destination_eni = replace(destination_eni, owner=dest_subnets[0].owner)
    snapshot = snapshot.merge(
        snapshot_from_ec2(dest_ec2, vpc_ids=[dest_subnets[0].vpc_id], dns_attributes=True)
    ).merge(NetworkSnapshot.of(interfaces=[destination_eni]))

    source = Source(
        account=source_subnet.owner,
        subnet_id=source_subnet.id,
        security_group_ids=tuple(args.from_security_groups),
    )
    ports = args.ports or [SPARK_CONNECT_PORT, LIVY_PORT]
    verdicts = []
    for port in dict.fromkeys(ports):
        destination = Destination(
            port=port,
            instance_id=primary.instance_id,
            protocol="tcp",
            address_kind="private-dns" if args.use_private_dns else "private-ip",
        )
        verdicts.append(PortVerdict(port, analyze(snapshot, source, destination)))
    return Diagnosis(verdicts=tuple(verdicts), primary=primary, notes=tuple(notes))


def _not_found_text(exc: ClientError, args: argparse.Namespace, session: Any) -> str:
    """DescribeCluster found no such cluster: say whose account was asked and what to pass."""
    message = str(exc.response.get("Error", {}).get("Message", exc))
    try:
        sts = session.client("sts", endpoint_url=args.endpoint_url)
        account = str(sts.get_caller_identity()["Account"])
    except (ClientError, BotoCoreError):
        account = "the caller's"
    if args.assume_role_arn:
        return (
            f"DescribeCluster failed: InvalidRequestException: {message} (asked account "
            f"{account} through {args.assume_role_arn}); check the cluster id and that the "
            "role belongs to the cluster's account"
        )
    return (
        f"DescribeCluster failed: InvalidRequestException: {message} (asked account "
        f"{account}, the caller's); the cluster may be in another account: pass "
        "--assume-role-arn arn:aws:iam::<cluster account>:role/<role> with a role there "
        "that may call elasticmapreduce:DescribeCluster, elasticmapreduce:ListInstances "
        "and ec2:Describe*"
    )


def primary_node(emr: Any, cluster_id: str) -> PrimaryNode:
    """The primary node of ``cluster_id`` from ``DescribeCluster`` and ``ListInstances``."""
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    attributes: Mapping[str, Any] = cluster.get("Ec2InstanceAttributes") or {}
    groups = [attributes.get("EmrManagedMasterSecurityGroup")]
    groups += list(attributes.get("AdditionalMasterSecurityGroups") or [])
    if cluster.get("InstanceCollectionType") == "INSTANCE_FLEET":
        selector: dict[str, Any] = {"InstanceFleetType": "MASTER"}
    else:
        selector = {"InstanceGroupTypes": ["MASTER"]}
    instances = [
        instance
        for page in emr.get_paginator("list_instances").paginate(ClusterId=cluster_id, **selector)
        for instance in page.get("Instances", [])
        if (instance.get("Status") or {}).get("State") not in _GONE
        and instance.get("Ec2InstanceId")
        and instance.get("PrivateIpAddress")
    ]
    state = (cluster.get("Status") or {}).get("State", "UNKNOWN")
    if not instances:
        raise DoctorError(
            f"cluster {cluster_id} ({state}) has no running primary node to reach; start a "
            "cluster or wait until it is RUNNING or WAITING"
        )
    master_dns = cluster.get("MasterPublicDnsName")
    chosen = next(
        (
            i
            for i in instances
            if master_dns and master_dns in (i.get("PublicDnsName"), i.get("PrivateDnsName"))
        ),
        instances[0],
    )
    return PrimaryNode(
        cluster_id=cluster_id,
        instance_id=str(chosen["Ec2InstanceId"]),
        private_ip=str(chosen["PrivateIpAddress"]),
        private_dns_name=chosen.get("PrivateDnsName") or None,
        subnet_id=attributes.get("Ec2SubnetId") or None,
        security_group_ids=tuple(str(g) for g in groups if g),
    )


def _destination_interface(ec2: Any, primary: PrimaryNode, notes: list[str]) -> NetworkInterface:
    """The primary node's interface: EC2's view when EC2 knows the instance, else EMR's."""
    try:
        interfaces = instance_interfaces(ec2, [primary.instance_id])
    except ClientError as exc:
        if _error_code(exc) != "InvalidInstanceID.NotFound":
            raise
        interfaces = []
    for eni in interfaces:
        if eni.private_ip == primary.private_ip:
            if primary.subnet_id and eni.subnet_id != primary.subnet_id:
                notes.append(
                    f"EC2 places {primary.instance_id} in {eni.subnet_id}, while EMR reports "
                    f"{primary.subnet_id}; analyzing EC2's placement"
                )
            return eni
    if primary.subnet_id is None:
        raise DoctorError(
            f"cluster {primary.cluster_id} reports no subnet (Ec2SubnetId) and EC2 has no "
            f"instance {primary.instance_id}; the network path cannot be analyzed"
        )
    notes.append(
        f"EC2 does not describe {primary.instance_id} at {primary.private_ip}; using the "
        "cluster's own description (subnet and primary security groups)"
    )
    return NetworkInterface(
        id=primary.instance_id,
        owner="",  # filled in from its subnet once that is described
        subnet_id=primary.subnet_id,
        private_ip=primary.private_ip,
        security_group_ids=primary.security_group_ids,
        private_dns_name=primary.private_dns_name,
        instance_id=primary.instance_id,
    )


def _error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _client_error_text(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    operation = getattr(exc, "operation_name", "the call")
    code = str(error.get("Code", "Error"))
    text = f"{operation} failed: {code}: {error.get('Message', str(exc))}"
    if code in _ACCESS_CODES:
        text += f" ({_PERMISSIONS})"
    return text

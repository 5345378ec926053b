"""The network as other services use it: place cluster nodes, guard them, check paths.

Synchronous functions over an open store session (the caller owns the
transaction), returning frozen dataclasses. They apply the same rules as the
EC2 API (they share its domain code), so a subnet, group or instance made here
is exactly what ``DescribeSubnets``/``DescribeSecurityGroups``/
``DescribeInstances`` show. Errors are :class:`clusterport.errors.ServiceError`
subclasses with EC2's codes (``InvalidSubnetID.NotFound`` …).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from clusterport.network.model import NetworkSnapshot
from clusterport.services.ec2 import instances, security_groups, vpcs
from clusterport.services.ec2.records import SECURITY_GROUP, SUBNET, Ec2Records
from clusterport.services.ec2.snapshot import network_snapshot as _snapshot
from clusterport.store import versions
from clusterport.store.resources import ResourceRow

if TYPE_CHECKING:
    from clusterport.platform import Platform

__all__ = [
    "InstanceInfo",
    "SecurityGroupInfo",
    "SubnetInfo",
    "authorize_ingress_from_group",
    "create_security_group",
    "default_subnet",
    "delete_security_group",
    "ensure_default_vpc",
    "find_security_group",
    "get_instances",
    "get_security_group",
    "get_subnet",
    "kept_network_snapshot",
    "launch_instances",
    "network_snapshot",
    "set_instance_state",
]


@dataclass(frozen=True)
class SubnetInfo:
    """A subnet: where it is and its IPv4 block."""

    subnet_id: str
    vpc_id: str
    account_id: str
    cidr: str
    availability_zone: str


@dataclass(frozen=True)
class SecurityGroupInfo:
    """A security group: its id, VPC, owner and name."""

    group_id: str
    vpc_id: str
    account_id: str
    name: str


@dataclass(frozen=True)
class InstanceInfo:
    """An instance's placement: subnet, private address and name, security groups."""

    instance_id: str
    subnet_id: str
    private_ip: str
    private_dns: str
    security_group_ids: tuple[str, ...]


def _subnet_info(row: ResourceRow) -> SubnetInfo:
    return SubnetInfo(
        subnet_id=row.resource_id,
        vpc_id=str(row.data["VpcId"]),
        account_id=row.account_id,
        cidr=str(row.data["CidrBlock"]),
        availability_zone=str(row.data["AvailabilityZone"]),
    )


def _group_info(row: ResourceRow) -> SecurityGroupInfo:
    return SecurityGroupInfo(
        group_id=row.resource_id,
        vpc_id=str(row.data["VpcId"]),
        account_id=row.account_id,
        name=str(row.data["GroupName"]),
    )


def _instance_info(row: ResourceRow) -> InstanceInfo:
    return InstanceInfo(
        instance_id=row.resource_id,
        subnet_id=str(row.data["SubnetId"]),
        private_ip=str(row.data["PrivateIpAddress"]),
        private_dns=str(row.data["PrivateDnsName"]),
        security_group_ids=tuple(str(g["GroupId"]) for g in row.data["SecurityGroups"]),
    )


def ensure_default_vpc(session: Session, account_id: str, region: str, now: dt.datetime) -> None:
    """Create the account's default VPC in ``region`` if the region was never used."""
    vpcs.ensure_region(Ec2Records(session, account_id, region), now)


def default_subnet(session: Session, account_id: str, region: str, now: dt.datetime) -> SubnetInfo:
    """The default subnet of the region's first zone (creating the default VPC on first use).

    Raises ``VPCIdNotSpecified`` when the account deleted its default VPC (or its
    default subnets): the caller must then name a subnet.
    """
    rec = Ec2Records(session, account_id, region)
    vpcs.ensure_region(rec, now)
    vpc = vpcs.require_default_vpc(rec)
    candidates = [
        row for row in rec.find(SUBNET, parent_id=vpc.resource_id) if row.data.get("DefaultForAz")
    ]
    if not candidates:
        raise vpcs.no_default_subnet(rec)
    return _subnet_info(min(candidates, key=lambda r: str(r.data["AvailabilityZone"])))


def get_subnet(session: Session, account_id: str, region: str, subnet_id: str) -> SubnetInfo | None:
    """The account's subnet ``subnet_id`` in ``region``, if it exists."""
    row = Ec2Records(session, account_id, region).get(SUBNET, subnet_id)
    return None if row is None else _subnet_info(row)


def get_security_group(
    session: Session, account_id: str, region: str, group_id: str
) -> SecurityGroupInfo | None:
    """The account's security group ``group_id`` in ``region``, if it exists."""
    row = Ec2Records(session, account_id, region).get(SECURITY_GROUP, group_id)
    return None if row is None else _group_info(row)


def find_security_group(
    session: Session, account_id: str, region: str, vpc_id: str, name: str
) -> SecurityGroupInfo | None:
    """The group called ``name`` in ``vpc_id``, if there is one."""
    rows = Ec2Records(session, account_id, region).find(SECURITY_GROUP, parent_id=vpc_id, name=name)
    return _group_info(rows[0]) if rows else None


def create_security_group(
    session: Session,
    account_id: str,
    region: str,
    vpc_id: str,
    name: str,
    description: str,
    now: dt.datetime,
    *,
    tags: dict[str, str] | None = None,
) -> SecurityGroupInfo:
    """A new group in ``vpc_id`` (egress to anywhere, no ingress), as ``CreateSecurityGroup``."""
    rec = Ec2Records(session, account_id, region)
    return _group_info(security_groups.create_group(rec, vpc_id, name, description, now, tags=tags))


def delete_security_group(session: Session, account_id: str, region: str, group_id: str) -> None:
    """Delete a group, as ``DeleteSecurityGroup`` (``DependencyViolation`` while it is used)."""
    rec = Ec2Records(session, account_id, region)
    row = rec.get(SECURITY_GROUP, group_id)
    if row is not None:
        security_groups.delete_group(rec, row)


def authorize_ingress_from_group(
    session: Session,
    account_id: str,
    region: str,
    group_id: str,
    source_group_id: str,
    source_account: str,
    protocol: str,
    from_port: int,
    to_port: int,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Allow ``protocol`` ``from_port``..``to_port`` into ``group_id`` from another group.

    Idempotent: an identical rule already present is left as it is. A source
    group in another VPC needs an active peering connection, as on AWS.
    """
    rec = Ec2Records(session, account_id, region)
    group = rec.require(SECURITY_GROUP, group_id)
    permission = {
        "IpProtocol": protocol,
        "FromPort": from_port,
        "ToPort": to_port,
        "UserIdGroupPairs": [{"GroupId": source_group_id, "UserId": source_account}],
    }
    wanted = security_groups.parse_permissions(rec, group, [permission], egress=False)
    present = {security_groups.rule_key(r) for r in group.data["Rules"]}
    if all(security_groups.rule_key(r) in present for r in wanted):
        return
    when = now if now is not None else dt.datetime.now(dt.UTC)
    security_groups.authorize(rec, group, [permission], False, when)


def launch_instances(
    session: Session,
    account_id: str,
    region: str,
    subnet_id: str,
    security_group_ids: Sequence[str],
    count: int,
    instance_type: str,
    tags: dict[str, str],
    now: dt.datetime,
    *,
    state: str = "running",
) -> list[InstanceInfo]:
    """``count`` instances in ``subnet_id`` with private IPs from its CIDR block.

    DNS names follow EC2: ``ip-10-20-1-5.ec2.internal`` in us-east-1,
    ``ip-10-20-1-5.<region>.compute.internal`` elsewhere. ``state`` is the
    state they start in (``pending`` to record a launch before the node is up).
    """
    rec = Ec2Records(session, account_id, region)
    rows = instances.launch(
        rec, subnet_id, security_group_ids, count, instance_type, tags, now, state=state
    )
    return [_instance_info(row) for row in rows]


def get_instances(
    session: Session, account_id: str, region: str, instance_ids: Sequence[str]
) -> list[InstanceInfo]:
    """The named instances (``InvalidInstanceID.NotFound`` for an unknown id)."""
    rec = Ec2Records(session, account_id, region)
    return [_instance_info(instances.require(rec, i)) for i in instance_ids]


def set_instance_state(
    session: Session,
    account_id: str,
    region: str,
    instance_ids: Sequence[str],
    state: str,
    now: dt.datetime,
) -> None:
    """Move instances to ``running``, ``shutting-down`` or ``terminated`` (or ``pending``,
    ``stopping``, ``stopped``); terminating frees their addresses."""
    instances.set_state(Ec2Records(session, account_id, region), instance_ids, state, now)


def network_snapshot(session: Session, account_ids: Sequence[str], region: str) -> NetworkSnapshot:
    """Everything the reachability analyzer needs about these accounts' networks in ``region``."""
    return _snapshot(session, account_ids, region)


def kept_network_snapshot(
    session: Session, platform: Platform, account_ids: Sequence[str], region: str
) -> NetworkSnapshot:
    """:func:`network_snapshot`, kept on the platform until the next write of any network.

    Snapshots are immutable; they are keyed by the network version of the store
    (:mod:`clusterport.store.versions`), which every EC2 write bumps.
    """
    version = versions.current(session, versions.NETWORK)  # before the rows (see versions)
    accounts = tuple(dict.fromkeys(account_ids))
    return platform.network_snapshots.get_or_make(
        (version, region, *accounts), lambda: _snapshot(session, accounts, region)
    )

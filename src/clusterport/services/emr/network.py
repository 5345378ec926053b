"""Where a cluster's nodes sit in the account's network, through the EC2 service.

As on EMR: the nodes go to ``Ec2SubnetId`` (or the default VPC's default
subnet); the primary node gets the EMR-managed master group plus any
``AdditionalMasterSecurityGroups``, the others the slave group plus
``AdditionalSlaveSecurityGroups``. Managed groups not given are found or
created by name in the subnet's VPC (``ElasticMapReduce-master`` and
``ElasticMapReduce-slave``) and allow all TCP and UDP between each other.
A subnet or group of another account, or a group of another VPC, is refused.
Each node is an EC2 instance with a private IP and DNS name from its subnet,
tagged with the cluster id and its instance group role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from clusterport.errors import ValidationError
from clusterport.services.ec2 import network_api
from clusterport.services.ec2.network_api import InstanceInfo, SecurityGroupInfo

MASTER_GROUP_NAME = "ElasticMapReduce-master"
SLAVE_GROUP_NAME = "ElasticMapReduce-slave"
CLUSTER_TAG = "aws:elasticmapreduce:job-flow-id"
ROLE_TAG = "aws:elasticmapreduce:instance-group-role"


@dataclass(frozen=True)
class Placement:
    """The subnet and security groups of a cluster's nodes."""

    vpc_id: str
    subnet_id: str
    availability_zone: str
    master_group: str
    slave_group: str
    service_group: str | None = None
    additional_master: tuple[str, ...] = ()
    additional_slave: tuple[str, ...] = ()

    def groups_for(self, role: str) -> list[str]:
        """The security groups of a node of ``role``."""
        if role == "MASTER":
            return [self.master_group, *self.additional_master]
        return [self.slave_group, *self.additional_slave]

    def to_data(self) -> dict[str, Any]:
        """As stored in the cluster document."""
        return {
            "VpcId": self.vpc_id,
            "SubnetId": self.subnet_id,
            "AvailabilityZone": self.availability_zone,
            "MasterGroup": self.master_group,
            "SlaveGroup": self.slave_group,
            "ServiceGroup": self.service_group,
            "AdditionalMaster": list(self.additional_master),
            "AdditionalSlave": list(self.additional_slave),
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Placement:
        """Read back :meth:`to_data`."""
        return cls(
            vpc_id=str(data["VpcId"]),
            subnet_id=str(data["SubnetId"]),
            availability_zone=str(data["AvailabilityZone"]),
            master_group=str(data["MasterGroup"]),
            slave_group=str(data["SlaveGroup"]),
            service_group=data.get("ServiceGroup"),
            additional_master=tuple(data.get("AdditionalMaster") or ()),
            additional_slave=tuple(data.get("AdditionalSlave") or ()),
        )

    def instance_attributes(self, instances: Mapping[str, Any]) -> dict[str, Any]:
        """DescribeCluster's ``Ec2InstanceAttributes``."""
        out: dict[str, Any] = {
            "Ec2SubnetId": self.subnet_id,
            "Ec2AvailabilityZone": self.availability_zone,
            "EmrManagedMasterSecurityGroup": self.master_group,
            "EmrManagedSlaveSecurityGroup": self.slave_group,
            "AdditionalMasterSecurityGroups": list(self.additional_master),
            "AdditionalSlaveSecurityGroups": list(self.additional_slave),
        }
        if self.service_group:
            out["ServiceAccessSecurityGroup"] = self.service_group
        if instances.get("Ec2KeyName"):
            out["Ec2KeyName"] = instances["Ec2KeyName"]
        if instances.get("Ec2SubnetIds"):
            out["RequestedEc2SubnetIds"] = list(instances["Ec2SubnetIds"])
        return out


def _subnet(session: Session, account_id: str, region: str, subnet_id: str) -> Any:
    subnet = network_api.get_subnet(session, account_id, region, subnet_id)
    if subnet is None:
        raise ValidationError(
            f"The subnet ID {subnet_id} does not exist in account {account_id} in {region}; "
            "a cluster's subnet must be one of the account's own subnets in that region "
            "(see ec2 describe-subnets)."
        )
    return subnet


def _group(
    session: Session, account_id: str, region: str, group_id: str, vpc_id: str, member: str
) -> SecurityGroupInfo:
    group = network_api.get_security_group(session, account_id, region, group_id)
    if group is None:
        raise ValidationError(
            f"{member} {group_id} does not exist in account {account_id} in {region}; give a "
            "security group of the account's own, in the cluster's VPC."
        )
    if group.vpc_id != vpc_id:
        raise ValidationError(
            f"{member} {group_id} belongs to {group.vpc_id}, but the cluster's subnet is in "
            f"{vpc_id}; give a security group of {vpc_id}."
        )
    return group


def _managed_group(
    session: Session, account_id: str, region: str, vpc_id: str, name: str, now: dt.datetime
) -> str:
    found = network_api.find_security_group(session, account_id, region, vpc_id, name)
    if found is not None:
        return found.group_id
    kind = "Master" if name == MASTER_GROUP_NAME else "Slave"
    created = network_api.create_security_group(
        session,
        account_id,
        region,
        vpc_id,
        name,
        f"{kind} group for Elastic MapReduce created on {now:%Y-%m-%dT%H:%M:%S.%fZ}",
        now,
    )
    return created.group_id


def choose_placement(
    session: Session, account_id: str, region: str, instances: Mapping[str, Any], now: dt.datetime
) -> Placement:
    """The subnet and groups for a new cluster, creating EMR's managed groups as needed."""
    subnet_ids = list(instances.get("Ec2SubnetIds") or ())
    subnet_id = instances.get("Ec2SubnetId") or (subnet_ids[0] if subnet_ids else None)
    if subnet_id:
        subnet = _subnet(session, account_id, region, str(subnet_id))
    else:
        subnet = network_api.default_subnet(session, account_id, region, now)
    vpc = subnet.vpc_id

    def given(member: str) -> str | None:
        value = instances.get(member)
        if value:
            _group(session, account_id, region, str(value), vpc, member)
        return str(value) if value else None

    def extra(member: str) -> tuple[str, ...]:
        ids = tuple(str(g) for g in instances.get(member) or ())
        for group_id in ids:
            _group(session, account_id, region, group_id, vpc, member)
        return ids

    master = given("EmrManagedMasterSecurityGroup")
    slave = given("EmrManagedSlaveSecurityGroup")
    service = given("ServiceAccessSecurityGroup")
    placement = Placement(
        vpc_id=vpc,
        subnet_id=subnet.subnet_id,
        availability_zone=subnet.availability_zone,
        master_group=master
        or _managed_group(session, account_id, region, vpc, MASTER_GROUP_NAME, now),
        slave_group=slave
        or _managed_group(session, account_id, region, vpc, SLAVE_GROUP_NAME, now),
        service_group=service,
        additional_master=extra("AdditionalMasterSecurityGroups"),
        additional_slave=extra("AdditionalSlaveSecurityGroups"),
    )
    _link_managed_groups(session, account_id, region, placement, now)
    return placement


def _link_managed_groups(
    session: Session, account_id: str, region: str, placement: Placement, now: dt.datetime
) -> None:
    """EMR's own rules: the cluster's nodes reach each other on every TCP and UDP port."""
    groups = (placement.master_group, placement.slave_group)
    for target in groups:
        for source in groups:
            for protocol in ("tcp", "udp"):
                network_api.authorize_ingress_from_group(
                    session,
                    account_id,
                    region,
                    target,
                    source,
                    account_id,
                    protocol,
                    0,
                    65535,
                    now=now,
                )


def launch_nodes(
    session: Session,
    account_id: str,
    region: str,
    placement: Placement,
    *,
    cluster_id: str,
    role: str,
    instance_type: str,
    count: int,
    now: dt.datetime,
) -> list[InstanceInfo]:
    """EC2 instances for ``count`` new nodes of ``role`` (pending until the node is up)."""
    if count <= 0:
        return []
    return network_api.launch_instances(
        session,
        account_id,
        region,
        placement.subnet_id,
        placement.groups_for(role),
        count,
        instance_type,
        {CLUSTER_TAG: cluster_id, ROLE_TAG: role},
        now,
        state="pending",
    )


def set_nodes_state(
    session: Session,
    account_id: str,
    region: str,
    ec2_ids: Sequence[str],
    state: str,
    now: dt.datetime,
) -> None:
    """Move the nodes' EC2 instances to ``running`` or ``terminated``."""
    if ec2_ids:
        network_api.set_instance_state(session, account_id, region, list(ec2_ids), state, now)

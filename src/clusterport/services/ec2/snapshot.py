"""The network of some accounts in one region, as the reachability analyzer reads it.

Built straight from the store (no API round trips), so the platform can check a
connection from a Studio subnet to a cluster node across accounts in one call.
The stored documents have EC2's shapes and go through the same converter as
an answer of the EC2 API (:mod:`clusterport.network.ec2_shapes`).
Connections are merged by id across the accounts' views; terminated instances
have no interface.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from clusterport.network import ec2_shapes
from clusterport.network.model import (
    NetworkInterface,
    NetworkSnapshot,
    RouteTable,
    SecurityGroup,
    Subnet,
    Vpc,
    VpcPeeringConnection,
)
from clusterport.services.ec2 import routes, security_groups
from clusterport.services.ec2.instances import STATE_CODES
from clusterport.services.ec2.records import (
    INSTANCE,
    PEERING,
    ROUTE_TABLE,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    Ec2Records,
)
from clusterport.store.resources import ResourceRow

#: Instance states that still have a network interface.
_LIVE_INSTANCES = [state for state in STATE_CODES if state != "terminated"]


def network_snapshot(session: Session, account_ids: Sequence[str], region: str) -> NetworkSnapshot:
    """Every VPC, subnet, table, group, peering connection and instance of the accounts."""
    vpcs: list[Vpc] = []
    subnets: list[Subnet] = []
    tables: list[RouteTable] = []
    groups: list[SecurityGroup] = []
    peerings: dict[str, VpcPeeringConnection] = {}
    interfaces: list[NetworkInterface] = []
    for account_id in dict.fromkeys(account_ids):
        rec = Ec2Records(session, account_id, region)
        vpcs += [_vpc(row) for row in rec.find(VPC)]
        subnets += [s for row in rec.find(SUBNET) if (s := _subnet(row)) is not None]
        tables += [_table(rec, row) for row in rec.find(ROUTE_TABLE)]
        groups += [_group(row) for row in rec.find(SECURITY_GROUP)]
        for row in rec.find(PEERING):
            peerings.setdefault(row.resource_id, _peering(row))
        # Terminated instances pile up over time; the store leaves them out.
        interfaces += [
            eni
            for row in rec.find(INSTANCE, states=_LIVE_INSTANCES)
            if (eni := _interface(row)) is not None
        ]
    return NetworkSnapshot.of(
        vpcs=vpcs,
        subnets=subnets,
        route_tables=tables,
        security_groups=groups,
        peering_connections=peerings.values(),
        interfaces=interfaces,
    )


# The rows keep EC2's own shapes; the row's identity and what only the store
# knows (a route's state, the DNS attributes) are added before converting.


def _vpc(row: ResourceRow) -> Vpc:
    data = row.data
    return ec2_shapes.vpc(
        {**data, "VpcId": row.resource_id, "OwnerId": row.account_id},
        dns_support=bool(data.get("EnableDnsSupport", True)),
        dns_hostnames=bool(data.get("EnableDnsHostnames", False)),
    )


def _subnet(row: ResourceRow) -> Subnet | None:
    return ec2_shapes.subnet({**row.data, "SubnetId": row.resource_id, "OwnerId": row.account_id})


def _table(rec: Ec2Records, row: ResourceRow) -> RouteTable:
    return ec2_shapes.route_table(
        {
            **row.data,
            "RouteTableId": row.resource_id,
            "OwnerId": row.account_id,
            "Routes": [
                {**route, "State": routes.route_state(rec, route)} for route in row.data["Routes"]
            ],
        }
    )


def _group(row: ResourceRow) -> SecurityGroup:
    rules = row.data["Rules"]
    return ec2_shapes.security_group(
        {
            **row.data,
            "GroupId": row.resource_id,
            "OwnerId": row.account_id,
            "IpPermissions": security_groups.permissions(rules, egress=False),
            "IpPermissionsEgress": security_groups.permissions(rules, egress=True),
        }
    )


def _peering(row: ResourceRow) -> VpcPeeringConnection:
    return ec2_shapes.peering_connection({**row.data, "VpcPeeringConnectionId": row.resource_id})


def _interface(row: ResourceRow) -> NetworkInterface | None:
    """An instance's primary interface (the only one an instance has here)."""
    data = row.data
    return ec2_shapes.network_interface(
        {
            "NetworkInterfaceId": data["NetworkInterfaceId"],
            "OwnerId": row.account_id,
            "SubnetId": data["SubnetId"],
            "PrivateIpAddress": data["PrivateIpAddress"],
            "Groups": data["SecurityGroups"],
            "PrivateDnsName": data["PrivateDnsName"],
            "Attachment": {"InstanceId": row.resource_id},
        }
    )

"""Route tables: the main table of each VPC, custom tables, routes and associations.

Every table keeps its VPC's ``local`` routes (one per VPC CIDR block), which
cannot be changed or removed. Routes may target a VPC peering connection
joining the table's VPC to another (usable once the connection is active; its
state reads ``blackhole`` otherwise, as on AWS) or the internet gateway
attached to the VPC. A subnet uses its explicitly associated table, else its
VPC's main table.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping
from typing import Any

from clusterport.errors import NotFoundError
from clusterport.network.model import network_within
from clusterport.services.base import hex_id
from clusterport.services.ec2 import gateways, peering
from clusterport.services.ec2.errors import (
    conflict,
    dependency_violation,
    invalid_combination,
    invalid_value,
    missing_parameter,
    not_found,
    unsupported,
)
from clusterport.services.ec2.filters import Accessor, field
from clusterport.services.ec2.records import (
    INTERNET_GATEWAY,
    PEERING,
    ROUTE_TABLE,
    SUBNET,
    VPC,
    Ec2Records,
    with_tags,
)
from clusterport.store.resources import ResourceRow

FILTERS: dict[str, Accessor] = {
    "association.gateway-id": field("Associations", "GatewayId"),
    "association.main": field("Associations", "Main"),
    "association.route-table-association-id": field("Associations", "RouteTableAssociationId"),
    "association.route-table-id": field("Associations", "RouteTableId"),
    "association.subnet-id": field("Associations", "SubnetId"),
    "owner-id": field("OwnerId"),
    "route-table-id": field("RouteTableId"),
    "route.destination-cidr-block": field("Routes", "DestinationCidrBlock"),
    "route.destination-ipv6-cidr-block": field("Routes", "DestinationIpv6CidrBlock"),
    "route.destination-prefix-list-id": field("Routes", "DestinationPrefixListId"),
    "route.egress-only-internet-gateway-id": field("Routes", "EgressOnlyInternetGatewayId"),
    "route.gateway-id": field("Routes", "GatewayId"),
    "route.instance-id": field("Routes", "InstanceId"),
    "route.nat-gateway-id": field("Routes", "NatGatewayId"),
    "route.transit-gateway-id": field("Routes", "TransitGatewayId"),
    "route.origin": field("Routes", "Origin"),
    "route.state": field("Routes", "State"),
    "route.vpc-peering-connection-id": field("Routes", "VpcPeeringConnectionId"),
    "vpc-id": field("VpcId"),
}

#: Route targets of the API this platform does not offer, by parameter name.
_UNSUPPORTED_TARGETS = (
    "NatGatewayId",
    "TransitGatewayId",
    "InstanceId",
    "NetworkInterfaceId",
    "EgressOnlyInternetGatewayId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "VpcEndpointId",
    "CoreNetworkArn",
    "OdbNetworkArn",
)


def create_table(
    rec: Ec2Records,
    vpc_id: str,
    now: dt.datetime,
    *,
    main: bool = False,
    tags: Mapping[str, str] | None = None,
) -> ResourceRow:
    """A table of ``vpc_id`` holding its local routes (and the main association if ``main``)."""
    vpc = rec.require(VPC, vpc_id)
    table_id = hex_id("rtb")
    routes = [
        {"DestinationCidrBlock": a["CidrBlock"], "GatewayId": "local", "Origin": "CreateRouteTable"}
        for a in vpc.data["CidrBlockAssociationSet"]
    ]
    associations = []
    if main:
        associations.append({"RouteTableAssociationId": hex_id("rtbassoc"), "Main": True})
    data = {
        "RouteTableId": table_id,
        "VpcId": vpc_id,
        "OwnerId": rec.account_id,
        "Routes": routes,
        "Associations": associations,
        "Tags": dict(tags or {}),
    }
    return rec.add(ROUTE_TABLE, table_id, data, now, parent_id=vpc_id)


def is_main(row: ResourceRow) -> bool:
    return any(a.get("Main") for a in row.data["Associations"])


def main_table(rec: Ec2Records, vpc_id: str) -> ResourceRow | None:
    for row in rec.find(ROUTE_TABLE, parent_id=vpc_id):
        if is_main(row):
            return row
    return None


def delete_table(rec: Ec2Records, table_id: str) -> None:
    row = rec.require(ROUTE_TABLE, table_id)
    if row.data["Associations"]:
        what = "it is its VPC's main route table" if is_main(row) else "subnets are associated"
        raise dependency_violation(
            f"The routeTable '{table_id}' has dependencies and cannot be deleted: {what}; "
            "disassociate its subnets (or make another table main) first."
        )
    rec.delete(row)


# --------------------------------------------------------------------------- routes


def _destination(params: Mapping[str, Any]) -> str:
    if params.get("DestinationPrefixListId"):
        raise unsupported(
            "Prefix-list destinations are not offered on this platform; route a CIDR block "
            "(DestinationCidrBlock) instead."
        )
    v4 = params.get("DestinationCidrBlock")
    v6 = params.get("DestinationIpv6CidrBlock")
    if v4 and v6:
        raise invalid_combination(
            "Give either DestinationCidrBlock or DestinationIpv6CidrBlock, not both."
        )
    value = v4 or v6
    if not value:
        raise missing_parameter(
            "The request must contain the parameter destinationCidrBlock or "
            "destinationIpv6CidrBlock."
        )
    try:
        network = ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        network = None
    if network is None or network.version != (4 if v4 else 6):
        raise invalid_value(
            f"Value ({value}) for parameter destinationCidrBlock is invalid. This is not a valid "
            "CIDR block; write it like 10.20.0.0/16."
        )
    return str(network)


def _target(rec: Ec2Records, table: ResourceRow, params: Mapping[str, Any]) -> dict[str, str]:
    given = [name for name in _UNSUPPORTED_TARGETS if params.get(name)]
    if given:
        raise unsupported(
            f"Routes to {given[0]} are not offered on this platform; route to a VPC peering "
            "connection (VpcPeeringConnectionId) or an internet gateway (GatewayId)."
        )
    pcx_id = params.get("VpcPeeringConnectionId")
    gateway_id = params.get("GatewayId")
    if pcx_id and gateway_id:
        raise invalid_combination(
            "Give exactly one route target: GatewayId or VpcPeeringConnectionId, not both."
        )
    vpc_id = str(table.data["VpcId"])
    if pcx_id:
        row = rec.get(PEERING, str(pcx_id))
        if row is None or row.state in ("deleted", "rejected", "failed", "expired"):
            raise not_found(PEERING, str(pcx_id), rec.account_id, rec.region)
        ends = (row.data["RequesterVpcInfo"]["VpcId"], row.data["AccepterVpcInfo"]["VpcId"])
        if vpc_id not in ends:
            raise invalid_value(
                f"route table {table.resource_id} and network gateway {pcx_id} belong to "
                f"different networks: {pcx_id} joins {ends[0]} and {ends[1]}, the table "
                f"belongs to {vpc_id}. Use a peering connection of {vpc_id}."
            )
        return {"VpcPeeringConnectionId": str(pcx_id)}
    if gateway_id:
        if gateway_id == "local":
            raise invalid_value(
                "Local routes are created with the VPC and cannot be added; route the peer's "
                "CIDR through a VPC peering connection instead."
            )
        gateway = rec.get(INTERNET_GATEWAY, str(gateway_id))
        if gateway is None:
            raise NotFoundError(
                f"The gateway ID '{gateway_id}' does not exist in account {rec.account_id}, "
                f"region {rec.region}; list them with: aws ec2 describe-internet-gateways.",
                code="InvalidGatewayID.NotFound",
            )
        if gateways.attached_vpc(gateway) != vpc_id:
            raise invalid_value(
                f"route table {table.resource_id} and network gateway {gateway_id} belong to "
                f"different networks; attach {gateway_id} to {vpc_id} first: aws ec2 "
                f"attach-internet-gateway --internet-gateway-id {gateway_id} --vpc-id {vpc_id}"
            )
        return {"GatewayId": str(gateway_id)}
    raise missing_parameter(
        "The request must name a route target: VpcPeeringConnectionId or GatewayId."
    )


def _destination_key(route: Mapping[str, Any]) -> str:
    return str(route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock"))


def _destination_field(destination: str) -> str:
    return "DestinationIpv6CidrBlock" if ":" in destination else "DestinationCidrBlock"


def _is_local(route: Mapping[str, Any]) -> bool:
    return route.get("GatewayId") == "local"


def create_route(
    rec: Ec2Records, table_id: str, params: Mapping[str, Any], now: dt.datetime
) -> None:
    table = rec.require(ROUTE_TABLE, table_id)
    destination = _destination(params)
    target = _target(rec, table, params)
    routes = list(table.data["Routes"])
    for route in routes:
        if _destination_key(route) == destination:
            raise conflict(
                "RouteAlreadyExists",
                f"The route identified by {destination} already exists in {table_id}; change "
                f"its target with: aws ec2 replace-route --route-table-id {table_id} "
                f"--destination-cidr-block {destination} …",
            )
    network = ipaddress.ip_network(destination)
    for route in routes:
        if _is_local(route) and network_within(
            network, ipaddress.ip_network(_destination_key(route))
        ):
            raise invalid_value(
                f"The destination CIDR block {destination} is equal to or more specific than "
                f"one of this VPC's CIDR blocks ({_destination_key(route)}), which the local "
                "route serves; route the peer VPC's CIDR block instead."
            )
    routes.append({_destination_field(destination): destination, **target, "Origin": "CreateRoute"})
    rec.update(table, {**table.data, "Routes": routes}, now)


def _existing_route(table: ResourceRow, destination: str) -> int:
    for index, route in enumerate(table.data["Routes"]):
        if _destination_key(route) == destination:
            return index
    raise NotFoundError(
        f"There is no route defined for '{destination}' in the route table "
        f"{table.resource_id}; list its routes (aws ec2 describe-route-tables "
        f"--route-table-ids {table.resource_id}) or add one with create-route.",
        code="InvalidRoute.NotFound",
    )


def replace_route(
    rec: Ec2Records, table_id: str, params: Mapping[str, Any], now: dt.datetime
) -> None:
    table = rec.require(ROUTE_TABLE, table_id)
    destination = _destination(params)
    index = _existing_route(table, destination)
    routes = list(table.data["Routes"])
    if _is_local(routes[index]):
        if params.get("LocalTarget") or params.get("GatewayId") == "local":
            return
        raise invalid_value(
            f"The local route {destination} of {table_id} cannot be replaced; it carries the "
            "VPC's own traffic."
        )
    target = _target(rec, table, params)
    routes[index] = {
        _destination_field(destination): destination,
        **target,
        "Origin": "CreateRoute",
    }
    rec.update(table, {**table.data, "Routes": routes}, now)


def delete_route(
    rec: Ec2Records, table_id: str, params: Mapping[str, Any], now: dt.datetime
) -> None:
    table = rec.require(ROUTE_TABLE, table_id)
    destination = _destination(params)
    index = _existing_route(table, destination)
    routes = list(table.data["Routes"])
    if _is_local(routes[index]):
        raise invalid_value(
            f"cannot remove local route {destination} in route table {table_id}; local routes "
            "stay as long as the VPC."
        )
    del routes[index]
    rec.update(table, {**table.data, "Routes": routes}, now)


# --------------------------------------------------------------------------- associations


def explicit_table_of(rec: Ec2Records, subnet_id: str) -> tuple[ResourceRow, dict[str, Any]] | None:
    for row in rec.find(ROUTE_TABLE):
        for association in row.data["Associations"]:
            if association.get("SubnetId") == subnet_id:
                return row, association
    return None


def associate(rec: Ec2Records, table_id: str, subnet_id: str, now: dt.datetime) -> str:
    table = rec.require(ROUTE_TABLE, table_id)
    subnet = rec.require(SUBNET, subnet_id)
    if subnet.data["VpcId"] != table.data["VpcId"]:
        raise invalid_value(
            f"Route table {table_id} and subnet {subnet_id} belong to different networks "
            f"({table.data['VpcId']} and {subnet.data['VpcId']}); use a table of "
            f"{subnet.data['VpcId']}."
        )
    current = explicit_table_of(rec, subnet_id)
    if current is not None:
        raise conflict(
            "Resource.AlreadyAssociated",
            f"the specified association for route table {table_id} conflicts with an existing "
            f"association {current[1]['RouteTableAssociationId']} (table "
            f"{current[0].resource_id}); move the subnet with: aws ec2 "
            f"replace-route-table-association --association-id "
            f"{current[1]['RouteTableAssociationId']} --route-table-id {table_id}",
        )
    association_id = hex_id("rtbassoc")
    associations = [
        *table.data["Associations"],
        {"RouteTableAssociationId": association_id, "Main": False, "SubnetId": subnet_id},
    ]
    rec.update(table, {**table.data, "Associations": associations}, now)
    return association_id


def _association(rec: Ec2Records, association_id: str) -> tuple[ResourceRow, dict[str, Any]]:
    for row in rec.find(ROUTE_TABLE):
        for association in row.data["Associations"]:
            if association["RouteTableAssociationId"] == association_id:
                return row, association
    raise NotFoundError(
        f"The association ID '{association_id}' does not exist in account {rec.account_id}, "
        f"region {rec.region}; list associations with: aws ec2 describe-route-tables.",
        code="InvalidAssociationID.NotFound",
    )


def association_table(rec: Ec2Records, association_id: str) -> str | None:
    """The id of the route table holding ``association_id`` (None when there is none)."""
    for row in rec.find(ROUTE_TABLE):
        if any(a["RouteTableAssociationId"] == association_id for a in row.data["Associations"]):
            return row.resource_id
    return None


def disassociate(rec: Ec2Records, association_id: str, now: dt.datetime) -> None:
    table, association = _association(rec, association_id)
    if association.get("Main"):
        raise invalid_value(
            f"cannot disassociate the main route table association {association_id}; make "
            "another table main with replace-route-table-association instead."
        )
    associations = [
        a for a in table.data["Associations"] if a["RouteTableAssociationId"] != association_id
    ]
    rec.update(table, {**table.data, "Associations": associations}, now)


def replace_association(
    rec: Ec2Records, association_id: str, table_id: str, now: dt.datetime
) -> str:
    """Point an association (a subnet's, or the VPC's main one) at another table."""
    old_table, association = _association(rec, association_id)
    new_table = rec.require(ROUTE_TABLE, table_id)
    if new_table.data["VpcId"] != old_table.data["VpcId"]:
        raise invalid_value(
            f"Route table {table_id} belongs to {new_table.data['VpcId']}, not to "
            f"{old_table.data['VpcId']}; use a table of the same VPC."
        )
    remaining = [
        a for a in old_table.data["Associations"] if a["RouteTableAssociationId"] != association_id
    ]
    rec.update(old_table, {**old_table.data, "Associations": remaining}, now)
    new_id = hex_id("rtbassoc")
    moved = {**association, "RouteTableAssociationId": new_id}
    fresh = rec.require(ROUTE_TABLE, table_id)
    rec.update(fresh, {**fresh.data, "Associations": [*fresh.data["Associations"], moved]}, now)
    return new_id


def forget_subnet(rec: Ec2Records, subnet_id: str, now: dt.datetime) -> None:
    """Drop a deleted subnet's explicit association."""
    found = explicit_table_of(rec, subnet_id)
    if found is not None:
        disassociate(rec, found[1]["RouteTableAssociationId"], now)


# --------------------------------------------------------------------------- views


def route_state(rec: Ec2Records, route: Mapping[str, Any]) -> str:
    """``active``, or ``blackhole`` when the target is gone or not usable."""
    pcx_id = route.get("VpcPeeringConnectionId")
    if pcx_id:
        return "active" if peering.status_of(rec.session, str(pcx_id)) == "active" else "blackhole"
    gateway_id = route.get("GatewayId")
    if gateway_id and gateway_id != "local":
        gateway = rec.get(INTERNET_GATEWAY, str(gateway_id))
        return "active" if gateway is not None and gateways.attached_vpc(gateway) else "blackhole"
    return "active"


def view(rec: Ec2Records, row: ResourceRow) -> dict[str, Any]:
    """The table as ``DescribeRouteTables`` shows it."""
    data = row.data
    routes = [{**route, "State": route_state(rec, route)} for route in data["Routes"]]
    associations = [
        {**a, "RouteTableId": row.resource_id, "AssociationState": {"State": "associated"}}
        for a in data["Associations"]
    ]
    out = {
        "RouteTableId": row.resource_id,
        "VpcId": data["VpcId"],
        "OwnerId": data["OwnerId"],
        "Routes": routes,
        "Associations": associations,
        "PropagatingVgws": [],
    }
    return with_tags(out, data.get("Tags", {}))

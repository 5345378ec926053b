"""EC2 through boto3 against the real server: behaviour, errors, filters, accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from clusterport.network.from_ec2 import snapshot_from_ec2
from clusterport.network.reachability import Destination, Source, analyze
from clusterport.services.ec2 import network_api
from conftest import RunningServer
from ec2_support import REGION, error_of, fresh_account, store


def _ec2(server: RunningServer, account: str | None = None) -> Any:
    return server.client("ec2", account or fresh_account())


def _vpc(ec2: Any, cidr: str, name: str | None = None) -> str:
    specs = [{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": name}]}] if name else []
    return str(ec2.create_vpc(CidrBlock=cidr, TagSpecifications=specs)["Vpc"]["VpcId"])


def _subnet(ec2: Any, vpc_id: str, cidr: str, zone: str = "us-east-1a") -> str:
    return str(
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
    )


def _main_table(ec2: Any, vpc_id: str) -> dict[str, Any]:
    tables = ec2.describe_route_tables(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "association.main", "Values": ["true"]},
        ]
    )["RouteTables"]
    assert len(tables) == 1
    return dict(tables[0])


def _group(ec2: Any, vpc_id: str, name: str) -> str:
    return str(
        ec2.create_security_group(VpcId=vpc_id, GroupName=name, Description=f"{name} group")[
            "GroupId"
        ]
    )


def _peer(server: RunningServer, cidr_a: str, cidr_b: str) -> dict[str, Any]:
    """Two accounts with a VPC each and a peering request from A to B."""
    a, b = fresh_account(), fresh_account()
    ec2_a, ec2_b = server.client("ec2", a), server.client("ec2", b)
    vpc_a, vpc_b = _vpc(ec2_a, cidr_a), _vpc(ec2_b, cidr_b)
    pcx = ec2_a.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=b)[
        "VpcPeeringConnection"
    ]
    return {
        "a": a,
        "b": b,
        "ec2_a": ec2_a,
        "ec2_b": ec2_b,
        "vpc_a": vpc_a,
        "vpc_b": vpc_b,
        "pcx": pcx["VpcPeeringConnectionId"],
        "created": pcx,
    }


def _status(ec2: Any, pcx_id: str) -> str:
    found = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx_id])
    return str(found["VpcPeeringConnections"][0]["Status"]["Code"])


# --------------------------------------------------------------------------- default VPC


def test_first_use_gives_the_default_vpc(server: RunningServer) -> None:
    ec2 = _ec2(server)
    vpcs = ec2.describe_vpcs()["Vpcs"]
    assert [(v["CidrBlock"], v["IsDefault"], v["State"]) for v in vpcs] == [
        ("172.31.0.0/16", True, "available")
    ]
    vpc_id = vpcs[0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])[
        "Subnets"
    ]
    assert sorted((s["AvailabilityZone"], s["CidrBlock"]) for s in subnets) == [
        ("us-east-1a", "172.31.0.0/20"),
        ("us-east-1b", "172.31.16.0/20"),
        ("us-east-1c", "172.31.32.0/20"),
        ("us-east-1d", "172.31.48.0/20"),
        ("us-east-1e", "172.31.64.0/20"),
        ("us-east-1f", "172.31.80.0/20"),
    ]
    assert {s["AvailableIpAddressCount"] for s in subnets} == {4091}
    table = _main_table(ec2, vpc_id)
    targets = {r["DestinationCidrBlock"]: r.get("GatewayId") for r in table["Routes"]}
    assert targets["172.31.0.0/16"] == "local"
    assert targets["0.0.0.0/0"].startswith("igw-")
    gateway = ec2.describe_internet_gateways()["InternetGateways"][0]
    assert gateway["Attachments"] == [{"VpcId": vpc_id, "State": "available"}]
    attributes = {
        a["AttributeName"]: [v["AttributeValue"] for v in a["AttributeValues"]]
        for a in ec2.describe_account_attributes()["AccountAttributes"]
    }
    assert attributes["default-vpc"] == [vpc_id]
    assert attributes["supported-platforms"] == ["VPC"]
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"]["Value"] is True


def test_deleting_the_default_vpc_is_final(server: RunningServer) -> None:
    ec2 = _ec2(server)
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_vpc(VpcId=vpc_id)
    code, message = error_of(excinfo)
    assert code == "DependencyViolation"
    assert "subnet-" in message and "internet gateway igw-" in message
    for subnet in ec2.describe_subnets()["Subnets"]:
        ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    gateway = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    ec2.detach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=gateway)
    ec2.delete_vpc(VpcId=vpc_id)
    assert ec2.describe_vpcs()["Vpcs"] == []
    with pytest.raises(ClientError) as excinfo:
        ec2.create_security_group(GroupName="web", Description="no default VPC")
    assert error_of(excinfo)[0] == "VPCIdNotSpecified"


# --------------------------------------------------------------------------- VPCs


def test_create_vpc_brings_main_table_and_default_group(server: RunningServer) -> None:
    ec2 = _ec2(server)
    created = ec2.create_vpc(
        CidrBlock="10.10.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "studio"}]}],
    )["Vpc"]
    vpc_id = created["VpcId"]
    assert created["CidrBlock"] == "10.10.0.0/16"
    assert created["Tags"] == [{"Key": "Name", "Value": "studio"}]
    assert created["IsDefault"] is False
    table = _main_table(ec2, vpc_id)
    assert [(r["DestinationCidrBlock"], r["GatewayId"], r["State"]) for r in table["Routes"]] == [
        ("10.10.0.0/16", "local", "active")
    ]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])[
        "SecurityGroups"
    ]
    assert [g["GroupName"] for g in groups] == ["default"]
    default = groups[0]
    assert default["IpPermissions"] == [
        {
            "IpProtocol": "-1",
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [{"GroupId": default["GroupId"], "UserId": default["OwnerId"]}],
        }
    ]
    assert default["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    assert default["IpPermissionsEgress"][0]["IpProtocol"] == "-1"
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"]["Value"] is False
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    hostnames = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsHostnames")
    assert hostnames["EnableDnsHostnames"]["Value"] is True
    ec2.delete_vpc(VpcId=vpc_id)
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpcs(VpcIds=[vpc_id])
    assert error_of(excinfo)[0] == "InvalidVpcID.NotFound"


@pytest.mark.parametrize(
    ("cidr", "code"),
    [
        ("10.0.0.0/15", "InvalidVpc.Range"),
        ("10.0.0.0/29", "InvalidVpc.Range"),
        ("10.0.0.0/33", "InvalidParameterValue"),
        ("10.0.0.1/16", "InvalidParameterValue"),
        ("not-a-cidr", "InvalidParameterValue"),
    ],
)
def test_vpc_cidr_is_validated(server: RunningServer, cidr: str, code: str) -> None:
    ec2 = server.client("ec2", "111111111111")
    with pytest.raises(ClientError) as excinfo:
        ec2.create_vpc(CidrBlock=cidr)
    got, message = error_of(excinfo)
    assert got == code
    assert cidr.split("/", maxsplit=1)[0] in message


def test_vpc_filters_and_unknown_filter(server: RunningServer) -> None:
    ec2 = _ec2(server)
    studio = _vpc(ec2, "10.10.0.0/16", "studio-vpc")
    emr = _vpc(ec2, "10.20.0.0/16", "emr-vpc")

    def ids(filters: list[dict[str, Any]]) -> set[str]:
        return {v["VpcId"] for v in ec2.describe_vpcs(Filters=filters)["Vpcs"]}

    assert ids([{"Name": "tag:Name", "Values": ["*-vpc"]}]) == {studio, emr}
    assert ids([{"Name": "tag:Name", "Values": ["stu?io-vpc"]}]) == {studio}
    assert ids([{"Name": "cidr", "Values": ["10.20.*"]}]) == {emr}
    assert ids([{"Name": "is-default", "Values": ["false"]}]) == {studio, emr}
    assert ids([{"Name": "tag-key", "Values": ["Name"]}]) == {studio, emr}
    assert (
        ids(
            [
                {"Name": "tag:Name", "Values": ["studio-vpc"]},
                {"Name": "cidr", "Values": ["10.20.0.0/16"]},
            ]
        )
        == set()
    )
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpcs(Filters=[{"Name": "colour", "Values": ["blue"]}])
    code, message = error_of(excinfo)
    assert code == "InvalidParameterValue"
    assert "'colour'" in message and "vpc-id" in message


def test_describe_pages_with_tokens(server: RunningServer) -> None:
    ec2 = _ec2(server)
    for n in range(6):
        _vpc(ec2, f"10.{n}.0.0/16")
    first = ec2.describe_vpcs(MaxResults=5)
    assert len(first["Vpcs"]) == 5 and first["NextToken"]
    second = ec2.describe_vpcs(MaxResults=5, NextToken=first["NextToken"])
    assert len(second["Vpcs"]) == 2 and "NextToken" not in second
    paged = [
        v["VpcId"]
        for page in ec2.get_paginator("describe_vpcs").paginate(PaginationConfig={"PageSize": 5})
        for v in page["Vpcs"]
    ]
    assert sorted(paged) == sorted(v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"])
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_vpcs(MaxResults=5, NextToken="garbage")
    assert error_of(excinfo)[0] == "InvalidPaginationToken"
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_subnets(MaxResults=5, NextToken=first["NextToken"])
    assert error_of(excinfo)[0] == "InvalidPaginationToken"


def test_dry_run_checks_and_changes_nothing(server: RunningServer) -> None:
    ec2 = _ec2(server)
    with pytest.raises(ClientError) as excinfo:
        ec2.create_vpc(CidrBlock="10.30.0.0/16", DryRun=True)
    assert error_of(excinfo)[0] == "DryRunOperation"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert [v["CidrBlock"] for v in ec2.describe_vpcs()["Vpcs"]] == ["172.31.0.0/16"]


# --------------------------------------------------------------------------- subnets


def test_subnets_inside_the_vpc_without_overlap(server: RunningServer) -> None:
    ec2 = _ec2(server)
    vpc_id = _vpc(ec2, "10.20.0.0/16")
    subnet = ec2.create_subnet(
        VpcId=vpc_id, CidrBlock="10.20.1.0/24", AvailabilityZone="us-east-1b"
    )["Subnet"]
    assert subnet["AvailabilityZone"] == "us-east-1b"
    assert subnet["AvailabilityZoneId"] == "use1-az2"
    assert subnet["AvailableIpAddressCount"] == 251
    assert subnet["DefaultForAz"] is False
    cases = [
        ("10.20.1.128/25", "InvalidSubnet.Conflict", subnet["SubnetId"]),
        ("10.21.0.0/24", "InvalidSubnet.Range", vpc_id),
        ("10.20.2.0/29", "InvalidSubnet.Range", "/28"),
    ]
    for cidr, code, named in cases:
        with pytest.raises(ClientError) as excinfo:
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr)
        got, message = error_of(excinfo)
        assert got == code
        assert named in message
    with pytest.raises(ClientError) as excinfo:
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.3.0/24", AvailabilityZone="us-east-1z")
    code, message = error_of(excinfo)
    assert code == "InvalidParameterValue"
    assert "us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f" in message
    with pytest.raises(ClientError) as excinfo:
        ec2.create_subnet(VpcId="vpc-0000000000000000a", CidrBlock="10.20.3.0/24")
    assert error_of(excinfo)[0] == "InvalidVpcID.NotFound"
    found = ec2.describe_subnets(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "availability-zone", "Values": ["us-east-1b"]},
        ]
    )["Subnets"]
    assert [s["SubnetId"] for s in found] == [subnet["SubnetId"]]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_vpc(VpcId=vpc_id)
    code, message = error_of(excinfo)
    assert code == "DependencyViolation"
    assert subnet["SubnetId"] in message
    ec2.delete_subnet(SubnetId=subnet["SubnetId"])
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_subnets(SubnetIds=[subnet["SubnetId"]])
    assert error_of(excinfo)[0] == "InvalidSubnetID.NotFound"
    ec2.delete_vpc(VpcId=vpc_id)


# --------------------------------------------------------------------------- route tables


def test_route_tables_routes_and_associations(server: RunningServer) -> None:
    ec2 = _ec2(server)
    vpc_id = _vpc(ec2, "10.20.0.0/16")
    subnet_id = _subnet(ec2, vpc_id, "10.20.1.0/24")
    table = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]
    table_id = table["RouteTableId"]
    assert table["Associations"] == []
    association = ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    assert association["AssociationState"] == {"State": "associated"}
    with pytest.raises(ClientError) as excinfo:
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet_id)
    assert error_of(excinfo)[0] == "Resource.AlreadyAssociated"
    by_subnet = ec2.describe_route_tables(
        Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in by_subnet] == [table_id]

    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    code, message = error_of(excinfo)
    assert code == "InvalidParameterValue" and "attach-internet-gateway" in message
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_id)
    assert (
        ec2.create_route(
            RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway
        )["Return"]
        is True
    )
    with pytest.raises(ClientError) as excinfo:
        ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    code, message = error_of(excinfo)
    assert code == "RouteAlreadyExists" and "replace-route" in message
    with pytest.raises(ClientError) as excinfo:
        ec2.create_route(
            RouteTableId=table_id, DestinationCidrBlock="10.20.5.0/24", GatewayId=gateway
        )
    assert error_of(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_route(
            RouteTableId=table_id,
            DestinationCidrBlock="10.99.0.0/16",
            VpcPeeringConnectionId="pcx-0000000000000000a",
        )
    assert error_of(excinfo)[0] == "InvalidVpcPeeringConnectionID.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_route(
            RouteTableId=table_id,
            DestinationCidrBlock="10.99.0.0/16",
            NatGatewayId="nat-0000000000000000a",
        )
    assert error_of(excinfo)[0] == "UnsupportedOperation"
    with pytest.raises(ClientError) as excinfo:
        ec2.replace_route(
            RouteTableId=table_id, DestinationCidrBlock="10.98.0.0/16", GatewayId=gateway
        )
    code, message = error_of(excinfo)
    assert code == "InvalidRoute.NotFound" and "10.98.0.0/16" in message
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="10.20.0.0/16")
    assert error_of(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="10.97.0.0/16")
    assert error_of(excinfo)[0] == "InvalidRoute.NotFound"
    by_gateway = ec2.describe_route_tables(
        Filters=[{"Name": "route.gateway-id", "Values": [gateway]}]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in by_gateway] == [table_id]
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")

    main = _main_table(ec2, vpc_id)
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_route_table(RouteTableId=main["RouteTableId"])
    assert error_of(excinfo)[0] == "DependencyViolation"
    main_association = main["Associations"][0]["RouteTableAssociationId"]
    with pytest.raises(ClientError) as excinfo:
        ec2.disassociate_route_table(AssociationId=main_association)
    assert error_of(excinfo)[0] == "InvalidParameterValue"
    moved = ec2.replace_route_table_association(
        AssociationId=main_association, RouteTableId=table_id
    )["NewAssociationId"]
    assert _main_table(ec2, vpc_id)["RouteTableId"] == table_id
    ec2.replace_route_table_association(AssociationId=moved, RouteTableId=main["RouteTableId"])
    ec2.disassociate_route_table(AssociationId=association["AssociationId"])
    with pytest.raises(ClientError) as excinfo:
        ec2.disassociate_route_table(AssociationId=association["AssociationId"])
    assert error_of(excinfo)[0] == "InvalidAssociationID.NotFound"
    ec2.delete_route_table(RouteTableId=table_id)
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_route_tables(RouteTableIds=[table_id])
    assert error_of(excinfo)[0] == "InvalidRouteTableID.NotFound"


# --------------------------------------------------------------------------- security groups


def test_security_group_rules(server: RunningServer) -> None:
    ec2 = _ec2(server)
    vpc_id = _vpc(ec2, "10.20.0.0/16")
    web = _group(ec2, vpc_id, "web")
    client = _group(ec2, vpc_id, "client")
    with pytest.raises(ClientError) as excinfo:
        _group(ec2, vpc_id, "web")
    assert error_of(excinfo)[0] == "InvalidGroup.Duplicate"
    with pytest.raises(ClientError) as excinfo:
        _group(ec2, vpc_id, "default")
    assert error_of(excinfo)[0] == "InvalidGroup.Reserved"

    added = ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8998,
                "ToPort": 8998,
                "IpRanges": [{"CidrIp": "10.10.0.0/16", "Description": "studio"}],
                "Ipv6Ranges": [{"CidrIpv6": "2600:1f18::/56"}],
                "UserIdGroupPairs": [{"GroupId": client}],
            }
        ],
    )["SecurityGroupRules"]
    assert len(added) == 3
    assert all(r["SecurityGroupRuleId"].startswith("sgr-") for r in added)
    assert {r.get("CidrIpv4") for r in added} >= {"10.10.0.0/16"}
    ec2.authorize_security_group_ingress(
        GroupId=web, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.0.0.0/8"
    )
    with pytest.raises(ClientError) as excinfo:
        ec2.authorize_security_group_ingress(
            GroupId=web, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.0.0.0/8"
        )
    code, message = error_of(excinfo)
    assert code == "InvalidPermission.Duplicate"
    assert "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW" in message
    with pytest.raises(ClientError) as excinfo:
        ec2.authorize_security_group_ingress(GroupId=web, IpProtocol="tcp", CidrIp="10.0.0.0/8")
    assert error_of(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        ec2.authorize_security_group_ingress(
            GroupId=web, IpProtocol="tcp", FromPort=1, ToPort=2, CidrIp="10.0.0.1/8"
        )
    assert "did you mean 10.0.0.0/8" in error_of(excinfo)[1]

    group = ec2.describe_security_groups(GroupIds=[web])["SecurityGroups"][0]
    by_port = {p.get("FromPort"): p for p in group["IpPermissions"]}
    livy = by_port[8998]
    assert livy["IpRanges"] == [{"CidrIp": "10.10.0.0/16", "Description": "studio"}]
    assert livy["Ipv6Ranges"] == [{"CidrIpv6": "2600:1f18::/56"}]
    assert livy["UserIdGroupPairs"] == [{"GroupId": client, "UserId": group["OwnerId"]}]
    assert by_port[22]["IpRanges"] == [{"CidrIp": "10.0.0.0/8"}]

    def ids(filters: list[dict[str, Any]]) -> set[str]:
        found = ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
        return {g["GroupId"] for g in found}

    assert ids([{"Name": "ip-permission.cidr", "Values": ["10.10.0.0/16"]}]) == {web}
    assert ids([{"Name": "ip-permission.group-id", "Values": [client]}]) == {web}
    assert ids([{"Name": "ip-permission.to-port", "Values": ["22"]}]) == {web}
    assert ids([{"Name": "group-name", "Values": ["cli*"]}]) == {client}
    assert ids(
        [
            {"Name": "egress.ip-permission.cidr", "Values": ["0.0.0.0/0"]},
            {"Name": "vpc-id", "Values": [vpc_id]},
        ]
    ) == {web, client, _default_group(ec2, vpc_id)}

    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [web]}])[
        "SecurityGroupRules"
    ]
    assert sorted((r["IsEgress"], r["IpProtocol"], r["FromPort"]) for r in rules) == [
        (False, "tcp", 22),
        (False, "tcp", 8998),
        (False, "tcp", 8998),
        (False, "tcp", 8998),
        (True, "-1", -1),
    ]
    referencing = next(r for r in rules if r.get("ReferencedGroupInfo"))
    assert referencing["ReferencedGroupInfo"]["GroupId"] == client

    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=client)
    code, message = error_of(excinfo)
    assert code == "DependencyViolation" and referencing["SecurityGroupRuleId"] in message

    with pytest.raises(ClientError) as excinfo:
        ec2.revoke_security_group_ingress(
            GroupId=web, IpProtocol="tcp", FromPort=23, ToPort=23, CidrIp="10.0.0.0/8"
        )
    assert error_of(excinfo)[0] == "InvalidPermission.NotFound"
    revoked = ec2.revoke_security_group_ingress(
        GroupId=web, SecurityGroupRuleIds=[referencing["SecurityGroupRuleId"]]
    )
    assert revoked["Return"] is True
    assert revoked["RevokedSecurityGroupRules"][0]["ReferencedGroupId"] == client
    ec2.revoke_security_group_ingress(
        GroupId=web, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="10.0.0.0/8"
    )
    ec2.delete_security_group(GroupId=client)
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_security_groups(GroupIds=[client])
    assert error_of(excinfo)[0] == "InvalidGroup.NotFound"

    ec2.revoke_security_group_egress(
        GroupId=web, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    ec2.authorize_security_group_egress(
        GroupId=web,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    egress = ec2.describe_security_groups(GroupIds=[web])["SecurityGroups"][0][
        "IpPermissionsEgress"
    ]
    assert egress == [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
            "UserIdGroupPairs": [],
        }
    ]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=_default_group(ec2, vpc_id))
    assert error_of(excinfo)[0] == "CannotDelete"


def _default_group(ec2: Any, vpc_id: str) -> str:
    found = ec2.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_id]},
            {"Name": "group-name", "Values": ["default"]},
        ]
    )["SecurityGroups"]
    return str(found[0]["GroupId"])


def test_default_vpc_groups_by_name_and_lenient_revoke(server: RunningServer) -> None:
    ec2 = _ec2(server)
    group_id = ec2.create_security_group(GroupName="legacy", Description="by name")["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupName="legacy", IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/0"
    )
    ec2.authorize_security_group_ingress(GroupName="legacy", SourceSecurityGroupName="default")
    group = ec2.describe_security_groups(GroupNames=["legacy"])["SecurityGroups"][0]
    assert group["GroupId"] == group_id
    pair = next(p for p in group["IpPermissions"] if p["IpProtocol"] == "-1")
    assert pair["UserIdGroupPairs"][0]["GroupId"] == _default_group(ec2, group["VpcId"])
    # in a default VPC an unknown rule is reported, not refused
    answer = ec2.revoke_security_group_ingress(
        GroupName="legacy", IpProtocol="tcp", FromPort=81, ToPort=81, CidrIp="0.0.0.0/0"
    )
    assert answer["UnknownIpPermissions"][0]["FromPort"] == 81
    ec2.delete_security_group(GroupName="legacy")


# --------------------------------------------------------------------------- peering


def test_peering_across_accounts(server: RunningServer) -> None:
    p = _peer(server, "10.10.0.0/16", "10.20.0.0/16")
    ec2_a, ec2_b, pcx = p["ec2_a"], p["ec2_b"], p["pcx"]
    assert p["created"]["Status"]["Code"] == "initiating-request"
    assert p["created"]["RequesterVpcInfo"]["OwnerId"] == p["a"]
    for ec2 in (ec2_a, ec2_b):
        seen = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])[
            "VpcPeeringConnections"
        ][0]
        assert seen["Status"] == {
            "Code": "pending-acceptance",
            "Message": f"Pending Acceptance by {p['b']}",
        }
        assert seen["AccepterVpcInfo"]["VpcId"] == p["vpc_b"]
        assert seen["ExpirationTime"] > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    with pytest.raises(ClientError) as excinfo:
        ec2_a.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    code, message = error_of(excinfo)
    assert code == "OperationNotPermitted" and p["b"] in message
    with pytest.raises(ClientError) as excinfo:
        ec2_b.modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=pcx,
            AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        )
    assert error_of(excinfo)[0] == "OperationNotPermitted"
    with pytest.raises(ClientError) as excinfo:
        ec2_b.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert "reject-vpc-peering-connection" in error_of(excinfo)[1]

    accepted = ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)[
        "VpcPeeringConnection"
    ]
    assert accepted["Status"] == {"Code": "active", "Message": "Active"}
    assert accepted["AccepterVpcInfo"]["CidrBlock"] == "10.20.0.0/16"
    assert _status(ec2_a, pcx) == "active"
    with pytest.raises(ClientError) as excinfo:
        ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert error_of(excinfo)[0] == "InvalidStateTransition"

    with pytest.raises(ClientError) as excinfo:
        ec2_a.modify_vpc_peering_connection_options(
            VpcPeeringConnectionId=pcx,
            AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
        )
    code, message = error_of(excinfo)
    assert code == "OperationNotPermitted" and p["b"] in message
    changed = ec2_b.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx,
        AccepterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    assert changed["AccepterPeeringConnectionOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    ec2_a.modify_vpc_peering_connection_options(
        VpcPeeringConnectionId=pcx,
        RequesterPeeringConnectionOptions={"AllowDnsResolutionFromRemoteVpc": True},
    )
    seen = ec2_a.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])[
        "VpcPeeringConnections"
    ][0]
    assert seen["AccepterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True
    assert seen["RequesterVpcInfo"]["PeeringOptions"]["AllowDnsResolutionFromRemoteVpc"] is True

    def ids(ec2: Any, name: str, value: str) -> list[str]:
        found = ec2.describe_vpc_peering_connections(Filters=[{"Name": name, "Values": [value]}])
        return [c["VpcPeeringConnectionId"] for c in found["VpcPeeringConnections"]]

    assert ids(ec2_a, "status-code", "active") == [pcx]
    assert ids(ec2_b, "requester-vpc-info.vpc-id", p["vpc_a"]) == [pcx]
    assert ids(ec2_a, "accepter-vpc-info.vpc-id", p["vpc_b"]) == [pcx]
    assert ids(ec2_a, "accepter-vpc-info.owner-id", p["b"]) == [pcx]
    assert ids(ec2_a, "status-code", "pending-acceptance") == []

    # tags are each account's own
    ec2_a.create_tags(Resources=[pcx], Tags=[{"Key": "side", "Value": "studio"}])
    assert ids(ec2_a, "tag:side", "studio") == [pcx]
    assert ids(ec2_b, "tag:side", "studio") == []

    with pytest.raises(ClientError) as excinfo:
        ec2_a.create_vpc_peering_connection(
            VpcId=p["vpc_a"], PeerVpcId=p["vpc_b"], PeerOwnerId=p["b"]
        )
    assert error_of(excinfo)[0] == "VpcPeeringConnectionAlreadyExists"

    assert ec2_b.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)["Return"] is True
    seen = ec2_a.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])[
        "VpcPeeringConnections"
    ][0]
    assert seen["Status"] == {"Code": "deleted", "Message": f"Deleted by {p['b']}"}
    with pytest.raises(ClientError) as excinfo:
        ec2_a.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert error_of(excinfo)[0] == "InvalidStateTransition"


def test_peering_reject_overlap_and_missing_peer(server: RunningServer) -> None:
    p = _peer(server, "10.10.0.0/16", "10.20.0.0/16")
    with pytest.raises(ClientError) as excinfo:
        p["ec2_a"].reject_vpc_peering_connection(VpcPeeringConnectionId=p["pcx"])
    assert error_of(excinfo)[0] == "OperationNotPermitted"
    assert p["ec2_b"].reject_vpc_peering_connection(VpcPeeringConnectionId=p["pcx"])["Return"]
    assert _status(p["ec2_a"], p["pcx"]) == "rejected"
    with pytest.raises(ClientError) as excinfo:
        p["ec2_b"].accept_vpc_peering_connection(VpcPeeringConnectionId=p["pcx"])
    assert error_of(excinfo)[0] == "InvalidStateTransition"

    overlap = _peer(server, "10.10.0.0/16", "10.10.128.0/17")
    for ec2 in (overlap["ec2_a"], overlap["ec2_b"]):
        seen = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[overlap["pcx"]])[
            "VpcPeeringConnections"
        ][0]
        assert seen["Status"] == {
            "Code": "failed",
            "Message": "Failed due to incorrect VPC-ID, Account ID, or overlapping CIDR range",
        }

    ec2 = _ec2(server)
    vpc_id = _vpc(ec2, "10.40.0.0/16")
    nowhere = ec2.create_vpc_peering_connection(
        VpcId=vpc_id, PeerVpcId="vpc-0000000000000000a", PeerOwnerId=fresh_account()
    )["VpcPeeringConnection"]
    assert _status(ec2, nowhere["VpcPeeringConnectionId"]) == "failed"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_vpc_peering_connection(VpcId=vpc_id, PeerVpcId="vpc-0000000000000000a")
    assert error_of(excinfo)[0] == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId="pcx-0000000000000000a")
    assert error_of(excinfo)[0] == "InvalidVpcPeeringConnectionID.NotFound"


def test_routes_and_group_references_across_a_peering(server: RunningServer) -> None:
    p = _peer(server, "10.10.0.0/16", "10.20.0.0/16")
    ec2_a, ec2_b, pcx = p["ec2_a"], p["ec2_b"], p["pcx"]
    table_a = _main_table(ec2_a, p["vpc_a"])["RouteTableId"]
    ec2_a.create_route(
        RouteTableId=table_a, DestinationCidrBlock="10.20.0.0/16", VpcPeeringConnectionId=pcx
    )

    def peer_route_state() -> str:
        tables = ec2_a.describe_route_tables(
            Filters=[{"Name": "route.vpc-peering-connection-id", "Values": [pcx]}]
        )["RouteTables"]
        assert [t["RouteTableId"] for t in tables] == [table_a]
        route = next(r for r in tables[0]["Routes"] if r.get("VpcPeeringConnectionId") == pcx)
        return str(route["State"])

    assert peer_route_state() == "blackhole"
    studio_sg = _group(ec2_a, p["vpc_a"], "studio")
    primary_sg = _group(ec2_b, p["vpc_b"], "primary")
    reference = {
        "IpProtocol": "tcp",
        "FromPort": 8998,
        "ToPort": 8998,
        "UserIdGroupPairs": [{"GroupId": studio_sg, "UserId": p["a"]}],
    }
    with pytest.raises(ClientError) as excinfo:
        ec2_b.authorize_security_group_ingress(GroupId=primary_sg, IpPermissions=[reference])
    code, message = error_of(excinfo)
    assert code == "InvalidGroup.NotFound" and "different networks" in message
    ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert peer_route_state() == "active"
    ec2_b.authorize_security_group_ingress(
        GroupId=primary_sg,
        IpPermissions=[{**reference, "UserIdGroupPairs": [{"GroupId": f"{p['a']}/{studio_sg}"}]}],
    )
    pairs = ec2_b.describe_security_groups(GroupIds=[primary_sg])["SecurityGroups"][0][
        "IpPermissions"
    ][0]["UserIdGroupPairs"]
    assert pairs == [
        {
            "GroupId": studio_sg,
            "UserId": p["a"],
            "VpcId": p["vpc_a"],
            "VpcPeeringConnectionId": pcx,
            "PeeringStatus": "active",
        }
    ]
    table_b = _main_table(ec2_b, p["vpc_b"])["RouteTableId"]
    with pytest.raises(ClientError) as excinfo:
        ec2_b.create_route(
            RouteTableId=table_b,
            DestinationCidrBlock="10.10.0.0/16",
            VpcPeeringConnectionId="pcx-0000000000000000b",
        )
    assert error_of(excinfo)[0] == "InvalidVpcPeeringConnectionID.NotFound"
    other_vpc = _vpc(ec2_b, "10.30.0.0/16")
    with pytest.raises(ClientError) as excinfo:
        ec2_b.create_route(
            RouteTableId=_main_table(ec2_b, other_vpc)["RouteTableId"],
            DestinationCidrBlock="10.10.0.0/16",
            VpcPeeringConnectionId=pcx,
        )
    code, message = error_of(excinfo)
    assert code == "InvalidParameterValue" and "different networks" in message
    ec2_a.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert peer_route_state() == "blackhole"


# --------------------------------------------------------------------------- instances


def test_instances_launched_for_cluster_nodes(server: RunningServer) -> None:
    account = fresh_account()
    ec2 = server.client("ec2", account)
    vpc_id = _vpc(ec2, "10.20.0.0/16")
    subnet_id = _subnet(ec2, vpc_id, "10.20.1.0/24")
    primary = _group(ec2, vpc_id, "ElasticMapReduce-master")
    now = server.platform.now()
    with store(server) as session:
        nodes = network_api.launch_instances(
            session,
            account,
            REGION,
            subnet_id,
            [primary],
            2,
            "m5.xlarge",
            {"aws:elasticmapreduce:instance-group-role": "MASTER", "role": "primary"},
            now,
        )
        workers = network_api.launch_instances(
            session, account, REGION, subnet_id, [primary], 1, "m5.large", {"role": "core"}, now
        )
    assert [n.private_ip for n in nodes + workers] == ["10.20.1.4", "10.20.1.5", "10.20.1.6"]
    assert nodes[0].private_dns == "ip-10-20-1-4.ec2.internal"
    reservations = ec2.describe_instances()["Reservations"]
    assert [len(r["Instances"]) for r in reservations] == [2, 1]
    first = reservations[0]["Instances"][0]
    assert reservations[0]["OwnerId"] == account
    assert first["InstanceId"] == nodes[0].instance_id
    assert first["PrivateIpAddress"] == "10.20.1.4"
    assert first["PrivateDnsName"] == "ip-10-20-1-4.ec2.internal"
    assert first["SubnetId"] == subnet_id and first["VpcId"] == vpc_id
    assert first["SecurityGroups"] == [{"GroupId": primary, "GroupName": "ElasticMapReduce-master"}]
    assert first["State"] == {"Code": 16, "Name": "running"}
    assert first["InstanceType"] == "m5.xlarge"
    assert first["Placement"]["AvailabilityZone"] == "us-east-1a"
    assert first["NetworkInterfaces"][0]["Attachment"]["DeviceIndex"] == 0
    assert {"Key": "role", "Value": "primary"} in first["Tags"]
    subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    assert subnet["AvailableIpAddressCount"] == 251 - 3

    def ids(filters: list[dict[str, Any]]) -> list[str]:
        found = ec2.describe_instances(Filters=filters)["Reservations"]
        return [i["InstanceId"] for r in found for i in r["Instances"]]

    assert ids([{"Name": "tag:role", "Values": ["core"]}]) == [workers[0].instance_id]
    assert ids([{"Name": "subnet-id", "Values": [subnet_id]}]) == [
        n.instance_id for n in nodes + workers
    ]
    assert ids([{"Name": "vpc-id", "Values": ["vpc-0000000000000000a"]}]) == []
    assert ids([{"Name": "instance-id", "Values": [nodes[1].instance_id]}]) == [
        nodes[1].instance_id
    ]
    assert ids([{"Name": "private-ip-address", "Values": ["10.20.1.6"]}]) == [
        workers[0].instance_id
    ]
    with store(server) as session:
        network_api.set_instance_state(
            session, account, REGION, [nodes[1].instance_id], "terminated", server.platform.now()
        )
    assert ids([{"Name": "instance-state-name", "Values": ["running"]}]) == [
        nodes[0].instance_id,
        workers[0].instance_id,
    ]
    gone = ec2.describe_instances(InstanceIds=[nodes[1].instance_id])["Reservations"][0][
        "Instances"
    ][0]
    assert gone["State"] == {"Code": 48, "Name": "terminated"}
    assert "PrivateIpAddress" not in gone and gone["NetworkInterfaces"] == []
    assert gone["StateTransitionReason"].startswith("User initiated (")
    with store(server) as session:
        again = network_api.launch_instances(
            session, account, REGION, subnet_id, [], 1, "m5.large", {}, server.platform.now()
        )
    assert again[0].private_ip == "10.20.1.5"  # the terminated node's address is free again
    assert again[0].security_group_ids == (_default_group(ec2, vpc_id),)

    page = ec2.describe_instances(MaxResults=5)
    assert "NextToken" not in page
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_instances(InstanceIds=[nodes[0].instance_id], MaxResults=5)
    assert error_of(excinfo)[0] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_instances(InstanceIds=["i-0000000000000000a"])
    assert error_of(excinfo)[0] == "InvalidInstanceID.NotFound"
    interfaces = ec2.describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-id", "Values": [nodes[0].instance_id]}]
    )["NetworkInterfaces"]
    assert [i["PrivateIpAddress"] for i in interfaces] == ["10.20.1.4"]
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_subnet(SubnetId=subnet_id)
    assert error_of(excinfo)[0] == "DependencyViolation"
    with pytest.raises(ClientError) as excinfo:
        ec2.delete_security_group(GroupId=primary)
    assert error_of(excinfo)[0] == "DependencyViolation"


def test_network_api_errors_and_lookups(server: RunningServer) -> None:
    account = fresh_account()
    now = server.platform.now()
    with store(server) as session:
        subnet = network_api.default_subnet(session, account, REGION, now)
        assert subnet.cidr == "172.31.0.0/20" and subnet.availability_zone == "us-east-1a"
        assert network_api.default_subnet(session, account, REGION, now) == subnet
        assert network_api.get_subnet(session, account, REGION, subnet.subnet_id) == subnet
        assert network_api.get_subnet(session, fresh_account(), REGION, subnet.subnet_id) is None
        group = network_api.create_security_group(
            session,
            account,
            REGION,
            subnet.vpc_id,
            "emr-master",
            "primary",
            now,
            tags={"for": "emr"},
        )
        assert (
            network_api.find_security_group(session, account, REGION, subnet.vpc_id, "emr-master")
            == group
        )
        assert network_api.get_security_group(session, account, REGION, group.group_id) == group
        assert network_api.find_security_group(session, account, REGION, subnet.vpc_id, "x") is None
        with pytest.raises(Exception) as excinfo:
            network_api.launch_instances(
                session, account, REGION, "subnet-0000000000000000a", [], 1, "m5.large", {}, now
            )
        assert getattr(excinfo.value, "code", None) == "InvalidSubnetID.NotFound"
        with pytest.raises(Exception) as excinfo:
            network_api.set_instance_state(
                session, account, REGION, ["i-0000000000000000a"], "running", now
            )
        assert getattr(excinfo.value, "code", None) == "InvalidInstanceID.NotFound"
    ec2 = server.client("ec2", account)
    described = ec2.describe_security_groups(GroupIds=[group.group_id])["SecurityGroups"][0]
    assert described["Tags"] == [{"Key": "for", "Value": "emr"}]
    region = server.session(account, "eu-west-1").client("ec2", endpoint_url=server.url)
    with store(server) as session:
        elsewhere = network_api.default_subnet(session, account, "eu-west-1", now)
        node = network_api.launch_instances(
            session, account, "eu-west-1", elsewhere.subnet_id, [], 1, "m5.large", {}, now
        )[0]
    assert node.private_dns == "ip-172-31-0-4.eu-west-1.compute.internal"
    zones = region.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"]) for z in zones] == [
        ("eu-west-1a", "euw1-az1"),
        ("eu-west-1b", "euw1-az2"),
        ("eu-west-1c", "euw1-az3"),
    ]


# --------------------------------------------------------------------------- tags, zones


def test_tags(server: RunningServer) -> None:
    ec2 = _ec2(server)
    vpc_id = _vpc(ec2, "10.20.0.0/16")
    subnet_id = _subnet(ec2, vpc_id, "10.20.1.0/24")
    group_id = _group(ec2, vpc_id, "tagged")
    rule_id = ec2.authorize_security_group_ingress(
        GroupId=group_id, IpProtocol="tcp", FromPort=1, ToPort=1, CidrIp="10.0.0.0/8"
    )["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    ec2.create_tags(
        Resources=[vpc_id, subnet_id, group_id, rule_id],
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}],
    )
    found = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["team"]}])["Tags"]
    assert sorted((t["ResourceType"], t["ResourceId"]) for t in found) == sorted(
        [
            ("vpc", vpc_id),
            ("subnet", subnet_id),
            ("security-group", group_id),
            ("security-group-rule", rule_id),
        ]
    )
    only_subnets = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": ["subnet"]}])[
        "Tags"
    ]
    assert {(t["Key"], t["Value"]) for t in only_subnets} == {("team", "data"), ("env", "dev")}
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "team", "Value": "other"}])
    ec2.delete_tags(Resources=[vpc_id], Tags=[{"Key": "env"}])
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"] == [
        {"Key": "team", "Value": "data"}
    ]
    ec2.delete_tags(Resources=[subnet_id])
    assert "Tags" not in ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    rules = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])["SecurityGroupRules"]
    assert {"Key": "env", "Value": "dev"} in rules[0]["Tags"]
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=["bogus-123"], Tags=[{"Key": "a", "Value": "b"}])
    assert error_of(excinfo)[0] == "InvalidID"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=["vpc-0000000000000000a"], Tags=[{"Key": "a", "Value": "b"}])
    assert error_of(excinfo)[0] == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as excinfo:
        ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "aws:owned", "Value": "b"}])
    assert error_of(excinfo)[0] == "InvalidParameterValue"


def test_availability_zones(server: RunningServer) -> None:
    ec2 = server.client("ec2", "111111111111")
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert [(z["ZoneName"], z["ZoneId"], z["State"]) for z in zones] == [
        ("us-east-1a", "use1-az1", "available"),
        ("us-east-1b", "use1-az2", "available"),
        ("us-east-1c", "use1-az3", "available"),
        ("us-east-1d", "use1-az4", "available"),
        ("us-east-1e", "use1-az5", "available"),
        ("us-east-1f", "use1-az6", "available"),
    ]
    picked = ec2.describe_availability_zones(Filters=[{"Name": "zone-id", "Values": ["use1-az3"]}])[
        "AvailabilityZones"
    ]
    assert [z["ZoneName"] for z in picked] == ["us-east-1c"]
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_availability_zones(ZoneNames=["us-east-1q"])
    assert error_of(excinfo)[0] == "InvalidParameterValue"


# --------------------------------------------------------------------------- accounts


def test_accounts_are_isolated(server: RunningServer) -> None:
    a, b = _ec2(server), _ec2(server)
    vpc_id = _vpc(a, "10.50.0.0/16", "private")
    group_id = _group(a, vpc_id, "mine")
    assert vpc_id not in {v["VpcId"] for v in b.describe_vpcs()["Vpcs"]}
    for call, kwargs, code in (
        (b.describe_vpcs, {"VpcIds": [vpc_id]}, "InvalidVpcID.NotFound"),
        (b.delete_vpc, {"VpcId": vpc_id}, "InvalidVpcID.NotFound"),
        (b.create_subnet, {"VpcId": vpc_id, "CidrBlock": "10.50.1.0/24"}, "InvalidVpcID.NotFound"),
        (b.delete_security_group, {"GroupId": group_id}, "InvalidGroup.NotFound"),
        (
            b.create_tags,
            {"Resources": [vpc_id], "Tags": [{"Key": "k", "Value": "v"}]},
            "InvalidVpcID.NotFound",
        ),
    ):
        with pytest.raises(ClientError) as excinfo:
            call(**kwargs)
        assert error_of(excinfo)[0] == code
    assert b.describe_tags(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["Tags"] == []
    # the other region of the same account is another world too
    west = server.session(a.describe_vpcs()["Vpcs"][0]["OwnerId"], "us-west-2").client(
        "ec2", endpoint_url=server.url
    )
    assert [v["IsDefault"] for v in west.describe_vpcs()["Vpcs"]] == [True]


# --------------------------------------------------------------------------- the analyzer's view


def test_store_snapshot_matches_what_the_api_describes(server: RunningServer) -> None:
    p = _peer(server, "10.10.0.0/16", "10.20.0.0/16")
    ec2_a, ec2_b, pcx = p["ec2_a"], p["ec2_b"], p["pcx"]
    ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    subnet_a = _subnet(ec2_a, p["vpc_a"], "10.10.1.0/24")
    subnet_b = _subnet(ec2_b, p["vpc_b"], "10.20.1.0/24")
    studio = _group(ec2_a, p["vpc_a"], "studio")
    primary = _group(ec2_b, p["vpc_b"], "primary")
    for ec2, vpc, peer_cidr in (
        (ec2_a, p["vpc_a"], "10.20.0.0/16"),
        (ec2_b, p["vpc_b"], "10.10.0.0/16"),
    ):
        ec2.create_route(
            RouteTableId=_main_table(ec2, vpc)["RouteTableId"],
            DestinationCidrBlock=peer_cidr,
            VpcPeeringConnectionId=pcx,
        )
    ec2_b.authorize_security_group_ingress(
        GroupId=primary,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8998,
                "ToPort": 8998,
                "UserIdGroupPairs": [{"GroupId": studio, "UserId": p["a"]}],
            }
        ],
    )
    with store(server) as session:
        node = network_api.launch_instances(
            session, p["b"], REGION, subnet_b, [primary], 1, "m5.xlarge", {}, server.platform.now()
        )[0]
        from_store = network_api.network_snapshot(session, [p["a"], p["b"]], REGION)
    through_api = snapshot_from_ec2(ec2_a, network_interfaces=True).merge(
        snapshot_from_ec2(ec2_b, network_interfaces=True)
    )
    assert set(from_store.vpcs) == set(through_api.vpcs)
    assert set(from_store.subnets) == set(through_api.subnets)
    assert from_store.route_tables == through_api.route_tables
    assert from_store.security_groups == through_api.security_groups
    assert from_store.peering_connections[pcx].status == "active"
    assert from_store.peering_connections[pcx].accepter.owner == p["b"]
    eni = through_api.interfaces_of_instance(node.instance_id)[0]
    assert (eni.private_ip, eni.subnet_id, eni.security_group_ids) == (
        node.private_ip,
        subnet_b,
        (primary,),
    )
    source = Source(account=p["a"], subnet_id=subnet_a, security_group_ids=(studio,))
    destination = Destination(port=8998, instance_id=node.instance_id)
    for snapshot in (from_store, through_api):
        verdict = analyze(snapshot, source, destination)
        assert verdict.reachable, verdict.sentence()


def test_inter_region_peering_is_accepted_in_the_peer_region(server: RunningServer) -> None:
    a, b = fresh_account(), fresh_account()
    east_a = server.client("ec2", a)
    west_b = server.session(b, "us-west-2").client("ec2", endpoint_url=server.url)
    east_b = server.client("ec2", b)
    vpc_a, vpc_b = _vpc(east_a, "10.10.0.0/16"), _vpc(west_b, "10.20.0.0/16")
    pcx = east_a.create_vpc_peering_connection(
        VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=b, PeerRegion="us-west-2"
    )["VpcPeeringConnection"]
    assert pcx["AccepterVpcInfo"]["Region"] == "us-west-2"
    assert pcx["RequesterVpcInfo"]["Region"] == REGION
    pcx_id = pcx["VpcPeeringConnectionId"]
    with pytest.raises(ClientError) as excinfo:
        east_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert error_of(excinfo)[0] == "InvalidVpcPeeringConnectionID.NotFound"
    west_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx_id)
    assert _status(east_a, pcx_id) == "active"
    # a route can switch from an internet gateway to the peering
    table = _main_table(east_a, vpc_a)["RouteTableId"]
    gateway = east_a.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    east_a.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc_a)
    east_a.create_route(RouteTableId=table, DestinationCidrBlock="10.20.0.0/16", GatewayId=gateway)
    east_a.replace_route(
        RouteTableId=table, DestinationCidrBlock="10.20.0.0/16", VpcPeeringConnectionId=pcx_id
    )
    routes = {
        r["DestinationCidrBlock"]: r
        for r in east_a.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    }
    assert routes["10.20.0.0/16"]["VpcPeeringConnectionId"] == pcx_id
    assert "GatewayId" not in routes["10.20.0.0/16"]
    assert routes["10.20.0.0/16"]["State"] == "active"
    with pytest.raises(ClientError) as excinfo:
        east_a.delete_internet_gateway(InternetGatewayId=gateway)
    assert error_of(excinfo)[0] == "DependencyViolation"

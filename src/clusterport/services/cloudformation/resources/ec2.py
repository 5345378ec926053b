"""Network resources (``AWS::EC2::*``) through the EC2 API.

Each handler maps CloudFormation's properties onto the EC2 calls that make
the resource, tags what EC2 can tag with the stack's tags and
CloudFormation's three ``aws:cloudformation:*`` tags, and undoes it on delete.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from clusterport.services.cloudformation.resources.base import (
    ResourceApi,
    ResourceFailed,
    ResourceHandler,
    ResourceRequest,
    changed_properties,
    require,
    text,
)
from clusterport.services.ec2 import tags as ec2_tags
from clusterport.services.ec2.records import Ec2Records
from clusterport.services.principals import role_session

#: Attempts at deleting a resource that something else still uses, one second apart
#: (CloudFormation retries too: a cluster's instances release a group only as they stop).
DEPENDENCY_RETRIES = 30
_DEPENDENCY_CODES = ("DependencyViolation", "InvalidGroup.InUse", "ResourceInUse")


def tag_specifications(
    api: ResourceApi, request: ResourceRequest, resource_type: str
) -> list[dict[str, Any]]:
    """EC2's TagSpecifications for a new resource of the stack (the stack's and its own tags)."""
    tags = api.resource_tags(request.logical_id, request.properties.get("Tags"), reserved=False)
    return [{"ResourceType": resource_type, "Tags": tags}] if tags else []


def mark_as_stack_resource(api: ResourceApi, request: ResourceRequest, resource_id: str) -> None:
    """Give a new EC2 resource the stack's ``aws:`` tags (``aws:cloudformation:*`` …).

    EC2's API refuses ``aws:`` keys from callers, as on AWS, so these system
    tags go through EC2's domain code, the way AWS applies them itself.
    """
    platform = api.caller.platform
    with platform.db.session() as session:
        records = Ec2Records(session, api.scope.account_id, api.scope.region)
        ec2_tags.create_tags(
            records, [resource_id], api.system_tags(request.logical_id), platform.now()
        )


async def retag(api: ResourceApi, request: ResourceRequest, resource_id: str) -> None:
    """Bring a resource's user tags in line with its ``Tags`` property after an update."""
    previous = request.previous_properties or {}
    old = {str(t["Key"]): str(t.get("Value", "")) for t in previous.get("Tags") or ()}
    new = {str(t["Key"]): str(t.get("Value", "")) for t in request.properties.get("Tags") or ()}
    gone = [k for k in old if k not in new]
    if gone:
        await api.call(
            "ec2", "DeleteTags", {"Resources": [resource_id], "Tags": [{"Key": k} for k in gone]}
        )
    changed = [{"Key": k, "Value": v} for k, v in new.items() if old.get(k) != v]
    if changed:
        await api.call("ec2", "CreateTags", {"Resources": [resource_id], "Tags": changed})


async def delete_retrying(
    api: ResourceApi, operation: str, params: Mapping[str, Any], missing: Sequence[str]
) -> None:
    """Delete, retrying while the resource is still in use; a missing resource counts as gone."""
    for attempt in range(DEPENDENCY_RETRIES):
        try:
            await api.call("ec2", operation, params)
            return
        except ResourceFailed as failure:
            if any(code in failure.reason for code in missing):
                return
            in_use = any(code in failure.reason for code in _DEPENDENCY_CODES)
            if not in_use or attempt == DEPENDENCY_RETRIES - 1:
                raise
        await asyncio.sleep(1.0)


def _boolean(value: Any) -> bool:
    return str(value).lower() == "true"


class Vpc(ResourceHandler):
    """``AWS::EC2::VPC``."""

    type_name = "AWS::EC2::VPC"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {"EnableDnsHostnames", "EnableDnsSupport", "Tags"}
    )
    attribute_names = ("CidrBlock", "DefaultSecurityGroup", "VpcId", "CidrBlockAssociations")

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        params: dict[str, Any] = {
            "CidrBlock": require(props, "CidrBlock", self.type_name),
            "TagSpecifications": tag_specifications(api, request, "vpc"),
        }
        if props.get("InstanceTenancy") is not None:
            params["InstanceTenancy"] = props["InstanceTenancy"]
        result = await api.call("ec2", "CreateVpc", params)
        vpc_id = str(result["Vpc"]["VpcId"])
        mark_as_stack_resource(api, request, vpc_id)
        await self._attributes(api, vpc_id, props, None)
        return vpc_id

    async def _attributes(
        self,
        api: ResourceApi,
        vpc_id: str,
        props: Mapping[str, Any],
        old: Mapping[str, Any] | None,
    ) -> None:
        # EC2 takes one attribute per ModifyVpcAttribute call.
        for key in ("EnableDnsSupport", "EnableDnsHostnames"):
            if key in props and (old is None or old.get(key) != props[key]):
                await api.call(
                    "ec2", "ModifyVpcAttribute", {"VpcId": vpc_id, key: {"Value": props[key]}}
                )

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        vpc_id = str(request.physical_id)
        found = await api.lookup("ec2", "DescribeVpcs", {"VpcIds": [vpc_id]})
        vpc = (found.get("Vpcs") or [{}])[0]
        groups = await api.lookup(
            "ec2",
            "DescribeSecurityGroups",
            {
                "Filters": [
                    {"Name": "vpc-id", "Values": [vpc_id]},
                    {"Name": "group-name", "Values": ["default"]},
                ]
            },
        )
        default_group = (groups.get("SecurityGroups") or [{}])[0].get("GroupId")
        return {
            "VpcId": vpc_id,
            "CidrBlock": vpc.get("CidrBlock", request.properties.get("CidrBlock")),
            "CidrBlockAssociations": [
                a.get("AssociationId") for a in vpc.get("CidrBlockAssociationSet") or ()
            ],
            "DefaultSecurityGroup": default_group,
        }

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        vpc_id = str(request.physical_id)
        await self._attributes(api, vpc_id, request.properties, request.previous_properties)
        if "Tags" in changed_properties(request.previous_properties, request.properties):
            await retag(api, request, vpc_id)
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        await delete_retrying(
            api, "DeleteVpc", {"VpcId": request.physical_id}, ["InvalidVpcID.NotFound"]
        )


class Subnet(ResourceHandler):
    """``AWS::EC2::Subnet``."""

    type_name = "AWS::EC2::Subnet"
    updatable: ClassVar[frozenset[str]] = frozenset({"MapPublicIpOnLaunch", "Tags"})
    attribute_names = ("AvailabilityZone", "CidrBlock", "SubnetId", "VpcId")

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        params: dict[str, Any] = {
            "VpcId": require(props, "VpcId", self.type_name),
            "CidrBlock": require(props, "CidrBlock", self.type_name),
            "TagSpecifications": tag_specifications(api, request, "subnet"),
        }
        for key in ("AvailabilityZone", "AvailabilityZoneId"):
            if props.get(key) is not None:
                params[key] = props[key]
        result = await api.call("ec2", "CreateSubnet", params)
        subnet_id = str(result["Subnet"]["SubnetId"])
        mark_as_stack_resource(api, request, subnet_id)
        if _boolean(props.get("MapPublicIpOnLaunch")):
            await api.call(
                "ec2",
                "ModifySubnetAttribute",
                {"SubnetId": subnet_id, "MapPublicIpOnLaunch": {"Value": True}},
            )
        return subnet_id

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        found = await api.lookup("ec2", "DescribeSubnets", {"SubnetIds": [request.physical_id]})
        subnet = (found.get("Subnets") or [{}])[0]
        return {
            "SubnetId": request.physical_id,
            "VpcId": subnet.get("VpcId"),
            "CidrBlock": subnet.get("CidrBlock"),
            "AvailabilityZone": subnet.get("AvailabilityZone"),
            "AvailabilityZoneId": subnet.get("AvailabilityZoneId"),
        }

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        changed = changed_properties(request.previous_properties, request.properties)
        subnet_id = str(request.physical_id)
        if "MapPublicIpOnLaunch" in changed:
            await api.call(
                "ec2",
                "ModifySubnetAttribute",
                {
                    "SubnetId": subnet_id,
                    "MapPublicIpOnLaunch": {
                        "Value": _boolean(request.properties.get("MapPublicIpOnLaunch"))
                    },
                },
            )
        if "Tags" in changed:
            await retag(api, request, subnet_id)
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        await delete_retrying(
            api, "DeleteSubnet", {"SubnetId": request.physical_id}, ["InvalidSubnetID.NotFound"]
        )


class RouteTable(ResourceHandler):
    """``AWS::EC2::RouteTable``."""

    type_name = "AWS::EC2::RouteTable"
    updatable: ClassVar[frozenset[str]] = frozenset({"Tags"})
    attribute_names = ("RouteTableId",)

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        result = await api.call(
            "ec2",
            "CreateRouteTable",
            {
                "VpcId": require(request.properties, "VpcId", self.type_name),
                "TagSpecifications": tag_specifications(api, request, "route-table"),
            },
        )
        route_table_id = str(result["RouteTable"]["RouteTableId"])
        mark_as_stack_resource(api, request, route_table_id)
        return route_table_id

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        return {"RouteTableId": request.physical_id}

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        await retag(api, request, str(request.physical_id))
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        await delete_retrying(
            api,
            "DeleteRouteTable",
            {"RouteTableId": request.physical_id},
            ["InvalidRouteTableID.NotFound"],
        )


#: CloudFormation's Route properties that name where traffic goes.
ROUTE_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "InstanceId",
    "VpcPeeringConnectionId",
    "TransitGatewayId",
    "NetworkInterfaceId",
    "EgressOnlyInternetGatewayId",
    "VpcEndpointId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "CoreNetworkArn",
)
_ROUTE_DESTINATIONS = (
    "DestinationCidrBlock",
    "DestinationIpv6CidrBlock",
    "DestinationPrefixListId",
)


class Route(ResourceHandler):
    """``AWS::EC2::Route``: one route of a route table; its physical ID is ``table|destination``."""

    type_name = "AWS::EC2::Route"
    updatable: ClassVar[frozenset[str]] = frozenset(ROUTE_TARGETS)

    @staticmethod
    def _destination(props: Mapping[str, Any]) -> dict[str, Any]:
        found = {k: props[k] for k in _ROUTE_DESTINATIONS if props.get(k) is not None}
        if len(found) != 1:
            raise ResourceFailed(
                "AWS::EC2::Route needs exactly one of DestinationCidrBlock, "
                "DestinationIpv6CidrBlock or DestinationPrefixListId."
            )
        return found

    def _params(self, props: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "RouteTableId": require(props, "RouteTableId", self.type_name),
            **self._destination(props),
        }
        targets = {k: props[k] for k in ROUTE_TARGETS if props.get(k) is not None}
        if len(targets) != 1:
            raise ResourceFailed(
                "AWS::EC2::Route needs exactly one target: "
                f"{', '.join(ROUTE_TARGETS)} (found {len(targets)})."
            )
        params.update(targets)
        return params

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        params = self._params(request.properties)
        await api.call("ec2", "CreateRoute", params)
        destination = next(iter(self._destination(request.properties).values()))
        return f"{params['RouteTableId']}|{destination}"

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        await api.call("ec2", "ReplaceRoute", self._params(request.properties))
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        props = request.properties
        params = {"RouteTableId": props.get("RouteTableId"), **self._destination(props)}
        await delete_retrying(
            api, "DeleteRoute", params, ["InvalidRoute.NotFound", "InvalidRouteTableID.NotFound"]
        )


class SubnetRouteTableAssociation(ResourceHandler):
    """``AWS::EC2::SubnetRouteTableAssociation``: its physical ID is the association ID."""

    type_name = "AWS::EC2::SubnetRouteTableAssociation"
    attribute_names = ("Id",)

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        result = await api.call(
            "ec2",
            "AssociateRouteTable",
            {
                "SubnetId": require(props, "SubnetId", self.type_name),
                "RouteTableId": require(props, "RouteTableId", self.type_name),
            },
        )
        return str(result["AssociationId"])

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        return {"Id": request.physical_id}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        await delete_retrying(
            api,
            "DisassociateRouteTable",
            {"AssociationId": request.physical_id},
            ["InvalidAssociationID.NotFound"],
        )


def _all_protocols(protocol: str) -> bool:
    return protocol in ("-1", "all")


def ip_permission(rule: Mapping[str, Any], *, egress: bool) -> dict[str, Any]:
    """One CloudFormation ingress/egress rule as EC2's IpPermission."""
    protocol = str(rule.get("IpProtocol", ""))
    if not protocol:
        raise ResourceFailed("Every security group rule needs IpProtocol (tcp, udp, icmp or -1).")
    permission: dict[str, Any] = {"IpProtocol": "-1" if _all_protocols(protocol) else protocol}
    if not _all_protocols(protocol):
        for key in ("FromPort", "ToPort"):
            if rule.get(key) is not None:
                permission[key] = rule[key]
    description = rule.get("Description")
    extra = {"Description": description} if description is not None else {}
    if rule.get("CidrIp") is not None:
        permission["IpRanges"] = [{"CidrIp": rule["CidrIp"], **extra}]
    if rule.get("CidrIpv6") is not None:
        permission["Ipv6Ranges"] = [{"CidrIpv6": rule["CidrIpv6"], **extra}]
    group_key = "DestinationSecurityGroupId" if egress else "SourceSecurityGroupId"
    prefix_key = "DestinationPrefixListId" if egress else "SourcePrefixListId"
    if rule.get(group_key) is not None:
        pair: dict[str, Any] = {"GroupId": rule[group_key], **extra}
        if not egress and rule.get("SourceSecurityGroupOwnerId") is not None:
            pair["UserId"] = rule["SourceSecurityGroupOwnerId"]
        permission["UserIdGroupPairs"] = [pair]
    elif not egress and rule.get("SourceSecurityGroupName") is not None:
        permission["UserIdGroupPairs"] = [{"GroupName": rule["SourceSecurityGroupName"], **extra}]
    if rule.get(prefix_key) is not None:
        permission["PrefixListIds"] = [{"PrefixListId": rule[prefix_key], **extra}]
    sources = ("IpRanges", "Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds")
    if not any(k in permission for k in sources):
        where = "destination" if egress else "source"
        raise ResourceFailed(
            f"A security group rule needs a {where}: CidrIp, CidrIpv6, {group_key} or {prefix_key}."
        )
    return permission


def _allow_all_egress() -> dict[str, Any]:
    """The rule EC2 gives every new group: all outbound traffic allowed."""
    return {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


class SecurityGroup(ResourceHandler):
    """``AWS::EC2::SecurityGroup`` with its inline ingress and egress rules.

    As in CloudFormation, giving ``SecurityGroupEgress`` replaces the default
    rule that allows all outbound traffic.
    """

    type_name = "AWS::EC2::SecurityGroup"
    updatable: ClassVar[frozenset[str]] = frozenset(
        {"SecurityGroupIngress", "SecurityGroupEgress", "Tags"}
    )
    attribute_names = ("GroupId", "VpcId")

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        params: dict[str, Any] = {
            "GroupName": text(props, "GroupName")
            or api.physical_name(request.logical_id, max_length=255),
            "Description": require(props, "GroupDescription", self.type_name),
            "TagSpecifications": tag_specifications(api, request, "security-group"),
        }
        if props.get("VpcId") is not None:
            params["VpcId"] = props["VpcId"]
        result = await api.call("ec2", "CreateSecurityGroup", params)
        group_id = str(result["GroupId"])
        mark_as_stack_resource(api, request, group_id)
        await self._rules(api, group_id, {}, props)
        return group_id

    async def _rules(
        self, api: ResourceApi, group_id: str, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> None:
        for key, egress in (("SecurityGroupIngress", False), ("SecurityGroupEgress", True)):
            before = [ip_permission(r, egress=egress) for r in old.get(key) or ()]
            after = [ip_permission(r, egress=egress) for r in new.get(key) or ()]
            if egress and not old.get(key) and new.get(key):
                before = [_allow_all_egress()]  # the default rule EC2 gave the new group
            if egress and old.get(key) and not new.get(key):
                after = [_allow_all_egress()]
            kind = "Egress" if egress else "Ingress"
            removed = [p for p in before if p not in after]
            added = [p for p in after if p not in before]
            if removed:
                await api.call(
                    "ec2",
                    f"RevokeSecurityGroup{kind}",
                    {"GroupId": group_id, "IpPermissions": removed},
                )
            if added:
                await api.call(
                    "ec2",
                    f"AuthorizeSecurityGroup{kind}",
                    {"GroupId": group_id, "IpPermissions": added},
                )

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        found = await api.lookup(
            "ec2", "DescribeSecurityGroups", {"GroupIds": [request.physical_id]}
        )
        group = (found.get("SecurityGroups") or [{}])[0]
        return {"GroupId": request.physical_id, "VpcId": group.get("VpcId")}

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        group_id = str(request.physical_id)
        await self._rules(api, group_id, request.previous_properties or {}, request.properties)
        if "Tags" in changed_properties(request.previous_properties, request.properties):
            await retag(api, request, group_id)
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        await delete_retrying(
            api,
            "DeleteSecurityGroup",
            {"GroupId": request.physical_id},
            ["InvalidGroup.NotFound", "InvalidGroupId.NotFound"],
        )


class _SecurityGroupRule(ResourceHandler):
    """A standalone rule of an existing group; its physical ID is the rule's ID."""

    egress: ClassVar[bool]
    kind: ClassVar[str]

    def _params(self, props: Mapping[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {"IpPermissions": [ip_permission(props, egress=self.egress)]}
        if props.get("GroupId") is not None:
            params["GroupId"] = props["GroupId"]
        elif not self.egress and props.get("GroupName") is not None:
            params["GroupName"] = props["GroupName"]
        else:
            raise ResourceFailed(f"{self.type_name} needs GroupId (the group the rule belongs to).")
        return params

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        result = await api.call(
            "ec2", f"AuthorizeSecurityGroup{self.kind}", self._params(request.properties)
        )
        rules = result.get("SecurityGroupRules") or []
        if rules and rules[0].get("SecurityGroupRuleId"):
            return str(rules[0]["SecurityGroupRuleId"])
        return api.physical_name(request.logical_id, max_length=128)

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        await delete_retrying(
            api,
            f"RevokeSecurityGroup{self.kind}",
            self._params(request.properties),
            ["InvalidPermission.NotFound", "InvalidGroup.NotFound", "InvalidGroupId.NotFound"],
        )


class SecurityGroupIngress(_SecurityGroupRule):
    """``AWS::EC2::SecurityGroupIngress``."""

    type_name = "AWS::EC2::SecurityGroupIngress"
    egress = False
    kind = "Ingress"


class SecurityGroupEgress(_SecurityGroupRule):
    """``AWS::EC2::SecurityGroupEgress``."""

    type_name = "AWS::EC2::SecurityGroupEgress"
    egress = True
    kind = "Egress"


class VpcPeeringConnection(ResourceHandler):
    """``AWS::EC2::VPCPeeringConnection``.

    Within one account the stack accepts the request itself. Toward another
    account it accepts as ``PeerRoleArn`` (a role of the peer account that the
    stack's principal may act as); without it the request waits in
    ``pending-acceptance`` for the peer's admin, as on AWS.
    """

    type_name = "AWS::EC2::VPCPeeringConnection"
    updatable: ClassVar[frozenset[str]] = frozenset({"Tags"})
    attribute_names = ("Id",)

    async def create(self, api: ResourceApi, request: ResourceRequest) -> str:
        props = request.properties
        params: dict[str, Any] = {
            "VpcId": require(props, "VpcId", self.type_name),
            "PeerVpcId": require(props, "PeerVpcId", self.type_name),
            "TagSpecifications": tag_specifications(api, request, "vpc-peering-connection"),
        }
        for key in ("PeerOwnerId", "PeerRegion"):
            if props.get(key) is not None:
                params[key] = props[key]
        result = await api.call("ec2", "CreateVpcPeeringConnection", params)
        peering_id = str(result["VpcPeeringConnection"]["VpcPeeringConnectionId"])
        mark_as_stack_resource(api, request, peering_id)
        owner = str(props.get("PeerOwnerId") or api.scope.account_id)
        accept = {"VpcPeeringConnectionId": peering_id}
        if owner == api.scope.account_id:
            await api.call("ec2", "AcceptVpcPeeringConnection", accept)
        elif props.get("PeerRoleArn"):
            accepter = await role_session(
                api.caller, str(props["PeerRoleArn"]), "AWSCloudFormation", api.scope.region
            )
            await api.call_as(accepter, "ec2", "AcceptVpcPeeringConnection", accept)
        return peering_id

    async def check_created(
        self, api: ResourceApi, request: ResourceRequest
    ) -> Mapping[str, Any] | None:
        return {"Id": request.physical_id}

    async def update(self, api: ResourceApi, request: ResourceRequest) -> Mapping[str, Any]:
        await retag(api, request, str(request.physical_id))
        return {}

    async def delete(self, api: ResourceApi, request: ResourceRequest) -> None:
        await delete_retrying(
            api,
            "DeleteVpcPeeringConnection",
            {"VpcPeeringConnectionId": request.physical_id},
            ["InvalidVpcPeeringConnectionID.NotFound"],
        )


HANDLERS: tuple[type[ResourceHandler], ...] = (
    Vpc,
    Subnet,
    RouteTable,
    Route,
    SubnetRouteTableAssociation,
    SecurityGroup,
    SecurityGroupIngress,
    SecurityGroupEgress,
    VpcPeeringConnection,
)

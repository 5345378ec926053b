"""The EC2 API (networks across accounts) over the EC2 domain modules.

Each operation opens one store transaction bound to the caller's account and
region (creating the default VPC on the region's first use, as AWS does),
calls the domain code and returns the output shape's members. ``DryRun``
answers ``DryRunOperation`` once the caller is authorized, as on AWS.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, cast

from clusterport.errors import ServiceError
from clusterport.services.base import Provider, RequestContext, ResourceArns
from clusterport.services.ec2 import (
    gateways,
    instances,
    peering,
    routes,
    security_groups,
    tags,
    vpcs,
)
from clusterport.services.ec2 import shapes_generated as shapes
from clusterport.services.ec2.errors import invalid_combination, unsupported
from clusterport.services.ec2.filters import Accessor, apply_filters, field
from clusterport.services.ec2.pagination import page
from clusterport.services.ec2.records import (
    INSTANCE,
    INTERNET_GATEWAY,
    ROUTE_TABLE,
    SECURITY_GROUP,
    SUBNET,
    VPC,
    Ec2Records,
    kind_of,
    tags_from_list,
    tags_from_specs,
)
from clusterport.services.ec2.zones import zones

Result = dict[str, Any]

_ZONE_FILTERS: dict[str, Accessor] = {
    "group-name": field("GroupName"),
    "opt-in-status": field("OptInStatus"),
    "region-name": field("RegionName"),
    "state": field("State"),
    "zone-id": field("ZoneId"),
    "zone-name": field("ZoneName"),
    "zone-type": field("ZoneType"),
}


def _arn(kind: str, key: str) -> ResourceArns:
    """The ARN of the resource whose id is the parameter ``key``."""

    def resources(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
        value = params.get(key)
        return [ctx.arn("ec2", f"{kind}/{value}")] if value else ["*"]

    return resources


def _new(kind: str, *, vpc_key: str | None = None) -> ResourceArns:
    """A resource being created: ``<kind>/*`` (its id does not exist yet, as on AWS), and the
    VPC it is created in when the request names one."""

    def resources(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
        arns = [ctx.arn("ec2", f"{kind}/*")]
        if vpc_key and params.get(vpc_key):
            arns.append(ctx.arn("ec2", f"vpc/{params[vpc_key]}"))
        return arns

    return resources


def _group_arn(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
    """The security group named by ``GroupId``, or by ``GroupName`` in the default VPC."""
    if params.get("GroupId"):
        return [ctx.arn("ec2", f"security-group/{params['GroupId']}")]
    with ctx.platform.db.session() as session:
        rec = Ec2Records(session, ctx.account_id, ctx.region)
        try:
            group_id = security_groups.resolve_group(rec, None, params.get("GroupName")).resource_id
        except ServiceError:
            group_id = "*"  # the operation itself then reports the missing or unknown group
    return [ctx.arn("ec2", f"security-group/{group_id}")]


def _tagged_resources(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
    """The ARN of every resource a CreateTags or DeleteTags request names."""
    arns = []
    for resource_id in params.get("Resources") or ():
        kind = kind_of(str(resource_id))
        # An id of no known kind still names a resource of its own: never ``*``.
        arns.append(ctx.arn("ec2", f"{kind or 'resource'}/{resource_id}"))
    return arns


def _association_table(ctx: RequestContext, params: Mapping[str, Any]) -> list[str]:
    """The route table a route-table association belongs to."""
    with ctx.platform.db.session() as session:
        rec = Ec2Records(session, ctx.account_id, ctx.region)
        table_id = routes.association_table(rec, str(params["AssociationId"]))
    # An unknown association is reported by the operation itself, after authorization.
    return [ctx.arn("ec2", f"route-table/{table_id or '*'}")]


class Ec2Provider(Provider):
    """The EC2 API subset for networks: VPCs, subnets, routes, groups, peering, instances."""

    service = "ec2"
    iam_prefix = "ec2"
    resource_arns: ClassVar[Mapping[str, ResourceArns]] = {
        "DeleteVpc": _arn("vpc", "VpcId"),
        "ModifyVpcAttribute": _arn("vpc", "VpcId"),
        "CreateSubnet": _arn("vpc", "VpcId"),
        "DeleteSubnet": _arn("subnet", "SubnetId"),
        "CreateRouteTable": _arn("vpc", "VpcId"),
        "DeleteRouteTable": _arn("route-table", "RouteTableId"),
        "CreateRoute": _arn("route-table", "RouteTableId"),
        "ReplaceRoute": _arn("route-table", "RouteTableId"),
        "DeleteRoute": _arn("route-table", "RouteTableId"),
        "AssociateRouteTable": _arn("route-table", "RouteTableId"),
        "ReplaceRouteTableAssociation": _arn("route-table", "RouteTableId"),
        "DeleteSecurityGroup": _group_arn,
        "AuthorizeSecurityGroupIngress": _group_arn,
        "AuthorizeSecurityGroupEgress": _group_arn,
        "RevokeSecurityGroupIngress": _group_arn,
        "RevokeSecurityGroupEgress": _group_arn,
        "CreateVpcPeeringConnection": _arn("vpc", "VpcId"),
        "AcceptVpcPeeringConnection": _arn("vpc-peering-connection", "VpcPeeringConnectionId"),
        "RejectVpcPeeringConnection": _arn("vpc-peering-connection", "VpcPeeringConnectionId"),
        "DeleteVpcPeeringConnection": _arn("vpc-peering-connection", "VpcPeeringConnectionId"),
        "ModifyVpcPeeringConnectionOptions": _arn(
            "vpc-peering-connection", "VpcPeeringConnectionId"
        ),
        "AttachInternetGateway": _arn("internet-gateway", "InternetGatewayId"),
        "DetachInternetGateway": _arn("internet-gateway", "InternetGatewayId"),
        "DeleteInternetGateway": _arn("internet-gateway", "InternetGatewayId"),
        "CreateVpc": _new("vpc"),
        "CreateInternetGateway": _new("internet-gateway"),
        "CreateSecurityGroup": _new("security-group", vpc_key="VpcId"),
        "DisassociateRouteTable": _association_table,
        "CreateTags": _tagged_resources,
        "DeleteTags": _tagged_resources,
    }
    #: Describe calls have no resource-level permissions on AWS.
    no_resource_operations: ClassVar[frozenset[str]] = frozenset(
        {
            "DescribeVpcs", "DescribeVpcAttribute", "DescribeSubnets", "DescribeRouteTables",
            "DescribeInternetGateways", "DescribeSecurityGroups", "DescribeSecurityGroupRules",
            "DescribeVpcPeeringConnections", "DescribeInstances", "DescribeNetworkInterfaces",
            "DescribeTags", "DescribeAvailabilityZones", "DescribeAccountAttributes",
        }
    )  # fmt: skip

    # ---- plumbing ------------------------------------------------------------------------
    @contextmanager
    def _records(self, ctx: RequestContext, params: Mapping[str, Any]) -> Iterator[Ec2Records]:
        if params.get("DryRun"):
            raise ServiceError(
                "Request would have succeeded, but DryRun flag is set.",
                code="DryRunOperation",
                status=412,
                sender_fault=True,
            )
        with ctx.platform.db.session() as session:
            rec = Ec2Records(session, ctx.account_id, ctx.region)
            vpcs.ensure_region(rec, ctx.now)
            yield rec

    @staticmethod
    def _listing(
        ctx: RequestContext,
        params: Mapping[str, Any],
        items: Sequence[Mapping[str, Any]],
        filters: Mapping[str, Accessor],
        key: str,
        *,
        token_key: str = "NextToken",
        max_key: str = "MaxResults",
        strip: Sequence[str] = (),
    ) -> Result:
        found = apply_filters(items, params.get("Filters"), filters, operation=ctx.operation)
        chunk, token = page(found, params, ctx.operation, max_key=max_key, token_key=token_key)
        if strip:
            chunk = [{k: v for k, v in item.items() if k not in strip} for item in chunk]
        out: Result = {key: chunk}
        if token:
            out["NextToken"] = token
        return out

    # ---- VPCs ----------------------------------------------------------------------------
    async def create_vpc(
        self, ctx: RequestContext, params: shapes.CreateVpcRequest
    ) -> shapes.CreateVpcResult:
        """A VPC names the region's default DHCP options set (``dopt-…``, one per account and
        region), as on AWS.
        """
        for name in ("Ipv4IpamPoolId", "Ipv6IpamPoolId", "Ipv6CidrBlock", "Ipv6Pool"):
            if params.get(name):
                raise unsupported(
                    f"{name} is not offered on this platform; create the VPC with an IPv4 "
                    "CidrBlock."
                )
        if params.get("AmazonProvidedIpv6CidrBlock"):
            raise unsupported(
                "IPv6 blocks are not offered on this platform; create the VPC with an IPv4 "
                "CidrBlock."
            )
        with self._records(ctx, params) as rec:
            row = vpcs.create_vpc(
                rec,
                params.get("CidrBlock"),
                ctx.now,
                tags=tags_from_specs(params.get("TagSpecifications"), "vpc"),
                tenancy=str(params.get("InstanceTenancy") or "default"),
            )
            return {"Vpc": cast(shapes.Vpc, {**vpcs.vpc_view(row), "State": "pending"})}

    async def describe_vpcs(
        self, ctx: RequestContext, params: shapes.DescribeVpcsRequest
    ) -> shapes.DescribeVpcsResult:
        """Filters include ``dhcp-options-id`` and the documented ``ipv6-cidr-block-association.*``
        names.
        """
        with self._records(ctx, params) as rec:
            items = [vpcs.vpc_view(r) for r in rec.select(VPC, params.get("VpcIds"))]
            return cast(
                shapes.DescribeVpcsResult,
                self._listing(ctx, params, items, vpcs.VPC_FILTERS, "Vpcs"),
            )

    async def delete_vpc(
        self, ctx: RequestContext, params: shapes.DeleteVpcRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            vpcs.delete_vpc(rec, params["VpcId"], ctx.now)
        return {}

    async def describe_vpc_attribute(
        self, ctx: RequestContext, params: shapes.DescribeVpcAttributeRequest
    ) -> shapes.DescribeVpcAttributeResult:
        with self._records(ctx, params) as rec:
            return cast(
                shapes.DescribeVpcAttributeResult,
                vpcs.vpc_attribute(rec, params["VpcId"], params["Attribute"]),
            )

    async def modify_vpc_attribute(
        self, ctx: RequestContext, params: shapes.ModifyVpcAttributeRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            vpcs.modify_vpc_attribute(rec, params["VpcId"], params, ctx.now)
        return {}

    # ---- subnets -------------------------------------------------------------------------
    async def create_subnet(
        self, ctx: RequestContext, params: shapes.CreateSubnetRequest
    ) -> shapes.CreateSubnetResult:
        """The subnet has the members AWS returns for a new subnet (see DescribeSubnets); the zone
        is one of the region's zones as AWS has them.
        """
        for name in ("Ipv6CidrBlock", "Ipv6Native", "Ipv4IpamPoolId", "OutpostArn"):
            if params.get(name):
                raise unsupported(
                    f"{name} is not offered on this platform; create the subnet with an IPv4 "
                    "CidrBlock."
                )
        with self._records(ctx, params) as rec:
            row = vpcs.create_subnet(
                rec,
                params["VpcId"],
                params.get("CidrBlock"),
                ctx.now,
                zone_name=params.get("AvailabilityZone"),
                zone_id=params.get("AvailabilityZoneId"),
                tags=tags_from_specs(params.get("TagSpecifications"), "subnet"),
            )
            return {"Subnet": cast(shapes.Subnet, vpcs.subnet_view(rec, row))}

    async def describe_subnets(
        self, ctx: RequestContext, params: shapes.DescribeSubnetsRequest
    ) -> shapes.DescribeSubnetsResult:
        """Every filter EC2 documents, with its aliases (``availabilityZone``,
        ``availabilityZoneId``, ``cidr``/``cidrBlock``, ``defaultForAz``). Subnets carry
        ``PrivateDnsNameOptionsOnLaunch`` (``ip-name``), ``Ipv6Native``, ``EnableDns64``,
        ``MapCustomerOwnedIpOnLaunch`` and ``BlockPublicAccessStates`` as AWS returns them for a
        new subnet.
        """
        with self._records(ctx, params) as rec:
            items = [vpcs.subnet_view(rec, r) for r in rec.select(SUBNET, params.get("SubnetIds"))]
            return cast(
                shapes.DescribeSubnetsResult,
                self._listing(ctx, params, items, vpcs.SUBNET_FILTERS, "Subnets"),
            )

    async def delete_subnet(
        self, ctx: RequestContext, params: shapes.DeleteSubnetRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            vpcs.delete_subnet(rec, params["SubnetId"], ctx.now)
        return {}

    # ---- route tables --------------------------------------------------------------------
    async def create_route_table(
        self, ctx: RequestContext, params: shapes.CreateRouteTableRequest
    ) -> shapes.CreateRouteTableResult:
        with self._records(ctx, params) as rec:
            row = routes.create_table(
                rec,
                params["VpcId"],
                ctx.now,
                tags=tags_from_specs(params.get("TagSpecifications"), "route-table"),
            )
            table = cast(shapes.RouteTable, routes.view(rec, row))
            out: shapes.CreateRouteTableResult = {"RouteTable": table}
            if params.get("ClientToken"):
                out["ClientToken"] = params["ClientToken"]
            return out

    async def delete_route_table(
        self, ctx: RequestContext, params: shapes.DeleteRouteTableRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            routes.delete_table(rec, params["RouteTableId"])
        return {}

    async def create_route(
        self, ctx: RequestContext, params: shapes.CreateRouteRequest
    ) -> shapes.CreateRouteResult:
        with self._records(ctx, params) as rec:
            routes.create_route(rec, params["RouteTableId"], params, ctx.now)
        return {"Return": True}

    async def replace_route(
        self, ctx: RequestContext, params: shapes.ReplaceRouteRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            routes.replace_route(rec, params["RouteTableId"], params, ctx.now)
        return {}

    async def delete_route(
        self, ctx: RequestContext, params: shapes.DeleteRouteRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            routes.delete_route(rec, params["RouteTableId"], params, ctx.now)
        return {}

    async def associate_route_table(
        self, ctx: RequestContext, params: shapes.AssociateRouteTableRequest
    ) -> shapes.AssociateRouteTableResult:
        if params.get("GatewayId") or params.get("PublicIpv4Pool"):
            raise unsupported(
                "Gateway route tables are not offered on this platform; associate the table "
                "with a SubnetId."
            )
        if not params.get("SubnetId"):
            raise invalid_combination("Name the subnet to associate the table with: SubnetId.")
        with self._records(ctx, params) as rec:
            association_id = routes.associate(
                rec, params["RouteTableId"], params["SubnetId"], ctx.now
            )
        return {"AssociationId": association_id, "AssociationState": {"State": "associated"}}

    async def disassociate_route_table(
        self, ctx: RequestContext, params: shapes.DisassociateRouteTableRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            routes.disassociate(rec, params["AssociationId"], ctx.now)
        return {}

    async def replace_route_table_association(
        self, ctx: RequestContext, params: shapes.ReplaceRouteTableAssociationRequest
    ) -> shapes.ReplaceRouteTableAssociationResult:
        with self._records(ctx, params) as rec:
            new_id = routes.replace_association(
                rec, params["AssociationId"], params["RouteTableId"], ctx.now
            )
        return {"NewAssociationId": new_id, "AssociationState": {"State": "associated"}}

    async def describe_route_tables(
        self, ctx: RequestContext, params: shapes.DescribeRouteTablesRequest
    ) -> shapes.DescribeRouteTablesResult:
        with self._records(ctx, params) as rec:
            rows = rec.select(ROUTE_TABLE, params.get("RouteTableIds"))
            items = [routes.view(rec, r) for r in rows]
            return cast(
                shapes.DescribeRouteTablesResult,
                self._listing(ctx, params, items, routes.FILTERS, "RouteTables"),
            )

    # ---- internet gateways ---------------------------------------------------------------
    async def create_internet_gateway(
        self, ctx: RequestContext, params: shapes.CreateInternetGatewayRequest
    ) -> shapes.CreateInternetGatewayResult:
        with self._records(ctx, params) as rec:
            given = tags_from_specs(params.get("TagSpecifications"), "internet-gateway")
            row = gateways.create(rec, ctx.now, given)
            return {"InternetGateway": cast(shapes.InternetGateway, gateways.view(row))}

    async def attach_internet_gateway(
        self, ctx: RequestContext, params: shapes.AttachInternetGatewayRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            gateways.attach(rec, params["InternetGatewayId"], params["VpcId"], ctx.now)
        return {}

    async def detach_internet_gateway(
        self, ctx: RequestContext, params: shapes.DetachInternetGatewayRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            gateways.detach(rec, params["InternetGatewayId"], params["VpcId"], ctx.now)
        return {}

    async def delete_internet_gateway(
        self, ctx: RequestContext, params: shapes.DeleteInternetGatewayRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            gateways.delete(rec, params["InternetGatewayId"])
        return {}

    async def describe_internet_gateways(
        self, ctx: RequestContext, params: shapes.DescribeInternetGatewaysRequest
    ) -> shapes.DescribeInternetGatewaysResult:
        with self._records(ctx, params) as rec:
            rows = rec.select(INTERNET_GATEWAY, params.get("InternetGatewayIds"))
            items = [gateways.view(r) for r in rows]
            return cast(
                shapes.DescribeInternetGatewaysResult,
                self._listing(ctx, params, items, gateways.FILTERS, "InternetGateways"),
            )

    # ---- security groups -----------------------------------------------------------------
    async def create_security_group(
        self, ctx: RequestContext, params: shapes.CreateSecurityGroupRequest
    ) -> shapes.CreateSecurityGroupResult:
        with self._records(ctx, params) as rec:
            vpc_id = params.get("VpcId") or vpcs.require_default_vpc(rec).resource_id
            given = tags_from_specs(params.get("TagSpecifications"), "security-group")
            row = security_groups.create_group(
                rec, vpc_id, params["GroupName"], params["Description"], ctx.now, tags=given
            )
            out: shapes.CreateSecurityGroupResult = {
                "GroupId": row.resource_id,
                "SecurityGroupArn": security_groups.group_arn(rec, row.resource_id),
            }
            if given:
                out["Tags"] = [{"Key": k, "Value": v} for k, v in given.items()]
            return out

    async def delete_security_group(
        self, ctx: RequestContext, params: shapes.DeleteSecurityGroupRequest
    ) -> shapes.DeleteSecurityGroupResult:
        with self._records(ctx, params) as rec:
            row = security_groups.resolve_group(rec, params.get("GroupId"), params.get("GroupName"))
            group_id = row.resource_id
            security_groups.delete_group(rec, row)
        return {"Return": True, "GroupId": group_id}

    def _change_rules(
        self, ctx: RequestContext, params: Mapping[str, Any], egress: bool, add: bool
    ) -> Result:
        with self._records(ctx, params) as rec:
            group_name = None if egress else params.get("GroupName")
            group = security_groups.resolve_group(rec, params.get("GroupId"), group_name)
            permissions = list(params.get("IpPermissions") or [])
            flat = security_groups.flat_permission(params, ctx.account_id)
            if permissions and flat:
                raise invalid_combination(
                    "Give the rules either as IpPermissions or with the flat parameters "
                    "(IpProtocol, CidrIp, SourceSecurityGroupName …), not both."
                )
            permissions = permissions or flat
            if add:
                if not permissions:
                    raise invalid_combination(
                        "Name at least one rule: IpPermissions, or IpProtocol with CidrIp or "
                        "SourceSecurityGroupName."
                    )
                given = tags_from_specs(params.get("TagSpecifications"), "security-group-rule")
                added = security_groups.authorize(
                    rec, group, permissions, egress, ctx.now, tags=given
                )
                return {"Return": True, "SecurityGroupRules": added}
            rule_ids = list(params.get("SecurityGroupRuleIds") or [])
            if not permissions and not rule_ids:
                raise invalid_combination(
                    "Name the rules to revoke: IpPermissions, the flat parameters, or "
                    "SecurityGroupRuleIds."
                )
            revoked, unknown = security_groups.revoke(
                rec, group, permissions, rule_ids, egress, ctx.now
            )
            out: Result = {
                "Return": True,
                "RevokedSecurityGroupRules": [security_groups.revoked_view(r) for r in revoked],
            }
            if unknown:
                out["UnknownIpPermissions"] = unknown
            return out

    async def authorize_security_group_ingress(
        self, ctx: RequestContext, params: shapes.AuthorizeSecurityGroupIngressRequest
    ) -> shapes.AuthorizeSecurityGroupIngressResult:
        return cast(
            shapes.AuthorizeSecurityGroupIngressResult,
            self._change_rules(ctx, params, egress=False, add=True),
        )

    async def authorize_security_group_egress(
        self, ctx: RequestContext, params: shapes.AuthorizeSecurityGroupEgressRequest
    ) -> shapes.AuthorizeSecurityGroupEgressResult:
        return cast(
            shapes.AuthorizeSecurityGroupEgressResult,
            self._change_rules(ctx, params, egress=True, add=True),
        )

    async def revoke_security_group_ingress(
        self, ctx: RequestContext, params: shapes.RevokeSecurityGroupIngressRequest
    ) -> shapes.RevokeSecurityGroupIngressResult:
        return cast(
            shapes.RevokeSecurityGroupIngressResult,
            self._change_rules(ctx, params, egress=False, add=False),
        )

    async def revoke_security_group_egress(
        self, ctx: RequestContext, params: shapes.RevokeSecurityGroupEgressRequest
    ) -> shapes.RevokeSecurityGroupEgressResult:
        return cast(
            shapes.RevokeSecurityGroupEgressResult,
            self._change_rules(ctx, params, egress=True, add=False),
        )

    async def describe_security_groups(
        self, ctx: RequestContext, params: shapes.DescribeSecurityGroupsRequest
    ) -> shapes.DescribeSecurityGroupsResult:
        with self._records(ctx, params) as rec:
            ids = params.get("GroupIds")
            names = params.get("GroupNames")
            if ids is None and names is None:
                rows = rec.find(SECURITY_GROUP)
            else:
                rows = rec.select(SECURITY_GROUP, ids or [])
                rows += [security_groups.resolve_group(rec, None, name) for name in names or []]
            items = [security_groups.group_view(rec, r) for r in rows]
            return cast(
                shapes.DescribeSecurityGroupsResult,
                self._listing(ctx, params, items, security_groups.FILTERS, "SecurityGroups"),
            )

    async def describe_security_group_rules(
        self, ctx: RequestContext, params: shapes.DescribeSecurityGroupRulesRequest
    ) -> shapes.DescribeSecurityGroupRulesResult:
        """A ``group-id`` filter value that is no group id answers ``InvalidGroupId.Malformed``
        ("The security group ID '…' is malformed"); a well-formed id of no group matches
        nothing.
        """
        security_groups.check_group_id_filters(params.get("Filters"))
        with self._records(ctx, params) as rec:
            wanted = params.get("SecurityGroupRuleIds")
            if wanted is None:
                pairs = security_groups.all_rules(rec)
            else:
                pairs = [security_groups.find_rule(rec, rule_id) for rule_id in wanted]
            items = [security_groups.rule_view(rec, group, rule) for group, rule in pairs]
            return cast(
                shapes.DescribeSecurityGroupRulesResult,
                self._listing(
                    ctx, params, items, security_groups.RULE_FILTERS, "SecurityGroupRules"
                ),
            )

    # ---- VPC peering ---------------------------------------------------------------------
    async def create_vpc_peering_connection(
        self, ctx: RequestContext, params: shapes.CreateVpcPeeringConnectionRequest
    ) -> shapes.CreateVpcPeeringConnectionResult:
        with self._records(ctx, params) as rec:
            view = peering.create(
                rec,
                params["VpcId"],
                params.get("PeerVpcId"),
                params.get("PeerOwnerId"),
                params.get("PeerRegion"),
                ctx.now,
                tags=tags_from_specs(params.get("TagSpecifications"), "vpc-peering-connection"),
                requester_options=params.get("RequesterPeeringConnectionOptions"),
            )
            if view["Status"]["Code"] == "pending-acceptance":
                # AWS answers while the request is still being set up.
                view = {
                    **view,
                    "Status": {"Code": "initiating-request", "Message": "Initiating Request"},
                }
            return {"VpcPeeringConnection": cast(shapes.VpcPeeringConnection, view)}

    async def accept_vpc_peering_connection(
        self, ctx: RequestContext, params: shapes.AcceptVpcPeeringConnectionRequest
    ) -> shapes.AcceptVpcPeeringConnectionResult:
        with self._records(ctx, params) as rec:
            view = peering.accept(rec, params["VpcPeeringConnectionId"], ctx.now)
            return {"VpcPeeringConnection": cast(shapes.VpcPeeringConnection, view)}

    async def reject_vpc_peering_connection(
        self, ctx: RequestContext, params: shapes.RejectVpcPeeringConnectionRequest
    ) -> shapes.RejectVpcPeeringConnectionResult:
        with self._records(ctx, params) as rec:
            peering.reject(rec, params["VpcPeeringConnectionId"], ctx.now)
        return {"Return": True}

    async def delete_vpc_peering_connection(
        self, ctx: RequestContext, params: shapes.DeleteVpcPeeringConnectionRequest
    ) -> shapes.DeleteVpcPeeringConnectionResult:
        with self._records(ctx, params) as rec:
            peering.delete(rec, params["VpcPeeringConnectionId"], ctx.now)
        return {"Return": True}

    async def modify_vpc_peering_connection_options(
        self, ctx: RequestContext, params: shapes.ModifyVpcPeeringConnectionOptionsRequest
    ) -> shapes.ModifyVpcPeeringConnectionOptionsResult:
        with self._records(ctx, params) as rec:
            return cast(
                shapes.ModifyVpcPeeringConnectionOptionsResult,
                peering.modify_options(
                    rec,
                    params["VpcPeeringConnectionId"],
                    params.get("RequesterPeeringConnectionOptions"),
                    params.get("AccepterPeeringConnectionOptions"),
                    ctx.now,
                ),
            )

    async def describe_vpc_peering_connections(
        self, ctx: RequestContext, params: shapes.DescribeVpcPeeringConnectionsRequest
    ) -> shapes.DescribeVpcPeeringConnectionsResult:
        with self._records(ctx, params) as rec:
            items = peering.describe(rec, params.get("VpcPeeringConnectionIds"), ctx.now)
            return cast(
                shapes.DescribeVpcPeeringConnectionsResult,
                self._listing(ctx, params, items, peering.FILTERS, "VpcPeeringConnections"),
            )

    # ---- instances -----------------------------------------------------------------------
    async def describe_instances(
        self, ctx: RequestContext, params: shapes.DescribeInstancesRequest
    ) -> shapes.DescribeInstancesResult:
        """Filters: the documented names whose data the platform has (``architecture``,
        ``tenancy``, ``network-interface.*`` …); others answer "The filter '…' is invalid".
        """
        if params.get("InstanceIds") and params.get("MaxResults") is not None:
            raise invalid_combination(
                "The parameter instancesSet cannot be used with the parameter maxResults; "
                "page through all instances, or name them without MaxResults."
            )
        with self._records(ctx, params) as rec:
            rows = rec.select(INSTANCE, params.get("InstanceIds"))
            views = [instances.view(rec, r) for r in rows]
            items = [
                {**v, "ReservationId": r.data["ReservationId"], "OwnerId": r.data["OwnerId"]}
                for r, v in zip(rows, views, strict=True)
            ]
            found = apply_filters(
                items, params.get("Filters"), instances.FILTERS, operation=ctx.operation
            )
            kept = {id(item) for item in found}
            chosen = [
                (r, v) for r, v, item in zip(rows, views, items, strict=True) if id(item) in kept
            ]
            chunk, token = page(chosen, params, ctx.operation)
            reservations = instances.reservations([r for r, _ in chunk], [v for _, v in chunk])
            out: shapes.DescribeInstancesResult = {
                "Reservations": cast(list[shapes.Reservation], reservations)
            }
            if token:
                out["NextToken"] = token
            return out

    async def describe_network_interfaces(
        self, ctx: RequestContext, params: shapes.DescribeNetworkInterfacesRequest
    ) -> shapes.DescribeNetworkInterfacesResult:
        with self._records(ctx, params) as rec:
            live = [r for r in rec.find(INSTANCE) if r.state != "terminated"]
            items = [instances.interface_view(rec, r) for r in live]
            wanted = params.get("NetworkInterfaceIds")
            if wanted is not None:
                known = {i["NetworkInterfaceId"]: i for i in items}
                missing = [w for w in wanted if w not in known]
                if missing:
                    raise ServiceError(
                        f"The networkInterface ID '{missing[0]}' does not exist in account "
                        f"{rec.account_id}, region {rec.region}; list them with: aws ec2 "
                        "describe-network-interfaces.",
                        code="InvalidNetworkInterfaceID.NotFound",
                        status=400,
                        sender_fault=True,
                    )
                items = [known[w] for w in dict.fromkeys(wanted)]
            return cast(
                shapes.DescribeNetworkInterfacesResult,
                self._listing(ctx, params, items, instances.INTERFACE_FILTERS, "NetworkInterfaces"),
            )

    # ---- tags ----------------------------------------------------------------------------
    async def create_tags(
        self, ctx: RequestContext, params: shapes.CreateTagsRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            tags.create_tags(rec, params["Resources"], tags_from_list(params["Tags"]), ctx.now)
        return {}

    async def delete_tags(
        self, ctx: RequestContext, params: shapes.DeleteTagsRequest
    ) -> shapes.NoOutput:
        with self._records(ctx, params) as rec:
            tags.delete_tags(rec, params["Resources"], params.get("Tags"), ctx.now)
        return {}

    async def describe_tags(
        self, ctx: RequestContext, params: shapes.DescribeTagsRequest
    ) -> shapes.DescribeTagsResult:
        with self._records(ctx, params) as rec:
            items = tags.tag_descriptions(rec)
            return cast(
                shapes.DescribeTagsResult,
                self._listing(ctx, params, items, tags.FILTERS, "Tags", strip=("Tags",)),
            )

    # ---- account and zones ---------------------------------------------------------------
    async def describe_availability_zones(
        self, ctx: RequestContext, params: shapes.DescribeAvailabilityZonesRequest
    ) -> shapes.DescribeAvailabilityZonesResult:
        """The zones AWS has in the region (six in us-east-1, ``use1-az1`` … ``use1-az6``; see the
        endpoint section); the default VPC has one default subnet per zone.
        """
        items: list[Mapping[str, Any]] = [
            {
                "State": "available",
                "OptInStatus": "opt-in-not-required",
                "Messages": [],
                "RegionName": zone.region,
                "ZoneName": zone.name,
                "ZoneId": zone.zone_id,
                "GroupName": zone.region,
                "NetworkBorderGroup": zone.region,
                "ZoneType": "availability-zone",
            }
            for zone in zones(ctx.region)
        ]
        names = params.get("ZoneNames")
        ids = params.get("ZoneIds")
        for wanted, key in ((names, "ZoneName"), (ids, "ZoneId")):
            if wanted is None:
                continue
            known = {str(z[key]) for z in items}
            unknown = [w for w in wanted if w not in known]
            if unknown:
                raise ServiceError(
                    f"The zone '{unknown[0]}' does not exist in {ctx.region}; its zones are "
                    f"{', '.join(sorted(known))}.",
                    code="InvalidParameterValue",
                    status=400,
                    sender_fault=True,
                )
            items = [z for z in items if z[key] in wanted]
        found = apply_filters(items, params.get("Filters"), _ZONE_FILTERS, operation=ctx.operation)
        return {"AvailabilityZones": cast(list[shapes.AvailabilityZone], found)}

    async def describe_account_attributes(
        self, ctx: RequestContext, params: shapes.DescribeAccountAttributesRequest
    ) -> shapes.DescribeAccountAttributesResult:
        with self._records(ctx, params) as rec:
            default = vpcs.default_vpc(rec)
            values: dict[str, list[str]] = {
                "supported-platforms": ["VPC"],
                "default-vpc": [default.resource_id if default else "none"],
                "max-instances": ["20"],
                "vpc-max-security-groups-per-interface": ["5"],
                "max-elastic-ips": ["5"],
                "vpc-max-elastic-ips": ["5"],
            }
        wanted = params.get("AttributeNames")
        names: list[str] = list(values) if not wanted else list(wanted)
        return {
            "AccountAttributes": [
                {
                    "AttributeName": name,
                    "AttributeValues": [{"AttributeValue": v} for v in values.get(name, [])],
                }
                for name in names
            ]
        }

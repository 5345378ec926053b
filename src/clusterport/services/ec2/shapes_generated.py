"""Typed input and output shapes of the ec2 operations clusterport serves.

Generated from botocore 1.44.18's model (with the model patches) by
``python -m clusterport.services.gen_shapes``: do not edit by hand.
"""

import datetime as dt
from typing import Literal, Required, TypedDict

AccountAttributeName = Literal["default-vpc", "supported-platforms"]

MultipathResilienceMode = Literal["always-on"]

ResourceType = Literal[
    "application-status-check",
    "capacity-block",
    "capacity-manager-data-export",
    "capacity-reservation",
    "capacity-reservation-cancellation-quote",
    "capacity-reservation-fleet",
    "capacity-reservation-modification-quote",
    "carrier-gateway",
    "client-vpn-endpoint",
    "coip-pool",
    "customer-gateway",
    "declarative-policies-report",
    "dedicated-host",
    "dhcp-options",
    "egress-only-internet-gateway",
    "elastic-gpu",
    "elastic-ip",
    "export-image-task",
    "export-instance-task",
    "fca-policy",
    "fleet",
    "fpga-image",
    "host-reservation",
    "image",
    "image-usage-report",
    "import-image-task",
    "import-snapshot-task",
    "instance",
    "instance-connect-endpoint",
    "instance-event-window",
    "internet-gateway",
    "ipam",
    "ipam-external-resource-verification-token",
    "ipam-internet-registry-association",
    "ipam-policy",
    "ipam-pool",
    "ipam-pool-allocation",
    "ipam-prefix-list-resolver",
    "ipam-prefix-list-resolver-target",
    "ipam-resource-discovery",
    "ipam-resource-discovery-association",
    "ipam-scope",
    "ipv4pool-ec2",
    "ipv6pool-ec2",
    "key-pair",
    "launch-template",
    "local-gateway",
    "local-gateway-route-table",
    "local-gateway-route-table-virtual-interface-group-association",
    "local-gateway-route-table-vpc-association",
    "local-gateway-virtual-interface",
    "local-gateway-virtual-interface-group",
    "mac-modification-task",
    "metric-category",
    "natgateway",
    "network-acl",
    "network-insights-access-scope",
    "network-insights-access-scope-analysis",
    "network-insights-analysis",
    "network-insights-path",
    "network-interface",
    "outpost-lag",
    "placement-group",
    "prefix-list",
    "replace-root-volume-task",
    "reserved-instances",
    "route-server",
    "route-server-endpoint",
    "route-server-peer",
    "route-table",
    "secondary-interface",
    "secondary-network",
    "secondary-network-acl",
    "secondary-network-acl-association",
    "secondary-subnet",
    "security-group",
    "security-group-rule",
    "service-link-virtual-interface",
    "snapshot",
    "spot-fleet-request",
    "spot-instances-request",
    "subnet",
    "subnet-cidr-reservation",
    "traffic-mirror-filter",
    "traffic-mirror-filter-rule",
    "traffic-mirror-session",
    "traffic-mirror-target",
    "transit-gateway",
    "transit-gateway-attachment",
    "transit-gateway-connect-peer",
    "transit-gateway-metering-policy",
    "transit-gateway-multicast-domain",
    "transit-gateway-policy-table",
    "transit-gateway-route-table",
    "transit-gateway-route-table-announcement",
    "verified-access-endpoint",
    "verified-access-endpoint-target",
    "verified-access-group",
    "verified-access-instance",
    "verified-access-policy",
    "verified-access-trust-provider",
    "virtual-edge-network-gateway",
    "virtual-edge-network-gateway-route-table",
    "virtual-edge-network-gateway-route-table-association",
    "virtual-edge-network-route-server-peer",
    "volume",
    "vpc",
    "vpc-block-public-access-exclusion",
    "vpc-encryption-control",
    "vpc-endpoint",
    "vpc-endpoint-connection",
    "vpc-endpoint-connection-device-type",
    "vpc-endpoint-service",
    "vpc-endpoint-service-permission",
    "vpc-flow-log",
    "vpc-peering-connection",
    "vpn-concentrator",
    "vpn-connection",
    "vpn-connection-device-type",
    "vpn-gateway",
]

Tenancy = Literal["dedicated", "default", "host"]

VpcAttributeName = Literal[
    "enableDnsHostnames",
    "enableDnsSupport",
    "enableNetworkAddressUsageMetrics",
]

VpcEncryptionControlExclusionStateInput = Literal["disable", "enable"]

VpcEncryptionControlMode = Literal["enforce", "monitor"]


class NoOutput(TypedDict, total=False):
    """The output of an operation whose model has none: the provider returns {}."""


class AcceptVpcPeeringConnectionRequest(TypedDict, total=False):
    """The input of AcceptVpcPeeringConnection."""

    DryRun: bool
    VpcPeeringConnectionId: Required[str]


class AcceptVpcPeeringConnectionResult(TypedDict, total=False):
    """The output of AcceptVpcPeeringConnection."""

    VpcPeeringConnection: "VpcPeeringConnection"


class AccountAttribute(TypedDict, total=False):
    """botocore's AccountAttribute structure, as outputs carry it."""

    AttributeName: str
    AttributeValues: list["AccountAttributeValue"]


class AccountAttributeValue(TypedDict, total=False):
    """botocore's AccountAttributeValue structure, as outputs carry it."""

    AttributeValue: str


class AssociateRouteTableRequest(TypedDict, total=False):
    """The input of AssociateRouteTable."""

    GatewayId: str
    PublicIpv4Pool: str
    DryRun: bool
    SubnetId: str
    RouteTableId: Required[str]


class AssociateRouteTableResult(TypedDict, total=False):
    """The output of AssociateRouteTable."""

    AssociationId: str
    AssociationState: "RouteTableAssociationState"


class AttachInternetGatewayRequest(TypedDict, total=False):
    """The input of AttachInternetGateway."""

    DryRun: bool
    InternetGatewayId: Required[str]
    VpcId: Required[str]


class AttachmentEnaSrdSpecification(TypedDict, total=False):
    """botocore's AttachmentEnaSrdSpecification structure, as outputs carry it."""

    EnaSrdEnabled: bool
    EnaSrdUdpSpecification: "AttachmentEnaSrdUdpSpecification"


class AttachmentEnaSrdUdpSpecification(TypedDict, total=False):
    """botocore's AttachmentEnaSrdUdpSpecification structure, as outputs carry it."""

    EnaSrdUdpEnabled: bool


class AttributeBooleanValue(TypedDict, total=False):
    """botocore's AttributeBooleanValue structure, as inputs carry it."""

    Value: bool


class AttributeBooleanValueOut(TypedDict, total=False):
    """botocore's AttributeBooleanValue structure, as outputs carry it."""

    Value: bool


class AuthorizeSecurityGroupEgressRequest(TypedDict, total=False):
    """The input of AuthorizeSecurityGroupEgress."""

    TagSpecifications: list["TagSpecification"]
    DryRun: bool
    GroupId: Required[str]
    SourceSecurityGroupName: str
    SourceSecurityGroupOwnerId: str
    IpProtocol: str
    FromPort: int
    ToPort: int
    CidrIp: str
    IpPermissions: list["IpPermission"]


class AuthorizeSecurityGroupEgressResult(TypedDict, total=False):
    """The output of AuthorizeSecurityGroupEgress."""

    Return: bool
    SecurityGroupRules: list["SecurityGroupRule"]


class AuthorizeSecurityGroupIngressRequest(TypedDict, total=False):
    """The input of AuthorizeSecurityGroupIngress."""

    CidrIp: str
    FromPort: int
    GroupId: str
    GroupName: str
    IpPermissions: list["IpPermission"]
    IpProtocol: str
    SourceSecurityGroupName: str
    SourceSecurityGroupOwnerId: str
    ToPort: int
    TagSpecifications: list["TagSpecification"]
    DryRun: bool


class AuthorizeSecurityGroupIngressResult(TypedDict, total=False):
    """The output of AuthorizeSecurityGroupIngress."""

    Return: bool
    SecurityGroupRules: list["SecurityGroupRule"]


class AvailabilityZone(TypedDict, total=False):
    """botocore's AvailabilityZone structure, as outputs carry it."""

    OptInStatus: str
    Messages: list["AvailabilityZoneMessage"]
    RegionName: str
    ZoneName: str
    ZoneId: str
    GroupName: str
    NetworkBorderGroup: str
    ZoneType: str
    ParentZoneName: str
    ParentZoneId: str
    GroupLongName: str
    Geography: list["AvailabilityZoneGeography"]
    SubGeography: list["AvailabilityZoneSubGeography"]
    State: str


class AvailabilityZoneGeography(TypedDict, total=False):
    """botocore's AvailabilityZoneGeography structure, as outputs carry it."""

    Name: str


class AvailabilityZoneMessage(TypedDict, total=False):
    """botocore's AvailabilityZoneMessage structure, as outputs carry it."""

    Message: str


class AvailabilityZoneSubGeography(TypedDict, total=False):
    """botocore's AvailabilityZoneSubGeography structure, as outputs carry it."""

    Name: str


class BlockPublicAccessStates(TypedDict, total=False):
    """botocore's BlockPublicAccessStates structure, as outputs carry it."""

    InternetGatewayBlockMode: str


class CapacityReservationSpecificationResponse(TypedDict, total=False):
    """botocore's CapacityReservationSpecificationResponse structure, as outputs carry it."""

    CapacityReservationPreference: str
    CapacityReservationTarget: "CapacityReservationTargetResponse"


class CapacityReservationTargetResponse(TypedDict, total=False):
    """botocore's CapacityReservationTargetResponse structure, as outputs carry it."""

    CapacityReservationId: str
    CapacityReservationResourceGroupArn: str


class CidrBlock(TypedDict, total=False):
    """botocore's CidrBlock structure, as outputs carry it."""

    CidrBlock: str


class ConnectionTrackingConfiguration(TypedDict, total=False):
    """botocore's ConnectionTrackingConfiguration structure, as outputs carry it."""

    TcpEstablishedTimeout: int
    UdpStreamTimeout: int
    UdpTimeout: int


class ConnectionTrackingSpecificationResponse(TypedDict, total=False):
    """botocore's ConnectionTrackingSpecificationResponse structure, as outputs carry it."""

    TcpEstablishedTimeout: int
    UdpStreamTimeout: int
    UdpTimeout: int


class CpuOptions(TypedDict, total=False):
    """botocore's CpuOptions structure, as outputs carry it."""

    CoreCount: int
    ThreadsPerCore: int
    AmdSevSnp: str
    NestedVirtualization: str


class CreateInternetGatewayRequest(TypedDict, total=False):
    """The input of CreateInternetGateway."""

    TagSpecifications: list["TagSpecification"]
    DryRun: bool


class CreateInternetGatewayResult(TypedDict, total=False):
    """The output of CreateInternetGateway."""

    InternetGateway: "InternetGateway"


class CreatePeeringConnectionOptionsRequest(TypedDict, total=False):
    """botocore's CreatePeeringConnectionOptionsRequest structure, as inputs carry it."""

    AllowMultipathResilience: bool
    MultipathResilienceMode: MultipathResilienceMode


class CreateRouteRequest(TypedDict, total=False):
    """The input of CreateRoute."""

    DestinationPrefixListId: str
    VpcEndpointId: str
    TransitGatewayId: str
    LocalGatewayId: str
    CarrierGatewayId: str
    CoreNetworkArn: str
    OdbNetworkArn: str
    DryRun: bool
    RouteTableId: Required[str]
    DestinationCidrBlock: str
    GatewayId: str
    DestinationIpv6CidrBlock: str
    EgressOnlyInternetGatewayId: str
    InstanceId: str
    NetworkInterfaceId: str
    VpcPeeringConnectionId: str
    NatGatewayId: str


class CreateRouteResult(TypedDict, total=False):
    """The output of CreateRoute."""

    Return: bool


class CreateRouteTableRequest(TypedDict, total=False):
    """The input of CreateRouteTable."""

    TagSpecifications: list["TagSpecification"]
    ClientToken: str
    DryRun: bool
    VpcId: Required[str]


class CreateRouteTableResult(TypedDict, total=False):
    """The output of CreateRouteTable."""

    RouteTable: "RouteTable"
    ClientToken: str


class CreateSecurityGroupRequest(TypedDict, total=False):
    """The input of CreateSecurityGroup."""

    Description: Required[str]
    GroupName: Required[str]
    VpcId: str
    TagSpecifications: list["TagSpecification"]
    DryRun: bool


class CreateSecurityGroupResult(TypedDict, total=False):
    """The output of CreateSecurityGroup."""

    GroupId: str
    Tags: list["TagOut"]
    SecurityGroupArn: str


class CreateSubnetRequest(TypedDict, total=False):
    """The input of CreateSubnet."""

    TagSpecifications: list["TagSpecification"]
    AvailabilityZone: str
    AvailabilityZoneId: str
    CidrBlock: str
    Ipv6CidrBlock: str
    OutpostArn: str
    VpcId: Required[str]
    Ipv6Native: bool
    Ipv4IpamPoolId: str
    Ipv4NetmaskLength: int
    Ipv6IpamPoolId: str
    Ipv6NetmaskLength: int
    DryRun: bool


class CreateSubnetResult(TypedDict, total=False):
    """The output of CreateSubnet."""

    Subnet: "Subnet"


class CreateTagsRequest(TypedDict, total=False):
    """The input of CreateTags."""

    DryRun: bool
    Resources: Required[list[str]]
    Tags: Required[list["Tag"]]


class CreateVpcPeeringConnectionRequest(TypedDict, total=False):
    """The input of CreateVpcPeeringConnection."""

    PeerRegion: str
    TagSpecifications: list["TagSpecification"]
    RequesterPeeringConnectionOptions: CreatePeeringConnectionOptionsRequest
    DryRun: bool
    VpcId: Required[str]
    PeerVpcId: str
    PeerOwnerId: str


class CreateVpcPeeringConnectionResult(TypedDict, total=False):
    """The output of CreateVpcPeeringConnection."""

    VpcPeeringConnection: "VpcPeeringConnection"


class CreateVpcRequest(TypedDict, total=False):
    """The input of CreateVpc."""

    CidrBlock: str
    Ipv6Pool: str
    Ipv6CidrBlock: str
    Ipv4IpamPoolId: str
    Ipv4NetmaskLength: int
    Ipv6IpamPoolId: str
    Ipv6NetmaskLength: int
    Ipv6CidrBlockNetworkBorderGroup: str
    VpcEncryptionControl: "VpcEncryptionControlConfiguration"
    TagSpecifications: list["TagSpecification"]
    DryRun: bool
    InstanceTenancy: Tenancy
    AmazonProvidedIpv6CidrBlock: bool


class CreateVpcResult(TypedDict, total=False):
    """The output of CreateVpc."""

    Vpc: "Vpc"


class DeleteInternetGatewayRequest(TypedDict, total=False):
    """The input of DeleteInternetGateway."""

    DryRun: bool
    InternetGatewayId: Required[str]


class DeleteRouteRequest(TypedDict, total=False):
    """The input of DeleteRoute."""

    DestinationPrefixListId: str
    DryRun: bool
    RouteTableId: Required[str]
    DestinationCidrBlock: str
    DestinationIpv6CidrBlock: str


class DeleteRouteTableRequest(TypedDict, total=False):
    """The input of DeleteRouteTable."""

    DryRun: bool
    RouteTableId: Required[str]


class DeleteSecurityGroupRequest(TypedDict, total=False):
    """The input of DeleteSecurityGroup."""

    GroupId: str
    GroupName: str
    DryRun: bool


class DeleteSecurityGroupResult(TypedDict, total=False):
    """The output of DeleteSecurityGroup."""

    Return: bool
    GroupId: str


class DeleteSubnetRequest(TypedDict, total=False):
    """The input of DeleteSubnet."""

    SubnetId: Required[str]
    DryRun: bool


class DeleteTagsRequest(TypedDict, total=False):
    """The input of DeleteTags."""

    DryRun: bool
    Resources: Required[list[str]]
    Tags: list["Tag"]


class DeleteVpcPeeringConnectionRequest(TypedDict, total=False):
    """The input of DeleteVpcPeeringConnection."""

    DryRun: bool
    VpcPeeringConnectionId: Required[str]


class DeleteVpcPeeringConnectionResult(TypedDict, total=False):
    """The output of DeleteVpcPeeringConnection."""

    Return: bool


class DeleteVpcRequest(TypedDict, total=False):
    """The input of DeleteVpc."""

    VpcId: Required[str]
    DryRun: bool


class DescribeAccountAttributesRequest(TypedDict, total=False):
    """The input of DescribeAccountAttributes."""

    DryRun: bool
    AttributeNames: list[AccountAttributeName]


class DescribeAccountAttributesResult(TypedDict, total=False):
    """The output of DescribeAccountAttributes."""

    AccountAttributes: list[AccountAttribute]


class DescribeAvailabilityZonesRequest(TypedDict, total=False):
    """The input of DescribeAvailabilityZones."""

    ZoneNames: list[str]
    ZoneIds: list[str]
    AllAvailabilityZones: bool
    DryRun: bool
    Filters: list["Filter"]


class DescribeAvailabilityZonesResult(TypedDict, total=False):
    """The output of DescribeAvailabilityZones."""

    AvailabilityZones: list[AvailabilityZone]


class DescribeInstancesRequest(TypedDict, total=False):
    """The input of DescribeInstances."""

    InstanceIds: list[str]
    IncludeManagedResources: bool
    DryRun: bool
    Filters: list["Filter"]
    NextToken: str
    MaxResults: int


class DescribeInstancesResult(TypedDict, total=False):
    """The output of DescribeInstances."""

    NextToken: str
    Reservations: list["Reservation"]


class DescribeInternetGatewaysRequest(TypedDict, total=False):
    """The input of DescribeInternetGateways."""

    NextToken: str
    MaxResults: int
    DryRun: bool
    InternetGatewayIds: list[str]
    Filters: list["Filter"]


class DescribeInternetGatewaysResult(TypedDict, total=False):
    """The output of DescribeInternetGateways."""

    InternetGateways: list["InternetGateway"]
    NextToken: str


class DescribeNetworkInterfacesRequest(TypedDict, total=False):
    """The input of DescribeNetworkInterfaces."""

    NextToken: str
    MaxResults: int
    IncludeManagedResources: bool
    DryRun: bool
    NetworkInterfaceIds: list[str]
    Filters: list["Filter"]


class DescribeNetworkInterfacesResult(TypedDict, total=False):
    """The output of DescribeNetworkInterfaces."""

    NetworkInterfaces: list["NetworkInterface"]
    NextToken: str


class DescribeRouteTablesRequest(TypedDict, total=False):
    """The input of DescribeRouteTables."""

    NextToken: str
    MaxResults: int
    DryRun: bool
    RouteTableIds: list[str]
    Filters: list["Filter"]


class DescribeRouteTablesResult(TypedDict, total=False):
    """The output of DescribeRouteTables."""

    RouteTables: list["RouteTable"]
    NextToken: str


class DescribeSecurityGroupRulesRequest(TypedDict, total=False):
    """The input of DescribeSecurityGroupRules."""

    Filters: list["Filter"]
    SecurityGroupRuleIds: list[str]
    DryRun: bool
    NextToken: str
    MaxResults: int


class DescribeSecurityGroupRulesResult(TypedDict, total=False):
    """The output of DescribeSecurityGroupRules."""

    SecurityGroupRules: list["SecurityGroupRule"]
    NextToken: str


class DescribeSecurityGroupsRequest(TypedDict, total=False):
    """The input of DescribeSecurityGroups."""

    GroupIds: list[str]
    GroupNames: list[str]
    NextToken: str
    MaxResults: int
    DryRun: bool
    Filters: list["Filter"]


class DescribeSecurityGroupsResult(TypedDict, total=False):
    """The output of DescribeSecurityGroups."""

    NextToken: str
    SecurityGroups: list["SecurityGroup"]


class DescribeSubnetsRequest(TypedDict, total=False):
    """The input of DescribeSubnets."""

    Filters: list["Filter"]
    SubnetIds: list[str]
    NextToken: str
    MaxResults: int
    DryRun: bool


class DescribeSubnetsResult(TypedDict, total=False):
    """The output of DescribeSubnets."""

    NextToken: str
    Subnets: list["Subnet"]


class DescribeTagsRequest(TypedDict, total=False):
    """The input of DescribeTags."""

    DryRun: bool
    Filters: list["Filter"]
    MaxResults: int
    NextToken: str


class DescribeTagsResult(TypedDict, total=False):
    """The output of DescribeTags."""

    NextToken: str
    Tags: list["TagDescription"]


class DescribeVpcAttributeRequest(TypedDict, total=False):
    """The input of DescribeVpcAttribute."""

    Attribute: Required[VpcAttributeName]
    VpcId: Required[str]
    DryRun: bool


class DescribeVpcAttributeResult(TypedDict, total=False):
    """The output of DescribeVpcAttribute."""

    EnableDnsHostnames: AttributeBooleanValueOut
    EnableDnsSupport: AttributeBooleanValueOut
    EnableNetworkAddressUsageMetrics: AttributeBooleanValueOut
    VpcId: str


class DescribeVpcPeeringConnectionsRequest(TypedDict, total=False):
    """The input of DescribeVpcPeeringConnections."""

    NextToken: str
    MaxResults: int
    DryRun: bool
    VpcPeeringConnectionIds: list[str]
    Filters: list["Filter"]


class DescribeVpcPeeringConnectionsResult(TypedDict, total=False):
    """The output of DescribeVpcPeeringConnections."""

    VpcPeeringConnections: list["VpcPeeringConnection"]
    NextToken: str


class DescribeVpcsRequest(TypedDict, total=False):
    """The input of DescribeVpcs."""

    Filters: list["Filter"]
    VpcIds: list[str]
    NextToken: str
    MaxResults: int
    DryRun: bool


class DescribeVpcsResult(TypedDict, total=False):
    """The output of DescribeVpcs."""

    NextToken: str
    Vpcs: list["Vpc"]


class DetachInternetGatewayRequest(TypedDict, total=False):
    """The input of DetachInternetGateway."""

    DryRun: bool
    InternetGatewayId: Required[str]
    VpcId: Required[str]


class DisassociateRouteTableRequest(TypedDict, total=False):
    """The input of DisassociateRouteTable."""

    DryRun: bool
    AssociationId: Required[str]


class EbsInstanceBlockDevice(TypedDict, total=False):
    """botocore's EbsInstanceBlockDevice structure, as outputs carry it."""

    AttachTime: dt.datetime
    DeleteOnTermination: bool
    Status: str
    VolumeId: str
    AssociatedResource: str
    VolumeOwnerId: str
    Operator: "OperatorResponse"
    EbsCardIndex: int
    MultiAvailabilityZoneConfiguration: "MultiAvailabilityZoneVolumeConfiguration"
    TrimState: str


class ElasticGpuAssociation(TypedDict, total=False):
    """botocore's ElasticGpuAssociation structure, as outputs carry it."""

    ElasticGpuId: str
    ElasticGpuAssociationId: str
    ElasticGpuAssociationState: str
    ElasticGpuAssociationTime: str


class ElasticInferenceAcceleratorAssociation(TypedDict, total=False):
    """botocore's ElasticInferenceAcceleratorAssociation structure, as outputs carry it."""

    ElasticInferenceAcceleratorArn: str
    ElasticInferenceAcceleratorAssociationId: str
    ElasticInferenceAcceleratorAssociationState: str
    ElasticInferenceAcceleratorAssociationTime: dt.datetime


class EnclaveOptions(TypedDict, total=False):
    """botocore's EnclaveOptions structure, as outputs carry it."""

    Enabled: bool


class Filter(TypedDict, total=False):
    """botocore's Filter structure, as inputs carry it."""

    Name: str
    Values: list[str]


class GroupIdentifier(TypedDict, total=False):
    """botocore's GroupIdentifier structure, as outputs carry it."""

    GroupId: str
    GroupName: str


class HibernationOptions(TypedDict, total=False):
    """botocore's HibernationOptions structure, as outputs carry it."""

    Configured: bool


class IamInstanceProfile(TypedDict, total=False):
    """botocore's IamInstanceProfile structure, as outputs carry it."""

    Arn: str
    Id: str


class IgwFirewall(TypedDict, total=False):
    """botocore's IgwFirewall structure, as outputs carry it."""

    FirewallArn: str
    Status: str


class Instance(TypedDict, total=False):
    """botocore's Instance structure, as outputs carry it."""

    Architecture: str
    BlockDeviceMappings: list["InstanceBlockDeviceMapping"]
    ClientToken: str
    EbsOptimized: bool
    EnaSupport: bool
    Hypervisor: str
    IamInstanceProfile: IamInstanceProfile
    InstanceLifecycle: str
    ElasticGpuAssociations: list[ElasticGpuAssociation]
    ElasticInferenceAcceleratorAssociations: list[ElasticInferenceAcceleratorAssociation]
    NetworkInterfaces: list["InstanceNetworkInterface"]
    OutpostArn: str
    RootDeviceName: str
    RootDeviceType: str
    SecurityGroups: list[GroupIdentifier]
    SourceDestCheck: bool
    SpotInstanceRequestId: str
    SriovNetSupport: str
    StateReason: "StateReason"
    Tags: list["TagOut"]
    VirtualizationType: str
    CpuOptions: CpuOptions
    CapacityBlockId: str
    CapacityReservationId: str
    CapacityReservationSpecification: CapacityReservationSpecificationResponse
    HibernationOptions: HibernationOptions
    Licenses: list["LicenseConfiguration"]
    MetadataOptions: "InstanceMetadataOptionsResponse"
    EnclaveOptions: EnclaveOptions
    BootMode: str
    PlatformDetails: str
    UsageOperation: str
    UsageOperationUpdateTime: dt.datetime
    PrivateDnsNameOptions: "PrivateDnsNameOptionsResponse"
    Ipv6Address: str
    TpmSupport: str
    MaintenanceOptions: "InstanceMaintenanceOptions"
    CurrentInstanceBootMode: str
    NetworkPerformanceOptions: "InstanceNetworkPerformanceOptions"
    Operator: "OperatorResponse"
    SecondaryInterfaces: list["InstanceSecondaryInterface"]
    InstanceId: str
    ImageId: str
    State: "InstanceState"
    PrivateDnsName: str
    PublicDnsName: str
    StateTransitionReason: str
    KeyName: str
    AmiLaunchIndex: int
    ProductCodes: list["ProductCode"]
    InstanceType: str
    LaunchTime: dt.datetime
    Placement: "Placement"
    KernelId: str
    RamdiskId: str
    Platform: str
    Monitoring: "Monitoring"
    SubnetId: str
    VpcId: str
    PrivateIpAddress: str
    PublicIpAddress: str


class InstanceAttachmentEnaSrdSpecification(TypedDict, total=False):
    """botocore's InstanceAttachmentEnaSrdSpecification structure, as outputs carry it."""

    EnaSrdEnabled: bool
    EnaSrdUdpSpecification: "InstanceAttachmentEnaSrdUdpSpecification"


class InstanceAttachmentEnaSrdUdpSpecification(TypedDict, total=False):
    """botocore's InstanceAttachmentEnaSrdUdpSpecification structure, as outputs carry it."""

    EnaSrdUdpEnabled: bool


class InstanceBlockDeviceMapping(TypedDict, total=False):
    """botocore's InstanceBlockDeviceMapping structure, as outputs carry it."""

    DeviceName: str
    Ebs: EbsInstanceBlockDevice


class InstanceIpv4Prefix(TypedDict, total=False):
    """botocore's InstanceIpv4Prefix structure, as outputs carry it."""

    Ipv4Prefix: str


class InstanceIpv6Address(TypedDict, total=False):
    """botocore's InstanceIpv6Address structure, as outputs carry it."""

    Ipv6Address: str
    IsPrimaryIpv6: bool


class InstanceIpv6Prefix(TypedDict, total=False):
    """botocore's InstanceIpv6Prefix structure, as outputs carry it."""

    Ipv6Prefix: str


class InstanceMaintenanceOptions(TypedDict, total=False):
    """botocore's InstanceMaintenanceOptions structure, as outputs carry it."""

    AutoRecovery: str
    RebootMigration: str


class InstanceMetadataOptionsResponse(TypedDict, total=False):
    """botocore's InstanceMetadataOptionsResponse structure, as outputs carry it."""

    State: str
    HttpTokens: str
    HttpPutResponseHopLimit: int
    HttpEndpoint: str
    HttpProtocolIpv6: str
    InstanceMetadataTags: str


class InstanceNetworkInterface(TypedDict, total=False):
    """botocore's InstanceNetworkInterface structure, as outputs carry it."""

    Association: "InstanceNetworkInterfaceAssociation"
    Attachment: "InstanceNetworkInterfaceAttachment"
    Description: str
    Groups: list[GroupIdentifier]
    Ipv6Addresses: list[InstanceIpv6Address]
    MacAddress: str
    NetworkInterfaceId: str
    OwnerId: str
    PrivateDnsName: str
    PrivateIpAddress: str
    PrivateIpAddresses: list["InstancePrivateIpAddress"]
    SourceDestCheck: bool
    Status: str
    SubnetId: str
    VpcId: str
    InterfaceType: str
    Ipv4Prefixes: list[InstanceIpv4Prefix]
    Ipv6Prefixes: list[InstanceIpv6Prefix]
    ConnectionTrackingConfiguration: ConnectionTrackingSpecificationResponse
    Operator: "OperatorResponse"


class InstanceNetworkInterfaceAssociation(TypedDict, total=False):
    """botocore's InstanceNetworkInterfaceAssociation structure, as outputs carry it."""

    CarrierIp: str
    CustomerOwnedIp: str
    IpOwnerId: str
    PublicDnsName: str
    PublicIp: str


class InstanceNetworkInterfaceAttachment(TypedDict, total=False):
    """botocore's InstanceNetworkInterfaceAttachment structure, as outputs carry it."""

    AttachTime: dt.datetime
    AttachmentId: str
    DeleteOnTermination: bool
    DeviceIndex: int
    Status: str
    NetworkCardIndex: int
    EnaSrdSpecification: InstanceAttachmentEnaSrdSpecification
    EnaQueueCount: int


class InstanceNetworkPerformanceOptions(TypedDict, total=False):
    """botocore's InstanceNetworkPerformanceOptions structure, as outputs carry it."""

    BandwidthWeighting: str


class InstancePrivateIpAddress(TypedDict, total=False):
    """botocore's InstancePrivateIpAddress structure, as outputs carry it."""

    Association: InstanceNetworkInterfaceAssociation
    Primary: bool
    PrivateDnsName: str
    PrivateIpAddress: str


class InstanceSecondaryInterface(TypedDict, total=False):
    """botocore's InstanceSecondaryInterface structure, as outputs carry it."""

    Attachment: "InstanceSecondaryInterfaceAttachment"
    MacAddress: str
    SecondaryInterfaceId: str
    OwnerId: str
    PrivateIpAddresses: list["InstanceSecondaryInterfacePrivateIpAddress"]
    SourceDestCheck: bool
    Status: str
    SecondarySubnetId: str
    SecondaryNetworkId: str
    InterfaceType: str
    Ipv6Addresses: list["InstanceSecondaryInterfaceIpv6Address"]
    VlanMode: str


class InstanceSecondaryInterfaceAttachment(TypedDict, total=False):
    """botocore's InstanceSecondaryInterfaceAttachment structure, as outputs carry it."""

    AttachTime: dt.datetime
    AttachmentId: str
    DeleteOnTermination: bool
    DeviceIndex: int
    Status: str
    NetworkCardIndex: int
    EnaQueueCount: int


class InstanceSecondaryInterfaceIpv6Address(TypedDict, total=False):
    """botocore's InstanceSecondaryInterfaceIpv6Address structure, as outputs carry it."""

    Ipv6Address: str


class InstanceSecondaryInterfacePrivateIpAddress(TypedDict, total=False):
    """botocore's InstanceSecondaryInterfacePrivateIpAddress structure, as outputs carry it."""

    PrivateIpAddress: str


class InstanceState(TypedDict, total=False):
    """botocore's InstanceState structure, as outputs carry it."""

    Code: int
    Name: str


class InternetGateway(TypedDict, total=False):
    """botocore's InternetGateway structure, as outputs carry it."""

    Attachments: list["InternetGatewayAttachment"]
    InternetGatewayId: str
    OwnerId: str
    Tags: list["TagOut"]


class InternetGatewayAttachment(TypedDict, total=False):
    """botocore's InternetGatewayAttachment structure, as outputs carry it."""

    State: str
    VpcId: str


class IpPermission(TypedDict, total=False):
    """botocore's IpPermission structure, as inputs carry it."""

    IpProtocol: str
    FromPort: int
    ToPort: int
    UserIdGroupPairs: list["UserIdGroupPair"]
    IpRanges: list["IpRange"]
    Ipv6Ranges: list["Ipv6Range"]
    PrefixListIds: list["PrefixListId"]


class IpPermissionOut(TypedDict, total=False):
    """botocore's IpPermission structure, as outputs carry it."""

    IpProtocol: str
    FromPort: int
    ToPort: int
    UserIdGroupPairs: list["UserIdGroupPairOut"]
    IpRanges: list["IpRangeOut"]
    Ipv6Ranges: list["Ipv6RangeOut"]
    PrefixListIds: list["PrefixListIdOut"]


class IpRange(TypedDict, total=False):
    """botocore's IpRange structure, as inputs carry it."""

    Description: str
    CidrIp: str


class IpRangeOut(TypedDict, total=False):
    """botocore's IpRange structure, as outputs carry it."""

    Description: str
    CidrIp: str


class Ipv4PrefixSpecification(TypedDict, total=False):
    """botocore's Ipv4PrefixSpecification structure, as outputs carry it."""

    Ipv4Prefix: str


class Ipv6CidrBlock(TypedDict, total=False):
    """botocore's Ipv6CidrBlock structure, as outputs carry it."""

    Ipv6CidrBlock: str


class Ipv6PrefixSpecification(TypedDict, total=False):
    """botocore's Ipv6PrefixSpecification structure, as outputs carry it."""

    Ipv6Prefix: str


class Ipv6Range(TypedDict, total=False):
    """botocore's Ipv6Range structure, as inputs carry it."""

    Description: str
    CidrIpv6: str


class Ipv6RangeOut(TypedDict, total=False):
    """botocore's Ipv6Range structure, as outputs carry it."""

    Description: str
    CidrIpv6: str


class LicenseConfiguration(TypedDict, total=False):
    """botocore's LicenseConfiguration structure, as outputs carry it."""

    LicenseConfigurationArn: str


class ModifyVpcAttributeRequest(TypedDict, total=False):
    """The input of ModifyVpcAttribute."""

    EnableDnsHostnames: AttributeBooleanValue
    EnableDnsSupport: AttributeBooleanValue
    VpcId: Required[str]
    EnableNetworkAddressUsageMetrics: AttributeBooleanValue


class ModifyVpcPeeringConnectionOptionsRequest(TypedDict, total=False):
    """The input of ModifyVpcPeeringConnectionOptions."""

    AccepterPeeringConnectionOptions: "PeeringConnectionOptionsRequest"
    DryRun: bool
    RequesterPeeringConnectionOptions: "PeeringConnectionOptionsRequest"
    VpcPeeringConnectionId: Required[str]


class ModifyVpcPeeringConnectionOptionsResult(TypedDict, total=False):
    """The output of ModifyVpcPeeringConnectionOptions."""

    AccepterPeeringConnectionOptions: "PeeringConnectionOptions"
    RequesterPeeringConnectionOptions: "PeeringConnectionOptions"


class Monitoring(TypedDict, total=False):
    """botocore's Monitoring structure, as outputs carry it."""

    MetricCategoryIds: list[str]
    State: str


class MultiAvailabilityZoneVolumeConfiguration(TypedDict, total=False):
    """botocore's MultiAvailabilityZoneVolumeConfiguration structure, as outputs carry it."""

    ConfigurationType: str
    StandbyAvailabilityZones: list["StandbyVolumeAvailabilityZone"]


class NetworkFirewallAssociation(TypedDict, total=False):
    """botocore's NetworkFirewallAssociation structure, as outputs carry it."""

    FirewallArn: str
    FirewallOnboardingStatus: str
    FirewallMode: str


class NetworkInterface(TypedDict, total=False):
    """botocore's NetworkInterface structure, as outputs carry it."""

    Association: "NetworkInterfaceAssociation"
    Attachment: "NetworkInterfaceAttachment"
    AvailabilityZone: str
    ConnectionTrackingConfiguration: ConnectionTrackingConfiguration
    Description: str
    Groups: list[GroupIdentifier]
    InterfaceType: str
    Ipv6Addresses: list["NetworkInterfaceIpv6Address"]
    MacAddress: str
    NetworkInterfaceId: str
    OutpostArn: str
    OwnerId: str
    PrivateDnsName: str
    PublicDnsName: str
    PublicIpDnsNameOptions: "PublicIpDnsNameOptions"
    PrivateIpAddress: str
    PrivateIpAddresses: list["NetworkInterfacePrivateIpAddress"]
    Ipv4Prefixes: list[Ipv4PrefixSpecification]
    Ipv6Prefixes: list[Ipv6PrefixSpecification]
    RequesterId: str
    RequesterManaged: bool
    SourceDestCheck: bool
    Status: str
    SubnetId: str
    TagSet: list["TagOut"]
    VpcId: str
    DenyAllIgwTraffic: bool
    Ipv6Native: bool
    Ipv6Address: str
    Operator: "OperatorResponse"
    AssociatedSubnets: list[str]
    AvailabilityZoneId: str


class NetworkInterfaceAssociation(TypedDict, total=False):
    """botocore's NetworkInterfaceAssociation structure, as outputs carry it."""

    AllocationId: str
    AssociationId: str
    IpOwnerId: str
    PublicDnsName: str
    PublicIp: str
    CustomerOwnedIp: str
    CarrierIp: str


class NetworkInterfaceAttachment(TypedDict, total=False):
    """botocore's NetworkInterfaceAttachment structure, as outputs carry it."""

    AttachTime: dt.datetime
    AttachmentId: str
    DeleteOnTermination: bool
    DeviceIndex: int
    NetworkCardIndex: int
    InstanceId: str
    InstanceOwnerId: str
    Status: str
    EnaSrdSpecification: AttachmentEnaSrdSpecification
    EnaQueueCount: int


class NetworkInterfaceIpv6Address(TypedDict, total=False):
    """botocore's NetworkInterfaceIpv6Address structure, as outputs carry it."""

    Ipv6Address: str
    PublicIpv6DnsName: str
    IsPrimaryIpv6: bool


class NetworkInterfacePrivateIpAddress(TypedDict, total=False):
    """botocore's NetworkInterfacePrivateIpAddress structure, as outputs carry it."""

    Association: NetworkInterfaceAssociation
    Primary: bool
    PrivateDnsName: str
    PrivateIpAddress: str


class OperatorResponse(TypedDict, total=False):
    """botocore's OperatorResponse structure, as outputs carry it."""

    Managed: bool
    Principal: str
    HiddenByDefault: bool


class PeeringConnectionOptions(TypedDict, total=False):
    """botocore's PeeringConnectionOptions structure, as outputs carry it."""

    AllowDnsResolutionFromRemoteVpc: bool
    AllowEgressFromLocalClassicLinkToRemoteVpc: bool
    AllowEgressFromLocalVpcToRemoteClassicLink: bool
    AllowMultipathResilience: bool
    MultipathResilienceMode: str


class PeeringConnectionOptionsRequest(TypedDict, total=False):
    """botocore's PeeringConnectionOptionsRequest structure, as inputs carry it."""

    AllowDnsResolutionFromRemoteVpc: bool
    AllowEgressFromLocalClassicLinkToRemoteVpc: bool
    AllowEgressFromLocalVpcToRemoteClassicLink: bool
    AllowMultipathResilience: bool
    MultipathResilienceMode: MultipathResilienceMode


class Placement(TypedDict, total=False):
    """botocore's Placement structure, as outputs carry it."""

    AvailabilityZoneId: str
    Affinity: str
    GroupName: str
    PartitionNumber: int
    HostId: str
    Tenancy: str
    SpreadDomain: str
    HostResourceGroupArn: str
    GroupId: str
    AvailabilityZone: str


class PrefixListId(TypedDict, total=False):
    """botocore's PrefixListId structure, as inputs carry it."""

    Description: str
    PrefixListId: str


class PrefixListIdOut(TypedDict, total=False):
    """botocore's PrefixListId structure, as outputs carry it."""

    Description: str
    PrefixListId: str


class PrivateDnsNameOptionsOnLaunch(TypedDict, total=False):
    """botocore's PrivateDnsNameOptionsOnLaunch structure, as outputs carry it."""

    HostnameType: str
    EnableResourceNameDnsARecord: bool
    EnableResourceNameDnsAAAARecord: bool


class PrivateDnsNameOptionsResponse(TypedDict, total=False):
    """botocore's PrivateDnsNameOptionsResponse structure, as outputs carry it."""

    HostnameType: str
    EnableResourceNameDnsARecord: bool
    EnableResourceNameDnsAAAARecord: bool


class ProductCode(TypedDict, total=False):
    """botocore's ProductCode structure, as outputs carry it."""

    ProductCodeId: str
    ProductCodeType: str


class PropagatingVgw(TypedDict, total=False):
    """botocore's PropagatingVgw structure, as outputs carry it."""

    GatewayId: str


class PublicIpDnsNameOptions(TypedDict, total=False):
    """botocore's PublicIpDnsNameOptions structure, as outputs carry it."""

    DnsHostnameType: str
    PublicIpv4DnsName: str
    PublicIpv6DnsName: str
    PublicDualStackDnsName: str


class ReferencedSecurityGroup(TypedDict, total=False):
    """botocore's ReferencedSecurityGroup structure, as outputs carry it."""

    GroupId: str
    PeeringStatus: str
    UserId: str
    VpcId: str
    VpcPeeringConnectionId: str


class RejectVpcPeeringConnectionRequest(TypedDict, total=False):
    """The input of RejectVpcPeeringConnection."""

    DryRun: bool
    VpcPeeringConnectionId: Required[str]


class RejectVpcPeeringConnectionResult(TypedDict, total=False):
    """The output of RejectVpcPeeringConnection."""

    Return: bool


class ReplaceRouteRequest(TypedDict, total=False):
    """The input of ReplaceRoute."""

    DestinationPrefixListId: str
    VpcEndpointId: str
    LocalTarget: bool
    TransitGatewayId: str
    LocalGatewayId: str
    CarrierGatewayId: str
    CoreNetworkArn: str
    OdbNetworkArn: str
    DryRun: bool
    RouteTableId: Required[str]
    DestinationCidrBlock: str
    GatewayId: str
    DestinationIpv6CidrBlock: str
    EgressOnlyInternetGatewayId: str
    InstanceId: str
    NetworkInterfaceId: str
    VpcPeeringConnectionId: str
    NatGatewayId: str


class ReplaceRouteTableAssociationRequest(TypedDict, total=False):
    """The input of ReplaceRouteTableAssociation."""

    DryRun: bool
    AssociationId: Required[str]
    RouteTableId: Required[str]


class ReplaceRouteTableAssociationResult(TypedDict, total=False):
    """The output of ReplaceRouteTableAssociation."""

    NewAssociationId: str
    AssociationState: "RouteTableAssociationState"


class Reservation(TypedDict, total=False):
    """botocore's Reservation structure, as outputs carry it."""

    ReservationId: str
    OwnerId: str
    RequesterId: str
    Groups: list[GroupIdentifier]
    Instances: list[Instance]


class RevokeSecurityGroupEgressRequest(TypedDict, total=False):
    """The input of RevokeSecurityGroupEgress."""

    SecurityGroupRuleIds: list[str]
    DryRun: bool
    GroupId: Required[str]
    SourceSecurityGroupName: str
    SourceSecurityGroupOwnerId: str
    IpProtocol: str
    FromPort: int
    ToPort: int
    CidrIp: str
    IpPermissions: list[IpPermission]


class RevokeSecurityGroupEgressResult(TypedDict, total=False):
    """The output of RevokeSecurityGroupEgress."""

    Return: bool
    UnknownIpPermissions: list[IpPermissionOut]
    RevokedSecurityGroupRules: list["RevokedSecurityGroupRule"]


class RevokeSecurityGroupIngressRequest(TypedDict, total=False):
    """The input of RevokeSecurityGroupIngress."""

    CidrIp: str
    FromPort: int
    GroupId: str
    GroupName: str
    IpPermissions: list[IpPermission]
    IpProtocol: str
    SourceSecurityGroupName: str
    SourceSecurityGroupOwnerId: str
    ToPort: int
    SecurityGroupRuleIds: list[str]
    DryRun: bool


class RevokeSecurityGroupIngressResult(TypedDict, total=False):
    """The output of RevokeSecurityGroupIngress."""

    Return: bool
    UnknownIpPermissions: list[IpPermissionOut]
    RevokedSecurityGroupRules: list["RevokedSecurityGroupRule"]


class RevokedSecurityGroupRule(TypedDict, total=False):
    """botocore's RevokedSecurityGroupRule structure, as outputs carry it."""

    SecurityGroupRuleId: str
    GroupId: str
    IsEgress: bool
    IpProtocol: str
    FromPort: int
    ToPort: int
    CidrIpv4: str
    CidrIpv6: str
    PrefixListId: str
    ReferencedGroupId: str
    Description: str


class Route(TypedDict, total=False):
    """botocore's Route structure, as outputs carry it."""

    DestinationCidrBlock: str
    DestinationIpv6CidrBlock: str
    DestinationPrefixListId: str
    EgressOnlyInternetGatewayId: str
    GatewayId: str
    InstanceId: str
    InstanceOwnerId: str
    NatGatewayId: str
    TransitGatewayId: str
    LocalGatewayId: str
    CarrierGatewayId: str
    NetworkInterfaceId: str
    Origin: str
    State: str
    VpcPeeringConnectionId: str
    CoreNetworkArn: str
    OdbNetworkArn: str
    IpAddress: str
    IgwFirewall: IgwFirewall


class RouteTable(TypedDict, total=False):
    """botocore's RouteTable structure, as outputs carry it."""

    Associations: list["RouteTableAssociation"]
    PropagatingVgws: list[PropagatingVgw]
    RouteTableId: str
    Routes: list[Route]
    Tags: list["TagOut"]
    VpcId: str
    OwnerId: str


class RouteTableAssociation(TypedDict, total=False):
    """botocore's RouteTableAssociation structure, as outputs carry it."""

    Main: bool
    RouteTableAssociationId: str
    RouteTableId: str
    SubnetId: str
    GatewayId: str
    PublicIpv4Pool: str
    AssociationState: "RouteTableAssociationState"


class RouteTableAssociationState(TypedDict, total=False):
    """botocore's RouteTableAssociationState structure, as outputs carry it."""

    State: str
    StatusMessage: str


class SecurityGroup(TypedDict, total=False):
    """botocore's SecurityGroup structure, as outputs carry it."""

    GroupId: str
    IpPermissionsEgress: list[IpPermissionOut]
    Tags: list["TagOut"]
    VpcId: str
    SecurityGroupArn: str
    OwnerId: str
    GroupName: str
    Description: str
    IpPermissions: list[IpPermissionOut]


class SecurityGroupRule(TypedDict, total=False):
    """botocore's SecurityGroupRule structure, as outputs carry it."""

    SecurityGroupRuleId: str
    GroupId: str
    GroupOwnerId: str
    IsEgress: bool
    IpProtocol: str
    FromPort: int
    ToPort: int
    CidrIpv4: str
    CidrIpv6: str
    PrefixListId: str
    ReferencedGroupInfo: ReferencedSecurityGroup
    Description: str
    Tags: list["TagOut"]
    SecurityGroupRuleArn: str


class StandbyVolumeAvailabilityZone(TypedDict, total=False):
    """botocore's StandbyVolumeAvailabilityZone structure, as outputs carry it."""

    AvailabilityZone: str
    AvailabilityZoneId: str


class StateReason(TypedDict, total=False):
    """botocore's StateReason structure, as outputs carry it."""

    Code: str
    Message: str


class Subnet(TypedDict, total=False):
    """botocore's Subnet structure, as outputs carry it."""

    AvailabilityZoneId: str
    EnableLniAtDeviceIndex: int
    MapCustomerOwnedIpOnLaunch: bool
    CustomerOwnedIpv4Pool: str
    OwnerId: str
    AssignIpv6AddressOnCreation: bool
    Ipv6CidrBlockAssociationSet: list["SubnetIpv6CidrBlockAssociation"]
    Tags: list["TagOut"]
    SubnetArn: str
    OutpostArn: str
    EnableDns64: bool
    Ipv6Native: bool
    PrivateDnsNameOptionsOnLaunch: PrivateDnsNameOptionsOnLaunch
    BlockPublicAccessStates: BlockPublicAccessStates
    Type: str
    NetworkFirewallConnectivityType: str
    SubnetId: str
    State: str
    VpcId: str
    CidrBlock: str
    AvailableIpAddressCount: int
    AvailabilityZone: str
    DefaultForAz: bool
    MapPublicIpOnLaunch: bool


class SubnetCidrBlockState(TypedDict, total=False):
    """botocore's SubnetCidrBlockState structure, as outputs carry it."""

    State: str
    StatusMessage: str


class SubnetIpv6CidrBlockAssociation(TypedDict, total=False):
    """botocore's SubnetIpv6CidrBlockAssociation structure, as outputs carry it."""

    AssociationId: str
    Ipv6CidrBlock: str
    Ipv6CidrBlockState: SubnetCidrBlockState
    Ipv6AddressAttribute: str
    IpSource: str


class Tag(TypedDict, total=False):
    """botocore's Tag structure, as inputs carry it."""

    Key: str
    Value: str


class TagDescription(TypedDict, total=False):
    """botocore's TagDescription structure, as outputs carry it."""

    Key: str
    ResourceId: str
    ResourceType: str
    Value: str


class TagOut(TypedDict, total=False):
    """botocore's Tag structure, as outputs carry it."""

    Key: str
    Value: str


class TagSpecification(TypedDict, total=False):
    """botocore's TagSpecification structure, as inputs carry it."""

    ResourceType: ResourceType
    Tags: list[Tag]


class UserIdGroupPair(TypedDict, total=False):
    """botocore's UserIdGroupPair structure, as inputs carry it."""

    Description: str
    UserId: str
    GroupName: str
    GroupId: str
    VpcId: str
    VpcPeeringConnectionId: str
    PeeringStatus: str


class UserIdGroupPairOut(TypedDict, total=False):
    """botocore's UserIdGroupPair structure, as outputs carry it."""

    Description: str
    UserId: str
    GroupName: str
    GroupId: str
    VpcId: str
    VpcPeeringConnectionId: str
    PeeringStatus: str


class Vpc(TypedDict, total=False):
    """botocore's Vpc structure, as outputs carry it."""

    OwnerId: str
    InstanceTenancy: str
    Ipv6CidrBlockAssociationSet: list["VpcIpv6CidrBlockAssociation"]
    CidrBlockAssociationSet: list["VpcCidrBlockAssociation"]
    IsDefault: bool
    EncryptionControl: "VpcEncryptionControl"
    Tags: list[TagOut]
    BlockPublicAccessStates: BlockPublicAccessStates
    NetworkFirewallAssociations: list[NetworkFirewallAssociation]
    VpcId: str
    State: str
    CidrBlock: str
    DhcpOptionsId: str


class VpcCidrBlockAssociation(TypedDict, total=False):
    """botocore's VpcCidrBlockAssociation structure, as outputs carry it."""

    AssociationId: str
    CidrBlock: str
    CidrBlockState: "VpcCidrBlockState"


class VpcCidrBlockState(TypedDict, total=False):
    """botocore's VpcCidrBlockState structure, as outputs carry it."""

    State: str
    StatusMessage: str


class VpcEncryptionControl(TypedDict, total=False):
    """botocore's VpcEncryptionControl structure, as outputs carry it."""

    VpcId: str
    VpcEncryptionControlId: str
    Mode: str
    State: str
    StateMessage: str
    ResourceExclusions: "VpcEncryptionControlExclusions"
    Tags: list[TagOut]


class VpcEncryptionControlConfiguration(TypedDict, total=False):
    """botocore's VpcEncryptionControlConfiguration structure, as inputs carry it."""

    Mode: Required[VpcEncryptionControlMode]
    InternetGatewayExclusion: VpcEncryptionControlExclusionStateInput
    EgressOnlyInternetGatewayExclusion: VpcEncryptionControlExclusionStateInput
    NatGatewayExclusion: VpcEncryptionControlExclusionStateInput
    VirtualPrivateGatewayExclusion: VpcEncryptionControlExclusionStateInput
    VpcPeeringExclusion: VpcEncryptionControlExclusionStateInput
    LambdaExclusion: VpcEncryptionControlExclusionStateInput
    VpcLatticeExclusion: VpcEncryptionControlExclusionStateInput
    ElasticFileSystemExclusion: VpcEncryptionControlExclusionStateInput
    GlobalAcceleratorExclusion: VpcEncryptionControlExclusionStateInput
    ApiGatewayV2Exclusion: VpcEncryptionControlExclusionStateInput


class VpcEncryptionControlExclusion(TypedDict, total=False):
    """botocore's VpcEncryptionControlExclusion structure, as outputs carry it."""

    State: str
    StateMessage: str


class VpcEncryptionControlExclusions(TypedDict, total=False):
    """botocore's VpcEncryptionControlExclusions structure, as outputs carry it."""

    InternetGateway: VpcEncryptionControlExclusion
    EgressOnlyInternetGateway: VpcEncryptionControlExclusion
    NatGateway: VpcEncryptionControlExclusion
    VirtualPrivateGateway: VpcEncryptionControlExclusion
    VpcPeering: VpcEncryptionControlExclusion
    Lambda: VpcEncryptionControlExclusion
    VpcLattice: VpcEncryptionControlExclusion
    ElasticFileSystem: VpcEncryptionControlExclusion
    GlobalAccelerator: VpcEncryptionControlExclusion
    ApiGatewayV2: VpcEncryptionControlExclusion


class VpcIpv6CidrBlockAssociation(TypedDict, total=False):
    """botocore's VpcIpv6CidrBlockAssociation structure, as outputs carry it."""

    AssociationId: str
    Ipv6CidrBlock: str
    Ipv6CidrBlockState: VpcCidrBlockState
    NetworkBorderGroup: str
    Ipv6Pool: str
    Ipv6AddressAttribute: str
    IpSource: str


class VpcPeeringConnection(TypedDict, total=False):
    """botocore's VpcPeeringConnection structure, as outputs carry it."""

    AccepterVpcInfo: "VpcPeeringConnectionVpcInfo"
    ExpirationTime: dt.datetime
    RequesterVpcInfo: "VpcPeeringConnectionVpcInfo"
    Status: "VpcPeeringConnectionStateReason"
    Tags: list[TagOut]
    VpcPeeringConnectionId: str
    MultipathResilienceStatus: str


class VpcPeeringConnectionOptionsDescription(TypedDict, total=False):
    """botocore's VpcPeeringConnectionOptionsDescription structure, as outputs carry it."""

    AllowDnsResolutionFromRemoteVpc: bool
    AllowEgressFromLocalClassicLinkToRemoteVpc: bool
    AllowEgressFromLocalVpcToRemoteClassicLink: bool
    AllowMultipathResilience: bool
    MultipathResilienceMode: str


class VpcPeeringConnectionStateReason(TypedDict, total=False):
    """botocore's VpcPeeringConnectionStateReason structure, as outputs carry it."""

    Code: str
    Message: str


class VpcPeeringConnectionVpcInfo(TypedDict, total=False):
    """botocore's VpcPeeringConnectionVpcInfo structure, as outputs carry it."""

    CidrBlock: str
    Ipv6CidrBlockSet: list[Ipv6CidrBlock]
    CidrBlockSet: list[CidrBlock]
    OwnerId: str
    PeeringOptions: VpcPeeringConnectionOptionsDescription
    VpcId: str
    Region: str

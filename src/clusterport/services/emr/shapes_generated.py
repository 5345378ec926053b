"""Typed input and output shapes of the emr operations clusterport serves.

Generated from botocore 1.44.18's model (with the model patches) by
``python -m clusterport.services.gen_shapes``: do not edit by hand.
"""

import datetime as dt
from typing import Literal, Required, TypedDict

ActionOnFailure = Literal["CANCEL_AND_WAIT", "CONTINUE", "TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW"]

AdjustmentType = Literal["CHANGE_IN_CAPACITY", "EXACT_CAPACITY", "PERCENT_CHANGE_IN_CAPACITY"]

ClusterState = Literal[
    "BOOTSTRAPPING",
    "RUNNING",
    "STARTING",
    "TERMINATED",
    "TERMINATED_WITH_ERRORS",
    "TERMINATING",
    "WAITING",
]

ComparisonOperator = Literal[
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUAL",
    "LESS_THAN",
    "LESS_THAN_OR_EQUAL",
]

ComputeLimitsUnitType = Literal["InstanceFleetUnits", "Instances", "VCPU"]

InstanceFleetType = Literal["CORE", "MASTER", "TASK"]

InstanceGroupType = Literal["CORE", "MASTER", "TASK"]

InstanceRoleType = Literal["CORE", "MASTER", "TASK"]

InstanceState = Literal[
    "AWAITING_FULFILLMENT",
    "BOOTSTRAPPING",
    "PROVISIONING",
    "RUNNING",
    "TERMINATED",
]

LogUploadPolicyValue = Literal["disabled", "emr-managed", "on-customer-s3only"]

MarketType = Literal["ON_DEMAND", "SPOT"]

OnClusterAppUIType = Literal[
    "ApplicationMaster",
    "JobHistoryServer",
    "ResourceManager",
    "SparkHistoryServer",
    "TezUI",
    "YarnTimelineService",
]

OnDemandCapacityReservationPreference = Literal["none", "open"]

OnDemandCapacityReservationUsageStrategy = Literal["use-capacity-reservations-first"]

OnDemandProvisioningAllocationStrategy = Literal["lowest-price", "prioritized"]

PersistentAppUIType = Literal["SHS", "TEZ", "YTS"]

PlacementGroupStrategy = Literal["CLUSTER", "NONE", "PARTITION", "SPREAD"]

ProfilerType = Literal["SHS", "TEZUI", "YTS"]

ReconfigurationType = Literal["MERGE", "OVERWRITE"]

RepoUpgradeOnBoot = Literal["NONE", "SECURITY"]

ScaleDownBehavior = Literal["TERMINATE_AT_INSTANCE_HOUR", "TERMINATE_AT_TASK_COMPLETION"]

ScalingStrategy = Literal["ADVANCED", "DEFAULT"]

SessionState = Literal[
    "BUSY",
    "FAILED",
    "IDLE",
    "STARTED",
    "STARTING",
    "SUBMITTED",
    "TERMINATED",
    "TERMINATING",
]

SpotProvisioningAllocationStrategy = Literal[
    "capacity-optimized",
    "capacity-optimized-prioritized",
    "diversified",
    "lowest-price",
    "price-capacity-optimized",
]

SpotProvisioningTimeoutAction = Literal["SWITCH_TO_ON_DEMAND", "TERMINATE_CLUSTER"]

Statistic = Literal["AVERAGE", "MAXIMUM", "MINIMUM", "SAMPLE_COUNT", "SUM"]

StepCancellationOption = Literal["SEND_INTERRUPT", "TERMINATE_PROCESS"]

StepState = Literal[
    "CANCELLED",
    "CANCEL_PENDING",
    "COMPLETED",
    "FAILED",
    "INTERRUPTED",
    "PENDING",
    "RUNNING",
]

Unit = Literal[
    "BITS",
    "BITS_PER_SECOND",
    "BYTES",
    "BYTES_PER_SECOND",
    "COUNT",
    "COUNT_PER_SECOND",
    "GIGA_BITS",
    "GIGA_BITS_PER_SECOND",
    "GIGA_BYTES",
    "GIGA_BYTES_PER_SECOND",
    "KILO_BITS",
    "KILO_BITS_PER_SECOND",
    "KILO_BYTES",
    "KILO_BYTES_PER_SECOND",
    "MEGA_BITS",
    "MEGA_BITS_PER_SECOND",
    "MEGA_BYTES",
    "MEGA_BYTES_PER_SECOND",
    "MICRO_SECONDS",
    "MILLI_SECONDS",
    "NONE",
    "PERCENT",
    "SECONDS",
    "TERA_BITS",
    "TERA_BITS_PER_SECOND",
    "TERA_BYTES",
    "TERA_BYTES_PER_SECOND",
]


class NoOutput(TypedDict, total=False):
    """The output of an operation whose model has none: the provider returns {}."""


class AddJobFlowStepsInput(TypedDict, total=False):
    """The input of AddJobFlowSteps."""

    JobFlowId: Required[str]
    Steps: Required[list["StepConfig"]]
    ExecutionRoleArn: str


class AddJobFlowStepsOutput(TypedDict, total=False):
    """The output of AddJobFlowSteps."""

    StepIds: list[str]


class AddTagsInput(TypedDict, total=False):
    """The input of AddTags."""

    ResourceId: Required[str]
    Tags: Required[list["Tag"]]
    ClusterId: str


class AddTagsOutput(TypedDict, total=False):
    """The output of AddTags."""


class Application(TypedDict, total=False):
    """botocore's Application structure, as inputs carry it."""

    Name: str
    Version: str
    Args: list[str]
    AdditionalInfo: dict[str, str]


class ApplicationOut(TypedDict, total=False):
    """botocore's Application structure, as outputs carry it."""

    Name: str
    Version: str
    Args: list[str]
    AdditionalInfo: dict[str, str]


class AutoScalingPolicy(TypedDict, total=False):
    """botocore's AutoScalingPolicy structure, as inputs carry it."""

    Constraints: Required["ScalingConstraints"]
    Rules: Required[list["ScalingRule"]]


class AutoScalingPolicyDescription(TypedDict, total=False):
    """botocore's AutoScalingPolicyDescription structure, as outputs carry it."""

    Status: "AutoScalingPolicyStatus"
    Constraints: "ScalingConstraintsOut"
    Rules: list["ScalingRuleOut"]


class AutoScalingPolicyStateChangeReason(TypedDict, total=False):
    """botocore's AutoScalingPolicyStateChangeReason structure, as outputs carry it."""

    Code: str
    Message: str


class AutoScalingPolicyStatus(TypedDict, total=False):
    """botocore's AutoScalingPolicyStatus structure, as outputs carry it."""

    State: str
    StateChangeReason: AutoScalingPolicyStateChangeReason


class AutoTerminationPolicy(TypedDict, total=False):
    """botocore's AutoTerminationPolicy structure, as inputs carry it."""

    IdleTimeout: int


class AutoTerminationPolicyOut(TypedDict, total=False):
    """botocore's AutoTerminationPolicy structure, as outputs carry it."""

    IdleTimeout: int


class BootstrapActionConfig(TypedDict, total=False):
    """botocore's BootstrapActionConfig structure, as inputs carry it."""

    Name: Required[str]
    ScriptBootstrapAction: Required["ScriptBootstrapActionConfig"]


class CancelStepsInfo(TypedDict, total=False):
    """botocore's CancelStepsInfo structure, as outputs carry it."""

    StepId: str
    Status: str
    Reason: str


class CancelStepsInput(TypedDict, total=False):
    """The input of CancelSteps."""

    ClusterId: Required[str]
    StepIds: Required[list[str]]
    StepCancellationOption: StepCancellationOption


class CancelStepsOutput(TypedDict, total=False):
    """The output of CancelSteps."""

    CancelStepsInfoList: list[CancelStepsInfo]


class CloudWatchAlarmDefinition(TypedDict, total=False):
    """botocore's CloudWatchAlarmDefinition structure, as inputs carry it."""

    ComparisonOperator: Required[ComparisonOperator]
    EvaluationPeriods: int
    MetricName: Required[str]
    Namespace: str
    Period: Required[int]
    Statistic: Statistic
    Threshold: Required[float]
    Unit: Unit
    Dimensions: list["MetricDimension"]


class CloudWatchAlarmDefinitionOut(TypedDict, total=False):
    """botocore's CloudWatchAlarmDefinition structure, as outputs carry it."""

    ComparisonOperator: str
    EvaluationPeriods: int
    MetricName: str
    Namespace: str
    Period: int
    Statistic: str
    Threshold: float
    Unit: str
    Dimensions: list["MetricDimensionOut"]


class CloudWatchLogConfiguration(TypedDict, total=False):
    """botocore's CloudWatchLogConfiguration structure, as inputs carry it."""

    Enabled: Required[bool]
    LogGroupName: str
    LogStreamNamePrefix: str
    EncryptionKeyArn: str
    LogTypes: dict[str, list[str]]


class CloudWatchLogConfigurationOut(TypedDict, total=False):
    """botocore's CloudWatchLogConfiguration structure, as outputs carry it."""

    Enabled: bool
    LogGroupName: str
    LogStreamNamePrefix: str
    EncryptionKeyArn: str
    LogTypes: dict[str, list[str]]


class Cluster(TypedDict, total=False):
    """botocore's Cluster structure, as outputs carry it."""

    Id: str
    Name: str
    Status: "ClusterStatus"
    Ec2InstanceAttributes: "Ec2InstanceAttributes"
    InstanceCollectionType: str
    LogUri: str
    LogEncryptionKmsKeyId: str
    RequestedAmiVersion: str
    RunningAmiVersion: str
    ReleaseLabel: str
    AutoTerminate: bool
    TerminationProtected: bool
    UnhealthyNodeReplacement: bool
    VisibleToAllUsers: bool
    Applications: list[ApplicationOut]
    Tags: list["TagOut"]
    ServiceRole: str
    NormalizedInstanceHours: int
    MasterPublicDnsName: str
    Configurations: list["ConfigurationOut"]
    SecurityConfiguration: str
    AutoScalingRole: str
    ScaleDownBehavior: str
    CustomAmiId: str
    EbsRootVolumeSize: int
    RepoUpgradeOnBoot: str
    KerberosAttributes: "KerberosAttributesOut"
    ClusterArn: str
    OutpostArn: str
    StepConcurrencyLevel: int
    PlacementGroups: list["PlacementGroupConfigOut"]
    OSReleaseLabel: str
    EbsRootVolumeIops: int
    EbsRootVolumeThroughput: int
    ExtendedSupport: bool
    MonitoringConfiguration: "MonitoringConfigurationOut"
    SessionEnabled: bool


class ClusterStateChangeReason(TypedDict, total=False):
    """botocore's ClusterStateChangeReason structure, as outputs carry it."""

    Code: str
    Message: str


class ClusterStatus(TypedDict, total=False):
    """botocore's ClusterStatus structure, as outputs carry it."""

    State: str
    StateChangeReason: ClusterStateChangeReason
    Timeline: "ClusterTimeline"
    ErrorDetails: list["ErrorDetail"]


class ClusterSummary(TypedDict, total=False):
    """botocore's ClusterSummary structure, as outputs carry it."""

    Id: str
    Name: str
    Status: ClusterStatus
    NormalizedInstanceHours: int
    ClusterArn: str
    OutpostArn: str


class ClusterTimeline(TypedDict, total=False):
    """botocore's ClusterTimeline structure, as outputs carry it."""

    CreationDateTime: dt.datetime
    ReadyDateTime: dt.datetime
    EndDateTime: dt.datetime


class Command(TypedDict, total=False):
    """botocore's Command structure, as outputs carry it."""

    Name: str
    ScriptPath: str
    Args: list[str]


class ComputeLimits(TypedDict, total=False):
    """botocore's ComputeLimits structure, as inputs carry it."""

    UnitType: Required[ComputeLimitsUnitType]
    MinimumCapacityUnits: Required[int]
    MaximumCapacityUnits: Required[int]
    MaximumOnDemandCapacityUnits: int
    MaximumCoreCapacityUnits: int


class ComputeLimitsOut(TypedDict, total=False):
    """botocore's ComputeLimits structure, as outputs carry it."""

    UnitType: str
    MinimumCapacityUnits: int
    MaximumCapacityUnits: int
    MaximumOnDemandCapacityUnits: int
    MaximumCoreCapacityUnits: int


class Configuration(TypedDict, total=False):
    """botocore's Configuration structure, as inputs carry it."""

    Classification: str
    Configurations: list["Configuration"]
    Properties: dict[str, str]


class ConfigurationOut(TypedDict, total=False):
    """botocore's Configuration structure, as outputs carry it."""

    Classification: str
    Configurations: list["ConfigurationOut"]
    Properties: dict[str, str]


class CreatePersistentAppUIInput(TypedDict, total=False):
    """The input of CreatePersistentAppUI."""

    TargetResourceArn: Required[str]
    EMRContainersConfig: "EMRContainersConfig"
    Tags: list["Tag"]
    XReferer: str
    ProfilerType: ProfilerType


class CreatePersistentAppUIOutput(TypedDict, total=False):
    """The output of CreatePersistentAppUI."""

    PersistentAppUIId: str
    RuntimeRoleEnabledCluster: bool


class Credentials(TypedDict, total=False):
    """botocore's Credentials structure, as outputs carry it."""

    UsernamePassword: "UsernamePassword"


class DescribeClusterInput(TypedDict, total=False):
    """The input of DescribeCluster."""

    ClusterId: Required[str]


class DescribeClusterOutput(TypedDict, total=False):
    """The output of DescribeCluster."""

    Cluster: Cluster


class DescribePersistentAppUIInput(TypedDict, total=False):
    """The input of DescribePersistentAppUI."""

    PersistentAppUIId: Required[str]


class DescribePersistentAppUIOutput(TypedDict, total=False):
    """The output of DescribePersistentAppUI."""

    PersistentAppUI: "PersistentAppUI"


class DescribeReleaseLabelInput(TypedDict, total=False):
    """The input of DescribeReleaseLabel."""

    ReleaseLabel: str
    NextToken: str
    MaxResults: int


class DescribeReleaseLabelOutput(TypedDict, total=False):
    """The output of DescribeReleaseLabel."""

    ReleaseLabel: str
    Applications: list["SimplifiedApplication"]
    NextToken: str
    AvailableOSReleases: list["OSRelease"]


class DescribeStepInput(TypedDict, total=False):
    """The input of DescribeStep."""

    ClusterId: Required[str]
    StepId: Required[str]


class DescribeStepOutput(TypedDict, total=False):
    """The output of DescribeStep."""

    Step: "Step"


class EMRContainersConfig(TypedDict, total=False):
    """botocore's EMRContainersConfig structure, as inputs carry it."""

    JobRunId: str


class EbsBlockDevice(TypedDict, total=False):
    """botocore's EbsBlockDevice structure, as outputs carry it."""

    VolumeSpecification: "VolumeSpecificationOut"
    Device: str


class EbsBlockDeviceConfig(TypedDict, total=False):
    """botocore's EbsBlockDeviceConfig structure, as inputs carry it."""

    VolumeSpecification: Required["VolumeSpecification"]
    VolumesPerInstance: int


class EbsConfiguration(TypedDict, total=False):
    """botocore's EbsConfiguration structure, as inputs carry it."""

    EbsBlockDeviceConfigs: list[EbsBlockDeviceConfig]
    EbsOptimized: bool


class EbsVolume(TypedDict, total=False):
    """botocore's EbsVolume structure, as outputs carry it."""

    Device: str
    VolumeId: str


class Ec2InstanceAttributes(TypedDict, total=False):
    """botocore's Ec2InstanceAttributes structure, as outputs carry it."""

    Ec2KeyName: str
    Ec2SubnetId: str
    RequestedEc2SubnetIds: list[str]
    Ec2AvailabilityZone: str
    RequestedEc2AvailabilityZones: list[str]
    IamInstanceProfile: str
    EmrManagedMasterSecurityGroup: str
    EmrManagedSlaveSecurityGroup: str
    ServiceAccessSecurityGroup: str
    AdditionalMasterSecurityGroups: list[str]
    AdditionalSlaveSecurityGroups: list[str]


class ErrorDetail(TypedDict, total=False):
    """botocore's ErrorDetail structure, as outputs carry it."""

    ErrorCode: str
    ErrorData: list[dict[str, str]]
    ErrorMessage: str


class FailureDetails(TypedDict, total=False):
    """botocore's FailureDetails structure, as outputs carry it."""

    Reason: str
    Message: str
    LogFile: str


class GetAutoTerminationPolicyInput(TypedDict, total=False):
    """The input of GetAutoTerminationPolicy."""

    ClusterId: Required[str]


class GetAutoTerminationPolicyOutput(TypedDict, total=False):
    """The output of GetAutoTerminationPolicy."""

    AutoTerminationPolicy: AutoTerminationPolicyOut


class GetManagedScalingPolicyInput(TypedDict, total=False):
    """The input of GetManagedScalingPolicy."""

    ClusterId: Required[str]


class GetManagedScalingPolicyOutput(TypedDict, total=False):
    """The output of GetManagedScalingPolicy."""

    ManagedScalingPolicy: "ManagedScalingPolicyOut"


class GetOnClusterAppUIPresignedURLInput(TypedDict, total=False):
    """The input of GetOnClusterAppUIPresignedURL."""

    ClusterId: Required[str]
    OnClusterAppUIType: OnClusterAppUIType
    ApplicationId: str
    DryRun: bool
    ExecutionRoleArn: str


class GetOnClusterAppUIPresignedURLOutput(TypedDict, total=False):
    """The output of GetOnClusterAppUIPresignedURL."""

    PresignedURLReady: bool
    PresignedURL: str


class GetPersistentAppUIPresignedURLInput(TypedDict, total=False):
    """The input of GetPersistentAppUIPresignedURL."""

    PersistentAppUIId: Required[str]
    PersistentAppUIType: PersistentAppUIType
    ApplicationId: str
    AuthProxyCall: bool
    ExecutionRoleArn: str


class GetPersistentAppUIPresignedURLOutput(TypedDict, total=False):
    """The output of GetPersistentAppUIPresignedURL."""

    PresignedURLReady: bool
    PresignedURL: str


class GetSessionEndpointInput(TypedDict, total=False):
    """The input of GetSessionEndpoint."""

    ClusterId: Required[str]
    SessionId: Required[str]


class GetSessionEndpointOutput(TypedDict, total=False):
    """The output of GetSessionEndpoint."""

    Endpoint: str
    AuthToken: str
    AuthTokenExpirationTime: dt.datetime
    Credentials: Credentials


class GetSessionInput(TypedDict, total=False):
    """The input of GetSession."""

    ClusterId: Required[str]
    SessionId: Required[str]


class GetSessionOutput(TypedDict, total=False):
    """The output of GetSession."""

    Session: "Session"


class HadoopJarStepConfig(TypedDict, total=False):
    """botocore's HadoopJarStepConfig structure, as inputs carry it."""

    Properties: list["KeyValue"]
    Jar: Required[str]
    MainClass: str
    Args: list[str]


class HadoopStepConfig(TypedDict, total=False):
    """botocore's HadoopStepConfig structure, as outputs carry it."""

    Jar: str
    Properties: dict[str, str]
    MainClass: str
    Args: list[str]


class Instance(TypedDict, total=False):
    """botocore's Instance structure, as outputs carry it."""

    Id: str
    Ec2InstanceId: str
    PublicDnsName: str
    PublicIpAddress: str
    PrivateDnsName: str
    PrivateIpAddress: str
    Status: "InstanceStatus"
    InstanceGroupId: str
    InstanceFleetId: str
    Market: str
    InstanceType: str
    EbsVolumes: list[EbsVolume]


class InstanceFleetConfig(TypedDict, total=False):
    """botocore's InstanceFleetConfig structure, as inputs carry it."""

    Name: str
    InstanceFleetType: Required[InstanceFleetType]
    TargetOnDemandCapacity: int
    TargetSpotCapacity: int
    InstanceTypeConfigs: list["InstanceTypeConfig"]
    LaunchSpecifications: "InstanceFleetProvisioningSpecifications"
    ResizeSpecifications: "InstanceFleetResizingSpecifications"
    Context: str


class InstanceFleetProvisioningSpecifications(TypedDict, total=False):
    """botocore's InstanceFleetProvisioningSpecifications structure, as inputs carry it."""

    SpotSpecification: "SpotProvisioningSpecification"
    OnDemandSpecification: "OnDemandProvisioningSpecification"


class InstanceFleetResizingSpecifications(TypedDict, total=False):
    """botocore's InstanceFleetResizingSpecifications structure, as inputs carry it."""

    SpotResizeSpecification: "SpotResizingSpecification"
    OnDemandResizeSpecification: "OnDemandResizingSpecification"


class InstanceGroup(TypedDict, total=False):
    """botocore's InstanceGroup structure, as outputs carry it."""

    Id: str
    Name: str
    Market: str
    InstanceGroupType: str
    BidPrice: str
    InstanceType: str
    RequestedInstanceCount: int
    RunningInstanceCount: int
    Status: "InstanceGroupStatus"
    Configurations: list[ConfigurationOut]
    ConfigurationsVersion: int
    LastSuccessfullyAppliedConfigurations: list[ConfigurationOut]
    LastSuccessfullyAppliedConfigurationsVersion: int
    EbsBlockDevices: list[EbsBlockDevice]
    EbsOptimized: bool
    ShrinkPolicy: "ShrinkPolicyOut"
    AutoScalingPolicy: AutoScalingPolicyDescription
    CustomAmiId: str


class InstanceGroupConfig(TypedDict, total=False):
    """botocore's InstanceGroupConfig structure, as inputs carry it."""

    Name: str
    Market: MarketType
    InstanceRole: Required[InstanceRoleType]
    BidPrice: str
    InstanceType: Required[str]
    InstanceCount: Required[int]
    Configurations: list[Configuration]
    EbsConfiguration: EbsConfiguration
    AutoScalingPolicy: AutoScalingPolicy
    CustomAmiId: str


class InstanceGroupModifyConfig(TypedDict, total=False):
    """botocore's InstanceGroupModifyConfig structure, as inputs carry it."""

    InstanceGroupId: Required[str]
    InstanceCount: int
    EC2InstanceIdsToTerminate: list[str]
    ShrinkPolicy: "ShrinkPolicy"
    ReconfigurationType: ReconfigurationType
    Configurations: list[Configuration]


class InstanceGroupStateChangeReason(TypedDict, total=False):
    """botocore's InstanceGroupStateChangeReason structure, as outputs carry it."""

    Code: str
    Message: str


class InstanceGroupStatus(TypedDict, total=False):
    """botocore's InstanceGroupStatus structure, as outputs carry it."""

    State: str
    StateChangeReason: InstanceGroupStateChangeReason
    Timeline: "InstanceGroupTimeline"


class InstanceGroupTimeline(TypedDict, total=False):
    """botocore's InstanceGroupTimeline structure, as outputs carry it."""

    CreationDateTime: dt.datetime
    ReadyDateTime: dt.datetime
    EndDateTime: dt.datetime


class InstanceResizePolicy(TypedDict, total=False):
    """botocore's InstanceResizePolicy structure, as inputs carry it."""

    InstancesToTerminate: list[str]
    InstancesToProtect: list[str]
    InstanceTerminationTimeout: int


class InstanceResizePolicyOut(TypedDict, total=False):
    """botocore's InstanceResizePolicy structure, as outputs carry it."""

    InstancesToTerminate: list[str]
    InstancesToProtect: list[str]
    InstanceTerminationTimeout: int


class InstanceStateChangeReason(TypedDict, total=False):
    """botocore's InstanceStateChangeReason structure, as outputs carry it."""

    Code: str
    Message: str


class InstanceStatus(TypedDict, total=False):
    """botocore's InstanceStatus structure, as outputs carry it."""

    State: str
    StateChangeReason: InstanceStateChangeReason
    Timeline: "InstanceTimeline"


class InstanceTimeline(TypedDict, total=False):
    """botocore's InstanceTimeline structure, as outputs carry it."""

    CreationDateTime: dt.datetime
    ReadyDateTime: dt.datetime
    EndDateTime: dt.datetime


class InstanceTypeConfig(TypedDict, total=False):
    """botocore's InstanceTypeConfig structure, as inputs carry it."""

    InstanceType: Required[str]
    WeightedCapacity: int
    BidPrice: str
    BidPriceAsPercentageOfOnDemandPrice: float
    EbsConfiguration: EbsConfiguration
    Configurations: list[Configuration]
    CustomAmiId: str
    Priority: float


class JobFlowInstancesConfig(TypedDict, total=False):
    """botocore's JobFlowInstancesConfig structure, as inputs carry it."""

    MasterInstanceType: str
    SlaveInstanceType: str
    InstanceCount: int
    InstanceGroups: list[InstanceGroupConfig]
    InstanceFleets: list[InstanceFleetConfig]
    Ec2KeyName: str
    Placement: "PlacementType"
    KeepJobFlowAliveWhenNoSteps: bool
    TerminationProtected: bool
    UnhealthyNodeReplacement: bool
    HadoopVersion: str
    Ec2SubnetId: str
    Ec2SubnetIds: list[str]
    EmrManagedMasterSecurityGroup: str
    EmrManagedSlaveSecurityGroup: str
    ServiceAccessSecurityGroup: str
    AdditionalMasterSecurityGroups: list[str]
    AdditionalSlaveSecurityGroups: list[str]


class KerberosAttributes(TypedDict, total=False):
    """botocore's KerberosAttributes structure, as inputs carry it."""

    Realm: Required[str]
    KdcAdminPassword: Required[str]
    CrossRealmTrustPrincipalPassword: str
    ADDomainJoinUser: str
    ADDomainJoinPassword: str


class KerberosAttributesOut(TypedDict, total=False):
    """botocore's KerberosAttributes structure, as outputs carry it."""

    Realm: str
    KdcAdminPassword: str
    CrossRealmTrustPrincipalPassword: str
    ADDomainJoinUser: str
    ADDomainJoinPassword: str


class KeyValue(TypedDict, total=False):
    """botocore's KeyValue structure, as inputs carry it."""

    Key: str
    Value: str


class ListBootstrapActionsInput(TypedDict, total=False):
    """The input of ListBootstrapActions."""

    ClusterId: Required[str]
    Marker: str


class ListBootstrapActionsOutput(TypedDict, total=False):
    """The output of ListBootstrapActions."""

    BootstrapActions: list[Command]
    Marker: str


class ListClustersInput(TypedDict, total=False):
    """The input of ListClusters."""

    CreatedAfter: dt.datetime
    CreatedBefore: dt.datetime
    ClusterStates: list[ClusterState]
    Marker: str


class ListClustersOutput(TypedDict, total=False):
    """The output of ListClusters."""

    Clusters: list[ClusterSummary]
    Marker: str


class ListInstanceGroupsInput(TypedDict, total=False):
    """The input of ListInstanceGroups."""

    ClusterId: Required[str]
    Marker: str


class ListInstanceGroupsOutput(TypedDict, total=False):
    """The output of ListInstanceGroups."""

    InstanceGroups: list[InstanceGroup]
    Marker: str


class ListInstancesInput(TypedDict, total=False):
    """The input of ListInstances."""

    ClusterId: Required[str]
    InstanceGroupId: str
    InstanceGroupTypes: list[InstanceGroupType]
    InstanceFleetId: str
    InstanceFleetType: InstanceFleetType
    InstanceStates: list[InstanceState]
    Marker: str


class ListInstancesOutput(TypedDict, total=False):
    """The output of ListInstances."""

    Instances: list[Instance]
    Marker: str


class ListReleaseLabelsInput(TypedDict, total=False):
    """The input of ListReleaseLabels."""

    Filters: "ReleaseLabelFilter"
    NextToken: str
    MaxResults: int


class ListReleaseLabelsOutput(TypedDict, total=False):
    """The output of ListReleaseLabels."""

    ReleaseLabels: list[str]
    NextToken: str


class ListSessionsInput(TypedDict, total=False):
    """The input of ListSessions."""

    ClusterId: Required[str]
    SessionStates: list[SessionState]
    NextToken: str
    MaxResults: int


class ListSessionsOutput(TypedDict, total=False):
    """The output of ListSessions."""

    Sessions: list["Session"]
    NextToken: str


class ListStepsInput(TypedDict, total=False):
    """The input of ListSteps."""

    ClusterId: Required[str]
    StepStates: list[StepState]
    StepIds: list[str]
    Marker: str


class ListStepsOutput(TypedDict, total=False):
    """The output of ListSteps."""

    Steps: list["StepSummary"]
    Marker: str


class ManagedScalingPolicy(TypedDict, total=False):
    """botocore's ManagedScalingPolicy structure, as inputs carry it."""

    ComputeLimits: ComputeLimits
    UtilizationPerformanceIndex: int
    ScalingStrategy: ScalingStrategy


class ManagedScalingPolicyOut(TypedDict, total=False):
    """botocore's ManagedScalingPolicy structure, as outputs carry it."""

    ComputeLimits: ComputeLimitsOut
    UtilizationPerformanceIndex: int
    ScalingStrategy: str


class MetricDimension(TypedDict, total=False):
    """botocore's MetricDimension structure, as inputs carry it."""

    Key: str
    Value: str


class MetricDimensionOut(TypedDict, total=False):
    """botocore's MetricDimension structure, as outputs carry it."""

    Key: str
    Value: str


class ModifyInstanceGroupsInput(TypedDict, total=False):
    """The input of ModifyInstanceGroups."""

    ClusterId: str
    InstanceGroups: list[InstanceGroupModifyConfig]


class MonitoringConfiguration(TypedDict, total=False):
    """botocore's MonitoringConfiguration structure, as inputs carry it."""

    CloudWatchLogConfiguration: CloudWatchLogConfiguration
    S3LoggingConfiguration: "S3LoggingConfiguration"


class MonitoringConfigurationOut(TypedDict, total=False):
    """botocore's MonitoringConfiguration structure, as outputs carry it."""

    CloudWatchLogConfiguration: CloudWatchLogConfigurationOut
    S3LoggingConfiguration: "S3LoggingConfigurationOut"


class OSRelease(TypedDict, total=False):
    """botocore's OSRelease structure, as outputs carry it."""

    Label: str


class OnDemandCapacityReservationOptions(TypedDict, total=False):
    """botocore's OnDemandCapacityReservationOptions structure, as inputs carry it."""

    UsageStrategy: OnDemandCapacityReservationUsageStrategy
    CapacityReservationPreference: OnDemandCapacityReservationPreference
    CapacityReservationResourceGroupArn: str


class OnDemandProvisioningSpecification(TypedDict, total=False):
    """botocore's OnDemandProvisioningSpecification structure, as inputs carry it."""

    AllocationStrategy: Required[OnDemandProvisioningAllocationStrategy]
    CapacityReservationOptions: OnDemandCapacityReservationOptions


class OnDemandResizingSpecification(TypedDict, total=False):
    """botocore's OnDemandResizingSpecification structure, as inputs carry it."""

    TimeoutDurationMinutes: int
    AllocationStrategy: OnDemandProvisioningAllocationStrategy
    CapacityReservationOptions: OnDemandCapacityReservationOptions


class PersistentAppUI(TypedDict, total=False):
    """botocore's PersistentAppUI structure, as outputs carry it."""

    PersistentAppUIId: str
    PersistentAppUITypeList: list[str]
    PersistentAppUIStatus: str
    AuthorId: str
    CreationTime: dt.datetime
    LastModifiedTime: dt.datetime
    LastStateChangeReason: str
    Tags: list["TagOut"]


class PlacementGroupConfig(TypedDict, total=False):
    """botocore's PlacementGroupConfig structure, as inputs carry it."""

    InstanceRole: Required[InstanceRoleType]
    PlacementStrategy: PlacementGroupStrategy


class PlacementGroupConfigOut(TypedDict, total=False):
    """botocore's PlacementGroupConfig structure, as outputs carry it."""

    InstanceRole: str
    PlacementStrategy: str


class PlacementType(TypedDict, total=False):
    """botocore's PlacementType structure, as inputs carry it."""

    AvailabilityZone: str
    AvailabilityZones: list[str]


class PutAutoTerminationPolicyInput(TypedDict, total=False):
    """The input of PutAutoTerminationPolicy."""

    ClusterId: Required[str]
    AutoTerminationPolicy: AutoTerminationPolicy


class PutAutoTerminationPolicyOutput(TypedDict, total=False):
    """The output of PutAutoTerminationPolicy."""


class PutManagedScalingPolicyInput(TypedDict, total=False):
    """The input of PutManagedScalingPolicy."""

    ClusterId: Required[str]
    ManagedScalingPolicy: Required[ManagedScalingPolicy]


class PutManagedScalingPolicyOutput(TypedDict, total=False):
    """The output of PutManagedScalingPolicy."""


class ReleaseLabelFilter(TypedDict, total=False):
    """botocore's ReleaseLabelFilter structure, as inputs carry it."""

    Prefix: str
    Application: str


class RemoveAutoTerminationPolicyInput(TypedDict, total=False):
    """The input of RemoveAutoTerminationPolicy."""

    ClusterId: Required[str]


class RemoveAutoTerminationPolicyOutput(TypedDict, total=False):
    """The output of RemoveAutoTerminationPolicy."""


class RemoveManagedScalingPolicyInput(TypedDict, total=False):
    """The input of RemoveManagedScalingPolicy."""

    ClusterId: Required[str]


class RemoveManagedScalingPolicyOutput(TypedDict, total=False):
    """The output of RemoveManagedScalingPolicy."""


class RemoveTagsInput(TypedDict, total=False):
    """The input of RemoveTags."""

    ResourceId: Required[str]
    TagKeys: Required[list[str]]
    ClusterId: str


class RemoveTagsOutput(TypedDict, total=False):
    """The output of RemoveTags."""


class RunJobFlowInput(TypedDict, total=False):
    """The input of RunJobFlow."""

    Name: Required[str]
    LogUri: str
    LogEncryptionKmsKeyId: str
    AdditionalInfo: str
    AmiVersion: str
    ReleaseLabel: str
    Instances: Required[JobFlowInstancesConfig]
    Steps: list["StepConfig"]
    StepExecutionRoleArn: str
    BootstrapActions: list[BootstrapActionConfig]
    SupportedProducts: list[str]
    NewSupportedProducts: list["SupportedProductConfig"]
    Applications: list[Application]
    Configurations: list[Configuration]
    VisibleToAllUsers: bool
    JobFlowRole: str
    ServiceRole: str
    Tags: list["Tag"]
    SecurityConfiguration: str
    AutoScalingRole: str
    ScaleDownBehavior: ScaleDownBehavior
    CustomAmiId: str
    EbsRootVolumeSize: int
    RepoUpgradeOnBoot: RepoUpgradeOnBoot
    KerberosAttributes: KerberosAttributes
    StepConcurrencyLevel: int
    ManagedScalingPolicy: ManagedScalingPolicy
    PlacementGroupConfigs: list[PlacementGroupConfig]
    AutoTerminationPolicy: AutoTerminationPolicy
    OSReleaseLabel: str
    EbsRootVolumeIops: int
    EbsRootVolumeThroughput: int
    ExtendedSupport: bool
    MonitoringConfiguration: MonitoringConfiguration
    SessionEnabled: bool


class RunJobFlowOutput(TypedDict, total=False):
    """The output of RunJobFlow."""

    JobFlowId: str
    ClusterArn: str


class S3LoggingConfiguration(TypedDict, total=False):
    """botocore's S3LoggingConfiguration structure, as inputs carry it."""

    LogTypeUploadPolicy: dict[str, LogUploadPolicyValue]


class S3LoggingConfigurationOut(TypedDict, total=False):
    """botocore's S3LoggingConfiguration structure, as outputs carry it."""

    LogTypeUploadPolicy: dict[str, str]


class S3MonitoringConfiguration(TypedDict, total=False):
    """botocore's S3MonitoringConfiguration structure, as inputs carry it."""

    LogUri: str
    EncryptionKeyArn: str


class ScalingAction(TypedDict, total=False):
    """botocore's ScalingAction structure, as inputs carry it."""

    Market: MarketType
    SimpleScalingPolicyConfiguration: Required["SimpleScalingPolicyConfiguration"]


class ScalingActionOut(TypedDict, total=False):
    """botocore's ScalingAction structure, as outputs carry it."""

    Market: str
    SimpleScalingPolicyConfiguration: "SimpleScalingPolicyConfigurationOut"


class ScalingConstraints(TypedDict, total=False):
    """botocore's ScalingConstraints structure, as inputs carry it."""

    MinCapacity: Required[int]
    MaxCapacity: Required[int]


class ScalingConstraintsOut(TypedDict, total=False):
    """botocore's ScalingConstraints structure, as outputs carry it."""

    MinCapacity: int
    MaxCapacity: int


class ScalingRule(TypedDict, total=False):
    """botocore's ScalingRule structure, as inputs carry it."""

    Name: Required[str]
    Description: str
    Action: Required[ScalingAction]
    Trigger: Required["ScalingTrigger"]


class ScalingRuleOut(TypedDict, total=False):
    """botocore's ScalingRule structure, as outputs carry it."""

    Name: str
    Description: str
    Action: ScalingActionOut
    Trigger: "ScalingTriggerOut"


class ScalingTrigger(TypedDict, total=False):
    """botocore's ScalingTrigger structure, as inputs carry it."""

    CloudWatchAlarmDefinition: Required[CloudWatchAlarmDefinition]


class ScalingTriggerOut(TypedDict, total=False):
    """botocore's ScalingTrigger structure, as outputs carry it."""

    CloudWatchAlarmDefinition: CloudWatchAlarmDefinitionOut


class ScriptBootstrapActionConfig(TypedDict, total=False):
    """botocore's ScriptBootstrapActionConfig structure, as inputs carry it."""

    Path: Required[str]
    Args: list[str]


class Session(TypedDict, total=False):
    """botocore's Session structure, as outputs carry it."""

    Id: str
    ClusterId: str
    Name: str
    Arn: str
    State: str
    StateChangeReason: str
    ReleaseLabel: str
    ExecutionRoleArn: str
    AccountId: str
    CreatedAt: dt.datetime
    UpdatedAt: dt.datetime
    StartedAt: dt.datetime
    EndedAt: dt.datetime
    IdleSince: dt.datetime
    EngineConfigurations: list[ConfigurationOut]
    MonitoringConfiguration: "SessionMonitoringConfigurationOut"
    SessionIdleTimeoutInMinutes: int
    ServerUrl: str
    Tags: list["TagOut"]


class SessionCloudWatchLoggingConfiguration(TypedDict, total=False):
    """botocore's SessionCloudWatchLoggingConfiguration structure, as inputs carry it."""

    Enabled: bool
    LogGroup: str
    LogStreamNamePrefix: str
    EncryptionKeyArn: str
    LogTypes: dict[str, list[str]]


class SessionCloudWatchLoggingConfigurationOut(TypedDict, total=False):
    """botocore's SessionCloudWatchLoggingConfiguration structure, as outputs carry it."""

    Enabled: bool
    LogGroup: str
    LogStreamNamePrefix: str
    EncryptionKeyArn: str
    LogTypes: dict[str, list[str]]


class SessionManagedLoggingConfiguration(TypedDict, total=False):
    """botocore's SessionManagedLoggingConfiguration structure, as inputs carry it."""

    Enabled: bool
    EncryptionKeyArn: str


class SessionManagedLoggingConfigurationOut(TypedDict, total=False):
    """botocore's SessionManagedLoggingConfiguration structure, as outputs carry it."""

    Enabled: bool
    EncryptionKeyArn: str


class SessionMonitoringConfiguration(TypedDict, total=False):
    """botocore's SessionMonitoringConfiguration structure, as inputs carry it."""

    CloudWatchLoggingConfiguration: SessionCloudWatchLoggingConfiguration
    ManagedLoggingConfiguration: SessionManagedLoggingConfiguration
    S3LoggingConfiguration: "SessionS3LoggingConfiguration"


class SessionMonitoringConfigurationOut(TypedDict, total=False):
    """botocore's SessionMonitoringConfiguration structure, as outputs carry it."""

    CloudWatchLoggingConfiguration: SessionCloudWatchLoggingConfigurationOut
    ManagedLoggingConfiguration: SessionManagedLoggingConfigurationOut
    S3LoggingConfiguration: "SessionS3LoggingConfigurationOut"


class SessionS3LoggingConfiguration(TypedDict, total=False):
    """botocore's SessionS3LoggingConfiguration structure, as inputs carry it."""

    Enabled: bool
    LogUri: str
    EncryptionKeyArn: str
    LogTypes: dict[str, list[str]]


class SessionS3LoggingConfigurationOut(TypedDict, total=False):
    """botocore's SessionS3LoggingConfiguration structure, as outputs carry it."""

    Enabled: bool
    LogUri: str
    EncryptionKeyArn: str
    LogTypes: dict[str, list[str]]


class SetKeepJobFlowAliveWhenNoStepsInput(TypedDict, total=False):
    """The input of SetKeepJobFlowAliveWhenNoSteps."""

    JobFlowIds: Required[list[str]]
    KeepJobFlowAliveWhenNoSteps: Required[bool]


class SetTerminationProtectionInput(TypedDict, total=False):
    """The input of SetTerminationProtection."""

    JobFlowIds: Required[list[str]]
    TerminationProtected: Required[bool]


class SetVisibleToAllUsersInput(TypedDict, total=False):
    """The input of SetVisibleToAllUsers."""

    JobFlowIds: Required[list[str]]
    VisibleToAllUsers: Required[bool]


class ShrinkPolicy(TypedDict, total=False):
    """botocore's ShrinkPolicy structure, as inputs carry it."""

    DecommissionTimeout: int
    InstanceResizePolicy: InstanceResizePolicy


class ShrinkPolicyOut(TypedDict, total=False):
    """botocore's ShrinkPolicy structure, as outputs carry it."""

    DecommissionTimeout: int
    InstanceResizePolicy: InstanceResizePolicyOut


class SimpleScalingPolicyConfiguration(TypedDict, total=False):
    """botocore's SimpleScalingPolicyConfiguration structure, as inputs carry it."""

    AdjustmentType: AdjustmentType
    ScalingAdjustment: Required[int]
    CoolDown: int


class SimpleScalingPolicyConfigurationOut(TypedDict, total=False):
    """botocore's SimpleScalingPolicyConfiguration structure, as outputs carry it."""

    AdjustmentType: str
    ScalingAdjustment: int
    CoolDown: int


class SimplifiedApplication(TypedDict, total=False):
    """botocore's SimplifiedApplication structure, as outputs carry it."""

    Name: str
    Version: str


class SpotProvisioningSpecification(TypedDict, total=False):
    """botocore's SpotProvisioningSpecification structure, as inputs carry it."""

    TimeoutDurationMinutes: Required[int]
    TimeoutAction: Required[SpotProvisioningTimeoutAction]
    BlockDurationMinutes: int
    AllocationStrategy: SpotProvisioningAllocationStrategy


class SpotResizingSpecification(TypedDict, total=False):
    """botocore's SpotResizingSpecification structure, as inputs carry it."""

    TimeoutDurationMinutes: int
    AllocationStrategy: SpotProvisioningAllocationStrategy


class StartSessionInput(TypedDict, total=False):
    """The input of StartSession."""

    Name: str
    ClusterId: Required[str]
    ExecutionRoleArn: str
    EngineConfigurations: list[Configuration]
    MonitoringConfiguration: SessionMonitoringConfiguration
    SessionIdleTimeoutInMinutes: int
    ClientRequestToken: str
    Tags: list["Tag"]


class StartSessionOutput(TypedDict, total=False):
    """The output of StartSession."""

    Id: str
    ClusterId: str
    Arn: str
    AccountId: str
    State: str


class Step(TypedDict, total=False):
    """botocore's Step structure, as outputs carry it."""

    Id: str
    Name: str
    Config: HadoopStepConfig
    ActionOnFailure: str
    Status: "StepStatus"
    ExecutionRoleArn: str
    LogUri: str
    EncryptionKeyArn: str
    AdditionalInfo: "StepAdditionalInfo"


class StepAdditionalInfo(TypedDict, total=False):
    """botocore's StepAdditionalInfo structure, as outputs carry it."""

    ResourceManagerApplicationIds: list[str]
    ResourceManager: str


class StepConfig(TypedDict, total=False):
    """botocore's StepConfig structure, as inputs carry it."""

    Name: Required[str]
    ActionOnFailure: ActionOnFailure
    HadoopJarStep: Required[HadoopJarStepConfig]
    StepMonitoringConfiguration: "StepMonitoringConfiguration"


class StepMonitoringConfiguration(TypedDict, total=False):
    """botocore's StepMonitoringConfiguration structure, as inputs carry it."""

    S3MonitoringConfiguration: S3MonitoringConfiguration


class StepStateChangeReason(TypedDict, total=False):
    """botocore's StepStateChangeReason structure, as outputs carry it."""

    Code: str
    Message: str


class StepStatus(TypedDict, total=False):
    """botocore's StepStatus structure, as outputs carry it."""

    State: str
    StateChangeReason: StepStateChangeReason
    FailureDetails: FailureDetails
    Timeline: "StepTimeline"


class StepSummary(TypedDict, total=False):
    """botocore's StepSummary structure, as outputs carry it."""

    Id: str
    Name: str
    Config: HadoopStepConfig
    ActionOnFailure: str
    Status: StepStatus
    LogUri: str
    EncryptionKeyArn: str
    AdditionalInfo: StepAdditionalInfo


class StepTimeline(TypedDict, total=False):
    """botocore's StepTimeline structure, as outputs carry it."""

    CreationDateTime: dt.datetime
    StartDateTime: dt.datetime
    EndDateTime: dt.datetime


class SupportedProductConfig(TypedDict, total=False):
    """botocore's SupportedProductConfig structure, as inputs carry it."""

    Name: str
    Args: list[str]


class Tag(TypedDict, total=False):
    """botocore's Tag structure, as inputs carry it."""

    Key: str
    Value: str


class TagOut(TypedDict, total=False):
    """botocore's Tag structure, as outputs carry it."""

    Key: str
    Value: str


class TerminateJobFlowsInput(TypedDict, total=False):
    """The input of TerminateJobFlows."""

    JobFlowIds: Required[list[str]]


class TerminateSessionInput(TypedDict, total=False):
    """The input of TerminateSession."""

    ClusterId: Required[str]
    SessionId: Required[str]


class TerminateSessionOutput(TypedDict, total=False):
    """The output of TerminateSession."""

    ClusterId: str
    SessionId: str
    State: str


class UsernamePassword(TypedDict, total=False):
    """botocore's UsernamePassword structure, as outputs carry it."""

    Username: str
    Password: str


class VolumeSpecification(TypedDict, total=False):
    """botocore's VolumeSpecification structure, as inputs carry it."""

    VolumeType: Required[str]
    Iops: int
    SizeInGB: Required[int]
    Throughput: int


class VolumeSpecificationOut(TypedDict, total=False):
    """botocore's VolumeSpecification structure, as outputs carry it."""

    VolumeType: str
    Iops: int
    SizeInGB: int
    Throughput: int

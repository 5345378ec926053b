"""Typed input and output shapes of the sagemaker operations clusterport serves.

Generated from botocore 1.44.18's model (with the model patches) by
``python -m clusterport.services.gen_shapes``: do not edit by hand.
"""

import datetime as dt
from typing import Literal, Required, TypedDict

AppInstanceType = Literal[
    "ml.c5.12xlarge",
    "ml.c5.18xlarge",
    "ml.c5.24xlarge",
    "ml.c5.2xlarge",
    "ml.c5.4xlarge",
    "ml.c5.9xlarge",
    "ml.c5.large",
    "ml.c5.xlarge",
    "ml.c6i.12xlarge",
    "ml.c6i.16xlarge",
    "ml.c6i.24xlarge",
    "ml.c6i.2xlarge",
    "ml.c6i.32xlarge",
    "ml.c6i.4xlarge",
    "ml.c6i.8xlarge",
    "ml.c6i.large",
    "ml.c6i.xlarge",
    "ml.c6id.12xlarge",
    "ml.c6id.16xlarge",
    "ml.c6id.24xlarge",
    "ml.c6id.2xlarge",
    "ml.c6id.32xlarge",
    "ml.c6id.4xlarge",
    "ml.c6id.8xlarge",
    "ml.c6id.large",
    "ml.c6id.xlarge",
    "ml.c7i.12xlarge",
    "ml.c7i.16xlarge",
    "ml.c7i.24xlarge",
    "ml.c7i.2xlarge",
    "ml.c7i.48xlarge",
    "ml.c7i.4xlarge",
    "ml.c7i.8xlarge",
    "ml.c7i.large",
    "ml.c7i.xlarge",
    "ml.g4dn.12xlarge",
    "ml.g4dn.16xlarge",
    "ml.g4dn.2xlarge",
    "ml.g4dn.4xlarge",
    "ml.g4dn.8xlarge",
    "ml.g4dn.xlarge",
    "ml.g5.12xlarge",
    "ml.g5.16xlarge",
    "ml.g5.24xlarge",
    "ml.g5.2xlarge",
    "ml.g5.48xlarge",
    "ml.g5.4xlarge",
    "ml.g5.8xlarge",
    "ml.g5.xlarge",
    "ml.g6.12xlarge",
    "ml.g6.16xlarge",
    "ml.g6.24xlarge",
    "ml.g6.2xlarge",
    "ml.g6.48xlarge",
    "ml.g6.4xlarge",
    "ml.g6.8xlarge",
    "ml.g6.xlarge",
    "ml.g6e.12xlarge",
    "ml.g6e.16xlarge",
    "ml.g6e.24xlarge",
    "ml.g6e.2xlarge",
    "ml.g6e.48xlarge",
    "ml.g6e.4xlarge",
    "ml.g6e.8xlarge",
    "ml.g6e.xlarge",
    "ml.g7.12xlarge",
    "ml.g7.24xlarge",
    "ml.g7.2xlarge",
    "ml.g7.48xlarge",
    "ml.g7.4xlarge",
    "ml.g7.8xlarge",
    "ml.g7e.12xlarge",
    "ml.g7e.24xlarge",
    "ml.g7e.2xlarge",
    "ml.g7e.48xlarge",
    "ml.g7e.4xlarge",
    "ml.g7e.8xlarge",
    "ml.geospatial.interactive",
    "ml.m5.12xlarge",
    "ml.m5.16xlarge",
    "ml.m5.24xlarge",
    "ml.m5.2xlarge",
    "ml.m5.4xlarge",
    "ml.m5.8xlarge",
    "ml.m5.large",
    "ml.m5.xlarge",
    "ml.m5d.12xlarge",
    "ml.m5d.16xlarge",
    "ml.m5d.24xlarge",
    "ml.m5d.2xlarge",
    "ml.m5d.4xlarge",
    "ml.m5d.8xlarge",
    "ml.m5d.large",
    "ml.m5d.xlarge",
    "ml.m6i.12xlarge",
    "ml.m6i.16xlarge",
    "ml.m6i.24xlarge",
    "ml.m6i.2xlarge",
    "ml.m6i.32xlarge",
    "ml.m6i.4xlarge",
    "ml.m6i.8xlarge",
    "ml.m6i.large",
    "ml.m6i.xlarge",
    "ml.m6id.12xlarge",
    "ml.m6id.16xlarge",
    "ml.m6id.24xlarge",
    "ml.m6id.2xlarge",
    "ml.m6id.32xlarge",
    "ml.m6id.4xlarge",
    "ml.m6id.8xlarge",
    "ml.m6id.large",
    "ml.m6id.xlarge",
    "ml.m7i.12xlarge",
    "ml.m7i.16xlarge",
    "ml.m7i.24xlarge",
    "ml.m7i.2xlarge",
    "ml.m7i.48xlarge",
    "ml.m7i.4xlarge",
    "ml.m7i.8xlarge",
    "ml.m7i.large",
    "ml.m7i.xlarge",
    "ml.p3.16xlarge",
    "ml.p3.2xlarge",
    "ml.p3.8xlarge",
    "ml.p3dn.24xlarge",
    "ml.p4d.24xlarge",
    "ml.p4de.24xlarge",
    "ml.p5.48xlarge",
    "ml.p5.4xlarge",
    "ml.p5en.48xlarge",
    "ml.p6-b200.48xlarge",
    "ml.r5.12xlarge",
    "ml.r5.16xlarge",
    "ml.r5.24xlarge",
    "ml.r5.2xlarge",
    "ml.r5.4xlarge",
    "ml.r5.8xlarge",
    "ml.r5.large",
    "ml.r5.xlarge",
    "ml.r6i.12xlarge",
    "ml.r6i.16xlarge",
    "ml.r6i.24xlarge",
    "ml.r6i.2xlarge",
    "ml.r6i.32xlarge",
    "ml.r6i.4xlarge",
    "ml.r6i.8xlarge",
    "ml.r6i.large",
    "ml.r6i.xlarge",
    "ml.r6id.12xlarge",
    "ml.r6id.16xlarge",
    "ml.r6id.24xlarge",
    "ml.r6id.2xlarge",
    "ml.r6id.32xlarge",
    "ml.r6id.4xlarge",
    "ml.r6id.8xlarge",
    "ml.r6id.large",
    "ml.r6id.xlarge",
    "ml.r7i.12xlarge",
    "ml.r7i.16xlarge",
    "ml.r7i.24xlarge",
    "ml.r7i.2xlarge",
    "ml.r7i.48xlarge",
    "ml.r7i.4xlarge",
    "ml.r7i.8xlarge",
    "ml.r7i.large",
    "ml.r7i.xlarge",
    "ml.t3.2xlarge",
    "ml.t3.large",
    "ml.t3.medium",
    "ml.t3.micro",
    "ml.t3.small",
    "ml.t3.xlarge",
    "ml.trn1.2xlarge",
    "ml.trn1.32xlarge",
    "ml.trn1n.32xlarge",
    "system",
]

AppNetworkAccessType = Literal["PublicInternetOnly", "VpcOnly"]

AppSecurityGroupManagement = Literal["Customer", "Service"]

AppType = Literal[
    "Canvas",
    "CodeEditor",
    "DetailedProfiler",
    "JupyterLab",
    "JupyterServer",
    "KernelGateway",
    "RSessionGateway",
    "RStudioServerPro",
    "TensorBoard",
]

AuthMode = Literal["IAM", "SSO"]

AutoMountHomeEFS = Literal["DefaultAsDomain", "Disabled", "Enabled"]

DataSourceName = Literal["SalesforceGenie", "Snowflake"]

ExecutionRoleIdentityConfig = Literal["DISABLED", "USER_PROFILE_NAME"]

ExecutionRoleSessionNameMode = Literal["STATIC", "USER_IDENTITY"]

FeatureStatus = Literal["DISABLED", "ENABLED"]

HomeEfsFileSystemCreation = Literal["Disabled", "Enabled"]

IPAddressType = Literal["dualstack", "ipv4"]

LifecycleManagement = Literal["DISABLED", "ENABLED"]

MlTools = Literal[
    "AutoMl",
    "Comet",
    "DataWrangler",
    "Datasets",
    "DeepchecksLLMEvaluation",
    "EmrClusters",
    "Endpoints",
    "Evaluators",
    "Experiments",
    "FeatureStore",
    "Fiddler",
    "HyperPodClusters",
    "InferenceOptimization",
    "InferenceRecommender",
    "JumpStart",
    "LakeraGuard",
    "ModelEvaluation",
    "Models",
    "Optimizer",
    "PerformanceEvaluation",
    "Pipelines",
    "Projects",
    "RunningInstances",
    "Training",
]

NotebookOutputOption = Literal["Allowed", "Disabled"]

RStudioServerProAccessStatus = Literal["DISABLED", "ENABLED"]

RStudioServerProUserGroup = Literal["R_STUDIO_ADMIN", "R_STUDIO_USER"]

RetentionType = Literal["Delete", "Retain"]

SageMakerImageName = Literal["sagemaker_distribution"]

SortOrder = Literal["Ascending", "Descending"]

StudioLifecycleConfigAppType = Literal["CodeEditor", "JupyterLab", "JupyterServer", "KernelGateway"]

StudioLifecycleConfigSortKey = Literal["CreationTime", "LastModifiedTime", "Name"]

StudioWebPortal = Literal["DISABLED", "ENABLED"]

TagPropagation = Literal["DISABLED", "ENABLED"]

UserProfileSortKey = Literal["CreationTime", "LastModifiedTime"]


class NoOutput(TypedDict, total=False):
    """The output of an operation whose model has none: the provider returns {}."""


class AmazonQSettings(TypedDict, total=False):
    """botocore's AmazonQSettings structure, as inputs carry it."""

    Status: FeatureStatus
    QProfileArn: str


class AmazonQSettingsOut(TypedDict, total=False):
    """botocore's AmazonQSettings structure, as outputs carry it."""

    Status: str
    QProfileArn: str


class AppLifecycleManagement(TypedDict, total=False):
    """botocore's AppLifecycleManagement structure, as inputs carry it."""

    IdleSettings: "IdleSettings"


class AppLifecycleManagementOut(TypedDict, total=False):
    """botocore's AppLifecycleManagement structure, as outputs carry it."""

    IdleSettings: "IdleSettingsOut"


class CanvasAppSettings(TypedDict, total=False):
    """botocore's CanvasAppSettings structure, as inputs carry it."""

    TimeSeriesForecastingSettings: "TimeSeriesForecastingSettings"
    ModelRegisterSettings: "ModelRegisterSettings"
    WorkspaceSettings: "WorkspaceSettings"
    IdentityProviderOAuthSettings: list["IdentityProviderOAuthSetting"]
    DirectDeploySettings: "DirectDeploySettings"
    KendraSettings: "KendraSettings"
    GenerativeAiSettings: "GenerativeAiSettings"
    EmrServerlessSettings: "EmrServerlessSettings"


class CanvasAppSettingsOut(TypedDict, total=False):
    """botocore's CanvasAppSettings structure, as outputs carry it."""

    TimeSeriesForecastingSettings: "TimeSeriesForecastingSettingsOut"
    ModelRegisterSettings: "ModelRegisterSettingsOut"
    WorkspaceSettings: "WorkspaceSettingsOut"
    IdentityProviderOAuthSettings: list["IdentityProviderOAuthSettingOut"]
    DirectDeploySettings: "DirectDeploySettingsOut"
    KendraSettings: "KendraSettingsOut"
    GenerativeAiSettings: "GenerativeAiSettingsOut"
    EmrServerlessSettings: "EmrServerlessSettingsOut"


class CodeEditorAppSettings(TypedDict, total=False):
    """botocore's CodeEditorAppSettings structure, as inputs carry it."""

    DefaultResourceSpec: "ResourceSpec"
    CustomImages: list["CustomImage"]
    LifecycleConfigArns: list[str]
    AppLifecycleManagement: AppLifecycleManagement
    BuiltInLifecycleConfigArn: str


class CodeEditorAppSettingsOut(TypedDict, total=False):
    """botocore's CodeEditorAppSettings structure, as outputs carry it."""

    DefaultResourceSpec: "ResourceSpecOut"
    CustomImages: list["CustomImageOut"]
    LifecycleConfigArns: list[str]
    AppLifecycleManagement: AppLifecycleManagementOut
    BuiltInLifecycleConfigArn: str


class CodeRepository(TypedDict, total=False):
    """botocore's CodeRepository structure, as inputs carry it."""

    RepositoryUrl: Required[str]


class CodeRepositoryOut(TypedDict, total=False):
    """botocore's CodeRepository structure, as outputs carry it."""

    RepositoryUrl: str


class CreateDomainRequest(TypedDict, total=False):
    """The input of CreateDomain."""

    DomainName: Required[str]
    AuthMode: Required[AuthMode]
    DefaultUserSettings: Required["UserSettings"]
    DomainSettings: "DomainSettings"
    SubnetIds: list[str]
    VpcId: str
    Tags: list["Tag"]
    AppNetworkAccessType: AppNetworkAccessType
    HomeEfsFileSystemKmsKeyId: str
    KmsKeyId: str
    AppSecurityGroupManagement: AppSecurityGroupManagement
    HomeEfsFileSystemCreation: HomeEfsFileSystemCreation
    TagPropagation: TagPropagation
    DefaultSpaceSettings: "DefaultSpaceSettings"


class CreateDomainResponse(TypedDict, total=False):
    """The output of CreateDomain."""

    DomainArn: str
    DomainId: str
    Url: str


class CreatePresignedDomainUrlRequest(TypedDict, total=False):
    """The input of CreatePresignedDomainUrl."""

    DomainId: Required[str]
    UserProfileName: Required[str]
    SessionExpirationDurationInSeconds: int
    ExpiresInSeconds: int
    SpaceName: str
    LandingUri: str


class CreatePresignedDomainUrlResponse(TypedDict, total=False):
    """The output of CreatePresignedDomainUrl."""

    AuthorizedUrl: str


class CreateStudioLifecycleConfigRequest(TypedDict, total=False):
    """The input of CreateStudioLifecycleConfig."""

    StudioLifecycleConfigName: Required[str]
    StudioLifecycleConfigContent: Required[str]
    StudioLifecycleConfigAppType: Required[StudioLifecycleConfigAppType]
    Tags: list["Tag"]


class CreateStudioLifecycleConfigResponse(TypedDict, total=False):
    """The output of CreateStudioLifecycleConfig."""

    StudioLifecycleConfigArn: str


class CreateUserProfileRequest(TypedDict, total=False):
    """The input of CreateUserProfile."""

    DomainId: Required[str]
    UserProfileName: Required[str]
    SingleSignOnUserIdentifier: str
    SingleSignOnUserValue: str
    Tags: list["Tag"]
    UserSettings: "UserSettings"


class CreateUserProfileResponse(TypedDict, total=False):
    """The output of CreateUserProfile."""

    UserProfileArn: str


class CustomFileSystemConfig(TypedDict, total=False):
    """botocore's CustomFileSystemConfig structure, as inputs carry it."""

    EFSFileSystemConfig: "EFSFileSystemConfig"
    FSxLustreFileSystemConfig: "FSxLustreFileSystemConfig"
    S3FileSystemConfig: "S3FileSystemConfig"


class CustomFileSystemConfigOut(TypedDict, total=False):
    """botocore's CustomFileSystemConfig structure, as outputs carry it."""

    EFSFileSystemConfig: "EFSFileSystemConfigOut"
    FSxLustreFileSystemConfig: "FSxLustreFileSystemConfigOut"
    S3FileSystemConfig: "S3FileSystemConfigOut"


class CustomImage(TypedDict, total=False):
    """botocore's CustomImage structure, as inputs carry it."""

    ImageName: Required[str]
    ImageVersionNumber: int
    AppImageConfigName: Required[str]


class CustomImageOut(TypedDict, total=False):
    """botocore's CustomImage structure, as outputs carry it."""

    ImageName: str
    ImageVersionNumber: int
    AppImageConfigName: str


class CustomPosixUserConfig(TypedDict, total=False):
    """botocore's CustomPosixUserConfig structure, as inputs carry it."""

    Uid: Required[int]
    Gid: Required[int]


class CustomPosixUserConfigOut(TypedDict, total=False):
    """botocore's CustomPosixUserConfig structure, as outputs carry it."""

    Uid: int
    Gid: int


class DefaultEbsStorageSettings(TypedDict, total=False):
    """botocore's DefaultEbsStorageSettings structure, as inputs carry it."""

    DefaultEbsVolumeSizeInGb: Required[int]
    MaximumEbsVolumeSizeInGb: Required[int]


class DefaultEbsStorageSettingsOut(TypedDict, total=False):
    """botocore's DefaultEbsStorageSettings structure, as outputs carry it."""

    DefaultEbsVolumeSizeInGb: int
    MaximumEbsVolumeSizeInGb: int


class DefaultSpaceSettings(TypedDict, total=False):
    """botocore's DefaultSpaceSettings structure, as inputs carry it."""

    ExecutionRole: str
    SecurityGroups: list[str]
    JupyterServerAppSettings: "JupyterServerAppSettings"
    KernelGatewayAppSettings: "KernelGatewayAppSettings"
    JupyterLabAppSettings: "JupyterLabAppSettings"
    SpaceStorageSettings: "DefaultSpaceStorageSettings"
    CustomPosixUserConfig: CustomPosixUserConfig
    CustomFileSystemConfigs: list[CustomFileSystemConfig]


class DefaultSpaceSettingsOut(TypedDict, total=False):
    """botocore's DefaultSpaceSettings structure, as outputs carry it."""

    ExecutionRole: str
    SecurityGroups: list[str]
    JupyterServerAppSettings: "JupyterServerAppSettingsOut"
    KernelGatewayAppSettings: "KernelGatewayAppSettingsOut"
    JupyterLabAppSettings: "JupyterLabAppSettingsOut"
    SpaceStorageSettings: "DefaultSpaceStorageSettingsOut"
    CustomPosixUserConfig: CustomPosixUserConfigOut
    CustomFileSystemConfigs: list[CustomFileSystemConfigOut]


class DefaultSpaceStorageSettings(TypedDict, total=False):
    """botocore's DefaultSpaceStorageSettings structure, as inputs carry it."""

    DefaultEbsStorageSettings: DefaultEbsStorageSettings


class DefaultSpaceStorageSettingsOut(TypedDict, total=False):
    """botocore's DefaultSpaceStorageSettings structure, as outputs carry it."""

    DefaultEbsStorageSettings: DefaultEbsStorageSettingsOut


class DeleteDomainRequest(TypedDict, total=False):
    """The input of DeleteDomain."""

    DomainId: Required[str]
    RetentionPolicy: "RetentionPolicy"


class DeleteStudioLifecycleConfigRequest(TypedDict, total=False):
    """The input of DeleteStudioLifecycleConfig."""

    StudioLifecycleConfigName: Required[str]


class DeleteUserProfileRequest(TypedDict, total=False):
    """The input of DeleteUserProfile."""

    DomainId: Required[str]
    UserProfileName: Required[str]


class DescribeDomainRequest(TypedDict, total=False):
    """The input of DescribeDomain."""

    DomainId: Required[str]


class DescribeDomainResponse(TypedDict, total=False):
    """The output of DescribeDomain."""

    DomainArn: str
    DomainId: str
    DomainName: str
    HomeEfsFileSystemId: str
    SingleSignOnManagedApplicationInstanceId: str
    SingleSignOnApplicationArn: str
    Status: str
    CreationTime: dt.datetime
    LastModifiedTime: dt.datetime
    FailureReason: str
    SecurityGroupIdForDomainBoundary: str
    AuthMode: str
    DefaultUserSettings: "UserSettingsOut"
    DomainSettings: "DomainSettingsOut"
    AppNetworkAccessType: str
    HomeEfsFileSystemKmsKeyId: str
    SubnetIds: list[str]
    Url: str
    VpcId: str
    KmsKeyId: str
    AppSecurityGroupManagement: str
    HomeEfsFileSystemCreation: str
    TagPropagation: str
    DefaultSpaceSettings: DefaultSpaceSettingsOut


class DescribeStudioLifecycleConfigRequest(TypedDict, total=False):
    """The input of DescribeStudioLifecycleConfig."""

    StudioLifecycleConfigName: Required[str]


class DescribeStudioLifecycleConfigResponse(TypedDict, total=False):
    """The output of DescribeStudioLifecycleConfig."""

    StudioLifecycleConfigArn: str
    StudioLifecycleConfigName: str
    CreationTime: dt.datetime
    LastModifiedTime: dt.datetime
    StudioLifecycleConfigContent: str
    StudioLifecycleConfigAppType: str


class DescribeUserProfileRequest(TypedDict, total=False):
    """The input of DescribeUserProfile."""

    DomainId: Required[str]
    UserProfileName: Required[str]


class DescribeUserProfileResponse(TypedDict, total=False):
    """The output of DescribeUserProfile."""

    DomainId: str
    UserProfileArn: str
    UserProfileName: str
    HomeEfsFileSystemUid: str
    Status: str
    LastModifiedTime: dt.datetime
    CreationTime: dt.datetime
    FailureReason: str
    SingleSignOnUserIdentifier: str
    SingleSignOnUserValue: str
    UserSettings: "UserSettingsOut"


class DirectDeploySettings(TypedDict, total=False):
    """botocore's DirectDeploySettings structure, as inputs carry it."""

    Status: FeatureStatus


class DirectDeploySettingsOut(TypedDict, total=False):
    """botocore's DirectDeploySettings structure, as outputs carry it."""

    Status: str


class DockerSettings(TypedDict, total=False):
    """botocore's DockerSettings structure, as inputs carry it."""

    EnableDockerAccess: FeatureStatus
    VpcOnlyTrustedAccounts: list[str]
    RootlessDocker: FeatureStatus


class DockerSettingsOut(TypedDict, total=False):
    """botocore's DockerSettings structure, as outputs carry it."""

    EnableDockerAccess: str
    VpcOnlyTrustedAccounts: list[str]
    RootlessDocker: str


class DomainDetails(TypedDict, total=False):
    """botocore's DomainDetails structure, as outputs carry it."""

    DomainArn: str
    DomainId: str
    DomainName: str
    Status: str
    CreationTime: dt.datetime
    LastModifiedTime: dt.datetime
    Url: str


class DomainSettings(TypedDict, total=False):
    """botocore's DomainSettings structure, as inputs carry it."""

    SecurityGroupIds: list[str]
    RStudioServerProDomainSettings: "RStudioServerProDomainSettings"
    ExecutionRoleIdentityConfig: ExecutionRoleIdentityConfig
    TrustedIdentityPropagationSettings: "TrustedIdentityPropagationSettings"
    DockerSettings: DockerSettings
    AmazonQSettings: AmazonQSettings
    UnifiedStudioSettings: "UnifiedStudioSettings"
    IpAddressType: IPAddressType


class DomainSettingsForUpdate(TypedDict, total=False):
    """botocore's DomainSettingsForUpdate structure, as inputs carry it."""

    RStudioServerProDomainSettingsForUpdate: "RStudioServerProDomainSettingsForUpdate"
    ExecutionRoleIdentityConfig: ExecutionRoleIdentityConfig
    SecurityGroupIds: list[str]
    TrustedIdentityPropagationSettings: "TrustedIdentityPropagationSettings"
    DockerSettings: DockerSettings
    AmazonQSettings: AmazonQSettings
    UnifiedStudioSettings: "UnifiedStudioSettings"
    IpAddressType: IPAddressType


class DomainSettingsOut(TypedDict, total=False):
    """botocore's DomainSettings structure, as outputs carry it."""

    SecurityGroupIds: list[str]
    RStudioServerProDomainSettings: "RStudioServerProDomainSettingsOut"
    ExecutionRoleIdentityConfig: str
    TrustedIdentityPropagationSettings: "TrustedIdentityPropagationSettingsOut"
    DockerSettings: DockerSettingsOut
    AmazonQSettings: AmazonQSettingsOut
    UnifiedStudioSettings: "UnifiedStudioSettingsOut"
    IpAddressType: str


class EFSFileSystemConfig(TypedDict, total=False):
    """botocore's EFSFileSystemConfig structure, as inputs carry it."""

    FileSystemId: Required[str]
    FileSystemPath: str


class EFSFileSystemConfigOut(TypedDict, total=False):
    """botocore's EFSFileSystemConfig structure, as outputs carry it."""

    FileSystemId: str
    FileSystemPath: str


class EmrServerlessSettings(TypedDict, total=False):
    """botocore's EmrServerlessSettings structure, as inputs carry it."""

    ExecutionRoleArn: str
    Status: FeatureStatus


class EmrServerlessSettingsOut(TypedDict, total=False):
    """botocore's EmrServerlessSettings structure, as outputs carry it."""

    ExecutionRoleArn: str
    Status: str


class EmrSettings(TypedDict, total=False):
    """botocore's EmrSettings structure, as inputs carry it."""

    AssumableRoleArns: list[str]
    ExecutionRoleArns: list[str]


class EmrSettingsOut(TypedDict, total=False):
    """botocore's EmrSettings structure, as outputs carry it."""

    AssumableRoleArns: list[str]
    ExecutionRoleArns: list[str]


class FSxLustreFileSystemConfig(TypedDict, total=False):
    """botocore's FSxLustreFileSystemConfig structure, as inputs carry it."""

    FileSystemId: Required[str]
    FileSystemPath: str


class FSxLustreFileSystemConfigOut(TypedDict, total=False):
    """botocore's FSxLustreFileSystemConfig structure, as outputs carry it."""

    FileSystemId: str
    FileSystemPath: str


class GenerativeAiSettings(TypedDict, total=False):
    """botocore's GenerativeAiSettings structure, as inputs carry it."""

    AmazonBedrockRoleArn: str


class GenerativeAiSettingsOut(TypedDict, total=False):
    """botocore's GenerativeAiSettings structure, as outputs carry it."""

    AmazonBedrockRoleArn: str


class HiddenSageMakerImage(TypedDict, total=False):
    """botocore's HiddenSageMakerImage structure, as inputs carry it."""

    SageMakerImageName: SageMakerImageName
    VersionAliases: list[str]


class HiddenSageMakerImageOut(TypedDict, total=False):
    """botocore's HiddenSageMakerImage structure, as outputs carry it."""

    SageMakerImageName: str
    VersionAliases: list[str]


class IdentityProviderOAuthSetting(TypedDict, total=False):
    """botocore's IdentityProviderOAuthSetting structure, as inputs carry it."""

    DataSourceName: DataSourceName
    Status: FeatureStatus
    SecretArn: str


class IdentityProviderOAuthSettingOut(TypedDict, total=False):
    """botocore's IdentityProviderOAuthSetting structure, as outputs carry it."""

    DataSourceName: str
    Status: str
    SecretArn: str


class IdleSettings(TypedDict, total=False):
    """botocore's IdleSettings structure, as inputs carry it."""

    LifecycleManagement: LifecycleManagement
    IdleTimeoutInMinutes: int
    MinIdleTimeoutInMinutes: int
    MaxIdleTimeoutInMinutes: int


class IdleSettingsOut(TypedDict, total=False):
    """botocore's IdleSettings structure, as outputs carry it."""

    LifecycleManagement: str
    IdleTimeoutInMinutes: int
    MinIdleTimeoutInMinutes: int
    MaxIdleTimeoutInMinutes: int


class JupyterLabAppSettings(TypedDict, total=False):
    """botocore's JupyterLabAppSettings structure, as inputs carry it."""

    DefaultResourceSpec: "ResourceSpec"
    CustomImages: list[CustomImage]
    LifecycleConfigArns: list[str]
    CodeRepositories: list[CodeRepository]
    AppLifecycleManagement: AppLifecycleManagement
    EmrSettings: EmrSettings
    BuiltInLifecycleConfigArn: str


class JupyterLabAppSettingsOut(TypedDict, total=False):
    """botocore's JupyterLabAppSettings structure, as outputs carry it."""

    DefaultResourceSpec: "ResourceSpecOut"
    CustomImages: list[CustomImageOut]
    LifecycleConfigArns: list[str]
    CodeRepositories: list[CodeRepositoryOut]
    AppLifecycleManagement: AppLifecycleManagementOut
    EmrSettings: EmrSettingsOut
    BuiltInLifecycleConfigArn: str


class JupyterServerAppSettings(TypedDict, total=False):
    """botocore's JupyterServerAppSettings structure, as inputs carry it."""

    DefaultResourceSpec: "ResourceSpec"
    LifecycleConfigArns: list[str]
    CodeRepositories: list[CodeRepository]


class JupyterServerAppSettingsOut(TypedDict, total=False):
    """botocore's JupyterServerAppSettings structure, as outputs carry it."""

    DefaultResourceSpec: "ResourceSpecOut"
    LifecycleConfigArns: list[str]
    CodeRepositories: list[CodeRepositoryOut]


class KendraSettings(TypedDict, total=False):
    """botocore's KendraSettings structure, as inputs carry it."""

    Status: FeatureStatus


class KendraSettingsOut(TypedDict, total=False):
    """botocore's KendraSettings structure, as outputs carry it."""

    Status: str


class KernelGatewayAppSettings(TypedDict, total=False):
    """botocore's KernelGatewayAppSettings structure, as inputs carry it."""

    DefaultResourceSpec: "ResourceSpec"
    CustomImages: list[CustomImage]
    LifecycleConfigArns: list[str]


class KernelGatewayAppSettingsOut(TypedDict, total=False):
    """botocore's KernelGatewayAppSettings structure, as outputs carry it."""

    DefaultResourceSpec: "ResourceSpecOut"
    CustomImages: list[CustomImageOut]
    LifecycleConfigArns: list[str]


class ListDomainsRequest(TypedDict, total=False):
    """The input of ListDomains."""

    NextToken: str
    MaxResults: int


class ListDomainsResponse(TypedDict, total=False):
    """The output of ListDomains."""

    Domains: list[DomainDetails]
    NextToken: str


class ListStudioLifecycleConfigsRequest(TypedDict, total=False):
    """The input of ListStudioLifecycleConfigs."""

    MaxResults: int
    NextToken: str
    NameContains: str
    AppTypeEquals: StudioLifecycleConfigAppType
    CreationTimeBefore: dt.datetime
    CreationTimeAfter: dt.datetime
    ModifiedTimeBefore: dt.datetime
    ModifiedTimeAfter: dt.datetime
    SortBy: StudioLifecycleConfigSortKey
    SortOrder: SortOrder


class ListStudioLifecycleConfigsResponse(TypedDict, total=False):
    """The output of ListStudioLifecycleConfigs."""

    NextToken: str
    StudioLifecycleConfigs: list["StudioLifecycleConfigDetails"]


class ListUserProfilesRequest(TypedDict, total=False):
    """The input of ListUserProfiles."""

    NextToken: str
    MaxResults: int
    SortOrder: SortOrder
    SortBy: UserProfileSortKey
    DomainIdEquals: str
    UserProfileNameContains: str


class ListUserProfilesResponse(TypedDict, total=False):
    """The output of ListUserProfiles."""

    UserProfiles: list["UserProfileDetails"]
    NextToken: str


class ModelRegisterSettings(TypedDict, total=False):
    """botocore's ModelRegisterSettings structure, as inputs carry it."""

    Status: FeatureStatus
    CrossAccountModelRegisterRoleArn: str


class ModelRegisterSettingsOut(TypedDict, total=False):
    """botocore's ModelRegisterSettings structure, as outputs carry it."""

    Status: str
    CrossAccountModelRegisterRoleArn: str


class RSessionAppSettings(TypedDict, total=False):
    """botocore's RSessionAppSettings structure, as inputs carry it."""

    DefaultResourceSpec: "ResourceSpec"
    CustomImages: list[CustomImage]


class RSessionAppSettingsOut(TypedDict, total=False):
    """botocore's RSessionAppSettings structure, as outputs carry it."""

    DefaultResourceSpec: "ResourceSpecOut"
    CustomImages: list[CustomImageOut]


class RStudioServerProAppSettings(TypedDict, total=False):
    """botocore's RStudioServerProAppSettings structure, as inputs carry it."""

    AccessStatus: RStudioServerProAccessStatus
    UserGroup: RStudioServerProUserGroup


class RStudioServerProAppSettingsOut(TypedDict, total=False):
    """botocore's RStudioServerProAppSettings structure, as outputs carry it."""

    AccessStatus: str
    UserGroup: str


class RStudioServerProDomainSettings(TypedDict, total=False):
    """botocore's RStudioServerProDomainSettings structure, as inputs carry it."""

    DomainExecutionRoleArn: Required[str]
    RStudioConnectUrl: str
    RStudioPackageManagerUrl: str
    DefaultResourceSpec: "ResourceSpec"


class RStudioServerProDomainSettingsForUpdate(TypedDict, total=False):
    """botocore's RStudioServerProDomainSettingsForUpdate structure, as inputs carry it."""

    DomainExecutionRoleArn: Required[str]
    DefaultResourceSpec: "ResourceSpec"
    RStudioConnectUrl: str
    RStudioPackageManagerUrl: str


class RStudioServerProDomainSettingsOut(TypedDict, total=False):
    """botocore's RStudioServerProDomainSettings structure, as outputs carry it."""

    DomainExecutionRoleArn: str
    RStudioConnectUrl: str
    RStudioPackageManagerUrl: str
    DefaultResourceSpec: "ResourceSpecOut"


class ResourceSpec(TypedDict, total=False):
    """botocore's ResourceSpec structure, as inputs carry it."""

    SageMakerImageArn: str
    SageMakerImageVersionArn: str
    SageMakerImageVersionAlias: str
    InstanceType: AppInstanceType
    LifecycleConfigArn: str
    TrainingPlanArn: str


class ResourceSpecOut(TypedDict, total=False):
    """botocore's ResourceSpec structure, as outputs carry it."""

    SageMakerImageArn: str
    SageMakerImageVersionArn: str
    SageMakerImageVersionAlias: str
    InstanceType: str
    LifecycleConfigArn: str
    TrainingPlanArn: str


class RetentionPolicy(TypedDict, total=False):
    """botocore's RetentionPolicy structure, as inputs carry it."""

    HomeEfsFileSystem: RetentionType


class S3FileSystemConfig(TypedDict, total=False):
    """botocore's S3FileSystemConfig structure, as inputs carry it."""

    MountPath: str
    S3Uri: Required[str]


class S3FileSystemConfigOut(TypedDict, total=False):
    """botocore's S3FileSystemConfig structure, as outputs carry it."""

    MountPath: str
    S3Uri: str


class SharingSettings(TypedDict, total=False):
    """botocore's SharingSettings structure, as inputs carry it."""

    NotebookOutputOption: NotebookOutputOption
    S3OutputPath: str
    S3KmsKeyId: str


class SharingSettingsOut(TypedDict, total=False):
    """botocore's SharingSettings structure, as outputs carry it."""

    NotebookOutputOption: str
    S3OutputPath: str
    S3KmsKeyId: str


class StudioLifecycleConfigDetails(TypedDict, total=False):
    """botocore's StudioLifecycleConfigDetails structure, as outputs carry it."""

    StudioLifecycleConfigArn: str
    StudioLifecycleConfigName: str
    CreationTime: dt.datetime
    LastModifiedTime: dt.datetime
    StudioLifecycleConfigAppType: str


class StudioWebPortalSettings(TypedDict, total=False):
    """botocore's StudioWebPortalSettings structure, as inputs carry it."""

    HiddenMlTools: list[MlTools]
    HiddenAppTypes: list[AppType]
    HiddenInstanceTypes: list[AppInstanceType]
    HiddenSageMakerImageVersionAliases: list[HiddenSageMakerImage]
    ExecutionRoleSessionNameMode: ExecutionRoleSessionNameMode


class StudioWebPortalSettingsOut(TypedDict, total=False):
    """botocore's StudioWebPortalSettings structure, as outputs carry it."""

    HiddenMlTools: list[str]
    HiddenAppTypes: list[str]
    HiddenInstanceTypes: list[str]
    HiddenSageMakerImageVersionAliases: list[HiddenSageMakerImageOut]
    ExecutionRoleSessionNameMode: str


class Tag(TypedDict, total=False):
    """botocore's Tag structure, as inputs carry it."""

    Key: Required[str]
    Value: Required[str]


class TensorBoardAppSettings(TypedDict, total=False):
    """botocore's TensorBoardAppSettings structure, as inputs carry it."""

    DefaultResourceSpec: ResourceSpec


class TensorBoardAppSettingsOut(TypedDict, total=False):
    """botocore's TensorBoardAppSettings structure, as outputs carry it."""

    DefaultResourceSpec: ResourceSpecOut


class TimeSeriesForecastingSettings(TypedDict, total=False):
    """botocore's TimeSeriesForecastingSettings structure, as inputs carry it."""

    Status: FeatureStatus
    AmazonForecastRoleArn: str


class TimeSeriesForecastingSettingsOut(TypedDict, total=False):
    """botocore's TimeSeriesForecastingSettings structure, as outputs carry it."""

    Status: str
    AmazonForecastRoleArn: str


class TrustedIdentityPropagationSettings(TypedDict, total=False):
    """botocore's TrustedIdentityPropagationSettings structure, as inputs carry it."""

    Status: Required[FeatureStatus]


class TrustedIdentityPropagationSettingsOut(TypedDict, total=False):
    """botocore's TrustedIdentityPropagationSettings structure, as outputs carry it."""

    Status: str


class UnifiedStudioSettings(TypedDict, total=False):
    """botocore's UnifiedStudioSettings structure, as inputs carry it."""

    StudioWebPortalAccess: FeatureStatus
    DomainAccountId: str
    DomainRegion: str
    DomainId: str
    ProjectId: str
    EnvironmentId: str
    ProjectS3Path: str
    SingleSignOnApplicationArn: str


class UnifiedStudioSettingsOut(TypedDict, total=False):
    """botocore's UnifiedStudioSettings structure, as outputs carry it."""

    StudioWebPortalAccess: str
    DomainAccountId: str
    DomainRegion: str
    DomainId: str
    ProjectId: str
    EnvironmentId: str
    ProjectS3Path: str
    SingleSignOnApplicationArn: str


class UpdateDomainRequest(TypedDict, total=False):
    """The input of UpdateDomain."""

    DomainId: Required[str]
    DefaultUserSettings: "UserSettings"
    DomainSettingsForUpdate: DomainSettingsForUpdate
    AppSecurityGroupManagement: AppSecurityGroupManagement
    DefaultSpaceSettings: DefaultSpaceSettings
    SubnetIds: list[str]
    AppNetworkAccessType: AppNetworkAccessType
    TagPropagation: TagPropagation
    HomeEfsFileSystemCreation: HomeEfsFileSystemCreation
    VpcId: str


class UpdateDomainResponse(TypedDict, total=False):
    """The output of UpdateDomain."""

    DomainArn: str


class UserProfileDetails(TypedDict, total=False):
    """botocore's UserProfileDetails structure, as outputs carry it."""

    DomainId: str
    UserProfileName: str
    Status: str
    CreationTime: dt.datetime
    LastModifiedTime: dt.datetime


class UserSettings(TypedDict, total=False):
    """botocore's UserSettings structure, as inputs carry it."""

    ExecutionRole: str
    SecurityGroups: list[str]
    SharingSettings: SharingSettings
    JupyterServerAppSettings: JupyterServerAppSettings
    KernelGatewayAppSettings: KernelGatewayAppSettings
    TensorBoardAppSettings: TensorBoardAppSettings
    RStudioServerProAppSettings: RStudioServerProAppSettings
    RSessionAppSettings: RSessionAppSettings
    CanvasAppSettings: CanvasAppSettings
    CodeEditorAppSettings: CodeEditorAppSettings
    JupyterLabAppSettings: JupyterLabAppSettings
    SpaceStorageSettings: DefaultSpaceStorageSettings
    DefaultLandingUri: str
    StudioWebPortal: StudioWebPortal
    CustomPosixUserConfig: CustomPosixUserConfig
    CustomFileSystemConfigs: list[CustomFileSystemConfig]
    StudioWebPortalSettings: StudioWebPortalSettings
    AutoMountHomeEFS: AutoMountHomeEFS


class UserSettingsOut(TypedDict, total=False):
    """botocore's UserSettings structure, as outputs carry it."""

    ExecutionRole: str
    SecurityGroups: list[str]
    SharingSettings: SharingSettingsOut
    JupyterServerAppSettings: JupyterServerAppSettingsOut
    KernelGatewayAppSettings: KernelGatewayAppSettingsOut
    TensorBoardAppSettings: TensorBoardAppSettingsOut
    RStudioServerProAppSettings: RStudioServerProAppSettingsOut
    RSessionAppSettings: RSessionAppSettingsOut
    CanvasAppSettings: CanvasAppSettingsOut
    CodeEditorAppSettings: CodeEditorAppSettingsOut
    JupyterLabAppSettings: JupyterLabAppSettingsOut
    SpaceStorageSettings: DefaultSpaceStorageSettingsOut
    DefaultLandingUri: str
    StudioWebPortal: str
    CustomPosixUserConfig: CustomPosixUserConfigOut
    CustomFileSystemConfigs: list[CustomFileSystemConfigOut]
    StudioWebPortalSettings: StudioWebPortalSettingsOut
    AutoMountHomeEFS: str


class WorkspaceSettings(TypedDict, total=False):
    """botocore's WorkspaceSettings structure, as inputs carry it."""

    S3ArtifactPath: str
    S3KmsKeyId: str


class WorkspaceSettingsOut(TypedDict, total=False):
    """botocore's WorkspaceSettings structure, as outputs carry it."""

    S3ArtifactPath: str
    S3KmsKeyId: str

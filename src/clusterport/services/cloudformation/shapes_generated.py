"""Typed input and output shapes of the cloudformation operations clusterport serves.

Generated from botocore 1.44.18's model (with the model patches) by
``python -m clusterport.services.gen_shapes``: do not edit by hand.
"""

import datetime as dt
from typing import Literal, Required, TypedDict

CallAs = Literal["DELEGATED_ADMIN", "SELF"]

Capability = Literal["CAPABILITY_AUTO_EXPAND", "CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]

DeletionMode = Literal["FORCE_DELETE_STACK", "STANDARD"]

DeploymentConfigMode = Literal["EXPRESS", "STANDARD"]

OnFailure = Literal["DELETE", "DO_NOTHING", "ROLLBACK"]

StackStatus = Literal[
    "CREATE_COMPLETE",
    "CREATE_FAILED",
    "CREATE_IN_PROGRESS",
    "DELETE_COMPLETE",
    "DELETE_FAILED",
    "DELETE_IN_PROGRESS",
    "IMPORT_COMPLETE",
    "IMPORT_IN_PROGRESS",
    "IMPORT_ROLLBACK_COMPLETE",
    "IMPORT_ROLLBACK_FAILED",
    "IMPORT_ROLLBACK_IN_PROGRESS",
    "REVIEW_IN_PROGRESS",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "ROLLBACK_IN_PROGRESS",
    "UPDATE_COMPLETE",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_FAILED",
    "UPDATE_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_IN_PROGRESS",
]

TemplateStage = Literal["Original", "Processed"]


class NoOutput(TypedDict, total=False):
    """The output of an operation whose model has none: the provider returns {}."""


class CreateStackInput(TypedDict, total=False):
    """The input of CreateStack."""

    StackName: Required[str]
    TemplateBody: str
    TemplateURL: str
    Parameters: list["Parameter"]
    DisableRollback: bool
    RollbackConfiguration: "RollbackConfiguration"
    TimeoutInMinutes: int
    NotificationARNs: list[str]
    Capabilities: list[Capability]
    ResourceTypes: list[str]
    RoleARN: str
    OnFailure: OnFailure
    StackPolicyBody: str
    StackPolicyURL: str
    Tags: list["Tag"]
    ClientRequestToken: str
    EnableTerminationProtection: bool
    RetainExceptOnCreate: bool
    DeploymentConfig: "DeploymentConfig"
    DisableValidation: bool


class CreateStackOutput(TypedDict, total=False):
    """The output of CreateStack."""

    StackId: str
    OperationId: str


class DeleteStackInput(TypedDict, total=False):
    """The input of DeleteStack."""

    StackName: Required[str]
    RetainResources: list[str]
    RoleARN: str
    ClientRequestToken: str
    DeletionMode: DeletionMode
    DeploymentConfig: "DeploymentConfig"


class DeploymentConfig(TypedDict, total=False):
    """botocore's DeploymentConfig structure, as inputs carry it."""

    Mode: DeploymentConfigMode
    DisableRollback: bool


class DeploymentConfigOut(TypedDict, total=False):
    """botocore's DeploymentConfig structure, as outputs carry it."""

    Mode: str
    DisableRollback: bool


class DescribeStackEventsInput(TypedDict, total=False):
    """The input of DescribeStackEvents."""

    StackName: Required[str]
    NextToken: str


class DescribeStackEventsOutput(TypedDict, total=False):
    """The output of DescribeStackEvents."""

    StackEvents: list["StackEvent"]
    NextToken: str


class DescribeStackResourceInput(TypedDict, total=False):
    """The input of DescribeStackResource."""

    StackName: Required[str]
    LogicalResourceId: Required[str]


class DescribeStackResourceOutput(TypedDict, total=False):
    """The output of DescribeStackResource."""

    StackResourceDetail: "StackResourceDetail"


class DescribeStackResourcesInput(TypedDict, total=False):
    """The input of DescribeStackResources."""

    StackName: str
    LogicalResourceId: str
    PhysicalResourceId: str


class DescribeStackResourcesOutput(TypedDict, total=False):
    """The output of DescribeStackResources."""

    StackResources: list["StackResource"]


class DescribeStacksInput(TypedDict, total=False):
    """The input of DescribeStacks."""

    StackName: str
    NextToken: str


class DescribeStacksOutput(TypedDict, total=False):
    """The output of DescribeStacks."""

    Stacks: list["Stack"]
    NextToken: str


class Export(TypedDict, total=False):
    """botocore's Export structure, as outputs carry it."""

    ExportingStackId: str
    Name: str
    Value: str


class GetTemplateInput(TypedDict, total=False):
    """The input of GetTemplate."""

    StackName: str
    ChangeSetName: str
    TemplateStage: TemplateStage


class GetTemplateOutput(TypedDict, total=False):
    """The output of GetTemplate."""

    TemplateBody: str
    StagesAvailable: list[str]


class GetTemplateSummaryInput(TypedDict, total=False):
    """The input of GetTemplateSummary."""

    TemplateBody: str
    TemplateURL: str
    StackName: str
    StackSetName: str
    CallAs: CallAs
    TemplateSummaryConfig: "TemplateSummaryConfig"


class GetTemplateSummaryOutput(TypedDict, total=False):
    """The output of GetTemplateSummary."""

    Parameters: list["ParameterDeclaration"]
    Description: str
    Capabilities: list[str]
    CapabilitiesReason: str
    ResourceTypes: list[str]
    Version: str
    Metadata: str
    DeclaredTransforms: list[str]
    ResourceIdentifierSummaries: list["ResourceIdentifierSummary"]
    Warnings: "Warnings"


class ListExportsInput(TypedDict, total=False):
    """The input of ListExports."""

    NextToken: str


class ListExportsOutput(TypedDict, total=False):
    """The output of ListExports."""

    Exports: list[Export]
    NextToken: str


class ListStackResourcesInput(TypedDict, total=False):
    """The input of ListStackResources."""

    StackName: Required[str]
    NextToken: str


class ListStackResourcesOutput(TypedDict, total=False):
    """The output of ListStackResources."""

    StackResourceSummaries: list["StackResourceSummary"]
    NextToken: str


class ListStacksInput(TypedDict, total=False):
    """The input of ListStacks."""

    NextToken: str
    StackStatusFilter: list[StackStatus]


class ListStacksOutput(TypedDict, total=False):
    """The output of ListStacks."""

    StackSummaries: list["StackSummary"]
    NextToken: str


class ModuleInfo(TypedDict, total=False):
    """botocore's ModuleInfo structure, as outputs carry it."""

    TypeHierarchy: str
    LogicalIdHierarchy: str


class OperationEntry(TypedDict, total=False):
    """botocore's OperationEntry structure, as outputs carry it."""

    OperationType: str
    OperationId: str


class Output(TypedDict, total=False):
    """botocore's Output structure, as outputs carry it."""

    OutputKey: str
    OutputValue: str
    Description: str
    ExportName: str


class Parameter(TypedDict, total=False):
    """botocore's Parameter structure, as inputs carry it."""

    ParameterKey: str
    ParameterValue: str
    UsePreviousValue: bool
    ResolvedValue: str


class ParameterConstraints(TypedDict, total=False):
    """botocore's ParameterConstraints structure, as outputs carry it."""

    AllowedValues: list[str]


class ParameterDeclaration(TypedDict, total=False):
    """botocore's ParameterDeclaration structure, as outputs carry it."""

    ParameterKey: str
    DefaultValue: str
    ParameterType: str
    NoEcho: bool
    Description: str
    ParameterConstraints: ParameterConstraints


class ParameterOut(TypedDict, total=False):
    """botocore's Parameter structure, as outputs carry it."""

    ParameterKey: str
    ParameterValue: str
    UsePreviousValue: bool
    ResolvedValue: str


class ResourceIdentifierSummary(TypedDict, total=False):
    """botocore's ResourceIdentifierSummary structure, as outputs carry it."""

    ResourceType: str
    LogicalResourceIds: list[str]
    ResourceIdentifiers: list[str]


class RollbackConfiguration(TypedDict, total=False):
    """botocore's RollbackConfiguration structure, as inputs carry it."""

    RollbackTriggers: list["RollbackTrigger"]
    MonitoringTimeInMinutes: int


class RollbackConfigurationOut(TypedDict, total=False):
    """botocore's RollbackConfiguration structure, as outputs carry it."""

    RollbackTriggers: list["RollbackTriggerOut"]
    MonitoringTimeInMinutes: int


class RollbackTrigger(TypedDict, total=False):
    """botocore's RollbackTrigger structure, as inputs carry it."""

    Arn: Required[str]
    Type: Required[str]


class RollbackTriggerOut(TypedDict, total=False):
    """botocore's RollbackTrigger structure, as outputs carry it."""

    Arn: str
    Type: str


class Stack(TypedDict, total=False):
    """botocore's Stack structure, as outputs carry it."""

    StackId: str
    StackName: str
    ChangeSetId: str
    Description: str
    Parameters: list[ParameterOut]
    CreationTime: dt.datetime
    DeletionTime: dt.datetime
    LastUpdatedTime: dt.datetime
    RollbackConfiguration: RollbackConfigurationOut
    StackStatus: str
    StackStatusReason: str
    DisableRollback: bool
    DeploymentConfig: DeploymentConfigOut
    NotificationARNs: list[str]
    TimeoutInMinutes: int
    Capabilities: list[str]
    Outputs: list[Output]
    RoleARN: str
    Tags: list["TagOut"]
    EnableTerminationProtection: bool
    ParentId: str
    RootId: str
    DriftInformation: "StackDriftInformation"
    RetainExceptOnCreate: bool
    DeletionMode: str
    DetailedStatus: str
    LastOperations: list[OperationEntry]
    AliasName: str


class StackDriftInformation(TypedDict, total=False):
    """botocore's StackDriftInformation structure, as outputs carry it."""

    StackDriftStatus: str
    LastCheckTimestamp: dt.datetime


class StackDriftInformationSummary(TypedDict, total=False):
    """botocore's StackDriftInformationSummary structure, as outputs carry it."""

    StackDriftStatus: str
    LastCheckTimestamp: dt.datetime


class StackEvent(TypedDict, total=False):
    """botocore's StackEvent structure, as outputs carry it."""

    StackId: str
    EventId: str
    StackName: str
    OperationId: str
    LogicalResourceId: str
    PhysicalResourceId: str
    ResourceType: str
    Timestamp: dt.datetime
    ResourceStatus: str
    ResourceStatusReason: str
    ResourceProperties: str
    ClientRequestToken: str
    HookType: str
    HookStatus: str
    HookStatusReason: str
    HookInvocationPoint: str
    HookInvocationId: str
    HookFailureMode: str
    DetailedStatus: str


class StackResource(TypedDict, total=False):
    """botocore's StackResource structure, as outputs carry it."""

    StackName: str
    StackId: str
    LogicalResourceId: str
    PhysicalResourceId: str
    ResourceType: str
    Timestamp: dt.datetime
    ResourceStatus: str
    ResourceStatusReason: str
    Description: str
    DriftInformation: "StackResourceDriftInformation"
    ModuleInfo: ModuleInfo


class StackResourceDetail(TypedDict, total=False):
    """botocore's StackResourceDetail structure, as outputs carry it."""

    StackName: str
    StackId: str
    LogicalResourceId: str
    PhysicalResourceId: str
    ResourceType: str
    LastUpdatedTimestamp: dt.datetime
    ResourceStatus: str
    ResourceStatusReason: str
    Description: str
    Metadata: str
    DriftInformation: "StackResourceDriftInformation"
    ModuleInfo: ModuleInfo


class StackResourceDriftInformation(TypedDict, total=False):
    """botocore's StackResourceDriftInformation structure, as outputs carry it."""

    StackResourceDriftStatus: str
    LastCheckTimestamp: dt.datetime


class StackResourceDriftInformationSummary(TypedDict, total=False):
    """botocore's StackResourceDriftInformationSummary structure, as outputs carry it."""

    StackResourceDriftStatus: str
    LastCheckTimestamp: dt.datetime


class StackResourceSummary(TypedDict, total=False):
    """botocore's StackResourceSummary structure, as outputs carry it."""

    LogicalResourceId: str
    PhysicalResourceId: str
    ResourceType: str
    LastUpdatedTimestamp: dt.datetime
    ResourceStatus: str
    ResourceStatusReason: str
    DriftInformation: StackResourceDriftInformationSummary
    ModuleInfo: ModuleInfo


class StackSummary(TypedDict, total=False):
    """botocore's StackSummary structure, as outputs carry it."""

    StackId: str
    StackName: str
    TemplateDescription: str
    CreationTime: dt.datetime
    LastUpdatedTime: dt.datetime
    DeletionTime: dt.datetime
    StackStatus: str
    StackStatusReason: str
    ParentId: str
    RootId: str
    DriftInformation: StackDriftInformationSummary
    LastOperations: list[OperationEntry]


class Tag(TypedDict, total=False):
    """botocore's Tag structure, as inputs carry it."""

    Key: Required[str]
    Value: Required[str]


class TagOut(TypedDict, total=False):
    """botocore's Tag structure, as outputs carry it."""

    Key: str
    Value: str


class TemplateParameter(TypedDict, total=False):
    """botocore's TemplateParameter structure, as outputs carry it."""

    ParameterKey: str
    DefaultValue: str
    NoEcho: bool
    Description: str


class TemplateSummaryConfig(TypedDict, total=False):
    """botocore's TemplateSummaryConfig structure, as inputs carry it."""

    TreatUnrecognizedResourceTypesAsWarnings: bool


class UpdateStackInput(TypedDict, total=False):
    """The input of UpdateStack."""

    StackName: Required[str]
    TemplateBody: str
    TemplateURL: str
    UsePreviousTemplate: bool
    StackPolicyDuringUpdateBody: str
    StackPolicyDuringUpdateURL: str
    Parameters: list[Parameter]
    Capabilities: list[Capability]
    ResourceTypes: list[str]
    RoleARN: str
    RollbackConfiguration: RollbackConfiguration
    StackPolicyBody: str
    StackPolicyURL: str
    NotificationARNs: list[str]
    Tags: list[Tag]
    DisableRollback: bool
    ClientRequestToken: str
    RetainExceptOnCreate: bool
    DeploymentConfig: DeploymentConfig
    DisableValidation: bool


class UpdateStackOutput(TypedDict, total=False):
    """The output of UpdateStack."""

    StackId: str
    OperationId: str


class ValidateTemplateInput(TypedDict, total=False):
    """The input of ValidateTemplate."""

    TemplateBody: str
    TemplateURL: str


class ValidateTemplateOutput(TypedDict, total=False):
    """The output of ValidateTemplate."""

    Parameters: list[TemplateParameter]
    Description: str
    Capabilities: list[str]
    CapabilitiesReason: str
    DeclaredTransforms: list[str]


class Warnings(TypedDict, total=False):
    """botocore's Warnings structure, as outputs carry it."""

    UnrecognizedResourceTypes: list[str]

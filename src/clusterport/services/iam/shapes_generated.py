"""Typed input and output shapes of the iam operations clusterport serves.

Generated from botocore 1.44.18's model (with the model patches) by
``python -m clusterport.services.gen_shapes``: do not edit by hand.
"""

import datetime as dt
from typing import Literal, Required, TypedDict

AttachmentType = Literal["group", "role", "user"]

ContextKeyTypeEnum = Literal[
    "binary",
    "binaryList",
    "boolean",
    "booleanList",
    "date",
    "dateList",
    "ip",
    "ipList",
    "numeric",
    "numericList",
    "string",
    "stringList",
]

EntityType = Literal["AWSManagedPolicy", "Group", "LocalManagedPolicy", "Role", "User"]

PolicyIdentifierPolicyType = Literal[
    "aws-managed",
    "inline",
    "permission-boundary",
    "rcp",
    "scp",
    "user-managed",
]

PolicyUsageType = Literal["PermissionsBoundary", "PermissionsPolicy"]

policyScopeType = Literal["AWS", "All", "Local"]

statusType = Literal["Active", "Expired", "Inactive"]


class NoOutput(TypedDict, total=False):
    """The output of an operation whose model has none: the provider returns {}."""


class AccessKey(TypedDict, total=False):
    """botocore's AccessKey structure, as outputs carry it."""

    UserName: str
    AccessKeyId: str
    Status: str
    SecretAccessKey: str
    CreateDate: dt.datetime


class AccessKeyMetadata(TypedDict, total=False):
    """botocore's AccessKeyMetadata structure, as outputs carry it."""

    UserName: str
    AccessKeyId: str
    Status: str
    CreateDate: dt.datetime


class AddRoleToInstanceProfileRequest(TypedDict, total=False):
    """The input of AddRoleToInstanceProfile."""

    InstanceProfileName: Required[str]
    RoleName: Required[str]


class AttachRolePolicyRequest(TypedDict, total=False):
    """The input of AttachRolePolicy."""

    RoleName: Required[str]
    PolicyArn: Required[str]


class AttachUserPolicyRequest(TypedDict, total=False):
    """The input of AttachUserPolicy."""

    UserName: Required[str]
    PolicyArn: Required[str]


class AttachedPermissionsBoundary(TypedDict, total=False):
    """botocore's AttachedPermissionsBoundary structure, as outputs carry it."""

    PermissionsBoundaryType: str
    PermissionsBoundaryArn: str


class AttachedPolicy(TypedDict, total=False):
    """botocore's AttachedPolicy structure, as outputs carry it."""

    PolicyName: str
    PolicyArn: str


class ContextEntry(TypedDict, total=False):
    """botocore's ContextEntry structure, as inputs carry it."""

    ContextKeyName: str
    ContextKeyValues: list[str]
    ContextKeyType: ContextKeyTypeEnum


class CreateAccessKeyRequest(TypedDict, total=False):
    """The input of CreateAccessKey."""

    UserName: str


class CreateAccessKeyResponse(TypedDict, total=False):
    """The output of CreateAccessKey."""

    AccessKey: AccessKey


class CreateAccountAliasRequest(TypedDict, total=False):
    """The input of CreateAccountAlias."""

    AccountAlias: Required[str]


class CreateInstanceProfileRequest(TypedDict, total=False):
    """The input of CreateInstanceProfile."""

    InstanceProfileName: Required[str]
    Path: str
    Tags: list["Tag"]


class CreateInstanceProfileResponse(TypedDict, total=False):
    """The output of CreateInstanceProfile."""

    InstanceProfile: "InstanceProfile"


class CreatePolicyRequest(TypedDict, total=False):
    """The input of CreatePolicy."""

    PolicyName: Required[str]
    Path: str
    PolicyDocument: Required[str]
    Description: str
    Tags: list["Tag"]


class CreatePolicyResponse(TypedDict, total=False):
    """The output of CreatePolicy."""

    Policy: "Policy"


class CreatePolicyVersionRequest(TypedDict, total=False):
    """The input of CreatePolicyVersion."""

    PolicyArn: Required[str]
    PolicyDocument: Required[str]
    SetAsDefault: bool


class CreatePolicyVersionResponse(TypedDict, total=False):
    """The output of CreatePolicyVersion."""

    PolicyVersion: "PolicyVersion"


class CreateRoleRequest(TypedDict, total=False):
    """The input of CreateRole."""

    Path: str
    RoleName: Required[str]
    AssumeRolePolicyDocument: Required[str]
    Description: str
    MaxSessionDuration: int
    MaxSigninSessionDuration: int
    PermissionsBoundary: str
    Tags: list["Tag"]


class CreateRoleResponse(TypedDict, total=False):
    """The output of CreateRole."""

    Role: "Role"


class CreateUserRequest(TypedDict, total=False):
    """The input of CreateUser."""

    Path: str
    UserName: Required[str]
    PermissionsBoundary: str
    Tags: list["Tag"]


class CreateUserResponse(TypedDict, total=False):
    """The output of CreateUser."""

    User: "User"


class DeleteAccessKeyRequest(TypedDict, total=False):
    """The input of DeleteAccessKey."""

    UserName: str
    AccessKeyId: Required[str]


class DeleteAccountAliasRequest(TypedDict, total=False):
    """The input of DeleteAccountAlias."""

    AccountAlias: Required[str]


class DeleteInstanceProfileRequest(TypedDict, total=False):
    """The input of DeleteInstanceProfile."""

    InstanceProfileName: Required[str]


class DeletePolicyRequest(TypedDict, total=False):
    """The input of DeletePolicy."""

    PolicyArn: Required[str]


class DeletePolicyVersionRequest(TypedDict, total=False):
    """The input of DeletePolicyVersion."""

    PolicyArn: Required[str]
    VersionId: Required[str]


class DeleteRolePermissionsBoundaryRequest(TypedDict, total=False):
    """The input of DeleteRolePermissionsBoundary."""

    RoleName: Required[str]


class DeleteRolePolicyRequest(TypedDict, total=False):
    """The input of DeleteRolePolicy."""

    RoleName: Required[str]
    PolicyName: Required[str]


class DeleteRoleRequest(TypedDict, total=False):
    """The input of DeleteRole."""

    RoleName: Required[str]


class DeleteUserPermissionsBoundaryRequest(TypedDict, total=False):
    """The input of DeleteUserPermissionsBoundary."""

    UserName: Required[str]


class DeleteUserPolicyRequest(TypedDict, total=False):
    """The input of DeleteUserPolicy."""

    UserName: Required[str]
    PolicyName: Required[str]


class DeleteUserRequest(TypedDict, total=False):
    """The input of DeleteUser."""

    UserName: Required[str]


class DetachRolePolicyRequest(TypedDict, total=False):
    """The input of DetachRolePolicy."""

    RoleName: Required[str]
    PolicyArn: Required[str]


class DetachUserPolicyRequest(TypedDict, total=False):
    """The input of DetachUserPolicy."""

    UserName: Required[str]
    PolicyArn: Required[str]


class EvaluationResult(TypedDict, total=False):
    """botocore's EvaluationResult structure, as outputs carry it."""

    EvalActionName: str
    EvalResourceName: str
    EvalDecision: str
    MatchedStatements: list["Statement"]
    MissingContextValues: list[str]
    OrganizationsDecisionDetail: "OrganizationsDecisionDetail"
    PermissionsBoundaryDecisionDetail: "PermissionsBoundaryDecisionDetail"
    EvalDecisionDetails: dict[str, str]
    ResourceSpecificResults: list["ResourceSpecificResult"]


class GetAccountAuthorizationDetailsRequest(TypedDict, total=False):
    """The input of GetAccountAuthorizationDetails."""

    Filter: list[EntityType]
    MaxItems: int
    Marker: str


class GetAccountAuthorizationDetailsResponse(TypedDict, total=False):
    """The output of GetAccountAuthorizationDetails."""

    UserDetailList: list["UserDetail"]
    GroupDetailList: list["GroupDetail"]
    RoleDetailList: list["RoleDetail"]
    Policies: list["ManagedPolicyDetail"]
    IsTruncated: bool
    Marker: str


class GetInstanceProfileRequest(TypedDict, total=False):
    """The input of GetInstanceProfile."""

    InstanceProfileName: Required[str]


class GetInstanceProfileResponse(TypedDict, total=False):
    """The output of GetInstanceProfile."""

    InstanceProfile: "InstanceProfile"


class GetPolicyRequest(TypedDict, total=False):
    """The input of GetPolicy."""

    PolicyArn: Required[str]


class GetPolicyResponse(TypedDict, total=False):
    """The output of GetPolicy."""

    Policy: "Policy"


class GetPolicyVersionRequest(TypedDict, total=False):
    """The input of GetPolicyVersion."""

    PolicyArn: Required[str]
    VersionId: Required[str]


class GetPolicyVersionResponse(TypedDict, total=False):
    """The output of GetPolicyVersion."""

    PolicyVersion: "PolicyVersion"


class GetRolePolicyRequest(TypedDict, total=False):
    """The input of GetRolePolicy."""

    RoleName: Required[str]
    PolicyName: Required[str]


class GetRolePolicyResponse(TypedDict, total=False):
    """The output of GetRolePolicy."""

    RoleName: str
    PolicyName: str
    PolicyDocument: str


class GetRoleRequest(TypedDict, total=False):
    """The input of GetRole."""

    RoleName: Required[str]


class GetRoleResponse(TypedDict, total=False):
    """The output of GetRole."""

    Role: "Role"


class GetUserPolicyRequest(TypedDict, total=False):
    """The input of GetUserPolicy."""

    UserName: Required[str]
    PolicyName: Required[str]


class GetUserPolicyResponse(TypedDict, total=False):
    """The output of GetUserPolicy."""

    UserName: str
    PolicyName: str
    PolicyDocument: str


class GetUserRequest(TypedDict, total=False):
    """The input of GetUser."""

    UserName: str


class GetUserResponse(TypedDict, total=False):
    """The output of GetUser."""

    User: "User"


class GroupDetail(TypedDict, total=False):
    """botocore's GroupDetail structure, as outputs carry it."""

    Path: str
    GroupName: str
    GroupId: str
    Arn: str
    CreateDate: dt.datetime
    GroupPolicyList: list["PolicyDetail"]
    AttachedManagedPolicies: list[AttachedPolicy]


class InlinePolicyIdentifierType(TypedDict, total=False):
    """botocore's InlinePolicyIdentifierType structure, as inputs carry it."""

    PolicyName: Required[str]
    AttachmentType: Required[AttachmentType]
    AttachmentName: Required[str]


class InstanceProfile(TypedDict, total=False):
    """botocore's InstanceProfile structure, as outputs carry it."""

    Path: str
    InstanceProfileName: str
    InstanceProfileId: str
    Arn: str
    CreateDate: dt.datetime
    Roles: list["Role"]
    Tags: list["TagOut"]


class ListAccessKeysRequest(TypedDict, total=False):
    """The input of ListAccessKeys."""

    UserName: str
    Marker: str
    MaxItems: int


class ListAccessKeysResponse(TypedDict, total=False):
    """The output of ListAccessKeys."""

    AccessKeyMetadata: list[AccessKeyMetadata]
    IsTruncated: bool
    Marker: str


class ListAccountAliasesRequest(TypedDict, total=False):
    """The input of ListAccountAliases."""

    Marker: str
    MaxItems: int


class ListAccountAliasesResponse(TypedDict, total=False):
    """The output of ListAccountAliases."""

    AccountAliases: list[str]
    IsTruncated: bool
    Marker: str


class ListAttachedRolePoliciesRequest(TypedDict, total=False):
    """The input of ListAttachedRolePolicies."""

    RoleName: Required[str]
    PathPrefix: str
    Marker: str
    MaxItems: int


class ListAttachedRolePoliciesResponse(TypedDict, total=False):
    """The output of ListAttachedRolePolicies."""

    AttachedPolicies: list[AttachedPolicy]
    IsTruncated: bool
    Marker: str


class ListAttachedUserPoliciesRequest(TypedDict, total=False):
    """The input of ListAttachedUserPolicies."""

    UserName: Required[str]
    PathPrefix: str
    Marker: str
    MaxItems: int


class ListAttachedUserPoliciesResponse(TypedDict, total=False):
    """The output of ListAttachedUserPolicies."""

    AttachedPolicies: list[AttachedPolicy]
    IsTruncated: bool
    Marker: str


class ListEntitiesForPolicyRequest(TypedDict, total=False):
    """The input of ListEntitiesForPolicy."""

    PolicyArn: Required[str]
    EntityFilter: EntityType
    PathPrefix: str
    PolicyUsageFilter: PolicyUsageType
    Marker: str
    MaxItems: int


class ListEntitiesForPolicyResponse(TypedDict, total=False):
    """The output of ListEntitiesForPolicy."""

    PolicyGroups: list["PolicyGroup"]
    PolicyUsers: list["PolicyUser"]
    PolicyRoles: list["PolicyRole"]
    IsTruncated: bool
    Marker: str


class ListInstanceProfileTagsRequest(TypedDict, total=False):
    """The input of ListInstanceProfileTags."""

    InstanceProfileName: Required[str]
    Marker: str
    MaxItems: int


class ListInstanceProfileTagsResponse(TypedDict, total=False):
    """The output of ListInstanceProfileTags."""

    Tags: list["TagOut"]
    IsTruncated: bool
    Marker: str


class ListInstanceProfilesForRoleRequest(TypedDict, total=False):
    """The input of ListInstanceProfilesForRole."""

    RoleName: Required[str]
    Marker: str
    MaxItems: int


class ListInstanceProfilesForRoleResponse(TypedDict, total=False):
    """The output of ListInstanceProfilesForRole."""

    InstanceProfiles: list[InstanceProfile]
    IsTruncated: bool
    Marker: str


class ListInstanceProfilesRequest(TypedDict, total=False):
    """The input of ListInstanceProfiles."""

    PathPrefix: str
    Marker: str
    MaxItems: int


class ListInstanceProfilesResponse(TypedDict, total=False):
    """The output of ListInstanceProfiles."""

    InstanceProfiles: list[InstanceProfile]
    IsTruncated: bool
    Marker: str


class ListPoliciesRequest(TypedDict, total=False):
    """The input of ListPolicies."""

    Scope: policyScopeType
    OnlyAttached: bool
    PathPrefix: str
    PolicyUsageFilter: PolicyUsageType
    Marker: str
    MaxItems: int


class ListPoliciesResponse(TypedDict, total=False):
    """The output of ListPolicies."""

    Policies: list["Policy"]
    IsTruncated: bool
    Marker: str


class ListPolicyTagsRequest(TypedDict, total=False):
    """The input of ListPolicyTags."""

    PolicyArn: Required[str]
    Marker: str
    MaxItems: int


class ListPolicyTagsResponse(TypedDict, total=False):
    """The output of ListPolicyTags."""

    Tags: list["TagOut"]
    IsTruncated: bool
    Marker: str


class ListPolicyVersionsRequest(TypedDict, total=False):
    """The input of ListPolicyVersions."""

    PolicyArn: Required[str]
    Marker: str
    MaxItems: int


class ListPolicyVersionsResponse(TypedDict, total=False):
    """The output of ListPolicyVersions."""

    Versions: list["PolicyVersion"]
    IsTruncated: bool
    Marker: str


class ListRolePoliciesRequest(TypedDict, total=False):
    """The input of ListRolePolicies."""

    RoleName: Required[str]
    Marker: str
    MaxItems: int


class ListRolePoliciesResponse(TypedDict, total=False):
    """The output of ListRolePolicies."""

    PolicyNames: list[str]
    IsTruncated: bool
    Marker: str


class ListRoleTagsRequest(TypedDict, total=False):
    """The input of ListRoleTags."""

    RoleName: Required[str]
    Marker: str
    MaxItems: int


class ListRoleTagsResponse(TypedDict, total=False):
    """The output of ListRoleTags."""

    Tags: list["TagOut"]
    IsTruncated: bool
    Marker: str


class ListRolesRequest(TypedDict, total=False):
    """The input of ListRoles."""

    PathPrefix: str
    Marker: str
    MaxItems: int


class ListRolesResponse(TypedDict, total=False):
    """The output of ListRoles."""

    Roles: list["Role"]
    IsTruncated: bool
    Marker: str


class ListUserPoliciesRequest(TypedDict, total=False):
    """The input of ListUserPolicies."""

    UserName: Required[str]
    Marker: str
    MaxItems: int


class ListUserPoliciesResponse(TypedDict, total=False):
    """The output of ListUserPolicies."""

    PolicyNames: list[str]
    IsTruncated: bool
    Marker: str


class ListUserTagsRequest(TypedDict, total=False):
    """The input of ListUserTags."""

    UserName: Required[str]
    Marker: str
    MaxItems: int


class ListUserTagsResponse(TypedDict, total=False):
    """The output of ListUserTags."""

    Tags: list["TagOut"]
    IsTruncated: bool
    Marker: str


class ListUsersRequest(TypedDict, total=False):
    """The input of ListUsers."""

    PathPrefix: str
    Marker: str
    MaxItems: int


class ListUsersResponse(TypedDict, total=False):
    """The output of ListUsers."""

    Users: list["User"]
    IsTruncated: bool
    Marker: str


class ManagedPolicyDetail(TypedDict, total=False):
    """botocore's ManagedPolicyDetail structure, as outputs carry it."""

    PolicyName: str
    PolicyId: str
    Arn: str
    Path: str
    DefaultVersionId: str
    AttachmentCount: int
    PermissionsBoundaryUsageCount: int
    IsAttachable: bool
    Description: str
    CreateDate: dt.datetime
    UpdateDate: dt.datetime
    PolicyVersionList: list["PolicyVersion"]


class OrderedOrganizationPolicyType(TypedDict, total=False):
    """botocore's OrderedOrganizationPolicyType structure, as inputs carry it."""

    ServiceControlPolicyInputList: list[str]


class OrganizationsDecisionDetail(TypedDict, total=False):
    """botocore's OrganizationsDecisionDetail structure, as outputs carry it."""

    AllowedByOrganizations: bool


class PermissionsBoundaryDecisionDetail(TypedDict, total=False):
    """botocore's PermissionsBoundaryDecisionDetail structure, as outputs carry it."""

    AllowedByPermissionsBoundary: bool


class Policy(TypedDict, total=False):
    """botocore's Policy structure, as outputs carry it."""

    PolicyName: str
    PolicyId: str
    Arn: str
    Path: str
    DefaultVersionId: str
    AttachmentCount: int
    PermissionsBoundaryUsageCount: int
    IsAttachable: bool
    Description: str
    CreateDate: dt.datetime
    UpdateDate: dt.datetime
    Tags: list["TagOut"]


class PolicyDetail(TypedDict, total=False):
    """botocore's PolicyDetail structure, as outputs carry it."""

    PolicyName: str
    PolicyDocument: str


class PolicyGroup(TypedDict, total=False):
    """botocore's PolicyGroup structure, as outputs carry it."""

    GroupName: str
    GroupId: str


class PolicyIdentifier(TypedDict, total=False):
    """botocore's PolicyIdentifier structure, as inputs carry it."""

    PolicyType: PolicyIdentifierPolicyType
    PolicyArn: str
    InlinePolicyIdentifier: InlinePolicyIdentifierType


class PolicyRole(TypedDict, total=False):
    """botocore's PolicyRole structure, as outputs carry it."""

    RoleName: str
    RoleId: str


class PolicyUser(TypedDict, total=False):
    """botocore's PolicyUser structure, as outputs carry it."""

    UserName: str
    UserId: str


class PolicyVersion(TypedDict, total=False):
    """botocore's PolicyVersion structure, as outputs carry it."""

    Document: str
    VersionId: str
    IsDefaultVersion: bool
    CreateDate: dt.datetime


class Position(TypedDict, total=False):
    """botocore's Position structure, as outputs carry it."""

    Line: int
    Column: int


class PutRolePermissionsBoundaryRequest(TypedDict, total=False):
    """The input of PutRolePermissionsBoundary."""

    RoleName: Required[str]
    PermissionsBoundary: Required[str]


class PutRolePolicyRequest(TypedDict, total=False):
    """The input of PutRolePolicy."""

    RoleName: Required[str]
    PolicyName: Required[str]
    PolicyDocument: Required[str]


class PutUserPermissionsBoundaryRequest(TypedDict, total=False):
    """The input of PutUserPermissionsBoundary."""

    UserName: Required[str]
    PermissionsBoundary: Required[str]


class PutUserPolicyRequest(TypedDict, total=False):
    """The input of PutUserPolicy."""

    UserName: Required[str]
    PolicyName: Required[str]
    PolicyDocument: Required[str]


class RemoveRoleFromInstanceProfileRequest(TypedDict, total=False):
    """The input of RemoveRoleFromInstanceProfile."""

    InstanceProfileName: Required[str]
    RoleName: Required[str]


class ResourceSpecificResult(TypedDict, total=False):
    """botocore's ResourceSpecificResult structure, as outputs carry it."""

    EvalResourceName: str
    EvalResourceDecision: str
    MatchedStatements: list["Statement"]
    MissingContextValues: list[str]
    EvalDecisionDetails: dict[str, str]
    PermissionsBoundaryDecisionDetail: PermissionsBoundaryDecisionDetail


class Role(TypedDict, total=False):
    """botocore's Role structure, as outputs carry it."""

    Path: str
    RoleName: str
    RoleId: str
    Arn: str
    CreateDate: dt.datetime
    AssumeRolePolicyDocument: str
    Description: str
    MaxSessionDuration: int
    MaxSigninSessionDuration: int
    PermissionsBoundary: AttachedPermissionsBoundary
    Tags: list["TagOut"]
    RoleLastUsed: "RoleLastUsed"
    SourceRoleTemplate: "SourceRoleTemplate"


class RoleDetail(TypedDict, total=False):
    """botocore's RoleDetail structure, as outputs carry it."""

    Path: str
    RoleName: str
    RoleId: str
    Arn: str
    CreateDate: dt.datetime
    AssumeRolePolicyDocument: str
    InstanceProfileList: list[InstanceProfile]
    RolePolicyList: list[PolicyDetail]
    AttachedManagedPolicies: list[AttachedPolicy]
    PermissionsBoundary: AttachedPermissionsBoundary
    Tags: list["TagOut"]
    RoleLastUsed: "RoleLastUsed"


class RoleLastUsed(TypedDict, total=False):
    """botocore's RoleLastUsed structure, as outputs carry it."""

    LastUsedDate: dt.datetime
    Region: str


class SetDefaultPolicyVersionRequest(TypedDict, total=False):
    """The input of SetDefaultPolicyVersion."""

    PolicyArn: Required[str]
    VersionId: Required[str]


class SimulateCustomPolicyRequest(TypedDict, total=False):
    """The input of SimulateCustomPolicy."""

    PolicyInputList: Required[list[str]]
    PermissionsBoundaryPolicyInputList: list[str]
    OrderedOrganizationPolicyInputList: list[OrderedOrganizationPolicyType]
    ActionNames: Required[list[str]]
    ResourceArns: list[str]
    ResourcePolicy: str
    ResourceOwner: str
    CallerArn: str
    ContextEntries: list[ContextEntry]
    ResourceHandlingOption: str
    MaxItems: int
    Marker: str


class SimulatePolicyResponse(TypedDict, total=False):
    """The output of SimulateCustomPolicy, SimulatePrincipalPolicy."""

    EvaluationResults: list[EvaluationResult]
    IsTruncated: bool
    Marker: str


class SimulatePrincipalPolicyRequest(TypedDict, total=False):
    """The input of SimulatePrincipalPolicy."""

    PolicySourceArn: Required[str]
    PolicyInputList: list[str]
    PermissionsBoundaryPolicyInputList: list[str]
    PolicyExclusionList: list[PolicyIdentifier]
    ActionNames: Required[list[str]]
    ResourceArns: list[str]
    ResourcePolicy: str
    ResourceOwner: str
    CallerArn: str
    ContextEntries: list[ContextEntry]
    ResourceHandlingOption: str
    MaxItems: int
    Marker: str


class SourceRoleTemplate(TypedDict, total=False):
    """botocore's SourceRoleTemplate structure, as outputs carry it."""

    TemplateArn: str
    TemplateMinorVersion: int


class Statement(TypedDict, total=False):
    """botocore's Statement structure, as outputs carry it."""

    SourcePolicyId: str
    SourcePolicyType: str
    StartPosition: Position
    EndPosition: Position


class Tag(TypedDict, total=False):
    """botocore's Tag structure, as inputs carry it."""

    Key: Required[str]
    Value: Required[str]


class TagInstanceProfileRequest(TypedDict, total=False):
    """The input of TagInstanceProfile."""

    InstanceProfileName: Required[str]
    Tags: Required[list[Tag]]


class TagOut(TypedDict, total=False):
    """botocore's Tag structure, as outputs carry it."""

    Key: str
    Value: str


class TagPolicyRequest(TypedDict, total=False):
    """The input of TagPolicy."""

    PolicyArn: Required[str]
    Tags: Required[list[Tag]]


class TagRoleRequest(TypedDict, total=False):
    """The input of TagRole."""

    RoleName: Required[str]
    Tags: Required[list[Tag]]


class TagUserRequest(TypedDict, total=False):
    """The input of TagUser."""

    UserName: Required[str]
    Tags: Required[list[Tag]]


class UntagInstanceProfileRequest(TypedDict, total=False):
    """The input of UntagInstanceProfile."""

    InstanceProfileName: Required[str]
    TagKeys: Required[list[str]]


class UntagPolicyRequest(TypedDict, total=False):
    """The input of UntagPolicy."""

    PolicyArn: Required[str]
    TagKeys: Required[list[str]]


class UntagRoleRequest(TypedDict, total=False):
    """The input of UntagRole."""

    RoleName: Required[str]
    TagKeys: Required[list[str]]


class UntagUserRequest(TypedDict, total=False):
    """The input of UntagUser."""

    UserName: Required[str]
    TagKeys: Required[list[str]]


class UpdateAccessKeyRequest(TypedDict, total=False):
    """The input of UpdateAccessKey."""

    UserName: str
    AccessKeyId: Required[str]
    Status: Required[statusType]


class UpdateAssumeRolePolicyRequest(TypedDict, total=False):
    """The input of UpdateAssumeRolePolicy."""

    RoleName: Required[str]
    PolicyDocument: Required[str]


class UpdateRoleDescriptionRequest(TypedDict, total=False):
    """The input of UpdateRoleDescription."""

    RoleName: Required[str]
    Description: Required[str]


class UpdateRoleDescriptionResponse(TypedDict, total=False):
    """The output of UpdateRoleDescription."""

    Role: Role


class UpdateRoleRequest(TypedDict, total=False):
    """The input of UpdateRole."""

    RoleName: Required[str]
    Description: str
    MaxSessionDuration: int
    MaxSigninSessionDuration: int
    ResetMaxSigninSessionDuration: bool


class UpdateRoleResponse(TypedDict, total=False):
    """The output of UpdateRole."""


class UpdateUserRequest(TypedDict, total=False):
    """The input of UpdateUser."""

    UserName: Required[str]
    NewPath: str
    NewUserName: str


class User(TypedDict, total=False):
    """botocore's User structure, as outputs carry it."""

    Path: str
    UserName: str
    UserId: str
    Arn: str
    CreateDate: dt.datetime
    PasswordLastUsed: dt.datetime
    PermissionsBoundary: AttachedPermissionsBoundary
    Tags: list[TagOut]


class UserDetail(TypedDict, total=False):
    """botocore's UserDetail structure, as outputs carry it."""

    Path: str
    UserName: str
    UserId: str
    Arn: str
    CreateDate: dt.datetime
    UserPolicyList: list[PolicyDetail]
    GroupList: list[str]
    AttachedManagedPolicies: list[AttachedPolicy]
    PermissionsBoundary: AttachedPermissionsBoundary
    Tags: list[TagOut]

"""Typed input and output shapes of the servicecatalog operations clusterport serves.

Generated from botocore 1.44.18's model (with the model patches) by
``python -m clusterport.services.gen_shapes``: do not edit by hand.
"""

import datetime as dt
from typing import Literal, Required, TypedDict

AccessLevelFilterKey = Literal["Account", "Role", "User"]

OrganizationNodeType = Literal["ACCOUNT", "ORGANIZATION", "ORGANIZATIONAL_UNIT"]

PortfolioShareType = Literal["AWS_ORGANIZATIONS", "AWS_SERVICECATALOG", "IMPORTED"]

PrincipalType = Literal["IAM", "IAM_PATTERN"]

ProductSource = Literal["ACCOUNT"]

ProductType = Literal[
    "CLOUD_FORMATION_TEMPLATE",
    "EXTERNAL",
    "MARKETPLACE",
    "TERRAFORM_CLOUD",
    "TERRAFORM_OPEN_SOURCE",
]

ProductViewSortBy = Literal["CreationDate", "Title", "VersionCount"]

ProvisioningArtifactGuidance = Literal["DEFAULT", "DEPRECATED"]

ProvisioningArtifactType = Literal[
    "CLOUD_FORMATION_TEMPLATE",
    "EXTERNAL",
    "MARKETPLACE_AMI",
    "MARKETPLACE_CAR",
    "TERRAFORM_CLOUD",
    "TERRAFORM_OPEN_SOURCE",
]

SortOrder = Literal["ASCENDING", "DESCENDING"]

SourceType = Literal["CODESTAR"]

StackSetOperationType = Literal["CREATE", "DELETE", "UPDATE"]


class AcceptPortfolioShareInput(TypedDict, total=False):
    """The input of AcceptPortfolioShare."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    PortfolioShareType: PortfolioShareType


class AcceptPortfolioShareOutput(TypedDict, total=False):
    """The output of AcceptPortfolioShare."""


class AccessLevelFilter(TypedDict, total=False):
    """botocore's AccessLevelFilter structure, as inputs carry it."""

    Key: AccessLevelFilterKey
    Value: str


class AssociatePrincipalWithPortfolioInput(TypedDict, total=False):
    """The input of AssociatePrincipalWithPortfolio."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    PrincipalARN: Required[str]
    PrincipalType: Required[PrincipalType]


class AssociatePrincipalWithPortfolioOutput(TypedDict, total=False):
    """The output of AssociatePrincipalWithPortfolio."""


class AssociateProductWithPortfolioInput(TypedDict, total=False):
    """The input of AssociateProductWithPortfolio."""

    AcceptLanguage: str
    ProductId: Required[str]
    PortfolioId: Required[str]
    SourcePortfolioId: str


class AssociateProductWithPortfolioOutput(TypedDict, total=False):
    """The output of AssociateProductWithPortfolio."""


class BudgetDetail(TypedDict, total=False):
    """botocore's BudgetDetail structure, as outputs carry it."""

    BudgetName: str


class CloudWatchDashboard(TypedDict, total=False):
    """botocore's CloudWatchDashboard structure, as outputs carry it."""

    Name: str


class CodeStarParameters(TypedDict, total=False):
    """botocore's CodeStarParameters structure, as inputs carry it."""

    ConnectionArn: Required[str]
    Repository: Required[str]
    Branch: Required[str]
    ArtifactPath: Required[str]


class CodeStarParametersOut(TypedDict, total=False):
    """botocore's CodeStarParameters structure, as outputs carry it."""

    ConnectionArn: str
    Repository: str
    Branch: str
    ArtifactPath: str


class ConstraintDetail(TypedDict, total=False):
    """botocore's ConstraintDetail structure, as outputs carry it."""

    ConstraintId: str
    Type: str
    Description: str
    Owner: str
    ProductId: str
    PortfolioId: str


class ConstraintSummary(TypedDict, total=False):
    """botocore's ConstraintSummary structure, as outputs carry it."""

    Type: str
    Description: str


class CreateConstraintInput(TypedDict, total=False):
    """The input of CreateConstraint."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    ProductId: Required[str]
    Parameters: Required[str]
    Type: Required[str]
    Description: str
    IdempotencyToken: Required[str]


class CreateConstraintOutput(TypedDict, total=False):
    """The output of CreateConstraint."""

    ConstraintDetail: ConstraintDetail
    ConstraintParameters: str
    Status: str


class CreatePortfolioInput(TypedDict, total=False):
    """The input of CreatePortfolio."""

    AcceptLanguage: str
    DisplayName: Required[str]
    Description: str
    ProviderName: Required[str]
    Tags: list["Tag"]
    IdempotencyToken: Required[str]


class CreatePortfolioOutput(TypedDict, total=False):
    """The output of CreatePortfolio."""

    PortfolioDetail: "PortfolioDetail"
    Tags: list["TagOut"]


class CreatePortfolioShareInput(TypedDict, total=False):
    """The input of CreatePortfolioShare."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    AccountId: str
    OrganizationNode: "OrganizationNode"
    ShareTagOptions: bool
    SharePrincipals: bool


class CreatePortfolioShareOutput(TypedDict, total=False):
    """The output of CreatePortfolioShare."""

    PortfolioShareToken: str


class CreateProductInput(TypedDict, total=False):
    """The input of CreateProduct."""

    AcceptLanguage: str
    Name: Required[str]
    Owner: Required[str]
    Description: str
    Distributor: str
    SupportDescription: str
    SupportEmail: str
    SupportUrl: str
    ProductType: Required[ProductType]
    Tags: list["Tag"]
    ProvisioningArtifactParameters: "ProvisioningArtifactProperties"
    IdempotencyToken: Required[str]
    SourceConnection: "SourceConnection"


class CreateProductOutput(TypedDict, total=False):
    """The output of CreateProduct."""

    ProductViewDetail: "ProductViewDetail"
    ProvisioningArtifactDetail: "ProvisioningArtifactDetail"
    Tags: list["TagOut"]


class CreateProvisioningArtifactInput(TypedDict, total=False):
    """The input of CreateProvisioningArtifact."""

    AcceptLanguage: str
    ProductId: Required[str]
    Parameters: Required["ProvisioningArtifactProperties"]
    IdempotencyToken: Required[str]


class CreateProvisioningArtifactOutput(TypedDict, total=False):
    """The output of CreateProvisioningArtifact."""

    ProvisioningArtifactDetail: "ProvisioningArtifactDetail"
    Info: dict[str, str]
    Status: str


class DeleteConstraintInput(TypedDict, total=False):
    """The input of DeleteConstraint."""

    AcceptLanguage: str
    Id: Required[str]


class DeleteConstraintOutput(TypedDict, total=False):
    """The output of DeleteConstraint."""


class DeletePortfolioInput(TypedDict, total=False):
    """The input of DeletePortfolio."""

    AcceptLanguage: str
    Id: Required[str]


class DeletePortfolioOutput(TypedDict, total=False):
    """The output of DeletePortfolio."""


class DeletePortfolioShareInput(TypedDict, total=False):
    """The input of DeletePortfolioShare."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    AccountId: str
    OrganizationNode: "OrganizationNode"


class DeletePortfolioShareOutput(TypedDict, total=False):
    """The output of DeletePortfolioShare."""

    PortfolioShareToken: str


class DeleteProductInput(TypedDict, total=False):
    """The input of DeleteProduct."""

    AcceptLanguage: str
    Id: Required[str]


class DeleteProductOutput(TypedDict, total=False):
    """The output of DeleteProduct."""


class DeleteProvisioningArtifactInput(TypedDict, total=False):
    """The input of DeleteProvisioningArtifact."""

    AcceptLanguage: str
    ProductId: Required[str]
    ProvisioningArtifactId: Required[str]


class DeleteProvisioningArtifactOutput(TypedDict, total=False):
    """The output of DeleteProvisioningArtifact."""


class DescribeConstraintInput(TypedDict, total=False):
    """The input of DescribeConstraint."""

    AcceptLanguage: str
    Id: Required[str]


class DescribeConstraintOutput(TypedDict, total=False):
    """The output of DescribeConstraint."""

    ConstraintDetail: ConstraintDetail
    ConstraintParameters: str
    Status: str


class DescribePortfolioInput(TypedDict, total=False):
    """The input of DescribePortfolio."""

    AcceptLanguage: str
    Id: Required[str]


class DescribePortfolioOutput(TypedDict, total=False):
    """The output of DescribePortfolio."""

    PortfolioDetail: "PortfolioDetail"
    Tags: list["TagOut"]
    TagOptions: list["TagOptionDetail"]
    Budgets: list[BudgetDetail]


class DescribeProductAsAdminInput(TypedDict, total=False):
    """The input of DescribeProductAsAdmin."""

    AcceptLanguage: str
    Id: str
    Name: str
    SourcePortfolioId: str


class DescribeProductAsAdminOutput(TypedDict, total=False):
    """The output of DescribeProductAsAdmin."""

    ProductViewDetail: "ProductViewDetail"
    ProvisioningArtifactSummaries: list["ProvisioningArtifactSummary"]
    Tags: list["TagOut"]
    TagOptions: list["TagOptionDetail"]
    Budgets: list[BudgetDetail]


class DescribeProductInput(TypedDict, total=False):
    """The input of DescribeProduct."""

    AcceptLanguage: str
    Id: str
    Name: str


class DescribeProductOutput(TypedDict, total=False):
    """The output of DescribeProduct."""

    ProductViewSummary: "ProductViewSummary"
    ProvisioningArtifacts: list["ProvisioningArtifact"]
    Budgets: list[BudgetDetail]
    LaunchPaths: list["LaunchPath"]


class DescribeProvisionedProductInput(TypedDict, total=False):
    """The input of DescribeProvisionedProduct."""

    AcceptLanguage: str
    Id: str
    Name: str


class DescribeProvisionedProductOutput(TypedDict, total=False):
    """The output of DescribeProvisionedProduct."""

    ProvisionedProductDetail: "ProvisionedProductDetail"
    CloudWatchDashboards: list[CloudWatchDashboard]


class DescribeProvisioningArtifactInput(TypedDict, total=False):
    """The input of DescribeProvisioningArtifact."""

    AcceptLanguage: str
    ProvisioningArtifactId: str
    ProductId: str
    ProvisioningArtifactName: str
    ProductName: str
    Verbose: bool
    IncludeProvisioningArtifactParameters: bool


class DescribeProvisioningArtifactOutput(TypedDict, total=False):
    """The output of DescribeProvisioningArtifact."""

    ProvisioningArtifactDetail: "ProvisioningArtifactDetail"
    Info: dict[str, str]
    Status: str
    ProvisioningArtifactParameters: list["ProvisioningArtifactParameter"]


class DescribeProvisioningParametersInput(TypedDict, total=False):
    """The input of DescribeProvisioningParameters."""

    AcceptLanguage: str
    ProductId: str
    ProductName: str
    ProvisioningArtifactId: str
    ProvisioningArtifactName: str
    PathId: str
    PathName: str


class DescribeProvisioningParametersOutput(TypedDict, total=False):
    """The output of DescribeProvisioningParameters."""

    ProvisioningArtifactParameters: list["ProvisioningArtifactParameter"]
    ConstraintSummaries: list[ConstraintSummary]
    UsageInstructions: list["UsageInstruction"]
    TagOptions: list["TagOptionSummary"]
    ProvisioningArtifactPreferences: "ProvisioningArtifactPreferences"
    ProvisioningArtifactOutputs: list["ProvisioningArtifactOutput"]
    ProvisioningArtifactOutputKeys: list["ProvisioningArtifactOutput"]


class DescribeRecordInput(TypedDict, total=False):
    """The input of DescribeRecord."""

    AcceptLanguage: str
    Id: Required[str]
    PageToken: str
    PageSize: int


class DescribeRecordOutput(TypedDict, total=False):
    """The output of DescribeRecord."""

    RecordDetail: "RecordDetail"
    RecordOutputs: list["RecordOutput"]
    NextPageToken: str


class DisassociatePrincipalFromPortfolioInput(TypedDict, total=False):
    """The input of DisassociatePrincipalFromPortfolio."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    PrincipalARN: Required[str]
    PrincipalType: PrincipalType


class DisassociatePrincipalFromPortfolioOutput(TypedDict, total=False):
    """The output of DisassociatePrincipalFromPortfolio."""


class DisassociateProductFromPortfolioInput(TypedDict, total=False):
    """The input of DisassociateProductFromPortfolio."""

    AcceptLanguage: str
    ProductId: Required[str]
    PortfolioId: Required[str]


class DisassociateProductFromPortfolioOutput(TypedDict, total=False):
    """The output of DisassociateProductFromPortfolio."""


class LastSync(TypedDict, total=False):
    """botocore's LastSync structure, as outputs carry it."""

    LastSyncTime: dt.datetime
    LastSyncStatus: str
    LastSyncStatusMessage: str
    LastSuccessfulSyncTime: dt.datetime
    LastSuccessfulSyncProvisioningArtifactId: str


class LaunchPath(TypedDict, total=False):
    """botocore's LaunchPath structure, as outputs carry it."""

    Id: str
    Name: str


class LaunchPathSummary(TypedDict, total=False):
    """botocore's LaunchPathSummary structure, as outputs carry it."""

    Id: str
    ConstraintSummaries: list[ConstraintSummary]
    Tags: list["TagOut"]
    Name: str


class ListAcceptedPortfolioSharesInput(TypedDict, total=False):
    """The input of ListAcceptedPortfolioShares."""

    AcceptLanguage: str
    PageToken: str
    PageSize: int
    PortfolioShareType: PortfolioShareType


class ListAcceptedPortfolioSharesOutput(TypedDict, total=False):
    """The output of ListAcceptedPortfolioShares."""

    PortfolioDetails: list["PortfolioDetail"]
    NextPageToken: str


class ListConstraintsForPortfolioInput(TypedDict, total=False):
    """The input of ListConstraintsForPortfolio."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    ProductId: str
    PageSize: int
    PageToken: str


class ListConstraintsForPortfolioOutput(TypedDict, total=False):
    """The output of ListConstraintsForPortfolio."""

    ConstraintDetails: list[ConstraintDetail]
    NextPageToken: str


class ListLaunchPathsInput(TypedDict, total=False):
    """The input of ListLaunchPaths."""

    AcceptLanguage: str
    ProductId: Required[str]
    PageSize: int
    PageToken: str


class ListLaunchPathsOutput(TypedDict, total=False):
    """The output of ListLaunchPaths."""

    LaunchPathSummaries: list[LaunchPathSummary]
    NextPageToken: str


class ListPortfolioAccessInput(TypedDict, total=False):
    """The input of ListPortfolioAccess."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    OrganizationParentId: str
    PageToken: str
    PageSize: int


class ListPortfolioAccessOutput(TypedDict, total=False):
    """The output of ListPortfolioAccess."""

    AccountIds: list[str]
    NextPageToken: str


class ListPortfoliosInput(TypedDict, total=False):
    """The input of ListPortfolios."""

    AcceptLanguage: str
    PageToken: str
    PageSize: int


class ListPortfoliosOutput(TypedDict, total=False):
    """The output of ListPortfolios."""

    PortfolioDetails: list["PortfolioDetail"]
    NextPageToken: str


class ListPrincipalsForPortfolioInput(TypedDict, total=False):
    """The input of ListPrincipalsForPortfolio."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    PageSize: int
    PageToken: str


class ListPrincipalsForPortfolioOutput(TypedDict, total=False):
    """The output of ListPrincipalsForPortfolio."""

    Principals: list["Principal"]
    NextPageToken: str


class ListProvisioningArtifactsInput(TypedDict, total=False):
    """The input of ListProvisioningArtifacts."""

    AcceptLanguage: str
    ProductId: Required[str]


class ListProvisioningArtifactsOutput(TypedDict, total=False):
    """The output of ListProvisioningArtifacts."""

    ProvisioningArtifactDetails: list["ProvisioningArtifactDetail"]
    NextPageToken: str


class ListRecordHistoryInput(TypedDict, total=False):
    """The input of ListRecordHistory."""

    AcceptLanguage: str
    AccessLevelFilter: AccessLevelFilter
    SearchFilter: "ListRecordHistorySearchFilter"
    PageSize: int
    PageToken: str


class ListRecordHistoryOutput(TypedDict, total=False):
    """The output of ListRecordHistory."""

    RecordDetails: list["RecordDetail"]
    NextPageToken: str


class ListRecordHistorySearchFilter(TypedDict, total=False):
    """botocore's ListRecordHistorySearchFilter structure, as inputs carry it."""

    Key: str
    Value: str


class OrganizationNode(TypedDict, total=False):
    """botocore's OrganizationNode structure, as inputs carry it."""

    Type: OrganizationNodeType
    Value: str


class ParameterConstraints(TypedDict, total=False):
    """botocore's ParameterConstraints structure, as outputs carry it."""

    AllowedValues: list[str]
    AllowedPattern: str
    ConstraintDescription: str
    MaxLength: str
    MinLength: str
    MaxValue: str
    MinValue: str


class PortfolioDetail(TypedDict, total=False):
    """botocore's PortfolioDetail structure, as outputs carry it."""

    Id: str
    ARN: str
    DisplayName: str
    Description: str
    CreatedTime: dt.datetime
    ProviderName: str


class Principal(TypedDict, total=False):
    """botocore's Principal structure, as outputs carry it."""

    PrincipalARN: str
    PrincipalType: str


class ProductViewAggregationValue(TypedDict, total=False):
    """botocore's ProductViewAggregationValue structure, as outputs carry it."""

    Value: str
    ApproximateCount: int


class ProductViewDetail(TypedDict, total=False):
    """botocore's ProductViewDetail structure, as outputs carry it."""

    ProductViewSummary: "ProductViewSummary"
    Status: str
    ProductARN: str
    CreatedTime: dt.datetime
    SourceConnection: "SourceConnectionDetail"


class ProductViewSummary(TypedDict, total=False):
    """botocore's ProductViewSummary structure, as outputs carry it."""

    Id: str
    ProductId: str
    Name: str
    Owner: str
    ShortDescription: str
    Type: str
    Distributor: str
    HasDefaultPath: bool
    SupportEmail: str
    SupportDescription: str
    SupportUrl: str


class ProvisionProductInput(TypedDict, total=False):
    """The input of ProvisionProduct."""

    AcceptLanguage: str
    ProductId: str
    ProductName: str
    ProvisioningArtifactId: str
    ProvisioningArtifactName: str
    PathId: str
    PathName: str
    ProvisionedProductName: Required[str]
    ProvisioningParameters: list["ProvisioningParameter"]
    ProvisioningPreferences: "ProvisioningPreferences"
    Tags: list["Tag"]
    NotificationArns: list[str]
    ProvisionToken: Required[str]


class ProvisionProductOutput(TypedDict, total=False):
    """The output of ProvisionProduct."""

    RecordDetail: "RecordDetail"


class ProvisionedProductAttribute(TypedDict, total=False):
    """botocore's ProvisionedProductAttribute structure, as outputs carry it."""

    Name: str
    Arn: str
    Type: str
    Id: str
    Status: str
    StatusMessage: str
    CreatedTime: dt.datetime
    IdempotencyToken: str
    LastRecordId: str
    LastProvisioningRecordId: str
    LastSuccessfulProvisioningRecordId: str
    Tags: list["TagOut"]
    PhysicalId: str
    ProductId: str
    ProductName: str
    ProvisioningArtifactId: str
    ProvisioningArtifactName: str
    UserArn: str
    UserArnSession: str


class ProvisionedProductDetail(TypedDict, total=False):
    """botocore's ProvisionedProductDetail structure, as outputs carry it."""

    Name: str
    Arn: str
    Type: str
    Id: str
    Status: str
    StatusMessage: str
    CreatedTime: dt.datetime
    IdempotencyToken: str
    LastRecordId: str
    LastProvisioningRecordId: str
    LastSuccessfulProvisioningRecordId: str
    ProductId: str
    ProvisioningArtifactId: str
    LaunchRoleArn: str


class ProvisioningArtifact(TypedDict, total=False):
    """botocore's ProvisioningArtifact structure, as outputs carry it."""

    Id: str
    Name: str
    Description: str
    CreatedTime: dt.datetime
    Guidance: str


class ProvisioningArtifactDetail(TypedDict, total=False):
    """botocore's ProvisioningArtifactDetail structure, as outputs carry it."""

    Id: str
    Name: str
    Description: str
    Type: str
    CreatedTime: dt.datetime
    Active: bool
    Guidance: str
    SourceRevision: str


class ProvisioningArtifactOutput(TypedDict, total=False):
    """botocore's ProvisioningArtifactOutput structure, as outputs carry it."""

    Key: str
    Description: str


class ProvisioningArtifactParameter(TypedDict, total=False):
    """botocore's ProvisioningArtifactParameter structure, as outputs carry it."""

    ParameterKey: str
    DefaultValue: str
    ParameterType: str
    IsNoEcho: bool
    Description: str
    ParameterConstraints: ParameterConstraints


class ProvisioningArtifactPreferences(TypedDict, total=False):
    """botocore's ProvisioningArtifactPreferences structure, as outputs carry it."""

    StackSetAccounts: list[str]
    StackSetRegions: list[str]


class ProvisioningArtifactProperties(TypedDict, total=False):
    """botocore's ProvisioningArtifactProperties structure, as inputs carry it."""

    Name: str
    Description: str
    Info: dict[str, str]
    Type: ProvisioningArtifactType
    DisableTemplateValidation: bool


class ProvisioningArtifactSummary(TypedDict, total=False):
    """botocore's ProvisioningArtifactSummary structure, as outputs carry it."""

    Id: str
    Name: str
    Description: str
    CreatedTime: dt.datetime
    ProvisioningArtifactMetadata: dict[str, str]


class ProvisioningParameter(TypedDict, total=False):
    """botocore's ProvisioningParameter structure, as inputs carry it."""

    Key: str
    Value: str


class ProvisioningPreferences(TypedDict, total=False):
    """botocore's ProvisioningPreferences structure, as inputs carry it."""

    StackSetAccounts: list[str]
    StackSetRegions: list[str]
    StackSetFailureToleranceCount: int
    StackSetFailureTolerancePercentage: int
    StackSetMaxConcurrencyCount: int
    StackSetMaxConcurrencyPercentage: int


class RecordDetail(TypedDict, total=False):
    """botocore's RecordDetail structure, as outputs carry it."""

    RecordId: str
    ProvisionedProductName: str
    Status: str
    CreatedTime: dt.datetime
    UpdatedTime: dt.datetime
    ProvisionedProductType: str
    RecordType: str
    ProvisionedProductId: str
    ProductId: str
    ProvisioningArtifactId: str
    PathId: str
    RecordErrors: list["RecordError"]
    RecordTags: list["RecordTag"]
    LaunchRoleArn: str


class RecordError(TypedDict, total=False):
    """botocore's RecordError structure, as outputs carry it."""

    Code: str
    Description: str


class RecordOutput(TypedDict, total=False):
    """botocore's RecordOutput structure, as outputs carry it."""

    OutputKey: str
    OutputValue: str
    Description: str


class RecordTag(TypedDict, total=False):
    """botocore's RecordTag structure, as outputs carry it."""

    Key: str
    Value: str


class RejectPortfolioShareInput(TypedDict, total=False):
    """The input of RejectPortfolioShare."""

    AcceptLanguage: str
    PortfolioId: Required[str]
    PortfolioShareType: PortfolioShareType


class RejectPortfolioShareOutput(TypedDict, total=False):
    """The output of RejectPortfolioShare."""


class ScanProvisionedProductsInput(TypedDict, total=False):
    """The input of ScanProvisionedProducts."""

    AcceptLanguage: str
    AccessLevelFilter: AccessLevelFilter
    PageSize: int
    PageToken: str


class ScanProvisionedProductsOutput(TypedDict, total=False):
    """The output of ScanProvisionedProducts."""

    ProvisionedProducts: list[ProvisionedProductDetail]
    NextPageToken: str


class SearchProductsAsAdminInput(TypedDict, total=False):
    """The input of SearchProductsAsAdmin."""

    AcceptLanguage: str
    PortfolioId: str
    Filters: dict[str, list[str]]
    SortBy: ProductViewSortBy
    SortOrder: SortOrder
    PageToken: str
    PageSize: int
    ProductSource: ProductSource


class SearchProductsAsAdminOutput(TypedDict, total=False):
    """The output of SearchProductsAsAdmin."""

    ProductViewDetails: list[ProductViewDetail]
    NextPageToken: str


class SearchProductsInput(TypedDict, total=False):
    """The input of SearchProducts."""

    AcceptLanguage: str
    Filters: dict[str, list[str]]
    PageSize: int
    SortBy: ProductViewSortBy
    SortOrder: SortOrder
    PageToken: str


class SearchProductsOutput(TypedDict, total=False):
    """The output of SearchProducts."""

    ProductViewSummaries: list[ProductViewSummary]
    ProductViewAggregations: dict[str, list[ProductViewAggregationValue]]
    NextPageToken: str


class SearchProvisionedProductsInput(TypedDict, total=False):
    """The input of SearchProvisionedProducts."""

    AcceptLanguage: str
    AccessLevelFilter: AccessLevelFilter
    Filters: dict[str, list[str]]
    SortBy: str
    SortOrder: SortOrder
    PageSize: int
    PageToken: str


class SearchProvisionedProductsOutput(TypedDict, total=False):
    """The output of SearchProvisionedProducts."""

    ProvisionedProducts: list[ProvisionedProductAttribute]
    TotalResultsCount: int
    NextPageToken: str


class SourceConnection(TypedDict, total=False):
    """botocore's SourceConnection structure, as inputs carry it."""

    Type: SourceType
    ConnectionParameters: Required["SourceConnectionParameters"]


class SourceConnectionDetail(TypedDict, total=False):
    """botocore's SourceConnectionDetail structure, as outputs carry it."""

    Type: str
    ConnectionParameters: "SourceConnectionParametersOut"
    LastSync: LastSync


class SourceConnectionParameters(TypedDict, total=False):
    """botocore's SourceConnectionParameters structure, as inputs carry it."""

    CodeStar: CodeStarParameters


class SourceConnectionParametersOut(TypedDict, total=False):
    """botocore's SourceConnectionParameters structure, as outputs carry it."""

    CodeStar: CodeStarParametersOut


class Tag(TypedDict, total=False):
    """botocore's Tag structure, as inputs carry it."""

    Key: Required[str]
    Value: Required[str]


class TagOptionDetail(TypedDict, total=False):
    """botocore's TagOptionDetail structure, as outputs carry it."""

    Key: str
    Value: str
    Active: bool
    Id: str
    Owner: str


class TagOptionSummary(TypedDict, total=False):
    """botocore's TagOptionSummary structure, as outputs carry it."""

    Key: str
    Values: list[str]


class TagOut(TypedDict, total=False):
    """botocore's Tag structure, as outputs carry it."""

    Key: str
    Value: str


class TerminateProvisionedProductInput(TypedDict, total=False):
    """The input of TerminateProvisionedProduct."""

    ProvisionedProductName: str
    ProvisionedProductId: str
    TerminateToken: Required[str]
    IgnoreErrors: bool
    AcceptLanguage: str
    RetainPhysicalResources: bool


class TerminateProvisionedProductOutput(TypedDict, total=False):
    """The output of TerminateProvisionedProduct."""

    RecordDetail: RecordDetail


class UpdateProductInput(TypedDict, total=False):
    """The input of UpdateProduct."""

    AcceptLanguage: str
    Id: Required[str]
    Name: str
    Owner: str
    Description: str
    Distributor: str
    SupportDescription: str
    SupportEmail: str
    SupportUrl: str
    AddTags: list[Tag]
    RemoveTags: list[str]
    SourceConnection: SourceConnection


class UpdateProductOutput(TypedDict, total=False):
    """The output of UpdateProduct."""

    ProductViewDetail: ProductViewDetail
    Tags: list[TagOut]


class UpdateProvisionedProductInput(TypedDict, total=False):
    """The input of UpdateProvisionedProduct."""

    AcceptLanguage: str
    ProvisionedProductName: str
    ProvisionedProductId: str
    ProductId: str
    ProductName: str
    ProvisioningArtifactId: str
    ProvisioningArtifactName: str
    PathId: str
    PathName: str
    ProvisioningParameters: list["UpdateProvisioningParameter"]
    ProvisioningPreferences: "UpdateProvisioningPreferences"
    Tags: list[Tag]
    UpdateToken: Required[str]


class UpdateProvisionedProductOutput(TypedDict, total=False):
    """The output of UpdateProvisionedProduct."""

    RecordDetail: RecordDetail


class UpdateProvisioningArtifactInput(TypedDict, total=False):
    """The input of UpdateProvisioningArtifact."""

    AcceptLanguage: str
    ProductId: Required[str]
    ProvisioningArtifactId: Required[str]
    Name: str
    Description: str
    Active: bool
    Guidance: ProvisioningArtifactGuidance


class UpdateProvisioningArtifactOutput(TypedDict, total=False):
    """The output of UpdateProvisioningArtifact."""

    ProvisioningArtifactDetail: ProvisioningArtifactDetail
    Info: dict[str, str]
    Status: str


class UpdateProvisioningParameter(TypedDict, total=False):
    """botocore's UpdateProvisioningParameter structure, as inputs carry it."""

    Key: str
    Value: str
    UsePreviousValue: bool


class UpdateProvisioningPreferences(TypedDict, total=False):
    """botocore's UpdateProvisioningPreferences structure, as inputs carry it."""

    StackSetAccounts: list[str]
    StackSetRegions: list[str]
    StackSetFailureToleranceCount: int
    StackSetFailureTolerancePercentage: int
    StackSetMaxConcurrencyCount: int
    StackSetMaxConcurrencyPercentage: int
    StackSetOperationType: StackSetOperationType


class UsageInstruction(TypedDict, total=False):
    """botocore's UsageInstruction structure, as outputs carry it."""

    Type: str
    Value: str

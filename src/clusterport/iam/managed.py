"""AWS-managed policies (``arn:aws:iam::aws:policy/…``) the templates and the seed use.

The documents follow AWS's published ones, abridged to the services this
platform serves (EC2 networking, EMR, IAM/STS, S3, SageMaker, Service
Catalog, CloudFormation, CloudTrail, CloudWatch Logs). They are valid
documents and grant what their names promise: ``AdministratorAccess`` is
``*`` on ``*`` as on AWS; ``PowerUserAccess`` is everything but IAM and
Organizations; the EMR v2 policies keep AWS's tag conditions
(``for-use-with-amazon-emr-managed-policies``).

Every ARN partition is accepted (``arn:aws-cn:iam::aws:policy/…`` finds
the same policy), as CloudFormation's ``${AWS::Partition}`` may produce it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from clusterport.iam.documents import PolicyDocument, PolicyKind, SizeQuota, parse_policy

_MANAGED_ARN = re.compile(r"arn:[a-z\-]+:iam::aws:policy(/(?:.+/)?)([^/]+)")
_EMR_TAG = "for-use-with-amazon-emr-managed-policies"


@dataclass(frozen=True)
class ManagedPolicyInfo:
    """An AWS-managed policy: its ARN, name, path, description and document text."""

    arn: str
    name: str
    path: str
    description: str
    document_text: str

    @property
    def document(self) -> PolicyDocument:
        """The parsed document (always valid)."""
        return parse_policy(self.document_text, PolicyKind.IDENTITY, quota=SizeQuota.ROLE_INLINE)


def aws_managed_policies() -> tuple[ManagedPolicyInfo, ...]:
    """Every AWS-managed policy this platform provides, sorted by ARN."""
    infos = [
        ManagedPolicyInfo(
            arn=f"arn:aws:iam::aws:policy{path}{name}",
            name=name,
            path=path,
            description=description,
            document_text=json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=4),
        )
        for path, name, description, statements in _catalog()
    ]
    return tuple(sorted(infos, key=lambda info: info.arn))


def aws_managed_policy_info(arn: str) -> ManagedPolicyInfo | None:
    """The AWS-managed policy with this ARN (any partition), or None."""
    match = _MANAGED_ARN.fullmatch(arn)
    if match is None:
        return None
    path, name = match.group(1), match.group(2)
    for info in aws_managed_policies():
        if info.path == path and info.name == name:
            return info
    return None


def aws_managed_policy(arn: str) -> PolicyDocument | None:
    """The document of the AWS-managed policy with this ARN, or None if there is none."""
    info = aws_managed_policy_info(arn)
    return None if info is None else info.document


def _allow(
    sid: str | None,
    actions: list[str] | str,
    resource: list[str] | str = "*",
    condition: dict[str, Any] | None = None,
    *,
    not_action: bool = False,
    not_resource: bool = False,
) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if sid:
        statement["Sid"] = sid
    statement["Effect"] = "Allow"
    statement["NotAction" if not_action else "Action"] = actions
    statement["NotResource" if not_resource else "Resource"] = resource
    if condition:
        statement["Condition"] = condition
    return statement


def _emr_tagged(prefix: str = "aws:ResourceTag") -> dict[str, Any]:
    return {"StringEquals": {f"{prefix}/{_EMR_TAG}": "true"}}


def _catalog() -> list[tuple[str, str, str, list[dict[str, Any]]]]:
    """(path, name, description, statements) of every AWS-managed policy provided."""
    return [
        (
            "/",
            "AdministratorAccess",
            "Provides full access to AWS services and resources.",
            [_allow(None, "*")],
        ),
        (
            "/",
            "ReadOnlyAccess",
            "Provides read-only access to AWS services and resources.",
            [
                _allow(
                    None,
                    [
                        "cloudformation:Describe*",
                        "cloudformation:Detect*",
                        "cloudformation:Estimate*",
                        "cloudformation:Get*",
                        "cloudformation:List*",
                        "cloudformation:ValidateTemplate",
                        "cloudtrail:Describe*",
                        "cloudtrail:Get*",
                        "cloudtrail:List*",
                        "cloudtrail:LookupEvents",
                        "ec2:Describe*",
                        "ec2:Get*",
                        "elasticmapreduce:Describe*",
                        "elasticmapreduce:Get*",
                        "elasticmapreduce:List*",
                        "elasticmapreduce:View*",
                        "iam:Generate*",
                        "iam:Get*",
                        "iam:List*",
                        "iam:Simulate*",
                        "logs:Describe*",
                        "logs:FilterLogEvents",
                        "logs:Get*",
                        "s3:Describe*",
                        "s3:Get*",
                        "s3:List*",
                        "sagemaker:Describe*",
                        "sagemaker:GetSearchSuggestions",
                        "sagemaker:List*",
                        "sagemaker:Search",
                        "servicecatalog:Describe*",
                        "servicecatalog:Get*",
                        "servicecatalog:List*",
                        "servicecatalog:ScanProvisionedProducts",
                        "servicecatalog:Search*",
                    ],
                )
            ],
        ),
        (
            "/",
            "PowerUserAccess",
            "Provides full access to AWS services and resources, but does not allow "
            "management of Users and groups.",
            [
                _allow(None, ["iam:*", "organizations:*", "account:*"], not_action=True),
                _allow(
                    None,
                    [
                        "account:GetAccountInformation",
                        "account:GetPrimaryEmail",
                        "account:ListRegions",
                        "iam:CreateServiceLinkedRole",
                        "iam:DeleteServiceLinkedRole",
                        "iam:ListRoles",
                        "organizations:DescribeOrganization",
                    ],
                ),
            ],
        ),
        (
            "/",
            "IAMFullAccess",
            "Provides full access to IAM via the AWS Management Console.",
            [
                _allow(
                    None,
                    [
                        "iam:*",
                        "organizations:DescribeAccount",
                        "organizations:DescribeOrganization",
                        "organizations:DescribeOrganizationalUnit",
                        "organizations:DescribePolicy",
                        "organizations:ListChildren",
                        "organizations:ListParents",
                        "organizations:ListPoliciesForTarget",
                        "organizations:ListRoots",
                        "organizations:ListPolicies",
                        "organizations:ListTargetsForPolicy",
                    ],
                )
            ],
        ),
        (
            "/",
            "IAMReadOnlyAccess",
            "Provides read only access to IAM via the AWS Management Console.",
            [
                _allow(
                    None,
                    [
                        "iam:GenerateCredentialReport",
                        "iam:GenerateServiceLastAccessedDetails",
                        "iam:Get*",
                        "iam:List*",
                        "iam:SimulateCustomPolicy",
                        "iam:SimulatePrincipalPolicy",
                    ],
                )
            ],
        ),
        (
            "/",
            "AmazonSageMakerFullAccess",
            "Provides full access to Amazon SageMaker via the AWS Management Console and "
            "SDK. Also provides select access to related services (e.g., S3, ECR, "
            "CloudWatch Logs).",
            _sagemaker_full_access(),
        ),
        (
            "/",
            "AmazonSageMakerReadOnly",
            "Provides read only access to Amazon SageMaker via the AWS Management Console and SDK.",
            [
                _allow(
                    None,
                    [
                        "sagemaker:Describe*",
                        "sagemaker:Get*",
                        "sagemaker:List*",
                        "sagemaker:BatchGet*",
                        "sagemaker:Search",
                        "sagemaker:RenderUiTemplate",
                    ],
                )
            ],
        ),
        (
            "/",
            "AmazonEMRFullAccessPolicy_v2",
            "Provides full access to Amazon EMR and the resources it needs, for "
            "clusters that use EMR managed policies (tagged "
            f"{_EMR_TAG}=true).",
            _emr_full_access_v2(),
        ),
        (
            "/",
            "AmazonEMRReadOnlyAccessPolicy_v2",
            "Provides read only access to Amazon EMR.",
            [
                _allow("ElasticMapReduceActions", list(_EMR_READ_ACTIONS)),
                _allow("ViewMetricsInEMRConsole", ["cloudwatch:GetMetricStatistics"]),
            ],
        ),
        (
            "/",
            "AmazonElasticMapReduceFullAccess",
            "This policy is on a deprecation path. See documentation for guidance: "
            "https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-iam-policies.html. "
            "Provides full access to Amazon Elastic MapReduce and underlying services "
            "that it requires such as EC2 and S3.",
            [
                _allow(
                    None,
                    [
                        "cloudformation:CreateStack",
                        "cloudformation:DescribeStackEvents",
                        "cloudwatch:*",
                        "ec2:AuthorizeSecurityGroupEgress",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "ec2:CancelSpotInstanceRequests",
                        "ec2:CreateRoute",
                        "ec2:CreateSecurityGroup",
                        "ec2:CreateTags",
                        "ec2:CreateVpcEndpoint",
                        "ec2:DeleteRoute",
                        "ec2:DeleteSecurityGroup",
                        "ec2:DeleteTags",
                        "ec2:DescribeAccountAttributes",
                        "ec2:DescribeAvailabilityZones",
                        "ec2:DescribeInstances",
                        "ec2:DescribeKeyPairs",
                        "ec2:DescribeNetworkAcls",
                        "ec2:DescribeRouteTables",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSpotInstanceRequests",
                        "ec2:DescribeSpotPriceHistory",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcAttribute",
                        "ec2:DescribeVpcs",
                        "ec2:ModifyImageAttribute",
                        "ec2:ModifyInstanceAttribute",
                        "ec2:RequestSpotInstances",
                        "ec2:RevokeSecurityGroupEgress",
                        "ec2:RunInstances",
                        "ec2:TerminateInstances",
                        "elasticmapreduce:*",
                        "iam:GetPolicy",
                        "iam:GetPolicyVersion",
                        "iam:ListRoles",
                        "iam:PassRole",
                        "kms:List*",
                        "s3:*",
                        "sdb:*",
                    ],
                ),
                _spot_service_linked_role(),
            ],
        ),
        (
            "/service-role/",
            "AmazonElasticMapReduceRole",
            "This policy is on a deprecation path. See documentation for guidance: "
            "https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-iam-policies.html. "
            "Default policy for the Amazon Elastic MapReduce service role.",
            [
                _allow(
                    None,
                    [
                        "ec2:AuthorizeSecurityGroupEgress",
                        "ec2:AuthorizeSecurityGroupIngress",
                        "ec2:CancelSpotInstanceRequests",
                        "ec2:CreateFleet",
                        "ec2:CreateLaunchTemplate",
                        "ec2:CreateNetworkInterface",
                        "ec2:CreateSecurityGroup",
                        "ec2:CreateTags",
                        "ec2:DeleteLaunchTemplate",
                        "ec2:DeleteNetworkInterface",
                        "ec2:DeleteSecurityGroup",
                        "ec2:DeleteTags",
                        "ec2:DescribeAccountAttributes",
                        "ec2:DescribeAvailabilityZones",
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeImages",
                        "ec2:DescribeInstanceStatus",
                        "ec2:DescribeInstances",
                        "ec2:DescribeKeyPairs",
                        "ec2:DescribeLaunchTemplates",
                        "ec2:DescribeNetworkAcls",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribePrefixLists",
                        "ec2:DescribeRouteTables",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSpotInstanceRequests",
                        "ec2:DescribeSpotPriceHistory",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeTags",
                        "ec2:DescribeVpcAttribute",
                        "ec2:DescribeVpcEndpoints",
                        "ec2:DescribeVpcEndpointServices",
                        "ec2:DescribeVpcs",
                        "ec2:DetachNetworkInterface",
                        "ec2:ModifyImageAttribute",
                        "ec2:ModifyInstanceAttribute",
                        "ec2:RequestSpotInstances",
                        "ec2:RevokeSecurityGroupEgress",
                        "ec2:RunInstances",
                        "ec2:TerminateInstances",
                        "ec2:DeleteVolume",
                        "ec2:DescribeVolumeStatus",
                        "ec2:DescribeVolumes",
                        "ec2:DetachVolume",
                        "iam:GetRole",
                        "iam:GetRolePolicy",
                        "iam:ListInstanceProfiles",
                        "iam:ListRolePolicies",
                        "iam:PassRole",
                        "s3:CreateBucket",
                        "s3:Get*",
                        "s3:List*",
                        "sdb:BatchPutAttributes",
                        "sdb:Select",
                        "sqs:CreateQueue",
                        "sqs:Delete*",
                        "sqs:GetQueue*",
                        "sqs:PurgeQueue",
                        "sqs:ReceiveMessage",
                        "cloudwatch:PutMetricAlarm",
                        "cloudwatch:DescribeAlarms",
                        "cloudwatch:DeleteAlarms",
                        "application-autoscaling:RegisterScalableTarget",
                        "application-autoscaling:DeregisterScalableTarget",
                        "application-autoscaling:PutScalingPolicy",
                        "application-autoscaling:DeleteScalingPolicy",
                        "application-autoscaling:Describe*",
                    ],
                ),
                _spot_service_linked_role(),
            ],
        ),
        (
            "/service-role/",
            "AmazonEMRServicePolicy_v2",
            "EMR Service Policy (v2): what the EMR service role needs to manage the "
            f"EC2 resources of clusters tagged {_EMR_TAG}=true.",
            _emr_service_policy_v2(),
        ),
        (
            "/service-role/",
            "AmazonElasticMapReduceforEC2Role",
            "This policy is on a deprecation path. See documentation for guidance: "
            "https://docs.aws.amazon.com/emr/latest/ManagementGuide/emr-managed-iam-policies.html. "
            "Default policy for the Amazon Elastic MapReduce for EC2 service role.",
            [
                _allow(
                    None,
                    [
                        "cloudwatch:*",
                        "dynamodb:*",
                        "ec2:Describe*",
                        "elasticmapreduce:Describe*",
                        "elasticmapreduce:ListBootstrapActions",
                        "elasticmapreduce:ListClusters",
                        "elasticmapreduce:ListInstanceGroups",
                        "elasticmapreduce:ListInstances",
                        "elasticmapreduce:ListSteps",
                        "glue:CreateDatabase",
                        "glue:UpdateDatabase",
                        "glue:DeleteDatabase",
                        "glue:GetDatabase",
                        "glue:GetDatabases",
                        "glue:CreateTable",
                        "glue:UpdateTable",
                        "glue:DeleteTable",
                        "glue:GetTable",
                        "glue:GetTables",
                        "glue:GetTableVersions",
                        "glue:CreatePartition",
                        "glue:BatchCreatePartition",
                        "glue:UpdatePartition",
                        "glue:DeletePartition",
                        "glue:BatchDeletePartition",
                        "glue:GetPartition",
                        "glue:GetPartitions",
                        "glue:BatchGetPartition",
                        "kinesis:CreateStream",
                        "kinesis:DeleteStream",
                        "kinesis:DescribeStream",
                        "kinesis:GetRecords",
                        "kinesis:GetShardIterator",
                        "kinesis:MergeShards",
                        "kinesis:PutRecord",
                        "kinesis:SplitShard",
                        "rds:Describe*",
                        "s3:*",
                        "sdb:*",
                        "sns:*",
                        "sqs:*",
                    ],
                )
            ],
        ),
        (
            "/",
            "AmazonS3FullAccess",
            "Provides full access to all buckets via the AWS Management Console.",
            [_allow(None, ["s3:*", "s3-object-lambda:*"])],
        ),
        (
            "/",
            "AmazonS3ReadOnlyAccess",
            "Provides read only access to all buckets via the AWS Management Console.",
            [
                _allow(
                    None,
                    [
                        "s3:Get*",
                        "s3:List*",
                        "s3:Describe*",
                        "s3-object-lambda:Get*",
                        "s3-object-lambda:List*",
                    ],
                )
            ],
        ),
        (
            "/",
            "AmazonEC2FullAccess",
            "Provides full access to Amazon EC2 via the AWS Management Console.",
            [
                _allow(None, "ec2:*"),
                _allow(None, "elasticloadbalancing:*"),
                _allow(None, "cloudwatch:*"),
                _allow(None, "autoscaling:*"),
                _allow(
                    None,
                    "iam:CreateServiceLinkedRole",
                    "*",
                    {
                        "StringEquals": {
                            "iam:AWSServiceName": [
                                "autoscaling.amazonaws.com",
                                "ec2scheduled.amazonaws.com",
                                "elasticloadbalancing.amazonaws.com",
                                "spot.amazonaws.com",
                                "spotfleet.amazonaws.com",
                                "transitgateway.amazonaws.com",
                            ]
                        }
                    },
                ),
            ],
        ),
        (
            "/",
            "AmazonEC2ReadOnlyAccess",
            "Provides read only access to Amazon EC2 via the AWS Management Console.",
            [
                _allow(None, "ec2:Describe*"),
                _allow(None, "elasticloadbalancing:Describe*"),
                _allow(
                    None,
                    [
                        "cloudwatch:ListMetrics",
                        "cloudwatch:GetMetricStatistics",
                        "cloudwatch:Describe*",
                    ],
                ),
                _allow(None, "autoscaling:Describe*"),
            ],
        ),
        (
            "/",
            "AWSServiceCatalogEndUserFullAccess",
            "Provides full access to service catalog enduser capabilities.",
            [
                _allow(
                    None,
                    [
                        "cloudformation:DescribeStackEvents",
                        "cloudformation:DescribeStacks",
                        "cloudformation:DescribeStackResource",
                        "cloudformation:DescribeStackResources",
                        "cloudformation:GetTemplate",
                        "cloudformation:GetTemplateSummary",
                        "cloudformation:ListStackResources",
                        "cloudformation:ValidateTemplate",
                        "servicecatalog:DescribeProduct",
                        "servicecatalog:DescribeProductView",
                        "servicecatalog:DescribeProvisioningArtifact",
                        "servicecatalog:DescribeProvisioningParameters",
                        "servicecatalog:ListLaunchPaths",
                        "servicecatalog:ListProvisioningArtifacts",
                        "servicecatalog:ProvisionProduct",
                        "servicecatalog:SearchProducts",
                    ],
                ),
                _allow(
                    None,
                    [
                        "servicecatalog:DescribeProvisionedProduct",
                        "servicecatalog:DescribeRecord",
                        "servicecatalog:ListRecordHistory",
                        "servicecatalog:ListStackInstancesForProvisionedProduct",
                        "servicecatalog:ScanProvisionedProducts",
                        "servicecatalog:SearchProvisionedProducts",
                        "servicecatalog:TerminateProvisionedProduct",
                        "servicecatalog:UpdateProvisionedProduct",
                        "servicecatalog:GetProvisionedProductOutputs",
                    ],
                ),
            ],
        ),
        (
            "/",
            "AWSServiceCatalogAdminFullAccess",
            "Provides full access to service catalog admin capabilities.",
            [
                _allow(
                    None,
                    [
                        "cloudformation:CreateStack",
                        "cloudformation:DeleteStack",
                        "cloudformation:DescribeStackEvents",
                        "cloudformation:DescribeStacks",
                        "cloudformation:GetTemplateSummary",
                        "cloudformation:SetStackPolicy",
                        "cloudformation:UpdateStack",
                        "cloudformation:ValidateTemplate",
                        "iam:GetGroup",
                        "iam:GetRole",
                        "iam:GetUser",
                        "iam:ListGroups",
                        "iam:ListRoles",
                        "iam:ListUsers",
                        "s3:CreateBucket",
                        "s3:GetObject",
                        "s3:PutObject",
                        "servicecatalog:*",
                    ],
                ),
                _allow(
                    None,
                    "iam:PassRole",
                    "*",
                    {"StringEquals": {"iam:PassedToService": "servicecatalog.amazonaws.com"}},
                ),
            ],
        ),
        (
            "/service-role/",
            "AWSLambdaBasicExecutionRole",
            "Provides write permissions to CloudWatch Logs.",
            [_allow(None, ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])],
        ),
        (
            "/",
            "AWSCloudFormationFullAccess",
            "Provides full access to AWS CloudFormation.",
            [_allow(None, ["cloudformation:*"])],
        ),
        (
            "/",
            "AWSCloudTrail_ReadOnlyAccess",
            "Provides read only access to AWS CloudTrail.",
            [
                _allow(
                    None,
                    [
                        "cloudtrail:Get*",
                        "cloudtrail:Describe*",
                        "cloudtrail:List*",
                        "cloudtrail:LookupEvents",
                    ],
                ),
                _allow(None, ["s3:ListAllMyBuckets", "s3:GetBucketLocation"]),
            ],
        ),
    ]


_EMR_READ_ACTIONS = (
    "elasticmapreduce:DescribeCluster",
    "elasticmapreduce:DescribeEditor",
    "elasticmapreduce:DescribeJobFlows",
    "elasticmapreduce:DescribePersistentAppUI",
    "elasticmapreduce:DescribeReleaseLabel",
    "elasticmapreduce:DescribeSecurityConfiguration",
    "elasticmapreduce:DescribeStep",
    "elasticmapreduce:GetAutoTerminationPolicy",
    "elasticmapreduce:GetBlockPublicAccessConfiguration",
    "elasticmapreduce:GetManagedScalingPolicy",
    "elasticmapreduce:ListBootstrapActions",
    "elasticmapreduce:ListClusters",
    "elasticmapreduce:ListEditors",
    "elasticmapreduce:ListInstanceFleets",
    "elasticmapreduce:ListInstanceGroups",
    "elasticmapreduce:ListInstances",
    "elasticmapreduce:ListReleaseLabels",
    "elasticmapreduce:ListSecurityConfigurations",
    "elasticmapreduce:ListSessions",
    "elasticmapreduce:ListSteps",
    "elasticmapreduce:ListSupportedInstanceTypes",
    "elasticmapreduce:ViewEventsFromAllClustersInConsole",
)


def _spot_service_linked_role() -> dict[str, Any]:
    return _allow(
        None,
        "iam:CreateServiceLinkedRole",
        "arn:aws:iam::*:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot*",
        {"StringLike": {"iam:AWSServiceName": "spot.amazonaws.com"}},
    )


def _sagemaker_full_access() -> list[dict[str, Any]]:
    return [
        _allow(
            "AllowAllNonAdminSageMakerActions",
            ["sagemaker:*"],
            [
                "arn:aws:sagemaker:*:*:domain/*",
                "arn:aws:sagemaker:*:*:user-profile/*",
                "arn:aws:sagemaker:*:*:app/*",
                "arn:aws:sagemaker:*:*:space/*",
                "arn:aws:sagemaker:*:*:flow-definition/*",
            ],
            not_resource=True,
        ),
        _allow(
            "AllowAddTagsForApp",
            ["sagemaker:AddTags"],
            ["arn:aws:sagemaker:*:*:app/*"],
            {"StringEquals": {"sagemaker:TaggingAction": "CreateApp"}},
        ),
        _allow(
            "AllowStudioActions",
            [
                "sagemaker:CreatePresignedDomainUrl",
                "sagemaker:DescribeApp",
                "sagemaker:DescribeDomain",
                "sagemaker:DescribeSpace",
                "sagemaker:DescribeUserProfile",
                "sagemaker:ListApps",
                "sagemaker:ListDomains",
                "sagemaker:ListSpaces",
                "sagemaker:ListUserProfiles",
            ],
        ),
        _allow(
            "AllowAppActionsForUserProfile",
            ["sagemaker:CreateApp", "sagemaker:DeleteApp"],
            "arn:aws:sagemaker:*:*:app/*/*/*/*",
            {"Null": {"sagemaker:OwnerUserProfileArn": "true"}},
        ),
        _allow(
            "AllowAWSServiceActions",
            [
                "cloudformation:GetTemplateSummary",
                "cloudwatch:DescribeAlarms",
                "cloudwatch:GetMetricData",
                "cloudwatch:GetMetricStatistics",
                "cloudwatch:ListMetrics",
                "cloudwatch:PutMetricData",
                "ec2:CreateNetworkInterface",
                "ec2:CreateNetworkInterfacePermission",
                "ec2:DeleteNetworkInterface",
                "ec2:DeleteNetworkInterfacePermission",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
                "elasticmapreduce:DescribeCluster",
                "elasticmapreduce:DescribeSecurityConfiguration",
                "elasticmapreduce:ListClusters",
                "elasticmapreduce:ListInstances",
                "iam:ListRoles",
                "logs:DescribeLogStreams",
                "logs:GetLogEvents",
                "s3:ListAllMyBuckets",
                "servicecatalog:Describe*",
                "servicecatalog:List*",
                "servicecatalog:ScanProvisionedProducts",
                "servicecatalog:SearchProducts",
                "servicecatalog:SetLocalLaunchRoleName",
                "servicecatalog:SearchProvisionedProducts",
                "servicecatalog:ProvisionProduct",
                "servicecatalog:TerminateProvisionedProduct",
                "servicecatalog:UpdateProvisionedProduct",
            ],
        ),
        _allow(
            "AllowS3ObjectActions",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            [
                "arn:aws:s3:::*SageMaker*",
                "arn:aws:s3:::*Sagemaker*",
                "arn:aws:s3:::*sagemaker*",
            ],
        ),
        _allow(
            "AllowS3BucketActions",
            ["s3:CreateBucket", "s3:GetBucketLocation", "s3:ListBucket", "s3:ListAllMyBuckets"],
        ),
        _allow(
            "AllowPassRoleForSageMakerRoles",
            "iam:PassRole",
            "arn:aws:iam::*:role/*",
            {
                "StringEquals": {
                    "iam:PassedToService": [
                        "sagemaker.amazonaws.com",
                        "glue.amazonaws.com",
                        "states.amazonaws.com",
                    ]
                }
            },
        ),
        _allow(
            "AllowLogsActions",
            [
                "logs:CreateLogDelivery",
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            "arn:aws:logs:*:*:log-group:/aws/sagemaker/*",
        ),
    ]


def _emr_full_access_v2() -> list[dict[str, Any]]:
    return [
        _allow(
            "RunJobFlowExplicitlyWithEMRManagedTag",
            ["elasticmapreduce:RunJobFlow"],
            "*",
            _emr_tagged("aws:RequestTag"),
        ),
        _allow(
            "ElasticMapReduceActions",
            [
                *_EMR_READ_ACTIONS,
                "elasticmapreduce:AddInstanceFleet",
                "elasticmapreduce:AddInstanceGroups",
                "elasticmapreduce:AddJobFlowSteps",
                "elasticmapreduce:AddTags",
                "elasticmapreduce:CancelSteps",
                "elasticmapreduce:CreatePersistentAppUI",
                "elasticmapreduce:CreateSecurityConfiguration",
                "elasticmapreduce:DeleteSecurityConfiguration",
                "elasticmapreduce:GetOnClusterAppUIPresignedURL",
                "elasticmapreduce:GetPersistentAppUIPresignedURL",
                "elasticmapreduce:GetSessionEndpoint",
                "elasticmapreduce:ModifyCluster",
                "elasticmapreduce:ModifyInstanceFleet",
                "elasticmapreduce:ModifyInstanceGroups",
                "elasticmapreduce:PutAutoScalingPolicy",
                "elasticmapreduce:PutAutoTerminationPolicy",
                "elasticmapreduce:PutBlockPublicAccessConfiguration",
                "elasticmapreduce:PutManagedScalingPolicy",
                "elasticmapreduce:RemoveAutoScalingPolicy",
                "elasticmapreduce:RemoveAutoTerminationPolicy",
                "elasticmapreduce:RemoveManagedScalingPolicy",
                "elasticmapreduce:RemoveTags",
                "elasticmapreduce:SetTerminationProtection",
                "elasticmapreduce:StartSession",
                "elasticmapreduce:StopSession",
                "elasticmapreduce:TerminateJobFlows",
            ],
        ),
        _allow("ViewMetricsInEMRConsole", ["cloudwatch:GetMetricStatistics"]),
        _allow(
            "PassRoleForElasticMapReduce",
            "iam:PassRole",
            ["arn:aws:iam::*:role/EMR_DefaultRole", "arn:aws:iam::*:role/EMR_DefaultRole_V2"],
            {"StringLike": {"iam:PassedToService": "elasticmapreduce.amazonaws.com*"}},
        ),
        _allow(
            "PassRoleForEC2",
            "iam:PassRole",
            "arn:aws:iam::*:role/EMR_EC2_DefaultRole",
            {"StringLike": {"iam:PassedToService": "ec2.amazonaws.com*"}},
        ),
        _allow(
            "PassRoleForAutoScaling",
            "iam:PassRole",
            "arn:aws:iam::*:role/EMR_AutoScaling_DefaultRole",
            {"StringLike": {"iam:PassedToService": "application-autoscaling.amazonaws.com*"}},
        ),
        _allow(
            "ElasticMapReduceServiceLinkedRole",
            "iam:CreateServiceLinkedRole",
            "arn:aws:iam::*:role/aws-service-role/elasticmapreduce.amazonaws.com*/"
            "AWSServiceRoleForEMRCleanup*",
            {
                "StringEquals": {
                    "iam:AWSServiceName": [
                        "elasticmapreduce.amazonaws.com",
                        "elasticmapreduce.amazonaws.com.cn",
                    ]
                }
            },
        ),
        _allow(
            "ConsoleUIActions",
            [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeImages",
                "ec2:DescribeKeyPairs",
                "ec2:DescribeNatGateways",
                "ec2:DescribeNetworkAcls",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribePrefixLists",
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
                "iam:ListInstanceProfiles",
                "iam:ListRoles",
                "s3:GetBucketLocation",
                "s3:ListAllMyBuckets",
                "s3:ListBucket",
            ],
        ),
    ]


def _emr_service_policy_v2() -> list[dict[str, Any]]:
    instance_resources = [
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws:ec2:*:*:volume/*",
        "arn:aws:ec2:*:*:network-interface/*",
        "arn:aws:ec2:*:*:launch-template/*",
    ]
    return [
        _allow(
            "CreateInTaggedNetwork",
            [
                "ec2:CreateNetworkInterface",
                "ec2:RunInstances",
                "ec2:CreateFleet",
                "ec2:CreateLaunchTemplate",
                "ec2:CreateLaunchTemplateVersion",
            ],
            ["arn:aws:ec2:*:*:subnet/*", "arn:aws:ec2:*:*:security-group/*"],
            _emr_tagged(),
        ),
        _allow(
            "CreateWithEMRTaggedLaunchTemplate",
            ["ec2:CreateFleet", "ec2:RunInstances", "ec2:CreateLaunchTemplateVersion"],
            "arn:aws:ec2:*:*:launch-template/*",
            _emr_tagged(),
        ),
        _allow(
            "CreateEMRTaggedLaunchTemplate",
            ["ec2:CreateLaunchTemplate"],
            "arn:aws:ec2:*:*:launch-template/*",
            _emr_tagged("aws:RequestTag"),
        ),
        _allow(
            "CreateEMRTaggedInstancesAndVolumes",
            ["ec2:RunInstances", "ec2:CreateFleet"],
            ["arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*:*:volume/*"],
            _emr_tagged("aws:RequestTag"),
        ),
        _allow(
            "ResourcesToLaunchEC2",
            [
                "ec2:RunInstances",
                "ec2:CreateFleet",
                "ec2:CreateLaunchTemplate",
                "ec2:CreateLaunchTemplateVersion",
            ],
            [
                "arn:aws:ec2:*:*:network-interface/*",
                "arn:aws:ec2:*::image/ami-*",
                "arn:aws:ec2:*:*:key-pair/*",
                "arn:aws:ec2:*:*:capacity-reservation/*",
                "arn:aws:ec2:*:*:placement-group/pg-*",
                "arn:aws:ec2:*:*:fleet/*",
            ],
        ),
        _allow(
            "ManageEMRTaggedResources",
            [
                "ec2:CreateLaunchTemplateVersion",
                "ec2:DeleteLaunchTemplate",
                "ec2:DeleteNetworkInterface",
                "ec2:ModifyInstanceAttribute",
                "ec2:TerminateInstances",
            ],
            "*",
            _emr_tagged(),
        ),
        _allow(
            "ManageTagsOnEMRTaggedResources",
            ["ec2:CreateTags", "ec2:DeleteTags"],
            instance_resources,
            _emr_tagged(),
        ),
        _allow(
            "CreateNetworkInterfaceNeededForPrivateSubnet",
            ["ec2:CreateNetworkInterface"],
            ["arn:aws:ec2:*:*:network-interface/*"],
            _emr_tagged("aws:RequestTag"),
        ),
        _allow(
            "TagOnCreateTaggedEMRResources",
            ["ec2:CreateTags"],
            instance_resources,
            {
                "StringEquals": {
                    "ec2:CreateAction": [
                        "RunInstances",
                        "CreateFleet",
                        "CreateLaunchTemplate",
                        "CreateNetworkInterface",
                    ]
                }
            },
        ),
        _allow(
            "ListActionsForEC2Resources",
            [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeNetworkAcls",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribePlacementGroups",
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVolumes",
                "ec2:DescribeVolumeStatus",
                "ec2:DescribeVpcAttribute",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
            ],
        ),
        _allow(
            "CreateDefaultSecurityGroupWithEMRTags",
            ["ec2:CreateSecurityGroup"],
            ["arn:aws:ec2:*:*:security-group/*"],
            _emr_tagged("aws:RequestTag"),
        ),
        _allow(
            "CreateDefaultSecurityGroupInVPCWithEMRTags",
            ["ec2:CreateSecurityGroup"],
            ["arn:aws:ec2:*:*:vpc/*"],
            _emr_tagged(),
        ),
        _allow(
            "TagOnCreateDefaultSecurityGroupWithEMRTags",
            ["ec2:CreateTags"],
            "arn:aws:ec2:*:*:security-group/*",
            {
                "StringEquals": {
                    f"aws:RequestTag/{_EMR_TAG}": "true",
                    "ec2:CreateAction": "CreateSecurityGroup",
                }
            },
        ),
        _allow(
            "ManageSecurityGroups",
            [
                "ec2:AuthorizeSecurityGroupEgress",
                "ec2:AuthorizeSecurityGroupIngress",
                "ec2:RevokeSecurityGroupEgress",
                "ec2:RevokeSecurityGroupIngress",
            ],
            "*",
            _emr_tagged(),
        ),
        _allow(
            "PassRoleForEC2",
            "iam:PassRole",
            "arn:aws:iam::*:role/EMR_EC2_DefaultRole",
            {"StringLike": {"iam:PassedToService": "ec2.amazonaws.com*"}},
        ),
        _allow(
            "PassRoleForAutoScaling",
            "iam:PassRole",
            "arn:aws:iam::*:role/EMR_AutoScaling_DefaultRole",
            {"StringLike": {"iam:PassedToService": "application-autoscaling.amazonaws.com*"}},
        ),
    ]


AWS_MANAGED_POLICY_ARNS: tuple[str, ...] = tuple(info.arn for info in aws_managed_policies())
"""The ARNs (partition ``aws``) of the AWS-managed policies available."""

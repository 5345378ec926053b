"""Service Catalog through boto3 (both protocols) and the AWS CLI.

Products here create networks (cheap) or EMR clusters on the in-process
engine (the module's server): no Spark process starts, and a running
cluster's resize is checked through the cluster's lifecycle alone.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import botocore.session
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aws_cli_support
from catalog_support import (
    CLUSTER_TEMPLATE,
    allow,
    implemented,
    make_role,
    role_session,
    script,
    unique,
    user_session,
    wait_record,
    wait_stack,
)
from conftest import RunningServer
from wire_support import for_shape

A, B = "111111111111", "222222222222"
CLI = Path(sys.executable).with_name("aws")
VISIBILITY = {"Key": "sagemaker:studio-visibility:emr", "Value": "true"}

NETWORK_PRODUCT = r"""
AWSTemplateFormatVersion: '2010-09-09'
Description: A VPC within the platform team's guardrails
Metadata:
  AWS::CloudFormation::Interface:
    ParameterLabels:
      Team: {default: Owning team}
Parameters:
  Cidr:
    Type: String
    Default: 10.50.0.0/16
    AllowedPattern: '10\.[0-9]{1,3}\.0\.0/16'
    ConstraintDescription: a /16 block inside 10.0.0.0/8
  Team:
    Type: String
    Default: data
    MinLength: 3
    MaxLength: 12
    Description: The team that owns the network
  Tier:
    Type: String
    Default: dev
    AllowedValues: [dev, prod]
  Replicas:
    Type: Number
    Default: 1
    MinValue: 1
    MaxValue: 3
  Secret:
    Type: String
    NoEcho: true
    Default: hidden
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
      Tags:
        - {Key: team, Value: !Ref Team}
        - {Key: tier, Value: !Ref Tier}
Outputs:
  VpcId:
    Description: The network
    Value: !Ref Vpc
"""


def code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response["Error"]["Code"])


def message(error: botocore.exceptions.ClientError) -> str:
    return str(error.response["Error"]["Message"])


@pytest.fixture(scope="module")
def admin(server: RunningServer) -> Any:
    return server.client("servicecatalog", A)


def new_portfolio(admin: Any, **extra: Any) -> str:
    return str(
        admin.create_portfolio(DisplayName=unique("portfolio"), ProviderName="Platform", **extra)[
            "PortfolioDetail"
        ]["Id"]
    )


def new_product(admin: Any, template: str = NETWORK_PRODUCT, **extra: Any) -> tuple[str, str]:
    created = admin.create_product(
        Name=unique("product"),
        Owner="Platform team",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Type": "CLOUD_FORMATION_TEMPLATE",
            "Info": {"TemplateBody": template},
        },
        **extra,
    )
    return (
        created["ProductViewDetail"]["ProductViewSummary"]["ProductId"],
        created["ProvisioningArtifactDetail"]["Id"],
    )


def catalog_user(server: RunningServer, account: str = A) -> tuple[str, Any]:
    """A role that may use the catalog and read stacks, nothing else; and a client acting as it."""
    arn = make_role(
        server,
        account,
        unique("analyst"),
        [{"AWS": f"arn:aws:iam::{account}:root"}],
        allow(
            ["servicecatalog:*", "cloudformation:Describe*", "cloudformation:GetTemplateSummary"]
        ),
    )
    return arn, role_session(server, account, arn)


def launch_role(server: RunningServer, account: str = A, name: str | None = None) -> str:
    return make_role(
        server,
        account,
        name or unique("launcher"),
        [{"Service": "servicecatalog.amazonaws.com"}],
        allow(["cloudformation:*", "ec2:*", "elasticmapreduce:*", "iam:*"]),
    )


@pytest.fixture(scope="module")
def shop(server: RunningServer, admin: Any) -> dict[str, Any]:
    """A portfolio with the network product, a launch constraint and an associated analyst."""
    portfolio = new_portfolio(admin, Tags=[{"Key": "cost-centre", "Value": "42"}])
    product, artifact = new_product(admin, Tags=[VISIBILITY])
    admin.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio)
    role = launch_role(server)
    admin.create_constraint(
        PortfolioId=portfolio,
        ProductId=product,
        Type="LAUNCH",
        Parameters=json.dumps({"RoleArn": role}),
        Description="Launched by the platform role",
    )
    analyst_arn, session = catalog_user(server)
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=analyst_arn, PrincipalType="IAM"
    )
    return {
        "portfolio": portfolio,
        "product": product,
        "artifact": artifact,
        "launch_role": role,
        "analyst": analyst_arn,
        "session": session,
        "sc": session.client("servicecatalog", endpoint_url=server.url),
    }


def provision(sc: Any, product: str, artifact: str, **parameters: str) -> dict[str, Any]:
    return dict(
        sc.provision_product(
            ProductId=product,
            ProvisioningArtifactId=artifact,
            ProvisionedProductName=unique("pp"),
            ProvisionToken=uuid.uuid4().hex,
            ProvisioningParameters=[{"Key": k, "Value": v} for k, v in parameters.items()],
        )["RecordDetail"]
    )


def outputs(found: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in found["RecordOutputs"]}


# ---------------------------------------------------------------------------- admin


def test_portfolios_are_created_described_listed_and_deleted(admin: Any) -> None:
    created = admin.create_portfolio(
        DisplayName="Data platform",
        ProviderName="Platform",
        Description="clusters",
        Tags=[{"Key": "team", "Value": "data"}],
        IdempotencyToken="portfolio-token",
    )
    again = admin.create_portfolio(
        DisplayName="Data platform", ProviderName="Platform", IdempotencyToken="portfolio-token"
    )
    portfolio = created["PortfolioDetail"]
    assert again["PortfolioDetail"]["Id"] == portfolio["Id"]
    assert portfolio["Id"].startswith("port-")
    assert portfolio["ARN"] == f"arn:aws:catalog:us-east-1:{A}:portfolio/{portfolio['Id']}"
    described = admin.describe_portfolio(Id=portfolio["Id"])
    assert described["PortfolioDetail"]["Description"] == "clusters"
    assert described["Tags"] == [{"Key": "team", "Value": "data"}]
    assert portfolio["Id"] in [p["Id"] for p in admin.list_portfolios()["PortfolioDetails"]]
    product, _ = new_product(admin)
    admin.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio["Id"])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        admin.delete_portfolio(Id=portfolio["Id"])
    assert code(caught.value) == "ResourceInUseException"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        admin.delete_product(Id=product)
    assert code(caught.value) == "ResourceInUseException"
    admin.disassociate_product_from_portfolio(ProductId=product, PortfolioId=portfolio["Id"])
    admin.delete_product(Id=product)
    admin.delete_portfolio(Id=portfolio["Id"])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        admin.describe_portfolio(Id=portfolio["Id"])
    assert code(caught.value) == "ResourceNotFoundException"


def test_products_from_files_and_inline_text_with_versions_and_tags(
    server: RunningServer, admin: Any, tmp_path: Path
) -> None:
    folder = server.data_dir / "templates"
    folder.mkdir(exist_ok=True)
    (folder / "network.yaml").write_text(NETWORK_PRODUCT)
    created = admin.create_product(
        Name=unique("from-file"),
        Owner="Platform team",
        Description="A VPC",
        SupportEmail="platform@example.com",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        Tags=[VISIBILITY],
        ProvisioningArtifactParameters={
            "Name": "v1",
            "Info": {"LoadTemplateFromURL": f"file://{folder / 'network.yaml'}"},
        },
    )
    product = created["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    assert created["ProductViewDetail"]["ProductViewSummary"]["ShortDescription"] == "A VPC"
    assert created["Tags"] == [VISIBILITY]
    second = admin.create_provisioning_artifact(
        ProductId=product,
        Parameters={
            "Name": "v2",
            "Info": {"TemplateBody": NETWORK_PRODUCT.replace("dev, prod", "dev")},
        },
    )["ProvisioningArtifactDetail"]
    listed = admin.list_provisioning_artifacts(ProductId=product)["ProvisioningArtifactDetails"]
    assert [a["Name"] for a in listed] == ["v1", "v2"]
    detail = admin.describe_provisioning_artifact(
        ProductId=product,
        ProvisioningArtifactId=second["Id"],
        Verbose=True,
        IncludeProvisioningArtifactParameters=True,
    )
    assert "TemplateUrl" in detail["Info"]
    tier = next(p for p in detail["ProvisioningArtifactParameters"] if p["ParameterKey"] == "Tier")
    assert tier["ParameterConstraints"]["AllowedValues"] == ["dev"]
    as_admin = admin.describe_product_as_admin(Id=product)
    assert as_admin["Tags"] == [VISIBILITY]
    assert len(as_admin["ProvisioningArtifactSummaries"]) == 2
    updated = admin.update_product(
        Id=product, AddTags=[{"Key": "team", "Value": "data"}], RemoveTags=[VISIBILITY["Key"]]
    )
    assert updated["Tags"] == [{"Key": "team", "Value": "data"}]

    outside = tmp_path / "network.yaml"
    outside.write_text(NETWORK_PRODUCT)
    for info, words in (
        ({"LoadTemplateFromURL": f"file://{outside}"}, "outside the template folders"),
        ({"LoadTemplateFromURL": "https://s3.amazonaws.com/bucket/t.yaml"}, "no S3"),
        ({"TemplateBody": "Resources:\n  B: {Type: AWS::S3::Bucket}\n"}, "AWS::S3::Bucket (B)"),
        ({"TemplateBody": "Resources: [not, a, mapping]"}, "not valid"),
        ({"Colour": "blue"}, "LoadTemplateFromURL"),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            admin.create_product(
                Name=unique("bad"),
                Owner="x",
                ProductType="CLOUD_FORMATION_TEMPLATE",
                ProvisioningArtifactParameters={"Name": "v1", "Info": info},
            )
        assert code(caught.value) == "InvalidParametersException"
        assert words in message(caught.value)


def test_search_products_shows_only_products_of_associated_portfolios(
    server: RunningServer, admin: Any
) -> None:
    portfolio = new_portfolio(admin)
    product, _ = new_product(admin)
    admin.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio)
    role_arn, session = catalog_user(server)
    sc = session.client("servicecatalog", endpoint_url=server.url)
    assert product not in [p["ProductId"] for p in sc.search_products()["ProductViewSummaries"]]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sc.describe_product(Id=product)
    assert "AssociatePrincipalWithPortfolio" in message(caught.value)

    pattern = role_arn.replace(f"::{A}:", ":::").rsplit("-", 1)[0] + "-*"
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=pattern, PrincipalType="IAM_PATTERN"
    )
    found = sc.search_products(Filters={"FullTextSearch": ["product"]})["ProductViewSummaries"]
    assert product in [p["ProductId"] for p in found]
    assert sc.search_products(Filters={"Owner": ["nobody"]})["ProductViewSummaries"] == []
    principals = admin.list_principals_for_portfolio(PortfolioId=portfolio)["Principals"]
    assert principals == [{"PrincipalARN": pattern, "PrincipalType": "IAM_PATTERN"}]
    admin.disassociate_principal_from_portfolio(PortfolioId=portfolio, PrincipalARN=pattern)
    assert product not in [p["ProductId"] for p in sc.search_products()["ProductViewSummaries"]]

    user = unique("ana")
    member = user_session(server, A, user, allow("servicecatalog:*"))
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=f"arn:aws:iam::{A}:user/{user}", PrincipalType="IAM"
    )
    member_sc = member.client("servicecatalog", endpoint_url=server.url)
    assert product in [p["ProductId"] for p in member_sc.search_products()["ProductViewSummaries"]]


def test_provisioning_parameters_carry_every_guardrail(shop: dict[str, Any]) -> None:
    sc = shop["sc"]
    product = sc.describe_product(Id=shop["product"])
    assert [a["Id"] for a in product["ProvisioningArtifacts"]] == [shop["artifact"]]
    path = product["LaunchPaths"][0]["Id"]
    found = sc.describe_provisioning_parameters(
        ProductId=shop["product"], ProvisioningArtifactId=shop["artifact"], PathId=path
    )
    by_key = {p["ParameterKey"]: p for p in found["ProvisioningArtifactParameters"]}
    assert by_key["Cidr"]["ParameterConstraints"] == {
        "AllowedPattern": r"10\.[0-9]{1,3}\.0\.0/16",
        "ConstraintDescription": "a /16 block inside 10.0.0.0/8",
    }
    assert by_key["Team"]["ParameterConstraints"] == {"MinLength": "3", "MaxLength": "12"}
    assert by_key["Team"]["Description"] == "The team that owns the network"
    assert by_key["Team"]["DefaultValue"] == "data"
    assert by_key["Tier"]["ParameterConstraints"] == {"AllowedValues": ["dev", "prod"]}
    assert by_key["Replicas"]["ParameterConstraints"] == {"MinValue": "1", "MaxValue": "3"}
    assert by_key["Replicas"]["ParameterType"] == "Number"
    assert by_key["Secret"]["IsNoEcho"] is True
    assert found["ConstraintSummaries"] == [
        {"Type": "LAUNCH", "Description": "Launched by the platform role"}
    ]
    assert {"Type": "launchAsRole", "Value": shop["launch_role"]} in found["UsageInstructions"]
    assert found["ProvisioningArtifactOutputs"] == [{"Key": "VpcId", "Description": "The network"}]
    paths = sc.list_launch_paths(ProductId=shop["product"])["LaunchPathSummaries"]
    assert paths[0]["Id"] == path
    assert (
        VISIBILITY in paths[0]["Tags"] and {"Key": "cost-centre", "Value": "42"} in paths[0]["Tags"]
    )


@pytest.mark.parametrize(
    ("parameters", "words"),
    [
        ({"Tier": "staging"}, ["Tier", "staging", "AllowedValues", "dev, prod"]),
        ({"Cidr": "192.168.0.0/16"}, ["Cidr", "a /16 block inside 10.0.0.0/8"]),
        ({"Team": "ab"}, ["Team", "'ab'", "at least 3"]),
        ({"Team": "a-very-long-team-name"}, ["Team", "at most 12"]),
        ({"Replicas": "0"}, ["Replicas", "0", "1"]),
        ({"Replicas": "4"}, ["Replicas", "4", "3"]),
        ({"Replicas": "many"}, ["Replicas", "number"]),
        ({"Colour": "red"}, ["Colour", "do not exist"]),
    ],
    ids=[
        "allowed-values",
        "allowed-pattern",
        "min-length",
        "max-length",
        "min-value",
        "max-value",
        "number",
        "unknown",
    ],
)
def test_guardrail_violations_fail_at_once(
    server: RunningServer, shop: dict[str, Any], parameters: dict[str, str], words: list[str]
) -> None:
    sc = shop["sc"]
    stacks_before = len(server.client("cloudformation", A).list_stacks()["StackSummaries"])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        provision(sc, shop["product"], shop["artifact"], **parameters)
    assert code(caught.value) == "InvalidParametersException"
    for word in words:
        assert word in message(caught.value)
    assert len(server.client("cloudformation", A).list_stacks()["StackSummaries"]) == stacks_before


def test_launch_role_creates_the_resources_the_user_may_not(
    server: RunningServer, admin: Any, shop: dict[str, Any]
) -> None:
    sc = shop["sc"]
    record = provision(sc, shop["product"], shop["artifact"], Team="science", Cidr="10.51.0.0/16")
    assert record["Status"] == "IN_PROGRESS"
    assert record["LaunchRoleArn"] == shop["launch_role"]
    done = wait_record(sc, record["RecordId"])
    assert done["RecordDetail"]["Status"] == "SUCCEEDED", done["RecordDetail"]
    vpc_id = outputs(done)["VpcId"]
    stack_arn = outputs(done)["CloudformationStackARN"]
    assert f":stack/SC-{A}-{record['ProvisionedProductId']}/" in stack_arn
    ec2 = server.client("ec2", A)
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert tags["team"] == "science"
    assert tags["aws:servicecatalog:provisionedProductArn"].endswith(record["ProvisionedProductId"])
    assert tags["aws:cloudformation:stack-id"] == stack_arn
    trail = server.client("cloudtrail", A).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateVpc"}]
    )["Events"]
    makers = [json.loads(e["CloudTrailEvent"])["userIdentity"]["arn"] for e in trail]
    launcher = shop["launch_role"].rsplit("/", 1)[-1]
    assert f"arn:aws:sts::{A}:assumed-role/{launcher}/AWSServiceCatalog" in makers
    stack = server.client("cloudformation", A).describe_stacks(StackName=stack_arn)["Stacks"][0]
    assert {"ParameterKey": "Secret", "ParameterValue": "****"} in stack["Parameters"]

    # the same user, without the launch constraint, may not create the stack
    bare = new_portfolio(admin)
    admin.associate_product_with_portfolio(ProductId=shop["product"], PortfolioId=bare)
    admin.associate_principal_with_portfolio(
        PortfolioId=bare, PrincipalARN=shop["analyst"], PrincipalType="IAM"
    )
    path = next(
        p["Id"]
        for p in sc.list_launch_paths(ProductId=shop["product"])["LaunchPathSummaries"]
        if not p["ConstraintSummaries"]
    )
    failed = sc.provision_product(
        ProductId=shop["product"],
        ProvisioningArtifactId=shop["artifact"],
        PathId=path,
        ProvisionedProductName=unique("bare"),
        ProvisionToken=uuid.uuid4().hex,
    )["RecordDetail"]
    assert failed["Status"] == "FAILED"
    assert "cloudformation:CreateStack" in failed["RecordErrors"][0]["Description"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        provision(sc, shop["product"], shop["artifact"])  # two paths now: PathId is needed
    assert "PathId" in message(caught.value)


NO_PROFILE_CLUSTER = """
Resources:
  Cluster:
    Type: AWS::EMR::Cluster
    Properties:
      Name: no-profile
      ReleaseLabel: emr-7.5.0
      Applications: [{Name: Spark}]
      JobFlowRole: NoSuchInstanceProfile
      Instances:
        MasterInstanceGroup: {InstanceCount: 1, InstanceType: m5.xlarge, Name: Primary}
"""


def test_a_product_naming_a_missing_instance_profile_fails_naming_it(
    server: RunningServer, admin: Any, shop: dict[str, Any]
) -> None:
    portfolio = new_portfolio(admin)
    product, artifact = new_product(admin, NO_PROFILE_CLUSTER)
    admin.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio)
    admin.create_constraint(
        PortfolioId=portfolio,
        ProductId=product,
        Type="LAUNCH",
        Parameters=json.dumps({"RoleArn": shop["launch_role"]}),
    )
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=shop["analyst"], PrincipalType="IAM"
    )
    emr = server.client("emr", A)
    before = {c["Id"] for c in emr.list_clusters()["Clusters"]}
    record = provision(shop["sc"], product, artifact)
    found = wait_record(shop["sc"], record["RecordId"])["RecordDetail"]
    assert found["Status"] == "FAILED"
    description = found["RecordErrors"][0]["Description"]
    assert "Invalid InstanceProfile: NoSuchInstanceProfile." in description
    assert {c["Id"] for c in emr.list_clusters()["Clusters"]} == before


def test_records_and_provisioned_products_are_found_updated_and_terminated(
    server: RunningServer, shop: dict[str, Any]
) -> None:
    sc = shop["sc"]
    token = uuid.uuid4().hex
    name = unique("tracked")
    request = {
        "ProductId": shop["product"],
        "ProvisioningArtifactId": shop["artifact"],
        "PathId": sc.describe_product(Id=shop["product"])["LaunchPaths"][0]["Id"],
        "ProvisionedProductName": name,
        "ProvisionToken": token,
        "ProvisioningParameters": [{"Key": "Cidr", "Value": "10.52.0.0/16"}],
    }
    first = sc.provision_product(**request)["RecordDetail"]
    again = sc.provision_product(**request)["RecordDetail"]
    assert again["RecordId"] == first["RecordId"]  # ProvisionToken makes it idempotent
    assert wait_record(sc, first["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    pp_id = first["ProvisionedProductId"]
    detail = sc.describe_provisioned_product(Id=pp_id)["ProvisionedProductDetail"]
    assert detail["Status"] == "AVAILABLE" and detail["Name"] == name
    assert detail["LaunchRoleArn"] == shop["launch_role"]
    stack_arn = outputs(sc.describe_record(Id=first["RecordId"]))["CloudformationStackARN"]
    found = sc.search_provisioned_products(Filters={"SearchQuery": [f"physicalId:{stack_arn}"]})
    assert [p["Id"] for p in found["ProvisionedProducts"]] == [pp_id]
    assert found["ProvisionedProducts"][0]["UserArn"] == shop["analyst"]
    assert pp_id in [p["Id"] for p in sc.scan_provisioned_products()["ProvisionedProducts"]]
    history = sc.list_record_history(SearchFilter={"Key": "provisionedproduct", "Value": pp_id})[
        "RecordDetails"
    ]
    assert [r["RecordId"] for r in history] == [first["RecordId"]]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sc.provision_product(**{**request, "ProvisionToken": uuid.uuid4().hex})
    assert code(caught.value) == "DuplicateResourceException"
    # another principal of the account sees it only with the Account access level
    admin_sc = server.client("servicecatalog", A)
    assert pp_id not in [
        p["Id"] for p in admin_sc.search_provisioned_products()["ProvisionedProducts"]
    ]
    everyone = admin_sc.search_provisioned_products(
        AccessLevelFilter={"Key": "Account", "Value": "self"}
    )
    assert pp_id in [p["Id"] for p in everyone["ProvisionedProducts"]]

    update = sc.update_provisioned_product(
        ProvisionedProductId=pp_id,
        UpdateToken=uuid.uuid4().hex,
        ProvisioningParameters=[
            {"Key": "Cidr", "UsePreviousValue": True},
            {"Key": "Team", "Value": "finance"},
        ],
    )["RecordDetail"]
    assert update["RecordType"] == "UPDATE_PROVISIONED_PRODUCT"
    assert wait_record(sc, update["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    vpc_id = outputs(sc.describe_record(Id=update["RecordId"]))["VpcId"]
    vpc = server.client("ec2", A).describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert {"Key": "team", "Value": "finance"} in vpc["Tags"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sc.update_provisioned_product(
            ProvisionedProductId=pp_id,
            UpdateToken=uuid.uuid4().hex,
            ProvisioningParameters=[{"Key": "Tier", "Value": "qa"}],
        )
    assert code(caught.value) == "InvalidParametersException" and "qa" in message(caught.value)

    end = sc.terminate_provisioned_product(ProvisionedProductName=name, TerminateToken="end-1")
    repeat = sc.terminate_provisioned_product(ProvisionedProductName=name, TerminateToken="end-1")
    assert repeat["RecordDetail"]["RecordId"] == end["RecordDetail"]["RecordId"]
    assert wait_record(sc, end["RecordDetail"]["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert (
        wait_stack(server.client("cloudformation", A), stack_arn)["StackStatus"]
        == "DELETE_COMPLETE"
    )
    with pytest.raises(botocore.exceptions.ClientError):
        server.client("ec2", A).describe_vpcs(VpcIds=[vpc_id])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sc.describe_provisioned_product(Id=pp_id)
    assert code(caught.value) == "ResourceNotFoundException"


def test_template_constraint_rules_guard_combinations(admin: Any, shop: dict[str, Any]) -> None:
    portfolio = new_portfolio(admin)
    admin.associate_product_with_portfolio(ProductId=shop["product"], PortfolioId=portfolio)
    rules = {
        "Rules": {
            "ProdIsReplicated": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "Tier"}, "prod"]},
                "Assertions": [
                    {
                        "Assert": {"Fn::Contains": [["2", "3"], {"Ref": "Replicas"}]},
                        "AssertDescription": "prod networks need 2 or 3 replicas",
                    }
                ],
            }
        }
    }
    admin.create_constraint(
        PortfolioId=portfolio,
        ProductId=shop["product"],
        Type="TEMPLATE",
        Parameters=json.dumps(rules),
    )
    listed = admin.list_constraints_for_portfolio(PortfolioId=portfolio)["ConstraintDetails"]
    assert [c["Type"] for c in listed] == ["TEMPLATE"]
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=shop["analyst"], PrincipalType="IAM"
    )
    path = next(
        p["Id"]
        for p in shop["sc"].list_launch_paths(ProductId=shop["product"])["LaunchPathSummaries"]
        if [c["Type"] for c in p["ConstraintSummaries"]] == ["TEMPLATE"]
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        shop["sc"].provision_product(
            ProductId=shop["product"],
            ProvisioningArtifactId=shop["artifact"],
            PathId=path,
            ProvisionedProductName=unique("prod"),
            ProvisionToken=uuid.uuid4().hex,
            ProvisioningParameters=[{"Key": "Tier", "Value": "prod"}],
        )
    assert code(caught.value) == "InvalidParametersException"
    assert "prod networks need 2 or 3 replicas" in message(caught.value)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        admin.create_constraint(
            PortfolioId=portfolio,
            ProductId=shop["product"],
            Type="LAUNCH",
            Parameters=json.dumps({"RoleArn": "not-an-arn"}),
        )
    assert "arn:aws:iam::<account>:role/<name>" in message(caught.value)


def test_cluster_product_launched_by_the_launch_role_and_terminated(
    server: RunningServer, admin: Any, tmp_path: Path
) -> None:
    portfolio = new_portfolio(admin)
    product, artifact = new_product(admin, CLUSTER_TEMPLATE, Tags=[VISIBILITY])
    admin.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio)
    role = launch_role(server)
    admin.create_constraint(
        PortfolioId=portfolio,
        ProductId=product,
        Type="LAUNCH",
        Parameters=json.dumps({"RoleArn": role}),
    )
    analyst, session = catalog_user(server)
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=analyst, PrincipalType="IAM"
    )
    sc = session.client("servicecatalog", endpoint_url=server.url)
    emr = server.client("emr", A)

    holding = script(tmp_path, "hold.sh", "exec sleep 600")
    record = provision(sc, product, artifact, BootstrapScript=holding)
    for _ in range(300):
        stack_arn = outputs(sc.describe_record(Id=record["RecordId"]))["CloudformationStackARN"]
        resources = server.client("cloudformation", A).describe_stack_resources(
            StackName=stack_arn
        )["StackResources"]
        cluster = [
            r.get("PhysicalResourceId") for r in resources if r["LogicalResourceId"] == "Cluster"
        ]
        if cluster and cluster[0]:
            break
        time.sleep(0.1)
    cluster_id = cluster[0]
    described = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert described["Status"]["State"] in ("STARTING", "BOOTSTRAPPING")
    tags = {t["Key"]: t["Value"] for t in described["Tags"]}
    assert tags["aws:servicecatalog:provisionedProductArn"].endswith(record["ProvisionedProductId"])
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        session.client("emr", endpoint_url=server.url).describe_cluster(ClusterId=cluster_id)
    assert code(caught.value) == "AccessDeniedException"  # the user has no EMR rights at all

    end = sc.terminate_provisioned_product(
        ProvisionedProductId=record["ProvisionedProductId"], TerminateToken=uuid.uuid4().hex
    )["RecordDetail"]
    assert wait_record(sc, end["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"
    stack = server.client("cloudformation", A).describe_stacks(StackName=stack_arn)["Stacks"][0]
    assert stack["StackStatus"] == "DELETE_COMPLETE"
    launched = wait_record(sc, record["RecordId"])["RecordDetail"]
    assert launched["Status"] == "FAILED"  # the launch was cancelled by the termination

    failing = script(tmp_path, "fail.sh", "echo cannot mount /data >&2; exit 1")
    broken = provision(sc, product, artifact, BootstrapScript=failing)
    result = wait_record(sc, broken["RecordId"])["RecordDetail"]
    assert result["Status"] == "FAILED"
    assert "cannot mount /data" in result["RecordErrors"][0]["Description"]
    assert "TERMINATED_WITH_ERRORS" in result["RecordErrors"][0]["Description"]
    state = sc.describe_provisioned_product(Id=broken["ProvisionedProductId"])
    assert state["ProvisionedProductDetail"]["Status"] == "ERROR"


def test_portfolio_shared_to_another_account(server: RunningServer, admin: Any) -> None:
    portfolio = new_portfolio(admin)
    product, artifact = new_product(admin)
    admin.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio)
    admin.create_constraint(
        PortfolioId=portfolio,
        ProductId=product,
        Type="LAUNCH",
        Parameters=json.dumps({"LocalRoleName": "catalog-launcher"}),
    )
    b_admin = server.client("servicecatalog", B)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        b_admin.accept_portfolio_share(PortfolioId=portfolio)
    assert code(caught.value) == "ResourceNotFoundException"
    admin.create_portfolio_share(PortfolioId=portfolio, AccountId=B)
    assert admin.list_portfolio_access(PortfolioId=portfolio)["AccountIds"] == [B]
    analyst, session = catalog_user(server, B)
    sc = session.client("servicecatalog", endpoint_url=server.url)
    b_admin.accept_portfolio_share(PortfolioId=portfolio)
    accepted = b_admin.list_accepted_portfolio_shares()["PortfolioDetails"]
    assert portfolio in [p["Id"] for p in accepted]
    assert product not in [p["ProductId"] for p in sc.search_products()["ProductViewSummaries"]]
    b_admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=analyst, PrincipalType="IAM"
    )
    assert product in [p["ProductId"] for p in sc.search_products()["ProductViewSummaries"]]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        provision(sc, product, artifact, Cidr="10.60.0.0/16")
    assert "does not exist" in message(caught.value)  # B has no catalog-launcher role yet
    launch_role(server, B, "catalog-launcher")
    record = provision(sc, product, artifact, Cidr="10.60.0.0/16")
    done = wait_record(sc, record["RecordId"])
    assert done["RecordDetail"]["Status"] == "SUCCEEDED", done["RecordDetail"]
    assert f":{B}:stack/" in outputs(done)["CloudformationStackARN"]
    vpc_id = outputs(done)["VpcId"]
    assert server.client("ec2", B).describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == (
        "10.60.0.0/16"
    )
    summary = session.client("cloudformation", endpoint_url=server.url).get_template_summary(
        TemplateURL=sc.describe_provisioning_artifact(
            ProductId=product, ProvisioningArtifactId=artifact, Verbose=True
        )["Info"]["TemplateUrl"]
    )
    assert json.loads(summary["Metadata"])["AWS::CloudFormation::Interface"]["ParameterLabels"]
    end = sc.terminate_provisioned_product(
        ProvisionedProductId=record["ProvisionedProductId"], TerminateToken=uuid.uuid4().hex
    )
    assert wait_record(sc, end["RecordDetail"]["RecordId"])["RecordDetail"]["Status"] == "SUCCEEDED"
    b_admin.reject_portfolio_share(PortfolioId=portfolio)
    assert product not in [p["ProductId"] for p in sc.search_products()["ProductViewSummaries"]]

    # a launch role named by ARN belongs to the portfolio's account: refused in another one
    admin.delete_constraint(
        Id=admin.list_constraints_for_portfolio(PortfolioId=portfolio)["ConstraintDetails"][0][
            "ConstraintId"
        ]
    )
    admin.create_constraint(
        PortfolioId=portfolio,
        ProductId=product,
        Type="LAUNCH",
        Parameters=json.dumps({"RoleArn": launch_role(server)}),
    )
    admin.create_portfolio_share(PortfolioId=portfolio, AccountId=B)
    b_admin.accept_portfolio_share(PortfolioId=portfolio)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        provision(sc, product, artifact, Cidr="10.61.0.0/16")
    assert "LocalRoleName" in message(caught.value)


# ---------------------------------------------------------------------------- protocols


def json_client(server: RunningServer, account: str, folder: Path) -> Any:
    """A Service Catalog client that speaks the json protocol (the model's second one)."""
    base = botocore.session.get_session()
    raw = base.get_component("data_loader").load_service_model("servicecatalog", "service-2")
    raw["metadata"]["protocols"] = ["json"]
    raw["metadata"]["protocol"] = "json"
    target = folder / "servicecatalog" / raw["metadata"]["apiVersion"]
    target.mkdir(parents=True)
    with gzip.open(target / "service-2.json.gz", "wt") as handle:
        json.dump(raw, handle)
    patched = botocore.session.get_session()
    patched.get_component("data_loader").search_paths.insert(0, str(folder))
    key = server.account(account)
    session = boto3.Session(
        botocore_session=patched,
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key=key.secret_access_key,
        region_name="us-east-1",
    )
    return session.client("servicecatalog", endpoint_url=server.url)


def test_the_json_protocol_serves_the_same_catalog(
    server: RunningServer, admin: Any, shop: dict[str, Any], tmp_path: Path
) -> None:
    client = json_client(server, A, tmp_path)
    assert client.meta.service_model.protocol == "json"
    portfolios = [p["Id"] for p in client.list_portfolios(PageSize=100)["PortfolioDetails"]]
    assert shop["portfolio"] in portfolios
    detail = client.describe_product_as_admin(Id=shop["product"])
    assert detail["Tags"] == [VISIBILITY]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        client.describe_portfolio(Id="port-doesnotexist1")
    assert code(caught.value) == "ResourceNotFoundException"


def test_the_aws_cli_reads_the_catalog(server: RunningServer, shop: dict[str, Any]) -> None:
    key = server.account(A)
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
    }
    env.pop("AWS_PROFILE", None)

    def cli(*args: str, process: bool = False) -> Any:
        """``aws servicecatalog <args>``: in this process, or as an ``aws`` process."""
        command = ["--endpoint-url", server.url, "--output", "json", "servicecatalog", *args]
        if not process:
            return aws_cli_support.run(
                command, access_key_id=key.access_key_id, secret_access_key=key.secret_access_key
            ).json()
        done = subprocess.run(
            [str(CLI), *command],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    # One real ``aws`` process; the other commands run in-process.
    found = cli("search-products-as-admin", "--portfolio-id", shop["portfolio"], process=True)
    assert [p["ProductViewSummary"]["ProductId"] for p in found["ProductViewDetails"]] == [
        shop["product"]
    ]
    constraints = cli("list-constraints-for-portfolio", "--portfolio-id", shop["portfolio"])
    assert [c["Type"] for c in constraints["ConstraintDetails"]] == ["LAUNCH"]
    artifacts = cli("list-provisioning-artifacts", "--product-id", shop["product"])
    assert [a["Id"] for a in artifacts["ProvisioningArtifactDetails"]] == [shop["artifact"]]


# ---------------------------------------------------------------------------- a real cluster

RESIZABLE = """
Parameters:
  CoreInstanceCount:
    Type: Number
    Default: 1
    MinValue: 1
    MaxValue: 2
Resources:
  Cluster:
    Type: AWS::EMR::Cluster
    Properties:
      Name: resizable
      ReleaseLabel: emr-7.5.0
      Applications: [{Name: Spark}]
      Instances:
        MasterInstanceGroup: {InstanceCount: 1, InstanceType: m5.xlarge}
        CoreInstanceGroup: {InstanceCount: !Ref CoreInstanceCount, InstanceType: m5.xlarge}
  Hello:
    Type: AWS::EMR::Step
    Properties:
      JobFlowId: !Ref Cluster
      Name: say hello
      ActionOnFailure: CONTINUE
      HadoopJarStep:
        Jar: command-runner.jar
        Args: [sh, -c, "echo hello from the stack"]
Outputs:
  ClusterId: {Value: !Ref Cluster}
  StepId: {Value: !Ref Hello}
"""


def test_updating_the_instance_count_resizes_the_running_cluster(
    server: RunningServer, admin: Any
) -> None:
    portfolio = new_portfolio(admin)
    product, artifact = new_product(admin, RESIZABLE)
    admin.associate_product_with_portfolio(ProductId=product, PortfolioId=portfolio)
    admin.create_constraint(
        PortfolioId=portfolio,
        ProductId=product,
        Type="LAUNCH",
        Parameters=json.dumps({"RoleArn": launch_role(server)}),
    )
    analyst, session = catalog_user(server)
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=analyst, PrincipalType="IAM"
    )
    sc = session.client("servicecatalog", endpoint_url=server.url)
    emr = server.client("emr", A)
    record = provision(sc, product, artifact)
    cluster_id = None
    try:
        done = wait_record(sc, record["RecordId"], timeout=300)
        assert done["RecordDetail"]["Status"] == "SUCCEEDED", done["RecordDetail"]
        cluster_id = outputs(done)["ClusterId"]
        assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "WAITING"
        step = emr.describe_step(ClusterId=cluster_id, StepId=outputs(done)["StepId"])["Step"]
        assert step["Name"] == "say hello" and step["Status"]["State"] == "COMPLETED"
        update = sc.update_provisioned_product(
            ProvisionedProductId=record["ProvisionedProductId"],
            UpdateToken=uuid.uuid4().hex,
            ProvisioningParameters=[{"Key": "CoreInstanceCount", "Value": "2"}],
        )["RecordDetail"]
        assert wait_record(sc, update["RecordId"], timeout=300)["RecordDetail"]["Status"] == (
            "SUCCEEDED"
        )
        core = next(
            g
            for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
            if g["InstanceGroupType"] == "CORE"
        )
        assert core["RequestedInstanceCount"] == 2 and core["RunningInstanceCount"] == 2
        assert outputs(sc.describe_record(Id=update["RecordId"]))["ClusterId"] == cluster_id
    finally:
        end = sc.terminate_provisioned_product(
            ProvisionedProductId=record["ProvisionedProductId"], TerminateToken=uuid.uuid4().hex
        )["RecordDetail"]
        assert (
            wait_record(sc, end["RecordId"], timeout=300)["RecordDetail"]["Status"] == "SUCCEEDED"
        )
    assert cluster_id is not None
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"


# ---------------------------------------------------------------------------- robustness


@pytest.fixture(scope="module")
def unchecked(server: RunningServer) -> Any:
    """A client that sends whatever it is given (no client-side validation, no retries)."""
    config = Config(parameter_validation=False, retries={"max_attempts": 0})
    return server.client("servicecatalog", "100000000012", config=config)


@pytest.mark.parametrize("operation", implemented("servicecatalog"))
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_operation_answers_any_input_without_a_server_error(
    unchecked: Any, operation: str, data: st.DataObject
) -> None:
    shape = unchecked.meta.service_model.operation_model(operation).input_shape
    params = data.draw(for_shape(shape)) if shape is not None else {}
    try:
        unchecked._make_api_call(operation, params)
    except botocore.exceptions.ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response["Error"]
        assert error.response["Error"]["Message"]

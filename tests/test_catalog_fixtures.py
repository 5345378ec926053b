"""The aws-samples EMR templates: validated as they are, then launched through Service Catalog.

``single-account.yaml`` and ``auto-terminate-emr.yaml`` create an S3 bucket,
Lambda functions and custom resources besides the cluster. ValidateTemplate
names those types; a variant without them (the template engine's
``strip_resources``) is published as a product and launched into a cluster
on the in-process engine (what is checked is the catalog, the stack and the
cluster's lifecycle; the idle timeout passes on the server's clock).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest

from catalog_support import allow, make_role, role_session, unique, wait_record, wait_stack
from clusterport.services.cloudformation.resources.registry import SUPPORTED_TYPES
from clusterport.templates import load_template, strip_resources, unsupported_resource_types
from conftest import SAMPLES, RunningServer

TEMPLATES = ("single-account.yaml", "auto-terminate-emr.yaml")
NOT_RUN_HERE = {
    "AWS::S3::Bucket",
    "AWS::Lambda::Function",
    "Custom::emptybucket",
    "Custom::CopyZips",
}
A = "111111111111"


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def variant(name: str) -> str:
    """The sample without the resource types the platform does not run, as JSON.

    EMR here runs Spark (with Livy and Hadoop) and refuses Hive by name, so the
    variant's cluster asks for Spark and Livy only.
    """
    template = load_template(sample(name))
    stripped = strip_resources(template, unsupported_resource_types(template, SUPPORTED_TYPES))
    document = json.loads(stripped.to_json())
    cluster = document["Resources"]["EMRCluster"]["Properties"]
    cluster["Applications"] = [a for a in cluster["Applications"] if a["Name"] != "Hive"]
    return json.dumps(document, indent=1)


@pytest.mark.parametrize("name", TEMPLATES)
def test_validate_template_names_what_the_platform_does_not_run(
    server: RunningServer, name: str
) -> None:
    cf = server.client("cloudformation", A)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cf.validate_template(TemplateBody=sample(name))
    text = caught.value.response["Error"]["Message"]
    for kind in NOT_RUN_HERE:
        assert kind in text
    assert "AWS::EMR::Cluster" in text.split("Supported:", 1)[1]
    summary = cf.get_template_summary(
        TemplateBody=sample(name),
        TemplateSummaryConfig={"TreatUnrecognizedResourceTypesAsWarnings": True},
    )
    assert set(summary["Warnings"]["UnrecognizedResourceTypes"]) == NOT_RUN_HERE
    keys = {p["ParameterKey"] for p in summary["Parameters"]}
    assert {"SageMakerProjectName", "CoreInstanceCount", "CoreInstanceType", "VpcId"} <= keys
    assert summary["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    derived = cf.validate_template(TemplateBody=variant(name))
    assert {p["ParameterKey"] for p in derived["Parameters"]} == keys


@pytest.fixture(scope="module")
def catalog(server: RunningServer) -> dict[str, Any]:
    """A network for Studio, a launch role, and an analyst who may only use the catalog."""
    ec2 = server.client("ec2", A)
    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.70.1.0/24")["Subnet"]["SubnetId"]
    studio_group = ec2.create_security_group(
        GroupName="studio", Description="Studio apps", VpcId=vpc
    )["GroupId"]
    launcher = make_role(
        server,
        A,
        "sample-launcher",
        [{"Service": "servicecatalog.amazonaws.com"}],
        allow(["cloudformation:*", "elasticmapreduce:*", "ec2:*", "iam:*"]),
    )
    analyst = make_role(
        server,
        A,
        "sample-analyst",
        [{"AWS": f"arn:aws:iam::{A}:root"}],
        allow(["servicecatalog:*", "cloudformation:Describe*"]),
    )
    admin = server.client("servicecatalog", A)
    portfolio = admin.create_portfolio(DisplayName="EMR samples", ProviderName="Platform")[
        "PortfolioDetail"
    ]["Id"]
    admin.associate_principal_with_portfolio(
        PortfolioId=portfolio, PrincipalARN=analyst, PrincipalType="IAM"
    )
    session = role_session(server, A, analyst)
    return {
        "admin": admin,
        "portfolio": portfolio,
        "launcher": launcher,
        "network": {
            "VpcId": vpc,
            "SagemakerStudioSubnetId": subnet,
            "SagemakerStudioSecurityGroupId": studio_group,
        },
        "sc": session.client("servicecatalog", endpoint_url=server.url),
    }


def publish(
    server: RunningServer, catalog: dict[str, Any], name: str, *, as_file: bool
) -> tuple[str, str]:
    """The sample's variant as a product of the portfolio, launched as the launch role."""
    if as_file:
        folder = server.data_dir / "templates"
        folder.mkdir(exist_ok=True)
        path = folder / f"{Path(name).stem}-variant.json"
        path.write_text(variant(name))
        info = {"LoadTemplateFromURL": f"file://{path}"}
    else:
        info = {"TemplateBody": variant(name)}
    admin = catalog["admin"]
    created = admin.create_product(
        Name=f"{Path(name).stem} variant",
        Owner="Platform team",
        ProductType="CLOUD_FORMATION_TEMPLATE",
        Tags=[{"Key": "sagemaker:studio-visibility:emr", "Value": "true"}],
        ProvisioningArtifactParameters={"Name": "v1", "Info": info},
    )
    product = created["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    admin.associate_product_with_portfolio(ProductId=product, PortfolioId=catalog["portfolio"])
    admin.create_constraint(
        PortfolioId=catalog["portfolio"],
        ProductId=product,
        Type="LAUNCH",
        Parameters=json.dumps({"RoleArn": catalog["launcher"]}),
    )
    return product, created["ProvisioningArtifactDetail"]["Id"]


def launch(catalog: dict[str, Any], product: str, artifact: str, **chosen: str) -> dict[str, Any]:
    parameters = {
        "SageMakerProjectName": "samples",
        "SageMakerProjectId": "p-" + uuid.uuid4().hex[:12],
        "EmrClusterName": unique("sample"),
        **catalog["network"],
        **chosen,
    }
    return dict(
        catalog["sc"].provision_product(
            ProductId=product,
            ProvisioningArtifactId=artifact,
            ProvisionedProductName=unique("sample"),
            ProvisionToken=uuid.uuid4().hex,
            ProvisioningParameters=[{"Key": k, "Value": v} for k, v in parameters.items()],
        )["RecordDetail"]
    )


def outputs(found: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in found["RecordOutputs"]}


def cluster_of(server: RunningServer, stack_arn: str) -> str:
    resources = server.client("cloudformation", A).describe_stack_resources(
        StackName=stack_arn, LogicalResourceId="EMRCluster"
    )["StackResources"]
    return str(resources[0]["PhysicalResourceId"])


def terminate(server: RunningServer, catalog: dict[str, Any], record: dict[str, Any]) -> str:
    """Terminate the provisioned product; returns its stack's final status."""
    sc = catalog["sc"]
    stack_arn = outputs(sc.describe_record(Id=record["RecordId"]))["CloudformationStackARN"]
    end = sc.terminate_provisioned_product(
        ProvisionedProductId=record["ProvisionedProductId"], TerminateToken=uuid.uuid4().hex
    )["RecordDetail"]
    assert wait_record(sc, end["RecordId"], timeout=300)["RecordDetail"]["Status"] == "SUCCEEDED"
    return str(wait_stack(server.client("cloudformation", A), stack_arn)["StackStatus"])


def test_single_account_sample_launches_a_cluster_of_the_chosen_size(
    server: RunningServer, catalog: dict[str, Any]
) -> None:
    emr = server.client("emr", A)
    product, artifact = publish(server, catalog, "single-account.yaml", as_file=True)
    record = launch(
        catalog,
        product,
        artifact,
        CoreInstanceCount="2",
        CoreInstanceType="m5.2xlarge",
        MasterInstanceType="m5.xlarge",
    )
    try:
        done = wait_record(catalog["sc"], record["RecordId"], timeout=300)
        assert done["RecordDetail"]["Status"] == "SUCCEEDED", done["RecordDetail"]
        stack_arn = outputs(done)["CloudformationStackARN"]
        assert "EMRMasterDNSName" in outputs(done)
        cluster_id = cluster_of(server, stack_arn)
        cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
        assert cluster["Status"]["State"] in ("WAITING", "RUNNING")
        groups = {
            g["InstanceGroupType"]: g
            for g in emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
        }
        assert groups["CORE"]["RequestedInstanceCount"] == 2
        assert groups["CORE"]["RunningInstanceCount"] == 2
        assert groups["CORE"]["InstanceType"] == "m5.2xlarge"
        assert groups["MASTER"]["InstanceType"] == "m5.xlarge"
        attributes = cluster["Ec2InstanceAttributes"]
        assert attributes["Ec2SubnetId"] == catalog["network"]["SagemakerStudioSubnetId"]
        master_group = server.client("cloudformation", A).describe_stack_resource(
            StackName=stack_arn, LogicalResourceId="masterSecurityGroup"
        )["StackResourceDetail"]["PhysicalResourceId"]
        assert attributes["EmrManagedMasterSecurityGroup"] == master_group
        tags = {t["Key"]: t["Value"] for t in cluster["Tags"]}
        assert tags["aws:cloudformation:logical-id"] == "EMRCluster"
        assert tags["aws:servicecatalog:provisionedProductArn"].endswith(
            record["ProvisionedProductId"]
        )
    finally:
        final = terminate(server, catalog, record)
    assert final == "DELETE_COMPLETE"
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"


def test_auto_terminate_sample_stops_its_idle_cluster(
    server: RunningServer, catalog: dict[str, Any]
) -> None:
    emr = server.client("emr", A)
    product, artifact = publish(server, catalog, "auto-terminate-emr.yaml", as_file=False)
    record = launch(catalog, product, artifact, IdleTimeout="60")
    try:
        done = wait_record(catalog["sc"], record["RecordId"], timeout=300)
        assert done["RecordDetail"]["Status"] == "SUCCEEDED", done["RecordDetail"]
        cluster_id = cluster_of(server, outputs(done)["CloudformationStackARN"])
        policy = emr.get_auto_termination_policy(ClusterId=cluster_id)["AutoTerminationPolicy"]
        assert policy["IdleTimeout"] == 60
        groups = emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
        assert [
            g["RequestedInstanceCount"] for g in groups if g["InstanceGroupType"] == "CORE"
        ] == [2]
        deadline = time.monotonic() + 60
        while emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] not in (
            "WAITING",
            "RUNNING",
        ):
            assert time.monotonic() < deadline, "the cluster did not start"
            time.sleep(0.1)
        server.advance(61)
        while (
            emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] != "TERMINATED"
        ):
            assert time.monotonic() < deadline, "the idle cluster did not stop itself"
            time.sleep(0.1)
        reason = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"][
            "StateChangeReason"
        ]
        assert "idle" in json.dumps(reason).lower()
    finally:
        final = terminate(server, catalog, record)
    assert final == "DELETE_COMPLETE"

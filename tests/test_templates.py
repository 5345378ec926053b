"""The template engine: fixtures end to end, parameters and guardrails, intrinsics, ordering."""

from __future__ import annotations

import base64
import json
import textwrap
from typing import Any

import pytest

from clusterport.templates import (
    CAPABILITY_IAM,
    CAPABILITY_NAMED_IAM,
    NO_ECHO_MASK,
    ParameterValidationError,
    ResourceValueTable,
    StackContext,
    StackPlan,
    Template,
    TemplateError,
    UnsupportedResourceTypesError,
    check_supported_types,
    describe_parameters,
    evaluate_conditions,
    load_template,
    plan,
    resolve_parameters,
    strip_resources,
    summarize_template,
    template_from_document,
    unsupported_resource_types,
    validate_template,
)
from conftest import SAMPLES

FIXTURES = ("single-account.yaml", "auto-terminate-emr.yaml")

#: What the platform's resource providers run.
SUPPORTED = ("AWS::EMR::Cluster", "AWS::EC2::*", "AWS::IAM::Role", "AWS::IAM::InstanceProfile")
UNSUPPORTED = ("AWS::S3::Bucket", "AWS::Lambda::Function", "Custom::*")

STACK_UUID = "5e0f9a60-1c2b-11ef-8f0e-0a1b2c3d4e5f"
ACCOUNT = "222222222222"
REGION = "eu-west-1"
CONTEXT = StackContext(
    account_id=ACCOUNT,
    region=REGION,
    stack_name="emr-team-a",
    stack_id=StackContext.stack_arn(REGION, ACCOUNT, "emr-team-a", STACK_UUID),
    notification_arns=("arn:aws:sns:eu-west-1:222222222222:stack-events",),
)

#: Values Studio and a data worker give when provisioning the samples.
STUDIO_VALUES = {
    "SageMakerProjectName": "churn-model",
    "SageMakerProjectId": "p-4kq0xw8zcv1n",
    "EmrClusterName": "churn-spark",
    "VpcId": "vpc-0a1b2c3d4e5f60718",
    "SagemakerStudioSecurityGroupId": "sg-0123456789abcdef0",
    "SagemakerStudioSubnetId": "subnet-0fedcba9876543210",
}


def sample(name: str) -> str:
    return (SAMPLES / name).read_text()


def load(body: str) -> Template:
    return load_template(textwrap.dedent(body))


class ProviderValues(ResourceValueTable):
    """Records what resource providers return, the way the stack runner does."""

    def create(self, stack: StackPlan, logical_id: str) -> dict[str, Any]:
        properties = stack.render_properties(logical_id, self)
        kind = stack.resources[logical_id].type
        physical = {
            "AWS::EC2::SecurityGroup": f"sg-{len(self.refs):017x}",
            "AWS::IAM::Role": properties.get("RoleName", f"{CONTEXT.stack_name}-{logical_id}"),
            "AWS::EMR::Cluster": "j-2ABCDEF0GAPLF",
            "AWS::S3::Bucket": properties.get("BucketName", logical_id.lower()),
        }.get(kind, f"{logical_id}-{len(self.refs)}")
        attributes = {
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{physical}",
            "MasterPublicDNS": "ip-10-0-1-23.eu-west-1.compute.internal",
            "GroupId": physical,
        }
        if kind == "AWS::S3::Bucket":
            attributes["Arn"] = f"arn:aws:s3:::{physical}"
        self.record(logical_id, physical, attributes)
        return properties


def run_stack(stack: StackPlan) -> tuple[ProviderValues, dict[str, dict[str, Any]]]:
    values = ProviderValues()
    rendered = {logical_id: values.create(stack, logical_id) for logical_id in stack.creation_order}
    return values, rendered


# --------------------------------------------------------------------------- the samples


@pytest.mark.parametrize("name", FIXTURES)
def test_sample_loads_completely(name: str) -> None:
    template = load_template(sample(name))
    assert template.format_version == "2010-09-09"
    assert template.description is not None and "No-Auth" in template.description
    assert len(template.resources) == 37
    assert template.mappings["ClusterConfigurations"]["emr"]["StepScriptFile"] == "configurekdc.sh"
    assert list(template.outputs) == ["S3BucketName", "EMRMasterDNSName"]
    # Short forms became long forms.
    bucket = template.resources["S3Bucket"].properties["BucketName"]
    assert list(bucket) == ["Fn::Join"]
    assert bucket["Fn::Join"][1][1] == {
        "Fn::Select": [
            4,
            {
                "Fn::Split": [
                    "-",
                    {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]},
                ]
            },
        ]
    }
    livy = template.resources["emrMasterIngressLivySG"].properties
    assert livy["SourceSecurityGroupId"] == {"Ref": "SagemakerStudioSecurityGroupId"}
    assert template.resources["EMRCluster"].depends_on == ("CopyZips", "CleanUpBucketonDelete")
    assert template.resources["CleanUpBucketonDelete"].depends_on == (
        "CleanUpBucketonDeleteLambda",
    )
    parameters = {info.key: info for info in describe_parameters(template)}
    assert parameters["CoreInstanceCount"].constraints["AllowedValues"] == ["2", "5", "10"]
    if name == "auto-terminate-emr.yaml":
        assert parameters["IdleTimeout"].type == "Number"
        assert parameters["IdleTimeout"].default == "7200"
    else:
        assert "IdleTimeout" not in parameters


@pytest.mark.parametrize("name", FIXTURES)
def test_sample_resolves_every_intrinsic_with_realistic_values(name: str) -> None:
    template = load_template(sample(name))
    given = {**STUDIO_VALUES, "CoreInstanceCount": "5", "EmrReleaseVersion": "emr-6.4.0"}
    parameters = resolve_parameters(template, given)
    stack = plan(template, parameters, CONTEXT)
    assert set(stack.creation_order) == set(template.resources)
    values, rendered = run_stack(stack)

    assert rendered["S3Bucket"] == {"BucketName": "sm-emr-sc-blog-0a1b2c3d4e5f"}
    assert rendered["masterSecurityGroup"]["VpcId"] == "vpc-0a1b2c3d4e5f60718"
    ingress = rendered["emrMasterIngressSlaveICMP"]
    assert ingress["GroupId"] == values.refs["masterSecurityGroup"]
    assert ingress["SourceSecurityGroupId"] == values.refs["slaveSecurityGroup"]
    assert rendered["emrMasterIngressLivySG"]["SourceSecurityGroupId"] == "sg-0123456789abcdef0"
    role = rendered["EMRClusterinstanceProfileRole"]
    assert role["RoleName"] == "emr-team-a-EMRClusterinstanceProfileRole"
    assert rendered["EMRClusterinstanceProfile"]["Roles"] == [
        "emr-team-a-EMRClusterinstanceProfileRole"
    ]
    principal = rendered["allowEMRFSAccessForUser1"]["AssumeRolePolicyDocument"]["Statement"][0]
    assert principal["Principal"]["AWS"] == (
        "arn:aws:iam::222222222222:role/emr-team-a-EMRClusterinstanceProfileRole"
    )
    bucket_policy = rendered["CleanUpBucketonDeleteLambdaRole"]["Policies"][0]
    assert bucket_policy["PolicyName"] == "CleanUpBucketonDeleteLambdaPolicy-emr-team-a"
    assert bucket_policy["PolicyDocument"]["Statement"][0]["Resource"] == [
        "arn:aws:s3:::sm-emr-sc-blog-0a1b2c3d4e5f",
        "arn:aws:s3:::sm-emr-sc-blog-0a1b2c3d4e5f/",
        "arn:aws:s3:::sm-emr-sc-blog-0a1b2c3d4e5f/*",
    ]
    copy_zips = rendered["CopyZips"]
    assert copy_zips["SourceBucket"] == "aws-ml-blog"
    assert copy_zips["Prefix"] == "artifacts/sma-milestone1/"
    assert copy_zips["Objects"] == ["installpylibs-v2.sh", "configurekdc.sh"]
    assert copy_zips["ServiceToken"] == values.attributes["CopyZipsFunction"]["Arn"]
    code = rendered["CleanUpBucketonDeleteLambda"]["Code"]["ZipFile"]
    assert code.startswith("import json\nimport boto3\n") and "def lambda_handler" in code

    cluster = rendered["EMRCluster"]
    assert cluster["Name"] == "churn-spark"
    assert cluster["ReleaseLabel"] == "emr-6.4.0"
    assert cluster["Instances"]["CoreInstanceGroup"]["InstanceCount"] == "5"
    assert cluster["Instances"]["CoreInstanceGroup"]["InstanceType"] == "m5.xlarge"
    assert cluster["Instances"]["Ec2SubnetId"] == "subnet-0fedcba9876543210"
    assert (
        cluster["Instances"]["EmrManagedMasterSecurityGroup"] == values.refs["masterSecurityGroup"]
    )
    assert cluster["JobFlowRole"] == values.refs["EMRClusterinstanceProfile"]
    assert cluster["LogUri"] == "s3://sm-emr-sc-blog-0a1b2c3d4e5f/artifacts/sma-milestone1/"
    step = cluster["Steps"][0]["HadoopJarStep"]
    assert step["Jar"] == "s3://eu-west-1.elasticmapreduce/libs/script-runner/script-runner.jar"
    if name == "auto-terminate-emr.yaml":
        assert cluster["AutoTerminationPolicy"] == {"IdleTimeout": "7200"}
    else:
        assert "AutoTerminationPolicy" not in cluster

    outputs = {output.key: output for output in stack.render_outputs(values)}
    assert outputs["S3BucketName"].value == "sm-emr-sc-blog-0a1b2c3d4e5f"
    assert outputs["EMRMasterDNSName"].value == "ip-10-0-1-23.eu-west-1.compute.internal"
    assert outputs["EMRMasterDNSName"].description == "DNS Name of the EMR Master Node"


@pytest.mark.parametrize("name", FIXTURES)
def test_sample_orders_resources_by_every_dependency(name: str) -> None:
    template = load_template(sample(name))
    stack = plan(template, resolve_parameters(template, STUDIO_VALUES), CONTEXT)
    position = {logical_id: i for i, logical_id in enumerate(stack.creation_order)}
    for logical_id, resource in stack.resources.items():
        for dependency in resource.depends_on:
            assert position[dependency] < position[logical_id], (logical_id, dependency)
    cluster = stack.resources["EMRCluster"].depends_on
    # DependsOn, Ref, Fn::Sub ${S3Bucket}: all count.
    assert {"CopyZips", "CleanUpBucketonDelete", "S3Bucket", "masterSecurityGroup"} <= cluster
    assert "CopyZipsFunction" in stack.resources["CopyZips"].depends_on  # GetAtt "A.B" form
    assert stack.deletion_order == tuple(reversed(stack.creation_order))
    assert stack.deletion_order[0] == "EMRCluster"
    waves = stack.creation_waves()
    assert waves[0][:2] == ["S3Bucket", "masterSecurityGroup"]
    assert waves[-1] == ["EMRCluster"]
    assert "emrMasterIngressLivySG" in stack.dependents("masterSecurityGroup")


@pytest.mark.parametrize("name", FIXTURES)
def test_sample_unsupported_types_are_named(name: str) -> None:
    template = load_template(sample(name))
    assert unsupported_resource_types(template, SUPPORTED) == [
        "AWS::S3::Bucket",
        "Custom::emptybucket",
        "AWS::Lambda::Function",
        "Custom::CopyZips",
    ]
    with pytest.raises(UnsupportedResourceTypesError) as caught:
        check_supported_types(template, SUPPORTED)
    message = caught.value.message
    assert message.startswith("Template contains resource types the platform does not run: ")
    assert "AWS::S3::Bucket (S3Bucket)" in message
    assert "AWS::Lambda::Function (CleanUpBucketonDeleteLambda, CopyZipsFunction)" in message
    assert "Custom::emptybucket (CleanUpBucketonDelete)" in message
    assert "Custom::CopyZips (CopyZips)" in message
    assert "Supported: AWS::EC2::*, AWS::EMR::Cluster" in message
    assert ("S3Bucket", "AWS::S3::Bucket") in caught.value.resources
    with pytest.raises(UnsupportedResourceTypesError):
        validate_template(sample(name), SUPPORTED)


@pytest.mark.parametrize("name", FIXTURES)
def test_sample_summary(name: str) -> None:
    summary = summarize_template(load_template(sample(name)))
    # RoleName on IAM roles: CloudFormation asks for the named-IAM capability.
    assert summary.capabilities == (CAPABILITY_NAMED_IAM,)
    assert summary.capabilities_reason == (
        "The following resource(s) require capabilities: [AWS::IAM::Role, "
        "AWS::IAM::InstanceProfile]"
    )
    assert summary.declared_transforms == ()
    assert summary.resource_types[0] == "AWS::S3::Bucket"
    assert [p.key for p in summary.parameters][:3] == [
        "SageMakerProjectName",
        "SageMakerProjectId",
        "EmrClusterName",
    ]


@pytest.mark.parametrize("name", FIXTURES)
def test_sample_variant_without_unsupported_resources(name: str) -> None:
    template = load_template(sample(name))
    variant = strip_resources(template, UNSUPPORTED)
    assert unsupported_resource_types(variant, SUPPORTED) == []
    assert len(variant.resources) == 32
    summary = validate_template(variant.to_json(), SUPPORTED)
    assert summary.capabilities == (CAPABILITY_NAMED_IAM,)
    cluster = variant.resources["EMRCluster"]
    assert cluster.depends_on == ()
    # Everything that pointed at the bucket went; the rest of the cluster stays.
    for dropped in ("LogUri", "BootstrapActions", "Steps"):
        assert dropped not in cluster.properties
    assert cluster.properties["Name"] == {"Ref": "EmrClusterName"}
    assert cluster.properties["JobFlowRole"] == {"Ref": "EMRClusterinstanceProfile"}
    # The EMRFS role loses its (bucket-only) policies, the copy role its bucket statement.
    assert "Policies" not in variant.resources["allowEMRFSAccessForUser1"].properties
    copier = variant.resources["CopyZipsRole"].properties["Policies"][0]["PolicyDocument"]
    assert copier["Statement"] == [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]
    assert list(variant.outputs) == ["EMRMasterDNSName"]
    assert template.resources["EMRCluster"].depends_on  # the original is untouched

    stack = plan(variant, resolve_parameters(variant, STUDIO_VALUES), CONTEXT)
    values, rendered = run_stack(stack)
    assert rendered["EMRCluster"]["Name"] == "churn-spark"
    outputs = stack.render_outputs(values)
    assert [o.key for o in outputs] == ["EMRMasterDNSName"]
    # The JSON body of the variant loads back to the same template.
    assert load_template(variant.to_json()).document == variant.document


def test_sample_variant_with_replacement_values() -> None:
    template = load_template(sample("single-account.yaml"))
    variant = strip_resources(
        template,
        UNSUPPORTED,
        replacements={"S3Bucket": {"Ref": "team-a-logs", "Arn": "arn:aws:s3:::team-a-logs"}},
    )
    stack = plan(variant, resolve_parameters(variant, STUDIO_VALUES), CONTEXT)
    values, rendered = run_stack(stack)
    cluster = rendered["EMRCluster"]
    assert cluster["LogUri"] == "s3://team-a-logs/artifacts/sma-milestone1/"
    assert cluster["BootstrapActions"][0]["ScriptBootstrapAction"]["Path"] == (
        "s3://team-a-logs/artifacts/sma-milestone1/installpylibs-v2.sh"
    )
    statements = rendered["allowEMRFSAccessForUser1"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statements[1]["Resource"] == ["arn:aws:s3:::team-a-logs/*"]
    lambda_role = rendered["CleanUpBucketonDeleteLambdaRole"]["Policies"][0]["PolicyDocument"]
    assert lambda_role["Statement"][0]["Resource"] == [
        "arn:aws:s3:::team-a-logs",
        "arn:aws:s3:::team-a-logs/",
        "arn:aws:s3:::team-a-logs/*",
    ]
    outputs = {o.key: o.value for o in stack.render_outputs(values)}
    assert outputs["S3BucketName"] == "team-a-logs"


def test_strip_refuses_stray_replacements_and_empty_results() -> None:
    template = load_template(sample("single-account.yaml"))
    with pytest.raises(TemplateError, match="masterSecurityGroup, which are not removed"):
        strip_resources(template, UNSUPPORTED, replacements={"masterSecurityGroup": {"Ref": "x"}})
    with pytest.raises(TemplateError, match="without resources"):
        strip_resources(template, ["AWS::*", "Custom::*"])


def test_strip_keeps_literal_sub_text() -> None:
    template = load(
        """
        Resources:
          Bucket:
            Type: AWS::S3::Bucket
          Topic:
            Type: AWS::SNS::Topic
            Properties:
              DisplayName: !Sub "${!Literal} ${Bucket} ${AWS::Region} ${Bucket.Arn}"
              TopicName: !Sub
                - "${Bucket}-${Local}"
                - Local: !Ref AWS::StackName
        """
    )
    stripped = strip_resources(
        template, ["AWS::S3::Bucket"], replacements={"Bucket": {"Ref": "b", "Arn": "${x}"}}
    )
    properties = stripped.resources["Topic"].properties
    assert properties["DisplayName"] == {"Fn::Sub": "${!Literal} b ${AWS::Region} ${!x}"}
    assert properties["TopicName"] == {
        "Fn::Sub": ["b-${Local}", {"Local": {"Ref": "AWS::StackName"}}]
    }


# --------------------------------------------------------------------------- guardrails


GUARDED = """
Parameters:
  InstanceType:
    Type: String
    Default: m5.xlarge
    AllowedValues: [m5.xlarge, m5.2xlarge]
  ClusterName:
    Type: String
    AllowedPattern: "[a-z][a-z0-9-]*"
    MinLength: 3
    MaxLength: 12
  CoreInstanceCount:
    Type: Number
    Default: 2
    MinValue: 1
    MaxValue: 20
  IdleTimeout:
    Type: Number
    Default: 3600
    MinValue: 60
    ConstraintDescription: Must be between 60 seconds and 7 days (604800 seconds)
  Password:
    Type: String
    NoEcho: true
    MinLength: 8
  Ratio:
    Type: Number
    Default: "0.5"
    MaxValue: 1
Resources:
  Cluster:
    Type: AWS::EMR::Cluster
    Properties:
      Name: !Ref ClusterName
"""


def guarded(**values: str) -> dict[str, str]:
    return {"ClusterName": "team-a", "Password": "correct-horse", **values}


@pytest.mark.parametrize(
    ("values", "constraint", "message"),
    [
        (
            {"InstanceType": "m5.large"},
            "AllowedValues",
            "Parameter 'InstanceType' must be one of AllowedValues. 'm5.large' is not one of: "
            "m5.xlarge, m5.2xlarge.",
        ),
        (
            {"ClusterName": "Team-A"},
            "AllowedPattern",
            "Parameter 'ClusterName' must match pattern [a-z][a-z0-9-]*. 'Team-A' does not.",
        ),
        (
            # The pattern must match the whole value, not a part of it.
            {"ClusterName": "team a"},
            "AllowedPattern",
            "Parameter 'ClusterName' must match pattern [a-z][a-z0-9-]*. 'team a' does not.",
        ),
        (
            {"ClusterName": "ab"},
            "MinLength",
            "Parameter 'ClusterName' must contain at least 3 characters. 'ab' has 2; "
            "allowed: 3 to 12 characters.",
        ),
        (
            {"ClusterName": "a-very-long-name"},
            "MaxLength",
            "Parameter 'ClusterName' must contain at most 12 characters. 'a-very-long-name' "
            "has 16; allowed: 3 to 12 characters.",
        ),
        (
            {"CoreInstanceCount": "25"},
            "MaxValue",
            "Parameter 'CoreInstanceCount' must be a number not greater than 20. Value 25 is "
            "outside the allowed range 1 to 20.",
        ),
        (
            {"CoreInstanceCount": "0"},
            "MinValue",
            "Parameter 'CoreInstanceCount' must be a number not less than 1. Value 0 is outside "
            "the allowed range 1 to 20.",
        ),
        (
            {"CoreInstanceCount": "two"},
            "Type",
            "Parameter 'CoreInstanceCount' must be a number. 'two' is not.",
        ),
        (
            {"Ratio": "1.5"},
            "MaxValue",
            "Parameter 'Ratio' must be a number not greater than 1. Value 1.5 is above the "
            "maximum 1.",
        ),
        (
            {"IdleTimeout": "30"},
            "MinValue",
            "Parameter 'IdleTimeout' failed to satisfy constraint: Must be between 60 seconds "
            "and 7 days (604800 seconds). Value 30 is below the minimum 60.",
        ),
        (
            {"Password": "short"},
            "MinLength",
            "Parameter 'Password' must contain at least 8 characters. The value (hidden: "
            "NoEcho) has 5.",
        ),
    ],
)
def test_each_constraint_kind_is_enforced(
    values: dict[str, str], constraint: str, message: str
) -> None:
    template = load_template(GUARDED)
    with pytest.raises(ParameterValidationError) as caught:
        resolve_parameters(template, guarded(**values))
    assert caught.value.message == message
    assert caught.value.constraint == constraint
    assert caught.value.parameters == tuple(values)


def test_values_within_guardrails_resolve() -> None:
    template = load_template(GUARDED)
    resolved = resolve_parameters(
        template, guarded(InstanceType="m5.2xlarge", CoreInstanceCount="20", Ratio=".25")
    )
    assert resolved["InstanceType"].value == "m5.2xlarge"
    assert resolved["InstanceType"].source == "given"
    assert resolved["IdleTimeout"].value == "3600"
    assert resolved["IdleTimeout"].source == "default"
    assert resolved.ref_values()["CoreInstanceCount"] == "20"  # numbers stay text
    assert dict(resolved.described())["Password"] == NO_ECHO_MASK
    assert resolved.raw_values()["Password"] == "correct-horse"


def test_missing_unknown_and_conflicting_parameters() -> None:
    template = load_template(GUARDED)
    with pytest.raises(ParameterValidationError, match=r"^Parameters: \[ClusterName, Password\] "):
        resolve_parameters(template, {})
    with pytest.raises(ParameterValidationError) as caught:
        resolve_parameters(template, guarded(Nope="1", Other="2"))
    assert caught.value.message == "Parameters: [Nope, Other] do not exist in the template"
    with pytest.raises(ParameterValidationError, match="usePreviousValue"):
        resolve_parameters(template, guarded(), use_previous={"ClusterName": "old"})


def test_use_previous_value() -> None:
    template = load_template(GUARDED)
    resolved = resolve_parameters(
        template, {"Password": "correct-horse"}, use_previous={"ClusterName": "team-b"}
    )
    assert resolved["ClusterName"].value == "team-b"
    assert resolved["ClusterName"].source == "previous"
    with pytest.raises(ParameterValidationError, match="must match pattern"):
        resolve_parameters(
            template, {"Password": "correct-horse"}, use_previous={"ClusterName": "B"}
        )


def test_sample_guardrails() -> None:
    template = load_template(sample("auto-terminate-emr.yaml"))
    with pytest.raises(ParameterValidationError) as caught:
        resolve_parameters(template, {**STUDIO_VALUES, "CoreInstanceCount": "7"})
    assert caught.value.message == (
        "Parameter 'CoreInstanceCount' must be one of AllowedValues. '7' is not one of: 2, 5, 10."
    )
    with pytest.raises(ParameterValidationError) as caught:
        resolve_parameters(template, {**STUDIO_VALUES, "IdleTimeout": "soon"})
    assert caught.value.message == (
        "Parameter 'IdleTimeout' failed to satisfy constraint: Must be between 60 seconds - 7 "
        "days (604800 seconds). 'soon' is not."
    )
    missing = {k: v for k, v in STUDIO_VALUES.items() if k != "EmrClusterName"}
    with pytest.raises(ParameterValidationError) as caught:
        resolve_parameters(template, missing)
    assert caught.value.message == "Parameters: [EmrClusterName] must have values"


def test_list_parameter_types() -> None:
    template = load(
        """
        Parameters:
          Counts:
            Type: List<Number>
            MaxValue: 10
          Names:
            Type: CommaDelimitedList
            AllowedValues: [alpha, beta, gamma]
          Subnets:
            Type: List<AWS::EC2::Subnet::Id>
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Tags: !Ref Names
              Counts: !Ref Counts
              Subnets: !Ref Subnets
        """
    )
    checked: list[tuple[str, str]] = []

    def exists(parameter_type: str, value: str) -> bool:
        checked.append((parameter_type, value))
        return value != "subnet-gone"

    resolved = resolve_parameters(
        template,
        {"Counts": "1, 2,10", "Names": "alpha, gamma", "Subnets": "subnet-1,subnet-2"},
        resource_ids=exists,
    )
    assert resolved.ref_values() == {
        "Counts": ["1", "2", "10"],
        "Names": ["alpha", "gamma"],
        "Subnets": ["subnet-1", "subnet-2"],
    }
    assert checked == [("AWS::EC2::Subnet::Id", "subnet-1"), ("AWS::EC2::Subnet::Id", "subnet-2")]
    with pytest.raises(ParameterValidationError, match="must be a number not greater than 10"):
        resolve_parameters(template, {"Counts": "1,11", "Names": "beta", "Subnets": ""})
    with pytest.raises(ParameterValidationError, match="'delta' is not one of: alpha, beta"):
        resolve_parameters(template, {"Counts": "1", "Names": "beta,delta", "Subnets": ""})
    with pytest.raises(ParameterValidationError) as caught:
        resolve_parameters(
            template,
            {"Counts": "1", "Names": "beta", "Subnets": "subnet-1,subnet-gone"},
            resource_ids=exists,
        )
    assert caught.value.message == (
        "Parameter validation failed: parameter value subnet-gone for parameter name Subnets "
        "does not exist. Pass a subnet ID that exists in this account and region."
    )


@pytest.mark.parametrize(
    ("parameter_type", "good", "bad"),
    [
        ("AWS::EC2::VPC::Id", "vpc-0a1b2c3d", "subnet-0a1b2c3d"),
        ("AWS::EC2::SecurityGroup::Id", "sg-0123", "vpc-0123"),
        ("AWS::EC2::Subnet::Id", "subnet-0123", "sg-0123"),
        ("AWS::EC2::KeyPair::KeyName", "team-a-key", ""),
        ("List<AWS::EC2::SecurityGroup::Id>", "sg-1,sg-2", "sg-1,default"),
    ],
)
def test_aws_specific_types_are_checked(parameter_type: str, good: str, bad: str) -> None:
    template = load(
        f"""
        Parameters:
          Thing:
            Type: {parameter_type}
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Value: !Ref Thing
        """
    )
    seen: list[tuple[str, str]] = []

    def account_has(kind: str, value: str) -> bool:
        seen.append((kind, value))
        return True

    resolve_parameters(template, {"Thing": good}, resource_ids=account_has)
    item_type = parameter_type.removeprefix("List<").removesuffix(">")
    assert seen and all(kind == item_type for kind, _ in seen)
    with pytest.raises(ParameterValidationError, match="for parameter name Thing does not exist"):
        resolve_parameters(template, {"Thing": bad}, resource_ids=account_has)
    with pytest.raises(ParameterValidationError, match="exists in this account and region"):
        resolve_parameters(template, {"Thing": good}, resource_ids=lambda kind, value: False)


def test_ssm_and_unknown_parameter_types_are_refused() -> None:
    with pytest.raises(
        TemplateError, match=r"has no Parameter Store\. Declare the parameter as String"
    ):
        load(
            """
            Parameters:
              Ami:
                Type: AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>
            Resources:
              Sg: {Type: AWS::EC2::SecurityGroup}
            """
        )
    with pytest.raises(TemplateError, match=r"Unrecognized parameter type: Strin$"):
        load("Parameters: {A: {Type: Strin}}\nResources: {Sg: {Type: AWS::EC2::SecurityGroup}}")


def test_default_must_meet_its_own_constraints() -> None:
    with pytest.raises(TemplateError) as caught:
        load(
            """
            Parameters:
              Naming:
                Type: String
                Default: aws-ab-
                MinLength: 12
            Resources:
              Sg: {Type: AWS::EC2::SecurityGroup}
            """
        )
    assert "Parameter 'Naming' must contain at least 12 characters" in caught.value.message
    assert caught.value.message.startswith("Template format error: the Default of parameter")


def test_describe_parameters_for_forms() -> None:
    template = load(
        """
        Metadata:
          AWS::CloudFormation::Interface:
            ParameterGroups:
              - Label: {default: Cluster}
                Parameters: [InstanceType, Count]
              - Label: {default: Access}
                Parameters: [Password]
            ParameterLabels:
              InstanceType: {default: Which instance type?}
        Parameters:
          InstanceType:
            Type: String
            Default: m5.xlarge
            Description: The primary node's instance type
            AllowedValues: [m5.xlarge, m5.2xlarge]
            ConstraintDescription: pick a supported type
          Count:
            Type: Number
            MinValue: 1
            MaxValue: 20
          Password:
            Type: String
            NoEcho: "true"
            AllowedPattern: "[A-Za-z0-9]+"
            MinLength: 8
            MaxLength: 64
          Loose:
            Type: String
        Resources:
          Sg: {Type: AWS::EC2::SecurityGroup}
        """
    )
    infos = describe_parameters(template)
    assert [i.key for i in infos] == ["InstanceType", "Count", "Password", "Loose"]
    instance, count, password, loose = infos
    assert instance.label == "Which instance type?"
    assert instance.group == "Cluster"
    assert instance.default == "m5.xlarge"
    assert instance.description == "The primary node's instance type"
    assert instance.constraints == {
        "AllowedValues": ["m5.xlarge", "m5.2xlarge"],
        "ConstraintDescription": "pick a supported type",
    }
    assert count.constraints == {"MinValue": "1", "MaxValue": "20"}
    assert count.group == "Cluster" and count.label is None
    assert password.no_echo and password.group == "Access"
    assert password.constraints == {
        "AllowedPattern": "[A-Za-z0-9]+",
        "MinLength": "8",
        "MaxLength": "64",
    }
    assert loose.group is None and loose.constraints == {}
    assert template.interface.groups[0].parameters == ("InstanceType", "Count")


def test_rules_assertions() -> None:
    template = load(
        """
        Parameters:
          Environment:
            Type: String
            AllowedValues: [test, prod]
          InstanceType:
            Type: String
          Subnets:
            Type: List<AWS::EC2::Subnet::Id>
        Rules:
          ProdInstanceType:
            RuleCondition: !Equals [!Ref Environment, prod]
            Assertions:
              - Assert: !Contains [[m5.2xlarge, m5.4xlarge], !Ref InstanceType]
                AssertDescription: For production, use m5.2xlarge or m5.4xlarge
          KnownSubnets:
            Assertions:
              - Assert: !EachMemberIn [!RefAll "List<AWS::EC2::Subnet::Id>", [subnet-1, subnet-2]]
              - Assert: {"Fn::Not": [{"Fn::EachMemberEquals": [!Ref Subnets, subnet-9]}]}
        Resources:
          Sg: {Type: AWS::EC2::SecurityGroup}
        """
    )
    resolve_parameters(
        template, {"Environment": "test", "InstanceType": "t3.micro", "Subnets": "subnet-1"}
    )
    resolve_parameters(
        template, {"Environment": "prod", "InstanceType": "m5.4xlarge", "Subnets": "subnet-2"}
    )
    with pytest.raises(ParameterValidationError) as caught:
        resolve_parameters(
            template, {"Environment": "prod", "InstanceType": "t3.micro", "Subnets": "subnet-1"}
        )
    assert caught.value.message == (
        "For production, use m5.2xlarge or m5.4xlarge (rule ProdInstanceType)"
    )
    assert caught.value.parameters == ("InstanceType",)
    with pytest.raises(ParameterValidationError, match="Template rule KnownSubnets failed"):
        resolve_parameters(
            template, {"Environment": "test", "InstanceType": "x", "Subnets": "subnet-1,subnet-3"}
        )


# --------------------------------------------------------------------------- intrinsics


def render_one(body: str, given: dict[str, str] | None = None, **kwargs: Any) -> dict[str, Any]:
    """Plan a one-resource template (plus helpers) and render the resource named Probe."""
    template = load(body)
    stack = plan(template, resolve_parameters(template, given or {}), CONTEXT, **kwargs)
    values = ProviderValues()
    for logical_id in stack.creation_order:
        if logical_id == "Probe":
            return stack.render_properties(logical_id, values)
        values.create(stack, logical_id)
    raise AssertionError("no Probe resource")


def test_ref_of_parameters_pseudo_parameters_and_resources() -> None:
    props = render_one(
        """
        Parameters:
          Name: {Type: String, Default: team-a}
        Resources:
          Sg:
            Type: AWS::EC2::SecurityGroup
          Probe:
            Type: AWS::EC2::SecurityGroupIngress
            Properties:
              Name: !Ref Name
              Group: !Ref Sg
              AccountId: !Ref AWS::AccountId
              Region: !Ref AWS::Region
              StackName: !Ref AWS::StackName
              StackId: !Ref AWS::StackId
              Partition: !Ref AWS::Partition
              URLSuffix: !Ref AWS::URLSuffix
              NotificationARNs: !Ref AWS::NotificationARNs
        """
    )
    assert props == {
        "Name": "team-a",
        "Group": "sg-00000000000000000",
        "AccountId": "222222222222",
        "Region": "eu-west-1",
        "StackName": "emr-team-a",
        "StackId": f"arn:aws:cloudformation:eu-west-1:222222222222:stack/emr-team-a/{STACK_UUID}",
        "Partition": "aws",
        "URLSuffix": "amazonaws.com",
        "NotificationARNs": ["arn:aws:sns:eu-west-1:222222222222:stack-events"],
    }


def test_get_att_forms() -> None:
    props = render_one(
        """
        Parameters:
          Attribute: {Type: String, Default: GroupId}
        Resources:
          Role: {Type: AWS::IAM::Role}
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Short: !GetAtt Role.Arn
              List: !GetAtt [Role, Arn]
              Long: {"Fn::GetAtt": Role.Arn}
              Computed: !GetAtt [Role, !Ref Attribute]
        """
    )
    arn = "arn:aws:iam::222222222222:role/emr-team-a-Role"
    assert props == {"Short": arn, "List": arn, "Long": arn, "Computed": "emr-team-a-Role"}


def test_sub_forms() -> None:
    props = render_one(
        """
        Parameters:
          Env: {Type: String, Default: prod}
        Resources:
          Role: {Type: AWS::IAM::Role}
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Plain: !Sub "arn:${AWS::Partition}:s3:::${Env}-${AWS::Region}/${Role}"
              Attribute: !Sub "role=${Role.Arn}"
              Escaped: !Sub "${!Literal}-${Env}"
              Unclosed: !Sub "cost ${ 5"
              ListForm: !Sub
                - "${Prefix}.${Env}.${AWS::URLSuffix}"
                - Prefix: !Join ["-", [a, b]]
              Long: {"Fn::Sub": "${AWS::AccountId}"}
        """
    )
    assert props == {
        "Plain": "arn:aws:s3:::prod-eu-west-1/emr-team-a-Role",
        "Attribute": "role=arn:aws:iam::222222222222:role/emr-team-a-Role",
        "Escaped": "${Literal}-prod",
        "Unclosed": "cost ${ 5",
        "ListForm": "a-b.prod.amazonaws.com",
        "Long": "222222222222",
    }


def test_string_and_list_functions() -> None:
    props = render_one(
        """
        Parameters:
          Zones: {Type: CommaDelimitedList, Default: "x,y,z"}
        Resources:
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Join: !Join [":", [a, 1, true, !Ref AWS::NoValue, !Select [1, !Ref Zones]]]
              JoinList: !Join [",", !GetAZs ""]
              Select: !Select ["2", [p, q, r]]
              Split: !Split ["|", "a|b||c"]
              SelectSplit: !Select [1, !Split [",", !Join [",", !Ref Zones]]]
              Base64: !Base64 {"Fn::Sub": "#!/bin/bash\\necho ${AWS::Region}"}
              AZs: !GetAZs eu-central-1
              AZsOfRef: !GetAZs {Ref: AWS::Region}
              Cidr: !Cidr ["10.0.0.0/16", 3, 8]
              Cidr6: !Cidr ["2001:db8::/56", 2, 64]
        """
    )
    assert props["Join"] == "a:1:true:y"
    assert props["JoinList"] == "eu-west-1a,eu-west-1b,eu-west-1c"
    assert props["Select"] == "r"
    assert props["Split"] == ["a", "b", "", "c"]
    assert props["SelectSplit"] == "y"
    assert base64.b64decode(props["Base64"]).decode() == "#!/bin/bash\necho eu-west-1"
    assert props["AZs"] == ["eu-central-1a", "eu-central-1b", "eu-central-1c"]
    assert props["AZsOfRef"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert props["Cidr"] == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert props["Cidr6"] == ["2001:db8::/64", "2001:db8:0:1::/64"]


def test_find_in_map() -> None:
    props = render_one(
        """
        Mappings:
          RegionMap:
            eu-west-1: {Ami: ami-eu, Sizes: [small, large]}
            us-east-1: {Ami: ami-us}
        Resources:
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Ami: !FindInMap [RegionMap, !Ref AWS::Region, Ami]
              Sizes: !FindInMap [RegionMap, eu-west-1, Sizes]
              Default: !FindInMap [RegionMap, ap-south-1, Ami, {DefaultValue: ami-any}]
        """
    )
    assert props == {"Ami": "ami-eu", "Sizes": ["small", "large"], "Default": "ami-any"}
    with pytest.raises(TemplateError) as caught:
        render_one(
            """
            Mappings:
              RegionMap: {eu-west-1: {Ami: ami-eu}}
            Resources:
              Probe:
                Type: AWS::EC2::SecurityGroup
                Properties:
                  Ami: !FindInMap [RegionMap, !Ref AWS::Region, Kernel]
            """
        )
    assert caught.value.message == (
        "Template error: Unable to get mapping for RegionMap::eu-west-1::Kernel "
        "(at Resources/Probe/Properties)"
    )


def test_import_value() -> None:
    exports = {"network-VpcId": "vpc-0shared"}
    body = """
        Resources:
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              VpcId: !ImportValue network-VpcId
              Other: !ImportValue {"Fn::Sub": "${AWS::StackName}-missing"}
        """
    with pytest.raises(TemplateError, match="No export named emr-team-a-missing found"):
        render_one(body, import_value=exports.get)
    exports["emr-team-a-missing"] = "found"
    assert render_one(body, import_value=exports.get) == {"VpcId": "vpc-0shared", "Other": "found"}


def test_conditions_if_and_no_value() -> None:
    body = """
        Parameters:
          Env: {Type: String, AllowedValues: [test, prod]}
          KeyName: {Type: String, Default: ""}
          Region: {Type: String, Default: eu-west-1}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          HasKey: !Not [!Equals [!Ref KeyName, ""]]
          ProdWithKey: !And [!Condition IsProd, !Condition HasKey]
          ProdOrKey: !Or [{Condition: IsProd}, !Condition HasKey]
          InHomeRegion: !Equals [!Ref AWS::Region, !Ref Region]
        Resources:
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Size: !If [IsProd, large, small]
              KeyName: !If [HasKey, !Ref KeyName, !Ref AWS::NoValue]
              Tags:
                - {Key: env, Value: !Ref Env}
                - !If [ProdWithKey, {Key: secure, Value: "yes"}, !Ref AWS::NoValue]
              Nested: {Inner: !If [ProdOrKey, !Ref AWS::NoValue, kept]}
        """
    template = load(body)
    conditions = evaluate_conditions(
        template, {"Env": "prod", "KeyName": "k", "Region": "eu-west-1"}, CONTEXT
    )
    assert conditions == {
        "IsProd": True,
        "HasKey": True,
        "ProdWithKey": True,
        "ProdOrKey": True,
        "InHomeRegion": True,
    }
    assert render_one(body, {"Env": "prod", "KeyName": "ops"}) == {
        "Size": "large",
        "KeyName": "ops",
        "Tags": [{"Key": "env", "Value": "prod"}, {"Key": "secure", "Value": "yes"}],
        "Nested": {},
    }
    assert render_one(body, {"Env": "test"}) == {
        "Size": "small",
        "Tags": [{"Key": "env", "Value": "test"}],
        "Nested": {"Inner": "kept"},
    }


def test_conditional_resources_and_outputs() -> None:
    body = """
        Parameters:
          CreateLogs: {Type: String, AllowedValues: ["true", "false"]}
        Conditions:
          WithLogs: !Equals [!Ref CreateLogs, "true"]
        Resources:
          Logs:
            Type: AWS::S3::Bucket
            Condition: WithLogs
            DeletionPolicy: Retain
          Cluster:
            Type: AWS::EMR::Cluster
            Properties:
              LogUri: !If [WithLogs, !Sub "s3://${Logs}/", !Ref AWS::NoValue]
        Outputs:
          LogBucket:
            Condition: WithLogs
            Value: !Ref Logs
            Export: {Name: !Sub "${AWS::StackName}-logs"}
          ClusterId:
            Value: !Ref Cluster
            Description: the cluster
            Export: {Name: !Join ["-", [!Ref AWS::StackName, cluster]]}
        """
    template = load(body)
    with_logs = plan(template, resolve_parameters(template, {"CreateLogs": "true"}), CONTEXT)
    assert with_logs.creation_order == ("Logs", "Cluster")
    assert with_logs.resources["Logs"].deletion_policy == "Retain"
    values, rendered = run_stack(with_logs)
    assert rendered["Cluster"] == {"LogUri": "s3://logs/"}
    outputs = with_logs.render_outputs(values)
    assert [(o.key, o.value, o.export_name) for o in outputs] == [
        ("LogBucket", "logs", "emr-team-a-logs"),
        ("ClusterId", "j-2ABCDEF0GAPLF", "emr-team-a-cluster"),
    ]
    assert outputs[1].description == "the cluster"

    without = plan(template, resolve_parameters(template, {"CreateLogs": "false"}), CONTEXT)
    assert without.creation_order == ("Cluster",)
    assert without.skipped == ("Logs",)
    assert without.resources["Cluster"].depends_on == frozenset()
    values, rendered = run_stack(without)
    assert rendered["Cluster"] == {}
    assert [o.key for o in without.render_outputs(values)] == ["ClusterId"]
    with pytest.raises(TemplateError, match="its Condition WithLogs is false"):
        without.render_properties("Logs", values)


def test_reference_to_a_skipped_resource_is_refused() -> None:
    template = load(
        """
        Parameters:
          Make: {Type: String, Default: "no"}
        Conditions:
          MakeIt: !Equals [!Ref Make, "yes"]
        Resources:
          Optional: {Type: AWS::S3::Bucket, Condition: MakeIt}
          User:
            Type: AWS::EC2::SecurityGroup
            Properties: {Name: !Ref Optional}
        """
    )
    with pytest.raises(TemplateError) as caught:
        plan(template, resolve_parameters(template, {}), CONTEXT)
    assert caught.value.message.startswith(
        "Template format error: Unresolved resource dependencies [Optional] in the Resources "
        "block of the template. Resource User depends on Optional (Condition MakeIt is false)"
    )


def test_explicit_and_implicit_dependencies() -> None:
    template = load(
        """
        Resources:
          C:
            Type: AWS::EC2::SecurityGroup
            DependsOn: [B]
            Properties: {Peer: !GetAtt A.GroupId}
          B:
            Type: AWS::EC2::SecurityGroup
            Properties: {Name: !Sub "${A}-b"}
          A:
            Type: AWS::EC2::SecurityGroup
          D:
            Type: AWS::EC2::SecurityGroup
        """
    )
    stack = plan(template, resolve_parameters(template, {}), CONTEXT)
    assert stack.creation_order == ("A", "D", "B", "C")
    assert stack.creation_waves() == [["A", "D"], ["B"], ["C"]]
    assert stack.resources["C"].depends_on == frozenset({"A", "B"})
    assert stack.deletion_order == ("C", "B", "D", "A")
    assert stack.dependents("A") == ["B", "C"]


def test_render_before_dependencies_exist() -> None:
    template = load(
        """
        Resources:
          A: {Type: AWS::EC2::SecurityGroup}
          B: {Type: AWS::EC2::SecurityGroup, Properties: {Peer: !Ref A, Arn: !GetAtt A.Arn}}
        """
    )
    stack = plan(template, resolve_parameters(template, {}), CONTEXT)
    values = ResourceValueTable()
    with pytest.raises(TemplateError, match="resource A has not been created yet"):
        stack.render_properties("B", values)
    values.record("A", "sg-1", {})
    with pytest.raises(TemplateError, match="resource A does not support attribute type Arn"):
        stack.render_properties("B", values)
    values.record("A", "sg-1", {"Arn": "arn:sg"})
    assert stack.render_properties("B", values) == {"Peer": "sg-1", "Arn": "arn:sg"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Properties: {X: !Ref Nope}}}",
            "Template format error: Unresolved resource dependencies [Nope] in the Resources "
            "block of the template",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Properties: {X: !Sub '${Nope}'}}}",
            "Template format error: Unresolved resource dependencies [Nope] in the Resources "
            "block of the template",
        ),
        (
            "Parameters: {P: {Type: String}}\n"
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Properties: {X: !GetAtt P.Arn}}}",
            "Template error: instance of Fn::GetAtt references undefined resource P",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, DependsOn: Ghost}}",
            "Template format error: Unresolved resource dependencies [Ghost] in the Resources "
            "block of the template",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup}}\n"
            "Outputs: {O: {Value: !GetAtt [Gone, Arn]}}",
            "Template error: instance of Fn::GetAtt references undefined resource Gone",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup}}\nOutputs: {O: {Value: !Ref Gone}}",
            "Template format error: Unresolved resource dependencies [Gone] in the Outputs "
            "block of the template",
        ),
        (
            "Resources:\n  A: {Type: AWS::EC2::SecurityGroup, Properties: {X: !Ref B}}\n"
            "  B: {Type: AWS::EC2::SecurityGroup, Properties: {X: !GetAtt C.Id}}\n"
            "  C: {Type: AWS::EC2::SecurityGroup, DependsOn: A}\n"
            "  D: {Type: AWS::EC2::SecurityGroup, Properties: {X: !Ref D}}",
            "Circular dependency between resources: [A, B, C, D]",
        ),
        (
            "Conditions: {X: !Equals [!Ref A, a]}\nResources: {A: {Type: AWS::EC2::SecurityGroup}}",
            "Template format error: Unresolved dependencies [A]. Cannot reference resources in "
            "the Conditions block of the template",
        ),
        (
            "Conditions: {X: !Condition Y, Y: !Not [!Condition X]}\n"
            "Resources: {A: {Type: AWS::EC2::SecurityGroup}}",
            "Template format error: Circular dependency between conditions: [X, Y]",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Condition: Nope}}",
            "Template format error: Unresolved condition dependencies [Nope] in the Resources "
            "block of the template (Condition of resource A)",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Properties: {X: !If [Nope, 1, 2]}}}",
            "Template format error: Unresolved condition dependencies [Nope] in the Resources "
            "block of the template",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Properties: {X: !Sub '${a b}'}}}",
            "Template error: variable names in Fn::Sub syntax must contain only alphanumeric "
            "characters, underscores, periods, and colons (found '${a b}'; write '${!a b}' "
            "for literal text)",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Properties: {X: {Fn::Lenght: [1]}}}}",
            "Template format error: Encountered unsupported function: Fn::Lenght Supported "
            "functions are: [",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Properties: "
            "{X: !FindInMap [Nope, a, b]}}}",
            "Template error: Mapping named 'Nope' is not present in the 'Mappings' section of "
            "template",
        ),
    ],
)
def test_reference_errors_name_what_is_wrong(body: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(body)
    assert caught.value.message.startswith(message)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "!Select [3, [a, b]]",
            "Template error: Fn::Select cannot select nonexistent value at index 3",
        ),
        ("!Select [-1, [a, b]]", "Template error: Fn::Select index must be a non-negative integer"),
        (
            "!Join [',', a]",
            "Template error: the second argument of Fn::Join must resolve to a list",
        ),
        ("!Join [',', [[a]]]", "Template error: Fn::Join can only join strings"),
        ("!Split ['', abc]", "Template error: the delimiter of Fn::Split must not be empty"),
        (
            "!Sub '${Zones}'",
            "Template error: variable Zones in Fn::Sub expression does not resolve",
        ),
        ("!Cidr [10.0.0.0/24, 5, 7]", "Template error: Fn::Cidr cannot carve 5 /25 subnets"),
        ("!Cidr [10.0.0.0/24, 1, 9]", "Template error: Fn::Cidr cannot carve /23 subnets"),
        ("!Cidr [not-a-cidr, 1, 8]", "Template error: Fn::Cidr address block 'not-a-cidr'"),
        ("!Cidr [10.0.0.0/8, 0, 8]", "Template error: Fn::Cidr count must be an integer from 1"),
        ("!Base64 [a]", "Template error: the argument of Fn::Base64 must resolve to a string"),
        ("!ImportValue x", "Template error: Fn::ImportValue x cannot be evaluated here"),
        ("!Equals [a, b]", None),
    ],
)
def test_intrinsic_errors(expression: str, message: str | None) -> None:
    body = f"""
        Parameters:
          Zones: {{Type: CommaDelimitedList, Default: "a,b"}}
        Resources:
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              X: {expression}
        """
    if message is None:
        assert render_one(body) == {"X": False}
        return
    with pytest.raises(TemplateError) as caught:
        render_one(body)
    assert caught.value.message.startswith(message)
    assert caught.value.message.endswith("(at Resources/Probe/Properties)")


def test_outputs_must_be_text() -> None:
    template = load(
        """
        Resources: {A: {Type: AWS::EC2::SecurityGroup}}
        Outputs:
          Zones: {Value: !GetAZs ""}
        """
    )
    stack = plan(template, resolve_parameters(template, {}), CONTEXT)
    values, _ = run_stack(stack)
    with pytest.raises(TemplateError, match="Value of output Zones must resolve to a String"):
        stack.render_outputs(values)


# --------------------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("!Ref Name", {"Ref": "Name"}),
        ("!Sub 'x-${Name}'", {"Fn::Sub": "x-${Name}"}),
        ("!Sub ['${A}', {A: !Ref Name}]", {"Fn::Sub": ["${A}", {"A": {"Ref": "Name"}}]}),
        ("!GetAtt Res.Arn", {"Fn::GetAtt": ["Res", "Arn"]}),
        ("!GetAtt Res.Endpoint.Address", {"Fn::GetAtt": ["Res", "Endpoint.Address"]}),
        ("!GetAtt [Res, Arn]", {"Fn::GetAtt": ["Res", "Arn"]}),
        ("!Join ['', [a, b]]", {"Fn::Join": ["", ["a", "b"]]}),
        ("!Select [0, [a]]", {"Fn::Select": [0, ["a"]]}),
        ("!Split [',', 'a,b']", {"Fn::Split": [",", "a,b"]}),
        ("!If [Always, a, b]", {"Fn::If": ["Always", "a", "b"]}),
        ("!FindInMap [M, a, b]", {"Fn::FindInMap": ["M", "a", "b"]}),
        ("!Base64 abc", {"Fn::Base64": "abc"}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
        ("!Cidr [10.0.0.0/16, 2, 8]", {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
        ("!Equals [a, b]", {"Fn::Equals": ["a", "b"]}),
        ("!And [!Condition Always, !Condition Always]", {"Fn::And": [{"Condition": "Always"}] * 2}),
        ("!Or [!Condition Always, !Condition Always]", {"Fn::Or": [{"Condition": "Always"}] * 2}),
        ("!Not [!Condition Always]", {"Fn::Not": [{"Condition": "Always"}]}),
    ],
)
def test_short_forms_become_long_forms(short: str, long: dict[str, Any]) -> None:
    template = load(
        f"""
        Parameters: {{Name: {{Type: String}}}}
        Mappings: {{M: {{a: {{b: c}}}}}}
        Conditions: {{Always: !Equals [a, a]}}
        Resources:
          Res: {{Type: AWS::EC2::SecurityGroup}}
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              X: {short}
        """
    )
    assert template.resources["Probe"].properties["X"] == long


def test_json_and_yaml_bodies_are_equivalent() -> None:
    yaml_template = load_template(sample("single-account.yaml"))
    json_template = load_template(json.dumps(yaml_template.document))
    assert json_template.document == yaml_template.document
    assert json_template.resources.keys() == yaml_template.resources.keys()


def test_yaml_scalars_follow_cloudformation() -> None:
    template = load(
        """
        AWSTemplateFormatVersion: 2010-09-09
        Resources:
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Date: 2024-01-31
              Count: 3
              Ratio: 0.5
              Flag: true
              Infinite: .inf
              Account: "012345678901"
              Nothing: null
        """
    )
    assert template.format_version == "2010-09-09"
    assert dict(template.resources["Probe"].properties) == {
        "Date": "2024-01-31",
        "Count": 3,
        "Ratio": 0.5,
        "Flag": True,
        "Infinite": ".inf",
        "Account": "012345678901",
        "Nothing": None,
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Resources: {}", "Template format error: At least one Resources member must be defined."),
        ("Parameters: {}", "Template format error: At least one Resources member must be defined."),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup}}\nFoo: 1\nBar: 2",
            "Template format error: Invalid template property or properties [Foo, Bar]",
        ),
        (
            "Resources: {A: {Properties: {}}}",
            "Template format error: [/Resources/A] Every Resources object must contain a Type "
            "member.",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, Propertys: {}}}",
            "Template format error: Invalid template resource property 'Propertys'",
        ),
        (
            "Resources: {my-sg: {Type: AWS::EC2::SecurityGroup}}",
            "Template format error: Resource name my-sg is non alphanumeric.",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup}}\nOutputs: {O: {Description: x}}",
            "Template format error: Every Outputs member must contain a Value object",
        ),
        (
            "AWSTemplateFormatVersion: '2011-01-01'\n"
            "Resources: {A: {Type: AWS::EC2::SecurityGroup}}",
            "Template format error: Unsupported template format version '2011-01-01'",
        ),
        (
            "Parameters: {P: {Default: x}}\nResources: {A: {Type: AWS::EC2::SecurityGroup}}",
            "Template format error: Every Parameters object must contain a Type member.",
        ),
        (
            "Parameters: {P: {Type: String, Defualt: x}}\n"
            "Resources: {A: {Type: AWS::EC2::SecurityGroup}}",
            "Template format error: Invalid template parameter property 'Defualt'",
        ),
        (
            "Parameters: {A: {Type: String}}\nResources: {A: {Type: AWS::EC2::SecurityGroup}}",
            "Template format error: logical IDs [A] are used by both a parameter and a resource",
        ),
        (
            "Resources: {A: {Type: AWS::EC2::SecurityGroup, DeletionPolicy: Keep}}",
            "Template format error: Unrecognized DeletionPolicy 'Keep' for resource A",
        ),
        ("- a\n- b", "Template format error: a template must be a JSON object or a YAML mapping"),
        ("Resources: [a", "Template format error: YAML not well-formed. (line 2, column 1)"),
        (
            '{"Resources": {"A": }',
            "Template format error: JSON not well-formed. (line 1, column 21",
        ),
    ],
)
def test_structure_errors(body: str, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        load_template(body)
    assert caught.value.message.startswith(message)


def test_transforms_are_declared_but_not_run() -> None:
    body = "Transform: AWS::Serverless-2016-10-31\nResources: {A: {Type: AWS::EC2::SecurityGroup}}"
    template = load_template(body)
    summary = summarize_template(template)
    assert summary.declared_transforms == ("AWS::Serverless-2016-10-31",)
    assert summary.capabilities == ("CAPABILITY_AUTO_EXPAND",)
    with pytest.raises(TemplateError, match="this platform runs no transforms or macros"):
        plan(template, resolve_parameters(template, {}), CONTEXT)


def test_language_extensions_functions() -> None:
    template = load(
        """
        Transform: AWS::LanguageExtensions
        Parameters:
          Zones: {Type: CommaDelimitedList, Default: "a,b,c"}
        Resources:
          Probe:
            Type: AWS::EC2::SecurityGroup
            Properties:
              Count: {"Fn::Length": !Ref Zones}
              Policy: {"Fn::ToJsonString": {Version: "2012-10-17", Zones: !Ref Zones}}
        """
    )
    assert summarize_template(template).capabilities == ("CAPABILITY_AUTO_EXPAND",)
    stack = plan(template, resolve_parameters(template, {}), CONTEXT)
    assert stack.render_properties("Probe", ResourceValueTable()) == {
        "Count": 3,
        "Policy": '{"Version":"2012-10-17","Zones":["a","b","c"]}',
    }


def test_capabilities_follow_iam_resources() -> None:
    plain = load("Resources: {A: {Type: AWS::EC2::SecurityGroup}}")
    assert summarize_template(plain).capabilities == ()
    unnamed = load("Resources: {R: {Type: AWS::IAM::Role, Properties: {Path: /}}}")
    assert summarize_template(unnamed).capabilities == (CAPABILITY_IAM,)
    named = load("Resources: {R: {Type: AWS::IAM::Role, Properties: {RoleName: r}}}")
    assert summarize_template(named).capabilities == (CAPABILITY_NAMED_IAM,)


def test_template_from_document_checks_documents_built_in_code() -> None:
    document = {"Resources": {"A": {"Type": "AWS::EC2::SecurityGroup", "Properties": {1: "x"}}}}
    with pytest.raises(TemplateError, match="mapping keys must be strings"):
        template_from_document(document)
    document = {"Resources": {"A": {"Type": "AWS::EC2::SecurityGroup", "Properties": {"X": {1}}}}}
    with pytest.raises(TemplateError, match="set values cannot appear in a template"):
        template_from_document(document)
    built = template_from_document({"Resources": {"A": {"Type": "AWS::EC2::SecurityGroup"}}})
    assert built.resource_types == ("AWS::EC2::SecurityGroup",)

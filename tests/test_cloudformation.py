"""CloudFormation through boto3 and the AWS CLI: templates, stacks, resources, rollback, updates.

No Spark starts here: clusters in these stacks end in their bootstrap action
(failing, or held and then terminated), before any Spark process runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import botocore.exceptions
import pytest
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aws_cli_support
from catalog_support import (
    CLUSTER_TEMPLATE,
    allow,
    events,
    implemented,
    make_role,
    network_template,
    script,
    unique,
    user_session,
    wait_stack,
)
from conftest import RunningServer, start_server
from wire_support import for_shape

A = "111111111111"
CLI = Path(sys.executable).with_name("aws")


def code(error: botocore.exceptions.ClientError) -> str:
    return str(error.response["Error"]["Code"])


def message(error: botocore.exceptions.ClientError) -> str:
    return str(error.response["Error"]["Message"])


@pytest.fixture(scope="module")
def cf(server: RunningServer) -> Any:
    return server.client("cloudformation", A)


@pytest.fixture(scope="module")
def ec2(server: RunningServer) -> Any:
    return server.client("ec2", A)


# ---------------------------------------------------------------------------- templates


def test_validate_template_reports_parameters_description_and_capabilities(cf: Any) -> None:
    body = """
Description: roles and a queue of nothing
Parameters:
  Name:
    Type: String
    Default: x
    Description: what to call it
  Secret:
    Type: String
    NoEcho: true
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref Name
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: []}
"""
    found = cf.validate_template(TemplateBody=body)
    assert found["Description"] == "roles and a queue of nothing"
    assert found["Parameters"] == [
        {
            "ParameterKey": "Name",
            "DefaultValue": "x",
            "NoEcho": False,
            "Description": "what to call it",
        },
        {"ParameterKey": "Secret", "NoEcho": True},
    ]
    assert found["Capabilities"] == ["CAPABILITY_NAMED_IAM"]
    assert "AWS::IAM::Role" in found["CapabilitiesReason"]


def test_validate_template_names_unsupported_types_and_lists_supported(cf: Any) -> None:
    body = """
Resources:
  Bucket: {Type: AWS::S3::Bucket}
  Empty: {Type: Custom::EmptyBucket, Properties: {ServiceToken: x}}
  Handle: {Type: AWS::CloudFormation::WaitConditionHandle}
"""
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cf.validate_template(TemplateBody=body)
    text = message(caught.value)
    assert code(caught.value) == "ValidationError"
    assert "AWS::S3::Bucket (Bucket)" in text
    assert "Custom::EmptyBucket (Empty)" in text
    assert "AWS::EMR::Cluster" in text and "AWS::EC2::VPC" in text  # the supported list


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Resources:\n  A: {Type: AWS::CloudFormation::WaitConditionHandle, DependsOn: B}\n"
            "  B: {Type: AWS::CloudFormation::WaitConditionHandle, DependsOn: A}\n",
            "Circular",
        ),
        ("a: &x [1, 2]\nb: [*x, *x]\nResources: {}\n", "alias"),
        (
            "Resources:\n  A:\n    Type: AWS::CloudFormation::WaitConditionHandle\n    Metadata: "
            + "[" * 150
            + "]" * 150
            + "\n",
            "deep",
        ),
        (
            "Resources: {A: {Type: AWS::CloudFormation::WaitConditionHandle}}\n# " + "x" * 60_000,
            "51200",
        ),
    ],
    ids=["cycle", "billion-laughs", "deep-nesting", "huge"],
)
def test_hostile_templates_fail_with_a_clear_validation_error(
    cf: Any, body: str, expected: str
) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cf.validate_template(TemplateBody=body)
    assert code(caught.value) == "ValidationError"
    assert expected.lower() in message(caught.value).lower()
    with pytest.raises(botocore.exceptions.ClientError):
        cf.create_stack(StackName=unique("hostile"), TemplateBody=body)


def test_template_url_reads_the_template_folders_only(
    server: RunningServer, cf: Any, tmp_path: Path
) -> None:
    folder = server.data_dir / "templates"
    folder.mkdir(exist_ok=True)
    inside = folder / "handle.yaml"
    inside.write_text("Resources:\n  H: {Type: AWS::CloudFormation::WaitConditionHandle}\n")
    assert cf.validate_template(TemplateURL=f"file://{inside}")["Parameters"] == []
    outside = tmp_path / "handle.yaml"
    outside.write_text(inside.read_text())
    for url, words in (
        (f"file://{outside}", "outside the template folders"),
        (f"file://{folder}/../clusterport.db", "outside the template folders"),
        ("https://bucket.s3.amazonaws.com/t.yaml", "no S3"),
        (f"file://{folder}/missing.yaml", "no such file"),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            cf.validate_template(TemplateURL=url)
        assert words in message(caught.value)


# ---------------------------------------------------------------------------- stacks


def test_network_stack_lifecycle(server: RunningServer, cf: Any, ec2: Any) -> None:
    name = unique("net")
    stack_id = cf.create_stack(
        StackName=name,
        TemplateBody=network_template(),
        Tags=[{"Key": "owner", "Value": "platform"}],
    )["StackId"]
    assert stack_id.startswith(f"arn:aws:cloudformation:us-east-1:{A}:stack/{name}/")
    cf.get_waiter("stack_create_complete").wait(
        StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    stack = cf.describe_stacks(StackName=name)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {"ParameterKey": "Password", "ParameterValue": "****"} in stack["Parameters"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    vpc = ec2.describe_vpcs(VpcIds=[outputs["VpcId"]])["Vpcs"][0]
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert tags["team"] == "data" and tags["owner"] == "platform"
    assert tags["aws:cloudformation:stack-name"] == name
    assert tags["aws:cloudformation:stack-id"] == stack_id
    assert tags["aws:cloudformation:logical-id"] == "Vpc"
    assert vpc["CidrBlock"] == "10.40.0.0/16"
    default = ec2.describe_security_groups(GroupIds=[outputs["DefaultGroup"]])["SecurityGroups"][0]
    assert default["GroupName"] == "default" and default["VpcId"] == outputs["VpcId"]
    primary = ec2.describe_security_groups(GroupIds=[outputs["PrimaryGroup"]])["SecurityGroups"][0]
    ingress = primary["IpPermissions"]
    assert ingress[0]["FromPort"] == 8998 and ingress[0]["UserIdGroupPairs"]
    assert [p["IpRanges"] for p in primary["IpPermissionsEgress"]] == [[{"CidrIp": "0.0.0.0/0"}]]
    assert primary["IpPermissionsEgress"][0]["FromPort"] == 443  # the default egress went
    exports = {e["Name"]: e["Value"] for e in cf.list_exports()["Exports"]}
    assert exports[f"{name}-vpc"] == outputs["VpcId"]

    resources = {
        r["LogicalResourceId"]: r
        for r in cf.describe_stack_resources(StackName=name)["StackResources"]
    }
    assert set(resources) == {
        "Vpc",
        "Subnet",
        "Routes",
        "Association",
        "Primary",
        "Clients",
        "Livy",
        "ToPrimary",
    }
    assert {r["ResourceStatus"] for r in resources.values()} == {"CREATE_COMPLETE"}
    assert resources["Subnet"]["PhysicalResourceId"] == outputs["SubnetId"]
    by_physical = cf.describe_stack_resources(PhysicalResourceId=outputs["SubnetId"])
    assert [r["LogicalResourceId"] for r in by_physical["StackResources"]] == ["Subnet"]
    detail = cf.describe_stack_resource(StackName=name, LogicalResourceId="Vpc")
    assert detail["StackResourceDetail"]["PhysicalResourceId"] == outputs["VpcId"]
    summaries = cf.list_stack_resources(StackName=name)["StackResourceSummaries"]
    assert len(summaries) == 8

    history = events(cf, stack_id)
    assert history[0] == (name, "CREATE_IN_PROGRESS") and history[-1] == (name, "CREATE_COMPLETE")
    for logical in resources:
        mine = [status for key, status in history if key == logical]
        assert mine[0] == "CREATE_IN_PROGRESS" and mine[-1] == "CREATE_COMPLETE"
    newest_first = cf.describe_stack_events(StackName=name)["StackEvents"]
    shown = [e["ResourceProperties"] for e in newest_first if e.get("ResourceProperties")]
    assert any("****" in p for p in shown) and not any("not-shown" in p for p in shown)
    stamps = [e["Timestamp"] for e in newest_first]
    assert stamps == sorted(stamps, reverse=True)

    template = cf.get_template(StackName=name)
    assert template["TemplateBody"] == network_template()
    processed = cf.get_template(StackName=name, TemplateStage="Processed")["TemplateBody"]
    document = (
        processed if isinstance(processed, dict) else json.loads(processed)
    )  # boto3 parses JSON
    assert document["Resources"]["Vpc"]["Properties"]["CidrBlock"] == {"Ref": "Cidr"}
    summary = cf.get_template_summary(StackName=name)
    assert summary["ResourceTypes"][0] == "AWS::EC2::VPC"
    assert {p["ParameterKey"] for p in summary["Parameters"]} == {
        "Cidr",
        "SubnetCidr",
        "Port",
        "Password",
    }

    listed = cf.list_stacks(StackStatusFilter=["CREATE_COMPLETE"])["StackSummaries"]
    assert name in [s["StackName"] for s in listed]

    cf.delete_stack(StackName=name)
    cf.get_waiter("stack_delete_complete").wait(
        StackName=stack_id, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    assert cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cf.describe_stacks(StackName=name)
    assert "does not exist" in message(caught.value)
    with pytest.raises(botocore.exceptions.ClientError):
        ec2.describe_vpcs(VpcIds=[outputs["VpcId"]])
    deleted = cf.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert stack_id in [s["StackId"] for s in deleted]
    assert f"{name}-vpc" not in {e["Name"] for e in cf.list_exports()["Exports"]}
    # the name is free again
    again = cf.create_stack(
        StackName=name,
        TemplateBody=network_template("10.41.0.0/16"),
        Parameters=[{"ParameterKey": "SubnetCidr", "ParameterValue": "10.41.1.0/24"}],
    )
    assert again["StackId"] != stack_id
    assert wait_stack(cf, again["StackId"])["StackStatus"] == "CREATE_COMPLETE"
    cf.delete_stack(StackName=name)
    assert wait_stack(cf, again["StackId"])["StackStatus"] == "DELETE_COMPLETE"


PEERED = """
Resources:
  Left: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.46.0.0/16}}
  Right: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.47.0.0/16}}
  Peering:
    Type: AWS::EC2::VPCPeeringConnection
    Properties: {VpcId: !Ref Left, PeerVpcId: !Ref Right}
  LeftRoutes: {Type: AWS::EC2::RouteTable, Properties: {VpcId: !Ref Left}}
  ToRight:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref LeftRoutes
      DestinationCidrBlock: 10.47.0.0/16
      VpcPeeringConnectionId: !Ref Peering
Outputs:
  Peering: {Value: !Ref Peering}
  Routes: {Value: !Ref LeftRoutes}
"""


def test_peering_in_one_account_is_accepted_and_routed(cf: Any, ec2: Any) -> None:
    name = unique("peered")
    stack_id = cf.create_stack(StackName=name, TemplateBody=PEERED)["StackId"]
    stack = wait_stack(cf, stack_id)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    found = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    peering = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[found["Peering"]])
    assert peering["VpcPeeringConnections"][0]["Status"]["Code"] == "active"
    table = ec2.describe_route_tables(RouteTableIds=[found["Routes"]])["RouteTables"][0]
    assert {
        "DestinationCidrBlock": "10.47.0.0/16",
        "VpcPeeringConnectionId": found["Peering"],
    }.items() <= next(
        r for r in table["Routes"] if r.get("DestinationCidrBlock") == "10.47.0.0/16"
    ).items()
    route = cf.describe_stack_resource(StackName=name, LogicalResourceId="ToRight")
    assert route["StackResourceDetail"]["PhysicalResourceId"] == f"{found['Routes']}|10.47.0.0/16"
    cf.delete_stack(StackName=name)
    assert wait_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    gone = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[found["Peering"]])
    assert gone["VpcPeeringConnections"][0]["Status"]["Code"] == "deleted"


def test_stack_names_tokens_and_duplicates(cf: Any) -> None:
    body = "Resources:\n  H: {Type: AWS::CloudFormation::WaitConditionHandle}\n"
    name = unique("dup")
    first = cf.create_stack(StackName=name, TemplateBody=body, ClientRequestToken="token-1")
    again = cf.create_stack(StackName=name, TemplateBody=body, ClientRequestToken="token-1")
    assert first["StackId"] == again["StackId"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cf.create_stack(StackName=name, TemplateBody=body)
    assert code(caught.value) == "AlreadyExistsException"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cf.create_stack(StackName="1-starts-with-a-digit", TemplateBody=body)
    assert "regular expression" in message(caught.value)
    wait_stack(cf, first["StackId"])
    cf.delete_stack(StackName=name)
    cf.delete_stack(StackName="never-existed")  # answered with success, as CloudFormation does


def test_parameters_are_checked_before_anything_is_created(cf: Any) -> None:
    body = """
Parameters:
  Size:
    Type: String
    AllowedValues: [small, large]
  Vpc:
    Type: AWS::EC2::VPC::Id
Resources:
  H: {Type: AWS::CloudFormation::WaitConditionHandle}
"""
    cases = [
        ([{"ParameterKey": "Size", "ParameterValue": "small"}], "Vpc] must have values"),
        (
            [
                {"ParameterKey": "Size", "ParameterValue": "huge"},
                {"ParameterKey": "Vpc", "ParameterValue": "vpc-0123456789abcdef0"},
            ],
            "'huge' is not one of: small, large",
        ),
        (
            [
                {"ParameterKey": "Size", "ParameterValue": "small"},
                {"ParameterKey": "Vpc", "ParameterValue": "vpc-0123456789abcdef0"},
            ],
            "vpc-0123456789abcdef0",
        ),
        ([{"ParameterKey": "Colour", "ParameterValue": "red"}], "do not exist in the template"),
    ]
    for parameters, words in cases:
        name = unique("params")
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            cf.create_stack(StackName=name, TemplateBody=body, Parameters=parameters)
        assert code(caught.value) == "ValidationError"
        assert words in message(caught.value)
        with pytest.raises(botocore.exceptions.ClientError):
            cf.describe_stacks(StackName=name)


def test_iam_resources_need_capabilities_and_are_created_and_deleted(
    server: RunningServer, cf: Any
) -> None:
    iam = server.client("iam", A)
    statement = "Version: '2012-10-17', Statement: [{Effect: Allow, Action: '%s', Resource: '*'}]"
    body = f"""
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - {{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: sts:AssumeRole}}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceforEC2Role]
      Policies:
        - PolicyName: read
          PolicyDocument: {{{statement % "s3:Get*"}}}
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties: {{Roles: [!Ref Role]}}
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      PolicyDocument: {{{statement % "ec2:Describe*"}}}
      Roles: [!Ref Role]
  Managed:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {{{statement % "emr:List*"}}}
      Roles: [!Ref Role]
Outputs:
  RoleArn: {{Value: !GetAtt Role.Arn}}
  Profile: {{Value: !Ref Profile}}
  Managed: {{Value: !Ref Managed}}
"""
    name = unique("iam")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cf.create_stack(StackName=name, TemplateBody=body)
    assert code(caught.value) == "InsufficientCapabilitiesException"
    assert "CAPABILITY_IAM" in message(caught.value)
    stack_id = cf.create_stack(StackName=name, TemplateBody=body, Capabilities=["CAPABILITY_IAM"])[
        "StackId"
    ]
    stack = wait_stack(cf, stack_id)
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    role_name = outputs["RoleArn"].rsplit("/", 1)[-1]
    assert role_name.startswith(f"{name}-Role-")
    assert sorted(iam.list_role_policies(RoleName=role_name)["PolicyNames"]) == ["extra", "read"]
    attached = {
        p["PolicyArn"]
        for p in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    }
    assert outputs["Managed"] in attached
    profile = iam.get_instance_profile(InstanceProfileName=outputs["Profile"])["InstanceProfile"]
    assert [r["RoleName"] for r in profile["Roles"]] == [role_name]

    cf.delete_stack(StackName=name)
    assert wait_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    for operation, argument in (
        (iam.get_role, {"RoleName": role_name}),
        (iam.get_instance_profile, {"InstanceProfileName": outputs["Profile"]}),
        (iam.get_policy, {"PolicyArn": outputs["Managed"]}),
    ):
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            operation(**argument)
        assert code(caught.value) == "NoSuchEntity"


# ---------------------------------------------------------------------------- failure


def test_cluster_that_fails_to_start_rolls_the_stack_back(
    server: RunningServer, cf: Any, tmp_path: Path
) -> None:
    emr, iam = server.client("emr", A), server.client("iam", A)
    failing = script(tmp_path, "fail.sh", "echo disk is full >&2; exit 1")
    name = unique("rollback")
    stack_id = cf.create_stack(
        StackName=name,
        TemplateBody=CLUSTER_TEMPLATE,
        Parameters=[{"ParameterKey": "BootstrapScript", "ParameterValue": failing}],
        Capabilities=["CAPABILITY_IAM"],
    )["StackId"]
    with pytest.raises(botocore.exceptions.WaiterError):
        cf.get_waiter("stack_create_complete").wait(
            StackName=stack_id, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
        )
    stack = wait_stack(cf, stack_id)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "[Cluster]" in stack["StackStatusReason"]
    assert "disk is full" in stack["StackStatusReason"]
    history = events(cf, stack_id)
    assert (name, "ROLLBACK_IN_PROGRESS") in history and history[-1] == (name, "ROLLBACK_COMPLETE")
    assert history.index(("Cluster", "CREATE_FAILED")) < history.index(
        (name, "ROLLBACK_IN_PROGRESS")
    )
    assert ("ServiceRole", "DELETE_COMPLETE") in history
    failed = next(
        e
        for e in cf.describe_stack_events(StackName=stack_id)["StackEvents"]
        if e["ResourceStatus"] == "CREATE_FAILED"
    )
    cluster_id = failed["PhysicalResourceId"]
    assert "TERMINATED_WITH_ERRORS" in failed["ResourceStatusReason"]
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Status"]["State"] == "TERMINATED_WITH_ERRORS"
    tags = {t["Key"]: t["Value"] for t in cluster["Tags"]}
    assert tags["aws:cloudformation:stack-id"] == stack_id
    assert tags["aws:cloudformation:logical-id"] == "Cluster"
    role_names = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert not [r for r in role_names if r.startswith(f"{name}-")]


MISSING_PROFILE = """
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


def test_a_cluster_naming_a_missing_instance_profile_fails_the_stack(
    server: RunningServer, cf: Any
) -> None:
    emr = server.client("emr", A)
    before = {c["Id"] for c in emr.list_clusters()["Clusters"]}
    stack_id = cf.create_stack(StackName=unique("no-profile"), TemplateBody=MISSING_PROFILE)[
        "StackId"
    ]
    stack = wait_stack(cf, stack_id)
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "[Cluster]" in stack["StackStatusReason"]
    assert "Invalid InstanceProfile: NoSuchInstanceProfile." in stack["StackStatusReason"]
    assert {c["Id"] for c in emr.list_clusters()["Clusters"]} == before


def test_on_failure_do_nothing_keeps_what_was_created(
    server: RunningServer, cf: Any, tmp_path: Path
) -> None:
    failing = script(tmp_path, "fail.sh", "exit 3")
    name = unique("keep")
    stack_id = cf.create_stack(
        StackName=name,
        TemplateBody=CLUSTER_TEMPLATE,
        Parameters=[{"ParameterKey": "BootstrapScript", "ParameterValue": failing}],
        Capabilities=["CAPABILITY_IAM"],
        OnFailure="DO_NOTHING",
    )["StackId"]
    stack = wait_stack(cf, stack_id)
    assert stack["StackStatus"] == "CREATE_FAILED"
    assert stack["DisableRollback"] is True
    role = cf.describe_stack_resource(StackName=name, LogicalResourceId="ServiceRole")
    assert role["StackResourceDetail"]["ResourceStatus"] == "CREATE_COMPLETE"
    server.client("iam", A).get_role(RoleName=role["StackResourceDetail"]["PhysicalResourceId"])
    cf.delete_stack(StackName=name)
    assert wait_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"

    deleted = cf.create_stack(
        StackName=unique("gone"),
        TemplateBody=CLUSTER_TEMPLATE,
        Parameters=[{"ParameterKey": "BootstrapScript", "ParameterValue": failing}],
        Capabilities=["CAPABILITY_IAM"],
        OnFailure="DELETE",
    )["StackId"]
    assert wait_stack(cf, deleted)["StackStatus"] == "DELETE_COMPLETE"


def test_deleting_a_stack_while_its_cluster_starts_stops_the_cluster(
    server: RunningServer, cf: Any, tmp_path: Path
) -> None:
    emr = server.client("emr", A)
    holding = script(tmp_path, "hold.sh", "exec sleep 600")
    name = unique("cancel")
    stack_id = cf.create_stack(
        StackName=name,
        TemplateBody=CLUSTER_TEMPLATE,
        Parameters=[{"ParameterKey": "BootstrapScript", "ParameterValue": holding}],
        Capabilities=["CAPABILITY_IAM"],
    )["StackId"]
    cluster_id = None
    for _ in range(300):
        resources = cf.describe_stack_resources(StackName=stack_id)["StackResources"]
        cluster = [r for r in resources if r["LogicalResourceId"] == "Cluster"]
        if cluster and cluster[0].get("PhysicalResourceId"):
            cluster_id = cluster[0]["PhysicalResourceId"]
            break
        time.sleep(0.1)
    assert cluster_id is not None
    assert (
        cf.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"] == "CREATE_IN_PROGRESS"
    )
    cf.delete_stack(StackName=stack_id)
    assert wait_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == "TERMINATED"
    history = events(cf, stack_id)
    assert ("Cluster", "CREATE_FAILED") in history
    assert history[-1] == (name, "DELETE_COMPLETE")


# ---------------------------------------------------------------------------- updates


def test_update_changes_in_place_replaces_and_cleans_up(cf: Any, ec2: Any) -> None:
    name = unique("update")
    stack_id = cf.create_stack(
        StackName=name,
        TemplateBody=network_template("10.42.0.0/16"),
        Parameters=[{"ParameterKey": "SubnetCidr", "ParameterValue": "10.42.1.0/24"}],
    )["StackId"]
    before = {o["OutputKey"]: o["OutputValue"] for o in wait_stack(cf, stack_id)["Outputs"]}
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        cf.update_stack(
            StackName=name,
            UsePreviousTemplate=True,
            Parameters=[
                {"ParameterKey": "Cidr", "UsePreviousValue": True},
                {"ParameterKey": "SubnetCidr", "UsePreviousValue": True},
            ],
        )
    assert "No updates are to be performed" in message(caught.value)

    cf.update_stack(
        StackName=name,
        UsePreviousTemplate=True,
        Parameters=[
            {"ParameterKey": "Cidr", "UsePreviousValue": True},
            {"ParameterKey": "SubnetCidr", "ParameterValue": "10.42.2.0/24"},
            {"ParameterKey": "Port", "ParameterValue": "8999"},
        ],
    )
    stack = wait_stack(cf, stack_id)
    assert stack["StackStatus"] == "UPDATE_COMPLETE", stack.get("StackStatusReason")
    after = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert after["VpcId"] == before["VpcId"]
    assert after["SubnetId"] != before["SubnetId"]  # a new CIDR needs a new subnet
    assert ec2.describe_subnets(SubnetIds=[after["SubnetId"]])["Subnets"][0]["CidrBlock"] == (
        "10.42.2.0/24"
    )
    with pytest.raises(botocore.exceptions.ClientError):
        ec2.describe_subnets(SubnetIds=[before["SubnetId"]])
    primary = ec2.describe_security_groups(GroupIds=[after["PrimaryGroup"]])["SecurityGroups"][0]
    assert [p["FromPort"] for p in primary["IpPermissions"]] == [8999]
    history = events(cf, stack_id)
    assert ("Subnet", "UPDATE_IN_PROGRESS") in history
    assert (name, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") in history
    assert history[-1] == (name, "UPDATE_COMPLETE")
    cf.delete_stack(StackName=name)
    assert wait_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"


def test_failed_update_rolls_back_to_the_previous_resources(cf: Any, ec2: Any) -> None:
    name = unique("badupdate")
    stack_id = cf.create_stack(
        StackName=name,
        TemplateBody=network_template("10.43.0.0/16"),
        Parameters=[{"ParameterKey": "SubnetCidr", "ParameterValue": "10.43.1.0/24"}],
    )["StackId"]
    before = {o["OutputKey"]: o["OutputValue"] for o in wait_stack(cf, stack_id)["Outputs"]}
    broken = network_template("10.43.0.0/16").replace(
        "Outputs:",
        "  Extra:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref Vpc\n"
        "      CidrBlock: 192.168.0.0/24\nOutputs:",
    )
    cf.update_stack(
        StackName=name,
        TemplateBody=broken,
        Parameters=[
            {"ParameterKey": "SubnetCidr", "UsePreviousValue": True},
            {"ParameterKey": "Port", "ParameterValue": "9000"},
        ],
    )
    stack = wait_stack(cf, stack_id)
    assert stack["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    assert "[Extra]" in stack["StackStatusReason"]
    primary = ec2.describe_security_groups(GroupIds=[before["PrimaryGroup"]])["SecurityGroups"][0]
    assert [p["FromPort"] for p in primary["IpPermissions"]] == [8998]  # reverted
    assert cf.get_template(StackName=name)["TemplateBody"] == network_template("10.43.0.0/16")
    logical = [
        r["LogicalResourceId"]
        for r in cf.list_stack_resources(StackName=name)["StackResourceSummaries"]
    ]
    assert "Extra" not in logical
    cf.delete_stack(StackName=name)
    assert wait_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"


def test_events_page_newest_first(cf: Any) -> None:
    handles = "".join(
        f"  H{i}: {{Type: AWS::CloudFormation::WaitConditionHandle}}\n" for i in range(40)
    )
    name = unique("many")
    stack_id = cf.create_stack(StackName=name, TemplateBody=f"Resources:\n{handles}")["StackId"]
    wait_stack(cf, stack_id)
    first = cf.describe_stack_events(StackName=name)
    assert len(first["StackEvents"]) == 100 and first["NextToken"]
    assert first["StackEvents"][0]["ResourceStatus"] == "CREATE_COMPLETE"
    assert first["StackEvents"][0]["LogicalResourceId"] == name
    assert len(events(cf, stack_id)) == 40 * 3 + 2
    with pytest.raises(botocore.exceptions.ClientError):
        cf.describe_stack_events(StackName=name, NextToken="bm90IGEgdG9rZW4")


# ---------------------------------------------------------------------------- who acts


def test_service_role_creates_what_the_caller_may_not(server: RunningServer, cf: Any) -> None:
    builder = make_role(
        server,
        A,
        unique("builder"),
        [{"Service": "cloudformation.amazonaws.com"}],
        allow(["ec2:*"]),
    )
    untrusted = make_role(server, A, unique("untrusted"), [{"Service": "ec2.amazonaws.com"}])
    session = user_session(
        server,
        A,
        unique("deployer"),
        allow(["cloudformation:*"]),
        allow("iam:PassRole", [builder, untrusted]),
    )
    deployer = session.client("cloudformation", endpoint_url=server.url)
    body = network_template("10.44.0.0/16")
    parameters = [{"ParameterKey": "SubnetCidr", "ParameterValue": "10.44.1.0/24"}]
    own = deployer.create_stack(StackName=unique("own"), TemplateBody=body, Parameters=parameters)
    stack = wait_stack(deployer, own["StackId"])
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "ec2:CreateVpc" in stack["StackStatusReason"]

    with pytest.raises(botocore.exceptions.ClientError) as caught:
        deployer.create_stack(
            StackName=unique("untrusted"),
            TemplateBody=body,
            RoleARN=untrusted,
            Parameters=parameters,
        )
    assert "cloudformation.amazonaws.com" in message(caught.value)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        deployer.create_stack(
            StackName=unique("nopass"),
            TemplateBody=body,
            RoleARN=untrusted.replace("untrusted", "other"),
            Parameters=parameters,
        )
    assert "iam:PassRole" in message(caught.value)

    name = unique("byrole")
    created = deployer.create_stack(
        StackName=name, TemplateBody=body, RoleARN=builder, Parameters=parameters
    )
    stack = wait_stack(deployer, created["StackId"])
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack.get("StackStatusReason")
    assert stack["RoleARN"] == builder
    deployer.delete_stack(StackName=name)
    assert wait_stack(deployer, created["StackId"])["StackStatus"] == "DELETE_COMPLETE"


def test_stacks_are_per_account(server: RunningServer, cf: Any) -> None:
    other = server.client("cloudformation", "222222222222")
    name = unique("mine")
    stack_id = cf.create_stack(
        StackName=name,
        TemplateBody="Resources:\n  H: {Type: AWS::CloudFormation::WaitConditionHandle}\n",
    )["StackId"]
    wait_stack(cf, stack_id)
    assert name not in [s["StackName"] for s in other.list_stacks()["StackSummaries"]]
    with pytest.raises(botocore.exceptions.ClientError):
        other.describe_stacks(StackName=name)


# ---------------------------------------------------------------------------- AWS CLI


def cli(server: RunningServer, account: str, *args: str, process: bool = False) -> Any:
    """``aws <args>`` as ``account``'s root: in this process, or as an ``aws`` process."""
    key = server.account(account)
    command = ["--endpoint-url", server.url, "--output", "json", *args]
    if not process:
        return aws_cli_support.run(
            command, access_key_id=key.access_key_id, secret_access_key=key.secret_access_key
        ).json()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": key.access_key_id,
        "AWS_SECRET_ACCESS_KEY": key.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_PAGER": "",
    }
    env.pop("AWS_PROFILE", None)
    done = subprocess.run(
        [str(CLI), *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(done.stderr)
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_the_aws_cli_runs_a_stack(server: RunningServer, cf: Any, tmp_path: Path) -> None:
    template = tmp_path / "network.yaml"
    template.write_text(network_template("10.45.0.0/16"))
    found = cli(
        server,
        A,
        "cloudformation",
        "validate-template",
        "--template-body",
        f"file://{template}",
        process=True,  # one real ``aws`` process; the other commands run in-process
    )
    assert {p["ParameterKey"] for p in found["Parameters"]} >= {"Cidr", "Port"}
    name = unique("cli")
    created = cli(
        server,
        A,
        "cloudformation",
        "create-stack",
        "--stack-name",
        name,
        "--template-body",
        f"file://{template}",
        "--parameters",
        "ParameterKey=SubnetCidr,ParameterValue=10.45.1.0/24",
        "--tags",
        "Key=via,Value=cli",
    )
    # The CLI's waiter sleeps 30 s after a first look at a stack still in progress: let the
    # stack finish first, then check that the waiter accepts the state it ended in.
    wait_stack(cf, created["StackId"])
    cli(server, A, "cloudformation", "wait", "stack-create-complete", "--stack-name", name)
    described = cli(server, A, "cloudformation", "describe-stacks", "--stack-name", name)
    assert described["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    assert described["Stacks"][0]["Tags"] == [{"Key": "via", "Value": "cli"}]
    cli(server, A, "cloudformation", "delete-stack", "--stack-name", name)
    wait_stack(cf, created["StackId"])
    cli(
        server,
        A,
        "cloudformation",
        "wait",
        "stack-delete-complete",
        "--stack-name",
        created["StackId"],
    )
    assert wait_stack(cf, created["StackId"])["StackStatus"] == "DELETE_COMPLETE"


# ---------------------------------------------------------------------------- restarts


def test_a_restarted_server_carries_on_with_stacks_in_progress(tmp_path: Path) -> None:
    data = tmp_path / "data"
    holding = script(tmp_path, "hold.sh", "exec sleep 600")
    first, uv, thread = start_server(data)
    try:
        cf = first.client("cloudformation", A)
        stack_id = cf.create_stack(
            StackName="survivor",
            TemplateBody=CLUSTER_TEMPLATE,
            Parameters=[{"ParameterKey": "BootstrapScript", "ParameterValue": holding}],
            Capabilities=["CAPABILITY_IAM"],
        )["StackId"]
        for _ in range(300):
            found = cf.describe_stack_resources(StackName=stack_id)["StackResources"]
            if any(
                r["LogicalResourceId"] == "Cluster" and r.get("PhysicalResourceId") for r in found
            ):
                break
            time.sleep(0.1)
        keys = dict(first.keys)
    finally:
        uv.should_exit = True
        thread.join(15)
    second, uv, thread = start_server(data)
    second.keys.update(keys)
    try:
        cf = second.client("cloudformation", A)
        stack = cf.describe_stacks(StackName=stack_id)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_IN_PROGRESS"
        cluster_id = cf.describe_stack_resource(StackName=stack_id, LogicalResourceId="Cluster")[
            "StackResourceDetail"
        ]["PhysicalResourceId"]
        cf.delete_stack(StackName=stack_id)  # honoured by the runner the new server started
        assert wait_stack(cf, stack_id)["StackStatus"] == "DELETE_COMPLETE"
        state = second.client("emr", A).describe_cluster(ClusterId=cluster_id)["Cluster"]
        assert state["Status"]["State"] == "TERMINATED"
    finally:
        uv.should_exit = True
        thread.join(15)


# ---------------------------------------------------------------------------- robustness


@pytest.fixture(scope="module")
def unchecked(server: RunningServer) -> Any:
    """A client that sends whatever it is given (no client-side validation, no retries)."""
    config = Config(parameter_validation=False, retries={"max_attempts": 0})
    return server.client("cloudformation", "100000000011", config=config)


@pytest.mark.parametrize("operation", implemented("cloudformation"))
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_operation_answers_any_input_without_a_server_error(
    unchecked: Any, operation: str, data: st.DataObject
) -> None:
    caller = unchecked
    shape = caller.meta.service_model.operation_model(operation).input_shape
    params = data.draw(for_shape(shape)) if shape is not None else {}
    try:
        caller._make_api_call(operation, params)
    except botocore.exceptions.ClientError as error:
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] < 500, error.response["Error"]
        assert error.response["Error"]["Message"]

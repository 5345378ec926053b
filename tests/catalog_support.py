"""Helpers of the CloudFormation and Service Catalog tests: identities, waiting, templates."""

from __future__ import annotations

import inspect
import json
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import botocore
import botocore.session

import boto_support
from clusterport.services.registry import PROVIDER_CLASSES
from conftest import RunningServer

STACK_BUSY = (
    "CREATE_IN_PROGRESS",
    "ROLLBACK_IN_PROGRESS",
    "DELETE_IN_PROGRESS",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
)
RECORD_BUSY = ("CREATED", "IN_PROGRESS", "IN_PROGRESS_IN_ERROR")


def policy(*statements: dict[str, Any]) -> str:
    """A policy document (JSON text) with these statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions: str | list[str], resources: str | list[str] = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def trust(*principals: dict[str, Any]) -> str:
    """A trust policy letting each principal (``{"Service": …}``, ``{"AWS": …}``) assume it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": p, "Action": "sts:AssumeRole"} for p in principals
            ],
        }
    )


def unique(prefix: str) -> str:
    """A name no other test of the module uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_role(
    server: RunningServer, account: str, name: str, trusted: list[dict[str, Any]], *grants: Any
) -> str:
    """A role of ``account`` trusting ``trusted``, with an inline policy of ``grants``."""
    iam = server.client("iam", account)
    arn = str(
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(*trusted))["Role"]["Arn"]
    )
    if grants:
        iam.put_role_policy(RoleName=name, PolicyName="grants", PolicyDocument=policy(*grants))
    return arn


def role_session(server: RunningServer, account: str, role_arn: str) -> boto3.Session:
    """A boto3 session of ``role_arn``, assumed by ``account``'s root."""
    sts = server.client("sts", account)
    credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName=unique("test"))["Credentials"]
    return boto_support.session(
        credentials["AccessKeyId"], credentials["SecretAccessKey"], credentials["SessionToken"]
    )


def user_session(server: RunningServer, account: str, name: str, *grants: Any) -> boto3.Session:
    """A boto3 session of a new IAM user of ``account`` with an inline policy of ``grants``."""
    iam = server.client("iam", account)
    iam.create_user(UserName=name)
    if grants:
        iam.put_user_policy(UserName=name, PolicyName="grants", PolicyDocument=policy(*grants))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return boto_support.session(key["AccessKeyId"], key["SecretAccessKey"])


def wait_stack(cf: Any, stack_id: str, timeout: float = 120) -> dict[str, Any]:
    """DescribeStacks' stack once it is no longer in progress."""
    deadline = time.monotonic() + timeout
    while True:
        stack: dict[str, Any] = cf.describe_stacks(StackName=stack_id)["Stacks"][0]
        if stack["StackStatus"] not in STACK_BUSY:
            return stack
        if time.monotonic() > deadline:
            raise AssertionError(f"stack {stack_id} still {stack['StackStatus']} after {timeout} s")
        time.sleep(0.2)


def wait_record(sc: Any, record_id: str, timeout: float = 120) -> dict[str, Any]:
    """DescribeRecord's answer once the record is no longer in progress."""
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, Any] = sc.describe_record(Id=record_id)
        if found["RecordDetail"]["Status"] not in RECORD_BUSY:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(
                f"record {record_id} still {found['RecordDetail']} after {timeout} s"
            )
        time.sleep(0.2)


def events(cf: Any, stack_id: str) -> list[tuple[str, str]]:
    """``(logical id, status)`` of every event of a stack, oldest first."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = cf.describe_stack_events(
            StackName=stack_id, **({"NextToken": token} if token else {})
        )
        found.extend(page["StackEvents"])
        token = page.get("NextToken")
        if not token:
            break
    return [(e["LogicalResourceId"], e["ResourceStatus"]) for e in reversed(found)]


def script(folder: Path, name: str, body: str) -> str:
    """An executable shell script under ``folder``; returns its ``file://`` URL."""
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return f"file://{path}"


#: A cluster whose bootstrap action decides its fate (no Spark process starts before it ends).
CLUSTER_TEMPLATE = """
AWSTemplateFormatVersion: '2010-09-09'
Description: An EMR cluster with one bootstrap action
Parameters:
  BootstrapScript:
    Type: String
  CoreCount:
    Type: Number
    Default: 1
    MinValue: 1
    MaxValue: 2
Resources:
  ServiceRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: elasticmapreduce.amazonaws.com}
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AmazonElasticMapReduceRole
  Cluster:
    Type: AWS::EMR::Cluster
    Properties:
      Name: !Sub "${AWS::StackName}-cluster"
      ReleaseLabel: emr-7.5.0
      Applications: [{Name: Spark}]
      ServiceRole: !Ref ServiceRole
      BootstrapActions:
        - Name: prepare
          ScriptBootstrapAction: {Path: !Ref BootstrapScript}
      Instances:
        MasterInstanceGroup: {InstanceCount: 1, InstanceType: m5.xlarge, Name: Primary}
        CoreInstanceGroup: {InstanceCount: !Ref CoreCount, InstanceType: m5.xlarge, Name: Core}
Outputs:
  ClusterId:
    Value: !Ref Cluster
"""


def network_template(cidr_parameter_default: str = "10.40.0.0/16") -> str:
    """A VPC with a subnet, route table, route, security groups and rules."""
    return f"""
AWSTemplateFormatVersion: '2010-09-09'
Description: A small network
Parameters:
  Cidr:
    Type: String
    Default: {cidr_parameter_default}
  SubnetCidr:
    Type: String
    Default: 10.40.1.0/24
  Port:
    Type: Number
    Default: 8998
  Password:
    Type: String
    NoEcho: true
    Default: not-shown
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
      EnableDnsHostnames: true
      Tags: [{{Key: team, Value: data}}]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Ref SubnetCidr
  Routes:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Vpc
  Association:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref Subnet
      RouteTableId: !Ref Routes
  Primary:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: primary node
      VpcId: !Ref Vpc
      SecurityGroupEgress:
        - {{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}}
  Clients:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: clients
      VpcId: !Ref Vpc
      Tags: [{{Key: api-key, Value: !Ref Password}}]
  Livy:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Primary
      IpProtocol: tcp
      FromPort: !Ref Port
      ToPort: !Ref Port
      SourceSecurityGroupId: !Ref Clients
  ToPrimary:
    Type: AWS::EC2::SecurityGroupEgress
    Properties:
      GroupId: !GetAtt Clients.GroupId
      IpProtocol: tcp
      FromPort: !Ref Port
      ToPort: !Ref Port
      DestinationSecurityGroupId: !Ref Primary
Outputs:
  VpcId:
    Value: !Ref Vpc
    Export: {{Name: !Sub "${{AWS::StackName}}-vpc"}}
  SubnetId:
    Value: !Ref Subnet
  PrimaryGroup:
    Value: !GetAtt Primary.GroupId
  DefaultGroup:
    Value: !GetAtt Vpc.DefaultSecurityGroup
"""


def implemented(service: str) -> list[str]:
    """Operations of ``service`` that its provider serves."""
    provider = next(cls for cls in PROVIDER_CLASSES if cls.service == service)
    model = boto_support.service_model(service)
    return [
        name
        for name in model.operation_names
        if inspect.iscoroutinefunction(getattr(provider, botocore.xform_name(name), None))
    ]

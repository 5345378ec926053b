"""AWS's own answers where clients look: shapes, codes and messages real tools depend on.

Each test states one behaviour of AWS and names the source that records it:
a moto test marked ``aws_verified`` (run against real AWS by moto's
maintainers), AWS's API documentation (as carried in botocore's service
models), or another public record. Each account is used by one test only.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

import boto_support
from conftest import RunningServer

NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})
TRUST_EC2 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
READ_S3 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def refused(call: Callable[[], object]) -> dict[str, Any]:
    """The parsed error response of a call that must fail."""
    with pytest.raises(ClientError) as info:
        call()
    return dict(info.value.response)


# ---- EMR ---------------------------------------------------------------------------------------
def test_emr_unknown_cluster_carries_error_code_no_such_cluster(server: RunningServer) -> None:
    """DescribeCluster of an unknown id: InvalidRequestException with ``ErrorCode: NoSuchCluster``.

    Sources: botocore's EMR smoke test (``Cluster id 'fake_cluster' is not valid.``)
    and moto's tests/test_emr/test_emr_boto3.py::test_describe_cluster_not_found
    (``resp["ErrorCode"] == "NoSuchCluster"``); ``ErrorCode`` is a member of
    EMR's InvalidRequestException shape.
    """
    emr = server.client("emr", "150000000001")
    for call in (
        lambda: emr.describe_cluster(ClusterId="j-NOSUCHCLUSTER"),
        lambda: emr.list_steps(ClusterId="j-NOSUCHCLUSTER"),
        lambda: emr.terminate_job_flows(JobFlowIds=["j-NOSUCHCLUSTER"]),
    ):
        response = refused(call)
        assert response["Error"]["Code"] == "InvalidRequestException"
        assert response["Error"]["Message"].startswith("Cluster id 'j-NOSUCHCLUSTER' is not valid.")
        assert response["ErrorCode"] == "NoSuchCluster"


# ---- EC2 ---------------------------------------------------------------------------------------
def test_security_group_rules_with_malformed_group_id_filter(server: RunningServer) -> None:
    """A ``group-id`` filter value that is no group id: ``InvalidGroupId.Malformed``.

    Source: moto's tests/test_ec2/test_security_groups.py::
    test_invalid_security_group_id_in_rules_search (aws_verified): "The security
    group ID 'foobar' is malformed"; a well-formed id of no group matches nothing.
    """
    ec2 = server.client("ec2", "150000000002")
    response = refused(
        lambda: ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": ["foobar"]}]
        )
    )
    assert response["Error"]["Code"] == "InvalidGroupId.Malformed"
    assert response["Error"]["Message"].startswith("The security group ID 'foobar' is malformed")
    none = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": ["sg-005216b55886f0fdc"]}]
    )
    assert none["SecurityGroupRules"] == []


# ---- requests botocore sends unsigned, and S3 ---------------------------------------------------
def test_unsigned_sts_calls_get_an_sts_xml_error(server: RunningServer) -> None:
    """AssumeRoleWithWebIdentity/SAML travel unsigned; the answer is STS's XML error format.

    botocore models both operations with ``authtype: none`` and sends them without
    a signature; a JSON answer would make the client fail to parse it. The
    platform does not serve them, and says so in STS's own format.
    """
    sts = server.client("sts", "150000000003", config=NO_RETRIES)
    web = refused(
        lambda: sts.assume_role_with_web_identity(
            RoleArn="arn:aws:iam::150000000003:role/web",
            RoleSessionName="web-session",
            WebIdentityToken="x" * 20,
        )
    )
    assert web["Error"]["Code"] == "InvalidAction"
    assert web["Error"]["Message"].startswith(
        "Could not find operation AssumeRoleWithWebIdentity for version 2011-06-15"
    )
    assert "does not serve AssumeRoleWithWebIdentity" in web["Error"]["Message"]
    saml = refused(
        lambda: sts.assume_role_with_saml(
            RoleArn="arn:aws:iam::150000000003:role/saml",
            PrincipalArn="arn:aws:iam::150000000003:saml-provider/idp",
            SAMLAssertion="x" * 20,
        )
    )
    assert saml["Error"]["Code"] == "InvalidAction"
    assert saml["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_s3_requests_get_an_s3_error_saying_s3_is_not_served(server: RunningServer) -> None:
    """An S3 request gets an S3-style XML error (code ``NotImplemented``), not a JSON body."""
    s3 = server.session("150000000004").client("s3", endpoint_url=server.url, config=NO_RETRIES)
    listed = refused(s3.list_buckets)
    assert listed["Error"]["Code"] == "NotImplemented"
    assert "S3 is not served by clusterport" in listed["Error"]["Message"]
    put = refused(lambda: s3.put_object(Bucket="data", Key="k", Body=b"x"))
    assert put["Error"]["Code"] == "NotImplemented"
    anonymous = httpx.get(server.url + "/data/key.txt")
    assert anonymous.status_code == 501
    assert "<Code>NotImplemented</Code>" in anonymous.text


# ---- IAM tags ----------------------------------------------------------------------------------
def _tag_paths(iam: Any) -> list[Callable[[list[dict[str, str]]], object]]:
    iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=TRUST_EC2)
    iam.create_user(UserName="tagged")
    iam.create_instance_profile(InstanceProfileName="tagged")
    arn = iam.create_policy(PolicyName="tagged", PolicyDocument=READ_S3)["Policy"]["Arn"]
    return [
        lambda tags: iam.create_policy(PolicyName="p2", PolicyDocument=READ_S3, Tags=tags),
        lambda tags: iam.tag_policy(PolicyArn=arn, Tags=tags),
        lambda tags: iam.create_role(RoleName="r2", AssumeRolePolicyDocument=TRUST_EC2, Tags=tags),
        lambda tags: iam.tag_role(RoleName="tagged", Tags=tags),
        lambda tags: iam.create_user(UserName="u2", Tags=tags),
        lambda tags: iam.tag_user(UserName="tagged", Tags=tags),
        lambda tags: iam.create_instance_profile(InstanceProfileName="ip2", Tags=tags),
        lambda tags: iam.tag_instance_profile(InstanceProfileName="tagged", Tags=tags),
    ]


def test_iam_tag_characters_and_lengths_are_checked_on_every_path(server: RunningServer) -> None:
    """IAM tag keys/values: ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]``, keys 1-128, values up to 256.

    Sources: IAM's API reference (the ``tagKeyType``/``tagValueType`` patterns
    and lengths in botocore's model) and moto's tests/test_iam/test_iam.py::
    test_create_policy_with_tag_containing_invalid_character and
    test_untag_role (the message and its ``tagKeys`` location).
    """
    iam = server.client("iam", "150000000005")
    for path in _tag_paths(iam):
        bad_key = refused(lambda path=path: path([{"Key": "NOWAY!", "Value": ""}]))  # type: ignore[misc]
        assert bad_key["Error"]["Code"] == "ValidationError"
        assert bad_key["Error"]["Message"].startswith(
            "1 validation error detected: Value 'NOWAY!' at 'tags.1.member.key' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
        )
        bad_value = refused(lambda path=path: path([{"Key": "k", "Value": "a;b"}]))  # type: ignore[misc]
        assert "at 'tags.1.member.value'" in bad_value["Error"]["Message"]
        long_key = refused(lambda path=path: path([{"Key": "0" * 129, "Value": ""}]))  # type: ignore[misc]
        assert "Member must have length less than or equal to 128" in (long_key["Error"]["Message"])
        long_value = refused(lambda path=path: path([{"Key": "k", "Value": "0" * 257}]))  # type: ignore[misc]
        assert (
            "Member must have length less than or equal to 256" in (long_value["Error"]["Message"])
        )
    fine = [{"Key": "Team name_1.2:/=+-@", "Value": "Données ünd 数据"}]
    iam.tag_role(RoleName="tagged", Tags=fine)
    assert iam.list_role_tags(RoleName="tagged")["Tags"] == fine
    untag = refused(lambda: iam.untag_role(RoleName="tagged", TagKeys=["NOWAY!"]))
    assert "at 'tagKeys.1.member'" in untag["Error"]["Message"]


# ---- IAM response shapes -----------------------------------------------------------------------
def test_iam_policy_and_role_shapes_as_aws_returns_them(server: RunningServer) -> None:
    """CreatePolicy has no Description; GetPolicy lists ``Tags: []``; ``Description=""`` is kept.

    Sources: IAM's API reference, Policy data type ("Description … is included in
    the response to the GetPolicy operation. It is not included in the response to
    the ListPolicies operation."); moto's tests/test_iam/test_iam.py::test_list_roles
    (an empty description comes back empty); UpdateRole without a Description
    leaves it unchanged (merge semantics, live-verified in go-to-k/cdkd#1239).
    """
    iam = server.client("iam", "150000000006")
    created = iam.create_policy(
        PolicyName="described", PolicyDocument=READ_S3, Description="reads objects"
    )["Policy"]
    assert "Description" not in created
    got = iam.get_policy(PolicyArn=created["Arn"])["Policy"]
    assert got["Description"] == "reads objects"
    assert got["Tags"] == []
    listed = iam.list_policies(Scope="Local")["Policies"]
    assert [p["PolicyName"] for p in listed] == ["described"]
    assert "Description" not in listed[0]

    empty = iam.create_role(RoleName="empty", AssumeRolePolicyDocument=TRUST_EC2, Description="")[
        "Role"
    ]
    assert empty["Description"] == ""
    assert iam.get_role(RoleName="empty")["Role"]["Description"] == ""
    assert (
        next(r for r in iam.list_roles()["Roles"] if r["RoleName"] == "empty")["Description"] == ""
    )
    plain = iam.create_role(RoleName="plain", AssumeRolePolicyDocument=TRUST_EC2)["Role"]
    assert "Description" not in plain

    iam.create_role(
        RoleName="kept",
        AssumeRolePolicyDocument=TRUST_EC2,
        Description="stays",
        MaxSessionDuration=7200,
    )
    iam.update_role(RoleName="kept")
    role = iam.get_role(RoleName="kept")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("stays", 7200)
    iam.update_role(RoleName="kept", Description="")
    assert iam.get_role(RoleName="kept")["Role"]["Description"] == ""


# ---- regions, partitions and zones -------------------------------------------------------------
def test_regions_of_other_partitions_are_refused_at_the_endpoint(server: RunningServer) -> None:
    """The platform serves the ``aws`` partition: ``cn-…``/``us-gov-…`` regions are refused.

    Rather than answer with ``arn:aws:`` ARNs where ``arn:aws-cn:`` or
    ``arn:aws-us-gov:`` would be right, the endpoint refuses such credentials
    with AWS's own words for a credential scoped to a region it does not serve:
    "Credential should be scoped to a valid region, not 'us-gov-east-1'. " as
    quoted in anomalyco/sst#1384 and aws/aws-sdk-go#156 (SignatureDoesNotMatch
    in the query protocols, InvalidSignatureException in JSON ones).
    """
    key = server.account("150000000007")
    for region, partition in (("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")):
        session = boto_support.session(
            key.access_key_id,
            key.secret_access_key,
            None,
            region,
        )
        iam = session.client("iam", endpoint_url=server.url, config=NO_RETRIES)
        response = refused(iam.list_roles)
        assert response["Error"]["Code"] == "SignatureDoesNotMatch"
        message = response["Error"]["Message"]
        assert message.startswith(f"Credential should be scoped to a valid region, not '{region}'.")
        assert f"the {partition} partition" in message
        emr = session.client("emr", endpoint_url=server.url, config=NO_RETRIES)
        assert refused(emr.list_clusters)["Error"]["Code"] == "InvalidSignatureException"
        ec2 = session.client("ec2", endpoint_url=server.url, config=NO_RETRIES)
        assert refused(ec2.describe_vpcs)["Error"]["Code"] == "AuthFailure"
    unknown = boto_support.session(
        key.access_key_id,
        key.secret_access_key,
        None,
        "xx-nowhere-1",
    ).client("sts", endpoint_url=server.url, config=NO_RETRIES)
    assert (
        "not a region of the aws partition"
        in (refused(unknown.get_caller_identity)["Error"]["Message"])
    )


def test_zones_per_region_as_aws_has_them(server: RunningServer) -> None:
    """us-east-1 has six zones (use1-az1 … use1-az6), us-west-1 two, eu-west-1 three.

    Source: AWS's Regions and Zones documentation (the zone count per region) and
    moto's zone table (moto/ec2/models/availability_zones_and_regions.py). The
    default VPC has one default subnet per zone, as on AWS.
    """
    expected = {"us-east-1": 6, "us-west-1": 2, "us-west-2": 4, "eu-west-1": 3}
    for region, count in expected.items():
        ec2 = server.session("150000000008", region).client(
            "ec2", endpoint_url=server.url, config=NO_RETRIES
        )
        zones = ec2.describe_availability_zones()["AvailabilityZones"]
        assert len(zones) == count
        assert {z["RegionName"] for z in zones} == {region}
        defaults = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])
        assert sorted(s["AvailabilityZone"] for s in defaults["Subnets"]) == [
            z["ZoneName"] for z in zones
        ]
    ec2 = server.client("ec2", "150000000008")
    ids = [z["ZoneId"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert ids == [f"use1-az{n}" for n in range(1, 7)]


# ---- IAM policy documents ----------------------------------------------------------------------
def _statement(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", **extra}


def test_managed_policies_must_be_version_2012(server: RunningServer) -> None:
    """A managed policy without ``Version`` or of ``2008-10-17`` is refused.

    Sources: moto's tests/test_iam/test_iam_policies.py (cases "Policy document
    must be version 2012-10-17 or greater.", checked after syntax and before the
    legacy parse) and IAM's console/API answer for a custom policy without a
    Version (Meteor-Community-Packages/Meteor-CollectionFS#630). Inline and trust
    policies keep accepting 2008-10-17: ``aws emr create-default-roles`` makes
    roles whose trust policy is of that version (ansible/ansible#52942 shows one).
    """
    iam = server.client("iam", "150000000009")
    old = {"Version": "2008-10-17", "Statement": [_statement()]}
    for document in (
        old,
        {"Statement": [_statement()]},
        {"Statement": [_statement(Effect="denY")]},
    ):
        response = refused(
            lambda document=document: iam.create_policy(  # type: ignore[misc]
                PolicyName="old", PolicyDocument=json.dumps(document)
            )
        )
        assert response["Error"]["Code"] == "MalformedPolicyDocument"
        assert response["Error"]["Message"].startswith(
            "Policy document must be version 2012-10-17 or greater."
        )
    syntax = refused(lambda: iam.create_policy(PolicyName="bad", PolicyDocument="not json"))
    assert syntax["Error"]["Message"].startswith("Syntax errors in policy.")
    arn = iam.create_policy(PolicyName="new", PolicyDocument=READ_S3)["Policy"]["Arn"]
    version = refused(
        lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(old))
    )
    assert version["Error"]["Message"].startswith("Policy document must be version 2012-10-17")
    iam.create_role(
        RoleName="legacy",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2008-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "elasticmapreduce.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )
    iam.put_role_policy(RoleName="legacy", PolicyName="inline", PolicyDocument=json.dumps(old))


def test_iam_and_s3_resource_arns_are_checked_as_iam_does(server: RunningServer) -> None:
    """IAM ARNs name a resource type and no region; S3 ARNs carry no region.

    Source: moto's tests/test_iam/test_iam_policies.py cases for
    ``arn:aws:iam:::example_bucket`` ('IAM resource path must either be "*" or
    start with user/, …'), ``arn:aws:iam:us-east-1::example_bucket`` ("IAM resource
    … cannot contain region information.") and ``arn:aws:s3:us-east-1::…``
    ("Resource … can not contain region information."); and for a bad partition,
    IAM names the resource as it read it (``a:b:cadfsdf`` → 'Partition "b" is not
    valid for resource "arn:b:cadfsdf:*:*:*".').
    """
    iam = server.client("iam", "150000000010")
    cases = {
        "arn:aws:iam:::example_bucket": 'IAM resource path must either be "*" or start with '
        "user/, federated-user/, role/, group/, instance-profile/, mfa/, server-certificate/, "
        "policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.",
        "arn:aws:iam:us-east-1::example_bucket": "IAM resource "
        "arn:aws:iam:us-east-1::example_bucket cannot contain region information.",
        "arn:aws:s3:us-east-1::example_bucket": "Resource "
        "arn:aws:s3:us-east-1::example_bucket can not contain region information.",
        "a:b:cadfsdf": 'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
        "a:b:c:d:e:f:g:h": 'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".',
        "example_bucket": 'Resource example_bucket must be in ARN format or "*".',
    }
    for resource, message in cases.items():
        document = {"Version": "2012-10-17", "Statement": [_statement(Resource=resource)]}
        response = refused(
            lambda document=document: iam.create_policy(  # type: ignore[misc]
                PolicyName="arns", PolicyDocument=json.dumps(document)
            )
        )
        assert response["Error"]["Code"] == "MalformedPolicyDocument"
        assert response["Error"]["Message"].startswith(message)
    fine = [
        "arn:aws:iam::150000000010:role/*",
        "arn:aws:iam::*:user/${aws:username}",
        "arn:aws:s3:::bucket/key",
        "arn:aws:s3:us-east-1:150000000010:accesspoint/ap",
    ]
    document = {"Version": "2012-10-17", "Statement": [_statement(Resource=fine)]}
    iam.create_policy(PolicyName="fine", PolicyDocument=json.dumps(document))


def test_policy_sid_null_and_dates_follow_iam_documentation(server: RunningServer) -> None:
    """Sid, ``null`` in lists and dates are judged by IAM's documentation.

    Source: IAM User Guide. "Sid": "The Sid element supports ASCII uppercase
    letters (A-Z), lowercase letters (a-z), and numbers (0-9)" (so an underscore
    is refused, although moto's list of valid documents has one). Policy
    grammar: a Resource is "*" or a list of resource strings (so ``null`` in the
    list is a syntax error). Date condition operators: "one of the W3C
    implementations of the ISO 8601 date formats" or epoch time (so
    ``2024-01`` and ``2024-01-31T12:00Z`` are dates and ``01T`` is not).
    """
    iam = server.client("iam", "150000000011")

    def create(name: str, statement: dict[str, Any]) -> Any:
        document = {"Version": "2012-10-17", "Statement": [statement]}
        return iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))

    sid = refused(lambda: create("sid", _statement(Sid="Read_Buckets")))
    assert sid["Error"]["Message"].startswith("Statement IDs (SID) must be alpha-numeric.")
    create("sidok", _statement(Sid="ReadBuckets2"))
    null = refused(lambda: create("null", _statement(Resource=["arn:aws:s3:::b", None])))
    assert null["Error"]["Message"].startswith("Syntax errors in policy.")
    for value in ("2024-01", "2024-01-31", "2024-01-31T12:00Z", "2024-01-31T12:00:05.25+01:00"):
        create(
            f"date{len(value)}",
            _statement(Condition={"DateGreaterThan": {"aws:CurrentTime": value}}),
        )
    date = refused(
        lambda: create(
            "date", _statement(Condition={"DateGreaterThan": {"aws:CurrentTime": "01T"}})
        )
    )
    assert date["Error"]["Message"].startswith("The policy failed legacy parsing")


def test_trust_policies_refuse_unknown_sts_actions(server: RunningServer) -> None:
    """``sts:BadAssumeRole`` in a trust policy: MalformedPolicyDocument, IAM's wording.

    Source: moto's tests/test_iam/test_iam.py::
    test_update_assume_role_invalid_policy_bad_action ("Trust Policy statement
    actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and
    sts:AssumeRoleWithWebIdentity", with IAM's double space), the STS actions
    of the Service Authorization Reference being the ones accepted.
    """
    iam = server.client("iam", "150000000012")

    def trust(action: Any) -> str:
        statement = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}}
        return json.dumps({"Version": "2012-10-17", "Statement": [{**statement, "Action": action}]})

    iam.create_role(RoleName="trusted", AssumeRolePolicyDocument=trust("sts:AssumeRole"))
    for action in (["sts:BadAssumeRole"], "sts:AssumeRolePlease", "s3:GetObject"):
        response = refused(
            lambda action=action: iam.update_assume_role_policy(  # type: ignore[misc]
                RoleName="trusted", PolicyDocument=trust(action)
            )
        )
        assert response["Error"]["Code"] == "MalformedPolicyDocument"
        assert response["Error"]["Message"].startswith(
            "Trust Policy statement actions can only be sts:AssumeRole, "
            "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"
        )
    iam.update_assume_role_policy(
        RoleName="trusted", PolicyDocument=trust(["sts:AssumeRole", "sts:TagSession"])
    )
    iam.update_assume_role_policy(RoleName="trusted", PolicyDocument=trust("sts:AssumeRole*"))


# ---- CloudFormation ----------------------------------------------------------------------------
CONDITIONAL_OUTPUT = """
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Make:
    Type: String
    Default: "no"
Conditions:
  Wanted: !Equals [!Ref Make, "yes"]
Resources:
  Network:
    Type: AWS::EC2::VPC
    Condition: Wanted
    Properties:
      CidrBlock: 10.60.0.0/16
Outputs:
  NetworkId:
    Value: !Ref Network
"""


def test_output_of_a_resource_whose_condition_is_false_fails_create_stack(
    server: RunningServer,
) -> None:
    """CreateStack fails up front: "Unresolved resource dependencies [X] in the Outputs block".

    Source: moto's tests/test_cloudformation/test_conditions.py::
    test_permanent_output_conditional_value (aws_verified): CreateStack answers
    ``ValidationError`` "Unresolved resource dependencies [role] in the Outputs block
    of the template" (no "Template format error:" prefix) and makes no stack.
    """
    cfn = server.client("cloudformation", "150000000013")
    response = refused(
        lambda: cfn.create_stack(StackName="conditional", TemplateBody=CONDITIONAL_OUTPUT)
    )
    assert response["Error"]["Code"] == "ValidationError"
    assert response["Error"]["Message"].startswith(
        "Unresolved resource dependencies [Network] in the Outputs block of the template"
    )
    assert cfn.list_stacks()["StackSummaries"] == []
    made = cfn.create_stack(
        StackName="conditional",
        TemplateBody=CONDITIONAL_OUTPUT,
        Parameters=[{"ParameterKey": "Make", "ParameterValue": "yes"}],
    )
    cfn.get_waiter("stack_create_complete").wait(
        StackName=made["StackId"], WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    update = refused(
        lambda: cfn.update_stack(
            StackName="conditional",
            TemplateBody=CONDITIONAL_OUTPUT,
            Parameters=[{"ParameterKey": "Make", "ParameterValue": "no"}],
        )
    )
    assert (
        "Unresolved resource dependencies [Network] in the Outputs block"
        in (update["Error"]["Message"])
    )


# ---- EC2 subnets, filters and VPCs -------------------------------------------------------------
def test_subnets_carry_the_members_aws_returns_for_a_new_subnet(server: RunningServer) -> None:
    """A new subnet has ``PrivateDnsNameOptionsOnLaunch`` (ip-name, no DNS records) and friends.

    Source: moto's tests/test_ec2/test_subnets.py::test_private_dns_name_options
    (aws_verified) and test_create_subnet_response_fields (``Ipv6Native`` False,
    ``Ipv6CidrBlockAssociationSet`` []); the members are those of EC2's Subnet shape.
    """
    ec2 = server.client("ec2", "150000000014")
    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    created = ec2.create_subnet(VpcId=vpc, CidrBlock="10.70.1.0/24")["Subnet"]
    described = ec2.describe_subnets(SubnetIds=[created["SubnetId"]])["Subnets"][0]
    for subnet in (created, described):
        assert subnet["PrivateDnsNameOptionsOnLaunch"] == {
            "HostnameType": "ip-name",
            "EnableResourceNameDnsARecord": False,
            "EnableResourceNameDnsAAAARecord": False,
        }
        assert subnet["Ipv6Native"] is False
        assert subnet["EnableDns64"] is False
        assert subnet["MapCustomerOwnedIpOnLaunch"] is False
        assert subnet["AssignIpv6AddressOnCreation"] is False
        assert subnet["Ipv6CidrBlockAssociationSet"] == []
        assert subnet["BlockPublicAccessStates"] == {"InternetGatewayBlockMode": "off"}


def _documented_filters(operation: str) -> set[str]:
    """The filter names (and "You can also use" aliases) EC2's documentation gives."""
    model = boto_support.service_model("ec2")
    shape = model.operation_model(operation).input_shape
    text = re.sub(
        r"<[^>]+>", "", (shape.members.get("Filters") or shape.members["Filter"]).documentation
    )
    names = set(re.findall(r"(?:^|\s)([a-z][a-zA-Z0-9.\-]*[a-zA-Z0-9])\s+-\s", html.unescape(text)))
    for aliases in re.findall(r"You can also use ([^.]*?) as the filter names?", text):
        names.update(a.strip() for a in re.split(r",\s*|\s+or\s+", aliases) if a.strip())
    return names


def test_describe_subnets_knows_every_documented_filter_and_alias(server: RunningServer) -> None:
    """DescribeSubnets accepts every filter name EC2 documents, aliases included.

    Source: EC2 API reference, DescribeSubnets ("availability-zone - … You can also
    use availabilityZone as the filter name", likewise availabilityZoneId,
    cidr/cidrBlock, defaultForAz), as carried in botocore's model.
    """
    ec2 = server.client("ec2", "150000000015")
    documented = _documented_filters("DescribeSubnets")
    assert {"availabilityZone", "availabilityZoneId", "cidrBlock", "defaultForAz"} <= documented
    for name in sorted(documented - {"tag"}):
        ec2.describe_subnets(Filters=[{"Name": name, "Values": ["x"]}])
    vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.80.1.0/24", AvailabilityZone="us-east-1d")[
        "Subnet"
    ]
    for name, value in (
        ("availabilityZone", "us-east-1d"),
        ("availabilityZoneId", "use1-az4"),
        ("private-dns-name-options-on-launch.hostname-type", "ip-name"),
        ("ipv6-native", "false"),
    ):
        found = ec2.describe_subnets(
            Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": name, "Values": [value]}]
        )["Subnets"]
        assert [s["SubnetId"] for s in found] == [subnet["SubnetId"]], name
    unknown = refused(
        lambda: ec2.describe_subnets(Filters=[{"Name": "availability_zone", "Values": ["x"]}])
    )
    assert unknown["Error"]["Message"].startswith("The filter 'availability_zone' is invalid")


def test_every_served_describe_accepts_its_documented_aliases(server: RunningServer) -> None:
    """Every served Describe* accepts the aliases its documentation gives.

    Source: EC2 API reference of each operation (botocore's model); among the
    operations served only DescribeSubnets documents aliases today, and this
    test keeps every served operation honest if more appear.
    """
    ec2 = server.client("ec2", "150000000015")
    calls = {
        "DescribeVpcs": ec2.describe_vpcs,
        "DescribeSubnets": ec2.describe_subnets,
        "DescribeRouteTables": ec2.describe_route_tables,
        "DescribeInternetGateways": ec2.describe_internet_gateways,
        "DescribeSecurityGroups": ec2.describe_security_groups,
        "DescribeVpcPeeringConnections": ec2.describe_vpc_peering_connections,
        "DescribeNetworkInterfaces": ec2.describe_network_interfaces,
        "DescribeAvailabilityZones": ec2.describe_availability_zones,
    }
    for operation, call in calls.items():
        text = _documented_filters(operation)
        aliases = {n for n in text if re.search(r"[A-Z]", n)}
        for name in sorted(aliases):
            call(Filters=[{"Name": name, "Values": ["x"]}])


def test_vpcs_carry_the_default_dhcp_options_id(server: RunningServer) -> None:
    """A VPC names its DHCP options set ``dopt-…``: the region's default set, as on AWS."""
    ec2 = server.client("ec2", "150000000016")
    default = ec2.describe_vpcs()["Vpcs"][0]["DhcpOptionsId"]
    assert re.fullmatch(r"dopt-[0-9a-f]{17}", default)
    made = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]
    assert made["DhcpOptionsId"] == default
    found = ec2.describe_vpcs(Filters=[{"Name": "dhcp-options-id", "Values": [default]}])
    assert len(found["Vpcs"]) == 2
    other = server.client("ec2", "150000000017").describe_vpcs()["Vpcs"][0]["DhcpOptionsId"]
    assert other != default


# ---- Service Catalog ---------------------------------------------------------------------------
def test_service_catalog_product_without_a_version_and_describe_without_id_or_name(
    server: RunningServer,
) -> None:
    """CreateProduct without ProvisioningArtifactParameters makes a product with no version.

    ``ProvisioningArtifactParameters`` is optional in Service Catalog's model (a
    product's versions may come later, from CreateProvisioningArtifact); moto's
    tests/test_servicecatalog/test_servicecatalog.py records the same. DescribeProduct
    and DescribeProductAsAdmin with neither Id nor Name: ``InvalidParametersException``
    "Either Id or Name must be specified." (moto's test_describe_product).
    """
    catalog = server.client("servicecatalog", "150000000018", config=NO_RETRIES)
    created = catalog.create_product(
        Name="later", Owner="platform", ProductType="CLOUD_FORMATION_TEMPLATE"
    )
    assert "ProvisioningArtifactDetail" not in created
    product_id = created["ProductViewDetail"]["ProductViewSummary"]["ProductId"]
    described = catalog.describe_product_as_admin(Id=product_id)
    assert described["ProvisioningArtifactSummaries"] == []
    assert (
        catalog.list_provisioning_artifacts(ProductId=product_id)["ProvisioningArtifactDetails"]
        == []
    )
    for call in (catalog.describe_product, catalog.describe_product_as_admin):
        response = refused(call)
        assert response["Error"]["Code"] == "InvalidParametersException"
        assert response["Error"]["Message"].startswith("Either Id or Name must be specified.")


# ---- validation messages -----------------------------------------------------------------------
def test_validation_messages_print_the_value_whole(server: RunningServer) -> None:
    """``Value '<value>' at '<member>'`` prints the value itself, whole, lists as ``[a, b]``.

    Sources: AWS's validation messages as clients record them print long values
    whole (aws-amplify/amplify-cli#14940 quotes a CloudFormation template body of
    thousands of characters inside ``Value '…'``), and lists in Java's form
    (``[a, b]``), never a type name.
    """
    iam = server.client("iam", "150000000019")
    long_name = "r" * 100
    response = refused(
        lambda: iam.create_role(RoleName=long_name, AssumeRolePolicyDocument=TRUST_EC2)
    )
    assert response["Error"]["Message"].startswith(
        f"1 validation error detected: Value '{long_name}' at 'roleName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64"
    )
    tags = [{"Key": f"k{n}", "Value": "v"} for n in range(51)]
    too_many = refused(
        lambda: iam.create_role(RoleName="tagged", AssumeRolePolicyDocument=TRUST_EC2, Tags=tags)
    )
    message = too_many["Error"]["Message"]
    assert "Value 'list'" not in message
    assert "Value '[{Key=k0, Value=v}, {Key=k1, Value=v}," in message
    assert "{Key=k50, Value=v}]' at 'tags' failed to satisfy constraint" in message
    emr = server.client("emr", "150000000019")
    states = refused(lambda: emr.list_clusters(ClusterStates=["RUNNING", "SLEEPING"]))
    assert "Value 'SLEEPING' at 'clusterStates.2.member'" in states["Error"]["Message"]


# ---- Terraform's instance-profile calls, SageMaker domains -------------------------------------
def test_instance_profile_tags_can_be_listed_and_removed(server: RunningServer) -> None:
    """UntagInstanceProfile and ListInstanceProfileTags are served, as IAM does.

    Terraform's ``aws_iam_instance_profile`` resource reads and removes tags with
    them (hashicorp/terraform-provider-aws, internal/service/iam/instance_profile.go).
    """
    iam = server.client("iam", "150000000020")
    iam.create_instance_profile(
        InstanceProfileName="nodes",
        Tags=[{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}],
    )
    listed = iam.list_instance_profile_tags(InstanceProfileName="nodes")["Tags"]
    assert listed == [{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "dev"}]
    iam.untag_instance_profile(InstanceProfileName="nodes", TagKeys=["TEAM"])
    remaining = iam.list_instance_profile_tags(InstanceProfileName="nodes")["Tags"]
    assert remaining == [{"Key": "env", "Value": "dev"}]
    missing = refused(lambda: iam.list_instance_profile_tags(InstanceProfileName="none"))
    assert missing["Error"]["Code"] == "NoSuchEntity"


def test_sagemaker_domain_without_execution_role_and_its_boundary_group(
    server: RunningServer,
) -> None:
    """CreateDomain without ``DefaultUserSettings.ExecutionRole``; DescribeDomain's boundary group.

    Source: SageMaker API reference (botocore's model): ``UserSettings.ExecutionRole``
    is optional ("SageMaker applies this setting only to private spaces that the
    user creates"), and DescribeDomain's response has
    ``SecurityGroupIdForDomainBoundary``, a security group of the domain's VPC.
    """
    sagemaker = server.client("sagemaker", "150000000021")
    ec2 = server.client("ec2", "150000000021")
    vpc = next(v for v in ec2.describe_vpcs()["Vpcs"] if v["IsDefault"])["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]
    domain_id = sagemaker.create_domain(
        DomainName="roleless",
        AuthMode="IAM",
        DefaultUserSettings={},
        VpcId=vpc,
        SubnetIds=[subnet["SubnetId"]],
    )["DomainId"]
    described = sagemaker.describe_domain(DomainId=domain_id)
    assert "ExecutionRole" not in described.get("DefaultUserSettings", {})
    group_id = described["SecurityGroupIdForDomainBoundary"]
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["VpcId"] == vpc
    sagemaker.delete_domain(DomainId=domain_id)
    gone = refused(lambda: ec2.describe_security_groups(GroupIds=[group_id]))
    assert gone["Error"]["Code"] == "InvalidGroup.NotFound"

"""The EMR API without Spark: validation, quotas, protection, lists, tags, policies, releases.

Clusters here never reach Spark: their bootstrap action either fails at once
(the cluster ends TERMINATED_WITH_ERRORS) or sleeps (the cluster stays
BOOTSTRAPPING until terminated, with no JVM started).
"""

from __future__ import annotations

import datetime as dt
import inspect
import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore import xform_name
from botocore.config import Config
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aws_cli_support
from clusterport.services.emr.provider import EmrProvider
from clusterport.services.emr.scaling import SCALE_DOWN_AFTER, decide
from clusterport.services.emr.workqueue import WorkQueue
from clusterport.store.resources import ResourceStore
from conftest import RunningServer, served_models
from emr_support import (
    default_roles,
    error_code,
    failing_bootstrap,
    instances,
    processes_mentioning,
    sleeping_bootstrap,
    terminate_quietly,
    wait_for,
    write_quotas,
)
from wire_support import for_shape

ACCOUNT = "111111111111"
MODELS = served_models()
OTHER = "222222222222"


def refused(call: Any, **params: Any) -> botocore.exceptions.ClientError:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call(**params)
    return info.value


@pytest.fixture(scope="module")
def emr(server: RunningServer) -> Any:
    return server.client("emr", ACCOUNT)


@pytest.fixture
def sleeping(emr: Any, tmp_path: Path) -> Any:
    """A cluster held in BOOTSTRAPPING by a sleeping bootstrap action; terminated afterwards."""
    created: list[str] = []

    def make(**extra: Any) -> str:
        params: dict[str, Any] = {
            "Name": "held",
            "Instances": instances(),
            "BootstrapActions": sleeping_bootstrap(tmp_path),
        }
        params.update(extra)
        cluster_id = str(emr.run_job_flow(**params)["JobFlowId"])
        created.append(cluster_id)
        wait_for(emr, cluster_id, ("BOOTSTRAPPING",))
        return cluster_id

    yield make
    for cluster_id in created:
        terminate_quietly(emr, cluster_id)
    assert processes_mentioning(str(tmp_path)) == []


# ---------------------------------------------------------------------- validation


def test_unknown_instance_type_names_the_known_ones(emr: Any) -> None:
    exc = refused(
        emr.run_job_flow, Name="x", Instances={"MasterInstanceType": "m5.huge", "InstanceCount": 1}
    )
    assert error_code(exc) == "ValidationException"
    message = exc.response["Error"]["Message"]
    assert "m5.huge" in message and "m5.xlarge" in message and "r5.xlarge" in message


def _cluster_rows(server: RunningServer, account: str) -> int:
    with server.platform.db.session() as session:
        return len(ResourceStore(session, "emr").find("cluster", account_id=account))


def test_run_job_flow_refuses_roles_that_do_not_exist(server: RunningServer, emr: Any) -> None:
    default_roles(server.client("iam", ACCOUNT))
    before = _cluster_rows(server, ACCOUNT)
    exc = refused(
        emr.run_job_flow,
        Name="x",
        Instances=instances(),
        JobFlowRole="NoSuchProfile",
        ServiceRole="EMR_DefaultRole",
    )
    assert error_code(exc) == "ValidationException"
    message = exc.response["Error"]["Message"]
    assert message.startswith("Invalid InstanceProfile: NoSuchProfile.")
    assert f"No such instance profile exists in account {ACCOUNT}" in message
    exc = refused(
        emr.run_job_flow,
        Name="x",
        Instances=instances(),
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="NoSuchRole",
    )
    assert error_code(exc) == "ValidationException"
    assert exc.response["Error"]["Message"].startswith("Invalid ServiceRole: NoSuchRole.")
    # A role of that name is not an instance profile.
    ec2_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    server.client("iam", ACCOUNT).create_role(
        RoleName="OnlyARole", AssumeRolePolicyDocument=json.dumps(ec2_trust)
    )
    exc = refused(emr.run_job_flow, Name="x", Instances=instances(), JobFlowRole="OnlyARole")
    assert "Invalid InstanceProfile: OnlyARole." in exc.response["Error"]["Message"]
    assert _cluster_rows(server, ACCOUNT) == before


def test_run_job_flow_refuses_roles_the_caller_may_not_pass(server: RunningServer) -> None:
    default_roles(server.client("iam", ACCOUNT))
    iam = server.client("iam", ACCOUNT)
    iam.create_user(UserName="no-pass")
    iam.put_user_policy(
        UserName="no-pass",
        PolicyName="emr-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "elasticmapreduce:*", "Resource": "*"},
                    {
                        "Effect": "Allow",
                        "Action": "iam:PassRole",
                        "Resource": f"arn:aws:iam::{ACCOUNT}:role/EMR_DefaultRole",
                        "Condition": {
                            "StringEquals": {
                                "iam:PassedToService": "elasticmapreduce.amazonaws.com"
                            }
                        },
                    },
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="no-pass")["AccessKey"]
    user = boto3.client(
        "emr",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    before = _cluster_rows(server, ACCOUNT)
    exc = refused(
        user.run_job_flow,
        Name="x",
        Instances=instances(),
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )
    assert error_code(exc) == "ValidationException"
    message = exc.response["Error"]["Message"]
    assert message.startswith(
        "The instance profile EMR_EC2_DefaultRole (JobFlowRole) cannot be passed to the cluster"
    )
    assert (
        f"is not authorized to perform: iam:PassRole on resource: "
        f"arn:aws:iam::{ACCOUNT}:role/EMR_EC2_DefaultRole" in message
    )
    assert _cluster_rows(server, ACCOUNT) == before


def test_unsupported_application_names_the_supported_ones(emr: Any) -> None:
    exc = refused(
        emr.run_job_flow,
        Name="x",
        Instances=instances(),
        Applications=[{"Name": "Spark"}, {"Name": "Hive"}],
    )
    assert error_code(exc) == "ValidationException"
    assert "Hive" in str(exc) and "Hadoop, Livy, Spark" in str(exc)


@pytest.mark.parametrize(
    ("instances_config", "words"),
    [
        (
            {"InstanceFleets": [{"InstanceFleetType": "MASTER", "TargetOnDemandCapacity": 1}]},
            "Instance fleets are not supported",
        ),
        ({}, "needs InstanceGroups"),
        (
            {
                "MasterInstanceType": "m5.xlarge",
                "InstanceGroups": [
                    {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1}
                ],
            },
            "not both",
        ),
        (
            {
                "InstanceGroups": [
                    {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2}
                ]
            },
            "exactly one instance group with InstanceRole MASTER",
        ),
        (
            {
                "InstanceGroups": [
                    {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 3}
                ]
            },
            "InstanceCount 1",
        ),
        ({"MasterInstanceType": "m5.xlarge", "InstanceCount": 3}, "needs SlaveInstanceType"),
    ],
)
def test_instance_configurations_are_checked(
    emr: Any, instances_config: dict[str, Any], words: str
) -> None:
    exc = refused(emr.run_job_flow, Name="x", Instances=instances_config)
    assert error_code(exc) == "ValidationException"
    assert words in exc.response["Error"]["Message"]


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"ReleaseLabel": "emr-latest"}, "release label 'emr-latest' is not valid"),
        ({"AmiVersion": "3.11.0"}, "AmiVersion"),
        ({"AutoTerminationPolicy": {"IdleTimeout": 30}}, "IdleTimeout 30 is out of range"),
        ({"StepConcurrencyLevel": 4}, "StepConcurrencyLevel"),
        (
            {
                "ManagedScalingPolicy": {
                    "ComputeLimits": {
                        "UnitType": "Instances",
                        "MinimumCapacityUnits": 4,
                        "MaximumCapacityUnits": 2,
                    }
                }
            },
            "MinimumCapacityUnits <= MaximumCapacityUnits",
        ),
        (
            {
                "Configurations": [
                    {
                        "Classification": "spark-env",
                        "Configurations": [
                            {"Classification": "export", "Properties": {"BAD-NAME": "1"}}
                        ],
                    }
                ]
            },
            "not an environment variable name",
        ),
    ],
)
def test_cluster_settings_are_checked(emr: Any, extra: dict[str, Any], words: str) -> None:
    exc = refused(emr.run_job_flow, Name="x", Instances=instances(), **extra)
    assert error_code(exc) == "ValidationException"
    assert words in exc.response["Error"]["Message"]


def test_unknown_cluster_is_invalid_request(emr: Any) -> None:
    exc = refused(emr.describe_cluster, ClusterId="j-0000000000000")
    assert error_code(exc) == "InvalidRequestException"
    assert "j-0000000000000" in str(exc)


# ---------------------------------------------------------------------- network


def test_subnet_or_group_of_another_account_or_vpc_is_refused(
    server: RunningServer, emr: Any
) -> None:
    other_ec2 = server.client("ec2", OTHER)
    other_vpc = other_ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
    other_subnet = other_ec2.create_subnet(VpcId=other_vpc, CidrBlock="10.90.1.0/24")["Subnet"]
    exc = refused(
        emr.run_job_flow,
        Name="x",
        Instances=instances(Ec2SubnetId=other_subnet["SubnetId"]),
    )
    assert error_code(exc) == "ValidationException"
    assert other_subnet["SubnetId"] in str(exc) and ACCOUNT in str(exc)

    ec2 = server.client("ec2", ACCOUNT)
    vpc = ec2.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.70.1.0/24")["Subnet"]["SubnetId"]
    elsewhere = ec2.create_vpc(CidrBlock="10.71.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=elsewhere)["GroupId"]
    exc = refused(
        emr.run_job_flow,
        Name="x",
        Instances=instances(Ec2SubnetId=subnet, EmrManagedMasterSecurityGroup=group),
    )
    assert error_code(exc) == "ValidationException"
    assert group in str(exc) and elsewhere in str(exc) and vpc in str(exc)
    # Nothing was left behind: the refused requests created no managed groups.
    names = [
        g["GroupName"]
        for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
            "SecurityGroups"
        ]
    ]
    assert "ElasticMapReduce-master" not in names


def test_nodes_are_placed_in_the_subnet_with_emr_managed_groups(
    server: RunningServer, emr: Any, sleeping: Any
) -> None:
    ec2 = server.client("ec2", ACCOUNT)
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.3.0/24")["Subnet"]["SubnetId"]
    extra = ec2.create_security_group(GroupName="studio-in", Description="d", VpcId=vpc)["GroupId"]
    cluster_id = sleeping(
        Name="placed",
        Instances=instances(core=2, Ec2SubnetId=subnet, AdditionalMasterSecurityGroups=[extra]),
    )
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    attributes = cluster["Ec2InstanceAttributes"]
    assert attributes["Ec2SubnetId"] == subnet
    assert attributes["AdditionalMasterSecurityGroups"] == [extra]
    groups = {
        g["GroupId"]: g
        for g in ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])[
            "SecurityGroups"
        ]
    }
    master = groups[attributes["EmrManagedMasterSecurityGroup"]]
    slave = groups[attributes["EmrManagedSlaveSecurityGroup"]]
    assert master["GroupName"] == "ElasticMapReduce-master"
    assert slave["GroupName"] == "ElasticMapReduce-slave"
    sources = {
        pair["GroupId"] for rule in master["IpPermissions"] for pair in rule["UserIdGroupPairs"]
    }
    assert sources == {master["GroupId"], slave["GroupId"]}

    listed = emr.list_instances(ClusterId=cluster_id)["Instances"]
    assert len(listed) == 3
    described = {
        i["InstanceId"]: i
        for r in ec2.describe_instances(InstanceIds=[i["Ec2InstanceId"] for i in listed])[
            "Reservations"
        ]
        for i in r["Instances"]
    }
    for instance in listed:
        assert ipaddress.ip_address(instance["PrivateIpAddress"]) in ipaddress.ip_network(
            "10.60.3.0/24"
        )
        ec2_view = described[instance["Ec2InstanceId"]]
        assert ec2_view["PrivateDnsName"] == instance["PrivateDnsName"]
        assert ec2_view["SubnetId"] == subnet
    masters = emr.list_instances(ClusterId=cluster_id, InstanceGroupTypes=["MASTER"])["Instances"]
    assert [m["PublicDnsName"] for m in masters] == [cluster["MasterPublicDnsName"]]
    master_view = described[masters[0]["Ec2InstanceId"]]
    assert {g["GroupId"] for g in master_view["SecurityGroups"]} == {master["GroupId"], extra}
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(emr, cluster_id, ("TERMINATED",))
    ended = {
        i["InstanceId"]: i["State"]["Name"]
        for r in ec2.describe_instances(InstanceIds=list(described))["Reservations"]
        for i in r["Instances"]
    }
    assert set(ended.values()) == {"terminated"}


# ---------------------------------------------------------------------- quotas


def test_cluster_count_quota(server: RunningServer) -> None:
    account = "333333333301"
    write_quotas(server.data_dir, {account: {"MaxActiveClusters": 0}})
    emr = server.client("emr", account)
    exc = refused(emr.run_job_flow, Name="x", Instances=instances())
    assert error_code(exc) == "LimitExceededException"
    assert "MaxActiveClusters" in str(exc)
    assert emr.list_clusters()["Clusters"] == []


def test_vcpu_quota(server: RunningServer) -> None:
    emr = server.client("emr", "333333333302")
    exc = refused(
        emr.run_job_flow,
        Name="big",
        Instances={
            "MasterInstanceType": "m5.24xlarge",
            "SlaveInstanceType": "m5.24xlarge",
            "InstanceCount": 6,
        },
    )
    assert error_code(exc) == "LimitExceededException"
    assert "576 vCPUs" in str(exc) and "256" in str(exc)
    assert emr.list_clusters()["Clusters"] == []


def test_host_budget_is_checked_before_any_process(server: RunningServer) -> None:
    account = "333333333303"
    write_quotas(server.data_dir, {account: {"MaxVcpus": 1_000_000}})
    emr = server.client("emr", account)
    emr.list_clusters()  # the engine starts with the first call
    capacity = server.engine().capacity()
    workers = (capacity.memory_mb - capacity.cluster_memory_mb) // capacity.worker_memory_mb + 1
    exc = refused(
        emr.run_job_flow,
        Name="too-big-for-the-host",
        Instances=instances(core=workers),
    )
    assert error_code(exc) == "LimitExceededException"
    assert "cannot hold it" in str(exc) and f"{capacity.memory_mb} MiB" in str(exc)
    assert emr.list_clusters()["Clusters"] == []
    assert server.inprocess().cluster_ids() == []


# ---------------------------------------------------------------------- lifecycle without Spark


def test_termination_protection(emr: Any, sleeping: Any) -> None:
    cluster_id = sleeping(Instances=instances(TerminationProtected=True))
    exc = refused(emr.terminate_job_flows, JobFlowIds=[cluster_id])
    assert error_code(exc) == "ValidationException"
    assert "termination protected" in str(exc)
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]["State"] == (
        "BOOTSTRAPPING"
    )
    emr.set_termination_protection(JobFlowIds=[cluster_id], TerminationProtected=False)
    assert not emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["TerminationProtected"]
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    status = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Status"]
    assert status["State"] in ("TERMINATING", "TERMINATED")
    final = wait_for(emr, cluster_id, ("TERMINATED",))["Status"]
    assert final["StateChangeReason"]["Code"] == "USER_REQUEST"
    assert final["Timeline"]["EndDateTime"] >= final["Timeline"]["CreationDateTime"]


def test_steps_wait_for_the_cluster_and_cancel(emr: Any, sleeping: Any) -> None:
    cluster_id = sleeping()
    step = {"HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["true"]}}
    ids = emr.add_job_flow_steps(
        JobFlowId=cluster_id,
        Steps=[
            {"Name": "first", "ActionOnFailure": "CONTINUE", **step},
            {"Name": "second", **step},
            {"Name": "third", "ActionOnFailure": "CANCEL_AND_WAIT", **step},
        ],
    )["StepIds"]
    listed = emr.list_steps(ClusterId=cluster_id)["Steps"]
    assert [s["Id"] for s in listed] == list(reversed(ids))
    assert {s["Status"]["State"] for s in listed} == {"PENDING"}
    assert emr.describe_step(ClusterId=cluster_id, StepId=ids[1])["Step"]["ActionOnFailure"] == (
        "TERMINATE_CLUSTER"
    )
    result = emr.cancel_steps(ClusterId=cluster_id, StepIds=[ids[0], "s-NOSUCHSTEP000"])
    statuses = {r["StepId"]: r["Status"] for r in result["CancelStepsInfoList"]}
    assert statuses == {ids[0]: "SUBMITTED", "s-NOSUCHSTEP000": "FAILED"}
    cancelled = emr.list_steps(ClusterId=cluster_id, StepStates=["CANCELLED"])["Steps"]
    assert [s["Id"] for s in cancelled] == [ids[0]]
    exc = refused(emr.describe_step, ClusterId=cluster_id, StepId="s-NOSUCHSTEP000")
    assert error_code(exc) == "InvalidRequestException"
    groups = emr.list_instance_groups(ClusterId=cluster_id)["InstanceGroups"]
    exc = refused(
        emr.modify_instance_groups,
        ClusterId=cluster_id,
        InstanceGroups=[{"InstanceGroupId": groups[0]["Id"], "InstanceCount": 2}],
    )
    assert "RUNNING or WAITING" in str(exc)
    emr.terminate_job_flows(JobFlowIds=[cluster_id])
    wait_for(emr, cluster_id, ("TERMINATED",))
    after = {s["Id"]: s["Status"]["State"] for s in emr.list_steps(ClusterId=cluster_id)["Steps"]}
    assert after == dict.fromkeys(ids, "CANCELLED")
    exc = refused(emr.add_job_flow_steps, JobFlowId=cluster_id, Steps=[{"Name": "late", **step}])
    assert "may not be modified" in str(exc)


def test_policies(emr: Any, sleeping: Any) -> None:
    cluster_id = sleeping(AutoTerminationPolicy={"IdleTimeout": 3600})
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)["AutoTerminationPolicy"] == {
        "IdleTimeout": 3600
    }
    emr.put_auto_termination_policy(
        ClusterId=cluster_id, AutoTerminationPolicy={"IdleTimeout": 120}
    )
    assert emr.get_auto_termination_policy(ClusterId=cluster_id)["AutoTerminationPolicy"] == {
        "IdleTimeout": 120
    }
    exc = refused(
        emr.put_auto_termination_policy,
        ClusterId=cluster_id,
        AutoTerminationPolicy={"IdleTimeout": 700000},
    )
    assert error_code(exc) == "ValidationException"
    emr.remove_auto_termination_policy(ClusterId=cluster_id)
    assert "AutoTerminationPolicy" not in emr.get_auto_termination_policy(ClusterId=cluster_id)

    limits = {"UnitType": "Instances", "MinimumCapacityUnits": 1, "MaximumCapacityUnits": 3}
    emr.put_managed_scaling_policy(
        ClusterId=cluster_id, ManagedScalingPolicy={"ComputeLimits": limits}
    )
    got = emr.get_managed_scaling_policy(ClusterId=cluster_id)["ManagedScalingPolicy"]
    assert got["ComputeLimits"] == limits
    exc = refused(
        emr.put_managed_scaling_policy,
        ClusterId=cluster_id,
        ManagedScalingPolicy={"ComputeLimits": {**limits, "UnitType": "InstanceFleetUnits"}},
    )
    assert "instance fleets" in str(exc)
    emr.remove_managed_scaling_policy(ClusterId=cluster_id)
    assert "ManagedScalingPolicy" not in emr.get_managed_scaling_policy(ClusterId=cluster_id)


def test_failed_bootstrap_ends_the_cluster_with_its_reason(emr: Any) -> None:
    cluster_id = emr.run_job_flow(
        Name="broken", Instances=instances(), BootstrapActions=failing_bootstrap()
    )["JobFlowId"]
    final = wait_for(emr, cluster_id, ("TERMINATED_WITH_ERRORS",))
    assert final["Status"]["StateChangeReason"]["Code"] == "BOOTSTRAP_FAILURE"
    assert "/nonexistent/boot.sh" in final["Status"]["StateChangeReason"]["Message"]
    instance = emr.list_instances(ClusterId=cluster_id)["Instances"][0]
    assert instance["Status"]["State"] == "TERMINATED"


def test_describe_shows_what_was_asked(server: RunningServer, emr: Any, sleeping: Any) -> None:
    default_roles(server.client("iam", ACCOUNT))
    configurations = [
        {"Classification": "spark-defaults", "Properties": {"spark.sql.shuffle.partitions": "8"}},
        {"Classification": "livy-conf", "Properties": {"livy.server.session.timeout": "2h"}},
    ]
    cluster_id = sleeping(
        Name="described",
        ReleaseLabel="emr-6.4.0",
        LogUri="s3://logs/here/",
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        Applications=[{"Name": "spark"}, {"Name": "Livy"}, {"Name": "Hadoop"}],
        Configurations=configurations,
        Tags=[{"Key": "team", "Value": "data"}],
        VisibleToAllUsers=True,
    )
    cluster = emr.describe_cluster(ClusterId=cluster_id)["Cluster"]
    assert cluster["Id"] == cluster_id
    assert (
        cluster["ClusterArn"]
        == f"arn:aws:elasticmapreduce:us-east-1:{ACCOUNT}:cluster/{cluster_id}"
    )
    assert cluster["Name"] == "described"
    assert cluster["ReleaseLabel"] == "emr-6.4.0"
    assert cluster["LogUri"] == "s3://logs/here/"
    assert cluster["ServiceRole"] == "EMR_DefaultRole"
    assert cluster["Ec2InstanceAttributes"]["IamInstanceProfile"] == "EMR_EC2_DefaultRole"
    assert cluster["Applications"] == [
        {"Name": "Hadoop", "Version": "3.5.0"},
        {"Name": "Livy", "Version": "0.8.0"},
        {"Name": "Spark", "Version": "4.3.0"},
    ]
    # What was asked, then the note that this cluster runs on the in-process test engine.
    *asked, note = cluster["Configurations"]
    assert asked == configurations
    assert note["Classification"] == "clusterport-engine"
    assert note["Properties"]["engine"] == "inprocess"
    assert note["Properties"]["test-engine"] == "true"
    assert "no Spark runs" in note["Properties"]["note"]
    assert cluster["Tags"] == [{"Key": "team", "Value": "data"}]
    assert cluster["AutoTerminate"] is False
    assert cluster["MasterPublicDnsName"] == "localhost"
    assert cluster["InstanceCollectionType"] == "INSTANCE_GROUP"
    assert len(cluster_id) == 15 and cluster_id[2:].isupper()
    emr.add_tags(
        ResourceId=cluster_id, Tags=[{"Key": "team", "Value": "ml"}, {"Key": "x", "Value": "1"}]
    )
    emr.remove_tags(ResourceId=cluster_id, TagKeys=["x"])
    assert emr.describe_cluster(ClusterId=cluster_id)["Cluster"]["Tags"] == [
        {"Key": "team", "Value": "ml"}
    ]
    actions = emr.list_bootstrap_actions(ClusterId=cluster_id)["BootstrapActions"]
    assert [a["Name"] for a in actions] == ["hold"]
    assert actions[0]["ScriptPath"].endswith("sleep-bootstrap.sh")


def test_other_accounts_do_not_see_a_cluster(
    server: RunningServer, emr: Any, sleeping: Any
) -> None:
    cluster_id = sleeping()
    other = server.client("emr", OTHER)
    exc = refused(other.describe_cluster, ClusterId=cluster_id)
    assert error_code(exc) == "InvalidRequestException"
    exc = refused(other.terminate_job_flows, JobFlowIds=[cluster_id])
    assert error_code(exc) == "InvalidRequestException"
    assert cluster_id not in [c["Id"] for c in other.list_clusters()["Clusters"]]


# ---------------------------------------------------------------------- lists


def test_list_clusters_filters_and_pages(server: RunningServer) -> None:
    account = "333333333304"
    emr = server.client("emr", account)
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    created: list[str] = []
    # Ten at a time (the account may run 20 clusters at once): each batch fails together.
    for start in range(0, 52, 10):
        batch = [
            emr.run_job_flow(
                Name=f"c{index}", Instances=instances(), BootstrapActions=failing_bootstrap()
            )["JobFlowId"]
            for index in range(start, min(start + 10, 52))
        ]
        for cluster_id in batch:
            wait_for(emr, cluster_id, ("TERMINATED_WITH_ERRORS",))
        created += batch
    first = emr.list_clusters()
    assert len(first["Clusters"]) == 50 and "Marker" in first
    assert [c["Id"] for c in first["Clusters"]] == list(reversed(created))[:50]
    second = emr.list_clusters(Marker=first["Marker"])
    assert [c["Id"] for c in second["Clusters"]] == list(reversed(created))[50:]
    assert "Marker" not in second
    paginated = [
        c["Id"]
        for page in emr.get_paginator("list_clusters").paginate(
            ClusterStates=["TERMINATED_WITH_ERRORS"]
        )
        for c in page["Clusters"]
    ]
    assert sorted(paginated) == sorted(created)
    assert emr.list_clusters(ClusterStates=["RUNNING", "WAITING"])["Clusters"] == []
    assert emr.list_clusters(CreatedBefore=before)["Clusters"] == []
    assert len(emr.list_clusters(CreatedAfter=before)["Clusters"]) == 50
    exc = refused(emr.list_clusters, Marker="not-a-marker")
    assert error_code(exc) == "InvalidRequestException"
    exc = refused(emr.list_clusters, ClusterStates=["RUNNING"], Marker=first["Marker"])
    assert error_code(exc) == "InvalidRequestException"


def test_release_labels_say_what_runs(emr: Any) -> None:
    labels = emr.list_release_labels(Filters={"Prefix": "emr-6"}, MaxResults=5)
    assert len(labels["ReleaseLabels"]) == 5
    assert all(label.startswith("emr-6") for label in labels["ReleaseLabels"])
    following = emr.list_release_labels(
        Filters={"Prefix": "emr-6"}, MaxResults=5, NextToken=labels["NextToken"]
    )
    assert not set(following["ReleaseLabels"]) & set(labels["ReleaseLabels"])
    assert emr.list_release_labels(Filters={"Application": "Spark@4.3.0"})["ReleaseLabels"]
    assert emr.list_release_labels(Filters={"Application": "Spark@3.1.2"})["ReleaseLabels"] == []
    described = emr.describe_release_label(ReleaseLabel="emr-5.33.1")
    assert described["ReleaseLabel"] == "emr-5.33.1"
    assert {"Name": "spark", "Version": "4.3.0"} in described["Applications"]


# ---------------------------------------------------------------------- reconciler parts


def _scaled(core: int, task: int | None = None) -> dict[str, Any]:
    groups = [
        {
            "Id": "ig-M",
            "InstanceGroupType": "MASTER",
            "InstanceType": "m5.xlarge",
            "RequestedInstanceCount": 1,
        },
        {
            "Id": "ig-C",
            "InstanceGroupType": "CORE",
            "InstanceType": "m5.xlarge",
            "RequestedInstanceCount": core,
        },
    ]
    if task is not None:
        groups.append(
            {
                "Id": "ig-T",
                "InstanceGroupType": "TASK",
                "InstanceType": "c5.xlarge",
                "RequestedInstanceCount": task,
            }
        )
    return {"InstanceGroups": groups}


def _policy(
    low: int, high: int, unit: str = "Instances", core_cap: int | None = None
) -> dict[str, Any]:
    limits: dict[str, Any] = {
        "UnitType": unit,
        "MinimumCapacityUnits": low,
        "MaximumCapacityUnits": high,
    }
    if core_cap is not None:
        limits["MaximumCoreCapacityUnits"] = core_cap
    return {"ComputeLimits": limits}


def test_managed_scaling_grows_with_work_and_shrinks_when_idle() -> None:
    grow = decide(_scaled(1), _policy(1, 3), pending_work=True, idle_for=0)
    assert grow is not None and (grow.group_id, grow.count) == ("ig-C", 2)
    assert decide(_scaled(3), _policy(1, 3), pending_work=True, idle_for=0) is None
    # Core nodes up to MaximumCoreCapacityUnits, then task nodes.
    to_task = decide(_scaled(2, 0), _policy(1, 4, core_cap=2), pending_work=True, idle_for=0)
    assert to_task is not None and (to_task.group_id, to_task.count) == ("ig-T", 1)
    # Idle: task nodes go first, never below the minimum or the last core node.
    assert decide(_scaled(2, 1), _policy(1, 4), pending_work=False, idle_for=1) is None
    shrink = decide(_scaled(2, 1), _policy(1, 4), pending_work=False, idle_for=SCALE_DOWN_AFTER)
    assert shrink is not None and (shrink.group_id, shrink.count) == ("ig-T", 0)
    assert decide(_scaled(1, 0), _policy(1, 4), pending_work=False, idle_for=1e6) is None
    # Outside the limits: brought inside them first, work or not; VCPU units count vCPUs.
    below = decide(_scaled(1), _policy(8, 16, unit="VCPU"), pending_work=False, idle_for=0)
    assert below is not None and (below.group_id, below.count) == ("ig-C", 2)
    above = decide(_scaled(4), _policy(1, 2), pending_work=True, idle_for=0)
    assert above is not None and (above.group_id, above.count) == ("ig-C", 3)


async def test_work_queue_dedups_and_backs_off() -> None:
    queue: WorkQueue[str] = WorkQueue(base=0.01, maximum=0.04)
    queue.put("a", delay=5)
    queue.put("a")
    queue.put("b")
    assert len(queue) == 2
    assert {await queue.get(), await queue.get()} == {"a", "b"}
    assert [queue.backoff("a") for _ in range(4)] == [0.01, 0.02, 0.04, 0.04]
    assert await queue.get() == "a"
    queue.succeeded("a")
    assert queue.backoff("a") == 0.01


def test_aws_cli_creates_and_lists_clusters(server: RunningServer, tmp_path: Path) -> None:
    key = server.account("333333333305")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=key.access_key_id,
        AWS_SECRET_ACCESS_KEY=key.secret_access_key,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
    )
    aws = [str(Path(sys.executable).parent / "aws"), "--endpoint-url", server.url, "emr"]

    def cli(*args: str, process: bool = False) -> Any:
        """``aws emr <args>``: in this process, or as an ``aws`` process."""
        if process:
            done = subprocess.run(
                [*aws, *args], env=env, capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout) if done.stdout.strip() else None
        return aws_cli_support.run(
            aws[1:] + list(args),
            access_key_id=key.access_key_id,
            secret_access_key=key.secret_access_key,
        ).json()

    created = cli(
        "create-cluster",
        "--name",
        "from-cli",
        "--release-label",
        "emr-6.4.0",
        "--applications",
        "Name=Spark",
        "--instance-type",
        "m5.xlarge",
        "--instance-count",
        "1",
        "--bootstrap-actions",
        "Path=file:///nonexistent/boot.sh,Name=missing",
        process=True,  # one real ``aws`` process; the other commands run in-process
    )
    cluster_id = created["ClusterId"]
    emr = server.client("emr", "333333333305")
    wait_for(emr, cluster_id, ("TERMINATED_WITH_ERRORS",))
    listed = cli("list-clusters", "--cluster-states", "TERMINATED_WITH_ERRORS")
    assert [c["Id"] for c in listed["Clusters"]] == [cluster_id]
    described = cli("describe-cluster", "--cluster-id", cluster_id)
    assert described["Cluster"]["Status"]["StateChangeReason"]["Code"] == "BOOTSTRAP_FAILURE"


# ---------------------------------------------------------------------- hostile input

_IMPLEMENTED = sorted(
    op
    for op in MODELS.get("emr").model.operation_names
    if inspect.iscoroutinefunction(getattr(EmrProvider, xform_name(op), None))
)


@pytest.fixture(scope="module")
def raw_emr(server: RunningServer) -> Any:
    """A client that sends whatever it is given (no client-side parameter checks)."""
    return server.session("333333333399").client(
        "emr",
        endpoint_url=server.url,
        config=Config(parameter_validation=False, retries={"max_attempts": 0}),
    )


@pytest.mark.parametrize("operation", _IMPLEMENTED)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_input_is_refused_cleanly(raw_emr: Any, operation: str, data: Any) -> None:
    op = MODELS.get("emr").model.operation_model(operation)
    params = data.draw(for_shape(op.input_shape)) if op.input_shape is not None else {}
    try:
        getattr(raw_emr, xform_name(operation))(**params)
    except botocore.exceptions.ClientError as exc:
        status = exc.response["ResponseMetadata"]["HTTPStatusCode"]
        assert status < 500, (operation, params, exc.response["Error"])
    else:
        # Accepted input never starts a cluster: no generated instance type is a real one.
        assert raw_emr.list_clusters(ClusterStates=["STARTING", "BOOTSTRAPPING"])["Clusters"] == []

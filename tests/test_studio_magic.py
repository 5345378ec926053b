"""The ``%sm_analytics`` magic: grammar, ``emr help``, connect failures through real boto3."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.credentials import Credentials
from botocore.stub import Stubber
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from browser_support import MotoEndpoint, aws_environment, free_port
from clusterport.studio.command import (
    CommandError,
    ConnectRequest,
    HelpRequest,
    connect_line,
    parse_command,
)
from clusterport.studio.emr_connect import (
    EmrAccess,
    EmrConnectError,
    LivyEndpoint,
    check_reachable,
    livy_endpoint,
)
from clusterport.studio.magics import (
    AnalyticsMagics,
    bound_line,
    livy_refusal,
    load_ipython_extension,
    status_line,
)
from conftest import RunningServer

B = "222222222222"
ROLE_B = f"arn:aws:iam::{B}:role/StudioAccess"


# -- grammar ---------------------------------------------------------------------------------------


def test_parses_every_connect_flag() -> None:
    request = parse_command(
        "emr connect --cluster-id j-ABC123 --auth-type none --language Python "
        f"--assumable-role-arn {ROLE_B} --emr-execution-role-arn arn:aws:iam::{B}:role/Runtime "
        "--secret my-secret --verify-certificate /etc/ssl/ca.pem --no-override-krb5-conf"
    )
    assert request == ConnectRequest(
        cluster_id="j-ABC123",
        auth_type="None",
        language="python",
        assumable_role_arn=ROLE_B,
        emr_execution_role_arn=f"arn:aws:iam::{B}:role/Runtime",
        secret="my-secret",
        verify_certificate="/etc/ssl/ca.pem",
        override_krb5_conf=False,
        livy=False,
    )


def test_the_panel_line_parses_back() -> None:
    request = parse_command(connect_line("j-XYZ", ROLE_B).removeprefix("%sm_analytics "))
    assert isinstance(request, ConnectRequest)
    assert (request.cluster_id, request.auth_type, request.language) == ("j-XYZ", "None", "python")
    assert request.verify_certificate is False
    assert request.assumable_role_arn == ROLE_B


def test_scala_and_livy_flag_select_livy() -> None:
    scala = parse_command("emr connect --cluster-id j-1 --auth-type None --language scala")
    livy = parse_command("emr connect --cluster-id j-1 --auth-type None --language python --livy")
    plain = parse_command("emr connect --cluster-id j-1 --auth-type None --language python")
    assert isinstance(scala, ConnectRequest)
    assert isinstance(livy, ConnectRequest)
    assert isinstance(plain, ConnectRequest)
    assert (scala.livy, livy.livy, plain.livy) == (True, True, False)


def test_help_is_a_command() -> None:
    assert parse_command("emr help") == HelpRequest()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "Missing command"),
        ("emr connect --auth-type None --language python", "--cluster-id is required"),
        ("emr connect --cluster-id j-1 --language python", "--auth-type is required"),
        ("emr connect --cluster-id j-1 --auth-type Token --language python", "'Token'"),
        ("emr connect --cluster-id j-1 --auth-type None", "--language is required"),
        ("emr connect --cluster-id j-1 --auth-type None --language r", "use one of python, scala"),
        ("emr disconnect", "Unknown operation 'disconnect'"),
        ("glue connect", "Unknown service 'glue'"),
        ("emr-serverless connect --application-id a", "emr-serverless is not supported"),
        ("emr connect --cluster-id j-1 --colour red", "unrecognized arguments: --colour red"),
        ('emr connect --cluster-id "j-1', "Cannot split"),
    ],
)
def test_bad_command_lines_say_what_to_fix(line: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_command(line)
    assert message in str(caught.value)


# -- the magic in a real IPython shell -----------------------------------------------------------


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoEndpoint]:
    with MotoEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def aws(tmp_path: Path, moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch) -> MotoEndpoint:
    moto.reset()
    for key, value in aws_environment(moto.url, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return moto


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    ipython = InteractiveShell.instance()
    load_ipython_extension(ipython)
    yield ipython
    ipython.user_ns.pop("spark", None)


def status_of(output: str) -> dict[str, Any]:
    lines = [line for line in output.splitlines() if line.startswith("{")]
    assert len(lines) == 1, output
    parsed: dict[str, Any] = json.loads(lines[0])
    return parsed


def test_emr_help_prints_usage(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    shell.run_line_magic("sm_analytics", "emr help")
    out = capsys.readouterr().out
    assert "%sm_analytics emr connect --cluster-id CLUSTER_ID" in out
    assert "--assumable-role-arn" in out


def test_a_bad_line_is_a_usage_error(shell: InteractiveShell) -> None:
    with pytest.raises(UsageError) as caught:
        shell.run_line_magic("sm_analytics", "emr connect --auth-type None")
    assert "--cluster-id is required" in str(caught.value)


def test_unknown_cluster_prints_the_status_line_then_raises(
    aws: MotoEndpoint, shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(EmrConnectError) as caught:
        shell.run_line_magic(
            "sm_analytics",
            "emr connect --cluster-id j-NOSUCHCLUSTER --auth-type None --language python",
        )
    status = status_of(capsys.readouterr().out)
    assert status == {
        "namespace": "sagemaker-analytics",
        "cluster_id": "j-NOSUCHCLUSTER",
        "error_message": caught.value.message,
        "success": False,
        "service": "emr",
        "operation": "connect",
    }
    assert "j-NOSUCHCLUSTER" in caught.value.message
    assert "InvalidRequestException" in caught.value.message
    assert "--assumable-role-arn" in caught.value.message  # the hint for another account's cluster
    assert caught.value._render_traceback_() == [f"EmrConnectError: {caught.value.message}"]
    assert "spark" not in shell.user_ns


def test_assumable_role_is_assumed_and_used_for_emr_calls(
    aws: MotoEndpoint, shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = boto3.client("sts").assume_role(RoleArn=ROLE_B, RoleSessionName="admin")["Credentials"]
    emr_b = boto3.client(
        "emr",
        aws_access_key_id=admin["AccessKeyId"],
        aws_secret_access_key=admin["SecretAccessKey"],
        aws_session_token=admin["SessionToken"],
    )
    cluster_id = emr_b.run_job_flow(
        Name="in-account-b",
        ReleaseLabel="emr-7.1.0",
        Instances={"MasterInstanceType": "m5.xlarge", "InstanceCount": 1},
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )["JobFlowId"]
    emr_b.terminate_job_flows(JobFlowIds=[cluster_id])

    assumed: list[dict[str, Any]] = []
    described: list[dict[str, Any]] = []

    def session() -> boto3.session.Session:
        made = boto3.session.Session()
        made.events.register(
            "provide-client-params.sts.AssumeRole", lambda params, **_: assumed.append(params)
        )
        made.events.register(
            "after-call.emr.DescribeCluster", lambda parsed, **_: described.append(parsed)
        )
        return made

    shell.register_magics(AnalyticsMagics(shell, session))
    line = f"emr connect --cluster-id {cluster_id} --auth-type None --language python"
    with pytest.raises(EmrConnectError) as caught:
        shell.run_line_magic("sm_analytics", f"{line} --assumable-role-arn {ROLE_B}")
    assert assumed == [{"RoleArn": ROLE_B, "RoleSessionName": "SageMakerStudioUser"}]
    # The cluster was found in account B with the role's credentials; it is stopped, so no connect.
    assert [d["Cluster"]["Name"] for d in described] == ["in-account-b"]
    assert "not RUNNING or WAITING" in caught.value.message
    status = status_of(capsys.readouterr().out)
    assert (status["success"], status["cluster_id"]) == (False, cluster_id)

    # Without the role, the user's own account does not have the cluster.
    with pytest.raises(EmrConnectError) as without_role:
        shell.run_line_magic("sm_analytics", line)
    assert "Cannot describe cluster" in without_role.value.message
    load_ipython_extension(shell)


def test_kerberos_is_refused_without_calling_aws(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(EmrConnectError) as caught:
        shell.run_line_magic(
            "sm_analytics", "emr connect --cluster-id j-1 --auth-type Kerberos --language python"
        )
    assert "--auth-type None" in caught.value.message
    assert status_of(capsys.readouterr().out)["error_message"] == caught.value.message


def test_status_line_on_success_has_no_error() -> None:
    assert json.loads(status_line("j-OK", None)) == {
        "namespace": "sagemaker-analytics",
        "cluster_id": "j-OK",
        "error_message": None,
        "success": True,
        "service": "emr",
        "operation": "connect",
    }


# -- Livy endpoint discovery ----------------------------------------------------------------------


def cluster(configurations: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "Id": "j-LIVY",
        "Status": {"State": "WAITING"},
        "MasterPublicDnsName": "ip-10-1-0-5.ec2.internal",
        "Configurations": configurations or [],
    }


@pytest.fixture
def emr(aws: MotoEndpoint) -> Any:
    return boto3.client("emr")


def access(client: Any) -> EmrAccess:
    return EmrAccess(client, Credentials("AKIDEXAMPLE", "secret"), "us-east-1")


def test_an_aws_endpoint_gets_the_primary_nodes_livy(emr: Any) -> None:
    # moto speaks EMR but is not clusterport: Livy is where AWS puts it.
    assert access(emr).platform_url() is None


def test_a_clusterport_endpoint_serves_livy_on_its_signed_route(server: RunningServer) -> None:
    client = server.client("emr")
    assert access(client).platform_url() == server.url
    endpoint = livy_endpoint(access(client), cluster())
    assert endpoint.signed
    assert endpoint.url == f"{server.url}/_livy/j-LIVY"


def test_livy_port_from_the_cluster_configuration(emr: Any) -> None:
    with Stubber(emr) as stub:
        # The first page carries a marker: the primary node is on the second page.
        stub.add_response(
            "list_instances",
            {
                "Instances": [{"Id": "ci-core", "PrivateDnsName": "ip-10-1-0-9.ec2.internal"}],
                "Marker": "2",
            },
            {"ClusterId": "j-LIVY"},
        )
        stub.add_response(
            "list_instances",
            {
                "Instances": [
                    {
                        "Id": "ci-primary",
                        "Ec2InstanceId": "i-0primary",
                        "PrivateDnsName": "ip-10-1-0-5.ec2.internal",
                    }
                ]
            },
            {"ClusterId": "j-LIVY", "Marker": "2"},
        )
        conf = [
            {"Classification": "spark-defaults", "Properties": {"spark.x": "1"}},
            {"Classification": "livy-conf", "Properties": {"livy.server.port": "8999"}},
        ]
        endpoint = livy_endpoint(access(emr), cluster(conf))
    assert endpoint == LivyEndpoint("ip-10-1-0-5.ec2.internal", 8999, "i-0primary")
    assert endpoint.url == "http://ip-10-1-0-5.ec2.internal:8999"


def test_livy_port_from_the_master_instance_group_or_default(emr: Any) -> None:
    with Stubber(emr) as stub:
        stub.add_response("list_instances", {"Instances": []})
        stub.add_response(
            "list_instance_groups",
            {
                "InstanceGroups": [
                    {"InstanceGroupType": "CORE", "Configurations": []},
                    {
                        "InstanceGroupType": "MASTER",
                        "Configurations": [
                            {
                                "Classification": "livy-conf",
                                "Properties": {"livy.server.port": "9000"},
                            }
                        ],
                    },
                ]
            },
            {"ClusterId": "j-LIVY"},
        )
        stub.add_response("list_instances", {"Instances": []})
        stub.add_client_error(
            "list_instance_groups",
            "InvalidRequestException",
            "Instance groups are not supported for clusters with instance fleets.",
        )
        from_group = livy_endpoint(access(emr), cluster())
        default = livy_endpoint(access(emr), cluster())
    assert from_group.port == 9000
    assert default.port == 8998


def test_unreachable_livy_names_the_network_pieces() -> None:
    closed = free_port()  # nothing listens there
    with pytest.raises(EmrConnectError) as caught:
        check_reachable(LivyEndpoint("127.0.0.1", closed), "j-NET", timeout=2)
    assert caught.value.code == "NetworkUnreachable"
    assert f"127.0.0.1:{closed}" in caught.value.message
    assert "security group" in caught.value.message
    assert "VPC peering" in caught.value.message


def test_a_livy_refusal_is_shown_by_its_message() -> None:
    reported = (
        "Invalid status code '403' from http://127.0.0.1:4566/_livy/j-X/sessions with error "
        'payload: {"msg": "Missing: route-table rtb-1 (account 222222222222). Fix: aws ec2 …"}'
    )
    assert livy_refusal(reported) == (
        "Missing: route-table rtb-1 (account 222222222222). Fix: aws ec2 …"
    )
    assert livy_refusal("Invalid status code '502' from x with error payload: <html>") == (
        "Invalid status code '502' from x with error payload: <html>"
    )


def test_the_bound_line_names_the_cluster_its_account_and_spark_version() -> None:
    cluster = {
        "Name": "nightly-etl",
        "ClusterArn": "arn:aws:elasticmapreduce:us-east-1:222222222222:cluster/j-ABC",
        "ReleaseLabel": "emr-7.5.0",
        "Applications": [
            {"Name": "Livy", "Version": "0.8.0"},
            {"Name": "Spark", "Version": "3.5.2"},
        ],
    }
    assert bound_line("spark (Spark Connect)", "j-ABC", cluster) == (
        "Connected: spark (Spark Connect) → nightly-etl (j-ABC), account 222222222222, "
        "Spark 3.5.2 (emr-7.5.0)"
    )
    assert bound_line("%%spark cells (Livy)", "j-ABC", {}) == (
        "Connected: %%spark cells (Livy) → j-ABC (j-ABC), account ?, Spark"
    )

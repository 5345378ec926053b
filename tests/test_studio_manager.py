"""The Clusters panel's manager: real boto3 against moto, Stubber where moto lacks an API.

Accounts: 123456789012 is the Studio user's own (moto's default account);
222222222222 and 333333333333 are EMR accounts reached by assuming a role.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

import boto_support
from browser_support import MotoEndpoint, aws_environment
from clusterport.studio.errors import StudioError
from clusterport.studio.manager import ClustersManager
from clusterport.studio.role_config import ROLE_FILE

OWN = "123456789012"
B = "222222222222"
C = "333333333333"
ROLE_B = f"arn:aws:iam::{B}:role/StudioDiscovery"
ROLE_C = f"arn:aws:iam::{C}:role/StudioDiscovery"


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoEndpoint]:
    with MotoEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def home(tmp_path: Path, moto: MotoEndpoint, monkeypatch: pytest.MonkeyPatch) -> Path:
    moto.reset()
    for key, value in aws_environment(moto.url, tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return tmp_path


class Calls:
    """Counts the AWS operations the manager's clients really send."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.names.append(model.name)

    def count(self, name: str) -> int:
        return self.names.count(name)


def observed_session(calls: Calls) -> boto3.session.Session:
    session = boto_support.environment_session()
    session.events.register("before-call", calls)
    return session


def write_roles(home: Path, content: str) -> Path:
    path = home / ROLE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def manager_for(home: Path, calls: Calls | None = None, **kwargs: Any) -> ClustersManager:
    observed = calls or Calls()
    return ClustersManager(lambda: observed_session(observed), home, **kwargs)


def assumed_client(service: str, role_arn: str) -> Any:
    credentials = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="admin")[
        "Credentials"
    ]
    return boto3.client(
        service,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def run_cluster(emr: Any, name: str, tags: list[dict[str, str]] | None = None) -> str:
    response = emr.run_job_flow(
        Name=name,
        ReleaseLabel="emr-7.1.0",
        Instances={
            "MasterInstanceType": "m5.xlarge",
            "InstanceCount": 1,
            "KeepJobFlowAliveWhenNoSteps": True,
        },
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
        Tags=tags or [],
    )
    return str(response["JobFlowId"])


# -- the role file -----------------------------------------------------------------------------


async def test_role_file_is_read_once_and_a_later_edit_is_ignored(home: Path) -> None:
    path = write_roles(home, json.dumps({B: ROLE_B}))
    run_cluster(assumed_client("emr", ROLE_B), "in-b")
    calls = Calls()
    manager = manager_for(home, calls)
    try:
        path.write_text(json.dumps({C: ROLE_C}))  # a user's edit after the server started
        assert manager.configuration.assumable_roles == {B: ROLE_B}
        listing = await manager.list_clusters()
        assert [(c.name, c.account_id) for c in listing.clusters] == [("in-b", B)]
        assert listing.failures == ()
        assert manager.configuration.to_json()["assumableRoles"] == {B: ROLE_B}
    finally:
        manager.close()


async def test_malformed_role_file_is_reported_not_fatal(home: Path) -> None:
    path = write_roles(home, '{"222222222222": "arn:aws:iam::2222')
    run_cluster(boto3.client("emr"), "own")
    manager = manager_for(home)
    try:
        assert manager.configuration.assumable_roles == {}
        (error,) = manager.configuration.errors
        assert str(path) in error
        assert "not valid JSON" in error
        listing = await manager.list_clusters()
        assert [c.name for c in listing.clusters] == ["own"]
        assert listing.configuration_errors == (error,)
    finally:
        manager.close()


def test_bad_entries_are_skipped_and_named(home: Path) -> None:
    write_roles(
        home,
        json.dumps({B: ROLE_B, "12345": ROLE_C, C: ROLE_B, "444444444444": "not-an-arn"}),
    )
    manager = manager_for(home)
    try:
        assert manager.configuration.assumable_roles == {B: ROLE_B}
        errors = "\n".join(manager.configuration.errors)
        assert "'12345' is not a 12-digit AWS account ID" in errors
        assert f"role {ROLE_B} belongs to account {B}, not {C}" in errors
        assert "444444444444" in errors
    finally:
        manager.close()


def test_emr_settings_add_accounts_the_file_does_not_name(home: Path) -> None:
    write_roles(home, json.dumps({B: ROLE_B}))
    other_b = f"arn:aws:iam::{B}:role/Other"
    manager = manager_for(
        home,
        emr_settings={
            "AssumableRoleArns": [other_b, ROLE_C],
            "ExecutionRoleArns": [f"arn:aws:iam::{B}:role/Runtime"],
        },
    )
    try:
        assert manager.configuration.assumable_roles == {B: ROLE_B, C: ROLE_C}
        assert manager.configuration.execution_roles == {B: (f"arn:aws:iam::{B}:role/Runtime",)}
    finally:
        manager.close()


def test_the_role_file_names_any_number_of_accounts_emr_settings_five(home: Path) -> None:
    many = {
        f"4444444444{n:02d}": f"arn:aws:iam::4444444444{n:02d}:role/Discovery" for n in range(20)
    }
    write_roles(home, json.dumps(many))
    listed = [f"arn:aws:iam::5555555555{n:02d}:role/Discovery" for n in range(6)]
    manager = manager_for(home, emr_settings={"AssumableRoleArns": listed})
    try:
        roles = manager.configuration.assumable_roles
        assert {a: roles[a] for a in many} == many
        assert [roles.get(arn.split(":")[4]) for arn in listed] == [*listed[:5], None]
        (error,) = manager.configuration.errors
        assert "EmrSettings.AssumableRoleArns holds at most 5 roles" in error
        assert listed[5] in error and "role file" in error
    finally:
        manager.close()


# -- listing across accounts ---------------------------------------------------------------------


async def test_lists_own_and_cross_account_clusters_deduplicated(home: Path) -> None:
    # The role file also names the user's own account: its clusters come back twice
    # (with the role and with the user's credentials) and must appear once, without a role.
    own_role = f"arn:aws:iam::{OWN}:role/StudioDiscovery"
    write_roles(home, json.dumps({B: ROLE_B, OWN: own_role}))
    own_id = run_cluster(boto3.client("emr"), "own-cluster")
    emr_b = assumed_client("emr", ROLE_B)
    b_id = run_cluster(emr_b, "b-cluster")
    stopped = run_cluster(emr_b, "b-stopped")
    emr_b.terminate_job_flows(JobFlowIds=[stopped])
    calls = Calls()
    manager = manager_for(home, calls)
    try:
        listing = await manager.list_clusters()
        rows = {c.id: c for c in listing.clusters}
        assert set(rows) == {own_id, b_id}
        assert rows[own_id].account_id == OWN
        assert rows[own_id].role_arn is None
        assert rows[b_id].account_id == B
        assert rows[b_id].role_arn == ROLE_B
        assert rows[b_id].name == "b-cluster"
        assert rows[b_id].state == "WAITING"
        assert isinstance(rows[b_id].creation_time, datetime)
        assert listing.failures == ()
        as_json = listing.to_json()["clusters"]
        assert {r["accountId"] for r in as_json} == {OWN, B}
        assert all(set(r) >= {"name", "id", "status", "creationTime", "accountId"} for r in as_json)

        # Terminated clusters only when asked for.
        with_stopped = await manager.list_clusters(["RUNNING", "WAITING", "TERMINATED"])
        assert stopped in {c.id for c in with_stopped.clusters}

        # Role credentials are cached: two listings, one AssumeRole per role.
        assert calls.count("AssumeRole") == 2
        assert calls.count("ListClusters") == 6
    finally:
        manager.close()


async def test_role_credentials_are_renewed_shortly_before_expiry(home: Path) -> None:
    write_roles(home, json.dumps({B: ROLE_B}))
    calls = Calls()
    # moto's credentials last an hour: with a two-hour margin they are always "about to expire".
    manager = manager_for(home, calls, credential_refresh_margin=timedelta(hours=2))
    try:
        await manager.list_clusters()
        await manager.list_clusters()
        assert calls.count("AssumeRole") == 2
    finally:
        manager.close()


async def test_a_failing_account_is_reported_beside_the_others(home: Path) -> None:
    write_roles(home, json.dumps({B: ROLE_B, C: ROLE_C}))
    b_id = run_cluster(assumed_client("emr", ROLE_B), "b-cluster")
    manager = manager_for(home)
    try:
        denied = (
            f"User: arn:aws:sts::{C}:assumed-role/StudioDiscovery/SageMakerStudioUser is not "
            "authorized to perform: elasticmapreduce:ListClusters because no identity-based "
            "policy allows the elasticmapreduce:ListClusters action"
        )
        with Stubber(manager.client("emr", C)) as stub:
            stub.add_client_error("list_clusters", "AccessDeniedException", denied, 400)
            listing = await manager.list_clusters()
        assert [c.id for c in listing.clusters] == [b_id]
        (failure,) = listing.failures
        assert (failure.account_id, failure.role_arn, failure.code) == (
            C,
            ROLE_C,
            "AccessDeniedException",
        )
        assert failure.message == denied
    finally:
        manager.close()


async def test_listing_pages_through_markers(home: Path) -> None:
    manager = manager_for(home, max_workers=1)
    try:
        created = datetime(2026, 1, 1, tzinfo=UTC)

        def page(cluster_id: str) -> dict[str, Any]:
            return {
                "Id": cluster_id,
                "Name": cluster_id,
                "Status": {"State": "WAITING", "Timeline": {"CreationDateTime": created}},
                "ClusterArn": f"arn:aws:elasticmapreduce:us-east-1:{OWN}:cluster/{cluster_id}",
            }

        with Stubber(manager.client("emr")) as stub:
            states = ["RUNNING", "WAITING"]
            stub.add_response(
                "list_clusters",
                {"Clusters": [page("j-1AAAAAAAAAAAA")], "Marker": "next"},
                {"ClusterStates": states},
            )
            stub.add_response(
                "list_clusters",
                {"Clusters": [page("j-2BBBBBBBBBBBB")]},
                {"ClusterStates": states, "Marker": "next"},
            )
            listing = await manager.list_clusters()
        assert sorted(c.id for c in listing.clusters) == ["j-1AAAAAAAAAAAA", "j-2BBBBBBBBBBBB"]
    finally:
        manager.close()


async def test_a_hung_endpoint_is_a_timeout_not_a_frozen_listing(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An endpoint that accepts and never answers: the listing reports it, in bounded time."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{listener.getsockname()[1]}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    manager = manager_for(home, request_timeout=0.5)
    try:
        listing = await manager.list_clusters(["RUNNING", "WAITING"])
        assert listing.clusters == ()
        (failure,) = listing.failures
        assert failure.code in {"RequestTimeout", "ReadTimeoutError"}, failure
        assert failure.message
    finally:
        manager.close()
        stop.set()
        holder.join()
        for connection in accepted:
            connection.close()
        listener.close()


async def test_rows_carry_the_state_change_reason_and_end_time(home: Path) -> None:
    manager = manager_for(home)
    ended = datetime(2026, 1, 2, tzinfo=UTC)
    try:
        with Stubber(manager.client("emr")) as stub:
            stub.add_response(
                "list_clusters",
                {
                    "Clusters": [
                        {
                            "Id": "j-1AAAAAAAAAAAA",
                            "Name": "nightly-etl",
                            "Status": {
                                "State": "TERMINATED_WITH_ERRORS",
                                "StateChangeReason": {
                                    "Code": "BOOTSTRAP_FAILURE",
                                    "Message": "bootstrap action 1 returned a non-zero code",
                                },
                                "Timeline": {
                                    "CreationDateTime": datetime(2026, 1, 1, tzinfo=UTC),
                                    "EndDateTime": ended,
                                },
                            },
                            "ClusterArn": (
                                f"arn:aws:elasticmapreduce:us-east-1:{OWN}:cluster/j-1AAAAAAAAAAAA"
                            ),
                        }
                    ]
                },
                {"ClusterStates": ["TERMINATED_WITH_ERRORS"]},
            )
            listing = await manager.list_clusters(["TERMINATED_WITH_ERRORS"])
        row = listing.to_json()["clusters"][0]
        assert row["stateReason"] == {
            "code": "BOOTSTRAP_FAILURE",
            "message": "bootstrap action 1 returned a non-zero code",
        }
        assert row["endTime"] == ended.isoformat()
    finally:
        manager.close()


async def test_ec2_pickers_list_the_accounts_values_with_names_and_cidrs(home: Path) -> None:
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "analytics"}])
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_tags(Resources=[subnet_id], Tags=[{"Key": "Name", "Value": "private-a"}])
    group_id = ec2.create_security_group(
        GroupName="emr-primary", Description="EMR primary node", VpcId=vpc_id
    )["GroupId"]
    manager = manager_for(home)
    try:
        vpcs = await manager.ec2_choices("AWS::EC2::VPC::Id")
        assert {"value": vpc_id, "label": f"{vpc_id} · analytics · 10.60.0.0/16"} in vpcs
        subnets = await manager.ec2_choices("AWS::EC2::Subnet::Id")
        (mine,) = [c for c in subnets if c["value"] == subnet_id]
        assert mine["label"].startswith(f"{subnet_id} · private-a · 10.60.1.0/24 · ")
        assert mine["label"].endswith(vpc_id)
        groups = await manager.ec2_choices("List<AWS::EC2::SecurityGroup::Id>")
        assert {
            "value": group_id,
            "label": f"{group_id} · emr-primary · EMR primary node · {vpc_id}",
        } in groups
        with pytest.raises(StudioError) as refused:
            await manager.ec2_choices("AWS::EC2::KeyPair::KeyName")
        assert refused.value.code == "ValidationException"
        with Stubber(manager.client("ec2")) as stub:
            stub.add_client_error(
                "describe_subnets",
                "UnauthorizedOperation",
                "You are not authorized to perform this operation.",
                403,
            )
            with pytest.raises(StudioError) as denied:
                await manager.ec2_choices("AWS::EC2::Subnet::Id")
        assert denied.value.code == "UnauthorizedOperation"
        assert "You may not list the account's subnets" in denied.value.message
        assert "ec2:DescribeSubnets" in denied.value.message
    finally:
        manager.close()


async def test_unknown_state_is_refused(home: Path) -> None:
    manager = manager_for(home)
    try:
        with pytest.raises(StudioError) as caught:
            await manager.list_clusters(["RUNNING", "SLEEPING"])
        assert caught.value.code == "ValidationException"
        assert "SLEEPING" in caught.value.message
    finally:
        manager.close()


# -- connect cell ---------------------------------------------------------------------------------


async def test_connect_cell_text_with_and_without_role(home: Path) -> None:
    write_roles(home, json.dumps({B: ROLE_B}))
    own_id = run_cluster(boto3.client("emr"), "own")
    b_id = run_cluster(assumed_client("emr", ROLE_B), "b")
    manager = manager_for(home)
    try:
        assert manager.connect_cell("j-3X4Y5Z", OWN) == (
            "%sm_analytics emr connect --verify-certificate False --cluster-id j-3X4Y5Z "
            "--auth-type None --language python"
        )
        assert manager.connect_cell("j-3X4Y5Z", B) == (
            "%sm_analytics emr connect --verify-certificate False --cluster-id j-3X4Y5Z "
            f"--auth-type None --language python --assumable-role-arn {ROLE_B}"
        )
        rows = {c.id: c.to_json() for c in (await manager.list_clusters()).clusters}
        assert rows[own_id]["connectCell"] == manager.connect_cell(own_id, OWN)
        assert rows[b_id]["connectCell"] == manager.connect_cell(b_id, B)
        assert rows[b_id]["connectCell"].endswith(f"--assumable-role-arn {ROLE_B}")
    finally:
        manager.close()


# -- Spark UI ------------------------------------------------------------------------------------


def described(cluster_id: str, state: str, account: str = OWN) -> dict[str, Any]:
    return {
        "Cluster": {
            "Id": cluster_id,
            "Name": "c",
            "Status": {"State": state},
            "ClusterArn": f"arn:aws:elasticmapreduce:us-east-1:{account}:cluster/{cluster_id}",
        }
    }


async def test_spark_ui_of_a_running_cluster_is_the_live_application_ui(home: Path) -> None:
    manager = manager_for(home, max_workers=1)
    try:
        url = "https://p-1.emrappui-prod.us-east-1.amazonaws.com/shs/?AuthToken=x"
        with Stubber(manager.client("emr")) as stub:
            stub.add_response(
                "describe_cluster", described("j-RUN", "WAITING"), {"ClusterId": "j-RUN"}
            )
            stub.add_response(
                "get_on_cluster_app_ui_presigned_url",
                {"PresignedURLReady": True, "PresignedURL": url},
                {"ClusterId": "j-RUN", "OnClusterAppUIType": "ApplicationMaster"},
            )
            assert await manager.spark_ui_url("j-RUN") == url
            stub.assert_no_pending_responses()
    finally:
        manager.close()


async def test_spark_ui_of_a_terminated_cluster_goes_through_a_persistent_ui(home: Path) -> None:
    manager = manager_for(home, max_workers=1, poll_interval=0.0)
    try:
        arn = f"arn:aws:elasticmapreduce:us-east-1:{OWN}:cluster/j-OLD"
        url = "https://p-2.emrappui-prod.us-east-1.amazonaws.com/shs/?AuthToken=y"
        with Stubber(manager.client("emr")) as stub:
            stub.add_response(
                "describe_cluster", described("j-OLD", "TERMINATED"), {"ClusterId": "j-OLD"}
            )
            stub.add_response(
                "create_persistent_app_ui",
                {"PersistentAppUIId": "p-2"},
                {"TargetResourceArn": arn},
            )
            for status in ("CREATING", "ATTACHING", "ATTACHED"):
                stub.add_response(
                    "describe_persistent_app_ui",
                    {
                        "PersistentAppUI": {
                            "PersistentAppUIId": "p-2",
                            "PersistentAppUIStatus": status,
                        }
                    },
                    {"PersistentAppUIId": "p-2"},
                )
            stub.add_response(
                "get_persistent_app_ui_presigned_url",
                {"PresignedURLReady": True, "PresignedURL": url},
                {"PersistentAppUIId": "p-2", "PersistentAppUIType": "SHS"},
            )
            assert await manager.spark_ui_url("j-OLD") == url
            stub.assert_no_pending_responses()
    finally:
        manager.close()


async def test_spark_ui_that_never_attaches_says_so(home: Path) -> None:
    manager = manager_for(home, max_workers=1, poll_interval=0.0, ui_attach_timeout=0.0)
    try:
        with Stubber(manager.client("emr")) as stub:
            stub.add_response("describe_cluster", described("j-OLD", "TERMINATED"))
            stub.add_response("create_persistent_app_ui", {"PersistentAppUIId": "p-3"})
            stub.add_response(
                "describe_persistent_app_ui",
                {
                    "PersistentAppUI": {
                        "PersistentAppUIId": "p-3",
                        "PersistentAppUIStatus": "CREATING",
                    }
                },
            )
            with pytest.raises(StudioError) as caught:
                await manager.spark_ui_url("j-OLD")
        assert caught.value.code == "PersistentAppUINotAttached"
        assert caught.value.status == 504
        assert "p-3" in caught.value.message
    finally:
        manager.close()


async def test_spark_ui_of_another_account_uses_its_role(home: Path) -> None:
    write_roles(home, json.dumps({B: ROLE_B}))
    manager = manager_for(home, max_workers=1)
    try:
        with Stubber(manager.client("emr", B)) as stub:
            stub.add_response("describe_cluster", described("j-B", "RUNNING", B))
            stub.add_response(
                "get_on_cluster_app_ui_presigned_url",
                {"PresignedURLReady": True, "PresignedURL": "https://b.example/ui"},
            )
            assert await manager.spark_ui_url("j-B", B) == "https://b.example/ui"
    finally:
        manager.close()


async def test_aws_errors_keep_code_and_message(home: Path) -> None:
    manager = manager_for(home)
    try:
        with pytest.raises(StudioError) as caught:
            await manager.describe_cluster("j-DOESNOTEXIST")
        assert caught.value.code == "InvalidRequestException"
        assert "j-DOESNOTEXIST" in caught.value.message
        assert caught.value.status == 400
    finally:
        manager.close()


# -- terminate -------------------------------------------------------------------------------------


async def test_terminate_routes_catalog_clusters_through_their_product(home: Path) -> None:
    emr = boto3.client("emr")
    product_arn = f"arn:aws:servicecatalog:us-east-1:{OWN}:stack/analytics/pp-abc123"
    from_catalog = run_cluster(
        emr,
        "from-catalog",
        [{"Key": "aws:servicecatalog:provisionedProductArn", "Value": product_arn}],
    )
    stack_id = f"arn:aws:cloudformation:us-east-1:{OWN}:stack/SC-{OWN}-pp-def456/1234"
    from_stack = run_cluster(
        emr, "from-stack", [{"Key": "aws:cloudformation:stack-id", "Value": stack_id}]
    )
    plain = run_cluster(emr, "plain")
    manager = manager_for(home, max_workers=1)
    try:
        with Stubber(manager.client("servicecatalog")) as catalog:
            catalog.add_response(
                "terminate_provisioned_product",
                {"RecordDetail": {"RecordId": "rec-1", "Status": "CREATED"}},
                {"ProvisionedProductId": "pp-abc123", "TerminateToken": ANY},
            )
            catalog.add_response(
                "search_provisioned_products",
                {"ProvisionedProducts": [{"Id": "pp-def456", "Name": "x"}]},
                {"Filters": {"SearchQuery": [f"physicalId:{stack_id}"]}},
            )
            catalog.add_response(
                "terminate_provisioned_product",
                {"RecordDetail": {"RecordId": "rec-2", "Status": "CREATED"}},
                {"ProvisionedProductId": "pp-def456", "TerminateToken": ANY},
            )
            first = await manager.terminate(from_catalog)
            second = await manager.terminate(from_stack)
            catalog.assert_no_pending_responses()
        assert (first.method, first.provisioned_product_id, first.record_id) == (
            "servicecatalog",
            "pp-abc123",
            "rec-1",
        )
        assert (second.method, second.provisioned_product_id) == ("servicecatalog", "pp-def456")
        third = await manager.terminate(plain)
        assert third.to_json() == {
            "clusterId": plain,
            "method": "emr",
            "provisionedProductId": None,
            "recordId": None,
        }
        state = emr.describe_cluster(ClusterId=plain)["Cluster"]["Status"]["State"]
        assert state in {"TERMINATING", "TERMINATED"}
        untouched = emr.describe_cluster(ClusterId=from_catalog)["Cluster"]["Status"]["State"]
        assert untouched == "WAITING"
    finally:
        manager.close()


async def test_terminate_in_another_account_uses_its_role(home: Path) -> None:
    write_roles(home, json.dumps({B: ROLE_B}))
    emr_b = assumed_client("emr", ROLE_B)
    b_id = run_cluster(emr_b, "b")
    manager = manager_for(home)
    try:
        result = await manager.terminate(b_id, B)
        assert result.method == "emr"
        assert emr_b.describe_cluster(ClusterId=b_id)["Cluster"]["Status"]["State"] in {
            "TERMINATING",
            "TERMINATED",
        }
    finally:
        manager.close()


# -- products --------------------------------------------------------------------------------------


def summary(product_id: str, name: str) -> dict[str, Any]:
    return {
        "Id": f"prodview-{product_id[5:]}",
        "ProductId": product_id,
        "Name": name,
        "Owner": "IT",
    }


async def test_products_are_filtered_by_the_studio_visibility_tag(home: Path) -> None:
    manager = manager_for(home, max_workers=1)
    visible = [{"Key": "sagemaker:studio-visibility:emr", "Value": "true"}]
    try:
        with Stubber(manager.client("servicecatalog")) as catalog:
            catalog.add_response(
                "search_products",
                {
                    "ProductViewSummaries": [
                        summary("prod-aaaaaaaaaaaaa", "EMR small"),
                        summary("prod-bbbbbbbbbbbbb", "S3 bucket"),
                    ],
                    "NextPageToken": "page2",
                },
                {"PageSize": 100},
            )
            catalog.add_response(
                "search_products",
                {
                    "ProductViewSummaries": [
                        summary("prod-ccccccccccccc", "EMR hidden"),
                        summary("prod-ddddddddddddd", "EMR shared"),
                    ]
                },
                {"PageSize": 100, "PageToken": "page2"},
            )
            catalog.add_response(
                "describe_product_as_admin", {"Tags": visible}, {"Id": "prod-aaaaaaaaaaaaa"}
            )
            catalog.add_response(
                "describe_product_as_admin",
                {"Tags": [{"Key": "team", "Value": "data"}]},
                {"Id": "prod-bbbbbbbbbbbbb"},
            )
            catalog.add_response(
                "describe_product_as_admin",
                {"Tags": [{"Key": "sagemaker:studio-visibility:emr", "Value": "false"}]},
                {"Id": "prod-ccccccccccccc"},
            )
            # A product shared from another account: no admin view, the launch path carries the tag.
            catalog.add_client_error(
                "describe_product_as_admin",
                "AccessDeniedException",
                "not authorized to perform servicecatalog:DescribeProductAsAdmin",
                400,
            )
            catalog.add_response(
                "list_launch_paths",
                {"LaunchPathSummaries": [{"Id": "port-1", "Name": "analytics", "Tags": visible}]},
                {"ProductId": "prod-ddddddddddddd"},
            )
            products = await manager.list_products()
            catalog.assert_no_pending_responses()
        assert [(p.id, p.name) for p in products] == [
            ("prod-aaaaaaaaaaaaa", "EMR small"),
            ("prod-ddddddddddddd", "EMR shared"),
        ]
        assert products[0].to_json()["viewId"] == "prodview-aaaaaaaaaaaaa"
    finally:
        manager.close()


def parameter(key: str, **extra: Any) -> dict[str, Any]:
    return {"ParameterKey": key, "ParameterType": "String", "Description": key, **extra}


PRODUCT_PARAMETERS = [
    parameter("SageMakerProjectName"),
    parameter("SageMakerProjectId"),
    parameter("EmrClusterName"),
    parameter(
        "CoreInstanceCount",
        DefaultValue="2",
        ParameterConstraints={"AllowedValues": ["2", "5", "10"]},
    ),
    parameter(
        "IdleTimeout",
        ParameterType="Number",
        DefaultValue="3600",
        ParameterConstraints={
            "MinValue": "600",
            "MaxValue": "86400",
            "ConstraintDescription": "between 10 minutes and a day",
        },
    ),
    parameter(
        "Owner",
        DefaultValue="data",
        ParameterConstraints={"AllowedPattern": "[a-z]+", "MinLength": "2", "MaxLength": "8"},
    ),
    parameter("DbPassword", IsNoEcho=True, DefaultValue="changeit"),
]


def stub_form(catalog: Stubber, template_url: str | None = None) -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    catalog.add_response(
        "describe_product",
        {
            "ProductViewSummary": {"Id": "prodview-1", "ProductId": "prod-1", "Name": "EMR"},
            "ProvisioningArtifacts": [
                {"Id": "pa-old", "Name": "v1", "CreatedTime": created, "Guidance": "DEFAULT"},
                {
                    "Id": "pa-new",
                    "Name": "v2",
                    "CreatedTime": created + timedelta(days=2),
                    "Guidance": "DEFAULT",
                },
                {
                    "Id": "pa-deprecated",
                    "Name": "v3",
                    "CreatedTime": created + timedelta(days=9),
                    "Guidance": "DEPRECATED",
                },
            ],
            "LaunchPaths": [{"Id": "lpv3-path", "Name": "analytics"}],
        },
        {"Id": "prod-1"},
    )
    catalog.add_response(
        "describe_provisioning_parameters",
        {
            "ProvisioningArtifactParameters": PRODUCT_PARAMETERS,
            "ConstraintSummaries": [{"Type": "LAUNCH", "Description": "launch as EMRLaunchRole"}],
        },
        {"ProductId": "prod-1", "ProvisioningArtifactId": "pa-new", "PathId": "lpv3-path"},
    )
    catalog.add_response(
        "describe_provisioning_artifact",
        {"Info": {"TemplateUrl": template_url} if template_url else {}},
        {"ProductId": "prod-1", "ProvisioningArtifactId": "pa-new", "Verbose": True},
    )


async def test_parameters_hide_the_sagemaker_project_ones(home: Path) -> None:
    manager = manager_for(home, max_workers=1)
    url = "https://templates.example/emr.yaml"
    interface = {
        "AWS::CloudFormation::Interface": {
            "ParameterGroups": [
                {
                    "Label": {"default": "Cluster"},
                    "Parameters": ["SageMakerProjectId", "EmrClusterName", "CoreInstanceCount"],
                }
            ],
            "ParameterLabels": {"CoreInstanceCount": {"default": "Number of core nodes"}},
        }
    }
    try:
        with (
            Stubber(manager.client("servicecatalog")) as catalog,
            Stubber(manager.client("cloudformation")) as cloudformation,
        ):
            stub_form(catalog, url)
            cloudformation.add_response(
                "get_template_summary", {"Metadata": json.dumps(interface)}, {"TemplateURL": url}
            )
            form = await manager.provisioning_parameters("prod-1")
        assert (form.artifact_id, form.artifact_name, form.path_id) == ("pa-new", "v2", "lpv3-path")
        keys = [p.key for p in form.parameters]
        assert keys == ["EmrClusterName", "CoreInstanceCount", "IdleTimeout", "Owner", "DbPassword"]
        assert set(form.hidden_keys) == {"SageMakerProjectName", "SageMakerProjectId"}
        as_json = form.to_json()
        core = as_json["parameters"][1]
        assert core["allowedValues"] == ["2", "5", "10"]
        assert core["default"] == "2"
        assert core["label"] == "Number of core nodes"
        idle = as_json["parameters"][2]
        assert (idle["minValue"], idle["maxValue"]) == (600, 86400)
        assert idle["constraintDescription"] == "between 10 minutes and a day"
        assert as_json["parameters"][4]["noEcho"] is True
        assert as_json["groups"] == [
            {"label": "Cluster", "parameters": ["EmrClusterName", "CoreInstanceCount"]}
        ]
        assert as_json["constraints"] == ["launch as EMRLaunchRole"]
        assert "SageMakerProject" not in json.dumps(as_json["parameters"])
    finally:
        manager.close()


async def test_create_cluster_fills_the_project_parameters(home: Path) -> None:
    manager = manager_for(home, max_workers=1)
    try:
        with Stubber(manager.client("servicecatalog")) as catalog:
            stub_form(catalog)
            catalog.add_response(
                "provision_product",
                {"RecordDetail": {"RecordId": "rec-new", "Status": "CREATED"}},
                {
                    "ProductId": "prod-1",
                    "ProvisioningArtifactId": "pa-new",
                    "PathId": "lpv3-path",
                    "ProvisionedProductName": "team-analytics",
                    "ProvisioningParameters": [
                        {"Key": "EmrClusterName", "Value": "analytics"},
                        {"Key": "CoreInstanceCount", "Value": "5"},
                        {"Key": "SageMakerProjectName", "Value": "team-analytics"},
                        {"Key": "SageMakerProjectId", "Value": ANY},
                    ],
                    "ProvisionToken": ANY,
                },
            )
            record = await manager.create_cluster(
                "prod-1",
                None,
                "team-analytics",
                {"EmrClusterName": "analytics", "CoreInstanceCount": "5"},
            )
            catalog.assert_no_pending_responses()
        assert record == "rec-new"
    finally:
        manager.close()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"EmrClusterName": "a", "CoreInstanceCount": "3"}, "'3' is not one of 2, 5, 10"),
        ({"EmrClusterName": "a", "IdleTimeout": "60"}, "must be at least 600"),
        ({"EmrClusterName": "a", "IdleTimeout": "soon"}, "'soon' is not a number"),
        ({"EmrClusterName": "a", "Owner": "Data"}, "must match the pattern [a-z]+"),
        ({"EmrClusterName": "a", "Owner": "abcdefghij"}, "at most 8 characters"),
        ({"CoreInstanceCount": "2"}, "EmrClusterName: a value is required"),
        ({"EmrClusterName": "a", "Colour": "blue"}, "Colour are not parameters"),
    ],
)
async def test_create_cluster_refuses_values_outside_the_guardrails(
    home: Path, params: dict[str, str], message: str
) -> None:
    manager = manager_for(home, max_workers=1)
    try:
        with Stubber(manager.client("servicecatalog")) as catalog:
            stub_form(catalog)  # no provision_product stubbed: it must never be called
            with pytest.raises(StudioError) as caught:
                await manager.create_cluster("prod-1", None, "ok-name", params)
        assert caught.value.code == "ValidationException"
        assert message in caught.value.message
    finally:
        manager.close()


async def test_create_cluster_refuses_a_bad_name_before_calling_aws(home: Path) -> None:
    manager = manager_for(home, max_workers=1)
    try:
        with Stubber(manager.client("servicecatalog")), pytest.raises(StudioError) as caught:
            await manager.create_cluster("prod-1", None, "no spaces please", {})
        assert "no spaces please" in caught.value.message
    finally:
        manager.close()


async def test_provisioning_status_finds_the_cluster_of_the_product(home: Path) -> None:
    product_arn = f"arn:aws:servicecatalog:us-east-1:{OWN}:stack/analytics/pp-xyz"
    run_cluster(boto3.client("emr"), "other")
    cluster_id = run_cluster(
        boto3.client("emr"),
        "analytics",
        [{"Key": "aws:servicecatalog:provisionedProductArn", "Value": product_arn}],
    )
    manager = manager_for(home, max_workers=1)
    try:
        with Stubber(manager.client("servicecatalog")) as catalog:
            catalog.add_response(
                "describe_record",
                {
                    "RecordDetail": {
                        "RecordId": "rec-9",
                        "Status": "SUCCEEDED",
                        "RecordType": "PROVISION_PRODUCT",
                        "ProvisionedProductId": "pp-xyz",
                        "ProvisionedProductName": "analytics",
                        "CreatedTime": datetime.now(UTC) - timedelta(minutes=5),
                    },
                    "RecordOutputs": [
                        {"OutputKey": "EMRMasterDNSName", "OutputValue": "ip-10-0-0-5.ec2.internal"}
                    ],
                },
                {"Id": "rec-9"},
            )
            catalog.add_response(
                "describe_record",
                {
                    "RecordDetail": {
                        "RecordId": "rec-10",
                        "Status": "FAILED",
                        "RecordType": "PROVISION_PRODUCT",
                        "RecordErrors": [
                            {"Code": "CFN", "Description": "Parameter CoreInstanceCount failed"}
                        ],
                    }
                },
                {"Id": "rec-10"},
            )
            catalog.add_response(
                "describe_record",
                {
                    "RecordDetail": {
                        "RecordId": "rec-11",
                        "Status": "SUCCEEDED",
                        "RecordType": "PROVISION_PRODUCT",
                        "ProvisionedProductId": "pp-no-cluster",
                    }
                },
                {"Id": "rec-11"},
            )
            ready = await manager.provisioning_status("rec-9")
            failed = await manager.provisioning_status("rec-10")
            clusterless = await manager.provisioning_status("rec-11")
        assert (ready.cluster_id, ready.cluster_state, ready.done) == (cluster_id, "WAITING", True)
        assert ready.to_json()["outputs"] == {"EMRMasterDNSName": "ip-10-0-0-5.ec2.internal"}
        assert failed.done
        assert failed.cluster_id is None
        assert failed.errors == ("CFN: Parameter CoreInstanceCount failed",)
        # A product that made no cluster we can find: provisioning is over all the same.
        assert (clusterless.cluster_id, clusterless.done) == (None, True)
    finally:
        manager.close()


# -- launches in progress ----------------------------------------------------------------------

ACTIVE = ["STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING", "TERMINATING"]


def provisioned(product_id: str, status: str, minutes_ago: float, **extra: Any) -> dict[str, Any]:
    """A ProvisionedProductAttribute as SearchProvisionedProducts answers it."""
    return {
        "Id": product_id,
        "Name": f"{product_id}-name",
        "Arn": f"arn:aws:servicecatalog:us-east-1:{OWN}:stack/{product_id}-name/{product_id}",
        "Type": "CFN_STACK",
        "Status": status,
        "CreatedTime": datetime.now(UTC) - timedelta(minutes=minutes_ago),
        "LastRecordId": f"rec-{product_id}",
        "LastProvisioningRecordId": f"rec-{product_id}",
        "ProductId": "prod-emr",
        "ProductName": "EMR cluster",
        **extra,
    }


async def test_a_launch_without_its_cluster_yet_is_listed_from_the_catalog(home: Path) -> None:
    made_arn = f"arn:aws:servicecatalog:us-east-1:{OWN}:stack/made/pp-made"
    made = run_cluster(
        boto3.client("emr"),
        "made-from-the-catalog",
        [{"Key": "aws:servicecatalog:provisionedProductArn", "Value": made_arn}],
    )
    calls = Calls()
    manager = manager_for(home, calls, max_workers=2)
    try:
        with Stubber(manager.client("servicecatalog")) as catalog:
            catalog.add_response(
                "search_provisioned_products",
                {
                    "ProvisionedProducts": [
                        # The stack has not made its cluster yet: shown from the catalog.
                        provisioned("pp-new", "UNDER_CHANGE", 0.5),
                        # Its cluster exists (tagged with the product): the cluster's row only.
                        provisioned("pp-made", "UNDER_CHANGE", 1),
                        # Being changed after it was made once, or being terminated: not a launch.
                        provisioned(
                            "pp-update",
                            "UNDER_CHANGE",
                            60,
                            LastSuccessfulProvisioningRecordId="rec-first",
                        ),
                        provisioned("pp-ending", "UNDER_CHANGE", 30, LastRecordId="rec-terminate"),
                        provisioned("pp-done", "AVAILABLE", 90),
                    ]
                },
                {"Filters": {"SearchQuery": ["status:UNDER_CHANGE"]}, "PageSize": 100},
            )
            listing = await manager.list_clusters(ACTIVE)
            catalog.assert_no_pending_responses()
        assert [c.id for c in listing.clusters] == [made]
        (launch,) = listing.launching
        assert launch.to_json() == {
            "provisionedProductId": "pp-new",
            "name": "pp-new-name",
            "status": "UNDER_CHANGE",
            "statusMessage": "",
            "createdTime": launch.created_time.isoformat() if launch.created_time else None,
            "accountId": OWN,
            "recordId": "rec-pp-new",
            "productName": "EMR cluster",
        }
        assert launch.created_time is not None
        assert listing.to_json()["launching"] == [launch.to_json()]

        # A filter without starting clusters asks the catalog nothing.
        before = calls.count("SearchProvisionedProducts")
        listing = await manager.list_clusters(["RUNNING", "WAITING"])
        assert listing.launching == ()
        assert calls.count("SearchProvisionedProducts") == before
    finally:
        manager.close()


async def test_a_user_who_may_not_search_the_catalog_still_gets_the_clusters(home: Path) -> None:
    own = run_cluster(boto3.client("emr"), "own")
    manager = manager_for(home, max_workers=2)
    try:
        with Stubber(manager.client("servicecatalog")) as catalog:
            catalog.add_client_error(
                "search_provisioned_products",
                "AccessDeniedException",
                "not authorized to perform: servicecatalog:SearchProvisionedProducts",
                400,
            )
            listing = await manager.list_clusters(ACTIVE)
        assert [c.id for c in listing.clusters] == [own]
        assert listing.launching == ()
        assert listing.failures == ()
    finally:
        manager.close()

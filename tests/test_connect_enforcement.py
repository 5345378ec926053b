"""A Studio user's connect is refused when the network cannot carry it, naming the missing piece.

The seed's world (account A: Studio, account B: EMR, peered) is built by its
admins through boto3, with one real cluster in B. The data worker's
credentials carry the Studio domain and user profile as transitive session
tags and are chained into B's discovery role, as the connect magic does.
Each test breaks one piece with the admins' EC2 APIs, checks that
``StartSession``, ``GetSessionEndpoint``, the presigned UI URLs and Livy name
exactly that piece with its account and fix, runs the fix as printed with
the AWS CLI in the account it names, and sees the connect succeed again.

Marked ``spark`` (the cluster runs real Spark): run under the shared Spark lock.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from IPython.core.interactiveshell import InteractiveShell

from clusterport.cli.seed.world import EMR_ACCOUNT, STUDIO_ACCOUNT, STUDIO_CIDR, SeedWorld
from clusterport.cli.up import shared_cluster
from clusterport.studio.emr_connect import EmrConnectError
from clusterport.studio.livy_auth import SigV4Livy, platform_livy_url
from clusterport.studio.magics import AnalyticsMagics
from conftest import RunningServer
from connect_support import (
    REGION,
    assume,
    build_world,
    delete_route_back,
    fix_command,
    missing_piece,
    restore_route_back,
    run_aws,
    set_accepter_dns,
    set_studio_rules,
    studio_rules,
    studio_user,
)
from emr_support import processes_mentioning, terminate_quietly

pytestmark = pytest.mark.spark
#: Allowed connections must really reach Spark: the module's server runs the local engine.
SERVER_ENGINE = "local"


@pytest.fixture(scope="module")
def world(server: RunningServer) -> SeedWorld:
    return build_world(server)


@pytest.fixture(scope="module")
def cluster(server: RunningServer, world: SeedWorld) -> Iterator[str]:
    """The shared Spark cluster in account B, created by B's admin; terminated at the end."""
    emr = server.client("emr", EMR_ACCOUNT)
    cluster_id = shared_cluster(world, emr)
    try:
        emr.get_waiter("cluster_running").wait(
            ClusterId=cluster_id, WaiterConfig={"Delay": 2, "MaxAttempts": 150}
        )
        yield cluster_id
    finally:
        terminate_quietly(emr, cluster_id)
        assert processes_mentioning(str(Path(server.data_dir) / "clusters" / cluster_id)) == []


@pytest.fixture(scope="module")
def user_session(server: RunningServer, world: SeedWorld) -> boto3.Session:
    """The data worker's credentials in account B, through the discovery role."""
    return assume(
        studio_user(server, world), server.url, world.discovery_role_arn, "SageMakerStudioUser"
    )


@pytest.fixture(scope="module")
def user_emr(server: RunningServer, user_session: boto3.Session) -> Any:
    """The data worker's EMR client in account B."""
    return user_session.client("emr", endpoint_url=server.url)


def livy(server: RunningServer, session: boto3.Session, cluster_id: str) -> requests.Response:
    """``GET /sessions`` on the cluster's Livy, signed as the connect magic signs it."""
    url = platform_livy_url(server.url, cluster_id)
    credentials = session.get_credentials()
    assert credentials is not None
    return requests.get(url + "/sessions", auth=SigV4Livy(credentials, REGION, url), timeout=30)


@pytest.fixture(scope="module")
def admin_emr(server: RunningServer) -> Any:
    return server.client("emr", EMR_ACCOUNT)


@pytest.fixture(scope="module")
def persistent_ui(server: RunningServer, world: SeedWorld, cluster: str, user_emr: Any) -> str:
    """The cluster's persistent app UI, created by the data worker."""
    # The seed's discovery policy grants the persistent-UI actions on cluster/* only: the
    # platform authorizes them against the cluster the UI shows, as AWS does.
    arn = user_emr.describe_cluster(ClusterId=cluster)["Cluster"]["ClusterArn"]
    return str(user_emr.create_persistent_app_ui(TargetResourceArn=arn)["PersistentAppUIId"])


@pytest.fixture
def intact(server: RunningServer, world: SeedWorld) -> Iterator[None]:
    """Whatever a test breaks, the seed's network is whole again afterwards."""
    rules = studio_rules(server, world)
    assert rules, "the seed admits the Studio group on the primary node"
    yield
    restore_route_back(server, world)
    set_studio_rules(server, world, rules)
    set_accepter_dns(server, world, True)


def livy_magic_refusal(
    server: RunningServer, world: SeedWorld, cluster_id: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The message ``%sm_analytics emr connect … --livy`` fails with for the data worker."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    own = studio_user(server, world)
    shell = InteractiveShell.instance()
    shell.register_magics(AnalyticsMagics(shell, session_factory=lambda: own))
    try:
        with pytest.raises(EmrConnectError) as caught:
            shell.run_line_magic(
                "sm_analytics",
                f"emr connect --cluster-id {cluster_id} --auth-type None --language python "
                f"--livy --assumable-role-arn {world.discovery_role_arn}",
            )
    finally:
        if shell.find_line_magic("spark") is not None:
            shell.run_line_magic("spark", "cleanup")
    assert caught.value.code == "LivySessionFailed"
    return caught.value.message


def refusal(call: Any, **params: Any) -> str:
    """The message of an InvalidRequestException (400) the call must raise."""
    with pytest.raises(ClientError) as info:
        call(**params)
    error = info.value.response["Error"]
    assert error["Code"] == "InvalidRequestException", error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(error["Message"])


def start(emr: Any, cluster_id: str) -> str:
    session_id = str(emr.start_session(ClusterId=cluster_id, Name="notebook")["Id"])
    emr.get_session_endpoint(ClusterId=cluster_id, SessionId=session_id)
    return session_id


def ui_url(emr: Any, cluster_id: str, kind: str = "SparkHistoryServer") -> str:
    answer = emr.get_on_cluster_app_ui_presigned_url(ClusterId=cluster_id, OnClusterAppUIType=kind)
    assert answer["PresignedURLReady"] is True
    return str(answer["PresignedURL"])


def test_a_complete_network_lets_the_studio_user_connect(
    server: RunningServer,
    cluster: str,
    user_session: boto3.Session,
    user_emr: Any,
    persistent_ui: str,
) -> None:
    session_id = str(user_emr.start_session(ClusterId=cluster, Name="notebook")["Id"])
    endpoint = user_emr.get_session_endpoint(ClusterId=cluster, SessionId=session_id)
    assert endpoint["Endpoint"].startswith("sc://localhost:")
    assert endpoint["AuthToken"]
    assert "/_ui/" in ui_url(user_emr, cluster)
    assert "/_ui/" in ui_url(user_emr, cluster, "ApplicationMaster")
    persistent = user_emr.get_persistent_app_ui_presigned_url(PersistentAppUIId=persistent_ui)
    assert persistent["PresignedURLReady"] is True
    assert "/_ui/" in persistent["PresignedURL"]
    user_emr.terminate_session(ClusterId=cluster, SessionId=session_id)
    reply = livy(server, user_session, cluster)
    assert reply.status_code == 200, reply.text
    assert "sessions" in reply.json()
    # The request is in B's audit trail, allowed, under the Studio user's role session.
    trail = server.client("cloudtrail", EMR_ACCOUNT).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AccessLivyEndpoints"}]
    )["Events"]
    allowed = json.loads(trail[0]["CloudTrailEvent"])
    assert allowed["requestParameters"]["clusterId"] == cluster
    assert "errorCode" not in allowed
    assert allowed["userIdentity"]["type"] == "AssumedRole"
    assert allowed["userIdentity"]["arn"].endswith("/SageMakerStudioUser")
    # Livy's own port answers only what comes through the platform's checked route.
    configs = user_emr.describe_cluster(ClusterId=cluster)["Cluster"]["Configurations"]
    port = next(
        c["Properties"]["livy.server.port"] for c in configs if c["Classification"] == "livy-conf"
    )
    direct = requests.get(f"http://127.0.0.1:{port}/sessions", timeout=30)
    assert direct.status_code == 403
    assert "/_livy/" in direct.json()["msg"]


def test_a_missing_route_back_is_named_and_its_fix_restores_the_path(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    user_session: boto3.Session,
    user_emr: Any,
    persistent_ui: str,
    intact: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    open_session = start(user_emr, cluster)
    table = delete_route_back(server, world)

    message = refusal(user_emr.start_session, ClusterId=cluster, Name="notebook")
    assert missing_piece(message) == ("route-table", table, EMR_ACCOUNT)
    assert "a Spark Connect session" in message and cluster in message
    assert "TCP 15002" in message and world.studio_subnet in message
    assert f"user profile {world.user_profile}" in message and STUDIO_ACCOUNT in message
    command = fix_command(message)
    assert command == [
        "aws",
        "ec2",
        "create-route",
        "--route-table-id",
        table,
        "--destination-cidr-block",
        STUDIO_CIDR,
        "--vpc-peering-connection-id",
        world.peering_connection,
    ]
    # A session started before the route went away gets no endpoint either.
    again = refusal(user_emr.get_session_endpoint, ClusterId=cluster, SessionId=open_session)
    assert missing_piece(again) == ("route-table", table, EMR_ACCOUNT)
    ui = refusal(
        user_emr.get_on_cluster_app_ui_presigned_url,
        ClusterId=cluster,
        OnClusterAppUIType="SparkHistoryServer",
    )
    assert missing_piece(ui) == ("route-table", table, EMR_ACCOUNT)
    assert "the SparkHistoryServer UI" in ui and "TCP 18080" in ui
    persistent = refusal(
        user_emr.get_persistent_app_ui_presigned_url, PersistentAppUIId=persistent_ui
    )
    assert missing_piece(persistent) == ("route-table", table, EMR_ACCOUNT)
    assert "the persistent Spark UI" in persistent
    refused = livy(server, user_session, cluster)
    assert refused.status_code == 403
    livy_message = refused.json()["msg"]
    assert missing_piece(livy_message) == ("route-table", table, EMR_ACCOUNT)
    assert "Livy" in livy_message and "TCP 8998" in livy_message
    # The connect magic, as the data worker runs it, shows the same explanation.
    magic_error = livy_magic_refusal(server, world, cluster, monkeypatch)
    assert missing_piece(magic_error) == ("route-table", table, EMR_ACCOUNT)

    run_aws(server, EMR_ACCOUNT, command)
    start(user_emr, cluster)
    ui_url(user_emr, cluster)
    assert livy(server, user_session, cluster).status_code == 200


def test_a_revoked_primary_ingress_is_named_per_port(
    server: RunningServer, world: SeedWorld, cluster: str, user_emr: Any, intact: None
) -> None:
    set_studio_rules(server, world, [])
    group = world.emr_primary_security_group

    message = refusal(user_emr.start_session, ClusterId=cluster, Name="notebook")
    assert missing_piece(message) == ("security-group", group, EMR_ACCOUNT)
    command = fix_command(message)
    assert command[:5] == ["aws", "ec2", "authorize-security-group-ingress", "--group-id", group]
    permission = command[command.index("--ip-permissions") + 1]
    assert "FromPort=15002,ToPort=15002" in permission
    assert f"GroupId={world.studio_security_group},UserId={STUDIO_ACCOUNT}" in permission

    run_aws(server, EMR_ACCOUNT, command)
    start(user_emr, cluster)
    # The rule the fix added admits Spark Connect only: the Spark UI's port is still closed.
    ui = refusal(
        user_emr.get_on_cluster_app_ui_presigned_url,
        ClusterId=cluster,
        OnClusterAppUIType="ApplicationMaster",
    )
    assert missing_piece(ui) == ("security-group", group, EMR_ACCOUNT)
    assert "TCP 8088" in ui and "FromPort=8088,ToPort=8088" in ui
    run_aws(server, EMR_ACCOUNT, fix_command(ui))
    ui_url(user_emr, cluster, "ApplicationMaster")


def test_dns_resolution_turned_off_is_named_in_the_accepter_account(
    server: RunningServer, world: SeedWorld, cluster: str, user_emr: Any, intact: None
) -> None:
    set_accepter_dns(server, world, False)

    message = refusal(user_emr.start_session, ClusterId=cluster, Name="notebook")
    assert missing_piece(message) == (
        "vpc-peering-connection",
        world.peering_connection,
        EMR_ACCOUNT,
    )
    command = fix_command(message)
    assert command == [
        "aws",
        "ec2",
        "modify-vpc-peering-connection-options",
        "--vpc-peering-connection-id",
        world.peering_connection,
        "--accepter-peering-connection-options",
        "AllowDnsResolutionFromRemoteVpc=true",
    ]
    run_aws(server, EMR_ACCOUNT, command)
    start(user_emr, cluster)


def test_callers_without_a_studio_source_are_not_checked(
    server: RunningServer,
    world: SeedWorld,
    cluster: str,
    user_emr: Any,
    admin_emr: Any,
    intact: None,
) -> None:
    table = delete_route_back(server, world)
    assert missing_piece(refusal(user_emr.start_session, ClusterId=cluster))[1] == table
    # B's admin sits wherever it sits: the platform does not know its network.
    session_id = start(admin_emr, cluster)
    ui_url(admin_emr, cluster)
    admin_emr.terminate_session(ClusterId=cluster, SessionId=session_id)
    # Nor does it know where a role session without the Studio tags comes from.
    untagged = assume(
        server.session(STUDIO_ACCOUNT, REGION), server.url, world.discovery_role_arn, "script"
    ).client("emr", endpoint_url=server.url)
    start(untagged, cluster)

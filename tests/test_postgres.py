"""PostgreSQL as the store: migrations, the real server over boto3, the CLI, two servers.

Every test runs against a real PostgreSQL server started for the run (see
``postgres_support``); the clusterport servers keep all their state there.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from sqlalchemy import inspect

import boto_support
from clusterport.cli.main import main
from clusterport.platform import Platform, Settings
from clusterport.services import identity
from clusterport.store.db import Database, StoreUnavailableError
from clusterport.store.identity import Account, SessionCredential
from clusterport.store.resources import ResourceStore
from clusterport.store.tables import Base
from conftest import RunningServer, start_server
from postgres_support import (
    SUPERUSER,
    PostgresServer,
    clusterport_on,
    postgres,
    postgres_server,
    postgres_url,
)

__all__ = ["postgres", "postgres_url"]  # the fixtures, used by name

A = "111111111111"
B = "222222222222"
REGION = "us-east-1"
CLUSTERPORT = Path(sys.executable).parent / "clusterport"
NO_RETRIES = BotoConfig(retries={"max_attempts": 1, "mode": "standard"})


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def rows(server: PostgresServer, url: str, query: str, *args: object) -> list[tuple[Any, ...]]:
    """Rows of ``query`` read straight from PostgreSQL (not through clusterport)."""
    with server.connect(database_name(url)) as conn:
        return list(conn.execute(query, args).fetchall())


def script_heads() -> set[str]:
    config = Config()
    config.set_main_option("script_location", "clusterport.store:migrations")
    return set(ScriptDirectory.from_config(config).get_heads())


def schema(server: PostgresServer, url: str) -> dict[str, list[tuple[Any, ...]]]:
    """The public schema as PostgreSQL's catalog describes it."""
    return {
        "columns": rows(
            server,
            url,
            "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable "
            "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2",
        ),
        "indexes": rows(
            server,
            url,
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' ORDER BY 1, 2",
        ),
        "constraints": rows(
            server,
            url,
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2",
        ),
    }


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def on_postgres(data_dir: Path, postgres_url: str) -> Iterator[RunningServer]:
    """A clusterport server whose store is the test's PostgreSQL database."""
    with clusterport_on(data_dir, postgres_url) as running:
        yield running


# ---------------------------------------------------------------------------- migrations


def test_migrations_apply_and_upgrading_again_changes_nothing(
    postgres: PostgresServer, postgres_url: str
) -> None:
    first = Database(postgres_url)
    first.migrate()
    versions = {
        v for (v,) in rows(postgres, postgres_url, "SELECT version_num FROM alembic_version")
    }
    assert versions == script_heads()
    before = schema(postgres, postgres_url)
    tables = {name for (name, *_rest) in before["columns"]}
    assert set(Base.metadata.tables) <= tables
    for table in Base.metadata.tables.values():
        present = {c["name"] for c in inspect(first.engine).get_columns(table.name)}
        assert present == set(table.columns.keys()), table.name
    first.dispose()

    again = Database(postgres_url)
    again.migrate()
    again.dispose()
    assert schema(postgres, postgres_url) == before
    assert {
        v for (v,) in rows(postgres, postgres_url, "SELECT version_num FROM alembic_version")
    } == versions


def test_text_columns_have_no_length_limit(postgres: PostgresServer, postgres_url: str) -> None:
    """SQLite ignores declared lengths; a limit only PostgreSQL enforces would be a 500 there."""
    database = Database(postgres_url)
    database.migrate()
    database.dispose()
    bounded = [
        (table, column, length)
        for table, column, kind, length, _ in schema(postgres, postgres_url)["columns"]
        if table in Base.metadata.tables and kind == "character varying" and length is not None
    ]
    assert bounded == [], (
        "these columns have a length PostgreSQL enforces and SQLite does not; declare them "
        f"String() and relax them in a migration: {bounded}"
    )


def test_a_database_made_before_unbounded_text_is_upgraded_in_place(
    postgres: PostgresServer, postgres_url: str
) -> None:
    database = Database(postgres_url)
    config = Config()
    config.set_main_option("script_location", "clusterport.store:migrations")
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_core")
    [(length,)] = rows(
        postgres,
        postgres_url,
        "SELECT character_maximum_length FROM information_schema.columns "
        "WHERE table_name = 'resources' AND column_name = 'name'",
    )
    assert length == 256
    with database.session() as session:
        session.add(Account(account_id=A, name="kept", created_at=dt.datetime.now(dt.UTC)))
    database.migrate()
    with database.session() as session:
        ResourceStore(session, "ec2").add(
            account_id=A,
            region=REGION,
            kind="security-group",
            resource_id="sg-1",
            name="g" * 300,
            data={},
            now=dt.datetime.now(dt.UTC),
        )
    with database.session() as session:
        account = session.get(Account, A)
        assert account is not None and account.name == "kept"
    database.dispose()


def test_servers_starting_together_migrate_once(postgres_url: str) -> None:
    barrier = threading.Barrier(3)

    def start() -> None:
        database = Database(postgres_url)
        try:
            barrier.wait(30)
            database.migrate()
        finally:
            database.dispose()

    with ThreadPoolExecutor(3) as pool:
        for started in [pool.submit(start) for _ in range(3)]:
            started.result(120)  # raises what a start raised
    database = Database(postgres_url)
    with database.engine.connect() as conn:
        versions = {v for (v,) in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    database.dispose()
    assert versions == script_heads()


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_bare_postgresql_urls_use_psycopg(postgres_url: str, scheme: str) -> None:
    bare = scheme + postgres_url.removeprefix("postgresql+psycopg")
    database = Database(bare)
    try:
        assert database.engine.dialect.driver == "psycopg"
        database.migrate()
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        database.dispose()


def test_libpq_options_in_the_url_reach_the_connection(postgres_url: str) -> None:
    database = Database(f"{postgres_url}?application_name=clusterport-ops&connect_timeout=3")
    try:
        with database.engine.connect() as conn:
            name = conn.exec_driver_sql("SELECT current_setting('application_name')").scalar()
        assert name == "clusterport-ops"
    finally:
        database.dispose()


# ---------------------------------------------------------------------------- values


def test_timestamps_come_back_aware_and_exact(postgres: PostgresServer, postgres_url: str) -> None:
    database = Database(postgres_url)
    database.migrate()
    india = dt.timezone(dt.timedelta(hours=5, minutes=30))
    moment = dt.datetime(2024, 2, 29, 23, 59, 59, 123456, tzinfo=india)
    naive = dt.datetime(2030, 1, 1, 0, 0, 0, 1)
    with database.session() as session:
        session.add(Account(account_id="333333333333", name="aware", created_at=moment))
        session.add(Account(account_id="444444444444", name="naive", created_at=naive))
    database.dispose()

    fresh = Database(postgres_url)
    with fresh.session() as session:
        aware = session.get(Account, "333333333333")
        assumed = session.get(Account, "444444444444")
        assert aware is not None and assumed is not None
        assert aware.created_at == moment
        assert aware.created_at.tzinfo == dt.UTC
        assert aware.created_at.microsecond == 123456
        assert assumed.created_at == naive.replace(tzinfo=dt.UTC)
    fresh.dispose()
    # Stored as UTC wall time: 23:59:59 in India is 18:29:59 UTC.
    [(stored,)] = rows(
        postgres,
        postgres_url,
        "SELECT created_at FROM accounts WHERE account_id = %s",
        "333333333333",
    )
    assert stored == dt.datetime(2024, 2, 29, 18, 29, 59, 123456)


DOCUMENT: dict[str, Any] = {
    "zeta": 1,
    "alpha": [1, 2.5, -3, 10**15, True, False, None],
    "nested": {"deep": {"deeper": [{"k": "v"}, []], "empty": {}}},
    "text": 'quotes " and \\ backslashes, tabs\t and newlines\n',
    "unicode": "Zürich — 東京 — 🚀",
    "nul": "before\x00after",
    "Policy": {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
    },
}


def test_json_documents_round_trip(postgres_url: str) -> None:
    database = Database(postgres_url)
    database.migrate()
    now = dt.datetime.now(dt.UTC)
    with database.session() as session:
        ResourceStore(session, "test").add(
            account_id=A, region=REGION, kind="doc", resource_id="d-1", data=DOCUMENT, now=now
        )
    database.dispose()

    fresh = Database(postgres_url)
    with fresh.session() as session:
        store = ResourceStore(session, "test")
        row = store.get(A, REGION, "doc", "d-1")
        assert row is not None
        assert row.data == DOCUMENT
        assert list(row.data) == list(DOCUMENT)  # key order kept, as SQLite keeps it
        assert row.created_at == now
        store.update(row, {**row.data, "zeta": 2}, now + dt.timedelta(seconds=1), state="done")
    with fresh.session() as session:
        row = ResourceStore(session, "test").get(A, REGION, "doc", "d-1")
        assert row is not None and row.data["zeta"] == 2 and row.state == "done"
        assert row.updated_at - row.created_at == dt.timedelta(seconds=1)
    fresh.dispose()


# ---------------------------------------------------------------------------- the server


def test_boto3_calls_keep_their_state_in_postgres(
    postgres: PostgresServer, postgres_url: str, on_postgres: RunningServer
) -> None:
    server = on_postgres
    assert server.client("sts", A).get_caller_identity()["Arn"] == f"arn:aws:iam::{A}:root"
    assert server.client("sts", B).get_caller_identity()["Account"] == B
    ec2_a, ec2_b = server.client("ec2", A), server.client("ec2", B)

    vpc_a = ec2_a.create_vpc(
        CidrBlock="10.40.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "studio"}]}],
    )["Vpc"]["VpcId"]
    vpc_b = ec2_b.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2_a.create_subnet(VpcId=vpc_a, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    group = ec2_a.create_security_group(GroupName="studio", Description="Studio apps", VpcId=vpc_a)[
        "GroupId"
    ]
    ec2_a.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8998,
                "ToPort": 8998,
                "IpRanges": [{"CidrIp": "10.50.0.0/16"}],
            }
        ],
    )
    pcx = ec2_a.create_vpc_peering_connection(VpcId=vpc_a, PeerVpcId=vpc_b, PeerOwnerId=B)[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    pending = ec2_b.describe_vpc_peering_connections(
        Filters=[{"Name": "status-code", "Values": ["pending-acceptance"]}]
    )["VpcPeeringConnections"]
    assert [p["VpcPeeringConnectionId"] for p in pending] == [pcx]
    expires = pending[0]["ExpirationTime"]
    assert expires > dt.datetime.now(dt.UTC) + dt.timedelta(days=6)
    ec2_b.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)

    def ids(listing: list[dict[str, Any]], key: str) -> list[str]:
        return [item[key] for item in listing]

    by_tag = ec2_a.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["studio"]}])["Vpcs"]
    assert ids(by_tag, "VpcId") == [vpc_a]
    by_cidr = ec2_a.describe_vpcs(
        Filters=[{"Name": "cidr-block-association.cidr-block", "Values": ["10.40.0.0/16"]}]
    )["Vpcs"]
    assert ids(by_cidr, "VpcId") == [vpc_a]
    subnets = ec2_a.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_a]}])["Subnets"]
    assert ids(subnets, "SubnetId") == [subnet]
    groups = ec2_a.describe_security_groups(
        Filters=[
            {"Name": "vpc-id", "Values": [vpc_a]},
            {"Name": "ip-permission.from-port", "Values": ["8998"]},
        ]
    )["SecurityGroups"]
    assert ids(groups, "GroupId") == [group]
    assert groups[0]["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.50.0.0/16"}]
    for ec2 in (ec2_a, ec2_b):
        active = ec2.describe_vpc_peering_connections(
            Filters=[
                {"Name": "status-code", "Values": ["active"]},
                {"Name": "accepter-vpc-info.owner-id", "Values": [B]},
            ]
        )["VpcPeeringConnections"]
        assert ids(active, "VpcPeeringConnectionId") == [pcx]
    assert ec2_b.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["studio"]}])["Vpcs"] == []

    # The state lives in PostgreSQL, and nowhere else.
    stored = {
        (account, kind)
        for account, kind in rows(
            postgres,
            postgres_url,
            "SELECT account_id, kind FROM resources "
            "WHERE service = 'ec2' AND resource_id = ANY(%s)",
            [vpc_a, vpc_b, subnet, group, pcx],
        )
    }
    assert {(A, "vpc"), (B, "vpc"), (A, "subnet"), (A, "security-group")} <= stored
    assert "vpc-peering-connection" in {kind for _, kind in stored}
    assert rows(postgres, postgres_url, "SELECT account_id FROM accounts ORDER BY 1") == [
        (A,),
        (B,),
    ]
    events = rows(
        postgres,
        postgres_url,
        "SELECT event_name FROM audit_events WHERE account_id = %s AND event_name = %s",
        A,
        "CreateVpcPeeringConnection",
    )
    assert events == [("CreateVpcPeeringConnection",)]
    assert not (server.data_dir / "clusterport.db").exists()


def test_session_credentials_expire_when_stored(
    postgres: PostgresServer, postgres_url: str, on_postgres: RunningServer
) -> None:
    issued = on_postgres.client("sts", A).get_session_token(DurationSeconds=900)["Credentials"]
    expiration: dt.datetime = issued["Expiration"]
    assert expiration.tzinfo is not None
    with on_postgres.platform.db.session() as session:
        stored = session.get(SessionCredential, issued["AccessKeyId"])
        assert stored is not None
        assert stored.expires_at.tzinfo == dt.UTC
        assert abs(stored.expires_at - expiration) < dt.timedelta(seconds=1)
        assert stored.expires_at - stored.issued_at == dt.timedelta(seconds=900)
    temporary = boto_support.session(
        issued["AccessKeyId"],
        issued["SecretAccessKey"],
        issued["SessionToken"],
        REGION,
    ).client("sts", endpoint_url=on_postgres.url)
    assert temporary.get_caller_identity()["Account"] == A
    [(sealed,)] = rows(
        postgres,
        postgres_url,
        "SELECT secret_sealed FROM session_credentials WHERE access_key_id = %s",
        issued["AccessKeyId"],
    )
    assert issued["SecretAccessKey"] not in sealed


def _needs(server: RunningServer, service: str) -> None:
    assert service in server.platform.providers, f"the {service} provider is not registered"


TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}
DISCOVERY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": ["elasticmapreduce:ListClusters", "elasticmapreduce:DescribeCluster"],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
        }
    ],
}


def test_iam_roles_and_policies_round_trip(on_postgres: RunningServer) -> None:
    _needs(on_postgres, "iam")
    iam_b = on_postgres.client("iam", B)
    iam_b.create_role(
        RoleName="emr-discovery",
        Path="/studio/",
        AssumeRolePolicyDocument=json.dumps(TRUST),
        Description="Zürich · discovery role",
        Tags=[{"Key": "team", "Value": "data"}],
    )
    iam_b.put_role_policy(
        RoleName="emr-discovery", PolicyName="discovery", PolicyDocument=json.dumps(DISCOVERY)
    )
    arn = iam_b.create_policy(PolicyName="read-vpcs", PolicyDocument=json.dumps(DISCOVERY))[
        "Policy"
    ]["Arn"]
    iam_b.attach_role_policy(RoleName="emr-discovery", PolicyArn=arn)

    role = iam_b.get_role(RoleName="emr-discovery")["Role"]
    assert role["AssumeRolePolicyDocument"] == TRUST
    assert role["Description"] == "Zürich · discovery role"
    assert role["CreateDate"].tzinfo is not None
    assert (
        iam_b.get_role_policy(RoleName="emr-discovery", PolicyName="discovery")["PolicyDocument"]
        == DISCOVERY
    )
    attached = iam_b.list_attached_role_policies(RoleName="emr-discovery")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]

    assumed = on_postgres.client("sts", A).assume_role(
        RoleArn=role["Arn"], RoleSessionName="SageMakerStudioUser"
    )["Credentials"]
    as_role = boto_support.session(
        assumed["AccessKeyId"],
        assumed["SecretAccessKey"],
        assumed["SessionToken"],
        REGION,
    ).client("sts", endpoint_url=on_postgres.url)
    assert as_role.get_caller_identity()["Arn"] == (
        f"arn:aws:sts::{B}:assumed-role/emr-discovery/SageMakerStudioUser"
    )


def test_cloudtrail_looks_up_events_stored_in_postgres(on_postgres: RunningServer) -> None:
    _needs(on_postgres, "cloudtrail")
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    ec2 = on_postgres.client("ec2", A)
    made = [ec2.create_vpc(CidrBlock=f"10.6{i}.0.0/16")["Vpc"]["VpcId"] for i in range(3)]
    trail = on_postgres.client("cloudtrail", A)
    seen: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "CreateVpc"}],
        "StartTime": before,
        "MaxResults": 1,
    }
    while True:  # one event per page: the cursor carries a timestamp through the store
        page = trail.lookup_events(**kwargs)
        seen += page["Events"]
        if "NextToken" not in page:
            break
        kwargs["NextToken"] = page["NextToken"]
    assert [e["EventName"] for e in seen] == ["CreateVpc"] * 3
    assert len({e["EventId"] for e in seen}) == 3
    times = [e["EventTime"] for e in seen]
    assert times == sorted(times, reverse=True) and all(t >= before for t in times)
    asked = [json.loads(e["CloudTrailEvent"])["requestParameters"]["CidrBlock"] for e in seen]
    assert asked == [f"10.6{i}.0.0/16" for i in (2, 1, 0)]  # newest first, each once
    assert len(made) == 3


# ---------------------------------------------------------------------------- two servers


def test_two_servers_on_one_database_see_each_others_writes(
    tmp_path: Path, postgres_url: str
) -> None:
    first_dir, second_dir, stranger_dir = (tmp_path / n for n in ("first", "second", "stranger"))
    with clusterport_on(first_dir, postgres_url) as first:
        second_dir.mkdir()
        (second_dir / "server.key").write_bytes((first_dir / "server.key").read_bytes())
        with clusterport_on(second_dir, postgres_url) as second:
            key = first.account(A)
            second.keys[A] = key  # the same root key, sealed by the shared server.key
            one, two = first.client("ec2", A), second.client("ec2", A)

            vpc = one.create_vpc(CidrBlock="10.70.0.0/16")["Vpc"]["VpcId"]
            assert [v["VpcId"] for v in two.describe_vpcs(VpcIds=[vpc])["Vpcs"]] == [vpc]
            group = two.create_security_group(
                GroupName="from-second", Description="made by the second server", VpcId=vpc
            )["GroupId"]
            found = one.describe_security_groups(
                Filters=[{"Name": "group-name", "Values": ["from-second"]}]
            )["SecurityGroups"]
            assert [g["GroupId"] for g in found] == [group]
            one.delete_security_group(GroupId=group)
            with pytest.raises(ClientError) as excinfo:
                two.describe_security_groups(GroupIds=[group])
            assert excinfo.value.response["Error"]["Code"] == "InvalidGroup.NotFound"
            later = second.client("sts", B).get_caller_identity()  # account made by the second
            first.keys[B] = second.keys[B]
            assert first.client("sts", B).get_caller_identity()["Account"] == later["Account"]

        # A server with a key file of its own cannot open the secrets: it refuses the keys,
        # and a new root key (sealed with its own file) is the way back in.
        with clusterport_on(stranger_dir, postgres_url) as stranger:
            stranger.keys[A] = key
            with pytest.raises(ClientError):
                stranger.client("sts", A, config=NO_RETRIES).get_caller_identity()
            with stranger.platform.db.session() as session:
                stranger.keys[A] = identity.create_root_key(
                    session, stranger.platform.secrets, A, stranger.platform.now()
                )
            assert stranger.client("sts", A).get_caller_identity()["Account"] == A


def test_a_database_restart_costs_no_request(tmp_path: Path) -> None:
    with postgres_server() as own:
        url = own.create_database("restart")
        with clusterport_on(tmp_path / "data", url) as server:
            sts = server.client("sts", A, config=NO_RETRIES)
            ec2 = server.client("ec2", A, config=NO_RETRIES)
            vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
            own.restart()  # every pooled connection is now dead
            assert sts.get_caller_identity()["Account"] == A
            assert [v["VpcId"] for v in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]] == [vpc]


# ---------------------------------------------------------------------------- values alike


def _outcome(call: Any) -> tuple[str, str]:
    try:
        call()
    except ClientError as exc:
        return "error", str(exc.response["Error"]["Code"])
    return "ok", ""


def _edge_cases(server: RunningServer) -> dict[str, tuple[str, str]]:
    """Calls whose values stretch what a column holds; the outcome of each."""
    ec2 = server.client("ec2", A, config=NO_RETRIES)
    vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
    far = boto_support.session(
        server.account(A).access_key_id,
        server.account(A).secret_access_key,
        None,
        "xx-" + "long" * 10 + "-1",
    ).client("ec2", endpoint_url=server.url, config=NO_RETRIES)
    return {
        "group name of 300 characters": _outcome(
            lambda: ec2.create_security_group(GroupName="g" * 300, Description="d", VpcId=vpc)
        ),
        "unicode tag of 256 characters": _outcome(
            lambda: ec2.create_tags(Resources=[vpc], Tags=[{"Key": "k", "Value": "é" * 256}])
        ),
        "lookup of a 600-character id": _outcome(
            lambda: ec2.describe_vpcs(VpcIds=["vpc-" + "0" * 600])
        ),
        "a region name of 45 characters": _outcome(lambda: far.create_vpc(CidrBlock="10.1.0.0/16")),
    }


def test_values_sqlite_keeps_postgres_keeps_too(on_postgres: RunningServer, tmp_path: Path) -> None:
    sqlite, uv, thread = start_server(tmp_path / "sqlite")
    try:
        expected = _edge_cases(sqlite)
    finally:
        uv.should_exit = True
        thread.join(30)
    assert _edge_cases(on_postgres) == expected


def test_nul_characters_are_a_client_error_and_still_audited(
    postgres: PostgresServer, postgres_url: str, on_postgres: RunningServer
) -> None:
    emr = on_postgres.client("emr", A, config=NO_RETRIES)
    with pytest.raises(ClientError) as excinfo:
        emr.describe_cluster(ClusterId="j-\x00")
    error = excinfo.value.response["Error"]
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "NUL character" in error["Message"] and "remove it" in error["Message"]

    sm = on_postgres.client("sagemaker", A, config=NO_RETRIES)
    with pytest.raises(ClientError):  # refused by the model's pattern; the message echoes it
        sm.create_studio_lifecycle_config(
            StudioLifecycleConfigName="x\x00y",
            StudioLifecycleConfigContent="ZWNobw==",
            StudioLifecycleConfigAppType="JupyterServer",
        )
    recorded = rows(
        postgres,
        postgres_url,
        "SELECT event_name, error_message, event FROM audit_events "
        "WHERE event_name IN ('DescribeCluster', 'CreateStudioLifecycleConfig') ORDER BY pk",
    )
    assert [name for name, *_ in recorded] == ["DescribeCluster", "CreateStudioLifecycleConfig"]
    (_, _, described), (_, echoed, _) = recorded
    assert described["requestParameters"] == {"ClusterId": "j-\x00"}  # JSON keeps it as is
    assert "x\ufffdy" in echoed  # the one character PostgreSQL's text cannot hold, replaced


# ---------------------------------------------------------------------------- the CLI


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLUSTERPORT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLUSTERPORT_"))}
    env.update(extra)
    return env


def test_cli_admin_and_server_share_postgres(
    postgres_url: str,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    created = _cli(
        "admin",
        "create-account",
        "--data-dir",
        str(data_dir),
        "--database-url",
        postgres_url,
        "--account-id",
        A,
        "--name",
        "studio",
        env=_clean_env(),
    )
    assert created.returncode == 0, created.stderr
    root = json.loads(created.stdout)
    assert root["AccountId"] == A

    log = (data_dir / "server.log").open("w")
    server = subprocess.Popen(
        [
            str(CLUSTERPORT),
            "server",
            "--port",
            "0",
            "--warm-pool",
            "0",
            "--data-dir",
            str(data_dir),
            "--database-url",
            postgres_url,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_clean_env(),
        start_new_session=True,
    )
    try:
        server_file = data_dir / "server.json"
        deadline = time.monotonic() + 90
        while not server_file.exists():
            assert server.poll() is None, (data_dir / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not start within 90 s"
            time.sleep(0.1)
        url = json.loads(server_file.read_text())["url"]

        def client(key: dict[str, str], service: str) -> Any:
            return boto_support.session(
                key["AccessKeyId"],
                key["SecretAccessKey"],
                None,
                REGION,
            ).client(service, endpoint_url=url)

        assert client(root, "sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{A}:root"
        vpc = client(root, "ec2").create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]

        # An account made while the server runs, the URL given by environment: usable at once.
        # (Run in this process through the entry point; the first one ran as a process.)
        for name in [*os.environ]:
            if name.startswith(("AWS_", "CLUSTERPORT_")):
                monkeypatch.delenv(name)
        monkeypatch.setenv("CLUSTERPORT_DATABASE_URL", postgres_url)
        capsys.readouterr()
        account = ["--account-id", B, "--name", "emr"]
        status = main(["admin", "create-account", "--data-dir", str(data_dir), *account])
        second = capsys.readouterr()
        assert status == 0, second.err
        other = json.loads(second.out)
        assert client(other, "sts").get_caller_identity()["Account"] == B
        with pytest.raises(ClientError) as excinfo:  # accounts stay isolated
            client(other, "ec2").describe_vpcs(VpcIds=[vpc])
        assert excinfo.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"
        status = main(["admin", "list-accounts", "--data-dir", str(data_dir)])
        listed = capsys.readouterr()
        assert status == 0, listed.err
        accounts = json.loads(listed.out)["Accounts"]
        assert [(a["AccountId"], a["Name"]) for a in accounts] == [(A, "studio"), (B, "emr")]
        assert dt.datetime.fromisoformat(accounts[0]["Created"]).tzinfo is not None
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(30)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)
            log.close()
    assert code == 0, (data_dir / "server.log").read_text()
    assert not (data_dir / "server.json").exists()
    assert not (data_dir / "clusterport.db").exists()
    assert (data_dir / "server.key").stat().st_mode & 0o777 == 0o600


def test_a_wrong_password_is_named_without_showing_it(
    postgres: PostgresServer, postgres_url: str, data_dir: Path
) -> None:
    wrong = postgres_url.replace(quote(postgres.password, safe=""), "not-the-password")
    assert wrong != postgres_url
    with pytest.raises(StoreUnavailableError) as excinfo:
        Platform(Settings(data_dir=data_dir, database_url=wrong))
    message = str(excinfo.value)
    assert "password authentication failed" in message and "--database-url" in message
    assert f"127.0.0.1:{postgres.port}/{database_name(postgres_url)}" in message
    assert "not-the-password" not in message


def test_an_unreachable_server_is_named(postgres: PostgresServer, data_dir: Path) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = postgres.url("nowhere").replace(str(postgres.port), str(sock.getsockname()[1]))
    with pytest.raises(StoreUnavailableError) as excinfo:
        Platform(Settings(data_dir=data_dir, database_url=url))
    assert "cannot open the database" in str(excinfo.value)
    assert postgres.password not in str(excinfo.value)


# ---------------------------------------------------------------------------- backups


def test_pg_dump_and_pg_restore_bring_the_platform_back(
    postgres: PostgresServer, postgres_url: str, data_dir: Path
) -> None:
    with clusterport_on(data_dir, postgres_url) as server:
        key = server.account(A)
        vpc = server.client("ec2", A).create_vpc(CidrBlock="10.11.0.0/16")["Vpc"]["VpcId"]
    dump = data_dir.parent / "clusterport.dump"
    env = {**os.environ, "PGPASSWORD": postgres.password}
    target = [
        "--host=127.0.0.1",
        f"--port={postgres.port}",
        f"--username={SUPERUSER}",
    ]
    subprocess.run(
        [
            str(postgres.bin_dir / "pg_dump"),
            *target,
            "--format=custom",
            f"--file={dump}",
            database_name(postgres_url),
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    restored_url = postgres.create_database("restored")
    try:
        subprocess.run(
            [
                str(postgres.bin_dir / "pg_restore"),
                *target,
                "--no-owner",
                f"--dbname={database_name(restored_url)}",
                str(dump),
            ],
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        with clusterport_on(data_dir, restored_url) as server:
            server.keys[A] = key  # the same data dir, so the same server.key opens it
            ec2 = server.client("ec2", A)
            assert [v["VpcId"] for v in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]] == [vpc]
    finally:
        postgres.drop_database(restored_url)


def test_sqlite_backup_while_running_then_restore_in_a_moved_data_dir(tmp_path: Path) -> None:
    """What the operations guide says for SQLite, step by step."""
    data = tmp_path / "data"
    backup = tmp_path / "backup.db"
    server, uv, thread = start_server(data)
    try:
        key = server.account(A)
        ec2 = server.client("ec2", A)
        kept = ec2.create_vpc(CidrBlock="10.12.0.0/16")["Vpc"]["VpcId"]
        live, copy = sqlite3.connect(data / "clusterport.db"), sqlite3.connect(backup)
        try:
            live.backup(copy)  # what `sqlite3 clusterport.db ".backup backup.db"` does
        finally:
            live.close()
            copy.close()
        later = ec2.create_vpc(CidrBlock="10.13.0.0/16")["Vpc"]["VpcId"]
    finally:
        uv.should_exit = True
        thread.join(30)

    for leftover in ("clusterport.db-wal", "clusterport.db-shm"):
        (data / leftover).unlink(missing_ok=True)
    shutil.copyfile(backup, data / "clusterport.db")
    moved = tmp_path / "elsewhere"
    shutil.move(data, moved)
    server, uv, thread = start_server(moved)
    try:
        server.keys[A] = key
        ec2 = server.client("ec2", A)
        assert [v["VpcId"] for v in ec2.describe_vpcs(VpcIds=[kept])["Vpcs"]] == [kept]
        with pytest.raises(ClientError) as excinfo:
            ec2.describe_vpcs(VpcIds=[later])
        assert excinfo.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"
    finally:
        uv.should_exit = True
        thread.join(30)

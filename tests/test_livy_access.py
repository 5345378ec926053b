"""A cluster's Livy endpoint answers only through the platform's checked ``/_livy/`` route.

The endpoint itself (no Spark needed to check its door) refuses requests
without its access key; the gateway's route refuses unsigned requests,
requests signed for another service, and clusters the caller's account does
not have, each with a Livy error (``{"msg": …}``) that says what to do. The
route's network check on a running cluster is in ``test_connect_enforcement``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from clusterport.engines.livy.__main__ import config_from_args, parse_args
from clusterport.engines.livy.config import ACCESS_KEY_HEADER
from clusterport.engines.processes import free_ports
from clusterport.gateway.wire import LIGHT_UPSTREAM_ERRORS, light_upstream_client
from clusterport.process_groups import start_group, stop_group
from clusterport.services import identity
from clusterport.services.base import RequestContext
from clusterport.services.emr import app_ui
from clusterport.studio.livy_auth import SigV4Livy, platform_livy_url
from conftest import RunningServer

ACCOUNT = "111111111111"


@contextlib.contextmanager
def _endpoint(tmp_path: Path, key: str | None) -> Iterator[httpx.Client]:
    """The Livy endpoint as the engine starts it (a process), with ``key`` or none."""
    port_file = tmp_path / "port"
    argv = ["--spark-remote", "sc://localhost:1", "--work-dir", str(tmp_path), "--port", "0"]
    if key is not None:
        key_file = tmp_path / "livy-access.key"
        key_file.write_text(key + "\n")
        argv += ["--access-key-file", str(key_file)]
    process = start_group(
        [sys.executable, "-m", "clusterport.engines.livy", *argv, "--port-file", str(port_file)],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            assert process.poll() is None and time.monotonic() < deadline, "Livy did not start"
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port_file.read_text().strip()}"
        with httpx.Client(base_url=url, timeout=10, trust_env=False) as client:
            yield client
    finally:
        stop_group(process, grace=30)


def test_an_endpoint_with_a_key_refuses_requests_without_it(tmp_path: Path) -> None:
    with _endpoint(tmp_path, "c0ffee") as client:
        for headers in ({}, {ACCESS_KEY_HEADER: "wrong"}):
            reply = client.get("/sessions", headers=headers)
            assert reply.status_code == 403
            message = reply.json()["msg"]
            assert "%sm_analytics emr connect" in message and "/_livy/" in message
        assert client.get("/_clusterport/activity").status_code == 403
        reply = client.get("/sessions", headers={ACCESS_KEY_HEADER: "c0ffee"})
        assert reply.status_code == 200
        assert reply.json() == {"from": 0, "total": 0, "sessions": []}


def test_an_endpoint_without_a_key_answers_everyone(tmp_path: Path) -> None:
    with _endpoint(tmp_path, None) as client:
        assert client.get("/sessions").status_code == 200


def test_an_empty_key_file_stops_the_endpoint_from_starting(tmp_path: Path) -> None:
    (tmp_path / "empty.key").write_text("\n")
    argv = ["--spark-remote", "sc://localhost:1", "--work-dir", str(tmp_path)]
    with pytest.raises(SystemExit, match="is empty"):
        config_from_args(parse_args([*argv, "--access-key-file", str(tmp_path / "empty.key")]))


def test_the_route_refuses_unsigned_requests(server: RunningServer) -> None:
    reply = requests.get(platform_livy_url(server.url, "j-ABCDEFGHIJKLM") + "/sessions", timeout=10)
    assert reply.status_code == 403
    message = reply.json()["msg"]
    assert "Signature Version 4" in message and "'elasticmapreduce'" in message


def test_the_route_refuses_a_signature_for_another_service(server: RunningServer) -> None:
    url = platform_livy_url(server.url, "j-ABCDEFGHIJKLM") + "/sessions"
    credentials = server.session(ACCOUNT).get_credentials()
    assert credentials is not None
    signed = AWSRequest(method="GET", url=url)
    SigV4Auth(credentials, "sts", "us-east-1").add_auth(signed)
    reply = requests.get(url, headers=dict(signed.headers), timeout=10)
    assert reply.status_code == 403
    assert "'elasticmapreduce'" in reply.json()["msg"]


def test_the_route_says_where_a_cluster_of_another_account_is_reached(
    server: RunningServer,
) -> None:
    url = platform_livy_url(server.url, "j-ABCDEFGHIJKLM")
    credentials = server.session(ACCOUNT).get_credentials()
    assert credentials is not None
    auth = SigV4Livy(credentials, "us-east-1", url)
    reply = requests.post(url + "/sessions", json={"kind": "pyspark"}, auth=auth, timeout=10)
    assert reply.status_code == 404
    message = reply.json()["msg"]
    assert "j-ABCDEFGHIJKLM" in message and ACCOUNT in message
    assert "--assumable-role-arn" in message


# ---- authorized and audited as elasticmapreduce:AccessLivyEndpoints ---------------------------


def _livy_events(server: RunningServer, account: str) -> list[dict[str, Any]]:
    events = server.client("cloudtrail", account).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AccessLivyEndpoints"}]
    )["Events"]
    return [json.loads(e["CloudTrailEvent"]) for e in events]


def _user(server: RunningServer, name: str, *statements: dict[str, Any]) -> Any:
    iam = server.client("iam", ACCOUNT)
    iam.create_user(UserName=name)
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"])


def test_an_explicit_deny_refuses_livy_before_any_cluster_is_looked_up(
    server: RunningServer,
) -> None:
    cluster = "j-DENIEDLIVY0001"
    credentials = _user(
        server,
        "livy-denied",
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*"},
    )
    url = platform_livy_url(server.url, cluster)
    auth = SigV4Livy(credentials, "us-east-1", url)
    reply = requests.post(url + "/sessions", json={"kind": "pyspark"}, auth=auth, timeout=10)
    assert reply.status_code == 403
    body = reply.json()
    assert body["code"] == "AccessDeniedException"
    arn = f"arn:aws:elasticmapreduce:us-east-1:{ACCOUNT}:cluster/{cluster}"
    assert body["msg"].startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/livy-denied is not authorized to perform: "
        f"elasticmapreduce:AccessLivyEndpoints on resource: {arn} with an explicit deny in an "
        "identity-based policy"
    )
    event = next(
        e for e in _livy_events(server, ACCOUNT) if e["requestParameters"]["clusterId"] == cluster
    )
    assert event["eventSource"] == "elasticmapreduce.amazonaws.com"
    assert event["errorCode"] == "AccessDeniedException"
    assert event["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:user/livy-denied"
    assert event["sourceIPAddress"] == "127.0.0.1"
    assert event["requestParameters"] == {
        "clusterId": cluster,
        "httpMethod": "POST",
        "path": "/sessions",
    }


def test_livy_needs_an_allow_for_its_action(server: RunningServer) -> None:
    cluster = "j-NOLIVYALLOW001"
    credentials = _user(
        server,
        "livy-unallowed",
        {"Effect": "Allow", "Action": "elasticmapreduce:Describe*", "Resource": "*"},
    )
    url = platform_livy_url(server.url, cluster)
    reply = requests.get(
        url + "/sessions", auth=SigV4Livy(credentials, "us-east-1", url), timeout=10
    )
    assert reply.status_code == 403
    assert (
        "because no identity-based policy allows the elasticmapreduce:AccessLivyEndpoints"
        in (reply.json()["msg"])
    )
    # Allowed by policy, the request goes on to the cluster checks (and is recorded too).
    root = server.session(ACCOUNT).get_credentials()
    assert root is not None
    reply = requests.get(url + "/sessions", auth=SigV4Livy(root, "us-east-1", url), timeout=10)
    assert reply.status_code == 404
    codes = [
        (e["userIdentity"]["type"], e.get("errorCode"))
        for e in _livy_events(server, ACCOUNT)
        if e["requestParameters"]["clusterId"] == cluster
    ]
    assert codes == [("Root", "InvalidRequestException"), ("IAMUser", "AccessDeniedException")]


# ---- Spark UI logins --------------------------------------------------------------------------


def _ui_logins(server: RunningServer, account: str) -> list[dict[str, Any]]:
    events = server.client("cloudtrail", account).lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AppUILogin"}]
    )["Events"]
    return [json.loads(e["CloudTrailEvent"]) for e in events]


def test_every_spark_ui_login_is_in_the_audit_trail(server: RunningServer) -> None:
    cluster = "j-UILOGINAUDIT01"
    key = server.account(ACCOUNT)
    with server.platform.db.session() as session:
        known = identity.lookup_key(session, server.platform.secrets, key.access_key_id)
    assert known is not None
    now = server.platform.now()

    def link(issued_at: dt.datetime) -> str:
        ctx = RequestContext(
            platform=server.platform,
            principal=known.principal,
            region="us-east-1",
            service="emr",
            operation="GetOnClusterAppUIPresignedURL",
            request_id="r",
            source_ip="127.0.0.1",
            now=issued_at,
        )
        return app_ui.link(ctx, cluster, "")

    fresh = httpx.get(link(now), follow_redirects=False)
    assert fresh.status_code == 303
    stale = httpx.get(link(now - dt.timedelta(hours=1)), follow_redirects=False)
    assert stale.status_code == 403
    forged = httpx.get(f"{server.url}/_ui/{cluster}/?cp-ui-token=cpui1.e30.AAAA")
    assert forged.status_code == 403
    mine = [
        e for e in _ui_logins(server, ACCOUNT) if e["requestParameters"]["clusterId"] == cluster
    ]
    assert [e.get("errorCode") for e in mine] == ["AccessDenied", None]  # newest first
    assert "expired" in mine[0]["errorMessage"]
    for event in mine:
        assert event["eventSource"] == "elasticmapreduce.amazonaws.com"
        assert event["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
        assert event["userIdentity"]["type"] == "Root"
        assert event["sourceIPAddress"] == "127.0.0.1"


# ---- the route's client to the endpoint ------------------------------------------------------


async def _serve_once(reply: bytes) -> tuple[asyncio.base_events.Server, int]:
    """A TCP server that answers each connection with ``reply`` and closes it."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(reply)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_the_routes_client_fails_only_as_the_route_expects() -> None:
    """An endpoint gone, or one that breaks off its answer, raises what the route turns into
    its 502 (or 409 when the cluster ended meanwhile), never another error."""
    pool = light_upstream_client()
    try:
        closed = free_ports(1)[0]
        with pytest.raises(LIGHT_UPSTREAM_ERRORS):
            await pool.request("GET", f"http://127.0.0.1:{closed}/sessions")
        server, port = await _serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{")
        async with server:
            with pytest.raises(LIGHT_UPSTREAM_ERRORS):
                await pool.request("GET", f"http://127.0.0.1:{port}/sessions")
        server, port = await _serve_once(b"not http at all\r\n\r\n")
        async with server:
            with pytest.raises(LIGHT_UPSTREAM_ERRORS):
                await pool.request("GET", f"http://127.0.0.1:{port}/sessions")
    finally:
        await pool.aclose()

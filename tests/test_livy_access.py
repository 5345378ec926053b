"""A cluster's Livy endpoint answers only through the platform's checked ``/_livy/`` route.

The endpoint itself (no Spark needed to check its door) refuses requests
without its access key; the gateway's route refuses unsigned requests,
requests signed for another service, and clusters the caller's account does
not have, each with a Livy error (``{"msg": …}``) that says what to do. The
route's network check on a running cluster is in ``test_connect_enforcement``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from clusterport.engines.livy.__main__ import config_from_args, parse_args
from clusterport.engines.livy.config import ACCESS_KEY_HEADER
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
    process = subprocess.Popen(
        [sys.executable, "-m", "clusterport.engines.livy", *argv, "--port-file", str(port_file)],
        stderr=subprocess.DEVNULL,
        start_new_session=True,
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
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(30)


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

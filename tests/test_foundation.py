"""The foundation end to end: server, accounts, SigV4, STS GetCallerIdentity, CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import stat
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import boto3
import botocore.auth as auth_module
import botocore.exceptions
import httpx
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import clusterport
from clusterport.cli.main import build_parser, main
from conftest import REPO, RunningServer

VENV_BIN = Path(sys.executable).parent


def test_health(server: RunningServer) -> None:
    reply = httpx.get(f"{server.url}/_clusterport/health")
    assert reply.status_code == 200
    assert reply.json()["status"] == "ok"


def test_get_caller_identity_root(server: RunningServer) -> None:
    sts = server.client("sts", "111111111111")
    ident = sts.get_caller_identity()
    assert ident["Account"] == "111111111111"
    assert ident["Arn"] == "arn:aws:iam::111111111111:root"
    other = server.client("sts", "222222222222").get_caller_identity()
    assert other["Arn"] == "arn:aws:iam::222222222222:root"


def _error_code(call: object) -> tuple[str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()  # type: ignore[operator]
    err = info.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"]


def test_bad_secret_is_signature_mismatch(server: RunningServer) -> None:
    key = server.account("111111111111")
    sts = boto3.client(
        "sts",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key="x" * 40,
    )
    assert _error_code(sts.get_caller_identity) == ("SignatureDoesNotMatch", 403)
    emr = boto3.client(
        "emr",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=key.access_key_id,
        aws_secret_access_key="x" * 40,
    )
    code, status = _error_code(emr.list_clusters)
    assert (code, status) == ("InvalidSignatureException", 400)


def test_unknown_key(server: RunningServer) -> None:
    sts = boto3.client(
        "sts",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="AKIAUNKNOWNUNKNOWN00",
        aws_secret_access_key="x" * 40,
    )
    assert _error_code(sts.get_caller_identity) == ("InvalidClientTokenId", 403)


def _signed(server: RunningServer, when: dt.datetime, body: str) -> httpx.Response:
    key = server.account("111111111111")
    creds = Credentials(key.access_key_id, key.secret_access_key)
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    signer = SigV4Auth(creds, "sts", "us-east-1")
    # botocore's signer reads the wall clock; sign as a client whose clock says ``when``.

    real = auth_module.datetime.datetime

    class Frozen(real):  # type: ignore[misc, valid-type]
        @classmethod
        def utcnow(cls) -> dt.datetime:
            return when.replace(tzinfo=None)

        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:
            return when if tz else when.replace(tzinfo=None)

    auth_module.datetime.datetime = Frozen
    try:
        signer.add_auth(request)
    finally:
        auth_module.datetime.datetime = real
    prepared = request.prepare()
    return httpx.post(prepared.url, content=body, headers=dict(prepared.headers))


def test_clock_skew_rejected(server: RunningServer) -> None:
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    now = dt.datetime.now(dt.UTC)
    ok = _signed(server, now, body)
    assert ok.status_code == 200, ok.text
    late = _signed(server, now - dt.timedelta(minutes=20), body)
    assert late.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in late.text
    assert "Signature expired" in late.text


def test_missing_authentication(server: RunningServer) -> None:
    reply = httpx.post(
        server.url + "/",
        content=b"{}",
        headers={
            "X-Amz-Target": "ElasticMapReduce.ListClusters",
            "Content-Type": "application/x-amz-json-1.1",
        },
    )
    assert reply.status_code in (400, 403)
    assert reply.json()["__type"] == "MissingAuthenticationTokenException"


def test_presigned_query_request(server: RunningServer) -> None:
    key = server.account("111111111111")
    creds = Credentials(key.access_key_id, key.secret_access_key)
    request = AWSRequest(
        method="GET",
        url=server.url + "/?Action=GetCallerIdentity&Version=2011-06-15",
    )
    SigV4QueryAuth(creds, "sts", "us-east-1", expires=60).add_auth(request)
    reply = httpx.get(request.url)
    assert reply.status_code == 200, reply.text
    assert "arn:aws:iam::111111111111:root" in reply.text
    tampered = request.url.replace("GetCallerIdentity", "GetCallerIdentitx")
    bad = httpx.get(tampered)
    assert bad.status_code == 403
    assert "SignatureDoesNotMatch" in bad.text


def test_expired_presigned_url(server: RunningServer) -> None:
    key = server.account("111111111111")
    creds = Credentials(key.access_key_id, key.secret_access_key)
    request = AWSRequest(
        method="GET", url=server.url + "/?Action=GetCallerIdentity&Version=2011-06-15"
    )
    SigV4QueryAuth(creds, "sts", "us-east-1", expires=1).add_auth(request)
    time.sleep(2.2)
    reply = httpx.get(request.url)
    assert reply.status_code == 403
    assert "Request has expired" in reply.text


class _HostUnsigned(SigV4Auth):  # type: ignore[misc]
    """A signer that leaves ``host`` out of the signed headers."""

    def headers_to_sign(self, request: AWSRequest) -> Any:
        headers = super().headers_to_sign(request)
        del headers["host"]
        return headers


def _iam_request(server: RunningServer, body: str, headers: dict[str, str]) -> AWSRequest:
    return AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", **headers},
    )


def test_unsigned_payload_cannot_be_replayed_with_another_body(server: RunningServer) -> None:
    key = server.account("111111111111")
    creds = Credentials(key.access_key_id, key.secret_access_key)
    list_users = "Action=ListUsers&Version=2010-05-08"
    create_user = "Action=CreateUser&Version=2010-05-08&UserName=replayed"
    request = _iam_request(server, list_users, {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    SigV4Auth(creds, "iam", "us-east-1").add_auth(request)
    headers = {k: v for k, v in request.prepare().headers.items() if k != "Content-Length"}
    for body in (list_users, create_user):
        reply = httpx.post(server.url + "/", content=body, headers=headers)
        assert reply.status_code == 403, reply.text
        assert "<Code>SignatureDoesNotMatch</Code>" in reply.text
        assert "requires a signed payload" in reply.text
    iam = server.client("iam", "111111111111")
    assert "replayed" not in [u["UserName"] for u in iam.list_users()["Users"]]
    # The same request with its payload signed goes through.
    signed = _iam_request(server, list_users, {})
    SigV4Auth(creds, "iam", "us-east-1").add_auth(signed)
    ok = httpx.post(server.url + "/", content=list_users, headers=dict(signed.prepare().headers))
    assert ok.status_code == 200, ok.text
    # A JSON-protocol service answers in its own format.
    emr = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=b"{}",
        headers={
            "X-Amz-Target": "ElasticMapReduce.ListClusters",
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD",
        },
    )
    SigV4Auth(creds, "elasticmapreduce", "us-east-1").add_auth(emr)
    reply = httpx.post(server.url + "/", content=b"{}", headers=dict(emr.prepare().headers))
    assert reply.status_code == 400
    assert reply.json()["__type"] == "InvalidSignatureException"


def test_host_must_be_signed(server: RunningServer) -> None:
    key = server.account("111111111111")
    creds = Credentials(key.access_key_id, key.secret_access_key)
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    request = _iam_request(server, body, {})
    _HostUnsigned(creds, "sts", "us-east-1").add_auth(request)
    assert "host" not in request.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    reply = httpx.post(server.url + "/", content=body, headers=dict(request.prepare().headers))
    assert reply.status_code == 400, reply.text
    assert "<Code>IncompleteSignature</Code>" in reply.text
    assert "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization." in reply.text


def test_presigned_urls_of_botocore_still_work(server: RunningServer) -> None:
    sts = server.client("sts", "111111111111")
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    reply = httpx.get(url)
    assert reply.status_code == 200, reply.text
    assert "arn:aws:iam::111111111111:root" in reply.text


def test_unknown_action_and_service(server: RunningServer) -> None:
    key = server.account("111111111111")
    creds = Credentials(key.access_key_id, key.secret_access_key)
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data="Action=NoSuchThing&Version=2011-06-15",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    SigV4Auth(creds, "sts", "us-east-1").add_auth(request)
    answer = httpx.post(server.url + "/", content=request.body, headers=dict(request.headers))
    assert answer.status_code == 400
    assert "<Code>InvalidAction</Code>" in answer.text
    unknown = AWSRequest(method="POST", url=server.url + "/", data="Action=ListBuckets")
    SigV4Auth(creds, "s3", "us-east-1").add_auth(unknown)
    answer = httpx.post(server.url + "/", content=unknown.body, headers=dict(unknown.headers))
    assert answer.status_code == 501
    assert "<Code>NotImplemented</Code>" in answer.text
    assert "S3 is not served by clusterport" in answer.text
    other = AWSRequest(method="POST", url=server.url + "/", data="Action=ListQueues")
    SigV4Auth(creds, "sqs", "us-east-1").add_auth(other)
    answer = httpx.post(server.url + "/", content=other.body, headers=dict(other.headers))
    assert answer.status_code == 400
    assert "not served by clusterport" in answer.json()["message"]


def test_secrets_encrypted_at_rest(server: RunningServer) -> None:
    key = server.account("111111111111")
    key_file = server.data_dir / "server.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    raw = (server.data_dir / "clusterport.db").read_bytes()
    wal = server.data_dir / "clusterport.db-wal"
    if wal.exists():
        raw += wal.read_bytes()
    assert key.secret_access_key.encode() not in raw


def _run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(VENV_BIN / "clusterport"), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``clusterport <args>`` through the entry point, in this process: (status, out, err)."""
    capsys.readouterr()
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_server_admin_profile_and_aws_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    env = dict(os.environ)
    env["AWS_CONFIG_FILE"] = str(tmp_path / "aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "aws-credentials")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    # The same environment for the commands run in this process through the entry point
    # (the server, the first create-account and the AWS CLI run as processes).
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", env["AWS_CONFIG_FILE"])
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", env["AWS_SHARED_CREDENTIALS_FILE"])
    # create-account works without a server
    created = _run_cli(
        "admin",
        "create-account",
        "--data-dir",
        str(data),
        "--account-id",
        "111111111111",
        "--name",
        "studio",
        env=env,
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["AccountId"] == "111111111111"
    status, _, err = _main(
        capsys,
        "admin",
        "create-account",
        "--data-dir",
        str(data),
        "--account-id",
        "12345",
        "--name",
        "x",
    )
    assert status == 1 and "12 digits" in err
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "clusterport"),
            "server",
            "--port",
            "0",
            "--warm-pool",
            "0",
            "--data-dir",
            str(data),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("clusterport listening on http://127.0.0.1:")
        url = line.split()[-1]
        assert httpx.get(url + "/_clusterport/health").status_code == 200
        status, _, err = _main(
            capsys,
            "admin",
            "create-account",
            "--data-dir",
            str(data),
            "--account-id",
            "222222222222",
            "--name",
            "emr",
            "--write-profile",
            "emr-admin",
        )
        assert status == 0, err
        status, out, err = _main(capsys, "admin", "list-accounts", "--data-dir", str(data))
        assert status == 0, err
        ids = [a["AccountId"] for a in json.loads(out)["Accounts"]]
        assert ids == ["111111111111", "222222222222"]
        aws = subprocess.run(
            [str(VENV_BIN / "aws"), "--profile", "emr-admin", "sts", "get-caller-identity"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        assert aws.returncode == 0, aws.stderr
        assert json.loads(aws.stdout)["Arn"] == "arn:aws:iam::222222222222:root"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert not (data / "server.json").exists()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_cli_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"clusterport {clusterport.__version__}"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "clusterport.__version__"
    }


@pytest.mark.parametrize("level", ["INFO", "debug", "trace"])
def test_cli_log_levels_are_accepted_in_any_case(level: str) -> None:
    args = build_parser().parse_args(["server", "--log-level", level])
    assert args.log_level == level.lower()


def test_cli_server_runs_with_uvicorn_s_own_trace_level(tmp_path: Path) -> None:
    # The level reaches logging before the server binds; an address that cannot be bound
    # then ends the run with the server's own message.
    ran = _run_cli(
        "server", "--log-level", "TRACE", "--host", "256.0.0.1", "--data-dir", str(tmp_path)
    )
    assert ran.returncode == 1, ran.stderr
    assert "clusterport server: cannot listen on 256.0.0.1:4566" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_cli_rejects_an_unknown_log_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["server", "--data-dir", str(tmp_path), "--log-level", "loud"])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert "argument --log-level: invalid choice: 'loud'" in error
    assert "'warning'" in error and "Traceback" not in error
    assert not (tmp_path / "server.json").exists()

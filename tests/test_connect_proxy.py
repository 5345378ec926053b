"""The Spark Connect session-token proxy, its tokens, and the notebook's session helper.

The token and URL tests are pure. The ``spark`` tests start a real Spark
Connect server (local[1], pre-shared token) and the proxy as a subprocess with
the command line the engine uses, then connect real pyspark clients through it.
Run those one at a time with other Spark-heavy runs.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pyspark
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyspark.errors.exceptions.connect import SparkConnectGrpcException
from pyspark.sql.connect.client.retries import DefaultPolicy
from pyspark.sql.connect.proto import base_pb2
from pyspark.sql.connect.session import SparkSession

from clusterport.engines import connect_proxy
from clusterport.engines.connect_proxy import (
    ConnectAuthProxy,
    EndedEndpoint,
    ExpiredSessionTokenError,
    InvalidSessionTokenError,
    MissingSessionTokenError,
    RevokedSessions,
    _bearer_token,
    _connect_session_of,
    _Counters,
    _release_session_request,
    ended_message,
    load_or_create_key,
    mint_session_token,
    revoke_session,
    verify_session_token,
)
from clusterport.process_groups import start_group, stop_group
from clusterport.services.emr.ended_endpoints import EndedEndpoints
from clusterport.studio.spark_session import (
    RefreshingToken,
    build_connect_url,
    session_from_endpoint,
)

PYSPARK_HOME = Path(pyspark.__file__).resolve().parent
CONNECT_SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
CONFIG_METHOD = "/spark.connect.SparkConnectService/Config"
KEY = bytes(range(32))
NOW = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


# --------------------------------------------------------------------------- shared helpers
# (test_livy.py imports these; there is no conftest for Spark fixtures.)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    """Wait until ``port`` accepts connections; fail with the log if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"process exited ({process.returncode}) before opening port {port}:\n"
                + log.read_text(errors="replace")[-4000:]
            )
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(
        f"port {port} did not open in {timeout} s:\n" + log.read_text(errors="replace")[-4000:]
    )


def stop_process_group(process: subprocess.Popen[bytes], grace: float = 20.0) -> int:
    """SIGTERM the process group, SIGKILL it after ``grace`` seconds; returns the exit code."""
    code = stop_group(process, grace=grace)
    assert code is not None, "the process outlived SIGKILL"
    return code


def start_python_module(module: str, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """``python -m module args`` in its own process group, output to ``log``."""
    with log.open("wb") as out:
        return start_group(
            [sys.executable, "-m", module, *args], stdout=out, stderr=subprocess.STDOUT
        )


@dataclass
class ConnectServer:
    """A Spark Connect server (local[1]) with a pre-shared token, on 127.0.0.1."""

    port: int
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def remote(self) -> str:
        """The client URL; the host must be ``localhost`` for a token without TLS."""
        return f"sc://localhost:{self.port}/;token={self.token}"

    def session_is_closed(self, connect_session_id: str) -> bool:
        """Whether the server has closed (released) that Spark Connect session."""
        spark = SparkSession.builder.remote(f"{self.remote};session_id={connect_session_id}")
        client_session = spark.create()
        client_session.client.set_retry_policies([DefaultPolicy(max_retries=0)])
        try:
            client_session.range(1).count()
        except Exception as exc:
            if "SESSION_CLOSED" in str(exc):
                return True
            raise
        finally:
            client_session.client.close()
        return False


def start_connect_server(work: Path) -> ConnectServer:
    """Start ``SparkConnectServer`` under setsid and wait for its port."""
    port = free_port()
    token = secrets.token_urlsafe(24)
    conf_dir = work / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    log = work / "connect-server.log"
    settings = {
        "spark.master": "local[1]",
        "spark.connect.grpc.binding.address": "127.0.0.1",
        "spark.connect.grpc.binding.port": str(port),
        "spark.connect.authenticate.token": token,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.local.dir": str(work),
        "spark.sql.shuffle.partitions": "2",
        # Progress of running queries reaches clients every 200 ms (default 2 s).
        "spark.connect.progress.reportInterval": "200ms",
    }
    command = [str(PYSPARK_HOME / "bin" / "spark-submit"), "--class", CONNECT_SERVER_CLASS]
    for key, value in settings.items():
        command += ["--conf", f"{key}={value}"]
    command += ["--driver-java-options", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1"]
    env = {
        **os.environ,
        "SPARK_HOME": str(PYSPARK_HOME),
        "SPARK_CONF_DIR": str(conf_dir),
        "PYSPARK_PYTHON": sys.executable,
    }
    env.pop("SPARK_CONNECT_AUTHENTICATE_TOKEN", None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        wait_for_port(port, process, log, timeout=240)
    except BaseException:
        stop_process_group(process)
        raise
    return ConnectServer(port=port, token=token, process=process, log=log)


@pytest.fixture(scope="module")
def connect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectServer]:
    """One Spark Connect server for the module; its process group is killed at the end."""
    server = start_connect_server(tmp_path_factory.mktemp("connect-server"))
    try:
        yield server
    finally:
        stop_process_group(server.process)


def spark_client(url: str) -> Any:
    """A pyspark Connect client that does not retry (refusals must surface at once)."""
    spark = SparkSession.builder.remote(url).create()
    spark.client.set_retry_policies([DefaultPolicy(max_retries=0)])
    return spark


# --------------------------------------------------------------------------- tokens (pure)


def test_minted_token_verifies_with_its_claims() -> None:
    token = mint_session_token(KEY, "s-0123456789", NOW + timedelta(minutes=30))
    claims = verify_session_token(KEY, token, NOW)
    assert claims.session_id == "s-0123456789"
    assert claims.expires_at == NOW + timedelta(minutes=30)
    # The token travels inside sc://host:port/;token=… so it must not carry ; = or /.
    assert all(c.isalnum() or c in "-_." for c in token)


def test_token_expires_at_its_expiry_time() -> None:
    token = mint_session_token(KEY, "s-1", NOW + timedelta(seconds=10))
    verify_session_token(KEY, token, NOW + timedelta(seconds=9))
    with pytest.raises(ExpiredSessionTokenError) as caught:
        verify_session_token(KEY, token, NOW + timedelta(seconds=10))
    assert str(caught.value) == (
        "Session token expired at 2030-01-01T12:00:10Z; call GetSessionEndpoint again"
    )


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: t.replace("cps1.", "cps2.", 1),
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.split(".")[0] + "." + t.split(".")[1][:-1] + "x." + t.split(".")[2],
        lambda t: t + ".extra",
        lambda t: "",
        lambda t: "not-a-token",
        lambda t: "cps1.!!!.###",
    ],
    ids=["prefix", "signature", "payload", "extra-part", "empty", "garbage", "bad-base64"],
)
def test_forged_tokens_are_invalid(forge: Any) -> None:
    token = mint_session_token(KEY, "s-1", NOW + timedelta(hours=1))
    with pytest.raises(InvalidSessionTokenError) as caught:
        verify_session_token(KEY, forge(token), NOW)
    assert str(caught.value) == "Invalid authentication token"


def test_token_of_another_key_is_invalid() -> None:
    token = mint_session_token(b"k" * 32, "s-1", NOW + timedelta(hours=1))
    with pytest.raises(InvalidSessionTokenError):
        verify_session_token(KEY, token, NOW)


@given(st.text(max_size=200))
def test_arbitrary_strings_never_verify(text: str) -> None:
    with pytest.raises(InvalidSessionTokenError):
        verify_session_token(KEY, text, NOW)


@given(st.text(min_size=1, max_size=64), st.integers(min_value=1, max_value=10**6))
def test_any_session_id_round_trips(session_id: str, seconds: int) -> None:
    token = mint_session_token(KEY, session_id, NOW + timedelta(seconds=seconds))
    assert verify_session_token(KEY, token, NOW).session_id == session_id


def test_minting_refuses_naive_times_and_empty_keys() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        mint_session_token(KEY, "s", datetime(2030, 1, 1))
    with pytest.raises(ValueError, match="empty"):
        mint_session_token(b"", "s", NOW)


def test_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "cluster" / "session-token.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key
    assert [p.name for p in path.parent.iterdir()] == ["session-token.key"]


def test_concurrent_key_creation_agrees(tmp_path: Path) -> None:
    path = tmp_path / "session-token.key"
    keys: list[bytes] = []
    threads = [
        threading.Thread(target=lambda: keys.append(load_or_create_key(path))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1


def test_revoked_sessions_are_read_again_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "cluster" / "revoked-sessions"
    revoked = RevokedSessions(path)
    assert "es-1" not in revoked  # no file yet: nothing is revoked
    revoke_session(path, "es-1")
    assert "es-1" in revoked and "es-2" not in revoked
    revoke_session(path, "es-2")
    assert "es-1" in revoked and "es-2" in revoked


def test_corrupt_key_file_names_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "session-token.key"
    path.write_text("zz-not-hex\n")
    with pytest.raises(ValueError, match="delete it"):
        load_or_create_key(path)


def test_bearer_metadata_parsing() -> None:
    assert _bearer_token([("authorization", "Bearer abc")]) == "abc"
    assert _bearer_token([("x", "y"), ("Authorization", "bearer  abc ")]) == "abc"
    for metadata in ([], None, [("authorization", "Basic abc")], [("authorization", "Bearer ")]):
        with pytest.raises(MissingSessionTokenError) as caught:
            _bearer_token(metadata)
        assert str(caught.value) == "No authentication token provided"


def test_connect_session_is_read_from_any_request_and_release_is_well_formed() -> None:
    context = base_pb2.UserContext(user_id="alice", user_name="Alice")
    execute = base_pb2.ExecutePlanRequest(
        session_id="7b2f-session", user_context=context, operation_id="op-1"
    )
    execute.plan.command.sql_command.sql = "select 1"
    found = _connect_session_of(execute.SerializeToString())
    assert found is not None
    assert found[0] == "7b2f-session"
    assert base_pb2.UserContext.FromString(found[1]).user_id == "alice"

    config = base_pb2.ConfigRequest(session_id="other", user_context=context)
    assert _connect_session_of(config.SerializeToString()) == ("other", found[1])
    assert _connect_session_of(b"\xff\xff\xff") is None
    assert _connect_session_of(b"") is None

    release = base_pb2.ReleaseSessionRequest.FromString(_release_session_request(*found))
    assert release.session_id == "7b2f-session"
    assert release.user_context.user_id == "alice"
    assert release.client_type == "clusterport-connect-proxy"


# --------------------------------------------------------------------------- notebook URLs (pure)


@pytest.mark.parametrize(
    ("endpoint", "token", "expected"),
    [
        ("sc://127.0.0.1:15002", "T", "sc://localhost:15002/;token=T"),
        ("127.0.0.1:4711", "T", "sc://localhost:4711/;token=T"),
        ("sc://[::1]:4711/", "T", "sc://localhost:4711/;token=T"),
        ("grpc://localhost:4711", None, "sc://localhost:4711/"),
        ("sc://10.0.1.25:15002", "T", "sc://10.0.1.25:15002/;token=T"),
        ("sc://ip-10-0-1-25.ec2.internal", "T", "sc://ip-10-0-1-25.ec2.internal:15002/;token=T"),
        ("https://emr.example.com:443", "T", "sc://emr.example.com:443/;use_ssl=true;token=T"),
        ("sc://127.0.0.1:15002/;use_ssl=true", "T", "sc://127.0.0.1:15002/;use_ssl=true;token=T"),
        (
            "sc://127.0.0.1:1/;token=old;user_id=bob",
            "new",
            "sc://localhost:1/;token=new;user_id=bob",
        ),
        ("sc://[fd00::5]:15002", None, "sc://[fd00::5]:15002/"),
    ],
)
def test_build_connect_url(endpoint: str, token: str | None, expected: str) -> None:
    assert build_connect_url(endpoint, token) == expected


@pytest.mark.parametrize("endpoint", ["", "  ", "ftp://host:1", "sc://:15002", "sc://h:notaport"])
def test_build_connect_url_refuses_what_pyspark_cannot_use(endpoint: str) -> None:
    with pytest.raises(ValueError):
        build_connect_url(endpoint, "T")


def test_refreshing_token_fetches_only_near_expiry() -> None:
    clock = [NOW]
    issued: list[str] = []

    def fetch() -> tuple[str, datetime | None]:
        issued.append(f"t{len(issued)}")
        return issued[-1], clock[0] + timedelta(minutes=10)

    token = RefreshingToken(fetch, margin=timedelta(minutes=1), clock=lambda: clock[0])
    assert token.current() == "t0"
    clock[0] += timedelta(minutes=8)
    assert token.current() == "t0"
    clock[0] += timedelta(minutes=1, seconds=1)
    assert token.current() == "t1"
    assert token.fetches == 2


# --------------------------------------------------------------------------- an ended cluster


def port_is_free(port: int) -> bool:
    """True when a server could listen on ``port`` (connections closing on it do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
    return True


def test_an_ended_endpoint_tells_every_client_the_cluster_and_its_state() -> None:
    port = free_port()
    message = ended_message("j-ENDED", "TERMINATED", "Terminated by user request.")
    ended = EndedEndpoint(message)
    assert ended.start(port)
    # A notebook's client with pyspark's own retry policy: the answer is not retried.
    spark = SparkSession.builder.remote(f"sc://localhost:{port}/;token=t").create()
    try:
        assert not EndedEndpoint("another").start(port)  # the port is taken: left alone
        with pytest.raises(SparkConnectGrpcException) as caught:
            spark.sql("SELECT 1").collect()
        assert "FAILED_PRECONDITION" in str(caught.value)
        assert (
            "Cluster j-ENDED is TERMINATED (Terminated by user request); its Spark Connect "
            "sessions have ended." in str(caught.value)
        )
        error = raw_config_call(port, [("authorization", "Bearer anything")])
        assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
        assert error.details() == message
    finally:
        spark.stop()  # while the endpoint answers: its release is refused, not retried
        ended.stop()
    assert port_is_free(port)


def test_ended_endpoints_answer_until_no_token_of_the_cluster_is_valid() -> None:
    now = [1000.0]
    ended = EndedEndpoints(lifetime=3600, clock=lambda: now[0])
    first, second = free_port(), free_port()
    try:
        assert ended.open("j-FIRST", first, "TERMINATED", "Terminated by user request.")
        now[0] += 1800
        assert ended.open("j-SECOND", second, "TERMINATED_WITH_ERRORS", "The master died.")
        assert not ended.open("j-THIRD", first, "TERMINATED")  # another's port: left alone
        assert ended.answering()["j-SECOND"].startswith(
            "Cluster j-SECOND is TERMINATED_WITH_ERRORS (The master died);"
        )
        now[0] += 1800
        ended.expire()
        assert list(ended.answering()) == ["j-SECOND"]
        assert port_is_free(first) and not port_is_free(second)
    finally:
        ended.close_all()
    assert ended.answering() == {} and port_is_free(second)


async def test_a_closed_proxy_ends_every_call_naming_the_cluster(tmp_path: Path) -> None:
    proxy = ConnectAuthProxy(
        upstream=f"localhost:{free_port()}",
        upstream_token="upstream",
        key=KEY,
        cluster_id="j-CLOSING",
    )
    port = await proxy.start()
    try:
        said = proxy.close()
        assert said.startswith("Cluster j-CLOSING is TERMINATING;")
        token = mint_session_token(KEY, "s-1", datetime.now(UTC) + timedelta(minutes=5))
        async with grpc.aio.insecure_channel(f"localhost:{port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await channel.unary_unary(CONFIG_METHOD)(
                    b"", metadata=[("authorization", f"Bearer {token}")], timeout=30
                )
        assert caught.value.code() is grpc.StatusCode.FAILED_PRECONDITION
        assert caught.value.details() == said
        assert proxy.activity().rejected_calls == 1
    finally:
        await proxy.stop(0)


# --------------------------------------------------------------------------- the proxy (Spark)


@dataclass
class RunningProxy:
    """The proxy subprocess in front of the module's Connect server."""

    port: int
    key: bytes
    process: subprocess.Popen[bytes]
    activity_file: Path
    key_file: Path
    log: Path

    def url(self, token: str | None) -> str:
        return f"sc://localhost:{self.port}/" + (f";token={token}" if token else "")

    def token(self, lifetime: timedelta = timedelta(minutes=10), session: str = "s-test") -> str:
        return mint_session_token(self.key, session, datetime.now(UTC) + lifetime)

    def activity(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.activity_file.read_text())
        return data

    def wait_activity(self, key: str, value: int, timeout: float = 15) -> dict[str, Any]:
        """Poll the activity file (written at most once a second) until ``key == value``."""
        deadline = time.monotonic() + timeout
        while (current := self.activity())[key] != value:
            assert time.monotonic() < deadline, current
            time.sleep(0.1)
        return current


def start_proxy(connect: ConnectServer, work: Path) -> RunningProxy:
    """The proxy with exactly the engine's command line (plus ``--activity-file``)."""
    port = free_port()
    key_file = work / "session-token.key"
    activity_file = work / "proxy-activity.json"
    log = work / "proxy.log"
    args = [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--upstream",
        f"localhost:{connect.port}",
        "--upstream-token",
        connect.token,
        "--key-file",
        str(key_file),
        "--activity-file",
        str(activity_file),
        "--cluster-id",
        "j-PROXYTEST",
    ]
    process = start_python_module("clusterport.engines.connect_proxy", args, log)
    wait_for_port(port, process, log, timeout=60)
    return RunningProxy(
        port=port,
        key=load_or_create_key(key_file),
        process=process,
        activity_file=activity_file,
        key_file=key_file,
        log=log,
    )


@pytest.fixture(scope="module")
def proxy(
    connect_server: ConnectServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningProxy]:
    running = start_proxy(connect_server, tmp_path_factory.mktemp("proxy"))
    try:
        yield running
    finally:
        stop_process_group(running.process)


def raw_config_call(port: int, metadata: list[tuple[str, str]]) -> grpc.RpcError:
    """One raw Config call through the proxy; returns the error it must fail with."""
    with grpc.insecure_channel(f"localhost:{port}") as channel:
        call = channel.unary_unary(CONFIG_METHOD)
        with pytest.raises(grpc.RpcError) as caught:
            call(b"", metadata=metadata, timeout=30)
    return caught.value


@pytest.mark.spark
def test_proxy_creates_private_key_file(proxy: RunningProxy) -> None:
    assert stat.S_IMODE(proxy.key_file.stat().st_mode) == 0o600


@pytest.mark.spark
def test_valid_session_token_runs_queries(proxy: RunningProxy) -> None:
    spark = spark_client(proxy.url(proxy.token()))
    try:
        assert spark.range(10).count() == 10
        rows = spark.sql("select id, id * 2 as twice from range(3)").collect()
        assert [(r.id, r.twice) for r in rows] == [(0, 0), (1, 2), (2, 4)]
        # Streamed results and server error details survive the proxy.
        assert len(spark.range(50_000).toPandas()) == 50_000
        with pytest.raises(Exception, match="TABLE_OR_VIEW_NOT_FOUND") as caught:
            spark.sql("select * from no_such_table").collect()
        assert type(caught.value).__name__ == "AnalysisException"
    finally:
        spark.stop()
    # stop() released the session through the proxy; nothing is left streaming.
    activity = proxy.wait_activity("connect_sessions", 0)
    assert activity["total_calls"] > 0
    assert proxy.wait_activity("active_streams", 0)["total_calls"] >= activity["total_calls"]


@pytest.mark.spark
@pytest.mark.parametrize(
    ("make_token", "message"),
    [
        (
            lambda p: p.token(lifetime=timedelta(minutes=-5)),
            "Session token expired at ",
        ),
        (lambda p: mint_session_token(b"x" * 32, "s-test", NOW), "Invalid authentication token"),
        (lambda p: "cps1.forged.token", "Invalid authentication token"),
        (lambda p: None, "No authentication token provided"),
    ],
    ids=["expired", "other-key", "forged", "missing"],
)
def test_refused_tokens(proxy: RunningProxy, make_token: Any, message: str) -> None:
    token = make_token(proxy)
    spark = spark_client(proxy.url(token))
    try:
        with pytest.raises(Exception, match="UNAUTHENTICATED") as caught:
            spark.range(3).count()
        assert message in str(caught.value)
    finally:
        spark.client.close()

    metadata = [("authorization", f"Bearer {token}")] if token else []
    error = raw_config_call(proxy.port, metadata)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details().startswith(message)
    if message.startswith("Session token expired"):
        assert error.details().endswith("; call GetSessionEndpoint again")


@pytest.mark.spark
def test_upstream_token_is_not_accepted_by_the_proxy(
    proxy: RunningProxy, connect_server: ConnectServer
) -> None:
    error = raw_config_call(proxy.port, [("authorization", f"Bearer {connect_server.token}")])
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == "Invalid authentication token"


@pytest.mark.spark
def test_notebook_helper_refreshes_expiring_tokens(proxy: RunningProxy) -> None:
    # Tokens live 4 s and are replaced 2 s before they expire: every call carries a token
    # with 2 s or more left (a margin load cannot eat on the way to the proxy), and a
    # token is due for replacement 2 s after it was fetched.
    def fetch() -> tuple[str, datetime | None]:
        expires = datetime.now(UTC) + timedelta(seconds=4)
        return mint_session_token(proxy.key, "s-refresh", expires), expires

    token = RefreshingToken(fetch, margin=timedelta(seconds=2))
    spark = session_from_endpoint(f"127.0.0.1:{proxy.port}", token)
    try:
        assert spark.range(5).count() == 5
        first_fetches = token.fetches
        time.sleep(2.5)  # the token is due for replacement; the channel must fetch a new one
        assert spark.range(7).count() == 7
        assert token.fetches > first_fetches
    finally:
        spark.stop()


@pytest.mark.spark
def test_sigterm_releases_open_sessions(connect_server: ConnectServer, tmp_path: Path) -> None:
    own = start_proxy(connect_server, tmp_path)
    spark = spark_client(own.url(own.token()))
    try:
        assert spark.range(4).count() == 4
        connect_session_id = spark.session_id
        assert stop_process_group(own.process) == 0
    finally:
        spark.client.close()  # the client leaves without releasing: the proxy must
    assert "stopping the connect proxy" in own.log.read_text()
    assert own.activity()["connect_sessions"] == 0  # written on the way out
    assert connect_server.session_is_closed(connect_session_id)


@pytest.mark.spark
def test_sigterm_ends_a_query_under_way_naming_the_cluster(
    connect_server: ConnectServer, tmp_path: Path
) -> None:
    """The cluster stops: a query in flight ends with why, not with a retried UNAVAILABLE."""
    own = start_proxy(connect_server, tmp_path)
    spark = SparkSession.builder.remote(own.url(own.token())).create()  # pyspark's own retries
    said: list[str] = []

    def long_query() -> None:
        with pytest.raises(SparkConnectGrpcException) as caught:
            spark.range(0, 10**12, 1, 1).selectExpr("sum(id)").collect()
        said.append(str(caught.value))

    query = threading.Thread(target=long_query)
    try:
        query.start()
        own.wait_activity("active_streams", 1)
        assert stop_process_group(own.process) == 0
        query.join(60)
        assert not query.is_alive()
    finally:
        spark.client.close()
    assert len(said) == 1, "the query did not end with an error"
    assert "FAILED_PRECONDITION" in said[0]
    assert "Cluster j-PROXYTEST is TERMINATING" in said[0]


def test_a_call_after_its_sessions_release_does_not_reopen_it() -> None:
    """A client releases its last execution in the background, after the session itself;
    that call must not count the session as open again (Spark never reopens it)."""
    counters = _Counters()
    counters.saw("s-1", b"ctx")
    counters.saw("s-2", b"ctx")
    assert set(counters.sessions) == {"s-1", "s-2"}
    counters.release("s-1")
    counters.saw("s-1", b"ctx")  # a late ReleaseExecute of s-1
    assert set(counters.sessions) == {"s-2"}
    for index in range(connect_proxy._RELEASED_KEPT + 5):
        counters.release(f"old-{index}")
    assert len(counters.released) == connect_proxy._RELEASED_KEPT
    assert "s-1" not in counters.released and f"old-{connect_proxy._RELEASED_KEPT + 4}" in (
        counters.released
    )

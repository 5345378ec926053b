"""The Livy-compatible endpoint, driven over raw HTTP and by the real sparkmagic client.

A real Spark Connect server (local[1], pre-shared token) runs for the module;
the endpoint runs as a subprocess with the command line the engine uses. Run
one at a time with other Spark-heavy runs (these tests start a JVM).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import sparkmagic.utils.configuration as sparkmagic_conf
from hdijupyterutils.ipythondisplay import IpythonDisplay
from IPython.core.interactiveshell import InteractiveShell
from sparkmagic.livyclientlib.command import Command
from sparkmagic.livyclientlib.endpoint import Endpoint
from sparkmagic.livyclientlib.livyreliablehttpclient import LivyReliableHttpClient
from sparkmagic.livyclientlib.livysession import LivySession
from sparkmagic.livyclientlib.sqlquery import SQLQuery

from clusterport.engines.livy.sessions import FINAL_SESSION_STATES
from test_connect_proxy import (
    ConnectServer,
    free_port,
    start_connect_server,
    start_proxy,
    start_python_module,
    stop_process_group,
    wait_for_port,
)

pytestmark = pytest.mark.spark

SPARK_UI_URL = "http://127.0.0.1:4040/"
MAX_CODE_BYTES = 200_000
FINAL_STATEMENT_STATES = {"available", "error", "cancelled"}


@dataclass
class LivyServer:
    """The endpoint subprocess and an HTTP client for it."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path
    work_dir: Path
    http: httpx.Client
    interpreter_pids: set[int] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_session(
        self, session_id: int, until: Callable[[dict[str, Any]], bool], timeout: float = 120
    ) -> dict[str, Any]:
        """Poll ``GET /sessions/{id}`` (a heartbeat) until ``until(session)`` holds."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.http.get(f"/sessions/{session_id}")
            assert response.status_code == 200, response.text
            session: dict[str, Any] = response.json()
            if until(session):
                return session
            assert time.monotonic() < deadline, f"session never got there: {session}"
            time.sleep(0.2)

    def new_session(self, **body: Any) -> int:
        """Create a pyspark session and wait until it is idle; returns its id."""
        response = self.http.post("/sessions", json={"kind": "pyspark", **body})
        assert response.status_code == 201, response.text
        session_id: int = response.json()["id"]
        session = self.wait_session(
            session_id, lambda s: s["state"] == "idle" or s["state"] in FINAL_SESSION_STATES
        )
        assert session["state"] == "idle", session
        self.interpreter_pids.update(interpreter_pids(self.process.pid))
        return session_id

    def run(self, session_id: int, code: str, **extra: Any) -> dict[str, Any]:
        """Submit a statement and wait for its final state."""
        response = self.http.post(
            f"/sessions/{session_id}/statements", json={"code": code, **extra}
        )
        assert response.status_code == 201, response.text
        return self.wait_statement(session_id, response.json()["id"])

    def wait_statement(
        self, session_id: int, statement_id: int, timeout: float = 120
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            response = self.http.get(f"/sessions/{session_id}/statements/{statement_id}")
            assert response.status_code == 200, response.text
            statement: dict[str, Any] = response.json()
            if statement["state"] in FINAL_STATEMENT_STATES:
                return statement
            assert time.monotonic() < deadline, f"statement never finished: {statement}"
            time.sleep(0.1)


def interpreter_pids(server_pid: int) -> set[int]:
    """The pids of the endpoint's interpreter children (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat_fields[1]) == server_pid and b"clusterport.engines.livy.interpreter" in cmdline:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes (its parent reaps it).
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pids: set[int], timeout: float = 30) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = {pid for pid in pids if alive(pid)}
        if not left:
            return left
        time.sleep(0.1)
    return {pid for pid in pids if alive(pid)}


def start_livy(remote: str, work: Path, *extra: str) -> LivyServer:
    """The endpoint with exactly the engine's command line (plus optional flags)."""
    port = free_port()
    log = work / "livy.log"
    args = [
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--spark-remote",
        remote,
        "--work-dir",
        str(work),
        *extra,
    ]
    process = start_python_module("clusterport.engines.livy", args, log)
    wait_for_port(port, process, log, timeout=60)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    return LivyServer(port=port, process=process, log=log, work_dir=work, http=http)


def stop_livy(server: LivyServer) -> int:
    server.interpreter_pids.update(interpreter_pids(server.process.pid))
    server.http.close()
    code = stop_process_group(server.process, grace=60)
    left = wait_gone(server.interpreter_pids)
    assert not left, f"interpreters left behind: {left}\n{server.log.read_text()[-3000:]}"
    return code


@pytest.fixture(scope="module")
def spark_connect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConnectServer]:
    """One Spark Connect server for the module; its process group is killed at the end."""
    server = start_connect_server(tmp_path_factory.mktemp("connect-server"))
    try:
        yield server
    finally:
        stop_process_group(server.process)


@pytest.fixture(scope="module")
def livy(
    spark_connect: ConnectServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LivyServer]:
    server = start_livy(
        spark_connect.remote,
        tmp_path_factory.mktemp("livy"),
        "--spark-ui-url",
        SPARK_UI_URL,
        "--max-code-bytes",
        str(MAX_CODE_BYTES),
        "--cancel-grace",
        "20",
    )
    try:
        yield server
    finally:
        assert stop_livy(server) == 0


@pytest.fixture(scope="module")
def shared_session(livy: LivyServer) -> int:
    """One idle pyspark session for tests that only need somewhere to run code."""
    return livy.new_session(name="shared")


# --------------------------------------------------------------------------- every route


def test_session_lifecycle_over_raw_http(livy: LivyServer) -> None:
    listing = livy.http.get("/sessions").json()
    assert set(listing) == {"from", "total", "sessions"} and listing["from"] == 0

    created = livy.http.post(
        "/sessions",
        json={"kind": "pyspark", "name": "raw", "proxyUser": "alice", "conf": {"spark.x": "1"}},
    )
    assert created.status_code == 201
    body = created.json()
    assert body["state"] in {"not_started", "starting"} and body["kind"] == "pyspark"
    session_id = body["id"]
    assert created.headers["location"] == f"/sessions/{session_id}"

    session = livy.wait_session(session_id, lambda s: s["state"] == "idle")
    assert session["appId"].startswith("local-")
    assert session["appInfo"]["sparkUiUrl"] == SPARK_UI_URL
    assert session["proxyUser"] == "alice" and session["owner"] is None
    assert session["name"] == "raw"
    assert all(isinstance(line, str) for line in session["log"])
    assert any("SparkSession available as 'spark'" in line for line in session["log"])
    pids = interpreter_pids(livy.process.pid)
    livy.interpreter_pids.update(pids)

    assert livy.http.get(f"/sessions/{session_id}/state").json() == {
        "id": session_id,
        "state": "idle",
    }
    ids = [s["id"] for s in livy.http.get("/sessions").json()["sessions"]]
    assert session_id in ids

    # Statements: a REPL over Spark Connect.
    count = livy.run(session_id, "spark.range(10).count()")
    assert count["state"] == "available"
    assert count["output"]["status"] == "ok"
    assert count["output"]["data"]["text/plain"] == "10"
    assert count["progress"] == 1.0 and count["completed"] >= count["started"] > 0
    assert set(count) >= {"id", "code", "state", "output", "progress", "started", "completed"}

    printed = livy.run(session_id, 'x = 21\nprint("hi")\nx * 2')
    assert printed["output"]["data"]["text/plain"] == "hi\n42"
    assert printed["output"]["execution_count"] > count["output"]["execution_count"]
    assert livy.run(session_id, "x + 1")["output"]["data"]["text/plain"] == "22"

    failed = livy.run(session_id, "def f():\n    return 1 / 0\nf()")
    assert failed["state"] == "available"
    error = failed["output"]
    assert error["status"] == "error"
    assert (error["ename"], error["evalue"]) == ("ZeroDivisionError", "division by zero")
    assert error["traceback"][0].startswith("Traceback")
    assert any('File "<stdin>", line 2, in f' in line for line in error["traceback"])
    assert not any("interpreter.py" in line for line in error["traceback"])

    syntax = livy.run(session_id, "def broken(:")["output"]
    assert syntax["ename"] == "SyntaxError"

    spark_error = livy.run(session_id, "spark.sql('select * from no_such_table').collect()")
    assert spark_error["output"]["ename"] == "AnalysisException"
    assert "TABLE_OR_VIEW_NOT_FOUND" in spark_error["output"]["evalue"]
    assert "JVM stacktrace" not in spark_error["output"]["evalue"]

    no_sc = livy.run(session_id, "sc.parallelize([1, 2])")["output"]
    assert no_sc["ename"] == "AttributeError" and "Spark Connect" in no_sc["evalue"]

    sql = livy.run(session_id, "select id, id * 2 as twice from range(3)", kind="sql")
    table = sql["output"]["data"]["application/json"]
    assert [f["name"] for f in table["schema"]["fields"]] == ["id", "twice"]
    assert table["data"] == [[0, 0], [1, 2], [2, 4]]

    magic = livy.run(session_id, "rows = [{'a': 1, 'b': 'x'}]\n%json rows")["output"]["data"]
    assert magic["application/json"] == [{"a": 1, "b": "x"}]
    shown = livy.run(session_id, "%table spark.range(2)")["output"]["data"]
    assert shown["application/vnd.livy.table.v1+json"]["headers"] == [
        {"name": "id", "type": "BIGINT_TYPE"}
    ]

    statements = livy.http.get(f"/sessions/{session_id}/statements").json()
    assert statements["total_statements"] == len(statements["statements"]) >= 10
    one = livy.http.get(f"/sessions/{session_id}/statements", params={"from": 1, "size": 1})
    assert [s["id"] for s in one.json()["statements"]] == [1]

    log = livy.http.get(f"/sessions/{session_id}/log", params={"from": 0, "size": 2}).json()
    assert log["id"] == session_id and log["from"] == 0 and log["size"] == 2
    assert len(log["log"]) == 2 and log["total"] >= 2
    tail = livy.http.get(f"/sessions/{session_id}/log").json()
    assert tail["from"] == max(0, tail["total"] - 100)

    activity = livy.http.get("/_clusterport/activity").json()
    assert activity["active_sessions"] >= 1 and activity["busy"] is False
    assert activity["last_activity"] <= time.time()

    deleted = livy.http.delete(f"/sessions/{session_id}")
    assert (deleted.status_code, deleted.json()) == (200, {"msg": "deleted"})
    gone = livy.http.get(f"/sessions/{session_id}")
    assert gone.status_code == 404 and "not found" in gone.json()["msg"]
    assert not wait_gone(pids - interpreter_pids(livy.process.pid))


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "needle"),
    [
        ("POST", "/sessions", b"{", 400, "not valid JSON"),
        ("POST", "/sessions", b"[1]", 400, "JSON object"),
        ("POST", "/sessions", b'{"kind": "spark"}', 400, "PySpark only"),
        ("POST", "/sessions", b'{"kind": "sparkr"}', 400, "PySpark only"),
        ("POST", "/sessions", b'{"kind": "cobol"}', 400, "unknown session kind"),
        ("POST", "/sessions", b'{"kind": 5}', 400, "must be a string"),
        ("POST", "/sessions", b'{"heartbeatTimeoutInSecond": "x"}', 400, "non-negative"),
        ("POST", "/sessions", b'{"heartbeatTimeoutInSecond": -1}', 400, "non-negative"),
        ("POST", "/sessions", b'{"conf": [1]}', 400, "conf must be"),
        ("POST", "/sessions", b'{"name": ""}', 400, "name"),
        ("POST", "/sessions", b'{"name": "shared"}', 400, "duplicate session name"),
        ("GET", "/sessions?from=x", b"", 400, "'from' must be an integer"),
        ("GET", "/sessions?from=-1", b"", 400, "must not be negative"),
        ("GET", "/sessions/999999", b"", 404, "session 999999 not found"),
        ("GET", "/sessions/abc", b"", 404, "ids are integers"),
        ("DELETE", "/sessions/999999", b"", 404, "not found"),
        ("GET", "/sessions/999999/log", b"", 404, "not found"),
        ("GET", "/sessions/999999/statements/0", b"", 404, "not found"),
        ("POST", "/sessions/999999/statements", b'{"code": "1"}', 404, "not found"),
        ("POST", "/sessions/999999/statements/0/cancel", b"", 404, "not found"),
        ("GET", "/sessions/{sid}/statements/999999", b"", 404, "statement 999999 not found"),
        ("GET", "/sessions/{sid}/statements/xyz", b"", 404, "ids are integers"),
        ("GET", "/sessions/{sid}/log?size=big", b"", 400, "'size' must be an integer"),
        ("POST", "/sessions/{sid}/statements", b"{", 400, "not valid JSON"),
        ("POST", "/sessions/{sid}/statements", b"{}", 400, "'code' is required"),
        ("POST", "/sessions/{sid}/statements", b'{"code": 5}', 400, "must be a string"),
        ("POST", "/sessions/{sid}/statements", b'"1+1"', 400, "JSON object"),
        ("POST", "/sessions/{sid}/statements", b'{"code": "1", "kind": "spark"}', 400, "PySpark"),
        ("POST", "/sessions/{sid}/statements/999999/cancel", b"", 404, "not found"),
        ("PUT", "/sessions", b"{}", 405, "not allowed"),
        ("GET", "/nowhere", b"", 404, "no such resource"),
    ],
)
def test_bad_requests_get_4xx_json(
    livy: LivyServer,
    shared_session: int,
    method: str,
    path: str,
    body: bytes,
    status: int,
    needle: str,
) -> None:
    response = livy.http.request(method, path.format(sid=shared_session), content=body)
    assert response.status_code == status, response.text
    assert needle in response.json()["msg"]


def test_oversized_code_and_bodies_are_refused(livy: LivyServer, shared_session: int) -> None:
    url = f"/sessions/{shared_session}/statements"
    too_much_code = livy.http.post(url, json={"code": "#" * (MAX_CODE_BYTES + 1)})
    assert too_much_code.status_code == 413
    assert f"at most {MAX_CODE_BYTES} bytes" in too_much_code.json()["msg"]
    huge_body = livy.http.post(url, content=b'{"code": "' + b"x" * (MAX_CODE_BYTES * 3) + b'"}')
    assert huge_body.status_code == 413 and "limit" in huge_body.json()["msg"]
    # The session is unharmed.
    assert livy.run(shared_session, "2 + 2")["output"]["data"]["text/plain"] == "4"


# --------------------------------------------------------------------------- the real sparkmagic


@pytest.fixture
def brisk_sparkmagic() -> Iterator[None]:
    """sparkmagic with a 1 s heartbeat (its 30 s default makes delete() wait up to 30 s)."""
    saved = dict(sparkmagic_conf.d)
    sparkmagic_conf.override("heartbeat_refresh_seconds", 1)
    sparkmagic_conf.override("heartbeat_retry_seconds", 1)
    try:
        yield
    finally:
        sparkmagic_conf.override_all(saved)


@pytest.mark.usefixtures("brisk_sparkmagic")
def test_sparkmagic_session_end_to_end(livy: LivyServer) -> None:
    client = LivyReliableHttpClient.from_endpoint(Endpoint(livy.url, None))
    session = LivySession(client, {"kind": "pyspark"}, IpythonDisplay(), heartbeat_timeout=60)
    session.start()  # waits for idle, then runs `spark` to find the SparkSession
    try:
        assert session.status == "idle"
        assert session.sql_context_variable_name == "spark"
        assert session.get_app_id().startswith("local-")
        assert session.get_spark_ui_url() == SPARK_UI_URL

        assert Command("spark.range(10).count()").execute(session) == (True, "10", "text/plain")
        ok, text, _ = Command("raise ValueError('nope')").execute(session)
        assert not ok and text.startswith("nope\n") and "ValueError: nope" in text

        frame = SQLQuery("select id, id * 10 as tens from range(5)", maxrows=3).execute(session)
        assert list(frame.columns) == ["id", "tens"]
        assert frame.to_dict("records") == [
            {"id": 0, "tens": 0},
            {"id": 1, "tens": 10},
            {"id": 2, "tens": 20},
        ]
        everything = SQLQuery("select id from range(40)", maxrows=-1).execute(session)
        assert sorted(everything["id"]) == list(range(40))
        sampled = SQLQuery(
            "select id from range(200)", samplemethod="sample", samplefraction=0.5, maxrows=-1
        ).execute(session)
        assert 0 < len(sampled) < 200 and set(sampled["id"]) <= set(range(200))
        empty = SQLQuery("select id from range(0)", maxrows=10).execute(session)
        assert len(empty) == 0
    finally:
        session_id = session.id
        session.delete()
    assert session.status == "dead"
    assert livy.http.get(f"/sessions/{session_id}").status_code == 404


@pytest.mark.usefixtures("brisk_sparkmagic")
def test_spark_magics_in_ipython(livy: LivyServer, capsys: pytest.CaptureFixture[str]) -> None:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "sparkmagic.magics")
    shell.run_line_magic("spark", f"add -s magics -l python -u {livy.url} -t None")
    try:
        shell.run_cell_magic("spark", "-s magics", "numbers = spark.range(12)\nnumbers.count()")
        shell.run_cell_magic(
            "spark", "-s magics -c sql -q -o squares", "select id, id * id as sq from range(4)"
        )
        shell.run_cell_magic("spark", "-s magics -o evens", "evens = spark.range(0, 10, 2)")
        shell.run_cell_magic("spark", "-s magics", "undefined_name")
    finally:
        shell.run_line_magic("spark", "cleanup")
    out, err = capsys.readouterr()
    assert "SparkSession available as 'spark'." in out
    # sparkmagic writes a cell's text result without a newline after it.
    assert re.search(r"^12(?!\d)", out, re.MULTILINE), out
    assert shell.user_ns["squares"].to_dict("list") == {"id": [0, 1, 2, 3], "sq": [0, 1, 4, 9]}
    assert list(shell.user_ns["evens"]["id"]) == [0, 2, 4, 6, 8]
    assert "NameError" in err and "undefined_name" in err
    assert livy.http.get("/_clusterport/activity").json()["busy"] is False
    names = [s["name"] for s in livy.http.get("/sessions").json()["sessions"]]
    assert len(names) == len(set(names))


# --------------------------------------------------------------------------- cancelling, failures


def test_cancel_waiting_and_running_statements(livy: LivyServer, shared_session: int) -> None:
    base = f"/sessions/{shared_session}/statements"
    sleeping = livy.http.post(base, json={"code": "import time\ntime.sleep(600)"}).json()["id"]
    queued = livy.http.post(base, json={"code": "'never ran'"}).json()["id"]
    assert livy.http.get(f"/sessions/{shared_session}/state").json()["state"] == "busy"

    cancel_queued = livy.http.post(f"{base}/{queued}/cancel")
    assert cancel_queued.json() == {"msg": "cancelled"}
    assert livy.wait_statement(shared_session, queued)["state"] == "cancelled"

    cancelled = livy.http.post(f"{base}/{sleeping}/cancel")
    assert (cancelled.status_code, cancelled.json()) == (200, {"msg": "cancelled"})
    final = livy.wait_statement(shared_session, sleeping)
    assert final["state"] == "cancelled" and final["output"] is None
    # Cancelling a finished statement changes nothing.
    assert livy.http.post(f"{base}/{sleeping}/cancel").json() == {"msg": "cancelled"}
    assert livy.wait_statement(shared_session, sleeping)["state"] == "cancelled"

    assert livy.run(shared_session, "'still here'")["output"]["data"]["text/plain"] == (
        "'still here'"
    )


def test_cancel_interrupts_the_spark_job(livy: LivyServer, shared_session: int) -> None:
    base = f"/sessions/{shared_session}/statements"
    code = "spark.range(0, 10**13, 1, 1).filter('id % 1000003 = 17').count()"
    statement_id = livy.http.post(base, json={"code": code}).json()["id"]
    deadline = time.monotonic() + 60
    while livy.http.get(f"{base}/{statement_id}").json()["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    time.sleep(1.0)  # let the job reach the executor
    livy.http.post(f"{base}/{statement_id}/cancel")
    assert livy.wait_statement(shared_session, statement_id)["state"] == "cancelled"
    # local[1] has one task slot: this only finishes if the big job was really stopped.
    after = livy.run(shared_session, "spark.range(3).count()")
    assert after["output"]["data"]["text/plain"] == "3"


def test_running_statement_reports_spark_progress(livy: LivyServer, shared_session: int) -> None:
    base = f"/sessions/{shared_session}/statements"
    code = "spark.range(0, 8 * 10**7, 1, 8).selectExpr('sum(id % 7)').collect()"
    statement_id = livy.http.post(base, json={"code": code}).json()["id"]
    seen = set()
    while (statement := livy.http.get(f"{base}/{statement_id}").json())["state"] not in (
        FINAL_STATEMENT_STATES
    ):
        seen.add(statement["progress"])
        time.sleep(0.1)
    assert statement["output"]["status"] == "ok" and statement["progress"] == 1.0
    # Eight tasks run one after another on local[1], and the test server reports
    # progress every 200 ms: some fraction shows up in between.
    assert any(0.0 < value < 1.0 for value in seen), seen


def test_interpreter_crash_kills_only_its_session(livy: LivyServer, shared_session: int) -> None:
    doomed = livy.new_session()
    crashed = livy.run(doomed, "import os\nos._exit(3)")
    assert crashed["state"] == "error"
    assert crashed["output"]["status"] == "error"
    session = livy.wait_session(doomed, lambda s: s["state"] in FINAL_SESSION_STATES)
    assert session["state"] == "dead"
    assert any("exit status 3" in line for line in session["log"])
    refused = livy.http.post(f"/sessions/{doomed}/statements", json={"code": "1"})
    assert refused.status_code == 409 and "create a new session" in refused.json()["msg"].lower()
    # Everything else carries on.
    assert livy.run(shared_session, "6 * 7")["output"]["data"]["text/plain"] == "42"
    assert livy.http.delete(f"/sessions/{doomed}").json() == {"msg": "deleted"}


def test_missing_heartbeat_kills_the_session(livy: LivyServer) -> None:
    session_id = livy.new_session(heartbeatTimeoutInSecond=1)
    pids_before = interpreter_pids(livy.process.pid)
    # Listing sessions is not a heartbeat for any one of them.
    deadline = time.monotonic() + 60
    while True:
        listed = {s["id"]: s for s in livy.http.get("/sessions").json()["sessions"]}
        if listed[session_id]["state"] == "killed":
            break
        assert time.monotonic() < deadline, listed[session_id]
        time.sleep(0.3)
    assert any("no heartbeat for 1 s" in line for line in listed[session_id]["log"])
    assert wait_gone(pids_before - interpreter_pids(livy.process.pid)) == set()
    livy.http.delete(f"/sessions/{session_id}")


def test_unreachable_spark_connect_leaves_the_session_dead(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    server = start_livy(f"sc://localhost:{port}/", tmp_path, "--startup-timeout", "5")
    try:
        created = server.http.post("/sessions", json={"kind": "pyspark"}).json()
        session = server.wait_session(
            created["id"], lambda s: s["state"] in FINAL_SESSION_STATES, timeout=90
        )
        assert session["state"] == "dead"
        log = "\n".join(session["log"])
        assert "did not connect within 5 s" in log or "could not start" in log
    finally:
        assert stop_livy(server) == 0


# --------------------------------------------------------------------------- shutdown


def test_sigterm_stops_every_session_and_releases_spark_connect(
    spark_connect: ConnectServer, tmp_path: Path
) -> None:
    # Run the endpoint behind the session-token proxy so the proxy can tell
    # whether every Spark Connect session was released.
    (tmp_path / "proxy").mkdir()
    (tmp_path / "livy").mkdir()
    proxy = start_proxy(spark_connect, tmp_path / "proxy")
    token = proxy.token(lifetime=timedelta(hours=1))
    # A loopback IP with a token would make pyspark try TLS; the endpoint uses "localhost".
    server = start_livy(f"sc://127.0.0.1:{proxy.port}/;token={token}", tmp_path / "livy")
    try:
        first = server.new_session()
        second = server.new_session()
        connect_ids = [
            server.http.get(f"/sessions/{sid}").json()["connectSessionId"]
            for sid in (first, second)
        ]
        running = server.http.post(
            f"/sessions/{second}/statements", json={"code": "import time\ntime.sleep(600)"}
        )
        assert running.status_code == 201
        assert server.run(first, "spark.range(6).count()")["output"]["data"]["text/plain"] == "6"
        assert stop_livy(server) == 0
        proxy.wait_activity("connect_sessions", 0)
        for connect_id in connect_ids:
            assert spark_connect.session_is_closed(connect_id)
    finally:
        if server.process.poll() is None:
            stop_livy(server)
        stop_process_group(proxy.process)


def test_activity_reports_busy_while_a_statement_runs(
    livy: LivyServer, shared_session: int
) -> None:
    base = f"/sessions/{shared_session}/statements"
    statement_id = livy.http.post(base, json={"code": "import time\ntime.sleep(600)"}).json()["id"]
    try:
        activity = livy.http.get("/_clusterport/activity").json()
        assert activity["busy"] is True and activity["active_sessions"] >= 1
    finally:
        livy.http.post(f"{base}/{statement_id}/cancel")
        livy.wait_statement(shared_session, statement_id)
    assert livy.http.get("/_clusterport/activity").json()["busy"] is False


def test_log_file_free_of_server_errors(livy: LivyServer) -> None:
    text = livy.log.read_text(errors="replace")
    assert "Traceback" not in text, text[-3000:]

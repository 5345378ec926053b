"""A throwaway PostgreSQL server for the tests, and a clusterport server on top of it.

The PostgreSQL server is a real one, built from the distribution's binaries
(``initdb`` + ``pg_ctl``) in a fresh temporary directory, listening only on
127.0.0.1 on a free port, with a password (password authentication, as a real
deployment would have it). ``initdb`` refuses to run as root, so under root the
server runs as the ``postgres`` system user that Debian's package creates.

Tests are skipped only when the binaries are absent; ``./dev test`` installs
them, so in CI they run.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
import uvicorn
from psycopg import sql

from clusterport.cli.server import bind, url_for
from clusterport.gateway.app import create_app
from clusterport.platform import Platform, Settings
from conftest import RunningServer, served_models, share_served_models

DEBIAN_ROOT = Path("/usr/lib/postgresql")
#: The superuser ``initdb`` creates; tests connect as it.
SUPERUSER = "clusterport_test"
#: The system user the server runs as when the tests run as root.
SYSTEM_USER = "postgres"


def postgres_bin_dir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl``: Debian's newest version, else the PATH's."""
    versions: list[tuple[int, Path]] = []
    for initdb in DEBIAN_ROOT.glob("*/bin/initdb"):
        version = initdb.parent.parent.name
        if version.isdigit():
            versions.append((int(version), initdb.parent))
    if versions:
        return max(versions)[1]
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """One PostgreSQL server in a directory of its own, and the databases made in it."""

    bin_dir: Path
    base: Path
    owner: pwd.struct_passwd | None
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12) + "@:/%")
    databases: list[str] = field(default_factory=list)

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_file(self) -> Path:
        return self.base / "postgres.log"

    def _run(self, *args: str) -> None:
        """Run a PostgreSQL program as the server's user; its output in the error if it fails."""
        result = subprocess.run(
            args,
            cwd=self.base,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "LC_ALL": "C"},
            user=self.owner.pw_uid if self.owner else None,
            group=self.owner.pw_gid if self.owner else None,
            extra_groups=[] if self.owner else None,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
            raise RuntimeError(
                f"{' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}{log[-4000:]}"
            )

    def _give(self, path: Path) -> None:
        if self.owner is not None:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)

    def init(self) -> None:
        """``initdb`` with password authentication and the C locale (byte order, as SQLite)."""
        self._give(self.base)
        password_file = self.base / "password"
        password_file.write_text(self.password + "\n")
        password_file.chmod(0o600)
        self._give(password_file)
        self._run(
            str(self.bin_dir / "initdb"),
            "--pgdata",
            str(self.data_dir),
            "--username",
            SUPERUSER,
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        password_file.unlink()
        sockets = self.base / "run"
        sockets.mkdir()
        self._give(sockets)
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            # A test server: TCP on loopback only, no durability work.
            conf.write(
                f"listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{sockets}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "max_connections = 100\n"
            )

    def _start_on(self, port: int) -> None:
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "--pgdata",
            str(self.data_dir),
            "--log",
            str(self.log_file),
            "--wait",
            "--timeout=60",
            "-o",
            f"-p {port}",
            "start",
        )
        self.port = port

    def start(self) -> None:
        """Start on a free port (retrying on the rare race for it); wait until it accepts."""
        for attempt in range(3):
            try:
                self._start_on(free_port())
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        """Stop the server: fast shutdown, or immediate if that does not finish."""
        if not (self.data_dir / "postmaster.pid").exists():
            return
        pg_ctl = str(self.bin_dir / "pg_ctl")
        try:
            self._run(pg_ctl, "--pgdata", str(self.data_dir), "-m", "fast", "--wait", "stop")
        except RuntimeError:
            self._run(pg_ctl, "--pgdata", str(self.data_dir), "-m", "immediate", "--wait", "stop")

    def restart(self) -> None:
        """Stop and start again on the same port (every open connection is cut)."""
        port = self.port
        self.stop()
        self._start_on(port)

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        """A SQLAlchemy URL for ``database`` (the password percent-encoded, as URLs need)."""
        password = quote(self.password, safe="")
        return f"{driver}://{SUPERUSER}:{password}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        """A direct psycopg connection, in autocommit mode."""
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname=database,
            autocommit=True,
        )

    def create_database(self, prefix: str = "clusterport") -> str:
        """A new empty database; its SQLAlchemy URL."""
        name = f"{re.sub(r'[^a-z0-9_]', '_', prefix.lower())[:40]}_{secrets.token_hex(4)}"
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.databases.append(name)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database this object created (cutting its remaining connections)."""
        name = url.rsplit("/", 1)[1]
        if name not in self.databases:
            raise ValueError(f"{name} was not created by this server object; not dropping it")
        with self.connect() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        self.databases.remove(name)


def _server_user() -> pwd.struct_passwd | None:
    """None when not root; the ``postgres`` system user under root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pytest.fail(
            f"PostgreSQL refuses to run as root and there is no '{SYSTEM_USER}' system user; "
            "install Debian's postgresql package (it creates one) or run the tests as a "
            "non-root user."
        )


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A running throwaway PostgreSQL server; stopped and its directory removed at the end."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        message = (
            "PostgreSQL binaries (initdb, pg_ctl) are not installed; "
            "install Debian's postgresql package (./dev test does) to run these tests"
        )
        # ./dev test installs PostgreSQL, so its absence is a failure, never a skip.
        pytest.fail(message)
    owner = _server_user()
    base = Path(tempfile.mkdtemp(prefix="clusterport-pg-"))
    server = PostgresServer(bin_dir=bin_dir, base=base, owner=owner)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server shared by the tests of a run."""
    with postgres_server() as server:
        yield server


@pytest.fixture
def postgres_url(postgres: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, empty database for one test; its ``postgresql+psycopg://`` URL."""
    url = postgres.create_database(request.node.name)
    try:
        yield url
    finally:
        postgres.drop_database(url)


def start_server_on_database(
    data_dir: Path, database_url: str
) -> tuple[RunningServer, uvicorn.Server, threading.Thread]:
    """A clusterport server on 127.0.0.1:0 keeping its state at ``database_url``."""
    sock = bind("127.0.0.1", 0)
    url = url_for("127.0.0.1", sock.getsockname()[1])
    platform = Platform(Settings(data_dir=data_dir, database_url=database_url, public_url=url))
    app = create_app(platform, served_models())
    share_served_models(platform)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))

    def run() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="clusterport-test-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            sock.close()
            raise RuntimeError("the test server failed to start")
        thread.join(0.01)
    return RunningServer(url=url, platform=platform, data_dir=data_dir), server, thread


@contextmanager
def clusterport_on(data_dir: Path, database_url: str) -> Iterator[RunningServer]:
    """A running clusterport server on ``database_url``; stopped (and its pool closed) after."""
    running, uv, thread = start_server_on_database(data_dir, database_url)
    try:
        yield running
    finally:
        uv.should_exit = True
        thread.join(30)
        if thread.is_alive():
            raise RuntimeError("the clusterport test server did not stop within 30 s")

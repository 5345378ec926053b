"""Shared fixtures: a real clusterport server on 127.0.0.1:0 and accounts in it."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import uvicorn
from hypothesis import settings
from xdist.scheduler import LoadScopeScheduling

import boto_support
from clusterport.cli.server import bind, url_for
from clusterport.engines.base import Engine
from clusterport.engines.bootstrap import FILE_ROOTS_ENV
from clusterport.engines.inprocess import ControllableClock, InProcessEngine
from clusterport.gateway.app import create_app
from clusterport.platform import Platform, Settings
from clusterport.services import identity
from clusterport.services.calls import ServiceCaller
from clusterport.services.emr.provider import EmrProvider
from clusterport.services.registry import served_services
from clusterport.services.service_models import ServiceModels

REPO = Path(__file__).resolve().parents[1]

# Property tests check behaviour, never time: hypothesis's default deadline (200 ms per
# example) is a timing assertion that a loaded machine fails.
settings.register_profile("clusterport", deadline=None)
settings.load_profile("clusterport")
# The aws-samples EMR templates (MIT-0, see the LICENSE beside them), kept in the repository.
SAMPLES = REPO / "tests" / "fixtures" / "aws-samples"


@dataclass
class RunningServer:
    """A clusterport server running in a background thread of the test process."""

    url: str
    platform: Platform
    data_dir: Path
    keys: dict[str, identity.IssuedKey] = field(default_factory=dict)
    clock: ControllableClock | None = None

    def engine(self) -> Engine:
        """The engine the server's clusters run on (started with the server)."""
        provider = self.platform.providers["emr"]
        assert isinstance(provider, EmrProvider)
        assert provider.engine is not None, "the EMR runtime has not started"
        return provider.engine

    def inprocess(self) -> InProcessEngine:
        """The in-process engine (failure injection), when the server runs on it."""
        engine = self.engine()
        assert isinstance(engine, InProcessEngine), f"the server runs on {engine!r}"
        return engine

    def advance(self, seconds: float) -> None:
        """Move the server's controllable clock ahead (in-process servers only)."""
        assert self.clock is not None, "this server runs on real time"
        self.clock.advance(seconds)

    def account(self, account_id: str, name: str | None = None) -> identity.IssuedKey:
        """The root key of ``account_id``, creating the account on first use."""
        if account_id not in self.keys:
            with self.platform.db.session() as session:
                self.keys[account_id] = identity.create_account(
                    session,
                    self.platform.secrets,
                    account_id,
                    name or f"account-{account_id}",
                    self.platform.now(),
                )
        return self.keys[account_id]

    def session(self, account_id: str, region: str = "us-east-1") -> boto3.Session:
        key = self.account(account_id)
        return boto_support.session(key.access_key_id, key.secret_access_key, region=region)

    def client(self, service: str, account_id: str = "111111111111", **kwargs: Any) -> Any:
        return self.session(account_id).client(service, endpoint_url=self.url, **kwargs)


@functools.cache
def served_models() -> ServiceModels:
    """The served services' botocore models, parsed once per test process.

    Parsing them is most of a server's start; they are read-only, so the test process's
    servers share them (a server started by the CLI parses its own).
    """
    return ServiceModels(served_services())


def share_served_models(platform: Platform) -> None:
    """Give the providers that call other services (CloudFormation, Service Catalog) the
    process's parsed models as well, instead of parsing those services' models again."""
    for provider in platform.providers.values():
        caller = getattr(provider, "caller", None)
        if isinstance(caller, ServiceCaller):
            caller.models = served_models()


def start_server(
    data_dir: Path,
    *,
    engine: str = "local",
    clock: Callable[[], dt.datetime] | None = None,
    resync_interval: float = 5.0,
    engine_options: dict[str, str] | None = None,
) -> tuple[RunningServer, uvicorn.Server, threading.Thread]:
    """A server on ``data_dir`` whose clusters run on ``engine`` (with ``clock``, if given).

    It keeps no warm pool unless ``engine_options`` asks for one (``{"warm-pool": "1"}``).
    """
    sock = bind("127.0.0.1", 0)
    url = url_for("127.0.0.1", sock.getsockname()[1])
    settings = Settings(
        data_dir=data_dir,
        public_url=url,
        engine=engine,
        resync_interval=resync_interval,
        engine_options={"warm-pool": "0", **(engine_options or {})},
    )
    platform = Platform(settings) if clock is None else Platform(settings, clock=clock)
    app = create_app(platform, served_models())
    share_served_models(platform)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))

    def run() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="clusterport-test-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server failed to start")
        thread.join(0.01)
    running = RunningServer(url=url, platform=platform, data_dir=data_dir)
    if isinstance(clock, ControllableClock):
        running.clock = clock
    return running, server, thread


def start_inprocess_server(
    data_dir: Path, engine_options: dict[str, str] | None = None
) -> tuple[RunningServer, uvicorn.Server, threading.Thread]:
    """A server whose clusters run on the in-process engine with a controllable clock."""
    return start_server(
        data_dir,
        engine="inprocess",
        clock=ControllableClock(),
        resync_interval=0.1,
        engine_options=engine_options,
    )


@pytest.fixture(scope="session", autouse=True)
def file_roots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests write the scripts their clusters fetch under pytest's temp folder: let them."""
    previous = os.environ.get(FILE_ROOTS_ENV)
    os.environ[FILE_ROOTS_ENV] = str(tmp_path_factory.getbasetemp())
    yield
    if previous is None:
        os.environ.pop(FILE_ROOTS_ENV, None)
    else:
        os.environ[FILE_ROOTS_ENV] = previous


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningServer]:
    """A server for the module: on the in-process engine (API and reconciler behaviour).

    A module whose tests need real Spark behind ``server`` sets
    ``SERVER_ENGINE = "local"`` (and marks those tests ``spark``).
    """
    data_dir = tmp_path_factory.mktemp("clusterport-data")
    if getattr(request.module, "SERVER_ENGINE", "inprocess") == "local":
        running, uv, thread = start_server(data_dir)
    else:
        running, uv, thread = start_inprocess_server(data_dir)
    try:
        yield running
    finally:
        uv.should_exit = True
        thread.join(15)


# ---------------------------------------------------------------------- markers that do not leak

#: Process names a test may start only when it carries the marker (the fast lane,
#: ``-m "not spark and not browser"``, must start no JVM and no browser).
_MARKED_PROCESSES = {"spark": ("java",), "browser": ("chromium", "chrome", "headless_shell")}


def _descendants(names: tuple[str, ...]) -> set[int]:
    """Live processes named ``names*`` below this test process (its children's children …)."""
    found, stack = set(), [os.getpid()]
    while stack:
        pid = stack.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    stack += [int(child) for child in children.read().split()]
            except OSError:
                continue
        if pid != os.getpid():
            try:
                with open(f"/proc/{pid}/comm") as comm:
                    if comm.read().startswith(names):
                        found.add(pid)
            except OSError:
                continue
    return found


@pytest.fixture(autouse=True)
def _marker_matches_processes(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that starts a JVM without ``spark`` (or a browser without ``browser``)."""
    watched = {
        marker: names
        for marker, names in _MARKED_PROCESSES.items()
        if request.node.get_closest_marker(marker) is None
    }
    before = {marker: _descendants(names) for marker, names in watched.items()}
    yield
    for marker, names in watched.items():
        started = sorted(_descendants(names) - before[marker])
        assert not started, (
            f"this test started {'/'.join(names)} processes {started} but is not marked "
            f"'{marker}'; mark it @pytest.mark.{marker} (or run it on the in-process engine)"
        )


# ------------------------------------------------- one worker for everything that starts a JVM

#: The xdist scope every module with Spark tests joins: one worker runs them all, one
#: after another (two clusters at once would starve this 2-core machine and race for the
#: same ports), while the other worker runs everything else beside it (browser tests
#: without Spark included: they start no JVM).
HEAVY_SCOPE = "spark"
_HEAVY_MARK = re.compile(r"pytest\.mark\.spark\b")


def heavy_modules(tests_dir: Path) -> frozenset[str]:
    """The test modules (as node ids spell them) whose source marks a test ``spark``.

    Read from the source, because xdist's controller schedules node ids without collecting;
    ``pytest_collection_modifyitems`` checks every collected item against it.
    """
    root = tests_dir.parent
    return frozenset(
        path.relative_to(root).as_posix()
        for path in sorted(tests_dir.glob("test_*.py"))
        if _HEAVY_MARK.search(path.read_text(encoding="utf-8"))
    )


class OneHeavyWorker(LoadScopeScheduling):  # type: ignore[misc]  # xdist ships no types
    """xdist's ``loadscope`` by module, with every heavy module in one scope, handed out first."""

    def __init__(
        self, config: pytest.Config, log: Any = None, *, heavy: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(config, log)
        self.heavy = heavy

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return HEAVY_SCOPE if module in self.heavy else module

    def _assign_work_unit(self, node: Any) -> None:
        # The heavy scope is the longest: start it first so that it never runs alone at the end.
        if HEAVY_SCOPE in self.workqueue:
            self.workqueue.move_to_end(HEAVY_SCOPE, last=False)
        super()._assign_work_unit(node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> OneHeavyWorker | None:
    """``--dist loadscope`` groups by module and keeps every Spark module together."""
    if config.getoption("dist") != "loadscope":
        return None
    return OneHeavyWorker(config, log, heavy=heavy_modules(REPO / "tests"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse a Spark test the scheduler would not put on the heavy worker."""
    heavy = heavy_modules(REPO / "tests")
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        if item.get_closest_marker("spark") and module not in heavy:
            raise pytest.UsageError(
                f"{item.nodeid} is marked spark, but its module's source does not say "
                "pytest.mark.spark: mark it in the module (pytestmark or a decorator) so "
                "that --dist loadscope runs it on the heavy worker"
            )

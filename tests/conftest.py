"""Shared fixtures: a real clusterport server on 127.0.0.1:0 and accounts in it."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import uvicorn

from clusterport.cli.server import bind, url_for
from clusterport.engines.bootstrap import FILE_ROOTS_ENV
from clusterport.gateway.app import create_app
from clusterport.platform import Platform, Settings
from clusterport.services import identity

REPO = Path(__file__).resolve().parents[1]
# The aws-samples EMR templates (MIT-0, see the LICENSE beside them), kept in the repository.
SAMPLES = REPO / "tests" / "fixtures" / "aws-samples"


@dataclass
class RunningServer:
    """A clusterport server running in a background thread of the test process."""

    url: str
    platform: Platform
    data_dir: Path
    keys: dict[str, identity.IssuedKey] = field(default_factory=dict)

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
        return boto3.Session(
            aws_access_key_id=key.access_key_id,
            aws_secret_access_key=key.secret_access_key,
            region_name=region,
        )

    def client(self, service: str, account_id: str = "111111111111", **kwargs: Any) -> Any:
        return self.session(account_id).client(service, endpoint_url=self.url, **kwargs)


def start_server(data_dir: Path) -> tuple[RunningServer, uvicorn.Server, threading.Thread]:
    sock = bind("127.0.0.1", 0)
    url = url_for("127.0.0.1", sock.getsockname()[1])
    platform = Platform(Settings(data_dir=data_dir, public_url=url))
    app = create_app(platform)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))

    def run() -> None:
        asyncio.run(server.serve(sockets=[sock]))

    thread = threading.Thread(target=run, name="clusterport-test-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server failed to start")
        thread.join(0.01)
    return RunningServer(url=url, platform=platform, data_dir=data_dir), server, thread


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
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running, uv, thread = start_server(tmp_path_factory.mktemp("clusterport-data"))
    try:
        yield running
    finally:
        uv.should_exit = True
        thread.join(15)

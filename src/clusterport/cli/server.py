"""``clusterport server``: serve every AWS API of the platform on one port."""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import logging
import os
import signal
import socket
import sys
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import uvicorn

from clusterport.cli.common import SERVER_FILE, add_data_dir
from clusterport.engines.base import EngineError, EngineSettings
from clusterport.engines.cgroups import ControlGroups
from clusterport.engines.pool import AUTO, pool_size
from clusterport.engines.registry import (
    DEFAULT_ENGINE,
    ENTRY_POINT_GROUP,
    engine_names,
    load_engine,
)
from clusterport.engines.sandbox import SandboxPolicy, SandboxUnavailableError
from clusterport.gateway.app import create_app
from clusterport.platform import Platform, Settings

#: uvicorn's log levels and the logging level of each (``trace`` is uvicorn's own).
LOG_LEVELS: Mapping[str, int] = MappingProxyType(
    {
        "critical": logging.CRITICAL,
        "error": logging.ERROR,
        "warning": logging.WARNING,
        "info": logging.INFO,
        "debug": logging.DEBUG,
        "trace": 5,
    }
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("server", help="run the platform's API server")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4566, help="port (0 picks a free one)")
    parser.add_argument(
        "--log-level",
        default="warning",
        type=str.lower,
        choices=tuple(LOG_LEVELS),
        help="how much the server logs (default: warning)",
    )
    parser.add_argument(
        "--no-sandbox",
        dest="sandbox",
        action="store_false",
        help="run clusters and Studio apps without their sandbox (unsafe with more than one "
        "tenant: their code can then read the data dir)",
    )
    parser.add_argument(
        "--engine",
        default=DEFAULT_ENGINE,
        choices=engine_names(),
        help="where clusters run: 'local' (real Spark on this host, the default), 'inprocess' "
        "(an API-only test engine, no Spark) or an engine installed in the "
        f"'{ENTRY_POINT_GROUP}' entry-point group",
    )
    parser.add_argument(
        "--warm-pool",
        default=AUTO,
        type=_warm_pool,
        metavar="N",
        help="keep N clusters of the common shape (the default release, 1 primary + 1 core "
        "m5.xlarge node, no bootstrap action or configuration) started ahead, so RunJobFlow "
        "of that shape gets one in about a second; they count against the host's budget and "
        "give way to waiting clusters. Default 'auto': 1 when the budget holds three such "
        "clusters, else 0; 0 turns the pool off; a size the budget cannot hold is refused, "
        "naming the largest that fits",
    )
    add_data_dir(parser)
    parser.set_defaults(run=run)


def _warm_pool(text: str) -> str:
    """``--warm-pool``: ``auto`` or a number of clusters (0 or more)."""
    if text == AUTO or (text.isdigit() and int(text) >= 0):
        return text
    raise argparse.ArgumentTypeError(f"expected a number of clusters or '{AUTO}', not {text!r}")


def warm_pool_size(args: argparse.Namespace) -> int:
    """The pool size ``--warm-pool`` asks for, checked against the engine's budget.

    Raises EngineError naming the largest size that fits. With ``auto``, an
    engine that cannot run here keeps no pool (its clusters fail saying why).
    """
    try:
        engine = load_engine(
            args.engine, EngineSettings(data_dir=args.data_dir, sandbox=args.sandbox)
        )
        capacity = engine.capacity()
    except EngineError:
        if args.warm_pool in (AUTO, "0"):
            return 0
        raise
    return pool_size(args.warm_pool, capacity)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Small responses go out in two writes (head, body); without TCP_NODELAY the second
    # waits for the client's delayed ACK: ~40 ms per call on Linux.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    # Never handed to a child: a cluster's JVM holding the port would keep it
    # after a crash, and clients would hang on a listener nobody serves.
    sock.set_inheritable(False)
    return sock


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


class DataDirInUseError(Exception):
    """Another server owns the data dir."""


def lock_data_dir(data_dir: Path) -> int:
    """Hold the data dir's lock for this process's life; refuse if another server has it.

    Returns the lock's descriptor (close-on-exec, so no child keeps it).
    """
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(data_dir / "server.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        try:
            info = json.loads((data_dir / SERVER_FILE).read_text())
            who = f"PID {info.get('pid')} at {info.get('url')}"
        except (OSError, ValueError):
            who = "another process (starting or stopping)"
        raise DataDirInUseError(
            f"clusterport server: the data dir {data_dir} is in use by the server {who}; "
            "stop it first, or give this one another --data-dir."
        ) from None
    return fd


async def serve(
    host: str,
    port: int,
    data_dir: Path,
    database_url: str | None,
    level: str,
    sandbox: bool = True,
    engine: str = DEFAULT_ENGINE,
    warm_pool: int = 0,
) -> None:
    lock_data_dir(data_dir)
    policy = describe_sandbox(sandbox)
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    url = url_for(host, actual_port)
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        public_url=url,
        sandbox=sandbox,
        engine=engine,
        engine_options={"warm-pool": str(warm_pool)},
    )
    platform = Platform(settings)
    print(policy, file=sys.stderr, flush=True)
    print(ControlGroups.detect().description, file=sys.stderr, flush=True)
    app = create_app(platform)
    # httptools (a dependency) parses HTTP in C: about 1 ms less per request than h11.
    config = uvicorn.Config(app, log_level=level, lifespan="on", access_log=False, http="httptools")
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    server_file = data_dir / SERVER_FILE
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        fd = os.open(server_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(json.dumps({"url": url, "pid": os.getpid()}))
        print(f"clusterport listening on {url}", flush=True)
    try:
        await task
    finally:
        if server_file.exists():
            server_file.unlink()


def describe_sandbox(sandbox: bool) -> str:
    """The start banner's line on the sandbox; says so loudly when tenants are unwalled."""
    try:
        return SandboxPolicy.detect(sandbox=sandbox).description
    except SandboxUnavailableError as exc:
        return f"WARNING: {exc} Until then, RunJobFlow and Studio apps fail with this message."


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=LOG_LEVELS[args.log_level], stream=sys.stderr)
    try:
        warm_pool = warm_pool_size(args)
    except EngineError as exc:
        print(f"clusterport server: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(
            serve(
                args.host,
                args.port,
                args.data_dir,
                args.database_url,
                args.log_level,
                sandbox=args.sandbox,
                engine=args.engine,
                warm_pool=warm_pool,
            )
        )
    except DataDirInUseError as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"clusterport server: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    return 0

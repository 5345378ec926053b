"""``clusterport server``: serve every AWS API of the platform on one port."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import sys
from pathlib import Path

import uvicorn

from clusterport.cli.common import SERVER_FILE, add_data_dir
from clusterport.engines.registry import DEFAULT_ENGINE, ENTRY_POINT_GROUP, engine_names
from clusterport.gateway.app import create_app
from clusterport.platform import Platform, Settings


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("server", help="run the platform's API server")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=4566, help="port (0 picks a free one)")
    parser.add_argument("--log-level", default="warning")
    parser.add_argument(
        "--engine",
        default=DEFAULT_ENGINE,
        choices=engine_names(),
        help="where clusters run: 'local' (real Spark on this host, the default), 'inprocess' "
        "(an API-only test engine, no Spark) or an engine installed in the "
        f"'{ENTRY_POINT_GROUP}' entry-point group",
    )
    add_data_dir(parser)
    parser.set_defaults(run=run)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Small responses go out in two writes (head, body); without TCP_NODELAY the second
    # waits for the client's delayed ACK: ~40 ms per call on Linux.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


async def serve(
    host: str,
    port: int,
    data_dir: Path,
    database_url: str | None,
    level: str,
    engine: str = DEFAULT_ENGINE,
) -> None:
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    url = url_for(host, actual_port)
    platform = Platform(
        Settings(data_dir=data_dir, database_url=database_url, public_url=url, engine=engine)
    )
    app = create_app(platform)
    config = uvicorn.Config(app, log_level=level, lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    server_file = data_dir / SERVER_FILE
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        server_file.write_text(json.dumps({"url": url, "pid": os.getpid()}))
        print(f"clusterport listening on {url}", flush=True)
    try:
        await task
    finally:
        if server_file.exists():
            server_file.unlink()


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr)
    try:
        asyncio.run(
            serve(
                args.host, args.port, args.data_dir, args.database_url, args.log_level, args.engine
            )
        )
    except OSError as exc:
        print(
            f"clusterport server: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    return 0

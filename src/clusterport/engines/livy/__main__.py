"""Command line of the Livy-compatible endpoint (a sidecar process of a cluster's primary node)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from clusterport.engines.livy.config import LivyConfig
from clusterport.engines.livy.server import create_app

__all__ = ["main", "parse_args"]


class _Server(uvicorn.Server):
    """uvicorn, except that SIGTERM/SIGINT end the process with status 0 after a clean
    shutdown (stock uvicorn re-raises the signal once it has shut down)."""

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        handled = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


#: Where the Spark Connect URL (with its token) is read from when not on the command line.
SPARK_REMOTE_ENV = "CLUSTERPORT_SPARK_REMOTE"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line (see ``--help``)."""
    defaults = LivyConfig(spark_remote="", work_dir=Path("."))
    parser = argparse.ArgumentParser(
        prog="python -m clusterport.engines.livy",
        description="Livy-compatible REST endpoint running PySpark sessions on Spark Connect.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8998, help="port to listen on (Livy: 8998)")
    remote = os.environ.get(SPARK_REMOTE_ENV)
    parser.add_argument(
        "--spark-remote",
        required=remote is None,
        default=remote,
        help="Spark Connect URL for sessions, e.g. sc://localhost:15002/;token=T "
        "(use the host 'localhost' with a token, or the client switches to TLS); "
        f"better in the environment as {SPARK_REMOTE_ENV}, where no `ps` shows the token",
    )
    parser.add_argument("--work-dir", type=Path, required=True, help="the cluster's work folder")
    parser.add_argument("--spark-ui-url", default=None, help="shown as appInfo.sparkUiUrl")
    parser.add_argument(
        "--session-timeout",
        type=float,
        default=defaults.session_timeout,
        help="kill sessions idle this many seconds (0: never)",
    )
    parser.add_argument("--max-sessions", type=int, default=defaults.max_sessions)
    parser.add_argument("--max-code-bytes", type=int, default=defaults.max_code_bytes)
    parser.add_argument("--max-output-bytes", type=int, default=defaults.max_output_bytes)
    parser.add_argument("--startup-timeout", type=float, default=defaults.startup_timeout)
    parser.add_argument("--cancel-grace", type=float, default=defaults.cancel_grace)
    parser.add_argument("--stop-grace", type=float, default=defaults.stop_grace)
    parser.add_argument(
        "--access-key-file",
        type=Path,
        default=None,
        help="require the key in this file (hex) in the X-Clusterport-Livy-Key header",
    )
    parser.add_argument("--port-file", type=Path, default=None, help="write the bound port here")
    parser.add_argument("--access-log", action="store_true", help="log every HTTP request")
    return parser.parse_args(argv)


def _loopback_as_localhost(remote: str) -> str:
    """``sc://127.0.0.1:P/;token=T`` → ``sc://localhost:P/;token=T``.

    With a token, pyspark's Connect client switches to TLS unless the host is
    literally ``localhost``, and its handshake with the plain-text server fails.
    """
    if ";token=" not in remote:
        return remote
    for loopback in ("sc://127.0.0.1:", "sc://[::1]:"):
        if remote.startswith(loopback):
            rewritten = "sc://localhost:" + remote[len(loopback) :]
            logging.getLogger("clusterport.livy").info(
                "using host 'localhost' instead of a loopback address for the Spark Connect URL"
            )
            return rewritten
    return remote


def config_from_args(args: argparse.Namespace) -> LivyConfig:
    """The :class:`LivyConfig` the parsed command line describes."""
    return LivyConfig(
        spark_remote=_loopback_as_localhost(args.spark_remote),
        work_dir=args.work_dir,
        python=sys.executable,
        spark_ui_url=args.spark_ui_url,
        session_timeout=args.session_timeout,
        max_sessions=args.max_sessions,
        max_code_bytes=args.max_code_bytes,
        max_output_bytes=args.max_output_bytes,
        startup_timeout=args.startup_timeout,
        cancel_grace=args.cancel_grace,
        stop_grace=args.stop_grace,
        access_key=_read_key(args.access_key_file),
    )


def _read_key(path: Path | None) -> str | None:
    if path is None:
        return None
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise SystemExit(f"the access key file {path} is empty")
    return key


async def _serve(args: argparse.Namespace) -> None:
    config = config_from_args(args)
    server = _Server(
        uvicorn.Config(
            create_app(config),
            host=args.host,
            port=args.port,
            lifespan="on",
            access_log=args.access_log,
            log_level="info",
            timeout_graceful_shutdown=5,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.05)
    if server.started and args.port_file is not None:
        port = server.servers[0].sockets[0].getsockname()[1]
        args.port_file.write_text(f"{port}\n", encoding="ascii")
    await task


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; every session is stopped on the way out."""
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    asyncio.run(_serve(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

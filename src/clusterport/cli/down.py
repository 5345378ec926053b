"""``clusterport down``: stop every cluster process a data dir started, with or without a server."""

from __future__ import annotations

import argparse
import asyncio
import sys

from clusterport.cli.common import add_data_dir, running_server_url
from clusterport.engines.base import EngineError
from clusterport.platform import Platform, Settings
from clusterport.services.emr.teardown import stop_everything


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "down",
        help="stop every Spark process the data dir's clusters started (no server needed)",
        description="Stops every cluster and history server started under the data dir, "
        "and marks the clusters TERMINATED. Stop the server first, or it may start new ones.",
    )
    add_data_dir(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not (args.data_dir / "clusterport.db").exists() and not args.database_url:
        print(f"clusterport down: {args.data_dir} holds no clusterport data; nothing to stop.")
        return 0
    url = running_server_url(args.data_dir)
    if url is not None:
        print(
            f"clusterport down: a server still runs on this data dir ({url}); clusters it "
            "starts after this are not stopped. Stop it first to be sure.",
            file=sys.stderr,
        )
    platform = Platform(Settings(data_dir=args.data_dir, database_url=args.database_url))
    try:
        report = asyncio.run(stop_everything(platform))
    except EngineError as exc:
        print(f"clusterport down: {exc}", file=sys.stderr)
        return 1
    finally:
        platform.close()
    for stopped in report.stopped:
        print(f"stopped {stopped}")
    for cluster_id in report.terminated:
        print(f"marked {cluster_id} TERMINATED")
    if not report.stopped and not report.terminated:
        print("nothing was running")
    return 0

"""``clusterport``: the command line. Each subcommand lives in its own module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from clusterport import __version__
from clusterport.store.db import StoreUnavailableError
from clusterport.store.secrets import SecretBoxError

#: Subcommand modules; each exposes ``add_parser(subparsers)`` and ``run(args) -> int``.
SUBCOMMANDS: tuple[str, ...] = (
    "server",
    "admin",
    "doctor",
    "up",
    "demo",
    "down",
    "studio",
    "train-cds",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clusterport",
        description="Self-hosted SageMaker Studio + Amazon EMR on real Apache Spark.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"clusterport.cli.{name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name != f"clusterport.cli.{name.replace('-', '_')}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except (StoreUnavailableError, SecretBoxError) as exc:
        # Configuration problems of the data dir or database: the message says what to fix.
        print(f"clusterport {args.command}: {exc}", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())

"""``clusterport train-cds``: write the class-data-sharing archives every cluster starts with.

The archives (see :mod:`clusterport.engines.cds`) live in the machine's cache,
shared by every data dir; the set-up runs this once, so no user's first cluster
waits for them. It starts a cluster of the platform's own that serves no
tenant, and does nothing when the archives are already there.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from clusterport.engines.base import EngineError
from clusterport.engines.cds import default_cache_dir
from clusterport.engines.local_spark import LocalSparkEngine


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "train-cds", help="write the JVM archives that make clusters start fast (once per machine)"
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where the archives go (default: $CLUSTERPORT_CACHE_DIR, else "
        "$XDG_CACHE_HOME/clusterport, else ~/.cache/clusterport)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    cds_dir = (args.cache_dir or default_cache_dir()) / "cds"
    with tempfile.TemporaryDirectory(prefix="clusterport-cds-") as scratch:
        engine = LocalSparkEngine(Path(scratch), cds_dir=cds_dir)
        try:
            made = asyncio.run(engine.train_archives())
        except EngineError as exc:
            print(f"clusterport train-cds: {exc}", file=sys.stderr)
            return 1
    if made:
        print(f"CDS archives written to {cds_dir}: {', '.join(r.value for r in made)}")
    else:
        print(f"CDS archives already in {cds_dir}")
    return 0

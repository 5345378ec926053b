"""What several subcommands share: the data dir option and the running server's address."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

DEFAULT_DATA_DIR = Path(".clusterport")
SERVER_FILE = "server.json"


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("CLUSTERPORT_DATA_DIR", DEFAULT_DATA_DIR)),
        help="where the platform keeps its database, key file and clusters "
        "(default: $CLUSTERPORT_DATA_DIR or ./.clusterport)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CLUSTERPORT_DATABASE_URL"),
        help="a SQLAlchemy URL (e.g. postgresql+psycopg://…); default: SQLite in the data dir",
    )


def running_server_url(data_dir: Path) -> str | None:
    """The URL of the server running on ``data_dir``, if it recorded one."""
    try:
        info = json.loads((data_dir / SERVER_FILE).read_text())
    except (OSError, ValueError):
        return None
    url = info.get("url")
    return url if isinstance(url, str) else None

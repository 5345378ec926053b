"""The platform: one object holding the store, the secrets, the clock and the providers.

The gateway builds it at start; providers reach shared machinery through it
(never through module-level state).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from clusterport.iam.cache import ParsedPolicies
from clusterport.store.db import Database, sqlite_url
from clusterport.store.secrets import SecretBox

if TYPE_CHECKING:
    from clusterport.services.base import Provider

DEFAULT_REGION = "us-east-1"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Settings:
    """Where the platform keeps its data and how it is reached."""

    data_dir: Path
    database_url: str | None = None
    default_region: str = DEFAULT_REGION
    #: The URL clients reach the gateway at; set once the server listens.
    public_url: str = ""
    #: The engine clusters run on (``clusterport server --engine``, see
    #: :mod:`clusterport.engines.registry`) and its options.
    engine: str = "local"
    engine_options: dict[str, str] = field(default_factory=dict)
    #: Seconds between two looks of the EMR reconciler at every live cluster.
    resync_interval: float = 5.0


@dataclass
class Platform:
    """The shared machinery every provider uses."""

    settings: Settings
    clock: Callable[[], dt.datetime] = utc_now
    providers: dict[str, Provider] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        url = self.settings.database_url or sqlite_url(self.settings.data_dir)
        self.db = Database(url)
        self.db.migrate()
        self.secrets = SecretBox(self.settings.data_dir / "server.key")
        self.policies = ParsedPolicies()

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def now(self) -> dt.datetime:
        return self.clock()

    def close(self) -> None:
        self.db.dispose()

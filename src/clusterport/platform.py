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
from clusterport.memo import BoundedMemo
from clusterport.store.db import Database, sqlite_url
from clusterport.store.secrets import SecretBox
from clusterport.workers import WorkerPool

if TYPE_CHECKING:
    from collections.abc import Hashable

    from clusterport.iam import NamedPolicy
    from clusterport.network.model import NetworkSnapshot
    from clusterport.services.base import Provider
    from clusterport.services.iam.principal_policies import CallerPolicies
    from clusterport.services.identity import KnownKey
    from clusterport.services.sagemaker.source_network import StudioSource

DEFAULT_REGION = "us-east-1"


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Settings:
    """Where the platform keeps its data and how it is reached."""

    data_dir: Path
    database_url: str | None = None
    #: The URL clients reach the gateway at; set once the server listens.
    public_url: str = ""
    #: Wall every cluster and Studio app in a sandbox (False: ``--no-sandbox``).
    sandbox: bool = True
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
        self.settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Only the platform's own user may look inside: keys, database, clusters, homes.
        self.settings.data_dir.chmod(0o700)
        url = self.settings.database_url or sqlite_url(self.settings.data_dir)
        self.db = Database(url)
        self.db.migrate()
        for name in ("clusterport.db", "clusterport.db-wal", "clusterport.db-shm"):
            path = self.settings.data_dir / name
            if path.exists():
                path.chmod(0o600)
        self.secrets = SecretBox(self.settings.data_dir / "server.key")
        self.policies = ParsedPolicies()
        # Derived from stored data and keyed by its version (clusterport.store.versions),
        # so every write is seen by the next request, in this process and in any other.
        #: Callers with their effective policy sets, by IAM version and principal.
        self.callers: BoundedMemo[tuple[Hashable, ...], CallerPolicies] = BoundedMemo(1024)
        #: Roles' trust policies (None: no such role), by IAM version and role ARN.
        self.trust_policies: BoundedMemo[tuple[int, str], tuple[NamedPolicy | None]] = BoundedMemo(
            256
        )
        #: Stored access keys (secret, principal, status), by IAM version and key id.
        self.known_keys: BoundedMemo[tuple[int, str], KnownKey] = BoundedMemo(1024)
        #: Studio users' networks (None: gone), by Studio version, domain and profile ARN.
        self.studio_sources: BoundedMemo[Hashable, tuple[StudioSource | None]] = BoundedMemo(256)
        #: Network snapshots, by network version, accounts and region.
        self.network_snapshots: BoundedMemo[tuple[Hashable, ...], NetworkSnapshot] = BoundedMemo(64)
        #: Where work that grows with its input runs, off the event loop (see workers).
        self.workers = WorkerPool()

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir

    def now(self) -> dt.datetime:
        return self.clock()

    def close(self) -> None:
        self.workers.close()
        self.db.dispose()

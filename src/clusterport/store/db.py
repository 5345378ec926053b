"""The database: engine, sessions and migrations.

SQLite in WAL mode under the data dir by default, any SQLAlchemy URL (such as
PostgreSQL, see :mod:`clusterport.store.postgres`) otherwise. The schema is
owned by Alembic migrations, applied with ``upgrade heads`` at start: each area
keeps its own branch of revisions.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from clusterport.store import postgres


def sqlite_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'clusterport.db'}"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class StoreUnavailableError(Exception):
    """The database cannot be opened (not running, wrong URL or credentials, no access)."""


class Database:
    """An engine and a session factory over one database URL."""

    def __init__(self, url: str) -> None:
        self.postgres = postgres.is_postgres(url)
        if self.postgres:
            url = postgres.normalize_url(url)
        self.url = url
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 10}
        elif self.postgres:
            kwargs["connect_args"] = postgres.connect_args(url)
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _on_sqlite_connect)
        elif self.postgres:
            postgres.configure(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def check_reachable(self) -> None:
        """Open one connection, or raise :class:`StoreUnavailableError` saying what to check."""
        try:
            with self.engine.connect():
                pass
        except OperationalError as exc:
            shown = make_url(self.url).render_as_string(hide_password=True)
            if self.postgres:
                hint = (
                    "check the URL given with --database-url (or CLUSTERPORT_DATABASE_URL), "
                    "that the server runs and that it accepts these credentials"
                )
            else:
                hint = "check that the data dir exists and is writable by this user"
            raise StoreUnavailableError(
                f"cannot open the database {shown}: {str(exc.orig).strip()}; {hint}."
            ) from exc

    def migrate(self) -> None:
        """Bring the schema to the newest revision of every branch."""
        self.check_reachable()
        config = Config()
        location = resources.files("clusterport.store").joinpath("migrations")
        config.set_main_option("script_location", str(location))
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self.engine.begin() as connection:
            if self.postgres:
                postgres.lock_for_migration(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()

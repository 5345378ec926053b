"""What PostgreSQL needs that SQLite does not.

The store runs the same tables and queries on both; these are the few places
where PostgreSQL behaves differently and the difference would reach clients:

* URLs: ``postgresql://`` and ``postgres://`` mean the psycopg 3 driver, the
  one clusterport ships with (SQLAlchemy would otherwise look for psycopg2);
* connections: pooled connections are checked before use, so a database
  restart costs no failed request, and connecting gives up after a while
  instead of hanging;
* migrations: servers starting together on one database would each create
  the tables; an advisory lock held for the migration's transaction lets one
  migrate while the others wait, then find nothing left to do;
* values: PostgreSQL refuses text containing U+0000 and index entries over
  about 2.7 kB where SQLite stores anything. Those refusals become a client
  error that names the value's problem instead of an internal failure.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import URL, ExceptionContext, make_url

from clusterport.errors import ValidationError

#: Drivers meaning "the default PostgreSQL driver", which for clusterport is psycopg 3.
_DEFAULT_DRIVER_NAMES = ("postgresql", "postgres")
DRIVER = "postgresql+psycopg"
#: Seconds a new connection may take before it fails (overridable in the URL's query).
CONNECT_TIMEOUT = 10
#: The advisory lock key migrations hold (any fixed 64-bit number; "clusterp" in ASCII).
MIGRATION_LOCK_KEY = 0x636C757374657270
#: SQLSTATE of "program limit exceeded" (an index entry larger than a page allows).
_PROGRAM_LIMIT_EXCEEDED = "54000"


def is_postgres(url: str | URL) -> bool:
    """Whether ``url`` names a PostgreSQL database (any driver)."""
    return make_url(url).get_backend_name() in _DEFAULT_DRIVER_NAMES


def normalize_url(url: str) -> str:
    """``url`` with a bare ``postgresql://``/``postgres://`` scheme pointed at psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername not in _DEFAULT_DRIVER_NAMES:
        return url
    return parsed.set(drivername=DRIVER).render_as_string(hide_password=False)


def connect_args(url: str) -> dict[str, object]:
    """Driver arguments for ``url``: a connect timeout unless the URL sets one."""
    if "connect_timeout" in make_url(url).query:
        return {}
    return {"connect_timeout": CONNECT_TIMEOUT}


def _refuse_unstorable_values(context: ExceptionContext) -> None:
    """Turn PostgreSQL's refusal of a value SQLite would store into a client error."""
    original = context.original_exception
    message = str(original)
    if "NUL (0x00)" in message:
        raise ValidationError(
            "A value in the request contains the NUL character (U+0000), which cannot be "
            "stored; remove it from the request."
        ) from original
    if getattr(original, "sqlstate", None) == _PROGRAM_LIMIT_EXCEEDED:
        raise ValidationError(
            "A value in the request is too long to be stored as a name or identifier; shorten it."
        ) from original


def configure(engine: Engine) -> None:
    """Install the PostgreSQL error translation on ``engine``."""
    event.listen(engine, "handle_error", _refuse_unstorable_values)


def lock_for_migration(connection: Connection) -> None:
    """Hold the migration lock until ``connection``'s transaction ends."""
    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})

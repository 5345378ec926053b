"""The declarative base every table derives from.

Text columns are ``String()`` without a length: SQLite ignores lengths and
PostgreSQL enforces them, so a declared length would make a value that one
store keeps an internal error in the other. Services validate sizes where AWS
has limits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, MetaData, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always read back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: object
    ) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class LogString(TypeDecorator[str]):
    """Text of a log record, stored as given except where the database cannot hold it.

    PostgreSQL refuses U+0000 in text; there it becomes U+FFFD, since a record
    with one character replaced beats a record lost. SQLite stores it as is.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is not None and dialect.name == "postgresql" and "\x00" in value:
            return value.replace("\x00", "\ufffd")
        return value

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value


class LogText(LogString):
    """:class:`LogString` for long text (``TEXT`` rather than ``VARCHAR``)."""

    impl = Text
    cache_ok = True


class Base(DeclarativeBase):
    """The base of every clusterport table."""

    metadata = MetaData(naming_convention=NAMING)

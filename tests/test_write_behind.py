"""The write-behind queue the doors' audit records go through: order, flush, failures, close."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from clusterport.services import audit
from clusterport.store.audit import AuditEvent
from clusterport.store.db import Database, sqlite_url
from clusterport.store.write_behind import BATCH, WriteBehind

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(sqlite_url(tmp_path))
    database.migrate()
    yield database
    database.dispose()


def call(name: str) -> audit.CallRecord:
    return audit.CallRecord(
        event_time=NOW,
        region="us-east-1",
        event_source="elasticmapreduce.amazonaws.com",
        event_name=name,
        request_id=name,
        source_ip="127.0.0.1",
        user_agent="test",
        principal=None,
        account_id="111111111111",
        request_parameters={"clusterId": "j-1", "token": "kept out of the trail"},
    )


def writing(name: str, session: Session) -> None:
    audit.record(session, call(name))


def stored_names(db: Database) -> list[str]:
    with db.session() as session:
        rows = session.scalars(select(AuditEvent).order_by(AuditEvent.pk))
        return [row.event_name for row in rows]


def test_writes_are_stored_in_the_order_given_and_flush_waits_for_them(db: Database) -> None:
    queue = WriteBehind(db)
    names = [f"Call{i:04d}" for i in range(BATCH * 2 + 7)]  # more than one transaction
    for name in names:
        queue.submit(partial(writing, name))
    assert queue.flush()
    assert stored_names(db) == names
    with db.session() as session:
        first = session.scalars(select(AuditEvent).order_by(AuditEvent.pk)).first()
        assert first is not None
        assert first.event["requestParameters"]["token"] == "HIDDEN_DUE_TO_SECURITY_REASONS"
    queue.close()


def test_a_failing_write_loses_only_itself_and_the_thread_goes_on(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    queue = WriteBehind(db, name="audit-under-test")
    gate = threading.Event()

    def held(session: Session) -> None:
        gate.wait(30)  # the writes below queue up behind this one: they share a batch
        audit.record(session, call("Before"))

    def broken(session: Session) -> None:
        raise ValueError("a bug in one write")

    queue.submit(held)
    queue.submit(lambda session: audit.record(session, call("Beside1")))
    queue.submit(broken)
    queue.submit(lambda session: audit.record(session, call("Beside2")))
    gate.set()
    assert queue.flush()
    assert stored_names(db) == ["Before", "Beside1", "Beside2"]
    assert "audit-under-test could not store a write; it is dropped" in caplog.text
    queue.submit(lambda session: audit.record(session, call("After")))
    assert queue.flush()
    assert stored_names(db)[-1] == "After"
    queue.close()


def test_close_stores_what_is_queued_then_refuses_more(db: Database) -> None:
    queue = WriteBehind(db, name="audit-under-test")
    gate = threading.Event()

    def held(session: Session) -> None:
        gate.wait(30)
        audit.record(session, call("First"))

    queue.submit(held)
    queue.submit(lambda session: audit.record(session, call("Second")))
    closer = threading.Thread(target=queue.close)
    closer.start()
    gate.set()
    closer.join(30)
    assert not closer.is_alive()
    assert stored_names(db) == ["First", "Second"]
    with pytest.raises(RuntimeError, match="audit-under-test is closed"):
        queue.submit(lambda session: audit.record(session, call("Late")))


def test_flush_of_an_unused_queue_returns_at_once(db: Database) -> None:
    queue = WriteBehind(db)
    assert queue.flush(timeout=0)
    queue.close()

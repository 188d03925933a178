"""When things break: the database fails, a worker dies, a large order is processed later.

Faults are injected in the real database (a trigger that makes an INSERT fail, a read-only
file), never by replacing the shop's own code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event, func, select, text

from shop.database import utcnow
from shop.extensions import db
from shop.orders import inbound
from shop.orders.inbound import InboundDocument, InboundStatus, NewDocument
from shop.orders.models import Order
from shop.orders.po_models import PurchaseOrder, PurchaseOrderVersion
from tests.intake_support import (
    SECRET,
    Line,
    catalog,  # noqa: F401  (fixture)
    make_buyer_fixture,  # noqa: F401  (fixture)
    order_request,
    post_po,
    status_of,
)
from tests.test_outbox import _allow_inserts, _refuse_inserts


@pytest.fixture
def buyer(make_buyer: Any, catalog: Any) -> Any:  # noqa: F811
    return make_buyer()


def count(model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


class refused_inserts:  # noqa: N801  (reads as a phrase: with refused_inserts("orders"))
    def __init__(self, table: str) -> None:
        self.table = table

    def __enter__(self) -> None:
        with db.engine.begin() as connection:
            _refuse_inserts(connection, self.table)

    def __exit__(self, *exc: object) -> None:
        db.session.rollback()
        with db.engine.begin() as connection:
            _allow_inserts(connection, self.table)


def test_when_the_document_cannot_be_stored_the_answer_is_5xx_and_nothing_remains(
        client: Any, buyer: Any) -> None:
    body = order_request(payload_id="fault-1@b")
    with refused_inserts("inbound_documents"):
        response = post_po(client, body)
    code, text = status_of(response.data)
    assert response.status_code in (500, 503) and code == response.status_code
    assert "could not store" in text
    assert count(InboundDocument) == 0 and count(Order) == 0
    # The buyer retries once the database is back: one order.
    assert status_of(post_po(client, body).data)[0] == 200
    assert count(Order) == 1


def test_when_the_order_cannot_be_written_nothing_is_half_done(client: Any, buyer: Any) -> None:
    body = order_request(payload_id="fault-2@b")
    with refused_inserts("orders"):
        response = post_po(client, body)
    assert response.status_code in (500, 503), response.data
    assert status_of(response.data)[0] == response.status_code
    assert count(Order) == 0 and count(PurchaseOrder) == 0 and count(PurchaseOrderVersion) == 0
    stored = db.session.scalar(select(InboundDocument))  # the document itself is safe
    assert stored.status == InboundStatus.FAILED and stored.answer_code is None
    assert stored.claim_token is None and "injected" in stored.error
    retry = post_po(client, body)  # the retry processes it again
    assert status_of(retry.data)[0] == 200
    assert count(Order) == 1 and count(InboundDocument) == 1
    db.session.refresh(stored)
    assert stored.status == InboundStatus.PROCESSED and stored.attempts == 2


def _read_only(dbapi_connection: Any, record: Any) -> None:
    """Every new database connection refuses writes (SQLite and PostgreSQL)."""
    cursor = dbapi_connection.cursor()
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor.execute("PRAGMA query_only = ON")
    else:
        cursor.execute("SET default_transaction_read_only = on")
        dbapi_connection.commit()  # a SET inside a transaction would be rolled back
    cursor.close()


def test_a_read_only_database_answers_5xx_and_stores_nothing(client: Any, buyer: Any) -> None:
    db.session.remove()
    db.engine.dispose()  # connections open before the fault keep writing: start fresh
    event.listen(db.engine, "connect", _read_only)
    try:
        response = post_po(client, order_request(payload_id="fault-3@b"))
    finally:
        event.remove(db.engine, "connect", _read_only)
        db.session.remove()
        db.engine.dispose()
    assert response.status_code in (500, 503)
    assert status_of(response.data)[0] == response.status_code
    if response.status_code == 503:
        assert response.headers["Retry-After"] == "30"
    assert count(InboundDocument) == 0 and count(Order) == 0
    # Threat model F11: nothing is corrupted, and once writes are allowed again the buyer's
    # retry is stored and ordered as usual.
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    retry = post_po(client, order_request(payload_id="fault-3@b"))
    assert status_of(retry.data)[0] == 200
    assert count(InboundDocument) == 1 and count(Order) == 1


class full_database:  # noqa: N801  (reads as a phrase: with full_database())
    """Threat model F11: the database cannot grow (a full disk), as each database reports it.

    SQLite: compacted, then every new connection may not add a page (``max_page_count``),
    which fails writes with SQLITE_FULL, "database or disk is full", as a full disk does.
    PostgreSQL: a trigger raises SQLSTATE 53100 (disk_full), what a full disk gives there;
    its own limits cannot be lowered for one test.
    """

    def __enter__(self) -> None:
        db.session.remove()
        db.engine.dispose()  # connections open before the fault keep writing: start fresh
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(
                    "CREATE OR REPLACE FUNCTION injected_disk_full() RETURNS trigger AS $$ "
                    "BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
                    "USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql"))
                connection.execute(text(
                    "CREATE TRIGGER injected_disk_full BEFORE INSERT ON inbound_documents "
                    "FOR EACH ROW EXECUTE FUNCTION injected_disk_full()"))
            else:
                connection.execute(text("VACUUM"))  # no free pages left to fill
                event.listen(db.engine, "connect", _no_new_pages)
        db.engine.dispose()

    def __exit__(self, *exc: object) -> None:
        db.session.remove()
        if event.contains(db.engine, "connect", _no_new_pages):
            event.remove(db.engine, "connect", _no_new_pages)
        db.engine.dispose()
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text(
                    "DROP TRIGGER IF EXISTS injected_disk_full ON inbound_documents"))


def _no_new_pages(dbapi_connection: Any, record: Any) -> None:
    cursor = dbapi_connection.cursor()
    [pages] = cursor.execute("PRAGMA page_count").fetchone()
    cursor.execute(f"PRAGMA max_page_count = {int(pages)}")
    cursor.close()


def test_a_full_database_answers_5xx_makes_no_order_and_stays_intact(client: Any,
                                                                     buyer: Any) -> None:
    # 60 lines (about 40 kB): more than the free space left in the compacted pages.
    lines = [Line("PEN-001", "1", "1.20", number=n) for n in range(1, 61)]
    body = order_request(lines, payload_id="fault-full@b")
    with full_database():
        response = post_po(client, body)
    code, text_ = status_of(response.data)
    assert response.status_code in (500, 503) and code == response.status_code, text_
    # No order; the raw document is kept when it still fitted (SQLite: the order did not).
    assert count(Order) == 0 and count(InboundDocument) <= 1
    if db.engine.dialect.name == "sqlite":
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # Space again: the buyer's retry is stored and ordered, once.
    assert status_of(post_po(client, body).data)[0] == 200
    assert count(InboundDocument) == 1 and count(Order) == 1


def _store_abandoned(connection_id: int, body: bytes, payload_id: str, age: float) -> int:
    """A document stored by a worker that then died (its claim is ``age`` seconds old)."""
    stored = inbound.store_document(NewDocument(connection_id, payload_id, body, SECRET,
                                                order_id="PO-4711", line_count=1))
    document = db.session.get(InboundDocument, stored.document_id)
    document.claimed_at = utcnow() - dt.timedelta(seconds=age)
    db.session.commit()
    return stored.document_id


def test_a_document_whose_worker_died_is_taken_over_by_the_retry(app: Any, client: Any,
                                                                  buyer: Any) -> None:
    body = order_request(payload_id="died-1@b")
    _store_abandoned(buyer.id, body, "died-1@b", age=app.config["INTAKE_CLAIM_LEASE"] + 5)
    assert status_of(post_po(client, body).data)[0] == 200
    assert count(Order) == 1 and count(InboundDocument) == 1


def test_a_retry_while_the_first_delivery_still_works_waits_then_says_503(
        app: Any, client: Any, buyer: Any) -> None:
    app.config["INTAKE_WAIT_SECONDS"] = 0.3
    body = order_request(payload_id="busy-1@b")
    _store_abandoned(buyer.id, body, "busy-1@b", age=0)  # claimed just now by someone else
    response = post_po(client, body)
    assert response.status_code == 503 and "still being processed" in status_of(
        response.data)[1]
    assert count(Order) == 0


def test_the_worker_processes_what_nobody_finished(app: Any, runner: Any, buyer: Any) -> None:
    body = order_request(payload_id="worker-1@b")
    _store_abandoned(buyer.id, body, "worker-1@b", age=app.config["INTAKE_CLAIM_LEASE"] + 5)
    result = runner.invoke(args=["outbox", "run", "--once"])
    assert result.exit_code == 0 and "processed 1 stored" in result.output, result.output
    assert count(Order) == 1
    document = db.session.scalar(select(InboundDocument))
    assert document.status == InboundStatus.PROCESSED and document.answer_code == 200


def test_a_large_order_is_answered_201_and_processed_after_the_answer(
        app: Any, client: Any, buyer: Any) -> None:
    app.config["INTAKE_SYNC_MAX_LINES"] = 3
    lines = [Line("PEN-001", "1", "1.20", number=n) for n in range(1, 6)]
    body = order_request(lines, payload_id="big-1@b")
    response = post_po(client, body)
    code, text = status_of(response.data)
    assert response.status_code == 200 and code == 201 and "5 lines" in text
    assert count(Order) == 0  # nothing is processed before the answer has gone out
    response.close()  # what the WSGI server does once the answer is sent
    order = db.session.scalar(select(Order))
    assert order is not None and len(order.lines) == 5
    document = db.session.scalar(select(InboundDocument))
    assert document.status == InboundStatus.PROCESSED and document.answer_code == 201
    assert post_po(client, body).data == response.data  # the replay is the 201


def test_a_large_order_refused_later_is_recorded_for_staff(app: Any, client: Any,
                                                           buyer: Any) -> None:
    app.config["INTAKE_SYNC_MAX_LINES"] = 1
    lines = [Line("PEN-001", "0", "1.20", number=1), Line("PEN-001", "1", "1.20", number=2)]
    response = post_po(client, order_request(lines, total="1.20"))
    assert status_of(response.data)[0] == 201
    response.close()
    document = db.session.scalar(select(InboundDocument))
    assert document.status == InboundStatus.REJECTED and document.answer_code == 201
    assert "quantity" in document.error
    assert count(Order) == 0


def test_a_large_order_whose_processing_fails_is_finished_by_the_worker(
        app: Any, client: Any, runner: Any, buyer: Any) -> None:
    app.config["INTAKE_SYNC_MAX_LINES"] = 1
    lines = [Line("PEN-001", "1", "1.20", number=n) for n in (1, 2)]
    with refused_inserts("orders"):
        response = post_po(client, order_request(lines, payload_id="big-fail@b"))
        assert status_of(response.data)[0] == 201  # stored: the buyer is done
        response.close()
    document = db.session.scalar(select(InboundDocument))
    assert document.status == InboundStatus.FAILED and "injected" in document.error
    assert document.answer_code == 201 and count(Order) == 0
    result = runner.invoke(args=["outbox", "run", "--once"])
    assert "processed 1 stored" in result.output, result.output
    assert count(Order) == 1
    db.session.refresh(document)
    assert document.status == InboundStatus.PROCESSED and document.answer_code == 201

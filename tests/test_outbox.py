"""The outbox: documents to the buyer are written with the action and delivered reliably.

A real HTTP server on 127.0.0.1 plays the buyer (tests/fake_buyer.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text

from shop.database import utcnow
from shop.extensions import db
from shop.orders import delivery, fulfilment, outbox
from shop.orders.models import Order, OrderStatus
from shop.orders.outbox import DeliveryAttempt, OutboxMessage, OutboxStatus
from tests.fake_buyer import FakeBuyer, serve
from tests.intake_support import (
    OUTBOUND_SECRET,
    catalog,  # noqa: F401  (fixture)
    make_buyer_fixture,  # noqa: F401  (fixture)
    order_request,
    post_po,
)


@pytest.fixture
def fake_buyer() -> Iterator[FakeBuyer]:
    yield from serve(FakeBuyer())


@pytest.fixture
def order(app: Any, client: Any, make_buyer: Any, catalog: Any,  # noqa: F811
          fake_buyer: FakeBuyer) -> Order:
    app.config.update(OUTBOX_ALLOW_PRIVATE_TARGETS=True, OUTBOX_BACKOFF_BASE=0,
                      OUTBOX_READ_TIMEOUT=0.5, OUTBOX_CONNECT_TIMEOUT=0.5)
    make_buyer(document_url=fake_buyer.url)
    assert post_po(client, order_request()).status_code == 200
    return db.session.scalar(select(Order))


def run_once(runner: Any) -> str:
    result = runner.invoke(args=["outbox", "run", "--once"])
    assert result.exit_code == 0, result.output
    return str(result.output)


def messages() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_confirmation_is_delivered_with_the_secret_that_is_never_stored(
        runner: Any, order: Order, fake_buyer: FakeBuyer) -> None:
    fulfilment.confirm_order(order.id, "staff@shop.test")
    [message] = messages()
    assert message.status == OutboxStatus.PENDING and message.document_type == \
        "ConfirmationRequest"
    assert OUTBOUND_SECRET.encode() not in message.body
    assert "sent 1" in run_once(runner)
    [message] = messages()
    assert message.status == OutboxStatus.SENT and message.last_status_code == 200
    [body] = fake_buyer.received
    assert f"<SharedSecret>{OUTBOUND_SECRET}</SharedSecret>".encode() in body
    assert fake_buyer.payload_ids() == [message.payload_id]
    [attempt] = message.attempt_log
    assert attempt.http_status == 200 and attempt.status_code == 200
    assert attempt.url == fake_buyer.url
    assert "sent 0" in run_once(runner)  # nothing is sent twice


def test_failures_are_retried_with_the_same_payload_id(runner: Any, order: Order,
                                                       fake_buyer: FakeBuyer) -> None:
    fake_buyer.script = ["500", "500", "500", "ok"]
    fulfilment.confirm_order(order.id, "staff@shop.test")
    for _ in range(3):
        assert "retrying 1" in run_once(runner)
    assert "sent 1" in run_once(runner)
    [message] = messages()
    assert message.status == OutboxStatus.SENT and message.attempts == 4
    assert len(set(fake_buyer.payload_ids())) == 1 and len(fake_buyer.received) == 4
    assert [a.outcome.value for a in message.attempt_log] == ["retry"] * 3 + ["sent"]
    assert message.attempt_log[0].status_code == 500


def test_the_wait_between_attempts_grows(app: Any) -> None:
    app.config.update(OUTBOX_BACKOFF_BASE=30, OUTBOX_BACKOFF_CAP=3600)
    waits = [outbox.backoff_seconds(n) for n in range(1, 9)]
    assert 15 <= waits[0] <= 45 and 30 <= waits[1] <= 90  # base·2^(n-1) × 0.5…1.5
    assert all(wait <= 3600 * 1.5 for wait in waits)
    assert waits[7] >= 1800  # capped at an hour, still jittered


def test_a_cxml_4xx_stops_the_retries(runner: Any, order: Order, fake_buyer: FakeBuyer) -> None:
    fake_buyer.script = ["400"]
    fulfilment.confirm_order(order.id, "staff@shop.test")
    assert "failed 1" in run_once(runner)
    run_once(runner)
    [message] = messages()
    assert message.status == OutboxStatus.FAILED and message.last_status_code == 400
    assert "unknown order" in message.last_status_text
    assert len(fake_buyer.received) == 1


def test_an_http_4xx_without_cxml_stops_the_retries(runner: Any, order: Order,
                                                     fake_buyer: FakeBuyer) -> None:
    fake_buyer.script = ["http400", "ok"]
    fulfilment.confirm_order(order.id, "staff@shop.test")
    assert "failed 1" in run_once(runner)
    assert "sent 0" in run_once(runner)
    [message] = messages()
    assert message.status == OutboxStatus.FAILED and message.last_status_code is None
    assert message.last_error == "refused: the buyer answered 400"
    assert [a.http_status for a in message.attempt_log] == [400]
    assert len(fake_buyer.received) == 1


def test_a_timeout_is_retried_later(app: Any, runner: Any, order: Order,
                                    fake_buyer: FakeBuyer) -> None:
    app.config["OUTBOX_BACKOFF_BASE"] = 60
    fake_buyer.script = ["sleep", "ok"]
    fake_buyer.sleep_seconds = 2
    fulfilment.confirm_order(order.id, "staff@shop.test")
    assert "retrying 1" in run_once(runner)
    [message] = messages()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.last_error.startswith("timeout")
    assert message.next_attempt_at > utcnow() + dt.timedelta(seconds=20)
    assert "sent 0" in run_once(runner)  # not due yet
    message.next_attempt_at = utcnow()
    db.session.commit()
    assert "sent 1" in run_once(runner)
    assert len(set(fake_buyer.payload_ids())) == 1


def test_retries_end_after_the_give_up_time(app: Any, runner: Any, order: Order,
                                            fake_buyer: FakeBuyer) -> None:
    fake_buyer.script = ["500"]
    fulfilment.confirm_order(order.id, "staff@shop.test")
    [message] = messages()
    message.give_up_at = utcnow()
    db.session.commit()
    assert "failed 1" in run_once(runner)
    assert messages()[0].last_error.startswith("gave up")


def test_redirects_are_not_followed(runner: Any, order: Order, fake_buyer: FakeBuyer) -> None:
    fake_buyer.script = ["redirect"]
    fulfilment.confirm_order(order.id, "staff@shop.test")
    run_once(runner)
    [message] = messages()
    assert message.status == OutboxStatus.FAILED and "redirect" in message.last_error
    assert fake_buyer.paths == ["/cxml/inbound"]  # /elsewhere was never asked for


def test_an_answer_that_is_not_cxml_counts_by_its_http_status(
        runner: Any, order: Order, fake_buyer: FakeBuyer) -> None:
    fake_buyer.script = ["plain"]
    fulfilment.confirm_order(order.id, "staff@shop.test")
    assert "sent 1" in run_once(runner)
    assert messages()[0].attempt_log[0].error == "answer was not cXML"


def test_private_addresses_are_refused_without_the_switch(
        app: Any, runner: Any, order: Order, fake_buyer: FakeBuyer, make_buyer: Any) -> None:
    app.config["OUTBOX_ALLOW_PRIVATE_TARGETS"] = False
    fulfilment.confirm_order(order.id, "staff@shop.test")
    run_once(runner)
    [message] = messages()
    assert message.status == OutboxStatus.FAILED
    assert message.last_error.startswith("insecure_url")
    assert fake_buyer.received == []


@pytest.mark.parametrize("url", [
    "https://127.0.0.1:9/x", "https://10.0.0.1/x", "https://169.254.169.254/latest",
    "https://[::1]/x", "https://localhost/x", "ftp://buyer.example/x",
])
def test_the_address_check(url: str) -> None:
    with pytest.raises(delivery.DeliveryRefused) as refused:
        delivery.check_target(url, allow_private=False)
    assert str(refused.value).split(":")[0] in {"blocked_address", "bad_url"}


def test_a_blocked_target_is_never_contacted(app: Any, fake_buyer: FakeBuyer) -> None:
    limits = delivery.Limits(0.5, 0.5, 1000, allow_private=False)
    url = f"https://127.0.0.1:{fake_buyer.port}/cxml"
    result = delivery.post_document(url, b"<cXML/>", limits)
    assert result.outcome == outbox.Outcome.FAILED and result.error.startswith("blocked")
    assert fake_buyer.received == []


def test_documents_of_one_order_go_out_in_order(runner: Any, order: Order,
                                                fake_buyer: FakeBuyer) -> None:
    fake_buyer.script = ["500", "ok"]
    fulfilment.confirm_order(order.id, "staff@shop.test")
    fulfilment.ship_order(order.id, "staff@shop.test", "UPS", "1Z999")
    run_once(runner)  # the confirmation fails once; the ship notice must wait for it
    assert len(fake_buyer.received) == 1
    run_once(runner)
    run_once(runner)
    kinds = [b"ConfirmationRequest" in body for body in fake_buyer.received]
    assert kinds == [True, True, False]
    assert [m.status for m in messages()] == [OutboxStatus.SENT, OutboxStatus.SENT]


def test_a_sender_that_died_mid_delivery_loses_its_claim(
        runner: Any, order: Order, fake_buyer: FakeBuyer) -> None:
    fulfilment.confirm_order(order.id, "staff@shop.test")
    [message] = messages()
    assert outbox.claim(message.id, utcnow())  # a worker took it, then died
    assert "sent 0" in run_once(runner)
    message.locked_until = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert "sent 1" in run_once(runner)


def test_staff_can_resend_a_document_unchanged(runner: Any, order: Order,
                                               fake_buyer: FakeBuyer) -> None:
    fake_buyer.script = ["400", "ok"]
    fulfilment.confirm_order(order.id, "staff@shop.test")
    run_once(runner)
    [message] = messages()
    result = runner.invoke(args=["outbox", "resend", str(message.id)])
    assert result.exit_code == 0, result.output
    assert "sent 1" in run_once(runner)
    assert fake_buyer.payload_ids() == [message.payload_id] * 2
    again = runner.invoke(args=["outbox", "resend", "999999"])
    assert again.exit_code == 1 and "No such" in again.output


def test_the_document_and_the_action_commit_together(app: Any, order: Order) -> None:
    """A failure while writing the outbox row leaves the order untouched (no half action)."""
    with db.engine.begin() as connection:
        _refuse_inserts(connection, "outbox_messages")
    try:
        with pytest.raises(Exception, match="injected"):
            fulfilment.confirm_order(order.id, "staff@shop.test")
    finally:
        with db.engine.begin() as connection:
            _allow_inserts(connection, "outbox_messages")
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PLACED
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert db.session.scalar(select(func.count(DeliveryAttempt.id))) == 0


def _refuse_inserts(connection: Any, table: str, operation: str = "INSERT") -> None:
    """A database-level fault: every INSERT into ``table`` (or ``operation``) fails (SQLite
    or PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(
            "CREATE OR REPLACE FUNCTION injected_fault() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'injected fault'; END $$ LANGUAGE plpgsql"))
        connection.execute(text(f"CREATE TRIGGER injected_fault BEFORE {operation} ON {table} "
                                "FOR EACH ROW EXECUTE FUNCTION injected_fault()"))
    else:
        connection.execute(text(f"CREATE TRIGGER injected_fault BEFORE {operation} ON {table} "
                                "BEGIN SELECT RAISE(ABORT, 'injected fault'); END"))


def _allow_inserts(connection: Any, table: str) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"DROP TRIGGER IF EXISTS injected_fault ON {table}"))
    else:
        connection.execute(text("DROP TRIGGER IF EXISTS injected_fault"))


def test_the_worker_outlives_a_database_failure(runner: Any, order: Order,
                                                fake_buyer: FakeBuyer) -> None:
    # Found by the soak (bench/soak.py): `flask outbox run` exited on "database is locked".
    from shop.orders.po_commands import run_pass

    fulfilment.confirm_order(order.id, "staff@shop.test")
    with db.engine.begin() as connection:
        _refuse_inserts(connection, "outbox_messages", "UPDATE")
    try:
        assert run_pass("shop.test") is None  # the loop pauses and tries again
        once = runner.invoke(args=["outbox", "run", "--once"])
        assert once.exit_code == 1 and "the database is unavailable" in once.output
        assert once.exception is None or isinstance(once.exception, SystemExit)
    finally:
        db.session.rollback()
        with db.engine.begin() as connection:
            _allow_inserts(connection, "outbox_messages")
    assert fake_buyer.received == []
    assert "sent 1" in run_once(runner)
    [message] = messages()
    assert message.status == OutboxStatus.SENT and len(fake_buyer.received) == 1

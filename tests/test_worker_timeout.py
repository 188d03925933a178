"""Threat model F3 and F12: gunicorn's worker timeout ends what holds a worker too long.

Real gunicorn (gunicorn.conf.py, 2 sync workers, ``--timeout 2``):

- F3: the shop of ``tests/slow_orders_app.py``, whose first order stalls after its raw
  document is stored. The master aborts that worker (gunicorn answers its bare 500), so the
  buyer sends the same document again; the retry takes the stalled claim over once its
  lease (3 s) ends and makes the order: exactly one order, answered 200, as after a SIGKILL
  (F2).
- F12: a client that dribbles its body holds one worker only until the timeout, while the
  other worker goes on serving; nothing is stored.

On PostgreSQL (TEST_DATABASE_URL) each test uses a database of its own beside the test
database.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bench import documents, prepare
from bench.scenarios import fill
from bench.servers import Server
from tests.test_bench_smoke import bench_database, drop_database

pytestmark = pytest.mark.slow

XML = {"Content-Type": "text/xml; charset=utf-8"}


@pytest.fixture
def throwaway_url(database_url: str, tmp_path: Path):
    pg_url = bench_database(database_url, "_f3")
    if pg_url:
        prepare.fresh_postgresql(pg_url)
    yield pg_url or f"sqlite:///{tmp_path / 'f3.db'}"
    if pg_url:
        drop_database(pg_url)


def test_a_worker_killed_by_the_timeout_mid_order_loses_nothing_and_the_retry_orders_once(
        throwaway_url: str, tmp_path: Path) -> None:
    keys = prepare.Secrets.fresh()
    catalog = prepare.seed(throwaway_url, keys, products=50)
    armed = tmp_path / "slow-once"
    armed.touch()
    env = {**keys.environment(throwaway_url), "SLOW_ONCE_FILE": str(armed),
           "INTAKE_CLAIM_LEASE": "3"}
    shop = Server("shop", "tests.slow_orders_app:create_slow_app()", env,
                  tmp_path / "gunicorn.log", workers=2, extra_args=("--timeout", "2"))
    body = fill(documents.split_template(documents.order_request(catalog.order_skus, 5)),
                "f3-timeout-1")
    try:
        shop.wait_ready("/healthz")
        started = time.monotonic()
        first = requests.post(shop.url + "/orders/cxml", data=body, headers=XML, timeout=60)
        # gunicorn aborts the worker, whose last act is its own bare 500: the buyer retries.
        assert first.status_code == 500 and "<Status" not in first.text
        assert time.monotonic() - started < 20, "the timeout did not end the stalled request"
        assert not armed.exists()

        engine = create_engine(throwaway_url)
        with engine.connect() as connection:
            stored = connection.execute(text(
                "SELECT status, answer_code FROM inbound_documents")).all()
            orders = connection.scalar(text("SELECT count(*) FROM orders"))
        assert len(stored) == 1 and stored[0].answer_code is None  # kept, not answered
        assert orders == 0

        answer = requests.post(shop.url + "/orders/cxml", data=body, headers=XML, timeout=60)
        assert answer.status_code == 200
        assert '<Status code="200"' in answer.text, answer.text[:500]
        with engine.connect() as connection:
            orders = connection.execute(text("SELECT po_number FROM orders")).scalars().all()
            documents_stored = connection.scalar(text("SELECT count(*) FROM inbound_documents"))
        engine.dispose()
        assert orders == ["PO-f3-timeout-1"] and documents_stored == 1
        assert "WORKER TIMEOUT" in (tmp_path / "gunicorn.log").read_text()
    finally:
        shop.stop()


def test_a_client_that_sends_its_body_slowly_is_cut_off_and_others_are_served(
        throwaway_url: str, tmp_path: Path) -> None:
    # Threat model F12 (slowloris): a sync worker reading a dribbled body is held until the
    # timeout ends it; the other worker keeps serving. Production puts a buffering TLS
    # proxy in front (README), which absorbs slow clients before they reach a worker.
    keys = prepare.Secrets.fresh()
    prepare.seed(throwaway_url, keys, products=50)
    shop = Server("shop", "shop:create_app()", keys.environment(throwaway_url),
                  tmp_path / "gunicorn.log", workers=2, extra_args=("--timeout", "2"))
    try:
        shop.wait_ready("/healthz")
        slow = socket.create_connection(("127.0.0.1", shop.port), timeout=30)
        slow.sendall(b"POST /orders/cxml HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: text/xml\r\nContent-Length: 100000\r\n\r\n<cXML")
        slow.settimeout(0.5)
        started = time.monotonic()
        ended, answer = None, b""
        while time.monotonic() - started < 20:
            # The other worker answers while this one is held.
            assert requests.get(shop.url + "/healthz", timeout=10).status_code == 200
            try:
                slow.sendall(b" ")
                answer = slow.recv(4096)
            except TimeoutError:
                continue  # still held: dribble on
            except OSError:
                answer = b""  # reset by the aborted worker
            ended = time.monotonic() - started
            break
        slow.close()
        assert ended is not None and ended < 15, "the slow client held a worker for good"
        assert ended > 1.5  # held until the timeout (2 s), not refused for another reason
        assert answer == b"" or answer.startswith(b"HTTP/1.1 500 ")
        engine = create_engine(throwaway_url)
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM inbound_documents")) == 0
        engine.dispose()
    finally:
        shop.stop()

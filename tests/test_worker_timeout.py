"""Threat model F3: a worker that overruns gunicorn's timeout in the middle of a purchase order.

Real gunicorn (gunicorn.conf.py, 2 sync workers, ``--timeout 2``) serves the shop of
``tests/slow_orders_app.py``, whose first order stalls after its raw document is stored.
The master aborts that worker (gunicorn answers its bare 500), so the buyer sends the same
document again;
the retry takes the stalled claim over once its lease (3 s) ends and makes the order:
exactly one order, answered 200, as after a SIGKILL (F2). On PostgreSQL (TEST_DATABASE_URL)
it uses a database of its own beside the test database.
"""

from __future__ import annotations

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

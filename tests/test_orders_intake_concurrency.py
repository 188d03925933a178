"""The same purchase order at the same moment on several gunicorn workers: exactly one order.

A real gunicorn with four worker processes serves the shop on 127.0.0.1 (a free port) over
the test database (the SQLite file, or PostgreSQL when TEST_DATABASE_URL names it), so the
database's constraints and locks are what is being tested, across processes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from shop.extensions import db
from shop.orders.inbound import InboundDocument
from shop.orders.models import Order
from shop.orders.po_models import Disposition, PurchaseOrderVersion
from tests.intake_support import (
    catalog,  # noqa: F401  (fixture)
    make_buyer_fixture,  # noqa: F401  (fixture)
    order_request,
    status_of,
)

pytestmark = pytest.mark.slow
PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
COPIES = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(app: Any, database_url: str, make_buyer: Any, catalog: Any,  # noqa: F811
           tmp_path: Path) -> Iterator[str]:
    make_buyer()
    port = _free_port()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SHOP_", "DATABASE_URL", "SECRET_KEY"))}
    # The same pepper and keys as the test app: buyers' shared secrets are hashed with it.
    env.update(DATABASE_URL=database_url, SECRET_KEY=app.config["SECRET_KEY"],
               SHOP_SECRET_PEPPER=app.config["INBOUND_SECRET_PEPPER"],
               SHOP_ENCRYPTION_KEYS=app.config["SHOP_ENCRYPTION_KEYS"], SHOP_SANDBOX="0")
    log = (tmp_path / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
         f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5",
         "shop:create_app()"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


def _wait_until_up(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("gunicorn exited while starting")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not start within 60 s")


def _fire(url: str, bodies: list[bytes]) -> list[requests.Response]:
    """POST every body at once (threads released together by a barrier)."""
    barrier = threading.Barrier(len(bodies))
    answers: list[Any] = [None] * len(bodies)

    def post(index: int, body: bytes) -> None:
        barrier.wait(timeout=30)
        try:
            answers[index] = requests.post(url, data=body, timeout=60,
                                           headers={"Content-Type": "text/xml"})
        except requests.RequestException as error:
            answers[index] = error

    threads = [threading.Thread(target=post, args=pair) for pair in enumerate(bodies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def _count(model: Any) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_the_same_document_twenty_times_at_once_makes_one_order(server: str) -> None:
    body = order_request(payload_id="concurrent-1@buyer.example")
    answers = _fire(f"{server}/orders/cxml", [body] * COPIES)
    assert all(isinstance(a, requests.Response) for a in answers), answers
    assert [a.status_code for a in answers] == [200] * COPIES
    assert [status_of(a.content)[0] for a in answers] == [200] * COPIES
    assert len({a.content for a in answers}) == 1  # every delivery got the same bytes
    assert _count(Order) == 1 and _count(InboundDocument) == 1
    assert _count(PurchaseOrderVersion) == 1


def test_one_order_id_under_ten_payload_ids_at_once_makes_one_order(server: str) -> None:
    bodies = [order_request(payload_id=f"resend-{n}@buyer.example") for n in range(10)]
    answers = _fire(f"{server}/orders/cxml", bodies)
    assert [a.status_code for a in answers] == [200] * 10, answers
    assert [status_of(a.content)[0] for a in answers] == [200] * 10
    assert _count(Order) == 1 and _count(InboundDocument) == 10
    dispositions = list(db.session.scalars(select(PurchaseOrderVersion.disposition)))
    assert sorted(dispositions) == sorted([Disposition.APPLIED] + [Disposition.DUPLICATE] * 9)

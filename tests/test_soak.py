"""`make soak` works end to end: a short soak with SIGKILLed workers balances its books.

The figures are the soak's own (docs/reliability.md); what is checked here is that the
runner seeds, serves, drives every kind of client, kills workers mid-request, lets the
buyer retry, delivers the outbox, and finds nothing lost and nothing duplicated. On
PostgreSQL (TEST_DATABASE_URL) it uses a database of its own beside the test database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bench import soak_faults
from tests.test_bench_smoke import PROJECT_ROOT, drop_database

pytestmark = pytest.mark.slow


def soak_database(test_url: str) -> str | None:
    """A throwaway PostgreSQL database beside the test database (None on SQLite)."""
    if not test_url.startswith("postgresql"):
        return None
    return test_url + "_soak"


def test_a_short_soak_with_killed_workers_balances_its_books(database_url: str) -> None:
    env = {key: value for key, value in os.environ.items() if key != "SOAK_DATABASE_URL"}
    pg_url = soak_database(database_url)
    if pg_url:
        env["SOAK_DATABASE_URL"] = pg_url
    try:
        result = subprocess.run(
            [sys.executable, "bench/soak.py", "--seconds", "20", "--faults", "kill",
             "--kills", "2", "--workers", "2", "--products", "300", "--shoppers", "2",
             "--punchout", "1", "--buyers", "1", "--claim-lease", "4"],
            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=180,
        )
    finally:
        if pg_url:
            drop_database(pg_url)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-3000:]
    table = result.stdout
    assert "| books | BALANCE |" in table
    assert "| lost | 0 |" in table and "| duplicated | 0 |" in table
    assert "2 SIGKILL mid-request" in table
    assert "outside injected faults: 0" in table
    for row in ("POs stored", "duplicates caught", "checkout orders", "outbox documents",
                "PunchOut sessions transferred"):
        assert f"| {row} |" in table


def test_a_kill_waiting_for_the_commit_outlives_a_database_outage(tmp_path: Path) -> None:
    # Found by a 45-second soak on PostgreSQL: the kill that waits for the document's commit
    # fell inside the database outage, its poll raised "not accepting connections", and the
    # soak failed its own fault instead of trying again.
    down = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'soak.db'}")
    shop_end, buyer_end = socket.socketpair()
    with shop_end, buyer_end:
        answer = threading.Timer(0.3, shop_end.sendall, (b"HTTP/1.1 503 Service Unavailable",))
        answer.start()
        started = time.monotonic()
        try:
            soak_faults.wait_stored(down, "killed-1@buyer.example", buyer_end)
        finally:
            answer.join()
    assert time.monotonic() - started < 5  # it returned once the answer came, not at 10 s

"""`make bench` works end to end: a tiny catalog, one-second scenarios, every answer right.

Speed is not asserted here (that is the benchmark's own table); what is checked is that the
runner seeds, serves, drives every scenario with wrk without a single refused or wrong answer,
and writes its results. On PostgreSQL (TEST_DATABASE_URL) the runner uses a database of its
own beside the test database, which it drops and creates.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


def bench_database(test_url: str, suffix: str) -> str | None:
    """A throwaway PostgreSQL database beside the test database (None on SQLite)."""
    if not test_url.startswith("postgresql"):
        return None
    parts = urlsplit(test_url)
    return parts._replace(path=parts.path + suffix).geturl()


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url.replace("+psycopg", ""))
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


def run_bench_script(arguments: list[str], database_url: str, suffix: str,
                     timeout: int) -> subprocess.CompletedProcess[str]:
    """Run a benchmark script as `make bench` would; on PostgreSQL in a database of its own
    (the test database's name + ``suffix``), dropped afterwards."""
    env = {key: value for key, value in os.environ.items() if key != "BENCH_DATABASE_URL"}
    pg_url = bench_database(database_url, suffix)
    if pg_url:
        env["BENCH_DATABASE_URL"] = pg_url
    try:
        return subprocess.run([sys.executable, *arguments], cwd=PROJECT_ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
    finally:
        if pg_url:
            drop_database(pg_url)


def test_bench_runs_every_scenario_with_right_answers(tmp_path, database_url):
    if shutil.which("wrk") is None:
        pytest.skip("needs wrk (apt-get install wrk; .ci/run installs it)")
    output = tmp_path / "results.json"
    result = run_bench_script(
        ["bench/run.py", "--products", "400", "--duration", "1", "--slice", "1", "--warmup", "0",
         "--workers", "2", "--transfers", "2", "--order-lines", "100", "--order-rounds", "1",
         "--output", str(output)],
        database_url, "_bench", timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "| scenario | req/s |" in result.stdout

    results = json.loads(output.read_text())
    rows = {row["scenario"]: row for row in results["rows"]}
    names = " / ".join(rows)
    for expected in ("bare Flask route", "home", "category page 1", "product page", "search",
                     "add to cart", "PunchOutSetupRequest", "cart transfer", "seed"):
        assert any(name.startswith(expected) for name in rows), f"{expected} not in {names}"
    for row in rows.values():
        assert row["errors"] == 0, row
        if not row["note"]:
            assert row["p50_ms"] > 0, row
            assert row["result"] in ("PASS", "MISS", ""), row
    assert results["memory"]["shop"]["peak_vmhwm_mb"] > 0
    assert results["memory"]["shop"]["workers_seen"] >= 2


def test_cxml_read_bench_reads_and_rebuilds_the_same_lines():
    # The script asserts that its reference (b) builds exactly what read_cxml returns, so a
    # reader whose results change shape breaks it here rather than at the next measurement.
    result = subprocess.run(
        [sys.executable, "bench/cxml_read.py", "--lines", "300", "--repeat", "1"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: a target missed
    for line in ("read_cxml():", "(a) parse, look at every value:",
                 "(b) build the objects, no XML:", "build_order_message():"):
        assert line in result.stdout, result.stdout


def test_setup_cost_bench_measures_real_setups(database_url):
    result = run_bench_script(["bench/setup_cost.py", "--requests", "20"], database_url,
                              "_cost", timeout=180)
    # Every setup it times must have been answered 200 (the script asserts each answer).
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PunchOutSetupRequest (test client)" in result.stdout
    assert "floor (a) + (b)" in result.stdout


def test_setup_floor_bench_serves_every_step_with_right_answers(database_url):
    if shutil.which("wrk") is None:
        pytest.skip("needs wrk (apt-get install wrk; .ci/run installs it)")
    result = run_bench_script(["bench/setup_floor.py", "--duration", "1", "--slice", "1",
                               "--warmup", "0", "--workers", "2"], database_url, "_floor",
                              timeout=240)
    # The script checks every answer with wrk and stops at the first wrong one.
    assert result.returncode == 0, result.stderr[-3000:]
    for route in ("/floor/empty", "/floor/cxml", "/floor/write-nosync", "/floor/write",
                  "/punchout/setup"):
        assert f"| `{route}` |" in result.stdout, result.stdout

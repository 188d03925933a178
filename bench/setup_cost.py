"""Where the CPU time of a PunchOutSetupRequest goes, against a floor no implementation beats.

    .venv/bin/python bench/setup_cost.py [--requests 500]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/shop_cost \
        .venv/bin/python bench/setup_cost.py

Issue 4 asks a setup to run at least half as many requests per second as a bare Flask route
under gunicorn (``make bench`` measures that ratio). Both are CPU-bound on this machine, so the
ratio is the ratio of CPU per request. This script measures, in one process and on the same
database, the CPU time per request of:

1. the bare Flask route and a whole setup, both through Flask's test client;
2. two parts that any setup implementation needs, each timed alone:
   (a) the cXML work: read the request, build the Response, redact both for the log;
   (b) the smallest durable write: one indexed read (the credentials), then a session row,
       a start-token row and the two log entries (2 kB and 0.5 kB) in one transaction and
       COMMIT, with SQLAlchemy Core on scratch tables of that shape: no ORM, no
       authentication, no rate limit, no cart;
3. (c) the same write through the database driver alone (sqlite3 or psycopg: SQL text, no
   SQLAlchemy), the cheapest a hand-written path could make it.

(a) plus (b) is what the setup's own work costs at least while it goes through SQLAlchemy;
(a) plus (c) is what it would cost written against the driver. docs/performance.md sets both
against what the target leaves per request. The database named by BENCH_DATABASE_URL is dropped and
created; without it a temporary SQLite file is used.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, Text, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import documents, prepare  # noqa: E402
from bench.bare_app import app as bare_app  # noqa: E402
from shop import create_app, cxml  # noqa: E402
from shop.extensions import db  # noqa: E402
from shop.redaction import redact_document  # noqa: E402

START_URL = "https://shop.example/punchout/start/" + "t" * 43


def cpu_ms(action: Callable[[], object], count: int, rounds: int = 5) -> float:
    """Median over ``rounds`` of the CPU milliseconds per call, ``count`` calls per round."""
    per_round = []
    for _ in range(rounds):
        gc.collect()
        started = time.process_time()
        for _ in range(count):
            action()
        per_round.append((time.process_time() - started) * 1000 / count)
    return statistics.median(per_round)


def fresh_body(template: bytes) -> bytes:
    return template.replace(documents.PAYLOAD_MARK.encode(), uuid.uuid4().hex.encode())


def cxml_work(template: bytes) -> Callable[[], object]:
    """(a): what the cXML layer does for one setup."""

    def run() -> None:
        body = fresh_body(template)
        cxml.read_cxml(body)
        answer = cxml.build_setup_response(START_URL, host="shop.example",
                                           payload_id=cxml.new_payload_id("shop.example"))
        redact_document(body)
        redact_document(answer)

    return run


def smallest_write(engine: Engine, template: bytes) -> Callable[[], object]:
    """(b): one read, four INSERTs, COMMIT, on scratch tables shaped like the shop's."""
    metadata = MetaData()
    sessions = Table("cost_sessions", metadata, Column("id", Integer, primary_key=True),
                     Column("payload_id", String(200), unique=True), Column("data", Text))
    tokens = Table("cost_tokens", metadata, Column("id", Integer, primary_key=True),
                   Column("session_id", Integer), Column("token_hash", String(64), unique=True))
    messages = Table("cost_messages", metadata, Column("id", Integer, primary_key=True),
                     Column("session_id", Integer), Column("body", Text))
    metadata.drop_all(engine)
    metadata.create_all(engine)
    request_text, answer_text = template.decode(), "r" * 500

    def run() -> None:
        key = uuid.uuid4().hex
        with engine.begin() as connection:
            connection.execute(select(sessions.c.id).where(sessions.c.id == 1)).first()
            session_id = connection.execute(
                insert(sessions).values(payload_id=key, data=request_text[:600])
                .returning(sessions.c.id)
            ).scalar_one()
            connection.execute(insert(tokens).values(session_id=session_id, token_hash=key * 2))
            connection.execute(insert(messages), [{"session_id": session_id, "body": request_text},
                                                  {"session_id": session_id, "body": answer_text}])

    return run


def driver_write(engine: Engine, template: bytes) -> Callable[[], object]:
    """(c): what ``smallest_write`` does, as SQL text on the driver's own connection."""
    connection = engine.raw_connection()
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    read = "SELECT id FROM cost_sessions WHERE id = 1"
    add_session = (f"INSERT INTO cost_sessions (payload_id, data) VALUES ({mark}, {mark}) "
                   "RETURNING id")
    add_token = f"INSERT INTO cost_tokens (session_id, token_hash) VALUES ({mark}, {mark})"
    add_message = f"INSERT INTO cost_messages (session_id, body) VALUES ({mark}, {mark})"
    request_text, answer_text = template.decode(), "r" * 500

    def run() -> None:
        key = uuid.uuid4().hex
        cursor = connection.cursor()
        cursor.execute(read)
        cursor.fetchone()
        cursor.execute(add_session, (key, request_text[:600]))
        [session_id] = cursor.fetchone()
        cursor.execute(add_token, (session_id, key * 2))
        cursor.executemany(add_message, [(session_id, request_text), (session_id, answer_text)])
        connection.commit()

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="setups per round (500)")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        prepare.fresh_postgresql(url)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='setup-cost-')}/cost.db"
    app = create_app(prepare.Secrets.fresh().config(url))
    with app.app_context():
        from shop.catalog.services import prepare_schema

        prepare_schema()
        prepare._create_connection()
        db.session.remove()
        engine = db.engine

    template = documents.setup_request()
    shop, bare = app.test_client(), bare_app.test_client()

    def setup() -> None:
        answer = shop.post("/punchout/setup", data=fresh_body(template), content_type="text/xml")
        assert b'code="200"' in answer.data, answer.data[:300]

    count = args.requests
    for action in (setup, lambda: bare.get("/")):
        cpu_ms(action, 50, rounds=1)  # warm up: first requests fill caches and pools
    whole = cpu_ms(setup, count)
    hello = cpu_ms(lambda: bare.get("/"), count * 4)
    work = cpu_ms(cxml_work(template), count * 4)
    with app.app_context():
        write = cpu_ms(smallest_write(engine, template), count)
        driver = cpu_ms(driver_write(engine, template), count)

    floor = work + write
    print(f"{engine.dialect.name}; CPU per request, median of 5 rounds, one process")
    print(f"  bare Flask route (test client)       {hello:7.3f} ms")
    print(f"  PunchOutSetupRequest (test client)   {whole:7.3f} ms  = {whole / hello:5.1f}x bare")
    print(f"  (a) cXML: read, answer, redact       {work:7.3f} ms")
    print(f"  (b) smallest durable write           {write:7.3f} ms")
    print(f"  floor (a) + (b), before Flask        {floor:7.3f} ms  = {floor / hello:5.1f}x bare")
    print(f"  (c) the same write on the driver     {driver:7.3f} ms")
    print(f"  (a) + (c), before Flask              {work + driver:7.3f} ms  ="
          f" {(work + driver) / hello:5.1f}x bare")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

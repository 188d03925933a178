"""The shop, plus routes that do only the unavoidable parts of a PunchOutSetupRequest.

Served by ``bench/setup_floor.py`` with the production gunicorn settings, beside the real
``/punchout/setup`` of the same app, so that each step's cost shows as a ratio to the bare
route. Each route adds one step to the previous one:

- ``/floor/empty``: read the posted body, answer a fixed document (Flask and the shop's own
  request and response handling: security headers, session and login hooks);
- ``/floor/cxml``: read the setup request, build its Response, redact both for the log;
- ``/floor/write``: then one indexed read and a session row, a start-token row and the two
  log rows in one transaction, as SQL text on the database driver (no SQLAlchemy), durable
  as the shop's commits are (SQLite ``synchronous=FULL``, PostgreSQL's default);
- ``/floor/write-nosync``: the same without waiting for the disk (SQLite
  ``synchronous=NORMAL``, PostgreSQL ``synchronous_commit=off``).

No authentication, no rate limit, no ORM: nothing a real setup could do with less.
Never part of the shop: only the benchmark loads this module.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

from flask import Flask, Response, request

from shop import create_app, cxml
from shop.extensions import csrf, db
from shop.redaction import redact_document

HOST = "shop.example"
START_URL = f"https://{HOST}/punchout/start/" + "t" * 43
SCRATCH_TABLES = (
    "CREATE TABLE floor_sessions (id {key}, payload_id VARCHAR(200) UNIQUE, data TEXT)",
    "CREATE TABLE floor_tokens (id {key}, session_id INTEGER, token_hash VARCHAR(64) UNIQUE)",
    "CREATE TABLE floor_messages (id {key}, session_id INTEGER, body TEXT)",
)


def create_floor_app() -> Flask:
    app = create_app()
    connections: dict[tuple[int, bool], Any] = {}  # per worker process and durability

    def driver_connection(durable: bool) -> Any:
        key = (os.getpid(), durable)
        if key not in connections:
            with app.app_context():
                connection = db.engine.raw_connection()
            if not durable:
                sqlite = db.engine.dialect.name == "sqlite"
                connection.cursor().execute("PRAGMA synchronous=NORMAL" if sqlite
                                            else "SET synchronous_commit = off")
                connection.commit()
            connections[key] = connection
        return connections[key]

    def cxml_work() -> tuple[bytes, bytes]:
        body = request.get_data()
        cxml.read_cxml(body)
        answer = cxml.build_setup_response(START_URL, host=HOST,
                                           payload_id=cxml.new_payload_id(HOST))
        redact_document(body)
        redact_document(answer)
        return body, answer

    def store(body: bytes, answer: bytes, durable: bool) -> None:
        connection = driver_connection(durable)
        mark = "?" if db.engine.dialect.paramstyle == "qmark" else "%s"
        key = uuid.uuid4().hex
        cursor = connection.cursor()
        cursor.execute("SELECT id FROM floor_sessions WHERE id = 1")
        cursor.fetchone()
        cursor.execute(f"INSERT INTO floor_sessions (payload_id, data) VALUES ({mark}, {mark}) "
                       "RETURNING id", (key, body[:600].decode()))
        [session_id] = cursor.fetchone()
        cursor.execute(f"INSERT INTO floor_tokens (session_id, token_hash) VALUES ({mark}, {mark})",
                       (session_id, key * 2))
        cursor.executemany(f"INSERT INTO floor_messages (session_id, body) VALUES ({mark}, {mark})",
                           [(session_id, body.decode()), (session_id, answer.decode())])
        connection.commit()

    def xml(answer: bytes) -> Response:
        return Response(answer, content_type="text/xml; charset=utf-8")

    @app.post("/floor/empty")
    @csrf.exempt
    def empty() -> Response:
        request.get_data()
        return xml(b'<Status code="200"/>')

    @app.post("/floor/cxml")
    @csrf.exempt
    def cxml_only() -> Response:
        return xml(cxml_work()[1])

    @app.post("/floor/write", defaults={"durable": True})
    @app.post("/floor/write-nosync", defaults={"durable": False})
    @csrf.exempt
    def write(durable: bool) -> Response:
        body, answer = cxml_work()
        store(body, answer, durable)
        return xml(answer)

    return app

"""The faults the soak injects, each one real: no code of the shop is replaced.

* ``kill_mid_request``: a purchase order is sent over a raw socket, all but its last byte;
  the gunicorn worker that accepted that very connection (found through /proc: the socket's
  inode among the worker's file descriptors) waits for that byte while it is found. Then the
  byte goes, and the worker gets SIGKILL while the request is in flight. The buyer sees the
  connection drop and sends the same bytes again.
* ``database_outage``: PostgreSQL refuses connections to the shop's database
  (``ALTER DATABASE … ALLOW_CONNECTIONS false``) and every open one is terminated
  (``pg_terminate_backend``); SQLite's only write lock is held by another process
  (``BEGIN EXCLUSIVE``) for longer than the shop's busy timeout, so every write fails with
  "database is locked", as during a long backup or a stuck batch job.
* the buyer's document endpoint failing: ``Receiver.failing`` (bench/soak_receiver.py).
"""

from __future__ import annotations

import os
import random
import re
import select
import signal
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bench.servers import Server
from bench.soak_ledger import Document, Fault, Ledger

SQLITE_BUSY_TIMEOUT = 10.0  # shop/database.py: PRAGMA busy_timeout=10000


@dataclass(frozen=True)
class Kill:
    """What one SIGKILL hit: when in the document's life the worker died."""

    killed: bool
    phase: str  # "not stored", "stored, not answered", "answered" or why nothing was killed


def _server_side_inode(server_port: int, client_port: int) -> int | None:
    """The inode of the server's end of our connection, from /proc/net/tcp."""
    local = f"0100007F:{server_port:04X}"
    remote = f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote and fields[9] != "0":
            return int(fields[9])
    return None


def worker_holding(server: Server, client_port: int) -> int | None:
    """The gunicorn worker that has accepted our connection (None while it is queued)."""
    inode = _server_side_inode(server.port, client_port)
    if inode is None:
        return None
    wanted = f"socket:[{inode}]"
    for pid in server.worker_pids():
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{descriptor}") == wanted:
                    return pid
            except OSError:
                continue
    return None


def _raw_request(server: Server, body: bytes) -> socket.socket:
    """A connection that has sent the request but the last byte of ``body``."""
    host = urlsplit(server.url).netloc
    head = (f"POST /orders/cxml HTTP/1.1\r\nHost: {host}\r\n"
            "Content-Type: text/xml; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sock.sendall(head + body[:-1])
    return sock


def _phase(engine: Engine, payload_id: str) -> str:
    """How far the killed worker got, read in the database (which may be down just now)."""
    query = text("SELECT answer_code FROM inbound_documents WHERE payload_id = :p")
    deadline = time.monotonic() + 60
    while True:
        try:
            with engine.connect() as connection:
                row = connection.execute(query, {"p": payload_id}).one_or_none()
            break
        except SQLAlchemyError:
            if time.monotonic() > deadline:
                return "unknown (the database stayed down)"
            time.sleep(1)
    if row is None:
        return "not stored"
    return "stored, not answered" if row[0] is None else "answered"


def wait_stored(engine: Engine, payload_id: str, sock: socket.socket) -> None:
    """Until the document is committed (or the answer is on its way).

    The database may be down just now (the outage fault can overlap a kill): then nothing
    can be stored either, and the worker's 5xx answer ends the wait.
    """
    query = text("SELECT 1 FROM inbound_documents WHERE payload_id = :p")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not select.select([sock], [], [], 0)[0]:
        try:
            with engine.connect() as connection:
                if connection.execute(query, {"p": payload_id}).first() is not None:
                    return
        except SQLAlchemyError:
            time.sleep(0.05)
        time.sleep(0.003)


def kill_mid_request(server: Server, engine: Engine, document: Document, ledger: Ledger,
                     after_commit: bool = False, within: float = 0.08) -> Kill:
    """Send ``document`` and SIGKILL the worker serving it before it answers: at a random
    moment in the first ``within`` seconds of the request, or ``after_commit`` (the document
    stored, the order not made yet)."""
    started = time.monotonic()
    with _raw_request(server, document.body) as sock:
        client_port = sock.getsockname()[1]
        pid = None
        while pid is None and time.monotonic() - started < 10:
            pid = worker_holding(server, client_port)
            if pid is None:
                time.sleep(0.002)
        if pid is None:
            sock.sendall(document.body[-1:])
            return Kill(False, "no worker took the connection")
        sock.sendall(document.body[-1:])  # the worker found, the request runs from here
        if after_commit:
            wait_stored(engine, document.payload_id, sock)
        else:
            time.sleep(random.uniform(0.0, within))  # somewhere inside the request
        if select.select([sock], [], [], 0)[0]:
            ledger.call("buyer", started, 200, fault_target=True)
            return Kill(False, "answered before the kill")
        os.kill(pid, signal.SIGKILL)
        at = time.monotonic()
        ledger.fault(Fault("sigkill", at, at, f"worker {pid}"))
        sock.settimeout(10)
        try:
            answer = sock.recv(65536)
        except OSError:
            answer = b""
    ledger.call("buyer", started, None if not answer else 200, fault_target=True)
    time.sleep(0.2)  # the dead worker's transaction is rolled back by the database
    return Kill(True, _phase(engine, document.payload_id))


def database_outage(database_url: str, seconds: float, ledger: Ledger) -> None:
    """Make the database unavailable to the shop for about ``seconds``."""
    if database_url.startswith("postgresql"):
        _postgresql_outage(database_url, seconds, ledger)
    else:
        _sqlite_outage(database_url, seconds, ledger)


def _postgresql_outage(database_url: str, seconds: float, ledger: Ledger) -> None:
    import psycopg

    parts = urlsplit(database_url.replace("+psycopg", ""))
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"unusual database name {name!r}")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        started = time.monotonic()
        try:
            connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
            time.sleep(seconds)
        finally:
            connection.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            ledger.fault(Fault("database", started, time.monotonic(),
                               "connections refused and terminated"))


def _sqlite_outage(database_url: str, seconds: float, ledger: Ledger) -> None:
    path = database_url.removeprefix("sqlite:///")
    # Writers wait busy_timeout for the lock before they fail: hold it that much longer.
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        try:
            time.sleep(seconds + SQLITE_BUSY_TIMEOUT)
        finally:
            connection.execute("ROLLBACK")
            ledger.fault(Fault("database", started, time.monotonic(),
                               "write lock held by another process"))
    finally:
        connection.close()

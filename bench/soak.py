#!/usr/bin/env python3
"""Reliability soak: mixed traffic against gunicorn with faults injected, then the books.

    make soak                                   # or: .venv/bin/python bench/soak.py
    .venv/bin/python bench/soak.py --seconds 300 --workers 4
    SOAK_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/shop_soak make soak

1. Seeds a fresh database (a temporary SQLite file, or the PostgreSQL database named by
   SOAK_DATABASE_URL or --database-url, which is dropped and created) with a small catalog,
   shoppers, and a buyer connection whose documents go to a loopback receiver.
2. Starts the shop with gunicorn.conf.py on a free port of 127.0.0.1, and two
   `flask outbox run` workers (the outbox and the stored-PO worker).
3. For --seconds: shoppers browse, fill carts and check out; PunchOut visitors go setup →
   start → add → transfer; a buyer sends OrderRequests, resends some exactly (same
   payloadID), some with a new payloadID, and some from two threads at the same moment;
   staff confirm, ship and invoice accepted orders. Meanwhile: workers are killed with
   SIGKILL mid-request, the database is made unavailable, the buyer's document endpoint
   fails for a while (bench/soak_faults.py says how).
4. Stops traffic, lets every retry and the outbox finish, and checks the books in the
   database (bench/soak_books.py). Prints the table; exits 1 when the books do not balance,
   2 when the run itself failed. Everything stays on 127.0.0.1 and is bounded by --seconds
   and --max-requests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import requests
from flask import Flask
from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import prepare, soak_books, soak_faults, soak_shop  # noqa: E402
from bench.servers import PROJECT_ROOT, Server  # noqa: E402
from bench.soak_ledger import Fault, Ledger  # noqa: E402
from bench.soak_receiver import Receiver  # noqa: E402
from bench.soak_traffic import USER_AGENT, Buyer, Shop, punchout_visitor, shopper  # noqa: E402

FAULTS = ("kill", "database", "receiver")
KILL_LINES = 200  # the longest request still processed synchronously (INTAKE_SYNC_MAX_LINES)
KILL_TRIES = 10  # an intake faster than the kill answers first now and then: try again


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("--seconds", type=float, default=120, help="traffic time (120)")
    parser.add_argument("--max-requests", type=int, default=200_000,
                        help="stop traffic after this many requests (200000)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--products", type=int, default=2000, help="catalog size (2000)")
    parser.add_argument("--shoppers", type=int, default=3)
    parser.add_argument("--punchout", type=int, default=2, help="PunchOut visitors (2)")
    parser.add_argument("--buyers", type=int, default=2, help="PO-sending threads (2)")
    parser.add_argument("--faults", default=",".join(FAULTS),
                        help=f"comma-separated, of {', '.join(FAULTS)} (all)")
    parser.add_argument("--kills", type=int, default=4, help="SIGKILLs during the soak (4)")
    parser.add_argument("--database-outage", type=float, default=8,
                        help="seconds the database refuses the shop (8)")
    parser.add_argument("--receiver-outage", type=float, default=20,
                        help="seconds the buyer's document endpoint answers 500 (20)")
    parser.add_argument("--claim-lease", type=float, default=10,
                        help="INTAKE_CLAIM_LEASE for the shop: how soon a PO whose worker "
                        "died is taken over (10; production default 60)")
    parser.add_argument("--drain", type=float, default=120,
                        help="most seconds to wait for retries and the outbox afterwards")
    parser.add_argument("--database-url", default=os.environ.get("SOAK_DATABASE_URL"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    args.faults = {word.strip() for word in args.faults.split(",") if word.strip()}
    if unknown := args.faults - set(FAULTS):
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    return args


def shop_environment(keys: prepare.Secrets, database_url: str,
                     args: argparse.Namespace) -> dict[str, str]:
    """The servers' environment: production settings, faster recovery timings."""
    return keys.environment(database_url) | {
        "SHOP_OUTBOX_ALLOW_PRIVATE": "1",  # the buyer's receiver is on 127.0.0.1
        "INTAKE_CLAIM_LEASE": str(args.claim_lease),
        "OUTBOX_BACKOFF_BASE": "2", "OUTBOX_BACKOFF_CAP": "10", "OUTBOX_POLL_SECONDS": "1",
        "OUTBOX_LOCK_SECONDS": "20",
    }


def outbox_workers(env: dict[str, str], work: Path,
                   count: int = 2) -> list[subprocess.Popen[bytes]]:
    """`flask outbox run`, as production runs it (two, as on two hosts)."""
    workers = []
    for number in range(count):
        log = (work / f"outbox-{number}.log").open("wb")
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "shop", "outbox", "run"],
            cwd=PROJECT_ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT))
        log.close()
    return workers


class Soak:
    """One run: the clients, the fault schedule, and the books."""

    def __init__(self, args: argparse.Namespace, server: Server, database_url: str,
                 catalog: prepare.Catalog, receiver: Receiver, app: Flask) -> None:
        self.args, self.server, self.database_url = args, server, database_url
        self.receiver, self.app = receiver, app
        self.ledger = Ledger(args.max_requests)
        self.shop = Shop(server.url, catalog.cart_skus, catalog.big_category,
                         max(1, -(-catalog.big_category_products // 24)))
        self.buyer = Buyer(self.shop, self.ledger, retry_for=max(60.0, 3 * args.claim_lease))
        self.stop = threading.Event()
        self.engine = create_engine(database_url, pool_pre_ping=True)
        self.kills: list[str] = []

    def schedule(self) -> list[tuple[float, str, Callable[[], None]]]:
        """(when, name, action) of every fault, spread over the soak."""
        seconds, events = self.args.seconds, []
        if "kill" in self.args.faults:
            for number in range(self.args.kills):
                events.append((seconds * (number + 1) / (self.args.kills + 1), "kill",
                               self.kill_one))
        if "receiver" in self.args.faults:
            events.append((seconds * 0.15, "receiver", self.receiver_outage))
        if "database" in self.args.faults:
            events.append((seconds * 0.55, "database", self.database_outage))
        return sorted(events, key=lambda event: event[0])

    def kill_one(self) -> None:
        with requests.Session() as http:
            http.headers["User-Agent"] = USER_AGENT
            within = 0.08  # seconds after the request starts; halved after each miss
            for _try in range(KILL_TRIES):
                document = self.buyer.new_document("killed", lines=KILL_LINES)
                document.fault_target = True
                try:
                    kill = soak_faults.kill_mid_request(
                        self.server, self.engine, document, self.ledger,
                        after_commit=len(self.kills) % 2 == 1, within=within)
                finally:
                    self.buyer.deliver(http, document, fault_target=True)  # the retry
                if kill.killed:
                    self.kills.append(kill.phase)
                    return
                self.ledger.count(f"kill missed: {kill.phase}")
                within /= 2
        self.ledger.problem(f"no SIGKILL landed mid-request in {KILL_TRIES} tries")

    def guarded(self, name: str, action: Callable[[], None]) -> None:
        """Run a fault; if the injection itself breaks, the soak says so and fails."""
        try:
            action()
        except Exception as error:  # noqa: BLE001
            traceback.print_exc()
            self.ledger.problem(f"fault {name} could not be injected: {error!r}")

    def receiver_outage(self) -> None:
        self.receiver.failing.set()
        started = time.monotonic()
        time.sleep(self.args.receiver_outage)
        self.receiver.failing.clear()
        self.ledger.fault(Fault("receiver", started, time.monotonic()))

    def database_outage(self) -> None:
        soak_faults.database_outage(self.database_url, self.args.database_outage, self.ledger)

    def clients(self, emails: list[str]) -> list[threading.Thread]:
        args, stop, ledger = self.args, self.stop, self.ledger
        back_office = soak_shop.BackOffice(self.app)
        self.back_office = back_office
        targets: list[tuple[Callable[..., None], tuple[object, ...]]] = [
            *((shopper, (self.shop, ledger, stop, email, soak_shop.SHOPPER_PASSWORD))
              for email in emails),
            *((punchout_visitor, (self.shop, ledger, stop)) for _ in range(args.punchout)),
            *((self.buyer.run, (stop,)) for _ in range(args.buyers)),
            (self.buyer.concurrent_pairs, (stop, 2.0)),
            (back_office.run, (stop, self.accepted_po_numbers)),
        ]
        return [threading.Thread(target=target, args=arguments, daemon=True)
                for target, arguments in targets]

    def accepted_po_numbers(self) -> list[str]:
        return sorted({doc.order_id for doc in self.ledger.accepted_documents()})

    def run(self, emails: list[str]) -> None:
        threads = self.clients(emails)
        started = time.monotonic()
        for thread in threads:
            thread.start()
        faults: list[threading.Thread] = []
        for when, name, action in self.schedule():
            if self.stop.wait(max(0.0, started + when - time.monotonic())):
                break
            print(f"  {time.monotonic() - started:5.1f} s: fault: {name}", flush=True)
            faults.append(threading.Thread(target=self.guarded, args=(name, action),
                                           daemon=True))
            faults[-1].start()
        while time.monotonic() - started < self.args.seconds and not self.ledger.exhausted():
            time.sleep(0.2)
        self.stop.set()
        print(f"  {time.monotonic() - started:5.1f} s: traffic stopped; waiting for "
              "retries and faults to finish", flush=True)
        for thread in threads + faults:
            thread.join(timeout=self.args.drain)

    def drain_outbox(self) -> None:
        deadline = time.monotonic() + self.args.drain
        while soak_shop.outbox_waiting(self.app) and time.monotonic() < deadline:
            time.sleep(1)

    def close(self) -> None:
        self.engine.dispose()


def faults_row(soak: Soak) -> tuple[str, str]:
    parts = []
    if soak.kills:
        phases = ", ".join(f"{soak.kills.count(p)} {p}" for p in sorted(set(soak.kills)))
        parts.append(f"{len(soak.kills)} SIGKILL mid-request ({phases})")
    for fault in soak.ledger.faults:
        if fault.kind != "sigkill":
            parts.append(f"{fault.kind} outage {fault.ended - fault.started:.1f} s "
                         f"({fault.note or 'answering 500'})")
    missed = sum(n for name, n in soak.ledger.counts.items() if name.startswith("kill missed"))
    if missed:
        parts.append(f"{missed} kill attempts came too late (answered) and were repeated")
    return "faults injected", "; ".join(parts) or "none"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="shop-soak-"))
    database_url = args.database_url or f"sqlite:///{work / 'soak.db'}"
    if database_url.startswith("postgresql"):
        prepare.fresh_postgresql(database_url)
    keys = prepare.Secrets.fresh()
    print(f"Seeding {args.products:,} products into {database_url.split('@')[-1]} ...")
    catalog = prepare.seed(database_url, keys, args.products)
    app = soak_shop.shop_app(database_url, keys)
    receiver = Receiver()
    emails = soak_shop.prepare_shop(app, receiver.url, args.shoppers)
    env = shop_environment(keys, database_url, args)
    server = Server("shop", "shop:create_app()", env, work / "shop.log", args.workers)
    runners = outbox_workers(env, work)
    soak = None
    try:
        server.wait_ready()
        soak = Soak(args, server, database_url, catalog, receiver, app)
        print(f"Shop on {server.url} ({args.workers} workers), {args.seconds:g} s of traffic, "
              f"faults: {', '.join(sorted(args.faults)) or 'none'}", flush=True)
        soak.run(emails)
        soak.drain_outbox()
        verdict = check_books(soak, app, runners)
    finally:
        for runner in runners:
            runner.terminate()
            runner.wait(timeout=30)
        server.stop()
        receiver.close()
        if soak is not None:
            soak.close()
    # An exception that escaped the shop's own error handling: gunicorn answered for it.
    escaped = (work / "shop.log").read_text(errors="replace").count("Error handling request")
    verdict.rows.append(("exceptions that escaped the shop", str(escaped)))
    if escaped:
        verdict.fail(f"{escaped} requests ended in gunicorn's own error page (see shop.log)")
    print()
    for line in soak_books.table(verdict):
        print(line)
    for failure in verdict.failures[:40]:
        print(f"FAIL: {failure}")
    for problem in soak.ledger.problems[:20]:
        print(f"  unexpected answer: {problem}")
    if args.keep or verdict.failures:
        print(f"\nKept {work} (database, server and outbox logs)")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if verdict.failures else 0


def check_books(soak: Soak, app: Flask,
                runners: list[subprocess.Popen[bytes]]) -> soak_books.Verdict:
    books = soak_shop.read_books(app)
    verdict = soak_books.Verdict()
    soak_books.purchase_orders(soak.ledger, books, verdict)
    soak_books.checkouts(soak.ledger, books, verdict)
    soak_books.outbox(soak.receiver.received, books, verdict)
    soak_books.server_errors(soak.ledger, verdict)
    verdict.rows.insert(1, ("PunchOut sessions transferred",
                            f"{soak.ledger.counts.get('punchout transfers', 0):,}"))
    verdict.rows.append(faults_row(soak))
    verdict.rows.append(("staff actions", f"{soak.back_office.actions:,} confirm/ship/invoice "
                         f"({soak.back_office.failures:,} failed and were retried)"))
    if soak.ledger.problems:
        verdict.fail(f"{len(soak.ledger.problems)} unexpected answers (listed below)")
    for number, runner in enumerate(runners):
        if runner.poll() is not None:
            verdict.fail(f"`flask outbox run` #{number} exited with {runner.returncode} "
                         "during the soak")
    return verdict


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except RuntimeError as error:
        print(f"soak: {error}", file=sys.stderr)
        raise SystemExit(2) from None

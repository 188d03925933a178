"""Purchase-order intake speed: a 5,000-line OrderRequest and an ordinary 20-line one.

Targets (issue 6): the 5,000-line document is stored and answered in under 3× the time a
bare lxml parse of the same bytes takes (same run, same machine), with memory proportional
to the document; a 20-line PO is answered in under 50 ms.

The shop runs in-process (Flask's test client, no network) over a fresh SQLite file (or the
database named by --database-url), so the figures are the shop's own work: parsing through
the hardened door, authenticating, storing durably (synchronous=FULL), answering.

    .venv/bin/python bench/orders_bench.py [--rounds 7] [--database-url URL]

``run(rounds, database_url)`` returns the figures as a dict for a benchmark runner.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shop import create_app, cxml  # noqa: E402
from shop.extensions import db  # noqa: E402

SECRET = "bench-secret-123"
BUYER = ("NetworkID", "AN-BENCH")
SKUS = [f"BENCH-{n:03d}" for n in range(50)]


def order_request(lines: int, payload_id: str) -> bytes:
    """An OrderRequest with ``lines`` lines over 50 catalog SKUs."""
    items = tuple(
        cxml.ItemOut(
            quantity=Decimal(3), line_number=n, item_id=cxml.ItemID(SKUS[n % 50], f"AUX-{n}"),
            detail=cxml.ItemDetail(cxml.Money(Decimal("12.50"), "EUR"),
                                   f"Benchmark product {n}, a description of usual length",
                                   "EA", (cxml.Classification("UNSPSC", "44121704"),)),
            distributions=(cxml.Distribution(
                cxml.Accounting("Cost", (cxml.AccountingSegment("4711", "Cost Center", "IT"),)),
                cxml.Money(Decimal("37.50"), "EUR")),),
            comments="Deliver to dock 3",
        )
        for n in range(1, lines + 1)
    )
    address = cxml.Address(name="Bench GmbH", street=("Main Street 1",), city="Berlin",
                           postal_code="10115", country_code="DE")
    header = cxml.OrderRequestHeader(
        order_id=f"PO-{payload_id}", order_date=dt.datetime.now(dt.UTC),
        total=cxml.Money(Decimal("37.50") * lines, "EUR"), ship_to=address, bill_to=address)
    credentials = cxml.Party((cxml.Credential(*BUYER),))
    return cxml.build_order_request(
        cxml.OrderRequest(header, items), host="bench.example", payload_id=payload_id,
        header=cxml.Header(credentials, cxml.Party((cxml.Credential("DUNS", "SHOP"),)),
                           cxml.Party((cxml.Credential(*BUYER, shared_secret=SECRET),))))


def _setup(database_url: str) -> Any:
    from shop.catalog.models import Product
    from shop.punchout import services

    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "SERVER_NAME": "shop.bench",
                      "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        for sku in SKUS:
            db.session.add(Product(sku=sku, name=sku, list_price=Decimal("12.50"),
                                   currency="EUR", unspsc="44121704"))
        db.session.commit()
        services.create_connection(services.ConnectionSettings(
            name="Bench", company_name="Bench GmbH", identities=(BUYER,)),
            shared_secret=SECRET, create_company=True)
    return app


def _best(samples: list[float]) -> float:
    return min(samples) * 1000


def run(rounds: int = 9, database_url: str | None = None) -> dict[str, Any]:
    """Measure and return the figures (milliseconds, bytes, ratios)."""
    with tempfile.TemporaryDirectory() as folder:
        app = _setup(database_url or f"sqlite:///{folder}/bench.db")
        client = app.test_client()
        big = [order_request(5000, f"big-{n}@bench") for n in range(rounds + 1)]
        small = [order_request(20, f"small-{n}@bench") for n in range(rounds * 3)]
        parse, answer, process, peaks = [], [], [], []
        with app.app_context():
            for body in big[:rounds]:
                # Interleaved, so that both see the same machine load.
                start = time.perf_counter()
                etree.fromstring(body)
                parse.append(time.perf_counter() - start)
                start = time.perf_counter()
                response = client.post("/orders/cxml", data=body, content_type="text/xml")
                answer.append(time.perf_counter() - start)
                assert b'code="201"' in response.data, response.data[:500]
                start = time.perf_counter()
                response.close()  # processing after the answer, as a WSGI server does
                process.append(time.perf_counter() - start)
            # Memory on its own round: tracing allocations slows everything down.
            tracemalloc.start()
            response = client.post("/orders/cxml", data=big[rounds], content_type="text/xml")
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            response.close()
            small_times, small_cpu = [], []
            for body in small:
                start, cpu = time.perf_counter(), time.process_time()
                response = client.post("/orders/cxml", data=body, content_type="text/xml")
                small_times.append(time.perf_counter() - start)
                small_cpu.append(time.process_time() - cpu)
                assert b'code="200"' in response.data, response.data[:500]
        size = len(big[0])
        return {
            "document_bytes": size,
            "bare_parse_ms": _best(parse),
            "stored_and_answered_ms": _best(answer),
            "ratio": min(answer) / min(parse),
            "ratio_of_medians": statistics.median(answer) / statistics.median(parse),
            "processed_after_answer_ms": _best(process),
            "answer_peak_memory_bytes": min(peaks),
            "memory_per_document_byte": min(peaks) / size,
            "po20_median_ms": statistics.median(small_times) * 1000,
            "po20_best_ms": _best(small_times),
            # CPU time of this process only: what the machine's load and the disk's syncs
            # add on top of it is the difference to the wall-clock figures.
            "po20_cpu_median_ms": statistics.median(small_cpu) * 1000,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    figures = run(args.rounds, args.database_url)
    print(f"5,000-line OrderRequest: {figures['document_bytes']:,} bytes")
    print(f"  bare lxml parse           {figures['bare_parse_ms']:8.1f} ms (best)")
    print(f"  stored and answered (201) {figures['stored_and_answered_ms']:8.1f} ms (best), "
          f"{figures['ratio']:.2f}× the parse (target ≤ 3×; "
          f"{figures['ratio_of_medians']:.2f}× comparing medians)")
    print(f"  processed after answering {figures['processed_after_answer_ms']:8.1f} ms")
    print(f"  peak memory while answering {figures['answer_peak_memory_bytes'] / 1e6:.1f} MB "
          f"({figures['memory_per_document_byte']:.1f}× the document)")
    print(f"20-line OrderRequest answered: median {figures['po20_median_ms']:.1f} ms, best "
          f"{figures['po20_best_ms']:.1f} ms (target < 50 ms); CPU "
          f"{figures['po20_cpu_median_ms']:.1f} ms")
    print(f"(load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()

"""How fast the cXML layer reads and builds large documents.

    .venv/bin/python bench/cxml_read.py [--lines 5000] [--repeat 11]

1. Reading a generated N-line OrderRequest with ``read_cxml`` against a bare lxml parse of the
   same bytes plus one ``iter()`` over the lines, in the same process. Target: at most 1.5×.
2. Building a 1,000-line PunchOutOrderMessage. Target: under 50 ms.

Times are CPU time of this process (``time.process_time``), the median of several runs, with
the bare parse and ``read_cxml`` taking turns so that other programs on a busy machine disturb
both alike. The lines differ from
each other (parts, prices, quantities, descriptions) like in a real order. This is a
benchmark, not a test: it prints figures and exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shop.cxml import (  # noqa: E402
    Accounting,
    AccountingSegment,
    Classification,
    Distribution,
    ItemDetail,
    ItemID,
    ItemIn,
    ItemOut,
    Money,
    OrderRequest,
    PunchOutOrderMessage,
    build_order_message,
    build_order_request,
    read_cxml,
)
from tests import cxml_data as data  # noqa: E402

READ_TARGET = 1.5
BUILD_TARGET_MS = 50.0


def detail(n: int) -> ItemDetail:
    """A catalog line as a typical ERP sends it; every line a different product and price."""
    return ItemDetail(
        unit_price=Money(Decimal(f"{n % 997 + 1}.{n % 100:02d}"), "EUR"),
        description=f"Ergonomic office chair model {n}, black leather, adjustable",
        unit_of_measure=("EA", "BX", "PK")[n % 3],
        classifications=(Classification("UNSPSC", str(56101500 + n % 40)),),
        short_name=f"Chair {n}", manufacturer_part_id=f"MP-{n:06d}",
        manufacturer_name=("Acme", "Globex", "Initech")[n % 3], lead_time=n % 20,
    )


def order_request(lines: int) -> OrderRequest:
    items = tuple(
        ItemOut(
            Decimal(n % 50 + 1), ItemID(f"SKU-{n:06d}", f"cart-line-{n}"), detail(n), n,
            requested_delivery_date=data.WHEN.date(),
            distributions=(Distribution(
                Accounting("Cost", (AccountingSegment(str(600 + n % 7), "Cost Center", "IT"),)),
                Money(Decimal(f"{n % 997 + 1}.00"), "EUR"),
            ),),
        )
        for n in range(1, lines + 1)
    )
    return OrderRequest(data.order_request(1).header, items)


def order_message(lines: int) -> PunchOutOrderMessage:
    items = tuple(
        ItemIn(Decimal(n % 50 + 1), ItemID(f"SKU-{n:06d}", f"cart-line-{n}"), detail(n), n)
        for n in range(1, lines + 1)
    )
    return PunchOutOrderMessage("cookie", Money(Decimal("1000.00"), "EUR"), items)


def run_once(action: Callable[[], object]) -> float:
    """CPU seconds of one run (garbage collector on, as in production)."""
    gc.collect()
    start = time.process_time()
    action()
    return time.process_time() - start


def medians(repeat: int, *actions: Callable[[], object]) -> list[float]:
    """The median time of each action over ``repeat`` rounds; each round runs every action."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, spent in zip(actions, times, strict=True):
            spent.append(run_once(action))
    return [statistics.median(spent) for spent in times]


def bare_parse(body: bytes) -> int:
    root = etree.fromstring(body)
    return sum(1 for _ in root.iter("ItemOut"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()

    body = build_order_request(order_request(args.lines), header=data.header(), host=data.HOST)
    assert bare_parse(body) == args.lines
    assert len(read_cxml(body).payload.items) == args.lines  # type: ignore[union-attr]
    bare, ours = medians(args.repeat, lambda: bare_parse(body), lambda: read_cxml(body))
    ratio = ours / bare
    print(f"OrderRequest, {args.lines} lines, {len(body) / 1e6:.1f} MB")
    print(f"  bare lxml parse + iter(): {bare * 1000:8.1f} ms")
    print(f"  read_cxml():              {ours * 1000:8.1f} ms")
    print(f"  ratio:                    {ratio:8.2f}x  (target <= {READ_TARGET}x)")

    message = order_message(1000)
    [build] = medians(args.repeat, lambda: build_order_message(message, header=data.header(),
                                                               host=data.HOST))
    print("PunchOutOrderMessage, 1000 lines")
    print(f"  build_order_message():    {build * 1000:8.1f} ms  (target < {BUILD_TARGET_MS} ms)")
    return 0 if ratio <= READ_TARGET and build * 1000 < BUILD_TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())

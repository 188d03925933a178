"""How fast the cXML layer reads and builds large documents.

    .venv/bin/python bench/cxml_read.py [--lines 5000] [--repeat 11]

1. Reading a generated N-line OrderRequest with ``read_cxml`` against a bare lxml parse of the
   same bytes plus one ``iter()`` over the lines, in the same process. Target: at most 1.5×.
2. Two reference points that bound any reader written in Python from below, as ratios to the
   same bare parse: (a) the parse plus one look at every element's tag, text and
   attributes, building nothing; (b) building the same result objects from ready-made
   strings, with no XML at all. A reader must do at least (a), and (b) on top of the parse;
   docs/cxml.md explains what they show about the 1.5× target.
3. Building a 1,000-line PunchOutOrderMessage. Target: under 50 ms.

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
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

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
    """CPU seconds of one run (garbage collector on, as in production).

    An untimed run goes first, so that every timed run starts from the memory its own kind
    of work leaves behind: how much the previous action freed, and whether the allocator
    gave it back to the system, would otherwise move each figure by up to half.
    """
    action()
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


def touch_every_value(body: bytes) -> int:
    """Reference (a): the parse, then one look at every element's tag, text and attributes
    in a single flat walk, the cheapest way to see every value; nothing is built."""
    root = etree.fromstring(body)
    seen = None
    for element in root.iter():
        seen = (element.tag, element.text, element.items())
    return len(seen or ())


def raw_values(order: OrderRequest) -> list[tuple[Any, ...]]:
    """Each line's values as the strings the XML holds, for reference (b); its
    Classifications and Accounting as the objects, since ``read_cxml`` shares those between
    the lines that repeat them, so only what differs from line to line is built."""
    values = []
    for item in order.items:
        detail, [distribution] = item.detail, item.distributions
        assert detail is not None and distribution.charge is not None
        values.append((
            str(item.quantity), item.item_id.supplier_part_id, item.item_id.aux_id or "",
            str(item.line_number), str(detail.unit_price.amount), detail.unit_price.currency,
            detail.description, detail.unit_of_measure, detail.short_name or "",
            detail.manufacturer_part_id or "", detail.manufacturer_name or "",
            str(detail.lead_time), str(item.requested_delivery_date),
            str(distribution.charge.amount), distribution.charge.currency,
            detail.classifications, distribution.accounting,
        ))
    return values


def construct_only(values: list[tuple[Any, ...]]) -> list[ItemOut]:
    """Reference (b): the result objects built from ready strings, with no XML at all."""
    return [
        ItemOut(
            Decimal(quantity), ItemID(part, aux),
            ItemDetail(Money(Decimal(price), currency), description, unit, classifications,
                       short_name, "en", maker_part, maker, None, int(lead_time)),
            int(line), date.fromisoformat(delivery),
            distributions=(Distribution(accounting, Money(Decimal(charge), charge_currency)),),
        )
        for (quantity, part, aux, line, price, currency, description, unit, short_name,
             maker_part, maker, lead_time, delivery, charge, charge_currency, classifications,
             accounting) in values
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()

    body = build_order_request(order_request(args.lines), header=data.header(), host=data.HOST)
    assert bare_parse(body) == args.lines
    assert len(read_cxml(body).payload.items) == args.lines  # type: ignore[union-attr]
    bare, ours, touched = medians(args.repeat, lambda: bare_parse(body),
                                  lambda: read_cxml(body), lambda: touch_every_value(body))
    ratio = ours / bare
    print(f"OrderRequest, {args.lines} lines, {len(body) / 1e6:.1f} MB")
    print(f"  bare lxml parse + iter(): {bare * 1000:8.1f} ms")
    print(f"  read_cxml():              {ours * 1000:8.1f} ms")
    print(f"  ratio:                    {ratio:8.2f}x  (target <= {READ_TARGET}x)")

    order = read_cxml(body).payload
    assert isinstance(order, OrderRequest)
    values = raw_values(order)
    assert construct_only(values) == list(order.items)
    # Measured after the rounds above, so that the values it needs stay alive only here.
    bare_again, built = medians(args.repeat, lambda: bare_parse(body),
                                lambda: construct_only(values))
    print("  reference points, as ratios to the bare parse:")
    print(f"  (a) parse, look at every value: {touched / bare:8.2f}x  (builds nothing)")
    print(f"  (b) build the objects, no XML:  {built / bare_again:8.2f}x  (on top of any parse)")

    message = order_message(1000)
    [build] = medians(args.repeat, lambda: build_order_message(message, header=data.header(),
                                                               host=data.HOST))
    print("PunchOutOrderMessage, 1000 lines")
    print(f"  build_order_message():    {build * 1000:8.1f} ms  (target < {BUILD_TARGET_MS} ms)")
    return 0 if ratio <= READ_TARGET and build * 1000 < BUILD_TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Checking the books after the soak: what the clients were told against what the database
holds, and the summary table.

*Lost*: a purchase order the buyer was answered 200 for that is not an order in the
database, or a shopper's confirmed checkout whose order is missing. *Duplicated*: more than
one order for one PO number (whatever the number of deliveries, resends and retries).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bench.soak_ledger import Ledger, cxml_code
from bench.soak_receiver import Received
from bench.soak_shop import Books


@dataclass
class Verdict:
    rows: list[tuple[str, str]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0

    def fail(self, text: str) -> None:
        self.failures.append(text)


def purchase_orders(ledger: Ledger, books: Books, verdict: Verdict) -> None:
    documents = list(ledger.documents.values())
    sent = {doc.order_id for doc in documents}
    accepted = {doc.order_id for doc in documents if doc.accepted}
    stored = {po for po in sent if books.orders_by_po.get(po, 0)}
    lost = sorted(accepted - stored)
    doubled = {po: books.orders_by_po[po] for po in sent if books.orders_by_po.get(po, 0) > 1}
    verdict.lost += len(lost)
    verdict.duplicated += sum(count - 1 for count in doubled.values())
    for po in lost[:20]:
        verdict.fail(f"lost: PO {po} was answered 200 but is not an order")
    for po, count in list(doubled.items())[:20]:
        verdict.fail(f"duplicated: PO {po} is {count} orders")
    for po in sorted(stored - accepted)[:20]:
        verdict.fail(f"PO {po} is an order, but the buyer never got a 200 for it")
    missing_raw = [doc for doc in documents if doc.accepted and
                   books.inbound.get(doc.payload_id, ("",))[0] != doc.sha256]
    for doc in missing_raw[:20]:
        verdict.fail(f"document {doc.payload_id} was answered 200 but its raw bytes are "
                     "not stored")
    for doc in documents:
        if len({answer for answer in doc.answers if cxml_code(answer) == 200}) > 1:
            verdict.fail(f"document {doc.payload_id} got different 200 answers")
    unfinished = [payload for payload, (_sha, status, _code) in books.inbound.items()
                  if payload in ledger.documents and status not in ("processed", "rejected")]
    for payload in unfinished[:20]:
        verdict.fail(f"document {payload} is stored but was never processed")
    kinds = Counter(doc.kind for doc in documents)
    deliveries = sum(1 for call in ledger.calls if call.actor == "buyer")
    verdict.rows += [
        ("POs sent", f"{len(sent):,} orders in {len(documents):,} documents, "
                     f"{deliveries:,} deliveries (retries included)"),
        ("POs stored", f"{len(stored):,} orders; {len(documents) - len(missing_raw):,} raw "
                       f"documents with matching sha256"),
    ]
    resent_new = sum(1 for doc in documents if doc.kind == "new payloadID" and doc.accepted)
    if books.duplicate_versions != resent_new:
        verdict.fail(f"{resent_new} orders resent with a new payloadID, but "
                     f"{books.duplicate_versions} versions recorded as duplicates")
    exact = sum(doc.exact_resends for doc in documents)
    pairs = ledger.counts.get("concurrent pairs", 0)
    verdict.rows.append(("duplicates caught", f"{exact + pairs + books.duplicate_versions:,}: "
                         f"{exact:,} exact resends (same payloadID, answer replayed), "
                         f"{pairs:,} concurrent pairs (one order each), "
                         f"{books.duplicate_versions:,} resent with a new payloadID "
                         f"(recorded as duplicates; {kinds['new payloadID']:,} sent)"))


def checkouts(ledger: Ledger, books: Books, verdict: Verdict) -> None:
    confirmed = uncertain = 0
    for record in ledger.checkouts.values():
        count = books.orders_by_po.get(record.po_number, 0)
        if record.number:
            confirmed += 1
            if books.checkout_numbers.get(record.number) != record.po_number:
                verdict.lost += 1
                verdict.fail(f"lost: checkout {record.po_number} confirmed as "
                             f"{record.number}, which is not in the database")
        elif record.uncertain:
            uncertain += 1
        if count > 1:
            verdict.duplicated += count - 1
            verdict.fail(f"duplicated: checkout {record.po_number} is {count} orders")
    verdict.rows.append(("checkout orders", f"{confirmed:,} confirmed to shoppers, "
                         f"{uncertain:,} answered 5xx or not at all (0 or 1 order each)"))


def server_errors(ledger: Ledger, verdict: Verdict) -> None:
    errors = [call for call in ledger.calls if call.status is not None and call.status >= 500]
    dropped = [call for call in ledger.calls if call.status is None]
    explained = [call for call in errors + dropped
                 if call.fault_target or ledger.during_fault(call)]
    outside = len(errors) + len(dropped) - len(explained)
    if outside:
        verdict.fail(f"{outside} 5xx answers or dropped connections outside injected faults")
    by_actor = Counter(call.actor for call in ledger.calls)
    verdict.rows[:0] = [("requests", f"{len(ledger.calls):,} ("
                         + ", ".join(f"{actor} {n:,}" for actor, n in by_actor.items())
                         + ")")]
    verdict.rows.append(("5xx", f"{len(errors):,} (+ {len(dropped):,} connections dropped "
                         f"by a killed worker); outside injected faults: {outside}"))


def outbox(received: Received, books: Books, verdict: Verdict) -> None:
    expected: dict[str, list[str]] = {}
    for po, payload, _status, _kind in books.outbox:
        expected.setdefault(po, []).append(payload)
    undelivered = [payload for _po, payload, status, _kind in books.outbox
                   if status != "sent" or payload not in received.kinds]
    disordered = [po for po, payloads in expected.items()
                  if received.by_order.get(po, []) != payloads]
    for payload in undelivered[:20]:
        verdict.fail(f"outbox document {payload} was not delivered")
    for po in disordered[:20]:
        verdict.fail(f"PO {po}: documents arrived as {received.by_order.get(po)}, written "
                     f"as {expected[po]}")
    kinds = Counter(kind for _po, _payload, _status, kind in books.outbox)
    verdict.rows.append((
        "outbox documents", f"{len(books.outbox) - len(undelivered):,} of {len(books.outbox):,} "
        f"delivered ({', '.join(f'{n} {kind}' for kind, n in sorted(kinds.items()))}); "
        f"{len(expected) - len(disordered):,} of {len(expected):,} orders in order; "
        f"{received.refused:,} attempts refused by the failing receiver, "
        f"{received.repeated:,} sent again after a success"))


def table(verdict: Verdict) -> list[str]:
    lines = ["| measure | result |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in verdict.rows]
    lines += [f"| lost | {verdict.lost} |", f"| duplicated | {verdict.duplicated} |",
              f"| books | {'BALANCE' if not verdict.failures else 'DO NOT BALANCE'} |"]
    return lines

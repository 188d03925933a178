"""What the soak's clients saw, kept for the books: every HTTP exchange, every purchase-order
document with the answers it got, every checkout, and the faults with their time windows.

Clients only write here (under one lock); the books read it once traffic has stopped.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from dataclasses import dataclass, field

_STATUS = re.compile(rb'<Status code="(\d+)"')
# A request still in flight this long after a database outage ended may have failed because
# of it (a pooled connection found dead, a lock wait that began during the outage).
FAULT_GRACE_SECONDS = 2.0


def cxml_code(answer: bytes) -> int | None:
    """The cXML Status code of an answer (the client side judges it as a buyer does)."""
    found = _STATUS.search(answer[:4000])
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class Call:
    """One HTTP exchange; ``status`` None when the connection dropped or timed out."""

    actor: str
    started: float
    ended: float
    status: int | None
    fault_target: bool = False  # the request was what a fault aimed at (a killed worker's)


@dataclass(frozen=True)
class Fault:
    kind: str  # "sigkill", "database", "receiver"
    started: float
    ended: float
    note: str = ""


@dataclass
class Document:
    """One purchase-order document (one payloadID) and every answer it got."""

    payload_id: str
    order_id: str
    body: bytes
    kind: str  # "new", "concurrent", "new payloadID" (a resent order), "killed"
    answers: list[bytes] = field(default_factory=list)  # bodies of HTTP 200 answers
    exact_resends: int = 0  # deliveries of the same bytes after it was accepted
    gave_up: bool = False
    fault_target: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()

    @property
    def accepted(self) -> bool:
        return any(cxml_code(answer) == 200 for answer in self.answers)


@dataclass
class Checkout:
    """A shopper's order: its PO number, and the order number when the shop confirmed it."""

    po_number: str
    number: str = ""
    uncertain: bool = False  # an attempt ended without an answer: 0 or 1 order is right


class Ledger:
    """Thread-safe record of the soak; ``budget`` caps the number of requests."""

    def __init__(self, budget: int) -> None:
        self.lock = threading.Lock()
        self.budget = budget
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.documents: dict[str, Document] = {}
        self.checkouts: dict[str, Checkout] = {}
        self.problems: list[str] = []  # unexpected answers, described
        self.counts: dict[str, int] = {}
        self.started = time.monotonic()

    def call(self, actor: str, started: float, status: int | None,
             fault_target: bool = False) -> None:
        with self.lock:
            self.calls.append(Call(actor, started, time.monotonic(), status, fault_target))

    def exhausted(self) -> bool:
        return len(self.calls) >= self.budget

    def problem(self, text: str) -> None:
        with self.lock:
            if len(self.problems) < 10_000:
                self.problems.append(f"{time.monotonic() - self.started:7.1f}s {text}")

    def count(self, name: str, by: int = 1) -> None:
        with self.lock:
            self.counts[name] = self.counts.get(name, 0) + by

    def fault(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def document(self, document: Document) -> Document:
        with self.lock:
            return self.documents.setdefault(document.payload_id, document)

    def answered(self, payload_id: str, answer: bytes) -> None:
        with self.lock:
            self.documents[payload_id].answers.append(answer)

    def accepted_documents(self) -> list[Document]:
        with self.lock:
            return [doc for doc in self.documents.values() if doc.accepted]

    def checkout(self, po_number: str) -> Checkout:
        with self.lock:
            return self.checkouts.setdefault(po_number, Checkout(po_number))

    def during_fault(self, call: Call) -> bool:
        """Whether a database outage was on while this request was in flight."""
        return any(fault.kind == "database" and call.started <= fault.ended +
                   FAULT_GRACE_SECONDS and call.ended >= fault.started
                   for fault in self.faults)

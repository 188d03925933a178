"""The soak's clients: shoppers, PunchOut visitors and a buyer's procurement system.

Each client is a loop that runs until ``stop`` is set (or the request budget is spent) and
writes what it saw in the ledger. They behave like the real thing: shoppers log in through
the form and check out with a PO number of their own; PunchOut visitors go setup → start →
add → transfer; the buyer sends OrderRequests and, like Ariba or Coupa, retries a delivery
that got no answer or a 5xx, with backoff, until it gets a cXML answer.
"""

from __future__ import annotations

import random
import re
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from bench import documents, prepare
from bench.soak_ledger import Document, Ledger, cxml_code

XML = {"Content-Type": "text/xml; charset=utf-8"}
USER_AGENT = "shop-soak/1"
TIMEOUT = 60
_SELECT_FIRST = r'name="{}"[^>]*>\s*<option[^>]*value="(\d+)"'
_FINGERPRINT = re.compile(r'name="fingerprint" type="hidden" value="([^"]*)"')
_CONFIRMATION = re.compile(r"/checkout/confirmation/([A-Za-z0-9-]+)$")


@dataclass(frozen=True)
class Shop:
    """Where the clients go and what they can ask for."""

    url: str
    skus: list[str]
    category: str
    category_pages: int


class Client:
    """A browser (one cookie jar) whose requests are written in the ledger."""

    def __init__(self, shop: Shop, ledger: Ledger, actor: str) -> None:
        self.shop, self.ledger, self.actor = shop, ledger, actor
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT

    def send(self, method: str, path: str, expect: int | tuple[int, ...] = 200,
             **kwargs: object) -> requests.Response | None:
        """One request; None (and a problem noted) when the answer is not ``expect``."""
        expected = expect if isinstance(expect, tuple) else (expect,)
        started = time.monotonic()
        try:
            answer = self.http.request(method, self.shop.url + path, timeout=TIMEOUT,
                                       allow_redirects=False, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as error:
            self.ledger.call(self.actor, started, None)
            self.ledger.problem(f"{self.actor} {method} {path}: {type(error).__name__}")
            return None
        self.ledger.call(self.actor, started, answer.status_code)
        if answer.status_code not in expected:
            if answer.status_code < 500:  # 5xx are judged against the fault windows
                self.ledger.problem(f"{self.actor} {method} {path}: HTTP "
                                    f"{answer.status_code} (expected {expect})")
            return None
        return answer

    def close(self) -> None:
        self.http.close()


def _done(stop: threading.Event, ledger: Ledger) -> bool:
    return stop.is_set() or ledger.exhausted()


# ---------- shoppers ----------


def shopper(shop: Shop, ledger: Ledger, stop: threading.Event, email: str,
            password: str) -> None:
    """Log in, then browse, fill the cart and check out, over and over."""
    client = Client(shop, ledger, "shopper")
    try:
        login = client.send("GET", "/login")
        if login is None or client.send("POST", "/login", 302, data={
                "email": email, "password": password,
                "csrf_token": prepare.csrf_token(login.text)}) is None:
            ledger.problem(f"shopper {email} could not log in")
            return
        number = 0
        while not _done(stop, ledger):
            number += 1
            _shopping_round(client, f"SOAK-CO-{email.split('@')[0]}-{number}")
    finally:
        client.close()


def _shopping_round(client: Client, po_number: str) -> None:
    shop = client.shop
    if client.send("GET", "/") is None:
        return
    page_number = random.randint(1, shop.category_pages)
    if client.send("GET", f"/categories/{shop.category}?page={page_number}") is None:
        return
    for sku in random.sample(shop.skus, random.randint(1, 3)):
        page = client.send("GET", f"/products/{sku}")
        if page is None or client.send("POST", "/cart/add", 302, data={
                "sku": sku, "quantity": str(random.randint(1, 4)),
                "csrf_token": prepare.csrf_token(page.text)}) is None:
            return
    _check_out(client, po_number)


def _check_out(client: Client, po_number: str) -> None:
    """Place the order; after an attempt without an answer, look again and retry once."""
    record = client.ledger.checkout(po_number)
    for _attempt in range(2):
        page = client.send("GET", "/checkout", (200, 302) if record.uncertain else 200)
        if page is None or page.status_code == 302:
            return  # the shop failed, or the cart is empty: the first attempt placed it
        form = {"csrf_token": prepare.csrf_token(page.text), "po_number": po_number,
                "comments": "soak"}
        for name in ("ship_to", "bill_to"):
            found = re.search(_SELECT_FIRST.format(name), page.text)
            form[name] = found.group(1) if found else ""
        fingerprint = _FINGERPRINT.search(page.text)
        form["fingerprint"] = fingerprint.group(1) if fingerprint else ""
        placed = client.send("POST", "/checkout", 302, data=form)
        if placed is not None:
            found = _CONFIRMATION.search(urlsplit(placed.headers["Location"]).path)
            if found:
                record.number = found.group(1)
                client.send("GET", f"/checkout/confirmation/{record.number}")
            else:
                client.ledger.problem(f"checkout {po_number}: redirected to "
                                      f"{placed.headers['Location']}")
            return
        record.uncertain = True
        time.sleep(1)


# ---------- PunchOut visitors ----------


def punchout_visitor(shop: Shop, ledger: Ledger, stop: threading.Event) -> None:
    """PunchOut sessions one after the other: setup → start → add → transfer."""
    while not _done(stop, ledger):
        client = Client(shop, ledger, "punchout")
        try:
            if _punchout_session(client):
                ledger.count("punchout transfers")
        finally:
            client.close()


def _punchout_session(client: Client) -> bool:
    body = documents.setup_request(payload_id=f"soak-setup-{secrets.token_hex(8)}@"
                                              f"{documents.HOST}")
    setup = client.send("POST", "/punchout/setup", data=body, headers=XML)
    if setup is None:
        return False
    found = prepare.START_URL.search(setup.text)
    if cxml_code(setup.content) != 200 or not found:
        client.ledger.problem(f"PunchOut setup refused: {setup.text[:200]}")
        return False
    location = urlsplit(found.group(1)).path
    for _hop in range(4):  # StartPage → enter → landing page
        answer = client.send("GET", location, (200, 302, 303))
        if answer is None:
            return False
        if answer.status_code == 200:
            break
        location = answer.headers["Location"]
    else:
        client.ledger.problem("PunchOut start: too many redirects")
        return False
    sku = random.choice(client.shop.skus)
    page = client.send("GET", f"/products/{sku}")
    if page is None:
        return False
    token = prepare.csrf_token(page.text)
    if client.send("POST", "/cart/add", 302, data={"sku": sku, "quantity": "2",
                                                   "csrf_token": token}) is None:
        return False
    transfer = client.send("POST", "/punchout/transfer", data={"csrf_token": token})
    if transfer is None:
        return False
    if "cxml-urlencoded" not in transfer.text or sku not in transfer.text:
        client.ledger.problem(f"PunchOut transfer page lacks the cart ({sku})")
        return False
    return True


# ---------- the buyer's procurement system ----------


class Buyer:
    """Sends purchase orders and retries them as a procurement system does."""

    def __init__(self, shop: Shop, ledger: Ledger, retry_for: float) -> None:
        self.shop, self.ledger, self.retry_for = shop, ledger, retry_for
        self._numbers = iter(range(1, 10**9))
        self._lock = threading.Lock()

    def new_document(self, kind: str, lines: int | None = None,
                     order_id: str | None = None) -> Document:
        with self._lock:
            number = next(self._numbers)
        payload_id = f"soak-{number}-{secrets.token_hex(4)}@{documents.HOST}"
        order_id = order_id or f"SOAK-PO-{number}"
        skus = random.sample(self.shop.skus, min(len(self.shop.skus), 20))
        body = documents.order_request(skus, lines or random.randint(1, 20), payload_id,
                                       order_id)
        return self.ledger.document(Document(payload_id, order_id, body, kind))

    def deliver(self, http: requests.Session, document: Document,
                fault_target: bool = False) -> bytes | None:
        """POST until a cXML answer comes back (retrying drops and 5xx); its body."""
        pause, deadline = 0.5, time.monotonic() + self.retry_for
        while True:
            started = time.monotonic()
            try:
                answer = http.post(self.shop.url + "/orders/cxml", data=document.body,
                                   headers=XML, timeout=TIMEOUT)
                status, body = answer.status_code, answer.content
            except requests.RequestException:
                status, body = None, b""
            self.ledger.call("buyer", started, status, fault_target or document.fault_target)
            if status == 200:
                self.ledger.answered(document.payload_id, body)
                if cxml_code(body) != 200:
                    self.ledger.problem(f"PO {document.payload_id} answered "
                                        f"{cxml_code(body)}: {body[:300]!r}")
                return body
            if status is not None and status < 500:
                self.ledger.problem(f"PO {document.payload_id}: HTTP {status}")
                return None
            if time.monotonic() > deadline:
                document.gave_up = True
                self.ledger.problem(f"PO {document.payload_id}: no answer after "
                                    f"{self.retry_for:.0f} s of retries")
                return None
            time.sleep(pause)
            pause = min(pause * 2, 5.0)

    def run(self, stop: threading.Event) -> None:
        """Mostly new orders; some resent as they were, some with a new payloadID."""
        with requests.Session() as http:
            http.headers["User-Agent"] = USER_AGENT
            while not _done(stop, self.ledger):
                roll = random.random()
                accepted = self.ledger.accepted_documents()
                if roll < 0.15 and accepted:
                    self._resend_exactly(http, random.choice(accepted))
                elif roll < 0.22 and accepted:
                    earlier = random.choice(accepted)
                    self.deliver(http, self.new_document("new payloadID",
                                                         order_id=earlier.order_id))
                else:
                    self.deliver(http, self.new_document("new"))

    def _resend_exactly(self, http: requests.Session, document: Document) -> None:
        first = next(answer for answer in document.answers if cxml_code(answer) == 200)
        with self.ledger.lock:
            document.exact_resends += 1
        again = self.deliver(http, document)
        if again is not None and again != first:
            self.ledger.problem(f"PO {document.payload_id} resent: the answer differs "
                                "from the first one")

    def concurrent_pairs(self, stop: threading.Event, pause: float) -> None:
        """Now and then, one new document sent at the same moment from two threads."""
        while not stop.wait(pause) and not self.ledger.exhausted():
            document = self.new_document("concurrent")
            barrier = threading.Barrier(2)
            answers: list[bytes | None] = [None, None]

            def send(slot: int, document: Document = document,
                     barrier: threading.Barrier = barrier,
                     answers: list[bytes | None] = answers) -> None:
                with requests.Session() as http:
                    http.headers["User-Agent"] = USER_AGENT
                    barrier.wait()
                    answers[slot] = self.deliver(http, document)

            pair = [threading.Thread(target=send, args=(slot,)) for slot in (0, 1)]
            for thread in pair:
                thread.start()
            for thread in pair:
                thread.join()
            if None in answers or answers[0] != answers[1]:
                self.ledger.problem(f"concurrent pair {document.payload_id}: the two "
                                    "answers differ")
            else:
                self.ledger.count("concurrent pairs")

"""The scenarios: what each one sends, what answer counts as right, and its target.

Throughput scenarios are driven by wrk and compared with the bare route; single-shot ones
(work that ends a session, or a whole 5,000-line document) are timed one request at a time.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import requests
from lxml import etree
from sqlalchemy import Engine, create_engine, text

from bench import documents, prepare
from bench.load import Request

FORM = "application/x-www-form-urlencoded"
XML = "text/xml; charset=utf-8"
TRANSFER_LINES = 100


@dataclass(frozen=True)
class Scenario:
    """A wrk scenario against the shop; ``target`` is the least ratio to the bare route."""

    name: str
    request: Request
    target: float | None = None
    needs: str = ""  # an endpoint that may be missing from this build ("" = always there)


def throughput_scenarios(catalog: prepare.Catalog, shopper: prepare.BrowserSession,
                         common_word: str) -> list[Scenario]:
    """Every wrk scenario, in the order they run."""
    big = f"/categories/{catalog.big_category}"
    last_page = -(-catalog.big_category_products // 24)
    setup_body = documents.split_template(documents.setup_request())
    order_body = documents.split_template(documents.order_request(catalog.order_skus, 20))
    cart_bodies = [
        urlencode({"csrf_token": shopper.csrf_token, "sku": sku, "quantity": "1"})
        for sku in catalog.cart_skus
    ]
    return [
        Scenario("home", Request("/"), 0.5),
        Scenario("category page 1", Request(big), 0.5),
        Scenario(f"category page {min(200, last_page)}",
                 Request(f"{big}?page={min(200, last_page)}"), 0.4),
        Scenario("product page", Request(f"/products/{quote(catalog.product_sku)}"), 0.6),
        Scenario(f"search '{common_word}'", Request(f"/search?q={quote(common_word)}"), 0.4),
        Scenario("search SKU", Request(f"/search?q={quote(catalog.product_sku)}"), 0.4),
        Scenario("add to cart (logged in)", Request(
            "/cart/add", "POST",
            {"Cookie": shopper.cookie, "Content-Type": FORM,
             "User-Agent": prepare.USER_AGENT},
            form_bodies=cart_bodies, expect_status=302, refuse_location="/login")),
        Scenario("PunchOutSetupRequest", Request(
            "/punchout/setup", "POST", {"Content-Type": XML}, template=setup_body,
            expect_text='<Status code="200"'), 0.5),
        Scenario("OrderRequest, 20 lines", Request(
            "/orders/cxml", "POST", {"Content-Type": XML}, template=order_body,
            expect_text='<Status code="200"'), 0.3, needs="/orders/cxml"),
    ]


def fill(template: list[str], identifier: str) -> bytes:
    """A template's document with ``identifier`` as payloadID and order number."""
    parts = [piece if index % 2 == 0 else
             (f"{identifier}@buyer.bench.example" if piece == "payload" else f"PO-{identifier}")
             for index, piece in enumerate(template)]
    return "".join(parts).encode("utf-8")


def preflight(base_url: str, request: Request) -> str:
    """Send one request as the scenario will; "" when the answer is right, else why not."""
    body: bytes | str | None = None
    if request.template is not None:
        body = fill(request.template, f"preflight-{time.time_ns()}")
    elif request.form_bodies:
        body = request.form_bodies[0]
    answer = requests.request(request.method, base_url + request.path, data=body,
                              headers=request.headers, allow_redirects=False, timeout=120)
    if answer.status_code != request.expect_status:
        return f"HTTP {answer.status_code} (expected {request.expect_status})"
    if request.expect_text and request.expect_text not in answer.text:
        return f"answer lacks {request.expect_text!r}: {answer.text[:300]}"
    location = answer.headers.get("Location", "")
    if request.refuse_location and request.refuse_location in location:
        return f"redirected to {location}"
    return ""


def endpoint_exists(base_url: str, path: str) -> bool:
    """Whether this build takes POSTs at ``path`` (404/405: the feature is not merged yet)."""
    return requests.post(base_url + path, data=b"", timeout=30).status_code not in (404, 405)


@dataclass(frozen=True)
class Timing:
    """Single-shot timings in milliseconds."""

    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]

    @property
    def per_second(self) -> float:
        return 1000 / statistics.fmean(self.samples)


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def transfer_timings(base_url: str, catalog: prepare.Catalog, rounds: int) -> Timing:
    """Transfer a 100-line cart ``rounds`` times, each from its own fresh PunchOut session.

    A transfer ends its session, so every measured request needs a session of its own; they
    are all prepared first (four at a time), then transferred one after the other.
    """
    lines = catalog.order_skus[:TRANSFER_LINES]
    with ThreadPoolExecutor(4) as pool:
        sessions = list(pool.map(lambda n: prepare.punchout_session(base_url, lines, n),
                                 range(rounds)))
    samples = []
    with requests.Session() as client:
        client.headers["User-Agent"] = prepare.USER_AGENT  # the session's own browser
        for browser in sessions:
            def transfer(browser: prepare.BrowserSession = browser) -> None:
                answer = client.post(base_url + "/punchout/transfer", timeout=60,
                                     data={"csrf_token": browser.csrf_token},
                                     headers={"Cookie": browser.cookie}, allow_redirects=False)
                if answer.status_code != 200 or "cxml-urlencoded" not in answer.text:
                    raise RuntimeError(f"transfer failed: HTTP {answer.status_code}")
                if answer.text.count("ItemIn ") != len(lines):
                    raise RuntimeError("the transfer page does not carry every cart line")
            samples.append(timed(transfer))
    return Timing(samples)


def large_order_timings(base_url: str, database_url: str, catalog: prepare.Catalog,
                        lines: int, rounds: int) -> tuple[Timing, Timing, Timing, int]:
    """A ``lines``-line OrderRequest posted end to end, and a bare lxml parse of the same
    bytes in this process, interleaved so both see the same machine load.

    The shop answers a large order at once (201) and processes it afterwards; each round waits
    for that processing to finish (polling the inbound document), so that no round is slowed
    by the previous one, and reports how long answer + processing took too.
    """
    template = documents.split_template(documents.order_request(catalog.order_skus, lines))
    parse, answer, processed = [], [], []
    size = 0
    engine = create_engine(database_url)
    try:
        with requests.Session() as client:
            for number in range(rounds):
                identifier = f"big-{number}-{time.time_ns()}"
                body = fill(template, identifier)
                size = len(body)
                parse.append(timed(lambda body=body: sum(
                    1 for _ in etree.fromstring(body).iter("ItemOut"))))
                started = time.perf_counter()
                reply = client.post(base_url + "/orders/cxml", data=body, timeout=300,
                                    headers={"Content-Type": XML})
                answer.append((time.perf_counter() - started) * 1000)
                if reply.status_code not in (200, 201) or 'code="20' not in reply.text:
                    raise RuntimeError(f"large OrderRequest refused: {reply.text[:300]}")
                _wait_processed(engine, f"PO-{identifier}")
                processed.append((time.perf_counter() - started) * 1000)
    finally:
        engine.dispose()
    return Timing(parse), Timing(answer), Timing(processed), size


def _wait_processed(engine: Engine, order_id: str, timeout: float = 300) -> None:
    query = text("SELECT processed_at FROM inbound_documents WHERE order_id = :order_id")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            if connection.execute(query, {"order_id": order_id}).scalar() is not None:
                return
        time.sleep(0.05)
    raise RuntimeError(f"order {order_id} was not processed within {timeout:.0f} s")

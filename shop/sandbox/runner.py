"""The headless journey: a procurement system and its user, played over HTTP only.

``run_journey`` connects (or is given credentials), punches out with the profile's setup
request or OCI entry, follows the StartPage, adds products through the shop's own pages,
transfers the cart, checks what came back with the sandbox's own lint and the DTDs, and
approves it: a cXML OrderRequest to the supplier's order URL. Every step lands in a
``Report``. Works against any shop URL; only ``connect`` (given by the caller) touches a
database.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from shop import cxml
from shop.sandbox import documents, http, shopping
from shop.sandbox.connect import RECEIVE_PATH, Credentials, origin_of
from shop.sandbox.documents import BuyerIdentity, RequisitionLine
from shop.sandbox.lint import ERROR, Finding, LintResult, lint_order_message
from shop.sandbox.profiles import Profile
from shop.sandbox.report import Report, StepFailed

HOST = "sandbox.northwind.invalid"  # the host part of the sandbox's payloadIDs


@dataclass(frozen=True)
class Target:
    """Where the supplier is: its shop, setup, OCI and order URLs, and our return URL."""

    shop_url: str
    setup_url: str
    oci_url: str
    order_url: str
    return_url: str
    dtd_dir: Path | None = None

    @classmethod
    def for_shop(cls, shop_url: str, *, dtd_dir: Path | None = None, setup_url: str = "",
                 oci_url: str = "", order_url: str = "", return_url: str = "") -> Target:
        """This shop's URLs under ``shop_url``; any of them can be given instead."""
        base = shop_url.rstrip("/")
        return cls(
            shop_url=base, setup_url=setup_url or base + "/punchout/setup",
            oci_url=oci_url or base + "/punchout/oci",
            order_url=order_url or base + "/orders/cxml",
            return_url=return_url or f"{origin_of(base)}{RECEIVE_PATH}run-{secrets.token_hex(6)}",
            dtd_dir=dtd_dir,
        )


@dataclass
class Journey:
    """The state of one run."""

    profile: Profile
    target: Target
    report: Report
    lines_wanted: int
    identity: BuyerIdentity | None = None
    credentials: Credentials | None = None
    browser: object = None
    order_url: str = ""
    requisition: list[RequisitionLine] = field(default_factory=list)


def run_journey(
    profile: Profile,
    target: Target,
    connect: Callable[[], Credentials],
    *,
    operation: str = "create",
    lines: int = 2,
    item: str | None = None,
) -> Report:
    """Play the whole journey and return its report (never raises for a broken shop)."""
    if operation not in profile.operations:
        raise ValueError(f"profile {profile.key} does not use operation {operation!r} "
                         f"(it uses {', '.join(profile.operations)})")
    journey = Journey(profile, target, Report(profile.key, target.shop_url), max(lines, 1),
                      order_url=target.order_url)
    try:
        _connect(journey, connect)
        if profile.is_oci:
            from shop.sandbox.runner_oci import oci_journey

            oci_journey(journey)
        else:
            _cxml_journey(journey, operation, item)
        _order(journey)
    except StepFailed:
        pass  # recorded in the report; later steps depend on the failed one
    return journey.report


def _connect(journey: Journey, connect: Callable[[], Credentials]) -> None:
    with journey.report.step("connection") as done:
        credentials = connect()
        journey.credentials = credentials
        journey.identity = BuyerIdentity.of(journey.profile, credentials.shared_secret)
        how = "created" if credentials.created else "using"
        which = f" (id {credentials.connection_id})" if credentials.connection_id else ""
        done(f"{how} buyer connection {credentials.connection_name!r}{which}")


# ---------- cXML ----------


def _cxml_journey(journey: Journey, operation: str, item: str | None) -> None:
    if journey.profile.sends_profile_request:
        _profile_request(journey)
    message = _punchout(journey, "", "create", (), item)
    journey.requisition = documents.lines_from_message(message)
    if operation == "edit":
        edited = _punchout(journey, "edit: ", "edit", journey.requisition, None)
        journey.requisition = documents.lines_from_message(edited)
    elif operation == "inspect":
        _punchout(journey, "inspect: ", "inspect", journey.requisition, None)


def _profile_request(journey: Journey) -> None:
    assert journey.identity is not None
    body = documents.build_profile_request(journey.profile, journey.identity, host=HOST)
    with journey.report.step("profile") as done:
        response = cxml_answer(http.post_xml(journey.target.setup_url, body))
        if not isinstance(response.body, cxml.ProfileResponse):
            raise StepFailed("the answer carries no ProfileResponse")
        transactions = dict(response.body.transactions)
        if "PunchOutSetupRequest" not in transactions:
            raise StepFailed(f"the ProfileResponse lists no PunchOutSetupRequest "
                             f"({', '.join(transactions) or 'nothing'})")
        if transactions.get("OrderRequest"):
            journey.order_url = transactions["OrderRequest"]
        done(f"Status {response.status.code}; transactions: {', '.join(transactions)}")


def _punchout(journey: Journey, prefix: str, operation: str, items: Sequence[RequisitionLine],
              item: str | None) -> cxml.PunchOutOrderMessage:
    """One PunchOut: setup, start, shop (or look), transfer (or return), check the cart."""
    cookie = f"SBX-{secrets.token_urlsafe(12)}"
    start_url = _setup(journey, prefix, operation, cookie, items, item)
    browser = http.new_browser()
    journey.browser = browser
    visit = _start(journey, prefix, browser, start_url, operation, items, item)
    if operation == "inspect":
        visit = _inspect(journey, prefix, browser, visit)
    else:
        visit = _shop(journey, prefix, browser, visit, operation, items)
    return _returned_cart(journey, prefix, visit, cookie, operation, items)


def _setup(journey: Journey, prefix: str, operation: str, cookie: str,
           items: Sequence[RequisitionLine], item: str | None) -> str:
    assert journey.identity is not None
    body = documents.build_setup(
        journey.profile, journey.identity, operation=operation, buyer_cookie=cookie,
        return_url=journey.target.return_url, host=HOST, items=items, selected_item=item,
        supplier_setup_url=journey.target.setup_url,
    )
    with journey.report.step(prefix + "setup") as done:
        answer = http.post_xml(journey.target.setup_url, body)
        response = cxml_answer(answer)
        if not isinstance(response.body, cxml.PunchOutSetupResponse):
            raise StepFailed("Status 200 but no PunchOutSetupResponse with a StartPage")
        start = response.body.start_page_url
        if urlsplit(start).scheme not in ("http", "https") or not urlsplit(start).netloc:
            raise StepFailed(f"the StartPage URL {start[:80]!r} is not absolute")
        note = dtd_note(answer.body, journey.target.dtd_dir)
        done(f"{operation}: Status {response.status.code} {response.status.text}; "
             f"StartPage {_short(start)}; {note}")
    return start


def _start(journey: Journey, prefix: str, browser: object, start_url: str, operation: str,
           items: Sequence[RequisitionLine], item: str | None) -> shopping.Visit:
    with journey.report.step(prefix + "start") as done:
        visit = shopping.browse(browser, "GET", start_url)  # type: ignore[arg-type]
        landed = urlsplit(visit.answer.url).path
        frame_note = _frame_check(journey, visit)
        if item and not landed.endswith(f"/products/{item}"):
            raise StepFailed(f"level-2 PunchOut for {item} landed on {landed}, not its page")
        missing = [line.supplier_part_id for line in items
                   if line.supplier_part_id not in visit.answer.text]
        if operation in ("edit", "inspect") and missing:
            raise StepFailed(f"the {operation} cart does not show {', '.join(missing[:5])}")
        rebuilt = f"; cart shows the {len(items)} line(s) sent" if items else ""
        done(f"landed on {landed}{rebuilt}; {frame_note}")
    return visit


def _frame_check(journey: Journey, visit: shopping.Visit) -> str:
    """For iframe buyers: the page must let the buyer's origin frame it."""
    if journey.profile.presentation != "iframe":
        return f"{journey.profile.presentation} PunchOut"
    policy = visit.answer.headers.get("content-security-policy", "")
    ancestors = next((part.split()[1:] for part in policy.split(";")
                      if part.split()[:1] == ["frame-ancestors"]), None)
    buyer = origin_of(journey.target.return_url)
    same = origin_of(visit.answer.url) == buyer
    if ancestors is None and "x-frame-options" not in visit.answer.headers:
        return "no frame restriction"
    if (ancestors is not None and (buyer in ancestors or "*" in ancestors
                                   or (same and "'self'" in ancestors))):
        return f"frame-ancestors allows {buyer}"
    raise StepFailed(f"the buyer's page ({buyer}) may not frame the shop: "
                     f"frame-ancestors {' '.join(ancestors or ['(X-Frame-Options)'])}")


def _shop(journey: Journey, prefix: str, browser: object, visit: shopping.Visit,
          operation: str, items: Sequence[RequisitionLine]) -> shopping.Visit:
    count = 1 if operation == "edit" else journey.lines_wanted
    skip = {line.supplier_part_id for line in items}
    origin = origin_of(visit.answer.url)
    with journey.report.step(prefix + "add products") as done:
        added, visit = shopping.add_products(browser, visit, count, origin, skip)  # type: ignore[arg-type]
        done("added " + ", ".join(f"{sku} x{qty}" for sku, qty in added))
    with journey.report.step(prefix + "transfer") as done:
        form = shopping.cart_form(visit, "/punchout/transfer")
        visit = shopping.submit(browser, form)  # type: ignore[arg-type]
        done("transfer page received")
    return visit


def _inspect(journey: Journey, prefix: str, browser: object,
             visit: shopping.Visit) -> shopping.Visit:
    with journey.report.step(prefix + "read-only") as done:
        if visit.page.forms_to("/punchout/transfer") or visit.page.forms_to("/cart/add"):
            raise StepFailed("an inspect session offers to change or transfer the cart")
        form = shopping.cart_form(visit, "/punchout/cancel")
        visit = shopping.submit(browser, form)  # type: ignore[arg-type]
        done("no transfer or add-to-cart forms; returned to the buyer")
    return visit


def _returned_cart(journey: Journey, prefix: str, visit: shopping.Visit, cookie: str,
                   operation: str, items: Sequence[RequisitionLine]) -> cxml.PunchOutOrderMessage:
    with journey.report.step(prefix + "return form") as done:
        form = shopping.return_form(visit, journey.target.return_url)
        body, how = decode_cart_field(form.fields, journey.profile.return_field)
        done(f"{how} ({len(body):,} bytes) to the return URL, target {form.target or '_self'}")
    message = _lint_step(journey, prefix, body, cookie, operation, items)
    dtd_step(journey.report, prefix + "dtd", body, journey.target.dtd_dir)
    if message is None:
        raise StepFailed("the cart has errors")
    return message


def _lint_step(journey: Journey, prefix: str, body: bytes, cookie: str, operation: str,
               items: Sequence[RequisitionLine]) -> cxml.PunchOutOrderMessage | None:
    """The sandbox's own lint of the cart; None when a buyer would reject it."""
    try:
        return _lint(journey, prefix, body, cookie, operation, items)
    except StepFailed:
        return None


def _lint(journey: Journey, prefix: str, body: bytes, cookie: str, operation: str,
          items: Sequence[RequisitionLine]) -> cxml.PunchOutOrderMessage:
    with journey.report.step(prefix + "lint") as done:
        result = lint_order_message(
            body, buyer_cookie=cookie, buyer_credentials=journey.profile.from_credentials,
            sent_items={line.supplier_part_id: line.aux_id for line in items if line.aux_id},
        )
        try:
            message = cxml.read_cxml(body).payload_as(cxml.PunchOutOrderMessage)
        except cxml.CXMLError as error:
            message = None
            result = LintResult((*result.findings, _reader_finding(error)), result.lines)
        if operation != "inspect" and result.lines == 0 and not result.errors:
            result = LintResult((*result.findings, _empty_finding()), 0)
        summary = (f"{result.lines} line(s), total {result.total} "
                   f"{'/'.join(result.currencies)}; {len(result.errors)} error(s), "
                   f"{len(result.warnings)} warning(s)")
        detail = "\n".join([summary, *map(str, result.findings)])
        if result.errors or message is None:
            raise StepFailed(detail)
        done(detail)
    return message


def _reader_finding(error: cxml.CXMLError) -> Finding:
    return Finding(ERROR, f"the cXML reader refuses the cart: {error}")


def _empty_finding() -> Finding:
    return Finding(ERROR, "the cart came back empty")


# ---------- shared by both protocols ----------


def cxml_answer(answer: http.Answer) -> cxml.Response:
    """The cXML Response in an answer, or StepFailed saying why it is not a success."""
    try:
        document = cxml.read_cxml(answer.body)
        response = document.payload_as(cxml.Response)
    except cxml.CXMLError as error:
        raise StepFailed(f"HTTP {answer.status}, not a cXML Response: {error}") from None
    status = response.status
    if answer.status != 200 or not status.is_success:
        detail = f": {status.detail[:200]}" if status.detail else ""
        raise StepFailed(f"HTTP {answer.status}, Status {status.code} {status.text}{detail}")
    return response


def decode_cart_field(fields: Sequence[tuple[str, str]], wanted: str) -> tuple[bytes, str]:
    """The cXML cart of a return form, from cxml-urlencoded or cxml-base64."""
    names = {name.lower(): value for name, value in fields}
    if "cxml-base64" in names:
        try:
            body = base64.b64decode(names["cxml-base64"], validate=True)
        except (binascii.Error, ValueError):
            raise StepFailed("cxml-base64 is not valid base64") from None
        field_name = "cxml-base64"
    elif "cxml-urlencoded" in names:
        body, field_name = names["cxml-urlencoded"].encode("utf-8"), "cxml-urlencoded"
    else:
        raise StepFailed("the form has neither cxml-urlencoded nor cxml-base64 "
                         f"(fields: {', '.join(list(names)[:8]) or 'none'})")
    if field_name != wanted:
        raise StepFailed(f"the cart comes as {field_name}; this buyer reads {wanted}")
    return body, field_name


def dtd_note(body: bytes, dtd_dir: Path | None) -> str:
    """"DTD-valid", or StepFailed naming the first errors."""
    if dtd_dir is None or not cxml.has_dtds(dtd_dir):
        return "DTD not checked (no local DTDs)"
    result = cxml.validate_cxml(body, dtd_dir)
    if not result.valid:
        raise StepFailed("not valid against its DTD: " + "; ".join(result.errors[:3]))
    return f"valid against {result.dtd_path.parent.name if result.dtd_path else '?'}/" \
           f"{result.dtd_path.name if result.dtd_path else '?'}"


def dtd_step(report: Report, name: str, body: bytes, dtd_dir: Path | None) -> None:
    """Validate a document as its own step (a missing DTD folder fails it, with the fix)."""
    try:
        with report.step(name) as done:
            if dtd_dir is None:
                done("skipped (--skip-dtd)")
                return
            if not cxml.has_dtds(dtd_dir):
                raise StepFailed(f"the official cXML DTDs are not installed (none in {dtd_dir}):"
                                 " run `make dtds` or set CXML_DTD_DIR, or pass --skip-dtd to "
                                 "run without this check")
            done(dtd_note(body, dtd_dir))
    except StepFailed:
        pass  # the journey goes on: the other checks still tell the supplier something


def _order(journey: Journey) -> None:
    assert journey.identity is not None
    order_id = f"{journey.profile.order_prefix}-{secrets.token_hex(4).upper()}"
    with journey.report.step("order") as done:
        try:
            body = documents.build_order(journey.profile, journey.identity,
                                         journey.requisition, order_id=order_id, host=HOST)
        except ValueError as error:
            raise StepFailed(f"cannot build the OrderRequest: {error}") from None
        answer = http.post_xml(journey.order_url, body)
        response = cxml_answer(answer)
        total = documents.requisition_total(journey.requisition)
        currency = journey.requisition[0].currency
        done(f"OrderRequest {order_id} ({len(journey.requisition)} line(s), {total} {currency})"
             f" to {_short(journey.order_url)}: Status {response.status.code} "
             f"{response.status.text}")


def _short(url: str) -> str:
    return url if len(url) <= 60 else url[:57] + "..."

"""The OCI entry use case: SAP opens the catalog in the user's browser with login fields.

One door for every OCI call: the login is checked first (rate limited; the same answer for an
unknown user and a wrong password), then the parameters are read and the hook URL checked.
Normal shopping, SOURCING and DETAIL open a PunchOut session exactly as a cXML setup request
does, and the browser enters it through the StartPage. VALIDATE and BACKGROUND_SEARCH are
answered at once, without a session and without touching the browser's login: SAP calls them
in the background, possibly while the user shops in another tab. Every call is written to the
message log with its password masked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from shop import oci
from shop.catalog.models import Product
from shop.catalog.pricing import prices_for
from shop.catalog.search import search_products
from shop.errors import NotFound
from shop.extensions import db
from shop.punchout import credentials
from shop.punchout.errors import OCIEntryRefused, PunchOutRefused
from shop.punchout.messages import add_message
from shop.punchout.models import BuyerConnection, Direction, Operation, Protocol
from shop.punchout.oci_settings import OCISettings
from shop.punchout.oci_transfer import (
    OCIPage,
    PageKind,
    ProductLine,
    build_form,
    form_log_text,
    oci_items,
)
from shop.punchout.sessions import SetupData, prepare_session
from shop.ratelimit import AuthKind, get_limiter
from shop.redaction import MASK

log = logging.getLogger(__name__)

LOGIN_REFUSED = "The catalog login was not accepted: check the user name and password of " \
    "this catalog in your SAP system."
LOCKED = "Too many failed catalog logins for this user or from this address: try again in " \
    "{wait}. Until then even the right password is refused."
# Names buyers use for the user's details (compared without regard to case).
_EMAIL_NAMES = ("EMAIL", "USER_EMAIL", "USEREMAIL", "E_MAIL", "MAIL")
_FIRST_NAMES = ("FIRST_NAME", "FIRSTNAME", "GIVEN_NAME")
_LAST_NAMES = ("LAST_NAME", "LASTNAME", "SURNAME", "FAMILY_NAME")


@dataclass(frozen=True)
class OCIStart:
    """A session was opened: the browser continues at the StartPage with this token."""

    token: str
    session_id: int


@dataclass(frozen=True)
class _Call:
    """An authenticated call: its connection, settings and parameters."""

    connection: BuyerConnection
    settings: OCISettings
    entry: oci.OCIEntry


def enter_catalog(pairs: Sequence[tuple[str, str]], remote_addr: str) -> OCIStart | OCIPage:
    """Answer an OCI entry call; OCIEntryRefused (with its HTTP status) when it cannot go on."""
    pairs = list(pairs)
    connection: BuyerConnection | None = None
    try:
        connection = _authenticate(pairs, remote_addr)
        call = _read(connection, pairs)
        answer = _answer(call, pairs, remote_addr)
    except OCIEntryRefused as refused:
        db.session.rollback()
        _log_call(pairs, connection, remote_addr, refused.code, refused.text)
        db.session.commit()
        log.info("OCI entry from %s refused: %s", remote_addr, refused.code)
        raise
    db.session.commit()
    return answer


def _param(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    """The first non-empty value of parameter ``name`` (any case, ``%7E`` for ``~``)."""
    wanted = oci.normalize_name(name)
    for key, value in pairs:
        if value and oci.normalize_name(key) == wanted:
            return value
    return None


def _oci_connections() -> list[tuple[BuyerConnection, OCISettings]]:
    rows = db.session.scalars(select(BuyerConnection).where(
        BuyerConnection.protocol == Protocol.OCI).order_by(BuyerConnection.id))
    return [(row, OCISettings.from_json(row.oci_settings)) for row in rows]


def _authenticate(pairs: Sequence[tuple[str, str]], remote_addr: str) -> BuyerConnection:
    """The connection whose login the call carries; OCIEntryRefused(401) otherwise."""
    candidates = _oci_connections()
    names = list(dict.fromkeys(s.username_field for _, s in candidates)) or ["USERNAME"]
    username = next((value for name in names if (value := _param(pairs, name))), None)
    limiter = get_limiter()
    decision = limiter.check(AuthKind.OCI, username, remote_addr)
    if not decision.allowed:
        # 429, not 401: the login may be right, and SAP's admin needs to know to wait.
        minutes = decision.retry_after_minutes
        wait = "1 minute" if minutes == 1 else f"{minutes} minutes"
        raise OCIEntryRefused(429, LOCKED.format(wait=wait), retry_after=decision.retry_after)
    found = None
    for connection, settings in candidates:
        if _param(pairs, settings.username_field) != settings.username:
            continue
        # Every candidate's password is checked, so timing does not tell which one matched.
        password = _param(pairs, settings.password_field)
        ok = credentials.check_shared_secret(password, connection.secret_hash)
        ok = ok and all(_param(pairs, name) == value
                        for name, value in settings.login_fields.items())
        if ok and found is None:
            found = connection
    if found is None:
        if not any(_param(pairs, s.username_field) == s.username for _, s in candidates):
            credentials.check_shared_secret("", "")  # the same work for an unknown user
        limiter.record_failure(AuthKind.OCI, username, remote_addr)
        raise OCIEntryRefused(401, LOGIN_REFUSED)
    return found


def _read(connection: BuyerConnection, pairs: Sequence[tuple[str, str]]) -> _Call:
    """Read the parameters under the connection's names and check the way back."""
    settings = OCISettings.from_json(connection.oci_settings)
    frames = list(connection.frame_ancestors)
    if not connection.active:
        raise OCIEntryRefused(403, "This catalog connection is not active.", frames)
    try:
        entry = oci.read_entry(pairs, hook_field=settings.hook_field,
                               username_field=settings.username_field,
                               password_field=settings.password_field)
    except oci.EntryError as error:
        raise OCIEntryRefused(400, str(error), frames) from None
    assert entry.hook_url is not None  # read_entry insists on it
    try:
        oci.check_hook_url(entry.hook_url, connection.return_url_prefixes,
                           allow_non_http=settings.allow_non_http_hook)
    except oci.HookURLRefused as error:
        raise OCIEntryRefused(403, f"{settings.hook_field}: {error}", frames) from None
    return _Call(connection, settings, entry)


def _answer(call: _Call, pairs: Sequence[tuple[str, str]],
            remote_addr: str) -> OCIStart | OCIPage:
    function = call.entry.function
    if function == oci.Function.VALIDATE:
        page = _validate(call)
    elif function == oci.Function.BACKGROUND_SEARCH:
        page = _background_search(call)
    else:
        started = _open_session(call)
        _log_call(pairs, call.connection, remote_addr, 200, "session opened",
                  session_id=started.session_id)
        return started
    _log_call(pairs, call.connection, remote_addr, 200, f"{page.item_count} line(s)")
    add_message(Direction.OUT, form_log_text(page.form, call.settings),
                document_type=f"OCI {function} answer", connection_id=call.connection.id,
                status_code=200, status_text=f"{page.item_count} line(s)",
                remote_addr=remote_addr)
    return page


def _open_session(call: _Call) -> OCIStart:
    """A PunchOut session as for cXML: DETAIL opens it read-only on the product's page."""
    entry, settings = call.entry, call.settings
    login = {oci.normalize_name(name) for name in (
        settings.username_field, settings.password_field, *settings.login_fields)}
    buyer_data: dict[str, Any] = {}
    for name, value in entry.extra:
        if oci.normalize_name(name) not in login:
            buyer_data.setdefault(name, value)
    detail = entry.function == oci.Function.DETAIL
    try:
        started = prepare_session(call.connection, SetupData(
            return_url=entry.hook_url or "",
            operation=Operation.INSPECT if detail else Operation.CREATE,
            extrinsics=buyer_data, contact=_contact(entry), selected_item=entry.product_id or "",
            oci_parameters=_stored_parameters(entry),
        ))
    except PunchOutRefused as refused:  # e.g. a per-user connection and no user named
        raise OCIEntryRefused(refused.code, refused.text.partition(": ")[2] or refused.text,
                              list(call.connection.frame_ancestors)) from None
    log.info("OCI session %s opened for connection %s", started.session_id, call.connection.id)
    return OCIStart(started.token, started.session_id)


def _stored_parameters(entry: oci.OCIEntry) -> dict[str, str]:
    values = {
        "ok_code": entry.ok_code, "target": entry.target, "caller": entry.caller,
        "returntarget": entry.returntarget, "charset": entry.charset,
        "oci_version": entry.oci_version, "opi_version": entry.opi_version,
        "function": entry.function.value if entry.function else None,
        "product_id": entry.product_id, "search_string": entry.search_string,
        "vendor": entry.vendor,
    }
    # A spelling other than SAP's own (e.g. "~okcode") is kept to be echoed as it came.
    for attribute, name in entry.spellings:
        if name != oci.ECHOED[attribute]:
            values[f"{attribute}_name"] = name
    return {name: value for name, value in values.items() if value is not None}


def _contact(entry: oci.OCIEntry) -> dict[str, str]:
    """The user's details for a per-user connection, from the buyer data SAP added."""
    def first(names: tuple[str, ...]) -> str:
        return next((value.strip() for name in names
                     if (value := entry.extra_value(name)) and value.strip()), "")

    name = " ".join(part for part in (first(_FIRST_NAMES), first(_LAST_NAMES)) if part)
    return {"name": name, "email": first(_EMAIL_NAMES)}


def _validate(call: _Call) -> OCIPage:
    """VALIDATE: that one product at today's contract price, for QUANTITY (default 1)."""
    product = db.session.scalar(select(Product).where(
        Product.sku == (call.entry.product_id or ""), Product.active.is_(True)))
    if product is None:
        raise OCIEntryRefused(404, f"Product {call.entry.product_id!r} is no longer in this "
                              "catalog.", list(call.connection.frame_ancestors))
    line = ProductLine(product, call.entry.quantity or Decimal(1))
    return _page(call, PageKind.VALIDATE, [line])


def _background_search(call: _Call) -> OCIPage:
    """BACKGROUND_SEARCH: every hit (up to the configured limit) as lines of one form."""
    text = (call.entry.search_string or "").strip()
    limit = current_app.config["OCI_BACKGROUND_SEARCH_LIMIT"]
    try:
        ids = [p.id for p in search_products(text, 1, limit).listing.products] if text else []
    except NotFound:
        ids = []
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_(ids)).execution_options(populate_existing=True))}
    lines = [ProductLine(products[i], Decimal(1)) for i in ids]
    return _page(call, PageKind.SEARCH, _sendable(call, lines), text)


def _sendable(call: _Call, lines: list[ProductLine]) -> list[ProductLine]:
    """Hits that can be written as OCI lines; one odd product must not hide the others."""
    prices = prices_for(call.connection.company_id, [line.product for line in lines])
    kept = []
    for line in lines:
        try:
            build_form(call.entry, oci_items([line], prices, call.settings), call.settings,
                       call.connection.form_target)
        except oci.OCIError as error:
            log.info("OCI search hit %s left out: %s", line.product.sku, error)
            continue
        kept.append(line)
    return kept


def _page(call: _Call, kind: PageKind, lines: list[ProductLine], search: str = "") -> OCIPage:
    prices = prices_for(call.connection.company_id, [line.product for line in lines])
    try:
        items = oci_items(lines, prices, call.settings)
        form = build_form(call.entry, items, call.settings, call.connection.form_target)
    except oci.OCIError as error:
        raise OCIEntryRefused(422, f"The product cannot be sent as an OCI line: {error}",
                              list(call.connection.frame_ancestors)) from None
    return OCIPage(kind, form, call.connection.name, list(call.connection.frame_ancestors),
                   len(items), search)


def _log_call(pairs: Sequence[tuple[str, str]], connection: BuyerConnection | None,
              remote_addr: str, code: int, text: str, session_id: int | None = None) -> None:
    """The call's parameters in the message log, every possible password masked."""
    secret = {"PASSWORD"}
    if connection is not None:
        secret.add(oci.normalize_name(OCISettings.from_json(connection.oci_settings)
                                      .password_field))
    else:  # unknown caller: mask whatever any OCI connection calls its password
        secret |= {oci.normalize_name(s.password_field) for _, s in _oci_connections()}
    body = "\n".join(f"{name}={MASK if oci.normalize_name(name) in secret else value}"
                     for name, value in pairs)
    function = (_param(pairs, "FUNCTION") or "").strip().upper()[:30] or "entry"
    add_message(Direction.IN, body, document_type=f"OCI {function}",
                connection_id=connection.id if connection else None, session_id=session_id,
                status_code=code, status_text=text, remote_addr=remote_addr)

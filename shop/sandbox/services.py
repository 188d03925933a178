"""Use cases of the sandbox pages: punch out, receive the cart, approve it as an order."""

from __future__ import annotations

import dataclasses
import logging
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select

from shop import cxml
from shop.database import utcnow
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.punchout import credentials as secret_store
from shop.redaction import redact_document
from shop.sandbox import documents, http
from shop.sandbox.connect import (
    RECEIVE_PATH,
    connect_profile,
    find_connection,
    origin_of,
    profile_credentials,
)
from shop.sandbox.documents import BuyerIdentity, RequisitionLine
from shop.sandbox.models import RequisitionStatus, SandboxRequisition
from shop.sandbox.profiles import Pair, Profile, get_profile
from shop.sandbox.review import Review, read_return_form, review_cart

log = logging.getLogger(__name__)

HOST = "sandbox.northwind.invalid"


class SandboxRefused(ShopError):
    """The sandbox cannot do this (the message says why)."""


@dataclass(frozen=True)
class CustomSupplier:
    """Another supplier's PunchOut, with the credentials its connection for us expects."""

    punchout_url: str
    order_url: str = ""
    from_: Pair = ("", "")
    to: Pair = ("", "")
    sender: Pair = ("", "")
    secret: str = field(default="", repr=False)
    oci_username: str = ""


@dataclass(frozen=True)
class PunchOutRequest:
    """What the requisition page asks for."""

    profile_key: str
    operation: str
    presentation: str
    base_url: str  # this shop (and sandbox) as the browser sees it
    user_id: int | None = None
    parent_id: int | None = None
    selected_item: str = ""
    custom: CustomSupplier | None = None


def start_punchout(request: PunchOutRequest) -> SandboxRequisition:
    """Create a requisition and open the PunchOut (the setup request, or the OCI entry)."""
    profile = get_profile(request.profile_key)
    if request.operation not in profile.operations:
        raise SandboxRefused(f"{profile.label} does not use the {request.operation} operation.")
    base = origin_of(request.base_url)
    custom = request.custom
    if custom is None and find_connection(profile) is None:
        connect_profile(profile, base)
    requisition = SandboxRequisition(
        token=secrets.token_urlsafe(24), profile=profile.key, operation=request.operation,
        presentation=request.presentation, target="custom" if custom else "shop",
        punchout_url=custom.punchout_url if custom else _shop_punchout_url(profile, base),
        order_url=(custom.order_url if custom else "") or base + "/orders/cxml",
        selected_item=request.selected_item.strip(), created_by_id=request.user_id,
        identities=[], sent_lines=[], start_fields=[],
    )
    if custom is not None:
        requisition.identities = [list(custom.from_), list(custom.to), list(custom.sender)]
        requisition.secret_encrypted = secret_store.encrypt_outbound_secret(custom.secret)
    parent = _parent(request, profile)
    if parent is not None:
        requisition.parent_id = parent.id
        requisition.sent_lines = [_line_json(line) for line in _review(parent, None).lines]
    return_url = base + RECEIVE_PATH + requisition.token
    if profile.is_oci:
        _oci_entry(requisition, profile, return_url, custom)
    else:
        _cxml_setup(requisition, profile, return_url)
    db.session.add(requisition)
    db.session.commit()
    log.info("sandbox requisition %s (%s, %s): %s", requisition.id, profile.key,
             request.operation, requisition.status)
    return requisition


def _shop_punchout_url(profile: Profile, base: str) -> str:
    return base + ("/punchout/oci" if profile.is_oci else "/punchout/setup")


def _parent(request: PunchOutRequest, profile: Profile) -> SandboxRequisition | None:
    if request.operation == "create":
        return None
    parent = db.session.get(SandboxRequisition, request.parent_id or 0)
    if parent is None or not parent.returned_body or parent.return_format == "oci":
        raise SandboxRefused("Edit and inspect need an earlier requisition with a cXML cart.")
    if parent.profile != profile.key:
        raise SandboxRefused("That requisition was made with another profile.")
    return parent


def identity_for(requisition: SandboxRequisition, profile: Profile) -> BuyerIdentity:
    """The profile's identity, or the one typed for a custom supplier."""
    if requisition.target != "custom":
        return BuyerIdentity.of(profile, profile_credentials(profile).shared_secret)
    from_, to, sender = (tuple(pair) for pair in requisition.identities)
    secret = secret_store.decrypt_outbound_secret(requisition.secret_encrypted)
    return BuyerIdentity((from_,), to, sender, secret,  # type: ignore[arg-type]
                         profile.user_agent or "Northwind procurement sandbox")


def _cxml_setup(requisition: SandboxRequisition, profile: Profile, return_url: str) -> None:
    requisition.buyer_cookie = f"SBX-{secrets.token_urlsafe(12)}"
    body = documents.build_setup(
        profile, identity_for(requisition, profile), operation=requisition.operation,
        buyer_cookie=requisition.buyer_cookie, return_url=return_url, host=HOST,
        items=[_line_from_json(data) for data in requisition.sent_lines],
        selected_item=requisition.selected_item or None,
        supplier_setup_url=requisition.punchout_url,
    )
    requisition.setup_request = redact_document(body)
    try:
        answer = http.post_xml(requisition.punchout_url, body)
    except http.HTTPProblem as problem:
        _setup_failed(requisition, str(problem))
        return
    requisition.setup_response = redact_document(answer.body)
    try:
        response = cxml.read_cxml(answer.body).payload_as(cxml.Response)
    except cxml.CXMLError as error:
        _setup_failed(requisition, f"HTTP {answer.status}; the answer is not cXML: {error}")
        return
    status = response.status
    if not status.is_success or not isinstance(response.body, cxml.PunchOutSetupResponse):
        detail = f" ({status.detail[:300]})" if status.detail else ""
        _setup_failed(requisition, f"Status {status.code} {status.text}{detail}")
        return
    requisition.start_url = response.body.start_page_url


def _setup_failed(requisition: SandboxRequisition, problem: str) -> None:
    requisition.status = RequisitionStatus.SETUP_FAILED
    requisition.problem = problem[:2000]


def _oci_entry(requisition: SandboxRequisition, profile: Profile, return_url: str,
               custom: CustomSupplier | None) -> None:
    """The OCI call: the browser goes there with the hook URL and the login fields."""
    names = profile.oci_names
    username = custom.oci_username if custom else profile.oci_username
    password = custom.secret if custom else profile_credentials(profile).oci_password
    fields = [(names.hook_url, return_url), (names.ok_code, "ADDI"), (names.target, "_top"),
              (names.caller, "CTLG"), (names.version, profile.oci_version),
              (names.username, username), (names.password, password), *profile.oci_extra]
    if profile.oci_method == "GET":
        separator = "&" if "?" in requisition.punchout_url else "?"
        requisition.start_url = requisition.punchout_url + separator + urlencode(fields)
    else:
        requisition.start_url = requisition.punchout_url
        requisition.start_fields = [list(pair) for pair in fields]


def receive_cart(token: str, pairs: list[tuple[str, str]]) -> SandboxRequisition:
    """Keep the cart the browser brought back to a requisition's return URL."""
    requisition = db.session.scalar(
        select(SandboxRequisition).where(SandboxRequisition.token == token))
    if requisition is None:
        raise NotFound("No requisition waits for a cart at this address.")
    if requisition.status in (RequisitionStatus.ORDERED, RequisitionStatus.ORDER_FAILED):
        raise SandboxRefused("This requisition was already approved; start a new one.")
    requisition.return_format, requisition.returned_body = read_return_form(pairs)
    requisition.status = RequisitionStatus.RETURNED
    requisition.returned_at = utcnow()
    requisition.start_url, requisition.start_fields = "", []  # single-use; the visit is over
    db.session.commit()
    log.info("sandbox requisition %s: cart returned as %s", requisition.id,
             requisition.return_format)
    return requisition


def approve(requisition_id: int, dtd_dir: Path | None) -> SandboxRequisition:
    """Approve a returned cart: send its OrderRequest to the supplier and keep the answer."""
    requisition = get_requisition(requisition_id)
    if requisition.status != RequisitionStatus.RETURNED:
        raise SandboxRefused("Only a requisition with a returned cart can be approved, once.")
    profile = get_profile(requisition.profile)
    lines = _review(requisition, dtd_dir).lines
    requisition.order_id = f"{profile.order_prefix}-{requisition.id:05d}"
    try:
        body = documents.build_order(profile, identity_for(requisition, profile), lines,
                                     order_id=requisition.order_id, host=HOST,
                                     requisition_id=requisition.number)
    except ValueError as error:
        raise SandboxRefused(f"The order cannot be built: {error}") from None
    requisition.order_request = redact_document(body)
    requisition.ordered_at = utcnow()
    try:
        answer = http.post_xml(requisition.order_url, body)
    except http.HTTPProblem as problem:
        _order_result(requisition, None, str(problem))
    else:
        requisition.order_response = redact_document(answer.body)
        _order_status(requisition, answer)
    db.session.commit()
    log.info("sandbox requisition %s ordered as %s: %s", requisition.id, requisition.order_id,
             requisition.order_status)
    return requisition


def _order_status(requisition: SandboxRequisition, answer: http.Answer) -> None:
    try:
        status = cxml.read_cxml(answer.body).payload_as(cxml.Response).status
    except cxml.CXMLError as error:
        _order_result(requisition, None, f"HTTP {answer.status}; not a cXML Response: {error}")
        return
    detail = f": {status.detail}" if status.detail else ""
    ok = answer.status == 200 and status.is_success
    _order_result(requisition, status.code, f"{status.text}{detail}", ok=ok)


def _order_result(requisition: SandboxRequisition, code: int | None, text: str,
                  ok: bool = False) -> None:
    requisition.order_status, requisition.order_status_text = code, text[:2000]
    requisition.status = RequisitionStatus.ORDERED if ok else RequisitionStatus.ORDER_FAILED


def review(requisition: SandboxRequisition, dtd_dir: Path | None) -> Review | None:
    """The returned cart with its checks, or None while none came back."""
    return _review(requisition, dtd_dir) if requisition.returned_body else None


def _review(requisition: SandboxRequisition, dtd_dir: Path | None) -> Review:
    profile = get_profile(requisition.profile)
    sent = {line["supplier_part_id"]: line["aux_id"] for line in requisition.sent_lines
            if line.get("aux_id")}
    names = profile.oci_names
    oci_sent = {names.ok_code: "ADDI", names.target: "_top", names.caller: "CTLG"}
    from_ = [tuple(requisition.identities[0])] if requisition.identities else \
        list(profile.from_credentials)
    return review_cart(
        requisition.return_format, requisition.returned_body,
        buyer_cookie=requisition.buyer_cookie, buyer_credentials=from_,  # type: ignore[arg-type]
        sent_items=sent, oci_sent=oci_sent, oci_version=profile.oci_version or "4.0",
        dtd_dir=dtd_dir,
    )


def _line_json(line: RequisitionLine) -> dict[str, object]:
    data = dataclasses.asdict(line)
    data["quantity"], data["unit_price"] = str(line.quantity), str(line.unit_price)
    data["classification"] = list(line.classification) if line.classification else None
    return data


def _line_from_json(data: dict[str, object]) -> RequisitionLine:
    values = dict(data)
    values["quantity"] = Decimal(str(values["quantity"]))
    values["unit_price"] = Decimal(str(values["unit_price"]))
    classification = values.get("classification")
    values["classification"] = tuple(classification) if classification else None  # type: ignore[arg-type]
    return RequisitionLine(**values)  # type: ignore[arg-type]


def get_requisition(requisition_id: int) -> SandboxRequisition:
    requisition = db.session.get(SandboxRequisition, requisition_id)
    if requisition is None:
        raise NotFound("No such requisition.")
    return requisition


def list_requisitions(limit: int = 50) -> list[SandboxRequisition]:
    return list(db.session.scalars(
        select(SandboxRequisition).order_by(SandboxRequisition.id.desc()).limit(limit)))


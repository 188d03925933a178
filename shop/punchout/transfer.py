"""Sending the cart back: the PunchOutOrderMessage and the form that carries it.

The cart is checked first for lines the buyer would reject (no classification, a unit the
buyer does not accept, mixed currencies); those block the transfer and the cart stays. A
transferred cart is kept as ``TransferredLine`` rows: the SupplierPartAuxiliaryID sent with
each line finds it again when the buyer edits the requisition or sends the purchase order.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.orm import joinedload

from shop import cxml, oci
from shop.cart.models import CartLine
from shop.catalog.pricing import Price, prices_for
from shop.database import utcnow
from shop.extensions import db
from shop.punchout.errors import CartBlocked, SessionEnded
from shop.punchout.messages import add_message
from shop.punchout.models import (
    BuyerConnection,
    Direction,
    PunchOutSession,
    ReturnField,
    SessionStatus,
    TransferredLine,
)

log = logging.getLogger(__name__)

CENT = Decimal("0.01")
SHORT_NAME_LENGTH = 50  # what buyers show of a ShortName in their lists


@dataclass(frozen=True)
class CartReturn:
    """What the transfer page needs: where to post, in which field, and the document."""

    action_url: str
    target: str
    field_name: str
    field_value: str
    connection_name: str
    document: bytes
    cancelled: bool


def cart_problems(connection: BuyerConnection, lines: list[CartLine],
                  prices: dict[int, Price]) -> list[str]:
    """Why the buyer would reject this cart, one sentence per problem (empty: fine)."""
    if not lines:
        return ["Your cart is empty: add items, or use “Cancel and return”."]
    problems = []
    for line in lines:
        product = line.product
        if not product.active:
            problems.append(f"{product.sku} is no longer available: remove it from the cart.")
        if not (product.unspsc or connection.default_unspsc):
            problems.append(f"{product.sku} ({product.name}) has no UNSPSC classification, "
                            f"which {connection.name} requires: remove it or ask us to add one.")
        if connection.accepted_units and product.unit not in connection.accepted_units:
            problems.append(f"{product.sku} is sold per {product.unit}, a unit {connection.name} "
                            f"does not accept ({', '.join(connection.accepted_units)}).")
    currencies = sorted({prices[line.product_id].currency for line in lines})
    if len(currencies) > 1:
        problems.append(f"The cart mixes currencies ({', '.join(currencies)}); "
                        f"{connection.name} accepts one currency per cart.")
    return problems


def transfer_cart(session_id: int, host: str) -> CartReturn:
    """End the session and return its cart; CartBlocked when the buyer would reject it."""
    po = claim_session(session_id)
    if po.read_only:
        db.session.rollback()
        raise CartBlocked(["This requisition is open for viewing only: use “Return”."])
    lines = cart_lines(po.cart_id)
    prices = prices_for(po.connection.company_id, [line.product for line in lines])
    problems = cart_problems(po.connection, lines, prices)
    if problems:
        db.session.rollback()  # the claim is undone: the session stays active
        raise CartBlocked(problems)
    items = [_item(po, number, line, prices[line.product_id])
             for number, line in enumerate(lines, start=1)]
    _keep_transferred(po, lines, items, prices)
    total = sum((item.quantity * item.detail.unit_price.amount for item in items), Decimal(0))
    currency = items[0].detail.unit_price.currency
    message = cxml.PunchOutOrderMessage(
        buyer_cookie=po.buyer_cookie, total=cxml.Money(total.quantize(CENT), currency),
        items=tuple(items), operation_allowed="edit",
    )
    return _finish(po, message, host, cancelled=False)


def cancel_session(session_id: int, host: str) -> CartReturn:
    """End the session and return to the buyer with an empty cart."""
    po = claim_session(session_id, SessionStatus.CANCELLED)
    currency = po.connection.company.currency
    message = cxml.PunchOutOrderMessage(
        buyer_cookie=po.buyer_cookie, total=cxml.Money(Decimal("0.00"), currency),
        operation_allowed="edit",
    )
    return _finish(po, message, host, cancelled=True)


def line_key(session_id: int, line_number: int) -> str:
    """The key a transferred line is found by again (SupplierPartAuxiliaryID in cXML)."""
    return f"S{session_id}-L{line_number}"


def cart_lines(cart_id: int) -> list[CartLine]:
    """The cart's lines with their products, in one query (a cart may have hundreds)."""
    return list(db.session.scalars(
        select(CartLine).options(joinedload(CartLine.product))
        .where(CartLine.cart_id == cart_id).order_by(CartLine.id)
    ).unique())


def claim_session(session_id: int,
                  status: SessionStatus = SessionStatus.TRANSFERRED) -> PunchOutSession:
    """Mark the session ended in this transaction; of two clicks, exactly one gets it."""
    result = db.session.execute(
        update(PunchOutSession)
        .where(PunchOutSession.id == session_id, PunchOutSession.status == SessionStatus.ACTIVE)
        .values(status=status, ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise SessionEnded("This PunchOut session has already ended.")
    po = db.session.get(PunchOutSession, session_id)
    assert po is not None
    db.session.refresh(po)
    return po


def _unit_price(amount: Decimal) -> Decimal:
    # Two decimals when that is exact, else every digit the contract price has.
    return amount.quantize(CENT) if amount == amount.quantize(CENT) else amount.normalize()


def _quantity(value: Decimal) -> Decimal:
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _item(po: PunchOutSession, number: int, line: CartLine, price: Price) -> cxml.ItemIn:
    product = line.product
    aux_id = line_key(po.id, number)
    description, short_name = item_texts(product.name, product.short_description)
    old_dtd = po.connection.cxml_version.startswith("1.1.")  # 1.1 has no LeadTime
    detail = cxml.ItemDetail(
        unit_price=cxml.Money(_unit_price(price.amount), price.currency),
        description=description,
        short_name=short_name,
        unit_of_measure=product.unit,
        classifications=(cxml.Classification(
            "UNSPSC", product.unspsc or po.connection.default_unspsc),),
        manufacturer_part_id=product.manufacturer_part_number or None,
        manufacturer_name=product.manufacturer or None,
        lead_time=None if old_dtd else product.lead_time_days,
    )
    return cxml.ItemIn(quantity=_quantity(line.quantity), line_number=number, detail=detail,
                       item_id=cxml.ItemID(supplier_part_id=product.sku, aux_id=aux_id))


def item_texts(name: str, short_description: str) -> tuple[str, str | None]:
    """A line's Description text and ShortName: the whole name travels in the text.

    Buyers show the ShortName in lists, at most about 50 characters, so a long name goes
    there shortened between words; it is left out when it would only repeat the text.
    """
    extra = short_description.strip()
    description = f"{name} — {extra}" if extra else name
    short_name = oci.shorten_text(name, SHORT_NAME_LENGTH)
    return description, None if short_name == description else short_name


def _keep_transferred(po: PunchOutSession, lines: list[CartLine], items: list[cxml.ItemIn],
                      prices: dict[int, Price]) -> None:
    """Store the lines as sent, in one multi-row insert (carts of hundreds of lines)."""
    now = utcnow()
    db.session.execute(insert(TransferredLine), [
        {"session_id": po.id, "connection_id": po.connection_id,
         "aux_id": item.item_id.aux_id, "line_number": item.line_number,
         "product_id": line.product_id, "sku": line.product.sku, "quantity": line.quantity,
         "unit": line.product.unit, "unit_price": prices[line.product_id].amount,
         "currency": prices[line.product_id].currency, "created_at": now}
        for line, item in zip(lines, items, strict=True)
    ])


def _party(pairs: list[list[str]]) -> cxml.Party:
    return cxml.Party(tuple(cxml.Credential(domain, identity) for domain, identity in pairs))


def _header(po: PunchOutSession, host: str) -> cxml.Header:
    """The shop as From and Sender (no secret: this travels through the browser)."""
    connection = po.connection
    shop = (po.to_credentials or [[i.domain, i.identity] for i in connection.shop_identities]
            or [["NetworkID", host]])
    buyer = (po.from_credentials or [[i.domain, i.identity] for i in connection.buyer_identities]
             or [["NetworkID", "buyer"]])
    return cxml.Header(from_=_party(shop), to=_party(buyer), sender=_party(shop),
                       user_agent=f"{current_app.config['SHOP_NAME']} PunchOut")


def _finish(po: PunchOutSession, message: cxml.PunchOutOrderMessage, host: str,
            cancelled: bool) -> CartReturn:
    payload_id = cxml.new_payload_id(host)
    document = cxml.build_order_message(
        message, header=_header(po, host), host=host, version=po.connection.cxml_version,
        deployment_mode=po.deployment_mode, payload_id=payload_id,
    )
    add_message(Direction.OUT, document, document_type="PunchOutOrderMessage",
                payload_id=payload_id, connection_id=po.connection_id, session_id=po.id,
                status_text="cancelled" if cancelled else f"{len(message.items)} line(s)")
    connection = po.connection
    field = connection.return_field
    value = (base64.b64encode(document).decode("ascii") if field == ReturnField.BASE64
             else document.decode("utf-8"))
    # Read before the commit: it expires the session and its connection, and reading them
    # afterwards would cost two more queries.
    result = CartReturn(action_url=po.browser_form_post_url, target=connection.form_target,
                        field_name=field.value, field_value=value,
                        connection_name=connection.name, document=document,
                        cancelled=cancelled)
    session_id = po.id
    db.session.commit()
    log.info("PunchOut session %s %s", session_id, "cancelled" if cancelled else "transferred")
    return result


def find_transferred_line(connection_id: int, aux_id: str) -> TransferredLine | None:
    """The line a SupplierPartAuxiliaryID was sent with, for this connection only."""
    return db.session.scalar(select(TransferredLine).where(
        TransferredLine.connection_id == connection_id, TransferredLine.aux_id == aux_id[:100]))

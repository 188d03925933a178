"""Plain-data copies of OrderRequest parts, as orders and PO versions keep them.

Orders are snapshots (house rule 5): addresses, terms and notes are copied as JSON-ready
dictionaries, so later edits elsewhere never change what the buyer ordered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from shop import cxml
from shop.extensions import db
from shop.orders.fulfilment_models import Shipment


def address(value: cxml.Address | None) -> dict[str, Any]:
    """An address with the keys of ``Address.snapshot()`` plus what cXML adds."""
    if value is None:
        return {}
    return {
        "code": value.address_id or "",
        "name": value.name,
        "street": ", ".join(value.street),
        "postal_code": value.postal_code or "",
        "city": value.city,
        "country_code": value.country_code,
        "state": value.state or "",
        "deliver_to": list(value.deliver_to),
        "email": value.email or "",
        "phone": value.phone or "",
    }


def _money(value: cxml.Money | None) -> dict[str, str] | None:
    return None if value is None else {"amount": f"{value.amount:f}",
                                       "currency": value.currency}


def payment_terms(head: cxml.OrderRequestHeader) -> str:
    """The first PaymentTerm in words, e.g. "Net 30 days" or "2 % discount within 10 days"."""
    if not head.payment_terms:
        return ""
    term = head.payment_terms[0]
    if term.discount_percent:
        return f"{term.discount_percent:f} % discount within {term.pay_in_days} days"
    return f"Net {term.pay_in_days} days"


def order_header(head: cxml.OrderRequestHeader) -> dict[str, Any]:
    """The Order fields a PO header fills in (addresses, terms, comments)."""
    return {
        "ship_to": address(head.ship_to),
        "bill_to": address(head.bill_to),
        "payment_terms": payment_terms(head)[:200],
        "comments": head.comments or "",
    }


def version_header(head: cxml.OrderRequestHeader) -> dict[str, Any]:
    """Everything a PO header says, for the version history and the back office."""
    return {
        "order_id": head.order_id,
        "type": head.type,
        "order_version": head.order_version,
        "order_type": head.order_type,
        "order_date": head.order_date.isoformat() if head.order_date else None,
        "requisition_id": head.requisition_id,
        "total": _money(head.total),
        "shipping": _money(head.shipping.money) if head.shipping else None,
        "shipping_description": head.shipping.description if head.shipping else "",
        "tax": _money(head.tax.money) if head.tax else None,
        "tax_description": head.tax.description if head.tax else "",
        "payment_kind": head.payment_kind,
        "payment_terms": [{"pay_in_days": t.pay_in_days,
                           "discount_percent": None if t.discount_percent is None
                           else f"{t.discount_percent:f}"} for t in head.payment_terms],
        "ship_to": address(head.ship_to),
        "bill_to": address(head.bill_to),
        "contacts": [{"role": c.role or "", "name": c.name, "email": c.email or "",
                      "phone": c.phone or ""} for c in head.contacts],
        "comments": head.comments or "",
        "extrinsics": [list(pair) for pair in head.extrinsics.pairs],
        "document_reference": head.document_reference,
    }


def credentials(document: cxml.CXMLDocument) -> dict[str, list[list[str]]]:
    """The header's From (buyer) and To (shop) credentials as [domain, identity] pairs."""
    header = document.header
    assert header is not None  # a Request always has one
    return {
        "buyer_credentials": [[c.domain, c.identity] for c in header.from_.credentials],
        "shop_credentials": [[c.domain, c.identity] for c in header.to.credentials],
    }


def has_shipments(order_id: int) -> bool:
    return db.session.scalar(
        select(Shipment.id).where(Shipment.order_id == order_id).limit(1)) is not None


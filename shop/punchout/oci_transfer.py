"""Sending a cart back to SAP as an OCI form, and writing products as OCI lines.

The pure layer (``shop.oci``) knows the field rules; this module knows the shop: which
product attribute feeds which NEW_ITEM field under a connection's settings, the contract
price, the session's stored return parameters, the message log and the transferred lines
that a later purchase order is matched against.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select

from shop import oci
from shop.cart.models import CartLine
from shop.catalog.models import Category, Product
from shop.catalog.pricing import Price, prices_for
from shop.database import utcnow
from shop.extensions import db
from shop.punchout.errors import CartBlocked
from shop.punchout.messages import add_message
from shop.punchout.models import (
    BuyerConnection,
    Direction,
    PunchOutSession,
    SessionStatus,
    TransferredLine,
)
from shop.punchout.oci_settings import HookQuery, MatgroupSource, OCISettings
from shop.punchout.transfer import cart_lines, claim_session, line_key
from shop.redaction import MASK

log = logging.getLogger(__name__)


class PageKind(enum.StrEnum):
    TRANSFER = "transfer"  # the cart, auto-submitted to the hook
    CANCEL = "cancel"  # an empty cart, auto-submitted to the hook
    VALIDATE = "validate"  # one refreshed line, invisible, auto-submitted
    SEARCH = "search"  # BACKGROUND_SEARCH hits, read by SAP, never submitted


@dataclass(frozen=True)
class ProductLine:
    """A product and a quantity, as a cart line or a VALIDATE/search hit."""

    product: Product
    quantity: Decimal
    line_key: str = ""


@dataclass(frozen=True)
class OCIPage:
    """What a page carrying an OCI form needs."""

    kind: PageKind
    form: oci.TransferForm
    connection_name: str
    frame_ancestors: list[str]
    item_count: int
    search_string: str = ""


def oci_items(lines: Sequence[ProductLine], prices: Mapping[int, Price],
              settings: OCISettings) -> list[oci.OCIItem]:
    """The OCI lines of products at their prices; BuildError names a product that cannot go."""
    slugs = _category_slugs(lines)
    items = []
    for line in lines:
        try:
            items.append(_item(line, prices[line.product.id], settings,
                               slugs.get(line.product.category_id or 0, "")))
        except oci.OCIError as error:
            raise oci.BuildError(f"{line.product.sku}: {error}") from None
    return items


def _category_slugs(lines: Sequence[ProductLine]) -> dict[int, str]:
    ids = {line.product.category_id for line in lines if line.product.category_id}
    if not ids:
        return {}
    rows = db.session.execute(select(Category.id, Category.slug).where(Category.id.in_(ids)))
    return {category_id: slug for category_id, slug in rows}


def _item(line: ProductLine, price: Price, settings: OCISettings, slug: str) -> oci.OCIItem:
    product = line.product
    if settings.matgroup_source == MatgroupSource.TABLE:
        matgroup = oci.matgroup_for(product.unspsc, settings.matgroup_table, key=slug,
                                    default=settings.matgroup_default)
    else:
        matgroup = oci.matgroup_for(product.unspsc, default=settings.matgroup_default)
    schema = settings.category_schema if product.unspsc else ""
    custom = {name.lower(): _cust_value(source, product, slug, line.line_key)
              for name, source in settings.cust_fields.items()}
    return oci.OCIItem(
        description=product.name, quantity=line.quantity,
        unit=oci.map_unit(product.unit, settings.unit_map),
        price=price.amount, currency=price.currency, lead_time=product.lead_time_days,
        vendor=settings.vendor, vendormat=product.sku,
        manufactcode=settings.manufacturer_codes.get(product.manufacturer, ""),
        manufactmat=product.manufacturer_part_number, matgroup=matgroup,
        ext_product_id=product.sku,  # the key DETAIL and VALIDATE send back as PRODUCTID
        ext_schema_type=schema, ext_category_id=product.unspsc if schema else "",
        long_text=_long_text(product), **custom,
    )


def _cust_value(source: str, product: Product, slug: str, key: str) -> str:
    if source.startswith("="):
        return source[1:]
    if source == "category":
        return slug
    if source == "line_key":
        return key
    return str(getattr(product, source, "") or "")


def _long_text(product: Product) -> str:
    """The short and the long description; the short one once, if the long one opens with it."""
    short, long = product.short_description.strip(), product.description.strip()
    if short and long.startswith(short):
        return long  # the demo catalog's descriptions repeat their short one as a first line
    return "\n".join(part for part in (short, long) if part)


def version_to_send(settings: OCISettings, announced: str | None) -> str:
    """The connection's version, but 4.0 to a buyer that announced an older OCI.

    Versions are compared by their major number: SAP sends "5", "5.0" or "4.00", and an
    announced "10.0" is newer than 5, not older. An unreadable announcement is ignored.
    """
    major = oci.major_version(announced)
    if major is not None and major < 5:
        return "4.0"
    return oci.version_label(settings.oci_version)


def build_form(entry: oci.OCIEntry, items: Sequence[oci.OCIItem], settings: OCISettings,
               default_target: str) -> oci.TransferForm:
    """The form for ``entry``'s hook under the connection's settings."""
    if not (entry.returntarget or entry.target):
        entry = dataclasses.replace(entry, returntarget=default_target or "_top")
    return oci.prepare_transfer(
        entry, items, version=version_to_send(settings, entry.oci_version),
        split_hook=settings.hook_query == HookQuery.SPLIT,
        description_length=settings.description_length,
        charset=entry.charset or settings.charset or None,
    )


def form_log_text(form: oci.TransferForm, settings: OCISettings) -> str:
    """The form as the message log keeps it: one ``name=value`` per line, secrets masked."""
    secret = {oci.normalize_name(name) for name in settings.secret_field_names}
    lines = [f"action: {form.action}", f"target: {form.target}", f"charset: {form.charset}", ""]
    lines += [f"{name}={MASK if oci.normalize_name(name) in secret else value}"
              for name, value in form.fields]
    return "\n".join(lines)


def session_entry(po: PunchOutSession) -> oci.OCIEntry:
    """The entry call of a session, as far as the way back needs it."""
    stored = po.oci_parameters or {}
    return oci.OCIEntry(
        hook_url=po.browser_form_post_url, ok_code=stored.get("ok_code"),
        target=stored.get("target"), caller=stored.get("caller"),
        returntarget=stored.get("returntarget"), charset=stored.get("charset"),
        oci_version=stored.get("oci_version"),
        spellings=tuple((attribute, stored[f"{attribute}_name"]) for attribute in oci.ECHOED
                        if stored.get(f"{attribute}_name")),
    )


def transfer_oci_cart(session_id: int) -> OCIPage:
    """End the session and return its cart as an OCI form; CartBlocked when SAP would fail."""
    po = claim_session(session_id)
    connection = po.connection
    if po.read_only:
        db.session.rollback()
        raise CartBlocked(["This catalog visit is for viewing only: use “Return”."])
    settings = OCISettings.from_json(connection.oci_settings)
    lines = cart_lines(po.cart_id)
    prices = prices_for(connection.company_id, [line.product for line in lines])
    problems = _problems(connection, lines)
    if not problems:
        try:
            items = oci_items([ProductLine(line.product, line.quantity, line_key(po.id, number))
                               for number, line in enumerate(lines, start=1)], prices, settings)
            form = build_form(session_entry(po), items, settings, connection.form_target)
        except oci.OCIError as error:
            problems = [f"The cart cannot be sent to {connection.name}: {error}"]
    if problems:
        db.session.rollback()  # the claim is undone: the session stays active
        raise CartBlocked(problems)
    _keep_transferred(po, lines, prices)
    return _finish(po, form, settings, PageKind.TRANSFER, len(items))


def cancel_oci_session(session_id: int) -> OCIPage:
    """End the session and return to SAP with an empty form (only the echoes)."""
    po = claim_session(session_id, SessionStatus.CANCELLED)
    settings = OCISettings.from_json(po.connection.oci_settings)
    form = build_form(session_entry(po), [], settings, po.connection.form_target)
    return _finish(po, form, settings, PageKind.CANCEL, 0)


def _problems(connection: BuyerConnection, lines: list[CartLine]) -> list[str]:
    if not lines:
        return ["Your cart is empty: add items, or use “Cancel and return”."]
    problems = []
    for line in lines:
        product = line.product
        if not product.active:
            problems.append(f"{product.sku} is no longer available: remove it from the cart.")
        if connection.accepted_units and product.unit not in connection.accepted_units:
            problems.append(f"{product.sku} is sold per {product.unit}, a unit {connection.name} "
                            f"does not accept ({', '.join(connection.accepted_units)}).")
    return problems


def _keep_transferred(po: PunchOutSession, lines: list[CartLine],
                      prices: Mapping[int, Price]) -> None:
    """Store the lines as sent, so a later purchase order can be checked against them."""
    now = utcnow()
    db.session.execute(insert(TransferredLine), [
        {"session_id": po.id, "connection_id": po.connection_id,
         "aux_id": line_key(po.id, number), "line_number": number,
         "product_id": line.product_id, "sku": line.product.sku, "quantity": line.quantity,
         "unit": line.product.unit, "unit_price": prices[line.product_id].amount,
         "currency": prices[line.product_id].currency, "created_at": now}
        for number, line in enumerate(lines, start=1)
    ])


def _finish(po: PunchOutSession, form: oci.TransferForm, settings: OCISettings,
            kind: PageKind, count: int) -> OCIPage:
    add_message(Direction.OUT, form_log_text(form, settings),
                document_type="OCI cart" if kind == PageKind.TRANSFER else "OCI cancel",
                connection_id=po.connection_id, session_id=po.id, status_code=200,
                status_text=f"{count} line(s)" if kind == PageKind.TRANSFER else "cancelled")
    db.session.commit()
    log.info("OCI session %s %s (%s lines)", po.id, kind, count)
    return OCIPage(kind, form, po.connection.name, list(po.connection.frame_ancestors), count)

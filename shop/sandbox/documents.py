"""The documents the simulated buyer writes, and the requisition lines it reads carts into.

Pure: built with the shop's cXML toolkit, no Flask and no database, so the runner (against
any shop) and the web pages use the same code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from shop import cxml
from shop.oci import OCIItem
from shop.sandbox.profiles import AddressSpec, Pair, Profile

_CENT = Decimal("0.01")
_UNSPSC = re.compile(r"\d{8}(\d{2})?")


@dataclass(frozen=True)
class BuyerIdentity:
    """Who the simulated buyer says it is in a cXML header, and the secret it sends."""

    from_: tuple[Pair, ...]
    to: Pair
    sender: Pair
    secret: str = field(repr=False)
    user_agent: str = "Northwind procurement sandbox"

    @classmethod
    def of(cls, profile: Profile, secret: str) -> BuyerIdentity:
        return cls(profile.from_credentials, profile.supplier_credential, profile.sender,
                   secret, profile.user_agent or "Northwind procurement sandbox")

    def header(self) -> cxml.Header:
        return cxml.Header(
            from_=cxml.Party(tuple(cxml.Credential(d, i) for d, i in self.from_)),
            to=cxml.Party((cxml.Credential(*self.to),)),
            sender=cxml.Party((cxml.Credential(*self.sender, shared_secret=self.secret),)),
            user_agent=self.user_agent,
        )


@dataclass(frozen=True)
class RequisitionLine:
    """One line of a requisition, whichever protocol brought it back."""

    number: int
    supplier_part_id: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    currency: str
    aux_id: str | None = None
    classification: Pair | None = None  # (domain, code)
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    lead_time: int | None = None

    @property
    def line_total(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(_CENT)


def lines_from_message(message: cxml.PunchOutOrderMessage) -> list[RequisitionLine]:
    """The lines of a returned cXML cart."""
    lines = []
    for number, item in enumerate(message.items, start=1):
        detail = item.detail
        first = detail.classifications[0] if detail.classifications else None
        lines.append(RequisitionLine(
            number=item.line_number or number, supplier_part_id=item.item_id.supplier_part_id,
            description=detail.short_name or detail.description, quantity=item.quantity,
            unit=detail.unit_of_measure, unit_price=detail.unit_price.amount,
            currency=detail.unit_price.currency, aux_id=item.item_id.aux_id,
            classification=(first.domain, first.code) if first else None,
            manufacturer_part_id=detail.manufacturer_part_id,
            manufacturer_name=detail.manufacturer_name, lead_time=detail.lead_time,
        ))
    return lines


def lines_from_oci(items: Sequence[OCIItem]) -> list[RequisitionLine]:
    """The lines of a returned OCI cart (the price per PRICEUNIT becomes a unit price)."""
    lines = []
    for number, item in enumerate(items, start=1):
        price = (item.price or Decimal(0)) / (item.price_unit or 1)
        code = item.matgroup or item.ext_category_id
        domain = "UNSPSC" if _UNSPSC.fullmatch(code) else (item.ext_schema_type or "MATGROUP")
        lines.append(RequisitionLine(
            number=number, supplier_part_id=item.vendormat or item.ext_product_id,
            description=item.description, quantity=item.quantity, unit=item.unit,
            unit_price=price.normalize() if price else Decimal("0.00"),
            currency=item.currency, aux_id=None,
            classification=(domain, code) if code else None,
            manufacturer_part_id=item.manufactmat or None, lead_time=item.lead_time,
        ))
    return lines


def requisition_total(lines: Sequence[RequisitionLine]) -> Decimal:
    return sum((line.line_total for line in lines), Decimal("0.00"))


def build_setup(
    profile: Profile,
    identity: BuyerIdentity,
    *,
    operation: str,
    buyer_cookie: str,
    return_url: str,
    host: str,
    items: Sequence[RequisitionLine] = (),
    selected_item: str | None = None,
    supplier_setup_url: str | None = None,
) -> bytes:
    """The PunchOutSetupRequest this profile sends (edit/inspect carry the earlier lines)."""
    request = cxml.PunchOutSetupRequest(
        operation=operation, buyer_cookie=buyer_cookie, browser_form_post_url=return_url,
        extrinsics=cxml.Extrinsics(profile.extrinsics),
        contacts=tuple(cxml.Contact(c.name, role=c.role, email=c.email)
                       for c in profile.contacts),
        supplier_setup_url=supplier_setup_url,
        ship_to=_address(profile.ship_to) if profile.ship_to else None,
        selected_item=cxml.ItemID(selected_item) if selected_item else None,
        items=tuple(_item_out(line, profile, with_accounting=False) for line in items),
    )
    return cxml.build_setup_request(
        request, header=identity.header(), host=host, version=profile.cxml_version,
        deployment_mode=profile.deployment_mode,
    )


def build_profile_request(profile: Profile, identity: BuyerIdentity, *, host: str) -> bytes:
    return cxml.build_profile_request(header=identity.header(), host=host,
                                      version=profile.cxml_version,
                                      deployment_mode=profile.deployment_mode)


def build_order(
    profile: Profile,
    identity: BuyerIdentity,
    lines: Sequence[RequisitionLine],
    *,
    order_id: str,
    host: str,
    requisition_id: str | None = None,
) -> bytes:
    """The OrderRequest that approving a requisition sends (ValueError if a line is unfit)."""
    if not lines:
        raise ValueError("the requisition has no lines to order")
    for line in lines:
        if line.classification is None or not line.classification[1]:
            raise ValueError(f"line {line.number} ({line.supplier_part_id}) has no "
                             "classification; the buyer cannot approve it")
    currency = lines[0].currency
    header = cxml.OrderRequestHeader(
        order_id=order_id, order_date=datetime.now(UTC), type="new", order_version=1,
        total=cxml.Money(requisition_total(lines), currency), requisition_id=requisition_id,
        ship_to=_address(profile.ship_to) if profile.ship_to else None,
        bill_to=_address(profile.bill_to or profile.ship_to or _FALLBACK_BILL_TO),
        contacts=tuple(cxml.Contact(c.name, role="endUser", email=c.email)
                       for c in profile.contacts),
        comments=f"Approved in the Northwind procurement sandbox ({profile.label}).",
        extrinsics=cxml.Extrinsics(tuple(p for p in profile.extrinsics
                                         if p[0] in ("UserEmail", "UniqueName"))),
    )
    order = cxml.OrderRequest(header, tuple(_item_out(line, profile) for line in lines))
    return cxml.build_order_request(order, header=identity.header(), host=host,
                                    version=profile.cxml_version,
                                    deployment_mode=profile.deployment_mode)


_FALLBACK_BILL_TO = AddressSpec("", "Accounts Payable", "", "", "", "", "")


def _address(spec: AddressSpec) -> cxml.Address:
    return cxml.Address(
        name=spec.name, address_id=spec.address_id or None,
        street=(spec.street,) if spec.street else (), city=spec.city,
        postal_code=spec.postal_code or None, country_code=spec.country_code,
        country_name=spec.country_name,
    )


def _item_out(line: RequisitionLine, profile: Profile, with_accounting: bool = True
              ) -> cxml.ItemOut:
    money = cxml.Money(line.unit_price, line.currency)
    classification = line.classification or ("UNSPSC", "")
    detail = cxml.ItemDetail(
        unit_price=money, description=line.description or line.supplier_part_id,
        unit_of_measure=line.unit or "EA",
        classifications=(cxml.Classification(*classification),) if classification[1] else (),
        manufacturer_part_id=line.manufacturer_part_id,
        manufacturer_name=line.manufacturer_name, lead_time=line.lead_time,
    )
    distributions: tuple[cxml.Distribution, ...] = ()
    if with_accounting and profile.cost_center:
        segment = cxml.AccountingSegment(profile.cost_center, "Cost Center", profile.cost_center)
        distributions = (cxml.Distribution(
            cxml.Accounting("CostCenter", (segment,)),
            cxml.Money(line.line_total, line.currency)),)
    return cxml.ItemOut(
        quantity=line.quantity, line_number=line.number,
        item_id=cxml.ItemID(line.supplier_part_id, aux_id=line.aux_id),
        detail=detail if classification[1] else None, distributions=distributions,
    )

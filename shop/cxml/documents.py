"""Typed, immutable data for the cXML documents the shop reads and writes.

The same classes are what ``read_cxml`` returns and what the builders take, so that a
document built from them reads back equal. Money is ``Decimal`` with a currency; optional
parts are ``None`` or empty tuples; secrets are kept out of ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypeVar, Union

from shop.cxml.errors import CXMLError

# Re-exported: extrinsics are part of the documents.
from shop.cxml.extrinsics import NO_EXTRINSICS as NO_EXTRINSICS
from shop.cxml.extrinsics import Extrinsics as Extrinsics


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency (ISO 4217 code)."""

    amount: Decimal
    currency: str


# ---------- envelope and header ----------


@dataclass(frozen=True, slots=True)
class CredentialMac:
    """An Ariba Network message authentication code, kept as data (not verified here)."""

    value: str = field(repr=False)
    type: str | None = None
    algorithm: str | None = None
    creation_date: str | None = None
    expiration_date: str | None = None


@dataclass(frozen=True, slots=True)
class Credential:
    """One identity of a party; ``domain`` is free text such as NetworkID or DUNS."""

    domain: str
    identity: str
    shared_secret: str | None = field(default=None, repr=False)
    credential_mac: CredentialMac | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """From, To or Sender: one or several credentials."""

    credentials: tuple[Credential, ...] = ()

    def matches(self, domain: str, identity: str) -> bool:
        """True if any credential has this identity, comparing the domain case-insensitively."""
        folded = domain.casefold()
        return any(
            c.identity == identity and c.domain.casefold() == folded for c in self.credentials
        )

    @property
    def first(self) -> Credential | None:
        """The first credential, the one most senders mean."""
        return self.credentials[0] if self.credentials else None


@dataclass(frozen=True, slots=True)
class Header:
    """Who sends a request or message (From), to whom (To), and through what (Sender)."""

    from_: Party
    to: Party
    sender: Party
    user_agent: str | None = None

    @property
    def shared_secret(self) -> str | None:
        """The SharedSecret of the Sender, if it sent one."""
        for credential in self.sender.credentials:
            if credential.shared_secret is not None:
                return credential.shared_secret
        return None


@dataclass(frozen=True, slots=True)
class Envelope:
    """The attributes of the ``<cXML>`` root, the DOCTYPE, and the request's deploymentMode."""

    payload_id: str
    timestamp: datetime
    version: str | None = None
    lang: str | None = None
    deployment_mode: str = "production"
    dtd_version: str | None = None  # from the DOCTYPE URL, e.g. "1.2.014"
    dtd_file: str | None = None  # e.g. "cXML.dtd"


@dataclass(frozen=True, slots=True)
class Status:
    """A Response status: the code says what happened, the text and detail say why."""

    code: int
    text: str
    detail: str = ""
    lang: str | None = None

    @property
    def is_success(self) -> bool:
        return 200 <= self.code < 300


# ---------- shared parts ----------


@dataclass(frozen=True, slots=True)
class Address:
    """A postal address with the optional contact details cXML attaches to it."""

    name: str = ""
    address_id: str | None = None
    deliver_to: tuple[str, ...] = ()
    street: tuple[str, ...] = ()
    city: str = ""
    state: str | None = None
    postal_code: str | None = None
    country_code: str = ""
    country_name: str = ""
    email: str | None = None
    phone: str | None = None
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class Contact:
    """A person (role e.g. endUser, buyer, remitTo) with name, e-mail and phone."""

    name: str
    role: str | None = None
    email: str | None = None
    phone: str | None = None
    address_id: str | None = None
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class Charge:
    """An amount with a description: Shipping or Tax in a header or line."""

    money: Money
    description: str = ""
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class ItemID:
    """How a line names the product: our part number plus our own per-line key."""

    supplier_part_id: str
    aux_id: str | None = None
    buyer_part_id: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    domain: str
    code: str


@dataclass(frozen=True, slots=True)
class ItemDetail:
    """What a line is: price, description, unit (UN/CEFACT) and classification."""

    unit_price: Money
    description: str
    unit_of_measure: str
    classifications: tuple[Classification, ...] = ()
    short_name: str | None = None
    lang: str = "en"
    manufacturer_part_id: str | None = None
    manufacturer_name: str | None = None
    url: str | None = None
    lead_time: int | None = None
    price_basis_quantity: Decimal | None = None
    extrinsics: Extrinsics = NO_EXTRINSICS


@dataclass(frozen=True, slots=True)
class AccountingSegment:
    """One cost object (cost centre, project, GL account…)."""

    id: str
    name: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Accounting:
    name: str
    segments: tuple[AccountingSegment, ...] = ()


@dataclass(frozen=True, slots=True)
class Distribution:
    """How much of a line's amount goes to which accounting."""

    accounting: Accounting
    charge: Money | None = None


@dataclass(frozen=True, slots=True)
class ItemOut:
    """A line the buyer sends: in a PunchOutSetupRequest (edit/inspect) or an OrderRequest."""

    quantity: Decimal
    item_id: ItemID
    detail: ItemDetail | None = None
    line_number: int | None = None
    requested_delivery_date: date | datetime | None = None
    ship_to: Address | None = None
    shipping: Charge | None = None
    tax: Charge | None = None
    distributions: tuple[Distribution, ...] = ()
    comments: str | None = None


@dataclass(frozen=True, slots=True)
class ItemIn:
    """A line the supplier sends back in a PunchOutOrderMessage."""

    quantity: Decimal
    item_id: ItemID
    detail: ItemDetail
    line_number: int | None = None
    shipping: Charge | None = None
    tax: Charge | None = None


# ---------- requests, messages and responses ----------


@dataclass(frozen=True, slots=True)
class ProfileRequest:
    """"What can you do?": has no content."""


@dataclass(frozen=True, slots=True)
class PunchOutSetupRequest:
    """A buyer's user wants to shop: where to send the cart back, and who they are."""

    operation: str
    buyer_cookie: str
    browser_form_post_url: str | None = None
    extrinsics: Extrinsics = NO_EXTRINSICS
    contacts: tuple[Contact, ...] = ()
    supplier_setup_url: str | None = None
    ship_to: Address | None = None
    selected_item: ItemID | None = None
    items: tuple[ItemOut, ...] = ()


@dataclass(frozen=True, slots=True)
class PunchOutOrderMessage:
    """The cart going back to the buyer's procurement system."""

    buyer_cookie: str
    total: Money
    items: tuple[ItemIn, ...] = ()
    operation_allowed: str = "edit"
    shipping: Charge | None = None
    tax: Charge | None = None
    ship_to: Address | None = None


@dataclass(frozen=True, slots=True)
class PaymentTerm:
    pay_in_days: int
    discount_percent: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OrderRequestHeader:
    """A purchase order's header: its number, version, totals, addresses and notes."""

    order_id: str
    order_date: datetime | None
    total: Money
    type: str = "new"
    order_version: int | None = None
    order_type: str | None = None
    requisition_id: str | None = None
    ship_to: Address | None = None
    bill_to: Address | None = None
    shipping: Charge | None = None
    tax: Charge | None = None
    payment_kind: str | None = None  # e.g. "PCard"; card data is not kept
    payment_terms: tuple[PaymentTerm, ...] = ()
    contacts: tuple[Contact, ...] = ()
    comments: str | None = None
    extrinsics: Extrinsics = NO_EXTRINSICS
    document_reference: str | None = None  # payloadID of the order this one updates


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A purchase order."""

    header: OrderRequestHeader
    items: tuple[ItemOut, ...] = ()


@dataclass(frozen=True, slots=True)
class PunchOutSetupResponse:
    start_page_url: str


@dataclass(frozen=True, slots=True)
class ProfileResponse:
    """Which requests a supplier accepts (request name → URL)."""

    transactions: Mapping[str, str]
    effective_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Response:
    """The answer to a request: a status, sometimes with a body."""

    status: Status
    body: PunchOutSetupResponse | ProfileResponse | None = None


@dataclass(frozen=True, slots=True)
class StatusUpdateRequest:
    """A buyer (or network) telling the status of an earlier document."""

    document_reference: str | None
    status: Status


if TYPE_CHECKING:
    from shop.cxml.fulfillment import ConfirmationRequest, InvoiceDetailRequest, ShipNoticeRequest

# What a document carries inside its Request, Message or Response.
Payload = Union[
    "ProfileRequest",
    "PunchOutSetupRequest",
    "PunchOutOrderMessage",
    "OrderRequest",
    "StatusUpdateRequest",
    "ConfirmationRequest",
    "ShipNoticeRequest",
    "InvoiceDetailRequest",
    "Response",
]
P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class CXMLDocument:
    """A whole document: envelope, header (not in responses), and what it carries.

    ``category`` is Request, Message or Response; ``kind`` names the element inside it
    (e.g. OrderRequest, or "Response" for responses). ``payload`` is None for kinds this
    layer does not read (e.g. CatalogUploadRequest); the envelope and header are still there.
    """

    envelope: Envelope
    header: Header | None
    category: str
    kind: str
    payload: Payload | None

    @property
    def deployment_mode(self) -> str:
        """"production" or "test" (from Request@deploymentMode)."""
        return self.envelope.deployment_mode

    @property
    def payload_id(self) -> str:
        return self.envelope.payload_id

    def payload_as(self, kind: type[P]) -> P:
        """The payload if it is a ``kind``, else a CXMLError a sender can act on."""
        if isinstance(self.payload, kind):
            return self.payload
        raise CXMLError(f"expected a {kind.__name__}, got a {self.kind}", element=self.kind)

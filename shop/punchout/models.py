"""Buyer connections, PunchOut sessions, StartPage tokens and the message log."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.accounts.models import Company, User
from shop.cart.models import Cart
from shop.database import enum_column, money, quantity, utcnow
from shop.extensions import db
from shop.secrets_store import ENCRYPTED_COLUMN


class Protocol(enum.StrEnum):
    CXML = "cxml"
    OCI = "oci"


class ConnectionMode(enum.StrEnum):
    TEST = "test"
    PRODUCTION = "production"


class UserMapping(enum.StrEnum):
    SHARED = "shared"  # every buyer user shops as one user of the connection
    PER_USER = "per-user"  # one shop user per buyer user, created on the fly


class ReturnField(enum.StrEnum):
    URLENCODED = "cxml-urlencoded"
    BASE64 = "cxml-base64"


class IdentityRole(enum.StrEnum):
    BUYER = "buyer"  # may appear in From or Sender
    SHOP = "shop"  # a To credential this shop goes by for this buyer


class Operation(enum.StrEnum):
    CREATE = "create"
    EDIT = "edit"
    INSPECT = "inspect"


class SessionStatus(enum.StrEnum):
    ACTIVE = "active"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class BuyerConnection(db.Model):
    """One procurement system (one buyer organisation) allowed to punch out to this shop."""

    __tablename__ = "buyer_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), index=True)
    protocol: Mapped[Protocol] = mapped_column(enum_column(Protocol), default=Protocol.CXML)
    active: Mapped[bool] = mapped_column(default=True)
    mode: Mapped[ConnectionMode] = mapped_column(
        enum_column(ConnectionMode), default=ConnectionMode.PRODUCTION
    )
    # "hmac-sha256:v1:<hex>" of the shared secret under the inbound pepper (secrets_store);
    # never the secret itself.
    secret_hash: Mapped[str] = mapped_column(String(100), default="")
    # The last characters of the secret, so staff can tell which one is configured.
    secret_hint: Mapped[str] = mapped_column(String(8), default="")
    secret_changed_at: Mapped[dt.datetime | None]
    # Where carts may be sent back: "scheme://host[:port]/path-prefix" strings.
    return_url_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    user_mapping: Mapped[UserMapping] = mapped_column(
        enum_column(UserMapping), default=UserMapping.SHARED
    )
    shared_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_field: Mapped[ReturnField] = mapped_column(
        enum_column(ReturnField), default=ReturnField.URLENCODED
    )
    form_target: Mapped[str] = mapped_column(String(64), default="_top")
    # Origins allowed to show the shop in a frame (CSP frame-ancestors).
    frame_ancestors: Mapped[list[str]] = mapped_column(JSON, default=list)
    cxml_version: Mapped[str] = mapped_column(String(16), default="")
    # UN/CEFACT codes this buyer accepts; empty means any.
    accepted_units: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Classification for products that have none of their own; empty means "block the line".
    default_unspsc: Mapped[str] = mapped_column(String(16), default="")
    # Settings of the SAP OCI protocol (login fields, field mapping); owned by the OCI step.
    oci_settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Outbound documents (confirmations, ship notices, invoices) go here.
    document_url: Mapped[str] = mapped_column(String(500), default="")
    outbound_domain: Mapped[str] = mapped_column(String(100), default="")
    outbound_identity: Mapped[str] = mapped_column(String(255), default="")
    # Fernet token of the secret we send to the buyer (punchout.credentials); marked so that
    # `flask --app shop secrets rotate-key` re-encrypts it with the newest key.
    outbound_secret_encrypted: Mapped[str] = mapped_column(
        Text, default="", info={ENCRYPTED_COLUMN: True}
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship()
    shared_user: Mapped[User | None] = relationship()
    identities: Mapped[list[ConnectionIdentity]] = relationship(
        back_populates="connection",
        order_by="ConnectionIdentity.id",
        cascade="all, delete-orphan",
    )

    @property
    def buyer_identities(self) -> list[ConnectionIdentity]:
        return [i for i in self.identities if i.role == IdentityRole.BUYER]

    @property
    def shop_identities(self) -> list[ConnectionIdentity]:
        return [i for i in self.identities if i.role == IdentityRole.SHOP]

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_hash)

    def __repr__(self) -> str:
        return f"<BuyerConnection {self.name!r}>"


class ConnectionIdentity(db.Model):
    """A (domain, identity) credential pair that belongs to a connection."""

    __tablename__ = "buyer_connection_identities"
    __table_args__ = (
        UniqueConstraint("connection_id", "role", "domain_key", "identity"),
        # Authentication looks connections up by credential, never the other way round.
        Index("ix_buyer_connection_identities_lookup", "domain_key", "identity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("buyer_connections.id", ondelete="CASCADE")
    )
    role: Mapped[IdentityRole] = mapped_column(enum_column(IdentityRole))
    domain: Mapped[str] = mapped_column(String(100))  # as entered, for display
    # Lower-case copy: real documents mix "NetworkID" and "NetworkId" for the same thing.
    domain_key: Mapped[str] = mapped_column(String(100))
    identity: Mapped[str] = mapped_column(String(255))

    connection: Mapped[BuyerConnection] = relationship(back_populates="identities")

    def __str__(self) -> str:
        return f"{self.domain}:{self.identity}"


class PunchOutSession(db.Model):
    """One PunchOut visit: from the setup request to the transfer (or cancel, or expiry)."""

    __tablename__ = "punchout_sessions"
    __table_args__ = (
        # The database refuses a replayed setup request (same payloadID, same connection).
        UniqueConstraint("connection_id", "payload_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("buyer_connections.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id"), unique=True)
    # payloadID of the setup request (None for OCI, which has none).
    payload_id: Mapped[str | None] = mapped_column(String(255))
    buyer_cookie: Mapped[str] = mapped_column(Text, default="")
    # BrowserFormPost URL (cXML) or HOOK_URL (OCI): checked against the connection's prefixes.
    browser_form_post_url: Mapped[str] = mapped_column(Text)
    operation: Mapped[Operation] = mapped_column(enum_column(Operation), default=Operation.CREATE)
    deployment_mode: Mapped[str] = mapped_column(String(16), default="production")
    extrinsics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    contact: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ship_to: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # From and To credentials of the setup request, as [domain, identity] pairs: the cart
    # goes back with them swapped (the shop as From, the buyer as To).
    from_credentials: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    to_credentials: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    # SupplierPartID of a level-2 PunchOut (the buyer picked the item in its own catalog).
    selected_item: Mapped[str] = mapped_column(String(255), default="")
    # SupplierPartIDs of edit/inspect lines that are not (or no longer) in the catalog.
    unmatched_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    # OCI only: what the entry call said about the way back (~OkCode, ~TARGET, ~CALLER,
    # returntarget, http_content_charset, OCI_VERSION) and its FUNCTION; see punchout.oci_entry.
    oci_parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus), default=SessionStatus.ACTIVE
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]

    connection: Mapped[BuyerConnection] = relationship(lazy="joined")
    user: Mapped[User] = relationship()
    cart: Mapped[Cart] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status == SessionStatus.ACTIVE

    @property
    def read_only(self) -> bool:
        return self.operation == Operation.INSPECT

    def __repr__(self) -> str:
        return f"<PunchOutSession {self.id} {self.operation} {self.status}>"


class StartToken(db.Model):
    """A single-use StartPage token; only its SHA-256 is stored."""

    __tablename__ = "punchout_start_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("punchout_sessions.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]

    # Lets a token be added with its new session, both inserted by one flush.
    session: Mapped[PunchOutSession] = relationship()


class TransferredLine(db.Model):
    """A cart line as it was sent to the buyer: what a later purchase order is checked against."""

    __tablename__ = "punchout_transferred_lines"
    __table_args__ = (UniqueConstraint("connection_id", "aux_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("punchout_sessions.id"), index=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("buyer_connections.id"))
    # The SupplierPartAuxiliaryID sent with the line; the buyer sends it back in edit and POs.
    aux_id: Mapped[str] = mapped_column(String(100))
    line_number: Mapped[int]
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[quantity]
    unit: Mapped[str] = mapped_column(String(3))
    unit_price: Mapped[money]
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def line_total(self) -> Decimal:
        return self.quantity * self.unit_price


class MessageLog(db.Model):
    """Every protocol document in and out, secrets redacted, for support and audit."""

    __tablename__ = "punchout_messages"
    __table_args__ = (
        # The back office lists a connection's (or a session's) documents, newest first.
        Index("ix_punchout_messages_connection_created", "connection_id", "created_at"),
        Index("ix_punchout_messages_session_created", "session_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[Direction] = mapped_column(enum_column(Direction))
    connection_id: Mapped[int | None] = mapped_column(ForeignKey("buyer_connections.id"))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("punchout_sessions.id"))
    document_type: Mapped[str] = mapped_column(String(64), default="")
    payload_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    status_code: Mapped[int | None]
    status_text: Mapped[str] = mapped_column(String(255), default="")
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    connection: Mapped[BuyerConnection | None] = relationship()
    session: Mapped[PunchOutSession | None] = relationship()

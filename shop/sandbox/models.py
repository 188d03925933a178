"""The sandbox's own records: requisitions (PunchOut, cart, order) and inbox documents.

Documents are stored with their secrets masked; the sandbox keeps no secret of its own (the
profiles' secrets are derived from SECRET_KEY) except the one a user types for another
supplier's shop, which is stored encrypted like the shop's outbound secrets.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shop.database import enum_column, utcnow
from shop.extensions import db


class RequisitionStatus(enum.StrEnum):
    STARTED = "started"  # the supplier answered with a StartPage (or the OCI entry is ready)
    SETUP_FAILED = "setup-failed"  # the supplier refused the PunchOut
    RETURNED = "returned"  # a cart came back
    ORDERED = "ordered"  # approved, and the supplier accepted the purchase order
    ORDER_FAILED = "order-failed"  # approved, but the supplier refused the purchase order


class SandboxRequisition(db.Model):
    """One PunchOut from the sandbox and what became of it."""

    __tablename__ = "sandbox_requisitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unguessable: part of the return URL the cart is posted to, without any login.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    profile: Mapped[str] = mapped_column(String(32))
    operation: Mapped[str] = mapped_column(String(16), default="create")
    presentation: Mapped[str] = mapped_column(String(16), default="iframe")
    status: Mapped[RequisitionStatus] = mapped_column(
        enum_column(RequisitionStatus), default=RequisitionStatus.STARTED
    )
    problem: Mapped[str] = mapped_column(Text, default="")
    # Which supplier: "shop" (this one) or "custom" (URLs and credentials typed by the user).
    target: Mapped[str] = mapped_column(String(16), default="shop")
    punchout_url: Mapped[str] = mapped_column(Text)  # setup URL (cXML) or entry URL (OCI)
    order_url: Mapped[str] = mapped_column(Text, default="")
    # For a custom supplier: [from, to, sender] as [domain, identity] pairs.
    identities: Mapped[list[Any]] = mapped_column(JSON, default=list)
    secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    buyer_cookie: Mapped[str] = mapped_column(String(255), default="")
    selected_item: Mapped[str] = mapped_column(String(255), default="")
    # Lines sent with an edit or inspect request (RequisitionLine fields, as JSON).
    sent_lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sandbox_requisitions.id"))
    # Where the browser goes: the StartPage, or the OCI entry URL and its parameters.
    start_url: Mapped[str] = mapped_column(Text, default="")
    start_fields: Mapped[list[Any]] = mapped_column(JSON, default=list)
    setup_request: Mapped[str] = mapped_column(Text, default="")
    setup_response: Mapped[str] = mapped_column(Text, default="")
    # The cart: "cxml-urlencoded", "cxml-base64" or "oci"; the XML, or the OCI pairs as JSON.
    return_format: Mapped[str] = mapped_column(String(20), default="")
    returned_body: Mapped[str] = mapped_column(Text, default="")
    returned_at: Mapped[dt.datetime | None]
    order_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    order_request: Mapped[str] = mapped_column(Text, default="")
    order_response: Mapped[str] = mapped_column(Text, default="")
    order_status: Mapped[int | None]
    order_status_text: Mapped[str] = mapped_column(Text, default="")
    ordered_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    parent: Mapped[SandboxRequisition | None] = relationship(remote_side=[id])

    @property
    def number(self) -> str:
        return f"REQ-{self.id:05d}"

    def __repr__(self) -> str:
        return f"<SandboxRequisition {self.id} {self.profile} {self.status}>"


class SandboxDocument(db.Model):
    """A document the shop sent to the sandbox's inbox (confirmation, ship notice, invoice)."""

    __tablename__ = "sandbox_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[str] = mapped_column(String(32))
    document_type: Mapped[str] = mapped_column(String(64), default="")
    payload_id: Mapped[str] = mapped_column(String(255), default="", index=True)
    order_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    requisition_id: Mapped[int | None] = mapped_column(ForeignKey("sandbox_requisitions.id"))
    authenticated: Mapped[bool] = mapped_column(default=False)
    status_code: Mapped[int] = mapped_column(default=200)  # what the inbox answered
    status_text: Mapped[str] = mapped_column(Text, default="")
    valid: Mapped[bool | None]  # against its DTD; None when no DTD was at hand
    validation: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")  # secrets masked
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)

    requisition: Mapped[SandboxRequisition | None] = relationship()

"""PunchOut sessions: opened by a setup request, entered through a StartPage token,
kept alive by shopping, ended by transfer, cancel or inactivity.

Protocol-neutral: cXML setup and OCI entry both describe the visit as ``SetupData``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from shop import oci
from shop.cart.models import Cart, CartLine
from shop.catalog.models import Product
from shop.database import utcnow
from shop.extensions import db
from shop.punchout import credentials, urls
from shop.punchout.errors import PunchOutRefused, SessionEnded, StartLocked, StartRefused
from shop.punchout.models import (
    BuyerConnection,
    ConnectionMode,
    Operation,
    Protocol,
    PunchOutSession,
    SessionStatus,
    StartToken,
    TransferredLine,
)
from shop.punchout.oci_settings import OCISettings
from shop.punchout.provisioning import shop_user_for
from shop.ratelimit import AuthKind, get_limiter

log = logging.getLogger(__name__)

# last_seen is written at most this often, so browsing does not write on every request.
TOUCH_INTERVAL = dt.timedelta(seconds=30)


@dataclass(frozen=True)
class ItemRef:
    """A line the buyer already has (ItemOut of an edit or inspect request)."""

    supplier_part_id: str
    aux_id: str = ""
    quantity: Decimal = Decimal(1)


@dataclass(frozen=True)
class SetupData:
    """What a setup request (or an OCI entry) says about the visit it starts."""

    return_url: str
    operation: Operation = Operation.CREATE
    buyer_cookie: str = ""
    payload_id: str | None = None
    deployment_mode: str = "production"
    extrinsics: Mapping[str, Any] = field(default_factory=dict)
    contact: Mapping[str, Any] = field(default_factory=dict)  # name, email, unique_name
    ship_to: Mapping[str, Any] = field(default_factory=dict)
    selected_item: str = ""
    items: Sequence[ItemRef] = ()
    from_credentials: Sequence[tuple[str, str]] = ()
    to_credentials: Sequence[tuple[str, str]] = ()
    oci_parameters: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StartedSession:
    session_id: int
    token: str
    expires_at: dt.datetime


@dataclass(frozen=True)
class Visit:
    """A StartPage opened: the session, and a spare token for the new-window fallback."""

    session: PunchOutSession
    relaunch_token: str


def open_session(connection: BuyerConnection, data: SetupData) -> StartedSession:
    """Check a setup against the connection, open a session with its cart, issue a token."""
    started = prepare_session(connection, data)
    db.session.commit()
    return started


def prepare_session(connection: BuyerConnection, data: SetupData) -> StartedSession:
    """``open_session`` without the commit, for a caller that logs in the same transaction."""
    _check_setup(connection, data)
    try:
        staged = _flushed(_stage(connection, data))
    except IntegrityError:
        db.session.rollback()
        refuse_replay(connection, data)
        # Another request created the same new user at the same moment: now it exists.
        staged = _flushed(_stage(connection, data))
    return StartedSession(staged.session.id, staged.token, staged.expires_at)


@dataclass(frozen=True)
class StagedSession:
    """A session, its cart and its start token added to the transaction, not yet flushed."""

    session: PunchOutSession
    token: str
    expires_at: dt.datetime


def stage_session(connection: BuyerConnection, data: SetupData) -> StagedSession:
    """Check a setup and add the session to the transaction without writing anything yet.

    The caller's commit writes it together with whatever else the caller adds (the message
    log), in one flush: on SQLite the write lock is taken at the first INSERT and held to the
    commit, so nothing slow should run in between. A replayed payloadID (or a user created
    by a simultaneous request) fails that commit with IntegrityError: roll back and call
    ``refuse_replay``, then stage again once.
    """
    _check_setup(connection, data)
    return _stage(connection, data)


def refuse_replay(connection: BuyerConnection, data: SetupData) -> None:
    """After a failed commit (rolled back): PunchOutRefused 409 when the payloadID was used."""
    if data.payload_id and _replayed(connection.id, data.payload_id):
        raise PunchOutRefused(409, "Conflict: this payloadID was already used")


def _flushed(staged: StagedSession) -> StagedSession:
    db.session.flush()
    log.info("PunchOut session %s opened (%s) for connection %s", staged.session.id,
             staged.session.operation, staged.session.connection_id)
    return staged


def _check_setup(connection: BuyerConnection, data: SetupData) -> None:
    if not connection.active:
        raise PunchOutRefused(403, "Forbidden: this buyer connection is not active")
    if data.deployment_mode == "test" and connection.mode == ConnectionMode.PRODUCTION:
        raise PunchOutRefused(403, "Forbidden: test document sent to a production connection")
    if not data.return_url.strip():
        raise PunchOutRefused(400, "Bad Request: BrowserFormPost URL is missing")
    if not _return_url_allowed(connection, data.return_url.strip()):
        raise PunchOutRefused(
            403, "Forbidden: BrowserFormPost URL is not among this connection's return URLs"
        )
    # A replayed payloadID is caught by the unique constraint when the session is inserted.


def _return_url_allowed(connection: BuyerConnection, url: str) -> bool:
    if connection.protocol == Protocol.OCI:
        # OCI's own rules: the same prefixes, plus SAPEVENT: where the connection allows it.
        settings = OCISettings.from_json(connection.oci_settings)
        return oci.hook_url_allowed(url, connection.return_url_prefixes,
                                    settings.allow_non_http_hook)
    return urls.url_allowed(url, connection.return_url_prefixes)


def _replayed(connection_id: int, payload_id: str) -> bool:
    return db.session.scalar(
        select(PunchOutSession.id).where(
            PunchOutSession.connection_id == connection_id,
            PunchOutSession.payload_id == payload_id,
        )
    ) is not None


def _stage(connection: BuyerConnection, data: SetupData) -> StagedSession:
    user = shop_user_for(connection, data.extrinsics, data.contact)
    cart = Cart()
    session = PunchOutSession(
        connection=connection, user=user, cart=cart, payload_id=data.payload_id or None,
        buyer_cookie=data.buyer_cookie, browser_form_post_url=data.return_url.strip(),
        operation=data.operation, deployment_mode=data.deployment_mode,
        extrinsics=dict(data.extrinsics), contact=dict(data.contact), ship_to=dict(data.ship_to),
        from_credentials=[list(pair) for pair in data.from_credentials],
        to_credentials=[list(pair) for pair in data.to_credentials],
        selected_item=data.selected_item.strip()[:255],
        oci_parameters=dict(data.oci_parameters),
    )
    db.session.add(session)
    if data.operation in (Operation.EDIT, Operation.INSPECT):
        with db.session.no_autoflush:  # its reads need none of this, so nothing is written yet
            session.unmatched_items = _rebuild_cart(connection, cart, data.items)
    token, expires_at = _new_token(session)
    return StagedSession(session, token, expires_at)


def _rebuild_cart(connection: BuyerConnection, cart: Cart, items: Sequence[ItemRef]) -> list[str]:
    """Fill the cart from the buyer's lines; returns the part IDs that matched nothing."""
    aux_ids = [item.aux_id for item in items if item.aux_id]
    by_aux = dict(db.session.execute(
        select(TransferredLine.aux_id, TransferredLine.product_id).where(
            TransferredLine.connection_id == connection.id, TransferredLine.aux_id.in_(aux_ids)
        )
    ).all()) if aux_ids else {}
    wanted = [Product.sku.in_({item.supplier_part_id for item in items})]
    if by_aux:
        wanted.append(Product.id.in_(set(by_aux.values())))
    products = db.session.scalars(
        select(Product).where(Product.active.is_(True), or_(*wanted))
    ).all()
    by_sku = {p.sku: p for p in products}
    by_id = {p.id: p for p in products}
    lines: dict[int, CartLine] = {}
    unmatched = []
    limit = Decimal(current_app.config["MAX_LINE_QUANTITY"])
    for item in items:
        product = by_id.get(by_aux.get(item.aux_id) or 0) or by_sku.get(item.supplier_part_id)
        if product is None or not (0 < item.quantity <= limit):
            unmatched.append(item.supplier_part_id)
            continue
        if product.id in lines:
            lines[product.id].quantity = min(lines[product.id].quantity + item.quantity, limit)
        else:
            lines[product.id] = CartLine(product=product, quantity=item.quantity,
                                         aux_id=item.aux_id[:100])
            cart.lines.append(lines[product.id])
    return unmatched


def _new_token(session: PunchOutSession) -> tuple[str, dt.datetime]:
    token, digest = credentials.new_token()
    ttl = dt.timedelta(seconds=current_app.config["PUNCHOUT_START_TOKEN_TTL"])
    expires_at = utcnow() + ttl
    db.session.add(StartToken(token_hash=digest, session=session, expires_at=expires_at))
    return token, expires_at


def consume_token(token: str, address: str | None = None) -> Visit:
    """Use a StartPage token once: the session it opens (and a spare token), or StartRefused.

    The spare token lets the landing page offer "continue in a new window" when the
    browser refused the session cookie inside the buyer's frame. Bad tokens are counted per
    client ``address``; past the limit every token from there is refused (StartLocked).
    """
    limiter = get_limiter()
    decision = limiter.check(AuthKind.START_TOKEN, None, address)
    if not decision.allowed:
        raise StartLocked(decision.message(), decision.retry_after)
    if not token or len(token) > 128:
        limiter.record_failure(AuthKind.START_TOKEN, None, address)
        raise StartRefused("This PunchOut link is not valid.")
    now = utcnow()
    digest = credentials.token_digest(token)
    # One atomic statement: of two simultaneous uses, exactly one sees rowcount 1.
    result = db.session.execute(
        update(StartToken)
        .where(StartToken.token_hash == digest, StartToken.used_at.is_(None),
               StartToken.expires_at > now)
        .values(used_at=now)
    )
    session = _token_session(digest)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        # Counted after the rollback: the counter's own transaction must not wait for ours.
        limiter.record_failure(AuthKind.START_TOKEN, None, address)
        raise StartRefused("This PunchOut link was already used, has expired or is unknown.",
                           session.connection.frame_ancestors if session else None)
    assert session is not None
    if not session.is_active or _idle_expired(session, now):
        db.session.commit()  # the token stays used
        raise StartRefused("This PunchOut session has ended.", session.connection.frame_ancestors)
    session.last_seen_at = now
    relaunch_token, _ = _new_token(session)
    db.session.commit()
    log.info("PunchOut session %s entered", session.id)
    return Visit(session, relaunch_token)


def _token_session(digest: str) -> PunchOutSession | None:
    return db.session.scalar(
        select(PunchOutSession).join(StartToken).where(StartToken.token_hash == digest)
    )


def discard_token(token: str) -> None:
    """Mark a token used without entering its session (the fallback link was not needed)."""
    if token and len(token) <= 128:
        db.session.execute(
            update(StartToken)
            .where(StartToken.token_hash == credentials.token_digest(token),
                   StartToken.used_at.is_(None))
            .values(used_at=utcnow())
        )
        db.session.commit()


def token_frame_ancestors(token: str) -> list[str]:
    """The framing origins of the connection behind a token, without using the token."""
    if not token or len(token) > 128:
        return []
    session = _token_session(credentials.token_digest(token))
    return list(session.connection.frame_ancestors) if session else []


def _idle_expired(session: PunchOutSession, now: dt.datetime) -> bool:
    timeout = dt.timedelta(seconds=current_app.config["PUNCHOUT_IDLE_TIMEOUT"])
    return now - session.last_seen_at > timeout


def resume_session(session_id: int, user_id: int | None) -> PunchOutSession | None:
    """The active session behind a browser session, touched.

    None when the browser session no longer belongs to it (another login, a logout);
    SessionEnded when it was transferred, cancelled or has just expired.
    """
    session = db.session.get(PunchOutSession, session_id)
    if session is None or session.user_id != user_id:
        return None
    now = utcnow()
    if session.is_active and _idle_expired(session, now):
        session.status, session.ended_at = SessionStatus.EXPIRED, now
        db.session.commit()
        log.info("PunchOut session %s expired", session.id)
    if not session.is_active:
        raise SessionEnded(_ENDED_TEXT[session.status], session.connection.frame_ancestors)
    if now - session.last_seen_at > TOUCH_INTERVAL:
        session.last_seen_at = now
        db.session.commit()
    return session


_ENDED_TEXT = {
    SessionStatus.TRANSFERRED: "Your cart was sent to your procurement system.",
    SessionStatus.CANCELLED: "You returned to your procurement system without a cart.",
    SessionStatus.EXPIRED: "Your PunchOut session expired after a period of inactivity.",
    SessionStatus.ACTIVE: "",
}


def end_session(session_id: int, status: SessionStatus) -> None:
    """Close an active session (transferred or cancelled); closing twice changes nothing."""
    db.session.execute(
        update(PunchOutSession)
        .where(PunchOutSession.id == session_id, PunchOutSession.status == SessionStatus.ACTIVE)
        .values(status=status, ended_at=utcnow())
    )
    db.session.commit()


def get_session(session_id: int) -> PunchOutSession | None:
    return db.session.get(PunchOutSession, session_id)


def list_sessions(connection_id: int, limit: int = 20) -> list[PunchOutSession]:
    """A connection's most recent sessions, newest first."""
    return list(db.session.scalars(
        select(PunchOutSession).where(PunchOutSession.connection_id == connection_id)
        .order_by(PunchOutSession.created_at.desc(), PunchOutSession.id.desc()).limit(limit)
    ))

"""Procurement mode: what changes in the shop while a PunchOut session is active.

Before each request the active session is loaded into ``g.punchout_session``; the cart
feature resolves the request's cart through ``g.get("punchout_cart_id")`` first, and
``security`` lets the buyer's origins frame the page through ``g.frame_ancestors``.
Checkout, account and order pages send the user back to the cart; an inspect session
cannot change its cart.
"""

from __future__ import annotations

from flask import (
    Flask,
    Response,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user

from shop.punchout import sessions
from shop.punchout.errors import SessionEnded
from shop.punchout.models import PunchOutSession

# Key of the PunchOut session's id in the (signed cookie) Flask session.
SESSION_KEY = "punchout_session_id"

# Requests that never run in procurement mode: assets, and the PunchOut entry points,
# which replace whatever session the browser had.
_EXEMPT = {"static", "punchout.setup", "punchout.start", "health.healthz"}
# The built-in buyer simulator plays the procurement system on the shop's own origin: its
# pages (where carts come back to) are the buyer's, never part of a PunchOut session.
_EXEMPT_BLUEPRINTS = {"sandbox"}
# Pages that make no sense while shopping for a procurement system.
_REPLACED_BLUEPRINTS = {"checkout", "orders", "accounts"}
_ALLOWED_ENDPOINTS = {"accounts.logout"}
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ProcurementSessionInterface(SecureCookieSessionInterface):
    """Session cookies that survive inside a buyer's cross-site iframe, and only there.

    Over https (directly or behind ProxyFix) the cookie of a PunchOut session is
    ``SameSite=None; Secure; Partitioned``: cross-site frames only get cookies marked so, and
    browsers that block third-party cookies (headless Chromium by default) still keep
    partitioned (CHIPS) ones. Every other session keeps ``SameSite=Lax`` (plus ``Secure``
    over https), so a normal customer's cookie never travels with another site's request.
    Over plain http (development) ``SameSite=None`` would be refused, so Lax stays.
    """

    @staticmethod
    def _framed_session() -> bool:
        if not has_request_context() or not request.is_secure:
            return False
        # The request started in procurement mode (also when it has just ended it: the
        # deleting cookie must carry the same attributes), or it has just entered it.
        return bool(g.get("procurement_cookie")) or SESSION_KEY in session

    @staticmethod
    def _secure_request() -> bool:
        return has_request_context() and request.is_secure

    def get_cookie_samesite(self, app: Flask) -> str | None:
        return "None" if self._framed_session() else super().get_cookie_samesite(app)

    def get_cookie_secure(self, app: Flask) -> bool:
        return self._secure_request() or super().get_cookie_secure(app)

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return self._framed_session() or super().get_cookie_partitioned(app)


def init_app(app: Flask) -> None:
    app.session_interface = ProcurementSessionInterface()


def enter_procurement_mode(po_session: PunchOutSession) -> None:
    """Bind the browser to a PunchOut session (called by the StartPage after login)."""
    session[SESSION_KEY] = po_session.id
    _expose(po_session)


def _expose(po_session: PunchOutSession) -> None:
    g.punchout_session = po_session
    g.punchout_cart_id = po_session.cart_id
    g.punchout_read_only = po_session.read_only  # the cart feature refuses changes then
    g.frame_ancestors = list(po_session.connection.frame_ancestors)


def current_punchout_session() -> PunchOutSession | None:
    """The active PunchOut session of this request, if any."""
    return g.get("punchout_session")


def load_procurement_mode() -> Response | tuple[str, int] | None:
    """before_app_request: load the session, end expired ones, guard replaced pages."""
    # g outlives a request when an app context is already pushed (tests, CLI): start clean.
    for name in ("punchout_session", "punchout_cart_id", "punchout_read_only", "frame_ancestors",
                 "open_form_action", "procurement_cookie"):
        g.pop(name, None)
    # Unknown URLs (endpoint None) still load the session: their 404 page shows in the frame.
    if request.endpoint in _EXEMPT or request.blueprint in _EXEMPT_BLUEPRINTS:
        return None
    session_id = session.get(SESSION_KEY)
    g.procurement_cookie = session_id is not None
    if not isinstance(session_id, int):
        return None
    try:
        po_session = sessions.resume_session(session_id, _current_user_id())
    except SessionEnded as ended:
        session.clear()
        logout_user()
        g.frame_ancestors = ended.frame_ancestors
        return render_template("punchout/ended.html", message=str(ended)), 410
    if po_session is None:
        session.pop(SESSION_KEY, None)
        return None
    _expose(po_session)
    return _guard(po_session)


def _current_user_id() -> int | None:
    user_id = current_user.get_id() if current_user.is_authenticated else None
    return int(user_id) if user_id is not None else None


def _guard(po_session: PunchOutSession) -> Response | None:
    endpoint = request.endpoint or ""
    if request.blueprint in _REPLACED_BLUEPRINTS and endpoint not in _ALLOWED_ENDPOINTS:
        flash(
            f"You are shopping for {po_session.connection.name}: send the cart to your "
            "procurement system with “Transfer cart”; ordering happens there.",
            "info",
        )
        return redirect(url_for("cart.view"), 303)
    if po_session.read_only and request.blueprint == "cart" and request.method not in _SAFE_METHODS:
        flash("This cart is open for viewing only; it cannot be changed.", "warning")
        return redirect(url_for("cart.view"), 303)
    return None

"""PunchOut: the setup endpoint, the StartPage, the landing check, transfer and cancel.

Transfer and cancel serve both protocols: an OCI session gets its form from ``oci_views``.
"""

from __future__ import annotations

import re
from typing import NoReturn
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_user

from shop.body_limit import xml_body_limit
from shop.errors import NOT_POST, post_only
from shop.extensions import csrf
from shop.punchout import mode, oci_views, services
from shop.punchout.errors import CartBlocked, SessionEnded, StartLocked, StartRefused
from shop.punchout.models import Protocol
from shop.punchout.oci_transfer import cancel_oci_session, transfer_oci_cart
from shop.punchout.setup import ShopAddresses, answer_setup_request
from shop.punchout.transfer import CartReturn, cancel_session, transfer_cart
from shop.security import cxml_https_only

bp = Blueprint("punchout", __name__, url_prefix="/punchout")

XML_TYPE = "text/xml; charset=utf-8"
# Purchase orders are received by the orders feature at this path (see docs/orders.md).
ORDER_REQUEST_PATH = "/orders/cxml"
_HOST = re.compile(r"[A-Za-z0-9.-]+")
bp.record_once(lambda state: mode.init_app(state.app))
bp.before_app_request(mode.load_procurement_mode)


def _private(response: Response) -> Response:
    # The URL of these pages carries a token: never let it travel in a Referer or a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(message: str, frame_ancestors: list[str], status: int = 403) -> Response:
    g.frame_ancestors = frame_ancestors
    page = render_template("punchout/start_refused.html", message=message)
    return _private(make_response(page, status))


@bp.get("/start/<token>")
def start(token: str) -> Response:
    """StartPage: use the token, log the mapped user in, go on without the token in the URL."""
    try:
        visit = services.consume_token(token, request.remote_addr)
    except StartLocked as locked:
        response = _refused(str(locked), [], locked.status)
        response.headers["Retry-After"] = str(locked.retry_after)
        return response
    except StartRefused as refused:
        return _refused(str(refused), refused.frame_ancestors, refused.status)
    # A fresh session: nothing the browser brought along (a planted cookie) survives, and a
    # CSRF token Flask-WTF cached for the old session must not be reused for the new one.
    session.clear()
    g.pop("csrf_token", None)
    if not login_user(visit.session.user, remember=False, fresh=True):
        return _refused("The shop account of this PunchOut connection is deactivated.",
                        visit.session.connection.frame_ancestors)
    mode.enter_procurement_mode(visit.session)
    return _private(redirect(url_for("punchout.enter", r=visit.relaunch_token), 303))


@bp.get("/enter")
def enter() -> Response:
    """Land in the shop, or explain how to continue when the browser refused the cookie."""
    relaunch = request.args.get("r", "")
    po_session = mode.current_punchout_session()
    if po_session is None:
        # The session cookie set by the StartPage did not come back: the browser blocks
        # cookies in the buyer's frame. A top-level window is first-party and works.
        g.frame_ancestors = services.token_frame_ancestors(relaunch)
        start_url = url_for("punchout.start", token=relaunch) if relaunch else None
        page = render_template("punchout/new_window.html", start_url=start_url)
        return _private(make_response(page, 200))
    services.discard_token(relaunch)
    if po_session.unmatched_items:
        flash("Some items of your requisition are no longer in the catalog: "
              + ", ".join(po_session.unmatched_items[:10]), "warning")
    return _private(redirect(services.landing_url(po_session), 303))


@bp.post("/setup", provide_automatic_options=False)  # OPTIONS: explain_setup
@csrf.exempt  # a server-to-server call that authenticates with its own credentials
@cxml_https_only  # 403 over plain http when CXML_HTTPS_ONLY is set
@xml_body_limit  # 413 before a byte is parsed when the body passes MAX_XML_BYTES
def setup() -> Response:
    """PunchOutSetupRequest or ProfileRequest in, cXML Response out (HTTP 200 when readable)."""
    body = request.get_data()
    shop = ShopAddresses(
        host=_payload_host(),
        start_url=lambda token: _external_url(url_for("punchout.start", token=token)),
        transactions={
            "PunchOutSetupRequest": _external_url(url_for("punchout.setup")),
            "ProfileRequest": _external_url(url_for("punchout.setup")),
            "OrderRequest": _external_url(ORDER_REQUEST_PATH),
        },
    )
    answer = answer_setup_request(body, request.remote_addr or "", shop)
    return Response(answer, 200, content_type=XML_TYPE)


@bp.route("/setup", methods=NOT_POST, provide_automatic_options=False)
@csrf.exempt  # nothing to protect: it only explains, and must not answer 400 to a PUT
def explain_setup() -> NoReturn:
    """Someone opened the URL in a browser: 405 saying what it is for."""
    post_only("This is the cXML PunchOut setup endpoint: procurement systems send "
              "PunchOutSetupRequest (or ProfileRequest) documents to it with POST.")


def _external_url(path: str) -> str:
    """An absolute URL: SHOP_BASE_URL when set, else this request's scheme and host."""
    base = current_app.config.get("SHOP_BASE_URL") or request.host_url
    return base.rstrip("/") + path


def _payload_host() -> str:
    """This shop's host name, for the payloadIDs of the documents it writes."""
    base = current_app.config.get("SHOP_BASE_URL") or request.host_url
    host = urlsplit(base).hostname or ""
    return host if _HOST.fullmatch(host) else "shop.invalid"


def _cart_return(result: CartReturn) -> Response:
    """The page whose form carries the cart to the buyer (its script submits it at once)."""
    g.open_form_action = True  # the form posts to the buyer's BrowserFormPost URL
    response = make_response(render_template("punchout/transfer.html", result=result))
    response.headers["Cache-Control"] = "no-store"
    return response


def _ended(error: SessionEnded) -> tuple[str, int]:
    g.frame_ancestors = error.frame_ancestors or g.get("frame_ancestors", [])
    return render_template("punchout/ended.html", message=str(error)), 410


@bp.post("/transfer")
def transfer() -> Response | tuple[str, int]:
    """Send the cart to the procurement system."""
    po_session = mode.current_punchout_session()
    if po_session is None:
        flash("There is no PunchOut session to send a cart to.", "warning")
        return redirect(url_for("catalog.home"), 303)
    try:
        if po_session.connection.protocol == Protocol.OCI:
            return oci_views.form_page(transfer_oci_cart(po_session.id))
        result = transfer_cart(po_session.id, _payload_host())
    except CartBlocked as blocked:
        for problem in blocked.problems:
            flash(problem, "error")
        return redirect(url_for("cart.view"), 303)
    except SessionEnded as ended:
        return _ended(ended)
    return _cart_return(result)


@bp.post("/cancel")
def cancel() -> Response | tuple[str, int]:
    """Return to the procurement system with an empty cart."""
    po_session = mode.current_punchout_session()
    if po_session is None:
        flash("There is no PunchOut session to return from.", "warning")
        return redirect(url_for("catalog.home"), 303)
    try:
        if po_session.connection.protocol == Protocol.OCI:
            return oci_views.form_page(cancel_oci_session(po_session.id))
        result = cancel_session(po_session.id, _payload_host())
    except SessionEnded as ended:
        return _ended(ended)
    return _cart_return(result)

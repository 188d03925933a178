"""PunchOut in the browser: the StartPage, the landing check, transfer and cancel."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
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

from shop.punchout import mode, services
from shop.punchout.errors import StartRefused

bp = Blueprint("punchout", __name__, url_prefix="/punchout")
bp.record_once(lambda state: mode.init_app(state.app))
bp.before_app_request(mode.load_procurement_mode)


def _private(response: Response) -> Response:
    # The URL of these pages carries a token: never let it travel in a Referer or a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _refused(message: str, frame_ancestors: list[str]) -> Response:
    g.frame_ancestors = frame_ancestors
    page = render_template("punchout/start_refused.html", message=message)
    return _private(make_response(page, 403))


@bp.get("/start/<token>")
def start(token: str) -> Response:
    """StartPage: use the token, log the mapped user in, go on without the token in the URL."""
    try:
        visit = services.consume_token(token)
    except StartRefused as refused:
        return _refused(str(refused), refused.frame_ancestors)
    # A fresh session: nothing the browser brought along (a planted cookie) survives.
    session.clear()
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


@bp.post("/transfer")
def transfer() -> Response:
    """Send the cart to the procurement system (built with the cXML toolkit)."""
    return make_response("The cart transfer needs the cXML toolkit.", 501)


@bp.post("/cancel")
def cancel() -> Response:
    """Return to the procurement system with an empty cart."""
    return make_response("The cart transfer needs the cXML toolkit.", 501)

"""The sandbox pages: requisitions, PunchOut into a supplier, the returned cart, the inbox."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import SelectChoice

from shop import cxml
from shop.errors import NotFound
from shop.extensions import csrf
from shop.punchout.errors import ConnectionInvalid
from shop.sandbox import access, inbox, services
from shop.sandbox.connect import connect_profile, find_connection
from shop.sandbox.forms import PunchOutForm
from shop.sandbox.models import RequisitionStatus
from shop.sandbox.profiles import PROFILES
from shop.security import content_security_policy
from shop.text_guard import reads_raw_body

bp = Blueprint("sandbox", __name__, url_prefix="/sandbox")

XML_TYPE = "text/xml; charset=utf-8"
# Reached by the buyer's browser (the cart) or by the shop's outbox: no login, own checks.
_OPEN_ENDPOINTS = {"sandbox.receive_cart", "sandbox.receive_document"}


@bp.before_request
def _require_staff() -> Response | None:
    if request.endpoint in _OPEN_ENDPOINTS:
        return None
    user = access.sandbox_user()
    if user is None:
        if current_user.is_authenticated:
            abort(403)
        flash("The procurement sandbox is for staff: sign in with a staff account.", "info")
        return redirect(url_for("accounts.login", next=request.path), 303)
    g.sandbox_user = user
    return None


@bp.after_request
def _renew_pass(response: Response) -> Response:
    if g.get("sandbox_user") is not None:
        access.grant_pass(response, g.sandbox_user)
    return response


@bp.errorhandler(CSRFError)
def _stale_form(error: CSRFError) -> Response:
    flash("That page was out of date (a PunchOut signs this browser in as the buyer's "
          "user). Please try again.", "warning")
    return redirect(url_for("sandbox.index"), 303)


def _dtd_dir() -> Path:
    return Path(current_app.config["CXML_DTD_DIR"])


def _base_url() -> str:
    return current_app.config.get("SHOP_BASE_URL") or request.host_url


@bp.get("/")
def index() -> str:
    form = PunchOutForm()
    requisitions = services.list_requisitions()
    form.parent_id.choices = [SelectChoice("0", "— (create only)")] + [
        SelectChoice(str(r.id), f"{r.number} ({r.profile}, {r.created_at:%Y-%m-%d %H:%M})")
        for r in requisitions if r.return_format.startswith("cxml")
    ]
    connections = {key: find_connection(profile) for key, profile in PROFILES.items()}
    # Without DTDs the runner's DTD step would fail a journey that otherwise passes: the
    # CLI lines shown then skip it, and the page says how to install them.
    return render_template("sandbox/index.html", form=form, profiles=PROFILES,
                           connections=connections, requisitions=requisitions,
                           dtds_installed=cxml.has_dtds(_dtd_dir()))


@bp.post("/connect/<profile_key>")
def connect(profile_key: str) -> Response:
    profile = PROFILES.get(profile_key)
    if profile is None:
        abort(404)
    try:
        credentials = connect_profile(profile, _base_url())
    except ConnectionInvalid as error:
        flash(str(error), "error")
    else:
        verb = "Created" if credentials.created else "Updated"
        flash(f"{verb} the buyer connection {credentials.connection_name!r} for "
              f"{profile.company}.", "success")
    return redirect(url_for("sandbox.index"), 303)


@bp.post("/punchout")
def start_punchout() -> Response | tuple[str, int]:
    form = PunchOutForm()
    form.parent_id.choices = [SelectChoice("0")] + [
        SelectChoice(str(r.id)) for r in services.list_requisitions()]
    if not form.validate():
        for field_errors in form.errors.values():
            for message in field_errors:
                flash(str(message), "error")
        return redirect(url_for("sandbox.index"), 303)
    request_ = services.PunchOutRequest(
        profile_key=form.profile.data, operation=form.operation.data,
        presentation=form.chosen_presentation(), base_url=_base_url(),
        user_id=g.sandbox_user.id, parent_id=form.parent(),
        selected_item=form.selected_item.data or "", custom=form.custom_supplier(),
    )
    try:
        requisition = services.start_punchout(request_)
    except (services.SandboxRefused, ConnectionInvalid) as error:
        flash(str(error), "error")
        return redirect(url_for("sandbox.index"), 303)
    return redirect(url_for("sandbox.show_requisition", requisition_id=requisition.id), 303)


@bp.get("/requisitions/<int:requisition_id>")
def show_requisition(requisition_id: int) -> Response:
    try:
        requisition = services.get_requisition(requisition_id)
    except NotFound:
        abort(404)
    review = services.review(requisition, _dtd_dir())
    documents = inbox.documents_for(requisition.id)
    page = render_template("sandbox/requisition.html", requisition=requisition, review=review,
                           profile=PROFILES[requisition.profile], documents=documents,
                           Status=RequisitionStatus)
    response = make_response(page)
    if requisition.status == RequisitionStatus.STARTED:
        _allow_supplier(response, requisition.start_url, bool(requisition.start_fields))
    return response


def _allow_supplier(response: Response, start_url: str, posts_form: bool) -> None:
    """Let this page frame (and post the OCI entry to) the supplier's origin."""
    parts = urlsplit(start_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    g.open_form_action = posts_form
    response.headers["Content-Security-Policy"] = (
        f"{content_security_policy()}; frame-src 'self' {origin}"
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the StartPage URL is a credential
    response.headers["Cache-Control"] = "no-store"


@bp.get("/requisitions/<int:requisition_id>/status")
def requisition_status(requisition_id: int) -> Response:
    """Polled by the requisition page while the supplier is open in another window."""
    try:
        requisition = services.get_requisition(requisition_id)
    except NotFound:
        abort(404)
    return jsonify(status=requisition.status.value)


@bp.post("/receive/<token>")
@csrf.exempt  # the supplier's transfer page posts here; the token in the URL is the key
def receive_cart(token: str) -> Response | tuple[str, int]:
    pairs = list(request.form.items(multi=True))
    try:
        requisition = services.receive_cart(token, pairs)
    except NotFound:
        abort(404)
    except (services.SandboxRefused, ValueError) as error:
        return render_template("sandbox/receive_refused.html", message=str(error)), 400
    return redirect(url_for("sandbox.show_requisition", requisition_id=requisition.id), 303)


@bp.post("/requisitions/<int:requisition_id>/approve")
def approve(requisition_id: int) -> Response:
    try:
        requisition = services.approve(requisition_id, _dtd_dir())
    except NotFound:
        abort(404)
    except services.SandboxRefused as error:
        flash(str(error), "error")
    else:
        category = "success" if requisition.status == RequisitionStatus.ORDERED else "error"
        flash(f"Purchase order {requisition.order_id}: Status {requisition.order_status} "
              f"{requisition.order_status_text}", category)
    return redirect(url_for("sandbox.show_requisition", requisition_id=requisition_id), 303)


@bp.post("/inbox/<profile_key>")
@csrf.exempt  # a server-to-server cXML post; authenticated by its own credentials
@reads_raw_body
def receive_document(profile_key: str) -> Response:
    profile = PROFILES.get(profile_key)
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        answer = cxml.build_status_response(413, "Request Entity Too Large", host=inbox.HOST)
        return Response(answer, 413, content_type=XML_TYPE)
    if profile is None:
        answer = cxml.build_status_response(404, "Not Found", "no such sandbox inbox",
                                            host=inbox.HOST)
        return Response(answer, 200, content_type=XML_TYPE)
    result = inbox.receive_document(profile, body, request.remote_addr or "", _dtd_dir())
    return Response(result.body, 200, content_type=XML_TYPE)


@bp.get("/inbox")
def show_inbox() -> str:
    return render_template("sandbox/inbox.html", documents=inbox.list_documents())


@bp.get("/documents/<int:document_id>")
def show_document(document_id: int) -> str:
    document = inbox.get_document(document_id)
    if document is None:
        abort(404)
    return render_template("sandbox/document.html", document=document)

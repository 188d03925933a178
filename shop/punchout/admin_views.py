"""Back office for PunchOut: buyer connections, sessions and the message log (staff only)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug import exceptions as http_exceptions
from wtforms import SelectChoice

from shop.admin import register_section, staff_only
from shop.errors import NotFound
from shop.punchout import services
from shop.punchout.errors import ConnectionInvalid
from shop.punchout.forms import ActionForm, ConnectionForm, MessageFilterForm
from shop.punchout.models import Direction

bp = staff_only(Blueprint("punchout_admin", __name__, url_prefix="/admin/punchout"))
register_section("PunchOut connections", "punchout_admin.list_connections", order=60)
register_section("PunchOut messages", "punchout_admin.list_messages", order=70)

MESSAGES_PER_PAGE = 50


@bp.errorhandler(NotFound)
def not_found(error: NotFound) -> tuple[str, int]:
    return render_template("errors/404.html", error=http_exceptions.NotFound()), 404


@bp.get("/connections")
def list_connections() -> str:
    return render_template("punchout/admin/connections.html",
                           connections=services.list_connections())


def _secret_page(connection_id: int, secret: str, created: bool) -> Response:
    """The one and only time a shared secret is shown in full."""
    page = render_template("punchout/admin/secret.html", created=created, secret=secret,
                           connection=services.get_connection(connection_id))
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/connections/new", methods=["GET", "POST"])
def create_connection() -> Response | str:
    form = ConnectionForm()
    if form.validate_on_submit():
        secret = form.shared_secret.data or ""
        if form.generate_secret.data:
            secret = services.generate_secret()
        try:
            connection = services.create_connection(
                form.settings(), shared_secret=secret or None,
                outbound_secret=form.outbound_secret.data or "",
                create_company=bool(form.create_company.data),
            )
        except ConnectionInvalid as error:
            form.form_errors.append(str(error))
        else:
            flash(f"Buyer connection {connection.name} added.", "success")
            if form.generate_secret.data:
                return _secret_page(connection.id, secret, created=True)
            return redirect(url_for(".show_connection", connection_id=connection.id), 303)
    return render_template("punchout/admin/connection_form.html", form=form, connection=None)


@bp.get("/connections/<int:connection_id>")
def show_connection(connection_id: int) -> str:
    connection = services.get_connection(connection_id)
    return render_template(
        "punchout/admin/connection.html", connection=connection, action=ActionForm(),
        sessions=services.list_sessions(connection_id),
        messages=services.list_messages(services.MessageFilter(connection_id=connection_id),
                                        per_page=10)[0],
    )


@bp.route("/connections/<int:connection_id>/edit", methods=["GET", "POST"])
def edit_connection(connection_id: int) -> Response | str:
    connection = services.get_connection(connection_id)
    form = ConnectionForm()
    if request.method == "GET":
        form.fill_from(connection)
    elif form.validate_on_submit():
        try:
            services.update_connection(
                connection_id, form.settings(),
                outbound_secret=form.outbound_secret.data or None,
                create_company=bool(form.create_company.data),
            )
        except ConnectionInvalid as error:
            form.form_errors.append(str(error))
        else:
            flash("Changes saved.", "success")
            return redirect(url_for(".show_connection", connection_id=connection_id), 303)
    return render_template("punchout/admin/connection_form.html", form=form,
                           connection=connection)


@bp.post("/connections/<int:connection_id>/deactivate")
def deactivate_connection(connection_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_active(connection_id, False)
    flash("The connection is inactive: its setup requests are now answered 403.", "info")
    return redirect(url_for(".show_connection", connection_id=connection_id), 303)


@bp.post("/connections/<int:connection_id>/activate")
def activate_connection(connection_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    services.set_active(connection_id, True)
    flash("The connection is active again.", "success")
    return redirect(url_for(".show_connection", connection_id=connection_id), 303)


@bp.post("/connections/<int:connection_id>/rotate-secret")
def rotate_secret(connection_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    secret = services.set_shared_secret(connection_id)
    return _secret_page(connection_id, secret, created=False)


@bp.get("/messages")
def list_messages() -> str:
    form = MessageFilterForm(request.args)
    form.connection.choices = [SelectChoice("", "All")] + [
        SelectChoice(str(c.id), c.name) for c in services.list_connections()]
    form.document_type.choices = [SelectChoice("", "All")] + [
        SelectChoice(t) for t in services.document_types() if t]
    connection_id = request.args.get("connection", "")
    session_id = request.args.get("session", "")
    flt = services.MessageFilter(
        connection_id=int(connection_id) if connection_id.isdigit() else None,
        session_id=int(session_id) if session_id.isdigit() else None,
        direction=Direction(form.direction.data) if form.direction.data in ("in", "out") else None,
        document_type=form.document_type.data or "",
        payload_id=(form.payload_id.data or "").strip()[:255],
        failed_only=bool(form.failed.data),
    )
    page = request.args.get("page", 1, type=int) or 1
    rows, total = services.list_messages(flt, page=page, per_page=MESSAGES_PER_PAGE)
    pages = max(1, -(-total // MESSAGES_PER_PAGE))
    return render_template("punchout/admin/messages.html", form=form, messages=rows,
                           total=total, page=page, pages=pages)


@bp.get("/messages/<int:message_id>")
def show_message(message_id: int) -> str:
    return render_template("punchout/admin/message.html",
                           message=services.get_message(message_id))


@bp.get("/sessions/<int:session_id>")
def show_session(session_id: int) -> str:
    po_session = services.get_session(session_id)
    if po_session is None:
        abort(404)
    return render_template("punchout/admin/session.html", po_session=po_session,
                           messages=services.session_messages(session_id))

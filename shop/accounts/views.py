"""Views of the accounts feature: login, logout and the customer's account page.

The company administration pages (users, addresses) are in ``company_views``, on the same
blueprint.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from shop.accounts import services
from shop.accounts.forms import ActionForm, LoginForm, PasswordForm, ProfileForm
from shop.accounts.models import User
from shop.accounts.next_url import return_path, safe_next

log = logging.getLogger(__name__)
bp = Blueprint("accounts", __name__)

LOGIN_FAILED = "The email or password is not correct."


@bp.app_template_global()
def login_next() -> str | None:
    """The ``next`` of a "Log in" link: this GET page, minus any secret in its URL.

    Used by the header and by pages that end a session (the PunchOut "session ended" page).
    """
    if request.method != "GET" or request.endpoint in (None, "accounts.login"):
        return None
    query = request.query_string.decode("utf-8", "replace")
    return safe_next(return_path(request.path, query, request.blueprint))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response:
    """Log in with email and password, then go back to ``next`` when it is on this site."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    error: str | None = None
    headers: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            user = services.log_in(form.email.data or "", form.password.data or "",
                                   request.remote_addr)
        except services.TooManyAttempts as refused:
            error, headers = str(refused), {"Retry-After": str(refused.retry_after)}
        else:
            if user is not None:
                return _logged_in(user, safe_next(form.next.data) or url_for("catalog.home"))
            log.info("failed login from %s", request.remote_addr)
            error = LOGIN_FAILED
    form.password.data = ""
    page = render_template("accounts/login.html", form=form, error=error)
    return make_response(page, 429 if headers else 200, headers)


def _logged_in(user: User, target: str) -> Response:
    # A fresh session: nothing an attacker planted before login survives it.
    _clear_session()
    login_user(user)
    log.info("user %s logged in", user.id)
    flash(f"Welcome, {user.display_name}.", "success")
    return redirect(target)


@bp.post("/logout")
def logout() -> Response:
    """Log out (POST with a CSRF token, so no other site can log a user out)."""
    if ActionForm().validate_on_submit():
        logout_user()
        _clear_session()
        flash("You are logged out.", "info")
    return redirect(url_for("catalog.home"))


@bp.get("/account")
@login_required
def account() -> tuple[str, int]:
    """The user's profile, password and company."""
    return _render_account(ProfileForm(obj=current_user), PasswordForm())


@bp.post("/account/profile")
@login_required
def update_profile() -> tuple[str, int] | Response:
    """Change the user's name."""
    form = ProfileForm()
    if not form.validate_on_submit():
        return _render_account(form, PasswordForm(), status=400)
    services.update_profile(current_user.id, form.first_name.data or "", form.last_name.data or "")
    flash("Your profile is saved.", "success")
    return redirect(url_for("accounts.account"))


@bp.post("/account/password")
@login_required
def change_password() -> tuple[str, int] | Response:
    """Change the password after confirming the current one."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user.id, form.current_password.data or "",
                                     form.new_password.data or "")
        except services.AccountError as error:
            form.current_password.errors = [str(error)]
        else:
            flash("Your password is changed.", "success")
            return redirect(url_for("accounts.account"))
    return _render_account(ProfileForm(obj=current_user), form, status=400)


def _clear_session() -> None:
    session.clear()
    # The CSRF token made earlier in this request belonged to the old session.
    g.pop("csrf_token", None)


def _render_account(
    profile: ProfileForm, password: PasswordForm, status: int = 200
) -> tuple[str, int]:
    company = current_user.company
    addresses = services.company_addresses(company.id) if company else []
    page = render_template("accounts/account.html", profile_form=profile, password_form=password,
                           company=company, addresses=addresses)
    return page, status


# The company administration routes live on this blueprint too.
from shop.accounts import company_views  # noqa: E402, F401

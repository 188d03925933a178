"""Who may use the sandbox pages: staff, remembered by a pass that survives PunchOut logins.

The sandbox plays the procurement system on the shop's own origin, so a PunchOut started
from it logs the browser in as the buyer's shop user (the StartPage replaces the session).
A signed ``sandbox_pass`` cookie, limited to /sandbox and set while a staff member uses the
sandbox, keeps the staff member's access to the sandbox through that switch.
"""

from __future__ import annotations

from flask import Response, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from shop.accounts.models import User
from shop.extensions import db

PASS_COOKIE = "sandbox_pass"
PASS_MAX_AGE = 8 * 3600  # a working day
_SALT = "sandbox-pass"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def sandbox_user() -> User | None:
    """The staff member using the sandbox: logged in, or holding a valid pass."""
    if current_user.is_authenticated and current_user.is_staff:
        return current_user._get_current_object()  # type: ignore[no-any-return]
    raw = request.cookies.get(PASS_COOKIE)
    if not raw:
        return None
    try:
        user_id = _serializer().loads(raw, max_age=PASS_MAX_AGE)
    except BadSignature:
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    return user if user is not None and user.is_active_user and user.is_staff else None


def grant_pass(response: Response, user: User) -> None:
    """Give (or renew) the pass of a staff member on a sandbox page."""
    response.set_cookie(
        PASS_COOKIE, _serializer().dumps(user.id), max_age=PASS_MAX_AGE, path="/sandbox",
        httponly=True, secure=request.is_secure, samesite="Lax",
    )

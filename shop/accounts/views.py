"""Views of the accounts feature."""

from flask import Blueprint, abort

bp = Blueprint("accounts", __name__)


# Placeholders so that other features can link here; the accounts feature replaces them.
@bp.route("/login", methods=["GET", "POST"])
def login() -> str:
    abort(501)


@bp.post("/logout")
def logout() -> str:
    abort(501)


@bp.get("/account")
def account() -> str:
    abort(501)

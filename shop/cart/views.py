"""Views of the cart feature."""

from flask import Blueprint, abort

bp = Blueprint("cart", __name__, url_prefix="/cart")


# Placeholders so that other features can link here; the cart feature replaces them.
@bp.get("")
def view() -> str:
    abort(501)


@bp.post("/add")
def add() -> str:
    abort(501)

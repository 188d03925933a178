"""Views of the cart feature."""

from flask import Blueprint

bp = Blueprint("cart", __name__, url_prefix="/cart")

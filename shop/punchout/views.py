"""Views of the punchout feature."""

from flask import Blueprint

bp = Blueprint("punchout", __name__, url_prefix="/punchout")

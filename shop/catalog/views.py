"""Catalog pages: home, categories, products and search."""

from flask import Blueprint, render_template

bp = Blueprint("catalog", __name__)


@bp.get("/")
def home() -> str:
    return render_template("catalog/home.html")


@bp.get("/search")
def search() -> str:
    return render_template("catalog/home.html")

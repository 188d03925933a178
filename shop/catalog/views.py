"""Catalog pages: home, categories, products, product pictures and search."""

from __future__ import annotations

import logging
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from shop.catalog import images, queries
from shop.catalog.forms import AddToCartForm
from shop.catalog.models import Product
from shop.catalog.page_cache import cached_page, serve_to_cookieless_visitor
from shop.catalog.search import search_products
from shop.catalog.tree import CategoryNode, category_tree
from shop.catalog.units import unit_name
from shop.errors import NotFound
from shop.extensions import db
from shop.formatting import format_quantity

log = logging.getLogger(__name__)
bp = Blueprint("catalog", __name__)


@bp.record_once
def _serve_kept_pages_first(state: BlueprintSetupState) -> None:
    # Ahead of every other before_request hook, including those registered later (appended).
    state.app.before_request_funcs.setdefault(None, []).insert(0, serve_to_cookieless_visitor)

PAGE_NUMBER = re.compile(r"[0-9]{1,6}")  # ASCII digits only ("²".isdigit() is True)


def _company_id() -> int | None:
    """The company whose prices the visitor sees (None: list prices)."""
    return current_user.company_id if current_user.is_authenticated else None


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not PAGE_NUMBER.fullmatch(raw):
        abort(404)
    return int(raw)


# The catalog pages below are kept rendered for anonymous visitors (catalog.page_cache).


@bp.get("/")
def home() -> str:
    def render() -> str:
        page = queries.home_page(_company_id())
        return render_template("catalog/home.html", page=page)

    return cached_page(render)


@bp.get("/categories/<slug>")
def show_category(slug: str) -> str:
    def render() -> str:
        try:
            page = queries.category_page(
                slug, _page_number(), request.args.get("sort", queries.DEFAULT_SORT),
                _company_id(), current_app.config["PRODUCTS_PER_PAGE"],
            )
        except NotFound:
            abort(404)
        return render_template("catalog/category.html", page=page, sorts=queries.SORT_LABELS,
                               department=page.category.root)

    return cached_page(render)


@bp.get("/products/<sku>")
def show_product(sku: str) -> ResponseReturnValue:
    wanted = _wanted_quantity()
    if wanted is not None and not current_user.is_authenticated:
        # A visitor's "Log in to order": back here after the login, the quantity filled in.
        return redirect(url_for("accounts.login", next=url_for(
            ".show_product", sku=sku, quantity=format_quantity(wanted))))

    def render() -> str:
        try:
            page = queries.product_page(sku, _company_id())
        except NotFound:
            abort(404)
        if current_user.is_authenticated:
            form = AddToCartForm(sku=page.product.sku, quantity=wanted or Decimal(1),
                                 formdata=None)
        else:
            # The same quantity field without the CSRF token: the page then holds nothing
            # personal, is kept for every visitor, and its form asks them to log in first.
            form = AddToCartForm(sku=page.product.sku, formdata=None, meta={"csrf": False})
        department = page.category.root if page.category else None
        return render_template("catalog/product.html", page=page, form=form,
                               department=department)

    return cached_page(render)


def _wanted_quantity() -> Decimal | None:
    """``?quantity=`` of a product page, when it is a plausible amount to order."""
    raw = request.args.get("quantity", "")
    if not raw or len(raw) > 20:
        return None
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        return None
    limit = current_app.config["MAX_LINE_QUANTITY"]
    return amount if amount.is_finite() and 0 < amount <= limit else None


@bp.get("/products/<sku>/image.svg")
def product_image(sku: str) -> Response:
    try:
        data = queries.product_image_data(sku)
    except NotFound:
        abort(404)
    etag = images.image_etag(data.sku, data.version)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        drawing = images.Drawing(data.sku, data.name, data.manufacturer, data.unit, data.theme)
        response = Response(images.product_svg(drawing), mimetype="image/svg+xml")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config["PRODUCT_IMAGE_MAX_AGE"]
    # Opened on its own, the picture may do nothing at all (no scripts, no loads).
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.get("/search")
def search() -> str:
    query = request.args.get("q", "")
    if not query.replace("\x00", "").strip():
        return render_template("catalog/search.html", results=None, query="",
                               departments=category_tree().roots)

    def render() -> str:
        try:
            results = search_products(query, _page_number(),
                                      current_app.config["PRODUCTS_PER_PAGE"], _company_id())
        except NotFound:
            abort(404)
        return render_template("catalog/search.html", results=results, query=results.query,
                               departments=category_tree().roots)

    return cached_page(render)


# ---------- helpers for every template ----------


# Listing pages link every card twice and every category once: url_for costs ~20 µs a call,
# a third of a category page. So each link pattern is built once per request with url_for
# (the route stays defined in one place) and the key is slotted in.
_SLOT = "__catalog_key__"


def _link(endpoint: str, key_name: str, key: str, **query: str) -> str:
    patterns: dict[str, str] = g.setdefault("_catalog_links", {})
    pattern = patterns.get(endpoint)
    if pattern is None:
        pattern = patterns[endpoint] = url_for(endpoint, **{key_name: _SLOT})
    link = pattern.replace(_SLOT, quote(key, safe=""))
    return f"{link}?{urlencode(query)}" if query else link


@bp.app_template_global()
def product_url(sku: str) -> str:
    """The product page's URL (same as url_for('catalog.show_product', sku=sku))."""
    return _link("catalog.show_product", "sku", sku)


@bp.app_template_global()
def category_url(slug: str) -> str:
    """The category page's URL (same as url_for('catalog.show_category', slug=slug))."""
    return _link("catalog.show_category", "slug", slug)


@bp.app_template_global()
def product_image_url(product: Product) -> str:
    """The product's uploaded picture, else its generated one (versioned for caching)."""
    if product.image_url:
        return product.image_url
    version = images.image_etag(product.sku, product.updated_at.isoformat())[:8]
    return _link("catalog.product_image", "sku", product.sku, v=version)


@bp.app_template_global()
def category_nav() -> list[CategoryNode]:
    """Top-level categories for the navigation bar; empty when the database is away."""
    try:
        return category_tree().roots
    except SQLAlchemyError:  # an error page must still render when the database is down
        log.warning("category navigation unavailable: database error")
        db.session.rollback()
        return []


@bp.app_template_filter("paragraphs")
def paragraphs(text: str) -> list[str]:
    """Plain text split at blank lines (the template escapes each one)."""
    return [part.strip() for part in re.split(r"\n\s*\n", text or "") if part.strip()]


@bp.app_template_filter("unit_name")
def _unit_name(code: str) -> str:
    return unit_name(code)


@bp.teardown_app_request
def _forget_tree(exc: BaseException | None) -> None:
    # Memoised on g for one request; tests keep one app context across requests.
    g.pop("_category_tree", None)
    g.pop("_catalog_links", None)


@bp.app_template_global()
def pagination_window(page: int, pages: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link around ``page``, with None where numbers are left out."""
    shown = {1, pages, *range(max(1, page - radius), min(pages, page + radius) + 1)}
    window: list[int | None] = []
    for number in sorted(shown):
        if window and number - (window[-1] or 0) > 1:
            window.append(None)
        window.append(number)
    return window

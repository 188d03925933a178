"""The back office at ``/admin``: the blueprint, its staff guard, the dashboard and helpers.

The pages themselves live in ``catalog_views``, ``company_views`` and ``order_views``, which
attach their routes to ``bp`` (imported at the bottom of this module).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, render_template, request, url_for
from flask_wtf import FlaskForm

from shop.admin import admin_nav, queries, register_section, staff_only
from shop.admin.services import InvalidInput
from shop.errors import NotFound, PermissionDenied

bp = staff_only(Blueprint("admin", __name__, url_prefix="/admin"))
bp.add_app_template_global(admin_nav, "admin_nav")


@bp.app_template_global("admin_page_url")
def page_url(param: str, number: int) -> str:
    """This page's URL with its filters kept and ``param`` set to ``number``."""
    # Names starting with "_" are url_for options (_external, _scheme), never filters.
    args = {key: value for key, value in request.args.items() if not key.startswith("_")}
    args.update(request.view_args or {})
    args[param] = str(number)
    return url_for(request.endpoint or ".dashboard", **args)

register_section("Dashboard", "admin.dashboard", order=10)
register_section("Products", "admin.list_products", order=20)
register_section("Categories", "admin.list_categories", order=30)
register_section("Companies", "admin.list_companies", order=40)
register_section("Orders", "admin.list_orders", order=50)


@bp.errorhandler(NotFound)
def _not_found(error: NotFound) -> tuple[str, int]:
    return render_template("errors/404.html", error=error), 404


@bp.errorhandler(PermissionDenied)
def _forbidden(error: PermissionDenied) -> tuple[str, int]:
    return render_template("errors/403.html", error=error), 403


@bp.get("/")
def dashboard() -> str:
    return render_template("admin/dashboard.html", dashboard=queries.dashboard())


def show_error(form: FlaskForm, error: InvalidInput) -> None:
    """Put a service's complaint next to the field it is about, or at the top of the page."""
    field = form._fields.get(error.field) if error.field else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")


def safe_next(target: str | None, fallback: str) -> str:
    """Where to go after an action: a back-office path on this site, or ``fallback``."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or not target.startswith("/admin/"):
        return fallback
    return target


# Routes live in their own modules; importing them attaches them to ``bp``.
from shop.admin import catalog_views, company_views, order_views  # noqa: E402, F401, I001

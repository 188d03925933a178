"""A B2B storefront with built-in PunchOut (cXML and SAP OCI).

``create_app`` assembles the application from small steps: configuration, extensions,
blueprints, error pages, security headers and command-line commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from shop import errors, formatting, logging_setup, security, text_guard
from shop.config import load_config
from shop.extensions import csrf, db, login_manager

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the shop. ``test_config`` replaces the environment (used by the tests)."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, test_config)
    logging_setup.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    errors.init_app(app)
    formatting.init_app(app)
    security.init_app(app)
    text_guard.init_app(app)
    register_commands(app)
    if app.config["SHOP_PROXY_HOPS"]:
        hops = app.config["SHOP_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    return app


def register_extensions(app: Flask) -> None:
    import shop.models  # noqa: F401  (the whole schema, for create_all and Alembic)
    from shop.accounts.services import load_user

    db.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    # A session cookie used from another address or browser is dropped (the user logs in
    # again): a stolen cookie is worth less, and PunchOut sessions live in one browser.
    login_manager.session_protection = "strong"
    csrf.init_app(app)


def register_blueprints(app: Flask) -> None:
    # Imported here so that importing ``shop`` stays cheap and free of cycles.
    from shop import health
    from shop.accounts.views import bp as accounts_bp
    from shop.admin.views import bp as admin_bp
    from shop.cart.views import bp as cart_bp
    from shop.catalog.views import bp as catalog_bp
    from shop.checkout.views import bp as checkout_bp
    from shop.orders.intake_views import bp as intake_bp
    from shop.orders.po_admin_views import bp as po_admin_bp
    from shop.orders.views import bp as orders_bp
    from shop.punchout.admin_views import bp as punchout_admin_bp
    from shop.punchout.oci_views import bp as punchout_oci_bp
    from shop.punchout.views import bp as punchout_bp

    for blueprint in (health.bp, catalog_bp, accounts_bp, cart_bp, checkout_bp, orders_bp,
                      admin_bp, punchout_bp, punchout_admin_bp, intake_bp,
                      po_admin_bp, punchout_oci_bp):
        app.register_blueprint(blueprint)
    if app.config["SANDBOX_ENABLED"]:
        from shop.sandbox.views import bp as sandbox_bp

        app.register_blueprint(sandbox_bp)


def register_commands(app: Flask) -> None:
    from shop.accounts.commands import users_cli
    from shop.cxml.cli import make_cli as make_cxml_cli
    from shop.orders.commands import orders_cli
    from shop.orders.po_commands import outbox_cli
    from shop.punchout.commands import buyers_cli
    from shop.sandbox.commands import sandbox_cli
    from shop.schema_migrations import DeferredMigrateGroup
    from shop.secrets_commands import secrets_cli

    for group in (users_cli, orders_cli, secrets_cli, buyers_cli, outbox_cli, sandbox_cli):
        app.cli.add_command(group)
    app.cli.add_command(make_cxml_cli(lambda: app.config["CXML_DTD_DIR"]))
    # `flask db`: Flask-Migrate and Alembic are imported only when a db command runs.
    app.cli.add_command(DeferredMigrateGroup(app))

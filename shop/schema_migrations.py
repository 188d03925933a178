"""Schema migrations (Flask-Migrate over Alembic), bound to the app only when one is run.

A serving worker never migrates, and importing Alembic costs every worker about 10 MB. So
``create_app`` registers a stand-in for the ``flask db`` group: ``flask --help`` lists it,
and running any ``db`` command binds Flask-Migrate and hands the arguments to Flask-Migrate's
own group, which parses and runs them exactly as before. Code that migrates outside the
command line (seeding, tests) calls ``bind_migrate`` first.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask

from shop import PROJECT_ROOT
from shop.extensions import db

MIGRATIONS_DIRECTORY = PROJECT_ROOT / "migrations"


def bind_migrate(app: Flask) -> None:
    """Bind Flask-Migrate to ``app`` once, so that its commands and functions work on it."""
    if "migrate" in app.extensions:
        return
    from flask_migrate import Migrate  # imports Alembic: only when migrating

    # This also replaces the stand-in `db` group in app.cli with Flask-Migrate's own.
    Migrate(app, db, directory=str(MIGRATIONS_DIRECTORY), render_as_batch=True)


class DeferredMigrateGroup(click.Group):
    """``flask db``: listed like any group; run, it is Flask-Migrate's own group."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self.app = app

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        """Bind Flask-Migrate, then let its group parse ``args`` (options, help, subcommand)."""
        bind_migrate(self.app)
        from flask_migrate.cli import db as migrate_group

        return migrate_group.make_context(info_name, args, parent=parent, **extra)

"""Migrations build exactly the schema the models describe, so forks can evolve it safely;
they are loaded only to migrate, never to serve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine

from shop import create_app
from shop.catalog.search_index import include_object
from shop.extensions import db
from shop.schema_migrations import bind_migrate
from tests.conftest import TEST_FERNET_KEY

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def test_migrations_match_the_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        bind_migrate(app)
        upgrade()
        engine = create_engine(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, db.metadata)
        engine.dispose()
        db.engine.dispose()
    assert diff == [], f"models and migrations differ; run `flask --app shop db migrate`: {diff}"


# Run in a fresh interpreter: in the suite, other tests have imported Alembic long before.
SERVE_THEN_MIGRATE = """
import json, sys
from shop import create_app
from shop.extensions import db

def migration_modules():
    return sorted(name for name in sys.modules
                  if name.partition(".")[0] in ("alembic", "flask_migrate"))

app = create_app(json.loads(sys.argv[1]))
with app.app_context():
    db.create_all()
status = app.test_client().get("/").status_code
listing = app.test_cli_runner().invoke(args=["--help"]).output
served_with = migration_modules()
heads = app.test_cli_runner().invoke(args=["db", "heads"]).exit_code
print(json.dumps({"status": status, "listing": listing, "served_with": served_with,
                  "heads_exit_code": heads, "migrated_with": migration_modules()}))
"""


def test_serving_loads_no_migration_code_until_a_db_command_runs(tmp_path):
    config = {"TESTING": True, "SECRET_KEY": "test-secret",
              "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'served.db'}",
              "INBOUND_SECRET_PEPPER": "test-pepper", "SHOP_ENCRYPTION_KEYS": TEST_FERNET_KEY}
    result = subprocess.run([sys.executable, "-c", SERVE_THEN_MIGRATE, json.dumps(config)],
                            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])  # Alembic may print before it
    assert seen["status"] == 200
    assert "Perform database migrations." in seen["listing"]  # `flask --help` lists `db`
    assert seen["served_with"] == [], "serving a page imported Flask-Migrate or Alembic"
    assert seen["heads_exit_code"] == 0
    assert "alembic" in seen["migrated_with"] and "flask_migrate.cli" in seen["migrated_with"]


def run_flask(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
                   "SECRET_KEY": "migrations-test", "SHOP_SECRET_PEPPER": "test-pepper",
                   "SHOP_ENCRYPTION_KEYS": TEST_FERNET_KEY}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "shop", *args],
                          cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True,
                          timeout=120)


def test_flask_db_upgrade_migrates_from_the_command_line(tmp_path):
    database = tmp_path / "cli.db"
    upgraded = run_flask(database, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    current = run_flask(database, "db", "current")
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout

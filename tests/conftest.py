"""Fixtures shared by the whole suite, in the style of Flask's tutorial plus factory builders.

The database is real: a SQLite file by default, or PostgreSQL when TEST_DATABASE_URL is set
(``.ci/run`` does both). The schema is created once per test session; every test starts with
empty tables.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, g, request_started
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from shop import create_app
from shop.cxml import has_dtds
from shop.extensions import db

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# ---------- reference files that are not in the repository (docs/testing.md) ----------

# Real cXML and OCI documents (cxml/samples/, oci/) and the official cXML DTDs
# (cxml/dtd/<version>/): ../shared beside the project, or wherever SHOP_SHARED_DIR says.
SHARED = Path(os.environ.get("SHOP_SHARED_DIR") or PROJECT_ROOT.parent / "shared")


def _find_dtds() -> Path | None:
    """The official DTDs as <version>/<file>.dtd: the shared copy, else the shop's own
    (CXML_DTD_DIR, or instance/dtd where `make dtds` puts them)."""
    own = Path(os.environ.get("CXML_DTD_DIR") or PROJECT_ROOT / "instance" / "dtd")
    return next((folder for folder in (SHARED / "cxml" / "dtd", own) if has_dtds(folder)), None)


DTD_DIR = _find_dtds()
# The test apps' CXML_DTD_DIR: those DTDs, or a folder that does not exist (the shop has none).
APP_DTD_DIR = DTD_DIR or SHARED / "cxml" / "dtd"
GET_DTDS = ("run `make dtds` (downloads them into instance/dtd), or set CXML_DTD_DIR to a "
            "folder of <version>/cXML.dtd (docs/testing.md)")


def shared_path(*parts: str) -> Path:
    """A shared reference file or folder, or skip the test saying what is missing and how
    to get it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(_needs_shared("/".join(parts)))
    return path


def shared_names(folder: str, pattern: str) -> list[Any]:
    """The shared files in ``folder`` matching ``pattern``, as names relative to it, for
    ``parametrize``; without any, one parameter that skips saying why."""
    base = SHARED / folder
    names = sorted(path.relative_to(base).as_posix() for path in base.glob(pattern))
    reason = _needs_shared(f"{folder}/{pattern}")
    return names or [pytest.param("(none)", marks=pytest.mark.skip(reason=reason))]


def _needs_shared(what: str) -> str:
    return (f"needs {what} from the shared reference files, which are not in the repository "
            f"(looked in {SHARED}): set SHOP_SHARED_DIR to the folder that holds cxml/ and oci/ "
            "(docs/testing.md)")


def dtd_path(*parts: str) -> Path:
    """The official cXML DTDs' folder, or a file in it; else skip the test saying how to
    get them."""
    if DTD_DIR is None:
        pytest.skip(f"needs the official cXML DTDs (none in {SHARED / 'cxml' / 'dtd'}, "
                    f"CXML_DTD_DIR or instance/dtd): {GET_DTDS}")
    path = DTD_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {'/'.join(parts)} in the DTD folder {DTD_DIR}: {GET_DTDS}")
    return path


@pytest.fixture
def dtd_dir() -> Path:
    """The official cXML DTDs' folder (``dtd_path()``): tests that need the DTDs, directly
    or through the app's CXML_DTD_DIR, ask for it."""
    return dtd_path()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_all_tables() -> None:
    db.session.remove()
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(_schema: None, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "shop.test",
            "CXML_DTD_DIR": str(APP_DTD_DIR),
            # Fixed keys, so tests never create key files in the real instance folder.
            "INBOUND_SECRET_PEPPER": "test-pepper",
            "SHOP_ENCRYPTION_KEYS": TEST_FERNET_KEY,
            # scrypt costs ~0.1 s per hash, and most tests make users and log in: a cheap
            # method keeps the suite fast. Tests of the production method use
            # ``production_hashing``.
            "PASSWORD_HASH_METHOD": FAST_TEST_HASH,
        }
    )
    # The test keeps one app context open, so ``g`` would outlive a request: forget the
    # logged-in user (and everything else in g) when the next request starts, as in production.
    request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        _empty_all_tables()
        yield app
        db.session.remove()
        # Close pooled connections now: every test has its own app and engine.
        db.engine.dispose()


@pytest.fixture
def make_app() -> Iterator[Callable[[dict[str, Any]], Flask]]:
    """Further apps for one test (other settings, a second worker); closed after the test.

    An app whose engine is never disposed leaves its pooled connection to the garbage
    collector, which on PostgreSQL warns (an error here) in whichever test runs next.
    """
    made: list[Flask] = []

    def make(config: dict[str, Any]) -> Flask:
        made.append(create_app(config))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _fresh_request_globals(sender: Flask, **extra: Any) -> None:
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


# A valid Fernet key used only by the tests (32 url-safe base64 bytes).
TEST_FERNET_KEY = "dGVzdC1rZXktZm9yLXRoZS1zaG9wLXRlc3RzLTAwMDA="
# The tests' password hash: one PBKDF2 round (never a production setting).
FAST_TEST_HASH = "pbkdf2:sha256:1"


def log_in_session(client: FlaskClient, user_id: int) -> None:
    """Log a user in the way Flask-Login stores it, without going through the login form.

    The session carries the identifier that ``session_protection = "strong"`` checks, as a
    real login would.
    """
    identifier = session_identifier(client)
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["_fresh"] = True
        session["_id"] = identifier
    g.pop("_login_user", None)  # the test's app context outlives requests


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def session_identifier(client: FlaskClient) -> str:
    """What Flask-Login's strong session protection keeps in ``_id`` for this test client.

    A helper that logs a user in by writing the session directly must write it too, or the
    shop drops the session as one stolen from another browser.
    """
    from shop.extensions import login_manager

    with client.application.test_request_context(environ_base=client.environ_base):
        return str(login_manager._session_identifier_generator())


# ---------- factory builders: each fixture returns a function that creates one object ----------


@pytest.fixture
def make_company(app: Flask) -> Callable[..., Any]:
    from shop.accounts.models import Company

    def make(name: str = "Acme Industries", **fields: Any) -> Company:
        company = Company(name=name, **fields)
        db.session.add(company)
        db.session.commit()
        return company

    return make


@pytest.fixture
def production_hashing(app: Flask) -> None:
    """Hash passwords with the shop's real default method (scrypt) in this test."""
    from shop.config import Defaults

    app.config["PASSWORD_HASH_METHOD"] = Defaults.PASSWORD_HASH_METHOD


@pytest.fixture
def make_user(app: Flask, make_company: Callable[..., Any]) -> Callable[..., Any]:
    from shop.accounts.models import Company, Role, User
    from shop.accounts.passwords import hash_password

    def make(
        email: str = "buyer@acme.test",
        password: str = "correct horse",
        role: Role = Role.BUYER,
        company: Company | None = None,
        **fields: Any,
    ) -> User:
        if company is None and role != Role.STAFF:
            company = db.session.scalar(db.select(Company).filter_by(name="Acme Industries"))
            company = company or make_company()
        user = User(
            email=email.lower(),
            password_hash=hash_password(password),
            role=role,
            company=company,
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_category(app: Flask) -> Callable[..., Any]:
    from shop.catalog.models import Category

    def make(slug: str = "office", name: str | None = None, **fields: Any) -> Category:
        category = Category(slug=slug, name=name or slug.replace("-", " ").title(), **fields)
        db.session.add(category)
        db.session.commit()
        return category

    return make


@pytest.fixture
def make_product(app: Flask) -> Callable[..., Any]:
    from shop.catalog.models import Product

    def make(sku: str = "PEN-001", name: str = "Ballpoint pen, blue", price: str = "1.20",
             **fields: Any) -> Product:
        fields.setdefault("unspsc", "44121704")
        fields.setdefault("stock_quantity", 100)
        product = Product(sku=sku, name=name, list_price=Decimal(price), **fields)
        db.session.add(product)
        db.session.commit()
        return product

    return make


class AuthActions:
    """Log in and out through the real login form, as Flask's tutorial does."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str = "buyer@acme.test", password: str = "correct horse") -> Any:
        page = self._client.get("/login")
        return self._client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_token(page.text)},
        )

    def logout(self) -> Any:
        page = self._client.get("/account")
        return self._client.post("/logout", data={"csrf_token": csrf_token(page.text)})


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


# ---------- CI: a skipped test is a failed test ----------

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("SHOP_TEST_NO_SKIPS") and _skipped and exitstatus == 0:
        print(f"\nSHOP_TEST_NO_SKIPS is set and {len(_skipped)} test(s) were skipped:")
        for nodeid in _skipped:
            print(f"  {nodeid}")
        session.exitstatus = 1

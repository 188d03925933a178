"""Everything a benchmark run needs before it measures: the database, the seeded catalog, a
buyer connection, a logged-in session and PunchOut sessions with full carts.

The database is made and filled by the shop's own code (``seed_catalog``'s functions, the
PunchOut services); sessions are obtained over HTTP from the running shop, exactly as a
browser or a procurement system gets them.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import func, select

from bench import documents
from shop import create_app
from shop.extensions import db

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                        r'|name="csrf_token" value="([^"]+)"')
START_URL = re.compile(r"<URL>([^<]+/punchout/start/[^<]+)</URL>")
DEMO_BUYER = ("buyer@acme.test", "buyer-demo-1")

# wrk replays the session cookie with this User-Agent too: Flask-Login's strong session
# protection ties a session to the client's address and User-Agent.
USER_AGENT = "shop-bench/1"


@dataclass(frozen=True)
class Secrets:
    """Keys the runner and the servers share (so neither writes the instance folder)."""

    secret_key: str
    pepper: str
    encryption_key: str

    @classmethod
    def fresh(cls) -> Secrets:
        from cryptography.fernet import Fernet

        return cls(secrets.token_hex(32), secrets.token_hex(32), Fernet.generate_key().decode())

    def environment(self, database_url: str) -> dict[str, str]:
        return {"DATABASE_URL": database_url, "SECRET_KEY": self.secret_key,
                "SHOP_PEPPER": self.pepper, "SHOP_SECRET_PEPPER": self.pepper,
                "SHOP_ENCRYPTION_KEYS": self.encryption_key}

    def config(self, database_url: str) -> dict[str, Any]:
        return {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": self.secret_key,
                "PUNCHOUT_PEPPER": self.pepper, "INBOUND_SECRET_PEPPER": self.pepper,
                "SHOP_ENCRYPTION_KEYS": self.encryption_key}


def bench_database(work: Path) -> str:
    """The database a benchmark runs on: BENCH_DATABASE_URL (a throwaway PostgreSQL
    database, dropped and created here) or a new SQLite file in ``work``."""
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{work / 'bench.db'}"
    if url.startswith("postgresql"):
        fresh_postgresql(url)
    return url


def fresh_postgresql(url: str) -> None:
    """Drop and create the database that ``url`` names (it must be a throwaway one)."""
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"BENCH_DATABASE_URL: unusual database name {name!r}; use [A-Za-z0-9_]")
    parts = urlsplit(url.replace("+psycopg", ""))
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


@dataclass(frozen=True)
class Catalog:
    """What the scenarios need to know about the seeded catalog."""

    products: int
    seconds: float  # wall-clock time of the seed
    cpu_seconds: float  # CPU time of this process (what a busy machine does not inflate)
    big_category: str
    big_category_products: int
    product_sku: str
    cart_skus: list[str]
    order_skus: list[str]


def seed(database_url: str, keys: Secrets, products: int) -> Catalog:
    """Create the schema and seed ``products`` products with seed_catalog's code, timed."""
    from shop.catalog import demo_data
    from shop.catalog.models import Category, Product
    from shop.catalog.services import prepare_schema, seed_demo_shop

    app = create_app(keys.config(database_url))
    with app.app_context():
        started, cpu_started = time.perf_counter(), time.process_time()
        prepare_schema()
        report = seed_demo_shop(products=products)
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started
        big_id = db.session.scalar(
            select(Category.id).where(Category.slug == demo_data.BIG_LEAF))
        in_big = db.session.scalar(select(func.count()).select_from(Product)
                                   .where(Product.category_id == big_id)) or 0
        skus = list(db.session.scalars(
            select(Product.sku).where(Product.active.is_(True), Product.unspsc != "")
            .order_by(Product.id).limit(600)))
        middle = db.session.scalar(select(Product.sku).order_by(Product.id)
                                   .offset(report.total_products // 2).limit(1))
        _create_connection()
        db.session.remove()
        db.engine.dispose()
    return Catalog(report.total_products, seconds, cpu_seconds, demo_data.BIG_LEAF, in_big,
                   middle or skus[0], cart_skus=skus[:50], order_skus=skus[:200])


def _create_connection() -> None:
    """The buyer connection of the PunchOut and order scenarios (as `buyers add` makes it)."""
    from shop.punchout import services

    services.create_connection(services.ConnectionSettings(
        name="Bench Buyer", company_name="Acme Industries",
        identities=(documents.BUYER, documents.NETWORK),
        return_url_prefixes=(documents.RETURN_PREFIX,),
    ), shared_secret=documents.SECRET, create_company=True)


def csrf_token(html: str) -> str:
    found = CSRF_FIELD.search(html)
    if not found:
        raise RuntimeError("no csrf_token field on the page")
    return found.group(1) or found.group(2)


@dataclass(frozen=True)
class BrowserSession:
    """A browser's session cookie and the CSRF token that goes with it."""

    cookie: str
    csrf_token: str


def logged_in(base_url: str, page: str) -> BrowserSession:
    """Log the demo buyer in through the real form; the CSRF token is read from ``page``."""
    with requests.Session() as browser:
        browser.headers["User-Agent"] = USER_AGENT
        login = browser.get(base_url + "/login", timeout=30)
        answer = browser.post(base_url + "/login", timeout=30, allow_redirects=False, data={
            "email": DEMO_BUYER[0], "password": DEMO_BUYER[1], "csrf_token": csrf_token(login.text),
        })
        if answer.status_code != 302:
            raise RuntimeError(f"demo buyer login failed: HTTP {answer.status_code}")
        token = csrf_token(browser.get(base_url + page, timeout=30).text)
        return BrowserSession(f"session={browser.cookies['session']}", token)


def punchout_session(base_url: str, lines: list[str], number: int) -> BrowserSession:
    """A PunchOut session whose cart holds ``lines`` (SKUs), entered by a browser.

    The cart is built by the shop itself from an ``edit`` setup request listing the lines,
    the way a buyer reopens a requisition.
    """
    body = documents.setup_request(
        payload_id=f"bench-transfer-{number}-{secrets.token_hex(4)}@buyer.bench.example",
        operation="edit", items=tuple((sku, 1 + n % 5) for n, sku in enumerate(lines)))
    with requests.Session() as browser:
        browser.headers["User-Agent"] = USER_AGENT
        answer = browser.post(base_url + "/punchout/setup", data=body, timeout=60,
                              headers={"Content-Type": "text/xml"})
        found = START_URL.search(answer.text)
        if not found:
            raise RuntimeError(f"setup request refused: {answer.text[:500]}")
        start = urlsplit(found.group(1))
        cart = browser.get(base_url + start.path, timeout=60)  # StartPage → enter → cart
        if not cart.url.endswith("/cart") or f"{lines[-1]}" not in cart.text:
            raise RuntimeError(f"PunchOut session did not land in its cart: {cart.url}")
        return BrowserSession(f"session={browser.cookies['session']}", csrf_token(cart.text))

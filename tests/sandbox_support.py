"""A live shop for the sandbox tests: the real app on 127.0.0.1:<free port>, seeded.

A test module uses it by importing ``live_shop_fixture`` (the ``live_shop`` fixture). The
live app shares the test's database and keys, so a connection made in the test's app
context (``sandbox connect``) is the live shop's connection.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import APP_DTD_DIR, FAST_TEST_HASH, TEST_FERNET_KEY

STAFF = ("staff@northwind.test", "staff-demo-1")


@dataclass
class LiveShop:
    url: str
    app: Flask


def live_config(database_url: str) -> dict[str, object]:
    return {
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
        "CXML_DTD_DIR": str(APP_DTD_DIR), "INBOUND_SECRET_PEPPER": "test-pepper",
        "SHOP_ENCRYPTION_KEYS": TEST_FERNET_KEY, "OUTBOX_ALLOW_PRIVATE_TARGETS": True,
        "PASSWORD_HASH_METHOD": FAST_TEST_HASH,
    }


@pytest.fixture(name="live_shop")
def live_shop_fixture(app: Flask, database_url: str) -> Iterator[LiveShop]:
    """The seeded demo shop served over HTTP by a thread, stopped after the test."""
    from shop import create_app
    from shop.catalog.services import seed_demo_shop
    from shop.extensions import db

    seed_demo_shop()
    app.config["OUTBOX_ALLOW_PRIVATE_TARGETS"] = True  # documents go to the sandbox's inbox
    live = create_app(live_config(database_url))
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveShop(f"http://127.0.0.1:{server.server_port}", live)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with live.app_context():
            db.session.remove()
            db.engine.dispose()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def login(browser: requests.Session, url: str, email: str, password: str) -> requests.Response:
    """Sign in through the live shop's login form."""
    page = browser.get(url + "/login", timeout=10)
    token = _CSRF.search(page.text)
    assert token, "the login page has no CSRF token"
    return browser.post(url + "/login", data={"email": email, "password": password,
                                              "csrf_token": token.group(1)}, timeout=10)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)

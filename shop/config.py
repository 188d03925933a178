"""Every setting of the shop, with a safe default and the reason for it.

This is the only module that reads the environment (house rule 7). Secrets never live here:
SECRET_KEY is generated once into the instance folder unless the environment provides one.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

# Names of environment variables the shop reads, with their meaning.
ENVIRONMENT = {
    "DATABASE_URL": "SQLAlchemy URL; default SQLite in instance/shop.db",
    "SECRET_KEY": "signs sessions and CSRF tokens; default generated into instance/secret_key",
    "SHOP_BASE_URL": "public URL, used in PunchOut responses (e.g. https://shop.example.com)",
    "SHOP_PROXY_HOPS": "trusted reverse proxies in front of the shop (ProxyFix); default 0",
    "CXML_DTD_DIR": "folder with the official cXML DTDs as <version>/<file>.dtd",
    "SHOP_SANDBOX": "1 enables the built-in procurement sandbox (default), 0 turns it off",
    "SHOP_ENCRYPTION_KEYS": "comma-separated Fernet keys for outbound secrets, newest first",
    "REDIS_URL": "optional Redis for rate-limit counters shared by several hosts",
    "MAX_XML_BYTES": "largest cXML body accepted, in bytes (default 10 MB)",
    "SHOP_CXML_HTTPS_ONLY": "1 refuses cXML posted over plain http with 403 (production "
    "behind TLS); default 0",
    "SHOP_OUTBOX_ALLOW_PRIVATE": "1 lets order documents go to http:// and private addresses "
    "(sandbox, development); default 0",
    "SHOP_SECRET_PEPPER": "key for the hashes of inbound secrets; default instance file",
    "RATE_LIMIT_WINDOW": "seconds over which authentication failures are counted (600)",
    "RATE_LIMIT_IDENTITY_FAILURES": "failures per identity before it is locked (10)",
    "RATE_LIMIT_ADDRESS_FAILURES": "failures per client address before it is locked (100)",
    "INTAKE_CLAIM_LEASE": "seconds before a stuck purchase order is taken over (60)",
    "OUTBOX_BACKOFF_BASE": "seconds before an outbox document's first retry (30)",
    "OUTBOX_BACKOFF_CAP": "longest wait between two outbox attempts, in seconds (3600)",
    "OUTBOX_POLL_SECONDS": "how often `flask outbox run` looks for due work (5)",
    "OUTBOX_LOCK_SECONDS": "seconds before a document a dead sender claimed is sent again (120)",
}


class Defaults:
    """Defaults for every setting; ``create_app`` copies them into ``app.config``."""

    # Database: the embedded default; PostgreSQL via DATABASE_URL for more than one host.
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in from the instance path
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}

    # Public URL; None means "use the URL of the current request".
    SHOP_BASE_URL: str | None = None
    SHOP_NAME = "Northwind Supply"
    SHOP_PROXY_HOPS = 0

    # Forms and sessions.
    WTF_CSRF_TIME_LIMIT = None  # a token lives as long as the session: long PunchOut sessions
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # Werkzeug password hashing method ("scrypt" or "pbkdf2", optionally with parameters);
    # hashes made with other parameters are upgraded at the user's next login.
    PASSWORD_HASH_METHOD = "scrypt"

    # Catalog.
    PRODUCTS_PER_PAGE = 24
    MAX_LINE_QUANTITY = 100_000  # a sane upper bound for one cart line
    # Seconds a worker reuses the per-category product counts of the home page; other
    # workers and hosts see catalog changes within this time (see catalog.queries).
    CATALOG_CACHE_SECONDS = 60
    # Rendered catalog pages kept per worker for visitors who are not logged in (bytes of
    # HTML, least recently used out first; 0 turns the cache off), and how often a worker
    # asks the database whether the catalog changed: other workers and hosts show a change
    # within that many seconds (see catalog.page_cache).
    PAGE_CACHE_BYTES = 8 * 1024 * 1024
    PAGE_CACHE_CHECK_SECONDS = 2.0
    # Generated product images: browsers and proxies reuse them this long, then revalidate
    # with the ETag (image URLs carry the product's version, so edits show at once).
    PRODUCT_IMAGE_MAX_AGE = 86_400

    # cXML.
    CXML_DTD_DIR: str | None = None  # default: instance/dtd
    CXML_VERSION = "1.2.063"
    MAX_XML_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024 + 64 * 1024  # XML limit plus form overhead
    # cXML carries a shared secret: in production (TLS at the proxy, SHOP_PROXY_HOPS set) a
    # document posted over plain http is refused with 403, so a misconfigured buyer finds out
    # at once. Off by default: the demo, the sandbox and the tests run on http://127.0.0.1.
    CXML_HTTPS_ONLY = False

    # Purchase-order intake (shop/orders/intake.py).
    INTAKE_SYNC_MAX_LINES = 200  # larger POs are answered 201 at once and processed after
    INTAKE_WAIT_SECONDS = 15  # a duplicate delivery waits this long for the first's answer
    INTAKE_CLAIM_LEASE = 60  # seconds before another worker may take over a stuck document
    INTAKE_MAX_ATTEMPTS = 5  # the background worker leaves a document to staff after this

    # Outbox: documents to buyers (shop/orders/outbox.py, delivery.py).
    OUTBOX_BACKOFF_BASE = 30  # seconds before the first retry; doubles on each attempt
    OUTBOX_BACKOFF_CAP = 3600  # longest wait between two attempts
    OUTBOX_GIVE_UP_AFTER = 48 * 3600  # a document still failing after this fails for good
    OUTBOX_LOCK_SECONDS = 120  # a sender that died mid-delivery loses its claim after this
    OUTBOX_CONNECT_TIMEOUT = 5
    OUTBOX_READ_TIMEOUT = 30
    OUTBOX_MAX_RESPONSE_BYTES = 1024 * 1024  # more of a buyer's answer is never read
    OUTBOX_POLL_SECONDS = 5  # how often `flask outbox run` looks for due work
    # http:// and private, loopback or link-local addresses for buyer URLs: only for the
    # sandbox, development and tests (SSRF protection otherwise).
    OUTBOX_ALLOW_PRIVATE_TARGETS = False

    # PunchOut.
    PUNCHOUT_START_TOKEN_TTL = 300  # seconds a StartPage URL stays valid
    PUNCHOUT_IDLE_TIMEOUT = 3600  # seconds of inactivity before a PunchOut session ends
    # The message log keeps at most this many characters of a document (hostile bodies are big).
    PUNCHOUT_LOG_MAX_CHARS = 1_000_000
    # OCI BACKGROUND_SEARCH answers with every hit on one page (SAP reads it by machine and
    # cannot page); this caps the page so that a one-letter search cannot return the catalog.
    OCI_BACKGROUND_SEARCH_LIMIT = 200

    # Sandbox: on in the demo, off in production by setting SHOP_SANDBOX=0.
    SANDBOX_ENABLED = True

    # Rate limits: failures per identity and per client address within the window.
    RATE_LIMIT_WINDOW = 600
    RATE_LIMIT_IDENTITY_FAILURES = 10
    RATE_LIMIT_ADDRESS_FAILURES = 100
    REDIS_URL: str | None = None

    # Secrets at rest (shop/secrets_store.py). Inbound secrets are stored as HMAC-SHA256 keyed
    # with this pepper; None: generated once into the file below. All hosts need the same one.
    INBOUND_SECRET_PEPPER: str | None = None
    INBOUND_SECRET_PEPPER_FILE: str | None = None  # default instance/inbound_secret_pepper
    # Fernet keys for outbound secrets, comma-separated, newest first; None: the key file
    # below, generated once (0600) and extended by `flask --app shop secrets rotate-key`.
    SHOP_ENCRYPTION_KEYS: str | None = None
    ENCRYPTION_KEY_FILE: str | None = None  # default instance/encryption_keys


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from the defaults, the instance config, the environment, then tests."""
    app.config.from_object(Defaults)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    app.config.from_pyfile("config.py", silent=True)

    if test_config is None:
        _from_environment(app)
    else:
        app.config.from_mapping(test_config)

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'shop.db'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A database file never drops a connection: a ping before every checkout (two per
        # PunchOut setup) would be pure cost. Server databases keep it (restarts, idle kills).
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    if not app.config.get("CXML_DTD_DIR"):
        app.config["CXML_DTD_DIR"] = str(instance / "dtd")


def _from_environment(app: Flask) -> None:
    env = os.environ
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = env["DATABASE_URL"]
    for name in ("SECRET_KEY", "SHOP_BASE_URL", "CXML_DTD_DIR", "REDIS_URL"):
        if env.get(name):
            app.config[name] = env[name]
    if env.get("SHOP_PROXY_HOPS"):
        app.config["SHOP_PROXY_HOPS"] = int(env["SHOP_PROXY_HOPS"])
    if env.get("MAX_XML_BYTES"):
        app.config["MAX_XML_BYTES"] = int(env["MAX_XML_BYTES"])
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_XML_BYTES"] + 64 * 1024
    if env.get("SHOP_CXML_HTTPS_ONLY"):
        app.config["CXML_HTTPS_ONLY"] = env["SHOP_CXML_HTTPS_ONLY"].strip() not in {
            "0", "false", "no"}
    if env.get("SHOP_SANDBOX"):
        app.config["SANDBOX_ENABLED"] = env["SHOP_SANDBOX"].strip() not in {"0", "false", "no"}
    if env.get("SHOP_OUTBOX_ALLOW_PRIVATE"):
        allow = env["SHOP_OUTBOX_ALLOW_PRIVATE"].strip() not in {"0", "false", "no"}
        app.config["OUTBOX_ALLOW_PRIVATE_TARGETS"] = allow
    if env.get("SHOP_ENCRYPTION_KEYS"):
        app.config["SHOP_ENCRYPTION_KEYS"] = env["SHOP_ENCRYPTION_KEYS"]
    if env.get("SHOP_SECRET_PEPPER"):
        app.config["INBOUND_SECRET_PEPPER"] = env["SHOP_SECRET_PEPPER"]
    for name in ("RATE_LIMIT_WINDOW", "RATE_LIMIT_IDENTITY_FAILURES",
                 "RATE_LIMIT_ADDRESS_FAILURES"):
        if env.get(name):
            app.config[name] = int(env[name])
    # Recovery timings; the soak (bench/soak.py) shortens them so that a few minutes see
    # takeovers and retries happen.
    for name in ("INTAKE_CLAIM_LEASE", "OUTBOX_BACKOFF_BASE", "OUTBOX_BACKOFF_CAP",
                 "OUTBOX_POLL_SECONDS", "OUTBOX_LOCK_SECONDS"):
        if env.get(name):
            app.config[name] = float(env[name])


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres:// or postgresql://)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret(path: Path) -> str:
    """Read a secret from the instance folder, creating it (readable by the owner only) once."""
    try:
        # O_EXCL: when several workers start at once, exactly one of them writes the secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()

"""Rate limits on authentication failures, shared by every worker.

Usage at a door (login form, cXML sender check, OCI login, StartPage token)::

    limiter = get_limiter()
    decision = limiter.check(AuthKind.LOGIN, email, request.remote_addr)
    if not decision.allowed:
        ...  # refuse without checking the secret; retry after decision.retry_after seconds
    if not password_ok:
        limiter.record_failure(AuthKind.LOGIN, email, request.remote_addr)

Counters live in the database by default and in Redis when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import Flask, current_app

from shop.ratelimit.limiter import ALLOWED, AuthKind, Decision, RateLimiter, Scope
from shop.ratelimit.stores import (
    DatabaseStore,
    FailureStore,
    RedisStore,
    StoreUnavailable,
    redis_client,
)

__all__ = [
    "ALLOWED", "AuthKind", "DatabaseStore", "Decision", "FailureStore", "RateLimiter",
    "RedisStore", "Scope", "StoreUnavailable", "get_limiter", "limiter_for",
]


def limiter_for(app: Flask) -> RateLimiter:
    """A limiter built from the app's RATE_LIMIT_* settings (call it in an app context)."""
    from shop.extensions import db
    from shop.secrets_store import inbound_pepper

    store: FailureStore
    if app.config.get("REDIS_URL"):
        store = RedisStore(redis_client(app.config["REDIS_URL"]))
    else:
        store = DatabaseStore(db.engine)
    # A key of its own, derived from the pepper: the digests in the counter tables cannot be
    # matched against stored secret hashes, nor reversed by hashing a list of e-mail addresses.
    key = hmac.new(inbound_pepper(app), b"shop rate-limit keys", hashlib.sha256).digest()
    return RateLimiter(
        store,
        key,
        window=int(app.config["RATE_LIMIT_WINDOW"]),
        identity_limit=int(app.config["RATE_LIMIT_IDENTITY_FAILURES"]),
        address_limit=int(app.config["RATE_LIMIT_ADDRESS_FAILURES"]),
    )


def get_limiter() -> RateLimiter:
    """The current app's limiter, built once per app."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    limiter: RateLimiter | None = app.extensions.get("shop.ratelimit")
    if limiter is None:
        limiter = app.extensions["shop.ratelimit"] = limiter_for(app)
    return limiter

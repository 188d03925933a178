"""Password hashing with Werkzeug, upgraded transparently when the parameters change.

Werkzeug writes the method and its parameters in front of every hash
(``scrypt:32768:8:1$salt$hash``). A stored hash whose prefix differs from what the configured
method produces today was made with older or weaker parameters and is re-hashed at the next
successful login.
"""

from __future__ import annotations

import secrets
from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt"


def _method() -> str:
    return str(current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_METHOD)


def hash_password(password: str) -> str:
    """A salted hash of ``password`` with the configured Werkzeug method."""
    return generate_password_hash(password, method=_method())


@cache
def _reference_hash(method: str) -> str:
    # Computed once per process: a real hash of a random password, so that checking against it
    # costs exactly what checking a real user's password costs.
    return generate_password_hash(secrets.token_hex(16), method=method)


def _prefix(password_hash: str) -> str:
    return password_hash.split("$", 1)[0]


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; without a hash, check a dummy one anyway so timing reveals nothing."""
    if not password_hash:
        check_password_hash(_reference_hash(_method()), password)
        return False
    try:
        return check_password_hash(password_hash, password)
    except ValueError:
        # A corrupt or unknown hash format must fail the login, not crash it.
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured method makes now."""
    return _prefix(password_hash) != _prefix(_reference_hash(_method()))

"""Secrets of buyer connections: inbound shared secrets, outbound secrets and start tokens.

* A buyer's shared secret is only ever checked, so only a keyed hash of it is stored:
  HMAC-SHA256 under a server-side pepper (a database dump alone cannot be brute-forced
  offline), compared as bytes in constant time.
* The secret the shop sends to a buyer must be recoverable, so it is encrypted with Fernet;
  several keys (newest first) allow rotation through MultiFernet.
* StartPage tokens are random and stored as their SHA-256 only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from shop.errors import ShopError

_PEPPER_LABEL = b"shop.punchout.shared-secret.v1"


class OutboundSecretError(ShopError):
    """An outbound secret could not be decrypted with any configured key."""


def _pepper() -> bytes:
    configured = current_app.config.get("PUNCHOUT_PEPPER")
    if configured:
        return str(configured).encode()
    # Derived, not used directly: the session-signing key never keys anything else as-is.
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, _PEPPER_LABEL, hashlib.sha256).digest()


def _secret_bytes(secret: str) -> bytes:
    # surrogatepass: a hostile document must get "wrong secret", never an encoding error.
    return secret.encode("utf-8", "surrogatepass")


def hash_shared_secret(secret: str) -> str:
    """The keyed hash (hex) stored for a buyer's shared secret."""
    return hmac.new(_pepper(), _secret_bytes(secret), hashlib.sha256).hexdigest()


def check_shared_secret(candidate: str | None, stored_hash: str) -> bool:
    """True when ``candidate`` is the secret behind ``stored_hash`` (constant time)."""
    computed = hmac.new(_pepper(), _secret_bytes(candidate or ""), hashlib.sha256).digest()
    try:
        expected = bytes.fromhex(stored_hash)
    except ValueError:
        expected = b""
    # Compare even when nothing is stored, so the time does not tell "no secret set".
    matches = hmac.compare_digest(computed, expected.ljust(len(computed), b"\0"))
    return matches and candidate is not None and len(expected) == len(computed)


def secret_hint(secret: str) -> str:
    """What staff see of a secret: its last two characters."""
    return "…" + secret[-2:] if len(secret) > 4 else "…"


def generate_secret() -> str:
    """A new random shared secret (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 (hex) of a StartPage token: the only form in which it is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh StartPage token and its digest."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


# ---------- outbound secrets: encrypted at rest ----------


def _instance_key(path: Path) -> bytes:
    """Read the instance's Fernet key, creating it (owner-only) on first use."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key())
    return path.read_bytes().strip()


def outbound_cipher() -> MultiFernet:
    """Fernet keys from SHOP_ENCRYPTION_KEYS (newest first) or instance/encryption_key."""
    configured = current_app.config.get("SHOP_ENCRYPTION_KEYS")
    if configured:
        keys = [key.strip().encode() for key in str(configured).split(",") if key.strip()]
    else:
        keys = [_instance_key(Path(current_app.instance_path) / "encryption_key")]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_outbound_secret(secret: str) -> str:
    """Encrypt a secret the shop sends to a buyer; empty stays empty."""
    if not secret:
        return ""
    return outbound_cipher().encrypt(secret.encode()).decode("ascii")


def decrypt_outbound_secret(token: str) -> str:
    """The plain outbound secret, for the moment a document is sent."""
    if not token:
        return ""
    try:
        return outbound_cipher().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise OutboundSecretError(
            "The outbound secret cannot be decrypted: its key is no longer configured."
        ) from None


def reencrypt_outbound_secret(token: str) -> str:
    """The same secret encrypted under the newest key (key rotation)."""
    if not token:
        return ""
    try:
        return outbound_cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise OutboundSecretError(
            "The outbound secret cannot be decrypted: its key is no longer configured."
        ) from None

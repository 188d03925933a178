"""Secrets of buyer connections: inbound shared secrets, outbound secrets and start tokens.

The cryptography lives in ``shop.secrets_store``, shared by every door of the shop; this
module names what PunchOut (cXML and OCI) needs from it:

* A buyer's shared secret is only ever checked, so only its keyed hash is stored
  (``hash_inbound_secret``: HMAC-SHA256 under the one inbound pepper, compared as bytes in
  constant time).
* The secret the shop sends to a buyer must be recoverable, so it is encrypted with the
  shop's outbound cipher (Fernet, several keys for rotation). The column that holds it is
  marked ``ENCRYPTED_COLUMN``, so ``flask --app shop secrets rotate-key`` re-encrypts it.
* StartPage tokens are random and stored as their SHA-256 only.
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.fernet import MultiFernet

from shop import secrets_store
from shop.errors import ShopError


class OutboundSecretError(ShopError):
    """An outbound secret could not be decrypted with any configured key."""


_LOST_KEY = "The outbound secret cannot be decrypted: its key is no longer configured."


# ---------- inbound: keyed hash ----------


def hash_shared_secret(secret: str) -> str:
    """The keyed hash stored for a buyer's shared secret (``hmac-sha256:v1:<hex>``)."""
    return secrets_store.hash_inbound_secret(secret, secrets_store.inbound_pepper())


def check_shared_secret(candidate: str | None, stored_hash: str) -> bool:
    """True when ``candidate`` is the secret behind ``stored_hash`` (constant time)."""
    pepper = secrets_store.inbound_pepper()
    if candidate is None or not stored_hash:
        # Hash anyway, so the time does not tell "no secret sent" or "no secret set".
        secrets_store.hash_inbound_secret(candidate or "", pepper)
        return False
    return secrets_store.verify_inbound_secret(candidate, stored_hash, pepper)


def secret_hint(secret: str) -> str:
    """What staff see of a secret: its last two characters."""
    return "…" + secret[-2:] if len(secret) > 4 else "…"


def generate_secret() -> str:
    """A new random shared secret (43 URL-safe characters)."""
    return secrets_store.new_inbound_secret()


# ---------- StartPage tokens ----------


def token_digest(token: str) -> str:
    """SHA-256 (hex) of a StartPage token: the only form in which it is stored."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh StartPage token and its digest."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


# ---------- outbound: encrypted at rest ----------


def outbound_cipher() -> MultiFernet:
    """The shop's outbound keys as a MultiFernet (prefer ``secrets_store.outbound_cipher``)."""
    return secrets_store.outbound_cipher().fernet


def encrypt_outbound_secret(secret: str) -> str:
    """Encrypt a secret the shop sends to a buyer; empty stays empty."""
    if not secret:
        return ""
    return secrets_store.outbound_cipher().encrypt(secret)


def decrypt_outbound_secret(token: str) -> str:
    """The plain outbound secret, for the moment a document is sent."""
    if not token:
        return ""
    try:
        return secrets_store.outbound_cipher().decrypt(token)
    except secrets_store.UndecryptableSecret:
        raise OutboundSecretError(_LOST_KEY) from None


def reencrypt_outbound_secret(token: str) -> str:
    """The same secret encrypted under the newest key (key rotation)."""
    if not token:
        return ""
    try:
        return secrets_store.outbound_cipher().rotate(token)
    except secrets_store.UndecryptableSecret:
        raise OutboundSecretError(_LOST_KEY) from None

"""Secrets at rest: keyed hashes for secrets we check, encryption for secrets we send.

Two kinds of credentials live in the database, and they need opposite treatment:

* **Inbound** secrets (the SharedSecret a buyer sends us, OCI passwords) only ever have to be
  *checked*, so only ``HMAC-SHA256(pepper, secret)`` is stored. The pepper lives outside the
  database (instance folder or environment), so a database dump alone cannot be brute-forced.
* **Outbound** secrets (the SharedSecret we send to a buyer with confirmations and invoices)
  must be readable again, so they are encrypted with Fernet. Keys come from
  ``SHOP_ENCRYPTION_KEYS`` (comma-separated, newest first) or from a key file generated once in
  the instance folder; several keys make rotation possible (MultiFernet decrypts with any of
  them and encrypts with the newest).

The functions at the top are pure; ``inbound_pepper()`` and ``outbound_cipher()`` bind them to
the running app's configuration.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Connection, MetaData, select, update

log = logging.getLogger(__name__)

# Stored hashes carry their scheme, so that a later scheme can be introduced next to this one.
INBOUND_HASH_PREFIX = "hmac-sha256:v1:"
# A random secret we issue has at least 256 bits (43 URL-safe characters).
ISSUED_SECRET_BYTES = 32
# Mark a column that holds a SecretCipher token so that key rotation re-encrypts it:
# ``mapped_column(String(500), info={ENCRYPTED_COLUMN: True})``.
ENCRYPTED_COLUMN = "encrypted_secret"


class UndecryptableSecret(ValueError):
    """An encrypted secret could not be decrypted with any configured key (or is damaged)."""


_UNDECRYPTABLE = "secret cannot be decrypted with the configured keys"


# ---------- inbound secrets: keyed hash, constant-time check ----------


def new_inbound_secret() -> str:
    """A fresh random secret to hand to a buyer (shown once, then only its hash is kept)."""
    return secrets.token_urlsafe(ISSUED_SECRET_BYTES)


def hash_inbound_secret(secret: str, pepper: bytes) -> str:
    """The value to store for an inbound secret: ``hmac-sha256:v1:<hex digest>``."""
    if not pepper:
        raise ValueError("the pepper must not be empty")
    digest = hmac.new(pepper, secret.encode("utf-8", "surrogatepass"), hashlib.sha256)
    return INBOUND_HASH_PREFIX + digest.hexdigest()


def verify_inbound_secret(candidate: str, stored: str, pepper: bytes) -> bool:
    """True when ``candidate`` is the secret behind ``stored``; never raises on odd input.

    The comparison is between bytes with ``hmac.compare_digest`` (constant time). Comparing
    ``str`` would raise TypeError for non-ASCII input and turn a wrong password into a 500.
    """
    if not isinstance(candidate, str) or not isinstance(stored, str) or not pepper:
        return False
    if not stored.startswith(INBOUND_HASH_PREFIX):
        log.warning("stored inbound secret has an unknown hash scheme")
        return False
    expected = stored.encode("ascii", "replace")
    actual = hash_inbound_secret(candidate, pepper).encode("ascii")
    return hmac.compare_digest(actual, expected)


# ---------- outbound secrets: Fernet with rotation ----------


def new_encryption_key() -> str:
    """A new Fernet key, as the URL-safe base64 text used in the key file and the environment."""
    return Fernet.generate_key().decode("ascii")


def parse_keys(text: str) -> list[str]:
    """Keys from ``SHOP_ENCRYPTION_KEYS`` (commas) or a key file (lines), newest first."""
    return [key.strip() for key in text.replace(",", "\n").splitlines() if key.strip()]


class SecretCipher:
    """Encrypts with the newest key; decrypts with any key, so old tokens stay readable."""

    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        try:
            self._fernets = [Fernet(key) for key in keys]
        except (ValueError, TypeError) as error:
            # Never echo the key itself: it is the secret.
            raise ValueError("an encryption key is not a valid Fernet key") from error
        self._multi = MultiFernet(self._fernets)

    @property
    def key_count(self) -> int:
        return len(self._fernets)

    @property
    def fernet(self) -> MultiFernet:
        """The keys as one MultiFernet, for code that works with bytes."""
        return self._multi

    def encrypt(self, plaintext: str) -> str:
        """A Fernet token (ASCII text starting with ``gAAAAA``) for ``plaintext``."""
        return self._multi.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The plaintext behind ``token``; UndecryptableSecret when no key fits."""
        try:
            return self._multi.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as error:
            raise UndecryptableSecret(_UNDECRYPTABLE) from error

    def rotate(self, token: str) -> str:
        """The same plaintext re-encrypted with the newest key (keeps the original timestamp)."""
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError) as error:
            raise UndecryptableSecret(_UNDECRYPTABLE) from error

    def uses_newest_key(self, token: str) -> bool:
        """True when ``token`` was encrypted with the newest key (nothing to rotate)."""
        try:
            self._fernets[0].decrypt(token.encode("ascii"))
        except (InvalidToken, UnicodeError):
            return False
        return True


# ---------- files in the instance folder ----------


def read_or_create_secret_file(path: Path, create: str) -> str:
    """The text of ``path``; when missing, write ``create`` into it once, readable by the owner.

    The content is written to a private temporary file first and then linked into place:
    ``link`` fails when the name exists, so when several gunicorn workers start at once
    exactly one of them creates the file and nobody ever reads it half-written.
    """
    if path.exists():
        return path.read_text()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _write_private(temporary, create + "\n")
    try:
        os.link(temporary, path)
        log.info("created %s (keep a backup: data encrypted with it is lost without it)", path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
    return path.read_text()


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def prepend_key_to_file(path: Path, key: str) -> None:
    """Make ``key`` the newest key of the key file, keeping the older ones after it."""
    existing = parse_keys(path.read_text()) if path.exists() else []
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    _write_private(temporary, "\n".join([key, *existing]) + "\n")
    os.replace(temporary, path)  # atomic: a reader sees the old or the new list, never half


# ---------- bound to the application ----------


@dataclass
class _KeyFileState:
    signature: tuple[int, int, int]
    cipher: SecretCipher


def pepper_path(app: Flask) -> Path:
    return Path(app.config.get("INBOUND_SECRET_PEPPER_FILE") or
                Path(app.instance_path) / "inbound_secret_pepper")


def key_file_path(app: Flask) -> Path:
    return Path(app.config.get("ENCRYPTION_KEY_FILE") or
                Path(app.instance_path) / "encryption_keys")


def keys_from_environment(app: Flask) -> bool:
    """True when the keys come from configuration (``SHOP_ENCRYPTION_KEYS``), not the file."""
    return bool(app.config.get("SHOP_ENCRYPTION_KEYS"))


def inbound_pepper(app: Flask | None = None) -> bytes:
    """The pepper for inbound secret hashes: configuration, else the instance file (created once).

    Every host of one shop must use the same pepper, or stored hashes stop matching.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("shop.inbound_pepper")
    if cached is None:
        configured = app.config.get("INBOUND_SECRET_PEPPER")
        text = configured or read_or_create_secret_file(pepper_path(app), secrets.token_hex(32))
        cached = text.strip().encode("utf-8")
        app.extensions["shop.inbound_pepper"] = cached
    return bytes(cached)


def outbound_cipher(app: Flask | None = None) -> SecretCipher:
    """The cipher for outbound secrets, from ``SHOP_ENCRYPTION_KEYS`` or the instance key file.

    The key file is re-read when it changes, so a key added by ``rotate-key`` reaches every
    running worker without a restart.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if keys_from_environment(app):
        configured = str(app.config["SHOP_ENCRYPTION_KEYS"])
        cached: tuple[str, SecretCipher] | None = app.extensions.get("shop.outbound_cipher")
        if cached is None or cached[0] != configured:
            # Keyed by the configured text: a changed setting takes effect at once.
            cached = (configured, SecretCipher(parse_keys(configured)))
            app.extensions["shop.outbound_cipher"] = cached
        return cached[1]
    path = key_file_path(app)
    if not path.exists():
        read_or_create_secret_file(path, new_encryption_key())
    stat = path.stat()
    signature = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
    state: _KeyFileState | None = app.extensions.get("shop.outbound_key_file")
    if state is None or state.signature != signature:
        state = _KeyFileState(signature, SecretCipher(parse_keys(path.read_text())))
        app.extensions["shop.outbound_key_file"] = state
    return state.cipher


def reencrypt_columns(connection: Connection, metadata: MetaData, cipher: SecretCipher) -> int:
    """Re-encrypt, with the newest key, every value of every column marked ENCRYPTED_COLUMN.

    Runs in the caller's transaction and returns the number of values changed. Each update
    names the old token in its WHERE clause, so a secret changed meanwhile is not overwritten.
    """
    changed = 0
    for table in metadata.sorted_tables:
        key_columns = list(table.primary_key.columns)
        for column in (c for c in table.columns if c.info.get(ENCRYPTED_COLUMN)):
            # An empty value means "no secret set": there is nothing to re-encrypt.
            rows = connection.execute(
                select(*key_columns, column).where(column.is_not(None), column != "")
            )
            for *key, token in rows.all():
                if cipher.uses_newest_key(token):
                    continue
                match = [c == value for c, value in zip(key_columns, key, strict=True)]
                statement = update(table).where(*match, column == token)
                result = connection.execute(statement.values({column: cipher.rotate(token)}))
                changed += result.rowcount
    return changed

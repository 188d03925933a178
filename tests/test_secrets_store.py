"""Secrets at rest: keyed hashes for inbound secrets, Fernet with rotation for outbound ones."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from shop.extensions import db
from shop.secrets_store import (
    ENCRYPTED_COLUMN,
    INBOUND_HASH_PREFIX,
    SecretCipher,
    UndecryptableSecret,
    hash_inbound_secret,
    inbound_pepper,
    new_encryption_key,
    new_inbound_secret,
    outbound_cipher,
    parse_keys,
    prepend_key_to_file,
    read_or_create_secret_file,
    reencrypt_columns,
    verify_inbound_secret,
)

PEPPER = b"test-pepper-0123456789"


# ---------- inbound: keyed hash ----------


def test_inbound_hash_is_versioned_keyed_and_never_contains_the_secret():
    stored = hash_inbound_secret("s3cret-Value", PEPPER)
    assert stored.startswith(INBOUND_HASH_PREFIX)
    assert len(stored) == len(INBOUND_HASH_PREFIX) + 64
    assert "s3cret" not in stored
    assert hash_inbound_secret("s3cret-Value", PEPPER) == stored
    # Another pepper gives another hash: a database dump alone is not enough to guess.
    assert hash_inbound_secret("s3cret-Value", b"other pepper") != stored


def test_verify_accepts_the_right_secret_and_refuses_near_misses():
    stored = hash_inbound_secret("s3cret-Value", PEPPER)
    assert verify_inbound_secret("s3cret-Value", stored, PEPPER)
    for wrong in ("s3cret-value", "s3cret-Value ", "", "s3cret-Valu", stored):
        assert not verify_inbound_secret(wrong, stored, PEPPER)
    assert not verify_inbound_secret("s3cret-Value", stored, b"other pepper")


@pytest.mark.parametrize(
    "candidate", ["pässwörd", "密码", "🔑🔑", "\udcff\udcfe", "\x00", "a" * 100_000]
)
def test_odd_candidates_are_refused_without_raising(candidate):
    stored = hash_inbound_secret("s3cret-Value", PEPPER)
    assert verify_inbound_secret(candidate, stored, PEPPER) is False


def test_non_ascii_secrets_can_be_stored_and_checked():
    stored = hash_inbound_secret("pässwörd-密码", PEPPER)
    assert verify_inbound_secret("pässwörd-密码", stored, PEPPER)
    assert not verify_inbound_secret("passwort-密码", stored, PEPPER)


@pytest.mark.parametrize(
    "stored", ["", "plaintext-secret", "sha256:abc", INBOUND_HASH_PREFIX + "ü" * 64,
               INBOUND_HASH_PREFIX]
)
def test_malformed_stored_values_never_match(stored):
    assert verify_inbound_secret("plaintext-secret", stored, PEPPER) is False


def test_wrong_types_and_empty_pepper_are_refused():
    stored = hash_inbound_secret("x", PEPPER)
    assert verify_inbound_secret(None, stored, PEPPER) is False  # type: ignore[arg-type]
    assert verify_inbound_secret(b"x", stored, PEPPER) is False  # type: ignore[arg-type]
    assert verify_inbound_secret("x", stored, b"") is False
    with pytest.raises(ValueError):
        hash_inbound_secret("x", b"")


def test_issued_secrets_are_long_and_random():
    issued = {new_inbound_secret() for _ in range(20)}
    assert len(issued) == 20
    assert all(len(secret) >= 43 for secret in issued)


# ---------- outbound: Fernet ----------


def test_cipher_round_trip_hides_the_plaintext():
    cipher = SecretCipher([new_encryption_key()])
    token = cipher.encrypt("our-outbound-sécret")
    assert token.startswith("gAAAAA")
    assert "sécret" not in token and "outbound" not in token
    assert cipher.decrypt(token) == "our-outbound-sécret"
    assert cipher.encrypt("same") != cipher.encrypt("same")  # random IV each time


@pytest.mark.parametrize("token", ["", "not a token", "gAAAAAxyz", "gAAAAA€€€"])
def test_damaged_tokens_raise_the_shops_own_error(token):
    cipher = SecretCipher([new_encryption_key()])
    with pytest.raises(UndecryptableSecret):
        cipher.decrypt(token)
    with pytest.raises(UndecryptableSecret):
        cipher.rotate(token)


def test_a_token_from_another_key_is_refused():
    token = SecretCipher([new_encryption_key()]).encrypt("x")
    with pytest.raises(UndecryptableSecret):
        SecretCipher([new_encryption_key()]).decrypt(token)


def test_invalid_keys_are_refused_without_echoing_them():
    with pytest.raises(ValueError) as error:
        SecretCipher(["too-short-key-material"])
    assert "too-short" not in str(error.value)
    with pytest.raises(ValueError):
        SecretCipher([])


def test_rotation_keeps_old_tokens_readable_and_moves_them_to_the_new_key():
    old_key, new_key = new_encryption_key(), new_encryption_key()
    old_token = SecretCipher([old_key]).encrypt("outbound secret")
    both = SecretCipher([new_key, old_key])
    assert both.decrypt(old_token) == "outbound secret"
    assert not both.uses_newest_key(old_token)
    rotated = both.rotate(old_token)
    assert both.uses_newest_key(rotated)
    assert SecretCipher([new_key]).decrypt(rotated) == "outbound secret"
    # New encryptions always use the newest key.
    assert SecretCipher([new_key]).decrypt(both.encrypt("fresh")) == "fresh"


def test_keys_are_read_from_commas_or_lines_newest_first():
    assert parse_keys(" k1 , k2,,") == ["k1", "k2"]
    assert parse_keys("k1\nk2\n\n") == ["k1", "k2"]


# ---------- files in the instance folder ----------


def test_secret_file_is_created_once_and_private(tmp_path):
    path = tmp_path / "sub" / "secret"
    first = read_or_create_secret_file(path, "first")
    second = read_or_create_secret_file(path, "second")
    assert first == second == "first\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def _create_in_child(path: str, value: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(read_or_create_secret_file(Path(path), value))


def test_workers_starting_together_agree_on_one_secret(tmp_path):
    path = tmp_path / "pepper"
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [
        context.Process(target=_create_in_child, args=(str(path), f"value-{n}", queue))
        for n in range(6)
    ]
    for child in children:
        child.start()
    results = [queue.get(timeout=60) for _ in children]
    for child in children:
        child.join(timeout=60)
    assert len(set(results)) == 1 and results[0].startswith("value-")
    assert path.read_text() == results[0]


def test_prepend_key_keeps_older_keys_after_the_new_one(tmp_path):
    path = tmp_path / "keys"
    read_or_create_secret_file(path, "old-key")
    prepend_key_to_file(path, "new-key")
    assert parse_keys(path.read_text()) == ["new-key", "old-key"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# ---------- bound to the app ----------


def test_app_pepper_comes_from_configuration(app):
    app.config["INBOUND_SECRET_PEPPER"] = "configured-pepper"
    assert inbound_pepper(app) == b"configured-pepper"


def test_app_pepper_is_generated_once_into_its_file(app, tmp_path):
    app.config["INBOUND_SECRET_PEPPER"] = None  # the test config sets one
    app.config["INBOUND_SECRET_PEPPER_FILE"] = str(tmp_path / "pepper")
    pepper = inbound_pepper(app)
    assert len(pepper) == 64
    assert stat.S_IMODE((tmp_path / "pepper").stat().st_mode) == 0o600
    app.extensions.pop("shop.inbound_pepper")
    assert inbound_pepper(app) == pepper  # a restarted worker reads the same file


def test_app_cipher_from_the_environment_setting(app):
    newest, older = new_encryption_key(), new_encryption_key()
    app.config["SHOP_ENCRYPTION_KEYS"] = f"{newest},{older}"
    cipher = outbound_cipher(app)
    assert cipher.key_count == 2
    assert Fernet(newest.encode()).decrypt(cipher.encrypt("x").encode()) == b"x"


def test_app_cipher_follows_a_rotated_key_file_without_restart(app, tmp_path):
    app.config["SHOP_ENCRYPTION_KEYS"] = None  # the test config sets one
    app.config["ENCRYPTION_KEY_FILE"] = str(tmp_path / "keys")
    token = outbound_cipher(app).encrypt("outbound secret")
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o600
    prepend_key_to_file(tmp_path / "keys", new_encryption_key())
    cipher = outbound_cipher(app)
    assert cipher.key_count == 2
    assert cipher.decrypt(token) == "outbound secret"
    assert cipher.uses_newest_key(cipher.encrypt("new"))


# ---------- re-encryption after rotation ----------


@pytest.fixture
def secret_table(app):
    """A throw-away table with one encrypted column, outside the shop's own schema."""
    metadata = MetaData()
    table = Table(
        "test_encrypted_secrets", metadata,
        Column("id", Integer, primary_key=True),
        Column("label", String(50)),
        Column("token", String(500), info={ENCRYPTED_COLUMN: True}),
    )
    metadata.create_all(db.engine)
    yield metadata, table
    metadata.drop_all(db.engine)


def test_reencrypt_moves_every_marked_value_to_the_newest_key(secret_table):
    metadata, table = secret_table
    old_key, new_key = new_encryption_key(), new_encryption_key()
    old = SecretCipher([old_key])
    with db.engine.begin() as conn:
        conn.execute(table.insert(), [
            {"id": 1, "label": "a", "token": old.encrypt("secret-a")},
            {"id": 2, "label": "b", "token": old.encrypt("secret-b")},
            {"id": 3, "label": "none", "token": None},
        ])
    both = SecretCipher([new_key, old_key])
    with db.engine.begin() as conn:
        assert reencrypt_columns(conn, metadata, both) == 2
    with db.engine.begin() as conn:
        assert reencrypt_columns(conn, metadata, both) == 0  # nothing left to do
        rows = conn.execute(select(table.c.id, table.c.token).order_by(table.c.id)).all()
    only_new = SecretCipher([new_key])
    assert only_new.decrypt(rows[0].token) == "secret-a"
    assert only_new.decrypt(rows[1].token) == "secret-b"
    assert rows[2].token is None


def test_reencrypt_changes_nothing_when_one_value_cannot_be_read(secret_table):
    metadata, table = secret_table
    old_key, new_key = new_encryption_key(), new_encryption_key()
    readable = SecretCipher([old_key]).encrypt("secret-a")
    foreign = SecretCipher([new_encryption_key()]).encrypt("secret-b")
    with db.engine.begin() as conn:
        conn.execute(table.insert(), [{"id": 1, "token": readable}, {"id": 2, "token": foreign}])
    with pytest.raises(UndecryptableSecret), db.engine.begin() as conn:
        reencrypt_columns(conn, metadata, SecretCipher([new_key, old_key]))
    with db.engine.begin() as conn:
        tokens = conn.execute(select(table.c.token).order_by(table.c.id)).scalars().all()
    assert tokens == [readable, foreign]  # one transaction: all or nothing


def test_rotate_key_command_adds_a_key_to_the_file(app, runner, tmp_path):
    app.config["SHOP_ENCRYPTION_KEYS"] = None  # the test config sets one
    app.config["ENCRYPTION_KEY_FILE"] = str(tmp_path / "keys")
    token = outbound_cipher(app).encrypt("outbound secret")
    result = runner.invoke(args=["secrets", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "2 keys" in result.output and "Re-encrypted 0" in result.output
    assert len(parse_keys((tmp_path / "keys").read_text())) == 2
    assert outbound_cipher(app).decrypt(token) == "outbound secret"


def test_rotate_key_with_environment_keys_explains_what_to_do(app, runner):
    app.config["SHOP_ENCRYPTION_KEYS"] = new_encryption_key()
    result = runner.invoke(args=["secrets", "rotate-key"])
    assert result.exit_code == 1
    assert "SHOP_ENCRYPTION_KEYS" in result.output
    new_key = result.output.strip().splitlines()[-1]
    assert SecretCipher([new_key]).key_count == 1  # a usable key was printed

"""``flask --app shop secrets …``: rotate the key that encrypts outbound secrets."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from shop.extensions import db
from shop.secrets_store import (
    UndecryptableSecret,
    key_file_path,
    keys_from_environment,
    new_encryption_key,
    outbound_cipher,
    prepend_key_to_file,
    reencrypt_columns,
)

secrets_cli = AppGroup("secrets", help="Manage the keys that protect secrets at rest.")


@secrets_cli.command("rotate-key")
def rotate_key() -> None:
    """Add a new newest key to the key file and re-encrypt every stored outbound secret."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if keys_from_environment(app):
        # The environment cannot be edited from here: tell the operator what to do instead.
        click.echo(
            "The keys come from SHOP_ENCRYPTION_KEYS. Put this new key first in that variable "
            "(keep the old ones after it) on every host, restart, then run "
            "`flask --app shop secrets reencrypt`:"
        )
        click.echo(new_encryption_key())
        raise SystemExit(1)
    path = key_file_path(app)
    prepend_key_to_file(path, new_encryption_key())
    cipher = outbound_cipher(app)
    click.echo(f"Added a new key to {path} ({cipher.key_count} keys, newest first).")
    _reencrypt()


@secrets_cli.command("reencrypt")
def reencrypt() -> None:
    """Re-encrypt every stored outbound secret with the newest key."""
    _reencrypt()


def _reencrypt() -> None:
    cipher = outbound_cipher()
    try:
        with db.engine.begin() as connection:
            changed = reencrypt_columns(connection, db.metadata, cipher)
    except UndecryptableSecret as error:
        # One transaction: nothing was changed. The keys that encrypted it must be missing.
        raise click.ClickException(
            "a stored secret cannot be decrypted with any configured key; nothing was "
            "re-encrypted (was an old key removed?)"
        ) from error
    click.echo(f"Re-encrypted {changed} stored secret(s) with the newest key.")

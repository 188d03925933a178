"""Use cases of accounts: users, companies, passwords and addresses."""

from __future__ import annotations

from shop.accounts.models import User
from shop.extensions import db


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user behind a session, or None."""
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))

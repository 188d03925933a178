"""Which shop user a PunchOut visit shops as: the connection's shared user or its own user."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from shop.accounts.models import Role, User
from shop.extensions import db
from shop.punchout.errors import PunchOutRefused
from shop.punchout.models import BuyerConnection, UserMapping

log = logging.getLogger(__name__)

# Users created here never log in with a password; ".invalid" can never receive mail.
SYNTHETIC_DOMAIN = "punchout.invalid"
_EMAIL = re.compile(r"^[^@\s<>\"']{1,64}@[A-Za-z0-9.-]{1,185}\.[A-Za-z0-9-]{2,63}$")
_SLUG = re.compile(r"[^a-z0-9]+")


def extrinsic(extrinsics: Mapping[str, Any], *names: str) -> str:
    """The first non-empty extrinsic among ``names``, matched case-insensitively."""
    lowered = {str(key).lower(): value for key, value in extrinsics.items()}
    for name in names:
        value = lowered.get(name.lower())
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def shop_user_for(
    connection: BuyerConnection, extrinsics: Mapping[str, Any], contact: Mapping[str, Any]
) -> User:
    """The user this visit logs in as, created when needed (not committed here)."""
    if connection.user_mapping == UserMapping.PER_USER:
        return _buyer_user(connection, extrinsics, contact)
    return _shared_user(connection)


def _shared_user(connection: BuyerConnection) -> User:
    if connection.shared_user is not None:
        return connection.shared_user
    email = f"connection-{connection.id}@{SYNTHETIC_DOMAIN}"
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, password_hash=None, first_name=connection.name[:100],
                    last_name="(PunchOut)", role=Role.BUYER, company=connection.company)
        db.session.add(user)
    connection.shared_user = user
    return user


def _names(extrinsics: Mapping[str, Any], contact: Mapping[str, Any]) -> tuple[str, str]:
    first = extrinsic(extrinsics, "FirstName", "UserFirstName", "GivenName")
    last = extrinsic(extrinsics, "LastName", "UserLastName", "FamilyName", "Surname")
    if not (first or last):
        full = extrinsic(extrinsics, "UserFullName", "FullName") or str(contact.get("name") or "")
        first, _, last = full.strip().rpartition(" ")
        if not first:  # a single word is a last name, as buyers' address books show it
            first, last = "", last
    return first[:100], last[:100]


def _buyer_email(connection: BuyerConnection, extrinsics: Mapping[str, Any],
                 contact: Mapping[str, Any]) -> str:
    email = extrinsic(extrinsics, "UserEmail", "Email", "EmailAddress")
    email = email or str(contact.get("email") or "").strip()
    unique = extrinsic(extrinsics, "UniqueName", "UserUniqueName", "UserName", "User")
    unique = unique or str(contact.get("unique_name") or "").strip()
    if not email and "@" in unique:
        email = unique
    if email:
        if not _EMAIL.match(email) or len(email) > 254:
            raise PunchOutRefused(400, "Bad Request: UserEmail is not an e-mail address")
        return email.lower()
    if unique:
        slug = _SLUG.sub("-", unique.lower()).strip("-")[:60] or "user"
        return f"{slug}.c{connection.id}@{SYNTHETIC_DOMAIN}"
    raise PunchOutRefused(
        400, "Bad Request: this connection maps each buyer user, but the request names none "
        "(send UserEmail or UniqueName, or a Contact with an Email)"
    )


def _buyer_user(connection: BuyerConnection, extrinsics: Mapping[str, Any],
                contact: Mapping[str, Any]) -> User:
    email = _buyer_email(connection, extrinsics, contact)
    first, last = _names(extrinsics, contact)
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None:
        user = User(email=email, password_hash=None, first_name=first, last_name=last,
                    role=Role.BUYER, company=connection.company)
        db.session.add(user)
        log.info("PunchOut user created for connection %s", connection.id)
        return user
    # A procurement system may name only users of its own company, and never staff.
    if user.company_id != connection.company_id or user.role == Role.STAFF:
        log.warning("connection %s named user %s of another account", connection.id, user.id)
        raise PunchOutRefused(403, "Forbidden: this user belongs to another account")
    if not user.is_active_user:
        raise PunchOutRefused(403, "Forbidden: this user is deactivated in the shop")
    if user.password_hash is None and (first or last):
        user.first_name, user.last_name = first or user.first_name, last or user.last_name
    return user

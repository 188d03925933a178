"""Use cases of accounts: users, companies, passwords and addresses.

Every function that changes something commits once; errors are ``AccountError`` (or
``NotFound``/``PermissionDenied``) with a message that can be shown as it is.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from shop.accounts.models import Address, AddressKind, Company, Role, User
from shop.accounts.passwords import hash_password, needs_rehash, verify_password
from shop.errors import NotFound, ShopError
from shop.extensions import db
from shop.ratelimit import AuthKind, Decision, get_limiter

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # hashing megabytes of "password" would be a cheap DoS
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# Roles a company admin may hand out; staff is granted only from the command line.
COMPANY_ROLES = (Role.BUYER, Role.COMPANY_ADMIN)


class AccountError(ShopError):
    """A user, company or address request that cannot be carried out."""


class DuplicateEmail(AccountError):
    """Another user already has this email address."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is wrong."""


class TooManyAttempts(AccountError):
    """Logins for this e-mail address (or from this address) are refused for a while."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.message())
        self.retry_after = decision.retry_after


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user behind a session, or None."""
    if not user_id.isdigit():
        return None
    return db.session.get(User, int(user_id))


# ---------- validation ----------


def normalise_email(email: str) -> str:
    """The address as stored (trimmed, lower-case), or AccountError when it is not one."""
    cleaned = (email or "").strip().lower()
    if len(cleaned) > 254 or not EMAIL_PATTERN.match(cleaned):
        raise AccountError("Enter a valid email address, like name@company.com.")
    return cleaned


def check_new_password(password: str) -> None:
    """Refuse passwords too short to resist guessing (or absurdly long)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"Choose a password of at most {MAX_PASSWORD_LENGTH} characters.")


def parse_role(value: str | Role) -> Role:
    """``"company-admin"`` → ``Role.COMPANY_ADMIN``; AccountError naming the choices otherwise."""
    try:
        return Role(value)
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise AccountError(f"Unknown role {value!r}; choose one of: {choices}.") from None


# ---------- users and companies ----------


def get_or_create_company(name: str) -> Company:
    """The company called ``name``, created when missing (part of the caller's transaction)."""
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > 200:
        raise AccountError("Enter a company name (at most 200 characters).")
    company = db.session.scalar(select(Company).where(Company.name == cleaned))
    if company is not None:
        return company
    company = Company(name=cleaned)
    try:
        # A savepoint: when another request created the same company a moment ago, only this
        # insert is undone and the existing row is used.
        with db.session.begin_nested():
            db.session.add(company)
    except IntegrityError:
        company = db.session.scalars(select(Company).where(Company.name == cleaned)).one()
    return company


def create_user(
    email: str,
    password: str,
    company_name: str | None,
    role: Role | str = Role.BUYER,
    *,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user (and the company when it does not exist yet). Staff need no company."""
    role = parse_role(role)
    address = normalise_email(email)
    check_new_password(password)
    _ensure_email_free(address)
    if role != Role.STAFF and not (company_name or "").strip():
        raise AccountError(f"A {role.value} user belongs to a company: give its name.")
    company = get_or_create_company(company_name) if company_name else None
    user = User(
        email=address,
        password_hash=hash_password(password),
        role=role,
        company=company,
        first_name=first_name.strip()[:100],
        last_name=last_name.strip()[:100],
    )
    _add_new_user(user)
    log.info("user %s created (role %s, company %s)", address, role.value,
             company.name if company else "-")
    return user


def _ensure_email_free(address: str) -> None:
    if db.session.scalar(select(User.id).where(User.email == address)) is not None:
        raise DuplicateEmail(f"A user with the email {address} already exists.")


def _add_new_user(user: User) -> None:
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError:
        # Two requests created the same email at the same moment: the unique index decided.
        db.session.rollback()
        raise DuplicateEmail(f"A user with the email {user.email} already exists.") from None


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (timing does not tell why)."""
    try:
        address = normalise_email(email)
    except AccountError:
        address = ""
    user = db.session.scalar(select(User).where(User.email == address)) if address else None
    password = password[:MAX_PASSWORD_LENGTH]
    if not verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None and user.password_hash is not None
    if not user.is_active_user:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
        log.info("password hash of user %s upgraded", user.id)
    return user


def log_in(email: str, password: str, address: str | None) -> User | None:
    """``authenticate`` behind the login rate limit: the user, None, or TooManyAttempts.

    While the e-mail address (or the client address) is locked the password is not even
    checked, so the right one does not help an attacker; unknown addresses are counted like
    known ones, so the limit does not tell which accounts exist.
    """
    limiter = get_limiter()
    decision = limiter.check(AuthKind.LOGIN, email, address)
    if not decision.allowed:
        log.info("login refused for a locked %s (address %s)", decision.scope, address)
        raise TooManyAttempts(decision)
    user = authenticate(email, password)
    if user is None:
        limiter.record_failure(AuthKind.LOGIN, email, address)
    return user


def update_profile(user_id: int, first_name: str, last_name: str) -> User:
    """Change the user's name."""
    user = _get_user(user_id)
    user.first_name = first_name.strip()[:100]
    user.last_name = last_name.strip()[:100]
    db.session.commit()
    return user


def change_password(user_id: int, current_password: str, new_password: str) -> None:
    """Set a new password after checking the current one."""
    user = _get_user(user_id)
    if not verify_password(user.password_hash, current_password[:MAX_PASSWORD_LENGTH]):
        raise WrongPassword("Your current password is not correct.")
    check_new_password(new_password)
    user.password_hash = hash_password(new_password)
    db.session.commit()
    log.info("user %s changed their password", user.id)


def all_users() -> list[User]:
    """Every user with their company loaded, by email (for the command line)."""
    return list(db.session.scalars(
        select(User).options(selectinload(User.company)).order_by(User.email)
    ))


def _get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


# ---------- company administration ----------


def get_company(company_id: int) -> Company:
    """The company, or NotFound."""
    company = db.session.get(Company, company_id)
    if company is None:
        raise NotFound("No such company.")
    return company


def company_users(company_id: int) -> list[User]:
    """The company's users, by email."""
    return list(db.session.scalars(
        select(User).where(User.company_id == company_id).order_by(User.email)
    ))


def add_company_user(
    company_id: int,
    email: str,
    password: str,
    role: Role | str,
    *,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """A company admin adds a buyer or another company admin to their own company."""
    role = parse_role(role)
    if role not in COMPANY_ROLES:
        raise AccountError("A company's users are buyers or company admins.")
    company = get_company(company_id)
    address = normalise_email(email)
    check_new_password(password)
    _ensure_email_free(address)
    user = User(
        email=address,
        password_hash=hash_password(password),
        role=role,
        company_id=company.id,
        first_name=first_name.strip()[:100],
        last_name=last_name.strip()[:100],
    )
    _add_new_user(user)
    log.info("user %s added to company %s", address, company.id)
    return user


def set_user_active(company_id: int, user_id: int, active: bool, acting_user_id: int) -> User:
    """Deactivate (or reactivate) a user of the company; nobody can lock themselves out."""
    user = db.session.get(User, user_id)
    if user is None or user.company_id != company_id:
        raise NotFound("No such user in your company.")
    if user.id == acting_user_id and not active:
        raise AccountError("You cannot deactivate your own account.")
    user.is_active_user = active
    db.session.commit()
    log.info("user %s %s by user %s", user.id, "activated" if active else "deactivated",
             acting_user_id)
    return user


# ---------- addresses ----------


@dataclass(frozen=True, slots=True)
class AddressData:
    """What a company admin enters for a ship-to or bill-to address."""

    kind: AddressKind
    name: str
    street: str
    postal_code: str
    city: str
    country_code: str
    code: str = ""
    is_default: bool = False


def company_addresses(company_id: int, kind: AddressKind | None = None) -> list[Address]:
    """The company's addresses (of one kind), defaults first."""
    query = select(Address).where(Address.company_id == company_id)
    if kind is not None:
        query = query.where(Address.kind == kind)
    return list(db.session.scalars(
        query.order_by(Address.kind, Address.is_default.desc(), Address.name, Address.id)
    ))


def get_address(company_id: int, address_id: int) -> Address:
    """One of the company's addresses; another company's address is NotFound."""
    address = db.session.get(Address, address_id)
    if address is None or address.company_id != company_id:
        raise NotFound("No such address.")
    return address


def add_address(company_id: int, data: AddressData) -> Address:
    """Add an address; the first of its kind becomes the default."""
    get_company(company_id)
    address = Address(company_id=company_id, kind=data.kind)
    first = not company_addresses(company_id, data.kind)
    _apply(address, data, make_default=first or data.is_default)
    db.session.add(address)
    db.session.commit()
    return address


def update_address(company_id: int, address_id: int, data: AddressData) -> Address:
    """Change an address; orders keep the copy they were placed with."""
    address = get_address(company_id, address_id)
    address.kind = data.kind
    _apply(address, data, make_default=data.is_default)
    db.session.commit()
    return address


def delete_address(company_id: int, address_id: int) -> None:
    """Remove an address (orders keep their snapshot)."""
    address = get_address(company_id, address_id)
    db.session.delete(address)
    db.session.commit()


def _apply(address: Address, data: AddressData, make_default: bool) -> None:
    address.code = data.code.strip()[:64]
    address.name = data.name.strip()[:200]
    address.street = data.street.strip()[:200]
    address.postal_code = data.postal_code.strip()[:20]
    address.city = data.city.strip()[:100]
    address.country_code = data.country_code.strip().upper()[:2]
    if make_default:
        # One default per kind: the others stop being it.
        db.session.execute(
            update(Address)
            .where(Address.company_id == address.company_id, Address.kind == data.kind)
            .values(is_default=False)
        )
    address.is_default = make_default

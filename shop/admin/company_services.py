"""Back-office use cases for companies: the company, its users, addresses and contract prices.

Every function that touches something a company owns takes the company id from the URL and
checks that the thing belongs to it, so an id from another company answers NotFound.
"""

from __future__ import annotations

import logging
from typing import TypeVar

from sqlalchemy import func, select

from shop.accounts.models import Address, Company, Role, User
from shop.accounts.passwords import hash_password
from shop.admin.services import (
    AddressData,
    CompanyData,
    ContractPriceData,
    InvalidInput,
    NewUserData,
    commit,
    get_object,
)
from shop.catalog.models import ContractPrice, Product
from shop.errors import NotFound
from shop.extensions import db

log = logging.getLogger(__name__)
Owned = TypeVar("Owned", User, Address, ContractPrice)

# Staff accounts belong to no company and are not managed from a company's page.
COMPANY_ROLES = (Role.BUYER, Role.COMPANY_ADMIN)


def _owned(model: type[Owned], company_id: int, object_id: int) -> Owned:
    found = db.session.get(model, object_id)
    if found is None or found.company_id != company_id:
        raise NotFound(f"No {model.__name__.lower()} {object_id} in this company.")
    return found


# ---------- the company ----------


def create_company(data: CompanyData) -> Company:
    """Add a buyer organisation."""
    _check_company_name(data.name, company_id=None)
    company = Company(name=data.name, currency=data.currency,
                      payment_terms_days=data.payment_terms_days)
    db.session.add(company)
    commit("name", f"A company named {data.name} already exists.")
    log.info("company %s created", company.id)
    return company


def update_company(company_id: int, data: CompanyData) -> Company:
    """Rename a company or change its currency and payment terms."""
    company = get_object(Company, company_id)
    _check_company_name(data.name, company_id=company.id)
    company.name = data.name
    company.currency = data.currency
    company.payment_terms_days = data.payment_terms_days
    commit("name", f"A company named {data.name} already exists.")
    log.info("company %s updated", company.id)
    return company


def _check_company_name(name: str, company_id: int | None) -> None:
    # Case-insensitive: "ACME Industries" next to "Acme Industries" is a typo, not a customer.
    taken = db.session.scalar(
        select(Company.id).where(func.lower(Company.name) == name.lower()).limit(1)
    )
    if taken is not None and taken != company_id:
        raise InvalidInput(f"A company named {name} already exists.", "name")


# ---------- users ----------


def add_user(company_id: int, data: NewUserData) -> User:
    """Create a buyer or company admin of this company, with an initial password."""
    company = get_object(Company, company_id)
    email = data.email.strip().lower()
    if data.role not in COMPANY_ROLES:
        raise InvalidInput("Choose buyer or company admin.", "role")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput(f"{email} already has an account.", "email")
    user = User(
        email=email, first_name=data.first_name, last_name=data.last_name, role=data.role,
        company=company, password_hash=hash_password(data.password),
        is_active_user=True,
    )
    db.session.add(user)
    commit("email", f"{email} already has an account.")
    log.info("user %s added to company %s as %s", user.id, company.id, data.role.value)
    return user


def change_user_role(company_id: int, user_id: int, role: Role) -> User:
    """Make a company's user a buyer or a company admin."""
    user = _owned(User, company_id, user_id)
    if role not in COMPANY_ROLES or user.role not in COMPANY_ROLES:
        raise InvalidInput("Only buyers and company admins can be changed here.", "role")
    user.role = role
    commit()
    log.info("user %s is now %s", user.id, role.value)
    return user


def set_user_active(company_id: int, user_id: int, active: bool) -> User:
    """Let a user log in again, or stop them from logging in (their orders stay)."""
    user = _owned(User, company_id, user_id)
    user.is_active_user = active
    commit()
    log.info("user %s %s", user.id, "reactivated" if active else "deactivated")
    return user


# ---------- addresses ----------


def add_address(company_id: int, data: AddressData) -> Address:
    """Add a ship-to or bill-to address to a company."""
    company = get_object(Company, company_id)
    address = Address(company_id=company.id)
    _apply_address(address, data)
    db.session.add(address)
    _keep_one_default(address)
    commit()
    return address


def update_address(company_id: int, address_id: int, data: AddressData) -> Address:
    """Change an address; orders keep the copy they were placed with."""
    address = _owned(Address, company_id, address_id)
    _apply_address(address, data)
    _keep_one_default(address)
    commit()
    return address


def remove_address(company_id: int, address_id: int) -> None:
    """Delete an address; orders keep the copy they were placed with."""
    address = _owned(Address, company_id, address_id)
    db.session.delete(address)
    commit()


def _apply_address(address: Address, data: AddressData) -> None:
    address.kind = data.kind
    address.code = data.code
    address.name = data.name
    address.street = data.street
    address.postal_code = data.postal_code
    address.city = data.city
    address.country_code = data.country_code
    address.is_default = data.is_default


def _keep_one_default(address: Address) -> None:
    if not address.is_default:
        return
    db.session.flush()
    for other in db.session.scalars(select(Address).where(
        Address.company_id == address.company_id, Address.kind == address.kind,
        Address.id != address.id, Address.is_default.is_(True),
    )):
        other.is_default = False


# ---------- contract prices ----------


def add_contract_price(company_id: int, sku: str, data: ContractPriceData) -> ContractPrice:
    """Give a company its own price for one product (one price per product)."""
    company = get_object(Company, company_id)
    product = db.session.scalar(select(Product).where(Product.sku == sku.strip()))
    if product is None:
        raise InvalidInput(f"No product has the SKU {sku}.", "sku")
    message = f"{company.name} already has a contract price for {product.sku}; edit that one."
    exists = db.session.scalar(select(ContractPrice.id).where(
        ContractPrice.company_id == company.id, ContractPrice.product_id == product.id))
    if exists is not None:
        raise InvalidInput(message, "sku")
    price = ContractPrice(company_id=company.id, product_id=product.id, price=data.price,
                          currency=data.currency)
    db.session.add(price)
    commit("sku", message)
    log.info("contract price for %s added to company %s", product.sku, company.id)
    return price


def update_contract_price(company_id: int, price_id: int, data: ContractPriceData) -> ContractPrice:
    """Change a contract price or its currency."""
    price = _owned(ContractPrice, company_id, price_id)
    price.price = data.price
    price.currency = data.currency
    commit()
    return price


def remove_contract_price(company_id: int, price_id: int) -> None:
    """Delete a contract price; the company pays the list price again."""
    price = _owned(ContractPrice, company_id, price_id)
    db.session.delete(price)
    commit()

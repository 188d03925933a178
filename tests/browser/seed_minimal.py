"""A small demo data set for the browser journeys, until ``seed_catalog.py`` is the seed.

Run as a script (``python tests/browser/seed_minimal.py``) with the shop's environment
(DATABASE_URL ...), like ``seed_catalog.py``: creates the schema and the demo logins of the
README, two categories levels, a few products and a contract price. Idempotent.
"""

from __future__ import annotations

from decimal import Decimal

from werkzeug.security import generate_password_hash

from shop import create_app
from shop.accounts.models import Address, AddressKind, Company, Role, User
from shop.catalog.models import Category, ContractPrice, Product
from shop.extensions import db

USERS = [
    # email, password, role, company
    ("staff@northwind.test", "staff-demo-1", Role.STAFF, None),
    ("buyer@acme.test", "buyer-demo-1", Role.BUYER, "Acme Industries"),
    ("admin@acme.test", "admin-demo-1", Role.COMPANY_ADMIN, "Acme Industries"),
    ("buyer@globex.test", "buyer-demo-1", Role.BUYER, "Globex Laboratories"),
]

CATEGORIES = [
    # slug, name, parent slug
    ("office", "Office supplies", None),
    ("writing", "Writing instruments", "office"),
    ("paper", "Paper and notebooks", "office"),
    ("it", "IT accessories", None),
]

PRODUCTS = [
    # sku, name, price, unit, unspsc, category, manufacturer, part number, featured
    ("PEN-1001", "Ballpoint pen, blue, box of 50", "18.50", "BX", "44121704", "writing",
     "Pelikan", "PK-BP50-B", True),
    ("PEN-1002", "Gel pen, black", "1.40", "EA", "44121704", "writing", "Pilot", "BL-G2-5",
     False),
    ("PAP-2001", "Copy paper A4, 80 g/m², 500 sheets", "5.90", "PK", "14111507", "paper",
     "Navigator", "NAV-A4-80", True),
    ("PAP-2002", "Spiral notebook A5, squared", "3.20", "EA", "14111514", "paper", "Oxford",
     "OX-A5-SQ", False),
    ("IT-3001", "Wireless mouse, ergonomic", "29.00", "EA", "43211708", "it", "Logitech",
     "LG-M720", True),
    ("IT-3002", "USB-C docking station, 8 ports", "149.00", "EA", "43201400", "it", "Dell",
     "WD19S", False),
]


def seed() -> None:
    app = create_app()
    with app.app_context():
        db.create_all()
        if db.session.scalar(db.select(User).filter_by(email="buyer@acme.test")):
            return
        companies = {name: Company(name=name) for name in ("Acme Industries",
                                                            "Globex Laboratories")}
        db.session.add_all(companies.values())
        for email, password, role, company in USERS:
            first = email.split("@")[0].title()
            db.session.add(User(email=email, password_hash=generate_password_hash(password),
                                role=role, first_name=first, last_name="Demo",
                                company=companies.get(company or "")))
        for kind, code in ((AddressKind.SHIP_TO, "ACME-HQ"), (AddressKind.BILL_TO, "ACME-AP")):
            db.session.add(Address(company=companies["Acme Industries"], kind=kind, code=code,
                                   name="Acme Industries", street="1 Industrial Way",
                                   postal_code="10115", city="Berlin", country_code="DE",
                                   is_default=True))
        categories: dict[str, Category] = {}
        for position, (slug, name, parent) in enumerate(CATEGORIES):
            categories[slug] = Category(slug=slug, name=name, position=position,
                                        description=f"{name} for the whole company.",
                                        parent=categories.get(parent or ""))
        db.session.add_all(categories.values())
        products = [_product(row, categories) for row in PRODUCTS]
        db.session.add_all(products)
        db.session.flush()  # ContractPrice names its company by id only
        db.session.add(ContractPrice(company_id=companies["Acme Industries"].id,
                                     product=products[0], price=Decimal("15.90")))
        db.session.commit()


def _product(row: tuple, categories: dict[str, Category]) -> Product:  # type: ignore[type-arg]
    sku, name, price, unit, unspsc, category, manufacturer, part, featured = row
    return Product(sku=sku, name=name, short_description=f"{name} from {manufacturer}.",
                   description=f"{name}. Made by {manufacturer}, part number {part}.",
                   list_price=Decimal(price), unit=unit, unspsc=unspsc,
                   category=categories[category], manufacturer=manufacturer,
                   manufacturer_part_number=part, stock_quantity=500, featured=featured)


if __name__ == "__main__":
    seed()

"""Rows for the demo shop: categories, products (hand-made and synthetic), companies, users.

Pure and deterministic: the same arguments give the same rows, which is what makes the seed
idempotent (``services.seed_demo_shop`` inserts only the rows that are missing). Nothing here
touches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shop.catalog.demo_catalog import DEPARTMENTS, Department, Family, Leaf
from shop.catalog.units import unit_name

CENT = Decimal("0.01")

# Synthetic catalogs put every 16th product here, so 100,000 products give it 6,250
# (more than 200 pages): a fastener range really is that long.
BIG_LEAF = "fasteners"
BIG_SHARE = 16



@dataclass(frozen=True, slots=True)
class CategorySpec:
    slug: str
    name: str
    description: str
    parent_slug: str | None
    position: int


@dataclass(frozen=True, slots=True)
class AddressSpec:
    kind: str  # AddressKind value
    code: str
    name: str
    street: str
    postal_code: str
    city: str
    country_code: str


@dataclass(frozen=True, slots=True)
class CompanySpec:
    name: str
    payment_terms_days: int
    # Department slug → discount on the list price of every other demo product in it.
    discounts: dict[str, Decimal]
    addresses: tuple[AddressSpec, ...]


@dataclass(frozen=True, slots=True)
class UserSpec:
    email: str
    password: str
    role: str  # Role value
    company: str | None
    first_name: str
    last_name: str


DEMO_COMPANIES = (
    CompanySpec("Acme Industries", 30, {"office": Decimal("0.12"), "it": Decimal("0.08"),
                                        "printing": Decimal("0.15")}, (
        AddressSpec("ship-to", "ACME-DE-01", "Acme Industries, Plant 2, Goods In",
                    "Industriestraße 12", "70565", "Stuttgart", "DE"),
        AddressSpec("ship-to", "ACME-DE-02", "Acme Industries, Head Office, Mail Room",
                    "Königstraße 40", "70173", "Stuttgart", "DE"),
        AddressSpec("bill-to", "ACME-AP", "Acme Industries GmbH, Accounts Payable",
                    "Postfach 10 04 52", "70003", "Stuttgart", "DE"),
    )),
    CompanySpec("Globex Laboratories", 45, {"lab": Decimal("0.10"), "safety": Decimal("0.14")}, (
        AddressSpec("ship-to", "GLX-AMS-LAB", "Globex Laboratories, Building C, Lab Stores",
                    "Science Park 140", "1098 XG", "Amsterdam", "NL"),
        AddressSpec("bill-to", "GLX-AP", "Globex Laboratories B.V., Crediteurenadministratie",
                    "Postbus 94320", "1090 GH", "Amsterdam", "NL"),
    )),
    CompanySpec("Initech Facilities", 30, {"cleaning": Decimal("0.09"), "mro": Decimal("0.07"),
                                           "breakroom": Decimal("0.10")}, (
        AddressSpec("ship-to", "INI-AUS-1", "Initech Facilities, Loading Dock B",
                    "4120 Freidrich Lane", "78744", "Austin, TX", "US"),
        AddressSpec("bill-to", "INI-AP", "Initech Facilities Inc., Accounts Payable",
                    "PO Box 60417", "78760", "Austin, TX", "US"),
    )),
)

# The demo logins; README.md lists the same ones.
DEMO_USERS = (
    UserSpec("staff@northwind.test", "staff-demo-1", "staff", None, "Morgan", "Lee"),
    UserSpec("buyer@acme.test", "buyer-demo-1", "buyer", "Acme Industries", "Alex", "Meyer"),
    UserSpec("admin@acme.test", "admin-demo-1", "company-admin", "Acme Industries", "Jordan",
             "Weber"),
    UserSpec("buyer@globex.test", "buyer-demo-1", "buyer", "Globex Laboratories", "Sam",
             "de Vries"),
)


def category_specs() -> list[CategorySpec]:
    """The two-level tree, parents before their children."""
    specs = []
    for position, department in enumerate(DEPARTMENTS):
        specs.append(CategorySpec(department.slug, department.name, department.description,
                                  None, position))
        specs.extend(
            CategorySpec(leaf.slug, leaf.name, leaf.description, department.slug, index)
            for index, leaf in enumerate(department.leaves)
        )
    return specs


def _mix(number: int) -> int:
    """A cheap deterministic hash (Knuth's multiplicative) for spreading attributes."""
    return (number * 2654435761) % 4294967296


def _price(base: str, step: int) -> Decimal:
    return (Decimal(base) * (1 + Decimal("0.08") * step)).quantize(CENT)


def _stock_and_lead_time(seed: int) -> tuple[int, int]:
    h = _mix(seed)
    stock = 0 if h % 10 == 0 else (1 + h % 9 if h % 10 == 1 else 10 + (h >> 8) % 490)
    lead_time = (1, 2, 2, 3, 3, 5, 7, 10, 14)[(h >> 4) % 9]
    return stock, lead_time


def _description(family: Family, variant: str, maker_part: str) -> str:
    unit = "piece" if family.unit == "EA" else unit_name(family.unit)
    return (
        f"{family.blurb}\n\n"
        f"Variant: {variant}. Sold per {unit}; made by {family.maker}, part number {maker_part}."
    )


def _product_row(department: Department, leaf: Leaf, family: Family, variant: str, *,
                 sku: str, step: int, seed: int, name: str) -> dict[str, Any]:
    stock, lead_time = _stock_and_lead_time(seed)
    maker_part = f"{family.maker[:3].upper()}-{1000 + _mix(seed + 7) % 9000}-{step + 1:02d}"
    return {
        "sku": sku,
        "name": name,
        "short_description": family.blurb,
        "description": _description(family, variant, maker_part),
        "list_price": _price(family.price, step),
        "currency": "EUR",
        "unit": family.unit,
        "unspsc": family.unspsc,
        "manufacturer": family.maker,
        "manufacturer_part_number": maker_part,
        "lead_time_days": lead_time,
        "stock_quantity": stock,
        "active": True,
        "featured": False,
        "image_url": "",
        "category_slug": leaf.slug,
        "department_slug": department.slug,
    }


def _name(family: Family, variant: str) -> str:
    return family.name if variant == "standard" else f"{family.name}, {variant}"


def demo_products(now: dt.datetime) -> Iterator[dict[str, Any]]:
    """The hand-made catalog (a bit over 300 products); one dict per product."""
    number = 0
    for department in DEPARTMENTS:
        serial = 10000
        for leaf_index, leaf in enumerate(department.leaves):
            for family_index, family in enumerate(leaf.families):
                for step, variant in enumerate(family.variants):
                    serial += 1
                    number += 1
                    row = _product_row(department, leaf, family, variant,
                                       sku=f"{department.code}-{serial}", step=step,
                                       seed=number, name=_name(family, variant))
                    # The first product of every other leaf shows on the home page.
                    row["featured"] = leaf_index % 2 == 0 and family_index == step == 0
                    row["created_at"] = row["updated_at"] = now - dt.timedelta(hours=7 * number)
                    yield row


_PAIRS = [(department, leaf) for department in DEPARTMENTS for leaf in department.leaves]
_BIG = next(pair for pair in _PAIRS if pair[1].slug == BIG_LEAF)
_OTHERS = [pair for pair in _PAIRS if pair is not _BIG]


def synthetic_leaf(n: int) -> tuple[Department, Leaf]:
    """The category of synthetic product ``n``: every BIG_SHARE-th in BIG_LEAF, else in turn."""
    return _BIG if n % BIG_SHARE == 0 else _OTHERS[n % len(_OTHERS)]


def synthetic_products(start: int, stop: int, now: dt.datetime) -> Iterator[dict[str, Any]]:
    """Synthetic products number ``start`` to ``stop - 1``; product n never depends on stop."""
    for n in range(start, stop):
        department, leaf = synthetic_leaf(n)
        family = leaf.families[(n // 7) % len(leaf.families)]
        step = (n // 3) % len(family.variants)
        variant = family.variants[step]
        name = f"{_name(family, variant)}, model {'KMRTVX'[n % 6]}{n:06d}"
        row = _product_row(department, leaf, family, variant, sku=f"{department.code}-S{n:06d}",
                           step=step, seed=100_000 + n, name=name)
        row["created_at"] = row["updated_at"] = now - dt.timedelta(days=400, minutes=n)
        yield row


def contract_price(spec: CompanySpec, department_slug: str, number: int,
                   list_price: Decimal) -> Decimal | None:
    """The company's negotiated price for the ``number``-th demo product, if it has one."""
    discount = spec.discounts.get(department_slug)
    if discount is None or number % 2:
        return None
    return (list_price * (1 - discount)).quantize(CENT)

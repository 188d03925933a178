"""The price a company pays: its contract price where one exists, else the list price.

Every page, the cart, checkout and PunchOut ask this module, so prices agree everywhere.
Prices are looked up in bulk (one query per page, never one per product).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from shop.catalog.models import ContractPrice, Product
from shop.extensions import db


@dataclass(frozen=True, slots=True)
class Price:
    amount: Decimal
    currency: str
    # The list price when a contract price applies (to show the saving), else None.
    list_amount: Decimal | None = None

    @property
    def is_contract(self) -> bool:
        return self.list_amount is not None


def prices_for(company_id: int | None, products: Iterable[Product]) -> dict[int, Price]:
    """Prices of several products for one company (None: a visitor), keyed by product id."""
    products = list(products)
    contract: dict[int, ContractPrice] = {}
    if company_id is not None and products:
        rows = db.session.scalars(
            select(ContractPrice).where(
                ContractPrice.company_id == company_id,
                ContractPrice.product_id.in_([product.id for product in products]),
            )
        )
        contract = {row.product_id: row for row in rows}
    prices = {}
    for product in products:
        agreed = contract.get(product.id)
        if agreed is not None:
            prices[product.id] = Price(
                agreed.price, agreed.currency, list_amount=product.list_price
            )
        else:
            prices[product.id] = Price(product.list_price, product.currency)
    return prices


def price_for(company_id: int | None, product: Product) -> Price:
    """The price of one product for one company."""
    return prices_for(company_id, [product])[product.id]

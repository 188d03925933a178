"""Contract prices override list prices for their company only."""

from decimal import Decimal

from shop.catalog.models import ContractPrice
from shop.catalog.pricing import price_for, prices_for
from shop.extensions import db


def test_list_price_for_visitors_and_companies_without_contract(make_product, make_company):
    pen = make_product(price="1.20")
    other = make_company("Other Ltd")
    assert price_for(None, pen).amount == Decimal("1.20")
    assert not price_for(other.id, pen).is_contract


def test_contract_price_applies_to_its_company_only(make_product, make_company):
    pen = make_product(price="1.20")
    acme, other = make_company("Acme"), make_company("Other Ltd")
    db.session.add(ContractPrice(company_id=acme.id, product_id=pen.id, price=Decimal("0.95")))
    db.session.commit()

    acme_price = price_for(acme.id, pen)
    assert acme_price.amount == Decimal("0.95")
    assert acme_price.is_contract and acme_price.list_amount == Decimal("1.20")
    assert price_for(other.id, pen).amount == Decimal("1.20")


def test_bulk_lookup_covers_every_product(make_product, make_company):
    products = [make_product(sku=f"SKU-{n}", price=f"{n}.00") for n in range(1, 6)]
    prices = prices_for(make_company().id, products)
    assert [prices[p.id].amount for p in products] == [Decimal(n) for n in range(1, 6)]

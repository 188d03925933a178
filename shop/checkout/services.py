"""Checkout: what the checkout page shows. Placing the order is ``orders.services.place_order``."""

from __future__ import annotations

from dataclasses import dataclass

from shop.accounts.models import Address, AddressKind, User
from shop.cart.services import CartSummary, cart_summary
from shop.orders.services import (
    OrderError,
    cart_fingerprint,
    check_cart_can_be_ordered,
    checkout_addresses,
    payment_terms_text,
)


@dataclass(frozen=True, slots=True)
class CheckoutPage:
    """Everything the checkout page shows for one user and cart."""

    summary: CartSummary
    ship_to: list[Address]
    bill_to: list[Address]
    payment_terms: str
    fingerprint: str

    @property
    def has_addresses(self) -> bool:
        return bool(self.ship_to and self.bill_to)


def prepare_checkout(cart_id: int | None, user: User) -> CheckoutPage:
    """The checkout page's data, or OrderError when this cart cannot be ordered."""
    if user.company is None:
        raise OrderError("Checkout is for users of a customer company.")
    summary = cart_summary(cart_id, user.company.id)
    check_cart_can_be_ordered(summary)
    return CheckoutPage(
        summary=summary,
        ship_to=checkout_addresses(user.company.id, AddressKind.SHIP_TO),
        bill_to=checkout_addresses(user.company.id, AddressKind.BILL_TO),
        payment_terms=payment_terms_text(user.company),
        fingerprint=cart_fingerprint(summary),
    )

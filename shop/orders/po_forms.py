"""Back-office forms for purchase orders: confirm, ship, invoice, cancel, policy.

Per-line inputs are named after the line (``decision-3``, ``quantity-3``); ``lines_from``
reads exactly those of the order's own lines and nothing else that was posted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from shop.errors import ShopError
from shop.orders.fulfilment import LineChoice
from shop.orders.fulfilment_models import LineDecision
from shop.orders.po_models import CatalogPolicy

DECISIONS = (("accept", "Accept"), ("backordered", "Backorder"), ("reject", "Reject"))


class FormProblem(ShopError):
    """A per-line input that cannot be used; the message names the line."""


class ConfirmForm(FlaskForm):
    comments = TextAreaField("Comment for the buyer", validators=[Optional(), Length(max=2000)])


class ShipForm(FlaskForm):
    carrier = StringField("Carrier", validators=[DataRequired("Enter the carrier."),
                                                 Length(max=100)])
    tracking = StringField("Tracking number", validators=[Optional(), Length(max=100)])


class InvoiceForm(FlaskForm):
    tax_rate = DecimalField("Tax rate (%)", default=Decimal("0"), places=2,
                            validators=[NumberRange(min=0, max=100)])
    pay_in_days = IntegerField("Payment terms (days)", validators=[
        Optional(), NumberRange(min=0, max=365)])


class CancelForm(FlaskForm):
    reason = TextAreaField("Reason, for the buyer", validators=[Optional(), Length(max=2000)])


class PolicyForm(FlaskForm):
    catalog_policy = SelectField("When a PO differs from the catalog", choices=[
        SelectChoice(CatalogPolicy.FLAG.value, "Accept the order and flag it for staff"),
        SelectChoice(CatalogPolicy.REJECT.value, "Refuse the order (cXML 406)"),
    ])
    price_tolerance = DecimalField("Price tolerance per unit", places=4,
                                   validators=[NumberRange(min=0, max=1000)])


def _decimal(value: str, line: int) -> Decimal | None:
    if not value.strip():
        return None
    try:
        quantity = Decimal(value.strip())
    except InvalidOperation:
        raise FormProblem(f"Line {line}: {value[:20]!r} is not a number.") from None
    if not quantity.is_finite() or quantity <= 0:
        raise FormProblem(f"Line {line}: the quantity must be positive.")
    return quantity


def _date(value: str, line: int) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise FormProblem(f"Line {line}: {value[:20]!r} is not a date.") from None


def decisions_from(data: Mapping[str, str], line_numbers: Iterable[int]) -> list[LineChoice]:
    """Per-line decisions: ``decision-N``, with ``quantity-N`` (empty: the whole line) and
    ``date-N`` (expected delivery). Lines left at "accept" for everything need no entry."""
    choices = []
    for number in line_numbers:
        decision = data.get(f"decision-{number}", "accept")
        if decision not in {value for value, _ in DECISIONS}:
            raise FormProblem(f"Line {number}: choose accept, backorder or reject.")
        quantity = _decimal(data.get(f"quantity-{number}", ""), number)
        when = _date(data.get(f"date-{number}", ""), number)
        if decision != "accept" or quantity is not None or when is not None:
            choices.append(LineChoice(number, LineDecision(decision), quantity, when))
    return choices


def quantities_from(data: Mapping[str, str], line_numbers: Iterable[int],
                    ) -> dict[int, Decimal] | None:
    """``quantity-N`` per line to ship; None when every field was left empty (ship all)."""
    wanted = {}
    for number in line_numbers:
        quantity = _decimal(data.get(f"quantity-{number}", ""), number)
        if quantity is not None:
            wanted[number] = quantity
    return wanted or None

"""Forms of the catalog: the add-to-cart form on product pages."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import DecimalField, HiddenField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import NumberInput


class AddToCartForm(FlaskForm):
    """Posts to ``cart.add``; the cart feature validates it again on its side."""

    sku = HiddenField(validators=[InputRequired(), Length(max=64)])
    quantity = DecimalField(
        "Quantity",
        default=Decimal(1),
        places=None,  # shows "1", not "1.00"
        widget=NumberInput(min=1, step="any"),
        validators=[InputRequired("Enter a quantity.")],
    )

    def validate_quantity(self, field: DecimalField) -> None:
        limit = current_app.config["MAX_LINE_QUANTITY"]
        if field.data is None or not field.data.is_finite() or field.data <= 0:
            raise ValidationError("Enter a quantity greater than zero.")
        if field.data > limit:
            raise ValidationError(f"At most {limit:,} can be ordered at once.")

"""Forms of the cart feature.

Quantities are plain text fields: the service parses them, so that "abc", "-1", "2.5" for a
product sold by the piece and "1e9" each get their own clear message. Prices are never read
from a form.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField


class AddToCartForm(FlaskForm):
    """Posted by product cards and product pages to ``/cart/add``."""

    sku = HiddenField()
    quantity = StringField("Quantity", default="1")
    next = HiddenField()


class LineQuantityForm(FlaskForm):
    quantity = StringField("Quantity")


class CartActionForm(FlaskForm):
    """Only the CSRF token: remove a line, empty the cart."""

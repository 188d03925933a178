"""The checkout form: addresses, PO number and comments (prices never come from a form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length


class CheckoutForm(FlaskForm):
    ship_to = SelectField("Deliver to", coerce=int,
                          validators=[InputRequired("Choose a delivery address.")],
                          invalid_value_message="Choose one of your delivery addresses.",
                          invalid_choice_message="Choose one of your delivery addresses.")
    bill_to = SelectField("Invoice to", coerce=int,
                          validators=[InputRequired("Choose a billing address.")],
                          invalid_value_message="Choose one of your billing addresses.",
                          invalid_choice_message="Choose one of your billing addresses.")
    po_number = StringField(
        "Purchase-order number",
        validators=[InputRequired("Enter your purchase-order number."),
                    Length(max=100, message="Use at most 100 characters.")],
        render_kw={"autocomplete": "off"},
    )
    comments = TextAreaField("Comments for us",
                             validators=[Length(max=2000, message="Use at most 2,000 characters.")])
    # Digest of the cart as shown; placing the order checks it is still the same.
    fingerprint = HiddenField()

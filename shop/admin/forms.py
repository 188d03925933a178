"""Back-office forms: explicit fields only, validated on the server, turned into service inputs.

Each form lists exactly the fields staff may set, and hands the services a frozen dataclass
(``to_data``), so an extra posted field (``role=staff``, ``company_id=…``) is never read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    Field,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from shop.accounts.models import AddressKind, Role
from shop.admin.services import (
    AddressData,
    CategoryData,
    CompanyData,
    ContractPriceData,
    NewUserData,
    ProductData,
)
from shop.catalog.models import Product
from shop.oci.fields import FIELD_LENGTHS
from shop.orders.models import OrderStatus

CURRENCIES = ("EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "CAD", "AUD", "JPY")

# Common UN/CEFACT Recommendation 20 units of measure (the codes cXML and OCI carry).
UNITS = (
    ("EA", "EA – each"), ("C62", "C62 – one (unit)"), ("H87", "H87 – piece"),
    ("PR", "PR – pair"), ("SET", "SET – set"), ("KT", "KT – kit"), ("DZN", "DZN – dozen"),
    ("BX", "BX – box"), ("PK", "PK – pack"), ("CT", "CT – carton"), ("BG", "BG – bag"),
    ("BO", "BO – bottle"), ("CA", "CA – can"), ("RO", "RO – roll"), ("RM", "RM – ream"),
    ("TU", "TU – tube"), ("PL", "PL – pail"), ("KGM", "KGM – kilogram"),
    ("GRM", "GRM – gram"), ("LTR", "LTR – litre"), ("MLT", "MLT – millilitre"),
    ("MTR", "MTR – metre"), ("CMT", "CMT – centimetre"), ("MTK", "MTK – square metre"),
    ("HUR", "HUR – hour"), ("DAY", "DAY – day"),
)

COMPANY_ROLES = ((Role.BUYER.value, "Buyer"), (Role.COMPANY_ADMIN.value, "Company admin"))
ADDRESS_KINDS = ((AddressKind.SHIP_TO.value, "Ship-to"), (AddressKind.BILL_TO.value, "Bill-to"))

MAX_MONEY = Decimal("9999999999.9999")  # what Numeric(14, 4) holds
EMAIL_PATTERN = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")
SKU_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/+#-]*$"
# The SKU travels whole as OCI's VENDORMAT and EXT_PRODUCT_ID: no longer than they may be.
SKU_MAX_LENGTH = FIELD_LENGTHS["EXT_PRODUCT_ID"]
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def strip(value: Any) -> Any:
    """Trim text fields; browsers and pasted values bring stray spaces."""
    return value.strip() if isinstance(value, str) else value


def upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def clean_query(value: Any) -> Any:
    """Search text without control characters (PostgreSQL refuses NUL in strings)."""
    return CONTROL_CHARACTERS.sub("", value).strip() if isinstance(value, str) else value


def positive_money(form: FlaskForm, field: Field) -> None:
    """A price: finite, above zero, at most 4 decimal places, within the column's range."""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or value <= 0:
        raise ValidationError("Enter a price above zero, e.g. 12.50.")
    if value > MAX_MONEY:
        raise ValidationError("This price is too large.")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -4:
        raise ValidationError("Use at most 4 decimal places.")


def valid_email(form: FlaskForm, field: Field) -> None:
    if field.data and not EMAIL_PATTERN.match(field.data):
        raise ValidationError("Enter an e-mail address like name@example.com.")


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """Select-box options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _with_current(choices: list[tuple[str, str]], current: str | None) -> list[tuple[str, str]]:
    """Keep a stored value that is not in the usual list selectable, so editing keeps it."""
    if current and current not in {value for value, _ in choices}:
        return [(current, current), *choices]
    return choices


class MoneyField(DecimalField):
    """A price input showing stored amounts as people write them: 1.2000 → 1.20, 0.0125 stays."""

    def _value(self) -> str:
        if self.raw_data or not isinstance(self.data, Decimal):
            return str(super()._value())
        if not self.data.is_finite():
            return str(self.data)
        value = self.data.normalize()
        if value.as_tuple().exponent > -2:  # type: ignore[operator]
            value = value.quantize(Decimal("0.01"))
        return f"{value:f}"


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token is posted."""


# ---------- catalog ----------


class ProductSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    q = StringField("Search", filters=[clean_query], validators=[Length(max=100)])
    status = SelectField(
        "Show", default="", validate_choice=False,
        choices=options([("", "All products"), ("active", "Active"), ("inactive", "Inactive")]),
    )


class ProductForm(FlaskForm):
    sku = StringField("SKU", filters=[strip], validators=[
        DataRequired("Enter the SKU."),
        Length(max=SKU_MAX_LENGTH, message=f"At most {SKU_MAX_LENGTH} characters: SAP OCI "
               "carries no longer part numbers (VENDORMAT, EXT_PRODUCT_ID)."),
        Regexp(SKU_PATTERN, message="Use letters, digits and . _ / + # - only, no spaces."),
    ])
    name = StringField("Name", filters=[strip], validators=[DataRequired("Enter a name."),
                                                             Length(max=200)])
    short_description = StringField("Short description", filters=[strip],
                                    validators=[Length(max=400)])
    description = TextAreaField("Description", filters=[strip], validators=[Length(max=20000)])
    list_price = MoneyField("List price", places=None, validators=[
        InputRequired("Enter the list price."), positive_money])
    currency = SelectField("Currency", choices=options((c, c) for c in CURRENCIES))
    unit = SelectField("Unit of measure", choices=options(UNITS))
    unspsc = StringField("UNSPSC code", filters=[strip], validators=[
        Optional(), Regexp(r"^\d{2,16}$", message="Digits only, e.g. 44121704.")])
    manufacturer = StringField("Manufacturer", filters=[strip], validators=[Length(max=120)])
    manufacturer_part_number = StringField("Manufacturer part number", filters=[strip],
                                           validators=[Length(max=64)])
    lead_time_days = IntegerField("Lead time (working days)", default=3, validators=[
        InputRequired("Enter the lead time in working days."), NumberRange(0, 365)])
    stock_quantity = IntegerField("Stock quantity", default=0, validators=[
        InputRequired("Enter the stock quantity."), NumberRange(0, 1_000_000_000)])
    category_id = SelectField("Category", coerce=int, choices=options([(0, "— none —")]))
    image_url = StringField("Image URL", filters=[strip], validators=[
        Length(max=500), Optional(),
        Regexp(r"^(https://|http://|/)[^\s<>\"']*$",
               message="Use an http(s) address or a path on this site starting with /.")])
    active = BooleanField("Active (shown in the shop)", default=True)
    featured = BooleanField("Featured on the home page")

    def set_choices(self, categories: list[tuple[int, str]],
                    stored: Product | None = None) -> None:
        """Fill the select boxes; an uncommon unit or currency already stored stays valid."""
        self.category_id.choices = options([(0, "— none —"), *categories])
        currencies = [(c, c) for c in CURRENCIES]
        units = list(UNITS)
        if stored is not None:
            currencies = _with_current(currencies, stored.currency)
            units = _with_current(units, stored.unit)
        self.currency.choices = options(currencies)
        self.unit.choices = options(units)

    def to_data(self) -> ProductData:
        return ProductData(
            sku=self.sku.data, name=self.name.data,
            short_description=self.short_description.data or "",
            description=self.description.data or "", list_price=self.list_price.data,
            currency=self.currency.data, unit=self.unit.data, unspsc=self.unspsc.data or "",
            manufacturer=self.manufacturer.data or "",
            manufacturer_part_number=self.manufacturer_part_number.data or "",
            lead_time_days=self.lead_time_days.data, stock_quantity=self.stock_quantity.data,
            category_id=self.category_id.data or None, image_url=self.image_url.data or "",
            active=self.active.data, featured=self.featured.data,
        )


class CategoryForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired("Enter a name."),
                                                             Length(max=120)])
    slug = StringField("Slug", filters=[strip], validators=[
        DataRequired("Enter the slug used in the address."), Length(max=120),
        Regexp(r"^[a-z0-9]+(-[a-z0-9]+)*$",
               message="Lower-case letters, digits and single hyphens, e.g. office-paper."),
    ])
    description = TextAreaField("Description", filters=[strip], validators=[Length(max=5000)])
    parent_id = SelectField("Parent category", coerce=int,
                            choices=options([(0, "— top level —")]))
    position = IntegerField("Position", default=0, validators=[
        InputRequired("Enter a position."), NumberRange(0, 100_000)])

    def set_parents(self, parents: list[tuple[int, str]]) -> None:
        self.parent_id.choices = options([(0, "— top level —"), *parents])

    def to_data(self) -> CategoryData:
        return CategoryData(
            name=self.name.data, slug=self.slug.data, description=self.description.data or "",
            parent_id=self.parent_id.data or None, position=self.position.data,
        )


# ---------- companies ----------


class CompanySearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Search", filters=[clean_query], validators=[Length(max=100)])


class CompanyForm(FlaskForm):
    name = StringField("Name", filters=[strip], validators=[DataRequired("Enter the name."),
                                                             Length(max=200)])
    currency = SelectField("Currency", choices=options((c, c) for c in CURRENCIES))
    payment_terms_days = IntegerField("Payment terms (days)", default=30, validators=[
        InputRequired("Enter the payment terms in days."), NumberRange(0, 365)])

    def to_data(self) -> CompanyData:
        return CompanyData(name=self.name.data, currency=self.currency.data,
                           payment_terms_days=self.payment_terms_days.data)


class NewUserForm(FlaskForm):
    email = StringField("E-mail", filters=[strip], validators=[
        DataRequired("Enter the e-mail address."), Length(max=254), valid_email])
    first_name = StringField("First name", filters=[strip], validators=[Length(max=100)])
    last_name = StringField("Last name", filters=[strip], validators=[Length(max=100)])
    role = SelectField("Role", choices=options(COMPANY_ROLES), default=Role.BUYER.value)
    password = PasswordField("Initial password", validators=[
        DataRequired("Enter an initial password."),
        Length(min=10, max=200, message="Use 10 to 200 characters.")])

    def to_data(self) -> NewUserData:
        return NewUserData(
            email=self.email.data, first_name=self.first_name.data or "",
            last_name=self.last_name.data or "", role=Role(self.role.data),
            password=self.password.data,
        )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=options(COMPANY_ROLES))


class AddressForm(FlaskForm):
    kind = SelectField("Type", choices=options(ADDRESS_KINDS))
    code = StringField("Buyer's address ID", filters=[strip], validators=[Length(max=64)])
    name = StringField("Name", filters=[strip], validators=[DataRequired("Enter a name."),
                                                             Length(max=200)])
    street = StringField("Street", filters=[strip], validators=[DataRequired("Enter the street."),
                                                                 Length(max=200)])
    postal_code = StringField("Postal code", filters=[strip], validators=[
        DataRequired("Enter the postal code."), Length(max=20)])
    city = StringField("City", filters=[strip], validators=[DataRequired("Enter the city."),
                                                             Length(max=100)])
    country_code = StringField("Country code", filters=[upper], validators=[
        DataRequired("Enter the country code."),
        Regexp(r"^[A-Z]{2}$", message="Two letters (ISO 3166), e.g. DE or US.")])
    is_default = BooleanField("Default address of this type")

    def to_data(self) -> AddressData:
        return AddressData(
            kind=AddressKind(self.kind.data), code=self.code.data or "", name=self.name.data,
            street=self.street.data, postal_code=self.postal_code.data, city=self.city.data,
            country_code=self.country_code.data, is_default=self.is_default.data,
        )


class ContractPriceForm(FlaskForm):
    sku = StringField("SKU", filters=[strip], validators=[DataRequired("Enter the SKU."),
                                                           Length(max=64)])
    price = MoneyField("Contract price", places=None, validators=[
        InputRequired("Enter the price."), positive_money])
    currency = SelectField("Currency", choices=options((c, c) for c in CURRENCIES))

    def to_data(self) -> ContractPriceData:
        return ContractPriceData(price=self.price.data, currency=self.currency.data)


class EditContractPriceForm(FlaskForm):
    price = MoneyField("Contract price", places=None, validators=[
        InputRequired("Enter the price."), positive_money])
    currency = SelectField("Currency", choices=options((c, c) for c in CURRENCIES))

    def to_data(self) -> ContractPriceData:
        return ContractPriceData(price=self.price.data, currency=self.currency.data)


# ---------- orders ----------


class OrderSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField("Order or PO number", filters=[clean_query], validators=[Length(max=100)])
    status = SelectField("Status", default="", choices=options([("", "All statuses")] + [
        (status.value, status.value.capitalize()) for status in OrderStatus]))
    company = SelectField("Company", coerce=int, default=0,
                          choices=options([(0, "All companies")]))

    def set_companies(self, companies: list[tuple[int, str]]) -> None:
        self.company.choices = options([(0, "All companies"), *companies])

    def filters(self) -> tuple[str, str, int]:
        """(text, status, company id) after validation; a filter that failed is left out."""
        self.validate()
        text = "" if self.q.errors else self.q.data or ""
        status = "" if self.status.errors else self.status.data or ""
        company = 0 if self.company.errors else self.company.data or 0
        return text, status, company


class OrderStatusForm(FlaskForm):
    # Any real status is accepted here; whether the move is allowed is the service's rule,
    # which answers with a clear message. The page narrows the list to the allowed moves.
    status = SelectField("New status", choices=options((s.value, s.value) for s in OrderStatus))
    note = TextAreaField("Note", filters=[strip], validators=[Length(max=2000)])

    def set_statuses(self, statuses: list[tuple[str, str]]) -> None:
        self.status.choices = options(statuses)

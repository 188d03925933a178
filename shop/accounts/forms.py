"""Forms of the accounts feature (CSRF through Flask-WTF; rules live in the services)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Regexp

from shop.accounts.models import AddressKind, Role
from shop.accounts.services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = StringField(
        "Email", validators=[InputRequired("Enter your email."), Length(max=254)],
        render_kw={"autocomplete": "username", "type": "email", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[InputRequired("Enter your password."), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ActionForm(FlaskForm):
    """A form with only its CSRF token: logout, deactivate, delete."""


class ProfileForm(FlaskForm):
    first_name = StringField("First name", validators=[Length(max=100)],
                             render_kw={"autocomplete": "given-name"})
    last_name = StringField("Last name", validators=[Length(max=100)],
                            render_kw={"autocomplete": "family-name"})


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[InputRequired("Enter your current password.")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[
            InputRequired("Choose a new password."),
            Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                   message=f"Use at least {MIN_PASSWORD_LENGTH} characters."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[InputRequired("Repeat the new password."),
                    EqualTo("new_password", message="The two new passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class CompanyUserForm(FlaskForm):
    email = StringField("Email", validators=[InputRequired("Enter an email."), Length(max=254)],
                        render_kw={"type": "email", "autocomplete": "off"})
    first_name = StringField("First name", validators=[Length(max=100)])
    last_name = StringField("Last name", validators=[Length(max=100)])
    role = SelectField(
        "Role",
        choices=[SelectChoice(Role.BUYER.value, "Buyer: shops and places orders"),
                 SelectChoice(Role.COMPANY_ADMIN.value,
                              "Company admin: also manages users and addresses")],
        default=Role.BUYER.value,
    )
    password = PasswordField(
        "Initial password",
        validators=[InputRequired("Choose an initial password."),
                    Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
                           message=f"Use at least {MIN_PASSWORD_LENGTH} characters.")],
        render_kw={"autocomplete": "new-password"},
    )


class AddressForm(FlaskForm):
    kind = SelectField("Type", choices=[
        SelectChoice(AddressKind.SHIP_TO.value, "Ship-to (delivery)"),
        SelectChoice(AddressKind.BILL_TO.value, "Bill-to (invoices)"),
    ])
    name = StringField("Name", validators=[InputRequired("Enter a name."), Length(max=200)])
    street = StringField("Street and number",
                         validators=[InputRequired("Enter the street."), Length(max=200)])
    postal_code = StringField("Postal code",
                              validators=[InputRequired("Enter the postal code."), Length(max=20)])
    city = StringField("City", validators=[InputRequired("Enter the city."), Length(max=100)])
    country_code = StringField(
        "Country code",
        validators=[InputRequired("Enter the country code."),
                    Regexp(r"^[A-Za-z]{2}$",
                           message="Use the two-letter ISO code, e.g. DE or US.")],
        render_kw={"maxlength": 2, "size": 3, "autocomplete": "country"},
    )
    code = StringField("Your reference", validators=[Length(max=64)])
    is_default = BooleanField("Use as the default for this type")

"""The requisition page's form: profile, operation, presentation, and which supplier."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, SelectChoice, SelectField, StringField
from wtforms.validators import URL, Length, Optional, ValidationError

from shop.punchout.connections import parse_credential
from shop.punchout.errors import ConnectionInvalid
from shop.sandbox.profiles import OPERATIONS, PRESENTATIONS, PROFILES
from shop.sandbox.services import CustomSupplier

_PRESENTATION_LABELS = {"iframe": "In a frame of this page", "new-window": "In a new window",
                        "same-window": "In this window"}
AS_PROFILE = "profile"  # the presentation choice that follows the chosen buyer profile


def _credential(form: FlaskForm, field: StringField) -> None:
    if form.target.data == "custom" and field.data:
        try:
            parse_credential(field.data)
        except ConnectionInvalid as error:
            raise ValidationError(str(error)) from None


class PunchOutForm(FlaskForm):
    profile = SelectField("Buyer profile",
                          choices=[SelectChoice(p.key, f"{p.label}: {p.system}")
                                   for p in PROFILES.values()])
    operation = SelectField("Operation", choices=[SelectChoice(o, o) for o in OPERATIONS],
                            default="create")
    presentation = SelectField("Show the supplier", default=AS_PROFILE, choices=[
        SelectChoice(AS_PROFILE, "As the buyer profile does"),
        *(SelectChoice(p, _PRESENTATION_LABELS[p]) for p in PRESENTATIONS)])
    parent_id = SelectField("Requisition to edit or inspect", default="0",
                            choices=[SelectChoice("0", "— (create only)")])
    selected_item = StringField("Level 2: open this product (SKU)",
                                validators=[Optional(), Length(max=64)])
    target = RadioField("Supplier", default="shop",
                        choices=[SelectChoice("shop", "This shop"),
                                 SelectChoice("custom", "Another supplier's shop")])
    punchout_url = StringField("PunchOut URL (setup URL, or the OCI entry URL)",
                               validators=[Optional(), URL(require_tld=False), Length(max=1000)])
    order_url = StringField("OrderRequest URL",
                            validators=[Optional(), URL(require_tld=False), Length(max=1000)])
    from_credential = StringField("From (DOMAIN:IDENTITY)", validators=[_credential])
    to_credential = StringField("To (DOMAIN:IDENTITY)", validators=[_credential])
    sender_credential = StringField("Sender (DOMAIN:IDENTITY)", validators=[_credential])
    secret = PasswordField("Shared secret (OCI: password)", validators=[Length(max=256)])
    oci_username = StringField("OCI user name", validators=[Length(max=100)])

    def validate_operation(self, field: SelectField) -> None:
        profile = PROFILES.get(self.profile.data or "")
        if profile and field.data not in profile.operations:
            raise ValidationError(f"{profile.label} uses {', '.join(profile.operations)}.")
        if field.data != "create" and self.parent_id.data in (None, "", "0"):
            raise ValidationError("Choose the requisition to edit or inspect.")

    def validate_punchout_url(self, field: StringField) -> None:
        if self.target.data == "custom" and not field.data:
            raise ValidationError("The supplier's PunchOut URL is required.")

    def chosen_presentation(self) -> str:
        """How to show the supplier: as chosen, or as the profile's procurement system does."""
        if self.presentation.data == AS_PROFILE:
            return PROFILES[self.profile.data].presentation
        return self.presentation.data

    @staticmethod
    def presentation_hint() -> str:
        """What "As the buyer profile does" means for each profile."""
        return "; ".join(f"{p.label}: {_PRESENTATION_LABELS[p.presentation].lower()}"
                         for p in PROFILES.values()) + "."

    def parent(self) -> int | None:
        """The requisition an edit or inspect continues, if any."""
        value = self.parent_id.data or "0"
        return int(value) if value.isdigit() and value != "0" else None

    def custom_supplier(self) -> CustomSupplier | None:
        """The other supplier's URLs and credentials, or None for this shop."""
        if self.target.data != "custom":
            return None
        profile = PROFILES[self.profile.data]
        default_from = profile.from_credentials[0] if profile.from_credentials else ("", "")
        return CustomSupplier(
            punchout_url=self.punchout_url.data.strip(),
            order_url=(self.order_url.data or "").strip(),
            from_=_pair(self.from_credential.data) or default_from,
            to=_pair(self.to_credential.data) or profile.supplier_credential,
            sender=_pair(self.sender_credential.data) or profile.sender,
            secret=self.secret.data or "", oci_username=self.oci_username.data or "",
        )


def _pair(text: str | None) -> tuple[str, str] | None:
    return parse_credential(text) if text and text.strip() else None

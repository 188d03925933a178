"""Back-office forms for buyer connections and the message log filter."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FormField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from shop.punchout.connections import ConnectionSettings, parse_credential
from shop.punchout.models import (
    BuyerConnection,
    ConnectionMode,
    Direction,
    Protocol,
    ReturnField,
    UserMapping,
)
from shop.punchout.oci_forms import OCISettingsForm
from shop.punchout.oci_settings import OCISettings


def _choices(enum_class: type[Protocol | ConnectionMode | UserMapping | ReturnField]
             ) -> list[SelectChoice]:
    return [SelectChoice(member.value) for member in enum_class]


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ConnectionForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    company = StringField("Company (storefront account)", validators=[DataRequired(),
                                                                       Length(max=200)])
    create_company = BooleanField("Create this company if it does not exist")
    protocol = SelectField("Protocol", choices=_choices(Protocol), default="cxml")
    active = BooleanField("Active", default=True)
    mode = SelectField("Mode", choices=_choices(ConnectionMode), default="production")
    identities = TextAreaField("Buyer identities (From / Sender)")
    shop_identities = TextAreaField("Identities this shop goes by (To)")
    shared_secret = PasswordField("Shared secret", validators=[Optional(), Length(max=256)])
    generate_secret = BooleanField("Generate a random shared secret")
    return_url_prefixes = TextAreaField("Allowed return-URL prefixes")
    frame_ancestors = TextAreaField("Origins allowed to frame the shop")
    user_mapping = SelectField("Users", choices=[
        SelectChoice("shared", "One shared user for the connection"),
        SelectChoice("per-user", "One user per buyer user (from UserEmail / UniqueName / Contact)"),
    ], default="shared")
    return_field = SelectField("Cart return field", choices=_choices(ReturnField),
                               default="cxml-urlencoded")
    form_target = StringField("Form target", default="_top", validators=[Length(max=64)])
    cxml_version = StringField("cXML version to answer with", validators=[Length(max=16)])
    accepted_units = StringField("Accepted units of measure", validators=[Length(max=500)])
    default_unspsc = StringField("Default UNSPSC", validators=[Length(max=16)])
    document_url = StringField("Document URL (orders)", validators=[Length(max=500)])
    outbound_identity = StringField("Outbound identity", validators=[Length(max=360)])
    outbound_secret = PasswordField("Outbound secret", validators=[Optional(), Length(max=256)])
    oci = FormField(OCISettingsForm, label="SAP OCI")

    def fill_from(self, connection: BuyerConnection) -> None:
        """Show a stored connection (never its secrets)."""
        self.name.data = connection.name
        self.company.data = connection.company.name
        self.protocol.data = connection.protocol.value
        self.active.data = connection.active
        self.mode.data = connection.mode.value
        self.identities.data = "\n".join(str(i) for i in connection.buyer_identities)
        self.shop_identities.data = "\n".join(str(i) for i in connection.shop_identities)
        self.return_url_prefixes.data = "\n".join(connection.return_url_prefixes)
        self.frame_ancestors.data = "\n".join(connection.frame_ancestors)
        self.user_mapping.data = connection.user_mapping.value
        self.return_field.data = connection.return_field.value
        self.form_target.data = connection.form_target
        self.cxml_version.data = connection.cxml_version
        self.accepted_units.data = " ".join(connection.accepted_units)
        self.default_unspsc.data = connection.default_unspsc
        self.document_url.data = connection.document_url
        self.oci.form.fill_from(OCISettings.from_json(connection.oci_settings))
        if connection.outbound_identity:
            self.outbound_identity.data = (
                f"{connection.outbound_domain}:{connection.outbound_identity}"
            )

    def settings(self) -> ConnectionSettings:
        """The form as settings; raises ConnectionInvalid for a badly written identity."""
        outbound = (self.outbound_identity.data or "").strip()
        protocol = Protocol(self.protocol.data)
        oci_form: OCISettingsForm = self.oci.form  # type: ignore[assignment]
        oci_settings = oci_form.settings().to_json() if protocol == Protocol.OCI else {}
        return ConnectionSettings(
            name=self.name.data or "",
            company_name=self.company.data or "",
            protocol=protocol,
            identities=[parse_credential(line) for line in _lines(self.identities.data)],
            shop_identities=[parse_credential(line) for line in _lines(self.shop_identities.data)],
            return_url_prefixes=_lines(self.return_url_prefixes.data),
            frame_ancestors=_lines(self.frame_ancestors.data),
            user_mapping=UserMapping(self.user_mapping.data),
            return_field=ReturnField(self.return_field.data),
            form_target=(self.form_target.data or "_top").strip(),
            cxml_version=self.cxml_version.data or "",
            accepted_units=re.split(r"[\s,;]+", self.accepted_units.data or ""),
            default_unspsc=self.default_unspsc.data or "",
            active=bool(self.active.data),
            mode=ConnectionMode(self.mode.data),
            document_url=self.document_url.data or "",
            outbound_identity=parse_credential(outbound) if outbound else None,
            oci_settings=oci_settings,
        )


class ActionForm(FlaskForm):
    """A button that changes something (deactivate, rotate): only the CSRF token."""


class MessageFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    connection = SelectField("Connection", choices=[], default="")
    direction = SelectField("Direction", default="", choices=[SelectChoice("", "Both")] + [
        SelectChoice(d.value) for d in Direction])
    document_type = SelectField("Document", choices=[], default="")
    payload_id = StringField("payloadID", validators=[Length(max=255)])
    failed = BooleanField("Failures only")

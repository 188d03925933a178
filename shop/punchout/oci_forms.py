"""The SAP OCI part of the back-office connection form (a sub-form, fields ``oci-*``)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    Form,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from shop.punchout.oci_settings import (
    HookQuery,
    MatgroupSource,
    OCISettings,
    format_pairs,
    parse_pairs,
)


def _lines(text: str | None) -> list[str]:
    return (text or "").splitlines()


class OCISettingsForm(Form):
    """Every OCI setting; used when the connection's protocol is ``oci``."""

    username = StringField("Login user name", validators=[Length(max=255)])
    username_field = StringField("User-name parameter", default="USERNAME",
                                 validators=[Length(max=100)])
    password_field = StringField("Password parameter", default="PASSWORD",
                                 validators=[Length(max=100)])
    hook_field = StringField("Hook-URL parameter", default="HOOK_URL",
                             validators=[Length(max=100)])
    login_fields = TextAreaField("Further fixed login fields", validators=[Length(max=2000)])
    allow_non_http_hook = BooleanField("Accept SAPEVENT: hook URLs (SAP GUI)")
    charset = StringField("Charset when SAP sends none", validators=[Length(max=40)])
    oci_version = SelectField("OCI version of the cart form", default="5.0",
                              choices=[SelectChoice("5.0"), SelectChoice("4.0")])
    vendor = StringField("VENDOR (the buyer's vendor number for us)",
                         validators=[Length(max=10)])
    matgroup_source = SelectField("MATGROUP from", default="unspsc", choices=[
        SelectChoice("unspsc", "the product's UNSPSC code"),
        SelectChoice("table", "the table below (category slug or UNSPSC class)")])
    matgroup_table = TextAreaField("MATGROUP table", validators=[Length(max=20000)])
    matgroup_default = StringField("MATGROUP when nothing matches", validators=[Length(max=10)])
    unit_map = TextAreaField("Unit codes", validators=[Length(max=2000)])
    manufacturer_codes = TextAreaField("MANUFACTCODE per manufacturer",
                                       validators=[Length(max=5000)])
    cust_field1 = StringField("CUST_FIELD1 from", validators=[Length(max=60)])
    cust_field2 = StringField("CUST_FIELD2 from", validators=[Length(max=60)])
    cust_field3 = StringField("CUST_FIELD3 from", validators=[Length(max=60)])
    cust_field4 = StringField("CUST_FIELD4 from", validators=[Length(max=60)])
    cust_field5 = StringField("CUST_FIELD5 from", validators=[Length(max=60)])
    category_schema = StringField("EXT_SCHEMA_TYPE for the UNSPSC category",
                                  validators=[Length(max=10)])
    description_length = IntegerField("Longest DESCRIPTION", default=40,
                                      validators=[Optional(), NumberRange(1, 255)])
    hook_query = SelectField("Hook URL query", default="verbatim", choices=[
        SelectChoice("verbatim", "post to the hook URL as received"),
        SelectChoice("split", "hook URL without its query; query parameters as hidden fields")])

    def fill_from(self, settings: OCISettings) -> None:
        """Show stored settings."""
        for name in ("username", "username_field", "password_field", "hook_field",
                     "allow_non_http_hook", "charset", "oci_version", "vendor",
                     "matgroup_default", "category_schema", "description_length"):
            getattr(self, name).data = getattr(settings, name)
        self.matgroup_source.data = settings.matgroup_source.value
        self.hook_query.data = settings.hook_query.value
        for name in ("login_fields", "matgroup_table", "unit_map", "manufacturer_codes"):
            getattr(self, name).data = format_pairs(getattr(settings, name))
        for number in range(1, 6):
            field = getattr(self, f"cust_field{number}")
            field.data = settings.cust_fields.get(f"CUST_FIELD{number}", "")

    def settings(self) -> OCISettings:
        """The form as settings; ConnectionInvalid for a badly written NAME=VALUE line."""
        return OCISettings(
            username=self.username.data or "",
            username_field=self.username_field.data or "USERNAME",
            password_field=self.password_field.data or "PASSWORD",
            hook_field=self.hook_field.data or "HOOK_URL",
            login_fields=parse_pairs(_lines(self.login_fields.data), "Fixed login fields"),
            allow_non_http_hook=bool(self.allow_non_http_hook.data),
            charset=self.charset.data or "",
            oci_version=self.oci_version.data or "5.0",
            vendor=self.vendor.data or "",
            matgroup_source=MatgroupSource(self.matgroup_source.data),
            matgroup_table=parse_pairs(_lines(self.matgroup_table.data), "MATGROUP table"),
            matgroup_default=self.matgroup_default.data or "",
            unit_map=parse_pairs(_lines(self.unit_map.data), "Unit codes"),
            manufacturer_codes=parse_pairs(_lines(self.manufacturer_codes.data),
                                           "MANUFACTCODE"),
            cust_fields={f"CUST_FIELD{n}": getattr(self, f"cust_field{n}").data or ""
                         for n in range(1, 6)},
            category_schema=self.category_schema.data or "",
            description_length=self.description_length.data or 40,
            hook_query=HookQuery(self.hook_query.data),
        )

"""The SAP OCI settings of a buyer connection, typed, and how they are checked.

They are stored as JSON in ``BuyerConnection.oci_settings`` (one column, so a new switch
needs no schema change); code reads them only through :class:`OCISettings`. The OCI password
is not here: it is the connection's inbound secret (``secret_hash``), hashed like a cXML
shared secret and rotated the same way.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from shop import oci
from shop.punchout.errors import ConnectionInvalid


class MatgroupSource(enum.StrEnum):
    UNSPSC = "unspsc"  # MATGROUP is the product's UNSPSC code
    TABLE = "table"  # MATGROUP from the buyer's own table (category slug or UNSPSC class)


class HookQuery(enum.StrEnum):
    VERBATIM = "verbatim"  # post to HOOK_URL exactly as received
    SPLIT = "split"  # post to HOOK_URL without its query; its parameters as hidden fields


# What a CUST_FIELD can be filled from: product attributes, the line key (finds the
# transferred line again in a purchase order), or a constant written "=TEXT".
CUST_SOURCES = {
    "sku": "the SKU",
    "name": "the product name",
    "manufacturer": "the manufacturer's name",
    "manufacturer_part_number": "the manufacturer part number",
    "unspsc": "the UNSPSC code",
    "category": "the category slug",
    "unit": "our unit of measure (UN/CEFACT)",
    "line_key": "the line key S<session>-L<line> (as SupplierPartAuxiliaryID in cXML)",
}
CUST_FIELDS = tuple(f"CUST_FIELD{n}" for n in range(1, 6))
# A cut line key would match the wrong line: only the long CUST_FIELDs may carry it.
LINE_KEY_FIELDS = ("CUST_FIELD4", "CUST_FIELD5")
# Parameter names OCI itself uses; a login field with one of these names would shadow it.
RESERVED_NAMES = {
    "~OKCODE", "~TARGET", "~CALLER", "RETURNTARGET", "HTTP_CONTENT_CHARSET", "OCI_VERSION",
    "OPI_VERSION", "FUNCTION", "PRODUCTID", "QUANTITY", "SEARCHSTRING", "VENDOR",
}  # fmt: skip
_FIELD_NAME = re.compile(r"[A-Za-z0-9_~.:\-]{1,100}")
_CODE = re.compile(r"[A-Za-z0-9]{1,3}")
MAX_DESCRIPTION_LENGTH = 255


@dataclass(frozen=True)
class OCISettings:
    """How one buyer's SAP system logs in, where carts go, and how lines are written."""

    username: str = ""
    username_field: str = "USERNAME"
    password_field: str = "PASSWORD"
    hook_field: str = "HOOK_URL"
    # More fixed login fields the call must carry with exactly these values (e.g. REQTYPE).
    login_fields: Mapping[str, str] = field(default_factory=dict)
    allow_non_http_hook: bool = False  # SAP GUI's SAPEVENT: hook
    charset: str = ""  # when the call sends no http_content_charset; "" is UTF-8
    oci_version: str = "5.0"
    vendor: str = ""  # the buyer's vendor number for this shop (VENDOR)
    matgroup_source: MatgroupSource = MatgroupSource.UNSPSC
    matgroup_table: Mapping[str, str] = field(default_factory=dict)
    matgroup_default: str = ""
    unit_map: Mapping[str, str] = field(default_factory=dict)  # our code -> buyer's (EA -> PCE)
    manufacturer_codes: Mapping[str, str] = field(default_factory=dict)  # name -> MANUFACTCODE
    cust_fields: Mapping[str, str] = field(default_factory=dict)  # CUST_FIELDn -> source
    category_schema: str = ""  # e.g. UNSPSC_V1: sends EXT_SCHEMA_TYPE and EXT_CATEGORY_ID
    description_length: int = oci.FIELD_LENGTHS["DESCRIPTION"]
    hook_query: HookQuery = HookQuery.VERBATIM

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> OCISettings:
        """Settings from the stored JSON; unknown keys are ignored, missing ones defaulted."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in (data or {}).items() if key in known}
        if "matgroup_source" in values:
            values["matgroup_source"] = MatgroupSource(values["matgroup_source"])
        if "hook_query" in values:
            values["hook_query"] = HookQuery(values["hook_query"])
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["matgroup_source"] = MatgroupSource(self.matgroup_source).value
        data["hook_query"] = HookQuery(self.hook_query).value
        return data

    @property
    def secret_field_names(self) -> tuple[str, ...]:
        """Names whose values are masked in the message log."""
        return (self.password_field,)


def parse_pairs(lines: Iterable[str], label: str) -> dict[str, str]:
    """``NAME=VALUE`` lines (or items) as a dict; blank lines are skipped."""
    pairs: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise ConnectionInvalid(f"{label}: {line.strip()[:60]!r} must be written NAME=VALUE.")
        pairs[name.strip()] = value.strip()
    return pairs


def format_pairs(pairs: Mapping[str, str]) -> str:
    """The inverse of :func:`parse_pairs`, one pair per line (for the back-office form)."""
    return "\n".join(f"{name}={value}" for name, value in pairs.items())


def validate_settings(settings: OCISettings) -> OCISettings:
    """The settings normalised, or ConnectionInvalid naming the first problem."""
    username = settings.username.strip()
    if not username or len(username) > 255:
        raise ConnectionInvalid("An OCI connection needs a login user name (at most 255).")
    names = [_field_name(settings.username_field, "The user-name field"),
             _field_name(settings.password_field, "The password field"),
             _field_name(settings.hook_field, "The hook-URL field")]
    login_fields = {_field_name(name, "A login field"): value
                    for name, value in settings.login_fields.items()}
    keys = [oci.normalize_name(name) for name in [*names, *login_fields]]
    if len(set(keys)) != len(keys):
        raise ConnectionInvalid("The login, password, hook and fixed field names must differ.")
    if reserved := sorted(set(keys) & RESERVED_NAMES):
        raise ConnectionInvalid(f"{reserved[0]} is an OCI parameter, not a login field.")
    return OCISettings(
        username=username, username_field=names[0], password_field=names[1],
        hook_field=names[2], login_fields=login_fields,
        allow_non_http_hook=bool(settings.allow_non_http_hook),
        charset=_charset(settings.charset), oci_version=_version(settings.oci_version),
        vendor=_code(settings.vendor, "VENDOR"),
        matgroup_source=MatgroupSource(settings.matgroup_source),
        matgroup_table={key.strip(): _code(value, "MATGROUP")
                        for key, value in settings.matgroup_table.items() if key.strip()},
        matgroup_default=_code(settings.matgroup_default, "MATGROUP"),
        unit_map=_unit_map(settings.unit_map),
        manufacturer_codes={key.strip(): _code(value, "MANUFACTCODE")
                            for key, value in settings.manufacturer_codes.items() if key.strip()},
        cust_fields=_cust_fields(settings.cust_fields),
        category_schema=_code(settings.category_schema, "EXT_SCHEMA_TYPE"),
        description_length=_description_length(settings.description_length),
        hook_query=HookQuery(settings.hook_query),
    )


def _field_name(name: str, label: str) -> str:
    name = name.strip()
    if not _FIELD_NAME.fullmatch(name):
        raise ConnectionInvalid(f"{label} {name[:60]!r} must be 1-100 letters, digits or _~.:-.")
    return name


def _charset(value: str) -> str:
    if not value.strip():
        return ""
    try:
        return oci.charset_label(value)
    except oci.OCIError as error:
        raise ConnectionInvalid(f"Charset: {error}") from None


def _version(value: str) -> str:
    """"4", "4.00" and "4.0" are all OCI 4.0: the major number decides."""
    try:
        return oci.version_label(value)
    except oci.OCIError:
        raise ConnectionInvalid(
            f"The OCI version must be {' or '.join(oci.OCI_VERSIONS)}.") from None


def _code(value: str, field_name: str) -> str:
    """A code the buyer's SAP knows, within the OCI length of ``field_name``."""
    code = value.strip()
    limit = oci.FIELD_LENGTHS[field_name]
    if len(code) > limit or any(not c.isprintable() for c in code):
        raise ConnectionInvalid(f"{field_name} {code[:40]!r} must be at most {limit} characters.")
    return code


def _unit_map(unit_map: Mapping[str, str]) -> dict[str, str]:
    checked = {}
    for ours, theirs in unit_map.items():
        if not (_CODE.fullmatch(ours.strip()) and _CODE.fullmatch(theirs.strip())):
            raise ConnectionInvalid(
                f"Unit map {ours}={theirs}: both sides must be codes of 1-3 letters or digits.")
        checked[ours.strip().upper()] = theirs.strip().upper()
    return checked


def _cust_fields(sources: Mapping[str, str]) -> dict[str, str]:
    checked = {}
    for name, source in sources.items():
        field_name, source = name.strip().upper(), source.strip()
        if field_name not in CUST_FIELDS:
            raise ConnectionInvalid(f"{name[:40]!r} is not CUST_FIELD1 to CUST_FIELD5.")
        if not source:
            continue
        if not source.startswith("=") and source not in CUST_SOURCES:
            raise ConnectionInvalid(
                f"{field_name}: {source[:40]!r} is not a source; use one of "
                f"{', '.join(CUST_SOURCES)} or =TEXT for a constant.")
        if source == "line_key" and field_name not in LINE_KEY_FIELDS:
            raise ConnectionInvalid("The line key needs CUST_FIELD4 or CUST_FIELD5 (longer "
                                    "than 10 characters, so it is never cut).")
        checked[field_name] = source
    return dict(sorted(checked.items()))


def _description_length(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConnectionInvalid("The description length must be a whole number.")
    if not 1 <= value <= MAX_DESCRIPTION_LENGTH:
        raise ConnectionInvalid(
            f"The description length must be between 1 and {MAX_DESCRIPTION_LENGTH}.")
    return value

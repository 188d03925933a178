"""Reading an OCI entry call: the parameters SAP sends when it opens the catalog.

SAP does not say whether parameter names are case-sensitive, and real traffic mixes
``HOOK_URL``/``hook_url``, ``~OkCode``/``~OKCODE`` and sends ``~`` as ``%7E``. So names are
matched case-insensitively after URL-decoding, while values (passwords, the hook URL) are kept
exactly as sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from urllib.parse import unquote

from .errors import EntryError, MissingHookURL, TargetRefused, UnsupportedCharset
from .fields import MAX_DECIMALS, decimals
from .text import charset_label

MAX_PARAMETERS = 300
MAX_NAME_LENGTH = 200
MAX_VALUE_LENGTH = 4096

FRAME_KEYWORDS = frozenset({"_top", "_parent", "_self", "_blank"})
_FRAME_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,63}")
_ENTRY_NUMBER = re.compile(r"[+-]?(\d{1,11}([.,]\d{0,20})?|[.,]\d{1,20})")


class Function(StrEnum):
    """The FUNCTION values of OCI; no FUNCTION means normal shopping."""

    DETAIL = "DETAIL"
    VALIDATE = "VALIDATE"
    SOURCING = "SOURCING"
    BACKGROUND_SEARCH = "BACKGROUND_SEARCH"


# The parameters a cart form echoes (OCIEntry attribute -> the name written when the buyer
# sent none): SAP's reference spelling.
ECHOED = {"ok_code": "~OkCode", "target": "~TARGET", "caller": "~CALLER"}

# Known parameters (upper case) -> OCIEntry attribute. The hook and login names are added per
# call because each buyer connection may rename them.
_KNOWN = {
    "~OKCODE": "ok_code",
    "~TARGET": "target",
    "~CALLER": "caller",
    "RETURNTARGET": "returntarget",
    "HTTP_CONTENT_CHARSET": "charset",
    "OCI_VERSION": "oci_version",
    "OPI_VERSION": "opi_version",
    "FUNCTION": "function",
    "PRODUCTID": "product_id",
    "QUANTITY": "quantity",
    "SEARCHSTRING": "search_string",
    "VENDOR": "vendor",
}


@dataclass(frozen=True)
class OCIEntry:
    """What an OCI entry call carried; ``None`` where a parameter was absent or empty.

    ``extra`` keeps every parameter that is not listed here (buyer data such as user e-mail or
    cost centre, extra login fields) with its original name and value, in arrival order.
    """

    hook_url: str | None
    ok_code: str | None = None
    target: str | None = None
    caller: str | None = None
    returntarget: str | None = None
    charset: str | None = None
    oci_version: str | None = None
    opi_version: str | None = None
    function: Function | None = None
    product_id: str | None = None
    quantity: Decimal | None = None
    search_string: str | None = None
    vendor: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    extra: tuple[tuple[str, str], ...] = ()
    # How the buyer spelled the echoed parameters (``~okcode``, ``~Target`` …): (attribute,
    # name) pairs, so that the cart form sends them back as they came.
    spellings: tuple[tuple[str, str], ...] = ()

    def echo_name(self, attribute: str) -> str:
        """The name to echo an ECHOED parameter under: as received, else SAP's spelling."""
        return dict(self.spellings).get(attribute, ECHOED[attribute])

    def extra_value(self, name: str) -> str | None:
        """The first value of buyer data ``name`` (any case, ``~`` or ``%7E``), if sent."""
        wanted = normalize_name(name)
        for key, value in self.extra:
            if normalize_name(key) == wanted:
                return value
        return None


def normalize_name(name: str) -> str:
    """A parameter name as compared: URL-decoded once more, trimmed, upper case."""
    return unquote(name).strip().upper()


def read_entry(
    pairs: Iterable[tuple[str, str]],
    *,
    hook_field: str = "HOOK_URL",
    username_field: str = "USERNAME",
    password_field: str = "PASSWORD",
    require_hook: bool = True,
) -> OCIEntry:
    """Read the parameters of an OCI entry call into an :class:`OCIEntry`.

    ``pairs`` are the query-string pairs followed by the form pairs (already URL-decoded, as
    a web framework gives them). A known parameter may come twice with the same value (in
    the URL and in the form); with two different values it is refused, since one of them
    would be silently ignored. Raises :class:`EntryError` (or a subclass) for anything
    unusable.
    """
    known = dict(_KNOWN)
    for name, attribute in (
        (hook_field, "hook_url"),
        (username_field, "username"),
        (password_field, "password"),
    ):
        known[normalize_name(name)] = attribute
    values, extra, spellings = _collect(pairs, known)
    if require_hook and not values.get("hook_url"):
        raise MissingHookURL(f"The call has no {hook_field}: the cart could not be returned.")
    entry = OCIEntry(
        hook_url=values.get("hook_url"),
        ok_code=values.get("ok_code"),
        target=values.get("target"),
        caller=values.get("caller"),
        returntarget=values.get("returntarget"),
        charset=_charset(values.get("charset")),
        oci_version=_stripped(values.get("oci_version")),
        opi_version=_stripped(values.get("opi_version")),
        function=_function(values.get("function")),
        product_id=_stripped(values.get("product_id")),
        quantity=_quantity(values.get("quantity")),
        search_string=values.get("search_string"),
        vendor=_stripped(values.get("vendor")),
        username=values.get("username"),
        password=values.get("password"),
        extra=tuple(extra),
        spellings=tuple((a, name) for a, name in spellings.items() if a in ECHOED),
    )
    _check_function_parameters(entry)
    for value in (entry.returntarget, entry.target):
        if value is not None:
            check_target(value)
    return entry


def _collect(
    pairs: Iterable[tuple[str, str]], known: dict[str, str]
) -> tuple[dict[str, str], list[tuple[str, str]], dict[str, str]]:
    """The known parameters' values, the other pairs, and each known name as it was spelled."""
    values: dict[str, str] = {}
    extra: list[tuple[str, str]] = []
    spellings: dict[str, str] = {}
    for count, pair in enumerate(pairs, start=1):
        if count > MAX_PARAMETERS:
            raise EntryError(f"The call has more than {MAX_PARAMETERS} parameters.")
        name, value = _checked_pair(pair)
        attribute = known.get(normalize_name(name))
        if attribute is None:
            extra.append((name, value))
        elif value == "":
            continue  # an empty parameter counts as absent
        elif attribute not in values:
            values[attribute] = value
            spellings[attribute] = unquote(name).strip()  # "%7Eokcode" is "~okcode"
        elif values[attribute] != value:
            raise EntryError(f"Parameter {name[:40]!r} was sent twice with different values.")
    return values, extra, spellings


def _checked_pair(pair: object) -> tuple[str, str]:
    if not (isinstance(pair, tuple) and len(pair) == 2):
        raise EntryError("Parameters must be (name, value) pairs.")
    name, value = pair
    if not isinstance(name, str) or not isinstance(value, str):
        raise EntryError("Parameter names and values must be text.")
    if len(name) > MAX_NAME_LENGTH:
        raise EntryError(f"A parameter name is longer than {MAX_NAME_LENGTH} characters.")
    if len(value) > MAX_VALUE_LENGTH:
        raise EntryError(f"Parameter {name[:40]!r} is longer than {MAX_VALUE_LENGTH} characters.")
    return name, value


def _stripped(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip() or None


def _charset(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    try:
        return charset_label(value)
    except UnsupportedCharset as error:
        raise EntryError(f"http_content_charset: {error}") from None


def _function(value: str | None) -> Function | None:
    name = (value or "").strip().upper()
    if not name:
        return None
    if name in ("INITIALIZE", "RETRIEVEOCI"):
        raise EntryError(f"FUNCTION={name} is Secure OCI, which this catalog does not offer.")
    try:
        return Function(name)
    except ValueError:
        raise EntryError(f"Unknown FUNCTION {name[:40]!r}.") from None


def _quantity(value: str | None) -> Decimal | None:
    """QUANTITY of a VALIDATE call; a decimal comma is accepted, as SAP user formats vary."""
    text = (value or "").strip()
    if not text:
        return None
    if not _ENTRY_NUMBER.fullmatch(text):
        raise EntryError(f"QUANTITY {text[:20]!r} is not a number.")
    try:
        quantity = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        raise EntryError(f"QUANTITY {text[:20]!r} is not a number.") from None
    if quantity <= 0:
        raise EntryError("QUANTITY must be more than zero.")
    if decimals(quantity) > MAX_DECIMALS:
        raise EntryError(f"QUANTITY {text[:20]!r} has more than {MAX_DECIMALS} decimals.")
    return quantity


def _check_function_parameters(entry: OCIEntry) -> None:
    needs_product = entry.function in (Function.DETAIL, Function.VALIDATE)
    if needs_product and not entry.product_id:
        raise EntryError(f"FUNCTION={entry.function} needs a PRODUCTID.")


def check_target(value: str) -> str:
    """A frame name that may go into a form's ``target``, else :class:`TargetRefused`.

    Allowed are ``_top``, ``_parent``, ``_self``, ``_blank`` (any case) and plain frame names
    (a letter, then letters, digits, ``_`` or ``-``). Anything URL-like, such as
    ``javascript:…``, is refused.
    """
    name = value.strip()
    if name.lower() in FRAME_KEYWORDS:
        return name.lower()
    if _FRAME_NAME.fullmatch(name):
        return name
    raise TargetRefused(
        f"Return target {value[:40]!r} is not a frame name (_top, _parent, _self, _blank or a"
        " plain name)."
    )


def return_target(entry: OCIEntry) -> str:
    """Where the cart form is posted: ``returntarget``, else ``~TARGET``, else ``_top``."""
    for value in (entry.returntarget, entry.target):
        if value is not None and value.strip():
            return check_target(value)
    return "_top"

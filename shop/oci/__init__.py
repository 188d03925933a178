"""SAP OCI (Open Catalog Interface) 4.0/5.0 field rules, free of the web framework.

Standard library only: no Flask, no SQLAlchemy, nothing else from ``shop`` (a test checks
the imports). The punchout views read an entry call with :func:`read_entry`, check its hook
with :func:`check_hook_url`, and write the cart with :func:`prepare_transfer` or
:func:`build_fields`; the sandbox reads carts back with :func:`parse_oci_form`.
"""

from .entry import (
    ECHOED,
    Function,
    OCIEntry,
    check_target,
    normalize_name,
    read_entry,
    return_target,
)
from .errors import (
    BuildError,
    EntryError,
    FormError,
    HookURLRefused,
    MissingHookURL,
    OCIError,
    TargetRefused,
    UnsupportedCharset,
)
from .fields import (
    FIELD_LENGTHS,
    OCI_VERSIONS,
    OCIItem,
    format_price,
    format_quantity,
    major_version,
    map_unit,
    matgroup_for,
    version_label,
)
from .form import parse_oci_form, read_form_fields, render_form
from .hook import check_hook_url, hook_url_allowed, split_hook_url, validate_hook_prefix
from .text import charset_label, cut_text, encode_for_charset, prepare_text, shorten_text
from .transfer import TransferForm, build_fields, field_name, prepare_transfer

__all__ = [
    "ECHOED",
    "FIELD_LENGTHS",
    "OCI_VERSIONS",
    "BuildError",
    "EntryError",
    "FormError",
    "Function",
    "HookURLRefused",
    "MissingHookURL",
    "OCIEntry",
    "OCIError",
    "OCIItem",
    "TargetRefused",
    "TransferForm",
    "UnsupportedCharset",
    "build_fields",
    "charset_label",
    "check_hook_url",
    "check_target",
    "cut_text",
    "encode_for_charset",
    "field_name",
    "format_price",
    "format_quantity",
    "hook_url_allowed",
    "major_version",
    "map_unit",
    "matgroup_for",
    "normalize_name",
    "parse_oci_form",
    "prepare_text",
    "prepare_transfer",
    "read_entry",
    "read_form_fields",
    "render_form",
    "return_target",
    "shorten_text",
    "split_hook_url",
    "validate_hook_prefix",
    "version_label",
]

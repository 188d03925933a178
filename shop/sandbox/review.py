"""A returned cart as the buyer sees it: lines, totals, lint, DTD validation, raw document.

Pure: takes the stored cart (cXML text or OCI pairs) and what the buyer had sent, and
returns everything the requisition page shows. Used by the web pages; the runner has its
own steps but the same checks.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from shop import cxml
from shop.oci import FormError, parse_oci_form
from shop.sandbox.documents import (
    RequisitionLine,
    lines_from_message,
    lines_from_oci,
    requisition_total,
)
from shop.sandbox.lint import ERROR, Finding, LintResult, lint_order_message
from shop.sandbox.lint_oci import lint_oci_fields

CXML_FORMATS = ("cxml-urlencoded", "cxml-base64")


class CartUnreadable(ValueError):
    """The posted form carries no cart the sandbox can read."""


@dataclass
class Review:
    """What the requisition page shows about a returned cart."""

    lines: list[RequisitionLine]
    lint: LintResult
    document: str  # the cXML as received, or the OCI fields one per line
    dtd: cxml.ValidationResult | None = None  # None: OCI, or no DTD folder
    dtd_missing: bool = False
    operation_allowed: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return requisition_total(self.lines)

    @property
    def currency(self) -> str:
        return self.lines[0].currency if self.lines else ""


def read_return_form(pairs: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """(format, stored body) of a posted return form: the cXML text, or OCI pairs as JSON."""
    names = {name.lower(): value for name, value in pairs}
    if "cxml-base64" in names:
        try:
            raw = base64.b64decode(names["cxml-base64"], validate=True)
        except (binascii.Error, ValueError):
            raise CartUnreadable("cxml-base64 is not valid base64") from None
        return "cxml-base64", raw.decode("utf-8", "replace")
    if "cxml-urlencoded" in names:
        return "cxml-urlencoded", names["cxml-urlencoded"]
    if any(name.upper().startswith("NEW_ITEM-") for name, _ in pairs):
        return "oci", json.dumps(list(pairs), ensure_ascii=False)
    raise CartUnreadable("the form has no cxml-urlencoded, cxml-base64 or NEW_ITEM fields")


def review_cart(
    return_format: str,
    body: str,
    *,
    buyer_cookie: str,
    buyer_credentials: Sequence[tuple[str, str]],
    sent_items: Mapping[str, str],
    oci_sent: Mapping[str, str],
    oci_version: str,
    dtd_dir: Path | None,
) -> Review:
    """Everything the buyer checks before a requisition can be approved."""
    if return_format == "oci":
        return _review_oci(body, oci_sent, oci_version)
    raw = body.encode("utf-8")
    lint = lint_order_message(raw, buyer_cookie=buyer_cookie,
                              buyer_credentials=buyer_credentials, sent_items=sent_items)
    lines: list[RequisitionLine] = []
    allowed = ""
    try:
        message = cxml.read_cxml(raw).payload_as(cxml.PunchOutOrderMessage)
        lines, allowed = lines_from_message(message), message.operation_allowed
    except cxml.CXMLError as error:
        lint = _with(lint, Finding(ERROR, f"the cXML reader refuses the cart: {error}"))
    dtd = None
    missing = dtd_dir is None or not dtd_dir.is_dir()
    if not missing:
        dtd = cxml.validate_cxml(raw, dtd_dir)  # type: ignore[arg-type]
    return Review(lines, lint, body, dtd, missing, allowed)


def _review_oci(body: str, sent: Mapping[str, str], version: str) -> Review:
    pairs = [(str(name), str(value)) for name, value in json.loads(body)]
    lint = lint_oci_fields(pairs, sent=sent, version=version)
    lines: list[RequisitionLine] = []
    try:
        lines = lines_from_oci(parse_oci_form(pairs))
    except FormError as error:
        lint = _with(lint, Finding(ERROR, f"the OCI reader refuses the cart: {error}"))
    document = "\n".join(f"{name} = {value}" for name, value in pairs)
    return Review(lines, lint, document, fields=pairs)


def _with(lint: LintResult, finding: Finding) -> LintResult:
    return LintResult((*lint.findings, finding), lint.lines, lint.total, lint.currencies)

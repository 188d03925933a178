"""Kept so that existing imports work: the redaction rules live in ``shop.redaction``.

Use ``shop.redaction`` in new code; every document and log line of the shop is masked by
that one module.
"""

from __future__ import annotations

from shop.redaction import (
    MASK,
    SECRET_ELEMENTS,
    decode_document,
    redact_document,
    redact_fields,
)
from shop.redaction import redact_xml_text as redact_xml

__all__ = ["MASK", "SECRET_ELEMENTS", "decode_document", "redact_document", "redact_fields",
           "redact_xml"]

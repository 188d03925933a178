"""Remove secrets from protocol documents before they are stored or shown.

Pure functions (no Flask, no database), so that every path that keeps a raw document uses
the same rules. Bodies may be malformed (that is often why they are being looked at), so the
rules work on text with regular expressions rather than on a parsed tree.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping

MASK = "***"

# Elements whose text is a secret: the cXML authenticators.
SECRET_ELEMENTS = ("SharedSecret", "CredentialMac")

_OPENING = re.compile(
    r"<(?:[\w.-]+:)?(?P<name>" + "|".join(SECRET_ELEMENTS) + r")\b[^<>]*?(?<!/)>",
    re.IGNORECASE,
)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_document(body: bytes) -> str:
    """Best-effort text of an XML body: BOM, then the declared encoding, then UTF-8."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body.decode(encoding, errors="replace")
    # UTF-16 without a BOM still starts with "<" next to a zero byte.
    if body[:2] in (b"<\x00", b"\x00<"):
        return body.decode("utf-16-le" if body[0] == 0x3C else "utf-16-be", errors="replace")
    match = _DECLARED_ENCODING.match(body[:200])
    if match:
        try:
            return body.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass  # an unknown encoding name: fall back to UTF-8 below
    return body.decode("utf-8", errors="replace")


def redact_xml(text: str) -> str:
    """Replace the content of every SharedSecret and CredentialMac element with ``***``.

    An element that is opened but never closed (a truncated or malformed body) loses
    everything after its opening tag, so a secret can never survive by breaking the XML.
    """
    parts: list[str] = []
    position = 0
    while True:
        opening = _OPENING.search(text, position)
        if opening is None:
            parts.append(text[position:])
            return "".join(parts)
        parts.append(text[position : opening.end()])
        closing = re.compile(
            r"</(?:[\w.-]+:)?" + opening.group("name") + r"\s*>", re.IGNORECASE
        ).search(text, opening.end())
        parts.append(MASK)
        if closing is None:
            return "".join(parts)
        parts.append(closing.group(0))
        position = closing.end()


def redact_document(body: bytes | str) -> str:
    """The text of a raw document, ready to store: decoded and with its secrets masked."""
    text = body if isinstance(body, str) else decode_document(body)
    return redact_xml(text)


def redact_fields(fields: Mapping[str, str], secret_names: Iterable[str]) -> dict[str, str]:
    """A copy of form fields (e.g. an OCI login) with the named fields masked, any case."""
    secret = {name.lower() for name in secret_names}
    return {name: MASK if name.lower() in secret else value for name, value in fields.items()}

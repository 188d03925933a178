"""The one hardened door for untrusted XML.

Every byte that comes from outside (a buyer's request, a returned cart, a document posted to
the sandbox) is parsed here and nowhere else. The settings are the ones verified in
``security.md`` §2: no entity expansion, no network, no DTD loading, libxml2's own size
limits kept (``huge_tree=False``), a resolver that refuses everything, and ``collect_ids`` left
at its default (``collect_ids=False`` makes libxml2 load the external DTD).

A DOCTYPE that points at an official cXML DTD is accepted and ignored: it is never fetched.
Any other DOCTYPE, and any internal DTD subset that declares something, is refused.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from lxml import etree

from shop.cxml.errors import CXMLError

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# libxml2 refuses documents deeper than 256 levels while it parses (huge_tree=False), at no
# cost. A smaller limit is checked after parsing, which costs a walk over the tree.
LIBXML2_MAX_DEPTH = 256
DEFAULT_MAX_DEPTH = LIBXML2_MAX_DEPTH

# SYSTEM ids accepted in a DOCTYPE: an official cXML DTD URL (any host spelling, http or
# https) or a bare DTD file name, as some senders write. The file is never read.
_SYSTEM_ID = re.compile(
    r"(?:https?://xml\.cxml\.org/schemas/cxml/(?P<version>\d+\.\d+(?:\.\d+)?)/)?"
    r"(?P<file>[a-z][a-z0-9_.-]*\.dtd)",
    re.IGNORECASE,
)
# A reference to anything but the five predefined entities or a character.
_ENTITY_REFERENCE = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);|#)")
_BOM = b"\xef\xbb\xbf"
_LEADING_SPACE = b" \t\r\n"

# libxml2 error types mapped to fixed, safe wording (libxml2's own text may quote files).
_SYNTAX_REASONS = {
    "ERR_TAG_NAME_MISMATCH": "an end tag does not match its start tag",
    "ERR_TAG_NOT_FINISHED": "an element is not closed",
    "ERR_DOCUMENT_END": "there is content after the root element",
    # libxml2's "Start tag expected, '<' not found": a truly empty body is refused earlier.
    "ERR_DOCUMENT_EMPTY": "it does not start with an XML element ('<' expected)",
    "ERR_UNDECLARED_ENTITY": "it uses an entity that is not defined",
    "ERR_ENTITY_LOOP": "it contains an entity loop",
    "ERR_RESOURCE_LIMIT": "it exceeds a parser limit",
    "ERR_INTERNAL_ERROR": "it exceeds a parser limit",
    "ERR_ENTITY_AMPLIFICATION": "it expands entities too much",
    "ERR_INVALID_CHAR": "it contains a character that XML does not allow",
    "ERR_INVALID_ENCODING": "its bytes do not match its declared encoding",
    "ERR_UNSUPPORTED_ENCODING": "its encoding is not supported",
    "ERR_ATTRIBUTE_REDEFINED": "an element repeats an attribute",
    "ERR_LT_IN_ATTRIBUTE": "an attribute value contains '<'",
    "ERR_NAME_REQUIRED": "a name is missing or invalid",
    "ERR_GT_REQUIRED": "a tag is not closed with '>'",
    "ERR_ATTRIBUTE_WITHOUT_VALUE": "an attribute has no value",
    "ERR_EXT_SUBSET_NOT_FINISHED": "its DOCTYPE is not well-formed",
    "ERR_DOCTYPE_NOT_FINISHED": "its DOCTYPE is not well-formed",
}


class _DenyAll(etree.Resolver):  # type: ignore[misc]
    """Refuse every external resource; returning None would let libxml2 read file:// URLs."""

    def resolve(self, url: str | None, pubid: str | None, context: Any) -> Any:
        raise CXMLError("the document refers to an external resource, which is not allowed")


def _parser() -> Any:
    # A new parser per call: lxml parsers must not be shared between threads.
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=False,
        recover=False,
        remove_pis=True,
        remove_comments=True,
    )
    parser.resolvers.add(_DenyAll())
    return parser


def parse_xml(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = DEFAULT_MAX_DEPTH
) -> Any:
    """Parse untrusted XML bytes into an lxml root element, or raise ``CXMLError``."""
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError("parse_xml() needs bytes, so that the XML encoding declaration works")
    if len(body) > max_bytes:
        raise CXMLError(f"the document is larger than {max_bytes} bytes", status=413)
    data = _strip_leading_space(bytes(body))
    if not data:
        raise CXMLError("the document is empty")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc, data, max_depth) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype:
        _check_doctype(docinfo)
        # Behind a DOCTYPE, libxml2 keeps undeclared entity references as entity nodes
        # (without one they are syntax errors). Scan the tree only if the bytes have one.
        if _ENTITY_REFERENCE.search(data):
            entity = next(root.iter(etree.Entity), None)
            if entity is not None:
                raise CXMLError(f"entity reference {entity.text} is not allowed")
    _check_depth(root, max_depth)
    return root


def _strip_leading_space(data: bytes) -> bytes:
    """Drop a UTF-8 byte order mark and whitespace before the XML declaration (seen in the wild)."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    return data.lstrip(_LEADING_SPACE)


def _syntax_error(exc: Any, data: bytes, max_depth: int) -> CXMLError:
    """A safe message for a libxml2 syntax error; the original goes to the log only."""
    if isinstance(exc.__context__, CXMLError):  # raised by the deny-all resolver
        return exc.__context__
    last = exc.error_log.last_error if exc.error_log else None
    type_name = getattr(last, "type_name", "") or ""
    if "Excessive depth" in str(exc):
        return CXMLError(f"the document nests elements more than {max_depth} levels deep")
    reason = _SYNTAX_REASONS.get(type_name, "it is not well-formed")
    if type_name == "ERR_DOCUMENT_EMPTY" and data.startswith(b"<"):
        reason = "it has no root element"  # only a declaration, DOCTYPE or comment
    logger.info("refused malformed XML: %s (%s)", type_name or "unknown", exc)
    return CXMLError(f"the document is not well-formed XML: {reason}", internal=str(exc))


def _check_doctype(docinfo: Any) -> None:
    if docinfo.root_name != "cXML":
        raise CXMLError(f"DOCTYPE names {docinfo.root_name!r} instead of cXML", element="cXML")
    subset = docinfo.internalDTD
    # Every DOCTYPE has an (often empty) internal subset: what matters is what it declares.
    if subset is not None and (
        next(subset.iterentities(), None) is not None
        or next(subset.iterelements(), None) is not None
    ):
        raise CXMLError("a DOCTYPE that declares entities or elements is not allowed")
    system_url = docinfo.system_url
    if system_url is not None and not _SYSTEM_ID.fullmatch(system_url.strip()):
        raise CXMLError("the DOCTYPE must name an official cXML DTD", element="cXML")


def _check_depth(root: Any, max_depth: int) -> None:
    if max_depth >= LIBXML2_MAX_DEPTH:
        return  # libxml2 already enforced it while parsing
    # One XPath step per level, evaluated in C: cheaper than walking the tree in Python.
    if root.xpath(f"boolean(/{'*/' * max_depth}*)"):
        raise CXMLError(f"the document nests elements more than {max_depth} levels deep")


def doctype_dtd(system_url: str | None) -> tuple[str | None, str | None]:
    """The (version, DTD file name) that a DOCTYPE SYSTEM id names, as far as it says."""
    if not system_url:
        return None, None
    match = _SYSTEM_ID.fullmatch(system_url.strip())
    if match is None:
        return None, None
    return match.group("version"), match.group("file")

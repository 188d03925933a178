"""Masking secrets in documents before they are stored, and in text before it is logged.

Pure functions (stdlib only). ``redact_xml_secrets`` works on the raw bytes of a cXML
document, before or without parsing it, so that a body that fails to parse is masked as well
as one that parses. Both functions run in linear time on hostile input: no pattern here can
backtrack over a whole document.
"""

from __future__ import annotations

import bisect
import codecs
import re
from collections.abc import Callable, Iterable, Mapping
from typing import AnyStr, Generic

MASK = "***"

# Elements whose text is a credential: the shared secret and the MAC computed from it.
SECRET_ELEMENTS = ("SharedSecret", "CredentialMac")

# An opening tag with an optional namespace prefix and attributes (quoted values may hold ">").
_OPEN = (
    r"<(?:[\w.-]+:)?(?:" + "|".join(f"(?P<{name}>{name})" for name in SECRET_ELEMENTS) + r")"
    r"(?![\w.:-])"
    r"""(?:"[^"]*"|'[^']*'|[^'"<>])*(?<!/)>"""
)
_CLOSE = r"</(?:[\w.-]+:)?{name}\s*>"
_CDATA_START, _CDATA_END = "<![CDATA[", "]]>"
_COMMENT_END = "-->"
_FLAGS = re.IGNORECASE | re.DOTALL


class _Patterns(Generic[AnyStr]):
    """The element patterns, compiled for one string type (str or bytes)."""

    def __init__(self, encode: Callable[[str], AnyStr]) -> None:
        def compile_(pattern: str) -> re.Pattern[AnyStr]:
            return re.compile(encode(pattern), _FLAGS)

        self.opening: re.Pattern[AnyStr] = compile_(_OPEN)
        self.closing: dict[str, re.Pattern[AnyStr]] = {
            name: compile_(_CLOSE.format(name=name)) for name in SECRET_ELEMENTS
        }
        self.section: re.Pattern[AnyStr] = compile_(r"<!\[CDATA\[|<!--")
        self.cdata_start: AnyStr = encode(_CDATA_START)
        self.cdata_end: AnyStr = encode(_CDATA_END)
        self.comment_end: AnyStr = encode(_COMMENT_END)
        self.lt: AnyStr = encode("<")
        self.mask: AnyStr = encode(MASK)


_STR = _Patterns[str](lambda text: text)
_BYTES = _Patterns[bytes](lambda text: text.encode("ascii"))


class _ElementRedactor(Generic[AnyStr]):
    """Replaces the content of every secret element of one text, keeping the tags."""

    def __init__(self, text: AnyStr, patterns: _Patterns[AnyStr]) -> None:
        self.text: AnyStr = text
        self.p: _Patterns[AnyStr] = patterns
        # Where each closing tag starts: found once, then looked up by bisection.
        self.closes = {name: [m.start() for m in pattern.finditer(text)]
                       for name, pattern in patterns.closing.items()}
        self.unclosed_from: dict[str, int] = {}

    def run(self) -> AnyStr:
        text, position = self.text, 0
        parts: list[AnyStr] = []
        while (opening := self.p.opening.search(text, position)) is not None:
            start = opening.end()
            end = self._content_end(str(opening.lastgroup), start)
            parts.append(text[position:start])
            if end > start:  # an empty element stays empty: there is nothing to hide
                parts.append(self.p.mask)
            position = end
        parts.append(text[position:])
        return text[:0].join(parts)

    def _content_end(self, name: str, start: int) -> int:
        """Where the element's content ends: at its closing tag, or at the next markup."""
        if start >= self.unclosed_from.get(name, len(self.text) + 1):
            return self._unclosed_end(start)
        closes, scan_from = self.closes[name], start
        index = bisect.bisect_left(closes, start)
        while index < len(closes):
            close = closes[index]
            skipped = self._skip_sections(scan_from, close)
            if skipped <= close:
                return close
            # That closing tag was inside a CDATA section or a comment: look further on.
            scan_from = skipped
            index = bisect.bisect_left(closes, skipped)
        # No real closing tag after this point: later elements of this name need no search.
        self.unclosed_from[name] = start
        return self._unclosed_end(start)

    def _skip_sections(self, position: int, limit: int) -> int:
        """Past every CDATA section and comment that begins before ``limit``."""
        text = self.text
        while (section := self.p.section.search(text, position, limit)) is not None:
            is_cdata = text.startswith(self.p.cdata_start, section.start())
            terminator = self.p.cdata_end if is_cdata else self.p.comment_end
            ends = text.find(terminator, section.end())
            if ends < 0:
                return len(text)
            position = ends + len(terminator)
        return position

    def _unclosed_end(self, start: int) -> int:
        """Without a closing tag, the secret runs to the next tag (CDATA is part of it)."""
        text, position = self.text, start
        while True:
            lt = text.find(self.p.lt, position)
            if lt < 0:
                return len(text)
            if not text.startswith(self.p.cdata_start, lt):
                return lt
            ends = text.find(self.p.cdata_end, lt)
            if ends < 0:
                return len(text)
            position = ends + len(self.p.cdata_end)


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
              (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# What a document may start with when it has no byte-order mark: markup or blanks.
_FIRST_CHARACTERS = frozenset(b"< \t\r\n")


def _wide_codec(body: bytes) -> tuple[str, bytes] | None:
    """The codec and byte-order mark of a UTF-16/32 document (XML 1.0, appendix F).

    Without a mark, the zero bytes around the first character tell the width and the byte
    order: ``<\\0?\\0`` is UTF-16 little-endian, ``\\0\\0\\0<`` UTF-32 big-endian.
    """
    for bom, codec in _WIDE_BOMS:
        if body.startswith(bom):
            return codec, bom
    head = body[:4].ljust(4, b"\xff")
    for codec, first, zeros in (("utf-32-le", 0, (1, 2, 3)), ("utf-32-be", 3, (0, 1, 2)),
                                ("utf-16-le", 0, (1,)), ("utf-16-be", 1, (0,))):
        if head[first] in _FIRST_CHARACTERS and all(head[i] == 0 for i in zeros):
            return codec, b""
    return None


def redact_xml_secrets(body: bytes) -> bytes:
    """``body`` with the text of every SharedSecret and CredentialMac element replaced by ***.

    Tags and attributes are kept, so the stored document still shows what was sent. Namespace
    prefixes, attributes, whitespace, CDATA, comments and any letter case are handled; an
    element without a closing tag is masked up to the next tag. UTF-16/32 documents are
    masked in their own encoding.
    """
    wide = _wide_codec(body)
    if wide is not None:
        codec, bom = wide
        try:
            text = body[len(bom):].decode(codec)
        except UnicodeDecodeError:
            pass
        else:
            return bom + _ElementRedactor(text, _STR).run().encode(codec)
    return _ElementRedactor(body, _BYTES).run()


def redact_xml_text(text: str) -> str:
    """``redact_xml_secrets`` for a document that is already text."""
    return _ElementRedactor(text, _STR).run()


# ---------- documents as text (message logs, admin pages) ----------

_DECLARED_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']"""
)


def decode_document(body: bytes) -> str:
    """Best-effort text of an XML body: byte-order mark or zero bytes (UTF-16/32), then the
    declared encoding (ISO-8859-1, windows-1252, ...), then UTF-8; never raises."""
    wide = _wide_codec(body)
    if wide is not None:
        codec, bom = wide
        return body[len(bom):].decode(codec, errors="replace")
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
    declared = _DECLARED_ENCODING.match(body[:300])
    if declared is not None:
        codec = declared.group(1).decode("ascii")
        try:
            # Only a codec that writes markup as ASCII can be what the declaration says:
            # a document claiming UTF-16 without its zero bytes is read as UTF-8 instead.
            if "<?xml".encode(codec) == b"<?xml":
                return body.decode(codec, errors="replace")
        except (LookupError, UnicodeError):
            pass  # an unknown encoding name: UTF-8 below
    return body.decode("utf-8", errors="replace")


def redact_document(body: bytes | str) -> str:
    """The text of a raw document, ready to store or show: decoded, its secrets masked.

    Bytes are masked before decoding and the text again after it, so a secret is hidden
    whichever way the document is read. A NUL character (never valid XML, but a hostile body
    may hold one) becomes U+FFFD: PostgreSQL cannot store NUL in a text column.
    """
    if isinstance(body, str):
        text = redact_xml_text(body)
    else:
        text = redact_xml_text(decode_document(redact_xml_secrets(body)))
    return text.replace("\x00", "\ufffd")


def redact_fields(fields: Mapping[str, str], secret_names: Iterable[str]) -> dict[str, str]:
    """A copy of form fields (an OCI login, say) with the named fields masked, in any case."""
    secret = {name.casefold() for name in secret_names}
    return {name: MASK if name.casefold() in secret else value for name, value in fields.items()}


# ---------- free text (log lines) ----------

_KEY_WORDS = r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key)"


def _key(chars: str) -> str:
    """A key made of ``chars`` that contains one of the key words.

    The key must start a word, and the whole word is taken possessively after a look-ahead
    for the key word: no input can make these patterns backtrack (a long run of letters or
    "passwordpassword…" costs linear time).
    """
    return rf"(?<![~\w.-])(?=[{chars}]*?{_KEY_WORDS})[{chars}]++"


_KEY = _key(r"~\w.-")
_KEY_NO_DOTS = _key(r"~\w-")  # "shop.secrets_store: ..." is a logger name, not a key

_TEXT_RULES: list[tuple[re.Pattern[str], str]] = [
    # Headers, in a header line or a dict/tuple repr: keep the scheme, mask the rest.
    (re.compile(r"(?i)(\b(?:proxy-)?authorization['\"]?\s*[:=,]\s*['\"]?"
                r"(?:(?:basic|bearer|digest|negotiate|token|hmac)\s+)?)[^\r\n'\"]+"),
     r"\1" + MASK),
    (re.compile(r"(?i)(\b(?:set-)?cookie['\"]?\s*[:=,]\s*['\"]?)[^\r\n'\"]+"), r"\1" + MASK),
    # 'password': 'x', "secret": "x", ('PASSWORD', 'x'), b'x' values.
    (re.compile(r"(?i)(['\"])(" + _KEY + r")\1(\s*[:,]\s*b?)(['\"])(?:\\.|(?!\4)[^\\])*\4"),
     r"\1\2\1\3\4" + MASK + r"\4"),
    # key=value in query strings, form bodies and log lines: password=x, ~PASSWORD=x.
    (re.compile(r"(?i)(" + _KEY + r"\s*=\s*)(\"[^\"]*\"|'[^']*'|[^\s&;,'\"<>)\]}]+)"),
     r"\1" + MASK),
    # password: x in free text.
    (re.compile(r"(?i)(" + _KEY_NO_DOTS + r":[ \t]*)([^\s'\",;]+)"), r"\1" + MASK),
    # Fernet tokens (our encrypted secrets) never belong in a log.
    (re.compile(r"gAAAAA[A-Za-z0-9_-]{60,}={0,2}"), MASK),
]


def redact_text(text: str) -> str:
    """``text`` with credentials masked: secret XML elements, password/secret/token values,
    Authorization and Cookie headers, Fernet tokens."""
    text = _ElementRedactor(text, _STR).run()
    for pattern, replacement in _TEXT_RULES:
        text = pattern.sub(replacement, text)
    return text

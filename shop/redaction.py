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
from collections.abc import Callable
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


def _wide_codec(body: bytes) -> tuple[str, bytes] | None:
    """The codec and byte-order mark of a UTF-16/32 document (XML 1.0, appendix F)."""
    boms = [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
            (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
    for bom, codec in boms:
        if body.startswith(bom):
            return codec, bom
    if body.startswith(b"<\x00?\x00"):
        return "utf-16-le", b""
    if body.startswith(b"\x00<\x00?"):
        return "utf-16-be", b""
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

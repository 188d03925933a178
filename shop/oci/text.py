"""Text rules for OCI values: cleaning, the buyer's charset, transliteration and cutting.

OCI values travel as HTML form fields into an SAP system that may still run in ISO-8859-1 and
that stores them in fixed-length CHAR fields. So every text goes through the same steps, in
this order: clean (no control characters; one line unless it is a long text), transliterate
what the buyer's charset cannot carry, then cut to the field's length counted in characters
(the DESCRIPTION people read is shortened between words instead: :func:`shorten_text`).
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from .errors import UnsupportedCharset

DEFAULT_CHARSET = "utf-8"

# Charsets a browser can post a form in (WHATWG names), keyed later by Python codec name.
# UTF-16/32 are left out on purpose: browsers submit such forms as UTF-8 anyway, and UTF-7
# has a history of script injection.
_LABELS = (
    "utf-8",
    "us-ascii",
    *(f"iso-8859-{n}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)),
    *(f"windows-{n}" for n in range(1250, 1259)),
    "koi8-r",
    "koi8-u",
    "shift_jis",
    "euc-jp",
    "iso-2022-jp",
    "euc-kr",
    "gbk",
    "gb18030",
    "big5",
)
_LABEL_BY_CODEC = {codecs.lookup(label).name: label for label in _LABELS}

# Replacements for characters that NFKD does not reduce to something a legacy charset has.
# Each value is tried only when the character itself cannot be encoded.
_FALLBACKS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "*", "\u00b7": "*", "\u2030": " o/oo",
    "\u20ac": "EUR", "\u00a3": "GBP", "\u00a5": "JPY", "\u00a2": "c",
    "\u00a9": "(C)", "\u00ae": "(R)", "\u2122": "TM", "\u00b0": " deg",
    "\u00d7": "x", "\u00f7": "/", "\u00b1": "+/-", "\u00bc": "1/4", "\u00bd": "1/2",
    "\u00be": "3/4", "\u00a0": " ", "\u00b5": "u", "\u03bc": "u", "\u2300": "dia",
    "\u00df": "ss", "\u1e9e": "SS", "\u00e6": "ae", "\u00c6": "AE", "\u0153": "oe",
    "\u0152": "OE", "\u00f8": "o", "\u00d8": "O", "\u0142": "l", "\u0141": "L",
    "\u0111": "d", "\u0110": "D", "\u00f0": "d", "\u00d0": "D", "\u00fe": "th",
    "\u00de": "Th", "\u0131": "i", "\u00a7": "S.", "\u00b6": "P.", "\u00a6": "|",
}  # fmt: skip
UNKNOWN = "?"  # what SAP itself shows for a character its code page lacks

_SPACES = re.compile(r"\s+")
_LINE_BREAKS = re.compile(r"\r\n?")
_WORD = re.compile(r"\S+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")  # 100, 9,000, 0.5: never cut inside one
_DANGLING = " ,;:.-–—/&+"  # punctuation a shortened text should not end with
ELLIPSIS = "…"


def charset_label(charset: str | None) -> str:
    """The WHATWG name of a buyer charset (``latin1`` -> ``iso-8859-1``); empty means UTF-8."""
    if charset is None or not charset.strip():
        return DEFAULT_CHARSET
    try:
        codec = codecs.lookup(charset.strip())
    except (LookupError, ValueError):
        raise UnsupportedCharset(f"Unknown character set {charset[:40]!r}.") from None
    label = _LABEL_BY_CODEC.get(codec.name)
    if label is None:
        raise UnsupportedCharset(
            f"Character set {charset[:40]!r} cannot carry an OCI form; use UTF-8 or ISO-8859-1."
        )
    return label


def encode_for_charset(text: str, charset: str | None) -> str:
    """``text`` with every character the charset cannot encode transliterated.

    The result is still a ``str``, but one that encodes in ``charset`` without loss: é stays
    in ISO-8859-1, “quotes” become ", € becomes EUR, ™ becomes TM, accents the charset lacks
    are dropped (ő -> o) and anything without a sensible Latin form (CJK, emoji) becomes ``?``.
    """
    codec = codecs.lookup(charset_label(charset)).name
    text = unicodedata.normalize("NFC", text)
    if _encodes(text, codec):
        return text
    return "".join(c if _encodes(c, codec) else _transliterate(c, codec) for c in text)


def _encodes(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def _transliterate(char: str, codec: str) -> str:
    if unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return ""  # combining marks, zero-width and bidi controls carry no letter of their own
    fallback = _FALLBACKS.get(char)
    if fallback is not None and _encodes(fallback, codec):
        return fallback
    parts = []
    for part in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(part):
            continue
        if _encodes(part, codec):
            parts.append(part)
        elif (sub := _FALLBACKS.get(part)) is not None and _encodes(sub, codec):
            parts.append(sub)
        else:
            return UNKNOWN
    return "".join(parts) or UNKNOWN


def clean_line(text: str) -> str:
    """One line of text: NFC, no control characters, whitespace runs as one space, trimmed."""
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cc").strip()


def clean_long_text(text: str) -> str:
    """A long text: like :func:`clean_line`, but line breaks are kept (as ``\\n``)."""
    text = _LINE_BREAKS.sub("\n", unicodedata.normalize("NFC", text))
    lines = (clean_line(line) for line in text.split("\n"))
    return "\n".join(lines).strip("\n")


def cut_text(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, never between a letter and its accents.

    Lengths count characters of the decoded value, as SAP does. Trailing spaces left by the
    cut are removed.
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    if len(text) <= limit:
        return text
    end = limit
    # A combining mark right after the cut belongs to the letter before it: drop both.
    while end > 0 and unicodedata.combining(text[end]):
        end -= 1
    return text[:end].rstrip()


def shorten_text(text: str, limit: int, mark: str = ELLIPSIS) -> str:
    """``text`` within ``limit`` characters, shortened between words and ending in ``mark``.

    For a name a person reads in a list (OCI DESCRIPTION, cXML ShortName), where a blind cut
    misleads: "box of 100" cut to "box of 10" names another pack size. The cut falls after
    the last whole word that fits with ``mark`` (which counts within the limit), punctuation
    left dangling is dropped. Only when that would keep less than half the room (a very long
    word) is a word cut, and then never inside a number. Text that fits is left alone.
    """
    if limit < 0:
        raise ValueError("limit must not be negative")
    if len(text) <= limit:
        return text
    if limit <= len(mark):
        return cut_text(text, limit)  # no room for the mark
    room = limit - len(mark)
    end = 0
    for word in _WORD.finditer(text):
        stop = word.start() + len(word.group().rstrip(_DANGLING))
        if stop > room:
            break
        if stop > word.start():  # a lone dash or slash is no word to end on
            end = stop
    if end < room // 2:
        end = _inside_word_cut(text, room)
    kept = text[:end].rstrip(_DANGLING)
    return (kept or cut_text(text, room)) + mark


def _inside_word_cut(text: str, room: int) -> int:
    """Where to cut a word that does not fit: before a number it would split, not in a letter."""
    end = room
    for number in _NUMBER.finditer(text):
        if number.start() < end < number.end():
            end = number.start()
    while end > 0 and unicodedata.combining(text[end]):
        end -= 1
    return end


def prepare_text(
    value: str, limit: int | None, charset: str | None, *, multiline: bool = False
) -> str:
    """A value as it is sent: cleaned, transliterated for ``charset``, cut to ``limit``."""
    cleaned = clean_long_text(value) if multiline else clean_line(value)
    encoded = encode_for_charset(cleaned, charset)
    # Transliteration may add characters (€ -> EUR): clean again so no double spaces remain.
    if not multiline:
        encoded = clean_line(encoded)
    return encoded if limit is None else cut_text(encoded, limit)

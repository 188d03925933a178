"""Product pictures drawn as SVG from the product's own data: nothing is downloaded.

Pure (no Flask, no database): the same input always gives the same bytes, so the picture can
be cached by its ETag. Every piece of text is escaped for XML and stripped of characters XML
cannot carry, so a product named ``</text><script>`` draws as that text.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape

# Bump when the drawing changes, so that cached pictures are replaced.
DRAWING_VERSION = "1"
WIDTH, HEIGHT = 480, 360

# Top-level category slug → (colour, pictogram). Other slugs get a colour from PALETTE.
THEMES: dict[str, tuple[str, str]] = {
    "office": ("#1f5fbf", "pencil"), "it": ("#5b3cc4", "monitor"),
    "printing": ("#c2410c", "printer"), "lab": ("#0f8a6a", "flask"),
    "safety": ("#b45309", "shield"), "mro": ("#475569", "wrench"),
    "cleaning": ("#0e7490", "spray"), "furniture": ("#8a4b2a", "chair"),
    "packaging": ("#a16207", "box"), "electrical": ("#b91c1c", "bolt"),
    "breakroom": ("#9d174d", "cup"),
}
PALETTE = ("#1f5fbf", "#0f8a6a", "#5b3cc4", "#c2410c", "#0e7490", "#475569")

# Line drawings on a 64 × 64 grid, stroked in white.
PICTOGRAMS = {
    "pencil": '<path d="M14 50 L42 22 L48 28 L20 56 L11 59 Z M37 27 L43 33"/>',
    "monitor": '<rect x="8" y="12" width="48" height="32" rx="3"/>'
               '<path d="M24 54 H40 M32 44 V54"/>',
    "printer": '<path d="M20 22 V8 H44 V22"/><rect x="8" y="22" width="48" height="22" rx="3"/>'
               '<path d="M20 36 H44 V56 H20 Z M26 44 H38 M26 50 H34"/>',
    "flask": '<path d="M25 8 H39 M28 8 V24 L14 50 Q12 56 18 56 H46 Q52 56 50 50 L36 24 V8"/>'
             '<path d="M19 42 H45"/>',
    "shield": '<path d="M32 7 L52 15 V30 C52 44 43 52 32 57 C21 52 12 44 12 30 V15 Z"/>'
              '<path d="M23 32 L30 39 L42 25"/>',
    "wrench": '<path d="M41 9 A13 13 0 0 0 29 27 L11 45 A5 5 0 0 0 19 53 L37 35 A13 13 0 0 0 '
              '55 23 L47 31 L39 29 L37 21 Z"/>',
    "spray": '<path d="M22 28 H40 L44 36 V56 H18 V36 Z M27 28 V18 H37 L46 14 M27 18 H21"/>'
             '<path d="M52 10 V10 M56 16 V16 M52 22 V22"/>',
    "chair": '<path d="M22 6 V38 H46 M22 38 V58 M46 38 V58 M22 48 H46 M18 6 H26"/>',
    "box": '<path d="M10 21 L32 11 L54 21 V45 L32 55 L10 45 Z M10 21 L32 31 L54 21 M32 31 V55"/>'
           '<path d="M21 16 L43 26"/>',
    "bolt": '<path d="M36 5 L15 36 H30 L26 59 L49 26 H34 Z"/>',
    "cup": '<path d="M12 24 H44 V38 A12 12 0 0 1 32 50 H24 A12 12 0 0 1 12 38 Z '
           'M44 28 H48 A6 6 0 0 1 48 40 H44 M22 8 V16 M32 8 V16"/><path d="M10 56 H46"/>',
    "tag": '<path d="M8 8 H30 L56 34 L34 56 L8 30 Z"/><circle cx="19" cy="19" r="4"/>',
}

# Characters XML 1.0 cannot contain (control characters, lone surrogates, non-characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True, slots=True)
class Drawing:
    sku: str
    name: str
    manufacturer: str = ""
    unit: str = ""
    theme: str = ""  # top-level category slug


def image_etag(sku: str, version: str) -> str:
    """A strong validator from what the picture is drawn from."""
    digest = hashlib.sha256(f"{DRAWING_VERSION}|{sku}|{version}".encode()).hexdigest()
    return digest[:24]


def _text(value: str, limit: int = 200) -> str:
    return escape(_NOT_XML.sub("", value)[:limit], {'"': "&quot;"})


def _mix(colour: str, weight: float) -> str:
    """``colour`` mixed with white; weight 0 is the colour, 1 is white."""
    channels = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(c + (255 - c) * weight) for c in channels]
    return "#" + "".join(f"{c:02x}" for c in mixed)


def _theme(slug: str) -> tuple[str, str]:
    if slug in THEMES:
        return THEMES[slug]
    index = int(hashlib.sha256(slug.encode()).hexdigest(), 16) % len(PALETTE)
    return PALETTE[index], "tag"


def _name_lines(name: str) -> list[str]:
    lines = textwrap.wrap(_NOT_XML.sub("", name), width=27, max_lines=2, placeholder=" …")
    return lines or [""]


def _decoration(sku: str, colour: str) -> str:
    """Three soft circles placed by the SKU's hash: every product looks a little different."""
    digest = hashlib.sha256(sku.encode()).digest()
    circles = []
    for i in range(0, 9, 3):
        x, y, r = digest[i] * WIDTH // 255, digest[i + 1] * 200 // 255, 30 + digest[i + 2] % 70
        circles.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="{colour}" fill-opacity="0.07"/>')
    return "".join(circles)


def product_svg(drawing: Drawing) -> str:
    """The product's picture as an SVG document (large type: it is mostly seen small)."""
    colour, pictogram = _theme(drawing.theme)
    name_lines = _name_lines(drawing.name)
    first_line_y = 272 - 15 * (len(name_lines) - 1)
    name_text = "".join(
        f'<tspan x="28" y="{first_line_y + 31 * i}">{_text(line)}</tspan>'
        for i, line in enumerate(name_lines)
    )
    unit = f" · {_text(drawing.unit, 8)}" if drawing.unit else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{_text(drawing.name)}">'
        f"<title>{_text(drawing.name)}</title>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{_mix(colour, 0.9)}"/>'
        f"{_decoration(drawing.sku, colour)}"
        f'<rect width="{WIDTH}" height="8" fill="{colour}"/>'
        f'<circle cx="{WIDTH // 2}" cy="138" r="66" fill="{colour}"/>'
        f'<g transform="translate({WIDTH // 2 - 38} 100) scale(1.19)" fill="none" stroke="#fff" '
        f'stroke-width="3.6" stroke-linecap="round" stroke-linejoin="round">'
        f"{PICTOGRAMS[pictogram]}</g>"
        f'<g font-family="system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif">'
        f'<text x="28" y="48" font-size="21" font-weight="700" letter-spacing="1.5" '
        f'fill="{colour}">{_text(drawing.manufacturer.upper(), 24)}</text>'
        f'<text font-size="26" font-weight="650" fill="#1d2430">{name_text}</text>'
        f'<text x="28" y="336" font-size="20" fill="#4a5566" '
        f'font-family="ui-monospace, Menlo, Consolas, monospace">{_text(drawing.sku, 64)}'
        f"{unit}</text>"
        f"</g></svg>"
    )

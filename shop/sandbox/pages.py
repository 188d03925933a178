"""Reading a supplier's HTML pages as a browser would: forms and links, nothing else.

The standard library's ``html.parser`` (no lxml for untrusted HTML): it never fetches
anything and never builds a tree, and the page size is capped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

MAX_PAGE_CHARS = 10_000_000


@dataclass
class Form:
    """One ``<form>``: where it goes and what it would post (submit buttons left out)."""

    action: str
    method: str = "get"
    target: str = ""
    id: str = ""
    css_class: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        """The first value posted under ``name``, compared without regard to case."""
        folded = name.lower()
        return next((v for n, v in self.fields if n.lower() == folded), None)


@dataclass
class Page:
    """The forms and links of a page, URLs made absolute against the page's own URL."""

    url: str
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)

    def forms_to(self, path_end: str) -> list[Form]:
        """Forms whose action ends with ``path_end`` (query ignored)."""
        return [f for f in self.forms if f.action.split("?", 1)[0].endswith(path_end)]


class _Reader(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page(base_url)
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {name: value or "" for name, value in attrs}
        if tag == "form":
            self._form = Form(urljoin(self.page.url, a.get("action", "")),
                              (a.get("method") or "get").lower(), a.get("target", ""),
                              a.get("id", ""), a.get("class", ""))
            self.page.forms.append(self._form)
        elif tag == "a" and a.get("href"):
            self.page.links.append(urljoin(self.page.url, a["href"]))
        elif tag == "iframe" and a.get("src"):
            self.page.frames.append(urljoin(self.page.url, a["src"]))
        elif self._form is not None and "disabled" not in a:
            self._field(tag, a)

    def _field(self, tag: str, a: dict[str, str]) -> None:
        assert self._form is not None
        name = a.get("name", "")
        kind = a.get("type", "text").lower()
        if not name:
            return
        if tag == "input" and kind not in ("submit", "button", "image", "reset", "file"):
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._form.fields.append((name, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = (name, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea[0], "".join(self._textarea[1])))
            self._textarea = None
        elif tag == "form":
            self._form = None


def read_page(html: str, url: str) -> Page:
    """The forms, links and frames of ``html`` (ValueError when it is too large)."""
    if len(html) > MAX_PAGE_CHARS:
        raise ValueError(f"the page is larger than {MAX_PAGE_CHARS} characters")
    reader = _Reader(url)
    reader.feed(html)
    reader.close()
    return reader.page

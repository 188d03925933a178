"""The user's part of a journey, played headless: land in the shop, add products, transfer.

Everything goes through the shop's own pages and forms over HTTP (the CSRF token comes
from the form), so it works against a shop running anywhere. The pages are this shop's:
product links ``/products/<sku>``, the add-to-cart form posting to ``/cart/add``, the
transfer and cancel forms posting to ``/punchout/transfer`` and ``/punchout/cancel``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from shop.sandbox import http
from shop.sandbox.pages import Form, Page, read_page
from shop.sandbox.report import StepFailed

_PRODUCT = re.compile(r"/products/([^/?#]+)$")
_CATEGORY = re.compile(r"/categories/[^/?#]+$")
MAX_PAGES_VISITED = 30


@dataclass
class Visit:
    """The page the browser is on."""

    answer: http.Answer
    page: Page


def browse(browser: requests.Session, method: str, url: str, **kwargs: object) -> Visit:
    """Navigate as a browser does (following redirects); a non-200 page fails the step."""
    try:
        answer = http.send(browser, method, url, allow_redirects=True, **kwargs)
    except http.HTTPProblem as problem:
        raise StepFailed(str(problem)) from None
    if answer.status != 200:
        raise StepFailed(f"{method} {_path(url)} answered HTTP {answer.status} "
                         f"({_title(answer.text)})")
    if "html" not in answer.content_type:
        raise StepFailed(f"{method} {_path(url)} answered {answer.content_type or 'no type'}, "
                         "not an HTML page")
    return Visit(answer, read_page(answer.text, answer.url))


def submit(browser: requests.Session, form: Form, **values: str) -> Visit:
    """Post a form with its own fields (CSRF token included), some values replaced."""
    fields = [(name, values.pop(name, value)) for name, value in form.fields]
    fields += list(values.items())
    if form.method == "post":
        return browse(browser, "POST", form.action, data=fields)
    return browse(browser, "GET", form.action, params=fields)


def product_links(page: Page, origin: str) -> list[str]:
    """Links to product pages on the shop's own origin, first appearance first."""
    found = [url for url in page.links if _same_origin(url, origin) and _PRODUCT.search(
        urlsplit(url).path)]
    return list(dict.fromkeys(found))


def add_products(browser: requests.Session, start: Visit, count: int, origin: str,
                 skip: set[str]) -> tuple[list[tuple[str, int]], Visit]:
    """Add ``count`` different products (quantities 1, 2, …) through the product pages."""
    added: list[tuple[str, int]] = []
    last = start
    for url in _candidate_products(browser, start, count + len(skip), origin):
        sku = _PRODUCT.search(urlsplit(url).path).group(1)  # type: ignore[union-attr]
        if sku in skip or len(added) >= count:
            continue
        product = start if start.answer.url == url else browse(browser, "GET", url)
        forms = product.page.forms_to("/cart/add")
        if not forms:
            raise StepFailed(f"{_path(url)} has no add-to-cart form")
        quantity = len(added) + 1
        last = submit(browser, forms[0], quantity=str(quantity))
        added.append((forms[0].value("sku") or sku, quantity))
    if len(added) < count:
        raise StepFailed(f"found only {len(added)} product(s) to add, {count} wanted")
    return added, last


def _candidate_products(browser: requests.Session, start: Visit, wanted: int,
                        origin: str) -> list[str]:
    """Product pages reachable from the landing page (and its categories when needed)."""
    found = [start.answer.url] if _PRODUCT.search(urlsplit(start.answer.url).path) else []
    found += product_links(start.page, origin)
    categories = [u for u in start.page.links if _same_origin(u, origin)
                  and _CATEGORY.search(urlsplit(u).path)]
    for url in list(dict.fromkeys(categories))[:MAX_PAGES_VISITED]:
        if len(set(found)) >= wanted:
            break
        found += product_links(browse(browser, "GET", url).page, origin)
    return list(dict.fromkeys(found))


def cart_form(visit: Visit, path_end: str) -> Form:
    """The transfer (or cancel) form on the current page, else the cart page's."""
    forms = visit.page.forms_to(path_end)
    if not forms:
        raise StepFailed(f"no form posting to {path_end} on {_path(visit.answer.url)}")
    return forms[0]


def return_form(visit: Visit, return_url: str) -> Form:
    """The form of the transfer page that carries the cart back to the buyer."""
    forms = [f for f in visit.page.forms if f.action == return_url]
    if forms:
        return forms[0]
    actions = ", ".join(f.action[:80] for f in visit.page.forms) or "none"
    raise StepFailed(f"the transfer page has no form posting to the return URL "
                     f"{return_url} (form actions: {actions})")


def _same_origin(url: str, origin: str) -> bool:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" == origin


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query[:40]}" if parts.query else "")


def _title(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html[:5000], re.S | re.I)
    return " ".join(match.group(1).split())[:80] if match else "no title"

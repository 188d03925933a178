"""Rendered catalog pages for visitors who are not logged in, kept until the catalog changes.

Rendering a listing costs milliseconds (queries, 24 product cards); most visitors are
anonymous and see the same HTML for the same URL. So each worker keeps the HTML of the pages
it rendered for them (bounded by PAGE_CACHE_BYTES, least recently used out first), together
with the catalog version it was rendered at.

Invalidation: every transaction that changes products or categories also raises the single
``catalog_version`` row (``_bump_version``, in the same transaction, so the number rises in
commit order). A worker re-reads that number at most every PAGE_CACHE_CHECK_SECONDS and drops
everything when it changed; the worker that made the change drops its pages at once. Other
workers and hosts therefore show a change within that many seconds.

Never cached: logged-in users (contract prices, their cart), PunchOut sessions, pages with a
flash message waiting, anything but GET. A kept page holds no form and no CSRF token (a
visitor's product page offers "Log in to order" instead of the add-to-cart form), so it is the
same for every visitor and needs no session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Response, current_app, g, has_app_context, request, session
from flask_login import current_user
from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from shop.catalog.models import CatalogVersion, Category, Product
from shop.extensions import db

log = logging.getLogger(__name__)

MAX_KEY_CHARS = 512  # longer URLs are rendered, not kept (nobody links to them)


class PageCache:
    """HTML by URL for one catalog version; least recently used pages go first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.version: int | None = None
        self.checked_at = float("-inf")
        self._pages: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, version: int, page: str) -> None:
        with self._lock:
            if version != self.version or len(page) > self.max_bytes:
                return  # rendered for an older catalog, or too big to keep
            old = self._pages.pop(key, None)
            self.size += len(page) - (len(old) if old is not None else 0)
            self._pages[key] = page
            while self.size > self.max_bytes:
                _, dropped = self._pages.popitem(last=False)
                self.size -= len(dropped)

    def reset(self, version: int | None) -> None:
        with self._lock:
            self._pages.clear()
            self.size = 0
            self.version = version

    def __len__(self) -> int:
        return len(self._pages)


def page_cache() -> PageCache:
    """The current app's page cache (one per app and process)."""
    cache: PageCache | None = current_app.extensions.get("catalog_page_cache")
    if cache is None:
        cache = PageCache(current_app.config["PAGE_CACHE_BYTES"])
        current_app.extensions["catalog_page_cache"] = cache
    return cache


def read_version() -> int:
    """The catalog version in the database (0 before the first change)."""
    return db.session.scalar(select(CatalogVersion.version).where(CatalogVersion.id == 1)) or 0


def _current_version(cache: PageCache) -> int:
    """The version this worker's pages must match, re-read at most every few seconds."""
    now = time.monotonic()
    if cache.version is None or now - cache.checked_at >= _check_seconds():
        version = read_version()
        if version != cache.version:
            cache.reset(version)
        cache.checked_at = now
    assert cache.version is not None
    return cache.version


def _check_seconds() -> float:
    return float(current_app.config["PAGE_CACHE_CHECK_SECONDS"])


def _cacheable() -> bool:
    return (
        current_app.config["PAGE_CACHE_BYTES"] > 0
        and request.method == "GET"
        and len(request.full_path) <= MAX_KEY_CHARS
        and not current_user.is_authenticated
        and g.get("punchout_cart_id") is None
        and "_flashes" not in session
    )


def cached_page(render: Callable[[], str]) -> str:
    """The page ``render`` makes for this URL, from the cache when the catalog is unchanged.

    ``render`` may raise (404): nothing is kept then.
    """
    if not _cacheable():
        return render()
    cache = page_cache()
    version = _current_version(cache)  # read before rendering: a later change invalidates
    key = request.full_path
    page = cache.get(key)
    if page is None:
        page = render()
        cache.put(key, version, page)
    return page


def serve_to_cookieless_visitor() -> Response | None:
    """before_request, ahead of every other hook: a kept page for a visitor without cookies.

    Without a cookie a visitor can be neither logged in nor in a PunchOut session, nor have
    a flash message waiting: ``_cacheable`` holds. So a kept page is answered before the
    session, login, procurement-mode and form hooks run, which is about a third of what a
    kept page costs (see docs/performance.md). First visits, crawlers and monitors send no
    cookie. Everything not kept yet takes the usual way.
    """
    if (request.method != "GET" or "HTTP_COOKIE" in request.environ
            or current_app.config["PAGE_CACHE_BYTES"] <= 0):
        return None
    key = request.full_path
    if len(key) > MAX_KEY_CHARS:
        return None
    cache = page_cache()
    if cache.version is None:
        return None  # nothing kept (or just invalidated): the view renders and reads it
    _current_version(cache)
    page = cache.get(key)
    if page is None:
        return None
    # g outlives a request where an app context stays pushed (tests): the hooks skipped
    # here would have cleared what the security headers read.
    for name in ("frame_ancestors", "open_form_action"):
        g.pop(name, None)
    response = current_app.response_class(page, mimetype="text/html")
    response.vary.add("Cookie")  # as on the usual way: a logged-in user sees another page
    return response


# ---------- invalidation ----------


def bump_version(connection: Any) -> None:
    """Raise the catalog version in the caller's transaction (after bulk Core writes too)."""
    result = connection.execute(
        update(CatalogVersion).where(CatalogVersion.id == 1)
        .values(version=CatalogVersion.version + 1)
    )
    if result.rowcount == 0:  # a database that has never changed its catalog yet
        connection.execute(insert(CatalogVersion).values(id=1, version=1))


def _forget_local_pages() -> None:
    if has_app_context():
        cache = current_app.extensions.get("catalog_page_cache")
        if cache is not None:
            cache.reset(None)  # the next request re-reads the version


def after_catalog_flush(session: Session) -> None:
    """Once per transaction that changes products or categories: raise the version."""
    if session.info.get("catalog_version_raised"):
        return
    changed = session.new | session.dirty | session.deleted
    if any(isinstance(obj, (Product, Category)) for obj in changed):
        bump_version(session.connection())
        session.info["catalog_version_raised"] = True


def after_catalog_commit(session: Session) -> None:
    if session.info.pop("catalog_version_raised", False):
        _forget_local_pages()


def after_catalog_rollback(session: Session) -> None:
    session.info.pop("catalog_version_raised", None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    after_catalog_flush(session)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    after_catalog_commit(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    after_catalog_rollback(session)

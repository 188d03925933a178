"""``Journey``: a person's path through the shop, with every page checked on the way.

A journey drives one browser context. ``goto(path)`` opens a page and ``click(locator)``
follows a link or submits a form; both wait for the new page and check it. After any other
navigation the test calls ``check()``. A checked page has a console free of errors and CSP
violations and passes the accessibility basics. At the end, every page the person saw must
have been checked; the fixture fails the test otherwise, naming the pages that were not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, Frame, Locator, Page, Response
from playwright.sync_api import Error as PlaywrightError

from tests.browser.checks import PageWatcher, axe_available, check_accessibility


@dataclass
class Journey:
    context: BrowserContext
    page: Page
    watcher: PageWatcher
    base_url: str
    accessibility: bool = True
    seen: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    transient: list[re.Pattern[str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for page in self.context.pages:
            self._track(page)
        self.context.on("page", self._track)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def goto(self, path_or_url: str, *, status: int | None = 200, a11y: bool = True
             ) -> Response | None:
        """Open a page of the shop (a path) or any URL, check it and return its response."""
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        response = self.page.goto(url)
        if status is not None:
            assert response is not None and response.status == status, (
                f"GET {url}: expected {status}, got {response.status if response else None}")
        if status is not None and status >= 400:
            # Chromium logs an error status as a console error; here it is what we asked for.
            self.watcher.discard(f"status of {status}", response.url if response else url)
        self.check(a11y=a11y)
        return response

    def click(self, locator: Locator, where: Page | Frame | None = None, *,
              a11y: bool = True) -> None:
        """Click a link or button that loads another page (in ``where``), then check it."""
        where = where or self.page
        with where.expect_navigation(wait_until="load"):
            locator.click()
        self.check(where, a11y=a11y)

    def check(self, target: Page | Frame | None = None, *, a11y: bool = True) -> None:
        """Check the current page (or a frame, or another window) now."""
        target = target or self.page
        for attempt in range(3):
            target.wait_for_load_state("load")
            self.watcher.assert_clean(target.url)
            try:
                if a11y and self.accessibility and axe_available():
                    check_accessibility(target)
                break
            except PlaywrightError as error:
                # The page was still navigating (a click without ``click()``): check the
                # document that replaced it.
                if "context was destroyed" not in str(error) or attempt == 2:
                    raise
        self.checked.add(_key(target.url))

    def passes_through(self, url_pattern: str) -> None:
        """Pages at URLs matching ``url_pattern`` (a regex) leave by themselves, e.g. the
        transfer page that submits its form on load: too brief to check, and not required
        to be. Their console is still watched."""
        self.transient.append(re.compile(url_pattern))

    def unchecked_pages(self) -> list[str]:
        """Pages the person saw that no ``check()`` looked at."""
        return [url for url in dict.fromkeys(self.seen)
                if _key(url) not in self.checked
                and not any(pattern.search(url) for pattern in self.transient)]

    def _track(self, page: Page) -> None:
        def on_navigated(frame: Frame) -> None:
            if frame is page.main_frame and frame.url.startswith("http"):
                self.seen.append(frame.url)

        page.on("framenavigated", on_navigated)


def _key(url: str) -> str:
    # A page is the document at a URL; the fragment does not make another one.
    return url.split("#", 1)[0]


def save_artifacts(context: BrowserContext, watcher: PageWatcher | None, folder: Path,
                   server_log: str = "") -> None:
    """Screenshot and HTML of every window and frame, the console and the server's log."""
    folder.mkdir(parents=True, exist_ok=True)
    for number, page in enumerate(context.pages, start=1):
        if page.is_closed():
            continue
        try:
            page.screenshot(path=folder / f"page-{number}.png", full_page=True, timeout=10_000)
        except Exception as error:  # a crashed page must not hide the test's own failure
            (folder / f"page-{number}.screenshot-error.txt").write_text(str(error))
        for index, frame in enumerate(page.frames):
            name = f"page-{number}" if index == 0 else f"page-{number}-frame-{index}"
            try:
                html = frame.content()
            except Exception as error:
                html = f"<!-- could not read {frame.url}: {error} -->"
            (folder / f"{name}.html").write_text(f"<!-- {frame.url} -->\n{html}")
    if watcher is not None:
        (folder / "console.txt").write_text("\n".join(watcher.messages) + "\n")
    if server_log:
        (folder / "server.log").write_text(server_log + "\n")


def artifact_folder(root: Path, test_name: str) -> Path:
    return root / re.sub(r"[^\w.\-\[\]]+", "_", test_name)

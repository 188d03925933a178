"""Real-browser journeys: the shop under gunicorn over https, driven in headless Chromium.

Fixtures (see docs/testing.md):

- ``certificate``: a throwaway self-signed certificate for shop.test, buyer.test,
  probe.test and 127.0.0.1 (session).
- ``shop_server``: the shop under ``gunicorn -c gunicorn.conf.py`` over https on a free port,
  on a fresh seeded SQLite file (session); ``shop_server.url`` is ``https://shop.test:<port>``,
  ``shop_server.flask("buyers", "add", ...)`` runs a CLI command against its database.
- ``buyer_site``: the buyer's site on another https origin (``https://buyer.test:<port>``),
  with an iframe page, a launch-form page and a return URL recording carts (cleared per test).
- ``browser``: Debian's Chromium launched by Playwright (session).
- ``context`` / ``page`` / ``watcher``: a fresh browser context (cookies blocked the way
  headless Chromium blocks them by default), its first page, and the collector of console
  errors and CSP violations of every page of the context.
- ``journey``: a ``Journey`` on that page (``goto()`` and ``check()`` every page).
- ``strict_journey``: the same in a browser that also refuses the shop's partitioned cookies
  inside the buyer's site, for the "continue in a new window" fallback.

Every test in this folder is marked ``browser``. Without /usr/bin/chromium they are skipped
(and fail under SHOP_TEST_NO_SKIPS=1, as in CI).
"""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.browser.buyer_site import BuyerSite
from tests.browser.checks import PageWatcher, axe_available
from tests.browser.journey import Journey, artifact_folder, save_artifacts
from tests.browser.shop_server import PROJECT_ROOT, ShopServer, free_port
from tests.browser.sites import BUYER_HOST, HOSTS, PROBE_HOST, SHOP_HOST
from tests.browser.tls import Certificate, make_certificate

BROWSER_DIR = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("SHOP_CHROMIUM", "/usr/bin/chromium"))
SKIP_REASON = "browser tests skipped: Chromium not installed (apt-get install chromium)"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"


CHROMIUM_ARGS = [
    # This machine: no sandbox (root), no GPU, no network beyond 127.0.0.1.
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # The shop and the buyer are different sites (different registrable domains), both
    # served from 127.0.0.1 with the throwaway self-signed certificate.
    "--host-resolver-rules=" + ", ".join(f"MAP {host} 127.0.0.1" for host in HOSTS[:-1]),
    "--ignore-certificate-errors",
]

# Chromium has no switch that refuses partitioned (CHIPS) cookies: they are exempt from
# third-party cookie blocking. A cookie content-setting exception does refuse them: "block
# cookies of <embedded site> when the top-level site is <buyer>" (primary and secondary
# pattern), as a user or an admin policy can set. First-party cookies of the shop, in a window
# of its own, stay allowed, which is what the "continue in a new window" fallback relies on.
STRICT_COOKIE_PREFERENCES = {
    "profile": {
        "content_settings": {
            "exceptions": {
                "cookies": {
                    f"[*.]{embedded},[*.]{BUYER_HOST}": {"setting": 2}  # 2 = block
                    for embedded in (SHOP_HOST, PROBE_HOST)
                }
            }
        }
    }
}


# ---------- marking and skipping ----------


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chromium_missing = not CHROMIUM.exists()
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)
            if chromium_missing:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if any(SKIP_REASON in str(report.longrepr) for report in skipped):
        terminalreporter.write_line(SKIP_REASON, yellow=True, bold=True)


# ---------- artifacts on failure ----------

_CONTEXTS = pytest.StashKey[list[tuple[BrowserContext, PageWatcher]]]()
_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    report = yield
    if report.failed and report.when in ("setup", "call"):
        item.stash[_FAILED] = True
        _save_item_artifacts(item)
    return report


def _save_item_artifacts(item: pytest.Item) -> None:
    contexts = item.stash.get(_CONTEXTS, [])
    if not contexts:
        return
    server = item.funcargs.get("shop_server") if hasattr(item, "funcargs") else None
    log = server.log_tail(200) if isinstance(server, ShopServer) else ""
    folder = artifact_folder(ARTIFACTS, item.name)
    for number, (context, watcher) in enumerate(contexts, start=1):
        target = folder if len(contexts) == 1 else folder / f"context-{number}"
        save_artifacts(context, watcher, target, log)


# ---------- servers ----------


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"), HOSTS)


@pytest.fixture(scope="session")
def shop_server(tmp_path_factory: pytest.TempPathFactory, certificate: Certificate
                ) -> Iterator[ShopServer]:
    server = ShopServer(tmp_path_factory.mktemp("shop"), certificate, host=SHOP_HOST)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _buyer_server(certificate: Certificate) -> Iterator[BuyerSite]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate.cert_file, certificate.key_file)
    site = BuyerSite()
    site.start("127.0.0.1", free_port(), BUYER_HOST, context)
    yield site
    site.stop()


@pytest.fixture
def buyer_site(_buyer_server: BuyerSite) -> BuyerSite:
    _buyer_server.clear()
    return _buyer_server


# ---------- the browser ----------


@pytest.fixture(scope="session")
def _axe() -> None:
    """axe-core from tests/browser/package-lock.json (``npm ci`` once when missing)."""
    if axe_available():
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("axe-core missing and npm not installed: run `npm ci` in tests/browser")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, check=True,
                   capture_output=True, timeout=300)


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


def _launch_options() -> dict[str, object]:
    return {
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        # A display is needed to watch the browser; set SHOP_BROWSER_HEADED=1 where there is one.
        "headless": not os.environ.get("SHOP_BROWSER_HEADED"),
    }


@pytest.fixture(scope="session")
def browser(_playwright: Playwright, _axe: None) -> Iterator[Browser]:
    browser = _playwright.chromium.launch(**_launch_options())  # type: ignore[arg-type]
    yield browser
    browser.close()


def _context_options(shop_server: ShopServer) -> dict[str, object]:
    return {"ignore_https_errors": True, "base_url": shop_server.url, "locale": "en-GB",
            "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def watcher() -> PageWatcher:
    return PageWatcher()


@pytest.fixture
def context(request: pytest.FixtureRequest, browser: Browser, shop_server: ShopServer,
            watcher: PageWatcher) -> Iterator[BrowserContext]:
    context = browser.new_context(**_context_options(shop_server))  # type: ignore[arg-type]
    with _managed(request, context, watcher):
        yield context


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.pages[0] if context.pages else context.new_page()


@pytest.fixture
def journey(context: BrowserContext, page: Page, watcher: PageWatcher, shop_server: ShopServer,
            request: pytest.FixtureRequest) -> Iterator[Journey]:
    journey = Journey(context, page, watcher, shop_server.url)
    yield journey
    _finish(request, journey)


@pytest.fixture
def strict_journey(request: pytest.FixtureRequest, _playwright: Playwright, _axe: None,
                   shop_server: ShopServer, tmp_path: Path) -> Iterator[Journey]:
    """A journey in a browser that refuses the shop's cookies, even partitioned, in frames
    of the buyer's site (its own persistent profile: the preference lives there)."""
    profile = tmp_path / "chromium-profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(json.dumps(STRICT_COOKIE_PREFERENCES))
    context = _playwright.chromium.launch_persistent_context(
        profile, **_launch_options(), **_context_options(shop_server))  # type: ignore[arg-type]
    watcher = PageWatcher()
    with _managed(request, context, watcher):
        page = context.pages[0] if context.pages else context.new_page()
        journey = Journey(context, page, watcher, shop_server.url)
        yield journey
        _finish(request, journey)


@contextmanager
def _managed(request: pytest.FixtureRequest, context: BrowserContext, watcher: PageWatcher
             ) -> Iterator[None]:
    """Watch a context, register it for failure artifacts, trace it on demand, close it."""
    watcher.attach(context)
    request.node.stash.setdefault(_CONTEXTS, []).append((context, watcher))
    folder = artifact_folder(ARTIFACTS, request.node.name)
    shutil.rmtree(folder, ignore_errors=True)  # only this run's failure stays
    tracing = bool(os.environ.get("SHOP_BROWSER_TRACE"))
    if tracing:
        context.tracing.start(screenshots=True, snapshots=True, sources=False)
    try:
        yield
    finally:
        if tracing:
            if request.node.stash.get(_FAILED, False):
                folder.mkdir(parents=True, exist_ok=True)
                context.tracing.stop(path=folder / "trace.zip")
            else:
                context.tracing.stop()
        context.close()


def _finish(request: pytest.FixtureRequest, journey: Journey) -> None:
    """After a passing test: nothing left in the console, every page seen was checked."""
    if request.node.stash.get(_FAILED, False):
        return
    problems = journey.watcher.take()
    unchecked = journey.unchecked_pages()
    if problems or unchecked:
        _save_item_artifacts(request.node)
        request.node.stash[_FAILED] = True
    assert not problems, "problems in the browser at the end of the journey:\n" + "\n".join(
        f"  {p}" for p in problems)
    assert not unchecked, ("pages seen but never checked (call journey.check() after each "
                           "navigation):\n" + "\n".join(f"  {url}" for url in unchecked))

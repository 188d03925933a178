"""What every page of a journey must satisfy: a clean console, no CSP violation, basic a11y.

``PageWatcher`` listens to every page of a browser context (popups and new windows included)
and collects console errors, uncaught exceptions and Content-Security-Policy violations.
``check_accessibility`` runs axe-core inside a page or frame and fails on the basics.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Frame, Page

AXE_SOURCE = Path(__file__).with_name("node_modules") / "axe-core" / "axe.min.js"

# Pages may not report CSP violations through their own scripts (the shop's CSP forbids
# inline script), so the listener comes in as a Playwright init script, which runs in every
# frame before the page's own scripts and is exempt from the page's CSP. Each violation is
# reported as a console error with a recognisable prefix.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + JSON.stringify({
    directive: event.effectiveDirective, blocked: event.blockedURI,
    source: event.sourceFile, line: event.lineNumber, sample: event.sample,
    document: event.documentURI,
  }));
});
"""

# The basics of issue 8: labels on inputs, alt text, headings, contrast (plus the few rules
# without which those are meaningless: page title, language, names of buttons, links, frames).
AXE_RULES = [
    "label", "select-name", "input-button-name", "button-name", "link-name",
    "image-alt", "input-image-alt", "svg-img-alt", "role-img-alt",
    "page-has-heading-one", "empty-heading", "heading-order",
    "color-contrast", "document-title", "html-has-lang", "frame-title",
]
# Failing impacts for every rule; the heading rules are rated only moderate or minor by axe,
# yet a page without a main heading fails the "headings" basic, so they fail at any impact.
FAILING_IMPACTS = {"serious", "critical"}
ALWAYS_FAILING = {"page-has-heading-one", "empty-heading"}


@dataclass
class Problem:
    """One thing a page did wrong, with where it happened."""

    kind: str  # "console", "pageerror" or "csp"
    text: str
    url: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.text} (at {self.url})"


@dataclass
class PageWatcher:
    """Collects console errors, page errors and CSP violations of every page of a context."""

    problems: list[Problem] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # the whole console, for artifacts
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.add_init_script(CSP_LISTENER)
        for page in context.pages:
            self.watch(page)
        context.on("page", self.watch)

    def watch(self, page: Page) -> None:
        page.on("console", lambda message: self._on_console(page, message))
        page.on("pageerror", lambda error: self._add("pageerror", str(error), page.url))

    def allow(self, pattern: str) -> None:
        """Expect problems matching ``pattern`` (a regex), e.g. a refused frame."""
        self.allowed.append(re.compile(pattern))

    def discard(self, text: str, url: str) -> None:
        """Forget the problems at ``url`` whose text contains ``text`` (an expected one)."""
        self.problems[:] = [p for p in self.problems if not (text in p.text and p.url == url)]

    def take(self) -> list[Problem]:
        """The problems seen since the last call, minus the allowed ones."""
        problems = [p for p in self.problems
                    if not any(a.search(p.text) for a in self.allowed)]
        self.problems.clear()
        return problems

    def assert_clean(self, where: str = "") -> None:
        problems = self.take()
        assert not problems, f"problems in the browser{' on ' + where if where else ''}:\n" + (
            "\n".join(f"  {p}" for p in problems))

    def _on_console(self, page: Page, message: ConsoleMessage) -> None:
        url = message.location.get("url") or page.url
        self.messages.append(f"{message.type}: {message.text} ({url})")
        if message.type == "error":
            kind = "csp" if message.text.startswith("CSP violation") else "console"
            self._add(kind, message.text, url)

    def _add(self, kind: str, text: str, url: str) -> None:
        self.problems.append(Problem(kind, text, url))


def axe_available() -> bool:
    return AXE_SOURCE.is_file()


def check_accessibility(target: Page | Frame) -> None:
    """Run axe-core's basic rules in ``target``; fail listing every failing violation."""
    # evaluate() runs through the DevTools protocol, which a page's CSP does not govern;
    # add_script_tag(content=...) would add an inline <script> the shop's CSP rightly refuses.
    if not target.evaluate("() => typeof window.axe === 'object'"):
        target.evaluate(AXE_SOURCE.read_text(encoding="utf-8"))
    result = target.evaluate(
        """(rules) => axe.run(document, {
               runOnly: {type: "rule", values: rules}, iframes: false,
               resultTypes: ["violations"],
           }).then((r) => r.violations.map((v) => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 5).map((n) => ({
                   target: n.target.join(" "), summary: n.failureSummary})),
           })))""",
        AXE_RULES,
    )
    failing = [v for v in result
               if v["impact"] in FAILING_IMPACTS or v["id"] in ALWAYS_FAILING]
    assert not failing, f"accessibility violations on {target.url}:\n" + json.dumps(
        failing, indent=2, ensure_ascii=False)

"""The journeys' own checks catch what they promise to catch.

A journey passes only if its pages have a clean console, no CSP violation and the
accessibility basics; these tests show each check failing on a page that breaks its rule
(the buyer site's ``/checks-probe``), so a green journey means something.
"""

from __future__ import annotations

import pytest

from tests.browser.checks import check_accessibility


def test_console_errors_exceptions_and_csp_violations_are_collected(journey, buyer_site):
    journey.page.goto(buyer_site.url("/checks-probe"))
    journey.page.wait_for_load_state("load")
    problems = journey.watcher.take()
    kinds = {problem.kind for problem in problems}
    assert kinds == {"console", "pageerror", "csp"}, problems
    texts = "\n".join(problem.text for problem in problems)
    assert "probe: console error" in texts
    assert "probe: exception" in texts
    assert '"directive":"script-src-elem"' in texts
    # The refused inline script really did not run.
    assert journey.page.title() != "inline script ran"
    journey.check(a11y=False)


def test_accessibility_check_fails_on_missing_labels_alt_text_and_contrast(journey,
                                                                           buyer_site):
    journey.page.goto(buyer_site.url("/checks-probe"))
    journey.watcher.take()  # the console problems are the other test's business
    with pytest.raises(AssertionError) as failure:
        check_accessibility(journey.page)
    message = str(failure.value)
    for rule in ('"label"', '"image-alt"', '"color-contrast"'):
        assert rule in message
    journey.check(a11y=False)


def test_accessibility_check_fails_on_a_page_without_a_main_heading(journey):
    journey.page.set_content('<html lang="en"><title>No heading</title><p>Text only</p></html>')
    with pytest.raises(AssertionError, match="page-has-heading-one"):
        check_accessibility(journey.page)


def test_a_page_seen_but_not_checked_is_reported(journey, buyer_site):
    journey.page.goto(buyer_site.url("/"))
    assert journey.unchecked_pages() == [buyer_site.url("/")]
    journey.check()
    assert journey.unchecked_pages() == []

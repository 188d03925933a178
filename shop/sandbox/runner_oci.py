"""The OCI part of a journey: the SAP entry call, shopping, and the NEW_ITEM cart back.

What follows (the purchase order) is the same as for cXML: SAP systems connected through a
procurement network send a cXML OrderRequest built from the shopping-cart lines.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from shop.oci import FormError, parse_oci_form
from shop.sandbox import shopping
from shop.sandbox.documents import lines_from_oci
from shop.sandbox.http import new_browser
from shop.sandbox.lint_oci import lint_oci_fields
from shop.sandbox.report import StepFailed
from shop.sandbox.runner import Journey, _frame_check, _shop

OK_CODE, TARGET, CALLER = "ADDI", "_top", "CTLG"


def entry_fields(journey: Journey) -> list[tuple[str, str]]:
    """The parameters of the OCI call, spelled as the profile spells them."""
    profile, credentials = journey.profile, journey.credentials
    assert credentials is not None
    names = profile.oci_names
    return [(names.hook_url, journey.target.return_url), (names.ok_code, OK_CODE),
            (names.target, TARGET), (names.caller, CALLER), (names.version, profile.oci_version),
            (names.username, profile.oci_username), (names.password, credentials.oci_password),
            *profile.oci_extra]


def oci_journey(journey: Journey) -> None:
    """Entry, shopping, transfer and the check of the returned fields."""
    browser = new_browser()
    journey.browser = browser
    profile = journey.profile
    fields = entry_fields(journey)
    with journey.report.step("entry") as done:
        if profile.oci_method == "GET":
            visit = shopping.browse(browser, "GET", journey.target.oci_url, params=fields)
        else:
            visit = shopping.browse(browser, "POST", journey.target.oci_url, data=fields)
        names = ", ".join(name for name, _ in fields[:4])
        done(f"{profile.oci_method} with {len(fields)} parameters ({names}, …); "
             f"landed on {urlsplit(visit.answer.url).path}; {_frame_check(journey, visit)}")
    visit = _shop(journey, "", browser, visit, "create", ())
    with journey.report.step("return form") as done:
        form = shopping.return_form(visit, journey.target.return_url)
        if form.method != "post":
            raise StepFailed(f"the cart form uses {form.method.upper()}; OCI posts it")
        if (form.target or "_self") != TARGET:
            raise StepFailed(f"the cart form targets {form.target or '_self'}, not {TARGET}")
        count = sum(name.upper().startswith("NEW_ITEM-") for name, _ in form.fields)
        done(f"{count} NEW_ITEM fields posted to the hook URL, target {form.target}")
    _check_fields(journey, form.fields)


def _check_fields(journey: Journey, pairs: list[tuple[str, str]]) -> None:
    names = journey.profile.oci_names
    sent = {names.ok_code: OK_CODE, names.target: TARGET, names.caller: CALLER}
    with journey.report.step("lint") as done:
        result = lint_oci_fields(pairs, sent=sent, version=journey.profile.oci_version)
        problems = [str(finding) for finding in result.findings]
        try:
            journey.requisition = lines_from_oci(parse_oci_form(pairs))
        except FormError as error:
            problems.append(f"error: the OCI reader refuses the cart: {error}")
            journey.requisition = []
        if not journey.requisition and not any(p.startswith("error") for p in problems):
            problems.append("error: the cart came back empty")
        summary = (f"{result.lines} line(s), total {result.total} "
                   f"{'/'.join(result.currencies)}; "
                   f"{sum(p.startswith('error') for p in problems)} error(s), "
                   f"{sum(p.startswith('warning') for p in problems)} warning(s)")
        detail = "\n".join([summary, *problems])
        if any(p.startswith("error") for p in problems):
            raise StepFailed(detail)
        done(detail)

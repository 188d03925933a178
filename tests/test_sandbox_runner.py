"""The runner plays each buyer profile's whole journey against the real shop, over HTTP."""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from shop.extensions import db
from shop.orders.models import Order, OrderSource
from shop.punchout.models import BuyerConnection, MessageLog
from shop.sandbox.connect import connect_profile
from shop.sandbox.profiles import PROFILES, get_profile
from shop.sandbox.runner import Target, run_journey
from tests.sandbox_support import live_shop_fixture  # noqa: F401

pytestmark = pytest.mark.slow

CXML_PROFILES = [key for key, profile in PROFILES.items() if not profile.is_oci]


def _run(live_shop, key, dtd_dir=None, **options):
    """A journey against the live shop; the DTD checks are skipped unless ``dtd_dir``."""
    profile = get_profile(key)
    target = Target.for_shop(live_shop.url, dtd_dir=dtd_dir)
    return run_journey(profile, target, lambda: connect_profile(profile, target.return_url),
                       **options)


def _assert_passed(report):
    assert report.passed, report.to_text()


@pytest.mark.shared
@pytest.mark.parametrize("key", CXML_PROFILES)
def test_each_cxml_profile_passes_against_the_shop(live_shop, key, dtd_dir):
    report = _run(live_shop, key, dtd_dir, lines=2)
    _assert_passed(report)
    names = [step.name for step in report.steps]
    assert names[:2] == ["connection", "profile" if key == "ariba" else "setup"]
    for name in ("setup", "start", "add products", "transfer", "return form", "lint", "dtd",
                 "order"):
        assert name in names
    # The journey really happened in the shop: a PO-sourced order with both lines.
    order = db.session.scalar(select(Order).where(Order.source == OrderSource.PURCHASE_ORDER))
    assert order is not None and len(order.lines) == 2
    assert "Status 200" in report.step_named("order").detail


@pytest.mark.parametrize("key", [key for key, profile in PROFILES.items() if profile.is_oci])
def test_each_oci_profile_passes_against_the_shop(live_shop, key):
    report = _run(live_shop, key, lines=2)
    if "punchout_oci.open_catalog" not in live_shop.app.view_functions:
        # Built without the OCI entry: the runner says so at the entry step.
        entry = report.step_named("entry")
        assert not entry.passed and "HTTP 404" in entry.detail
        return
    _assert_passed(report)
    assert [step.name for step in report.steps] == [
        "connection", "entry", "add products", "transfer", "return form", "lint", "order"]
    order = db.session.scalar(select(Order).where(Order.source == OrderSource.PURCHASE_ORDER))
    assert order is not None and len(order.lines) == 2
    assert "created" in report.step_named("order").detail
    presentation = get_profile(key).presentation
    expected = "frame-ancestors allows" if presentation == "iframe" else presentation
    assert expected in report.step_named("entry").detail


def test_profile_settings_reach_the_shop(live_shop):
    report = _run(live_shop, "coupa", lines=1)
    _assert_passed(report)
    connection = db.session.scalar(select(BuyerConnection).filter_by(name="Sandbox Coupa"))
    assert connection.cxml_version == "1.2.014"
    assert connection.return_url_prefixes == [live_shop.url + "/sandbox/receive/"]
    assert connection.frame_ancestors == [live_shop.url]
    assert connection.document_url == live_shop.url + "/sandbox/inbox/coupa"
    setup = db.session.scalar(select(MessageLog).filter_by(document_type="PunchOutSetupRequest"))
    for marker in ('domain="DUNS"', 'name="BusinessUnit"', 'role="endUser"', "1.2.014/cXML.dtd",
                   'name="FirstName"', 'name="LastName"', 'name="UniqueName"', 'name="User"'):
        assert marker in setup.body
    assert "frame-ancestors allows" in report.step_named("start").detail


def test_ariba_edit_rebuilds_the_cart_and_orders_the_edited_lines(live_shop):
    report = _run(live_shop, "ariba", operation="edit", lines=2)
    _assert_passed(report)
    assert "cart shows the 2 line(s) sent" in report.step_named("edit: start").detail
    assert "3 line(s)" in report.step_named("edit: lint").detail
    assert "3 line(s)" in report.step_named("order").detail
    assert "cxml-base64" in report.step_named("return form").detail


def test_ariba_inspect_is_read_only(live_shop):
    report = _run(live_shop, "ariba", operation="inspect", lines=1)
    _assert_passed(report)
    assert "no transfer or add-to-cart forms" in report.step_named("inspect: read-only").detail


def test_level_two_punchout_opens_the_chosen_product(live_shop):
    report = _run(live_shop, "oracle", lines=1, item="OFF-10031")
    _assert_passed(report)
    assert "landed on /products/OFF-10031" in report.step_named("start").detail
    assert "OFF-10031 x1" in report.step_named("add products").detail


def test_an_operation_the_profile_does_not_use_is_refused(live_shop):
    with pytest.raises(ValueError, match="does not use operation 'inspect'"):
        _run(live_shop, "oracle", operation="inspect")


@pytest.mark.shared
@pytest.mark.usefixtures("dtd_dir")  # the command validates against the app's CXML_DTD_DIR
def test_cli_prints_json_and_exits_zero(live_shop, runner):
    result = runner.invoke(args=["sandbox", "run", "--profile", "oracle", "--shop-url",
                                 live_shop.url, "--lines", "1", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["profile"] == "oracle" and report["shop_url"] == live_shop.url
    assert report["passed"] is True
    assert {"name", "passed", "detail", "ms"} <= set(report["steps"][0])
    assert all(step["passed"] for step in report["steps"])


def test_cli_text_report_and_exit_code_one_when_the_shop_is_down(runner):
    result = runner.invoke(args=["sandbox", "run", "--profile", "oracle", "--shop-url",
                                 "http://127.0.0.1:9", "--lines", "1"])
    assert result.exit_code == 1
    assert "FAIL  setup" in result.output and "cannot connect" in result.output
    assert result.output.rstrip().endswith("Result: FAILED (1 of 2 steps)")


def test_cli_on_a_database_never_migrated_says_what_to_do(make_app, tmp_path):
    # No `app` fixture: its open app context would be the one the command runs in.
    empty = make_app({"TESTING": True, "SECRET_KEY": "test-secret",
                      "INBOUND_SECRET_PEPPER": "test-pepper",
                      "SHOP_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.db'}"})
    result = empty.test_cli_runner().invoke(args=[
        "sandbox", "run", "--profile", "coupa", "--shop-url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "FAIL  connection" in result.output
    assert "no such table" in result.output
    assert "run `flask --app shop db upgrade` first, or pass --secret" in result.output
    assert "Traceback" not in result.output


def test_cli_connect_creates_then_updates(runner):
    first = runner.invoke(args=["sandbox", "connect", "--profile", "ariba",
                                "--shop-url", "http://127.0.0.1:5000"])
    assert first.exit_code == 0, first.output
    assert "Created buyer connection 'Sandbox Ariba'" in first.output
    again = runner.invoke(args=["sandbox", "connect", "--profile", "ariba",
                                "--shop-url", "http://localhost:5000"])
    assert "Updated buyer connection 'Sandbox Ariba'" in again.output
    connection = db.session.scalar(select(BuyerConnection).filter_by(name="Sandbox Ariba"))
    assert connection.return_url_prefixes == ["http://127.0.0.1:5000/sandbox/receive/",
                                              "http://localhost:5000/sandbox/receive/"]
    assert sorted(str(i) for i in connection.buyer_identities) == [
        "NetworkID:AN01000000001", "NetworkID:AN01000012345-T", "SystemID:ACME-S4-PRD"]

"""``flask --app shop cxml validate|show`` on the shared real documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskCliRunner

from shop.cxml import build_order_message
from shop.cxml.cli import make_cli
from tests import cxml_data as data
from tests.conftest import dtd_path, shared_path

pytestmark = pytest.mark.shared


def sample(*parts: str) -> str:
    return str(shared_path("cxml", "samples", *parts))


VALID_ORDER = ("order_request", "officeluv__cxml__order_request.xml")
VALID_SETUP = ("setup_request", "FriendsOfCXML__cxml-php__PunchOutSetupRequest.xml")
LOWERCASE_ROOT = ("order_message", "officeluv__cxml__punch_out_order_message_doc.xml")


def test_validate_valid_files_exits_0(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["cxml", "validate", sample(*VALID_ORDER), sample(*VALID_SETUP)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("valid against 1.2.014/cXML.dtd")
    assert "valid against 1.2.050/cXML.dtd" in lines[1]


def test_validate_says_why_each_file_fails(runner: FlaskCliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_bytes(b"<cXML><Header></cXML>")
    missing = tmp_path / "missing.xml"
    result = runner.invoke(
        args=["cxml", "validate", sample(*VALID_ORDER), sample(*LOWERCASE_ROOT), str(broken),
              str(missing)]
    )
    assert result.exit_code == 1
    valid, lowercase, malformed, absent = result.output.splitlines()
    assert valid.endswith("valid against 1.2.014/cXML.dtd")
    assert "INVALID" in lowercase and "No declaration for element cxml" in lowercase
    assert malformed == (f"{broken}: the document is not well-formed XML: "
                         "an end tag does not match its start tag")
    assert absent.startswith(f"{missing}: cannot read")


def test_validate_notes_a_dtd_version_fallback(runner: FlaskCliRunner) -> None:
    poom = sample("order_message", "FriendsOfCXML__cxml-php__poom.xml")
    result = runner.invoke(args=["cxml", "validate", poom])
    assert result.exit_code == 0
    assert "1.2.054 is not available locally; validated against version 1.2.053" in result.output


def test_validate_every_shared_sample_gives_one_line_each(runner: FlaskCliRunner) -> None:
    files = sorted(str(p) for p in shared_path("cxml", "samples").glob("*/*.xml"))
    result = runner.invoke(args=["cxml", "validate", *files])
    lines = result.output.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == files
    assert result.exit_code == 1  # some real documents are invalid on purpose


def test_dtd_dir_option_and_environment(tmp_path: Path) -> None:
    cli = make_cli()
    empty = tmp_path / "no-dtds"
    empty.mkdir()
    runner = CliRunner()
    by_option = runner.invoke(cli, ["validate", "--dtd-dir", str(empty), sample(*VALID_ORDER)])
    assert by_option.exit_code == 1
    assert "no local copy of cXML.dtd" in by_option.output
    dtds = str(dtd_path())
    by_env = runner.invoke(cli, ["validate", sample(*VALID_ORDER)], env={"CXML_DTD_DIR": dtds})
    assert by_env.exit_code == 0, by_env.output


def test_show_order_request(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["cxml", "show", sample(*VALID_ORDER)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Type:      OrderRequest (Request, production)" in out
    assert "Sender:    NetworkID:DAN_Coupa" in out
    assert "Order: 3309 (new)" in out
    assert "Lines: 2" in out
    assert "2: 9 EA x product:4884 @ 9.29 USD  Zingerman's Cheese Spreads Pimento Cheese" in out
    assert "Total: 91.71 USD" in out


def test_show_setup_request_and_order_message(runner: FlaskCliRunner, tmp_path: Path) -> None:
    setup = runner.invoke(args=["cxml", "show", sample(*VALID_SETUP)])
    assert "BuyerCookie: 550bce3e592023b2e7b015307f965133" in setup.output
    assert "Extrinsic: UserEmail = john-doe@domain.com" in setup.output
    poom = tmp_path / "poom.xml"
    poom.write_bytes(build_order_message(data.order_message(2), header=data.header(),
                                         host=data.HOST))
    shown = runner.invoke(args=["cxml", "show", str(poom)])
    assert shown.exit_code == 0
    assert "Lines: 2" in shown.output and "Total: 500.00 EUR" in shown.output
    assert "Tax: 47.50 EUR" in shown.output


def test_show_refuses_a_broken_document_with_the_reason(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["cxml", "show", sample(*LOWERCASE_ROOT)])
    assert result.exit_code == 1
    assert "the root element must be <cXML>, not <cxml>" in result.output

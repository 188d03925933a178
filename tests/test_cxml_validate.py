"""DTD validation against local files: the DTD the DOCTYPE names, fallbacks said out loud."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shop.cxml import build_order_message, build_status_response, find_dtd, validate_cxml
from shop.cxml.build_fulfill import build_ship_notice
from tests import cxml_data as data

pytestmark = pytest.mark.shared


@pytest.fixture
def two_versions(tmp_path: Path, dtd_dir: Path) -> Path:
    """A DTD folder with only cXML.dtd 1.2.014 and 1.2.050, plus a stray folder."""
    for version in ("1.2.014", "1.2.050"):
        (tmp_path / version).mkdir()
        shutil.copy(dtd_dir / version / "cXML.dtd", tmp_path / version / "cXML.dtd")
    (tmp_path / "notes").mkdir()
    return tmp_path


def poom(version: str = "1.2.063") -> bytes:
    return build_order_message(data.order_message(1), header=data.header(), host=data.HOST,
                               version=version)


def test_exact_version(dtd_dir: Path) -> None:
    result = validate_cxml(poom("1.2.050"), dtd_dir)
    assert result.valid and result.errors == ()
    assert result.dtd_path == dtd_dir / "1.2.050" / "cXML.dtd" and result.note == ""


def test_falls_back_to_the_newest_older_version(two_versions: Path) -> None:
    result = validate_cxml(poom("1.2.063"), two_versions)
    assert result.valid
    assert result.dtd_path == two_versions / "1.2.050" / "cXML.dtd"
    assert result.note == ("cXML.dtd 1.2.063 is not available locally; "
                           "validated against version 1.2.050.")


def test_falls_forward_when_nothing_older_exists(two_versions: Path) -> None:
    assert find_dtd(two_versions, "1.2.011", "cXML.dtd") == (
        two_versions / "1.2.014" / "cXML.dtd", "1.2.014")
    assert find_dtd(two_versions, "1.2.020", "cXML.dtd") == (
        two_versions / "1.2.014" / "cXML.dtd", "1.2.014")
    assert find_dtd(two_versions, "1.2.063", "Fulfill.dtd") is None


def test_missing_dtd_is_reported_not_guessed(two_versions: Path) -> None:
    notice = build_ship_notice(data.ship_notice(), header=data.header(), host=data.HOST)
    result = validate_cxml(notice, two_versions)
    assert not result.valid and result.dtd_path is None
    assert "no local copy of Fulfill.dtd" in result.errors[0]
    missing = validate_cxml(poom(), two_versions / "nowhere")
    assert not missing.valid and "make dtds" in missing.errors[0]


def test_no_doctype_uses_the_default_version_and_the_file_for_the_content(dtd_dir: Path) -> None:
    body = poom().split(b"\n", 2)[2]  # drop the XML declaration and the DOCTYPE
    result = validate_cxml(body, dtd_dir)
    assert result.valid and result.dtd_path == dtd_dir / "1.2.063" / "cXML.dtd"
    assert result.note == "No DOCTYPE: validated as cXML.dtd."
    notice = build_ship_notice(data.ship_notice(), header=data.header(), host=data.HOST)
    result = validate_cxml(notice.split(b"\n", 2)[2], dtd_dir)
    assert result.valid and result.dtd_path == dtd_dir / "1.2.063" / "Fulfill.dtd"


def test_invalid_documents_say_why(dtd_dir: Path) -> None:
    body = poom().replace(b"<UnitOfMeasure>EA</UnitOfMeasure>", b"")
    result = validate_cxml(body, dtd_dir)
    assert not result.valid
    assert any("ItemDetail content does not follow the DTD" in e for e in result.errors)
    assert result.errors[0].startswith("line ")


def test_unofficial_dtd_name_is_validated_as_core(dtd_dir: Path) -> None:
    body = build_status_response(200, "OK", host=data.HOST).replace(b"cXML.dtd", b"Custom.dtd")
    result = validate_cxml(body, dtd_dir)
    assert result.valid
    assert "Custom.dtd is not an official cXML DTD: validated as cXML.dtd." in result.note


def test_hostile_documents_are_refused_before_validation(dtd_dir: Path) -> None:
    result = validate_cxml(b'<!DOCTYPE cXML [<!ENTITY x SYSTEM "file:///etc/passwd">]><cXML>&x;'
                           b"</cXML>", dtd_dir)
    assert not result.valid and result.dtd_path is None
    assert result.errors == ("a DOCTYPE that declares entities or elements is not allowed",)


def test_many_validations_reuse_the_cached_dtd(dtd_dir: Path) -> None:
    body = poom()
    results = {validate_cxml(body, dtd_dir).valid for _ in range(50)}
    assert results == {True}

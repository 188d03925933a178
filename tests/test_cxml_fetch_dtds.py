"""``make dtds`` (shop.cxml.fetch_dtds) without the network: what it writes, and what it says
when xml.cxml.org cannot be reached."""

from __future__ import annotations

import io
import urllib.error
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from shop.cxml import fetch_dtds

DTD = b'<!ELEMENT cXML (Header?, (Message | Request | Response))>\n'


def _server(files: dict[str, bytes]) -> Any:
    """A stand-in for urlopen that serves ``files`` by URL and answers 404 to the rest."""
    def urlopen(url: str, timeout: float) -> io.BytesIO:
        if url not in files:
            raise urllib.error.HTTPError(url, 404, "Not Found", Message(), None)
        return io.BytesIO(files[url])
    return urlopen


def test_writes_version_folders_and_skips_files_never_published(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{fetch_dtds.BASE_URL}/1.2.063/cXML.dtd"
    monkeypatch.setattr(fetch_dtds.urllib.request, "urlopen", _server({url: DTD}))
    assert fetch_dtds.main([str(tmp_path), "--version", "1.2.063"]) == 0
    assert (tmp_path / "1.2.063" / "cXML.dtd").read_bytes() == DTD
    out = capsys.readouterr().out
    assert "skip   1.2.063/Fulfill.dtd (not published)" in out
    assert out.rstrip().endswith(f"1 DTD file(s) in {tmp_path}")


def test_without_internet_it_names_the_url_and_what_to_do_instead(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def offline(url: str, timeout: float) -> io.BytesIO:
        raise urllib.error.URLError(OSError(-2, "Name or service not known"))

    monkeypatch.setattr(fetch_dtds.urllib.request, "urlopen", offline)
    assert fetch_dtds.main([str(tmp_path / "dtd"), "--version", "1.2.063"]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"error: cannot download {fetch_dtds.BASE_URL}/1.2.063/cXML.dtd: ")
    assert "Name or service not known" in error
    assert f"copy the folder here as {tmp_path / 'dtd'}" in error
    assert "CXML_DTD_DIR" in error
    assert not (tmp_path / "dtd").exists()


def test_a_page_that_is_not_a_dtd_is_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{fetch_dtds.BASE_URL}/1.2.063/cXML.dtd"
    portal = b"<html>Please log in to the hotel Wi-Fi</html>"
    monkeypatch.setattr(fetch_dtds.urllib.request, "urlopen", _server({url: portal}))
    assert fetch_dtds.main([str(tmp_path), "--version", "1.2.063"]) == 1
    assert f"error: {url} does not look like a DTD" in capsys.readouterr().err

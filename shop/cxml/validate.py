"""Validation against local copies of the official cXML DTDs (never fetched at run time).

The DTD folder holds ``<version>/<file>.dtd`` (e.g. ``1.2.063/cXML.dtd``), as ``make dtds``
writes it. A document is validated against the DTD file and version its DOCTYPE names; when
that exact version is not there, against the newest older version of the same file (or the
oldest newer one), and the result's ``note`` says so. The document itself goes through the
hardened parser first, so validation never reads anything a document points at.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from shop.cxml.build import DEFAULT_VERSION
from shop.cxml.errors import CXMLError
from shop.cxml.parse import DEFAULT_MAX_BYTES, doctype_dtd, parse_xml

KNOWN_DTD_FILES = ("cXML.dtd", "Fulfill.dtd", "InvoiceDetail.dtd", "Quote.dtd")
# Requests that only the Fulfill and InvoiceDetail DTDs declare.
_DTD_FILE_OF = {
    "ConfirmationRequest": "Fulfill.dtd",
    "ShipNoticeRequest": "Fulfill.dtd",
    "InvoiceDetailRequest": "InvoiceDetail.dtd",
}
_MAX_ERRORS = 20


@dataclass(frozen=True, slots=True)
class ValidationResult:
    """Whether a document is valid, why not, against which DTD file, and any caveat."""

    valid: bool
    errors: tuple[str, ...]
    dtd_path: Path | None
    note: str = ""


def validate_cxml(
    body: bytes, dtd_dir: Path | str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> ValidationResult:
    """Validate a document against the local DTD its DOCTYPE names."""
    try:
        root = parse_xml(body, max_bytes=max_bytes)
    except CXMLError as exc:
        return ValidationResult(False, (str(exc),), None)
    return validate_root(root, Path(dtd_dir))


def validate_root(root: Any, dtd_dir: Path) -> ValidationResult:
    """Validate an already (safely) parsed document."""
    wanted_version, wanted_file, notes = _wanted_dtd(root)
    found = find_dtd(dtd_dir, wanted_version, wanted_file)
    if found is None:
        return ValidationResult(
            False,
            (f"no local copy of {wanted_file} in {dtd_dir} (run `make dtds` or set CXML_DTD_DIR)",),
            None,
            " ".join(notes),
        )
    path, version = found
    if version != wanted_version:
        notes.append(f"{wanted_file} {wanted_version} is not available locally; "
                     f"validated against version {version}.")
    dtd, lock = _load_dtd(str(path))
    with lock:  # one validation at a time per DTD object: lxml does not promise more
        valid = dtd.validate(root)
        errors = tuple(
            f"line {entry.line}: {entry.message}" for entry in list(dtd.error_log)[:_MAX_ERRORS]
        )
    return ValidationResult(valid, () if valid else errors, path, " ".join(notes))


def _wanted_dtd(root: Any) -> tuple[str, str, list[str]]:
    """The (version, file) a document asks for, with notes on what had to be assumed."""
    docinfo = root.getroottree().docinfo
    version, dtd_file = doctype_dtd(docinfo.system_url if docinfo.doctype else None)
    notes = []
    by_content = _DTD_FILE_OF.get(_content_kind(root), "cXML.dtd")
    if dtd_file is None:
        dtd_file = by_content
        notes.append(f"No DOCTYPE: validated as {dtd_file}.")
    else:
        canonical = {name.lower(): name for name in KNOWN_DTD_FILES}.get(dtd_file.lower())
        if canonical is None:
            notes.append(f"{dtd_file} is not an official cXML DTD: validated as {by_content}.")
            canonical = by_content
        dtd_file = canonical
    if version is None:
        version = DEFAULT_VERSION
        if docinfo.doctype:
            notes.append(f"The DOCTYPE names no version: validated as {version}.")
    return version, dtd_file, notes


def _content_kind(root: Any) -> str:
    for body in root:
        if body.tag in ("Request", "Message", "Response"):
            content = next(iter(body), None)
            return content.tag if content is not None and isinstance(content.tag, str) else ""
    return ""


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def find_dtd(dtd_dir: Path, version: str, dtd_file: str) -> tuple[Path, str] | None:
    """The local DTD file for a version: exact, else newest older, else oldest newer."""
    exact = dtd_dir / version / dtd_file
    if exact.is_file():
        return exact, version
    available = []
    if dtd_dir.is_dir():
        for folder in dtd_dir.iterdir():
            try:
                key = _version_key(folder.name)
            except ValueError:
                continue
            if (folder / dtd_file).is_file():
                available.append((key, folder.name))
    if not available:
        return None
    wanted = _version_key(version)
    older = [entry for entry in available if entry[0] < wanted]
    key, name = max(older) if older else min(available)
    return dtd_dir / name / dtd_file, name


def has_dtds(dtd_dir: Path) -> bool:
    """Whether a folder holds the official DTDs: a ``<version>/cXML.dtd`` of any version."""
    return find_dtd(dtd_dir, DEFAULT_VERSION, "cXML.dtd") is not None


@lru_cache(maxsize=32)
def _load_dtd(path: str) -> tuple[Any, threading.Lock]:
    """A parsed DTD (cached: the large cXML DTDs take a moment to load) and its lock."""
    with open(path, "rb") as handle:
        return etree.DTD(handle), threading.Lock()

"""Download the official cXML DTDs into a folder, as ``<version>/<file>.dtd``.

    python -m shop.cxml.fetch_dtds instance/dtd            # what `make dtds` runs
    python -m shop.cxml.fetch_dtds DEST --version 1.2.063 --version 1.2.014

Run by hand (it needs internet access): never by the tests, never while the shop runs. Not
every file exists for every version (Fulfill.dtd and InvoiceDetail.dtd came later); those
are skipped. Each file's SHA-256 is printed so that it can be compared with a trusted copy.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

BASE_URL = "http://xml.cxml.org/schemas/cXML"
VERSIONS = (
    "1.2.011", "1.2.014", "1.2.020", "1.2.021", "1.2.025", "1.2.032", "1.2.037", "1.2.040",
    "1.2.045", "1.2.050", "1.2.053", "1.2.056", "1.2.060", "1.2.063",
)
FILES = ("cXML.dtd", "Fulfill.dtd", "InvoiceDetail.dtd")
MAX_DTD_BYTES = 5 * 1024 * 1024  # the largest official DTDs are well under 1 MB
TIMEOUT = 30
# What to do when this machine cannot download them.
INSTEAD = (
    "Without access to xml.cxml.org, fetch the DTDs on a machine that has it (`make dtds`, or\n"
    "`python -m shop.cxml.fetch_dtds DEST`) and copy the folder here as {dest}, or point\n"
    "CXML_DTD_DIR at any folder laid out as <version>/<file>.dtd (e.g. 1.2.063/cXML.dtd)."
)


class DownloadFailed(Exception):
    """A DTD could not be downloaded; the message names the URL and the reason."""


def fetch(url: str) -> bytes | None:
    """The file at ``url``, or None when the server has no such file."""
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (fixed host)
            body: bytes = response.read(MAX_DTD_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise DownloadFailed(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except OSError as exc:  # URLError (no DNS, refused, TLS) and timeouts
        raise DownloadFailed(f"cannot download {url}: {getattr(exc, 'reason', exc)}") from None
    if len(body) > MAX_DTD_BYTES:
        raise DownloadFailed(f"{url} is larger than {MAX_DTD_BYTES} bytes")
    if b"<!ELEMENT" not in body:
        raise DownloadFailed(f"{url} does not look like a DTD")
    return body


def download(dest: Path, versions: Sequence[str], files: Sequence[str] = FILES) -> int:
    """Download every (version, file) pair that exists; returns how many were written."""
    written = 0
    for version in versions:
        for name in files:
            url = f"{BASE_URL}/{version}/{name}"
            body = fetch(url)
            if body is None:
                print(f"skip   {version}/{name} (not published)")
                continue
            target = dest / version / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            written += 1
            print(f"saved  {version}/{name}  sha256={hashlib.sha256(body).hexdigest()}")
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Download the official cXML DTDs.")
    parser.add_argument("dest", type=Path, help="folder to write <version>/<file>.dtd into")
    parser.add_argument("--version", action="append", dest="versions",
                        help=f"a cXML version (repeatable; default: {', '.join(VERSIONS)})")
    args = parser.parse_args(argv)
    try:
        written = download(args.dest, args.versions or VERSIONS)
    except DownloadFailed as exc:
        print(f"error: {exc}\n{INSTEAD.format(dest=args.dest)}", file=sys.stderr)
        return 1
    except OSError as exc:  # the destination cannot be written
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{written} DTD file(s) in {args.dest}")
    return 0 if written else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Coverage-guided fuzzing of the cXML reader with atheris (libFuzzer), bounded in time.

Any input must either read or raise ``CXMLError`` from the reader itself; anything else (an
other exception, the reader's safety net, a hang) is reported by libFuzzer as a crash, with
the input saved as ``crash-<sha1>`` in the current folder. Run::

    .venv/bin/pip install atheris==3.0.0   # optional tool, not in requirements-dev.txt
    .venv/bin/python bench/fuzz_cxml.py                 # 60 seconds
    .venv/bin/python bench/fuzz_cxml.py -max_total_time=600 -timeout=5

The corpus starts from the cXML samples in ../shared (when present) and the documents the
toolkit builds itself; it lives in a temporary folder, so nothing is written next to them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

try:
    import atheris
except ImportError:
    sys.exit("atheris is not installed: .venv/bin/pip install atheris==3.0.0")

with atheris.instrument_imports(include=["shop.cxml"]):
    from shop.cxml import CXMLError, read_cxml

SAFETY_NET = "the document could not be read"  # read_cxml's net for unexpected exceptions


def one_input(data: bytes) -> None:
    try:
        read_cxml(data)
    except CXMLError as error:
        if error.message == SAFETY_NET:
            message = f"reader bug caught by the safety net: {error.internal}"
            raise AssertionError(message) from error


def seed_corpus(folder: Path) -> None:
    """Real documents from ../shared (or SHOP_SHARED_DIR), and documents built by the toolkit."""
    shared = Path(os.environ.get("SHOP_SHARED_DIR") or ROOT.parent / "shared")
    samples = shared / "cxml" / "samples"
    for number, path in enumerate(sorted(samples.rglob("*.xml")) if samples.exists() else []):
        shutil.copy(path, folder / f"sample-{number}.xml")
    from cxml_data import header, order_request  # tests/cxml_data.py

    from shop.cxml import build_order_request

    body = build_order_request(order_request(3), header=header(), host="buyer.example")
    (folder / "built-order.xml").write_bytes(body)


def main() -> None:
    arguments = sys.argv[1:]
    if not any(argument.startswith("-max_total_time") for argument in arguments):
        arguments.append("-max_total_time=60")  # bounded by default
    if not any(argument.startswith("-timeout") for argument in arguments):
        arguments.append("-timeout=10")  # one input taking longer is a hang
    with tempfile.TemporaryDirectory(prefix="fuzz-cxml-") as corpus:
        seed_corpus(Path(corpus))
        atheris.Setup([sys.argv[0], *arguments, corpus], one_input)
        atheris.Fuzz()


if __name__ == "__main__":
    main()

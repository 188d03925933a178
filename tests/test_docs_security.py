"""docs/security.md names, for every threat, the tests that cover it: those tests exist.

A renamed or deleted test would otherwise leave a threat row pointing at nothing. A
reference is ``file.py::test_name``; a following ``::test_name`` in the same row means the
same file.
"""

from __future__ import annotations

import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"`(?:(?P<file>[\w/]*test_\w+\.py))?::(?P<test>test_\w+)")


def cited_tests() -> list[tuple[str, str]]:
    """(test file, test name) for every test docs/security.md cites, row by row."""
    cited = []
    for row in (PROJECT_ROOT / "docs" / "security.md").read_text().splitlines():
        current = None
        for match in REFERENCE.finditer(row):
            current = match.group("file") or current
            assert current is not None, f"'::{match.group('test')}' names no file: {row[:80]}"
            cited.append((current, match.group("test")))
    return cited


def defined_tests(file_name: str) -> set[str]:
    found = [path for path in (PROJECT_ROOT / "tests").rglob(Path(file_name).name)]
    assert found, f"docs/security.md cites {file_name}, which is not in tests/"
    return set(re.findall(r"^def (test_\w+)\(", found[0].read_text(), re.MULTILINE))


def test_every_test_the_threat_model_cites_exists():
    cited = cited_tests()
    assert len(cited) > 100  # the table's references were all found
    missing = sorted({f"{file}::{name}" for file, name in cited
                      if name not in defined_tests(file)})
    assert missing == []

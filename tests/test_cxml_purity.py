"""House rules 1 and 6: the cXML layer is pure, and untrusted XML has one door."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

SHOP = Path(__file__).resolve().parent.parent / "shop"
CXML = SHOP / "cxml"
ALLOWED_THIRD_PARTY = {"lxml"}
ALLOWED_ONLY_IN = {"click": {"cli.py"}}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("shop.cxml." + (node.module or ""))  # relative: inside the package
    return names


@pytest.mark.parametrize("path", sorted(CXML.glob("*.py")), ids=lambda p: p.name)
def test_cxml_imports_only_stdlib_lxml_and_itself(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        if name == "shop.cxml" or name.startswith("shop.cxml."):
            continue
        if top in sys.stdlib_module_names or top in ALLOWED_THIRD_PARTY:
            continue
        if path.name in ALLOWED_ONLY_IN.get(top, set()):
            continue
        pytest.fail(f"shop/cxml/{path.name} imports {name}: the cXML layer must stay pure")


def test_purity_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "bad.py"
    sample.write_text("from flask import g\nimport sqlalchemy as sa\nfrom shop.models import X\n")
    assert imported_modules(sample) == {"flask", "sqlalchemy", "shop.models"}


# Parsing untrusted XML anywhere but shop/cxml/parse.py, or switching a safety setting off.
UNSAFE = re.compile(
    r"etree\.(fromstring|parse|XML|iterparse)\(|XMLParser\(|huge_tree\s*=\s*True|"
    r"collect_ids\s*=\s*False|resolve_entities\s*=\s*True|no_network\s*=\s*False"
)


def test_untrusted_xml_goes_through_one_door() -> None:
    offenders = []
    for path in sorted(SHOP.rglob("*.py")):
        if path == CXML / "parse.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if UNSAFE.search(line):
                offenders.append(f"{path.relative_to(SHOP.parent)}:{number}: {line.strip()}")
    assert not offenders, "use shop.cxml.parse_xml instead:\n" + "\n".join(offenders)

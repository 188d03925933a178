"""The OCI layer stays framework-free: standard library and its own modules only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import shop.oci

OCI_DIR = Path(shop.oci.__file__).parent


def _imports(path: Path) -> list[tuple[str, int]]:
    """(module, level) of every import in a file; level > 0 for relative imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_oci_modules_import_only_the_standard_library_and_each_other():
    files = sorted(OCI_DIR.glob("*.py"))
    assert len(files) >= 7
    offenders = []
    for path in files:
        for module, level in _imports(path):
            top = module.split(".")[0]
            if level == 1 or module == "__future__" or module.startswith("shop.oci"):
                continue
            if level > 1 or top not in sys.stdlib_module_names:
                offenders.append(f"{path.name}: {'.' * level}{module}")
    assert offenders == []


def test_the_import_scan_would_catch_an_app_import(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import flask\nfrom shop.extensions import db\nfrom .. import errors\n")
    assert _imports(sample) == [("flask", 0), ("shop.extensions", 0), ("", 2)]
    assert "flask" not in sys.stdlib_module_names


def test_the_public_api_is_exported():
    for name in shop.oci.__all__:
        assert hasattr(shop.oci, name), name

"""CI on a clean machine (``.ci/run``) installs what the suite would otherwise skip without.

CI turns every skip into a failure (``SHOP_TEST_NO_SKIPS=1``), so a tool the tests need and
the script does not install fails CI on a clean machine. The script runs here for real, in a
copy of the project's layout, with the outside commands it calls replaced by stubs that
record their arguments: root, apt-get, make, git and the PostgreSQL tools.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STUBS = {
    "id": 'echo 0',  # root, so the script may install
    "apt-get": 'echo "apt-get $*" >> "$CI_LOG"',
    "make": 'echo "make $*" >> "$CI_LOG"',
    "git": "exit 1",  # no origin to look beside
    "pg_isready": "exit 1",
    "psql": "exit 0",
}
REAL_COMMANDS = ("dirname", "rm", "find", "sort")


def run_ci_on_a_clean_machine(tmp_path: Path) -> list[str]:
    """Run ``.ci/run`` where neither npm nor wrk is on the PATH; the commands it ran."""
    project, bin_dir, log = tmp_path / "project", tmp_path / "bin", tmp_path / "commands.log"
    (project / ".ci").mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / ".ci" / "run", project / ".ci" / "run")
    (tmp_path / "shared" / "cxml").mkdir(parents=True)
    bin_dir.mkdir()
    for name, body in STUBS.items():
        stub = bin_dir / name
        stub.write_text(f"#!/bin/sh\n{body}\n")
        stub.chmod(0o755)
    for name in REAL_COMMANDS:
        (bin_dir / name).symlink_to(shutil.which(name) or f"/usr/bin/{name}")
    subprocess.run(["/bin/bash", str(project / ".ci" / "run")], check=True, timeout=60,
                   capture_output=True, env={"PATH": str(bin_dir), "CI_LOG": str(log)})
    return log.read_text().splitlines()


def test_ci_installs_npm_and_wrk_before_the_tests_when_they_are_missing(tmp_path):
    commands = run_ci_on_a_clean_machine(tmp_path)
    [install] = [line for line in commands if line.startswith("apt-get install")]
    packages = install.split()
    assert "npm" in packages  # axe-core, the browser journeys' accessibility check
    assert "wrk" in packages  # tests/test_bench_smoke.py
    if not Path("/usr/bin/chromium").exists():
        assert "chromium" in packages
    assert commands.index(install) < commands.index("make test")

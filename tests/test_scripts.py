"""The measuring scripts (scripts/): each answers --help, and each is listed in
docs/performance.md or docs/evaluation.md, so a maintainer can find what it measures."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# modules the scripts import, not scripts to run
LIBRARIES = {"toolbox", "evaluation"}
SCRIPTS = sorted(p for p in (ROOT / "scripts").glob("*.py") if p.stem not in LIBRARIES)


def test_every_script_is_documented():
    docs = (ROOT / "docs" / "performance.md").read_text() + (ROOT / "docs" / "evaluation.md").read_text()
    missing = [p.name for p in SCRIPTS if f"scripts/{p.name}" not in docs]
    assert not missing, f"not in docs/performance.md or docs/evaluation.md: {missing}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_script_answers_help(script):
    p = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "usage:" in p.stdout, p.stderr[-500:]

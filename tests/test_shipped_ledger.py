"""The ledger shipped in the repository passes every shipped rule, in the CLI and in bean-check.

The one module that judges the shipped ledger by the shipped rules/ (the README's `make run`):
every other test runs on the tests' own rules in tests/rules (see tests/test_independence.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from aipo_budget.cli import cli
from conftest import ROOT

BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def test_check_reports_no_findings_today():
    result = CliRunner().invoke(cli, ["check", str(ROOT / "main.beancount"), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert Path(data["rules"]).resolve() == (ROOT / "rules").resolve()  # the shipped rules
    assert data["findings"] == []
    assert data["surplus_fund_found"] is True
    assert data["summary"]["outflows"] >= 10
    assert data["summary"]["transfers"] >= 4


def test_check_passes_in_the_middle_of_the_project():
    """Before the project closes, still no finding (no warning either)."""
    result = CliRunner().invoke(cli, ["check", str(ROOT / "main.beancount"), "--strict",
                                      "--as-of", "2006-04-30"])
    assert result.exit_code == 0, result.output


def test_bean_check_passes_and_check_leaves_no_cache(tmp_path):
    copy = tmp_path / "books"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "*.picklecache",
                                                               "__pycache__", "tests"))
    result = subprocess.run([str(BEAN_CHECK), "-C", str(copy / "main.beancount")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    runner = CliRunner()
    assert runner.invoke(cli, ["check", str(copy / "main.beancount")]).exit_code == 0
    assert list(copy.glob(".*picklecache")) == []


def test_ledger_header_says_figures_are_invented():
    assert "invented" in (ROOT / "main.beancount").read_text().lower()

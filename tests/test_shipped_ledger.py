"""The ledger shipped in the repository passes every shipped rule, in the CLI and in bean-check.

The one module that judges the shipped ledger by the shipped rules/ (the README's `make run`):
every other test runs on the tests' own rules in tests/rules (see tests/test_independence.py).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.core.rules import load_rules
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
    copy.mkdir()
    shutil.copy2(ROOT / "main.beancount", copy)
    for folder in ("ledger", "rules", "documents"):  # what the books are: not benchmarks/out
        shutil.copytree(ROOT / folder, copy / folder,
                        ignore=shutil.ignore_patterns("*.picklecache", "__pycache__"))
    result = subprocess.run([str(BEAN_CHECK), "-C", str(copy / "main.beancount")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    runner = CliRunner()
    assert runner.invoke(cli, ["check", str(copy / "main.beancount")]).exit_code == 0
    assert list(copy.glob(".*picklecache")) == []


def test_ledger_header_says_figures_are_invented():
    assert "invented" in (ROOT / "main.beancount").read_text().lower()


def test_every_instrument_source_is_a_citation_not_a_path():
    """A reader follows a citation (who adopted the text, when, who publishes it), never a
    file of somebody's disk (issue 22: a path outside the repository was shown)."""
    instruments = load_rules(ROOT / "rules").instruments
    assert instruments
    for instrument in instruments:
        source = instrument.source
        assert " " in source and "Secretariat" in source, (instrument.id, source)
        assert not re.search(r"\.(md|pdf|txt|html?)\b|^[~/.]", source), source
        assert not os.path.exists(ROOT / source), source
    for path in (ROOT / "rules").glob("*.toml"):
        assert "shared/seed" not in path.read_text(encoding="utf-8"), path
    shown = CliRunner().invoke(cli, ["rules", str(ROOT / "main.beancount"), "-t", "instruments"])
    assert shown.exit_code == 0, shown.output
    assert "shared/" not in shown.stdout and "1900" not in shown.stdout


def test_the_rulebook_names_rules_in_force_always_without_a_date():
    shown = CliRunner().invoke(cli, ["rules", str(ROOT / "main.beancount"), "-t", "rules",
                                     "-f", "json"])
    assert shown.exit_code == 0, shown.output
    rows = {row["rule"]: row for row in json.loads(shown.stdout)["tables"][0]["rows"]}
    assert {rows[rule]["effective"] for rule in ("LEDGER", "SEAL", "MANIFEST", "WAIVER")} == {None}
    assert "1900" not in shown.stdout

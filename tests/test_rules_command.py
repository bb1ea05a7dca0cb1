"""``aipo-budget rules``: the rulebook (every instrument, every rule in force on a day), before
and after an amendment, in every format, and the same table on the Fava page."""

from __future__ import annotations

import datetime
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.core.paths import shown
from aipo_budget.outputs.render import FORMATS, text_value
from aipo_budget.core.rules import load_rules
from aipo_budget.outputs.tables.rulebook import rules_table
from conftest import (
    APPROVAL_AMENDMENT, RULES, Fava, amended, page_section_rows, write_ledger,
)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["rules", *args])


def rulebook(*args: str) -> dict[str, dict]:
    """The JSON rulebook: the document, and its tables by name under "tables"."""
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    document["tables"] = {t["name"]: t for t in document["tables"]}
    return document


def rows_by_id(document: dict) -> dict[str, dict]:
    return {row["rule"]: row for row in document["tables"]["rules"]["rows"]}


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """A ledger the command must not read (it is not even valid Beancount)."""
    path = tmp_path / "main.beancount"
    path.write_text("this is not a ledger\n", encoding="utf-8")
    return path


@pytest.fixture
def approval_rules(tmp_path: Path) -> Path:
    return amended(tmp_path, "23GA-2002-Org-08.toml", "  params.approvers_above = 2\n",
                   APPROVAL_AMENDMENT)


# --- before and after an amendment --------------------------------------------------------


def test_before_the_amendment_v1_is_in_force_and_v2_announced(ledger, approval_rules):
    document = rulebook(str(ledger), "--rules", str(approval_rules), "--as-of", "2006-03-31")
    approval = rows_by_id(document)["ORG08-APPROVAL"]
    assert approval["version"] == "v1 of 2"
    assert approval["effective"] == "2002-01-01"
    assert approval["superseded"] is None
    assert approval["superseded_by"] == "v2 from 2006-04-01"
    assert "threshold = 5,000.00" in approval["parameters"]
    assert document["parameters"]["ORG08-APPROVAL"]["threshold"] == "5000.00"
    assert document["as_of"] == "2006-03-31"


def test_after_the_amendment_v2_is_in_force_and_v1_superseded(ledger, approval_rules):
    document = rulebook(str(ledger), "--rules", str(approval_rules), "--as-of", "2006-04-01")
    approval = rows_by_id(document)["ORG08-APPROVAL"]
    assert approval["version"] == "v2 of 2"
    assert approval["effective"] == "2006-04-01"
    assert approval["superseded"] == "v1 from 2002-01-01"
    assert approval["superseded_by"] is None
    assert "threshold = 2,000.00" in approval["parameters"]
    assert document["parameters"]["ORG08-APPROVAL"]["threshold"] == "2000.00"
    # the other rules are untouched by the amendment
    reserve = rows_by_id(document)["ORG08-RESERVE"]
    assert (reserve["version"], reserve["superseded"]) == ("v1 of 1", None)


def test_the_amendment_shows_in_the_text_table(ledger, approval_rules):
    before = invoke(str(ledger), "--rules", str(approval_rules), "--as-of", "2006-03-31")
    after = invoke(str(ledger), "--rules", str(approval_rules), "--as-of", "2006-04-01")
    assert before.exit_code == after.exit_code == 0, before.output + after.output
    line = next(l for l in before.stdout.splitlines() if l.startswith("ORG08-APPROVAL"))
    assert "v1 of 2" in line and "v2 from 2006-04-01" in line and "5,000.00" in line
    line = next(l for l in after.stdout.splitlines() if l.startswith("ORG08-APPROVAL"))
    assert "v2 of 2" in line and "v1 from 2002-01-01" in line and "2,000.00" in line
    assert "Rules in force on 2006-04-01" in after.stdout


# --- before a rule's first version --------------------------------------------------------


def test_a_rule_not_yet_in_force_is_shown_with_its_first_version(ledger):
    document = rulebook(str(ledger), "--rules", str(RULES), "--as-of", "2005-01-01")
    rows = rows_by_id(document)
    ceiling = rows["SOC03-CEILING"]
    assert ceiling["version"] == "not yet in force (from 2005-09-23)"
    assert ceiling["effective"] == "2005-09-23"
    assert "allocation = 40,000.00" in ceiling["parameters"]
    assert rows["ORG08-APPROVAL"]["version"] == "v1 of 1"
    early = [r for r in rows.values() if r["version"].startswith("not yet in force")]
    assert {r["rule"] for r in early} == {"SOC03-PURPOSE", "SOC03-PERIOD", "SOC03-CEILING",
                                          "SOC03-COFUNDING"}
    assert any(note.startswith("4 rules not yet in force on 2005-01-01")
               for note in document["tables"]["rules"]["notes"])


# --- formats and tables -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_renders(ledger, fmt):
    tables = ["--table", "rules"] if fmt == "csv" else []
    result = invoke(str(ledger), "--rules", str(RULES), "--as-of", "2006-06-30", "-f", fmt,
                    *tables)
    assert result.exit_code == 0, result.output
    assert "ORG08-APPROVAL" in result.stdout
    assert "SOC03-CEILING" in result.stdout
    if fmt != "csv":  # CSV holds the one table asked for
        assert "Art. 21 (amended)" in result.stdout


def test_csv_of_both_tables_is_a_usage_error(ledger):
    result = invoke(str(ledger), "--rules", str(RULES), "-f", "csv")
    assert result.exit_code == 2
    assert "CSV holds one table and 3 were asked for" in result.stderr
    assert result.stdout == ""


def test_csv_of_instruments(ledger):
    result = invoke(str(ledger), "--rules", str(RULES), "-f", "csv", "-t", "instruments")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.split(",")[:4] == ["instrument", "title", "adopted", "source"]
    assert any(r.startswith("26GA/2005/Soc/03,") and ",2005-09-23," in r for r in rows)
    assert len(rows) == 3


def test_json_has_typed_values(ledger):
    document = rulebook(str(ledger), "--rules", str(RULES), "--as-of", "2006-06-30")
    assert list(document["tables"]) == ["instruments", "rules", "waivers"]
    rules = document["tables"]["rules"]
    kinds = {c["key"]: c["kind"] for c in rules["columns"]}
    assert kinds["effective"] == "date" and kinds["defined"] == "location"
    ceiling = rows_by_id(document)["SOC03-CEILING"]
    assert datetime.date.fromisoformat(ceiling["effective"]) == datetime.date(2005, 9, 23)
    assert ceiling["defined"]["filename"].endswith("26GA-2005-Soc-03.toml")
    assert isinstance(ceiling["defined"]["lineno"], int) and ceiling["defined"]["lineno"] > 0
    instruments = {r["instrument"]: r for r in document["tables"]["instruments"]["rows"]}
    soc03, art21 = instruments["26GA/2005/Soc/03"], instruments["Art. 21 (amended)"]
    assert soc03["adopted"] == "2005-09-23" and art21["adopted"] is None
    assert (soc03["rules"], art21["rules"]) == (4, 2)
    assert soc03["illustrative"] == "yes"
    parameters = document["parameters"]["SOC03-PERIOD"]
    assert parameters["start"] == "2006-01-01" and parameters["payment_window_days"] == 60
    assert document["parameters"]["ORG08-ELIGIBLE"]["categories"][0] == "Research"


def test_one_table_asked_for(ledger):
    document = rulebook(str(ledger), "--rules", str(RULES), "-t", "instruments")
    assert list(document["tables"]) == ["instruments"]
    assert "parameters" not in document


def test_illustrative_defaults_and_the_folder_are_noted(ledger):
    result = invoke(str(ledger), "--rules", str(RULES), "--as-of", "2006-06-30")
    assert result.exit_code == 0, result.output
    assert f"read from {shown(str(RULES))}/." in result.stdout
    assert "Illustrative defaults: 23GA/2002/Org/08" in result.stdout


# --- which rules folder, and bad input ----------------------------------------------------


def test_the_rules_folder_beside_the_ledger_is_the_default(ledger, approval_rules):
    # approval_rules is tmp_path/rules, beside the ledger
    document = rulebook(str(ledger), "--as-of", "2006-05-01")
    assert rows_by_id(document)["ORG08-APPROVAL"]["version"] == "v2 of 2"


def test_a_missing_ledger_is_exit_2_and_no_other_folder_is_read(tmp_path, approval_rules):
    result = invoke(str(tmp_path / "typo.beancount"))
    assert result.exit_code == 2
    assert "typo.beancount: no such ledger file" in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output


def test_a_missing_rules_folder_is_exit_2_naming_it(ledger, tmp_path):
    result = invoke(str(ledger), "--rules", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "nowhere: invalid rules: rules folder not found" in result.stderr


def test_no_rules_folder_beside_the_ledger_is_exit_2(ledger):
    result = invoke(str(ledger))
    assert result.exit_code == 2
    assert "rules: invalid rules: rules folder not found" in result.stderr


def test_a_broken_rules_file_is_exit_2_with_file_and_line(ledger, tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(RULES, folder)
    path = folder / "art21.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[[rule\n", encoding="utf-8")
    result = invoke(str(ledger), "--rules", str(folder))
    assert result.exit_code == 2
    assert re.search(r"art21\.toml:\d+: invalid rules: not valid TOML", result.stderr), \
        result.stderr
    assert "Traceback" not in result.output


def test_rules_files_are_not_written(ledger, approval_rules):
    before = {p: p.read_bytes() for p in approval_rules.iterdir()}
    assert invoke(str(ledger), "--as-of", "2006-05-01").exit_code == 0
    assert {p: p.read_bytes() for p in approval_rules.iterdir()} == before
    assert ledger.read_text(encoding="utf-8") == "this is not a ledger\n"


# --- the Fava page shows the same table ---------------------------------------------------


def test_the_fava_page_shows_the_rulebook_table(shipped_fava):
    folder = shipped_fava.main.parent
    html = shipped_fava.page()
    day = datetime.date.today()  # the page's as-of date without a time filter
    expected = rules_table(load_rules(folder / "rules"), day,
                           lambda path: shown(path, str(folder)))
    rows = page_section_rows(html, "rules")
    # every column of every rule, in the row or in its details
    assert rows == [{c.label: text for c in expected.columns
                     if (text := text_value(row.get(c.key), c.kind))} for row in expected.rows]
    assert any(r["rule"] == "SOC03-CEILING" and "rules/26GA-2005-Soc-03.toml:" in r["defined at"]
               for r in rows)


def test_the_fava_page_shows_an_amendment(tmp_path):
    books = tmp_path / "books"
    books.mkdir()
    main = write_ledger(books, """
        2002-01-01 custom "fava-extension" "aipo_budget.fava_ext" "rules"
    """)
    amended(books, "23GA-2002-Org-08.toml", "  params.approvers_above = 2\n",
            APPROVAL_AMENDMENT)
    rows = page_section_rows(Fava(main).page(), "rules")
    (approval,) = [r for r in rows if r["rule"] == "ORG08-APPROVAL"]
    assert "v2 of 2" in approval.values() and any("v1 from 2002-01-01" in v
                                                  for v in approval.values())


def test_a_true_or_false_parameter_is_shown_as_the_rules_file_writes_it():
    """``signed = true`` in TOML: the rulebook's text says true, not Python's True."""
    from aipo_budget.outputs.tables.rulebook import _param_text

    assert (_param_text(True), _param_text({"signed": False})) == ("true", "signed: false")

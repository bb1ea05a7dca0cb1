"""``aipo-budget check`` in-process with click's CliRunner: formats and exit statuses."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from click.testing import CliRunner

from aipo_budget.outputs.render import FORMATS
from aipo_budget.cli import cli
from conftest import RULES, write_ledger

FAILING = """
2006-02-15 * "Kingdom Consultancy" "Research consultant"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Finance Officer"
  document: "2006-02-15.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
  Assets:Surplus-Fund:Bank

2006-02-20 * "Partner" "Co-funding"
  Assets:Co-Funding:Partner     9000.00 USD
  Income:Co-Funding:Partner

2006-03-20 * "Consultant" "Co-funded consultant"
  Expenses:Projects:Trafficking-Roadmap:Consultants   9000.00 USD
  Assets:Co-Funding:Partner
"""

WARNING_ONLY = """
2006-02-15 * "Kingdom Consultancy" "Research consultant"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director, Director"
  document: "2006-02-15.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
  Assets:Surplus-Fund:Bank
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def check(*args: str):
    """``aipo-budget check ARGS --rules <the tests' rules>``."""
    return invoke("check", *args, "--rules", str(RULES))


@pytest.fixture
def failing(tmp_path):
    return write_ledger(tmp_path, FAILING)


def test_failing_ledger_exits_1_with_table(failing):
    result = check(str(failing), "--as-of", "2007-01-01")
    assert result.exit_code == 1, result.output
    assert "segregation" in result.stdout
    assert "Finance Officer both prepared and approved" in result.stdout
    assert "main.beancount:" in result.stdout
    assert "1 error, 0 warnings" in result.stdout


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format(failing, fmt):
    result = check(str(failing), "--format", fmt, "--as-of", "2007-01-01")
    assert result.exit_code == 1, result.output
    if fmt == "json":
        data = json.loads(result.stdout)
        (item,) = data["findings"]
        for key in ("rule", "kind", "severity", "citation", "date", "filename", "lineno",
                    "message", "amount"):
            assert key in item
        assert item["kind"] == "segregation"
        assert item["amount"] == "4000.00"
        assert item["lineno"] == failing.read_text().splitlines().index(
            '2006-02-15 * "Kingdom Consultancy" "Research consultant"') + 1
        assert data["summary"] == {"errors": 1, "warnings": 0, "waived": 0, "outflows": 1,
                                   "transfers": 0}
        assert data["surplus_fund_found"] is True
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert [row["kind"] for row in rows] == ["segregation"]
        assert rows[0]["amount (USD)"] == "4000.00"
        assert rows[0]["citation"] == "Res. 23GA/2002/Org/08 (segregation of duties)"
        assert rows[0]["location line"].isdigit()
        assert "1 error" in result.stderr
    else:  # a text format: the register with its citation, then the summary line
        assert "severity" in result.stdout and "citation" in result.stdout
        assert "23GA/2002/Org/08 (segregation of duties)" in result.stdout
        assert "4,000.00" in result.stdout and "1 error, 0 warnings" in result.stdout


def test_as_of_ignores_later_entries(failing):
    result = check(str(failing), "--as-of", "2006-02-14", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["findings"] == []


def test_warnings_fail_only_with_strict(tmp_path):
    ledger = write_ledger(tmp_path, WARNING_ONLY)
    # before project close a 100 % surplus share is a warning
    plain = check(str(ledger), "--as-of", "2006-03-01")
    assert plain.exit_code == 0, plain.output
    assert "0 errors, 1 warning" in plain.stdout
    strict = check(str(ledger), "--as-of", "2006-03-01", "--strict")
    assert strict.exit_code == 1, strict.output


def test_default_ledger_and_rules_beside_it(tmp_path, monkeypatch):
    write_ledger(tmp_path, WARNING_ONLY)
    shutil.copytree(RULES, tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    result = invoke("check", "--as-of", "2006-03-01")
    assert result.exit_code == 0, result.output
    assert "main.beancount as of 2006-03-01" in result.stdout


def test_missing_ledger_exits_2(tmp_path):
    result = invoke("check", str(tmp_path / "nope.beancount"), "--rules", str(RULES))
    assert result.exit_code == 2
    assert "nope.beancount: no such ledger file" in result.stderr
    assert "Traceback" not in result.output


def test_syntax_error_exits_2_with_file_and_line(tmp_path):
    ledger = write_ledger(tmp_path, '2006-02-15 * "Broken"\n  Assets:Surplus-Fund:Bank  12..5 USD\n')
    result = invoke("check", str(ledger), "--rules", str(RULES))
    assert result.exit_code == 2, result.output
    lineno = ledger.read_text().splitlines().index("  Assets:Surplus-Fund:Bank  12..5 USD") + 1
    assert f"main.beancount:{lineno}:" in result.stderr
    assert "Traceback" not in result.output


def test_missing_include_exits_2(tmp_path):
    ledger = write_ledger(tmp_path, 'include "ledger/nothing-*.beancount"\n')
    result = invoke("check", str(ledger), "--rules", str(RULES))
    assert result.exit_code == 2, result.output
    assert "does not match any files" in result.stderr


def test_invalid_rules_exit_2_naming_rule_and_field(tmp_path, failing):
    rules = tmp_path / "bad-rules"
    shutil.copytree(RULES, rules)
    path = rules / "23GA-2002-Org-08.toml"
    path.write_text(path.read_text().replace("params.floor = 100000.00", "params.floor = \"lots\""))
    result = invoke("check", str(failing), "--rules", str(rules))
    assert result.exit_code == 2, result.output
    assert "23GA-2002-Org-08.toml" in result.stderr
    assert "ORG08-RESERVE" in result.stderr and "'floor'" in result.stderr


def test_missing_rules_folder_exits_2(failing, tmp_path):
    result = invoke("check", str(failing), "--rules", str(tmp_path / "none"))
    assert result.exit_code == 2
    assert "rules folder not found" in result.stderr


def test_bad_as_of_is_a_usage_error(failing):
    result = check(str(failing), "--as-of", "31/12/2006")
    assert result.exit_code == 2
    assert "--as-of" in result.output


def test_beancount_errors_are_ledger_findings(tmp_path):
    ledger = write_ledger(tmp_path, """
    2006-01-02 balance Assets:Surplus-Fund:Bank  1.00 USD
    """)
    result = check(str(ledger), "--format", "json")
    assert result.exit_code == 1, result.output
    (item,) = json.loads(result.stdout)["findings"]
    assert item["kind"] == "ledger" and item["rule"] == "LEDGER"
    assert "Balance failed" in item["message"]


def test_ledger_without_surplus_fund(tmp_path):
    ledger = tmp_path / "plain.beancount"
    ledger.write_text('option "operating_currency" "USD"\n2020-01-01 open Assets:Cash\n'
                      '2020-01-01 open Expenses:Food\n2020-02-01 * "Lunch"\n'
                      '  Expenses:Food  10.00 USD\n  Assets:Cash\n')
    result = invoke("check", str(ledger), "--rules", str(RULES))
    assert result.exit_code == 0, result.output
    assert "No Surplus Fund accounts" in result.stdout


def test_bean_example_ledger_is_checked_without_crash(tmp_path):
    from beancount.scripts import example

    ledger = tmp_path / "example.beancount"
    runner = CliRunner()
    generated = runner.invoke(example.main, ["--seed", "7", "--date-begin", "2020-01-01",
                                             "--date-end", "2021-06-30"])
    assert generated.exit_code == 0, generated.output
    ledger.write_text(generated.stdout)
    result = invoke("check", str(ledger), "--rules", str(RULES), "--format", "json")
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    assert data["surplus_fund_found"] is False
    assert all(item["kind"] == "ledger" for item in data["findings"])


def test_an_included_folder_exits_2(tmp_path):
    (tmp_path / "sub").mkdir()
    ledger = write_ledger(tmp_path, 'include "sub"\n')
    result = check(str(ledger))
    assert result.exit_code == 2, result.output
    assert "sub: cannot read" in result.stderr
    assert "Traceback" not in result.output


def test_a_plugin_that_cannot_be_imported_names_the_cause(tmp_path):
    ledger = write_ledger(tmp_path, 'plugin "no.such.module"\n')
    result = check(str(ledger))
    assert result.exit_code == 2, result.output
    assert "Error importing \"no.such.module\": ModuleNotFoundError" in result.stderr


def test_an_absurd_amount_is_reported_not_a_crash(tmp_path):
    ledger = write_ledger(tmp_path, """
    2006-02-15 * "Somebody" "Absurd"
      Expenses:Secretariat:Rent   100000000000000000000000000000.00 USD
      Assets:Surplus-Fund:Bank   -100000000000000000000000000000.00 USD
    """)
    result = check(str(ledger), "--format", "json")
    assert result.exit_code == 1, result.output
    assert '"kind": "reserve"' in result.stdout


def test_an_amount_beancount_cannot_interpolate_exits_2(tmp_path):
    ledger = write_ledger(tmp_path, """
    2006-02-15 * "Somebody" "Absurd"
      Expenses:Secretariat:Rent   100000000000000000000000000000.00 USD
      Assets:Surplus-Fund:Bank
    """)
    result = check(str(ledger))
    assert result.exit_code == 2, result.output
    assert "could not process an amount" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("table", ["budget", "findings"])
def test_report_says_on_stderr_how_many_error_findings_its_period_has(failing, table):
    """Whichever tables were asked for, and never on stdout (the data)."""
    result = invoke("report", str(failing), "--as-of", "2007-01-01", "-t", table, "--rules",
                    str(RULES))
    assert result.exit_code == 0, result.output
    assert "the period has 1 error finding and 0 warnings" in result.stderr
    assert "error finding" not in result.stdout
    before = invoke("report", str(failing), "--to", "2006-01-31", "-t", table, "--rules",
                    str(RULES))
    assert "error finding" not in before.stderr  # the finding is dated after that period

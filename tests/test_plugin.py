"""The Beancount plugin: compliance errors in bean-check's and Fava's error lists."""

from __future__ import annotations

import datetime
import subprocess
import sys
from pathlib import Path

from beancount import loader
from beancount.core import data

from aipo_budget.core.errors import FundRuleError, RulesConfigError
from conftest import PRELUDE, RULES, write_ledger

PAYMENT = """
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
HEADER = '2006-02-15 * "Kingdom Consultancy" "Research consultant"'
BEAN_CHECK = Path(sys.executable).parent / "bean-check"


def with_plugin(tmp_path: Path, config: str, body: str = PAYMENT) -> Path:
    return write_ledger(tmp_path, body, prelude=f'plugin "aipo_budget.plugin" "{config}"\n' + PRELUDE)


def load(path: Path):
    return loader._load([(str(path), True)], None, None, None)


def test_plugin_reports_the_offending_transaction(tmp_path):
    ledger = with_plugin(tmp_path, str(RULES))
    _entries, errors, _options = load(ledger)
    (error,) = errors
    assert isinstance(error, FundRuleError)
    assert error.source["filename"] == str(ledger)
    assert error.source["lineno"] == ledger.read_text().splitlines().index(HEADER) + 1
    assert "both prepared and approved" in error.message
    assert "ORG08-SEGREGATION v1" in error.message
    assert error.entry.narration == "Research consultant"


def is_budget(entry) -> bool:
    return isinstance(entry, data.Custom) and entry.type == "budget"


def test_plugin_adds_only_the_budget_entries(tmp_path):
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    ledger = with_plugin(tmp_path / "with", str(RULES))
    plain = write_ledger(tmp_path / "without", PAYMENT)
    with_entries, _, _ = load(ledger)
    without_entries, _, _ = load(plain)
    assert ([type(e).__name__ for e in with_entries if not is_budget(e)]
            == [type(e).__name__ for e in without_entries])
    assert [(e.date, e.values[0].value) for e in with_entries if is_budget(e)] == [
        (datetime.date(2006, 1, 1), "Expenses:Projects:Trafficking-Roadmap"),
        (datetime.date(2006, 7, 1), "Expenses:Projects:Trafficking-Roadmap"),
    ]


def test_the_plugins_budgets_are_in_the_ledgers_operating_currency(tmp_path):
    """Fava's budgets that the plugin line adds are in the ledger's operating currency, as
    every figure of its audit is: USD budgets in a EUR ledger were compared with EUR costs."""
    ledger = write_ledger(tmp_path, PAYMENT.replace(" USD", " EUR"),
                          prelude=f'plugin "aipo_budget.plugin" "{RULES}"\n'
                          + PRELUDE.replace('"operating_currency" "USD"',
                                            '"operating_currency" "EUR"'))
    entries, _errors, _options = load(ledger)
    budgets = [e for e in entries if is_budget(e)]
    assert budgets and {e.values[2].value.currency for e in budgets} == {"EUR"}


def test_rules_folder_relative_to_the_ledger(tmp_path):
    (tmp_path / "rules").symlink_to(RULES)
    _entries, errors, _options = load(with_plugin(tmp_path, "rules"))
    assert [type(e).__name__ for e in errors] == ["FundRuleError"]


def test_bad_rules_config_is_an_error_not_a_crash(tmp_path):
    _entries, errors, _options = load(with_plugin(tmp_path, "no-such-rules"))
    (error,) = errors
    assert isinstance(error, RulesConfigError)
    assert "rules folder not found" in error.message
    assert error.source["filename"].endswith("no-such-rules")


def test_bean_check_prints_file_and_line(tmp_path):
    ledger = with_plugin(tmp_path, str(RULES))
    result = subprocess.run([str(BEAN_CHECK), "-C", str(ledger)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 1
    lineno = ledger.read_text().splitlines().index(HEADER) + 1
    assert f"{ledger}:{lineno}: Finance Officer both prepared and approved" in result.stderr + result.stdout

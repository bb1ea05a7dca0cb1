"""One place picks a project's rule versions (aipo_budget.core.projects): an amended project period
gives the same answer to the period check, the tables, the cofunding check and Fava's budgets."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from aipo_budget.core.budgets import budget_entries
from aipo_budget.core.projects import terms
from aipo_budget.core.rules import load_rules
from aipo_budget.outputs.tables import build_tables
from conftest import RULES, amended, kinds, run, write_ledger

PROJECT = "Trafficking-Roadmap"
# the period is extended to the end of September, decided in June
PERIOD_AMENDMENT = """
  [[rule.version]]
  effective = 2006-06-15
  text = "Amended: the project period is extended to 30 September 2006."
  params.project = "Trafficking-Roadmap"
  params.start = 2006-01-01
  params.end = 2006-09-30
  params.payment_window_days = 60
"""

LEDGER = """
2006-08-20 * "Lao Research Institute" "Field research, August"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Somchai"
  approved-by: "Secretary General"
  document: "2006-08-20.field-research.pdf"
  incurred: 2006-08-15
  Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
  Assets:Surplus-Fund:Bank

2006-08-20 * "Partner" "Co-funding of the August research"
  Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
  Assets:Co-Funding:Partner

2006-01-05 * "Partner" "Co-funding received"
  Assets:Co-Funding:Partner    3000.00 USD
  Income:Co-Funding:Partner
"""


@pytest.fixture
def amended_rules(tmp_path: Path) -> Path:
    return amended(tmp_path, "26GA-2005-Soc-03.toml", "  params.payment_window_days = 60\n",
                   PERIOD_AMENDMENT)


def test_terms_on_a_day_follow_the_version_in_force(amended_rules):
    ruleset = load_rules(amended_rules)
    before = terms(ruleset, PROJECT, datetime.date(2006, 6, 1))
    after = terms(ruleset, PROJECT, datetime.date(2006, 6, 15))
    assert (before.end, before.close) == (datetime.date(2006, 6, 30), datetime.date(2006, 8, 29))
    assert (after.end, after.close) == (datetime.date(2006, 9, 30), datetime.date(2006, 11, 29))
    assert not after.closed and terms(ruleset, PROJECT, after.close).closed
    # before the first version of each rule: judged by that first version
    early = terms(ruleset, PROJECT, datetime.date(2001, 1, 1))
    assert early.end == datetime.date(2006, 6, 30) and early.allocated is False
    assert early.allocation == early.original_allocation


def test_an_amended_period_agrees_everywhere(tmp_path, amended_rules):
    ledger = write_ledger(tmp_path, LEDGER)
    # the check: incurred in August, inside the amended period
    assert "period" not in kinds(run(ledger, amended_rules, datetime.date(2006, 10, 31)))
    assert "period" in kinds(run(ledger, RULES, datetime.date(2006, 10, 31)))
    # the tables: open on 31 October under the amendment (closes 29 November), so nothing lapsed
    result = run(ledger, amended_rules, datetime.date(2006, 10, 31))
    [budget] = build_tables(result, None, datetime.date(2006, 10, 31), ["budget"])
    (project,) = [row for row in budget.rows if row["category"] == "(all)"]
    assert project["lapsed"] is None
    result = run(ledger, amended_rules, datetime.date(2006, 12, 31))
    [budget] = build_tables(result, None, datetime.date(2006, 12, 31), ["budget"])
    (project,) = [row for row in budget.rows if row["category"] == "(all)"]
    assert project["lapsed"] == project["allocation"] - project["surplus"]
    # Fava's budgets: spread over the amended period, stopped the day after it ends
    ruleset = load_rules(amended_rules)
    entries = budget_entries(ruleset, (), datetime.date(2006, 12, 31))
    assert entries[-1].date == terms(ruleset, PROJECT, datetime.date(2006, 12, 31)).end \
        + datetime.timedelta(days=1)


def test_fava_budgets_are_in_the_ledgers_operating_currency(amended_rules):
    from aipo_budget.core.conventions import conventions

    euro = conventions({"operating_currency": ["EUR"]})
    entries = budget_entries(load_rules(amended_rules), (), datetime.date(2006, 12, 31), euro)
    assert entries and {e.values[2].value.currency for e in entries} == {"EUR"}
    assert {e.values[0].value for e in entries} == {f"Expenses:Projects:{PROJECT}"}


def test_a_period_to_the_last_day_the_rules_accept_gives_every_report(tmp_path):
    # Fava's budget stops the day after the period ends; a period ending on the last day the
    # rules accept (2999-12-31) has no such day, and the plugin's stop entry, dated 3000-01-01,
    # made every report without --as-of refuse the ledger
    from click.testing import CliRunner

    from aipo_budget.cli import cli
    from aipo_budget.core.params import LAST_DATE
    from conftest import copy_shipped_ledger

    main = copy_shipped_ledger(tmp_path)
    rules = tmp_path / "rules" / "26GA-2005-Soc-03.toml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "params.end = 2006-06-30", "params.end = 2999-12-31"), encoding="utf-8")
    entries = budget_entries(load_rules(tmp_path / "rules"), (), datetime.date(2006, 12, 31))
    assert entries and max(e.date for e in entries) <= LAST_DATE
    done = CliRunner().invoke(cli, ["report", str(main), "-t", "budget"])
    assert done.exit_code == 0, done.output
    assert PROJECT in done.output

"""Amendments: a new [[rule.version]] with a later ``effective`` date. A transaction is judged
by the version in force on its date, and the finding says which version that was
(README, "The rules")."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from aipo_budget.core.rules import load_rules
from conftest import APPROVAL_AMENDMENT, amended, kinds, line_of, only, run

CEILING_AMENDMENT = """
  [[rule.version]]
  effective = 2006-05-01
  text = "Amended: the allocation of the roadmap project is raised to 50,000 USD."
  params.project = "Trafficking-Roadmap"
  params.allocation = 50000.00
  params.warn_at = 0.90
"""


@pytest.fixture
def approval_rules(tmp_path: Path) -> Path:
    return amended(tmp_path, "23GA-2002-Org-08.toml", "  params.approvers_above = 2\n",
                   APPROVAL_AMENDMENT)


@pytest.fixture
def ceiling_rules(tmp_path: Path) -> Path:
    return amended(tmp_path, "26GA-2005-Soc-03.toml", "  params.warn_at = 0.90\n",
                   CEILING_AMENDMENT)


def test_the_amended_folder_has_two_approval_versions(approval_rules):
    rule = {r.id: r for r in load_rules(approval_rules).rules}["ORG08-APPROVAL"]
    assert [(v.number, str(v.effective), v.params.threshold) for v in rule.versions] == [
        (1, "2002-01-01", Decimal("5000.00")), (2, "2006-04-01", Decimal("2000.00"))]


def test_an_outflow_before_the_approval_amendment_is_judged_by_v1(ledger_path, approval_rules):
    """
    2006-03-15 * "Print House" "Printing of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(run(ledger_path, rules=approval_rules)) == []


def test_an_outflow_after_the_approval_amendment_is_judged_by_v2(ledger_path, approval_rules):
    """
    2006-04-15 * "Print House" "Printing of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-04-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(run(ledger_path)) == []  # the tests' rules know no amendment

    result = run(ledger_path, rules=approval_rules)
    assert kinds(result) == ["approval"]
    [finding] = only(result, "approval")
    assert finding.severity == "error"
    assert finding.rule == "ORG08-APPROVAL"
    assert finding.version == 2
    assert str(finding.effective) == "2006-04-01"
    assert finding.version_label == "ORG08-APPROVAL v2 (2006-04-01)"
    assert finding.lineno == line_of(ledger_path, '2006-04-15 * "Print House"')
    assert finding.amount == Decimal("3000.00")
    assert re.search(r"3,000\.00 USD is above 2,000\.00 USD and needs 2 different approvers",
                     finding.message)


def test_an_amendment_is_in_force_on_its_effective_date(ledger_path, approval_rules):
    """
    2006-04-01 * "Print House" "Printing of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-04-01.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   2000.01 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(run(ledger_path, rules=approval_rules), "approval")
    assert (finding.severity, finding.version) == ("error", 2)
    assert finding.lineno == line_of(ledger_path, '2006-04-01 * "Print House"')
    assert finding.amount == Decimal("2000.01")


def test_findings_before_the_amendment_still_name_v1(ledger_path, approval_rules):
    """
    2006-03-15 * "Print House" "Printing of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      document: "2006-03-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(run(ledger_path, rules=approval_rules), "approval")
    assert finding.version == 1
    assert finding.lineno == line_of(ledger_path, '2006-03-15 * "Print House"')
    assert re.search(r"names no approver", finding.message)


def test_a_raised_allocation_applies_from_its_effective_date(ledger_path, ceiling_rules):
    """
    2006-02-15 * "Kingdom Consultancy" "Research, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   30000.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-15 * "Hotel" "Regional meeting"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-04-15.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   12000.00 USD
      Assets:Surplus-Fund:Bank

    2006-05-15 * "Print House" "Printing of the roadmap"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-05-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Research paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Research   31000.00 USD
      Income:Co-Funding:Partner
    """
    meeting = line_of(ledger_path, '2006-04-15 * "Hotel"')
    printing = line_of(ledger_path, '2006-05-15 * "Print House"')

    unamended = only(run(ledger_path), "ceiling")
    assert [(f.lineno, f.severity, f.version) for f in unamended] == [
        (meeting, "error", 1), (printing, "error", 1)]

    crossing, warning = only(run(ledger_path, rules=ceiling_rules), "ceiling")
    # 42,000 on 2006-04-15 is judged by v1: still above 40,000
    assert (crossing.lineno, crossing.severity, crossing.version) == (meeting, "error", 1)
    assert crossing.amount == Decimal("2000.00")
    assert re.search(r"crosses the allocation of 40,000\.00 USD", crossing.message)
    # 45,000 on 2006-05-15 is judged by v2: 90 % of 50,000, a warning only
    assert (warning.lineno, warning.severity, warning.version) == (printing, "warning", 2)
    assert warning.amount == Decimal("3000.00")
    assert re.search(r"reaches 45,000\.00 USD, 90\.0 % of the allocation of 50,000\.00 USD",
                     warning.message)


def test_an_amendment_dated_after_the_payments_changes_nothing(ledger_path, ceiling_rules):
    """
    2006-03-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-03-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   45000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Research paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Research   31000.00 USD
      Income:Co-Funding:Partner
    """
    [finding] = only(run(ledger_path, rules=ceiling_rules), "ceiling")
    assert (finding.severity, finding.version) == ("error", 1)
    assert finding.lineno == line_of(ledger_path, '2006-03-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("5000.00")

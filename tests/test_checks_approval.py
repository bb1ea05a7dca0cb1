"""Rule kind ``approval``: every surplus outflow names its approvers; above USD 5,000 (converted
to USD with the ledger's prices) it needs two different approvers (Res. 23GA/2002/Org/08)."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only


def test_two_approvers_above_the_threshold_pass(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []


def test_exactly_the_threshold_needs_one_approver_only(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   5000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   5000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []
    assert audited.facts.outflows[0].usd == Decimal("5000.00")


def test_converted_amount_exactly_at_the_threshold_passes(audited):
    """
    2006-03-01 * "AIPO" "Fund the imprest in kip"
      Assets:Surplus-Fund:Imprest  50000000 LAK @ 0.0001 USD
      Assets:Surplus-Fund:Bank

    2006-03-10 * "Lao National Assembly" "Meeting costs in Vientiane"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-10.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   50000000 LAK
      Assets:Surplus-Fund:Imprest

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   5000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []
    assert audited.facts.outflows[0].usd == Decimal("5000.00")


def test_converted_amount_just_above_the_threshold_needs_two_approvers(audited, ledger_path):
    """
    2006-03-01 * "AIPO" "Fund the imprest in kip"
      Assets:Surplus-Fund:Imprest  50000100 LAK @ 0.0001 USD
      Assets:Surplus-Fund:Bank

    2006-03-10 * "Lao National Assembly" "Meeting costs in Vientiane"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-10.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   50000100 LAK
      Assets:Surplus-Fund:Imprest

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   5000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["approval"]
    [finding] = only(audited, "approval")
    assert finding.severity == "error"
    assert finding.rule == "ORG08-APPROVAL"
    assert finding.lineno == line_of(ledger_path, '2006-03-10 * "Lao National Assembly"')
    assert finding.filename == str(ledger_path)
    assert finding.amount == Decimal("5000.01")
    assert re.search(r"5,000\.01 USD is above 5,000\.00 USD and needs 2 different approvers",
                     finding.message)
    assert re.search(r"approved by Executive Director$", finding.message)


def test_the_same_approver_twice_counts_once(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["approval"]
    [finding] = only(audited, "approval")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("8000.00")
    assert re.search(r"needs 2 different approvers", finding.message)


def test_names_differing_only_in_case_are_one_approver(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, EXECUTIVE DIRECTOR"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "approval")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert re.search(r"needs 2 different approvers", finding.message)


def test_an_outflow_without_approvers_fails_whatever_its_amount(audited, ledger_path):
    """
    2006-02-15 * "Print House" "Printing of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      document: "2006-02-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   1000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   1000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["approval"]
    [finding] = only(audited, "approval")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Print House"')
    assert finding.amount == Decimal("1000.00")
    assert re.search(r"names no approver.*'approved-by'", finding.message)


def test_an_empty_approved_by_is_no_approver(audited, ledger_path):
    """
    2006-02-15 * "Print House" "Printing of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: " , "
      document: "2006-02-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   1000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "approval")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Print House"')
    assert re.search(r"names no approver", finding.message)


def test_transfers_into_the_fund_need_no_approver(audited):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2006-03-01 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         40000.00 USD
      Assets:Operating:Bank-USD
    """
    assert only(audited, "approval") == []
    assert kinds(audited) == []


def test_converted_amount_above_the_threshold_by_less_than_half_a_cent_needs_one(audited):
    """
    ; 200,000.16 THB at 0.025 is 5,000.004 USD: 5,000.00 USD to the cent, the threshold

    2006-03-10 * "Thai Hotel" "Meeting costs in Bangkok"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-10.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   200000.16 THB
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   5000.00 USD
      Income:Co-Funding:Partner
    """
    assert audited.facts.outflows[0].usd == Decimal("5000.004")
    assert only(audited, "approval") == []

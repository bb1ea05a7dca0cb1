"""Rule kind ``purpose``: the cited resolution authorises the project and cost category that the
outflow pays for; paying anything else from the fund is refused (Art. 21 (amended);
26GA/2005/Soc/03 authorises Trafficking-Roadmap in seven cost categories)."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only


def test_the_authorised_project_passes(audited):
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


def test_secretariat_rent_from_the_fund_fails_even_with_the_right_resolution(audited,
                                                                            ledger_path):
    """
    2006-02-15 * "Landlord" "Secretariat rent, February"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.rent-invoice.pdf"
      Expenses:Secretariat:Rent   3000.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert kinds(audited) == ["purpose"]
    [finding] = only(audited, "purpose")
    assert finding.severity == "error"
    assert finding.rule == "SOC03-PURPOSE"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Landlord"')
    assert finding.amount == Decimal("3000.00")
    assert re.search(r"pays Expenses:Secretariat:Rent, which is not a project that "
                     r"26GA/2005/Soc/03 authorises", finding.message)


def test_another_project_fails(audited, ledger_path):
    """
    2006-02-15 * "Other Consultancy" "Research for another project"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.other-contract.pdf"
      Expenses:Projects:Other-Project:Research   2500.00 USD
      Assets:Surplus-Fund:Bank
    """
    # and, having no rules of its own, its spending is unbounded (tests/test_coverage.py)
    assert sorted(kinds(audited)) == ["ceiling", "cofunding", "period", "purpose"]
    [finding] = only(audited, "purpose")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Other Consultancy"')
    assert finding.amount == Decimal("2500.00")
    assert finding.project == "Other-Project"
    assert re.search(r"pays project 'Other-Project', which 26GA/2005/Soc/03 does not authorise "
                     r"\(authorised: Trafficking-Roadmap\)", finding.message)


def test_an_unauthorised_category_of_the_project_fails(audited, ledger_path):
    """
    2006-02-15 * "Hotel" "Reception for the delegates"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.reception-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Hospitality   1500.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "purpose")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Hotel"')
    assert finding.amount == Decimal("1500.00")
    assert re.search(r"pays cost category 'Hospitality' of Trafficking-Roadmap",
                     finding.message)


def test_only_the_unauthorised_part_of_a_mixed_payment_is_at_stake(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research, and the Secretariat's rent on the side"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
      Expenses:Secretariat:Rent                        1200.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "purpose")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("1200.00")
    assert re.search(r"Expenses:Secretariat:Rent", finding.message)


def test_a_payment_settling_a_secretariat_accrual_fails(audited, ledger_path):
    """
    2006-01-31 * "Landlord" "Secretariat rent, January" ^rent-2006-01
      Expenses:Secretariat:Rent   3000.00 USD
      Liabilities:Payables

    2006-02-15 * "Landlord" "Pay the January rent" ^rent-2006-01
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.rent-invoice.pdf"
      Liabilities:Payables   3000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "purpose")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Landlord"')
    assert finding.amount == Decimal("3000.00")
    assert re.search(r"pays Liabilities:Payables, which is not a project", finding.message)


def test_a_move_between_fund_accounts_has_no_finding_at_all(audited):
    """
    2006-01-15 * "AIPO" "Place part of the fund on deposit"
      Assets:Surplus-Fund:Deposit    50000.00 USD
      Assets:Surplus-Fund:Bank

    2006-07-15 * "AIPO" "Deposit matured"
      Assets:Surplus-Fund:Bank       50000.00 USD
      Assets:Surplus-Fund:Deposit
    """
    assert kinds(audited) == []
    assert audited.facts.outflows == []
    assert audited.facts.fund_history[-1][1] == Decimal("200000.00")

"""Rule kind ``eligibility``: surplus-funded project costs fall in an eligible category:
Research, Consultants, Meetings, Study-Tours, Travel, Publications, Translation
(Res. 23GA/2002/Org/08). The category is read from the account name."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only


def test_every_eligible_category_passes(audited):
    """
    2006-02-15 * "AIPO" "First half-year of project costs"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.cost-statement.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research      1000.00 USD
      Expenses:Projects:Trafficking-Roadmap:Consultants   1000.00 USD
      Expenses:Projects:Trafficking-Roadmap:Meetings      1000.00 USD
      Expenses:Projects:Trafficking-Roadmap:Study-Tours   1000.00 USD
      Expenses:Projects:Trafficking-Roadmap:Travel        1000.00 USD
      Expenses:Projects:Trafficking-Roadmap:Publications  1000.00 USD
      Expenses:Projects:Trafficking-Roadmap:Translation   1000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Research paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Research   7000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []
    assert len(audited.facts.outflows[0].uses) == 7


def test_hospitality_from_the_fund_is_not_eligible(audited, ledger_path):
    """
    2006-02-15 * "Hotel" "Reception for the delegates"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.reception-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Hospitality   1500.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Research paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Research   1500.00 USD
      Income:Co-Funding:Partner
    """
    # The purpose rule refuses the category too, under its own citation.
    assert sorted(kinds(audited)) == ["eligibility", "purpose"]
    [finding] = only(audited, "eligibility")
    assert finding.severity == "error"
    assert finding.rule == "ORG08-ELIGIBLE"
    assert finding.citation == "Res. 23GA/2002/Org/08 (eligible costs)"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Hotel"')
    assert finding.amount == Decimal("1500.00")
    assert finding.project == "Trafficking-Roadmap"
    assert re.search(r"Expenses:Projects:Trafficking-Roadmap:Hospitality: cost category "
                     r"'Hospitality' is not eligible for surplus funding", finding.message)


def test_only_the_ineligible_part_of_a_payment_is_at_stake(audited, ledger_path):
    """
    2006-02-15 * "Hotel" "Workshop venue and reception"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.hotel-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings      3000.00 USD
      Expenses:Projects:Trafficking-Roadmap:Hospitality    800.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "eligibility")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Hotel"')
    assert finding.amount == Decimal("800.00")


def test_an_ineligible_accrual_settled_from_the_fund_fails_on_the_payment(audited,
                                                                         ledger_path):
    """
    2006-02-10 * "Hotel" "Reception for the delegates" ^inv-2006-007
      Expenses:Projects:Trafficking-Roadmap:Hospitality   1500.00 USD
      Liabilities:Payables

    2006-02-25 * "Hotel" "Pay the reception invoice" ^inv-2006-007
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-25.reception-invoice.pdf"
      Liabilities:Payables   1500.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "eligibility")
    assert finding.lineno == line_of(ledger_path, '2006-02-25 * "Hotel"')
    assert finding.amount == Decimal("1500.00")
    assert re.search(r"'Hospitality' is not eligible", finding.message)


def test_hospitality_paid_by_a_partner_is_not_judged(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-01 * "Partner" "Reception paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Hospitality   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []


def test_ineligible_categories_of_any_project_are_refused(audited, ledger_path):
    """
    2002-01-01 open Expenses:Projects:Other-Project:Hospitality

    2006-02-15 * "Hotel" "Reception for another project"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.reception-invoice.pdf"
      Expenses:Projects:Other-Project:Hospitality   700.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "eligibility")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Hotel"')
    assert finding.project == "Other-Project"
    assert finding.amount == Decimal("700.00")

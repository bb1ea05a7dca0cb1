"""Rule kind ``period``: surplus-funded costs of Trafficking-Roadmap are incurred within
2006-01-01..2006-06-30 and paid at the latest 60 days after, on 2006-08-29 (26GA/2005/Soc/03;
23GA/2002/Org/08). A cost's incurred date is its ``incurred`` metadata, else the date of the
accrual its payment settles (shared link), else the payment date."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only


def test_paid_on_the_last_day_of_the_window_passes(audited):
    """
    2006-08-29 * "Print House" "Printing of the roadmap"
      incurred: 2006-06-20
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-08-29.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []


def test_paid_one_day_after_the_window_fails(audited, ledger_path):
    """
    2006-08-30 * "Print House" "Printing of the roadmap"
      incurred: 2006-06-20
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-08-30.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["period"]
    [finding] = only(audited, "period")
    assert finding.severity == "error"
    assert finding.rule == "SOC03-PERIOD"
    assert finding.lineno == line_of(ledger_path, '2006-08-30 * "Print House"')
    assert finding.amount == Decimal("3000.00")
    assert finding.project == "Trafficking-Roadmap"
    assert re.search(r"paid on 2006-08-30, after the payment window closed on 2006-08-29 "
                     r"\(60 days after the period ended on 2006-06-30\)", finding.message)


def test_a_cost_incurred_inside_and_paid_in_the_window_passes(audited):
    """
    2006-07-15 * "Kingdom Consultancy" "Final research instalment"
      incurred: 2006-06-28
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-07-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   4000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []
    assert str(audited.facts.outflows[0].uses[0].incurred) == "2006-06-28"


def test_costs_on_the_first_and_last_day_of_the_period_pass(audited):
    """
    2006-01-01 * "Kingdom Consultancy" "Research, inception"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-01-01.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
      Assets:Surplus-Fund:Bank

    2006-08-01 * "Translator" "Translation of the final report"
      incurred: 2006-06-30
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-08-01.translation-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Translation   1000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Research paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Research   2000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []


def test_a_cost_incurred_after_the_period_fails(audited, ledger_path):
    """
    2006-07-15 * "Kingdom Consultancy" "Extra research"
      incurred: 2006-07-01
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-07-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   4000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["period"]
    [finding] = only(audited, "period")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-07-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("4000.00")
    assert re.search(r"Expenses:Projects:Trafficking-Roadmap:Research: cost incurred on "
                     r"2006-07-01, outside the project period 2006-01-01 to 2006-06-30",
                     finding.message)


def test_without_incurred_date_the_payment_date_counts(audited, ledger_path):
    """
    2006-07-15 * "Kingdom Consultancy" "Final research instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-07-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "period")
    assert finding.lineno == line_of(ledger_path, '2006-07-15 * "Kingdom Consultancy"')
    assert re.search(r"cost incurred on 2006-07-15, outside the project period", finding.message)


def test_a_misspelt_incurred_key_is_named_where_the_payment_date_counts(audited):
    """
    2006-07-15 * "Kingdom Consultancy" "Final research instalment"
      incured: 2006-06-30
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-07-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "period")
    assert finding.message.endswith(
        "cost incurred on 2006-07-15, outside the project period 2006-01-01 to 2006-06-30; "
        "the transaction has 'incured': did you mean 'incurred'?")


def test_an_incurred_date_that_cannot_be_read_is_one_finding_with_no_date_made_up(audited):
    """
    2006-07-15 * "Kingdom Consultancy" "Final research instalment"
      incurred: 20060630
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-07-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "period")
    assert finding.severity == "error"
    assert finding.message == "metadata 'incurred' is 20060630: expected a date such as 2006-06-28"


def test_an_unreadable_incurred_date_leaves_a_payment_after_the_window_said(audited):
    """
    2006-09-15 * "Kingdom Consultancy" "Final research instalment"
      incurred: 20060630
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-09-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
      Assets:Surplus-Fund:Bank
    """
    messages = sorted(f.message for f in only(audited, "period"))
    assert len(messages) == 2 and messages[0].startswith("Expenses:Projects:Trafficking-Roadmap:"
                                                         "Research: paid on 2006-09-15, after")
    assert messages[1].startswith("metadata 'incurred' is 20060630")


def test_a_cost_before_the_period_fails(audited, ledger_path):
    """
    2005-12-20 * "Kingdom Consultancy" "Advance on the research contract"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2005-12-20.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   2000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "period")
    assert finding.lineno == line_of(ledger_path, '2005-12-20 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("2000.00")
    assert re.search(r"cost incurred on 2005-12-20, outside the project period",
                     finding.message)


def test_an_accrual_inside_the_period_paid_in_the_window_passes(audited):
    """
    2006-06-28 * "Print House" "Printing of the roadmap" ^inv-2006-014
      Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
      Liabilities:Payables

    2006-07-20 * "Print House" "Pay the printing invoice" ^inv-2006-014
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-07-20.printing-invoice.pdf"
      Liabilities:Payables   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []
    [use] = audited.facts.outflows[0].uses
    assert use.account == "Expenses:Projects:Trafficking-Roadmap:Publications"
    assert str(use.incurred) == "2006-06-28"


def test_an_accrual_after_the_period_fails_on_its_payment(audited, ledger_path):
    """
    2006-07-02 * "Print House" "Printing of the roadmap" ^inv-2006-014
      Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
      Liabilities:Payables

    2006-07-20 * "Print House" "Pay the printing invoice" ^inv-2006-014
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-07-20.printing-invoice.pdf"
      Liabilities:Payables   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["period"]
    [finding] = only(audited, "period")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-07-20 * "Print House"')
    assert finding.amount == Decimal("3000.00")
    assert re.search(r"Expenses:Projects:Trafficking-Roadmap:Publications: cost incurred on "
                     r"2006-07-02, outside the project period", finding.message)


def test_other_projects_are_not_judged_by_this_period(audited):
    """
    2006-09-15 * "Other Consultancy" "Research for another project"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-09-15.other-contract.pdf"
      Expenses:Projects:Other-Project:Research   2500.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert [f.rule for f in only(audited, "period")] == ["NO-PERIOD-RULE"]  # coverage
    assert not [f for f in audited.findings if f.rule == "SOC03-PERIOD"]
    assert sorted(kinds(audited)) == ["ceiling", "cofunding", "period", "purpose"]

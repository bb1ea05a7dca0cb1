"""Rule kind ``cofunding``: Trafficking-Roadmap is funded only partly from surplus: at project
close (2006-08-29) the surplus share of its total cost is at most 60 % (error otherwise); before
close a share above the cap is a warning (26GA/2005/Soc/03, "partly"). The finding sits on the
project's last surplus-funded cost."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal


from aipo_budget.core.checks.cofunding import shares
from conftest import kinds, line_of, only, run

PROJECT = "Trafficking-Roadmap"


def test_exactly_the_cap_at_close_passes(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   6000.00 USD
      Assets:Surplus-Fund:Bank

    2006-02-20 * "Partner" "Co-funding received"
      Assets:Co-Funding:Partner     4000.00 USD
      Income:Co-Funding:Partner

    2006-03-20 * "Consultant" "Co-funded consultant"
      Expenses:Projects:Trafficking-Roadmap:Consultants   4000.00 USD
      Assets:Co-Funding:Partner
    """
    assert kinds(audited) == []
    # the cost paid from Assets:Co-Funding:Partner counts for the total
    assert shares(audited.facts, PROJECT) == (Decimal("6000.00"), Decimal("10000.00"))


def test_a_hair_above_the_cap_at_close_fails(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   6001.00 USD
      Assets:Surplus-Fund:Bank

    2006-02-20 * "Partner" "Co-funding received"
      Assets:Co-Funding:Partner     3999.00 USD
      Income:Co-Funding:Partner

    2006-03-20 * "Consultant" "Co-funded consultant"
      Expenses:Projects:Trafficking-Roadmap:Consultants   3999.00 USD
      Assets:Co-Funding:Partner
    """
    assert kinds(audited) == ["cofunding"]
    [finding] = only(audited, "cofunding")
    assert finding.severity == "error"
    assert finding.rule == "SOC03-COFUNDING"
    assert finding.project == PROJECT
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert finding.date == datetime.date(2006, 8, 29)  # judged at project close
    assert finding.amount == Decimal("1.00")  # surplus above 60 % of the total cost
    assert re.search(r"\(6,001\.00 USD of 10,000\.00 USD\); cap 60 % \(6,000\.00 USD\) at "
                     r"project close on 2006-08-29", finding.message)


def test_an_excess_below_half_a_cent_is_no_excess(audited):
    """
    ; 6,000.01 of 10,000.01 USD: 60 % of the total is 6,000.006 USD, 6,000.01 to the cent

    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   6000.01 USD
      Assets:Surplus-Fund:Bank

    2006-03-20 * "Consultant" "Co-funded consultant"
      Expenses:Projects:Trafficking-Roadmap:Consultants   4000.00 USD
      Income:Co-Funding:Partner
    """
    assert only(audited, "cofunding") == []


def test_an_excess_of_a_cent_fails_and_says_the_amount_allowed(audited):
    """
    ; 6,000.02 of 10,000.02 USD: 60 % of the total is 6,000.012 USD, 6,000.01 to the cent

    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   6000.02 USD
      Assets:Surplus-Fund:Bank

    2006-03-20 * "Consultant" "Co-funded consultant"
      Expenses:Projects:Trafficking-Roadmap:Consultants   4000.00 USD
      Income:Co-Funding:Partner
    """
    [finding] = only(audited, "cofunding")
    assert (finding.severity, finding.amount) == ("error", Decimal("0.01"))
    assert ("surplus share of total cost is 60.00 % (6,000.02 USD of 10,000.02 USD); cap 60 % "
            "(6,000.01 USD) at project close on 2006-08-29") in finding.message, finding.message


def test_the_finding_sits_on_the_last_surplus_funded_cost(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-15 * "Print House" "Printing of the roadmap"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-04-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   2000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   1000.00 USD
      Income:Co-Funding:Partner
    """
    [finding] = only(audited, "cofunding")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-04-15 * "Print House"')
    assert finding.amount == Decimal("1400.00")  # 5,000 - 60 % of 6,000
    assert re.search(r"surplus share of total cost is 83\.33 %", finding.message)


def test_a_wholly_surplus_funded_project_before_close_is_a_warning(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
      Assets:Surplus-Fund:Bank
    """
    header = line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    early = run(ledger_path, as_of=datetime.date(2006, 5, 1))
    assert kinds(early) == ["cofunding"]
    [warning] = only(early, "cofunding")
    assert warning.severity == "warning"
    assert warning.lineno == header
    assert warning.date == datetime.date(2006, 5, 1)
    assert warning.amount == Decimal("1200.00")
    assert re.search(r"surplus share of total cost is 100\.00 %.*before project close on "
                     r"2006-08-29", warning.message)

    # the same ledger once the project has closed
    [error] = only(run(ledger_path), "cofunding")
    assert error.severity == "error"
    assert error.lineno == header
    assert re.search(r"100\.00 %.*at project close", error.message)


def test_a_share_within_the_cap_before_close_has_no_finding(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-01 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(run(ledger_path, as_of=datetime.date(2006, 5, 1))) == []


def test_a_project_with_no_surplus_cost_is_not_judged(audited):
    """
    2006-03-01 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []


def test_a_co_funded_accrual_settled_by_the_partner_counts_as_co_funding(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-02-20 * "Partner" "Co-funding received"
      Assets:Co-Funding:Partner     2000.00 USD
      Income:Co-Funding:Partner

    2006-03-01 * "Hotel" "Regional meeting" ^inv-2006-009
      Expenses:Projects:Trafficking-Roadmap:Meetings   2000.00 USD
      Liabilities:Payables

    2006-03-20 * "Hotel" "Pay the meeting invoice from the partner's money" ^inv-2006-009
      Liabilities:Payables   2000.00 USD
      Assets:Co-Funding:Partner
    """
    assert kinds(audited) == []
    assert shares(audited.facts, PROJECT) == (Decimal("3000.00"), Decimal("5000.00"))


def test_an_accrual_settled_partly_by_the_partner_is_partly_co_funded(audited):
    """
    2006-03-01 * "Hotel" "Regional meeting invoice" ^inv-2006-020
      Expenses:Projects:Trafficking-Roadmap:Meetings   10000.00 USD
      Liabilities:Payables

    2006-03-05 * "Partner" "Co-funding received"
      Assets:Co-Funding:Partner     4000.00 USD
      Income:Co-Funding:Partner

    2006-03-10 * "Hotel" "Meeting invoice, surplus share" ^inv-2006-020
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-03-10.hotel-invoice.pdf"
      Liabilities:Payables   6000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-12 * "Hotel" "Meeting invoice, partner share" ^inv-2006-020
      Liabilities:Payables   4000.00 USD
      Assets:Co-Funding:Partner
    """
    assert shares(audited.facts, PROJECT) == (Decimal("6000.00"), Decimal("10000.00"))
    assert kinds(audited) == []

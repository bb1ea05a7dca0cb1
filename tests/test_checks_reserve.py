"""Rule kind ``reserve``: the Surplus Fund balance never falls below USD 100,000 after an outflow
(Res. 23GA/2002/Org/08). The PRELUDE opens the fund with 200,000 USD.

Draining the fund to the floor takes more than any project allocation, so these ledgers also
break the ceiling and co-funding rules; the tests look at the reserve findings only.
"""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only


def test_an_ordinary_outflow_keeps_the_reserve(audited):
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
    assert audited.facts.outflows[0].balance_after == Decimal("192000.00")


def test_leaving_exactly_the_floor_passes(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   100000.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert audited.facts.outflows[0].balance_after == Decimal("100000.00")
    assert only(audited, "reserve") == []
    assert "ceiling" in kinds(audited)  # the ledger is not compliant, only the reserve is kept


def test_leaving_one_cent_below_the_floor_fails(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   100000.01 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "reserve")
    assert finding.severity == "error"
    assert finding.rule == "ORG08-RESERVE"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("0.01")  # the part of the outflow that ate into the reserve
    assert re.search(r"balance after this outflow is 99,999\.99 USD, below the reserve floor "
                     r"of 100,000\.00 USD", finding.message)


def test_only_the_outflow_that_breaches_the_floor_fails(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   99600.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-15 * "Print House" "Printing of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   500.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-15 * "Translator" "Translation of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-04-15.translation-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Translation   300.00 USD
      Assets:Surplus-Fund:Bank
    """
    findings = only(audited, "reserve")
    assert [f.lineno for f in findings] == [
        line_of(ledger_path, '2006-03-15 * "Print House"'),
        line_of(ledger_path, '2006-04-15 * "Translator"'),
    ]
    printing, translation = findings
    assert printing.amount == Decimal("100.00")  # 99,900 left: 100 of the 500 below the floor
    assert translation.amount == Decimal("300.00")  # already below: all of it
    assert re.search(r"balance after this outflow is 99,600\.00 USD", translation.message)


def test_a_transfer_in_restores_the_headroom(audited):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2006-02-01 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         50000.00 USD
      Assets:Operating:Bank-USD

    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   120000.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert audited.facts.outflows[0].balance_after == Decimal("130000.00")
    assert only(audited, "reserve") == []


def test_a_withdrawal_booked_against_opening_balances_is_still_an_outflow(audited, ledger_path):
    """
    2006-03-15 * "AIPO" "Withdrawal booked as an opening-balance correction"
      Assets:Surplus-Fund:Bank   -150000.00 USD
      Equity:Opening-Balances
    """
    # Only money brought in from Equity:Opening-Balances opens the books (docs/conventions.md).
    header = line_of(ledger_path, '2006-03-15 * "AIPO"')
    [finding] = only(audited, "reserve")
    assert finding.severity == "error"
    assert finding.lineno == header
    assert finding.amount == Decimal("50000.00")
    assert re.search(r"balance after this outflow is 50,000\.00 USD", finding.message)
    assert [f.lineno for f in only(audited, "authorization")] == [header]
    assert [o.usd for o in audited.facts.openings] == [Decimal("200000.00")]


def test_a_balance_below_the_floor_by_less_than_half_a_cent_passes(audited):
    """
    ; 4,000,000.16 THB at 0.025 is 100,000.004 USD: the balance left, 99,999.996 USD, is
    ; 100,000.00 USD to the cent, the floor itself

    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000000.16 THB
      Assets:Surplus-Fund:Bank
    """
    assert audited.facts.outflows[0].balance_after == Decimal("99999.996")
    assert only(audited, "reserve") == []

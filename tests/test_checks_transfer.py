"""Rule kind ``transfer``: a surplus transfer-in carries ``fiscal-year`` and ``audit-ref``, is
dated after that year ends, and the transfers for a year never exceed that year's operating
surplus computed from the ledger (AIPO Statutes, Art. 21 (amended)).

In these ledgers the 2005 operating surplus is 100,000 contributions - 60,000 rent = 40,000 USD.
"""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only


def test_a_documented_transfer_within_the_surplus_passes(audited):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2005-06-30 * "Landlord" "Secretariat rent 2005"
      Expenses:Secretariat:Rent        60000.00 USD
      Assets:Operating:Bank-USD

    2006-03-01 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         40000.00 USD
      Assets:Operating:Bank-USD
    """
    assert kinds(audited) == []
    assert audited.facts.operating[2005].surplus == Decimal("40000.00")
    [transfer] = audited.facts.transfers
    assert transfer.usd == Decimal("40000.00")


def test_a_transfer_without_fiscal_year_fails(audited, ledger_path):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2006-03-01 * "AIPO" "Transfer of the operating surplus"
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         40000.00 USD
      Assets:Operating:Bank-USD
    """
    assert kinds(audited) == ["transfer"]
    [finding] = only(audited, "transfer")
    assert finding.severity == "error"
    assert finding.rule == "ART21-TRANSFER"
    assert finding.lineno == line_of(ledger_path, '2006-03-01 * "AIPO"')
    assert finding.amount == Decimal("40000.00")
    assert re.search(r"does not name its fiscal year.*'fiscal-year'", finding.message)


def test_a_transfer_without_audit_reference_fails(audited, ledger_path):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2006-03-01 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      Assets:Surplus-Fund:Bank         40000.00 USD
      Assets:Operating:Bank-USD
    """
    assert kinds(audited) == ["transfer"]
    [finding] = only(audited, "transfer")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-03-01 * "AIPO"')
    assert finding.amount == Decimal("40000.00")
    assert re.search(r"no audit reference.*'audit-ref'", finding.message)


def test_a_transfer_dated_inside_its_fiscal_year_fails(audited, ledger_path):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2005-12-31 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         40000.00 USD
      Assets:Operating:Bank-USD
    """
    assert kinds(audited) == ["transfer"]
    [finding] = only(audited, "transfer")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2005-12-31 * "AIPO"')
    assert finding.amount == Decimal("40000.00")
    assert re.search(r"fiscal year 2005's surplus is dated 2005-12-31, before that year ended",
                     finding.message)


def test_the_transfer_that_crosses_the_surplus_fails_and_not_the_first(audited, ledger_path):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2005-06-30 * "Landlord" "Secretariat rent 2005"
      Expenses:Secretariat:Rent        60000.00 USD
      Assets:Operating:Bank-USD

    2006-02-01 * "AIPO" "First transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         30000.00 USD
      Assets:Operating:Bank-USD

    2006-03-01 * "AIPO" "Second transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         15000.00 USD
      Assets:Operating:Bank-USD
    """
    assert kinds(audited) == ["transfer"]
    [finding] = only(audited, "transfer")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-03-01 * "AIPO"')
    assert finding.amount == Decimal("5000.00")  # the excess, not the whole transfer
    assert re.search(r"transfers for fiscal year 2005 reach 45,000\.00 USD, more than that "
                     r"year's operating surplus of 40,000\.00 USD", finding.message)


def test_co_funding_income_is_not_operating_surplus(audited, ledger_path):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       50000.00 USD
      Income:Contributions:Brunei

    2005-04-01 * "Bank" "Interest 2005"
      Assets:Operating:Bank-USD        1000.00 USD
      Income:Other:Interest

    2005-05-01 * "Partner" "Co-funding for the 2006 project"
      Assets:Co-Funding:Partner       20000.00 USD
      Income:Co-Funding:Partner

    2006-03-01 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         52000.00 USD
      Assets:Operating:Bank-USD
    """
    assert audited.facts.operating[2005].surplus == Decimal("51000.00")
    [finding] = only(audited, "transfer")
    assert finding.lineno == line_of(ledger_path, '2006-03-01 * "AIPO"')
    assert finding.amount == Decimal("1000.00")
    assert re.search(r"operating surplus of 51,000\.00 USD", finding.message)


def test_an_opening_balance_is_not_a_transfer_in(audited):
    """
    2002-01-01 * "Opening balance of the Surplus Fund deposit"
      Assets:Surplus-Fund:Deposit    50000.00 USD
      Equity:Opening-Balances
    """
    assert kinds(audited) == []
    assert audited.facts.transfers == []
    assert [o.usd for o in audited.facts.openings] == [Decimal("200000.00"), Decimal("50000.00")]


def test_a_move_between_fund_accounts_is_not_a_transfer_in(audited):
    """
    2006-01-15 * "AIPO" "Place part of the fund on deposit"
      Assets:Surplus-Fund:Deposit    50000.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert kinds(audited) == []
    assert audited.facts.transfers == []


def test_money_from_opening_balances_after_the_first_day_is_a_transfer_in(audited):
    """
    2006-12-01 * "Deposit topped up against opening balances"
      Assets:Surplus-Fund:Bank      50000.00 USD
      Equity:Opening-Balances
    """
    assert audited.facts.openings[-1].date != __import__("datetime").date(2006, 12, 1)
    assert [f.kind for f in audited.findings] == ["transfer", "transfer"]


def test_a_new_fund_account_may_open_with_an_opening_balance(audited):
    """
    2006-05-01 open Assets:Surplus-Fund:Petty-Cash  USD

    2006-05-01 * "Opening balance of the petty cash"
      Assets:Surplus-Fund:Petty-Cash   100.00 USD
      Equity:Opening-Balances
    """
    assert audited.findings == []
    assert audited.facts.openings[-1].usd == 100


def test_transfers_equal_to_the_surplus_to_the_cent_pass(audited):
    """
    ; the rent in baht makes the 2005 surplus 39,999.9975 USD: shown, and compared, as
    ; 40,000.00 USD, which the transfer reaches and does not exceed

    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2005-12-15 * "Landlord" "Secretariat rent 2005"
      Expenses:Secretariat:Rent        2400000.1 THB
      Assets:Operating:Bank-USD

    2006-02-01 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         40000.00 USD
      Assets:Operating:Bank-USD
    """
    assert audited.facts.operating[2005].surplus == Decimal("39999.9975")
    assert only(audited, "transfer") == []


def test_a_cent_above_the_surplus_to_the_cent_fails(audited):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2005-12-15 * "Landlord" "Secretariat rent 2005"
      Expenses:Secretariat:Rent        2400000.1 THB
      Assets:Operating:Bank-USD

    2006-02-01 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         40000.01 USD
      Assets:Operating:Bank-USD
    """
    [finding] = only(audited, "transfer")
    assert finding.amount == Decimal("0.01")
    assert ("transfers for fiscal year 2005 reach 40,000.01 USD, more than that year's "
            "operating surplus of 40,000.00 USD") == finding.message

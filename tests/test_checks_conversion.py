"""Rule kind ``conversion``: a non-USD surplus outflow has a USD price on or before its date
(docs/conventions.md: the latest ``price`` entry on or before the transaction date;
Res. 23GA/2002/Org/08). The PRELUDE prices LAK and THB from 2005-12-01."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only


def test_a_thb_payment_with_a_price_in_force_passes(audited):
    """
    2006-01-10 * "AIPO" "Fund the imprest in baht"
      Assets:Surplus-Fund:Imprest  200000 THB @ 0.025 USD
      Assets:Surplus-Fund:Bank

    2006-02-15 * "Thai Airways" "Travel to the Bangkok workshop"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.air-tickets.pdf"
      Expenses:Projects:Trafficking-Roadmap:Travel   120000 THB
      Assets:Surplus-Fund:Imprest

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []
    [outflow] = audited.facts.outflows
    assert outflow.usd == Decimal("3000")
    [conversion] = outflow.conversions
    assert (conversion.currency, conversion.number) == ("THB", Decimal("120000"))
    assert conversion.usd == Decimal("3000")
    assert conversion.rate_source == "price entry"
    assert str(conversion.rate_date) == "2005-12-01"


def test_a_payment_in_a_currency_without_a_price_fails(audited, ledger_path):
    """
    2006-01-10 * "AIPO" "Fund the imprest in riel"
      Assets:Surplus-Fund:Imprest  4000000 KHR @ 0.00025 USD
      Assets:Surplus-Fund:Bank

    2006-02-15 * "Cambodian National Assembly" "Meeting costs in Phnom Penh"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   4000000 KHR
      Assets:Surplus-Fund:Imprest
    """
    assert kinds(audited) == ["conversion"]
    [finding] = only(audited, "conversion")
    assert finding.severity == "error"
    assert finding.rule == "ORG08-CONVERSION"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Cambodian National Assembly"')
    assert finding.amount is None  # no USD amount can be given without a price
    assert re.search(r"no USD price for KHR on or before 2006-02-15", finding.message)
    assert re.search(r"4,000,000 KHR cannot be converted", finding.message)
    # the imprest funding is a move inside the fund, however it is priced: no finding there
    assert [o.date.isoformat() for o in audited.facts.outflows] == ["2006-02-15"]


def test_a_price_dated_after_the_payment_does_not_count(audited, ledger_path):
    """
    2006-01-10 * "AIPO" "Fund the imprest in riel"
      Assets:Surplus-Fund:Imprest  4000000 KHR @ 0.00025 USD
      Assets:Surplus-Fund:Bank

    2006-02-15 * "Cambodian National Assembly" "Meeting costs in Phnom Penh"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   4000000 KHR
      Assets:Surplus-Fund:Imprest

    2006-02-16 price KHR 0.00025 USD
    """
    [finding] = only(audited, "conversion")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Cambodian National Assembly"')
    assert re.search(r"no USD price for KHR on or before 2006-02-15", finding.message)


def test_a_price_on_the_payment_date_counts(audited):
    """
    2006-01-10 * "AIPO" "Fund the imprest in riel"
      Assets:Surplus-Fund:Imprest  4000000 KHR @ 0.00025 USD
      Assets:Surplus-Fund:Bank

    2006-02-15 price KHR 0.00025 USD

    2006-02-15 * "Cambodian National Assembly" "Meeting costs in Phnom Penh"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   4000000 KHR
      Assets:Surplus-Fund:Imprest

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   1000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []
    assert audited.facts.outflows[0].usd == Decimal("1000")


def test_the_latest_price_on_or_before_the_date_is_used(audited, ledger_path):
    """
    2006-01-10 * "AIPO" "Fund the imprest in kip"
      Assets:Surplus-Fund:Imprest  60000000 LAK @ 0.0001 USD
      Assets:Surplus-Fund:Bank

    2006-03-01 price LAK 0.00011 USD

    2006-03-10 * "Lao National Assembly" "Meeting costs in Vientiane"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-10.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   50000000 LAK
      Assets:Surplus-Fund:Imprest

    2006-06-01 price LAK 0.00009 USD
    """
    # 50,000,000 LAK is 5,000 USD at the 2005 price but 5,500 USD at the March price:
    # the approval rule sees the March amount and wants a second approver.
    assert only(audited, "conversion") == []
    [outflow] = audited.facts.outflows
    assert outflow.usd == Decimal("5500")
    assert str(outflow.conversions[0].rate_date) == "2006-03-01"
    [finding] = only(audited, "approval")
    assert finding.lineno == line_of(ledger_path, '2006-03-10 * "Lao National Assembly"')
    assert finding.amount == Decimal("5500")


# Money into the fund with no price was worth nothing: no transfer, no finding, the statement's
# balance unchanged. It is a transfer-in (judged for its fiscal year and audit reference) whose
# amount cannot be converted.
def test_a_transfer_in_a_currency_without_a_price_is_judged_and_said(audited, ledger_path):
    """
    2006-09-01 * "Donor" "A gift in Singapore dollars"
      Assets:Surplus-Fund:Bank-SGD   5000000.00 SGD
      Income:Other:Interest
    """
    line = line_of(ledger_path, '2006-09-01 * "Donor"')
    found = {(f.kind, f.lineno) for f in audited.findings}
    assert {("conversion", line), ("transfer", line)} <= found
    [said] = [f for f in only(audited, "conversion") if f.lineno == line]
    assert said.severity == "error" and said.amount is None
    assert re.search(r"no USD price for SGD on or before 2006-09-01: 5,000,000.00 SGD into the "
                     r"fund cannot be converted and counts as nothing", said.message)
    assert [t.location.lineno for t in audited.facts.transfers if t.usd == 0] == [line]


def test_a_move_between_the_funds_accounts_without_a_price_is_no_finding(audited):
    """
    ; riel moved from one of the fund's accounts to another nets to nothing in the fund
    2006-01-10 * "AIPO" "Fund the imprest in riel"
      Assets:Surplus-Fund:Imprest  4000000 KHR @ 0.00025 USD
      Assets:Surplus-Fund:Bank

    2006-01-20 * "AIPO" "Riel back to a riel account of the fund"
      Assets:Surplus-Fund:Bank-KHR  4000000 KHR
      Assets:Surplus-Fund:Imprest  -4000000 KHR
    """
    assert "conversion" not in kinds(audited)


def test_a_currency_bought_within_the_fund_at_a_rate_of_the_other_leg_is_said_as_such(
        audited):
    """
    2006-01-10 * "AIPO" "Riel bought with dollars, priced in riel"
      Assets:Surplus-Fund:Bank  -1000.00 USD @ 4000 KHR
      Assets:Surplus-Fund:Imprest  4000000 KHR
    """
    [said] = only(audited, "conversion")
    assert "4,000,000 KHR bought within the fund cannot be converted" in said.message


def test_a_rate_written_in_the_payment_far_from_the_price_is_a_warning(audited, ledger_path):
    """
    2006-01-10 * "AIPO" "Fund the imprest in kip"
      Assets:Surplus-Fund:Imprest  20000000 LAK @ 0.0001 USD
      Assets:Surplus-Fund:Bank

    2006-02-15 * "Lane Xang Interpretation" "Interpretation, at a rate of its own"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.interpretation.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   0.17 USD
      Assets:Surplus-Fund:Imprest  -17000000 LAK @ 0.00000001 USD

    2006-02-20 * "Lane Xang Interpretation" "Interpretation, at the bank's rate"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-20.interpretation.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   105.00 USD
      Assets:Surplus-Fund:Imprest  -1000000 LAK @ 0.000105 USD
    """
    # the PRELUDE prices LAK at 0.0001 USD from 2005-12-01: 17,000,000 LAK is 1,700 USD, and
    # above the threshold of one approver's; at the rate it gives it is 0.17 USD. A bank's
    # rate 5 % above the price is no warning.
    [said] = only(audited, "conversion")
    assert said.severity == "warning"
    assert said.lineno == line_of(ledger_path, '2006-02-15 * "Lane Xang Interpretation"')
    assert ("17,000,000 LAK converted at the rate the payment gives, 0.00000001 USD per LAK, "
            "100.0 % below the price of 2005-12-01 (0.0001)") in said.message


def test_a_payment_out_of_a_holding_at_its_cost_is_no_warning(audited):
    """
    2006-01-10 * "AIPO" "Bonds bought for the fund"
      Assets:Surplus-Fund:Deposit  10 TBOND {1000.00 USD}
      Assets:Surplus-Fund:Bank

    2006-01-31 price TBOND 1200.00 USD

    2006-02-15 * "Kingdom Consultancy" "Research paid in a bond, at its cost"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
      Assets:Surplus-Fund:Deposit  -1 TBOND {1000.00 USD}
    """
    # the cost is the lot's, which Beancount's booking checks: the market has moved since
    assert "conversion" not in kinds(audited)
    [outflow] = audited.facts.outflows
    assert [c.rate_source for c in outflow.conversions] == ["posting cost"]


def test_a_total_rounded_to_the_cent_is_no_rate_of_its_own(audited):
    """
    2006-01-10 * "AIPO" "Fund the imprest in kip"
      Assets:Surplus-Fund:Imprest  20000000 LAK @ 0.0001 USD
      Assets:Surplus-Fund:Bank

    2006-02-15 * "Lao Development Bank" "Bank charge, its total in cents"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.bank-charge.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   0.02 USD
      Assets:Surplus-Fund:Imprest  -150 LAK @@ 0.02 USD
    """
    # 150 LAK at the price is 0.015 USD: 33 % off the rate, half a cent off the amount
    assert "conversion" not in kinds(audited)

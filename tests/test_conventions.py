"""The ledger conventions (aipo_budget.core.conventions): one frozen object with the account roots,
the metadata keys and the operating currency, which is the ledger's ``operating_currency``
option (the first one), USD when the ledger has none. A ledger kept in EUR is audited in EUR:
its facts, its findings' amounts and currency, and the prices the conversion rule asks for."""

from __future__ import annotations

import dataclasses
import inspect
import re
from decimal import Decimal
from pathlib import Path

import pytest

from aipo_budget.core import meta
from aipo_budget.core.conventions import DEFAULT, Conventions, conventions
from conftest import PRELUDE, kinds, only, run, write_ledger

EUR_PRELUDE = """\
option "title" "Ledger kept in euros"
option "operating_currency" "EUR"
option "documents" "documents"

2002-01-01 open Assets:Surplus-Fund:Bank
2002-01-01 open Assets:Surplus-Fund:Imprest
2002-01-01 open Assets:Operating:Bank
2002-01-01 open Income:Co-Funding:Partner
2002-01-01 open Income:Contributions:Brunei
2002-01-01 open Income:Other:Interest
2002-01-01 open Expenses:Secretariat:Rent
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Research
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Travel
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Translation
2002-01-01 open Equity:Opening-Balances

2002-01-01 * "Opening balance of the Surplus Fund"
  Assets:Surplus-Fund:Bank       200000.00 EUR
  Equity:Opening-Balances

2002-01-01 * "Opening balance of operating cash"
  Assets:Operating:Bank          500000.00 EUR
  Equity:Opening-Balances

2005-12-01 price USD 0.80 EUR
"""

# the shared prelude without its operating_currency option
NO_OPTION_PRELUDE = PRELUDE.replace('option "operating_currency" "USD"\n', "")


@pytest.fixture
def euro(request: pytest.FixtureRequest, tmp_path: Path):
    """The audit of the test's docstring ledger, written after the EUR prelude."""
    return run(write_ledger(tmp_path, inspect.getdoc(request.function), EUR_PRELUDE))


@pytest.fixture
def no_option(request: pytest.FixtureRequest, tmp_path: Path):
    """The audit of the test's docstring ledger, written after a prelude with no currency."""
    assert "operating_currency" not in NO_OPTION_PRELUDE
    return run(write_ledger(tmp_path, inspect.getdoc(request.function), NO_OPTION_PRELUDE))


def test_a_euro_ledger_is_audited_in_euros(euro):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   6000.00 EUR
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   6000.00 EUR
      Income:Co-Funding:Partner
    """
    assert euro.facts.conventions.currency == "EUR"
    assert kinds(euro) == ["approval"]
    [finding] = only(euro, "approval")
    assert finding.currency == "EUR"
    assert finding.amount == Decimal("6000.00")
    assert re.search(r"6,000\.00 EUR is above 5,000\.00 EUR", finding.message)
    assert "USD" not in finding.message
    assert finding.as_dict()["currency"] == "EUR"
    assert euro.facts.outflows[0].balance_after == Decimal("194000.00")


def test_usd_expenses_count_at_the_ledgers_eur_price(euro):
    """
    2006-01-10 * "AIPO" "Fund the imprest in dollars"
      Assets:Surplus-Fund:Imprest  20000.00 USD @ 0.80 EUR
      Assets:Surplus-Fund:Bank

    2006-02-15 * "Thai Airways" "Travel to the Bangkok workshop"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.air-tickets.pdf"
      Expenses:Projects:Trafficking-Roadmap:Travel   6000.00 USD
      Assets:Surplus-Fund:Imprest

    2006-03-15 * "Thai Airways" "Travel to the Manila workshop"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-15.air-tickets.pdf"
      Expenses:Projects:Trafficking-Roadmap:Travel   7000.00 USD
      Assets:Surplus-Fund:Imprest

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   9000.00 EUR
      Income:Co-Funding:Partner
    """
    first, second = euro.facts.outflows
    # 6,000 USD is 4,800 EUR, under the EUR threshold: one approver suffices
    assert first.usd == Decimal("4800.0000")
    [conversion] = first.conversions
    assert (conversion.currency, conversion.rate, conversion.rate_source) == (
        "USD", Decimal("0.80"), "price entry")
    assert str(conversion.rate_date) == "2005-12-01"
    # 7,000 USD is 5,600 EUR: above it
    assert second.usd == Decimal("5600.0000")
    [finding] = only(euro, "approval")
    assert finding.date == second.date
    assert (finding.amount, finding.currency) == (Decimal("5600.0000"), "EUR")
    assert kinds(euro) == ["approval"]


def test_the_conversion_rule_asks_for_a_price_in_the_operating_currency(euro):
    """
    2006-01-10 * "AIPO" "Fund the imprest in riel"
      Assets:Surplus-Fund:Imprest  4000000 KHR @ 0.0002 EUR
      Assets:Surplus-Fund:Bank

    2006-02-15 * "Cambodian National Assembly" "Travel costs in Phnom Penh"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Travel   4000000 KHR
      Assets:Surplus-Fund:Imprest
    """
    [finding] = only(euro, "conversion")
    assert re.search(r"no EUR price for KHR on or before 2006-02-15", finding.message)
    assert "'price KHR ... EUR'" in finding.message
    assert "USD" not in finding.message


def test_operating_surplus_and_transfers_are_in_euros(euro):
    """
    2005-06-30 * "Bank" "Interest"
      Assets:Operating:Bank   1000.00 EUR
      Income:Other:Interest

    2006-01-15 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank   2500.00 EUR
      Assets:Operating:Bank
    """
    assert euro.facts.operating[2005].surplus == Decimal("1000.00")
    [finding] = only(euro, "transfer")
    assert (finding.amount, finding.currency) == (Decimal("1500.00"), "EUR")
    assert re.search(r"reach 2,500\.00 EUR, more than that year's operating surplus of "
                     r"1,000\.00 EUR", finding.message)


def test_a_ledger_without_the_option_is_audited_in_usd(no_option):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   6000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   6000.00 USD
      Income:Co-Funding:Partner
    """
    assert no_option.facts.conventions == DEFAULT
    assert no_option.facts.conventions.currency == "USD"
    [finding] = only(no_option, "approval")
    assert (finding.amount, finding.currency) == (Decimal("6000.00"), "USD")
    assert re.search(r"6,000\.00 USD is above 5,000\.00 USD", finding.message)
    assert kinds(no_option) == ["approval"]


@pytest.mark.parametrize(("options", "currency"), [
    (None, "USD"),
    ({}, "USD"),
    ({"operating_currency": []}, "USD"),
    ({"operating_currency": ["EUR"]}, "EUR"),
    ({"operating_currency": ["EUR", "USD"]}, "EUR"),  # the first one given
])
def test_the_operating_currency_comes_from_the_options(options, currency):
    assert conventions(options).currency == currency


def test_the_conventions_are_frozen_and_shared_by_the_metadata_readers():
    ledger = conventions({"operating_currency": ["EUR"]})
    with pytest.raises(dataclasses.FrozenInstanceError):
        ledger.currency = "USD"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT.fund = "Assets:Other"  # type: ignore[misc]
    assert (ledger.fund, ledger.projects) == ("Assets:Surplus-Fund", "Expenses:Projects")
    assert ledger.is_fund("Assets:Surplus-Fund") and ledger.is_fund("Assets:Surplus-Fund:Bank")
    assert not ledger.is_fund("Assets:Surplus-Fund-Old")
    # the metadata readers use the keys of the conventions, not a copy of them
    assert (meta.APPROVED_BY, meta.FISCAL_YEAR) == (DEFAULT.approved_by, DEFAULT.fiscal_year)
    assert set(meta.CONVENTION_KEYS) == set(Conventions().keys)


def test_one_reader_of_fiscal_years_for_transfers_and_contributions(euro):
    """
    2004-03-01 * "Brunei" "Contribution for 2004"
      fiscal-year: "2004"
      Assets:Operating:Bank   50000.00 EUR
      Income:Contributions:Brunei

    2005-02-01 * "Brunei" "Contribution for 2004, balance"
      fiscal-year: 2004
      Assets:Operating:Bank   10000.00 EUR
      Income:Contributions:Brunei

    2005-03-01 * "Brunei" "Contribution for a year nobody can read"
      fiscal-year: "two thousand"
      Assets:Operating:Bank   1000.00 EUR
      Income:Contributions:Brunei

    2005-03-15 * "AIPO" "Transfer of the 2004 operating surplus"
      fiscal-year: "2004"
      audit-ref: "AR-2004"
      Assets:Surplus-Fund:Bank   20000.00 EUR
      Assets:Operating:Bank

    2005-04-15 * "AIPO" "Transfer of an unreadable year's surplus"
      fiscal-year: "two thousand"
      audit-ref: "AR-XXXX"
      Assets:Surplus-Fund:Bank   100.00 EUR
      Assets:Operating:Bank
    """
    years = [(c.fiscal_year, c.kind) for c in euro.facts.contributions]
    assert years == [(2004, "assessed"), (2004, "received"), (2004, "assessed"),
                     (2004, "received"), (2005, "assessed"), (2005, "received")]
    assert [t.fiscal_year for t in euro.facts.transfers] == [2004, None]
    unreadable = "metadata 'fiscal-year' is \"two thousand\": expected a year such as 2004"
    assert [f.kind for f in euro.findings if f.message.startswith(unreadable)] == [
        "ledger", "transfer"]
    assert meta.year_end(2004).isoformat() == "2004-12-31"


# A crossed ceiling carries the ledger's currency: findings are stamped with it in one place
# (engine.in_currency), whichever part of the audit made them.
def test_every_finding_is_in_the_operating_currency_whoever_made_it(euro):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Deputy Secretary General"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   45000.00 EUR
      Assets:Surplus-Fund:Bank

    2006-03-01 * "Partner" "Research paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Research   45000.00 EUR
      Income:Co-Funding:Partner
    """
    assert [f.severity for f in only(euro, "ceiling")] == ["error"]
    assert {f.currency for f in euro.findings} == {"EUR"}
    assert {f.as_dict()["currency"] for f in euro.findings if f.amount is not None} == {"EUR"}

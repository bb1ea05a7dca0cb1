"""Rule kind ``authorization``: every surplus outflow cites a ``resolution`` that is a known
instrument authorising the use of surplus funds (AIPO Statutes, Art. 21 (amended)); the tests'
rules know one: 26GA/2005/Soc/03."""

from __future__ import annotations

import re
from decimal import Decimal

from conftest import kinds, line_of, only


def test_an_outflow_citing_a_known_resolution_passes(audited):
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
    assert audited.facts.outflows[0].resolution == "26GA/2005/Soc/03"


def test_an_outflow_without_resolution_fails(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["authorization"]
    [finding] = only(audited, "authorization")
    assert finding.severity == "error"
    assert finding.rule == "ART21-AUTH"
    assert finding.citation == "AIPO Statutes, Art. 21 (amended)"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("8000.00")
    assert re.search(r"cites no resolution.*'resolution'", finding.message)


def test_an_outflow_citing_an_unknown_resolution_fails(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
      resolution: "99GA/2099/Xyz/01"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["authorization"]
    [finding] = only(audited, "authorization")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert finding.amount == Decimal("8000.00")
    assert re.search(r"resolution '99GA/2099/Xyz/01' is not an instrument that authorises",
                     finding.message)
    assert re.search(r"known: 26GA/2005/Soc/03", finding.message)


def test_a_blank_resolution_is_no_resolution(audited, ledger_path):
    """
    2006-02-15 * "Print House" "Printing of the questionnaire"
      resolution: "  "
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   1000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "authorization")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Print House"')
    assert re.search(r"cites no resolution", finding.message)


def test_every_unauthorised_outflow_is_reported(audited, ledger_path):
    """
    2006-02-15 * "Print House" "Printing of the questionnaire"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   1000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-15 * "Translator" "Translation of the questionnaire"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-15.translation-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Translation   500.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-15 * "Landlord" "Secretariat rent"
      resolution: "24GA/2003/Org/02"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-04-15.rent-invoice.pdf"
      Expenses:Secretariat:Rent   2000.00 USD
      Assets:Surplus-Fund:Bank
    """
    findings = only(audited, "authorization")
    assert [(f.lineno, f.amount) for f in findings] == [
        (line_of(ledger_path, '2006-02-15 * "Print House"'), Decimal("1000.00")),
        (line_of(ledger_path, '2006-04-15 * "Landlord"'), Decimal("2000.00")),
    ]


def test_moves_inside_the_fund_and_transfers_in_need_no_resolution(audited):
    """
    2005-03-01 * "Brunei" "Contribution 2005"
      Assets:Operating:Bank-USD       100000.00 USD
      Income:Contributions:Brunei

    2006-01-15 * "AIPO" "Place part of the fund on deposit"
      Assets:Surplus-Fund:Deposit    50000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-01 * "AIPO" "Transfer of the 2005 operating surplus"
      fiscal-year: 2005
      audit-ref: "AR-2005"
      Assets:Surplus-Fund:Bank         40000.00 USD
      Assets:Operating:Bank-USD
    """
    assert kinds(audited) == []
    assert audited.facts.outflows == []

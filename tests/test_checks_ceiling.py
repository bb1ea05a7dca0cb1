"""Rule kind ``ceiling``: cumulative surplus-funded spending of Trafficking-Roadmap never exceeds
its allocation of USD 40,000: a warning on the outflow that first reaches 90 % (36,000), an
error on the outflow that crosses 100 % and on every outflow after it while above
(26GA/2005/Soc/03; 23GA/2002/Org/08).

The partner's co-funding in these ledgers keeps the surplus share under the 60 % cap.
"""

from __future__ import annotations

import re
from decimal import Decimal
import shutil

from conftest import RULES, kinds, line_of, only, run


def test_spending_below_the_warning_level_passes(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   35999.99 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   30000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == []


def test_exactly_the_allocation_gives_the_warning_only(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   20000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-15 * "Hotel" "Regional meeting"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-03-15.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   16000.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-15 * "Print House" "Printing of the roadmap"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-04-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   4000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   30000.00 USD
      Income:Co-Funding:Partner
    """
    assert kinds(audited) == ["ceiling"]
    assert audited.errors == []
    [warning] = only(audited, "ceiling")
    assert warning.severity == "warning"
    assert warning.rule == "SOC03-CEILING"
    # the outflow that first reaches 36,000 carries it, not the one that reaches 40,000
    assert warning.lineno == line_of(ledger_path, '2006-03-15 * "Hotel"')
    assert warning.amount == Decimal("16000.00")
    assert warning.project == "Trafficking-Roadmap"
    assert re.search(r"spending reaches 36,000\.00 USD, 90\.0 % of the allocation of "
                     r"40,000\.00 USD \(warning from 90 %\)", warning.message)


def test_the_outflow_that_crosses_and_every_later_one_fail(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   30000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-15 * "Hotel" "Regional meeting"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-03-15.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   9000.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-15 * "Print House" "Printing of the roadmap"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-04-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   2000.00 USD
      Assets:Surplus-Fund:Bank

    2006-05-15 * "Translator" "Translation of the roadmap"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-05-15.translation-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Translation   500.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Research paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Research   30000.00 USD
      Income:Co-Funding:Partner
    """
    assert set(kinds(audited)) == {"ceiling"}
    warning, crossing, later = only(audited, "ceiling")
    assert (warning.severity, warning.lineno) == (
        "warning", line_of(ledger_path, '2006-03-15 * "Hotel"'))

    assert crossing.severity == "error"
    assert crossing.lineno == line_of(ledger_path, '2006-04-15 * "Print House"')
    assert crossing.amount == Decimal("1000.00")  # the part above the allocation
    assert re.search(r"this outflow crosses the allocation of 40,000\.00 USD: surplus-funded "
                     r"spending 41,000\.00 USD \(102\.5 %\)", crossing.message)

    assert later.severity == "error"
    assert later.lineno == line_of(ledger_path, '2006-05-15 * "Translator"')
    assert later.amount == Decimal("500.00")
    assert re.search(r"adds to spending already above the allocation", later.message)

    first = line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert first not in [f.lineno for f in audited.findings]


def test_jumping_past_the_allocation_is_an_error_without_warning(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research, first instalment"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   30000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-15 * "Hotel" "Regional meeting"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-03-15.meeting-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   15000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Research paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Research   31000.00 USD
      Income:Co-Funding:Partner
    """
    [finding] = only(audited, "ceiling")
    assert finding.severity == "error"
    assert finding.lineno == line_of(ledger_path, '2006-03-15 * "Hotel"')
    assert finding.amount == Decimal("5000.00")
    assert re.search(r"crosses the allocation.*45,000\.00 USD \(112\.5 %\)", finding.message)


def test_co_funded_costs_do_not_count_against_the_allocation(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   30000.00 USD
      Assets:Surplus-Fund:Bank

    2006-02-20 * "Partner" "Co-funding received"
      Assets:Co-Funding:Partner     38000.00 USD
      Income:Co-Funding:Partner

    2006-03-20 * "Consultant" "Co-funded consultants"
      Expenses:Projects:Trafficking-Roadmap:Consultants   38000.00 USD
      Assets:Co-Funding:Partner
    """
    assert kinds(audited) == []


def test_only_what_left_the_fund_counts_when_a_partner_pays_part(audited, ledger_path):
    """
    2006-01-05 * "Partner" "Co-funding received"
      Assets:Co-Funding:Partner     20000.00 USD
      Income:Co-Funding:Partner

    2006-03-10 * "Hotel" "Regional meeting, shared with the partner"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-03-10.hotel-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Meetings   50000.00 USD
      Assets:Co-Funding:Partner                        -20000.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert audited.facts.outflows[0].usd == Decimal("30000.00")
    assert only(audited, "ceiling") == []


def test_a_refund_lowers_spending_and_is_no_transfer(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   35000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-01 * "Kingdom Consultancy" "Unspent advance paid back"
      Assets:Surplus-Fund:Bank                          5000.00 USD
      Expenses:Projects:Trafficking-Roadmap:Research   -5000.00 USD

    2006-04-15 * "Print House" "Roadmap printing"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-04-15.printing-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Publications   5500.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   30000.00 USD
      Income:Co-Funding:Partner
    """
    # 35,000 - 5,000 + 5,500 = 35,500: below the 36,000 warning level
    assert kinds(audited) == []
    (refund,) = audited.facts.refunds
    assert refund.usd == Decimal("5000.00")
    assert audited.facts.transfers == []


def test_an_amendment_that_lowers_the_allocation_warns_again(ledger_path, tmp_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   24000.00 USD
      Assets:Surplus-Fund:Bank

    2006-07-20 * "Translators" "Roadmap translation"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      incurred: 2006-06-28
      document: "2006-07-20.translation-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Translation   400.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   30000.00 USD
      Income:Co-Funding:Partner
    """
    rules = tmp_path / "amended-rules"
    shutil.copytree(RULES, rules)
    path = rules / "26GA-2005-Soc-03.toml"
    text = path.read_text()
    marker = "  params.warn_at = 0.90\n"
    assert marker in text
    path.write_text(text.replace(marker, marker + """
  [[rule.version]]
  effective = 2006-07-15
  params.project = "Trafficking-Roadmap"
  params.allocation = 24500.00
  params.warn_at = 0.90
""", 1))
    result = run(ledger_path, rules=rules)
    (warning,) = only(result, "ceiling")
    assert warning.severity == "warning" and warning.version == 2
    assert warning.lineno == line_of(ledger_path, '2006-07-20 * "Translators"')
    assert re.search(r"reaches 24,400.00 USD, 99.6 %", warning.message)


def test_spending_above_the_allocation_by_less_than_half_a_cent_warns_only(audited):
    """
    ; 1,600,000.16 THB at 0.025 is 40,000.004 USD: 40,000.00 USD to the cent, the allocation
    ; reached, not crossed

    2006-02-15 * "Thai Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1600000.16 THB
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   30000.00 USD
      Income:Co-Funding:Partner
    """
    [warning] = only(audited, "ceiling")
    assert warning.severity == "warning"
    assert "reaches 40,000.00 USD, 100.0 % of the allocation" in warning.message


def test_the_warning_level_reached_to_the_cent_warns(audited):
    """
    ; 1,439,999.9 THB at 0.025 is 35,999.9975 USD: 36,000.00 USD to the cent, 90 %

    2006-02-15 * "Thai Consultancy" "Research programme"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1439999.9 THB
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   30000.00 USD
      Income:Co-Funding:Partner
    """
    [warning] = only(audited, "ceiling")
    assert "reaches 36,000.00 USD, 90.0 % of the allocation" in warning.message

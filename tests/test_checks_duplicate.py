"""Rule kind ``duplicate``: no surplus outflow repeats an earlier one (Res. 23GA/2002/Org/08,
internal control). The same document or link is an error, the same payee and amount within 30
days a warning (unless each payment cites its own document: instalments); the finding is on the
later outflow and names the nearest earlier one. Payments that settle one accrual through its
link are no repeats while together they settle no more than it booked.

The outflows here are small (one approver suffices) and well documented unless a test says so;
only the duplicate findings are asserted.
"""

from __future__ import annotations

import re
import shutil
from decimal import Decimal

import pytest

from aipo_budget.core.rules import RulesError, load_rules
from conftest import RULES, line_of, only, run, write_ledger

RULE_FILE = "23GA-2002-Org-08.toml"


def rules_with(tmp_path, old: str, new: str):
    """A copy of the tests' rules with ``old`` replaced by ``new`` in the 23GA/2002/Org/08 file."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / RULE_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not unique in {RULE_FILE}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def payment(date: str, payee: str, amount: str, document: str | None = None,
            links: str = "", account: str = "Expenses:Projects:Trafficking-Roadmap:Research"
            ) -> str:
    """A surplus outflow, well approved; ``document`` None leaves it without one."""
    cited = f'\n  document: "{document}"' if document else ""
    amount = amount if " " in amount else f"{amount} USD"
    return f"""
{date} * "{payee}" "Payment" {links}
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"{cited}
  {account}   {amount}
  Assets:Surplus-Fund:Bank
"""


def audit_of(tmp_path, *blocks: str, rules=RULES):
    ledger = write_ledger(tmp_path, "\n".join(blocks))
    return run(ledger, rules), ledger


# --- same payee and amount ----------------------------------------------------------------


def test_same_payee_and_amount_on_the_last_day_of_the_window_is_a_warning(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3400.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-17 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      Expenses:Projects:Trafficking-Roadmap:Research   3400.00 USD
      Assets:Surplus-Fund:Bank
    """
    [warning] = only(audited, "duplicate")
    assert (warning.rule, warning.severity) == ("ORG08-DUPLICATE", "warning")
    assert warning.lineno == line_of(ledger_path, '2006-03-17 * "Kingdom Consultancy"')
    assert warning.date.isoformat() == "2006-03-17"
    assert warning.amount == Decimal("3400.00")
    earlier = line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert re.search(rf"repeats the outflow of 2006-02-15 to Kingdom Consultancy of 3,400\.00 USD "
                     rf"\(line {earlier}\): same payee and amount 30 day\(s\) apart "
                     rf"\(within 30 days\)", warning.message)
    assert "cite its own document" in warning.message
    [missing] = only(audited, "evidence")  # the one without a document is an error anyway
    assert missing.lineno == warning.lineno


def test_same_payee_and_amount_a_day_after_the_window_passes(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3400.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-18 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      Expenses:Projects:Trafficking-Roadmap:Research   3400.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert only(audited, "duplicate") == []
    assert len(audited.facts.outflows) == 2


def test_payees_are_compared_as_people(tmp_path):
    first = payment("2006-02-15", "Kingdom Consultancy Group", "3400.00", "2006-02-15.invoice.pdf")
    for variant in ("kingdom  consultancy GROUP", " Kingdom\u00a0Consultancy Group "):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        result, _ = audit_of(folder, first, payment("2006-02-20", variant, "3400.00"))
        [warning] = only(result, "duplicate")
        assert "same payee and amount 5 day(s) apart" in warning.message


def test_another_amount_or_payee_is_no_repeat(tmp_path):
    result, _ = audit_of(
        tmp_path,
        payment("2006-02-15", "Kingdom Consultancy", "3400.00", "2006-02-15.invoice.pdf"),
        payment("2006-02-16", "Kingdom Consultancy", "3400.01"),
        payment("2006-02-17", "Kingdom Consultants", "3400.00"),
    )
    assert only(result, "duplicate") == []
    assert len(result.facts.outflows) == 3


def test_the_amount_is_what_left_the_fund_not_its_converted_value(tmp_path):
    """The same 30,000,000 LAK twice is a repeat though the rate changed between them."""
    rate = "\n2006-02-20 price LAK 0.00011 USD\n"
    result, _ = audit_of(
        tmp_path,
        payment("2006-02-15", "Lane Xang Interpretation", "30000000 LAK", "2006-02-15.inv.pdf",
                account="Expenses:Projects:Trafficking-Roadmap:Meetings"),
        rate,
        payment("2006-03-01", "Lane Xang Interpretation", "30000000 LAK",
                account="Expenses:Projects:Trafficking-Roadmap:Meetings"),
    )
    [warning] = only(result, "duplicate")
    assert "of 30,000,000.00 LAK" in warning.message
    assert warning.amount == Decimal("3300.00000")


def test_instalments_with_their_own_documents_pass(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, instalment 1 of 3"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.instalment-1.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   2000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-15 * "Kingdom Consultancy" "Research consultant, instalment 2 of 3"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-03-15.instalment-2.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   2000.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-14 * "Kingdom Consultancy" "Research consultant, instalment 3 of 3"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-04-14.instalment-3.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   2000.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert only(audited, "duplicate") == []
    assert only(audited, "evidence") == []  # each document resolves to its own file
    assert len({o.document_path for o in audited.facts.outflows}) == 3
    # what explain shows: the instalment 30 days before, excused, not "(none)"
    from aipo_budget.core.checks import duplicate

    (rule,) = audited.ruleset.of_kind("duplicate")
    third = list(duplicate.judged(audited.facts, rule))[2][1]
    alike = [(name, where.lineno) for name, where, _what in third.facts()
             if name.startswith("same payee and amount")]
    assert alike == [("same payee and amount, each with its own document: an instalment",
                      audited.facts.outflows[1].location.lineno)]


# --- same document ------------------------------------------------------------------------


def test_the_same_document_is_an_error_on_the_later_outflow(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3400.00 USD
      Assets:Surplus-Fund:Bank

    2006-09-01 * "Kingdom Consulting Ltd" "Research consultant, balance"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.consultancy-invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1200.00 USD
      Assets:Surplus-Fund:Bank
    """
    [error] = only(audited, "duplicate")
    assert error.severity == "error"
    assert error.lineno == line_of(ledger_path, '2006-09-01 * "Kingdom Consulting Ltd"')
    assert error.amount == Decimal("1200.00")
    earlier = line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert f"outflow of 2006-02-15 to Kingdom Consultancy of 3,400.00 USD (line {earlier})" \
        in error.message
    assert "same document '2006-02-15.consultancy-invoice.pdf'" in error.message
    assert "same payee" not in error.message


def test_an_exact_double_entry_is_one_finding_with_every_reason(tmp_path):
    twice = payment("2006-02-15", "Kingdom Consultancy", "3400.00", "2006-02-15.invoice.pdf",
                    "^inv-77")
    result, ledger = audit_of(tmp_path, twice, twice.replace('"Payment"', '"Payment again"'))
    [error] = only(result, "duplicate")
    assert error.severity == "error"
    assert re.search(r"same document '2006-02-15\.invoice\.pdf'; same link \^inv-77; "
                     r"same payee and amount 0 day\(s\) apart", error.message)
    assert "cite its own document" not in error.message
    assert error.lineno == line_of(ledger, '2006-02-15 * "Kingdom Consultancy" "Payment again"')


def test_an_unresolved_document_value_counts_too(tmp_path):
    result, _ = audit_of(
        tmp_path,
        payment("2006-02-15", "Print House", "900.00", "invoice-missing.pdf"),
        payment("2006-02-25", "Translator", "500.00", "invoice-missing.pdf"),
    )
    [error] = only(result, "duplicate")
    assert "same document 'invoice-missing.pdf'" in error.message


def test_the_same_name_filed_under_two_accounts_is_two_documents(tmp_path):
    result, _ = audit_of(
        tmp_path,
        payment("2006-02-15", "Print House", "900.00", "2006-02-15.invoice.pdf",
                account="Expenses:Projects:Trafficking-Roadmap:Publications"),
        payment("2006-02-25", "Translator", "500.00", "2006-02-15.invoice.pdf",
                account="Expenses:Projects:Trafficking-Roadmap:Translation"),
    )
    paths = {o.document_path for o in result.facts.outflows}
    assert len(paths) == 2 and None not in paths
    assert only(result, "duplicate") == []


def test_the_same_file_under_another_name_is_the_same_document(tmp_path):
    """A symbolic link to an earlier outflow's evidence, cited under its own name and on
    another account, is that file: the same document, not an instalment."""
    first = payment("2006-04-20", "Mekong Legal Research Associates", "1400.00",
                    "2006-04-20.invoice.pdf",
                    account="Expenses:Projects:Trafficking-Roadmap:Consultants")
    again = payment("2006-05-10", "Mekong Legal Research Associates", "1400.00",
                    "2006-06-10.inlink.pdf")
    ledger = write_ledger(tmp_path, first + again)
    alias = tmp_path / "documents/Expenses/Projects/Trafficking-Roadmap/Research"
    (alias / "2006-06-10.inlink.pdf").unlink()
    (alias / "2006-06-10.inlink.pdf").symlink_to(
        "../Consultants/2006-04-20.invoice.pdf")
    [error] = only(run(ledger), "duplicate")
    assert (error.severity, error.lineno) == ("error", line_of(ledger, '2006-05-10 *'))
    assert ("same document '2006-06-10.inlink.pdf' (the file of '2006-04-20.invoice.pdf')"
            in error.message), error.message
    assert "cite its own document" not in error.message


def test_a_copy_of_a_file_is_another_document(tmp_path):
    """Documents are compared as files, not by their bytes: two invoices of one template may
    be identical, and a copy is the auditor's to see in the register."""
    result, _ = audit_of(
        tmp_path,
        payment("2006-02-15", "Print House", "900.00", "2006-02-15.invoice.pdf"),
        payment("2006-03-15", "Print House", "900.00", "2006-03-15.invoice.pdf"),
    )
    assert only(result, "duplicate") == []


def test_the_third_repeat_points_at_the_second_not_the_first(tmp_path):
    blocks = [payment(f"2006-0{month}-15", f"Payee {month}", f"{month}00.00", "invoice.pdf")
              for month in (2, 3, 4)]
    result, ledger = audit_of(tmp_path, *blocks)
    second, third = only(result, "duplicate")
    lines = [line_of(ledger, f'2006-0{month}-15 * "Payee {month}"') for month in (2, 3, 4)]
    assert (second.lineno, third.lineno) == (lines[1], lines[2])
    assert f"(line {lines[0]})" in second.message
    assert f"(line {lines[1]})" in third.message and f"line {lines[0]}" not in third.message


def test_an_earlier_outflow_in_another_file_is_named_by_its_file(tmp_path):
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "later.beancount").write_text(
        payment("2006-03-01", "Translator", "500.00", "invoice.pdf"), encoding="utf-8")
    first = payment("2006-02-15", "Print House", "900.00", "invoice.pdf")
    result, ledger = audit_of(tmp_path, 'include "ledger/later.beancount"', first)
    [error] = only(result, "duplicate")
    assert error.filename.endswith("later.beancount")
    earlier = line_of(ledger, '2006-02-15 * "Print House"')
    assert f"(main.beancount:{earlier})" in error.message


# --- links and accruals -------------------------------------------------------------------


def test_two_outflows_sharing_a_link_fail(tmp_path):
    result, ledger = audit_of(
        tmp_path,
        payment("2006-02-15", "Print House", "900.00", "2006-02-15.quote.pdf", "^inv-2006-031"),
        payment("2006-04-15", "Print House", "1500.00", "2006-04-15.invoice.pdf",
                "^inv-2006-031"),
    )
    [error] = only(result, "duplicate")
    assert error.severity == "error"
    assert error.lineno == line_of(ledger, '2006-04-15 * "Print House"')
    assert re.search(r"of 900\.00 USD \(line \d+\): same link \^inv-2006-031$", error.message)


ACCRUAL = """
2006-06-28 * "Cahaya Offset Printing" "Printing of the roadmap, invoice 2006-014" ^inv-2006-014
  document: "2006-06-28.invoice-2006-014.pdf"
  Expenses:Projects:Trafficking-Roadmap:Publications   3000.00 USD
  Liabilities:Payables
"""


def settlement(date: str, amount: str) -> str:
    return f"""
{date} * "Cahaya Offset Printing" "Part payment of invoice 2006-014" ^inv-2006-014
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"
  document: "2006-06-28.invoice-2006-014.pdf"
  Liabilities:Payables   {amount}
  Assets:Surplus-Fund:Bank
"""


def test_an_accrual_paid_in_parts_is_no_repeat(tmp_path):
    """Same payee, amount, invoice and link, 10 days apart: together they pay what was booked."""
    result, _ = audit_of(tmp_path, ACCRUAL, settlement("2006-07-10", "1500.00"),
                         settlement("2006-07-20", "1000.00"), settlement("2006-07-25", "500.00"))
    assert len(result.facts.outflows) == 3
    assert only(result, "duplicate") == []


def test_an_accrual_overpaid_through_its_link_fails_on_the_payment_beyond(tmp_path):
    result, ledger = audit_of(tmp_path, ACCRUAL, settlement("2006-07-10", "2000.00"),
                              settlement("2006-07-20", "2000.00"))
    [error] = only(result, "duplicate")
    assert error.severity == "error"
    assert error.date.isoformat() == "2006-07-20"
    assert error.lineno == line_of(ledger, '2006-07-20 * "Cahaya Offset Printing"')
    assert re.search(r"repeats the outflow of 2006-07-10 .* same document "
                     r"'2006-06-28\.invoice-2006-014\.pdf'; same link \^inv-2006-014, and the "
                     r"payments through it settle 4,000\.00 USD, more than its accrual booked "
                     r"\(3,000\.00 USD\); same payee and amount 10 day\(s\) apart",
                     error.message)


def test_a_direct_payment_of_an_accrued_invoice_after_its_settlement_fails(tmp_path):
    """The invoice is settled through the payable, then paid again straight to the expense."""
    result, _ = audit_of(
        tmp_path, ACCRUAL, settlement("2006-07-10", "3000.00"),
        payment("2006-08-01", "Cahaya Offset", "3000.00", "2006-08-01.reminder.pdf",
                "^inv-2006-014", account="Expenses:Projects:Trafficking-Roadmap:Publications"),
    )
    [error] = only(result, "duplicate")
    assert error.date.isoformat() == "2006-08-01"
    assert error.message.endswith("same link ^inv-2006-014")


# --- severities and parameters ------------------------------------------------------------


def test_severities_are_the_rules(tmp_path):
    rules = rules_with(tmp_path, 'params.payee_amount_severity = "warning"',
                       'params.payee_amount_severity = "error"\n  severity = "warning"')
    ledger_folder = tmp_path / "books"
    ledger_folder.mkdir()
    result, _ = audit_of(
        ledger_folder,
        payment("2006-02-15", "Kingdom Consultancy", "3400.00", "2006-02-15.invoice.pdf"),
        payment("2006-02-20", "Kingdom Consultancy", "3400.00"),
        payment("2006-03-15", "Print House", "700.00", "2006-02-15.invoice.pdf"),
        rules=rules,
    )
    same_payee, same_document = only(result, "duplicate")
    assert (same_payee.severity, same_document.severity) == ("error", "warning")
    assert "same payee" in same_payee.message and "same document" in same_document.message


def test_the_window_is_the_rules(tmp_path):
    rules = rules_with(tmp_path, "params.window_days = 30", "params.window_days = 4")
    books = tmp_path / "books"
    books.mkdir()
    first = payment("2006-02-15", "Kingdom Consultancy", "3400.00", "2006-02-15.invoice.pdf")
    result, _ = audit_of(books, first, payment("2006-02-20", "Kingdom Consultancy", "3400.00"),
                         rules=rules)
    assert only(result, "duplicate") == []
    assert only(run(books / "main.beancount"), "duplicate") != []  # 30 days: a repeat


@pytest.mark.parametrize(("old", "new", "pattern"), [
    ("params.window_days = 30", "params.window_days = -1",
     r"ORG08-DUPLICATE version 1: parameter 'window_days': -1 is not a whole number"),
    ("params.window_days = 30", "params.window_days = 30.5",
     r"parameter 'window_days': .*30\.5.* is not a whole number"),
    ("params.window_days = 30\n", "",
     r"ORG08-DUPLICATE version 1: missing parameter 'window_days'"),
    ('params.payee_amount_severity = "warning"', 'params.payee_amount_severity = "fatal"',
     r"parameter 'payee_amount_severity': 'fatal' is not one of error, warning"),
    ('params.payee_amount_severity = "warning"', "",
     r"missing parameter 'payee_amount_severity'"),
    ("params.window_days = 30", "params.window_days = 30\n  params.days = 30",
     r"unknown parameter 'days' for kind 'duplicate'"),
])
def test_bad_parameters_name_the_field(tmp_path, old, new, pattern):
    folder = rules_with(tmp_path, old, new)
    with pytest.raises(RulesError, match=pattern) as info:
        load_rules(folder)
    assert info.value.filename.endswith(RULE_FILE)
    assert info.value.lineno > 0

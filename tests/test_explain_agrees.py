"""``explain`` and ``check`` agree: on generated ledgers, for every transaction and every rule of
the folder, the explanation's verdict is the audit's findings of that rule on that transaction
(none exactly when the check has none), and a rule said not to apply has no finding there.

The ledgers mix what the duplicate rule must tell apart: the same payee and amount within the
window (spelt as other people would), instalments each citing their own document, one document
cited twice, payments settling an accrual through its link (in parts, and beyond what it
booked), preparers naming one person or several (one of them an approver), and refunds,
transfers-in and plain project payments around them.
"""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path
from typing import Any

from beancount.core import data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aipo_budget.outputs.explain import explain
from aipo_budget.outputs.explain import verdict
from aipo_budget.core.ledger import load_ledger
from conftest import run, write_ledger

START = datetime.date(2006, 1, 1)
PROJECT = "Expenses:Projects:Trafficking-Roadmap"
PAYEES = ["Kingdom Consultancy", "kingdom  consultancy", "Mekong Legal"]
AMOUNTS = ["500.00", "1000.00", "6000.00", "25000.00"]
# a few days: payments within the window of each other, and one after the payment window
DAYS = [20, 25, 40, 80, 250]


def day(offset: int) -> datetime.date:
    return START + datetime.timedelta(days=offset)


def accrual(number: int, amount: str) -> str:
    return (f'{day(number)} * "{PAYEES[0]}" "Accrued invoice {number}" ^inv-{number}\n'
            f"  {PROJECT}:Publications   {amount} USD\n"
            "  Liabilities:Payables\n")


@st.composite
def payment(draw: Any, number: int, accruals: int) -> str:
    document = draw(st.sampled_from([f"invoice-{number}.pdf", "shared.pdf", None,
                                     f"missing-{number}.pdf"]))
    settles = draw(st.sampled_from([None, *range(1, accruals + 1)]))
    amount = draw(st.sampled_from(AMOUNTS))
    approvers = draw(st.sampled_from(["Director, Deputy Director", "Director", None,
                                      "Finance Officer"]))
    fields = {"resolution": draw(st.sampled_from(["26GA/2005/Soc/03", None])),
              "prepared-by": draw(st.sampled_from(["Finance Officer", "Finance Officer, Director",
                                                   "Deputy Director, Finance Officer"])),
              "approved-by": approvers, "document": document}
    link = f" ^inv-{settles}" if settles else ""
    lines = [f'{day(draw(st.sampled_from(DAYS)))} * "{draw(st.sampled_from(PAYEES))}" '
             f'"Payment {number}"{link}']
    lines += [f'  {key}: "{value}"' for key, value in fields.items() if value is not None]
    account = ("Liabilities:Payables" if settles
               else f"{PROJECT}:{draw(st.sampled_from(['Research', 'Hospitality']))}")
    lines += [f"  {account}   {amount} USD", "  Assets:Surplus-Fund:Bank"]
    return "\n".join(lines) + "\n"


@st.composite
def ledgers(draw: Any) -> str:
    accruals = draw(st.lists(st.sampled_from(["1000.00", "2000.00"]), max_size=2))
    blocks = [accrual(number, amount) for number, amount in enumerate(accruals, start=1)]
    blocks += [draw(payment(number, len(accruals)))
               for number in range(1, draw(st.integers(1, 7)) + 1)]
    if draw(st.booleans()):
        blocks.append(f'{day(draw(st.integers(20, 90)))} * "Kingdom Consultancy" "Refund"\n'
                      "  Assets:Surplus-Fund:Bank   300.00 USD\n"
                      f"  {PROJECT}:Research\n")
    if draw(st.booleans()):
        blocks.append(f'{day(draw(st.integers(20, 90)))} * "Transfer of the 2005 surplus"\n'
                      f'  fiscal-year: "{draw(st.sampled_from(["2005", "2006"]))}"\n'
                      '  audit-ref: "AUD-2005"\n'
                      "  Assets:Surplus-Fund:Bank   1000.00 USD\n"
                      "  Assets:Operating:Bank-USD\n")
    return "\n".join(blocks)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers())
def test_explain_says_what_check_found(text):
    with tempfile.TemporaryDirectory() as folder:
        ledger = write_ledger(Path(folder), text)
        result = run(ledger)
        entries, _errors, _options = load_ledger(str(ledger))
        rule_ids = {rule.id for rule in result.ruleset.rules}
        for txn in (e for e in entries if isinstance(e, data.Transaction)):
            where = (txn.meta["filename"], txn.meta["lineno"])
            tables = {t.name: t for t in explain(result, entries, *where)}
            for row in tables["rules"].rows:
                if row["rule"] not in rule_ids:
                    continue
                audit = [f for f in result.findings
                         if (f.rule, f.filename, f.lineno) == (row["rule"], *where)]
                assert row["verdict"] == verdict(audit, row["applies"] == "yes"), (
                    txn.narration, row, [f.message for f in audit])

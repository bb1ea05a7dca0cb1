"""Property: on any generated convention-following ledger, the audit tables reconcile with
Beancount's own balances (fund statement, budget against actual, co-funding, register)."""

from __future__ import annotations

import datetime
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import reconcile, write_ledger

CATEGORIES = ["Research", "Consultants", "Meetings", "Study-Tours", "Travel", "Publications",
              "Translation", "Hospitality"]
START = datetime.date(2006, 1, 1)

operations = st.lists(
    st.tuples(
        st.sampled_from(["outflow", "other", "cofunded", "transfer", "move", "lak"]),
        st.integers(0, 364),                      # day of 2006
        st.integers(1, 2_000_000),                # cents
        st.sampled_from(CATEGORIES),
    ),
    min_size=1,
    max_size=25,
)


def transaction(kind: str, date: datetime.date, cents: int, category: str) -> str:
    amount = Decimal(cents) / 100
    meta = ('  resolution: "26GA/2005/Soc/03"\n  prepared-by: "P"\n  approved-by: "A, B"\n'
            f'  document: "{date}.evidence.pdf"\n')
    project = f"Expenses:Projects:Trafficking-Roadmap:{category}"
    if kind == "outflow":
        return f'{date} * "Payee" "Project cost"\n{meta}  {project}  {amount} USD\n  Assets:Surplus-Fund:Bank\n'
    if kind == "other":
        return f'{date} * "Landlord" "Rent"\n{meta}  Expenses:Secretariat:Rent  {amount} USD\n  Assets:Surplus-Fund:Bank\n'
    if kind == "cofunded":
        return f'{date} * "Partner-paid" "Co-funded cost"\n  {project}  {amount} USD\n  Assets:Co-Funding:Partner\n'
    if kind == "transfer":
        return (f'{date} * "Transfer of surplus"\n  fiscal-year: 2005\n  audit-ref: "AR-2005"\n'
                f'  Assets:Surplus-Fund:Bank  {amount} USD\n  Assets:Operating:Bank-USD\n')
    if kind == "move":
        return f'{date} * "To deposit"\n  Assets:Surplus-Fund:Deposit  {amount} USD\n  Assets:Surplus-Fund:Bank\n'
    lak = cents * 100  # LAK at 0.0001 USD: the same USD value
    return (f'{date} * "Imprest advance"\n  Assets:Surplus-Fund:Imprest  {lak} LAK @ 0.0001 USD\n'
            f'  Assets:Surplus-Fund:Bank  -{amount} USD\n\n'
            f'{date} * "Vientiane venue" "Paid in kip"\n{meta}  {project}  {lak} LAK\n'
            '  Assets:Surplus-Fund:Imprest\n')


PARTNER = """
2005-12-20 * "Partner" "Co-funding received"
  Assets:Co-Funding:Partner   1000000.00 USD
  Income:Co-Funding:Partner
"""


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations, st.integers(0, 400))
def test_tables_reconcile_on_generated_ledgers(ops, end_day):
    body = PARTNER + "\n".join(
        transaction(kind, START + datetime.timedelta(days=day), cents, category)
        for kind, day, cents, category in ops
    )
    with tempfile.TemporaryDirectory() as folder:
        ledger = write_ledger(Path(folder), body)
        reconcile(ledger, START + datetime.timedelta(days=end_day))

"""The one pass over the ledger's entries: each transaction goes, by the roles of its accounts,
to the part of the pass that concerns it (operating surplus, contributions, project costs and
their funding, fund movements), and the facts collect what they return.

The operating surplus of a fiscal year is all its income except co-funding (member
contributions included), less Secretariat expenses (ART21-TRANSFER caps transfers by it).

Member contributions: assessed is ``Income:Contributions:<Member>`` (a write-off, its debit,
lowers it); received is what moves the member's receivable
(``Assets:Receivables:Contributions:<Member>``) against any other account: a credit is a
receipt, a debit a receipt reversed (a returned cheque). In cash-basis books, with no
receivable, the income posting is received too. So what is assessed less what is received is
the receivable's balance. Each is kept in its currency and its value on the day. The year is the
``fiscal-year`` metadata, else the transaction's year; a value that cannot be read is a problem
of the facts (no check reads it, a table does).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core import meta
from aipo_budget.core.conventions import conventions, under
from aipo_budget.core.convert import ZERO, Converter
from aipo_budget.core.evidence import Evidence
from aipo_budget.core.facts.accruals import costs
from aipo_budget.core.facts.model import (Contribution, Facts, Location, OperatingYear, Opening,
                                          Outflow, Refund, TransferIn)
from aipo_budget.core.facts.movements import Fund, movement
from aipo_budget.core.facts.roles import (FUND_ROLE, MEMBER, MEMBER_INCOME, OPERATING_EXPENSE,
                                          OPERATING_INCOME, PROJECT, Context, by_link,
                                          in_day_order, project_of)
from aipo_budget.core.signatures import Signatures, approvals_folder

if TYPE_CHECKING:
    import datetime
    from collections.abc import Sequence
    from decimal import Decimal

OPERATING = frozenset((OPERATING_INCOME, MEMBER_INCOME, OPERATING_EXPENSE))
ASSESSED, RECEIVED = "assessed", "received"


def _operating(ctx: Context, txn: data.Transaction, roles: list[str],
               years: dict[int, list[Decimal]]) -> None:
    """Add ``txn`` to the running (income, expenses) of its fiscal year."""
    year = years[meta.year_of(txn.date)]
    for posting, role in zip(txn.postings, roles):
        if role == OPERATING_INCOME or role == MEMBER_INCOME:
            year[0] -= ctx.value(posting, txn.date)
        elif role == OPERATING_EXPENSE:
            year[1] += ctx.value(posting, txn.date)


def _contributions(ctx: Context, txn: data.Transaction, facts: Facts) -> None:
    """The contributions ``txn`` records, and the problem reading its fiscal year, if any."""
    c = ctx.conventions
    year, problem = meta.fiscal_year(txn.meta, c.fiscal_year)
    if problem is not None:
        facts.problems.append((Location.of(txn.meta, txn), txn.date, problem))
    fiscal_year = meta.year_of(txn.date) if year is None else year
    # (member, currency) -> [income units, income value, receivable units, receivable value]
    sides: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO] * 4)
    for posting in txn.postings:
        side = (0 if under(posting.account, c.contributions) else
                2 if under(posting.account, c.receivables) else None)
        if side is not None:
            found = sides[(posting.account.split(":")[-1], posting.units.currency)]
            found[side] += posting.units.number
            found[side + 1] += ctx.value(posting, txn.date)
    where = Location.of(txn.meta, txn)
    for (member, currency), (income, assessed, units, value) in sides.items():
        if income:
            facts.contributions.append(Contribution(member, fiscal_year, ASSESSED, txn.date,
                                                    -assessed, where, -income, currency))
        if income + units:  # what the member's two accounts do not settle between them
            facts.contributions.append(Contribution(member, fiscal_year, RECEIVED, txn.date,
                                                    -assessed - value, where, -income - units,
                                                    currency))


def _pass(ctx: Context, transactions: list[data.Transaction], facts: Facts) -> None:
    years: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    fund = Fund()
    movements = {Outflow: facts.outflows, TransferIn: facts.transfers, Refund: facts.refunds,
                 Opening: facts.openings}
    for txn in transactions:
        roles = [ctx.role(p.account) for p in txn.postings]
        if not OPERATING.isdisjoint(roles):
            _operating(ctx, txn, roles, years)
        if MEMBER in roles or MEMBER_INCOME in roles:
            _contributions(ctx, txn, facts)
        if PROJECT in roles:
            facts.costs.extend(costs(ctx, txn))
        if FUND_ROLE in roles:
            found = movement(ctx, fund, txn)
            if found is not None:
                movements[type(found)].append(found)
            facts.fund_history.append((txn.date, fund.balance))
            facts.fund_entries.append(txn)
    facts.fund_foreign = fund.foreign
    facts.operating = {year: OperatingYear(*totals) for year, totals in sorted(years.items())}


def build_facts(entries: Sequence[data.Directive], as_of: datetime.date,
                until: datetime.date | None = None, options: dict[str, Any] | None = None
                ) -> Facts:
    """The facts of the ledger; ``as_of`` decides which projects are closed. Every entry is
    judged, whatever its date, unless ``until`` is given: entries after it are left out.
    ``options`` (Beancount's) give the operating currency and locate the documents folders."""
    kept = [e for e in entries if e.date <= until] if until else list(entries)
    transactions = in_day_order([e for e in kept if isinstance(e, data.Transaction)])
    ledger = conventions(options)
    # evidence is looked up among all the Document entries, the cut-off ones included
    ctx = Context(ledger, Converter(kept, ledger.currency), Evidence(entries, options),
                  by_link(transactions))
    facts = Facts(as_of, (), until, len(entries) - len(kept),
                  max((e.date for e in kept), default=None), conventions=ledger,
                  converter=ctx.converter,
                  signatures=Signatures(approvals_folder(options),
                                        (ledger.prepared_by, ledger.approved_by)))
    _pass(ctx, transactions, facts)
    facts.signatures.outflows = [outflow.entry for outflow in facts.outflows]
    accounts = {e.account for e in kept if isinstance(e, data.Open)} | set(ctx.roles)
    facts.fund_accounts = tuple(sorted(a for a in accounts if ctx.is_fund(a)))
    facts.projects = frozenset(pc[0] for pc in (project_of(a, ledger) for a in accounts) if pc)
    return facts

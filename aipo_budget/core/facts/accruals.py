"""Where project costs' money came from, following accruals to the payments that settle them.

A cost is funded by the credits on the other side of its transaction (a refund, a negative
cost, goes back to its debits). A credit of a liability that a payment sharing a ``^link``
settles takes that payment's sources and date; what no payment (yet) settles is "Accrued,
unpaid". The same links tell a payment which accrued project costs it pays for.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core.conventions import under
from aipo_budget.core.convert import ZERO
from aipo_budget.core.facts.model import UNPAID_SOURCE, Cost, Location
from aipo_budget.core.facts.roles import Funding, apportion, source_of, split

if TYPE_CHECKING:
    from collections.abc import Iterator

    from beancount.core import data

    from aipo_budget.core.facts.roles import Context

OTHER_SOURCE = "Other"


def costs(ctx: Context, txn: data.Transaction) -> list[Cost]:
    """The project costs of ``txn``, each split by the source that paid it, in cents: the
    fund's share of each cost is the share of the fund's payment the outflow's uses give it
    (:func:`~aipo_budget.core.facts.roles.apportion`), so the budget, the co-funding schedule
    and the fund statement add up the same parts."""
    values = [ctx.value(p, txn.date) for p in txn.postings]
    projects = [ctx.project_of(p.account) for p in txn.postings]
    direction = -1 if sum((v for v, pc in zip(values, projects) if pc), ZERO) < 0 else 1
    funding = funding_of(ctx, txn, direction=direction) or {(OTHER_SOURCE, txn.date): Decimal(1)}
    # the debits outside the fund (credits, for a refund): what its payment is shared over
    rows = [i for i, p in enumerate(txn.postings)
            if not ctx.is_fund(p.account) and values[i] * direction > 0]
    paid = dict(zip(rows, apportion(funding, [values[i] * direction for i in rows])))
    where = Location.of(txn.meta, txn)
    return [Cost(*pc, posting.account, txn.date, part, source, where, funded_on)
            for i, (posting, pc) in enumerate(zip(txn.postings, projects)) if pc
            for (source, funded_on), part in (
                [(key, part * direction) for key, part in paid[i]] if i in paid
                else split(values[i], funding))]


def funding_of(ctx: Context, txn: data.Transaction, follow_links: bool = True,
               direction: int = 1) -> Funding:
    """Where a transaction's money came from: amounts by (source, date paid), from the
    postings on the other side of its project costs (credits; debits when ``direction`` is
    -1), liabilities followed to their linked payments unless ``follow_links`` is false."""
    funding: Funding = defaultdict(Decimal)
    for posting in txn.postings:
        account = posting.account
        amount = -ctx.value(posting, txn.date) * direction
        if amount <= 0 or ctx.project_of(account):
            continue
        if follow_links and under(account, ctx.conventions.liabilities):
            _add_accrued(ctx, txn, account, amount, funding)
        else:
            funding[(source_of(account, ctx.conventions), txn.date)] += amount
    return dict(funding)


def _add_accrued(ctx: Context, txn: data.Transaction, account: str, amount: Decimal,
                 funding: Funding) -> None:
    """A liability credit: the sources of the payments that settle it, the rest unpaid."""
    settled = settlements(ctx, txn, account, amount)
    for key, part in settled.items():
        funding[key] += part
    unpaid = amount - sum(settled.values(), ZERO)
    if unpaid > 0:
        funding[(UNPAID_SOURCE, txn.date)] += unpaid


def _linked(ctx: Context, txn: data.Transaction) -> Iterator[data.Transaction]:
    """The other transactions sharing a link with ``txn``, link by link in name order."""
    for link in sorted(txn.links or ()):
        for other in ctx.by_link[link]:
            if other is not txn:
                yield other


def settlements(ctx: Context, txn: data.Transaction, account: str, owed: Decimal) -> Funding:
    """Sources and dates of the linked payments that debit ``account``, up to ``owed``."""
    settled: Funding = defaultdict(Decimal)
    left = owed
    for other in _linked(ctx, txn):
        if left <= 0:
            continue
        paid = sum((ctx.value(p, other.date) for p in other.postings
                    if p.account == account and p.units.number > 0), ZERO)
        if paid <= 0:
            continue
        paid = min(paid, left)
        left -= paid
        for key, part in split(paid, funding_of(ctx, other, follow_links=False)):
            settled[key] += part
    return settled


def settled_costs(ctx: Context, txn: data.Transaction, posting: data.Posting
                  ) -> list[tuple[data.Transaction, Decimal, data.Posting]]:
    """Project costs booked by the earlier accruals this liability posting settles (by link):
    (accrual, cost amount, cost posting)."""
    if not under(posting.account, ctx.conventions.liabilities):
        return []
    return [(other, ctx.value(p, other.date), p)
            for other in _linked(ctx, txn) if other.date <= txn.date
            for p in other.postings if ctx.project_of(p.account)]

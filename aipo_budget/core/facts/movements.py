"""Fund movements: every transaction that touches the Surplus Fund, in day order.

Money leaving the fund for another account is an outflow (:mod:`.outflows`); money coming in
is a transfer-in, unless it opens the fund's books (from the opening-balance account on the
first day of the fund accounts it credits) or pays back a project cost (a refund). Moves
between the fund's own sub-accounts are neutral. The running balance is kept for every
movement.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Union

from aipo_budget.core import meta
from aipo_budget.core.convert import ZERO
from aipo_budget.core.facts.model import Location, Opening, Outflow, Refund, TransferIn, Use
from aipo_budget.core.facts.outflows import outflow
from aipo_budget.core.facts.roles import split

if TYPE_CHECKING:
    from beancount.core import data

    from aipo_budget.core.facts.roles import Context

Movement = Union[Opening, Outflow, Refund, TransferIn]


@dataclass
class Fund:
    """The fund as the pass goes: its balance, and the first day of each of its accounts."""

    balance: Decimal = ZERO
    first_seen: dict[str, datetime.date] = field(default_factory=dict)

    def book(self, ctx: Context, txn: data.Transaction, postings: list[data.Posting]
             ) -> tuple[Decimal, bool]:
        """Book ``txn``'s fund ``postings``: (their value, whether ``txn`` is on the first day
        of every fund account they touch)."""
        delta = sum((ctx.value(p, txn.date) for p in postings), ZERO)
        self.balance += delta
        # a list, not a generator: every account's first day is recorded
        firsts = [self.first_seen.setdefault(p.account, txn.date) == txn.date for p in postings]
        return delta, all(firsts)


def movement(ctx: Context, fund: Fund, txn: data.Transaction) -> Movement | None:
    """What ``txn`` is for the fund, after booking it into ``fund``; None for a move between
    the fund's own accounts."""
    fund_postings = [p for p in txn.postings if ctx.is_fund(p.account)]
    others = [p for p in txn.postings if not ctx.is_fund(p.account)]
    delta, opening_day = fund.book(ctx, txn, fund_postings)
    if not others:
        return None  # a move between sub-accounts of the fund is neutral
    if delta > 0 and opening_day and any(p.account == ctx.conventions.opening for p in others):
        # money brought in from the opening-balance account on the first day of the fund's
        # accounts opens their books; later, or taken out, it is a transfer-in or an outflow
        return Opening(txn.date, Location.of(txn.meta, txn), delta)
    if delta < 0 or (delta == 0 and _pays_out(fund_postings)):
        # delta == 0 with money leaving: an amount that has no price yet
        return outflow(ctx, txn, fund_postings, others, -delta, fund.balance)
    if delta > 0 and any(ctx.project_of(p.account) for p in others):
        # a project cost paid back into the fund reverses a surplus use
        return Refund(txn, txn.date, Location.of(txn.meta, txn), delta,
                      tuple(refunded(ctx, txn, others, delta)), fund.balance)
    if delta > 0:
        return transfer_in(ctx, txn, delta, fund.balance)
    return None


def transfer_in(ctx: Context, txn: data.Transaction, amount: Decimal, balance: Decimal
                ) -> TransferIn:
    """Money brought into the fund, with the fiscal year and audit reference it names."""
    year, year_problem = meta.fiscal_year(txn.meta, ctx.conventions.fiscal_year)
    ref, ref_problem = meta.text(txn.meta, ctx.conventions.audit_ref)
    return TransferIn(txn, txn.date, Location.of(txn.meta, txn), amount, year, ref, balance,
                      tuple(p for p in (year_problem, ref_problem) if p))


def refunded(ctx: Context, txn: data.Transaction, others: list[data.Posting],
             paid_back: Decimal) -> list[Use]:
    """The surplus uses a refund reverses: negative, in proportion to its project credits."""
    credits = [(p, -ctx.value(p, txn.date)) for p in others if ctx.project_of(p.account)]
    credits = [(p, value) for p, value in credits if value > 0]
    weights = {str(i): value for i, (_p, value) in enumerate(credits)}
    uses = []
    for (posting, _value), (_key, part) in zip(credits, split(paid_back, weights)):
        project, category = ctx.project_of(posting.account)  # type: ignore[misc]
        uses.append(Use(posting.account, -part, project, category, txn.date))
    return uses


def _pays_out(postings: list[data.Posting]) -> bool:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for posting in postings:
        totals[posting.units.currency] += posting.units.number
    return any(number < 0 for number in totals.values())

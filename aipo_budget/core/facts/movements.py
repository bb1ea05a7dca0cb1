"""Fund movements: every transaction that touches the Surplus Fund, in day order.

Money leaving the fund for another account is an outflow; money coming in is a transfer-in,
unless it opens the fund's books (from the opening-balance account on the first day of the fund
accounts it credits) or pays back a project cost (a refund). Moves between the fund's own
sub-accounts are neutral. The running balance is kept for every movement.

An outflow's metadata are read once here (:mod:`aipo_budget.core.meta`); what cannot be read
stays on it as a problem for the check that reads the key. What an outflow paid for are the
transaction's debits outside the fund, in proportion when another source paid part of them; a
payment of an accrual (a liability debit sharing a link) pays for the accrual's project costs,
incurred on the accrual's date unless ``incurred`` says otherwise.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Union

from aipo_budget.core import meta
from aipo_budget.core.convert import ZERO, Conversion
from aipo_budget.core.facts.accruals import settled_costs
from aipo_budget.core.facts.model import Location, Opening, Outflow, Refund, TransferIn, Use
from aipo_budget.core.facts.roles import shares

if TYPE_CHECKING:
    from beancount.core import data

    from aipo_budget.core.facts.roles import Context

Movement = Union[Opening, Outflow, Refund, TransferIn]


@dataclass
class Fund:
    """The fund as the pass goes: its balance, and the first day of each of its accounts."""

    balance: Decimal = ZERO
    first_seen: dict[str, datetime.date] = field(default_factory=dict)
    # (date, currency, units, their value as booked) of each posting in another currency
    foreign: list[tuple[datetime.date, str, Decimal, Decimal]] = field(default_factory=list)

    def book(self, ctx: Context, txn: data.Transaction, postings: list[data.Posting]
             ) -> tuple[Decimal, bool]:
        """Book ``txn``'s fund ``postings``: (their value, whether ``txn`` is on the first day
        of every fund account they touch)."""
        values = [ctx.value(p, txn.date) for p in postings]
        self.foreign += [(txn.date, p.units.currency, p.units.number, value)
                         for p, value in zip(postings, values)
                         if p.units.currency != ctx.conventions.currency]
        delta = sum(values, ZERO)
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
    where = Location.of(txn.meta, txn)
    # money in with no price is worth nothing yet, and still comes in (a check says so)
    incoming = delta > 0 or (delta == 0 and any(
        c.usd is None for c in conversions(ctx, txn, fund_postings, leaving=False)))
    if incoming and opening_day and any(p.account == ctx.conventions.opening for p in others):
        # money brought in from the opening-balance account on the first day of the fund's
        # accounts opens their books; later, or taken out, it is a transfer-in or an outflow
        return Opening(txn.date, where, delta)
    if delta < 0 or (delta == 0 and conversions(ctx, txn, fund_postings)):
        # delta == 0 with money leaving: an amount that has no price yet
        return outflow(ctx, txn, fund_postings, others, -delta, fund.balance)
    if incoming and any(ctx.project_of(p.account) for p in others):
        # a project cost paid back into the fund reverses a surplus use
        return Refund(txn, txn.date, where, delta, tuple(refunded(ctx, txn, others, delta)),
                      fund.balance)
    if incoming:
        # money brought into the fund, with the fiscal year and audit reference it names
        year, year_problem = meta.fiscal_year(txn.meta, ctx.conventions.fiscal_year)
        ref, ref_problem = meta.text(txn.meta, ctx.conventions.audit_ref)
        return TransferIn(txn, txn.date, where, delta, year, ref, fund.balance,
                          tuple(p for p in (year_problem, ref_problem) if p))
    return None


def refunded(ctx: Context, txn: data.Transaction, others: list[data.Posting],
             paid_back: Decimal) -> list[Use]:
    """The surplus uses a refund reverses: negative, in proportion to its project credits."""
    credits = [(p, -ctx.value(p, txn.date)) for p in others if ctx.project_of(p.account)]
    credits = [(p, value) for p, value in credits if value > 0]
    return [Use(posting.account, -part, *ctx.project_of(posting.account), txn.date)
            for (posting, _), part in zip(credits, shares(paid_back, [v for _, v in credits]))]


def outflow(ctx: Context, txn: data.Transaction, fund_postings: list[data.Posting],
            others: list[data.Posting], amount: Decimal, balance: Decimal) -> Outflow:
    """The outflow of ``amount`` (in the operating currency) that leaves ``balance``."""
    c = ctx.conventions
    resolution, p1 = meta.text(txn.meta, c.resolution)
    prepared_by, p2 = meta.person(txn.meta, c.prepared_by)
    approvers, p3 = meta.names(txn.meta, c.approved_by)
    document, p4 = meta.text(txn.meta, c.document, exact=True)  # as Fava resolves it
    incurred, p5 = meta.date(txn.meta, c.incurred)  # unreadable: the period check judges it
    resolved = ctx.evidence.resolve(document, txn) if document else None
    return Outflow(
        entry=txn, date=txn.date, location=Location.of(txn.meta, txn), usd=amount,
        conversions=tuple(conversions(ctx, txn, fund_postings)),
        uses=tuple(uses(ctx, txn, others, amount, incurred)), balance_after=balance,
        resolution=resolution, prepared_by=prepared_by, approvers=approvers, document=document,
        document_path=resolved.path if resolved else None,
        document_problem=resolved.problem if resolved else None,
        document_file=resolved.real if resolved else None,
        problems=tuple(p for p in (p1, p2, p3, p4, p5) if p))


def conversions(ctx: Context, txn: data.Transaction, fund_postings: list[data.Posting],
                leaving: bool = True) -> list[Conversion]:
    """How each currency that left the fund (else: came into it) was converted (its first
    posting's rate)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    priced: dict[str, data.Posting] = {}
    for posting in fund_postings:
        totals[posting.units.currency] += posting.units.number
        priced.setdefault(posting.units.currency, posting)
    found = []
    for currency, number in sorted(totals.items()):
        if (number < 0) if leaving else (number > 0):
            rate, moved = ctx.converter.posting(priced[currency], txn.date), abs(number)
            found.append(Conversion(moved, currency, None if rate.rate is None else
                                    moved * rate.rate, rate.rate, rate.rate_date,
                                    rate.rate_source))
    return found


def uses(ctx: Context, txn: data.Transaction, others: list[data.Posting], paid: Decimal,
         incurred: datetime.date | None) -> list[Use]:
    """What the ``paid`` amount that left the fund paid for: the transaction's debits outside
    the fund, in proportion when other sources (a partner's credit) paid part of them; each
    incurred on ``incurred`` (the transaction's metadata), else on the payment's date. The
    payment of an accrual spreads over the accrued project costs it settles, each incurred on
    ``incurred``, else on the date of its accrual."""
    day = incurred or txn.date
    debits = [(p, ctx.value(p, txn.date)) for p in others]
    debits = [(p, value) for p, value in debits if value > 0]
    found = []
    for (posting, _), share in zip(debits, shares(paid, [value for _, value in debits])):
        pc = ctx.project_of(posting.account)
        settled = [] if pc else settled_costs(ctx, txn, posting)
        if pc or not settled:
            found.append(Use(posting.account, share, *(pc or (None, None)), day))
            continue
        parts = shares(share, [value for _, value, _ in settled])
        for (accrual, _, cost), part in zip(settled, parts):
            found.append(Use(cost.account, part, *ctx.project_of(cost.account),
                             incurred or accrual.date))
    return found

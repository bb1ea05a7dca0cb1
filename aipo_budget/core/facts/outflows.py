"""A surplus outflow: what left the fund, converted, who authorised it, and what it paid for.

The metadata are read once here (:mod:`aipo_budget.core.meta`); what cannot be read stays on the
outflow as a problem for the check that reads the key. What an outflow paid for are the
transaction's debits outside the fund, in proportion when another source paid part of them;
a payment of an accrual (a liability debit sharing a link) pays for the accrual's project
costs, incurred on the accrual's date unless ``incurred`` says otherwise.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.convert import Conversion
from aipo_budget.core.facts.accruals import settled_costs
from aipo_budget.core.facts.model import Location, Outflow, Use
from aipo_budget.core.facts.roles import split

if TYPE_CHECKING:
    from beancount.core import data

    from aipo_budget.core.facts.roles import Context


def outflow(ctx: Context, txn: data.Transaction, fund_postings: list[data.Posting],
            others: list[data.Posting], amount: Decimal, balance: Decimal) -> Outflow:
    """The outflow of ``amount`` (in the operating currency) that leaves ``balance``."""
    c = ctx.conventions
    resolution, p1 = meta.text(txn.meta, c.resolution)
    prepared_by, p2 = meta.person(txn.meta, c.prepared_by)
    approvers, p3 = meta.names(txn.meta, c.approved_by)
    document, p4 = meta.text(txn.meta, c.document, exact=True)  # as Fava resolves it
    incurred, p5 = meta.date(txn.meta, c.incurred)  # unreadable: a problem, judged by the period check
    resolved = ctx.evidence.resolve(document, txn) if document else None
    return Outflow(
        entry=txn,
        date=txn.date,
        location=Location.of(txn.meta, txn),
        usd=amount,
        conversions=tuple(conversions(ctx, txn, fund_postings)),
        uses=tuple(uses(ctx, txn, others, amount, incurred)),
        balance_after=balance,
        resolution=resolution,
        prepared_by=prepared_by,
        approvers=approvers,
        document=document,
        document_path=resolved.path if resolved else None,
        document_problem=resolved.problem if resolved else None,
        problems=tuple(p for p in (p1, p2, p3, p4, p5) if p),
    )


def conversions(ctx: Context, txn: data.Transaction, fund_postings: list[data.Posting]
                ) -> list[Conversion]:
    """How each currency that left the fund was converted (its first posting's rate)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    priced: dict[str, data.Posting] = {}
    for posting in fund_postings:
        totals[posting.units.currency] += posting.units.number
        priced.setdefault(posting.units.currency, posting)
    found = []
    for currency, number in sorted(totals.items()):
        if number >= 0:
            continue
        rate = ctx.converter.posting(priced[currency], txn.date)
        found.append(Conversion(
            -number, currency, (-number * rate.rate) if rate.rate is not None else None,
            rate.rate, rate.rate_date, rate.rate_source,
        ))
    return found


def uses(ctx: Context, txn: data.Transaction, others: list[data.Posting], paid: Decimal,
         incurred: datetime.date | None) -> list[Use]:
    """What the ``paid`` amount that left the fund paid for: the transaction's debits outside
    the fund, in proportion when other sources (a partner's credit) paid part of them; each
    incurred on ``incurred`` (the transaction's metadata), else on the payment's date."""
    day = incurred or txn.date
    debits = [(p, ctx.value(p, txn.date)) for p in others]
    debits = [(p, value) for p, value in debits if value > 0]
    weights = {str(i): value for i, (_p, value) in enumerate(debits)}
    found = []
    for (posting, _value), (_key, share) in zip(debits, split(paid, weights)):
        pc = ctx.project_of(posting.account)
        if pc:
            found.append(Use(posting.account, share, pc[0], pc[1], day))
            continue
        settled = settled_costs(ctx, txn, posting)
        if not settled:
            found.append(Use(posting.account, share, None, None, day))
            continue
        found.extend(_accrued_uses(ctx, share, settled, incurred))
    return found


def _accrued_uses(ctx: Context, share: Decimal,
                  settled: list[tuple[data.Transaction, Decimal, data.Posting]],
                  incurred: datetime.date | None) -> list[Use]:
    """``share`` of a payment spread over the accrued project costs it settles, each incurred
    on ``incurred``, else on the date of its accrual."""
    weights = {str(i): value for i, (_a, value, _p) in enumerate(settled)}
    found = []
    for (accrual, _value, cost), (_k, part) in zip(settled, split(share, weights)):
        project, category = ctx.project_of(cost.account)  # type: ignore[misc]
        found.append(Use(cost.account, part, project, category,
                         incurred or accrual.date))
    return found

"""Member contributions for a fiscal year: assessed (income) and received (cash).

Assessed: ``Income:Contributions:<Member>``. Received: a credit of the member's receivable
(``Assets:Receivables:Contributions:<Member>``), or, in cash-basis books, the income posting
itself when the transaction has no receivable. The fiscal year is the ``fiscal-year`` metadata,
else the transaction's year; a value that cannot be read is a problem of the facts (no check
reads it, a table does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.conventions import under
from aipo_budget.core.facts.model import Contribution, Location

if TYPE_CHECKING:
    from beancount.core import data

    from aipo_budget.core.facts.roles import Context
    from aipo_budget.core.meta import Problem

ASSESSED, RECEIVED = "assessed", "received"


def _kinds(ctx: Context, posting: data.Posting, has_receivable: bool) -> tuple[str, ...]:
    """What a posting says of a contribution: assessed, received, both or nothing."""
    c = ctx.conventions
    if under(posting.account, c.contributions):
        return (ASSESSED,) if has_receivable else (ASSESSED, RECEIVED)
    if under(posting.account, c.receivables) and posting.units.number < 0:
        return (RECEIVED,)
    return ()


def contributions(ctx: Context, txn: data.Transaction
                  ) -> tuple[list[Contribution], Problem | None]:
    """The contributions ``txn`` records, and the problem reading its fiscal year, if any."""
    year, problem = meta.fiscal_year(txn.meta, ctx.conventions.fiscal_year)
    fiscal_year = meta.year_of(txn.date) if year is None else year
    has_receivable = any(under(p.account, ctx.conventions.receivables) for p in txn.postings)
    found = []
    for posting in txn.postings:
        kinds = _kinds(ctx, posting, has_receivable)
        if not kinds:
            continue
        amount = -ctx.value(posting, txn.date)
        member = posting.account.split(":")[-1]
        found.extend(Contribution(member, fiscal_year, kind, txn.date, amount,
                                  Location.of(txn.meta, txn)) for kind in kinds)
    return found, problem

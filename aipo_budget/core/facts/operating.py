"""The operating surplus of each fiscal year: all income except co-funding (member
contributions included), less Secretariat expenses (ART21-TRANSFER caps transfers by it)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.convert import ZERO
from aipo_budget.core.facts.model import OperatingYear
from aipo_budget.core.facts.roles import MEMBER_INCOME, OPERATING_EXPENSE, OPERATING_INCOME

if TYPE_CHECKING:
    from collections.abc import Sequence

    from beancount.core import data

    from aipo_budget.core.facts.roles import Context

ROLES = frozenset((OPERATING_INCOME, MEMBER_INCOME, OPERATING_EXPENSE))


class Years:
    """Running (income, expenses) per fiscal year, in the order the pass meets postings."""

    def __init__(self) -> None:
        self.totals: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])

    def add(self, ctx: Context, txn: data.Transaction, roles: Sequence[str]) -> None:
        year = self.totals[meta.year_of(txn.date)]
        for posting, role in zip(txn.postings, roles):
            if role == OPERATING_INCOME or role == MEMBER_INCOME:
                year[0] -= ctx.value(posting, txn.date)
            elif role == OPERATING_EXPENSE:
                year[1] += ctx.value(posting, txn.date)

    def facts(self) -> dict[int, OperatingYear]:
        return {year: OperatingYear(income, expenses)
                for year, (income, expenses) in sorted(self.totals.items())}

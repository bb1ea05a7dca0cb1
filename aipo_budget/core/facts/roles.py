"""Roles of accounts and conversion: the context every part of the fact pass reads.

Roles are read from account names (docs/conventions.md) through the ledger's
:class:`~aipo_budget.core.conventions.Conventions`: the Surplus Fund and its sub-accounts are the
fund, ``<projects root>:<Project>:<Category>`` are project costs, and so on. Amounts are brought
to the operating currency by one :class:`~aipo_budget.core.convert.Converter` per pass.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.conventions import DEFAULT, Conventions, component, under
from aipo_budget.core.convert import ZERO, Converter
from aipo_budget.core.facts.model import SURPLUS_SOURCE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.evidence import Evidence

FUND_ROLE, PROJECT, MEMBER, MEMBER_INCOME = "fund", "project", "member", "member-income"
OPERATING_INCOME, OPERATING_EXPENSE, OTHER_ROLE = "income", "expense", "other"

Funding = dict[tuple[str, datetime.date], Decimal]  # (source, date paid) -> amount


def project_of(account: str, conventions: Conventions = DEFAULT
               ) -> tuple[str, str | None] | None:
    """(project, category) of a project expense account, else None."""
    if not under(account, conventions.projects):
        return None
    return component(account, conventions.projects), component(account, conventions.projects, 1)


def source_of(account: str, conventions: Conventions = DEFAULT) -> str:
    """The funding source an account stands for, when money comes from it."""
    if conventions.is_fund(account):
        return SURPLUS_SOURCE
    for root in conventions.cofunding:
        if under(account, root):
            return str(component(account, root))
    if under(account, conventions.operating):
        return "Operating"
    return "Other"


def role_of(account: str, conventions: Conventions) -> str:
    """What an account is for the facts, by its name."""
    c = conventions
    if c.is_fund(account):
        return FUND_ROLE
    if under(account, c.projects):
        return PROJECT
    if under(account, c.receivables):
        return MEMBER
    if under(account, c.contributions):
        return MEMBER_INCOME
    if under(account, c.income) and not under(account, c.cofunding_income):
        return OPERATING_INCOME
    if under(account, c.secretariat):
        return OPERATING_EXPENSE
    return OTHER_ROLE


@dataclass
class Context:
    """What the parts of the pass share: the conventions, the converter, the evidence folders,
    the transactions by link, and what is known of the accounts seen so far (cached: account
    names repeat a lot, and the pass reads every posting)."""

    conventions: Conventions
    converter: Converter
    evidence: Evidence
    by_link: dict[str, list[data.Transaction]]
    roles: dict[str, str] = field(default_factory=dict)
    _projects: dict[str, tuple[str, str | None] | None] = field(default_factory=dict)

    def role(self, account: str) -> str:
        try:
            return self.roles[account]
        except KeyError:
            role = self.roles[account] = role_of(account, self.conventions)
            return role

    def value(self, posting: data.Posting, date: datetime.date) -> Decimal:
        """The posting in the operating currency (zero while it has no price)."""
        return self.converter.usd(posting, date)

    def is_fund(self, account: str) -> bool:
        return self.role(account) == FUND_ROLE

    def project_of(self, account: str) -> tuple[str, str | None] | None:
        try:
            return self._projects[account]
        except KeyError:
            found = self._projects[account] = project_of(account, self.conventions)
            return found


def by_link(transactions: Sequence[data.Transaction]) -> dict[str, list[data.Transaction]]:
    linked: dict[str, list[data.Transaction]] = defaultdict(list)
    for txn in transactions:
        for link in txn.links or ():
            linked[link].append(txn)
    return linked


def _content(txn: data.Transaction) -> tuple[Any, ...]:
    return (txn.payee or "", txn.narration or "",
            tuple((p.account, p.units.currency, p.units.number) for p in txn.postings))


def in_day_order(transactions: list[data.Transaction]) -> list[data.Transaction]:
    """Transactions by date and, within a day, by their content (payee, narration, postings).

    Beancount orders one day's entries by line number, whatever their file, so moving an entry
    to another file could move a finding from one payment of the day to another (which one
    crosses the ceiling, which is the project's last cost). The verdict must not depend on
    how the ledger is split into files.
    """
    ordered: list[data.Transaction] = []
    for _date, group in itertools.groupby(transactions, key=lambda txn: txn.date):
        day = list(group)
        ordered.extend(sorted(day, key=_content) if len(day) > 1 else day)
    return ordered


def split(amount: Decimal, weights: dict[Any, Decimal]) -> list[tuple[Any, Decimal]]:
    """``amount`` shared in proportion to ``weights``, one part per key in order; the parts add
    up to ``amount`` exactly (the last weighted key takes the rounding)."""
    total = sum(weights.values(), ZERO)
    if not total:
        return [(key, ZERO) for key in weights]
    last = [key for key, weight in weights.items() if weight][-1]
    parts = {key: amount * weight / total for key, weight in weights.items()}
    parts[last] = amount - sum((v for k, v in parts.items() if k != last), ZERO)
    return list(parts.items())


def shares(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` shared in proportion to ``weights``, as :func:`split` does."""
    return [part for _, part in split(amount, dict(enumerate(weights)))]

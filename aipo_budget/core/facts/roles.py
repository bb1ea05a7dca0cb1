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
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.conventions import DEFAULT, Conventions, component, under
from aipo_budget.core.convert import CENT, ZERO, Converter
from aipo_budget.core.facts.model import SURPLUS_SOURCE

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.evidence import Evidence

FUND_ROLE, PROJECT, MEMBER, MEMBER_INCOME = "fund", "project", "member", "member-income"
OPERATING_INCOME, OPERATING_EXPENSE, OTHER_ROLE = "income", "expense", "other"

Funding = dict[tuple[str, datetime.date], Decimal]  # (source, date paid) -> amount
BEYOND_CENTS = Decimal(10) ** 25  # cents of more digits than Decimal's 28 cannot be counted


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
    """``amount`` shared in proportion to ``weights``, one part per key in
    order, in cents that add up to ``amount`` exactly (largest remainder): each part is its
    exact share rounded down to the cent, and the cents left over go one each to the parts
    with the largest fractions of a cent, the first in order on a tie. An amount that is not
    in whole cents leaves its fraction of a cent on the first of those parts."""
    total = sum(weights.values(), ZERO)
    if not total:
        return [(key, ZERO) for key in weights]
    sign, size = (-1 if amount < 0 else 1), abs(amount)
    exact = [size * weight / total for weight in weights.values()]
    if size >= BEYOND_CENTS:  # an absurd amount (a finding of its own): no cents to share
        exact[-1] = size - sum(exact[:-1], ZERO)
        return [(key, sign * part) for key, part in zip(weights, exact)]
    parts = [share.quantize(CENT, rounding=ROUND_DOWN) for share in exact]
    left = size - sum(parts, ZERO)
    order = sorted(range(len(parts)), key=lambda i: (parts[i] - exact[i], i))
    given = order[:min(max(int(left // CENT), 0), len(order))]
    for i in given:
        parts[i] += CENT
    parts[order[0]] += left - len(given) * CENT  # a fraction of a cent, when amount has one
    return [(key, sign * part) for key, part in zip(weights, parts)]


def shares(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """``amount`` shared in proportion to ``weights``, as :func:`split` does."""
    return [part for _, part in split(amount, dict(enumerate(weights)))]


def apportion(sources: dict[Any, Decimal], rows: Sequence[Decimal]
              ) -> list[list[tuple[Any, Decimal]]]:
    """What each source paid of each row (a transaction's debits), in cents: per row, (source,
    part) in the order of ``sources``. The sources' amounts are first brought to the rows'
    total (they differ when the transaction has other credits or debits); then the Surplus
    Fund's amount is shared over the rows as :func:`shares` does (as the outflow's uses are),
    each other source's over what the sources before it left of each row, and the last source
    takes what is left. Every row adds up to its amount, every source to its part."""
    if not rows:
        return []
    total = sum(rows, ZERO)
    amounts = dict(split(total, sources)) if sum(sources.values(), ZERO) != total else sources
    order = sorted(amounts, key=lambda key: not _is_surplus(key))
    left, found = list(rows), [dict.fromkeys(sources, ZERO) for _ in rows]
    for n, source in enumerate(order):
        parts = (left if n == len(order) - 1 else
                 shares(amounts[source], [max(row, ZERO) for row in left]))
        for row, part in enumerate(parts):
            found[row][source] = part
            left[row] -= part
    return [list(row.items()) for row in found]


def _is_surplus(key: Any) -> bool:
    """Whether a funding key, (source, date paid), is the Surplus Fund's."""
    return isinstance(key, tuple) and bool(key) and key[0] == SURPLUS_SOURCE

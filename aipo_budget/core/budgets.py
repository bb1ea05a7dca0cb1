"""Fava budgets from the rules: each project's allocation as ``custom "budget"`` entries.

The allocation is written once, in the ceiling rule; the plugin adds these entries so that
Fava's own budget display (account pages, Income Statement charts) shows it too::

    2006-01-01 custom "budget" Expenses:Projects:Trafficking-Roadmap "quarterly" 20000.00 USD
    2006-07-01 custom "budget" Expenses:Projects:Trafficking-Roadmap "daily" 0 USD

Fava spreads a budget evenly over the days of its interval and keeps it until the next budget
of the account (``fava/core/budgets.py``): a yearly 40,000 USD would show 181/365 of it over a
six-month project and go on for every later year. So the allocation is spread over the project
period exactly, in the longest interval (year, quarter, month) whose boundaries are the
period's and that divides it exactly, else per day, and a zero budget stops it the day after.
An amendment taking effect during the period spreads what is left over the rest of it.
Fava compares the budget with every cost of the project, co-funded ones included: the
allocation caps only the surplus-funded part, which the Surplus Fund page shows.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from beancount.core import account as account_lib
from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser.grammar import ValueType
from dateutil.relativedelta import relativedelta

from aipo_budget.core.conventions import DEFAULT, Conventions
from aipo_budget.core.convert import CENT, ZERO
from aipo_budget.core.params import LAST_DATE
from aipo_budget.core.projects import terms

if TYPE_CHECKING:
    from collections.abc import Iterable

    from aipo_budget.core.rules import Rule, RuleSet

ONE_DAY = datetime.timedelta(days=1)
MONTHS = {"yearly": 12, "quarterly": 3, "monthly": 1}  # Fava's intervals, longest first


def _is_boundary(day: datetime.date, months: int) -> bool:
    return day.day == 1 and (day.month - 1) % months == 0


@functools.lru_cache(maxsize=1 << 14)
def _days_in_interval(name: str, year: int, month: int) -> int:
    """The number of days of the interval around a day of ``month``, as Fava counts them
    (by month: a period of centuries is summed day by day, :meth:`Spread.total`)."""
    months = MONTHS.get(name)
    if months is None:
        return 1
    first = datetime.date(year, (month - 1) // months * months + 1, 1)
    return (first + relativedelta(months=months) - first).days


@dataclass(frozen=True)
class Spread:
    """A budget of ``number`` USD per ``interval`` from ``start`` on."""

    start: datetime.date
    interval: str
    number: Decimal

    def total(self, end: datetime.date) -> Decimal:
        """What Fava budgets from ``start`` to ``end`` (exclusive)."""
        total, day = ZERO, self.start
        while day < end:
            total += self.number / _days_in_interval(self.interval, day.year, day.month)
            day += ONE_DAY
        return total


def spread(start: datetime.date, last: datetime.date, amount: Decimal) -> Spread:
    """``amount`` spread over ``start`` to ``last`` (inclusive) in Fava's terms."""
    stop = last + ONE_DAY
    for name, months in MONTHS.items():
        if _is_boundary(start, months) and _is_boundary(stop, months):
            delta = relativedelta(stop, start)
            count = (delta.years * 12 + delta.months) // months
            number = amount / count
            if number * count == amount:
                return Spread(start, name, number)
    return Spread(start, "daily", amount / (stop - start).days)


def _entry(rule: Rule, label: str, budget: Spread, account: str, currency: str) -> data.Custom:
    note = (f"made by aipo-budget from {label}: the allocation spread over the project period "
            "for Fava's budget charts" if budget.number else
            f"made by aipo-budget from {label}: the project period is over, no more budget")
    meta = data.new_metadata(rule.filename, rule.lineno, {"rule": label, "note": note})
    values = [ValueType(account, account_lib.TYPE), ValueType(budget.interval, str),
              ValueType(Amount(budget.number, currency), Amount)]
    return data.Custom(meta, budget.start, "budget", values)


def project_budgets(rule: Rule, start: datetime.date, last: datetime.date,
                    ledger: Conventions = DEFAULT) -> list[data.Custom]:
    """The budget entries of one ceiling rule over its project period ``start``..``last``,
    in the ledger's operating currency."""
    account, currency = f"{ledger.projects}:{rule.project}", ledger.currency
    entries: list[data.Custom] = []
    current: Spread | None = None
    budgeted = ZERO
    for version in rule.versions:
        if version.effective > last:
            break
        begin = max(version.effective, start)
        if current is not None:
            # what Fava showed until now, to the cent: its per-day shares are not exact
            budgeted += current.total(begin).quantize(CENT)
        if entries and entries[-1].date == begin:
            entries.pop()  # superseded before it took effect
        left = max(version.params.allocation - budgeted, ZERO)
        current = spread(begin, last, left)
        entries.append(_entry(rule, version.label, current, account, currency))
    if entries and last < LAST_DATE:  # a period to the last day there is has no day after
        stop = Spread(last + ONE_DAY, "daily", ZERO)  # the period is over: no more budget
        entries.append(_entry(rule, str(entries[-1].meta["rule"]), stop, account, currency))
    return entries


def budget_entries(ruleset: RuleSet, existing: Iterable[data.Directive] = (),
                   day: datetime.date | None = None, ledger: Conventions = DEFAULT
                   ) -> list[data.Custom]:
    """Fava ``custom "budget"`` entries for the allocation of every ceiling rule, over the
    project period in force on ``day`` (today by default, as the plugin judges the ledger;
    :func:`aipo_budget.core.projects.terms`, so that budgets, checks and tables agree). An
    account the ledger budgets itself (among ``existing``) is left alone."""
    on = day or datetime.date.today()
    budgeted = {entry.values[0].value for entry in existing
                if isinstance(entry, data.Custom) and entry.type == "budget" and entry.values}
    entries: list[data.Custom] = []
    for rule in ruleset.of_kind("ceiling"):
        project = terms(ruleset, str(rule.project), on)
        account = f"{ledger.projects}:{project.project}"
        if project.start is None or project.end is None or account in budgeted:
            continue
        entries.extend(project_budgets(rule, project.start, project.end, ledger))
    return entries

"""Cumulative surplus-funded spending of a project never exceeds its allocation.

A warning on the outflow that first brings spending to ``warn_at`` of the allocation (again
under an amended allocation); an error on the outflow that crosses the allocation, and on every
outflow after it while above. Refunds into the fund lower the spending.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.findings import finding, money
from aipo_budget.projects import terms

if TYPE_CHECKING:
    from collections.abc import Iterator

    import datetime

    from aipo_budget.facts import Facts, Outflow, Refund
    from aipo_budget.projects import Terms
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


@dataclass(frozen=True)
class Step:
    """One outflow or refund of a project's surplus-funded spending, with the running total."""

    event: Outflow | Refund
    amount: Decimal  # its part charged to the project (negative for a refund)
    before: Decimal
    after: Decimal


def spending(facts: Facts, project: str) -> Iterator[Step]:
    """The running total of ``project``'s surplus-funded spending, event by event: what the
    ceiling check judges, what ``explain`` lists and what ``check --pending`` has left."""
    spent = Decimal(0)
    # the facts' own order (by date, and within a day independent of the files); on one day,
    # outflows before refunds: the higher spending is the one judged
    events = sorted([*facts.outflows, *facts.refunds], key=lambda e: e.date)
    for event in events:
        amount = sum((u.usd for u in event.uses if u.project == project), Decimal(0))
        if amount:
            yield Step(event, amount, spent, spent + amount)
            spent += amount


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    project = str(rule.project)
    currency = facts.conventions.currency
    warned: set[int] = set()  # versions already warned about: an amendment may warn again
    on_day: dict[datetime.date, Terms] = {}  # many outflows share a day: look the terms up once
    for step in spending(facts, project):
        event, amount, before, spent = step.event, step.amount, step.before, step.after
        if amount < 0:
            continue  # a refund lowers spending and is never a finding itself
        project_terms = on_day.get(event.date) or on_day.setdefault(
            event.date, terms(ruleset, project, event.date))
        version, allocation = project_terms.ceiling, project_terms.allocation
        warn = allocation * project_terms.warn_at
        used = f"{(spent / allocation * 100):.1f} %" if allocation else "n/a"
        if spent > allocation:
            verb = "crosses" if before <= allocation else "adds to spending already above"
            yield finding(
                version, event.date, event.location,
                f"{project}: this outflow {verb} the allocation of {money(allocation, currency)}: "
                f"surplus-funded spending {money(spent, currency)} ({used})",
                min(amount, spent - allocation), project=project,
            )
        elif spent >= warn and version.number not in warned:
            warned.add(version.number)
            yield finding(
                version, event.date, event.location,
                f"{project}: surplus-funded spending reaches {money(spent, currency)}, {used} of the "
                f"allocation of {money(allocation, currency)} (warning from "
                f"{version.params['warn_at'] * 100:.0f} %)",
                amount, severity="warning", project=project, currency=currency,
            )

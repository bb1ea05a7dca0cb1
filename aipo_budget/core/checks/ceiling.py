"""Cumulative surplus-funded spending of a project never exceeds its allocation.

A warning on the outflow that first brings spending to ``warn_at`` of the allocation (again
under an amended allocation); an error on the outflow that crosses the allocation, and on every
outflow after it while above. Spending and limits are compared to the cent. Refunds into the
fund lower the spending.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core.checks._common import Entries, Seen, row
from aipo_budget.core.convert import cents, percent
from aipo_budget.core.findings import finding, money
from aipo_budget.core.params import param, parse_amount, parse_text, ratio
from aipo_budget.core.projects import terms

if TYPE_CHECKING:
    import datetime
    from collections.abc import Iterator

    from aipo_budget.core.facts import Facts, Outflow, Refund
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.projects import Terms
    from aipo_budget.core.rules import Rule, RuleSet
    from aipo_budget.core.subject import Subject


@dataclass(frozen=True)
class Params:
    project: str = param(parse_text)
    allocation: Decimal = param(parse_amount)
    warn_at: Decimal = param(ratio)  # share of the allocation that warns


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
    for event in sorted([*facts.outflows, *facts.refunds], key=lambda e: e.date):
        amount = sum((u.usd for u in event.uses if u.project == project), Decimal(0))
        if amount:
            yield Step(event, amount, spent, spent + amount)
            spent += amount


def _finding(step: Step, t: Terms, warned: set[int], currency: str) -> Finding | None:
    """The finding on an outflow's step, if any; ``warned`` holds the versions that warned."""
    if step.amount < 0:
        return None  # a refund lowers spending and is never a finding itself
    event, version, allocation, spent = step.event, t.ceiling, t.allocation, step.after
    used = f"{(spent / allocation * 100):.1f} %" if allocation else "n/a"
    if cents(spent) > cents(allocation):  # to the cent, as the message shows them
        verb = ("crosses" if cents(step.before) <= cents(allocation)
                else "adds to spending already above")
        return finding(
            version, event.date, event.location,
            f"{t.project}: this outflow {verb} the allocation of {money(allocation, currency)}: "
            f"surplus-funded spending {money(spent, currency)} ({used})",
            min(step.amount, cents(spent) - cents(allocation)), project=t.project)
    if cents(spent) >= cents(allocation * t.warn_at) and version.number not in warned:
        warned.add(version.number)
        return finding(
            version, event.date, event.location,
            f"{t.project}: surplus-funded spending reaches {money(spent, currency)}, {used} of "
            f"the allocation of {money(allocation, currency)} (warning from "
            f"{t.warn_at * 100:.0f} %)",
            step.amount, severity="warning", project=t.project)
    return None


def judged(facts: Facts, ruleset: RuleSet, project: str) -> Iterator[tuple[Step, Seen]]:
    """Every step of ``project``'s spending with what the rule saw and found on it."""
    currency = facts.conventions.currency
    warned: set[int] = set()  # versions already warned about: an amendment may warn again
    on_day: dict[datetime.date, Terms] = {}  # many outflows share a day: look the terms up once
    for step in spending(facts, project):
        t = on_day.get(step.event.date) or on_day.setdefault(
            step.event.date, terms(ruleset, project, step.event.date))
        found = _finding(step, t, warned, currency)
        kind = "outflow" if step.amount > 0 else "refund"
        yield step, Seen(t.ceiling, True, f"the {kind} charges {project}", lambda s=step, t=t: (
            ("allocation", t.allocation, t.ceiling.label),
            ("warning from, % of the allocation", t.warn_at * 100, ""),
            ("spent before this entry", s.before, "surplus-funded, running total"),
            ("this entry", s.amount, f"its part charged to {project}"),
            ("spent after this entry", s.after, ""),
            ("used after this entry, % of the allocation", percent(s.after, t.allocation), ""),
        ), (found,) if found else ())


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    for _step, seen in judged(facts, ruleset, str(rule.project)):
        yield from seen.findings


def explain(subject: Subject, rule: Rule) -> Seen:
    project = str(rule.project)
    why_not = subject.not_paying(project)
    steps: list[Step] = []
    for step, seen in judged(subject.facts, subject.ruleset, project) if why_not is None else ():
        steps.append(step)
        if subject.at(step.event.location):
            rows = [row(s.event.date, s.event.location, s.amount, s.before, s.after)
                    for s in steps]
            return dataclasses.replace(seen, entries=Entries(
                f"{rule.id}: the surplus-funded spending of {project} up to this entry", rows,
                notes=("Outflows add to the spending, refunds into the fund (negative) lower "
                       "it.",)))
    version = terms(subject.ruleset, project, subject.date).ceiling or rule.judging(subject.date)
    # an amount with no price yet: nothing charged
    return Seen(version, False, why_not or f"its part charged to {project} is zero")

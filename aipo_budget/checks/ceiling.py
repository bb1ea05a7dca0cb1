"""Cumulative surplus-funded spending of a project never exceeds its allocation.

A warning on the outflow that first brings spending to ``warn_at`` of the allocation; an error
on the outflow that crosses the allocation, and on every outflow after it while above.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.findings import finding, usd

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    project = rule.project
    spent = Decimal(0)
    for outflow in facts.outflows:
        amount = sum((u.usd for u in outflow.uses if u.project == project), Decimal(0))
        if not amount:
            continue
        before, spent = spent, spent + amount
        version = rule.in_force(outflow.date)
        if version is None:
            continue
        allocation = version.params["allocation"]
        warn = allocation * version.params["warn_at"]
        used = f"{(spent / allocation * 100):.1f} %" if allocation else "n/a"
        if spent > allocation:
            verb = "crosses" if before <= allocation else "adds to spending already above"
            yield finding(
                version, outflow.date, outflow.location,
                f"{project}: this outflow {verb} the allocation of {usd(allocation)}: "
                f"surplus-funded spending {usd(spent)} ({used})",
                min(amount, spent - allocation), project=project,
            )
        elif spent >= warn > before:
            yield finding(
                version, outflow.date, outflow.location,
                f"{project}: surplus-funded spending reaches {usd(spent)}, {used} of the "
                f"allocation of {usd(allocation)} (warning from "
                f"{version.params['warn_at'] * 100:.0f} %)",
                amount, severity="warning", project=project,
            )

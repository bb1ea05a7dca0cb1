"""A project is funded only partly from surplus.

At project close (period end plus payment window) the surplus share of the project's total cost
is at most ``max_share`` and always below 100 %: an error otherwise. Before close, a share above
the cap is a warning. The finding sits on the project's last surplus-funded cost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.facts import SURPLUS_SOURCE
from aipo_budget.findings import finding, money
from aipo_budget.projects import terms

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.projects import Terms
    from aipo_budget.rules import Rule, RuleSet


def shares(facts: Facts, project: str) -> tuple[Decimal, Decimal]:
    """(surplus-funded cost, total cost) of ``project``."""
    costs = [c for c in facts.costs if c.project == project]
    surplus = sum((c.usd for c in costs if c.source == SURPLUS_SOURCE), Decimal(0))
    return surplus, sum((c.usd for c in costs), Decimal(0))


def judging_terms(facts: Facts, ruleset: RuleSet, project: str) -> tuple[Terms, Terms]:
    """(the project's terms on the as-of day, the terms that judge its share): a closed
    project is judged by its terms at close, an open one by the as-of day's."""
    now = terms(ruleset, project, facts.as_of)
    return now, (terms(ruleset, project, now.close) if now.closed else now)


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    project = str(rule.project)
    currency = facts.conventions.currency
    surplus, total = shares(facts, project)
    if total <= 0 or surplus <= 0:
        return
    now, judged = judging_terms(facts, ruleset, project)
    close = now.close
    version, cap = judged.cofunding, judged.cap
    share = surplus / total
    last = [c for c in facts.costs if c.project == project and c.source == SURPLUS_SOURCE][-1]
    text = (f"{project}: surplus share of total cost is {share * 100:.2f} % "
            f"({money(surplus, currency)} of {money(total, currency)}); cap {cap * 100:.0f} %")
    if now.closed and (share > cap or share >= 1):
        yield finding(version, judged.day, last.location, f"{text} at project close on {close}",
                      surplus - cap * total, project=project, currency=currency)
    elif not now.closed and share > cap:
        yield finding(version, judged.day, last.location,
                      f"{text} before project close"
                      + (f" on {close}" if close else ""),
                      surplus - cap * total, severity="warning", project=project, currency=currency)

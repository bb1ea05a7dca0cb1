"""A project is funded only partly from surplus.

At project close (period end plus payment window) the surplus share of the project's total cost
is at most ``max_share`` and always below 100 %: an error otherwise. Before close, a share above
the cap is a warning. The finding sits on the project's last surplus-funded cost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.checks.period import close_date
from aipo_budget.facts import SURPLUS_SOURCE
from aipo_budget.findings import finding, usd

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def project_close(ruleset: RuleSet, project: str, as_of):  # noqa: ANN001, ANN201
    """The close date of ``project`` by its period rule as it stood on ``as_of``."""
    rule = ruleset.for_project("period", project)
    if rule is None:
        return None
    version = rule.in_force(as_of) or rule.versions[0]
    return close_date(version)


def shares(facts: Facts, project: str) -> tuple[Decimal, Decimal]:
    """(surplus-funded cost, total cost) of ``project`` in USD."""
    costs = [c for c in facts.costs if c.project == project]
    surplus = sum((c.usd for c in costs if c.source == SURPLUS_SOURCE), Decimal(0))
    return surplus, sum((c.usd for c in costs), Decimal(0))


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    project = rule.project
    surplus, total = shares(facts, project)
    if total <= 0 or surplus <= 0:
        return
    close = project_close(ruleset, project, facts.as_of)
    closed = close is not None and facts.as_of >= close
    judged_on = close if closed else facts.as_of
    version = rule.judging(judged_on)
    cap = version.params["max_share"]
    share = surplus / total
    last = [c for c in facts.costs if c.project == project and c.source == SURPLUS_SOURCE][-1]
    text = (f"{project}: surplus share of total cost is {share * 100:.2f} % "
            f"({usd(surplus)} of {usd(total)}); cap {cap * 100:.0f} %")
    if closed and (share > cap or share >= 1):
        yield finding(version, judged_on, last.location, f"{text} at project close on {close}",
                      surplus - cap * total, project=project)
    elif not closed and share > cap:
        yield finding(version, judged_on, last.location,
                      f"{text} before project close"
                      + (f" on {close}" if close else ""),
                      surplus - cap * total, severity="warning", project=project)

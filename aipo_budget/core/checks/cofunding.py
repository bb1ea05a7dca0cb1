"""A project is funded only partly from surplus.

At project close (period end plus payment window) the surplus share of the project's total cost
is at most ``max_share`` and always below 100 %: an error otherwise. Before close, a share above
the cap is a warning. The finding sits on the project's last surplus-funded cost. The
surplus-funded cost is compared with what the cap allows, both to the cent: an excess that
rounds to 0.00 is none.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core.checks._common import Entries, Seen, row
from aipo_budget.core.convert import CENT, cents, percent
from aipo_budget.core.facts import SURPLUS_SOURCE
from aipo_budget.core.findings import finding, money
from aipo_budget.core.params import param, parse_text, ratio
from aipo_budget.core.projects import terms

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.facts import Facts
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import Rule, RuleSet
    from aipo_budget.core.subject import Subject


@dataclass(frozen=True)
class Params:
    project: str = param(parse_text)
    max_share: Decimal = param(ratio)  # of the project's total cost


def shares(facts: Facts, project: str) -> tuple[Decimal, Decimal]:
    """(surplus-funded cost, total cost) of ``project``."""
    costs = [c for c in facts.costs if c.project == project]
    surplus = sum((c.usd for c in costs if c.source == SURPLUS_SOURCE), Decimal(0))
    return surplus, sum((c.usd for c in costs), Decimal(0))


def judge(facts: Facts, ruleset: RuleSet, project: str) -> tuple[Seen, Finding | None]:
    """The project's share against its cap, and the finding on its last surplus-funded cost."""
    currency = facts.conventions.currency
    surplus, total = shares(facts, project)
    # a closed project is judged by its terms at close, an open one by the as-of day's
    now = terms(ruleset, project, facts.as_of)
    judged = terms(ruleset, project, now.close) if now.closed else now
    version, cap = judged.cofunding, judged.cap
    share, allowed = percent(surplus, total, CENT), cents(cap * total)
    over = cents(surplus) - allowed

    def compared() -> list[Fact]:
        return [
            ("project closes", now.close, "period end plus the payment window"),
            ("judged on", judged.day, "at close" if now.closed else
             "the as-of date, before close (above the cap: a warning)"),
            ("cap, % of total cost", cap * 100, version.label),
            ("surplus-funded cost", surplus, "the project's costs paid from the Surplus Fund"),
            ("total cost", total, "every source"),
            ("surplus share, % of total cost", share, "to two decimals, as the finding says"),
            ("allowed at the cap", allowed, "cap × total cost, to the cent"),
        ]

    seen = Seen(version, True, "", compared)
    if total <= 0 or surplus <= 0:
        return seen, None
    last = [c for c in facts.costs if c.project == project and c.source == SURPLUS_SOURCE][-1]
    text = (f"{project}: surplus share of total cost is {share} % ({money(surplus, currency)} "
            f"of {money(total, currency)}); cap {cap * 100:.0f} % ({money(allowed, currency)})")
    if now.closed and (over > 0 or surplus >= total):
        return seen, finding(version, judged.day, last.location, f"{text} at project close on "
                             f"{now.close}", over, project=project)
    if not now.closed and over > 0:
        return seen, finding(version, judged.day, last.location, f"{text} before project close"
                             + (f" on {now.close}" if now.close else ""), over,
                             severity="warning", project=project)
    return seen, None


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    _seen, found = judge(facts, ruleset, str(rule.project))
    if found is not None:
        yield found


def explain(subject: Subject, rule: Rule) -> Seen:
    project = str(rule.project)
    seen, found = judge(subject.facts, subject.ruleset, project)
    if any(c.project == project for c in subject.costs):
        why = f"it books costs of {project}"
    elif any(use.project == project for use in subject.uses):
        why = f"it pays costs of {project} from the fund"
    else:
        return Seen(seen.version, False, f"it books no cost of {project} and pays none: "
                                         f"{subject.movement}")
    here = found is not None and subject.at(found)

    def compared() -> list[Fact]:
        return [*seen.facts(),
                *((f"this entry books {c.account}", c.usd,
                   f"source {c.source}, paid on {c.funded_on}")
                  for c in subject.costs if c.project == project),
                *((f"this entry pays {use.account}", use.usd,
                   f"booked by {subject.located(a.location)}")
                  for use in subject.uses if use.project == project
                  for a in subject.settled_accruals(use))]

    notes = () if found is None or here else (
        f"The audit's finding of {rule.id} sits on the project's last surplus-funded cost, "
        f"{subject.located(found)}: {found.severity}: {found.message}",)
    rows, total = [], Decimal(0)
    for cost in (c for c in subject.facts.costs if c.project == project):
        rows.append(row(cost.date, cost.location, cost.usd, total, total + cost.usd,
                        source=cost.source, here="this entry" if subject.at(cost.location) else ""))
        total += cost.usd
    return Seen(seen.version, True, why, compared, (found,) if here else (), Entries(
        f"{rule.id}: the costs of {project}, every source", rows,
        (("source", "source"), ("here", ""))), notes)

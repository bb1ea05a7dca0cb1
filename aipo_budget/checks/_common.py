"""What the outflow checks share: each outflow with the version of a rule that judges it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.conventions import DEFAULT_CURRENCY
from aipo_budget.findings import finding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts, Outflow
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleVersion


def judged(facts: Facts, rule: Rule) -> Iterator[tuple[Outflow, RuleVersion]]:
    """Every surplus outflow with the version of ``rule`` that judges it: the one in force on
    its date, or the first one for an outflow dated before it (see Rule.judging)."""
    for outflow in facts.outflows:
        yield outflow, rule.judging(outflow.date)


def unreadable(outflow: Outflow, key: str, version: RuleVersion,
               currency: str = DEFAULT_CURRENCY) -> Finding | None:
    """The finding for metadata ``key`` of ``outflow`` that cannot be read, if it cannot;
    ``currency`` is the ledger's (``facts.conventions.currency``)."""
    problem = outflow.problem(key)
    if problem is None:
        return None
    return finding(version, outflow.date, outflow.location, problem.message, outflow.usd,
                   currency=currency)

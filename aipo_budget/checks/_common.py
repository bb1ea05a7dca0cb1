"""What the outflow checks share: each outflow with the version of a rule in force on its date."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts, Outflow
    from aipo_budget.rules import Rule, RuleVersion


def judged(facts: Facts, rule: Rule) -> Iterator[tuple[Outflow, RuleVersion]]:
    """Every surplus outflow with the version of ``rule`` that judges it (none before the
    rule's first effective date)."""
    for outflow in facts.outflows:
        version = rule.in_force(outflow.date)
        if version is not None:
            yield outflow, version

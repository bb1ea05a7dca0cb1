"""The Surplus Fund balance never falls below the reserve floor after an outflow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.checks._common import judged
from aipo_budget.findings import finding, money

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    currency = facts.conventions.currency
    for outflow, version in judged(facts, rule):
        floor = version.params["floor"]
        if outflow.balance_after < floor:
            yield finding(
                version, outflow.date, outflow.location,
                f"Surplus Fund balance after this outflow is "
                f"{money(outflow.balance_after, currency)}, below the reserve floor of "
                f"{money(floor, currency)}",
                min(outflow.usd, floor - outflow.balance_after), currency=currency,
            )

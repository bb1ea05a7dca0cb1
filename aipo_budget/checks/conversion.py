"""A surplus outflow in another currency than the operating one has a price in the operating
currency on or before its date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.checks._common import judged
from aipo_budget.findings import finding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    target = facts.conventions.currency
    for outflow, version in judged(facts, rule):
        for conversion in outflow.conversions:
            if conversion.usd is None:
                yield finding(
                    version, outflow.date, outflow.location,
                    f"no {target} price for {conversion.currency} on or before "
                    f"{outflow.date}: {conversion.number:,} {conversion.currency} cannot be "
                    f"converted (add a 'price {conversion.currency} ... {target}' entry)",
                    currency=target,
                )

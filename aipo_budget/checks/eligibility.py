"""Surplus-funded project costs fall in an eligible cost category."""

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
    for outflow, version in judged(facts, rule):
        for use in outflow.uses:
            if use.project is not None and use.category not in version.params["categories"]:
                yield finding(
                    version, outflow.date, outflow.location,
                    f"{use.account}: cost category {use.category or '(none)'!r} is not eligible "
                    f"for surplus funding (eligible: {', '.join(version.params['categories'])})",
                    use.usd, project=use.project, currency=facts.conventions.currency,
                )

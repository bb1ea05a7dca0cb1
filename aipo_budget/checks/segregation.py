"""Every surplus outflow names who prepared it, and that person did not approve it."""

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
        preparer = outflow.prepared_by
        if preparer is None:
            message = "surplus outflow does not name who prepared it (metadata 'prepared-by')"
        elif preparer.casefold() in {name.casefold() for name in outflow.approvers}:
            message = f"{preparer} both prepared and approved this outflow"
        else:
            continue
        yield finding(version, outflow.date, outflow.location, message, outflow.usd)

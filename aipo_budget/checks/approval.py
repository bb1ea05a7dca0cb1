"""Every surplus outflow names its approvers; above the threshold it needs more of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.checks._common import judged
from aipo_budget.findings import finding, usd

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    for outflow, version in judged(facts, rule):
        distinct = {name.casefold() for name in outflow.approvers}
        threshold, needed = version.params["threshold"], version.params["approvers_above"]
        if not distinct:
            message = "surplus outflow names no approver (metadata 'approved-by')"
        elif outflow.usd > threshold and len(distinct) < needed:
            message = (f"outflow of {usd(outflow.usd)} is above {usd(threshold)} and needs "
                       f"{needed} different approvers; approved by "
                       f"{', '.join(outflow.approvers)}")
        else:
            continue
        yield finding(version, outflow.date, outflow.location, message, outflow.usd)

"""Every surplus outflow names its approvers; above the threshold it needs more of them.

Approvers are people, not strings: "Nguyen  Thi Lan" and "nguyen thi lan" are one person
(:func:`aipo_budget.meta.person_key`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget import meta
from aipo_budget.checks._common import judged, unreadable
from aipo_budget.findings import finding, money

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from decimal import Decimal

    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet, RuleVersion


def required(usd: Decimal, version: RuleVersion) -> int:
    """How many different approvers an outflow of ``usd`` needs under ``version``."""
    return version.params["approvers_above"] if usd > version.params["threshold"] else 1


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    currency = facts.conventions.currency
    for outflow, version in judged(facts, rule):
        problem = unreadable(outflow, meta.APPROVED_BY, version, currency)
        if problem is not None:
            yield problem
            continue
        distinct = {meta.person_key(name) for name in outflow.approvers}
        threshold, needed = version.params["threshold"], required(outflow.usd, version)
        if not distinct:
            message = meta.missing(outflow.entry, meta.APPROVED_BY,
                                   "surplus outflow names no approver")
        elif len(distinct) < needed:
            message = (f"outflow of {money(outflow.usd, currency)} is above "
                       f"{money(threshold, currency)} and needs "
                       f"{needed} different approvers, has {len(distinct)}; approved by "
                       f"{', '.join(outflow.approvers)}")
        else:
            continue
        yield finding(version, outflow.date, outflow.location, message, outflow.usd,
                      currency=currency)

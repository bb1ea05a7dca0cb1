"""Every surplus outflow names who prepared it, and that person did not approve it.

Names are compared as people (:func:`aipo_budget.meta.person_key`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget import meta
from aipo_budget.checks._common import judged, unreadable
from aipo_budget.findings import finding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    currency = facts.conventions.currency
    for outflow, version in judged(facts, rule):
        problem = unreadable(outflow, meta.PREPARED_BY, version, currency)
        if problem is not None:
            yield problem
            continue
        preparer = outflow.prepared_by
        if preparer is None:
            message = meta.missing(outflow.entry, meta.PREPARED_BY,
                                   "surplus outflow does not name who prepared it")
        else:
            key = meta.person_key(preparer)
            same = [name for name in outflow.approvers if meta.person_key(name) == key]
            if not same:
                continue
            message = (f"{preparer} both prepared and approved this outflow (approved by "
                       f"{', '.join(outflow.approvers)})")
        yield finding(version, outflow.date, outflow.location, message, outflow.usd,
                      currency=currency)

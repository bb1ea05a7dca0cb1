"""Surplus-funded costs are incurred within the project period and paid within the window.

A cost's incurred date is its ``incurred`` metadata (a date, bare or quoted), else the date of
the accrual its payment settles (shared link), else the payment date. An ``incurred`` value that
cannot be read is an error of this rule. An outflow charged to the project is judged by the
project's period whatever its date: one paid before the first version of the rule came into
force is outside the period, not outside the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget import meta
from aipo_budget.checks._common import unreadable
from aipo_budget.findings import finding
from aipo_budget.projects import terms

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    project = str(rule.project)
    currency = facts.conventions.currency
    for outflow in facts.outflows:
        uses = [use for use in outflow.uses if use.project == project]
        if not uses:
            continue
        project_terms = terms(ruleset, project, outflow.date)
        version = project_terms.period
        problem = unreadable(outflow, meta.INCURRED, version, currency)
        if problem is not None:
            yield problem
        for use in uses:
            if not project_terms.incurred_in_period(use.incurred):
                message = (f"{use.account}: cost incurred on {use.incurred}, outside the project "
                           f"period {project_terms.start} to {project_terms.end}")
            elif outflow.date > project_terms.close:
                message = (f"{use.account}: paid on {outflow.date}, after the payment window "
                           f"closed on {project_terms.close} ({project_terms.window_days} "
                           f"days after the period ended on {project_terms.end})")
            else:
                continue
            yield finding(version, outflow.date, outflow.location, message, use.usd,
                          project=project, currency=currency)

"""Surplus-funded costs are incurred within the project period and paid within the window.

A cost's incurred date is its ``incurred`` metadata (a date, bare or quoted), else the date of
the accrual its payment settles (shared link), else the payment date. An ``incurred`` value that
cannot be read is an error of this rule. An outflow charged to the project is judged by the
project's period whatever its date: one paid before the first version of the rule came into
force is outside the period, not outside the rules.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from aipo_budget import meta
from aipo_budget.checks._common import judged, unreadable
from aipo_budget.findings import finding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet, RuleVersion


def close_date(version: RuleVersion) -> datetime.date:
    """The last day a cost of the project may be paid: period end plus the payment window."""
    return version.params["end"] + datetime.timedelta(days=version.params["payment_window_days"])


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    project = rule.project
    for outflow, version in judged(facts, rule):
        start, end = version.params["start"], version.params["end"]
        last_payment = close_date(version)
        if any(use.project == project for use in outflow.uses):
            problem = unreadable(outflow, meta.INCURRED, version)
            if problem is not None:
                yield problem
        for use in outflow.uses:
            if use.project != project:
                continue
            if not start <= use.incurred <= end:
                message = (f"{use.account}: cost incurred on {use.incurred}, outside the project "
                           f"period {start} to {end}")
            elif outflow.date > last_payment:
                message = (f"{use.account}: paid on {outflow.date}, after the payment window "
                           f"closed on {last_payment} ({version.params['payment_window_days']} "
                           f"days after the period ended on {end})")
            else:
                continue
            yield finding(version, outflow.date, outflow.location, message, use.usd,
                          project=project)

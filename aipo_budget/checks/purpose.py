"""The cited resolution authorises the project and cost category the outflow pays for."""

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
        if outflow.resolution != version.params["resolution"]:
            continue  # outflows citing other (or no) resolutions are judged by their own rules
        projects = version.params["projects"]
        for use in outflow.uses:
            if use.project is None:
                message = (f"pays {use.account}, which is not a project that "
                           f"{outflow.resolution} authorises")
            elif use.project not in projects:
                message = (f"pays project {use.project!r}, which {outflow.resolution} does not "
                           f"authorise (authorised: {', '.join(projects)})")
            elif use.category not in projects[use.project]:
                message = (f"pays cost category {use.category or '(none)'!r} of {use.project}, "
                           f"which {outflow.resolution} does not authorise")
            else:
                continue
            yield finding(version, outflow.date, outflow.location, message, use.usd,
                          project=use.project, currency=facts.conventions.currency)

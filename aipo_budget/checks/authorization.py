"""Every surplus outflow cites a resolution that authorises the use of surplus funds."""

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
        if outflow.resolution is None:
            yield finding(version, outflow.date, outflow.location,
                          "surplus outflow cites no resolution (metadata 'resolution')",
                          outflow.usd)
        elif outflow.resolution not in version.params["resolutions"]:
            yield finding(version, outflow.date, outflow.location,
                          f"resolution {outflow.resolution!r} is not an instrument that "
                          "authorises the use of surplus funds "
                          f"(known: {', '.join(version.params['resolutions'])})",
                          outflow.usd)

"""Every surplus outflow cites a resolution that authorises the use of surplus funds, and is
not dated before that resolution was adopted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget import meta
from aipo_budget.checks._common import judged, unreadable
from aipo_budget.findings import finding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts, Outflow
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet, RuleVersion


def _message(outflow: Outflow, version: RuleVersion, ruleset: RuleSet) -> str | None:
    resolution = outflow.resolution
    if resolution is None:
        return meta.missing(outflow.entry, meta.RESOLUTION,
                            "surplus outflow cites no resolution")
    if resolution not in version.params["resolutions"]:
        return (f"resolution {resolution!r} is not an instrument that authorises the use of "
                f"surplus funds (known: {', '.join(version.params['resolutions'])})")
    instrument = ruleset.instrument(resolution)
    adopted = instrument.adopted if instrument else None
    if adopted is not None and outflow.date < adopted:
        return (f"dated {outflow.date}, before resolution {resolution} was adopted on "
                f"{adopted}: no authority existed yet")
    return None


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    currency = facts.conventions.currency
    for outflow, version in judged(facts, rule):
        problem = unreadable(outflow, meta.RESOLUTION, version, currency)
        if problem is not None:
            yield problem
            continue
        message = _message(outflow, version, ruleset)
        if message is not None:
            yield finding(version, outflow.date, outflow.location, message, outflow.usd,
                          currency=currency)

"""A surplus outflow in another currency than the operating one has a price in the operating
currency on or before its date."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.core.checks._common import Seen, per_outflow
from aipo_budget.core.findings import finding

if TYPE_CHECKING:
    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.rules import RuleSet, RuleVersion


def converted(outflow: Outflow, target: str) -> list[Fact]:
    """How each currency other than the operating one that left the fund was converted: the
    amount, the rate (exact, as the ledger has it) and the date of the price used."""
    found: list[Fact] = []
    for c in (c for c in outflow.conversions if c.currency != target):
        paid = f"{c.number:,} {c.currency}"
        if c.rate is None:
            found.append((paid, "(no price)", f"no {target} price on or before {outflow.date}"))
        else:
            found += [(paid, c.usd, f"in {target}"),
                      (f"rate {c.currency}", str(c.rate), f"{target} per {c.currency}"),
                      (f"price date {c.currency}", c.rate_date, c.rate_source)]
    return found


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    target = facts.conventions.currency
    findings = tuple(
        finding(version, outflow.date, outflow.location,
                f"no {target} price for {c.currency} on or before {outflow.date}: "
                f"{c.number:,} {c.currency} cannot be converted (add a 'price {c.currency} ... "
                f"{target}' entry)")
        for c in outflow.conversions if c.usd is None)
    foreign = [c.currency for c in outflow.conversions if c.currency != target]
    why = (f"money left the fund in {', '.join(foreign)}" if foreign
           else f"the outflow is paid in {target}: nothing to convert")
    return Seen(version, bool(foreign), why, lambda: converted(outflow, target), findings)


check, explain = per_outflow(judge)

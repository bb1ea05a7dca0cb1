"""Surplus-funded project costs fall in an eligible cost category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aipo_budget.core.checks._common import Seen, per_outflow
from aipo_budget.core.findings import finding
from aipo_budget.core.params import param, parse_texts

if TYPE_CHECKING:
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.rules import RuleSet, RuleVersion


@dataclass(frozen=True)
class Params:
    categories: tuple[str, ...] = param(parse_texts)


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    eligible = version.params.categories
    uses = [use for use in outflow.uses if use.project is not None]
    if not uses:
        return Seen(version, False, "the outflow pays no project cost")
    findings = tuple(
        finding(version, outflow.date, outflow.location,
                f"{use.account}: cost category {use.category or '(none)'!r} is not eligible "
                f"for surplus funding (eligible: {', '.join(eligible)})",
                use.usd, project=use.project)
        for use in uses if use.category not in eligible)
    return Seen(version, True, "a surplus outflow pays project costs", lambda: [
        *((f"pays {use.account}", use.usd,
           f"project {use.project}, category {use.category or '(none)'}") for use in uses),
        ("eligible categories", ", ".join(eligible), "")], findings)


check, explain = per_outflow(judge)

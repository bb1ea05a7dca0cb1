"""Every surplus outflow names its approvers; above the threshold it needs more of them.

Approvers are people, not strings: "Nguyen  Thi Lan" and "nguyen thi lan" are one person
(:func:`aipo_budget.core.meta.person_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import Seen, metadata, on_outflow, per_outflow, unread
from aipo_budget.core.findings import money
from aipo_budget.core.params import approvers, param, parse_amount

if TYPE_CHECKING:
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.rules import RuleSet, RuleVersion


@dataclass(frozen=True)
class Params:
    threshold: Decimal = param(parse_amount)  # in the operating currency
    approvers_above: int = param(approvers)  # different approvers needed above it


def required(usd: Decimal, version: RuleVersion) -> int:
    """How many different approvers an outflow of ``usd`` needs under ``version``."""
    return version.params.approvers_above if usd > version.params.threshold else 1


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    currency, threshold = facts.conventions.currency, version.params.threshold
    keys = [meta.person_key(name) for name in outflow.approvers]
    distinct, needed = set(keys), required(outflow.usd, version)
    message = unread(outflow, meta.APPROVED_BY, distinct, "surplus outflow names no approver")
    if message is None and len(distinct) < needed:
        message = (f"outflow of {money(outflow.usd, currency)} is above "
                   f"{money(threshold, currency)} and needs {needed} different "
                   f"approvers, has {len(distinct)}; approved by {', '.join(outflow.approvers)}")
    return Seen(version, True, "a surplus outflow is approved", lambda: (
        ("amount", outflow.usd, currency),
        ("threshold", threshold, currency),
        ("approvers needed", needed, f"{version.params.approvers_above} above the threshold"),
        metadata(outflow, "approved by", meta.APPROVED_BY, ", ".join(outflow.approvers)),
        ("compared as", ", ".join(map(repr, keys)) or "(nobody)",
         "Unicode form, spaces and case folded"),
        ("different approvers", len(distinct), ""),
    ), on_outflow(version, outflow, currency, message))


check, explain = per_outflow(judge)

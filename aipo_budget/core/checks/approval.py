"""Every surplus outflow names its approvers; above the threshold it needs more of them.

Approvers are people, not strings: "Nguyen  Thi Lan" and "nguyen thi lan" are one person
(:func:`aipo_budget.core.meta.person_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import (Seen, metadata, on_outflow, per_outflow,
                                             signature_facts, signed_claims, unread)
from aipo_budget.core.convert import cents
from aipo_budget.core.findings import money
from aipo_budget.core.params import approvers, flag, param, parse_amount

if TYPE_CHECKING:
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.rules import RuleSet, RuleVersion


@dataclass(frozen=True)
class Params:
    threshold: Decimal = param(parse_amount)  # in the operating currency
    approvers_above: int = param(approvers)  # different approvers needed above it
    signed: bool = param(flag, default=False)  # an approver counts only with a signature


def required(usd: Decimal, version: RuleVersion) -> int:
    """How many different approvers an outflow of ``usd`` needs under ``version``: more
    above the threshold, both to the cent (5,000.004 USD is 5,000.00 USD)."""
    above = cents(usd) > cents(version.params.threshold)
    return version.params.approvers_above if above else 1


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    currency, threshold = facts.conventions.currency, version.params.threshold
    keys = [meta.person_key(name) for name in outflow.approvers]
    needed = required(outflow.usd, version)
    claims = signed_claims(facts, ruleset, outflow, version, "approve")
    counted = [key for key, claim in zip(keys, claims or [None] * len(keys))
               if claim is None or claim.counts]
    distinct = set(counted)
    message = unread(outflow, meta.APPROVED_BY, keys, "surplus outflow names no approver")
    if message is None and len(distinct) < needed:
        what = "signed approvals" if claims is not None else "approvers"
        message = (f"outflow of {money(outflow.usd, currency)} is above "
                   f"{money(threshold, currency)} and needs {needed} different {what}, has "
                   f"{len(distinct)}; approved by {', '.join(outflow.approvers)}"
                   if needed > 1 else f"no approval counts; approved by "
                   f"{', '.join(outflow.approvers)}")
    not_counted = [c.problem for c in claims or () if not c.counts]
    if message is None and not_counted:
        message = "approved-by names an approval that does not count"
    if message is not None and not_counted:
        message += ": " + "; ".join(not_counted)
    return Seen(version, True, "a surplus outflow is approved", lambda: (
        ("amount", outflow.usd, currency),
        ("threshold", threshold, currency),
        ("approvers needed", needed, f"{version.params.approvers_above} above the threshold"),
        metadata(outflow, "approved by", meta.APPROVED_BY, ", ".join(outflow.approvers)),
        ("compared as", ", ".join(map(repr, keys)) or "(nobody)",
         "Unicode form, spaces and case folded"),
        *signature_facts(claims, ruleset),
        ("different approvers" + (" with a valid signature" if claims is not None else ""),
         len(distinct), ""),
    ), on_outflow(version, outflow, message))


check, explain = per_outflow(judge)

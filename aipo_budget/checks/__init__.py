"""One small pure check per rule kind: ``check(facts, rule) -> Iterator[Finding]``.

A check reads the facts and the version of its rule in force on each transaction's date; it
never reads files and never raises on bad ledger data (that becomes a finding).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from aipo_budget.checks import (
    approval,
    authorization,
    ceiling,
    cofunding,
    conversion,
    duplicate,
    eligibility,
    evidence,
    period,
    purpose,
    reserve,
    segregation,
    transfer,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet

Check = Callable[["Facts", "Rule", "RuleSet"], "Iterator[Finding]"]

CHECKS: dict[str, Check] = {
    "transfer": transfer.check,
    "authorization": authorization.check,
    "purpose": purpose.check,
    "eligibility": eligibility.check,
    "period": period.check,
    "ceiling": ceiling.check,
    "cofunding": cofunding.check,
    "reserve": reserve.check,
    "approval": approval.check,
    "segregation": segregation.check,
    "evidence": evidence.check,
    "conversion": conversion.check,
    "duplicate": duplicate.check,
}

"""One small pure check per rule kind: ``check(facts, rule) -> Iterator[Finding]``.

A check reads the facts and the version of its rule in force on each transaction's date; it
never reads files and never raises on bad ledger data (that becomes a finding).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from aipo_budget.core.checks import (
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

    from aipo_budget.core.facts import Facts
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import Rule, RuleSet

Check = Callable[["Facts", "Rule", "RuleSet"], "Iterator[Finding]"]

# one module per kind of rule: its Params, its check and what it compared (explain shows it)
KINDS = {
    "transfer": transfer,
    "authorization": authorization,
    "purpose": purpose,
    "eligibility": eligibility,
    "period": period,
    "ceiling": ceiling,
    "cofunding": cofunding,
    "reserve": reserve,
    "approval": approval,
    "segregation": segregation,
    "evidence": evidence,
    "conversion": conversion,
    "duplicate": duplicate,
}
CHECKS: dict[str, Check] = {kind: module.check for kind, module in KINDS.items()}
# kind -> the dataclass of its parameters; a kind not listed takes none
PARAMS: dict[str, type] = {kind: module.Params for kind, module in KINDS.items()
                           if hasattr(module, "Params")}

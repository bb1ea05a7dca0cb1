"""One small pure check per rule kind: ``check(facts, rule, ruleset) -> Iterator[Finding]``.

A check reads the facts and the version of its rule in force on each transaction's date; it
never reads files and never raises on bad ledger data (that becomes a finding).
"""

from __future__ import annotations

from aipo_budget.core.checks import (approval, authorization, ceiling, cofunding, conversion,
                                     duplicate, eligibility, evidence, period, purpose, reserve,
                                     segregation, transfer)

# one module per kind of rule: its Params, its check and what it compared (explain shows it)
KINDS = {module.__name__.rsplit(".", 1)[1]: module for module in (
    transfer, authorization, purpose, eligibility, period, ceiling, cofunding, reserve, approval,
    segregation, evidence, conversion, duplicate)}
CHECKS = {kind: module.check for kind, module in KINDS.items()}
# kind -> the dataclass of its parameters; a kind not listed takes none
PARAMS: dict[str, type] = {kind: module.Params for kind, module in KINDS.items()
                           if hasattr(module, "Params")}

"""The audit: facts, then every check of the rule set, then Beancount's own errors as findings.

The Beancount plugin, the CLI and the Fava extension all call :func:`audit`; none of them has
checks of its own.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.checks import CHECKS
from aipo_budget.facts import Location, build_facts
from aipo_budget.findings import Finding, Judgement, finding
from aipo_budget.rules import RuleVersion

if TYPE_CHECKING:
    from collections.abc import Sequence

    from beancount.core import data

    from aipo_budget.facts import Facts
    from aipo_budget.rules import RuleSet

# Used when a rules folder has no rule of kind "ledger": Beancount's errors are still reported.
DEFAULT_LEDGER_RULE = RuleVersion(
    "LEDGER", "ledger", 1, datetime.date(1900, 1, 1), "error", "Beancount validation",
    "The ledger is valid: Beancount reports no error.", {},
)


@dataclass
class Audit(Judgement):
    facts: Facts
    findings: list[Finding]
    ruleset: RuleSet


def _error_date(error: Any) -> datetime.date | None:
    entry = getattr(error, "entry", None)
    date = getattr(entry, "date", None)
    return date if isinstance(date, datetime.date) else None


def ledger_findings(errors: Sequence[Any], ruleset: RuleSet) -> list[Finding]:
    """Beancount's own errors, as findings of the rule of kind ``ledger``."""
    rules = ruleset.of_kind("ledger")
    found = []
    for error in errors:
        date = _error_date(error)
        version = (rules[0].in_force(date or datetime.date.max) if rules else None)
        version = version or DEFAULT_LEDGER_RULE
        source = getattr(error, "source", None) or {}
        found.append(finding(version, date, Location.of(source, getattr(error, "entry", None)),
                             " ".join(str(getattr(error, "message", error)).split())))
    return found


def audit(
    entries: Sequence[data.Directive],
    ruleset: RuleSet,
    as_of: datetime.date,
    ledger_errors: Sequence[Any] = (),
) -> Audit:
    """Judge the ledger as it stood on ``as_of`` against ``ruleset``."""
    facts = build_facts(entries, as_of)
    findings = ledger_findings(ledger_errors, ruleset)
    for rule in ruleset.rules:
        check = CHECKS.get(rule.kind)
        if check is not None:
            findings.extend(check(facts, rule, ruleset))
    findings.sort(key=lambda f: f.sort_key)
    return Audit(facts, findings, ruleset)

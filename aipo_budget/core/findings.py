"""Findings: what a check reports, as plain data shared by the CLI, the plugin and Fava."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.core.conventions import DEFAULT_CURRENCY

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.facts import Location
    from aipo_budget.core.rules import RuleVersion

# The severities of a finding: a rule's (error, warning), and that of a finding a valid waiver
# covers (aipo_budget.core.waivers), which fails nothing.
ERROR, WARNING, WAIVED = "error", "warning", "waived"


@dataclass(frozen=True)
class Finding:
    rule: str
    kind: str
    severity: str
    citation: str
    version: int
    effective: datetime.date | None
    date: datetime.date | None
    filename: str
    lineno: int
    message: str
    amount: Decimal | None = None  # at stake, where one applies, in ``currency``
    project: str | None = None
    currency: str = DEFAULT_CURRENCY  # the ledger's operating currency (its conventions)
    criterion: str = ""  # the rule version's text: what the register calls the criterion
    transaction: str = ""  # payee and narration of the offending transaction, as written
    waiver: str | None = None  # the reference of the waiver that covers it (severity "waived")
    entry: Any = field(default=None, compare=False, repr=False)  # the offending directive

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.date or datetime.date.min, self.filename, self.lineno, self.rule, self.message)

    @property
    def version_label(self) -> str:
        effective = self.effective.isoformat() if self.effective else "-"
        return f"{self.rule} v{self.version} ({effective})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule, "kind": self.kind, "severity": self.severity,
            "citation": self.citation, "version": self.version,
            "effective": self.effective.isoformat() if self.effective else None,
            "date": self.date.isoformat() if self.date else None,
            "filename": self.filename, "lineno": self.lineno, "message": self.message,
            "amount": f"{self.amount:.2f}" if self.amount is not None else None,
            "currency": self.currency if self.amount is not None else None,
            "project": self.project, "waiver": self.waiver,
        }


class Judgement:
    """Errors, warnings and waived findings of anything that holds ``findings`` (an audit, a
    cached summary). Only errors fail ``check``, warnings too with ``--strict``; a finding a
    valid waiver covers fails nothing."""

    findings: Sequence[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def waived(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WAIVED]


def finding(version: RuleVersion, date: datetime.date | None, location: Location, message: str,
            amount: Decimal | None = None, *, severity: str | None = None,
            project: str | None = None, currency: str = DEFAULT_CURRENCY) -> Finding:
    """A finding of ``version`` at ``location``; ``severity`` overrides the rule's;
    ``amount`` is in ``currency``, the ledger's (``facts.conventions.currency``)."""
    return Finding(version.rule_id, version.kind, severity or version.severity, version.citation,
                   version.number, version.effective, date, location.filename, location.lineno,
                   message, amount, project, currency, criterion=version.text,
                   transaction=transaction_text(location.entry), entry=location.entry)


def transaction_text(entry: Any) -> str:
    """Payee and narration of ``entry`` (a transaction), as written; "" for other entries."""
    parts = (getattr(entry, "payee", None) or "", getattr(entry, "narration", None) or "")
    return " — ".join(part for part in parts if part)


def money(amount: Decimal, currency: str) -> str:
    """An amount for messages: 12,345.68 USD."""
    return f"{amount:,.2f} {currency}"

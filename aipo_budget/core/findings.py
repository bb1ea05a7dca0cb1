"""Findings: what a check reports, as plain data shared by the CLI, the plugin and Fava."""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.core.conventions import DEFAULT_CURRENCY
from aipo_budget.core.paths import shown

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
    effective: datetime.date | None  # the version's; None for one in force always
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
        return version_label(self.rule, self.version, self.effective)

    def as_dict(self, root: str | None = None) -> dict[str, Any]:
        """The finding as JSON carries it: ``filename`` relative to the folder ``root`` when
        it lies inside it, else absolute (as the loader has it, and always without ``root``);
        ``criterion`` the rule version's text, ``transaction`` its payee and narration."""
        return {
            "rule": self.rule, "kind": self.kind, "severity": self.severity,
            "citation": self.citation, "version": self.version,
            "effective": self.effective.isoformat() if self.effective else None,
            "date": self.date.isoformat() if self.date else None,
            "filename": self.filename if root is None else relative(self.filename, root),
            "lineno": self.lineno, "message": self.message,
            "amount": f"{self.amount:.2f}" if self.amount is not None else None,
            "currency": self.currency if self.amount is not None else None,
            "project": self.project, "criterion": self.criterion,
            "transaction": self.transaction, "waiver": self.waiver,
        }


def relative(filename: str, root: str) -> str:
    """``filename`` as a JSON document relative to ``root`` gives it: relative when inside
    it, else absolute; a name of no file (Beancount's ``<string>``) as it is."""
    return filename if filename.startswith("<") else shown(os.path.abspath(filename), root)


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
                   version.number, version.since, date, location.filename, location.lineno,
                   message, amount, project, currency, criterion=version.text,
                   transaction=transaction_text(location.entry), entry=location.entry)


def version_label(rule: str, number: int, since: datetime.date | None) -> str:
    """A rule version as findings and tables name it: ``ORG08-APPROVAL v2 (2006-04-01)``,
    with the day it came into force; ``LEDGER v1`` for one in force always."""
    return f"{rule} v{number}" + (f" ({since.isoformat()})" if since else "")


def transaction_text(entry: Any) -> str:
    """Payee and narration of ``entry`` (a transaction), as written; "" for other entries."""
    parts = (getattr(entry, "payee", None) or "", getattr(entry, "narration", None) or "")
    return " — ".join(part for part in parts if part)


def money(amount: Decimal, currency: str) -> str:
    """An amount for messages: 12,345.68 USD."""
    return f"{amount:,.2f} {currency}"

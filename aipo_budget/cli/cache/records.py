"""A check's summary as plain JSON, written and read field by field: a Decimal keeps its
digits, a date its day, and what this version does not write is malformed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aipo_budget.core.findings import Finding, Judgement


@dataclass(frozen=True)
class CheckSummary(Judgement):
    """All that ``check`` prints: the findings and the counts of the summary line."""

    findings: tuple[Finding, ...]
    has_fund: bool
    outflows: int
    transfers: int
    rules: int
    left_out: int = 0  # entries dated after --as-of, not judged


COUNTS = ("outflows", "transfers", "rules", "left_out")
TEXTS = ("rule", "kind", "severity", "citation", "filename", "message", "currency", "criterion",
         "transaction")
OPTIONAL_TEXTS, NUMBERS, DAYS = ("project", "waiver"), ("version", "lineno"), ("effective", "date")
# A finding's directive (``entry``) is left out: not needed to print, and not plain data.
FINDING_FIELDS = {*TEXTS, *OPTIONAL_TEXTS, *NUMBERS, *DAYS, "amount"}


def finding_record(finding: Finding) -> dict[str, Any]:
    record = {name: getattr(finding, name) for name in (*TEXTS, *OPTIONAL_TEXTS, *NUMBERS)}
    record.update({name: _day(getattr(finding, name)) for name in DAYS})
    record["amount"] = None if finding.amount is None else str(finding.amount)  # exact digits
    return record


def finding_from(record: Any) -> Finding:
    """The finding ``finding_record`` wrote; TypeError or ValueError if it is not one."""
    if not isinstance(record, dict) or set(record) != FINDING_FIELDS:
        raise ValueError("not a finding")
    values = {name: _typed(record[name], str) for name in TEXTS}
    values.update({name: _optional(record[name], str) for name in OPTIONAL_TEXTS})
    values.update({name: _typed(record[name], int) for name in NUMBERS})
    values.update({name: _day_from(record[name]) for name in DAYS})
    amount = _optional(record["amount"], str)
    return Finding(**values, amount=None if amount is None else Decimal(amount))


def summary_record(summary: CheckSummary) -> dict[str, Any]:
    return {"findings": [finding_record(f) for f in summary.findings],
            "has_fund": summary.has_fund, **{name: getattr(summary, name) for name in COUNTS}}


def summary_from(record: Any) -> CheckSummary | None:
    """The summary ``summary_record`` wrote, or None if ``record`` is not exactly one."""
    try:
        if not isinstance(record, dict) or set(record) != {"findings", "has_fund", *COUNTS}:
            return None
        return CheckSummary(tuple(finding_from(f) for f in _typed(record["findings"], list)),
                            _typed(record["has_fund"], bool),
                            *(_typed(record[name], int) for name in COUNTS))
    except (TypeError, ValueError, ArithmeticError):  # ArithmeticError: not a Decimal
        return None


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:  # exactly: True is no count, 1.0 no line number
        raise TypeError(f"{value!r} is no {kind.__name__}")
    return value


def _optional(value: Any, kind: type) -> Any:
    return None if value is None else _typed(value, kind)


def _day(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _day_from(value: Any) -> datetime.date | None:
    return None if value is None else datetime.date.fromisoformat(_typed(value, str))

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
OPTIONAL_TEXTS, NUMBERS = ("project", "waiver"), ("version", "lineno")
# the fields JSON cannot hold, written as text and read back: a day, an amount's exact digits
AS_TEXT = {"effective": (datetime.date.isoformat, datetime.date.fromisoformat),
           "date": (datetime.date.isoformat, datetime.date.fromisoformat), "amount": (str, Decimal)}
# A finding's directive (``entry``) is left out: not needed to print, and not plain data.
FINDING_FIELDS = {*TEXTS, *OPTIONAL_TEXTS, *NUMBERS, *AS_TEXT}


def finding_record(finding: Finding) -> dict[str, Any]:
    record = {name: getattr(finding, name) for name in (*TEXTS, *OPTIONAL_TEXTS, *NUMBERS)}
    for name, (write, _read) in AS_TEXT.items():
        value = getattr(finding, name)
        record[name] = None if value is None else write(value)
    return record


def finding_from(record: Any) -> Finding:
    """The finding ``finding_record`` wrote; TypeError or ValueError if it is not one."""
    if not isinstance(record, dict) or set(record) != FINDING_FIELDS:
        raise ValueError("not a finding")
    values = {name: _typed(record[name], str) for name in TEXTS}
    values |= {name: _typed(record[name], int) for name in NUMBERS}
    values |= {name: None if record[name] is None else _typed(record[name], str)
               for name in (*OPTIONAL_TEXTS, *AS_TEXT)}
    for name, (_write, read) in AS_TEXT.items():
        values[name] = None if values[name] is None else read(values[name])
    return Finding(**values)


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

"""The parameters of each kind of rule, and how each parameter's TOML value is read.

A parser returns the value or raises ValueError with a message naming what was expected; the
loader adds the file, rule and parameter.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Callable

from aipo_budget.rules.model import SEVERITIES  # a parameter's severity means the rule's words

# Bounds no real instrument reaches; beyond them a value is a typo (a misplaced digit, a year
# 9999), and the arithmetic and calendar of the checks stay within their limits.
MAX_AMOUNT = Decimal(10) ** 15
FIRST_DATE, LAST_DATE = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
MAX_WINDOW_DAYS = 3650
MAX_APPROVERS = 100


def parse_amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"expected an amount in USD, e.g. 40000.00, not {short(value)}")
    try:
        number = Decimal(str(value).replace(",", "").replace("_", ""))
    except ArithmeticError:
        raise ValueError(f"{short(value)} is not an amount") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{short(value)} is not a non-negative amount")
    if number > MAX_AMOUNT:
        raise ValueError(f"{short(value)} is above the largest amount accepted (10^15)")
    return number


def _ratio(value: Any) -> Decimal:
    number = parse_amount(value)
    if not 0 < number <= 1:
        raise ValueError(f"{short(value)} is not a ratio between 0 (excluded) and 1, e.g. 0.60")
    return number


def parse_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValueError(f"{short(value)} is not a date (write it bare, e.g. 2006-06-30)")
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{value} is outside {FIRST_DATE}..{LAST_DATE}")
    return value


def _count(value: Any, limit: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{short(value)} is not a whole number >= 0")
    if limit is not None and value > limit:
        raise ValueError(f"{value} is above the largest accepted ({limit})")
    return value


def _days(value: Any) -> int:
    return _count(value, MAX_WINDOW_DAYS)


def _approvers(value: Any) -> int:
    return _count(value, MAX_APPROVERS)


def _severity(value: Any) -> str:
    if value not in SEVERITIES:
        raise ValueError(f"{short(value)} is not one of {', '.join(SEVERITIES)}")
    return str(value)


def parse_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{short(value)} is not a non-empty string")
    return value.strip()


def parse_texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected a non-empty list of strings, not {short(value)}")
    for number, item in enumerate(value, start=1):
        if not isinstance(item, str):  # e.g. a list of lists: deeper than the schema
            raise ValueError(f"expected a list of strings; item {number} is {short(item)}")
    return tuple(parse_text(item) for item in value)


def short(value: Any) -> str:
    """A TOML value for messages: tables and arrays named, never dumped; the rest truncated."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _project_categories(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        raise ValueError("expected a table of project = [categories]")
    return {parse_text(name): parse_texts(categories) for name, categories in value.items()}


Parser = Callable[[Any], Any]

# kind -> {parameter: (parser, required)}
PARAMETERS: dict[str, dict[str, tuple[Parser, bool]]] = {
    "transfer": {},
    "authorization": {"resolutions": (parse_texts, True)},
    "purpose": {"resolution": (parse_text, True), "projects": (_project_categories, True)},
    "eligibility": {"categories": (parse_texts, True)},
    "period": {
        "project": (parse_text, True),
        "start": (parse_date, True),
        "end": (parse_date, True),
        "payment_window_days": (_days, True),
    },
    "ceiling": {"project": (parse_text, True), "allocation": (parse_amount, True), "warn_at": (_ratio, True)},
    "cofunding": {"project": (parse_text, True), "max_share": (_ratio, True)},
    "reserve": {"floor": (parse_amount, True)},
    "approval": {"threshold": (parse_amount, True), "approvers_above": (_approvers, True)},
    "segregation": {},
    "evidence": {},
    "conversion": {},
    "ledger": {},
    # the rule's own severity is for the same document or link; same payee and amount within
    # the window (instalments, recurring fees) is weaker evidence of a repeat
    "duplicate": {"window_days": (_days, True), "payee_amount_severity": (_severity, True)},
    "seal": {},
    "manifest": {},
    "waiver": {},
}

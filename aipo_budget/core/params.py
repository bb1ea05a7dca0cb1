"""How a rule's parameters are read from its TOML table.

Each kind of rule declares its parameters as a frozen dataclass (``Params`` in its module of
:mod:`aipo_budget.core.checks`) whose fields name the reader of their value with :func:`param`;
:func:`read` builds it from the table. A reader returns the value or raises ValueError with a
message naming what was expected; the rules loader adds the file, line, rule and parameter.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
from decimal import Decimal
from typing import Any, Callable

from aipo_budget.core.findings import ERROR, WARNING

SEVERITIES = (ERROR, WARNING)
# an amount written by hand: ASCII digits, a comma only between thousands ("420,000.00")
WRITTEN_AMOUNT = re.compile(r"\s*[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?\s*", re.ASCII)
NOT_WRITTEN = "is not an amount: write digits, a comma only between thousands"

# Bounds no real instrument reaches; beyond them a value is a typo (a misplaced digit, a year
# 9999), and the arithmetic and calendar of the checks stay within their limits.
MAX_AMOUNT = Decimal(10) ** 15
MIN_AMOUNT = Decimal(10) ** -10  # the smallest amount but 0: a ratio to it stays a number
FIRST_DATE, LAST_DATE = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
MAX_WINDOW_DAYS = 3650
MAX_APPROVERS = 100


def without_thousands(text: str) -> str | None:
    """``text`` without the commas that separate its thousands ("420,000.00"); None when it
    is not written so: a comma that separates anything else ("420.000,00", "4,0,0,0"), an
    exponent, an underscore, digits of another script. The rules' quoted amounts and the Fava
    form's are read alike."""
    return text.replace(",", "") if WRITTEN_AMOUNT.fullmatch(text) else None


def parse_amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"expected an amount in USD, e.g. 40000.00, not {short(value)}")
    digits = without_thousands(value) if isinstance(value, str) else str(value)  # TOML's own
    if digits is None:
        raise ValueError(f"{short(value)} {NOT_WRITTEN} (e.g. 420,000.00)")
    try:
        number = Decimal(digits)
    except ArithmeticError:
        raise ValueError(f"{short(value)} is not an amount") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{short(value)} is not a non-negative amount")
    if number > MAX_AMOUNT:
        raise ValueError(f"{short(value)} is above the largest amount accepted (10^15)")
    if 0 < number < MIN_AMOUNT:  # a share of it (spending / allocation) would overflow
        raise ValueError(f"{short(value)} is below the smallest amount accepted but 0 (10^-10)")
    return number


def ratio(value: Any) -> Decimal:
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


def _count(value: Any, limit: int, least: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{short(value)} is not a whole number >= 0")
    if value < least:
        raise ValueError(f"{value} is below the smallest accepted ({least})")
    if value > limit:
        raise ValueError(f"{value} is above the largest accepted ({limit})")
    return value


days = functools.partial(_count, limit=MAX_WINDOW_DAYS)
# 0 approvers above the threshold would let an outflow pass that nobody approved
approvers = functools.partial(_count, limit=MAX_APPROVERS, least=1)


def severity(value: Any) -> str:
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
    # as TOML writes it: 2006-01-01T10:00:00, not datetime.datetime(2006, 1, 1, 10, 0)
    text = (value.isoformat() if isinstance(value, (datetime.date, datetime.time))
            else str(value) if isinstance(value, Decimal) else repr(value))
    return text if len(text) <= 60 else text[:57] + "..."


def project_categories(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        raise ValueError("expected a table of project = [categories]")
    return {parse_text(name): parse_texts(categories) for name, categories in value.items()}


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{short(value)} is not true or false")
    return value


def param(parse: Callable[[Any], Any], **default: Any) -> Any:
    """A field of a kind's ``Params``, its TOML value read by ``parse`` (required unless it
    has a ``default=``)."""
    return dataclasses.field(metadata={"parse": parse}, **default)


def read(params: type[Any] | None, raw: dict[str, Any], kind: str) -> Any:
    """The ``params`` dataclass of ``kind`` read from the TOML table ``raw`` (None: a kind
    without parameters, an empty table)."""
    fields = dataclasses.fields(params) if params is not None else ()
    names = [f.name for f in fields]
    unknown = set(raw) - set(names)
    if unknown:
        raise ValueError(f"unknown parameter {sorted(unknown)[0]!r} for kind {kind!r} "
                         f"(known: {', '.join(names) or 'none'})")
    values = {}
    for f in fields:
        if f.name not in raw:
            if f.default is not dataclasses.MISSING:
                continue
            raise ValueError(f"missing parameter {f.name!r}")
        try:
            values[f.name] = f.metadata["parse"](raw[f.name])
        except ValueError as exc:
            raise ValueError(f"parameter {f.name!r}: {exc}") from None
    return params(**values) if params is not None else None


def values(params: Any) -> dict[str, Any]:
    """A version's parameters by name, as the rulebook lists them."""
    if dataclasses.is_dataclass(params):  # a default left as it is goes unsaid
        return {f.name: getattr(params, f.name) for f in dataclasses.fields(params)
                if getattr(params, f.name) != f.default}
    return dict(params or {})

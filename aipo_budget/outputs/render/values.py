"""Values as people and machines read them, by kind (see :mod:`aipo_budget.outputs.table`).

Amounts stay ``Decimal`` until here; text shows two decimals with thousands separators and
negatives in parentheses, as accountants expect; machine formats (JSON, CSV) carry plain
values: amounts as decimals without separators, percentages as numbers, dates in ISO form.

Ledger text (payees, narrations, metadata) is hostile until proven otherwise, and stays inert
here: a text cell keeps to one row in every text format, shows control characters as
``\\xNN``, cannot inject Markdown or HTML markup (``|``, ``<``, ``[``... are escaped) nor LaTeX
(tabulate's "latex" escapes), and a CSV text cell that a spreadsheet would run as a formula
gets a leading ``'`` (OWASP "CSV injection"). Numbers are never touched.
"""

from __future__ import annotations

import datetime
import enum
import json
import re
from decimal import Decimal
from typing import Any

from aipo_budget.core.tally import one_line
from aipo_budget.outputs.table import Kind, Location

# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Markdown's inline markup (emphasis, code, links, strikethrough), the cell separator and the
# escape character itself, backslash-escaped; HTML's three special characters as entities.
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def amount_text(value: Decimal) -> str:
    # format's own rounding (half-even) never falls back to an exponent, even for an amount
    # beyond Decimal's precision: 100,000,000,000,000,000,000,000,000,000.00
    text = f"{abs(value):,.2f}"
    return f"({text})" if value < 0 else text


def percent_text(value: Decimal) -> str:
    return f"{value:.1f} %"


def text_value(value: Any, kind: Kind | None = None) -> str:
    """``value`` as people read it; the kind decides, else the value's own type."""
    if value is None:
        return ""
    if kind is Kind.PERCENT:
        return percent_text(value)
    if isinstance(value, Decimal):
        return amount_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


def machine_value(value: Any, kind: Kind | None = None) -> Any:
    """``value`` for JSON: amounts as plain decimal strings (exact), percentages as numbers,
    dates ISO, a location as ``{"filename", "lineno"}``."""
    if value is None:
        return None
    if kind is Kind.PERCENT:
        return float(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Location):
        return {"filename": value.shown or value.filename, "lineno": value.lineno}
    return value


def csv_value(value: Any, kind: Kind | None = None) -> str:
    """A CSV cell: numbers and dates plain (no separators, minus sign, two decimals), text
    neutralised: a leading ``'`` before a formula start, so a spreadsheet shows it as text.

    Only text is touched, so a negative amount stays ``-12.00``: amounts are numbers in their
    own columns, never text. A carriage return becomes a line feed: Python's writer quotes a
    cell holding its line terminator ("\\n") but not a bare "\\r", which would end the record."""
    if value is None:
        return ""
    if kind is Kind.PERCENT:
        return f"{value:.1f}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (int, float, datetime.date, enum.Enum)):
        return text_value(value)
    text = str(value)
    text = f"'{text}" if text.startswith(FORMULA_START) else text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def markdown_text(text: str) -> str:
    """``text`` as inert Markdown on one line: markup escaped, HTML as entities."""
    escaped = MARKDOWN_PUNCTUATION.sub(r"\\\1", one_line(text))
    return "".join(HTML_ENTITIES.get(char, char) for char in escaped)


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=machine_value) + "\n"

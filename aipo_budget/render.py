"""Tables as data, rendered last: tabulate's text formats, CSV and JSON.

The CLI, the audit pack and the Fava page render the same :class:`Table` objects, so their
numbers cannot disagree. Amounts stay ``Decimal`` until here; text formats show two decimals
with thousands separators and negatives in parentheses, as accountants expect.

Ledger text (payees, narrations, metadata) is hostile until proven otherwise, and stays inert
here: a text cell keeps to one row in every text format, shows control characters as
``\\xNN``, cannot inject Markdown or HTML markup (``|``, ``<``, ``[``... are escaped) nor LaTeX
(tabulate's "latex" escapes), and a CSV text cell that a spreadsheet would run as a formula
gets a leading ``'`` (OWASP "CSV injection"). Numbers are never touched.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tabulate import tabulate

CENT = Decimal("0.01")

# our format name -> tabulate's
TEXT_FORMATS = {
    "plain": "plain",
    "simple": "simple",
    "table": "simple",
    "grid": "grid",
    "github": "github",
    "markdown": "github",
    "html": "html",
    "latex": "latex",
}
MARKDOWN_FORMATS = ("github", "markdown")

# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Line and tab breaks end a table row in every text format: one space instead.
BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
# Other control characters (terminal escapes, NUL) and the bidirectional overrides that make a
# line read differently from what it holds ("Trojan Source"): shown as escapes.
INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Markdown's inline markup (emphasis, code, links, strikethrough), the cell separator and the
# escape character itself, backslash-escaped; HTML's three special characters as entities.
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
HTML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    totals: tuple[Any, ...] | None = None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "headers": list(self.headers),
            "rows": [[json_value(v) for v in row] for row in self.rows],
            "totals": [json_value(v) for v in self.totals] if self.totals else None,
            "notes": list(self.notes),
        }


def cents(value: Decimal) -> Decimal:
    """``value`` to the cent; beyond Decimal's precision (absurd amounts), as it is."""
    try:
        return value.quantize(CENT)
    except ArithmeticError:
        return value


def amount_text(value: Decimal) -> str:
    # format's own rounding (half-even, as cents()) never falls back to an exponent, even for
    # an amount beyond Decimal's precision: 100,000,000,000,000,000,000,000,000,000.00
    text = f"{abs(value):,.2f}"
    return f"({text})" if value < 0 else text


def text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return amount_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def plain_value(value: Any) -> str:
    """A machine-readable cell (CSV): no separators, minus sign, two decimals."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def csv_text(text: str) -> str:
    """A CSV text cell a spreadsheet shows as text: a leading ``'`` before formula starts."""
    return f"'{text}" if text.startswith(FORMULA_START) else text


def csv_value(value: Any) -> str:
    """A CSV cell: numbers and dates as :func:`plain_value`, text neutralised (:func:`csv_text`).

    Only text is touched, so a negative amount stays ``-12.00``: amounts are numbers in their
    own columns, never text. A carriage return becomes a line feed: Python's writer quotes a
    cell holding its line terminator ("\\n") but not a bare "\\r", which would end the record."""
    if value is None or isinstance(value, (Decimal, int, float, datetime.date)):
        return plain_value(value)
    return csv_text(str(value)).replace("\r\n", "\n").replace("\r", "\n")


def one_line(text: str) -> str:
    """``text`` on one line: breaks and tabs become a space, other controls ``\\xNN``."""
    text = BREAKS.sub(" ", text)
    return INVISIBLE.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                         else f"\\u{ord(m[0]):04x}", text)


def markdown_text(text: str) -> str:
    """``text`` as inert Markdown on one line: markup escaped, HTML as entities."""
    escaped = MARKDOWN_PUNCTUATION.sub(r"\\\1", one_line(text))
    return "".join(HTML_ENTITIES.get(char, char) for char in escaped)


def _cell_text(value: Any, fmt: str) -> str:
    """A cell of text format ``fmt``; tabulate escapes HTML and LaTeX itself."""
    text = text_value(value)
    return markdown_text(text) if fmt in MARKDOWN_FORMATS else one_line(text)


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def render_text(table: Table, fmt: str) -> str:
    rows = [[_cell_text(v, fmt) for v in row] for row in table.rows]
    if table.totals:
        rows.append([_cell_text(v, fmt) for v in table.totals])
    aligns = [
        "right" if any(isinstance(row[i], Decimal) for row in table.rows) else "left"
        for i in range(len(table.headers))
    ]
    headers = [_cell_text(h, fmt) for h in table.headers]
    return tabulate(rows, headers=headers, tablefmt=TEXT_FORMATS[fmt],
                    colalign=aligns, disable_numparse=True)


def render_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_value(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([csv_value(v) for v in row])
    if table.totals:
        writer.writerow([csv_value(v) for v in table.totals])
    return buffer.getvalue()


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=json_value) + "\n"


def render_tables(tables: list[Table], fmt: str) -> str:
    """Several tables in one of the report formats, each under its title line."""
    if fmt == "json":
        return dumps({"tables": [table.as_dict() for table in tables]})
    parts = []
    for table in tables:
        # a title names the ledger file and a note may quote it: one line each, like a cell
        title, notes = one_line(table.title), [one_line(n) for n in table.notes]
        if fmt == "csv":
            parts.append(f"# {title}\n" + render_csv(table))
            continue
        body = render_text(table, fmt)
        if fmt == "html":
            from html import escape

            notes_html = "".join(f"<p>{escape(n)}</p>" for n in notes)
            parts.append(f"<h2>{escape(title)}</h2>\n{body}\n{notes_html}\n")
        elif fmt == "latex":
            parts.append(f"% {title}\n{body}\n" + "".join(f"% {n}\n" for n in notes))
        elif fmt in MARKDOWN_FORMATS:
            parts.append(f"### {markdown_text(title)}\n\n{body}\n"
                         + "".join(f"\n_{markdown_text(n)}_\n" for n in notes))
        else:
            parts.append(f"{title}\n\n{body}\n" + "".join(f"\n{n}\n" for n in notes))
    return "\n".join(parts)

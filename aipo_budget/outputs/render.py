"""Tables as data, rendered last: ``check``, ``report``, ``explain``, ``rules`` and the audit
pack render the same tables through :func:`render`, each format reading a table's columns by
key and kind, so the formats and their look are the same everywhere.

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
import io
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.core.tally import one_line
from aipo_budget.outputs.table import Kind, Location

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aipo_budget.outputs.table import Column, Table

# our format names that are not tabulate's own
TABULATE_NAMES = {"table": "simple", "markdown": "github"}
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
    if isinstance(value, (Decimal, int, float, datetime.date, enum.Enum)):
        return str(machine_value(value))
    text = str(value)
    text = f"'{text}" if text.startswith(FORMULA_START) else text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def markdown_text(text: str) -> str:
    """``text`` as inert Markdown on one line: markup escaped, HTML as entities."""
    escaped = MARKDOWN_PUNCTUATION.sub(r"\\\1", one_line(text))
    return "".join(HTML_ENTITIES.get(char, char) for char in escaped)


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=machine_value) + "\n"


class RenderError(ValueError):
    """The tables cannot be shown in the format asked for (e.g. several tables as one CSV)."""


# --- text formats (tabulate) ---------------------------------------------------------------


def _cell_text(value: Any, kind: Kind | None, tablefmt: str) -> str:
    """A cell of text format ``tablefmt``; tabulate escapes HTML and LaTeX itself."""
    text = text_value(value, kind)
    return markdown_text(text) if tablefmt == "github" else one_line(text)


def render_text(table: Table, tablefmt: str) -> str:
    """``table`` in one of tabulate's formats (or ours: "table", "markdown"), totals last."""
    tablefmt = TABULATE_NAMES.get(tablefmt, tablefmt)
    rows = [*table.rows, *([table.totals] if table.totals else [])]
    cells = [[_cell_text(row.get(c.key), c.kind, tablefmt) for c in table.columns]
             for row in rows]
    aligns = ["right" if c.kind.numeric else "left" for c in table.columns]
    headers = [_cell_text(c.label, None, tablefmt) for c in table.columns]
    # tabulate measures and lays out control characters (ANSI codes, tabs) in its own ways
    if tablefmt == "simple" and cells and all(
            text.isprintable() for row in [headers, *cells] for text in row):
        return simple(headers, cells, aligns)
    from tabulate import tabulate  # the other formats only: imported when one is asked for

    return tabulate(cells, headers=headers, tablefmt=tablefmt, colalign=aligns,
                    disable_numparse=True)


def simple(headers: list[str], cells: list[list[str]], aligns: list[str]) -> str:
    """What ``tabulate(cells, headers, "simple", colalign=aligns, disable_numparse=True)``
    gives for printable text, without its per-cell type detection: a findings register of
    thousands of rows is the check's largest output (tests/test_render_simple.py compares the
    two). Cells are stripped; a column is as wide as its longest cell or its header plus two."""
    rows = [[text.strip() for text in row] for row in cells]
    widths = [max(len(header) + 2, *(len(row[i]) for row in rows))
              for i, header in enumerate(headers)]

    def line(texts: list[str]) -> str:
        return "  ".join(text.rjust(width) if align == "right" else text.ljust(width)
                         for text, width, align in zip(texts, widths, aligns)).rstrip()

    return "\n".join([line(headers), "  ".join("-" * width for width in widths),
                      *map(line, rows)])


def _titled(table: Table, tablefmt: str) -> str:
    # a title names the ledger file and a note may quote it: one line each, like a cell
    title, notes = one_line(table.title), [one_line(n) for n in table.notes]
    body = render_text(table, tablefmt)
    if tablefmt == "html":
        from html import escape  # imported for this format only

        return (f"<h2>{escape(title)}</h2>\n{body}\n"
                + "".join(f"<p>{escape(n)}</p>" for n in notes) + "\n")
    if tablefmt == "latex":
        return f"% {title}\n{body}\n" + "".join(f"% {n}\n" for n in notes)
    if tablefmt == "github":
        return (f"### {markdown_text(title)}\n\n{body}\n"
                + "".join(f"\n_{markdown_text(n)}_\n" for n in notes))
    return f"{title}\n\n{body}\n" + "".join(f"\n{n}\n" for n in notes)


# --- CSV -----------------------------------------------------------------------------------


def _csv_cells(value: Any, column: Column) -> list[str]:
    # a location is two machine values: the file, and the line
    if column.kind is not Kind.LOCATION:
        return [csv_value(value, column.kind)]
    if isinstance(value, Location):
        return [csv_value(value.shown or value.filename), str(value.lineno or "")]
    return [csv_value(value), ""]


def render_csv(table: Table) -> str:
    """One header row (the labels), then the rows and the totals, machine values."""
    import csv  # for this format only: every start would pay for it

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([h for c in table.columns for h in (
        [f"{c.label} file", f"{c.label} line"] if c.kind is Kind.LOCATION else [c.label])])
    for row in [*table.rows, *([table.totals] if table.totals else [])]:
        writer.writerow([cell for c in table.columns for cell in _csv_cells(row.get(c.key), c)])
    return buffer.getvalue()


# --- JSON ----------------------------------------------------------------------------------


def table_json(table: Table) -> dict[str, Any]:
    def values(row: Mapping[str, Any]) -> dict[str, Any]:
        return {c.key: machine_value(row.get(c.key), c.kind) for c in table.columns}

    return {
        "name": table.name,
        "title": table.title,
        "columns": [{"key": c.key, "label": c.label, "kind": c.kind.value}
                    for c in table.columns],
        "rows": [values(row) for row in table.rows],
        "totals": values(table.totals) if table.totals else None,
        "notes": list(table.notes),
    }


# "table" is the terminal's default look
FORMATS = ("table", "plain", "simple", "grid", "markdown", "github", "html", "latex", "csv", "json")


def render(fmt: str, tables: Sequence[Table], document: Mapping[str, Any] | None = None,
           footer: str = "") -> str:
    """``tables`` in format ``fmt``. ``document`` is what JSON carries besides the tables;
    ``footer`` a line the text formats end with (CSV and JSON carry data only)."""
    if fmt == "json":
        if document and not tables:  # e.g. `check`: the document is the whole answer
            return dumps(dict(document))
        return dumps({**(document or {}), "tables": [table_json(table) for table in tables]})
    if fmt == "csv":
        if len(tables) != 1:
            raise RenderError(f"CSV holds one table and {len(tables)} were asked for: choose "
                              "one with --table NAME, or write them all with --output DIR")
        return render_csv(tables[0])
    text = "\n".join(_titled(table, TABULATE_NAMES.get(fmt, fmt)) for table in tables)
    return text + (f"\n{footer}\n" if footer else "")

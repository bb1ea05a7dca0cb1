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

The text tables for a terminal (``table``, ``simple``, ``plain``, ``grid``) are laid out for
their reader (:class:`Layout`, which the command line decides): within a width, the widest text
columns wrapped first (numbers and dates never), and statuses coloured by their tone.
"""

from __future__ import annotations

import datetime
import enum
import io
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.core.tally import INVISIBLE_IN_LINES, escaped, one_line
from aipo_budget.outputs.layout import Layout, fitted, painted, paragraph, records, tone
from aipo_budget.outputs.table import Kind, Location, Status, grid_labels, location_parts

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from aipo_budget.core.findings import Finding
    from aipo_budget.outputs.table import Column, Table

# our format names that are not tabulate's own
TABULATE_NAMES = {"table": "simple", "markdown": "github", "latex": "latex_longtable"}
# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Markdown's inline markup (emphasis, code, links, strikethrough), the cell separator and the
# escape character itself, backslash-escaped; HTML's three special characters as entities.
MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_\[\]|~])")
HTML_ENTITIES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
PLAIN = Layout()  # no width, no colour: files, pipes and the audit pack


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
    cell holding its line terminator ("\\n") but not a bare "\\r", which would end the record.
    Other controls show as escapes, as in every format (a line feed and a tab are data)."""
    if value is None:
        return ""
    if kind is Kind.PERCENT:
        return f"{value:.1f}"
    if isinstance(value, (Decimal, int, float, datetime.date, enum.Enum)):
        return str(machine_value(value))
    text = str(value)
    text = f"'{text}" if text.startswith(FORMULA_START) else text
    return escaped(text.replace("\r\n", "\n").replace("\r", "\n"), INVISIBLE_IN_LINES)


def markdown_text(text: str) -> str:
    """``text`` as inert Markdown on one line: markup escaped, HTML as entities."""
    escaped = MARKDOWN_PUNCTUATION.sub(r"\\\1", one_line(text))
    return escaped.translate(HTML_ENTITIES)


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=machine_value) + "\n"


class RenderError(ValueError):
    """The tables cannot be shown in the format asked for (e.g. several tables as one CSV)."""


# --- text formats (tabulate) ---------------------------------------------------------------

# tabulate's text tables laid out for a reader (aipo_budget.outputs.layout): the characters a
# row takes besides its columns, per column and in all (simple, plain: two spaces between;
# grid: "| " before each, " |" at the end)
FITTED = {"simple": (2, -2), "plain": (2, -2), "grid": (3, 1)}
# what an empty table says, by its name: the last word of the name unless said here
EMPTY = {"cofunding": "co-funding", "budget": "budget lines", "fund-statement": "movements"}


def nothing_shown(table: Table) -> str:
    """What an empty table says instead of a header alone: "No findings."."""
    return f"No {EMPTY.get(table.name) or table.name.rsplit('-', 1)[-1]}."


def _cell_text(value: Any, kind: Kind | None, tablefmt: str) -> str:
    """A cell of text format ``tablefmt``; tabulate escapes HTML and LaTeX itself."""
    text = text_value(value, kind)
    return markdown_text(text) if tablefmt == "github" else one_line(text)


def render_text(table: Table, tablefmt: str, layout: Layout = PLAIN) -> str:
    """``table`` in one of tabulate's formats (or ours: "table", "markdown"), totals last;
    a text table for a terminal laid out as ``layout`` says."""
    tablefmt = TABULATE_NAMES.get(tablefmt, tablefmt)
    rows = [*table.rows, *([table.totals] if table.totals else [])]
    cells = [[_cell_text(row.get(c.key), c.kind, tablefmt) for c in table.columns]
             for row in rows]
    aligns = ["right" if c.kind.numeric else "left" for c in table.columns]
    headers = [_cell_text(c.label, None, tablefmt) for c in table.columns]
    tones = None
    if tablefmt in FITTED:
        kinds = [c.kind for c in table.columns]
        if layout.colour:
            tones = [[tone(row.get(c.key)) for c in table.columns] for row in rows]
        if layout.width is not None:
            per_column, fixed = FITTED[tablefmt]
            room = layout.width - per_column * len(headers) - fixed
            fit = fitted(kinds, headers, cells, room)
            if fit is None:  # too many columns for the width
                return records(kinds, headers, cells, tones, layout.width)
            headers, cells = fit
    # tabulate measures and lays out control characters (ANSI codes, tabs) in its own ways
    if tablefmt == "simple" and cells and all(
            text.replace("\n", "").isprintable() for row in [headers, *cells] for text in row):
        return simple(headers, cells, aligns, tones)
    from tabulate import tabulate  # the other formats only: imported when one is asked for

    if tones:  # tabulate leaves ANSI colours out of its measures
        cells = [[painted(text, how) for text, how in zip(row, hows)]
                 for row, hows in zip(cells, tones)]
    return tabulate(cells, headers=headers, tablefmt=tablefmt, colalign=aligns,
                    disable_numparse=True)


def simple(headers: list[str], cells: list[list[str]], aligns: list[str],
           tones: list[list[str | None]] | None = None) -> str:
    """What ``tabulate(cells, headers, "simple", colalign=aligns, disable_numparse=True)``
    gives for printable text, without its per-cell type detection: a findings register of
    thousands of rows is the check's largest output (tests/test_render_simple.py compares the
    two). Cells are stripped; a column is as wide as its longest cell or its header plus two.

    A cell of several lines (wrapped to a width) makes a row of several lines, and then a
    blank line separates the rows; ``tones`` colours cells (:func:`layout.painted`)."""
    if tones or any("\n" in text for row in [headers, *cells] for text in row):
        return _simple_lines(headers, cells, aligns, tones)
    rows = [[text.strip() for text in row] for row in cells]
    widths = [max(len(header) + 2, *(len(row[i]) for row in rows))
              for i, header in enumerate(headers)]

    def line(texts: list[str]) -> str:
        return "  ".join(text.rjust(width) if align == "right" else text.ljust(width)
                         for text, width, align in zip(texts, widths, aligns)).rstrip()

    return "\n".join([line(headers), "  ".join("-" * width for width in widths),
                      *map(line, rows)])


def _simple_lines(headers: list[str], cells: list[list[str]], aligns: list[str],
                  tones: list[list[str | None]] | None) -> str:
    """:func:`simple` for cells of several lines, or coloured."""
    heads = [header.split("\n") for header in headers]
    body = [[[line.strip() for line in text.split("\n")] for text in row] for row in cells]
    widths = [max([max(map(len, heads[i])) + 2, *(max(map(len, row[i])) for row in body)])
              for i in range(len(headers))]

    def lines(texts: list[list[str]], hows: Sequence[str | None]) -> list[str]:
        return ["  ".join(_aligned(text[at] if at < len(text) else "", width, align, how)
                          for text, width, align, how in zip(texts, widths, aligns, hows)
                          ).rstrip()
                for at in range(max(map(len, texts)))]

    plain = [None] * len(headers)
    out = [*lines(heads, plain), "  ".join("-" * width for width in widths)]
    spaced = any(len(text) > 1 for row in body for text in row)
    for number, row in enumerate(body):
        out += [""] * (spaced and number > 0) + lines(row, tones[number] if tones else plain)
    return "\n".join(out)


def _aligned(text: str, width: int, align: str, how: str | None) -> str:
    padding = " " * (width - len(text))
    text = painted(text, how) if how else text
    return padding + text if align == "right" else text + padding


def latex_text(text: str) -> str:
    """``text`` as inert LaTeX on one line, escaped as tabulate escapes a cell."""
    from tabulate import LATEX_ESCAPE_RULES

    return "".join(LATEX_ESCAPE_RULES.get(char, char) for char in one_line(text))


def _latex(table: Table, title: str, notes: list[str], layout: Layout) -> str:
    """A longtable (it breaks across pages) with the title as its caption, the notes as
    paragraphs after it; an empty table says so in its one cell."""
    if table.rows:
        first, rest = render_text(table, "latex", layout).split("\n", 1)
    else:
        first = "\\begin{longtable}{l}"
        rest = f"{latex_text(nothing_shown(table))} \\\\\n\\end{{longtable}}"
    return (f"{first}\n\\caption{{{latex_text(title)}}} \\\\\n{rest}\n"
            + "".join(f"\n{latex_text(note)}\n" for note in notes))


def _titled(table: Table, tablefmt: str, layout: Layout = PLAIN) -> str:
    # a title names the ledger file and a note may quote it: one line each, like a cell
    title, notes = one_line(table.title), [one_line(n) for n in table.notes]
    empty = not table.rows  # a totals row of nothing is no table: it says so, in every format
    if tablefmt == TABULATE_NAMES["latex"]:
        return _latex(table, title, notes, layout)
    if tablefmt == "html":
        from html import escape  # imported for this format only

        body = f"<p>{escape(nothing_shown(table))}</p>" if empty else render_text(table, tablefmt)
        return (f"<h2>{escape(title)}</h2>\n{body}\n"
                + "".join(f"<p>{escape(n)}</p>" for n in notes) + "\n")
    if tablefmt == "github":
        body = markdown_text(nothing_shown(table)) if empty else render_text(table, tablefmt)
        return (f"### {markdown_text(title)}\n\n{body}\n"
                + "".join(f"\n_{markdown_text(n)}_\n" for n in notes))
    width = layout.width if tablefmt in FITTED else None
    body = nothing_shown(table) if empty else render_text(table, tablefmt, layout)
    return (f"{paragraph(title, width)}\n\n{body}\n"
            + "".join(f"\n{paragraph(n, width)}\n" for n in notes))


def _closing(footer: str, tablefmt: str, layout: Layout) -> str:
    """The footer's lines as paragraphs of ``tablefmt``."""
    lines = [one_line(line) for line in footer.split("\n")]
    if tablefmt == "html":
        from html import escape

        return "".join(f"<p>{escape(line)}</p>\n" for line in lines)
    if tablefmt == TABULATE_NAMES["latex"]:
        return "\n\n".join(map(latex_text, lines)) + "\n"  # a paragraph each
    if tablefmt == "github":
        return "\n".join(markdown_text(line) + "\\" * (at < len(lines) - 1)
                         for at, line in enumerate(lines)) + "\n"
    width = layout.width if tablefmt in FITTED else None
    return "".join(paragraph(line, width) + "\n" for line in lines)


def finding_lines(findings: Sequence[Finding], where: Callable[[str, int], Location],
                  layout: Layout = PLAIN) -> str:
    """``-f lines``: a finding a line, as bean-check and compilers print them and editors read
    them (a quickfix list): ``FILE:LINE: SEVERITY: message [RULE vN]``. Never wrapped."""
    tones = {status.value: status.tone for status in Status} if layout.colour else {}
    return "".join(f"{where(f.filename, f.lineno)}: {painted(f.severity, tones.get(f.severity))}: "
                   f"{one_line(f.message)} [{f.rule} v{f.version}]\n" for f in findings)


def _csv_cells(value: Any, column: Column) -> list[str]:
    # a location is two machine values: the file, and the line
    if column.kind is not Kind.LOCATION:
        return [csv_value(value, column.kind)]
    file, line = location_parts(value)
    return [csv_value(file), str(line or "")]


def render_csv(table: Table) -> str:
    """One header row (the labels), then the rows and the totals, machine values."""
    import csv  # for this format only: every start would pay for it

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([label for c in table.columns for label in grid_labels(c)])
    for row in [*table.rows, *([table.totals] if table.totals else [])]:
        writer.writerow([cell for c in table.columns for cell in _csv_cells(row.get(c.key), c)])
    return buffer.getvalue()


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
TEXT_TABLES = ("table", "plain", "simple", "grid")  # the formats a Layout lays out


def render(fmt: str, tables: Sequence[Table], document: Mapping[str, Any] | None = None,
           footer: str = "", layout: Layout = PLAIN) -> str:
    """``tables`` in format ``fmt``. ``document`` is what JSON carries besides the tables;
    ``footer`` a line the text formats end with (CSV and JSON carry data only); ``layout``
    the width and colours of a text table for a terminal."""
    if fmt == "json":
        if document and not tables:  # e.g. `check`: the document is the whole answer
            return dumps(dict(document))
        return dumps({**(document or {}), "tables": [table_json(table) for table in tables]})
    if fmt == "csv":
        if len(tables) != 1:
            # the command says how to choose: its options are its own
            raise RenderError(f"CSV holds one table and {len(tables)} were asked for")
        return render_csv(tables[0])
    tablefmt = TABULATE_NAMES.get(fmt, fmt)
    text = "\n".join(_titled(table, tablefmt, layout) for table in tables)
    if fmt == "latex" and tables:
        text = "% \\usepackage{longtable} in the preamble\n" + text
    return text + (f"\n{_closing(footer, tablefmt, layout)}" if footer else "")

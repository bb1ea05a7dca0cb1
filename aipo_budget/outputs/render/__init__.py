"""Tables as data, rendered last: one registry of output formats for every command.

``check``, ``report``, ``explain``, ``rules`` and the audit pack render the same
:class:`~aipo_budget.outputs.table.Table` objects through :func:`render`, each renderer reading
a table's columns by key and kind, so the formats and their look are the same everywhere.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from aipo_budget.outputs.render.values import (
    amount_text, csv_value, dumps, machine_value, markdown_text, one_line, percent_text,
    text_value,
)
from aipo_budget.outputs.table import Kind, Location

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from aipo_budget.outputs.table import Column, Table

    Renderer = Callable[[Sequence[Table], Mapping[str, Any], str], str]

__all__ = ["FORMATS", "RenderError", "amount_text", "dumps", "machine_value", "one_line",
           "percent_text", "render", "render_csv", "render_text", "table_json", "text_value"]

# our format names that are not tabulate's own
TABULATE_NAMES = {"table": "simple", "markdown": "github"}


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


def text_renderer(tablefmt: str) -> Renderer:
    def render(tables: Sequence[Table], document: Mapping[str, Any], footer: str) -> str:
        text = "\n".join(_titled(table, tablefmt) for table in tables)
        return text + (f"\n{footer}\n" if footer else "")
    return render


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


def csv_renderer(tables: Sequence[Table], document: Mapping[str, Any], footer: str) -> str:
    if len(tables) != 1:
        raise RenderError(f"CSV holds one table and {len(tables)} were asked for: choose one "
                          "with --table NAME, or write them all with --output DIR")
    return render_csv(tables[0])


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


def json_renderer(tables: Sequence[Table], document: Mapping[str, Any], footer: str) -> str:
    if document and not tables:  # e.g. `check`: the document is the whole answer
        return dumps(dict(document))
    return dumps({**document, "tables": [table_json(table) for table in tables]})


# format name -> renderer; "table" is the terminal's default look
FORMATS: dict[str, Renderer] = {
    **{name: text_renderer(TABULATE_NAMES.get(name, name))
       for name in ("table", "plain", "simple", "grid", "markdown", "github", "html", "latex")},
    "csv": csv_renderer, "json": json_renderer,
}


def render(fmt: str, tables: Sequence[Table], document: Mapping[str, Any] | None = None,
           footer: str = "") -> str:
    """``tables`` in format ``fmt``. ``document`` is what JSON carries besides the tables;
    ``footer`` a line the text formats end with (CSV and JSON carry data only)."""
    return FORMATS[fmt](tables, document or {}, footer)

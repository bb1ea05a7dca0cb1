"""The workbook (``report -f xlsx``, the audit pack's ``tables.xlsx``): one sheet per table,
written with XlsxWriter, read by column key and kind like every other format.

A sheet shows the table's title and notes, then a frozen header row with an autofilter over
the rows, then the totals in bold; a table without rows says so under its header ("No
findings."), as every format says it. Cells are typed: the values are JSON's
(:func:`aipo_budget.outputs.render.machine_value`), so that the workbook and ``-f json`` agree,
as numbers where JSON has numbers: an amount a number rounded to two decimals as JSON rounds it
(shown ``#,##0.00``), a percentage a fraction (33.7 in the table is 0.337, shown ``33.7%``), a
date a date, a location two cells (file and line) as in CSV. In the pack, an evidence document
links to its copy in the pack's ``evidence/`` folder.

Ledger text is inert: every text is written as a string, never a formula or a link, and a text
XlsxWriter would take for its own rich-string markup is written as a rich string of that text.
The bytes depend on the tables and the ``created`` day only, so that a pack reproduces.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import xlsxwriter

from aipo_budget.core.tally import one_line
from aipo_budget.outputs.render import machine_value, nothing_shown
from aipo_budget.outputs.table import Kind, Location, grid_labels, location_parts

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

    from aipo_budget.outputs.table import Column, Table

NUMBER_FORMATS = {Kind.AMOUNT: "#,##0.00", Kind.PERCENT: "0.0%", Kind.NUMBER: "#,##0",
                  Kind.YEAR: "0", Kind.DATE: "yyyy-mm-dd"}
# Excel's rules for a sheet name: at most 31 characters, none of []:*?/\, not starting or
# ending with an apostrophe, unique whatever the case, and not "History" (Excel's own)
SHEET_NAME_LENGTH = 31
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\\x00-\x1f\x7f]")
RESERVED_SHEET_NAMES = {"history"}
EXCEL_TEXT = 32767  # UTF-16 units in a cell
EXCEL_ROWS = 1_048_576  # rows in a sheet
EXCEL_LINKS, EXCEL_LINK = 65530, 2079  # links in a sheet, characters in one
WIDEST = 60  # characters: a longer text runs into the next cell, or shows whole when selected
NARROWEST = 6


def sheet_names(tables: Iterable[Table]) -> list[str]:
    """Each table's sheet name: its name, made a name Excel accepts and unique."""
    names: list[str] = []
    taken = set(RESERVED_SHEET_NAMES)
    for table in tables:
        base = NOT_IN_SHEET_NAMES.sub("-", table.name)[:SHEET_NAME_LENGTH].strip("'") or "table"
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            name = base[:SHEET_NAME_LENGTH - len(suffix)].rstrip("'") + suffix
        taken.add(name.casefold())
        names.append(name)
    return names


def headers(column: Column) -> list[tuple[str, Kind | None]]:
    """The sheet's columns of ``column``, each its header and the kind of its cells (None:
    Excel's general look): a location is two, its file and its line, as in CSV."""
    location = column.kind is Kind.LOCATION
    kinds: list[Kind | None] = [Kind.TEXT, None] if location else [column.kind]
    return list(zip(grid_labels(column), kinds))


def cells(value: Any, kind: Kind) -> list[Any]:
    """``value`` of a column of ``kind`` as the sheet's typed cells (None: an empty cell)."""
    if kind is Kind.LOCATION:
        file, line = location_parts(value)
        return [None if file is None else str(file), line or None]
    if value is None:
        return [None]
    if kind is Kind.DOCUMENT:
        return [machine_value(value)["filename"] if isinstance(value, Location) else str(value)]
    if kind is Kind.DATE and isinstance(value, datetime.date):
        return [value]
    if kind is Kind.AMOUNT:
        return [float(machine_value(value))]  # JSON's two decimals, as a number
    if kind is Kind.PERCENT:
        return [machine_value(value, kind) / 100]
    return [machine_value(value, kind)]


def _width(value: Any, kind: Kind | None) -> int:
    """About how many characters the cell shows."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, datetime.date):
        return 10
    if kind is Kind.PERCENT:
        return len(f"{value * 100:.1f}%")
    return len(f"{value:,.2f}" if kind is Kind.AMOUNT else f"{value:,}")


def _rich_markup(text: str) -> bool:
    """XlsxWriter writes a string "<r>...</r>" as its own rich-string markup, unescaped."""
    return text.startswith("<r>") and text.endswith("</r>")


def _excel_text(text: str) -> str:
    """At most the 32,767 UTF-16 units a cell holds."""
    if len(text) > EXCEL_TEXT // 2:
        text = text.encode("utf-16-le")[:2 * EXCEL_TEXT].decode("utf-16-le", "ignore")
    return text


@dataclass
class _Styles:
    """The workbook's formats, made once each."""

    book: Workbook

    def __post_init__(self) -> None:
        self._made: dict[tuple[Any, ...], Format] = {}
        self.link = self.get(None, link=True)

    def get(self, kind: Kind | None, bold: bool = False, header: bool = False,
            link: bool = False, italic: bool = False, size: int = 0) -> Format:
        key = (kind, bold, header, link, italic, size)
        if key not in self._made:
            spec: dict[str, Any] = {"valign": "top"}
            spec.update({"num_format": NUMBER_FORMATS[kind]} if kind in NUMBER_FORMATS else {})
            spec.update({"bold": True} if bold or header else {})
            spec.update({"bottom": 1, "text_wrap": True} if header else {})
            spec.update({"align": "right"} if header and kind and kind.numeric else {})
            spec.update({"font_color": "blue", "underline": 1} if link else {})
            spec.update({"italic": True} if italic else {})
            spec.update({"font_size": size} if size else {})
            self._made[key] = self.book.add_format(spec)
        return self._made[key]


@dataclass
class _Sheet:
    """One table's sheet as it is written, row by row (in order: XlsxWriter's constant
    memory mode writes each row out as the next begins)."""

    sheet: Worksheet
    styles: _Styles
    links: Mapping[str, str]
    kinds: list[Kind | None]  # of each sheet column
    widths: list[int]
    row: int = 0
    links_made: int = 0

    def text(self, column: int, text: str, style: Format) -> None:
        text = _excel_text(text)
        if _rich_markup(text):  # as a rich string of two runs, which XlsxWriter escapes
            self.sheet.write_rich_string(self.row, column, text[:1], style, text[1:], style)
        else:
            self.sheet.write_string(self.row, column, text, style)

    def link(self, column: int, text: str, target: str) -> bool:
        """``text`` linked to the relative path ``target``, within Excel's limits."""
        url = quote(target)
        if self.links_made >= EXCEL_LINKS or len(url) > EXCEL_LINK or _rich_markup(text):
            return False
        self.links_made += 1
        self.sheet.write_url(self.row, column, f"external:{url}", self.styles.link,
                             _excel_text(text))
        return True

    def cell(self, column: int, value: Any, style: Format, link: str | None = None) -> None:
        if value is None:
            return
        if isinstance(value, str):
            if link is None or not self.link(column, value, link):
                self.text(column, value, style)
        elif isinstance(value, datetime.date):
            self.sheet.write_datetime(self.row, column, value, style)
        else:
            self.sheet.write_number(self.row, column, value, style)
        self.widths[column] = max(self.widths[column], _width(value, self.kinds[column]))

    def table_row(self, columns: Sequence[Column], row: Mapping[str, Any],
                  styles: Sequence[Format]) -> None:
        at = 0
        for column in columns:
            value = row.get(column.key)
            link = self.links.get(value.filename) if (
                column.kind is Kind.DOCUMENT and isinstance(value, Location)) else None
            for cell in cells(value, column.kind):
                self.cell(at, cell, styles[at], link)
                at += 1
        self.row += 1


def _write_sheet(book: Workbook, styles: _Styles, name: str, table: Table,
                 links: Mapping[str, str]) -> None:
    columns = [part for column in table.columns for part in headers(column)]
    kinds = [kind for _label, kind in columns]
    out = _Sheet(book.add_worksheet(name), styles, links, kinds,
                 [len(label) for label, _kind in columns])
    out.text(0, one_line(table.title), styles.get(None, bold=True, size=13))
    for note in table.notes:
        out.row += 1
        out.text(0, one_line(note), styles.get(None, italic=True))
    out.row += 2
    header = out.row
    for at, (label, kind) in enumerate(columns):
        out.text(at, label, styles.get(kind, header=True))
    out.row += 1
    plain = [styles.get(kind) for kind in kinds]
    rows = table.rows[:EXCEL_ROWS - header - 3]  # room for a line saying so, and the totals
    for row in rows:
        out.table_row(table.columns, row, plain)
    left_out = len(table.rows) - len(rows)
    if left_out or not rows:
        out.text(0, f"{left_out:,} more rows than a sheet holds: the CSV and JSON have them all"
                 if left_out else nothing_shown(table), styles.get(None, italic=True))
        out.row += 1
    if table.totals:
        out.table_row(table.columns, table.totals, [styles.get(kind, bold=True) for kind in kinds])
    _finish(out.sheet, header, len(rows), out.widths)


def _finish(sheet: Worksheet, header: int, rows: int, widths: list[int]) -> None:
    """The frozen header, the autofilter over the rows (not the totals), the widths, and a
    printout in landscape, a page wide, the header on every page."""
    sheet.freeze_panes(header + 1, 0)
    if rows:
        sheet.autofilter(header, 0, header + rows, len(widths) - 1)
    for at, width in enumerate(widths):
        sheet.set_column(at, at, min(max(width + 2, NARROWEST), WIDEST))
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(header)


def render_xlsx(tables: Sequence[Table], created: datetime.date,
                links: Mapping[str, str] | None = None) -> bytes:
    """The workbook of ``tables``, one sheet each in their order, dated ``created`` (the
    same bytes for the same tables and day). ``links``: an evidence file (a DOCUMENT
    value's ``filename``) -> its path relative to the workbook ('/'-separated), linked."""
    output = io.BytesIO()
    # constant memory: rows go to a temporary file as they are written (a register of 200,000
    # rows); strings are written as they are, never read as numbers, formulas or links
    book = xlsxwriter.Workbook(output, {
        "constant_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
        "strings_to_urls": False})
    book.set_properties({"title": "aipo-budget audit tables", "author": "aipo-budget",
                         "created": datetime.datetime.combine(created, datetime.time())})
    styles = _Styles(book)
    for name, table in zip(sheet_names(tables), tables):
        _write_sheet(book, styles, name, table, links or {})
    book.close()
    return output.getvalue()

"""Tables as HTML cells, for the audit pack's ``index.html`` and the Fava page: read by column
key, each value formatted by its column's kind as the text formats show it, on one line. Each
page names the CSS classes of a cell its own way and links what it can link; its template
autoescapes every text.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.outputs.render import one_line, text_value
from aipo_budget.outputs.table import Kind, Location, Status

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from aipo_budget.outputs.table import Table

    # (the column's kind, the text, its marks: "negative", a status's tone) -> CSS classes
    Classes = Callable[[Kind, str, tuple[str, ...]], str]
    # a location in a column of this kind -> (href, note)
    Link = Callable[[Location, Kind], tuple["str | None", str]]

WIDE = 8  # a table with more columns is printed in landscape, shown smaller on screen


@dataclass(frozen=True)
class Bar:
    """A utilisation bar (the Fava page): ``width`` in percent (at most 100), coloured by
    ``ladder``: "within", "warning" or "exceeded"."""

    width: str
    ladder: str


@dataclass(frozen=True)
class Cell:
    text: str
    css: str = ""
    href: str | None = None
    note: str = ""  # after the text: why an evidence file is not linked (the pack)
    bar: Bar | None = None


@dataclass(frozen=True)
class HtmlTable:
    name: str
    title: str
    headers: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    notes: tuple[str, ...] = ()

    @property
    def wide(self) -> bool:
        return len(self.headers) > WIDE


def cell(value: Any, kind: Kind, classes: Classes, link: Link) -> Cell:
    if value is None:
        return Cell("", classes(kind, "", ()))
    text = one_line(text_value(value, kind))
    marks: tuple[str, ...] = ()
    if kind.numeric and isinstance(value, (int, float, Decimal)) and value < 0:
        marks = ("negative",)
    elif isinstance(value, Status) and value.tone:
        marks = (value.tone,)
    href, note = link(value, kind) if isinstance(value, Location) else (None, "")
    return Cell(text, classes(kind, text, marks), href, note)


def html_table(source: Table, classes: Classes, link: Link) -> HtmlTable:
    def cells(row: Mapping[str, Any]) -> tuple[Cell, ...]:
        return tuple(cell(row.get(c.key), c.kind, classes, link) for c in source.columns)

    return HtmlTable(
        source.name, one_line(source.title),
        tuple(Cell(one_line(c.label), "num" if c.kind.numeric else "") for c in source.columns),
        tuple(cells(row) for row in source.rows),
        cells(source.totals) if source.totals else None,
        tuple(one_line(note) for note in source.notes))

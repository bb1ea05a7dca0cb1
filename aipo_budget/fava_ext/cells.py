"""Table cells for the Surplus Fund page: any audit table, cell by cell, by the kind of its column.

A :class:`~aipo_budget.outputs.table.Table` becomes rows of :class:`Cell`: amounts, percentages and
numbers right-aligned as the text renderers show them, statuses with a class for their tone,
ledger locations linked to Fava's editor, and in the budget table a utilisation bar on the
``pct_used`` column, coloured by the row's ceiling ``status`` (else by ``warn_at``).
Columns are read by key and values formatted by kind: nothing here parses rendered text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.outputs.render import text_value
from aipo_budget.outputs.table import Kind, Location, Status

if TYPE_CHECKING:
    from collections.abc import Mapping

    from aipo_budget.outputs.table import Table

BUDGET_TABLE = "budget"
HUNDRED = Decimal(100)

SHORT_TEXT, LONG_TEXT, LONGER_TEXT = 28, 60, 120  # characters

Linker = Callable[[str, int], "str | None"]


@dataclass(frozen=True)
class Bar:
    """A utilisation bar: ``width`` in percent (at most 100), coloured by ``ladder``."""

    width: str
    ladder: str  # "within", "warning" or "exceeded"


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False
    negative: bool = False
    bar: Bar | None = None
    href: str | None = None
    nowrap: bool = False  # dates and locations: never broken at their hyphens
    tone: str | None = None  # a status: "alarming" or "worrying"

    @property
    def layout(self) -> str:
        """A CSS class: short texts on one line, long ones wrapped in a column wide enough."""
        if self.nowrap or self.numeric or len(self.text) <= SHORT_TEXT:
            return "sf-nowrap"
        if len(self.text) > LONGER_TEXT:
            return "sf-longer"
        return "sf-long" if len(self.text) > LONG_TEXT else "sf-wrap"

    @property
    def css(self) -> str:
        """The cell's CSS classes: alignment, sign, bar, tone and :attr:`layout` (one string,
        for the template: a page has thousands of cells)."""
        return "".join((
            "num" if self.numeric else "",
            " sf-negative" if self.negative else "",
            " sf-barcell" if self.bar else "",
            f" sf-{self.tone}" if self.tone else "",
            " ", self.layout,
        ))


@dataclass(frozen=True)
class HtmlTable:
    name: str
    title: str
    headers: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    notes: tuple[str, ...] = ()


def tone(status: Any) -> str | None:
    """The CSS tone of a status: errors and overruns alarm, warnings and reviews worry."""
    return status.tone if isinstance(status, Status) else None


def _location_cell(location: Location, link: Linker) -> Cell:
    return Cell(str(location), href=link(location.filename, location.lineno), nowrap=True)


def value_cell(value: Any, kind: Kind, link: Linker) -> Cell:
    """One cell of a column of ``kind``, as the text renderers show it."""
    if value is None:
        return Cell("")
    if kind.numeric:
        return Cell(text_value(value, kind), numeric=True, negative=value < 0)
    if kind is Kind.DATE:
        return Cell(text_value(value, kind), nowrap=True)
    if kind is Kind.STATUS:
        return Cell(text_value(value, kind), tone=tone(value))
    if kind is Kind.LOCATION and isinstance(value, Location):
        return _location_cell(value, link)
    if kind is Kind.DOCUMENT and isinstance(value, Location):
        # Fava serves only documents it knows of: the evidence file is named as written
        return Cell(value.shown or value.filename)
    return Cell(text_value(value, kind))


def ladder(percent: Decimal, status: Status | None, warn_at: Decimal | None) -> str:
    """Where a utilisation stands on the ceiling ladder: within, warning or exceeded.

    The row's ceiling status decides; without one, ``percent`` against ``warn_at`` (both
    percentages) and 100.
    """
    if isinstance(status, Status):
        return tone_ladder(status)
    if percent > HUNDRED:
        return "exceeded"
    if warn_at is not None and percent >= warn_at:
        return "warning"
    return "within"


def tone_ladder(status: Status) -> str:
    return {"alarming": "exceeded", "worrying": "warning"}.get(status.tone or "", "within")


def utilisation(row: Mapping[str, Any]) -> Bar | None:
    """The bar of a budget row: its ``pct_used``, coloured by its ``status`` and ``warn_at``."""
    percent = row.get("pct_used")
    if percent is None:
        return None
    width = min(max(percent, Decimal(0)), HUNDRED)
    return Bar(f"{width:.1f}", ladder(percent, row.get("status"), row.get("warn_at")))


def _row(table: Table, row: Mapping[str, Any], link: Linker) -> tuple[Cell, ...]:
    cells = []
    for column in table.columns:
        cell = value_cell(row.get(column.key), column.kind, link)
        if table.name == BUDGET_TABLE and column.key == "pct_used":
            bar = utilisation(row)
            if bar is not None:
                cell = Cell(cell.text, cell.numeric, cell.negative, bar, nowrap=True)
        cells.append(cell)
    return tuple(cells)


def html_table(table: Table, link: Linker) -> HtmlTable:
    """``table`` as cells, column by column by kind; ``link`` links a ledger line to Fava."""
    rows = tuple(_row(table, row, link) for row in table.rows)
    totals = _row(table, table.totals, link) if table.totals else None
    return HtmlTable(table.name, table.title, tuple(c.label for c in table.columns),
                     tuple(c.kind.numeric for c in table.columns), rows, totals,
                     tuple(table.notes))

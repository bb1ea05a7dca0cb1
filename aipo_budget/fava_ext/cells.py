"""Table cells for the Surplus Fund page: audit tables rendered generically, as plain text.

Any :class:`~aipo_budget.render.Table` becomes rows of :class:`Cell`: amounts right-aligned as
the text renderers show them, ``file:line`` locations linked to Fava's editor, and in the
budget table a utilisation bar on the "% used" column, coloured by the ceiling ladder.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aipo_budget.render import text_value

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.render import Table
    from aipo_budget.rules import RuleSet

BUDGET_TABLE = "budget"
PERCENT_HEADERS = ("% used", "used %", "utilisation", "utilization")
STATUS_HEADERS = ("status", "ceiling status")
LOCATION_HEADERS = ("location",)

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

    @property
    def layout(self) -> str:
        """A CSS class: short texts on one line, long ones wrapped in a column wide enough."""
        if self.nowrap or self.numeric or len(self.text) <= SHORT_TEXT:
            return "sf-nowrap"
        if len(self.text) > LONGER_TEXT:
            return "sf-longer"
        return "sf-long" if len(self.text) > LONG_TEXT else "sf-wrap"


@dataclass(frozen=True)
class HtmlTable:
    name: str
    title: str
    headers: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    notes: tuple[str, ...] = ()


PERCENT_TEXT = re.compile(r"-?[\d,]+(?:\.\d+)? ?%")


def value_cell(value: Any) -> Cell:
    """A cell of an audit table; amounts as the text renderers show them."""
    if isinstance(value, Decimal):
        return Cell(text_value(value), numeric=True, negative=value < 0)
    if isinstance(value, datetime.date):
        return Cell(text_value(value), nowrap=True)
    text = text_value(value)
    return Cell(text, numeric=bool(PERCENT_TEXT.fullmatch(text)))


def _percent(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    match = re.search(r"-?\d[\d,]*(?:\.\d+)?", str(value or ""))
    if not match:
        return None
    try:
        return Decimal(match[0].replace(",", ""))
    except InvalidOperation:
        return None


def ladder(percent: Decimal, status: Any, warn_at: Decimal | None) -> str:
    """Where a utilisation stands on the ceiling ladder: within, warning or exceeded."""
    text = str(status or "").lower()
    if any(word in text for word in ("exceed", "over", "error", "crossed")):
        return "exceeded"
    if "warn" in text:
        return "warning"
    if text and any(word in text for word in ("within", "ok", "under")):
        return "within"
    if percent > 100:
        return "exceeded"
    if warn_at is not None and percent >= warn_at * 100:
        return "warning"
    return "within"


def _column(headers: Sequence[str], names: Sequence[str]) -> int | None:
    for index, header in enumerate(headers):
        if header.strip().lower() in names:
            return index
    return None


def _warn_at(ruleset: RuleSet, row: Sequence[Any], headers: Sequence[str],
             day: datetime.date) -> Decimal | None:
    """The warning threshold of the row's project ceiling, else the lowest of all."""
    project_at = _column(headers, ("project",))
    rules = ruleset.of_kind("ceiling")
    if project_at is not None:
        rules = tuple(r for r in rules if r.project == row[project_at]) or rules
    levels = [(r.in_force(day) or r.versions[-1]).params["warn_at"] for r in rules]
    return min(levels) if levels else None


def _budget_row(row: Sequence[Any], headers: Sequence[str], ruleset: RuleSet,
                day: datetime.date) -> tuple[Cell, ...]:
    cells = [value_cell(value) for value in row]
    percent_at = _column(headers, PERCENT_HEADERS)
    if percent_at is None:
        return tuple(cells)
    percent = _percent(row[percent_at])
    if percent is None:
        return tuple(cells)
    status_at = _column(headers, STATUS_HEADERS)
    status = row[status_at] if status_at is not None else None
    width = min(max(percent, Decimal(0)), Decimal(100))
    bar = Bar(f"{width:.1f}", ladder(percent, status, _warn_at(ruleset, row, headers, day)))
    cell = cells[percent_at]
    cells[percent_at] = Cell(cell.text, cell.numeric, cell.negative, bar, nowrap=True)
    return tuple(cells)


def _link_locations(rows: tuple[tuple[Cell, ...], ...], headers: Sequence[str], folder: str,
                    link: Linker) -> tuple[tuple[Cell, ...], ...]:
    """Link ``file:line`` cells of a location column to Fava's editor."""
    at = _column(headers, LOCATION_HEADERS)
    if at is None:
        return rows
    linked = []
    for row in rows:
        cells = list(row)
        path, _, line = cells[at].text.rpartition(":")
        if path and line.isdigit():
            href = link(os.path.normpath(os.path.join(folder, path)), int(line))
            cells[at] = Cell(cells[at].text, href=href, nowrap=True)
        linked.append(tuple(cells))
    return tuple(linked)


def html_table(table: Table, ruleset: RuleSet, day: datetime.date, folder: str,
               link: Linker) -> HtmlTable:
    """A :class:`~aipo_budget.render.Table` as cells; amounts as the text renderers show them."""
    if table.name == BUDGET_TABLE:
        rows = tuple(_budget_row(row, table.headers, ruleset, day) for row in table.rows)
    else:
        rows = tuple(tuple(value_cell(value) for value in row) for row in table.rows)
    rows = _link_locations(rows, table.headers, folder, link)
    # a column is right-aligned when its cells are amounts or percentages
    numeric = tuple(
        any(len(row) > i and row[i].numeric for row in rows)
        and all(len(row) > i and (row[i].numeric or not row[i].text) for row in rows)
        for i in range(len(table.headers))
    )
    totals = tuple(value_cell(value) for value in table.totals) if table.totals else None
    return HtmlTable(table.name, table.title, tuple(table.headers), numeric, rows, totals,
                     tuple(table.notes))

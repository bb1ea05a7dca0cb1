"""The pack's two charts as geometry (the template draws them): budget use per project, and
the Surplus Fund balance against the reserve floor.

Both read by key and by kind only: the budget chart takes the budget table's ``project``,
``surplus``, ``allocation``, ``pct_used``, ``warn_at`` and ``status`` columns wherever they
are, so the same table with its columns in another order draws the same chart. Every chart
has labelled axes and shows its values.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from aipo_budget.core.conventions import DEFAULT_CURRENCY
from aipo_budget.outputs.render import amount_text, percent_text
from aipo_budget.outputs.table import Status

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from aipo_budget.outputs.table import Table

WIDTH = 680  # px: the printable width of A4 portrait at 96 dpi, margins aside
MAX_RATIO = Decimal("1.5")  # the budget bars stop at 150 % of the allocation
COLOURS = {Status.WITHIN: "#3a7d44", Status.WARNING: "#b86e00", Status.EXCEEDED: "#b3261e"}
GREY = "#777"


@dataclass(frozen=True)
class Tick:
    at: float  # px along its axis
    label: str


@dataclass(frozen=True)
class Bar:
    label: str  # the project
    y: float
    width: float
    colour: str
    value: str  # "87.5 % (35,000.00 of 40,000.00)"
    warn: float | None  # x of the warning level, px


@dataclass(frozen=True)
class BarChart:
    title: str
    width: int
    height: int
    left: float  # the plot's left edge: project names go before it
    plot: float  # the plot's width: 0 % to 150 %
    bar: float  # a bar's height
    bars: tuple[Bar, ...]
    axis: float  # y of the percentage axis, under the bars
    ticks: tuple[Tick, ...]
    full: float  # x of 100 %
    x_title: str
    y_title: str


def _project_rows(table: Table) -> list[Mapping[str, Any]]:
    """The rows of projects with an allocation (category rows have none)."""
    return [row for row in table.rows if row.get("allocation")]


def _bar(row: Mapping[str, Any], y: float, scale: float) -> Bar:
    spent, allocation = row.get("surplus") or Decimal(0), row["allocation"]
    ratio = min(max(spent / allocation, Decimal(0)), MAX_RATIO)
    used = row.get("pct_used")
    warn = row.get("warn_at")
    return Bar(
        label=str(row.get("project") or ""), y=y, width=round(float(ratio) * scale, 1),
        colour=COLOURS.get(row.get("status"), GREY),
        value=(f"{percent_text(used) if used is not None else '-'} "
               f"({amount_text(spent)} of {amount_text(allocation)})"),
        warn=round(float(warn / 100) * scale, 1) if warn is not None else None,
    )


def budget_chart(table: Table, currency: str = DEFAULT_CURRENCY) -> BarChart | None:
    """Horizontal bars: each project's surplus spending as a share of its final allocation,
    coloured by its ceiling status, with its warning level marked; None without projects."""
    rows = _project_rows(table)
    if not rows:
        return None
    left, plot, bar, gap, top = 160.0, 300.0, 22.0, 14.0, 10.0
    scale = plot / float(MAX_RATIO)
    bars = tuple(_bar(row, top + i * (bar + gap), scale) for i, row in enumerate(rows))
    axis = top + len(rows) * (bar + gap)
    ticks = tuple(Tick(round(percent / 100 * scale, 1), f"{percent} %")
                  for percent in range(0, 151, 25))
    return BarChart(
        title="Budget use per project", width=WIDTH, height=int(axis + 44), left=left,
        plot=plot, bar=bar, bars=bars, axis=axis, ticks=ticks, full=round(scale, 1),
        x_title=f"spent from the surplus, % of the final allocation (amounts in {currency})",
        y_title="project")


# --- the fund balance -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineChart:
    title: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float  # y of the x axis
    points: str  # the polyline
    floor: float  # y of the reserve floor
    floor_label: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    end: tuple[float, float]  # the closing point
    end_label: str
    x_title: str
    y_title: str


def _step(span: Decimal) -> Decimal:
    """A round step (1, 2 or 5 times a power of ten) cutting ``span`` in about five."""
    raw = float(span) / 5 or 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return Decimal(str(next(m * power for m in (1, 2, 5, 10) if m * power >= raw)))


def _months(first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, str]]:
    """Month starts from ``first`` to ``last``, every 1, 3, 6, 12... months so that there are
    at most eight, labelled by year (or year and month)."""
    since, until = first.year * 12 + first.month - 1, last.year * 12 + last.month - 1
    every = next((n for n in (1, 3, 6, 12, 24, 60, 120) if (until - since) / n <= 8), 240)
    found = []
    for index in range(since, until + 1):
        year, month = divmod(index, 12)
        day = datetime.date(year, month + 1, 1)
        if index % every == 0 and day >= first:
            found.append((day, str(year) if every >= 12 else f"{year}-{month + 1:02d}"))
    return found


@dataclass(frozen=True)
class _Frame:
    """Where a day and an amount are drawn."""

    first: datetime.date
    span: int  # days
    low: Decimal
    high: Decimal
    step: Decimal  # between two ticks of the amount axis
    left: float = 84.0
    right: float = WIDTH - 170.0
    top: float = 20.0
    bottom: float = 190.0

    def x(self, day: datetime.date) -> float:
        return round(self.left + (self.right - self.left) * (day - self.first).days
                     / self.span, 1)

    def y(self, amount: Decimal) -> float:
        return round(self.bottom - float((amount - self.low) / (self.high - self.low))
                     * (self.bottom - self.top), 1)

    def amounts(self) -> list[Decimal]:
        count = int((self.high - self.low) / self.step)
        return [self.low + self.step * i for i in range(count + 1)]


def _frame(history: Sequence[tuple[datetime.date, Decimal]], end: datetime.date,
           floor: Decimal) -> _Frame:
    amounts = [amount for _, amount in history] + [floor, Decimal(0)]
    low, high = min(amounts), max(amounts)
    step = _step(high - low)
    low = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    high = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    if high <= max(amounts):  # room above the highest point for its label
        high += step
    return _Frame(history[0][0], max((end - history[0][0]).days, 1), low, high, step)


def balance_chart(history: Sequence[tuple[datetime.date, Decimal]], end: datetime.date,
                  floor: Decimal, currency: str = DEFAULT_CURRENCY) -> LineChart | None:
    """The fund balance as a step line from the first ``history`` point to ``end`` (the
    balance after each day's movements), with the reserve floor; None without history."""
    history = [(day, amount) for day, amount in history if day <= end]
    if not history:
        return None
    frame = _frame(history, end, floor)
    points, previous = [], None
    for day, balance in history:
        if previous is not None:
            points.append(f"{frame.x(day)},{frame.y(previous)}")
        points.append(f"{frame.x(day)},{frame.y(balance)}")
        previous = balance
    closing = history[-1][1]
    points.append(f"{frame.x(end)},{frame.y(closing)}")
    return LineChart(
        title="Surplus Fund balance and reserve floor", width=WIDTH, height=240,
        left=frame.left, right=frame.right, top=frame.top, bottom=frame.bottom,
        points=" ".join(points), floor=frame.y(floor),
        floor_label=f"reserve floor {amount_text(floor)}",
        x_ticks=tuple(Tick(frame.x(day), label) for day, label in _months(frame.first, end)),
        y_ticks=tuple(Tick(frame.y(amount), f"{amount:,.0f}") for amount in frame.amounts()),
        end=(frame.x(end), frame.y(closing)),
        end_label=f"{amount_text(closing)} on {end.isoformat()}",
        x_title=f"date ({history[0][0].isoformat()} to {end.isoformat()})",
        y_title=f"balance ({currency})")

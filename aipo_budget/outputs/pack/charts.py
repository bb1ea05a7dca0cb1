"""The pack's two charts as geometry, in px, for the macros of ``templates/pack_charts.html``
to draw: budget use per project, and the Surplus Fund balance against the reserve floor.

Both read by key and by kind only: the budget chart takes the budget table's ``project``,
``surplus``, ``allocation``, ``pct_used``, ``warn_at`` and ``status`` columns wherever they
are, so the same table with its columns in another order draws the same chart. Every chart
has labelled axes and shows its values.
"""

from __future__ import annotations

import datetime
import math
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


def _bar(row: Mapping[str, Any], y: float, scale: float) -> dict[str, Any]:
    """One project's bar: its width, and the x of its warning level (None without one)."""
    spent, allocation = row.get("surplus") or Decimal(0), row["allocation"]
    ratio = min(max(spent / allocation, Decimal(0)), MAX_RATIO)
    used, warn = row.get("pct_used"), row.get("warn_at")
    return {
        "label": str(row.get("project") or ""), "y": y, "width": round(float(ratio) * scale, 1),
        "colour": COLOURS.get(row.get("status"), GREY),
        "value": (f"{percent_text(used) if used is not None else '-'} "
                  f"({amount_text(spent)} of {amount_text(allocation)})"),
        "warn": round(float(warn / 100) * scale, 1) if warn is not None else None,
    }


def budget_chart(table: Table, currency: str = DEFAULT_CURRENCY) -> dict[str, Any] | None:
    """Horizontal bars: each project's surplus spending as a share of its final allocation,
    coloured by its ceiling status, with its warning level marked; None without projects.
    The plot starts at ``left`` (names go before it) and is ``plot`` wide, 0 % to 150 %;
    ``axis`` is the y of the percentage axis, ``full`` the x of 100 %."""
    rows = [row for row in table.rows if row.get("allocation")]  # category rows have none
    if not rows:
        return None
    left, plot, bar, gap, top = 160.0, 300.0, 22.0, 14.0, 10.0
    scale = plot / float(MAX_RATIO)
    axis = top + len(rows) * (bar + gap)
    return {
        "kind": "bar", "title": "Budget use per project", "width": WIDTH,
        "height": int(axis + 44), "left": left, "plot": plot, "bar": bar,
        "bars": [_bar(row, top + i * (bar + gap), scale) for i, row in enumerate(rows)],
        "axis": axis, "full": round(scale, 1),
        "ticks": [{"at": round(percent / 100 * scale, 1), "label": f"{percent} %"}
                  for percent in range(0, 151, 25)],
        "x_title": f"spent from the surplus, % of the final allocation (amounts in {currency})",
        "y_title": "project"}


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


def _amount_axis(amounts: list[Decimal]) -> tuple[Decimal, Decimal, Decimal]:
    """The lowest and highest amounts of the axis and its step, in round numbers."""
    step = _step(max(amounts) - min(amounts))
    low = (min(amounts) / step).to_integral_value(rounding=ROUND_FLOOR) * step
    high = (max(amounts) / step).to_integral_value(rounding=ROUND_CEILING) * step
    if high <= max(amounts):  # room above the highest point for its label
        high += step
    return low, high, step


def balance_chart(history: Sequence[tuple[datetime.date, Decimal]], end: datetime.date,
                  floor: Decimal, currency: str = DEFAULT_CURRENCY) -> dict[str, Any] | None:
    """The fund balance as a step line from the first ``history`` point to ``end`` (the
    balance after each day's movements), with the reserve floor; None without history.
    The plot spans ``left`` to ``right`` and ``top`` to ``bottom`` (the date axis)."""
    history = [(day, amount) for day, amount in history if day <= end]
    if not history:
        return None
    (first, _), closing = history[0], history[-1][1]
    low, high, step = _amount_axis([amount for _, amount in history] + [floor, Decimal(0)])
    left, right, top, bottom, span = 84.0, WIDTH - 170.0, 20.0, 190.0, max((end - first).days, 1)

    def x(day: datetime.date) -> float:
        return round(left + (right - left) * (day - first).days / span, 1)

    def y(amount: Decimal) -> float:
        return round(bottom - float((amount - low) / (high - low)) * (bottom - top), 1)

    corners = [history[0]]
    for (day, balance), (_, before) in zip(history[1:], history):
        corners += [(day, before), (day, balance)]
    corners.append((end, closing))
    return {
        "kind": "line", "title": "Surplus Fund balance and reserve floor", "width": WIDTH,
        "height": 240, "left": left, "right": right, "top": top, "bottom": bottom,
        "points": " ".join(f"{x(day)},{y(amount)}" for day, amount in corners),
        "floor": y(floor), "floor_label": f"reserve floor {amount_text(floor)}",
        "x_ticks": [{"at": x(day), "label": label} for day, label in _months(first, end)],
        "y_ticks": [{"at": y(low + step * i), "label": f"{low + step * i:,.0f}"}
                    for i in range(int((high - low) / step) + 1)],
        "end": (x(end), y(closing)), "end_label": f"{amount_text(closing)} on {end.isoformat()}",
        "x_title": f"date ({first.isoformat()} to {end.isoformat()})",
        "y_title": f"balance ({currency})"}

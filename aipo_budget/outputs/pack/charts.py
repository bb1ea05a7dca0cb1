"""The pack's two charts as geometry, in px, for the macros of ``templates/pack_charts.html``
to draw: budget use per project, and the Surplus Fund balance against the reserve floor.

Both read by key and by kind only: the budget chart takes the budget table's ``project``,
``surplus``, ``allocation``, ``pct_used``, ``warn_at`` and ``status`` columns wherever they
are, so the same table with its columns in another order draws the same chart. Every chart
has labelled axes, writes its values out and explains each line and colour in a legend inside
the SVG: paper has no tooltips, and the Fava page draws the same SVG. A chart is as wide as
the printable width of A4; a long project name wraps over as many lines as it needs.
"""

from __future__ import annotations

import datetime
import math
import re
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
WARN, FULL, BALANCE, FLOOR = "#b86e00", "#444", "#1f5fa8", "#b3261e"
# text is 11 px: CHAR is a width per character wide enough for capitals and digits, so that
# a text measured with it never runs into its neighbour; LINE is the distance between lines
CHAR, LINE, LEGEND_ROW, SYMBOL = 7.0, 13.0, 18.0, 28.0
BAR = 22.0  # px: the height of a budget bar
BREAK_AFTER = re.compile(r"(?<=[-\s/._])")  # where a project name may wrap


def wrap(name: str, width: int) -> list[str]:
    """``name`` on lines of at most ``width`` characters, each cut after a hyphen, space,
    slash, dot or underscore where there is one, else where it must be; nothing left out."""
    lines, line = [], ""
    for part in BREAK_AFTER.split(name):
        while part:
            if len(line) + len(part.rstrip()) <= width:
                line, part = line + part, ""
            elif line:
                lines.append(line)
                line = ""
            else:
                lines.append(part[:width])
                part = part[width:]
    return [text.strip() for text in [*lines, line] if text.strip()] or [""]


def legend(items: Sequence[tuple[str, str, str]], top: float, width: float = WIDTH
           ) -> tuple[list[dict], float]:
    """``items`` (symbol: "box", "line", "dash" or "dot"; colour; text) placed left to right
    in rows from ``top`` within ``width``; with the y below the last row."""
    placed, x, y = [], 0.0, top
    for symbol, colour, text in items:
        size = SYMBOL + 6 + len(text) * CHAR
        if x and x + size > width:
            x, y = 0.0, y + LEGEND_ROW
        placed.append({"symbol": symbol, "colour": colour, "text": text, "x": x + 4,
                       "y": y})
        x += size + 18
    return placed, y + LEGEND_ROW


def _values(row: Mapping[str, Any]) -> list[str]:
    """A project's values beside its bar: the share used, then spent of allocated."""
    used = row.get("pct_used")
    return [percent_text(used) if used is not None else "-",
            f"{amount_text(row.get('surplus') or Decimal(0))} of "
            f"{amount_text(row['allocation'])}"]


def _bar(row: Mapping[str, Any], names: int, top: float, scale: float) -> dict[str, Any]:
    """One project's row from ``top``: its name and values on as many lines as they take,
    its bar's width, and the x of its warning level (None without one)."""
    spent, allocation = row.get("surplus") or Decimal(0), row["allocation"]
    ratio = min(max(spent / allocation, Decimal(0)), MAX_RATIO)
    label, values = wrap(str(row.get("project") or ""), names), _values(row)
    height = max(36.0, max(len(label), len(values)) * LINE + 10)
    middle = top + height / 2
    warn = row.get("warn_at")
    return {
        "label": label, "value": values, "height": height, "y": middle - BAR / 2,
        "label_y": middle + 4 - (len(label) - 1) * LINE / 2,
        "value_y": middle + 4 - (len(values) - 1) * LINE / 2,
        "width": round(float(ratio) * scale, 1),
        "colour": COLOURS.get(row.get("status"), GREY),
        "warn": (round(min(float(warn / 100), float(MAX_RATIO)) * scale, 1)
                 if warn is not None else None),
    }


def _budget_legend(rows: Sequence[Mapping[str, Any]], top: float, width: float
                   ) -> tuple[list[dict], float]:
    levels = {row["warn_at"] for row in rows if row.get("warn_at") is not None}
    level = f" ({percent_text(next(iter(levels)))} of the allocation)" if len(levels) == 1 else (
        " of each project (the budget table's 'warning at')")
    return legend([
        ("box", COLOURS[Status.WITHIN], f"{Status.WITHIN}: below the warning level"),
        ("box", COLOURS[Status.WARNING], f"{Status.WARNING}: at or above the warning level"),
        ("box", COLOURS[Status.EXCEEDED], f"{Status.EXCEEDED}: above the final allocation"),
        *([("dash", WARN, f"warning level{level}")] if levels else []),
        ("line", FULL, "100 %: the final allocation"),
    ], top, width)


def budget_chart(table: Table, currency: str = DEFAULT_CURRENCY) -> dict[str, Any] | None:
    """Horizontal bars: each project's surplus spending as a share of its final allocation,
    coloured by its ceiling status, with its warning level marked; None without projects.
    The plot starts at ``left`` (names go before it) and is ``plot`` wide, 0 % to 150 %;
    ``axis`` is the y of the percentage axis, ``full`` the x of 100 %."""
    rows = [row for row in table.rows if row.get("allocation")]  # category rows have none
    if not rows:
        return None
    left, top = 200.0, 24.0  # the names' title above them
    values = max(len(text) for row in rows for text in _values(row)) * CHAR
    width = max(WIDTH, int(left + 240 + values + 24))  # huge amounts: wider, drawn smaller
    plot = width - left - values - 24
    scale = plot / float(MAX_RATIO)
    names = int((left - 12) / CHAR)
    bars = []
    for row in rows:
        bars.append(_bar(row, names, top, scale))
        top += bars[-1]["height"]
    axis = top
    items, bottom = _budget_legend(rows, axis + 54, width)
    return {
        "kind": "bar", "title": "Budget use per project", "width": width,
        "height": int(bottom), "left": left, "plot": plot, "bar": BAR, "bars": bars,
        "axis": axis, "full": round(scale, 1), "legend": items,
        "colours": {"warn": WARN, "full": FULL},
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
    end_label = f"{amount_text(closing)} on {end.isoformat()}"
    levels = [low + step * i for i in range(int((high - low) / step) + 1)]
    # the amounts right of the rotated axis title, the end's label left of the right edge
    left = max(84.0, 26 + max(len(f"{level:,.0f}") for level in levels) * CHAR)
    top, bottom, span = 20.0, 250.0, max((end - first).days, 1)
    right = max(WIDTH - 14 - len(end_label) * CHAR, left + 200)
    width = int(right + 14 + len(end_label) * CHAR)

    def x(day: datetime.date) -> float:
        return round(left + (right - left) * (day - first).days / span, 1)

    def y(amount: Decimal) -> float:
        return round(bottom - float((amount - low) / (high - low)) * (bottom - top), 1)

    corners = [history[0]]
    for (day, balance), (_, before) in zip(history[1:], history):
        corners += [(day, before), (day, balance)]
    corners.append((end, closing))
    items, height = legend([
        ("line", BALANCE, "balance of the Surplus Fund after each day's movements"),
        ("dot", BALANCE, "the balance at the period end"),
        ("dash", FLOOR, f"reserve floor: {amount_text(floor)} {currency}"),
    ], bottom + 56, width)
    return {
        "kind": "line", "title": "Surplus Fund balance and reserve floor", "width": width,
        "height": int(height), "left": left, "right": right, "top": top, "bottom": bottom,
        "points": " ".join(f"{x(day)},{y(amount)}" for day, amount in corners),
        "floor": y(floor), "legend": items,
        "colours": {"balance": BALANCE, "floor": FLOOR},
        "x_ticks": [{"at": x(day), "label": label} for day, label in _months(first, end)],
        "y_ticks": [{"at": y(level), "label": f"{level:,.0f}"} for level in levels],
        "end": (x(end), y(closing)), "end_label": end_label,
        "x_title": f"date ({first.isoformat()} to {end.isoformat()})",
        "y_title": f"balance ({currency})"}

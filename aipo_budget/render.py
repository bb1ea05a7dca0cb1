"""Tables as data, rendered last: tabulate's text formats, CSV and JSON.

The CLI, the audit pack and the Fava page render the same :class:`Table` objects, so their
numbers cannot disagree. Amounts stay ``Decimal`` until here; text formats show two decimals
with thousands separators and negatives in parentheses, as accountants expect.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tabulate import tabulate

CENT = Decimal("0.01")

# our format name -> tabulate's
TEXT_FORMATS = {
    "plain": "plain",
    "simple": "simple",
    "table": "simple",
    "grid": "grid",
    "github": "github",
    "markdown": "github",
    "html": "html",
    "latex": "latex",
}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    totals: tuple[Any, ...] | None = None
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "headers": list(self.headers),
            "rows": [[json_value(v) for v in row] for row in self.rows],
            "totals": [json_value(v) for v in self.totals] if self.totals else None,
            "notes": list(self.notes),
        }


def cents(value: Decimal) -> Decimal:
    """``value`` to the cent; beyond Decimal's precision (absurd amounts), as it is."""
    try:
        return value.quantize(CENT)
    except ArithmeticError:
        return value


def amount_text(value: Decimal) -> str:
    text = f"{abs(cents(value)):,}"
    return f"({text})" if value < 0 else text


def text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return amount_text(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def plain_value(value: Any) -> str:
    """A machine-readable cell (CSV): no separators, minus sign, two decimals."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(cents(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(cents(value))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def render_text(table: Table, fmt: str) -> str:
    rows = [[text_value(v) for v in row] for row in table.rows]
    if table.totals:
        rows.append([text_value(v) for v in table.totals])
    aligns = [
        "right" if any(isinstance(row[i], Decimal) for row in table.rows) else "left"
        for i in range(len(table.headers))
    ]
    return tabulate(rows, headers=list(table.headers), tablefmt=TEXT_FORMATS[fmt],
                    colalign=aligns, disable_numparse=True)


def render_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([plain_value(v) for v in row])
    if table.totals:
        writer.writerow([plain_value(v) for v in table.totals])
    return buffer.getvalue()


def dumps(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=json_value) + "\n"


def render_tables(tables: list[Table], fmt: str) -> str:
    """Several tables in one of the report formats, each under its title line."""
    if fmt == "json":
        return dumps({"tables": [table.as_dict() for table in tables]})
    parts = []
    for table in tables:
        notes = list(table.notes)
        if fmt == "csv":
            parts.append(f"# {table.title}\n" + render_csv(table))
            continue
        body = render_text(table, fmt)
        if fmt == "html":
            from html import escape

            notes_html = "".join(f"<p>{escape(n)}</p>" for n in notes)
            parts.append(f"<h2>{escape(table.title)}</h2>\n{body}\n{notes_html}\n")
        elif fmt == "latex":
            parts.append(f"% {table.title}\n{body}\n" + "".join(f"% {n}\n" for n in notes))
        elif fmt in ("markdown", "github"):
            parts.append(f"### {table.title}\n\n{body}\n" + "".join(f"\n_{n}_\n" for n in notes))
        else:
            parts.append(f"{table.title}\n\n{body}\n" + "".join(f"\n{n}\n" for n in notes))
    return "\n".join(parts)

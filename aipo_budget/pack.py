"""The audit pack: every table as CSV and Markdown, an offline ``index.html`` with inline SVG
charts, and a ``manifest.json`` with the SHA-256 of every input, written atomically.
"""

from __future__ import annotations

import datetime
import hashlib
import html
import json
import os
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aipo_budget import __version__
from aipo_budget.render import Table, dumps, render_csv, render_tables, render_text, text_value

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.engine import Audit

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#eee} td.num{text-align:right;white-space:nowrap}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:2em}
@media print{h2{page-break-before:always} body{margin:0}}
"""


def sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _html_table(table: Table) -> str:
    numeric = [any(isinstance(row[i], Decimal) for row in table.rows)
               for i in range(len(table.headers))]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    lines = []
    for row in list(table.rows) + ([table.totals] if table.totals else []):
        cells = "".join(
            f'<td class="num">{html.escape(text_value(v))}</td>' if numeric[i]
            else f"<td>{html.escape(text_value(v))}</td>"
            for i, v in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    notes = "".join(f"<p><em>{html.escape(n)}</em></p>" for n in table.notes)
    return (f'<h2 id="{table.name}">{html.escape(table.title)}</h2>\n<table><thead><tr>{head}'
            f"</tr></thead><tbody>\n" + "\n".join(lines) + f"\n</tbody></table>{notes}\n")


def budget_chart(table: Table) -> str:
    """Horizontal bars: surplus spending of each project against its allocation."""
    projects = [r for r in table.rows if r[1] == "(all)" and r[3]]
    if not projects:
        return ""
    width, bar, gap = 640, 22, 14
    height = len(projects) * (bar + gap) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="Budget use per project">']
    for i, row in enumerate(projects):
        y = 20 + i * (bar + gap)
        allocation, spent = row[3], row[4]
        ratio = float(min(spent / allocation, Decimal("1.5"))) if allocation else 0.0
        colour = {"within": "#3a7d44", "warning": "#d98e04", "exceeded": "#b3261e"}.get(
            row[9], "#777")
        scale = 400 / 1.5
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{html.escape(row[0])}</text>')
        parts.append(f'<rect x="200" y="{y}" width="{400 / 1.5:.1f}" height="{bar}" '
                     'fill="#eee" stroke="#999"/>')
        parts.append(f'<rect x="200" y="{y}" width="{ratio * scale:.1f}" height="{bar}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{205 + 400:.0f}" y="{y + 15}" font-size="12" '
                     f'text-anchor="end">{html.escape(row[8])}</text>')
    parts.append('<text x="200" y="12" font-size="11">0</text>'
                 f'<text x="{200 + scale:.0f}" y="12" font-size="11">100 % of allocation</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def balance_chart(result: Audit, floor: Decimal) -> str:
    """The fund balance over time (a step line) against the reserve floor."""
    history = result.facts.fund_history
    if not history:
        return ""
    width, height, pad = 640, 220, 40
    first, last = history[0][0], max(history[-1][0], result.facts.as_of)
    span = max((last - first).days, 1)
    top = max(max(b for _, b in history), floor) * Decimal("1.1") or Decimal(1)

    def x(day: datetime.date) -> float:
        return pad + (width - 2 * pad) * (day - first).days / span

    def y(amount: Decimal) -> float:
        return height - pad - float(amount / top) * (height - 2 * pad)

    points, previous = [], None
    for day, balance in history:
        if previous is not None:
            points.append(f"{x(day):.1f},{y(previous):.1f}")
        points.append(f"{x(day):.1f},{y(balance):.1f}")
        previous = balance
    points.append(f"{x(last):.1f},{y(previous):.1f}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="Surplus Fund balance against the reserve floor">'
        f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{" ".join(points)}"/>'
        f'<line x1="{pad}" x2="{width - pad}" y1="{y(floor):.1f}" y2="{y(floor):.1f}" '
        'stroke="#b3261e" stroke-dasharray="6 4"/>'
        f'<text x="{pad}" y="{y(floor) - 4:.1f}" font-size="11" fill="#b3261e">reserve floor '
        f'{html.escape(text_value(floor))} USD</text>'
        f'<text x="{pad}" y="{height - 10}" font-size="11">{first}</text>'
        f'<text x="{width - pad}" y="{height - 10}" font-size="11" text-anchor="end">{last}</text>'
        f'<text x="{pad}" y="14" font-size="11">top: {html.escape(text_value(top))} USD</text>'
        "</svg>"
    )


def index_html(tables: Sequence[Table], result: Audit, title: str) -> str:
    by_name = {t.name: t for t in tables}
    floor = Decimal(0)
    if "fund-statement" in by_name:
        for row in by_name["fund-statement"].rows:
            if row[0] == "Reserve floor":
                floor = row[2]
    charts = []
    if "budget" in by_name:
        charts.append("<h2>Budget use per project</h2>" + budget_chart(by_name["budget"]))
    charts.append("<h2>Surplus Fund balance and reserve floor</h2>" + balance_chart(result, floor))
    body = "\n".join(_html_table(t) for t in tables)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
            f"<h1>{html.escape(title)}</h1>\n" + "\n".join(charts) + "\n" + body
            + "</body></html>\n")


def manifest(inputs: dict[str, Sequence[str]], settings: dict[str, Any], root: str) -> str:
    def entry(path: str) -> dict[str, str]:
        shown = os.path.relpath(path, root) if path.startswith(root + os.sep) else path
        return {"path": shown, "sha256": sha256(path)}

    return dumps({
        "tool": "aipo-budget",
        "version": __version__,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": settings,
        "inputs": {kind: [entry(p) for p in sorted(paths)] for kind, paths in inputs.items()},
    })


class PackError(Exception):
    """The pack cannot be written where asked (the message says why)."""


def is_pack(folder: Path) -> bool:
    """A folder that a previous run wrote: a manifest of ours, and no sub-folders."""
    try:
        manifest_data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return (isinstance(manifest_data, dict) and manifest_data.get("tool") == "aipo-budget"
                and not any(path.is_dir() for path in folder.iterdir()))
    except (OSError, ValueError):
        return False


def check_target(target: Path) -> None:
    """Only a new or empty folder, or a previous pack, may be (re)placed by a pack."""
    if not target.exists():
        return
    if not target.is_dir():
        raise PackError(f"{target} exists and is not a folder")
    if any(target.iterdir()) and not is_pack(target):
        raise PackError(f"{target} exists and is not an aipo-budget audit pack (no manifest.json "
                        "of ours, or it has sub-folders); choose a new or empty folder")


def write_pack(
    out: str,
    tables: Sequence[Table],
    result: Audit,
    title: str,
    inputs: dict[str, Sequence[str]],
    settings: dict[str, Any],
    root: str,
) -> None:
    """Write the pack to ``out`` atomically: into a temporary sibling, then renamed.

    ``out`` must be new, empty, or a previous pack: any other folder is refused (PackError),
    never replaced.
    """
    target = Path(out).resolve()
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for table in tables:
            (staging / f"{table.name}.csv").write_text(render_csv(table), encoding="utf-8")
            (staging / f"{table.name}.md").write_text(render_tables([table], "markdown"),
                                                      encoding="utf-8")
        (staging / "index.html").write_text(index_html(tables, result, title), encoding="utf-8")
        (staging / "manifest.json").write_text(manifest(inputs, settings, root), encoding="utf-8")
        staging.chmod(0o755)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            old.rmdir()
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


__all__ = ["PackError", "write_pack", "index_html", "render_text"]

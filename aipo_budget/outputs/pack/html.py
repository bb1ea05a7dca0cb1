"""``index.html``: a cover an auditor can sign, then every table (the fund statement and the
budget each under its chart), rendered from the Jinja2 templates ``templates/pack.html`` and
``templates/pack_charts.html`` (autoescaped: ledger text is inert).

Cells (:mod:`aipo_budget.outputs.html`): amounts and percentages right-aligned, dates never
wrapped, paths wrapped after a slash, statuses marked when alarming, a DOCUMENT value linked to
its copy in the pack's ``evidence/`` folder or, when the file is not in the pack, shown with why.

On paper (docs/pack.md, "On paper"): A4 pages numbered "page N of M" with the pack's title and
ledger digest in every footer; a register prints the columns of ``ON_PAPER``, each row on at
most three lines. A register longer than ``SHOWN_ROWS`` shows its latest (the findings: its
most serious) rows, saying so: every row is in its CSV file and in the workbook.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from aipo_budget import __version__
from aipo_budget.core.paths import shown
from aipo_budget.core.tally import tally
from aipo_budget.outputs.pack.charts import balance_chart, budget_chart
from aipo_budget.outputs.pack.manifest import DIGEST_OF, WORKBOOK
from aipo_budget.outputs.html import Cell, HtmlTable, html_table
from aipo_budget.outputs.table import Column, Kind, Location, Status, Table, table
from aipo_budget.outputs.tables.fund import balance_before, reserve_floor
from aipo_budget.outputs.tables.registers import findings, findings_view

if TYPE_CHECKING:
    import datetime
    from collections.abc import Mapping, Sequence

    from aipo_budget.core.rules import RuleSet
    from aipo_budget.outputs.tables.context import Context

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
WORD = 32  # characters: a longer text without spaces may wrap
# an ISO date, kept on one line; a slash between two characters of a path, a place to break
CUT_OR_KEEP = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})|(?<=[\w.-])/(?=\w)")
COVER_FINDINGS = ("severity", "rule", "date", "condition", "location")
SHOWN_ROWS = 100  # rows of a register in index.html; its CSV file and the workbook have all
COVER_ROWS = 20  # findings listed on the cover
# The columns of a register printed on paper, each row on at most three lines (a longer text
# ends in an ellipsis); the others are on screen, in the CSV file and in the workbook. The
# cover's list of findings is a view of the findings register: it prints these columns too.
ON_PAPER = {
    "disbursements": ("date", "payee", "narration", "original", "amount", "resolution",
                      "prepared_by", "approved_by", "document", "findings"),
    "findings": ("severity", "date", "rule", "condition", "project", "transaction", "amount",
                 "waiver"),
}
EMPTY = {"findings": "No findings.", "disbursements": "No surplus outflows."}


@dataclass(frozen=True)
class About:
    """What the cover says besides the audit: who, when, from which files."""

    organisation: str
    as_of: datetime.date
    digest: str  # the ledger's digest (see aipo_budget.outputs.pack.manifest)
    generated: str
    links: Mapping[str, str] = field(default_factory=dict)  # evidence file -> its copy
    left_out: Mapping[str, str] = field(default_factory=dict)  # evidence file -> why
    signer: str = ""  # who signs the manifest as the pack is written; "": nobody yet


def _classes(kind: Kind, text: str, marks: tuple[str, ...]) -> str:
    if kind.numeric:
        return "num neg" if marks else "num"
    if not text:
        return ""
    if kind is Kind.STATUS:
        return " ".join(("status", *marks))
    if kind is Kind.TEXT:  # a name without spaces (a rule, a project) is not cut at hyphens
        return "nowrap" if len(text) <= WORD and " " not in text else ""
    return {Kind.DATE: "date", Kind.LOCATION: "loc", Kind.DOCUMENT: "doc"}.get(kind, "")


def cells(source: Table, about: About) -> HtmlTable:
    """``source`` as the page's cells: a DOCUMENT value links to its copy in the pack, or
    says why the file is not in it."""
    def evidence(place: Location, kind: Kind) -> tuple[str | None, str]:
        if kind is not Kind.DOCUMENT:
            return None, ""
        if place.filename in about.links:
            return quote(about.links[place.filename]), ""
        why = about.left_out.get(place.filename)
        if why:
            return None, f"not in this pack: {why}"
        return None, "" if place.filename else "does not resolve to a file"

    return html_table(source, _classes, evidence)


def _marked(row: tuple[Cell, ...], marks: tuple[str, ...]) -> tuple[Cell, ...]:
    return tuple(dataclasses.replace(cell, css=f"{cell.css} {mark}".strip()) if mark else cell
                 for cell, mark in zip(row, marks, strict=True))


def printed(source: Table) -> list[str]:
    """The keys of the columns of ``source`` printed on paper: for a register those of
    ON_PAPER with something in them, else all."""
    if source.name not in ON_PAPER:
        return list(source.keys)
    return [key for key in source.keys if key in ON_PAPER[source.name]
            and any(value not in (None, "") for value in source.values(key))]


def on_paper(source: Table, shown: HtmlTable) -> HtmlTable:
    """``shown`` (the cells of ``source``) marked for paper when ``source`` is a register:
    each cell with its column's key ("k-narration": the page sets its width), the columns
    not printed "screen-only", the printed texts "clip" (cut at three lines)."""
    if source.name not in ON_PAPER:
        return shown
    keys = printed(source)
    heads = tuple(f"k-{c.key}" + ("" if c.key in keys else " screen-only")
                  for c in source.columns)
    marks = tuple(f"{head} clip" if c.key in keys and c.kind in (Kind.TEXT, Kind.DOCUMENT)
                  else head for c, head in zip(source.columns, heads))
    return dataclasses.replace(
        shown, headers=_marked(shown.headers, heads),
        rows=tuple(_marked(row, marks) for row in shown.rows),
        totals=_marked(shown.totals, marks) if shown.totals else None)


def paper_note(source: Table) -> str:
    """What a register prints, and where the rest is; "" for a table printed whole."""
    if source.name not in ON_PAPER or not source.rows:
        return ""
    labels = ", ".join(source.column(key).label for key in printed(source))
    return (f"On paper: {labels}, each row on at most three lines (a longer text is cut, "
            f"marked \N{HORIZONTAL ELLIPSIS}). Every column, whole, is on screen, in "
            f"{source.name}.csv and in {WORKBOOK}.")


def shortened(register: Table, limit: int) -> Table:
    """``register`` with at most ``limit`` rows, in its order, and a note saying so: its latest
    rows, or for the findings the errors first, then the latest others."""
    total = len(register.rows)
    if total <= limit:
        return register
    if register.name == "findings":
        by_weight = sorted(range(total), key=lambda i: (
            RANK.get(register.rows[i].get("severity"), 1), -i))
        chosen, which = sorted(by_weight[:limit]), "the errors first, then the latest others"
    else:
        chosen, which = list(range(total - limit, total)), "the latest"
    covered = "; the totals cover all of them" if register.totals else ""
    note = (f"Showing {limit:,} of {total:,} rows ({which}){covered}. Every row is in "
            f"{register.name}.csv and in {WORKBOOK}.")
    return dataclasses.replace(register, rows=tuple(register.rows[i] for i in chosen),
                               notes=(*register.notes, note))


# --- the cover ----------------------------------------------------------------------------


def rules_in_force(ruleset: RuleSet, day: datetime.date) -> Table:
    """Each rule with the version in force on ``day`` (the period end); a rule not yet in
    force shows its first version, which judges earlier entries."""
    rows = [{"rule": rule.id, "title": rule.title, "citation": version.citation,
             "version": version.number, "effective": version.since,
             "note": "" if rule.in_force(day) else "not yet in force: judges earlier entries"}
            for rule in ruleset.rules for version in [rule.judging(day)]]
    return table("rules", f"Rules in force on {day.isoformat()}", (
        Column("rule", "rule"), Column("title", "title"), Column("citation", "citation"),
        Column("version", "version", Kind.NUMBER),
        Column("effective", "in force from", Kind.DATE), Column("note", "note")), rows)


# the cover's order of the findings: errors, then warnings, then the waived ones
RANK = {Status.ERROR: 0, Status.WARNING: 1, Status.WAIVED: 2}


def status_line(register: Table) -> tuple[bool, str]:
    """Compliant or not, and the counts: "Not compliant: 2 errors, 1 warning, 1 waived"."""
    count = Counter(register.values("severity"))
    errors = count[Status.ERROR]
    counts = tally(errors, count[Status.WARNING], zero="no", waived=count[Status.WAIVED])
    return not errors, f"{'Not compliant' if errors else 'Compliant'}: {counts}"


def _listed(register: Table) -> Table:
    """The cover's findings: the first COVER_ROWS of the register, the errors first, the
    waived ones last (else in its order), in the columns the cover shows (the waiver too,
    when one is cited)."""
    rows = sorted(register.rows, key=lambda row: RANK.get(row.get("severity"), 1))
    listed = findings_view(Table(register.name, register.title, register.columns, tuple(rows)),
                           COVER_FINDINGS)
    if len(listed.rows) <= COVER_ROWS:
        return listed
    note = (f"The first {COVER_ROWS} of {len(listed.rows):,} findings, errors first; every "
            f"finding is in findings.csv and in {WORKBOOK}.")
    return dataclasses.replace(listed, rows=listed.rows[:COVER_ROWS],
                               notes=(*listed.notes, note))


def cover(ctx: Context, about: About) -> dict[str, Any]:
    register = findings(ctx)
    compliant, status = status_line(register)
    listed = _listed(register)
    title = "Surplus Fund audit pack" + (f", {about.organisation}" if about.organisation
                                         else "") + f": {ctx.period}"
    return {
        "title": title, "footer": f"{title}\nledger digest {about.digest}",
        "organisation": about.organisation, "period": str(ctx.period),
        "as_of": about.as_of.isoformat(), "compliant": compliant, "status": status,
        "findings": on_paper(listed, cells(listed, about)) if register.rows else None,
        "rules": cells(rules_in_force(ctx.result.ruleset, ctx.end), about),
        "digest": about.digest, "digest_of": DIGEST_OF, "version": __version__,
        "generated": about.generated, "signer": about.signer,
    }


# --- the page -----------------------------------------------------------------------------


def cell_text(text: str, css: str = "") -> Markup:
    """``text`` escaped, its ISO dates kept on one line (a browser breaks at hyphens) and,
    unless its cell's ``css`` keeps it on one line, its paths breakable after each slash (a
    browser does not break there): a long path fills the lines of a narrow column instead of
    pushing the text after it onto one more."""
    parts, last = [], 0
    for match in CUT_OR_KEEP.finditer(text):
        if not match["date"] and "nowrap" in css.split():
            continue
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<span class="nowrap">%s</span>') % match[0] if match["date"]
                     else Markup("%s<wbr>") % match[0])
        last = match.end()
    return Markup("").join([*parts, escape(text[last:])])


def css_string(text: str) -> Markup:
    """``text`` as a quoted CSS string (the page's footer): every character but an ASCII
    letter, digit or space escaped, so that no ledger text can end the string, the rule or
    the style element; a line break is one in the footer."""
    escaped = "".join(char if char == " " or (char.isascii() and char.isalnum())
                      else f"\\{ord(char):x} " for char in text)
    return Markup(f'"{escaped}"')


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["cell_text"] = cell_text
    env.filters["css_string"] = css_string
    return env


def svg(chart: dict[str, Any]) -> Markup:
    """A chart (:mod:`.charts`) drawn by its macro in ``pack_charts.html``."""
    macros = environment().get_template("pack_charts.html").module
    return Markup(str(getattr(macros, f"{chart['kind']}_chart")(chart)))


def charts_of(tables: Sequence[Table], ctx: Context) -> list[dict[str, Any]]:
    """The budget chart of the budget table, the balance chart of the fund statement (from
    the fund's balance before the period): each with its title, its SVG and its table."""
    by_name = {t.name: t for t in tables}
    charts = [("budget", budget_chart(by_name["budget"], ctx.currency))
              ] if "budget" in by_name else []
    if "fund-statement" in by_name:
        start = ctx.period.start
        history = [(day, amount) for day, amount in ctx.facts.fund_history if day in ctx.period]
        opening = [] if start is None else [(start, balance_before(ctx, start))]
        charts.append(("fund-statement", balance_chart(opening + history, ctx.end,
                                                       reserve_floor(ctx), ctx.currency)))
    return [{"title": chart["title"], "svg": svg(chart), "table": name}
            for name, chart in charts if chart is not None]


@dataclass(frozen=True)
class Section:
    table: HtmlTable
    empty: str  # said instead of a table without rows
    wide: bool  # printed on a landscape page
    paper: str = ""  # printed under a register: its columns on paper, and where the rest is
    chart: Mapping[str, Any] | None = None  # drawn above the table: its title and SVG


def sections(tables: Sequence[Table], ctx: Context, about: About) -> list[Section]:
    """Every table, a register shortened to SHOWN_ROWS, each chart with its table."""
    charts = {chart["table"]: chart for chart in charts_of(tables, ctx)}
    found, wide = [], False
    for source in tables:
        table_ = shortened(source, SHOWN_ROWS) if source.name in ON_PAPER else source
        shown_ = on_paper(table_, cells(table_, about))
        # a table with no rows is a sentence: printed on the page of the table before it
        wide = shown_.wide if table_.rows else wide
        found.append(Section(shown_, EMPTY.get(source.name, "No rows."), wide,
                             paper_note(table_), charts.get(source.name)))
    return found


def index_html(tables: Sequence[Table], ctx: Context, about: About) -> str:
    return environment().get_template("pack.html").render(
        cover=cover(ctx, about),
        sections=sections(tables, ctx, about),
        left_out=[(shown(path, ctx.root) if ctx.root else path, why)
                  for path, why in sorted(about.left_out.items())],
    )

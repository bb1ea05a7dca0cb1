"""``index.html``: a cover an auditor can sign, the charts, and every table, rendered from the
Jinja2 templates ``templates/pack.html`` and ``templates/pack_charts.html`` (autoescaped: ledger
text is inert).

Cells (:mod:`aipo_budget.outputs.html`): amounts and percentages right-aligned, dates and
locations never wrapped, statuses marked when alarming, a DOCUMENT value linked to its copy in
the pack's ``evidence/`` folder or, when the file is not in the pack, shown with why.
"""

from __future__ import annotations

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
from aipo_budget.outputs.pack.manifest import DIGEST_OF
from aipo_budget.outputs.html import HtmlTable, html_table
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
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
COVER_FINDINGS = ("severity", "rule", "date", "condition", "location")


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


# --- the cover ----------------------------------------------------------------------------


def rules_in_force(ruleset: RuleSet, day: datetime.date) -> Table:
    """Each rule with the version in force on ``day`` (the period end); a rule not yet in
    force shows its first version, which judges earlier entries."""
    rows = [{"rule": rule.id, "title": rule.title, "citation": version.citation,
             "version": version.number, "effective": version.effective,
             "note": "" if rule.in_force(day) else "not yet in force: judges earlier entries"}
            for rule in ruleset.rules for version in [rule.judging(day)]]
    return table("rules", f"Rules in force on {day.isoformat()}", (
        Column("rule", "rule"), Column("title", "title"), Column("citation", "citation"),
        Column("version", "version", Kind.NUMBER),
        Column("effective", "in force from", Kind.DATE), Column("note", "note")), rows)


# the cover's order of the findings: errors, then warnings, then the waived ones
RANK = {Status.ERROR: 0, Status.WARNING: 1, Status.WAIVED: 2}


def errors_first(register: Table) -> Table:
    """The findings register with the error findings first, the waived ones last (else in its
    order), and only the columns the cover shows (the waiver too, when one is cited)."""
    rows = sorted(register.rows, key=lambda row: RANK.get(row.get("severity"), 1))
    return findings_view(Table(register.name, register.title, register.columns, tuple(rows)),
                         COVER_FINDINGS)


def status_line(register: Table) -> tuple[bool, str]:
    """Compliant or not, and the counts: "Not compliant: 2 errors, 1 warning, 1 waived"."""
    count = Counter(register.values("severity"))
    errors = count[Status.ERROR]
    counts = tally(errors, count[Status.WARNING], zero="no", waived=count[Status.WAIVED])
    return not errors, f"{'Not compliant' if errors else 'Compliant'}: {counts}"


def cover(ctx: Context, about: About) -> dict[str, Any]:
    register = findings(ctx)
    compliant, status = status_line(register)
    return {
        "organisation": about.organisation, "period": str(ctx.period),
        "as_of": about.as_of.isoformat(), "compliant": compliant, "status": status,
        "findings": cells(errors_first(register), about) if register.rows else None,
        "rules": cells(rules_in_force(ctx.result.ruleset, ctx.end), about),
        "digest": about.digest, "digest_of": DIGEST_OF, "version": __version__,
        "generated": about.generated, "signer": about.signer,
    }


# --- the page -----------------------------------------------------------------------------


def nowrap_dates(text: str) -> Markup:
    """``text`` escaped, its ISO dates kept on one line (a browser breaks at hyphens)."""
    parts, last = [], 0
    for match in ISO_DATE.finditer(text):
        parts += [escape(text[last:match.start()]),
                  Markup('<span class="nowrap">%s</span>') % match[0]]
        last = match.end()
    return Markup("").join([*parts, escape(text[last:])])


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    env.filters["nowrap_dates"] = nowrap_dates
    return env


def svg(chart: dict[str, Any]) -> Markup:
    """A chart (:mod:`.charts`) drawn by its macro in ``pack_charts.html``."""
    macros = environment().get_template("pack_charts.html").module
    return Markup(str(getattr(macros, f"{chart['kind']}_chart")(chart)))


def _charts(tables: Sequence[Table], ctx: Context) -> list[dict[str, Any]]:
    """The budget chart with the budget table, the balance chart with the fund statement
    (from the fund's balance before the period)."""
    by_name = {t.name: t for t in tables}
    charts = [budget_chart(by_name["budget"], ctx.currency)] if "budget" in by_name else []
    if "fund-statement" in by_name:
        start = ctx.period.start
        history = [(day, amount) for day, amount in ctx.facts.fund_history if day in ctx.period]
        opening = [] if start is None else [(start, balance_before(ctx, start))]
        charts.append(balance_chart(opening + history, ctx.end, reserve_floor(ctx),
                                    ctx.currency))
    return [{"title": chart["title"], "svg": svg(chart)} for chart in charts if chart is not None]


def index_html(tables: Sequence[Table], ctx: Context, about: About) -> str:
    """The pack's ``index.html``."""
    return environment().get_template("pack.html").render(
        cover=cover(ctx, about),
        charts=_charts(tables, ctx),
        tables=[cells(t, about) for t in tables],
        left_out=[(shown(path, ctx.root) if ctx.root else path, why)
                  for path, why in sorted(about.left_out.items())],
    )

"""What the Surplus Fund page shows, as plain data: pure functions of the audit and the tables.

Nothing here knows Flask or Fava's request context; the extension passes in the period of
Fava's time filter and a function that links a ledger line to Fava's editor. Every cell is a
plain string: the template autoescapes all of them. Columns are read by key and values
formatted by kind: nothing here parses rendered text.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.core.conventions import DEFAULT_CURRENCY
from aipo_budget.core.paths import shown as relative_to
from aipo_budget.core.periods import Period
from aipo_budget.core.tally import plural, tally
from aipo_budget.outputs.html import Bar, Cell, HtmlTable, html_table
from aipo_budget.outputs.render import text_value
from aipo_budget.outputs.table import Column, Kind, Location, Status, shown_from, table
from aipo_budget.outputs.tables import findings_register, rulebook, shortened_note
from aipo_budget.outputs.tables.context import HUNDRED
from aipo_budget.outputs.tables.registers import findings_view

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.findings import Finding
    from aipo_budget.outputs.table import Table

Linker = Callable[[str, int], "str | None"]

# The audit tables the page shows, in order; the findings register is built from the findings
# of the period here, so that the page can say how many it leaves out.
TABLE_NAMES = ("fund-statement", "budget", "cofunding", "contributions", "disbursements")
# The columns of the findings register the page shows: the rule version with its citation is
# the criterion; its full text and the register's status are in `aipo-budget report`.
FINDINGS_VIEW = ("severity", "date", "condition", "transaction", "amount", "rule", "citation",
                 "location")
# A page of thousands of register rows takes seconds to render and is of no use on screen:
# the page shows the latest rows, the whole register is in `aipo-budget report`.
PAGE_ROWS = 200
SHORT_TEXT, LONG_TEXT, LONGER_TEXT = 28, 60, 120  # characters


# --- configuration ------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """The extension's config: the rules folder, relative to the ledger's folder."""

    rules: str = "rules"


def read_settings(config: str | None) -> Settings:
    """``"rules"`` (a folder, like the plugin's config) or ``"{'rules': 'rules'}"``.

    Raises ValueError with a message for the page on anything else.
    """
    text = (config or "").strip()
    if not text:
        return Settings()
    if text[0] not in "{'\"":
        return Settings(text)
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise ValueError(f"cannot read the extension config {text!r}") from None
    if isinstance(value, dict) and set(value) <= {"rules"}:
        value = value.get("rules", "rules")
    if isinstance(value, str) and value.strip():
        return Settings(value.strip())
    raise ValueError(f"extension config {text!r}: expected a rules folder, e.g. \"rules\" or "
                     "\"{'rules': 'rules'}\"")


# --- cells --------------------------------------------------------------------------------


def _classes(kind: Kind, text: str, marks: tuple[str, ...]) -> str:
    """Alignment, marks, and the layout: short texts on one line, long ones wrapped in a
    column wide enough (one string for the template: thousands of cells)."""
    size = len(text)
    nowrap = kind.numeric or kind in (Kind.DATE, Kind.LOCATION) or size <= SHORT_TEXT
    layout = ("sf-nowrap" if nowrap else "sf-longer" if size > LONGER_TEXT
              else "sf-long" if size > LONG_TEXT else "sf-wrap")
    return " ".join(("num" if kind.numeric and text else "", *(f"sf-{m}" for m in marks),
                     layout))


def ladder(percent: Decimal, status: Status | None, warn_at: Decimal | None) -> str:
    """Where a utilisation stands on the ceiling ladder: within, warning or exceeded. The
    row's ceiling status decides; without one, ``percent`` against ``warn_at`` and 100."""
    if isinstance(status, Status):
        return {"alarming": "exceeded", "worrying": "warning"}.get(status.tone or "", "within")
    if percent > HUNDRED:
        return "exceeded"
    return "warning" if warn_at is not None and percent >= warn_at else "within"


def _with_bar(row: Mapping[str, Any] | None, cells: tuple[Cell, ...], at: int
              ) -> tuple[Cell, ...]:
    """The budget's utilisation with its bar, coloured by the row's ceiling status (else
    its warn_at)."""
    percent = (row or {}).get("pct_used")
    if row is None or percent is None:
        return cells
    width = min(max(percent, Decimal(0)), HUNDRED)
    bar = Bar(f"{width:.1f}", ladder(percent, row.get("status"), row.get("warn_at")))
    marks = ("negative", "barcell") if percent < 0 else ("barcell",)
    shown = dataclasses.replace(cells[at], bar=bar, css=_classes(Kind.PERCENT, cells[at].text, marks))
    return (*cells[:at], shown, *cells[at + 1:])


def cells(table: Table, link: Linker) -> HtmlTable:
    """``table`` as the page's cells; ``link`` links a ledger line to Fava's editor. The
    evidence file of a DOCUMENT is named, not linked: Fava serves only documents it knows."""
    def editor(place: Location, kind: Kind) -> tuple[str | None, str]:
        return (link(place.filename, place.lineno) if kind is Kind.LOCATION else None), ""

    shown = html_table(table, _classes, editor)
    if table.name != "budget" or "pct_used" not in table.keys:
        return shown
    at = table.keys.index("pct_used")
    return dataclasses.replace(
        shown, rows=tuple(_with_bar(r, c, at) for r, c in zip(table.rows, shown.rows)),
        totals=shown.totals and _with_bar(table.totals, shown.totals, at))


# --- the page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    status: str
    compliant: bool = False
    errors: int = 0
    summary: str = ""
    period: str = ""
    findings: HtmlTable | None = None
    rules: HtmlTable | None = None
    waivers: HtmlTable | None = None  # the rulebook's waivers, after its rules
    tables: tuple[HtmlTable, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    explanation: tuple[HtmlTable, ...] = ()  # ?explain=FILE:LINE: why it got its verdict
    explained: str = ""  # what was explained, or why it could not be


def period_text(start: datetime.date | None, end: datetime.date | None) -> str:
    if start is None and end is None:
        return "all dates"
    return f"{text_value(start) or '…'} to {text_value(end) or '…'}"


def shorten(table: Table, limit: int = PAGE_ROWS) -> Table:
    """``table`` with at most its last ``limit`` rows; its totals still cover every row."""
    if len(table.rows) <= limit:
        return table
    return noted(dataclasses.replace(table, rows=table.rows[-limit:]), len(table.rows))


def noted(table: Table, total: int) -> Table:
    """``table``, the latest rows of ``total``, with the note saying so."""
    note = shortened_note(table.name, len(table.rows), total, bool(table.totals))
    return dataclasses.replace(table, notes=(*table.notes, note))


def findings_table(findings: Sequence[Finding], folder: str, link: Linker,
                   currency: str = DEFAULT_CURRENCY, why: Linker | None = None) -> HtmlTable:
    """The findings register (the one every output shows), its columns in FINDINGS_VIEW and
    the waiver when there is one; with ``why``, each finding links to its explanation."""
    latest = findings[-PAGE_ROWS:]  # only the rows shown are built
    register = findings_register(latest, "Findings register", shown_from(folder), currency)
    if len(latest) < len(findings):
        register = noted(register, len(findings))
    shown = cells(findings_view(register, FINDINGS_VIEW), link)
    if why is None:
        return shown
    links = [Cell("why?", _classes(Kind.TEXT, "why?", ()), why(place.filename, place.lineno))
             for place in register.values("location")]
    return dataclasses.replace(shown, headers=(*shown.headers, Cell("explanation")),
                               rows=tuple((*row, cell) for row, cell in zip(shown.rows, links)))


def build_page(result: Audit, *, as_of: datetime.date, folder: str, link: Linker,
               tables: Sequence[Table] = (), start: datetime.date | None = None,
               end: datetime.date | None = None, notes: Sequence[str] = (),
               why: Linker | None = None) -> Page:
    """The page for ``result``; findings and tables limited to ``start``..``end`` if given."""
    facts = result.facts
    shown = [f for f in result.findings if f.date in Period(start, end)]
    hidden = len(result.findings) - len(shown)
    if hidden:
        notes = [*notes, f"{plural(hidden, 'finding')} dated outside "
                         f"{period_text(start, end)} not shown in the register."]
    summary = (f"As of {as_of}: {len(facts.outflows)} surplus outflows and "
               f"{len(facts.transfers)} transfers-in judged by {len(result.ruleset.rules)} "
               f"rules from {relative_to(result.ruleset.folder, folder)}/.")
    if not facts.has_fund:
        summary += (f" No Surplus Fund accounts ({facts.conventions.fund} and its sub-accounts)"
                    " were found: only the ledger's own validity was checked.")
    errors, warnings, waived = len(result.errors), len(result.warnings), len(result.waived)
    compliant = not errors and not warnings
    day = min(end, as_of) if end else as_of
    rulebook_tables = rulebook.rulebook(result.ruleset, day, ("rules", "waivers"),
                                        lambda path: relative_to(path, folder))
    return Page(
        status=(f"Compliant: {tally(0, 0, zero='no', waived=waived)}" if compliant
                else tally(errors, warnings, waived=waived)),
        compliant=compliant, errors=errors,
        summary=summary, period=period_text(start, end),
        findings=findings_table(shown, folder, link, facts.conventions.currency, why),
        rules=cells(rulebook_tables[0], link), waivers=cells(rulebook_tables[1], link),
        tables=tuple(cells(t, link) for t in (*tables, *approvals(result, start, end, folder))),
        notes=tuple(notes),
    )


def approvals(result: Audit, start: datetime.date | None, end: datetime.date | None,
              folder: str) -> list[Table]:
    """Each name on a payment that the rules want signed, and whether its signature is
    verified (the key and whose it is), or why not: what the checks themselves decided."""
    from aipo_budget.core.checks._common import signed_claims

    where, register, rows = shown_from(folder), result.ruleset.register, []
    for outflow in (o for o in result.facts.outflows if o.date in Period(start, end)):
        for kind, role in (("segregation", "prepare"), ("approval", "approve")):
            version = result.ruleset.judging(kind, outflow.date, None)
            for claim in (signed_claims(result.facts, result.ruleset, outflow, version, role)
                          if version is not None else None) or ():
                key = claim.signature.fingerprint if claim.signature else None
                owners = ", ".join(register.names_of(key)) if register and key else ""
                rows.append({"date": outflow.date, "payee": outflow.payee, "name": claim.name,
                             "role": role, "status": "signed and verified" if claim.counts
                             else claim.problem, "key": f"{key} ({owners or 'nobody'})"
                             if key else "", "location": where(outflow.location.filename,
                                                      outflow.location.lineno)})
    if not rows:
        return []
    return [table("approvals", "Signed approvals", (
        Column("date", "date", Kind.DATE), Column("payee", "payee"), Column("name", "name"),
        Column("role", "role"), Column("status", "signature"), Column("key", "key (whose)"),
        Column("location", "location", Kind.LOCATION)), rows)]


def explanation(result: Audit, entries: Sequence[Any], location: str, folder: str,
                link: Linker) -> tuple[tuple[HtmlTable, ...], str]:
    """The explanation of the transaction at ``location`` (``FILE:LINE``, the file as loaded),
    as `aipo-budget explain` prints it, and what was explained or why it could not be."""
    from aipo_budget.outputs.explain import LocationError, explain, split_location

    try:
        filename, line = split_location(location)
    except LocationError:
        return (), f"Cannot explain {location[:80]!r}: expected FILE:LINE."
    try:
        tables = explain(result, entries, filename, line, shown_from(folder))
    except LocationError as exc:
        return (), f"Cannot explain {relative_to(filename, folder)}:{line}: {exc}"
    # named apart from the page's own sections (its findings register, its rules)
    return (tuple(cells(dataclasses.replace(t, name=f"explain-{t.name}"), link)
                  for t in tables),
            f"Why {relative_to(filename, folder)}:{line} got its verdict")

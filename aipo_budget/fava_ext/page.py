"""What the Surplus Fund page shows, as plain data: pure functions of the audit and the tables.

Nothing here knows Flask or Fava's request context; the extension passes in the period of
Fava's time filter and a function that links a ledger line to Fava's editor. Every cell is a
plain string: the template autoescapes all of them.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.core.conventions import DEFAULT_CURRENCY
from aipo_budget.fava_ext.cells import Cell, HtmlTable, html_table
from aipo_budget.core.paths import shown as relative_to  # the one helper for paths shown to the user
from aipo_budget.core.periods import Period
from aipo_budget.outputs.render import text_value
from aipo_budget.outputs.table import shown_from
from aipo_budget.outputs.tables import findings_register, rulebook, shortened_note
from aipo_budget.outputs.tables.registers import with_waiver
from aipo_budget.core.tally import tally

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.engine import Audit
    from aipo_budget.fava_ext.cells import Linker
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import RuleSet
    from aipo_budget.outputs.table import Table

# The audit tables the page shows, in order; the findings register is built from the findings
# of the period here, so that the page can say how many it leaves out.
TABLE_NAMES = ("fund-statement", "budget", "cofunding", "contributions", "disbursements")
# The columns of the findings register the page shows: the rule version with its citation is
# the criterion; its full text and the register's status are in `aipo-budget report`. The
# waiver of a waived finding is shown too, when there is one.
FINDINGS_VIEW = ("severity", "date", "condition", "transaction", "amount", "rule", "citation",
                 "location")


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
    if isinstance(value, str) and value.strip():
        return Settings(value.strip())
    if isinstance(value, dict) and set(value) <= {"rules"}:
        folder = value.get("rules", "rules")
        if isinstance(folder, str) and folder.strip():
            return Settings(folder.strip())
    raise ValueError(
        f"extension config {text!r}: expected a rules folder, e.g. \"rules\" or "
        "\"{'rules': 'rules'}\""
    )


# --- the page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    status: str
    compliant: bool
    errors: int
    warnings: int
    summary: str
    period: str
    findings: HtmlTable | None
    rules: HtmlTable | None
    tables: tuple[HtmlTable, ...] = ()
    waived: int = 0  # findings a valid waiver covers: shown, failing nothing
    waivers: HtmlTable | None = None  # the rulebook's waivers, after its rules
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    explanation: tuple[HtmlTable, ...] = ()  # ?explain=FILE:LINE: why it got its verdict
    explained: str = ""  # what was explained, or why it could not be


def status_line(result: Audit) -> str:
    errors, warnings, waived = len(result.errors), len(result.warnings), len(result.waived)
    if not errors and not warnings:
        return f"Compliant: {tally(0, 0, zero='no', waived=waived)}"
    return tally(errors, warnings, waived=waived)


def period_text(start: datetime.date | None, end: datetime.date | None) -> str:
    if start is None and end is None:
        return "all dates"
    return f"{text_value(start) or '…'} to {text_value(end) or '…'}"


def findings_table(findings: Sequence[Finding], folder: str, link: Linker,
                   currency: str = DEFAULT_CURRENCY, why: Linker | None = None) -> HtmlTable:
    """The findings register (the one every output shows), its columns in FINDINGS_VIEW;
    with ``why``, each finding links to the explanation of its transaction."""
    latest = findings[-PAGE_ROWS:]  # only the rows shown are built
    register = findings_register(latest, "Findings register", shown_from(folder), currency)
    if len(latest) < len(findings):
        register = noted(register, len(findings))
    cells = html_table(register.select(with_waiver(FINDINGS_VIEW, register)), link)
    if why is None:
        return cells
    links = [Cell("why?", href=why(place.filename, place.lineno))
             for place in register.values("location")]
    return dataclasses.replace(cells, headers=(*cells.headers, "explanation"),
                               numeric=(*cells.numeric, False),
                               rows=tuple((*row, cell) for row, cell in zip(cells.rows, links)))


def rules_table(ruleset: RuleSet, day: datetime.date, folder: str, link: Linker) -> HtmlTable:
    """The rulebook's rules table (the one ``aipo-budget rules`` prints), paths shown from the
    ledger's folder."""
    return html_table(rulebook.rules_table(ruleset, day, lambda path: relative_to(path, folder)),
                      link)


def waivers_table(ruleset: RuleSet, day: datetime.date, folder: str, link: Linker) -> HtmlTable:
    """The rulebook's waivers table (the one ``aipo-budget rules`` prints)."""
    return html_table(
        rulebook.waivers_table(ruleset, day, lambda path: relative_to(path, folder)), link)


# A page of thousands of register rows takes seconds to render and is of no use on screen:
# the page shows the latest rows, the whole register is in `aipo-budget report`.
PAGE_ROWS = 200


def shorten(table: Table, limit: int = PAGE_ROWS) -> Table:
    """``table`` with at most its last ``limit`` rows; its totals still cover every row."""
    if len(table.rows) <= limit:
        return table
    return noted(dataclasses.replace(table, rows=table.rows[-limit:]), len(table.rows))


def noted(table: Table, total: int) -> Table:
    """``table``, the latest rows of ``total``, with the note saying so."""
    note = shortened_note(table.name, len(table.rows), total, bool(table.totals))
    return dataclasses.replace(table, notes=(*table.notes, note))


# --- assembling ---------------------------------------------------------------------------


def build_page(
    result: Audit,
    *,
    as_of: datetime.date,
    folder: str,
    link: Linker,
    tables: Sequence[Table] = (),
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    notes: Sequence[str] = (),
    why: Linker | None = None,
) -> Page:
    """The page for ``result``; findings and tables limited to ``start``..``end`` if given."""
    facts = result.facts
    period = Period(start, end)
    shown = [f for f in result.findings if f.date in period]
    page_notes = list(notes)
    hidden = len(result.findings) - len(shown)
    if hidden:
        page_notes.append(f"{hidden} finding{'s' * (hidden != 1)} dated outside "
                          f"{period_text(start, end)} not shown in the register.")
    summary = (f"As of {as_of}: {len(facts.outflows)} surplus outflows and "
               f"{len(facts.transfers)} transfers-in judged by {len(result.ruleset.rules)} "
               f"rules from {relative_to(result.ruleset.folder, folder)}/.")
    if not facts.has_fund:
        summary += (f" No Surplus Fund accounts ({facts.conventions.fund} and its sub-accounts) were"
                    " found: only the ledger's own validity was checked.")
    rules_day = min(end, as_of) if end else as_of
    return Page(
        status=status_line(result),
        compliant=not result.errors and not result.warnings,
        errors=len(result.errors),
        warnings=len(result.warnings),
        waived=len(result.waived),
        summary=summary,
        period=period_text(start, end),
        findings=findings_table(shown, folder, link, facts.conventions.currency, why),
        rules=rules_table(result.ruleset, rules_day, folder, link),
        waivers=waivers_table(result.ruleset, rules_day, folder, link),
        tables=tuple(html_table(t, link) for t in tables),
        notes=tuple(page_notes),
    )


def explanation(result: Audit, entries: Sequence[Any], location: str, folder: str,
                link: Linker) -> tuple[tuple[HtmlTable, ...], str]:
    """The explanation of the transaction at ``location`` (``FILE:LINE``, the file as loaded),
    as `aipo-budget explain` prints it, and what was explained or why it could not be."""
    from aipo_budget.outputs.explain import LocationError, explain
    from aipo_budget.outputs.explain.locate import split_location

    try:
        filename, line = split_location(location)
    except LocationError:
        return (), f"Cannot explain {location[:80]!r}: expected FILE:LINE."
    try:
        tables = explain(result, entries, filename, line, shown_from(folder))
    except LocationError as exc:
        return (), f"Cannot explain {relative_to(filename, folder)}:{line}: {exc}"
    # named apart from the page's own sections (its findings register, its rules)
    return (tuple(html_table(dataclasses.replace(t, name=f"explain-{t.name}"), link)
                  for t in tables),
            f"Why {relative_to(filename, folder)}:{line} got its verdict")


RULES_UNREADABLE = "Not checked: the Surplus Fund rules could not be read"


def problem_page(problem: str, status: str = RULES_UNREADABLE) -> Page:
    """The page when there is no audit to show (invalid rules or config, or a bug)."""
    return Page(
        status=status,
        compliant=False, errors=0, warnings=0, summary="", period="",
        findings=None, rules=None, problems=(problem,),
    )

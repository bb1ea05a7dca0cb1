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
from aipo_budget.outputs.render import text_value
from aipo_budget.outputs.table import Kind, Location, Status, shown_from
from aipo_budget.outputs.tables import findings_register, rulebook, shortened_note
from aipo_budget.outputs.tables.context import HUNDRED
from aipo_budget.outputs.tables.registers import with_waiver

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
    tone: str | None = None  # a status: "alarming" or "worrying"

    @property
    def css(self) -> str:
        """Alignment, sign, bar, tone, and the layout: short texts on one line, long ones
        wrapped in a column wide enough (one string for the template: thousands of cells)."""
        size = len(self.text)
        layout = ("sf-nowrap" if self.nowrap or self.numeric or size <= SHORT_TEXT
                  else "sf-longer" if size > LONGER_TEXT
                  else "sf-long" if size > LONG_TEXT else "sf-wrap")
        return "".join(("num" if self.numeric else "", " sf-negative" if self.negative else "",
                        " sf-barcell" if self.bar else "",
                        f" sf-{self.tone}" if self.tone else "", " ", layout))


@dataclass(frozen=True)
class HtmlTable:
    name: str
    title: str
    headers: tuple[str, ...]
    numeric: tuple[bool, ...]
    rows: tuple[tuple[Cell, ...], ...]
    totals: tuple[Cell, ...] | None = None
    notes: tuple[str, ...] = ()


def value_cell(value: Any, kind: Kind, link: Linker) -> Cell:
    """One cell of a column of ``kind``, as the text renderers show it."""
    if value is None:
        return Cell("")
    text = text_value(value, kind)
    if kind.numeric:
        return Cell(text, numeric=True, negative=value < 0)
    if kind is Kind.DATE:
        return Cell(text, nowrap=True)
    if kind is Kind.STATUS:
        return Cell(text, tone=value.tone if isinstance(value, Status) else None)
    if kind is Kind.LOCATION and isinstance(value, Location):
        return Cell(str(value), href=link(value.filename, value.lineno), nowrap=True)
    if kind is Kind.DOCUMENT and isinstance(value, Location):
        # Fava serves only documents it knows of: the evidence file is named as written
        return Cell(value.shown or value.filename)
    return Cell(text)


def ladder(percent: Decimal, status: Status | None, warn_at: Decimal | None) -> str:
    """Where a utilisation stands on the ceiling ladder: within, warning or exceeded. The
    row's ceiling status decides; without one, ``percent`` against ``warn_at`` and 100."""
    if isinstance(status, Status):
        return {"alarming": "exceeded", "worrying": "warning"}.get(status.tone or "", "within")
    if percent > HUNDRED:
        return "exceeded"
    return "warning" if warn_at is not None and percent >= warn_at else "within"


def _row(table: Table, row: Mapping[str, Any], link: Linker) -> tuple[Cell, ...]:
    cells = [value_cell(row.get(column.key), column.kind, link) for column in table.columns]
    percent = row.get("pct_used")
    if table.name == "budget" and percent is not None:
        # the budget's utilisation bar, coloured by the row's ceiling status (else warn_at)
        at = table.keys.index("pct_used")
        width = min(max(percent, Decimal(0)), HUNDRED)
        bar = Bar(f"{width:.1f}", ladder(percent, row.get("status"), row.get("warn_at")))
        cells[at] = dataclasses.replace(cells[at], bar=bar, nowrap=True)
    return tuple(cells)


def html_table(table: Table, link: Linker) -> HtmlTable:
    """``table`` as cells, column by column by kind; ``link`` links a ledger line to Fava."""
    return HtmlTable(table.name, table.title, tuple(c.label for c in table.columns),
                     tuple(c.kind.numeric for c in table.columns),
                     tuple(_row(table, row, link) for row in table.rows),
                     _row(table, table.totals, link) if table.totals else None, table.notes)


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
    cells = html_table(register.select(with_waiver(FINDINGS_VIEW, register)), link)
    if why is None:
        return cells
    links = [Cell("why?", href=why(place.filename, place.lineno))
             for place in register.values("location")]
    return dataclasses.replace(cells, headers=(*cells.headers, "explanation"),
                               numeric=(*cells.numeric, False),
                               rows=tuple((*row, cell) for row, cell in zip(cells.rows, links)))


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
        rules=html_table(rulebook_tables[0], link), waivers=html_table(rulebook_tables[1], link),
        tables=tuple(html_table(t, link) for t in tables), notes=tuple(notes),
    )


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
    return (tuple(html_table(dataclasses.replace(t, name=f"explain-{t.name}"), link)
                  for t in tables),
            f"Why {relative_to(filename, folder)}:{line} got its verdict")

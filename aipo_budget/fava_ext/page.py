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
from aipo_budget.core.tally import NO_FUND, judged_by, plural, tally
from aipo_budget.outputs.html import Bar, Cell, HtmlTable, html_table
from aipo_budget.outputs.render import amount_text, percent_text, text_value
from aipo_budget.outputs.table import Column, Kind, Location, Status, shown_from, table
from aipo_budget.outputs.tables import context, findings_register, rulebook, shortened_note
from aipo_budget.core.convert import HUNDRED
from aipo_budget.outputs.tables.fund import fund_position
from aipo_budget.outputs.tables.registers import findings_view

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from markupsafe import Markup

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.findings import Finding
    from aipo_budget.fava_ext.proposal import Answer, Choices, Form
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
# So that no table scrolls sideways in a window 1,024 px wide, a table shows the columns an
# officer reads first; the others are in the row's details ("more"). A table not named here
# shows its first MOST_COLUMNS columns.
VISIBLE = {
    "findings": ("severity", "date", "condition", "amount", "rule", "why"),
    "disbursements": ("date", "payee", "narration", "amount", "approved_by", "findings"),
    "budget": ("project", "category", "allocation", "surplus", "remaining", "pct_used",
               "status"),
    "rules": ("rule", "title", "severity", "version", "effective"),
    "waivers": ("waiver", "covers", "project", "max_amount", "valid_until", "status"),
    "approvals": ("date", "payee", "name", "role", "status"),
    "proposal-findings": ("severity", "rule", "condition", "location"),
    "headroom": ("measure", "project", "amount", "percent", "number", "note"),
}
MOST_COLUMNS = 6
# The page's tables, in the order an officer reads them; folded ones start closed.
ORDER = ("disbursements", "budget", "cofunding", "fund-statement", "approvals", "contributions")
FOLDED = ("contributions",)
# Tables that are life to date at the period end by nature (the others cover the period).
LIFE_TO_DATE = ("budget", "cofunding")


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
    """Alignment, marks, and the layout: numbers and dates on one line, texts wrapped, the
    long ones in a column wide enough (one string for the template: thousands of cells)."""
    size = len(text)
    nowrap = kind.numeric or kind is Kind.DATE
    layout = ("sf-nowrap" if nowrap else "sf-longer" if size > LONGER_TEXT
              else "sf-long" if size > LONG_TEXT else "sf-wrap" if size > SHORT_TEXT
              else "sf-short")
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


def _bar(row: Mapping[str, Any]) -> Bar | None:
    """The bar of a budget row's utilisation, coloured by the row's ceiling status (else its
    warn_at); None when the row has no utilisation."""
    percent = row.get("pct_used")
    if percent is None:
        return None
    return Bar(f"{min(max(percent, Decimal(0)), HUNDRED):.1f}",
               ladder(percent, row.get("status"), row.get("warn_at")))


def _with_bar(row: Mapping[str, Any] | None, cells: tuple[Cell, ...], at: int
              ) -> tuple[Cell, ...]:
    if row is None or (bar := _bar(row)) is None:
        return cells
    marks = ("negative", "barcell") if row["pct_used"] < 0 else ("barcell",)
    shown = dataclasses.replace(cells[at], bar=bar,
                                css=_classes(Kind.PERCENT, cells[at].text, marks))
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


@dataclass(frozen=True)
class PageTable:
    """A table as the page shows it: the columns ``visible`` in the row, the ``more`` in
    the row's details; ``folded`` tables start closed."""

    html: HtmlTable
    visible: tuple[int, ...]
    more: tuple[int, ...]
    folded: bool = False

    name = property(lambda self: self.html.name)
    title = property(lambda self: self.html.title)
    notes = property(lambda self: self.html.notes)
    rows = property(lambda self: self.html.rows)
    totals = property(lambda self: self.html.totals)

    @property
    def headers(self) -> list[Cell]:
        return [self.html.headers[i] for i in self.visible]

    def shown(self, row: Sequence[Cell]) -> list[Cell]:
        return [row[i] for i in self.visible]

    def details(self, row: Sequence[Cell]) -> list[tuple[str, Cell]]:
        """The row's other columns that say something: (header, cell)."""
        return [(self.html.headers[i].text, row[i]) for i in self.more if row[i].text]


def laid_out(html: HtmlTable, keys: Sequence[str], folded: bool = False) -> PageTable:
    """``html`` (its columns ``keys``) with the columns :data:`VISIBLE` names for it in the
    row, the others in its details."""
    wanted = VISIBLE.get(html.name, tuple(keys[:MOST_COLUMNS]))
    visible = tuple(i for i, key in enumerate(keys) if key in wanted)
    return PageTable(html, visible, tuple(i for i in range(len(keys)) if i not in visible),
                     folded)


def page_table(table: Table, link: Linker, folded: bool = False) -> PageTable:
    return laid_out(cells(table, link), table.keys, folded)


# --- the fund at a glance ---------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    note: str = ""
    tone: str = ""  # "alarming" below zero


@dataclass(frozen=True)
class ProjectUse:
    """A project's allocation used and left, with its bar and its period's days left."""

    project: str
    used: str
    left: str
    bar: Bar | None
    days: str


@dataclass(frozen=True)
class Glance:
    figures: tuple[Figure, ...] = ()
    projects: tuple[ProjectUse, ...] = ()
    charts: tuple[tuple[str, Markup], ...] = ()  # (title, svg)


def _days(terms: Any, day: datetime.date) -> str:
    if terms.period is None:
        return "no project period in the rules"
    if day < terms.start:
        return (f"period {terms.start} to {terms.end}: starts in "
                f"{plural((terms.start - day).days, 'day')}")
    if day <= terms.end:
        return f"period ends {terms.end}: {plural((terms.end - day).days, 'day')} left"
    if terms.close is not None and day < terms.close:
        return (f"period ended {terms.end}; costs incurred in it may be paid until "
                f"{terms.close} ({plural((terms.close - day).days, 'day')} left)")
    return f"closed on {terms.close}: what was not spent has lapsed"


def _project_use(row: Mapping[str, Any], ctx: Any, money: Callable[[Decimal], str]
                 ) -> ProjectUse | None:
    """A project row of the budget table as the page's line on it; None for a category row,
    a project without allocation, and a closed project with nothing left."""
    allocation, project = row.get("allocation"), row.get("project")
    if not allocation or not project or row.get("category") not in (None, "(all)"):
        return None
    terms = ctx.terms(project)
    spent = row.get("surplus") or Decimal(0)
    left = allocation - spent
    if terms.closed and left <= 0:
        return None
    percent = row.get("pct_used")
    return ProjectUse(
        project, f"{money(spent)} of {money(allocation)} used"
        + (f" ({percent_text(percent)})" if percent is not None else ""),
        f"{money(left)} left" if left >= 0 else f"{money(-left)} over the allocation",
        _bar(row), _days(terms, ctx.end))


def glance(result: Audit, tables: Sequence[Table], start: datetime.date | None,
           end: datetime.date | None, ledger: str) -> Glance:
    """The headline figures at the end of the period shown, each project open or with
    allocation left, and the two charts (those of the audit pack)."""
    from aipo_budget.outputs.pack.html import charts_of

    if not result.facts.has_fund:
        return Glance()
    ctx = context(result, start, end, ledger)
    at, currency = fund_position(ctx), ctx.currency

    def money(amount: Decimal) -> str:
        return f"{amount_text(amount)} {currency}"

    figures = (
        Figure("Fund balance", money(at.closing), f"on {ctx.end}"),
        Figure("Above the reserve floor", money(at.headroom), f"floor {money(at.floor)}",
               "alarming" if at.headroom < 0 else ""),
        Figure("Committed", money(at.committed), "allocated to open projects, not yet spent"),
        Figure("Available for new allocations", money(at.available),
               "balance - reserve floor - committed", "alarming" if at.available < 0 else ""),
    )
    budget = next((t for t in tables if t.name == "budget"), None)
    projects = [use for row in (budget.rows if budget else ())
                if (use := _project_use(row, ctx, money)) is not None]
    charts = tuple((c["title"], c["svg"]) for c in charts_of(tables, ctx))
    return Glance(figures, tuple(projects), charts)


# --- the page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposing:
    """The "can we pay this?" form: what it offers, what was filled in, and the answer."""

    offered: Choices
    form: Form
    answer: Answer | None = None
    tables: tuple[PageTable, ...] = ()


@dataclass(frozen=True)
class Page:
    status: str
    compliant: bool = False
    errors: int = 0
    summary: str = ""
    period: str = ""
    glance: Glance = Glance()
    findings: PageTable | None = None
    rules: PageTable | None = None
    waivers: PageTable | None = None  # the rulebook's waivers, after its rules
    tables: tuple[PageTable, ...] = ()
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    explanation: tuple[PageTable, ...] = ()  # ?explain=FILE:LINE: why it got its verdict
    explained: str = ""  # what was explained, or why it could not be
    proposing: Proposing | None = None
    converted: tuple[tuple[str, str], ...] = ()  # (title, link): Fava's reports in USD


def period_text(start: datetime.date | None, end: datetime.date | None) -> str:
    if start is None and end is None:
        return "all dates"
    return f"{text_value(start) or '…'} to {text_value(end) or '…'}"


def shorten(table: Table) -> Table:
    """``table`` with at most its last PAGE_ROWS rows; its totals still cover every row."""
    if len(table.rows) <= PAGE_ROWS:
        return table
    return noted(dataclasses.replace(table, rows=table.rows[-PAGE_ROWS:]), len(table.rows))


def noted(table: Table, total: int) -> Table:
    """``table``, the latest rows of ``total``, with the note saying so."""
    note = shortened_note(table.name, len(table.rows), total, bool(table.totals))
    return dataclasses.replace(table, notes=(*table.notes, note))


def retitled(table: Table, end: datetime.date | None) -> Table:
    """A table built with bare titles (the page says the period once, above the tables),
    "life to date at END" added where it is life to date by nature and the period ends."""
    if table.name not in LIFE_TO_DATE or end is None:
        return table
    return dataclasses.replace(table, title=f"{table.title}, life to date at {end}")


def findings_table(findings: Sequence[Finding], folder: str, link: Linker,
                   currency: str = DEFAULT_CURRENCY, why: Linker | None = None) -> PageTable:
    """The findings register (the one every output shows), its columns in FINDINGS_VIEW and
    the waiver when there is one; with ``why``, each finding on a transaction links to its
    explanation (`aipo-budget explain` explains transactions)."""
    from beancount.core import data

    latest = findings[-PAGE_ROWS:]  # only the rows shown are built
    register = findings_register(latest, "Findings register", shown_from(folder), currency)
    if len(latest) < len(findings):
        register = noted(register, len(findings))
    view = findings_view(register, FINDINGS_VIEW)
    shown = cells(view, link)
    if why is None:
        return laid_out(shown, view.keys)
    links = [Cell("why?", _classes(Kind.TEXT, "why?", ()), why(place.filename, place.lineno))
             if isinstance(f.entry, data.Transaction) else Cell("", _classes(Kind.TEXT, "", ()))
             for f, place in zip(latest, register.values("location"))]
    shown = dataclasses.replace(shown, headers=(*shown.headers, Cell("explanation")),
                                rows=tuple((*row, cell) for row, cell in zip(shown.rows, links)))
    return laid_out(shown, (*view.keys, "why"))


def _summary(result: Audit, start: datetime.date | None, end: datetime.date | None,
             as_of: datetime.date, folder: str) -> str:
    facts, period = result.facts, Period(start, end)
    outflows = sum(1 for o in facts.outflows if o.date in period)
    transfers = sum(1 for t in facts.transfers if t.date in period)
    when = (f"As of {as_of}" if start is None and end is None
            else f"From {text_value(start) or 'the beginning'} to {text_value(end) or as_of}")
    summary = (f"{when}: " + judged_by(outflows, transfers, len(result.ruleset.rules),
                                       relative_to(result.ruleset.folder, folder)) + "/.")
    return summary + ("" if facts.has_fund else " " + NO_FUND)


def build_page(result: Audit, *, as_of: datetime.date, folder: str, link: Linker,
               tables: Sequence[Table] = (), start: datetime.date | None = None,
               end: datetime.date | None = None, notes: Sequence[str] = (),
               why: Linker | None = None, ledger: str = "") -> Page:
    """The page for ``result``; findings and tables limited to ``start``..``end`` if given."""
    facts = result.facts
    shown = [f for f in result.findings if f.date in Period(start, end)]
    hidden = len(result.findings) - len(shown)
    if hidden:
        notes = [*notes, f"{plural(hidden, 'finding')} dated outside "
                         f"{period_text(start, end)} not shown in the register."]
    errors, warnings, waived = len(result.errors), len(result.warnings), len(result.waived)
    compliant = not errors and not warnings
    day = min(end, as_of) if end else as_of
    rulebook_tables = rulebook.rulebook(result.ruleset, day, ("rules", "waivers"),
                                        lambda path: relative_to(path, folder))
    by_name = {t.name: t for t in (*tables, *approvals(result, start, end, folder))}
    return Page(
        status=(f"Compliant: {tally(0, 0, zero='no', waived=waived)}" if compliant
                else tally(errors, warnings, waived=waived)),
        compliant=compliant, errors=errors,
        summary=_summary(result, start, end, as_of, folder), period=period_text(start, end),
        glance=glance(result, tables, start, end, ledger),
        findings=findings_table(shown, folder, link, facts.conventions.currency, why),
        rules=page_table(rulebook_tables[0], link), waivers=page_table(rulebook_tables[1], link),
        tables=tuple(page_table(retitled(by_name[name], end), link, folded=name in FOLDED)
                     for name in ORDER if name in by_name),
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
                link: Linker, files: Sequence[str] = ()) -> tuple[tuple[PageTable, ...], str]:
    """The explanation of the transaction at ``location`` (``FILE:LINE``, the file as loaded,
    or relative to the ledger's ``folder`` as findings print it; ``files`` are the ledger's),
    as `aipo-budget explain` prints it, and what was explained or why it could not be."""
    from aipo_budget.outputs.explain import LocationError, explain, split_location
    from aipo_budget.outputs.explain.locate import ledger_file, listed

    try:
        given, line = split_location(location)
    except LocationError:
        return (), f"Cannot explain {location[:80]!r}: expected FILE:LINE."
    filename = ledger_file(files, folder, given)
    if filename is None:
        return (), (f"Cannot explain {location[:80]!r}: not a file of the ledger (its files: "
                    f"{listed(files, lambda f: relative_to(f, folder))}).")
    try:
        tables = explain(result, entries, filename, line, shown_from(folder))
    except LocationError as exc:
        return (), f"Cannot explain {relative_to(filename, folder)}:{line}: {exc}"
    # named apart from the page's own sections (its findings register, its rules)
    return (tuple(page_table(dataclasses.replace(t, name=f"explain-{t.name}"), link)
                  for t in tables),
            f"Why {relative_to(filename, folder)}:{line} got its verdict")


def proposing(offered: Choices, form: Form, answer: Answer | None, link: Linker,
              folder: str) -> Proposing:
    """The form, and its answer as the tables of ``check --pending``."""
    from aipo_budget.outputs.pending.judge import verdict_tables

    if answer is None or answer.verdict is None:
        return Proposing(offered, form, answer)
    shown = verdict_tables(answer.verdict, "The proposal", shown_from(folder))
    names = {"findings": "proposal-findings", "headroom": "headroom"}
    return Proposing(offered, form, answer, tuple(
        page_table(dataclasses.replace(t, name=names.get(t.name, t.name)), link)
        for t in shown))

"""Fava extension: the Surplus Fund page (status, findings register, rules and waivers, audit
tables). Add to the top-level ledger file, next to the plugin line::

    2002-01-01 custom "fava-extension" "aipo_budget.fava_ext" "rules"

The config is the rules folder relative to the ledger file's folder, as for the plugin. The
ledger is audited once per load, by the same :func:`audit` as the plugin and the CLI (or not at
all when the plugin line made that audit during the load, :mod:`aipo_budget.core.reuse`); each
request only builds the tables for Fava's time filter. Rules that cannot be read are shown on
the page; Fava keeps working.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import gc
import logging
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fava.context import g
from fava.ext import FavaExtensionBase
from flask import request, url_for

from aipo_budget.core.engine import audit
from aipo_budget.core.ledger import beancount_errors, unreadable
from aipo_budget.core.params import FIRST_DATE, LAST_DATE
from aipo_budget.core.paths import rules_folder
from aipo_budget.core.reuse import reused
from aipo_budget.core.rules import RulesError, load_rules
from aipo_budget.fava_ext import proposal
from aipo_budget.fava_ext.page import (
    PAGE_ROWS, TABLE_NAMES, Page, Proposing, build_page, explanation, proposing, read_settings,
    relative_to, shorten,
)
from aipo_budget.outputs.tables import build_tables as audit_tables

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from fava.core import FavaLedger

    from aipo_budget.core.engine import Audit
    from aipo_budget.outputs.table import Table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """The audit of one load of the ledger, or why there is none."""

    ledger_folder: str
    as_of: datetime.date
    result: Audit | None = None
    problems: tuple[str, ...] = ()
    status: str = "Not checked: the Surplus Fund rules could not be read"


def load(options: dict[str, Any], entries: Sequence[Any], errors: Sequence[Any],
         config: str | None, as_of: datetime.date) -> Loaded:
    """Audit the loaded ledger, or reuse the audit its plugin line made during the load (see
    :mod:`aipo_budget.core.reuse`); bad config or rules become a problem to show, not a crash."""
    ledger = str(options.get("filename") or "")
    ledger_folder = os.path.dirname(ledger) or os.getcwd()
    fatal = unreadable(errors, ledger)
    if fatal:  # as `check` refuses it: a verdict and figures without those lines are not whole
        return Loaded(ledger_folder, as_of, problems=tuple(
            f"{relative_to(f, ledger_folder)}{f':{n}' if n else ''}: {m}" for f, n, m in fatal),
            status="Not checked: the ledger could not be read (Beancount's errors below)")
    try:
        settings = read_settings(config)
    except ValueError as exc:
        return Loaded(ledger_folder, as_of, problems=(str(exc),))
    try:
        ruleset = load_rules(rules_folder(ledger, settings.rules))
    except RulesError as exc:
        where = relative_to(exc.filename, ledger_folder) + (f":{exc.lineno}" if exc.lineno else "")
        return Loaded(ledger_folder, as_of, problems=(f"{where}: invalid rules: {exc.message}",))
    # our plugin's errors are findings already: keep Beancount's own
    errors = beancount_errors(errors)
    return Loaded(ledger_folder, as_of, reused(options, entries, ruleset, errors, as_of)
                  or audit(entries, ruleset, as_of, errors, options=options))


def tables_builder() -> Callable[..., Sequence[Table]]:
    """The function that builds the audit tables (a seam for the page's tests); the registers
    are built with only the rows the page shows, the titles without the period (the page says
    it once, above them)."""
    return functools.partial(audit_tables, latest=PAGE_ROWS, bare_titles=True)


def build_tables(result: Audit, start: datetime.date | None, end: datetime.date | None,
                 ledger: str) -> tuple[list[Table], list[str]]:
    """The audit tables for the period, and notes for the page when there are none."""
    try:
        tables = tables_builder()(result, start=start, end=end, names=list(TABLE_NAMES),
                                  ledger=ledger)
        return [shorten(table) for table in tables], []
    except Exception as exc:  # noqa: BLE001 - one broken table must not take the page down
        log.exception("aipo_budget: building the audit tables failed")
        return [], [f"The audit tables could not be built: {type(exc).__name__}: {exc}"]


class SurplusFund(FavaExtensionBase):
    """The Surplus Fund page."""

    report_title = "Surplus Fund"

    def __init__(self, ledger: FavaLedger, config: str | None = None) -> None:
        # Fava would literal_eval the config, and a bare folder such as "rules" would then
        # crash the whole ledger load (ValueError); read_settings parses it instead.
        super().__init__(ledger)
        self.config = config
        self.loaded: Loaded | None = None
        self.sources: frozenset[str] = frozenset()
        self.offered: proposal.Choices | None = None  # the form's, made once per load

    def after_load_file(self) -> None:
        ledger = self.ledger
        self.sources = frozenset(ledger.options["include"])
        self.offered = None
        try:
            self.loaded = load(ledger.options, ledger.all_entries, ledger.load_errors,
                               self.config, datetime.date.today())
        except Exception as exc:  # noqa: BLE001 - a bug here must not stop Fava showing the books
            log.exception("aipo_budget: the Surplus Fund audit failed")
            self.loaded = Loaded(os.path.dirname(ledger.beancount_file_path),
                                 datetime.date.today(),
                                 problems=(f"internal error: {type(exc).__name__}: {exc} "
                                           "(this is a bug; please report it)",),
                                 status="Not checked: the audit failed")
        # The audit runs with the loaded ledger frozen (core.engine.settled_heap); the full
        # collection that then falls due (about 0.5 s at 100k transactions) is made while
        # Fava is loading anyway, not with the first request after the load.
        gc.collect()

    def editor_link(self, filename: str, lineno: int) -> str | None:
        """Fava's editor at the line, as its Errors page links it; None outside the sources."""
        if 0 < lineno and filename in self.sources:
            return url_for("report", report_name="editor", file_path=filename, line=lineno)
        return None

    def page(self) -> Page:
        """Everything the template shows, for this request's time filter."""
        if self.loaded is None or self.loaded.as_of != datetime.date.today():
            self.after_load_file()  # a new day may close a project: audited as `check` would
        loaded: Loaded = self.loaded  # type: ignore[assignment]
        if loaded.result is None:  # an unreadable ledger, invalid rules or config, or a bug
            return Page(loaded.status, problems=loaded.problems)
        try:
            date_range = g.filtered.date_range
            if date_range and not FIRST_DATE <= date_range.begin <= date_range.end_inclusive \
                    <= LAST_DATE:  # the years report --period takes
                raise ValueError(f"outside {FIRST_DATE}..{LAST_DATE}")
        except (ValueError, OverflowError) as exc:  # Fava's parse: a month 13, a year 0...
            return Page(loaded.status, problems=(
                f"The time filter {request.args.get('time', '')[:80]!r} cannot be read "
                f"({type(exc).__name__}: {str(exc)[:200]}): clear it, or write a period as "
                "`aipo-budget report --period` takes it (2006, 2006-Q1, 2006-01 - 2006-06).",))
        start = date_range.begin if date_range else None
        end = date_range.end_inclusive if date_range else None  # Fava's end is exclusive
        tables, notes = build_tables(loaded.result, start, end, self.ledger.beancount_file_path)
        if request.args.get("account") or request.args.get("filter"):
            notes.append("Fava's account and advanced filters do not apply to this page; "
                         "only the time filter does.")
        page = build_page(loaded.result, as_of=loaded.as_of, folder=loaded.ledger_folder,
                          link=self.editor_link, tables=tables, start=start, end=end,
                          notes=notes, why=self.explain_link,
                          ledger=self.ledger.beancount_file_path)
        page = dataclasses.replace(page, proposing=self.proposing(loaded),
                                   converted=self.converted(loaded.result))
        location = request.args.get("explain")
        if not location:
            return page
        try:
            shown, explained = explanation(
                loaded.result, self.ledger.all_entries, location, loaded.ledger_folder,
                self.editor_link, [str(f) for f in self.ledger.options.get("include", [])])
        except Exception as exc:  # noqa: BLE001 - a bad ?explain= must not take the page down
            log.exception("aipo_budget: explaining %r failed", location[:200])
            shown, explained = (), f"Cannot explain {location[:80]!r}: {type(exc).__name__}"
        return dataclasses.replace(page, explanation=shown, explained=explained)

    def converted(self, result: Audit) -> tuple[tuple[str, str], ...]:
        """Fava's own reports converted to the operating currency (one currency's line
        otherwise flattens the others in its charts), for this request's time filter."""
        currency = result.facts.conventions.currency
        time = {"time": request.args["time"]} if request.args.get("time") else {}
        return tuple((title, url_for("report", report_name=name, conversion=currency, **time))
                     for name, title in (("balance_sheet", "Balance Sheet"),
                                         ("income_statement", "Income Statement"),
                                         ("trial_balance", "Trial Balance")))

    def proposing(self, loaded: Loaded) -> Proposing:
        """The "can we pay this?" form, judged when it was sent (``?propose=1``)."""
        # read once: Fava reloads the ledger on another request's thread, which sets
        # self.offered to None, and the form must show the choices its answer was judged with
        offered = self.offered
        if offered is None:
            offered = self.offered = proposal.choices(loaded.result, loaded.ledger_folder,
                                                      self.ledger.all_entries)
        form = proposal.read_form(request.args)
        answer = (proposal.answer(form, offered, loaded.result, self.ledger.beancount_file_path)
                  if request.args.get("propose") else None)
        return proposing(offered, form, answer, self.editor_link, loaded.ledger_folder)

    def explain_link(self, filename: str, lineno: int) -> str | None:
        """This page explaining the transaction at the line (`aipo-budget explain`)."""
        if self.editor_link(filename, lineno) is None:
            return None
        return url_for("extension_report", extension_name=type(self).__name__,
                       explain=f"{filename}:{lineno}") + "#sf-explanation"

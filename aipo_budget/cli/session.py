"""One run of the command line: the ledger and its rules read, audited once, and summarised.

Unreadable input is an :class:`InputError` (``file:line: message``, exit status 2).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click
from beancount.core import data

from aipo_budget.cli import cache, progress
from aipo_budget.core import paths
from aipo_budget.cli.cache import CheckSummary
from aipo_budget.core.engine import Audit, audit
from aipo_budget.core.evidence import documents_roots
from aipo_budget.core.ledger import LedgerInputError, check_ledger_path, load_ledger
from aipo_budget.core.reuse import reused
from aipo_budget.core.rules import RulesError, load_rules
from aipo_budget.core.seals import seal_inputs
from aipo_budget.core.signatures import approvals_folder, signature_files
from aipo_budget.core.tally import NO_FUND, judged_by, plural, tally

if TYPE_CHECKING:
    from aipo_budget.core.rules import RuleSet
    from aipo_budget.outputs.pending.proposals import ProposalError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
SHOWN_PROBLEMS = 20  # input problems listed up to a screenful; a count says how many more


class InputError(click.ClickException):
    """Input that cannot be read: printed as ``file:line: message``, exit status 2."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


@dataclass
class Loaded:
    ledger: str
    rules_folder: str
    as_of: datetime.date
    result: Audit
    entries: list[Any]
    options: dict[str, Any]


def rules_folder_for(ledger: str, rules: str | None) -> str:
    return rules or paths.rules_folder(ledger)


def read_rules(folder: str, ledger: str) -> RuleSet:
    try:
        return load_rules(folder)
    except RulesError as exc:
        raise InputError(f"{paths.as_given(exc.filename, ledger)}"
                         + (f":{exc.lineno}" if exc.lineno else "")
                         + f": invalid rules: {exc.message}") from None


def unreadable(exc: LedgerInputError | ProposalError) -> InputError:
    """The problems of a ledger (or of proposals) that cannot be read, as one error (a
    screenful at most)."""
    lines = [f"{f}:{n}: {m}" if n else f"{f}: {m}" for f, n, m in exc.problems]
    more = len(lines) - SHOWN_PROBLEMS
    if more > 0:
        lines = [*lines[:SHOWN_PROBLEMS], f"... and {plural(more, 'more error')}"]
    return InputError("\n".join(lines))


def readable(ledger: str) -> None:
    """InputError when ``ledger`` is missing or not a readable file."""
    try:
        check_ledger_path(ledger)
    except LedgerInputError as exc:
        raise unreadable(exc) from None


def run_audit(ledger: str, rules: str | None, as_of: datetime.date | None) -> Loaded:
    """Load ledger and rules and audit them; unreadable input raises InputError.

    With ``as_of``, the ledger is judged as it stood that day (later entries left out);
    without, every entry is judged, and today decides which projects are closed. The audit
    the ledger's ``plugin`` line made during the load serves when it is this one
    (:mod:`aipo_budget.core.reuse`)."""
    folder = rules_folder_for(ledger, rules)
    day = as_of or datetime.date.today()
    try:
        with progress.stage("reading the ledger"):
            # a missing ledger is what to report, not the missing rules folder beside it
            check_ledger_path(ledger)
            ruleset = read_rules(folder, ledger)
            entries, errors, options = load_ledger(ledger)
    except LedgerInputError as exc:
        raise unreadable(exc) from None
    result = reused(options, entries, ruleset, errors, day, until=as_of)
    if result is None:
        transactions = sum(isinstance(entry, data.Transaction) for entry in entries)
        with progress.stage(f"auditing {plural(transactions, 'transaction')}"):
            result = audit(entries, ruleset, day, errors, until=as_of, options=options)
    return Loaded(ledger, folder, day, result, entries, options)


@dataclass
class CheckRun:
    ledger: str
    rules_folder: str
    as_of: datetime.date
    summary: CheckSummary
    until: datetime.date | None = None  # --as-of: later entries were left out


def checked(ledger: str, rules: str | None, until: datetime.date | None, *,
            reuse: bool = True, store: bool = True) -> CheckRun:
    """What ``check`` reports: the cached summary of unchanged inputs when ``reuse``, else a
    fresh audit, which replaces the cache entry when ``store``. ``until`` is ``--as-of``."""
    day = until or datetime.date.today()
    folder = rules_folder_for(ledger, rules)
    key = cache.Key(ledger, folder, day, until)
    summary = cache.lookup(key) if reuse else None
    if summary is None:
        started = cache.clock()  # the inputs must have settled before the load to be stored
        loaded = run_audit(ledger, rules, until)
        summary = summarize(loaded)
        inputs = inputs_of(loaded) if store else None
        # the ledger is let go before the cache is written and the output made: they reuse
        # its memory, and the run's peak stays that of the audit
        del loaded
        if inputs is not None:  # --no-cache too: its result replaces the entry
            cache.store(key, inputs, summary, since=started)
    return CheckRun(ledger, folder, day, summary, until)


def summarize(loaded: Loaded) -> CheckSummary:
    result = loaded.result
    return CheckSummary(tuple(result.findings), result.facts.has_fund,
                        len(result.facts.outflows), len(result.facts.transfers),
                        len(result.ruleset.rules), result.facts.left_out)


def documents_of(loaded: Loaded) -> set[str]:
    """The files of the ledger's Document entries (the evidence)."""
    return {e.filename for e in loaded.entries if isinstance(e, data.Document)}


def read_by_audit(loaded: Loaded) -> tuple[list[str], list[str]]:
    """The files the load and the audit read (Beancount's ``include`` list, the rules, a seal's
    records and the evidence it covers, the signatures) and the folders whose files it reads
    (the rules, the documents, the approvals): what the cache compares, and what
    ``report --output-file`` must not replace."""
    approvals = approvals_folder(loaded.options)  # the signatures, read when a rule asks
    files = [os.path.abspath(loaded.ledger), *map(str, loaded.options.get("include", [])),
             *loaded.result.ruleset.files, *seal_inputs(loaded.entries, loaded.options),
             *signature_files(approvals)]
    return files, [os.path.abspath(loaded.rules_folder), *documents_roots(loaded.options),
                   *([approvals] if approvals else [])]


def inputs_of(loaded: Loaded) -> cache.Inputs:
    """What the load and the audit read (see aipo_budget.cli.cache): the files Beancount parsed
    (its ``include`` list), the rules, what seals read, the documents folders, the evidence
    files, the plugins; and the folders where a new file could match an ``include`` glob:
    those of the ledger files and those between them and the ledger's own folder."""
    top = os.path.dirname(os.path.abspath(loaded.ledger))
    files, read_folders = read_by_audit(loaded)
    folders = {top, *read_folders}
    for path in [os.path.abspath(loaded.ledger), *map(str, loaded.options.get("include", []))]:
        folder = os.path.dirname(path)
        folders.add(folder)
        while folder.startswith(top + os.sep):  # below the ledger's folder: each one up to it
            folder = os.path.dirname(folder)
            folders.add(folder)
    for root in documents_roots(loaded.options):  # the evidence a name in metadata may find
        folders |= {*(where for where, _dirs, _files in os.walk(root))}
    return cache.Inputs(
        files=files, folders=sorted(folders), evidence=sorted(documents_of(loaded)),
        plugins=[name for name, _config in loaded.options.get("plugin") or ()],
        pythonpath=loaded.options.get("pythonpath") or ())


def summary_line(run: CheckRun) -> str:
    summary = run.summary
    counts = tally(len(summary.errors), len(summary.warnings), waived=len(summary.waived))
    text = (f"{counts}: {paths.shown(run.ledger)} as of {run.as_of}, " + judged_by(
        summary.outflows, summary.transfers, summary.rules, paths.shown(run.rules_folder)))
    if run.until is not None and summary.left_out:  # nothing left out goes unsaid
        text += (f"; {summary.left_out:,} entr{'y' if summary.left_out == 1 else 'ies'} dated "
                 f"after {run.until} left out")
    if not summary.has_fund:
        text += "\n" + NO_FUND
    return text

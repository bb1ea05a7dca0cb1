"""``aipo-budget check --pending FILE``: can these proposed payments be made?

The proposals are loaded with the ledger in memory (nothing is written), judged one by one in
file order (:mod:`aipo_budget.outputs.pending.judge`), and each gets its findings, the headroom
left after it and a verdict. Exit status 0 when every proposal can be paid, 1 when one cannot
(or has warnings, with ``--strict``), 2 when the input cannot be read.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from aipo_budget.cli import progress, session, terminal
from aipo_budget.core.findings import relative, transaction_text
from aipo_budget.core.ledger import LedgerInputError
from aipo_budget.outputs.pending import proposals as proposing
from aipo_budget.outputs.pending.judge import judged, verdict_tables
from aipo_budget.outputs.render import machine_value, render, table_json
from aipo_budget.outputs.table import Column, Kind, shown_from, table
from aipo_budget.core.tally import plural

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.outputs.pending.judge import Verdict
    from aipo_budget.outputs.table import Table

where = shown_from()  # a proposal's or a finding's line, relative to the working folder


def run_pending(ledger: str, rules: str | None, pending: str | None, *, template: bool,
                fmt: str, as_of: datetime.date | None, strict: bool) -> int:
    """The ``check --pending`` command; its exit status."""
    if template:
        from aipo_budget.outputs.pending.template import template_text

        click.echo(template_text(session.run_audit(ledger, rules, as_of).result), nl=False)
        return session.EXIT_OK
    if not pending:
        raise click.UsageError("--pending needs a FILE of proposed transactions, or - for "
                               "standard input (--template prints one to start from)")
    if pending == proposing.STDIN and sys.stdin is None:  # `<&-`: Python has no stdin at all
        raise session.InputError("--pending -: the standard input is closed")
    try:
        name, text = proposing.read(pending)
        found = proposing.parse(name, None if pending == proposing.STDIN
                                else os.path.abspath(pending), text)
    except proposing.ProposalError as exc:
        raise session.unreadable(exc) from None
    verdicts = _judged(ledger, rules, found, as_of)
    for piece in _output(verdicts, found, fmt):
        click.echo(piece, nl=False)
    if any(v.errors for v in verdicts) or (strict and any(v.warnings for v in verdicts)):
        return session.EXIT_FINDINGS
    return session.EXIT_OK


def _judged(ledger: str, rules: str | None, found: proposing.Proposals,
            as_of: datetime.date | None) -> list[Verdict]:
    ruleset = session.read_rules(session.rules_folder_for(ledger, rules), ledger)
    try:
        return judged(ledger, ruleset, found, as_of, progress.stage)
    except LedgerInputError as exc:
        raise session.unreadable(exc) from None
    except proposing.ProposalError as exc:
        raise session.unreadable(exc) from None


def _summary(verdicts: list[Verdict], found: proposing.Proposals, currency: str) -> Table:
    rows = [{"location": where(v.location.filename, v.location.lineno),
             "date": v.proposal.date, "transaction": transaction_text(v.proposal),
             "amount": v.amount, "verdict": v.status, "errors": v.errors,
             "warnings": v.warnings, "caused": v.caused} for v in verdicts]
    return table(
        "proposals", f"Proposed transactions in {found.name}",
        (Column("location", "proposal", Kind.LOCATION), Column("date", "date", Kind.DATE),
         Column("transaction", "transaction"),
         Column("amount", f"from the fund ({currency})", Kind.AMOUNT),
         Column("verdict", "verdict", Kind.STATUS), Column("errors", "errors", Kind.NUMBER),
         Column("warnings", "warnings", Kind.NUMBER),
         Column("caused", "on other entries", Kind.NUMBER)),
        rows, notes=["Each proposal is judged with the ledger and the proposals before it in "
                     "the file, as if paid in that order; nothing was written."])


def _document(verdicts: list[Verdict], found: proposing.Proposals) -> dict[str, Any]:
    root = os.getcwd()  # every path of the document is relative to it, or absolute outside it
    return {"root": root, "pending": found.name, "proposals": [{
        "filename": relative(v.location.filename, root), "lineno": v.location.lineno,
        "date": v.proposal.date.isoformat(), "transaction": transaction_text(v.proposal),
        "verdict": v.status.value, "errors": v.errors, "warnings": v.warnings,
        "amount": machine_value(v.amount, Kind.AMOUNT),
        # the proposal's own findings come first, then those it causes on other entries
        "findings": [{**f.as_dict(root), "caused_by_proposal": i >= len(v.findings) - v.caused}
                     for i, f in enumerate(v.findings)],
        "headroom": table_json(dataclasses.replace(v.room, title="headroom")),
    } for v in verdicts]}


def _output(verdicts: list[Verdict], found: proposing.Proposals, fmt: str) -> Iterator[str]:
    """The output, a piece at a time: a batch of a thousand proposals is megabytes of text,
    which need not be held whole (the text formats are their tables joined by a line)."""
    if fmt == "json":  # the document is the whole answer: each proposal with its headroom
        yield render(fmt, (), _document(verdicts, found))
        return
    if fmt == "csv":
        raise click.UsageError("CSV holds one table and --pending gives several "
                               "(--pending: use table, json or markdown)")
    layout = terminal.layout(fmt)  # a text table fits the terminal's width
    yield render(fmt, [_summary(verdicts, found, verdicts[0].currency)], layout=layout)
    for number, verdict in enumerate(verdicts, 1):
        title = (f"Proposal {number} "
                 f"({where(verdict.location.filename, verdict.location.lineno)})")
        for shown in verdict_tables(verdict, title, where, f"proposal {number}"):
            yield "\n" + render(fmt, [shown], layout=layout)
    payable = sum(1 for v in verdicts if not v.errors)
    footer = (f"{payable} of {plural(len(verdicts), 'proposal')} can be paid"
              if payable < len(verdicts) else
              ("The proposal can be paid" if len(verdicts) == 1
               else f"All {len(verdicts)} proposals can be paid"))
    yield f"\n{footer}.\n"
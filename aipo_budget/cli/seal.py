"""The ``seal`` command: seal the ledger through a date, after an audit (README "Period seals").

It appends a ``custom "aipo-seal"`` entry to ``ledger/seals.beancount`` beside the ledger
(created, and included from the ledger file, if missing) and writes the seal's record under
``ledger/seals/``. Exit status: 0 sealed; 1 refused, because the ledger has Beancount errors or
the period has error findings (``--force --reason TEXT`` seals anyway, and records it); 2 the
input cannot be read, an option is wrong, or another seal of the ledger takes too long.
"""

from __future__ import annotations

import datetime
import os
import sys
from typing import TYPE_CHECKING

import click

from aipo_budget.core.evidence import ledger_folder
from aipo_budget.core.ledger import LedgerInputError, check_ledger_path
from aipo_budget.cli.options import (
    FIRST_DAY,
    fava_period,
    ledger_argument,
    quiet_option,
    rules_option,
)
from aipo_budget.core.paths import as_given
from aipo_budget.core.seals import store
from aipo_budget.core.seals.record import Signing, entry_text, read_seal, record_name, seal_entries
from aipo_budget.core.seals.sidecar import record_text, sha256_text
from aipo_budget.core.seals.snapshot import Ledger
from aipo_budget.cli.session import EXIT_FINDINGS, InputError, run_audit, unreadable
from aipo_budget.core.tally import plural

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.findings import Finding
    from aipo_budget.core.seals.snapshot import Snapshot
    from aipo_budget.cli.session import Loaded

SHOWN_BLOCKING = 5  # error findings listed when a seal is refused; `check` lists them all


def _through(ctx: click.Context, param: click.Parameter, text: str) -> datetime.date:
    """``--through 2006``: the last day of it; a period not yet over cannot be sealed."""
    try:
        day = fava_period(text)[1]
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    today = datetime.date.today()
    if day > today:
        raise click.BadParameter(f"{text} ends on {day}, after today ({today}): a period is "
                                 "sealed once it has ended", ctx=ctx, param=param)
    if day < FIRST_DAY.date():
        raise click.BadParameter(f"{day} is before {FIRST_DAY.date()}", ctx=ctx, param=param)
    return day


def _text(ctx: click.Context, param: click.Parameter, text: str | None) -> str | None:
    if text is not None and not text.split():
        raise click.BadParameter("must not be empty", ctx=ctx, param=param)
    return " ".join(text.split()) if text is not None else None


def blocking(findings: Sequence[Finding], through: datetime.date) -> list[Finding]:
    """The error findings a seal through ``through`` would seal: Beancount's errors wherever
    they are, every other error dated on or before it (or undated)."""
    return [f for f in findings if f.is_error
            and (f.kind == "ledger" or f.date is None or f.date <= through)]


def _refuse(found: list[Finding], through: datetime.date, ledger: str) -> None:
    lines = [f"aipo-budget seal: refused: {plural(len(found), 'error finding')} in the period "
             f"through {through} (Beancount's errors count wherever they are):"]
    for item in found[:SHOWN_BLOCKING]:
        lines.append(f"  {as_given(item.filename, ledger)}:{item.lineno}: {item.message} "
                     f"[{item.rule}]")
    if len(found) > SHOWN_BLOCKING:
        lines.append(f"  ... and {len(found) - SHOWN_BLOCKING} more (aipo-budget check "
                     "lists them all)")
    lines.append("Correct them first, or seal anyway with --force --reason TEXT (recorded in "
                 "the seal).")
    click.echo("\n".join(lines), err=True)


def _covering(loaded: Loaded, through: datetime.date) -> list[str]:
    """Existing seals through ``through`` or later: a new seal adds nothing to them."""
    labels = []
    for entry in seal_entries(loaded.entries):
        if entry.date >= through:
            try:
                seal = read_seal(entry)
            except ValueError:
                continue
            labels.append(f"{seal.label}" + (f" on {seal.sealed_on}" if seal.sealed_on else ""))
    return labels


def _write(loaded: Loaded, signing: Signing, snapshot: Snapshot) -> list[str]:
    """Write the record, the seal entry and the include line; what was written."""
    ledger = loaded.ledger
    path = store.seals_file(ledger)
    name = record_name(snapshot)
    text = record_text(signing, snapshot, ledger_folder(loaded.options),
                       os.path.basename(ledger))
    record = os.path.join(os.path.dirname(path), store.RECORDS_FOLDER, name)
    store.write_atomic(record, text.encode("utf-8", "surrogatepass"))
    created = store.append_entry(path, entry_text(signing, snapshot,
                                                  f"{store.RECORDS_FOLDER}/{name}",
                                                  sha256_text(text)))
    written = [f"{as_given(record, ledger)} (the seal's record)",
               f"{as_given(path, ledger)} ({'created' if created else 'seal appended'})"]
    if store.ensure_included(ledger, path):
        relative = os.path.relpath(path, os.path.dirname(os.path.abspath(ledger)))
        written.append(f'{ledger} (include "{relative.replace(os.sep, "/")}" appended)')
    return written


def _report(signing: Signing, snapshot: Snapshot, written: list[str], ledger: str) -> str:
    lines = [f"Sealed {ledger} through {signing.through} by {signing.by}: "
             f"{len(snapshot.prints)} entr{'y' if len(snapshot.prints) == 1 else 'ies'} and "
             f"{plural(len(snapshot.evidence), 'evidence file')}, SHA-256 {snapshot.digest}."]
    if signing.forced:
        lines.append(f"Forced over {plural(signing.errors, 'error finding')}: {signing.reason}")
    elif signing.reason:
        lines.append(f"Reason: {signing.reason}")
    lines += ["Written:", *(f"  {item}" for item in written),
              "Commit them together: check needs the record to say what changed."]
    return "\n".join(lines) + "\n"


@click.command("seal")
@ledger_argument
@click.option("--through", "through", required=True, metavar="DATE", callback=_through,
              help="Seal every entry dated on or before DATE: a day, or the last day of a "
                   "month (2006-12), quarter (2006-Q4) or year (2006). Not after today.")
@click.option("--by", "by", required=True, metavar="NAME", callback=_text,
              help="Who seals (recorded in the seal).")
@click.option("--reason", "reason", metavar="TEXT", callback=_text,
              help="Why (recorded in the seal); required with --force.")
@click.option("--force", is_flag=True,
              help="Seal even though the ledger has Beancount errors or the period has error "
                   "findings (with --reason).")
@rules_option
@quiet_option
def command(ledger: str, through: datetime.date, by: str, reason: str | None, force: bool,
            rules: str | None) -> None:
    """Seal LEDGER through DATE [default: main.beancount]: every entry dated on or before it
    and the evidence files they cite. `check` then reports any change to them as a finding
    of kind seal. Refused (exit status 1) when the ledger has Beancount errors or the period
    has error findings, unless --force --reason TEXT."""
    if force and not reason:
        raise click.UsageError("--force needs --reason TEXT: a forced seal records why")
    try:
        check_ledger_path(ledger)
    except LedgerInputError as exc:
        raise unreadable(exc) from None
    folder = os.path.dirname(store.seals_file(ledger))
    try:
        with store.locked(folder):
            output = _seal(ledger, rules, through, by, reason, force)
    except store.SealBusy as exc:
        raise InputError(f"{as_given(str(exc), ledger)}: another seal of this ledger is in "
                         f"progress (waited {store.LOCK_WAIT:g} s); try again once it has "
                         "finished") from None
    click.echo(output, nl=False)


def _seal(ledger: str, rules: str | None, through: datetime.date, by: str,
          reason: str | None, force: bool) -> str:
    loaded = run_audit(ledger, rules, None)
    found = blocking(loaded.result.findings, through)
    if found and not force:
        _refuse(found, through, ledger)
        sys.exit(EXIT_FINDINGS)
    covering = _covering(loaded, through)
    if covering:
        click.echo(f"aipo-budget seal: note: the ledger is already sealed through "
                   f"{'; '.join(covering)}: this seal adds nothing to that one, but is "
                   "recorded and verified too", err=True)
    signing = Signing(through, by, datetime.date.today(), forced=bool(found), reason=reason or "",
                      errors=len(found))
    snapshot = Ledger(loaded.entries, loaded.options).snapshot(through)
    return _report(signing, snapshot, _write(loaded, signing, snapshot), ledger)

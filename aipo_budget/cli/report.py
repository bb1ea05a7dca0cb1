"""``aipo-budget report``: the audit tables of a period, in any format, or the audit pack.

``report`` ends by saying on stderr how many error findings and warnings its period has,
whichever tables were asked for: nobody files a pack without seeing them.
"""

from __future__ import annotations

import datetime
import functools
import os
import stat
from collections import Counter
from typing import TYPE_CHECKING

import click

from aipo_budget.cli import progress, terminal
from aipo_budget.cli.options import (
    DATE_FORMS, LAST_DAY, as_of_with, color_option, from_option, ledger_argument, non_empty_path,
    period_of, period_option, quiet_option, rules_option, to_option,
)
from aipo_budget.cli.session import InputError, Loaded, documents_of, read_by_audit, run_audit
from aipo_budget.core.findings import ERROR, WAIVED, WARNING
from aipo_budget.core.paths import as_given
from aipo_budget.core.signatures import approvals_folder, signature_files
from aipo_budget.core.tally import plural
from aipo_budget.outputs.pack.files import write_atomic
from aipo_budget.outputs.render import FORMATS, PLAIN, RenderError, render
from aipo_budget.outputs.tables import TABLE_NAMES, build_tables, context

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from aipo_budget.core.findings import Finding
    from aipo_budget.core.periods import Period
    from aipo_budget.outputs.table import Table
    from aipo_budget.outputs.tables.context import Context


@click.command("report")
@ledger_argument
@rules_option
@click.option("--table", "-t", "table_names", multiple=True,
              type=click.Choice([*TABLE_NAMES, "all"]),
              help="A table to produce; repeat for several [default: all].")
@period_option
@from_option
@to_option
@as_of_with(f"Judge the ledger as it stood on DATE: {DATE_FORMS}; later entries are left out "
            "[default: the end of the period given (--to, --period), else every entry is "
            "judged, and today decides which projects are closed].")
@click.option("--format", "-f", "output_format", default="simple", show_default=True,
              type=click.Choice([*FORMATS, "xlsx"]),
              help="Output format: a text table (fitted to the terminal's width or COLUMNS), "
                   "markdown, html, latex, csv (one --table), json, or xlsx (a workbook, a "
                   "sheet per table: with --output-file).")
@click.option("--output-file", "output_file", type=click.Path(readable=False), metavar="FILE",
              callback=lambda _ctx, _param, value: non_empty_path(value, "--output-file"),
              help="Write the tables to FILE instead of the standard output (replaced whole, "
                   "or not at all); its folder must exist.")
@click.option("--output", "-o", "output", type=click.Path(readable=False), metavar="DIR",
              callback=lambda _ctx, _param, value: non_empty_path(value, "--output"),
              help="Write the audit pack (CSV, Markdown, tables.xlsx, index.html, "
                   "manifest.json) to DIR.")
@click.option("--sign", "key", type=click.Path(readable=False), metavar="KEY",
              help="With --output: sign the pack's manifest.json as its auditor with this SSH "
                   "key (as `aipo-budget sign`); the cover names the signer.")
@quiet_option
@color_option
def command(ledger: str, rules: str | None, table_names: tuple[str, ...],
           period: Period | None, start: datetime.date | None, end: datetime.date | None,
           as_of: datetime.date | None, output_format: str, output_file: str | None,
           output: str | None, key: str | None) -> None:
    """Produce the audit tables of a ledger for a period, or its audit pack.

    LEDGER defaults to $BEANCOUNT_FILE, else main.beancount. Periods as in Fava's time
    filter: -p 2006-Q1, -p "2006-01 - 2006-06", --from 2006."""
    if key is not None and output is None:
        raise click.UsageError("--sign signs the audit pack: use it with --output")
    _check_output_file(output_file, output_format, output)
    chosen = period_of(period, start, end)
    first, last = chosen.start, chosen.end
    day = as_of or last
    if first and first > min([d for d in (last, as_of) if d] or [datetime.date.today()]):
        if period is not None:  # -p 2006 --as-of 2005 read "2006-01-01 to 2005-12-31"
            raise click.BadParameter(f"the period starts after --as-of ({as_of})",
                                     param_hint="--period")
        raise click.BadParameter("--from is after the end of the period (--to, or --as-of)",
                                 param_hint="--from")
    loaded = run_audit(ledger, rules, day)
    ctx = context(loaded.result, first, last, ledger)
    _refuse_an_end_past_the_last_day(loaded, ctx.end)
    names = None if (not table_names or "all" in table_names) else list(dict.fromkeys(table_names))
    tables = build_tables(loaded.result, first, last, names, ledger=ledger)
    if output is not None:
        _refuse_a_pack_among_what_is_read(output, loaded)
        signing = _signing(key, loaded, output) if key is not None else (None, "")
        with progress.stage("writing the audit pack") as count:
            _write_pack(loaded, ctx, tables, output, last, *signing, count=count)
        click.echo(f"audit pack written to {output}: {plural(len(tables), 'table')}", err=True)
    else:
        try:
            text = (_workbook(tables, ctx) if output_format == "xlsx" else
                    render(output_format, tables, layout=terminal.layout(output_format)
                           if output_file is None else PLAIN))
        except RenderError as exc:
            raise click.UsageError(f"{exc}: choose one with --table NAME, or write them all "
                                   "with --output DIR") from None
        if output_file is None:
            click.echo(text, nl=False)
        else:
            _refuse_what_is_read(output_file, loaded)
            _write_file(output_file, text)
            click.echo(f"{plural(len(tables), 'table')} written to {output_file}", err=True)
    _warn_of_errors(loaded.result.findings, ctx.period)


def _refuse_an_end_past_the_last_day(loaded: Loaded, end: datetime.date) -> None:
    """Without --to or --as-of the period ends on the latest entry: one dated after the last
    day a report can end on (that of --as-of) is refused, named (a slip such as 9999-12-31)."""
    if end <= LAST_DAY:
        return
    meta = next((e.meta for e in loaded.entries if e.date == end and e.meta), {})
    where = as_given(meta.get("filename") or loaded.ledger, loaded.ledger)
    where += f":{meta['lineno']}" if meta.get("lineno") else ""
    raise InputError(f"{where}: an entry dated {end}, after {LAST_DAY}, the last day a "
                     "report can end on: correct its date, or end the period with --as-of or "
                     "--to")


def _warn_of_errors(findings: Sequence[Finding], period: Period) -> None:
    """Nobody files a report without seeing the error findings of its period (the findings
    register's), whichever tables were asked for."""
    count = Counter(f.severity for f in findings if f.date in period)
    counts = [plural(count[ERROR], "error finding"), plural(count[WARNING], "warning")]
    if count[WAIVED]:  # shown with their waiver, though they fail nothing
        counts.append(plural(count[WAIVED], "waived finding"))
    if count:
        click.echo(f"aipo-budget: the period has {', '.join(counts[:-1])} and {counts[-1]} "
                   "(table: findings)", err=True)


def _check_output_file(path: str | None, output_format: str, output: str | None) -> None:
    """``--output-file``: a file in a folder that exists, checked before the audit; a
    workbook is written to one only (binary data on a terminal is garbage)."""
    if path is None:
        if output_format == "xlsx" and output is None:
            raise click.UsageError("-f xlsx writes a workbook, which is not text: name its file "
                                   "with --output-file FILE.xlsx (or write the audit pack, "
                                   "whose tables.xlsx it is, with --output DIR)")
        return
    if output is not None:
        raise click.UsageError("--output writes the audit pack (a folder), --output-file one "
                               "file: use one of them")
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        raise InputError(f"{path}: names a folder, not a file: name a file, e.g. "
                         f"{os.path.join(path, 'tables.' + output_format)}")
    folder = os.path.dirname(path)
    if folder and not os.path.isdir(folder):
        raise InputError(f"{path}: no folder {folder} to write it in; nothing was written")


def _refuse_what_is_read(path: str, loaded: Loaded) -> None:
    """InputError when ``--output-file`` names what the audit reads (:func:`read_by_audit`: a
    file of the ledger, a seal's record, anything in the rules, documents or approvals
    folders) or what is no plain file: a link, a device or a FIFO (the file is replaced whole,
    never written into)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        mode = stat.S_IFREG  # nothing there yet (or not reachable: the write says so)
    why = ("is a symbolic link" if stat.S_ISLNK(mode) else
           "is a device, a FIFO or a socket" if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))
           else None)
    real = os.path.realpath(path)
    files, folders = read_by_audit(loaded)
    if why is None and real in {os.path.realpath(f) for f in files}:
        why = "is a file the audit reads (of the ledger, its rules, seals or signatures)"
    if why is None and _holding(path, folders) is not None:
        why = "is in a folder the audit reads (the rules, the documents or the approvals)"
    if why is not None:
        raise InputError(f"{path}: {why}: --output-file writes a file of its own; nothing was "
                         "written")


def _refuse_a_pack_among_what_is_read(output: str, loaded: Loaded) -> None:
    """InputError when the pack's folder is, or is in, a folder the audit reads (the rules,
    the documents, the approvals) or one of the seals' records: its files would be read as
    the books' (an ``entries.tsv`` among the records is a seal removed)."""
    from aipo_budget.core.evidence import ledger_folder
    from aipo_budget.core.seals import record_folders, seal_entries

    _files, folders = read_by_audit(loaded)
    top = os.path.realpath(ledger_folder(loaded.options)) + os.sep
    # a documents folder of "." is the ledger's own: Beancount finds there only files in
    # folders named as accounts, which a pack's are not
    read = [folder for folder in [*folders, *record_folders(seal_entries(loaded.entries),
                                                            loaded.options)]
            if not top.startswith(os.path.realpath(folder) + os.sep)]
    holder = _holding(output, read)
    if holder is not None:
        raise InputError(f"{output}: is in {as_given(holder, loaded.ledger)}, a folder the "
                         "audit reads: the audit pack goes in a folder of its own; nothing "
                         "was written")


def _holding(path: str, folders: list[str]) -> str | None:
    """The first of ``folders`` that is ``path`` or holds it, by their real paths."""
    real = os.path.realpath(path)
    for folder in folders:
        read = os.path.realpath(folder)
        if real == read or real.startswith(read + os.sep):
            return folder
    return None


def _write_file(path: str, content: str | bytes) -> None:
    """Write ``content`` to ``path`` whole or not at all: a temporary file beside it, then
    renamed over it."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        write_atomic(os.path.abspath(path), data)
    except OSError as exc:
        raise InputError(f"{path}: cannot write it: {exc.strerror or exc}; nothing was "
                         "written") from None


def _workbook(tables: list[Table], ctx: Context) -> bytes:
    from aipo_budget.outputs.xlsx import render_xlsx

    # dated the period's end, not today: the same books give the same bytes
    return render_xlsx(tables, ctx.end)


def _signing(key: str, loaded: Loaded, output: str) -> tuple[Callable[[bytes], str], str]:
    """``report --sign KEY``: what signs the manifest, and the signer as the cover names it,
    said before anything is written."""
    from aipo_budget.cli.sign import owner, signature_of
    from aipo_budget.outputs.pack.manifest import generated_at

    signs = owner(key, loaded.result.ruleset.register, generated_at())
    signs.announce(f"the audit pack {output}")
    return functools.partial(signature_of, key=key), signs.who + (
        f" (the register of signers does not back it: {signs.problem})" if signs.problem else "")


def _write_pack(loaded: Loaded, ctx: Context, tables: list[Table], output: str,
                last: datetime.date | None, sign: Callable[[bytes], str] | None, signer: str,
                count: Callable[[int, int], None]) -> None:
    from beancount.parser.options import OPTIONS_DEFAULTS

    from aipo_budget.core.evidence import documents_roots
    from aipo_budget.outputs.pack import PackError, PackSource, write_pack

    base = os.path.dirname(os.path.abspath(loaded.ledger))
    title = str(loaded.options.get("title") or "")
    first = ctx.period.start
    source = PackSource(
        ctx,
        # Beancount's default title names no organisation
        organisation="" if title == OPTIONS_DEFAULTS["title"] else title,
        as_of=loaded.as_of,
        entries=loaded.entries, options=loaded.options,  # the pack records them, unread again
        inputs={"ledger": loaded.options.get("include", []),
                "rules": loaded.result.ruleset.files,
                "approvals": signature_files(approvals_folder(loaded.options), regular=True)},
        settings={"ledger": os.path.basename(loaded.ledger), "as_of": loaded.as_of.isoformat(),
                  "from": first.isoformat() if first else None,
                  "to": (last or loaded.as_of).isoformat(),
                  "rules": os.path.relpath(loaded.rules_folder, base)},
        # every Document entry goes in: the pack itself reads only safe evidence files
        documents=sorted(documents_of(loaded)), roots=documents_roots(loaded.options),
        sign=sign, signer=signer)
    try:
        write_pack(output, tables, source, show=lambda path: as_given(path, loaded.ledger),
                   progress=count)
    except PackError as exc:
        raise InputError(str(exc)) from None
    except OSError as exc:
        raise InputError(f"{output}: cannot write the audit pack: {exc.strerror or exc}; "
                         "nothing was replaced") from None

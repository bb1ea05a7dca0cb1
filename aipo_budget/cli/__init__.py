"""The ``aipo-budget`` command: a thin click adapter over the engine and the tables.

Exit status: 0 no errors; 1 errors found (warnings too with ``--strict``); 2 the input could not
be read (missing file, syntax error, invalid rules), the pack was refused, or the output could not
be written; 3 an internal error (a bug: please report).
Data goes to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from aipo_budget import __version__
from aipo_budget.core.conventions import DEFAULT_CURRENCY
from aipo_budget.core.findings import relative
from aipo_budget.cli import terminal
from aipo_budget.cli.options import (as_of_option, color_option, ledger_argument,
                                     non_empty_path, quiet_option, rules_option)
from aipo_budget.outputs.render import FORMATS, TEXT_TABLES, finding_lines, render
from aipo_budget.cli.session import (EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, CheckRun,
                                     checked, summary_line)
from aipo_budget.outputs.table import shown_from
from aipo_budget.outputs.tables import CHECK_VIEW, findings_register

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.cli.against import Comparison
    from aipo_budget.core.findings import Finding
    from aipo_budget.outputs.table import Table


def findings_table(findings: Sequence[Finding], view: Sequence[str] | None = CHECK_VIEW) -> Table:
    """The findings register as ``check`` shows it, locations relative to the working folder:
    the columns of ``view`` (and the waiver of a waived finding), or all (``view=None``)."""
    from aipo_budget.outputs.tables.registers import findings_view

    currency = findings[0].currency if findings else DEFAULT_CURRENCY
    register = findings_register(findings, "Findings", shown_from(), currency)
    return findings_view(register, view) if view else register


def _check_document(run: CheckRun) -> dict[str, Any]:
    """What ``check --format json`` carries besides the register: each finding in full."""
    summary = run.summary
    root = os.getcwd()  # every path of the document is relative to it, or absolute outside it
    return {
        "root": root, "ledger": relative(run.ledger, root),
        "rules": relative(run.rules_folder, root), "as_of": run.as_of.isoformat(),
        "surplus_fund_found": summary.has_fund,
        "summary": {"errors": len(summary.errors), "warnings": len(summary.warnings),
                    "waived": len(summary.waived), "outflows": summary.outflows,
                    "transfers": summary.transfers},
        "left_out": summary.left_out,
        "findings": [f.as_dict(root) for f in summary.findings],
    }


def _check_output(run: CheckRun, fmt: str, against: Comparison | None) -> str:
    if fmt == "json":  # the findings in full are the register: no second copy
        return render(fmt, (), {**_check_document(run),
                                **({"against": against.as_dict()} if against else {})})
    if fmt == "csv":  # machine output: the whole register
        return render(fmt, [findings_table(run.summary.findings, view=None)])
    layout = terminal.layout(fmt)
    if fmt == "lines":  # bean-check's form: a finding a line, and nothing else
        return finding_lines(run.summary.findings, shown_from(), layout)
    if run.summary.findings or fmt not in TEXT_TABLES:  # the others say it in their markup
        return render(fmt, [findings_table(run.summary.findings)],
                      footer=_footer(run, against), layout=layout)
    return "No findings.\n" + render(fmt, (), footer=_footer(run, against), layout=layout)


def _footer(run: CheckRun, against: Comparison | None) -> str:
    return summary_line(run) + (f"\n{against.note}" if against else "")


# The commands besides check, imported when run: starting `check` imports none of them.
COMMANDS = {name: f"aipo_budget.cli.{name}"
            for name in ("report", "explain", "rules", "seal", "approve", "sign")}


class OutputGone(Exception):
    """The reader of the standard output went away (``| head``; the BrokenPipeError is its
    cause). Raised past click, which would exit with status 1 ("errors found")."""


class Commands(click.Group):
    """A click group whose commands in :data:`COMMANDS` are imported only when asked for."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            raise OutputGone from exc

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Each command with the whole first sentence of its help, wrapped (click would cut
        it at the width left on one line)."""
        rows = [(name, command.get_short_help_str(limit=sys.maxsize))
                for name in self.list_commands(ctx)
                for command in [self.get_command(ctx, name)]
                if command is not None and not command.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            return importlib.import_module(COMMANDS[cmd_name]).command
        return super().get_command(ctx, cmd_name)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="aipo-budget")
def cli() -> None:
    """Surplus Fund compliance and audit tables for the AIPO Secretariat's Beancount ledger."""


@cli.command()
@ledger_argument
@rules_option
@click.option("--format", "-f", "output_format", default="table", show_default=True,
              type=click.Choice([*FORMATS, "lines"]),
              help="Output format: a text table (table, plain, simple, grid; fitted to the "
                   "terminal's width or COLUMNS), markdown, html, latex, csv, json, or lines "
                   "(FILE:LINE: SEVERITY: message [RULE vN], a finding a line, as bean-check "
                   "prints errors; the summary goes to standard error).")
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too.")
@as_of_option
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Read the ledger even if a cached result of unchanged inputs exists.")
@click.option("--pending", "pending", type=click.Path(readable=False, allow_dash=True),
              metavar="FILE",
              is_flag=False, flag_value="",  # bare --pending: with --template
              help="Judge the proposed transactions of this file (- for standard input) as if "
                   "added to LEDGER, without writing them: their findings, the headroom left "
                   "and whether they can be paid.")
@click.option("--template", is_flag=True,
              help="With --pending: print a proposed surplus payment to start from.")
@click.option("--against", "against_manifest", type=click.Path(readable=False), metavar="MANIFEST",
              callback=lambda _ctx, _param, value: non_empty_path(value, "--against"),
              help="Also report every ledger entry, rules file and evidence file that changed, "
                   "appeared or vanished since the audit pack of this manifest.json was issued.")
@quiet_option
@color_option
def check(ledger: str, rules: str | None, output_format: str, strict: bool,
          as_of: datetime.date | None, no_cache: bool, pending: str | None,
          template: bool, against_manifest: str | None) -> None:
    """Check a ledger against the Surplus Fund rules.

    LEDGER defaults to $BEANCOUNT_FILE, else main.beancount. Exit status: 0 no errors, 1
    errors found (or warnings with --strict), 2 the input could not be read. With --pending:
    0 every proposal can be paid, 1 one cannot. With --against: 1 also when the books differ
    from the audit pack's."""
    if pending is not None or template:
        if against_manifest is not None:
            raise click.UsageError("--against cannot be combined with --pending or --template")
        if output_format == "lines" and not template:
            raise click.UsageError("-f lines lists a ledger's findings; --pending gives "
                                   "tables for each proposal (use table, markdown or json)")
        from aipo_budget.cli.pending import run_pending

        sys.exit(run_pending(ledger, rules, pending, template=template, fmt=output_format,
                             as_of=as_of, strict=strict))
    if against_manifest is not None:  # a fresh audit: a cached verdict knows no pack
        from aipo_budget.cli.against import check_against

        run, against = check_against(ledger, rules, as_of, against_manifest)
    else:
        run, against = checked(ledger, rules, as_of, reuse=not no_cache), None
    summary = run.summary
    try:
        click.echo(_check_output(run, output_format, against), nl=False)
    finally:  # the summary is said even when the reader of the data has gone
        if output_format in ("csv", "lines"):  # data only on stdout: the summary on stderr
            _tell(_footer(run, against))
    if summary.errors or (strict and summary.warnings):
        sys.exit(EXIT_FINDINGS)


def main() -> None:
    """Console entry point: click's own handling, and no traceback for the unexpected.

    Output goes straight to the standard output. A reader that went away (``| head``), a
    closed or full standard output are an output error (exit status 2), never click's status
    1 for a broken pipe, which would read as "errors found"; Ctrl-C is 130, as in a shell."""
    if sys.stdout is None:  # `aipo-budget check >&-`: Python has no standard output at all
        _tell("aipo-budget: cannot write the output: the standard output is closed")
        sys.exit(EXIT_INPUT)
    try:  # every relative path is read against it: not an output error found later
        os.getcwd()
    except OSError:
        _tell("aipo-budget: the working folder no longer exists (removed since the shell "
              "entered it): change to another folder and run the command again")
        sys.exit(EXIT_INPUT)
    try:
        status = _run_cli()
        sys.stdout.flush()
    except KeyboardInterrupt:
        status = EXIT_INTERRUPTED
    except (OutputGone, OSError) as exc:  # writing the output: EPIPE, ENOSPC, EBADF
        status = _output_failed(exc.__cause__ if isinstance(exc, OutputGone) else exc)
    except UnicodeEncodeError as exc:  # the terminal's encoding, e.g. LANG=C
        _tell(f"aipo-budget: cannot write the output: its encoding ({exc.encoding}) cannot "
              f"represent {exc.object[exc.start]!r}; set PYTHONIOENCODING=utf-8")
        status = EXIT_INPUT
    sys.exit(status)


EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a command stopped by Ctrl-C


def _run_cli() -> int:
    """Run the command; its exit status (output problems and Ctrl-C go up to :func:`main`)."""
    try:
        result = cli.main(standalone_mode=False)
    except click.ClickException as exc:
        if sys.stderr is not None:
            exc.show()
        return exc.exit_code
    except click.Abort as exc:  # click's word for Ctrl-C (and for an input that ended)
        if isinstance(exc.__cause__, EOFError):
            _tell("aipo-budget: the standard input ended")
            return EXIT_INPUT
        return EXIT_INTERRUPTED
    except SystemExit as exc:  # a command's sys.exit (exit status 1 on findings), completion
        return exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except (OutputGone, OSError, KeyboardInterrupt, UnicodeEncodeError):
        raise
    except Exception as exc:  # noqa: BLE001 - the contract is "never a Python traceback"
        _tell(f"aipo-budget: internal error: {type(exc).__name__}: {exc} "
              "(this is a bug; please report it with the command you ran)")
        return EXIT_INTERNAL
    return result if isinstance(result, int) else EXIT_OK  # --help and --version: 0


def _output_failed(exc: OSError) -> int:
    """Exit status 2 for output that could not be written; said on stderr unless the reader
    simply went away (``| head``), which Unix tools leave unsaid."""
    # what is still buffered would fail again when Python exits
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    if not isinstance(exc, BrokenPipeError):
        _tell(f"aipo-budget: cannot write the output: {exc.strerror or exc}")
    return EXIT_INPUT


def _tell(message: str) -> None:
    """A diagnostic on stderr, if there is one (``2>&-`` closes it)."""
    with contextlib.suppress(OSError, ValueError):
        if sys.stderr is not None:
            click.echo(message, err=True)

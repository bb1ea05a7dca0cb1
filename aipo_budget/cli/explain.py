"""The ``explain`` command: why the transaction at FILE:LINE got its verdict.

It reports and does not judge: exit status 0 whatever the verdict, 2 when the ledger, the rules
or the location cannot be read (a file that is not one of the ledger's, a line with no
transaction).
"""

from __future__ import annotations

import datetime
import os
from typing import TYPE_CHECKING

import click

from aipo_budget.outputs.explain import LocationError, explain
from aipo_budget.outputs.explain.locate import split_location
from aipo_budget.cli import terminal
from aipo_budget.cli.options import (as_of_option, color_option, format_option, ledger_option,
                                     quiet_option, rules_option)
from aipo_budget.core.paths import shown
from aipo_budget.outputs.render import RenderError, render
from aipo_budget.cli.session import InputError, run_audit
from aipo_budget.outputs.table import shown_from

if TYPE_CHECKING:
    from aipo_budget.cli.session import Loaded


def parse_location(ctx: click.Context, param: click.Parameter, value: str) -> tuple[str, int]:
    try:
        return split_location(value)
    except LocationError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def ledger_file(loaded: Loaded, name: str) -> str:
    """The ledger's file that ``name`` names: as given, relative to the working folder, or
    relative to the ledger's folder (findings print paths either way)."""
    from aipo_budget.outputs.explain.locate import ledger_file as found, listed

    files = [str(f) for f in loaded.options.get("include", [])]
    filename = found(files, os.path.dirname(os.path.abspath(loaded.ledger)), name)
    if filename is None:
        raise InputError(f"{name}: not a file of the ledger {loaded.ledger} "
                         f"(its files: {listed(files, shown)})")
    return filename


@click.command("explain")
@click.argument("location", callback=parse_location, metavar="FILE:LINE")
@ledger_option
@rules_option
@as_of_option
@format_option
@click.option("--table", "-t", "table_names", multiple=True, metavar="NAME",
              help="Show only this table of the explanation (transaction, rules, findings, "
                   "or a rule's id in lower case, with -entries for its entries); repeat "
                   "for several [default: all].")
@quiet_option
@color_option
def command(location: tuple[str, int], ledger: str, rules: str | None,
            as_of: datetime.date | None, output_format: str,
            table_names: tuple[str, ...]) -> None:
    """Explain the verdict on the transaction at FILE:LINE, rule by rule.

    FILE:LINE as findings print it; a line inside the transaction works too. For every rule:
    the version that judges it, whether it applies and why, the facts it saw, the audit's
    verdict, and for a cumulative rule the entries that make up its total. Exit status 0, or
    2 when the input cannot be read."""
    loaded = run_audit(ledger, rules, as_of)
    name, lineno = location
    filename = ledger_file(loaded, name)
    try:
        tables = explain(loaded.result, loaded.entries, filename, lineno, shown_from())
    except LocationError as exc:
        raise InputError(f"{shown(filename)}: {exc}") from None
    if table_names:
        unknown = sorted(set(table_names) - {t.name for t in tables})
        if unknown:
            raise click.BadParameter(
                f"no table {', '.join(unknown)} in this explanation (its tables: "
                f"{', '.join(t.name for t in tables)})", param_hint="--table")
        tables = [t for t in tables if t.name in table_names]
    where = f"{shown(filename)}:{lineno}"
    footer = (f"{where} explained: {shown(loaded.ledger)} as of {loaded.as_of}, rules "
              f"from {shown(loaded.rules_folder)}")
    document = {"ledger": loaded.ledger, "rules": loaded.rules_folder,
                "as_of": loaded.as_of.isoformat(), "location": where}
    try:
        text = render(output_format, tables, document, footer,
                      layout=terminal.layout(output_format))
    except RenderError:
        raise click.UsageError(f"CSV holds one table and the explanation has {len(tables)}: "
                               f"choose one with --table NAME "
                               f"({', '.join(t.name for t in tables)})") from None
    click.echo(text, nl=False)

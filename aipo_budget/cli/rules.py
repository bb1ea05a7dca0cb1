"""The ``rules`` command: the rulebook, every instrument and every rule in force on a day.

Only the rules folder is read: the ledger names it (``rules/`` beside it) unless ``--rules``
does, and then the ledger must exist, so that a typo never reads some other rules folder.
"""

from __future__ import annotations

import datetime

import click

from aipo_budget.cli import terminal
from aipo_budget.cli.options import (DATE_FORMS, as_of_with, color_option, format_option,
                                     ledger_argument, quiet_option, rules_option)
from aipo_budget.outputs.tables.rulebook import TABLES


@click.command("rules")
@ledger_argument
@rules_option
@as_of_with(f"The rules in force on DATE: {DATE_FORMS} [default: today].")
@click.option("--table", "-t", "table_names", multiple=True, type=click.Choice(TABLES),
              help="A table to produce; repeat for several [default: instruments, rules and "
                   "waivers].")
@format_option
@quiet_option
@color_option
def command(ledger: str, rules: str | None, as_of: datetime.date | None,
            table_names: tuple[str, ...], output_format: str) -> None:
    """Print the rulebook: its instruments, the rules in force on a day, its waivers.

    The rules folder is --rules, else rules/ beside LEDGER ($BEANCOUNT_FILE, else
    main.beancount). Every rule with the version in force on --as-of: citation, kind,
    severity, parameters, effective date, amendments. The ledger itself is not read."""
    from aipo_budget.core import paths
    from aipo_budget.outputs.render import RenderError, render
    from aipo_budget.cli.session import read_rules, readable, rules_folder_for
    from aipo_budget.outputs.tables.rulebook import parameters_in_force, rulebook

    if rules is None:  # the ledger names the rules folder: it must be a readable file
        readable(ledger)
    folder = rules_folder_for(ledger, rules)
    ruleset = read_rules(folder, ledger)
    day = as_of or datetime.date.today()
    names = list(dict.fromkeys(table_names)) or list(TABLES)
    tables = rulebook(ruleset, day, names)
    document = {"as_of": day.isoformat(), "rules": paths.shown(folder)}
    if "rules" in names:  # the typed parameters, for programs (the table shows them as text)
        document["parameters"] = parameters_in_force(ruleset, day)
    try:
        text = render(output_format, tables, document, layout=terminal.layout(output_format))
    except RenderError as exc:
        raise click.UsageError(f"{exc}: choose one with --table ({', '.join(TABLES)})") from None
    click.echo(text, nl=False)

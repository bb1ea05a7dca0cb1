"""The command line's shared arguments and options, one definition each for every command.

Paths are checked by the commands, not by click, so that a missing, unreadable or wrong kind of
path is one line naming it (ledger.check_ledger_path, rules.load_rules, pack).
"""

from __future__ import annotations

import datetime

import click

from aipo_budget import progress
from aipo_budget.session import InputError

FIRST_DAY, LAST_DAY = datetime.datetime(1900, 1, 1), datetime.datetime(2999, 12, 31)


def non_empty_path(value: str | None, option: str) -> str | None:
    """An empty path (``-o ''``) is refused before anything is read."""
    if value is not None and not value.strip():
        raise InputError(f"{option}: an empty path names no file or folder")
    return value


def day_in_range(ctx: click.Context, param: click.Parameter,
                 value: datetime.datetime | None) -> datetime.datetime | None:
    """A date option within the years a ledger can mean (the rules' dates are bounded alike)."""
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise click.BadParameter(f"{value.date()} is outside {FIRST_DAY.date()}.."
                                 f"{LAST_DAY.date()}", ctx=ctx, param=param)
    return value


ledger_argument = click.argument(
    "ledger", default="main.beancount", required=False, type=click.Path(readable=False),
    callback=lambda _ctx, _param, value: non_empty_path(value, "LEDGER"))
rules_option = click.option(
    "--rules", "-r", "rules", type=click.Path(readable=False),
    callback=lambda _ctx, _param, value: non_empty_path(value, "--rules"),
    help="Rules folder [default: rules/ beside the ledger].")
as_of_option = click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
                            callback=day_in_range,
                            help="Judge the ledger as it stood on this date (YYYY-MM-DD) "
                                 "[default: today].")
quiet_option = click.option(
    "--quiet", "-q", is_flag=True, expose_value=False, is_eager=True,
    callback=lambda _ctx, _param, value: progress.silence() if value else None,
    help="Show no progress on standard error, even on a terminal.")

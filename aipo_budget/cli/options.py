"""The command line's shared arguments and options, one definition each for every command.

Paths are checked by the commands, not by click, so that a missing, unreadable or wrong kind of
path is one line naming it (ledger.check_ledger_path, rules.load_rules, pack).

A period (``--period``, and the partial dates of ``--from``/``--to``) is read by Fava's own time
filter parser, called as Fava's filter calls it, so that the command line and the Fava page
always agree on what ``2006-Q1`` or ``2006-01 - 2006-06`` means. ``--as-of`` takes the same
forms: a period means its last day.

The ledger is the one named, else ``BEANCOUNT_FILE`` (as Fava reads it), else main.beancount.
"""

from __future__ import annotations

import datetime
import os
import re
from typing import Any, Callable

import click

from aipo_budget.cli import progress, terminal
from aipo_budget.core.params import FIRST_DATE as FIRST_DAY, LAST_DATE as LAST_DAY
from aipo_budget.core.periods import Period
from aipo_budget.cli.session import InputError
from aipo_budget.outputs.render import FORMATS

PERIOD_FORMS = "2006, 2006-Q1, 2006-03, 2006-03-15, 2006-01 - 2006-06, FY2006, 2006-W10, month"
DAY = re.compile(r"\d{4}-\d\d-\d\d")  # a day as Fava reads it, without importing Fava
DEFAULT_LEDGER = "main.beancount"


def non_empty_path(value: str | None, option: str) -> str | None:
    """An empty path (``-o ''``) is refused before anything is read."""
    if value is not None and not value.strip():
        raise InputError(f"{option}: an empty path names no file or folder")
    return value


def fava_period(text: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of ``text`` as Fava's time filter reads it; ValueError (why)
    where Fava's filter refuses it."""
    if DAY.fullmatch(text.strip()):  # the common case, the same answer (tests/test_periods.py)
        try:
            day = datetime.date.fromisoformat(text.strip())
            return day, day
        except ValueError:  # 2006-02-30: Fava's message below
            pass
    # imported here: starting `check` must not pay for Fava (issue 12)
    from fava.util.date import END_OF_YEAR, DateRange, InvalidDateRangeError, parse_date

    try:
        # fava.core.filters.TimeFilter's own call; the financial year is the calendar year
        # (DOMAIN 1), which is Fava's default fiscal-year-end
        begin, end = parse_date(text, END_OF_YEAR)
        # Fava's filter refuses an end before the begin alike
        span = DateRange(begin, end) if begin and end else None
    except InvalidDateRangeError:
        raise ValueError(f"{text!r} ends before it begins") from None
    except (ValueError, OverflowError):  # a month 13, a week 60, "day+9999999"
        span = None
    if span is None:
        raise ValueError(f"{text!r} is not a period or date Fava's time filter reads "
                         f"(e.g. {PERIOD_FORMS})")
    return span.begin, span.end_inclusive


def _read_period(end: int | None) -> Callable[..., Any]:
    """The callback of an option read as a period: the whole of it (``end`` None), or its
    first (0) or last (1) day; each day it gives within the years a ledger can mean."""
    def callback(ctx: click.Context, param: click.Parameter, text: str | None) -> Any:
        if text is None:
            return None
        try:
            span = fava_period(text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
        days = span if end is None else span[end:end + 1]
        for day in days:  # the rules' dates are bounded alike
            if not FIRST_DAY <= day <= LAST_DAY:
                shown = day.isoformat() if text.strip() == day.isoformat() else f"{text} ({day})"
                raise click.BadParameter(f"{shown} is outside {FIRST_DAY}..{LAST_DAY}",
                                         ctx=ctx, param=param)
        return Period(*days) if end is None else days[0]
    return callback


last_day = _read_period(1)  # of a period: the callback of --as-of and --to, and seal's


def period_of(period: Period | None, start: datetime.date | None,
              end: datetime.date | None) -> Period:
    """The period of ``--period``, or of ``--from``/``--to`` (either end open); both ways at
    once is a usage error."""
    if period is None:
        return Period(start, end)
    if start is not None or end is not None:
        raise click.UsageError("--period gives the whole period: use it without --from and --to")
    return period


def default_ledger() -> str:
    """The ledger when none is named: ``BEANCOUNT_FILE`` (the first of its files, as Fava
    lists them), else main.beancount in the working folder."""
    named = [name for name in os.environ.get("BEANCOUNT_FILE", "").split(os.pathsep) if name]
    return named[0] if named else DEFAULT_LEDGER


def _ledger(name: str) -> Callable[..., str | None]:
    def callback(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        return non_empty_path(default_ledger() if value is None else value, name)
    return callback


ledger_argument = click.argument(
    "ledger", required=False, type=click.Path(readable=False), callback=_ledger("LEDGER"))
ledger_option = click.option(
    "--ledger", "-l", "ledger", type=click.Path(readable=False), callback=_ledger("--ledger"),
    help="The ledger the transaction belongs to [default: $BEANCOUNT_FILE, else main.beancount].")
rules_option = click.option(
    "--rules", "-r", "rules", type=click.Path(readable=False), metavar="DIR",
    callback=lambda _ctx, _param, value: non_empty_path(value, "--rules"),
    help="Rules folder [default: rules/ beside the ledger].")

DATE_FORMS = "a day (2006-06-30), or the last day of a month (2006-06), quarter (2006-Q2), year " \
             "(2006) or PERIOD"


def as_of_with(help_text: str) -> Callable[[Any], Any]:
    """The ``--as-of DATE`` option (a day, or the last day of a period), with the command's
    own help."""
    return click.option("--as-of", "as_of", metavar="DATE", callback=last_day,
                        help=help_text)


as_of_option = as_of_with(
    f"Judge the ledger as it stood on DATE: {DATE_FORMS}; later entries are left out "
    "[default: every entry is judged, and today decides which projects are closed].")
quiet_option = click.option(
    "--quiet", "-q", is_flag=True, expose_value=False, is_eager=True,
    callback=lambda _ctx, _param, value: progress.silence() if value else None,
    help="Show no progress on standard error, even on a terminal.")
color_option = click.option(
    "--color/--no-color", "color", default=None, expose_value=False, is_eager=True,
    callback=terminal.set_colour,
    help="Colour the severities and statuses, or not [default: on a terminal, unless "
         "NO_COLOR is set].")
format_option = click.option(  # of explain and rules; check and report have formats of their own
    "--format", "-f", "output_format", default="simple", show_default=True,
    type=click.Choice(list(FORMATS)),
    help="Output format: a text table (fitted to the terminal's width or COLUMNS), markdown, "
         "html, latex, csv (one --table) or json.")
period_option = click.option(
    "--period", "-p", "period", metavar="PERIOD", callback=_read_period(None),
    help=f"The period, as Fava's time filter reads it: {PERIOD_FORMS}, ... "
         "[default: the beginning to --as-of, else to today or the latest entry, whichever "
         "is later].")
from_option = click.option(
    "--from", "start", metavar="DATE", callback=_read_period(0),
    help="First day of the period: a day, or the first day of a month (2006-06), quarter "
         "(2006-Q2), year (2006) or PERIOD [default: the beginning].")
to_option = click.option(
    "--to", "end", metavar="DATE", callback=last_day,
    help="Last day of the period: a day, or the last day of a month (2006-06), quarter "
         "(2006-Q2), year (2006) or PERIOD [default: --as-of, else today or the latest "
         "entry, whichever is later].")

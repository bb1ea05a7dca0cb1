"""Periods as Fava's time filter writes them: ``report --period`` and partial ``--from``/``--to``
give exactly the dates Fava's own filter gives, and the tables carry them."""

from __future__ import annotations

import datetime
import json

import pytest
from click.testing import CliRunner
from fava.core.fava_options import FavaOptions
from fava.core.filters import TimeFilter
from fava.util import date as fava_date

from aipo_budget.cli import cli
from aipo_budget.cli.options import fava_period
from conftest import ROOT, RULES

BOOKS = (str(ROOT / "main.beancount"), "--rules", str(RULES))
TODAY = datetime.date(2006, 5, 17)  # "month", "year-1": Fava's relative periods, pinned
FORMS = ["2006", "2006-Q1", "2006-03", "2006-01 - 2006-06", "2006-03-15", "2006-01 to 2006-03",
         "FY2006", "fy2006-q2", "2006-W10", "month", "year-1", "quarter+1", "day"]


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fava_date, "local_today", lambda: TODAY)


def fava_filter(text: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of Fava's own time filter for ``text``, on a default ledger."""
    span = TimeFilter({}, FavaOptions(), text).date_range  # type: ignore[arg-type]
    return span.begin, span.end - datetime.timedelta(days=1)


def report_json(*args: str) -> dict:
    """The JSON report of the shipped books with ``args``, read anew from its output."""
    return json.loads(_report_output(args))


REPORTS: dict[tuple[str, ...], str] = {}


def _report_output(args: tuple[str, ...]) -> str:
    """The output of ``report ... --format json ARGS``, run once for the module: no test
    changes the shipped books or the tests' rules, and "today" is pinned for every test, so
    the same arguments give the same report (two tests ask for the half-year; none compares
    a command with itself)."""
    if args not in REPORTS:
        result = CliRunner().invoke(cli, ["report", *BOOKS, "--as-of", "2007-12-31",
                                          "--format", "json", *args])
        assert result.exit_code == 0, result.output
        REPORTS[args] = result.stdout
    return REPORTS[args]


def titles(document: dict) -> list[str]:
    return [table["title"] for table in document["tables"]]


@pytest.mark.parametrize("text", FORMS)
def test_a_period_is_the_one_fava_filters(text):
    assert fava_period(text) == fava_filter(text)


def test_the_forms_of_the_issue_give_the_expected_days():
    day = datetime.date
    assert fava_filter("2006") == (day(2006, 1, 1), day(2006, 12, 31))
    assert fava_filter("2006-Q1") == (day(2006, 1, 1), day(2006, 3, 31))
    assert fava_filter("2006-03") == (day(2006, 3, 1), day(2006, 3, 31))
    assert fava_filter("2006-01 - 2006-06") == (day(2006, 1, 1), day(2006, 6, 30))
    assert fava_filter("month") == (day(2006, 5, 1), day(2006, 5, 31))


@pytest.mark.parametrize("text", ["2006", "2006-Q1", "2006-03", "2006-01 - 2006-06",
                                  "2006-03-15", "FY2006", "2006-W10", "month"])
def test_every_table_carries_the_period(text):
    first, last = fava_filter(text)
    document = report_json("--period", text)
    assert len(document["tables"]) > 1
    for title in titles(document):
        assert f", {first} to {last}, main.beancount" in title


def test_the_short_option_is_the_period():
    assert titles(report_json("-p", "2006-Q2")) == titles(report_json("--period", "2006-Q2"))


def test_partial_dates_are_the_first_and_the_last_day_of_them():
    document = report_json("--from", "2006", "--to", "2006-06")
    first, last = fava_filter("2006 - 2006-06")
    assert (first, last) == (datetime.date(2006, 1, 1), datetime.date(2006, 6, 30))
    assert all(f", {first} to {last}, " in title for title in titles(document))
    assert titles(document) == titles(report_json("--period", "2006-01 - 2006-06"))


@pytest.mark.parametrize(("option", "text", "expected"), [
    ("--from", "2006-06", "2006-06-01 to 2007-12-31"),
    ("--to", "2006-06", "beginning to 2006-06-30"),
    ("--to", "2006-02", "beginning to 2006-02-28"),
    ("--from", "2006-Q2", "2006-04-01 to 2007-12-31"),
    ("--to", "2006-Q2", "beginning to 2006-06-30"),
    ("--to", "2006-03-15", "beginning to 2006-03-15"),
])
def test_one_end_given_as_a_partial_date(option, text, expected):
    document = report_json("-t", "fund-statement", option, text)
    assert f"Statement of the Surplus Fund, {expected}, " in titles(document)[0]


def test_the_register_holds_only_the_period():
    document = report_json("-t", "disbursements", "--period", "2006-Q2")
    (table,) = document["tables"]
    dates = [row["date"] for row in table["rows"]]
    assert dates, "the shipped ledger pays from the fund in the second quarter of 2006"
    assert all("2006-04-01" <= d <= "2006-06-30" for d in dates)
    everything = report_json("-t", "disbursements")["tables"][0]["rows"]
    assert len(everything) > len(dates)


def invoke(*args: str):
    return CliRunner().invoke(cli, ["report", *BOOKS, "-t", "fund-statement", *args])


@pytest.mark.parametrize(("option", "text"), [
    ("--period", "2006-13"), ("--period", "2006-Q5"), ("--period", "spring"),
    ("--period", ""), ("-p", "2006-02-30"), ("--from", "2006-W60"), ("--to", "day+99999999"),
    ("--to", "06/2006"),
])
def test_text_fava_cannot_read_is_a_usage_error(option, text):
    result = invoke(option, text)
    assert result.exit_code == 2, result.output
    shown = "'--period' / '-p'" if option in ("--period", "-p") else f"'{option}'"
    assert f"Invalid value for {shown}: {text!r} is not a period or date" in result.stderr
    assert "Traceback" not in result.output


def test_a_period_that_ends_before_it_begins_is_refused():
    result = invoke("--period", "2006-06 - 2006-01")
    assert result.exit_code == 2, result.output
    assert "'2006-06 - 2006-01' ends before it begins" in result.stderr


@pytest.mark.parametrize("others", [("--from", "2006-01"), ("--to", "2006-06"),
                                    ("--from", "2006", "--to", "2006")])
def test_period_with_from_or_to_is_a_usage_error(others):
    result = invoke("--period", "2006", *others)
    assert result.exit_code == 2, result.output
    assert "--period gives the whole period" in result.stderr


@pytest.mark.parametrize(("option", "text", "shown"), [
    ("--to", "3000", "3000 (3000-12-31)"),
    ("--from", "1899", "1899 (1899-01-01)"),
    ("--period", "1899 - 2006", "1899 - 2006 (1899-01-01)"),
    ("--period", "2006 - 3000", "2006 - 3000 (3000-12-31)"),
])
def test_periods_beyond_the_years_a_ledger_means_are_refused(option, text, shown):
    result = invoke(option, text)
    assert result.exit_code == 2, result.output
    assert f"{shown} is outside 1900-01-01..2999-12-31" in result.stderr


def test_from_after_to_as_partial_dates_is_a_usage_error():
    result = invoke("--from", "2006-07", "--to", "2006-06")
    assert result.exit_code == 2, result.output
    assert "--from is after the end of the period" in result.stderr


@pytest.mark.parametrize(("args", "said"), [
    # found by fuzzing: the report's title read "2006-01-01 to 2005-12-31", exit 0
    (("--period", "2006", "--as-of", "2005"), "the period starts after --as-of (2005-12-31)"),
    (("--from", "2006", "--to", "2007", "--as-of", "2005"), "--from is after the end of the period"),
])
def test_a_period_that_starts_after_as_of_is_a_usage_error(args, said):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert said in result.stderr

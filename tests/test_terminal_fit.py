"""The command line as a terminal user reads it: text tables within COLUMNS, ``-f lines`` in
bean-check's form, colour only on a terminal, whole command summaries, ``--as-of`` in Fava's
forms, help and messages that are true, plurals, "No findings" in every format, and
``BEANCOUNT_FILE`` as the default ledger."""

from __future__ import annotations

import datetime
import io
import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli, terminal
from aipo_budget.cli.cache import CheckSummary
from aipo_budget.cli.session import CheckRun, summary_line
from aipo_budget.outputs.layout import Layout
from aipo_budget.outputs.render import FORMATS, amount_text, render, render_text
from aipo_budget.outputs.table import Column, Kind, Status, table
from conftest import ROOT, RULES, copy_shipped_ledger

ROADMAP = Path("ledger") / "project-trafficking-roadmap.beancount"
APPROVER = '  approved-by: "Nguyen Thi Lan"\n'
WIDTH = 100
LINE = re.compile(r"(?P<file>[^:\s]+):(?P<line>\d+): (?P<severity>error|warning|waived): "
                  r"(?P<message>.+) \[(?P<rule>[A-Z0-9-]+) v(?P<version>\d+)\]")
RED = "\x1b[31m"


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped ledger whose first two outflows name no approver (two approval
    errors), and a proposed payment from the template beside it."""
    folder = tmp_path_factory.mktemp("books")
    main = copy_shipped_ledger(folder)
    roadmap = folder / ROADMAP
    text = roadmap.read_text(encoding="utf-8")
    assert text.count(APPROVER) >= 2
    roadmap.write_text(text.replace(APPROVER, "", 2), encoding="utf-8")
    template = CliRunner().invoke(cli, ["check", str(main), "--pending", "--template"])
    assert template.exit_code == 0, template.output
    (folder / "proposal.beancount").write_text(template.stdout, encoding="utf-8")
    return folder


@pytest.fixture
def inside(books: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder is the books' folder: locations print relative to it."""
    monkeypatch.chdir(books)
    return books


def invoke(*args: str, columns: int | None = None, **env: str):
    environment = {"COLUMNS": str(columns)} if columns else {}
    return CliRunner().invoke(cli, list(args), env={**environment, **env})


def first_outflow_line() -> int:
    lines = (ROOT / ROADMAP).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if "Kingdom Consultancy Group" in line)


# --- text tables within the width ---------------------------------------------------------


@pytest.mark.parametrize("command", [
    ["check"], ["check", "-f", "grid"], ["check", "-f", "plain"],
    ["report", "-t", "disbursements"], ["report", "-t", "budget"], ["rules"],
    ["explain", f"{ROADMAP}:{first_outflow_line()}"],
    ["check", "--pending", "proposal.beancount"],
], ids=" ".join)
def test_no_line_is_longer_than_columns(inside, command):
    result = invoke(*command, columns=WIDTH)
    assert result.exit_code in (0, 1), result.output
    lines = result.stdout.splitlines()
    assert len(lines) > 5
    too_long = [line for line in lines if len(line) > WIDTH]
    assert not too_long, "\n".join(too_long)


def test_without_columns_a_pipe_gets_whole_rows(inside):
    """Not a terminal and no COLUMNS: nothing says how wide, so no row is wrapped."""
    result = invoke("check")
    assert result.exit_code == 1, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("error ")]
    assert len(rows) == 2
    assert all(len(row) > WIDTH and f"{ROADMAP}:" in row for row in rows)


def test_numbers_and_dates_are_never_wrapped(inside):
    text = invoke("report", "-t", "disbursements", columns=60).stdout
    document = json.loads(invoke("report", "-t", "disbursements", "-f", "json").stdout)
    (register,) = document["tables"]
    assert register["rows"]
    for row in register["rows"]:
        assert row["date"] in text
        assert amount_text(Decimal(row["amount"])) in text
    assert max(map(len, text.splitlines())) <= 60


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_machine_formats_ignore_columns(inside, fmt):
    assert invoke("check", "-f", fmt, columns=40).stdout == invoke("check", "-f", fmt).stdout


def wide_table():
    """A short text column, a long one and an amount."""
    columns = (Column("name", "name"), Column("story", "story"),
               Column("amount", "amount (USD)", Kind.AMOUNT))
    return table("things", "Things", columns, [
        {"name": "Kingdom", "story": "word " * 20, "amount": Decimal("1234567.89")},
        {"name": "Lane Xang", "story": "short", "amount": Decimal("-5")}])


def test_the_widest_text_column_is_wrapped_first():
    out = render_text(wide_table(), "table", Layout(width=70))
    lines = out.splitlines()
    assert max(map(len, lines)) <= 70
    assert "1,234,567.89" in out and "(5.00)" in out  # amounts whole
    # the story wraps; the names, narrower, keep their line
    assert lines[0].split() == ["name", "story", "amount"]  # headers give way first
    assert lines[1].split() == ["(USD)"]
    assert [line.split()[0] for line in lines[3:] if line and not line.startswith(" ")] == [
        "Kingdom", "Lane"]
    assert sum("word" in line for line in lines) >= 2


def test_a_table_too_wide_for_its_text_becomes_records():
    columns = tuple(Column(f"c{i}", f"column {i}") for i in range(6))
    rows = [{f"c{i}": f"value {i} of row {r} " * 3 for i in range(6)} for r in range(2)]
    out = render_text(table("t", "T", columns, rows), "table", Layout(width=60))
    lines = out.splitlines()
    assert max(map(len, lines)) <= 60
    assert lines[0].startswith("column 0  value 0 of row 0")
    assert "" in lines  # a blank line between the records
    assert sum(line.startswith("column 5") for line in lines) == 2


def test_titles_notes_and_the_summary_are_wrapped_too():
    long = "word " * 40
    wide = table("t", long, (Column("a", "a"),), [{"a": "x"}], notes=[long])
    out = render("table", [wide], footer=long, layout=Layout(width=50))
    assert max(map(len, out.splitlines())) <= 50
    assert out.count("word") == 120


# --- -f lines -----------------------------------------------------------------------------


def test_lines_is_one_bean_check_line_per_finding(inside):
    result = invoke("check", "-f", "lines")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    summary = json.loads(invoke("check", "-f", "json").stdout)["summary"]
    errors = [LINE.fullmatch(line) for line in lines if ": error: " in line]
    assert len(errors) == summary["errors"] == 2
    assert len(lines) == summary["errors"] + summary["warnings"] + summary["waived"]
    for found in errors:
        assert found, lines
        assert found["file"] == str(ROADMAP)  # relative, as the other text outputs show it
        assert (inside / found["file"]).is_file()
        written = (inside / found["file"]).read_text(encoding="utf-8").splitlines()
        assert re.match(r"\d{4}-\d\d-\d\d \*", written[int(found["line"]) - 1])
        assert found["rule"] == "ORG08-APPROVAL" and "approver" in found["message"]
    assert "2 errors" in result.stderr  # the summary, off the data


def test_lines_is_refused_with_pending(inside):
    result = invoke("check", "--pending", "proposal.beancount", "-f", "lines")
    assert result.exit_code == 2
    assert "--pending" in result.output


# --- colour -------------------------------------------------------------------------------


def test_severities_are_coloured_when_asked_and_never_into_a_pipe(inside):
    coloured = invoke("check", "--color", columns=200)
    assert f"{RED}error\x1b[0m" in coloured.stdout
    assert f"{RED}error\x1b[0m: " in invoke("check", "-f", "lines", "--color").stdout
    assert "\x1b" not in invoke("check", columns=200).stdout  # a pipe: no colour
    assert "\x1b" not in invoke("check", "--no-color", columns=200).stdout


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("env", "expected"), [
    ({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False), ({"NO_COLOR": ""}, True),
])
def test_a_terminal_gets_colour_unless_no_color(monkeypatch, env, expected):
    monkeypatch.setattr(sys, "stdout", Terminal())
    monkeypatch.setenv("TERM", "xterm")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert terminal.layout("table").colour is expected
    assert terminal.layout("json").colour is False


def test_a_status_is_painted_by_its_tone():
    rows = [{"s": Status.ERROR}, {"s": Status.WARNING}, {"s": Status.WAIVED}]
    out = render_text(table("t", "T", (Column("s", "status", Kind.STATUS),), rows), "table",
                      Layout(colour=True))
    assert f"{RED}error\x1b[0m" in out and "\x1b[33mwarning\x1b[0m" in out
    assert "\nwaived" in out


# --- help ---------------------------------------------------------------------------------


def test_the_top_level_help_shows_every_summary_whole():
    result = invoke("--help", columns=80)
    assert result.exit_code == 0
    commands = " ".join(result.stdout.split("Commands:")[1].split())
    assert "..." not in commands
    for name in cli.list_commands(click.Context(cli)):
        summary = cli.get_command(click.Context(cli), name).get_short_help_str(sys.maxsize)
        assert f"{name} {summary}" in commands


def test_help_says_what_as_of_does():
    check = " ".join(invoke("check", "--help").stdout.split())
    assert "every entry is judged" in check and "2006-Q2" in check
    assert "[default: today]" not in check
    rules = " ".join(invoke("rules", "--help").stdout.split())
    assert "in force on DATE" in rules and "[default: today]" in rules


# --- --as-of in Fava's forms --------------------------------------------------------------


@pytest.mark.parametrize(("period", "day"), [("2006-Q2", "2006-06-30"), ("2006", "2006-12-31"),
                                             ("2006-02", "2006-02-28")])
def test_as_of_a_period_is_its_last_day(inside, period, day):
    by_period = invoke("check", "-f", "json", "--as-of", period)
    by_day = invoke("check", "-f", "json", "--as-of", day)
    assert by_period.exit_code == by_day.exit_code
    assert json.loads(by_period.stdout) == json.loads(by_day.stdout)
    assert json.loads(by_period.stdout)["as_of"] == day


def test_as_of_refuses_what_fava_cannot_read(inside):
    result = invoke("check", "--as-of", "2006-13")
    assert result.exit_code == 2
    assert "--as-of" in result.output and "2006-Q1" in result.output


# --- messages, plurals, "No findings" -----------------------------------------------------


@pytest.mark.parametrize(("command", "named", "unnamed"), [
    (["rules", "-f", "csv"], ["--table"], ["--output"]),
    (["report", "-f", "csv"], ["--table", "--output DIR"], []),
    (["check", "--pending", "proposal.beancount", "-f", "csv"], [], ["--output", "--table"]),
])
def test_a_csv_refusal_names_only_the_commands_options(inside, command, named, unnamed):
    result = invoke(*command)
    assert result.exit_code == 2
    assert "CSV holds one table" in result.output
    assert all(option in result.output for option in named)
    assert not [option for option in unnamed if option in result.output]


def test_the_pack_of_one_table_says_one_table(inside, tmp_path):
    result = invoke("report", "-t", "budget", "-o", str(tmp_path / "pack"))
    assert result.exit_code == 0, result.output
    assert ": 1 table\n" in result.stderr


def summary(outflows: int, transfers: int, left_out: int, until: datetime.date | None) -> str:
    counts = CheckSummary((), True, outflows, transfers, 1, left_out)
    return summary_line(CheckRun("main.beancount", "rules", datetime.date(2006, 6, 30), counts,
                                 until))


def test_the_summary_counts_in_good_english():
    day = datetime.date(2006, 6, 30)
    one = summary(1, 1, 1, day)
    assert "1 surplus outflow and 1 transfer-in judged by 1 rule from" in one
    assert "1 entry dated after 2006-06-30 left out" in one
    many = summary(50000, 2, 1200, day)
    assert "50,000 surplus outflows and 2 transfers-in" in many
    assert "1,200 entries dated after" in many
    assert "left out" not in summary(3, 2, 0, day)  # nothing left out goes unsaid
    assert "left out" not in summary(3, 2, 0, None)


def empty_findings():
    return table("findings", "Findings register", (Column("severity", "severity", Kind.STATUS),
                                                   Column("condition", "condition")), [],
                 notes=["A note for the reader."])


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f not in ("csv", "json")])
def test_an_empty_table_says_no_findings(fmt):
    out = render(fmt, [empty_findings()])
    assert "No findings." in out
    assert "severity" not in out  # no header-only table
    assert "A note for the reader." in out


def test_latex_titles_are_captions_and_notes_are_text():
    out = render("latex", [wide_table(), empty_findings()])
    assert "\\caption{Things} \\\\" in out and "\\caption{Findings register} \\\\" in out
    assert "\nA note for the reader.\n" in out
    assert out.count("\\begin{longtable}") == out.count("\\end{longtable}") == 2
    assert [line for line in out.splitlines() if line.startswith("%")] == [
        "% \\usepackage{longtable} in the preamble"]


@pytest.mark.parametrize(("fmt", "said"), [("html", "<p>No findings.</p>"),
                                           ("latex", "No findings. \\\\"),
                                           ("markdown", "\nNo findings.\n"),
                                           ("table", "No findings.\n")])
def test_check_says_no_findings_in_its_format(fmt, said):
    result = invoke("check", str(ROOT / "main.beancount"), "-r", str(RULES), "--as-of",
                    "2006-04-30", "-f", fmt)
    assert result.exit_code == 0, result.output
    assert said in result.stdout
    assert "0 errors, 0 warnings" in result.stdout


# --- BEANCOUNT_FILE -----------------------------------------------------------------------


def test_beancount_file_is_the_default_ledger(books, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no main.beancount here
    main = str(books / "main.beancount")
    found = invoke("check", "-f", "json", BEANCOUNT_FILE=main)
    assert found.exit_code == 1, found.output
    assert json.loads(found.stdout)["ledger"] == main
    named = invoke("check", "-f", "json", str(ROOT / "main.beancount"), "-r", str(RULES),
                   "--as-of", "2006-04-30", BEANCOUNT_FILE=main)
    assert named.exit_code == 0, named.output  # a ledger named wins
    several = invoke("check", "-f", "json", BEANCOUNT_FILE=f"{main}:/elsewhere/other.beancount")
    assert json.loads(several.stdout)["ledger"] == main  # Fava's list: the first
    unset = invoke("check", BEANCOUNT_FILE="")
    assert unset.exit_code == 2 and "main.beancount" in unset.output

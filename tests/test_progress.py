"""Progress on standard error: shown on a terminal once a run takes a while, erased when done,
never written to a pipe, a file or click's test runner, nor with ``--quiet``."""

from __future__ import annotations

import io
import time

import pytest
from click.testing import CliRunner

from aipo_budget.cli import progress
from aipo_budget.cli import cli
from conftest import ROOT, RULES

BOOKS = [str(ROOT / "main.beancount"), "--rules", str(RULES), "--as-of", "2006-12-31"]
PATIENCE = 30.0  # seconds a test waits for the timer thread before it calls it broken


class Terminal(io.StringIO):
    """Standard error on a terminal: everything written to it, and what is left on screen."""

    def isatty(self) -> bool:
        return True

    def screen(self) -> list[str]:
        """The lines a terminal shows: a carriage return goes back to overwrite the line."""
        lines, column = [""], 0
        for char in self.getvalue():
            if char == "\r":
                column = 0
            elif char == "\n":
                lines.append("")
                column = 0
            else:
                line = lines[-1]
                lines[-1] = line[:column] + char + line[column + 1:]
                column += 1
        return [line.rstrip() for line in lines]


def on_terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """Standard error is a terminal from now on, and the run has already taken long enough.

    Called in the test itself: pytest's capture sets sys.stderr again after the fixtures."""
    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(progress, "THRESHOLD", 0.0)
    return stream


def test_a_stage_is_shown_and_erased(monkeypatch):
    terminal = on_terminal(monkeypatch)
    with progress.stage("reading 12 ledger files"):
        assert terminal.screen() == ["aipo-budget: reading 12 ledger files..."]
    assert "reading 12 ledger files" in terminal.getvalue()
    assert terminal.screen() == [""]


def test_a_slow_stage_appears_after_the_threshold(monkeypatch):
    terminal = on_terminal(monkeypatch)
    monkeypatch.setattr(progress, "THRESHOLD", 0.05)
    with progress.stage("slow work"):
        deadline = time.monotonic() + PATIENCE
        while "slow work" not in terminal.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert terminal.screen() == ["aipo-budget: slow work..."]
    assert terminal.screen() == [""]


def test_a_quick_run_writes_nothing(monkeypatch):
    terminal = on_terminal(monkeypatch)
    monkeypatch.setattr(progress, "THRESHOLD", 3600.0)
    with progress.stage("quick work"), progress.stage("quicker still"):
        pass
    assert terminal.getvalue() == ""


def test_stages_replace_each_other_and_never_go_back(monkeypatch):
    terminal = on_terminal(monkeypatch)
    with progress.stage("reading the ledger"):
        with progress.stage("auditing 701 transactions"):
            assert terminal.screen() == ["aipo-budget: auditing 701 transactions..."]
        # the enclosing stage's text again would read as going backwards
        assert terminal.screen() == ["aipo-budget: auditing 701 transactions..."]
        with progress.stage("writing the output"):
            assert terminal.screen() == ["aipo-budget: writing the output..."]
    assert terminal.screen() == [""]
    shown = [text for text in ("reading the ledger", "auditing 701", "writing the output")
             if text in terminal.getvalue()]
    assert shown == ["reading the ledger", "auditing 701", "writing the output"]
    assert terminal.getvalue().count("reading the ledger") == 1


def test_a_long_stage_counts_with_thousands_separators(monkeypatch):
    terminal = on_terminal(monkeypatch)
    monkeypatch.setattr(progress, "REDRAW", 0.0)
    with progress.stage("writing evidence") as count:
        count(1200, 50000)
        assert terminal.screen() == ["aipo-budget: writing evidence (1,200 of 50,000)..."]
        count(50000, 50000)
        assert terminal.screen() == ["aipo-budget: writing evidence (50,000 of 50,000)..."]
    count(1, 2)  # after its stage: nothing
    assert terminal.screen() == [""]


def test_counts_are_drawn_at_most_every_tenth_of_a_second(monkeypatch):
    terminal = on_terminal(monkeypatch)
    monkeypatch.setattr(progress, "REDRAW", 3600.0)
    with progress.stage("writing tables") as count:
        count(1, 3)  # drawn just now: not again before REDRAW, except the last
        assert terminal.screen() == ["aipo-budget: writing tables..."]
        count(3, 3)
        assert terminal.screen() == ["aipo-budget: writing tables (3 of 3)..."]


def test_an_error_in_a_stage_leaves_no_partial_line(monkeypatch):
    terminal = on_terminal(monkeypatch)
    with pytest.raises(RuntimeError), progress.stage("writing the audit pack"):
        raise RuntimeError("disk full")
    assert terminal.screen() == [""]


def test_a_long_text_stays_on_one_line(monkeypatch):
    terminal = on_terminal(monkeypatch)
    monkeypatch.setenv("COLUMNS", "30")
    with progress.stage("x" * 200):
        # a wrapped line could not be taken back: the text is cut to the terminal's width
        assert terminal.screen() == [("aipo-budget: " + "x" * 200)[:29]]
    assert terminal.screen() == [""]


@pytest.mark.parametrize("setting", ["pipe", "dumb", "silenced"])
def test_nothing_is_written_off_a_terminal_or_when_silenced(monkeypatch, setting):
    terminal = on_terminal(monkeypatch)
    if setting == "pipe":
        monkeypatch.setattr(Terminal, "isatty", lambda self: False)
    elif setting == "dumb":
        monkeypatch.setenv("TERM", "dumb")
    else:
        # outside a command the state is the module's own: leave it as it was found
        monkeypatch.setattr(progress, "_OUTSIDE_COMMANDS", progress._Run())
        progress.silence()
    with progress.stage("reading the ledger"):
        pass
    assert terminal.getvalue() == ""


def run_cli(*args: str) -> None:
    """The command run in this process with the terminal as standard error (CliRunner would
    replace it)."""
    assert cli.main(list(args), standalone_mode=False) in (None, 0)


def test_a_command_on_a_terminal_shows_its_stages_and_erases_them(monkeypatch, capsys):
    terminal = on_terminal(monkeypatch)
    run_cli("report", *BOOKS, "-t", "fund-statement")
    written = terminal.getvalue()
    assert "aipo-budget: reading the ledger..." in written
    assert "aipo-budget: auditing " in written and " transactions..." in written
    assert all("aipo-budget:" not in line for line in terminal.screen())
    assert "Statement of the Surplus Fund" in capsys.readouterr().out


def test_quiet_writes_nothing_and_the_next_run_shows_progress_again(monkeypatch, capsys):
    terminal = on_terminal(monkeypatch)
    run_cli("report", *BOOKS, "-t", "fund-statement", "--quiet")
    assert terminal.getvalue() == ""
    run_cli("report", *BOOKS, "-t", "fund-statement")
    assert "aipo-budget: reading the ledger..." in terminal.getvalue()
    assert "Statement of the Surplus Fund" in capsys.readouterr().out


def test_writing_the_pack_is_a_stage_erased_before_the_message(monkeypatch, tmp_path):
    terminal = on_terminal(monkeypatch)
    run_cli("report", *BOOKS, "-o", str(tmp_path / "pack"))
    assert "aipo-budget: writing the audit pack..." in terminal.getvalue()
    screen = [line for line in terminal.screen() if line]
    assert len(screen) == 1 and screen[0].startswith(f"audit pack written to {tmp_path}")


@pytest.mark.parametrize("command", [["check", "--no-cache"], ["report", "-t", "budget"]])
def test_click_runner_output_has_no_progress(monkeypatch, command):
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr(progress, "THRESHOLD", 0.0)
    result = CliRunner().invoke(cli, [*command, *BOOKS])
    assert result.exit_code == 0, result.output
    assert "aipo-budget: reading" not in result.output
    assert "..." not in result.stderr
    assert "\r" not in result.output


def test_writing_the_pack_counts_its_files_forward(tmp_path, monkeypatch):
    """The long stage of `report --output` says how many of the pack's files are written."""
    import contextlib

    from aipo_budget.cli import report as report_command
    from conftest import copy_shipped_ledger

    seen: dict[str, list[tuple[int, int]]] = {}

    @contextlib.contextmanager
    def recorded(text):
        counts = seen.setdefault(text, [])
        yield lambda done, total: counts.append((done, total))

    monkeypatch.setattr(report_command.progress, "stage", recorded)
    main = copy_shipped_ledger(tmp_path / "books")
    out = tmp_path / "pack"
    result = CliRunner().invoke(cli, ["report", str(main), "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    counts = seen["writing the audit pack"]
    done = [d for d, _total in counts]
    assert done == list(range(1, len(counts) + 1))  # one at a time, never back
    assert {total for _done, total in counts} == {len(counts)}
    evidence = [p for p in (out / "evidence").rglob("*") if p.is_file()]
    assert len(counts) > len(evidence) > 0  # the tables, the workbook, then the evidence

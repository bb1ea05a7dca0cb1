"""Bad input and a failing output: one clear line naming the place, exit status 2, never a
traceback (issue 8, section 5)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.core import ledger as ledger_module
from aipo_budget import plugin
from aipo_budget.cli import cli
from conftest import PRELUDE, RULES, ROOT, write_ledger

MAIN = [sys.executable, "-c", "from aipo_budget.cli import main; main()"]
# The shipped ledger judged by the tests' rules, which no amendment of the shipped rules/ changes
BOOKS = (str(ROOT / "main.beancount"), "--rules", str(RULES))
OUTFLOW = """
2006-02-15 * "Kingdom Consultancy" "Research consultant"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"
  document: "2006-02-15.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
  Assets:Surplus-Fund:Bank
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def lines_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


def assert_clean_failure(result, *expected: str) -> list[str]:
    """Exit status 2, no traceback, and each of ``expected`` on one line of stderr."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = lines_of(result.stderr)
    for text in expected:
        assert any(text in line for line in lines), (text, result.stderr)
    return lines


# --- the ledger and its includes ----------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "report"])
def test_a_missing_ledger_is_reported_before_its_missing_rules_folder(tmp_path, monkeypatch,
                                                                      command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "books").mkdir()  # no rules/ beside the ledger either
    result = invoke(command, "books/../books/nope.beancount")
    lines = assert_clean_failure(result, "books/../books/nope.beancount: no such ledger file")
    assert lines == ["books/../books/nope.beancount: no such ledger file"]  # as given


@pytest.mark.parametrize("returned", ["5, []",
                                      "[data.Open(None, None, 'Assets:X', None, None)], []"])
def test_a_plugin_that_returns_garbage_is_an_input_error(tmp_path, monkeypatch, returned):
    """A plugin that returns no (entries, errors), or entries without a date: Beancount fails
    after it (AttributeError, TypeError), which was exit 3, an internal error."""
    (tmp_path / "garbage_plugin.py").write_text(
        "from beancount.core import data\n__plugins__ = ['garbage']\n"
        f"def garbage(entries, options_map, config=None):\n    return {returned}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    ledger = write_ledger(tmp_path, 'plugin "garbage_plugin"\n' + OUTFLOW)
    assert_clean_failure(invoke("check", str(ledger), "--rules", str(RULES), "--no-cache"),
                         "Beancount failed loading the ledger")


def test_a_missing_include_names_the_including_file_and_line(tmp_path, monkeypatch):
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "a.beancount").write_text('; a comment\ninclude "nothing-*.beancount"\n')
    write_ledger(tmp_path, 'include "ledger/a.beancount"\ninclude "missing.beancount"\n')
    shutil.copytree(RULES, tmp_path / "rules")
    monkeypatch.chdir(tmp_path)
    top_line = PRELUDE.count("\n") + 3
    lines = assert_clean_failure(
        invoke("check", "main.beancount"),
        f'main.beancount:{top_line}: include "missing.beancount" does not match any files',
        'ledger/a.beancount:2: include "nothing-*.beancount" does not match any files')
    assert len(lines) == 2


def test_a_cyclic_include_names_the_including_file_and_line(tmp_path, monkeypatch):
    write_ledger(tmp_path, 'include "b.beancount"\n')
    (tmp_path / "b.beancount").write_text(
        '2006-01-01 open Assets:Other\n\ninclude "main.beancount"\n')
    monkeypatch.chdir(tmp_path)
    lines = assert_clean_failure(invoke("check", "main.beancount", "--rules", str(RULES)),
                                 'b.beancount:3: include "main.beancount" makes an include cycle')
    assert len(lines) == 1


def test_a_file_included_twice_names_the_second_include(tmp_path, monkeypatch):
    (tmp_path / "x.beancount").write_text("2006-01-01 open Assets:Other\n")
    write_ledger(tmp_path, 'include "x.beancount"\ninclude "*.beancount"\n')
    monkeypatch.chdir(tmp_path)
    line = PRELUDE.count("\n") + 3
    result = invoke("check", "main.beancount", "--rules", str(RULES))
    # "*.beancount" names main.beancount itself (a cycle) and x.beancount again
    assert_clean_failure(result, f'main.beancount:{line}: include "*.beancount"')


@pytest.mark.parametrize(("content", "expected"), [
    # bytes that are no UTF-8 text where Beancount reads (a token, a name): it cannot
    (b'option "title" \xff\xfe binary', "main.beancount:1: not a UTF-8 text file (byte 0xff at "
                                         "line 1): Beancount cannot read it"),
    (b'2006-01-01 open Assets:Caf\xe9\n', "main.beancount:1: not a UTF-8 text file (byte 0xe9 "
                                          "at line 1): Beancount cannot read it"),
    (b"\x00\x01\x02PNG-like", "main.beancount:1: not a UTF-8 text file (byte 0x00 at line 1)"),
    (b'\xef\xbb\xbfoption "title" "x"\n', "main.beancount: starts with a byte-order mark"),
])
def test_a_binary_or_non_utf8_ledger_says_so(tmp_path, monkeypatch, content, expected):
    (tmp_path / "main.beancount").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    lines = assert_clean_failure(invoke("report", "main.beancount", "--rules", str(RULES)),
                                 expected)
    assert len(lines) == 1


def test_a_non_utf8_included_file_names_it_and_its_include(tmp_path, monkeypatch):
    (tmp_path / "latin1.beancount").write_bytes(b'2006-01-01 open Assets:Caf\xe9\n')
    write_ledger(tmp_path, 'include "latin1.beancount"\n')
    monkeypatch.chdir(tmp_path)
    line = PRELUDE.count("\n") + 2
    lines = assert_clean_failure(
        invoke("check", "main.beancount", "--rules", str(RULES)),
        "latin1.beancount:1: not a UTF-8 text file (byte 0xe9 at line 1): Beancount cannot "
        f"read it, included by main.beancount:{line}")
    assert len(lines) == 1


def test_an_included_fifo_is_refused_not_waited_for(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / "pipe.beancount")
    write_ledger(tmp_path, 'include "pipe.beancount"\n')
    monkeypatch.chdir(tmp_path)
    assert_clean_failure(invoke("check", "main.beancount", "--rules", str(RULES)),
                         'include "pipe.beancount": pipe.beancount: cannot read: '
                         "not a regular file")


def test_syntax_errors_are_all_listed_up_to_20_then_a_count(tmp_path, monkeypatch):
    broken = "".join(f'2006-02-{day:02d} * "Broken {day}"\n'
                     "  Assets:Surplus-Fund:Bank  12..5 USD\n\n"
                     for day in range(1, 26))
    ledger = write_ledger(tmp_path, broken)
    monkeypatch.chdir(tmp_path)
    result = invoke("check", "main.beancount", "--rules", str(RULES))
    lines = assert_clean_failure(result, "... and 5 more errors")
    numbers = [number for number, text in enumerate(ledger.read_text().splitlines(), start=1)
               if "12..5" in text]
    assert len(numbers) == 25
    assert lines[:20] == [line for line in lines if line.startswith("main.beancount:")]
    assert [int(line.split(":")[1]) for line in lines[:20]] == numbers[:20]
    assert lines[20] == "... and 5 more errors" and len(lines) == 21


def test_three_syntax_errors_are_three_lines(tmp_path):
    broken = "".join(f'2006-02-{day:02d} * "Broken"\n  Assets:Surplus-Fund:Bank  12..5 USD\n\n'
                     for day in range(1, 4))
    ledger = write_ledger(tmp_path, broken)
    lines = assert_clean_failure(invoke("check", str(ledger), "--rules", str(RULES)))
    assert len(lines) == 3 and all(line.startswith(str(ledger) + ":") for line in lines)


def test_beancount_messages_become_one_short_line():
    Error = namedtuple("LexerError", "source message entry")
    message = "Invalid token: '\x1b[31m" + "x" * 1000 + "'\nsecond line\n"
    filename, lineno, text = ledger_module._where(Error({"filename": "/l.beancount", "lineno": 3},
                                                       message, None), "/top.beancount")
    assert (filename, lineno) == ("/l.beancount", 3)
    assert "\n" not in text and "\x1b" not in text and "\\x1b[31m" in text
    assert len(text) <= ledger_module.MAX_MESSAGE and text.endswith("...")
    where = ledger_module._where(Error({"filename": "<load>", "lineno": 0}, "oops", None),
                                 "/top.beancount")
    assert where == ("/top.beancount", 0, "oops")


# --- rules out of range -------------------------------------------------------------------


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("26GA-2005-Soc-03.toml", "params.allocation = 40000.00", "params.allocation = 1e16",
     "parameter 'allocation': 1E+16 is above the largest amount accepted (10^15)"),
    ("23GA-2002-Org-08.toml", "params.floor = 100000.00", "params.floor = 1000000000000001",
     "parameter 'floor': 1000000000000001 is above the largest amount accepted"),
    ("26GA-2005-Soc-03.toml", "params.payment_window_days = 60",
     "params.payment_window_days = 3651",
     "parameter 'payment_window_days': 3651 is above the largest accepted (3650)"),
    ("26GA-2005-Soc-03.toml", "params.end = 2006-06-30", "params.end = 3000-01-01",
     "parameter 'end': 3000-01-01 is outside 1900-01-01..2999-12-31"),
    ("26GA-2005-Soc-03.toml", "  effective = 2005-09-23\n", "  effective = 1899-12-31\n",
     "field 'effective': 1899-12-31 is outside 1900-01-01..2999-12-31"),
    ("26GA-2005-Soc-03.toml", "adopted = 2005-09-23", "adopted = 9999-12-31",
     "[instrument]: field 'adopted': 9999-12-31 is outside"),
    ("23GA-2002-Org-08.toml", "params.approvers_above = 2", "params.approvers_above = 101",
     "parameter 'approvers_above': 101 is above the largest accepted (100)"),
    ("23GA-2002-Org-08.toml", "params.threshold = 5000.00", "params.threshold.x = 1",
     "parameter 'threshold': expected an amount in USD, e.g. 40000.00, not a table"),
    ("23GA-2002-Org-08.toml", 'params.categories = ["Research",',
     'params.categories = [["Research"], "Nested",',
     "parameter 'categories': expected a list of strings; item 1 is an array"),
    ("art21.toml", 'params.resolutions = ["26GA/2005/Soc/03"]',
     'params.resolutions.deeper = ["26GA/2005/Soc/03"]',
     "parameter 'resolutions': expected a non-empty list of strings, not a table"),
    ("ledger.toml", "", "x = " + "[" * 3000 + "]" * 3000 + "\n",
     "nested far deeper than any rule needs"),
    ("ledger.toml", "", "x = 1" + "0" * 5000 + "\n", "not valid TOML"),
])
def test_rules_out_of_range_name_the_field(tmp_path, file, old, new, expected):
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    path = rules / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(new + text if not old else text.replace(old, new, 1), encoding="utf-8")
    ledger = write_ledger(tmp_path, OUTFLOW)
    lines = assert_clean_failure(invoke("check", str(ledger), "--as-of", "2007-01-01"),
                                 file, expected)
    assert len(lines) == 1 and "invalid rules" in lines[0]


# --- dates of the command line ------------------------------------------------------------


@pytest.mark.parametrize(("command", "option", "value"), [
    ("check", "--as-of", "9999-12-31"),
    ("report", "--as-of", "9999-12-31"),
    ("report", "--as-of", "1899-12-31"),
    ("report", "--from", "0001-01-01"),
    ("report", "--to", "3000-01-01"),
])
def test_dates_beyond_the_years_a_ledger_means_are_usage_errors(command, option, value):
    result = invoke(command, *BOOKS, option, value)
    assert result.exit_code == 2, result.output
    expected = f"Invalid value for '{option}': {value} is outside 1900-01-01..2999-12-31"
    assert expected in result.stderr


@pytest.mark.parametrize("command", ["check", "report"])
def test_the_last_accepted_day_works(command):
    result = invoke(command, *BOOKS, "--as-of", "2999-12-31")
    assert result.exit_code == 0, result.output
    assert "2999-12-31" in result.stdout


def test_the_first_accepted_day_works():
    result = invoke("report", *BOOKS, "--from", "1900-01-01",
                    "--to", "2999-12-31", "--table", "fund-statement")
    assert result.exit_code == 0, result.output


# --- a full or closed standard output -----------------------------------------------------


@pytest.mark.parametrize("command", [["check", "--no-cache"], ["report"]])
def test_a_full_standard_output_is_an_output_error(command):
    if not os.path.exists("/dev/full"):
        pytest.fail("this test needs /dev/full (Linux)")
    with open("/dev/full", "w") as full:
        done = subprocess.run([*MAIN, *command, "--rules", str(RULES)], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "aipo-budget: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("command", [["check", "--no-cache"], ["report"]])
def test_a_closed_pipe_exits_2_quietly(command):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written: EPIPE, every time
    try:
        done = subprocess.run([*MAIN, *command, "--rules", str(RULES)], cwd=ROOT, stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ""


def test_output_still_reaches_a_working_pipe():
    done = subprocess.run([*MAIN, "report", "--table", "budget", "--format", "csv", "--rules",
                           str(RULES)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("project,category,allocation (original)")


# --- the plugin under bean-check ----------------------------------------------------------


def bean_check(ledger: Path) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("bean-check")
    return subprocess.run([str(script), str(ledger)], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize(("content", "expected"), [
    ("[[rule]\n", "not valid TOML"),
    ("x = " + "[" * 3000 + "]" * 3000 + "\n", "nested far deeper than any rule needs"),
    ("[[rule]]\nid = 'X'\nkind = 'approval'\ncitation = 'c'\nseverity = 'error'\n"
     "[[rule.version]]\neffective = 2002-01-01\nparams.threshold.x = 1\n"
     "params.approvers_above = 2\n", "parameter 'threshold'"),
])
def test_bean_check_shows_the_plugins_one_line_error(tmp_path, content, expected):
    ledger = tmp_path / "main.beancount"
    ledger.write_text('option "operating_currency" "USD"\nplugin "aipo_budget.plugin" "rules"\n'
                      "2006-01-01 open Assets:Cash\n", encoding="utf-8")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "x.toml").write_text(content, encoding="utf-8")
    done = bean_check(ledger)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    lines = lines_of(done.stderr)
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"{tmp_path / 'rules' / 'x.toml'}:")
    assert "aipo-budget rules:" in lines[0] and expected in lines[0]


def test_an_unexpected_failure_in_the_plugin_is_one_error(tmp_path, monkeypatch):
    from beancount import loader
    from beancount.parser import printer

    def broken_audit(*args, **kwargs):
        raise KeyError("surprise\nwith a second line")

    monkeypatch.setattr(plugin, "audit", broken_audit)
    ledger = write_ledger(tmp_path, OUTFLOW)
    text = ledger.read_text(encoding="utf-8").replace(
        'option "title"', f'plugin "aipo_budget.plugin" "{RULES}"\noption "title"', 1)
    ledger.write_text(text, encoding="utf-8")
    _entries, errors, _options = loader.load_file(str(ledger))
    (error,) = [e for e in errors if type(e).__name__ == "AuditError"]
    assert not [e for e in errors if type(e).__name__ == "LoadError"]
    shown = printer.format_error(error)
    assert "Traceback" not in shown
    assert len(lines_of(shown)) == 1
    assert "the Surplus Fund audit failed (KeyError: 'surprise\\nwith a second line')" in shown

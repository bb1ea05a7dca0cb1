"""Beancount validates in a forked copy while the audit runs (aipo_budget.overlap): the verdict
is the same as when the two run in turn, whatever the ledger's errors, and a copy that fails
costs time, never a result."""

from __future__ import annotations

import gc
import json
import os
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from beancount import loader
from beancount.core import data

from aipo_budget import overlap
from aipo_budget.cli import cli
from aipo_budget.ledger import LedgerInputError, beancount_errors, load_ledger_and
from conftest import SHIPPED_PLUGIN_LINE, copy_shipped_ledger

# Beancount's last steps report each of these: its validation, a posting to an account never
# opened and a currency the account does not allow; its balance check, a failed assertion (the
# Balance entry it returns then differs from the one it was given: it carries the difference).
VALIDATION_ERRORS = """
2006-03-01 * "Stationer" "Paper"
  Expenses:Nowhere  10.00 USD
  Income:Nowhere

2006-03-02 * "Bookshop" "Books, paid in kip"
  Assets:Surplus-Fund:Bank  -1000 LAK
  Expenses:Projects:Trafficking-Roadmap:Research

2006-12-31 balance Assets:Surplus-Fund:Bank  1.00 USD
"""


@pytest.fixture
def two_processors(monkeypatch):
    """Fork as a machine with a spare processor does, whatever this one has, and for the
    tests' small ledgers too."""
    monkeypatch.setattr(overlap, "processors", lambda: 2)
    monkeypatch.delenv(overlap.JOBS, raising=False)
    monkeypatch.setattr(overlap, "ENTRIES_WORTH_A_COPY", 0)


def test_the_background_runs_in_another_process(two_processors):
    here = os.getpid()
    there, ahead = overlap.both(os.getpid, os.getpid)
    assert ahead == here
    assert there != here


def test_one_job_runs_both_here(two_processors, monkeypatch):
    monkeypatch.setenv(overlap.JOBS, "1")
    assert overlap.both(os.getpid, os.getpid) == (os.getpid(), os.getpid())


def test_work_not_worth_a_copy_is_done_here(two_processors):
    assert overlap.both(os.getpid, os.getpid, worth_it=False) == (os.getpid(), os.getpid())


def test_a_small_ledger_is_loaded_without_a_copy(tmp_path, two_processors, monkeypatch):
    """The shipped ledger (about 1,000 entries) is below the size where a copy pays; the
    same load of it forks once the threshold is lowered."""
    monkeypatch.setattr(overlap, "ENTRIES_WORTH_A_COPY", 5_000)
    ledger = copy_shipped_ledger(tmp_path)
    forked = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(1) or real_fork())
    load_ledger_and(str(ledger), meanwhile=lambda entries, options: len(entries))
    assert not forked
    monkeypatch.setattr(overlap, "ENTRIES_WORTH_A_COPY", 1_000)
    load_ledger_and(str(ledger), meanwhile=lambda entries, options: len(entries))
    assert forked == [1]


def test_a_single_processor_runs_both_here(monkeypatch):
    monkeypatch.setattr(overlap, "processors", lambda: 1)
    assert overlap.both(os.getpid, os.getpid) == (os.getpid(), os.getpid())


def _fails_elsewhere(how):
    """A background function that fails in a forked copy, and works here."""
    here = os.getpid()

    def background():
        if os.getpid() != here:
            how()
        return ["computed", os.getpid()]
    return background


def _kill_self():
    os.kill(os.getpid(), signal.SIGKILL)


def _raise():
    raise RuntimeError("the copy failed")


def _exit_quietly():
    os._exit(0)  # no result written: an empty pipe is not a result


@pytest.mark.parametrize("how", [_raise, _kill_self, _exit_quietly],
                         ids=["exception", "killed", "no-result"])
def test_a_copy_that_fails_is_replaced_by_the_work_done_here(two_processors, how):
    result, ahead = overlap.both(_fails_elsewhere(how), lambda: "audit")
    assert result == ["computed", os.getpid()]
    assert ahead == "audit"


def test_a_result_that_cannot_be_pickled_is_computed_here(two_processors):
    here = os.getpid()
    result, _ = overlap.both(lambda: (lambda: os.getpid()), lambda: None)
    assert result() == here


def test_a_failing_foreground_stops_the_copy(two_processors, monkeypatch):
    started = []
    real_fork = os.fork

    def fork():
        pid = real_fork()
        if pid:
            started.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)

    def foreground():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        overlap.both(lambda: signal.pause(), foreground)
    (pid,) = started
    with pytest.raises(ChildProcessError):  # killed and reaped: no process left behind
        os.waitpid(pid, os.WNOHANG)


def _check_json(ledger: Path) -> dict:
    result = CliRunner().invoke(cli, ["check", str(ledger), "--no-cache", "-f", "json",
                                      "--as-of", "2006-12-31"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("plugin_line", [True, False], ids=["plugin-line", "no-plugin-line"])
def test_the_verdict_is_the_same_with_and_without_the_copy(tmp_path, monkeypatch,
                                                           two_processors, plugin_line):
    ledger = copy_shipped_ledger(tmp_path)
    text = ledger.read_text(encoding="utf-8")
    if not plugin_line:
        text = text.replace(SHIPPED_PLUGIN_LINE, "")
    ledger.write_text(text + VALIDATION_ERRORS, encoding="utf-8")
    forked = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forked.append(1) or real_fork())
    together = _check_json(ledger)
    assert forked, "the validation should have run in a copy"
    monkeypatch.setenv(overlap.JOBS, "1")
    in_turn = _check_json(ledger)
    assert len(forked) == 1
    assert together == in_turn
    messages = [f["message"] for f in together["findings"] if f["kind"] == "ledger"]
    assert any("Expenses:Nowhere" in m for m in messages), messages  # unopened account
    assert any("LAK" in m for m in messages), messages  # currency constraint
    assert any("Balance failed" in m for m in messages), messages


def test_the_entries_and_errors_are_beancounts_own(tmp_path, two_processors):
    """The steps of loader._load, the audit beside its last ones: the same entries (the failed
    assertion's as Beancount's balance check returns it) and the same errors, in order."""
    ledger = copy_shipped_ledger(tmp_path)
    ledger.write_text(ledger.read_text(encoding="utf-8") + VALIDATION_ERRORS, encoding="utf-8")
    seen = []
    entries, errors, options, ahead = load_ledger_and(
        str(ledger), meanwhile=lambda entries, options: seen.append(entries) or "audited")
    theirs, their_errors, _ = loader._load([(str(ledger), True)], None, None, None)
    assert ahead == "audited"
    assert entries == theirs
    assert [(type(e), e.message) for e in errors] == [
        (type(e), e.message) for e in beancount_errors(their_errors)]
    failed = [e for e in entries if isinstance(e, data.Balance) and e.diff_amount]
    assert len(failed) == 1
    # the audit saw the same entries but that one, before its balance was checked
    (before,) = seen
    assert [e for e in before if e not in entries] == [failed[0]._replace(diff_amount=None)]



def test_the_collector_is_paused_during_the_load_and_restored_after(tmp_path):
    """aipo_budget.loading pauses Python's cyclic collector while Beancount loads (the load
    frees nothing it could find); it is on again afterwards, even when the load fails, and a
    collector that was off stays off."""
    ledger = copy_shipped_ledger(tmp_path)
    seen = []
    load_ledger_and(str(ledger), meanwhile=lambda entries, options: seen.append(gc.isenabled()))
    assert seen == [False]
    assert gc.isenabled()
    broken = tmp_path / "broken.beancount"
    broken.write_text("2006-01-01 open Assets:Cash\n2006-01-02 * \"x\n", encoding="utf-8")
    with pytest.raises(LedgerInputError):
        load_ledger_and(str(broken), meanwhile=lambda entries, options: None)
    assert gc.isenabled()
    gc.disable()
    try:
        load_ledger_and(str(ledger))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_only_linux_forks(two_processors, monkeypatch):
    """macOS system libraries may crash in a forked copy; Windows cannot fork."""
    for platform, forks in (("linux", True), ("darwin", False), ("win32", False)):
        monkeypatch.setattr(overlap.sys, "platform", platform)
        assert overlap.can_fork() is forks


@pytest.mark.parametrize("jobs", ["2", "1"])
def test_a_failure_in_beancounts_last_steps_is_unreadable_input(tmp_path, monkeypatch,
                                                               two_processors, jobs):
    """Beancount records a plugin that raises as a LoadError: its balance check, run beside
    the audit, failing so is bad input (exit 2), as in Beancount's own load, not a finding."""
    from beancount.ops import balance

    def broken(entries, options_map):
        raise RuntimeError("boom")

    monkeypatch.setattr(balance, "check", broken)
    monkeypatch.setenv(overlap.JOBS, jobs)
    ledger = copy_shipped_ledger(tmp_path)
    result = CliRunner().invoke(cli, ["check", str(ledger), "--no-cache"])
    assert result.exit_code == 2, result.output
    assert "beancount.ops.balance" in result.output and "boom" in result.output
    assert "Traceback" not in result.output


def test_no_pipe_means_the_work_is_done_in_turn(two_processors, monkeypatch):
    def no_pipe():
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(os, "pipe", no_pipe)
    assert overlap.both(os.getpid, os.getpid) == (os.getpid(), os.getpid())

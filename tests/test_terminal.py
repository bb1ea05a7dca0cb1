"""The command in a shell: closed streams, Ctrl-C, shell completion and Python's profiler get
the exit statuses docs/commands.md states, and never a traceback."""

from __future__ import annotations

import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, RULES

MAIN = [sys.executable, "-c", "from aipo_budget.cli import main; main()"]
CHECK = [*MAIN, "check", "--no-cache", str(ROOT / "main.beancount"), "--rules", str(RULES)]


def shell(command: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """``command`` run by sh in ``folder``, for its redirections (``>&-``)."""
    return subprocess.run(["sh", "-c", command], cwd=folder, capture_output=True, text=True,
                          timeout=120)


def quoted(argv: list[str]) -> str:
    return " ".join(f"'{arg}'" for arg in argv)


def test_a_closed_standard_output_is_exit_2_with_a_message(tmp_path):
    done = shell(f"{quoted(CHECK)} >&-", tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr == "aipo-budget: cannot write the output: the standard output is closed\n"


def test_a_closed_standard_error_does_not_change_the_verdict(tmp_path):
    done = shell(f"{quoted(CHECK)} 2>&-", tmp_path)
    assert done.returncode == 0
    assert "0 errors, 0 warnings" in done.stdout


def test_a_closed_standard_input_for_pending_is_exit_2(tmp_path):
    done = shell(f"{quoted([*CHECK, '--pending', '-'])} <&-", tmp_path)
    assert done.returncode == 2, done.stderr
    assert "standard input is closed" in done.stderr
    assert "Traceback" not in done.stderr


# the number of read(2), as /proc/PID/syscall shows it, on the machines these tests run on
READ_SYSCALL = {"x86_64": "0", "aarch64": "63"}


def reading_its_standard_input(pid: int, timeout: float = 60.0) -> None:
    """Wait until process ``pid`` is blocked in read(2) on file descriptor 0, as Linux's
    /proc/PID/syscall shows it (the number of read, then its first argument); where that
    file cannot be read, or read's number is not known, wait as long as start-up takes on a
    busy machine."""
    number = READ_SYSCALL.get(platform.machine())
    if number is not None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                fields = Path(f"/proc/{pid}/syscall").read_text().split()
            except OSError:
                break
            if fields[:2] == [number, "0x0"]:
                return
            time.sleep(0.02)
        else:
            raise AssertionError(f"process {pid} never read its standard input")
    time.sleep(3)


def test_ctrl_c_is_exit_130(tmp_path):
    # a proposal read from a pipe that never ends: the command waits until interrupted. The
    # child gets Ctrl-C's default disposition, as from a terminal: a shell without job control
    # starts a command run in the background (`make test &`) with SIGINT ignored, and the
    # child would inherit that, never be interrupted and read the end of its input instead
    child = subprocess.Popen([*CHECK, "--pending", "-"], cwd=tmp_path, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        reading_its_standard_input(child.pid)  # past start-up
        child.send_signal(signal.SIGINT)
        _out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 130, err
    assert "Traceback" not in err


def test_ctrl_c_while_beancount_parses_is_an_interrupt_not_a_ledger_error(monkeypatch):
    """Beancount's parser turns an exception in its callbacks, Ctrl-C's too, into one of its
    errors: the ledger was refused as unreadable (exit 2, "grammar.py: KeyboardInterrupt")."""
    from beancount.parser import grammar

    from aipo_budget.core.ledger import load_ledger

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(grammar.Builder, "transaction", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_ledger(str(ROOT / "main.beancount"))


def test_shell_completion_prints_its_script_and_completes_commands():
    command = str(Path(sys.executable).with_name("aipo-budget"))  # the console script
    env = {**os.environ, "_AIPO_BUDGET_COMPLETE": "bash_source"}
    source = subprocess.run([command], env=env, capture_output=True, text=True, timeout=60)
    assert source.returncode == 0, source.stderr
    assert "_aipo_budget_completion()" in source.stdout
    env = {**os.environ, "_AIPO_BUDGET_COMPLETE": "bash_complete",
           "COMP_WORDS": "aipo-budget ch", "COMP_CWORD": "1"}
    words = subprocess.run([command], env=env, capture_output=True, text=True, timeout=60)
    assert words.returncode == 0, words.stderr
    assert words.stdout.split() == ["plain,check"]


def test_python_profiler_writes_its_profile(tmp_path):
    """The process ends through Python's own exit: cProfile and coverage get to write."""
    profile = tmp_path / "check.prof"
    code = ("import sys, cProfile; from aipo_budget.cli import main; "
            f"sys.argv = ['aipo-budget', *{CHECK[3:]!r}]; "
            f"cProfile.run('main()', {str(profile)!r})")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert profile.stat().st_size > 1000


def test_a_working_folder_removed_since_is_said_not_taken_for_an_output_error(tmp_path):
    # found by fuzzing: "cannot write the output: No such file or directory", exit 2
    gone = tmp_path / "gone"
    gone.mkdir()
    done = shell(f"cd {gone} && rmdir {gone} && {quoted(CHECK)}", tmp_path)
    assert done.returncode == 2, done.stderr
    assert "the working folder no longer exists" in done.stderr
    assert "cannot write the output" not in done.stderr and "Traceback" not in done.stderr

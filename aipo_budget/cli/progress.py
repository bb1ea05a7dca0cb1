"""Progress of long work on standard error, for a person watching a terminal.

Once a run has taken about a second (:data:`THRESHOLD`), the open stage's text is shown on one
line of standard error ("aipo-budget: reading the ledger..."), replaced as stages change and
erased when the last stage ends, so that no partial line is left before the output or a
message. It only moves forward: a stage that ends inside another leaves its text until the next
stage begins (the enclosing stage's text again would read as going back). A long stage counts
its items ("writing evidence (1,200 of 5,000)...") with the function its ``with`` gives.
Nothing is written when standard error is not a terminal (a pipe, a file, click's test runner),
with ``TERM=dumb``, or after :func:`silence` (``--quiet``).

A run's state lives on its click context, so every command invocation starts afresh even when
many run in one process (the tests); outside a command one module-level state serves.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

import click

from aipo_budget.cli.terminal import is_terminal, width

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

THRESHOLD = 1.0  # seconds a run stays silent: a quick run never flickers
REDRAW = 0.1  # seconds between two draws of a count: a terminal is not written a million times


@dataclass
class _Run:
    quiet: bool = False
    started: float | None = None  # when the run's first stage began (monotonic)
    texts: list[str] = field(default_factory=list)  # the open stages, innermost last
    stream: TextIO | None = None
    shown: str = ""  # the line now on the terminal, "" when none
    timer: threading.Timer | None = None  # the pending first draw; another one is stale
    drawn: float = 0.0  # when the line was last drawn (monotonic)
    # the timer thread draws while the command's thread opens and closes stages
    lock: threading.RLock = field(default_factory=threading.RLock)


_OUTSIDE_COMMANDS = _Run()


def _run() -> _Run:
    ctx = click.get_current_context(silent=True)
    # ctx.meta is shared by the group's context and the command's: one state per invocation
    return _OUTSIDE_COMMANDS if ctx is None else ctx.meta.setdefault(__name__, _Run())


def _write(run: _Run, text: str) -> None:
    if run.stream is None:
        return
    try:
        run.stream.write(text)
        run.stream.flush()
    except (OSError, ValueError):  # a terminal gone away is no reason to fail the work
        run.stream = None


def _draw(run: _Run) -> None:
    if not run.texts or run.stream is None:
        return
    # one line only: a wrapped line could not be taken back with a carriage return
    line = f"aipo-budget: {run.texts[-1]}..."[:max((width(run.stream) or 80) - 1, 1)]
    _write(run, "\r" + line + " " * max(len(run.shown) - len(line), 0))
    run.shown, run.drawn = line, time.monotonic()


def _erase(run: _Run) -> None:
    if run.shown:
        _write(run, "\r" + " " * len(run.shown) + "\r")
        run.shown = ""


def _due(run: _Run, timer: threading.Timer) -> None:
    with run.lock:
        if run.timer is timer:
            run.timer = None
            _draw(run)


def silence() -> None:
    """No progress is shown for the rest of the run (``--quiet``)."""
    run = _run()
    with run.lock:
        run.quiet = True
        _erase(run)


@contextlib.contextmanager
def stage(text: str) -> Iterator[Callable[[int, int], None]]:
    """Say ``text`` on a terminal while the block runs, once the run has taken a second; the
    block may say how far it has gone with the function it is given (``count(done, total)``).
    """
    run = _run()
    # a person watching standard error on a terminal that can redraw a line
    if run.quiet or os.environ.get("TERM") == "dumb" or not is_terminal(sys.stderr):
        yield lambda _done, _total: None
        return
    with run.lock:
        now = time.monotonic()
        run.started = now if run.started is None else run.started
        run.texts.append(text)
        run.stream = sys.stderr
        wait = THRESHOLD - (now - run.started)
        if wait <= 0:
            _draw(run)
        elif run.timer is None:
            timer = run.timer = threading.Timer(wait, lambda: _due(run, timer))
            timer.daemon = True  # never keeps the process alive
            timer.start()
        at, ended = len(run.texts) - 1, threading.Event()

    def count(done: int, total: int) -> None:
        with run.lock:
            if ended.is_set():  # a count after its stage: nothing to say
                return
            run.texts[at] = f"{text} ({done:,} of {total:,})"
            if at == len(run.texts) - 1 and run.shown and (
                    done >= total or time.monotonic() - run.drawn >= REDRAW):
                _draw(run)
    try:
        yield count
    finally:  # an error message must not follow a half-written progress line
        with run.lock:
            ended.set()
            run.texts.pop()
            if not run.texts:  # else the line stays as it is: never back to an earlier text
                if run.timer is not None:
                    run.timer.cancel()
                    run.timer = None
                _erase(run)

"""Two pieces of work at once, on a machine with a processor to spare.

:func:`both` runs one function in a forked copy of this process while this process runs the
other. The check uses it for Beancount's validation of a freshly loaded ledger (about a tenth of
the load), which runs in the copy while this process audits the same entries: the audit then
costs little more wall time than the load itself (README, "Performance").

The copy shares the loaded ledger's memory with this process, copy-on-write, and sends back
only its result, pickled, through a pipe. Nothing changes in what is computed: the same function
runs on the same objects. When the copy cannot help (not Linux, a single processor,
``AIPO_BUDGET_JOBS=1``, work too small to pay for a fork: ``worth_it``) or fails (an exception, a result that does not pickle, a copy killed by
a signal), the function runs here, in turn, and only time is lost. The copy's pages are
shared until either process writes them (reference counts do): on a machine short of memory,
``AIPO_BUDGET_JOBS=1`` avoids a second process altogether.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

B = TypeVar("B")
F = TypeVar("F")

JOBS = "AIPO_BUDGET_JOBS"  # 1: never fork
# The ledger size (Beancount entries) from which a forked copy saves more than it costs: the
# shipped ledger (1,085 entries) was 8 ms slower with one, 6,000 entries even, 7,500 12 ms faster.
ENTRIES_WORTH_A_COPY = 5_000


def processors() -> int:
    """The processors this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether :func:`both` will run its background function in a forked copy."""
    if os.environ.get(JOBS, "").strip() == "1":
        return False
    # on macOS a forked copy of a process may crash in system libraries (Python's own
    # multiprocessing no longer forks there); Windows has no fork
    return sys.platform.startswith("linux") and processors() >= 2


class _Child:
    """A forked copy computing a result that it writes, pickled, to a pipe."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid = pid
        self.pipe = pipe

    def result(self) -> tuple[bool, object]:
        """(True, the result) once the copy has finished well; (False, None) otherwise."""
        with os.fdopen(self.pipe, "rb") as stream:
            self.pipe = -1  # closed by the with: never closed twice (stop)
            payload = stream.read()
        _pid, status = os.waitpid(self.pid, 0)
        self.pid = 0  # reaped: its number may be another process's now
        if os.waitstatus_to_exitcode(status) != 0 or not payload:
            return False, None
        try:
            return True, pickle.loads(payload)  # noqa: S301 - our own copy wrote it
        except Exception:  # noqa: BLE001 - a truncated or odd payload: compute it here
            return False, None

    def stop(self) -> None:
        if self.pid:
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        if self.pipe >= 0:
            with contextlib.suppress(OSError):
                os.close(self.pipe)
        if self.pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)


def _run_child(background: Callable[[], object], pipe: int) -> None:
    """In the copy: compute, write, and leave at once (no cleanup of the parent's state: its
    files, buffers and exit handlers are the parent's)."""
    status = 1
    try:
        gc.freeze()  # the inherited objects stay untouched by the collector: pages stay shared
        payload = pickle.dumps(background(), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(payload)
        while view:
            view = view[os.write(pipe, view):]
        status = 0
    except BaseException:  # noqa: BLE001, S110 - any failure: the parent computes it itself
        pass
    finally:
        os._exit(status)


def _start(background: Callable[[], object]) -> _Child | None:
    try:  # out of file descriptors or processes: the work is done in turn
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:
        os.close(read)
        _run_child(background, write)
    os.close(write)
    return _Child(pid, read)


def both(background: Callable[[], B], foreground: Callable[[], F], *,
         worth_it: bool = True) -> tuple[B, F]:
    """``(background(), foreground())``, computed at the same time when :func:`can_fork` and
    ``worth_it`` (the caller's judgement that the work outweighs a fork and a pickle):
    ``background`` in a forked copy (its result must pickle), ``foreground`` here. An
    exception of ``foreground`` stops the copy and propagates."""
    child = _start(background) if worth_it and can_fork() else None
    if child is None:
        return background(), foreground()
    try:
        ahead = foreground()
    except BaseException:
        child.stop()
        raise
    try:
        done, result = child.result()
    except BaseException:
        child.stop()
        raise
    return (result if done else background()), ahead  # type: ignore[return-value]

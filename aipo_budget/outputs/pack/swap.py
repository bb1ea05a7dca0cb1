"""Putting the new pack in place so that the old or the new pack is at the target at every
instant: one atomic ``renameat2(RENAME_EXCHANGE)`` where Linux offers it; elsewhere the old
pack is moved away and the new one moved in, and the old one put back on any failure,
SIGINT or SIGTERM (a SIGKILL in between leaves it for the next run's sweep)."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

from aipo_budget.outputs.pack import files
from aipo_budget.outputs.pack.files import REFUSED, PackError
from aipo_budget.outputs.pack.replace import check_replaceable
from aipo_budget.outputs.pack.staging import MARKER

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from aipo_budget.outputs.pack.staging import _Staging

RENAME_EXCHANGE, AT_FDCWD = 2, -100  # linux/fs.h, linux/fcntl.h
NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


class _Interrupted(BaseException):
    """SIGINT or SIGTERM during the pack (a BaseException: no handler on the way swallows it)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class _Signals:
    """SIGINT and SIGTERM while a pack is written. While the staging folder is filled they
    stop the run at once (its clean-up removes the folder); once the folders are being swapped
    they are held back, so that no swap is left half done, and delivered when the old or the
    new pack is in place and the staging folder is gone."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.pending: int | None = None
        self.holding = False
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():  # only it may set handlers
            for number in (signal.SIGINT, signal.SIGTERM):
                self.previous[number] = signal.signal(number, self._received)
        return self

    def _received(self, number: int, frame: Any) -> None:
        if self.previous.get(number) == signal.SIG_IGN:  # the caller chose to ignore it
            return
        if self.pending is None:
            self.pending = number
        if not self.holding:
            raise _Interrupted(number)

    def hold(self) -> None:
        self.holding = True

    def check(self) -> None:
        if self.pending is not None:
            raise _Interrupted(self.pending)

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> None:
        self.holding = True
        for number, handler in self.previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if self.pending is None:
            return
        # the caller's own handling now: Ctrl-C raises KeyboardInterrupt, SIGTERM ends the run
        signal.raise_signal(self.pending)
        if isinstance(exc, _Interrupted):  # the caller's handler returned
            raise PackError(f"{self.shown}: interrupted by "
                            f"{signal.Signals(self.pending).name}; {REFUSED}") from None


def _renameat2() -> Callable[..., int] | None:
    """libc's renameat2, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint)
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step; False where the system or file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second),
                 RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in NO_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(second))


def _put_back(staging: _Staging, target: Path, swapped: bool) -> None:
    """Undo a swap or a move away: the previous pack goes back to ``target``."""
    try:
        if swapped:
            if not _exchange(staging.new, target):
                raise OSError(errno.ENOSYS, "the folders can no longer be exchanged")
        else:
            os.rename(staging.old, target)
    except OSError as exc:
        where = staging.new if swapped else staging.old
        with contextlib.suppress(OSError):  # no later run may remove the previous pack
            os.unlink(staging.path / MARKER)
        raise PackError(f"{target}: the previous pack could not be put back "
                        f"({exc.strerror or exc}); it is in {where}") from None
    staging.holds_old = False


def _put_in_place(staging: _Staging, target: Path, shown: Callable[[str], str],
                  signals: _Signals) -> None:
    """Put the new pack at ``target``; the previous one, if any, ends in the staging folder.
    Once moved aside, the previous pack is checked again: a file added to it since the first
    check is refused and the previous pack put back."""
    if not os.path.lexists(target):
        os.rename(staging.new, target)
        return
    if _exchange(staging.new, target):
        staging.holds_old = True  # `new` now names the previous pack
        try:
            check_replaceable(str(staging.new), shown)
        except BaseException:
            _put_back(staging, target, swapped=True)
            raise
        return
    # no atomic exchange: for a moment nothing is at target, so a failure or a signal there
    # puts the previous pack back (and a SIGKILL leaves it for the next run's sweep)
    os.rename(target, staging.old)
    staging.holds_old = True
    files._reached("old moved away")
    try:
        signals.check()
        check_replaceable(str(staging.old), shown)
        os.rename(staging.new, target)
    except BaseException:
        _put_back(staging, target, swapped=False)
        raise

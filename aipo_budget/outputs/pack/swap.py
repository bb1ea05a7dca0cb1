"""Putting the new pack in place, only over an exact previous pack, so that the old or the
new pack is at the target at every instant.

The new pack is written in a staging folder beside the target, marked as ours and locked while
its run lives: the next run removes what a killed run left, and nothing else. It is swapped in
with one atomic ``renameat2(RENAME_EXCHANGE)`` where Linux offers it; elsewhere the old pack is
moved away, the new one moved in, and the old one put back on any failure, SIGINT or SIGTERM
(a SIGKILL in between leaves it for the next run's sweep to put back).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aipo_budget.outputs.pack import files
from aipo_budget.outputs.pack.files import REFUSED, PackError
from aipo_budget.outputs.pack.manifest import parsed_manifest
from aipo_budget.outputs.pack.signature import SIGNATURE

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

STAGING = ".aipo-staging."  # staging folders are named .<target name>.aipo-staging.<random>
MARKER = "AIPO-STAGING"  # ... and hold this file: only such folders are ever removed
MARKER_TEXT = b"aipo-budget: an audit pack being written; a later run removes this folder\n"
RENAME_EXCHANGE, AT_FDCWD = 2, -100  # linux/fs.h, linux/fcntl.h
NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}


# --- what a pack may replace ------------------------------------------------------------------


def _contents(folder: str, prefix: str = "") -> Iterator[tuple[str, str, os.stat_result]]:
    """Everything under ``folder``, symbolic links not followed: (path relative to it with
    '/', path, lstat), sorted, folders before their contents."""
    with os.scandir(folder) as found:
        entries = sorted(found, key=lambda entry: entry.name)
    for entry in entries:
        relative = prefix + entry.name
        info = entry.stat(follow_symlinks=False)
        yield relative, entry.path, info
        if stat.S_ISDIR(info.st_mode):
            yield from _contents(entry.path, relative + "/")


def _recorded(folder: str, first: str, shown: Callable[[str], str]) -> dict[str, str]:
    """The files the manifest of the pack in ``folder`` lists, path -> SHA-256."""
    path = os.path.join(folder, "manifest.json")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise PackError(f"{shown(first)}: not part of an audit pack ({shown('')} has no "
                        f"manifest.json); {REFUSED}") from None
    try:
        with os.fdopen(files._open_checked(path, info), "rb") as handle:
            content = parsed_manifest(handle.read())
    except (OSError, ValueError, RecursionError):
        content = None
    where = shown("manifest.json")
    if content is None:
        raise PackError(f"{where}: not the manifest of an aipo-budget audit pack; {REFUSED}")
    if "outputs" not in content:
        raise PackError(f"{where}: written by an older aipo-budget that did not list the files "
                        f"of its pack, so they cannot be checked; {REFUSED} (move the folder "
                        "away, or choose a new one)")
    try:
        return {str(item["path"]): str(item["sha256"]) for item in content["outputs"]}
    except (TypeError, KeyError):
        raise PackError(f"{where}: its list of outputs cannot be read; {REFUSED}") from None


def check_replaceable(folder: str, shown: Callable[[str], str]) -> None:
    """Refuse (PackError naming the file) unless ``folder`` is empty or an exact previous
    pack: every file in it, at any depth, listed in its manifest with the same SHA-256."""
    relative = ""
    try:
        # files first, so that a file put in a sub-folder is the one named
        contents = sorted(_contents(folder), key=lambda item: stat.S_ISDIR(item[2].st_mode))
        recorded = _recorded(folder, contents[0][0], shown) if contents else {}
        for relative, path, info in contents:
            _check_one(relative, path, info, recorded, shown)
    except OSError as exc:
        if exc.filename:
            relative = os.path.relpath(str(exc.filename), folder)
        raise PackError(f"{shown(relative)}: cannot be read ({exc.strerror or exc}); "
                        f"{REFUSED}") from None


def _check_one(relative: str, path: str, info: os.stat_result, recorded: dict[str, str],
               shown: Callable[[str], str]) -> None:
    if relative == "manifest.json":  # _recorded read it
        return
    if stat.S_ISDIR(info.st_mode):
        if any(name.startswith(relative + "/") for name in recorded):
            return
    elif stat.S_ISREG(info.st_mode) and relative in recorded:
        if files._digest(path, info) == recorded[relative]:
            return
        raise PackError(f"{shown(relative)}: changed since the audit pack was written; {REFUSED}")
    if relative == SIGNATURE:  # a signature cannot be made again: the signed pack stays
        raise PackError(f"{shown(relative)}: the audit pack there is signed, and a new pack "
                        f"would lose its signature; {REFUSED} (choose a new folder)")
    raise PackError(f"{shown(relative)}: not part of the previous audit pack; {REFUSED}")


# --- staging folders --------------------------------------------------------------------------


@dataclass
class _Staging:
    """A folder beside the target: the marker (locked while this run lives), the new pack in
    ``pack``, and once swapped the previous pack: in ``pack`` after an exchange, in ``old``
    after the fallback's move."""

    path: Path
    lock: int
    holds_old: bool = False  # only the previous pack is inside: never removed


def _locked(fd: int) -> bool:
    """Lock ``fd`` until it is closed or its process dies; False when a live run holds it
    (its staging folder is in use)."""
    import fcntl  # POSIX, as the seal's lock

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _make_staging(target: Path) -> _Staging:
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}{STAGING}", dir=target.parent))
    fd = os.open(path / MARKER, os.O_RDWR | os.O_CREAT | os.O_EXCL
                 | getattr(os, "O_CLOEXEC", 0), 0o600)
    _locked(fd)
    os.write(fd, MARKER_TEXT)
    (path / "pack").mkdir()
    files._reached("staging created")
    return _Staging(path, fd)


def _discard(staging: _Staging) -> None:
    if not staging.holds_old:
        shutil.rmtree(staging.path, ignore_errors=True)
    os.close(staging.lock)


def _marker(folder: str) -> int | None:
    """The open marker file of a staging folder of ours, or None when it has none."""
    path = os.path.join(folder, MARKER)
    try:
        fd = files._open_checked(path, os.lstat(path))
    except OSError:
        return None
    with contextlib.suppress(OSError):
        if os.read(fd, len(MARKER_TEXT) + 1) == MARKER_TEXT:
            return fd
    os.close(fd)
    return None


def sweep(target: Path) -> None:
    """Remove the staging folders that killed runs left beside ``target``: only folders
    named with our prefix that hold our marker, and not in use by a live run. The previous
    pack of a run killed between the fallback's two renames is first put back."""
    try:
        with os.scandir(target.parent) as found:
            candidates = sorted(entry.path for entry in found
                                if entry.name.startswith(f".{target.name}{STAGING}")
                                and entry.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return
    for folder in candidates:
        fd = _marker(folder)
        if fd is None:
            continue
        try:
            if not _locked(fd):
                continue
            old = os.path.join(folder, "old")
            if os.path.isdir(old) and not os.path.islink(old) and not os.path.lexists(target):
                os.rename(old, target)
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)


# --- the swap ---------------------------------------------------------------------------------


class _Interrupted(BaseException):
    """SIGINT or SIGTERM during the pack (a BaseException: no handler on the way swallows it)."""


@dataclass
class _Signals:
    """SIGINT and SIGTERM while a pack is written. While the staging folder is filled they
    stop the run at once (its clean-up removes the folder); once ``holding`` (the folders are
    being swapped) they are held back, so that no swap is left half done, and delivered when
    the old or the new pack is in place and the staging folder is gone."""

    shown: str
    pending: int | None = None
    holding: bool = False
    previous: dict[int, Any] = field(default_factory=dict)

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


def _put_in_place(staging: _Staging, target: Path, shown: Callable[[str], str],
                  signals: _Signals) -> None:
    """Put the new pack at ``target``. The previous one, if any, is checked again once moved
    aside: a file added to it since the first check is refused and the previous pack put
    back, as on any failure or signal."""
    new, old = staging.path / "pack", staging.path / "old"
    if not os.path.lexists(target):
        os.rename(new, target)
        return
    swapped = _exchange(new, target)  # then `new` names the previous pack
    if not swapped:  # for a moment nothing is at target
        os.rename(target, old)
    staging.holds_old = True
    try:
        if not swapped:
            files._reached("old moved away")
        if signals.pending is not None:
            raise _Interrupted(signals.pending)
        check_replaceable(str(new if swapped else old), shown)
        if not swapped:
            os.rename(new, target)
    except BaseException:
        _put_back(new if swapped else old, target, swapped, staging)
        raise
    staging.holds_old = False  # it is the previous pack now: discarded


def _put_back(where: Path, target: Path, swapped: bool, staging: _Staging) -> None:
    try:
        if not swapped:
            os.rename(where, target)
        elif not _exchange(where, target):
            raise OSError(errno.ENOSYS, "the folders can no longer be exchanged")
    except OSError as exc:
        with contextlib.suppress(OSError):  # no later run may remove the previous pack
            os.unlink(staging.path / MARKER)
        raise PackError(f"{target}: the previous pack could not be put back "
                        f"({exc.strerror or exc}); it is in {where}") from None
    staging.holds_old = False


def install(target: Path, fill: Callable[[Path], None], shown: Callable[[str], str],
            out: str) -> None:
    """Write the new pack with ``fill`` in a staging folder and put it at ``target``, over
    the previous pack if any (``shown`` names its files, ``out`` the target in messages)."""
    with _Signals(out) as signals:
        staging = _make_staging(target)
        try:
            fill(staging.path / "pack")
            files._reached("before exchange")
            signals.holding = True
            _put_in_place(staging, target, shown, signals)
        except BaseException:
            signals.holding = True
            _discard(staging)
            raise
        files._reached("after exchange")
        files.fsync_folder(target.parent)
        _discard(staging)
        files._reached("old removed")

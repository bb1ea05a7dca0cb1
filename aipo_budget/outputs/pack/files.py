"""Reading files that may be hostile, and writing the pack's own files durably.

A file is read only through :func:`_open_readonly` (never blocks: a FIFO swapped in after a
check opens at once) and only when it is still the regular file that was checked before
opening. Every failure is an :class:`OSError` for the caller to name, or a
:class:`PackError` that already names the file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
from typing import TYPE_CHECKING

from aipo_budget.core.digest import BLOCK, file_sha256

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

REFUSED = "nothing was replaced"
REPLACED = "it was replaced while the pack was written"


class PackError(Exception):
    """The pack cannot be written where asked; the message names the file and says why."""


def _reached(step: str) -> None:
    """Does nothing: the tests replace it to kill the writer at each step."""


def _open_readonly(path: str) -> int:
    """Open for reading without ever blocking: a FIFO swapped in after the check opens at once.
    (The tests replace this to simulate an unreadable file when they run as root.)"""
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
             | getattr(os, "O_CLOEXEC", 0))
    return os.open(path, flags)


def _open_checked(path: str, checked: os.stat_result) -> int:
    """``path`` opened, when it is still the regular file whose stat, taken before opening,
    is ``checked``; OSError otherwise (a device is never opened: opening may act)."""
    if stat.S_ISREG(checked.st_mode):
        fd = _open_readonly(path)
        now = os.fstat(fd)
        if stat.S_ISREG(now.st_mode) and (now.st_dev, now.st_ino) == (checked.st_dev,
                                                                        checked.st_ino):
            return fd
        os.close(fd)
    raise OSError(errno.ESTALE, REPLACED, path)


def _digest(path: str, checked: os.stat_result) -> str:
    """SHA-256 of the regular file ``path`` whose stat, taken before opening, is ``checked``."""
    fd = _open_checked(path, checked)
    try:
        return file_sha256(fd)
    finally:
        os.close(fd)


def _digest_file(path: str) -> str:
    """SHA-256 of the regular file ``path`` leads to (links resolved once, so that they cannot
    be pointed elsewhere between check and read)."""
    real = os.path.realpath(path)
    return _digest(real, os.stat(real))


def _write(path: Path, blocks: Iterable[bytes]) -> str:
    """Write the new file ``path`` durably; the SHA-256 of what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with open(path, "xb") as handle:
        for block in blocks:
            digest.update(block)
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())
    return digest.hexdigest()


def copy_file(path: str, destination: Path) -> str:
    """Copy the regular file ``path`` leads to (checked as :func:`_digest_file` checks it)
    into the new file ``destination``; the SHA-256 of what was copied."""
    real = os.path.realpath(path)
    with os.fdopen(_open_checked(real, os.stat(real)), "rb") as source:
        return _write(destination, iter(lambda: source.read(BLOCK), b""))


def write_text(folder: Path, name: str, text: str) -> dict[str, str]:
    """Write one file of the pack (``name`` may hold '/') and return its manifest entry."""
    return write_bytes(folder, name, text.encode("utf-8"))


def write_bytes(folder: Path, name: str, content: bytes) -> dict[str, str]:
    """:func:`write_text` for a file that is not text (the workbook)."""
    return {"path": name, "sha256": _write(folder.joinpath(*name.split("/")), [content])}


def fsync_folder(path: Path) -> None:
    """Make a folder's entries durable (best effort: not every file system can)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

"""Reading files that may be hostile, and writing the pack's own files durably.

A file is read only through :func:`_open_readonly` (never blocks: a FIFO swapped in after a
check opens at once) and only when it is still the regular file that was checked before
opening. Every failure is an :class:`OSError` for the caller to name, or a
:class:`PackError` that already names the file.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from typing import TYPE_CHECKING

from aipo_budget.core.digest import file_sha256

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

REFUSED = "nothing was replaced"
BLOCK = 1 << 16


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


def _digest(path: str, checked: os.stat_result) -> str:
    """SHA-256 of the regular file ``path`` whose stat, taken before opening, is ``checked``;
    OSError when it cannot be read or is no longer that file."""
    fd = _open_readonly(path)
    try:
        now = os.fstat(fd)
        if (not stat.S_ISREG(now.st_mode)
                or (now.st_dev, now.st_ino) != (checked.st_dev, checked.st_ino)):
            raise OSError(errno.ESTALE, "it was replaced while the pack was written", path)
        return file_sha256(fd)
    finally:
        os.close(fd)


def _digest_file(path: str) -> str:
    """SHA-256 of the file ``path`` leads to, read only if it is a regular file (a path through
    links is resolved once, so it cannot be pointed elsewhere between check and read)."""
    real = os.path.realpath(path)
    checked = os.stat(real)
    if not stat.S_ISREG(checked.st_mode):
        raise OSError(errno.ESTALE, "it was replaced while the pack was written", path)
    return _digest(real, checked)


def _input_digest(path: str, show: Callable[[str], str]) -> str:
    """SHA-256 of a ledger or rules file (read already, but it may have changed since)."""
    try:
        return _digest_file(path)
    except OSError as exc:
        raise PackError(f"{show(path)}: cannot be read ({exc.strerror or exc}); {REFUSED}"
                        ) from None


def copy_file(path: str, destination: Path) -> str:
    """Copy the regular file ``path`` leads to into the new file ``destination`` (made
    durable), checked as :func:`_digest_file` checks it; the SHA-256 of what was copied."""
    real = os.path.realpath(path)
    checked = os.stat(real)
    if not stat.S_ISREG(checked.st_mode):  # a device is never opened: opening may act
        raise OSError(errno.ESTALE, "it was replaced while the pack was written", path)
    fd = _open_readonly(real)
    with os.fdopen(fd, "rb") as source:
        now = os.fstat(fd)
        if (not stat.S_ISREG(now.st_mode)
                or (now.st_dev, now.st_ino) != (checked.st_dev, checked.st_ino)):
            raise OSError(errno.ESTALE, "it was replaced while the pack was written", path)
        destination.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        with open(destination, "xb") as target:
            for block in iter(lambda: source.read(BLOCK), b""):
                digest.update(block)
                target.write(block)
            target.flush()
            os.fsync(target.fileno())
    return digest.hexdigest()


def write_text(folder: Path, name: str, text: str) -> dict[str, str]:
    """Write one file of the pack (``name`` may hold '/') and return its manifest entry."""
    content = text.encode("utf-8")
    path = folder.joinpath(*name.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return {"path": name, "sha256": hashlib.sha256(content).hexdigest()}


def fsync_folder(path: Path) -> None:
    """Make a folder's entries durable (best effort: not every file system can)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)

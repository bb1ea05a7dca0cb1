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
import secrets
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


def write_atomic(path: str, content: bytes, replace: bool = True) -> None:
    """Write ``content`` to ``path`` whole or not at all, from a synced temporary file beside
    it: moved over ``path`` (``replace``: created or replaced, its permissions kept, its folder
    made if missing), else linked to its name, which refuses a file already there, even one
    that appears meanwhile (FileExistsError)."""
    folder, name = os.path.split(path)
    if replace:
        os.makedirs(folder, exist_ok=True)
        try:
            mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(8)}.tmp")
    # private until chmod when replacing; else a new file, with the umask's permissions
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                 0o600 if replace else 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            os.chmod(temporary, mode)
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # atomic, and refuses a file that appeared meanwhile
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if not replace:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    fsync_folder(os.path.abspath(folder))  # the new name reaches the disk


def fsync_folder(path: Path | str) -> None:
    """Make a folder's entries durable (best effort: not every file system can)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

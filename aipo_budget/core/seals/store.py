"""The files ``seal`` writes, and how: each whole or not at all, one seal at a time.

A file is written to a temporary file in its own folder, flushed to disk (``fsync``) and moved
over the old one (``os.replace``, atomic on one file system), so that a reader (Fava, a second
check, Git) sees the old file or the new one, never half of one. Two seals of one ledger take
turns: each holds an exclusive lock (``fcntl.flock``) on ``ledger/.seals.lock`` while it reads
the ledger and writes; the lock goes with the process, so a killed seal leaves none behind.

The order of the writes keeps the ledger readable if a seal is interrupted: the sidecar, then
``seals.beancount``, then the ``include`` line (an include of a file not yet written would be an
error in every tool).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from typing import TYPE_CHECKING

from aipo_budget.core.ledger import walk_includes

if TYPE_CHECKING:
    from collections.abc import Iterator

SEALS_FOLDER = "ledger"  # beside the top-level ledger file
SEALS_FILE = "seals.beancount"
RECORDS_FOLDER = "seals"  # beside seals.beancount: the sidecars
LOCK_FILE = ".seals.lock"
LOCK_WAIT = 30.0  # seconds a seal waits for another to finish
POLL = 0.05

SEALS_HEADER = """\
;; Period seals, written by `aipo-budget seal`: each entry seals the ledger through its date.
;; `aipo-budget check` (and bean-check, and Fava, through the plugin) verifies every seal.
;; Do not edit: corrections go in the open period, dated after the seal. The files under
;; seals/ are the seals' records: commit them with this file.
"""


class SealBusy(Exception):
    """Another seal holds the lock for longer than we wait."""


def seals_file(ledger: str) -> str:
    """``<folder of LEDGER>/ledger/seals.beancount``, absolute."""
    return os.path.join(os.path.dirname(os.path.abspath(ledger)), SEALS_FOLDER, SEALS_FILE)


@contextlib.contextmanager
def locked(folder: str, wait: float | None = None) -> Iterator[None]:
    """Hold the seal lock of ``folder`` (created if need be); SealBusy after ``wait`` s."""
    import fcntl  # POSIX: the lock dies with its process, unlike a lock file's existence

    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
    try:
        deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise SealBusy(path) from None
                time.sleep(POLL)
        yield
    finally:
        os.close(fd)  # releases the lock


def write_atomic(path: str, content: bytes) -> None:
    """Replace (or create) ``path`` with ``content``, whole or not at all; its permissions
    are kept."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o644
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.",
                                     suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder: str) -> None:
    """The rename itself reaches the disk (where the system allows a folder to be synced)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _newline(content: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in content else b"\n"


def appended(content: bytes, text: str) -> bytes:
    """``content`` unchanged, then ``text`` on lines of its own (in its line endings)."""
    newline = _newline(content)
    lead = b"" if not content or content.endswith(b"\n") else newline
    return content + lead + text.replace("\n", "\n" if newline == b"\n" else "\r\n").encode()


def append_entry(path: str, text: str) -> bool:
    """Append the seal entry ``text`` to ``path`` (created with a header); whether created."""
    try:
        with open(path, "rb") as file:
            content = file.read()
        created = False
    except FileNotFoundError:
        content, created = SEALS_HEADER.encode(), True
    write_atomic(path, appended(content, "\n" + text))
    return created


def ensure_included(ledger: str, path: str) -> bool:
    """Append ``include "ledger/seals.beancount"`` to the top-level ledger file unless its
    include tree reaches ``path`` already (a glob may); every byte before it is kept. Whether
    the line was added."""
    top = os.path.realpath(ledger)  # a symbolic link stays one: its target is written
    tree = walk_includes(os.path.abspath(ledger))
    reached = {os.path.realpath(match) for include in tree.includes for match in include.matches}
    if os.path.realpath(path) in reached:
        return False
    # Beancount reads an include relative to the file as named, not to a link's target
    relative = os.path.relpath(path, os.path.dirname(os.path.abspath(ledger)))
    relative = relative.replace(os.sep, "/")
    with open(top, "rb") as file:
        content = file.read()
    write_atomic(top, appended(content, f'include "{relative}"\n'))
    return True

"""The cache folder: private, plain JSON files written atomically, at most 200 or 50 MB."""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aipo_budget.cli.cache import Key

FORMAT = 4  # of a stored entry: another number is another version's, and ignored
MAX_ENTRIES, MAX_BYTES = 200, 50 * 1024 * 1024
STALE_TEMP = 600  # seconds: a temporary file this old was left by a run that was killed
ENTRY = re.compile(r"[0-9a-f]{32}\.json")
TEMP = re.compile(r"\.[0-9a-f]{32}\.[0-9a-f]{16}\.tmp")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(os.environ.get("AIPO_BUDGET_CACHE_DIR") or Path(base) / "aipo-budget")


def _ours(info: os.stat_result) -> bool:
    """Owned by the user running us, and nobody else may write to it."""
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def usable_folder(create: bool = False) -> Path | None:
    """The cache folder if it is safe to use (created with mode 0700 when asked), else None."""
    folder = cache_dir()
    try:
        if create:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    return folder if stat.S_ISDIR(info.st_mode) and _ours(info) else None


def read_entry(folder: Path, key: Key) -> dict[str, Any] | None:
    """The entry of ``key``: a regular file of ours that nobody else may write, of this
    FORMAT, that records this very key; else None."""
    try:
        fd = os.open(folder / key.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or not _ours(info) or info.st_size > MAX_BYTES:
            return None
        try:
            entry = json.loads(handle.read())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT \
                or entry.get("key") != key.record():
            return None
        with contextlib.suppress(OSError):
            os.utime(fd)  # a read keeps an entry young: the bound removes the unused ones
        return entry


def write_entry(folder: Path, key: Key, entry: dict[str, Any]) -> bool:
    """Write ``entry`` to a fresh private file, then move it into place at once."""
    temporary = folder / f".{key.name[:32]}.{os.urandom(8).hex()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle, separators=(",", ":"))  # in pieces, never a whole copy
        os.replace(temporary, folder / key.name)
    except (OSError, TypeError, ValueError):
        remove(temporary)
        return False
    return True


def prune(folder: Path) -> None:
    """Remove the oldest entries beyond MAX_ENTRIES or MAX_BYTES, and the temporary files of
    killed runs: only regular files named as this module names them."""
    entries = []
    with contextlib.suppress(OSError), os.scandir(folder) as listing:
        for item in listing:
            with contextlib.suppress(OSError):
                info = item.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and ENTRY.fullmatch(item.name):
                    entries.append((info.st_mtime_ns, item.name, info.st_size))
                elif stat.S_ISREG(info.st_mode) and TEMP.fullmatch(item.name) \
                        and time.time() - info.st_mtime > STALE_TEMP:
                    remove(folder / item.name)
    count, total = len(entries), sum(size for _time, _name, size in entries)
    for _time, name, size in sorted(entries):
        if count <= MAX_ENTRIES and total <= MAX_BYTES:
            break
        remove(folder / name)
        count, total = count - 1, total - size


def remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)

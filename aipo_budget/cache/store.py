"""The cache folder and its files: private, plain JSON, written atomically, bounded."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aipo_budget.cache.model import FORMAT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.cache.model import Key

MAX_ENTRIES = 200
MAX_BYTES = 50 * 1024 * 1024
STALE_TEMP = 600  # seconds: a temporary file this old was left by a run that was killed
ENTRY = re.compile(r"[0-9a-f]{32}\.json")
TEMP = re.compile(r"\.[0-9a-f]{32}\.[0-9a-f]{16}\.tmp")


def cache_dir() -> Path:
    explicit = os.environ.get("AIPO_BUDGET_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aipo-budget"


def _ours(info: os.stat_result) -> bool:
    """Owned by the user running us, and nobody else may write to it."""
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def usable_folder(create: bool = False) -> Path | None:
    """The cache folder if it is safe to use (created with mode 0700 when asked), else None."""
    folder = cache_dir()
    try:
        if create and not folder.exists():
            os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.stat(folder)
    except OSError:
        return None
    return folder if stat.S_ISDIR(info.st_mode) and _ours(info) else None


def read_entry(folder: Path, key: Key) -> dict[str, Any] | None:
    """The stored entry of ``key``: only a regular file of ours that nobody else may write."""
    try:
        fd = os.open(folder / key.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not (stat.S_ISREG(info.st_mode) and _ours(info)) or info.st_size > MAX_BYTES:
            return None
        try:
            stored = json.loads(handle.read())
        except (OSError, ValueError, RecursionError):
            return None
        if isinstance(stored, dict) and stored.get("format") == FORMAT \
                and stored.get("key") == key.record():
            try:
                os.utime(fd)  # a hit keeps an entry young: the bound removes the unused ones
            except (OSError, NotImplementedError):
                pass
            return stored
    return None


def json_pieces(value: Any) -> Iterator[str]:
    """The JSON text of ``value`` in pieces: an object member by member, a list of objects item
    by item (the findings of a large ledger), so that no copy of the whole entry is ever made
    in memory: the check's peak memory stays that of its audit."""
    if isinstance(value, dict):
        yield "{"
        for index, (name, member) in enumerate(value.items()):
            yield ("," if index else "") + json.dumps(str(name)) + ":"  # as json.dumps would
            yield from json_pieces(member)
        yield "}"
    elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
        yield "["
        for index, item in enumerate(value):
            yield ("," if index else "") + json.dumps(item, separators=(",", ":"))
        yield "]"
    else:
        yield json.dumps(value, separators=(",", ":"))


def write_entry(folder: Path, key: Key, payload: dict[str, Any]) -> bool:
    temporary = folder / f".{key.name[:32]}.{os.urandom(8).hex()}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.writelines(json_pieces(payload))
        os.replace(temporary, folder / key.name)
    except (OSError, TypeError, ValueError):  # a value JSON cannot hold: nothing stored
        _remove(temporary)
        return False
    return True


def prune(folder: Path) -> None:
    """Remove the oldest entries until at most MAX_ENTRIES and MAX_BYTES remain, and the
    temporary files of killed runs; only files named as this module names them."""
    entries = []
    for name, info in _regular_files(folder):
        if ENTRY.fullmatch(name):
            entries.append((info.st_mtime_ns, name, info.st_size))
        elif TEMP.fullmatch(name) and time.time() - info.st_mtime > STALE_TEMP:
            _remove(folder / name)
    entries.sort()
    count, total = len(entries), sum(size for _time, _name, size in entries)
    for _time, name, size in entries:
        if count <= MAX_ENTRIES and total <= MAX_BYTES:
            break
        _remove(folder / name)
        count, total = count - 1, total - size


def _regular_files(folder: Path) -> list[tuple[str, os.stat_result]]:
    """The regular files in ``folder`` (never a link, a folder or what vanished meanwhile)."""
    found = []
    try:
        with os.scandir(folder) as listing:
            for item in listing:
                try:
                    info = item.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISREG(info.st_mode):
                    found.append((item.name, info))
    except OSError:
        pass
    return found


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass

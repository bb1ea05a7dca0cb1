"""Staging folders: the new pack is written in a folder beside the target, marked as ours
and locked while its run lives, so that the next run can remove what a killed run left (and
put back a previous pack the fallback had moved away) without ever touching anything else."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from aipo_budget.outputs.pack import files

STAGING = ".aipo-staging."  # staging folders are named .<target name>.aipo-staging.<random>
MARKER = "AIPO-STAGING"  # ... and hold this file: only such folders are ever removed
MARKER_TEXT = b"aipo-budget: an audit pack being written; a later run removes this folder\n"


@dataclass
class _Staging:
    """A folder beside the target holding the marker (kept open and locked while this run
    lives) and the new pack; after the swap, the previous pack."""

    path: Path
    lock: int
    holds_old: bool = False  # the previous pack is inside: never removed on failure

    @property
    def new(self) -> Path:
        return self.path / "pack"

    @property
    def old(self) -> Path:  # where the fallback moves the previous pack
        return self.path / "old"


def _prefix(target: Path) -> str:
    return f".{target.name}{STAGING}"


def _locked(fd: int) -> bool:
    """An exclusive lock on ``fd`` until it is closed or its process dies; False when a live
    run holds it (its staging folder is in use)."""
    try:
        import fcntl
    except ImportError:  # no flock: staging folders are told apart by the marker alone
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _make_staging(target: Path) -> _Staging:
    path = Path(tempfile.mkdtemp(prefix=_prefix(target), dir=target.parent))
    fd = os.open(path / MARKER, os.O_RDWR | os.O_CREAT | os.O_EXCL
                 | getattr(os, "O_CLOEXEC", 0), 0o600)
    _locked(fd)
    os.write(fd, MARKER_TEXT)
    (path / "pack").mkdir()
    files._reached("staging created")
    return _Staging(path, fd)


def _discard(staging: _Staging, done: bool = False) -> None:
    """Remove the staging folder, unless it holds the previous pack and the run failed."""
    if done or not staging.holds_old:
        shutil.rmtree(staging.path, ignore_errors=True)
    os.close(staging.lock)


def _marker(folder: str) -> int | None:
    """The open marker file of a staging folder of ours, or None when it has none."""
    path = os.path.join(folder, MARKER)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = files._open_readonly(path)
    except OSError:
        return None
    try:
        if os.read(fd, len(MARKER_TEXT) + 1) == MARKER_TEXT:
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def sweep(target: Path) -> None:
    """Remove the staging folders that killed runs left beside ``target``: only folders
    named with our prefix that hold our marker, and not in use by a live run. The previous
    pack of a run killed between the fallback's two renames is first put back."""
    try:
        with os.scandir(target.parent) as found:
            candidates = sorted(entry.path for entry in found
                                if entry.name.startswith(_prefix(target))
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

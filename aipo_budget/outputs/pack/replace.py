"""What a pack may replace: an empty folder, or an exact previous pack (every file in it, at
any depth, listed in its manifest's ``outputs`` with the same SHA-256). Anything else is
refused with a PackError naming the file, and nothing is touched."""

from __future__ import annotations

import json
import os
import stat
from typing import TYPE_CHECKING

from aipo_budget.outputs.pack import files
from aipo_budget.outputs.pack.files import REFUSED, PackError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


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
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(path)
        with os.fdopen(files._open_readonly(path), "rb") as handle:
            content = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        content = None
    where = shown("manifest.json")
    if not isinstance(content, dict) or content.get("tool") != "aipo-budget":
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
        contents = list(_contents(folder))
        if not contents:
            return
        recorded = _recorded(folder, contents[0][0], shown)
        # files first, so that a file put in a sub-folder is the one named
        for relative, path, info in sorted(contents,
                                           key=lambda item: stat.S_ISDIR(item[2].st_mode)):
            _check_one(relative, path, info, recorded, shown)
    except OSError as exc:
        if exc.filename and relative == "":
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
    raise PackError(f"{shown(relative)}: not part of the previous audit pack; {REFUSED}")

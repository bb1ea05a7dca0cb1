"""The state of each input of a check, observed: content digests of files, listings of folders,
what globs match, the kind and place of evidence files, and the code of plugins and of the
tool itself. The signature of an observation is what a stored result is compared by."""

from __future__ import annotations

import functools
import glob
import hashlib
import importlib.machinery
import importlib.util
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import beancount

from aipo_budget import __version__
from aipo_budget.cache.model import FORMAT, Inputs, Observation
from aipo_budget.digest import BLOCK, file_sha256
from aipo_budget.evidence import RealPaths, file_mode

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

PACKAGE = Path(__file__).resolve().parents[1]  # aipo_budget: the tool's own code
VERSIONED = ("beancount", "fava")  # plugins of these are covered by their installed version


def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "backslashreplace")).hexdigest()


def _open(path: str) -> int:
    """O_NONBLOCK: a FIFO in the way never hangs the check."""
    return os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)


def _status(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_mode, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns,
            info.st_ctime_ns)


def blocks(path: str) -> Iterator[bytes]:
    """The bytes of a regular file, block by block (none for anything else, or when it cannot
    be opened)."""
    try:
        fd = _open(path)
    except OSError:
        return
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):
            yield from iter(functools.partial(os.read, fd, BLOCK), b"")
    finally:
        os.close(fd)


def _file(path: str, stats: dict[str, tuple[int, ...]]) -> str:
    """SHA-256 of a file's bytes (file times are too coarse to see a quick second edit); its
    status goes to ``stats``."""
    try:
        fd = _open(path)
    except OSError:
        return "missing"
    try:
        info = os.fstat(fd)
        stats[path] = _status(info)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        return file_sha256(fd)
    except OSError:
        return "unreadable"
    finally:
        os.close(fd)


def _listing(folder: str) -> list[str] | str:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return "missing"


def _tree(root: str) -> tuple[str, bool, list[tuple[str, list[str]]]]:
    walk = sorted((folder, sorted(files)) for folder, _dirs, files in os.walk(root))
    return os.path.realpath(root), os.path.isdir(root), walk


def _matches(pattern: str) -> list[str]:
    return sorted(glob.glob(pattern, recursive=True))


def _presence(path: str, real_path: RealPaths) -> tuple[int, str] | str:
    """What the evidence check sees: the kind of file and where it really is."""
    try:
        mode, link = file_mode(path)
        return stat.S_IFMT(mode), real_path(path, link=link)
    except OSError:
        return "missing"


@functools.cache
def _own_code() -> str:
    """This tool's code, once per process: the code that runs was imported at start-up, so a
    later edit is for the next run to see, not a change of this run's input. Each module is
    known by its file status (size, times to the nanosecond, inode), the test Python itself
    trusts to reuse a module's compiled code (with times to the second): reading and hashing
    every module cost each start 3 ms."""
    found = []
    for folder, subfolders, names in os.walk(PACKAGE):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(n for n in names if n.endswith(".py")):
            path = os.path.join(folder, name)
            try:
                found.append((os.path.relpath(path, PACKAGE), _status(os.stat(path))))
            except OSError:
                found.append((os.path.relpath(path, PACKAGE), "missing"))
    return _digest(found)


def _python() -> str:
    """The tool itself and what runs it. Beancount's version is the one its package carries
    (importlib.metadata would cost every start 5 ms); Fava's counts only for a ledger that runs
    one of Fava's plugins (:func:`plugin_code`)."""
    return _digest([FORMAT, __version__, _own_code(), sys.version, list(sys.path),
                    beancount.__version__])


def _find(top: str, pythonpath: Sequence[str]) -> Any:
    """The spec Beancount's import of ``top`` gets: the loaded module's, else what the finders
    say with the ledger's ``insert_pythonpath`` folders first (as the loader does)."""
    module = sys.modules.get(top)
    if module is not None:
        return getattr(module, "__spec__", None)
    saved = list(sys.path)
    try:
        sys.path[0:0] = list(pythonpath)
        return importlib.util.find_spec(top)  # a top-level name: nothing is imported
    except Exception:  # noqa: BLE001 - a finder that fails means the code cannot be located
        return None
    finally:
        sys.path[:] = saved


def _sources(folders: Sequence[str]) -> list[tuple[str, str]]:
    suffixes = tuple(importlib.machinery.SOURCE_SUFFIXES + importlib.machinery.EXTENSION_SUFFIXES)
    found = []
    for root in folders:
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            found += [(os.path.join(folder, f), _file(os.path.join(folder, f), {}))
                      for f in sorted(files) if f.endswith(suffixes)]
    return found


def _installed_version(top: str) -> str:
    """The installed version of Beancount or Fava, whose plugins it covers."""
    if top == "beancount":
        return beancount.__version__
    import importlib.metadata  # only for a ledger that runs a Fava plugin: 5 ms a start

    try:
        return importlib.metadata.version(top)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def plugin_code(name: str, pythonpath: Sequence[str] = ()) -> tuple[str, tuple[str, ...]] | None:
    """(digest, locations) of the code of plugin module ``name``: the file of a top-level
    module, or every source file of the top-level package it belongs to; None when it cannot
    be located."""
    top = name.partition(".")[0]
    if top in VERSIONED:
        return f"versioned {_installed_version(top)}", ()
    if top == PACKAGE.name:
        return "own code", (str(PACKAGE),)
    spec = _find(top, pythonpath)
    locations = tuple(getattr(spec, "submodule_search_locations", None) or ())
    origin = getattr(spec, "origin", None)
    if locations:
        return _digest([origin, locations, _sources(locations)]), locations
    if isinstance(origin, str) and os.path.isfile(origin):
        return _digest([origin, _file(origin, {})]), (origin,)
    return None


def _plugin(name: str, pythonpath: Sequence[str]) -> str | None:
    code = plugin_code(name, pythonpath)
    return code[0] if code else None


def _components(inputs: Inputs, stats: dict[str, tuple[int, ...]]
                ) -> Iterator[tuple[tuple[str, ...], Callable[[], Any]]]:
    yield ("python",), _python
    for path in inputs.files:
        yield ("file", path), functools.partial(_file, path, stats)
    for folder in inputs.folders:
        yield ("folder", folder), functools.partial(_listing, folder)
    for root in inputs.trees:
        yield ("tree", root), functools.partial(_tree, root)
    for pattern in inputs.globs:
        yield ("glob", pattern), functools.partial(_matches, pattern)
    real_path = RealPaths()  # thousands of evidence files share a few folders
    for path in inputs.present:
        yield ("present", path), functools.partial(_presence, path, real_path)
    search = "\0".join(inputs.pythonpath)
    for name in inputs.plugins:
        yield ("plugin", name, search), functools.partial(_plugin, name, inputs.pythonpath)


def observe(inputs: Inputs, into: Observation | None = None) -> Observation:
    """The state of every input now; parts already in ``into`` are not observed again."""
    seen = into if into is not None else Observation()
    for key, state in _components(inputs, seen.stats):
        if key not in seen.parts:
            seen.parts[key] = state()
    return seen


def signature(observed: Observation) -> str:
    return _digest(sorted(observed.parts.items()))

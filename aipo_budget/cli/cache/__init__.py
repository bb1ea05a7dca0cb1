"""A cache of ``aipo-budget check`` results on Beancount's model (``loader.py``): an entry
keeps the inputs the load and the audit actually used, and the next run compares them.

An entry (plain JSON in a private folder, :mod:`.folder`) is found by its key: the ledger, the
rules folder, the day judged, the ``--as-of`` cut-off, and what runs (the tool's version and
modules by file status, Python's version and path, Beancount's version). It is served only if
it records that very key, lists the ledger file and the rules folder, and every input it lists
is unchanged: a file by its status, else by the SHA-256 of its bytes; a folder by its names; an
evidence file by its kind and real path; a plugin by where its import finds it. The inputs are
those :func:`aipo_budget.cli.session.inputs_of` names after the load, and each plugin's source
files and folders; a ledger whose plugin code cannot be located is not cached. Not seen: files
a plugin reads by itself, and a new file matching an ``include`` glob in a folder that holds no
ledger file and lies off the paths from those to the ledger's folder.

No result of a changing input is stored. Like Beancount and Git, the cache trusts file times:
a result is stored only if every input, observed after the audit, last changed (its inode
change time, which no program sets back) at least SETTLE_NS before the load began, a second
more for a time without a fraction (a coarse file system). Otherwise the entry is removed, as
Beancount removes its cache file. A file server whose clock runs behind defeats this, as Git.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import importlib.machinery
import importlib.util
import json
import os
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import beancount
from beancount import loader

from aipo_budget import __version__
from aipo_budget.cli.cache.folder import (
    ENTRY, FORMAT, cache_dir, prune, read_entry, remove, usable_folder, write_entry)
from aipo_budget.cli.cache.records import (
    CheckSummary, finding_from, finding_record, summary_from, summary_record)
from aipo_budget.core.digest import file_sha256
from aipo_budget.core.evidence import RealPaths, file_mode

if TYPE_CHECKING:
    from collections.abc import Sequence

PACKAGE = Path(__file__).resolve().parents[1]  # aipo_budget: the tool's own code
SETTLE_NS = 50_000_000  # 5 ticks of a 100 Hz kernel clock, the clock that stamps files
SECOND = 1_000_000_000
NEVER = sys.maxsize  # when what cannot be observed last changed: it never settles
SOURCES = tuple(importlib.machinery.SOURCE_SUFFIXES + importlib.machinery.EXTENSION_SUFFIXES)
KINDS = ("file", "folder", "evidence", "plugin")
clock = time.time_ns  # the moment a load begins, on the clock that stamps files


@dataclass(frozen=True)
class Key:
    """``ledger`` judged by ``rules`` on ``as_of``, up to ``until`` (``--as-of``) or whole."""

    ledger: str
    rules: str
    as_of: datetime.date
    until: datetime.date | None = None

    def record(self) -> list[Any]:
        return [os.path.abspath(self.ledger), os.path.abspath(self.rules), self.as_of.isoformat(),
                self.until.isoformat() if self.until else None,
                [__version__, _own_code(), sys.version, [str(p) for p in sys.path],
                 beancount.__version__]]

    @property
    def name(self) -> str:
        return hashlib.sha256(json.dumps(self.record()).encode()).hexdigest()[:32] + ".json"


@dataclass(frozen=True)
class Inputs:
    """What the load and the audit used: files (their bytes), folders (the names in them),
    evidence files (kind and real path), the plugin modules and where Beancount looked first."""

    files: Sequence[str] = ()
    folders: Sequence[str] = ()
    evidence: Sequence[str] = ()
    plugins: Sequence[str] = ()
    pythonpath: Sequence[str] = ()


def lookup(key: Key) -> CheckSummary | None:
    """The stored summary of ``key`` if its entry may be served (see above), else None."""
    folder = usable_folder()
    entry = (read_entry(folder, key) if folder else None) or {}
    inputs = entry.get("inputs")
    if not isinstance(inputs, list) or not all(
            isinstance(i, list) and len(i) == 3 and i[0] in KINDS and isinstance(i[1], str)
            for i in inputs):
        return None
    ledger, rules = key.record()[:2]
    if not {("file", ledger), ("folder", rules)} <= {(kind, name) for kind, name, _s in inputs}:
        return None  # never served for inputs it does not name
    real_path = RealPaths()
    unchanged = all(_unchanged(kind, name, state, real_path) for kind, name, state in inputs)
    return summary_from(entry.get("summary")) if unchanged else None


def store(key: Key, inputs: Inputs, summary: CheckSummary, since: int) -> str:
    """Store ``summary`` if every input settled before ``since`` (:func:`clock` when the load
    began), else remove the entry of ``key``. Returns ``stored``, ``unsettled``,
    ``uncacheable`` (a plugin not located, a value JSON cannot hold) or ``unwritable``."""
    folder = usable_folder(create=True)
    if folder is None:
        return "unwritable"
    outcome = _write(folder, key, inputs, summary, since)
    if outcome != "stored":
        remove(folder / key.name)  # no older result outlives a fresh audit (as in Beancount)
    prune(folder)
    return outcome


def _write(folder: Path, key: Key, inputs: Inputs, summary: CheckSummary, since: int) -> str:
    wanted, record = _wanted(inputs), summary_record(summary)
    if wanted is None or summary_from(record) != summary:  # read back, it must be the same
        return "uncacheable"
    real_path = RealPaths()  # thousands of evidence files share a few folders
    observed = [(kind, name, *_observe(kind, name, real_path, inputs.pythonpath))
                for kind, name in wanted]
    if not all(_settled(changed, since) for *_i, changed in observed):
        return "unsettled"
    entry = {"format": FORMAT, "key": key.record(), "summary": record,
             "inputs": [[kind, name, state] for kind, name, state, _c in observed]}
    return "stored" if write_entry(folder, key, entry) else "unwritable"


def _settled(changed: int, since: int) -> bool:
    coarse = SECOND if changed % SECOND == 0 else 0  # a time without a fraction: a second
    return changed + coarse < since - SETTLE_NS


def _wanted(inputs: Inputs) -> list[tuple[str, str]] | None:
    """(kind, name) of every input: ``inputs`` and each plugin's code (Beancount's and this
    tool's are in the key); None when a plugin's code cannot be located."""
    files, folders, plugins = list(inputs.files), list(inputs.folders), []
    for top in sorted({loader.RENAMED_MODULES.get(name, name).partition(".")[0]
                       for name in inputs.plugins} - {"beancount", PACKAGE.name}):
        _search, origin, places = _plugin(top, inputs.pythonpath)
        if not places and not (origin and os.path.isfile(origin)):
            return None
        more_files, more_folders = _sources(places) if places else ([origin], [])
        files, folders, plugins = files + more_files, folders + more_folders, [*plugins, top]
    return [*(("file", p) for p in sorted({os.path.abspath(p) for p in files})),
            *(("folder", p) for p in sorted({os.path.abspath(p) for p in folders})),
            *(("evidence", p) for p in sorted({os.path.abspath(p) for p in inputs.evidence})),
            *(("plugin", top) for top in plugins)]


def _sources(roots: Sequence[str]) -> tuple[list[str], list[str]]:
    """The source files and folders of the packages at ``roots``, compiled code left out."""
    files, folders = [], []
    for root in roots:
        for where, subfolders, names in os.walk(root):
            subfolders[:] = [d for d in subfolders if d != "__pycache__"]
            folders.append(where)
            files += [os.path.join(where, n) for n in names if n.endswith(SOURCES)]
    return files, folders


@functools.cache
def _own_code() -> str:
    """This tool's modules by file status (which Python trusts to reuse compiled code), read
    once a process: the code that runs is the code it imported at its start."""
    found = []
    for path in sorted(_sources([str(PACKAGE)])[0]):
        with contextlib.suppress(OSError):
            found.append([os.path.relpath(path, PACKAGE), _status(os.stat(path))])
    return hashlib.sha256(json.dumps(found).encode()).hexdigest()


def _unchanged(kind: str, name: str, stored: Any, real_path: RealPaths) -> bool:
    if kind == "file" and isinstance(stored, list) and len(stored) == 5:
        with contextlib.suppress(OSError):
            if _status(os.stat(name)) == stored[:4]:
                return True
        state = _file(name)[0]
        return isinstance(state, list) and state[4] == stored[4]  # touched, same bytes
    if kind == "plugin":  # found again where it was, on the path it was looked for on
        return isinstance(stored, list) and bool(stored) and isinstance(stored[0], list) \
            and _plugin(name, stored[0]) == stored
    return _observe(kind, name, real_path)[0] == stored


def _observe(kind: str, name: str, real_path: RealPaths, pythonpath: Sequence[str] = ()
             ) -> tuple[Any, int]:
    """The state of an input now, and when it last changed (a plugin's place: its files do)."""
    if kind == "file":
        return _file(name)
    if kind == "folder":
        try:
            return sorted(os.listdir(name)), _changed(name)
        except OSError:
            return "missing", _changed(name)
    if kind == "evidence":  # what the evidence check sees: the kind of file, where it really is
        try:
            mode, link = file_mode(name)
        except OSError:
            return "missing", _changed(name)
        changed = max(_changed(os.path.dirname(name)), _changed(name) if link else 0)
        return [stat.S_IFMT(mode), real_path(name, link=link)], changed
    return _plugin(name, pythonpath), 0


def _status(info: os.stat_result) -> list[int]:
    return [info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino]


def _changed(path: str) -> int:
    """When what is at ``path`` last changed; if nothing is, the folder it would be in."""
    try:
        return os.stat(path).st_ctime_ns
    except OSError:
        parent = os.path.dirname(path)
        return NEVER if parent == path else _changed(parent)


def _file(path: str) -> tuple[Any, int]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO never hangs
    except OSError:
        return "missing", _changed(path)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return "not a regular file", info.st_ctime_ns
        digest = file_sha256(fd)
        info = os.fstat(fd)  # after the read: a write meanwhile shows in its change time
        return [*_status(info), digest], info.st_ctime_ns
    except OSError:
        return "unreadable", NEVER
    finally:
        os.close(fd)


def _plugin(name: str, pythonpath: Sequence[str]) -> list[Any]:
    """[search path, origin, package folders] of the top-level module ``name``: the loaded
    module's, else what Beancount's import would find, ``insert_pythonpath`` folders first."""
    saved = list(sys.path)
    try:
        sys.path[0:0] = pythonpath
        spec = importlib.util.find_spec(name)  # a top-level name: nothing is imported
    except (ImportError, ValueError):  # ValueError: a loaded module without a spec
        spec = None
    finally:
        sys.path[:] = saved
    origin = getattr(spec, "origin", None)
    places = [str(p) for p in getattr(spec, "submodule_search_locations", None) or ()]
    return [list(pythonpath), origin if isinstance(origin, str) else None, places]


__all__ = ["ENTRY", "CheckSummary", "Inputs", "Key", "cache_dir", "finding_from",
           "finding_record", "lookup", "store"]

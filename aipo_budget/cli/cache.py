"""A cache of ``aipo-budget check`` results on Beancount's model (``loader.py``): an entry
keeps the inputs the load and the audit actually used, and the next run compares them; what is
compared and what is not seen is told in docs/reliability.md ("The result cache").

An entry is found by its key (:class:`Key`) and served only if it records that very key, lists
the ledger file and the rules folder, and every input it lists is unchanged: a file by its
status, else by the SHA-256 of its bytes; a folder by its names; an evidence file by its kind
and real path; a plugin by where its import finds it. Like Beancount and Git, the cache trusts
file times: a result is stored only if every input, observed after the audit, last changed (its
inode change time, which no program sets back) at least SETTLE_NS before the load began, a
second more for a time without a fraction; otherwise the entry is removed, as Beancount removes
its cache file. A file server whose clock runs behind defeats this, as Git.
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
import re
import stat
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import beancount
from beancount import loader

from aipo_budget import __version__
from aipo_budget.core.digest import file_sha256
from aipo_budget.core.evidence import RealPaths, file_mode
from aipo_budget.core.findings import Finding, Judgement
from aipo_budget.core.paths import MAX_READ

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
    """``ledger`` judged by ``rules`` on ``as_of``, up to ``until`` (``--as-of``) or whole, by
    what runs: the tool's version and modules by file status, Python's, Beancount's."""

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
        if info.st_size > MAX_READ:  # no audit reads it whole: no result is kept for it
            return "too large", NEVER
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


# --- the folder: private, plain JSON files written atomically, at most 200 or 50 MB ---

FORMAT = 4  # of a stored entry: another number is another version's, and ignored
MAX_ENTRIES, MAX_BYTES = 200, 50 * 1024 * 1024
STALE_TEMP = 600  # seconds: a temporary file this old was left by a run that was killed
ENTRY = re.compile(r"[0-9a-f]{32}\.json")
TEMP = re.compile(r"\.[0-9a-f]{32}\.[0-9a-f]{16}\.tmp")


def cache_dir() -> Path:
    """As XDG says: a relative or empty XDG_CACHE_HOME is ignored (so is an empty HOME, whose
    "~" would be the working folder, or /)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):
        home = os.path.expanduser("~") if os.environ.get("HOME", "unset") else ""
        base = os.path.join(home, ".cache")
    return Path(os.environ.get("AIPO_BUDGET_CACHE_DIR") or Path(base) / "aipo-budget")


def _ours(info: os.stat_result) -> bool:
    """Owned by the user running us, and nobody else may write to it."""
    return info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def usable_folder(create: bool = False) -> Path | None:
    """The cache folder if it is safe to use (created with mode 0700 when asked), else None:
    an absolute path to a private folder of ours (mode 0700), not a link to another (a link
    to / would have had results written there)."""
    folder = cache_dir()
    if not folder.is_absolute():
        return None
    try:
        if create:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    private = not info.st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    return folder if stat.S_ISDIR(info.st_mode) and _ours(info) and private else None


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
            # one string by json's C encoder (json.dump writes in pieces, encoded in Python at
            # several times the CPU time); written once the ledger has been let go (session)
            handle.write(json.dumps(entry, separators=(",", ":")))
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


# --- a check's summary as plain JSON, written and read field by field: a Decimal keeps
# its digits, a date its day, and what this version does not write is malformed ---------


@dataclass(frozen=True)
class CheckSummary(Judgement):
    """All that ``check`` prints: the findings and the counts of the summary line."""

    findings: tuple[Finding, ...]
    has_fund: bool
    outflows: int
    transfers: int
    rules: int
    left_out: int = 0  # entries dated after --as-of, not judged


COUNTS = ("outflows", "transfers", "rules", "left_out")
TEXTS = ("rule", "kind", "severity", "citation", "filename", "message", "currency", "criterion",
         "transaction")
OPTIONAL_TEXTS, NUMBERS = ("project", "waiver"), ("version", "lineno")
# the fields JSON cannot hold, written as text and read back: a day, an amount's exact digits
AS_TEXT = {"effective": (datetime.date.isoformat, datetime.date.fromisoformat),
           "date": (datetime.date.isoformat, datetime.date.fromisoformat), "amount": (str, Decimal)}
# A finding's directive (``entry``) is left out: not needed to print, and not plain data.
FINDING_FIELDS = {*TEXTS, *OPTIONAL_TEXTS, *NUMBERS, *AS_TEXT}


def finding_record(finding: Finding) -> dict[str, Any]:
    record = {name: getattr(finding, name) for name in (*TEXTS, *OPTIONAL_TEXTS, *NUMBERS)}
    for name, (write, _read) in AS_TEXT.items():
        value = getattr(finding, name)
        record[name] = None if value is None else write(value)
    return record


def finding_from(record: Any) -> Finding:
    """The finding ``finding_record`` wrote; TypeError or ValueError if it is not one."""
    if not isinstance(record, dict) or set(record) != FINDING_FIELDS:
        raise ValueError("not a finding")
    values = {name: _typed(record[name], str) for name in TEXTS}
    values |= {name: _typed(record[name], int) for name in NUMBERS}
    values |= {name: None if record[name] is None else _typed(record[name], str)
               for name in (*OPTIONAL_TEXTS, *AS_TEXT)}
    for name, (_write, read) in AS_TEXT.items():
        values[name] = None if values[name] is None else read(values[name])
    return Finding(**values)


def summary_record(summary: CheckSummary) -> dict[str, Any]:
    return {"findings": [finding_record(f) for f in summary.findings],
            "has_fund": summary.has_fund, **{name: getattr(summary, name) for name in COUNTS}}


def summary_from(record: Any) -> CheckSummary | None:
    """The summary ``summary_record`` wrote, or None if ``record`` is not exactly one."""
    try:
        if not isinstance(record, dict) or set(record) != {"findings", "has_fund", *COUNTS}:
            return None
        return CheckSummary(tuple(finding_from(f) for f in _typed(record["findings"], list)),
                            _typed(record["has_fund"], bool),
                            *(_typed(record[name], int) for name in COUNTS))
    except (TypeError, ValueError, ArithmeticError):  # ArithmeticError: not a Decimal
        return None


def _typed(value: Any, kind: type) -> Any:
    if type(value) is not kind:  # exactly: True is no count, 1.0 no line number
        raise TypeError(f"{value!r} is no {kind.__name__}")
    return value

"""A cache of ``aipo-budget check`` results: a second run on unchanged inputs is quick, and a
stored result is never served for inputs other than those it was computed from.

**What a result depends on.** The bytes of each ledger file Beancount read and of every rules
file; the file names in the folders that hold them and what each ``include`` pattern matches
(a new file matching an ``include`` glob, a new rules file); the names in the documents folders
and, for each evidence file, its kind and real path; the code of every plugin the ledger loads
(a module's file, or every source file of its package; plugins of Beancount and Fava by their
installed version; a ledger whose plugin's code cannot be located is not cached); the tool's
version and the bytes of its own code; the Python version and path (``sys.path``); the versions
of Beancount and Fava; and the options (ledger, rules folder, as-of date, and whether later
entries are left out). A result is reused only when the signature of all these equals the
stored one; otherwise the ledger is read again. Not seen: files a plugin reads by itself, and
modules a single-file plugin imports from beside it (a plugin package is covered whole).

**No result of a changing input is stored.** Before the ledger is read, the inputs are observed
(content digests, plus inode, size and times of each file): those of the stored entry, if any,
and those a quick scan of the ledger text finds (``include``, ``plugin``, ``option
"documents"``). After the audit they are observed again. The result is stored only if every
input the run actually used was observed before the read and is identical after the audit:
an edit between the read and the store, even one that restores the same bytes through a new
file, leaves nothing stored. An input that could not be foreseen before the read (a
``document`` directive outside the documents folders, say) stores only the list of inputs, so
that the next run can observe it in time and store its result.

**Storage.** Plain JSON, one file per key (above) named ``<32 hex>.json``, written
to a fresh ``O_EXCL`` file of mode 0600 and moved into place atomically, in a folder created
with mode 0700: ``$AIPO_BUDGET_CACHE_DIR``, else ``$XDG_CACHE_HOME/aipo-budget``, else
``~/.cache/aipo-budget``. A folder or file that is not the user's, or that others may write to,
is neither read nor written; a malformed or older entry is ignored. After each write the oldest
entries (by modification time; a hit refreshes it) go until at most 200 entries and 50 MB
remain; no other file in the folder is ever touched. Nothing is written beside the ledger.
"""

from __future__ import annotations

import datetime
import functools
import glob
import hashlib
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import os
import re
import secrets
import stat
import sys
import time
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from beancount import loader

from aipo_budget import __version__
from aipo_budget.findings import Finding, Judgement

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

PACKAGE = Path(__file__).resolve().parent
FORMAT = 2
MAX_ENTRIES = 200
MAX_BYTES = 50 * 1024 * 1024
STALE_TEMP = 600  # seconds: a temporary file this old was left by a run that was killed
ENTRY = re.compile(r"[0-9a-f]{32}\.json")
TEMP = re.compile(r"\.[0-9a-f]{32}\.[0-9a-f]{16}\.tmp")
VERSIONED = ("beancount", "fava")  # plugins of these are covered by their installed version
DROPPED = frozenset({"entry"})  # a finding's directive: not needed to print, not plain data
SCAN_LIMIT = 10_000  # ledger files the pre-read scan follows; a larger ledger stores a plan


@dataclass(frozen=True)
class CheckSummary(Judgement):
    """All that ``check`` prints: the findings and the counts of the summary line."""

    findings: tuple[Finding, ...]
    has_fund: bool
    outflows: int
    transfers: int
    rules: int
    left_out: int = 0  # entries dated after --as-of, not judged


@dataclass(frozen=True)
class Inputs:
    """What a result depends on; the state of each makes its signature."""

    files: tuple[str, ...]  # their bytes
    folders: tuple[str, ...]  # the names of the files in them
    trees: tuple[str, ...] = field(default=())  # the names in every folder below these
    globs: tuple[str, ...] = field(default=())  # absolute include patterns: what they match
    present: tuple[str, ...] = field(default=())  # evidence: kind and real path of each
    plugins: tuple[str, ...] = field(default=())  # plugin modules: their code
    pythonpath: tuple[str, ...] = field(default=())  # where Beancount looks for them first


@dataclass(frozen=True)
class Key:
    """Which result: ``ledger`` judged by ``rules`` on ``as_of``, its entries up to ``until``
    (``--as-of``) or all of them (None: ``check`` without ``--as-of``)."""

    ledger: str
    rules: str
    as_of: datetime.date
    until: datetime.date | None = None

    def record(self) -> list[Any]:
        return [os.path.abspath(self.ledger), os.path.abspath(self.rules),
                self.as_of.isoformat(), self.until.isoformat() if self.until else None]

    @property
    def name(self) -> str:
        return hashlib.sha256(json.dumps(self.record()).encode()).hexdigest()[:32] + ".json"


@dataclass
class Observation:
    """The inputs at one moment: ``parts`` make the signature; ``stats`` (mode, device, inode,
    size, times of each file) only tell whether a file was touched between two observations."""

    parts: dict[tuple[str, ...], Any] = field(default_factory=dict)
    stats: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Lookup:
    """A cached summary (None: read the ledger) and the inputs as observed before reading it."""

    summary: CheckSummary | None
    before: Observation | None


# --- The state of each input ---------------------------------------------------------------

def _digest(value: Any) -> str:
    return hashlib.sha256(repr(value).encode("utf-8", "backslashreplace")).hexdigest()


def _blocks(path: str, stats: dict[str, tuple[int, ...]] | None = None) -> Iterator[bytes]:
    """The bytes of a regular file, block by block (none for anything else); its status goes
    to ``stats``. O_NONBLOCK: a FIFO in the way never hangs the check."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return
    try:
        info = os.fstat(fd)
        if stats is not None:
            stats[path] = (info.st_mode, info.st_dev, info.st_ino, info.st_size,
                           info.st_mtime_ns, info.st_ctime_ns)
        if stat.S_ISREG(info.st_mode):
            yield from iter(functools.partial(os.read, fd, 1 << 20), b"")
    finally:
        os.close(fd)


def _file(path: str, stats: dict[str, tuple[int, ...]]) -> str:
    """SHA-256 of a file's bytes (file times are too coarse to see a quick second edit)."""
    digest = hashlib.sha256()
    try:
        for block in _blocks(path, stats):
            digest.update(block)
    except OSError:
        return "unreadable"
    if path not in stats:
        return "missing"
    return digest.hexdigest() if stat.S_ISREG(stats[path][0]) else "not a regular file"


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


def _presence(path: str) -> tuple[int, str] | str:
    """What the evidence check sees: the kind of file and where it really is."""
    try:
        return stat.S_IFMT(os.stat(path).st_mode), os.path.realpath(path)
    except OSError:
        return "missing"


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@functools.cache
def _own_code() -> str:
    """The bytes of this tool's code, once per process: the code that runs was imported at
    start-up, so a later edit is for the next run to see, not a change of this run's input."""
    return _digest([(str(p.relative_to(PACKAGE)), _file(str(p), {}))
                    for p in sorted(PACKAGE.rglob("*.py"))])


def _python() -> str:
    """The tool itself and what runs it."""
    return _digest([FORMAT, __version__, _own_code(), sys.version, list(sys.path),
                    _version("beancount"), _version("fava")])


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


def plugin_code(name: str, pythonpath: Sequence[str] = ()) -> tuple[str, tuple[str, ...]] | None:
    """(digest, locations) of the code of plugin module ``name``: the file of a top-level
    module, or every source file of the top-level package it belongs to; None when it cannot
    be located."""
    top = name.partition(".")[0]
    if top in VERSIONED:
        return "versioned", ()
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
    for path in inputs.present:
        yield ("present", path), functools.partial(_presence, path)
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


# --- The inputs a ledger will have, foreseen before it is read ------------------------------

# Directives start a line. "\n" rather than "^" with re.M: a literal prefix lets the regular
# expression engine skip ahead, four times faster on a 50 MB ledger. Texts get a leading "\n".
INCLUDE = re.compile(rb'\ninclude\s+"([^"]+)"')
OPTION = re.compile(rb'\noption\s+"([^"]+)"\s+"([^"]*)"')
PLUGIN = re.compile(rb'\nplugin\s+"([^"]+)"')


def _text(path: str) -> bytes:
    """The file's bytes after a "\n" (see INCLUDE)."""
    try:
        return b"".join([b"\n", *_blocks(path)])
    except OSError:
        return b""


def _patterns(path: str, text: bytes) -> list[str]:
    """The absolute ``include`` patterns of one ledger file's text."""
    found = []
    for match in INCLUDE.finditer(text):
        pattern = os.path.expanduser(os.fsdecode(match[1]))
        found.append(os.path.normpath(os.path.join(os.path.dirname(path), pattern)))
    return found


def include_patterns(files: Sequence[str]) -> tuple[str, ...]:
    """The absolute ``include`` patterns of these ledger files (a new file matching one of
    them, in any folder, changes the ledger)."""
    return tuple(sorted({p for path in files for p in _patterns(path, _text(path))}))


def _scan(top: str) -> tuple[set[str], set[str], set[str]]:
    """The ledger files reachable through ``include`` from ``top``, the patterns, and the
    folders of files that ask for ``insert_pythonpath``."""
    files: set[str] = set()
    patterns: set[str] = set()
    pythonpath: set[str] = set()
    pending = [top]
    while pending and len(files) < SCAN_LIMIT:
        path = os.path.normpath(pending.pop())
        if path in files:
            continue
        files.add(path)
        text = _text(path)
        for pattern in _patterns(path, text):
            patterns.add(pattern)
            pending += glob.glob(pattern, recursive=True)
        if any(k == b"insert_pythonpath" and v.lower() in (b"1", b"true", b"yes")
               for k, v in OPTION.findall(text)):
            pythonpath.add(os.path.dirname(path))
    return files, patterns, pythonpath


def discover(ledger: str, rules: str) -> Inputs:
    """The inputs a quick scan of the ledger's text foresees (Beancount honours ``option`` and
    ``plugin`` lines of the top-level file only): a superset is harmless, a miss only delays
    caching by one run."""
    top = os.path.abspath(ledger)
    files, patterns, pythonpath = _scan(top)
    text = _text(top)
    trees = sorted({os.path.normpath(os.path.join(os.path.dirname(top), os.fsdecode(v)))
                    for k, v in OPTION.findall(text) if k == b"documents"})
    evidence = [os.path.join(folder, f) for root in trees for folder, _d, names in os.walk(root)
                for f in names]
    folder = os.path.abspath(rules)
    rules_files = [str(p) for p in Path(folder).glob("*.toml")]
    return Inputs(
        files=tuple(sorted(files | set(rules_files))),
        folders=tuple(sorted({os.path.dirname(p) for p in files} | {folder})),
        trees=tuple(trees), globs=tuple(sorted(patterns)), present=tuple(sorted(evidence)),
        plugins=tuple(sorted({os.fsdecode(m) for m in PLUGIN.findall(text)})),
        pythonpath=tuple(sorted(pythonpath)),
    )


def with_plugins(inputs: Inputs, options: dict[str, Any]) -> Inputs:
    """``inputs`` and the plugins the loaded ledger ran (``options["plugin"]``)."""
    renamed = getattr(loader, "RENAMED_MODULES", {})
    names = {renamed.get(name, name) for name, _config in options.get("plugin") or ()}
    return Inputs(inputs.files, inputs.folders, inputs.trees, inputs.globs, inputs.present,
                  tuple(sorted(names)), tuple(options.get("pythonpath") or ()))


def _absolute(inputs: Inputs) -> Inputs:
    """Every path absolute, so that a stored entry means the same from any folder."""
    def norm(paths: Sequence[str]) -> tuple[str, ...]:
        return tuple(sorted({os.path.abspath(p) for p in paths}))

    return Inputs(norm(inputs.files), norm(inputs.folders), norm(inputs.trees),
                  norm(inputs.globs), norm(inputs.present), tuple(sorted(set(inputs.plugins))),
                  tuple(os.path.abspath(p) for p in inputs.pythonpath))


# --- Plain JSON: summaries and findings, exactly ---------------------------------------------

class Malformed(ValueError):
    """A stored entry that is not what this version writes."""


def _encode(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Decimal):
        return str(value)  # exact: digits, exponent and sign survive Decimal(str(x))
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Finding):
        return to_record(value)
    if isinstance(value, (tuple, list)):
        return [_encode(item) for item in value]
    raise TypeError(f"a {type(value).__name__} cannot be stored in the cache")


def to_record(value: Any) -> dict[str, Any]:
    """A dataclass (a Finding, a CheckSummary) as a JSON object, field by field."""
    return {f.name: _encode(getattr(value, f.name)) for f in fields(value)
            if f.name not in DROPPED}


@functools.cache
def _field_types(cls: type) -> dict[str, Any]:
    namespace = vars(sys.modules[cls.__module__])
    # Annotations are strings (``from __future__ import annotations``): evaluated in their own
    # module, as typing.get_type_hints does, but for the dataclass fields only.
    return {f.name: eval(f.type, namespace) if isinstance(f.type, str) else f.type  # noqa: S307
            for f in fields(cls)}


def _decode_union(value: Any, args: tuple[Any, ...]) -> Any:
    if value is None and type(None) in args:
        return None
    options = [a for a in args if a is not type(None)]
    if len(options) != 1:
        raise Malformed(f"cannot read a value of {args}")
    return _decode(value, options[0])


def _decode(value: Any, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _decode_union(value, typing.get_args(hint))
    if origin is tuple and isinstance(value, list):
        return tuple(_decode(item, typing.get_args(hint)[0]) for item in value)
    if hint in (bool, int, str) and type(value) is hint:
        return value
    if hint is Decimal and isinstance(value, str):
        return Decimal(value)
    if hint is datetime.date and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if isinstance(hint, type) and is_dataclass(hint) and isinstance(value, dict):
        return from_record(hint, value)
    raise Malformed(f"{value!r} is no {hint}")


def from_record(cls: type, record: dict[str, Any]) -> Any:
    """The dataclass ``cls`` from ``to_record``'s object; every field must be there (an entry
    of another version is malformed, not completed with defaults)."""
    types_ = _field_types(cls)
    wanted = {name for name in types_ if name not in DROPPED}
    if set(record) != wanted:
        raise Malformed(f"fields {sorted(set(record) ^ wanted)} of {cls.__name__}")
    return cls(**{name: _decode(record[name], types_[name]) for name in wanted})


def _inputs_record(inputs: Inputs) -> dict[str, list[str]]:
    return {f.name: list(getattr(inputs, f.name)) for f in fields(Inputs)}


def _inputs_from(record: Any) -> Inputs:
    if not isinstance(record, dict) or set(record) != {f.name for f in fields(Inputs)}:
        raise Malformed("inputs")
    values = {}
    for name, paths in record.items():
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            raise Malformed(f"inputs.{name}")
        values[name] = tuple(paths)
    return Inputs(**values)


# --- The folder and its files ----------------------------------------------------------------

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


def _load(folder: Path, key: Key) -> dict[str, Any] | None:
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


def _store(folder: Path, key: Key, payload: dict[str, Any]) -> bool:
    text = json.dumps(payload, separators=(",", ":")).encode()
    temporary = folder / f".{key.name[:32]}.{secrets.token_hex(8)}.tmp"
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text)
        os.replace(temporary, folder / key.name)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
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


# --- What the check command calls ------------------------------------------------------------

def _served(stored: dict[str, Any], observed: Observation) -> CheckSummary | None:
    if stored.get("summary") is None or stored.get("signature") != signature(observed):
        return None
    try:
        return from_record(CheckSummary, stored["summary"])
    except (Malformed, ArithmeticError, ValueError, TypeError, NameError, AttributeError):
        return None


def _stored(key: Key) -> tuple[dict[str, Any] | None, Inputs | None]:
    """The stored entry of ``key`` and its inputs, if it is there, safe and well formed."""
    folder = usable_folder()
    stored = _load(folder, key) if folder else None
    try:
        return (stored, _absolute(_inputs_from(stored.get("inputs")))) if stored else (None, None)
    except Malformed:
        return None, None


def lookup(key: Key, reuse: bool = True) -> Lookup:
    """The stored summary of ``key`` if every input is unchanged (and ``reuse``); else None,
    with the inputs observed now, before the ledger is read, for ``write`` to compare."""
    if usable_folder() is None and os.path.lexists(cache_dir()):
        return Lookup(None, None)  # a folder we may not use: nothing will be stored either
    stored, known = _stored(key)
    before = observe(known) if known else Observation()
    if reuse and stored and known:
        summary = _served(stored, before)
        if summary is not None:
            return Lookup(summary, before)
    return Lookup(None, observe(_absolute(discover(key.ledger, key.rules)), into=before))


def read(key: Key) -> CheckSummary | None:
    """The cached summary if every input is unchanged, else None."""
    stored, known = _stored(key)
    return _served(stored, observe(known)) if stored and known else None


def _touched(before: Observation, after: Observation) -> bool:
    parts = any(before.parts[k] != v for k, v in after.parts.items() if k in before.parts)
    stats = any(before.stats.get(p) != s for p, s in after.stats.items()
                if ("file", p) in before.parts)
    return parts or stats


def _plugins_located(inputs: Inputs) -> bool:
    """Every plugin module the load imported lies where its code was hashed."""
    for name in inputs.plugins:
        code = plugin_code(name, inputs.pythonpath)
        if code is None:
            return False
        module_file = getattr(sys.modules.get(name), "__file__", None)
        if module_file and code[1] and not any(
                os.path.abspath(module_file) == place
                or os.path.abspath(module_file).startswith(place.rstrip(os.sep) + os.sep)
                for place in map(os.path.abspath, code[1])):
            return False
    return True


def write(key: Key, inputs: Inputs, summary: CheckSummary, before: Observation | None) -> str:
    """Store ``summary`` if its inputs, observed now (after the audit), are all as ``before``
    (observed before the ledger was read). Returns what happened: ``stored``; ``planned``
    (some input was not foreseen: only the inputs are stored); ``changed`` (an input changed
    during the run: nothing stored); ``uncacheable``; ``unwritable``."""
    folder = usable_folder(create=True)
    if folder is None or before is None:
        return "unwritable"
    inputs = _absolute(inputs)
    if not _plugins_located(inputs):
        return "uncacheable"
    after = observe(inputs)
    if _touched(before, after):
        return "changed"
    foreseen = all(k in before.parts for k in after.parts)
    try:
        record = to_record(summary) if foreseen else None
    except TypeError:
        return "uncacheable"
    payload = {"format": FORMAT, "key": key.record(), "inputs": _inputs_record(inputs),
               "signature": signature(after), "summary": record}
    if not _store(folder, key, payload):
        return "unwritable"
    prune(folder)
    return "stored" if foreseen else "planned"

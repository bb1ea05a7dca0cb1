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

The parts: :mod:`.model` (what is stored and compared), :mod:`.state` (observing the inputs),
:mod:`.foresee` (the inputs a ledger will have), :mod:`.records` (plain JSON), :mod:`.store`
(the folder); this module is what the check command calls.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from aipo_budget.cache.foresee import absolute, discover, include_patterns, with_plugins
from aipo_budget.cache.model import FORMAT, CheckSummary, Inputs, Key, Lookup, Observation
from aipo_budget.cache.records import (
    Malformed,
    from_record,
    inputs_from,
    inputs_record,
    to_record,
)
from aipo_budget.cache.state import observe, plugin_code, signature
from aipo_budget.cache.store import (
    ENTRY,
    MAX_BYTES,
    MAX_ENTRIES,
    cache_dir,
    prune,
    read_entry,
    usable_folder,
    write_entry,
)


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
    stored = read_entry(folder, key) if folder else None
    try:
        return (stored, absolute(inputs_from(stored.get("inputs")))) if stored else (None, None)
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
    return Lookup(None, observe(absolute(discover(key.ledger, key.rules)), into=before))


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
    inputs = absolute(inputs)
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
    payload = {"format": FORMAT, "key": key.record(), "inputs": inputs_record(inputs),
               "signature": signature(after), "summary": record}
    if not write_entry(folder, key, payload):
        return "unwritable"
    prune(folder)
    return "stored" if foreseen else "planned"


__all__ = ["ENTRY", "FORMAT", "MAX_BYTES", "MAX_ENTRIES", "CheckSummary", "Inputs", "Key",
           "Lookup", "Malformed", "Observation", "cache_dir", "discover", "from_record",
           "include_patterns", "lookup", "observe", "plugin_code", "prune", "signature",
           "to_record", "usable_folder", "with_plugins", "write"]

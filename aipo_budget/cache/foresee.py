"""The inputs a ledger will have, foreseen before it is read (a quick scan of its text), and
completed after the load with the plugins it ran."""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from beancount import loader

from aipo_budget.cache.model import Inputs
from aipo_budget.cache.state import blocks

if TYPE_CHECKING:
    from collections.abc import Sequence

SCAN_LIMIT = 10_000  # ledger files the pre-read scan follows; a larger ledger stores a plan

# Directives start a line. "\n" rather than "^" with re.M: a literal prefix lets the regular
# expression engine skip ahead, four times faster on a 50 MB ledger. Texts get a leading "\n".
INCLUDE = re.compile(rb'\ninclude\s+"([^"]+)"')
OPTION = re.compile(rb'\noption\s+"([^"]+)"\s+"([^"]*)"')
PLUGIN = re.compile(rb'\nplugin\s+"([^"]+)"')


def _text(path: str) -> bytes:
    """The file's bytes after a "\n" (see INCLUDE)."""
    try:
        return b"".join([b"\n", *blocks(path)])
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


def absolute(inputs: Inputs) -> Inputs:
    """Every path absolute, so that a stored entry means the same from any folder."""
    def norm(paths: Sequence[str]) -> tuple[str, ...]:
        return tuple(sorted({os.path.abspath(p) for p in paths}))

    return Inputs(norm(inputs.files), norm(inputs.folders), norm(inputs.trees),
                  norm(inputs.globs), norm(inputs.present), tuple(sorted(set(inputs.plugins))),
                  tuple(os.path.abspath(p) for p in inputs.pythonpath))

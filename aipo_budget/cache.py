"""A cache of ``aipo-budget check`` results, so that a second run on unchanged inputs is quick.

A result is reused only when every input is as it was: the bytes of each ledger file Beancount
read and of every rules file, the file names in the folders that hold them (a new file matching
an ``include`` glob, a new rules file), the evidence folders' file names, the tool's version and
the bytes of its own code, and the options (rules folder, as-of date). Otherwise the ledger is
read again. Hashing the inputs costs milliseconds; reading a large ledger costs seconds.

Unlike Beancount's pickle cache, nothing is written beside the ledger: the cache lives in
``$AIPO_BUDGET_CACHE_DIR``, else ``$XDG_CACHE_HOME/aipo-budget``, else
``~/.cache/aipo-budget``, one file per (ledger, rules, as-of), replaced atomically.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import pickle
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aipo_budget import __version__
from aipo_budget.findings import Judgement

if TYPE_CHECKING:
    import datetime
    from collections.abc import Sequence

    from aipo_budget.findings import Finding

PACKAGE = Path(__file__).resolve().parent
FORMAT = 1


@dataclass(frozen=True)
class CheckSummary(Judgement):
    """All that ``check`` prints: the findings and the counts of the summary line."""

    findings: tuple[Finding, ...]
    has_fund: bool
    outflows: int
    transfers: int
    rules: int
    left_out: int = 0  # entries dated after --as-of, left out


@dataclass(frozen=True)
class Inputs:
    """What a result depends on; the state of each makes its signature."""

    files: tuple[str, ...]  # their bytes
    folders: tuple[str, ...]  # the names of the files in them
    trees: tuple[str, ...] = field(default=())  # the names in every folder below these
    globs: tuple[str, ...] = field(default=())  # absolute include patterns: what they match
    present: tuple[str, ...] = field(default=())  # files whose existence matters (evidence)


INCLUDE = re.compile(rb'^include\s+"([^"]+)"', re.M)


def include_patterns(files: Sequence[str]) -> tuple[str, ...]:
    """The absolute ``include`` patterns of these ledger files (a new file matching one of
    them, in any folder, changes the ledger)."""
    patterns = set()
    for path in files:
        try:
            with open(path, "rb") as handle:
                text = handle.read()
        except OSError:
            continue
        for match in INCLUDE.finditer(text):
            pattern = os.path.expanduser(match[1].decode("utf-8", "replace"))
            patterns.add(os.path.normpath(os.path.join(os.path.dirname(path), pattern)))
    return tuple(sorted(patterns))


def cache_dir() -> Path:
    explicit = os.environ.get("AIPO_BUDGET_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "aipo-budget"


def _content(path: str) -> str:
    """SHA-256 of a file's bytes: file times are too coarse to see a quick second edit."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return "missing"
    return digest.hexdigest()


def _listing(folder: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return ["<missing>"]


def _tree(root: str) -> list[tuple[str, list[str]]]:
    return sorted((folder, sorted(files)) for folder, _dirs, files in os.walk(root))


def signature(inputs: Inputs) -> str:
    digest = hashlib.sha256()
    code = sorted((str(p), _content(str(p))) for p in PACKAGE.rglob("*.py"))
    parts: list[Any] = [FORMAT, __version__, code]
    parts += [(p, _content(p)) for p in inputs.files]
    parts += [(p, _listing(p)) for p in inputs.folders]
    parts += [(root, _tree(root)) for root in inputs.trees]
    parts += [(pattern, sorted(glob.glob(pattern, recursive=True))) for pattern in inputs.globs]
    parts += [(path, os.path.exists(path)) for path in inputs.present]
    digest.update(repr(parts).encode())
    return digest.hexdigest()


def _slot(ledger: str, rules: str, as_of: datetime.date) -> Path:
    key = "\0".join([os.path.abspath(ledger), os.path.abspath(rules), as_of.isoformat()])
    return cache_dir() / (hashlib.sha256(key.encode()).hexdigest()[:32] + ".pickle")


def read(ledger: str, rules: str, as_of: datetime.date) -> CheckSummary | None:
    """The cached summary if every input is unchanged, else None."""
    try:
        with open(_slot(ledger, rules, as_of), "rb") as handle:
            stored = pickle.load(handle)
        inputs, sig, summary = stored["inputs"], stored["signature"], stored["summary"]
    except Exception:  # noqa: BLE001 - a missing, old or corrupt cache is simply not used
        return None
    return summary if signature(inputs) == sig else None


def write(ledger: str, rules: str, as_of: datetime.date, inputs: Inputs,
          summary: CheckSummary) -> None:
    """Store ``summary`` atomically; a cache that cannot be written is silently skipped."""
    slot = _slot(ledger, rules, as_of)
    light = replace(summary, findings=tuple(replace(f, entry=None) for f in summary.findings))
    try:
        slot.parent.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile("wb", dir=slot.parent, delete=False,
                                             prefix=".tmp-", suffix=".pickle")
        with handle:
            pickle.dump({"inputs": inputs, "signature": signature(inputs), "summary": light},
                        handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, slot)
    except OSError:
        try:
            os.unlink(handle.name)
        except (OSError, UnboundLocalError):
            pass

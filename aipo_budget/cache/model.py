"""What the cache stores and compares: the summary of a check, the key of a result, the inputs
it depends on and their state at one moment."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

# Findings are read back by their annotations (records.py): a runtime import, not a typing one.
from aipo_budget.findings import Finding, Judgement

FORMAT = 3  # of a stored entry: another number is another tool's, and ignored (3: waivers)


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

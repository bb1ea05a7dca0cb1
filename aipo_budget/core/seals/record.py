"""The seal entry: a ``custom "aipo-seal"`` entry in the ledger, read and written.

The entry, dated on the sealed-through day (the books close there; in Fava's journal it stands
at the end of the period it seals)::

    2006-12-31 custom "aipo-seal" "A. Auditor"
      sealed-on: 2025-01-15
      digest: "<SHA-256 over the entries' fingerprints and the evidence files' digests>"
      entries: 1234
      evidence: 56
      record: "seals/2006-12-31-0123456789ab.tsv"
      record-sha256: "<SHA-256 of that file>"
      format: 1
      forced: TRUE            ; only when sealed over error findings, with:
      reason: "..."
      errors: 3

The sidecar (``record``, relative to the seal entry's file) is :mod:`.sidecar`'s.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.seals.canonical import SEAL_TYPE
from aipo_budget.core.seals.snapshot import FORMAT

if TYPE_CHECKING:
    from aipo_budget.core.seals.snapshot import Snapshot


@dataclass(frozen=True)
class Seal:
    """A ``custom "aipo-seal"`` entry, read."""

    entry: data.Custom
    by: str
    sealed_on: datetime.date | None
    digest: str
    entries: int
    evidence: int
    record: str  # the sidecar, relative to the seal entry's file
    record_sha256: str
    forced: bool = False
    reason: str = ""

    @property
    def through(self) -> datetime.date:
        return self.entry.date

    @property
    def label(self) -> str:
        return f"{self.through} by {self.by}"

    @property
    def record_path(self) -> str:
        folder = os.path.dirname(str(self.entry.meta.get("filename", "")))
        return os.path.normpath(os.path.join(folder, self.record))


def _text(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"its {key} is missing or not a string")
    return value.strip()


def _count(meta: dict[str, Any], key: str) -> int:
    value = meta.get(key)
    if not isinstance(value, Decimal) or value != value.to_integral_value() or value < 0:
        raise ValueError(f"its {key} is missing or not a whole number")
    return int(value)


def read_seal(entry: data.Custom) -> Seal:
    """The seal of ``entry``; ValueError saying what is wrong with it."""
    meta = entry.meta or {}
    values = [value.value for value in entry.values]
    if len(values) != 1 or not isinstance(values[0], str) or not values[0].strip():
        raise ValueError('it names no sealer (custom "aipo-seal" "NAME")')
    version = meta.get("format")
    if version != FORMAT:
        raise ValueError(f"its format is {version}, and this version of aipo-budget reads "
                         f"format {FORMAT}")
    sealed_on = meta.get("sealed-on")
    return Seal(entry, values[0].strip(),
                sealed_on if isinstance(sealed_on, datetime.date) else None,
                _text(meta, "digest"), _count(meta, "entries"), _count(meta, "evidence"),
                _text(meta, "record"), _text(meta, "record-sha256"),
                meta.get("forced") is True, str(meta.get("reason") or ""))


def seal_entries(entries: list[data.Directive]) -> list[data.Custom]:
    return [entry for entry in entries
            if isinstance(entry, data.Custom) and entry.type == SEAL_TYPE]


def quoted(text: str) -> str:
    """A Beancount string literal (one line: whitespace collapsed)."""
    one_line = " ".join(text.split())
    return '"' + one_line.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Signing:
    """Who seals, when and why: what the seal entry says besides the digests."""

    through: datetime.date
    by: str
    sealed_on: datetime.date
    forced: bool = False
    reason: str = ""
    errors: int = 0  # error findings the seal was forced over


def entry_text(signing: Signing, snapshot: Snapshot, record: str, record_sha256: str) -> str:
    """The seal entry as written in ``seals.beancount``."""
    lines = [f"{signing.through} custom {quoted(SEAL_TYPE)} {quoted(signing.by)}",
             f"  sealed-on: {signing.sealed_on}",
             f"  digest: {quoted(snapshot.digest)}",
             f"  entries: {len(snapshot.prints)}",
             f"  evidence: {len(snapshot.evidence)}",
             f"  record: {quoted(record)}",
             f"  record-sha256: {quoted(record_sha256)}",
             f"  format: {FORMAT}"]
    if signing.forced:
        lines.append("  forced: TRUE")
    if signing.reason:
        lines.append(f"  reason: {quoted(signing.reason)}")
    if signing.forced:
        lines.append(f"  errors: {signing.errors}")
    return "\n".join(lines) + "\n"


def record_name(snapshot: Snapshot) -> str:
    """The sidecar's name: the sealed-through date and the digest's first 12 hex digits."""
    return f"{snapshot.through}-{snapshot.digest[:12]}.tsv"

"""Period seals: ``aipo-budget seal`` (:mod:`aipo_budget.cli.seal`) records a digest of the
ledger through a date in a ``custom "aipo-seal"`` entry, and every audit verifies every seal:
its digest recomputed from the ledger as it is now and, when it no longer holds, one finding of
kind ``seal`` per difference, said from its record. A difference that breaks several seals (an
entry of 2005 under seals through 2005 and 2006) is one finding that names them all.

:mod:`.canonical` is the form of an entry and its fingerprint; :mod:`.snapshot` what a seal
covers and its digest; :mod:`.sidecar` a seal's record and what changed since. Here: the seal
entry, read, and the verification.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import os
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount.core import data

from aipo_budget.core.facts import Location
from aipo_budget.core.findings import Finding, finding
from aipo_budget.core.paths import shown
from aipo_budget.core.rules import RuleVersion
from aipo_budget.core.seals.canonical import SEAL_TYPE
from aipo_budget.core.seals.sidecar import Difference, differences, parse_record
from aipo_budget.core.seals.snapshot import FORMAT, Ledger, read_regular

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.rules import RuleSet

# Used when a rules folder has no rule of kind "seal": a broken seal is still reported.
DEFAULT_SEAL_RULE = RuleVersion(
    "SEAL", "seal", 1, datetime.date(1900, 1, 1), "error", "the auditor's sign-off",
    "Nothing dated on or before a sealed date, nor the evidence it cites, changes after the "
    "seal.", {},
)
HOLDS, BROKEN, UNVERIFIED = "holds", "broken", "cannot be verified"


@dataclasses.dataclass(frozen=True)
class SealedPeriod:
    """A ``custom "aipo-seal"`` entry, read, then verified (as the tables list it)."""

    through: datetime.date
    by: str
    sealed_on: datetime.date | None
    forced: bool
    reason: str
    location: Location  # the seal entry
    digest: str
    record_path: str  # the sidecar
    record_sha256: str
    status: str = ""  # once verified: HOLDS, BROKEN or UNVERIFIED
    differences: int = 0

    @property
    def label(self) -> str:
        return f"{self.through} by {self.by}"


class Verification(NamedTuple):
    findings: list[Finding]
    periods: list[SealedPeriod]


def _text(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"its {key} is missing or not a string")
    return value.strip()


def read_seal(entry: data.Custom) -> SealedPeriod:
    """The seal of ``entry``; ValueError saying what is wrong with it."""
    meta = entry.meta or {}
    values = [value.value for value in entry.values]
    if len(values) != 1 or not isinstance(values[0], str) or not values[0].strip():
        raise ValueError('it names no sealer (custom "aipo-seal" "NAME")')
    if meta.get("format") != FORMAT:
        raise ValueError(f"its format is {meta.get('format')}, and this version of aipo-budget "
                         f"reads format {FORMAT}")
    digest = _text(meta, "digest")
    for key in ("entries", "evidence"):  # the counts: not compared, yet part of a seal
        value = meta.get(key)
        if not isinstance(value, Decimal) or value != value.to_integral_value() or value < 0:
            raise ValueError(f"its {key} is missing or not a whole number")
    # the record is relative to the seal entry's file
    record = os.path.join(os.path.dirname(str(meta.get("filename", ""))), _text(meta, "record"))
    sealed_on = meta.get("sealed-on")
    return SealedPeriod(entry.date, values[0].strip(),
                        sealed_on if isinstance(sealed_on, datetime.date) else None,
                        meta.get("forced") is True, str(meta.get("reason") or ""),
                        Location.of(entry.meta, entry), digest, os.path.normpath(record),
                        _text(meta, "record-sha256"))


def seal_entries(entries: Sequence[data.Directive]) -> list[data.Custom]:
    return [entry for entry in entries
            if isinstance(entry, data.Custom) and entry.type == SEAL_TYPE]


def _seal_differences(seal: SealedPeriod, ledger: Ledger) -> tuple[str, list[Difference]]:
    snapshot = ledger.snapshot(seal.through)
    if snapshot.digest == seal.digest:
        return HOLDS, []
    try:
        raw = read_regular(seal.record_path)
        why = "has changed since the seal"
        record = (parse_record(raw.decode("utf-8"))
                  if hashlib.sha256(raw).hexdigest() == seal.record_sha256 else None)
    except (OSError, UnicodeDecodeError):  # UnicodeDecodeError is a ValueError
        record, why = None, "is missing or unreadable"
    except ValueError as exc:
        record, why = None, f"cannot be read ({exc})"
    key = ("record", id(seal.location.entry))
    if record is None:
        message = (f"the seal no longer matches the ledger, and its record "
                   f"{shown(seal.record_path, ledger.base)} {why}: restore it from version "
                   "control (it was committed with the seal) to see what changed")
        return UNVERIFIED, [Difference(key, seal.through, message)]
    found = list(differences(record, snapshot, ledger))
    if not found:  # equal entry by entry, yet not as a whole: a format not read here
        message = ("the seal no longer matches the ledger, yet no entry differs from its "
                   "record (was it made by another version of aipo-budget?)")
        found = [Difference(key, seal.through, message)]
    return BROKEN, found


def _finding(ruleset: RuleSet, difference: Difference, location: Location, seals: list[str]
             ) -> Finding:
    named = (f"the seal through {seals[0]}" if len(seals) == 1
             else "the seals through " + ", ".join(seals[:-1]) + f" and {seals[-1]}")
    return finding(ruleset.judging("seal", difference.date, DEFAULT_SEAL_RULE), difference.date,
                   location, f"{difference.message}; breaks {named}")


def verify(entries: Sequence[data.Directive], options: dict[str, Any] | None,
           ruleset: RuleSet, *, until: datetime.date | None = None
           ) -> Verification:
    """Every seal of ``entries`` (those dated on or before ``until``, when given: a seal of a
    later date covers entries the audit leaves out) verified; ``options`` are Beancount's."""
    seals = [e for e in seal_entries(entries) if until is None or e.date <= until]
    if not seals:
        return Verification([], [])
    ledger = Ledger(entries, options)
    periods = []
    # difference key -> (the difference, where its finding goes, the seals it breaks)
    found: dict[tuple[Any, ...], tuple[Difference, Location, list[str]]] = {}
    for entry in sorted(seals, key=lambda e: e.date):
        try:
            seal = read_seal(entry)
        except ValueError as exc:
            message = f'the seal entry (custom "aipo-seal") cannot be read: {exc}'
            label, items = str(entry.date), [Difference(("seal", id(entry)), entry.date, message)]
        else:
            label = seal.label
            status, items = _seal_differences(seal, ledger)
            periods.append(dataclasses.replace(seal, status=status, differences=len(items)))
        for item in items:
            where = item.entry if item.entry is not None else entry
            found.setdefault(item.key, (item, Location.of(where.meta, where), []))[2].append(label)
    return Verification([_finding(ruleset, *item) for item in found.values()], periods)


def seal_inputs(entries: Sequence[data.Directive]) -> list[str]:
    """The files the verification reads besides the ledger's: each seal's record and, when
    the ledger has seals, every evidence file (its bytes: a file replaced under the same name
    breaks a seal). A cache of results must see them (aipo_budget.cli.cache)."""
    seals = seal_entries(entries)
    records = set()
    for entry in seals:
        with contextlib.suppress(ValueError):  # an unreadable seal has no record to read
            records.add(read_seal(entry).record_path)
    documents = {e.filename for e in entries if isinstance(e, data.Document)} if seals else set()
    return sorted(records) + sorted(documents - records)

"""Every seal of the ledger verified: its digest recomputed from the ledger as it is now, and,
when it no longer holds, one finding of kind ``seal`` per difference, said from its record.

Pure but for two reads, passed in (tests pass their own): the text of a seal's sidecar, and the
SHA-256 of an evidence file. A difference that breaks several seals (an entry of 2005 under
seals through 2005 and 2006) is one finding that names them all.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from beancount.core import data

from aipo_budget.core.facts import Location
from aipo_budget.core.findings import Finding, finding
from aipo_budget.core.paths import shown
from aipo_budget.core.rules import RuleVersion
from aipo_budget.core.seals.diff import Difference, differences
from aipo_budget.core.seals.record import Seal, read_seal, seal_entries
from aipo_budget.core.seals.sidecar import parse_record, sha256_text
from aipo_budget.core.seals.snapshot import HashFile, Ledger, file_digest

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

ReadText = Callable[[str], "str | None"]  # a file's text, None when it cannot be read


def read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except (OSError, UnicodeDecodeError):
        return None


@dataclass(frozen=True)
class SealedPeriod:
    """A seal, as the tables list it."""

    through: datetime.date
    by: str
    sealed_on: datetime.date | None
    forced: bool
    reason: str
    status: str  # HOLDS, BROKEN or UNVERIFIED
    differences: int
    location: Location


@dataclass
class Verification:
    findings: list[Finding] = field(default_factory=list)
    periods: list[SealedPeriod] = field(default_factory=list)


@dataclass
class _Found:
    difference: Difference
    location: Location
    seals: list[str]


def _version(ruleset: RuleSet, date: datetime.date | None) -> RuleVersion:
    return ruleset.judging("seal", date, DEFAULT_SEAL_RULE)


def _unverifiable(seal: Seal, why: str, base: str) -> Difference:
    message = (f"the seal no longer matches the ledger, and its record "
               f"{shown(seal.record_path, base)} {why}: restore it from version control (it "
               "was committed with the seal) to see what changed")
    return Difference(("record", id(seal.entry)), seal.through, message)


def _seal_differences(seal: Seal, ledger: Ledger, read: ReadText) -> tuple[str, list[Difference]]:
    snapshot = ledger.snapshot(seal.through)
    if snapshot.digest == seal.digest:
        return HOLDS, []
    text = read(seal.record_path)
    if text is None:
        return UNVERIFIED, [_unverifiable(seal, "is missing or unreadable", ledger.base)]
    if sha256_text(text) != seal.record_sha256:
        return UNVERIFIED, [_unverifiable(seal, "has changed since the seal", ledger.base)]
    try:
        record = parse_record(text)
    except ValueError as exc:
        return UNVERIFIED, [_unverifiable(seal, f"cannot be read ({exc})", ledger.base)]
    found = list(differences(record, snapshot, ledger))
    if not found:  # equal entry by entry, yet not as a whole: a format not read here
        message = ("the seal no longer matches the ledger, yet no entry differs from its "
                   "record (was it made by another version of aipo-budget?)")
        found = [Difference(("record", id(seal.entry)), seal.through, message)]
    return BROKEN, found


def _period(seal: Seal, status: str, count: int) -> SealedPeriod:
    return SealedPeriod(seal.through, seal.by, seal.sealed_on, seal.forced, seal.reason,
                        status, count, Location.of(seal.entry.meta, seal.entry))


def _collect(found: dict[tuple[Any, ...], _Found], seal_entry: data.Custom, label: str,
             items: Sequence[Difference]) -> None:
    for item in items:
        if item.key in found:
            found[item.key].seals.append(label)
        else:
            where = item.entry if item.entry is not None else seal_entry
            found[item.key] = _Found(item, Location.of(where.meta, where), [label])


def _finding(ruleset: RuleSet, item: _Found) -> Finding:
    seals = item.seals
    named = (f"the seal through {seals[0]}" if len(seals) == 1
             else "the seals through " + ", ".join(seals[:-1]) + f" and {seals[-1]}")
    difference = item.difference
    return finding(_version(ruleset, difference.date), difference.date, item.location,
                   f"{difference.message}; breaks {named}")


def verify(entries: Sequence[data.Directive], options: dict[str, Any] | None,
           ruleset: RuleSet, *, until: datetime.date | None = None,
           read: ReadText = read_text, hash_file: HashFile = file_digest) -> Verification:
    """Every seal of ``entries`` (those dated on or before ``until``, when given: a seal of a
    later date covers entries the audit leaves out) verified; ``options`` are Beancount's."""
    seals = [e for e in seal_entries(entries) if until is None or e.date <= until]
    result = Verification()
    if not seals:
        return result
    ledger = Ledger(entries, options, hash_file)
    found: dict[tuple[Any, ...], _Found] = {}
    for entry in sorted(seals, key=lambda e: e.date):
        try:
            seal = read_seal(entry)
        except ValueError as exc:
            message = f'the seal entry (custom "aipo-seal") cannot be read: {exc}'
            _collect(found, entry, str(entry.date),
                     [Difference(("seal", id(entry)), entry.date, message)])
            continue
        status, items = _seal_differences(seal, ledger, read)
        _collect(found, entry, seal.label, items)
        result.periods.append(_period(seal, status, len(items)))
    result.findings = [_finding(ruleset, item) for item in found.values()]
    return result


def seal_inputs(entries: Sequence[data.Directive]) -> list[str]:
    """The files the verification reads besides the ledger's: each seal's record and, when
    the ledger has seals, every evidence file (its bytes: a file replaced under the same name
    breaks a seal). A cache of results must see them (aipo_budget.cli.cache)."""
    seals = seal_entries(entries)
    if not seals:
        return []
    records = set()
    for entry in seals:
        try:
            records.add(read_seal(entry).record_path)
        except ValueError:
            continue
    documents = {e.filename for e in entries if isinstance(e, data.Document)}
    return sorted(records) + sorted(documents - records)


def seal_findings(entries: Sequence[data.Directive], options: dict[str, Any] | None,
                  ruleset: RuleSet, *, until: datetime.date | None = None,
                  read: ReadText = read_text, hash_file: HashFile = file_digest
                  ) -> list[Finding]:
    """The findings of :func:`verify`."""
    return verify(entries, options, ruleset, until=until, read=read,
                  hash_file=hash_file).findings

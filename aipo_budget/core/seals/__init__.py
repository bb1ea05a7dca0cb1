"""Period seals: ``aipo-budget seal`` (:mod:`aipo_budget.cli.seal`) records digests of the
ledger through a date, of what judged it and of its verdict in a ``custom "aipo-seal"`` entry,
and every audit verifies every seal, whatever its cut-off: the digests recomputed as things are
now and, when one no longer holds, one finding of kind ``seal`` per difference, said from its
record. A difference that breaks several seals (an entry of 2005 under seals through 2005 and
2006) is one finding that names them all. A record left without its seal entry is a finding too.

:mod:`.canonical` is the form of an entry and its fingerprint; :mod:`.snapshot` what a seal
covers of the books and its digest; :mod:`.judged` what judged the period and its verdict;
:mod:`.sidecar` a seal's record and what changed since. Here: the seal entry, read, and the
verification.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import os
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount.core import data

from aipo_budget.core import meta, signatures
from aipo_budget.core.evidence import ledger_folder
from aipo_budget.core.facts import Location
from aipo_budget.core.findings import Finding, finding
from aipo_budget.core.ledger import WrittenPlace, places_written
from aipo_budget.core.paths import read_regular, shown
from aipo_budget.core.rules import RuleVersion
from aipo_budget.core.seals import judged as part
from aipo_budget.core.seals.canonical import SEAL_TYPE, SHORT
from aipo_budget.core.seals.sidecar import Difference, differences, parse_record, unescape
from aipo_budget.core.seals.snapshot import Ledger

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
SEAL_FORMAT = 2  # of a seal entry and its record; the books' canonical form is snapshot.FORMAT
RECORDS = os.path.join("ledger", "seals")  # beside ledger/seals.beancount, the seals' records
SEALED_ON = re.compile(r" on (\d{4}-\d\d-\d\d)\.$")  # the end of a record's first line
RECORD_PART = re.compile(rb"^(seal|judged|finding)\t(.*)$", re.MULTILINE)  # a record's lines
SIGNATURE_SUFFIX = ".sig"  # a signed seal's signature of its record: the record's name + this
Verdict = list[tuple[datetime.date, str, Finding]]  # judged.verdict's: date, line, finding


@dataclasses.dataclass(frozen=True)
class SealedPeriod:
    """A ``custom "aipo-seal"`` entry, read, then verified (as the tables list it)."""

    through: datetime.date
    by: str
    sealed_on: datetime.date | None
    forced: bool
    reason: str
    location: Location  # the seal entry
    digest: str  # of the books (snapshot.Snapshot.digest)
    rules: str  # of what judged the period (judged.judged)
    verdict: str  # of its findings (judged.verdict)
    record_path: str  # the sidecar
    record_sha256: str
    signature: str = ""  # seal --sign: the signature of the record, beside it
    status: str = ""  # once verified: HOLDS, BROKEN or UNVERIFIED
    differences: int = 0
    signed_by: str = ""  # once verified: who signed, as the register says

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


def record_of(entry: data.Custom) -> str | None:
    """The path of the record a seal entry names (relative to the entry's file)."""
    meta = entry.meta or {}
    if not isinstance(meta.get("record"), str):
        return None
    return os.path.normpath(os.path.join(os.path.dirname(str(meta.get("filename", ""))),
                                         meta["record"]))


def read_seal(entry: data.Custom) -> SealedPeriod:
    """The seal of ``entry``; ValueError saying what is wrong with it."""
    meta = entry.meta or {}
    values = [value.value for value in entry.values]
    if len(values) != 1 or not isinstance(values[0], str) or not values[0].strip():
        raise ValueError('it names no sealer (custom "aipo-seal" "NAME")')
    if meta.get("format") != SEAL_FORMAT:
        raise ValueError(f"its format is {meta.get('format')}, and this version of aipo-budget "
                         f"reads format {SEAL_FORMAT}, which also seals the rules and the "
                         "verdict: seal the period again, then remove this entry and its record")
    digests = [_text(meta, key) for key in ("digest", "rules", "verdict")]
    for key in ("entries", "evidence"):  # the counts: not compared, yet part of a seal
        value = meta.get(key)
        if not isinstance(value, Decimal) or value != value.to_integral_value() or value < 0:
            raise ValueError(f"its {key} is missing or not a whole number")
    _text(meta, "record")
    record, sealed_on = str(record_of(entry)), meta.get("sealed-on")
    return SealedPeriod(entry.date, values[0].strip(),
                        sealed_on if isinstance(sealed_on, datetime.date) else None,
                        meta.get("forced") is True, str(meta.get("reason") or ""),
                        Location.of(entry.meta, entry), *digests, record,
                        _text(meta, "record-sha256"),
                        os.path.join(os.path.dirname(record),
                                     os.path.basename(_text(meta, "signature")))
                        if "signature" in meta else "")


def seal_entries(entries: Sequence[data.Directive]) -> list[data.Custom]:
    return [entry for entry in entries
            if isinstance(entry, data.Custom) and entry.type == SEAL_TYPE]


def _seal_differences(seal: SealedPeriod, ledger: Ledger, ruleset: RuleSet,
                      verdict: Verdict | None) -> tuple[str, list[Difference]]:
    snapshot = ledger.snapshot(seal.through)
    rules = part.judged(ruleset, seal.through)
    findings = None if verdict is None else [v for v in verdict if v[0] <= seal.through]
    holds = (snapshot.digest == seal.digest, part.digest(rules) == seal.rules,
             findings is None or part.digest(v[1] for v in findings) == seal.verdict)
    if all(holds):
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
    found = differences(record, snapshot, ledger) if not holds[0] else []
    if not holds[1]:
        judged = part.judged_differences(record.judged, rules, seal.through)
        if not judged and holds[0] and holds[2]:
            return HOLDS, []  # a record of register lines by number: only the lines moved
        found += judged
    if not holds[2] and findings is not None:
        entries = {print_[:SHORT]: e for print_, e in zip(snapshot.prints, snapshot.own)}
        found += part.verdict_differences(record.verdict, findings, entries)
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
           ruleset: RuleSet, findings: Sequence[Finding] | None = None,
           written: Sequence[WrittenPlace] | None = None) -> Verification:
    """Every seal of ``entries`` verified against all of them (whatever the audit left out):
    its books, what judged the period and, given the audit's ``findings`` (of every entry:
    None for an audit with a cut-off, whose findings are not the period's), its verdict; and
    every record whose seal entry is gone. ``options`` are Beancount's."""
    seals = seal_entries(entries)
    orphans = _orphans(seals, options, ruleset)
    if not seals:
        return Verification(orphans, [])
    ledger = Ledger(entries, options)
    written = places_written(options) if written is None else written  # the audit's, if read
    verdict = None if findings is None else part.verdict(findings, ledger.base)
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
            status, items = _seal_differences(seal, ledger, ruleset, verdict)
            hidden = [_hidden(place) for place in written  # a pushmeta's: any entry after it
                      if place.date is None or place.date <= seal.through]
            status, items = (BROKEN if hidden else status), items + hidden
            signed_by, problem = _signed(seal, ruleset)
            if problem is not None:  # a sign-off that does not count, an entry edited
                items.append(Difference(("signature", id(entry)), seal.through, problem))
                status = BROKEN
            periods.append(dataclasses.replace(seal, status=status, differences=len(items),
                                               signed_by=signed_by))
        for item in items:
            where = item.entry if item.entry is not None else entry
            location = where if isinstance(where, Location) else Location.of(where.meta, where)
            found.setdefault(item.key, (item, location, []))[2].append(label)
    return Verification([_finding(ruleset, *item) for item in found.values()] + orphans,
                        periods)


def _hidden(place: WrittenPlace) -> Difference:
    """The difference an entry makes that writes where it is: the seal cannot see it."""
    return Difference(("written", place.filename, place.lineno), place.date,
                      f"the entry writes where it is (metadata '{place.key}'): no seal can "
                      "tell whether it is one it sealed", Location(place.filename, place.lineno))


def _signed(seal: SealedPeriod, ruleset: RuleSet) -> tuple[str, str | None]:
    """Who signed ``seal`` (``seal --sign``), or why its signature does not count."""
    if not seal.signature:
        left = seal.record_path + SIGNATURE_SUFFIX
        if os.path.lexists(left):  # signed, and the entry's signature line taken out
            return "", (f"the seal's record is signed ({os.path.basename(left)}), and its entry "
                        "names no signature: restore its signature line from version control")
        # unsigned: the entry still says what its record says (a digest written into the
        # entry to match changed books), when its record is the one it sealed (an edited or
        # missing record is said where the books are compared with it)
        with contextlib.suppress(OSError):
            edited = _unbound(seal, read_regular(seal.record_path))
            if edited and "record-sha256" not in edited:
                return "", (f"the seal entry's {', '.join(edited)} do not match its record: "
                            "the entry was edited after the seal")
        return "", None
    try:
        record = read_regular(seal.record_path)
        armored = read_regular(seal.signature, signatures.MAX_FILE, follow=False)
        key = signatures.signed_with(record, armored, "audit", "the seal's record")
        signed = signatures.signer_for(ruleset.register, key, "audit",
                                       seal.sealed_on or seal.through, "the day of the seal")
        if not any(meta.person_key(n) == meta.person_key(seal.by) for n in signed.names):
            raise signatures.SignatureError(f"it is by {signed.who}, not by {seal.by}")
        edited = _unbound(seal, record)
        if edited:  # what is signed is the record: the entry must say what it says
            raise signatures.SignatureError(
                f"the seal entry's {', '.join(edited)} do not match its signed record: the "
                "entry was edited after it was signed")
    except OSError as exc:
        return "", (f"the seal's signature {os.path.basename(seal.signature)} cannot be read "
                    f"({exc.strerror or exc}): restore it from version control")
    except signatures.SignatureError as exc:
        return "", f"the seal's signature {os.path.basename(seal.signature)} does not count: {exc}"
    return signed.who, None


def _unbound(seal: SealedPeriod, record: bytes) -> list[str]:
    """The fields of a signed seal's entry that its record does not bear out: the record's
    SHA-256, its seal line (the day, the books' digest, the counts, the sealer), the digests
    of its judged and finding lines."""
    written = seal.location.entry.meta  # counts read already: whole numbers
    # its seal, judged and finding lines, read in one pass over its bytes: not a list, nor
    # a decoded copy, of every entry's line
    lines: dict[str, list[str]] = {"seal": [], "judged": [], "finding": []}
    for match in RECORD_PART.finditer(record):
        lines[match[1].decode()].append(match[2].decode("utf-8", "surrogateescape"))
    said = lines["seal"][0].split("\t") if lines["seal"] else []
    entry = [str(seal.through), seal.digest,
             *(str(int(written[k])) for k in ("entries", "evidence"))]
    first = record[:record.find(b"\n")].decode("utf-8", "surrogateescape")
    day = SEALED_ON.search(first)  # the record's first line says the day it was sealed
    parts = {"record-sha256": hashlib.sha256(record).hexdigest() == seal.record_sha256,
             "date, digest or counts": said[:4] == entry,
             "sealed-on": (day[1] if day else None) == (seal.sealed_on and str(seal.sealed_on)),
             "sealer": len(said) == 5 and meta.person_key(unescape(said[4]))
             == meta.person_key(seal.by)}
    for key, kind in (("rules", "judged"), ("verdict", "finding")):
        parts[key] = part.digest(lines[kind]) == getattr(seal, key)
    return [name for name, holds in parts.items() if not holds]


def record_folders(seals: Sequence[data.Custom], options: dict[str, Any] | None) -> list[str]:
    """The folders of the seals' records: those the seal entries name, and ``ledger/seals``
    beside the ledger file (given Beancount's ``options``)."""
    folders = {os.path.dirname(path) for path in map(record_of, seals) if path is not None}
    if options is not None:
        folders.add(os.path.join(ledger_folder(options), RECORDS))
    return sorted(folders)


def _records(seals: Sequence[data.Custom], options: dict[str, Any] | None
             ) -> tuple[set[str], list[str]]:
    """The records the seal entries name, and the files in the folders of records (those of
    the seals and ``ledger/seals`` beside the ledger file)."""
    named = {path for path in map(record_of, seals) if path is not None}
    found = []
    for folder in record_folders(seals, options):
        with contextlib.suppress(OSError), os.scandir(folder) as listing:
            found += [os.path.normpath(item.path) for item in listing
                      if item.name.endswith(".tsv") and item.is_file(follow_symlinks=False)]
    return named, sorted(found)


def _orphans(seals: Sequence[data.Custom], options: dict[str, Any] | None, ruleset: RuleSet
             ) -> list[Finding]:
    """A finding for each record left without its seal entry: a seal removed."""
    named, found = _records(seals, options)
    base = ledger_folder(options)
    orphans = []
    for path in (path for path in found if path not in named):
        try:  # its seal line: through, digest, counts, by
            sealed = parse_record(read_regular(path).decode("utf-8")).seal + ["", "", "", "", ""]
            through = datetime.date.fromisoformat(sealed[0])
        except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
            sealed, through = [""] * 5, None
        where = Location(os.path.join(os.path.dirname(os.path.dirname(path)),
                                      "seals.beancount"), 0)
        message = (f"seal of {through or 'an unknown date'}{' by ' if sealed[4] else ''}"
                   f"{sealed[4]} removed: its record {shown(path, base)} remains; restore its "
                   "entry from version control")
        orphans.append(finding(ruleset.judging("seal", through, DEFAULT_SEAL_RULE), through,
                               where, message))
    return orphans


def seal_inputs(entries: Sequence[data.Directive], options: dict[str, Any] | None) -> list[str]:
    """The files the verification reads besides the ledger's: the seals' records (the
    records left without a seal too, given ``options``) and, when the ledger has seals, every
    evidence file (its bytes: a file replaced under the same name breaks a seal). A cache of
    results must see them (aipo_budget.cli.cache)."""
    seals = seal_entries(entries)
    named, found = _records(seals, options)
    records = named | set(found)
    records |= {path + SIGNATURE_SUFFIX for path in records}  # signed or not: both said
    documents = {e.filename for e in entries if isinstance(e, data.Document)} if seals else set()
    return sorted(records) + sorted(documents - records)

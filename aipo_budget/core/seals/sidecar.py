"""A seal's record (its sidecar), written, read, and compared with the ledger now; an audit
pack's record of the ledger's entries is one too (:mod:`aipo_budget.outputs.pack.manifest`).

It says what a seal's digest cannot: which entry changed, and what a removed one was. Plain
text, tab-separated, each part sorted, so that a Git diff of it is readable::

    seal       2006-12-31  <digest>  <entries>  <evidence>
    fields     transaction date flag payee narration tags links account amount ...
    entry      2006-02-15  transaction  <16 hex>  Kingdom Consultancy Group  3400.00 USD
               <6 hex per field, "-" when empty>  approved-by=<6 hex> document=<6 hex> ...
    evidence   documents/Expenses/.../2006-02-15.consultancy-contract.pdf  <sha256>

Its own SHA-256 is in the seal entry: a sidecar edited or swapped is not believed. Compared
with the ledger, entries match by short digest, as a multiset; an entry now and a recorded one
that match nothing are one changed entry when of one type, with the date or the payee (or
account) in common and at least half of their fields equal.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.seals.canonical import (ASPECTS, EMPTY, FIELDS_BY_NAME, META_PREFIX, SHORT,
                                              describe, field_digests, type_name)
from aipo_budget.core.seals.snapshot import FORMAT, MISSING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.seals import Signing
    from aipo_budget.core.seals.snapshot import Ledger, Snapshot

SIMILAR = 0.5  # the share of equal fields that makes a removed and an added entry one change
CANDIDATES = 50  # recorded entries compared with one entry now, at most (mass edits stay linear)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r"}


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def unescape(text: str) -> str:
    return re.sub(r"\\(.?)", lambda match: _UNESCAPES.get(match[1], match[1]), text,
                  flags=re.DOTALL)


def who(entry: data.Directive) -> str:
    """What names an entry to a reader: a transaction's payee (else its narration), else its
    account, currency, type or name."""
    if isinstance(entry, data.Transaction):
        return entry.payee or entry.narration or ""
    for name in ("account", "currency", "type", "name"):
        value = getattr(entry, name, None)
        if isinstance(value, str):
            return value
    return ""


def recorded_amount(entry: data.Directive) -> str:
    """The amount of an entry as written: a transaction's first positive posting, a balance's
    or a price's amount."""
    if isinstance(entry, data.Transaction):
        for posting in entry.postings:
            if (posting.units and isinstance(posting.units.number, Decimal)
                    and posting.units.number > 0):
                return posting.units.to_string()
        return ""
    value = getattr(entry, "amount", None)
    return value.to_string() if hasattr(value, "to_string") else ""


def summary(date: str, kind: str, name: str, amount: str) -> str:
    """What an entry is, for a reader: 2006-02-15 transaction "Payee" 3400.00 USD."""
    return " ".join([date, kind, *([f'"{name}"'] if name else []), *([amount] if amount else [])])


def entry_line(digest: str, entry: data.Directive, base: str) -> str:
    kind = type_name(entry)
    digests = field_digests(entry, base)
    fixed = " ".join(digests.get(name, EMPTY) for name in FIELDS_BY_NAME[kind])
    meta = " ".join(f"{name[len(META_PREFIX):]}={value}" for name, value in digests.items()
                    if name.startswith(META_PREFIX))
    return "\t".join(["entry", entry.date.isoformat(), kind, digest[:SHORT],
                      escape(who(entry)), escape(recorded_amount(entry)), fixed, meta])


ENTRY_HELP = ("# entry: date, type, short digest, payee or account, amount as recorded, the "
              "digests of its fields (in the order of its type's fields line), of its metadata "
              "(key=digest).")


def record_text(signing: Signing, snapshot: Snapshot, base: str, ledger: str) -> str:
    """The sidecar of a seal of ``snapshot``; ``base`` is the ledger's folder."""
    head = [
        f"# aipo-budget seal record (format {FORMAT}): {ledger} sealed through "
        f"{signing.through} by {signing.by} on {signing.sealed_on}.",
        "# Committed with the seal: `aipo-budget check` reads it to say what changed. Do not "
        "edit it.",
        ENTRY_HELP,
        "# evidence: path relative to the ledger's folder, SHA-256.",
        "\t".join(["seal", str(signing.through), snapshot.digest,
                   str(len(snapshot.prints)), str(len(snapshot.evidence))]),
    ]
    return "\n".join([*head, *record_lines(snapshot, base)]) + "\n"


def record_lines(snapshot: Snapshot, base: str) -> list[str]:
    """The body of a record of ``snapshot`` (a seal's, an audit pack's): a fields line per
    type, then one line per entry and one per evidence file, each part sorted."""
    kinds = sorted({type_name(entry) for entry in snapshot.own})
    fields = ["\t".join(["fields", kind, " ".join(FIELDS_BY_NAME[kind])]) for kind in kinds]
    entries = sorted(entry_line(print_, entry, base) for print_, entry in zip(snapshot.prints, snapshot.own))
    evidence = sorted("\t".join(["evidence", escape(path), sha])
                      for path, sha in snapshot.evidence.items())
    return [*fields, *entries, *evidence]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Recorded:
    """A sealed entry as its sidecar line has it."""

    date: str
    kind: str
    short: str
    who: str
    amount: str
    fields: dict[str, str]  # field (``metadata KEY`` for metadata) -> its short digest

    def summary(self) -> str:
        return summary(self.date, self.kind, self.who, self.amount)


@dataclass
class Record:
    entries: list[Recorded] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)  # path -> sha256


def _entry(parts: list[str], kinds: dict[str, tuple[str, ...]], lineno: int) -> Recorded:
    if len(parts) != 8:
        raise ValueError(f"line {lineno}: an entry line has 8 tab-separated parts")
    _tag, date, kind, short, who_, amount, fixed, meta = parts
    names, digests = kinds.get(kind), fixed.split(" ")
    if names is None or len(names) != len(digests):
        raise ValueError(f"line {lineno}: its {kind} fields do not match a fields line")
    fields = dict(zip(names, digests))
    for pair in meta.split(" ") if meta else ():
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"line {lineno}: metadata {pair!r} is not KEY=DIGEST")
        fields[META_PREFIX + key] = value
    return Recorded(date, kind, short, unescape(who_), unescape(amount), fields)


def parse_record(text: str) -> Record:
    """The sidecar ``text``; ValueError naming the line that cannot be read."""
    record, kinds = Record(), {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if parts[0] == "fields" and len(parts) == 3:
            kinds[parts[1]] = tuple(parts[2].split(" "))
        elif parts[0] == "entry":
            record.entries.append(_entry(parts, kinds, lineno))
        elif parts[0] == "evidence" and len(parts) == 3:
            record.evidence[unescape(parts[1])] = parts[2]
        elif parts[0] != "seal":
            raise ValueError(f"line {lineno}: not a seal, fields, entry or evidence line")
    return record


@dataclass(frozen=True)
class Words:
    """How a difference is said: a seal's words by default (an audit pack has its own)."""

    changed: str = "sealed entry changed"
    recorded: str = "sealed as"
    added: str = "entry added to a sealed period"
    removed: str = "sealed entry removed"


@dataclass(frozen=True)
class Difference:
    """One thing that changed; ``entry`` is where it is now (None: at the seal entry)."""

    key: tuple[Any, ...]  # the same change seen by several seals has the same key
    date: datetime.date | None
    message: str
    entry: Any = field(default=None, compare=False)


def changed_fields(now: dict[str, str], recorded: Recorded) -> list[str]:
    """The fields that differ, in the type's order, then metadata by key."""
    names = [name for name in FIELDS_BY_NAME.get(recorded.kind, ())
             if now.get(name, EMPTY) != recorded.fields.get(name, EMPTY)]
    metadata = sorted(name for name in {*now, *recorded.fields}
                      if name.startswith(META_PREFIX) and now.get(name) != recorded.fields.get(name))
    if any(name in ASPECTS for name in names):
        names = [name for name in names if name != "postings"]  # said by the aspect
    return names + metadata


def _similarity(now: dict[str, str], recorded: Recorded) -> float:
    names = {*now, *recorded.fields}
    same = sum(1 for name in names if now.get(name) == recorded.fields.get(name))
    return same / len(names) if names else 0.0


def _former(entry: data.Directive, now: dict[str, str],
            gone: dict[tuple[str, str, str], list[Recorded]], used: set[int]) -> Recorded | None:
    """The recorded entry, of those nothing matches, that ``entry`` was: of its type and its
    date or name, with at least SIMILAR of their fields equal."""
    kind = type_name(entry)
    candidates = [*gone.get(("date", kind, entry.date.isoformat()), ())[:CANDIDATES],
                  *gone.get(("who", kind, who(entry)), ())[:CANDIDATES]]
    scored = [(_similarity(now, r), r) for r in candidates if id(r) not in used]
    best = max(scored, key=lambda pair: pair[0], default=None)
    if best is None or best[0] < SIMILAR:
        return None
    used.add(id(best[1]))
    return best[1]


def _changed(entry: data.Directive, former: Recorded | None, now: dict[str, str],
             words: Words) -> Difference:
    if former is None:
        said = summary(entry.date.isoformat(), type_name(entry), who(entry), recorded_amount(entry))
        message = f"{words.added}: {said}"
    else:
        names = changed_fields(now, former) or ["postings"]
        shown = describe(names)
        if "date" in names:
            shown = shown.replace("date", f"date (was {former.date})", 1)
        message = f"{words.changed}: {shown} ({words.recorded} {former.summary()})"
    where = str(entry.meta.get("filename", "")), int(entry.meta.get("lineno", 0) or 0)
    return Difference(("entry", *where, message), entry.date, message, entry)


def entry_differences(record: Record, snapshot: Snapshot, base: str,
                      words: Words = Words()) -> tuple[list[Difference], set[int]]:
    """Entries added, changed and removed, said in ``words``; and the ids of the entries now
    that are new or changed (their evidence is part of their change)."""
    sealed: dict[str, list[Recorded]] = defaultdict(list)
    for recorded in record.entries:
        sealed[recorded.short].append(recorded)
    unmatched = []
    for print_, entry in zip(snapshot.prints, snapshot.own):
        bucket = sealed.get(print_[:SHORT])
        if bucket:
            bucket.pop()
        else:
            unmatched.append(entry)
    left = [r for bucket in sealed.values() for r in bucket]
    gone: dict[tuple[str, str, str], list[Recorded]] = defaultdict(list)
    for recorded in left:
        gone["date", recorded.kind, recorded.date].append(recorded)
        gone["who", recorded.kind, recorded.who].append(recorded)
    used: set[int] = set()
    found = []
    for entry in unmatched:
        now = field_digests(entry, base)
        found.append(_changed(entry, _former(entry, now, gone, used), now, words))
    for recorded in left:
        if id(recorded) not in used:
            message = f"{words.removed}: {recorded.summary()}"
            found.append(Difference(("removed", recorded.short, recorded.date),
                                    datetime.date.fromisoformat(recorded.date), message))
    return found, {id(entry) for entry in unmatched}


def differences(record: Record, snapshot: Snapshot, ledger: Ledger) -> Sequence[Difference]:
    """Entries added, changed and removed; evidence files changed, missing, or newly cited in
    the sealed period (not by an entry already said to be new or changed)."""
    found, reported = entry_differences(record, snapshot, ledger.base)
    for path, sha in sorted(record.evidence.items()):
        now = snapshot.evidence.get(path)
        if now is None:  # no longer cited: the file itself may be as it was
            now = ledger.sha256(os.path.join(ledger.base, *path.split("/")))
        if now != sha:
            status = "is missing" if now == MISSING else "changed after the seal"
            citing = snapshot.citing.get(path)
            found.append(Difference(("evidence", path, status), citing.date if citing else None,
                                    f"evidence file {path} {status}", citing))
    for path, citing in sorted(snapshot.citing.items()):
        if path not in record.evidence and id(citing) not in reported:
            message = f"evidence file {path} is cited in the sealed period but was not sealed"
            found.append(Difference(("evidence", path, "new"), citing.date, message, citing))
    return found

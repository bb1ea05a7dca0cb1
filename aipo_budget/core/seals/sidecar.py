"""A seal's record (its sidecar), written, read, and compared with the ledger now; an audit
pack's ``entries.tsv`` is one too (:mod:`aipo_budget.outputs.pack.manifest`).

It says what a seal's digest cannot: which entry changed, and what a removed one was. Plain
text, tab-separated, each part sorted so that a Git diff of it reads well: ``seal`` (through,
digest, counts, by), ``fields`` (a type's field names), ``entry`` (date, type, short digest,
payee, amount, a 6-hex digest per field and per metadata key), ``evidence`` (path, SHA-256); a
seal's also ``judged`` and ``finding`` (what judged the period and its verdict:
:mod:`.judged`).

Compared with the ledger, entries match by short digest, as a multiset; an entry now and a
recorded one that match nothing are one changed entry when of one type, with the date or the
payee (or account) in common and at least half of their fields equal.
"""

from __future__ import annotations

import datetime
import os
import re
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount.core import data

from aipo_budget.core.seals.canonical import (ASPECTS, EMPTY, FIELDS_BY_NAME, META_PREFIX, SHORT,
                                              canonical, describe, field_digests, fingerprint,
                                              type_name)
from aipo_budget.core.seals.snapshot import MISSING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.seals.snapshot import Ledger, Snapshot

SIMILAR = 0.5  # the share of equal fields that makes a removed and an added entry one change
CANDIDATES = 50  # recorded entries compared with one entry now, at most (mass edits stay linear)
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r"}
ENTRY_HELP = ("# entry: date, type, short digest, payee or account, amount as recorded, the "
              "digests of its fields (in the order of its type's fields line), of its metadata "
              "(key=digest).")


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def unescape(text: str) -> str:
    return re.sub(r"\\(.?)", lambda match: _UNESCAPES.get(match[1], match[1]), text,
                  flags=re.DOTALL)


class Recorded(NamedTuple):
    """An entry as a record's line has it (or would have it, for an entry now)."""

    date: str
    kind: str
    short: str
    who: str
    amount: str
    fields: dict[str, str]  # field (``metadata KEY`` for metadata) -> its short digest

    def summary(self) -> str:
        """What the entry is, for a reader: 2006-02-15 transaction "Payee" 3400.00 USD."""
        return " ".join([self.date, self.kind, *([f'"{self.who}"'] if self.who else []),
                         *([self.amount] if self.amount else [])])

    def line(self) -> str:
        fixed = " ".join(self.fields.get(name, EMPTY) for name in FIELDS_BY_NAME[self.kind])
        meta = " ".join(f"{name[len(META_PREFIX):]}={value}" for name, value
                        in self.fields.items() if name.startswith(META_PREFIX))
        return "\t".join(["entry", self.date, self.kind, self.short, escape(self.who),
                          escape(self.amount), fixed, meta])


def recorded(entry: data.Directive, base: str, digest: str = "",
             form: list[tuple[str, str]] | None = None) -> Recorded:
    """``entry`` as a record has it (``digest``: its fingerprint; ``form``: its canonical form
    if made already). A reader knows it by a transaction's payee (else narration) and first
    positive amount, else by its account, currency, type or name and its amount."""
    if isinstance(entry, data.Transaction):
        who = entry.payee or entry.narration or ""
        amount = next((p.units.to_string() for p in entry.postings if p.units
                       and isinstance(p.units.number, Decimal) and p.units.number > 0), "")
    else:
        who = next((value for value in (getattr(entry, name, None) for name
                                        in ("account", "currency", "type", "name"))
                    if isinstance(value, str)), "")
        value = getattr(entry, "amount", None)
        amount = value.to_string() if hasattr(value, "to_string") else ""
    return Recorded(entry.date.isoformat(), type_name(entry), digest[:SHORT], who, amount,
                    field_digests(entry, base, form))


def fingerprinted(entry: data.Directive, base: str) -> tuple[str, str]:
    """The fingerprint of ``entry`` and its record line, from one canonical form (an audit
    pack records every entry of the ledger: making the form is most of the cost)."""
    form = canonical(entry, base)
    digest = fingerprint(entry, form=form)
    return digest, recorded(entry, base, digest, form).line()


def record_lines(snapshot: Snapshot, base: str, lines: Sequence[str] | None = None
                 ) -> list[str]:
    """The body of a record of ``snapshot`` (a seal's, an audit pack's): a fields line per
    type, then one line per entry and one per evidence file, each part sorted. ``lines``: the
    entries' lines when made already (:func:`fingerprinted`)."""
    kinds = sorted({type_name(entry) for entry in snapshot.own})
    fields = ["\t".join(["fields", kind, " ".join(FIELDS_BY_NAME[kind])]) for kind in kinds]
    entries = sorted(lines if lines is not None else
                     (recorded(entry, base, print_).line()
                      for print_, entry in zip(snapshot.prints, snapshot.own)))
    evidence = sorted("\t".join(["evidence", escape(path), sha])
                      for path, sha in snapshot.evidence.items())
    return [*fields, *entries, *evidence]


class Record(NamedTuple):
    entries: list[Recorded]
    evidence: dict[str, str]  # path -> sha256
    judged: list[str]  # a seal's: what judged the period (core.seals.judged)
    verdict: list[str]  # a seal's: the period's findings
    seal: list[str]  # the seal line's parts after "seal": through, digest, counts, by


def _entry(parts: list[str], kinds: dict[str, tuple[str, ...]], lineno: int) -> Recorded:
    if len(parts) != 8:
        raise ValueError(f"line {lineno}: an entry line has 8 tab-separated parts")
    _tag, date, kind, short, who, amount, fixed, meta = parts
    names, digests = kinds.get(kind), fixed.split(" ")
    if names is None or len(names) != len(digests):
        raise ValueError(f"line {lineno}: its {kind} fields do not match a fields line")
    fields = dict(zip(names, digests))
    for pair in meta.split(" ") if meta else ():
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"line {lineno}: metadata {pair!r} is not KEY=DIGEST")
        fields[META_PREFIX + key] = value
    return Recorded(date, kind, short, unescape(who), unescape(amount), fields)


def parse_record(text: str) -> Record:
    """The sidecar ``text``; ValueError naming the line that cannot be read."""
    record, kinds = Record([], {}, [], [], []), {}
    for lineno, line in enumerate(text.split("\n"), start=1):
        parts = line.split("\t")
        if (parts[0], len(parts)) in (("judged", 4), ("finding", 6)):
            part = record.judged if parts[0] == "judged" else record.verdict
            part.append(line[len(parts[0]) + 1:])
        elif parts[0] == "seal":
            record.seal[:] = [unescape(part) for part in parts[1:]]
        elif parts[0] == "fields" and len(parts) == 3:
            kinds[parts[1]] = tuple(parts[2].split(" "))
        elif parts[0] == "entry":
            record.entries.append(_entry(parts, kinds, lineno))
        elif parts[0] == "evidence" and len(parts) == 3:
            record.evidence[unescape(parts[1])] = parts[2]
        elif line and not line.startswith("#"):
            raise ValueError(f"line {lineno}: not a seal, fields, entry, evidence, judged or "
                             "finding line")
    return record


class Words(NamedTuple):
    """How a difference is said: a seal's words by default (an audit pack has its own)."""

    changed: str = "sealed entry changed"
    recorded: str = "sealed as"
    added: str = "entry added to a sealed period"
    removed: str = "sealed entry removed"


class Difference(NamedTuple):
    """One thing that changed; ``entry`` is where it is now (None: at the seal entry)."""

    key: tuple[Any, ...]  # the same change seen by several seals has the same key
    date: datetime.date | None
    message: str
    entry: Any = None


def changed_fields(now: dict[str, str], recorded: Recorded) -> list[str]:
    """The fields that differ, in the type's order, then metadata by key."""
    names = [name for name in FIELDS_BY_NAME.get(recorded.kind, ())
             if now.get(name, EMPTY) != recorded.fields.get(name, EMPTY)]
    metadata = sorted(name for name in {*now, *recorded.fields}
                      if name.startswith(META_PREFIX) and now.get(name) != recorded.fields.get(name))
    if any(name in ASPECTS for name in names):
        names = [name for name in names if name != "postings"]  # said by the aspect
    return names + metadata


def _similarity(now: Recorded, former: Recorded) -> float:
    names = {*now.fields, *former.fields}
    same = sum(1 for name in names if now.fields.get(name) == former.fields.get(name))
    return same / len(names) if names else 0.0


def _said(now: Recorded, gone: dict[tuple[str, ...], list[Recorded]], used: set[int],
          words: Words) -> str:
    """How the entry ``now``, that no recorded entry matches, is said: changed from the
    recorded entry (of those nothing matches) of its type and its date or name with at least
    SIMILAR of their fields equal, else added."""
    candidates = [*gone.get((now.kind, now.date), ())[:CANDIDATES],
                  *gone.get((now.kind, "", now.who), ())[:CANDIDATES]]
    score, former = max(((_similarity(now, r), r) for r in candidates if id(r) not in used),
                        key=lambda pair: pair[0], default=(0.0, None))
    if former is None or score < SIMILAR:
        return f"{words.added}: {now.summary()}"
    used.add(id(former))
    names = changed_fields(now.fields, former) or ["postings"]
    shown = describe(names)
    if "date" in names:
        shown = shown.replace("date", f"date (was {former.date})", 1)
    return f"{words.changed}: {shown} ({words.recorded} {former.summary()})"


def entry_differences(record: Record, snapshot: Snapshot, base: str,
                      words: Words = Words()) -> tuple[list[Difference], set[int]]:
    """Entries added, changed and removed, said in ``words``; and the ids of the entries now
    that are new or changed (their evidence is part of their change)."""
    sealed: dict[str, list[Recorded]] = defaultdict(list)
    for item in record.entries:
        sealed[item.short].append(item)
    unmatched = []
    for print_, entry in zip(snapshot.prints, snapshot.own):
        bucket = sealed.get(print_[:SHORT])
        if bucket:
            bucket.pop()
        else:
            unmatched.append(entry)
    left = [item for bucket in sealed.values() for item in bucket]
    gone: dict[tuple[str, ...], list[Recorded]] = defaultdict(list)  # by date, by name
    for item in left:
        gone[item.kind, item.date].append(item)
        gone[item.kind, "", item.who].append(item)
    used: set[int] = set()
    found = []
    for entry in unmatched:
        message = _said(recorded(entry, base), gone, used, words)
        # several seals see one change: the same entry of their one Ledger, said alike
        found.append(Difference(("entry", id(entry), message), entry.date, message, entry))
    for item in left:
        if id(item) not in used:
            found.append(Difference(("removed", item.short, item.date),
                                    datetime.date.fromisoformat(item.date),
                                    f"{words.removed}: {item.summary()}"))
    return found, {id(entry) for entry in unmatched}


def differences(record: Record, snapshot: Snapshot, ledger: Ledger) -> list[Difference]:
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

"""What changed in a sealed period: the ledger now (a :class:`Snapshot`) against the seal's
record (its sidecar), entry by entry and evidence file by evidence file. (The entries of an
audit pack's record are compared here too, said in the pack's :class:`Words`.)

Entries are matched by their short digest, as a multiset. An entry now that matches none is
added or changed; a recorded one that nothing matches is removed or changed. The two are paired
as one changed entry when they are of the same type, share the date or the payee (or account),
and at least half of their fields are equal: then the fields that differ are named.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.seals.canonical import (
    FIELDS_BY_NAME,
    META_PREFIX,
    SHORT,
    describe,
    field_digests,
    type_name,
)
from aipo_budget.core.seals.sidecar import entry_summary, who
from aipo_budget.core.seals.snapshot import MISSING

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from aipo_budget.core.seals.sidecar import Record, Recorded
    from aipo_budget.core.seals.snapshot import Ledger, Snapshot

SIMILAR = 0.5  # the share of equal fields that makes a removed and an added entry one change
CANDIDATES = 50  # recorded entries compared with one entry now, at most (mass edits stay linear)
POSTING_ASPECTS = ("account", "amount", "cost", "price", "posting-flag", "posting-metadata")


@dataclass(frozen=True)
class Words:
    """How a difference is said: a seal's words by default (an audit pack has its own)."""

    changed: str = "sealed entry changed"
    recorded: str = "sealed as"
    added: str = "entry added to a sealed period"
    removed: str = "sealed entry removed"


SEAL_WORDS = Words()


@dataclass(frozen=True)
class Difference:
    """One thing that changed; ``entry`` is where it is now (None: at the seal entry)."""

    key: tuple[Any, ...]  # the same change seen by several seals has the same key
    date: datetime.date | None
    message: str
    entry: Any = field(default=None, compare=False)


def changed_fields(now: dict[str, str], recorded: Recorded) -> list[str]:
    """The fields that differ, in the type's order, then metadata by key."""
    order = FIELDS_BY_NAME.get(recorded.kind, ())
    names = [name for name in order if now.get(name, "-") != recorded.fields.get(name, "-")]
    metadata = sorted(name for name in {*now, *recorded.fields}
                      if name.startswith(META_PREFIX) and now.get(name) != recorded.fields.get(name))
    if any(name in POSTING_ASPECTS for name in names):
        names = [name for name in names if name != "postings"]  # said by the aspect
    return names + metadata


def _similarity(now: dict[str, str], recorded: Recorded) -> float:
    names = {*now, *recorded.fields}
    same = sum(1 for name in names if now.get(name) == recorded.fields.get(name))
    return same / len(names) if names else 0.0


class _Pairing:
    """The recorded entries nothing matches, indexed to find the one an entry now was."""

    def __init__(self, gone: Iterable[Recorded]) -> None:
        self.used: set[int] = set()
        self.by_date: dict[tuple[str, str], list[Recorded]] = defaultdict(list)
        self.by_name: dict[tuple[str, str], list[Recorded]] = defaultdict(list)
        for recorded in gone:
            self.by_date[recorded.kind, recorded.date].append(recorded)
            self.by_name[recorded.kind, recorded.who].append(recorded)

    def former(self, entry: data.Directive, now: dict[str, str]) -> Recorded | None:
        kind = type_name(entry)
        candidates = [*self.by_date.get((kind, entry.date.isoformat()), ())[:CANDIDATES],
                      *self.by_name.get((kind, who(entry)), ())[:CANDIDATES]]
        scored = [(_similarity(now, r), r) for r in candidates if id(r) not in self.used]
        best = max(scored, key=lambda pair: pair[0], default=None)
        if best is None or best[0] < SIMILAR:
            return None
        self.used.add(id(best[1]))
        return best[1]


def _where(entry: data.Directive) -> tuple[str, int]:
    return str(entry.meta.get("filename", "")), int(entry.meta.get("lineno", 0) or 0)


def _changed(entry: data.Directive, recorded: Recorded, now: dict[str, str], words: Words
             ) -> Difference:
    names = changed_fields(now, recorded) or ["postings"]
    shown = describe(names)
    if "date" in names:
        shown = shown.replace("date", f"date (was {recorded.date})", 1)
    message = f"{words.changed}: {shown} ({words.recorded} {recorded.summary()})"
    return Difference(("entry", *_where(entry), message), entry.date, message, entry)


def entry_differences(record: Record, snapshot: Snapshot, base: str,
                      words: Words = SEAL_WORDS) -> tuple[list[Difference], set[int]]:
    """Entries added, changed and removed, said in ``words``; and the ids of the entries now
    that are new or changed (their evidence is part of their change)."""
    sealed: dict[str, list[Recorded]] = defaultdict(list)
    for recorded in record.entries:
        sealed[recorded.short].append(recorded)
    unmatched = []
    for print_, entry in snapshot.entries:
        bucket = sealed.get(print_[:SHORT])
        if bucket:
            bucket.pop()
        else:
            unmatched.append(entry)
    pairing = _Pairing(r for bucket in sealed.values() for r in bucket)
    found = []
    for entry in unmatched:
        now = field_digests(entry, base)
        former = pairing.former(entry, now)
        if former is not None:
            found.append(_changed(entry, former, now, words))
        else:
            message = f"{words.added}: {entry_summary(entry)}"
            found.append(Difference(("entry", *_where(entry), message), entry.date, message,
                                    entry))
    for recorded in (r for bucket in sealed.values() for r in bucket):
        if id(recorded) not in pairing.used:
            message = f"{words.removed}: {recorded.summary()}"
            found.append(Difference(("removed", recorded.short, recorded.date),
                                    datetime.date.fromisoformat(recorded.date), message))
    return found, {id(entry) for entry in unmatched}


def evidence_differences(record: Record, snapshot: Snapshot, ledger: Ledger,
                         reported: set[int]) -> list[Difference]:
    """Evidence files changed, missing, or newly cited in the sealed period."""
    found = []
    for path, sha in sorted(record.evidence.items()):
        now = snapshot.evidence.get(path)
        if now is None:  # no longer cited: the file itself may be as it was
            now = ledger.sha256(os.path.join(ledger.base, *path.split("/")))
        if now == sha:
            continue
        status = "is missing" if now == MISSING else "changed after the seal"
        message = f"evidence file {path} {status}"
        citing = snapshot.citing.get(path)
        found.append(Difference(("evidence", path, status),
                                citing.date if citing else None, message, citing))
    for path, citing in sorted(snapshot.citing.items()):
        if path not in record.evidence and id(citing) not in reported:
            message = f"evidence file {path} is cited in the sealed period but was not sealed"
            found.append(Difference(("evidence", path, "new"), citing.date, message, citing))
    return found


def differences(record: Record, snapshot: Snapshot, ledger: Ledger) -> Sequence[Difference]:
    found, reported = entry_differences(record, snapshot, ledger.base)
    return found + evidence_differences(record, snapshot, ledger, reported)

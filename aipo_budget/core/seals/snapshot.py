"""What a seal through a date covers: the fingerprints of the ledger's own entries dated on or
before it, and the evidence files those entries cite, with their SHA-256.

The overall digest, for ``seal`` and ``check`` alike, is over the sorted fingerprints (a
multiset: two identical payments are two) and the sorted ``path<TAB>sha256`` lines of the
evidence: neither the order of the entries nor that of the files changes it.
"""

from __future__ import annotations

import bisect
import hashlib
import operator
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.conventions import conventions
from aipo_budget.core.digest import file_sha256
from aipo_budget.core.evidence import Evidence, ledger_folder, safety
from aipo_budget.core.seals.canonical import fingerprint, own_entries

if TYPE_CHECKING:
    import datetime
    from collections.abc import Iterable, Sequence

FORMAT = 1  # of the canonical form and the overall digest: a seal records it
MISSING = "missing"  # the digest of an evidence file that cannot be read
_LINES_PER_UPDATE = 4096


def file_digest(path: str) -> str | None:
    """SHA-256 of the regular file ``path``, None when it cannot be read (O_NONBLOCK: a FIFO
    put in the place of an evidence file never hangs the check)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        return file_sha256(fd)
    except OSError:
        return None
    finally:
        os.close(fd)


def overall(fingerprints: Iterable[str], evidence: dict[str, str]) -> str:
    """The seal's digest (hex) of entry fingerprints and evidence digests."""
    digest = hashlib.sha256(f"aipo-seal {FORMAT}\n".encode())
    # the bytes of one update per line, a few thousand lines at a time: one update per line
    # is slow, and one for all holds two more copies of them (joined, encoded)
    ordered = sorted(fingerprints)
    for start in range(0, len(ordered), _LINES_PER_UPDATE):
        digest.update(("\n".join(ordered[start:start + _LINES_PER_UPDATE]) + "\n").encode())
    if evidence:
        lines = (f"{path}\t{sha}\n" for path, sha in sorted(evidence.items()))
        digest.update("".join(lines).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@dataclass
class Snapshot:
    """The ledger on or before ``through``, as a seal sees it."""

    through: datetime.date
    prints: Sequence[str]  # the entries' fingerprints, by date
    own: Sequence[data.Directive]  # the entries, in the same order
    evidence: dict[str, str]  # path relative to the ledger's folder -> sha256 or MISSING
    citing: dict[str, data.Directive] = field(default_factory=dict)  # path -> first citer

    @property
    def digest(self) -> str:
        return overall(self.prints, self.evidence)

    @property
    def entries_digest(self) -> str:
        """The digest of the entries alone (an audit pack's: its evidence is in its manifest)."""
        return overall(self.prints, {})


class Ledger:
    """The ledger's own entries by date, fingerprinted once whatever the number of seals."""

    def __init__(self, entries: Sequence[data.Directive], options: dict[str, Any] | None
                 ) -> None:
        self.base = ledger_folder(options)
        self.own = sorted(own_entries(entries, options), key=operator.attrgetter("date"))
        self.dates = [entry.date for entry in self.own]
        self.prints: list[str] = []  # of own[:len(prints)]: fingerprinted once for all seals
        self.cites: list[Sequence[str]] = []  # the files each of own[:len(cites)] cites
        self.evidence = Evidence(entries, options)
        self.document_key = conventions(options).document
        self.hashes: dict[str, str] = {}
        # a document value resolves by its accounts and its file's folder: many payments cite
        # one file, and resolving checks the file on disk each time
        self.resolved: dict[tuple[Any, ...], str | None] = {}

    def relative(self, path: str) -> str:
        return os.path.relpath(path, self.base).replace(os.sep, "/")

    def snapshot(self, through: datetime.date, evidence_files: bool = True) -> Snapshot:
        """The entries on or before ``through`` and, unless not ``evidence_files``, the
        evidence they cite (read and digested)."""
        count = bisect.bisect_right(self.dates, through)
        self.prints.extend([fingerprint(entry, self.base)
                            for entry in self.own[len(self.prints):count]])
        first: dict[str, data.Directive] = {}  # path -> the first entry citing it
        if evidence_files:
            self.cites.extend([self.cited(entry) for entry in self.own[len(self.cites):count]])
            for entry, paths in zip(self.own[:count], self.cites):
                for path in paths:
                    first.setdefault(path, entry)
        relative = {path: self.relative(path) for path in first}
        return Snapshot(through, self.prints[:count], self.own[:count],
                        {relative[path]: self.sha256(path) for path in first},
                        {relative[path]: entry for path, entry in first.items()})

    def cited(self, entry: data.Directive) -> Sequence[str]:
        """The evidence files ``entry`` cites: a transaction's document (resolved as Fava
        resolves it), a document directive's file."""
        if isinstance(entry, data.Document):
            return [entry.filename]
        value = entry.meta.get(self.document_key) if isinstance(entry, data.Transaction) else None
        if not isinstance(value, str):
            return ()
        key = (value, frozenset(p.account for p in entry.postings),
               os.path.dirname(str(entry.meta.get("filename", ""))))
        if key not in self.resolved:
            self.resolved[key] = self.evidence.resolve(value, entry).path
        return [self.resolved[key]] if self.resolved[key] else []

    def sha256(self, path: str) -> str:
        """The file's SHA-256, MISSING when it cannot be read or the evidence rules do not
        allow it (never /etc through a link)."""
        if path not in self.hashes:
            readable = safety(path, self.evidence.roots, self.evidence.real_path) is None
            self.hashes[path] = (file_digest(path) if readable else None) or MISSING
        return self.hashes[path]

"""The sidecar of a seal: one line per sealed entry and one per evidence file, written and read.
(An audit pack's record of the ledger's entries is one too, over the whole ledger: see
:mod:`aipo_budget.outputs.pack.manifest`.)

It says what a seal's digest cannot: which entry changed, and what a removed one was. Plain
text, tab-separated, each part sorted, so that a Git diff of it is readable::

    seal       2006-12-31  <digest>  <entries>  <evidence>
    fields     transaction date flag payee narration tags links account amount ...
    entry      2006-02-15  transaction  <16 hex>  Kingdom Consultancy Group  3400.00 USD
               <6 hex per field, "-" when empty>  approved-by=<6 hex> document=<6 hex> ...
    evidence   documents/Expenses/.../2006-02-15.consultancy-contract.pdf  <sha256>

Its own SHA-256 is in the seal entry: a sidecar edited or swapped is not believed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from beancount.core import data

from aipo_budget.core.seals.canonical import (
    EMPTY,
    FIELDS_BY_NAME,
    META_PREFIX,
    SHORT,
    field_digests,
    type_name,
)
from aipo_budget.core.seals.snapshot import FORMAT

if TYPE_CHECKING:
    from aipo_budget.core.seals.record import Signing
    from aipo_budget.core.seals.snapshot import Snapshot


_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def escape(text: str) -> str:
    for raw, escaped in _ESCAPES:
        text = text.replace(raw, escaped)
    return text


def unescape(text: str) -> str:
    out, chars = [], iter(text)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            out.append({"t": "\t", "n": "\n", "r": "\r"}.get(following, following))
        else:
            out.append(char)
    return "".join(out)


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
            if posting.units and isinstance(posting.units.number, Decimal) \
                    and posting.units.number > 0:
                return posting.units.to_string()
        return ""
    value = getattr(entry, "amount", None)
    return value.to_string() if hasattr(value, "to_string") else ""


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
    kinds = sorted({type_name(entry) for _print, entry in snapshot.entries})
    fields = ["\t".join(["fields", kind, " ".join(FIELDS_BY_NAME[kind])]) for kind in kinds]
    entries = sorted(entry_line(print_, entry, base) for print_, entry in snapshot.entries)
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
    lineno: int

    def summary(self) -> str:
        return summary(self.date, self.kind, self.who, self.amount)


def summary(date: str, kind: str, name: str, amount: str) -> str:
    """What an entry is, for a reader: 2006-02-15 transaction "Payee" 3400.00 USD."""
    return " ".join([date, kind, *([f'"{name}"'] if name else []), *([amount] if amount else [])])


def entry_summary(entry: data.Directive) -> str:
    return summary(entry.date.isoformat(), type_name(entry), who(entry), recorded_amount(entry))


@dataclass
class Record:
    entries: list[Recorded] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)  # path -> sha256
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # type -> its fields


def _entry(parts: list[str], record: Record, lineno: int) -> Recorded:
    if len(parts) != 8:
        raise ValueError(f"line {lineno}: an entry line has 8 tab-separated parts")
    _tag, date, kind, short, who_, amount, fixed, meta = parts
    names = record.kinds.get(kind)
    digests = fixed.split(" ")
    if names is None or len(names) != len(digests):
        raise ValueError(f"line {lineno}: its {kind} fields do not match a fields line")
    fields = dict(zip(names, digests))
    for pair in meta.split(" ") if meta else ():
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"line {lineno}: metadata {pair!r} is not KEY=DIGEST")
        fields[META_PREFIX + key] = value
    return Recorded(date, kind, short, unescape(who_), unescape(amount), fields, lineno)


def parse_record(text: str) -> Record:
    """The sidecar ``text``; ValueError naming the line that cannot be read."""
    record = Record()
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        tag = parts[0]
        if tag == "fields" and len(parts) == 3:
            record.kinds[parts[1]] = tuple(parts[2].split(" "))
        elif tag == "entry":
            record.entries.append(_entry(parts, record, lineno))
        elif tag == "evidence" and len(parts) == 3:
            record.evidence[unescape(parts[1])] = parts[2]
        elif tag != "seal":
            raise ValueError(f"line {lineno}: not a seal, fields, entry or evidence line")
    return record

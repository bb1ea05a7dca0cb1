"""The canonical form of a ledger entry and its fingerprint: what a seal (and an audit pack's
manifest) says about an entry, independent of how or where it is written.

The form is a list of named fields, each a typed text (``d:2006-06-28``; ``100.00 USD`` and
``100 USD`` are one amount). It ignores the file and line of the entry, its formatting
(spacing, posting order, an interpolated amount, ``pushtag``) and its order among the entries;
it covers every field of the directive and its metadata but ``filename``, ``lineno`` and
Beancount's ``__...`` keys. The fingerprint is the SHA-256 of the whole form; each field's
short digest names what changed. Existing seals depend on every byte of the form: any change
here needs a new ``snapshot.FORMAT``.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import os
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable

from beancount.core import data, flags
from beancount.core.amount import Amount

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

SEAL_TYPE = "aipo-seal"  # the custom entries of the seals, never sealed themselves
SHORT = 16  # hex digits of an entry's short digest (the sidecar's, which names it)
FIELD = 6  # hex digits of a field's digest: enough to tell which field changed
EMPTY = "-"  # the digest of an empty field (no tags, no cost...): the sidecar stays small
META_PREFIX = "metadata "
WHERE = frozenset(("filename", "lineno"))  # where an entry is written: not part of it

# A transaction's fields, in the sidecar's order; postings are compared as a multiset (their
# order is formatting), each aspect on its own so that a change can be named.
HEAD = ("date", "flag", "payee", "narration", "tags", "links")
ASPECTS = ("account", "amount", "cost", "price", "posting-flag", "posting-metadata")
TRANSACTION_FIELDS = (*HEAD, *ASPECTS, "postings")
# Beancount's field names that read better otherwise; diff_amount is computed, not written.
RENAMED = {"filename": "document", "query_string": "query", "units": "amount"}
COMPUTED = {"meta", "date", "diff_amount"}


def type_name(entry: data.Directive) -> str:
    return type(entry).__name__.lower()


@functools.cache
def _attributes(kind: type) -> tuple[tuple[str, str], ...]:
    """(attribute, field name) of each written field of a directive type but Transaction."""
    return tuple((name, RENAMED.get(name, name).replace("_", "-"))
                 for name in kind._fields if name not in COMPUTED)


# The field names of each directive type, in the sidecar's order.
FIELDS_BY_NAME = {cls.__name__.lower(): TRANSACTION_FIELDS if cls is data.Transaction
                  else ("date", *(shown for _name, shown in _attributes(cls)))
                  for cls in data.ALL_DIRECTIVES}


def number(value: Decimal) -> str:
    """A number without its written precision (exact: no rounding context involved)."""
    # str() is format(value, "f") unless it shows an exponent ("1E+3"), and much faster
    text = str(value)
    if "E" in text or "e" in text:
        text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _set(value: frozenset[Any] | set[Any]) -> str:
    return "{" + ",".join(sorted(map(typed, value))) + "}" if value else ""


def _sequence(value: Sequence[Any]) -> str:
    return "[" + ",".join(map(typed, value)) + "]" if value else ""


def _amount(value: Amount) -> str:
    shown = number(value.number) if isinstance(value.number, Decimal) else typed(value.number)
    return f"a:{shown} {value.currency}"


# One converter per exact type (bool is not int here: type(True) is bool); str: typed().
_TYPED: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: "",
    bool: lambda value: "b:TRUE" if value else "b:FALSE",
    Decimal: lambda value: "n:" + number(value),
    int: lambda value: f"n:{value}",
    datetime.date: lambda value: "d:" + value.isoformat(),
    frozenset: _set, set: _set, list: _sequence, tuple: _sequence, Amount: _amount,
}


TYPE_TAG = re.compile(r"(?:s(\d+)|[a-z]):")  # a tag typed() writes: s5: takes 5 characters


def untyped(text: str) -> str:
    """``typed`` text as a reader says it: 2, 2006-06-28, TRUE, a text, without their tags.
    A tag starts a value (the text, or after an opening bracket, a comma or "="); a text's
    own characters are never read as one ("(a: phase 1" in a narration stays)."""
    said, at, start = [], 0, True
    while at < len(text):
        tag = TYPE_TAG.match(text, at) if start else None
        if tag is not None:
            at = tag.end()
            if tag[1] is not None:  # a text: its length, then itself
                said.append(text[at:at + int(tag[1])])
                at, start = at + int(tag[1]), False
            continue
        said.append(text[at])
        at, start = at + 1, text[at] in "[{(,="
    return "".join(said)


def typed(value: Any) -> str:
    """``value`` as text that keeps its type; "" for nothing (None, an empty set)."""
    if type(value) is str:  # by far the most frequent: spared the lookup and a call
        return f"s{len(value)}:{value}"
    convert = _TYPED.get(type(value))
    if convert is not None:
        return convert(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # Cost, a custom ValueType
        return (type(value).__name__ + "("
                + ",".join(typed(getattr(value, name)) for name in value._fields) + ")")
    if isinstance(value, type):  # a custom value's dtype
        return "t:" + value.__name__
    return f"{type(value).__name__}:{value!r}"


def metadata(meta: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The written metadata, sorted by key: not where the entry is, nor Beancount's own."""
    if not meta or meta.keys() <= WHERE:  # most postings, many entries: where they are only
        return []
    written = [(key, typed(value)) for key, value in meta.items()
               if key not in WHERE and not key.startswith("__")]
    written.sort()
    return written


def _posting(posting: data.Posting) -> tuple[str, ...]:
    # most postings have no cost, no price, no metadata but where they are: spared the calls
    units, cost, price, meta = posting.units, posting.cost, posting.price, posting.meta
    written = ("" if not meta or meta.keys() <= WHERE
               else ";".join([f"{key}={value}" for key, value in metadata(meta)]))
    return (posting.account, _amount(units) if type(units) is Amount else typed(units),
            "" if cost is None else typed(cost), "" if price is None else typed(price),
            posting.flag or "", written)


def canonical(entry: data.Directive, base: str = "", aspects: bool = True
              ) -> list[tuple[str, str]]:
    """The canonical form of ``entry``: (field, typed text) pairs, its type's fields first in
    the sidecar's order, then ``metadata KEY`` for each written metadata key. ``base`` is the
    ledger's folder (a document's path is relative to it). Without ``aspects``, a
    transaction's postings are one field (all the fingerprint needs)."""
    if isinstance(entry, data.Transaction):
        postings = [_posting(p) for p in entry.postings]
        # no payee and "" are written alike
        found = list(zip(HEAD, (entry.date.isoformat(), entry.flag or "",
                                typed(entry.payee or None), typed(entry.narration or None),
                                typed(entry.tags), typed(entry.links))))
        if aspects:  # what the postings say, aspect by aspect: to name what changed
            columns = zip(*postings) if postings else [()] * len(ASPECTS)
            for name, column in zip(ASPECTS, columns):
                values = sorted(column)
                found.append((name, "|".join(values) if any(values) else ""))
        found.append(("postings", "\n".join(sorted(map("\t".join, postings)))))  # a multiset
    else:
        found = [("date", entry.date.isoformat())]
        for name, shown in _attributes(type(entry)):
            value = getattr(entry, name)
            if name == "filename" and isinstance(value, str) and base:  # a document's path
                value = os.path.relpath(value, base).replace(os.sep, "/")
            found.append((shown, typed(value)))
    return found + [(META_PREFIX + key, value) for key, value in metadata(entry.meta)]


def fingerprint(entry: data.Directive, base: str = "",
                form: list[tuple[str, str]] | None = None) -> str:
    """SHA-256 (hex) of the canonical form without a transaction's aspects, with the entry's
    type; ``form`` is the entry's whole :func:`canonical` form when it is made already."""
    if form is None:
        form = canonical(entry, base, aspects=False)
    elif isinstance(entry, data.Transaction):
        form = [field for field in form if field[0] not in ASPECTS]
    text = "\x1e".join([type_name(entry), *(f"{name}\x1f{value}" for name, value in form)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def field_digests(entry: data.Directive, base: str = "",
                  form: list[tuple[str, str]] | None = None) -> dict[str, str]:
    """Each field's short digest (``EMPTY`` when empty), by field name (``metadata KEY``);
    ``form`` as for :func:`fingerprint`."""
    return {name: _field_digest(value) if value else EMPTY
            for name, value in form or canonical(entry, base)}


@functools.lru_cache(maxsize=1 << 16)
def _field_digest(value: str) -> str:
    # most values recur (a day, a payee, the accounts of a kind of payment): each hashed once
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:FIELD]


def own_entries(entries: Iterable[data.Directive], options: dict[str, Any] | None
                ) -> Iterator[data.Directive]:
    """The entries written in the ledger's own files: not made by a plugin or by Beancount
    (auto-discovered documents are at line 0, padding has flag P), and not a seal, nor Fava's
    configuration (``custom "fava-..."``), which is not the books."""
    files = frozenset(str(name) for name in (options or {}).get("include") or ())
    for entry in entries:
        meta = entry.meta or {}
        if meta.get("filename") not in files or not meta.get("lineno"):
            continue
        if isinstance(entry, data.Transaction) and entry.flag == flags.FLAG_PADDING:
            continue
        if isinstance(entry, data.Custom) and (entry.type == SEAL_TYPE
                                               or str(entry.type).startswith("fava-")):
            continue
        yield entry


def describe(names: Iterable[str]) -> str:
    """Field names as a reader says them: "amount, metadata approved-by"."""
    return ", ".join(name.replace("-", " ") if not name.startswith(META_PREFIX) else name
                     for name in names)

"""The canonical form of a ledger entry and its fingerprint: what a seal (and an audit pack's
manifest) says about an entry without depending on how or where it is written.

The form is a list of named fields, each a typed text: a date stays a date (``d:2006-06-28``),
an amount an amount with its number normalised (``100.00 USD`` and ``100 USD`` are one amount),
a string a length-prefixed string. It is independent of the file and line of the entry, of its
formatting (spacing, posting order, an amount left for Beancount to interpolate, ``pushtag``),
and of its order within a day or between files. It depends on the type, date, flag, payee,
narration, tags, links, metadata (every key but ``filename``, ``lineno`` and Beancount's
internal ``__...`` keys) and postings (account, units, cost, price, flag, metadata) of a
transaction, and on the fields of any other directive (a balance's amount, an open's
currencies, a document's path relative to the ledger's folder, a custom entry's values...).

The fingerprint is the SHA-256 of the whole form; a field's own short digest says which field
of a changed entry changed ("amount", "narration", "metadata approved-by"). Existing seals
depend on every byte of the form: any change here needs a new ``snapshot.FORMAT``.
"""

from __future__ import annotations

import datetime
import hashlib
import os
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
TYPE_NAMES = {cls: cls.__name__.lower() for cls in data.ALL_DIRECTIVES}


def type_name(entry: data.Directive) -> str:
    kind = type(entry)
    return TYPE_NAMES.get(kind) or kind.__name__.lower()


def fields_of(kind: type) -> tuple[str, ...]:
    """The field names of a directive type, in the sidecar's order."""
    if kind is data.Transaction:
        return TRANSACTION_FIELDS
    return ("date", *(RENAMED.get(name, name).replace("_", "-")
                      for name in kind._fields if name not in COMPUTED))


FIELDS_BY_NAME = {TYPE_NAMES[cls]: fields_of(cls) for cls in data.ALL_DIRECTIVES}
# (attribute, field name) of each directive type but Transaction, computed once per type:
# every entry of a type has the same fields
_ATTRIBUTES: dict[type, tuple[tuple[str, str], ...]] = {}


def _attributes(kind: type) -> tuple[tuple[str, str], ...]:
    found = _ATTRIBUTES.get(kind)
    if found is None:
        names = [name for name in kind._fields if name not in COMPUTED]
        found = _ATTRIBUTES[kind] = tuple(zip(names, fields_of(kind)[1:]))
    return found


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
    return "{" + ",".join(sorted(typed(item) for item in value)) + "}" if value else ""


def _sequence(value: Sequence[Any]) -> str:
    return "[" + ",".join(typed(item) for item in value) + "]" if value else ""


def _amount(value: Amount) -> str:
    amount_number = value.number
    shown = number(amount_number) if isinstance(amount_number, Decimal) else typed(amount_number)
    return f"a:{shown} {value.currency}"


# One converter per exact type (bool is not int here: type(True) is bool).
_TYPED: dict[type, Callable[[Any], str]] = {
    type(None): lambda value: "",
    bool: lambda value: "b:TRUE" if value else "b:FALSE",
    str: lambda value: f"s{len(value)}:{value}",
    Decimal: lambda value: "n:" + number(value),
    int: lambda value: f"n:{value}",
    datetime.date: lambda value: "d:" + value.isoformat(),
    frozenset: _set,
    set: _set,
    list: _sequence,
    tuple: _sequence,
    Amount: _amount,
}


def typed(value: Any) -> str:
    """``value`` as text that keeps its type; "" for nothing (None, an empty set)."""
    kind = type(value)
    if kind is str:  # by far the most frequent: spared the lookup and a call
        return f"s{len(value)}:{value}"
    convert = _TYPED.get(kind)
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
    if not meta:
        return []
    written = []
    for key, value in meta.items():  # a loop: faster than a comprehension on 3 keys
        if key not in WHERE and not key.startswith("__"):
            written.append((key, typed(value)))
    written.sort()  # keys are unique: by key
    return written


def _posting(posting: data.Posting) -> tuple[str, ...]:
    units, cost, price, meta = posting.units, posting.cost, posting.price, posting.meta
    if type(units) is Amount and type(units.number) is Decimal:  # _amount(), inlined
        amount = f"a:{number(units.number)} {units.currency}"
    else:
        amount = _amount(units) if type(units) is Amount else typed(units)
    if not meta or meta.keys() <= WHERE:  # most postings: nothing but where they are
        written = ""
    else:
        written = ";".join([f"{key}={value}" for key, value in metadata(meta)])
    # typed(None) is "": most postings have no cost nor price, spared the call
    return (posting.account, amount, "" if cost is None else typed(cost),
            "" if price is None else typed(price), posting.flag or "", written)


def _aspect(postings: Sequence[tuple[str, ...]], index: int) -> str:
    values = sorted(p[index] for p in postings)
    return "|".join(values) if any(values) else ""


def _head(entry: data.Transaction) -> tuple[str, str, str, str, str, str]:
    """The values of a transaction's ``HEAD`` fields."""
    tags, links = entry.tags, entry.links
    return (entry.date.isoformat(), entry.flag or "",
            typed(entry.payee or None),  # no payee and "" are written alike
            typed(entry.narration or None),
            # typed() of an empty set is "": the usual empty frozenset spared the calls
            "" if type(tags) is frozenset and not tags else typed(tags),
            "" if type(links) is frozenset and not links else typed(links))


def _postings(postings: Sequence[tuple[str, ...]]) -> str:
    """The value of the ``postings`` field: a multiset, so sorted."""
    return "\n".join(sorted(map("\t".join, postings)))


def _transaction_fields(entry: data.Transaction, aspects: bool) -> list[tuple[str, str]]:
    postings = [_posting(p) for p in entry.postings]
    found = list(zip(HEAD, _head(entry)))
    if aspects:  # what the postings say, aspect by aspect: to name what changed
        found += [(name, _aspect(postings, index)) for index, name in enumerate(ASPECTS)]
    found.append(("postings", _postings(postings)))
    return found


# What fingerprint() digests of a plain transaction, with the values left to fill in: the
# same text as the generic join of its canonical form without aspects (a transaction is most
# of a ledger, and this spares building the form's pairs, then joining them one by one).
_TRANSACTION_TEXT = "\x1e".join(["transaction", *(name + "\x1f{}" for name in (*HEAD, "postings"))])


def _transaction_text(entry: data.Transaction) -> str:
    text = _TRANSACTION_TEXT.format(*_head(entry), _postings([_posting(p) for p in entry.postings]))
    written = metadata(entry.meta)
    return text + "".join([f"\x1e{META_PREFIX}{key}\x1f{value}" for key, value in written])


def _directive_fields(entry: data.Directive, base: str) -> list[tuple[str, str]]:
    found = [("date", entry.date.isoformat())]
    for name, shown in _attributes(type(entry)):
        value = getattr(entry, name)
        if name == "filename" and isinstance(value, str):  # a document: where, as written
            value = os.path.relpath(value, base).replace(os.sep, "/") if base else value
        found.append((shown, typed(value)))
    return found


def canonical(entry: data.Directive, base: str = "", aspects: bool = True
              ) -> list[tuple[str, str]]:
    """The canonical form of ``entry``: (field, typed text) pairs, its type's fields first in
    the sidecar's order, then ``metadata KEY`` for each written metadata key. ``base`` is the
    ledger's folder (a document's path is relative to it). Without ``aspects``, a
    transaction's postings are one field (all the fingerprint needs)."""
    if isinstance(entry, data.Transaction):
        found = _transaction_fields(entry, aspects)
    else:
        found = _directive_fields(entry, base)
    found += [(META_PREFIX + key, value) for key, value in metadata(entry.meta)]
    return found


def fingerprint(entry: data.Directive, base: str = "") -> str:
    """SHA-256 (hex) of the canonical form, with the entry's type."""
    if type(entry) is data.Transaction:  # not a subclass: its type name is its own
        text = _transaction_text(entry)
    else:
        parts = [type_name(entry)]
        parts += [f"{name}\x1f{value}" for name, value in canonical(entry, base, aspects=False)]
        text = "\x1e".join(parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def field_digest(value: str) -> str:
    """A field's short digest; ``EMPTY`` for an empty field."""
    if not value:
        return EMPTY
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:FIELD]


def field_digests(entry: data.Directive, base: str = "") -> dict[str, str]:
    """Each field's short digest, by field name (``metadata KEY`` for metadata)."""
    return {name: field_digest(value) for name, value in canonical(entry, base)}


def is_own(entry: data.Directive, files: frozenset[str]) -> bool:
    """Whether ``entry`` was written in one of the ledger's ``files``: not made by a plugin
    or by Beancount (auto-discovered documents are at line 0, padding has flag P), and not a
    seal, nor Fava's configuration (``custom "fava-..."``), which is not the books."""
    meta = entry.meta or {}
    if meta.get("filename") not in files or not meta.get("lineno"):
        return False
    if isinstance(entry, data.Transaction):
        return entry.flag != flags.FLAG_PADDING
    if isinstance(entry, data.Custom):
        return entry.type != SEAL_TYPE and not str(entry.type).startswith("fava-")
    return True


def ledger_files(options: dict[str, Any] | None) -> frozenset[str]:
    return frozenset(str(name) for name in (options or {}).get("include") or ())


def own_entries(entries: Iterable[data.Directive], options: dict[str, Any] | None
                ) -> Iterator[data.Directive]:
    """The entries read from the ledger's own files (see :func:`is_own`)."""
    files = ledger_files(options)
    return (entry for entry in entries if is_own(entry, files))


def describe(names: Iterable[str]) -> str:
    """Field names as a reader says them: "amount, metadata approved-by"."""
    return ", ".join(name.replace("-", " ") if not name.startswith(META_PREFIX) else name
                     for name in names)

"""Transaction metadata, read in one place: one reader per convention key (docs/conventions.md).

Every check and table reads a convention key through these readers, so a value means the same
thing everywhere. A quoted ISO date (``"2005-11-01"``) or year (``"2005"``) is read as the date
or the year. A value that cannot be read is a :class:`Problem` (the key, the value, what was
expected), which the check that reads the key reports as an error: nothing is silently ignored.

People are compared as people, not strings (:func:`person_key`: Unicode forms, format
characters, runs of white space and case folded); a waiver's reference, listed in the rules or
cited on a transaction, is read in one form: :func:`normal`.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aipo_budget.core.conventions import DEFAULT

# the keys are defined once, in the conventions; these names are for the readers' callers
RESOLUTION, PREPARED_BY = DEFAULT.resolution, DEFAULT.prepared_by
APPROVED_BY, DOCUMENT = DEFAULT.approved_by, DEFAULT.document
INCURRED, FISCAL_YEAR, AUDIT_REF = DEFAULT.incurred, DEFAULT.fiscal_year, DEFAULT.audit_ref
CONVENTION_KEYS = DEFAULT.keys
FIRST_YEAR, LAST_YEAR = 1900, 2999
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Problem:
    """A metadata value that cannot be read as what its key means."""

    key: str
    value: Any
    expected: str

    @property
    def message(self) -> str:
        shown = self.value  # as the ledger writes it
        if isinstance(shown, bool):
            shown = "TRUE" if shown else "FALSE"
        elif isinstance(shown, str):
            shown = f'"{shown}"'
        return f"metadata '{self.key}' is {'empty' if shown is None else shown}: expected " \
               f"{self.expected}"


def clean(text: str) -> str:
    """``text`` as a reader sees it: without format characters (zero-width space, BOM, ...),
    every run of white space (NBSP included) one space, trimmed."""
    if not text.isascii():  # no ASCII character is a format character: skip the scan
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


@functools.lru_cache(maxsize=4096)  # a ledger writes a few names and references many times
def normal(text: str) -> str:
    """What two writings of one name or reference (NFD and NFC, a double or zero-width
    space) both read as: NFKC, cleaned."""
    return clean(unicodedata.normalize("NFKC", text))


def person_key(name: str) -> str:
    """What identifies a person: :func:`normal`, casefolded. '' is nobody."""
    return normal(name).casefold()


# --- readers: (value, problem) ------------------------------------------------------------

Read = tuple[Any, "Problem | None"]


def text(meta: dict[str, Any], key: str, *, exact: bool = False) -> Read:
    """A quoted string, cleaned (``exact``: as written, as Fava reads a document path); None
    when absent or blank. A number is read as its digits (``audit-ref: 2004``); a date, a
    boolean or an amount is a problem."""
    value = meta.get(key)
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value), None
    if value is not None and not isinstance(value, str):
        return None, Problem(key, value, "text in double quotes")
    if value is None or not clean(value):
        return None, None
    return (value if exact else clean(value)), None


def names(meta: dict[str, Any], key: str) -> tuple[tuple[str, ...], Problem | None]:
    """Comma-separated names as written (cleaned); an empty name is nobody."""
    value = meta.get(key)
    if value is not None and not isinstance(value, str):
        return (), Problem(key, value, 'names in double quotes, separated by commas')
    return split_names(value or ""), None


def split_names(text: str) -> tuple[str, ...]:
    """The names ``text`` separates by commas, cleaned; an empty name is nobody."""
    found = (clean(part) for part in text.split(","))
    return tuple(n for n in found if person_key(n))


def person(meta: dict[str, Any], key: str) -> Read:
    """One name, as written (cleaned); None when absent or empty."""
    value = meta.get(key)
    if value is not None and not isinstance(value, str):
        return None, Problem(key, value, "a name in double quotes")
    name = clean(value or "")
    return (name if person_key(name) else None), None


def date(meta: dict[str, Any], key: str) -> Read:
    """A date: bare (2006-06-28) or quoted ISO ("2006-06-28")."""
    value = meta.get(key)
    if value is None or (isinstance(value, datetime.date)
                         and not isinstance(value, datetime.datetime)):
        return value, None
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip()), None
        except ValueError:
            pass
    return None, Problem(key, value, "a date such as 2006-06-28")


def fiscal_year(meta: dict[str, Any], key: str = FISCAL_YEAR) -> Read:
    """A fiscal year: 2004 or "2004", between 1900 and 2999 (:func:`year_end`)."""
    value = meta.get(key)
    if value is None:
        return None, None
    number: Any = None
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        number = int(value.strip())
    try:
        if number is not None and number == int(number) and FIRST_YEAR <= number <= LAST_YEAR:
            return int(number), None
    except (ValueError, OverflowError):  # NaN, infinity
        pass
    return None, Problem(key, value, f"a year such as 2004 ({FIRST_YEAR}-{LAST_YEAR})")


def year_end(fiscal_year: int) -> datetime.date:
    """The last day of ``fiscal_year``: AIPO's fiscal year is the calendar year."""
    return datetime.date(fiscal_year, 12, 31)


def year_of(day: datetime.date) -> int:
    """The fiscal year ``day`` falls in."""
    return day.year


def near_miss(meta: dict[str, Any], key: str) -> str | None:
    """A key of ``meta`` that looks like a misspelt ``key`` (``approved_by``, ``aproved-by``)."""
    return _near_miss(tuple(meta), key)  # a ledger has few sets of keys: each compared once


@functools.lru_cache(maxsize=1024)
def _near_miss(keys: tuple[Any, ...], key: str) -> str | None:
    for other in keys:
        if other == key or other in CONVENTION_KEYS or not isinstance(other, str) \
                or other.startswith("__") or other in ("filename", "lineno"):
            continue
        if other.casefold().replace("_", "-") == key \
                or difflib.SequenceMatcher(None, other.casefold(), key).ratio() >= 0.8:
            return other
    return None


def missing(entry: Any, key: str, what: str) -> str:
    """The message for a key absent from ``entry``'s metadata, with a hint when a near miss of
    it is there, or when the key sits on a posting instead of the transaction."""
    message = f"{what} (metadata '{key}')"
    other = near_miss(entry.meta, key)
    if other is not None:
        return message + f"; the transaction has '{other}': did you mean '{key}'?"
    for posting in getattr(entry, "postings", None) or ():
        if posting.meta and posting.meta.get(key) is not None:
            return (message + f"; '{key}' is on the posting of {posting.account}: write it "
                    "on the transaction, under its first line")
    return message

"""Which transaction a ``FILE:LINE`` names: the one starting on that line, or the one whose
lines hold it (a posting or metadata line, as an editor or Fava's error list points at it)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from beancount.core import data, flags

from aipo_budget.core.ledger import places_written

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


LINE_DIGITS = 9  # a billion lines: no ledger file has more


class LocationError(ValueError):
    """A location that names no transaction; the message says why, in one line."""


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def ledger_file(files: Sequence[str], folder: str, name: str) -> str | None:
    """The file of the ledger (``files``, Beancount's ``include`` list) that ``name`` names:
    as given, relative to the working folder, or relative to the ledger's ``folder`` (findings
    print paths either way); None when it names none of them."""
    wanted = [os.path.normpath(os.path.abspath(name)), os.path.normpath(os.path.join(folder, name))]
    for same in (os.path.normpath, os.path.realpath):  # the very path, else through a link
        for candidate in wanted:
            for filename in files:
                if same(filename) == same(candidate):
                    return filename
    return None


def listed(files: Sequence[str], show: Callable[[str], str]) -> str:
    """The first files of a ledger, for a message."""
    more = len(files) - 5
    return ", ".join(map(show, files[:5])) + (f" and {more} more" if more > 0 else "")


def split_location(text: str) -> tuple[str, int]:
    """``FILE:LINE`` as (FILE, LINE); the last colon splits (a Windows path keeps its drive).
    LINE is ASCII digits (``str.isdigit`` takes a superscript ² for one, which ``int``
    refuses), at least 1, of at most :data:`LINE_DIGITS` digits. LocationError says why not."""
    name, sep, line = text.rpartition(":")
    digits = line.strip()
    if not sep or not name.strip():
        raise LocationError(f"{_short(text)!r} is not FILE:LINE (a ledger file and a line "
                            "number, as findings print them: ledger/x.beancount:42)")
    if not (digits.isascii() and digits.isdigit()) or not digits.strip("0"):
        raise LocationError(f"{name}:{_short(line)} is not FILE:LINE (LINE is a number from 1 "
                            "in ASCII digits, as findings print them: ledger/x.beancount:42)")
    if len(digits.lstrip("0")) > LINE_DIGITS:
        raise LocationError(f"{name}: a line number of {len(digits)} digits: no ledger file "
                            "has that many lines")
    return name, int(digits)


def line_of(meta: dict[str, Any] | None) -> int:
    """The line an entry's (or an error's) metadata names; 0 for none."""
    value = (meta or {}).get("lineno")
    return value if isinstance(value, int) else 0


def last_line(txn: data.Transaction) -> int:
    """The last line a transaction's text takes: its last posting's, and that posting's
    metadata lines (the transaction's own metadata comes before its postings)."""
    end = line_of(txn.meta)
    for posting in txn.postings:
        line = line_of(posting.meta)
        if line >= end:
            keys = [k for k in (posting.meta or {}) if k not in ("filename", "lineno")
                    and not str(k).startswith("__")]
            end = line + len(keys)
    return end


def find_transaction(entries: Sequence[data.Directive], filename: str,
                     lineno: int) -> data.Transaction:
    """The transaction of ``filename`` (as the loader names it) that starts on ``lineno`` or
    whose lines hold it: the last entry of that file starting at or before ``lineno``, if it
    is a transaction and ``lineno`` is not past its last line nor at the next entry."""
    before = [e for e in entries if e.meta and e.meta.get("filename") == filename
              and 0 < line_of(e.meta) <= lineno]
    if not before:
        raise _missing(filename, lineno, "it comes before the first entry of the file")
    start = max(line_of(e.meta) for e in before)
    # a pad directive and the padding transaction Beancount makes of it share a line
    candidates = [e for e in before if line_of(e.meta) == start]
    txn = next((e for e in candidates if isinstance(e, data.Transaction)
                and e.flag != flags.FLAG_PADDING), None)
    if txn is None:
        raise _missing(filename, lineno, f"the entry on line {start} is a "
                                         f"{type(candidates[0]).__name__.lower()} directive")
    if lineno > last_line(txn):
        raise _missing(filename, lineno, f"the transaction on line {start} ends on line "
                                         f"{last_line(txn)}")
    return txn


def _missing(filename: str, lineno: int, why: str) -> LocationError:
    """Why no transaction is found on ``lineno``; first, an entry there that writes its own
    place (check names it at its real line, which its metadata replaced)."""
    for place in places_written({"include": [filename]}):
        if place.lineno == lineno:
            return LocationError(f"the entry on line {lineno} writes its own place (metadata "
                                 f"'{place.key}' on line {place.key_line}): Beancount puts it "
                                 "elsewhere, and nothing finds it by its line; remove that "
                                 "metadata")
    return LocationError(f"no transaction on line {lineno}: {why}")

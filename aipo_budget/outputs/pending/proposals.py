"""Proposed transactions (``check --pending FILE``): read, and checked as input before any
judgement. A proposal file holds Beancount transactions that are not in the ledger yet; it is
refused (exit status 2, naming the file and line) when it cannot be judged, for every reason
below. Nothing is ever written: the text is loaded with the ledger as one more source.
"""

from __future__ import annotations

import itertools
import os
import pathlib
import stat
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from beancount.core import data
from beancount.parser import lexer, parser

from aipo_budget.core.ledger import lone_return, said, stray_bytes, written_places
from aipo_budget.outputs.explain.locate import line_of

if TYPE_CHECKING:
    from collections.abc import Sequence

STDIN = "-"
STDIN_NAME = "<stdin>"
# What Beancount names the entries of a text loaded from memory.
IN_MEMORY = "<string>"
# Beancount's tokens of the directives that change how the ledger is read, not what it holds.
DIRECTIVES = {"OPTION": "option", "INCLUDE": "include", "PLUGIN": "plugin"}
# ... and those that give the entries after them what their own lines do not say: an entry
# appended without them would be judged otherwise
PUSHES = {"PUSHTAG": "pushtag", "POPTAG": "poptag", "PUSHMETA": "pushmeta", "POPMETA": "popmeta"}
# No amount of the Fund comes near it; beyond it, sums to the cent and the percentages of them
# would outgrow the 28 digits Decimal (and Beancount) computes with.
LARGEST = Decimal("1e15")


class ProposalError(Exception):
    """The proposals cannot be judged; ``problems`` are (line, message) in the file."""

    def __init__(self, name: str, problems: Sequence[tuple[int, str]]) -> None:
        super().__init__("\n".join(f"{name}:{n}: {m}" if n else f"{name}: {m}"
                                   for n, m in problems))
        self.problems = [(name, n, m) for n, m in problems]  # as a ledger's: file, line, why


@dataclass(frozen=True)
class Proposals:
    """The proposed transactions of ``text``, read from ``name`` as given (``<stdin>``), at
    ``path`` (None for stdin)."""

    name: str
    path: str | None
    text: str
    lines: tuple[int, ...]  # of each proposed transaction, in file order


def read(source: str) -> tuple[str, str]:
    """(name, text) of the proposals at ``source`` (``-``: standard input)."""
    if source == STDIN:
        name, content = STDIN_NAME, sys.stdin.buffer.read()
    else:
        name = source
        try:
            _regular(source)
            content = pathlib.Path(source).read_bytes()
        except OSError as exc:
            raise ProposalError(name, [(0, f"cannot read: {exc.strerror or exc}")]) from None
    # Beancount decides: bytes that are no UTF-8 text on a line it reads refuse the file, in a
    # comment it skips they do not (the text judged holds U+FFFD instead)
    stray = stray_bytes(content)
    if stray is not None and any(line_of(error.source) in stray.lines
                                 for error in parser.parse_string(content)[1]):
        raise ProposalError(name, [(stray.lines[0], f"not a UTF-8 text file ({stray}): "
                                                    "Beancount cannot read it")])
    return name, content.decode("utf-8", "replace").removeprefix("\ufeff")


def _regular(source: str) -> None:
    """Refuse ``source`` unless it is a regular file, before it is opened: reading a FIFO
    waits for a writer that may never come, a device may never end."""
    mode = os.stat(source).st_mode
    if stat.S_ISREG(mode):
        return
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket")
    raise ProposalError(source, [(0, f"is {kind}, not a regular file: write the proposals to a "
                                     "file, or give them on standard input (--pending -)")])


def parse(name: str, path: str | None, text: str) -> Proposals:
    """The proposals of ``text``, or ProposalError with every reason they cannot be judged."""
    # Beancount's own tokens: a narration's line that starts with "include" is no directive
    # Beancount names no line for a tag or metadata pushed and never popped: the last push's
    problems: list[tuple[int, str]] = []
    pushed: dict[str, int] = {}
    for token, line, _text, _value in lexer.lex_iter_string(text):
        if token in DIRECTIVES:
            problems.append((line, f"`{DIRECTIVES[token]}` lines belong in the ledger, not "
                                   "in a proposal"))
        elif token in PUSHES:
            problems.append((line, f"`{PUSHES[token]}` gives the entries after it what their "
                                   "own lines do not say, and they are appended without it: "
                                   "write the tag or metadata on each transaction"))
            pushed[token] = line
    try:
        entries, errors, _options = parser.parse_string(text)
    except TypeError:  # Beancount's own report of metadata pushed and never popped fails
        raise ProposalError(name, [(pushed.get("PUSHMETA", 0), "metadata pushed (pushmeta) "
                                    "and never popped (popmeta)")]) from None
    problems += [(line_of(error.source) or pushed.get(
                     "PUSHTAG" if "pushed tag" in str(error.message) else "PUSHMETA", 0),
                  said(" ".join(str(error.message).split()))) for error in errors]
    problems += [(line_of(e.meta), f"only transactions can be proposed, not a "
                                 f"{type(e).__name__.lower()} entry (it belongs in the ledger)")
                 for e in entries if not isinstance(e, data.Transaction)]
    transactions = [e for e in entries if isinstance(e, data.Transaction)]
    problems += [problem for txn in transactions for problem in _too_large(txn)]
    lone = lone_return(text)
    problems += [lone] if lone else []
    problems += [(place.key_line, f"metadata '{place.key}' is where Beancount records an "
                                  "entry's place: a proposal cannot write it")
                 for place in written_places(text, name)]
    if not transactions and not problems:
        problems.append((0, "holds no transaction to judge"))
    if problems:
        raise ProposalError(name, sorted(set(problems)))
    return Proposals(name, path, text, tuple(sorted(line_of(e.meta) for e in transactions)))


def _too_large(txn: data.Transaction) -> list[tuple[int, str]]:
    """Each amount, price or cost of ``txn`` at or beyond :data:`LARGEST`: (line, message)."""
    problems = []
    for posting in txn.postings:
        for what, value, field in (("amount", posting.units, "number"),
                                   ("price", posting.price, "number"),
                                   ("cost", posting.cost, "number_per"),
                                   ("total cost", posting.cost, "number_total")):
            number, currency = getattr(value, field, None), getattr(value, "currency", None)
            if isinstance(number, Decimal) and number.is_finite() and abs(number) >= LARGEST:
                problems.append((line_of(posting.meta) or line_of(txn.meta),
                                 f"{what} {number:f} {currency or ''}".rstrip()
                                 + " is beyond what aipo-budget judges (at most "
                                 f"{LARGEST.adjusted()} digits before the decimal point)"))
    return problems


def refusals(proposals: Sequence[data.Transaction], entries: Sequence[data.Directive],
             errors: Sequence[Any], found: Proposals, as_of: Any = None
             ) -> list[tuple[int, str]]:
    """Why the loaded ``proposals`` cannot be judged, as (line, message): a transaction
    Beancount could not book (it leaves it out of the ledger, so it would be judged by
    nobody), an account the ledger does not open, a date after ``as_of``."""
    problems = _unbooked(proposals, errors, found)
    problems += unknown_accounts(proposals, entries)
    problems += [(p.meta["lineno"], f"dated {p.date}, after --as-of {as_of}: it would not be "
                                    "judged") for p in proposals if as_of and p.date > as_of]
    return problems


def _unbooked(proposals: Sequence[data.Transaction], errors: Sequence[Any],
              found: Proposals) -> list[tuple[int, str]]:
    filename = found.path or STDIN_NAME
    loaded = {line_of(p.meta) for p in proposals}
    problems = []
    for line in sorted(set(found.lines) - loaded):
        # Beancount's error may name a posting's line: anything up to the next transaction
        end = min((n for n in found.lines if n > line), default=float("inf"))
        said = [" ".join(str(e.message).split()) for e in errors
                if isinstance(source := getattr(e, "source", None), dict)
                and source.get("filename") in (filename, IN_MEMORY)
                and line <= line_of(source) < end]
        problems.append((line, "Beancount cannot book this transaction"
                               + (": " + "; ".join(said) if said else "")))
    return problems


def unknown_accounts(proposals: Sequence[data.Transaction], entries: Sequence[data.Directive]
                     ) -> list[tuple[int, str]]:
    """Each proposal posting to an account the ledger does not open, or opens later or has
    closed by the proposal's date: (line, message)."""
    opened = {e.account: e.date for e in entries if isinstance(e, data.Open)}
    closed = {e.account: e.date for e in entries if isinstance(e, data.Close)}
    problems = []
    for txn in proposals:
        for posting in txn.postings:
            account, line = posting.account, line_of(posting.meta) or line_of(txn.meta)
            if account not in opened:
                problems.append((line, f"account {account} is not opened in the ledger"))
            elif txn.date < opened[account]:
                problems.append((line, f"account {account} is opened only on "
                                       f"{opened[account]}, after this proposal's date"))
            elif account in closed and txn.date > closed[account]:
                problems.append((line, f"account {account} was closed on {closed[account]}"))
    return problems


def locate(entries: Sequence[data.Directive], errors: Sequence[Any], proposals: Proposals
           ) -> list[data.Transaction]:
    """The proposed transactions among ``entries``, in file order, once the proposal file (not
    Beancount's in-memory source) is named in ``entries`` and ``errors`` (their sources and
    entries), so that findings, evidence and ``explain`` name it. The entries are the load's
    own, made for this run only: their metadata is updated in place, the postings' with them."""
    filename = proposals.path or STDIN_NAME
    sources = [getattr(error, "source", None) for error in errors]
    for entry in itertools.chain(entries, (getattr(error, "entry", None) for error in errors)):
        meta = getattr(entry, "meta", None)
        if isinstance(meta, dict) and meta.get("filename") == IN_MEMORY:
            sources += [meta, *(posting.meta for posting in getattr(entry, "postings", None) or ())]
    for meta in sources:
        if isinstance(meta, dict) and meta.get("filename") == IN_MEMORY:
            meta["filename"] = filename
    return sorted((e for e in entries if isinstance(e, data.Transaction)
                   and e.meta.get("filename") == filename), key=lambda e: e.meta["lineno"])

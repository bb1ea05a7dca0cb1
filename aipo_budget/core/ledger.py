"""Reading a ledger for the CLI: no pickle cache, and unreadable input as one clear error.

Beancount's pickle cache ignores changes of the plugin's code and of the rules, so the ledger is
loaded as Fava loads it, with ``loader._load``, which never reads nor writes a cache file.

The include tree is first walked as Beancount walks it (breadth first, each file once, globs
relative to the including file): a file that is not UTF-8 text, or an include that names a
folder or an unreadable file, is reported naming the file and the ``include`` line; so are
Beancount's own "File glob ... does not match any files" and "Duplicate filename parsed",
which it reports at ``<load>:0``.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import glob
import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from beancount import loader
from beancount.core import data, flags
from beancount.ops import balance, pad, validation

from aipo_budget.core.errors import AipoBudgetError
from aipo_budget.core.paths import as_given
from aipo_budget.core.tally import one_line

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

# Errors that mean the input could not be read at all (exit status 2), by class name.
UNREADABLE = {"ParserError", "ParserSyntaxError", "LexerError", "LoadError"}
# A problem line stays readable: Beancount quotes a whole invalid token (binary garbage).
MAX_MESSAGE = 200

INCLUDE_LINE = re.compile(r'^[ \t]*include[ \t]+"((?:[^"\\\n]|\\.)*)"', re.MULTILINE)
MISSING_GLOB = re.compile(r'^File glob "(.*)" does not match any files$')
DUPLICATE = re.compile(r'^Duplicate filename parsed: "(.*)"$')

Problem = tuple[str, int, str]


class LedgerInputError(Exception):
    """The ledger cannot be read; ``problems`` are (filename, lineno, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(f"{f}:{n}: {m}" for f, n, m in problems))
        self.problems = problems


@dataclass(frozen=True)
class Include:
    """An ``include "pattern"`` line of ``filename`` (absolute), and the files it names."""

    filename: str
    lineno: int
    pattern: str
    matches: tuple[str, ...]


@dataclass
class IncludeTree:
    """The include lines met walking from the top-level file, as Beancount will."""

    includes: list[Include] = field(default_factory=list)
    origin: dict[str, Include] = field(default_factory=dict)  # file -> the line naming it first
    again: dict[str, Include] = field(default_factory=dict)  # file -> a line naming it again
    problems: list[Problem] = field(default_factory=list)


def not_text(content: bytes) -> str | None:
    """Why ``content`` is not a UTF-8 text file (the first offending byte), or None."""
    offsets = [content.index(b"\0")] if b"\0" in content else []  # valid UTF-8, yet no text
    try:
        content.decode("utf-8")
    except UnicodeDecodeError as exc:
        offsets.append(exc.start)
    if not offsets:
        return None
    offset = min(offsets)
    return f"not a UTF-8 text file (byte 0x{content[offset]:02x} at offset {offset})"


def _unreadable(include: Include, match: str) -> str | None:
    """Why the file ``match`` named by ``include`` cannot be read by Beancount, or None."""
    if os.path.isdir(match):
        reason = "it is a folder"
    elif not os.path.isfile(match):  # a FIFO would block Beancount forever; a device too
        reason = "not a regular file"
    elif not os.access(match, os.R_OK):
        reason = "Permission denied"
    else:
        return None
    named = os.path.relpath(match, os.path.dirname(include.filename))
    return f'include "{include.pattern}": {named}: cannot read: {reason}'


def walk_includes(top: str, show: Callable[[str], str] = str) -> IncludeTree:
    """Walk the include tree from ``top`` (absolute) as ``loader._parse_recursive`` does;
    ``show`` gives a file's path for messages."""
    tree, queue, seen = IncludeTree(), [top], {top}
    while queue:
        current = queue.pop(0)
        text = _read_text(tree, current, show) or ""
        for match in INCLUDE_LINE.finditer(text):
            pattern = re.sub(r"\\(.)", r"\1", match[1])
            search = os.path.join(os.path.dirname(current), pattern)  # as is when absolute
            include = Include(current, text.count("\n", 0, match.start()) + 1, pattern,
                              tuple(os.path.normpath(m) for m in glob.glob(search, recursive=True)))
            tree.includes.append(include)
            queue.extend(_follow(tree, include, seen))
    return tree


def _read_text(tree: IncludeTree, filename: str, show: Callable[[str], str]) -> str | None:
    """The text of ``filename``, or None with the problem added to ``tree``."""
    origin = tree.origin.get(filename)
    try:
        with open(filename, "rb") as file:
            content = file.read()
    except OSError as exc:
        place = (origin.filename, origin.lineno) if origin else (filename, 0)
        tree.problems.append((*place, f"cannot read: {exc.strerror or exc}"))
        return None
    reason = not_text(content)
    if not reason and content.startswith(b"\xef\xbb\xbf"):
        reason = "starts with a byte-order mark, which Beancount cannot read (save without BOM)"
    if reason:
        where = f", included by {show(origin.filename)}:{origin.lineno}" if origin else ""
        tree.problems.append((filename, 0, reason + where))
        return None
    return content.decode("utf-8")


def _follow(tree: IncludeTree, include: Include, seen: set[str]) -> list[str]:
    """The files ``include`` adds to the walk; those named again are noted, not followed."""
    new = []
    for match in include.matches:
        if match in seen:
            tree.again.setdefault(match, include)
            continue
        seen.add(match)
        problem = _unreadable(include, match)
        if problem:
            tree.problems.append((include.filename, include.lineno, problem))
        else:
            tree.origin[match] = include
            new.append(match)
    return new


def _cycle_or_twice(tree: IncludeTree, include: Include, target: str) -> str:
    here = os.path.dirname(include.filename)
    named = os.path.relpath(target, here)
    ancestor, chain = include.filename, set()
    while ancestor not in chain:  # up the chain of including files
        chain.add(ancestor)
        if ancestor == target:
            return (f'include "{include.pattern}" makes an include cycle '
                    f"({named} includes this file)")
        parent = tree.origin.get(ancestor)
        if parent is None:
            break
        ancestor = parent.filename
    first = tree.origin.get(target)
    where = f" by {os.path.relpath(first.filename, here)}:{first.lineno}" if first else ""
    return f'include "{include.pattern}": {named} is already included{where}'


def _where(error: Any, top: str, tree: IncludeTree | None = None) -> Problem:
    """One line for one of Beancount's errors: file, line, and the gist of the message."""
    source = getattr(error, "source", None) or {}
    message = str(getattr(error, "message", error)).strip()
    lines = [line for line in message.splitlines() if line.strip()] or [type(error).__name__]
    head, marker, _rest = lines[0].partition("Traceback (most recent call last)")
    # a plugin that failed carries a traceback: what failed, and the exception at the end
    text = f"{head.rstrip().removesuffix(':')}: {lines[-1].strip()}" if marker else lines[0]
    filename = str(source.get("filename") or "<load>")
    located = _locate_include(text, tree) if tree and filename == "<load>" else None
    if located:
        return located
    text = one_line(text.strip())
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 3] + "..."
    # Beancount's "<load>": the loading of the ledger as a whole
    return top if filename.startswith("<") else filename, int(source.get("lineno") or 0), text


def _locate_include(text: str, tree: IncludeTree) -> Problem | None:
    """Beancount's include errors, given the including file and line."""
    missing = MISSING_GLOB.match(text)
    if missing:
        for include in tree.includes:
            if include.pattern == missing[1] and not include.matches:
                return (include.filename, include.lineno,
                        f'include "{include.pattern}" does not match any files')
    duplicate = DUPLICATE.match(text)
    if duplicate and duplicate[1] in tree.again:
        include = tree.again[duplicate[1]]
        return include.filename, include.lineno, _cycle_or_twice(tree, include, duplicate[1])
    return None


def _one_per_line(problems: list[Problem]) -> list[Problem]:
    """The first problem of each line: Beancount's lexer reports every token of a bad line."""
    seen: set[tuple[str, int]] = set()
    kept = []
    for problem in problems:
        if not (problem[1] and problem[:2] in seen):
            seen.add(problem[:2])
            kept.append(problem)
    return kept


def beancount_errors(errors: list[Any]) -> list[Any]:
    """Beancount's own errors, without those our plugin added (callers have the findings)."""
    return [e for e in errors if not isinstance(e, AipoBudgetError)]


def check_ledger_path(path: str) -> str:
    """The absolute path of ``path`` if it is a readable file; else LedgerInputError."""
    filename = os.path.abspath(path)
    if not os.path.exists(filename):
        raise LedgerInputError([(path, 0, "no such ledger file")])
    if not os.path.isfile(filename):
        raise LedgerInputError([(path, 0, "not a file")])
    try:
        open(filename, "rb").close()  # only whether it opens
    except OSError as exc:
        raise LedgerInputError([(path, 0, f"cannot read: {exc.strerror}")]) from None
    return filename


def load_ledger(path: str, proposed: str | None = None
                ) -> tuple[list[data.Directive], list[Any], dict[str, Any]]:
    """Load ``path`` as Fava does (``loader._load``: no pickle cache); return (entries,
    Beancount's errors, options) or raise LedgerInputError, whose problems name files as the
    user would (:func:`aipo_budget.core.paths.as_given`).

    ``proposed`` is Beancount text loaded as one more file (``check --pending``): its entries
    carry the filename ``<string>``."""
    filename = check_ledger_path(path)
    show = functools.partial(as_given, ledger=path)
    tree = walk_includes(filename, show)
    if tree.problems:
        raise LedgerInputError([(show(f), n, m) for f, n, m in tree.problems])
    sources = [(filename, True)] + ([(proposed, False)] if proposed is not None else [])
    try:
        with collector_paused():
            entries, errors, options_map = loader._load(sources, None, None, None)
    except OSError as exc:  # an included file that went away or changed since the walk
        where = show(str(exc.filename)) if exc.filename else path
        raise LedgerInputError([(where, 0, f"cannot read: {exc.strerror or exc}")]) from None
    except ArithmeticError as exc:  # Beancount's own arithmetic, e.g. beyond 28 digits
        raise LedgerInputError([(path, 0, "Beancount could not process an amount "
                                          f"({type(exc).__name__}): is one beyond 28 digits?")]
                               ) from None
    fatal = [_where(e, filename, tree) for e in errors if type(e).__name__ in UNREADABLE]
    if fatal:
        raise LedgerInputError([(show(f), n, m) for f, n, m in _one_per_line(fatal)])
    return entries, beancount_errors(errors), options_map


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off during the load (left as found): the load allocates
    millions of objects that all live on, so each automatic full collection walks a larger heap
    to free nothing (at 50k transactions, a third of the load's time, for the same peak)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def is_revalidated(error: Any) -> bool:
    """Whether ``error`` comes from Beancount's last steps, which judge the ledger as a whole:
    padding, balance assertions, validation. An unbalanced transaction is booking's
    BalanceError, not a balance assertion's."""
    if isinstance(error, balance.BalanceError):
        return isinstance(error.entry, data.Balance)
    return isinstance(error, (pad.PadError, validation.ValidationError))


def revalidated(entries: list[data.Directive], options: dict[str, Any]
                ) -> tuple[list[data.Directive], list[Any]]:
    """``entries`` (loaded with others since taken out, such as ``check --pending``'s
    proposals) through Beancount's last steps again, as ``loader._load`` runs them: padding
    made anew, balance assertions (both only in the default plugin mode), validation."""
    if options.get("plugin_processing_mode") == "raw":
        return entries, list(validation.validate(entries, options))
    kept = [e for e in entries
            if not (isinstance(e, data.Transaction) and e.flag == flags.FLAG_PADDING)]
    padded, errors = pad.pad(kept, options)
    checked, balance_errors = balance.check(padded, options)
    return checked, [*errors, *balance_errors, *validation.validate(checked, options)]

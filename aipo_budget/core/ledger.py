"""Reading a ledger for the CLI: no pickle cache, and unreadable input as one clear error.

Beancount's pickle cache ignores changes of the plugin's code and of the rules, so the ledger is
loaded as Fava loads it, with ``loader._load``, which never reads nor writes a cache file.

The include tree is first walked as Beancount walks it, for what Beancount cannot say well: a
file that cannot be read (a FIFO would block it forever) or starts with a byte-order mark.
Beancount's own "File glob ... does not match any files" and "Duplicate filename parsed", which
it reports at ``<load>:0``, are then given the including file and line the walk met.

Beancount decides what a ledger is. Bytes that are no UTF-8 text (a Latin-1 letter, a NUL) in a
file Beancount reads without error (in a comment, which it skips) are a warning naming the
file and the line (:class:`NotText`); where Beancount cannot read such a line, the file is
refused as no UTF-8 text (a PDF given as a ledger), in one line rather than an error per token.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import gc
import glob
import os
import re
import stat
from typing import TYPE_CHECKING, Any, NamedTuple

from beancount import loader
from beancount.core import data, flags
from beancount.ops import balance, pad

from aipo_budget.core.errors import AipoBudgetError
from aipo_budget.core.paths import as_given
from aipo_budget.core.tally import one_line

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# Errors that mean the input could not be read at all (exit status 2), by class name.
UNREADABLE = {"ParserError", "ParserSyntaxError", "LexerError", "LoadError"}
# A problem line stays readable: Beancount quotes a whole invalid token (binary garbage).
MAX_MESSAGE = 200

NOT_TEXT = re.compile("[\0\udc80-\udcff]")  # a NUL, or a byte no UTF-8 sequence holds
INCLUDE_LINE = re.compile(r'^[ \t]*include[ \t]+"((?:[^"\\\n]|\\.)*)"', re.MULTILINE)
NO_SUCH_DAY = re.compile(r"ValueError: ((?:day|month|year) (?:is out of range|must be).*)$")
MISSING_GLOB = re.compile(r'^File glob "(.*)" does not match any files$')
DUPLICATE = re.compile(r'^Duplicate filename parsed: "(.*)"$')
LONE_RETURN = re.compile(r"\r(?!\n)")  # a carriage return that ends no line
# Metadata written under a key where Beancount records an entry's place: the written value
# replaces Beancount's own (data.new_metadata), and the entry seems made by a plugin. On an
# entry's metadata line, or by a pushmeta (copied into every entry until its popmeta).
PLACE_KEY = re.compile(r"^(?:[ \t]+|pushmeta[ \t]+)(filename|lineno)[ \t]*:[ \t]*(.*)$",
                       re.MULTILINE)
ENTRY_START = re.compile(r"(\d{4})-(\d\d)-(\d\d)[ \t]")
NUMBER = re.compile(r"-?[\d,]+(\.\d*)?\b")

Problem = tuple[str, int, str]


class WrittenPlace(NamedTuple):
    """Metadata ``key`` (``filename`` or ``lineno``) written at ``key_line`` of ``filename``,
    in the entry that starts at ``lineno`` (dated ``date``; None if unreadable, or for a
    pushmeta, at its own line, which places every entry up to its popmeta)."""

    filename: str
    lineno: int
    date: datetime.date | None
    key: str
    key_line: int
    value: str  # as written

    @property
    def stops_beancount(self) -> bool:
        """A written line that is no number: Beancount's ordering of a day's entries fails."""
        return self.key == "lineno" and NUMBER.fullmatch(self.value.strip()) is None


def written_places(text: str, filename: str) -> list[WrittenPlace]:
    """The metadata of ``text`` written under Beancount's own keys for where an entry is: its
    place is then what the text says, not where it is written, and an entry at line 0 or in no
    ledger file is one a plugin made, which no seal and no audit pack records. A line inside
    a text (a narration or note over several lines) is no metadata."""
    if "filename" not in text and "lineno" not in text:
        return []
    found, line, at = [], 1, 0  # lines counted once, from one match to the next
    for match in PLACE_KEY.finditer(text):
        line, at = line + text.count("\n", at, match.start()), match.start()
        start, date = at, None
        while start > 0 and not match[0].startswith("pushmeta"):  # back to the entry's date
            start = text.rfind("\n", 0, start - 1) + 1
            head = ENTRY_START.match(text, start)
            if head is not None:
                with contextlib.suppress(ValueError):
                    date = datetime.date(*map(int, head.groups()))
                break
        written = text[start:at]
        if _opens_text(written):
            continue  # within a text that the entry's line opened
        found.append(WrittenPlace(filename, line - written.count("\n"), date, match[1], line,
                                  match[2]))
    return found


def _opens_text(written: str) -> bool:
    """Whether ``written`` leaves a quoted text open: an odd count of its unescaped quotes."""
    return (written.count('"') - written.count('\\"')) % 2 == 1


def _pushed(files: list[str], show: Callable[[str], str]) -> list[Problem]:
    """The last ``pushmeta`` of each file that pushes more than it pops: Beancount's report of
    one left pushed with a number fails (TypeError) instead of naming it."""
    found = []
    for filename in files:
        with contextlib.suppress(OSError, ValueError):
            text = _text(filename)[0]
            pushes = [m.start() for m in re.finditer(r"^pushmeta\b", text, re.MULTILINE)]
            if len(pushes) > len(re.findall(r"^popmeta\b", text, re.MULTILINE)):
                found.append((show(filename), text.count("\n", 0, pushes[-1]) + 1,
                              "metadata pushed (pushmeta) and never popped (popmeta)"))
    return found


def places_written(options: dict[str, Any] | None) -> list[WrittenPlace]:
    """:func:`written_places` of every ledger file Beancount read (those it could not read
    are its errors)."""
    found = []
    for filename in (options or {}).get("include") or ():
        with contextlib.suppress(OSError, ValueError):
            found += written_places(_text(filename)[0], filename)
    return found


def lone_return(text: str) -> tuple[int, str] | None:
    """(line, why) for the first carriage return of ``text`` that ends no line (CR alone, as
    old Mac OS wrote line endings) within a comment, with text after it: Beancount reads past
    it as within one line, so what follows is the comment's, a whole file of such lines one
    comment, and its entries are gone without an error. Elsewhere a CR is white space to it
    (CR CR LF, a CR at the end)."""
    if "\r" not in text:
        return None
    for match in LONE_RETURN.finditer(text):
        at = match.start()
        before = text[text.rfind("\n", 0, at) + 1:at]
        end = text.find("\n", at)
        after = text[at + 1:end if end >= 0 else len(text)]
        comment = before.find(";")
        if comment >= 0 and after.strip() and not _opens_text(before[:comment]):
            break
    else:
        return None
    return (text.count("\n", 0, at) + 1,
            "holds a carriage return that ends no line (CR alone, not CR LF): Beancount reads "
            "on as one line, and what follows a comment is lost; save it with LF or CR LF "
            "line endings")


class LedgerInputError(Exception):
    """The ledger cannot be read; ``problems`` are (filename, lineno, message)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(f"{f}:{n}: {m}" for f, n, m in problems))
        self.problems = problems


class NotText(NamedTuple):
    """Bytes that are no UTF-8 text in a file Beancount read without error: as Beancount's
    errors are (``source``, ``message``, ``entry``), a warning of the ledger rule."""

    source: dict[str, Any]
    message: str
    entry: Any = None


class Stray(NamedTuple):
    """The bytes of a file that are no UTF-8 text (an invalid sequence, a NUL): the lines that
    hold one, and the first such byte."""

    lines: tuple[int, ...]
    byte: int

    def __str__(self) -> str:
        more = len(self.lines) - 1
        return (f"byte 0x{self.byte:02x} at line {self.lines[0]}"
                + (f" and more on {more} other line{'s' if more > 1 else ''}" if more else ""))


class Include(NamedTuple):
    """An ``include "pattern"`` line of ``filename`` (absolute), and the files it names."""

    filename: str
    lineno: int
    pattern: str
    matches: tuple[str, ...]


def stray_bytes(content: bytes) -> Stray | None:
    """The bytes of ``content`` that are no UTF-8 text, or None for UTF-8 text."""
    return _decoded(content)[1]


def _decoded(content: bytes) -> tuple[str, Stray | None]:
    """``content`` as text (a byte that is no UTF-8 text as U+DC00 plus the byte, as Python
    names files) and its bytes that are no text."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = content.decode("utf-8", "surrogateescape")
    else:
        if "\0" not in text:
            return text, None
    found, line, at = [], 1, 0
    for match in NOT_TEXT.finditer(text):  # the lines counted once, however many bytes
        line, at = line + text.count("\n", at, match.start()), match.start()
        found.append((line, ord(match[0]) & 0xFF))
    return text, Stray(tuple(dict.fromkeys(number for number, _byte in found)), found[0][1])


def _text(filename: str) -> tuple[str, Stray | None]:
    """The text of ``filename`` and its bytes that are no UTF-8 text (:func:`_decoded`):
    OSError if it cannot be read, ValueError if Beancount cannot read it whatever it holds."""
    fd = os.open(filename, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO never blocks
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise OSError(0, "it is a folder" if stat.S_ISDIR(mode) else "not a regular file")
        content = file.read()
    if content.startswith(b"\xef\xbb\xbf"):
        raise ValueError("starts with a byte-order mark, which Beancount cannot read (save "
                         "without BOM)")
    return _decoded(content)


class Walk(NamedTuple):
    """What walking a ledger's include tree met: its include lines, the files that could not
    be read, and the bytes that are no UTF-8 text of each file that has some."""

    includes: list[Include]
    problems: list[Problem]
    strays: dict[str, tuple[Stray, Include | None]]  # file -> its bytes, the line naming it


def walk_includes(top: str, show: Callable[[str], str] = str) -> Walk:
    """The include lines met walking from ``top`` (absolute) as ``loader._parse_recursive``
    does (breadth first, each file once, globs relative to the including file), and what
    could not be read, each file named in messages by ``show``."""
    walk = Walk([], [], {})
    queue, origin = [top], {top: None}  # file -> the include line that named it first
    # a file read under another name already (a folder linked into a glob's reach): Beancount
    # tells files by name, and would read it twice, every amount in it counted twice
    seen = {os.path.realpath(top): top}
    while queue:
        current = queue.pop(0)
        try:
            text, stray = _text(current)
        except (OSError, ValueError) as exc:
            walk.problems.append(_unread(current, origin[current], exc, show))
            continue
        if stray is not None:
            walk.strays[current] = (stray, origin[current])
        lone = lone_return(text) if stray is None else None
        if lone is not None:
            walk.problems.append((current, *lone))
        # the line-anchored pattern is slow over a large file: not run where no line can match
        for match in INCLUDE_LINE.finditer(text) if "include" in text else ():
            pattern = re.sub(r"\\(.)", r"\1", match[1])
            search = os.path.join(os.path.dirname(current), pattern)  # as is when absolute
            include = Include(current, text.count("\n", 0, match.start()) + 1, pattern,
                              tuple(os.path.normpath(m) for m in glob.glob(search, recursive=True)))
            walk.includes.append(include)
            for named in include.matches:
                if named in origin:
                    continue
                first = seen.setdefault(os.path.realpath(named), named)
                if first != named:
                    walk.problems.append((current, include.lineno, _twice(include, named, first,
                                                                          show)))
                    continue
                origin[named] = include
                queue.append(named)
    return walk


def _twice(include: Include, named: str, first: str, show: Callable[[str], str]) -> str:
    return (f'include "{include.pattern}" reaches {show(named)}, which is {show(first)} again '
            "through a symbolic link: Beancount would read it twice and count every amount in "
            "it twice; keep the link out of the include's reach")


def _included_by(origin: Include | None, show: Callable[[str], str]) -> str:
    return f", included by {show(origin.filename)}:{origin.lineno}" if origin else ""


def _unread(filename: str, origin: Include | None, exc: Exception,
            show: Callable[[str], str]) -> Problem:
    """Why ``filename``, named by ``origin`` (None: the top file), could not be walked."""
    if isinstance(exc, ValueError):  # no text: the file itself is at fault
        return filename, 0, f"{exc}{_included_by(origin, show)}"
    reason = f"cannot read: {getattr(exc, 'strerror', None) or exc}"
    if origin is None:
        return filename, 0, reason
    named = os.path.relpath(filename, os.path.dirname(origin.filename))
    return origin.filename, origin.lineno, f'include "{origin.pattern}": {named}: {reason}'


def _named_again(includes: list[Include], top: str, target: str) -> Problem | None:
    """Beancount's "Duplicate filename parsed": the include line that named ``target`` again,
    and whether it closes a cycle or only names a file twice."""
    origin = {m: i for i in reversed(includes) for m in i.matches if m != top}  # the first
    again = [i for i in includes if target in i.matches][target != top:]
    if not again:
        return None
    include, here = again[0], os.path.dirname(again[0].filename)
    named = os.path.relpath(target, here)
    ancestor = include.filename
    while ancestor != target and ancestor in origin:  # up the chain of including files
        ancestor = origin[ancestor].filename
    if ancestor == target:
        message = f'include "{include.pattern}" makes an include cycle ({named} includes this file)'
    else:
        first = origin[target]
        message = (f'include "{include.pattern}": {named} is already included by '
                   f"{os.path.relpath(first.filename, here)}:{first.lineno}")
    return include.filename, include.lineno, message


def said(message: str) -> str:
    """One of Beancount's messages as a reader says it: a day its parser could not make
    (2006-06-31) is named as such, not as Python's ValueError."""
    match = NO_SUCH_DAY.match(message)
    return f"no such day on the calendar ({match[1]})" if match else message


def _where(error: Any, top: str, includes: list[Include] | None = None) -> Problem:
    """One line for one of Beancount's errors: file, line, and the gist of the message."""
    source = getattr(error, "source", None) or {}
    message = str(getattr(error, "message", error)).strip()
    lines = [line for line in message.splitlines() if line.strip()] or [type(error).__name__]
    head, marker, _rest = lines[0].partition("Traceback (most recent call last)")
    # a plugin that failed carries a traceback: what failed, and the exception at the end
    text = f"{head.rstrip().removesuffix(':')}: {lines[-1].strip()}" if marker else lines[0]
    filename = str(source.get("filename") or "<load>")
    located = _locate_include(text, includes, top) if includes and filename == "<load>" else None
    if located:
        return located
    text = said(one_line(text.strip()))
    if len(text) > MAX_MESSAGE:
        text = text[:MAX_MESSAGE - 3] + "..."
    # Beancount's "<load>": the loading of the ledger as a whole
    return top if filename.startswith("<") else filename, int(source.get("lineno") or 0), text


def _locate_include(text: str, includes: list[Include], top: str) -> Problem | None:
    """Beancount's include errors, given the including file and line."""
    missing = MISSING_GLOB.match(text)
    for include in includes if missing else ():
        if include.pattern == missing[1] and not include.matches:
            return (include.filename, include.lineno,
                    f'include "{include.pattern}" does not match any files')
    duplicate = DUPLICATE.match(text)
    return _named_again(includes, top, duplicate[1]) if duplicate else None


def _one_per_line(problems: list[Problem]) -> list[Problem]:
    """The first problem of each line: Beancount's lexer reports every token of a bad line."""
    first: dict[tuple[str, int | str], Problem] = {}
    for filename, lineno, message in problems:
        first.setdefault((filename, lineno or message), (filename, lineno, message))
    return list(first.values())


def unreadable(errors: Sequence[Any], top: str, includes: list[Include] | None = None
               ) -> list[Problem]:
    """Beancount's errors that say a line could not be read (a syntax error...), one problem
    each: the books then leave out that line's entry, so no verdict on them is whole."""
    return [_where(e, top, includes) for e in errors if type(e).__name__ in UNREADABLE]


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
    walk = walk_includes(filename, show)
    if walk.problems:
        raise LedgerInputError([(show(f), n, m) for f, n, m in walk.problems])
    sources = [(filename, True)] + ([(proposed, False)] if proposed is not None else [])
    # The cyclic garbage collector off during the load (left as found): the load allocates
    # millions of objects that all live on, so each automatic full collection walks a larger
    # heap to free nothing (at 50k transactions, a third of the load's time, for the same peak).
    enabled = gc.isenabled()
    gc.disable()
    try:
        entries, errors, options_map = loader._load(sources, None, None, None)
    except OSError as exc:  # an included file that went away or changed since the walk
        where = show(str(exc.filename)) if exc.filename else path
        raise LedgerInputError([(where, 0, f"cannot read: {exc.strerror or exc}")]) from None
    except (TypeError, AttributeError) as exc:  # a written line that is text, a pushmeta
        # with a number never popped, a plugin's output that is no (entries, errors)
        files = list(dict.fromkeys([filename, *(m for include in walk.includes
                                                for m in include.matches)]))
        raise LedgerInputError([
            (show(p.filename), p.key_line, f"metadata '{p.key}' is where Beancount records an "
             "entry's line: a written one that is no number stops Beancount; remove it")
            for p in places_written({"include": files})
            if p.stops_beancount] or _pushed(files, show)
            or [(path, 0, f"Beancount failed loading the ledger ({type(exc).__name__}: "
                          f"{exc}): does a plugin return something other than its entries "
                          "and errors?")]) from None
    except ArithmeticError as exc:  # Beancount's own arithmetic, e.g. beyond 28 digits
        raise LedgerInputError([(path, 0, "Beancount could not process an amount "
                                          f"({type(exc).__name__}): is one beyond 28 digits?")]
                               ) from None
    finally:
        if gc.get_freeze_count() == 0:
            # what the load allocated lives on: put in the oldest generation as it is, not
            # walked by the young collections that would otherwise fall due once re-enabled
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()
    if any(str(getattr(e, "message", "")).startswith("KeyboardInterrupt") for e in errors):
        raise KeyboardInterrupt  # Ctrl-C while Beancount's parser called back: one of its errors
    fatal = unreadable(errors, filename, walk.includes)
    if fatal:
        raise LedgerInputError([(show(f), n, m) for f, n, m in _one_per_line(
            _no_text([*_valueless(entries), *fatal], walk, show))])
    return entries, [*beancount_errors(errors), *_not_text(walk)], options_map


def _valueless(entries: list[data.Directive]) -> list[Problem]:
    """The ``custom`` entries with no value: Beancount's parser gives them None for a list,
    and its pad plugin then fails on the whole ledger ("'NoneType' object is not iterable")
    without naming one."""
    return [(e.meta["filename"], e.meta["lineno"],
             f'custom "{e.type}" has no value, which Beancount\'s plugins cannot read: give '
             "it one") for e in entries if isinstance(e, data.Custom) and e.values is None]


def _no_text(fatal: list[Problem], walk: Walk, show: Callable[[str], str]) -> list[Problem]:
    """``fatal``, where Beancount could not read a line holding bytes that are no UTF-8 text,
    as one problem of that file (not an error per token of a PDF)."""
    unreadable = dict.fromkeys(f for f, n, _m in fatal
                               if f in walk.strays and n in walk.strays[f][0].lines)
    said = [(f, stray.lines[0], f"not a UTF-8 text file ({stray}): Beancount cannot read it"
                                f"{_included_by(origin, show)}")
            for f in unreadable for stray, origin in [walk.strays[f]]]
    return said + [problem for problem in fatal if problem[0] not in unreadable]


def _not_text(walk: Walk) -> list[NotText]:
    """A warning for each file Beancount read although it holds bytes that are no UTF-8 text."""
    return [NotText({"filename": f, "lineno": stray.lines[0]},
                    f"{stray} is no UTF-8 text: Beancount read the file past it, a program that "
                    "reads it as text may not (save the file as UTF-8)")
            for f, (stray, _origin) in walk.strays.items()]


def is_revalidated(error: Any) -> bool:
    """Whether ``error`` comes from Beancount's last steps that judge entries together:
    padding and balance assertions. An unbalanced transaction is booking's BalanceError, not
    a balance assertion's; validation judges each entry on its own."""
    if isinstance(error, balance.BalanceError):
        return isinstance(error.entry, data.Balance)
    return isinstance(error, pad.PadError)


def revalidated(entries: list[data.Directive], options: dict[str, Any]
                ) -> tuple[list[data.Directive], list[Any]]:
    """``entries`` (loaded with others since taken out, such as ``check --pending``'s
    proposals) through Beancount's last steps that judge entries together, as ``loader._load``
    runs them in its default plugin mode: padding made anew, then the balance assertions.
    Validation is not made again: it judges each entry on its own (and the accounts it names,
    which only the ledger opens), so its errors on the entries kept are the load's."""
    if options.get("plugin_processing_mode") == "raw":
        return entries, []
    kept = [e for e in entries
            if not (isinstance(e, data.Transaction) and e.flag == flags.FLAG_PADDING)]
    padded, errors = pad.pad(kept, options)
    checked, balance_errors = balance.check(padded, options)
    return checked, [*errors, *balance_errors]

"""The audit pack: every table as CSV and Markdown, an offline ``index.html`` with inline SVG
charts, and a ``manifest.json`` with the SHA-256 of every input and of every file it writes.

A pack never destroys. It replaces a folder only when that folder is an exact previous pack
(every file in it listed in its manifest's ``outputs`` with the same SHA-256), and at every
instant the old or the new pack is at the target: the new pack is written in a staging folder
beside the target and swapped in with ``renameat2(RENAME_EXCHANGE)`` (Linux); where that is
missing, the old pack is moved away and the new one moved in, and the old one is put back on
any failure, SIGINT or SIGTERM. A killed run leaves a marked staging folder that the next run
removes (first putting back a previous pack the fallback had moved away).

Evidence is read only when :func:`aipo_budget.evidence.safety` allows it (a regular file
inside the ledger's documents folders, symbolic links followed), checked before opening and
opened without blocking; any other is listed in the manifest as left out, with why.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import errno
import hashlib
import html
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aipo_budget import __version__, evidence
from aipo_budget.render import Table, dumps, render_csv, render_tables, render_text, text_value

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from aipo_budget.engine import Audit

STAGING = ".aipo-staging."  # staging folders are named .<target name>.aipo-staging.<random>
MARKER = "AIPO-STAGING"  # ... and hold this file: only such folders are ever removed
MARKER_TEXT = b"aipo-budget: an audit pack being written; a later run removes this folder\n"
RENAME_EXCHANGE, AT_FDCWD = 2, -100  # linux/fs.h, linux/fcntl.h
NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}
REFUSED = "nothing was replaced"


def _reached(step: str) -> None:
    """Does nothing: the tests replace it to kill the writer at each step."""


STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}
th,td{border:1px solid #ccc;padding:.25em .5em;vertical-align:top}
th{background:#eee} td.num{text-align:right;white-space:nowrap}
h1{font-size:1.4em} h2{font-size:1.15em;margin-top:2em}
@media print{h2{page-break-before:always} body{margin:0}}
"""


def _html_table(table: Table) -> str:
    numeric = [any(isinstance(row[i], Decimal) for row in table.rows)
               for i in range(len(table.headers))]
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.headers)
    lines = []
    for row in list(table.rows) + ([table.totals] if table.totals else []):
        cells = "".join(
            f'<td class="num">{html.escape(text_value(v))}</td>' if numeric[i]
            else f"<td>{html.escape(text_value(v))}</td>"
            for i, v in enumerate(row)
        )
        lines.append(f"<tr>{cells}</tr>")
    notes = "".join(f"<p><em>{html.escape(n)}</em></p>" for n in table.notes)
    return (f'<h2 id="{table.name}">{html.escape(table.title)}</h2>\n<table><thead><tr>{head}'
            f"</tr></thead><tbody>\n" + "\n".join(lines) + f"\n</tbody></table>{notes}\n")


def budget_chart(table: Table) -> str:
    """Horizontal bars: surplus spending of each project against its allocation."""
    projects = [r for r in table.rows if r[1] == "(all)" and r[3]]
    if not projects:
        return ""
    width, bar, gap = 640, 22, 14
    height = len(projects) * (bar + gap) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="Budget use per project">']
    for i, row in enumerate(projects):
        y = 20 + i * (bar + gap)
        allocation, spent = row[3], row[4]
        ratio = float(min(spent / allocation, Decimal("1.5"))) if allocation else 0.0
        colour = {"within": "#3a7d44", "warning": "#d98e04", "exceeded": "#b3261e"}.get(
            row[9], "#777")
        scale = 400 / 1.5
        parts.append(f'<text x="0" y="{y + 15}" font-size="12">{html.escape(row[0])}</text>')
        parts.append(f'<rect x="200" y="{y}" width="{400 / 1.5:.1f}" height="{bar}" '
                     'fill="#eee" stroke="#999"/>')
        parts.append(f'<rect x="200" y="{y}" width="{ratio * scale:.1f}" height="{bar}" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{205 + 400:.0f}" y="{y + 15}" font-size="12" '
                     f'text-anchor="end">{html.escape(row[8])}</text>')
    parts.append('<text x="200" y="12" font-size="11">0</text>'
                 f'<text x="{200 + scale:.0f}" y="12" font-size="11">100 % of allocation</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def balance_chart(result: Audit, floor: Decimal) -> str:
    """The fund balance over time (a step line) against the reserve floor."""
    history = result.facts.fund_history
    if not history:
        return ""
    width, height, pad = 640, 220, 40
    first, last = history[0][0], max(history[-1][0], result.facts.as_of)
    span = max((last - first).days, 1)
    top = max(max(b for _, b in history), floor) * Decimal("1.1") or Decimal(1)

    def x(day: datetime.date) -> float:
        return pad + (width - 2 * pad) * (day - first).days / span

    def y(amount: Decimal) -> float:
        return height - pad - float(amount / top) * (height - 2 * pad)

    points, previous = [], None
    for day, balance in history:
        if previous is not None:
            points.append(f"{x(day):.1f},{y(previous):.1f}")
        points.append(f"{x(day):.1f},{y(balance):.1f}")
        previous = balance
    points.append(f"{x(last):.1f},{y(previous):.1f}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        'aria-label="Surplus Fund balance against the reserve floor">'
        f'<polyline fill="none" stroke="#1f5fa8" stroke-width="2" points="{" ".join(points)}"/>'
        f'<line x1="{pad}" x2="{width - pad}" y1="{y(floor):.1f}" y2="{y(floor):.1f}" '
        'stroke="#b3261e" stroke-dasharray="6 4"/>'
        f'<text x="{pad}" y="{y(floor) - 4:.1f}" font-size="11" fill="#b3261e">reserve floor '
        f'{html.escape(text_value(floor))} USD</text>'
        f'<text x="{pad}" y="{height - 10}" font-size="11">{first}</text>'
        f'<text x="{width - pad}" y="{height - 10}" font-size="11" text-anchor="end">{last}</text>'
        f'<text x="{pad}" y="14" font-size="11">top: {html.escape(text_value(top))} USD</text>'
        "</svg>"
    )


def index_html(tables: Sequence[Table], result: Audit, title: str) -> str:
    by_name = {t.name: t for t in tables}
    floor = Decimal(0)
    if "fund-statement" in by_name:
        for row in by_name["fund-statement"].rows:
            if row[0] == "Reserve floor":
                floor = row[2]
    charts = []
    if "budget" in by_name:
        charts.append("<h2>Budget use per project</h2>" + budget_chart(by_name["budget"]))
    charts.append("<h2>Surplus Fund balance and reserve floor</h2>" + balance_chart(result, floor))
    body = "\n".join(_html_table(t) for t in tables)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>\n"
            f"<h1>{html.escape(title)}</h1>\n" + "\n".join(charts) + "\n" + body
            + "</body></html>\n")


# --- the manifest -------------------------------------------------------------------------


def manifest(inputs: dict[str, list[dict[str, str]]], left_out: list[dict[str, str]],
             outputs: list[dict[str, str]], settings: dict[str, Any]) -> str:
    """What the pack was made from and what it holds: every input and every file written
    (manifest.json aside) with its SHA-256, and the evidence files left unread."""
    return dumps({
        "tool": "aipo-budget",
        "version": __version__,
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "settings": settings,
        "inputs": inputs,
        "evidence_left_out": left_out,
        "outputs": sorted(outputs, key=lambda item: item["path"]),
    })


# --- reading files that may be hostile ----------------------------------------------------


class PackError(Exception):
    """The pack cannot be written where asked; the message names the file and says why."""


def _open_readonly(path: str) -> int:
    """Open for reading without ever blocking: a FIFO swapped in after the check opens at once.
    (The tests replace this to simulate an unreadable file when they run as root.)"""
    flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
             | getattr(os, "O_CLOEXEC", 0))
    return os.open(path, flags)


def _digest(path: str, checked: os.stat_result) -> str:
    """SHA-256 of the regular file ``path`` whose stat, taken before opening, is ``checked``;
    OSError when it cannot be read or is no longer that file."""
    fd = _open_readonly(path)
    with os.fdopen(fd, "rb") as handle:
        now = os.fstat(fd)
        if (not stat.S_ISREG(now.st_mode)
                or (now.st_dev, now.st_ino) != (checked.st_dev, checked.st_ino)):
            raise OSError(errno.ESTALE, "it was replaced while the pack was written", path)
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _why_left_out(path: str, roots: Sequence[str]) -> str | None:
    """Why an evidence file is not read, or None: evidence.safety decides, this only names
    the reason for the manifest. OSError when it cannot even be looked at."""
    if evidence.safety(path, roots) is None:
        return None
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "does not exist"
    return "outside the documents folders" if stat.S_ISREG(mode) else "not a regular file"


def _digest_file(path: str) -> str:
    """SHA-256 of the file ``path`` leads to, read only if it is a regular file (a path through
    links is resolved once, so it cannot be pointed elsewhere between check and read)."""
    real = os.path.realpath(path)
    checked = os.stat(real)
    if not stat.S_ISREG(checked.st_mode):
        raise OSError(errno.ESTALE, "it was replaced while the pack was written", path)
    return _digest(real, checked)


def _input_digest(path: str, show: Callable[[str], str]) -> str:
    """SHA-256 of a ledger or rules file (read already, but it may have changed since)."""
    try:
        return _digest_file(path)
    except OSError as exc:
        raise PackError(f"{show(path)}: cannot be read ({exc.strerror or exc}); {REFUSED}"
                        ) from None


def read_evidence(paths: Iterable[str], roots: Sequence[str], root: str,
                  show: Callable[[str], str]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The manifest entries of the evidence files that may be read (regular files inside the
    documents folders ``roots``, checked before opening) and of those left out, with why.
    An evidence file that may be read but cannot is a PackError naming it (``show``)."""
    read, left_out = [], []
    for path in sorted(set(paths)):
        try:
            why = _why_left_out(path, roots)
            if why is None:
                read.append({"path": evidence.inside(path, root), "sha256": _digest_file(path)})
            else:
                left_out.append({"path": evidence.inside(path, root), "why": why})
        except OSError as exc:
            raise PackError(f"{show(path)}: cannot read this evidence file "
                            f"({exc.strerror or exc}); {REFUSED}") from None
    return read, left_out


# --- what may be replaced -----------------------------------------------------------------


def _contents(folder: str, prefix: str = "") -> Iterator[tuple[str, str, os.stat_result]]:
    """Everything under ``folder``, symbolic links not followed: (path relative to it with
    '/', path, lstat), sorted, folders before their contents."""
    with os.scandir(folder) as found:
        entries = sorted(found, key=lambda entry: entry.name)
    for entry in entries:
        relative = prefix + entry.name
        info = entry.stat(follow_symlinks=False)
        yield relative, entry.path, info
        if stat.S_ISDIR(info.st_mode):
            yield from _contents(entry.path, relative + "/")


def _recorded(folder: str, first: str, shown: Callable[[str], str]) -> dict[str, str]:
    """The files the manifest of the pack in ``folder`` lists, path -> SHA-256."""
    path = os.path.join(folder, "manifest.json")
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise PackError(f"{shown(first)}: not part of an audit pack ({shown('')} has no "
                        f"manifest.json); {REFUSED}") from None
    try:
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(path)
        with os.fdopen(_open_readonly(path), "rb") as handle:
            content = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        content = None
    where = shown("manifest.json")
    if not isinstance(content, dict) or content.get("tool") != "aipo-budget":
        raise PackError(f"{where}: not the manifest of an aipo-budget audit pack; {REFUSED}")
    if "outputs" not in content:
        raise PackError(f"{where}: written by an older aipo-budget that did not list the files "
                        f"of its pack, so they cannot be checked; {REFUSED} (move the folder "
                        "away, or choose a new one)")
    try:
        return {str(item["path"]): str(item["sha256"]) for item in content["outputs"]}
    except (TypeError, KeyError):
        raise PackError(f"{where}: its list of outputs cannot be read; {REFUSED}") from None


def check_replaceable(folder: str, shown: Callable[[str], str]) -> None:
    """Refuse (PackError naming the file) unless ``folder`` is empty or an exact previous
    pack: every file in it, at any depth, listed in its manifest with the same SHA-256."""
    relative = ""
    try:
        contents = list(_contents(folder))
        if not contents:
            return
        recorded = _recorded(folder, contents[0][0], shown)
        # files first, so that a file put in a sub-folder is the one named
        for relative, path, info in sorted(contents,
                                           key=lambda item: stat.S_ISDIR(item[2].st_mode)):
            _check_one(relative, path, info, recorded, shown)
    except OSError as exc:
        if exc.filename and relative == "":
            relative = os.path.relpath(str(exc.filename), folder)
        raise PackError(f"{shown(relative)}: cannot be read ({exc.strerror or exc}); "
                        f"{REFUSED}") from None


def _check_one(relative: str, path: str, info: os.stat_result, recorded: dict[str, str],
               shown: Callable[[str], str]) -> None:
    if relative == "manifest.json":  # _recorded read it
        return
    if stat.S_ISDIR(info.st_mode):
        if any(name.startswith(relative + "/") for name in recorded):
            return
    elif stat.S_ISREG(info.st_mode) and relative in recorded:
        if _digest(path, info) == recorded[relative]:
            return
        raise PackError(f"{shown(relative)}: changed since the audit pack was written; {REFUSED}")
    raise PackError(f"{shown(relative)}: not part of the previous audit pack; {REFUSED}")


# --- staging folders ----------------------------------------------------------------------


@dataclass
class _Staging:
    """A folder beside the target holding the marker (kept open and locked while this run
    lives) and the new pack; after the swap, the previous pack."""

    path: Path
    lock: int
    holds_old: bool = False  # the previous pack is inside: never removed on failure

    @property
    def new(self) -> Path:
        return self.path / "pack"

    @property
    def old(self) -> Path:  # where the fallback moves the previous pack
        return self.path / "old"


def _prefix(target: Path) -> str:
    return f".{target.name}{STAGING}"


def _locked(fd: int) -> bool:
    """An exclusive lock on ``fd`` until it is closed or its process dies; False when a live
    run holds it (its staging folder is in use)."""
    try:
        import fcntl
    except ImportError:  # no flock: staging folders are told apart by the marker alone
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _make_staging(target: Path) -> _Staging:
    path = Path(tempfile.mkdtemp(prefix=_prefix(target), dir=target.parent))
    fd = os.open(path / MARKER, os.O_RDWR | os.O_CREAT | os.O_EXCL
                 | getattr(os, "O_CLOEXEC", 0), 0o600)
    _locked(fd)
    os.write(fd, MARKER_TEXT)
    (path / "pack").mkdir()
    _reached("staging created")
    return _Staging(path, fd)


def _discard(staging: _Staging, done: bool = False) -> None:
    """Remove the staging folder, unless it holds the previous pack and the run failed."""
    if done or not staging.holds_old:
        shutil.rmtree(staging.path, ignore_errors=True)
    os.close(staging.lock)


def _marker(folder: str) -> int | None:
    """The open marker file of a staging folder of ours, or None when it has none."""
    path = os.path.join(folder, MARKER)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        fd = _open_readonly(path)
    except OSError:
        return None
    try:
        if os.read(fd, len(MARKER_TEXT) + 1) == MARKER_TEXT:
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def sweep(target: Path) -> None:
    """Remove the staging folders that killed runs left beside ``target``: only folders
    named with our prefix that hold our marker, and not in use by a live run. The previous
    pack of a run killed between the fallback's two renames is first put back."""
    try:
        with os.scandir(target.parent) as found:
            candidates = sorted(entry.path for entry in found
                                if entry.name.startswith(_prefix(target))
                                and entry.is_dir(follow_symlinks=False))
    except FileNotFoundError:
        return
    for folder in candidates:
        fd = _marker(folder)
        if fd is None:
            continue
        try:
            if not _locked(fd):
                continue
            old = os.path.join(folder, "old")
            if os.path.isdir(old) and not os.path.islink(old) and not os.path.lexists(target):
                os.rename(old, target)
            shutil.rmtree(folder, ignore_errors=True)
        finally:
            os.close(fd)


# --- putting the new pack in place ----------------------------------------------------------


class _Interrupted(BaseException):
    """SIGINT or SIGTERM during the pack (a BaseException: no handler on the way swallows it)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


class _Signals:
    """SIGINT and SIGTERM while a pack is written. While the staging folder is filled they
    stop the run at once (its clean-up removes the folder); once the folders are being swapped
    they are held back, so that no swap is left half done, and delivered when the old or the
    new pack is in place and the staging folder is gone."""

    def __init__(self, shown: str) -> None:
        self.shown = shown
        self.pending: int | None = None
        self.holding = False
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():  # only it may set handlers
            for number in (signal.SIGINT, signal.SIGTERM):
                self.previous[number] = signal.signal(number, self._received)
        return self

    def _received(self, number: int, frame: Any) -> None:
        if self.previous.get(number) == signal.SIG_IGN:  # the caller chose to ignore it
            return
        if self.pending is None:
            self.pending = number
        if not self.holding:
            raise _Interrupted(number)

    def hold(self) -> None:
        self.holding = True

    def check(self) -> None:
        if self.pending is not None:
            raise _Interrupted(self.pending)

    def __exit__(self, kind: Any, exc: BaseException | None, traceback: Any) -> None:
        self.holding = True
        for number, handler in self.previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        if self.pending is None:
            return
        # the caller's own handling now: Ctrl-C raises KeyboardInterrupt, SIGTERM ends the run
        signal.raise_signal(self.pending)
        if isinstance(exc, _Interrupted):  # the caller's handler returned
            raise PackError(f"{self.shown}: interrupted by "
                            f"{signal.Signals(self.pending).name}; {REFUSED}") from None


def _renameat2() -> Callable[..., int] | None:
    """libc's renameat2, or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint)
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step; False where the system or file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second),
                 RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in NO_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(second))


def _put_back(staging: _Staging, target: Path, swapped: bool) -> None:
    """Undo a swap or a move away: the previous pack goes back to ``target``."""
    try:
        if swapped:
            if not _exchange(staging.new, target):
                raise OSError(errno.ENOSYS, "the folders can no longer be exchanged")
        else:
            os.rename(staging.old, target)
    except OSError as exc:
        where = staging.new if swapped else staging.old
        with contextlib.suppress(OSError):  # no later run may remove the previous pack
            os.unlink(staging.path / MARKER)
        raise PackError(f"{target}: the previous pack could not be put back "
                        f"({exc.strerror or exc}); it is in {where}") from None
    staging.holds_old = False


def _put_in_place(staging: _Staging, target: Path, shown: Callable[[str], str],
                  signals: _Signals) -> None:
    """Put the new pack at ``target``; the previous one, if any, ends in the staging folder.
    Once moved aside, the previous pack is checked again: a file added to it since the first
    check is refused and the previous pack put back."""
    if not os.path.lexists(target):
        os.rename(staging.new, target)
        return
    if _exchange(staging.new, target):
        staging.holds_old = True  # `new` now names the previous pack
        try:
            check_replaceable(str(staging.new), shown)
        except BaseException:
            _put_back(staging, target, swapped=True)
            raise
        return
    # no atomic exchange: for a moment nothing is at target, so a failure or a signal there
    # puts the previous pack back (and a SIGKILL leaves it for the next run's sweep)
    os.rename(target, staging.old)
    staging.holds_old = True
    _reached("old moved away")
    try:
        signals.check()
        check_replaceable(str(staging.old), shown)
        os.rename(staging.new, target)
    except BaseException:
        _put_back(staging, target, swapped=False)
        raise


def _fsync_folder(path: Path) -> None:
    """Make a folder's entries durable (best effort: not every file system can)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write(folder: Path, name: str, text: str) -> dict[str, str]:
    """Write one file of the pack (``name`` may hold '/', for an ``evidence/`` folder) and
    return its manifest entry."""
    content = text.encode("utf-8")
    path = folder.joinpath(*name.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return {"path": name, "sha256": hashlib.sha256(content).hexdigest()}


def _target(out: str) -> Path:
    """The folder ``out`` names; PackError when it cannot hold a pack."""
    if not out:
        raise PackError("an empty output path names no folder")
    target = Path(out).resolve()
    if not target.name:
        raise PackError(f"{out}: the root folder cannot hold an audit pack")
    if os.path.lexists(target) and not target.is_dir():
        raise PackError(f"{out}: exists and is not a folder; {REFUSED}")
    return target


def write_pack(
    out: str,
    tables: Sequence[Table],
    result: Audit,
    title: str,
    inputs: dict[str, Sequence[str]],
    settings: dict[str, Any],
    root: str,
    evidence_files: Iterable[str] = (),
    roots: Sequence[str] = (),
    show: Callable[[str], str] = str,
) -> None:
    """Write the pack to ``out`` (as given; ``root`` is the ledger's folder).

    ``out`` must be new, empty, or an exact previous pack: anything else is refused
    (PackError naming the file), never replaced. ``inputs`` (ledger and rules files) are
    hashed as they are; ``evidence_files`` only when :func:`read_evidence` allows, given the
    documents folders ``roots``; ``show`` turns an evidence path into the user's form.
    """
    target = _target(out)

    def shown(relative: str) -> str:
        return os.path.join(out, *relative.split("/")) if relative not in ("", ".") else out

    target.parent.mkdir(parents=True, exist_ok=True)
    sweep(target)
    if target.is_dir():
        check_replaceable(str(target), shown)
    recorded = {kind: [{"path": evidence.inside(p, root), "sha256": _input_digest(p, show)}
                       for p in sorted(paths)] for kind, paths in inputs.items()}
    recorded["evidence"], left_out = read_evidence(evidence_files, roots, root, show)
    with _Signals(out) as signals:
        staging = _make_staging(target)
        try:
            outputs = []
            for name, text in _files(tables, result, title):
                outputs.append(_write(staging.new, name, text))
                _reached(f"written {name}")
            _write(staging.new, "manifest.json", manifest(recorded, left_out, outputs, settings))
            _reached("manifest written")
            _fsync_folder(staging.new)
            _reached("before exchange")
            signals.hold()
            _put_in_place(staging, target, shown, signals)
        except BaseException:
            signals.hold()
            _discard(staging)
            raise
        _reached("after exchange")
        _fsync_folder(target.parent)
        _discard(staging, done=True)
        _reached("old removed")


def _files(tables: Sequence[Table], result: Audit, title: str) -> Iterator[tuple[str, str]]:
    """The pack's files but the manifest, in the order they are written: (name, text)."""
    for table in tables:
        yield f"{table.name}.csv", render_csv(table)
        yield f"{table.name}.md", render_tables([table], "markdown")
    yield "index.html", index_html(tables, result, title)


__all__ = ["PackError", "check_replaceable", "index_html", "read_evidence", "render_text",
           "sweep", "write_pack"]

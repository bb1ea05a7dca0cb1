"""Evidence files: ``document`` metadata resolved exactly as Fava's ``link_documents`` does.

A value resolves to a Document entry's file, by its basename among the Document entries of the
transaction's accounts, or as a path relative to the transaction's file. Fava serves every
Document entry's file and the audit pack reads them, so evidence must also be a regular file
inside the ledger's documents folders (``option "documents"``), links followed: a link to
``/etc`` or a FIFO is an evidence error, never read.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.paths import shown

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence


def ledger_folder(options: dict[str, Any] | None) -> str:
    """The folder of the top-level ledger file."""
    return os.path.dirname(str((options or {}).get("filename") or "")) or os.getcwd()


def documents_roots(options: dict[str, Any] | None) -> tuple[str, ...]:
    """The ledger's documents folders (``option "documents"``), absolute."""
    base = ledger_folder(options)
    return tuple(os.path.normpath(os.path.join(base, folder))
                 for folder in (options or {}).get("documents") or ())


class RealPaths:
    """``os.path.realpath`` with each folder's real path looked up once: thousands of evidence
    files share a few folders, and a real path costs a system call per path component. One
    instance per audit (a folder may become a link between two loads)."""

    def __init__(self) -> None:
        self.folders: dict[str, str] = {}

    def __call__(self, path: str, *, link: bool | None = None) -> str:
        """``link``: whether ``path`` itself is a symbolic link, when the caller knows."""
        folder, name = os.path.split(os.path.abspath(path))
        if not name or (os.path.islink(path) if link is None else link):
            return os.path.realpath(path)
        return os.path.join(self.folder(folder), name)

    def folder(self, path: str) -> str:
        key = os.path.abspath(path)
        if key not in self.folders:
            self.folders[key] = os.path.realpath(key)
        return self.folders[key]


def file_mode(path: str) -> tuple[int, bool]:
    """(the mode of what ``path`` leads to, whether ``path`` is a symbolic link), with one
    system call for the usual file; OSError when there is nothing there."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return os.stat(path).st_mode, True
    return info.st_mode, False


def safety(path: str, roots: Sequence[str], real_path: RealPaths | None = None) -> str | None:
    """Why ``path`` may not be read as evidence, or None when it may: a regular file whose
    real path (symbolic links followed) is inside one of ``roots``."""
    return checked(path, roots, real_path or RealPaths())[0]


def checked(path: str, roots: Sequence[str], real_path: RealPaths) -> tuple[str | None, str]:
    """(why ``path`` may not be read as evidence, or None when it may, as :func:`safety`
    says; its real path, symbolic links followed, or ``path`` when there is nothing there)."""
    try:
        mode, link = file_mode(path)
    except OSError:
        return "does not exist", path
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode)
                else "a device or socket")
        return f"is {kind}, not a regular file", path
    real = real_path(path, link=link)
    for root in roots:
        top = real_path.folder(root)
        if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
            return None, real
    where = ", ".join(roots) if roots else 'none: the ledger has no option "documents"'
    return f"is outside the ledger's documents folders ({where})", real


@dataclass(frozen=True)
class Resolved:
    """Where a ``document`` value led: the evidence file, or why there is none."""

    path: str | None
    problem: str | None = None
    real: str | None = None  # the file ``path`` leads to, symbolic links followed


class Evidence:
    """Resolves ``document`` metadata exactly as fava.plugins.link_documents does."""

    def __init__(self, entries: Iterable[data.Directive], options: dict[str, Any] | None
                 ) -> None:
        self.base = ledger_folder(options)
        self.roots = documents_roots(options)
        self.real_path = RealPaths()
        self.by_fullname: set[str] = set()
        self.by_basename: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for entry in entries:
            if isinstance(entry, data.Document):
                self.by_fullname.add(entry.filename)
                self.by_basename[os.path.basename(entry.filename)].append(
                    (entry.account, entry.filename))

    def resolve(self, value: str, entry: data.Transaction) -> Resolved:
        accounts = {posting.account for posting in entry.postings}
        candidates = [name for account, name in self.by_basename.get(value, ())
                      if account in accounts]
        relative = os.path.normpath(os.path.join(_folder_of(entry), value))
        if relative in self.by_fullname:
            candidates.append(relative)
        problems = []
        for candidate in candidates:
            problem, real = checked(candidate, self.roots, self.real_path)
            if problem is None:
                return Resolved(candidate, real=real)
            problems.append(f"{self.shown(candidate)} {problem}")
        if problems:
            return Resolved(None, "; ".join(problems))
        return Resolved(None, "no such evidence file; searched " + self.searched(value, entry))

    def searched(self, value: str, entry: data.Transaction) -> str:
        """Where a value was looked for, for the finding's message."""
        places = [self.shown(os.path.join(root, *account.split(":"))) + "/"
                  for root in self.roots
                  for account in sorted({posting.account for posting in entry.postings})]
        places.append(self.shown(os.path.normpath(os.path.join(_folder_of(entry), value))))
        return ", ".join(places)

    def shown(self, path: str) -> str:
        return shown(path, self.base)


def _folder_of(entry: data.Transaction) -> str:
    """The folder a path is read from: the entry's file's (``check --pending -``, standard
    input, has none: the current folder, as for a proposal file there)."""
    return os.path.abspath(os.path.dirname(str(entry.meta.get("filename", ""))))

"""Where things are, and how a path is shown to the user: the one place that decides both."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

DEFAULT_RULES = "rules"  # the rules folder beside the ledger file


def shown(path: str, folder: str | None = None) -> str:
    """``path`` relative to ``folder`` (default: the working folder) when it lies inside it,
    else as it is: ``../../etc/x`` would only hide where a file really is."""
    try:
        relative = os.path.relpath(path, folder)
    except (ValueError, OSError):  # another drive (Windows), a working folder since removed
        return path
    outside = relative == os.pardir or relative.startswith(os.pardir + os.sep)
    return path if outside else relative


def as_given(path: str, ledger: str) -> str:
    """``path`` as the user would write it, given the ledger's path as they gave it: a file
    inside the ledger's folder is named from the ledger's path (``books/ledger/x.beancount``
    for ``books/main.beancount``), any other as it is."""
    if not os.path.isabs(path):
        return path
    if os.path.normpath(path) == os.path.abspath(ledger):
        return ledger
    inner = shown(path, os.path.dirname(os.path.abspath(ledger)))
    return path if inner == path else os.path.join(os.path.dirname(ledger), inner)


def rules_folder(ledger: str, configured: str | None = None) -> str:
    """The rules folder of the ledger file ``ledger``: ``configured`` (the plugin's or the
    Fava extension's config) relative to the ledger's folder, else ``rules`` beside it. ``~``
    is expanded here, as no shell reads a ledger (``--rules`` is the shell's to expand)."""
    base = os.path.dirname(os.path.abspath(ledger)) if ledger else os.getcwd()
    folder = (configured or "").strip() or DEFAULT_RULES
    return os.path.normpath(os.path.join(base, os.path.expanduser(folder)))


@dataclass(frozen=True)
class Location:
    """A line of the ledger: ``filename`` as the loader has it (absolute), ``shown`` as
    people read it (relative to the ledger's folder when inside it)."""

    filename: str
    lineno: int
    shown: str = ""

    def __str__(self) -> str:
        name = self.shown or self.filename
        return f"{name}:{self.lineno}" if self.lineno else name


# More than any file the tool reads whole (a seal's record or a pack's of 200,000 entries is
# about 30 MB): a larger one is refused by name, not read into memory until it fails.
MAX_READ = 1 << 30


def read_regular(path: str, limit: int = MAX_READ, follow: bool = True) -> bytes:
    """The bytes of the regular file ``path``, of at most ``limit`` bytes, through a symbolic
    link only if ``follow``; OSError otherwise (never blocks on a FIFO)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags if follow else flags | getattr(os, "O_NOFOLLOW", 0))
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before fdopen: a folder's error would name the fd
        os.close(fd)
        raise OSError(f"{path}: not a regular file")
    with os.fdopen(fd, "rb") as file:
        if info.st_size > limit:
            raise OSError(f"{path}: {info.st_size} bytes, and at most {limit} are read")
        return file.read(limit + 1)

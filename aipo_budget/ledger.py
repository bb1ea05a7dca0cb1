"""Reading a ledger for the CLI: no pickle cache, and unreadable input as one clear error.

Beancount's pickle cache ignores plugin code and rules changes (beancount-fava-notes 1.4), so
the ledger is loaded the way Fava loads it, through ``loader._load``, which never reads nor
writes a cache file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from beancount import loader

if TYPE_CHECKING:
    from beancount.core import data

# Errors that mean the input could not be read at all (exit status 2), by class name.
UNREADABLE = {"ParserError", "ParserSyntaxError", "LexerError", "LoadError"}
# Errors our own plugin adds; the CLI computes findings itself and drops these.
OURS = {"FundRuleError", "RulesConfigError"}


class LedgerInputError(Exception):
    """The ledger cannot be read; ``problems`` are (filename, lineno, message)."""

    def __init__(self, problems: list[tuple[str, int, str]]) -> None:
        super().__init__("\n".join(f"{f}:{n}: {m}" for f, n, m in problems))
        self.problems = problems


def _where(error: Any) -> tuple[str, int, str]:
    source = getattr(error, "source", None) or {}
    message = str(getattr(error, "message", error)).strip()
    lines = [line for line in message.splitlines() if line.strip()] or [type(error).__name__]
    head, marker, _rest = lines[0].partition("Traceback (most recent call last)")
    if marker:
        # a plugin that failed carries a traceback: what failed, and the exception at the end
        text = f"{head.rstrip().removesuffix(':')}: {lines[-1].strip()}"
    else:
        text = lines[0]
    return str(source.get("filename", "<load>")), int(source.get("lineno", 0) or 0), text


def beancount_errors(errors: list[Any]) -> list[Any]:
    """Beancount's own errors, without those our plugin added (callers compute findings)."""
    return [e for e in errors if type(e).__name__ not in OURS]


def load_ledger(path: str) -> tuple[list[data.Directive], list[Any], dict[str, Any]]:
    """Load ``path``; return (entries, Beancount's errors, options) or raise LedgerInputError."""
    filename = os.path.abspath(path)
    if not os.path.exists(filename):
        raise LedgerInputError([(path, 0, "no such ledger file")])
    if not os.path.isfile(filename):
        raise LedgerInputError([(path, 0, "not a file")])
    try:
        with open(filename, "rb"):
            pass
    except OSError as exc:
        raise LedgerInputError([(path, 0, f"cannot read: {exc.strerror}")]) from None
    try:
        entries, errors, options_map = loader._load([(filename, True)], None, None, None)
    except OSError as exc:  # an included file that cannot be read (a folder, no permission)
        where = exc.filename or path
        raise LedgerInputError([(str(where), 0, f"cannot read: {exc.strerror or exc}")]) from None
    except ArithmeticError as exc:  # Beancount's own arithmetic, e.g. beyond 28 digits
        raise LedgerInputError([(path, 0, "Beancount could not process an amount "
                                          f"({type(exc).__name__}): is one beyond 28 digits?")]
                               ) from None
    fatal = [_where(e) for e in errors if type(e).__name__ in UNREADABLE]
    if fatal:
        raise LedgerInputError(fatal)
    return entries, beancount_errors(errors), options_map

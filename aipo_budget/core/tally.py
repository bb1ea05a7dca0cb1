"""Words every layer uses: counts ("2 errors, 1 warning, 1 waived") and text on one line."""

from __future__ import annotations

import re

# Line and tab breaks end a table row or a message line: one space instead.
BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]+")
# Controls and bidirectional overrides: shown as escapes, never acted on by a terminal.
INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What stays of them in a cell that may hold lines (CSV): a line feed and a tab are data.
INVISIBLE_IN_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f"
                                r"\u202a-\u202e\u2066-\u2069]")


def plural(count: int, noun: str, zero: str = "0") -> str:
    """``3 errors``, ``1 error``, ``50,000 transactions`` (thousands separated); ``zero`` words a
    count of nothing (``0``, ``no``)."""
    return f"{f'{count:,}' if count else zero} {noun}{'s' * (count != 1)}"


def tally(errors: int, warnings: int, zero: str = "0", waived: int = 0) -> str:
    """``2 errors, 1 warning`` (``no errors, no warnings`` with ``zero="no"``), and
    ``, 1 waived`` when findings were waived: shown, never counted against the ledger."""
    counts = f"{plural(errors, 'error', zero)}, {plural(warnings, 'warning', zero)}"
    return counts + (f", {waived} waived" if waived else "")


def one_line(text: str) -> str:
    """``text`` on one line: breaks and tabs become a space, other controls ``\\xNN``."""
    return escaped(BREAKS.sub(" ", text))


def escaped(text: str, controls: re.Pattern[str] = INVISIBLE) -> str:
    """``text`` with each of its ``controls`` as ``\\xNN`` (``\\uNNNN`` beyond Latin-1)."""
    return controls.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                        else f"\\u{ord(m[0]):04x}", text)


NO_FUND = ("No Surplus Fund accounts (Assets:Surplus-Fund and its sub-accounts) were found: "
           "only the ledger's own validity was checked.")


def judged_by(outflows: int, transfers: int, rules: int, folder: str) -> str:
    """``13 surplus outflows and 5 transfers-in judged by 17 rules from rules``."""
    return (f"{plural(outflows, 'surplus outflow')} and {plural(transfers, 'transfer')}-in "
            f"judged by {plural(rules, 'rule')} from {folder}")

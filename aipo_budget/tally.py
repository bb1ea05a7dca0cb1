"""The count of findings as every output words it: "2 errors, 1 warning, 1 waived"."""

from __future__ import annotations


def plural(count: int, noun: str, zero: str = "0") -> str:
    """``3 errors``, ``1 error``; ``zero`` words a count of nothing (``0``, ``no``)."""
    return f"{count or zero} {noun}{'s' * (count != 1)}"


def tally(errors: int, warnings: int, zero: str = "0", waived: int = 0) -> str:
    """``2 errors, 1 warning`` (``no errors, no warnings`` with ``zero="no"``), and
    ``, 1 waived`` when findings were waived: shown, never counted against the ledger."""
    counts = f"{plural(errors, 'error', zero)}, {plural(warnings, 'warning', zero)}"
    return counts + (f", {waived} waived" if waived else "")

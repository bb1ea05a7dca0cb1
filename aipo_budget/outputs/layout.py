"""Text tables laid out for the person reading them: within a width, and coloured.

A table wider than the terminal folds each row over the next and cannot be read. The text
tables are fitted to :attr:`Layout.width`: the widest text columns are shrunk first and their
cells wrapped at spaces (a word longer than its column is broken); numbers and dates are never
wrapped, so an amount is never read in halves, and a header's longest word stays whole. A text
column is not made narrower than :data:`NARROWEST` (most words would be broken): a table that
cannot fit so (too many columns for the width) is shown as records, as psql's expanded display
shows a wide table: a ``label  value`` line per column, a blank line between rows. Statuses are
coloured by their tone (red alarming, yellow worrying) when :attr:`Layout.colour`. The command
line decides both from its standard output.
"""

from __future__ import annotations

import functools
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.outputs.table import Kind, Status

if TYPE_CHECKING:
    from collections.abc import Sequence

# never wrapped: a number or a date is read whole
WHOLE = frozenset({Kind.AMOUNT, Kind.PERCENT, Kind.NUMBER, Kind.DATE, Kind.YEAR})
HEADER_PADDING = 2  # tabulate's: a column is at least its header and two spaces wide
# a text column shrunk as far as it goes: narrower, most words would be broken
NARROWEST = 20
TONES = {"alarming": "\x1b[31m", "worrying": "\x1b[33m"}  # ANSI red, yellow
RESET = "\x1b[0m"


@dataclass(frozen=True)
class Layout:
    """``width``: the most characters a line of a text table may take (None: no limit);
    ``colour``: statuses coloured with ANSI codes."""

    width: int | None = None
    colour: bool = False


def wrapped(text: str, width: int) -> str:
    """``text`` in lines of at most ``width`` characters (joined by ``\\n``)."""
    return text if len(text) <= width else _wrapped(text, max(width, 1))


@functools.lru_cache(maxsize=4096)  # a register repeats its rules, citations, conditions
def _wrapped(text: str, width: int) -> str:
    return textwrap.fill(text, width)


def paragraph(text: str, width: int | None) -> str:
    """A line of prose (a title, a note, a summary) within ``width``."""
    return text if width is None else wrapped(text, width)


def tone(value: Any) -> str | None:
    """How a cell is coloured: a status by its tone, anything else not at all."""
    return value.tone if isinstance(value, Status) else None


def painted(text: str, tone_name: str | None) -> str:
    """``text`` in the colour of ``tone_name``, each line on its own (so that a table laid
    out line by line never leaves a colour open)."""
    code = TONES.get(tone_name or "")
    if not code or not text:
        return text
    return "\n".join(f"{code}{line}{RESET}" if line else line for line in text.split("\n"))


def _shrunk(widths: list[int], floors: list[int], excess: int) -> list[int]:
    """``widths`` less ``excess`` in all, the widest first, none below its floor."""
    widths = list(widths)
    while excess > 0:
        wide = [i for i, width in enumerate(widths) if width > floors[i]]
        if not wide:
            break
        widest = max(wide, key=lambda i: widths[i])
        next_width = max((widths[i] for i in wide if i != widest), default=0)
        step = min(excess, widths[widest] - floors[widest],
                   max(widths[widest] - next_width, 1))
        widths[widest] -= step
        excess -= step
    return widths


def fitted(kinds: Sequence[Kind], headers: list[str],
           cells: list[list[str]], room: int) -> tuple[list[str], list[list[str]]] | None:
    """Headers and cells wrapped so that the columns take at most ``room`` characters, as
    tabulate measures a column (its widest line, or its header's and two spaces); None when
    they cannot be (see :func:`records`)."""
    count = range(len(headers))
    values = [max([0, *(len(row[i]) for row in cells)]) for i in count]
    natural = [max(len(headers[i]) + HEADER_PADDING, values[i]) for i in count]
    if sum(natural) <= room:
        return headers, cells
    words = [max(map(len, header.split()), default=0) + HEADER_PADDING for header in headers]
    whole = [kind in WHOLE for kind in kinds]
    # headers are wrapped first (the cells keep their width), then the text cells
    headed = [min(natural[i], max(values[i], words[i])) for i in count]
    floors = [headed[i] if whole[i] else min(headed[i], max(words[i], NARROWEST))
              for i in count]
    if sum(floors) > room:
        return None
    widths = _shrunk(natural, headed, sum(natural) - room)
    widths = _shrunk(widths, floors, sum(widths) - room)
    headers = [wrapped(header, max(width - HEADER_PADDING, 1))
               for header, width in zip(headers, widths)]
    cells = [[text if whole[i] else wrapped(text, widths[i]) for i, text in enumerate(row)]
             for row in cells]
    return headers, cells


def records(kinds: Sequence[Kind], labels: list[str], cells: list[list[str]],
            tones: list[list[str | None]] | None, width: int) -> str:
    """Rows as records: a line per column, ``label  value``, the value wrapped beside its
    label (a number whole); a blank line between rows."""
    label_width = max(map(len, labels))
    room = max(width - label_width - 2, NARROWEST)
    out: list[str] = []
    for number, row in enumerate(cells):
        out += [""] * (number > 0)
        hows = tones[number] if tones else [None] * len(row)
        for label, text, kind, how in zip(labels, row, kinds, hows):
            lines = (text if kind in WHOLE else wrapped(text, room)).split("\n")
            out += [f"{label if at == 0 else '':<{label_width}}  {painted(line, how)}".rstrip()
                    for at, line in enumerate(lines)]
    return "\n".join(out)

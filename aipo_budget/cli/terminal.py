"""How the standard output is shown: the width a text table fits and whether it is coloured.

The width is ``COLUMNS`` when set (as :func:`shutil.get_terminal_size` reads it), else the
terminal's; output to a pipe or a file keeps whole rows unless ``COLUMNS`` asks otherwise.
Colour is for a terminal only: ``--color``/``--no-color`` decide when given, else ``NO_COLOR``
(https://no-color.org) or ``TERM=dumb`` turn it off; a pipe or a file never gets it.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

import click

from aipo_budget.outputs.layout import Layout
from aipo_budget.outputs.render import TEXT_TABLES


def is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def width(stream: TextIO | None = None) -> int | None:
    """The characters a line of output (of ``stream``: standard output by default) may take:
    None when nothing says (a pipe, a file)."""
    columns, stream = os.environ.get("COLUMNS", "").strip(), stream or sys.stdout
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not is_terminal(stream):
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):
        return None


def colour() -> bool:
    """Whether the output is coloured (click strips colours from a pipe or a file in any
    case, unless --color asked for them)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:  # --color or --no-color
        return ctx.color
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return is_terminal(sys.stdout)


def layout(fmt: str) -> Layout:
    """The layout of format ``fmt`` on this standard output (only text tables have one)."""
    if fmt not in (*TEXT_TABLES, "lines"):
        return Layout()
    return Layout(width() if fmt != "lines" else None, colour())


def set_colour(ctx: click.Context, _param: click.Parameter, value: bool | None) -> None:
    """``--color``/``--no-color``: click then keeps or strips colours whatever the output."""
    if value is not None:
        ctx.color = value

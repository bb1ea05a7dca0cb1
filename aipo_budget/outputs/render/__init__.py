"""Tables as data, rendered last: one registry of output formats for every command.

``check`` and ``report`` (and the audit pack) render the same :class:`~aipo_budget.outputs.table.Table`
objects through :func:`render`, so the formats and their look are the same everywhere.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aipo_budget.outputs.render.formats import (
    RenderError, csv_renderer, json_renderer, render_csv, render_text, table_json, text_renderer,
)
from aipo_budget.outputs.render.values import (
    amount_text, cents, csv_text, csv_value, dumps, json_value, machine_value, markdown_text,
    one_line, percent_text, plain_value, text_value,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from aipo_budget.outputs.table import Table

    Renderer = Callable[[Sequence[Table], Mapping[str, Any], str], str]

# format name -> renderer; "table" is the terminal's default look
FORMATS: dict[str, Renderer] = {
    "table": text_renderer("simple"),
    "plain": text_renderer("plain"),
    "simple": text_renderer("simple"),
    "grid": text_renderer("grid"),
    "markdown": text_renderer("github"),
    "github": text_renderer("github"),
    "html": text_renderer("html"),
    "latex": text_renderer("latex"),
    "csv": csv_renderer,
    "json": json_renderer,
}


def render(fmt: str, tables: Sequence[Table], document: Mapping[str, Any] | None = None,
           footer: str = "") -> str:
    """``tables`` in format ``fmt``. ``document`` is what JSON carries besides the tables;
    ``footer`` a line the text formats end with (CSV and JSON carry data only)."""
    return FORMATS[fmt](tables, document or {}, footer)


__all__ = [
    "FORMATS", "RenderError", "amount_text", "cents", "csv_text", "csv_value", "dumps",
    "json_value", "machine_value", "markdown_text", "one_line", "percent_text", "plain_value",
    "render", "render_csv", "render_text", "table_json", "text_value",
]

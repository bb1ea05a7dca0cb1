"""The ``explain``command (stub: replaced by its helper)."""

from __future__ import annotations

import click


@click.command("explain")
def command() -> None:
    """Not built yet."""
    raise click.UsageError("not built yet")

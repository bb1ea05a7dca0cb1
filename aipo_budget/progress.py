"""Progress of long work on standard error (stub: replaced by the progress helper)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


def silence() -> None:
    """No progress is shown for the rest of the run (``--quiet``)."""


@contextlib.contextmanager
def stage(text: str) -> Iterator[None]:
    """Say ``text`` on a terminal while the block runs, if it runs for more than a second."""
    yield

"""``check --pending`` (stub)."""

from __future__ import annotations

import datetime


def run_pending(ledger: str, rules: str | None, pending: str | None, *, template: bool,
                fmt: str, as_of: datetime.date | None, strict: bool) -> int:
    raise NotImplementedError

"""A period of days, both ends inclusive: the one place that says whether a day is in it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    """``start``..``end``, inclusive; ``None`` at either end is open (the beginning, no end)."""

    start: datetime.date | None = None
    end: datetime.date | None = None

    def __contains__(self, day: datetime.date | None) -> bool:
        """A day is in the period; an undated thing is in every period."""
        if day is None:
            return True
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    def __str__(self) -> str:
        return f"{self.start or 'beginning'} to {self.end or 'the last entry'}"

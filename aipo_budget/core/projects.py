"""The terms of a project on a day, from its rules: the one place that picks a rule version
for a project.

A project's terms come from three rules naming it: ``period`` (start, end, payment window),
``ceiling`` (allocation, warning level) and ``cofunding`` (the cap on the surplus share). On a
day, each is the version that judges a transaction of that day (:meth:`Rule.judging`), so the
checks, the tables, the Fava budgets and the Fava page all see the same terms.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from decimal import Decimal

    from aipo_budget.core.rules import RuleSet, RuleVersion


@dataclass(frozen=True)
class Terms:
    project: str
    day: datetime.date
    period: RuleVersion | None = None
    ceiling: RuleVersion | None = None
    cofunding: RuleVersion | None = None
    original_allocation: Decimal | None = None  # the first version's, before any amendment
    allocated: bool = False  # a version of the ceiling rule is in force on the day

    def _param(self, version: RuleVersion | None, name: str) -> Any:
        return getattr(version.params, name) if version else None

    start = property(lambda self: self._param(self.period, "start"))
    end = property(lambda self: self._param(self.period, "end"))
    window_days = property(lambda self: self._param(self.period, "payment_window_days"))
    allocation = property(lambda self: self._param(self.ceiling, "allocation"))
    warn_at = property(lambda self: self._param(self.ceiling, "warn_at"))
    # the highest surplus share of the project's total cost (0.6 is 60 %)
    cap = property(lambda self: self._param(self.cofunding, "max_share"))

    @property
    def close(self) -> datetime.date | None:
        """The last day a cost of the project may be paid: period end plus the window; the
        unspent allocation lapses after it."""
        if self.period is None:
            return None
        return self.period.params.end + datetime.timedelta(days=self.window_days or 0)

    @property
    def closed(self) -> bool:
        """Whether the project is closed on the terms' day."""
        return self.close is not None and self.day >= self.close

    def incurred_in_period(self, day: datetime.date) -> bool:
        return self.period is not None and self.start <= day <= self.end


def terms(ruleset: RuleSet, project: str, day: datetime.date) -> Terms:
    """The terms of ``project`` that judge a transaction dated ``day``."""
    period, ceiling, cofunding = (ruleset.for_project(kind, project)
                                  for kind in ("period", "ceiling", "cofunding"))
    return Terms(
        project, day,
        period.judging(day) if period else None,
        ceiling.judging(day) if ceiling else None,
        cofunding.judging(day) if cofunding else None,
        ceiling.versions[0].params.allocation if ceiling else None,
        ceiling is not None and ceiling.in_force(day) is not None,
    )


def allocated(ruleset: RuleSet, day: datetime.date) -> list[str]:
    """The projects with an allocation in force on ``day``."""
    return [str(rule.project) for rule in ruleset.of_kind("ceiling")
            if rule.in_force(day) is not None and rule.project]

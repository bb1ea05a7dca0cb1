"""What every audit table reads: the audit, the period, and the project terms at its end."""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from aipo_budget.facts import SURPLUS_SOURCE, ZERO
from aipo_budget.paths import shown
from aipo_budget.projects import allocated, terms
from aipo_budget.table import Location

if TYPE_CHECKING:
    import datetime
    from collections.abc import Sequence

    from aipo_budget.engine import Audit
    from aipo_budget.facts import Cost, Facts, Outflow
    from aipo_budget.periods import Period
    from aipo_budget.projects import Terms

HUNDRED = Decimal(100)
PCT = Decimal("0.1")


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to one decimal; None when ``whole`` is zero."""
    return (part / whole * HUNDRED).quantize(PCT) if whole else None


def surplus_spent(costs: Sequence[Cost], day: datetime.date) -> Decimal:
    """The part of ``costs`` funded from the surplus, as known on ``day``."""
    return sum((c.usd for c in costs if c.source_on(day) == SURPLUS_SOURCE), ZERO)


@dataclass(frozen=True)
class Context:
    result: Audit
    period: Period  # its end is always set (build_tables)
    ledger: str = ""  # the ledger's path: its name goes in the titles

    @property
    def facts(self) -> Facts:
        return self.result.facts

    @property
    def end(self) -> datetime.date:
        return self.period.end  # type: ignore[return-value]

    @cached_property
    def root(self) -> str:
        return os.path.dirname(os.path.abspath(self.ledger)) if self.ledger else ""

    @property
    def currency(self) -> str:
        return self.facts.conventions.currency

    def amount_label(self, what: str) -> str:
        return f"{what} ({self.currency})"

    def where(self, filename: str, lineno: int) -> Location:
        """A ledger line, shown relative to the ledger's folder so that tables do not depend
        on where the ledger is."""
        return Location(filename, lineno, shown(filename, self.root) if self.root else filename)

    def title(self, what: str) -> str:
        name = os.path.basename(self.ledger)
        return f"{what}, {self.period}" + (f", {name}" if name else "")

    @cached_property
    def costs_to_end(self) -> list[Cost]:
        return [c for c in self.facts.costs if c.date <= self.end]

    def costs_of(self, project: str) -> list[Cost]:
        return [c for c in self.costs_to_end if c.project == project]

    def terms(self, project: str) -> Terms:
        """The project's terms as the period ends."""
        return terms(self.result.ruleset, project, self.end)

    @cached_property
    def projects(self) -> list[str]:
        """Projects with costs by the period end, or with an allocation in force on it."""
        names = {c.project for c in self.costs_to_end}
        names.update(allocated(self.result.ruleset, self.end))
        return sorted(n for n in names if n)

    def allocation(self, project: str) -> Decimal | None:
        """The allocation in force at the period end; None before the project has one."""
        project_terms = self.terms(project)
        return project_terms.allocation if project_terms.allocated else None

    def unspent(self, project: str) -> Decimal:
        allocation = self.allocation(project)
        if allocation is None:
            return ZERO
        return max(allocation - surplus_spent(self.costs_of(project), self.end), ZERO)

    @cached_property
    def outflows(self) -> list[Outflow]:
        return [o for o in self.facts.outflows if o.date in self.period]

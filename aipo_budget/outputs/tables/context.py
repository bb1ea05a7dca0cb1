"""What every audit table reads: the audit, the period, and the project terms at its end.

A context made with ``latest`` (the Fava page) has the registers build only their latest rows:
their totals, and the counts the page shows, still cover every row.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

from aipo_budget.core.checks.ceiling import spending
from aipo_budget.core.facts import SURPLUS_SOURCE, ZERO
from aipo_budget.core.projects import allocated, terms
from aipo_budget.core.paths import shown
from aipo_budget.outputs.table import Location

if TYPE_CHECKING:
    import datetime
    from collections.abc import Callable, Sequence

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.facts import Cost, Facts, Outflow
    from aipo_budget.core.periods import Period
    from aipo_budget.core.projects import Terms

T = TypeVar("T")


def funded_by(costs: Sequence[Cost], day: datetime.date, source: str = SURPLUS_SOURCE
              ) -> Decimal:
    """The part of ``costs`` funded by ``source`` (the surplus), as known on ``day``."""
    return sum((c.usd for c in costs if c.source_on(day) == source), ZERO)


def shortened_note(name: str, shown: int, total: int, totals: bool) -> str:
    """The note of a table that shows only its latest ``shown`` of its ``total`` rows."""
    covered = "the totals cover all of them" if totals else "the counts above cover all"
    return (f"Showing the latest {shown} of {total} rows; {covered}. Narrow Fava's "
            f"time filter, or run `aipo-budget report --table {name}` for the whole table.")


@dataclass(frozen=True)
class Context:
    result: Audit
    period: Period  # its end is always set (build_tables)
    ledger: str = ""  # the ledger's path: its name goes in the titles
    latest: int | None = None  # the registers show at most this many rows, the latest
    # titles that say only what a table is, where the period is said once above the tables
    # (the Fava page)
    bare_titles: bool = False

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

    def title(self, what: str, life_to_date: bool = False) -> str:
        if self.bare_titles:
            return what
        name = os.path.basename(self.ledger)
        what += " (life to date)" if life_to_date else ""
        return f"{what}, {self.period}" + (f", {name}" if name else "")

    @cached_property
    def where(self) -> Callable[[str, int], Location]:
        """A ledger line, shown relative to the ledger's folder so that tables do not depend
        on where the ledger is (as loaded, with no ledger path)."""
        # a register names thousands of lines of a few files
        named = functools.cache(functools.partial(shown, folder=self.root))
        return lambda f, n: Location(f, n, named(f) if self.root else f)

    def latest_of(self, name: str, rows: Sequence[T], totals: bool
                  ) -> tuple[Sequence[T], tuple[str, ...]]:
        """The rows of the register ``name`` to build (all of them, or the latest ``latest``),
        and the note saying it was shortened, if it was."""
        if self.latest is None or len(rows) <= self.latest:
            return rows, ()
        return (rows[len(rows) - self.latest:],
                (shortened_note(name, self.latest, len(rows), totals),))

    @cached_property
    def _costs(self) -> dict[str, list[Cost]]:
        by_project: dict[str, list[Cost]] = {}
        for cost in self.facts.costs:
            if cost.date <= self.end:
                by_project.setdefault(cost.project, []).append(cost)
        return by_project

    def costs_of(self, project: str) -> list[Cost]:
        return self._costs.get(project, [])

    def surplus_of(self, project: str) -> Decimal:
        """The project's surplus-funded spending at the period end, as the ceiling check
        counts it (:func:`aipo_budget.core.checks.ceiling.spending`): what left the fund for
        it, a payment beyond its accrual included, less what was paid back."""
        return sum((step.amount for step in spending(self.facts, project)
                    if step.event.date <= self.end), ZERO)

    def terms(self, project: str) -> Terms:
        return terms(self.result.ruleset, project, self.end)

    @cached_property
    def projects(self) -> list[str]:
        """Projects with costs by the period end, or with an allocation in force on it."""
        return sorted(n for n in {*self._costs, *allocated(self.result.ruleset, self.end)} if n)

    def allocation(self, project: str) -> Decimal | None:
        """The allocation in force at the period end; None before the project has one."""
        project_terms = self.terms(project)
        return project_terms.allocation if project_terms.allocated else None

    @cached_property
    def outflows(self) -> list[Outflow]:
        return [o for o in self.facts.outflows if o.date in self.period]

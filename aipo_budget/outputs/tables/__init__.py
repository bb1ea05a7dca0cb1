"""The audit tables (see the README, "Reports") as data, one pure function per table over a
shared context: the CLI, the audit pack and the Fava page render these same tables. Budget
against actual and co-funding are life to date at the period end; the others cover the period.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.core.periods import Period
from aipo_budget.outputs.tables.budget import budget, cofunding
from aipo_budget.outputs.tables.context import Context, shortened_note
from aipo_budget.outputs.tables.fund import contributions, fund_statement
from aipo_budget.outputs.tables.registers import (
    CHECK_VIEW, disbursements, findings, findings_register,
)

if TYPE_CHECKING:
    import datetime
    from collections.abc import Callable, Sequence

    from aipo_budget.core.engine import Audit
    from aipo_budget.outputs.table import Table

BUILDERS: dict[str, Callable[[Context], Table]] = {
    "fund-statement": fund_statement, "budget": budget, "cofunding": cofunding,
    "contributions": contributions, "disbursements": disbursements, "findings": findings,
}
TABLE_NAMES = tuple(BUILDERS)


def context(result: Audit, start: datetime.date | None = None,
            end: datetime.date | None = None, ledger: str = "",
            latest: int | None = None, bare_titles: bool = False) -> Context:
    # the period ends at the cut-off (--as-of), else with the latest entry or today,
    # whichever is later: a payment dated next week is in the tables too
    return Context(result, Period(start, min(end or result.facts.end, result.facts.end)), ledger,
                   latest, bare_titles)


def build_tables(result: Audit, start: datetime.date | None = None,
                 end: datetime.date | None = None, names: Sequence[str] | None = None,
                 ledger: str = "", latest: int | None = None,
                 bare_titles: bool = False) -> list[Table]:
    """The named tables (default: all) for the period ``start``..``end`` (inclusive; the end
    defaults to the audit's). ``ledger`` is the ledger's path: its name goes in the titles, and
    locations are shown relative to its folder. With ``latest``, the registers have only their
    latest rows, and a note saying so (their totals cover every row). With ``bare_titles``,
    titles say only what each table is (the caller says the period)."""
    ctx = context(result, start, end, ledger, latest, bare_titles)
    return [BUILDERS[name](ctx) for name in (names or TABLE_NAMES)]


__all__ = ["CHECK_VIEW", "TABLE_NAMES", "build_tables", "context", "findings_register",
           "shortened_note"]

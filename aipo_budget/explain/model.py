"""What explaining one rule on one transaction gives: the version that judges it, whether it
applies and why, the facts the rule saw and, for a cumulative rule, the entries that make up
its total. Values stay typed (amounts ``Decimal`` in the operating currency, dates, locations);
the renderers format them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.table import Column, Kind, table

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from aipo_budget.explain.subject import Subject
    from aipo_budget.facts import Outflow, TransferIn
    from aipo_budget.rules import RuleVersion
    from aipo_budget.table import Table

# (fact, value, note): the value typed, the note says where it comes from
Fact = tuple[str, Any, str]

FACT_COLUMNS = (Column("fact", "fact"), Column("value", "value"), Column("note", "note"))


@dataclass(frozen=True)
class View:
    """One rule on one transaction."""

    version: RuleVersion
    applies: bool
    reason: str  # why it applies, or why not
    facts: tuple[Fact, ...] = ()
    entries: Table | None = None  # a cumulative rule's contributing entries
    notes: tuple[str, ...] = ()


def facts_table(name: str, title: str, facts: Iterable[Fact],
                notes: Sequence[str] = ()) -> Table:
    return table(name, title, FACT_COLUMNS,
                 [{"fact": f, "value": v, "note": n} for f, v, n in facts], notes=notes)


def entries_table(subject: Subject, name: str, title: str, rows: Sequence[Mapping[str, Any]],
                  extra: Sequence[Column] = (), notes: Sequence[str] = ()) -> Table:
    """The entries that make up a running total: date, location, transaction, amount, the
    total before and after it (``extra`` columns after the amount)."""
    currency = subject.currency
    columns = (Column("date", "date", Kind.DATE), Column("location", "location", Kind.LOCATION),
               Column("transaction", "transaction"), *extra,
               Column("amount", f"amount ({currency})", Kind.AMOUNT),
               Column("before", "total before", Kind.AMOUNT),
               Column("after", "total after", Kind.AMOUNT))
    return table(name, title, columns, rows, notes=notes)


def written(event: Outflow | TransferIn, key: str, value: Any) -> Any:
    """A metadata value as the facts read it; what could not be read says why."""
    problem = next((p for p in event.problems if p.key == key), None)
    if problem is not None:
        return f"unreadable: {problem.message}"
    return "(none)" if value in (None, "", ()) else value

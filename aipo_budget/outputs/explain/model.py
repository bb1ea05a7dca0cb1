"""The tables of an explanation: facts (fact, value, note) and the entries of a running total.
Values stay typed (amounts ``Decimal`` in the operating currency, dates, locations); a line of
the ledger (a ``facts.Location``) is shown as the explanation shows locations; the renderers
format the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aipo_budget.core.facts import Location as FactLocation
from aipo_budget.outputs.table import Column, Kind, table

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from aipo_budget.core.checks._common import Entries, Fact
    from aipo_budget.core.subject import Subject
    from aipo_budget.outputs.table import Table

FACT_COLUMNS = (Column("fact", "fact"), Column("value", "value"), Column("note", "note"))


def facts_table(subject: Subject, name: str, title: str, facts: Iterable[Fact],
                notes: Sequence[str] = ()) -> Table:
    return table(name, title, FACT_COLUMNS,
                 [{"fact": f, "value": shown(subject, v), "note": n} for f, v, n in facts],
                 notes=notes)


def entries_table(subject: Subject, name: str, entries: Entries) -> Table:
    """The entries that make up a running total: date, location, transaction, amount, the
    total before and after it (the ``extra`` columns after the transaction)."""
    currency = subject.currency
    columns = (Column("date", "date", Kind.DATE), Column("location", "location", Kind.LOCATION),
               Column("transaction", "transaction"),
               *(Column(key, header) for key, header in entries.extra),
               Column("amount", f"amount ({currency})", Kind.AMOUNT),
               Column("before", "total before", Kind.AMOUNT),
               Column("after", "total after", Kind.AMOUNT))
    rows = [{key: shown(subject, value) for key, value in row.items()} for row in entries.rows]
    return table(name, entries.title, columns, rows, notes=entries.notes)


def shown(subject: Subject, value: Any) -> Any:
    return subject.located(value) if isinstance(value, FactLocation) else value

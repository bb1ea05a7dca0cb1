"""The table model every output shares: typed columns, rows of typed values, read by key.

Every consumer (the text formats, CSV, JSON, the audit pack and its charts, the Fava page)
asks for a column by its ``key`` and formats by its :class:`Kind`: nobody reads ``row[3]``
nor parses rendered text back.

Values by kind: ``AMOUNT`` a ``Decimal`` in the operating currency, ``PERCENT`` a ``Decimal``
(87.5 means 87.5 %), ``DATE`` a ``datetime.date``, ``NUMBER`` an ``int``, ``YEAR`` an ``int``
year, ``STATUS`` a :class:`Status`, ``LOCATION`` a :class:`Location`, ``TEXT`` a ``str``;
``None`` is an empty cell of any kind.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from aipo_budget.core.paths import Location, shown  # a LOCATION cell holds a Location

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence


class Kind(enum.Enum):
    TEXT = "text"
    DATE = "date"
    AMOUNT = "amount"
    PERCENT = "percent"
    NUMBER = "number"
    YEAR = "year"  # a fiscal year: a number that names, left-aligned like text
    STATUS = "status"
    LOCATION = "location"
    DOCUMENT = "document"  # an evidence file: a Location with no line, shown as written

    @property
    def numeric(self) -> bool:
        """Right-aligned in text, a number in machine formats."""
        return self in (Kind.AMOUNT, Kind.PERCENT, Kind.NUMBER)


class Status(str, enum.Enum):
    """Every status a table shows; the value is what people read."""

    ERROR, WARNING = "error", "warning"
    # a project's spending against its allocation (the budget table)
    WITHIN, EXCEEDED, NO_ALLOCATION = "within", "exceeded", "no allocation"
    # the surplus share of a project against its co-funding cap
    WITHIN_CAP, ABOVE_CAP = "within cap", "above cap"
    # a finding in the register
    TO_CORRECT, TO_REVIEW = "open: to correct", "open: to review"
    # a finding a valid waiver covers (its severity and its status): recorded, not alarming
    WAIVED = "waived"
    # a proposed payment (check --pending)
    PAYABLE = "can be paid"
    PAYABLE_WITH_WARNINGS = "can be paid with warnings"
    NOT_PAYABLE = "cannot be paid"

    def __str__(self) -> str:
        return self.value

    @property
    def tone(self) -> str | None:
        """How a page marks it: "alarming" (errors, overruns), "worrying" (warnings, reviews)."""
        if self in (Status.ERROR, Status.EXCEEDED, Status.ABOVE_CAP, Status.TO_CORRECT,
                    Status.NOT_PAYABLE):
            return "alarming"
        worrying = (Status.WARNING, Status.TO_REVIEW, Status.PAYABLE_WITH_WARNINGS)
        return "worrying" if self in worrying else None


def shown_from(folder: str | None = None) -> Callable[[str, int], Location]:
    """A ledger line as people read it: its file relative to ``folder`` (default: the working
    folder) when inside it (:func:`aipo_budget.core.paths.shown`)."""
    return lambda filename, lineno: Location(filename, lineno, shown(filename, folder))


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: Kind = Kind.TEXT


def grid_labels(column: Column) -> list[str]:
    """The headers of ``column`` where a cell holds one plain value (CSV, the workbook): a
    location is two columns, its file and its line (:func:`location_parts`)."""
    if column.kind is Kind.LOCATION:
        return [f"{column.label} file", f"{column.label} line"]
    return [column.label]


def location_parts(value: Any) -> tuple[Any, int | None]:
    """A LOCATION cell's two values, its file (as shown) and its line (None: none); a value
    that is not a Location is its own file, without a line."""
    if isinstance(value, Location):
        return value.shown or value.filename, value.lineno
    return value, None


@dataclass(frozen=True)
class Table:
    """``rows`` and ``totals`` map column keys to values; a key a row leaves out is empty."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[Mapping[str, Any], ...]
    totals: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()

    def column(self, key: str) -> Column:
        found = next((column for column in self.columns if column.key == key), None)
        if found is None:
            raise KeyError(f"table {self.name} has no column {key!r}")
        return found

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns)

    def values(self, key: str) -> list[Any]:
        self.column(key)  # an unknown key is a bug, not an empty column
        return [row.get(key) for row in self.rows]

    def select(self, keys: Sequence[str]) -> Table:
        """The same table with only the columns ``keys``, in that order."""
        def narrow(row: Mapping[str, Any]) -> Mapping[str, Any]:
            return MappingProxyType({key: row[key] for key in keys if key in row})

        return Table(self.name, self.title, tuple(map(self.column, keys)),
                     tuple(map(narrow, self.rows)),
                     narrow(self.totals) if self.totals else None, self.notes)


def table(name: str, title: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]],
          totals: Mapping[str, Any] | None = None, notes: Sequence[str] = ()) -> Table:
    """A :class:`Table`, checking that every row names only its columns (a misspelt key is
    a bug that would otherwise show as an empty cell). A table without rows has no totals:
    a total of nothing is no row of it, in any format."""
    keys = {column.key for column in columns}

    def frozen(row: Mapping[str, Any]) -> Mapping[str, Any]:
        unknown = set(row) - keys
        if unknown:
            raise KeyError(f"table {name}: no column for {sorted(unknown)}")
        return MappingProxyType(dict(row))

    kept = tuple(map(frozen, rows))
    return Table(name, title, tuple(columns), kept,
                 frozen(totals) if totals and kept else None, tuple(notes))

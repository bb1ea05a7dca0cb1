"""The facts: plain records of the ledger in the operating currency, read by checks and tables.

Their ``usd`` fields hold amounts in the operating currency (``facts.conventions.currency``,
USD unless the ledger names another); the name stays because every consumer reads it.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.conventions import DEFAULT, Conventions
from aipo_budget.core.convert import ZERO, Conversion, Converter

if TYPE_CHECKING:
    from aipo_budget.core.meta import Problem
    from aipo_budget.core.signatures import Signatures

SURPLUS_SOURCE = "Surplus Fund"
UNPAID_SOURCE = "Accrued, unpaid"


@dataclass(frozen=True)
class Location:
    """Where a fact stands in the ledger, and the entry itself for error reports."""

    filename: str
    lineno: int
    entry: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, meta: dict[str, Any] | None, entry: Any = None) -> Location:
        meta = meta or {}
        lineno = meta.get("lineno")  # Beancount's int; written metadata may replace it
        return cls(str(meta.get("filename", "<unknown>")),
                   lineno if isinstance(lineno, int) else 0, entry)


@dataclass(frozen=True)
class Use:
    """What (part of) a surplus outflow paid for."""

    account: str
    usd: Decimal
    project: str | None
    category: str | None
    incurred: datetime.date


@dataclass(frozen=True)
class Outflow:
    """A transaction that moves money out of the Surplus Fund to an account outside it."""

    entry: data.Transaction
    date: datetime.date
    location: Location
    usd: Decimal
    conversions: tuple[Conversion, ...]
    uses: tuple[Use, ...]
    balance_after: Decimal
    resolution: str | None
    prepared_by: str | None
    approvers: tuple[str, ...]  # as written; compare them with meta.person_key
    document: str | None
    document_path: str | None  # the evidence file it resolves to, None if it does not
    document_problem: str | None = None  # why it does not resolve
    # the file document_path leads to, symbolic links followed: one file under two names is one
    document_file: str | None = None
    problems: tuple[Problem, ...] = ()  # metadata that cannot be read

    @property
    def payee(self) -> str:
        return self.entry.payee or ""

    @property
    def narration(self) -> str:
        return self.entry.narration or ""


@dataclass(frozen=True)
class TransferIn:
    """A transaction that moves money into the Surplus Fund from outside it."""

    entry: data.Transaction
    date: datetime.date
    location: Location
    usd: Decimal
    fiscal_year: int | None
    audit_ref: str | None
    balance_after: Decimal
    problems: tuple[Problem, ...] = ()  # metadata that cannot be read


@dataclass(frozen=True)
class Refund:
    """Money paid back into the Surplus Fund from project costs (a reversed surplus use)."""

    entry: data.Transaction
    date: datetime.date
    location: Location
    usd: Decimal
    uses: tuple[Use, ...]  # negative: what the refund takes back
    balance_after: Decimal


@dataclass(frozen=True)
class Opening:
    date: datetime.date
    location: Location
    usd: Decimal


@dataclass(frozen=True)
class Cost:
    """A project expense posting, with where its money came from."""

    project: str
    category: str | None
    account: str
    date: datetime.date
    usd: Decimal
    source: str
    location: Location
    funded_on: datetime.date  # when the source paid it (an accrual's payment date)

    def source_on(self, date: datetime.date) -> str:
        """The source as known on ``date``: before its payment, an accrual is unpaid."""
        return self.source if self.funded_on <= date else UNPAID_SOURCE


@dataclass(frozen=True)
class Contribution:
    """A member's contribution for a fiscal year: assessed (income) or received (cash), in
    the operating currency on its day (``usd``) and in the units it was booked in."""

    member: str
    fiscal_year: int
    kind: str  # "assessed" or "received"
    date: datetime.date
    usd: Decimal
    location: Location
    number: Decimal
    currency: str


@dataclass(frozen=True)
class OperatingYear:
    income: Decimal = ZERO
    expenses: Decimal = ZERO

    @property
    def surplus(self) -> Decimal:
        return self.income - self.expenses


@dataclass
class Facts:
    as_of: datetime.date  # the day that decides which projects are closed
    fund_accounts: tuple[str, ...]
    until: datetime.date | None = None  # entries after it are left out (--as-of)
    left_out: int = 0  # how many entries were left out
    last_date: datetime.date | None = None  # of the latest entry judged
    projects: frozenset[str] = frozenset()  # projects with accounts in the ledger
    outflows: list[Outflow] = field(default_factory=list)
    transfers: list[TransferIn] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    openings: list[Opening] = field(default_factory=list)
    costs: list[Cost] = field(default_factory=list)
    operating: dict[int, OperatingYear] = field(default_factory=dict)
    contributions: list[Contribution] = field(default_factory=list)
    # (date, fund balance after every transaction that touched the fund)
    fund_history: list[tuple[datetime.date, Decimal]] = field(default_factory=list)
    fund_entries: list[data.Transaction] = field(default_factory=list)  # one a history point
    # (date, currency, units, value as booked) of each fund posting in another currency
    fund_foreign: list[tuple[datetime.date, str, Decimal, Decimal]] = field(default_factory=list)
    converter: Converter | None = None  # the ledger's prices, to value those units on a day
    # metadata no check reads (a contribution's fiscal-year) that cannot be read
    problems: list[tuple[Location, datetime.date, Problem]] = field(default_factory=list)
    conventions: Conventions = DEFAULT  # the ledger's: its accounts, keys and currency
    signatures: Signatures | None = None  # the approvals folder, read when a check asks

    @property
    def end(self) -> datetime.date:
        """The last day the facts speak of: the cut-off, else the later of the as-of date
        and the latest entry (a payment dated next week is judged, and reported)."""
        if self.until is not None:
            return self.until
        return max(self.as_of, self.last_date or self.as_of)

    @property
    def has_fund(self) -> bool:
        return bool(self.fund_accounts)

    @functools.cached_property
    def _outflow_by_entry(self) -> dict[int, Outflow]:
        return {id(o.entry): o for o in self.outflows}  # asked once the facts are built

    def outflow_of(self, entry: Any) -> Outflow | None:
        """The surplus outflow of ``entry`` (the very directive), if it is one."""
        return self._outflow_by_entry.get(id(entry))

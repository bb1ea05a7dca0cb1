"""The co-funded benchmark profile (benchmarks/generate_cofunded.py): accounts, the transaction
model, the daily exchange rates and the generator's state (the cast: :mod:`cofunded_spec`).

Written independently of benchmarks/generate.py (a second witness of the engine's speed and
verdicts): other names, other account tree, other ways of paying, other file layout.
Every figure, payee, person and resolution is invented.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

from cofunded_spec import RESOLUTIONS

if TYPE_CHECKING:
    from cofunded_spec import ProjectSpec, ResolutionSpec

CENT = Decimal("0.01")
ZERO = Decimal(0)
FLOOR = Decimal("100000.00")  # the reserve floor of the rules written for this profile
THRESHOLD = Decimal("5000.00")  # their approval threshold (two approvers above it)

FUND = "Assets:Surplus-Fund"
BANK = f"{FUND}:Bank"
DEPOSIT = f"{FUND}:Deposit"
IMPREST = {"IDR": f"{FUND}:Imprest-IDR", "THB": f"{FUND}:Imprest-THB",
           "LAK": f"{FUND}:Imprest-LAK"}  # LAK has no price entry: the conversion plants
FUND_OF = {"USD": BANK, **IMPREST}
OPERATING_USD = "Assets:Operating:Bank-USD"
OPERATING_IDR = "Assets:Operating:Bank-IDR"
PETTY_CASH = "Assets:Operating:Petty-Cash-IDR"
PAYABLES = "Liabilities:Payables"
OPENING = "Equity:Opening-Balances"
INTEREST = "Income:Other:Bank-Interest"
PROJECTS = "Expenses:Projects"
SECRETARIAT = "Expenses:Secretariat"
# rounding step of an amount in each currency (the IDR and LAK are written without decimals)
STEP = {"USD": CENT, "IDR": Decimal(1000), "THB": Decimal(10), "LAK": Decimal(1000)}

ELIGIBLE = ("Research", "Consultants", "Meetings", "Study-Tours", "Travel", "Publications",
            "Translation")

# --- the transaction model -------------------------------------------------------------------


@dataclass
class Leg:
    account: str
    number: Decimal
    currency: str
    price: Decimal | None = None  # per unit, in USD (``@``)


@dataclass
class Txn:
    date: datetime.date
    payee: str
    narration: str
    legs: list[Leg]
    meta: dict[str, str] = field(default_factory=dict)  # key -> value as written
    links: tuple[str, ...] = ()
    family: str = "projects"  # the file it goes to: projects, operating or fund
    role: str = ""
    project: str | None = None  # for an accrual's payment: the project of the accrual
    evidence: tuple[str, str] | None = None  # (account folder, file name) to create
    plant: tuple[str, str] | None = None
    seq: int = 0


@dataclass
class Project:
    spec: ProjectSpec
    resolution: str
    adopted: datetime.date
    start: datetime.date
    end: datetime.date

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def close(self) -> datetime.date:
        return self.end + datetime.timedelta(days=self.spec.window)

    @property
    def eligible(self) -> list[str]:
        return [c for c in self.spec.categories if c in ELIGIBLE]

    def account(self, category: str) -> str:
        return f"{PROJECTS}:{self.name}:{category}"


def project_of(account: str) -> str | None:
    parts = account.split(":")
    return parts[2] if account.startswith(PROJECTS + ":") and len(parts) > 2 else None


def is_fund(account: str) -> bool:
    return account == FUND or account.startswith(FUND + ":")


def ceil_to(value: Decimal, step: Decimal | int) -> Decimal:
    return (Decimal(value) / step).to_integral_value(rounding=ROUND_CEILING) * step


def floor_to(value: Decimal, step: Decimal | int) -> Decimal:
    return (Decimal(value) / step).to_integral_value(rounding=ROUND_FLOOR) * step


# --- exchange rates ----------------------------------------------------------------------------


class Rates:
    """USD per unit: IDR every day, THB on weekdays (a weekend converts at Friday's price),
    LAK never (the engine converts it to nothing: a conversion finding)."""

    def __init__(self, rng: random.Random, first: datetime.date, last: datetime.date) -> None:
        self.daily: dict[str, dict[datetime.date, Decimal]] = {"IDR": {}, "THB": {}}
        idr, thb = 7000, 3000  # 1e-8 USD per IDR; 1e-5 USD per THB
        day = first
        while day <= last:
            idr = min(8200, max(6100, idr + rng.choice((-9, -4, -2, 0, 0, 2, 4, 9))))
            self.daily["IDR"][day] = Decimal(idr).scaleb(-8)
            if day.weekday() < 5:
                thb = min(3300, max(2650, thb + rng.choice((-6, -3, 0, 0, 3, 6))))
                self.daily["THB"][day] = Decimal(thb).scaleb(-5)
            day += datetime.timedelta(days=1)

    def rate(self, currency: str, day: datetime.date) -> Decimal | None:
        if currency == "USD":
            return Decimal(1)
        prices = self.daily.get(currency)
        if not prices:
            return None
        for back in range(7):
            found = prices.get(day - datetime.timedelta(days=back))
            if found is not None:
                return found
        return None

    def usd(self, leg: Leg, day: datetime.date) -> Decimal:
        """The leg in USD as the engine counts it: its ``@`` price, else the latest price."""
        if leg.price is not None:
            return leg.number * leg.price
        rate = self.rate(leg.currency, day)
        return leg.number * rate if rate is not None else ZERO


# --- the generator's state -------------------------------------------------------------------


class State:
    """What the parts of the generator share: the random source, the calendar, the projects,
    the transactions so far, and the amounts already paid out of the fund."""

    def __init__(self, transactions: int, seed: int, findings: int, start_year: int,
                 years: int = 10) -> None:
        self.n, self.k, self.seed = transactions, findings, seed
        self.rng = random.Random(f"cofunded-{seed}")
        self.y0, self.years = start_year, years
        self.first = datetime.date(start_year, 1, 1)
        self.last = datetime.date(start_year + years - 1, 12, 31)
        self.rates = Rates(self.rng, self.first, self.last)
        self.txns: list[Txn] = []
        self.counters: dict[str, int] = defaultdict(int)
        self.paid_out: set[tuple[str, Decimal]] = set()  # every fund outflow amount: unique
        self.extra_evidence: list[tuple[str, str]] = []
        self.resolutions: list[tuple[ResolutionSpec, str, datetime.date]] = []
        self.projects: list[Project] = []
        self.ceilings: dict[str, Decimal] = {}
        for spec in RESOLUTIONS:
            year = start_year + spec.offset
            rid = f"{year - 1979}GA/{year}/{spec.committee}/{spec.number:02d}"
            adopted = datetime.date(year, spec.month, spec.day)
            self.resolutions.append((spec, rid, adopted))
            for p in spec.projects:
                self.projects.append(Project(
                    p, rid, adopted, datetime.date(start_year + p.start[0], *p.start[1:]),
                    datetime.date(start_year + p.end[0], *p.end[1:])))

    def add(self, txn: Txn) -> Txn:
        self.counters["seq"] += 1
        txn.seq = self.counters["seq"]
        self.txns.append(txn)
        return txn

    def day(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randrange((end - start).days + 1))

    def amount(self, currency: str, low_usd: float, high_usd: float) -> Decimal:
        """A log-uniform amount worth about ``low_usd``..``high_usd``, in ``currency``."""
        usd = math.exp(self.rng.uniform(math.log(low_usd), math.log(high_usd)))
        per_unit = {"USD": 1.0, "IDR": 0.00007, "THB": 0.03, "LAK": 0.000115}[currency]
        step = STEP[currency]
        return max(step, floor_to(Decimal(repr(usd / per_unit)), step))

    def unique(self, currency: str, number: Decimal) -> Decimal:
        """``number`` nudged until no other fund outflow paid exactly it: a repeat of payee
        and amount is a duplicate finding, and only the planted ones may be."""
        while (currency, number) in self.paid_out:
            number += STEP[currency]
        self.paid_out.add((currency, number))
        return number

    def number(self, prefix: str, date: datetime.date) -> str:
        key = f"{prefix}-{date.year}"
        self.counters[key] += 1
        return f"{key}-{self.counters[key]:05d}"

    def usd(self, leg: Leg, date: datetime.date) -> Decimal:
        return self.rates.usd(leg, date)

    def fund_out(self, txn: Txn) -> Decimal:
        """What ``txn`` takes out of the fund, in USD (negative: brings in)."""
        return -sum((self.usd(leg, txn.date) for leg in txn.legs if is_fund(leg.account)), ZERO)

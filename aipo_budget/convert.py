"""Bringing amounts to USD with the ledger's own prices (DOMAIN.md section 2).

A posting in USD counts as it is; a posting with a USD price (``@``) or a USD cost counts at
that rate; any other amount is converted at the latest ``price`` entry on or before its date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from beancount.core import prices

if TYPE_CHECKING:
    from collections.abc import Sequence

    from beancount.core import data

USD = "USD"
ZERO = Decimal(0)


@dataclass(frozen=True)
class Conversion:
    """How one amount was brought to USD."""

    number: Decimal
    currency: str
    usd: Decimal | None  # None: no USD price on or before the date
    rate: Decimal | None
    rate_date: datetime.date | None
    rate_source: str  # "par", "posting price", "posting cost", "price entry", "missing"




class Converter:
    """Brings postings to USD with the ledger's own prices.

    Rates are looked up once per (currency, date): a ledger has many postings but few of
    those pairs, and Beancount's price look-up is a bisection each time.
    """

    def __init__(self, entries: Sequence[data.Directive]) -> None:
        self.price_map = prices.build_price_map(entries)
        self._rates: dict[tuple[str, datetime.date], tuple[Any, Any]] = {}

    def rate(self, currency: str, date: datetime.date) -> tuple[Any, Any]:
        """(price date, rate) of ``currency`` in USD on ``date``; (None, None) when none."""
        key = (currency, date)
        found = self._rates.get(key)
        if found is None:
            found = self._rates[key] = prices.get_price(self.price_map, (currency, USD), date)
        return found

    def amount(self, number: Decimal, currency: str, date: datetime.date) -> Conversion:
        if currency == USD:
            return Conversion(number, currency, number, Decimal(1), None, "par")
        rate_date, rate = self.rate(currency, date)
        if rate is None:
            return Conversion(number, currency, None, None, None, "missing")
        return Conversion(number, currency, number * rate, rate, rate_date, "price entry")

    def posting(self, posting: data.Posting, date: datetime.date) -> Conversion:
        units = posting.units
        if units.currency != USD:
            if posting.price is not None and posting.price.currency == USD:
                rate = posting.price.number
                return Conversion(units.number, units.currency, units.number * rate, rate,
                                  date, "posting price")
            cost = posting.cost
            if cost is not None and cost.currency == USD and cost.number is not None:
                return Conversion(units.number, units.currency, units.number * cost.number,
                                  cost.number, date, "posting cost")
        return self.amount(units.number, units.currency, date)

    def usd(self, posting: data.Posting, date: datetime.date) -> Decimal:
        """The posting's value in USD, as ``posting`` computes it (zero when it has no price
        yet); written out because it runs for every posting of the ledger."""
        units = posting.units
        if units.currency == USD:
            return units.number
        price = posting.price
        if price is not None and price.currency == USD:
            return units.number * price.number
        cost = posting.cost
        if cost is not None and cost.currency == USD and cost.number is not None:
            return units.number * cost.number
        rate = self.rate(units.currency, date)[1]
        return units.number * rate if rate is not None else ZERO

"""Bringing amounts to the operating currency with the ledger's own prices (docs/conventions.md).

A posting in the operating currency counts as it is; one with a price (``@``) or a cost in it
counts at that rate; any other amount at the latest ``price`` entry on or before its date.
The ``usd`` fields keep their historical name: they hold the amount in the operating currency.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from beancount.core import prices

from aipo_budget.core.conventions import DEFAULT_CURRENCY

if TYPE_CHECKING:
    from collections.abc import Sequence

    from beancount.core import data

ZERO = Decimal(0)
HUNDRED, ONE_DECIMAL, CENT = Decimal(100), Decimal("0.1"), Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """``amount`` to the cent, as messages and tables show it: what the checks compare with a
    limit, so that a finding never states two equal figures (an amount converted at a price
    has more decimals, and 40,000.004 USD is 40,000.00 USD, not above it). An amount too
    large for a cent in 28 digits is given as it is."""
    try:
        return amount.quantize(CENT)
    except InvalidOperation:
        return amount


def percent(part: Decimal, whole: Decimal, places: Decimal = ONE_DECIMAL) -> Decimal | None:
    """``part`` as a percentage of ``whole``, to one decimal (or to ``places``); None when
    ``whole`` is zero. A share too large to keep a decimal in 28 digits (an absurd amount, a
    total a hair above zero) is given as computed: rounding it would be an error of Python's
    decimals."""
    if not whole:
        return None
    share = part / whole * HUNDRED
    try:
        return share.quantize(places)
    except InvalidOperation:
        return share


@dataclass(frozen=True)
class Conversion:
    """How one amount was brought to the operating currency."""

    number: Decimal
    currency: str
    usd: Decimal | None  # in the operating currency; None: no price on or before the date
    rate: Decimal | None
    rate_date: datetime.date | None
    rate_source: str  # "par", "posting price", "posting cost", "price entry", "missing"


class Converter:
    """Brings postings to the operating currency. Rates are looked up once per (currency,
    date): a ledger has many postings but few such pairs, and each look-up is a bisection."""

    def __init__(self, entries: Sequence[data.Directive],
                 currency: str = DEFAULT_CURRENCY) -> None:
        self.currency = currency
        self.price_map = prices.build_price_map(entries)
        self._rates: dict[tuple[str, datetime.date], tuple[Any, Any]] = {}

    def rate(self, currency: str, date: datetime.date) -> tuple[Any, Any]:
        """(price date, rate) of ``currency`` in the operating currency on ``date``;
        (None, None) when there is none."""
        key = (currency, date)
        if key not in self._rates:
            self._rates[key] = prices.get_price(self.price_map, (currency, self.currency), date)
        return self._rates[key]

    def posting(self, posting: data.Posting, date: datetime.date) -> Conversion:
        number, currency = posting.units.number, posting.units.currency
        if currency == self.currency:
            return Conversion(number, currency, number, Decimal(1), None, "par")
        price, cost = posting.price, posting.cost
        if price is not None and price.currency == self.currency:
            return Conversion(number, currency, number * price.number, price.number, date,
                              "posting price")
        if cost is not None and cost.currency == self.currency and cost.number is not None:
            return Conversion(number, currency, number * cost.number, cost.number, date,
                              "posting cost")
        rate_date, rate = self.rate(currency, date)
        if rate is None:
            return Conversion(number, currency, None, None, None, "missing")
        return Conversion(number, currency, number * rate, rate, rate_date, "price entry")

    def usd(self, posting: data.Posting, date: datetime.date) -> Decimal:
        """The posting's value in the operating currency, as ``posting`` computes it (zero
        when it has no price yet); written out because it runs for every posting."""
        units = posting.units
        currency = self.currency
        if units.currency == currency:
            return units.number
        price = posting.price
        if price is not None and price.currency == currency:
            return units.number * price.number
        cost = posting.cost
        if cost is not None and cost.currency == currency and cost.number is not None:
            return units.number * cost.number
        rate = self.rate(units.currency, date)[1]
        return units.number * rate if rate is not None else ZERO

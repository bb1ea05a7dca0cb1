"""A surplus outflow in another currency than the operating one has a price in the operating
currency on or before its date; so does every other amount that moves into or out of the fund
(a transfer-in, a refund, its opening balance): one with no price would count as nothing.

An outflow converted at a rate written in the payment (``@``) is a warning when that
rate is farther than ``rate_tolerance`` (10 %) from the ledger's latest price before its day,
and the amount by more than half a cent (a total rounded to the cent is no rate of its own): the
rate decides its amount in the operating currency, and with it the approval threshold, the
ceiling and the reserve it is judged by (17,000,000 LAK at 0.00000001 USD is 0.17 USD)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.core.checks._common import Seen, per_outflow
from aipo_budget.core.facts import Location
from aipo_budget.core.convert import HUNDRED
from aipo_budget.core.findings import WARNING, finding
from aipo_budget.core.params import param, ratio

if TYPE_CHECKING:
    from collections.abc import Iterator

    from beancount.core import data

    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.convert import Conversion
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import Rule, RuleSet, RuleVersion
    from aipo_budget.core.subject import Subject


@dataclass(frozen=True)
class Params:
    rate_tolerance: Decimal = param(ratio, default=Decimal("0.10"))


# a rate the payment itself gives: not a cost, which a payment out of a holding takes from
# the lot it reduces (Beancount's booking checks it), and a market since moved is no fault
WRITTEN_RATES = ("posting price",)


def compared_rate(facts: Facts, outflow: Outflow, c: Conversion) -> tuple[Any, Any]:
    """(date, rate) of the ledger's latest price of ``c``'s currency before ``outflow``'s day,
    when the payment gives its own rate: not one of its day, which Beancount's implicit_prices
    plugin may have made of that very rate."""
    if c.rate_source not in WRITTEN_RATES or not c.rate:
        return None, None
    return facts.converter.rate(c.currency, outflow.date - datetime.timedelta(days=1))


def converted(facts: Facts, outflow: Outflow, target: str) -> list[Fact]:
    """How each currency other than the operating one that left the fund was converted: the
    amount, the rate (exact, as the ledger has it) and the date of the price used."""
    found: list[Fact] = []
    for c in (c for c in outflow.conversions if c.currency != target):
        paid = f"{c.number:,} {c.currency}"
        if c.rate is None:
            found.append((paid, "(no price)", f"no {target} price on or before {outflow.date}"))
        else:
            found += [(paid, c.usd, f"in {target}"),
                      (f"rate {c.currency}", str(c.rate), f"{target} per {c.currency}"),
                      (f"price date {c.currency}", c.rate_date, c.rate_source)]
            day, price = compared_rate(facts, outflow, c)
            if price:
                found.append((f"price entry {c.currency}", str(price),
                              f"of {day}, the rate written in the payment compared with it"))
    return found


HALF_CENT = Decimal("0.005")


def _shown(rate: Decimal) -> str:
    """A rate to eight significant digits, without an exponent: 0.00000001, 0.00013333333."""
    return f"{rate:.{max(0, 7 - rate.adjusted())}f}".rstrip("0").rstrip(".")


def _far(version: RuleVersion, facts: Facts, outflow: Outflow, c: Conversion,
         target: str) -> Finding | None:
    """The warning of a rate written in the payment far from the ledger's price."""
    day, price = compared_rate(facts, outflow, c)
    # a total rounded to the cent (@@ 0.02 USD for 150 LAK) is no rate of its own
    if not price or abs(c.rate / price - 1) <= version.params.rate_tolerance \
            or abs(c.number * (c.rate - price)) <= HALF_CENT:
        return None
    off = (abs(c.rate / price - 1) * HUNDRED).quantize(Decimal("0.1"))
    return finding(version, outflow.date, outflow.location,
                   f"{c.number:,} {c.currency} converted at the rate the payment gives, "
                   f"{_shown(c.rate)} {target} per {c.currency}, {off} % "
                   f"{'below' if c.rate < price else 'above'} the price of {day} "
                   f"({_shown(price)}): "
                   f"that rate decides its amount in {target}, "
                   "and the approval, ceiling and reserve it is judged by",
                   outflow.usd, severity=WARNING)


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    target = facts.conventions.currency
    findings = tuple(
        finding(version, outflow.date, outflow.location,
                f"no {target} price for {c.currency} on or before {outflow.date}: "
                f"{c.number:,} {c.currency} cannot be converted (add a 'price {c.currency} ... "
                f"{target}' entry)")
        for c in outflow.conversions if c.usd is None)
    findings += tuple(far for c in outflow.conversions
                      if (far := _far(version, facts, outflow, c, target)) is not None)
    foreign = [c.currency for c in outflow.conversions if c.currency != target]
    why = (f"money left the fund in {', '.join(foreign)}" if foreign
           else f"the outflow is paid in {target}: nothing to convert")
    return Seen(version, bool(foreign), why, lambda: converted(facts, outflow, target),
                findings)


def unpriced(facts: Facts, txn: data.Transaction) -> list[tuple[str, Decimal]]:
    """(currency, units into the fund: negative out of it) of each currency of ``txn``'s
    fund postings that no price converts; a move between the fund's accounts nets to none."""
    moved: dict[str, Decimal] = defaultdict(Decimal)
    for posting in txn.postings:
        if facts.conventions.is_fund(posting.account) \
                and facts.converter.posting(posting, txn.date).usd is None:
            moved[posting.units.currency] += posting.units.number
    return sorted((currency, number) for currency, number in moved.items() if number)


def judge_movement(facts: Facts, version: RuleVersion, txn: data.Transaction) -> Seen:
    """A fund movement that is no surplus outflow: each amount in it that no price converts."""
    target, missing = facts.conventions.currency, unpriced(facts, txn)
    within = all(facts.conventions.is_fund(p.account) for p in txn.postings)
    findings = tuple(
        finding(version, txn.date, Location.of(txn.meta, txn),
                f"no {target} price for {currency} on or before {txn.date}: {abs(number):,} "
                f"{currency} {_moved(number, within)} cannot be converted and counts as "
                f"nothing in the fund (add a 'price {currency} ... {target}' entry)")
        for currency, number in missing)
    return Seen(version, bool(missing), "an amount moved into or out of the fund has no price"
                if missing else f"every amount of the fund it moves is in {target} or priced",
                lambda: [(f"{abs(n):,} {c}", "(no price)", f"no {target} price on or before "
                          f"{txn.date}") for c, n in missing], findings)


def _moved(number: Decimal, within: bool) -> str:
    """Which way an amount of the fund moved: a currency bought with another of the fund's."""
    return ("bought within the fund" if within and number > 0 else "moved within the fund"
            if within else "into the fund" if number > 0 else "out of the fund")


_outflows, _explain_outflow = per_outflow(judge)


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    yield from _outflows(facts, rule, ruleset)
    paid = {id(outflow.entry) for outflow in facts.outflows}
    for txn in facts.fund_entries:
        if id(txn) not in paid:
            yield from judge_movement(facts, rule.judging(txn.date), txn).findings


def explain(subject: Subject, rule: Rule) -> Seen:
    if subject.outflow is None and any(subject.facts.conventions.is_fund(p.account)
                                       for p in subject.txn.postings):
        return judge_movement(subject.facts, rule.judging(subject.date), subject.txn)
    return _explain_outflow(subject, rule)

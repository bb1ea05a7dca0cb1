"""Transfers of operating surplus into the Surplus Fund.

A transfer-in carries ``fiscal-year`` and ``audit-ref``, is dated after that year ends, and the
transfers for a fiscal year never exceed that year's operating surplus computed from the ledger
(all income except co-funding, less Secretariat expenses, in the operating currency). The error sits on the
transfer that crosses the surplus, and on every later transfer for that year. A fiscal year or
audit reference that cannot be read (``fiscal-year: "two thousand"``) is an error too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget import meta
from aipo_budget.facts import OperatingYear
from aipo_budget.findings import finding, money

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts, TransferIn
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def _metadata(transfer: TransferIn) -> Iterator[str]:
    """What is missing or unreadable in a transfer's metadata."""
    yield from (problem.message for problem in transfer.problems)
    keys = {problem.key for problem in transfer.problems}
    if transfer.fiscal_year is None and meta.FISCAL_YEAR not in keys:
        yield meta.missing(transfer.entry, meta.FISCAL_YEAR,
                           "transfer into the Surplus Fund does not name its fiscal year")
    if transfer.audit_ref is None and meta.AUDIT_REF not in keys:
        yield meta.missing(transfer.entry, meta.AUDIT_REF,
                           "transfer into the Surplus Fund has no audit reference")


@dataclass(frozen=True)
class Transferred:
    """A transfer-in with the transfers for its fiscal year before and after it (both zero
    when it names no readable fiscal year)."""

    transfer: TransferIn
    before: Decimal
    after: Decimal


def running(facts: Facts) -> Iterator[Transferred]:
    """Every transfer-in, in the facts' order, with the running total of its fiscal year's
    transfers: what the check judges against the year's surplus and ``explain`` lists."""
    transferred: dict[int, Decimal] = defaultdict(Decimal)
    for transfer in facts.transfers:
        year = transfer.fiscal_year
        if year is None:
            yield Transferred(transfer, Decimal(0), Decimal(0))
            continue
        before = transferred[year]
        transferred[year] += transfer.usd
        yield Transferred(transfer, before, transferred[year])


def operating_surplus(facts: Facts, year: int) -> Decimal:
    """Fiscal ``year``'s operating surplus computed from the ledger (zero without entries)."""
    return facts.operating.get(year, OperatingYear()).surplus


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    currency = facts.conventions.currency
    for step in running(facts):
        transfer = step.transfer
        version = rule.judging(transfer.date)
        year = transfer.fiscal_year

        def report(message: str, amount: Decimal | None = transfer.usd) -> Finding:
            return finding(version, transfer.date, transfer.location, message, amount,
                           currency=currency)

        yield from (report(message) for message in _metadata(transfer))
        if year is None:
            continue
        if transfer.date <= meta.year_end(year):
            yield report(f"transfer of fiscal year {year}'s surplus is dated {transfer.date}, "
                         f"before that year ended")
        surplus = operating_surplus(facts, year)
        if step.after > surplus:
            yield report(
                f"transfers for fiscal year {year} reach {money(step.after, currency)}, "
                f"more than that year's operating surplus of {money(surplus, currency)}",
                min(transfer.usd, step.after - max(surplus, Decimal(0))),
            )

"""Transfers of operating surplus into the Surplus Fund.

A transfer-in carries ``fiscal-year`` and ``audit-ref``, is dated after that year ends, and the
transfers for a fiscal year never exceed that year's operating surplus computed from the ledger
(all income except co-funding, less Secretariat expenses, in the operating currency). The error sits on the
transfer that crosses the surplus, and on every later transfer for that year. A fiscal year or
audit reference that cannot be read (``fiscal-year: "two thousand"``) is an error too.
"""

from __future__ import annotations

from collections import defaultdict
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


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    currency = facts.conventions.currency
    transferred: dict[int, Decimal] = defaultdict(Decimal)
    for transfer in facts.transfers:
        version = rule.judging(transfer.date)
        year = transfer.fiscal_year
        if year is not None:
            transferred[year] += transfer.usd

        def report(message: str, amount: Decimal | None = transfer.usd) -> Finding:
            return finding(version, transfer.date, transfer.location, message, amount,
                           currency=currency)

        yield from (report(message) for message in _metadata(transfer))
        if year is None:
            continue
        if transfer.date <= meta.year_end(year):
            yield report(f"transfer of fiscal year {year}'s surplus is dated {transfer.date}, "
                         f"before that year ended")
        surplus = facts.operating.get(year, OperatingYear()).surplus
        if transferred[year] > surplus:
            yield report(
                f"transfers for fiscal year {year} reach {money(transferred[year], currency)}, "
                f"more than that year's operating surplus of {money(surplus, currency)}",
                min(transfer.usd, transferred[year] - max(surplus, Decimal(0))),
            )

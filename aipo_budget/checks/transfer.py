"""Transfers of operating surplus into the Surplus Fund.

A transfer-in carries ``fiscal-year`` and ``audit-ref``, is dated after that year ends, and the
transfers for a fiscal year never exceed that year's operating surplus computed from the ledger
(all income except co-funding, less Secretariat expenses, in USD). The error sits on the
transfer that crosses the surplus, and on every later transfer for that year.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.facts import OperatingYear
from aipo_budget.findings import finding, usd

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def fiscal_year(value: Any) -> int | None:
    """The fiscal year a transfer's metadata names, or None when it names none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, Decimal)) and value == int(value) and 1900 < value < 3000:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return fiscal_year(int(value.strip()))
    return None


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    transferred: dict[int, Decimal] = defaultdict(Decimal)
    for transfer in facts.transfers:
        version = rule.in_force(transfer.date)
        year = fiscal_year(transfer.fiscal_year)
        if year is not None:
            transferred[year] += transfer.usd
        if version is None:
            continue

        def report(message: str, amount: Decimal | None = transfer.usd) -> Finding:
            return finding(version, transfer.date, transfer.location, message, amount)

        if year is None:
            yield report("transfer into the Surplus Fund does not name its fiscal year "
                         f"(metadata 'fiscal-year', e.g. 2004; got {transfer.fiscal_year!r})")
        if not transfer.audit_ref or not str(transfer.audit_ref).strip():
            yield report("transfer into the Surplus Fund has no audit reference "
                         "(metadata 'audit-ref')")
        if year is None:
            continue
        if transfer.date <= datetime.date(year, 12, 31):
            yield report(f"transfer of fiscal year {year}'s surplus is dated {transfer.date}, "
                         f"before that year ended")
        surplus = facts.operating.get(year, OperatingYear()).surplus
        if transferred[year] > surplus:
            yield report(
                f"transfers for fiscal year {year} reach {usd(transferred[year])}, more than "
                f"that year's operating surplus of {usd(surplus)}",
                min(transfer.usd, transferred[year] - max(surplus, Decimal(0))),
            )

"""Transfers of operating surplus into the Surplus Fund.

A transfer-in carries ``fiscal-year`` and ``audit-ref``, is dated after that year ends, and the
transfers for a fiscal year never exceed that year's operating surplus computed from the ledger
(all income except co-funding, less Secretariat expenses, in the operating currency), both to
the cent. The error
sits on the transfer that crosses the surplus, and on every later transfer for that year. A
fiscal year or audit reference that cannot be read (``fiscal-year: "two thousand"``) is an error
too.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import Entries, Seen, metadata, row, unread
from aipo_budget.core.convert import cents
from aipo_budget.core.facts import OperatingYear
from aipo_budget.core.findings import finding, money

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.facts import Facts, TransferIn
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import Rule, RuleSet, RuleVersion
    from aipo_budget.core.subject import Subject


def running(facts: Facts) -> Iterator[tuple[TransferIn, Decimal, Decimal]]:
    """Every transfer-in, in the facts' order, with its fiscal year's transfers before and
    after it (both zero when it names no readable fiscal year): what the check judges against
    the year's surplus and ``explain`` lists."""
    transferred: dict[int | None, Decimal] = defaultdict(Decimal)
    for transfer in facts.transfers:
        before = transferred[transfer.fiscal_year]
        if transfer.fiscal_year is not None:
            transferred[transfer.fiscal_year] += transfer.usd
        yield transfer, before, transferred[transfer.fiscal_year]


def judge(facts: Facts, version: RuleVersion, transfer: TransferIn, before: Decimal,
          after: Decimal) -> Seen:
    """A transfer-in: its metadata, its date against its fiscal year's end, and the year's
    transfers up to it against the year's operating surplus."""
    currency, year = facts.conventions.currency, transfer.fiscal_year
    found = [(message, transfer.usd) for message in (
        unread(transfer, meta.FISCAL_YEAR, year is not None,
               "transfer into the Surplus Fund does not name its fiscal year"),
        unread(transfer, meta.AUDIT_REF, transfer.audit_ref is not None,
               "transfer into the Surplus Fund has no audit reference")) if message]
    # the year's operating surplus computed from the ledger (zero without entries)
    operating = facts.operating.get(year)
    surplus = (operating or OperatingYear()).surplus
    if year is not None:
        if transfer.date <= meta.year_end(year):
            found.append((f"transfer of fiscal year {year}'s surplus is dated {transfer.date}, "
                          f"before that year ended", transfer.usd))
        if cents(after) > cents(surplus):  # compared to the cent, as the message shows them
            found.append((f"transfers for fiscal year {year} reach {money(after, currency)}, "
                          f"more than that year's operating surplus of {money(surplus, currency)}",
                          min(transfer.usd, cents(after) - cents(max(surplus, Decimal(0))))))

    def compared() -> list[Fact]:
        seen = [metadata(transfer, "fiscal year", meta.FISCAL_YEAR, year),
                metadata(transfer, "audit reference", meta.AUDIT_REF, transfer.audit_ref),
                ("dated", transfer.date, ""), ("amount", transfer.usd, currency)]
        if year is None:
            return seen
        seen.append(("fiscal year ended", meta.year_end(year), "the calendar year"))
        if operating is not None:
            seen += [(f"operating income {year}", operating.income, "all income but co-funding"),
                     (f"operating expenses {year}", operating.expenses, "Secretariat expenses")]
        return seen + [(f"operating surplus {year}", surplus, "computed from the ledger"),
                       (f"transferred for {year} before", before, ""),
                       (f"transferred for {year} after", after, "this transfer included")]

    return Seen(version, True, "money comes into the Surplus Fund", compared, tuple(
        finding(version, transfer.date, transfer.location, message, amount)
        for message, amount in found))


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    for transfer, before, after in running(facts):
        yield from judge(facts, rule.judging(transfer.date), transfer, before, after).findings


def explain(subject: Subject, rule: Rule) -> Seen:
    version, this = rule.judging(subject.date), subject.transfer
    if this is None:
        return Seen(version, False, subject.not_a("surplus transfer-in"))
    steps = [step for step in running(subject.facts) if step[0].fiscal_year == this.fiscal_year]
    steps = steps[:next(i for i, step in enumerate(steps) if step[0] is this) + 1]
    seen = judge(subject.facts, version, *steps[-1])
    if this.fiscal_year is None:
        return seen
    return dataclasses.replace(seen, entries=Entries(
        f"{rule.id}: the transfers for fiscal year {this.fiscal_year} up to this one",
        [row(t.date, t.location, t.usd, before, after) for t, before, after in steps]))

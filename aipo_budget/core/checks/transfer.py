"""Transfers of operating surplus into the Surplus Fund.

A transfer-in carries ``fiscal-year`` and ``audit-ref``, is dated after that year ends, and the
transfers for a fiscal year never exceed that year's operating surplus computed from the ledger
(all income except co-funding, less Secretariat expenses, in the operating currency). The error sits on the
transfer that crosses the surplus, and on every later transfer for that year. A fiscal year or
audit reference that cannot be read (``fiscal-year: "two thousand"``) is an error too.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import Entries, Seen, written
from aipo_budget.core.facts import OperatingYear
from aipo_budget.core.findings import finding, money, transaction_text

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.subject import Subject
    from aipo_budget.core.facts import Facts, TransferIn
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import Rule, RuleSet, RuleVersion


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


def judge(facts: Facts, version: RuleVersion, step: Transferred) -> Seen:
    """A transfer-in: its metadata, its date against its fiscal year's end, and the year's
    transfers up to it against the year's operating surplus."""
    transfer, currency, c = step.transfer, facts.conventions.currency, facts.conventions
    year = transfer.fiscal_year
    messages = [(message, transfer.usd) for message in _metadata(transfer)]
    surplus = operating_surplus(facts, year) if year is not None else Decimal(0)

    def compared() -> list[Fact]:
        seen: list[Fact] = [
            ("fiscal year", written(transfer, meta.FISCAL_YEAR, year), f"metadata '{c.fiscal_year}'"),
            ("audit reference", written(transfer, meta.AUDIT_REF, transfer.audit_ref),
             f"metadata '{c.audit_ref}'"),
            ("dated", transfer.date, ""),
            ("amount", transfer.usd, currency),
        ]
        if year is None:
            return seen
        operating = facts.operating.get(year)
        seen.append(("fiscal year ended", meta.year_end(year), "the calendar year"))
        if operating is not None:
            seen += [(f"operating income {year}", operating.income, "all income but co-funding"),
                     (f"operating expenses {year}", operating.expenses, "Secretariat expenses")]
        return seen + [(f"operating surplus {year}", surplus, "computed from the ledger"),
                       (f"transferred for {year} before", step.before, ""),
                       (f"transferred for {year} after", step.after, "this transfer included")]

    if year is not None:
        if transfer.date <= meta.year_end(year):
            messages.append((f"transfer of fiscal year {year}'s surplus is dated {transfer.date}, "
                             f"before that year ended", transfer.usd))
        if step.after > surplus:
            messages.append((f"transfers for fiscal year {year} reach {money(step.after, currency)}, "
                             f"more than that year's operating surplus of {money(surplus, currency)}",
                             min(transfer.usd, step.after - max(surplus, Decimal(0)))))
    return Seen(version, True, "money comes into the Surplus Fund", compared, tuple(
        finding(version, transfer.date, transfer.location, message, amount, currency=currency)
        for message, amount in messages))


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    for step in running(facts):
        yield from judge(facts, rule.judging(step.transfer.date), step).findings


def explain(subject: Subject, rule: Rule) -> Seen:
    version = rule.judging(subject.date)
    if subject.transfer is None:
        return Seen(version, False, subject.not_a("surplus transfer-in"))
    year = subject.transfer.fiscal_year
    steps = []
    for step in running(subject.facts):
        if step.transfer.fiscal_year == year or step.transfer is subject.transfer:
            steps.append(step)
        if step.transfer is subject.transfer:
            break
    seen = judge(subject.facts, version, steps[-1])
    if year is None:
        return seen
    rows = [{"date": s.transfer.date, "location": s.transfer.location,
             "transaction": transaction_text(s.transfer.entry), "amount": s.transfer.usd,
             "before": s.before, "after": s.after} for s in steps]
    return dataclasses.replace(seen, entries=Entries(
        f"{rule.id}: the transfers for fiscal year {year} up to this one", rows))

"""The tables of a period's money: the statement of the Surplus Fund, with the seals that cover
it (notes), and the member contributions, assessed against received."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core.facts import ZERO
from aipo_budget.core.convert import cents
from aipo_budget.core.seals import BROKEN, HOLDS
from aipo_budget.outputs.table import Column, Kind, Table, table

if TYPE_CHECKING:
    from collections.abc import Iterable

    from aipo_budget.core.facts import Contribution
    from aipo_budget.core.seals import SealedPeriod
    from aipo_budget.outputs.tables.context import Context

Line = dict  # {"line": ..., "detail": ..., "amount": ...}
Key = tuple[str, int]  # (member, fiscal year)


def balance_before(ctx: Context, day: datetime.date | None) -> Decimal:
    """The fund's balance at the start of ``day``: its holdings in another currency valued at
    the day before's price, not at the prices they were booked at (the difference is an
    exchange difference of the statement)."""
    balance = ZERO
    for when, after in ctx.facts.fund_history if day is not None else ():
        if when >= day:
            break
        balance = after
    units: dict[str, Decimal] = defaultdict(Decimal)
    bought: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])  # units in, value
    for when, currency, number, value in ctx.facts.fund_foreign if day is not None else ():
        if when >= day:
            break
        units[currency] += number
        balance -= value
        if number > 0 and value > 0:  # a move between fund accounts with no price: no cost
            bought[currency][0] += number
            bought[currency][1] += value
    for currency, number in units.items():
        rate = ctx.facts.converter.rate(currency, day - datetime.timedelta(days=1))[1]
        if rate is None:  # no price entry: at what the units cost as they came in
            count, cost = bought[currency]
            rate = cost / count if count else ZERO
        balance += number * rate
    return balance


def reserve_floor(ctx: Context) -> Decimal:
    versions = (rule.in_force(ctx.end) for rule in ctx.result.ruleset.of_kind("reserve"))
    return next((version.params.floor for version in versions if version is not None), ZERO)


def _line(line: str, detail: str, amount: Decimal) -> Line:
    return {"line": line, "detail": detail, "amount": amount}


def _summed(line: str, amounts: Iterable[tuple[str, Decimal]]) -> list[Line]:
    """One line per detail, its amounts summed, in the order of the details."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for detail, amount in amounts:
        sums[detail] += amount
    return [_line(line, detail, amount) for detail, amount in sorted(sums.items())]


def _movements(ctx: Context) -> list[Line]:
    uses = [use for outflow in ctx.outflows for use in outflow.uses]
    refunds = [use for refund in ctx.facts.refunds if refund.date in ctx.period
               for use in refund.uses]
    return [
        *(_line("Opening balance entry", str(item.date), item.usd)
          for item in ctx.facts.openings if item.date in ctx.period),
        *_summed("Transfer in", (
            (f"fiscal year {t.fiscal_year or 'not named'} ({t.audit_ref or 'no audit-ref'})", t.usd)
            for t in ctx.facts.transfers if t.date in ctx.period)),
        *_summed("Outflow, project", ((f"{u.project} / {u.category or '-'}", -u.usd)
                                      for u in uses if u.project)),
        *_summed("Other outflow", ((u.account, -u.usd) for u in uses if not u.project)),
        *_summed("Refund to the fund, project", ((f"{u.project} / {u.category or '-'}", -u.usd)
                                                 for u in refunds)),
    ]


@dataclass(frozen=True)
class FundPosition:
    """The fund at the period end: its balance, the reserve floor, the allocations of open
    projects not yet spent (committed) and those of closed projects (lapsed)."""

    closing: Decimal
    floor: Decimal
    committed: Decimal
    lapsed: Decimal

    @property
    def headroom(self) -> Decimal:
        """Above the reserve floor."""
        return self.closing - self.floor

    @property
    def available(self) -> Decimal:
        """For new allocations: closing - reserve - committed."""
        return self.closing - self.floor - self.committed


def fund_position(ctx: Context) -> FundPosition:
    committed = lapsed = ZERO
    for project in ctx.projects:
        allocation = ctx.allocation(project)
        if allocation is None:
            continue
        unspent = max(allocation - ctx.surplus_of(project), ZERO)
        if ctx.terms(project).closed:
            lapsed += unspent
        else:
            committed += unspent
    closing = balance_before(ctx, ctx.end + datetime.timedelta(days=1))
    return FundPosition(closing, reserve_floor(ctx), committed, lapsed)


def _commitments(at: FundPosition) -> list[Line]:
    return [
        _line("Reserve floor", "", at.floor),
        _line("Allocated, not yet spent (committed by rule)", "", at.committed),
        _line("Lapsed allocations (closed projects, back to available)", "", at.lapsed),
        _line("Available for new allocations", "closing - reserve - committed", at.available),
    ]


def sealed(ctx: Context) -> list[SealedPeriod]:
    """The seals (as the engine verified them) that cover (part of) the period: every seal
    covers the ledger from its beginning to its date."""
    start = ctx.period.start
    return [p for p in ctx.result.seals if start is None or p.through >= start]


def seal_note(period: SealedPeriod) -> str:
    """Sealed through 2006-12-31 by A. Auditor on 2007-03-02: holds."""
    when = f" on {period.sealed_on}" if period.sealed_on else ""
    state = {HOLDS: "holds",
             BROKEN: f"BROKEN, {period.differences} change(s) since (findings of kind seal)",
             }.get(period.status, f"{period.status} (see the findings of kind seal)")
    forced = f"; sealed over error findings: {period.reason}" if period.forced else ""
    signed = f"; signed by {period.signed_by}" if period.signed_by else ""
    return f"Sealed through {period.through} by {period.by}{when}: {state}{forced}{signed}."


def fund_statement(ctx: Context) -> Table:
    opening = balance_before(ctx, ctx.period.start)
    movements = _movements(ctx)
    at = fund_position(ctx)
    lines = [_line("Opening balance", "", opening), *movements]
    difference = at.closing - opening - sum((m["amount"] for m in movements), ZERO)
    if difference:
        lines.append(_line("Exchange and other differences", "", difference))
    lines.append(_line("Closing balance", str(ctx.end), at.closing))
    lines += _commitments(at)
    return table("fund-statement", ctx.title("Statement of the Surplus Fund"),
                 (Column("line", "line"), Column("detail", "detail"),
                  Column("amount", f"amount ({ctx.currency})", Kind.AMOUNT)), lines,
                 notes=[seal_note(period) for period in sealed(ctx)])


@dataclass
class _Year:
    """A member's fiscal year up to the period end: per currency, the units and value
    assessed and received (each at its day's rate); the day of the latest receipt."""

    booked: dict[str, list[Decimal]] = field(
        default_factory=lambda: defaultdict(lambda: [ZERO] * 4))
    last: datetime.date | None = None

    def add(self, item: Contribution) -> None:
        found = self.booked[item.currency]
        at = 0 if item.kind == "assessed" else 2
        found[at] += item.number
        found[at + 1] += item.usd
        if at and item.number > 0:
            self.last = max(self.last or item.date, item.date)

    @property
    def assessed(self) -> Decimal:
        return sum((value for _, value, _, _ in self.booked.values()), ZERO)

    @property
    def received(self) -> Decimal:
        """Received, valued at the rate of what it pays (the assessment's, the rate the
        receivable carries) so that assessed less received is the receivable's balance; at the
        day's rate when nothing is assessed in its currency (paid in advance)."""
        total = ZERO
        for units, value, paid, paid_value in self.booked.values():
            if paid == units:
                total += value
            elif units:
                total += cents(paid * value / units)
            else:
                total += paid_value
        return total

    @property
    def exchange(self) -> Decimal:
        """Received at the day's rates less at the assessment's: no receipt, no advance."""
        return sum((row[3] for row in self.booked.values()), ZERO) - self.received


def contributions(ctx: Context) -> Table:
    """Each member's fiscal years assessed or paid by the period end that were assessed or
    paid in the period, or are still in arrears (or paid in advance) at its end."""
    years: dict[Key, _Year] = defaultdict(_Year)
    active: set[Key] = set()
    for item in (i for i in ctx.facts.contributions if i.date <= ctx.end):
        years[(item.member, item.fiscal_year)].add(item)
        if item.date in ctx.period:
            active.add((item.member, item.fiscal_year))
    ledger = ctx.facts.conventions
    # a year paid before it is assessed (a receipt in advance) is listed too
    keys = sorted(k for k, y in years.items() if k in active or y.assessed != y.received)
    rows = [{"member": member, "fiscal_year": year, "assessed": years[(member, year)].assessed,
             "received": years[(member, year)].received,
             "last_received": years[(member, year)].last,
             "arrears": years[(member, year)].assessed - years[(member, year)].received}
            for member, year in keys]
    totals = {"member": "Total", **{key: sum((row[key] for row in rows), ZERO)
                                    for key in ("assessed", "received")},
              # what is owed: a year paid in advance is not set against another's debt
              "arrears": sum((row["arrears"] for row in rows if row["arrears"] > 0), ZERO)}
    exchanged = [f"{member} {year}: {years[(member, year)].exchange:,.2f}"
                 for member, year in keys if years[(member, year)].exchange]
    return table(
        "contributions", ctx.title("Member contributions, assessed and received"),
        (Column("member", "member"), Column("fiscal_year", "fiscal year", Kind.YEAR),
         Column("assessed", "assessed", Kind.AMOUNT), Column("received", "received", Kind.AMOUNT),
         Column("last_received", "last received", Kind.DATE),
         Column("arrears", "arrears", Kind.AMOUNT)),
        rows, totals,
        notes=(f"Amounts in {ctx.currency}. Assessed: {ledger.contributions}:<Member> postings "
               f"(less write-offs); received: what moved {ledger.receivables}:<Member> against "
               "any other account (less receipts reversed), valued at the assessment's rate, so "
               "that arrears are the receivable's balance; both up to the period end, by the "
               f"{ledger.fiscal_year} metadata. Listed: the fiscal years assessed or paid in the "
               "period, and all arrears at its end; negative arrears: paid in advance, which "
               "the total arrears (what is owed) leaves out.",
               *([f"Exchange differences (received at the day's rates less at the assessment's): "
                  f"{'; '.join(exchanged)}."] if exchanged else [])))

"""The statement of the Surplus Fund for a period, with the seals that cover it (notes)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core.facts import ZERO
from aipo_budget.core.seals import BROKEN, HOLDS
from aipo_budget.outputs.table import Column, Kind, Table, table

if TYPE_CHECKING:
    from aipo_budget.core.seals import SealedPeriod
    from aipo_budget.outputs.tables.context import Context

Line = dict  # {"line": ..., "detail": ..., "amount": ...}


def balance_before(ctx: Context, day: datetime.date | None) -> Decimal:
    balance = ZERO
    for when, after in ctx.facts.fund_history if day is not None else ():
        if when >= day:
            break
        balance = after
    return balance


def reserve_floor(ctx: Context) -> Decimal:
    versions = (rule.in_force(ctx.end) for rule in ctx.result.ruleset.of_kind("reserve"))
    return next((version.params.floor for version in versions if version is not None), ZERO)


def _line(line: str, detail: str, amount: Decimal) -> Line:
    return {"line": line, "detail": detail, "amount": amount}


def _transfers(ctx: Context) -> list[Line]:
    by_year: dict[str, Decimal] = defaultdict(Decimal)
    for transfer in ctx.facts.transfers:
        if transfer.date in ctx.period:
            ref = str(transfer.audit_ref or "no audit-ref")
            year = transfer.fiscal_year or "not named"
            by_year[f"fiscal year {year} ({ref})"] += transfer.usd
    return [_line("Transfer in", key, amount) for key, amount in sorted(by_year.items())]


def _outflows(ctx: Context) -> list[Line]:
    uses: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for outflow in ctx.outflows:
        for use in outflow.uses:
            key = ((f"{use.project} / {use.category or '-'}", "project")
                   if use.project else (use.account, "other"))
            uses[key] -= use.usd
    ordered = sorted(uses.items())
    return ([_line("Outflow, project", key, amount)
             for (key, kind), amount in ordered if kind == "project"]
            + [_line("Other outflow", key, amount)
               for (key, kind), amount in ordered if kind == "other"])


def _refunds(ctx: Context) -> list[Line]:
    refunds: dict[str, Decimal] = defaultdict(Decimal)
    for refund in ctx.facts.refunds:
        if refund.date in ctx.period:
            for use in refund.uses:
                refunds[f"{use.project} / {use.category or '-'}"] -= use.usd
    return [_line("Refund to the fund, project", key, amount)
            for key, amount in sorted(refunds.items())]


def _commitments(ctx: Context, closing: Decimal) -> list[Line]:
    floor = reserve_floor(ctx)
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
    return [
        _line("Reserve floor", "", floor),
        _line("Allocated, not yet spent (committed by rule)", "", committed),
        _line("Lapsed allocations (closed projects, back to available)", "", lapsed),
        _line("Available for new allocations", "closing - reserve - committed",
              closing - floor - committed),
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
    return f"Sealed through {period.through} by {period.by}{when}: {state}{forced}."


def fund_statement(ctx: Context) -> Table:
    opening = balance_before(ctx, ctx.period.start)
    movements = [_line("Opening balance entry", str(item.date), item.usd)
                 for item in ctx.facts.openings if item.date in ctx.period]
    movements += _transfers(ctx) + _outflows(ctx) + _refunds(ctx)
    closing = balance_before(ctx, ctx.end + datetime.timedelta(days=1))
    lines = [_line("Opening balance", "", opening), *movements]
    difference = closing - opening - sum((m["amount"] for m in movements), ZERO)
    if difference:
        lines.append(_line("Exchange and other differences", "", difference))
    lines.append(_line("Closing balance", str(ctx.end), closing))
    lines += _commitments(ctx, closing)
    return table("fund-statement", ctx.title("Statement of the Surplus Fund"),
                 (Column("line", "line"), Column("detail", "detail"),
                  Column("amount", f"amount ({ctx.currency})", Kind.AMOUNT)), lines,
                 notes=[seal_note(period) for period in sealed(ctx)])

"""Budget against actual and the co-funding schedule, life to date at the period end."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.core.facts import SURPLUS_SOURCE, ZERO
from aipo_budget.core.facts.model import UNPAID_SOURCE
from aipo_budget.outputs.table import Column, Kind, Status, Table, table
from aipo_budget.core.convert import HUNDRED, ONE_DECIMAL, percent
from aipo_budget.outputs.tables.context import funded_by

if TYPE_CHECKING:
    from aipo_budget.core.facts import Cost
    from aipo_budget.outputs.tables.context import Context


def ceiling_status(spent: Decimal, allocation: Decimal | None,
                   warn_at: Decimal | None) -> Status:
    if allocation is None:
        return Status.NO_ALLOCATION
    if spent > allocation:
        return Status.EXCEEDED
    if warn_at is not None and spent >= allocation * warn_at:
        return Status.WARNING
    return Status.WITHIN


def _project_row(ctx: Context, project: str) -> dict[str, Any]:
    costs = ctx.costs_of(project)
    project_terms = ctx.terms(project)
    allocation = ctx.allocation(project)
    surplus = ctx.surplus_of(project)
    total = sum((c.usd for c in costs), ZERO)
    has = allocation is not None
    return {
        "project": project, "category": "(all)",
        "allocation_original": project_terms.original_allocation if has else None,
        "allocation": allocation, "surplus": surplus,
        "cofunded": total - funded_by(costs, ctx.end) - funded_by(costs, ctx.end, UNPAID_SOURCE),
        "total": total,
        "remaining": (allocation - surplus) if has else None,
        "pct_used": percent(surplus, allocation) if allocation else None,
        "warn_at": (project_terms.warn_at * HUNDRED).quantize(ONE_DECIMAL) if has else None,
        "status": ceiling_status(surplus, allocation, project_terms.warn_at),
        "lapsed": max(allocation - surplus, ZERO) if has and project_terms.closed else None,
    }


def _category_rows(ctx: Context, project: str) -> list[dict[str, Any]]:
    by_category: dict[str, list[Cost]] = defaultdict(list)
    for cost in ctx.costs_of(project):
        by_category[cost.category or "-"].append(cost)
    rows = []
    for category, mine in sorted(by_category.items()):
        spent = funded_by(mine, ctx.end)
        amount = sum((c.usd for c in mine), ZERO)
        rows.append({"project": project, "category": category, "surplus": spent,
                     "cofunded": amount - spent - funded_by(mine, ctx.end, UNPAID_SOURCE),
                     "total": amount})
    return rows


def budget(ctx: Context) -> Table:
    rows = [row for project in ctx.projects
            for row in [_project_row(ctx, project), *_category_rows(ctx, project)]]
    return table(
        "budget", ctx.title("Budget against actual", life_to_date=True),
        (Column("project", "project"), Column("category", "category"),
         Column("allocation_original", "allocation (original)", Kind.AMOUNT),
         Column("allocation", "allocation (final)", Kind.AMOUNT),
         Column("surplus", "spent from surplus", Kind.AMOUNT),
         Column("cofunded", "spent from co-funding", Kind.AMOUNT),
         Column("total", "total cost", Kind.AMOUNT), Column("remaining", "remaining", Kind.AMOUNT),
         Column("pct_used", "% used", Kind.PERCENT), Column("warn_at", "warning at", Kind.PERCENT),
         Column("status", "ceiling status", Kind.STATUS), Column("lapsed", "lapsed", Kind.AMOUNT)),
        rows, notes=(f"Amounts in {ctx.currency}. '% used' and the ceiling status compare the "
                     "surplus-funded cost with the final allocation; 'spent from co-funding' is "
                     "every other source; the total cost also counts costs accrued and not yet "
                     "paid (the co-funding schedule lists them). A project's (all) line counts "
                     "what the ceiling counts: a payment beyond its accrual too, which is no "
                     "category's cost.",))


def _source_rows(ctx: Context, project: str) -> list[dict[str, Any]]:
    costs = ctx.costs_of(project)
    total = sum((c.usd for c in costs), ZERO)
    cap = ctx.terms(project).cap
    by_source: dict[str, Decimal] = defaultdict(Decimal)
    for cost in costs:
        by_source[cost.source_on(ctx.end)] += cost.usd
    rows: list[dict[str, Any]] = []
    for source in sorted(by_source, key=lambda s: (s != SURPLUS_SOURCE, s)):
        row: dict[str, Any] = {"project": project, "source": source, "amount": by_source[source],
                               "share": percent(by_source[source], total)}
        if source == SURPLUS_SOURCE and cap is not None:
            row["cap"] = (cap * HUNDRED).quantize(ONE_DECIMAL)
            if row["share"] is not None:
                row["status"] = (Status.ABOVE_CAP if by_source[source] > cap * total
                                 else Status.WITHIN_CAP)
        rows.append(row)
    rows.append({"project": project, "source": "Total", "amount": total,
                 "share": percent(total, total)})
    return rows


def cofunding(ctx: Context) -> Table:
    rows = [row for project in ctx.projects if ctx.costs_of(project)
            for row in _source_rows(ctx, project)]
    return table(
        "cofunding", ctx.title("Co-funding schedule", life_to_date=True),
        (Column("project", "project"), Column("source", "source"),
         Column("amount", f"amount ({ctx.currency})", Kind.AMOUNT),
         Column("share", "share of total cost", Kind.PERCENT),
         Column("cap", "cap", Kind.PERCENT), Column("status", "status", Kind.STATUS)),
        rows)

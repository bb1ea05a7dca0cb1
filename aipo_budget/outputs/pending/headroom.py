"""The headroom left after a proposed payment, what a finance officer reads before releasing
it: per project charged, the allocation remaining, the surplus share against the co-funding cap
(now, and if no more co-funding comes) and the days left (negative: passed); for the fund, the
distance to the reserve floor; for the payment, the approvals still needed. Every figure is read
from the audit of the ledger with the payment in it, through the functions the checks use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.core import meta
from aipo_budget.core.checks._common import signed_claims
from aipo_budget.core.checks.approval import required
from aipo_budget.core.checks.cofunding import shares
from aipo_budget.core.facts import ZERO
from aipo_budget.core.findings import money
from aipo_budget.core.projects import terms
from aipo_budget.outputs.table import Column, Kind, table
from aipo_budget.core.convert import percent

if TYPE_CHECKING:
    import datetime
    from collections.abc import Iterable, Mapping, Sequence
    from decimal import Decimal

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.outputs.table import Table

Row = dict[str, Any]


@dataclass(frozen=True)
class Position:
    """What the headroom reads of the ledger with the payment in it: per project, the
    surplus-funded spending (the ceiling's running total, summed) and the (surplus-funded,
    total) cost; the fund's balance after each transaction that touched it."""

    spent: Mapping[str, Decimal]
    shares: Mapping[str, tuple[Decimal, Decimal]]
    history: Sequence[tuple[datetime.date, Decimal]]


def position(facts: Facts, projects: Iterable[str]) -> Position:
    projects = set(projects)
    spent = dict.fromkeys(projects, ZERO)
    for event in [*facts.outflows, *facts.refunds]:
        for use in event.uses:
            if use.project in spent:
                spent[use.project] += use.usd
    return Position(spent, {p: shares(facts, p) for p in projects}, facts.fund_history)


def _row(measure: str, project: str | None = None, **values: Any) -> Row:
    return {"measure": measure, "project": project, **values}


def _project_rows(result: Audit, at: Position, outflow: Outflow, project: str) -> list[Row]:
    currency = result.facts.conventions.currency
    project_terms = terms(result.ruleset, project, outflow.date)
    rows, spent, remaining = [], at.spent[project], ZERO
    if project_terms.allocation is not None:
        allocation = project_terms.allocation
        remaining = allocation - spent
        note = (f"{money(spent, currency)} spent of {money(allocation, currency)} "
                f"({project_terms.ceiling.label})")
        if project_terms.close is not None and outflow.date > project_terms.close:
            note += f"; the project closed on {project_terms.close}: the rest has lapsed"
        rows.append(_row("allocation remaining", project, amount=remaining,
                         percent=percent(remaining, allocation), note=note))
    surplus, total = at.shares[project]
    if project_terms.cap is not None and total:
        cap = f"cap {project_terms.cap * 100:.0f} % ({project_terms.cofunding.label})"
        rows.append(_row("surplus share of the project's cost", project,
                         percent=percent(surplus, total),
                         note=f"{money(surplus, currency)} of {money(total, currency)}; {cap}"))
        rest = max(remaining, ZERO)
        rows.append(_row("surplus share if no more co-funding comes", project,
                         percent=percent(surplus + rest, total + rest),
                         note=f"the remaining {money(rest, currency)} of the allocation spent "
                              f"from the surplus alone; {cap}"))
    if project_terms.period is not None:
        rows.append(_row("days left in the project period", project, date=project_terms.end,
                         number=(project_terms.end - outflow.date).days,
                         note=f"from the payment date {outflow.date}"))
        rows.append(_row("days left in the payment window", project, date=project_terms.close,
                         number=(project_terms.close - outflow.date).days,
                         note=f"{project_terms.window_days} days after the period ends"))
    return rows


def _reserve_rows(result: Audit, at: Position, outflow: Outflow) -> list[Row]:
    currency = result.facts.conventions.currency
    later = [(day, balance) for day, balance in at.history if day >= outflow.date]
    lowest_day, lowest = min(later, key=lambda item: item[1],
                             default=(outflow.date, outflow.balance_after))
    rows = []
    for rule in result.ruleset.of_kind("reserve"):
        version = rule.judging(outflow.date)
        floor = version.params.floor
        rows.append(_row("above the reserve floor", amount=lowest - floor, date=lowest_day,
                         note=f"lowest fund balance from {outflow.date} on "
                              f"{money(lowest, currency)}, floor {money(floor, currency)} "
                              f"({version.label})"))
    return rows


def _approval_rows(result: Audit, outflow: Outflow) -> list[Row]:
    currency = result.facts.conventions.currency
    preparers = {meta.person_key(name) for name in meta.split_names(outflow.prepared_by or "")}
    counted = {meta.person_key(name) for name in outflow.approvers} - preparers - {""}
    rows = []
    for rule in result.ruleset.of_kind("approval"):
        version = rule.judging(outflow.date)
        needed = required(outflow.usd, version)
        named = ", ".join(outflow.approvers) or "none"
        note = (f"{needed} different approver{'s' if needed > 1 else ''} needed for "
                f"{money(outflow.usd, currency)} ({version.label}); named: {named}")
        if outflow.prepared_by:
            note += f"; the preparer {outflow.prepared_by} cannot be one of them"
        claims = signed_claims(result.facts, result.ruleset, outflow, version, "approve")
        if claims is not None:  # the signatures still needed, the preparer's included
            counted -= {meta.person_key(c.name) for c in claims if not c.counts}
            missing = [f"{c.name} ({c.role})" for c in result.facts.signatures.claims(
                outflow, result.ruleset.register) if not c.counts]
            note += ("; signatures still needed: " + ", ".join(missing) + " (aipo-budget "
                     "approve)") if missing else "; every name is signed"
        rows.append(_row("approvals still needed", number=max(needed - len(counted), 0),
                         note=note))
    return rows


def charged(outflow: Outflow) -> list[str]:
    """The projects ``outflow`` pays for, in the order of its postings."""
    return list(dict.fromkeys(u.project for u in outflow.uses if u.project))


def headroom(result: Audit, proposal: Any, title: str, at: Position | None = None) -> Table:
    """The headroom table of ``proposal`` in ``result`` (the audit with it), or at the
    position ``at`` of the ledger with it, when ``result`` holds later proposals too (the
    proposal's own facts are the same in both)."""
    outflow = result.facts.outflow_of(proposal)
    rows: list[Row] = []
    if outflow is not None:
        at = at or position(result.facts, charged(outflow))
        for project in charged(outflow):
            rows += _project_rows(result, at, outflow, project)
        rows += _reserve_rows(result, at, outflow) + _approval_rows(result, outflow)
    notes = () if outflow else ("Not a surplus outflow: no Surplus Fund headroom applies.",)
    return table(
        "headroom", title,
        (Column("measure", "headroom"), Column("project", "project"),
         Column("amount", f"amount ({result.facts.conventions.currency})", Kind.AMOUNT),
         Column("percent", "%", Kind.PERCENT), Column("date", "until", Kind.DATE),
         Column("number", "days / more", Kind.NUMBER), Column("note", "note")),
        rows, notes=notes)

"""Member contributions, assessed against received."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.core.facts import ZERO
from aipo_budget.outputs.table import Column, Kind, Table, table

if TYPE_CHECKING:
    from aipo_budget.outputs.tables.context import Context

Key = tuple[str, int]  # (member, fiscal year)


def contributions(ctx: Context) -> Table:
    """Each member's fiscal years assessed by the period end that were assessed or paid in
    the period, or are still in arrears at its end."""
    assessed: dict[Key, Decimal] = defaultdict(Decimal)
    received: dict[Key, Decimal] = defaultdict(Decimal)
    last: dict[Key, datetime.date] = {}
    active: set[Key] = set()
    for item in (i for i in ctx.facts.contributions if i.date <= ctx.end):
        key = (item.member, item.fiscal_year)
        if item.kind == "assessed":
            assessed[key] += item.usd
        else:
            received[key] += item.usd
            last[key] = max(last.get(key, item.date), item.date)
        if item.date in ctx.period:
            active.add(key)
    ledger = ctx.facts.conventions
    keys = sorted(k for k in assessed if k in active or assessed[k] != received[k])
    rows = [{"member": member, "fiscal_year": year, "assessed": assessed[(member, year)],
             "received": received[(member, year)], "last_received": last.get((member, year)),
             "arrears": assessed[(member, year)] - received[(member, year)]}
            for member, year in keys]
    totals = {"member": "Total", **{key: sum((row[key] for row in rows), ZERO)
                                    for key in ("assessed", "received", "arrears")}}
    return table(
        "contributions", ctx.title("Member contributions, assessed and received"),
        (Column("member", "member"), Column("fiscal_year", "fiscal year", Kind.YEAR),
         Column("assessed", "assessed", Kind.AMOUNT), Column("received", "received", Kind.AMOUNT),
         Column("last_received", "last received", Kind.DATE),
         Column("arrears", "arrears", Kind.AMOUNT)),
        rows, totals,
        notes=(f"Amounts in {ctx.currency}. Assessed: {ledger.contributions}:<Member> postings; "
               f"received: credits of {ledger.receivables}:<Member>; both up to the period end, "
               f"by the {ledger.fiscal_year} metadata. Listed: the fiscal years assessed or paid "
               "in the period, and all arrears at its end.",))

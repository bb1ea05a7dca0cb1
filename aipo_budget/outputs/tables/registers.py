"""The two registers: the disbursements (the audit trail of surplus outflows) and the findings.

The findings register is built once, from findings alone (a cached check has no audit), and
every output shows it: ``check`` a view of its columns, ``report``, the pack and the Fava page.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from aipo_budget.core.facts import ZERO
from aipo_budget.outputs.table import Column, Kind, Location, Status, Table, table

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from aipo_budget.core.facts import Outflow
    from aipo_budget.core.findings import Finding
    from aipo_budget.outputs.tables.context import Context

# the columns `check` shows in a terminal (and the waiver, when a finding is waived)
CHECK_VIEW = ("severity", "kind", "rule", "date", "location", "amount", "condition", "citation")
# a finding's severity and status as the register shows them
SEVERITY = {"error": Status.ERROR, "warning": Status.WARNING, "waived": Status.WAIVED}
STATUS = {"error": Status.TO_CORRECT, "warning": Status.TO_REVIEW, "waived": Status.WAIVED}
# rules that judge no outflow by themselves: the ledger's validity, a transfer's, the waivers
# (they judge only the findings of a transaction that cites one), the seals and the manifest
# (they judge the books as a whole)
NOT_JUDGING = ("transfer", "ledger", "waiver", "seal", "manifest")


def _versions_on(ctx: Context, date: datetime.date) -> list[str]:
    """The rule versions an outflow on ``date`` is judged by, compactly: rules of one
    instrument prefix in the same version are grouped (``ORG08-* v1 (6 rules)``)."""
    groups: dict[tuple[str, int], list[str]] = defaultdict(list)
    for rule in ctx.result.ruleset.rules:
        # as the checks judge it: by the first version when the outflow is earlier
        version = None if rule.kind in NOT_JUDGING else rule.judging(date)
        if version is not None:
            groups[(rule.id.split("-")[0], version.number)].append(rule.id)
    return [
        f"{ids[0]} v{number}" if len(ids) == 1 else f"{prefix}-* v{number} ({len(ids)} rules)"
        for (prefix, number), ids in sorted(groups.items())
    ]


def _rates(outflow: Outflow, currency: str) -> str:
    return "; ".join(
        f"{c.currency}: {c.rate} ({c.rate_source}"
        + (f" {c.rate_date}" if c.rate_source == "price entry" else "") + ")"
        for c in outflow.conversions if c.currency != currency
    ) or currency


def _disbursement(ctx: Context, outflow: Outflow, findings: list[Finding],
                  judged_by: dict[datetime.date, str]) -> dict[str, Any]:
    document = (Location(outflow.document_path or "", 0, outflow.document)
                if outflow.document else None)
    return {
        "date": outflow.date, "payee": outflow.payee, "narration": outflow.narration,
        "original": "; ".join(f"{c.number:,} {c.currency}" for c in outflow.conversions),
        "amount": outflow.usd, "rate": _rates(outflow, ctx.currency),
        "resolution": outflow.resolution or "", "prepared_by": outflow.prepared_by or "",
        "approved_by": ", ".join(outflow.approvers), "document": document,
        "judged_by": judged_by[outflow.date],
        "findings": "; ".join(f"{f.severity} {f.rule}" + (f" ({f.waiver})" if f.waiver else "")
                              for f in findings) or "none",
        "location": ctx.where(outflow.location.filename, outflow.location.lineno),
    }


def disbursements(ctx: Context) -> Table:
    shown, notes = ctx.latest_of("disbursements", ctx.outflows, totals=True)
    located: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    for item in ctx.result.findings:
        located[(item.filename, item.lineno)].append(item)
    # thousands of outflows share a few hundred days
    judged_by = {day: ", ".join(_versions_on(ctx, day)) for day in {o.date for o in shown}}
    rows = [_disbursement(ctx, o, located[(o.location.filename, o.location.lineno)], judged_by)
            for o in shown]
    total = sum((o.usd for o in ctx.outflows), ZERO)
    return table(
        "disbursements", ctx.title("Disbursement register (surplus outflows)"),
        (Column("date", "date", Kind.DATE), Column("payee", "payee"),
         Column("narration", "narration"), Column("original", "original amount"),
         Column("amount", ctx.currency, Kind.AMOUNT), Column("rate", "rate used"),
         Column("resolution", "resolution"), Column("prepared_by", "prepared by"),
         Column("approved_by", "approved by"), Column("document", "document", Kind.DOCUMENT),
         Column("judged_by", "judged by"), Column("findings", "findings"),
         Column("location", "location", Kind.LOCATION)),
        rows, {"date": None, "payee": "Total", "amount": total}, notes)


def findings_register(findings: Sequence[Finding], title: str,
                      where: Callable[[str, int], Location], currency: str,
                      notes: Sequence[str] = ()) -> Table:
    """The findings register: criterion with citation, condition, amount, location, and the
    waiver that covers a waived finding."""
    rows = [{
        "severity": SEVERITY.get(f.severity, f.severity),
        "date": f.date, "kind": f.kind, "rule": f.version_label, "citation": f.citation,
        "criterion": f.criterion, "condition": f.message, "project": f.project,
        "transaction": f.transaction,
        "amount": f.amount, "location": where(f.filename, f.lineno),
        "status": STATUS.get(f.severity, Status.TO_REVIEW), "waiver": f.waiver,
    } for f in findings]
    return table(
        "findings", title,
        (Column("severity", "severity", Kind.STATUS), Column("date", "date", Kind.DATE),
         Column("kind", "kind"), Column("rule", "rule (version)"),
         Column("citation", "citation"), Column("criterion", "criterion"),
         Column("condition", "condition"), Column("project", "project"),
         Column("transaction", "transaction"),
         Column("amount", f"amount ({currency})", Kind.AMOUNT),
         Column("location", "location", Kind.LOCATION),
         Column("status", "status", Kind.STATUS), Column("waiver", "waiver")),
        rows, notes=notes)


def findings_view(register: Table, view: Sequence[str]) -> Table:
    """The columns ``view`` of the findings register, and its waiver column when a finding
    of it is waived (a column nearly always empty is left out of the short views)."""
    waived = "waiver" not in view and any(register.values("waiver"))
    return register.select((*view, "waiver") if waived else view)


def findings(ctx: Context) -> Table:
    dated = [f for f in ctx.result.findings if f.date in ctx.period]
    latest, notes = ctx.latest_of("findings", dated, totals=False)
    return findings_register(latest, ctx.title("Findings register"), ctx.where, ctx.currency,
                             notes)

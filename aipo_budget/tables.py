"""The audit tables (DOMAIN.md section 4), as data: built from the facts and findings of one audit.

The CLI, the audit pack and the Fava page all render these same :class:`Table` objects.
Period bounds are inclusive; ``end`` defaults to the audit's end (Facts.end). Budget against actual
and co-funding are life-to-date at the period end; the fund statement, the registers and the
contributions table cover the period.
"""

from __future__ import annotations

import datetime
import os
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from aipo_budget.checks.cofunding import project_close
from aipo_budget.facts import SURPLUS_SOURCE, ZERO
from aipo_budget.render import Table

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from aipo_budget.engine import Audit
    from aipo_budget.facts import Cost, Outflow

TABLE_NAMES = ("fund-statement", "budget", "cofunding", "contributions", "disbursements",
               "findings")
HUNDRED = Decimal(100)
PCT = Decimal("0.1")


class Period:
    def __init__(self, start: datetime.date | None, end: datetime.date) -> None:
        self.start, self.end = start, end

    def __contains__(self, date: datetime.date | None) -> bool:
        if date is None:
            return True
        return (self.start is None or date >= self.start) and date <= self.end

    def __str__(self) -> str:
        return f"{self.start or 'beginning'} to {self.end}"


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole * HUNDRED).quantize(PCT) if whole else None


def pct_text(value: Decimal | None) -> str:
    return "" if value is None else f"{value} %"


def _balance_before(result: Audit, date: datetime.date | None) -> Decimal:
    balance = ZERO
    if date is None:
        return balance
    for day, after in result.facts.fund_history:
        if day >= date:
            break
        balance = after
    return balance


def _balance_at(result: Audit, date: datetime.date) -> Decimal:
    return _balance_before(result, date + datetime.timedelta(days=1))


def _projects(result: Audit, end: datetime.date) -> list[str]:
    """Projects with costs by ``end``, or with an allocation in force on ``end``."""
    names = {c.project for c in result.facts.costs if c.date <= end}
    names.update(r.project for r in result.ruleset.of_kind("ceiling") if r.in_force(end))
    return sorted(n for n in names if n)


def _surplus_spent(costs: Sequence[Cost], end: datetime.date) -> Decimal:
    return sum((c.usd for c in costs if c.source_on(end) == SURPLUS_SOURCE), ZERO)


class _Builder:
    def __init__(self, result: Audit, period: Period, ledger: str, root: str) -> None:
        self.result, self.period, self.ledger, self.root = result, period, ledger, root
        self.facts = result.facts
        self.costs_to_end = [c for c in self.facts.costs if c.date <= period.end]

    def where(self, filename: str, lineno: int) -> str:
        """file:line, relative to the ledger's folder so that tables do not depend on it."""
        if self.root and filename.startswith(self.root + os.sep):
            filename = filename[len(self.root) + 1:]
        return f"{filename}:{lineno}"

    def title(self, what: str) -> str:
        where = f", {self.ledger}" if self.ledger else ""
        return f"{what}, {self.period}{where}"

    # --- allocation of a project as the period ends --------------------------------------
    def allocation(self, project: str) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
        """(original, final, warn_at) allocation of ``project``, None when it has none."""
        rule = self.result.ruleset.for_project("ceiling", project)
        if rule is None:
            return None, None, None
        final = rule.in_force(self.period.end)
        if final is None:  # not yet allocated at the period end
            return None, None, None
        return (rule.versions[0].params["allocation"], final.params["allocation"],
                final.params["warn_at"])

    def closed(self, project: str) -> bool:
        close = project_close(self.result.ruleset, project, self.period.end)
        return close is not None and self.period.end >= close

    def unspent(self, project: str) -> Decimal:
        _original, final, _warn = self.allocation(project)
        if final is None:
            return ZERO
        mine = [c for c in self.costs_to_end if c.project == project]
        spent = _surplus_spent(mine, self.period.end)
        return max(final - spent, ZERO)

    # --- 1. statement of the Surplus Fund ------------------------------------------------
    def fund_statement(self) -> Table:
        period, facts = self.period, self.facts
        opening = _balance_before(self.result, period.start)
        rows: list[tuple] = [("Opening balance", "", opening)]
        for item in facts.openings:
            if item.date in period:
                rows.append(("Opening balance entry", str(item.date), item.usd))
        by_year: dict[str, Decimal] = defaultdict(Decimal)
        for transfer in facts.transfers:
            if transfer.date in period:
                ref = str(transfer.audit_ref or "no audit-ref")
                year = transfer.fiscal_year or "not named"
                by_year[f"fiscal year {year} ({ref})"] += transfer.usd
        rows += [("Transfer in", key, amount) for key, amount in sorted(by_year.items())]
        uses: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for outflow in self.outflows():
            for use in outflow.uses:
                key = ((f"{use.project} / {use.category or '-'}", "project")
                       if use.project else (use.account, "other"))
                uses[key] -= use.usd
        rows += [("Outflow, project", key, amount)
                 for (key, kind), amount in sorted(uses.items()) if kind == "project"]
        rows += [("Other outflow", key, amount)
                 for (key, kind), amount in sorted(uses.items()) if kind == "other"]
        refunds: dict[str, Decimal] = defaultdict(Decimal)
        for refund in facts.refunds:
            if refund.date in period:
                for use in refund.uses:
                    refunds[f"{use.project} / {use.category or '-'}"] -= use.usd
        rows += [("Refund to the fund, project", key, amount)
                 for key, amount in sorted(refunds.items())]
        closing = _balance_at(self.result, period.end)
        movements = opening + sum((row[2] for row in rows[1:]), ZERO)
        if closing != movements:
            rows.append(("Exchange and other differences", "", closing - movements))
        rows.append(("Closing balance", str(period.end), closing))
        floor = self._reserve_floor()
        committed = sum((self.unspent(p) for p in _projects(self.result, self.period.end) if not self.closed(p)),
                        ZERO)
        lapsed = sum((self.unspent(p) for p in _projects(self.result, self.period.end) if self.closed(p)), ZERO)
        rows += [
            ("Reserve floor", "", floor),
            ("Allocated, not yet spent (committed by rule)", "", committed),
            ("Lapsed allocations (closed projects, back to available)", "", lapsed),
            ("Available for new allocations", "closing - reserve - committed",
             closing - floor - committed),
        ]
        return Table("fund-statement", self.title("Statement of the Surplus Fund"),
                     ("line", "detail", "amount (USD)"), tuple(rows))

    def _reserve_floor(self) -> Decimal:
        for rule in self.result.ruleset.of_kind("reserve"):
            version = rule.in_force(self.period.end)
            if version is not None:
                return version.params["floor"]
        return ZERO

    def outflows(self) -> list[Outflow]:
        return [o for o in self.facts.outflows if o.date in self.period]

    # --- 2. budget against actual --------------------------------------------------------
    def budget(self) -> Table:
        rows = []
        for project in _projects(self.result, self.period.end):
            costs = [c for c in self.costs_to_end if c.project == project]
            original, final, warn = self.allocation(project)
            surplus = _surplus_spent(costs, self.period.end)
            total = sum((c.usd for c in costs), ZERO)
            used = percent(surplus, final) if final else None
            if final is None:
                status = "no allocation"
            elif surplus > final:
                status = "exceeded"
            elif surplus >= final * warn:
                status = "warning"
            else:
                status = "within"
            closed = self.closed(project)
            lapsed = max(final - surplus, ZERO) if (closed and final is not None) else None
            rows.append((project, "(all)", original, final, surplus, total - surplus, total,
                         (final - surplus) if final is not None else None, pct_text(used),
                         status, lapsed))
            categories = sorted({c.category or "-" for c in costs})
            for category in categories:
                mine = [c for c in costs if (c.category or "-") == category]
                spent = _surplus_spent(mine, self.period.end)
                amount = sum((c.usd for c in mine), ZERO)
                rows.append((project, category, None, None, spent, amount - spent, amount,
                             None, "", "", None))
        return Table(
            "budget", self.title("Budget against actual (life to date)"),
            ("project", "category", "allocation (original)", "allocation (final)",
             "spent from surplus", "spent from co-funding", "total cost", "remaining",
             "% used", "ceiling status", "lapsed"),
            tuple(rows),
            notes=("'% used' and the ceiling status compare the surplus-funded cost with the "
                   "final allocation; 'spent from co-funding' is every other source.",),
        )

    # --- 3. co-funding schedule ----------------------------------------------------------
    def cofunding(self) -> Table:
        rows = []
        for project in _projects(self.result, self.period.end):
            costs = [c for c in self.costs_to_end if c.project == project]
            total = sum((c.usd for c in costs), ZERO)
            if not costs:
                continue
            cap = self._cap(project)
            by_source: dict[str, Decimal] = defaultdict(Decimal)
            for cost in costs:
                by_source[cost.source_on(self.period.end)] += cost.usd
            order = sorted(by_source, key=lambda s: (s != SURPLUS_SOURCE, s))
            for source in order:
                share = percent(by_source[source], total)
                is_surplus = source == SURPLUS_SOURCE
                status = ""
                if is_surplus and cap is not None and share is not None:
                    status = "above cap" if by_source[source] > cap * total else "within cap"
                rows.append((project, source, by_source[source], pct_text(share),
                             pct_text((cap * HUNDRED).quantize(PCT)) if (is_surplus and cap)
                             else "", status))
            rows.append((project, "Total", total, pct_text(percent(total, total)), "", ""))
        return Table("cofunding", self.title("Co-funding schedule (life to date)"),
                     ("project", "source", "amount (USD)", "share of total cost", "cap",
                      "status"), tuple(rows))

    def _cap(self, project: str) -> Decimal | None:
        rule = self.result.ruleset.for_project("cofunding", project)
        if rule is None:
            return None
        version = rule.in_force(self.period.end)
        return version.params["max_share"] if version else None

    # --- 4. member contributions ---------------------------------------------------------
    def contributions(self) -> Table:
        """Each member's fiscal years assessed by the period end that were assessed or paid
        in the period, or are still in arrears at its end."""
        assessed: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        received: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
        last: dict[tuple[str, int], datetime.date] = {}
        active: set[tuple[str, int]] = set()
        for item in self.facts.contributions:
            if item.date > self.period.end:
                continue
            key = (item.member, item.fiscal_year)
            if item.kind == "assessed":
                assessed[key] += item.usd
            else:
                received[key] += item.usd
                last[key] = max(last.get(key, item.date), item.date)
            if item.date in self.period:
                active.add(key)
        keys = sorted(k for k in assessed if k in active or assessed[k] != received[k])
        rows = tuple(
            (member, year, assessed[(member, year)], received[(member, year)],
             last.get((member, year)), assessed[(member, year)] - received[(member, year)])
            for member, year in keys
        )
        totals = ("Total", "", sum((r[2] for r in rows), ZERO), sum((r[3] for r in rows), ZERO),
                  None, sum((r[5] for r in rows), ZERO))
        return Table("contributions", self.title("Member contributions, assessed and received"),
                     ("member", "fiscal year", "assessed", "received", "last received",
                      "arrears"), rows, totals,
                     notes=("Assessed: Income:Contributions:<Member> postings; received: "
                            "credits of Assets:Receivables:Contributions:<Member>; both up to "
                            "the period end, by the fiscal-year metadata. Listed: the fiscal "
                            "years assessed or paid in the period, and all arrears at its end.",))

    # --- 5. disbursement register --------------------------------------------------------
    def disbursements(self) -> Table:
        located = self._findings_by_location()
        rows = []
        for outflow in self.outflows():
            original = "; ".join(f"{c.number:,} {c.currency}" for c in outflow.conversions)
            rates = "; ".join(
                f"{c.currency}: {c.rate} ({c.rate_source}"
                + (f" {c.rate_date}" if c.rate_source == "price entry" else "") + ")"
                for c in outflow.conversions if c.currency != "USD"
            ) or "USD"
            versions = ", ".join(self._versions_on(outflow.date))
            findings = located.get((outflow.location.filename, outflow.location.lineno), [])
            rows.append((
                outflow.date, outflow.payee, outflow.narration, original, outflow.usd, rates,
                outflow.resolution or "", outflow.prepared_by or "",
                ", ".join(outflow.approvers), outflow.document or "", versions,
                "; ".join(f"{f.severity} {f.rule}" for f in findings) or "none",
                self.where(outflow.location.filename, outflow.location.lineno),
            ))
        total = sum((o.usd for o in self.outflows()), ZERO)
        return Table(
            "disbursements", self.title("Disbursement register (surplus outflows)"),
            ("date", "payee", "narration", "original amount", "USD", "rate used",
             "resolution", "prepared by", "approved by", "document", "judged by",
             "findings", "location"),
            tuple(rows), ("Total", "", "", "", total, "", "", "", "", "", "", "", ""),
        )

    def _versions_on(self, date: datetime.date) -> list[str]:
        """The rule versions an outflow on ``date`` is judged by, compactly: rules of one
        instrument prefix in the same version are grouped (``ORG08-* v1 (6 rules)``)."""
        groups: dict[tuple[str, int], list[str]] = defaultdict(list)
        for rule in self.result.ruleset.rules:
            if rule.kind in ("transfer", "ledger"):
                continue
            version = rule.in_force(date)
            if version is not None:
                groups[(rule.id.split("-")[0], version.number)].append(rule.id)
        return [
            f"{ids[0]} v{number}" if len(ids) == 1 else f"{prefix}-* v{number} ({len(ids)} rules)"
            for (prefix, number), ids in sorted(groups.items())
        ]

    def _findings_by_location(self) -> dict[tuple[str, int], list]:
        located: dict[tuple[str, int], list] = defaultdict(list)
        for item in self.result.findings:
            located[(item.filename, item.lineno)].append(item)
        return located

    # --- 6. findings register ------------------------------------------------------------
    def findings(self) -> Table:
        rules = {rule.id: rule for rule in self.result.ruleset.rules}
        rows = []
        for item in self.result.findings:
            if item.date not in self.period:
                continue
            rule = rules.get(item.rule)
            version = rule.versions[item.version - 1] if rule else None
            criterion = (f"{version.text} ({item.citation}; {item.version_label})"
                         if version else f"{item.citation} ({item.version_label})")
            rows.append((item.severity, item.kind, criterion, item.message, item.amount,
                         self.where(item.filename, item.lineno), item.date,
                         "open: to correct" if item.is_error else "open: to review"))
        return Table("findings", self.title("Findings register"),
                     ("severity", "kind", "criterion", "condition", "amount (USD)",
                      "location", "date", "status"), tuple(rows))


BUILDERS: dict[str, Callable[[_Builder], Table]] = {
    "fund-statement": _Builder.fund_statement,
    "budget": _Builder.budget,
    "cofunding": _Builder.cofunding,
    "contributions": _Builder.contributions,
    "disbursements": _Builder.disbursements,
    "findings": _Builder.findings,
}


def build_tables(
    result: Audit,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    names: Sequence[str] | None = None,
    ledger: str = "",
) -> list[Table]:
    """The named tables (default: all) for the period ``start``..``end`` (inclusive).

    ``ledger`` is the ledger's path: its name goes in the titles, and locations are shown
    relative to its folder.
    """
    # the period ends at the cut-off (--as-of), else with the latest entry or today,
    # whichever is later: a payment dated next week is in the tables too
    period = Period(start, min(end or result.facts.end, result.facts.end))
    root = os.path.dirname(os.path.abspath(ledger)) if ledger else ""
    builder = _Builder(result, period, os.path.basename(ledger), root)
    return [BUILDERS[name](builder) for name in (names or TABLE_NAMES)]

"""The transaction being explained, as the audit's facts saw it: what it is for the Surplus
Fund (an outflow, a transfer-in, a refund, an opening balance, or none of them, and why), the
project costs it books, and the audit's findings on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.core import meta
from aipo_budget.core.paths import Location

if TYPE_CHECKING:
    import datetime

    from beancount.core import data

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.facts import Cost, Facts, Opening, Outflow, Refund, TransferIn, Use
    from aipo_budget.core.facts import Location as FactLocation
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import RuleSet

Where = Callable[[str, int], Location]


@dataclass(frozen=True)
class Subject:
    txn: data.Transaction
    facts: Facts
    ruleset: RuleSet
    findings: tuple[Finding, ...]  # the audit's findings on this transaction
    outflow: Outflow | None
    transfer: TransferIn | None
    refund: Refund | None
    opening: Opening | None
    costs: tuple[Cost, ...]  # the project costs it books
    where: Where

    @property
    def key(self) -> tuple[str, int]:
        return str(self.txn.meta.get("filename")), int(self.txn.meta.get("lineno") or 0)

    @property
    def location(self) -> Location:
        return self.where(*self.key)

    @property
    def date(self) -> datetime.date:
        return self.txn.date

    @property
    def currency(self) -> str:
        return self.facts.conventions.currency

    @property
    def left_out(self) -> bool:
        """Dated after the audit's cut-off (``--as-of``): the audit did not judge it."""
        return self.facts.until is not None and self.date > self.facts.until

    def at(self, location: FactLocation) -> bool:
        return (location.filename, location.lineno) == self.key

    def located(self, location: FactLocation) -> Location:
        return self.where(location.filename, location.lineno)

    @property
    def uses(self) -> tuple[Use, ...]:
        """What it paid for (an outflow) or took back (a refund, negative)."""
        event = self.outflow or self.refund
        return event.uses if event else ()

    @property
    def movement(self) -> str:
        """What the transaction is for the Surplus Fund, in a few words."""
        if self.left_out:
            return f"not judged: dated after {self.facts.until} (--as-of)"
        if self.outflow:
            return "money leaves the Surplus Fund (a surplus outflow)"
        if self.transfer:
            return "money comes into the Surplus Fund (a surplus transfer-in)"
        if self.refund:
            return "project costs are paid back into the Surplus Fund (a refund)"
        if self.opening:
            return "it opens the books of the Surplus Fund (an opening balance)"
        return self._no_movement()

    def _no_movement(self) -> str:
        c = self.facts.conventions
        accounts = [p.account for p in self.txn.postings]
        in_fund = [a for a in accounts if c.is_fund(a)]
        if in_fund and len(in_fund) == len(accounts):
            return "money moves between fund accounts"
        if in_fund:
            return "no money leaves or enters the Surplus Fund"
        paid_from = sorted({p.account for p in self.txn.postings
                            if p.units.number < 0 and not c.is_fund(p.account)})
        return ("no posting to the Surplus Fund"
                + (f"; paid from {', '.join(paid_from)}" if paid_from else ""))

    def not_a(self, what: str) -> str:
        """Why a rule about ``what`` (a surplus outflow...) does not apply."""
        return f"not a {what}: {self.movement}"

    def of_rule(self, rule_id: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule_id]

    def not_paying(self, project: str) -> str | None:
        """Why the transaction does not pay for ``project`` from the fund, if it does not."""
        if self.outflow is None and self.refund is None:
            return self.not_a("surplus outflow")
        if not any(use.project == project for use in self.uses):
            verb = "outflow pays" if self.outflow else "refund takes back"
            return f"the {verb} nothing of {project}"
        return None

    def settled_accruals(self, use: Use) -> list[Cost]:
        """The accrued costs of ``use``'s account that it pays through a shared link."""
        links = set(self.txn.links or ())
        if not links or any(p.account == use.account for p in self.txn.postings):
            return []
        found = [c for c in self.facts.costs
                 if c.account == use.account and c.date <= self.date and c.location.entry
                 is not None and links & set(c.location.entry.links or ())]
        # several accruals of one account: the one whose date the use took comes first; an
        # accrual paid in parts is several costs (one per payment), one accrual
        once = {(c.location.filename, c.location.lineno): c for c in reversed(found)}
        return sorted(reversed(once.values()), key=lambda c: c.date != use.incurred)

    def incurred_how(self, use: Use) -> str:
        """How the incurred date of ``use`` was found: the ``incurred`` metadata, the date of
        the accrual the payment settles (shared link), or the payment date
        (facts.outflows.uses)."""
        key = self.facts.conventions.incurred
        value, problem = meta.date(self.txn.meta, key)
        accruals = self.settled_accruals(use)
        accrual = (f"the accrual it settles, {self.located(accruals[0].location)} "
                   f"(shared link), booked {accruals[0].date}") if accruals else ""
        if value is not None:
            how = f"metadata '{key}'" + (f"; {accrual}" if accrual else "")
        elif accrual:
            how = f"date of {accrual}"
        else:
            how = "payment date (no 'incurred' metadata, no accrual settled)"
        return how + (f"; {problem.message}" if problem else "")


def subject_of(result: Audit, txn: data.Transaction, where: Where | None = None) -> Subject:
    facts = result.facts
    key = (txn.meta.get("filename"), txn.meta.get("lineno"))

    def find(items: list[Any]) -> Any:
        return next((i for i in items
                     if (i.location.filename, i.location.lineno) == key), None)

    return Subject(
        txn, facts, result.ruleset,
        tuple(f for f in result.findings if (f.filename, f.lineno) == key),
        find(facts.outflows), find(facts.transfers), find(facts.refunds), find(facts.openings),
        tuple(c for c in facts.costs if (c.location.filename, c.location.lineno) == key),
        where or (lambda filename, lineno: Location(filename, lineno, filename)),
    )


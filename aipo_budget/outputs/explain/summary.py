"""The transaction as the audit's facts saw it: what it is for the Surplus Fund, its amount in
the operating currency and how it was converted, what it paid for (project, category, incurred
date and how that date was found), the project costs it books and their sources."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import written
from aipo_budget.core.checks.conversion import converted
from aipo_budget.outputs.explain.model import facts_table

if TYPE_CHECKING:
    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.subject import Subject
    from aipo_budget.outputs.table import Table


def _amount(subject: Subject) -> list[Fact]:
    event = subject.outflow or subject.transfer or subject.refund or subject.opening
    if event is None:
        return []
    what = ("left the Surplus Fund" if subject.outflow else "came into the Surplus Fund")
    facts: list[Fact] = [("amount", event.usd, f"{subject.currency}, {what}")]
    after = getattr(event, "balance_after", None)
    if after is not None:
        facts.append(("fund balance after", after, "every account of the Surplus Fund"))
    return facts


def _uses(subject: Subject) -> list[Fact]:
    facts: list[Fact] = []
    for use in subject.uses:
        what = (f"project {use.project}, category {use.category or '(none)'}"
                if use.project else "not a project cost")
        if subject.outflow is not None:
            what += f"; incurred {use.incurred}: {subject.incurred_how(use)}"
        verb = "pays" if subject.outflow else "takes back"
        facts.append((f"{verb} {use.account}", use.usd, what))
        facts += [("settles the accrual", subject.located(cost.location),
                   f"{cost.account}, booked {cost.date}")
                  for cost in subject.settled_accruals(use)]
    return facts


def _metadata(subject: Subject) -> list[Fact]:
    c = subject.facts.conventions
    outflow, transfer = subject.outflow, subject.transfer
    if outflow is not None:
        return [
            ("resolution", written(outflow, meta.RESOLUTION, outflow.resolution),
             f"metadata '{c.resolution}'"),
            ("prepared by", written(outflow, meta.PREPARED_BY, outflow.prepared_by),
             f"metadata '{c.prepared_by}'"),
            ("approved by", written(outflow, meta.APPROVED_BY, ", ".join(outflow.approvers)),
             f"metadata '{c.approved_by}'"),
            ("document", written(outflow, meta.DOCUMENT, outflow.document),
             f"metadata '{c.document}'"),
        ]
    if transfer is not None:
        return [
            ("fiscal year", written(transfer, meta.FISCAL_YEAR, transfer.fiscal_year),
             f"metadata '{c.fiscal_year}'"),
            ("audit reference", written(transfer, meta.AUDIT_REF, transfer.audit_ref),
             f"metadata '{c.audit_ref}'"),
        ]
    return []


def transaction_table(subject: Subject) -> Table:
    txn = subject.txn
    facts: list[Fact] = [("location", subject.location, ""), ("date", txn.date, "")]
    facts += [(name, value, "") for name, value in
              (("payee", txn.payee), ("narration", txn.narration),
               ("links", " ".join(f"^{link}" for link in sorted(txn.links or ()))))
              if value]
    facts.append(("for the Surplus Fund", subject.movement,
                  f"the fund: {subject.facts.conventions.fund} and its sub-accounts"))
    facts += _amount(subject)
    if subject.outflow is not None:
        facts += converted(subject.outflow, subject.currency)
    facts += _uses(subject)
    facts += [(f"books {cost.account}", cost.usd,
               f"project {cost.project}, category {cost.category or '(none)'}; paid by "
               f"{cost.source} on {cost.funded_on}") for cost in subject.costs]
    facts += _metadata(subject)
    notes = [f"Judged as of {subject.facts.as_of}"
             + (f", entries dated after {subject.facts.until} left out" if subject.facts.until
                else "") + "."]
    if subject.left_out:
        notes.append(f"This transaction is dated after {subject.facts.until}: the audit did "
                     "not judge it (--as-of).")
    return facts_table(subject, "transaction", f"Transaction {subject.location}", facts, notes)

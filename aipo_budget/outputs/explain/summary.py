"""The tables of an explanation: facts (fact, value, note), the entries of a running total,
and the transaction as the audit's facts saw it. Values stay typed (amounts ``Decimal`` in the
operating currency, dates, locations: a ``facts.Location`` is shown as the explanation shows
locations)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aipo_budget.core import meta
from aipo_budget.core.checks._common import metadata
from aipo_budget.core.checks.conversion import converted
from aipo_budget.core.facts import Location as FactLocation
from aipo_budget.outputs.table import Column, Kind, table

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from aipo_budget.core.checks._common import Entries, Fact
    from aipo_budget.core.subject import Subject
    from aipo_budget.outputs.table import Table

FACT_COLUMNS = (Column("fact", "fact"), Column("value", "value"), Column("note", "note"))


def shown(subject: Subject, value: Any) -> Any:
    return subject.located(value) if isinstance(value, FactLocation) else value


def facts_table(subject: Subject, name: str, title: str, facts: Iterable[Fact],
                notes: Sequence[str] = ()) -> Table:
    return table(name, title, FACT_COLUMNS,
                 [{"fact": f, "value": shown(subject, v), "note": n} for f, v, n in facts],
                 notes=notes)


def entries_table(subject: Subject, name: str, entries: Entries) -> Table:
    """The entries that make up a running total: date, location, transaction, amount, the
    total before and after it (the ``extra`` columns after the transaction)."""
    columns = (Column("date", "date", Kind.DATE), Column("location", "location", Kind.LOCATION),
               Column("transaction", "transaction"),
               *(Column(key, header) for key, header in entries.extra),
               Column("amount", f"amount ({subject.currency})", Kind.AMOUNT),
               Column("before", "total before", Kind.AMOUNT),
               Column("after", "total after", Kind.AMOUNT))
    rows = [{key: shown(subject, value) for key, value in row.items()} for row in entries.rows]
    return table(name, entries.title, columns, rows, notes=entries.notes)


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
    outflow, transfer = subject.outflow, subject.transfer
    if outflow is not None:
        return [metadata(outflow, *field) for field in (
            ("resolution", meta.RESOLUTION, outflow.resolution),
            ("prepared by", meta.PREPARED_BY, outflow.prepared_by),
            ("approved by", meta.APPROVED_BY, ", ".join(outflow.approvers)),
            ("document", meta.DOCUMENT, outflow.document))]
    if transfer is None:
        return []
    return [metadata(transfer, *field) for field in (
        ("fiscal year", meta.FISCAL_YEAR, transfer.fiscal_year),
        ("audit reference", meta.AUDIT_REF, transfer.audit_ref))]


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
        facts += converted(subject.facts, subject.outflow, subject.currency)
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

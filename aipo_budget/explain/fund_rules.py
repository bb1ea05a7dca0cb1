"""The rules of the Surplus Fund as a whole: the reserve floor after an outflow, the transfers
of a fiscal year's operating surplus, and the ledger's own validity."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aipo_budget import meta
from aipo_budget.checks.transfer import operating_surplus, running
from aipo_budget.explain.model import View, entries_table, written
from aipo_budget.explain.outflow_rules import on_outflows
from aipo_budget.facts import Opening, Outflow, Refund, TransferIn, in_day_order
from aipo_budget.findings import transaction_text
from aipo_budget.table import Column

if TYPE_CHECKING:
    from decimal import Decimal

    from aipo_budget.explain.model import Fact
    from aipo_budget.explain.subject import Subject
    from aipo_budget.rules import Rule, RuleVersion

# the fund's history up to an outflow can be long: its latest movements are what moved it
SHOWN_MOVEMENTS = 20
MOVEMENTS = ((Opening, "opening balance", 1), (TransferIn, "transfer-in", 1),
             (Refund, "refund", 1), (Outflow, "outflow", -1))


def _movement(event: Any) -> tuple[str, int]:
    return next((name, sign) for kind, name, sign in MOVEMENTS if isinstance(event, kind))


def _fund_rows(subject: Subject) -> list[dict[str, Any]]:
    """Every movement of the fund up to this outflow, in the order the facts booked them,
    with the balance before and after it (an opening balance adds to what was there)."""
    facts = subject.facts
    events = [e for e in (*facts.openings, *facts.transfers, *facts.refunds, *facts.outflows)
              if e.location.entry is not None]
    by_entry = {id(e.location.entry): e for e in events}
    ordered = in_day_order(sorted((e.location.entry for e in events), key=lambda t: t.date))
    rows: list[dict[str, Any]] = []
    balance: Decimal | None = None
    for entry in ordered:
        event = by_entry[id(entry)]
        name, sign = _movement(event)
        amount = sign * event.usd
        after = getattr(event, "balance_after", None)
        if after is None:  # an opening balance carries no balance: it adds to the last one
            after = (balance or 0) + amount
        rows.append({"date": event.date, "location": subject.located(event.location),
                     "transaction": transaction_text(entry), "movement": name,
                     "amount": amount, "before": after - amount, "after": after})
        balance = after
        if subject.at(event.location):
            break
    return rows


@on_outflows
def reserve(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    floor = version.params["floor"]
    facts: list[Fact] = [
        ("reserve floor", floor, version.label),
        ("fund balance before", outflow.balance_after + outflow.usd, ""),
        ("this outflow", outflow.usd, subject.currency),
        ("fund balance after", outflow.balance_after, "every account of the Surplus Fund"),
    ]
    rows = _fund_rows(subject)
    notes = []
    if len(rows) > SHOWN_MOVEMENTS:
        notes.append(f"The latest {SHOWN_MOVEMENTS} of {len(rows)} movements of the fund up "
                     f"to this outflow; the first one shown starts from the balance before it.")
        rows = rows[-SHOWN_MOVEMENTS:]
    entries = entries_table(
        subject, f"{version.rule_id.lower()}-entries",
        f"{version.rule_id}: the movements of the Surplus Fund up to this outflow", rows,
        extra=(Column("movement", "movement"),), notes=notes)
    return View(version, True, "a surplus outflow lowers the fund's balance", tuple(facts),
                entries)


def _year_facts(subject: Subject, transfer: TransferIn, year: int) -> list[Fact]:
    surplus = operating_surplus(subject.facts, year)
    year_of = subject.facts.operating.get(year)
    facts: list[Fact] = [("fiscal year ended", meta.year_end(year), "the calendar year")]
    if year_of is not None:
        facts += [(f"operating income {year}", year_of.income, "all income but co-funding"),
                  (f"operating expenses {year}", year_of.expenses, "Secretariat expenses")]
    facts.append((f"operating surplus {year}", surplus, "computed from the ledger"))
    return facts


def transfer(subject: Subject, rule: Rule) -> View:
    version = rule.judging(subject.date)
    transfer_in = subject.transfer
    if transfer_in is None:
        return View(version, False, subject.not_a("surplus transfer-in"))
    c = subject.facts.conventions
    year = transfer_in.fiscal_year
    facts: list[Fact] = [
        ("fiscal year", written(transfer_in, meta.FISCAL_YEAR, year), f"metadata '{c.fiscal_year}'"),
        ("audit reference", written(transfer_in, meta.AUDIT_REF, transfer_in.audit_ref),
         f"metadata '{c.audit_ref}'"),
        ("dated", transfer_in.date, ""),
        ("amount", transfer_in.usd, subject.currency),
    ]
    if year is None:
        return View(version, True, "money comes into the Surplus Fund", tuple(facts))
    steps = []
    for step in running(subject.facts):
        if step.transfer.fiscal_year == year:
            steps.append(step)
        if subject.at(step.transfer.location):
            break
    this = steps[-1]
    facts += _year_facts(subject, transfer_in, year)
    facts += [(f"transferred for {year} before", this.before, ""),
              (f"transferred for {year} after", this.after, "this transfer included")]
    rows = [{"date": s.transfer.date, "location": subject.located(s.transfer.location),
             "transaction": transaction_text(s.transfer.entry), "amount": s.transfer.usd,
             "before": s.before, "after": s.after} for s in steps]
    entries = entries_table(subject, f"{rule.id.lower()}-entries",
                            f"{rule.id}: the transfers for fiscal year {year} up to this one",
                            rows)
    return View(version, True, "money comes into the Surplus Fund", tuple(facts), entries)


def ledger(subject: Subject, rule: Rule) -> View:
    return View(rule.judging(subject.date), True,
                "every entry: Beancount's own validation of the ledger")

"""The Surplus Fund balance never falls below the reserve floor after an outflow (both to the
cent)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aipo_budget.core.checks._common import Entries, Seen, per_outflow, row
from aipo_budget.core.convert import cents
from aipo_budget.core.facts import Opening, Outflow, Refund, TransferIn, in_day_order
from aipo_budget.core.findings import finding, money
from aipo_budget.core.params import param, parse_amount

if TYPE_CHECKING:
    from aipo_budget.core.facts import Facts, Location
    from aipo_budget.core.rules import Rule, RuleSet, RuleVersion
    from aipo_budget.core.subject import Subject

# the fund's history up to an outflow can be long: its latest movements are what moved it
SHOWN_MOVEMENTS = 20
MOVEMENTS = ((Opening, "opening balance", 1), (TransferIn, "transfer-in", 1),
             (Refund, "refund", 1), (Outflow, "outflow", -1))


@dataclass(frozen=True)
class Params:
    floor: Decimal = param(parse_amount)


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    currency, floor, after = facts.conventions.currency, version.params.floor, outflow.balance_after
    below = cents(floor) - cents(after)  # to the cent, as the message shows them
    findings = () if below <= 0 else (finding(
        version, outflow.date, outflow.location,
        f"Surplus Fund balance after this outflow is {money(after, currency)}, below the "
        f"reserve floor of {money(floor, currency)}",
        min(outflow.usd, below)),)
    return Seen(version, True, "a surplus outflow lowers the fund's balance", lambda: (
        ("reserve floor", floor, version.label),
        ("fund balance before", after + outflow.usd, ""),
        ("this outflow", outflow.usd, currency),
        ("fund balance after", after, "every account of the Surplus Fund"),
    ), findings)


def movements(facts: Facts, location: Location) -> list[dict[str, Any]]:
    """Every movement of the fund up to the one at ``location``, in the order the facts
    booked them, with the balance before and after it (an opening balance adds to what was
    there)."""
    events = [e for e in (*facts.openings, *facts.transfers, *facts.refunds, *facts.outflows)
              if e.location.entry is not None]
    by_entry = {id(e.location.entry): e for e in events}
    rows: list[dict[str, Any]] = []
    balance = Decimal(0)
    for entry in in_day_order(sorted((e.location.entry for e in events), key=lambda t: t.date)):
        event = by_entry[id(entry)]
        name, sign = next((name, sign) for kind, name, sign in MOVEMENTS if isinstance(event, kind))
        amount = sign * event.usd
        after = getattr(event, "balance_after", None)
        if after is None:  # an opening balance carries no balance: it adds to the last one
            after = balance + amount
        rows.append(row(event.date, event.location, amount, after - amount, after,
                        movement=name))
        balance = after
        if event.location == location:
            break
    return rows


check, _explain = per_outflow(judge)


def explain(subject: Subject, rule: Rule) -> Seen:
    seen = _explain(subject, rule)
    if not seen.applies:
        return seen
    rows = movements(subject.facts, subject.outflow.location)
    notes = ()
    if len(rows) > SHOWN_MOVEMENTS:
        notes = (f"The latest {SHOWN_MOVEMENTS} of {len(rows)} movements of the fund up to this "
                 f"outflow; the first one shown starts from the balance before it.",)
        rows = rows[-SHOWN_MOVEMENTS:]
    return dataclasses.replace(seen, entries=Entries(
        f"{rule.id}: the movements of the Surplus Fund up to this outflow", rows,
        (("movement", "movement"),), notes))

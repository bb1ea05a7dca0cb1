"""Co-funding of the co-funded profile: the surplus-funded cost of each project as the engine
counts it, the payments by partners alone that keep each project's surplus share well below its
cap, the partners' receipts, and the allocations (ceilings)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from cofunded_model import (
    PAYABLES,
    STEP,
    ZERO,
    Leg,
    Txn,
    ceil_to,
    is_fund,
    project_of,
)
from cofunded_projects import DAY, cofunding_account
from cofunded_spec import CATEGORIES, PARTNERS

if TYPE_CHECKING:
    from cofunded_model import State


# --- what the engine will count ----------------------------------------------------------------


def surplus_costs(g: State) -> tuple[dict[str, Decimal], dict[str, Decimal], dict[str, Decimal]]:
    """(surplus-funded spending before refunds, after refunds, total cost) per project: an
    outflow's USD value shared over its debits in proportion, an accrual's payment going to the
    accrual's project, a refund taking back what it returns."""
    gross: dict[str, Decimal] = defaultdict(Decimal)
    net: dict[str, Decimal] = defaultdict(Decimal)
    total: dict[str, Decimal] = defaultdict(Decimal)
    for txn in g.txns:
        for leg in txn.legs:
            name = project_of(leg.account)
            if name:
                total[name] += g.usd(leg, txn.date)
        out = g.fund_out(txn)
        others = [leg for leg in txn.legs if not is_fund(leg.account)]
        if not out or len(others) == len(txn.legs) or not others:
            continue
        sign = 1 if out > 0 else -1
        debits = [(leg, g.usd(leg, txn.date) * sign) for leg in others]
        debits = [(leg, value) for leg, value in debits if value > 0]
        weight = sum((value for _leg, value in debits), ZERO)
        for leg, value in debits:
            name = project_of(leg.account) or (txn.project if leg.account == PAYABLES else None)
            if name:
                share = out * value / weight
                net[name] += share
                if share > 0:
                    gross[name] += share
    return gross, net, total


def cofund(g: State, counts: dict[str, int]) -> None:
    """Payments by partners alone, sized so that each project's surplus share ends well below
    its cap; then each partner's receipts, in advance, for what it pays."""
    rng = g.rng
    _gross, net, total = surplus_costs(g)
    for p in g.projects:
        target = p.spec.max_share - Decimal("0.15")
        needed = max(net[p.name] / target - total[p.name], ZERO)
        n = counts[p.name]
        weights = [Decimal(repr(rng.uniform(0.4, 1.6))) for _ in range(n)]
        scale = needed / sum(weights, ZERO)
        for weight in weights:
            partner = PARTNERS[rng.choice(p.spec.partners)]
            category = rng.choice(p.spec.categories if rng.random() < 0.2 else p.eligible)
            date = g.day(p.start, p.end)
            usd = max(weight * scale, Decimal(repr(rng.uniform(150, 900))))
            number = ceil_to(usd / g.rates.rate(partner.currency, date), STEP[partner.currency])
            payees, narration = CATEGORIES[category]
            g.add(Txn(date, rng.choice(payees),
                      f"{narration} - {p.name} (paid by {partner.payee})",
                      [Leg(p.account(category), number, partner.currency),
                       Leg(cofunding_account(partner.name), -number, partner.currency)],
                      {"voucher": f'"{g.number("CV", date)}"'}, role="cofunded",
                      project=p.name))
    receipts(g)


def receipts(g: State) -> None:
    """Each partner's money for a project, received in two tranches ahead of the spending."""
    spent: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for txn in g.txns:
        name = txn.project
        for leg in txn.legs:
            if leg.account.startswith("Assets:Co-Funding:") and leg.number < 0 and name:
                spent[(name, leg.account.split(":")[2])] -= leg.number
    by_name = {p.name: p for p in g.projects}
    for (name, partner_name), amount in sorted(spent.items()):
        p, partner = by_name[name], PARTNERS[partner_name]
        step = {"USD": 1000, "IDR": 10_000_000, "THB": 10_000}[partner.currency]
        first = ceil_to(amount * Decimal("0.75"), step)
        second = ceil_to(amount - first, step) + step
        for date, number, what in ((p.start - 20 * DAY, first, "first tranche"),
                                   (p.start + (p.end - p.start) / 2, second, "second tranche")):
            account = cofunding_account(partner_name)
            g.add(Txn(date, partner.payee, f"Co-funding of {name}, {what}",
                      [Leg(account, number, partner.currency),
                       Leg(f"Income:Co-Funding:{partner_name}", -number, partner.currency)],
                      {"agreement": f'"GA-{name[:12].upper()}-{partner_name[:8].upper()}"'},
                      role="cofunding-receipt", project=name))


def ceilings(g: State) -> None:
    """Allocations that leave every project below the 90 % warning at its highest spending."""
    gross, _net, _total = surplus_costs(g)
    for p in g.projects:
        g.ceilings[p.name] = max(Decimal(50_000), ceil_to(gross[p.name] / Decimal("0.8"), 10_000))

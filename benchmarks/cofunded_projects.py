"""The project payments of the co-funded profile: surplus outflows (USD, IDR, THB), payments
shared in one transaction with a partner, payments shared between projects, accruals paid in
parts, and refunds; each surplus outflow with its own evidence file and a new amount.
(Payments by partners alone are sized later, by :mod:`cofunded_funding`.)
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from cofunded_model import (
    BANK,
    FUND_OF,
    PAYABLES,
    STEP,
    THRESHOLD,
    ZERO,
    Leg,
    Txn,
    floor_to,
)
from cofunded_spec import APPROVERS, CATEGORIES, PARTNERS, PREPARERS, SPELLINGS

if TYPE_CHECKING:
    from cofunded_model import Project, State

DAY = datetime.timedelta(days=1)
# of a project's transactions: paid from the fund alone, shared with a partner in one payment,
# accruals paid in parts (booking and payments), paid by partners alone
MIX = {"simple": 0.30, "shared": 0.25, "accrual": 0.20, "cofunded": 0.20, "refund": 0.01}
MULTI = 0.04  # one payment for several projects (or categories) of a resolution


def cofunding_account(partner: str) -> str:
    return f"Assets:Co-Funding:{partner}"


def approvals(g: State, usd: Decimal) -> tuple[str, str]:
    rng = g.rng
    preparer = rng.choice(PREPARERS)
    names = rng.sample(APPROVERS, 2 if usd > THRESHOLD or rng.random() < 0.1 else 1)
    names = [SPELLINGS.get(n, n) if rng.random() < 0.05 else n for n in names]
    return preparer, ", ".join(names)


def evidence_value(g: State, txn: Txn, folder: str, name: str) -> str:
    """The ``document`` value: the file's name, or now and then its path relative to the
    transaction's file (ledger/<year>/<month>/), as Fava's link_documents also resolves."""
    txn.evidence = (folder, name)
    if g.rng.random() < 0.1:
        return f"../../../documents/{folder.replace(':', '/')}/{name}"
    return name


def outflow_meta(g: State, txn: Txn, resolution: str, usd: Decimal, folder: str,
                 stem: str | None = None) -> None:
    """The metadata of a compliant surplus outflow, and its own evidence file."""
    preparer, approvers = approvals(g, usd)
    voucher = g.number("PV", txn.date)
    name = f"{txn.date}.{stem or voucher.lower()}.pdf"
    txn.meta.update({
        "resolution": f'"{resolution}"',
        "prepared-by": f'"{preparer}"',
        "approved-by": f'"{approvers}"',
        "voucher": f'"{voucher}"',
        "document": f'"{evidence_value(g, txn, folder, name)}"',
    })


def _dates(g: State, p: Project, late_share: float) -> tuple[datetime.date, datetime.date]:
    """(incurred, paid): paid the same day, or now and then later within the window."""
    incurred = g.day(p.start, p.end)
    if g.rng.random() < late_share:
        return incurred, min(incurred + g.rng.randint(10, p.spec.window - 5) * DAY, p.close)
    return incurred, incurred


def _incurred(g: State, txn: Txn, incurred: datetime.date) -> None:
    if incurred != txn.date:
        txn.meta["incurred"] = str(incurred) if g.rng.random() < 0.7 else f'"{incurred}"'


def simple(g: State, p: Project) -> None:
    rng = g.rng
    category = rng.choice(p.eligible)
    incurred, paid = _dates(g, p, 0.08)
    currency = rng.choices(("USD", "IDR", "THB"), (65, 25, 10))[0]
    large = rng.random() < 0.12
    number = g.unique(currency, g.amount(currency, *((5300, 16000) if large else (150, 4600))))
    fund = FUND_OF[currency]
    payees, narration = CATEGORIES[category]
    txn = Txn(paid, rng.choice(payees), f"{narration} - {p.name}",
              [Leg(p.account(category), number, currency), Leg(fund, -number, currency)],
              role=f"simple-{currency}", project=p.name)
    outflow_meta(g, txn, p.resolution, g.usd(txn.legs[1], paid).copy_negate(), fund)
    _incurred(g, txn, incurred)
    g.add(txn)


def shared(g: State, p: Project) -> None:
    """One payment of a project cost, part from the fund, part from a partner's money."""
    rng = g.rng
    partner = PARTNERS[rng.choice(p.spec.partners)]
    currency, step = partner.currency, STEP[partner.currency]
    category = rng.choice(p.eligible)
    incurred, paid = _dates(g, p, 0.05)
    total = g.amount(currency, *((9000, 30000) if rng.random() < 0.2 else (400, 9000)))
    fund_part = g.unique(currency, max(step, floor_to(total * Decimal(repr(
        rng.uniform(0.3, 0.6))), step)))
    total = max(total, fund_part + step)
    fund = FUND_OF[currency]
    payees, narration = CATEGORIES[category]
    txn = Txn(paid, rng.choice(payees), f"{narration} - {p.name} (shared with {partner.payee})",
              [Leg(p.account(category), total, currency), Leg(fund, -fund_part, currency),
               Leg(cofunding_account(partner.name), fund_part - total, currency)],
              role=f"shared-{currency}", project=p.name)
    outflow_meta(g, txn, p.resolution, g.usd(txn.legs[1], paid).copy_negate(), fund)
    _incurred(g, txn, incurred)
    g.add(txn)


def multi(g: State, projects: list[Project]) -> None:
    """One payment for several projects of a resolution (or several categories of one), from
    the fund, and from a partner of the first project now and then."""
    rng = g.rng
    lead = rng.choice(projects)
    date = g.day(lead.start, lead.end)
    active = [p for p in projects if p.start <= date <= p.end]
    pairs = sorted({(p.name, p.account(c)) for p in active for c in p.eligible})
    chosen = rng.sample(pairs, min(len(pairs), rng.choice((2, 2, 3))))
    costs = [Leg(account, g.amount("USD", 300, 3000), "USD") for _name, account in chosen]
    usd_partners = [x for x in lead.spec.partners if PARTNERS[x].currency == "USD"]
    partner = rng.choice(usd_partners) if usd_partners and rng.random() < 0.5 else None
    ratio = Decimal(repr(rng.uniform(0.3, 0.5))) if partner else ZERO
    while True:  # a new fund outflow amount: nudge the first cost until it is one
        total = sum((leg.number for leg in costs), ZERO)
        partner_part = floor_to(total * ratio, STEP["USD"])
        fund_part = total - partner_part
        if ("USD", fund_part) not in g.paid_out:
            break
        costs[0].number += STEP["USD"]
    g.paid_out.add(("USD", fund_part))
    legs = costs + [Leg(BANK, -fund_part, "USD")]
    if partner:
        legs.append(Leg(cofunding_account(partner), -partner_part, "USD"))
    names = sorted({name for name, _account in chosen})
    txn = Txn(date, rng.choice(CATEGORIES["Meetings"][0]),
              f"Joint regional workshop - {', '.join(names)} (costs shared)", legs,
              role="multi", project=lead.name)
    outflow_meta(g, txn, lead.resolution, fund_part, BANK)
    g.add(txn)


def _parts(g: State, amount: Decimal, count: int) -> list[Decimal]:
    """``amount`` in ``count`` parts of at least a cent, each a new fund outflow amount."""
    for _attempt in range(100):
        weights = [Decimal(repr(g.rng.uniform(0.5, 1.5))) for _ in range(count)]
        scale = amount / sum(weights, ZERO)
        parts = [max(STEP["USD"], floor_to(w * scale, STEP["USD"])) for w in weights[:-1]]
        parts.append(amount - sum(parts, ZERO))
        if parts[-1] > 0 and len(set(parts)) == count and not any(
                ("USD", x) in g.paid_out for x in parts):
            return parts
    raise SystemExit("generate_cofunded.py: cannot split an accrual into new amounts")


def accrual(g: State, p: Project) -> None:
    """A cost accrued through Liabilities:Payables, paid in two to four parts that share its
    link, each with its own document; now and then a partner pays one part."""
    rng = g.rng
    category = rng.choice(p.eligible)
    payees, narration = CATEGORIES[category]
    payee = rng.choice(payees)
    booked = g.day(p.start, p.end)
    amount = g.amount("USD", 1500, 14000)
    link = g.number("inv", booked).lower()
    booking = Txn(booked, payee, f"{narration} - {p.name}, invoice {link} (accrued)",
                  [Leg(p.account(category), amount, "USD"), Leg(PAYABLES, -amount, "USD")],
                  links=(link,), role="accrual", project=p.name)
    booking.meta["document"] = f'"{evidence_value(g, booking, PAYABLES, f"{booked}.{link}.pdf")}"'
    g.add(booking)
    parts = _parts(g, amount, rng.choice((2, 2, 3, 3, 4)))
    usd_partners = [x for x in p.spec.partners if PARTNERS[x].currency == "USD"]
    by_partner = rng.randrange(len(parts)) if usd_partners and rng.random() < 0.25 else -1
    paid = booked
    for index, part in enumerate(parts, start=1):
        paid = min(paid + rng.randint(5, 30) * DAY, p.close)
        txn = Txn(paid, payee, f"Part {index} of {len(parts)} of invoice {link} - {p.name}",
                  [Leg(PAYABLES, part, "USD")], links=(link,), role="accrual-part",
                  project=p.name)
        if index - 1 == by_partner:
            partner = rng.choice(usd_partners)
            txn.legs.append(Leg(cofunding_account(partner), -part, "USD"))
            txn.narration += f" (paid by {PARTNERS[partner].payee})"
            txn.meta["voucher"] = f'"{g.number("CV", paid)}"'
            txn.role = "accrual-part-cofunded"
        else:
            g.paid_out.add(("USD", part))
            txn.legs.append(Leg(BANK, -part, "USD"))
            outflow_meta(g, txn, p.resolution, part, PAYABLES, f"{link}-part-{index}")
            if rng.random() < 0.5:
                txn.meta["incurred"] = str(booked)
        g.add(txn)


def refund(g: State, p: Project) -> None:
    """A supplier pays back an overpayment into the fund: it lowers the surplus spending."""
    category = g.rng.choice(p.eligible)
    date = g.day(p.start + (p.end - p.start) / 2, p.end)
    number = g.amount("USD", 60, 700)
    g.add(Txn(date, g.rng.choice(CATEGORIES[category][0]),
              f"Refund of an overpaid invoice - {p.name}",
              [Leg(BANK, number, "USD"), Leg(p.account(category), -number, "USD")],
              {"voucher": f'"{g.number("RV", date)}"'}, role="refund", project=p.name))


def build(g: State, count: int) -> dict[str, int]:
    """About ``count`` project transactions; the number of co-funded payments each project
    still gets once the surplus spending is known (:func:`cofund`)."""
    weights = [(p.end - p.start).days + 1 for p in g.projects]
    total = sum(weights)
    cofunded: dict[str, int] = {}
    for p, weight in zip(g.projects, weights):
        n = max(12, round(count * (1 - MULTI) * weight / total))
        for _ in range(max(2, round(n * MIX["simple"]))):
            simple(g, p)
        for _ in range(max(2, round(n * MIX["shared"]))):
            shared(g, p)
        for _ in range(max(1, round(n * MIX["accrual"] / 4))):
            accrual(g, p)
        for _ in range(max(1, round(n * MIX["refund"]))):
            refund(g, p)
        cofunded[p.name] = max(2, round(n * MIX["cofunded"]))
    for _spec, rid, _adopted in g.resolutions:
        projects = [p for p in g.projects if p.resolution == rid]
        share = sum(w for p, w in zip(g.projects, weights) if p.resolution == rid) / total
        for _ in range(max(1, round(count * MULTI * share))):
            multi(g, projects)
    return cofunded

"""Planted violations of the co-funded profile: ``--findings N`` of them, in rotation, each
making exactly one finding (kind, file, line) and nothing else."""

from __future__ import annotations

import dataclasses
import datetime
from typing import TYPE_CHECKING, Callable

from cofunded_model import IMPREST, THRESHOLD, Leg, Txn
from cofunded_spec import APPROVERS

if TYPE_CHECKING:
    from collections.abc import Iterator

    from cofunded_model import Project, State

PLANTS = [
    ("segregation", "preparer-approves"),
    ("evidence", "no-document"),
    ("eligibility", "ineligible-category"),
    ("approval", "single-approver-above-threshold"),
    ("authorization", "unknown-resolution"),
    ("duplicate", "repeated-payment"),
    ("period", "incurred-before-period"),
    ("purpose", "pays-secretariat"),
    ("conversion", "no-price"),
    ("transfer", "no-audit-ref"),
    ("evidence", "unresolved-document"),
    ("approval", "no-approver"),
    ("segregation", "no-preparer"),
]

SIMPLE = {"simple-USD", "simple-IDR", "simple-THB"}
SINGLE = SIMPLE | {"shared-USD", "shared-IDR", "shared-THB"}
ANY = SINGLE | {"multi", "accrual-part"}


def transfers_available(g: State) -> int:
    return 2 * (g.years - 1)


def plant_kinds(g: State) -> list[tuple[str, str]]:
    """The rotation; transfers beyond those the ledger has become other kinds in turn."""
    out, transfers, other = [], 0, 0
    substitutes = [plant for plant in PLANTS if plant[0] != "transfer"]
    for index in range(g.k):
        plant = PLANTS[index % len(PLANTS)]
        if plant[0] == "transfer":
            transfers += 1
            if transfers > transfers_available(g):
                plant = substitutes[other % len(substitutes)]
                other += 1
        out.append(plant)
    return out


# --- which outflow each variant may take ----------------------------------------------------


def _repeatable(g: State, txn: Txn, p: Project) -> bool:
    """A USD payment whose copy a few days later still falls in the project's terms, and whose
    document is found by name (a relative path would not be, from another month's file)."""
    incurred = txn.meta.get("incurred", str(txn.date)).strip('"')
    later = txn.date + datetime.timedelta(days=6)
    return ("/" not in txn.meta["document"] and later <= p.close and later <= g.last
            and datetime.date.fromisoformat(incurred) <= p.end)


FITS: dict[str, tuple[set[str], Callable[[State, Txn, Project], bool]]] = {
    "preparer-approves": (ANY, lambda g, t, p: True),
    "no-document": (SINGLE, lambda g, t, p: True),
    "ineligible-category": (SINGLE, lambda g, t, p: "Hospitality" in p.spec.categories),
    "single-approver-above-threshold": (ANY, lambda g, t, p: g.fund_out(t) > THRESHOLD),
    "unknown-resolution": (ANY, lambda g, t, p: True),
    "repeated-payment": ({"simple-USD"}, _repeatable),
    "incurred-before-period": (SINGLE, lambda g, t, p: True),
    "pays-secretariat": ({"simple-USD"}, lambda g, t, p: True),
    "no-price": (SIMPLE, lambda g, t, p: True),
    "unresolved-document": (SINGLE, lambda g, t, p: True),
    "no-approver": (ANY, lambda g, t, p: True),
    "no-preparer": (ANY, lambda g, t, p: True),
}


# --- the violations -----------------------------------------------------------------------------


def _preparer(txn: Txn) -> str:
    return txn.meta["prepared-by"].strip('"')


def _preparer_approves(g: State, txn: Txn, p: Project) -> Txn:
    preparer = _preparer(txn)
    other = g.rng.choice(APPROVERS)  # two people above the threshold: only segregation fails
    txn.meta["approved-by"] = (f'"{other}, {preparer}"' if g.fund_out(txn) > THRESHOLD
                               else f'"{preparer}"')
    return txn


def _no_document(g: State, txn: Txn, p: Project) -> Txn:
    del txn.meta["document"]
    txn.evidence = None
    return txn


def _ineligible(g: State, txn: Txn, p: Project) -> Txn:
    txn.legs[0].account = p.account("Hospitality")
    txn.narration = f"Official reception for the delegations - {p.name}"
    return txn


def _single_approver(g: State, txn: Txn, p: Project) -> Txn:
    txn.meta["approved-by"] = f'"{g.rng.choice(APPROVERS)}"'
    return txn


def _unknown_resolution(g: State, txn: Txn, p: Project) -> Txn:
    head, number = txn.meta["resolution"].strip('"').rsplit("/", 1)
    txn.meta["resolution"] = f'"{head}/{int(number) + 20:02d}"'
    return txn


def _repeated(g: State, txn: Txn, p: Project) -> Txn:
    """The same invoice paid again a few days later: same payee, amount and document."""
    clone = Txn(txn.date + datetime.timedelta(days=g.rng.randint(1, 6)), txn.payee,
                txn.narration, [dataclasses.replace(leg) for leg in txn.legs], dict(txn.meta),
                role="duplicate", project=txn.project)
    clone.meta["voucher"] = f'"{g.number("PV", clone.date)}"'
    clone.meta["incurred"] = txn.meta.get("incurred", str(txn.date))
    return g.add(clone)


def _before_period(g: State, txn: Txn, p: Project) -> Txn:
    txn.meta["incurred"] = str(p.start - datetime.timedelta(days=g.rng.randint(5, 40)))
    return txn


def _pays_secretariat(g: State, txn: Txn, p: Project) -> Txn:
    txn.legs[0].account = "Expenses:Secretariat:Meetings"
    txn.narration = "Secretariat meeting costs paid from the Surplus Fund"
    return txn


def _no_price(g: State, txn: Txn, p: Project) -> Txn:
    """Paid in kip from the kip imprest: the ledger has no LAK price."""
    number = g.unique("LAK", g.amount("LAK", 150, 4600))
    txn.legs = [Leg(txn.legs[0].account, number, "LAK"), Leg(IMPREST["LAK"], -number, "LAK")]
    txn.role = "simple-LAK"
    name = txn.evidence[1] if txn.evidence else f"{txn.date}.lak-{txn.seq}.pdf"
    txn.evidence = (IMPREST["LAK"], name)  # filed with the account it is paid from
    txn.meta["document"] = f'"{name}"'
    return txn


def _unresolved(g: State, txn: Txn, p: Project) -> Txn:
    txn.meta["document"] = f'"{txn.date}.receipt-{txn.seq}-missing.pdf"'
    txn.evidence = None
    return txn


def _no_approver(g: State, txn: Txn, p: Project) -> Txn:
    del txn.meta["approved-by"]
    return txn


def _no_preparer(g: State, txn: Txn, p: Project) -> Txn:
    del txn.meta["prepared-by"]
    return txn


PLANTERS: dict[str, Callable[[State, Txn, Project], Txn]] = {
    "preparer-approves": _preparer_approves,
    "no-document": _no_document,
    "ineligible-category": _ineligible,
    "single-approver-above-threshold": _single_approver,
    "unknown-resolution": _unknown_resolution,
    "repeated-payment": _repeated,
    "incurred-before-period": _before_period,
    "pays-secretariat": _pays_secretariat,
    "no-price": _no_price,
    "unresolved-document": _unresolved,
    "no-approver": _no_approver,
    "no-preparer": _no_preparer,
}


def _candidates(g: State, outflows: list[Txn], variant: str, used: set[int],
                by_name: dict[str, Project]) -> Iterator[Txn]:
    roles, fits = FITS[variant]
    for txn in outflows:
        if txn.seq not in used and txn.role in roles and fits(g, txn, by_name[txn.project]):
            yield txn


def plant_outflows(g: State) -> None:
    """Every planted violation but the transfers' (they do not exist yet)."""
    outflows = [t for t in g.txns if t.role in ANY]
    g.rng.shuffle(outflows)
    by_name = {p.name: p for p in g.projects}
    used: set[int] = set()
    pools: dict[str, Iterator[Txn]] = {}
    for kind, variant in plant_kinds(g):
        if kind == "transfer":
            continue
        pool = pools.setdefault(variant, _candidates(g, outflows, variant, used, by_name))
        txn = next(pool, None)
        if txn is None:
            raise SystemExit(f"generate_cofunded.py: too many --findings for --transactions "
                             f"(no outflow left for {variant})")
        used.add(txn.seq)
        planted = PLANTERS[variant](g, txn, by_name[txn.project])
        planted.plant = (kind, variant)


def plant_transfers(g: State) -> None:
    wanted = sum(1 for kind, _variant in plant_kinds(g) if kind == "transfer")
    transfers = [t for t in g.txns if t.role == "transfer"]
    for txn in g.rng.sample(transfers, wanted):
        del txn.meta["audit-ref"]
        txn.plant = ("transfer", "no-audit-ref")

"""Writing the co-funded profile: nested includes with globs, one file per month and family,
prices per currency, balance assertions per account family, evidence files and rules."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from cofunded_model import (
    CENT,
    DEPOSIT,
    FUND_OF,
    OPENING,
    PAYABLES,
    SECRETARIAT,
    Txn,
)
from cofunded_operating import SECRETARIAT_IDR, SECRETARIAT_USD
from cofunded_spec import MEMBERS, PARTNERS

if TYPE_CHECKING:
    from cofunded_model import State

EVIDENCE_BYTES = b"%PDF-1.4\n% aipo-budget co-funded benchmark evidence (invented)\n%%EOF\n"
FAMILIES = {"projects": "project payments, co-funding and accruals",
            "operating": "Secretariat expenses, cash and contributions",
            "fund": "Surplus Fund transfers, advances, deposits and openings"}
ASSERTED = {
    "operating": ["Assets:Operating:Bank-USD", "Assets:Operating:Bank-IDR",
                  "Assets:Operating:Petty-Cash-IDR"],
    "surplus-fund": [FUND_OF["USD"], DEPOSIT, FUND_OF["IDR"], FUND_OF["THB"], FUND_OF["LAK"]],
    "co-funding": [f"Assets:Co-Funding:{name}" for name in sorted(PARTNERS)],
}


def number(value: Decimal, currency: str) -> str:
    if currency != "USD":
        return f"{value:,.0f}"
    return f"{value:,.2f}" if value == value.quantize(CENT) else f"{value.normalize():,f}"


def render(txn: Txn) -> list[str]:
    head = f"{txn.date} *"
    if txn.payee:
        head += f' "{txn.payee}"'
    head += f' "{txn.narration}"' + "".join(f" ^{link}" for link in txn.links)
    lines = [head, *(f"  {key}: {value}" for key, value in txn.meta.items())]
    for leg in txn.legs:
        amount = f"{number(leg.number, leg.currency)} {leg.currency}"
        if leg.price is not None:
            amount += f" @ {leg.price} USD"
        lines.append(f"  {leg.account:<56} {amount:>24}")
    return lines


def header(g: State, what: str) -> list[str]:
    return [f";; {what}", ";; SYNTHETIC ledger written by benchmarks/generate_cofunded.py "
            f"(seed {g.seed}); every figure, payee and person is invented.", ""]


def write_layout(out: Path, g: State) -> list[dict]:
    """ledger/<year>/year.beancount includes ``*/*.beancount``: ledger/<year>/<month>/
    <family>.beancount. The planted violations, with their file and line."""
    groups: dict[tuple[int, int, str], list[Txn]] = defaultdict(list)
    for txn in g.txns:
        groups[(txn.date.year, txn.date.month, txn.family)].append(txn)
    expected = []
    for (year, month, family), txns in sorted(groups.items()):
        name = f"ledger/{year}/{month:02d}/{family}.beancount"
        lines = header(g, f"{datetime.date(year, month, 1):%B %Y}: {FAMILIES[family]}.")
        for txn in sorted(txns, key=lambda t: (t.date, t.seq)):
            if txn.plant:
                expected.append({"kind": txn.plant[0], "filename": name,
                                 "lineno": len(lines) + 1, "note": txn.plant[1]})
            lines.extend(render(txn))
            lines.append("")
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines), encoding="utf-8")
    for year in sorted({key[0] for key in groups}):
        lines = header(g, f"Financial year {year}: every month's files.")
        (out / "ledger" / str(year) / "year.beancount").write_text(
            "\n".join([*lines, 'include "*/*.beancount"', ""]), encoding="utf-8")
    return sorted(expected, key=lambda e: (e["filename"], e["lineno"]))


def write_chart(out: Path, g: State) -> None:
    first = g.first
    lines = header(g, "Chart of accounts.")
    lines += [f"{first} commodity {c}" for c in ("USD", "IDR", "THB", "LAK")] + [""]
    opened = [(a, currency_of(a)) for a in ASSERTED["surplus-fund"] + ASSERTED["operating"]]
    opened += [(f"Assets:Receivables:Contributions:{m}", "USD") for m, _payee in MEMBERS]
    for name, partner in sorted(PARTNERS.items()):
        opened += [(f"Assets:Co-Funding:{name}", partner.currency),
                   (f"Income:Co-Funding:{name}", partner.currency)]
    opened += [(PAYABLES, "USD"), (OPENING, ""), ("Income:Other:Bank-Interest", "USD")]
    opened += [(f"Income:Contributions:{m}", "USD") for m, _payee in MEMBERS]
    opened += [(f"{SECRETARIAT}:{row[0]}", "USD") for row in SECRETARIAT_USD]
    opened += [(f"{SECRETARIAT}:{row[0]}", "IDR") for row in SECRETARIAT_IDR]
    lines += [f"{first} open {account}  {currency}".rstrip() for account, currency in opened]
    for p in g.projects:
        lines += ["", f";; {p.name} ({p.resolution}), {p.start} to {p.end}"]
        lines += [f"{p.adopted} open {p.account(c)}" for c in p.spec.categories]
    (out / "ledger" / "chart.beancount").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_prices(out: Path, g: State) -> int:
    folder = out / "ledger" / "prices"
    folder.mkdir(parents=True)
    count = 0
    for currency, prices in g.rates.daily.items():
        lines = header(g, f"USD per {currency} ({'daily' if currency == 'IDR' else 'weekdays'}).")
        lines += [f"{date} price {currency} {rate} USD" for date, rate in sorted(prices.items())]
        (folder / f"{currency}.beancount").write_text("\n".join(lines) + "\n", encoding="utf-8")
        count += len(prices)
    return count


def write_balances(out: Path, g: State) -> None:
    """Monthly assertions (bank statements) of the cash, fund and co-funding accounts."""
    folder = out / "ledger" / "balances"
    folder.mkdir(parents=True)
    watched = {a: family for family, accounts in ASSERTED.items() for a in accounts}
    changes: dict[datetime.date, list[tuple[str, Decimal, str]]] = defaultdict(list)
    for txn in g.txns:
        for leg in txn.legs:
            if leg.account in watched:
                changes[txn.date].append((leg.account, leg.number, leg.currency))
    balance: dict[str, Decimal] = defaultdict(Decimal)
    lines: dict[str, list[str]] = {f: header(g, f"Balance assertions: {f}.") for f in ASSERTED}
    day = g.first
    while day <= g.last:
        if day.day == 1 and day != g.first:
            for account, family in watched.items():
                cur = currency_of(account)
                lines[family].append(f"{day} balance {account:<48} "
                                     f"{number(balance[account], cur):>22} {cur}")
        for account, amount, _cur in changes.get(day, ()):
            balance[account] += amount
        day += datetime.timedelta(days=1)
    for family, text in lines.items():
        (folder / f"{family}.beancount").write_text("\n".join(text) + "\n", encoding="utf-8")


def currency_of(account: str) -> str:
    """The currency of an asserted account."""
    for currency, fund in FUND_OF.items():
        if account == fund:
            return currency
    if account.startswith("Assets:Co-Funding:"):
        return PARTNERS[account.split(":")[2]].currency
    return "IDR" if account.endswith("-IDR") else "USD"


HEAD = """\
;; AIPO Secretariat - SYNTHETIC co-funded ledger written by benchmarks/generate_cofunded.py for
;; the performance benchmark ({n:,} transactions, {y0}-{y1}, seed {seed}, {k} planted findings).
;; ILLUSTRATIVE: every figure, payee, person, resolution and document is invented.
"""


def write_main(out: Path, g: State, planted: int, fava: bool) -> None:
    lines = [HEAD.format(n=g.n, y0=g.y0, y1=g.y0 + g.years - 1, seed=g.seed, k=planted),
             'option "title" "AIPO Secretariat - Surplus Fund (co-funded benchmark)"',
             'option "operating_currency" "USD"', 'option "documents" "documents"', ""]
    if fava:
        lines += [f'{g.first} custom "fava-extension" "aipo_budget.fava_ext"', ""]
    lines += ['include "ledger/chart.beancount"', 'include "ledger/prices/*.beancount"',
              'include "ledger/*/year.beancount"', 'include "ledger/balances/*.beancount"']
    name = "fava.beancount" if fava else "main.beancount"
    (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_documents(out: Path, g: State) -> int:
    files = {txn.evidence for txn in g.txns if txn.evidence} | set(g.extra_evidence)
    for account, name in files:
        folder = out / "documents" / Path(*account.split(":"))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(EVIDENCE_BYTES)
    return len(files)

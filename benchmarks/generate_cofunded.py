"""Generate the benchmark's second ledger profile: most project costs co-funded.

    python benchmarks/generate_cofunded.py --transactions 100000 --out DIR [--seed 1]
        [--findings 20] [--start-year 2014]

An independent witness of benchmarks/generate.py (no code of it is used): ten years of an AIPO
Secretariat ledger where

- most project costs are co-funded by seven partners (``Assets:Co-Funding:*`` /
  ``Income:Co-Funding:*``, in USD, IDR and THB): payments by partners alone, and payments shared
  in one transaction between the fund and a partner;
- one payment serves several projects of a resolution (or several categories of one);
- accruals (``Liabilities:Payables``) are paid in two to four parts sharing the invoice's link,
  each part with its own document, now and then one part paid by a partner;
- refunds of overpaid invoices come back into the fund;
- about half of the Secretariat's operating expenses are in rupiah, with a DAILY IDR price (THB
  on weekdays), some bills shared between categories, a petty-cash account;
- the fund has several sub-accounts (Bank, Deposit, Imprest-IDR, Imprest-THB, Imprest-LAK) with
  moves between them (monthly imprest advances, quarterly deposits);
- two transfers a year of the previous year's operating surplus (interim and final audit);
- monthly balance assertions of the cash, fund and co-funding accounts.

Layout of DIR: ``main.beancount`` (options and four ``include`` lines, two of them globs; no
plugin line), ``fava.beancount`` (the same with the extension), ``ledger/chart.beancount``,
``ledger/prices/<currency>.beancount``, ``ledger/<year>/year.beancount`` which includes
``*/*.beancount``: ``ledger/<year>/<month>/{projects,operating,fund}.beancount``,
``ledger/balances/<family>.beancount``; ``rules/`` (with the duplicate-payment rule);
``documents/`` (one evidence file per surplus outflow: no two outflows share one);
``expected-violations.json`` (``{kind, filename, lineno, note}``) and ``manifest.json``.

``--findings N`` planted violations, in rotation (see cofunded_plants.PLANTS), each exactly one
finding; apart from them ``aipo-budget check`` reports nothing, not even a warning. Standard
library only.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules, when imported

import cofunded_operating as operating  # noqa: E402
import cofunded_funding as funding  # noqa: E402
import cofunded_plants as plants  # noqa: E402
import cofunded_projects as projects  # noqa: E402
from cofunded_model import SECRETARIAT, ZERO, State, Txn, is_fund, project_of  # noqa: E402
from cofunded_rules import write_rules  # noqa: E402
from cofunded_write import (  # noqa: E402
    write_balances,
    write_chart,
    write_documents,
    write_layout,
    write_main,
    write_prices,
)

GENERATOR_VERSION = 1
PROJECT_SHARE = Decimal("0.12")  # of the transactions: project payments, accruals, co-funding
MINIMUM = 2000


def build(g: State) -> None:
    if g.n < MINIMUM:
        raise SystemExit(f"generate_cofunded.py: --transactions must be at least {MINIMUM}")
    counts = projects.build(g, round(g.n * PROJECT_SHARE))
    plants.plant_outflows(g)
    funding.cofund(g, counts)
    operating.advances(g)
    filler = g.n - len(g.txns) - operating.fixed_count(g)
    if filler < g.n * 0.25:
        raise SystemExit("generate_cofunded.py: too few --transactions for the fixed part "
                         "of the ledger and the --findings asked for")
    operating.secretariat(g, filler)
    operating.transfers(g, operating.operating(g))
    plants.plant_transfers(g)
    operating.openings_and_deposits(g)
    funding.ceilings(g)
    assert len(g.txns) == g.n, (len(g.txns), g.n)


def prepare(out: Path) -> None:
    """Empty OUT of a previous generation; refuse a folder this generator did not write."""
    if out.exists() and any(out.iterdir()):
        if not (out / "manifest.json").exists():
            raise SystemExit(f"generate_cofunded.py: {out} is not empty and was not written "
                             "by this generator; choose another --out")
        for name in ("ledger", "rules", "documents"):
            shutil.rmtree(out / name, ignore_errors=True)
        for name in ("main.beancount", "fava.beancount", "expected-violations.json",
                     "manifest.json"):
            (out / name).unlink(missing_ok=True)
    (out / "ledger").mkdir(parents=True, exist_ok=True)


def shares(g: State) -> dict[str, float]:
    """What the profile promises, measured: co-funded share of project costs, rupiah share of
    operating expenses (by count)."""
    _gross, net, total = funding.surplus_costs(g)
    all_costs = sum(total.values(), ZERO)
    expenses = [t for t in g.txns if t.role.startswith("secretariat-")]
    return {
        "cofunded_share_of_project_costs": round(float(1 - sum(net.values(), ZERO) / all_costs), 3),
        "idr_share_of_operating_expenses": round(
            sum(1 for t in expenses if t.role.endswith("IDR")) / len(expenses), 3),
    }


def is_outflow(g: State, txn: Txn) -> bool:
    """Money leaving the fund for another account (in LAK it is worth nothing: no price)."""
    fund = [leg for leg in txn.legs if is_fund(leg.account)]
    if not fund or len(fund) == len(txn.legs):
        return False
    out = g.fund_out(txn)
    return out > 0 or (out == 0 and any(leg.number < 0 for leg in fund))


def manifest(g: State, expected: list[dict], prices: int, documents: int) -> dict:
    roles = Counter(t.role for t in g.txns)
    outflows = sum(1 for t in g.txns if is_outflow(g, t))
    return {
        "generator": "generate_cofunded.py",
        "generator_version": GENERATOR_VERSION,
        "transactions": len(g.txns),
        "seed": g.seed,
        "findings": len(expected),
        "start_year": g.y0,
        "years": g.years,
        "surplus_outflows": outflows,
        "prices": prices,
        "evidence_files": documents,
        "resolutions": [rid for _spec, rid, _adopted in g.resolutions],
        "projects": {p.name: {"resolution": p.resolution, "start": str(p.start),
                              "end": str(p.end), "allocation": str(g.ceilings[p.name]),
                              "max_share": str(p.spec.max_share)} for p in g.projects},
        "judge_as_of": str(g.last + datetime.timedelta(days=1)),
        "secretariat_accounts": sorted({leg.account for t in g.txns for leg in t.legs
                                        if leg.account.startswith(SECRETARIAT + ":")}),
        "project_accounts": len({leg.account for t in g.txns for leg in t.legs
                                 if project_of(leg.account)}),
        **shares(g),
        "roles": dict(sorted(roles.items())),
    }


def generate(out: Path, transactions: int = 100_000, seed: int = 1, findings: int = 20,
             start_year: int = 2014) -> dict:
    """Write the ledger into ``out``; return the manifest."""
    g = State(transactions, seed, findings, start_year)
    build(g)
    out = Path(out)
    prepare(out)
    expected = write_layout(out, g)
    write_chart(out, g)
    prices = write_prices(out, g)
    write_balances(out, g)
    write_main(out, g, len(expected), fava=False)
    write_main(out, g, len(expected), fava=True)
    write_rules(out, g)
    documents = write_documents(out, g)
    (out / "expected-violations.json").write_text(json.dumps(expected, indent=1) + "\n",
                                                  encoding="utf-8")
    data = manifest(g, expected, prices, documents)
    (out / "manifest.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", "-n", type=int, default=100_000,
                        help="number of transactions (default 100000, at least 2000)")
    parser.add_argument("--out", "-o", required=True, type=Path, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--findings", "-k", type=int, default=20,
                        help="planted violations, one finding each (default 20)")
    parser.add_argument("--start-year", type=int, default=2014,
                        help="first of the ten years (default 2014)")
    args = parser.parse_args(argv)
    data = generate(args.out, args.transactions, args.seed, args.findings, args.start_year)
    print(f"{args.out}/main.beancount: {data['transactions']:,} transactions, "
          f"{data['surplus_outflows']:,} surplus outflows, {data['prices']:,} prices, "
          f"{data['evidence_files']:,} evidence files, {data['findings']} planted findings; "
          f"co-funded share of project costs {data['cofunded_share_of_project_costs']:.0%}, "
          f"IDR share of operating expenses {data['idr_share_of_operating_expenses']:.0%}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

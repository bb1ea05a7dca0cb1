"""Generate a convention-following AIPO ledger of N transactions for the performance benchmark.

    python benchmarks/generate.py --transactions 100000 --out benchmarks/out/ledger-100k \
        [--seed 1] [--violations 20] [--start-year 2015] [--with-plugin]

Writes into OUT:

- ``main.beancount``: options and ``include`` lines only (no ``plugin`` line unless
  ``--with-plugin``, so that ``bean-check -C main.beancount`` stays pure Beancount, the baseline);
- ``fava.beancount``: the same ledger with ``custom "fava-extension" "aipo_budget.fava_ext"``, for
  the Fava extension page benchmark (same includes, same documents folder, same rules);
- ``ledger/accounts.beancount``, ``ledger/prices.beancount`` (a DAILY IDR price),
  ``ledger/<year>.beancount`` (every transaction of that year, in date order) and
  ``ledger/balances.beancount`` (monthly balance assertions of the cash and fund accounts);
- ``rules/*.toml``: a rules folder in the shipped format: Art. 21 (amended) (transfer, and an
  authorization rule listing every generated resolution), Res. 23GA/2002/Org/08, the ledger rule,
  and one file per generated resolution ([instrument], a purpose rule, and period, ceiling and
  cofunding rules for every project it authorises);
- ``documents/<Account>/<date>.<name>.pdf``: tiny evidence files, a small pool per account that
  many outflows cite, so that every ``document:`` resolves (Fava's link_documents convention);
- ``expected-violations.json``: the planted violations, a list of ``{kind, filename, lineno}``
  (``filename`` relative to OUT, ``lineno`` the transaction's first line), plus a ``note``;
- ``manifest.json``: the parameters and counts.

Ten years of history (``--start-year`` to ``--start-year + 9``): member contributions (assessed
1 January, received during the year), Secretariat expenses in USD and IDR, monthly purchases of
rupiah, bank interest, yearly transfers of 90 % of the previous year's operating surplus (as the
engine computes it from the ledger), eight projects authorised by five resolutions, about 5 % of
the transactions surplus outflows (USD from the bank, IDR from an imprest account, a few paid
late within the payment window with ``incurred:``, a few settling accruals through
``Liabilities:Payables`` with a shared link), co-funded project payments and co-funding receipts.
Allocations, co-funding and the opening balance of the fund are computed so that, apart from the
planted violations, every rule passes (no warning either) when the ledger is judged after its
last day. All names and figures are invented.

Standard library only (the output is checked with Beancount by the tests, not here).
"""

from __future__ import annotations

import argparse
import calendar
import datetime
import json
import math
import random
import shutil
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path

GENERATOR_VERSION = 1
YEARS = 10
CENT = Decimal("0.01")
ZERO = Decimal(0)
FLOOR = Decimal("100000.00")  # reserve floor of the 23GA/2002/Org/08 rules written below
THRESHOLD = Decimal("5000.00")  # approval threshold of the same rules
EVIDENCE_BYTES = b"%PDF-1.4\n% aipo-budget benchmark evidence placeholder (invented)\n%%EOF\n"

MEMBERS = [
    ("Brunei", "Legislative Council of Brunei Darussalam"),
    ("Cambodia", "National Assembly of the Kingdom of Cambodia"),
    ("Indonesia", "House of Representatives of the Republic of Indonesia"),
    ("Lao-PDR", "National Assembly of the Lao PDR"),
    ("Malaysia", "Parliament of Malaysia"),
    ("Myanmar", "Myanmar AIPO Committee"),
    ("Philippines", "Congress of the Philippines"),
    ("Singapore", "Parliament of Singapore"),
    ("Thailand", "National Assembly of Thailand"),
    ("Viet-Nam", "National Assembly of Viet Nam"),
]

# Secretariat expense accounts: (name, currency, weight, payees, narration)
SECRETARIAT = [
    ("Salaries", "USD", 8, ["Secretariat payroll"], "Salaries and allowances, professional staff"),
    ("Travel", "USD", 6, ["Nusantara Travel & Tours", "Garuda Travel Desk"], "Secretariat mission"),
    ("Meetings", "USD", 4, ["Jakarta Convention Services", "Hotel Borobudur Events"],
     "Secretariat meeting costs"),
    ("Audit-Fees", "USD", 1, ["Kantor Akuntan Publik Setiawan"], "External audit fees"),
    ("Bank-Charges", "USD", 3, ["Bank Nusantara Jakarta"], "Bank charges"),
    ("Local-Staff", "IDR", 10, ["Secretariat payroll"], "Salaries, locally recruited staff"),
    ("Rent", "IDR", 4, ["PT Jakarta Office Tower"], "Office rent"),
    ("Utilities", "IDR", 6, ["Jakarta Office Tower (building management)", "PLN Jakarta"],
     "Electricity, water and service charge"),
    ("Communications", "IDR", 6, ["Nusa Telekomunikasi", "Indosat Business"],
     "Telephone, fax and internet"),
    ("Office-Supplies", "IDR", 12, ["Sinar Jaya Stationery", "Gramedia Office", "Toko Buku Cahaya"],
     "Office supplies and printing"),
]

PREPARERS = ["Ratna Wulandari", "Budi Santoso", "Siti Rahmawati", "Agus Pratama"]
APPROVERS = ["Nguyen Thi Lan", "Maria Teresa Villanueva", "Somchai Prasert", "Aung Min Thu"]

CATEGORY_PAYEES = {
    "Research": (["Mekong Legal Research Associates", "Insular Law Policy Centre",
                  "ASEAN Studies Centre"], "Research services", "research-contracts"),
    "Consultants": (["Kingdom Consultancy Group", "Lotus Advisory", "Archipelago Experts"],
                    "Consultancy fees", "consultancy-invoices"),
    "Meetings": (["Vientiane Riverside Convention Centre", "Jakarta Convention Services",
                  "Manila Bay Conference Hall"], "Meeting venue and services", "meeting-invoices"),
    "Study-Tours": (["Siam Coach Services", "Mekong Study Tours"], "Study tour costs",
                    "study-tour-invoices"),
    "Travel": (["Nusantara Travel & Tours", "Garuda Travel Desk"], "Air tickets and subsistence",
               "travel-invoices"),
    "Publications": (["Cahaya Offset Printing", "Karya Desain Studio"], "Printing and layout",
                     "printing-invoices"),
    "Translation": (["Lingua Asia Translation Services", "Bangkok Language Bureau"],
                    "Translation and interpretation", "translation-invoices"),
    "Hospitality": (["Hotel Borobudur Events", "Mekong Riverside Hotel"],
                    "Official reception and hospitality", "hospitality-receipts"),
}
ELIGIBLE = ["Research", "Consultants", "Meetings", "Study-Tours", "Travel", "Publications",
            "Translation"]


@dataclass
class ProjectSpec:
    name: str
    start: tuple[int, int, int]  # (year offset, month, day)
    end: tuple[int, int, int]
    categories: list[str]  # authorised by the resolution ("Hospitality" is authorised, not eligible)
    max_share: Decimal
    sources: list[str]
    window: int = 60


@dataclass
class ResolutionSpec:
    offset: int  # year offset of adoption
    month: int
    day: int
    committee: str
    number: int
    title: str
    projects: list[ProjectSpec]


RESOLUTIONS = [
    ResolutionSpec(0, 9, 18, "Soc", 4, "Resolution on labour migration and on disaster law", [
        ProjectSpec("Labour-Migration-Study", (1, 1, 1), (1, 12, 31),
                    ["Research", "Consultants", "Meetings", "Travel", "Hospitality"],
                    Decimal("0.60"), ["Nordic-Parliamentary-Trust"]),
        ProjectSpec("Disaster-Law-Review", (1, 4, 1), (2, 3, 31),
                    ["Research", "Consultants", "Publications", "Translation"],
                    Decimal("0.60"), ["Asia-Pacific-Law-Foundation"]),
    ]),
    ResolutionSpec(2, 9, 15, "Org", 6, "Resolution on the digital records of the Secretariat", [
        ProjectSpec("Digital-Records-Programme", (3, 1, 1), (3, 6, 30),
                    ["Consultants", "Meetings", "Publications"],
                    Decimal("0.50"), ["Singapore-Host-Contribution"]),
    ]),
    ResolutionSpec(3, 9, 20, "Soc", 3, "Resolution on youth participation and water security", [
        ProjectSpec("Youth-Parliament-Forum", (4, 1, 1), (4, 12, 31),
                    ["Meetings", "Travel", "Study-Tours", "Hospitality"],
                    Decimal("0.60"), ["Nordic-Parliamentary-Trust", "Philippine-Host-Contribution"]),
        ProjectSpec("Water-Security-Dialogue", (4, 7, 1), (5, 6, 30),
                    ["Research", "Meetings", "Study-Tours", "Translation"],
                    Decimal("0.60"), ["Mekong-Governance-Trust"]),
    ]),
    ResolutionSpec(5, 9, 12, "Eco", 2, "Resolution on cooperation against illicit drugs", [
        ProjectSpec("Drug-Control-Cooperation", (6, 1, 1), (6, 12, 31),
                    ["Research", "Consultants", "Meetings", "Travel"],
                    Decimal("0.60"), ["Asia-Pacific-Law-Foundation"]),
    ]),
    ResolutionSpec(7, 9, 17, "Soc", 5, "Resolution on gender budgeting and maritime cooperation", [
        ProjectSpec("Gender-Budgeting-Toolkit", (8, 1, 1), (8, 9, 30),
                    ["Research", "Consultants", "Publications", "Translation"],
                    Decimal("0.75"), ["Nordic-Parliamentary-Trust"]),
        ProjectSpec("Maritime-Cooperation-Study", (8, 4, 1), (9, 6, 30),
                    ["Research", "Meetings", "Study-Tours", "Travel"],
                    Decimal("0.60"), ["Mekong-Governance-Trust", "Philippine-Host-Contribution"]),
    ]),
]

# Kinds planted in rotation: (kind, variant).
PLANTS = [
    ("segregation", "preparer-approves"),
    ("evidence", "no-document"),
    ("eligibility", "ineligible-category"),
    ("approval", "single-approver-above-threshold"),
    ("authorization", "unknown-resolution"),
    ("period", "incurred-before-period"),
    ("purpose", "pays-secretariat"),
    ("conversion", "no-price"),
    ("transfer", "no-audit-ref"),
    ("evidence", "unresolved-document"),
    ("approval", "no-approver"),
    ("segregation", "no-preparer"),
]


# --- model ---------------------------------------------------------------------------------


@dataclass
class Posting:
    account: str
    number: Decimal
    currency: str
    price: Decimal | None = None  # per-unit price in USD (``@``)


@dataclass
class Txn:
    date: datetime.date
    payee: str
    narration: str
    postings: list[Posting]
    meta: dict[str, str] = field(default_factory=dict)  # key -> rendered value
    links: tuple[str, ...] = ()
    role: str = ""  # "outflow", "secretariat", ...: for the generator's own bookkeeping
    plant: tuple[str, str] | None = None
    seq: int = 0
    project: str | None = None


@dataclass
class Project:
    spec: ProjectSpec
    resolution: str
    adopted: datetime.date
    start: datetime.date
    end: datetime.date

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def close(self) -> datetime.date:
        return self.end + datetime.timedelta(days=self.spec.window)

    @property
    def spend_categories(self) -> list[str]:
        return [c for c in self.spec.categories if c in ELIGIBLE]

    def account(self, category: str) -> str:
        return f"Expenses:Projects:{self.name}:{category}"


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT)


def round_up(value: Decimal, step: int) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def round_down(value: Decimal, step: int) -> Decimal:
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def fmt_number(number: Decimal, currency: str) -> str:
    if currency == "USD":
        return f"{number:,.2f}"
    return f"{number:,.0f}"


class Generator:
    def __init__(self, transactions: int, seed: int, violations: int, start_year: int) -> None:
        if transactions < 1500:
            raise SystemExit("generate.py: --transactions must be at least 1500")
        self.n = transactions
        self.k = violations
        self.rng = random.Random(seed)
        self.seed = seed
        self.y0 = start_year
        self.first = datetime.date(start_year, 1, 1)
        self.last = datetime.date(start_year + YEARS - 1, 12, 31)
        self.days = (self.last - self.first).days + 1
        self.txns: list[Txn] = []
        self.prices: dict[datetime.date, Decimal] = {}
        self.seq = 0
        self.evidence: dict[str, list[str]] = {}  # account -> file names
        self.voucher = defaultdict(int)
        self.resolutions: list[tuple[ResolutionSpec, str, datetime.date]] = []
        self.projects: list[Project] = []
        for spec in RESOLUTIONS:
            year = start_year + spec.offset
            rid = f"{year - 1979}GA/{year}/{spec.committee}/{spec.number:02d}"
            adopted = datetime.date(year, spec.month, spec.day)
            self.resolutions.append((spec, rid, adopted))
            for p in spec.projects:
                self.projects.append(Project(
                    p, rid, adopted,
                    datetime.date(start_year + p.start[0], p.start[1], p.start[2]),
                    datetime.date(start_year + p.end[0], p.end[1], p.end[2]),
                ))
        self.planted: list[Txn] = []

    # -- helpers ---------------------------------------------------------------------------

    def add(self, txn: Txn) -> Txn:
        self.seq += 1
        txn.seq = self.seq
        self.txns.append(txn)
        return txn

    def day(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randrange((end - start).days + 1))

    def usd(self, low: float, high: float) -> Decimal:
        """A log-uniform USD amount with cents."""
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return q2(Decimal(repr(value)))

    def idr(self, low: int, high: int, step: int = 1000) -> Decimal:
        value = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return Decimal(max(step, int(value) // step * step))

    def next_voucher(self, date: datetime.date) -> str:
        self.voucher[date.year] += 1
        return f'"PV-{date.year}-{self.voucher[date.year]:05d}"'

    def pool(self, account: str, first: datetime.date, stem: str, size: int = 4) -> list[str]:
        """The evidence files of ``account`` (created once), dated from ``first``."""
        if account not in self.evidence:
            self.evidence[account] = [
                f"{first + datetime.timedelta(days=7 * i)}.{stem}-{i + 1}.pdf"
                for i in range(size)
            ]
        return self.evidence[account]

    # -- prices ----------------------------------------------------------------------------

    def make_prices(self) -> None:
        level = 700  # USD per IDR in units of 1e-7
        for offset in range(self.days):
            level = min(790, max(610, level + self.rng.choice((-2, -1, -1, 0, 0, 0, 1, 1, 2))))
            self.prices[self.first + datetime.timedelta(days=offset)] = Decimal(level).scaleb(-7)

    # -- projects --------------------------------------------------------------------------

    def approvals(self, amount: Decimal) -> tuple[str, str]:
        preparer = self.rng.choice(PREPARERS)
        if amount > THRESHOLD or self.rng.random() < 0.15:
            approvers = ", ".join(self.rng.sample(APPROVERS, 2))
        else:
            approvers = self.rng.choice(APPROVERS)
        return preparer, approvers

    def outflow_meta(self, project: Project, date: datetime.date, amount_usd: Decimal,
                     document: str) -> dict[str, str]:
        preparer, approvers = self.approvals(amount_usd)
        return {
            "resolution": f'"{project.resolution}"',
            "prepared-by": f'"{preparer}"',
            "approved-by": f'"{approvers}"',
            "voucher": self.next_voucher(date),
            "document": f'"{document}"',
        }

    def make_outflows(self, count: int) -> None:
        weights = [(p.end - p.start).days + 1 for p in self.projects]
        total = sum(weights)
        counts = [max(4, round(count * w / total)) for w in weights]
        counts[-1] += count - sum(counts)
        accruals = max(1, round(count * 0.02))
        for project, n in zip(self.projects, counts):
            for category in project.spec.categories:
                stem = CATEGORY_PAYEES[category][2]
                self.pool(project.account(category),
                          project.start + datetime.timedelta(days=3), stem)
            share = max(1, round(accruals * n / count))
            for i in range(n):
                if i < share:
                    self.accrual_pair(project)
                else:
                    self.outflow(project)

    def outflow(self, project: Project) -> None:
        rng = self.rng
        category = rng.choice(project.spend_categories)
        account = project.account(category)
        payees, narration, _stem = CATEGORY_PAYEES[category]
        incurred = self.day(project.start, project.end)
        paid, late = incurred, False
        if rng.random() < 0.05:
            paid = incurred + datetime.timedelta(days=rng.randint(15, 55))
            paid, late = min(paid, project.close), paid > incurred
        document = rng.choice(self.evidence[account])
        if rng.random() < 0.2:
            number, currency = self.idr(2_000_000, 55_000_000), "IDR"
            amount_usd = number * self.prices[paid]
            fund = "Assets:Surplus-Fund:Imprest"
        else:
            number = (self.usd(5000.01, 15000) if rng.random() < 0.1 else self.usd(150, 4950))
            currency, amount_usd, fund = "USD", number, "Assets:Surplus-Fund:Bank"
        meta = self.outflow_meta(project, paid, amount_usd, document)
        if late:
            meta["incurred"] = str(incurred)
        self.add(Txn(paid, rng.choice(payees), f"{narration} - {project.name}",
                     [Posting(account, number, currency), Posting(fund, -number, currency)],
                     meta, role="outflow-late" if late else f"outflow-{currency}",
                     project=project.name))

    def accrual_pair(self, project: Project) -> None:
        rng = self.rng
        category = rng.choice(project.spend_categories)
        account = project.account(category)
        payees, narration, _stem = CATEGORY_PAYEES[category]
        booked = self.day(project.start, project.end)
        paid = min(booked + datetime.timedelta(days=rng.randint(10, 40)), project.close)
        amount = self.usd(500, 4900)
        link = f"inv-{booked.year}-{self.seq + 1:06d}"
        payee = rng.choice(payees)
        invoices = self.pool("Liabilities:Payables", self.first + datetime.timedelta(days=400),
                             "supplier-invoices")
        document = rng.choice(invoices)
        self.add(Txn(booked, payee, f"{narration} - {project.name} (accrued)",
                     [Posting(account, amount, "USD"),
                      Posting("Liabilities:Payables", -amount, "USD")],
                     {"document": f'"{rng.choice(self.evidence[account])}"'}, (link,),
                     role="accrual", project=project.name))
        self.add(Txn(paid, payee, f"Payment of the accrued invoice - {project.name}",
                     [Posting("Liabilities:Payables", amount, "USD"),
                      Posting("Assets:Surplus-Fund:Bank", -amount, "USD")],
                     self.outflow_meta(project, paid, amount, document), (link,),
                     role="outflow-settlement", project=project.name))

    # -- planted violations (see PLANTS; plant_outflows and plant_transfers below) ---------

    def _plant_segregation(self, txn: Txn, project: Project, variant: str) -> None:
        if variant == "no-preparer":
            del txn.meta["prepared-by"]
            return
        preparer = txn.meta["prepared-by"].strip('"')
        amount = txn.postings[0].number
        other = self.rng.choice(APPROVERS)
        txn.meta["approved-by"] = f'"{preparer}, {other}"' if amount > THRESHOLD else f'"{preparer}"'

    def _plant_evidence(self, txn: Txn, project: Project, variant: str) -> None:
        if variant == "no-document":
            del txn.meta["document"]
        else:
            txn.meta["document"] = f'"{txn.date}.missing-receipt-{txn.seq}.pdf"'

    def _plant_eligibility(self, txn: Txn, project: Project, variant: str) -> None:
        account = project.account("Hospitality")
        txn.postings[0].account = account
        txn.meta["document"] = f'"{self.rng.choice(self.evidence[account])}"'
        txn.narration = f"Official reception for delegates - {project.name}"

    def _plant_approval(self, txn: Txn, project: Project, variant: str) -> None:
        if variant == "no-approver":
            del txn.meta["approved-by"]
            return
        amount = self.usd(5200, 9500)
        txn.postings = [Posting(txn.postings[0].account, amount, "USD"),
                        Posting(txn.postings[1].account, -amount, "USD")]
        preparer = txn.meta["prepared-by"].strip('"')
        txn.meta["approved-by"] = f'"{self.rng.choice([a for a in APPROVERS if a != preparer])}"'

    def _plant_authorization(self, txn: Txn, project: Project, variant: str) -> None:
        ga, rest = project.resolution.split("GA/", 1)
        year, committee, number = rest.split("/")
        txn.meta["resolution"] = f'"{ga}GA/{year}/{committee}/{int(number) + 10}"'

    def _plant_period(self, txn: Txn, project: Project, variant: str) -> None:
        txn.meta["incurred"] = str(project.start - datetime.timedelta(days=self.rng.randint(5, 40)))

    def _plant_purpose(self, txn: Txn, project: Project, variant: str) -> None:
        account = "Expenses:Secretariat:Meetings"
        txn.postings[0].account = account
        txn.meta["document"] = f'"{self.rng.choice(self.secretariat_pool)}"'
        txn.narration = "Secretariat meeting costs paid from the Surplus Fund"

    def _plant_conversion(self, txn: Txn, project: Project, variant: str) -> None:
        thb = Decimal(self.rng.randrange(50, 400) * 100)
        txn.postings = [Posting(txn.postings[0].account, thb, "THB"),
                        Posting("Assets:Surplus-Fund:Imprest-THB", -thb, "THB")]
        top_up = thb + 10_000
        rate = Decimal(self.rng.randrange(270, 310)).scaleb(-4)
        date = max(project.start, txn.date - datetime.timedelta(days=3))
        self.add(Txn(date, "Bank Nusantara Jakarta",
                     f"Imprest advance in baht - {project.name}",
                     [Posting("Assets:Surplus-Fund:Imprest-THB", top_up, "THB", rate),
                      Posting("Assets:Surplus-Fund:Bank", -q2(top_up * rate), "USD")],
                     role="imprest"))

    # -- co-funding ------------------------------------------------------------------------

    def surplus_costs(self) -> dict[str, Decimal]:
        """Surplus-funded cost per project in USD, as the engine computes it."""
        spent: dict[str, Decimal] = defaultdict(Decimal)
        for txn in self.txns:
            if not any(p.account.startswith("Assets:Surplus-Fund") for p in txn.postings):
                continue
            if txn.project is None:
                continue
            for posting in txn.postings:
                if posting.account.startswith("Expenses:Projects:"):
                    spent[posting.account.split(":")[2]] += self.to_usd(posting, txn.date)
                elif posting.account == "Liabilities:Payables":
                    spent[txn.project] += posting.number
        return spent

    def make_cofunding(self, count: int) -> None:
        spent = self.surplus_costs()
        weights = [spent[p.name] for p in self.projects]
        total = sum(weights)
        rng = self.rng
        for project, weight in zip(self.projects, weights):
            n = max(3, round(count * weight / total))
            target = project.spec.max_share - Decimal("0.10")
            needed = q2(spent[project.name] * (1 - target) / target) + 1
            raw = [rng.random() + 0.2 for _ in range(n)]
            scale = needed / Decimal(repr(sum(raw)))
            amounts = [max(CENT, q2(Decimal(repr(r)) * scale)) for r in raw]
            amounts[-1] += max(ZERO, needed - sum(amounts))
            received: dict[str, Decimal] = defaultdict(Decimal)
            for amount in amounts:
                source = rng.choice(project.spec.sources)
                category = rng.choice(project.spec.categories)
                payees, narration, _stem = CATEGORY_PAYEES[category]
                received[source] += amount
                self.add(Txn(self.day(project.start, project.end), rng.choice(payees),
                             f"{narration} - {project.name} (co-funded by {source})",
                             [Posting(project.account(category), amount, "USD"),
                              Posting(f"Assets:Co-Funding:{source}", -amount, "USD")],
                             {"voucher": self.next_voucher(project.start)}, role="cofunded",
                             project=project.name))
            for source, amount in sorted(received.items()):
                date = project.start - datetime.timedelta(days=10)
                letter = self.pool(f"Assets:Co-Funding:{source}", self.first, "grant-agreement")
                self.add(Txn(date, source.replace("-", " "),
                             f"Co-funding of {project.name}",
                             [Posting(f"Assets:Co-Funding:{source}", round_up(amount, 1000), "USD"),
                              Posting(f"Income:Co-Funding:{source}", -round_up(amount, 1000),
                                      "USD")],
                             {"document": f'"{rng.choice(letter)}"'}, role="cofunding-income"))

    # -- imprest ---------------------------------------------------------------------------

    def make_imprest(self) -> None:
        needs: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for txn in self.txns:
            for posting in txn.postings:
                if posting.account == "Assets:Surplus-Fund:Imprest":
                    needs[(txn.date.year, txn.date.month)] -= posting.number
        for (year, month), number in sorted(needs.items()):
            date = datetime.date(year, month, 1)
            idr = round_up(number, 1_000_000)
            rate = self.prices[date]
            self.add(Txn(date, "Bank Nusantara Jakarta",
                         "Imprest advance in rupiah for project disbursements",
                         [Posting("Assets:Surplus-Fund:Imprest", idr, "IDR", rate),
                          Posting("Assets:Surplus-Fund:Bank", -(idr * rate), "USD")],
                         role="imprest"))

    # -- Secretariat and operating income --------------------------------------------------

    def make_secretariat(self, count: int) -> None:
        rng = self.rng
        weights = [s[2] for s in SECRETARIAT]
        for spec in rng.choices(SECRETARIAT, weights, k=count):
            name, currency, _w, payees, narration = spec
            date = self.first + datetime.timedelta(days=rng.randrange(self.days))
            if currency == "USD":
                number = self.usd(20, 3000)
                cash = "Assets:Operating:Bank-USD"
            else:
                number = self.idr(100_000, 20_000_000, 1000)
                cash = "Assets:Operating:Bank-IDR"
            self.add(Txn(date, rng.choice(payees), f"{narration} - {date:%B %Y}",
                         [Posting(f"Expenses:Secretariat:{name}", number, currency),
                          Posting(cash, -number, currency)], role="secretariat"))

    def to_usd(self, posting: Posting, date: datetime.date) -> Decimal:
        if posting.currency == "USD":
            return posting.number
        if posting.price is not None:
            return posting.number * posting.price
        if posting.currency == "IDR":
            return posting.number * self.prices[date]
        return ZERO  # no price entry (THB): the engine counts nothing

    def make_operating(self) -> None:
        """Rupiah purchases, interest, contributions sized on the expenses, surplus transfers."""
        rng = self.rng
        idr_need: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        expenses: dict[int, Decimal] = defaultdict(Decimal)
        for txn in self.txns:
            for posting in txn.postings:
                if posting.account.startswith("Expenses:Secretariat:"):
                    expenses[txn.date.year] += self.to_usd(posting, txn.date)
                if posting.account == "Assets:Operating:Bank-IDR":
                    idr_need[(txn.date.year, txn.date.month)] -= posting.number
        income: dict[int, Decimal] = defaultdict(Decimal)
        for year in range(self.y0, self.y0 + YEARS):
            for month in range(1, 13):
                date = datetime.date(year, month, 1)
                idr = round_up(idr_need[(year, month)] + 1_000_000, 1_000_000)
                rate = self.prices[date]
                self.add(Txn(date, "Bank Nusantara Jakarta",
                             "Purchase of rupiah for local operating costs",
                             [Posting("Assets:Operating:Bank-IDR", idr, "IDR", rate),
                              Posting("Assets:Operating:Bank-USD", -(idr * rate), "USD")],
                             role="fx"))
                end = datetime.date(year, month, calendar.monthrange(year, month)[1])
                interest = self.usd(80, 900)
                income[year] += interest
                self.add(Txn(end, "Bank Nusantara Jakarta", f"Interest - {date:%B %Y}",
                             [Posting("Assets:Operating:Bank-USD", interest, "USD"),
                              Posting("Income:Other:Bank-Interest", -interest, "USD")],
                             role="interest"))
            share = round_up(expenses[year] * Decimal("1.30") / len(MEMBERS), 1000)
            for member, payee in MEMBERS:
                income[year] += share
                assessed = datetime.date(year, 1, 1)
                self.add(Txn(assessed, payee, f"Assessed annual contribution FY{year}",
                             [Posting(f"Assets:Receivables:Contributions:{member}", share, "USD"),
                              Posting(f"Income:Contributions:{member}", -share, "USD")],
                             {"fiscal-year": str(year)}, role="contribution"))
                self.add(Txn(self.day(datetime.date(year, 1, 15), datetime.date(year, 11, 30)),
                             payee, f"Annual contribution FY{year} received",
                             [Posting("Assets:Operating:Bank-USD", share, "USD"),
                              Posting(f"Assets:Receivables:Contributions:{member}", -share,
                                      "USD")],
                             {"fiscal-year": str(year)}, role="contribution"))
        self.surplus = {y: income[y] - expenses[y] for y in range(self.y0, self.y0 + YEARS)}
        for year in range(self.y0, self.y0 + YEARS - 1):
            amount = round_down(self.surplus[year] * Decimal("0.90"), 100)
            if amount <= 0:
                raise SystemExit(f"generate.py: no operating surplus in {year}")
            date = datetime.date(year + 1, 5, rng.randint(10, 28))
            report = f"{date - datetime.timedelta(days=8)}.audit-report-fy{year}.pdf"
            self.evidence.setdefault("Assets:Surplus-Fund:Bank", []).append(report)
            self.add(Txn(date, "AIPO Secretariat",
                         f"Transfer of the audited FY{year} operating surplus to the Surplus Fund",
                         [Posting("Assets:Surplus-Fund:Bank", amount, "USD"),
                          Posting("Assets:Operating:Bank-USD", -amount, "USD")],
                         {"fiscal-year": str(year), "audit-ref": f'"AR-{year}"',
                          "document": f'"{report}"'}, role="transfer"))

    # -- opening balances ------------------------------------------------------------------

    def make_openings(self) -> None:
        """Opening balances: the fund's is what keeps it above the reserve floor throughout."""
        by_day: dict[datetime.date, list[Decimal]] = defaultdict(list)
        for txn in self.txns:
            delta = sum((self.to_usd(p, txn.date) for p in txn.postings
                         if p.account.startswith("Assets:Surplus-Fund")), ZERO)
            if delta:
                by_day[txn.date].append(delta)
        balance = lowest = ZERO
        for date in sorted(by_day):
            deltas = sorted(by_day[date])  # outflows of the day first: the most cautious order
            for delta in deltas:
                balance += delta
                lowest = min(lowest, balance)
        deposit = Decimal("500000.00")
        bank = max(Decimal("250000.00"), round_up(FLOOR * 2 - lowest - deposit, 10_000))
        self.add(Txn(self.first, "",
                     "Opening balance of the Surplus Fund, current account (per audited "
                     f"FY{self.y0 - 1} statements)",
                     [Posting("Assets:Surplus-Fund:Bank", bank, "USD"),
                      Posting("Equity:Opening-Balances", -bank, "USD")], role="opening"))
        self.add(Txn(self.first, "",
                     "Opening balance of the Surplus Fund, fixed-term deposit (per audited "
                     f"FY{self.y0 - 1} statements)",
                     [Posting("Assets:Surplus-Fund:Deposit", deposit, "USD"),
                      Posting("Equity:Opening-Balances", -deposit, "USD")], role="opening"))
        operating = Decimal("400000.00")
        self.add(Txn(self.first, "", "Opening balance of operating cash",
                     [Posting("Assets:Operating:Bank-USD", operating, "USD"),
                      Posting("Equity:Opening-Balances", -operating, "USD")], role="opening"))

    # -- the whole ledger ------------------------------------------------------------------

    def build(self) -> None:
        n = self.n
        self.make_prices()
        self.secretariat_pool = self.pool("Expenses:Secretariat:Meetings",
                                          self.first + datetime.timedelta(days=30),
                                          "meeting-invoices", 2)
        self.make_outflows(round(n * 0.05))
        self.plant_outflows()  # transfers do not exist yet: plant_transfers() plants those
        self.make_imprest()
        self.make_cofunding(round(n * 0.02))
        fixed = 3 + len(MEMBERS) * 2 * YEARS + 12 * YEARS * 2 + (YEARS - 1)
        secretariat = n - len(self.txns) - fixed
        if secretariat < n * 0.3:
            raise SystemExit("generate.py: too few transactions for the fixed part of the ledger")
        self.make_secretariat(secretariat)
        self.make_operating()
        self.plant_transfers()
        self.make_openings()
        assert len(self.txns) == n, (len(self.txns), n)
        self.ceilings = {name: round_up(amount / Decimal("0.85"), 10_000)
                         for name, amount in self.surplus_costs().items()}

    def plant_kinds(self) -> list[tuple[str, str]]:
        kinds = [PLANTS[i % len(PLANTS)] for i in range(self.k)]
        out, transfers = [], 0
        for kind, variant in kinds:
            if kind == "transfer":
                transfers += 1
                if transfers > YEARS - 1:
                    kind, variant = "evidence", "no-document"
            out.append((kind, variant))
        return out

    def plant_outflows(self) -> None:
        rng = self.rng
        candidates = [t for t in self.txns if t.role == "outflow-USD"]
        rng.shuffle(candidates)
        hospitality = {p.name for p in self.projects if "Hospitality" in p.spec.categories}
        by_name = {p.name: p for p in self.projects}
        used: set[int] = set()
        for kind, variant in self.plant_kinds():
            if kind == "transfer":
                continue
            txn = next((t for t in candidates if t.seq not in used
                        and (kind != "eligibility" or t.project in hospitality)), None)
            if txn is None:
                raise SystemExit("generate.py: too many --violations for this --transactions")
            used.add(txn.seq)
            getattr(self, "_plant_" + kind)(txn, by_name[txn.project], variant)
            txn.plant = (kind, variant)
            txn.role = "planted"
            self.planted.append(txn)

    def plant_transfers(self) -> None:
        wanted = sum(1 for kind, _ in self.plant_kinds() if kind == "transfer")
        transfers = [t for t in self.txns if t.role == "transfer"]
        for txn in self.rng.sample(transfers, wanted):
            del txn.meta["audit-ref"]
            txn.plant = ("transfer", "no-audit-ref")
            self.planted.append(txn)


# --- writing -------------------------------------------------------------------------------


def render_txn(txn: Txn) -> list[str]:
    head = f"{txn.date} *"
    if txn.payee:
        head += f' "{txn.payee}"'
    head += f' "{txn.narration}"'
    for link in txn.links:
        head += f" ^{link}"
    lines = [head]
    lines.extend(f"  {key}: {value}" for key, value in txn.meta.items())
    for p in txn.postings:
        amount = f"{fmt_number(p.number, p.currency)} {p.currency}"
        if p.price is not None:
            amount += f" @ {p.price} USD"
        lines.append(f"  {p.account:<52} {amount:>22}")
    return lines


HEADER = """\
;; AIPO Secretariat - SYNTHETIC ledger generated by benchmarks/generate.py for the performance
;; benchmark ({n:,} transactions, {y0}-{y1}, seed {seed}, {k} planted violations).
;; ILLUSTRATIVE: every figure, payee, person, resolution and document is invented.
"""


def write_main(out: Path, g: Generator, includes: list[str], with_plugin: bool,
               fava: bool) -> None:
    lines = [HEADER.format(n=g.n, y0=g.y0, y1=g.y0 + YEARS - 1, seed=g.seed, k=len(g.planted))]
    lines.append('option "title" "AIPO Secretariat - Surplus Fund (benchmark)"')
    lines.append('option "operating_currency" "USD"')
    lines.append('option "documents" "documents"')
    lines.append("")
    if with_plugin:
        lines.append('plugin "aipo_budget.plugin" "rules"')
        lines.append("")
    if fava:
        lines.append(f'{g.first} custom "fava-extension" "aipo_budget.fava_ext"')
        lines.append("")
    lines.extend(f'include "{name}"' for name in includes)
    name = "fava.beancount" if fava else "main.beancount"
    (out / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_accounts(out: Path, g: Generator) -> None:
    first = g.first
    lines = [";; Chart of accounts (synthetic benchmark ledger; invented).", "",
             f"{first} commodity USD", f"{first} commodity IDR", f"{first} commodity THB", "",
             f"{first} open Assets:Surplus-Fund:Bank  USD",
             f"{first} open Assets:Surplus-Fund:Deposit  USD",
             f"{first} open Assets:Surplus-Fund:Imprest  IDR",
             f"{first} open Assets:Surplus-Fund:Imprest-THB  THB",
             f"{first} open Assets:Operating:Bank-USD  USD",
             f"{first} open Assets:Operating:Bank-IDR  IDR"]
    for member, _payee in MEMBERS:
        lines.append(f"{first} open Assets:Receivables:Contributions:{member}  USD")
    sources = sorted({s for p in g.projects for s in p.spec.sources})
    for source in sources:
        lines.append(f"{first} open Assets:Co-Funding:{source}  USD")
    lines += [f"{first} open Liabilities:Payables  USD", f"{first} open Equity:Opening-Balances"]
    for member, _payee in MEMBERS:
        lines.append(f"{first} open Income:Contributions:{member}  USD")
    lines.append(f"{first} open Income:Other:Bank-Interest  USD")
    for source in sources:
        lines.append(f"{first} open Income:Co-Funding:{source}  USD")
    for name, currency, *_rest in SECRETARIAT:
        lines.append(f"{first} open Expenses:Secretariat:{name}  {currency}")
    for project in g.projects:
        lines.append("")
        lines.append(f";; --- {project.name} ({project.resolution}), {project.start} to "
                     f"{project.end}")
        for category in project.spec.categories:
            lines.append(f"{project.adopted} open {project.account(category)}")
    (out / "ledger" / "accounts.beancount").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_prices(out: Path, g: Generator) -> None:
    lines = [";; Daily exchange rates (USD per rupiah); invented and illustrative.", ""]
    lines.extend(f"{date} price IDR  {rate} USD" for date, rate in sorted(g.prices.items()))
    (out / "ledger" / "prices.beancount").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_years(out: Path, g: Generator) -> tuple[list[str], list[dict]]:
    by_year: dict[int, list[Txn]] = defaultdict(list)
    for txn in g.txns:
        by_year[txn.date.year].append(txn)
    names, expected = [], []
    for year in sorted(by_year):
        name = f"ledger/{year}.beancount"
        lines = [f";; Transactions of {year} (synthetic benchmark ledger; invented).", ""]
        for txn in sorted(by_year[year], key=lambda t: (t.date, t.seq)):
            if txn.plant:
                kind, variant = txn.plant
                expected.append({"kind": kind, "filename": name, "lineno": len(lines) + 1,
                                 "note": variant})
            lines.extend(render_txn(txn))
            lines.append("")
        (out / name).write_text("\n".join(lines), encoding="utf-8")
        names.append(name)
    return names, expected


def write_balances(out: Path, g: Generator) -> None:
    accounts = ["Assets:Operating:Bank-USD", "Assets:Operating:Bank-IDR",
                "Assets:Surplus-Fund:Bank", "Assets:Surplus-Fund:Deposit",
                "Assets:Surplus-Fund:Imprest"]
    currency = {"Assets:Operating:Bank-IDR": "IDR", "Assets:Surplus-Fund:Imprest": "IDR"}
    by_date: dict[datetime.date, list[Txn]] = defaultdict(list)
    for txn in g.txns:
        by_date[txn.date].append(txn)
    balance: dict[str, Decimal] = defaultdict(Decimal)
    lines = [";; Balance assertions on the first of each month (bank statements; invented).", ""]
    day = g.first
    while day <= g.last:
        if day.day == 1 and day != g.first:
            for account in accounts:
                cur = currency.get(account, "USD")
                lines.append(f"{day} balance {account:<40} "
                             f"{fmt_number(balance[account], cur):>20} {cur}")
            lines.append("")
        for txn in by_date.get(day, ()):
            for posting in txn.postings:
                if posting.account in accounts:
                    balance[posting.account] += posting.number
        day += datetime.timedelta(days=1)
    (out / "ledger" / "balances.beancount").write_text("\n".join(lines), encoding="utf-8")


RULES_23GA = '''\
# Resolution 23GA/2002/Org/08 on the use of AIPO surplus funds.
#
# ILLUSTRATIVE DEFAULTS (written by benchmarks/generate.py, same as the shipped rules/).

[instrument]
id = "23GA/2002/Org/08"
title = "Resolution on the use of AIPO surplus funds (23rd General Assembly, 2002)"
illustrative = true
note = "Official text not public; modelled. Confirm every parameter against the official text."

[[rule]]
id = "ORG08-ELIGIBLE"
kind = "eligibility"
title = "Eligible cost categories"
citation = "Res. 23GA/2002/Org/08 (eligible costs)"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  text = "Surplus-funded project costs fall in an eligible cost category."
  params.categories = ["Research", "Consultants", "Meetings", "Study-Tours", "Travel", "Publications", "Translation"]

[[rule]]
id = "ORG08-RESERVE"
kind = "reserve"
title = "Minimum reserve of the Surplus Fund"
citation = "Res. 23GA/2002/Org/08 (reserve)"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  text = "The balance of the Surplus Fund never falls below the reserve floor after an outflow."
  params.floor = 100000.00

[[rule]]
id = "ORG08-APPROVAL"
kind = "approval"
title = "Approval of surplus outflows"
citation = "Res. 23GA/2002/Org/08 (approval)"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  text = """Every surplus outflow names its approvers (approved-by); an outflow above the \\
threshold (in USD) needs that many different approvers."""
  params.threshold = 5000.00
  params.approvers_above = 2

[[rule]]
id = "ORG08-SEGREGATION"
kind = "segregation"
title = "Segregation of duties"
citation = "Res. 23GA/2002/Org/08 (segregation of duties)"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  text = """Every surplus outflow names who prepared it (prepared-by), and that person is not \\
among its approvers."""

[[rule]]
id = "ORG08-EVIDENCE"
kind = "evidence"
title = "Supporting evidence"
citation = "Res. 23GA/2002/Org/08 (supporting documents)"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  text = """Every surplus outflow has a document that resolves to an existing evidence file in \\
the ledger's documents folder."""

[[rule]]
id = "ORG08-CONVERSION"
kind = "conversion"
title = "Conversion of non-USD outflows"
citation = "Res. 23GA/2002/Org/08 (reporting currency)"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  text = "A non-USD surplus outflow has a USD price in the ledger on or before its date."
'''

RULES_ART21 = '''\
# Article 21 (amended) of the AIPO Statutes: the use of surplus funds.
#
# ILLUSTRATIVE DEFAULTS (written by benchmarks/generate.py). The authorization rule lists every
# resolution of this synthetic ledger.

[instrument]
id = "Art. 21 (amended)"
title = "Article 21 (amended) of the AIPO Statutes, use of surplus funds"
illustrative = true
note = "Official text not public; modelled. Confirm every parameter against the official text."

[[rule]]
id = "ART21-TRANSFER"
kind = "transfer"
title = "Transfers of operating surplus into the Surplus Fund"
citation = "AIPO Statutes, Art. 21 (amended)"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  text = """A transfer into the Surplus Fund carries the fiscal year (fiscal-year) and the audit \\
reference (audit-ref), is dated after that fiscal year ends, and the transfers for a fiscal year \\
never exceed that year's audited operating surplus."""

[[rule]]
id = "ART21-AUTH"
kind = "authorization"
title = "Surplus outflows cite an authorising instrument"
citation = "AIPO Statutes, Art. 21 (amended)"
severity = "error"

  [[rule.version]]
  effective = 2002-01-01
  text = """Every use of the Surplus Fund cites (resolution) a General Assembly resolution that \\
authorises the use of surplus funds."""
  params.resolutions = [{resolutions}]
'''

RULES_LEDGER = '''\
# The ledger itself must be valid: Beancount's own errors (balance assertions, unknown
# accounts, transactions that do not balance, ...) are reported as findings of this rule.

[[rule]]
id = "LEDGER"
kind = "ledger"
title = "Valid ledger"
citation = "Beancount validation"
severity = "error"

  [[rule.version]]
  effective = 1900-01-01
  text = "The ledger is valid: Beancount reports no error."
'''


def resolution_rules(g: Generator, spec: ResolutionSpec, rid: str,
                     adopted: datetime.date) -> str:
    prefix = f"{spec.committee.upper()}{spec.number:02d}-{adopted.year}"
    projects = [p for p in g.projects if p.resolution == rid]
    out = [
        f"# Resolution {rid}: {spec.title} (synthetic, invented for the benchmark).",
        "#",
        "# ILLUSTRATIVE DEFAULTS written by benchmarks/generate.py: allocation, categories,",
        "# payment window and co-funding cap of every project it authorises.",
        "",
        "[instrument]",
        f'id = "{rid}"',
        f'title = "{spec.title}"',
        f"adopted = {adopted}",
        "illustrative = true",
        'note = "Synthetic resolution of the benchmark ledger; every figure is invented."',
        "",
        "[[rule]]",
        f'id = "{prefix}-PURPOSE"',
        'kind = "purpose"',
        f'title = "What {rid} authorises the Surplus Fund to pay for"',
        f'citation = "AIPO Statutes, Art. 21 (amended); Res. {rid}"',
        'severity = "error"',
        "",
        "  [[rule.version]]",
        f"  effective = {adopted}",
        f'  text = "Surplus funds cited under {rid} pay only for its projects, in their '
        'authorised cost categories."',
        f'  params.resolution = "{rid}"',
    ]
    for p in projects:
        cats = ", ".join(f'"{c}"' for c in p.spec.categories)
        out.append(f"  params.projects.{p.name} = [{cats}]")
    for p in projects:
        tag = p.name.upper()
        out += [
            "",
            "[[rule]]",
            f'id = "{prefix}-PERIOD-{tag}"',
            'kind = "period"',
            f'title = "{p.name}: project period and payment window"',
            f'citation = "Res. {rid}; Res. 23GA/2002/Org/08 (payment window)"',
            'severity = "error"',
            "",
            "  [[rule.version]]",
            f"  effective = {adopted}",
            f'  text = "Surplus-funded costs are incurred within the project period; costs '
            f'incurred inside it may be paid up to {p.spec.window} days after it ends."',
            f'  params.project = "{p.name}"',
            f"  params.start = {p.start}",
            f"  params.end = {p.end}",
            f"  params.payment_window_days = {p.spec.window}",
            "",
            "[[rule]]",
            f'id = "{prefix}-CEILING-{tag}"',
            'kind = "ceiling"',
            f'title = "{p.name}: allocation ceiling"',
            f'citation = "Res. {rid}; Res. 23GA/2002/Org/08 (allocations)"',
            'severity = "error"',
            "",
            "  [[rule.version]]",
            f"  effective = {adopted}",
            '  text = "Cumulative surplus-funded spending of the project never exceeds its '
            'allocation; a warning when it reaches warn_at of the allocation."',
            f'  params.project = "{p.name}"',
            f"  params.allocation = {g.ceilings[p.name]:.2f}",
            "  params.warn_at = 0.90",
            "",
            "[[rule]]",
            f'id = "{prefix}-COFUNDING-{tag}"',
            'kind = "cofunding"',
            f'title = "{p.name}: partial funding from surplus"',
            f'citation = "Res. {rid} (partly from operating surplus funds)"',
            'severity = "error"',
            "",
            "  [[rule.version]]",
            f"  effective = {adopted}",
            '  text = "At project close the surplus share of the total cost is at most '
            'max_share; before close a share above the cap is a warning."',
            f'  params.project = "{p.name}"',
            f"  params.max_share = {p.spec.max_share}",
        ]
    return "\n".join(out) + "\n"


def write_rules(out: Path, g: Generator) -> None:
    rules = out / "rules"
    rules.mkdir()
    (rules / "23GA-2002-Org-08.toml").write_text(RULES_23GA, encoding="utf-8")
    ids = ", ".join(f'"{rid}"' for _spec, rid, _adopted in g.resolutions)
    (rules / "art21.toml").write_text(RULES_ART21.replace("{resolutions}", ids), encoding="utf-8")
    (rules / "ledger.toml").write_text(RULES_LEDGER, encoding="utf-8")
    for spec, rid, adopted in g.resolutions:
        (rules / (rid.replace("/", "-") + ".toml")).write_text(
            resolution_rules(g, spec, rid, adopted), encoding="utf-8")


def write_documents(out: Path, g: Generator) -> int:
    count = 0
    for account, names in g.evidence.items():
        folder = out / "documents" / Path(*account.split(":"))
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            (folder / name).write_bytes(EVIDENCE_BYTES)
            count += 1
    return count


def prepare(out: Path) -> None:
    """Empty OUT of a previous generation; refuse to touch a folder we did not write."""
    if out.exists():
        if any(out.iterdir()) and not (out / "manifest.json").exists():
            raise SystemExit(f"generate.py: {out} exists, is not empty and was not written by "
                             "this generator; choose another --out")
        for name in ("ledger", "rules", "documents"):
            shutil.rmtree(out / name, ignore_errors=True)
        for name in ("main.beancount", "fava.beancount", "expected-violations.json",
                     "manifest.json"):
            (out / name).unlink(missing_ok=True)
        for cache in out.glob(".*.picklecache"):
            cache.unlink()
    (out / "ledger").mkdir(parents=True)


def generate(out: Path, transactions: int = 100_000, seed: int = 1, violations: int = 20,
             start_year: int = 2015, with_plugin: bool = False) -> dict:
    """Write the ledger into ``out``; return the manifest."""
    g = Generator(transactions, seed, violations, start_year)
    g.build()
    out = Path(out)
    prepare(out)
    write_accounts(out, g)
    write_prices(out, g)
    years, expected = write_years(out, g)
    write_balances(out, g)
    includes = ["ledger/accounts.beancount", "ledger/prices.beancount", *years,
                "ledger/balances.beancount"]
    write_main(out, g, includes, with_plugin, fava=False)
    write_main(out, g, includes, with_plugin, fava=True)
    write_rules(out, g)
    documents = write_documents(out, g)
    expected.sort(key=lambda e: (e["filename"], e["lineno"]))
    (out / "expected-violations.json").write_text(json.dumps(expected, indent=1) + "\n",
                                                  encoding="utf-8")
    roles: dict[str, int] = defaultdict(int)
    for txn in g.txns:
        roles[txn.role] += 1
    outflows = sum(v for k, v in roles.items() if k.startswith("outflow") or k == "planted")
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "transactions": len(g.txns),
        "seed": seed,
        "violations": len(expected),
        "start_year": start_year,
        "years": YEARS,
        "with_plugin": with_plugin,
        "surplus_outflows": outflows,
        "prices": len(g.prices),
        "evidence_files": documents,
        "resolutions": [rid for _spec, rid, _adopted in g.resolutions],
        "projects": {p.name: {"resolution": p.resolution, "start": str(p.start),
                              "end": str(p.end), "allocation": str(g.ceilings[p.name])}
                     for p in g.projects},
        "judge_as_of": str(g.last + datetime.timedelta(days=1)),
        "roles": dict(sorted(roles.items())),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transactions", "-n", type=int, default=100_000,
                        help="number of transactions (default 100000)")
    parser.add_argument("--out", "-o", required=True, type=Path, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--violations", "-k", type=int, default=20,
                        help="planted violations (default 20)")
    parser.add_argument("--start-year", type=int, default=2015,
                        help="first of the ten years (default 2015)")
    parser.add_argument("--with-plugin", action="store_true",
                        help='add plugin "aipo_budget.plugin" "rules" to main.beancount')
    args = parser.parse_args(argv)
    manifest = generate(args.out, args.transactions, args.seed, args.violations,
                        args.start_year, args.with_plugin)
    print(f"{args.out}/main.beancount: {manifest['transactions']:,} transactions, "
          f"{manifest['surplus_outflows']:,} surplus outflows, {manifest['prices']:,} prices, "
          f"{manifest['evidence_files']} evidence files, {manifest['violations']} planted "
          f"violations (expected-violations.json)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

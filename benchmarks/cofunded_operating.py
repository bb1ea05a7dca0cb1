"""The Secretariat's side of the co-funded profile: operating expenses (about half in rupiah,
some bills shared between categories), rupiah purchases and petty cash, interest, member
contributions, the transfers of each year's operating surplus, and the fund's own moves
(imprest advances in IDR, THB and LAK, fixed-term deposits) and opening balances."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from cofunded_model import (
    BANK,
    DEPOSIT,
    FLOOR,
    IMPREST,
    INTEREST,
    OPENING,
    OPERATING_IDR,
    OPERATING_USD,
    PETTY_CASH,
    SECRETARIAT,
    ZERO,
    Leg,
    Txn,
    ceil_to,
    floor_to,
)
from cofunded_spec import MEMBERS

if TYPE_CHECKING:
    from cofunded_model import State

BANKER = "Bank Mandala Jakarta"
# (account, weight, payees, narration)
SECRETARIAT_USD = [
    ("Salaries-International", 6, ["Secretariat payroll (USD)"], "International staff salaries"),
    ("Travel", 5, ["Bintang Travel Bureau", "Orchid Air Ticketing"], "Secretariat mission travel"),
    ("Meetings", 4, ["Sentosa Conference Services", "Hotel Mulia Banquets"],
     "Secretariat meeting costs"),
    ("Audit-Fees", 1, ["KAP Gunawan dan Rekan"], "External audit fees"),
    ("Bank-Charges", 4, [BANKER], "Bank charges"),
    ("IT-Services", 3, ["Nusantara Cloud Services", "Jakarta Web Works"], "Hosting and IT support"),
    ("Newsletter", 2, ["Pustaka Printing House"], "AIPO newsletter printing"),
]
SECRETARIAT_IDR = [
    ("Salaries-Local", 6, ["Secretariat payroll (IDR)"], "Local staff salaries"),
    ("Rent", 3, ["PT Graha Kuningan Office"], "Office rent"),
    ("Utilities", 5, ["PLN Jakarta Selatan", "PAM Jaya"], "Electricity and water"),
    ("Communications", 5, ["Telkom Indonesia", "XL Business"], "Telephone and internet"),
    ("Office-Supplies", 8, ["Toko Gunung Agung", "Atria Stationery"], "Office supplies"),
    ("Vehicle", 3, ["Pertamina SPBU Kuningan", "Bengkel Auto Prima"], "Vehicle fuel and upkeep"),
    ("Cleaning-Security", 3, ["PT Bersih Prima", "Garda Security Services"],
     "Cleaning and security services"),
]
PETTY_LIMIT = Decimal(1_500_000)  # small rupiah bills are paid from petty cash, half the time


def fixed_count(g: State) -> int:
    """Transactions written after the Secretariat's expenses, whatever they are: monthly
    petty cash, rupiah purchase and interest; contributions (assessed, received in two
    instalments); two transfers a year; quarterly deposit moves; five opening balances."""
    return g.years * (12 * 3 + len(MEMBERS) * 3 + 4) + 2 * (g.years - 1) + 5


def secretariat(g: State, count: int) -> None:
    rng = g.rng
    for _ in range(count):
        currency = "IDR" if rng.random() < 0.5 else "USD"
        table = SECRETARIAT_IDR if currency == "IDR" else SECRETARIAT_USD
        chosen = rng.choices(table, [row[1] for row in table], k=rng.choice((2, 3))
                             if rng.random() < 0.1 else 1)
        chosen = list({row[0]: row for row in chosen}.values())  # a category once
        date = g.day(g.first, g.last)
        legs = [Leg(f"{SECRETARIAT}:{row[0]}", g.amount(currency, 10, 2500), currency)
                for row in chosen]
        total = sum((leg.number for leg in legs), ZERO)
        if currency == "USD":
            cash = OPERATING_USD
        else:
            cash = PETTY_CASH if total < PETTY_LIMIT and rng.random() < 0.5 else OPERATING_IDR
        narration = (f"{chosen[0][3]} - {date:%B %Y}" if len(chosen) == 1 else
                     "Shared bill: " + ", ".join(row[3].lower() for row in chosen))
        g.add(Txn(date, rng.choice(chosen[0][2]), narration, [*legs, Leg(cash, -total, currency)],
                  family="operating", role=f"secretariat-{currency}"))


def _month_needs(g: State, account: str) -> dict[tuple[int, int], Decimal]:
    needs: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for txn in g.txns:
        for leg in txn.legs:
            if leg.account == account and leg.number < 0:
                needs[(txn.date.year, txn.date.month)] -= leg.number
    return needs


def advances(g: State) -> None:
    """Imprest advances from the fund's bank account on the first of every month the imprest
    pays something: moves between the fund's own accounts, neutral for the audit."""
    for currency, account in IMPREST.items():
        step = {"IDR": 10_000_000, "THB": 10_000, "LAK": 1_000_000}[currency]
        for (year, month), number in sorted(_month_needs(g, account).items()):
            date = datetime.date(year, month, 1)
            amount = ceil_to(number + step, step)
            rate = g.rates.rate(currency, date) or Decimal(g.rng.randrange(105, 125)).scaleb(-6)
            g.add(Txn(date, BANKER, f"Imprest advance in {currency} for project payments",
                      [Leg(account, amount, currency, rate), Leg(BANK, -(amount * rate), "USD")],
                      family="fund", role="imprest"))


def _expenses(g: State) -> dict[int, Decimal]:
    """Each year's Secretariat expenses in USD, as the engine counts them (a Secretariat cost
    paid from the fund, a planted violation, included)."""
    expenses: dict[int, Decimal] = defaultdict(Decimal)
    for txn in g.txns:
        for leg in txn.legs:
            if leg.account.startswith(SECRETARIAT + ":"):
                expenses[txn.date.year] += g.usd(leg, txn.date)
    return expenses


def _cash(g: State, income: dict[int, Decimal]) -> None:
    """Petty cash, rupiah purchases and interest, every month."""
    petty, idr = _month_needs(g, PETTY_CASH), _month_needs(g, OPERATING_IDR)
    for year in range(g.y0, g.y0 + g.years):
        for month in range(1, 13):
            first = datetime.date(year, month, 1)
            top_up = ceil_to(petty[(year, month)] + 500_000, 1_000_000)
            g.add(Txn(first, "", "Petty cash replenishment",
                      [Leg(PETTY_CASH, top_up, "IDR"), Leg(OPERATING_IDR, -top_up, "IDR")],
                      family="operating", role="petty"))
            bought = ceil_to(idr[(year, month)] + top_up + 10_000_000, 10_000_000)
            rate = g.rates.rate("IDR", first)
            g.add(Txn(first, BANKER, "Purchase of rupiah for local operating costs",
                      [Leg(OPERATING_IDR, bought, "IDR", rate),
                       Leg(OPERATING_USD, -(bought * rate), "USD")],
                      family="operating", role="fx"))
            last = datetime.date(year, month, 28) + datetime.timedelta(days=4)
            last -= datetime.timedelta(days=last.day)
            interest = g.amount("USD", 120, 1500)
            income[year] += interest
            g.add(Txn(last, BANKER, f"Interest on the operating account - {first:%B %Y}",
                      [Leg(OPERATING_USD, interest, "USD"), Leg(INTEREST, -interest, "USD")],
                      family="operating", role="interest"))


def _contributions(g: State, expenses: dict[int, Decimal], income: dict[int, Decimal]) -> None:
    """Assessed on 1 January at a quarter above the year's expenses, received in two
    instalments; now and then the second arrives early the next year."""
    final = g.y0 + g.years - 1
    for year in range(g.y0, final + 1):
        share = ceil_to(expenses[year] * Decimal("1.25") / len(MEMBERS), 1000)
        for index, (member, payee) in enumerate(MEMBERS):
            income[year] += share
            receivable = f"Assets:Receivables:Contributions:{member}"
            g.add(Txn(datetime.date(year, 1, 1), payee, f"Assessed contribution FY{year}",
                      [Leg(receivable, share, "USD"),
                       Leg(f"Income:Contributions:{member}", -share, "USD")],
                      {"fiscal-year": str(year)}, family="operating", role="contribution"))
            first = floor_to(share * Decimal("0.6"), 1000)
            late = (index + year) % 5 == 0 and year < final
            dates = [g.day(datetime.date(year, 1, 20), datetime.date(year, 6, 30)),
                     g.day(datetime.date(year + 1, 1, 10), datetime.date(year + 1, 3, 31))
                     if late else g.day(datetime.date(year, 7, 1), datetime.date(year, 11, 30))]
            for number, date, what in ((first, dates[0], "first"),
                                       (share - first, dates[1], "second")):
                g.add(Txn(date, payee, f"Contribution FY{year}, {what} instalment received",
                          [Leg(OPERATING_USD, number, "USD"), Leg(receivable, -number, "USD")],
                          {"fiscal-year": f'"{year}"' if late else str(year)},
                          family="operating", role="contribution"))


def operating(g: State) -> dict[int, Decimal]:
    """The monthly cash movements and contributions; each year's operating surplus."""
    expenses = _expenses(g)
    income: dict[int, Decimal] = defaultdict(Decimal)
    _cash(g, income)
    _contributions(g, expenses, income)
    return {year: income[year] - expenses[year] for year in range(g.y0, g.y0 + g.years)}


def transfers(g: State, surplus: dict[int, Decimal]) -> None:
    """90 % of each year's operating surplus, in two tranches the next year: on the interim
    audit, then on the final one."""
    for year in range(g.y0, g.y0 + g.years - 1):
        if surplus[year] <= 0:
            raise SystemExit(f"generate_cofunded.py: no operating surplus in {year}")
        first = floor_to(surplus[year] * Decimal("0.6"), 100)
        second = floor_to(surplus[year] * Decimal("0.9"), 100) - first
        for number, month, audit, fiscal in ((first, 3, "interim", str(year)),
                                              (second, 7, "final", f'"{year}"')):
            date = datetime.date(year + 1, month, g.rng.randint(5, 25))
            report = f"{date - datetime.timedelta(days=6)}.audit-report-fy{year}-{audit}.pdf"
            g.add(Txn(date, "AIPO Secretariat",
                      f"Transfer of the FY{year} operating surplus to the Surplus Fund "
                      f"({audit} audit)",
                      [Leg(BANK, number, "USD"), Leg(OPERATING_USD, -number, "USD")],
                      {"fiscal-year": fiscal, "audit-ref": f'"AR-{year}-{audit[0].upper()}"',
                       "document": f'"{report}"'},
                      family="fund", role="transfer", evidence=(BANK, report)))


def _opening_total(g: State) -> Decimal:
    """An opening balance of the fund that keeps it well above the reserve floor after every
    outflow, the outflows of a day counted before what comes in that day."""
    by_day: dict[datetime.date, list[Decimal]] = defaultdict(list)
    for txn in g.txns:
        delta = -g.fund_out(txn)
        if delta:
            by_day[txn.date].append(delta)
    balance = lowest = ZERO
    for date in sorted(by_day):
        for delta in sorted(by_day[date]):
            balance += delta
            lowest = min(lowest, balance)
    return max(Decimal(600_000), ceil_to(FLOOR * 2 - lowest + 200_000, 10_000))


def openings_and_deposits(g: State) -> None:
    total = _opening_total(g)
    bank = floor_to(total * Decimal("0.6"), 1000)
    for account, number, currency, what in (
            (BANK, bank, "USD", "Surplus Fund, current account"),
            (DEPOSIT, total - bank, "USD", "Surplus Fund, fixed-term deposit"),
            (OPERATING_USD, Decimal(1_500_000), "USD", "operating account (USD)"),
            (OPERATING_IDR, Decimal(2_000_000_000), "IDR", "operating account (IDR)"),
            (PETTY_CASH, Decimal(5_000_000), "IDR", "petty cash")):
        g.add(Txn(g.first, "", f"Opening balance, {what} (audited FY{g.y0 - 1} statements)",
                  [Leg(account, number, currency), Leg(OPENING, -number, currency)],
                  family="fund", role="opening"))
    deposits(g)


def deposits(g: State) -> None:
    """Each quarter, idle cash of the fund's bank account goes to the fixed-term deposit, or
    the deposit comes back when the account runs low."""
    moves = sorted((txn.date, leg.number) for txn in g.txns for leg in txn.legs
                   if leg.account == BANK)
    bank = ZERO
    deposit = sum((leg.number for txn in g.txns for leg in txn.legs if leg.account == DEPOSIT),
                  ZERO)  # the opening balance
    index = 0
    for year in range(g.y0, g.y0 + g.years):
        for month in (1, 4, 7, 10):
            date = datetime.date(year, month, g.rng.randint(2, 6))
            while index < len(moves) and moves[index][0] < date:
                bank += moves[index][1]
                index += 1
            if bank > 250_000 or deposit < 1000:
                number = max(Decimal(1000), floor_to(bank - 150_000, 1000))
                what = "Placement of idle funds on the fixed-term deposit"
            else:
                number = -min(deposit, max(Decimal(1000), ceil_to(200_000 - bank, 1000)))
                what = "Fixed-term deposit matured, returned to the current account"
            bank -= number
            deposit += number
            g.add(Txn(date, BANKER, what, [Leg(DEPOSIT, number, "USD"), Leg(BANK, -number, "USD")],
                      family="fund", role="deposit"))

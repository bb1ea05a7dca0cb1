"""One pass over the ledger's entries that builds the plain facts every check and table reads.

The facts are in USD (see :mod:`aipo_budget.convert`).

Roles of accounts (DOMAIN.md section 2) are read from their names: ``Assets:Surplus-Fund`` and
its sub-accounts are the fund; ``Expenses:Projects:<Project>:<Category>`` are project costs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget import meta
from aipo_budget.convert import USD, ZERO, Conversion, Converter
from aipo_budget.evidence import Evidence

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.meta import Problem

__all__ = ["USD", "ZERO", "Conversion", "Converter", "Evidence", "build_facts"]

FUND = "Assets:Surplus-Fund"
PROJECTS = "Expenses:Projects:"
SECRETARIAT = "Expenses:Secretariat:"
COFUNDING_PREFIXES = ("Assets:Co-Funding:", "Income:Co-Funding:")
OPENING = "Equity:Opening-Balances"
CONTRIBUTIONS = "Income:Contributions:"
RECEIVABLES = "Assets:Receivables:Contributions:"
SURPLUS_SOURCE = "Surplus Fund"
UNPAID_SOURCE = "Accrued, unpaid"

# roles of accounts in the one pass (see _Builder.role)
FUND_ROLE, PROJECT, MEMBER, MEMBER_INCOME = "fund", "project", "member", "member-income"
OPERATING_INCOME, OPERATING_EXPENSE, OTHER_ROLE = "income", "expense", "other"


def is_fund(account: str) -> bool:
    return account == FUND or account.startswith(FUND + ":")


def source_of(account: str) -> str:
    """The funding source an account stands for, when money comes from it."""
    if is_fund(account):
        return SURPLUS_SOURCE
    if account.startswith(COFUNDING_PREFIXES):
        return account.split(":")[2]
    if account.startswith("Assets:Operating:"):
        return "Operating"
    return "Other"


def project_of(account: str) -> tuple[str, str | None] | None:
    """(project, category) of a project expense account, else None."""
    if not account.startswith(PROJECTS):
        return None
    parts = account.split(":")
    return parts[2], (parts[3] if len(parts) > 3 else None)


@dataclass(frozen=True)
class Location:
    """Where a fact stands in the ledger, and the entry itself for error reports."""

    filename: str
    lineno: int
    entry: Any = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, meta: dict[str, Any] | None, entry: Any = None) -> Location:
        meta = meta or {}
        return cls(str(meta.get("filename", "<unknown>")), int(meta.get("lineno", 0) or 0), entry)


@dataclass(frozen=True)
class Use:
    """What (part of) a surplus outflow paid for."""

    account: str
    usd: Decimal
    project: str | None
    category: str | None
    incurred: datetime.date


@dataclass(frozen=True)
class Outflow:
    """A transaction that moves money out of the Surplus Fund to an account outside it."""

    entry: data.Transaction
    date: datetime.date
    location: Location
    usd: Decimal
    conversions: tuple[Conversion, ...]
    uses: tuple[Use, ...]
    balance_after: Decimal
    resolution: str | None
    prepared_by: str | None
    approvers: tuple[str, ...]  # as written; compare them with meta.person_key
    document: str | None
    document_path: str | None  # the evidence file it resolves to, None if it does not
    document_problem: str | None = None  # why it does not resolve
    problems: tuple[Problem, ...] = ()  # metadata that cannot be read

    def problem(self, key: str) -> Problem | None:
        """The problem reading metadata ``key``, if any."""
        return next((p for p in self.problems if p.key == key), None)

    @property
    def payee(self) -> str:
        return self.entry.payee or ""

    @property
    def narration(self) -> str:
        return self.entry.narration or ""


@dataclass(frozen=True)
class TransferIn:
    """A transaction that moves money into the Surplus Fund from outside it."""

    entry: data.Transaction
    date: datetime.date
    location: Location
    usd: Decimal
    fiscal_year: int | None
    audit_ref: str | None
    balance_after: Decimal
    problems: tuple[Problem, ...] = ()  # metadata that cannot be read


@dataclass(frozen=True)
class Refund:
    """Money paid back into the Surplus Fund from project costs (a reversed surplus use)."""

    entry: data.Transaction
    date: datetime.date
    location: Location
    usd: Decimal
    uses: tuple[Use, ...]  # negative: what the refund takes back
    balance_after: Decimal


@dataclass(frozen=True)
class Opening:
    date: datetime.date
    location: Location
    usd: Decimal


@dataclass(frozen=True)
class Cost:
    """A project expense posting in USD, with where its money came from."""

    project: str
    category: str | None
    account: str
    date: datetime.date
    usd: Decimal
    source: str
    location: Location
    funded_on: datetime.date  # when the source paid it (an accrual's payment date)

    def source_on(self, date: datetime.date) -> str:
        """The source as known on ``date``: before its payment, an accrual is unpaid."""
        return self.source if self.funded_on <= date else UNPAID_SOURCE


@dataclass(frozen=True)
class Contribution:
    """A member's contribution for a fiscal year: assessed (income) or received (cash)."""

    member: str
    fiscal_year: int
    kind: str  # "assessed" or "received"
    date: datetime.date
    usd: Decimal
    location: Location


@dataclass(frozen=True)
class OperatingYear:
    income: Decimal = ZERO
    expenses: Decimal = ZERO

    @property
    def surplus(self) -> Decimal:
        return self.income - self.expenses


@dataclass
class Facts:
    as_of: datetime.date  # the day that decides which projects are closed
    fund_accounts: tuple[str, ...]
    until: datetime.date | None = None  # entries after it are left out (--as-of)
    left_out: int = 0  # how many entries were left out
    last_date: datetime.date | None = None  # of the latest entry judged
    projects: frozenset[str] = frozenset()  # projects with accounts in the ledger
    outflows: list[Outflow] = field(default_factory=list)
    transfers: list[TransferIn] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    openings: list[Opening] = field(default_factory=list)
    costs: list[Cost] = field(default_factory=list)
    operating: dict[int, OperatingYear] = field(default_factory=dict)
    contributions: list[Contribution] = field(default_factory=list)
    # (date, fund balance in USD after every transaction that touched the fund)
    fund_history: list[tuple[datetime.date, Decimal]] = field(default_factory=list)
    # metadata no check reads (a contribution's fiscal-year) that cannot be read
    problems: list[tuple[Location, datetime.date, Problem]] = field(default_factory=list)

    @property
    def end(self) -> datetime.date:
        """The last day the facts speak of: the cut-off, else the later of the as-of date
        and the latest entry (a payment dated next week is judged, and reported)."""
        if self.until is not None:
            return self.until
        return max(self.as_of, self.last_date or self.as_of)

    @property
    def has_fund(self) -> bool:
        return bool(self.fund_accounts)


# --- the pass -----------------------------------------------------------------------------


class _Builder:
    def __init__(self, entries: Sequence[data.Directive], as_of: datetime.date,
                 until: datetime.date | None, options: dict[str, Any] | None) -> None:
        self.entries = [e for e in entries if e.date <= until] if until else list(entries)
        self.transactions = in_day_order(
            [e for e in self.entries if isinstance(e, data.Transaction)])
        self.converter = Converter(self.entries)
        self.evidence = Evidence(entries, options)
        self.by_link: dict[str, list[data.Transaction]] = defaultdict(list)
        for txn in self.transactions:
            for link in txn.links or ():
                self.by_link[link].append(txn)
        self.facts = Facts(as_of, (), until, len(entries) - len(self.entries),
                           max((e.date for e in self.entries), default=None))
        self.opened = [e.account for e in self.entries if isinstance(e, data.Open)]
        self.balance = ZERO
        self.roles: dict[str, str] = {}
        self.first_seen: dict[str, datetime.date] = {}  # fund account -> its first day

    def build(self) -> Facts:
        operating: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        known = self.roles
        for txn in self.transactions:
            roles = [known.get(p.account) or self.role(p.account) for p in txn.postings]
            if OPERATING_INCOME in roles or OPERATING_EXPENSE in roles or MEMBER_INCOME in roles:
                self._operating(txn, roles, operating[txn.date.year])
            if MEMBER in roles or MEMBER_INCOME in roles:
                self._contributions(txn)
            if PROJECT in roles:
                self._costs(txn)
            if FUND_ROLE in roles:
                self._fund(txn)
        self.facts.operating = {year: OperatingYear(income, expenses)
                                for year, (income, expenses) in sorted(operating.items())}
        accounts = set(self.opened) | set(self.roles)
        self.facts.fund_accounts = tuple(sorted(a for a in accounts if is_fund(a)))
        self.facts.projects = frozenset(pc[0] for pc in map(project_of, accounts) if pc)
        return self.facts

    def role(self, account: str) -> str:
        """What an account is for the facts, by its name (cached: names repeat a lot)."""
        role = self.roles.get(account)
        if role is None:
            if is_fund(account):
                role = FUND_ROLE
            elif account.startswith(PROJECTS):
                role = PROJECT
            elif account.startswith((CONTRIBUTIONS, RECEIVABLES)):
                role = MEMBER if account.startswith(RECEIVABLES) else MEMBER_INCOME
            elif account.startswith("Income:") and not account.startswith("Income:Co-Funding:"):
                role = OPERATING_INCOME
            elif account.startswith(SECRETARIAT):
                role = OPERATING_EXPENSE
            else:
                role = OTHER_ROLE
            self.roles[account] = role
        return role

    def _operating(self, txn: data.Transaction, roles: list[str], year: list[Decimal]) -> None:
        """Operating surplus: all income except co-funding, less Secretariat expenses."""
        for posting, role in zip(txn.postings, roles):
            if role == OPERATING_INCOME or role == MEMBER_INCOME:
                year[0] -= self.converter.usd(posting, txn.date)
            elif role == OPERATING_EXPENSE:
                year[1] += self.converter.usd(posting, txn.date)

    def _contributions(self, txn: data.Transaction) -> None:
        """Assessed: Income:Contributions:<Member>. Received: a credit of the member's
        receivable (Assets:Receivables:Contributions:<Member>), or, in cash-basis books, the
        income posting itself when the transaction has no receivable."""
        year, problem = meta.year(txn.meta, meta.FISCAL_YEAR)
        fiscal_year = txn.date.year if year is None else year
        if problem is not None:
            self.facts.problems.append((Location.of(txn.meta, txn), txn.date, problem))
        has_receivable = any(p.account.startswith(RECEIVABLES) for p in txn.postings)
        for posting in txn.postings:
            account = posting.account
            if account.startswith(CONTRIBUTIONS):
                kinds = ("assessed",) if has_receivable else ("assessed", "received")
                amount = -self.converter.usd(posting, txn.date)
            elif account.startswith(RECEIVABLES) and posting.units.number < 0:
                kinds = ("received",)
                amount = -self.converter.usd(posting, txn.date)
            else:
                continue
            member = account.split(":")[-1]
            for kind in kinds:
                self.facts.contributions.append(Contribution(
                    member, fiscal_year, kind, txn.date, amount, Location.of(txn.meta, txn)))

    def _costs(self, txn: data.Transaction) -> None:
        postings = [(p, project_of(p.account)) for p in txn.postings]
        if not any(pc for _, pc in postings):
            return
        total = sum((self.converter.usd(p, txn.date) for p, pc in postings if pc), ZERO)
        # a cost is funded by the other side's credits; a refund (negative cost) goes back
        # to the other side's debits
        funding = self._funding(txn, direction=-1 if total < 0 else 1)
        for posting, pc in postings:
            if not pc:
                continue
            amount = self.converter.usd(posting, txn.date)
            weights = funding or {("Other", txn.date): Decimal(1)}
            for (source, funded_on), part in split(amount, weights):
                self.facts.costs.append(Cost(pc[0], pc[1], posting.account, txn.date, part,
                                             source, Location.of(txn.meta, txn), funded_on))

    def _funding(self, txn: data.Transaction, follow_links: bool = True, direction: int = 1
                 ) -> dict[tuple[str, datetime.date], Decimal]:
        """Where a transaction's money came from: USD by (source, date paid), from the postings
        on the other side of its project costs (credits; debits when ``direction`` is -1).

        A credit of a liability that a linked payment settles takes that payment's sources
        and date; what no payment (yet) settles is "Accrued, unpaid".
        """
        funding: dict[tuple[str, datetime.date], Decimal] = defaultdict(Decimal)
        for posting in txn.postings:
            account = posting.account
            amount = -self.converter.usd(posting, txn.date) * direction
            if amount <= 0 or project_of(account):
                continue
            if account.startswith("Liabilities:") and follow_links:
                settled = self._settlements(txn, account, amount)
                for key, part in settled.items():
                    funding[key] += part
                unpaid = amount - sum(settled.values(), ZERO)
                if unpaid > 0:
                    funding[(UNPAID_SOURCE, txn.date)] += unpaid
            else:
                funding[(source_of(account), txn.date)] += amount
        return dict(funding)

    def _settlements(self, txn: data.Transaction, account: str, owed: Decimal
                     ) -> dict[tuple[str, datetime.date], Decimal]:
        """Sources and dates of the linked payments that debit ``account``, up to ``owed``."""
        settled: dict[tuple[str, datetime.date], Decimal] = defaultdict(Decimal)
        left = owed
        for link in sorted(txn.links or ()):
            for other in self.by_link[link]:
                if other is txn or left <= 0:
                    continue
                paid = sum((self.converter.usd(p, other.date) for p in other.postings
                            if p.account == account and p.units.number > 0), ZERO)
                if paid <= 0:
                    continue
                paid = min(paid, left)
                left -= paid
                for key, part in split(paid, self._funding(other, follow_links=False)):
                    settled[key] += part
        return settled

    def _fund(self, txn: data.Transaction) -> None:
        fund_postings = [p for p in txn.postings if is_fund(p.account)]
        others = [p for p in txn.postings if not is_fund(p.account)]
        delta = sum((self.converter.usd(p, txn.date) for p in fund_postings), ZERO)
        self.balance += delta
        self.facts.fund_history.append((txn.date, self.balance))
        opening_day = all([self.first_seen.setdefault(p.account, txn.date) == txn.date
                           for p in fund_postings])  # a list: every account is recorded
        if not others:
            return  # a move between sub-accounts of the fund is neutral
        location = Location.of(txn.meta, txn)
        if delta > 0 and opening_day and any(p.account == OPENING for p in others):
            # money brought in from Equity:Opening-Balances on the first day of the fund's
            # accounts opens their books; later, or taken out, it is a transfer-in or an
            # outflow like any other
            self.facts.openings.append(Opening(txn.date, location, delta))
        elif delta < 0 or (delta == 0 and _pays_out(fund_postings)):
            # delta == 0 with money leaving: an amount that has no USD price yet
            self.facts.outflows.append(self._outflow(txn, fund_postings, others, -delta))
        elif delta > 0 and any(project_of(p.account) for p in others):
            # a project cost paid back into the fund reverses a surplus use
            self.facts.refunds.append(Refund(
                txn, txn.date, location, delta, tuple(self._refunded(txn, others, delta)),
                self.balance,
            ))
        elif delta > 0:
            year, year_problem = meta.year(txn.meta, meta.FISCAL_YEAR)
            ref, ref_problem = meta.text(txn.meta, meta.AUDIT_REF)
            self.facts.transfers.append(TransferIn(
                txn, txn.date, location, delta, year, ref, self.balance,
                tuple(p for p in (year_problem, ref_problem) if p),
            ))

    def _refunded(self, txn: data.Transaction, others: list[data.Posting], paid_back: Decimal
                  ) -> list[Use]:
        """The surplus uses a refund reverses: negative, in proportion to its project credits."""
        credits = [(p, -self.converter.usd(p, txn.date)) for p in others
                   if project_of(p.account)]
        credits = [(p, usd) for p, usd in credits if usd > 0]
        weights = {str(i): usd for i, (_p, usd) in enumerate(credits)}
        uses = []
        for (posting, _usd), (_key, part) in zip(credits, split(paid_back, weights)):
            project, category = project_of(posting.account)  # type: ignore[misc]
            uses.append(Use(posting.account, -part, project, category, txn.date))
        return uses

    def _outflow(self, txn, fund_postings, others, usd: Decimal) -> Outflow:
        totals: dict[str, Decimal] = defaultdict(Decimal)
        priced: dict[str, data.Posting] = {}
        for posting in fund_postings:
            totals[posting.units.currency] += posting.units.number
            priced.setdefault(posting.units.currency, posting)
        conversions = []
        for currency, number in sorted(totals.items()):
            if number >= 0:
                continue
            sample = priced[currency]
            conversion = self.converter.posting(sample, txn.date)
            scale = conversion.rate
            conversions.append(Conversion(
                -number, currency, (-number * scale) if scale is not None else None, scale,
                conversion.rate_date, conversion.rate_source,
            ))
        resolution, p1 = meta.text(txn.meta, meta.RESOLUTION)
        prepared_by, p2 = meta.person(txn.meta, meta.PREPARED_BY)
        approvers, p3 = meta.names(txn.meta, meta.APPROVED_BY)
        document, p4 = meta.text(txn.meta, meta.DOCUMENT, exact=True)  # as Fava resolves it
        _incurred, p5 = meta.date(txn.meta, meta.INCURRED)
        resolved = self.evidence.resolve(document, txn) if document else None
        return Outflow(
            entry=txn,
            date=txn.date,
            location=Location.of(txn.meta, txn),
            usd=usd,
            conversions=tuple(conversions),
            uses=tuple(self._uses(txn, others, usd)),
            balance_after=self.balance,
            resolution=resolution,
            prepared_by=prepared_by,
            approvers=approvers,
            document=document,
            document_path=resolved.path if resolved else None,
            document_problem=resolved.problem if resolved else None,
            problems=tuple(p for p in (p1, p2, p3, p4, p5) if p),
        )

    def _incurred(self, txn: data.Transaction, default: datetime.date) -> datetime.date:
        """The ``incurred`` date of ``txn``, else ``default`` (an unreadable value is a
        problem of the outflow, reported by the period check)."""
        value, _problem = meta.date(txn.meta, meta.INCURRED)
        return default if value is None else value

    def _uses(self, txn: data.Transaction, others: list[data.Posting], paid: Decimal
              ) -> list[Use]:
        """What the ``paid`` USD that left the fund paid for: the transaction's debits outside
        the fund, in proportion when other sources (a partner's credit) paid part of them."""
        incurred = self._incurred(txn, txn.date)
        debits = [(p, self.converter.usd(p, txn.date)) for p in others]
        debits = [(p, usd) for p, usd in debits if usd > 0]
        uses = []
        for (posting, _usd), (_key, share) in zip(
            debits, split(paid, {str(i): usd for i, (_p, usd) in enumerate(debits)})
        ):
            pc = project_of(posting.account)
            if pc:
                uses.append(Use(posting.account, share, pc[0], pc[1], incurred))
                continue
            settled = self._settled_costs(txn, posting)
            if not settled:
                uses.append(Use(posting.account, share, None, None, incurred))
                continue
            weights = {str(i): cost_usd for i, (_a, cost_usd, _p) in enumerate(settled)}
            for (accrual, _cost_usd, cost_posting), (_k, part) in zip(settled,
                                                                     split(share, weights)):
                project, category = project_of(cost_posting.account)  # type: ignore[misc]
                uses.append(Use(cost_posting.account, part, project, category,
                                self._incurred(txn, accrual.date)))
        return uses

    def _settled_costs(self, txn, posting) -> list[tuple[data.Transaction, Decimal, data.Posting]]:
        """Project costs booked by the accruals this liability posting settles (by link)."""
        if not posting.account.startswith("Liabilities:"):
            return []
        found = []
        for link in sorted(txn.links or ()):
            for other in self.by_link[link]:
                if other is txn or other.date > txn.date:
                    continue
                for p in other.postings:
                    if project_of(p.account):
                        found.append((other, self.converter.usd(p, other.date), p))
        return found


def _content(txn: data.Transaction) -> tuple[Any, ...]:
    return (txn.payee or "", txn.narration or "",
            tuple((p.account, p.units.currency, p.units.number) for p in txn.postings))


def in_day_order(transactions: list[data.Transaction]) -> list[data.Transaction]:
    """Transactions by date and, within a day, by their content (payee, narration, postings).

    Beancount orders one day's entries by line number, whatever their file, so moving an entry
    to another file could move a finding from one payment of the day to another (which one
    crosses the ceiling, which is the project's last cost). The verdict must not depend on
    how the ledger is split into files.
    """
    ordered: list[data.Transaction] = []
    start = 0
    for index in range(1, len(transactions) + 1):
        if index == len(transactions) or transactions[index].date != transactions[start].date:
            day = transactions[start:index]
            ordered.extend(sorted(day, key=_content) if len(day) > 1 else day)
            start = index
    return ordered


def split(amount: Decimal, weights: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    """``amount`` shared in proportion to ``weights``, one part per key in order; the parts add
    up to ``amount`` exactly (the last weighted key takes the rounding)."""
    total = sum(weights.values(), ZERO)
    if not total:
        return [(key, ZERO) for key in weights]
    last = [key for key, weight in weights.items() if weight][-1]
    parts = {key: amount * weight / total for key, weight in weights.items()}
    parts[last] = amount - sum((v for k, v in parts.items() if k != last), ZERO)
    return list(parts.items())


def _pays_out(postings: list[data.Posting]) -> bool:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for posting in postings:
        totals[posting.units.currency] += posting.units.number
    return any(number < 0 for number in totals.values())


def build_facts(entries: Sequence[data.Directive], as_of: datetime.date,
                until: datetime.date | None = None, options: dict[str, Any] | None = None
                ) -> Facts:
    """The facts of the ledger; ``as_of`` decides which projects are closed. Every entry is
    judged, whatever its date, unless ``until`` is given: entries after it are left out.
    ``options`` (Beancount's) locate the documents folders."""
    return _Builder(entries, as_of, until, options).build()

"""The ledger conventions in one frozen object: account roots, metadata keys, the currency.

Whatever needs to know which accounts are the Surplus Fund, which key names the approvers or
which currency the audit counts in asks a :class:`Conventions` (``facts.conventions``), so that
no account name, key or currency is written twice. Account roots have no trailing colon; an
account is *under* a root when it is a sub-account of it (not the root itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

DEFAULT_CURRENCY = "USD"


@dataclass(frozen=True)
class Conventions:
    # --- account roots (README "Ledger conventions")
    fund: str = "Assets:Surplus-Fund"  # the account and its sub-accounts
    operating: str = "Assets:Operating"
    cofunding_assets: str = "Assets:Co-Funding"  # Assets:Co-Funding:<Source>
    cofunding_income: str = "Income:Co-Funding"  # Income:Co-Funding:<Source>
    contributions: str = "Income:Contributions"  # Income:Contributions:<Member>, assessed
    receivables: str = "Assets:Receivables:Contributions"  # ...:<Member>, received on credit
    secretariat: str = "Expenses:Secretariat"  # operating expenses
    projects: str = "Expenses:Projects"  # Expenses:Projects:<Project>:<Category>
    opening: str = "Equity:Opening-Balances"
    income: str = "Income"  # all income but co-funding is operating income
    liabilities: str = "Liabilities"  # accruals, settled by a linked payment
    # --- metadata keys (lower case, exactly as written in the ledger)
    resolution: str = "resolution"
    prepared_by: str = "prepared-by"
    approved_by: str = "approved-by"
    document: str = "document"
    incurred: str = "incurred"
    fiscal_year: str = "fiscal-year"
    audit_ref: str = "audit-ref"
    waiver: str = "waiver"
    # --- the operating currency: facts, findings and tables are in it
    currency: str = DEFAULT_CURRENCY

    @property
    def keys(self) -> tuple[str, ...]:
        """Every metadata key of the conventions (a near miss of one gets a hint)."""
        return (self.resolution, self.prepared_by, self.approved_by, self.document,
                self.incurred, self.fiscal_year, self.audit_ref, self.waiver)

    def is_fund(self, account: str) -> bool:
        """Whether ``account`` is the Surplus Fund or one of its sub-accounts."""
        return account == self.fund or under(account, self.fund)

    @property
    def cofunding(self) -> tuple[str, str]:
        """The roots whose sub-accounts name another funder of a project."""
        return (self.cofunding_assets, self.cofunding_income)


def under(account: str, *roots: str) -> bool:
    """Whether ``account`` is a sub-account of one of ``roots`` (not the root itself)."""
    return account.startswith(tuple(root + ":" for root in roots))


def component(account: str, root: str, index: int = 0) -> str | None:
    """The ``index``-th name below ``root`` in ``account`` (``Expenses:Projects:X:Research``,
    ``Expenses:Projects``: 0 is ``X``, 1 is ``Research``); None when there is none."""
    parts = account[len(root) + 1:].split(":")
    return parts[index] if index < len(parts) else None


DEFAULT = Conventions()


def conventions(options: Mapping[str, Any] | None) -> Conventions:
    """The conventions of a ledger with Beancount's ``options`` map (None: the defaults): the
    audit counts in the first ``operating_currency`` (as Fava's first column), else USD."""
    currencies = (options or {}).get("operating_currency") or ()
    if isinstance(currencies, str):  # a hand-made options map, not Beancount's
        currencies = (currencies,)
    first = next((c for c in currencies if isinstance(c, str) and c), None)
    return DEFAULT if first is None or first == DEFAULT.currency else Conventions(currency=first)

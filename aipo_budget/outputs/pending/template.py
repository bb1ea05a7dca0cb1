"""A proposed surplus payment to start from (``check --pending --template``), written for the
ledger at hand: its operating currency, one of its Surplus Fund accounts, a project and an
eligible category its rules authorise, and every metadata key a surplus outflow needs."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aipo_budget.core.engine import Audit

PLACEHOLDER_AMOUNT = "1000.00"


def _purpose(result: Audit, day: datetime.date) -> tuple[str, str, str]:
    """(resolution, project, category) of the first purpose rule in force on ``day``."""
    for rule in result.ruleset.of_kind("purpose"):
        params = rule.judging(day).params
        for project, categories in params.projects.items():
            return params.resolution, project, (list(categories) or ["Research"])[0]
    return "RESOLUTION", "Project", "Research"


def _fund_account(result: Audit) -> str:
    """The fund account the latest surplus outflow paid from, else the first one."""
    ledger = result.facts.conventions
    paid_from = (posting.account for outflow in reversed(result.facts.outflows)
                 for posting in outflow.entry.postings if ledger.is_fund(posting.account))
    return next(paid_from, (result.facts.fund_accounts or (ledger.fund,))[0])


def _approvals(result: Audit, day: datetime.date, currency: str) -> str:
    for rule in result.ruleset.of_kind("approval"):
        params = rule.judging(day).params
        return (f"{params.approvers_above} different approvers above "
                f"{params.threshold:,.2f} {currency}")
    return "comma-separated"


def template_text(result: Audit, day: datetime.date | None = None) -> str:
    """The template, dated ``day`` (default today)."""
    day = day or datetime.date.today()
    ledger = result.facts.conventions
    resolution, project, category = _purpose(result, day)
    expense = f"{ledger.projects}:{project}:{category}"
    fund = _fund_account(result)
    width = max(len(expense), len(fund)) + 16
    lines = [
        "; A proposed surplus payment: change every value, save it (e.g. as proposal.beancount),",
        "; then run: aipo-budget check --pending proposal.beancount",
        f'{day} * "Payee" "What the payment is for"',
        f'  {ledger.resolution}: "{resolution}"  ; the instrument that authorises the use',
        f'  {ledger.prepared_by}: "Preparer Name"  ; never one of the approvers',
        f'  {ledger.approved_by}: "First Approver, Second Approver"  '
        f"; {_approvals(result, day, ledger.currency)}",
        f'  {ledger.document}: "{day}.invoice.pdf"  ; the evidence, filed under '
        f"documents/{expense.replace(':', '/')}/",
        f"  {ledger.incurred}: {day}  ; when the cost was incurred, if paid later",
        f"  {expense}".ljust(width) + f"{PLACEHOLDER_AMOUNT} {ledger.currency}",
        f"  {fund}".ljust(width) + f"-{PLACEHOLDER_AMOUNT} {ledger.currency}",
    ]
    return "\n".join(lines) + "\n"

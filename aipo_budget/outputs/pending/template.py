"""A proposed surplus payment to start from (``check --pending --template``), written for the
ledger at hand: its operating currency, one of its Surplus Fund accounts, a project and an
eligible category its rules authorise, and every metadata key a surplus outflow needs.

It is dated the day the ledger is judged as of (``--as-of``), else today. A payment for a
project closed on that day cannot pass its period rule, whatever else is right: the template
keeps its day (a payment is proposed for the day it will be made, and a date in the past would
hide that), and says when the project closed and how to judge a payment inside its period,
with the commands that do it (``--as-of`` on a day of the period: the ledger as it stood then).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from aipo_budget.core.projects import terms

if TYPE_CHECKING:
    from aipo_budget.core.engine import Audit
    from aipo_budget.core.projects import Terms

PLACEHOLDER_AMOUNT = "1000.00"


def _purpose(result: Audit, day: datetime.date) -> tuple[str, str, str]:
    """(resolution, project, category) of the purpose rules in force on ``day``: a project
    open on that day, else the one that closed last."""
    found = [(params.resolution, project, (list(categories) or ["Research"])[0])
             for params in (rule.judging(day).params
                            for rule in result.ruleset.of_kind("purpose"))
             for project, categories in params.projects.items()]
    if not found:
        return "RESOLUTION", "Project", "Research"

    def lateness(item: tuple[str, str, str]) -> tuple[bool, datetime.date]:
        when = terms(result.ruleset, item[1], day)
        return not when.closed, when.close or datetime.date.max

    return max(found, key=lateness)  # the first of equals


def _closed(when: Terms, day: datetime.date) -> list[str]:
    """What a template of ``day`` says of its project when it is closed on that day."""
    if when.period is None or not when.closed:
        return []
    inside = when.end  # a cost incurred on the period's last day, paid that day
    return [
        f"; {when.project} closed on {when.close} (costs incurred {when.start} to {when.end}, "
        "paid",
        f"; within {when.window_days or 0} days): a payment dated {day} fails "
        f"{when.period.rule_id}. To judge one inside the",
        "; period, judge the ledger as it stood on a day of it, with a template of that day:",
        f";   aipo-budget check --pending --template --as-of {inside} > proposal.beancount",
        f";   aipo-budget check --pending proposal.beancount --as-of {inside}",
    ]


def _fund_account(result: Audit) -> str:
    """The fund account the latest surplus outflow paid from, else the first one."""
    ledger = result.facts.conventions
    paid_from = (posting.account for outflow in reversed(result.facts.outflows)
                 for posting in outflow.entry.postings if ledger.is_fund(posting.account))
    return next(paid_from, (result.facts.fund_accounts or (ledger.fund,))[0])


def _approvals(result: Audit, day: datetime.date, currency: str) -> str:
    for rule in result.ruleset.of_kind("approval"):
        params = rule.judging(day).params
        signed = "; each signs it (aipo-budget approve)" if params.signed else ""
        return (f"{params.approvers_above} different approvers above "
                f"{params.threshold:,.2f} {currency}{signed}")
    return "comma-separated"


def template_text(result: Audit) -> str:
    """The template, dated the day the ledger is judged as of (``--as-of``), else today."""
    until = result.facts.until
    day = until or datetime.date.today()
    ledger = result.facts.conventions
    resolution, project, category = _purpose(result, day)
    expense = f"{ledger.projects}:{project}:{category}"
    fund = _fund_account(result)
    width = max(len(expense), len(fund)) + 16
    as_of = f" --as-of {until}" if until is not None else ""
    lines = [
        "; A proposed surplus payment: change every value, save it (e.g. as proposal.beancount),",
        f"; then run: aipo-budget check --pending proposal.beancount{as_of}",
        *_closed(terms(result.ruleset, project, day), day),
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

"""The one pass over the ledger's entries: each transaction goes, by the roles of its accounts,
to the part of the pass that concerns it (operating surplus, contributions, project costs and
their funding, fund movements), and the facts collect what they return."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.conventions import conventions
from aipo_budget.core.convert import Converter
from aipo_budget.core.evidence import Evidence
from aipo_budget.core.facts import operating
from aipo_budget.core.facts.accruals import costs
from aipo_budget.core.facts.contributions import contributions
from aipo_budget.core.facts.model import Facts, Location, Opening, Outflow, Refund, TransferIn
from aipo_budget.core.facts.movements import Fund, movement
from aipo_budget.core.facts.roles import (
    FUND_ROLE,
    MEMBER,
    MEMBER_INCOME,
    PROJECT,
    Context,
    by_link,
    in_day_order,
    project_of,
)

if TYPE_CHECKING:
    import datetime
    from collections.abc import Sequence

    from aipo_budget.core.facts.movements import Movement


def _context(entries: Sequence[data.Directive], kept: list[data.Directive],
             transactions: list[data.Transaction], options: dict[str, Any] | None) -> Context:
    ledger = conventions(options)
    # evidence is looked up among all the Document entries, the cut-off ones included
    return Context(ledger, Converter(kept, ledger.currency), Evidence(entries, options),
                   by_link(transactions))


def _record(facts: Facts, found: Movement | None) -> None:
    if isinstance(found, Outflow):
        facts.outflows.append(found)
    elif isinstance(found, TransferIn):
        facts.transfers.append(found)
    elif isinstance(found, Refund):
        facts.refunds.append(found)
    elif isinstance(found, Opening):
        facts.openings.append(found)


def _pass(ctx: Context, transactions: list[data.Transaction], facts: Facts) -> None:
    years, fund = operating.Years(), Fund()
    for txn in transactions:
        roles = [ctx.role(p.account) for p in txn.postings]
        if not operating.ROLES.isdisjoint(roles):
            years.add(ctx, txn, roles)
        if MEMBER in roles or MEMBER_INCOME in roles:
            found, problem = contributions(ctx, txn)
            facts.contributions.extend(found)
            if problem is not None:
                facts.problems.append((Location.of(txn.meta, txn), txn.date, problem))
        if PROJECT in roles:
            facts.costs.extend(costs(ctx, txn))
        if FUND_ROLE in roles:
            _record(facts, movement(ctx, fund, txn))
            facts.fund_history.append((txn.date, fund.balance))
    facts.operating = years.facts()


def build_facts(entries: Sequence[data.Directive], as_of: datetime.date,
                until: datetime.date | None = None, options: dict[str, Any] | None = None
                ) -> Facts:
    """The facts of the ledger; ``as_of`` decides which projects are closed. Every entry is
    judged, whatever its date, unless ``until`` is given: entries after it are left out.
    ``options`` (Beancount's) give the operating currency and locate the documents folders."""
    kept = [e for e in entries if e.date <= until] if until else list(entries)
    transactions = in_day_order([e for e in kept if isinstance(e, data.Transaction)])
    ctx = _context(entries, kept, transactions, options)
    facts = Facts(as_of, (), until, len(entries) - len(kept),
                  max((e.date for e in kept), default=None), conventions=ctx.conventions)
    _pass(ctx, transactions, facts)
    accounts = {e.account for e in kept if isinstance(e, data.Open)} | set(ctx.roles)
    facts.fund_accounts = tuple(sorted(a for a in accounts if ctx.is_fund(a)))
    facts.projects = frozenset(pc[0] for pc in (project_of(a, ctx.conventions)
                                                for a in accounts) if pc)
    return facts

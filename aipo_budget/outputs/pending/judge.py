"""Judging proposals, each with the ledger and the proposals before it in the file, as if paid
in that order. The ledger and the proposals are loaded once; proposal *k* is judged by the
audit of the ledger with proposals 1..*k*. Its findings are those on it, and those that audit
has and the audit with proposals 1..*k-1* has not (a ceiling crossed by a later, existing
payment, a reserve floor broken further on), marked "caused by the proposal". Beancount's own
last steps are made again for each audit, so that a balance assertion that no longer holds, or
a pad that now fills a gap, is new where the proposal that causes it is added.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.core.engine import audit
from aipo_budget.core.facts import Location
from aipo_budget.core.ledger import is_revalidated, revalidated
from aipo_budget.core.paths import shown
from aipo_budget.core.tally import plural
from aipo_budget.outputs.pending.headroom import headroom, outflow_of
from aipo_budget.outputs.table import Status

if TYPE_CHECKING:
    import datetime
    from collections.abc import Iterator, Sequence
    from decimal import Decimal

    from beancount.core import data

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import RuleSet
    from aipo_budget.outputs.table import Table

Key = tuple[Any, ...]


def key(finding: Finding) -> Key:
    """What makes a finding the same finding before and after a proposal: a warning that
    becomes an error, or a finding that moves to another entry, is a new one."""
    return (finding.rule, finding.kind, finding.severity, finding.filename, finding.lineno)


@dataclass(frozen=True)
class Verdict:
    """A proposal judged: its findings (``caused`` of them on other entries), the amount it
    takes from the fund and the headroom left after it, read from the audit of the ledger
    with it (which is not kept)."""

    proposal: data.Transaction
    location: Location
    findings: tuple[Finding, ...]
    caused: int
    amount: Decimal | None
    room: Table
    currency: str

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def status(self) -> Status:
        if self.errors:
            return Status.NOT_PAYABLE
        return Status.PAYABLE_WITH_WARNINGS if self.warnings else Status.PAYABLE

    @property
    def text(self) -> str:
        return f"{self.status}: {plural(self.errors, 'error')}" if self.errors else str(self.status)


@dataclass(frozen=True)
class Setting:
    """How to audit: the rules, the day that decides which projects are closed, the cut-off
    (``--as-of``) and Beancount's options."""

    ruleset: RuleSet
    day: datetime.date
    until: datetime.date | None
    options: dict[str, Any]


def judge(entries: Sequence[data.Directive], errors: Sequence[Any],
          proposals: Sequence[data.Transaction], setting: Setting) -> Iterator[Verdict]:
    """Every proposal judged in file order, from one load of the ledger with all of them
    (``entries`` and Beancount's ``errors``). A verdict is yielded as soon as it is made, and
    only the audit of the ledger with the proposals so far is held: the memory stays that of
    one audit however many proposals there are."""
    earlier = {key(f) for f in _audit(entries, errors, proposals, setting).findings}
    for index, proposal in enumerate(proposals):
        after = _audit(entries, errors, proposals[index + 1:], setting)
        yield _verdict(proposal, earlier, after)
        earlier = {key(f) for f in after.findings}


def _audit(entries: Sequence[data.Directive], errors: Sequence[Any],
           left_out: Sequence[data.Transaction], setting: Setting) -> Audit:
    """The audit of the ledger as if loaded without the proposals ``left_out``: Beancount's
    last steps (padding, balance assertions, validation) are made again on what is left
    (:func:`aipo_budget.core.ledger.revalidated`), and its other errors are the load's, but
    those on the proposals left out."""
    gone = {id(p) for p in left_out}
    places = {_place(p) for p in left_out}
    kept, last_errors = revalidated([e for e in entries if id(e) not in gone], setting.options)
    # told by place: an error of Beancount's booking names the transaction as parsed
    others = [e for e in errors if not is_revalidated(e)
              and _place(getattr(e, "entry", None)) not in places]
    return audit(kept, setting.ruleset, setting.day, [*others, *last_errors],
                 until=setting.until, options=setting.options)


def _place(entry: Any) -> tuple[Any, Any]:
    meta = getattr(entry, "meta", None) or {}
    return meta.get("filename"), meta.get("lineno")


def _verdict(proposal: data.Transaction, earlier: set[Key], after: Audit) -> Verdict:
    where = Location.of(proposal.meta, proposal)
    own = [f for f in after.findings if (f.filename, f.lineno) == (where.filename, where.lineno)]
    caused = [f for f in after.findings if key(f) not in earlier and f not in own]
    text = f"caused by the proposal ({shown(where.filename)}:{where.lineno}): "
    marked = [dataclasses.replace(f, message=text + f.message) for f in caused]
    outflow = outflow_of(after, proposal)
    return Verdict(proposal, where, (*own, *marked), len(marked),
                   outflow.usd if outflow is not None else None,
                   headroom(after, proposal, "headroom after it"),
                   after.facts.conventions.currency)

"""Judging proposals: each proposed transaction with the ledger and the proposals before it in
the file, as if paid in that order, and what it changes on the entries already there.

Proposal *k* is judged by the audit of the ledger with proposals 1..*k*. Its findings are those
on it, and those that audit has and the audit with proposals 1..*k-1* has not (for a single
proposal, the ledger's own check: the same ledger, the same rules and day; see ``_before``),
e.g. a ceiling crossed by a later, existing payment or a reserve floor broken further on, each
marked "caused by the proposal". Beancount's own errors caused by the proposals (a balance assertion that no longer
holds) are new against the ledger's own check; they are put on the proposals that post to the
asserted account before it, or on every proposal when none does.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.engine import audit, errors_found, with_ledger_errors
from aipo_budget.facts import Location
from aipo_budget.paths import shown
from aipo_budget.table import Status
from aipo_budget.tally import plural

if TYPE_CHECKING:
    import datetime
    from collections.abc import Iterable, Sequence

    from beancount.core import data

    from aipo_budget.engine import Audit
    from aipo_budget.findings import Finding
    from aipo_budget.rules import RuleSet

Key = tuple[Any, ...]


def key(finding: Finding) -> Key:
    """What makes a finding the same finding before and after a proposal: a warning that
    becomes an error, or a finding that moves to another entry, is a new one."""
    return (finding.rule, finding.kind, finding.severity, finding.filename, finding.lineno)


@dataclass(frozen=True)
class Verdict:
    """A proposal judged: its findings (``caused`` of them on other entries) and the audit of
    the ledger with it, which its headroom reads."""

    proposal: data.Transaction
    location: Location
    findings: tuple[Finding, ...]
    caused: int
    result: Audit

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
        if self.errors:
            return f"{Status.NOT_PAYABLE}: {plural(self.errors, 'error')}"
        return str(self.status)


@dataclass(frozen=True)
class Setting:
    """How to audit: the rules, the day that decides which projects are closed, the cut-off
    (``--as-of``) and Beancount's options."""

    ruleset: RuleSet
    day: datetime.date
    until: datetime.date | None
    options: dict[str, Any]


def judge(entries: Sequence[data.Directive], errors: Sequence[Any],
          proposals: Sequence[data.Transaction], setting: Setting,
          known: Iterable[Key], first: Audit | None = None) -> list[Verdict]:
    """Every proposal judged in file order; ``entries`` and ``errors`` are the load of the
    ledger with all of them, ``known`` the keys of the ledger's own findings (its check).
    ``first``, when given, is the audit of the ledger with the first proposal alone, made
    without Beancount's errors (beside Beancount's last steps, :func:`first_audit`)."""
    if not proposals:
        return []
    ids = [id(p) for p in proposals]
    if first is None:
        after = _audit(entries, errors, ids[1:], proposals, setting)
    else:
        after = with_ledger_errors(first, _kept(errors, ids[1:], proposals), setting.until)
    earlier, extra = _before(entries, errors, proposals, setting, set(known), after)
    moved = {id(p): [f for f in extra if _moves(p, f)] for p in proposals}
    unplaced = [f for f in extra if not any(f in found for found in moved.values())]
    verdicts = []
    for index, proposal in enumerate(proposals):
        if index:
            after = _audit(entries, errors, ids[index + 1:], proposals, setting)
        verdicts.append(_verdict(proposal, earlier, after, moved[id(proposal)] + unplaced))
        earlier = {key(f) for f in after.findings}
    return verdicts


def _before(entries: Sequence[data.Directive], errors: Sequence[Any],
            proposals: Sequence[data.Transaction], setting: Setting, known: set[Key],
            after: Audit) -> tuple[set[Key], list[Finding]]:
    """The keys of the findings the first proposal is judged against, and the findings on
    the ledger's entries that the proposals cause together (``extra``: put on the proposals,
    as :func:`judge` says).

    One proposal: the ledger without it is the one its check judged (``known``), but for
    Beancount's errors, made once over the ledger with the proposal: those it causes on the
    ledger's entries (a balance assertion that no longer holds) are new. Several: entries
    made from the whole load (a pad's transaction, a plugin's) may carry a later proposal's
    effect into the first one's audit, so the ledger without any proposal is audited from
    this load, and what it has that the check has not is the proposals' together."""
    ids = [id(p) for p in proposals]
    if len(proposals) == 1:
        now = errors_found(_kept(errors, ids, proposals), after, setting.until)
        return known | {key(f) for f in now}, [f for f in now if key(f) not in known]
    alone = _audit(entries, errors, ids, proposals, setting).findings
    return {key(f) for f in alone}, [f for f in alone if key(f) not in known]


def first_audit(entries: Sequence[data.Directive], proposals: Sequence[data.Transaction],
                setting: Setting) -> Audit | None:
    """The audit of the ledger with the first proposal, without Beancount's errors."""
    if not proposals:
        return None
    return _audit(entries, (), [id(p) for p in proposals[1:]], proposals, setting)


def _kept(errors: Sequence[Any], left_out: Sequence[int],
          proposals: Sequence[data.Transaction]) -> list[Any]:
    """Beancount's errors but those on the proposals ``left_out`` (their ids). An error made
    in a forked copy names a copy of its entry: it is told by the entry's place."""
    gone = set(left_out)
    places = {_place(p) for p in proposals if id(p) in gone}
    return [e for e in errors
            if (entry := getattr(e, "entry", None)) is None or _place(entry) not in places]


def _place(entry: Any) -> tuple[Any, Any]:
    meta = getattr(entry, "meta", None) or {}
    return meta.get("filename"), meta.get("lineno")


def _audit(entries: Sequence[data.Directive], errors: Sequence[Any], left_out: Sequence[int],
           proposals: Sequence[data.Transaction], setting: Setting) -> Audit:
    gone = set(left_out)
    kept = [e for e in entries if id(e) not in gone]
    return audit(kept, setting.ruleset, setting.day, _kept(errors, left_out, proposals),
                 until=setting.until, options=setting.options)


def _moves(proposal: data.Transaction, finding: Finding) -> bool:
    """Whether ``proposal`` posts, before it, to the account a finding's entry asserts."""
    account = getattr(finding.entry, "account", None)
    date = getattr(finding.entry, "date", None)
    if account is None or date is None or proposal.date >= date:
        return False
    return any(p.account == account or p.account.startswith(account + ":")
               for p in proposal.postings)


def _verdict(proposal: data.Transaction, earlier: set[Key], after: Audit,
             beancount: Sequence[Finding]) -> Verdict:
    where = Location.of(proposal.meta, proposal)
    own = [f for f in after.findings if (f.filename, f.lineno) == (where.filename, where.lineno)]
    caused = [f for f in after.findings if key(f) not in earlier and f not in own]
    caused += [f for f in beancount if f not in caused]
    text = f"caused by the proposal ({shown(where.filename)}:{where.lineno}): "
    marked = [dataclasses.replace(f, message=text + f.message) for f in caused]
    return Verdict(proposal, where, (*own, *marked), len(marked), after)

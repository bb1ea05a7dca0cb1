"""Waivers: authorised exceptions, applied once, to the findings of every check.

A transaction cites waivers listed in the rules folder (``[[waiver]]``) with ``waiver:
"EC-2006-07"`` (several: comma-separated). A cited waiver covers a finding on it when it names
the finding's rule id or kind, its project if it names one (for a finding of no project: every
project the transaction pays for), the amount is within ``max_amount``, and the transaction is
dated from the waiver's adoption (an exception is granted before the payment, not found for it
afterwards) to its ``valid_until``.

A covered finding takes severity ``waived`` and the waiver's reference, and fails nothing. When
no cited waiver covers a finding, a finding of the ``waiver`` rule is added beside it saying
why each does not (an error for an error, a warning for a warning). Findings of the kinds in
:data:`UNWAIVABLE` are never waived nor questioned. Each finding is judged on its own, so that
waiving part of the findings (the ledger's errors added to the plugin's audit) gives what
waiving all of them would.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
from typing import TYPE_CHECKING

from beancount.core import data

from aipo_budget.core import meta
from aipo_budget.core.facts import Location
from aipo_budget.core.facts.roles import project_of
from aipo_budget.core.findings import WAIVED, WARNING, finding, money
from aipo_budget.core.rules import ALWAYS, UNWAIVABLE, RuleVersion

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

    from aipo_budget.core.conventions import Conventions
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import RuleSet, Waiver

# Used when a rules folder has no rule of kind "waiver": a waiver cited wrongly is still said.
DEFAULT_WAIVER_RULE = RuleVersion(
    "WAIVER", "waiver", 1, ALWAYS, "error", "Waivers listed in the rules folder",
    "A transaction that cites a waiver is covered by it: the waiver is listed, was adopted on or "
    "before the transaction, is still valid, and covers the rule, project and amount.", {})


def references(text: str) -> tuple[str, ...]:
    """The waiver references a ``waiver`` value cites (comma-separated), each read as the
    rules read a listed one (:func:`aipo_budget.core.meta.normal`), so that the two compare."""
    return tuple(part for part in (meta.normal(item) for item in text.split(",")) if part)


def _scope(waiver: Waiver, item: Finding, conventions: Conventions) -> str | None:
    """Why ``waiver`` does not cover the rule or project of ``item``; None if it does."""
    reference = waiver.reference
    if item.rule not in waiver.rules and item.kind not in waiver.kinds:
        return f"waiver {reference} covers {', '.join(waiver.covers)}, not {item.rule}"
    if waiver.project is None:
        return None
    # a finding of no project: every project its transaction's postings pay for
    postings = getattr(item.entry, "postings", None) or ()
    paid = {item.project} if item.project else {
        found[0] for found in (project_of(p.account, conventions) for p in postings)
        if found and found[0]}
    if paid != {waiver.project}:
        other = ", ".join(sorted(paid)) or "no project"
        return f"waiver {reference} is for project {waiver.project}, not {other}"
    return None


def _limits(waiver: Waiver, item: Finding, day: datetime.date) -> str | None:
    """Why ``waiver`` does not cover a finding of a transaction of ``day`` by its dates and
    amount; None if it does."""
    reference = waiver.reference
    if day < waiver.adopted:
        return (f"waiver {reference} was adopted on {waiver.adopted}, after the transaction "
                f"of {day}: an exception is granted before the payment")
    if waiver.valid_until is not None and day > waiver.valid_until:
        return (f"waiver {reference} expired on {waiver.valid_until}, before the transaction "
                f"of {day}")
    if waiver.max_amount is None:
        return None
    limit = money(waiver.max_amount, item.currency)
    if item.amount is None:
        return f"waiver {reference} covers up to {limit}, and this finding has no amount"
    if abs(item.amount) > waiver.max_amount:
        return (f"waiver {reference} covers up to {limit}, and this finding is for "
                f"{money(abs(item.amount), item.currency)}")
    return None


def why_not(reference: str, item: Finding, ruleset: RuleSet, conventions: Conventions
            ) -> str | None:
    """Why the waiver ``reference`` does not cover ``item``; None if it does."""
    waiver = ruleset.waiver(reference)
    if waiver is None:
        return _unlisted(reference, ruleset)
    day = getattr(item.entry, "date", None) or item.date or datetime.date.min
    return _scope(waiver, item, conventions) or _limits(waiver, item, day)


def _unlisted(reference: str, ruleset: RuleSet, said: str = " is") -> str:
    known = [waiver.reference for waiver in ruleset.waivers]
    near = difflib.get_close_matches(reference, known, n=1, cutoff=0.6)
    hint = f' (did you mean "{near[0]}"?)' if near else ""
    return f'waiver "{reference}"{said} not listed in the rules folder{hint}'


def _not_waived(item: Finding, reasons: list[str], ruleset: RuleSet, by: str = "") -> Finding:
    """The finding that says why no cited waiver covers ``item``, beside it; or, when the
    waiver ``by`` covers it, a warning naming the other references, which are not listed."""
    date = getattr(item.entry, "date", None) or item.date
    version = ruleset.judging("waiver", date, DEFAULT_WAIVER_RULE)
    said = f"waived by {by}, but" if by else "not waived:"
    return finding(version, item.date, Location(item.filename, item.lineno, item.entry),
                   f"the {item.rule} finding is {said} {'; '.join(reasons)}", item.amount,
                   severity=WARNING if by or item.severity == WARNING else None,
                   project=item.project, currency=item.currency)


def judge(item: Finding, ruleset: RuleSet, conventions: Conventions
          ) -> tuple[Finding, Finding | None]:
    """``item`` waived if a waiver its transaction cites covers it; else ``item`` and, when
    its transaction cites one, the finding that says why none applies."""
    entry = item.entry
    if item.kind in UNWAIVABLE or item.severity == WAIVED or not getattr(entry, "meta", None):
        return item, None
    cited, problem = meta.text(entry.meta, conventions.waiver)
    if problem is not None:
        return item, _not_waived(item, [problem.message], ruleset)
    if cited is None:  # a misspelt key (waivr:) cites nothing: the finding says so
        typo = meta.near_miss(entry.meta, conventions.waiver)
        said = f"the transaction has '{typo}': did you mean '{conventions.waiver}'?"
        return item, (_not_waived(item, [said], ruleset) if typo else None)
    cited_all, reasons = references(cited), []
    for reference in cited_all:
        reason = why_not(reference, item, ruleset, conventions)
        if reason is None:  # the others cited beside it must be listed all the same
            unlisted = [why_not(other, item, ruleset, conventions) or "" for other in cited_all
                        if ruleset.waiver(other) is None]
            return (dataclasses.replace(item, severity=WAIVED, waiver=reference),
                    _not_waived(item, unlisted, ruleset, reference) if unlisted else None)
        reasons.append(reason)
    return item, (_not_waived(item, reasons, ruleset) if reasons else None)


def apply_waivers(findings: Iterable[Finding], ruleset: RuleSet, conventions: Conventions
                  ) -> list[Finding]:
    """``findings`` with every finding a valid waiver covers waived, and a finding added for
    each that a cited waiver does not cover (once per rule and reason on a transaction)."""
    judged: list[Finding] = []
    added: dict[tuple[str, int, str, str], Finding] = {}
    for item in findings:
        kept, why = judge(item, ruleset, conventions)
        judged.append(kept)
        if why is not None:
            added.setdefault((why.filename, why.lineno, why.severity, why.message), why)
    return judged + list(added.values())


def unlisted_citations(entries: Iterable[data.Directive], findings: Sequence[Finding],
                       ruleset: RuleSet, conventions: Conventions) -> Iterator[Finding]:
    """A warning on each transaction that cites a waiver not listed in the rules folder when
    no ``waiver`` finding on it says so already: one it breaks no rule with (or breaks only
    rules no waiver covers) still points at an exception nobody granted; so does a citation
    that cannot be read (``waiver: TRUE``)."""
    said = {(f.filename, f.lineno) for f in findings if f.kind == "waiver"}
    for entry in entries:
        if not isinstance(entry, data.Transaction) or conventions.waiver not in entry.meta:
            continue
        cited, problem = meta.text(entry.meta, conventions.waiver)
        unlisted = [_unlisted(reference, ruleset, ", which is") for reference in
                    references(cited or "") if ruleset.waiver(reference) is None]
        where = Location.of(entry.meta, entry)
        if (problem or unlisted) and (where.filename, where.lineno) not in said:
            version = ruleset.judging("waiver", entry.date, DEFAULT_WAIVER_RULE)
            yield finding(version, entry.date, where, f"the transaction cites a waiver that "
                          f"cannot be read: {problem.message}" if problem else
                          f"the transaction cites {'; '.join(unlisted)}", severity=WARNING)

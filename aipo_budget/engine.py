"""The audit: facts, then every check of the rule set, then Beancount's own errors as findings,
then the waivers (:mod:`aipo_budget.waivers`) applied to them all.

The Beancount plugin, the CLI and the Fava extension all call :func:`audit`; none of them has
checks of its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.checks import CHECKS, coverage
from aipo_budget.facts import Location, build_facts
from aipo_budget.findings import Finding, Judgement, finding
from aipo_budget.rules import RuleVersion
from aipo_budget.seals import SealedPeriod, verify as verify_seals
from aipo_budget.waivers import apply_waivers

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from beancount.core import data

    from aipo_budget.facts import Facts
    from aipo_budget.rules import RuleSet

# Used when a rules folder has no rule of kind "ledger": Beancount's errors are still reported.
DEFAULT_LEDGER_RULE = RuleVersion(
    "LEDGER", "ledger", 1, datetime.date(1900, 1, 1), "error", "Beancount validation",
    "The ledger is valid: Beancount reports no error.", {},
)


@dataclass
class Audit(Judgement):
    facts: Facts
    findings: list[Finding]
    ruleset: RuleSet
    seals: tuple[SealedPeriod, ...] = ()  # the ledger's period seals, verified


def _error_date(error: Any) -> datetime.date | None:
    entry = getattr(error, "entry", None)
    date = getattr(entry, "date", None)
    return date if isinstance(date, datetime.date) else None


def _ledger_version(ruleset: RuleSet, date: datetime.date | None) -> RuleVersion:
    return ruleset.judging("ledger", date, DEFAULT_LEDGER_RULE)


def ledger_findings(errors: Sequence[Any], ruleset: RuleSet,
                    until: datetime.date | None = None) -> list[Finding]:
    """Beancount's own errors, as findings of the rule of kind ``ledger``; with ``until``,
    those on entries after it are left out with the entries."""
    found = []
    for error in errors:
        date = _error_date(error)
        if until is not None and date is not None and date > until:
            continue
        source = getattr(error, "source", None) or {}
        found.append(finding(_ledger_version(ruleset, date),
                             date, Location.of(source, getattr(error, "entry", None)),
                             " ".join(str(getattr(error, "message", error)).split())))
    return found


def metadata_findings(facts: Facts, ruleset: RuleSet) -> list[Finding]:
    """Metadata that no check reads but a table does (a contribution's fiscal-year), when it
    cannot be read: a finding of the ledger rule, not a silently dropped row."""
    return [finding(_ledger_version(ruleset, date), date, location, problem.message)
            for location, date, problem in facts.problems]


def audit(
    entries: Sequence[data.Directive],
    ruleset: RuleSet,
    as_of: datetime.date,
    ledger_errors: Sequence[Any] = (),
    *,
    until: datetime.date | None = None,
    options: dict[str, Any] | None = None,
) -> Audit:
    """Judge the ledger against ``ruleset``; ``as_of`` decides which projects are closed.

    Every entry is judged, whatever its date (a payment dated next week is what an officer
    checks before releasing it), unless ``until`` is given: then entries after it, and
    Beancount's errors on them, are left out. ``options`` are Beancount's (the documents
    folders).
    """
    with settled_heap():
        return _audit(entries, ruleset, as_of, ledger_errors, until, options)


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """The freshly loaded ledger kept out of the garbage collector's sight while the audit
    runs: its objects live as long as the load, and a full collection over all of them, which
    the audit's own allocations would otherwise trigger, was about half of the audit's time on
    a large ledger. Left as found when someone else (an embedding process) froze the heap.
    Unfrozen, the ledger leaves the collector owing one full pass over it: a long-lived
    process pays it at a time of its choosing (the Fava extension, at the end of its load:
    ``aipo_budget.fava_ext.settle``)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _audit(entries: Sequence[data.Directive], ruleset: RuleSet, as_of: datetime.date,
           ledger_errors: Sequence[Any], until: datetime.date | None,
           options: dict[str, Any] | None) -> Audit:
    facts = build_facts(entries, as_of, until, options)
    findings = ledger_findings(ledger_errors, ruleset, until)
    findings += metadata_findings(facts, ruleset)
    findings += coverage.check(facts, ruleset)
    for rule in ruleset.rules:
        check = CHECKS.get(rule.kind)
        if check is not None:
            findings.extend(check(facts, rule, ruleset))
    findings = apply_waivers(findings, ruleset, facts.conventions)
    # every entry and every seal up to the cut-off: a seal covers what the audit leaves out
    sealing = verify_seals(entries, options, ruleset, until=until)
    findings += sealing.findings
    findings.sort(key=lambda f: f.sort_key)
    return Audit(facts, in_currency(findings, facts.conventions.currency), ruleset,
                 tuple(sealing.periods))


def with_ledger_errors(result: Audit, errors: Sequence[Any],
                       until: datetime.date | None = None) -> Audit:
    """``result``, an audit made without Beancount's errors (the plugin's: Beancount checks
    balances and validates after its plugins), with ``errors`` as findings of the ledger rule.

    The same findings in the same order as :func:`audit` with those errors: its sort is
    stable and puts the ledger's findings first among equals, and so does this one."""
    findings = errors_found(errors, result, until) + result.findings
    findings.sort(key=lambda f: f.sort_key)
    return Audit(result.facts, in_currency(findings, result.facts.conventions.currency),
                 result.ruleset, result.seals)


def errors_found(errors: Sequence[Any], result: Audit,
                 until: datetime.date | None = None) -> list[Finding]:
    """Beancount's ``errors`` as the findings :func:`audit` makes of them, for the ledger
    ``result`` audited (its rules and conventions)."""
    # the ledger's errors are never waived; they go through the waivers all the same, as in
    # audit(), so that the two can never disagree
    added = apply_waivers(ledger_findings(errors, result.ruleset, until), result.ruleset,
                          result.facts.conventions)
    return in_currency(added, result.facts.conventions.currency)


def in_currency(findings: list[Finding], currency: str) -> list[Finding]:
    """Every finding in the ledger's operating currency, whichever part of the audit made it
    (a check, Beancount's errors, the metadata or coverage findings): stamped once here, so
    that no finding can say USD in a EUR ledger."""
    return [f if f.currency == currency else dataclasses.replace(f, currency=currency)
            for f in findings]

"""The audit: facts, then every check of the rule set, then Beancount's own errors as findings,
then the waivers (:mod:`aipo_budget.core.waivers`) applied to them all.

The Beancount plugin, the CLI and the Fava extension all call :func:`audit`; none of them has
checks of its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import gc
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aipo_budget.core.checks import CHECKS, coverage
from aipo_budget.core.facts import Location, build_facts
from aipo_budget.core.findings import WARNING, Finding, Judgement, finding
from aipo_budget.core.ledger import NotText, places_written
from aipo_budget.core.rules import ALWAYS, RuleVersion
from aipo_budget.core.seals import SealedPeriod, verify as verify_seals
from aipo_budget.core.waivers import apply_waivers, unlisted_citations

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from beancount.core import data

    from aipo_budget.core.facts import Facts
    from aipo_budget.core.rules import RuleSet

# Used when a rules folder has no rule of kind "ledger": Beancount's errors are still reported.
DEFAULT_LEDGER_RULE = RuleVersion(
    "LEDGER", "ledger", 1, ALWAYS, "error", "Beancount validation",
    "The ledger is valid: Beancount reports no error.", {})


@dataclass
class Audit(Judgement):
    facts: Facts
    findings: list[Finding]
    ruleset: RuleSet
    seals: tuple[SealedPeriod, ...] = ()  # the ledger's period seals, verified


def ledger_findings(errors: Sequence[Any], ruleset: RuleSet, until: datetime.date | None
                    ) -> list[Finding]:
    """Beancount's own errors, as findings of the rule of kind ``ledger``; with ``until``,
    those on entries after it are left out with the entries. Bytes of a ledger file that are
    no UTF-8 text, which Beancount read past, are a warning."""
    found = []
    for error in errors:
        entry = getattr(error, "entry", None)
        date = getattr(entry, "date", None)
        date = date if isinstance(date, datetime.date) else None
        if until is not None and date is not None and date > until:
            continue
        found.append(finding(ruleset.judging("ledger", date, DEFAULT_LEDGER_RULE), date,
                             Location.of(getattr(error, "source", None) or {}, entry),
                             " ".join(str(getattr(error, "message", error)).split()),
                             severity=WARNING if isinstance(error, NotText) else None))
    return found


def audit(entries: Sequence[data.Directive], ruleset: RuleSet, as_of: datetime.date,
          ledger_errors: Sequence[Any] = (), *, until: datetime.date | None = None,
          options: dict[str, Any] | None = None) -> Audit:
    """Judge the ledger against ``ruleset``; ``as_of`` decides which projects are closed.

    Every entry is judged whatever its date (a payment dated next week is what an officer
    checks before releasing it), unless ``until`` leaves out the entries after it and
    Beancount's errors on them. ``options`` are Beancount's; ``ledger_errors`` its errors."""
    with settled_heap():
        judged = _judge(entries, ruleset, as_of, until, options)
    return with_ledger_errors(judged, ledger_errors, until)


@contextlib.contextmanager
def settled_heap() -> Iterator[None]:
    """The loaded ledger kept out of the garbage collector's sight during the audit: its
    objects live as long as the load, and full collections over all of them, triggered by the
    audit's own allocations, were half the audit's time on a large ledger. Left as found when
    someone else (an embedding process) froze the heap."""
    frozen = gc.get_freeze_count() == 0
    if frozen:
        gc.freeze()
    try:
        yield
    finally:
        if frozen:
            gc.unfreeze()


def _judge(entries: Sequence[data.Directive], ruleset: RuleSet, as_of: datetime.date,
           until: datetime.date | None, options: dict[str, Any] | None) -> Audit:
    """Every rule's findings, without Beancount's errors."""
    facts = build_facts(entries, as_of, until, options)
    # metadata that no check reads but a table does (a contribution's fiscal-year), when it
    # cannot be read: a finding of the ledger rule, not a silently dropped row
    findings = [finding(ruleset.judging("ledger", date, DEFAULT_LEDGER_RULE), date, location,
                        problem.message) for location, date, problem in facts.problems]
    findings += coverage.check(facts, ruleset)
    written = places_written(options)
    findings += [finding(ruleset.judging("ledger", p.date, DEFAULT_LEDGER_RULE), p.date,
                         Location(p.filename, p.lineno),
                         f"metadata '{p.key}' (line {p.key_line}) is where Beancount records "
                         "an entry's place: written, it replaces it, and no seal nor audit pack "
                         "sees this entry; remove it or choose another key")
                 for p in written if until is None or p.date is None or p.date <= until]
    for rule in ruleset.rules:
        check = CHECKS.get(rule.kind)
        if check is not None:
            findings.extend(check(facts, rule, ruleset))
    # the currency and the project are stamped before the waivers: their messages name a
    # finding's amount, and a waiver for a project covers only that project's findings
    findings = apply_waivers(stamped(findings, facts), ruleset, facts.conventions)
    judged = (e for e in entries if until is None or e.date <= until)
    findings += unlisted_citations(judged, findings, ruleset, facts.conventions)
    # every seal on every entry, whatever the cut-off; its verdict given the findings of all
    sealing = verify_seals(entries, options, ruleset, findings if until is None else None,
                           written)
    findings += apply_waivers(stamped(sealing.findings, facts), ruleset,
                              facts.conventions)  # seals are unwaivable
    findings.sort(key=lambda f: f.sort_key)
    return Audit(facts, findings, ruleset, tuple(sealing.periods))


def with_ledger_errors(result: Audit, errors: Sequence[Any],
                       until: datetime.date | None = None) -> Audit:
    """``result`` with Beancount's ``errors`` as findings of the ledger rule: the one place
    where they become findings, whether the audit was made here or by the plugin line
    (Beancount checks balances and validates after its plugins, so the plugin never sees
    them). The sort is stable and the ledger's findings come first among equals."""
    if not errors:
        return result
    facts = result.facts
    # never waived; they go through the waivers all the same, as every finding does
    added = apply_waivers(stamped(ledger_findings(errors, result.ruleset, until), facts),
                          result.ruleset, facts.conventions)
    findings = sorted(added + result.findings, key=lambda f: f.sort_key)
    return dataclasses.replace(result, findings=findings)


def stamped(findings: Sequence[Finding], facts: Facts) -> list[Finding]:
    """``findings`` in the ledger's currency (:func:`in_currency`), and every finding on a
    surplus outflow or a refund, whichever check or rule made it, with the projects that
    transaction pays for (as the facts follow its money: an accrual's payment pays the
    accrued project costs), comma-separated in the order of its postings, so that a register
    filtered by project misses none of them. A finding that names its project (the one use
    it judges) keeps it; one on no project transaction has none."""
    findings = in_currency(list(findings), facts.conventions.currency)
    paying = {(event.location.filename, event.location.lineno): event.uses
              for event in (*facts.outflows, *facts.refunds)}
    if not paying:
        return findings
    stamped = []
    for item in findings:
        uses = paying.get((item.filename, item.lineno)) if item.project is None else None
        names = ", ".join(dict.fromkeys(use.project for use in uses or () if use.project))
        stamped.append(dataclasses.replace(item, project=names) if names else item)
    return stamped


def in_currency(findings: list[Finding], currency: str) -> list[Finding]:
    """Every finding in the ledger's operating currency, whichever check made it: stamped
    once, before the waivers, so that no finding nor waiver message can say USD in a EUR
    ledger."""
    return [f if f.currency == currency else dataclasses.replace(f, currency=currency)
            for f in findings]

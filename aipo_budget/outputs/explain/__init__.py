"""Why a transaction got its verdict: ``aipo-budget explain FILE:LINE`` and the Fava page.

The tables: the transaction, every rule (and Beancount's own) with the version that judges it,
whether it applies and why not, and the audit's verdict; the findings; then what each applying
rule saw, from its kind's ``explain`` (:mod:`aipo_budget.core.checks`), the very function its
check judges with, so the explanation cannot contradict the check."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from aipo_budget.core.checks import KINDS
from aipo_budget.core.checks._common import Seen
from aipo_budget.core.engine import DEFAULT_LEDGER_RULE
from aipo_budget.core.findings import ERROR, WAIVED, WARNING
from aipo_budget.core.rules import Rule
from aipo_budget.core.subject import subject_of
from aipo_budget.core.waivers import judge as waived
from aipo_budget.outputs.explain.locate import LocationError, find_transaction, split_location
from aipo_budget.outputs.explain.summary import entries_table, facts_table, transaction_table
from aipo_budget.outputs.table import Column, Kind, table
from aipo_budget.outputs.tables import findings_register

if TYPE_CHECKING:
    from collections.abc import Sequence

    from beancount.core import data

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.subject import Subject, Where
    from aipo_budget.outputs.table import Table

__all__ = ["LocationError", "explain", "find_transaction", "split_location", "verdict"]

RULE_COLUMNS = (
    Column("rule", "rule"), Column("kind", "kind"), Column("version", "version"),
    Column("effective", "effective", Kind.DATE), Column("citation", "citation"),
    Column("applies", "applies"), Column("why", "why"), Column("verdict", "verdict"),
)


def seen(subject: Subject, rule: Rule) -> Seen:
    """The rule on the subject, from the function its check judges with: the facts it
    compared and its findings on the transaction."""
    version = rule.judging(subject.date)
    if subject.left_out:
        return Seen(version, False,
                    f"dated after {subject.facts.until}: left out of the audit (--as-of)")
    if rule.kind == "ledger":
        return Seen(version, True, "every entry: Beancount's own validation of the ledger",
                    findings=tuple(subject.of_rule(rule.id)))
    if rule.kind == "waiver":  # judged with the findings it is about (core.waivers)
        cited = subject.txn.meta.get(subject.facts.conventions.waiver)
        found = tuple(subject.of_rule(rule.id))
        return Seen(version, cited is not None or bool(found),
                    f"the transaction cites waiver {cited}" if cited is not None
                    else "the transaction cites no waiver", findings=found)
    kind = KINDS.get(rule.kind)
    if kind is None:
        return Seen(version, False, f"no explanation for rules of kind {rule.kind!r}; its "
                                    "findings are listed", findings=tuple(subject.of_rule(rule.id)))
    return kind.explain(subject, rule)


def _rules(subject: Subject) -> list[Rule]:
    """The rules folder's rules, and Beancount's own when the folder has no ledger rule (the
    audit reports Beancount's errors all the same)."""
    rules = list(subject.ruleset.rules)
    if not subject.ruleset.of_kind("ledger"):
        version = DEFAULT_LEDGER_RULE
        rules.append(Rule(version.rule_id, version.kind, "Valid ledger", "", 0, None, (version,)))
    return rules


def verdict(findings: Sequence[Finding], applies: bool) -> str:
    """The audit's findings of a rule on the transaction, counted by severity."""
    if not findings:
        return "no finding" if applies else "not applicable"
    counts = Counter(f.severity for f in findings)
    return ", ".join(severity if counts[severity] == 1 else f"{counts[severity]} {severity}s"
                     for severity in (ERROR, WARNING, WAIVED) if counts[severity])


def rules_table(subject: Subject, views: Sequence[tuple[Rule, Seen]]) -> Table:
    rows: dict[str, dict[str, Any]] = {}
    for rule, view in views:
        version = view.version
        # the check's findings as the audit reports them: a valid waiver covers some
        found = [waived(f, subject.ruleset, subject.facts.conventions)[0] for f in view.findings]
        rows[rule.id] = {
            "rule": rule.id, "kind": rule.kind, "version": f"v{version.number}",
            "effective": version.since, "citation": version.citation,
            "applies": "yes" if view.applies else "no", "why": view.why,
            "verdict": verdict(found, view.applies)}
    # findings of rules the folder does not hold (a project paid without a period rule, ...)
    # are never hidden
    for f in subject.findings:
        if f.rule not in rows:
            rows[f.rule] = {"rule": f.rule, "kind": f.kind, "version": f"v{f.version}",
                            "effective": f.effective, "citation": f.citation, "applies": "yes",
                            "why": "reported by the audit, not a rule of the rules folder",
                            "verdict": verdict(subject.of_rule(f.rule), True)}
    return table("rules", f"Rules on {subject.location}: the versions that judge an entry of "
                          f"{subject.date}", RULE_COLUMNS, list(rows.values()))


def findings_table(subject: Subject) -> Table:
    """The audit's findings on the transaction, as the findings register shows them."""
    notes = () if subject.findings else ("The audit has no finding on this transaction.",)
    register = findings_register(subject.findings, f"Findings on {subject.location}",
                                 subject.where, subject.currency, notes)
    # a waived finding names the waiver that covers it: the reason for its verdict
    waived = any(f.waiver for f in subject.findings)
    return register.select(("severity", "rule", "condition", "amount",
                            *(("waiver",) if waived else ())))


def explain(result: Audit, entries: Sequence[data.Directive], filename: str, lineno: int,
            where: Where | None = None) -> list[Table]:
    """Why the transaction at ``filename`` (as the loader names it, absolute) and ``lineno``
    (its first line, or a line inside it) got its verdict in ``result``; ``where`` shows a
    file and line (default: as loaded). ``entries`` are the ledger's, to find the transaction;
    a location that names none raises :class:`~aipo_budget.outputs.explain.LocationError`."""
    txn = find_transaction(entries, filename, lineno)
    subject = subject_of(result, txn, where)
    views = [(rule, seen(subject, rule)) for rule in _rules(subject)]
    tables = [transaction_table(subject), rules_table(subject, views), findings_table(subject)]
    for rule, view in (item for item in views if item[1].applies):  # what each rule saw
        name, facts = rule.id.lower(), view.facts()
        if facts or view.notes:
            tables.append(facts_table(subject, name, f"{view.version.label}: {rule.title}",
                                      facts, view.notes))
        if view.entries is not None:
            tables.append(entries_table(subject, f"{name}-entries", view.entries))
    return tables

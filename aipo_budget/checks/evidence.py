"""Every surplus outflow has a document that resolves to an existing evidence file: a regular
file inside the ledger's documents folders (see :mod:`aipo_budget.evidence`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget import meta
from aipo_budget.checks._common import judged, unreadable
from aipo_budget.findings import finding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    currency = facts.conventions.currency
    for outflow, version in judged(facts, rule):
        problem = unreadable(outflow, meta.DOCUMENT, version, currency)
        if problem is not None:
            yield problem
            continue
        if outflow.document is None:
            message = meta.missing(outflow.entry, meta.DOCUMENT,
                                   "surplus outflow has no supporting document")
        elif outflow.document_path is None:
            message = (f"document {outflow.document!r} does not resolve to an evidence file: "
                       f"{outflow.document_problem}")
        else:
            continue
        yield finding(version, outflow.date, outflow.location, message, outflow.usd,
                      currency=currency)

"""Every surplus outflow has a document that resolves to an existing evidence file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.checks._common import judged
from aipo_budget.findings import finding

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.facts import Facts
    from aipo_budget.findings import Finding
    from aipo_budget.rules import Rule, RuleSet


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    for outflow, version in judged(facts, rule):
        if outflow.document is None:
            message = "surplus outflow has no supporting document (metadata 'document')"
        elif outflow.document_path is None:
            message = (f"document {outflow.document!r} does not resolve to an evidence file "
                       "(documents/<one of the transaction's accounts>/<file>, or a path "
                       "relative to the ledger file)")
        else:
            continue
        yield finding(version, outflow.date, outflow.location, message, outflow.usd)

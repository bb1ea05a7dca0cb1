"""Every surplus outflow has a document that resolves to an existing evidence file: a regular
file inside the ledger's documents folders (see :mod:`aipo_budget.core.evidence`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import Seen, metadata, on_outflow, per_outflow, unread
from aipo_budget.core.facts import Location

if TYPE_CHECKING:
    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.rules import RuleSet, RuleVersion


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    path = outflow.document_path
    message = unread(outflow, meta.DOCUMENT, outflow.document is not None,
                     "surplus outflow has no supporting document")
    if message is None and path is None:
        message = (f"document {outflow.document!r} does not resolve to an evidence file: "
                   f"{outflow.document_problem}")

    def compared() -> list[Fact]:
        seen = [metadata(outflow, "document", meta.DOCUMENT, outflow.document)]
        if path is not None:
            seen.append(("evidence file", Location(path, 0), "a Document entry of the ledger"))
        elif outflow.document:
            seen.append(("evidence file", "(none)", outflow.document_problem or ""))
        return seen

    return Seen(version, True, "a surplus outflow is supported by evidence", compared,
                on_outflow(version, outflow, message))


check, explain = per_outflow(judge)

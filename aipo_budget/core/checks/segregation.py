"""Every surplus outflow names who prepared it, and that person did not approve it.

Names are compared as people (:func:`aipo_budget.core.meta.person_key`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import Seen, metadata, on_outflow, per_outflow, unread

if TYPE_CHECKING:
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.rules import RuleSet, RuleVersion


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    preparer = outflow.prepared_by
    key = meta.person_key(preparer) if preparer else None
    keys = [meta.person_key(name) for name in outflow.approvers]
    message = unread(outflow, meta.PREPARED_BY, preparer is not None,
                     "surplus outflow does not name who prepared it")
    if message is None and key in keys:
        message = (f"{preparer} both prepared and approved this outflow (approved by "
                   f"{', '.join(outflow.approvers)})")
    return Seen(version, True, "a surplus outflow has a preparer and approvers", lambda: (
        metadata(outflow, "prepared by", meta.PREPARED_BY, preparer),
        ("preparer compared as", repr(key) if key is not None else "(nobody)", ""),
        metadata(outflow, "approved by", meta.APPROVED_BY, ", ".join(outflow.approvers)),
        ("approvers compared as", ", ".join(map(repr, keys)) or "(nobody)",
         "Unicode form, spaces and case folded"),
    ), on_outflow(version, outflow, facts.conventions.currency, message))


check, explain = per_outflow(judge)

"""Every surplus outflow names who prepared it, and that person did not approve it.

Names are compared as people (:func:`aipo_budget.core.meta.person_key`). ``prepared-by`` names
one person: a value naming several (separated by commas, as approvers are) fails, and says
which of them also approved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import (Seen, metadata, on_outflow, per_outflow,
                                             signature_facts, signed_claims, unread)
from aipo_budget.core.params import flag, param

if TYPE_CHECKING:
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.rules import RuleSet, RuleVersion
    from aipo_budget.core.signatures import Claim


@dataclass(frozen=True)
class Params:
    signed: bool = param(flag, default=False)  # the preparer signs; keys compared as well


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    preparer = outflow.prepared_by
    preparers = meta.split_names(preparer or "")
    keys = [meta.person_key(name) for name in outflow.approvers]
    message = unread(outflow, meta.PREPARED_BY, bool(preparers),  # "," names nobody
                     "surplus outflow does not name who prepared it")
    if message is None:
        message = _duties(preparers, keys, outflow.approvers)
    claims = signed_claims(facts, ruleset, outflow, version, "prepare")
    if message is None and claims:
        message = _signed(claims[0], signed_claims(facts, ruleset, outflow, version, "approve"))
    return Seen(version, True, "a surplus outflow has a preparer and approvers", lambda: (
        metadata(outflow, "prepared by", meta.PREPARED_BY, preparer),
        ("preparer compared as", ", ".join(repr(meta.person_key(name)) for name in preparers)
         or "(nobody)", "one person; names separated by commas are several"),
        metadata(outflow, "approved by", meta.APPROVED_BY, ", ".join(outflow.approvers)),
        ("approvers compared as", ", ".join(map(repr, keys)) or "(nobody)",
         "Unicode form, spaces and case folded"),
        *signature_facts(claims, ruleset),
    ), on_outflow(version, outflow, message))


def _duties(preparers: tuple[str, ...], keys: list[str], approvers: tuple[str, ...]
            ) -> str | None:
    """Why the preparers fail segregation: several people, or one who also approved."""
    both = [name for name in preparers if meta.person_key(name) in keys]
    said = [f"{both[0]} both prepared and approved this outflow (approved by "
            f"{', '.join(approvers)})"] if both else []
    if len(preparers) > 1:
        said.insert(0, f"metadata '{meta.PREPARED_BY}' names {len(preparers)} people "
                       f"({', '.join(preparers)}): one person prepares an outflow (a comma "
                       "separates people: write a name without one, given name first)")
    return "; ".join(said) or None


def _signed(preparer: Claim, approvers: list[Claim] | None) -> str | None:
    """Why the signed preparation fails segregation: it does not count, or an approval is
    signed with the preparer's key."""
    if not preparer.counts:
        return preparer.problem
    key = preparer.signature.fingerprint if preparer.signature else None
    for claim in approvers or ():
        if claim.counts and claim.signature and claim.signature.fingerprint == key:
            return (f"{claim.name}'s approval is signed with the key that signed the "
                    f"preparation as {preparer.name} ({key})")
    return None


check, explain = per_outflow(judge)

"""What the checks share: :class:`Seen`, one rule on one transaction, and the loop of the rules
every surplus outflow meets on its own.

A kind's module decides once: the function that makes its findings also returns the facts it
compared, so that ``explain`` shows the verdict and the facts of the check itself, never a
second reading of the rule.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from aipo_budget.core import meta
from aipo_budget.core.findings import finding, transaction_text

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from aipo_budget.core.facts import Facts, Location, Outflow, TransferIn
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.meta import Problem
    from aipo_budget.core.rules import Rule, RuleSet, RuleVersion
    from aipo_budget.core.signatures import Claim
    from aipo_budget.core.subject import Subject

# (fact, value, where it comes from): the value typed; a facts.Location is a line of the ledger
Fact = tuple[str, Any, str]


@dataclass(frozen=True)
class Entries:
    """The entries that make up a running total, up to the one explained: rows of ``date``,
    ``location``, ``transaction``, ``amount``, ``before`` and ``after`` (and ``extra``
    columns, as (key, header))."""

    title: str
    rows: list[dict[str, Any]]
    extra: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()


def row(date: Any, location: Location, amount: Any, before: Any, after: Any,
        **extra: Any) -> dict[str, Any]:
    """One row of :class:`Entries`."""
    return {"date": date, "location": location, "transaction": transaction_text(location.entry),
            "amount": amount, "before": before, "after": after, **extra}


@dataclass(slots=True)  # made for every outflow and rule: a frozen one takes 4 times as long
class Seen:
    """One rule on one transaction: the version that judges it, whether the rule applies and
    why, the facts it compared and the findings it made of them."""

    version: RuleVersion
    applies: bool
    why: str
    # the facts it compared, made on demand: explain shows them, a check does not pay for them
    facts: Callable[[], Sequence[Fact]] = tuple
    findings: tuple[Finding, ...] = ()
    entries: Entries | None = None  # a cumulative rule's, for explain only
    notes: tuple[str, ...] = ()


Judge = Callable[["Facts", "RuleVersion", "RuleSet", "Outflow"], Seen]


def per_outflow(judge: Judge) -> tuple[Callable[..., Iterator[Finding]], Callable[..., Seen]]:
    """The check and the explanation of a rule every surplus outflow meets on its own, both
    from ``judge``: each outflow judged by the version in force on its date, or the first one
    for an outflow dated before it (see Rule.judging)."""

    def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
        for outflow in facts.outflows:
            yield from judge(facts, rule.judging(outflow.date), ruleset, outflow).findings

    def explain(subject: Subject, rule: Rule) -> Seen:
        version = rule.judging(subject.date)
        if subject.outflow is None:
            return Seen(version, False, subject.not_a("surplus outflow"))
        return judge(subject.facts, version, subject.ruleset, subject.outflow)

    return check, explain


def on_outflow(version: RuleVersion, outflow: Outflow, message: str | None
               ) -> tuple[Finding, ...]:
    """The finding of ``version`` on ``outflow``, at its amount, if there is a message."""
    if message is None:
        return ()
    return (finding(version, outflow.date, outflow.location, message, outflow.usd),)


def problem(event: Outflow | TransferIn, key: str) -> Problem | None:
    """The problem reading metadata ``key`` of ``event``, if any."""
    return next((p for p in event.problems if p.key == key), None)


def unread(event: Outflow | TransferIn, key: str, present: Any, absent: str) -> str | None:
    """Why metadata ``key`` fails: it cannot be read, or it is not ``present`` (``absent``
    says what is missing); None when it was read."""
    found = problem(event, key)
    if found is not None:
        return found.message
    return None if present else meta.missing(event.entry, key, absent)


def metadata(event: Outflow | TransferIn, name: str, key: str, value: Any) -> Fact:
    """The fact of metadata ``key`` as the facts read it; what could not be read says why."""
    found = problem(event, key)
    shown = "(none)" if value in (None, "", ()) else value
    return name, shown if found is None else f"unreadable: {found.message}", f"metadata '{key}'"


def signed_claims(facts: Facts, ruleset: RuleSet, outflow: Outflow, version: RuleVersion,
                  role: str) -> list[Claim] | None:
    """The names of ``outflow`` in ``role`` and the signatures that back them, when
    ``version`` asks for signatures (``params.signed``); None when names alone count."""
    if not getattr(version.params, "signed", False) or facts.signatures is None:
        return None
    return [c for c in facts.signatures.claims(outflow, ruleset.register) if c.role == role]


def signature_facts(claims: Sequence[Claim] | None, ruleset: RuleSet) -> Iterator[Fact]:
    """What explain shows of each signature checked: whose key, and whether it counts."""
    register = ruleset.register
    where = register.path if register is not None else "no register (rules/allowed_signers)"
    for claim in claims or ():
        signature = claim.signature
        key = signature.fingerprint if signature is not None else None
        owners = ", ".join(register.names_of(key)) if register is not None and key else ""
        shown = ("valid" if claim.counts else claim.problem) + (
            f"; key {key} of {owners or 'nobody in the register'}" if key else "")
        yield (f"{claim.role} signature of {claim.name}", shown,
               os.path.basename(signature.path) if signature is not None else where)

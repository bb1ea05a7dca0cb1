"""The rules as the checks receive them: instruments, rules and their versions, validated."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

KINDS = ("transfer", "authorization", "purpose", "eligibility", "period", "ceiling", "cofunding",
         "reserve", "approval", "segregation", "evidence", "conversion", "ledger", "duplicate",
         "seal", "manifest", "waiver")
# Findings no waiver can cover: Beancount's own errors, the integrity of sealed periods and of
# an issued audit pack, and a waiver cited wrongly. Nobody can grant an exception to those.
UNWAIVABLE = ("ledger", "seal", "manifest", "waiver")


class RulesError(Exception):
    """A rules folder that cannot be used; the message names file, rule and field."""

    def __init__(self, filename: str, message: str, lineno: int = 0) -> None:
        super().__init__(f"{filename}:{lineno}: {message}" if lineno else f"{filename}: {message}")
        self.filename = filename
        self.lineno = lineno
        self.message = message


@dataclass(frozen=True)
class Instrument:
    id: str
    title: str
    filename: str
    illustrative: bool = True
    adopted: datetime.date | None = None
    source: str = ""
    note: str = ""


@dataclass(frozen=True)
class RuleVersion:
    """One version of a rule: what is in force from ``effective`` until the next version."""

    rule_id: str
    kind: str
    number: int
    effective: datetime.date
    severity: str
    citation: str
    text: str
    params: Any  # its kind's Params (aipo_budget.core.checks), None for a kind without

    @property
    def label(self) -> str:
        return f"{self.rule_id} v{self.number} ({self.effective.isoformat()})"


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    title: str
    filename: str
    lineno: int
    instrument: str | None
    versions: tuple[RuleVersion, ...]

    def in_force(self, date: datetime.date) -> RuleVersion | None:
        """The version in force on ``date``, or None before the first one."""
        current = None  # a loop: the checks ask for every outflow, and it is the fastest
        for version in self.versions:
            if version.effective > date:
                break
            current = version
        return current

    def judging(self, date: datetime.date) -> RuleVersion:
        """The version that judges a transaction of ``date``: the one in force, and the first
        version before it came into force (no transaction escapes judgement for being early;
        the finding names the version and its effective date)."""
        return self.in_force(date) or self.versions[0]

    @property
    def project(self) -> str | None:
        return getattr(self.versions[-1].params, "project", None)


@dataclass(frozen=True)
class Waiver:
    """An authorised exception (``[[waiver]]``): findings of the rules ``rules`` or of the
    kinds ``kinds`` on a transaction that cites ``reference`` are waived, if the transaction
    is dated from ``adopted`` to ``valid_until``, is of ``project`` and within ``max_amount``
    (each when given)."""

    reference: str
    adopted: datetime.date
    citation: str
    filename: str
    lineno: int
    rules: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    project: str | None = None
    max_amount: Decimal | None = None  # in the operating currency
    valid_until: datetime.date | None = None
    text: str = ""

    def in_force(self, day: datetime.date) -> bool:
        """Whether a transaction of ``day`` may cite it: adopted by then, not yet expired."""
        return self.adopted <= day and (self.valid_until is None or day <= self.valid_until)

    @property
    def covers(self) -> tuple[str, ...]:
        """The rule ids and kinds it waives, as the rulebook lists them."""
        return (*self.rules, *(f"kind {kind}" for kind in self.kinds))


@dataclass(frozen=True)
class RuleSet:
    folder: str
    rules: tuple[Rule, ...]
    instruments: tuple[Instrument, ...]
    files: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()

    @cached_property
    def _by_kind(self) -> dict[str, tuple[Rule, ...]]:
        # the checks ask per outflow: an index, built once per rule set
        return {kind: tuple(r for r in self.rules if r.kind == kind)
                for kind in {r.kind for r in self.rules}}

    @cached_property
    def _by_project(self) -> dict[tuple[str, str], Rule]:
        index: dict[tuple[str, str], Rule] = {}
        for rule in self.rules:
            if rule.project is not None:
                index.setdefault((rule.kind, rule.project), rule)  # the first, as before
        return index

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        return self._by_kind.get(kind, ())

    def judging(self, kind: str, date: datetime.date | None, default: RuleVersion
                ) -> RuleVersion:
        """The version of the folder's rule of ``kind`` that judges ``date`` (None: the
        latest), or ``default`` when the folder has none: a finding of the ledger, a seal,
        the manifest or a waiver is reported whether or not the folder names its rule."""
        rules = self.of_kind(kind)
        return rules[0].judging(date or datetime.date.max) if rules else default

    def for_project(self, kind: str, project: str) -> Rule | None:
        return self._by_project.get((kind, project))

    def instrument(self, instrument_id: str) -> Instrument | None:
        for instrument in self.instruments:  # a loop: asked for every outflow
            if instrument.id == instrument_id:
                return instrument
        return None

    def waiver(self, reference: str) -> Waiver | None:
        return next((w for w in self.waivers if w.reference == reference), None)

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

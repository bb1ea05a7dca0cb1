"""Rules and ledger must meet.

- A rule that names a project the ledger has no accounts for is a warning of that rule, with
  the nearest project name the ledger has ("did you mean ...?"): a misspelt name would
  otherwise judge nothing. So is a waiver's project, a warning of the waiver rule: a misspelt
  one would waive nothing.
- A project paid from the Surplus Fund without a period, ceiling or co-funding rule is an
  error on its first outflow, one for each missing kind: its spending is unbounded.
- An instrument whose ``source`` is the path of a file that is not there is a warning at that
  line: a reader cannot follow it (the loader found it; its rules judge all the same).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from aipo_budget.core.facts import Location
from aipo_budget.core.findings import finding
from aipo_budget.core.rules import ALWAYS, PROJECT_KINDS, RuleVersion
from aipo_budget.core.waivers import DEFAULT_WAIVER_RULE

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import RuleSet

SOURCE_RULE = RuleVersion(
    "INSTRUMENT-SOURCE", "instrument", 1, ALWAYS, "warning", "the rules folder",
    "Every instrument's source is a citation a reader can follow: the document's number, who "
    "adopted it and who publishes it, a public address, or a file that is there.", None)


def _unfollowable(ruleset: RuleSet) -> Iterator[Finding]:
    for instrument, lineno in ruleset.unfollowable:
        yield finding(SOURCE_RULE, None, Location(instrument.filename, lineno),
                      f"instrument {instrument.id}: its source {instrument.source!r} is the path "
                      "of no file (relative to its rules file): cite the document (its number, "
                      "who adopted it, who publishes it) or a public address")


def _unknown_projects(facts: Facts, ruleset: RuleSet) -> Iterator[Finding]:
    for rule in ruleset.rules:
        named = ({name for version in rule.versions for name in version.params.projects}
                 if rule.kind == "purpose" else {rule.project} if rule.project else set())
        for project in sorted(named - facts.projects):
            yield _unknown(facts, rule.versions[-1], f"rule {rule.id}", project,
                           Location(rule.filename, rule.lineno))
    for waiver in ruleset.waivers:
        if waiver.project is not None and waiver.project not in facts.projects:
            version = ruleset.judging("waiver", waiver.adopted, DEFAULT_WAIVER_RULE)
            yield _unknown(facts, version, f"waiver {waiver.reference}", waiver.project,
                           Location(waiver.filename, waiver.lineno))


def _unknown(facts: Facts, version: RuleVersion, who: str, project: str, where: Location
             ) -> Finding:
    """The warning that ``who`` names ``project``, which has no accounts in the ledger."""
    near = difflib.get_close_matches(project, sorted(facts.projects), n=1, cutoff=0.6)
    hint = f"; did you mean {near[0]!r}?{_unlike(project, near[0])}" if near else ""
    return finding(version, None, where, f"{who} names project {project!r}, which has no "
                   f"accounts in the ledger ({facts.conventions.projects}:{project}:...){hint}",
                   severity="warning", project=project)


def _unlike(name: str, near: str) -> str:
    """Where two names that may look alike differ, when a character that is not ASCII is
    the difference (a Cyrillic "о" for a Latin "o"): else the hint would show the same name."""
    at = next((i for i, (a, b) in enumerate(zip(name, near)) if a != b), min(len(name),
                                                                               len(near)))
    pair = name[at:at + 1], near[at:at + 1]
    if all(char.isascii() for char in pair):
        return ""
    shown = [f"{char!r} (U+{ord(char):04X})" if char else "nothing" for char in pair]
    return f" (character {at + 1} is {shown[0]} in the rule, {shown[1]} in the ledger)"


def check(facts: Facts, ruleset: RuleSet) -> Iterator[Finding]:
    if not facts.has_fund:
        return
    yield from _unknown_projects(facts, ruleset)
    yield from _unfollowable(ruleset)
    first: dict[str, Outflow] = {}
    for outflow in facts.outflows:
        for use in outflow.uses:
            if use.project is not None:
                first.setdefault(use.project, outflow)
    for project, outflow in sorted(first.items()):
        for kind in PROJECT_KINDS:
            if ruleset.for_project(kind, project) is None:
                yield finding(
                    RuleVersion(f"NO-{kind.upper()}-RULE", kind, 1, ALWAYS,
                                "error", "AIPO Statutes, Art. 21 (amended): every use of surplus "
                                "funds within its authority",
                                f"A project paid from the Surplus Fund has a {kind} rule.", {}),
                    outflow.date, outflow.location,
                    f"project {project!r} is paid from the Surplus Fund but has no {kind} "
                    f"rule in the rules folder: its surplus spending is unbounded",
                    outflow.usd, project=project)

"""A rules folder read whole, then checked across its rules, instruments and waivers."""

from __future__ import annotations

from pathlib import Path

from aipo_budget.core.rules.model import (
    UNWAIVABLE,
    Instrument,
    Rule,
    RulesError,
    RuleSet,
    RuleVersion,
    Waiver,
)
from aipo_budget.core.rules.parse import read_file

# kinds with one rule per project; all but "period" need the project's period rule too
PROJECT_KINDS = ("period", "ceiling", "cofunding")


def _unique_ids(ruleset: RuleSet) -> None:
    seen: dict[str, Rule] = {}
    for rule in ruleset.rules:
        if rule.id in seen:
            raise RulesError(
                rule.filename,
                f"rule {rule.id}: duplicate id (also in {seen[rule.id].filename})",
                rule.lineno,
            )
        seen[rule.id] = rule
    ids = [instrument.id for instrument in ruleset.instruments]
    for instrument in ruleset.instruments:
        if ids.count(instrument.id) > 1:
            raise RulesError(instrument.filename, f"instrument {instrument.id}: declared twice")


def _check_references(ruleset: RuleSet, rule: Rule, version: RuleVersion) -> None:
    cited: tuple[str, ...] = ()
    if rule.kind == "authorization":
        cited = version.params.resolutions
    elif rule.kind == "purpose":
        cited = (version.params.resolution,)
    for resolution in cited:
        if ruleset.instrument(resolution) is None:
            raise RulesError(
                rule.filename,
                f"rule {rule.id} version {version.number}: resolution {resolution!r} is not "
                "declared by any [instrument] in the rules folder",
                rule.lineno,
            )


def _project_rules(ruleset: RuleSet, kind: str) -> None:
    projects = [rule.project for rule in ruleset.of_kind(kind)]
    for rule in ruleset.of_kind(kind):
        if projects.count(rule.project) > 1:
            raise RulesError(
                rule.filename,
                f"rule {rule.id}: a second {kind} rule for project {rule.project!r}",
                rule.lineno,
            )
        if kind != "period" and ruleset.for_project("period", rule.project) is None:
            raise RulesError(
                rule.filename,
                f"rule {rule.id}: project {rule.project!r} has no period rule "
                "(its close date comes from the period and payment window)",
                rule.lineno,
            )


def _check_waivers(ruleset: RuleSet) -> None:
    """References unique; every rule a waiver names exists and may be waived."""
    seen: dict[str, Waiver] = {}
    for waiver in ruleset.waivers:
        where = f"waiver {waiver.reference}"
        if waiver.reference in seen:
            raise RulesError(waiver.filename, f"{where}: duplicate reference (also in "
                                              f"{seen[waiver.reference].filename})", waiver.lineno)
        seen[waiver.reference] = waiver
        for rule_id in waiver.rules:
            rule = ruleset.rule(rule_id)
            if rule is None:
                raise RulesError(waiver.filename, f"{where}: field 'rules': no rule {rule_id!r} "
                                                  "in the rules folder", waiver.lineno)
            if rule.kind in UNWAIVABLE:
                raise RulesError(waiver.filename, f"{where}: field 'rules': findings of {rule_id} "
                                                  f"(kind {rule.kind!r}) cannot be waived",
                                 waiver.lineno)


def _check_whole(ruleset: RuleSet) -> None:
    """Cross-rule checks: ids unique, instruments, projects and waived rules resolvable."""
    _unique_ids(ruleset)
    for rule in ruleset.rules:
        for version in rule.versions:
            _check_references(ruleset, rule, version)
    for kind in PROJECT_KINDS:
        _project_rules(ruleset, kind)
    _check_waivers(ruleset)  # last: a rule missing for the rules says more than for a waiver


def load_rules(folder: str | Path) -> RuleSet:
    """Read and validate every ``*.toml`` file of a rules folder."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise RulesError(str(path), "not a folder: the rules are a folder of *.toml files")
    if not path.is_dir():
        raise RulesError(str(path), "rules folder not found (use --rules DIR)")
    files = sorted(path.glob("*.toml"))
    if not files:
        raise RulesError(str(path), "no rules files (*.toml) in the rules folder")
    instruments: list[Instrument] = []
    rules: list[Rule] = []
    waivers: list[Waiver] = []
    for file in files:
        instrument, file_rules, file_waivers = read_file(file)
        if instrument is not None:
            instruments.append(instrument)
        rules.extend(file_rules)
        waivers.extend(file_waivers)
    if not rules:
        raise RulesError(str(path), "no [[rule]] in any rules file: nothing to judge by")
    ruleset = RuleSet(str(path), tuple(rules), tuple(instruments), tuple(str(f) for f in files),
                      tuple(waivers))
    _check_whole(ruleset)
    return ruleset

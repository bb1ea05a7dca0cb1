"""The rulebook: every instrument of a rules folder, every rule as it stands on a day, and
every waiver, in force on that day or not; ``aipo-budget rules`` and the Fava page show them.
A rule not yet in force on the day is shown with the version that will come into force (the one
that judges an earlier transaction, :meth:`Rule.judging`): it hides nothing a finding could cite.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aipo_budget.core.params import values
from aipo_budget.core.paths import shown
from aipo_budget.core.tally import plural
from aipo_budget.outputs.render import text_value
from aipo_budget.outputs.table import Column, Kind, Location, table

if TYPE_CHECKING:
    import datetime
    from collections.abc import Callable, Sequence

    from aipo_budget.core.rules import Rule, RuleSet, RuleVersion, Waiver
    from aipo_budget.outputs.table import Table

    Show = Callable[[str], str]  # a path as the reader names it

TABLES = ("instruments", "rules", "waivers")

INSTRUMENT_COLUMNS = (
    Column("instrument", "instrument"), Column("title", "title"),
    Column("adopted", "adopted", Kind.DATE), Column("source", "source"),
    Column("illustrative", "illustrative"), Column("rules", "rules", Kind.NUMBER),
    Column("note", "note"), Column("file", "file", Kind.LOCATION),
)
RULE_COLUMNS = (
    Column("rule", "rule"), Column("kind", "kind"), Column("title", "title"),
    Column("instrument", "instrument"), Column("citation", "citation"),
    Column("severity", "severity"), Column("parameters", "parameters"),
    Column("version", "version in force"), Column("effective", "effective", Kind.DATE),
    Column("superseded", "superseded"), Column("superseded_by", "superseded by"),
    Column("defined", "defined at", Kind.LOCATION),
)
WAIVER_COLUMNS = (
    Column("waiver", "waiver"), Column("covers", "waives"), Column("project", "project"),
    Column("max_amount", "up to", Kind.AMOUNT), Column("adopted", "adopted", Kind.DATE),
    Column("valid_until", "valid until", Kind.DATE), Column("status", "on the day"),
    Column("citation", "citation"), Column("text", "text"),
    Column("defined", "defined at", Kind.LOCATION),
)


def _param_text(value: Any) -> str:
    # values as every text format shows them (amounts with separators, ISO dates)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {_param_text(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(_param_text(item) for item in value)
    if isinstance(value, bool):  # as the rules file writes it (TOML), not Python's True
        return "true" if value else "false"
    return text_value(value)


def _versions(versions: Sequence[RuleVersion]) -> str | None:
    return "; ".join(f"v{v.number}" + (f" from {v.since}" if v.since else "")
                     for v in versions) or None


def _rule_row(rule: Rule, day: datetime.date, show: Show) -> dict[str, Any]:
    version = rule.judging(day)  # the version in force, else the first (not yet in force)
    parameters = "; ".join(f"{name} = {_param_text(value)}"
                           for name, value in values(version.params).items())
    status = (f"v{version.number} of {len(rule.versions)}" if rule.in_force(day) is not None
              else f"not yet in force (from {version.effective.isoformat()})")
    return {
        "rule": rule.id, "kind": rule.kind, "title": rule.title, "instrument": rule.instrument,
        "citation": version.citation, "severity": version.severity,
        "parameters": parameters or None, "version": status, "effective": version.since,
        "superseded": _versions(rule.versions[:version.number - 1]),
        "superseded_by": _versions(rule.versions[version.number:]),
        "defined": Location(rule.filename, rule.lineno, show(rule.filename)),
    }


def _illustrative_note(ruleset: RuleSet) -> list[str]:
    illustrative = [i.id for i in ruleset.instruments if i.illustrative]
    if not illustrative:
        return []
    return [f"Illustrative defaults: {', '.join(illustrative)} modelled; every parameter of "
            "their rules is a default the Secretariat confirms against the official text."]


def instruments_table(ruleset: RuleSet, show: Show = shown) -> Table:
    """Every instrument the rules folder declares, with its adoption date and its rules."""
    rows = [{"instrument": i.id, "title": i.title, "adopted": i.adopted,
             "source": i.source or None, "illustrative": "yes" if i.illustrative else "no",
             "rules": sum(1 for rule in ruleset.rules if rule.instrument == i.id),
             "note": i.note or None, "file": Location(i.filename, 0, show(i.filename))}
            for i in ruleset.instruments]
    notes = [f"Read from {show(ruleset.folder)}/.", *_illustrative_note(ruleset)]
    return table("instruments", "Instruments", INSTRUMENT_COLUMNS, rows, notes=notes)


def rules_table(ruleset: RuleSet, day: datetime.date, show: Show = shown) -> Table:
    """Every rule with the version in force on ``day`` (or, before its first version, the
    version that will come into force), its parameters and its amendments."""
    rows = [_rule_row(rule, day, show) for rule in ruleset.rules]
    notes = [f"Rules in force on {day.isoformat()}, read from {show(ruleset.folder)}/."]
    early = sum(1 for rule in ruleset.rules if rule.in_force(day) is None)
    if early:
        notes.append(f"{plural(early, 'rule')} not yet in force on {day.isoformat()}: "
                     "shown with the version that comes into force first, which also judges "
                     "any earlier transaction.")
    notes.extend(_illustrative_note(ruleset))
    return table("rules", f"Rules in force on {day.isoformat()}", RULE_COLUMNS, rows,
                 notes=notes)


def _waiver_status(waiver: Waiver, day: datetime.date) -> str:
    if day < waiver.adopted:
        return f"not yet adopted (from {waiver.adopted.isoformat()})"
    if waiver.valid_until is not None and day > waiver.valid_until:
        return f"expired (valid until {waiver.valid_until.isoformat()})"
    return "in force"


def waivers_table(ruleset: RuleSet, day: datetime.date, show: Show = shown) -> Table:
    """Every waiver of the rules folder, and whether a transaction of ``day`` may cite it."""
    rows = [{"waiver": w.reference, "covers": ", ".join(w.covers), "project": w.project,
             "max_amount": w.max_amount, "adopted": w.adopted, "valid_until": w.valid_until,
             "status": _waiver_status(w, day), "citation": w.citation, "text": w.text or None,
             "defined": Location(w.filename, w.lineno, show(w.filename))}
            for w in ruleset.waivers]
    notes = [f"Waivers read from {show(ruleset.folder)}/ ([[waiver]] tables); a transaction "
             "cites one with the metadata waiver: \"REFERENCE\". It covers the findings of the "
             "rules it waives on transactions dated from its adoption to its validity, within "
             "its project and amount (in the ledger's operating currency)."]
    if not rows:
        notes.append("No waiver is listed: every finding stands.")
    in_force = sum(1 for waiver in ruleset.waivers if waiver.in_force(day))
    return table("waivers", f"Waivers ({in_force} in force on {day.isoformat()})",
                 WAIVER_COLUMNS, rows, notes=notes)


def rulebook(ruleset: RuleSet, day: datetime.date, names: Sequence[str] = TABLES,
             show: Show = shown) -> list[Table]:
    """The tables ``names`` (of :data:`TABLES`) of the rulebook on ``day``."""
    builders = {"instruments": lambda: instruments_table(ruleset, show),
                "rules": lambda: rules_table(ruleset, day, show),
                "waivers": lambda: waivers_table(ruleset, day, show)}
    return [builders[name]() for name in names]


def parameters_in_force(ruleset: RuleSet, day: datetime.date) -> dict[str, dict[str, Any]]:
    """Rule id -> the typed parameters of the version the rulebook shows (JSON carries them
    beside the table, so that no program parses the ``parameters`` text back)."""
    return {rule.id: values(rule.judging(day).params) for rule in ruleset.rules}

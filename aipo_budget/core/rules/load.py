"""A rules folder read file by file into instruments, rules and waivers, then checked across
them; every mistake a :class:`RulesError` naming the file, the line of the rule (or waiver), its
id and the field."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from aipo_budget.core import meta, params
from aipo_budget.core.checks import PARAMS
# a waiver's fields are read as the parameters are: one reading of an amount, a list, a text
from aipo_budget.core.params import (SEVERITIES, parse_amount, parse_date, parse_text,
                                     parse_texts, short)
from aipo_budget.core.rules.model import (KINDS, UNWAIVABLE, Instrument, Rule, RulesError,
                                          RuleSet, RuleVersion, Waiver)

RULE_KEYS = {"id", "kind", "title", "citation", "severity", "version"}
VERSION_KEYS = {"effective", "text", "params", "severity", "citation"}
INSTRUMENT_KEYS = {"id", "title", "adopted", "source", "illustrative", "note"}
WAIVER_KEYS = {"reference", "adopted", "valid_until", "rules", "kinds", "project", "max_amount",
               "citation", "text"}
# kinds with one rule per project; all but "period" need the project's period rule too
PROJECT_KINDS = ("period", "ceiling", "cofunding")

Where = Callable[[str], RulesError]


def _known(raw: dict[str, Any], keys: set[str], label: str, where: Where) -> None:
    unknown = set(raw) - keys
    if unknown:
        raise where(f"{label}: unknown field {sorted(unknown)[0]!r}")


def _field(raw: dict[str, Any], name: str, parse: Callable[[Any], Any], label: str,
           where: Where, required: bool = False) -> Any:
    if name not in raw:
        if required:
            raise where(f"{label}: missing field {name!r}")
        return None
    try:
        return parse(raw[name])
    except ValueError as exc:
        raise where(f"{label}: field {name!r}: {exc}") from None


# --- a rule and its versions --------------------------------------------------------------


def _inherited(raw: dict[str, Any], rule: dict[str, Any], label: str,
               where: Where) -> tuple[str, str, str]:
    """Severity, citation and text: the version's own, else the rule's."""
    rule_id = rule["id"]
    severity = raw.get("severity", rule.get("severity"))
    if severity not in SEVERITIES:
        raise where(f"rule {rule_id}: field 'severity' must be one of {', '.join(SEVERITIES)}")
    citation = raw.get("citation", rule.get("citation"))
    if not isinstance(citation, str) or not citation.strip():
        raise where(f"rule {rule_id}: missing field 'citation'")
    text = raw.get("text", rule.get("title", ""))
    if not isinstance(text, str):
        raise where(f"{label}: field 'text' must be a string")
    return severity, citation.strip(), text.strip()


def _parse_version(raw: Any, rule: dict[str, Any], number: int, where: Where) -> RuleVersion:
    rule_id, kind = rule["id"], rule["kind"]
    label = f"rule {rule_id} version {number}"
    if not isinstance(raw, dict):
        raise where(f"rule {rule_id}: each [[rule.version]] must be a table")
    _known(raw, VERSION_KEYS, label, where)
    effective = _field(raw, "effective", parse_date, label, where, required=True)
    severity, citation, text = _inherited(raw, rule, label, where)
    # the version's parameters: the ``Params`` of its kind (None for a kind without)
    params_raw = raw.get("params", {})
    if not isinstance(params_raw, dict):
        raise where(f"{label}: field 'params' must be a table")
    try:
        kind_params = params.read(PARAMS.get(kind), params_raw, kind)
    except ValueError as exc:
        raise where(f"{label}: {exc}") from None
    return RuleVersion(rule_id, kind, number, effective, severity, citation, text, kind_params)


def _check_fields(raw: dict[str, Any], rule_id: str, at: Where) -> None:
    _known(raw, RULE_KEYS, f"rule {rule_id}", at)
    if not isinstance(raw.get("title", ""), str):
        raise at(f"rule {rule_id}: field 'title' must be a string")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise at(f"rule {rule_id}: field 'kind': unknown kind {short(kind)} "
                 f"(known: {', '.join(KINDS)})")
    raw_versions = raw.get("version")
    if not isinstance(raw_versions, list) or not raw_versions:
        raise at(f"rule {rule_id}: needs at least one [[rule.version]] with an 'effective' date")


def _check_versions(versions: list[RuleVersion], rule_id: str, at: Where) -> None:
    dates = [version.effective for version in versions]
    for earlier, later in zip(dates, dates[1:]):
        if earlier == later:
            raise at(f"rule {rule_id}: two versions have the same effective date {later}")
        if later < earlier:
            raise at(f"rule {rule_id}: versions must be listed in order of their effective date")
    if len({getattr(version.params, "project", None) for version in versions}) > 1:
        raise at(f"rule {rule_id}: parameter 'project' must not change between versions")


def _parse_rule(raw: Any, filename: str, text: str, instrument: str | None) -> Rule:
    if not isinstance(raw, dict):
        raise RulesError(filename, "each [[rule]] must be a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise RulesError(filename, "a [[rule]] has no 'id'")
    lineno = next((number for number, line in enumerate(text.splitlines(), start=1)
                   if f'"{rule_id}"' in line), 0)

    def at(message: str) -> RulesError:
        return RulesError(filename, message, lineno)

    _check_fields(raw, rule_id, at)
    versions = [_parse_version(v, raw, n, at) for n, v in enumerate(raw["version"], start=1)]
    _check_versions(versions, rule_id, at)
    return Rule(rule_id, raw["kind"], str(raw.get("title", rule_id)), filename, lineno,
                instrument, tuple(versions))


# --- an instrument, a waiver and a file ---------------------------------------------------


def _parse_instrument(raw: Any, filename: str) -> Instrument:
    def at(message: str) -> RulesError:
        return RulesError(filename, message)

    if not isinstance(raw, dict):
        raise at("[instrument] must be a table")
    _known(raw, INSTRUMENT_KEYS, "[instrument]", at)
    for name in ("id", "title"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise at(f"[instrument]: missing field {name!r}")
    if not isinstance(raw.get("illustrative", True), bool):
        raise at("[instrument]: field 'illustrative' must be true or false")
    for name in ("source", "note"):
        if not isinstance(raw.get(name, ""), str):
            raise at(f"[instrument]: field {name!r} must be a string")
    return Instrument(raw["id"].strip(), raw["title"].strip(), filename,
                      raw.get("illustrative", True),
                      _field(raw, "adopted", parse_date, "[instrument]", at),
                      raw.get("source", ""), raw.get("note", ""))


def _scope(raw: dict[str, Any], label: str, where: Where) -> tuple[tuple[str, ...], ...]:
    """The rule ids and kinds a waiver covers: at least one; no kind nobody may waive."""
    rules = _field(raw, "rules", parse_texts, label, where) or ()
    kinds = _field(raw, "kinds", parse_texts, label, where) or ()
    if not rules and not kinds:
        raise where(f"{label}: waives nothing: give 'rules' (rule ids) or 'kinds'")
    for kind in kinds:
        if kind not in KINDS:
            raise where(f"{label}: field 'kinds': unknown kind {short(kind)} "
                        f"(known: {', '.join(KINDS)})")
        if kind in UNWAIVABLE:
            raise where(f"{label}: field 'kinds': findings of kind {kind!r} cannot be waived")
    return rules, kinds


def _parse_waiver(raw: Any, filename: str, text: str) -> Waiver:
    if not isinstance(raw, dict):
        raise RulesError(filename, "each [[waiver]] must be a table")
    reference = raw.get("reference")
    if not isinstance(reference, str) or not meta.normal(reference):
        raise RulesError(filename, "a [[waiver]] has no 'reference'")
    # the line that sets the reference, not a comment or text that cites it
    lineno = next((number for number, line in enumerate(text.splitlines(), start=1)
                   if re.match(rf'\s*reference\s*=\s*"{re.escape(reference.strip())}"',
                               line)), 0)
    # in the form a transaction's citation is read in (aipo_budget.core.waivers.references)
    reference = meta.normal(reference)
    label = f"waiver {reference}"

    def at(message: str) -> RulesError:
        return RulesError(filename, message, lineno)

    _known(raw, WAIVER_KEYS, label, at)
    if "," in reference:  # a transaction separates the waivers it cites with commas
        raise at(f"{label}: field 'reference' must not contain a comma")
    adopted = _field(raw, "adopted", parse_date, label, at, required=True)
    until = _field(raw, "valid_until", parse_date, label, at)
    if until is not None and until < adopted:
        raise at(f"{label}: field 'valid_until' ({until}) is before 'adopted' ({adopted})")
    rules, kinds = _scope(raw, label, at)
    return Waiver(reference, adopted, _field(raw, "citation", parse_text, label, at, True),
                  filename, lineno, rules, kinds, _field(raw, "project", parse_text, label, at),
                  _field(raw, "max_amount", parse_amount, label, at), until,
                  _field(raw, "text", parse_text, label, at) or "")


def _read_toml(path: Path) -> tuple[str, dict[str, Any]]:
    """The text of a rules file and its TOML document."""
    filename = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(filename, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RulesError(filename, f"not a UTF-8 text file (byte 0x{exc.object[exc.start]:02x} "
                                   f"at offset {exc.start})") from None
    try:
        return text, tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; its message ends "(at line N, ...)"
        match = re.search(r"at line (\d+)", str(exc))
        raise RulesError(filename, f"not valid TOML: {exc}", int(match[1]) if match else 0) from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise RulesError(filename, "not valid rules: arrays or tables nested far deeper than "
                                   "any rule needs") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise RulesError(filename, f"not valid TOML: {short(str(exc))}") from None


def _tables(document: dict[str, Any], name: str, filename: str) -> list[Any]:
    raw = document.get(name, [])
    if not isinstance(raw, list):
        raise RulesError(filename, f"{name}s must be written as [[{name}]] tables")
    return raw


def read_file(path: Path) -> tuple[Instrument | None, list[Rule], list[Waiver]]:
    """The instrument a rules file declares (if any), its rules and its waivers."""
    filename = str(path)
    text, document = _read_toml(path)
    unknown = set(document) - {"instrument", "rule", "waiver"}
    if unknown:
        raise RulesError(filename, f"unknown top-level table {sorted(unknown)[0]!r}")
    instrument = (
        _parse_instrument(document["instrument"], filename) if "instrument" in document else None
    )
    owner = instrument.id if instrument else None
    rules = [_parse_rule(raw, filename, text, owner)
             for raw in _tables(document, "rule", filename)]
    return instrument, rules, [_parse_waiver(raw, filename, text)
                               for raw in _tables(document, "waiver", filename)]


# --- the folder, checked as a whole -------------------------------------------------------


def _unique_ids(ruleset: RuleSet) -> None:
    seen: dict[str, Rule] = {}
    for rule in ruleset.rules:
        if rule.id in seen:
            raise RulesError(rule.filename, f"rule {rule.id}: duplicate id (also in "
                                            f"{seen[rule.id].filename})", rule.lineno)
        seen[rule.id] = rule
    ids = [instrument.id for instrument in ruleset.instruments]
    for instrument in ruleset.instruments:
        if ids.count(instrument.id) > 1:
            raise RulesError(instrument.filename, f"instrument {instrument.id}: declared twice")


def _check_references(ruleset: RuleSet, rule: Rule) -> None:
    """Every resolution a version cites is an instrument of the folder."""
    for version in rule.versions:
        cited = (version.params.resolutions if rule.kind == "authorization" else
                 (version.params.resolution,) if rule.kind == "purpose" else ())
        for resolution in cited:
            if ruleset.instrument(resolution) is None:
                raise RulesError(rule.filename, f"rule {rule.id} version {version.number}: "
                                 f"resolution {resolution!r} is not declared by any "
                                 "[instrument] in the rules folder", rule.lineno)


def _project_rules(ruleset: RuleSet, kind: str) -> None:
    projects = [rule.project for rule in ruleset.of_kind(kind)]
    for rule in ruleset.of_kind(kind):
        if projects.count(rule.project) > 1:
            raise RulesError(rule.filename, f"rule {rule.id}: a second {kind} rule for project "
                                            f"{rule.project!r}", rule.lineno)
        if kind != "period" and ruleset.for_project("period", rule.project) is None:
            raise RulesError(rule.filename, f"rule {rule.id}: project {rule.project!r} has no "
                             "period rule (its close date comes from the period and payment "
                             "window)", rule.lineno)


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
    instruments, rules, waivers = [], [], []
    for file in files:
        instrument, file_rules, file_waivers = read_file(file)
        instruments += [instrument] if instrument is not None else []
        rules += file_rules
        waivers += file_waivers
    if not rules:
        raise RulesError(str(path), "no [[rule]] in any rules file: nothing to judge by")
    ruleset = RuleSet(str(path), tuple(rules), tuple(instruments), tuple(str(f) for f in files),
                      tuple(waivers))
    # across the files: ids unique, instruments, projects and waived rules resolvable
    _unique_ids(ruleset)
    for rule in ruleset.rules:
        _check_references(ruleset, rule)
    for kind in PROJECT_KINDS:
        _project_rules(ruleset, kind)
    _check_waivers(ruleset)  # last: a rule missing for the rules says more than for a waiver
    return ruleset

"""The rules of the Surplus Fund, read from the TOML files of a rules folder.

Every rule file describes one instrument (``[instrument]``) and the rules it lays down
(``[[rule]]``), each with one or more versions (``[[rule.version]]``) that carry an
``effective`` date and the parameters of that version. A transaction is judged by the version
in force on its date. Checks never read files: they receive a validated :class:`RuleSet`.

Every mistake in a rules folder is reported as a :class:`RulesError` naming the file, the
rule id and the field, so that ``aipo-budget check`` can exit with status 2.
"""

from __future__ import annotations

import datetime
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

KINDS = (
    "transfer",
    "authorization",
    "purpose",
    "eligibility",
    "period",
    "ceiling",
    "cofunding",
    "reserve",
    "approval",
    "segregation",
    "evidence",
    "conversion",
    "ledger",
)
SEVERITIES = ("error", "warning")


class RulesError(Exception):
    """A rules folder that cannot be used; the message names file, rule and field."""

    def __init__(self, filename: str, message: str, lineno: int = 0) -> None:
        super().__init__(f"{filename}:{lineno}: {message}" if lineno else f"{filename}: {message}")
        self.filename = filename
        self.lineno = lineno
        self.message = message


# --- parameter types ---------------------------------------------------------------------

# Bounds no real instrument reaches; beyond them a value is a typo (a misplaced digit, a year
# 9999), and the arithmetic and calendar of the checks stay within their limits.
MAX_AMOUNT = Decimal(10) ** 15
FIRST_DATE, LAST_DATE = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)
MAX_WINDOW_DAYS = 3650
MAX_APPROVERS = 100


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, str)):
        raise ValueError(f"expected an amount in USD, e.g. 40000.00, not {_short(value)}")
    try:
        number = Decimal(str(value).replace(",", "").replace("_", ""))
    except ArithmeticError:
        raise ValueError(f"{_short(value)} is not an amount") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"{_short(value)} is not a non-negative amount")
    if number > MAX_AMOUNT:
        raise ValueError(f"{_short(value)} is above the largest amount accepted (10^15)")
    return number


def _ratio(value: Any) -> Decimal:
    number = _amount(value)
    if not 0 < number <= 1:
        raise ValueError(f"{_short(value)} is not a ratio between 0 (excluded) and 1, e.g. 0.60")
    return number


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValueError(f"{_short(value)} is not a date (write it bare, e.g. 2006-06-30)")
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{value} is outside {FIRST_DATE}..{LAST_DATE}")
    return value


def _count(value: Any, limit: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{_short(value)} is not a whole number >= 0")
    if limit is not None and value > limit:
        raise ValueError(f"{value} is above the largest accepted ({limit})")
    return value


def _days(value: Any) -> int:
    return _count(value, MAX_WINDOW_DAYS)


def _approvers(value: Any) -> int:
    return _count(value, MAX_APPROVERS)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{_short(value)} is not a non-empty string")
    return value.strip()


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected a non-empty list of strings, not {_short(value)}")
    for number, item in enumerate(value, start=1):
        if not isinstance(item, str):  # e.g. a list of lists: deeper than the schema
            raise ValueError(f"expected a list of strings; item {number} is {_short(item)}")
    return tuple(_text(item) for item in value)


def _short(value: Any) -> str:
    """A TOML value for messages: tables and arrays named, never dumped; the rest truncated."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _project_categories(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not value:
        raise ValueError("expected a table of project = [categories]")
    return {_text(name): _texts(categories) for name, categories in value.items()}


Parser = Callable[[Any], Any]

# kind -> {parameter: (parser, required)}
PARAMETERS: dict[str, dict[str, tuple[Parser, bool]]] = {
    "transfer": {},
    "authorization": {"resolutions": (_texts, True)},
    "purpose": {"resolution": (_text, True), "projects": (_project_categories, True)},
    "eligibility": {"categories": (_texts, True)},
    "period": {
        "project": (_text, True),
        "start": (_date, True),
        "end": (_date, True),
        "payment_window_days": (_days, True),
    },
    "ceiling": {"project": (_text, True), "allocation": (_amount, True), "warn_at": (_ratio, True)},
    "cofunding": {"project": (_text, True), "max_share": (_ratio, True)},
    "reserve": {"floor": (_amount, True)},
    "approval": {"threshold": (_amount, True), "approvers_above": (_approvers, True)},
    "segregation": {},
    "evidence": {},
    "conversion": {},
    "ledger": {},
}

RULE_KEYS = {"id", "kind", "title", "citation", "severity", "version"}
VERSION_KEYS = {"effective", "text", "params", "severity", "citation"}
INSTRUMENT_KEYS = {"id", "title", "adopted", "source", "illustrative", "note"}


# --- the model ----------------------------------------------------------------------------


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
    params: dict[str, Any]

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
        current = None
        for version in self.versions:
            if version.effective <= date:
                current = version
            else:
                break
        return current

    def judging(self, date: datetime.date) -> RuleVersion:
        """The version that judges a transaction of ``date``: the one in force, and the first
        version before it came into force (no transaction escapes judgement for being early;
        the finding names the version and its effective date)."""
        return self.in_force(date) or self.versions[0]

    @property
    def project(self) -> str | None:
        return self.versions[-1].params.get("project")


@dataclass(frozen=True)
class RuleSet:
    folder: str
    rules: tuple[Rule, ...]
    instruments: tuple[Instrument, ...]
    files: tuple[str, ...] = field(default=())

    def of_kind(self, kind: str) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.kind == kind)

    def for_project(self, kind: str, project: str) -> Rule | None:
        for rule in self.of_kind(kind):
            if rule.project == project:
                return rule
        return None

    def instrument(self, instrument_id: str) -> Instrument | None:
        for instrument in self.instruments:
            if instrument.id == instrument_id:
                return instrument
        return None


# --- loading ------------------------------------------------------------------------------


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 0


def _parse_version(
    raw: Any, rule: dict[str, Any], number: int, where: Callable[[str], RulesError]
) -> RuleVersion:
    rule_id, kind = rule["id"], rule["kind"]
    if not isinstance(raw, dict):
        raise where(f"rule {rule_id}: each [[rule.version]] must be a table")
    unknown = set(raw) - VERSION_KEYS
    if unknown:
        raise where(f"rule {rule_id} version {number}: unknown field {sorted(unknown)[0]!r}")
    if "effective" not in raw:
        raise where(f"rule {rule_id} version {number}: missing field 'effective'")
    try:
        effective = _date(raw["effective"])
    except ValueError as exc:
        raise where(f"rule {rule_id} version {number}: field 'effective': {exc}") from None
    severity = raw.get("severity", rule.get("severity"))
    if severity not in SEVERITIES:
        raise where(f"rule {rule_id}: field 'severity' must be one of {', '.join(SEVERITIES)}")
    citation = raw.get("citation", rule.get("citation"))
    if not isinstance(citation, str) or not citation.strip():
        raise where(f"rule {rule_id}: missing field 'citation'")
    text = raw.get("text", rule.get("title", ""))
    if not isinstance(text, str):
        raise where(f"rule {rule_id} version {number}: field 'text' must be a string")
    params_raw = raw.get("params", {})
    if not isinstance(params_raw, dict):
        raise where(f"rule {rule_id} version {number}: field 'params' must be a table")
    spec = PARAMETERS[kind]
    unknown = set(params_raw) - set(spec)
    if unknown:
        raise where(
            f"rule {rule_id} version {number}: unknown parameter {sorted(unknown)[0]!r} "
            f"for kind {kind!r} (known: {', '.join(spec) or 'none'})"
        )
    params: dict[str, Any] = {}
    for name, (parse, required) in spec.items():
        if name not in params_raw:
            if required:
                raise where(f"rule {rule_id} version {number}: missing parameter {name!r}")
            continue
        try:
            params[name] = parse(params_raw[name])
        except ValueError as exc:
            raise where(f"rule {rule_id} version {number}: parameter {name!r}: {exc}") from None
    if kind == "period" and params["end"] < params["start"]:
        raise where(f"rule {rule_id} version {number}: parameter 'end' is before 'start'")
    return RuleVersion(
        rule_id, kind, number, effective, severity, citation.strip(), str(text).strip(), params
    )


def _parse_rule(
    raw: Any, filename: str, text: str, instrument: str | None
) -> Rule:
    def where(message: str, needle: str | None = None) -> RulesError:
        return RulesError(filename, message, _line_of(text, needle) if needle else 0)

    if not isinstance(raw, dict):
        raise where("each [[rule]] must be a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise where("a [[rule]] has no 'id'")
    locate = f'"{rule_id}"'

    def at(message: str) -> RulesError:
        return where(message, locate)

    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise at(f"rule {rule_id}: unknown field {sorted(unknown)[0]!r}")
    if not isinstance(raw.get("title", ""), str):
        raise at(f"rule {rule_id}: field 'title' must be a string")
    kind = raw.get("kind")
    if kind not in KINDS:
        raise at(f"rule {rule_id}: field 'kind': unknown kind {_short(kind)} "
                 f"(known: {', '.join(KINDS)})")
    raw_versions = raw.get("version")
    if not isinstance(raw_versions, list) or not raw_versions:
        raise at(f"rule {rule_id}: needs at least one [[rule.version]] with an 'effective' date")
    versions = [_parse_version(v, raw, n, at) for n, v in enumerate(raw_versions, start=1)]
    dates = [version.effective for version in versions]
    for earlier, later in zip(dates, dates[1:]):
        if earlier == later:
            raise at(f"rule {rule_id}: two versions have the same effective date {later}")
        if later < earlier:
            raise at(f"rule {rule_id}: versions must be listed in order of their effective date")
    projects = {version.params.get("project") for version in versions}
    if len(projects) > 1:
        raise at(f"rule {rule_id}: parameter 'project' must not change between versions")
    return Rule(
        rule_id, kind, str(raw.get("title", rule_id)), filename, _line_of(text, locate),
        instrument, tuple(versions),
    )


def _parse_instrument(raw: Any, filename: str) -> Instrument:
    if not isinstance(raw, dict):
        raise RulesError(filename, "[instrument] must be a table")
    unknown = set(raw) - INSTRUMENT_KEYS
    if unknown:
        raise RulesError(filename, f"[instrument]: unknown field {sorted(unknown)[0]!r}")
    for name in ("id", "title"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise RulesError(filename, f"[instrument]: missing field {name!r}")
    if not isinstance(raw.get("illustrative", True), bool):
        raise RulesError(filename, "[instrument]: field 'illustrative' must be true or false")
    for name in ("source", "note"):
        if not isinstance(raw.get(name, ""), str):
            raise RulesError(filename, f"[instrument]: field {name!r} must be a string")
    adopted = raw.get("adopted")
    if adopted is not None:
        try:
            adopted = _date(adopted)
        except ValueError as exc:
            raise RulesError(filename, f"[instrument]: field 'adopted': {exc}") from None
    return Instrument(
        raw["id"].strip(), raw["title"].strip(), filename, bool(raw.get("illustrative", True)),
        adopted, str(raw.get("source", "")), str(raw.get("note", "")),
    )


def _read_file(path: Path) -> tuple[Instrument | None, list[Rule]]:
    filename = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(filename, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise RulesError(filename, f"not a UTF-8 text file (byte 0x{exc.object[exc.start]:02x} "
                                   f"at offset {exc.start})") from None
    try:
        document = tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; its message ends "(at line N, ...)"
        match = re.search(r"at line (\d+)", str(exc))
        raise RulesError(filename, f"not valid TOML: {exc}", int(match[1]) if match else 0) from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise RulesError(filename, "not valid rules: arrays or tables nested far deeper than "
                                   "any rule needs") from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        raise RulesError(filename, f"not valid TOML: {_short(str(exc))}") from None
    unknown = set(document) - {"instrument", "rule"}
    if unknown:
        raise RulesError(filename, f"unknown top-level table {sorted(unknown)[0]!r}")
    instrument = (
        _parse_instrument(document["instrument"], filename) if "instrument" in document else None
    )
    raw_rules = document.get("rule", [])
    if not isinstance(raw_rules, list):
        raise RulesError(filename, "rules must be written as [[rule]] tables")
    owner = instrument.id if instrument else None
    return instrument, [_parse_rule(raw, filename, text, owner) for raw in raw_rules]


def _check_whole(ruleset: RuleSet) -> None:
    """Cross-rule checks: ids unique, instruments and projects resolvable."""
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
    for rule in ruleset.rules:
        for version in rule.versions:
            _check_references(ruleset, rule, version)
    for kind in ("period", "ceiling", "cofunding"):
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


def _check_references(ruleset: RuleSet, rule: Rule, version: RuleVersion) -> None:
    cited: tuple[str, ...] = ()
    if rule.kind == "authorization":
        cited = version.params["resolutions"]
    elif rule.kind == "purpose":
        cited = (version.params["resolution"],)
    for resolution in cited:
        if ruleset.instrument(resolution) is None:
            raise RulesError(
                rule.filename,
                f"rule {rule.id} version {version.number}: resolution {resolution!r} is not "
                "declared by any [instrument] in the rules folder",
                rule.lineno,
            )


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
    for file in files:
        instrument, file_rules = _read_file(file)
        if instrument is not None:
            instruments.append(instrument)
        rules.extend(file_rules)
    if not rules:
        raise RulesError(str(path), "no [[rule]] in any rules file: nothing to judge by")
    ruleset = RuleSet(str(path), tuple(rules), tuple(instruments), tuple(str(f) for f in files))
    _check_whole(ruleset)
    return ruleset

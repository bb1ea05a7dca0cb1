"""The rules of the Surplus Fund, read from the TOML files of a rules folder.

Every rule file describes one instrument (``[instrument]``) and the rules it lays down
(``[[rule]]``), each with one or more versions (``[[rule.version]]``) that carry an
``effective`` date and the parameters of that version (``Params`` in its kind's module of
:mod:`aipo_budget.core.checks`, read by :mod:`aipo_budget.core.params`). A transaction is judged
by the version in force on its date. Checks never read files: they receive a validated
:class:`RuleSet`. A rules file may also list waivers (``[[waiver]]``): authorised exceptions,
which :mod:`aipo_budget.core.waivers` applies after every check.

Every mistake in a rules folder is a :class:`RulesError` naming the file, the line of the rule
(or waiver), its id and the field, so that ``aipo-budget check`` can exit with status 2.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import os
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

from aipo_budget.core import meta, params
from aipo_budget.core.checks import PARAMS
from aipo_budget.core.findings import version_label
from aipo_budget.core.paths import read_regular, shown
# a waiver's fields are read as the parameters are: one reading of an amount, a list, a text
from aipo_budget.core.params import (FIRST_DATE, SEVERITIES, parse_amount, parse_date,
                                     parse_text, parse_texts, short)

if TYPE_CHECKING:
    from aipo_budget.core.signatures import Register

KINDS = ("transfer", "authorization", "purpose", "eligibility", "period", "ceiling", "cofunding",
         "reserve", "approval", "segregation", "evidence", "conversion", "ledger", "duplicate",
         "seal", "manifest", "waiver")
# Findings no waiver can cover: Beancount's own errors, the integrity of sealed periods and of
# an issued audit pack, and a waiver cited wrongly. Nobody can grant an exception to those.
UNWAIVABLE = ("ledger", "seal", "manifest", "waiver")
# The effective date of a version in force always: a rule's first version may leave out its
# `effective` date (the ledger's own validity, seals, waivers: no instrument dates them).
ALWAYS = FIRST_DATE
# kinds with one rule per project; all but "period" need the project's period rule too
PROJECT_KINDS = ("period", "ceiling", "cofunding")

# The extensions of a document's file: a source ending in one names a file, not a document
DOCUMENT_FILES = (".md", ".txt", ".pdf", ".html", ".htm", ".doc", ".docx", ".odt", ".rtf")

RULE_KEYS = {"id", "kind", "title", "citation", "severity", "version"}
# the top-level tables of a rules file, as they are written
TABLES = {"instrument": "[instrument]", "rule": "[[rule]]", "waiver": "[[waiver]]"}
VERSION_KEYS = {"effective", "text", "params", "severity", "citation"}
INSTRUMENT_KEYS = {"id", "title", "adopted", "source", "illustrative", "note"}
WAIVER_KEYS = {"reference", "adopted", "valid_until", "rules", "kinds", "project", "max_amount",
               "citation", "text"}


class RulesError(Exception):
    """A rules folder that cannot be used; the message names file, rule and field."""

    def __init__(self, filename: str, message: str, lineno: int = 0) -> None:
        super().__init__(f"{filename}:{lineno}: {message}" if lineno else f"{filename}: {message}")
        self.filename = filename
        self.lineno = lineno
        self.message = message


Where = Callable[[str], RulesError]


# --- the rules as the checks receive them ---------------------------------------------------


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
    def since(self) -> datetime.date | None:
        """The day it came into force; None for a version in force always (no ``effective``
        date, or the first day a rules file can name): a date shown for it would be made up."""
        return None if self.effective <= ALWAYS else self.effective

    @property
    def label(self) -> str:
        return version_label(self.rule_id, self.number, self.since)


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


class Unfollowable(NamedTuple):
    """An instrument whose ``source`` is the path of a file that is not there, and the line
    that gives it: the rules judge all the same, and the audit warns (a reader cannot follow
    it)."""

    instrument: Instrument
    lineno: int


@dataclass(frozen=True)
class RuleSet:
    folder: str
    rules: tuple[Rule, ...]
    instruments: tuple[Instrument, ...]
    files: tuple[str, ...] = ()
    waivers: tuple[Waiver, ...] = ()
    register: Register | None = None  # allowed_signers: who may sign, in which role, when
    unfollowable: tuple[Unfollowable, ...] = ()  # instruments whose source is no file

    @functools.cached_property
    def _by_kind(self) -> dict[str, tuple[Rule, ...]]:
        # the checks ask per outflow: an index, built once per rule set
        return {kind: tuple(r for r in self.rules if r.kind == kind)
                for kind in {r.kind for r in self.rules}}

    @functools.cached_property
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


# --- reading one file: fields, a rule and its versions, an instrument, a waiver -------------


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


def _line(text: str, pattern: str) -> int:
    """The number of the first line of ``text`` that ``pattern`` matches, or 0."""
    return next((number for number, line in enumerate(text.splitlines(), start=1)
                 if re.match(pattern, line)), 0)


# what a line holds outside a multi-line string: one opening, a one-line string, a comment
_TOKEN = re.compile(r'"""|\'\'\'|"(?:[^"\\]|\\.)*"|\'[^\']*\'|#')
_CLOSE = {'"""': re.compile(r'(?<!\\)"""'), "'''": re.compile("'''")}


def _outside_strings(text: str) -> list[str]:
    """The lines of ``text``, those inside a multi-line string (\"\"\" or \'\'\') blanked: a
    rule's text may quote "[[rule]]" or "id = ..." without being read as a table (nor does a
    comment or a one-line string open one)."""
    lines, inside = [], None
    for line in text.splitlines():
        start, at = inside, 0
        while at <= len(line):
            if inside:
                end = _CLOSE[inside].search(line, at)
                if end is None:
                    break
                inside, at = None, end.end()
                continue
            token = _TOKEN.search(line, at)
            if token is None or token[0] == "#":
                break
            inside = token[0] if token[0] in _CLOSE else None
            at = token.end()
        lines.append("" if start else line)  # a line that opens one is read up to it
    return lines


def _table_line(text: str, table: str, number: int, key: str | None = None) -> int:
    """The line that sets ``key`` in the ``number``-th (from 0) ``[[table]]`` of ``text``, else
    that table's header line (0: no such table): a second table of the same id or reference
    is named at its own line."""
    lines = _outside_strings(text)
    headers = [n for n, line in enumerate(lines, start=1)
               if re.match(rf"\s*\[\[\s*([\"']?){table}\1\s*\]\]", line)]
    if number >= len(headers):
        return 0
    end = headers[number + 1] if number + 1 < len(headers) else len(lines) + 1
    return next((n for n in range(headers[number] + 1, end) if key is not None
                 and re.match(rf"\s*{key}\s*=", lines[n - 1])), headers[number])


def _top_line(text: str, name: str) -> int:
    """The line of ``text`` that opens top-level table ``name`` (``[name]``, ``[[name]]``,
    ``[name.sub]``) or, before any table, sets key ``name``; 0 when none does."""
    quoted = rf"([\"']?){re.escape(name)}\1"
    header = re.compile(rf"\s*\[\[?\s*{quoted}\s*[\].]")
    key = re.compile(rf"\s*{quoted}\s*[=.]")
    opened = False
    for number, line in enumerate(_outside_strings(text), start=1):
        if header.match(line):
            return number
        opened = opened or line.lstrip().startswith("[")
        if not opened and key.match(line):
            return number
    return 0


def _unknown_table(filename: str, text: str, name: str) -> RulesError:
    """A top-level table (or key) a rules file may not hold, at its line, with the table
    it nearly spells."""
    near = difflib.get_close_matches(name, list(TABLES), n=1, cutoff=0.6)
    hint = (f"did you mean {TABLES[near[0]]}?" if near
            else "known: " + ", ".join(TABLES.values()))
    return RulesError(filename, f"unknown top-level table {name!r} ({hint})",
                      _top_line(text, name))


def _unknown_kind(kind: Any) -> str:
    return f"unknown kind {short(kind)} (known: {', '.join(KINDS)})"


def _parse_version(raw: Any, rule: dict[str, Any], number: int, where: Where) -> RuleVersion:
    rule_id, kind = rule["id"], rule["kind"]
    label = f"rule {rule_id} version {number}"
    if not isinstance(raw, dict):
        raise where(f"rule {rule_id}: each [[rule.version]] must be a table")
    _known(raw, VERSION_KEYS, label, where)
    # only the first version may be in force always; an amendment has a date
    effective = _field(raw, "effective", parse_date, label, where, required=number > 1) or ALWAYS
    # severity, citation and text: the version's own, else the rule's
    severity = raw.get("severity", rule.get("severity"))
    if severity not in SEVERITIES:
        raise where(f"rule {rule_id}: field 'severity' must be one of {', '.join(SEVERITIES)}")
    citation = raw.get("citation", rule.get("citation"))
    if not isinstance(citation, str) or not citation.strip():
        raise where(f"rule {rule_id}: missing field 'citation'")
    text = raw.get("text", rule.get("title", ""))
    if not isinstance(text, str):
        raise where(f"{label}: field 'text' must be a string")
    params_raw = raw.get("params", {})
    if not isinstance(params_raw, dict):
        raise where(f"{label}: field 'params' must be a table")
    try:  # the ``Params`` of its kind (None for a kind without)
        kind_params = params.read(PARAMS.get(kind), params_raw, kind)
    except ValueError as exc:
        raise where(f"{label}: {exc}") from None
    return RuleVersion(rule_id, kind, number, effective, severity, citation.strip(), text.strip(),
                       kind_params)


def _rule_id(raw: dict[str, Any], filename: str, text: str, number: int) -> str:
    """The id of the ``number``-th [[rule]]: text, not empty."""
    rule_id = raw.get("id")
    if "id" in raw and not isinstance(rule_id, str):
        raise RulesError(filename, f"a [[rule]]: field 'id' must be text in double quotes, "
                         f"not {short(rule_id)}", _table_line(text, "rule", number, "id"))
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise RulesError(filename, "a [[rule]] has no 'id'", _table_line(text, "rule", number))
    return rule_id


def _parse_rule(raw: Any, filename: str, text: str, instrument: str | None,
                number: int = 0) -> Rule:
    if not isinstance(raw, dict):
        raise RulesError(filename, "each [[rule]] must be a table")
    rule_id = _rule_id(raw, filename, text, number)
    lineno = _table_line(text, "rule", number, "id")
    at = functools.partial(RulesError, filename, lineno=lineno)
    _known(raw, RULE_KEYS, f"rule {rule_id}", at)
    if not isinstance(raw.get("title", ""), str):
        raise at(f"rule {rule_id}: field 'title' must be a string")
    if raw.get("kind") not in KINDS:
        raise at(f"rule {rule_id}: field 'kind': {_unknown_kind(raw.get('kind'))}")
    if not isinstance(raw.get("version"), list) or not raw["version"]:
        raise at(f"rule {rule_id}: needs at least one [[rule.version]] with an 'effective' date")
    versions = [_parse_version(v, raw, n, at) for n, v in enumerate(raw["version"], start=1)]
    dates = [version.effective for version in versions]
    for earlier, later in zip(dates, dates[1:]):
        if earlier == later:
            raise at(f"rule {rule_id}: two versions have the same effective date {later}")
        if later < earlier:
            raise at(f"rule {rule_id}: versions must be listed in order of their effective date")
    if len({getattr(version.params, "project", None) for version in versions}) > 1:
        raise at(f"rule {rule_id}: parameter 'project' must not change between versions")
    return Rule(rule_id, raw["kind"], str(raw.get("title", rule_id)), filename, lineno,
                instrument, tuple(versions))


def _parse_instrument(raw: Any, filename: str, text: str) -> Instrument:
    at = functools.partial(RulesError, filename, lineno=_top_line(text, "instrument"))
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


def _no_such_file(instrument: Instrument) -> bool:
    """Whether the instrument's ``source`` is the path of a file that is not there (relative
    to its rules file): a reader could not follow it (a warning of the audit, see
    :mod:`aipo_budget.core.checks.coverage`; the rules still judge). A citation has words; a
    web address (``https://...``, ``aipa.org/...``) is followed elsewhere."""
    source, filename = instrument.source.strip(), instrument.filename
    parts = re.split(r"[/\\]", source)
    named = (source and not any(c.isspace() for c in source) and "://" not in source
             and source.lower().endswith(DOCUMENT_FILES)
             and (len(parts) == 1 or parts[0] in ("", ".", "..", "~") or "." not in parts[0]))
    path = os.path.join(os.path.dirname(filename), os.path.expanduser(source))
    return bool(named) and not os.path.exists(path)


def _scope(raw: dict[str, Any], label: str, where: Where) -> tuple[tuple[str, ...], ...]:
    """The rule ids and kinds a waiver covers: at least one; no kind nobody may waive."""
    rules = _field(raw, "rules", parse_texts, label, where) or ()
    kinds = _field(raw, "kinds", parse_texts, label, where) or ()
    if not rules and not kinds:
        raise where(f"{label}: waives nothing: give 'rules' (rule ids) or 'kinds'")
    for kind in kinds:
        if kind not in KINDS:
            raise where(f"{label}: field 'kinds': {_unknown_kind(kind)}")
        if kind in UNWAIVABLE:
            raise where(f"{label}: field 'kinds': findings of kind {kind!r} cannot be waived")
    return rules, kinds


def _parse_waiver(raw: Any, filename: str, text: str, number: int) -> Waiver:
    if not isinstance(raw, dict):
        raise RulesError(filename, "each [[waiver]] must be a table")
    reference = raw.get("reference")
    if not isinstance(reference, str) or not meta.normal(reference):  # at its header's line
        raise RulesError(filename, "a [[waiver]] has no 'reference'",
                         _table_line(text, "waiver", number))
    # the line that sets the reference, not a comment or text that cites it
    lineno = _table_line(text, "waiver", number, "reference")
    # in the form a transaction's citation is read in (aipo_budget.core.waivers.references)
    reference = meta.normal(reference)
    label, at = f"waiver {reference}", functools.partial(RulesError, filename, lineno=lineno)
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


def _read_text(path: Path) -> str:
    try:  # a regular file only: a FIFO named *.toml would block every command (and bean-check)
        text = read_regular(str(path)).decode("utf-8")
    except OSError as exc:
        why = exc.strerror or str(exc).removeprefix(f"{path}: ")  # not regular, too large
        raise RulesError(str(path), "cannot read: " + why) from None
    except UnicodeDecodeError as exc:
        raise RulesError(str(path), f"not a UTF-8 text file (byte 0x{exc.object[exc.start]:02x} "
                                    f"at offset {exc.start})") from None
    if text.startswith("\ufeff"):
        raise RulesError(str(path), "starts with a byte-order mark, which TOML does not allow "
                                    "(save it as UTF-8 without BOM)", 1)
    return text


def _read_toml(filename: str, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno; its message ends "(at line N, ...)"
        match = re.search(r"at line (\d+)", str(exc))
        raise RulesError(filename, f"not valid TOML: {exc}",
                         int(match[1]) if match else 0) from None
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


def read_file(path: Path) -> tuple[Instrument | None, tuple[Rule, ...], tuple[Waiver, ...],
                                   Unfollowable | None]:
    """The instrument a rules file declares (if any), its rules and its waivers, and its
    instrument again if its source cannot be followed."""
    text = _read_text(path)
    instrument, rules, waivers = _parse_file(str(path), text)
    unfollowable = (Unfollowable(instrument, _line(text, r"\s*source\s*="))
                    if instrument is not None and _no_such_file(instrument) else None)
    return instrument, rules, waivers, unfollowable


@functools.lru_cache(maxsize=256)
def _parse_file(filename: str, text: str) -> tuple[Instrument | None, tuple[Rule, ...],
                                                   tuple[Waiver, ...]]:
    """A rules file's text read into frozen values: once per distinct text in a process (a
    Fava reload, or the many commands of one test run, read the same files again)."""
    document = _read_toml(filename, text)
    unknown = set(document) - set(TABLES)
    if unknown:
        raise _unknown_table(filename, text, sorted(unknown)[0])
    instrument = (_parse_instrument(document["instrument"], filename, text)
                  if "instrument" in document else None)
    owner = instrument.id if instrument else None
    rules = tuple(_parse_rule(raw, filename, text, owner, number)
                  for number, raw in enumerate(_tables(document, "rule", filename)))
    waivers = tuple(_parse_waiver(raw, filename, text, number)
                    for number, raw in enumerate(_tables(document, "waiver", filename)))
    return instrument, rules, waivers


# --- the folder, checked as a whole -------------------------------------------------------


def _unique_ids(ruleset: RuleSet) -> None:
    seen: dict[str, Rule] = {}
    for rule in ruleset.rules:
        if rule.id in seen:
            first = seen[rule.id]
            raise RulesError(rule.filename, f"rule {rule.id}: duplicate id (also at "
                             f"{shown(first.filename)}:{first.lineno})", rule.lineno)
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
            periods = [str(r.project) for r in ruleset.of_kind("period")]
            near = difflib.get_close_matches(str(rule.project), periods, n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise RulesError(rule.filename, f"rule {rule.id}: project {rule.project!r} has no "
                             f"period rule{hint} (its close date comes from the period and "
                             "payment window)", rule.lineno)


def _check_waivers(ruleset: RuleSet) -> None:
    """References unique; every rule a waiver names exists and may be waived."""
    seen: dict[str, Waiver] = {}
    rules = {rule.id: rule for rule in ruleset.rules}
    for waiver in ruleset.waivers:
        at = functools.partial(RulesError, waiver.filename, lineno=waiver.lineno)
        where = f"waiver {waiver.reference}"
        if waiver.reference in seen:
            first = seen[waiver.reference]
            raise at(f"{where}: duplicate reference (also at {shown(first.filename)}:"
                     f"{first.lineno})")
        seen[waiver.reference] = waiver
        for rule_id in waiver.rules:
            if rule_id not in rules:
                raise at(f"{where}: field 'rules': no rule {rule_id!r} in the rules folder")
            if rules[rule_id].kind in UNWAIVABLE:
                raise at(f"{where}: field 'rules': findings of {rule_id} "
                         f"(kind {rules[rule_id].kind!r}) cannot be waived")


def _register(folder: Path) -> Register | None:
    """The folder's register of signers, if it has one."""
    from aipo_budget.core import signatures  # it reads the seals' canonical form, which reads rules

    path = folder / signatures.REGISTER
    if not os.path.lexists(path):
        return None
    try:
        return signatures.read_register(str(path))
    except signatures.RegisterError as exc:
        raise RulesError(str(path), str(exc), exc.lineno) from None
    except OSError as exc:
        raise RulesError(str(path), f"cannot be read: {exc.strerror or exc}") from None


def load_rules(folder: str | Path) -> RuleSet:
    """Read and validate every ``*.toml`` file of a rules folder."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise RulesError(str(path), "not a folder: the rules are a folder of *.toml files")
    if not path.is_dir():
        raise RulesError(str(path), "rules folder not found (use --rules DIR)")
    # hidden files are no rules, as the shell and Beancount's include globs see it: an
    # editor's lock (".#art21.toml") or swap file stopped every command
    files = sorted(f for f in path.glob("*.toml") if not f.name.startswith("."))
    if not files:
        raise RulesError(str(path), "no rules files (*.toml) in the rules folder")
    instruments, per_file, waived, unfollowable = zip(*map(read_file, files))
    for file, *held in zip(files, instruments, per_file, waived):
        if not any(held):  # emptied by mistake, its rules would judge nothing, unsaid
            raise RulesError(str(file), "holds no [[rule]], [instrument] or [[waiver]]: "
                             "restore it, or remove the file")
    rules = tuple(rule for file_rules in per_file for rule in file_rules)
    if not rules:
        raise RulesError(str(path), "no [[rule]] in any rules file: nothing to judge by")
    register = _register(path)
    ruleset = RuleSet(str(path), rules, tuple(filter(None, instruments)),
                      tuple(str(f) for f in files) + ((register.path,) if register else ()),
                      tuple(w for file_waivers in waived for w in file_waivers), register,
                      tuple(filter(None, unfollowable)))
    # across the files: ids unique, instruments, projects and waived rules resolvable
    _unique_ids(ruleset)
    for rule in ruleset.rules:
        _check_references(ruleset, rule)
    for kind in PROJECT_KINDS:
        _project_rules(ruleset, kind)
    _check_waivers(ruleset)  # last: a rule missing for the rules says more than for a waiver
    return ruleset

"""``check --against PACK/manifest.json``: are these the books of that audit pack?

An auditor who signed the books of an audit pack confirms that the ones in front of them are
the same. Compared with what the pack's manifest records (:mod:`aipo_budget.outputs.pack.manifest`):

- every entry written in the ledger's files, one by one, with the pack's record of them
  (``entries.tsv``: a seal's record over the whole ledger, read and compared by
  :mod:`aipo_budget.core.seals`): an entry changed (which fields), added or removed since. An entry
  moved to another file or reformatted is the same entry;
- every rules file and every evidence file (the ledger's Document entries), by SHA-256;
- a pack written before packs recorded their entries: its ledger files, by SHA-256 (a
  reformatted file is then a change), and the summary says the entries could not be compared.

Each difference is a finding of kind ``manifest``, always an error and never waived (the
findings are added after the audit's waivers; an edited rules file cannot make them warnings).
The whole ledger is compared, whatever ``--as-of``: the pack recorded all of it. A manifest
or a record that cannot be read is an :class:`~aipo_budget.cli.session.InputError` (exit 2).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from aipo_budget.core.evidence import documents_roots, safety
from aipo_budget.core.facts import Location
from aipo_budget.core.findings import ERROR, Finding, finding
from aipo_budget.core.paths import shown
from aipo_budget.core.rules import RuleVersion
from aipo_budget.core.seals.diff import Words, entry_differences
from aipo_budget.core.seals.sidecar import parse_record
from aipo_budget.core.seals.snapshot import FORMAT, MISSING, Ledger, file_digest
from aipo_budget.cli.session import CheckRun, InputError, documents_of, run_audit, summarize
from aipo_budget.core.tally import plural

if TYPE_CHECKING:
    from aipo_budget.core.rules import RuleSet
    from aipo_budget.core.seals.sidecar import Record
    from aipo_budget.core.seals.snapshot import Snapshot
    from aipo_budget.cli.session import Loaded

# Used when a rules folder has no rule of kind "manifest", as seals have theirs.
DEFAULT_MANIFEST_RULE = RuleVersion(
    "MANIFEST", "manifest", 1, datetime.date(1900, 1, 1), "error", "the audit pack",
    "With check --against MANIFEST: ledger entries, rules and evidence are as they were when "
    "that audit pack was issued.", {},
)
WORDS = Words(changed="entry changed since the audit pack", recorded="in the pack as",
              added="entry added since the audit pack",
              removed="entry removed since the audit pack")
KINDS = ("ledger", "rules", "evidence")  # the manifest's inputs
NOT_A_MANIFEST = "not the manifest of an aipo-budget audit pack"


@dataclass(frozen=True)
class Pack:
    """What an audit pack's manifest says of the books it was made from."""

    manifest: str  # its path, as given
    generated: str
    version: str
    ledger_digest: str
    inputs: dict[str, dict[str, str]]  # "ledger", "rules", "evidence" -> path -> SHA-256
    record: Record | None  # the ledger's entries; None: a pack from before they were recorded
    entries_digest: str = ""


def _read_bytes(path: str) -> bytes:
    """The bytes of the regular file ``path``; OSError otherwise (never blocks on a FIFO)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path}: not a regular file")
        return file.read()


def _content(path: str, given: str) -> dict[str, Any]:
    try:
        content = json.loads(_read_bytes(path).decode("utf-8"))
    except OSError as exc:
        raise InputError(f"{given}: cannot read the audit pack's manifest "
                         f"({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{given}:{exc.lineno}: not JSON ({exc.msg}): {NOT_A_MANIFEST}"
                         ) from None
    except (UnicodeDecodeError, RecursionError):
        raise InputError(f"{given}: {NOT_A_MANIFEST}") from None
    if not isinstance(content, dict) or content.get("tool") != "aipo-budget":
        raise InputError(f"{given}: {NOT_A_MANIFEST}")
    return content


def _inputs(content: dict[str, Any], given: str) -> dict[str, dict[str, str]]:
    try:
        return {kind: {_text(item["path"]): _text(item["sha256"])
                       for item in content["inputs"][kind]} for kind in KINDS}
    except (TypeError, KeyError, ValueError):
        raise InputError(f"{given}: its inputs cannot be read: {NOT_A_MANIFEST}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(value)
    return value


def _record(content: dict[str, Any], path: str, given: str) -> tuple[Record | None, str]:
    """The pack's record of the ledger's entries and their digest; (None, "") for a pack
    that has none."""
    about = content.get("entries")
    if about is None:
        return None, ""
    name = about.get("path") if isinstance(about, dict) else None
    if (not isinstance(name, str) or name in ("", ".", "..") or "/" in name or os.sep in name
            or not all(isinstance(about.get(key), str) for key in ("sha256", "digest"))):
        raise InputError(f"{given}: its entries cannot be read: {NOT_A_MANIFEST}")
    if about.get("format") != FORMAT:
        raise InputError(f"{given}: its entries are of format {about.get('format')}, and this "
                         f"version of aipo-budget reads format {FORMAT}")
    where = os.path.join(os.path.dirname(given), name)
    try:
        raw = _read_bytes(os.path.join(os.path.dirname(path), name))
    except OSError as exc:
        raise InputError(f"{where}: cannot read the pack's record of the ledger's entries "
                         f"({exc.strerror or exc})") from None
    if hashlib.sha256(raw).hexdigest() != about["sha256"]:
        raise InputError(f"{where}: changed since the audit pack was written (its SHA-256 is "
                         f"not the one in {given})")
    try:
        return parse_record(raw.decode("utf-8")), about["digest"]
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{where}: the pack's record of the ledger's entries cannot be read "
                         f"({exc})") from None


def read_pack(given: str) -> Pack:
    """The audit pack whose manifest is ``given`` (or the pack folder that holds it);
    InputError naming the file when it cannot be read."""
    path = os.path.join(given, "manifest.json") if os.path.isdir(given) else given
    shown_as = os.path.join(given, "manifest.json") if path != given else given
    content = _content(path, shown_as)
    inputs = _inputs(content, shown_as)
    record, digest = _record(content, path, shown_as)
    ledger_digest = content.get("ledger_digest")
    return Pack(shown_as, str(content.get("generated") or "an unknown date"),
                str(content.get("version") or "an unknown version"),
                str(ledger_digest.get("sha256", "")) if isinstance(ledger_digest, dict) else "",
                inputs, record, digest)


# --- the comparison -------------------------------------------------------------------------


@dataclass
class Comparison:
    """The books against an audit pack: a finding per difference, and what to say of it."""

    pack: Pack
    findings: list[Finding] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.findings

    @property
    def note(self) -> str:
        pack = self.pack
        named = f"the audit pack of {pack.generated} (ledger digest {pack.ledger_digest})"
        if self.matches:
            entries = len(pack.record.entries) if pack.record else 0
            counts = [plural(len(pack.inputs["rules"]), "rules file"),
                      plural(len(pack.inputs["evidence"]), "evidence file")]
            if pack.record is not None:
                entries = len(pack.record.entries)
                counts.insert(0, f"{entries} entr{'y' if entries == 1 else 'ies'}")
            text = (f"The books match {named}: {', '.join(counts[:-1])} and {counts[-1]} as "
                    "issued.")
        else:
            text = f"{plural(len(self.findings), 'difference')} from {named}."
        if pack.record is None:
            text += (f" The pack (aipo-budget {pack.version}) has no record of the ledger's "
                     "entries: they could not be compared one by one, the ledger files were "
                     "compared byte for byte.")
        return text

    def as_dict(self) -> dict[str, Any]:
        return {"manifest": self.pack.manifest, "generated": self.pack.generated,
                "ledger_digest": self.pack.ledger_digest, "matches": self.matches,
                "entries_compared": self.pack.record is not None,
                "differences": len(self.findings)}


@dataclass(frozen=True)
class _Now:
    """A file as it is now: its SHA-256 (MISSING: unreadable) and where a finding goes."""

    sha256: str
    location: Location
    date: datetime.date | None = None


def _version(ruleset: RuleSet, date: datetime.date | None) -> RuleVersion:
    return ruleset.judging("manifest", date, DEFAULT_MANIFEST_RULE)


def _entry_findings(pack: Pack, snapshot: Snapshot, ledger: Ledger, at_manifest: Location,
                    ruleset: RuleSet) -> list[Finding]:
    if pack.record is None or snapshot.entries_digest == pack.entries_digest:
        return []
    found, _new = entry_differences(pack.record, snapshot, ledger.base, WORDS)
    if not found:  # equal entry by entry, yet not as a whole: a format not read here
        return [finding(_version(ruleset, None), None, at_manifest,
                        "the ledger's entries no longer match the audit pack's digest, yet "
                        "none differs from its record (was it made by another version of "
                        "aipo-budget?)", severity=ERROR)]
    return [finding(_version(ruleset, item.date), item.date,
                    Location.of(item.entry.meta, item.entry) if item.entry is not None
                    else at_manifest, item.message, severity=ERROR) for item in found]


def _files_now(loaded: Loaded, ledger: Ledger, snapshot: Snapshot
               ) -> dict[str, dict[str, _Now]]:
    """The inputs a pack of the books would record now, by the manifest's path of each."""
    root = os.path.dirname(os.path.abspath(loaded.ledger))

    def at(path: str) -> _Now:
        return _Now(file_digest(path) or MISSING, Location(path, 0))

    def evidence(path: str) -> _Now:
        citing = snapshot.citing.get(ledger.relative(path))  # where an auditor looks
        if citing is None:
            return _Now(ledger.sha256(path), Location(path, 0))
        return _Now(ledger.sha256(path), Location.of(citing.meta, citing), citing.date)

    roots = documents_roots(loaded.options)
    files = {"ledger": loaded.options.get("include") or (),
             "rules": loaded.result.ruleset.files,
             "evidence": [p for p in documents_of(loaded) if safety(p, roots) is None]}
    return {kind: {shown(str(p), root): (evidence if kind == "evidence" else at)(str(p))
                   for p in paths} for kind, paths in files.items()}


def _file_message(kind: str, path: str, recorded: str | None, now: _Now | None) -> str | None:
    if now is None:
        return f"{kind} file {path} removed since the audit pack"
    if recorded is None:
        return f"{kind} file {path} added since the audit pack"
    if now.sha256 == recorded:
        return None
    if now.sha256 == MISSING:
        return f"{kind} file {path} cannot be read now (it was in the audit pack)"
    return f"{kind} file {path} changed since the audit pack"


def _file_findings(kind: str, recorded: dict[str, str], now: dict[str, _Now],
                   at_manifest: Location, ruleset: RuleSet) -> list[Finding]:
    found = []
    for path in sorted(recorded.keys() | now.keys()):
        current = now.get(path)
        message = _file_message(kind, path, recorded.get(path), current)
        if message is not None:
            date = current.date if current else None
            found.append(finding(_version(ruleset, date), date,
                                 current.location if current else at_manifest, message,
                                 severity=ERROR))
    return found


def compare(pack: Pack, loaded: Loaded) -> Comparison:
    """``loaded`` (the books now) against ``pack``."""
    ruleset = loaded.result.ruleset
    at_manifest = Location(os.path.abspath(pack.manifest), 0)
    ledger = Ledger(loaded.entries, loaded.options)
    snapshot = ledger.snapshot(datetime.date.max)
    found = _entry_findings(pack, snapshot, ledger, at_manifest, ruleset)
    now = _files_now(loaded, ledger, snapshot)
    # with a record, the entries are compared: a reformatted ledger file is no difference
    for kind in KINDS[1:] if pack.record is not None else KINDS:
        found += _file_findings(kind, pack.inputs[kind], now[kind], at_manifest, ruleset)
    return Comparison(pack, sorted(found, key=lambda f: f.sort_key))


def check_against(ledger: str, rules: str | None, until: datetime.date | None,
                  manifest: str) -> tuple[CheckRun, Comparison]:
    """What ``check --against`` reports: a fresh audit (never a cached verdict: the cache
    knows nothing of the pack) with the comparison's findings added."""
    pack = read_pack(manifest)  # an unreadable manifest stops before the ledger is read
    loaded = run_audit(ledger, rules, until)
    comparison = compare(pack, loaded)
    summary = summarize(loaded)
    findings = sorted([*summary.findings, *comparison.findings], key=lambda f: f.sort_key)
    return (CheckRun(ledger, loaded.rules_folder, loaded.as_of,
                     replace(summary, findings=tuple(findings)), until), comparison)

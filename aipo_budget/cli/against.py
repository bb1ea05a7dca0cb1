"""``check --against PACK/manifest.json``: are these the books of that audit pack (docs/pack.md)?

Every entry of the ledger's files is compared with the pack's ``entries.tsv`` as with a seal's
record (an entry moved or reformatted is the same entry), every rules and evidence file by
SHA-256, and the ledger files too for a pack from before packs recorded their entries. Each
difference is a finding of kind ``manifest``, always an error and never waived (added after the
audit's waivers), whatever ``--as-of``: the pack recorded the whole ledger. A manifest or record
that cannot be read, or whose ledger digest is not the digest of the inputs it lists (edited
by hand), is an :class:`~aipo_budget.cli.session.InputError` (exit 2), as is a signature
(``manifest.json.sig``) that is not a valid audit signature of it by a registered auditor.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from aipo_budget.cli.session import CheckRun, InputError, documents_of, run_audit, summarize
from aipo_budget.core.digest import file_sha256
from aipo_budget.core.evidence import documents_roots, safety
from aipo_budget.core.facts import Location
from aipo_budget.core.ledger import places_written
from aipo_budget.core.findings import ERROR, Finding, finding
from aipo_budget.core.paths import read_regular, shown
from aipo_budget.core.rules import RuleVersion
from aipo_budget.core.signatures import approvals_folder, signature_files
from aipo_budget.core.seals.canonical import SHORT, untyped
from aipo_budget.core.seals.sidecar import Words, entry_differences, parse_record
from aipo_budget.core.seals.snapshot import FORMAT, MISSING, Ledger, file_digest
from aipo_budget.core.tally import plural
from aipo_budget.outputs.pack.manifest import (ENTRIES, ledger_digest, options_record,
                                               parsed_manifest)
from aipo_budget.outputs.pack.signature import (
    SignatureError, auditor, pack_day, read_signature, signing_key,
)

if TYPE_CHECKING:
    from aipo_budget.cli.session import Loaded
    from aipo_budget.core.seals.sidecar import Record
    from aipo_budget.core.signatures import Register
    from aipo_budget.outputs.pack.signature import Signed

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
SINCE = ("approvals", "record")  # inputs a pack lists since a later version: when it does
RECORD = "record"  # the input that binds the record of the entries and the options
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
    raw: bytes = b""  # the manifest's bytes: what a signature signs
    signature: bytes | None = None  # manifest.json.sig's bytes; None: unsigned
    outputs: dict[str, str] = field(default_factory=dict)  # the pack's files -> SHA-256
    options: dict[str, str] | None = None  # Beancount's options of meaning; None: not recorded

    @property
    def signature_path(self) -> str:
        return self.manifest + ".sig"


def _content(given: str) -> tuple[bytes, dict[str, Any]]:
    try:
        raw = read_regular(given)
        content = parsed_manifest(raw)
    except OSError as exc:
        raise InputError(f"{given}: cannot read the audit pack's manifest "
                         f"({exc.strerror or exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{given}:{exc.lineno}: not JSON ({exc.msg}): {NOT_A_MANIFEST}"
                         ) from None
    except (ValueError, RecursionError):  # not UTF-8, a number past int()'s 4,300 digits
        raise InputError(f"{given}: {NOT_A_MANIFEST}") from None
    if content is None:
        raise InputError(f"{given}: {NOT_A_MANIFEST}")
    return raw, content


def _inputs(content: dict[str, Any], given: str) -> dict[str, dict[str, str]]:
    try:
        listed = content["inputs"]
        found = {kind: {item["path"]: item["sha256"] for item in listed[kind]}
                 for kind in (*KINDS, *(kind for kind in SINCE if kind in listed))}
        if all(isinstance(text, str) for paths in found.values() for pair in paths.items()
               for text in pair):
            return found
    except (TypeError, KeyError):
        pass
    raise InputError(f"{given}: its inputs cannot be read: {NOT_A_MANIFEST}")


def _outputs(content: dict[str, Any], given: str) -> dict[str, str]:
    """The pack's own files (relative to its folder) and their SHA-256, as its manifest lists
    them; none for a pack from before they were listed."""
    try:
        found = {item["path"]: item["sha256"] for item in content.get("outputs") or ()}
    except (TypeError, KeyError):
        found = None
    if found is None or not all(
            isinstance(path, str) and isinstance(sha, str) and path and not os.path.isabs(path)
            and ".." not in path.split("/") for path, sha in found.items()):
        raise InputError(f"{given}: its list of the pack's files cannot be read: "
                         f"{NOT_A_MANIFEST}")
    return found


def _record(content: dict[str, Any], given: str) -> tuple[Record | None, str]:
    """The pack's record of the ledger's entries and their digest; (None, "") if it has none."""
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
        raw = read_regular(where)
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
    raw, content = _content(path)
    inputs = _inputs(content, path)
    digest = content.get("ledger_digest")
    recorded = str(digest.get("sha256", "")) if isinstance(digest, dict) else ""
    if not recorded:
        raise InputError(f"{path}: records no ledger digest: {NOT_A_MANIFEST}")
    if recorded != ledger_digest(content["inputs"]):  # the digest the pack itself computes
        raise InputError(f"{path}: the ledger digest it records ({recorded}) is not the digest "
                         "of the inputs it lists: the manifest was edited after the pack was "
                         "written")
    pack = Pack(path, str(content.get("generated") or "an unknown date"),
                str(content.get("version") or "an unknown version"), recorded, inputs,
                *_record(content, path), raw, _signature(path + ".sig"),
                _outputs(content, path), _options(content, path))
    bound = inputs.get(RECORD)
    entries = content.get("entries") or {}
    if bound is not None and (pack.options is None or bound != {
            ENTRIES: entries.get("sha256"), "options": ledger_digest(pack.options)}):
        raise InputError(f"{path}: its record of the entries or of the options is not the one "
                         "its inputs list: the manifest was edited after the pack was written")
    return pack


def _options(content: dict[str, Any], given: str) -> dict[str, str] | None:
    """The ledger's options of meaning the pack records (None for a pack from before)."""
    found = (content.get("entries") or {}).get("options")
    if found is None or (isinstance(found, dict) and all(
            isinstance(name, str) and isinstance(value, str) for name, value in found.items())):
        return found
    raise InputError(f"{given}: its ledger options cannot be read: {NOT_A_MANIFEST}")


def _signature(path: str) -> bytes | None:
    try:
        return read_signature(path) if os.path.lexists(path) else None
    except SignatureError as exc:
        raise InputError(f"{path}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def signed_by(pack: Pack, register: Register | None) -> Signed | None:
    """Who signed ``pack``, for audit on its day; InputError naming the signature file and
    saying exactly why when it does not count."""
    if pack.signature is None:
        return None
    try:
        return auditor(register, signing_key(pack.raw, pack.signature), pack_day(pack.generated))
    except SignatureError as exc:
        raise InputError(f"{pack.signature_path}: not a valid signature of the audit pack: "
                         f"{exc}") from None


@dataclass
class Comparison:
    """The books against an audit pack: a finding per difference, and what to say of it."""

    pack: Pack
    findings: list[Finding]
    signed: Signed | None = None

    @property
    def note(self) -> str:
        pack, record = self.pack, self.pack.record
        named = f"the audit pack of {pack.generated} (ledger digest {pack.ledger_digest})"
        if self.findings:
            text = f"{plural(len(self.findings), 'difference')} from {named}."
        else:
            counts = [plural(len(pack.inputs["rules"]), "rules file"),
                      plural(len(pack.inputs["evidence"]), "evidence file"),
                      *([plural(len(pack.inputs["approvals"]), "signed approval")]
                        if pack.inputs.get("approvals") else [])]
            if record is not None:
                entries = len(record.entries)
                counts.insert(0, f"{entries} entr{'y' if entries == 1 else 'ies'}")
            text = (f"The books match {named}: {', '.join(counts[:-1])} and {counts[-1]} as "
                    "issued" + (f"; its {plural(len(pack.outputs), 'file')} as written."
                                if pack.outputs else "."))
        if record is None:
            text += (f" The pack (aipo-budget {pack.version}) has no record of the ledger's "
                     "entries: they could not be compared one by one, the ledger files were "
                     "compared byte for byte.")
        signed = self.signed
        if signed is None:
            return f"{text}\nThe manifest is unsigned (no {os.path.basename(pack.signature_path)})."
        return (f"{text}\nSigned by {signed.who}, for audit on {signed.day}, the pack's day: "
                f"the signature is in {os.path.basename(pack.signature_path)}.")

    def as_dict(self) -> dict[str, Any]:
        return {"manifest": self.pack.manifest, "generated": self.pack.generated,
                "ledger_digest": self.pack.ledger_digest, "matches": not self.findings,
                "entries_compared": self.pack.record is not None,
                "differences": len(self.findings),
                "signed_by": None if self.signed is None else {
                    "names": list(self.signed.names), "fingerprint": self.signed.fingerprint,
                    "day": self.signed.day.isoformat(), "register_line": self.signed.lineno}}


def _files_now(loaded: Loaded, ledger: Ledger, citing: dict[str, Any]
               ) -> dict[str, dict[str, tuple[str, Any]]]:
    """The inputs a pack of the books would record now, by the manifest's path of each: its
    SHA-256 (MISSING: unreadable) and where a finding goes (the file, or for an evidence file
    the first entry citing it: where an auditor looks)."""
    root = os.path.dirname(os.path.abspath(loaded.ledger))
    roots = documents_roots(loaded.options)
    files = {"ledger": loaded.options.get("include") or (), "rules": loaded.result.ruleset.files,
             "approvals": signature_files(approvals_folder(loaded.options), regular=True)}
    now = {kind: {shown(str(p), root): (file_digest(str(p)) or MISSING, str(p)) for p in paths}
           for kind, paths in files.items()}
    for path in set(signature_files(approvals_folder(loaded.options))) - set(files["approvals"]):
        now["approvals"][shown(path, root)] = (Refused("is not a regular file"), path)
    now["evidence"] = {}
    for p in documents_of(loaded):
        refused = safety(p, roots)  # a FIFO where the file was is not a file "removed"
        if refused != "does not exist":
            now["evidence"][shown(p, root)] = (Refused(refused) if refused else ledger.sha256(p),
                                               citing.get(ledger.relative(p), p))
    return now


class Refused(str):
    """Why a file the evidence check may not read is no evidence now (a FIFO, outside the
    documents folders): a difference only where the pack had the file."""


def _file_message(kind: str, path: str, recorded: str | None, now: str | None) -> str | None:
    if now is None:
        return f"{kind} file {path} removed since the audit pack"
    if isinstance(now, Refused):
        return None if recorded is None else f"{kind} file {path} {now} now (it was in the " \
                                              "audit pack)"
    if recorded is None:
        return f"{kind} file {path} added since the audit pack"
    if now == recorded:
        return None
    if now == MISSING:
        return f"{kind} file {path} cannot be read now (it was in the audit pack)"
    return f"{kind} file {path} changed since the audit pack"


def compare(pack: Pack, loaded: Loaded) -> Comparison:
    """``loaded`` (the books now) against ``pack``, its signature verified by the books'
    register of signers."""
    signed = signed_by(pack, loaded.result.ruleset.register)

    def error(where: Any, message: str, date: datetime.date | None = None) -> Finding:
        """A finding at ``where``: an entry, a file's path, or None (the manifest)."""
        date = getattr(where, "date", date)
        location = (Location(os.path.abspath(pack.manifest), 0) if where is None
                    else Location(where, 0) if isinstance(where, str)
                    else where if isinstance(where, Location)
                    else Location.of(where.meta, where))
        version = loaded.result.ruleset.judging("manifest", date, DEFAULT_MANIFEST_RULE)
        return finding(version, date, location, message, severity=ERROR)

    ledger = Ledger(loaded.entries, loaded.options)
    snapshot = ledger.snapshot(datetime.date.max)
    found = []
    # the record's entries, bound to the ledger digest by its SHA-256 (not the manifest's
    # entries digest, which a pack from before the input "record" did not bind)
    if pack.record is not None and sorted(p[:SHORT] for p in snapshot.prints) != sorted(
            e.short for e in pack.record.entries):
        changed, _new = entry_differences(pack.record, snapshot, ledger.base, WORDS)
        found = [error(item.entry, item.message, item.date) for item in changed]
        if not changed:  # equal entry by entry, yet not as a whole: a format not read here
            found = [error(None, "the ledger's entries no longer match the audit pack's "
                           "digest, yet none differs from its record (was it made by another "
                           "version of aipo-budget?)")]
    found += [error(Location(p.filename, p.lineno), f"the entry writes where it is (metadata "
                    f"'{p.key}'): no audit pack can tell whether it recorded it", p.date)
              for p in places_written(loaded.options)]
    now = _files_now(loaded, ledger, snapshot.citing)
    # with a record, the entries are compared: a reformatted ledger file is no difference
    for kind in [k for k in pack.inputs if k != RECORD and (pack.record is None
                                                             or k != "ledger")]:
        for path in sorted(pack.inputs[kind].keys() | now[kind].keys()):
            sha, where = now[kind].get(path, (None, None))
            message = _file_message(kind, path, pack.inputs[kind].get(path), sha)
            if message is not None:
                found.append(error(where, message))
    found += [error(where, message) for where, message in
              [*_options_changed(pack, loaded), *_pack_files_changed(pack)]]
    return Comparison(pack, sorted(found, key=lambda f: f.sort_key), signed)


def _options_changed(pack: Pack, loaded: Loaded) -> list[tuple[str, str]]:
    """(the ledger's own file, where Beancount reads options; what changed) of each option of
    meaning that is not what the pack recorded (none for a pack from before they were)."""
    if pack.options is None:
        return []
    now, changed = options_record(loaded.options), []
    for name in sorted(now.keys() | pack.options.keys()):
        old, new = pack.options.get(name, ""), now.get(name, "")
        if old != new:
            changed.append((os.path.abspath(loaded.ledger), f"option {name} changed since the "
                            f"audit pack: {untyped(old) or '(none)'} -> {untyped(new) or '(none)'}"))
    return changed


def _pack_files_changed(pack: Pack) -> list[tuple[str, str]]:
    """(the file, what changed) of each file of the pack not as it was written."""
    folder, changed = os.path.dirname(os.path.abspath(pack.manifest)), []
    for path, recorded in sorted(pack.outputs.items()):
        where = os.path.join(folder, *path.split("/"))
        now = _pack_file(where)
        if now != recorded:
            said = (f"{now} now" if isinstance(now, Refused) else
                    "changed since the pack was written" if now else
                    "removed since the pack was written")
            changed.append((where, f"pack file {path} {said}"))
    return changed


def _pack_file(path: str) -> str | None:
    """The SHA-256 of a file of the pack, None when there is none, or why it is no file of
    the pack now: a link (to /dev/zero, whose reading never ends) or a FIFO is never read."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Refused("is a symbolic link" if os.path.islink(path)
                       else f"cannot be read ({exc.strerror})")
    try:
        return file_sha256(fd) if stat.S_ISREG(os.fstat(fd).st_mode) else Refused(
            "is not a regular file")
    except OSError as exc:
        return Refused(f"cannot be read ({exc.strerror})")
    finally:
        os.close(fd)


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

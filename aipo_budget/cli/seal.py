"""The ``seal`` command: seal the ledger through a date, after an audit (README "Period seals").

It writes the seal's record under ``ledger/seals/``, then appends a ``custom "aipo-seal"``
entry to ``ledger/seals.beancount`` (created, and included from the ledger file, if missing):
in that order, so that an interrupted seal leaves the ledger readable (an include of a file
not yet written is an error in every tool). Each file is written whole or not at all (a synced
temporary file moved over the old one; a record under a new name), so that Fava, a check or
Git never sees half of one. Before anything is written, the files and folders
it would write are examined without following a link nor opening a FIFO: a link, a FIFO, a file
where a folder goes (or the reverse) or a read-only one is refused. Two seals of one ledger take
turns on an ``fcntl.flock`` of ``ledger/.seals.lock``, created for the seal and removed after
it. Exit status: 0 sealed; 1 refused (Beancount errors, or error findings in the period, unless
``--force --reason TEXT``); 2 bad input, or another seal takes too long.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import hashlib
import os
import stat
import sys
import time
from typing import TYPE_CHECKING

import click

from aipo_budget.cli import signing as signing_module
from aipo_budget.cli.options import last_day, ledger_argument, quiet_option, rules_option
from aipo_budget.cli.session import EXIT_FINDINGS, InputError, readable, run_audit
from aipo_budget.core import meta
from aipo_budget.core.evidence import ledger_folder
from aipo_budget.core.ledger import walk_includes
from aipo_budget.core.paths import as_given, read_regular, shown
from aipo_budget.core.seals import SEAL_FORMAT, SIGNATURE_SUFFIX, judged, read_seal, seal_entries
from aipo_budget.core.seals.canonical import SEAL_TYPE
from aipo_budget.core.seals.sidecar import ENTRY_HELP, escape, record_lines
from aipo_budget.core.seals.snapshot import Ledger
from aipo_budget.core.tally import plural
from aipo_budget.outputs.pack.files import write_atomic

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from beancount.core import data

    from aipo_budget.core import signatures
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import RuleSet
    from aipo_budget.core.seals.snapshot import Snapshot

SHOWN_BLOCKING = 5  # error findings listed when a seal is refused; `check` lists them all
LOCK_WAIT = 30.0  # seconds a seal waits for another to finish
LOCK = ".seals.lock"  # beside seals.beancount
SEALS_HEADER = """\
;; Period seals, written by `aipo-budget seal`: each entry seals the ledger through its date.
;; `aipo-budget check` (and bean-check, and Fava, through the plugin) verifies every seal.
;; Do not edit: corrections go in the open period, dated after the seal. The files under
;; seals/ are the seals' records: commit them with this file.
"""


@dataclasses.dataclass(frozen=True)
class Signing:
    """Who seals, when and why: what the seal entry says besides the digests."""

    through: datetime.date
    by: str
    sealed_on: datetime.date
    forced: bool = False
    reason: str = ""
    errors: int = 0  # error findings the seal was forced over
    key: str | None = None  # --sign: the sealer's OpenSSH key, to sign the record with


def seals_file(ledger: str) -> str:
    return os.path.join(os.path.dirname(os.path.abspath(ledger)), "ledger", "seals.beancount")


def refuse_unsafe(ledger: str) -> None:
    """InputError naming the first file or folder a seal would write and must not: before
    anything is written, nor the ledger read (its include of a FIFO would hang)."""
    path = seals_file(ledger)
    folder = os.path.dirname(path)
    places = [(folder, True), (path, False), (os.path.join(folder, "seals"), True),
              (os.path.join(folder, LOCK), False)]
    if not os.path.lexists(folder):  # made in the ledger file's folder
        places.append((os.path.realpath(os.path.dirname(folder)), True))
    for place, is_folder in places:
        _refuse(ledger, place, is_folder)
    if include_line(ledger, path):  # appended to the file (a link's target) beside a copy
        for place, is_folder in ((os.path.dirname(os.path.realpath(ledger)), True),
                                 (os.path.realpath(ledger), False)):
            _refuse(ledger, place, is_folder)
        if os.path.lexists(path) and not _only_seals(path):
            raise InputError(f"{as_given(path, ledger)}: is not included by the ledger and holds "
                             "other than seal entries: a seal would make it part of the books "
                             "unread; move it away. The seal is refused and nothing was written")


def _only_seals(path: str) -> bool:
    """Whether the file at ``path`` (a regular file) is Beancount text of seal entries only:
    what an interrupted seal leaves before the ledger includes it."""
    from beancount.core import data
    from beancount.parser import parser

    text = read_regular(path).decode("utf-8", "replace")
    entries, errors, _options = parser.parse_string(text)
    return not errors and all(isinstance(e, data.Custom) and e.type == SEAL_TYPE
                              for e in entries) and all(
        not line or line[0] in " \t;" or line[:1].isdigit() for line in text.splitlines())


def _refuse(ledger: str, path: str, folder: bool) -> None:
    """InputError when a seal must not write ``path`` (a folder if ``folder``); it may when
    the path does not exist. Never follows a link nor opens the path."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        why = "is a symbolic link"
    elif folder != stat.S_ISDIR(mode):
        why = "is not a folder" if folder else "is a folder, not a file"
    elif not stat.S_ISREG(mode) and not folder:
        why = "is not a regular file (a FIFO, a socket or a device)"
    # root may write anything: a file or folder no one may write is read-only all the same
    elif not mode & 0o222 or not os.access(path, os.W_OK | (os.X_OK if folder else 0)):
        why = "is read-only"
    else:
        return
    raise InputError(f"{as_given(path, ledger)}: {why}: the seal is refused and nothing was "
                     "written")


@contextlib.contextmanager
def locked(ledger: str) -> Iterator[None]:
    """Hold the seal lock of ``ledger`` (its folder created if need be); InputError after
    LOCK_WAIT seconds. The lock file is removed when the seal ends, whatever its outcome, and
    the folder too when made for it and left empty."""
    import fcntl  # POSIX: the lock dies with its process, unlike a lock file's existence

    folder = os.path.dirname(seals_file(ledger))
    path, created = os.path.join(folder, LOCK), not os.path.lexists(folder)
    deadline, fd = time.monotonic() + LOCK_WAIT, None
    try:
        while True:
            os.makedirs(folder, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK
                         | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if os.path.samestat(os.fstat(fd), os.lstat(path)):
                    break  # else the seal before removed it: lock the new one
            except BlockingIOError:
                time.sleep(0.05)
            except FileNotFoundError:
                pass
            os.close(fd)
            fd = None  # not ours: never removed
            if time.monotonic() >= deadline:
                raise InputError(f"{as_given(path, ledger)}: another seal of this ledger is in "
                                 f"progress (waited {LOCK_WAIT:g} s); try again once it has "
                                 "finished")
        yield
    finally:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(path)  # while held: a seal waiting on it locks a new one
            os.close(fd)
        if created:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only if empty: a refused first seal leaves nothing


def append(path: str, text: str, new: str = "") -> None:
    """Append ``text`` on lines of its own to ``path`` (``new``: its content if missing),
    in the file's line endings; every byte before it is kept."""
    content = _content(path)
    if content is None:
        content = new.encode()
    newline = b"\r\n" if b"\r\n" in content else b"\n"
    lead = b"" if not content or content.endswith(b"\n") else newline
    write_atomic(path, content + lead + text.replace("\n", newline.decode()).encode())


def include_line(ledger: str, path: str) -> str | None:
    """The path to include from the top-level ledger file to reach ``path``, unless its
    include tree reaches it already (a glob may)."""
    reached = {os.path.realpath(match) for include in walk_includes(os.path.abspath(ledger))[0]
               for match in include.matches}
    if os.path.realpath(path) in reached:
        return None
    # Beancount reads an include relative to the file as named, not to a link's target
    return os.path.relpath(path, os.path.dirname(os.path.abspath(ledger))).replace(os.sep, "/")


def quoted(text: str) -> str:
    """A Beancount string literal (one line: whitespace collapsed)."""
    one_line = " ".join(text.split())
    return '"' + one_line.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write(ledger: str, base: str, signing: Signing, snapshot: Snapshot, ruleset: RuleSet,
           findings: Sequence[Finding]) -> list[str]:
    """Write the record, the seal entry (read by core.seals.read_seal) and the include
    line; what was written."""
    path = seals_file(ledger)
    counts = [len(snapshot.prints), len(snapshot.evidence)]
    rules = judged.judged(ruleset, signing.through)
    verdict = [line for day, line, _f in judged.verdict(findings, base) if day <= signing.through]
    record = "\n".join([
        f"# aipo-budget seal record (format {SEAL_FORMAT}): {os.path.basename(ledger)} sealed "
        f"through {signing.through} by {signing.by} on {signing.sealed_on}.",
        "# Committed with the seal: `aipo-budget check` reads it to say what changed. Do not "
        "edit it.",
        ENTRY_HELP,
        "# evidence: path relative to the ledger's folder, SHA-256.",
        "# judged: what judged the period (rule versions, instruments, waivers, signers): "
        "subject, field, typed value.",
        "# finding: the period's verdict: date, rule, severity, entry's short digest, message.",
        "\t".join(["seal", str(signing.through), snapshot.digest, *map(str, counts),
                   escape(signing.by)]),
        *record_lines(snapshot, base), *(f"judged\t{line}" for line in rules),
        *(f"finding\t{line}" for line in verdict)]).encode("utf-8", "surrogatepass") + b"\n"
    # a new name (under the lock), ...-2.tsv and on: two seals of one day keep two records
    stem = f"seals/{snapshot.through}-{snapshot.digest[:12]}"
    name = next(name for name in (f"{stem}{n}.tsv" for n in ["", *range(-2, -10**4, -1)])
                if not os.path.lexists(os.path.join(os.path.dirname(path), name)))
    record_path = os.path.join(os.path.dirname(path), *name.split("/"))
    # signed before anything is written: a key that cannot sign leaves the books as they were
    armored = signing_module.sign(record, signing.key, "audit") if signing.key else None
    written_first = [record_path, *([record_path + SIGNATURE_SUFFIX] if armored else [])]
    files = [path, os.path.realpath(ledger)]  # appended to: put back as they were on failure
    before = {name: _content(name) for name in files}
    records_made = not os.path.lexists(os.path.dirname(record_path))
    try:
        write_atomic(record_path, record)
        if armored is not None:
            write_atomic(record_path + SIGNATURE_SUFFIX, armored.encode("ascii"))
        return _enter(ledger, path, signing, snapshot, rules, verdict, counts, name, record,
                      armored is not None, record_path)
    except BaseException as exc:  # the seal is whole or not at all: no record without entry
        for written in written_first:
            with contextlib.suppress(OSError):
                os.unlink(written)
        if records_made:
            with contextlib.suppress(OSError):
                os.rmdir(os.path.dirname(record_path))  # only if empty
        for appended, content in before.items():
            with contextlib.suppress(OSError):
                if content is None:
                    os.unlink(appended)
                elif _content(appended) != content:
                    write_atomic(appended, content)
        if isinstance(exc, OSError):
            raise InputError(f"{shown(exc.filename or path)}: cannot write the seal: "
                             f"{exc.strerror or exc}; nothing was sealed") from None
        raise


def _content(path: str) -> bytes | None:
    """The bytes of ``path``, None when there is none (never blocks on a FIFO)."""
    try:
        return read_regular(path)
    except FileNotFoundError:
        return None


def _enter(ledger: str, path: str, signing: Signing, snapshot: Snapshot, rules: list[str],
           verdict: list[str], counts: list[int], name: str, record: bytes, signed: bool,
           record_path: str) -> list[str]:
    """The seal entry appended to the seals' file, and its include line to the ledger."""
    entry = [f"{signing.through} custom {quoted(SEAL_TYPE)} {quoted(signing.by)}",
             f"  sealed-on: {signing.sealed_on}",
             f"  digest: {quoted(snapshot.digest)}",
             f"  rules: {quoted(judged.digest(rules))}",
             f"  verdict: {quoted(judged.digest(verdict))}",
             f"  entries: {counts[0]}",
             f"  evidence: {counts[1]}",
             f"  record: {quoted(name)}",
             f"  record-sha256: {quoted(hashlib.sha256(record).hexdigest())}",
             *([f"  signature: {quoted(name + SIGNATURE_SUFFIX)}"] if signed else []),
             f"  format: {SEAL_FORMAT}",
             *(["  forced: TRUE"] if signing.forced else []),
             *([f"  reason: {quoted(signing.reason)}"] if signing.reason else []),
             *([f"  errors: {signing.errors}"] if signing.forced else [])]
    created = not os.path.exists(path)
    append(path, "\n" + "\n".join(entry) + "\n", new=SEALS_HEADER)
    written = [f"{as_given(record_path, ledger)} (the seal's record)",
               f"{as_given(path, ledger)} ({'created' if created else 'seal appended'})"]
    included = include_line(ledger, path)
    if included is not None:  # a symbolic link stays one: its target is written
        append(os.path.realpath(ledger), f'include "{included}"\n')
        written.append(f'{ledger} (include "{included}" appended)')
    return written


def _through(ctx: click.Context, param: click.Parameter, text: str) -> datetime.date:
    """``--through 2006``: the last day of it; a period not yet over cannot be sealed."""
    day = last_day(ctx, param, text)
    today = datetime.date.today()
    if day > today:
        raise click.BadParameter(f"{text} ends on {day}, after today ({today}): a period is "
                                 "sealed once it has ended", ctx=ctx, param=param)
    return day


def _readable(ctx: click.Context, param: click.Parameter, text: str) -> None:
    """Text the ledger (UTF-8) can hold: a shell's bytes that are no UTF-8 arrive as lone
    surrogates, which no seal entry could be written with."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise click.BadParameter("is not UTF-8 text (bytes the ledger cannot hold)",
                                 ctx=ctx, param=param) from None


def _name(ctx: click.Context, param: click.Parameter, text: str) -> str:
    """A person's name, read as names in metadata are (core.meta.normal): nothing left of
    it (a zero-width space, blanks) is no one."""
    _readable(ctx, param, text)
    if not meta.person_key(text):
        raise click.BadParameter("must be a name: nothing is left of it once format characters "
                                 "(zero-width spaces...) and blanks are removed",
                                 ctx=ctx, param=param)
    return meta.normal(text)


def _text(ctx: click.Context, param: click.Parameter, text: str | None) -> str | None:
    if text is not None:
        _readable(ctx, param, text)
    if text is not None and not text.split():
        raise click.BadParameter("must not be empty", ctx=ctx, param=param)
    return " ".join(text.split()) if text is not None else None


def blocking(findings: Sequence[Finding], through: datetime.date) -> list[Finding]:
    """The error findings a seal through ``through`` would seal: Beancount's errors wherever
    they are, every other error dated on or before it (or undated)."""
    return [f for f in findings if f.is_error
            and (f.kind == "ledger" or f.date is None or f.date <= through)]


def _refusal(found: list[Finding], through: datetime.date, ledger: str) -> str:
    lines = [f"aipo-budget seal: refused: {plural(len(found), 'error finding')} in the period "
             f"through {through} (Beancount's errors count wherever they are):"]
    lines += [f"  {as_given(item.filename, ledger)}:{item.lineno}: {item.message} [{item.rule}]"
              for item in found[:SHOWN_BLOCKING]]
    if len(found) > SHOWN_BLOCKING:
        lines.append(f"  ... and {len(found) - SHOWN_BLOCKING} more (aipo-budget check "
                     "lists them all)")
    lines.append("Correct them first, or seal anyway with --force --reason TEXT (recorded in "
                 "the seal).")
    return "\n".join(lines)


def _covering(entries: Sequence[data.Directive], through: datetime.date) -> list[str]:
    """Existing seals through ``through`` or later: a new seal adds nothing to them."""
    labels = []
    for entry in seal_entries(entries):
        if entry.date >= through:
            with contextlib.suppress(ValueError):  # an unreadable seal covers nothing
                seal = read_seal(entry)
                labels.append(seal.label + (f" on {seal.sealed_on}" if seal.sealed_on else ""))
    return labels


def _report(signing: Signing, snapshot: Snapshot, written: list[str], ledger: str) -> str:
    entries = len(snapshot.prints)
    lines = [f"Sealed {ledger} through {signing.through} by {signing.by}: "
             f"{entries} entr{'y' if entries == 1 else 'ies'} and "
             f"{plural(len(snapshot.evidence), 'evidence file')}, SHA-256 {snapshot.digest}."]
    if signing.forced:
        lines.append(f"Forced over {plural(signing.errors, 'error finding')}: {signing.reason}")
    elif signing.reason:
        lines.append(f"Reason: {signing.reason}")
    lines += ["Written:", *(f"  {item}" for item in written),
              "Commit them together: check needs the record to say what changed."]
    return "\n".join(lines) + "\n"


def _announce(key: str, register: signatures.Register | None, by: str) -> None:
    """Say whose key signs the seal, or why `check` will not count its signature."""
    signed, problem = signing_module.signer(register, signing_module.key_fingerprint(key),
                                            "audit", datetime.date.today(), "today")
    if signed is None:
        click.echo(f"aipo-budget seal: check will not count this signature until the register "
                   f"of signers backs it: {problem}", err=True)
        return
    click.echo(f"signing the seal of {by} as {signed.who}", err=True)


@click.command("seal")
@ledger_argument
@click.option("--through", "through", required=True, metavar="DATE", callback=_through,
              help="Seal every entry dated on or before DATE: a day, or the last day of a "
                   "month (2006-12), quarter (2006-Q4) or year (2006). Not after today.")
@click.option("--by", "by", required=True, metavar="NAME", callback=_name,
              help="Who seals (recorded in the seal).")
@click.option("--reason", "reason", metavar="TEXT", callback=_text,
              help="Why (recorded in the seal); required with --force.")
@click.option("--force", is_flag=True,
              help="Seal even though the ledger has Beancount errors or the period has error "
                   "findings (with --reason).")
@click.option("--sign", "key", metavar="KEY",
              help="Sign the seal's record with your OpenSSH key (audit role of the register "
                   "of signers); `check` then verifies the signature.")
@rules_option
@quiet_option
def command(ledger: str, through: datetime.date, by: str, reason: str | None, force: bool,
            key: str | None, rules: str | None) -> None:
    """Seal LEDGER ($BEANCOUNT_FILE, else main.beancount) through DATE: every entry dated on
    or before it and the evidence files they cite. `check` then reports any change to them as
    a finding of kind seal. Refused (exit status 1) when the ledger has Beancount errors or
    the period has error findings, unless --force --reason TEXT."""
    if force and not reason:
        raise click.UsageError("--force needs --reason TEXT: a forced seal records why")
    readable(ledger)
    refuse_unsafe(ledger)
    with locked(ledger):
        loaded = run_audit(ledger, rules, None)
        found = blocking(loaded.result.findings, through)
        if found and not force:
            click.echo(_refusal(found, through, ledger), err=True)
            sys.exit(EXIT_FINDINGS)
        covering = _covering(loaded.entries, through)
        if covering:
            click.echo(f"aipo-budget seal: note: the ledger is already sealed through "
                       f"{'; '.join(covering)}: this seal adds nothing to that one, but is "
                       "recorded and verified too", err=True)
        signing = Signing(through, by, datetime.date.today(), forced=bool(found),
                          reason=reason or "", errors=len(found), key=key)
        if key:
            _announce(key, loaded.result.ruleset.register, by)
        snapshot = Ledger(loaded.entries, loaded.options).snapshot(through)
        written = _write(ledger, ledger_folder(loaded.options), signing, snapshot,
                         loaded.result.ruleset, loaded.result.findings)
    # on standard error, as report -o says what it wrote: the seal is written by now, and a
    # standard output gone (| head -0) must not make it look failed (exit 2) and be redone
    click.echo(_report(signing, snapshot, written, ledger), nl=False, err=True)

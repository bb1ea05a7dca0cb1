"""Signed approvals: the register of signers and the signatures that back a name in metadata.

The register is ``allowed_signers`` in the rules folder, in OpenSSH's allowed_signers format
(the one Git uses): each line gives one or more names (comma-separated, quoted when they hold
spaces), the namespaces the key may sign in (``aipo-budget-prepare``, ``-approve``, ``-audit``:
the roles), ``valid-after``/``valid-before`` dates, and the public key. A key rotated or revoked
is a dated edit of its line (``valid-before``), never a removed line.

A signature is a file of its own under ``ledger/approvals/``, made by ``aipo-budget approve``
with the signer's OpenSSH: the signed text (a header, the role, then the transaction's canonical
form without the names it backs, so that moving or reformatting the entry, or adding a second
approver's name, changes nothing) followed by the armored SSH signature. Verification is
``sshsig``'s; which name a key stands for, in which role and on which day, is the register's.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import json
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from aipo_budget.core import meta
from aipo_budget.core.findings import money
from aipo_budget.core.paths import read_regular, shown

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from beancount.core import data

    from aipo_budget.core.facts import Outflow

REGISTER = "allowed_signers"  # in the rules folder
ROLES = ("prepare", "approve", "audit")
HEADER = "aipo-budget signed text 1"
ARMOR = "-----BEGIN SSH SIGNATURE-----"
SUFFIX = ".sig"
MAX_FILE = 1 << 20  # an approval is a few kB; anything larger is not one
_VALIDITY = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{4}(\d{2})?)?Z?")


def namespace(role: str) -> str:
    return f"aipo-budget-{role}"


def approvals_folder(options: dict[str, Any] | None) -> str | None:
    """``<folder of the ledger file>/ledger/approvals`` (beside the seals), None without one."""
    filename = (options or {}).get("filename")
    if not isinstance(filename, str) or not filename or filename.startswith("<"):
        return None
    return os.path.join(os.path.dirname(os.path.abspath(filename)), "ledger", "approvals")


# --- the register ---------------------------------------------------------------------------

class RegisterError(ValueError):
    def __init__(self, message: str, lineno: int = 0) -> None:
        super().__init__(message)
        self.lineno = lineno


@dataclass(frozen=True)
class Signer:
    """One line of the register."""

    names: tuple[str, ...]
    fingerprint: str  # SHA256:..., as ssh-keygen -l shows it
    roles: frozenset[str] | None  # None: every role (no namespaces option)
    after: datetime.date | None  # first day valid
    before: datetime.date | None  # first day no longer valid
    lineno: int

    def named(self, name: str) -> bool:
        return meta.person_key(name) in {meta.person_key(n) for n in self.names}

    def valid_on(self, day: datetime.date) -> bool:
        return ((self.after is None or self.after <= day)
                and (self.before is None or day < self.before))

    def may(self, role: str) -> bool:
        return self.roles is None or role in self.roles

    def validity(self) -> str:
        return (f"valid {self.after or 'from the start'} to "
                f"{self.before - datetime.timedelta(days=1) if self.before else 'today'}")


@dataclass(frozen=True)
class Register:
    path: str
    signers: tuple[Signer, ...]

    @functools.cached_property
    def _by_key(self) -> dict[str, list[Signer]]:
        index: dict[str, list[Signer]] = {}
        for signer in self.signers:
            index.setdefault(signer.fingerprint, []).append(signer)
        return index

    def of_key(self, fingerprint: str | None) -> list[Signer]:
        return self._by_key.get(fingerprint or "", [])

    def names_of(self, fingerprint: str | None) -> list[str]:
        return sorted({name for s in self.of_key(fingerprint) for name in s.names})


def _day(options: dict[str, str], option: str, lineno: int) -> datetime.date | None:
    if option not in options:
        return None
    value = options[option]
    match = _VALIDITY.fullmatch(value)
    try:
        day = datetime.date(*map(int, match.groups()[:3])) if match else None
    except ValueError:
        day = None
    if day is None:
        raise RegisterError(f"{option}={value!r} is not a date as OpenSSH writes it "
                            "(YYYYMMDD, e.g. 20070101)", lineno)
    # a time of day other than midnight: the day itself is partly valid, and counts
    partial = bool(match and match.group(4) and int(match.group(4)) != 0)
    return day + datetime.timedelta(days=1) if partial and option == "valid-before" else day


def reason_of(exc: BaseException, otherwise: str) -> str:
    """What an exception of a parser says, short and with its control characters inert (it
    may quote the file it read), or ``otherwise`` when it says nothing."""
    text = str(exc)
    if not text.strip():
        return otherwise
    shown = text.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= 120 else shown[:117] + "..."


def _signer(line: str, lineno: int) -> Signer:
    # sshsig (on cryptography, 8 MB of memory) is imported when a key or signature is read
    import sshsig
    from sshsig.allowed_signers import AllowedSigner

    try:
        parsed = AllowedSigner.parse(line)
        key = sshsig.PublicKey.from_openssh_str(f"{parsed.key_type} {parsed.base64_key}")
    except (ValueError, NotImplementedError, IndexError) as exc:
        raise RegisterError("not an allowed_signers line (NAMES OPTIONS KEYTYPE KEY, options "
                            "separated by commas without spaces): "
                            f"{reason_of(exc, 'the public key cannot be read')}", lineno) from None
    options = parsed.options or {}
    if "cert-authority" in options:
        raise RegisterError("cert-authority lines are not supported: name each key", lineno)
    names = tuple(n.strip() for n in parsed.principals.split(","))
    if not all(meta.person_key(n) for n in names) or any(c in parsed.principals for c in "*?!"):
        raise RegisterError(f"names {parsed.principals!r}: each signer is a person's name "
                            "(no patterns, no empty name)", lineno)
    roles = None
    if "namespaces" in options:
        spaces = {n.strip() for n in options["namespaces"].split(",")}
        unknown = spaces - {namespace(r) for r in ROLES}
        if unknown:
            raise RegisterError(f"namespace {sorted(unknown)[0]!r} is not one of "
                                f"{', '.join(namespace(r) for r in ROLES)}", lineno)
        roles = frozenset(r for r in ROLES if namespace(r) in spaces)
    return Signer(names, key.sha256_str(), roles, _day(options, "valid-after", lineno),
                  _day(options, "valid-before", lineno), lineno)


def read_register(path: str) -> Register:
    """The register at ``path``; RegisterError naming the line that cannot be read."""
    try:
        text = read_regular(path, MAX_FILE, follow=False).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RegisterError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if text.startswith("\ufeff"):  # an editor's byte-order mark: OpenSSH would not read it
        raise RegisterError("starts with a byte-order mark (U+FEFF): save it as UTF-8 without "
                            "one, as OpenSSH reads it", 1)
    signers = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            signers.append(_signer(stripped, lineno))
    return Register(path, tuple(signers))


def sealed_lines(register: Register | None, through: datetime.date) -> list[tuple[str, str]]:
    """What of the register bears on the days up to ``through``: each key's names, roles and
    validity clipped to the period (a revocation dated after it changes nothing there)."""
    lines, seen = [], Counter()  # a key's n-th line: a line added above it moves nothing
    for signer in register.signers if register is not None else ():
        if signer.after is not None and signer.after > through:
            continue  # a key that starts after the period: not counted either
        seen[signer.fingerprint] += 1
        before = signer.before if signer.before is not None and signer.before <= through else None
        lines.append((f"signer {signer.fingerprint} #{seen[signer.fingerprint]}",
                      f"names={','.join(sorted(map(meta.person_key, signer.names)))} "
                      f"roles={','.join(sorted(signer.roles or ROLES))} "
                      f"after={signer.after or ''} before={before or ''}"))
    return sorted(lines)


# --- who signed, for what, on which day ----------------------------------------------------------

class SignatureError(ValueError):
    """Why a signature does not count, said of it ("it is empty")."""


@dataclass(frozen=True)
class Signed:
    """Who signed, as the register says, and the day the key was valid on."""

    names: tuple[str, ...]
    fingerprint: str
    day: datetime.date
    lineno: int  # the register's line

    @property
    def who(self) -> str:
        return f"{', '.join(self.names)} (key {self.fingerprint}, register line {self.lineno})"


def signer_for(register: Register | None, fingerprint: str, role: str, day: datetime.date,
               day_name: str) -> Signed:
    """The person ``register`` gives the key ``fingerprint`` to in ``role`` on ``day`` (what
    that day is: ``day_name``); SignatureError saying why nobody."""
    if register is None:
        raise SignatureError("the rules folder has no register of signers (allowed_signers)")
    lines = register.of_key(fingerprint)
    if not lines:
        raise SignatureError(f"key {fingerprint}, which {shown(register.path)} gives to nobody")
    whose = f"{', '.join(register.names_of(fingerprint))}'s key {fingerprint}"
    allowed = [line for line in lines if line.may(role)]
    if not allowed:
        raise SignatureError(f"{whose} may not sign for {role} (register line "
                             f"{lines[0].lineno}: its namespaces leave out {namespace(role)})")
    valid = [line for line in allowed if line.valid_on(day)]
    if not valid:
        raise SignatureError(f"{whose} is not valid on {day}, {day_name} "
                             f"({allowed[0].validity()}, register line {allowed[0].lineno})")
    return Signed(valid[0].names, fingerprint, day, valid[0].lineno)


def signed_with(message: bytes, armored: bytes, role: str, what: str) -> str:
    """The fingerprint of the key that signed ``message`` (``what`` it is) with ``armored``
    in the namespace of ``role``; SignatureError saying exactly why it is no such signature."""
    import sshsig
    from sshsig.sshsig import SshsigSignature

    if not armored.strip():
        raise SignatureError("it is empty")
    try:
        outer = SshsigSignature.from_armored(armored)
    except (ValueError, IndexError) as exc:
        raise SignatureError(f"it is not an SSH signature ({reason_of(exc, 'unreadable')})"
                             ) from None
    if outer.namespace != namespace(role).encode():
        raise SignatureError(f"it was made in the namespace "
                             f"{outer.namespace.decode('ascii', 'replace')}, not {namespace(role)}")
    try:
        return sshsig.check_signature(message, armored, namespace(role)).sha256_str()
    except (sshsig.InvalidSignature, NotImplementedError, ValueError):
        raise SignatureError(f"it does not match {what}: it was made over other bytes "
                             f"(another {what}, or this one before it was edited)") from None


# --- signed texts and signature files ---------------------------------------------------------

def fields(entry: data.Transaction, claims: Iterable[str]) -> list[tuple[str, str]]:
    """The canonical form of ``entry`` without the metadata ``claims`` (the names the
    signatures back)."""
    from aipo_budget.core.seals.canonical import canonical  # the seals' package reads the facts

    left_out = {f"metadata {key}" for key in claims}
    return [(name, value) for name, value in canonical(entry) if name not in left_out]


def body(pairs: Sequence[tuple[str, str]]) -> str:
    return "".join(f"{name}: {json.dumps(value, ensure_ascii=False)}\n" for name, value in pairs)


def signed_text(role: str, pairs: Sequence[tuple[str, str]]) -> bytes:
    return f"{HEADER}\nrole: {role}\n{body(pairs)}".encode()


def text_key(pairs: Sequence[tuple[str, str]]) -> str:
    return hashlib.sha256(body(pairs).encode()).hexdigest()


@dataclass(frozen=True)
class Signature:
    """A signature file, read and verified (``problem`` says why it does not verify)."""

    path: str
    role: str
    pairs: tuple[tuple[str, str], ...]
    fingerprint: str | None = None
    problem: str | None = None

    @functools.cached_property  # read for every claim no signature backs (Signatures._changed)
    def key(self) -> str:
        return text_key(self.pairs)


def parse_signature(path: str, raw: bytes) -> Signature:
    """A signature file's text, verified by ``sshsig`` in the namespace of its role."""
    import sshsig

    text = raw.decode("utf-8", "replace")
    message, armor, rest = text.partition(ARMOR)
    lines = message.split("\n")
    role = lines[1].removeprefix("role: ") if len(lines) > 2 and lines[0] == HEADER else ""
    if not armor or role not in ROLES:
        return Signature(path, role, (), problem="is not an aipo-budget signature file")
    pairs = []
    for line in lines[2:]:
        name, sep, value = line.partition(": ")
        try:
            pairs.append((name, json.loads(value))) if sep else None
        except ValueError:
            return Signature(path, role, (), problem=f"has an unreadable line {line[:40]!r}")
    try:
        key = sshsig.check_signature(message.encode(), armor + rest, namespace(role))
    except (sshsig.InvalidSignature, NotImplementedError, ValueError) as exc:
        why = str(exc) or "the signature is not one of this text"
        return Signature(path, role, tuple(pairs), problem=f"does not verify ({why})")
    return Signature(path, role, tuple(pairs), key.sha256_str())


def signature_files(folder: str | None, regular: bool = False) -> list[str]:
    """The ``*.sig`` files of the approvals folder (a cache of results lists them too); with
    ``regular``, only those that may count: regular files, not links (an audit pack's)."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith(SUFFIX)) if folder else []
    except OSError:
        names = []
    paths = [os.path.join(folder, name) for name in names]
    return [p for p in paths if _regular(p)] if regular else paths


def _regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def read_signatures(folder: str | None) -> list[Signature]:
    """Every ``*.sig`` file of the approvals folder, read and verified."""
    found = []
    for path in signature_files(folder):
        try:
            found.append(parse_signature(path, read_regular(path, MAX_FILE, follow=False)))
        except OSError as exc:
            found.append(Signature(path, "", (), problem=f"cannot be read ({exc.strerror or exc})"))
    return found


# --- what a transaction's names are worth --------------------------------------------------------

@dataclass(frozen=True)
class Claim:
    """A name in metadata, in a role, and the signature that backs it (``problem``: why no
    signature does)."""

    name: str
    role: str
    signature: Signature | None = None
    problem: str | None = None

    @property
    def counts(self) -> bool:
        return self.problem is None


@dataclass
class Signatures:
    """The approvals folder of a ledger (one of its facts), read once, when a check asks."""

    folder: str | None
    claims_keys: tuple[str, ...] = (meta.PREPARED_BY, meta.APPROVED_BY)
    outflows: Sequence[data.Transaction] = ()  # the ledger's, once the facts are built
    _cache: dict[int, tuple[list[tuple[str, str]], str]] = field(default_factory=dict)
    # the claims of an outflow under a register: asked by two checks, pending and the page
    _claims: dict[tuple[int, int], list[Claim]] = field(default_factory=dict)

    @functools.cached_property
    def _first(self) -> dict[str, data.Transaction]:
        """The first outflow of each text as the outflows are: a signature over one of them
        is that payment's, never an earlier text of another, nor an identical payment made
        after it."""
        first: dict[str, data.Transaction] = {}
        for entry in self.outflows:
            first.setdefault(self.text_of(entry)[1], entry)
        return first

    @functools.cached_property
    def all(self) -> list[Signature]:
        return read_signatures(self.folder)

    @functools.cached_property
    def _by_text(self) -> dict[str, list[Signature]]:
        index: dict[str, list[Signature]] = {}
        for signature in self.all:
            index.setdefault(signature.key, []).append(signature)
        return index

    def text_of(self, entry: data.Transaction) -> tuple[list[tuple[str, str]], str]:
        found = self._cache.get(id(entry))
        if found is None:
            pairs = fields(entry, self.claims_keys)
            found = self._cache[id(entry)] = (pairs, text_key(pairs))
        return found

    def claims(self, outflow: Outflow, register: Register | None) -> list[Claim]:
        """Each name of ``outflow`` (preparer first), and whether a signature that
        ``register`` gives to that name backs it."""
        known = self._claims.get((id(outflow.entry), id(register)))
        if known is not None:
            return known
        pairs, key = self.text_of(outflow.entry)
        signed = self._by_text.get(key, [])
        named = ([(outflow.prepared_by, "prepare")] if outflow.prepared_by else []) + [
            (name, "approve") for name in outflow.approvers]
        first = self._first.get(key, outflow.entry)
        if signed and first is not outflow.entry:  # an identical payment, made before
            where = f"{os.path.basename(str(first.meta['filename']))}:{first.meta['lineno']}"
            claims = [Claim(name, role, None, f"{name}'s {_ROLE_NOUN[role]} is signed for an "
                            f"identical payment ({where}): a signature backs one payment")
                      for name, role in named]
        else:
            claims = _one_key_one_person([self._claim(register, name, role, signed, outflow,
                                                      pairs) for name, role in named])
        self._claims[(id(outflow.entry), id(register))] = claims
        return claims

    def _claim(self, register: Register | None, name: str, role: str, signed: list[Signature],
               outflow: Outflow, pairs: list[tuple[str, str]]) -> Claim:
        signers = [(s, r) for s in signed if s.problem is None
                   for r in (register.of_key(s.fingerprint) if register else ())]
        for signature, signer in signers:
            if (signature.role == role and signer.named(name) and signer.may(role)
                    and signer.valid_on(outflow.date)):
                return Claim(name, role, signature)
        signature, problem = (_why_not(name, role, signed, signers, outflow.date)
                              or self._changed(register, name, role, pairs)
                              or self._unreadable(outflow, role)
                              or (None, f"{name}'s {_ROLE_NOUN[role]} is not signed"))
        return Claim(name, role, signature, problem)

    def _unreadable(self, outflow: Outflow, role: str) -> tuple[Signature, str] | None:
        """A signature file named for this text and role (as ``approve`` names it) that cannot
        be read or verified (a link, a FIFO, line endings changed by a checkout...): said, as
        the reason the name is not backed."""
        prefix = f"{outflow.date}-{self.text_of(outflow.entry)[1][:12]}-{role}-"
        return next(((s, f"{os.path.basename(s.path)} {s.problem}") for s in self.all
                     if s.problem is not None and os.path.basename(s.path).startswith(prefix)),
                    None)

    def _changed(self, register: Register | None, name: str, role: str,
                 pairs: list[tuple[str, str]]) -> tuple[Signature, str] | None:
        """The signature by ``name`` in ``role`` over an earlier text of this transaction (the
        one that shares the most fields with it), and what changed since."""
        current = dict(pairs)
        best, best_equal = None, 0
        for signature in self.all:
            if signature.problem is not None or signature.role != role \
                    or signature.key in self._first or not any(
                    s.named(name) for s in (register.of_key(signature.fingerprint)
                                            if register else ())):
                continue
            old = dict(signature.pairs)
            anchored = any(old.get(f) == current.get(f) for f in ("date", "payee", "narration"))
            equal = sum(old.get(f) == v for f, v in current.items())
            if anchored and equal * 2 >= len(current) and equal > best_equal:
                best, best_equal = signature, equal
        if best is None:
            return None
        from aipo_budget.core.seals.canonical import describe

        old = dict(best.pairs)
        changed = [f for f in dict.fromkeys([*current, *old])
                   if old.get(f) != current.get(f) and f != "postings"]
        shown = "; ".join(f"{describe([f])} {_changes(f, old.get(f), current.get(f))}"
                          for f in changed[:3])
        return best, (f"{describe(changed) or 'the text'} changed since {name} "
                      f"{_ROLE_VERB[role]}: {shown}")


_ROLE_NOUN = {"prepare": "preparation", "approve": "approval", "audit": "sign-off"}
_ROLE_VERB = {"prepare": "prepared it", "approve": "approved", "audit": "signed off"}


def _why_not(name: str, role: str, signed: list[Signature], signers: list[tuple[Signature, Any]],
             day: datetime.date) -> tuple[Signature, str] | None:
    """Why the signatures over this very text do not back ``name`` in ``role``, the most
    telling reason first; None when no signature over it names that person."""
    own = [(s, r) for s, r in signers if r.named(name)]
    for signature, signer in own:
        if signature.role == role and signer.may(role):
            return signature, (f"{name}'s key {signer.fingerprint} is not valid on {day} "
                               f"({signer.validity()}, register line {signer.lineno})")
    for signature, signer in own:
        if signature.role == role:
            return signature, (f"the register does not let {name}'s key sign to {role} "
                               f"(line {signer.lineno})")
    for signature, _signer in own:
        return signature, (f"{name} signed to {signature.role}, not to {role} "
                           f"({os.path.basename(signature.path)})")
    for signature in signed:
        if signature.role != role:
            continue
        if signature.problem is not None:
            return signature, f"{os.path.basename(signature.path)} {signature.problem}"
        if not any(s is signature for s, _r in signers):  # no register line has its key
            return signature, (f"the {_ROLE_NOUN[role]} signature "
                               f"{os.path.basename(signature.path)} is by key "
                               f"{signature.fingerprint}, which the register gives to nobody")
    return None


def _one_key_one_person(claims: list[Claim]) -> list[Claim]:
    """A key counts for one person: the second name it backs does not count."""
    seen: dict[str, str] = {}
    result = []
    for claim in claims:
        key = claim.signature.fingerprint if claim.counts and claim.signature else None
        first = seen.get(key) if key else None
        if key and first is not None and meta.person_key(first) != meta.person_key(claim.name):
            claim = Claim(claim.name, claim.role, claim.signature,
                          f"{claim.name}'s {_ROLE_NOUN[claim.role]} is signed with the key of "
                          f"{first} ({key}): one key signs for one person")
        elif key:
            seen.setdefault(key, claim.name)
        result.append(claim)
    return result


def _item(name: str, item: str) -> str:
    """One value of a field's typed text as a reader says it: money, a bare string, a set."""
    if name == "amount" and item.startswith("a:"):
        number, _, currency = item[2:].partition(" ")
        with contextlib.suppress(InvalidOperation):
            return money(Decimal(number), currency)
    from aipo_budget.core.seals.canonical import untyped

    return untyped(item).strip("{}[]") or "(none)"


def _changes(name: str, old: str | None, new: str | None) -> str:
    """``old -> new`` of a field; of a field of several values (the postings' accounts,
    amounts), only the values that differ, so that what changed shows."""
    before, after = (old or "").split("|"), (new or "").split("|")
    if len(before) > 1 or len(after) > 1:
        gone = [i for i in before if i not in after] or ["(none)"]
        came = [i for i in after if i not in before] or ["(none)"]
        before, after = gone, came
        if name == "amount":  # a payment's two sides mirror each other: its positive side
            positive = [[i for i in side if i.startswith("a:") and not i.startswith("a:-")]
                        for side in (before, after)]
            if all(positive):
                before, after = positive
    shown = [", ".join(_item(name, i) if i else "(none)" for i in side) for side in (before, after)]
    return " -> ".join(text if len(text) <= 120 else text[:117] + "..." for text in shown)

"""The ``approve`` command: sign a surplus outflow as its approver (or preparer) with one's own
OpenSSH key, into a file of its own under ``ledger/approvals/`` (never the ledger's text).

What is signed is the transaction's canonical form without the names in ``prepared-by`` and
``approved-by`` (:mod:`aipo_budget.core.signatures`): moving or reformatting the entry changes
nothing; changing its date, payee, amounts or accounts makes the signature one over another
text, which ``check`` reports naming the fields. Exit status 0 signed, 2 bad input (a location
that is not a surplus outflow, a key that cannot sign).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import sys

import click

from aipo_budget.cli.explain import ledger_file, parse_location
from aipo_budget.cli.options import ledger_option, non_empty_path, quiet_option, rules_option
from aipo_budget.cli.session import InputError, Loaded, run_audit, unreadable
from aipo_budget.cli import signing
from aipo_budget.core import signatures
from aipo_budget.core.engine import audit
from aipo_budget.core.findings import money
from aipo_budget.core.ledger import LedgerInputError
from aipo_budget.core.paths import shown
from aipo_budget.outputs.explain import LocationError
from aipo_budget.outputs.explain.locate import find_transaction
from aipo_budget.outputs.pack.files import write_atomic
from aipo_budget.outputs.pending import proposals as proposing
from aipo_budget.outputs.pending.judge import loaded_with


def _owner(register: signatures.Register | None, fingerprint: str | None, role: str,
           day: datetime.date) -> str:
    """Whose key signs; InputError when the register says its signature would not count
    (nobody's key, a key not valid on the day or not for this role): nothing is written."""
    if fingerprint is None:
        return "(read from the signature)"
    names = register.names_of(fingerprint) if register is not None else []
    if not names:
        problem = f"the key {fingerprint} is nobody's in the register"
    else:
        _signed, problem = signing.signer(register, fingerprint, role, day,
                                          "the transaction's date")
    if problem is not None:
        raise InputError(f"the signature would not count: {problem}; nothing was written")
    return f"{', '.join(names)} ({fingerprint})"


def _with_proposals(loaded: Loaded, name: str) -> tuple[Loaded, str]:
    """The ledger audited with the proposals in the file ``name`` added, as ``check --pending``
    loads them: a payment is signed before it is made, and the signature counts once the
    entry is appended (what is signed does not depend on the file that holds it)."""
    try:
        given, text = proposing.read(name)
        found = proposing.parse(given, os.path.abspath(name), text)
        entries, errors, _proposals, options = loaded_with(loaded.ledger, found)
    except (proposing.ProposalError, LedgerInputError) as exc:
        raise unreadable(exc) from None
    result = audit(entries, loaded.result.ruleset, loaded.as_of, errors, options=options)
    return dataclasses.replace(loaded, result=result, entries=entries, options=options), \
        str(found.path)


@click.command("approve")
@click.argument("location", callback=parse_location, metavar="FILE:LINE")
@click.option("--key", "-k", "key", required=True, metavar="KEY",
              callback=lambda _ctx, _param, value: non_empty_path(value, "--key"),
              help="Your OpenSSH private key file, or the public key of a key in ssh-agent.")
@click.option("--role", type=click.Choice(["approve", "prepare"]), default="approve",
              show_default=True, help="Sign as an approver, or as the preparer.")
@ledger_option
@click.option("--yes", "-y", is_flag=True, help="Sign without asking (asked only on a terminal).")
@rules_option
@quiet_option
def command(location: tuple[str, int], key: str, role: str, ledger: str, yes: bool,
            rules: str | None) -> None:
    """Sign the surplus outflow at FILE:LINE as its approver (or --role prepare) with your
    OpenSSH key. Shows what is signed first; the signature goes to ledger/approvals/."""
    loaded = run_audit(ledger, rules, None)
    name, lineno = location
    try:
        filename = ledger_file(loaded, name)
    except InputError:
        if not os.path.isfile(name):
            raise
        loaded, filename = _with_proposals(loaded, name)
    try:
        txn = find_transaction(loaded.entries, filename, lineno)
    except LocationError as exc:
        raise InputError(f"{shown(filename)}: {exc}") from None
    facts = loaded.result.facts
    outflow = next((o for o in facts.outflows if o.entry is txn), None)
    where = f"{shown(filename)}:{txn.meta.get('lineno')}"
    if outflow is None or facts.signatures is None or facts.signatures.folder is None:
        raise InputError(f"{where}: not a surplus outflow: only a payment out of the Surplus "
                         "Fund is approved by signature")
    folder = facts.signatures.folder
    # a link could point the signature into a folder the tool reads (rules, documents)
    what = ("a symbolic link" if os.path.islink(folder) else
            "not a folder" if os.path.lexists(folder) and not os.path.isdir(folder) else None)
    if what is not None:
        raise InputError(f"{shown(folder)}: {what}, where the signatures go: nothing was "
                         "written")
    register = loaded.result.ruleset.register
    fingerprint = None  # none to read: the signature then says whose key it is
    with contextlib.suppress(InputError):
        fingerprint = signing.key_fingerprint(key)
    signer = "approver" if role == "approve" else "preparer"
    click.echo("\n".join([
        f"Signing as {signer}: {where}",
        f"  date      {txn.date}", f"  payee     {txn.payee or '(none)'}",
        f"  narration {txn.narration or '(none)'}",
        f"  amount    {money(outflow.usd, facts.conventions.currency)}",
        *(f"  account   {p.account}  {p.units}" for p in txn.postings),
        f"  signer    {_owner(register, fingerprint, role, txn.date)}"]), err=True)
    if not yes and sys.stdin.isatty() and not click.confirm("Sign?", err=True):
        raise click.Abort
    pairs = signatures.fields(txn, facts.signatures.claims_keys)
    message = signatures.signed_text(role, pairs)
    armored = signing.sign(message, key, role)
    made = signatures.parse_signature("", message + armored.encode())
    if made.fingerprint is None:  # a key type sshsig cannot verify (ECDSA): it would never count
        raise InputError(f"{key}: the signature ssh-keygen made {made.problem}: sign with an "
                         "Ed25519 or RSA key; nothing was written")
    owner = _owner(register, made.fingerprint, role, txn.date)  # a key ssh-agent chose
    slug = (made.fingerprint or "unknown").removeprefix("SHA256:")
    slug = slug.replace("/", "_").replace("+", "-")[:12]
    path = os.path.join(facts.signatures.folder, f"{txn.date}-{signatures.text_key(pairs)[:12]}"
                                                 f"-{role}-{slug}{signatures.SUFFIX}")
    try:
        write_atomic(path, message + armored.encode())
    except OSError as exc:
        raise InputError(f"{shown(path)}: cannot write the signature: "
                         f"{exc.strerror or exc}") from None
    click.echo(f"Signed {where} as {signer}: {shown(path)}, by "  # on stderr: written by now
               f"{owner}. Commit it with the ledger.",
               err=True)

"""``aipo-budget sign PACK --key KEY``: the auditor's sign-off, an SSH signature of the pack's
``manifest.json`` in the audit namespace, written beside it as ``manifest.json.sig``
(docs/pack.md). What is signed, and whom the register of signers gives the key to for audit
(or why it does not, and so why ``check --against`` would refuse the signature), is said before
OpenSSH is asked; the signature is checked before it is written, whole or not at all, never
over a file already there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from aipo_budget.cli import signing
from aipo_budget.cli.against import read_pack
from aipo_budget.cli.options import default_ledger, rules_option
from aipo_budget.cli.session import InputError, read_rules, rules_folder_for
from aipo_budget.core.paths import read_regular
from aipo_budget.outputs.pack.files import write_atomic
from aipo_budget.outputs.pack.signature import (
    DAY, ROLE, SignatureError, pack_day, signing_key,
)

if TYPE_CHECKING:
    from aipo_budget.core.signatures import Register


@dataclass(frozen=True)
class Owner:
    """Whose key signs, as the register of signers says it, before anything is signed."""

    who: str  # "Nguyen Thi Lan (key SHA256:..., register line 3)", or "key SHA256:..."
    problem: str | None  # why check --against would refuse the signature; None: it counts

    def announce(self, what: str) -> None:
        click.echo(f"signing {what}, as {self.who}, for audit", err=True)
        if self.problem is not None:
            click.echo("aipo-budget: check --against will refuse this signature until the "
                       f"register of signers backs it: {self.problem}", err=True)


def owner(key: str, register: Register | None, generated: str) -> Owner:
    """Who ``key`` is for audit on the day of a pack made at ``generated``."""
    fingerprint = signing.key_fingerprint(key)
    try:
        day = pack_day(generated)
    except SignatureError as exc:
        return Owner(f"key {fingerprint}", str(exc))
    signed, problem = signing.signer(register, fingerprint, ROLE, day, DAY)
    return Owner(f"key {fingerprint}" if signed is None else signed.who, problem)


def signature_of(manifest: bytes, key: str) -> str:
    """``manifest`` signed with ``key`` by OpenSSH (which refuses a KEY.pub of another key),
    checked to be a signature of it in the audit namespace before anything is written."""
    armored = signing.sign(manifest, key, ROLE)
    try:
        signing_key(manifest, armored.encode("ascii"))
    except SignatureError as exc:
        raise InputError(f"{key}: the signature OpenSSH made is not one: {exc}") from None
    return armored


@click.command("sign")
@click.argument("pack", type=click.Path(readable=False))
@click.option("--key", "-k", "key", required=True, type=click.Path(readable=False),
              help="Your SSH key: the private key file, or the public key of a key held by "
                   "ssh-agent (its .pub file names it either way).")
@rules_option
def command(pack: str, key: str, rules: str | None) -> None:
    """Sign the audit pack PACK (its folder, or its manifest.json) as its auditor.

    Writes PACK/manifest.json.sig: an SSH signature of manifest.json in the namespace
    aipo-budget-audit. `check --against PACK` verifies it against the register of signers
    (RULES/allowed_signers: your key, for audit, on the pack's day); so does
    `ssh-keygen -Y verify`."""
    issued = read_pack(pack)  # an intact manifest, whose ledger digest is its inputs'
    target = issued.signature_path
    if os.path.lexists(target):
        raise InputError(f"{target}: the pack is signed already, or something is in the "
                         "signature's place (remove it to sign again)")
    ledger = default_ledger()  # the register of signers is in its rules folder
    register = read_rules(rules_folder_for(ledger, rules), ledger).register
    signer = owner(key, register, issued.generated)
    signer.announce(f"{issued.manifest}: the audit pack of {issued.generated} (ledger digest "
                    f"{issued.ledger_digest})")
    armored = signature_of(issued.raw, key)
    if read_regular(issued.manifest) != issued.raw:
        raise InputError(f"{issued.manifest}: changed while it was signed; nothing was written")
    try:
        write_atomic(target, armored.encode("ascii"), replace=False)
    except OSError as exc:
        raise InputError(f"{target}: cannot be written ({exc.strerror or exc}); nothing was "
                         "written") from None
    click.echo(f"signed: {target}", err=True)

"""Signing with the user's own OpenSSH: ``ssh-keygen -Y sign`` (a key held by ssh-agent works:
give its public key file). aipo-budget never reads a private key itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from aipo_budget.cli.session import InputError
from aipo_budget.core import signatures
from aipo_budget.core.paths import read_regular

if TYPE_CHECKING:
    import datetime

INSTALL = ("ssh-keygen (OpenSSH 8.2 or later) is needed to sign: install the OpenSSH client "
           "(Debian/Ubuntu: apt install openssh-client; macOS has it)")


def public_key(key: str) -> str:
    """The public key file of ``key``: itself (a key held by ssh-agent), else ``KEY.pub``
    beside it, as ssh-keygen writes it and reads it when signing."""
    return key if key.endswith(".pub") else f"{key}.pub"


def sign(message: bytes, key: str, role: str) -> str:
    """The armored SSH signature of ``message`` by ``key`` in the namespace of ``role``;
    InputError saying why when OpenSSH cannot make it."""
    program = shutil.which("ssh-keygen")
    if program is None:
        raise InputError(INSTALL)
    if not os.path.isfile(key):
        raise InputError(f"{key}: {'not a regular file' if os.path.exists(key) else 'no such'}"
                         " key file (give the private key, or the public key of a key held by "
                         "ssh-agent)")
    public = public_key(key)
    if os.path.lexists(public) and not os.path.isfile(public):  # ssh-keygen would wait on a FIFO
        raise InputError(f"{key}: its public key {public} is not a regular file")
    try:
        done = subprocess.run([program, "-Y", "sign", "-q", "-f", key, "-n",
                               signatures.namespace(role)], input=message,
                              capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"ssh-keygen could not sign with {key}: {exc}") from None
    text = done.stdout.decode("ascii", "replace")
    if done.returncode != 0 or signatures.ARMOR not in text:
        why = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise InputError(f"ssh-keygen could not sign with {key}: {why}")
    return text


def key_fingerprint(key: str) -> str:
    """The fingerprint of ``key``'s public key (:func:`public_key`). A private key is never
    read here."""
    import sshsig  # imported when a key is read, as in core.signatures

    public = public_key(key)
    try:
        fields = read_regular(public).decode("ascii").split()
        return sshsig.PublicKey.from_openssh_str(" ".join(fields[:2])).sha256_str()
    except (OSError, ValueError, NotImplementedError) as exc:
        why = signatures.reason_of(exc, "not an OpenSSH public key")
        raise InputError(f"{key}: its public key {public} cannot be read ({why}): give the "
                         "public key of a key held by ssh-agent, or keep KEY.pub beside KEY"
                         ) from None


def signer(register: signatures.Register | None, fingerprint: str, role: str,
           day: datetime.date, day_name: str) -> tuple[signatures.Signed | None, str | None]:
    """Whose key ``fingerprint`` is, for ``role`` on ``day`` (what that day is: ``day_name``),
    as ``register`` says it before anything is signed: (the signer, None), or (None, why a
    signature by it will not count). Each command says it in its own words."""
    try:
        return signatures.signer_for(register, fingerprint, role, day, day_name), None
    except signatures.SignatureError as exc:
        return None, str(exc)

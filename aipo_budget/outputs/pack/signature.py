"""The audit pack's signature (docs/pack.md): ``manifest.json.sig`` beside the manifest, an SSH
signature over the manifest's bytes in the audit namespace, by a key that the register of
signers (``rules/allowed_signers``) gives to someone for audit on the pack's day.

An SSH signature records no time, so the day a key must be valid on is the pack's own: the
date of ``generated`` in the manifest, which the signature covers (as Git checks a commit's
signature on the commit's date). The manifest lists every file of the pack with its SHA-256, so
the signature covers them all; it cannot list the signature itself, which comes after it.
"""

from __future__ import annotations

import datetime
import os
import stat
from typing import TYPE_CHECKING

from aipo_budget.core.signatures import SignatureError, Signed, signed_with, signer_for
from aipo_budget.outputs.pack import files

if TYPE_CHECKING:
    from aipo_budget.core.signatures import Register

SIGNATURE = "manifest.json.sig"
ROLE = "audit"
DAY = "the pack's day"  # the day a key must be valid on, as messages name it
MAX_BYTES = 16 * 1024  # an SSH signature is a few hundred bytes


def pack_day(generated: str) -> datetime.date:
    """The day of a pack made at ``generated`` (its manifest's ISO time)."""
    try:
        return datetime.datetime.fromisoformat(generated).date()
    except (TypeError, ValueError):
        raise SignatureError(f"the pack's date {generated!r} cannot be read") from None


def auditor(register: Register | None, fingerprint: str, day: datetime.date) -> Signed:
    """The person ``register`` gives the key ``fingerprint`` to for audit on ``day``, the
    pack's day."""
    return signer_for(register, fingerprint, ROLE, day, DAY)


def signing_key(manifest: bytes, armored: bytes) -> str:
    """The fingerprint of the key that signed ``manifest`` in the audit namespace."""
    return signed_with(manifest, armored, ROLE, "manifest.json")


def read_signature(path: str) -> bytes:
    """The bytes of the signature file ``path``: a regular file of at most MAX_BYTES, never a
    link, a FIFO or a device (SignatureError), read without blocking."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise SignatureError("it is not a regular file (a link, folder or FIFO is never read)")
    if info.st_size > MAX_BYTES:
        raise SignatureError(f"it is {info.st_size} bytes: an SSH signature is a few hundred")
    with os.fdopen(files._open_checked(path, info), "rb") as handle:
        return handle.read(MAX_BYTES + 1)

"""SHA-256 of a file's bytes: the one place that reads a file to digest it. Callers open the
file themselves, each with its own guard, and hand over the open descriptor."""

from __future__ import annotations

import hashlib
import os

BLOCK = 1 << 20  # bytes read at a time: a large evidence file is never held whole in memory


def file_sha256(fd: int) -> str:
    """The SHA-256 (hex) of what is left to read from the open descriptor ``fd``; OSError when
    a read fails."""
    digest = hashlib.sha256()
    for block in iter(lambda: os.read(fd, BLOCK), b""):
        digest.update(block)
    return digest.hexdigest()

"""SHA-256 of a file's bytes: the one place that reads a file to digest it.

Callers open the file themselves, each with its own guard (the cache records what it saw, the
audit pack insists on the very file it checked), and hand over the open descriptor.
"""

from __future__ import annotations

import hashlib
import os

BLOCK = 1 << 20  # bytes read at a time: a large evidence file is never held whole in memory


def file_sha256(fd: int) -> str:
    """The SHA-256 (hex) of what can be read from the open file descriptor ``fd``, from its
    current offset to the end; OSError when a read fails."""
    digest = hashlib.sha256()
    for block in iter(lambda: os.read(fd, BLOCK), b""):
        digest.update(block)
    return digest.hexdigest()

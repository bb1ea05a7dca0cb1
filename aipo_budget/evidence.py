"""Evidence files: ``document`` metadata resolved exactly as Fava's ``link_documents`` does."""

from __future__ import annotations

import os
from collections import defaultdict
from typing import TYPE_CHECKING

from beancount.core import data

if TYPE_CHECKING:
    from collections.abc import Iterable



class Evidence:
    """Resolves ``document`` metadata exactly as fava.plugins.link_documents does."""

    def __init__(self, entries: Iterable[data.Directive]) -> None:
        self.by_fullname: set[str] = set()
        self.by_basename: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for entry in entries:
            if isinstance(entry, data.Document):
                self.by_fullname.add(entry.filename)
                self.by_basename[os.path.basename(entry.filename)].append(
                    (entry.account, entry.filename)
                )

    def resolve(self, value: str, entry: data.Transaction) -> str | None:
        accounts = {posting.account for posting in entry.postings}
        for account, filename in self.by_basename.get(value, ()):
            if account in accounts and os.path.exists(filename):
                return filename
        here = os.path.dirname(str(entry.meta.get("filename", "")))
        candidate = os.path.normpath(os.path.join(here, value))
        if candidate in self.by_fullname and os.path.exists(candidate):
            return candidate
        return None

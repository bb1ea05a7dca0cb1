"""The audit the ledger's own ``plugin`` line ran, reused by the CLI and the Fava page.

Beancount runs the plugin inside the load; the plugin leaves its audit in the options map (the
one dict the loader returns besides entries and errors) under :data:`KEY`, the only channel
between the plugin and the other adapters. They take it instead of auditing again when it is
the audit they would make:

- it judges every entry (no ``--as-of`` cut-off), as of the same day;
- its rules are the same folder with the same content (a rules file may be edited between
  the plugin's read and the page's);
- its entries are the very ones the loader returned, in order: no plugin runs after ours (one
  could change an entry in place, unseen), and Beancount's own later steps left them alone
  (``pad`` adds entries; a failing ``balance`` is replaced by a copy no check reads).

Beancount's own errors (balances, validation) come after the plugin: the caller's are added as
findings exactly as :func:`~aipo_budget.core.engine.audit` adds them. The carrier never pickles
its audit: Beancount's pickle cache stores the options map and sees no change of the rules or
of our code, so an audit read back from it could be stale.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from typing import TYPE_CHECKING, Any

from beancount import loader
from beancount.core import data

from aipo_budget.core.engine import with_ledger_errors

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.rules import RuleSet

KEY = "aipo_budget.audit"  # no Beancount option is named with a dot
PLUGIN = "aipo_budget.plugin"


class PluginAudit:
    """The plugin's audit and the entries it judged (and returned to Beancount): the plugin
    leaves one in the options map under :data:`KEY`."""

    __slots__ = ("entries", "result")

    def __init__(self, result: Audit | None = None, entries: Sequence[data.Directive] = ()
                 ) -> None:
        self.result = result
        self.entries = tuple(entries)  # a snapshot: a later plugin may append to the list

    def __reduce__(self) -> tuple[type[PluginAudit], tuple[()]]:
        return PluginAudit, ()  # pickled (Beancount's cache, a deep copy): an empty carrier

    def __repr__(self) -> str:  # Fava's options page and bean-doctor show every option
        if self.result is None:
            return "<aipo-budget: no audit>"
        return (f"<aipo-budget audit of {len(self.entries)} entries as of "
                f"{self.result.facts.as_of}>")


def reused(options: dict[str, Any], entries: Sequence[data.Directive], ruleset: RuleSet,
          errors: Sequence[Any], as_of: datetime.date, until: datetime.date | None = None
          ) -> Audit | None:
    """The plugin's audit of this load if it is the one asked for (see above: as of the day
    ``as_of``, with no cut-off ``until``), with Beancount's ``errors`` as findings; else None.
    Either way it leaves ``options``: used once, its memory is not held for nothing."""
    carrier = options.pop(KEY, None)
    result = carrier.result if isinstance(carrier, PluginAudit) else None
    if (result is None or until is not None or result.facts.until is not None
            or result.facts.as_of != as_of
            or not _last_plugin(options) or not _same_entries(entries, carrier.entries)
            or _normalized(ruleset) != _normalized(result.ruleset)):
        return None
    # the caller's rules (equal in content) name the files as the caller does
    return with_ledger_errors(dataclasses.replace(result, ruleset=ruleset), errors)


def _last_plugin(options: dict[str, Any]) -> bool:
    """Ours is the last plugin declared, and no automatic plugin runs after it."""
    declared = options.get("plugin") or ()
    if not declared or getattr(loader, "PLUGINS_AUTO", ()):
        return False
    name = declared[-1][0]
    return getattr(loader, "RENAMED_MODULES", {}).get(name, name) == PLUGIN


def _same_entries(entries: Sequence[Any], judged: Sequence[Any]) -> bool:
    """The same objects in the same order, but for the failing balance assertions, which
    Beancount replaces by a copy with their ``diff_amount``."""
    return len(entries) == len(judged) and all(
        entry is old or (isinstance(entry, data.Balance) and isinstance(old, data.Balance)
                         and entry._replace(diff_amount=None) == old)
        for entry, old in zip(entries, judged))


def _normalized(ruleset: RuleSet) -> tuple[Any, ...]:
    """The rules folder and its rules, whatever the form of the path that named it (relative
    to the working folder, or absolute from the ledger's config)."""
    path = os.path.abspath
    return (path(ruleset.folder), tuple(map(path, ruleset.files)),
            tuple(dataclasses.replace(r, filename=path(r.filename)) for r in ruleset.rules),
            tuple(dataclasses.replace(i, filename=path(i.filename)) for i in ruleset.instruments))

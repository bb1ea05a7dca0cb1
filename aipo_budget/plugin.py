"""Beancount plugin: report Surplus Fund compliance errors with file and line.

Add to the top-level ledger file (Beancount ignores ``plugin`` lines in included files)::

    plugin "aipo_budget.plugin" "rules"

The config is the rules folder, relative to the ledger file's folder (default ``rules``). Every
finding of severity ``error``, the ledger judged as it stands today, becomes a ``FundRuleError``
at the offending transaction, which ``bean-check`` prints and Fava lists; warnings are left to
``aipo-budget check`` and the Fava page, so that a compliant ledger passes bean-check. It adds
Fava budgets of the project allocations (:mod:`aipo_budget.core.budgets`) and leaves its audit
in the options map for ``aipo-budget`` and the Fava page (:mod:`aipo_budget.core.reuse`).
"""

from __future__ import annotations

import datetime
from typing import Any

from beancount.core import data

from aipo_budget.core import reuse
from aipo_budget.core.budgets import budget_entries
from aipo_budget.core.conventions import conventions
from aipo_budget.core.engine import audit
from aipo_budget.core.errors import AuditError, FundRuleError, RulesConfigError
from aipo_budget.core.paths import rules_folder
from aipo_budget.core.rules import RulesError, load_rules

__plugins__ = ["check_surplus_fund"]


def check_surplus_fund(entries: list[data.Directive], options_map: dict[str, Any],
                       config: str | None = None) -> tuple[list[data.Directive], list[Any]]:
    """The plugin: its errors, and never an exception (Beancount would print a traceback)."""
    try:
        return _check(entries, options_map, config)
    except Exception as exc:  # noqa: BLE001 - one line on the Errors page, not a traceback
        source = {"filename": str(options_map.get("filename") or "<aipo-budget>"), "lineno": 0}
        text = " ".join(str(exc).split())
        message = (f"aipo-budget: the Surplus Fund audit failed ({type(exc).__name__}"
                   f"{': ' + text[:200] if text else ''}); this is a bug, please report it")
        return entries, [AuditError(source, message, None)]


def _check(entries: list[data.Directive], options_map: dict[str, Any], config: str | None
           ) -> tuple[list[data.Directive], list[Any]]:
    try:
        ruleset = load_rules(rules_folder(str(options_map.get("filename") or ""), config))
    except RulesError as exc:
        source = {"filename": exc.filename, "lineno": exc.lineno}
        return entries, [RulesConfigError(source, f"aipo-budget rules: {exc.message}", None)]
    # Fava's budgets: each project's allocation from its ceiling rule (aipo_budget.core.budgets)
    judged = sorted([*entries, *budget_entries(ruleset, entries, ledger=conventions(options_map))],
                    key=data.entry_sortkey)
    # the entries returned are those audited, so that the CLI and the Fava page, which get
    # them from the loader, may reuse the audit (aipo_budget.core.reuse)
    result = audit(judged, ruleset, datetime.date.today(), options=options_map)
    options_map[reuse.KEY] = reuse.PluginAudit(result, judged)
    return judged, [FundRuleError({"filename": f.filename, "lineno": f.lineno},
                                  f"{f.message} [{f.version_label}; {f.citation}]", f.entry)
                    for f in result.errors]

"""The rules of the Surplus Fund, read from the TOML files of a rules folder.

Every rule file describes one instrument (``[instrument]``) and the rules it lays down
(``[[rule]]``), each with one or more versions (``[[rule.version]]``) that carry an
``effective`` date and the parameters of that version (``Params`` in its kind's module of
:mod:`aipo_budget.core.checks`, read by :mod:`aipo_budget.core.params`). A transaction is judged
by the version in force on its date. Checks never read files: they receive a validated
:class:`RuleSet`. A rules file may also list waivers (``[[waiver]]``): authorised exceptions,
which :mod:`aipo_budget.core.waivers` applies after every check.

Every mistake in a rules folder is a :class:`RulesError` naming the file, the rule id (or
waiver reference) and the field, so that ``aipo-budget check`` can exit with status 2.
"""

from __future__ import annotations

from aipo_budget.core.params import SEVERITIES
from aipo_budget.core.rules.load import load_rules
from aipo_budget.core.rules.model import (KINDS, UNWAIVABLE, Instrument, Rule, RulesError,
                                          RuleSet, RuleVersion, Waiver)

__all__ = ["KINDS", "SEVERITIES", "UNWAIVABLE", "Instrument", "Rule", "RuleSet",
           "RuleVersion", "RulesError", "Waiver", "load_rules"]

"""The errors aipo-budget hands to Beancount (``bean-check``, Fava's Errors page): data, as
Beancount's are (``source``, ``message``, ``entry``); Fava shows the class name as the type.
Below every layer, so that the loader tells them from Beancount's without the plugin.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class AipoBudgetError(NamedTuple):
    """Every error of the plugin (the CLI and the Fava page drop them: they have the findings)."""

    source: dict[str, Any]
    message: str
    entry: Any


class FundRuleError(AipoBudgetError):
    """A finding of severity ``error``, at the offending transaction."""

    __slots__ = ()


class RulesConfigError(AipoBudgetError):
    """The rules folder cannot be used; the message names the file, rule and field."""

    __slots__ = ()


class AuditError(AipoBudgetError):
    """The audit failed: a bug, reported as one error rather than Beancount's traceback."""

    __slots__ = ()

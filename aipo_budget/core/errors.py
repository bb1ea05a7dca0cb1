"""The errors aipo-budget hands to Beancount (``bean-check``, Fava's Errors page).

Errors are data, as Beancount's are: ``source`` (the offending entry's ``meta``, with its
``filename`` and ``lineno``), ``message`` and ``entry``. Fava shows the class name as the
error's type. They live here, below every layer, so that the loader can tell them from
Beancount's own errors without importing the plugin.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class AipoBudgetError(NamedTuple):
    """Every error of the plugin. The CLI and the Fava page have the findings themselves:
    they drop these by this class."""

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

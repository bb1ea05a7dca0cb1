"""Why a transaction got its verdict: ``aipo-budget explain FILE:LINE`` and the Fava page.

For every rule of the rule set (and Beancount's own), the explanation says whether it applies
to the transaction and why not, the version that judges it, the facts the rule compared and the
verdict. Both come from the rule's own kind module (``explain`` in :mod:`aipo_budget.core.checks`),
from the very function its check judges with: the explanation renders what the check saw and
cannot contradict it. A cumulative rule (ceiling, co-funding, reserve, transfers of a year)
lists the entries that make up its total, so that an error on a later payment points back at
the entries that moved it. Everything is a :class:`~aipo_budget.outputs.table.Table`, rendered by any
format of :func:`aipo_budget.outputs.render.render`.

- :mod:`.locate`: the transaction a file and line name;
- :mod:`.subject`: what the transaction is for the facts, and the audit's findings on it;
- :mod:`.summary`, :mod:`.model` and :mod:`.build`: the tables, :func:`explain`.
"""

from __future__ import annotations

from aipo_budget.outputs.explain.build import explain
from aipo_budget.outputs.explain.locate import LocationError, find_transaction

__all__ = ["LocationError", "explain", "find_transaction"]

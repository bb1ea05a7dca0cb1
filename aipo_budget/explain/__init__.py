"""Why a transaction got its verdict: ``aipo-budget explain FILE:LINE`` and the Fava page.

For every rule of the rule set (and Beancount's own), the explanation says whether it applies
to the transaction and why not, the version that judges it (project terms from
:func:`aipo_budget.projects.terms`), the facts the rule saw, and the verdict: the audit's own
findings on the transaction, never judged again here. A cumulative rule (ceiling, co-funding,
reserve, transfers of a year) lists the entries that make up its total, so that an error on a
later payment points back at the entries that moved it. Everything is a
:class:`~aipo_budget.table.Table`, rendered by any format of :func:`aipo_budget.render.render`.

The package is split by concern:

- :mod:`.locate`: the transaction a file and line name;
- :mod:`.subject`: what the transaction is for the facts, and the audit's findings on it;
- :mod:`.outflow_rules`, :mod:`.project_rules`, :mod:`.fund_rules`: one function per rule kind;
- :mod:`.summary` and :mod:`.build`: the tables, :func:`explain`.
"""

from __future__ import annotations

from aipo_budget.explain.build import EXPLAINERS, explain
from aipo_budget.explain.locate import LocationError, find_transaction

__all__ = ["EXPLAINERS", "LocationError", "explain", "find_transaction"]

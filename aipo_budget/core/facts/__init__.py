"""One pass over the ledger's entries that builds the plain facts every check and table reads.

The facts are in the operating currency (``facts.conventions.currency``; see
:mod:`aipo_budget.core.convert`), and the roles of accounts are read from their names through the
ledger's conventions (:mod:`aipo_budget.core.conventions`). The pass is split by concern:

- :mod:`.roles`: roles of accounts, conversion, and the context the other parts share;
- :mod:`.movements`: what moves in and out of the Surplus Fund;
- :mod:`.accruals`: where project costs' money came from, through linked accruals;
- :mod:`.build`: the pass itself, :func:`build_facts`, with the operating surplus and the
  member contributions of each fiscal year.
"""

from __future__ import annotations

from aipo_budget.core.convert import ZERO, Converter
from aipo_budget.core.facts.build import build_facts
from aipo_budget.core.facts.model import (SURPLUS_SOURCE, Cost, Facts, Location, OperatingYear,
                                          Opening, Outflow, Refund, TransferIn, Use)
from aipo_budget.core.facts.roles import in_day_order

__all__ = ["SURPLUS_SOURCE", "ZERO", "Converter", "Cost", "Facts", "Location", "OperatingYear",
           "Opening", "Outflow", "Refund", "TransferIn", "Use", "build_facts", "in_day_order"]

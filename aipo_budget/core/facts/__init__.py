"""One pass over the ledger's entries (:func:`build_facts`) builds the plain facts, in the
operating currency, that every check and table reads: :mod:`.roles` of accounts (by name,
through the ledger's conventions), fund :mod:`.movements`, and :mod:`.accruals` followed to
the payments that fund project costs."""

from __future__ import annotations

from aipo_budget.core.convert import ZERO, Converter
from aipo_budget.core.facts.build import build_facts
from aipo_budget.core.facts.model import (SURPLUS_SOURCE, Cost, Facts, Location, OperatingYear,
                                          Opening, Outflow, Refund, TransferIn, Use)
from aipo_budget.core.facts.roles import in_day_order

__all__ = ["SURPLUS_SOURCE", "ZERO", "Converter", "Cost", "Facts", "Location", "OperatingYear",
           "Opening", "Outflow", "Refund", "TransferIn", "Use", "build_facts", "in_day_order"]

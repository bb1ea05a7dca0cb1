"""Beancount's ``loader._load``, in its steps, so that other work can run beside the last one.

The steps and their order are Beancount's own (``beancount/loader.py``, ``_load``): parse every
file, sort, book, run the plugins with the ledger's ``insert_pythonpath`` folders first, and
validate. :func:`load` returns what ``_load`` returns; given ``meanwhile``, it also runs
``meanwhile(entries, options)`` on the entries the plugins returned while Beancount validates
them (:func:`aipo_budget.overlap.both`): the audit needs the entries, not the validation, and
the two need not wait for each other. ``stop_if(errors)`` may raise before that, when the
errors so far mean the ledger cannot be read (nothing is audited then).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TypeVar

from beancount import loader
from beancount.core import data
from beancount.ops import validation
from beancount.parser import booking

from aipo_budget import overlap

if TYPE_CHECKING:
    from collections.abc import Callable

T = TypeVar("T")

Loaded = tuple[list[data.Directive], list[Any], dict[str, Any]]


def transformed(sources: list[tuple[str, bool]]) -> Loaded:
    """Parsed, sorted, booked and through the plugins: ``_load`` up to its validation."""
    entries, errors, options = loader._parse_recursive(sources, None, None)
    entries.sort(key=data.entry_sortkey)
    entries, balance_errors = booking.book(entries, options)
    errors.extend(balance_errors)
    saved = list(sys.path)
    try:
        sys.path[0:0] = options.get("pythonpath", ())
        entries, errors = loader.run_transformations(entries, errors, options, None)
    finally:
        sys.path[:] = saved
    return entries, errors, options


def load(sources: list[tuple[str, bool]], stop_if: Callable[[list[Any]], None],
         meanwhile: Callable[[list[data.Directive], dict[str, Any]], T] | None = None
         ) -> tuple[list[data.Directive], list[Any], dict[str, Any], T | None]:
    """(entries, errors, options) as ``loader._load(sources, None, None, None)`` gives them,
    and what ``meanwhile`` returned (None without it)."""
    entries, errors, options = transformed(sources)
    stop_if(errors)

    def validate() -> list[Any]:
        return validation.validate(entries, options, None, None)

    if meanwhile is None:
        found, ahead = validate(), None
    else:
        found, ahead = overlap.both(validate, lambda: meanwhile(entries, options))
    errors.extend(found)
    options["input_hash"] = loader.compute_input_hash(options["include"])
    return entries, errors, options, ahead

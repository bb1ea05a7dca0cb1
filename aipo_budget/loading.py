"""Beancount's ``loader._load``, in its steps, so that the audit can run beside the last ones.

The steps and their order are Beancount's own (``beancount/loader.py``, ``_load``): parse every
file, sort, book, run the plugins (the ledger's ``insert_pythonpath`` folders first on the
path), and validate. :func:`load` returns what ``_load`` returns.

Given ``meanwhile``, it also runs ``meanwhile(entries, options)`` while Beancount finishes
(:func:`aipo_budget.overlap.both`). Beancount's last two steps only look for errors: its
balance assertions (``beancount.ops.balance``, the last plugin it runs) and its validation. So
``meanwhile`` gets the entries as they stand before the balance assertions are checked, which
differ from the final ones only in a failed assertion's ``diff_amount`` (the audit never reads a
Balance entry, and a seal's canonical form leaves ``diff_amount`` out), and the entries
returned are the final ones. ``stop_if(errors)`` may raise first, when the errors so far mean
that the ledger cannot be read (nothing is audited then).
"""

from __future__ import annotations

import contextlib
import gc
import sys
from typing import TYPE_CHECKING, Any, TypeVar

from beancount import loader
from beancount.core import data
from beancount.ops import validation
from beancount.parser import booking

from aipo_budget import overlap

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

T = TypeVar("T")

BALANCE = ("beancount.ops.balance", None)
Plugins = list[tuple[str, Any]]


def _last_is_balance(options: dict[str, Any]) -> bool:
    return (options.get("plugin_processing_mode") == "default"
            and list(loader.PLUGINS_POST[-1:]) == [BALANCE])


def _plugins(entries: list[data.Directive], errors: list[Any], options: dict[str, Any],
             only: Plugins | None = None) -> tuple[list[data.Directive], list[Any]]:
    """``loader.run_transformations``, over ``only`` these plugins when given (as Beancount's
    "raw" mode runs the list it is given); the options are left as they were. While ``only``
    runs, a plugin that reads ``options["plugin"]`` sees that list in raw mode (none of
    Beancount's, Fava's or ours does)."""
    saved_path, saved = list(sys.path), (options["plugin_processing_mode"], options["plugin"])
    try:
        sys.path[0:0] = options.get("pythonpath", ())
        if only is not None:
            options["plugin_processing_mode"], options["plugin"] = "raw", only
        return loader.run_transformations(entries, errors, options, None)
    finally:
        sys.path[:] = saved_path
        options["plugin_processing_mode"], options["plugin"] = saved


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while Beancount loads the ledger (left as found
    when it is off already). The load allocates millions of objects that all live on,
    so each automatic full collection walks a larger heap to free nothing: at 50k
    transactions, eight of them were a third of the load's time. The load makes next to no
    cyclic garbage: the peak memory is the same (README, "Performance")."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def transformed(sources: list[tuple[str, bool]], hold_balance: bool = False
                ) -> tuple[list[data.Directive], list[Any], dict[str, Any], bool]:
    """Parsed, sorted, booked and through the plugins; with ``hold_balance``, through all but
    Beancount's balance assertions when they come last (the fourth value says if they do)."""
    entries, errors, options = loader._parse_recursive(sources, None, None)
    entries.sort(key=data.entry_sortkey)
    entries, balance_errors = booking.book(entries, options)
    errors.extend(balance_errors)
    held = hold_balance and _last_is_balance(options)
    chain = [*loader.PLUGINS_PRE, *options["plugin"], *loader.PLUGINS_AUTO,
             *loader.PLUGINS_POST[:-1]] if held else None
    entries, errors = _plugins(entries, errors, options, chain)
    return entries, errors, options, held


Finish = tuple[int, list[tuple[int, data.Directive]], list[Any]]


def _finish(entries: list[data.Directive], options: dict[str, Any], held: bool) -> Finish:
    """The held balance assertions and the validation: (the number of final entries, those
    that differ from ``entries`` by position, Beancount's errors). Computed in a forked copy,
    the errors come back pickled: their ``entry`` is an equal copy, not the loaded object
    (nothing may compare it by identity)."""
    final, errors = _plugins(entries, [], options, [BALANCE]) if held else (entries, [])
    errors.extend(validation.validate(final, options, None, None))
    if len(final) != len(entries):  # not what Beancount's balance check does: every entry
        return len(final), list(enumerate(final)), errors
    return len(final), [(i, e) for i, (e, o) in enumerate(zip(final, entries)) if e is not o], \
        errors


def _patched(entries: Sequence[data.Directive], finish: Finish) -> list[data.Directive]:
    count, changed, _errors = finish
    final = list(entries) if count == len(entries) else [None] * count
    for index, entry in changed:
        final[index] = entry
    return final


def load(sources: list[tuple[str, bool]], stop_if: Callable[[list[Any]], None],
         meanwhile: Callable[[list[data.Directive], dict[str, Any]], T] | None = None
         ) -> tuple[list[data.Directive], list[Any], dict[str, Any], T | None]:
    """(entries, errors, options) as ``loader._load(sources, None, None, None)`` gives them,
    and what ``meanwhile`` returned (None without it). The collector is paused throughout
    (:func:`collector_paused`): ``meanwhile`` freezes the entries it audits anyway."""
    with collector_paused():
        return _load(sources, stop_if, meanwhile)


def _load(sources: list[tuple[str, bool]], stop_if: Callable[[list[Any]], None],
          meanwhile: Callable[[list[data.Directive], dict[str, Any]], T] | None
          ) -> tuple[list[data.Directive], list[Any], dict[str, Any], T | None]:
    entries, errors, options, held = transformed(sources, hold_balance=meanwhile is not None)
    stop_if(errors)
    if meanwhile is None:
        finish, ahead = _finish(entries, options, held), None
    else:
        finish, ahead = overlap.both(lambda: _finish(entries, options, held),
                                     lambda: meanwhile(entries, options),
                                     worth_it=len(entries) >= overlap.ENTRIES_WORTH_A_COPY)
    # a plugin that failed in Beancount's last steps (a LoadError) still means unreadable
    stop_if(finish[2])
    errors.extend(finish[2])
    options["input_hash"] = loader.compute_input_hash(options["include"])
    return _patched(entries, finish), errors, options, ahead

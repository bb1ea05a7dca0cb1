"""The private Beancount and Fava APIs aipo-budget depends on, pinned so that a change is loud.

pyproject.toml bounds Beancount to 3.2.x and Fava to 1.30.x because of these uses:

- ``beancount.loader._load`` (aipo_budget/ledger.py): the ledger is loaded the way Fava loads
  it, never through Beancount's pickle cache, which ignores changes to the rules and the
  plugin's code.
- ``fava.context.g.filtered`` (aipo_budget/fava_ext): the Surplus Fund page reads the time
  filter of the request from ``g.filtered.date_range`` (``.begin``, ``.end_inclusive``).
- ``beancount.loader``'s undocumented constants: ``PLUGINS_POST`` (aipo_budget/core/ledger.py
  ``revalidated`` makes Beancount's last steps again, padding then balance assertions, for
  ``check --pending``), ``PLUGINS_AUTO`` and ``RENAMED_MODULES`` (aipo_budget/core/reuse.py, the
  plugin's audit is reused only when it ran last; aipo_budget/cli/cache, a plugin's code).
- ``beancount.parser.lexer.lex_iter_string``'s token names (aipo_budget/outputs/pending/
  proposals.py refuses ``option``, ``include`` and ``plugin`` lines in a proposal).

When a test here fails after an upgrade, adapt the module named in its message, then move the
bound in pyproject.toml.
"""

from __future__ import annotations

import datetime
import inspect
from pathlib import Path

from beancount import loader
from beancount.core import data
from fava.application import create_app
from fava.context import g
from fava.core import FavaLedger, FilteredLedger
from fava.util.date import DateRange

LOAD_CHANGED = "beancount.loader._load changed: aipo_budget.core.ledger depends on it ({})"
FILTERED_CHANGED = ("fava's g.filtered changed: aipo_budget.fava_ext (SurplusFund.page) "
                    "depends on it ({})")

TINY = """\
option "title" "Tiny"
option "operating_currency" "USD"

2006-01-01 open Assets:Surplus-Fund:Bank
2006-01-01 open Equity:Opening-Balances

2006-01-02 * "Opening balance"
  Assets:Surplus-Fund:Bank       100.00 USD
  Equity:Opening-Balances
"""


def tiny_ledger(folder: Path) -> Path:
    path = folder / "main.beancount"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_loader_load_keeps_its_signature():
    assert callable(getattr(loader, "_load", None)), LOAD_CHANGED.format("it is gone")
    names = list(inspect.signature(loader._load).parameters)
    # ledger.py calls it positionally: _load([(filename, True)], None, None, None)
    assert names == ["sources", "log_timings", "extra_validations", "encoding"], \
        LOAD_CHANGED.format(f"its parameters are now {names}")


def test_loader_load_returns_entries_errors_and_options(tmp_path):
    path = tiny_ledger(tmp_path)
    result = loader._load([(str(path), True)], None, None, None)
    assert isinstance(result, tuple) and len(result) == 3, \
        LOAD_CHANGED.format(f"it returned {type(result).__name__} of {len(result)}, not a 3-tuple")
    entries, errors, options = result
    assert errors == [], LOAD_CHANGED.format(f"errors on a valid ledger: {errors}")
    kinds = [type(entry) for entry in entries]
    assert kinds == [data.Open, data.Open, data.Transaction], \
        LOAD_CHANGED.format(f"entries are now {kinds}")
    assert options["filename"] == str(path), LOAD_CHANGED.format("options['filename'] changed")
    assert options["title"] == "Tiny", LOAD_CHANGED.format("the options map changed")


def test_loader_load_never_writes_a_pickle_cache(tmp_path):
    """The reason ledger.py uses _load and not load_file: no cache file, whatever the size."""
    path = tiny_ledger(tmp_path)
    loader._load([(str(path), True)], None, None, None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.beancount"], \
        LOAD_CHANGED.format("it wrote a file beside the ledger")


def test_filtered_ledger_has_the_date_range_we_read(tmp_path):
    ledger = FavaLedger(str(tiny_ledger(tmp_path)))
    filtered = ledger.get_filtered(time="2006")
    assert isinstance(filtered, FilteredLedger), \
        FILTERED_CHANGED.format(f"get_filtered returns {type(filtered).__name__}")
    date_range = getattr(filtered, "date_range", "missing")
    assert isinstance(date_range, DateRange), \
        FILTERED_CHANGED.format(f"FilteredLedger.date_range is {date_range!r}")
    assert date_range.begin == datetime.date(2006, 1, 1), FILTERED_CHANGED.format("begin")
    assert date_range.end_inclusive == datetime.date(2006, 12, 31), \
        FILTERED_CHANGED.format("end_inclusive (the last day of the filter)")
    # without a time filter there is no date range: the page shows the whole history
    assert ledger.get_filtered().date_range is None, \
        FILTERED_CHANGED.format("date_range is set without a time filter")


def test_g_filtered_in_a_request_follows_the_time_filter(tmp_path):
    """As the page sees it: g.filtered inside a request to the extension, ?time=2006-03."""
    app = create_app([str(tiny_ledger(tmp_path))], load=True)
    ((slug, _),) = app.config["LEDGERS"].items()
    with app.test_request_context(f"/{slug}/income_statement/?time=2006-03"):
        app.preprocess_request()  # Fava's url_value_preprocessor sets g.ledger
        date_range = g.filtered.date_range
        assert date_range is not None, FILTERED_CHANGED.format("no date_range for ?time=")
        assert (date_range.begin, date_range.end_inclusive) == (
            datetime.date(2006, 3, 1), datetime.date(2006, 3, 31)), \
            FILTERED_CHANGED.format(f"?time=2006-03 gives {date_range}")


def test_fava_ledger_attributes_the_extension_reads(tmp_path):
    """SurplusFund.after_load_file reads these from its FavaLedger."""
    ledger = FavaLedger(str(tiny_ledger(tmp_path)))
    for name in ("options", "all_entries", "load_errors", "beancount_file_path"):
        assert hasattr(ledger, name), \
            f"FavaLedger.{name} is gone: aipo_budget.fava_ext.SurplusFund depends on it"
    assert ledger.options["include"] == [str(tmp_path / "main.beancount")]


def test_beancounts_last_steps_are_padding_then_balance_assertions():
    assert list(loader.PLUGINS_POST) == [("beancount.ops.pad", None),
                                         ("beancount.ops.balance", None)], \
        ("beancount.loader.PLUGINS_POST changed: aipo_budget.core.ledger.revalidated makes "
         f"these steps again for check --pending ({loader.PLUGINS_POST})")


def test_the_loader_constants_the_reuse_and_the_cache_read():
    assert isinstance(getattr(loader, "PLUGINS_AUTO", None), (list, tuple)), \
        "beancount.loader.PLUGINS_AUTO changed: aipo_budget.core.reuse depends on it"
    renamed = getattr(loader, "RENAMED_MODULES", None)
    assert isinstance(renamed, dict) and all(isinstance(k, str) for k in renamed), \
        "beancount.loader.RENAMED_MODULES changed: aipo_budget.core.reuse and cli.cache read it"


def test_the_lexer_names_the_directives_a_proposal_may_not_hold():
    from beancount.parser import lexer

    text = 'option "title" "x"\ninclude "a.beancount"\nplugin "p"\n'
    tokens = [token for token, _line, _text, _value in lexer.lex_iter_string(text)]
    assert {"OPTION", "INCLUDE", "PLUGIN"} <= set(tokens), \
        f"beancount's lexer tokens changed: aipo_budget/outputs/pending/proposals.py ({tokens})"

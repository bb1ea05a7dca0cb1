"""The text table of ``check`` and ``report`` is laid out without tabulate's per-cell type
detection (aipo_budget.outputs.render.simple): it must be exactly tabulate's "simple" table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tabulate import tabulate

from aipo_budget.outputs.render import simple

TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=12)


@st.composite
def tables(draw):
    columns = draw(st.integers(1, 6))
    headers = draw(st.lists(TEXT, min_size=columns,
                            max_size=columns))
    rows = draw(st.lists(st.lists(TEXT, min_size=columns, max_size=columns), min_size=1,
                         max_size=8))
    aligns = draw(st.lists(st.sampled_from(["left", "right"]), min_size=columns,
                           max_size=columns))
    return headers, rows, aligns


@settings(max_examples=400, deadline=None)
@given(tables())
def test_simple_is_tabulates_simple_table(table):
    headers, rows, aligns = table
    assert simple(headers, rows, aligns) == tabulate(
        rows, headers=headers, tablefmt="simple", colalign=aligns, disable_numparse=True)


def test_a_register_row_as_tabulate_lays_it_out():
    headers = ["severity", "location", "amount (USD)"]
    rows = [["error", "ledger/2006.beancount:12", "16,000.00"], ["warning", " x ", ""]]
    aligns = ["left", "left", "right"]
    assert simple(headers, rows, aligns) == tabulate(
        rows, headers=headers, tablefmt="simple", colalign=aligns, disable_numparse=True)

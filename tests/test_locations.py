"""``FILE:LINE`` as ``explain`` and the Fava page read it: one reader
(:func:`aipo_budget.outputs.explain.locate.split_location`), refusing what is no line number."""

from __future__ import annotations

import pytest

from aipo_budget.outputs.explain.locate import LocationError, split_location
from aipo_budget.fava_ext.page import explanation


@pytest.mark.parametrize("text, expected", [
    ("main.beancount:42", ("main.beancount", 42)),
    ("ledger/x.beancount: 7 ", ("ledger/x.beancount", 7)),
    ("C:\\books\\main.beancount:3", ("C:\\books\\main.beancount", 3)),
    ("main.beancount:0000000000042", ("main.beancount", 42)),
])
def test_a_location_is_a_file_and_a_line(text, expected):
    assert split_location(text) == expected


@pytest.mark.parametrize("text, message", [
    ("main.beancount:²", "main.beancount:² is not FILE:LINE"),  # str.isdigit() says yes
    ("main.beancount:٣٧", "main.beancount:٣٧ is not FILE:LINE"),  # Arabic-Indic digits
    ("main.beancount:0", "main.beancount:0 is not FILE:LINE"),
    ("main.beancount:-3", "main.beancount:-3 is not FILE:LINE"),
    ("main.beancount", "'main.beancount' is not FILE:LINE"),
    (":12", "':12' is not FILE:LINE"),
    ("main.beancount:" + "9" * 10_000, "main.beancount: a line number of 10000 digits"),
    ("main.beancount:1234567890", "a line number of 10 digits"),
])
def test_what_is_no_line_number_is_refused_saying_so(text, message):
    with pytest.raises(LocationError) as caught:
        split_location(text)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("location", ["main.beancount:²", "main.beancount:" + "9" * 10_000])
def test_the_fava_page_reads_a_location_the_same_way(location):
    tables, said = explanation(None, [], location, "/", None)  # refused before the audit is read
    assert tables == () and said.startswith("Cannot explain") and len(said) < 200

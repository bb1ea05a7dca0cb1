"""The canonical form of an entry (aipo_budget.core.seals.canonical): a reformatting, a move between
files or a change of order leaves the fingerprint alone; any change of what is recorded does
not, and the field that changed is named."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from aipo_budget.core.seals.canonical import (
    describe,
    field_digests,
    fingerprint,
    number,
    own_entries,
    typed,
)
from aipo_budget.core.seals.snapshot import Ledger

HEAD = """\
option "operating_currency" "USD"
2006-01-01 open Assets:Bank
2006-01-01 open Expenses:Research
"""

PAYMENT = """\
2006-02-15 * "Kingdom Consultancy" "Research advance" #roadmap ^inv-1
  approved-by: "Nguyen Thi Lan"
  incurred: 2006-02-10
  Expenses:Research   3400.00 USD
  Assets:Bank        -3400.00 USD
"""


def load(tmp_path: Path, body: str, name: str = "main.beancount") -> list[data.Directive]:
    path = tmp_path / name
    path.write_text(HEAD + "\n" + textwrap.dedent(body), encoding="utf-8")
    entries, errors, options = loader.load_file(str(path))
    assert not errors, errors
    return list(own_entries(entries, options))


def payment(tmp_path: Path, body: str = PAYMENT) -> data.Transaction:
    found = [e for e in load(tmp_path, body) if isinstance(e, data.Transaction)]
    assert len(found) == 1
    return found[0]


def test_numbers_lose_their_written_precision_only():
    from decimal import Decimal

    assert number(Decimal("3400.00")) == number(Decimal("3400")) == "3400"
    assert number(Decimal("-0.00")) == "0"
    assert number(Decimal("0.0000960")) == "0.000096"
    # no rounding context: 30 significant digits stay 30
    assert number(Decimal("1.00000000000000000000000000001")) == "1.00000000000000000000000000001"


def test_values_keep_their_type():
    import datetime

    assert typed(datetime.date(2006, 2, 10)) != typed("2006-02-10")
    assert typed(True) != typed("TRUE") != typed(1)
    assert typed("a,b") != typed(["a", "b"])


@pytest.mark.parametrize("reformatted", [
    # spacing, an interpolated amount, posting order, the order of tags and metadata
    """\
    2006-02-15 *   "Kingdom Consultancy"   "Research advance"   ^inv-1 #roadmap
      incurred: 2006-02-10
      approved-by:   "Nguyen Thi Lan"
      Assets:Bank        -3400 USD
      Expenses:Research
    """,
    # tags pushed, the amount written with another precision
    """\
    pushtag #roadmap
    2006-02-15 * "Kingdom Consultancy" "Research advance" ^inv-1
      approved-by: "Nguyen Thi Lan"
      incurred: 2006-02-10
      Expenses:Research   3400.000 USD
      Assets:Bank        -3400.0 USD
    poptag #roadmap
    """,
])
def test_a_reformatting_keeps_the_fingerprint(tmp_path, reformatted):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    before = payment(tmp_path / "a")
    after = payment(tmp_path / "b", reformatted)
    assert fingerprint(after) == fingerprint(before)


@pytest.mark.parametrize(("edit", "field"), [
    (("3400.00 USD\n  Assets:Bank        -3400.00", "3500.00 USD\n  Assets:Bank        -3500.00"),
     "amount"),
    (('"Research advance"', '"Research advance (corrected)"'), "narration"),
    (('"Kingdom Consultancy"', '"Kingdom Consulting"'), "payee"),
    (('"Nguyen Thi Lan"', '"Somchai"'), "metadata approved-by"),
    (("incurred: 2006-02-10", 'incurred: "2006-02-10"'), "metadata incurred"),
    (("#roadmap", "#other"), "tags"),
    (("^inv-1", "^inv-2"), "links"),
    (("2006-02-15 *", "2006-02-15 !"), "flag"),
    (("2006-02-15 *", "2006-02-16 *"), "date"),
    (("Expenses:Research", "Assets:Bank"), "account"),
])
def test_a_change_changes_the_fingerprint_and_names_the_field(tmp_path, edit, field):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    before = payment(tmp_path / "a")
    after = payment(tmp_path / "b", PAYMENT.replace(*edit, 1))
    assert fingerprint(after) != fingerprint(before)
    old, new = field_digests(before), field_digests(after)
    changed = [name for name in {*old, *new} if old.get(name) != new.get(name)]
    assert field in changed, changed
    assert describe(["posting-flag", "metadata approved-by"]) == \
        "posting flag, metadata approved-by"


def test_where_an_entry_is_written_is_not_part_of_it(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = payment(tmp_path / "a")
    moved = payment(tmp_path / "b", "\n\n\n" + PAYMENT)
    assert first.meta["lineno"] != moved.meta["lineno"]
    assert fingerprint(first) == fingerprint(moved)


def test_only_the_ledgers_own_entries_are_sealed(tmp_path):
    """Padding made by Beancount, auto-discovered documents and the seals themselves are not
    entries of the books; a document directive written in the ledger is."""
    (tmp_path / "documents" / "Assets" / "Bank").mkdir(parents=True)
    (tmp_path / "documents" / "Assets" / "Bank" / "2006-01-31.statement.pdf").write_bytes(b"x")
    body = """\
    option "documents" "documents"
    2006-01-01 open Equity:Opening
    2006-01-02 pad Assets:Bank Equity:Opening
    2006-01-03 balance Assets:Bank 100.00 USD
    2006-01-31 document Assets:Bank "documents/Assets/Bank/2006-01-31.statement.pdf"
    2006-12-31 custom "aipo-seal" "A. Auditor"
    2006-01-01 custom "fava-option" "language" "en"
    """
    path = tmp_path / "main.beancount"
    path.write_text(HEAD + textwrap.dedent(body), encoding="utf-8")
    entries, errors, options = loader.load_file(str(path))
    own = list(own_entries(entries, options))
    kinds = sorted(type(e).__name__ for e in own)
    assert kinds == ["Balance", "Document", "Open", "Open", "Open", "Pad"]
    assert any(isinstance(e, data.Transaction) for e in entries)  # the padding, left out
    snapshot = Ledger(entries, options).snapshot(entries[-1].date)
    assert list(snapshot.evidence) == ["documents/Assets/Bank/2006-01-31.statement.pdf"]

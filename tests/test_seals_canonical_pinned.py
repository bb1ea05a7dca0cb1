"""The canonical form, the fingerprints and the seal digests, pinned byte for byte (issue 12).

Seals on users' disks were computed by the code as it was when they were made: a faster
canonical form must write exactly the same bytes. Each test digests every output of
:mod:`aipo_budget.core.seals.canonical` (the form with and without the postings' aspects, the
fingerprint, each field's digest) and of
:mod:`aipo_budget.core.seals.snapshot` (a snapshot's digests and evidence) over a ledger with every
kind of directive and value, and compares the digest with the one the FORMAT 1 code computed.
A failure here means existing seals would break: never update a constant to make it pass
(a new canonical form needs a new ``snapshot.FORMAT``), unless the ledger under test changed.
"""

from __future__ import annotations

import datetime
import hashlib
from decimal import Decimal
from pathlib import Path

from beancount.core import data
from beancount.core.amount import Amount
from beancount.core.position import Cost, CostSpec

from aipo_budget.core.evidence import ledger_folder
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.seals.canonical import canonical, field_digests, fingerprint, number, typed
from aipo_budget.core.seals.snapshot import Ledger, overall
from conftest import AS_OF, copy_shipped_ledger, docstring_of

# digests computed with the FORMAT 1 code as it was before issue 12's optimisation
VARIED = "9682ebd896731644"
SHIPPED = "048780de57dc952f"
SNAPSHOTS = "be73f235ca438df0"
VALUES = "2f49ab1356561975"

PRELUDE = """\
option "title" "Pinned canonical forms"
option "operating_currency" "USD"
option "documents" "documents"
option "booking_method" "STRICT"

"""


def outputs(entries: list[data.Directive], base: str) -> str:
    """Every canonical output of every entry, in the entries' order."""
    lines = []
    for entry in entries:
        lines.append(repr(canonical(entry, base)))
        lines.append(repr(canonical(entry, base, aspects=False)))
        lines.append(fingerprint(entry, base))
        if not isinstance(entry, data.Document):  # only a document's path depends on base
            assert fingerprint(entry) == lines[-1]
        lines.append(repr(sorted(field_digests(entry, base).items())))
    return "\n".join(lines)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def loaded(ledger: Path) -> tuple[list[data.Directive], dict]:
    entries, _errors, options = load_ledger(str(ledger))
    return entries, options


def test_every_kind_of_entry_keeps_its_canonical_form(request, tmp_path):
    """
    pushtag #pushed
    2006-01-01 commodity ACME
      name: "ACME Corp"
      export: "NYSE:ACME"
      precision: 2
    2006-01-01 commodity USD
    2006-01-01 open Assets:Bank USD
      bank-code: 42
    2006-01-01 open Assets:Stock ACME,USD "FIFO"
    2006-01-01 open Assets:Lots ACME "LIFO"
    2006-01-01 open Assets:Empty
    2006-01-01 open Expenses:Research USD
    2006-01-01 open Expenses:Fees
    2006-01-01 open Income:Gains
    2006-01-01 open Equity:Opening-Balances
    2006-01-02 pad Assets:Bank Equity:Opening-Balances
    2006-01-03 balance Assets:Bank 10000.00 ~ 0.01 USD
    2006-01-03 balance Assets:Empty 0 USD
    2006-01-04 * "Broker" "Buy with a lot, a date and a label" #trade ^lot-1 ^lot-2
      Assets:Stock   10 ACME {50.00 USD, 2006-01-04, "first"}
      Assets:Bank   -500.00 USD
    2006-01-05 * "Buy, total cost and a price"
      Assets:Stock   4 ACME {{210.00 USD}} @ 53 USD
      Assets:Lots    2 ACME {51 USD} @@ 104.000 USD
      Assets:Bank
    2006-01-06 ! "Sell, the cost found by booking"
      Assets:Stock  -5 ACME {} @ 60.00 USD
      Assets:Bank   300.00 USD
      Income:Gains
    2006-01-07 txn "" "No payee, the flag spelled txn"
      Expenses:Research   0.10 USD
      ! Assets:Bank      -0.10 USD
        posting-note: "flagged posting"
        checked: TRUE
    2006-01-08 * "Every metadata type"
      string: "text with \\"quotes\\" and unicode: Việt Nam, ລາວ, ไทย"
      number: 3400.00
      negative: -0.0
      integer: 7
      date: 2006-02-10
      true: TRUE
      false: FALSE
      amount: 12.50 USD
      currency: ACME
      account: Assets:Bank
      nothing:
      document: "2006-01-08.invoice.pdf"
      Expenses:Research   1,234.5600 USD
        line: 1
        when: 2006-01-09
      Expenses:Fees       1 USD
      Assets:Bank
    2006-01-09 *
      Expenses:Research   1 USD
      Assets:Bank        -1 USD
    2006-01-10 note Assets:Bank "A note with a tab\\there"
      by: "auditor"
    2006-01-10 document Assets:Bank "documents/Assets/Bank/2006-01-08.invoice.pdf" #doc ^doc-1
    2006-01-11 event "location" "Jakarta, Indonesia"
    2006-01-11 query "cash" "SELECT account, sum(position) WHERE account ~ 'Bank'"
    2006-01-12 price ACME 55.25 USD
    2006-01-12 custom "budget" Expenses:Research "monthly" 1000.00 USD 2006-12-31 TRUE 3
    2006-01-12 custom "aipo-seal-lookalike" "text"
      note: "a custom entry with metadata"
    2006-12-31 close Assets:Empty
    poptag #pushed
    """
    ledger = tmp_path / "main.beancount"
    ledger.write_text(PRELUDE + docstring_of(request) + "\n", encoding="utf-8")
    evidence = tmp_path / "documents" / "Assets" / "Bank"
    evidence.mkdir(parents=True, exist_ok=True)
    (evidence / "2006-01-08.invoice.pdf").write_bytes(b"%PDF-1.4\n% pinned\n")
    entries, options = loaded(ledger)
    kinds = {type(entry).__name__ for entry in entries}
    assert kinds >= {"Commodity", "Open", "Pad", "Balance", "Transaction", "Note", "Document",
                     "Event", "Query", "Price", "Custom", "Close"}, kinds
    snapshot = Ledger(entries, options).snapshot(datetime.date(2007, 1, 1))
    assert sorted(snapshot.evidence) == ["documents/Assets/Bank/2006-01-08.invoice.pdf"]
    assert digest(outputs(entries, ledger_folder(options)) + snapshot.digest) == VARIED


def generic_fingerprint(entry: data.Directive, base: str) -> str:
    """The fingerprint as FORMAT 1 defines it: the type and the canonical form's fields."""
    parts = [type(entry).__name__.lower(),
             *(f"{name}\x1f{value}" for name, value in canonical(entry, base, aspects=False))]
    return hashlib.sha256("\x1e".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def test_a_transactions_fingerprint_is_that_of_its_canonical_form(tmp_path):
    """fingerprint() builds a transaction's text at once (the sidecar's field digests come
    from canonical()): both must say the same, whatever the postings and metadata."""
    entries, options = loaded(copy_shipped_ledger(tmp_path))
    base = ledger_folder(options)
    transactions = [entry for entry in entries if isinstance(entry, data.Transaction)]
    assert len(transactions) > 100
    odd = transactions[0]._replace(
        payee="", narration="", tags=frozenset({"b", "a"}), links=None,
        meta={**transactions[0].meta, "__private": 1, "note": None, "when": AS_OF},
        postings=[p._replace(flag="!", meta={"lineno": 1, "x": Decimal("1.50")})
                  for p in transactions[0].postings])
    for entry in [*transactions, odd]:
        assert fingerprint(entry, base) == generic_fingerprint(entry, base), entry


def test_the_shipped_ledger_keeps_its_fingerprints(tmp_path):
    """(A change of the shipped ledger's files changes this digest too: only then may the
    constant be recomputed.)"""
    entries, options = loaded(copy_shipped_ledger(tmp_path))
    assert digest(outputs(entries, ledger_folder(options))) == SHIPPED


def test_snapshots_keep_their_digests(tmp_path):
    """The overall digests and evidence of a snapshot at several dates of the shipped ledger."""
    entries, options = loaded(copy_shipped_ledger(tmp_path))
    ledger = Ledger(entries, options)
    lines = []
    for through in (datetime.date(2002, 12, 31), datetime.date(2005, 6, 30),
                    datetime.date(2006, 12, 31), datetime.date(2030, 1, 1)):
        for evidence_files in (False, True):
            snapshot = ledger.snapshot(through, evidence_files)
            lines.append(f"{through} {snapshot.digest} {snapshot.entries_digest}")
            lines.append(repr(sorted(snapshot.evidence.items())))
            lines.append(repr(sorted(snapshot.citing)))
    assert len(ledger.own) > 100
    assert digest("\n".join(lines)) == SNAPSHOTS


def test_values_the_parser_never_makes_keep_their_text():
    """Values a plugin may put in metadata, and the edge cases of a number."""
    values = [
        None, "", "\udcff", 0, -3, True, False, Decimal("-0.00"), Decimal("1E+3"),
        Decimal("0.0000960"), Decimal("1.00000000000000000000000000001"), Decimal("NaN"),
        datetime.date(1999, 12, 31), datetime.datetime(2006, 1, 2, 3, 4, 5),
        frozenset(), frozenset({"b", "a"}), {"z", "y"}, set(), [], ["a", 1], (), (Decimal(2),),
        Amount(None, "USD"), Amount(Decimal("5.10"), None), Amount(Decimal("-0"), "USD"),
        Cost(Decimal("50.00"), "USD", datetime.date(2006, 1, 4), None),
        CostSpec(None, Decimal("210"), "USD", None, "lot", False), str, Decimal,
        1.5, b"bytes", data.Booking.FIFO,
    ]
    text = "\n".join([*(typed(value) for value in values),
                      *(number(value) for value in values if isinstance(value, Decimal))])
    assert digest(text + overall(["b", "a", "a"], {"x/y.pdf": "missing"})) == VALUES

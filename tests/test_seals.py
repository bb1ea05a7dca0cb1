"""Period seals (issue 11): ``aipo-budget seal``, and the verification of every seal.

Seal, then change a sealed transaction's amount, its narration, a metadata value, delete it,
add a back-dated one, move it to another file unchanged (not a finding), reformat it (not a
finding), replace an evidence file: each is found and described; an edit dated after the seal
is not. Seal twice; concurrent seals; a seal over a ledger with errors is refused, and forced
with a recorded reason; the include line is appended without touching the ledger file's bytes;
a missing record.

Verification is called directly (``aipo_budget.core.seals.verify``); the tests marked ``wired`` go
through ``check`` and ``report``, which verify seals once ``engine.audit`` calls it.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from beancount import loader
from click.testing import CliRunner, Result

from aipo_budget.cli import cli
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.rules import load_rules
from aipo_budget.core.seals import BROKEN, HOLDS, UNVERIFIED, Verification, verify
from aipo_budget.cli import seal as seal_command
from aipo_budget.outputs.tables import build_tables
from conftest import AS_OF, KINGDOM, KINGDOM_REFORMATTED, RULES, copy_shipped_ledger, run, write_ledger

ROADMAP = "ledger/project-trafficking-roadmap.beancount"
SECRETARIAT_2005 = "ledger/secretariat-2005.beancount"
CONTRACT = ("documents/Expenses/Projects/Trafficking-Roadmap/Research/"
            "2006-02-15.consultancy-contract.pdf")
RENT_2005 = '"Office rent, 11th floor - March 2005"'


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class Books:
    """A copy of the shipped ledger with the tests' rules, to seal and to edit."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(exist_ok=True)
        self.folder = folder
        self.main = copy_shipped_ledger(folder)
        self.rules = folder / "rules"

    def seal(self, through: str, by: str = "A. Auditor", *more: str):
        return invoke("seal", str(self.main), "--through", through, "--by", by,
                      "--rules", str(self.rules), "-q", *more)

    def sealed(self, through: str, by: str = "A. Auditor") -> Books:
        result = self.seal(through, by)
        assert result.exit_code == 0, result.output + result.stderr
        return self

    def path(self, name: str) -> Path:
        return self.folder / name

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.path(name)
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not unique in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def verified(self):
        entries, _errors, options = load_ledger(str(self.main))
        return verify(entries, options, load_rules(self.rules))

    def findings(self, verification: Verification | None = None
                 ) -> list[tuple[str, int, str]]:
        """(file relative to the books, line, message) of every seal finding of
        ``verification``, by default one made now (a test that also reads its periods passes
        the one it made: the books are read once)."""
        if verification is None:
            verification = self.verified()
        return [(os.path.relpath(f.filename, self.folder), f.lineno, f.message)
                for f in verification.findings]

    def line_of(self, name: str, text: str) -> int:
        lines = self.path(name).read_text(encoding="utf-8").splitlines()
        found = [n for n, line in enumerate(lines, start=1) if line.startswith(text)]
        assert len(found) == 1, found
        return found[0]


@pytest.fixture(scope="module")
def fresh_seal(tmp_path_factory) -> tuple[Books, Result]:
    """A copy of the shipped ledger sealed through 2006-12-31, once, and what the seal said:
    tests read them, or copy the books (:func:`books`) to change them."""
    books = Books(tmp_path_factory.mktemp("sealed") / "books")
    return books, books.seal("2006-12-31")


@pytest.fixture(scope="module")
def sealed_2006(fresh_seal) -> Path:
    """The books of :func:`fresh_seal`, sealed: tests copy them."""
    books, result = fresh_seal
    assert result.exit_code == 0, result.output + result.stderr
    return books.folder


@pytest.fixture
def books(sealed_2006, tmp_path) -> Books:
    import shutil

    shutil.copytree(sealed_2006, tmp_path / "books")
    copy = Books.__new__(Books)
    copy.folder, copy.main, copy.rules = (tmp_path / "books", tmp_path / "books/main.beancount",
                                          tmp_path / "books/rules")
    return copy


# --- the seal holds -------------------------------------------------------------------------


def test_a_fresh_seal_holds_and_says_what_it_sealed(fresh_seal):
    books, result = fresh_seal
    assert result.exit_code == 0, result.output + result.stderr
    assert "Sealed" in result.output and "through 2006-12-31 by A. Auditor" in result.output
    assert "evidence file" in result.output and "SHA-256" in result.output
    assert "ledger/seals.beancount (created)" in result.output
    entries, errors, _options = loader.load_file(str(books.main))
    assert not errors
    (seal,) = [e for e in entries if getattr(e, "type", None) == "aipo-seal"]
    assert seal.date == datetime.date(2006, 12, 31)
    assert seal.values[0].value == "A. Auditor"
    assert seal.meta["sealed-on"] == datetime.date.today()
    assert len(seal.meta["digest"]) == 64 and seal.meta["entries"] > 1000
    assert (books.path("ledger") / seal.meta["record"]).is_file()
    verification = books.verified()
    assert verification.findings == []
    assert [(p.through, p.by, p.status) for p in verification.periods] == \
        [(datetime.date(2006, 12, 31), "A. Auditor", HOLDS)]


def test_moving_an_entry_to_another_file_unchanged_is_no_finding(books):
    books.edit(ROADMAP, KINGDOM + "\n", "")
    with open(books.path("ledger/surplus-fund.beancount"), "a", encoding="utf-8") as file:
        file.write("\n" + KINGDOM)
    assert books.findings() == []


def test_reformatting_an_entry_is_no_finding(books):
    books.edit(ROADMAP, KINGDOM, KINGDOM_REFORMATTED)
    assert books.findings() == []


def test_an_edit_dated_after_the_seal_is_no_finding(tmp_path):
    books = Books(tmp_path / "books").sealed("2005")  # a partial date: the end of 2005
    books.edit(ROADMAP, "3,400.00 USD\n  Assets:Surplus-Fund:Bank                                   -3,400.00",
               "3,500.00 USD\n  Assets:Surplus-Fund:Bank                                   -3,500.00")
    with open(books.path(ROADMAP), "a", encoding="utf-8") as file:
        file.write('\n2006-01-02 * "Late" "dated after the seal"\n'
                   "  Expenses:Secretariat:Rent   10.00 IDR\n  Assets:Operating:Bank-IDR\n")
    verification = books.verified()
    assert verification.findings == []
    assert [p.through for p in verification.periods] == [datetime.date(2005, 12, 31)]


# --- each change is found and described -----------------------------------------------------


def test_a_changed_amount_is_found_at_the_entry(books):
    books.edit(ROADMAP, "3,400.00 USD\n  Assets:Surplus-Fund:Bank                                   -3,400.00",
               "3,500.00 USD\n  Assets:Surplus-Fund:Bank                                   -3,500.00")
    line = books.line_of(ROADMAP, '2006-02-15 * "Kingdom')
    verification = books.verified()
    ((name, lineno, message),) = books.findings(verification)
    assert (name, lineno) == (ROADMAP, line)
    assert message.startswith("sealed entry changed: amount (sealed as 2006-02-15 transaction "
                              '"Kingdom Consultancy Group" 3400.00 USD)')
    assert "breaks the seal through 2006-12-31 by A. Auditor" in message
    assert [p.status for p in verification.periods] == [BROKEN]


def test_a_changed_narration_is_found(books):
    books.edit(ROADMAP, "advance 40% on signature", "advance 45% on signature")
    ((name, _lineno, message),) = books.findings()
    assert name == ROADMAP and message.startswith("sealed entry changed: narration (")


def test_a_changed_metadata_value_is_found(books):
    books.edit(ROADMAP, 'approved-by: "Nguyen Thi Lan"\n  voucher: "PV-2006-002"',
               'approved-by: "Budi Santoso"\n  voucher: "PV-2006-002"')
    ((_name, _lineno, message),) = books.findings()
    assert message.startswith("sealed entry changed: metadata approved-by (")


def test_a_deleted_entry_is_found_at_the_seal_with_its_date_payee_and_amount(books):
    books.edit(ROADMAP, KINGDOM, "")
    seal_line = books.line_of("ledger/seals.beancount", '2006-12-31 custom "aipo-seal"')
    verification = books.verified()
    ((name, lineno, message),) = books.findings(verification)
    assert (name, lineno) == ("ledger/seals.beancount", seal_line)
    assert message.startswith('sealed entry removed: 2006-02-15 transaction "Kingdom '
                              'Consultancy Group" 3400.00 USD')
    (found,) = verification.findings
    assert found.date == datetime.date(2006, 2, 15) and found.kind == "seal"


def test_a_back_dated_entry_is_found_at_its_line(books):
    with open(books.path(ROADMAP), "a", encoding="utf-8") as file:
        file.write('\n2006-03-01 * "Back-dated" "slipped into the sealed period"\n'
                   "  Expenses:Secretariat:Rent   10.00 IDR\n  Assets:Operating:Bank-IDR\n")
    line = books.line_of(ROADMAP, '2006-03-01 * "Back-dated"')
    ((name, lineno, message),) = books.findings()
    assert (name, lineno) == (ROADMAP, line)
    assert message.startswith('entry added to a sealed period: 2006-03-01 transaction '
                              '"Back-dated" 10.00 IDR')


@pytest.mark.parametrize("written", ["lineno: 0", 'filename: "<auto_accounts>"',
                                     'filename: "archive/2006.beancount"'])
def test_an_entry_that_writes_where_it_is_is_an_error_at_its_line(books, written):
    """Beancount lets written metadata replace its own ``filename`` and ``lineno``: an entry
    at line 0, or in no ledger file, is one a plugin made, which the seal does not record. A
    back-dated payment that writes its place is an error at its real line, and breaks the
    seal: the statement no longer says it holds."""
    with open(books.path(ROADMAP), "a", encoding="utf-8") as file:
        file.write('\n2006-03-01 * "Hidden" "slipped into the sealed period"\n'
                   f"  {written}\n"
                   "  Expenses:Secretariat:Rent   10.00 USD\n  Assets:Operating:Bank-USD\n")
    line = books.line_of(ROADMAP, '2006-03-01 * "Hidden"')
    result = invoke("check", str(books.main), "--rules", str(books.rules), "--no-cache",
                    "-f", "lines")
    assert result.exit_code == 1, result.output
    key = written.split(":")[0]
    said = [row for row in result.output.splitlines() if f"{ROADMAP}:{line}:" in row]
    assert any(f"metadata '{key}' (line {line + 1}) is where Beancount records" in row
               for row in said), result.output
    assert any(f"metadata '{key}'): no seal can tell whether it is one it sealed; breaks "
               "the seal through 2006-12-31" in row for row in said), result.output
    assert "holds" not in invoke("report", str(books.main), "--rules", str(books.rules),
                                 "-t", "fund-statement", "--as-of", "2006-12-31").output


def test_an_entry_placed_by_a_pushmeta_breaks_the_seal(books):
    """``pushmeta lineno: 0`` writes the place into every entry up to its popmeta."""
    with open(books.path(ROADMAP), "a", encoding="utf-8") as file:
        file.write('\npushmeta lineno: 0\n2006-03-01 * "Hidden" "pushed out of sight"\n'
                   "  Expenses:Secretariat:Rent   10.00 USD\n  Assets:Operating:Bank-USD\n"
                   "popmeta lineno:\n")
    push = books.line_of(ROADMAP, "pushmeta lineno: 0")
    result = invoke("check", str(books.main), "--rules", str(books.rules), "--no-cache",
                    "-f", "lines")
    assert result.exit_code == 1, result.output
    assert any(f"{ROADMAP}:{push}:" in row and "breaks the seal through 2006-12-31" in row
               for row in result.output.splitlines()), result.output


def test_an_unsigned_seal_whose_entry_is_edited_to_match_changed_books_is_found(books):
    """A sealed entry changed, and the books' new digest written into the (unsigned) seal
    entry: the record, whose SHA-256 the entry holds, still says the old digest."""
    import re

    from aipo_budget.core.seals.snapshot import Ledger

    books.edit(SECRETARIAT_2005, RENT_2005, RENT_2005.replace("March", "April"))
    entries, _errors, options = load_ledger(str(books.main))
    forged = Ledger(entries, options).snapshot(datetime.date(2006, 12, 31)).digest
    seals = books.path("ledger/seals.beancount")
    seals.write_text(re.sub(r'  digest: "[0-9a-f]+"', f'  digest: "{forged}"',
                            seals.read_text(encoding="utf-8")), encoding="utf-8")
    ((_name, _lineno, message),) = books.findings()
    assert message.startswith("the seal entry's date, digest or counts do not match its "
                              "record: the entry was edited after the seal")
    assert "holds" not in invoke("report", str(books.main), "--rules", str(books.rules),
                                 "-t", "fund-statement", "--as-of", "2006-12-31").output


def test_a_replaced_evidence_file_is_found_at_the_citing_transaction(books):
    books.path(CONTRACT).write_bytes(b"%PDF-1.4\n% another contract\n")
    line = books.line_of(ROADMAP, '2006-02-15 * "Kingdom')
    ((name, lineno, message),) = books.findings()
    assert (name, lineno) == (ROADMAP, line)
    assert message.startswith(f"evidence file {CONTRACT} changed after the seal")


def test_a_missing_evidence_file_is_found(books):
    books.path(CONTRACT).unlink()
    messages = [message for _name, _line, message in books.findings()]
    assert messages == [f"evidence file {CONTRACT} is missing; breaks the seal through "
                        "2006-12-31 by A. Auditor"]


def test_a_change_under_two_seals_is_one_finding_naming_both(tmp_path):
    books = Books(tmp_path / "books").sealed("2005-12-31").sealed("2006-12-31", "B. Auditor")
    assert [p.status for p in books.verified().periods] == [HOLDS, HOLDS]
    books.edit(SECRETARIAT_2005, RENT_2005, '"Office rent, 11th floor - March 2005 (revised)"')
    ((name, _lineno, message),) = books.findings()
    assert name == SECRETARIAT_2005
    assert message.endswith("breaks the seals through 2005-12-31 by A. Auditor and "
                            "2006-12-31 by B. Auditor")


# --- the record -----------------------------------------------------------------------------


def _record(books: Books) -> Path:
    (record,) = (books.path("ledger") / "seals").iterdir()
    return record


def test_a_missing_record_is_one_finding_saying_what_is_needed(books):
    record = _record(books)
    record.unlink()
    assert books.findings() == []  # the seal holds: nothing to explain
    books.edit(ROADMAP, "advance 40% on signature", "advance 45% on signature")
    verification = books.verified()
    ((name, _lineno, message),) = books.findings(verification)
    assert name == "ledger/seals.beancount"
    assert f"its record ledger/seals/{record.name} is missing" in message
    assert "restore it from version control" in message
    assert [p.status for p in verification.periods] == [UNVERIFIED]


def test_an_edited_record_is_not_believed(books):
    record = _record(books)
    record.write_text(record.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    books.edit(ROADMAP, "advance 40% on signature", "advance 45% on signature")
    ((_name, _lineno, message),) = books.findings()
    assert "has changed since the seal" in message


def test_report_never_writes_over_a_seals_record(books):
    # --output-file replaces its file whole: a seal's record is read by every check
    record = _record(books)
    before = record.read_bytes()
    result = invoke("report", str(books.main), "--rules", str(books.rules), "-t", "budget",
                    "-f", "csv", "--output-file", str(record))
    assert result.exit_code == 2, result.output
    assert ("is a file the audit reads (of the ledger, its rules, seals or signatures)"
            in result.stderr)
    assert record.read_bytes() == before


def test_the_record_is_sorted_plain_text(books):
    lines = _record(books).read_text(encoding="utf-8").splitlines()
    entries = [line for line in lines if line.startswith("entry\t")]
    evidence = [line for line in lines if line.startswith("evidence\t")]
    assert entries == sorted(entries) and evidence == sorted(evidence)
    assert f"evidence\t{CONTRACT}\t" in "\n".join(evidence)


# --- the seal command -----------------------------------------------------------------------

BROKEN_LEDGER = """
2006-02-15 * "Unbalanced" "does not balance"
  Expenses:Secretariat:Rent   10.00 USD
  Assets:Operating:Bank-USD  -9.00 USD
"""


def seal_inline(ledger: Path, *args: str):
    return invoke("seal", str(ledger), "--rules", str(RULES), "-q", *args)


def test_a_ledger_with_errors_is_refused_and_nothing_is_written(tmp_path):
    ledger = write_ledger(tmp_path, BROKEN_LEDGER)
    before = ledger.read_bytes()
    result = seal_inline(ledger, "--through", "2006-12-31", "--by", "A. Auditor")
    assert result.exit_code == 1, result.output + result.stderr
    assert "refused" in result.stderr and "--force --reason" in result.stderr
    assert "main.beancount:" in result.stderr  # the errors are listed
    assert ledger.read_bytes() == before
    assert not (tmp_path / "ledger" / "seals.beancount").exists()


def test_force_needs_a_reason_and_records_it(tmp_path):
    ledger = write_ledger(tmp_path, BROKEN_LEDGER)
    result = seal_inline(ledger, "--through", "2006-12-31", "--by", "A. Auditor", "--force")
    assert result.exit_code == 2 and "--reason" in result.stderr
    result = seal_inline(ledger, "--through", "2006-12-31", "--by", "A. Auditor", "--force",
                         "--reason", 'Rent cheque "PV-9" under review')
    assert result.exit_code == 0, result.output + result.stderr
    assert "Forced over 1 error finding" in result.output
    entries, _errors, options = load_ledger(str(ledger))
    (seal,) = [e for e in entries if getattr(e, "type", None) == "aipo-seal"]
    assert seal.meta["forced"] is True and seal.meta["errors"] == 1
    assert seal.meta["reason"] == 'Rent cheque "PV-9" under review'
    (period,) = verify(entries, options, load_rules(RULES)).periods
    assert period.forced and period.reason == 'Rent cheque "PV-9" under review'
    assert period.status == HOLDS


def test_error_findings_after_the_sealed_date_do_not_refuse(tmp_path):
    ledger = write_ledger(tmp_path, """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, no approver"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      document: "2006-02-15.contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
      Assets:Surplus-Fund:Bank
    """)
    refused = seal_inline(ledger, "--through", "2006-12-31", "--by", "A. Auditor")
    assert refused.exit_code == 1 and "[ORG08-APPROVAL]" in refused.stderr
    sealed = seal_inline(ledger, "--through", "2006-01", "--by", "A. Auditor")
    assert sealed.exit_code == 0, sealed.output + sealed.stderr
    assert "through 2006-01-31" in sealed.output


def test_a_period_not_yet_ended_cannot_be_sealed(tmp_path):
    ledger = write_ledger(tmp_path, "")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    result = seal_inline(ledger, "--through", tomorrow.isoformat(), "--by", "A. Auditor")
    assert result.exit_code == 2 and "after today" in result.stderr
    assert not (tmp_path / "ledger").exists()


def test_the_include_is_appended_and_every_byte_before_it_kept(tmp_path):
    ledger = write_ledger(tmp_path, "")
    ledger.write_bytes(ledger.read_bytes().rstrip(b"\n") + b"\n; no newline at the end")
    before = ledger.read_bytes()
    assert seal_inline(ledger, "--through", "2005-12-31", "--by", "A. Auditor").exit_code == 0
    after = ledger.read_bytes()
    assert after == before + b'\ninclude "ledger/seals.beancount"\n'
    # a second seal: the include is there already
    assert seal_inline(ledger, "--through", "2006-12-31", "--by", "B. Auditor").exit_code == 0
    assert ledger.read_bytes() == after
    entries, errors, _options = loader.load_file(str(ledger))
    assert not errors
    assert [e.values[0].value for e in entries if getattr(e, "type", "") == "aipo-seal"] == \
        ["A. Auditor", "B. Auditor"]


def test_sealing_again_an_earlier_date_is_allowed_and_said_to_add_nothing(books):
    result = books.seal("2005-12-31", "B. Auditor")
    assert result.exit_code == 0, result.output + result.stderr
    assert "already sealed through 2006-12-31 by A. Auditor" in result.stderr
    assert [p.status for p in books.verified().periods] == [HOLDS, HOLDS]


def test_a_seal_waits_for_the_lock_and_fails_cleanly(tmp_path, monkeypatch):
    ledger = write_ledger(tmp_path, "")
    before = ledger.read_bytes()
    monkeypatch.setattr(seal_command, "LOCK_WAIT", 0.2)
    with seal_command.locked(str(ledger)):
        result = seal_inline(ledger, "--through", "2005-12-31", "--by", "A. Auditor")
    assert result.exit_code == 2
    assert "another seal of this ledger is in progress" in result.stderr
    assert ledger.read_bytes() == before
    assert not (tmp_path / "ledger" / "seals.beancount").exists()


def test_concurrent_seals_both_land_whole(tmp_path):
    books = Books(tmp_path / "books")
    code = "from aipo_budget.cli import main; main()"
    processes = [subprocess.Popen(
        [sys.executable, "-c", code, "seal", str(books.main), "--through", "2006-12-31",
         "--by", name, "--rules", str(books.rules), "-q"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("A. Auditor", "B. Auditor")]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, out + err
    text = books.main.read_text(encoding="utf-8")
    assert text.count('include "ledger/seals.beancount"') == 1
    entries, errors, _options = loader.load_file(str(books.main))
    assert not errors
    names = sorted(e.values[0].value for e in entries if getattr(e, "type", "") == "aipo-seal")
    assert names == ["A. Auditor", "B. Auditor"]
    assert [p.status for p in books.verified().periods] == [HOLDS, HOLDS]
    leftovers = [p.name for p in books.path("ledger").rglob("*.tmp")]
    assert leftovers == []


# --- the tables -----------------------------------------------------------------------------


def test_the_fund_statement_notes_each_seal_and_whether_it_holds(books):
    result = run(books.main, rules=books.rules, as_of=AS_OF)
    result.seals = tuple(books.verified().periods)  # what engine.audit gives once wired
    statement, = build_tables(result, None, None, ["fund-statement"])
    today = datetime.date.today()
    assert statement.notes == (f"Sealed through 2006-12-31 by A. Auditor on {today}: holds.",)
    later, = build_tables(result, datetime.date(2007, 1, 1), None, ["fund-statement"])
    assert later.notes == ()  # a period after the seal is not covered by it
    (period,) = result.seals
    assert (period.through, period.by, period.sealed_on, period.status, period.differences) \
        == (datetime.date(2006, 12, 31), "A. Auditor", today, HOLDS, 0)
    assert period.location.filename == str(books.path("ledger") / "seals.beancount")


# --- through check and report, once engine.audit verifies seals ----------------------------


def test_check_reports_a_broken_seal(books):
    books.edit(ROADMAP, "advance 40% on signature", "advance 45% on signature")
    result = invoke("check", str(books.main), "--rules", str(books.rules), "--format", "json",
                    "--no-cache")
    assert result.exit_code == 1
    assert '"kind": "seal"' in result.output and '"rule": "SEAL"' in result.output


def test_report_shows_the_sealed_periods(books):
    result = invoke("report", str(books.main), "--rules", str(books.rules), "-t",
                    "fund-statement", "-f", "github")
    assert result.exit_code == 0, result.output + result.stderr
    assert "Sealed through 2006-12-31 by A. Auditor" in result.output


def test_check_sees_a_replaced_evidence_file_through_its_cache(books):
    """The cache of check results must read the seals' records and the evidence files
    (aipo_budget.core.seals.seal_inputs), or a replaced file would be served as unchanged."""
    args = ("check", str(books.main), "--rules", str(books.rules), "-q")
    assert invoke(*args).exit_code == 0
    assert invoke(*args).exit_code == 0  # served from the cache
    books.path(CONTRACT).write_bytes(b"%PDF-1.4\n% another contract\n")
    result = invoke(*args)
    assert result.exit_code == 1 and "changed after the seal" in result.output

"""``check --against PACK/manifest.json`` (issue 11, evidence fingerprints): after each kind of
change since an audit pack was issued, the change is found and described; unchanged books
match the pack; a moved or reformatted entry is no change; a manifest that cannot be read
exits 2 naming the file; a pack of an older aipo-budget still has its files compared.

The books are a copy of the shipped ledger with the tests' rules beside it; the pack is
written once by ``report -o`` of the current code and only read by the tests. A test that edits
the books edits a copy of its own (``books``); the tests that only read them read one copy
(``shared_books``), which must be unchanged, file for file, after each of them.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.seals.snapshot import Ledger
from aipo_budget.outputs.pack.manifest import ledger_digest
from conftest import KINGDOM, KINGDOM_REFORMATTED, copy_shipped_ledger, left_as_found

ROADMAP = "ledger/project-trafficking-roadmap.beancount"
CONTRACT = ("documents/Expenses/Projects/Trafficking-Roadmap/Research/"
            "2006-02-15.consultancy-contract.pdf")
AUDIT_REPORT = "documents/Assets/Surplus-Fund/Bank/2003-05-12.audit-report-fy2002.pdf"
AS_PACKED = '(in the pack as 2006-02-15 transaction "Kingdom Consultancy Group" 3400.00 USD)'
BACK_DATED = ('\n2006-03-01 * "Back-dated" "slipped in after the audit"\n'
              "  Expenses:Secretariat:Rent   10.00 IDR\n  Assets:Operating:Bank-IDR\n")


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> tuple[Path, Path]:
    """The shipped books and the audit pack issued of them, once (the pack is only read)."""
    folder = tmp_path_factory.mktemp("issued")
    main = copy_shipped_ledger(folder / "books")
    result = invoke("report", str(main), "--rules", str(folder / "books/rules"),
                    "-o", str(folder / "pack"), "-q")
    assert result.exit_code == 0, result.output + result.stderr
    return folder / "books", folder / "pack"


class Books:
    """A copy of the issued books, to edit and to check against the pack."""

    def __init__(self, folder: Path, pack: Path) -> None:
        self.folder, self.pack = folder, pack
        self.main, self.rules = folder / "main.beancount", folder / "rules"
        self.manifest = pack / "manifest.json"

    def path(self, name: str) -> Path:
        return self.folder / name

    def edit(self, name: str, old: str, new: str) -> None:
        text = self.path(name).read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not unique in {name}"
        self.path(name).write_text(text.replace(old, new), encoding="utf-8")

    def append(self, name: str, text: str) -> None:
        with open(self.path(name), "a", encoding="utf-8") as file:
            file.write(text)

    def line_of(self, name: str, start: str) -> int:
        lines = self.path(name).read_text(encoding="utf-8").splitlines()
        found = [n for n, line in enumerate(lines, start=1) if line.startswith(start)]
        assert len(found) == 1, found
        return found[0]

    def check(self, *more: str, manifest: Path | None = None):
        return invoke("check", str(self.main), "--rules", str(self.rules), "--against",
                      str(manifest or self.manifest), "-q", *more)

    def document(self, *more: str, manifest: Path | None = None) -> dict:
        result = self.check("--format", "json", *more, manifest=manifest)
        assert result.exit_code in (0, 1), result.output + result.stderr
        return json.loads(result.stdout)

    def differences(self, *more: str) -> list[tuple[str, int, str]]:
        """(file relative to the books or the pack's folder, line, message) of each
        finding of kind manifest."""
        found = []
        for item in self.document(*more)["findings"]:
            if item["kind"] == "manifest":
                assert item["severity"] == "error" and item["rule"] == "MANIFEST", item
                base = self.pack.parent if item["filename"].startswith(str(self.pack)) \
                    else self.folder
                found.append((os.path.relpath(item["filename"], base), item["lineno"],
                              item["message"]))
        return found


@pytest.fixture
def books(issued, tmp_path) -> Books:
    folder, pack = issued
    shutil.copytree(folder, tmp_path / "books")
    return Books(tmp_path / "books", pack)


@pytest.fixture(scope="module")
def unchanged_copy(issued, tmp_path_factory) -> Path:
    """One copy of the issued books, elsewhere than the books the pack was issued of (as every
    test's own copy is), for the tests that only read them."""
    folder, _pack = issued
    copy = tmp_path_factory.mktemp("unchanged") / "books"
    shutil.copytree(folder, copy)
    return copy


@pytest.fixture
def shared_books(issued, unchanged_copy) -> Iterator[Books]:
    """The one unchanged copy of the books and the pack itself, for a test that only reads
    them (the copies of the pack it changes are its own): after the test they are still, file
    for file, what they were, or the test errs (a later test would read books that changed)."""
    _folder, pack = issued
    with left_as_found(unchanged_copy, pack):
        yield Books(unchanged_copy, pack)


def _pack_copy(books: Books, tmp_path: Path) -> Path:
    shutil.copytree(books.pack, tmp_path / "pack")
    return tmp_path / "pack"


# --- the books of the pack ------------------------------------------------------------------


def test_unchanged_books_match_the_pack(shared_books):
    result = shared_books.check()
    assert result.exit_code == 0, result.output + result.stderr
    manifest = json.loads(shared_books.manifest.read_text(encoding="utf-8"))
    digest = manifest["ledger_digest"]["sha256"]
    assert result.output.startswith("No findings.")
    assert (f"The books match the audit pack of {manifest['generated']} (ledger digest "
            f"{digest}): {manifest['entries']['count']} entries, ") in result.output
    document = shared_books.document()
    assert document["against"] == {"manifest": str(shared_books.manifest),
                                   "generated": manifest["generated"], "ledger_digest": digest,
                                   "matches": True, "entries_compared": True,
                                   "differences": 0, "signed_by": None}
    assert "The manifest is unsigned" in result.output


def test_a_pack_written_now_records_every_entry_and_round_trips(shared_books, tmp_path):
    manifest = json.loads(shared_books.manifest.read_text(encoding="utf-8"))
    entries = manifest["entries"]
    record = shared_books.pack / entries["path"]
    assert entries["sha256"] == hashlib.sha256(record.read_bytes()).hexdigest()
    assert {"path": entries["path"], "sha256": entries["sha256"]} in manifest["outputs"]
    lines = record.read_text(encoding="utf-8").splitlines()
    assert entries["count"] == sum(1 for line in lines if line.startswith("entry\t")) > 1000
    # the pack folder itself names the manifest; a pack written again over it holds too
    pack = _pack_copy(shared_books, tmp_path)
    again = invoke("report", str(shared_books.main), "--rules", str(shared_books.rules), "-o",
                   str(pack), "-q")
    assert again.exit_code == 0, again.output + again.stderr
    result = shared_books.check(manifest=pack)
    assert result.exit_code == 0 and "The books match the audit pack" in result.output


def test_a_moved_entry_is_no_difference(books):
    books.edit(ROADMAP, KINGDOM + "\n", "")
    books.append("ledger/surplus-fund.beancount", "\n" + KINGDOM)
    assert books.differences() == []
    assert books.check().exit_code == 0


def test_a_reformatted_entry_is_no_difference(books):
    books.edit(ROADMAP, KINGDOM, KINGDOM_REFORMATTED)
    assert books.differences() == []


# --- each change is found and described -----------------------------------------------------


@pytest.mark.parametrize(("old", "new", "said"), [
    ("3,400.00 USD\n  Assets:Surplus-Fund:Bank                                   -3,400.00",
     "3,500.00 USD\n  Assets:Surplus-Fund:Bank                                   -3,500.00",
     "amount"),
    ("advance 40% on signature", "advance 45% on signature", "narration"),
    ('approved-by: "Nguyen Thi Lan"\n  voucher: "PV-2006-002"',
     'approved-by: "Budi Santoso"\n  voucher: "PV-2006-002"', "metadata approved-by"),
])
def test_a_changed_entry_is_found_at_its_line_with_the_field(books, old, new, said):
    books.edit(ROADMAP, old, new)
    line = books.line_of(ROADMAP, '2006-02-15 * "Kingdom')
    assert books.differences() == [
        (ROADMAP, line, f"entry changed since the audit pack: {said} {AS_PACKED}")]
    result = books.check()
    assert result.exit_code == 1
    assert "1 difference from the audit pack of " in result.output


def test_a_deleted_entry_is_found_at_the_manifest_with_its_date_payee_and_amount(books):
    books.edit(ROADMAP, KINGDOM, "")
    (found,) = [f for f in books.document()["findings"] if f["kind"] == "manifest"]
    assert (found["filename"], found["lineno"]) == (str(books.manifest.resolve()), 0)
    assert found["date"] == "2006-02-15"
    assert found["message"] == ('entry removed since the audit pack: 2006-02-15 transaction '
                                '"Kingdom Consultancy Group" 3400.00 USD')


def test_a_back_dated_entry_is_found_at_its_line_whatever_the_as_of_date(books):
    books.append(ROADMAP, BACK_DATED)
    line = books.line_of(ROADMAP, '2006-03-01 * "Back-dated"')
    expected = [(ROADMAP, line, 'entry added since the audit pack: 2006-03-01 transaction '
                                '"Back-dated" 10.00 IDR')]
    assert books.differences() == expected
    # the pack recorded the whole ledger: --as-of leaves nothing out of the comparison
    assert books.differences("--as-of", "2006-01-31") == expected


@pytest.mark.parametrize("written", ["lineno: 0", 'filename: "<auto_accounts>"'])
def test_an_entry_that_writes_where_it_is_is_a_difference(books, written):
    """Written metadata replaces Beancount's ``filename`` and ``lineno``: an entry at line 0,
    or in no ledger file, looks made by a plugin, which the pack's record leaves out. The
    books "matched" the pack with such an entry added."""
    books.append(ROADMAP, BACK_DATED.replace("\n  ", f"\n  {written}\n  ", 1))
    line = books.line_of(ROADMAP, '2006-03-01 * "Back-dated"')
    key = written.split(":")[0]
    assert books.differences() == [(ROADMAP, line, f"the entry writes where it is (metadata "
                                                   f"'{key}'): no audit pack can tell whether "
                                                   "it recorded it")]


def test_an_edited_rules_file_is_found_and_stays_an_error(books):
    # an edit that would make the findings of the pack warnings cannot hide itself
    books.edit("rules/ledger.toml", 'id = "MANIFEST"\nkind = "manifest"\ntitle = "The ledger '
               'is the one of the audit pack"\ncitation = "the audit pack"\nseverity = "error"',
               'id = "MANIFEST"\nkind = "manifest"\ntitle = "The ledger is the one of the '
               'audit pack"\ncitation = "the audit pack"\nseverity = "warning"')
    assert books.differences() == [
        ("rules/ledger.toml", 0, "rules file rules/ledger.toml changed since the audit pack")]
    assert books.check().exit_code == 1


def test_a_rules_file_added_is_found(books):
    books.path("rules/later.toml").write_text(
        '# adopted after the audit\n[instrument]\nid = "28GA/2007/Org/01"\n'
        'title = "A later resolution"\nsource = "AIPO, 28th General Assembly"\n',
        encoding="utf-8")
    assert books.differences() == [
        ("rules/later.toml", 0, "rules file rules/later.toml added since the audit pack")]


def test_a_replaced_evidence_file_is_found_at_the_citing_transaction(books):
    books.path(CONTRACT).write_bytes(b"%PDF-1.4\n% another contract\n")
    line = books.line_of(ROADMAP, '2006-02-15 * "Kingdom')
    assert books.differences() == [
        (ROADMAP, line, f"evidence file {CONTRACT} changed since the audit pack")]


def test_a_removed_evidence_file_is_found(books):
    books.path(AUDIT_REPORT).unlink()
    assert books.differences() == [
        ("pack/manifest.json", 0, f"evidence file {AUDIT_REPORT} removed since the audit pack")]


def test_an_evidence_file_that_is_no_file_now_is_found_as_such_not_as_removed(books):
    """A FIFO (or a link out of the documents folders) where a file of the pack was: the file
    is there, and the evidence check will not read it."""
    books.path(AUDIT_REPORT).unlink()
    os.mkfifo(books.path(AUDIT_REPORT))
    assert books.differences() == [
        (AUDIT_REPORT, 0, f"evidence file {AUDIT_REPORT} is a FIFO, not a regular file now "
                          "(it was in the audit pack)")]


def test_an_added_evidence_file_is_found(books):
    added = "documents/Assets/Surplus-Fund/Bank/2007-01-10.bank-statement.pdf"
    books.path(added).write_bytes(b"%PDF-1.4\n% filed after the audit\n")
    assert books.differences() == [
        (added, 0, f"evidence file {added} added since the audit pack")]


def test_no_cached_verdict_hides_a_change(books):
    assert books.check().exit_code == 0
    assert invoke("check", str(books.main), "--rules", str(books.rules), "-q").exit_code == 0
    books.edit(ROADMAP, "advance 40% on signature", "advance 45% on signature")
    assert books.check().exit_code == 1
    assert len(books.differences()) == 1


def test_the_differences_go_with_csv_and_the_summary_to_stderr(books):
    books.edit(ROADMAP, "advance 40% on signature", "advance 45% on signature")
    result = books.check("--format", "csv")
    assert result.exit_code == 1
    assert "entry changed since the audit pack: narration" in result.stdout
    assert "1 difference from the audit pack of " in result.stderr


# --- a pack of an older aipo-budget ---------------------------------------------------------


def _older(books: Books, tmp_path: Path) -> Path:
    """A copy of the pack as written before packs recorded the ledger's entries."""
    pack = _pack_copy(books, tmp_path)
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    name = manifest.pop("entries")["path"]
    del manifest["inputs"]["record"]  # nor listed it among the inputs
    manifest["ledger_digest"]["sha256"] = ledger_digest(manifest["inputs"])
    manifest["outputs"] = [item for item in manifest["outputs"] if item["path"] != name]
    (pack / name).unlink()
    (pack / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return pack / "manifest.json"


def test_an_older_pack_compares_files_and_says_entries_could_not_be(books, tmp_path):
    older = _older(books, tmp_path)
    result = books.check(manifest=older)
    assert result.exit_code == 0, result.output + result.stderr
    assert "The books match the audit pack of " in result.output
    assert "entries: they could not be compared one by one" in result.output
    assert books.document(manifest=older)["against"]["entries_compared"] is False
    books.edit(ROADMAP, KINGDOM, KINGDOM.replace("  resolution", "    resolution"))
    result = books.check("--format", "json", manifest=older)
    assert result.exit_code == 1
    (found,) = [f for f in json.loads(result.stdout)["findings"] if f["kind"] == "manifest"]
    assert found["message"] == f"ledger file {ROADMAP} changed since the audit pack"


def test_an_option_changed_since_the_pack_is_found_at_the_ledger_file(books):
    """An option line is no entry, and changes what every entry means: a tolerance that
    hides an unbalanced transaction, another operating currency."""
    main = books.main.read_text(encoding="utf-8")
    assert 'option "operating_currency" "USD"' in main
    books.main.write_text(main.replace('option "operating_currency" "USD"',
                                       'option "operating_currency" "USD"\n'
                                       'option "inferred_tolerance_default" "USD:0.5"'),
                          encoding="utf-8")
    assert books.differences() == [
        ("main.beancount", 0, "option inferred_tolerance_default changed since the audit pack: "
                              "{} -> {USD=0.5}")]


def test_the_packs_own_files_are_checked_against_the_manifest(shared_books, tmp_path):
    """The books match, yet a table of the pack was edited and another removed: the pack is
    no longer what was issued, which the auditor reading it must be told."""
    pack = _pack_copy(shared_books, tmp_path)
    result = shared_books.check(manifest=pack / "manifest.json")
    assert result.exit_code == 0 and " files as written." in result.output
    with open(pack / "budget.csv", "a", encoding="utf-8") as file:
        file.write("Trafficking-Roadmap,0\n")
    (pack / "index.html").unlink()
    (pack / "findings.csv").unlink()  # a link to a file whose reading never ends
    (pack / "findings.csv").symlink_to("/dev/zero")
    found = [(os.path.relpath(f["filename"], pack), f["message"]) for f in shared_books.document(
        manifest=pack / "manifest.json")["findings"] if f["kind"] == "manifest"]
    assert found == [
        ("budget.csv", "pack file budget.csv changed since the pack was written"),
        ("findings.csv", "pack file findings.csv is a symbolic link now"),
        ("index.html", "pack file index.html removed since the pack was written")]


# --- a manifest that cannot be read ---------------------------------------------------------


def _edit_manifest(pack: Path, **fields) -> None:
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    (pack / "manifest.json").write_text(json.dumps({**manifest, **fields}), encoding="utf-8")


def _tampered_record(pack: Path) -> None:
    with open(pack / "entries.tsv", "a", encoding="utf-8") as file:
        file.write("# edited\n")


@pytest.mark.parametrize(("make", "named", "said"), [
    (lambda pack: (pack / "manifest.json").unlink(), "manifest.json",
     "cannot read the audit pack's manifest"),
    (lambda pack: (pack / "manifest.json").write_text("{not json", encoding="utf-8"),
     "manifest.json:1", "not JSON"),
    (lambda pack: (pack / "manifest.json").write_text('{"tool": "other"}', encoding="utf-8"),
     "manifest.json", "not the manifest of an aipo-budget audit pack"),
    # a number past int()'s 4,300 digits: valid JSON that Python will not read (was exit 3)
    (lambda pack: (pack / "manifest.json").write_text(
        '{"tool": "aipo-budget", "version": ' + "9" * 5000 + "}", encoding="utf-8"),
     "manifest.json", "not the manifest of an aipo-budget audit pack"),
    (lambda pack: (pack / "manifest.json").write_text('{"tool": "aipo-budget"}',
                                                      encoding="utf-8"),
     "manifest.json", "its inputs cannot be read"),
    (lambda pack: (pack / "entries.tsv").unlink(), "entries.tsv",
     "cannot read the pack's record of the ledger's entries"),
    (_tampered_record, "entries.tsv", "changed since the audit pack was written"),
    (lambda pack: _edit_manifest(pack, outputs=[{"path": "../../etc/passwd", "sha256": "0"}]),
     "manifest.json", "its list of the pack's files cannot be read"),
])
def test_an_unreadable_manifest_exits_2_naming_the_file(shared_books, tmp_path, make, named,
                                                        said):
    pack = _pack_copy(shared_books, tmp_path)
    make(pack)
    result = shared_books.check(manifest=pack / "manifest.json")
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr.startswith(f"{pack / named}: ")
    assert said in result.stderr and "Traceback" not in result.output + result.stderr


def test_a_manifests_entries_digest_edited_to_the_new_books_hides_nothing(books, tmp_path):
    """A payee changed after the audit, and the manifest's entries digest (outside the ledger
    digest) replaced by the digest of the changed books: the entries were not compared, and
    the books "matched". The record's entries are what is compared."""
    pack = _pack_copy(books, tmp_path)
    books.edit(ROADMAP, '2006-02-15 * "Kingdom Consultancy Group"',
               '2006-02-15 * "Kingdom Consultancy Grp"')
    entries, _errors, options = load_ledger(str(books.main))
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    manifest["entries"]["digest"] = Ledger(entries, options).snapshot(
        datetime.date.max).entries_digest
    (pack / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    result = books.check("-f", "lines", manifest=pack)
    assert result.exit_code == 1, result.output
    assert "entry changed since the audit pack: payee" in result.output


def test_a_pack_from_before_the_record_input_is_compared_as_before(books, tmp_path):
    """Packs written before the input "record" list none: their record still says what
    changed."""
    pack = _pack_copy(books, tmp_path)
    path = pack / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    del manifest["inputs"]["record"]
    manifest["ledger_digest"]["sha256"] = ledger_digest(manifest["inputs"])
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    assert books.check(manifest=pack).exit_code == 0
    books.edit(ROADMAP, '2006-02-15 * "Kingdom Consultancy Group"',
               '2006-02-15 * "Kingdom Consultancy Grp"')
    assert "entry changed since the audit pack: payee" in books.check(manifest=pack).output


@pytest.mark.parametrize("edit", ["options", "record"])
def test_a_manifests_record_or_options_edited_by_hand_exits_2(books, tmp_path, edit):
    """The record of the entries and the options are bound to the ledger digest through the
    input "record": a tolerance option added to the books and to the manifest, or a record
    replaced by one of changed books, is a manifest edited by hand."""
    pack = _pack_copy(books, tmp_path)
    path = pack / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if edit == "options":
        manifest["entries"]["options"]["inferred_tolerance_default"] = "{s3:USD=n:0.5}"
    else:
        record = pack / "entries.tsv"
        record.write_text(record.read_text(encoding="utf-8").replace(
            "Kingdom Consultancy Group", "Kingdom Consultancy Grp"), encoding="utf-8")
        manifest["entries"]["sha256"] = hashlib.sha256(record.read_bytes()).hexdigest()
    path.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    result = books.check(manifest=pack)
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr.startswith(f"{path}: its record of the entries or of the options is "
                                    "not the one its inputs list")


def test_a_manifest_edited_to_hide_a_rules_change_exits_2_naming_it(books, tmp_path):
    """The ceiling raised from 40,000 to 60,000 after the audit, and that file's SHA-256
    replaced in the manifest by hand: the ledger digest the manifest records is no longer the
    digest of the inputs it lists, and the books are not said to match."""
    pack = _pack_copy(books, tmp_path)
    edited = "rules/26GA-2005-Soc-03.toml"
    books.edit(edited, "params.allocation = 40000.00", "params.allocation = 60000.00")
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    (listed,) = [item for item in manifest["inputs"]["rules"] if item["path"] == edited]
    listed["sha256"] = hashlib.sha256(books.path(edited).read_bytes()).hexdigest()
    (pack / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    result = books.check(manifest=pack)
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr.startswith(f"{pack / 'manifest.json'}: ")
    recorded = manifest["ledger_digest"]["sha256"]
    assert (f"the ledger digest it records ({recorded}) is not the digest of the inputs it "
            "lists") in result.stderr
    assert "The books match" not in result.output + result.stderr


def test_a_manifest_without_a_ledger_digest_exits_2(shared_books, tmp_path):
    pack = _pack_copy(shared_books, tmp_path)
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    del manifest["ledger_digest"]
    (pack / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = shared_books.check(manifest=pack)
    assert result.exit_code == 2, result.output + result.stderr
    assert result.stderr.startswith(f"{pack / 'manifest.json'}: ")
    assert "records no ledger digest" in result.stderr


def test_against_cannot_go_with_pending(shared_books):
    result = shared_books.check("--pending", str(shared_books.main))
    assert result.exit_code == 2
    assert "--against cannot be combined with --pending" in result.stderr


def test_an_empty_manifest_path_is_refused_as_every_empty_path_is():
    result = CliRunner().invoke(cli, ["check", "--against", ""])
    assert result.exit_code == 2
    assert result.stderr == "--against: an empty path names no file or folder\n"

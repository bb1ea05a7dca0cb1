"""The check cache: a warm run reuses the result; any changed input is seen on the next run."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from aipo_budget import cache, cli
from conftest import ROOT


@pytest.fixture
def books(tmp_path):
    """A copy of the shipped ledger, rules and evidence."""
    copy = tmp_path / "books"
    copy.mkdir()
    for name in ("main.beancount", "ledger", "rules", "documents"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            shutil.copy(source, copy / name)
    return copy


@pytest.fixture
def loads(monkeypatch):
    """Counts how often the ledger is really read."""
    calls = []
    real = cli.load_ledger

    def counting(path):
        calls.append(path)
        return real(path)

    monkeypatch.setattr(cli, "load_ledger", counting)
    return calls


def check(books, *args):
    result = CliRunner().invoke(cli.cli, ["check", str(books / "main.beancount"), *args])
    return result


def test_second_run_is_served_from_the_cache(books, loads):
    first = check(books)
    second = check(books)
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert len(loads) == 1


def test_no_cache_reads_the_ledger(books, loads):
    check(books)
    assert check(books, "--no-cache").exit_code == 0
    assert len(loads) == 2


def test_a_changed_rule_parameter_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    rules = books / "rules" / "23GA-2002-Org-08.toml"
    rules.write_text(rules.read_text().replace("params.floor = 100000.00",
                                               "params.floor = 900000.00"))
    result = check(books, "--format", "json")
    assert result.exit_code == 1, result.output
    assert '"kind": "reserve"' in result.stdout
    assert len(loads) == 2


def test_a_changed_ledger_file_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    project = books / "ledger" / "project-trafficking-roadmap.beancount"
    text = project.read_text()
    project.write_text(text.replace('approved-by: "Nguyen Thi Lan"', 'approved-by: "Ratna Wulandari"', 1))
    result = check(books)
    assert result.exit_code == 1
    assert "both prepared and approved" in result.stdout
    assert len(loads) == 2


def test_a_removed_evidence_file_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    evidence = next((books / "documents" / "Expenses").rglob("*consultancy-contract.pdf"))
    evidence.unlink()
    result = check(books)
    assert result.exit_code == 1
    assert "does not resolve to an evidence file" in result.stdout


def test_a_new_tool_version_invalidates(books, loads, monkeypatch):
    assert check(books).exit_code == 0
    monkeypatch.setattr(cache, "__version__", "99.0")
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_another_as_of_date_is_another_result(books, loads):
    check(books, "--as-of", "2006-04-30")
    check(books, "--as-of", "2006-05-31")
    check(books, "--as-of", "2006-04-30")
    assert len(loads) == 2


def test_a_corrupt_cache_is_ignored(books, loads):
    check(books)
    for path in cache.cache_dir().glob("*.pickle"):
        path.write_bytes(b"not a pickle")
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_nothing_is_written_beside_the_ledger(books):
    before = sorted(p.name for p in books.iterdir())
    check(books)
    check(books)
    assert sorted(p.name for p in books.iterdir()) == before


def test_a_new_file_matching_an_include_glob_is_seen(books, loads):
    main = books / "main.beancount"
    main.write_text(main.read_text() + '\ninclude "extra/**/*.beancount"\n')
    (books / "extra").mkdir()
    (books / "extra" / "empty.beancount").write_text("; nothing yet\n")
    assert check(books).exit_code == 0
    (books / "extra" / "new").mkdir()
    (books / "extra" / "new" / "b.beancount").write_text(
        '2006-05-02 * "Hotel" "Secretariat travel paid from the fund"\n'
        '  resolution: "26GA/2005/Soc/03"\n  prepared-by: "A"\n  approved-by: "B, C"\n'
        '  document: "2006-02-15.consultancy-contract.pdf"\n'
        '  Expenses:Secretariat:Travel   900.00 USD\n  Assets:Surplus-Fund:Bank\n')
    result = check(books)
    assert result.exit_code == 1, result.output
    assert "not a project" in result.stdout
    assert len(loads) == 2


def test_a_removed_document_outside_the_documents_folder_is_seen(books, loads):
    receipts = books / "receipts"
    receipts.mkdir()
    (receipts / "fee.pdf").write_bytes(b"%PDF-1.4\n")
    main = books / "main.beancount"
    main.write_text(main.read_text()
                    + '\n2006-03-01 document Assets:Surplus-Fund:Bank "receipts/fee.pdf"\n')
    assert check(books).exit_code == 0
    (receipts / "fee.pdf").unlink()
    assert check(books).exit_code == 1
    assert len(loads) == 2

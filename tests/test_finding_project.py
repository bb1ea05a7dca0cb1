"""Every finding carries the project of its transaction (issue 22): the approval, evidence,
segregation and duplicate findings on a project's surplus outflow name that project in JSON
and in the CSV register, whichever check made them, an accrual's payment included (its
project is the accrued cost's, which only the facts know: the payment posts to a liability)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from conftest import copy_shipped_ledger

PROJECT = "Trafficking-Roadmap"
PLANTED = {  # (what is replaced, by what): one finding of each kind on a project outflow
    "approval": ('  approved-by: "Nguyen Thi Lan"\n  voucher: "PV-2006-002"\n',
                 '  voucher: "PV-2006-002"\n'),
    "segregation": ('  prepared-by: "Budi Santoso"\n  approved-by: "Nguyen Thi Lan"\n'
                    '  voucher: "PV-2006-003"\n',
                    '  prepared-by: "Nguyen Thi Lan"\n  approved-by: "Nguyen Thi Lan"\n'
                    '  voucher: "PV-2006-003"\n'),
    "evidence": ('"2006-03-14.interpretation-invoice-vientiane.pdf"', '"2006-03-14.missing.pdf"'),
    "duplicate": ('"2006-04-21.country-papers-invoice-ilpc.pdf"',
                  '"2006-04-20.country-papers-invoice-mlra.pdf"'),
    # the payment of the accrued printing invoice: its postings name no project
    "accrual payment": ('  approved-by: "Nguyen Thi Lan"\n  voucher: "PV-2006-021"\n',
                        '  voucher: "PV-2006-021"\n'),
}
BOOK = "ledger/project-trafficking-roadmap.beancount"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planted")
    copy_shipped_ledger(folder)
    book = folder / BOOK
    text = book.read_text(encoding="utf-8")
    for old, new in PLANTED.values():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    book.write_text(text, encoding="utf-8")
    return folder


def check(folder, monkeypatch, fmt):
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, ["check", "-f", fmt, "--as-of", "2007-01-01", "--no-cache"])
    assert result.exit_code == 1, result.output
    return result.stdout


def test_every_finding_on_a_project_outflow_names_its_project_in_json(planted, monkeypatch):
    findings = json.loads(check(planted, monkeypatch, "json"))["findings"]
    on_outflows = [f for f in findings if f["filename"] == BOOK]
    assert {"approval", "segregation", "evidence", "duplicate"} <= {f["kind"] for f in on_outflows}
    assert len([f for f in on_outflows if f["kind"] == "approval"]) == 2  # the accrual's too
    assert [f for f in on_outflows if f["project"] != PROJECT] == []


def test_the_csv_register_names_the_project_of_each_finding(planted, monkeypatch):
    rows = list(csv.DictReader(io.StringIO(check(planted, monkeypatch, "csv"))))
    kinds = {row["kind"] for row in rows if row["location file"] == BOOK}
    assert {"approval", "segregation", "evidence", "duplicate"} <= kinds
    assert {row["project"] for row in rows if row["location file"] == BOOK} == {PROJECT}

"""What the outputs say (issue 22): check's JSON carries what docs/commands.md lists, its paths
relative to the one folder it states; built-in rules without a made-up date; every instrument
source a citation; a template that says how to judge it on a closed project; and a ledger
Beancount reads is audited, whatever bytes its comments hold."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import pytest
from beancount import loader
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.core.rules import load_rules
from conftest import RULES, copy_shipped_ledger, write_ledger

UNAPPROVED = """
2006-02-15 * "Kingdom Consultancy" "Research consultant, first instalment"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  document: "2006-02-15.consultancy-contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   800.00 USD
  Assets:Surplus-Fund:Bank

2006-06-20 * "Partner" "Translation paid directly by the partner"
  Expenses:Projects:Trafficking-Roadmap:Translation   800.00 USD
  Income:Co-Funding:Partner
"""
# an unbalanced transaction: Beancount's own error, a finding of the built-in LEDGER rule
UNBALANCED = """
2006-03-01 * "Stationer" "Paper"
  Expenses:Secretariat:Rent   10.00 USD
  Assets:Operating:Bank-USD  -9.00 USD
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def check_json(*args: str) -> dict:
    result = invoke("check", "-f", "json", "--no-cache", "--as-of", "2007-01-01", *args)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


# --- check's JSON -----------------------------------------------------------------------------

def test_a_finding_in_json_has_its_criterion_and_transaction(tmp_path, monkeypatch):
    write_ledger(tmp_path, UNAPPROVED)
    monkeypatch.chdir(tmp_path)
    (found,) = [f for f in check_json("-r", str(RULES))["findings"] if f["kind"] == "approval"]
    assert found["transaction"] == "Kingdom Consultancy — Research consultant, first instalment"
    text = next(v.text for r in load_rules(RULES).rules if r.id == found["rule"]
                for v in r.versions if v.number == found["version"])
    assert found["criterion"] == text and "approver" in text
    assert found["project"] == "Trafficking-Roadmap"


def test_every_path_in_json_is_relative_to_the_root_it_states(tmp_path, monkeypatch):
    books = tmp_path / "books"
    books.mkdir()
    write_ledger(books, UNAPPROVED + UNBALANCED)
    monkeypatch.chdir(tmp_path)
    document = check_json("books/main.beancount", "-r", str(RULES))
    assert document["root"] == os.getcwd()
    assert document["ledger"] == os.path.join("books", "main.beancount")
    # the tests' rules are outside the working folder: absolute, as the text formats show them
    assert document["rules"] == str(RULES)
    filenames = {f["filename"] for f in document["findings"]}
    assert filenames == {os.path.join("books", "main.beancount")}
    for name in (document["ledger"], document["rules"], *filenames):
        assert os.path.exists(os.path.join(document["root"], name)), name


# --- built-in rules: no made-up date ------------------------------------------------------------

def test_beancounts_errors_are_findings_of_a_rule_in_force_always_without_a_date(
        tmp_path, monkeypatch):
    write_ledger(tmp_path, UNBALANCED)
    monkeypatch.chdir(tmp_path)
    (ledger,) = check_json("-r", str(RULES))["findings"]
    assert (ledger["rule"], ledger["version"], ledger["effective"]) == ("LEDGER", 1, None)
    text = invoke("check", "--no-cache", "-r", str(RULES)).stdout
    rows = list(csv.DictReader(io.StringIO(invoke("check", "-f", "csv", "-r", str(RULES)).stdout)))
    assert [row["rule (version)"] for row in rows] == ["LEDGER v1"]
    # the tests' rules date it 1900-01-01, the first day a rules file can name: always
    rulebook = invoke("rules", "-r", str(RULES), "-f", "csv", "-t", "rules")
    assert rulebook.exit_code == 0, rulebook.output
    assert "1900" not in text + rulebook.stdout and "LEDGER v1" in text


def test_a_rules_folder_without_a_ledger_rule_still_names_it_without_a_date(tmp_path,
                                                                              monkeypatch):
    write_ledger(tmp_path, UNBALANCED)
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "one.toml").write_text((RULES / "23GA-2002-Org-08.toml").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (ledger,) = check_json()["findings"]
    assert (ledger["rule"], ledger["effective"]) == ("LEDGER", None)


# --- instrument sources: citations ------------------------------------------------------------

@pytest.mark.parametrize(("source", "followable"), [
    ("shared/seed/res-26GA-2005-Soc-03.md", False),
    ("texts/missing.pdf", False),
    ("texts/resolution.pdf", True),  # written beside the rules file below
    ("Res. 26GA/2005/Soc/03; AIPA Secretariat, Jakarta", True),
    ("https://example.org/resolution.pdf", True),
])
def test_a_source_that_is_the_path_of_no_file_is_a_warning_at_its_line(tmp_path, monkeypatch,
                                                                         source, followable):
    write_ledger(tmp_path, UNAPPROVED)
    rules = tmp_path / "rules"
    (rules / "texts").mkdir(parents=True)
    (rules / "texts" / "resolution.pdf").write_bytes(b"%PDF-1.4\n")
    text = (RULES / "23GA-2002-Org-08.toml").read_text(encoding="utf-8").replace(
        "[instrument]\n", f'[instrument]\nsource = "{source}"\n')
    (rules / "org08.toml").write_text(text, encoding="utf-8")
    line = text.splitlines().index(f'source = "{source}"') + 1
    assert load_rules(rules).instruments[0].source == source  # the rules judge all the same
    monkeypatch.chdir(tmp_path)
    warned = [(f["severity"], f["filename"], f["lineno"]) for f in check_json()["findings"]
              if f["rule"] == "INSTRUMENT-SOURCE"]
    assert warned == ([] if followable else [("warning", "rules/org08.toml", line)])


# --- the template on a closed project ---------------------------------------------------------

def test_the_template_says_how_to_judge_a_payment_of_a_closed_project(tmp_path, monkeypatch):
    copy_shipped_ledger(tmp_path)
    monkeypatch.chdir(tmp_path)
    today = invoke("check", "--pending", "--template")
    assert today.exit_code == 0, today.output
    assert "Trafficking-Roadmap closed on 2006-08-29" in today.stdout
    commands = re.findall(r"^;\s+(aipo-budget .*)$", today.stdout, re.M)
    assert commands == [
        "aipo-budget check --pending --template --as-of 2006-06-30 > proposal.beancount",
        "aipo-budget check --pending proposal.beancount --as-of 2006-06-30"]
    # what the comment says to do gives a payment that can be paid, once its evidence is filed
    inside = invoke("check", "--pending", "--template", "--as-of", "2006-06-30")
    assert "closed on" not in inside.stdout
    assert re.search(r"^2006-06-30 \*", inside.stdout, re.M)
    assert "--pending proposal.beancount --as-of 2006-06-30" in inside.stdout
    (tmp_path / "proposal.beancount").write_text(inside.stdout, encoding="utf-8")
    evidence = tmp_path / "documents/Expenses/Projects/Trafficking-Roadmap/Research"
    evidence.mkdir(parents=True, exist_ok=True)
    (evidence / "2006-06-30.invoice.pdf").write_bytes(b"%PDF-1.4\n")
    judged = invoke("check", "--pending", "proposal.beancount", "--as-of", "2006-06-30")
    assert judged.exit_code == 0, judged.output
    assert "can be paid" in judged.stdout


# --- Beancount decides what a ledger is -------------------------------------------------------

def write_bytes_ledger(folder, line: bytes):
    ledger = write_ledger(folder, UNAPPROVED)
    ledger.write_bytes(ledger.read_bytes() + line)
    return ledger


def test_a_byte_beancount_skips_in_a_comment_is_a_warning_at_its_line(tmp_path, monkeypatch):
    ledger = write_bytes_ledger(tmp_path, b"; a comment with a stray \xff byte\n")
    line = ledger.read_bytes().count(b"\n")
    _entries, errors, _options = loader.load_file(str(ledger))
    assert errors == []  # bean-check passes it
    monkeypatch.chdir(tmp_path)
    findings = check_json("-r", str(RULES))["findings"]
    (stray,) = [f for f in findings if f["kind"] == "ledger"]
    assert (stray["severity"], stray["filename"], stray["lineno"]) == \
        ("warning", "main.beancount", line)
    assert "0xff" in stray["message"] and "UTF-8" in stray["message"]
    assert {f["kind"] for f in findings} == {"ledger", "approval"}  # the rest is audited
    report = invoke("report", "-r", str(RULES), "-t", "disbursements")
    assert report.exit_code == 0, report.output
    assert "Kingdom Consultancy" in report.stdout


def test_a_byte_beancount_cannot_read_is_refused_naming_file_and_line(tmp_path, monkeypatch):
    ledger = write_bytes_ledger(tmp_path, b'2006-07-01 * "Caf\xe9" "x"\n')
    line = ledger.read_bytes().count(b"\n")
    _entries, errors, _options = loader.load_file(str(ledger))
    assert errors  # bean-check fails it
    monkeypatch.chdir(tmp_path)
    result = invoke("check", "-r", str(RULES))
    assert result.exit_code == 2, result.output
    assert f"main.beancount:{line}: not a UTF-8 text file (byte 0xe9 at line {line})" \
        in result.stderr


def test_a_proposal_with_a_stray_byte_in_a_comment_is_judged(tmp_path, monkeypatch):
    write_ledger(tmp_path, "")
    monkeypatch.chdir(tmp_path)
    template = invoke("check", "-r", str(RULES), "--pending", "--template",
                      "--as-of", "2006-06-30").stdout
    (tmp_path / "p.beancount").write_bytes(b"; caf\xe9\n" + template.encode("utf-8"))
    judged = invoke("check", "-r", str(RULES), "--pending", "p.beancount", "-f", "json",
                    "--as-of", "2006-06-30")
    assert judged.exit_code in (0, 1), judged.output
    assert json.loads(judged.stdout)["proposals"][0]["transaction"] == \
        "Payee — What the payment is for"
    (tmp_path / "q.beancount").write_bytes(template.replace("Payee", "Pay\xe9e")
                                           .encode("latin-1"))
    refused = invoke("check", "-r", str(RULES), "--pending", "q.beancount")
    assert refused.exit_code == 2 and "not a UTF-8 text file (byte 0xe9" in refused.stderr

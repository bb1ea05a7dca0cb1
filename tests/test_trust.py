"""A verdict you can trust (issue 8, section 1): no outflow escapes judgement.

Names are people, metadata has types read in one place, a payment is not judged before its
authority exists, nothing dated after the as-of date disappears quietly, and rules and ledger
must meet.
"""

from __future__ import annotations

import datetime
import json
import os
import re

import pytest
from click.testing import CliRunner

from aipo_budget import cli
from aipo_budget.core import meta
from aipo_budget.outputs.tables import build_tables
from conftest import RULES, kinds, line_of, only, run, write_ledger

# --- names are people, not strings --------------------------------------------------------


@pytest.mark.parametrize("variant", [
    "Nguyen  Thi Lan", "Nguyen\u00a0Thi Lan", "nguyen thi lan", " NGUYEN THI LAN ",
    "Nguyen\u200bThi Lan".replace("\u200b", "\u200b "), "\ufeffNguyen Thi Lan",
    "Ｎｇｕｙｅｎ Thi Lan",  # full-width letters: NFKC
])
def test_name_variants_are_one_person(variant):
    assert meta.person_key(variant) == meta.person_key("Nguyen Thi Lan")


def test_different_people_stay_different():
    assert meta.person_key("Nguyen Thi Lan") != meta.person_key("Nguyen Thi Lang")
    assert meta.person_key("Nguyen Thi Lan") != meta.person_key("NguyenThi Lan")


def test_two_spellings_of_one_approver_are_one_approver(audited, ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Nguyen Thi Lan, nguyen  thi lan"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   8000.00 USD
      Income:Co-Funding:Partner
    """
    [finding] = only(audited, "approval")
    assert finding.lineno == line_of(ledger_path, '2006-02-15 * "Kingdom Consultancy"')
    assert "has 1" in finding.message
    # shown as written
    assert "Nguyen Thi Lan, nguyen thi lan" in finding.message


def test_preparer_spelt_differently_among_approvers_is_caught(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Ratna\u00a0Wulandari"
      approved-by: "RATNA  WULANDARI"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   3000.00 USD
      Income:Co-Funding:Partner
    """
    [finding] = only(audited, "segregation")
    assert re.search(r"Ratna Wulandari both prepared and approved", finding.message)


def test_empty_names_are_no_approvers(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant, empty approver list"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: " , ,"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-15 * "Kingdom Consultancy" "Research consultant, one real approver"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, , \u200b"
      document: "2006-03-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   6000.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-15 * "Kingdom Consultancy" "Research consultant, empty preparer"
      resolution: "26GA/2005/Soc/03"
      prepared-by: ""
      approved-by: "Executive Director"
      document: "2006-04-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   10000.00 USD
      Income:Co-Funding:Partner
    """
    approval = only(audited, "approval")
    assert [f.date.month for f in approval] == [2, 3]
    assert "names no approver" in approval[0].message
    assert "has 1" in approval[1].message
    [segregation] = only(audited, "segregation")
    assert segregation.date.month == 4
    assert "does not name who prepared it" in segregation.message


# --- metadata has types, read in one place --------------------------------------------------

FIELDS = {
    "resolution": '"26GA/2005/Soc/03"', "prepared-by": '"Finance Officer"',
    "approved-by": '"Executive Director"', "document": '"2006-02-15.contract.pdf"',
}
CO_FUNDED = """
2006-06-20 * "Partner" "Translation paid directly by the partner"
  Expenses:Projects:Trafficking-Roadmap:Translation   1000.00 USD
  Income:Co-Funding:Partner
"""


def outflow_with(fields: dict[str, str]) -> str:
    """A 1,000 USD research payment from the fund with these metadata lines."""
    lines = "\n".join(f"  {k}: {v}" for k, v in fields.items())
    return f"""
2006-02-15 * "Kingdom Consultancy" "Research consultant"
{lines}
  Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
  Assets:Surplus-Fund:Bank
"""


def test_a_quoted_incurred_date_is_the_date(audited, ledger_path):
    """
    2006-08-10 * "Print House" "Printing, incurred before the period"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-08-10.printing-invoice.pdf"
      incurred: "2005-11-01"
      Expenses:Projects:Trafficking-Roadmap:Publications   1000.00 USD
      Assets:Surplus-Fund:Bank

    2006-06-20 * "Partner" "Translation paid directly by the partner"
      Expenses:Projects:Trafficking-Roadmap:Translation   1000.00 USD
      Income:Co-Funding:Partner
    """
    [finding] = only(audited, "period")
    assert "incurred on 2005-11-01, outside the project period" in finding.message
    assert audited.facts.outflows[0].uses[0].incurred == datetime.date(2005, 11, 1)


def test_a_quoted_fiscal_year_is_the_year_for_transfers_and_contributions(audited):
    """
    2004-12-31 * "Assessment" "Brunei contribution"
      fiscal-year: "2004"
      Assets:Operating:Bank-USD         60000.00 USD
      Income:Contributions:Brunei

    2005-03-01 * "AIPO" "Transfer of the 2004 operating surplus"
      fiscal-year: "2004"
      audit-ref: "AR-2004"
      Assets:Surplus-Fund:Bank          50000.00 USD
      Assets:Operating:Bank-USD
    """
    assert kinds(audited) == []
    assert audited.facts.transfers[0].fiscal_year == 2004
    [table] = build_tables(audited, names=["contributions"])
    assert [(row["member"], row["fiscal_year"]) for row in table.rows] == [("Brunei", 2004)]
    [statement] = build_tables(audited, names=["fund-statement"])
    assert any("fiscal year 2004 (AR-2004)" == row["detail"] for row in statement.rows)


@pytest.mark.parametrize("key,value,kind,expected", [
    ("incurred", "20051101", "period", "expected a date"),
    ("incurred", '"1 Nov 2005"', "period", "expected a date"),
    ("incurred", '"2006-02-30"', "period", "expected a date"),
    ("approved-by", "TRUE", "approval", "expected names in double quotes"),
    ("prepared-by", "2006-01-01", "segregation", "expected a name"),
    ("resolution", "FALSE", "authorization", "expected text"),
    ("document", "2006-02-15", "evidence", "expected text"),
])
def test_unreadable_outflow_metadata_is_an_error_of_the_kind_that_reads_it(
        tmp_path, key, value, kind, expected):
    fields = dict(FIELDS, **{key: value})
    ledger = write_ledger(tmp_path, outflow_with(fields) + CO_FUNDED)
    result = run(ledger)
    found = [f for f in result.findings if f"metadata '{key}'" in f.message]
    assert [f.kind for f in found] == [kind], result.findings
    assert found[0].severity == "error"
    assert expected in found[0].message
    assert found[0].lineno == line_of(ledger, '2006-02-15 * "Kingdom Consultancy"')


@pytest.mark.parametrize("key,value", [
    ("fiscal-year", '"two thousand"'), ("fiscal-year", "TRUE"), ("fiscal-year", "2004.5"),
    ("fiscal-year", "1800"), ("audit-ref", "TRUE"), ("audit-ref", "2005-01-01"),
])
def test_unreadable_transfer_metadata_is_a_transfer_error(tmp_path, key, value):
    fields = {"fiscal-year": "2004", "audit-ref": '"AR-2004"'}
    fields[key] = value
    lines = "\n".join(f"  {k}: {v}" for k, v in fields.items())
    ledger = write_ledger(tmp_path, f"""
2004-12-31 * "Assessment" "Brunei contribution"
  Assets:Operating:Bank-USD         60000.00 USD
  Income:Contributions:Brunei

2005-03-01 * "AIPO" "Transfer of the 2004 operating surplus"
{lines}
  Assets:Surplus-Fund:Bank          50000.00 USD
  Assets:Operating:Bank-USD
""")
    result = run(ledger)
    found = [f for f in result.findings if f"metadata '{key}'" in f.message]
    assert [(f.kind, f.severity) for f in found] == [("transfer", "error")], result.findings


def test_an_unreadable_contribution_year_is_a_finding_not_a_dropped_row(audited, ledger_path):
    """
    2004-12-31 * "Assessment" "Brunei contribution"
      fiscal-year: "FY04"
      Assets:Operating:Bank-USD         60000.00 USD
      Income:Contributions:Brunei
    """
    [finding] = audited.findings
    assert finding.kind == "ledger"
    assert "metadata 'fiscal-year' is \"FY04\": expected a year" in finding.message
    assert finding.lineno == line_of(ledger_path, '2004-12-31 * "Assessment"')


@pytest.mark.parametrize("written,key", [
    ("approved_by", "approved-by"), ("aproved-by", "approved-by"), ("prepared_by", "prepared-by"),
    ("resolutions", "resolution"), ("documents", "document"), ("documnet", "document"),
])
def test_a_misspelt_key_gets_a_hint(tmp_path, written, key):
    fields = dict(FIELDS)
    fields[written] = fields.pop(key)
    ledger = write_ledger(tmp_path, outflow_with(fields))
    result = run(ledger)
    hinted = [f for f in result.errors if f"did you mean '{key}'" in f.message]
    assert len(hinted) == 1, result.findings
    assert f"the transaction has '{written}'" in hinted[0].message


def test_an_evidence_finding_lists_the_folders_searched(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2006-02-15.missing-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "evidence")
    assert "searched documents/Assets/Surplus-Fund/Bank/, " in finding.message
    assert "documents/Expenses/Projects/Trafficking-Roadmap/Research/" in finding.message


# --- evidence stays inside the documents folders --------------------------------------------

OUTFLOW = """
2006-02-15 * "Kingdom Consultancy" "Research consultant"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"
  document: "2006-02-15.evidence.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
  Assets:Surplus-Fund:Bank

2006-06-20 * "Partner" "Translation paid directly by the partner"
  Expenses:Projects:Trafficking-Roadmap:Translation   1000.00 USD
  Income:Co-Funding:Partner
"""
EVIDENCE = os.path.join("documents", "Expenses", "Projects", "Trafficking-Roadmap", "Research",
                        "2006-02-15.evidence.pdf")


def test_evidence_linked_outside_the_documents_folder_is_an_error(tmp_path):
    ledger = write_ledger(tmp_path, OUTFLOW)
    secret = tmp_path / "secret.pdf"
    secret.write_text("not evidence")
    os.unlink(tmp_path / EVIDENCE)
    os.symlink(secret, tmp_path / EVIDENCE)
    [finding] = only(run(ledger), "evidence")
    assert "outside the ledger's documents folders" in finding.message


def test_evidence_that_is_a_fifo_is_an_error_and_never_opened(tmp_path):
    ledger = write_ledger(tmp_path, OUTFLOW)
    os.unlink(tmp_path / EVIDENCE)
    os.mkfifo(tmp_path / EVIDENCE)
    [finding] = only(run(ledger), "evidence")
    assert "is a FIFO, not a regular file" in finding.message


def test_evidence_inside_the_documents_folder_passes(tmp_path):
    ledger = write_ledger(tmp_path, OUTFLOW)
    assert kinds(run(ledger)) == []


# --- a payment is not judged before its authority exists -----------------------------------


def test_an_outflow_before_its_resolution_was_adopted_is_an_authorization_error(audited):
    """
    2005-09-01 * "Kingdom Consultancy" "Scoping study, paid before the General Assembly"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2005-09-01.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "authorization")
    assert "before resolution 26GA/2005/Soc/03 was adopted on 2005-09-23" in finding.message
    # judged by the project's period too, although the period rule was not yet in force
    [period] = only(audited, "period")
    assert period.rule == "SOC03-PERIOD"
    assert "outside the project period 2006-01-01 to 2006-06-30" in period.message


def test_an_outflow_on_the_adoption_day_is_authorised(audited):
    """
    2005-09-23 * "Kingdom Consultancy" "Scoping study"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director"
      document: "2005-09-23.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
      Assets:Surplus-Fund:Bank
    """
    assert only(audited, "authorization") == []
    assert [f.rule for f in only(audited, "period")] == ["SOC03-PERIOD"]


# --- rules and ledger must meet --------------------------------------------------------------


def test_a_rule_naming_a_project_without_accounts_is_a_warning_with_the_near_match(
        tmp_path):
    ledger = write_ledger(tmp_path, OUTFLOW)
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in RULES.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        if path.name == "26GA-2005-Soc-03.toml":
            text = text.replace('params.project = "Trafficking-Roadmap"\n  params.allocation',
                                'params.project = "Traficking-Roadmap"\n  params.allocation')
            text = text.replace('params.project = "Trafficking-Roadmap"\n  params.start',
                                'params.project = "Traficking-Roadmap"\n  params.start')
            text = text.replace('params.project = "Trafficking-Roadmap"\n  params.max_share',
                                'params.project = "Traficking-Roadmap"\n  params.max_share')
        (rules / path.name).write_text(text, encoding="utf-8")
    result = run(ledger, rules=rules)
    warnings = [f for f in result.warnings if "has no accounts in the ledger" in f.message]
    assert {f.rule for f in warnings} == {"SOC03-PERIOD", "SOC03-CEILING", "SOC03-COFUNDING"}
    assert all("did you mean 'Trafficking-Roadmap'?" in f.message for f in warnings)
    assert all(f.filename.endswith("26GA-2005-Soc-03.toml") and f.lineno > 0 for f in warnings)
    # and the real project, now without rules, is unbounded
    unbounded = {f.kind for f in result.errors if "unbounded" in f.message}
    assert unbounded == {"period", "ceiling", "cofunding"}


def test_a_project_paid_from_surplus_without_a_ceiling_rule_is_unbounded(tmp_path):
    ledger = write_ledger(tmp_path, OUTFLOW)
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in RULES.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        if path.name == "26GA-2005-Soc-03.toml":
            start = text.index('[[rule]]\nid = "SOC03-CEILING"')
            end = text.index("[[rule]]", start + 1)
            text = text[:start] + text[end:]
        (rules / path.name).write_text(text, encoding="utf-8")
    result = run(ledger, rules=rules)
    [finding] = [f for f in result.findings if "unbounded" in f.message]
    assert (finding.kind, finding.severity, finding.rule) == ("ceiling", "error",
                                                              "NO-CEILING-RULE")
    assert finding.lineno == line_of(ledger, '2006-02-15 * "Kingdom Consultancy"')
    assert "project 'Trafficking-Roadmap'" in finding.message


# --- nothing after the as-of date disappears quietly ----------------------------------------


def _future_payment(tmp_path, day: datetime.date):
    return write_ledger(tmp_path, f"""
{day} * "Kingdom Consultancy" "Research consultant, to be released next week"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  document: "{day}.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
  Assets:Surplus-Fund:Bank
""")


def test_without_as_of_a_payment_dated_next_week_is_judged(tmp_path):
    day = datetime.date.today() + datetime.timedelta(days=7)
    ledger = _future_payment(tmp_path, day)
    result = CliRunner().invoke(cli.cli, ["check", str(ledger), "-r", str(RULES), "--format",
                                                "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    approval = [f for f in report["findings"] if f["kind"] == "approval"]
    assert [f["date"] for f in approval] == [day.isoformat()]
    assert report["left_out"] == 0


def test_with_as_of_later_entries_and_their_errors_are_left_out_and_counted(tmp_path):
    ledger = write_ledger(tmp_path, """
2006-08-01 * "Kingdom Consultancy" "Research consultant"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  document: "2006-08-01.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
  Assets:Surplus-Fund:Bank

2006-08-02 balance Assets:Surplus-Fund:Bank   1.00 USD
""")
    full = CliRunner().invoke(cli.cli, ["check", str(ledger), "-r", str(RULES), "-f", "json",
                                        "--no-cache"])
    assert {f["kind"] for f in json.loads(full.stdout)["findings"]} >= {"approval", "ledger"}
    cut = CliRunner().invoke(cli.cli, ["check", str(ledger), "-r", str(RULES),
                                       "--as-of", "2006-07-31", "--no-cache"])
    assert cut.exit_code == 0, cut.output
    # the payment, its Document entry (found in documents/) and the balance assertion
    assert "3 entries dated after 2006-07-31 left out" in cut.stdout
    as_json = json.loads(CliRunner().invoke(
        cli.cli, ["check", str(ledger), "-r", str(RULES), "--as-of", "2006-07-31", "-f", "json"]).stdout)
    assert as_json["left_out"] == 3 and as_json["findings"] == []


def test_without_as_of_the_report_shows_a_payment_dated_next_week(tmp_path):
    day = datetime.date.today() + datetime.timedelta(days=7)
    ledger = _future_payment(tmp_path, day)
    result = CliRunner().invoke(cli.cli, ["report", str(ledger), "-r", str(RULES),
                                          "-t", "disbursements", "-f", "json"])
    assert result.exit_code == 0, result.output
    [table] = json.loads(result.stdout)["tables"]
    assert [row["date"] for row in table["rows"]] == [day.isoformat()]


def test_metadata_on_a_posting_instead_of_the_transaction_gets_a_hint(audited):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
        approved-by: "Executive Director"
      Assets:Surplus-Fund:Bank
    """
    [finding] = only(audited, "approval")
    assert "'approved-by' is on the posting of Expenses:Projects:Trafficking-Roadmap:Research" \
        in finding.message


def test_a_document_name_is_resolved_exactly_as_written_as_fava_does(tmp_path):
    """A name with two spaces is another file: Fava would not open it, so neither do we."""
    ledger = write_ledger(tmp_path, outflow_with(dict(FIELDS, document='"2006-02-15.a  b.pdf"')))
    folder = tmp_path / "documents" / "Expenses" / "Projects" / "Trafficking-Roadmap" / "Research"
    assert (folder / "2006-02-15.a  b.pdf").exists()
    assert only(run(ledger), "evidence") == []
    (folder / "2006-02-15.a  b.pdf").rename(folder / "2006-02-15.a b.pdf")
    [finding] = only(run(ledger), "evidence")
    assert "'2006-02-15.a  b.pdf' does not resolve" in finding.message

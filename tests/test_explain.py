"""``aipo-budget explain FILE:LINE``: every rule on one transaction, the version that judges it,
whether it applies and why, the facts it saw, the audit's verdict and, for a cumulative rule,
the entries that make up its total. On a copy of the shipped ledger with the tests' rules, and
on docstring ledgers."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.core.engine import audit
from aipo_budget.outputs.explain import LocationError, explain, find_transaction
from aipo_budget.core.ledger import load_ledger
from aipo_budget.outputs.render import FORMATS
from aipo_budget.core.rules import load_rules
from conftest import RULES, copy_shipped_ledger, line_of

PROJECT = Path("ledger") / "project-trafficking-roadmap.beancount"
FUND = Path("ledger") / "surplus-fund.beancount"
SECRETARIAT = Path("ledger") / "secretariat-2006.beancount"
NOT_AN_OUTFLOW = "not a surplus outflow: "


def invoke(*args: str):
    return CliRunner().invoke(cli, ["explain", *args], catch_exceptions=False)


def explained(ledger: Path, location: str, *args: str) -> dict[str, dict]:
    """The explanation's tables by name, from its JSON output."""
    return tables_of(invoke(location, "--ledger", str(ledger), "--rules", str(RULES), "-f",
                            "json", *args))


def tables_of(result) -> dict[str, dict]:
    """The tables by name of a successful ``explain -f json``."""
    assert result.exit_code == 0, result.output
    return {t["name"]: t for t in json.loads(result.stdout)["tables"]}


def fact(tables: dict[str, dict], name: str, label: str) -> dict:
    rows = [row for row in tables[name]["rows"] if row["fact"] == label]
    assert len(rows) == 1, f"{label!r} in {[r['fact'] for r in tables[name]['rows']]}"
    return rows[0]


def rule(tables: dict[str, dict], rule_id: str) -> dict:
    (row,) = [row for row in tables["rules"]["rows"] if row["rule"] == rule_id]
    return row


def lines(tables: dict[str, dict], name: str) -> list[int]:
    return [row["location"]["lineno"] for row in tables[name]["rows"]]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_shipped_ledger(tmp_path_factory.mktemp("shipped"))


def at(shipped: Path, file: Path, header: str) -> tuple[str, int]:
    line = line_of(shipped.parent / file, header)
    return f"{file.as_posix()}:{line}", line


CAHAYA = '2006-07-14 * "Cahaya'  # a payment of an accrual, explained by several tests


@pytest.fixture(scope="module")
def once() -> dict:
    """Results of commands on the unchanged copy, kept for the module's tests to read."""
    return {}


@pytest.fixture
def cahaya_json(shipped: Path, once: dict):
    """``explain -f json`` of the Cahaya payment on the unchanged copy: the same command on
    the same files for each test that asks, so run once (in the first such test, in its
    environment) and only read by the tests (each parses the output anew)."""
    if "cahaya" not in once:
        location, _line = at(shipped, PROJECT, CAHAYA)
        once["cahaya"] = invoke(location, "--ledger", str(shipped), "--rules", str(RULES),
                                "-f", "json")
    return once["cahaya"]


# --- the shipped ledger ----------------------------------------------------------------------


def test_an_outflow_above_the_threshold(shipped):
    location, line = at(shipped, PROJECT, '2006-05-31 * "Kingdom Consultancy Group"')
    tables = explained(shipped, location)
    assert fact(tables, "transaction", "location")["value"]["lineno"] == line
    assert fact(tables, "transaction", "amount")["value"] == "5100.00"
    assert fact(tables, "org08-approval", "approvers needed")["value"] == 2
    assert fact(tables, "org08-approval", "different approvers")["value"] == 2
    assert fact(tables, "org08-approval", "compared as")["value"] == \
        "'maria teresa villanueva', 'nguyen thi lan'"
    ceiling = rule(tables, "SOC03-CEILING")
    assert (ceiling["version"], ceiling["effective"], ceiling["applies"], ceiling["verdict"]) \
        == ("v1", "2005-09-23", "yes", "no finding")
    assert fact(tables, "soc03-ceiling", "allocation")["value"] == "40000.00"
    assert fact(tables, "soc03-ceiling", "spent before this entry")["value"] == "14409.00"
    assert fact(tables, "soc03-ceiling", "spent after this entry")["value"] == "19509.00"
    entries = tables["soc03-ceiling-entries"]["rows"]
    assert len(entries) == 10 and entries[-1]["location"]["lineno"] == line
    assert (entries[-1]["before"], entries[-1]["amount"], entries[-1]["after"]) == \
        ("14409.00", "5100.00", "19509.00")
    assert fact(tables, "org08-reserve", "fund balance after")["value"] == "422909.55"
    assert tables["org08-reserve-entries"]["rows"][-1]["after"] == "422909.55"
    assert rule(tables, "ART21-TRANSFER")["why"].startswith("not a surplus transfer-in: money "
                                                            "leaves the Surplus Fund")


def test_an_outflow_in_kip_shows_the_rate_and_price_date(shipped):
    location, _line = at(shipped, PROJECT, '2006-03-14 * "Lane Xang')
    tables = explained(shipped, location)
    assert rule(tables, "ORG08-CONVERSION")["applies"] == "yes"
    assert fact(tables, "org08-conversion", "22,500,000 LAK")["value"] == "2160.00"
    assert Decimal(fact(tables, "org08-conversion", "rate LAK")["value"]) == Decimal("0.000096")
    assert fact(tables, "org08-conversion", "price date LAK")["value"] == "2006-03-01"


def test_a_transfer_in_lists_the_transfers_of_its_fiscal_year(shipped):
    location, line = at(shipped, FUND, "2005-07-13 *")
    first = line_of(shipped.parent / FUND, "2005-04-27 *")
    tables = explained(shipped, location)
    transfer = rule(tables, "ART21-TRANSFER")
    assert (transfer["applies"], transfer["version"], transfer["verdict"]) == \
        ("yes", "v1", "no finding")
    assert fact(tables, "art21-transfer", "fiscal year")["value"] == 2004
    assert fact(tables, "art21-transfer", "transferred for 2004 before")["value"] == "40000.00"
    assert fact(tables, "art21-transfer", "transferred for 2004 after")["value"] == "78300.00"
    assert lines(tables, "art21-transfer-entries") == [first, line]
    for rule_id in ("ORG08-APPROVAL", "SOC03-CEILING", "ORG08-RESERVE"):
        assert rule(tables, rule_id)["applies"] == "no"
        assert rule(tables, rule_id)["why"] == NOT_AN_OUTFLOW + \
            "money comes into the Surplus Fund (a surplus transfer-in)"


def test_a_co_funded_cost_is_judged_by_the_co_funding_rule_only(shipped):
    location, line = at(shipped, PROJECT, '2006-02-13 * "Mekong Legal')
    tables = explained(shipped, location)
    cofunding = rule(tables, "SOC03-COFUNDING")
    assert (cofunding["applies"], cofunding["verdict"]) == ("yes", "no finding")
    booked = fact(tables, "soc03-cofunding",
                  "this entry books Expenses:Projects:Trafficking-Roadmap:Research")
    assert booked["value"] == "4500.00" and "Mekong-Governance-Trust" in booked["note"]
    assert fact(tables, "soc03-cofunding", "total cost")["value"] == "48437.00"
    assert fact(tables, "soc03-cofunding", "surplus-funded cost")["value"] == "24459.00"
    costs = tables["soc03-cofunding-entries"]["rows"]
    assert [r["here"] for r in costs if r["location"]["lineno"] == line] == ["this entry"]
    assert costs[-1]["after"] == "48437.00"
    assert rule(tables, "SOC03-CEILING")["why"] == NOT_AN_OUTFLOW + (
        "no posting to the Surplus Fund; paid from Assets:Co-Funding:Mekong-Governance-Trust")
    assert "soc03-ceiling" not in tables


def test_an_accrual_payment_points_at_the_accrual(shipped, cahaya_json):
    accrual = line_of(shipped.parent / PROJECT, '2006-06-28 * "Cahaya')
    tables = tables_of(cahaya_json)
    settled = fact(tables, "transaction", "settles the accrual")
    assert settled["value"]["lineno"] == accrual
    incurred = fact(tables, "soc03-period",
                    "Expenses:Projects:Trafficking-Roadmap:Publications incurred on")
    assert incurred["value"] == "2006-06-28"
    assert incurred["note"].startswith("metadata 'incurred'") and f":{accrual}" in incurred["note"]
    assert fact(tables, "soc03-period", "last day of payment")["value"] == "2006-08-29"
    assert fact(tables, "soc03-period", "paid on")["value"] == "2006-07-14"
    assert rule(tables, "SOC03-COFUNDING")["applies"] == "yes"
    assert fact(tables, "soc03-ceiling", "spent after this entry")["value"] == "23309.00"


def test_a_plain_operating_expense_is_not_a_surplus_outflow(shipped):
    location, _line = at(shipped, SECRETARIAT, '2006-01-05 * "PT Jakarta Office Tower"')
    tables = explained(shipped, location)
    rows = tables["rules"]["rows"]
    assert [r["rule"] for r in rows if r["applies"] == "yes"] == ["LEDGER"]
    outflow_rules = [r for r in rows if r["why"].startswith(NOT_AN_OUTFLOW)]
    assert {r["kind"] for r in outflow_rules} >= {"authorization", "approval", "reserve",
                                                   "ceiling", "period", "evidence"}
    assert all(r["why"].endswith("paid from Assets:Operating:Bank-IDR") for r in outflow_rules)
    assert {r["verdict"] for r in rows if r["applies"] == "no"} == {"not applicable"}
    assert tables["findings"]["rows"] == []


def test_a_move_between_fund_accounts_says_so(shipped):
    location, _line = at(shipped, FUND, '2003-06-02 *')
    tables = explained(shipped, location)
    assert rule(tables, "ART21-AUTH")["why"] == NOT_AN_OUTFLOW + \
        "money moves between fund accounts"


def test_a_line_inside_a_transaction_explains_it(shipped):
    _location, line = at(shipped, PROJECT, CAHAYA)
    for inside in (line + 1, line + 6, line + 8):  # metadata, its last, the last posting
        tables = explained(shipped, f"{PROJECT.as_posix()}:{inside}")
        assert fact(tables, "transaction", "location")["value"]["lineno"] == line


def test_the_location_as_given_relative_or_absolute(shipped, monkeypatch):
    _location, line = at(shipped, FUND, "2005-07-13 *")
    absolute = explained(shipped, f"{shipped.parent / FUND}:{line}")
    monkeypatch.chdir(shipped.parent / "ledger")
    relative = explained(shipped, f"{FUND.name}:{line}")
    # the same transaction, its file shown relative to the working folder
    assert absolute["transaction"]["rows"][1:] == relative["transaction"]["rows"][1:]
    assert fact(relative, "transaction", "location")["value"] == \
        {"filename": FUND.name, "lineno": line}


def test_a_transaction_after_the_as_of_date_was_not_judged(shipped):
    location, _line = at(shipped, PROJECT, CAHAYA)
    tables = explained(shipped, location, "--as-of", "2006-07-01")
    assert {r["applies"] for r in tables["rules"]["rows"]} == {"no"}
    assert rule(tables, "SOC03-PERIOD")["why"].startswith("dated after 2006-07-01")


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "csv"])
def test_every_format(shipped, fmt, request):
    location, _line = at(shipped, PROJECT, CAHAYA)
    if fmt == "json":  # the very command cahaya_json runs
        result = request.getfixturevalue("cahaya_json")
    else:
        result = invoke(location, "--ledger", str(shipped), "--rules", str(RULES), "-f", fmt)
    assert result.exit_code == 0, result.output
    assert "SOC03-CEILING" in result.stdout


def test_csv_holds_one_table(shipped):
    location, _line = at(shipped, PROJECT, CAHAYA)
    common = (location, "--ledger", str(shipped), "--rules", str(RULES), "-f", "csv")
    refused = invoke(*common)
    assert refused.exit_code == 2 and "--table" in refused.output
    result = invoke(*common, "--table", "soc03-ceiling-entries")
    assert result.exit_code == 0, result.output
    header, *rows = result.stdout.splitlines()
    assert header.startswith("date,location file,location line") and len(rows) == 12


# --- a later payment crossing the ceiling ------------------------------------------------------


def test_a_payment_crossing_the_ceiling_points_back_at_the_earlier_entries(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultancy, 2006-02-15"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Director, Deputy Director"
      document: "2006-02-15.invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   20000.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-15 * "Kingdom Consultancy" "Research consultancy, 2006-03-15"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Director, Deputy Director"
      document: "2006-03-15.invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   15000.00 USD
      Assets:Surplus-Fund:Bank

    2006-04-18 * "Kingdom Consultancy" "Research consultancy, 2006-04-18"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Director, Deputy Director"
      document: "2006-04-18.invoice.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   8000.00 USD
      Assets:Surplus-Fund:Bank
    """
    first, second, third = (line_of(ledger_path, f"{day} *")
                            for day in ("2006-02-15", "2006-03-15", "2006-04-18"))
    tables = explained(ledger_path, f"{ledger_path}:{third}")
    ceiling = rule(tables, "SOC03-CEILING")
    assert (ceiling["applies"], ceiling["version"], ceiling["verdict"]) == ("yes", "v1", "error")
    (crossing,) = [f for f in tables["findings"]["rows"] if f["rule"].startswith("SOC03-CEILING")]
    assert "crosses the allocation" in crossing["condition"] and crossing["amount"] == "3000.00"
    entries = tables["soc03-ceiling-entries"]["rows"]
    assert [e["location"]["lineno"] for e in entries] == [first, second, third]
    assert [(e["before"], e["after"]) for e in entries] == [
        ("0.00", "20000.00"), ("20000.00", "35000.00"), ("35000.00", "43000.00")]
    # the co-funding error sits on the project's last surplus-funded cost: this one
    assert rule(tables, "SOC03-COFUNDING")["verdict"] == "error"
    # an earlier payment: no finding of its own, and it says where the project's finding is
    earlier = explained(ledger_path, f"{ledger_path}:{first}")
    assert rule(earlier, "SOC03-CEILING")["verdict"] == "no finding"
    assert rule(earlier, "SOC03-COFUNDING")["verdict"] == "no finding"
    (note,) = earlier["soc03-cofunding"]["notes"]
    assert f":{third}: error:" in note


def test_findings_of_rules_outside_the_folder_are_listed(ledger_path):
    """
    2006-02-15 * "Research Institute" "Another project"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Director"
      document: "2006-02-15.invoice.pdf"
      Expenses:Projects:Other-Project:Research   200.00 USD
      Assets:Surplus-Fund:Bank
    """
    tables = explained(ledger_path, f"{ledger_path}:{line_of(ledger_path, '2006-02-15 *')}")
    assert rule(tables, "NO-PERIOD-RULE")["verdict"] == "error"
    assert rule(tables, "SOC03-PURPOSE")["verdict"] == "error"
    assert rule(tables, "SOC03-CEILING")["why"] == \
        "the outflow pays nothing of Trafficking-Roadmap"


# --- bad locations ---------------------------------------------------------------------------


def test_bad_locations_exit_2_with_one_line(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research"
      resolution: "26GA/2005/Soc/03"
      Expenses:Projects:Trafficking-Roadmap:Research   200.00 USD
      Assets:Surplus-Fund:Bank

    2006-02-16 balance Assets:Surplus-Fund:Bank  199800.00 USD
    """
    txn = line_of(ledger_path, "2006-02-15 *")
    balance = line_of(ledger_path, "2006-02-16 balance")
    cases = {
        "no-colon": "is not FILE:LINE",
        f"{ledger_path}:x": "is not FILE:LINE",
        f"{ledger_path}:0": "is not FILE:LINE",
        f"{ledger_path.parent / 'other.beancount'}:3": "not a file of the ledger",
        f"{ledger_path}:1": "comes before the first entry",
        f"{ledger_path}:{balance}": f"the entry on line {balance} is a balance directive",
        f"{ledger_path}:{txn + 4}": f"the transaction on line {txn} ends on line {txn + 3}",
        f"{ledger_path}:{balance + 50}": "is a balance directive",
    }
    for location, message in cases.items():
        result = invoke(location, "--ledger", str(ledger_path), "--rules", str(RULES))
        assert result.exit_code == 2, (location, result.output)
        assert message in result.output and "Traceback" not in result.output


def test_a_missing_ledger_exits_2(tmp_path):
    result = invoke("main.beancount:3", "--ledger", str(tmp_path / "none.beancount"),
                    "--rules", str(RULES))
    assert result.exit_code == 2 and "none.beancount" in result.output


# --- the functions the Fava page calls --------------------------------------------------------


def test_explain_without_the_command(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research"
      resolution: "26GA/2005/Soc/03"
      Expenses:Projects:Trafficking-Roadmap:Research   200.00 USD
      Assets:Surplus-Fund:Bank
    """
    entries, errors, options = load_ledger(str(ledger_path))
    result = audit(entries, load_rules(RULES), datetime.date(2007, 1, 1), errors,
                   options=options)
    line = line_of(ledger_path, "2006-02-15 *")
    txn = find_transaction(entries, str(ledger_path), line + 2)
    assert txn.meta["lineno"] == line
    tables = {t.name: t for t in explain(result, entries, str(ledger_path), line)}
    verdicts = dict(zip(tables["rules"].values("rule"), tables["rules"].values("verdict")))
    # no approver, preparer nor document: the audit's errors, as it gave them
    assert verdicts["ORG08-APPROVAL"] == verdicts["ORG08-EVIDENCE"] == "error"
    assert verdicts["ORG08-SEGREGATION"] == "error"
    assert len(tables["findings"].rows) == len([f for f in result.findings
                                                if f.lineno == line])
    with pytest.raises(LocationError, match="before the first entry"):
        explain(result, entries, str(ledger_path), 1)


def test_a_repeated_payment_names_the_earlier_one_it_repeats(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultancy, invoice 7"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Director, Deputy Director"
      document: "2006-02-15.invoice-7.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
      Assets:Surplus-Fund:Bank

    2006-02-20 * "kingdom  consultancy" "Research consultancy, invoice 7 again"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Director, Deputy Director"
      document: "2006-02-15.invoice-7.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   1000.00 USD
      Assets:Surplus-Fund:Bank
    """
    first, second = (line_of(ledger_path, f"{day} *") for day in ("2006-02-15", "2006-02-20"))
    tables = explained(ledger_path, f"{ledger_path}:{second}")
    assert rule(tables, "ORG08-DUPLICATE")["verdict"] == "error"
    alike = fact(tables, "org08-duplicate", "same document, same payee and amount")
    assert alike["value"]["lineno"] == first
    assert fact(tables, "org08-duplicate", "payee compared as")["value"] == "'kingdom consultancy'"
    # the earlier one has nothing earlier to repeat
    earlier = explained(ledger_path, f"{ledger_path}:{first}")
    assert rule(earlier, "ORG08-DUPLICATE")["verdict"] == "no finding"
    assert fact(earlier, "org08-duplicate", "earlier outflows alike")["value"] == "(none)"


def test_an_accrual_paid_in_parts_is_named_once_on_each_part(tmp_path):
    """The accrual is one entry, though its cost is split between the payments that settle
    it: the second part settles it once, and co-funding lists its payment once."""
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, """
2006-03-10 * "Gamma" "Research, invoiced" ^acc-1
  Expenses:Projects:Trafficking-Roadmap:Research   900.00 USD
  Liabilities:Payables

2006-03-20 * "Gamma" "Research, first part" ^acc-1
  resolution: "26GA/2005/Soc/03"
  Liabilities:Payables   400.00 USD
  Assets:Surplus-Fund:Bank

2006-04-20 * "Gamma" "Research, second part" ^acc-1
  resolution: "26GA/2005/Soc/03"
  Liabilities:Payables   500.00 USD
  Assets:Surplus-Fund:Bank
""")
    tables = explained(ledger, f"{ledger}:{line_of(ledger, '2006-04-20')}")
    assert fact(tables, "transaction", "settles the accrual")["value"]["lineno"] == line_of(
        ledger, "2006-03-10")
    assert [r["fact"] for r in tables["soc03-cofunding"]["rows"]].count(
        "this entry pays Expenses:Projects:Trafficking-Roadmap:Research") == 1


def test_an_entry_that_writes_its_own_line_is_said_so_at_its_line(tmp_path):
    """check names such an entry at its real line; explain there said another entry was."""
    from conftest import RULES, write_ledger

    ledger = write_ledger(tmp_path, """
2004-02-01 * "Somebody" "Rent"
  lineno: 7
  Expenses:Secretariat:Rent   10.00 USD
  Assets:Operating:Bank-USD
""")
    line = ledger.read_text().splitlines().index('2004-02-01 * "Somebody" "Rent"') + 1
    result = CliRunner().invoke(cli, ["explain", f"{ledger}:{line}", "--ledger", str(ledger),
                                      "--rules", str(RULES)])
    assert result.exit_code == 2
    assert (f"the entry on line {line} writes its own place (metadata 'lineno' on line "
            f"{line + 1})") in result.stderr


def test_the_co_funding_share_is_the_one_the_check_states(ledger_path):
    """
    2006-02-15 * "Kingdom Consultancy" "Research consultant"
      resolution: "26GA/2005/Soc/03"
      prepared-by: "Finance Officer"
      approved-by: "Executive Director, Director of Programmes"
      document: "2006-02-15.consultancy-contract.pdf"
      Expenses:Projects:Trafficking-Roadmap:Research   6001.00 USD
      Assets:Surplus-Fund:Bank

    2006-03-20 * "Consultant" "Co-funded consultant"
      Expenses:Projects:Trafficking-Roadmap:Consultants   3999.00 USD
      Income:Co-Funding:Partner
    """
    line = line_of(ledger_path, "2006-02-15 *")
    tables = explained(ledger_path, f"{ledger_path}:{line}", "--as-of", "2006-12-31")
    (found,) = [f for f in tables["findings"]["rows"] if f["rule"].startswith("SOC03-COFUNDING")]
    assert "share of total cost is 60.01 %" in found["condition"]
    assert fact(tables, "soc03-cofunding", "surplus share, % of total cost")["value"] == "60.01"
    assert fact(tables, "soc03-cofunding", "allowed at the cap")["value"] == "6000.00"

"""``aipo-budget report``: formats, periods, the audit pack, and reconciliation with the ledger."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.outputs import pack
from aipo_budget.cli import cli
from aipo_budget.outputs.tables import TABLE_NAMES
from conftest import ROOT, RULES, left_as_found, reconcile

LEDGER = ROOT / "main.beancount"
# The shipped ledger judged by the tests' rules: an amendment of the shipped rules/ changes no
# table pinned here (tests/test_shipped_ledger.py judges it by the shipped rules).
BOOKS = (str(LEDGER), "--rules", str(RULES))
GOLDEN = Path(__file__).parent / "golden"
AS_OF = "2006-12-31"


def report(*args: str):
    result = CliRunner().invoke(cli, ["report", *BOOKS, "--as-of", AS_OF, *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("fmt", ["plain", "simple", "grid", "github", "markdown", "html",
                                 "latex", "json"])
def test_every_format_has_every_table(fmt):
    out = report("--format", fmt).stdout
    if fmt == "json":
        tables = json.loads(out)["tables"]
        assert [t["name"] for t in tables] == list(TABLE_NAMES)
        statement = tables[0]
        closing = [r for r in statement["rows"] if r["line"] == "Closing balance"]
        assert closing[0]["amount"] == "417959.55"
        budget = next(t for t in tables if t["name"] == "budget")
        project = next(r for r in budget["rows"] if r["category"] == "(all)")
        assert isinstance(project["pct_used"], float) and project["status"] == "within"
        return
    for title in ("Statement of the Surplus Fund", "Budget against actual", "Co-funding schedule",
                  "Member contributions", "Disbursement register", "Findings register"):
        assert title in out
    assert "beginning to 2006-12-31, main.beancount" in out
    assert "417,959.55" in out  # thousands separators in text formats


def test_csv_is_one_table_with_one_header_row():
    out = report("--table", "fund-statement", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["line", "detail", "amount (USD)"]
    assert ["Closing balance", "2006-12-31", "417959.55"] in rows
    result = CliRunner().invoke(cli, ["report", *BOOKS, "--format", "csv"])
    assert result.exit_code == 2 and "CSV holds one table" in result.output


def test_negative_amounts_in_parentheses_and_right_aligned():
    out = report("--table", "fund-statement", "--format", "plain").stdout
    line = next(l for l in out.splitlines() if "Trafficking-Roadmap / Research" in l)
    assert line.rstrip().endswith("(8,500.00)")


def test_one_table_and_period():
    out = report("--table", "disbursements", "--from", "2006-05-01", "--to", "2006-05-31",
                 "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    dates = [r["date"] for r in rows[:-1]]
    assert dates and all("2006-05-01" <= d <= "2006-05-31" for d in dates)
    assert "Statement of the Surplus Fund" not in out


def test_from_after_to_is_a_usage_error():
    result = CliRunner().invoke(cli, ["report", *BOOKS, "--from", "2006-06-01", "--to",
                                      "2006-01-01"])
    assert result.exit_code == 2
    assert "--from is after the end of the period" in result.output


def test_output_is_deterministic():
    assert report("--format", "markdown").stdout == report("--format", "markdown").stdout


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_golden_markdown(name):
    """The shipped ledger's tables under the tests' rules, pinned. Regenerate after an intended
    change with `aipo-budget report main.beancount -r tests/rules --as-of 2006-12-31 -f markdown
    -t NAME`."""
    expected = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    assert report("--table", name, "--format", "markdown").stdout == expected


# --- reconciliation -----------------------------------------------------------------------


@pytest.mark.parametrize("end", ["2003-12-31", "2006-03-10", "2006-06-30", "2006-12-31"])
def test_shipped_ledger_reconciles(end):
    import datetime

    reconcile(LEDGER, datetime.date.fromisoformat(end))


# --- the pack -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack_written_once(tmp_path_factory) -> Path:
    """The pack of the books as of AS_OF, written once into a folder of its own: tests read it,
    or copy it as the previous pack that a run of theirs replaces or keeps."""
    out = tmp_path_factory.mktemp("written") / "pack"
    result = make_pack(out)  # with the run's settings (conftest.run_settings)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def written_pack(pack_written_once: Path) -> Iterator[Path]:
    """:func:`pack_written_once`, left as the test found it (conftest.left_as_found)."""
    with left_as_found(pack_written_once):
        yield pack_written_once


def previous_pack(written_pack: Path, out: Path) -> None:
    """An exact previous pack at ``out``: the bytes of :func:`written_pack`, which are all a
    pack's check of the previous pack compares (the files its manifest lists, by SHA-256)."""
    shutil.copytree(written_pack, out)
    assert files_of(out) == files_of(written_pack)


def test_pack_contents_and_manifest(written_pack):
    out = written_pack
    for name in TABLE_NAMES:
        assert (out / f"{name}.csv").is_file() and (out / f"{name}.md").is_file()
    page = (out / "index.html").read_text()
    assert page.count("<svg") == 2 and "reserve floor" in page
    assert "Disbursement register" in page
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["settings"]["as_of"] == AS_OF
    ledger_files = {item["path"]: item["sha256"] for item in manifest["inputs"]["ledger"]}
    assert "main.beancount" in ledger_files
    for path, digest in ledger_files.items():
        assert hashlib.sha256((ROOT / path).read_bytes()).hexdigest() == digest
    assert len(manifest["inputs"]["rules"]) == len(list(RULES.glob("*.toml")))
    assert len(manifest["inputs"]["evidence"]) >= 13
    assert [p.name for p in out.parent.iterdir()] == ["pack"]  # no staging left behind


def make_pack(out: Path):
    return CliRunner().invoke(cli, ["report", *BOOKS, "--as-of", AS_OF, "-o", str(out)])


def test_failed_pack_leaves_nothing_and_keeps_the_old_one(written_pack, tmp_path, monkeypatch):
    out = tmp_path / "pack"
    previous_pack(written_pack, out)
    before = files_of(out)

    def boom(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pack, "index_html", boom)
    result = make_pack(out)
    assert result.exit_code == 2
    assert "cannot write the audit pack" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]
    assert files_of(out) == before


def test_pack_replaces_a_previous_pack_but_not_a_file_added_to_it(written_pack, tmp_path):
    out = tmp_path / "pack"
    previous_pack(written_pack, out)
    result = make_pack(out)
    assert result.exit_code == 0, result.output
    assert (out / "index.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack"]
    (out / "stale.csv").write_text("x")  # not the pack's: refused, kept (tests/test_pack_safety.py)
    result = make_pack(out)
    assert result.exit_code == 2, result.output
    assert (out / "stale.csv").read_text() == "x"


def test_pack_into_an_empty_folder(tmp_path):
    out = tmp_path / "pack"
    out.mkdir()
    assert make_pack(out).exit_code == 0
    assert (out / "manifest.json").exists()


@pytest.mark.parametrize("setup", ["repository", "file", "foreign-manifest"])
def test_pack_never_replaces_anything_else(tmp_path, setup):
    out = tmp_path / "target"
    if setup == "file":
        out.write_text("keep me")
    else:
        (out / "ledger").mkdir(parents=True)
        (out / "main.beancount").write_text("keep me")
        if setup == "foreign-manifest":
            (out / "ledger").rmdir()
            (out / "manifest.json").write_text('{"tool": "something-else"}')
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    result = make_pack(out)
    assert result.exit_code == 2, result.output
    assert re.search(r"nothing was replaced|is a file", result.stderr)
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_report_on_bad_ledger_exits_2(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    (tmp_path / "main.beancount").write_text('2006-01-01 open Assets:Cash\n2006-01-02 * "x\n')
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "main.beancount")])
    assert result.exit_code == 2
    assert "main.beancount:" in result.stderr


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_pack_is_reproducible_with_a_fixed_generation_time(tmp_path, monkeypatch):
    """SOURCE_DATE_EPOCH (the reproducible-builds convention) fixes the generation time: the
    same inputs then give byte-identical packs."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1167609600")
    packs = []
    for name in ("one", "two"):
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["report", *BOOKS, "--as-of", AS_OF, "-o", str(out)])
        assert result.exit_code == 0, result.output
        packs.append(files_of(out))
    assert packs[0] == packs[1]
    assert b"2007-01-01T00:00:00+00:00" in packs[0]["index.html"]


def table_rows(*args: str) -> list[dict[str, str]]:
    out = CliRunner().invoke(cli, ["report", *BOOKS, "-f", "csv", *args])
    assert out.exit_code == 0, out.output
    return list(csv.DictReader(io.StringIO(out.stdout)))


def test_a_past_period_does_not_depend_on_the_as_of_date():
    """The July payment of the June accrual is not 'spent' at 30 June, whatever --as-of."""
    args = ["--to", "2006-06-30", "-t", "budget"]
    later = table_rows(*args, "--as-of", "2006-12-31")
    assert table_rows(*args) == later
    (project,) = [r for r in later if r["category"] == "(all)"]
    assert project["spent from surplus"] == "20459.00"  # spent from surplus by 30 June
    sources = {r["source"]: r["amount (USD)"] for r in table_rows("--to", "2006-06-30", "--as-of", "2006-12-31",
                                              "-t", "cofunding")}
    assert sources["Accrued, unpaid"] == "2850.00"


def test_contributions_of_a_period_show_earlier_arrears_and_receipts():
    rows = table_rows("--from", "2006-01-01", "--to", "2006-03-31", "-t", "contributions")
    # Myanmar's FY2005 was half paid at 31 March 2006 (the rest came in April)
    (myanmar,) = [r for r in rows if (r["member"], r["fiscal year"]) == ("Myanmar", "2005")]
    assert (myanmar["assessed"], myanmar["received"], myanmar["arrears"]) == (
        "60000.00", "30000.00", "30000.00")
    assert rows[-1]["member"] == "Total" and rows[-1]["arrears"] == "390000.00"
    spring = table_rows("--from", "2006-03-01", "--to", "2006-05-31", "-t", "contributions")
    assert len(spring) > 1  # receipts in the period are listed


def test_an_allocation_is_not_committed_before_its_rule_is_in_force():
    rows = {r["line"]: r["amount (USD)"] for r in table_rows(
        "--from", "2004-01-01", "--to", "2004-12-31", "-t", "fund-statement")}
    assert rows["Allocated, not yet spent (committed by rule)"] == "0.00"
    assert rows["Available for new allocations"] == "208018.55"


def test_from_after_the_as_of_date_is_a_usage_error():
    result = CliRunner().invoke(cli, ["report", *BOOKS, "--as-of", "2006-06-30",
                                      "--from", "2006-07-01"])
    assert result.exit_code == 2
    assert "--from is after the end of the period" in result.output


def _table(ledger: Path, name: str, as_of: str) -> list[dict[str, str]]:
    result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(RULES), "--as-of",
                                      as_of, "-t", name, "-f", "csv"])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_the_closing_balance_values_foreign_cash_at_the_closing_price(tmp_path):
    """Baht bought for the imprest at 0.025 and spent at the prices of the day (0.0262, then
    0.027): the closing balance is what the fund holds, the baht left valued at the closing
    price, as Beancount converts them; the revaluation is the exchange difference, so that
    the statement still adds up. Before, the closing balance was the payments' running total
    at their own days' prices, and no difference was ever shown."""
    from conftest import beancount_fund_balance, write_ledger

    import datetime

    from aipo_budget.core.ledger import load_ledger

    ledger = write_ledger(tmp_path, """
2006-05-01 price THB 0.0262 USD
2006-06-01 price THB 0.0270 USD

2006-04-10 * "Bank" "Baht for the imprest"
  Assets:Surplus-Fund:Imprest   100000 THB @ 0.025 USD
  Assets:Surplus-Fund:Bank     -2500.00 USD

2006-05-17 * "Coach hire" "Study tour"
  Expenses:Projects:Trafficking-Roadmap:Study-Tours   40000 THB
  Assets:Surplus-Fund:Imprest

2006-06-10 * "Coach hire" "Study tour, second leg"
  Expenses:Projects:Trafficking-Roadmap:Study-Tours   50000 THB
  Assets:Surplus-Fund:Imprest
""")
    lines = {row["line"]: row["amount (USD)"] for row in _table(ledger, "fund-statement",
                                                                "2006-08-31")}
    entries, _errors, _options = load_ledger(str(ledger))
    held = beancount_fund_balance(entries, datetime.date(2006, 8, 31))
    assert lines["Closing balance"] == f"{held:.2f}" == "197770.00"  # 197,500 USD + 10,000 THB
    # 200,000 - 1,048 - 1,350 paid, +168: the baht bought at 0.025 worth 0.027 at the end
    assert lines["Exchange and other differences"] == "168.00"


def test_contributions_paid_before_the_year_is_assessed_are_listed(tmp_path):
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, """
2002-01-01 open Assets:Receivables:Contributions:Brunei

2006-01-05 * "Brunei" "Contribution 2006 assessed"
  fiscal-year: 2006
  Assets:Receivables:Contributions:Brunei   50000.00 USD
  Income:Contributions:Brunei

2006-02-10 * "Brunei" "Contribution 2006 received"
  fiscal-year: 2006
  Assets:Operating:Bank-USD                 50000.00 USD
  Assets:Receivables:Contributions:Brunei

2006-11-10 * "Brunei" "Contribution 2007, paid before it is assessed"
  fiscal-year: 2007
  Assets:Operating:Bank-USD                 10000.00 USD
  Assets:Receivables:Contributions:Brunei
""")
    rows = _table(ledger, "contributions", "2006-12-31")
    (advance,) = [r for r in rows if r["fiscal year"] == "2007"]
    assert (advance["assessed"], advance["received"], advance["arrears"]) == (
        "0.00", "10000.00", "-10000.00")
    assert rows[-1]["member"] == "Total" and rows[-1]["received"] == "60000.00"
    assert rows[-1]["arrears"] == "0.00"  # the advance is no debt, and offsets none


CONTRIBUTIONS = """
2002-01-01 open Assets:Receivables:Contributions:Thailand
2002-01-01 open Income:Contributions:Thailand
2002-01-01 open Assets:Operating:Bank-EUR  EUR
2005-01-01 price EUR 1.20 USD
2005-03-01 price EUR 1.30 USD
"""


@pytest.mark.parametrize(("entries", "row"), [
    pytest.param("""
2005-01-01 * "Thailand" "Assessed FY2005"
  fiscal-year: 2005
  Assets:Receivables:Contributions:Thailand   50000.00 USD
  Income:Contributions:Thailand

2005-03-01 * "Thailand" "Received FY2005"
  fiscal-year: 2005
  Assets:Operating:Bank-USD   50000.00 USD
  Assets:Receivables:Contributions:Thailand

2005-03-05 * "Thailand" "Cheque of 2005-03-01 returned unpaid"
  fiscal-year: 2005
  Assets:Receivables:Contributions:Thailand   50000.00 USD
  Assets:Operating:Bank-USD
""", ("50000.00", "0.00", "50000.00"), id="a returned cheque is no receipt"),
    pytest.param("""
2005-01-01 * "Thailand" "Assessed FY2005"
  fiscal-year: 2005
  Assets:Receivables:Contributions:Thailand   50000.00 USD
  Income:Contributions:Thailand

2005-12-31 * "Thailand" "Write-off of 10,000"
  fiscal-year: 2005
  Income:Contributions:Thailand   10000.00 USD
  Assets:Receivables:Contributions:Thailand

2006-02-01 * "Thailand" "Received FY2005"
  fiscal-year: 2005
  Assets:Operating:Bank-USD   40000.00 USD
  Assets:Receivables:Contributions:Thailand
""", ("40000.00", "40000.00", "0.00"), id="a write-off is no receipt"),
    pytest.param("""
2005-01-01 * "Thailand" "Assessed FY2005"
  fiscal-year: 2005
  Assets:Receivables:Contributions:Thailand   10000.00 EUR
  Income:Contributions:Thailand

2005-03-01 * "Thailand" "Received FY2005"
  fiscal-year: 2005
  Assets:Operating:Bank-EUR   10000.00 EUR
  Assets:Receivables:Contributions:Thailand
""", ("12000.00", "12000.00", "0.00"), id="an exchange difference is no advance"),
])
def test_contributions_arrears_are_the_receivable_balance(tmp_path, entries, row):
    """Arrears are what the receivable holds for the year: a receipt reversed (a cheque
    returned) is owed again, a write-off lowers what was assessed and is no receipt, and a
    receipt in the assessment's currency at a later rate pays it in full (received is valued
    at the assessment's rate; the difference is an exchange difference, in a note). Before, the
    table counted every credit of the receivable as received: 50,000 received and no arrears
    on a returned cheque, 50,000 received of 40,000 assessed on a write-off, and 1,000 'paid in
    advance' on the euro receipt."""
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, CONTRIBUTIONS + entries)
    rows = _table(ledger, "contributions", "2006-12-31")
    (year,) = [r for r in rows if r["member"] == "Thailand"]
    assert (year["assessed"], year["received"], year["arrears"]) == row
    notes = json.loads(CliRunner().invoke(cli, [
        "report", str(ledger), "--rules", str(RULES), "--as-of", "2006-12-31", "-t",
        "contributions", "-f", "json"]).stdout)["tables"][0]["notes"]
    exchanged = [n for n in notes if n.startswith("Exchange differences")]
    if "EUR" in entries:
        assert exchanged == ["Exchange differences (received at the day's rates less at the "
                             "assessment's): Thailand 2005: 1,000.00."]
    else:
        assert not exchanged


def test_an_advance_is_not_set_against_another_members_arrears(tmp_path):
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, """
2002-01-01 open Assets:Receivables:Contributions:Brunei
2002-01-01 open Assets:Receivables:Contributions:Cambodia
2002-01-01 open Income:Contributions:Cambodia

2006-01-05 * "Brunei" "Contribution 2006 assessed"
  fiscal-year: 2006
  Assets:Receivables:Contributions:Brunei   50000.00 USD
  Income:Contributions:Brunei

2006-11-10 * "Cambodia" "Contribution 2007, paid in advance"
  fiscal-year: 2007
  Assets:Operating:Bank-USD                 20000.00 USD
  Assets:Receivables:Contributions:Cambodia
""")
    rows = _table(ledger, "contributions", "2006-12-31")
    assert rows[-1]["member"] == "Total" and rows[-1]["arrears"] == "50000.00"


@pytest.mark.parametrize("fmt", ["plain", "grid", "markdown", "html", "latex"])
def test_an_empty_table_with_a_totals_row_says_so_in_every_format(fmt):
    """A week without a surplus outflow: "No disbursements.", as the workbook and the pack's
    index.html say, not a header over a total of nothing."""
    out = report("-p", "2006-W10", "-t", "disbursements", "-f", fmt).stdout
    assert "No disbursements." in out and "Total" not in out


@pytest.mark.parametrize("name", ["contributions", "disbursements"])
def test_an_empty_table_has_no_totals_row_in_csv_or_json(tmp_path, name):
    """A ledger with no contributions and no surplus outflow: CSV keeps the header row alone
    and JSON its empty rows, with no totals (it printed 'Total,,0.00,0.00,,0.00')."""
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, "")
    args = ["report", str(ledger), "--rules", str(RULES), "-p", "2006", "-t", name]
    out = CliRunner().invoke(cli, [*args, "-f", "csv"]).stdout
    assert len(list(csv.reader(io.StringIO(out)))) == 1, out
    (table,) = json.loads(CliRunner().invoke(cli, [*args, "-f", "json"]).stdout)["tables"]
    assert table["rows"] == [] and table["totals"] is None


def test_a_cost_accrued_and_not_yet_paid_is_no_co_funding(tmp_path):
    """Research accrued at 3,000, 1,000 of it paid from the fund by the period end: 2,000 is
    owed, paid by nobody yet, not spent from co-funding; the total cost counts it."""
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, """
2006-02-10 * "Institute" "Research, invoiced" ^inv-1
  Expenses:Projects:Trafficking-Roadmap:Research   3000.00 USD
  Liabilities:Payables

2006-03-10 * "Institute" "Research, first part paid" ^inv-1
  resolution: "26GA/2005/Soc/03"
  Liabilities:Payables   1000.00 USD
  Assets:Surplus-Fund:Bank
""")
    (research,) = [r for r in _table(ledger, "budget", "2006-06-30")
                   if r["category"] == "Research"]
    assert (research["spent from surplus"], research["spent from co-funding"],
            research["total cost"]) == ("1000.00", "0.00", "3000.00")


def test_the_budget_counts_a_payment_beyond_its_accrual_as_the_ceiling_does(tmp_path):
    """Research accrued at 900 and paid in full, then 100 more paid on the same invoice: the
    ceiling check counts 1,000 left the fund for the project, so does the budget's (all) line
    (it was 900, 'warning', while check said the allocation of 950 was crossed)."""
    from conftest import run, write_ledger

    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    soc03 = rules / "26GA-2005-Soc-03.toml"
    soc03.write_text(soc03.read_text(encoding="utf-8").replace(
        "params.allocation = 40000.00", "params.allocation = 950.00"), encoding="utf-8")
    ledger = write_ledger(tmp_path, """
2006-03-10 * "Gamma" "Research, invoiced" ^acc-1
  Expenses:Projects:Trafficking-Roadmap:Research   900.00 USD
  Liabilities:Payables

2006-03-20 * "Gamma" "Research, paid in full" ^acc-1
  Liabilities:Payables   900.00 USD
  Assets:Surplus-Fund:Bank

2006-04-20 * "Gamma" "Research, paid again" ^acc-1
  Liabilities:Payables   100.00 USD
  Assets:Surplus-Fund:Bank
""")
    assert any(f.kind == "ceiling" and f.severity == "error" for f in run(ledger, rules).findings)
    result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(rules), "--as-of",
                                      "2006-12-31", "-t", "budget", "-f", "csv"])
    (project,) = [r for r in csv.DictReader(io.StringIO(result.stdout))
                  if r["category"] == "(all)"]
    assert (project["spent from surplus"], project["ceiling status"]) == ("1000.00", "exceeded")


@pytest.mark.parametrize(("spent", "closing", "difference"), [
    ("1000", "199750.00", "20.00"),  # all spent: nothing left to value, the gain is 20
    ("400", "199900.00", "8.00"),  # 600 left, no price entry: at what they cost (0.25)
])
def test_cash_in_a_currency_without_a_price_entry(tmp_path, spent, closing, difference):
    """Ringgit bought at 0.25 and spent at 0.27, with no price entry for MYR: what is left
    is valued at what it cost; what was spent is at its own rate."""
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, f"""
2006-03-01 * "Bank" "Ringgit for the imprest"
  Assets:Surplus-Fund:Imprest   1000 MYR @ 0.25 USD
  Assets:Surplus-Fund:Bank     -250.00 USD

2006-04-01 * "Hotel" "Meeting room"
  Expenses:Projects:Trafficking-Roadmap:Meetings   {int(spent) * 27 // 100}.00 USD
  Assets:Surplus-Fund:Imprest   -{spent} MYR @ 0.27 USD
""")
    lines = {row["line"]: row["amount (USD)"] for row in _table(ledger, "fund-statement",
                                                                "2006-12-31")}
    assert lines["Closing balance"] == closing
    assert lines.get("Exchange and other differences") == difference


def test_moving_unpriced_cash_between_fund_accounts_changes_no_balance(tmp_path):
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, """
2006-03-01 * "Bank" "Ringgit for the imprest"
  Assets:Surplus-Fund:Imprest   1000 MYR @ 0.25 USD
  Assets:Surplus-Fund:Bank     -250.00 USD

2006-03-05 * "Imprest" "Ringgit to the deposit account"
  Assets:Surplus-Fund:Deposit   1000 MYR
  Assets:Surplus-Fund:Imprest  -1000 MYR
""")
    lines = {row["line"]: row["amount (USD)"] for row in _table(ledger, "fund-statement",
                                                                "2006-12-31")}
    assert lines["Closing balance"] == "200000.00"
    assert "Exchange and other differences" not in lines


def test_an_outflow_dated_before_every_rule_names_the_versions_that_judged_it(tmp_path):
    """Rules judge an outflow dated before their first version by that version, and the
    register said so in the findings but left "judged by" empty."""
    from conftest import write_ledger

    ledger = write_ledger(tmp_path, """
2001-12-20 * "Kingdom Consultancy" "Early research"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"
  document: "2006-02-15.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   100.00 USD
  Assets:Surplus-Fund:Bank
""")
    out = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(RULES), "--as-of",
                                   AS_OF, "-t", "disbursements", "-f", "json"])
    (row,) = json.loads(out.stdout)["tables"][0]["rows"]
    assert "ART21-AUTH v1" in row["judged_by"] and "ORG08-* v1" in row["judged_by"], row


def test_a_payment_shared_with_a_partner_over_categories_adds_up_to_the_cent(tmp_path):
    """The fund pays 100.00 and a partner 200.00 of costs in seven categories (six of 42.86,
    one of 42.84): each category's share of each payment is in cents, and the shares of a
    payment add up to what was paid. Before, each share was rounded on its own: the
    statement's outflow lines summed to 100.02, the budget's categories to 100.02 from the
    fund and 199.98 from the partner."""
    import datetime

    from conftest import write_ledger

    ledger = write_ledger(tmp_path, """
2006-01-02 * "Partner" "Grant"
  Assets:Co-Funding:Partner   1000.00 USD
  Income:Co-Funding:Partner

2006-02-01 * "Institute" "Seven categories, shared with the partner"
  resolution: "26GA/2005/Soc/03"
  Expenses:Projects:Trafficking-Roadmap:Research      42.86 USD
  Expenses:Projects:Trafficking-Roadmap:Consultants   42.86 USD
  Expenses:Projects:Trafficking-Roadmap:Meetings      42.86 USD
  Expenses:Projects:Trafficking-Roadmap:Study-Tours   42.86 USD
  Expenses:Projects:Trafficking-Roadmap:Travel        42.86 USD
  Expenses:Projects:Trafficking-Roadmap:Publications  42.86 USD
  Expenses:Projects:Trafficking-Roadmap:Translation   42.84 USD
  Assets:Surplus-Fund:Bank   -100.00 USD
  Assets:Co-Funding:Partner  -200.00 USD
""")
    reconcile(ledger, datetime.date(2007, 12, 31))
    statement = _table(ledger, "fund-statement", "2007-12-31")
    amounts = {r["line"]: Decimal(r["amount (USD)"]) for r in statement}
    outflows = [Decimal(r["amount (USD)"]) for r in statement
                if r["line"] == "Outflow, project"]
    assert sum(outflows) == Decimal("-100.00")
    assert sorted(outflows) == [Decimal("-14.29")] * 4 + [Decimal("-14.28")] * 3
    assert amounts["Opening balance"] + sum(outflows) + Decimal("200000.00") == amounts[
        "Closing balance"]  # the opening balance entry of the fund is 200,000
    budget = _table(ledger, "budget", "2007-12-31")
    (project,) = [r for r in budget if r["category"] == "(all)"]
    categories = [r for r in budget if r["category"] != "(all)"]
    for column, total in (("spent from surplus", "100.00"), ("spent from co-funding", "200.00")):
        assert project[column] == total
        assert sum(Decimal(r[column]) for r in categories) == Decimal(total), column
    for row in categories:  # each category's cost is its two shares, in cents
        assert Decimal(row["spent from surplus"]) + Decimal(row["spent from co-funding"]) == (
            Decimal(row["total cost"]))
    assert amounts["Lapsed allocations (closed projects, back to available)"] == Decimal(
        project["lapsed"])

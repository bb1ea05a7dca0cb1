"""``aipo-budget report``: formats, periods, the audit pack, and reconciliation with the ledger."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from beancount.core import convert, data, inventory
from click.testing import CliRunner

from aipo_budget import pack
from aipo_budget.cli import cli
from aipo_budget.facts import Converter, is_fund
from aipo_budget.ledger import load_ledger
from aipo_budget.tables import TABLE_NAMES, build_tables
from conftest import ROOT, run

LEDGER = ROOT / "main.beancount"
GOLDEN = Path(__file__).parent / "golden"
AS_OF = "2006-12-31"


def report(*args: str):
    result = CliRunner().invoke(cli, ["report", str(LEDGER), "--as-of", AS_OF, *args])
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("fmt", ["plain", "simple", "grid", "github", "markdown", "html",
                                 "latex", "csv", "json"])
def test_every_format_has_every_table(fmt):
    out = report("--format", fmt).stdout
    if fmt == "json":
        tables = json.loads(out)["tables"]
        assert [t["name"] for t in tables] == list(TABLE_NAMES)
        statement = tables[0]
        closing = [r for r in statement["rows"] if r[0] == "Closing balance"]
        assert closing[0][2] == "417959.55"
        return
    for title in ("Statement of the Surplus Fund", "Budget against actual", "Co-funding schedule",
                  "Member contributions", "Disbursement register", "Findings register"):
        assert title in out
    assert "beginning to 2006-12-31, main.beancount" in out
    if fmt not in ("csv",):
        assert "417,959.55" in out  # thousands separators in text formats
    if fmt == "csv":
        assert "417959.55" in out


def test_negative_amounts_in_parentheses_and_right_aligned():
    out = report("--table", "fund-statement", "--format", "plain").stdout
    line = next(l for l in out.splitlines() if "Trafficking-Roadmap / Research" in l)
    assert line.rstrip().endswith("(8,500.00)")


def test_one_table_and_period():
    out = report("--table", "disbursements", "--from", "2006-05-01", "--to", "2006-05-31",
                 "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(out.split("\n", 1)[1])))
    dates = [r[0] for r in rows[1:-1]]
    assert dates and all("2006-05-01" <= d <= "2006-05-31" for d in dates)
    assert "Statement of the Surplus Fund" not in out


def test_from_after_to_is_a_usage_error():
    result = CliRunner().invoke(cli, ["report", str(LEDGER), "--from", "2006-06-01", "--to",
                                      "2006-01-01"])
    assert result.exit_code == 2
    assert "--from is after the end of the period" in result.output


def test_output_is_deterministic():
    assert report("--format", "markdown").stdout == report("--format", "markdown").stdout


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_golden_markdown(name):
    """The shipped ledger's tables, pinned. Regenerate after an intended change with
    `aipo-budget report main.beancount --as-of 2006-12-31 -f markdown -t NAME`."""
    expected = (GOLDEN / f"{name}.md").read_text(encoding="utf-8")
    assert report("--table", name, "--format", "markdown").stdout == expected


# --- reconciliation -----------------------------------------------------------------------


def beancount_fund_balance(entries, end) -> Decimal:
    """Beancount's own balance of Assets:Surplus-Fund at ``end``, valued in USD."""
    balance = inventory.Inventory()
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= end:
            for posting in entry.postings:
                if is_fund(posting.account):
                    balance.add_position(posting)
    price_map = Converter(entries).price_map
    total = Decimal(0)
    for position in balance:
        value = convert.convert_position(position, "USD", price_map, end)
        assert value.currency == "USD"
        total += value.number
    return total


def reconcile(ledger: Path, end) -> None:
    entries, _errors, _options = load_ledger(str(ledger))
    result = run(ledger, as_of=end)
    tables = {t.name: t for t in build_tables(result, None, end)}
    statement = tables["fund-statement"].rows
    closing = next(r[2] for r in statement if r[0] == "Closing balance")
    assert closing == beancount_fund_balance(entries, end)
    assert not any(r[0] == "Exchange and other differences" for r in statement)
    # register total equals the statement's outflows
    outflows = sum((r[2] for r in statement if r[0] in ("Outflow, project", "Other outflow")),
                   Decimal(0))
    assert tables["disbursements"].totals[4] == -outflows
    # budget against actual: project totals equal the project's expense postings
    converter = Converter(entries)
    for row in tables["budget"].rows:
        if row[1] != "(all)":
            continue
        postings = sum((converter.usd(p, e.date) for e in entries
                        if isinstance(e, data.Transaction) and e.date <= end
                        for p in e.postings
                        if p.account.startswith(f"Expenses:Projects:{row[0]}:")), Decimal(0))
        assert row[6] == postings
        categories = [r for r in tables["budget"].rows if r[0] == row[0] and r[1] != "(all)"]
        assert sum((r[6] for r in categories), Decimal(0)) == row[6]
    # co-funding: sources add up to the total, shares to 100 %
    for row in tables["cofunding"].rows:
        if row[1] == "Total":
            sources = [r for r in tables["cofunding"].rows if r[0] == row[0] and r[1] != "Total"]
            assert sum((r[2] for r in sources), Decimal(0)) == row[2]
            shares = sum((Decimal(r[3].rstrip(" %")) for r in sources), Decimal(0))
            assert abs(shares - 100) <= Decimal("0.1") * len(sources)


@pytest.mark.parametrize("end", ["2003-12-31", "2006-03-10", "2006-06-30", "2006-12-31"])
def test_shipped_ledger_reconciles(end):
    import datetime

    reconcile(LEDGER, datetime.date.fromisoformat(end))


# --- the pack -----------------------------------------------------------------------------


def test_pack_contents_and_manifest(tmp_path):
    out = tmp_path / "pack"
    result = CliRunner().invoke(cli, ["report", str(LEDGER), "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 0, result.output
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
    assert len(manifest["inputs"]["rules"]) == len(list((ROOT / "rules").glob("*.toml")))
    assert len(manifest["inputs"]["evidence"]) >= 13
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]  # no staging left behind


def make_pack(out: Path):
    return CliRunner().invoke(cli, ["report", str(LEDGER), "--as-of", AS_OF, "-o", str(out)])


def test_failed_pack_leaves_nothing_and_keeps_the_old_one(tmp_path, monkeypatch):
    out = tmp_path / "pack"
    assert make_pack(out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pack, "index_html", boom)
    result = make_pack(out)
    assert result.exit_code == 2
    assert "cannot write the audit pack" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_pack_replaces_a_previous_pack_but_not_a_file_added_to_it(tmp_path):
    out = tmp_path / "pack"
    assert make_pack(out).exit_code == 0
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
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "main.beancount").write_text('2006-01-01 open Assets:Cash\n2006-01-02 * "x\n')
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "main.beancount")])
    assert result.exit_code == 2
    assert "main.beancount:" in result.stderr


def test_pack_is_deterministic_but_for_the_manifest_timestamp(tmp_path):
    packs = []
    for name in ("one", "two"):
        out = tmp_path / name
        result = CliRunner().invoke(cli, ["report", str(LEDGER), "--as-of", AS_OF, "-o", str(out)])
        assert result.exit_code == 0, result.output
        packs.append(out)
    names = sorted(p.name for p in packs[0].iterdir())
    assert names == sorted(p.name for p in packs[1].iterdir())
    for name in names:
        first, second = (packs[0] / name).read_text(), (packs[1] / name).read_text()
        if name == "manifest.json":
            first, second = json.loads(first), json.loads(second)
            first.pop("generated"), second.pop("generated")
        assert first == second, name


def table_rows(*args: str) -> list[list[str]]:
    out = CliRunner().invoke(cli, ["report", str(LEDGER), "-f", "csv", *args])
    assert out.exit_code == 0, out.output
    return list(csv.reader(io.StringIO(out.stdout.split("\n", 1)[1])))


def test_a_past_period_does_not_depend_on_the_as_of_date():
    """The July payment of the June accrual is not 'spent' at 30 June, whatever --as-of."""
    args = ["--to", "2006-06-30", "-t", "budget"]
    assert table_rows(*args) == table_rows(*args, "--as-of", "2006-12-31")
    (project,) = [r for r in table_rows(*args, "--as-of", "2006-12-31") if r[1] == "(all)"]
    assert project[4] == "20459.00"  # spent from surplus by 30 June
    sources = {r[1]: r[2] for r in table_rows("--to", "2006-06-30", "--as-of", "2006-12-31",
                                              "-t", "cofunding")}
    assert sources["Accrued, unpaid"] == "2850.00"


def test_contributions_of_a_period_show_earlier_arrears_and_receipts():
    rows = table_rows("--from", "2006-01-01", "--to", "2006-03-31", "-t", "contributions")
    # Myanmar's FY2005 was half paid at 31 March 2006 (the rest came in April)
    (myanmar,) = [r for r in rows if r[:2] == ["Myanmar", "2005"]]
    assert myanmar[2:4] + myanmar[5:] == ["60000.00", "30000.00", "30000.00"]
    assert rows[-1][0] == "Total" and rows[-1][5] == "390000.00"
    spring = table_rows("--from", "2006-03-01", "--to", "2006-05-31", "-t", "contributions")
    assert len(spring) > 2  # receipts in the period are listed


def test_an_allocation_is_not_committed_before_its_rule_is_in_force():
    rows = {r[0]: r[2] for r in table_rows("--from", "2004-01-01", "--to", "2004-12-31",
                                           "-t", "fund-statement")}
    assert rows["Allocated, not yet spent (committed by rule)"] == "0.00"
    assert rows["Available for new allocations"] == "208018.55"


def test_from_after_the_as_of_date_is_a_usage_error():
    result = CliRunner().invoke(cli, ["report", str(LEDGER), "--as-of", "2006-06-30",
                                      "--from", "2006-07-01"])
    assert result.exit_code == 2
    assert "--from is after the end of the period" in result.output

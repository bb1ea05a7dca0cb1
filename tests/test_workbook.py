"""The workbook: ``report -f xlsx --output-file FILE`` and the audit pack's ``tables.xlsx``.

Read back with openpyxl, every sheet holds its table as ``-f json`` has it, numbers as numbers
(amounts, percentages as fractions, counts), dates as dates, with its title and notes above a
frozen header row; the pack's workbook links each evidence document to its copy in the pack,
and the same books give the same bytes. Bad output paths are refused before anything is read.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.outputs import xlsx
from aipo_budget.outputs.render import nothing_shown
from aipo_budget.outputs.table import Column, Kind, Location, table
from aipo_budget.outputs.xlsx import render_xlsx, sheet_names
from conftest import KINGDOM, copy_shipped_ledger, left_as_found

AS_OF = "2007-01-01"
FORMATS = {"amount": "#,##0.00", "percent": "0.0%", "date": "yyyy-mm-dd"}
# the shipped Kingdom payment without its approver and with an evidence file that is missing
PLANTED = KINGDOM.replace('approved-by: "Nguyen Thi Lan"', 'approved-by: ""').replace(
    '"2006-02-15.consultancy-contract.pdf"', '"2006-02-15.missing-contract.pdf"')


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def books(folder: Path, planted: bool) -> Path:
    """A copy of the shipped ledger; ``planted``: with approval and evidence findings."""
    main = copy_shipped_ledger(folder)
    if planted:
        path = folder / "ledger" / "project-trafficking-roadmap.beancount"
        text = path.read_text(encoding="utf-8")
        assert text.count(KINGDOM) == 1
        path.write_text(text.replace(KINGDOM, PLANTED), encoding="utf-8")
    return main


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the shipped ledger (nothing planted) for the tests that write nothing."""
    folder = tmp_path_factory.mktemp("unchanged")
    books(folder, planted=False)
    return folder


@pytest.fixture
def shared_books(unchanged: Path) -> Iterator[Path]:
    """The one unchanged copy; after the test it is still, file for file, what it was, or the
    test errs (a later test would work in a folder that changed)."""
    with left_as_found(unchanged):
        yield unchanged


def workbook(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)


def header_row(sheet) -> int:
    """The header row (1-based): the one the panes are frozen under."""
    match = re.fullmatch(r"A(\d+)", sheet.freeze_panes or "")
    assert match, f"{sheet.title}: no frozen header row ({sheet.freeze_panes})"
    return int(match[1]) - 1


def expected_cells(row: dict, columns: list[dict]) -> list:
    """A JSON row as the sheet's cells: a location is two (file, line), as in CSV."""
    cells = []
    for column in columns:
        value = row.get(column["key"])
        if column["kind"] == "location":
            cells += [value["filename"], value["lineno"] or None] if value else [None, None]
        elif column["kind"] == "document":
            cells.append(value["filename"] if value else None)
        else:
            cells.append(value)
    return cells


def same(cell, value, kind: str) -> bool:
    """A sheet cell holds the JSON value, typed: numbers as numbers, dates as dates."""
    if value is None:
        return cell is None
    if kind == "amount":
        return type(cell) in (int, float) and Decimal(repr(cell)) == Decimal(value)
    if kind == "percent":
        return type(cell) in (int, float) and cell * 100 == pytest.approx(value, abs=1e-9)
    if kind == "date":
        return isinstance(cell, datetime.datetime) and cell.date().isoformat() == value
    if kind in ("number", "year"):
        return type(cell) is int and cell == value
    return cell == value


def sheet_kinds(columns: list[dict]) -> list[str]:
    return [kind for c in columns for kind in (
        ["text", "number"] if c["kind"] == "location" else [c["kind"]])]


def assert_sheet_is_table(sheet, tab: dict) -> None:
    """The sheet holds the JSON table ``tab``: title, notes, header, rows, totals."""
    columns, header = tab["columns"], header_row(sheet)
    assert sheet.cell(1, 1).value == tab["title"]
    assert [sheet.cell(2 + i, 1).value for i in range(len(tab["notes"]))] == tab["notes"]
    width = sum(2 if c["kind"] == "location" else 1 for c in columns)
    rows = [list(r) for r in sheet.iter_rows(min_row=header, max_col=width, values_only=True)]
    labels = [h for c in columns for h in (
        [f"{c['label']} file", f"{c['label']} line"] if c["kind"] == "location" else [c["label"]])]
    assert rows[0] == labels
    expected = [expected_cells(r, columns) for r in tab["rows"]]
    if tab["totals"]:
        expected.append(expected_cells(tab["totals"], columns))
    body = rows[1:]
    if not tab["rows"]:  # said plainly, as every other format says it
        assert body[0][0].startswith("No ") and body[0][1:] == [None] * (width - 1)
        body = body[1:]
    assert len(body) == len(expected), sheet.title
    kinds = sheet_kinds(columns)
    for number, (got, want) in enumerate(zip(body, expected)):
        wrong = [(kinds[i], g, w) for i, (g, w) in enumerate(zip(got, want))
                 if not same(g, w, kinds[i])]
        assert not wrong, f"{sheet.title} row {number}: {wrong}"


@pytest.mark.parametrize("planted", [False, True], ids=["shipped", "planted-findings"])
def test_the_workbook_gives_every_table_as_json_gives_it(tmp_path, monkeypatch, planted):
    main = books(tmp_path, planted)
    monkeypatch.chdir(tmp_path)
    as_json = invoke("report", str(main), "--as-of", AS_OF, "-f", "json", "-q")
    assert as_json.exit_code == 0, as_json.output
    made = invoke("report", str(main), "--as-of", AS_OF, "-f", "xlsx", "--output-file",
                  "t.xlsx", "-q")
    assert made.exit_code == 0, made.output
    assert made.stdout == ""  # the workbook is the file, nothing else
    tables = json.loads(as_json.stdout)["tables"]
    assert {t["name"] for t in tables} == {"fund-statement", "budget", "cofunding",
                                           "contributions", "disbursements", "findings"}
    assert bool(next(t for t in tables if t["name"] == "findings")["rows"]) == planted
    book = workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == [t["name"] for t in tables]
    for tab in tables:
        assert_sheet_is_table(book[tab["name"]], tab)


def test_cells_are_formatted_filtered_and_sized(tmp_path, monkeypatch):
    main = books(tmp_path, planted=True)
    monkeypatch.chdir(tmp_path)
    made = invoke("report", str(main), "--as-of", AS_OF, "-f", "xlsx", "--output-file", "t.xlsx")
    assert made.exit_code == 0, made.output
    book = workbook(tmp_path / "t.xlsx")
    budget = book["budget"]
    header = header_row(budget)
    labels = [c.value for c in budget[header]]
    first = budget[header + 1]
    assert first[labels.index("allocation (final)")].number_format == FORMATS["amount"]
    pct = first[labels.index("% used")]
    assert pct.number_format == FORMATS["percent"] and 0 < pct.value < 1
    register = book["disbursements"]
    header = header_row(register)
    labels = [c.value for c in register[header]]
    last_row = register.max_row  # the totals, in bold, below the filtered rows
    last_column = register.cell(header, len(labels)).column_letter
    assert register.auto_filter.ref == f"A{header}:{last_column}{last_row - 1}"
    assert register.cell(last_row, labels.index("payee") + 1).value == "Total"
    assert register.cell(last_row, labels.index("USD") + 1).font.b
    assert register.cell(header + 1, 1).number_format == FORMATS["date"]
    assert all(cell.font.b for cell in register[header])
    widths = {label: register.column_dimensions[register.cell(1, i + 1).column_letter].width
              for i, label in enumerate(labels)}
    assert all(6 <= width <= 70 for width in widths.values()), widths
    assert widths["narration"] > widths["date"] >= len("2006-02-15")
    assert len(book["findings"][header_row(book["findings"]) + 1]) > 1  # planted: rows


def test_an_empty_table_says_so_on_its_sheet(tmp_path, monkeypatch):
    main = books(tmp_path, planted=False)
    monkeypatch.chdir(tmp_path)
    made = invoke("report", str(main), "--as-of", AS_OF, "-t", "findings", "-f", "xlsx",
                  "--output-file", "t.xlsx")
    assert made.exit_code == 0, made.output
    (sheet,) = workbook(tmp_path / "t.xlsx").worksheets
    assert sheet.cell(header_row(sheet) + 1, 1).value == "No findings."


def test_the_same_books_give_the_same_bytes_dated_the_period_end(tmp_path, monkeypatch):
    main = books(tmp_path, planted=True)
    monkeypatch.chdir(tmp_path)
    for name in ("a.xlsx", "b.xlsx"):
        made = invoke("report", str(main), "--to", "2006-12-31", "-f", "xlsx", "--output-file",
                      name, "-q")
        assert made.exit_code == 0, made.output
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    core = zipfile.ZipFile(tmp_path / "a.xlsx").read("docProps/core.xml").decode()
    assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2006-12-31T00:00:00Z<" in core


# --- the audit pack -------------------------------------------------------------------------


def test_the_pack_holds_the_workbook_listed_and_linked_to_its_evidence(tmp_path, monkeypatch):
    main = books(tmp_path, planted=True)
    monkeypatch.chdir(tmp_path)
    for out in ("pack", "again"):
        made = invoke("report", str(main), "--as-of", AS_OF, "--output", out, "-q")
        assert made.exit_code == 0, made.output
    pack = tmp_path / "pack"
    data = (pack / "tables.xlsx").read_bytes()
    assert data == (tmp_path / "again" / "tables.xlsx").read_bytes()  # packs reproduce
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    (listed,) = [o for o in manifest["outputs"] if o["path"] == "tables.xlsx"]
    assert listed["sha256"] == hashlib.sha256(data).hexdigest()
    assert {(t["workbook"], t["sheet"]) for t in manifest["tables"]} == {
        ("tables.xlsx", t["name"]) for t in manifest["tables"]}
    register = openpyxl.load_workbook(io.BytesIO(data))["disbursements"]
    header = header_row(register)
    column = [c.value for c in register[header]].index("document") + 1
    documents = [register.cell(row, column) for row in range(header + 1, register.max_row)]
    linked = [cell for cell in documents if cell.hyperlink is not None]
    assert len(linked) == len(documents) - 1  # all but the planted missing one
    for cell in linked:
        target = unquote(cell.hyperlink.target.replace("\\", "/"))
        assert target.startswith("evidence/") and target.endswith("/" + cell.value)
        assert (pack / target).is_file(), target
    (missing,) = [cell for cell in documents if cell.hyperlink is None]
    assert missing.value == "2006-02-15.missing-contract.pdf"


# --- bad output paths -------------------------------------------------------------------------


@pytest.mark.parametrize("args, says", [
    (["-f", "xlsx"], "--output-file FILE.xlsx"),
    (["-f", "xlsx", "--output-file", "nowhere/t.xlsx"], "no folder nowhere"),
    (["-f", "xlsx", "--output-file", "ledger"], "ledger: names a folder, not a file"),
    (["-f", "xlsx", "--output-file", "new/"], "new/: names a folder"),
    (["-f", "xlsx", "--output-file", ""], "an empty path"),
    (["-f", "xlsx", "--output-file", "t.xlsx", "--output", "pack"], "use one of them"),
], ids=["no-file", "missing-folder", "a-folder", "a-slash", "empty", "with-pack"])
def test_a_workbook_with_nowhere_to_go_is_refused(shared_books, monkeypatch, args, says):
    main = shared_books / "main.beancount"
    monkeypatch.chdir(shared_books)
    before = sorted(os.listdir(shared_books))
    result = invoke("report", str(main), "-q", *args)
    assert result.exit_code == 2, result.output
    assert says in result.stderr and "Traceback" not in result.output
    assert result.stdout == ""
    assert sorted(os.listdir(shared_books)) == before


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    main = books(tmp_path, planted=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.xlsx").write_bytes(b"the old workbook")

    def full(_fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    result = invoke("report", str(main), "-q", "-f", "xlsx", "--output-file", "t.xlsx")
    assert result.exit_code == 2, result.output
    assert "t.xlsx: cannot write it: No space left on device" in result.stderr
    assert (tmp_path / "t.xlsx").read_bytes() == b"the old workbook"
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    result = invoke("report", str(main), "-q", "-f", "xlsx", "--output-file", "t.xlsx")
    assert result.exit_code == 0, result.output
    assert zipfile.is_zipfile(tmp_path / "t.xlsx")


def test_output_file_takes_text_formats_too(tmp_path, monkeypatch):
    main = books(tmp_path, planted=False)
    monkeypatch.chdir(tmp_path)
    shown = invoke("report", str(main), "-q", "-t", "budget", "-f", "csv")
    written = invoke("report", str(main), "-q", "-t", "budget", "-f", "csv", "--output-file",
                     "budget.csv")
    assert written.exit_code == 0, written.output
    assert (tmp_path / "budget.csv").read_text(encoding="utf-8") == shown.stdout


# --- the renderer alone -----------------------------------------------------------------------

# OOXML writes a control character as _xHHHH_ (and a literal "_x" escape's underscore as
# _x005F_); Excel decodes them, openpyxl leaves them as they are
ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def decoded(text: str) -> str:
    return ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)


HOSTILE = ["=HYPERLINK(\"http://x\")", "<r><t>injected</t></r>", "<r>&</r>", "bell\x07 _x0041_",
           "+1", "-2", "@SUM(A1)", "http://example.org", "007", "1e5", " padded ", "",
           "tab\there\nnewline"]


def test_ledger_text_stays_text_whatever_it_looks_like():
    rows = [{"text": text, "doc": Location(f"/d/{n}.pdf", 0, text) if text else None}
            for n, text in enumerate(HOSTILE)]
    tab = table("hostile", "Title <r>&</r>", [Column("text", "text"),
                                              Column("doc", "doc", Kind.DOCUMENT)], rows)
    links = {row["doc"].filename: f"evidence/{row['text']}" for row in rows if row["doc"]}
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx([tab], datetime.date(2006, 1, 1),
                                                          links))).active
    header = header_row(sheet)
    got = [[sheet.cell(header + 1 + i, c) for c in (1, 2)] for i in range(len(HOSTILE))]
    assert [decoded(a.value or "") for a, _ in got] == HOSTILE
    assert all(a.data_type == "s" or a.value is None for a, _ in got)  # never a formula
    assert [decoded(b.value or "") for _, b in got] == HOSTILE
    # the markup-like text is not a link (XlsxWriter would write it as markup); others are
    assert [b.hyperlink is not None for _, b in got] == [
        bool(text) and not (text.startswith("<r>") and text.endswith("</r>")) for text in HOSTILE]
    assert sheet.cell(1, 1).value == "Title <r>&</r>"


def test_links_stop_at_excels_limit_and_the_names_stay(monkeypatch):
    monkeypatch.setattr(xlsx, "EXCEL_LINKS", 2)
    rows = [{"doc": Location(f"/d/{n}.pdf", 0, f"{n}.pdf")} for n in range(4)]
    tab = table("docs", "Documents", [Column("doc", "doc", Kind.DOCUMENT)], rows)
    links = {row["doc"].filename: f"evidence/{n}.pdf" for n, row in enumerate(rows)}
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx([tab], datetime.date(2006, 1, 1),
                                                          links))).active
    cells = [sheet.cell(header_row(sheet) + 1 + n, 1) for n in range(4)]
    assert [c.value for c in cells] == [f"{n}.pdf" for n in range(4)]
    assert [c.hyperlink is not None for c in cells] == [True, True, False, False]


@pytest.mark.parametrize("names, sheets", [
    (["budget", "Budget"], ["budget", "Budget (2)"]),
    (["a/b:c*d?e[f]g\\h"], ["a-b-c-d-e-f-g-h"]),
    (["x" * 40, "x" * 40], ["x" * 31, "x" * 27 + " (2)"]),
    (["History"], ["History (2)"]),
    (["'quoted'", "''"], ["quoted", "table"]),
])
def test_sheet_names_are_names_excel_accepts(names, sheets):
    tables = [table(name, name, [Column("a", "a")], []) for name in names]
    assert sheet_names(tables) == sheets
    # XlsxWriter itself refuses a name Excel would not take
    openpyxl.load_workbook(io.BytesIO(render_xlsx(tables, datetime.date(2006, 1, 1))))


def test_a_table_without_rows_says_so():
    tab = table("findings", "Findings", [Column("a", "a"), Column("b", "b", Kind.AMOUNT)], [])
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx([tab], datetime.date(2006, 1, 1)))).active
    assert sheet.cell(header_row(sheet) + 1, 1).value == nothing_shown(tab)


def test_rows_beyond_a_sheet_are_said_not_lost_silently(monkeypatch):
    monkeypatch.setattr(xlsx, "EXCEL_ROWS", 10)
    tab = table("big", "Big", [Column("n", "n", Kind.NUMBER)], [{"n": n} for n in range(20)],
                totals={"n": 190})
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx([tab], datetime.date(2006, 1, 1)))).active
    header = header_row(sheet)
    values = [sheet.cell(row, 1).value for row in range(header + 1, sheet.max_row + 1)]
    assert sheet.max_row == 10
    assert values == [0, 1, 2, 3, 4, "15 more rows than a sheet holds: the CSV and JSON have "
                      "them all", 190]

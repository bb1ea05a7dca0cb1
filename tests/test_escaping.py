"""Hostile ledger text stays inert: CSV formulas neutralised, Markdown, LaTeX, HTML and plain
text escaped so that a row stays one row and no markup passes through (issue 8, section 4)."""

from __future__ import annotations

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.outputs.render import render, render_csv, render_text
from aipo_budget.outputs.table import Column, Kind, Table, table as make_table
from conftest import RULES, write_ledger

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+cmd|' /C calc'!A0", "@SUM(1+1)",
            "-2+3", "\tTAB", "\rCR"]
LATEX_SPECIALS = "$\\_{}%&#^~"
LATEX_ESCAPED = r"\$\textbackslash{}\_\{\}\%\&\#\^{}\textasciitilde{}"
MULTILINE = "first line\nsecond line\r\nthird\u2028fourth"


def table(*cells: object, notes: tuple[str, ...] = ()) -> Table:
    """One text column and one amount column, a row per hostile cell."""
    rows = [{"text": cell, "amount": Decimal("-12.00")} for cell in cells]
    return make_table("t", "Hostile\ntitle <b>",
                      (Column("text", "text"), Column("amount", "amount", Kind.AMOUNT)), rows,
                      totals={"text": "Total", "amount": Decimal("-12.00") * len(cells)},
                      notes=notes)


def markdown_cells(line: str) -> list[str]:
    """The cells of a GitHub-flavoured Markdown table row, as GFM splits it."""
    cells, current, chars = [], "", iter(line.strip()[1:])
    for char in chars:
        if char == "\\":
            current += char + next(chars, "")
        elif char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
    return cells


# --- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", FORMULAS)
def test_csv_text_starting_like_a_formula_gets_a_quote(payload):
    rows = list(csv.reader(io.StringIO(render_csv(table(payload)))))
    assert len(rows) == 3  # header, the row, the totals
    assert rows[1][0] == "'" + payload.replace("\r", "\n")  # a bare CR would end the record
    assert rows[1][1] == "-12.00"  # the amount is a number, untouched


@pytest.mark.parametrize("text", ["Kingdom Consultancy Group", "a=b", "2006-02-15 invoice",
                                  "'already quoted", " =leading space"])
def test_csv_other_text_is_left_as_written(text):
    rows = list(csv.reader(io.StringIO(render_csv(table(text)))))
    assert rows[1][0] == text


def test_csv_numbers_and_dates_are_plain_values():
    numbers = make_table("n", "Numbers", (
        Column("amount", "amount", Kind.AMOUNT), Column("count", "count", Kind.NUMBER),
        Column("date", "date", Kind.DATE), Column("empty", "empty", Kind.AMOUNT),
        Column("share", "share", Kind.PERCENT)),
        [{"amount": Decimal("-12.5"), "count": -3, "date": datetime.date(2006, 2, 15),
          "share": Decimal("87.5")}])
    rows = list(csv.reader(io.StringIO(render_csv(numbers))))
    assert rows[1] == ["-12.50", "-3", "2006-02-15", "", "87.5"]


def test_csv_keeps_a_multiline_cell_in_one_record():
    rows = list(csv.reader(io.StringIO(render_csv(table(MULTILINE, "bare\rreturn")))))
    assert len(rows) == 4  # header, two rows, the totals
    # a line separator, which str.splitlines() breaks at, shows as its escape
    assert rows[1][0] == MULTILINE.replace("\r\n", "\n").replace("\u2028", r"\u2028")
    assert rows[2][0] == "bare\nreturn"


def test_csv_is_one_header_row_and_data_the_title_goes_elsewhere():
    out = render("csv", [table("x")])
    assert list(csv.reader(io.StringIO(out))) == [["text", "amount"], ["x", "-12.00"],
                                                  ["Total", "-12.00"]]


# --- Markdown -----------------------------------------------------------------------------


HOSTILE_MARKDOWN = ["a|b", "<script>alert(1)</script>", "x & y", MULTILINE, "ends with \\",
                    "back\\|slash pipe", "[link](javascript:alert(1))", "*bold* _it_ `code` ~~s~~",
                    "![img](http://evil.example/x.png)"]


@pytest.mark.parametrize("fmt", ["markdown", "github"])
def test_markdown_rows_stay_rows_and_no_markup_passes(fmt):
    out = render_text(table(*HOSTILE_MARKDOWN), fmt)
    lines = out.splitlines()
    assert len(lines) == 2 + len(HOSTILE_MARKDOWN) + 1  # header, rule, rows, totals
    for line in lines[2:]:
        assert len(markdown_cells(line)) == 2, line
    assert "<" not in out and ">" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "x &amp; y" in out
    assert r"a\|b" in out
    assert r"\[link\](javascript:alert(1))" in out
    assert r"\*bold\* \_it\_ \`code\` \~\~s\~\~" in out
    assert "first line second line third fourth" in out
    # a backslash is escaped too, so it can never un-escape the pipe after it
    assert r"back\\\|slash pipe" in out and r"ends with \\" in out


def test_markdown_title_and_notes_are_escaped_and_one_line():
    out = render("markdown", [table("x", notes=("note <i>with</i>\nbreak | pipe",))])
    assert out.startswith("### Hostile title &lt;b&gt;\n")
    assert r"_note &lt;i&gt;with&lt;/i&gt; break \| pipe_" in out


# --- LaTeX, HTML and plain text -----------------------------------------------------------


def test_latex_escapes_special_characters_and_keeps_rows():
    out = render_text(table(LATEX_SPECIALS, MULTILINE), "latex")
    assert LATEX_ESCAPED in out
    assert "first line second line third fourth" in out
    body = [line for line in out.splitlines() if line.endswith("\\\\")]
    assert len(body) == 1 + 2 + 1  # header, two rows, totals: one line each


def test_latex_title_is_a_caption_and_notes_are_text_both_escaped():
    out = render("latex", [table("x", notes=("a note\n\\input{/etc/passwd}",))])
    assert "\\caption{Hostile title \\ensuremath{<}b\\ensuremath{>}} \\\\\n" in out
    assert "\na note \\textbackslash{}input\\{/etc/passwd\\}\n" in out
    assert "\\input" not in out


def test_html_escapes_markup():
    out = render("html", [table("<script>alert(1)</script>", "a & b")])
    assert "<script>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "a &amp; b" in out
    assert "<h2>Hostile title &lt;b&gt;</h2>" in out


@pytest.mark.parametrize("fmt", ["plain", "simple", "table", "grid"])
def test_plain_text_rows_stay_one_line(fmt):
    out = render_text(table(MULTILINE, "tab\there", "esc \x1b[31mred\x1b[0m \u202eevil"), fmt)
    assert "first line second line third fourth" in out
    assert "tab here" in out
    assert "\x1b" not in out and "\u202e" not in out
    assert r"esc \x1b[31mred\x1b[0m \u202eevil" in out
    rows = [line for line in out.splitlines() if "(12.00)" in line]
    assert len(rows) == 3


def test_csv_shows_controls_as_escapes_and_keeps_line_feeds_and_tabs():
    """CSV went out raw: BEL, VT and line separators as bytes, and an ANSI colour code that
    click then stripped from the text when stdout was no terminal (the cell lost ``[31m``)."""
    out = render("csv", [table("esc \x1b[31mred\x07 \x0b\x85\u2028\u202eevil", "tab\there\nline")])
    assert not any(char in out for char in "\x1b\x07\x0b\x85\u2028\u202e")
    assert r"esc \x1b[31mred\x07 \x0b\x85\u2028\u202eevil" in out
    assert '"tab\there\nline"' in out


# --- end to end: a hostile ledger through check, report and the audit pack -----------------


HOSTILE_LEDGER = r'''
2006-02-15 * "=HYPERLINK(\"http://evil.example\",\"x\")" "+cmd <script>alert(1)</script> a|b
second line $\\_{}%&#^~"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "@SUM(1+1) <b>x</b>|y"
  approved-by: "@SUM(1+1) <b>x</b>|y"
  document: "-2+3.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
  Assets:Surplus-Fund:Bank
'''


@pytest.fixture
def hostile(tmp_path):
    return write_ledger(tmp_path, HOSTILE_LEDGER)


def invoke(*args: str):
    return CliRunner().invoke(cli, [*args, "--rules", str(RULES), "--as-of", "2007-01-01"],
                              catch_exceptions=False)


def csv_table(ledger, name: str) -> list[dict[str, str]]:
    """``report -f csv -t NAME``: one header row, then the rows."""
    result = invoke("report", str(ledger), "--format", "csv", "--table", name)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def test_report_csv_neutralises_hostile_cells(hostile):
    (row, _total) = csv_table(hostile, "disbursements")
    assert row["payee"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert row["narration"] == "'+cmd <script>alert(1)</script> a|b\nsecond line $\\_{}%&#^~"
    assert row["prepared by"].startswith("'@SUM") and row["document"] == "'-2+3.pdf"
    assert row["USD"] == "4000.00"
    statement = csv_table(hostile, "fund-statement")
    assert any(value == "-4000.00" for r in statement for value in r.values())


def test_check_csv_neutralises_the_message_not_the_amount(hostile):
    result = invoke("check", str(hostile), "--format", "csv")
    assert result.exit_code == 1, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    (segregation,) = [r for r in rows if r["kind"] == "segregation"]
    assert segregation["condition"].startswith("'@SUM(1+1) <b>x</b>|y")
    assert segregation["amount (USD)"] == "4000.00"


@pytest.mark.parametrize("command", ["check", "report"])
def test_markdown_of_a_hostile_ledger_is_inert(hostile, command):
    result = invoke(command, str(hostile), "--format", "markdown")
    assert result.exit_code in (0, 1), result.output
    assert "<b>" not in result.stdout and "<script>" not in result.stdout
    assert r"&lt;b&gt;x&lt;/b&gt;\|y" in result.stdout
    widths = []  # cells of each row, a table after another: every row as wide as its header
    for line in result.stdout.splitlines():
        if not line.startswith("|"):
            widths.append(None)
        elif widths and widths[-1] is not None:
            assert len(markdown_cells(line)) == widths[-1], line
        else:
            widths.append(len(markdown_cells(line)))
    if command == "report":  # the disbursement, and the transaction of each finding
        rows = [line for line in result.stdout.splitlines() if "HYPERLINK" in line]
        assert len(rows) >= 2
        for row in rows:
            assert r"a\|b second line" in row  # the narration's second line, in the same row


def test_report_latex_and_plain_of_a_hostile_ledger(hostile):
    latex = invoke("report", str(hostile), "--format", "latex", "--table", "disbursements")
    assert latex.exit_code == 0, latex.output
    assert LATEX_ESCAPED in latex.stdout
    assert r"\ensuremath{<}script\ensuremath{>}" in latex.stdout
    plain = invoke("report", str(hostile), "--format", "plain", "--table", "disbursements")
    (row,) = [line for line in plain.stdout.splitlines() if "HYPERLINK" in line]
    assert "a|b second line" in row


def test_report_html_of_a_hostile_ledger(hostile):
    result = invoke("report", str(hostile), "--format", "html", "--table", "disbursements")
    assert result.exit_code == 0, result.output
    assert "<script>" not in result.stdout and "<b>" not in result.stdout
    assert "&lt;script&gt;" in result.stdout


def test_audit_pack_csv_and_markdown_are_inert(hostile, tmp_path):
    out = tmp_path / "pack"
    result = invoke("report", str(hostile), "--output", str(out))
    assert result.exit_code == 0, result.output
    with open(out / "disbursements.csv", encoding="utf-8", newline="") as file:
        (row, _total) = list(csv.DictReader(file))
    assert row["payee"].startswith("'=HYPERLINK")
    assert row["USD"] == "4000.00"
    markdown = (out / "disbursements.md").read_text(encoding="utf-8")
    assert "<script>" not in markdown and re.search(r"a\\\|b second line", markdown)


def test_an_amount_beyond_decimal_precision_is_written_in_digits_not_an_exponent():
    huge = Decimal("-1.000000000000000000000000000E+29")
    absurd = make_table("a", "Absurd", (Column("amount", "amount", Kind.AMOUNT),),
                        [{"amount": huge}])
    assert "(100,000,000,000,000,000,000,000,000,000.00)" in render_text(absurd, "plain")
    rows = list(csv.reader(io.StringIO(render_csv(absurd))))
    assert rows[1] == ["-100000000000000000000000000000.00"]

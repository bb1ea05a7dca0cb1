"""The audit pack on paper and on screen, in Debian's chromium: the pack of the shipped ledger
(its own rules, and two payments planted after its last balance assertion: one approved by
nobody, one with a narration of 80 words) printed to PDF, and laid out in a window 1,400 px
wide.

How each claim is checked:

- Page numbers and the footer: the PDF Chromium prints (``Page.printToPDF``, the page's own
  A4 sizes) read back with poppler's ``pdftotext``; every page must say "page N of M", the
  pack's title and its ledger digest. Chromium draws them in the @page margin boxes, which
  are not in the DOM: only the PDF shows them.
- At most three lines a register row: measured by the browser itself, with print media
  emulated and the window as wide as the text area of the row's page (A4 portrait or
  landscape less the page's margins): each row's tallest cell divided by its line height.
  Counting lines in ``pdftotext -layout`` would guess where a row ends; the browser knows.
- Nothing cut at 1,400 px: with screen media, no table is wider than the window or its box.

Skipped without chromium (or without pdftotext, for the page numbers), with the command that
installs it; under CI (``CI=true``) they fail instead. The PDF, a screenshot and the
measurements are left in ``artifacts/`` (git-ignored) for a human to look at.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from cdp import ARTIFACTS, under_ci
from conftest import ROOT, copy_shipped_ledger

pytest_plugins = ["cdp"]  # chromium_process: the run's one Chromium, a tab of it here

PDF = ARTIFACTS / "pack.pdf"
MM = 96 / 25.4  # CSS px in a millimetre
# the text area of a page: A4 less the left and right margins of @page in pack.html (12 mm)
PORTRAIT, LANDSCAPE = round((210 - 24) * MM), round((297 - 24) * MM)
LONG_NARRATION = " ".join(
    ["Regional consultation on the trafficking roadmap with the member parliaments,"] * 8)
PLANTED_ON = ("2006-12-05", "2006-12-06")
PLANTED = f"""
2006-12-05 * "Mekong Legal Research Associates" "{LONG_NARRATION}"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Ratna Wulandari"
  approved-by: "Nguyen Thi Lan"
  document: "2006-12-05.consultation-invoice.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   1,250.00 USD
  Assets:Surplus-Fund:Bank

2006-12-06 * "Cahaya Offset Printing" "Reprint of the roadmap, approved by nobody"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Budi Santoso"
  document: "2006-12-06.reprint-invoice.pdf"
  Expenses:Projects:Trafficking-Roadmap:Publications   480.00 USD
  Assets:Surplus-Fund:Bank
"""
# every register row laid out: the lines of its tallest printed cell, and the columns of its
# texts cut at three lines; only the registers on pages of the given orientation
ROWS = """(wide => [...document.querySelectorAll('section table.register')]
  .filter(table => table.closest('section').classList.contains('wide') === wide)
  .flatMap(table => [...table.tBodies[0].rows].map(row => {
    let lines = 0;
    const cut = [];
    for (const cell of row.cells) {
      if (getComputedStyle(cell).display === 'none') continue;
      const clip = cell.querySelector('div.clip'), range = document.createRange();
      range.selectNodeContents(clip || cell);
      const height = (clip || range).getBoundingClientRect().height;
      lines = Math.max(lines, Math.round(height / parseFloat(getComputedStyle(cell).lineHeight)));
      if (clip && clip.scrollHeight > clip.clientHeight + 1) cut.push(cell.className);
    }
    return {section: table.closest('section').id, lines, cut,
            date: row.querySelector('td.k-date')?.textContent ?? '',
            text: row.textContent.trim().slice(0, 60)};
  })))"""
SIDEWAYS = """({page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
  tables: [...document.querySelectorAll('table')].map(table => ({
    section: table.closest('section').id, right: table.getBoundingClientRect().right,
    box: table.parentElement.clientWidth, scrolls: table.parentElement.scrollWidth}))})"""


def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if found is None:
        message = ("reading the printed pack needs poppler's pdftotext: run `sudo apt-get "
                   "install poppler-utils`, then the tests again")
        if under_ci():
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    folder = tmp_path_factory.mktemp("books")
    ledger = copy_shipped_ledger(folder)
    shutil.rmtree(folder / "rules")
    shutil.copytree(ROOT / "rules", folder / "rules")  # the shipped rules, not the tests'
    with (folder / "ledger" / "project-trafficking-roadmap.beancount").open("a") as books:
        books.write(PLANTED)
    out = folder / "pack"
    result = CliRunner().invoke(cli, ["report", str(ledger), "--as-of", "2006-12-31",
                                      "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def laid_out(pack, chromium_process):
    """The pack printed to artifacts/pack.pdf, its register rows as laid out on paper, and
    its tables as laid out in a window 1,400 px wide (in a tab of its own)."""
    ARTIFACTS.mkdir(exist_ok=True)
    PDF.unlink(missing_ok=True)
    with chromium_process.tab() as browser:
        browser.size(1400, 900)
        browser.open((pack / "index.html").as_uri(), "document.readyState === 'complete'")
        browser.screenshot(ARTIFACTS / "pack-1400.png")
        screen = browser.run(SIDEWAYS)
        printed = browser.call("Page.printToPDF", session=True, preferCSSPageSize=True,
                               printBackground=True, timeout=120)
        PDF.write_bytes(base64.b64decode(printed["data"]))
        browser.call("Emulation.setEmulatedMedia", session=True, media="print")
        rows = []
        for width, wide in ((PORTRAIT, False), (LANDSCAPE, True)):
            browser.size(width, 1000)
            rows += browser.run(f"({ROWS})({json.dumps(wide)})")
    measured = {"screen": screen, "rows": rows}
    (ARTIFACTS / "pack-print.json").write_text(json.dumps(measured, indent=1), encoding="utf-8")
    return measured


def test_every_printed_page_is_numbered_with_the_title_and_digest_in_its_footer(pack, laid_out):
    reader = pdftotext()
    text = subprocess.run([reader, "-layout", str(PDF), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    pages = text.split("\f")[:-1]  # each page ends with a form feed
    assert len(pages) >= 5, f"{len(pages)} pages"
    digest = json.loads((pack / "manifest.json").read_text())["ledger_digest"]["sha256"]
    for number, page in enumerate(pages, start=1):
        where = f"page {number} of the printed pack"
        assert f"page {number} of {len(pages)}" in page, where
        assert "Surplus Fund audit pack, AIPO Secretariat - Surplus Fund" in page, where
        assert f"ledger digest {digest}" in page, where


def test_no_register_row_is_printed_on_more_than_three_lines(laid_out):
    rows = laid_out["rows"]
    assert {"cover", "disbursements", "findings"} <= {row["section"] for row in rows}
    assert len([row for row in rows if row["section"] == "disbursements"]) >= 16
    assert min(row["lines"] for row in rows) >= 1, "rows not measured"
    tall = [row for row in rows if row["lines"] > 3]
    assert not tall, f"register rows over three lines on paper: {tall}"
    # the columns' widths fit the shipped rows whole, and a finding's condition always; a text
    # longer than three lines (the planted narration of 80 words) is cut, and says so
    cut = [row for row in rows if row["cut"]]
    assert all(row["date"] in PLANTED_ON for row in cut), cut
    assert not [row for row in cut if any("k-condition" in c for c in row["cut"])], cut
    assert any(row["section"] == "disbursements" and row["date"] == "2006-12-05"
               and row["cut"] == ["k-narration clip"] for row in cut), cut


def test_nothing_is_cut_on_a_screen_1400_px_wide(laid_out):
    screen = laid_out["screen"]
    width, window = screen["page"]
    assert width <= window, f"the page scrolls sideways: {width} px in {window}"
    assert len(screen["tables"]) >= 9
    cut = [t for t in screen["tables"] if t["right"] > window or t["scrolls"] > t["box"]]
    assert not cut, f"tables wider than the window or their box: {cut}"

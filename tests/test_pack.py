"""The audit pack an auditor can sign: the cover of ``index.html``, evidence links that open
from the unpacked folder, CSV files that are data only, inert ledger text, charts read by key,
and a page that prints on A4."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import tarfile
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from aipo_budget import __version__
from aipo_budget.cli import cli
from aipo_budget.outputs.pack import PackSource, budget_chart, svg, write_pack
from aipo_budget.outputs.pack import html as pack_html
from aipo_budget.outputs.pack.charts import CHAR, balance_chart
from aipo_budget.outputs.pack.html import About, cell_text, cells
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.rules import load_rules
from aipo_budget.outputs.table import Column, Kind, Status, Table, table
from aipo_budget.outputs.tables import TABLE_NAMES, build_tables, context
from conftest import PRELUDE, RULES, amended, run, write_ledger

AS_OF, FROM, TO = "2007-01-01", "2006-01-01", "2006-12-31"
HOSTILE_PAYEE = "<script>alert(1)</script>"
HOSTILE_DOCUMENT = "2006-03-01.<b>invoice&more.pdf"

LEDGER = f"""
2006-02-15 * "Kingdom Consultancy" "Research programme: 92.5 % of the allocation, a warning"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director, Director of Programmes"
  document: "2006-02-15.consultancy-contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   37000.00 USD
  Assets:Surplus-Fund:Bank

2006-03-01 * "{HOSTILE_PAYEE}" "Regional meeting <img src=x onerror=alert(2)>, no approver"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: ""
  document: "{HOSTILE_DOCUMENT}"
  Expenses:Projects:Trafficking-Roadmap:Meetings   500.00 USD
  Assets:Surplus-Fund:Bank

2006-04-10 * "Print House" "Printing, its invoice never filed"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"
  document: "2006-04-10.missing-invoice.pdf"
  Expenses:Projects:Trafficking-Roadmap:Publications   100.00 USD
  Assets:Surplus-Fund:Bank

2006-06-20 * "Partner" "Translation paid directly by the partner"
  Expenses:Projects:Trafficking-Roadmap:Translation   30000.00 USD
  Income:Co-Funding:Partner
"""

# ORG08-APPROVAL amended in 2006 (v2, in force at the period end) and again in 2008 (v3, not)
AMENDMENTS = """
  [[rule.version]]
  effective = 2006-04-01
  text = "Amended: above 2,000 USD an outflow needs two different approvers."
  params.threshold = 2000.00
  params.approvers_above = 2

  [[rule.version]]
  effective = 2008-01-01
  text = "Amended again: above 1,000 USD."
  params.threshold = 1000.00
  params.approvers_above = 2
"""


def amended_rules(folder: Path) -> Path:
    return amended(folder.parent, "23GA-2002-Org-08.toml", "  params.approvers_above = 2\n",
                   AMENDMENTS)


class Page(HTMLParser):
    """What a reader sees in index.html: the cover's fields, the tables, the links."""

    CELLS = ("td", "th", "caption", "dt", "dd", "a", "code")

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self.tables: list[dict] = []
        self.links: list[tuple[str, str]] = []
        self.codes: list[str] = []
        self.section = ""
        self.open: list[tuple[str, dict, list[str]]] = []
        self.last_dt = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "section":
            self.section = attrs.get("id") or attrs.get("class", "")
        elif tag == "table":
            self.tables.append({"section": self.section, "class": attrs.get("class", ""),
                                "caption": "", "rows": []})
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        if tag in self.CELLS:
            self.open.append((tag, attrs, []))

    def handle_data(self, data: str) -> None:
        for _tag, _attrs, text in self.open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            return
        _tag, attrs, parts = self.open.pop()
        text = " ".join("".join(parts).split())
        if tag in ("td", "th"):
            self.tables[-1]["rows"][-1].append(text)
        elif tag == "caption":
            self.tables[-1]["caption"] = text
        elif tag == "dt":
            self.last_dt = text
        elif tag == "dd":
            self.fields[self.last_dt] = text
        elif tag == "a":
            self.links.append((attrs["href"], text))
        elif tag == "code":
            self.codes.append(text)

    def table(self, section: str, caption: str = "") -> list[list[str]]:
        (found,) = [t for t in self.tables if t["section"] == section
                    and t["caption"].startswith(caption)]
        return found["rows"]


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("books")
    return write_ledger(folder, LEDGER), amended_rules(folder / "rules")


@pytest.fixture(scope="module")
def pack(books, tmp_path_factory) -> Path:
    ledger, rules = books
    out = tmp_path_factory.mktemp("packs") / "pack"
    result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(rules),
                                      "--from", FROM, "--to", TO, "--as-of", AS_OF,
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def manifest_of(pack: Path) -> dict:
    return json.loads((pack / "manifest.json").read_text(encoding="utf-8"))


def page_of(pack: Path) -> Page:
    return Page((pack / "index.html").read_text(encoding="utf-8"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the cover ----------------------------------------------------------------------------


def test_the_cover_names_the_organisation_the_period_and_the_as_of_date(pack):
    fields = page_of(pack).fields
    assert fields["Organisation"] == "Test ledger"  # option "title"
    assert fields["Period"] == f"{FROM} to {TO}"
    assert fields["As of"] == AS_OF


def test_the_cover_states_compliance_in_one_line_with_the_errors_first(pack, books):
    ledger, rules = books
    audit = run(ledger, rules)
    period = [f for f in audit.findings if FROM <= f.date.isoformat() <= TO]
    errors = [f for f in period if f.is_error]
    warnings = [f for f in period if not f.is_error]
    assert errors and warnings
    # in date order a warning comes first: the cover must reorder, not just copy
    assert not min(period, key=lambda f: f.date).is_error
    page = page_of(pack)
    assert page.fields["Compliance"] == (
        f"Not compliant: {len(errors)} error{'s' * (len(errors) != 1)}, "
        f"{len(warnings)} warning{'s' * (len(warnings) != 1)}")
    header, *rows = page.table("cover", "Findings")
    severities = [row[header.index("severity")] for row in rows]
    assert severities == ["error"] * len(errors) + ["warning"] * len(warnings)
    shown = {row[header.index("rule (version)")].split()[0] for row in rows[:len(errors)]}
    assert shown == {f.rule for f in errors}


def compliant(folder: Path, prelude: str = PRELUDE) -> Path:
    """The ledger's first outflow (a warning) and the partner's payment; its pack."""
    blocks = LEDGER.strip().split("\n\n")
    ledger = write_ledger(folder, "\n\n".join([blocks[0], blocks[-1]]), prelude=prelude)
    out = folder / "pack"
    result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(RULES),
                                      "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_a_compliant_ledger_says_so(tmp_path):
    page = page_of(compliant(tmp_path))
    assert page.fields["Compliance"] == "Compliant: no errors, 1 warning"
    header, *rows = page.table("cover", "Findings")
    assert [row[header.index("severity")] for row in rows] == ["warning"]


def test_the_cover_lists_the_rules_in_force_at_the_period_end_with_versions(pack, books):
    _ledger, rules = books
    header, *rows = page_of(pack).table("cover", "Rules in force on 2006-12-31")
    assert header[:5] == ["rule", "title", "citation", "version", "in force from"]
    by_id = {row[0]: row for row in rows}
    ruleset = load_rules(rules)
    assert set(by_id) == {rule.id for rule in ruleset.rules}
    for rule in ruleset.rules:
        assert by_id[rule.id][1] == rule.title
        assert by_id[rule.id][2] == rule.versions[0].citation
    # amended in 2006 and again in 2008: the 2006 version is the one in force
    assert by_id["ORG08-APPROVAL"][3:5] == ["2", "2006-04-01"]
    assert by_id["ORG08-RESERVE"][3:5] == ["1", "2002-01-01"]


def test_the_cover_shows_the_ledger_digest_recomputed_from_the_manifest(pack):
    manifest = manifest_of(pack)
    canonical = json.dumps(manifest["inputs"], sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False).encode("utf-8")
    digest = hashlib.sha256(canonical).hexdigest()
    page = page_of(pack)
    assert page.codes == [digest]
    assert page.fields["Ledger digest"].startswith(digest)
    assert manifest["ledger_digest"]["sha256"] == digest
    # over the inputs: the ledger, the rules, the signed approvals and the evidence, each with
    # its SHA-256, and the record of the entries and of the options
    assert set(manifest["inputs"]) == {"ledger", "rules", "approvals", "evidence", "record"}
    assert manifest["inputs"]["evidence"]
    record = (pack / "entries.tsv").read_bytes()
    options = json.dumps(manifest["entries"]["options"], sort_keys=True, separators=(",", ":"),
                         ensure_ascii=False).encode("utf-8")
    assert manifest["inputs"]["record"] == [
        {"path": "entries.tsv", "sha256": hashlib.sha256(record).hexdigest()},
        {"path": "options", "sha256": hashlib.sha256(options).hexdigest()}]


def test_the_digest_depends_on_the_ledger_not_on_the_period(books, tmp_path):
    ledger, rules = books

    def digest(*period: str) -> str:
        out = tmp_path / "-".join(["pack", *period])
        result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(rules),
                                          "--as-of", AS_OF, *period, "-o", str(out)])
        assert result.exit_code == 0, result.output
        return manifest_of(out)["ledger_digest"]["sha256"]

    assert digest() == digest("--from", "2006-03-01", "--to", "2006-03-31")


def test_the_cover_shows_the_tool_the_time_and_a_blank_sign_off_block(pack):
    page = page_of(pack)
    assert page.fields["Tool"] == f"aipo-budget {__version__}"
    assert page.fields["Generated"] == manifest_of(pack)["generated"]
    (signoff,) = [t for t in page.tables if t["class"] == "signoff"]
    assert signoff["section"] == "cover"
    assert signoff["rows"] == [["Prepared by", ""], ["Reviewed by", ""], ["Date", ""]]


def test_a_ledger_without_a_title_names_no_organisation(tmp_path):
    prelude = PRELUDE.replace('option "title" "Test ledger"\n', "")
    assert prelude != PRELUDE
    assert page_of(compliant(tmp_path, prelude)).fields["Organisation"].startswith("not named")


# --- evidence -----------------------------------------------------------------------------


def links_resolve(pack: Path) -> list[tuple[str, str]]:
    """Every link of index.html, checked: a file inside ``pack`` with the manifest's
    SHA-256, which is the SHA-256 of the evidence file it copies."""
    manifest = manifest_of(pack)
    outputs = {item["path"]: item for item in manifest["outputs"]}
    inputs = {item["path"]: item["sha256"] for item in manifest["inputs"]["evidence"]}
    links = page_of(pack).links
    for href, _text in links:
        assert not href.startswith(("/", "file:", "http")), href
        target = (pack / unquote(href)).resolve()
        assert target.is_relative_to(pack.resolve()) and target.is_file(), href
        item = outputs[unquote(href)]
        assert sha(target) == item["sha256"] == inputs[item["source"]]
    return links


def test_every_cited_evidence_file_is_a_relative_link_to_its_copy(pack):
    links = links_resolve(pack)
    assert [text for _href, text in links] == ["2006-02-15.consultancy-contract.pdf",
                                               HOSTILE_DOCUMENT]
    assert unquote(links[0][0]) == ("evidence/Expenses/Projects/Trafficking-Roadmap/"
                                    "Research/2006-02-15.consultancy-contract.pdf")
    # the one never filed is shown as written, with no link
    header, *rows = page_of(pack).table("disbursements")
    documents = [row[header.index("document")] for row in rows]
    assert "2006-04-10.missing-invoice.pdf (does not resolve to a file)" in documents


def test_the_links_open_from_the_unpacked_folder(pack, tmp_path):
    archive = tmp_path / "pack.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(pack, arcname="audit-pack")
    with tarfile.open(archive) as tar:
        tar.extractall(tmp_path / "elsewhere", filter="data")
    assert len(links_resolve(tmp_path / "elsewhere" / "audit-pack")) == 2


def test_cited_evidence_that_may_not_be_read_has_no_link_and_is_listed(books, tmp_path):
    ledger, rules = books
    result = run(ledger, rules)
    tables = build_tables(result, None, None, ledger=str(ledger))
    entries, _errors, options = load_ledger(str(ledger))
    source = PackSource(context(result, None, None, str(ledger)), "Test ledger",
                        result.facts.as_of, {"ledger": [str(ledger)]}, entries, options,
                        documents=(), roots=())  # no documents folder: nothing may be read
    out = tmp_path / "pack"
    write_pack(str(out), tables, source)
    page = page_of(out)
    assert page.links == []
    assert not (out / "evidence").exists()
    left_out = {item["path"]: item["why"] for item in manifest_of(out)["evidence_left_out"]}
    contract = ("documents/Expenses/Projects/Trafficking-Roadmap/Research/"
                "2006-02-15.consultancy-contract.pdf")
    assert left_out[contract] == "outside the documents folders"
    assert [contract, "outside the documents folders"] in page.table("evidence-left-out")
    header, *rows = page.table("disbursements")
    assert (rows[0][header.index("document")] == "2006-02-15.consultancy-contract.pdf "
            "(not in this pack: outside the documents folders)")


# --- the files ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLE_NAMES)
def test_a_csv_file_is_one_header_row_and_data_its_title_elsewhere(pack, books, name):
    ledger, rules = books
    (table,) = build_tables(run(ledger, rules), date(2006, 1, 1), date(2006, 12, 31), [name],
                            str(ledger))
    text = (pack / f"{name}.csv").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == [label for c in table.columns for label in (
        [f"{c.label} file", f"{c.label} line"] if c.kind is Kind.LOCATION else [c.label])]
    assert len(rows) == len(table.rows) + (1 if table.totals else 0)
    # the title is in the manifest, the Markdown and index.html, not in the CSV
    (listed,) = [t for t in manifest_of(pack)["tables"] if t["name"] == name]
    assert listed["title"] == table.title and table.title not in text
    markdown = (pack / f"{name}.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"### {table.title}\n")
    assert f"<h2>{table.title}" in (pack / "index.html").read_text(encoding="utf-8").replace(
        '<span class="nowrap">', "").replace("</span>", "")


def test_the_template_escapes_hostile_ledger_text(pack):
    text = (pack / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text and "<b>invoice" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    header, *rows = page_of(pack).table("disbursements")
    assert HOSTILE_PAYEE in [row[header.index("payee")] for row in rows]


def test_the_organisation_is_escaped_too(tmp_path):
    out = compliant(tmp_path, PRELUDE.replace('"Test ledger"', '"<i>AIPO</i> & co"'))
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "<i>" not in text and "&lt;i&gt;AIPO&lt;/i&gt; &amp; co" in text
    assert page_of(out).fields["Organisation"] == "<i>AIPO</i> & co"


# --- charts and cells read by key ---------------------------------------------------------


def budget_of(books) -> Table:
    ledger, rules = books
    return build_tables(run(ledger, rules), None, None, ["budget"], str(ledger))[0]


def reordered(table: Table) -> Table:
    """The same table with its columns in reverse order and other labels."""
    columns = tuple(type(c)(c.key, f"label {i}", c.kind)
                    for i, c in enumerate(reversed(table.columns)))
    return Table(table.name, table.title, columns, table.rows, table.totals, table.notes)


def test_the_budget_chart_reads_columns_by_key(books):
    budget = budget_of(books)
    chart = svg(budget_chart(budget))
    assert "Trafficking-Roadmap" in chart
    # spent from the surplus / allocation, on two lines beside the bar
    assert ">94.0 %</tspan>" in chart and ">37,600.00 of 40,000.00</tspan>" in chart
    assert "% of the final allocation" in chart and ">project<" in chart  # axes titled
    assert svg(budget_chart(reordered(budget))) == chart


def test_the_html_cells_read_columns_by_key(books):
    budget = budget_of(books)
    about = About("", None, "", "")
    original = cells(budget, about)
    moved = cells(reordered(budget), about)
    position = {c.key: i for i, c in enumerate(budget.columns)}
    for row, moved_row in zip(original.rows, moved.rows, strict=True):
        for j, column in enumerate(reversed(budget.columns)):
            assert moved_row[j] == row[position[column.key]]
    assert any(cell.css.startswith("num") and cell.text == "94.0 %" for row in original.rows
               for cell in row)


# --- printing (tests/test_pack_print.py prints the shipped ledger's pack in chromium) -------


def test_the_page_prints_on_a4_with_repeated_headers_and_dates_on_one_line(pack):
    text = (pack / "index.html").read_text(encoding="utf-8")
    assert "size: A4;" in text and "@page wide { size: A4 landscape; }" in text
    assert '@bottom-right { content: "page " counter(page) " of " counter(pages);' in text
    assert "thead { display: table-header-group; }" in text
    assert "section.cover + section { break-before: page;" in text  # the cover, a page alone
    assert ".date, .nowrap { white-space: nowrap; }" in text
    assert '<td class="date k-date"><span class="nowrap">2006-02-15</span></td>' in text


def test_a_cell_keeps_a_date_on_one_line_and_breaks_a_path_after_its_slashes():
    text = cell_text("searched documents/Expenses/Research/, ledger/ <b>2006-01-01</b>")
    assert text == ('searched documents/<wbr>Expenses/<wbr>Research/, ledger/ &lt;b&gt;'
                    '<span class="nowrap">2006-01-01</span>&lt;/b&gt;')


def css_text(value: str) -> str:
    """A CSS string's text, its escapes undone."""
    return re.sub(r"\\([0-9a-f]{1,6}) ?", lambda m: chr(int(m[1], 16)), value)


def footer_of(pack: Path) -> str:
    text = (pack / "index.html").read_text(encoding="utf-8")
    (footer,) = re.findall(r'@bottom-left \{ content: "([^"]*)";', text)
    return footer


def test_every_page_footer_names_the_pack_and_its_ledger_digest(pack):
    digest = manifest_of(pack)["ledger_digest"]["sha256"]
    assert css_text(footer_of(pack)) == (
        f"Surplus Fund audit pack, Test ledger: {FROM} to {TO}\nledger digest {digest}")


def test_ledger_text_in_the_footer_cannot_end_its_css_string(tmp_path):
    hostile = '"; } </style><script>alert(1)</script> \\'
    out = compliant(tmp_path, PRELUDE.replace('"Test ledger"', json.dumps(hostile)))
    footer = footer_of(out)
    assert re.fullmatch(r"[A-Za-z0-9 \\]*", footer), footer  # letters, digits, escapes
    assert css_text(footer).startswith(f"Surplus Fund audit pack, {hostile}: ")
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in text and text.count("</style>") == 1


def section_of(pack: Path, name: str) -> str:
    text = (pack / "index.html").read_text(encoding="utf-8")
    (found,) = re.findall(rf'<section class="[^"]*" id="{name}">.*?</section>', text, re.S)
    return found


@pytest.mark.parametrize(("name", "screen_only"), [
    ("disbursements", {"rate used", "judged by", "location"}),
    # the waiver too: nobody's finding here is waived
    ("findings", {"kind", "citation", "criterion", "location", "status", "waiver"}),
])
def test_a_register_prints_the_columns_an_auditor_reads(pack, books, name, screen_only):
    ledger, rules = books
    (table,) = build_tables(run(ledger, rules), date(2006, 1, 1), date(2006, 12, 31), [name],
                            str(ledger))
    section = section_of(pack, name)
    heads = re.findall(r'<th class="([^"]*)">([^<]*)</th>', section)
    assert [label for _css, label in heads] == [c.label for c in table.columns]  # on screen
    assert {label for css, label in heads if "screen-only" in css.split()} == screen_only
    (printed,) = re.findall(r'<p class="note paper-only">On paper: (.*?), each row on at most '
                            rf'three lines .*?in {name}.csv and in tables.xlsx.</p>', section)
    assert printed == ", ".join(c.label for c in table.columns if c.label not in screen_only)
    # a printed text is in a box that the print style sheet cuts at three lines
    assert re.search(r'<td class="[^"]*\bclip"><div class="clip">', section)


def test_an_empty_register_says_so_on_the_page_of_the_table_before_it(books, tmp_path):
    ledger, rules = books
    out = tmp_path / "pack"
    result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(rules), "--from",
                                      "2006-07-01", "--to", TO, "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 0, result.output
    for name, said in (("disbursements", "No surplus outflows."), ("findings", "No findings.")):
        section = section_of(out, name)
        assert f'<p class="empty">{said}</p>' in section and "<table" not in section
        assert section.startswith('<section class="data" ')  # not a landscape page of its own


def test_a_long_register_shows_its_latest_rows_and_says_where_the_rest_is(books, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(pack_html, "SHOWN_ROWS", 2)
    monkeypatch.setattr(pack_html, "COVER_ROWS", 1)
    ledger, rules = books
    out = tmp_path / "pack"
    result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(rules), "--from",
                                      FROM, "--to", TO, "--as-of", AS_OF, "-o", str(out)])
    assert result.exit_code == 0, result.output
    page = page_of(out)
    header, *rows = page.table("disbursements")
    assert [row[0] for row in rows] == ["2006-03-01", "2006-04-10", ""]  # the latest, total
    assert rows[-1][header.index("USD")] == "37,600.00"  # of all three
    assert "Showing 2 of 3 rows (the latest); the totals cover all of them. Every row is in " \
           "disbursements.csv and in tables.xlsx." in (out / "index.html").read_text()
    assert len(list(csv.reader(io.StringIO((out / "disbursements.csv").read_text())))) == 5
    # the findings: the errors first, though a warning is the earliest; in date order
    header, *rows = page.table("findings")
    findings = list(csv.DictReader(io.StringIO((out / "findings.csv").read_text())))
    assert len(findings) > 2 and findings[0]["severity"] == "warning"
    assert [row[header.index("severity")] for row in rows] == ["error", "error"]
    assert [row[1] for row in rows] == sorted(row[1] for row in rows)
    header, *rows = page.table("cover", "Findings")
    assert [row[header.index("severity")] for row in rows] == ["error"]
    assert f"The first 1 of {len(findings)} findings, errors first" in (
        out / "index.html").read_text()


def long_budget(name: str) -> Table:
    columns = (Column("project", "project"), Column("allocation", "allocation", Kind.AMOUNT),
               Column("surplus", "surplus", Kind.AMOUNT), Column("pct_used", "%", Kind.PERCENT),
               Column("warn_at", "warning", Kind.PERCENT), Column("status", "status", Kind.STATUS))
    rows = [{"project": project, "allocation": Decimal(1000), "surplus": Decimal(950),
             "pct_used": Decimal(95), "warn_at": Decimal(90), "status": Status.WARNING}
            for project in ("Short", name)]
    return table("budget", "Budget", columns, rows)


def test_a_long_project_name_wraps_beside_its_bar_never_clipped():
    name = "Parliamentary-Cooperation-on-Maritime-Security-and-Disaster-Preparedness-Study"
    chart = budget_chart(long_budget(name))
    short, long_ = chart["bars"]
    assert len(long_["label"]) > 1 and "".join(long_["label"]) == name
    room = (chart["left"] - 8) / CHAR  # characters from the left edge to the names' end
    assert max(len(line) for line in long_["label"]) <= room
    assert long_["height"] > short["height"]  # its row grows with its lines
    # the names' title is above the names, not beside them
    assert ">project</text>" in svg(chart) and 14 < short["label_y"]
    drawn = svg(chart)
    assert all(f">{line}</tspan>" in drawn for line in long_["label"])


def test_every_line_and_colour_of_the_charts_is_in_a_legend():
    drawn = svg(budget_chart(long_budget("Project")))
    for text in ("within: below the warning level", "warning: at or above the warning level",
                 "exceeded: above the final allocation",
                 "warning level (90.0 % of the allocation)", "100 %: the final allocation"):
        assert f">{text}</text>" in drawn
    assert "<title>warning level</title>" not in drawn  # no explanation only on hover
    history = [(date(2006, 1, 1), Decimal(5000)), (date(2006, 6, 1), Decimal(3000))]
    drawn = svg(balance_chart(history, date(2006, 12, 31), Decimal(1000)))
    for text in ("balance of the Surplus Fund after each day&#39;s movements",
                 "the balance at the period end", "reserve floor: 1,000.00 USD"):
        assert f">{text}</text>" in drawn

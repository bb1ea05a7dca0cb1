"""The audit pack an auditor can sign: the cover of ``index.html``, evidence links that open
from the unpacked folder, CSV files that are data only, inert ledger text, charts read by key,
and a page that prints on A4."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tarfile
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from aipo_budget import __version__
from aipo_budget.cli import cli
from aipo_budget.outputs.pack import PackSource, budget_chart, svg, write_pack
from aipo_budget.outputs.pack.html import About, cells
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.rules import load_rules
from aipo_budget.outputs.table import Kind, Table
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
    # over the inputs: the ledger, the rules and the evidence, each with its SHA-256
    assert set(manifest["inputs"]) == {"ledger", "rules", "evidence"}
    assert manifest["inputs"]["evidence"]


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
    assert "94.0 % (37,600.00 of 40,000.00)" in chart  # spent from the surplus / allocation
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


# --- printing -----------------------------------------------------------------------------


def test_the_page_prints_on_a4_with_repeated_headers_and_dates_on_one_line(pack):
    text = (pack / "index.html").read_text(encoding="utf-8")
    assert "@page { size: A4" in text and "@media print" in text
    assert "thead { display: table-header-group }" in text
    assert "break-before: page" in text  # each table on its own page
    assert ".date, .loc, .nowrap { white-space: nowrap; }" in text
    assert '<td class="date"><span class="nowrap">2006-02-15</span></td>' in text

"""Fava: the Surplus Fund page, compliance errors in Fava's error list, and Fava's budgets.

Fava's Flask application is built in-process on a copy of the shipped ledger (with the plugin
line it ships and the extension line the README shows), as ``fava`` would serve it.
"""

from __future__ import annotations

import datetime
import html as html_lib
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from beancount import loader
from fava.core.budgets import calculate_budget, parse_budgets
from markupsafe import escape

import aipo_budget.fava_ext as fava_ext
from aipo_budget.core import engine
from aipo_budget.core.budgets import budget_entries
from aipo_budget.fava_ext.page import cells, ladder
from aipo_budget.fava_ext.page import TABLE_NAMES, read_settings, retitled
from aipo_budget.core.rules import load_rules
from aipo_budget.outputs.table import Column, Kind, Location, Status, table
from conftest import RULES, Fava, copy_shipped_ledger, left_as_found

PROJECT = "Expenses:Projects:Trafficking-Roadmap"
EVIDENCE = "documents/Expenses/Projects/Trafficking-Roadmap/Research"
CENT = Decimal("0.01")
D = datetime.date

# A surplus outflow its preparer also approved: an ORG08-SEGREGATION error and nothing else.
# It is paid from a new petty-cash account of the fund so that the shipped balance assertions
# on the fund's bank account still hold.
PLANTED = """
2006-05-01 open Assets:Surplus-Fund:Petty-Cash  USD

2006-05-01 * "Opening balance of the Surplus Fund petty cash"
  Assets:Surplus-Fund:Petty-Cash                      100.00 USD
  Equity:Opening-Balances                            -100.00 USD

2006-05-10 * "{payee}" "Research assistant, archive searches"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "{person}"
  approved-by: "{person}"
  document: "2006-05-10.planted-invoice.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research      100.00 USD
  Assets:Surplus-Fund:Petty-Cash                     -100.00 USD
"""
PLANTED_HEADER = "2006-05-10 *"


def plant(main: Path, payee: str = "Archive Services", person: str = "Ratna Wulandari") -> int:
    """Append the planted outflow and its evidence file; return the transaction's line."""
    evidence = main.parent / EVIDENCE / "2006-05-10.planted-invoice.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% planted\n")
    text = main.read_text(encoding="utf-8") + PLANTED.format(payee=payee, person=person)
    main.write_text(text, encoding="utf-8")
    (lineno,) = [n for n, line in enumerate(text.splitlines(), 1)
                 if line.startswith(PLANTED_HEADER)]
    return lineno


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of its own, for a test that edits it, patches the code under test or needs a
    load of its own (the others read conftest's ``shipped_fava``)."""
    return copy_shipped_ledger(tmp_path)


@pytest.fixture(scope="module")
def planted_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Fava, int]:
    main = copy_shipped_ledger(tmp_path_factory.mktemp("planted"))
    lineno = plant(main)
    return Fava(main), lineno


@pytest.fixture
def planted(planted_once: tuple[Fava, int]) -> Iterator[tuple[Fava, int]]:
    """One Fava application on a copy of the shipped ledger with the planted outflow, and the
    outflow's line, for the tests that only read it (no request changes what Fava loaded,
    and none of these tests writes to the copy: conftest.left_as_found makes sure)."""
    with left_as_found(planted_once[0].main.parent):
        yield planted_once


def section(html: str, name: str) -> str:
    """The page's section showing the table ``name``."""
    start = html.index(f'<section class="sf-section" id="sf-{name}">')
    return html[start:html.index("</section>", start)]


def headers(html: str) -> list[str]:
    return [html_lib.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", html)]


# --- the page on the shipped ledger -------------------------------------------------------


def test_page_shows_the_status_and_key_figures(shipped_fava):
    fava = shipped_fava
    html = fava.page()
    assert "<title>Surplus Fund - AIPO Secretariat - Surplus Fund</title>" in html
    assert "Compliant: no errors, no warnings" in html
    assert "13 surplus outflows and 5 transfers-in judged by 17 rules" in html
    # the rules in force, with citation, version and the allocation
    assert "SOC03-CEILING" in html
    assert "Res. 26GA/2005/Soc/03; Res. 23GA/2002/Org/08 (allocations)" in html
    rules = section(html, "rules")
    assert ">v1 of 1</td>" in rules and ">2005-09-23</td>" in rules
    assert "allocation = 40,000.00" in html
    assert fava.get("api/errors").get_json()["data"] == []


def test_extension_is_listed_in_fava(shipped_fava):
    fava = shipped_fava
    (details,) = fava.ledger.extensions.extension_details
    assert (details.name, details.report_title) == ("SurplusFund", "Surplus Fund")


def test_audit_tables_appear(shipped_fava):
    from aipo_budget.outputs import tables
    fava = shipped_fava
    html = fava.page()
    result = fava.extension.loaded.result
    built = tables.build_tables(result, names=list(TABLE_NAMES), ledger=str(fava.main),
                                bare_titles=True)
    assert [t.name for t in built] == list(TABLE_NAMES)
    for shown in built:  # the period is said once, above them; life to date where it is
        assert f"<h3>{escape(retitled(shown, None).title)}</h3>" in html
    assert "<h3>Budget against actual</h3>" in html
    # a title with a comma of its own is whole
    assert "<h3>Member contributions, assessed and received</h3>" in html
    assert "(life to date)" not in html
    assert "40,000.00" in html  # the allocation, in the budget table
    assert "24,459.00" in html  # surplus-funded spending of the shipped project


# --- compliance errors: Fava's error list and the findings register -----------------------


def test_planted_error_is_in_favas_error_list_with_its_line(planted):
    fava, lineno = planted
    shipped = fava.main
    errors = fava.get("api/errors").get_json()["data"]
    (error,) = [e for e in errors if e["type"] == "FundRuleError"]
    assert error["source"]["filename"] == str(shipped)
    assert error["source"]["lineno"] == lineno
    assert "ORG08-SEGREGATION" in error["message"]
    assert shipped.read_text().splitlines()[lineno - 1].startswith("2006-05-10 *")


def test_planted_error_in_the_register_links_to_the_editor(planted):
    fava, lineno = planted
    shipped = fava.main
    html = fava.page()
    assert "1 error, 0 warnings" in html
    register = section(html, "findings")
    # the one findings register, its columns chosen by key: the criterion (rule version and
    # citation) and the offending transaction stay in view
    assert headers(register) == ["severity", "date", "condition", "amount (USD)",
                                 "rule (version)", "explanation", "details"]
    assert '<td class=" sf-alarming sf-short">error</td>' in register
    # the rest of the row in its details, the location still a link
    assert "<dt>citation</dt>" in register and "<dt>location</dt>" in register
    assert "ORG08-SEGREGATION v1 (2002-01-01)" in register
    assert "Res. 23GA/2002/Org/08 (segregation of duties)" in register
    assert "Archive Services — Research assistant, archive searches" in register
    assert "both prepared and approved this outflow" in register
    assert '<td class="num sf-nowrap">100.00</td>' in register
    links = {text: href for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', register)}
    url = urlsplit(html_lib.unescape(links[f"main.beancount:{lineno}"]))
    assert url.path == f"/{fava.slug}/editor/"
    assert parse_qs(url.query) == {"file_path": [str(shipped)], "line": [str(lineno)]}
    # the disbursement register links the same line, and names the evidence as written
    disbursements = section(html, "disbursements")
    assert f">main.beancount:{lineno}</a>" in disbursements
    assert '<dt>document</dt><dd>2006-05-10.planted-invoice.pdf</dd>' in disbursements


def test_ledger_strings_are_escaped(shipped):
    plant(shipped, payee="<script>alert(1)</script>", person="<img src=x onerror=alert(2)>")
    fava = Fava(shipped)
    html = fava.page()
    assert "1 error, 0 warnings" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


# --- configuration and failures -----------------------------------------------------------


@pytest.mark.parametrize(("config", "folder"), [
    (None, "rules"),
    ("", "rules"),
    ("rules", "rules"),
    ("  ../shared rules ", "../shared rules"),
    ("'rules-2006'", "rules-2006"),
    ("{'rules': 'rules-2006'}", "rules-2006"),
    ('{"rules": "rules"}', "rules"),
])
def test_config_is_the_rules_folder(config, folder):
    assert read_settings(config).rules == folder


@pytest.mark.parametrize("config", ["{'rulez': 'x'}", "{'rules': 3}", "{'rules': ' '}", "{",
                                    "'", "''"])
def test_config_mistakes_are_reported(config):
    with pytest.raises(ValueError, match="config"):
        read_settings(config)


def test_bad_config_is_shown_on_the_page(tmp_path):
    main = copy_shipped_ledger(
        tmp_path, '2002-01-01 custom "fava-extension" "aipo_budget.fava_ext" "{\'rulez\': 1}"')
    html = Fava(main).page()
    assert "Not checked" in html
    assert "expected a rules folder" in html


def test_bad_rules_are_shown_on_the_page_not_a_crash(shipped):
    ceiling = shipped.parent / "rules" / "26GA-2005-Soc-03.toml"
    ceiling.write_text(ceiling.read_text().replace('kind = "ceiling"', 'kind = "cieling"'))
    fava = Fava(shipped)
    html = fava.page()
    assert "Not checked: the Surplus Fund rules could not be read" in html
    assert "rules/26GA-2005-Soc-03.toml" in html
    assert "unknown kind &#39;cieling&#39;" in html
    # the other pages still work, and the plugin reports the rules in Fava's error list
    errors = fava.get("api/errors").get_json()["data"]
    assert [e["type"] for e in errors] == ["RulesConfigError"]
    fava.get("income_statement/")


def test_a_ledger_beancount_cannot_read_gets_no_verdict_and_no_figures(shipped):
    """As `check` refuses it (exit 2): Beancount leaves out the transaction whose line it
    cannot read, and a verdict and figures without it are not the books' (found by a review:
    the page said "judged" and showed the fund 50,000 USD richer than the books)."""
    text = shipped.read_text(encoding="utf-8")
    shipped.write_text(text + """
2006-06-25 * "Big Vendor" "Large payment"
  resolution: "26GA/2005/Soc/03"
  Expenses:Projects:Trafficking-Roadmap:Research    50,000.00 USD
  Assets:Surplus-Fund:Bank                         -50,000.00 USD
  Assets:Surplus-Fund:Bank   oops
""", encoding="utf-8")
    bad = len(text.splitlines()) + 6
    html = Fava(shipped).page()
    assert "Not checked: the ledger could not be read" in html
    assert f"main.beancount:{bad}: " in html and "oops" in html
    assert "judged by" not in html and "Fund balance" not in html
    assert "Compliant" not in html


def test_a_new_day_is_audited_as_check_would(shipped, monkeypatch):
    """Today decides which projects are closed: a Fava left running past midnight audits the
    ledger again, not only when a file changes."""
    fava = Fava(shipped)
    today = datetime.date.today()
    assert f"As of {today}" in fava.page()

    class Tomorrow(datetime.date):
        @classmethod
        def today(cls):
            return today + datetime.timedelta(days=1)

    monkeypatch.setattr(fava_ext.datetime, "date", Tomorrow)
    assert f"As of {today + datetime.timedelta(days=1)}" in fava.page()


# --- one audit per load, tables per request -----------------------------------------------


def test_audit_runs_once_per_load(shipped, monkeypatch):
    """Once: the ledger's plugin line audits during the load, and the page reuses that audit."""
    calls = []

    def counting_build(*args, **kwargs):
        calls.append(args)
        return build_facts(*args, **kwargs)

    build_facts = engine.build_facts
    monkeypatch.setattr(engine, "build_facts", counting_build)
    fava = Fava(shipped)
    fava.page()
    fava.page(time="2006")
    assert len(calls) == 1
    extension = fava.extension
    fava.load()
    assert len(calls) == 2
    assert fava.extension is extension
    assert "Compliant" in fava.page()


BUDGET_COLUMNS = (
    Column("project", "project"), Column("allocation", "allocation", Kind.AMOUNT),
    Column("pct_used", "% used", Kind.PERCENT), Column("warn_at", "warning at", Kind.PERCENT),
    Column("status", "ceiling status", Kind.STATUS),
)


def _recording_builder(seen: list):
    def build(result, start=None, end=None, names=None, ledger=""):
        seen.append((start, end, names))

        def row(project, allocation, used, status=None, warn_at="90.0"):
            return {"project": project, "allocation": Decimal(allocation),
                    "pct_used": Decimal(used), "warn_at": Decimal(warn_at), "status": status}

        rows = (
            row("Alpha", "1000.00", "50.0", Status.WITHIN),
            row("Beta", "1000.00", "95.0", Status.WARNING),
            row("Gamma", "1000.00", "120.0", Status.EXCEEDED),
            # the bar follows the row's status, not the numbers: no ladder of its own
            row("Delta", "1000.00", "99.0", Status.WITHIN),
            row("Trafficking-Roadmap", "-2500.5", "91.0"),
            row("Epsilon", "1000.00", "91.0", warn_at="95.0"),
            {"project": "Zeta", "status": Status.NO_ALLOCATION},
        )
        return [table("budget", "Budget <against> actual", BUDGET_COLUMNS, rows,
                      {"project": "Total", "allocation": Decimal("500.00")}, ("a <note>",))]
    return build


def test_time_filter_sets_the_period_of_the_tables(shipped, monkeypatch):
    seen: list = []
    monkeypatch.setattr(fava_ext, "tables_builder", lambda: _recording_builder(seen))
    fava = Fava(shipped)
    fava.page()
    fava.page(time="2006")
    fava.page(time="2006-03")
    assert seen == [
        (None, None, list(TABLE_NAMES)),
        (D(2006, 1, 1), D(2006, 12, 31), list(TABLE_NAMES)),  # Fava's end is exclusive
        (D(2006, 3, 1), D(2006, 3, 31), list(TABLE_NAMES)),
    ]
    assert "Period shown: 2006-03-01 to 2006-03-31." in fava.page(time="2006-03")


def test_findings_outside_the_time_filter_are_counted_not_listed(planted):
    fava, _lineno = planted
    assert "1 error, 0 warnings" in fava.page(time="2005")
    assert "1 finding dated outside 2005-01-01 to 2005-12-31 not shown" in fava.page(time="2005")
    assert "ORG08-SEGREGATION v1" in fava.page(time="2006")


def test_tables_are_rendered_generically_with_utilisation_bars(shipped, monkeypatch):
    monkeypatch.setattr(fava_ext, "tables_builder", lambda: _recording_builder([]))
    html = Fava(shipped).page()
    assert "Budget &lt;against&gt; actual" in html
    assert "a &lt;note&gt;" in html
    assert '<th class="num">allocation</th>' in html
    assert '<td class="num sf-negative sf-nowrap">(2,500.50)</td>' in html
    assert '<td class="num sf-nowrap">500.00</td>' in html  # the totals row
    assert 'class="sf-fill sf-within" style="width: 50.0%"' in html
    assert 'class="sf-fill sf-warning" style="width: 95.0%"' in html
    assert 'class="sf-fill sf-exceeded" style="width: 100.0%"' in html
    assert 'class="sf-fill sf-within" style="width: 99.0%"' in html
    # no status: the row's own warn_at decides (90 % for one row, 95 % for the other)
    assert 'class="sf-fill sf-warning" style="width: 91.0%"' in html
    assert 'class="sf-fill sf-within" style="width: 91.0%"' in html
    # no bar without a percentage used: six in the table, and five on the projects' lines
    # at a glance (Gamma, over its allocation, has one; Zeta has no allocation)
    table_html = section(html, "budget")
    assert table_html.count('class="sf-fill') == 6
    # percentages right-aligned as the text renderers show them; statuses toned
    assert '<th class="num">% used</th>' in html
    # the warning level is in each row's details, as the text renderers show it
    assert '<dt>warning at</dt><dd>90.0 %</dd>' in html
    assert '<td class=" sf-alarming sf-short">exceeded</td>' in html
    assert '<td class=" sf-worrying sf-short">warning</td>' in html
    assert '<td class=" sf-short">within</td>' in html
    assert '<td class=" sf-short">no allocation</td>' in html


@pytest.mark.parametrize(("percent", "status", "expected"), [
    ("10", Status.WITHIN, "within"),
    ("95", Status.WARNING, "warning"),
    ("101", Status.EXCEEDED, "exceeded"),
    ("95", Status.WITHIN, "within"),  # the status decides, not the numbers
    ("89.9", None, "within"),
    ("90", None, "warning"),
    ("100", None, "warning"),
    ("100.1", None, "exceeded"),
])
def test_ceiling_ladder(percent, status, expected):
    assert ladder(Decimal(percent), status, Decimal("90.0")) == expected


def test_cells_follow_the_kind_of_their_column():
    columns = (Column("when", "when", Kind.DATE), Column("n", "count", Kind.NUMBER),
               Column("doc", "evidence", Kind.DOCUMENT), Column("at", "where", Kind.LOCATION),
               Column("state", "state", Kind.STATUS), Column("note", "note"))
    rows = [
        {"when": D(2006, 5, 10), "n": -3, "doc": Location("", 0, "../missing.pdf"),
         "at": Location("/books/ledger/a.beancount", 12, "ledger/a.beancount"),
         "state": Status.TO_REVIEW, "note": "90.0 %"},
        {"doc": Location("/books/documents/x.pdf", 0, "x.pdf"),
         "at": Location("/elsewhere/b.beancount", 3, "/elsewhere/b.beancount")},
    ]
    linked = []

    def link(filename, lineno):
        linked.append((filename, lineno))
        return f"/editor?{lineno}" if filename.startswith("/books/") else None

    shown = cells(table("t", "T", columns, rows, {"note": "Total", "n": 7}), link)
    assert [h.text for h in shown.headers] == ["when", "count", "evidence", "where", "state",
                                               "note"]
    assert [h.css for h in shown.headers] == ["", "num", "", "", "", ""]
    first, second = shown.rows
    assert [c.text for c in first] == ["2006-05-10", "-3", "../missing.pdf",
                                       "ledger/a.beancount:12", "open: to review", "90.0 %"]
    assert first[0].css == " sf-nowrap" and first[1].css == "num sf-negative sf-nowrap"
    assert first[3].href == "/editor?12" and first[3].css == " sf-short"
    assert (first[2].href, second[2].href) == (None, None)  # evidence: text, not a link
    assert second[2].text == "x.pdf"
    assert first[4].css == " sf-worrying sf-short" and second[4].css == " sf-short"
    assert first[5].css == " sf-short"  # text that looks like a percentage is still text
    assert (second[3].text, second[3].href) == ("/elsewhere/b.beancount:3", None)
    assert linked == [("/books/ledger/a.beancount", 12), ("/elsewhere/b.beancount", 3)]
    assert [c.text for c in shown.totals] == ["", "7", "", "", "", "Total"]


# --- Fava's own budgets from the rules ----------------------------------------------------


def _fava_budget(entries, begin, end) -> Decimal:
    budgets, errors = parse_budgets(entries)
    assert errors == []
    return calculate_budget(budgets, PROJECT, begin, end).get("USD", Decimal(0)).quantize(CENT)


def test_budget_entries_spread_the_allocation_over_the_project_period():
    entries = budget_entries(load_rules(RULES))
    assert [(e.date, e.type, [v.value for v in e.values][:2]) for e in entries] == [
        (D(2006, 1, 1), "budget", [PROJECT, "quarterly"]),
        (D(2006, 7, 1), "budget", [PROJECT, "daily"]),
    ]
    assert str(entries[0].values[2].value) == "20000.00 USD"
    assert entries[1].values[2].value.number == 0
    assert entries[0].meta["filename"].endswith("26GA-2005-Soc-03.toml")
    ceiling = load_rules(RULES).for_project("ceiling", "Trafficking-Roadmap")
    assert entries[0].meta["lineno"] == ceiling.lineno > 0
    assert _fava_budget(entries, D(2006, 1, 1), D(2006, 7, 1)) == Decimal("40000.00")
    assert _fava_budget(entries, D(2006, 1, 1), D(2006, 4, 1)) == Decimal("20000.00")
    assert _fava_budget(entries, D(2006, 7, 1), D(2010, 1, 1)) == 0
    assert _fava_budget(entries, D(2005, 1, 1), D(2006, 1, 1)) == 0


def test_an_amendment_during_the_period_spreads_what_is_left(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / "26GA-2005-Soc-03.toml"
    text = path.read_text()
    anchor = "  params.warn_at = 0.90\n"
    assert text.count(anchor) == 1
    path.write_text(text.replace(anchor, anchor + (
        "\n  [[rule.version]]\n  effective = 2006-04-01\n"
        '  params.project = "Trafficking-Roadmap"\n'
        "  params.allocation = 50000.00\n  params.warn_at = 0.90\n")))
    entries = budget_entries(load_rules(folder))
    assert [e.date for e in entries] == [D(2006, 1, 1), D(2006, 4, 1), D(2006, 7, 1)]
    assert entries[1].meta["rule"] == "SOC03-CEILING v2 (2006-04-01)"
    assert str(entries[1].values[2].value) == "30000.00 USD"  # 50,000 less the first quarter
    assert _fava_budget(entries, D(2006, 1, 1), D(2006, 4, 1)) == Decimal("20000.00")
    assert _fava_budget(entries, D(2006, 1, 1), D(2006, 7, 1)) == Decimal("50000.00")


def test_a_period_off_calendar_boundaries_is_budgeted_per_day(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / "26GA-2005-Soc-03.toml"
    path.write_text(path.read_text().replace("params.start = 2006-01-01",
                                             "params.start = 2006-01-16"))
    entries = budget_entries(load_rules(folder))
    assert [e.values[1].value for e in entries] == ["daily", "daily"]
    assert _fava_budget(entries, D(2006, 1, 1), D(2006, 7, 1)) == Decimal("40000.00")
    assert _fava_budget(entries, D(2006, 1, 1), D(2006, 1, 16)) == 0


def test_a_budget_in_the_ledger_wins():
    entries, _errors, _options = loader.load_string(
        f'2006-01-01 custom "budget" {PROJECT} "monthly" 1000.00 USD\n')
    assert budget_entries(load_rules(RULES), entries) == []


def test_fava_shows_the_allocation_as_budget(shipped_fava):
    """Needs the plugin to add the budget entries (aipo_budget.plugin + budgets)."""
    fava = shipped_fava
    budgets = fava.ledger.budgets
    assert fava.ledger.budgets.errors == []
    period = budgets.calculate_children(PROJECT, D(2006, 1, 1), D(2006, 7, 1))
    assert "USD" in period, "no budget: the plugin should add budgets.budget_entries(...)"
    assert period["USD"].quantize(CENT) == Decimal("40000.00")
    expenses = budgets.calculate_children("Expenses", D(2006, 1, 1), D(2007, 1, 1))
    assert expenses["USD"].quantize(CENT) == Decimal("40000.00")
    after = budgets.calculate_children(PROJECT, D(2006, 7, 1), D(2008, 1, 1))
    assert after.get("USD", Decimal(0)) == 0
    # and the plugin added no second copy when the ledger has its own
    assert [e.type for e in fava.ledger.all_entries_by_type.Custom].count("budget") == 2


def test_long_tables_are_shortened_on_the_page_with_a_note():
    columns = (Column("date", "date", Kind.DATE), Column("payee", "payee"),
               Column("amount", "USD", Kind.AMOUNT))
    rows = [{"date": D(2006, 1, i % 28 + 1), "amount": Decimal(i)} for i in range(250)]
    register = table("disbursements", "Register", columns, rows,
                     {"payee": "Total", "amount": Decimal(31125)})
    short = fava_ext.shorten(register)
    assert short.rows == register.rows[-200:]
    assert [row["amount"] for row in short.rows] == [Decimal(i) for i in range(50, 250)]
    assert short.columns == register.columns
    assert short.totals == register.totals
    assert "Showing the latest 200 of 250 rows" in short.notes[-1]
    assert fava_ext.shorten(short) is short
    assert "Showing the latest" not in " ".join(register.notes)


def test_the_findings_register_is_shortened_too_and_the_counts_cover_every_finding():
    """Thousands of findings made a page of megabytes: the register shows the latest rows."""
    from aipo_budget.fava_ext.page import PAGE_ROWS, findings_table
    from aipo_budget.core.findings import Finding

    findings = [Finding("ORG08-EVIDENCE", "evidence", "error", "c", 1, D(2002, 1, 1),
                        D(2006, 1, 1) + datetime.timedelta(days=i), "/books/main.beancount",
                        i + 1, f"finding {i}", Decimal(i)) for i in range(PAGE_ROWS + 50)]
    shown = findings_table(findings, "/books", lambda _file, _line: None)
    assert len(shown.rows) == PAGE_ROWS
    assert any(cell.text == f"finding {PAGE_ROWS + 49}" for cell in shown.rows[-1])
    assert shown.notes[-1].startswith(f"Showing the latest {PAGE_ROWS} of {PAGE_ROWS + 50} "
                                      "rows; the counts above cover all")


# --- each finding links to its explanation ------------------------------------------------


def test_a_finding_links_to_the_explanation_of_its_transaction(planted):
    fava, lineno = planted
    shipped = fava.main
    register = section(fava.page(), "findings")
    assert headers(register)[-2:] == ["explanation", "details"]
    links = re.findall(r'<a href="([^"]+)">why\?</a>', register)
    assert len(links) == 1
    url = urlsplit(html_lib.unescape(links[0]))
    assert url.path == f"/{fava.slug}/extension/SurplusFund/"
    assert url.fragment == "sf-explanation"
    assert parse_qs(url.query)["explain"] == [f"{shipped}:{lineno}"]
    # following the link shows the explanation above the page, as `aipo-budget explain` has it
    html = fava.page(**parse_qs(url.query))
    explained = html[html.index('id="sf-explanation"'):html.index('id="sf-findings"')]
    assert f"Why main.beancount:{lineno} got its verdict" in explained
    assert "ORG08-SEGREGATION" in explained
    assert "both prepared and approved this outflow" in explained
    # the page's own sections keep their names
    assert html.count('id="sf-findings"') == 1 and html.count('id="sf-rules"') == 1


def test_an_explanation_of_a_line_with_no_transaction_says_so(shipped_fava):
    fava = shipped_fava
    html = fava.page(explain=f"{fava.main}:1")
    assert "Cannot explain main.beancount:1" in html
    assert "Cannot explain &#39;nonsense&#39;: expected FILE:LINE." in fava.page(explain="nonsense")


# --- the page builds only the rows it shows -----------------------------------------------


def test_registers_build_only_their_latest_rows_and_total_every_row(planted):
    """A page of a 100k ledger built thousands of register rows, then showed 200 of them."""
    from aipo_budget.outputs import tables
    fava, _lineno = planted
    shipped = fava.main
    result = fava.extension.loaded.result
    names = ["disbursements", "findings"]
    full = {t.name: t for t in tables.build_tables(result, names=names, ledger=str(shipped))}
    latest = {t.name: t for t in tables.build_tables(result, names=names, ledger=str(shipped),
                                                     latest=3)}
    everyone, shown = full["disbursements"], latest["disbursements"]
    assert len(everyone.rows) == 14  # the shipped 13 and the planted one
    assert shown.rows == everyone.rows[-3:]
    assert shown.totals == everyone.totals  # over all 14
    assert shown.notes[-1].startswith("Showing the latest 3 of 14 rows; the totals cover all")
    assert not everyone.notes
    # the one finding fits: nothing left out, nothing to say
    assert latest["findings"].rows == full["findings"].rows
    assert latest["findings"].notes == full["findings"].notes


def test_the_page_shows_the_latest_disbursements_with_the_total_of_all(shipped, monkeypatch):
    from aipo_budget.outputs import tables
    monkeypatch.setattr(fava_ext, "PAGE_ROWS", 4)
    fava = Fava(shipped)
    register = section(fava.page(), "disbursements")
    everyone = tables.build_tables(fava.extension.loaded.result, names=["disbursements"],
                                   ledger=str(shipped))[0]
    assert register.count("<tr>") == 1 + 4 + 1  # headers, the latest 4 rows, the totals
    for row in everyone.rows[-4:]:
        assert f">{row['location']}</a>" in register
    assert f">{everyone.rows[0]['location']}</a>" not in register
    assert f"{everyone.totals['amount']:,.2f}" in register
    assert "Showing the latest 4 of 13 rows; the totals cover all of them." in register


def test_each_load_ends_with_a_full_garbage_collection(shipped, monkeypatch):
    """The audit's frozen heap (engine.settled_heap) left a full collection owed that came
    with the first request after the load; it is made during the load instead."""
    collections: list[None] = []
    monkeypatch.setattr(fava_ext.gc, "collect", lambda: collections.append(None))
    fava = Fava(shipped)
    assert len(collections) == 1
    fava.page()
    assert len(collections) == 1
    fava.ledger.load_file()  # what Fava does when a ledger file changes
    assert len(collections) == 2

"""The Surplus Fund page as a workbench: the fund at a glance, the time filter honoured, "why?"
only where there is an explanation, and "can we pay this?" answered as ``check --pending``
answers it, writing nothing. One Fava application on one copy of the shipped ledger serves
every test here that only reads (conftest's ``shipped_fava``, which other modules read too).
"""

from __future__ import annotations

import hashlib
import html as html_lib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from markupsafe import escape

from aipo_budget.cli import cli
from aipo_budget.core.tally import one_line
from conftest import Fava, copy_shipped_ledger

PAYMENT = {
    "propose": "1", "date": "2006-06-15", "payee": "Mekong Research Institute",
    "narration": "Field study, second phase", "purpose": "Trafficking-Roadmap:Research",
    "amount": "7000.00", "currency": "USD", "fund": "Assets:Surplus-Fund:Bank",
    "preparer": "Ratna Wulandari", "document": "2006-06-14.invoice-mri-2006-031.pdf",
}
TWO = "Nguyen Thi Lan, Maria Teresa Villanueva"


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def fava(shipped_fava) -> Fava:
    return shipped_fava


@pytest.fixture
def books(shipped_fava) -> Path:
    """The ledger the shared application serves: the commands here read it, and the one file
    written beside it (pending_json's proposal, included by nothing) is removed at once."""
    return shipped_fava.main


def text_of(html: str, start: str, end: str | None = None) -> str:
    """The visible text of the page from the element ``id=start`` on."""
    at = html.index(f'id="{start}"')
    part = html[at:html.index(end, at) if end else None]
    part = part[part.index(">") + 1:]
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", part).split()))


def answer_of(html: str) -> str:
    return text_of(html, "sf-answer")


def pending_json(books: Path, text: str, as_of: str) -> dict:
    proposal = books.parent / "proposal.beancount"
    proposal.write_text(text, encoding="utf-8")
    try:
        result = CliRunner().invoke(cli, ["check", "--pending", str(proposal), str(books),
                                          "--as-of", as_of, "-f", "json"])
    finally:
        proposal.unlink()
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["proposals"][0]


# --- the fund at a glance -----------------------------------------------------------------


def test_the_headline_figures_are_the_fund_statements(fava, books):
    html = fava.page()
    glance = text_of(html, "sf-glance", 'id="sf-findings"')
    result = CliRunner().invoke(cli, ["report", str(books), "-t", "fund-statement",
                                      "-f", "json"])
    lines = {r["line"]: r["amount"] for r in json.loads(result.stdout)["tables"][0]["rows"]}
    for label, line in (("Fund balance", "Closing balance"),
                        ("Committed", "Allocated, not yet spent (committed by rule)"),
                        ("Available for new allocations", "Available for new allocations")):
        amount = f"{float(lines[line]):,.2f} USD"
        assert f"{label} {amount}" in glance, (label, glance)
    # the closed project with allocation left: used and left, and that it lapsed
    assert ("Trafficking-Roadmap : 24,459.00 USD of 40,000.00 USD used (61.1 %); "
            "15,541.00 USD left; closed on 2006-08-29") in glance
    assert html.count("<svg") >= 2 and "Budget use per project" in glance
    assert "Surplus Fund balance and reserve floor" in glance


def test_the_time_filter_sets_the_counts_titles_and_figures(fava, books):
    html = fava.page(time="2006-Q1")
    summary = text_of(html, "sf-summary", "</p>")
    # 2006-Q1: the outflows of January to March only, as the disbursement register has them
    result = CliRunner().invoke(cli, ["report", str(books), "-t", "disbursements",
                                      "--period", "2006-Q1", "-f", "json"])
    paid = len(json.loads(result.stdout)["tables"][0]["rows"])
    assert paid > 1
    assert summary.startswith(f"From 2006-01-01 to 2006-03-31: {paid} surplus outflows and "
                              "0 transfers-in judged by"), summary
    assert "As of" not in summary and "13 surplus outflows" not in summary
    assert "Fund balance" in html and "on 2006-03-31" in html
    assert "<h3>Budget against actual, life to date at 2006-03-31</h3>" in html
    assert "(life to date), 2006" not in html
    assert "Trafficking-Roadmap:" in html and "period ends 2006-06-30: 91 days left" in html


def test_the_contributions_are_folded_and_come_last(fava):
    html = fava.page()
    contributions = html.index('id="sf-contributions"')
    assert '<details class="sf-fold">' in html[contributions:contributions + 200]
    order = [html.index(f'id="sf-{name}"') for name in
             ("glance", "findings", "propose", "disbursements", "budget", "cofunding",
              "rules", "waivers", "contributions")]
    assert order == sorted(order)


# --- why? -----------------------------------------------------------------------------------


@pytest.mark.parametrize("time", ["2006-13", "0001", "2006 - 2005", "FY9999", "day-1000000",
                                  "9999", "2006 - 9999", "1899"])
def test_a_time_filter_fava_cannot_read_is_said_on_the_page_not_an_error_500(fava, time):
    # found by fuzzing: Fava's filter raised ValueError or OverflowError in the page's request
    # (HTTP 500 and a traceback in the log), where report --period refuses the same text
    page = fava.page(time=time)  # the page itself: status 200
    assert f"The time filter {time!r} cannot be read" in html_lib.unescape(page)
    assert 'id="sf-findings"' not in page  # no table judged for a period nobody asked for


def test_explain_takes_a_location_as_findings_print_it_and_only_the_ledgers_files(fava):
    # found by fuzzing: a location relative to the ledger's folder (as check prints it) was
    # read against the server's working folder and said "no transaction on line 179", and a
    # file outside the ledger was said to have no transaction there
    page = html_lib.unescape(fava.page(explain="ledger/project-trafficking-roadmap.beancount:179"))
    assert "Why ledger/project-trafficking-roadmap.beancount:179 got its verdict" in page
    page = html_lib.unescape(fava.page(explain="/etc/passwd:1"))
    assert "Cannot explain '/etc/passwd:1': not a file of the ledger (its files: " in page


@pytest.mark.parametrize("location", ["{ledger}:%C2%B2", "{ledger}:²", "{ledger}:" + "9" * 10000,
                                      "{ledger}:0", ":", "", "{ledger}:1:2", "\x00"])
def test_a_malformed_explain_gets_a_plain_message(fava, books, location):
    given = html_lib.unescape(location.format(ledger=books))
    response = fava.client.get(f"/{fava.slug}/extension/SurplusFund/",
                               query_string={"explain": given})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Traceback" not in page
    if given:
        assert "Cannot explain" in page


def test_why_only_where_there_is_an_explanation(tmp_path):
    """A balance assertion that fails is a finding without a "why?"; an outflow's has one."""
    main = copy_shipped_ledger(tmp_path)
    balances = main.parent / "ledger" / "balances.beancount"
    text = balances.read_text(encoding="utf-8")
    changed = text.replace("2006-12-01 balance Assets:Surplus-Fund:Bank                    "
                           "122,959.55 USD", "2006-12-01 balance Assets:Surplus-Fund:Bank"
                           "                    122,959.56 USD")
    assert changed != text
    balances.write_text(changed, encoding="utf-8")
    with (main.parent / "ledger" / "project-trafficking-roadmap.beancount").open("a") as out:
        out.write('\n2006-06-20 * "Someone" "Unapproved"\n  resolution: "26GA/2005/Soc/03"\n'
                  '  Expenses:Projects:Trafficking-Roadmap:Research  10.00 USD\n'
                  '  Assets:Surplus-Fund:Deposit  -10.00 USD\n')
    html = Fava(main).page()
    register = html[html.index('id="sf-findings"'):html.index('id="sf-propose"')]
    rows = re.findall(r"<tr>(.*?)</tr>", register, re.S)[1:]
    balance = [r for r in rows if "Balance failed" in r]
    outflow = [r for r in rows if "Someone" in r or "Unapproved" in r]
    assert balance and outflow
    assert all("why?" not in r for r in balance)
    assert all("why?" in r for r in outflow)


# --- can we pay this? -----------------------------------------------------------------------


def test_one_approver_cannot_pay_two_can_as_check_pending_says(fava, books):
    before = digests(books.parent)
    one = fava.page(**PAYMENT, approvers="Nguyen Thi Lan")
    assert text_of(one, "sf-verdict", "</p>") == "cannot be paid: 1 error"
    assert "ORG08-APPROVAL" in answer_of(one)
    two = fava.page(**PAYMENT, approvers=TWO)
    answer = answer_of(two)
    assert text_of(two, "sf-verdict", "</p>") == "can be paid"
    text = html_lib.unescape(re.search(r'id="sf-proposal-text">(.*?)</pre>', two, re.S)[1])
    command = html_lib.unescape(re.search(r'id="sf-proposal-command">(.*?)</pre>', two)[1])
    assert command == ("aipo-budget check --pending proposal.beancount main.beancount "
                       "--as-of 2006-06-15")
    judged = pending_json(books, text, "2006-06-15")
    assert judged["verdict"] == "can be paid" and judged["findings"] == []
    for row in judged["headroom"]["rows"]:  # every headroom row, as the command gives it
        assert row["measure"] in answer
        if row["amount"] is not None:
            assert f"{float(row['amount']):,.2f}" in answer, (row, answer)
    assert "13,491.00" in answer  # the allocation left after it
    assert digests(books.parent) == before  # nothing written, not even a cache entry


def test_the_one_approver_answer_is_the_commands_too(fava, books):
    page = fava.page(**PAYMENT, approvers="Nguyen Thi Lan")
    text = html_lib.unescape(re.search(r'id="sf-proposal-text">(.*?)</pre>', page, re.S)[1])
    judged = pending_json(books, text, "2006-06-15")
    assert judged["verdict"] == "cannot be paid"
    rules = sorted(f["rule"] for f in judged["findings"])
    assert rules == ["ORG08-APPROVAL"]
    for finding in judged["findings"]:
        assert html_lib.escape(finding["message"], quote=False)[:60] in page


@pytest.mark.parametrize(("field", "value", "said"), [
    ("date", "15/06/2006", "date: '15/06/2006' is not a date"),
    ("amount", "1e30", "amount: '1e30' is not an amount: write digits"),
    ("amount", "-5", "is not an amount above zero"),
    ("amount", "12.345", "has more than two decimals"),
    ("amount", "NaN", "amount: 'NaN' is not an amount: write digits"),
    # found by a review: Python's own number forms were read, a payment judged on them
    ("amount", "5e3", "amount: '5e3' is not an amount: write digits"),
    ("amount", "7_000", "amount: '7_000' is not an amount: write digits"),
    ("amount", "\u0667\u0660\u0660\u0660", "is not an amount: write digits"),  # Arabic-Indic
    ("amount", "\uff17\uff10\uff10\uff10", "is not an amount: write digits"),  # full-width
    ("amount", ".5", "amount: '.5' is not an amount: write digits"),
    # ... and a long field was cut to 300 characters, then judged as cut
    ("payee", "A" * 301, "payee: longer than 300 characters"),
    ("approvers", "Nguyen Thi Lan, " * 30, "approvers: longer than 300 characters"),
    ("purpose", "Other:Research", "project and category: 'Other:Research' is not one"),
    ("fund", "Assets:Operating:Bank-USD", "paid from: 'Assets:Operating:Bank-USD' is not one"),
    ("currency", "EUR", "currency: 'EUR' is not one"),
    ("document", "../../etc/passwd", "is not in the documents folder"),
    ("as_of", "yesterday", "judge as of: 'yesterday' is not a date"),
    ("incurred", "2006-13-01", "incurred: '2006-13-01' is not a date"),
    # found by fuzzing: read as 700050.00, 1000.00, a bare 20060601 written into the text, a
    # week date Beancount cannot read, and days the command the page shows would refuse
    ("amount", "7000,50", "a comma only between thousands"),
    ("amount", "1,0,0,0", "a comma only between thousands"),
    ("incurred", "20060601", "incurred: '20060601' is not a date (YYYY-MM-DD)"),
    ("incurred", "2006-W22-4", "incurred: '2006-W22-4' is not a date (YYYY-MM-DD)"),
    ("date", "9999-12-31", "date: 9999-12-31 is outside 1900-01-01..2999-12-31"),
    ("as_of", "9999-12-31", "judge as of: 9999-12-31 is outside 1900-01-01..2999-12-31"),
])
def test_a_form_that_cannot_be_read_says_why_and_judges_nothing(fava, field, value, said):
    page = fava.page(**{**PAYMENT, "approvers": TWO, field: value})
    answer = answer_of(page)
    assert "Not judged: the proposal cannot be read" in answer
    assert said in answer
    assert 'id="sf-proposal-text"' not in page


def test_the_form_offers_the_documents_and_says_which_are_cited(fava):
    page = fava.page()
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page))
    new = options["2006-06-14.invoice-mri-2006-031.pdf"]
    assert new == ("documents/Expenses/Projects/Trafficking-Roadmap/Research/"
                   "2006-06-14.invoice-mri-2006-031.pdf")  # cited by no payment yet
    assert options["2006-05-31.draft-roadmap-acceptance.pdf"].endswith(
        "(already cited by 1 payment)")


def test_control_characters_in_the_form_are_shown_as_escapes_never_written(fava):
    # found by fuzzing: a NUL, an escape sequence and a right-to-left override went into the
    # page and the text to paste as they were; the ledger's own text shows them as escapes
    page = fava.page(**{**PAYMENT, "approvers": TWO, "payee": "A\x00B\x1b[31mC\u202eD\x07"})
    for raw in ("\x00", "\x1b", "\u202e", "\x07"):
        assert raw not in page
    text = html_lib.unescape(re.search(r'id="sf-proposal-text">(.*?)</pre>', page, re.S)[1])
    assert "A\\\\x00B\\\\x1b[31mC\\\\u202eD\\\\x07" in text


def test_a_reload_while_a_proposal_is_judged_leaves_the_form_its_choices(fava, monkeypatch):
    # Fava reloads the ledger on another request's thread, and a reload first forgets the
    # form's choices (after_load_file): the page must still show those the answer was judged
    # with, not empty lists
    from aipo_budget.fava_ext import proposal

    judge = proposal.answer

    def reloaded_meanwhile(*args, **kwargs):
        fava.extension.offered = None  # as after_load_file does
        return judge(*args, **kwargs)

    monkeypatch.setattr(proposal, "answer", reloaded_meanwhile)
    page = fava.page(**PAYMENT, approvers=TWO)
    assert text_of(page, "sf-verdict", "</p>") == "can be paid"
    options = {value or text for value, text
               in re.findall(r'<option(?: value="([^"]*)")?[^>]*>([^<]*)</option>', page)}
    assert {"Trafficking-Roadmap:Research", "USD", "Assets:Surplus-Fund:Bank",
            "2006-06-14.invoice-mri-2006-031.pdf"} <= options


def test_a_proposal_after_the_day_judged_is_refused_plainly(fava):
    answer = answer_of(fava.page(**PAYMENT, approvers=TWO, as_of="2006-06-01"))
    assert "Not judged" in answer and "after the day judged as of (2006-06-01)" in answer


HOSTILE = '<script>alert("x")</script> & \\ "quoted" \u202e'


@pytest.mark.parametrize("field", ["payee", "narration", "preparer", "approvers", "date",
                                   "amount", "as_of", "incurred", "purpose", "fund",
                                   "currency", "document"])
def test_every_field_and_its_echo_are_escaped(fava, field):
    page = fava.page(**{**PAYMENT, "approvers": TWO, field: HOSTILE})
    assert "<script>alert" not in page
    # a right-to-left override shown as an escape, as in the ledger's text (one_line)
    escaped = str(escape(one_line(" ".join(HOSTILE.split()))))
    assert "\\u202e" in escaped
    # echoed into its field (text fields) or named in the message, escaped
    assert "&lt;script&gt;" in page
    if field in ("payee", "narration", "preparer", "approvers"):
        assert f'name="{field}" value="{escaped}"' in page
        # in the Beancount text, a string Beancount reads back as typed
        text = html_lib.unescape(re.search(r'id="sf-proposal-text">(.*?)</pre>', page, re.S)[1])
        assert '\\"quoted\\"' in text and "\\\\" in text


def test_a_payment_in_baht_can_be_proposed_from_the_imprest(fava):
    """The imprest is opened for LAK and THB: the form offers them beside the operating
    currency, and a payment in baht from it is judged, with no ledger error."""
    page = fava.page(**{**PAYMENT, "approvers": TWO, "amount": "38000.00", "currency": "THB",
                        "fund": "Assets:Surplus-Fund:Imprest"})
    answer = text_of(page, "sf-answer", 'id="sf-proposal-text"')
    assert "Verdict on the proposal: can be paid." in answer, answer
    assert "Invalid currency" not in page and "38000.00 THB" in page


def test_the_form_offers_open_fund_accounts_and_the_currencies_they_hold(tmp_path):
    """A fund account closed is no longer offered; a currency an account holds without
    being opened for it (no currency list) is."""
    import datetime

    from aipo_budget.core.engine import audit
    from aipo_budget.core.ledger import load_ledger
    from aipo_budget.core.rules import load_rules
    from aipo_budget.fava_ext.proposal import choices
    from conftest import RULES, write_ledger

    ledger = write_ledger(tmp_path, """
2006-01-10 * "Bank" "Kip for the deposit account"
  Assets:Surplus-Fund:Deposit   1000000 LAK @ 0.0001 USD
  Assets:Surplus-Fund:Bank     -100.00 USD

2006-02-01 close Assets:Surplus-Fund:Imprest
""")
    entries, errors, options = load_ledger(str(ledger))
    result = audit(entries, load_rules(RULES), datetime.date(2006, 12, 31), errors,
                   options=options)
    offered = choices(result, str(tmp_path), entries)
    assert "Assets:Surplus-Fund:Imprest" not in offered.funds
    assert "Assets:Surplus-Fund:Deposit" in offered.funds
    assert offered.currencies == ("USD", "LAK")

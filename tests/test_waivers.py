"""Waivers (tests/rules/waivers.toml): a finding that a waiver the transaction cites covers is
"waived" and fails nothing; a cited waiver that does not cover it (other rule or project, over
its amount, expired, adopted after the payment, unknown) leaves it standing and adds a finding
of kind "waiver" saying why. Bad waiver data is exit status 2 naming the file and the field.

The tests' waivers: EC-2006-07 waives SOC03-PERIOD for Trafficking-Roadmap, up to 3,500 USD,
adopted 2006-08-15, valid until 2006-09-30; EC-2006-02 waives kind approval from 2006-05-01.
The tests that need a waiver for another project add EC-2006-09 (:func:`other_project`): in the
tests' rules, a ledger without that project's accounts (the shipped one) would warn about it.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cache, session
from aipo_budget.core import engine
from aipo_budget.cli import cli
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.rules import RulesError, load_rules
from aipo_budget.core.waivers import judge
from conftest import (
    AS_OF, PRELUDE, RULES, Fava, line_of, only, page_section_rows, run, write_ledger,
)

EXTENSION = '2002-01-01 custom "fava-extension" "aipo_budget.fava_ext" "rules"\n'


OTHER_PROJECT = """
# the same exception as EC-2006-07, for another project
[[waiver]]
reference = "EC-2006-09"
adopted = 2006-08-15
rules = ["SOC03-PERIOD"]
project = "Other-Project"
citation = "Executive Committee, decision 2006/09 (test)"
"""


def other_project(tmp_path: Path) -> Path:
    """The tests' rules with EC-2006-09, which waives SOC03-PERIOD for Other-Project."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    with (folder / "waivers.toml").open("a", encoding="utf-8") as file:
        file.write(OTHER_PROJECT)
    return folder


def payment(day: str, amount: str, waiver: str | None = None, *, incurred: str | None = None,
            approvers: str = "Executive Director") -> str:
    """A surplus outflow of ``amount`` USD on ``day`` (one approver) citing ``waiver``, and
    the partner's equal payment (the surplus share stays at 50 %)."""
    lines = [f'{day} * "Print House" "Printing of the roadmap"']
    if incurred:
        lines.append(f"  incurred: {incurred}")
    if waiver is not None:
        lines.append(f"  waiver: {waiver}")
    lines += ['  resolution: "26GA/2005/Soc/03"', '  prepared-by: "Finance Officer"',
              f'  approved-by: "{approvers}"', f'  document: "{day}.printing-invoice.pdf"',
              f"  Expenses:Projects:Trafficking-Roadmap:Publications   {amount} USD",
              "  Assets:Surplus-Fund:Bank", "",
              '2006-06-20 * "Partner" "Translation paid directly by the partner"',
              f"  Expenses:Projects:Trafficking-Roadmap:Translation   {amount} USD",
              "  Income:Co-Funding:Partner"]
    return "\n".join(lines)


def late(day: str = "2006-08-30", amount: str = "3000.00", waiver: str | None = None) -> str:
    """Paid after the payment window (closed 2006-08-29): a SOC03-PERIOD error."""
    return payment(day, amount, waiver, incurred="2006-06-20")


def check(ledger: Path, *args: str):
    return CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(RULES), "--as-of",
                                    AS_OF.isoformat(), *args])


# --- a waiver that covers the finding -----------------------------------------------------


def test_a_covering_waiver_waives_the_finding_and_fails_nothing(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    for strict in ((), ("--strict",)):
        result = check(ledger, *strict)
        assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings, 1 waived:" in result.stdout
    (row,) = [line for line in result.stdout.splitlines() if line.startswith("waived")]
    assert "SOC03-PERIOD" in row and row.rstrip().endswith("EC-2006-07")
    (found,) = run(ledger).findings
    assert (found.severity, found.waiver, found.rule) == ("waived", "EC-2006-07", "SOC03-PERIOD")


def test_json_carries_the_waiver(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    result = check(ledger, "-f", "json")
    assert result.exit_code == 0, result.output
    (found,) = json.loads(result.stdout)["findings"]
    assert found["severity"] == "waived" and found["waiver"] == "EC-2006-07"
    assert found["kind"] == "period" and found["amount"] == "3000.00"


def test_the_register_shows_waived_and_the_reference(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(RULES), "--as-of",
                                      AS_OF.isoformat(), "-t", "findings", "-f", "csv"])
    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(result.stdout))
    assert (row["severity"], row["status"], row["waiver"]) == ("waived", "waived", "EC-2006-07")
    assert "1 waived finding" in result.stderr


def test_a_waiver_of_a_kind_covers_every_rule_of_it(tmp_path):
    ledger = write_ledger(tmp_path, payment("2006-05-10", "6000.00", '"EC-2006-02"'))
    (found,) = run(ledger).findings
    assert (found.kind, found.severity, found.waiver) == ("approval", "waived", "EC-2006-02")


def test_one_of_several_references_covers(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-09, EC-2006-07"'))
    (found,) = run(ledger, other_project(tmp_path)).findings
    assert (found.severity, found.waiver) == ("waived", "EC-2006-07")


# --- a waiver that does not cover the finding ---------------------------------------------


@pytest.mark.parametrize(("ledger_text", "rule", "reason"), [
    (late(amount="4000.00", waiver='"EC-2006-07"'), "SOC03-PERIOD",
     "waiver EC-2006-07 covers up to 3,500.00 USD, and this finding is for 4,000.00 USD"),
    (late("2006-10-02", waiver='"EC-2006-07"'), "SOC03-PERIOD",
     "waiver EC-2006-07 expired on 2006-09-30, before the transaction of 2006-10-02"),
    (payment("2006-03-01", "6000.00", '"EC-2006-02"'), "ORG08-APPROVAL",
     "waiver EC-2006-02 was adopted on 2006-05-01, after the transaction of 2006-03-01: an "
     "exception is granted before the payment"),
    (late(waiver='"EC-2006-007"'), "SOC03-PERIOD",
     'waiver "EC-2006-007" is not listed in the rules folder (did you mean "EC-2006-07"?)'),
    (late(waiver='"EC-2006-02"'), "SOC03-PERIOD",
     "waiver EC-2006-02 covers kind approval, not SOC03-PERIOD"),
    (payment("2006-08-20", "6000.00", '"EC-2006-07"', incurred="2006-06-20"), "ORG08-APPROVAL",
     "waiver EC-2006-07 covers SOC03-PERIOD, not ORG08-APPROVAL"),
    (late(waiver='"EC-2006-09"'), "SOC03-PERIOD",
     "waiver EC-2006-09 is for project Other-Project, not Trafficking-Roadmap"),
    (late(waiver="TRUE"), "SOC03-PERIOD",
     "metadata 'waiver' is TRUE: expected text in double quotes"),
], ids=["over-amount", "expired", "adopted-after", "unknown", "wrong-kind", "wrong-rule",
        "wrong-project", "unreadable"])
def test_a_waiver_that_does_not_cover_leaves_the_error_and_says_why(tmp_path, ledger_text,
                                                                    rule, reason):
    ledger = write_ledger(tmp_path, ledger_text)
    result = run(ledger, other_project(tmp_path))
    (standing,) = [f for f in result.findings if f.rule == rule]
    assert (standing.severity, standing.waiver) == ("error", None)
    (why,) = only(result, "waiver")
    assert (why.rule, why.severity) == ("WAIVER", "error")
    assert (why.filename, why.lineno) == (standing.filename, standing.lineno)
    assert why.lineno == line_of(ledger, ledger_text.split("\n")[0])
    assert why.message == f"the {rule} finding is not waived: {reason}"
    assert why.amount == standing.amount
    assert check(ledger).exit_code == 1


def test_explain_names_the_waiver_that_covers_a_finding(tmp_path):
    """The reason a waived finding fails nothing is its waiver: explain names it."""
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    (found,) = run(ledger).findings
    explained = CliRunner().invoke(cli, ["explain", f"{ledger}:{found.lineno}", "--ledger",
                                         str(ledger), "--rules", str(RULES), "-f", "json"])
    tables = {t["name"]: t for t in json.loads(explained.stdout)["tables"]}
    (shown,) = tables["findings"]["rows"]
    assert (shown["severity"], shown["waiver"]) == ("waived", "EC-2006-07")


def test_a_misspelt_waiver_key_waives_nothing_and_says_so(tmp_path):
    ledger = write_ledger(tmp_path, late().replace("  resolution:", '  waivr: "EC-2006-07"\n'
                                                   "  resolution:", 1))
    result = run(ledger)
    (standing,) = only(result, "period")
    (why,) = only(result, "waiver")
    assert (standing.severity, why.severity, why.lineno) == ("error", "error", standing.lineno)
    assert why.message == ("the SOC03-PERIOD finding is not waived: the transaction has "
                           "'waivr': did you mean 'waiver'?")


def test_a_reference_not_listed_beside_one_that_covers_is_a_warning(tmp_path):
    """A transaction that cites a waiver nobody granted is told so, even when another waiver
    it cites covers the finding: the citation is wrong (a typo, or made up)."""
    ledger = write_ledger(tmp_path, late(waiver='"EC-1999-01, EC-2006-07"'))
    result = run(ledger)
    (waived,) = only(result, "period")
    (why,) = only(result, "waiver")
    assert (waived.severity, waived.waiver, why.severity) == ("waived", "EC-2006-07", "warning")
    assert why.message == ('the SOC03-PERIOD finding is waived by EC-2006-07, but waiver '
                           '"EC-1999-01" is not listed in the rules folder')
    assert check(ledger).exit_code == 0 and check(ledger, "--strict").exit_code == 1


def paid(day: str, waiver: str) -> str:
    """A payment of costs incurred inside the period, in the window: it breaks no rule."""
    return payment(day, "1000.00", waiver, incurred="2006-06-20")


def test_a_clean_transaction_citing_a_reference_not_listed_is_a_warning(tmp_path):
    """A payment that breaks no rule but cites a waiver nobody granted: the citation points
    at nothing (a typo, or made up), which the books must not keep unsaid. A listed waiver
    cited where nothing needs waiving is no finding. ``explain`` reports what ``check`` does."""
    ledger = write_ledger(tmp_path, paid("2006-07-10", '"EC-2006-007"') + "\n\n"
                          + paid("2006-07-12", '"EC-2006-07"'))
    result = run(ledger)
    (why,) = result.findings
    assert (why.rule, why.severity, why.lineno) == (
        "WAIVER", "warning", line_of(ledger, '2006-07-10 * "Print House"'))
    assert why.message == ('the transaction cites waiver "EC-2006-007", which is not listed in '
                           'the rules folder (did you mean "EC-2006-07"?)')
    assert check(ledger).exit_code == 0 and check(ledger, "--strict").exit_code == 1
    explained = CliRunner().invoke(cli, ["explain", f"{ledger}:{why.lineno}", "--ledger", str(ledger), "--rules",
                                         str(RULES), "--as-of", AS_OF.isoformat(), "-f", "json"])
    tables = {t["name"]: t for t in json.loads(explained.stdout)["tables"]}
    (shown,) = tables["findings"]["rows"]
    assert (shown["rule"], shown["severity"]) == ("WAIVER v1", "warning")
    (waiver_rule,) = [r for r in tables["rules"]["rows"] if r["kind"] == "waiver"]
    assert (waiver_rule["applies"], waiver_rule["verdict"]) == ("yes", "warning")
    assert waiver_rule["why"] == "the transaction cites waiver EC-2006-007"


@pytest.mark.parametrize(("value", "said"), [
    ("TRUE", "the transaction cites a waiver that cannot be read: metadata 'waiver' is TRUE: "
             "expected text in double quotes"),
    ("2006", 'the transaction cites waiver "2006", which is not listed in the rules folder'),
])
def test_a_clean_transaction_citing_a_waiver_not_written_as_text_is_said(tmp_path, value, said):
    (why,) = run(write_ledger(tmp_path, paid("2006-07-10", value))).findings
    assert (why.rule, why.severity, why.message) == ("WAIVER", "warning", said)


def test_a_clean_transaction_citing_an_unlisted_reference_after_the_cut_off_is_left_out(tmp_path):
    ledger = write_ledger(tmp_path, paid("2006-07-10", '"EC-1999-01"'))
    assert [f.rule for f in run(ledger).findings] == ["WAIVER"]
    result = check(ledger, "--as-of", "2006-07-01")
    assert result.exit_code == 0 and "WAIVER" not in result.stdout


def test_an_uncovered_warning_adds_a_warning_not_an_error(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-09"'))
    (period,) = only(run(ledger), "period")
    warning = dataclasses.replace(period, severity="warning")
    kept, why = judge(warning, load_rules(RULES), run(ledger).facts.conventions)
    assert kept == warning
    assert why is not None and why.severity == "warning" and why.kind == "waiver"


def test_beancount_errors_are_never_waived(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    (period,) = run(ledger).findings
    ledger_error = dataclasses.replace(period, kind="ledger", rule="LEDGER", severity="error",
                                       waiver=None)
    assert judge(ledger_error, load_rules(RULES), run(ledger).facts.conventions) == (
        ledger_error, None)


def test_the_plugins_path_gives_the_same_findings(tmp_path):
    """An audit with Beancount's errors equals the plugin's audit with them added after."""
    unbalanced = late(waiver='"EC-2006-07"').replace("  Assets:Surplus-Fund:Bank",
                                                     "  Assets:Surplus-Fund:Bank  -2999.00 USD")
    ledger = write_ledger(tmp_path, unbalanced + "\n\n" + late("2006-09-02", "3100.00",
                                                               '"EC-2006-09"'))
    entries, errors, options = load_ledger(str(ledger))
    assert errors
    ruleset = load_rules(RULES)
    whole = engine.audit(entries, ruleset, AS_OF, errors, until=AS_OF, options=options)
    plugin = engine.audit(entries, ruleset, AS_OF, until=AS_OF, options=options)
    assert engine.with_ledger_errors(plugin, errors, AS_OF).findings == whole.findings
    assert {f.severity for f in whole.findings if f.kind == "ledger"} == {"error"}
    assert "waived" in {f.severity for f in whole.findings}
    assert not any("LEDGER" in f.message for f in only(whole, "waiver"))


# --- the cache, the rulebook, the Fava page and the pack ----------------------------------


def test_a_waived_finding_survives_the_cache(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    (found,) = run(ledger).findings
    record = cache.finding_record(found)
    assert record["waiver"] == "EC-2006-07"
    assert cache.finding_from(record) == found
    first, second = check(ledger), check(ledger)
    assert first.exit_code == second.exit_code == 0, first.output
    assert second.stdout == first.stdout and "EC-2006-07" in second.stdout


def test_the_rules_command_lists_the_waivers_in_force_or_not(tmp_path):
    def waivers(day: str) -> dict[str, dict]:
        result = CliRunner().invoke(cli, ["rules", "--rules", str(rules), "--as-of", day,
                                          "-t", "waivers", "-f", "json", str(ledger)])
        assert result.exit_code == 0, result.output
        (table,) = json.loads(result.stdout)["tables"]
        return {row["waiver"]: row for row in table["rows"]}

    ledger, rules = write_ledger(tmp_path, ""), other_project(tmp_path)
    assert waivers("2006-08-01")["EC-2006-07"]["status"] == "not yet adopted (from 2006-08-15)"
    assert waivers("2006-10-01")["EC-2006-07"]["status"] == "expired (valid until 2006-09-30)"
    listed = waivers("2006-09-15")
    assert list(listed) == ["EC-2006-07", "EC-2006-02", "EC-2006-09"]
    first = listed["EC-2006-07"]
    assert first["status"] == "in force" and first["max_amount"] == "3500.00"
    assert (first["covers"], first["project"]) == ("SOC03-PERIOD", "Trafficking-Roadmap")
    assert first["defined"]["filename"].endswith("waivers.toml")
    assert listed["EC-2006-02"]["covers"] == "kind approval"
    assert listed["EC-2006-02"]["max_amount"] is None


def test_the_fava_page_lists_the_waivers_and_the_waived_finding(tmp_path):
    shutil.copytree(RULES, tmp_path / "rules")
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'), prelude=PRELUDE + EXTENSION)
    html = Fava(ledger).page()
    assert "Compliant: no errors, no warnings, 1 waived" in html
    start = html.index('<section class="sf-section" id="sf-waivers">')
    waivers = html[start:html.index("</section>", start)]
    assert "EC-2006-07" in waivers and "Executive Committee, decision 2006/02 (test)" in waivers
    assert html.index('id="sf-rules"') < start
    (row,) = page_section_rows(html, "findings")
    assert row["severity"] == "waived" and row["waiver"] == "EC-2006-07"


def test_the_pack_cover_counts_the_waived_findings(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    out = tmp_path / "pack"
    result = CliRunner().invoke(cli, ["report", str(ledger), "--rules", str(RULES), "--as-of",
                                      AS_OF.isoformat(), "-o", str(out)])
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Compliant: no errors, no warnings, 1 waived" in index
    assert "EC-2006-07" in index


def test_the_summary_line_counts_the_waived(tmp_path):
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    run_ = session.checked(str(ledger), str(RULES), AS_OF, reuse=False, store=False)
    assert session.summary_line(run_).startswith("0 errors, 0 warnings, 1 waived: ")


# --- bad waiver data ----------------------------------------------------------------------

WAIVER = '''[[waiver]]
reference = "X-1"
adopted = 2006-01-01
rules = ["SOC03-PERIOD"]
citation = "Executive Committee"
'''


@pytest.mark.parametrize(("old", "new", "pattern"), [
    ("adopted = 2006-01-01\n", "", r":2: .*waiver X-1: missing field 'adopted'"),
    ("adopted = 2006-01-01", 'adopted = "2006-01-01"',
     r":2: .*waiver X-1: field 'adopted': '2006-01-01' is not a date"),
    ('citation = "Executive Committee"\n', "", r":2: .*waiver X-1: missing field 'citation'"),
    ('["SOC03-PERIOD"]', '["SOC03-PERIOX"]',
     r":2: .*waiver X-1: field 'rules': no rule 'SOC03-PERIOX' in the rules folder"),
    ('rules = ["SOC03-PERIOD"]', 'kinds = ["perid"]',
     r":2: .*waiver X-1: field 'kinds': unknown kind 'perid'"),
    ('rules = ["SOC03-PERIOD"]', 'kinds = ["ledger"]',
     r":2: .*waiver X-1: field 'kinds': findings of kind 'ledger' cannot be waived"),
    ('["SOC03-PERIOD"]', '["LEDGER"]',
     r":2: .*waiver X-1: field 'rules': findings of LEDGER \(kind 'ledger'\) cannot be waived"),
    ('rules = ["SOC03-PERIOD"]\n', "", r":2: .*waiver X-1: waives nothing"),
    ('"X-1"', '"EC-2006-07"',
     r"waivers\.toml:\d+: .*waiver EC-2006-07: duplicate reference \(also at .*extra\.toml:2\)"),
    ('"X-1"', '"X-1, X-2"', r":2: .*waiver X-1, X-2: field 'reference' must not contain a comma"),
    ("adopted = 2006-01-01", "adopted = 2006-01-01\nvalid_until = 2005-12-31",
     r":2: .*waiver X-1: field 'valid_until' \(2005-12-31\) is before 'adopted'"),
    ("adopted = 2006-01-01", "adopted = 2006-01-01\nmax_amount = -5",
     r":2: .*waiver X-1: field 'max_amount': -5 is not a non-negative amount"),
    ("adopted = 2006-01-01", 'adopted = 2006-01-01\ncolour = "red"',
     r":2: .*waiver X-1: unknown field 'colour'"),
    ('reference = "X-1"\n', "",
     r"extra\.toml:1: invalid rules: a \[\[waiver\]\] has no 'reference'"),
    (WAIVER, 'waiver = "X-1"\n',
     r"extra\.toml: invalid rules: waivers must be written as \[\[waiver\]\] tables"),
], ids=["no-adopted", "quoted-date", "no-citation", "unknown-rule", "unknown-kind",
        "ledger-kind", "ledger-rule", "waives-nothing", "duplicate", "comma", "until-before",
        "negative-amount", "unknown-field", "no-reference", "not-an-array"])
def test_bad_waiver_data_is_exit_2_naming_file_and_field(tmp_path, old, new, pattern):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    assert WAIVER.count(old) == 1
    (folder / "extra.toml").write_text(WAIVER.replace(old, new), encoding="utf-8")
    ledger = write_ledger(tmp_path, late())
    with pytest.raises(RulesError):
        load_rules(folder)
    result = CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(folder)])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    named = pattern if "toml" in pattern else r"extra\.toml" + pattern
    assert re.search(named, line), line
    assert "Traceback" not in result.output


def test_a_rules_folder_without_waivers_or_a_waiver_rule_still_says_why(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    (folder / "waivers.toml").unlink()
    ledger = write_ledger(tmp_path, late(waiver='"EC-2006-07"'))
    result = run(ledger, folder)
    (why,) = only(result, "waiver")
    assert why.rule == "WAIVER" and "is not listed in the rules folder" in why.message
    assert only(result, "period")[0].severity == "error"
    assert datetime.date(2006, 8, 30) == why.date


def test_a_waivers_amounts_are_in_the_ledgers_currency_whatever_check_made_the_finding(
        tmp_path):
    """The ceiling's crossing finding, judged against a waiver's limit in a EUR ledger: the
    message speaks EUR (the currency is stamped on every finding before the waivers read it,
    not only by the checks that pass it)."""
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    with (rules / "waivers.toml").open("a", encoding="utf-8") as file:
        file.write('\n[[waiver]]\nreference = "EC-2006-11"\nadopted = 2006-01-01\n'
                   'rules = ["SOC03-CEILING"]\nmax_amount = 100.00\n'
                   'citation = "Executive Committee, decision 2006/11 (test)"\n'
                   'text = "A small overrun of the allocation."\n')
    text = payment("2006-03-01", "41000.00", '"EC-2006-11"',
                   approvers="Executive Director, Deputy Director")
    ledger = write_ledger(tmp_path, text.replace("USD", "EUR"),
                          prelude=PRELUDE.replace("USD", "EUR"))
    messages = [f.message for f in run(ledger, rules).findings if f.kind == "waiver"]
    assert any("covers up to 100.00 EUR, and this finding is for" in m and m.endswith("EUR")
               for m in messages), messages
    assert not any("USD" in m for m in messages), messages


def test_a_reference_written_with_a_trailing_space_keeps_its_line(tmp_path):
    """The reference is read in its normal form ("X-1"); its line is still the one that
    sets it, which the rulebook lists and errors name."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    (folder / "extra.toml").write_text(WAIVER.replace('"X-1"', '"X-1 "'), encoding="utf-8")
    assert load_rules(folder).waiver("X-1").lineno == 2


def test_a_waiver_naming_a_project_without_accounts_is_a_warning_with_the_near_match(
        tmp_path):
    """As a rule's project is: a misspelt waiver would waive nothing, unsaid."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / "waivers.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count('project = "Trafficking-Roadmap"') == 1
    path.write_text(text.replace('project = "Trafficking-Roadmap"',
                                 'project = "Trafficking-Roadmp"'), encoding="utf-8")
    ledger = write_ledger(tmp_path, payment("2006-03-01", "1000.00"))
    (warning,) = [f for f in run(ledger, folder).findings if "has no accounts" in f.message]
    assert (warning.rule, warning.kind, warning.severity) == ("WAIVER", "waiver", "warning")
    assert warning.message == (
        "waiver EC-2006-07 names project 'Trafficking-Roadmp', which has no accounts in the "
        "ledger (Expenses:Projects:Trafficking-Roadmp:...); did you mean 'Trafficking-Roadmap'?")
    assert warning.filename == str(path)
    assert path.read_text(encoding="utf-8").splitlines()[warning.lineno - 1] \
        == 'reference = "EC-2006-07"'  # the waiver's line, as a rule's is its id's

"""One place for each decision: the audit runs once per load (the CLI and the Fava page reuse
the one the ledger's plugin line made, and only when it is the audit they want), the plugin's
errors share a class, and one helper each for shown paths, the findings count, the rules
folder of a ledger and a file's SHA-256."""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from beancount import loader
from click.testing import CliRunner

from aipo_budget.core import engine, reuse
from aipo_budget.cli import session
from aipo_budget.cli import cli
from aipo_budget.core.digest import BLOCK, file_sha256
from aipo_budget.core.ledger import beancount_errors
from aipo_budget.core.paths import as_given, rules_folder, shown
from aipo_budget.core.errors import AipoBudgetError, AuditError, FundRuleError, RulesConfigError
from aipo_budget.core.rules import load_rules
from aipo_budget.core.tally import tally
from conftest import SHIPPED_PLUGIN_LINE, Fava, copy_shipped_ledger, left_as_found

PLUGIN_LINE = SHIPPED_PLUGIN_LINE
# Beancount's validation reports postings to accounts never opened; no entry changes (and no
# balance assertion of the shipped ledger fails, which would replace its Balance entry).
UNOPENED = """
2006-03-01 * "Stationer" "Paper"
  Expenses:Nowhere  10.00 USD
  Income:Nowhere
"""


@pytest.fixture
def builds(monkeypatch):
    """The facts built, one (as_of, until) per build."""
    calls = []
    real = engine.build_facts

    def counting(entries, as_of, until=None, options=None):
        calls.append((as_of, until))
        return real(entries, as_of, until, options)

    monkeypatch.setattr(engine, "build_facts", counting)
    return calls


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """A copy of the shipped ledger of the test's own, to edit or to judge with the code under
    test patched."""
    return copy_shipped_ledger(tmp_path)


@pytest.fixture(scope="module")
def unchanged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy of the shipped ledger for the tests that only read it and patch nothing."""
    return copy_shipped_ledger(tmp_path_factory.mktemp("unchanged"))


@pytest.fixture
def shared_books(unchanged: Path) -> Iterator[Path]:
    """The one unchanged copy; after the test it is still, file for file, what it was, or the
    test errs (a later test would read a ledger that changed)."""
    with left_as_found(unchanged.parent):
        yield unchanged


@pytest.fixture(scope="module")
def plugin_load(unchanged: Path) -> tuple[list, list, dict]:
    """Beancount's load of the unchanged copy, the plugin line's audit in its options, made
    once for the tests that inspect it: each takes a copy of the options (reuse.reused takes
    the carrier out of the options it is given) and changes neither the entries nor the
    carrier."""
    return loader._load([(str(unchanged), True)], None, None, None)


def check(ledger: Path, *args: str):
    return CliRunner().invoke(cli, ["check", str(ledger), "--no-cache", *args])


def append(ledger: Path, text: str) -> None:
    ledger.write_text(ledger.read_text(encoding="utf-8") + text, encoding="utf-8")


def raise_floor(rules: Path, line: str) -> None:
    """The reserve floor of the tests' rules set by ``line``."""
    (file,) = [p for p in rules.glob("*.toml") if "params.floor = 100000.00" in p.read_text()]
    file.write_text(file.read_text().replace("params.floor = 100000.00", line))


def findings(result) -> list[dict]:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["findings"]


# --- the audit runs once per load ---------------------------------------------------------


def test_check_builds_the_facts_once(books, builds):
    assert PLUGIN_LINE in books.read_text()
    result = check(books)
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings" in result.stdout
    assert builds == [(datetime.date.today(), None)]


def test_the_fava_page_builds_the_facts_once_per_load(books, builds):
    fava = Fava(books)
    assert "Compliant: no errors, no warnings" in fava.page()
    assert len(builds) == 1
    assert reuse.KEY not in fava.ledger.options  # taken: the audit is not held twice


def test_the_cli_audits_once_and_the_plugin_line_changes_nothing(books, builds):
    """The CLI uses the audit the plugin line made during the load (aipo_budget.core.reuse): one
    audit, with Beancount's errors, the same as without the line."""
    append(books, UNOPENED)
    with_line = findings(check(books, "--format", "json"))
    assert len(builds) == 1
    books.write_text(books.read_text(encoding="utf-8").replace(PLUGIN_LINE, ""),
                     encoding="utf-8")
    without = findings(check(books, "--format", "json"))
    assert len(builds) == 2
    assert with_line == without
    assert {f["kind"] for f in with_line} == {"ledger"}
    assert {"Expenses:Nowhere", "Income:Nowhere"} <= {f["message"].split("'")[1]
                                                      for f in with_line}


def test_bean_check_still_runs_the_plugins_audit(books, builds):
    """Outside the CLI (bean-check, Fava) the plugin line audits during the load."""
    raise_floor(books.parent / "rules", "params.floor = 900000000.00")
    _entries, errors, _options = loader._load([(str(books), True)], None, None, None)
    assert len(builds) == 1
    assert any(isinstance(e, AipoBudgetError) and "reserve" in e.message.lower()
               for e in errors)


def test_with_as_of_the_cli_judges_with_the_cut_off(books, builds):
    """The plugin line judges every entry as of today; --as-of needs an audit of its own."""
    result = check(books, "--as-of", "2006-04-30")
    assert result.exit_code == 0, result.output
    assert builds == [(datetime.date.today(), None),
                      (datetime.date(2006, 4, 30), datetime.date(2006, 4, 30))]


def test_other_rules_are_the_ones_judged(books, builds, tmp_path):
    other = tmp_path / "other-rules"
    shutil.copytree(books.parent / "rules", other)
    raise_floor(other, "params.floor = 900000000.00")
    result = check(books, "--rules", str(other), "--format", "json")
    assert result.exit_code == 1, result.output
    assert "reserve" in {f["kind"] for f in findings(result)}
    assert len(builds) == 2  # the plugin line's audit, by the ledger's rules, is not used


def test_rules_edited_during_the_load_are_not_mixed(books, builds, monkeypatch):
    """The CLI read the rules before the load, and judges by them alone."""
    real = session.load_ledger
    rules = books.parent / "rules"

    def edit_then_load(path, **kwargs):
        raise_floor(rules, "params.floor = 900000000.00")
        return real(path, **kwargs)

    monkeypatch.setattr(session, "load_ledger", edit_then_load)
    result = check(books)
    assert result.exit_code == 0, result.output
    assert len(builds) == 2  # the plugin's audit, by other rules, is not the one asked for


def test_a_plugin_after_ours_is_run_and_the_audit_made_again(books, builds):
    """A plugin after ours may change what ours judged: its audit is not used."""
    append(books, '\nplugin "beancount.plugins.noduplicates"\n')
    result = check(books, "--format", "json")
    assert len(builds) == 2
    assert findings(result) == []


def test_a_failed_balance_assertion_is_a_finding_of_the_one_audit(books, builds):
    """Beancount's balance check, which runs after every plugin, replaces a failed assertion
    by one that carries the difference: the plugin's audit is still the one, with the
    balance check's error added."""
    append(books, "\n2006-12-31 balance Assets:Surplus-Fund:Bank  1.00 USD\n")
    result = check(books, "--format", "json")
    assert len(builds) == 1
    assert [f["kind"] for f in findings(result)] == ["ledger"]
    assert "Balance failed" in findings(result)[0]["message"]


def test_another_day_means_a_new_audit(shared_books, plugin_load):
    entries, _errors, shared_options = plugin_load
    options = dict(shared_options)
    ruleset = load_rules(shared_books.parent / "rules")
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert reuse.reused(dict(options), entries, ruleset, [], tomorrow) is None
    today = datetime.date.today()  # --as-of today: entries dated later are left out
    assert reuse.reused(dict(options), entries, ruleset, [], today, until=today) is None
    kept = reuse.reused(options, entries, ruleset, [], datetime.date.today())
    assert kept is not None and kept.facts.as_of == datetime.date.today()
    assert reuse.KEY not in options
    assert reuse.reused(options, entries, ruleset, [], datetime.date.today()) is None


def test_the_carrier_never_pickles_the_audit(plugin_load):
    _entries, _errors, shared_options = plugin_load
    options = dict(shared_options)
    carrier = options[reuse.KEY]
    assert carrier.result is not None and len(carrier.entries) > 100
    copy = pickle.loads(pickle.dumps(options))
    assert copy[reuse.KEY].result is None and copy[reuse.KEY].entries == ()
    assert len(pickle.dumps(carrier)) < 200
    assert len(repr(carrier)) < 80  # Fava's options page prints every option


# --- the plugin's errors --------------------------------------------------------------------


def test_the_plugin_errors_are_dropped_by_class_not_by_name():
    source = {"filename": "main.beancount", "lineno": 1}
    ours = [cls(source, "m", None) for cls in (FundRuleError, RulesConfigError, AuditError)]
    assert all(isinstance(e, AipoBudgetError) for e in ours)
    impostor = type("FundRuleError", (tuple,), {})()  # another plugin's class of that name
    assert beancount_errors([*ours, impostor]) == [impostor]
    assert type(pickle.loads(pickle.dumps(ours[0]))) is FundRuleError


# --- one helper each ------------------------------------------------------------------------


def test_shown_paths(tmp_path):
    inner = tmp_path / "..notes" / "x.beancount"  # a folder whose name starts with ".."
    assert shown(str(inner), str(tmp_path)) == os.path.join("..notes", "x.beancount")
    assert shown(str(tmp_path.parent / "y"), str(tmp_path)) == str(tmp_path.parent / "y")
    ledger = os.path.join("books", "main.beancount")
    assert as_given(os.path.abspath(ledger), ledger) == ledger
    assert as_given(os.path.abspath("books/ledger/a.beancount"), ledger) == os.path.join(
        "books", "ledger", "a.beancount")
    assert as_given("/elsewhere/a.beancount", ledger) == "/elsewhere/a.beancount"


def test_the_rules_folder_of_a_ledger(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    ledger = str(tmp_path / "books" / "main.beancount")
    assert rules_folder(ledger) == str(tmp_path / "books" / "rules")
    assert rules_folder(ledger, "  ") == str(tmp_path / "books" / "rules")
    assert rules_folder(ledger, "../shared") == str(tmp_path / "shared")
    assert rules_folder(ledger, "~/rules") == str(tmp_path / "home" / "rules")
    assert session.rules_folder_for(ledger, "~/rules") == "~/rules"  # the shell's to expand


def test_the_count_of_findings():
    assert tally(2, 1) == "2 errors, 1 warning"
    assert tally(1, 0) == "1 error, 0 warnings"
    assert tally(0, 0, zero="no") == "no errors, no warnings"


def test_file_sha256_reads_every_block(tmp_path):
    path = tmp_path / "big.pdf"
    content = os.urandom(2 * BLOCK + 7)
    path.write_bytes(content)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert file_sha256(fd) == hashlib.sha256(content).hexdigest()
    finally:
        os.close(fd)


# --- start-up: `check` imports what it needs only ---------------------------------------------

CHECK_ONLY = """
import sys
from aipo_budget.cli import cli
try:
    cli.main(["check", sys.argv[1], "-q"], standalone_mode=False)
except SystemExit:
    pass
heavy = ("fava", "flask", "jinja2", "aipo_budget.outputs.pack", "aipo_budget.cli.report",
         "aipo_budget.cli.explain", "aipo_budget.cli.seal", "aipo_budget.cli.rules",
         "aipo_budget.cli.pending", "aipo_budget.outputs.explain", "aipo_budget.fava_ext",
         "aipo_budget.outputs.pending")
print(sorted({name.split(".")[0] if not name.startswith("aipo_budget") else
              ".".join(name.split(".")[:3]) for name in sys.modules if name.startswith(heavy)}))
"""


def test_check_imports_neither_fava_nor_jinja2_nor_the_other_commands(shared_books):
    """Start-up is most of a check on a small ledger (issue 12): Fava, Jinja2, the pack and
    the other commands are imported by the commands that use them, not by `check`."""
    import subprocess
    import sys

    main = shared_books
    done = subprocess.run([sys.executable, "-c", CHECK_ONLY, str(main)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"

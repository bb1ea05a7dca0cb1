"""The check cache: a warm run reuses the result, any changed input is seen on the next run, an
input changed during a run leaves nothing stored, and the folder stays private, JSON and bounded."""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import shutil
import stat
import sys
import types
import uuid

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from aipo_budget import cache, cli, session
from aipo_budget.findings import Finding
from conftest import ROOT, RULES


@pytest.fixture
def books(tmp_path):
    """A copy of the shipped ledger and evidence, with the tests' rules beside it."""
    copy = tmp_path / "books"
    copy.mkdir()
    for name in ("main.beancount", "ledger", "documents"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            shutil.copy(source, copy / name)
    shutil.copytree(RULES, copy / "rules")
    return copy


@pytest.fixture
def loads(monkeypatch):
    """Counts how often the ledger is really read."""
    calls = []
    real = session.load_ledger_and

    def counting(path, **kwargs):
        calls.append(path)
        return real(path, **kwargs)

    monkeypatch.setattr(session, "load_ledger_and", counting)
    return calls


def check(books, *args):
    result = CliRunner().invoke(cli.cli, ["check", str(books / "main.beancount"), *args])
    return result


def test_second_run_is_served_from_the_cache(books, loads):
    first = check(books)
    second = check(books)
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert len(loads) == 1


def test_no_cache_reads_the_ledger(books, loads):
    check(books)
    assert check(books, "--no-cache").exit_code == 0
    assert len(loads) == 2


def test_a_changed_rule_parameter_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    rules = books / "rules" / "23GA-2002-Org-08.toml"
    rules.write_text(rules.read_text().replace("params.floor = 100000.00",
                                               "params.floor = 900000.00"))
    result = check(books, "--format", "json")
    assert result.exit_code == 1, result.output
    assert '"kind": "reserve"' in result.stdout
    assert len(loads) == 2


def test_a_changed_ledger_file_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    project = books / "ledger" / "project-trafficking-roadmap.beancount"
    text = project.read_text()
    project.write_text(text.replace('approved-by: "Nguyen Thi Lan"', 'approved-by: "Ratna Wulandari"', 1))
    result = check(books)
    assert result.exit_code == 1
    assert "both prepared and approved" in result.stdout
    assert len(loads) == 2


def test_a_removed_evidence_file_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    evidence = next((books / "documents" / "Expenses").rglob("*consultancy-contract.pdf"))
    evidence.unlink()
    result = check(books)
    assert result.exit_code == 1
    assert "does not resolve to an evidence file" in result.stdout


def test_a_new_tool_version_invalidates(books, loads, monkeypatch):
    assert check(books).exit_code == 0
    monkeypatch.setattr(cache.state, "__version__", "99.0")
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_another_as_of_date_is_another_result(books, loads):
    check(books, "--as-of", "2006-04-30")
    check(books, "--as-of", "2006-05-31")
    check(books, "--as-of", "2006-04-30")
    assert len(loads) == 2


def test_a_corrupt_cache_is_ignored(books, loads):
    check(books)
    for path in cache.cache_dir().glob("*.json"):
        path.write_bytes(b"not json")
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_nothing_is_written_beside_the_ledger(books):
    before = sorted(p.name for p in books.iterdir())
    check(books)
    check(books)
    assert sorted(p.name for p in books.iterdir()) == before


def test_a_new_file_matching_an_include_glob_is_seen(books, loads):
    main = books / "main.beancount"
    main.write_text(main.read_text() + '\ninclude "extra/**/*.beancount"\n')
    (books / "extra").mkdir()
    (books / "extra" / "empty.beancount").write_text("; nothing yet\n")
    assert check(books).exit_code == 0
    (books / "extra" / "new").mkdir()
    (books / "extra" / "new" / "b.beancount").write_text(
        '2006-05-02 * "Hotel" "Secretariat travel paid from the fund"\n'
        '  resolution: "26GA/2005/Soc/03"\n  prepared-by: "A"\n  approved-by: "B, C"\n'
        '  document: "2006-02-15.consultancy-contract.pdf"\n'
        '  Expenses:Secretariat:Travel   900.00 USD\n  Assets:Surplus-Fund:Bank\n')
    result = check(books)
    assert result.exit_code == 1, result.output
    assert "not a project" in result.stdout
    assert len(loads) == 2


def test_a_removed_document_outside_the_documents_folder_is_seen(books, loads):
    receipts = books / "receipts"
    receipts.mkdir()
    (receipts / "fee.pdf").write_bytes(b"%PDF-1.4\n")
    main = books / "main.beancount"
    main.write_text(main.read_text()
                    + '\n2006-03-01 document Assets:Surplus-Fund:Bank "receipts/fee.pdf"\n')
    assert check(books).exit_code == 0
    (receipts / "fee.pdf").unlink()
    assert check(books).exit_code == 1
    assert len(loads) == 2


# --- helpers for the tests below -------------------------------------------------------------

def entries():
    """The cache's entry files (named as the cache names them)."""
    return sorted(p for p in cache.cache_dir().glob("*.json") if cache.ENTRY.fullmatch(p.name))


def stored_summaries():
    return [json.loads(path.read_text())["summary"] for path in entries()]


def key_of(books, as_of=datetime.date(2007, 1, 1), until=None):
    return cache.Key(str(books / "main.beancount"), str(books / "rules"), as_of, until)


# --- 1. the inputs are observed before the read and again after the audit ----------------------

@pytest.fixture
def edit_during_load(monkeypatch):
    """Makes the next load run ``change`` right after Beancount has read the ledger."""
    real = session.load_ledger_and
    pending = []

    def loading(path, **kwargs):
        result = real(path, **kwargs)
        while pending:
            pending.pop()()
        return result

    monkeypatch.setattr(session, "load_ledger_and", loading)
    return pending.append


def make_self_approved(books):
    project = books / "ledger" / "project-trafficking-roadmap.beancount"
    project.write_text(project.read_text().replace(
        'approved-by: "Nguyen Thi Lan"', 'approved-by: "Ratna Wulandari"', 1))


def test_an_included_file_edited_after_it_was_read_is_not_stored(books, loads, edit_during_load):
    edit_during_load(lambda: make_self_approved(books))
    first = check(books)
    assert first.exit_code == 0, first.output  # judged on what was read: the old content
    assert entries() == []
    second = check(books)
    assert second.exit_code == 1, second.output
    assert "both prepared and approved" in second.stdout
    assert len(loads) == 2
    assert check(books).stdout == second.stdout  # now stored, and served
    assert len(loads) == 2


def test_an_edit_after_the_cache_was_consulted_but_before_the_read_is_not_stored(
        books, loads, monkeypatch):
    real = session.load_ledger_and

    def edit_then_load(path, **kwargs):
        make_self_approved(books)
        return real(path, **kwargs)

    monkeypatch.setattr(session, "load_ledger_and", edit_then_load)
    assert check(books).exit_code == 1
    assert entries() == []


def test_a_rules_file_edited_during_the_run_is_not_stored(books, loads, edit_during_load):
    rules = books / "rules" / "23GA-2002-Org-08.toml"
    edit_during_load(lambda: rules.write_text(rules.read_text().replace(
        "params.floor = 100000.00", "params.floor = 900000.00")))
    assert check(books).exit_code == 0
    assert entries() == []
    result = check(books, "--format", "json")
    assert result.exit_code == 1 and '"kind": "reserve"' in result.stdout
    assert len(loads) == 2


def test_a_file_replaced_by_the_same_bytes_during_the_run_is_not_stored(books, edit_during_load):
    """Content alone would not see A -> B -> A; the new inode does."""
    project = books / "ledger" / "project-trafficking-roadmap.beancount"

    def same_bytes_new_file():
        spare = books / "ledger" / "spare"
        spare.write_bytes(project.read_bytes())
        os.replace(spare, project)

    edit_during_load(same_bytes_new_file)
    assert check(books).exit_code == 0
    assert entries() == []


def test_evidence_removed_during_the_audit_is_not_stored(books, loads, monkeypatch):
    """The ledger's plugin line audits during the load (the CLI reuses that audit)."""
    real = session.load_ledger_and
    evidence = next((books / "documents" / "Expenses").rglob("*consultancy-contract.pdf"))

    def auditing(*args, **kwargs):
        result = real(*args, **kwargs)
        evidence.unlink()
        return result

    monkeypatch.setattr(session, "load_ledger_and", auditing)
    assert check(books).exit_code == 0
    assert entries() == []


def test_an_input_not_foreseen_before_the_read_stores_only_the_inputs(books, loads):
    """A ``document`` directive outside the documents folder is only known after the load."""
    receipts = books / "receipts"
    receipts.mkdir()
    (receipts / "fee.pdf").write_bytes(b"%PDF-1.4\n")
    main = books / "main.beancount"
    main.write_text(main.read_text()
                    + '\n2006-03-01 document Assets:Surplus-Fund:Bank "receipts/fee.pdf"\n')
    assert check(books).exit_code == 0
    assert stored_summaries() == [None]  # the inputs, to observe them in time next run
    assert check(books).exit_code == 0
    assert stored_summaries() != [None]
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_the_write_reports_a_change_between_the_observations(books):
    key = key_of(books)
    before = cache.lookup(key).before
    make_self_approved(books)
    summary = cache.CheckSummary((), True, 0, 0, 0)
    inputs = cache.Inputs(files=(str(books / "ledger" / "project-trafficking-roadmap.beancount"),),
                          folders=())
    assert cache.write(key, inputs, summary, before) == "changed"
    assert entries() == []
    assert cache.write(key, inputs, summary, cache.lookup(key).before) == "stored"


# --- 2. --no-cache replaces the stored entry -------------------------------------------------

def test_no_cache_stores_its_result(books, loads):
    assert check(books, "--no-cache").exit_code == 0
    assert len(entries()) == 1
    assert check(books).exit_code == 0
    assert len(loads) == 1


def test_no_cache_replaces_a_stored_entry(books, loads):
    """A stored wrong verdict (here planted through the API) is replaced by --no-cache."""
    key = cache.Key(str(books / "main.beancount"), str(books / "rules"), datetime.date.today())
    found = cache.lookup(key)
    loaded = session.run_audit(key.ledger, None, None)
    lie = cache.CheckSummary((), True, 0, 0, 0)
    assert cache.write(key, cache.with_plugins(session.inputs_of(loaded), loaded.options), lie,
                       found.before) == "stored"
    assert "0 surplus outflows" in check(books).stdout  # the lie is served...
    fresh = check(books, "--no-cache")
    assert "0 surplus outflows" not in fresh.stdout
    assert check(books).stdout == fresh.stdout  # ...until --no-cache replaced it
    assert len(loads) == 2  # the planting run, and --no-cache


def test_without_as_of_and_with_as_of_today_are_two_results(books, loads):
    """Without --as-of every entry is judged; --as-of today leaves later ones out."""
    check(books)
    check(books, "--as-of", datetime.date.today().isoformat())
    assert len(loads) == 2


# --- 3. the code of plugins and the Python path ----------------------------------------------

PLUGIN = '''
__plugins__ = ["run"]

def run(entries, options_map, config=None):
    return entries, []
'''

FAILING = '''
import collections
__plugins__ = ["run"]
Error = collections.namedtuple("Error", "source message entry")

def run(entries, options_map, config=None):
    return entries, [Error({"filename": "<plugin>", "lineno": 1}, "edited plugin says no", None)]
'''


@pytest.fixture
def plugin(books, tmp_path, monkeypatch):
    """A plugin module on sys.path, loaded by the ledger; forgotten by Python after each run
    (as by a new process)."""
    name = f"myplug_{uuid.uuid4().hex}"
    folder = tmp_path / "plugins"
    folder.mkdir()
    source = folder / f"{name}.py"
    source.write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(folder))
    main = books / "main.beancount"
    main.write_text(main.read_text().replace('plugin "aipo_budget.plugin" "rules"',
                                             f'plugin "{name}"'))
    yield source
    sys.modules.pop(name, None)


def test_an_edited_plugin_is_seen_on_the_next_run(books, loads, plugin):
    assert check(books).exit_code == 0
    assert check(books).exit_code == 0
    assert len(loads) == 1
    sys.modules.pop(plugin.stem)
    plugin.write_text(FAILING)
    result = check(books)
    assert result.exit_code == 1, result.output
    assert "edited plugin says no" in result.stdout
    assert len(loads) == 2


def test_a_plugin_beside_the_ledger_through_insert_pythonpath(books, loads):
    """Beancount puts the ledger's folder on sys.path only while plugins run: the cache looks
    for the plugin's code there too."""
    name = f"besideplug_{uuid.uuid4().hex}"
    source = books / f"{name}.py"
    source.write_text(PLUGIN)
    main = books / "main.beancount"
    main.write_text(main.read_text().replace(
        'plugin "aipo_budget.plugin" "rules"',
        f'option "insert_pythonpath" "TRUE"\nplugin "{name}"'))
    try:
        assert check(books).exit_code == 0
        assert check(books).exit_code == 0
        assert len(loads) == 1
        sys.modules.pop(name)
        source.write_text(FAILING)
        result = check(books)
        assert result.exit_code == 1 and "edited plugin says no" in result.stdout
        assert len(loads) == 2
    finally:
        sys.modules.pop(name, None)


def test_a_plugin_package_is_covered_file_by_file(books, loads, tmp_path, monkeypatch):
    name = f"plugpkg_{uuid.uuid4().hex}"
    package = tmp_path / "pkgs" / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text("LIMIT = 1\n")
    (package / "rule.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path / "pkgs"))
    main = books / "main.beancount"
    main.write_text(main.read_text() + f'\nplugin "{name}.rule"\n')
    try:
        assert check(books).exit_code == 0
        assert check(books).exit_code == 0
        assert len(loads) == 1
        (package / "helper.py").write_text("LIMIT = 2\n")  # not the plugin module itself
        assert check(books).exit_code == 0
        assert len(loads) == 2
    finally:
        for module in [m for m in sys.modules if m.startswith(name)]:
            del sys.modules[module]


def test_a_plugin_whose_code_cannot_be_located_is_not_cached(books, loads, monkeypatch):
    name = f"ghost_{uuid.uuid4().hex}"
    ghost = types.ModuleType(name)  # no file, no spec
    ghost.__plugins__ = []
    monkeypatch.setitem(sys.modules, name, ghost)
    main = books / "main.beancount"
    main.write_text(main.read_text() + f'\nplugin "{name}"\n')
    assert check(books).exit_code == 0
    assert check(books).exit_code == 0
    assert len(loads) == 2
    assert entries() == []


def test_a_changed_python_path_invalidates(books, loads, tmp_path, monkeypatch):
    assert check(books).exit_code == 0
    monkeypatch.syspath_prepend(str(tmp_path))
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_another_fava_version_invalidates_a_ledger_running_a_fava_plugin(books, loads,
                                                                          monkeypatch):
    """Fava's plugins are known by Fava's installed version (their code is not hashed)."""
    import importlib.metadata

    ledger = books / "main.beancount"
    ledger.write_text(ledger.read_text(encoding="utf-8")
                      + '\nplugin "fava.plugins.tag_discovered_documents"\n', encoding="utf-8")
    first = check(books).exit_code
    assert check(books).exit_code == first
    assert len(loads) == 1
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: "99.0" if name == "fava" else real(name))
    assert check(books).exit_code == first
    assert len(loads) == 2


def test_an_edit_of_the_tools_code_is_another_tool(tmp_path, monkeypatch):
    """The tool's own modules are known by their file status: an edit of the same size, a
    module added and one under __pycache__ (not code) each count or not as they should."""
    package = tmp_path / "aipo_budget"
    (package / "checks").mkdir(parents=True)
    module = package / "checks" / "ceiling.py"
    module.write_text("LIMIT = 1\n")
    monkeypatch.setattr(cache.state, "PACKAGE", package)

    def code() -> str:
        cache.state._own_code.cache_clear()
        return cache.state._own_code()

    try:
        first = code()
        (package / "__pycache__").mkdir()
        (package / "__pycache__" / "x.py").write_text("")
        assert code() == first
        later = os.stat(module).st_mtime_ns + 1_000_000
        module.write_text("LIMIT = 2\n")  # same size
        os.utime(module, ns=(later, later))
        edited = code()
        assert edited != first
        (package / "new.py").write_text("")
        assert code() != edited
    finally:
        cache.state._own_code.cache_clear()


def test_another_beancount_version_invalidates(books, loads, monkeypatch):
    assert check(books).exit_code == 0
    monkeypatch.setattr(cache.state.beancount, "__version__", "9.9")
    assert check(books).exit_code == 0
    assert len(loads) == 2


# --- 4. plain JSON, exactly ------------------------------------------------------------------

def test_entries_are_plain_json_without_the_directives(books):
    assert check(books, "--as-of", "2006-04-30").exit_code == 0
    [path] = entries()
    stored = json.loads(path.read_text())
    assert stored["format"] == cache.FORMAT
    assert set(stored["summary"]) == {f.name for f in dataclasses.fields(cache.CheckSummary)}
    assert b"pickle" not in path.read_bytes() and not path.read_bytes().startswith(b"\x80")


findings_strategy = st.builds(
    Finding,
    rule=st.text(), kind=st.text(), severity=st.sampled_from(["error", "warning"]),
    citation=st.text(), version=st.integers(), effective=st.none() | st.dates(),
    date=st.none() | st.dates(), filename=st.text(), lineno=st.integers(), message=st.text(),
    amount=st.none() | st.decimals(allow_nan=False), project=st.none() | st.text(),
    entry=st.just(object()),
)


@given(findings_strategy)
def test_a_finding_survives_the_round_trip_exactly(finding):
    text = json.dumps(cache.to_record(finding))
    back = cache.from_record(Finding, json.loads(text))
    assert back == finding
    assert str(back.amount) == str(finding.amount)  # 1.50 stays 1.50, -0 stays -0
    assert back.entry is None


@given(st.lists(findings_strategy, max_size=3), st.booleans(), st.integers(0, 10**6))
def test_a_summary_survives_the_round_trip_exactly(findings, has_fund, count):
    summary = cache.CheckSummary(tuple(findings), has_fund, count, count + 1, 13, count)
    back = cache.from_record(cache.CheckSummary, json.loads(json.dumps(cache.to_record(summary))))
    assert back == summary
    assert [str(f.amount) for f in back.findings] == [str(f.amount) for f in findings]


def test_a_value_json_cannot_hold_exactly_is_not_stored(books):
    key = key_of(books)
    odd = cache.CheckSummary((), True, 0, 0, 0, left_out=1.5)  # a float: not ours to round
    inputs = cache.Inputs(files=(key.ledger,), folders=())
    assert cache.write(key, inputs, odd, cache.lookup(key).before) == "uncacheable"
    assert entries() == []


def mangle_summary(stored, change):
    change(stored["summary"])
    return stored


MALFORMED = {
    "not json": lambda stored: b"\x80\x04not json",
    "a list": lambda stored: b"[]",
    "older format": lambda stored: {**stored, "format": 1},
    "no inputs": lambda stored: {k: v for k, v in stored.items() if k != "inputs"},
    "inputs of another kind": lambda stored: {**stored, "inputs": {"files": 3}},
    "a missing field": lambda stored: mangle_summary(stored, lambda s: s.pop("rules")),
    "an extra field": lambda stored: mangle_summary(stored, lambda s: s.update(extra=1)),
    "a count as text": lambda stored: mangle_summary(stored, lambda s: s.update(outflows="9")),
    "a bad amount": lambda stored: mangle_summary(
        stored, lambda s: s["findings"].append({**FINDING_RECORD, "amount": "lots"})),
    "a bad date": lambda stored: mangle_summary(
        stored, lambda s: s["findings"].append({**FINDING_RECORD, "date": "2006-13-01"})),
    "deeply nested": lambda stored: b"[" * 100000,
}
FINDING_RECORD = {"rule": "R", "kind": "k", "severity": "error", "citation": "c", "version": 1,
                  "effective": None, "date": None, "filename": "f", "lineno": 1,
                  "message": "m", "amount": None, "project": None}


@pytest.mark.parametrize("damage", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_entry_is_read_again_and_replaced(books, loads, damage):
    first = check(books, "--as-of", "2006-04-30")
    [path] = entries()
    damaged = damage(json.loads(path.read_text()))
    path.write_bytes(damaged if isinstance(damaged, bytes) else json.dumps(damaged).encode())
    second = check(books, "--as-of", "2006-04-30")
    assert (second.exit_code, second.stdout) == (first.exit_code, first.stdout)
    assert len(loads) == 2
    assert check(books, "--as-of", "2006-04-30").stdout == first.stdout
    assert len(loads) == 2  # replaced by a good entry


# --- 5. a private folder, private files ------------------------------------------------------

def test_the_folder_is_created_private_and_entries_are_private(books, tmp_path, monkeypatch):
    folder = tmp_path / "fresh" / "cache"
    monkeypatch.setenv("AIPO_BUDGET_CACHE_DIR", str(folder))
    previous = os.umask(0)  # even with a permissive umask
    try:
        assert check(books).exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    [path] = entries()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left


def test_an_entry_others_may_write_is_never_loaded(books, loads):
    """As good as planted by another user: it is ignored, then replaced by a private one."""
    check(books)
    [path] = entries()
    path.chmod(0o666)
    assert check(books).exit_code == 0
    assert len(loads) == 2
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_entry_that_is_a_symbolic_link_is_never_loaded(books, loads, tmp_path):
    check(books)
    [path] = entries()
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_a_folder_others_may_write_is_neither_read_nor_written(books, loads):
    check(books)
    folder = cache.cache_dir()
    [path] = entries()
    before = path.read_bytes()
    folder.chmod(0o777)
    assert check(books).exit_code == 0
    assert check(books).exit_code == 0
    assert len(loads) == 3
    assert entries() == [path] and path.read_bytes() == before


def test_a_folder_of_another_user_is_neither_read_nor_written(books, loads, monkeypatch):
    check(books)
    [path] = entries()
    path.unlink()
    uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)
    assert check(books).exit_code == 0
    assert check(books).exit_code == 0
    assert len(loads) == 3
    assert entries() == []


# --- 6. bounded, and only our own files ------------------------------------------------------

@pytest.fixture
def tiny(tmp_path):
    """A one-line ledger and what cache.write needs for it."""
    ledger = tmp_path / "tiny.beancount"
    ledger.write_text("; nothing\n")
    return ledger


def write_entries(tiny, days):
    summary = cache.CheckSummary((), False, 0, 0, 0)
    inputs = cache.Inputs(files=(str(tiny),), folders=())
    for day in days:
        key = cache.Key(str(tiny), str(tiny.parent / "rules"), day)
        assert cache.write(key, inputs, summary, cache.lookup(key).before) == "stored"


def days(start, count):
    return [datetime.date(2000, 1, 1) + datetime.timedelta(days=n)
            for n in range(start, start + count)]


def test_the_folder_keeps_at_most_200_entries_and_only_ours_are_removed(tiny):
    folder = cache.usable_folder(create=True)
    strangers = ["notes.txt", "ABCDEF0123456789ABCDEF0123456789.json", "0" * 32 + ".json.bak",
                 "0" * 31 + ".json", ".0123.tmp"]
    for name in strangers:
        (folder / name).write_text("not ours")
    (folder / ("f" * 32 + ".json")).mkdir()  # our name, but not a file
    write_entries(tiny, days(0, 205))
    ours = [p for p in entries() if p.is_file()]
    assert len(ours) == 200
    for name in strangers:
        assert (folder / name).read_text() == "not ours"
    assert (folder / ("f" * 32 + ".json")).is_dir()


def test_the_oldest_entries_go_first(tiny):
    write_entries(tiny, days(0, 200))
    by_age = entries()
    for age, path in enumerate(reversed(by_age)):
        os.utime(path, (1_000_000_000 + age, 1_000_000_000 + age))  # the last listed is oldest
    write_entries(tiny, days(200, 3))
    remaining = set(entries())
    assert len(remaining) == 200
    assert remaining.isdisjoint(by_age[-3:])
    assert set(by_age[:-3]) <= remaining


def test_the_folder_keeps_at_most_about_50_mb(tiny, monkeypatch):
    write_entries(tiny, days(0, 1))
    size = entries()[0].stat().st_size
    monkeypatch.setattr(cache.store, "MAX_BYTES", size * 3 + size // 2)
    write_entries(tiny, days(1, 6))
    assert len(entries()) == 3
    assert sum(p.stat().st_size for p in entries()) <= cache.store.MAX_BYTES


def test_temporary_files_of_killed_runs_are_removed(tiny):
    folder = cache.usable_folder(create=True)
    stale = folder / f".{'a' * 32}.{'b' * 16}.tmp"
    fresh = folder / f".{'c' * 32}.{'d' * 16}.tmp"
    stale.write_text("{")
    fresh.write_text("{")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    write_entries(tiny, days(0, 1))
    assert not stale.exists()
    assert fresh.exists()  # may belong to a run writing right now

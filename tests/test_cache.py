"""The check cache: a warm run reuses the result, any changed input is seen on the next run, an
entry is served only for the ledger and key it records, an input that had not settled before
the load leaves nothing stored, and the folder stays private, JSON and bounded."""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import json
import os
import shutil
import stat
import sys
import types
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from aipo_budget.cli import cache, session
from aipo_budget import cli
from aipo_budget.core.findings import Finding
from conftest import ROOT, RULES, left_as_found, settle, settle_quickly


@pytest.fixture(autouse=True)
def quick_settle(monkeypatch):
    """These tests write files and run a check dozens of times."""
    settle_quickly(monkeypatch)


def copy_books(copy):
    """A copy of the shipped ledger and evidence at ``copy``, with the tests' rules beside it."""
    copy.mkdir()
    for name in ("main.beancount", "ledger", "documents"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            shutil.copy(source, copy / name)
    shutil.copytree(RULES, copy / "rules")
    settle()
    return copy


@pytest.fixture
def books(tmp_path):
    """The books of a test that edits them, or changes the code under test that reads them."""
    return copy_books(tmp_path / "books")


@pytest.fixture(scope="module")
def one_copy(tmp_path_factory):
    return copy_books(tmp_path_factory.mktemp("shared") / "books")


@pytest.fixture
def shared_books(one_copy):
    """One copy of the books for the tests that only read them: each writes only to its own
    cache folder (conftest.private_cache), and leaves the books as it found them
    (conftest.left_as_found). A test that edits a file of the books, or patches what the
    check does with them, has its own (``books``); ``loads`` only counts the reads."""
    with left_as_found(one_copy):
        yield one_copy


@pytest.fixture
def loads(monkeypatch):
    """Counts how often the ledger is really read."""
    calls = []
    real = session.load_ledger

    def counting(path, *args, **kwargs):
        calls.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(session, "load_ledger", counting)
    return calls


def check(books, *args):
    return CliRunner().invoke(cli.cli, ["check", str(books / "main.beancount"), *args])


def edit(path, old, new):
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def make_self_approved(books):
    edit(books / "ledger" / "project-trafficking-roadmap.beancount",
         'approved-by: "Nguyen Thi Lan"', 'approved-by: "Ratna Wulandari"')


def entries():
    """The cache's entry files (named as the cache names them)."""
    return sorted(p for p in cache.cache_dir().glob("*.json") if cache.ENTRY.fullmatch(p.name))


def key_of(books, as_of=datetime.date(2007, 1, 1), until=None):
    return cache.Key(str(books / "main.beancount"), str(books / "rules"), as_of, until)


@dataclasses.dataclass(frozen=True)
class Filled:
    """A check of the shared books run once, and the one entry it stored."""

    key: cache.Key
    exit_code: int
    stdout: str
    entry: Path


def fill_once(books, factory, until=None):
    """The first check of the shared books, that a test would run only to fill its cache: run
    once for all of them, into a cache folder of its own, which the tests read and copy
    (:func:`plant`), never change."""
    key = cache.Key(str(books / "main.beancount"), str(books / "rules"),
                    until or datetime.date.today(), until)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIPO_BUDGET_CACHE_DIR", str(factory.mktemp("filled")))
        result = check(books, *(["--as-of", until.isoformat()] if until else []))
        assert result.exit_code == 0, result.output
        [entry] = entries()
    return Filled(key, result.exit_code, result.stdout, entry)


@pytest.fixture(scope="module")
def filled(one_copy, tmp_path_factory):
    """``check`` of the shared books, as of today."""
    return fill_once(one_copy, tmp_path_factory)


@pytest.fixture(scope="module")
def filled_as_of(one_copy, tmp_path_factory):
    """``check --as-of 2006-04-30`` of the shared books."""
    return fill_once(one_copy, tmp_path_factory, datetime.date(2006, 4, 30))


def plant(filled):
    """This test's cache as its own first check would have left it: the entry ``filled``
    stored, copied with its mode (0600) into the folder made as the cache makes it. Served,
    or what the test then does to it would prove nothing."""
    path = cache.usable_folder(create=True) / filled.entry.name
    shutil.copy(filled.entry, path)
    assert entries() == [path]
    assert cache.lookup(filled.key) is not None
    return path


def rewrite(path, change):
    """Change a stored entry as another program could (its file stays ours, mode 0600)."""
    stored = json.loads(path.read_text())
    path.write_text(json.dumps(change(stored)))


# --- 1. any changed input is seen on the next run --------------------------------------------

def test_second_run_is_served_from_the_cache(shared_books, loads):
    first = check(shared_books)
    second = check(shared_books)
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert len(loads) == 1


def test_no_cache_reads_the_ledger(shared_books, filled, loads):
    plant(filled)
    assert check(shared_books, "--no-cache").exit_code == 0
    assert len(loads) == 1


def test_an_edited_rules_file_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    edit(books / "rules" / "23GA-2002-Org-08.toml", "params.floor = 100000.00",
         "params.floor = 900000.00")
    result = check(books, "--format", "json")
    assert result.exit_code == 1, result.output
    assert '"kind": "reserve"' in result.stdout
    assert len(loads) == 2


def test_a_new_rules_file_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    shutil.copy(books / "rules" / "23GA-2002-Org-08.toml", books / "rules" / "copy.toml")
    assert check(books).exit_code == 2  # the same rule twice: the rules folder is invalid
    assert len(loads) == 1  # refused before the load


def test_an_edited_included_file_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    make_self_approved(books)
    result = check(books)
    assert result.exit_code == 1
    assert "both prepared and approved" in result.stdout
    assert len(loads) == 2


def test_a_touched_file_with_the_same_bytes_is_still_served(books, loads):
    assert check(books).exit_code == 0
    project = books / "ledger" / "project-trafficking-roadmap.beancount"
    project.write_bytes(project.read_bytes())  # a new status, the same bytes
    assert check(books).exit_code == 0
    assert len(loads) == 1


def test_a_removed_evidence_file_is_seen_on_the_next_run(books, loads):
    assert check(books).exit_code == 0
    evidence = next((books / "documents" / "Expenses").rglob("*consultancy-contract.pdf"))
    evidence.unlink()
    result = check(books)
    assert result.exit_code == 1
    assert "does not resolve to an evidence file" in result.stdout


def test_an_evidence_file_replaced_by_a_link_outside_the_documents_is_seen(books, loads,
                                                                          tmp_path):
    assert check(books).exit_code == 0
    evidence = next((books / "documents" / "Expenses").rglob("*consultancy-contract.pdf"))
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(evidence.read_bytes())
    evidence.unlink()
    evidence.symlink_to(outside)
    assert check(books).exit_code == 1
    assert len(loads) == 2


def test_a_new_tool_version_invalidates(books, loads, monkeypatch):
    assert check(books).exit_code == 0
    monkeypatch.setattr(cache, "__version__", "99.0")
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_another_as_of_date_is_another_result(shared_books, loads):
    check(shared_books, "--as-of", "2006-04-30")
    check(shared_books, "--as-of", "2006-05-31")
    check(shared_books, "--as-of", "2006-04-30")
    assert len(loads) == 2


def test_without_as_of_and_with_as_of_today_are_two_results(shared_books, loads):
    """Without --as-of every entry is judged; --as-of today leaves later ones out."""
    check(shared_books)
    check(shared_books, "--as-of", datetime.date.today().isoformat())
    assert len(loads) == 2


def test_nothing_is_written_beside_the_ledger(books):
    before = sorted(p.name for p in books.iterdir())
    check(books)
    check(books)
    assert sorted(p.name for p in books.iterdir()) == before


NEW_OUTFLOW = ('2006-05-02 * "Hotel" "Secretariat travel paid from the fund"\n'
               '  resolution: "26GA/2005/Soc/03"\n  prepared-by: "A"\n  approved-by: "B, C"\n'
               '  document: "2006-02-15.consultancy-contract.pdf"\n'
               '  Expenses:Secretariat:Travel   900.00 USD\n  Assets:Surplus-Fund:Bank\n')


@pytest.mark.parametrize("new", ["extra/new/b.beancount", "extra/a/b.beancount",
                                 "extra/a/b/c/b.beancount"])
def test_a_new_file_matching_an_include_glob_is_seen(books, loads, new):
    """In a new folder, in a folder between an included file and the ledger's, beside one."""
    main = books / "main.beancount"
    main.write_text(main.read_text() + '\ninclude "extra/**/*.beancount"\n')
    (books / "extra" / "a" / "b" / "c").mkdir(parents=True)
    (books / "extra" / "a" / "b" / "c" / "empty.beancount").write_text("; nothing yet\n")
    settle()
    assert check(books).exit_code == 0
    (books / new).parent.mkdir(parents=True, exist_ok=True)
    (books / new).write_text(NEW_OUTFLOW)
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
    settle()
    assert check(books).exit_code == 0
    assert check(books).exit_code == 0
    assert len(loads) == 1
    (receipts / "fee.pdf").unlink()
    assert check(books).exit_code == 1
    assert len(loads) == 2


# --- 2. an entry is served only for what it records ------------------------------------------

def test_an_entry_that_does_not_list_the_ledger_is_not_served(books, loads):
    """A crafted entry: '0 errors' for a ledger it never audited."""
    make_self_approved(books)
    settle()
    assert check(books).exit_code == 1
    [path] = entries()
    ledger = str(books / "main.beancount")

    def crafted(stored):
        stored["summary"]["findings"] = []
        stored["inputs"] = [i for i in stored["inputs"] if i[:2] != ["file", ledger]]
        return stored

    rewrite(path, crafted)
    result = check(books)
    assert result.exit_code == 1, result.output
    assert len(loads) == 2


def test_an_entry_that_does_not_list_the_rules_folder_is_not_served(shared_books, filled, loads):
    path = plant(filled)
    rules = str(shared_books / "rules")
    rewrite(path, lambda s: {**s, "inputs": [i for i in s["inputs"] if i[:2] != ["folder", rules]]})
    assert check(shared_books).exit_code == 0
    assert len(loads) == 1


def test_an_entry_under_another_keys_name_is_not_served(shared_books, filled_as_of, loads):
    """An entry whose recorded key is not the key its file name stands for."""
    path = plant(filled_as_of)
    other = cache.cache_dir() / key_of(shared_books, datetime.date(2006, 5, 31),
                                       datetime.date(2006, 5, 31)).name
    shutil.copy(path, other)
    second = check(shared_books, "--as-of", "2006-05-31")
    assert len(loads) == 1
    assert "2006-05-31" in second.stdout and second.stdout != filled_as_of.stdout


def test_the_stored_key_is_the_requested_key(shared_books, filled_as_of):
    path = filled_as_of.entry
    key = key_of(shared_books, datetime.date(2006, 4, 30), datetime.date(2006, 4, 30))
    assert path.name == key.name
    assert json.loads(path.read_text())["key"] == key.record()


# --- 3. only settled inputs are stored -------------------------------------------------------

@pytest.fixture
def edit_during_load(monkeypatch):
    """Makes the next load run ``change`` right after Beancount has read the ledger."""
    real = session.load_ledger
    pending = []

    def loading(path, *args, **kwargs):
        result = real(path, *args, **kwargs)
        while pending:
            pending.pop()()
        return result

    monkeypatch.setattr(session, "load_ledger", loading)
    return pending.append


def test_an_included_file_edited_after_it_was_read_is_not_stored(books, loads, edit_during_load):
    edit_during_load(lambda: make_self_approved(books))
    first = check(books)
    assert first.exit_code == 0, first.output  # judged on what was read: the old content
    assert entries() == []
    settle()
    second = check(books)
    assert second.exit_code == 1, second.output
    assert "both prepared and approved" in second.stdout
    assert check(books).stdout == second.stdout  # now stored, and served
    assert len(loads) == 2


def test_an_edit_after_the_cache_was_consulted_but_before_the_read_is_not_stored(
        books, loads, monkeypatch):
    real = session.load_ledger

    def edit_then_load(path, *args, **kwargs):
        make_self_approved(books)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(session, "load_ledger", edit_then_load)
    assert check(books).exit_code == 1
    assert entries() == []


def test_a_rules_file_edited_during_the_run_is_not_stored(books, loads, edit_during_load):
    rules = books / "rules" / "23GA-2002-Org-08.toml"
    edit_during_load(lambda: edit(rules, "params.floor = 100000.00", "params.floor = 900000.00"))
    assert check(books).exit_code == 0
    assert entries() == []
    result = check(books, "--format", "json")
    assert result.exit_code == 1 and '"kind": "reserve"' in result.stdout
    assert len(loads) == 2


def test_a_file_replaced_by_the_same_bytes_during_the_run_is_not_stored(books, edit_during_load):
    project = books / "ledger" / "project-trafficking-roadmap.beancount"

    def same_bytes_new_file():
        spare = books / "ledger" / "spare"
        spare.write_bytes(project.read_bytes())
        os.replace(spare, project)

    edit_during_load(same_bytes_new_file)
    assert check(books).exit_code == 0
    assert entries() == []


def test_evidence_removed_during_the_audit_is_not_stored(books, loads, edit_during_load):
    evidence = next((books / "documents" / "Expenses").rglob("*consultancy-contract.pdf"))
    edit_during_load(evidence.unlink)
    assert check(books).exit_code == 0
    assert entries() == []


def test_an_input_changed_during_the_run_removes_the_older_entry(books, loads, edit_during_load):
    """As Beancount removes its pickle cache: no older result outlives a fresh audit."""
    assert check(books).exit_code == 0
    assert len(entries()) == 1
    edit_during_load(lambda: make_self_approved(books))
    assert check(books, "--no-cache").exit_code == 0
    assert entries() == []


def test_the_store_tells_an_input_that_had_not_settled(shared_books):
    key, summary = key_of(shared_books), cache.CheckSummary((), True, 0, 0, 0)
    inputs = cache.Inputs(files=[key.ledger], folders=[key.rules])
    changed = os.stat(key.ledger).st_ctime_ns
    assert cache.store(key, inputs, summary, since=changed + cache.SETTLE_NS // 2) == "unsettled"
    assert entries() == []
    later = changed + cache.SETTLE_NS + 2 * cache.SECOND
    assert cache.store(key, inputs, summary, since=later) == "stored"
    assert cache.lookup(key) == summary


def test_a_time_without_a_fraction_may_stand_for_a_whole_second():
    """A coarse file system stamps 12:00:00.999 as 12:00:00."""
    second = 1_700_000_000 * cache.SECOND
    assert not cache._settled(second, second + 2 * cache.SETTLE_NS)
    assert cache._settled(second + 1, second + 2 * cache.SETTLE_NS)
    assert cache._settled(second, second + cache.SECOND + 2 * cache.SETTLE_NS)


# --- 4. --no-cache replaces the stored entry; --pending writes nothing -----------------------

def test_no_cache_stores_its_result(shared_books, loads):
    assert check(shared_books, "--no-cache").exit_code == 0
    assert len(entries()) == 1
    assert check(shared_books).exit_code == 0
    assert len(loads) == 1


def test_no_cache_replaces_a_stored_entry(shared_books, loads):
    """A stored wrong verdict (here planted through the API) is replaced by --no-cache."""
    books = shared_books
    key = cache.Key(str(books / "main.beancount"), str(books / "rules"), datetime.date.today())
    since = cache.clock()
    loaded = session.run_audit(key.ledger, None, None)
    lie = cache.CheckSummary((), True, 0, 0, 0)
    assert cache.store(key, session.inputs_of(loaded), lie, since) == "stored"
    assert "0 surplus outflows" in check(books).stdout  # the lie is served...
    fresh = check(books, "--no-cache")
    assert "0 surplus outflows" not in fresh.stdout
    assert check(books).stdout == fresh.stdout  # ...until --no-cache replaced it
    assert len(loads) == 2  # the planting run, and --no-cache


def test_a_check_that_may_not_store_writes_nothing(shared_books, loads):
    """check --pending reads the ledger's own findings with store=False."""
    session.checked(str(shared_books / "main.beancount"), None, None, store=False)
    assert entries() == []
    assert len(loads) == 1


# --- 5. the code of plugins, of the tool, and what runs them -----------------------------------

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


def warm_up(books, loads):
    """Check until the result is stored (a first import may write compiled code beside a
    plugin, after the load began), and served; how often the ledger was read by then."""
    assert check(books).exit_code == 0
    settle()
    assert check(books).exit_code == 0
    warm = len(loads)
    assert check(books).exit_code == 0
    assert len(loads) == warm
    return warm


def with_plugin_line(books, line):
    edit(books / "main.beancount", 'plugin "aipo_budget.plugin" "rules"', line)


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
    with_plugin_line(books, f'plugin "{name}"')
    settle()
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


def test_a_module_that_would_now_be_imported_instead_is_seen(books, loads, plugin, tmp_path,
                                                             monkeypatch):
    """A module of the same name, earlier on the same path: another plugin's code."""
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    monkeypatch.syspath_prepend(str(earlier))
    assert check(books).exit_code == 0
    assert check(books).exit_code == 0
    assert len(loads) == 1
    sys.modules.pop(plugin.stem)
    (earlier / plugin.name).write_text(FAILING)
    importlib.invalidate_caches()  # as a new process would find it
    result = check(books)
    assert result.exit_code == 1 and "edited plugin says no" in result.stdout
    assert len(loads) == 2


def test_a_plugin_beside_the_ledger_through_insert_pythonpath(books, loads):
    """Beancount puts the ledger's folder on sys.path only while plugins run: the cache looks
    for the plugin's code there too."""
    name = f"besideplug_{uuid.uuid4().hex}"
    source = books / f"{name}.py"
    source.write_text(PLUGIN)
    with_plugin_line(books, f'option "insert_pythonpath" "TRUE"\nplugin "{name}"')
    settle()
    try:
        warm = warm_up(books, loads)  # its __pycache__ may appear beside the ledger
        sys.modules.pop(name)
        source.write_text(FAILING)
        result = check(books)
        assert result.exit_code == 1 and "edited plugin says no" in result.stdout
        assert len(loads) == warm + 1
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
    settle()
    try:
        warm = warm_up(books, loads)  # its __pycache__ may appear in the package
        (package / "helper.py").write_text("LIMIT = 2\n")  # not the plugin module itself
        assert check(books).exit_code == 0
        assert len(loads) == warm + 1
        warm = warm_up(books, loads)
        (package / "new.py").write_text("")  # a module added to the package
        assert check(books).exit_code == 0
        assert len(loads) == warm + 1
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
    settle()
    assert check(books).exit_code == 0
    assert check(books).exit_code == 0
    assert len(loads) == 2
    assert entries() == []


def test_a_fava_plugin_is_covered_by_favas_code(books):
    import fava

    main = books / "main.beancount"
    main.write_text(main.read_text() + '\nplugin "fava.plugins.tag_discovered_documents"\n')
    settle()
    check(books)
    [path] = entries()
    files = {name for kind, name, _state in json.loads(path.read_text())["inputs"]
             if kind == "file"}
    assert os.path.join(os.path.dirname(fava.__file__), "plugins",
                        "tag_discovered_documents.py") in files


def test_a_changed_python_path_invalidates(shared_books, filled, loads, tmp_path, monkeypatch):
    plant(filled)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert check(shared_books).exit_code == 0
    assert len(loads) == 1


def test_another_beancount_version_invalidates(books, loads, monkeypatch):
    assert check(books).exit_code == 0
    monkeypatch.setattr(cache.beancount, "__version__", "9.9")
    assert check(books).exit_code == 0
    assert len(loads) == 2


def test_an_edit_of_the_tools_code_is_another_tool(books, loads, tmp_path, monkeypatch):
    """The tool's modules are known by their file status, read once a process: an edit of the
    same size and a module added count; compiled code does not."""
    package = tmp_path / "aipo_budget"
    (package / "checks").mkdir(parents=True)
    module = package / "checks" / "ceiling.py"
    module.write_text("LIMIT = 1\n")
    monkeypatch.setattr(cache, "PACKAGE", package)

    def new_process():
        cache._own_code.cache_clear()

    new_process()
    try:
        assert check(books).exit_code == 0
        (package / "__pycache__").mkdir()
        (package / "__pycache__" / "x.py").write_text("")
        new_process()
        assert check(books).exit_code == 0
        assert len(loads) == 1
        later = os.stat(module).st_mtime_ns + 1_000_000
        module.write_text("LIMIT = 2\n")  # same size
        os.utime(module, ns=(later, later))
        assert check(books).exit_code == 0  # the code this process runs has not changed
        assert len(loads) == 1
        new_process()
        assert check(books).exit_code == 0
        assert len(loads) == 2
        (package / "new.py").write_text("")
        new_process()
        assert check(books).exit_code == 0
        assert len(loads) == 3
    finally:
        cache._own_code.cache_clear()


# --- 6. plain JSON, exactly ------------------------------------------------------------------

def test_entries_are_plain_json_without_the_directives(filled_as_of):
    path = filled_as_of.entry
    stored = json.loads(path.read_text())
    assert stored["format"] == cache.FORMAT
    assert set(stored["summary"]) == {f.name for f in dataclasses.fields(cache.CheckSummary)}
    assert b"pickle" not in path.read_bytes() and not path.read_bytes().startswith(b"\x80")


def test_every_field_of_a_finding_but_its_directive_is_stored():
    assert cache.FINDING_FIELDS == {f.name for f in dataclasses.fields(Finding)} - {"entry"}


findings_strategy = st.builds(
    Finding,
    rule=st.text(), kind=st.text(), severity=st.sampled_from(["error", "warning", "waived"]),
    citation=st.text(), version=st.integers(), effective=st.none() | st.dates(),
    date=st.none() | st.dates(), filename=st.text(), lineno=st.integers(), message=st.text(),
    amount=st.none() | st.decimals(allow_nan=False), project=st.none() | st.text(),
    currency=st.text(), criterion=st.text(), transaction=st.text(),
    waiver=st.none() | st.text(), entry=st.just(object()),
)


@given(findings_strategy)
def test_a_finding_survives_the_round_trip_exactly(finding):
    back = cache.finding_from(json.loads(json.dumps(cache.finding_record(finding))))
    assert back == finding
    assert str(back.amount) == str(finding.amount)  # 1.50 stays 1.50, -0 stays -0
    assert back.entry is None


@given(st.lists(findings_strategy, max_size=3), st.booleans(), st.integers(0, 10**6))
def test_a_summary_survives_the_round_trip_exactly(findings, has_fund, count):
    summary = cache.CheckSummary(tuple(findings), has_fund, count, count + 1, 13, count)
    record = json.loads(json.dumps(cache.summary_record(summary)))
    back = cache.summary_from(record)
    assert back == summary
    assert [str(f.amount) for f in back.findings] == [str(f.amount) for f in findings]


def test_a_value_json_cannot_hold_exactly_is_not_stored(shared_books):
    key = key_of(shared_books)
    odd = cache.CheckSummary((), True, 0, 0, 0, left_out=1.5)  # a float: not ours to round
    inputs = cache.Inputs(files=[key.ledger], folders=[key.rules])
    assert cache.store(key, inputs, odd, cache.clock()) == "uncacheable"
    assert entries() == []


def mangle_summary(stored, change):
    change(stored["summary"])
    return stored


def mangle_ledger_state(stored, state):
    for item in stored["inputs"]:
        if item[0] == "file" and item[1] == stored["key"][0]:
            item[2] = state
    return stored


MALFORMED = {
    "not json": lambda stored: b"\x80\x04not json",
    "a list": lambda stored: b"[]",
    "older format": lambda stored: {**stored, "format": 3},
    "no inputs": lambda stored: {k: v for k, v in stored.items() if k != "inputs"},
    "inputs of another kind": lambda stored: {**stored, "inputs": {"files": 3}},
    "an input of an unknown kind": lambda stored: {
        **stored, "inputs": [*stored["inputs"], ["glob", "*", []]]},
    "an input that is no triple": lambda stored: {**stored, "inputs": [*stored["inputs"], [1]]},
    "a mangled file state": lambda stored: mangle_ledger_state(stored, [1, 2, "x"]),
    "a plugin without its path": lambda stored: {
        **stored, "inputs": [*stored["inputs"], ["plugin", "os", 3]]},
    "no summary": lambda stored: {k: v for k, v in stored.items() if k != "summary"},
    "a missing field": lambda stored: mangle_summary(stored, lambda s: s.pop("rules")),
    "an extra field": lambda stored: mangle_summary(stored, lambda s: s.update(extra=1)),
    "a count as text": lambda stored: mangle_summary(stored, lambda s: s.update(outflows="9")),
    "a flag as a count": lambda stored: mangle_summary(stored, lambda s: s.update(has_fund=1)),
    "a bad amount": lambda stored: mangle_summary(
        stored, lambda s: s["findings"].append({**FINDING_RECORD, "amount": "lots"})),
    "a bad date": lambda stored: mangle_summary(
        stored, lambda s: s["findings"].append({**FINDING_RECORD, "date": "2006-13-01"})),
    "a finding without a field": lambda stored: mangle_summary(
        stored, lambda s: s["findings"].append(
            {k: v for k, v in FINDING_RECORD.items() if k != "waiver"})),
    "deeply nested": lambda stored: b"[" * 100000,
}
FINDING_RECORD = {"rule": "R", "kind": "k", "severity": "error", "citation": "c", "version": 1,
                  "effective": None, "date": None, "filename": "f", "lineno": 1,
                  "message": "m", "amount": None, "project": None, "currency": "USD",
                  "criterion": "", "transaction": "", "waiver": None}


@pytest.mark.parametrize("damage", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_entry_is_read_again_and_replaced(shared_books, filled_as_of, loads, damage):
    first = filled_as_of
    path = plant(first)
    damaged = damage(json.loads(path.read_text()))
    path.write_bytes(damaged if isinstance(damaged, bytes) else json.dumps(damaged).encode())
    second = check(shared_books, "--as-of", "2006-04-30")
    assert (second.exit_code, second.stdout) == (first.exit_code, first.stdout)
    assert len(loads) == 1
    assert check(shared_books, "--as-of", "2006-04-30").stdout == first.stdout
    assert len(loads) == 1  # replaced by a good entry


def test_the_finding_record_used_above_is_well_formed():
    assert cache.finding_from(FINDING_RECORD).rule == "R"


# --- 7. a private folder, private files ------------------------------------------------------

def test_the_folder_is_created_private_and_entries_are_private(shared_books, tmp_path,
                                                              monkeypatch):
    folder = tmp_path / "fresh" / "cache"
    monkeypatch.setenv("AIPO_BUDGET_CACHE_DIR", str(folder))
    previous = os.umask(0)  # even with a permissive umask
    try:
        assert check(shared_books).exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    [path] = entries()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [path.name]  # no temporary file left


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("AIPO_BUDGET_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "aipo-budget"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "aipo-budget"


def test_an_entry_others_may_write_is_never_loaded(shared_books, filled, loads):
    """As good as planted by another user: it is ignored, then replaced by a private one."""
    path = plant(filled)
    path.chmod(0o666)
    assert check(shared_books).exit_code == 0
    assert len(loads) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_an_entry_that_is_a_symbolic_link_is_never_loaded(shared_books, filled, loads, tmp_path):
    path = plant(filled)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)
    assert check(shared_books).exit_code == 0
    assert len(loads) == 1


def test_a_folder_others_may_write_is_neither_read_nor_written(shared_books, filled, loads):
    path = plant(filled)
    folder = cache.cache_dir()
    before = path.read_bytes()
    folder.chmod(0o777)
    assert check(shared_books).exit_code == 0
    assert check(shared_books).exit_code == 0
    assert len(loads) == 2
    assert entries() == [path] and path.read_bytes() == before


def test_a_folder_of_another_user_is_neither_read_nor_written(shared_books, filled, loads,
                                                             monkeypatch):
    plant(filled).unlink()
    uid = os.getuid()
    monkeypatch.setattr(os, "getuid", lambda: uid + 1)
    assert check(shared_books).exit_code == 0
    assert check(shared_books).exit_code == 0
    assert len(loads) == 2
    assert entries() == []


def test_a_cache_folder_that_is_a_link_is_neither_read_nor_written(shared_books, tmp_path,
                                                                  monkeypatch, loads):
    # found by fuzzing: a link to / had results written into /
    target = tmp_path / "target"
    target.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(target)
    monkeypatch.setenv("AIPO_BUDGET_CACHE_DIR", str(tmp_path / "link"))
    assert check(shared_books).exit_code == 0
    assert check(shared_books).exit_code == 0
    assert len(loads) == 2
    assert list(target.iterdir()) == []


def test_a_cache_folder_others_may_read_is_not_used(shared_books, loads):
    folder = cache.usable_folder(create=True)
    folder.chmod(0o755)  # results say what the books hold: private, as docs/reliability.md says
    assert check(shared_books).exit_code == 0
    assert check(shared_books).exit_code == 0
    assert len(loads) == 2
    assert entries() == []


def test_an_empty_home_is_no_cache_folder(monkeypatch, tmp_path):
    # found by fuzzing: HOME= made "~" the root folder, and /.cache/aipo-budget was created
    monkeypatch.delenv("AIPO_BUDGET_CACHE_DIR")
    monkeypatch.setenv("HOME", "")
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.chdir(tmp_path)
    assert cache.usable_folder(create=True) is None
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as XDG says
    assert cache.usable_folder(create=True) is None
    assert list(tmp_path.iterdir()) == []


# --- 8. bounded, and only our own files ------------------------------------------------------

@pytest.fixture
def tiny(tmp_path):
    """A one-line ledger, with a rules folder beside it."""
    ledger = tmp_path / "tiny.beancount"
    ledger.write_text("; nothing\n")
    (tmp_path / "rules").mkdir()
    return ledger


def write_entries(tiny, days):
    summary = cache.CheckSummary((), False, 0, 0, 0)
    inputs = cache.Inputs(files=[str(tiny)], folders=[str(tiny.parent / "rules")])
    since = cache.clock() + 2 * cache.SECOND  # every input has settled by then
    for day in days:
        key = cache.Key(str(tiny), str(tiny.parent / "rules"), day)
        assert cache.store(key, inputs, summary, since) == "stored"


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
    monkeypatch.setattr(cache, "MAX_BYTES", size * 3 + size // 2)
    write_entries(tiny, days(1, 6))
    assert len(entries()) == 3
    assert sum(p.stat().st_size for p in entries()) <= cache.MAX_BYTES


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

"""Shared fixtures: a ledger written from the test's docstring, audited in-process.

A test's docstring is a ledger fragment; the fixture prepends PRELUDE (options, accounts, an
opening balance of the Surplus Fund and LAK/THB prices) and writes it to a temporary folder.
For every transaction with ``document: "NAME"`` it creates the evidence file under
``documents/<the transaction's first posting account>/NAME`` unless NAME contains ``missing``.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import hashlib
import html as html_lib
import inspect
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
import textwrap
import time
import traceback
import warnings
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

import pytest
from beancount.core import convert, data, inventory
from fava.application import create_app
from fava.util import slugify
from jinja2 import BytecodeCache

import aipo_budget.cli
from aipo_budget.cli import cache
import aipo_budget.fava_ext as fava_ext

from aipo_budget.core.engine import audit
from aipo_budget.core.conventions import DEFAULT
from aipo_budget.core.facts import Converter
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.rules import RuleSet, load_rules
from aipo_budget.outputs.tables import build_tables

if TYPE_CHECKING:
    from jinja2.bccache import Bucket

ROOT = Path(__file__).resolve().parent.parent
# The tests' own rules: the engine's tests must survive an amendment of the shipped rules/
# (only tests/test_shipped_ledger.py judges the shipped ledger by the shipped rules).
RULES = ROOT / "tests" / "rules"
AS_OF = datetime.date(2007, 1, 1)  # the 2006 project is closed

PRELUDE = """\
option "title" "Test ledger"
option "operating_currency" "USD"
option "documents" "documents"

2002-01-01 open Assets:Surplus-Fund:Bank
2002-01-01 open Assets:Surplus-Fund:Deposit
2002-01-01 open Assets:Surplus-Fund:Imprest
2002-01-01 open Assets:Operating:Bank-USD
2002-01-01 open Assets:Co-Funding:Partner
2002-01-01 open Income:Co-Funding:Partner
2002-01-01 open Income:Contributions:Brunei
2002-01-01 open Income:Other:Interest
2002-01-01 open Expenses:Secretariat:Rent
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Research
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Consultants
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Meetings
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Study-Tours
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Travel
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Publications
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Translation
2002-01-01 open Expenses:Projects:Trafficking-Roadmap:Hospitality
2002-01-01 open Expenses:Projects:Other-Project:Research
2002-01-01 open Liabilities:Payables
2002-01-01 open Equity:Opening-Balances

2002-01-01 * "Opening balance of the Surplus Fund"
  Assets:Surplus-Fund:Bank       200000.00 USD
  Equity:Opening-Balances

2002-01-01 * "Opening balance of operating cash"
  Assets:Operating:Bank-USD      500000.00 USD
  Equity:Opening-Balances

2005-12-01 price LAK 0.0001 USD
2005-12-01 price THB 0.025 USD
"""

_BLOCK = re.compile(r"\n\s*\n")
_DOCUMENT = re.compile(r'^\s+document:\s*"([^"]+)"', re.M)
_POSTING = re.compile(r"^\s+([A-Z][A-Za-z0-9-]*(?::[A-Z0-9][A-Za-z0-9-]*)+)\s", re.M)


def write_ledger(folder: Path, text: str, prelude: str = PRELUDE) -> Path:
    """Write ``prelude + text`` as folder/main.beancount, with its evidence files."""
    body = textwrap.dedent(text).strip("\n") + "\n"
    (folder / "documents").mkdir(exist_ok=True)
    ledger = folder / "main.beancount"
    ledger.write_text(prelude + "\n" + body, encoding="utf-8")
    for block in _BLOCK.split(body):
        documents = _DOCUMENT.findall(block)
        postings = _POSTING.findall(block)
        for name in documents:
            if "missing" in name or not postings:
                continue
            path = folder / "documents" / Path(*postings[0].split(":")) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"%PDF-1.4\n% evidence placeholder\n")
    return ledger


def settle_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files settle after 5 ms in this test, not the 50 ms a shared machine's clock ticks
    need: for tests that write files and run a check many times (the rule itself is tested
    in test_cache.py with cache.SETTLE_NS, whatever its value)."""
    monkeypatch.setattr(cache, "SETTLE_NS", 5_000_000)


def settle() -> None:
    """Let the files just written settle: the cache stores only what last changed earlier
    than cache.SETTLE_NS before the load began."""
    time.sleep(2 * cache.SETTLE_NS / 1e9)


def docstring_of(request: pytest.FixtureRequest) -> str:
    doc = inspect.getdoc(request.function)
    assert doc, f"{request.function.__name__} needs a ledger in its docstring"
    return doc


# the output must not depend on the terminal or the settings the tests run under
USER_SETTINGS = ("COLUMNS", "NO_COLOR", "BEANCOUNT_FILE")


@pytest.fixture(scope="session", autouse=True)
def run_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What every command of the run sees, those of module and session fixtures included
    (they are made before a test's private_cache): a cache folder of the run's, never the
    user's, and none of the user's settings."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AIPO_BUDGET_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        for name in USER_SETTINGS:
            env.delenv(name, raising=False)
        yield


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test gets its own aipo-budget cache folder, never the user's."""
    monkeypatch.setenv("AIPO_BUDGET_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    for name in USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ledger_path(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """The test's docstring ledger, written to a temporary folder."""
    return write_ledger(tmp_path, docstring_of(request))


def run(ledger: Path, rules: Path | RuleSet = RULES, as_of: datetime.date = AS_OF):
    """The audit of ``ledger`` by the rules folder ``rules`` (read now), or by a rule set read
    already (a test that audits many ledgers by the same unchanged folder reads it once)."""
    entries, errors, options = load_ledger(str(ledger))
    ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules)
    return audit(entries, ruleset, as_of, errors, until=as_of, options=options)


@pytest.fixture
def audited(ledger_path: Path):
    """The audit of the test's docstring ledger with the tests' rules, as of 2007-01-01."""
    return run(ledger_path)


def line_of(ledger: Path, header: str) -> int:
    """The line number of the one line of the written ledger that starts with ``header``."""
    lines = ledger.read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, start=1) if line.startswith(header)]
    assert len(found) == 1, f"{header!r} found on lines {found}"
    return found[0]


def kinds(result) -> list[str]:
    return [f.kind for f in result.findings]


def only(result, kind: str):
    return [f for f in result.findings if f.kind == kind]


# --- Fava ---------------------------------------------------------------------------------

PAGE = "extension/SurplusFund/"


class CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates, kept in memory for every test's Fava application: each
    app, and the extension of each, would compile the same templates again. Jinja serves a
    compiled template only for the same template name and the same source (by checksum)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = CompiledTemplates()


@contextlib.contextmanager
def heap_of_the_run_frozen() -> Iterator[None]:
    """What the test run holds (pytest, hypothesis, every module imported, what earlier tests
    left) kept out of the garbage collector's sight during a Fava load, as an embedding
    process may keep its own (engine.settled_heap then leaves the freeze as found). The full
    collection the extension makes after each load then goes over what the load made, as in
    a Fava server, not over a test process ten times a server's size (0.2 s a load)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class Fava:
    """Fava's Flask application on one ledger, with a test client."""

    def __init__(self, main: Path) -> None:
        self.main = main
        with heap_of_the_run_frozen():
            self.app = create_app([str(main)], load=True, poll_watcher=True)
        self.app.jinja_env.bytecode_cache = TEMPLATES  # the extension's templates inherit it
        ((self.slug, self.ledger),) = self.app.config["LEDGERS"].items()
        assert self.slug == slugify(self.ledger.options["title"])
        self.client = self.app.test_client()

    def get(self, path: str, **query: str):
        response = self.client.get(f"/{self.slug}/{path}", query_string=query)
        assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
        return response

    def page(self, **query: str) -> str:
        return self.get(PAGE, **query).get_data(as_text=True)

    def load(self) -> None:
        """What Fava does when a ledger file changes."""
        with heap_of_the_run_frozen():
            self.ledger.load_file()

    @property
    def extension(self) -> fava_ext.SurplusFund:
        return self.ledger.extensions.get_extension("SurplusFund")


def page_section_rows(html: str, name: str) -> list[dict[str, str]]:
    """The rows of the Fava page's table ``name``, each {header: text} for every column with a
    value: those in the row, and those in the row's details ("more")."""
    start = html.index(f'<section class="sf-section" id="sf-{name}">')
    section = html[start:html.index("</section>", start)]
    headers = [html_lib.unescape(h) for h in re.findall(r"<th[^>]*>([^<]*)</th>", section)]
    body = section[section.index("<tbody>"):section.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found = {}
        for header, cell in zip(headers, cells):
            if header == "details":
                pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", cell, re.S)
                found.update((html_lib.unescape(dt), html_lib.unescape(re.sub(r"<[^>]+>", "", dd)))
                             for dt, dd in pairs)
            else:
                found[header] = html_lib.unescape(re.sub(r"<[^>]+>", "", cell))
        rows.append({k: v for k, v in found.items() if v})
    return rows


# --- the shipped ledger -------------------------------------------------------------------

SHIPPED_PLUGIN_LINE = 'plugin "aipo_budget.plugin" "rules"'
SHIPPED_EXTENSION_LINE = '2002-01-01 custom "fava-extension" "aipo_budget.fava_ext" "rules"'


# The shipped ledger's first surplus outflow, exactly as written in
# ledger/project-trafficking-roadmap.beancount (the seal and manifest tests edit, move and
# remove it)
KINGDOM = """\
2006-02-15 * "Kingdom Consultancy Group" "Lead research consultancy, comparative study of trafficking laws - advance 40% on signature"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Ratna Wulandari"
  approved-by: "Nguyen Thi Lan"
  voucher: "PV-2006-002"
  document: "2006-02-15.consultancy-contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research              3,400.00 USD
  Assets:Surplus-Fund:Bank                                   -3,400.00 USD
"""
# the same entry reformatted: spacing, metadata and posting order, an elided amount, precision
KINGDOM_REFORMATTED = """\
2006-02-15  *  "Kingdom Consultancy Group"  "Lead research consultancy, comparative study of trafficking laws - advance 40% on signature"
    document: "2006-02-15.consultancy-contract.pdf"
    voucher:  "PV-2006-002"
    approved-by: "Nguyen Thi Lan"
    prepared-by: "Ratna Wulandari"
    resolution: "26GA/2005/Soc/03"
    Assets:Surplus-Fund:Bank     -3400 USD
    Expenses:Projects:Trafficking-Roadmap:Research
"""


def copy_shipped_ledger(folder: Path, extension_line: str = SHIPPED_EXTENSION_LINE) -> Path:
    """The shipped ledger and its documents copied to ``folder``, with the extension, and the
    tests' own rules beside it (a change of the shipped rules must not break these tests)."""
    for name in ("ledger", "documents"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copytree(RULES, folder / "rules")
    main = folder / "main.beancount"
    lines = (ROOT / "main.beancount").read_text(encoding="utf-8").splitlines()
    assert SHIPPED_PLUGIN_LINE in lines, "the shipped main.beancount should declare the plugin"
    # the shipped ledger may declare the extension already: use the line under test
    lines = [line for line in lines if '"aipo_budget.fava_ext"' not in line]
    main.write_text("\n".join([*lines, "", extension_line, ""]), encoding="utf-8")
    return main


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every name under ``folder``: a file with the SHA-256 of its bytes, a folder with None."""
    found: dict[str, bytes | None] = {}
    for root, folders, files in os.walk(folder):
        for name in folders:
            found[os.path.join(root, name)] = None
        for name in files:
            with open(os.path.join(root, name), "rb") as file:
                found[os.path.join(root, name)] = hashlib.sha256(file.read()).digest()
    return found


@contextlib.contextmanager
def left_as_found(*folders: Path) -> Iterator[None]:
    """For a test given folders that later tests read too: after it they are still, file for
    file, what they were, or the test errs (a later test would read what it changed)."""
    before = [tree(folder) for folder in folders]
    yield
    assert [tree(folder) for folder in folders] == before, f"a shared folder changed: {folders}"


@pytest.fixture(scope="session")
def _shipped_fava_app(tmp_path_factory: pytest.TempPathFactory) -> Fava:
    return Fava(copy_shipped_ledger(tmp_path_factory.mktemp("shipped")))


@pytest.fixture
def shipped_fava(_shipped_fava_app: Fava) -> Iterator[Fava]:
    """One Fava application on one unchanged copy of the shipped ledger, for the tests that
    only read it (pages, the error list, the loaded audit): a request changes nothing Fava
    loaded, and Fava reloads only when an included file or a documents folder changes, which
    these tests never write (:func:`left_as_found` makes sure). A test that edits its ledger,
    patches the code under test or needs a load of its own makes its own copy
    (``copy_shipped_ledger``)."""
    with left_as_found(_shipped_fava_app.main.parent):
        yield _shipped_fava_app


# --- reconciliation with Beancount's own balances ----------------------------------------


def beancount_fund_balance(entries: list[data.Directive], end: datetime.date) -> Decimal:
    """Beancount's own balance of Assets:Surplus-Fund at ``end``, valued in USD."""
    balance = inventory.Inventory()
    for entry in entries:
        if isinstance(entry, data.Transaction) and entry.date <= end:
            for posting in entry.postings:
                if DEFAULT.is_fund(posting.account):
                    balance.add_position(posting)
    price_map = Converter(entries).price_map
    total = Decimal(0)
    for position in balance:
        value = convert.convert_position(position, "USD", price_map, end)
        assert value.currency == "USD"
        total += value.number
    return total


def reconcile(ledger: Path, end: datetime.date) -> None:
    """The audit tables of ``ledger`` at ``end`` (tests' rules) agree with Beancount's own
    balances: fund statement, disbursement register, budget against actual, co-funding."""
    entries, _errors, _options = load_ledger(str(ledger))
    result = run(ledger, as_of=end)
    tables = {t.name: t for t in build_tables(result, None, end)}
    statement = tables["fund-statement"].rows
    closing = next(r["amount"] for r in statement if r["line"] == "Closing balance")
    assert closing == beancount_fund_balance(entries, end)
    assert not any(r["line"] == "Exchange and other differences" for r in statement)
    # register total equals the statement's outflows
    outflows = sum((r["amount"] for r in statement
                    if r["line"] in ("Outflow, project", "Other outflow")), Decimal(0))
    register = tables["disbursements"]  # an empty register has no totals row
    assert (register.totals["amount"] if register.totals else 0) == -outflows
    # budget against actual: project totals equal the project's expense postings
    converter = Converter(entries)
    for row in tables["budget"].rows:
        if row["category"] != "(all)":
            continue
        project = row["project"]
        postings = sum((converter.usd(p, e.date) for e in entries
                        if isinstance(e, data.Transaction) and e.date <= end
                        for p in e.postings
                        if p.account.startswith(f"Expenses:Projects:{project}:")), Decimal(0))
        assert row["total"] == postings
        categories = [r for r in tables["budget"].rows
                      if r["project"] == project and r["category"] != "(all)"]
        assert sum((r["total"] for r in categories), Decimal(0)) == row["total"]
    # co-funding: sources add up to the total, shares to 100 %
    for row in tables["cofunding"].rows:
        if row["source"] == "Total":
            sources = [r for r in tables["cofunding"].rows
                       if r["project"] == row["project"] and r["source"] != "Total"]
            assert sum((r["amount"] for r in sources), Decimal(0)) == row["amount"]
            shares = sum((r["share"] for r in sources), Decimal(0))
            assert abs(shares - 100) <= Decimal("0.1") * len(sources)


# --- amended rules -------------------------------------------------------------------------

# ORG08-APPROVAL amended on 2006-04-01: two approvers above 2,000 USD (was 5,000)
APPROVAL_AMENDMENT = """
  [[rule.version]]
  effective = 2006-04-01
  text = "Amended: above 2,000 USD an outflow needs two different approvers."
  params.threshold = 2000.00
  params.approvers_above = 2
"""


def amended(tmp_path: Path, filename: str, after: str, version: str) -> Path:
    """A copy of the tests' rules with ``version`` inserted after the line ``after``."""
    folder = tmp_path / "rules"
    shutil.copytree(RULES, folder)
    path = folder / filename
    text = path.read_text(encoding="utf-8")
    assert text.count(after) == 1, f"{after!r} is not a unique line of {filename}"
    path.write_text(text.replace(after, after + version), encoding="utf-8")
    return folder


def keygen() -> str:
    """OpenSSH's ssh-keygen, for the tests that sign; skipped without it, saying how to
    install it, except under CI (``CI=true``), where signing is required."""
    program = shutil.which("ssh-keygen")
    if program is None:
        message = ("ssh-keygen not found: install the OpenSSH client (apt install "
                   "openssh-client) to run the signing tests")
        if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)
    return program


# --- the command line in a process of its own --------------------------------------------


@dataclass
class ChildRun:
    """How ``aipo-budget`` run in a child process ended: its exit status, or minus the signal
    that ended it (as subprocess reports it), and what it wrote."""

    returncode: int
    stdout: str
    stderr: str


def _as_a_fresh_interpreter(cwd: Path | None, timeout: int) -> None:
    """In a forked child: what a fresh ``python`` running the console script would have, not
    what pytest or the shell that started it set. Ctrl-C raises KeyboardInterrupt and SIGTERM
    ends the process (a shell's background job starts with SIGINT ignored, which a new
    interpreter would keep: a test of Ctrl-C must not depend on it), warnings are printed on
    standard error under Python's default filters, log records reach no pytest handler."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(timeout)  # a run that blocks (a FIFO opened) is ended: the test fails
    warnings.resetwarnings()
    for category in (ResourceWarning, ImportWarning, PendingDeprecationWarning,
                     DeprecationWarning):
        warnings.simplefilter("ignore", category)
    warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
    warnings.showwarning = (lambda message, category, filename, lineno, file=None, line=None:
                            sys.stderr.write(warnings.formatwarning(message, category,
                                                                    filename, lineno, line)))
    logging.root.handlers.clear()
    if cwd is not None:
        os.chdir(cwd)


def _exit_status(exc: SystemExit) -> int:
    """The exit status the interpreter makes of an uncaught SystemExit."""
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or 0
    print(exc.code, file=sys.stderr)
    return 1


def run_in_child(args: list[str], cwd: Path | None = None,
                 prepare: Callable[[], None] | None = None, timeout: int = 120) -> ChildRun:
    """``aipo-budget ARGS`` run by the console script's ``main()`` in a child process forked
    from this one: a process of its own (a signal ends it, a FIFO it opens blocks only it),
    without an interpreter to start and modules to import again. Its standard output and
    error go to files, read here; ``prepare`` runs in the child first (to set a hook of the
    code under test). The child never returns into pytest: it ends by ``os._exit`` with the
    status the interpreter would have exited with, or by a signal, the alarm after
    ``timeout`` seconds included."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child
            status = 1  # as for an uncaught exception
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
                sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace",
                                  closefd=False)  # noqa: SIM115
                try:
                    sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
                except OSError:  # no standard input: a new interpreter has None
                    sys.stdin = None  # type: ignore[assignment]
                _as_a_fresh_interpreter(cwd, timeout)
                if prepare is not None:
                    prepare()
                sys.argv = ["aipo-budget", *args]
                try:
                    aipo_budget.cli.main()
                    status = 0
                except SystemExit as exc:
                    status = _exit_status(exc)
            except KeyboardInterrupt:  # the interpreter then ends by the signal itself
                traceback.print_exc()
                sys.stderr.flush()
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                os.kill(os.getpid(), signal.SIGINT)
            except BaseException:  # noqa: BLE001 - printed as the interpreter would
                traceback.print_exc()
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(status)
        _, waited = os.waitpid(pid, 0)
        out.seek(0)
        err.seek(0)
        output = out.read().decode("utf-8", "replace")
        errors = err.read().decode("utf-8", "replace")
    if os.WIFSIGNALED(waited):
        return ChildRun(-os.WTERMSIG(waited), output, errors)
    return ChildRun(os.WEXITSTATUS(waited), output, errors)

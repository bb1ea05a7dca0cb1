"""The docs a newcomer reads are true: the files and sections they name exist, the examples
they show give that output, and the template works.

Paths named in README.md and docs/*.md: markdown links (relative to the document, as GitHub
renders them), backticked paths (relative to the repository, as the docs write them) and the
first column of a Layout block (docs/architecture.md). The detector is conservative: a
backticked text is a path only when it is made of path characters and contains ``/`` or ends in
a source suffix; placeholders (``<Account>``), globs, options and absolute paths are not paths.
What the tools create (``.venv/``, ``artifacts/``, an audit pack) and the template's evidence
file are listed in NOT_SHIPPED. A link to a section (``docs/rules.md#adding-a-project``) must
name a heading of that document, as GitHub makes its anchors.

The examples: in a ```sh block, a line ``$ aipo-budget ...`` is run (in-process, on a copy of
the shipped ledger, in document order, ``> FILE`` writing its standard output to FILE) and the
lines after it, up to the next ``$`` line, are its output: each line as printed (white space at
either end aside), ``...`` alone standing for any lines and inside a line for any text. A line
``aipo-budget ...`` without a prompt is run too, its output not compared. The README shows one
such example of every command, links every document of docs/ and benchmarks/README.md, and
stays short.

The surplus-outflow template of docs/conventions.md (the fenced block after its marker) is
appended to a copy of the shipped ledger and checked with the CLI: it must be complete (exit 0
as of its payment window, one evidence error without its file) and must not repeat a shipped
entry.
"""

from __future__ import annotations

import datetime
import json
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import click
import pytest
from beancount.core import data
from beancount.parser import parser
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.core.ledger import load_ledger
from conftest import ROOT, keygen

README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 200
# Named on purpose, not in the repository: what the tools create, the template's evidence.
NOT_SHIPPED = {
    ".venv/bin/": "make run creates the virtualenv",
    "artifacts/": "tests/test_browser.py writes it (git-ignored)",
    "pack/": "the audit pack folder of the docs' examples",
    "evidence/": "a folder inside the audit pack",
    "ledger/seals.beancount": "aipo-budget seal creates it (none is shipped)",
    "ledger/.seals.lock": "aipo-budget seal's lock file, while it writes",
    "ledger/approvals/": "aipo-budget approve writes the signatures there (none is shipped)",
    "proposal.beancount": "the proposal a user saves to judge it (the Fava page's form)",
    # docs/conventions.md: where the template's evidence file goes (checked against the
    # template below); it is not shipped, so that the template repeats no shipped entry
    "documents/Expenses/Projects/Trafficking-Roadmap/Publications/":
        "the template's evidence folder",
    "documents/Expenses/Projects/Trafficking-Roadmap/Publications/"
    "2006-06-30.roadmap-mailing-invoice.pdf": "the template's evidence file",
}
SUFFIXES = (".py", ".md", ".beancount", ".toml", ".sh")
PATHLIKE = re.compile(r"[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)*/?")
RESOLUTION = re.compile(r"\d+GA/\d{4}/")  # 26GA/2005/Soc/03 is an id, not a path
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\n]+)`")
FENCE = re.compile(r"^```")
LAYOUT_ROW = re.compile(r"^(\S.*?)\s{2,}\S")

TEMPLATE_MARKER = "<!-- template: surplus outflow"
AS_OF = "2006-08-31"  # in the template's payment window, before the next balance assertion


# --- paths named in the docs --------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    doc: Path
    lineno: int
    text: str
    path: Path

    def __str__(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.lineno}: {self.text}"


def is_repository_path(text: str) -> bool:
    if not PATHLIKE.fullmatch(text) or RESOLUTION.match(text) or text.startswith("-"):
        return False
    return "/" in text or text.endswith(SUFFIXES)


def layout_paths(line: str) -> list[str]:
    """The paths in the first column of a Layout row: ``a/b.py, a/c.py   description``."""
    row = LAYOUT_ROW.match(line)
    return [name.strip() for name in row.group(1).split(",")] if row else []


def named_paths(doc: Path) -> list[Named]:
    found: list[Named] = []
    fenced = layout = False
    section = ""
    for lineno, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("## "):
            section = line
        if FENCE.match(line):
            fenced = not fenced
            layout = fenced and section == "## Layout"
            continue
        if layout:
            found += [Named(doc, lineno, name, ROOT / name) for name in layout_paths(line)]
            continue
        if fenced:
            continue
        for target in LINK.findall(line):
            target = target.split("#")[0]
            if target and ":" not in target:  # not a URL, not an anchor in the page
                found.append(Named(doc, lineno, target, doc.parent / target))
        for text in CODE.findall(line):
            if is_repository_path(text) and text not in NOT_SHIPPED:
                found.append(Named(doc, lineno, text, ROOT / text))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_path_the_docs_name_exists(doc):
    missing = [str(named) for named in named_paths(doc) if not named.path.exists()]
    assert not missing, "named but not in the repository:\n" + "\n".join(missing)


def test_the_path_detector_sees_paths():
    """The detector is not vacuous: it finds backticked paths and links in the README, and the
    rows of the Layout block of docs/architecture.md (a row may name several paths)."""
    readme = {named.text for named in named_paths(README)}
    assert {"scripts/install-chromium.sh", "docs/conventions.md", "benchmarks/README.md"} <= readme
    layout = {named.text for named in named_paths(ROOT / "docs" / "architecture.md")}
    assert {"tests/", "aipo_budget/core/budgets.py", "aipo_budget/cli/",
            "aipo_budget/plugin.py"} <= layout
    everywhere = {named.text for doc in DOCS for named in named_paths(doc)}
    assert not {"26GA/2005/Soc/03", "documents/<Account>/"} & everywhere
    assert is_repository_path("ledger/prices.beancount")
    assert not is_repository_path("--as-of")
    assert not is_repository_path("/etc/nginx/aipo-books.htpasswd")
    assert not is_repository_path("documents/<one of the transaction's accounts>/")


# --- sections linked to -----------------------------------------------------------------


def anchors(doc: Path) -> set[str]:
    """The anchors GitHub gives the headings of ``doc``: lower case, punctuation dropped, spaces
    made hyphens, ``-1``, ``-2`` ... after a repeated one."""
    found: set[str] = set()
    fenced = False
    for line in doc.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else re.match(r"#{1,6} (.*)", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            repeat, candidate = 0, slug
            while candidate in found:
                repeat += 1
                candidate = f"{slug}-{repeat}"
            found.add(candidate)
    return found


def section_links(doc: Path) -> list[tuple[int, Path, str]]:
    """``(line, document, anchor)`` of every link of ``doc`` to a section of a Markdown file."""
    found = []
    fenced = False
    for lineno, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        for target in [] if fenced else LINK.findall(line):
            path, _, anchor = target.partition("#")
            if anchor and ":" not in path:
                found.append((lineno, doc.parent / path if path else doc, anchor))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_every_section_the_docs_link_to_exists(doc):
    broken = [f"{doc.relative_to(ROOT)}:{lineno}: {target.name}#{anchor}"
              for lineno, target, anchor in section_links(doc)
              if not target.is_file() or anchor not in anchors(target)]
    assert not broken, "linked to a section that does not exist:\n" + "\n".join(broken)


def test_the_anchor_reader_reads_headings_as_github_does():
    commands = anchors(ROOT / "docs" / "commands.md")
    assert {"check---pending-before-a-payment", "progress-and---quiet", "exit-status"} <= commands
    assert sum(len(section_links(doc)) for doc in DOCS) >= 10


# --- the README -------------------------------------------------------------------------


def test_the_readme_links_every_document():
    linked = {(README.parent / target.split("#")[0]).resolve()
              for target in LINK.findall(README.read_text(encoding="utf-8"))}
    documents = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]
    missing = [str(doc.relative_to(ROOT)) for doc in documents if doc.resolve() not in linked]
    assert not missing, f"the README links none of {missing}"


def test_the_readme_is_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines: move the detail into docs/ (at most {README_MAX_LINES})")


def test_the_readme_shows_the_shipped_plugin_and_extension_lines():
    shipped = {line.strip() for line in
               (ROOT / "main.beancount").read_text(encoding="utf-8").splitlines()}
    blocks = re.findall(r"```beancount\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    shown = [line.strip() for block in blocks for line in block.splitlines() if line.strip()]
    assert any(line.startswith("plugin ") for line in shown)
    assert any('"fava-extension"' in line for line in shown)
    assert not [line for line in shown if line not in shipped], "not as main.beancount has it"


HISTORY = re.compile(r"\bissues? \d+|\(issues? |\bprevious session\b", re.I)


@pytest.mark.parametrize("doc", [*DOCS, ROOT / "benchmarks" / "README.md"],
                         ids=lambda doc: str(doc.relative_to(ROOT)))
def test_user_documentation_tells_no_development_history(doc):
    lines = [f"{doc.relative_to(ROOT)}:{lineno}: {line}" for lineno, line in
             enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1)
             if HISTORY.search(line)]
    assert not lines, "issue numbers or session history:\n" + "\n".join(lines)


# --- the examples -----------------------------------------------------------------------


@dataclass
class Example:
    doc: Path
    lineno: int
    command: str
    output: list[str] | None  # None: run, its output not shown

    def __str__(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.lineno}: {self.command}"


def examples(doc: Path) -> list[Example]:
    """The ``aipo-budget`` command lines of the ```sh blocks of ``doc``, with their output."""
    found: list[Example] = []
    current: Example | None = None
    shell = False
    for lineno, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        if FENCE.match(line):
            shell, current = (line.strip() == "```sh") and not shell, None
            continue
        if not shell:
            continue
        if line.startswith("$ "):
            current = Example(doc, lineno, line[2:].strip(), [])
            found.append(current)
        elif line.startswith("aipo-budget "):
            current = None
            found.append(Example(doc, lineno, line.strip(), None))
        elif current is not None:
            current.output.append(line)
    return [example for example in found if example.command.startswith("aipo-budget ")]


def matches(expected: list[str], printed: list[str]) -> bool:
    """Whether ``printed`` is ``expected``: line by line, ``...`` standing for any lines (alone)
    or any text (inside a line), white space at either end of a line aside."""
    if not expected:
        return not printed
    first, rest = expected[0].strip(), expected[1:]
    if first == "...":
        return any(matches(rest, printed[at:]) for at in range(len(printed) + 1))
    pattern = ".*".join(re.escape(part) for part in first.split("..."))
    return bool(printed) and re.fullmatch(pattern, printed[0].strip()) is not None \
        and matches(rest, printed[1:])


def run_example(example: Example) -> None:
    argv = shlex.split(example.command, comments=True)
    redirect = None
    if ">" in argv:
        at = argv.index(">")
        argv, redirect = argv[:at], argv[at + 1:]
        assert len(redirect) == 1, f"{example}: one file after >"
    assert not {"|", "<", ">>", "&&", ";"} & set(argv), f"{example}: not a command this test runs"
    result = CliRunner().invoke(cli, argv[1:])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{example}: raised {result.exception!r}") from result.exception
    assert result.exit_code in (0, 1), f"{example}: exit status {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output, f"{example}\n{result.output}"
    if redirect:
        Path(redirect[0]).write_text(result.stdout, encoding="utf-8")
    if example.output is not None:
        shown = "\n".join(example.output).rstrip().splitlines()  # the block's last blank lines
        assert matches(shown, result.output.splitlines()), (
            f"{example}: the docs show\n" + "\n".join(shown)
            + "\n\nbut it printed\n" + result.output)


DOCS_WITH_EXAMPLES = [doc for doc in DOCS if examples(doc)]


@pytest.mark.parametrize("doc", DOCS_WITH_EXAMPLES, ids=lambda doc: str(doc.relative_to(ROOT)))
def test_the_examples_print_what_the_docs_show(doc, tmp_path, monkeypatch):
    """Run in document order on a fresh copy of the shipped ledger, as a newcomer would."""
    for name in ("ledger", "rules", "documents"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "main.beancount", tmp_path / "main.beancount")
    monkeypatch.chdir(tmp_path)
    if any(" approve " in f" {example.command} " for example in examples(doc)):
        (tmp_path / "keys").mkdir()  # the key an approve example signs with: a user's own
        subprocess.run([keygen(), "-q", "-t", "ed25519", "-N", "", "-C", "Nguyen Thi Lan",
                        "-f", str(tmp_path / "keys" / "lan")], check=True)
        # ... registered in rules/allowed_signers, as the docs say it must be
        public = " ".join((tmp_path / "keys" / "lan.pub").read_text().split()[:2])
        with open(tmp_path / "rules" / "allowed_signers", "a", encoding="utf-8") as register:
            register.write('"Nguyen Thi Lan" namespaces="aipo-budget-approve",'
                           f'valid-after="20020101" {public}\n')
    for example in examples(doc):
        run_example(example)


def test_the_readme_shows_an_example_of_every_command():
    shown = [shlex.split(example.command, comments=True) for example in examples(README)
             if example.output]
    every = set(cli.list_commands(click.Context(cli)))
    commands = {argv[1] for argv in shown}
    assert every >= {"check", "report", "explain", "rules", "seal"}
    assert every <= commands, f"no example of {every - commands}"
    for option in ("--pending", "--against", "--output"):
        assert any(option in argv for argv in shown), f"no example of {option}"
    assert README in DOCS_WITH_EXAMPLES and len(DOCS_WITH_EXAMPLES) >= 3


def test_the_example_matcher_is_strict():
    assert matches(["a", "...", "c ... e"], ["a", "b", "b", "c d e"])
    assert matches(["...", "x"], ["x"])
    assert not matches(["a"], ["a", "b"])  # an output line not shown
    assert not matches(["a", "c"], ["a", "b", "c"])
    assert not matches(["c ... e"], ["c d f"])
    assert not matches(["a.b"], ["axb"])  # text is literal


# --- the template of docs/conventions.md --------------------------------------------------


def template_text() -> str:
    text = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
    assert TEMPLATE_MARKER in text, "docs/conventions.md lost its template marker"
    block = re.search(r"```beancount\n(.*?)```", text[text.index(TEMPLATE_MARKER):], re.S)
    assert block, "no ```beancount block after the template marker"
    return block.group(1)


def template_entry() -> data.Transaction:
    entries, errors, _ = parser.parse_string(template_text())
    assert not errors, errors
    (entry,) = entries
    assert isinstance(entry, data.Transaction)
    return entry


def evidence_of(entry: data.Transaction) -> Path:
    """Where the template's document goes: under its first posting's account."""
    account = entry.postings[0].account
    return Path("documents", *account.split(":"), entry.meta["document"])


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """A copy of the shipped ledger with the template appended and its evidence file."""
    for name in ("ledger", "rules", "documents"):
        shutil.copytree(ROOT / name, tmp_path / name)
    main = tmp_path / "main.beancount"
    main.write_text((ROOT / "main.beancount").read_text(encoding="utf-8") + "\n"
                    + template_text(), encoding="utf-8")
    evidence = tmp_path / evidence_of(template_entry())
    evidence.parent.mkdir(parents=True, exist_ok=True)
    evidence.write_bytes(b"%PDF-1.4\n% evidence placeholder\n")
    return main


def check(main: Path, *args: str) -> tuple[int, dict]:
    result = CliRunner().invoke(cli, ["check", str(main), "--format", "json", "--no-cache",
                                      *args])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_the_template_carries_every_key_of_a_surplus_outflow():
    entry = template_entry()
    for key in ("resolution", "prepared-by", "approved-by", "document", "incurred"):
        assert key in entry.meta, f"the template lacks {key}"
    assert any(p.account.startswith("Assets:Surplus-Fund") for p in entry.postings)


def test_the_template_repeats_no_shipped_entry():
    entry = template_entry()
    evidence = evidence_of(entry)
    assert not (ROOT / evidence).exists(), "the template's evidence file is shipped"
    assert {evidence.as_posix(), f"{evidence.parent.as_posix()}/"} <= NOT_SHIPPED.keys(), \
        "NOT_SHIPPED should list the template's evidence file and folder as they are now"
    amounts = {(p.account, abs(p.units.number)) for p in entry.postings}
    entries, _, _ = load_ledger(str(ROOT / "main.beancount"))
    for shipped in entries:
        if not isinstance(shipped, data.Transaction):
            continue
        where = f"{shipped.meta['filename']}:{shipped.meta['lineno']}"
        assert shipped.payee != entry.payee, f"same payee as {where}"
        assert shipped.date != entry.date, f"same date as {where}"
        assert shipped.meta.get("document") != entry.meta["document"], f"same document: {where}"
        shared = amounts & {(p.account, abs(p.units.number)) for p in shipped.postings
                            if p.units is not None}
        assert not shared, f"same amount on the same account as {where}: {shared}"


def test_the_template_passes_check_as_of_its_payment_window(books):
    status, report = check(books, "--as-of", AS_OF)
    assert status == 0, report["findings"]
    assert report["findings"] == []
    assert report["summary"]["errors"] == 0
    assert report["left_out"] > 0  # the later entries of the shipped ledger


def test_without_its_evidence_file_the_template_is_exactly_an_evidence_error(books):
    entry = template_entry()
    (books.parent / evidence_of(entry)).unlink()
    status, report = check(books, "--as-of", AS_OF)
    assert status == 1
    (finding,) = report["findings"]
    assert (finding["rule"], finding["kind"], finding["severity"]) == (
        "ORG08-EVIDENCE", "evidence", "error")
    assert entry.meta["document"] in finding["message"]


def test_back_dated_it_fails_every_later_balance_assertion_of_its_account(books):
    """The note of docs/conventions.md: the errors are at the later assertions."""
    entry = template_entry()
    (paid,) = [p for p in entry.postings if p.account.startswith("Assets:Surplus-Fund")]
    later = [
        line for line in (ROOT / "ledger" / "balances.beancount").read_text().splitlines()
        if re.match(rf"(\d{{4}}-\d\d-\d\d) balance {re.escape(paid.account)}\s", line)
        and datetime.date.fromisoformat(line[:10]) > entry.date
    ]
    assert later, "the template is not back-dated any more: rewrite the note"
    status, report = check(books)
    assert status == 1
    findings = report["findings"]
    assert len(findings) == len(later)
    for finding in findings:
        assert finding["kind"] == "ledger"
        assert finding["message"].startswith(f"Balance failed for '{paid.account}'")
        assert f"{-paid.units.number:.2f} too little" in finding["message"]

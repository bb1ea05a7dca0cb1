"""The docs a newcomer reads are true: the files they name exist, and the template works.

Paths named in README.md and docs/*.md: markdown links (relative to the document, as GitHub
renders them), backticked paths (relative to the repository, as the docs write them) and the
first column of the README's Layout block. The detector is conservative: a backticked text is a
path only when it is made of path characters and contains ``/`` or ends in a source suffix;
placeholders (``<Account>``), globs, options and absolute paths are not paths. What the tools
create (``.venv/``, ``artifacts/``, an audit pack) and the template's evidence file are listed
in NOT_SHIPPED.

The surplus-outflow template of docs/conventions.md (the fenced block after its marker) is
appended to a copy of the shipped ledger and checked with the CLI: it must be complete (exit 0
as of its payment window, one evidence error without its file) and must not repeat a shipped
entry.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from beancount.core import data
from beancount.parser import parser
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.ledger import load_ledger
from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# Named on purpose, not in the repository: what the tools create, the template's evidence.
NOT_SHIPPED = {
    ".venv/bin/": "make run creates the virtualenv",
    "artifacts/": "tests/test_browser.py writes it (git-ignored)",
    "pack/": "the audit pack folder of the README's example",
    "evidence/": "a folder inside the audit pack",
    "ledger/seals.beancount": "aipo-budget seal creates it (none is shipped)",
    "ledger/.seals.lock": "aipo-budget seal's lock file, while it writes",
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
    """The detector is not vacuous: it finds the README's set-up script, layout and links."""
    readme = {named.text for named in named_paths(ROOT / "README.md")}
    assert {"scripts/install-chromium.sh", "docs/conventions.md", "tests/",
            "aipo_budget/budgets.py"} <= readme
    assert not {"26GA/2005/Soc/03", "documents/<Account>/"} & readme
    assert is_repository_path("ledger/prices.beancount")
    assert not is_repository_path("--as-of")
    assert not is_repository_path("/etc/nginx/aipo-books.htpasswd")
    assert not is_repository_path("documents/<one of the transaction's accounts>/")


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

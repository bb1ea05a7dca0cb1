"""A seal that cannot be turned against the user (issue 20, item 6).

``ledger/seals.beancount``, the record folder ``ledger/seals``, ``ledger`` itself or the lock
``ledger/.seals.lock`` that is a symbolic link, a FIFO, a folder where a file goes (or the
reverse) or read-only: ``seal`` exits 2 naming the path, before anything is written, and the
tree is as it was (no lock left behind). ``--by`` is a name once normalised. A seal refused for
its findings leaves nothing either, and a seal that succeeds leaves no lock.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from conftest import RULES, write_ledger

CLEAN = """
2006-02-15 * "Kingdom Consultancy" "Research consultant"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"
  document: "2006-02-15.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   4000.00 USD
  Assets:Surplus-Fund:Bank

2006-06-20 * "Partner" "Translation paid directly by the partner"
  Expenses:Projects:Trafficking-Roadmap:Translation   20000.00 USD
  Income:Co-Funding:Partner
"""


def seal(ledger: Path, *args: str, by: str = "A. Auditor"):
    return CliRunner().invoke(cli, ["seal", str(ledger), "--through", "2006", "--by", by,
                                    "--rules", str(RULES), "-q", *args],
                              catch_exceptions=False)


def tree(folder: Path) -> dict[str, tuple]:
    """Every path under ``folder``, links not followed: kind, mode, content digest."""
    found = {}
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(top, name)
            info = os.lstat(path)
            content = ""
            if stat.S_ISREG(info.st_mode):
                content = hashlib.sha256(Path(path).read_bytes()).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                content = os.readlink(path)
            found[os.path.relpath(path, folder)] = (stat.S_IFMT(info.st_mode), info.st_mode,
                                                    content)
    return found


def _fifo(path: Path) -> None:
    os.mkfifo(path)


# (what to set up, the path refused, what the message says of it)
HOSTILE = {
    "seals file a link to /etc/passwd": (
        lambda d: (d / "ledger/seals.beancount").symlink_to("/etc/passwd"),
        "ledger/seals.beancount", "is a symbolic link"),
    "seals file a folder": (
        lambda d: (d / "ledger/seals.beancount").mkdir(), "ledger/seals.beancount", "is a folder"),
    "seals file read-only": (
        lambda d: ((d / "ledger/seals.beancount").write_text(";\n"),
                   (d / "ledger/seals.beancount").chmod(0o444)),
        "ledger/seals.beancount", "is read-only"),
    "record folder a file": (
        lambda d: (d / "ledger/seals").write_text("x"), "ledger/seals", "is not a folder"),
    "record folder a link": (
        lambda d: (d / "ledger/seals").symlink_to(d / "elsewhere", target_is_directory=True),
        "ledger/seals", "is a symbolic link"),
    "ledger folder a file": (
        lambda d: (d / "ledger").rmdir() or (d / "ledger").write_text("x"), "ledger",
        "is not a folder"),
    "ledger folder read-only": (
        lambda d: (d / "ledger").chmod(0o555), "ledger", "is read-only"),
    "ledger folder a link": (
        lambda d: (d / "ledger").rmdir() or (d / "ledger").symlink_to(d / "elsewhere"),
        "ledger", "is a symbolic link"),
    "lock a folder": (
        lambda d: (d / "ledger/.seals.lock").mkdir(), "ledger/.seals.lock", "is a folder"),
    "lock a link": (
        lambda d: (d / "ledger/.seals.lock").symlink_to(d / "elsewhere" / "lock"),
        "ledger/.seals.lock", "is a symbolic link"),
    "lock a FIFO": (
        lambda d: _fifo(d / "ledger/.seals.lock"), "ledger/.seals.lock", "is not a regular file"),
    # a stray file the ledger never read (a report's --output-file, say): the seal appended to
    # it and included it, and the books no longer parsed
    "seals file not included, not seals": (
        lambda d: (d / "ledger/seals.beancount").write_text("this is not beancount\n"),
        "ledger/seals.beancount", "is not included by the ledger and holds other than seal"),
    "seals file not included, an option": (
        lambda d: (d / "ledger/seals.beancount").write_text('option "title" "Other books"\n'),
        "ledger/seals.beancount", "is not included by the ledger and holds other than seal"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_seals_path_is_refused_before_anything_is_written(name, tmp_path):
    setup, path, why = HOSTILE[name]
    ledger = write_ledger(tmp_path, CLEAN)
    (tmp_path / "ledger").mkdir()
    (tmp_path / "elsewhere").mkdir()
    setup(tmp_path)
    before = tree(tmp_path)
    try:
        result = seal(ledger)
        assert result.exit_code == 2, result.output + result.stderr
        assert f"{path}: {why}" in result.stderr and "nothing was written" in result.stderr
        assert tree(tmp_path) == before
    finally:
        if (tmp_path / "ledger").is_dir() and not (tmp_path / "ledger").is_symlink():
            (tmp_path / "ledger").chmod(0o755)
    assert Path("/etc/passwd").read_text().count("aipo-seal") == 0


def test_a_seals_file_an_interrupted_seal_left_unincluded_is_sealed_into(tmp_path):
    """An interrupted seal appends its entry before the include line: the file then holds
    seal entries only (or nothing but comments), and the next seal includes it."""
    ledger = write_ledger(tmp_path, CLEAN)
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "seals.beancount").write_text("; the period seals\n")
    result = seal(ledger)
    assert result.exit_code == 0, result.output + result.stderr
    assert 'include "ledger/seals.beancount"' in ledger.read_text()


def test_a_fifo_seals_file_never_hangs_the_seal(tmp_path):
    ledger = write_ledger(tmp_path, CLEAN)
    (tmp_path / "ledger").mkdir()
    os.mkfifo(tmp_path / "ledger" / "seals.beancount")
    before = tree(tmp_path)
    done = subprocess.run([sys.executable, "-c", "from aipo_budget.cli import main; main()",
                           "seal", str(ledger), "--through", "2006", "--by", "A. Auditor",
                           "--rules", str(RULES), "-q"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "ledger/seals.beancount: is not a regular file" in done.stderr
    assert tree(tmp_path) == before


@pytest.mark.parametrize("by", ["\u200b", " \u200b\u00a0\ufeff ", "\u2060"])
def test_by_must_be_a_name_once_normalised(by, tmp_path):
    ledger = write_ledger(tmp_path, CLEAN)
    before = tree(tmp_path)
    result = seal(ledger, by=by)
    assert result.exit_code == 2, result.output + result.stderr
    assert "--by" in result.stderr and "must be a name" in result.stderr
    assert tree(tmp_path) == before


def test_by_is_recorded_normalised(tmp_path):
    ledger = write_ledger(tmp_path, CLEAN)
    result = seal(ledger, by="\uff21.\u00a0Audi\u200btor ")  # fullwidth A, NBSP, zero-width
    assert result.exit_code == 0, result.output + result.stderr
    text = (tmp_path / "ledger" / "seals.beancount").read_text(encoding="utf-8")
    assert '2006-12-31 custom "aipo-seal" "A. Auditor"' in text


def test_a_seal_refused_for_its_findings_leaves_nothing(tmp_path):
    ledger = write_ledger(tmp_path, CLEAN.replace("4000.00", "6000.00"))  # one approver
    before = tree(tmp_path)
    result = seal(ledger)
    assert result.exit_code == 1, result.output + result.stderr
    assert tree(tmp_path) == before  # no ledger/ folder, no lock


def test_a_seal_leaves_no_lock_and_a_refused_one_leaves_the_folder_as_it_was(tmp_path):
    ledger = write_ledger(tmp_path, CLEAN)
    assert seal(ledger).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "ledger").iterdir()) == ["seals",
                                                                       "seals.beancount"]
    ledger.write_text(ledger.read_text().replace("4000.00", "6000.00"))
    before = tree(tmp_path)
    assert seal(ledger).exit_code == 1
    assert tree(tmp_path) == before


def test_a_read_only_ledger_file_is_refused_when_its_include_line_is_due(tmp_path):
    ledger = write_ledger(tmp_path, CLEAN)
    ledger.chmod(0o444)
    before = tree(tmp_path)
    result = seal(ledger)
    assert result.exit_code == 2, result.output + result.stderr
    assert "main.beancount: is read-only" in result.stderr
    assert tree(tmp_path) == before


def test_a_ledger_in_a_linked_folder_is_sealed(tmp_path):
    (tmp_path / "real").mkdir()
    write_ledger(tmp_path / "real", CLEAN)
    (tmp_path / "books").symlink_to(tmp_path / "real", target_is_directory=True)
    result = seal(tmp_path / "books" / "main.beancount")
    assert result.exit_code == 0, result.output + result.stderr
    assert (tmp_path / "real" / "ledger" / "seals.beancount").is_file()


@pytest.mark.parametrize("fails", ["append", "include_line"])
def test_a_seal_that_fails_once_writing_has_begun_leaves_the_tree_as_it_was(
        tmp_path, monkeypatch, fails):
    """The disk fills (or a file cannot be written) after the seal's record is written, while
    the seal entry or the include line is: the record, the seals' file and the ledger are as
    before the run, and the message names the file; no check then reports a record left
    without its seal."""
    from aipo_budget.cli import seal as seal_command
    ledger = write_ledger(tmp_path, CLEAN)
    before = tree(tmp_path)
    real = getattr(seal_command, fails)

    def full(*args, **kwargs):
        written = list((tmp_path / "ledger" / "seals").glob("*.tsv"))  # the record is
        if not written or (fails == "append" and args[0].endswith("seals.beancount")):
            return real(*args, **kwargs)  # ... then the ledger's include line fails
        raise OSError(28, "No space left on device", str(ledger))

    monkeypatch.setattr(seal_command, fails, full)
    result = seal(ledger)
    assert result.exit_code == 2, result.output
    assert f"{ledger.name}: cannot write the seal: No space left on device; nothing was " \
        "sealed" in result.stderr
    assert {path: found for path, found in tree(tmp_path).items()
            if not path.endswith(".seals.lock")} == before
    monkeypatch.undo()
    check = CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(RULES), "-q"])
    assert check.exit_code == 0, check.output


def test_a_name_that_is_no_utf8_text_is_refused_before_anything_is_written(tmp_path):
    ledger = write_ledger(tmp_path, CLEAN)
    before = tree(tmp_path)
    result = seal(ledger, by="Ann \udcff")
    assert result.exit_code == 2
    assert "is not UTF-8 text" in result.output
    assert tree(tmp_path) == before


def test_a_huge_file_among_the_seals_records_is_said_not_read_into_memory(tmp_path):
    """A sparse file of 2 TiB in ledger/seals: check reads no file whole beyond MAX_READ, and
    says the record is there without its seal (it was an internal error, MemoryError)."""
    ledger = write_ledger(tmp_path, CLEAN)
    (tmp_path / "ledger" / "seals").mkdir(parents=True)
    with open(tmp_path / "ledger" / "seals" / "junk.tsv", "wb") as huge:
        huge.truncate(2 << 40)
    result = CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(RULES), "-q",
                                      "--no-cache", "-f", "lines"])
    assert result.exit_code == 1, result.output
    assert "seal of an unknown date removed: its record ledger/seals/junk.tsv remains" \
        in result.output


def test_a_seal_made_is_a_success_whatever_became_of_the_standard_output(tmp_path):
    """seal ... | head -0: the seal is written; what it wrote is said on standard error, so
    a reader gone from standard output does not make it exit 2 and be sealed a second time."""
    ledger = write_ledger(tmp_path, CLEAN)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-c", "from aipo_budget.cli import main; main()",
                               "seal", str(ledger), "--through", "2006", "--by", "A. Auditor",
                               "--rules", str(RULES)], stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith(f"Sealed {ledger} through 2006-12-31 by A. Auditor")

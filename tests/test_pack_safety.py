"""The audit pack never destroys: it replaces only an exact previous pack, the old or the new
pack is at the target at every instant (the writer is killed at each step), and it reads
evidence only when that is safe (no FIFO opened, nothing outside the documents folders)."""

from __future__ import annotations

import ctypes
import datetime
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import sys
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from aipo_budget.outputs import pack
from aipo_budget.cli import cli
from aipo_budget.cli import report as report_command
from aipo_budget.cli.session import Loaded, run_audit
from aipo_budget.outputs.pack import files, swap
from aipo_budget.outputs.tables import TABLE_NAMES
from conftest import ROOT, RULES, ChildRun, run_in_child

OLD, NEW = "2006-06-30", "2006-12-31"  # the as-of dates of the previous and the new pack
PACK_FILES = ({f"{name}.{ext}" for name in TABLE_NAMES for ext in ("csv", "md")}
              | {"index.html", "tables.xlsx", "entries.tsv"})
STEPS = ["staging created",
         *[f"written {name}.{ext}" for name in TABLE_NAMES for ext in ("csv", "md")],
         "written index.html", "written tables.xlsx", "evidence copied", "manifest written", "before exchange",
         "after exchange", "old removed"]
RESEARCH = Path("documents/Expenses/Projects/Trafficking-Roadmap/Research")

def copy_ledger(folder: Path) -> Path:
    """The shipped ledger and its evidence copied to ``folder``, the tests' rules beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "main.beancount", folder / "main.beancount")
    for name in ("ledger", "documents"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copytree(RULES, folder / "rules")
    return folder / "main.beancount"


@pytest.fixture(scope="module")
def shared_ledger(tmp_path_factory) -> Path:
    """A copy no test changes."""
    return copy_ledger(tmp_path_factory.mktemp("ledger"))


@pytest.fixture(scope="module")
def old_pack(shared_ledger, tmp_path_factory) -> Path:
    """The pack of the shared ledger as of OLD, written once: :func:`previous_pack` puts a
    copy of it, byte for byte, at each test's target."""
    out = tmp_path_factory.mktemp("old") / "pack"
    written(shared_ledger, out, OLD)  # with the run's settings (conftest.run_settings)
    assert complete_pack(out) == OLD
    return out


@pytest.fixture(scope="module")
def shared_audit(shared_ledger) -> Loaded:
    """What ``report --as-of NEW`` reads of the shared ledger and audits, made once: a run
    killed in a child starts from it instead of reading again the ledger no test changes
    (what is killed is the writing of the pack, which comes after). Each child has a copy of
    its own (fork), so none can change it for the next; the run after the killed one, in
    this process, reads the ledger as any run does."""
    return run_audit(str(shared_ledger), None, datetime.date.fromisoformat(NEW))


def previous_pack(old_pack: Path, out: Path) -> None:
    """An exact previous pack (as of OLD) at ``out``: the same files with the same bytes as
    the run that wrote ``old_pack`` left, which is all a pack's check of the previous pack
    compares (the files its manifest lists, by SHA-256, and nothing else)."""
    shutil.copytree(old_pack, out)
    assert tree(out) == tree(old_pack)


@pytest.fixture
def own_ledger(tmp_path) -> Path:
    """A copy this test may change."""
    return copy_ledger(tmp_path / "books")


def report(ledger: Path, out: Path | str, as_of: str = NEW):
    return CliRunner().invoke(cli, ["report", str(ledger), "--as-of", as_of, "-o", str(out)])


def written(ledger: Path, out: Path, as_of: str = NEW) -> None:
    result = report(ledger, out, as_of)
    assert result.exit_code == 0, result.output


def kill_at(step: str, how: str, ledger: Path, out: Path, no_exchange: bool = False,
            as_of: str = NEW, audit: Loaded | None = None) -> ChildRun:
    """The report run in a process of its own, which sends itself the signal ``how`` when
    it reaches ``step``; given ``audit`` (:func:`shared_audit`), it reads no ledger again."""
    def hooks() -> None:  # in the child
        def reached(now: str) -> None:
            if now == step:
                os.kill(os.getpid(), getattr(signal, how))

        files._reached = reached
        if no_exchange:
            swap._renameat2 = lambda: None
        if audit is not None:
            reuse(audit)

    return run_in_child(["report", str(ledger), "--as-of", as_of, "-o", str(out)], out.parent,
                        hooks)


def reuse(audit: Loaded) -> None:
    """``report`` given ``audit`` when it would read the same ledger as of the same day with
    the rules beside it; any other run reads its ledger."""
    real = report_command.run_audit
    assert real is run_audit, "report no longer audits by session.run_audit"

    def audited(ledger: str, rules: str | None, as_of: datetime.date | None) -> Loaded:
        if (ledger, rules, as_of) == (audit.ledger, None, audit.as_of):
            return audit
        return real(ledger, rules, as_of)

    report_command.run_audit = audited


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def complete_pack(folder: Path) -> str:
    """The as-of date of the pack at ``folder``, after checking it is whole: every file the
    manifest lists, with its SHA-256, and nothing else."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {item["path"]: item["sha256"] for item in manifest["outputs"]}
    present = {p.relative_to(folder).as_posix(): sha(p) for p in folder.rglob("*")
               if p.is_file() and p.name != "manifest.json"}
    assert present == listed
    copies = {path for path in listed if path.startswith("evidence/")}
    assert set(listed) - copies == PACK_FILES
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert copies == {unquote(link) for link in re.findall(r'href="([^"]+)"', page)}
    return manifest["settings"]["as_of"]


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha(p) if p.is_file() else "folder"
            for p in sorted(folder.rglob("*"))}


def staging_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if ".aipo-staging." in p.name)


# --- what the manifest records -------------------------------------------------------------


def test_the_manifest_lists_every_file_written_with_its_sha256(shared_ledger, tmp_path):
    out = tmp_path / "pack"
    written(shared_ledger, out)
    assert complete_pack(out) == NEW
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "manifest.json" not in {item["path"] for item in manifest["outputs"]}
    assert manifest["evidence_left_out"] == []
    evidence = {item["path"]: item["sha256"] for item in manifest["inputs"]["evidence"]}
    assert len(evidence) >= 13
    for path, digest in evidence.items():
        assert sha(shared_ledger.parent / path) == digest
    # the 13 files the register cites are copied, each the file that was hashed
    copies = [item for item in manifest["outputs"] if item["path"].startswith("evidence/")]
    assert len(copies) == 13
    for item in copies:
        assert item["sha256"] == evidence[item["source"]] == sha(out / item["path"])


def test_a_normal_run_passes_every_step_the_kill_tests_cover(shared_ledger, tmp_path,
                                                             monkeypatch):
    steps: list[str] = []
    monkeypatch.setattr(files, "_reached", steps.append)
    out = tmp_path / "pack"
    written(shared_ledger, out, OLD)
    written(shared_ledger, out)
    assert steps == STEPS * 2


# --- only an exact previous pack is replaced -----------------------------------------------


def test_an_exact_previous_pack_is_replaced(shared_ledger, old_pack, tmp_path):
    out = tmp_path / "pack"
    previous_pack(old_pack, out)
    (out / "budget.csv").unlink()  # a file of the pack gone destroys nothing more
    written(shared_ledger, out)
    assert complete_pack(out) == NEW
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]


@pytest.mark.parametrize("change, named, why", [
    ("add notes.txt", "notes.txt", "not part of the previous audit pack"),
    ("add sub/notes.txt", "sub/notes.txt", "not part of the previous audit pack"),
    ("add empty sub", "sub", "not part of the previous audit pack"),
    ("append to budget.csv", "budget.csv", "changed since the audit pack was written"),
    ("link budget.csv", "budget.csv", "not part of the previous audit pack"),
    ("drop outputs", "manifest.json", "written by an older aipo-budget"),
    ("foreign manifest", "manifest.json", "not the manifest of an aipo-budget audit pack"),
    ("no manifest", "budget.csv", "not part of an audit pack"),
])
def test_anything_else_is_refused_naming_the_file(shared_ledger, old_pack, tmp_path, change,
                                                  named, why):
    out = tmp_path / "pack"
    previous_pack(old_pack, out)
    manifest = out / "manifest.json"
    if change == "add notes.txt":
        (out / "notes.txt").write_text("the auditor's notes")
    elif change == "add sub/notes.txt":
        (out / "sub").mkdir()
        (out / "sub" / "notes.txt").write_text("the auditor's notes")
    elif change == "add empty sub":
        (out / "sub").mkdir()
    elif change == "append to budget.csv":
        with (out / "budget.csv").open("a") as handle:
            handle.write("a correction\n")
    elif change == "link budget.csv":
        (tmp_path / "kept.csv").write_bytes((out / "budget.csv").read_bytes())
        (out / "budget.csv").unlink()
        (out / "budget.csv").symlink_to(tmp_path / "kept.csv")
    elif change == "drop outputs":  # as an older aipo-budget wrote it
        content = json.loads(manifest.read_text())
        del content["outputs"]
        manifest.write_text(json.dumps(content))
    elif change == "foreign manifest":
        manifest.write_text('{"tool": "something-else", "outputs": []}')
    else:
        manifest.unlink()
    before = tree(tmp_path)
    result = report(shared_ledger, out)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"{os.path.join(str(out), *named.split('/'))}: {why}")
    assert "nothing was replaced" in line
    assert tree(tmp_path) == before


def test_a_file_added_to_the_old_pack_during_the_run_is_kept(shared_ledger, old_pack,
                                                             tmp_path, monkeypatch):
    """The old pack is checked again once moved aside: what was added since is not lost."""
    out = tmp_path / "pack"
    previous_pack(old_pack, out)

    def add_a_file(step: str) -> None:
        if step == "before exchange":
            (out / "late.txt").write_text("written while the pack was being made")

    monkeypatch.setattr(files, "_reached", add_a_file)
    result = report(shared_ledger, out)
    assert result.exit_code == 2, result.output
    assert "late.txt: not part of the previous audit pack; nothing was replaced" in result.stderr
    assert (out / "late.txt").read_text() == "written while the pack was being made"
    (out / "late.txt").unlink()
    assert complete_pack(out) == OLD
    assert staging_folders(out) == []


def test_an_empty_output_path_is_refused(shared_ledger, tmp_path):
    result = report(shared_ledger, "")
    assert result.exit_code == 2, result.output
    assert "empty path" in result.stderr
    with pytest.raises(pack.PackError, match="empty output path"):
        pack._target("")


def test_an_output_path_that_is_a_file_is_refused(shared_ledger, tmp_path):
    out = tmp_path / "pack"
    out.write_text("keep me")
    result = report(shared_ledger, out)
    assert result.exit_code == 2, result.output
    assert out.read_text() == "keep me"
    # the pack's own check, for a file that appears after click looked
    with pytest.raises(pack.PackError, match="exists and is not a folder; nothing was replaced"):
        pack._target(str(out))


@pytest.mark.parametrize("inside", ["ledger/seals", "rules/pack", "documents/pack",
                                    "ledger/approvals/pack"])
def test_a_pack_among_what_the_audit_reads_is_refused(own_ledger, inside):
    """A pack in the seals' records folder was an entries.tsv read as a seal's record (every
    later check: "seal removed"); in the rules, documents or approvals folder, files read as
    the books'. Refused before anything is written, as --output-file is."""
    books = own_ledger.parent
    before = tree(books)
    result = report(own_ledger, books / inside)
    assert result.exit_code == 2, result.output
    assert f"{books / inside}: is in " in result.stderr
    assert "a folder the audit reads: the audit pack goes in a folder of its own" in result.stderr
    assert tree(books) == before
    assert CliRunner().invoke(cli, ["check", str(own_ledger)]).exit_code == 0


# --- the old or the new pack, at every instant ----------------------------------------------


@pytest.mark.parametrize("step", STEPS)
def test_killed_at_any_step_the_old_or_the_new_pack_is_there(shared_ledger, old_pack,
                                                             shared_audit, tmp_path, step):
    out = tmp_path / "pack"
    previous_pack(old_pack, out)
    killed = kill_at(step, "SIGKILL", shared_ledger, out, audit=shared_audit)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    swapped = STEPS.index(step) >= STEPS.index("after exchange")
    assert complete_pack(out) == (NEW if swapped else OLD)
    # a killed run leaves its staging folder (the next run's to remove) until it is done
    assert len(staging_folders(out)) == (0 if step == "old removed" else 1)
    written(shared_ledger, out)
    assert complete_pack(out) == NEW
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]


@pytest.mark.parametrize("how", ["SIGTERM", "SIGINT"])
@pytest.mark.parametrize("step", ["written budget.csv", "before exchange", "old moved away"])
def test_a_signal_before_the_new_pack_is_in_keeps_the_old_one(shared_ledger, old_pack,
                                                               shared_audit, tmp_path, step,
                                                               how):
    """Without RENAME_EXCHANGE the old pack is moved away for a moment: a signal then puts it
    back, and the signal then has its usual effect."""
    out = tmp_path / "pack"
    previous_pack(old_pack, out)
    stopped = kill_at(step, how, shared_ledger, out, no_exchange=True, audit=shared_audit)
    if how == "SIGTERM":
        assert stopped.returncode == -signal.SIGTERM, stopped.stderr
    else:  # KeyboardInterrupt: 130, as a shell reports a command stopped by Ctrl-C
        assert stopped.returncode == 130, stopped.stderr
        assert "Traceback" not in stopped.stderr
    assert complete_pack(out) == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]


def test_the_fallback_killed_between_its_renames_is_undone_by_the_next_run(shared_ledger,
                                                                          old_pack,
                                                                          shared_audit,
                                                                          tmp_path):
    out = tmp_path / "pack"
    previous_pack(old_pack, out)
    killed = kill_at("old moved away", "SIGKILL", shared_ledger, out, no_exchange=True,
                     audit=shared_audit)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not out.exists()  # the one window the fallback cannot close against SIGKILL
    pack.sweep(out)
    assert complete_pack(out) == OLD
    assert staging_folders(out) == []
    written(shared_ledger, out)
    assert complete_pack(out) == NEW


def test_the_fallback_replaces_an_old_pack(shared_ledger, old_pack, tmp_path, monkeypatch):
    monkeypatch.setattr(swap, "_renameat2", lambda: None)
    steps: list[str] = []
    monkeypatch.setattr(files, "_reached", steps.append)
    out = tmp_path / "pack"
    previous_pack(old_pack, out)
    written(shared_ledger, out)
    assert complete_pack(out) == NEW
    assert "old moved away" in steps
    assert [p.name for p in tmp_path.iterdir()] == ["pack"]


@pytest.mark.parametrize("code", [errno.EINVAL, errno.ENOSYS, errno.ENOTSUP])
def test_no_exchange_on_this_file_system_means_the_fallback(tmp_path, monkeypatch, code):
    def refuses(*_args: object) -> int:
        ctypes.set_errno(code)
        return -1

    monkeypatch.setattr(swap, "_renameat2", lambda: refuses)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert swap._exchange(tmp_path / "a", tmp_path / "b") is False


def test_no_renameat2_in_libc_means_the_fallback(tmp_path, monkeypatch):
    monkeypatch.setattr(swap.ctypes, "CDLL", lambda *_args, **_kwargs: object())
    assert swap._renameat2() is None
    assert swap._exchange(tmp_path / "a", tmp_path / "b") is False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_the_exchange_swaps_two_folders(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one").write_text("1")
    (tmp_path / "b").mkdir()
    assert swap._exchange(tmp_path / "a", tmp_path / "b") is True
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["one"]
    assert list((tmp_path / "a").iterdir()) == []


def test_the_sweep_removes_only_marked_staging_folders_not_in_use(tmp_path):
    target = tmp_path / "pack"
    stale = tmp_path / ".pack.aipo-staging.dead"  # left by a killed run
    stale.mkdir()
    (stale / swap.MARKER).write_bytes(swap.MARKER_TEXT)
    (stale / "pack").mkdir()
    unmarked = tmp_path / ".pack.aipo-staging.someone-elses"
    unmarked.mkdir()
    (unmarked / "data").write_text("not ours")
    wrong = tmp_path / ".pack.aipo-staging.wrong-marker"
    wrong.mkdir()
    (wrong / swap.MARKER).write_text("something else")
    other = tmp_path / ".other.aipo-staging.x"  # another target's
    other.mkdir()
    (other / swap.MARKER).write_bytes(swap.MARKER_TEXT)
    live = swap._make_staging(target)  # a run still writing holds its marker's lock
    try:
        pack.sweep(target)
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [unmarked.name, wrong.name, other.name, live.path.name])
        assert (unmarked / "data").read_text() == "not ours"
    finally:
        swap._discard(live)
    assert not live.path.exists()


# --- evidence read safely ------------------------------------------------------------------


@pytest.fixture
def deadline():
    """A test that would block forever (opening a FIFO) fails instead."""
    def expired(*_args: object) -> None:
        raise TimeoutError("blocked: the pack opened something it should not have")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def add_document(ledger: Path, relative: str) -> None:
    with ledger.open("a", encoding="utf-8") as handle:
        handle.write(f'\n2006-07-01 document Expenses:Projects:Trafficking-Roadmap:Research '
                     f'"{relative}"\n')


def left_out(out: Path) -> dict[str, str]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {item["path"]: item["why"] for item in manifest["evidence_left_out"]}


def test_a_fifo_among_the_evidence_is_left_out_never_opened(own_ledger, tmp_path):
    fifo = own_ledger.parent / RESEARCH / "2006-07-01.minutes.pdf"
    os.mkfifo(fifo)
    add_document(own_ledger, str(RESEARCH / "fifo-evidence.pdf"))
    os.mkfifo(own_ledger.parent / RESEARCH / "fifo-evidence.pdf")
    out = tmp_path / "pack"
    # a process of its own, ended after 120 s (run_in_child's alarm): opening a FIFO without
    # a writer would block for ever
    finished = run_in_child(["report", str(own_ledger), "--as-of", NEW, "-o", str(out)])
    assert finished.returncode == 0, finished.stderr
    assert complete_pack(out) == NEW
    assert left_out(out) == {str(RESEARCH / "2006-07-01.minutes.pdf"): "not a regular file",
                             str(RESEARCH / "fifo-evidence.pdf"): "not a regular file"}


def test_a_fifo_swapped_in_after_the_check_does_not_block(tmp_path, deadline):
    fifo = tmp_path / "evidence.pdf"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="replaced while the pack was written"):
        files._digest(str(fifo), os.stat(fifo))


def test_evidence_leading_outside_the_documents_folders_is_left_out(own_ledger, tmp_path,
                                                                   deadline):
    secret = tmp_path / "secret.txt"
    secret.write_text("the p4ssw0rd of the payroll")
    link = own_ledger.parent / RESEARCH / "2006-07-02.outside.pdf"
    link.symlink_to(secret)
    add_document(own_ledger, str(secret))  # a Document entry naming it directly
    out = tmp_path / "pack"
    written(own_ledger, out)
    assert left_out(out) == {str(RESEARCH / "2006-07-02.outside.pdf"):
                             "outside the documents folders",
                             str(secret): "outside the documents folders"}
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert sha(secret) not in manifest
    assert all(b"p4ssw0rd" not in p.read_bytes() for p in out.rglob("*") if p.is_file())


def test_unreadable_evidence_stops_the_pack_naming_the_file(own_ledger, old_pack, tmp_path,
                                                            monkeypatch):
    """Tests may run as root, whom chmod 000 does not stop: then the open is made to fail
    as it would for anyone else. The previous pack is the shared ledger's: own_ledger is a
    copy of it, and a pack's check of the previous pack compares only the files it wrote."""
    out = tmp_path / "pack"
    previous_pack(old_pack, out)
    before = tree(tmp_path / "pack")
    evidence = own_ledger.parent / RESEARCH / "2006-02-15.consultancy-contract.pdf"
    evidence.chmod(0)
    try:
        if os.access(evidence, os.R_OK):  # root
            real_open = files._open_readonly

            def denied(path: str) -> int:
                if os.path.realpath(path) == str(evidence.resolve()):
                    raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
                return real_open(path)

            monkeypatch.setattr(files, "_open_readonly", denied)
        result = report(own_ledger, out)
    finally:
        evidence.chmod(0o644)
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.endswith(f"{RESEARCH / evidence.name}: cannot read this evidence file "
                         "(Permission denied); nothing was replaced")
    assert tree(tmp_path / "pack") == before
    assert staging_folders(out) == []


def test_evidence_that_does_not_exist_is_listed_as_left_out(own_ledger, tmp_path):
    add_document(own_ledger, str(RESEARCH / "2006-07-03.never-filed.pdf"))
    out = tmp_path / "pack"
    written(own_ledger, out)
    assert left_out(out) == {str(RESEARCH / "2006-07-03.never-filed.pdf"): "does not exist"}

"""The bad-input corpus (issue 8, section 6): hostile inputs as data, and the hash test.

Each ``[[case]]`` of the ``*.toml`` files beside this module is one hostile input: a ledger
(``tests/conftest.py``'s PRELUDE, standard outflows built from ``[[case.outflow]]`` and a
fragment), edits to a copy of the tests' rules (``tests/rules``), extra files and file-system
faults, the command line after ``aipo-budget``, and what must come out: the exit status and message
patterns, or the finding kinds of ``check --format json``. See ``README.md`` here for the
fields. Every case also asserts: no traceback, no "internal error", exit status not 3, and the
ledger and rules trees byte-identical afterwards with nothing created in them.

A case runs in-process with click's CliRunner, except where a real process is needed: the
standard output on /dev/full or a closed pipe (the console script is run), or a FIFO that would
block an in-process run (the command runs in a child forked from the test's process, ended by
an alarm if it blocks: see conftest.run_in_child). A file made unreadable is ``chmod 000``;
when the tests run as root, who reads everything, the refusal is simulated in-process instead
(see :func:`denied`).
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import datetime
import errno
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import tomllib
import traceback
from pathlib import Path
from typing import Any, Iterator

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from conftest import PRELUDE, RULES, run_in_child, settle, settle_quickly, write_ledger

HERE = Path(__file__).resolve().parent
SHIPPED = HERE.parent.parent
FORBIDDEN = (r"Traceback \(most recent call last\)", r"internal error", r"this is a bug")
TIMEOUT = 120  # seconds for a real process; a hang (FIFO read) fails instead of blocking

# The standard outflow of a case, every field overridable by [[case.outflow]]; metadata values
# are written into the ledger as they are (quote them in the TOML: '"Finance Officer"'); an
# empty value leaves the key out.
OUTFLOW = {
    "_date": "2006-02-15", "_payee": "Kingdom Consultancy", "_narration": "Research consultant",
    "_account": "Expenses:Projects:Trafficking-Roadmap:Research", "_amount": "1000.00 USD",
    "_from": "Assets:Surplus-Fund:Bank",
    "resolution": '"26GA/2005/Soc/03"', "prepared-by": '"Finance Officer"',
    "approved-by": '"Executive Director"', "document": '"{_date}.evidence.pdf"',
}
# Paid by the partner: the surplus share of the project stays far under its cap.
COFUNDING = """
2006-06-20 * "Partner" "Translation paid directly by the partner"
  Expenses:Projects:Trafficking-Roadmap:Translation   20000.00 USD
  Income:Co-Funding:Partner
"""


def load_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(HERE.glob("*.toml")):
        with path.open("rb") as handle:
            cases.extend(tomllib.load(handle)["case"])
    return cases


CASES = load_cases()


# --- building a case -------------------------------------------------------------------------


@dataclasses.dataclass
class Place:
    """Where a case lives: ROOT/ledger (the ledger folder), ROOT/rules, ROOT/out, ..."""

    root: Path
    tokens: dict[str, str]
    # files an "unreadable" step denies in-process (tests run as root: see denied())
    unreadable: list[Path] = dataclasses.field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.root / "ledger"

    @property
    def rules(self) -> Path:
        return self.root / "rules"

    def fill(self, text: str) -> str:
        for token, value in self.tokens.items():
            text = text.replace("{" + token + "}", value)
        return text

    def pattern(self, text: str) -> re.Pattern[str]:
        for token, value in self.tokens.items():
            text = text.replace("{" + token + "}", re.escape(value))
        return re.compile(text, re.I | re.M)

    def path(self, relative: str) -> Path:
        filled = self.fill(relative)
        return Path(filled) if os.path.isabs(filled) else self.root / filled


def make_place(root: Path) -> Place:
    today = datetime.date.today()
    place = Place(root, {})
    place.tokens = {
        "NEXT_WEEK": (today + datetime.timedelta(days=7)).isoformat(),
        "TODAY": today.isoformat(),
        "LEDGER": str(root / "ledger" / "main.beancount"),
        "DIR": str(root / "ledger"),
        "RULES": str(root / "rules"),
        "OUT": str(root / "out"),
        "CACHE": str(root / "cache"),  # the case's own aipo-budget cache (see the test)
        "ROOT": str(root),
        "DIGITS": "9" * 10_000,  # a number past int()'s 4,300 digits
    }
    return place


def beancount_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def outflow_text(fields: dict[str, Any]) -> str:
    merged = {**OUTFLOW, **fields}
    lines = [f"{merged['_date']} * {beancount_string(merged['_payee'])} "
             f"{beancount_string(merged['_narration'])}"]
    for key, value in merged.items():
        if not key.startswith("_") and value != "":
            lines.append(f"  {key}: {str(value).replace('{_date}', merged['_date'])}")
    lines.append(f"  {merged['_account']}   {merged['_amount']}")
    lines.append(f"  {merged['_from']}")
    return "\n".join(lines) + "\n"


def ledger_text(case: dict[str, Any], place: Place) -> str:
    outflows = case.get("outflow", [])
    if isinstance(outflows, dict):
        outflows = [outflows]
    parts = [outflow_text({k: place.fill(str(v)) for k, v in o.items()}) for o in outflows]
    if outflows and case.get("cofunding", True):
        parts.append(COFUNDING)
    parts.append(place.fill(case.get("ledger", "")))
    return "\n".join(parts)


def write_file(path: Path, spec: Any, place: Place) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(spec, str):
        path.write_text(place.fill(spec), encoding="utf-8")
    elif "hex" in spec:
        path.write_bytes(bytes.fromhex(spec["hex"]))
    elif "parts" in spec:  # [[text, times], ...]: e.g. nesting thousands of levels deep
        path.write_text("".join(text * times for text, times in spec["parts"]),
                        encoding="utf-8")
    else:  # {text, encoding}: e.g. latin-1, to be a file that is not UTF-8
        path.write_bytes(place.fill(spec["text"]).encode(spec["encoding"]))


def _write(op: dict[str, Any], path: Path, place: Place) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a" if op["op"] == "append" else "w", encoding="utf-8") as handle:
        handle.write(place.fill(op["text"]))


def _replace(op: dict[str, Any], path: Path, place: Place) -> None:
    text = path.read_text(encoding="utf-8")
    find = place.fill(op["find"])
    assert find in text, f"corpus error: {op['find']!r} not in {path}"
    path.write_text(text.replace(find, place.fill(op["replace"])), encoding="utf-8")


def _swap(op: dict[str, Any], path: Path, place: Place) -> None:
    """remove, symlink or fifo: what was at ``path`` goes, and the new kind of file comes."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if op["op"] == "symlink":
        os.symlink(place.fill(op["target"]), path)
    elif op["op"] == "fifo":
        os.mkfifo(path)


def _unreadable(op: dict[str, Any], path: Path, place: Place) -> None:
    if os.geteuid() == 0:
        place.unreadable.append(path)  # root reads a 000 file: denied() refuses it instead
    else:
        path.chmod(0)


OPS = {
    "write": _write, "append": _write, "replace": _replace,
    "mkdir": lambda op, path, place: path.mkdir(parents=True, exist_ok=True),
    "chmod": lambda op, path, place: path.chmod(int(op["mode"], 8)),
    "remove": _swap, "symlink": _swap, "fifo": _swap, "unreadable": _unreadable,
}


def apply(op: dict[str, Any], place: Place) -> None:
    """One file-system step of a case's ``setup`` or ``after_pre``; a path with ``*`` is a
    glob, the step done on each file it matches (at least one)."""
    if "*" in op["path"]:
        matches = sorted(place.root.glob(place.fill(op["path"])))
        assert matches, f"corpus error: {op['path']!r} matches nothing"
        for match in matches:
            apply({**op, "path": str(match)}, place)
        return
    assert op["op"] in OPS, f"corpus error: unknown op {op['op']!r}"
    OPS[op["op"]](op, place.path(op["path"]), place)


def build(case: dict[str, Any], place: Place) -> None:
    place.root.mkdir(parents=True, exist_ok=True)
    place.folder.mkdir()
    (place.root / "outside").mkdir()
    if case.get("prelude", True) or case.get("ledger") or case.get("outflow"):
        prelude = PRELUDE if case.get("prelude", True) else ""
        write_ledger(place.folder, ledger_text(case, place), prelude=prelude)
    if case.get("rules", "copy") == "copy":
        shutil.copytree(RULES, place.rules)
    for edit in case.get("rules_edit", []):
        target = place.rules / edit["file"]
        text = target.read_text(encoding="utf-8")
        find = place.fill(edit["find"])
        assert find in text, f"corpus error: {edit['find']!r} not in {edit['file']}"
        target.write_text(text.replace(find, place.fill(edit["replace"])), encoding="utf-8")
    for name, spec in case.get("files", {}).items():
        write_file(place.path(name), spec, place)
    for op in case.get("setup", []):
        apply(op, place)


# --- running a case --------------------------------------------------------------------------


@dataclasses.dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"exit {self.status}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


def in_process(args: list[str]) -> Outcome:
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    stderr = result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        # what main() would turn into "internal error" (exit 3): show the traceback here
        stderr += "internal error (in-process):\n" + "".join(
            traceback.format_exception(result.exception))
        return Outcome(3, result.stdout, stderr)
    return Outcome(result.exit_code, result.stdout, stderr)


def console_script() -> str:
    found = Path(sys.executable).parent / "aipo-budget"
    script = str(found) if found.exists() else shutil.which("aipo-budget")
    assert script, "the aipo-budget console script is not installed (pip install -e .)"
    return script


def in_process_of_its_own(args: list[str], stdout: str, cwd: Path) -> Outcome:
    """Run the console script: stdout to a pipe, /dev/full, or a pipe closed by the reader."""
    command = [console_script(), *args]
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        if stdout == "closed":
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, cwd=cwd)
            assert process.stdout is not None
            process.stdout.close()  # the reader has gone before the first byte
            status = process.wait(timeout=TIMEOUT)
        elif stdout == "full":
            with open("/dev/full", "w") as full:
                status = subprocess.run(command, stdout=full, stderr=err, cwd=cwd,
                                        timeout=TIMEOUT).returncode
        else:
            status = subprocess.run(command, stdout=out, stderr=err, cwd=cwd,
                                    timeout=TIMEOUT).returncode
        err.seek(0)
        out.seek(0)
        return Outcome(status, out.read().decode("utf-8", "replace"),
                       err.read().decode("utf-8", "replace"))


def needs_console_script(case: dict[str, Any]) -> bool:
    """The case is about the process's own standard output (/dev/full, a closed pipe)."""
    return bool(case.get("process") or case.get("stdout"))


def needs_process(case: dict[str, Any]) -> bool:
    ops = case.get("setup", []) + case.get("after_pre", [])
    return needs_console_script(case) or any(op["op"] == "fifo" for op in ops)


def in_a_child(args: list[str], cwd: Path) -> Outcome:
    """Run the command in a process of its own, forked from this one: a FIFO it opens blocks
    only the child, which is ended after TIMEOUT seconds (killed by SIGALRM: the case fails)."""
    child = run_in_child(args, cwd, timeout=TIMEOUT)
    return Outcome(child.returncode, child.stdout, child.stderr)


@contextlib.contextmanager
def denied(paths: list[Path]) -> Iterator[None]:
    """Make ``paths`` unreadable to this process, as ``chmod 000`` does for anyone but root.

    The tests may run as root, whom file modes do not stop, and cannot drop to ``nobody``
    (the interpreter of the virtualenv lives under /root, which nobody cannot read). So every
    way the product opens or probes a file (``open``, ``io.open``, ``os.open``, ``os.access``)
    raises PermissionError(EACCES) or answers "no" for exactly these paths, and only while the
    case's command runs."""
    if not paths:
        yield
        return
    refused = {os.path.realpath(path) for path in paths}

    def is_refused(path: Any) -> bool:
        return isinstance(path, (str, bytes, os.PathLike)) and \
            os.path.realpath(os.fsdecode(path)) in refused

    def refuse(path: Any) -> PermissionError:
        return PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fsdecode(path))

    real_open, real_os_open, real_access = builtins.open, os.open, os.access

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if is_refused(file):
            raise refuse(file)
        return real_open(file, *args, **kwargs)

    def fake_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if kwargs.get("dir_fd") is None and is_refused(path):
            raise refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_access(path: Any, mode: int, *args: Any, **kwargs: Any) -> bool:
        if mode & (os.R_OK | os.W_OK | os.X_OK) and is_refused(path):
            return False
        return real_access(path, mode, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "open", fake_open)
        patch.setattr(io, "open", fake_open)  # pathlib opens through io.open
        patch.setattr(os, "open", fake_os_open)
        patch.setattr(os, "access", fake_access)
        yield


def run_case(case: dict[str, Any], place: Place, args: list[str], monkeypatch) -> Outcome:
    cwd = place.path(case["cwd"]) if "cwd" in case else place.root
    if needs_process(case):
        assert not place.unreadable, "corpus error: a simulated unreadable file needs in-process"
        if needs_console_script(case):
            return in_process_of_its_own(args, case.get("stdout", "pipe"), cwd)
        return in_a_child(args, cwd)
    monkeypatch.chdir(cwd)
    with denied(place.unreadable):
        return in_process(args)


# --- the hash test ---------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, tuple[Any, ...]]:
    """Every path under ``folder`` (symbolic links not followed): kind, mode and SHA-256."""
    found: dict[str, tuple[Any, ...]] = {}
    if not folder.exists():
        return found
    for top, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(top, name)
            info = os.lstat(path)
            key = os.path.relpath(path, folder)
            if stat.S_ISLNK(info.st_mode):
                found[key] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                found[key] = ("file", stat.S_IMODE(info.st_mode), _digest(path))
            else:
                found[key] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode))
    return found


def _digest(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError as exc:  # unreadable to a non-root test run: compare mode and size only
        return f"unreadable ({exc.errno}, {os.lstat(path).st_size} bytes)"


def assert_unchanged(before: dict[str, Any], after: dict[str, Any], where: str) -> None:
    created = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(p for p in set(before) & set(after) if before[p] != after[p])
    assert not (created or removed or changed), (
        f"{where} changed: created {created}, removed {removed}, changed {changed}")


def trees(place: Place) -> dict[str, Path]:
    return {"ledger folder": place.folder, "rules folder": place.rules}


# --- the expectations ------------------------------------------------------------------------


def check_common(outcome: Outcome, case: dict[str, Any], place: Place) -> None:
    assert outcome.status != 3, f"internal error\n{outcome}"
    for pattern in FORBIDDEN + tuple(case.get("absent", [])):
        match = place.pattern(pattern).search(outcome.text)
        assert match is None, f"{pattern!r} found: {match[0]!r}\n{outcome}"


def check_expected(outcome: Outcome, case: dict[str, Any], place: Place) -> None:
    expected = case["exit"]
    statuses = expected if isinstance(expected, list) else [expected]
    assert outcome.status in statuses, f"exit status {outcome.status}, expected {expected}\n" \
                                       f"{outcome}"
    messages = case.get("message", [])
    for pattern in [messages] if isinstance(messages, str) else messages:
        assert place.pattern(pattern).search(outcome.text), f"no {pattern!r}\n{outcome}"
    for count in case.get("counts", []):
        found = len(place.pattern(count["pattern"]).findall(outcome.text))
        assert count.get("min", 0) <= found <= count.get("max", found), \
            f"{count} found {found} times\n{outcome}"
    if "stderr_lines_max" in case:
        lines = [line for line in outcome.stderr.splitlines() if line.strip()]
        assert 1 <= len(lines) <= case["stderr_lines_max"], \
            f"{len(lines)} lines on stderr, expected 1..{case['stderr_lines_max']}\n{outcome}"
    if "findings" in case or "absent_kinds" in case or "json" in case:
        check_json(outcome, case, place)
    for expect in case.get("files_expect", []):
        check_file(expect, place)


def check_json(outcome: Outcome, case: dict[str, Any], place: Place) -> None:
    try:
        report = json.loads(outcome.stdout)
    except ValueError:
        raise AssertionError(f"stdout is not JSON\n{outcome}") from None
    for key, value in case.get("json", {}).items():
        assert report.get(key) == value, f"JSON {key} is {report.get(key)!r}, not {value!r}"
    findings = report.get("findings", [])
    shown = "\n".join(f"  {f['severity']} {f['kind']} {f['rule']}: {f['message']}"
                      for f in findings)
    for want in case.get("findings", []):
        matching = [
            f for f in findings
            if f["kind"] == want["kind"]
            and f["severity"] == want.get("severity", f["severity"])
            and ("rule" not in want or f["rule"] == want["rule"])
            and ("message" not in want or place.pattern(want["message"]).search(f["message"]))
        ]
        assert matching, f"no finding like {want}; findings:\n{shown}\n{outcome.stderr}"
    for kind in case.get("absent_kinds", []):
        assert not [f for f in findings if f["kind"] == kind], \
            f"unexpected {kind} finding:\n{shown}"


def check_file(expect: dict[str, Any], place: Place) -> None:
    path = place.path(expect["path"])
    assert path.exists() == expect.get("exists", True), f"{path}: exists is {path.exists()}"
    if not path.is_file():
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    for pattern in [expect["contains"]] if "contains" in expect else []:
        assert place.pattern(pattern).search(text), f"{path}: no {pattern!r}\n{text[:3000]}"
    for pattern in expect.get("absent", []):
        match = place.pattern(pattern).search(text)
        assert match is None, f"{path}: {pattern!r} found: {match[0]!r}\n{text[:3000]}"


# --- the tests -------------------------------------------------------------------------------


def test_the_corpus_is_large_and_covers_every_area():
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    areas = {case["area"] for case in CASES}
    assert areas == {"ledger", "metadata", "rules", "cli", "content", "faults"}
    assert len(CASES) >= 80
    for case in CASES:
        assert "exit" in case and "args" in case, case["id"]
        assert case.get("message") or case.get("findings") or case.get("json") \
            or case.get("files_expect") or case.get("counts"), \
            f"{case['id']}: expects nothing specific"


@pytest.fixture
def place(tmp_path: Path) -> Place:
    return make_place(tmp_path / "case")


@pytest.mark.parametrize("case", CASES, ids=[f"{c['area']}:{c['id']}" for c in CASES])
def test_hostile_input(case: dict[str, Any], place: Place, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("AIPO_BUDGET_CACHE_DIR", place.tokens["CACHE"])
    build(case, place)
    if case.get("pre"):  # the cache stores a result once its inputs have settled
        settle_quickly(monkeypatch)
        settle()
    for args in case.get("pre", []):
        done = run_case({}, place, [place.fill(a) for a in args], monkeypatch)
        assert done.status in (0, 1), f"a step before the case failed\n{done}"
    for op in case.get("after_pre", []):
        apply(op, place)
    before = {name: snapshot(path) for name, path in trees(place).items()}
    outcome = run_case(case, place, [place.fill(a) for a in case["args"]], monkeypatch)
    check_common(outcome, case, place)
    check_expected(outcome, case, place)
    for name, path in trees(place).items():
        assert_unchanged(before[name], snapshot(path), name)


# --- every command leaves the shipped ledger and its rules as they were ----------------------

REPORT_FORMATS = ["plain", "simple", "grid", "github", "markdown", "html", "latex", "csv",
                  "json"]
COMMANDS = (
    [["check", "-f", fmt] for fmt in ("table", "json", "csv", "markdown")]
    + [["check", "--no-cache"], ["check", "--no-cache", "-f", "json"], ["check", "--strict"],
       ["check", "--as-of", "2006-04-30"], ["check", "--as-of", "2006-04-30", "--no-cache"]]
    + [["report", "-f", fmt] for fmt in REPORT_FORMATS if fmt != "csv"]
    + [["report", "-f", "csv", "-t", name] for name in ("fund-statement", "disbursements")]
    + [["report", "--as-of", "2006-12-31", "--from", "2006-01-01", "-t", "all"],
       ["report", "-o", "{OUT}"], ["report", "-o", "{OUT}", "--as-of", "2006-12-31"]]
)


def copy_shipped(root: Path) -> Place:
    """A copy of the shipped ledger (its includes and documents), the tests' rules beside it."""
    place = make_place(root)
    place.root.mkdir()
    place.folder.mkdir()
    shutil.copy(SHIPPED / "main.beancount", place.folder)
    for name in ("ledger", "documents"):
        shutil.copytree(SHIPPED / name, place.folder / name, symlinks=True)
    shutil.copytree(RULES, place.folder / "rules")
    place.tokens["RULES"] = str(place.folder / "rules")
    return place


@pytest.fixture
def shipped(tmp_path: Path) -> Place:
    """A copy of its own, for a command that writes beside the ledger folder (a pack)."""
    return copy_shipped(tmp_path / "shipped")


@pytest.fixture(scope="module")
def shared_shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Place, dict[str, Any]]:
    """One copy, and its snapshot as made, for the commands that write only to standard output
    and to the test's own cache folder (conftest.private_cache)."""
    place = copy_shipped(tmp_path_factory.mktemp("shared") / "shipped")
    return place, snapshot(place.folder)


def as_made(shared: tuple[Place, dict[str, Any]]) -> tuple[Place, dict[str, Any]]:
    """The shared copy and its snapshot, found as it was made: a file an earlier command
    changed or left there fails that test, and every later one."""
    place, made = shared
    before = snapshot(place.folder)
    assert_unchanged(made, before, "shared ledger folder, before the run,")
    return place, before


def shipped_for(command: list[str], request: pytest.FixtureRequest
                ) -> tuple[Place, dict[str, Any]]:
    """A copy of its own for ``report -o`` (the pack is written beside the ledger folder),
    else the shared copy; and the snapshot of its ledger folder before the run."""
    if "-o" in command:
        shipped = request.getfixturevalue("shipped")
        return shipped, snapshot(shipped.folder)
    return as_made(request.getfixturevalue("shared_shipped"))


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_leaves_the_ledger_and_rules_byte_identical(
        command: list[str], request: pytest.FixtureRequest, monkeypatch):
    shipped, before = shipped_for(command, request)
    assert "rules/art21.toml" in before and "main.beancount" in before
    monkeypatch.chdir(shipped.folder)  # the default ledger and the rules beside it
    for attempt in ("first", "second (from the cache, or a pack replaced)"):
        outcome = in_process([shipped.fill(a) for a in command])
        assert outcome.status == 0, f"{attempt} run\n{outcome}"
        check_common(outcome, {}, shipped)
        assert_unchanged(before, snapshot(shipped.folder), f"ledger folder after the {attempt}")
    if "-o" in command:
        assert (shipped.root / "out" / "manifest.json").is_file()
        assert not [p for p in shipped.root.iterdir() if p.name not in ("ledger", "out")], \
            "staging folders left beside the pack"


@pytest.mark.parametrize("stdout", ["full", "closed"])
def test_the_console_script_leaves_the_shipped_ledger_alone_on_output_errors(
        stdout: str, shared_shipped: tuple[Place, dict[str, Any]]):
    shipped, before = as_made(shared_shipped)
    outcome = in_process_of_its_own(["report", "-t", "all"], stdout, shipped.folder)
    assert outcome.status == 2, outcome
    check_common(outcome, {}, shipped)
    assert_unchanged(before, snapshot(shipped.folder), "ledger folder")

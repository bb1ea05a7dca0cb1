"""Signed approvals (``params.signed``): a copy of the shipped ledger, keys made with the real
``ssh-keygen`` for the people it names, a register, and ORG08-APPROVAL and ORG08-SEGREGATION
versions that ask for signatures from 2006: unsigned 2006 outflows are errors; after ``approve``
by the named approvers and preparers, ``check`` passes; every way an approval may not count is
named in the finding."""

from __future__ import annotations

import os

import dataclasses
import json
import shutil
import subprocess
import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from aipo_budget.core.engine import audit
from aipo_budget.core.ledger import load_ledger
from aipo_budget.core.rules import load_rules
from aipo_budget.core.seals.snapshot import Ledger
from aipo_budget.core.signatures import REGISTER, read_register
from conftest import keygen, settle

if TYPE_CHECKING:
    from collections.abc import Sequence

    from aipo_budget.core.facts.model import Outflow

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = ("Budi Santoso", "Maria Teresa Villanueva", "Nguyen Thi Lan", "Ratna Wulandari")
SIGNED = """
  [[rule.version]]
  effective = 2006-01-01
  text = "From 2006 an approval counts only when signed."
  params.{params}
  params.signed = true
"""


def make_key(folder: Path, name: str) -> Path:
    path = folder / name.replace(" ", "-").lower()
    subprocess.run([keygen(), "-q", "-t", "ed25519", "-N", "", "-C", name, "-f",
                    str(path)], check=True)
    return path


def register_line(name: str, key: Path, options: str = 'namespaces="aipo-budget-approve,'
                  'aipo-budget-prepare",valid-after="20020101"') -> str:
    public = " ".join(key.with_suffix(".pub").read_text().split()[:2])
    return f'"{name}" {options} {public}\n'


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class Books:
    def __init__(self, folder: Path, keys: dict[str, Path],
                 signed_outflows: Sequence[Outflow] = ()) -> None:
        self.folder, self.keys = folder, keys
        self.ledger = str(folder / "main.beancount")
        # the 2006 outflows sign_all signed, each at its line in these books
        self.signed_outflows = tuple(signed_outflows)

    def check(self, *more: str):
        return invoke("check", self.ledger, "--rules", str(self.folder / "rules"),
                      "--no-cache", *more)

    def approve(self, where: str, name: str, role: str = "approve", key: Path | None = None):
        return invoke("approve", where, "--key", str(key or self.keys[name]), "--role", role,
                      "--ledger", self.ledger, "--rules", str(self.folder / "rules"))

    def outflows(self, year: int = 2006):
        entries, errors, options = load_ledger(self.ledger)
        result = audit(entries, load_rules(self.folder / "rules"), datetime.date(2007, 1, 1),
                       errors, options=options)
        return [o for o in result.facts.outflows if o.date.year == year]

    def sign_all(self) -> None:
        self.signed_outflows = tuple(self.outflows())
        for outflow in self.signed_outflows:
            where = f"{outflow.location.filename}:{outflow.location.lineno}"
            assert self.approve(where, outflow.prepared_by, "prepare").exit_code == 0
            for name in outflow.approvers:
                result = self.approve(where, name)
                assert result.exit_code == 0, result.output

    def edit(self, path: str, old: str, new: str) -> None:
        text = Path(path).read_text()
        assert old in text
        Path(path).write_text(text.replace(old, new, 1))

    def copy(self, folder: Path) -> Books:
        """These books copied to ``folder``. Its signed outflows are these, each at the same
        line of the same file there: the ledger's outflows are found from its entries alone
        (not from signatures or the register), so the copy is not audited again to find them."""
        shutil.copytree(self.folder, folder)
        return Books(folder, self.keys, [moved(outflow, self.folder, folder)
                                         for outflow in self.signed_outflows])


def moved(outflow: Outflow, old: Path, new: Path) -> Outflow:
    """``outflow`` of the books in ``old`` as found in their copy in ``new``."""
    where = outflow.location
    filename = str(new / Path(where.filename).relative_to(old))
    return dataclasses.replace(outflow, location=dataclasses.replace(where, filename=filename))


@pytest.fixture(scope="module")
def signed_books(tmp_path_factory) -> Books:
    """The shipped ledger with signed approvals required from 2006, every 2006 outflow
    signed by its preparer and approvers."""
    folder = tmp_path_factory.mktemp("books")
    for name in ("main.beancount", "ledger", "rules", "documents"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, folder / name)
    keys = {name: make_key(tmp_path_factory.mktemp("keys"), name) for name in PEOPLE}
    (folder / "rules" / REGISTER).write_text("".join(register_line(n, k)
                                                     for n, k in keys.items()))
    rules = folder / "rules" / "23GA-2002-Org-08.toml"
    text = rules.read_text()
    text = text.replace("  params.approvers_above = 2\n", "  params.approvers_above = 2\n"
                        + SIGNED.format(params="threshold = 5000.00\n  params.approvers_above"
                                        " = 2"), 1)
    marker = 'among its approvers."""\n'
    text = text.replace(marker, marker + SIGNED.replace("  params.{params}\n", ""), 1)
    rules.write_text(text)
    books = Books(folder, keys)
    unsigned = books.check()
    assert unsigned.exit_code == 1
    books.unsigned_output = unsigned.output
    books.sign_all()
    return books


@pytest.fixture
def books(signed_books, tmp_path) -> Books:
    return signed_books.copy(tmp_path / "copy")


def test_unsigned_outflows_of_2006_are_approval_errors_and_earlier_years_still_by_names(
        signed_books):
    output = signed_books.unsigned_output
    assert "Nguyen Thi Lan's approval is not signed" in output
    assert "Budi Santoso's preparation is not signed" in output or "preparation is not signed" in output
    assert "2005-" not in "".join(line for line in output.splitlines() if "is not signed" in line)


def test_after_every_approval_is_signed_check_exits_0(signed_books):
    result = signed_books.check()
    assert result.exit_code == 0, result.output
    assert list((signed_books.folder / "ledger" / "approvals").glob("*.sig"))


def test_an_amount_changed_after_approval_names_the_approver_and_the_field(books):
    outflow = max(books.signed_outflows, key=lambda o: o.usd)
    posting_amount = f"{outflow.usd:,.2f}"
    lines = Path(outflow.location.filename).read_text().splitlines(keepends=True)
    start = outflow.location.lineno - 1
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    block = "".join(lines[start:end])
    assert posting_amount in block
    changed = f"{outflow.usd + 1000:,.2f}"
    lines[start:end] = [block.replace(posting_amount, changed)]
    Path(outflow.location.filename).write_text("".join(lines))
    output = books.check().output
    approver = outflow.approvers[0]
    assert f"amount changed since {approver} approved" in output
    assert f"{outflow.usd:,.2f} USD -> {outflow.usd + 1000:,.2f} USD" in output


def test_a_proposal_is_signed_before_it_is_paid_and_the_signatures_count_once_booked(books):
    """The README's order: propose, sign, check --pending, pay, append. `approve` takes a
    line of a proposal file, loaded with the ledger as check --pending loads it (a review: it
    took only the ledger's files, so a payment could be signed only after it was made)."""
    outflow = max(books.signed_outflows, key=lambda o: o.usd)
    lines = Path(outflow.location.filename).read_text().splitlines(keepends=True)
    start = outflow.location.lineno - 1
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    day = outflow.date + datetime.timedelta(days=1)
    block = "".join([f'{day} * "Vendor P" "Proposed, signed, then paid"\n',
                     *lines[start + 1:end]])
    proposals = Path(books.ledger).parent / "proposed.beancount"
    proposals.write_text(block)
    pending = ("check", books.ledger, "--rules", str(books.folder / "rules"), "--pending",
               str(proposals), "-f", "json", "--as-of", str(day))

    def approval_findings(result) -> list[str]:
        (judged,) = json.loads(result.stdout)["proposals"]
        return [f["message"] for f in judged["findings"]
                if f["kind"] in ("approval", "segregation")]

    assert any("is not signed" in m for m in approval_findings(invoke(*pending)))
    for name, role in [(outflow.prepared_by, "prepare"),
                       *((a, "approve") for a in outflow.approvers)]:
        result = books.approve(f"{proposals}:1", name, role)
        assert result.exit_code == 0, result.output
    assert approval_findings(invoke(*pending)) == []
    main = Path(books.ledger)
    main.write_text(main.read_text() + "\n" + block)  # paid, then appended
    booked = books.check("-f", "json")
    assert not [f for f in json.loads(booked.stdout)["findings"]
                if f["kind"] in ("approval", "segregation") and f["date"] == str(day)]


def test_a_proposal_is_told_what_changed_since_a_signature_a_later_proposal_is_not_yet(books):
    """check --pending: a payment signed, then taken out of the books, is proposed changed,
    then as signed. Judged with the ledger and the proposals before it, the first is told
    what changed since the approval (as check says once it alone is booked), not "not
    signed": the second, whose text the signature is over, is not yet in its books. Each
    cites a file nobody else cites and both are judged as of their day (no balance assertion
    yet): no finding but those on the proposals' own lines, so no audit with the first alone is
    made unless the approval findings are left out of the audit with both."""
    outflow = max(books.signed_outflows, key=lambda o: o.usd)
    lines = Path(outflow.location.filename).read_text().splitlines(keepends=True)
    start = outflow.location.lineno - 1
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    day = outflow.date + datetime.timedelta(days=1)  # nothing of the books' shares a field
    block = "".join([f'{day} * "Vendor S" "Signed, then withdrawn"\n', *lines[start + 1:end]]
                    ).replace(outflow.document, "2006-06-22.signed-withdrawn.pdf")
    main = Path(books.ledger)
    before = main.read_text()
    main.write_text(before + "\n" + block)
    where = f"{main}:{before.count(chr(10)) + 2}"
    for name, role in [(outflow.prepared_by, "prepare"), *((a, "approve") for a in outflow.approvers)]:
        assert books.approve(where, name, role).exit_code == 0
    main.write_text(before)  # withdrawn: only its signatures are left
    amount = f"{outflow.usd:,.2f}"
    proposals = main.parent / "proposed.beancount"
    changed = block.replace(amount, f"{outflow.usd + 1:,.2f}").replace(
        "2006-06-22.signed-withdrawn.pdf", "2006-06-21.changed.pdf")
    proposals.write_text(changed + "\n" + block)
    result = invoke("check", books.ledger, "--rules", str(books.folder / "rules"), "--pending",
                    str(proposals), "-f", "json", "--as-of", str(day))
    first, second = json.loads(result.stdout)["proposals"]
    said = [f["message"] for f in first["findings"] if f["kind"] == "approval"]
    assert said and all("changed since" in message for message in said), said
    assert not [f for f in second["findings"] if f["kind"] == "approval"]
    from aipo_budget.outputs.pending import judge as judging  # the definition: one audit each

    judge_at_once = judging._at_once
    try:
        judging._at_once = lambda prefixes: None
        in_turn = invoke("check", books.ledger, "--rules", str(books.folder / "rules"),
                         "--pending", str(proposals), "-f", "json", "--as-of", str(day))
    finally:
        judging._at_once = judge_at_once
    assert json.loads(in_turn.stdout) == json.loads(result.stdout)


def test_a_signature_by_a_key_nobody_registered_does_not_count(books, tmp_path):
    outflow = books.signed_outflows[0]
    where = f"{outflow.location.filename}:{outflow.location.lineno}"
    for path in (books.folder / "ledger" / "approvals").glob("*-approve-*.sig"):
        path.unlink()
    stranger = make_key(tmp_path, "Stranger")
    approvals = sorted((books.folder / "ledger" / "approvals").iterdir())
    # approve refuses a signature it knows will not count, and writes nothing (a review:
    # it wrote the file and exited 0)
    result = books.approve(where, outflow.approvers[0], key=stranger)
    assert result.exit_code == 2
    assert "would not count: the key SHA256:" in result.output
    assert "is nobody's in the register; nothing was written" in result.output
    assert sorted((books.folder / "ledger" / "approvals").iterdir()) == approvals
    # a signature made while the key was registered, then the key taken out of the register
    register = books.folder / "rules" / REGISTER
    kept = register.read_text()
    register.write_text(kept + register_line(outflow.approvers[0], stranger))
    assert books.approve(where, outflow.approvers[0], key=stranger).exit_code == 0
    register.write_text(kept)
    output = books.check().output
    assert "which the register gives to nobody" in output


def test_a_key_not_valid_on_the_transaction_date_does_not_count(books):
    register = books.folder / "rules" / REGISTER
    register.write_text(register.read_text().replace('valid-after="20020101"',
                                                     'valid-after="20070101"'))
    output = books.check().output
    assert "is not valid on 2006-" in output
    assert "valid 2007-01-01" in output


def test_a_preparation_signature_does_not_count_as_an_approval(books):
    outflow = books.signed_outflows[0]
    where = f"{outflow.location.filename}:{outflow.location.lineno}"
    for path in (books.folder / "ledger" / "approvals").glob("*-approve-*.sig"):
        path.unlink()
    books.approve(where, outflow.approvers[0], "prepare")
    output = books.check().output
    assert f"{outflow.approvers[0]} signed to prepare, not to approve" in output


def test_one_key_registered_for_two_names_counts_once(books):
    register = books.folder / "rules" / REGISTER
    lan = books.keys["Nguyen Thi Lan"]
    register.write_text(register.read_text() + register_line("Maria Teresa Villanueva", lan))
    outflow = next((o for o in books.signed_outflows if len(o.approvers) > 1), None)
    if outflow is None:
        pytest.skip("the shipped 2006 outflows have no two-approver payment")
    where = f"{outflow.location.filename}:{outflow.location.lineno}"
    other = next(n for n in outflow.approvers if n != "Nguyen Thi Lan")
    for path in (books.folder / "ledger" / "approvals").glob("*-approve-*.sig"):
        path.unlink()
    books.approve(where, "Nguyen Thi Lan")
    books.approve(where, other, key=lan)
    output = books.check().output
    assert "one key signs for one person" in output


def test_the_preparer_signing_an_approval_with_the_same_key_is_a_segregation_error(books):
    outflow = books.signed_outflows[0]
    where = f"{outflow.location.filename}:{outflow.location.lineno}"
    register = books.folder / "rules" / REGISTER
    preparer_key = books.keys[outflow.prepared_by]
    register.write_text(register.read_text() + register_line(outflow.approvers[0],
                                                             preparer_key))
    for path in (books.folder / "ledger" / "approvals").glob("*-approve-*.sig"):
        path.unlink()
    books.approve(where, outflow.approvers[0], key=preparer_key)
    output = books.check().output
    assert "one key signs for one person" in output or "signed with the key" in output


def test_a_malformed_register_line_is_a_rules_error_naming_file_and_line(books):
    register = books.folder / "rules" / REGISTER
    register.write_text(register.read_text() + '"Someone" valid-after="2007" ssh-ed25519 AAAA\n')
    result = books.check()
    assert result.exit_code == 2
    assert f"{REGISTER}:{len(PEOPLE) + 1}:" in result.output


def test_approving_a_location_that_is_not_a_surplus_outflow_is_refused(books):
    result = books.approve(str(books.folder / "ledger" / "accounts.beancount") + ":1",
                           "Nguyen Thi Lan")
    assert result.exit_code == 2


def test_check_against_a_pack_compares_the_signed_approvals(books, tmp_path):
    """A signature is what makes an approval count, and it is no line of the ledger: the pack
    lists each one, and check --against says one removed or added since."""
    pack = tmp_path / "pack"
    assert invoke("report", books.ledger, "--rules", str(books.folder / "rules"), "--as-of",
                  "2006-12-31", "-o", str(pack), "-q").exit_code == 0
    matched = invoke("check", books.ledger, "--rules", str(books.folder / "rules"),
                     "--against", str(pack))
    approvals = sorted((books.folder / "ledger" / "approvals").glob("*.sig"))
    assert matched.exit_code == 0 and f"{len(approvals)} signed approvals as issued" in \
        matched.output
    removed, copied = approvals[0], approvals[1].with_name("copied.sig")
    removed.unlink()
    shutil.copy(approvals[1], copied)
    result = invoke("check", books.ledger, "--rules", str(books.folder / "rules"), "--against",
                    str(pack), "-f", "json")
    found = {f["message"] for f in json.loads(result.stdout)["findings"]
             if f["kind"] == "manifest"}
    assert found == {f"approvals file ledger/approvals/{removed.name} removed since the audit pack",
                     "approvals file ledger/approvals/copied.sig added since the audit pack"}


def test_explain_shows_the_signatures_it_checked_and_whose_key(signed_books):
    outflow = signed_books.signed_outflows[0]
    where = f"{outflow.location.filename}:{outflow.location.lineno}"
    output = invoke("explain", where, "--ledger", signed_books.ledger, "--rules",
                    str(signed_books.folder / "rules")).output
    assert f"approve signature of {outflow.approvers[0]}" in output
    assert "SHA256:" in output


def test_the_register_reads_names_roles_and_dates(tmp_path):
    key = make_key(tmp_path, "Lan")
    path = tmp_path / REGISTER
    path.write_text("# comment\n" + register_line(
        "Nguyen Thi Lan,Lan N.", key,
        'namespaces="aipo-budget-approve",valid-after="20060101",valid-before="20070101"'))
    (signer,) = read_register(str(path)).signers
    assert signer.names == ("Nguyen Thi Lan", "Lan N.")
    assert signer.roles == frozenset({"approve"})
    assert signer.valid_on(datetime.date(2006, 12, 31))
    assert not signer.valid_on(datetime.date(2007, 1, 1))


def test_the_fava_page_shows_each_signature_verified_or_why_not(books):
    from aipo_budget.fava_ext.page import build_page

    for path in (books.folder / "ledger" / "approvals").glob("*-prepare-*.sig"):
        path.unlink()
    entries, errors, options = load_ledger(books.ledger)
    result = audit(entries, load_rules(books.folder / "rules"),
                   datetime.date(2007, 1, 1), errors, options=options)
    page = build_page(result, as_of=datetime.date(2007, 1, 1), folder=str(books.folder),
                      link=lambda _file, _line: None)
    (shown,) = [t for t in page.tables if t.name == "approvals"]
    texts = [[c.text for c in row] for row in shown.rows]
    assert any("signed and verified" in row and "approve" in row for row in texts)
    assert any("preparation is not signed" in " ".join(row) for row in texts)


def test_the_signatures_and_the_register_are_inputs_of_the_cache(signed_books):
    from aipo_budget.cli.session import inputs_of, run_audit

    loaded = run_audit(signed_books.ledger, str(signed_books.folder / "rules"), None)
    inputs = inputs_of(loaded)
    approvals = signed_books.folder / "ledger" / "approvals"
    assert str(approvals) in inputs.folders  # a signature added is a change
    assert {str(p) for p in approvals.glob("*.sig")} <= set(inputs.files)
    assert str(signed_books.folder / "rules" / REGISTER) in inputs.files


def test_approving_a_transaction_that_is_not_a_surplus_outflow_is_refused(books):
    contributions = books.folder / "ledger" / "contributions.beancount"
    line = next(n for n, text in enumerate(contributions.read_text().splitlines(), start=1)
                if text[:4].isdigit() and " * " in text)
    result = books.approve(f"{contributions}:{line}", "Nguyen Thi Lan")
    assert result.exit_code == 2
    assert "not a surplus outflow" in result.output
    assert not (books.folder / "ledger" / "approvals" / "x").exists()


def test_approving_with_a_key_that_does_not_exist_is_refused_and_writes_nothing(books):
    outflow = books.signed_outflows[0]
    before = sorted((books.folder / "ledger" / "approvals").iterdir())
    result = books.approve(f"{outflow.location.filename}:{outflow.location.lineno}",
                           "Nguyen Thi Lan", key=books.folder / "no-such-key")
    assert result.exit_code == 2
    assert "no such key file" in result.output
    assert sorted((books.folder / "ledger" / "approvals").iterdir()) == before


def test_a_key_whose_public_half_is_a_fifo_is_refused_not_waited_on(books, tmp_path):
    # found by fuzzing: ssh-keygen read KEY.pub, a FIFO, and approve waited on it
    import shutil

    outflow = books.signed_outflows[0]
    key = tmp_path / "key"
    shutil.copy(books.keys["Nguyen Thi Lan"], key)
    os.mkfifo(tmp_path / "key.pub")
    before = sorted((books.folder / "ledger" / "approvals").iterdir())
    result = books.approve(f"{outflow.location.filename}:{outflow.location.lineno}",
                           "Nguyen Thi Lan", key=key)
    assert result.exit_code == 2
    assert "key.pub is not a regular file" in result.output
    assert sorted((books.folder / "ledger" / "approvals").iterdir()) == before


def test_an_approvals_folder_that_is_a_file_is_said_before_anything_is_signed(books):
    # found by fuzzing: "...sig: cannot write the signature: File exists"
    import shutil

    outflow = books.signed_outflows[0]
    approvals = books.folder / "ledger" / "approvals"
    shutil.rmtree(approvals)
    approvals.write_text("not a folder\n", encoding="utf-8")
    result = books.approve(f"{outflow.location.filename}:{outflow.location.lineno}",
                           "Nguyen Thi Lan")
    assert result.exit_code == 2
    assert "approvals: not a folder, where the signatures go" in result.output
    assert approvals.read_text(encoding="utf-8") == "not a folder\n"


def test_a_signature_copied_to_stand_for_another_payment_does_not_count(books):
    first, second = books.signed_outflows[:2]
    approvals = books.folder / "ledger" / "approvals"
    pairs, key = books_text(books, second)
    for path in approvals.glob(f"*-{key[:12]}-approve-*.sig"):
        path.unlink()  # the second payment's approvals gone
    _pairs, first_key = books_text(books, first)
    (source,) = list(approvals.glob(f"*-{first_key[:12]}-approve-*.sig"))[:1]
    shutil.copy(source, approvals / f"{second.date}-{key[:12]}-approve-copied.sig")
    output = books.check().output
    name = second.approvers[0]
    # the copy is a signature over the first payment's text: it backs that one, no other
    assert f"{name}'s approval is not signed" in output, output


def test_an_identical_copy_of_a_signed_payment_is_not_signed(books):
    """A payment copied line for line has the text its signatures are over: they back the
    payment signed, not the copy (which the duplicate rule also names, and a waiver could
    excuse)."""
    outflow = books.signed_outflows[0]
    path = Path(outflow.location.filename)
    lines = path.read_text().splitlines(keepends=True)
    start = outflow.location.lineno - 1
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].strip())
    main = Path(books.ledger)
    main.write_text(main.read_text() + "\n" + "".join(lines[start:end]))
    output = books.check("-f", "lines").output
    copy = f"main.beancount:{main.read_text().count(chr(10)) - (end - start) + 1}:"
    said = [row for row in output.splitlines() if copy in row and "[ORG08-" in row]
    assert any(f"{outflow.approvers[0]}'s approval is signed for an identical payment "
               f"({path.name}:{outflow.location.lineno})" in row for row in said), output
    assert not [row for row in output.splitlines() if f"{path.name}:{outflow.location.lineno}:"
                in row and "approval" in row]


def books_text(books: Books, outflow):
    from aipo_budget.core.signatures import Signatures

    return Signatures(None).text_of(outflow.entry)


def test_every_detects_of_the_threat_model_names_a_test_that_exists():
    """docs/security.md: each row the tool detects names the test that proves it."""
    import re

    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "| yes |" in line]
    assert len(rows) >= 15
    for row in rows:
        named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", row)
        assert named, f"no test named for: {row}"
        for path, name in named:
            assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), (path, name)


def seal(books: Books, *more: str):
    return invoke("seal", books.ledger, "--rules", str(books.folder / "rules"), "--through",
                  "2006", "--by", "External Auditor", *more)


def test_a_seal_signed_by_its_sealer_is_verified_and_said(books, tmp_path):
    auditor = make_key(tmp_path, "External Auditor")
    register = books.folder / "rules" / REGISTER
    register.write_text(register.read_text() + register_line(
        "External Auditor", auditor, 'namespaces="aipo-budget-audit",valid-after="20060101"'))
    result = seal(books, "--sign", str(auditor))
    assert result.exit_code == 0, result.output
    assert list((books.folder / "ledger" / "seals").glob("*.tsv.sig"))
    report = invoke("report", books.ledger, "--rules", str(books.folder / "rules"),
                    "-t", "fund-statement").output
    assert "signed by External Auditor (key SHA256:" in report
    assert books.check().exit_code == 0


def test_a_signed_seal_whose_entry_is_edited_to_match_changed_books_is_a_seal_finding(
        books, tmp_path):
    """The signature covers the seal's record; the entry's digest is what check compares
    with the books. Someone who changes a sealed entry and writes the books' new digest into
    the seal entry (as a tool run on a copy would tell them) must not get a seal that holds,
    signed by the auditor; nor does an edit of the entry's other fields go unsaid."""
    auditor = make_key(tmp_path, "External Auditor")
    register = books.folder / "rules" / REGISTER
    register.write_text(register.read_text() + register_line(
        "External Auditor", auditor, 'namespaces="aipo-budget-audit",valid-after="20060101"'))
    assert seal(books, "--sign", str(auditor)).exit_code == 0
    outflow = max(books.signed_outflows, key=lambda o: o.usd)
    path = Path(outflow.location.filename)
    lines = path.read_text().splitlines(keepends=True)
    lines[outflow.location.lineno - 1] = lines[outflow.location.lineno - 1].replace('"', '"X', 1)
    path.write_text("".join(lines))
    entries, _errors, options = load_ledger(str(books.ledger))
    forged = Ledger(entries, options).snapshot(datetime.date(2006, 12, 31)).digest
    seals = books.folder / "ledger" / "seals.beancount"
    text = seals.read_text()
    start = text.index('  digest: "') + len('  digest: "')
    seals.write_text(text[:start] + forged + text[start + len(forged):])
    result = books.check()
    assert result.exit_code == 1
    assert ("does not count: the seal entry's date, digest or counts do not match its signed "
            "record: the entry was edited after it was signed") in result.output
    assert "sealed entry changed" not in result.output  # the forged digest holds: the books


def test_a_revoked_sealers_key_is_not_made_valid_by_editing_the_day_of_the_seal(books,
                                                                                 tmp_path):
    """The sealer's key is judged on the day of the seal (``sealed-on``): once the key is
    revoked before that day, moving the day into the key's validity must not make the
    signature count. The day is in the signed record's first line."""
    auditor = make_key(tmp_path, "External Auditor")
    register = books.folder / "rules" / REGISTER
    plain = register.read_text()
    register.write_text(plain + register_line(
        "External Auditor", auditor, 'namespaces="aipo-budget-audit",valid-after="20060101"'))
    assert seal(books, "--sign", str(auditor)).exit_code == 0
    assert books.check().exit_code == 0
    register.write_text(plain + register_line(
        "External Auditor", auditor,
        'namespaces="aipo-budget-audit",valid-after="20060101",valid-before="20070101"'))
    assert "not valid on" in books.check().output
    seals = books.folder / "ledger" / "seals.beancount"
    text = seals.read_text()
    assert f"  sealed-on: {datetime.date.today()}" in text
    seals.write_text(text.replace(f"  sealed-on: {datetime.date.today()}", "  sealed-on: 2006-12-31"))
    output = books.check().output
    assert "sealed-on do not match its signed record" in output, output


def test_a_seal_signed_with_a_key_not_the_sealers_is_a_seal_finding(books, tmp_path):
    stranger = make_key(tmp_path, "Stranger")
    result = seal(books, "--sign", str(stranger))
    assert result.exit_code == 0, result.output
    output = books.check().output
    assert "the seal's signature" in output and "gives to nobody" in output


def test_a_seal_whose_signature_was_deleted_is_a_seal_finding(books, tmp_path):
    auditor = make_key(tmp_path, "External Auditor")
    register = books.folder / "rules" / REGISTER
    register.write_text(register.read_text() + register_line(
        "External Auditor", auditor, 'namespaces="aipo-budget-audit",valid-after="20060101"'))
    assert seal(books, "--sign", str(auditor)).exit_code == 0
    for path in (books.folder / "ledger" / "seals").glob("*.tsv.sig"):
        path.unlink()
    output = books.check().output
    assert "the seal's signature" in output and "cannot be read" in output


def test_a_seal_whose_signature_line_was_taken_out_is_a_seal_finding(books, tmp_path):
    """Taking the ``signature:`` line out of a signed seal's entry made it an unsigned seal,
    said by nothing: then its digest could be rewritten. The record's signature left beside
    it says the seal was signed. A cached result sees the signature file too."""
    auditor = make_key(tmp_path, "External Auditor")
    register = books.folder / "rules" / REGISTER
    register.write_text(register.read_text() + register_line(
        "External Auditor", auditor, 'namespaces="aipo-budget-audit",valid-after="20060101"'))
    assert seal(books, "--sign", str(auditor)).exit_code == 0
    check = ("check", books.ledger, "--rules", str(books.folder / "rules"))
    assert invoke(*check).exit_code == 0  # a result cached for the signed seal
    seals = books.folder / "ledger" / "seals.beancount"
    lines = seals.read_text().splitlines(keepends=True)
    seals.write_text("".join(line for line in lines if not line.lstrip().startswith("signature:")))
    output = books.check().output
    assert "its entry names no signature" in output and "breaks the seal" in output
    seals.write_text("".join(lines))
    settle()
    assert invoke(*check).exit_code == 0  # stored: every input settled
    for path in (books.folder / "ledger" / "seals").glob("*.tsv.sig"):
        path.unlink()
    cached = invoke(*check)  # the same ledger text: only the signature file is gone
    assert cached.exit_code == 1 and "cannot be read" in cached.output


def test_a_seal_that_cannot_be_signed_writes_nothing(books, tmp_path):
    result = seal(books, "--sign", str(tmp_path / "no-such-key"))
    assert result.exit_code == 2
    assert not (books.folder / "ledger" / "seals").exists()
    assert not (books.folder / "ledger" / "seals.beancount").exists()


def test_approve_says_when_the_register_does_not_let_the_key_sign_in_that_role(books):
    register = books.folder / "rules" / REGISTER
    register.write_text(register.read_text().replace(
        'namespaces="aipo-budget-approve,aipo-budget-prepare"', 'namespaces="aipo-budget-prepare"'))
    outflow = books.signed_outflows[0]
    approvals = sorted((books.folder / "ledger" / "approvals").iterdir())
    result = books.approve(f"{outflow.location.filename}:{outflow.location.lineno}",
                           outflow.approvers[0])
    assert result.exit_code == 2
    assert "the signature would not count" in result.output
    assert "may not sign for approve" in result.output and "nothing was written" in result.output
    assert sorted((books.folder / "ledger" / "approvals").iterdir()) == approvals


def test_a_changed_account_and_tag_are_said_as_a_reader_reads_them():
    from aipo_budget.core.signatures import _changes

    assert _changes("account", "s3:A:B|s3:C:D", "s3:A:B|s3:C:E") == "C:D -> C:E"
    assert _changes("tags", "", "{s1:x}") == "(none) -> x"
    assert _changes("amount", "a:-5 USD|a:5 USD", "a:-5 USD|a:6 USD") == "5.00 USD -> 6.00 USD"
    # a date, a number, a flag: said without the tag that keeps its type in the signed text
    assert _changes("metadata incurred", "d:2006-06-28", "d:2006-06-29") == \
        "2006-06-28 -> 2006-06-29"
    assert _changes("metadata copies", "n:2", "b:TRUE") == "2 -> TRUE"
    # a text's own characters are never read as a tag, whatever they hold
    assert _changes("narration", "s8:research", "s19:research (a: 1, b:2)") == \
        "research -> research (a: 1, b:2)"


def test_a_register_name_matches_the_metadata_name_whatever_its_case_and_spacing(tmp_path):
    key = make_key(tmp_path, "Lan")
    path = tmp_path / REGISTER
    path.write_text(register_line("Nguyen Thi Lan", key))
    (signer,) = read_register(str(path)).signers
    assert signer.named("nguyen  THI lan") and signer.named("Nguyen\u00a0Thi Lan")
    assert not signer.named("Nguyen Thi") and not signer.named("")


def test_a_key_whose_signatures_cannot_be_verified_signs_nothing(books, tmp_path):
    """ssh-keygen signs with an ECDSA key, but such a signature could never count: approve
    says so and writes nothing, rather than a signature that check then rejects."""
    key = tmp_path / "ecdsa"
    subprocess.run([keygen(), "-q", "-t", "ecdsa", "-N", "", "-f", str(key)], check=True)
    outflow = books.signed_outflows[0]
    folder = books.folder / "ledger" / "approvals"
    before = sorted(folder.iterdir())
    result = books.approve(f"{outflow.location.filename}:{outflow.location.lineno}",
                           outflow.approvers[0], key=key)
    assert result.exit_code == 2
    assert f"{key}: the signature ssh-keygen made does not verify" in result.stderr
    assert "sign with an Ed25519 or RSA key; nothing was written" in result.stderr
    assert sorted(folder.iterdir()) == before


def test_an_approvals_folder_that_is_a_link_is_refused(books):
    """A link at ledger/approvals could send the signature into the rules or documents."""
    folder = books.folder / "ledger" / "approvals"
    shutil.rmtree(folder)
    folder.symlink_to(books.folder / "rules", target_is_directory=True)
    rules_before = sorted((books.folder / "rules").iterdir())
    outflow = books.signed_outflows[0]
    result = books.approve(f"{outflow.location.filename}:{outflow.location.lineno}",
                           outflow.approvers[0])
    assert result.exit_code == 2
    assert "ledger/approvals: a symbolic link, where the signatures go: nothing was written" \
        in result.stderr
    assert sorted((books.folder / "rules").iterdir()) == rules_before


@pytest.mark.parametrize("junk", [b"\x1b]0;pwned\x07 ssh-ed25519 AAAA\n", b"\0" * 3_000_000],
                         ids=["escape-sequence", "megabytes-of-nul"])
def test_a_public_key_file_of_junk_is_named_not_echoed(books, tmp_path, junk):
    """The message says the public key cannot be read; it never copies the file to the
    terminal (an escape sequence would act on it, megabytes would flood it)."""
    key = make_key(tmp_path, "Junk")
    key.with_suffix(".pub").write_bytes(junk)
    result = seal(books, "--sign", str(key))
    assert result.exit_code == 2
    assert f"{key}: its public key {key}.pub cannot be read (" in result.stderr
    assert len(result.stderr) < 1000 and "\x1b" not in result.stderr and "\0" not in result.stderr


def test_a_signature_file_that_cannot_be_read_is_named_with_the_reason(books):
    """A checkout that turned the signature's line endings into CRLF (git's autocrlf) leaves
    a file that backs nobody: the finding names it and says why, not only "not signed"."""
    outflow = books.signed_outflows[0]
    _pairs, key = books_text(books, outflow)
    approvals = books.folder / "ledger" / "approvals"
    (path,) = list(approvals.glob(f"*-{key[:12]}-approve-*.sig"))[:1]
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    output = books.check().output
    assert f"{path.name} is not an aipo-budget signature file" in output, output

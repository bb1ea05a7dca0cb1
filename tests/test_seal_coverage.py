"""A seal covers what judged the period and its verdict, and no seal is lost (issue 20, 5-6).

Sealed through 2006: an edit of the 2002 approval rule, of a waiver or of the register of
signers is a ``seal`` finding naming what changed, old and new; an amendment effective after
the seal is not. A finding of the sealed period that appears (or disappears) later is named.
``check --as-of`` a day before the seal's date still verifies it. A seal entry removed while its
record remains is a finding; two seals through one day keep two records; a seal of format 1 is
a finding saying what to do, never a traceback.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from aipo_budget.cli import cli
from conftest import RULES, line_of, write_ledger

APPROVAL = "rules/23GA-2002-Org-08.toml"
LEDGER = """
2006-02-15 * "Kingdom Consultancy" "Research consultant"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Finance Officer"
  approved-by: "Executive Director"
  document: "2006-02-15.contract.pdf"
  Expenses:Projects:Trafficking-Roadmap:Research   {amount} USD
  Assets:Surplus-Fund:Bank

2006-06-20 * "Partner" "Translation paid directly by the partner"
  Expenses:Projects:Trafficking-Roadmap:Translation   20000.00 USD
  Income:Co-Funding:Partner
"""
OUTFLOW = '2006-02-15 * "Kingdom Consultancy"'


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class Books:
    """An inline ledger with a copy of the tests' rules, to seal, edit and check."""

    def __init__(self, folder: Path, amount: str = "4000.00") -> None:
        self.main = write_ledger(folder, LEDGER.format(amount=amount))
        self.folder = folder
        shutil.copytree(RULES, folder / "rules")

    def seal(self, through: str = "2006", by: str = "A. Auditor", *more: str) -> Books:
        result = invoke("seal", str(self.main), "--through", through, "--by", by, "--rules",
                        str(self.folder / "rules"), "-q", *more)
        assert result.exit_code == 0, result.output + result.stderr
        return self

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.folder / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} is not unique in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def check(self, *more: str) -> tuple[int, list[dict]]:
        """The exit status of check, and its findings of kind seal."""
        result = invoke("check", str(self.main), "--rules", str(self.folder / "rules"),
                        "--no-cache", "-f", "json", *more)
        assert result.exit_code in (0, 1), result.output + result.stderr
        findings = json.loads(result.output)["findings"]
        return result.exit_code, [f for f in findings if f["kind"] == "seal"]

    def messages(self, *more: str) -> list[str]:
        return [f["message"] for f in self.check(*more)[1]]


@pytest.fixture
def books(tmp_path) -> Books:
    return Books(tmp_path)


# --- what judged the period -----------------------------------------------------------------


def test_a_rule_edited_after_the_seal_names_rule_version_field_and_the_verdict(tmp_path):
    """The issue's case: an error sealed (forced), then the ceiling it broke raised."""
    books = Books(tmp_path, amount="6000.00").seal("2006", "A. Auditor", "--force",
                                                   "--reason", "known")
    assert books.check() == (1, [])  # the approval error itself, sealed over
    books.edit(APPROVAL, "params.approvers_above = 2", "params.approvers_above = 1")
    status, found = books.check()
    assert status == 1
    by_message = {f["message"].split(";")[0]: f for f in found}
    assert set(by_message) == {
        "rule ORG08-APPROVAL version 1 (effective 2002-01-01): parameter approvers_above "
        "changed since the seal: 2 -> 1",
        "finding disappeared from the sealed period: 2006-02-15 ORG08-APPROVAL (error): "
        "outflow of 6,000.00 USD is above 5,000.00 USD and needs 2 different approvers, has 1"}
    for item in found:
        assert item["message"].endswith("breaks the seal through 2006-12-31 by A. Auditor")
    gone = next(f for f in found if "disappeared" in f["message"])
    assert gone["lineno"] == line_of(books.main, OUTFLOW)  # at the entry, which is still there


AMENDMENT = """params.approvers_above = 2

  [[rule.version]]
  effective = {effective}
  text = "Amended: one approver suffices."
  params.threshold = 5000.00
  params.approvers_above = 1
"""


def test_an_amendment_effective_after_the_seal_breaks_nothing(books):
    books.seal("2006")
    books.edit(APPROVAL, "params.approvers_above = 2", AMENDMENT.format(effective="2007-01-01"))
    assert books.check() == (0, [])


def test_an_amendment_back_dated_into_the_sealed_period_breaks_it(books):
    books.seal("2006")
    books.edit(APPROVAL, "params.approvers_above = 2", AMENDMENT.format(effective="2006-06-01"))
    (message,) = books.messages()
    assert message.startswith("rule ORG08-APPROVAL version 2 (effective 2006-06-01) added "
                              "since the seal")


def test_a_waiver_edited_after_the_seal_is_named_and_one_adopted_later_is_not_sealed(books):
    books.seal("2006-03")  # waiver EC-2006-02 is adopted on 2006-05-01
    books.edit("rules/waivers.toml", '"One approver suffices from May 2006."', '"Edited."')
    assert books.messages() == []
    books.seal("2006")
    books.edit("rules/waivers.toml", '"Edited."', '"Edited again."')
    (message,) = books.messages()
    assert message == ("waiver EC-2006-02: text changed since the seal: Edited. -> Edited "
                       "again.; breaks the seal through 2006-12-31 by A. Auditor")


def _public_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def test_the_register_of_signers_is_sealed_and_a_later_revocation_is_not_a_change(books):
    pytest.importorskip("aipo_budget.core.signatures")
    key = _public_key()
    register = books.folder / "rules" / "allowed_signers"
    register.write_text(f'"Nguyen Thi Lan" valid-after="20020101" {key}\n', encoding="utf-8")
    books.seal("2006")
    register.write_text(f'"Nguyen Thi Lan" valid-after="20020101",valid-before="20070601" '
                        f"{key}\n", encoding="utf-8")
    assert books.messages() == []  # revoked after the sealed period: nothing in it changes
    register.write_text(f'"Nguyen Thi Lan" valid-after="20050101" {key}\n', encoding="utf-8")
    (message,) = books.messages()
    assert message.startswith("signer SHA256:") and "register changed since the seal" in message
    assert "after=2002-01-01" in message and "after=2005-01-01" in message


def test_a_line_added_to_the_register_moves_nothing_sealed(books):
    """A comment above the sealed keys, and a key rotated as docs/security.md says (the old
    line given a valid-before after the period, the new key on a line of its own, right after
    it): the register's lines move, and what bears on the sealed period does not. The
    register was sealed by line number, and each was a seal finding."""
    lan, budi, new = _public_key(), _public_key(), _public_key()
    register = books.folder / "rules" / "allowed_signers"
    register.write_text(f'"Nguyen Thi Lan" valid-after="20020101" {lan}\n'
                        f'"Budi Santoso" valid-after="20020101" {budi}\n', encoding="utf-8")
    books.seal("2006")
    register.write_text(f'# the Secretariat\'s signers\n'
                        f'"Nguyen Thi Lan" valid-after="20020101",valid-before="20070101" {lan}\n'
                        f'"Nguyen Thi Lan" valid-after="20070101" {new}\n'
                        f'"Budi Santoso" valid-after="20020101" {budi}\n', encoding="utf-8")
    assert books.messages() == []
    register.write_text(f'"Nguyen Thi Lan" valid-after="20080101" {lan}\n'  # after the period
                        + register.read_text(encoding="utf-8"), encoding="utf-8")
    assert books.messages() == []
    register.write_text(register.read_text(encoding="utf-8")
                        + f'"Budi Santoso" valid-after="20020101" {lan}\n', encoding="utf-8")
    (message,) = books.messages()  # Lan's key given to Budi too, for the sealed days
    assert message.startswith("signer SHA256:") and "#2" in message and "added" in message


def test_a_seal_that_keyed_the_register_by_line_number_still_holds(books):
    """Seals made before the register was keyed by each key's n-th line recorded its line
    number: one line added above the keys moves nothing, and a real change is still named."""
    import hashlib
    import re

    from aipo_budget.core.seals.judged import digest

    lan = _public_key()
    register = books.folder / "rules" / "allowed_signers"
    register.write_text(f'"Nguyen Thi Lan" valid-after="20020101" {lan}\n', encoding="utf-8")
    books.seal("2006")
    (record,) = (books.folder / "ledger" / "seals").glob("*.tsv")
    text = record.read_text(encoding="utf-8")
    assert "#1\tregister" in text
    old = text.replace("#1\tregister", "line 1\tregister")  # as such a seal wrote it
    record.write_text(old, encoding="utf-8")
    judged = [line[len("judged\t"):] for line in old.split("\n") if line.startswith("judged\t")]
    seals = books.folder / "ledger" / "seals.beancount"
    entry = seals.read_text(encoding="utf-8")
    entry = re.sub(r'rules: "[0-9a-f]+"', f'rules: "{digest(judged)}"', entry)
    entry = re.sub(r'record-sha256: "[0-9a-f]+"',
                   f'record-sha256: "{hashlib.sha256(old.encode()).hexdigest()}"', entry)
    seals.write_text(entry, encoding="utf-8")
    assert books.messages() == []
    register.write_text("# signers\n" + register.read_text(encoding="utf-8"), encoding="utf-8")
    assert books.messages() == []
    register.write_text(f'"Nguyen Thi Lan" valid-after="20050101" {lan}\n', encoding="utf-8")
    (message,) = books.messages()
    assert "after=2002-01-01" in message and "after=2005-01-01" in message


# --- the verdict ----------------------------------------------------------------------------


def test_a_finding_that_appears_in_the_sealed_period_is_named(books):
    """A payment of 2007 raises the project's surplus share past its cap at its close in
    2006: a finding dated in the sealed period, made by nothing dated in it."""
    books.seal("2006")
    with books.main.open("a", encoding="utf-8") as file:
        file.write('\n2007-01-10 * "Kingdom Consultancy" "Late research"\n'
                   '  resolution: "26GA/2005/Soc/03"\n  prepared-by: "Finance Officer"\n'
                   '  approved-by: "Executive Director, Deputy Director"\n'
                   '  document: "2006-02-15.contract.pdf"\n'
                   "  Expenses:Projects:Trafficking-Roadmap:Research   30000.00 USD\n"
                   "  Assets:Surplus-Fund:Bank\n")
    appeared = [m for m in books.messages() if m.startswith("finding appeared")]
    assert appeared and all("SOC03-COFUNDING" in m for m in appeared), appeared


def test_moving_an_entry_that_has_a_finding_does_not_change_the_verdict(tmp_path):
    books = Books(tmp_path, amount="6000.00").seal("2006", "A. Auditor", "--force",
                                                   "--reason", "known")
    text = books.main.read_text(encoding="utf-8")
    start = text.index(OUTFLOW)
    block = text[start:text.index("\n\n", start) + 1]
    books.main.write_text(text.replace(block, "") + "\n" + block, encoding="utf-8")
    assert line_of(books.main, OUTFLOW) > text[:start].count("\n") + 5
    assert books.check() == (1, [])  # the approval error, sealed over: nothing changed


# --- whatever --as-of -----------------------------------------------------------------------


def test_check_as_of_a_day_before_the_seal_still_verifies_it(books):
    books.seal("2006-06-30")
    assert books.check("--as-of", "2006-06-29") == (0, [])
    books.edit("main.beancount", '"Research consultant"', '"Research consultant (edited)"')
    status, found = books.check("--as-of", "2006-06-29")
    assert status == 1
    assert [f["message"].split(" (")[0] for f in found] == ["sealed entry changed: narration"]
    status, found = books.check("--as-of", "2006-01-31")  # before the edited entry too
    assert status == 1 and len(found) == 1


# --- no seal lost ---------------------------------------------------------------------------


def test_a_removed_seal_entry_whose_record_remains_is_a_finding(books):
    books.seal("2006")
    seals = books.folder / "ledger" / "seals.beancount"
    text = seals.read_text(encoding="utf-8")
    seals.write_text(text[:text.index("2006-12-31 custom")], encoding="utf-8")
    books.edit("main.beancount", '"Research consultant"', '"Research consultant (edited)"')
    status, found = books.check()
    assert status == 1
    (item,) = found
    (record,) = (books.folder / "ledger" / "seals").iterdir()
    assert item["message"].startswith(f"seal of 2006-12-31 by A. Auditor removed: its record "
                                      f"ledger/seals/{record.name} remains")
    assert item["filename"] == str(seals)


def test_two_seals_through_one_day_keep_two_records(books):
    books.seal("2006", "A. Auditor").seal("2006", "B. Auditor")
    first, second = sorted((books.folder / "ledger" / "seals").iterdir(), key=lambda p: len(p.name))
    assert second.name == first.name.replace(".tsv", "-2.tsv")
    text = (books.folder / "ledger" / "seals.beancount").read_text(encoding="utf-8")
    assert text.index(f'record: "seals/{first.name}"') < text.index("B. Auditor") \
        < text.index(f'record: "seals/{second.name}"')
    assert books.check() == (0, [])
    first.unlink()
    books.edit("main.beancount", '"Research consultant"', '"Research consultant (edited)"')
    messages = books.messages()
    assert any("is missing or unreadable" in m for m in messages)  # A's record
    assert any(m.startswith("sealed entry changed") and "by B. Auditor" in m for m in messages)


def test_a_seal_of_format_1_is_a_finding_saying_what_to_do(books):
    books.seal("2006")
    books.edit("ledger/seals.beancount", "format: 2", "format: 1")
    status, found = books.check()
    assert status == 1
    (item,) = found
    assert "its format is 1" in item["message"] and "seal the period again" in item["message"]

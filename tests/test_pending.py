"""``check --pending``: proposed transactions judged before they are paid, never written.

The base ledger (the tests' PRELUDE: 200,000.00 USD in the fund) has spent 30,000.00 USD of the
project's 40,000.00 USD allocation from the surplus, and a partner has paid COFUNDED of its
costs. A proposal is a surplus payment of the project on 2006-03-01 unless a case says otherwise;
the audit is as of 2007-01-01 (the project closed on 2006-08-29).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aipo_budget.cli import cli
from aipo_budget.outputs.pending import judge as judging
from conftest import RULES, write_ledger

AS_OF = "2007-01-01"
RESEARCH = "Expenses:Projects:Trafficking-Roadmap:Research"
EVIDENCE = "2006-03-01.proposal-invoice.pdf"


def base(cofunded: str = "30000.00", extra: str = "") -> str:
    return f"""
2005-12-31 * "Member parliaments" "Contributions 2005"
  Assets:Operating:Bank-USD        100000.00 USD
  Income:Contributions:Brunei

2005-12-31 * "Landlord" "Rent 2005"
  Expenses:Secretariat:Rent         60000.00 USD
  Assets:Operating:Bank-USD

2006-02-01 * "Institute" "Research, first phase"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Budi Santoso"
  approved-by: "Maria Villanueva, Nguyen Thi Lan"
  document: "2006-02-01.contract.pdf"
  {RESEARCH}   30000.00 USD
  Assets:Surplus-Fund:Bank

2006-02-02 * "Partner" "Co-funding of the research"
  {RESEARCH}   {cofunded} USD
  Assets:Co-Funding:Partner

2006-02-02 * "Partner" "Grant received"
  Assets:Co-Funding:Partner   {cofunded} USD
  Income:Co-Funding:Partner
{extra}
"""


def proposal(amount: str = "6000.00", *, date: str = "2006-03-01", account: str = RESEARCH,
             currency: str = "USD", meta: dict[str, str] | None = None,
             fund: str = "Assets:Surplus-Fund:Bank") -> str:
    fields = {"resolution": '"26GA/2005/Soc/03"', "prepared-by": '"Budi Santoso"',
              "approved-by": '"Maria Villanueva, Nguyen Thi Lan"',
              "document": f'"{EVIDENCE}"', **(meta or {})}
    lines = [f'{date} * "Consultant" "Proposed payment"']
    lines += [f"  {k}: {v}" for k, v in fields.items() if v is not None]
    lines += [f"  {account}   {amount} {currency}", f"  {fund}   -{amount} {currency}"]
    return "\n".join(lines) + "\n"


def books(tmp_path: Path, text: str) -> Path:
    ledger = write_ledger(tmp_path, text)
    for account in (RESEARCH, "Expenses:Projects:Trafficking-Roadmap:Translation"):
        folder = tmp_path / "documents" / Path(*account.split(":"))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / EVIDENCE).write_bytes(b"%PDF-1.4\n% proposed evidence\n")
    return ledger


def pending(ledger: Path, text: str, *args: str, name: str = "proposal.beancount"):
    """Run ``check --pending`` on ``text`` (written beside the ledger); the result and the
    JSON document when the output is JSON."""
    path = ledger.parent / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(RULES),
                                      "--as-of", AS_OF, "--pending", str(path), *args])
    return result


def judged(ledger: Path, text: str, *args: str) -> tuple[int, dict]:
    result = pending(ledger, text, "-f", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def error_kinds(document: dict, index: int = 0) -> set[str]:
    return {f["kind"] for f in document["proposals"][index]["findings"]
            if f["severity"] == "error"}


# --- each rule kind: a proposal at the edge passes, one beyond it does not -------------------

TRANSFER_BASE = ""
CASES = {
    # 30,000 spent + 10,000.00 = the allocation exactly (a warning at 90 %); a cent more crosses
    "ceiling": (base(), proposal("10000.00"), proposal("10000.01")),
    # 37,500 of 62,500 is 60 % exactly; 3 cents more is 37,500.03 of 62,500.03, and 60 % of
    # that is 37,500.02 to the cent: a cent above the cap at close (a cent more is no excess:
    # 60 % of 62,500.01 is 37,500.01 to the cent)
    "cofunding": (base("25000.00"), proposal("7500.00"), proposal("7500.03")),
    # 200,000 - 65,000 - 30,000 = 105,000: 5,000.00 leaves the floor exactly
    "reserve": (base(extra='\n2005-12-15 * "Bank" "Moved to operating cash"\n'
                           "  Assets:Operating:Bank-USD   65000.00 USD\n"
                           "  Assets:Surplus-Fund:Bank\n"),
                proposal("5000.00"), proposal("5000.01")),
    # one approver is enough up to 5,000.00, not above
    "approval": (base(), proposal("5000.00", meta={"approved-by": '"Nguyen Thi Lan"'}),
                 proposal("5000.01", meta={"approved-by": '"Nguyen Thi Lan"'})),
    # the preparer, written differently, is still the preparer
    "segregation": (base(), proposal(),
                    proposal(meta={"approved-by": '"Maria Villanueva,   budi  SANTOSO"'})),
    "evidence": (base(), proposal(),
                 proposal(meta={"document": '"2006-03-01.no-such-invoice.pdf"'})),
    # incurred on the last day of the period, paid on the last day of the window; a day later
    "period": (base(), proposal(date="2006-08-29", meta={"incurred": "2006-06-30"}),
               proposal(date="2006-08-30", meta={"incurred": "2006-06-30"})),
    "purpose": (base(), proposal(), proposal(account="Expenses:Secretariat:Rent")),
    "eligibility": (base(), proposal(account="Expenses:Projects:Trafficking-Roadmap:Translation"),
                    proposal(account="Expenses:Projects:Trafficking-Roadmap:Hospitality")),
    "authorization": (base(), proposal(), proposal(meta={"resolution": '"26GA/2005/Soc/99"'})),
    # a price on the payment's own date is used; a day before it there is none
    "conversion": (base(extra="\n2006-03-01 price MYR 0.25 USD\n"),
                   proposal("4000.00", currency="MYR"),
                   proposal("4000.00", currency="MYR", date="2006-02-28")),
    # the 2005 operating surplus is 40,000.00: a transfer of exactly that passes
    "transfer": (base(),
                 '2006-03-01 * "Transfer of the 2005 surplus"\n  fiscal-year: 2005\n'
                 '  audit-ref: "AR-2005"\n  Assets:Surplus-Fund:Bank   40000.00 USD\n'
                 "  Assets:Operating:Bank-USD\n",
                 '2006-03-01 * "Transfer of the 2005 surplus"\n  fiscal-year: 2005\n'
                 '  audit-ref: "AR-2005"\n  Assets:Surplus-Fund:Bank   40000.01 USD\n'
                 "  Assets:Operating:Bank-USD\n"),
    # Beancount's own: a proposal that does not balance
    "ledger": (base(), proposal(),
               proposal().replace("-6000.00 USD", "-5000.00 USD")),
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_proposal_at_the_edge_can_be_paid_one_beyond_it_cannot(kind, tmp_path):
    text, fits, breaches = CASES[kind]
    ledger = books(tmp_path, text)
    status, document = judged(ledger, fits)
    assert status == 0, document
    assert not error_kinds(document), document
    assert document["proposals"][0]["verdict"].startswith("can be paid")
    status, document = judged(ledger, breaches)
    assert status == 1, document
    assert kind in error_kinds(document), document
    assert document["proposals"][0]["verdict"] == "cannot be paid"


# --- the headroom, against figures computed by hand -----------------------------------------

def headroom_of(document: dict, index: int = 0) -> dict[tuple[str, str | None], dict]:
    table = document["proposals"][index]["headroom"]
    return {(row["measure"], row["project"]): row for row in table["rows"]}


def test_headroom_after_a_proposal_is_what_a_hand_computation_gives(tmp_path):
    ledger = books(tmp_path, base())
    # prepared by one of its two approvers: only the other one counts
    status, document = judged(ledger, proposal(
        "6000.00", meta={"approved-by": '"Nguyen Thi Lan, Budi Santoso"'}))
    assert status == 1  # segregation
    room = headroom_of(document)
    project = "Trafficking-Roadmap"
    # 40,000 - 30,000 - 6,000 = 4,000, 10 % of the allocation
    assert room[("allocation remaining", project)]["amount"] == "4000.00"
    assert room[("allocation remaining", project)]["percent"] == 10.0
    # 36,000 of 66,000 = 54.5 %; with the remaining 4,000 from the surplus: 40/70 = 57.1 %
    assert room[("surplus share of the project's cost", project)]["percent"] == 54.5
    assert room[("surplus share if no more co-funding comes", project)]["percent"] == 57.1
    # 2006-03-01 to 2006-06-30: 121 days; to the window's end 2006-08-29: 181 days
    assert room[("days left in the project period", project)]["number"] == 121
    assert room[("days left in the payment window", project)]["date"] == "2006-08-29"
    assert room[("days left in the payment window", project)]["number"] == 181
    # 200,000 - 30,000 - 6,000 = 164,000: 64,000 above the 100,000 floor
    assert room[("above the reserve floor", None)]["amount"] == "64000.00"
    # above 5,000 two approvers are needed; the preparer cannot be one: one more
    approvals = room[("approvals still needed", None)]
    assert approvals["number"] == 1
    assert "preparer Budi Santoso cannot be one" in approvals["note"]


def test_the_reserve_headroom_is_at_the_lowest_balance_after_the_payment(tmp_path):
    """A later, existing outflow takes the fund lower than the proposal does."""
    later = ('\n2006-05-01 * "Bank" "Moved to operating cash"\n'
             "  Assets:Operating:Bank-USD   50000.00 USD\n  Assets:Surplus-Fund:Bank\n")
    ledger = books(tmp_path, base(extra=later))
    _status, document = judged(ledger, proposal("6000.00"))
    reserve = headroom_of(document)[("above the reserve floor", None)]
    assert reserve["amount"] == "14000.00"  # 200,000 - 30,000 - 6,000 - 50,000 - 100,000
    assert reserve["date"] == "2006-05-01"


# --- what a proposal does to the entries already there ---------------------------------------

# a payment after the proposals' date, which a back-dated proposal can push over the ceiling
LATER_PAYMENT = f"""
2006-05-01 * "Institute" "Research, second phase"
  resolution: "26GA/2005/Soc/03"
  prepared-by: "Budi Santoso"
  approved-by: "Maria Villanueva, Nguyen Thi Lan"
  document: "2006-05-01.contract.pdf"
  {RESEARCH}   8000.00 USD
  Assets:Surplus-Fund:Bank
"""


def test_a_back_dated_proposal_that_makes_a_later_payment_cross_the_ceiling(tmp_path):
    ledger = books(tmp_path, base(extra=LATER_PAYMENT))
    status, document = judged(ledger, proposal("3000.00"))
    assert status == 1
    verdict = document["proposals"][0]
    caused = [f for f in verdict["findings"] if f["caused_by_proposal"]]
    crossing = [f for f in caused if f["kind"] == "ceiling" and f["severity"] == "error"]
    assert len(crossing) == 1
    assert crossing[0]["filename"] == str(ledger)
    assert crossing[0]["date"] == "2006-05-01"
    assert crossing[0]["message"].startswith("caused by the proposal (")
    assert crossing[0]["amount"] == "1000.00"  # 41,000 - 40,000
    # the proposal itself (33,000 = 82.5 %) has no finding of its own
    assert [f for f in verdict["findings"] if not f["caused_by_proposal"]] == []
    assert verdict["verdict"] == "cannot be paid"


def test_a_back_dated_proposal_reports_the_balance_assertions_it_breaks(tmp_path):
    ledger = books(tmp_path, base(extra="\n2006-04-01 balance Assets:Surplus-Fund:Bank "
                                        "170000.00 USD\n"))
    status, document = judged(ledger, proposal("1000.00"))
    assert status == 1
    ledger_errors = [f for f in document["proposals"][0]["findings"] if f["kind"] == "ledger"]
    assert len(ledger_errors) == 1
    assert ledger_errors[0]["caused_by_proposal"] and ledger_errors[0]["date"] == "2006-04-01"
    assert "Balance failed" in ledger_errors[0]["message"]


def test_findings_the_ledger_already_had_are_not_the_proposals(tmp_path):
    """The base ledger pays operating cash from the fund without authority (its own errors);
    a proposed operating expense adds nothing to them and can be paid."""
    moved = ('\n2005-12-15 * "Bank" "Moved to operating cash"\n'
             "  Assets:Operating:Bank-USD   65000.00 USD\n  Assets:Surplus-Fund:Bank\n")
    ledger = books(tmp_path, base(extra=moved))
    own = CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(RULES), "--as-of", AS_OF])
    assert own.exit_code == 1 and "ART21-AUTH" in own.stdout
    rent = ('2006-03-01 * "Landlord" "Rent, March"\n'
            "  Expenses:Secretariat:Rent   5000.00 USD\n  Assets:Operating:Bank-USD\n")
    status, document = judged(ledger, rent)
    assert status == 0, document
    assert document["proposals"][0]["findings"] == []
    assert document["proposals"][0]["headroom"]["rows"] == []
    assert "Not a surplus outflow" in document["proposals"][0]["headroom"]["notes"][0]


def test_proposals_are_judged_in_file_order_as_if_paid_in_turn(tmp_path):
    ledger = books(tmp_path, base())
    first = proposal("6000.00")
    second = proposal("6000.00").replace("Proposed payment", "Second proposed payment")
    status, document = judged(ledger, first + "\n" + second)
    assert status == 1
    one, two = document["proposals"]
    assert one["verdict"] == "can be paid with warnings"  # 36,000: 90 % of the allocation
    assert two["verdict"] == "cannot be paid" and "ceiling" in error_kinds(document, 1)
    assert (one["lineno"], two["lineno"]) == (1, first.count("\n") + 2)


def test_strict_refuses_a_proposal_with_warnings(tmp_path):
    ledger = books(tmp_path, base())
    assert judged(ledger, proposal("10000.00"))[0] == 0
    assert judged(ledger, proposal("10000.00"), "--strict")[0] == 1


# --- nothing is written; standard input; formats ----------------------------------------------

def tree_digest(*folders: Path) -> dict[str, str]:
    found = {}
    for folder in folders:
        for root, _dirs, files in os.walk(folder):
            for name in files:
                path = os.path.join(root, name)
                with open(path, "rb") as file:
                    found[path] = hashlib.sha256(file.read()).hexdigest()
    return found


def test_the_proposal_lands_in_no_file(tmp_path):
    ledger = books(tmp_path, base())
    (tmp_path / "proposal.beancount").write_text(proposal(), encoding="utf-8")
    cache = Path(os.environ["AIPO_BUDGET_CACHE_DIR"])
    before = tree_digest(tmp_path, cache)
    for fmt in ("table", "json", "markdown"):
        result = pending(ledger, proposal(), "-f", fmt)
        assert result.exit_code == 0, result.output
    assert tree_digest(tmp_path, cache) == before


def test_pending_reads_standard_input_from_a_pipe(tmp_path):
    ledger = books(tmp_path, base())
    command = [sys.executable, "-c", "from aipo_budget.cli import main; main()", "check",
               str(ledger), "--rules", str(RULES), "--as-of", AS_OF, "--pending", "-",
               "-f", "json"]
    done = subprocess.run(command, input=proposal("10000.01").encode(), capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert document["pending"] == "<stdin>"
    assert "ceiling" in error_kinds(document)
    assert done.stderr == b""


def test_a_document_path_on_standard_input_is_read_as_from_a_file_in_the_current_folder(
        tmp_path, monkeypatch):
    """A document written as a path is read from the folder of the file holding the
    transaction; standard input has none, and was found nowhere (a review: the same text was
    "can be paid" from a file and an ORG08-EVIDENCE error from a pipe)."""
    ledger = books(tmp_path, base())
    monkeypatch.chdir(tmp_path)
    path = f'"documents/{RESEARCH.replace(":", "/")}/{EVIDENCE}"'
    text = proposal(meta={"document": path})
    from_file = pending(ledger, text, "-f", "json")
    args = ["check", str(ledger), "--rules", str(RULES), "--as-of", AS_OF, "--pending", "-",
            "-f", "json"]
    from_stdin = CliRunner().invoke(cli, args, input=text)
    assert from_file.exit_code == from_stdin.exit_code == 0, from_stdin.output
    kinds = [{f["kind"] for f in json.loads(result.stdout)["proposals"][0]["findings"]}
             for result in (from_file, from_stdin)]
    assert kinds[0] == kinds[1] and "evidence" not in kinds[1]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_formats_show_findings_headroom_and_a_verdict(fmt, tmp_path):
    ledger = books(tmp_path, base())
    result = pending(ledger, proposal("10000.01"), "-f", fmt)
    assert result.exit_code == 1, result.output
    assert "Verdict on proposal 1: cannot be paid: 1 error." in result.stdout
    assert "allocation remaining" in result.stdout and "SOC03-CEILING" in result.stdout
    assert "0 of 1 proposal can be paid." in result.stdout


def test_csv_is_refused_with_the_formats_that_work(tmp_path):
    ledger = books(tmp_path, base())
    result = pending(ledger, proposal(), "-f", "csv")
    assert result.exit_code == 2
    assert "use table, json or markdown" in result.output


# --- bad input: exit status 2, the file and line named ----------------------------------------

UNBOOKABLE = ('2006-03-01 * "Consultant" "Proposed payment"\n  resolution: "26GA/2005/Soc/03"\n'
              f"  {RESEARCH}\n  Assets:Surplus-Fund:Bank\n")


@pytest.mark.parametrize("text, expected", [
    (proposal(account="Expenses:Projects:Trafficking-Roadmap:Catering"),
     "proposal.beancount:6: account Expenses:Projects:Trafficking-Roadmap:Catering is not "
     "opened in the ledger"),
    ('2006-03-01 * "x"\n  Assets:Surplus-Fund:Bank  -1 USD\n  Expenses:Oops:: 1 USD\n',
     "proposal.beancount:3:"),
    ("2006-03-01 open Expenses:Projects:Trafficking-Roadmap:Catering\n",
     "proposal.beancount:1: only transactions can be proposed, not a open entry"),
    ('include "other.beancount"\n' + proposal(), "proposal.beancount:1: `include` lines"),
    ("; nothing here\n", "proposal.beancount: holds no transaction to judge"),
    (proposal(date="2007-02-01"), "after --as-of 2007-01-01"),
    # two postings without amounts: Beancount leaves the transaction out, alone or not
    (UNBOOKABLE, "proposal.beancount:1: Beancount cannot book this transaction: You may not "
                 "have more than one auto-posting per currency"),
    (proposal() + "\n" + UNBOOKABLE.replace("2006-03-01", "2006-03-02"),
     "proposal.beancount:9: Beancount cannot book this transaction"),
])
def test_a_proposal_that_cannot_be_judged_is_refused(text, expected, tmp_path):
    ledger = books(tmp_path, base())
    result = pending(ledger, text)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output


def test_a_missing_proposal_file_and_a_bare_pending_are_refused(tmp_path):
    ledger = books(tmp_path, base())
    missing = CliRunner().invoke(cli, ["check", str(ledger), "--pending",
                                       str(tmp_path / "nope.beancount")])
    assert missing.exit_code == 2 and "nope.beancount: cannot read" in missing.output
    bare = CliRunner().invoke(cli, ["check", str(ledger), "--pending"])
    assert bare.exit_code == 2 and "--pending needs a FILE" in bare.output


# --- the template -----------------------------------------------------------------------------

def test_the_template_is_a_proposal_with_every_required_key(tmp_path):
    ledger = books(tmp_path, base())
    shown = CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(RULES),
                                     "--pending", "--template"])
    assert shown.exit_code == 0, shown.output
    for key in ("resolution:", "prepared-by:", "approved-by:", "document:", "incurred:"):
        assert key in shown.stdout
    assert "Assets:Surplus-Fund:Bank" in shown.stdout and RESEARCH in shown.stdout
    # as printed, it is a proposal the command can judge (not bad input)
    (tmp_path / "proposal.beancount").write_text(shown.stdout, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(RULES), "-f", "json",
                                      "--pending", str(tmp_path / "proposal.beancount")])
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.stdout)["proposals"][0]["transaction"] == \
        "Payee — What the payment is for"


def test_a_proposal_inside_a_sealed_period_cannot_be_paid(tmp_path):
    ledger = books(tmp_path, base())
    sealed = CliRunner().invoke(cli, ["seal", str(ledger), "--rules", str(RULES),
                                      "--through", "2006-02-28", "--by", "A. Auditor"])
    assert sealed.exit_code == 0, sealed.output
    status, document = judged(ledger, proposal(date="2006-02-20"))
    assert status == 1
    (seal,) = [f for f in document["proposals"][0]["findings"] if f["kind"] == "seal"]
    assert seal["severity"] == "error" and "2006-02-28" in seal["message"]
    # after the seal, the same payment is no business of the seal's
    status, document = judged(ledger, proposal(date="2006-03-01"))
    assert "seal" not in error_kinds(document)


def test_what_a_proposal_causes_on_later_entries_is_its_own(tmp_path):
    """The first proposal pushes a later, existing payment over the ceiling and breaks a later
    balance assertion: both are caused by it, and the second proposal, judged after it, is
    not blamed for them."""
    later = LATER_PAYMENT + "\n2006-04-01 balance Assets:Surplus-Fund:Bank  170000.00 USD\n"
    ledger = books(tmp_path, base(extra=later))
    proposals = proposal("3000.00") + "\n" + proposal("1000.00").replace("Proposed", "Next")
    together = judged(ledger, proposals)
    assert not [f for f in together[1]["proposals"][1]["findings"]
                if f["caused_by_proposal"] and f["kind"] == "ledger"]
    caused = {f["kind"] for f in together[1]["proposals"][0]["findings"]
              if f["caused_by_proposal"]}
    assert {"ceiling", "ledger"} <= caused


def test_beancount_errors_on_a_proposal_are_its_own_and_name_its_file(tmp_path):
    """The second proposal pays USD to an account opened for EUR only: Beancount's error is
    on it, at its line of the proposal file, and not on the first proposal, judged without it."""
    printing = "Expenses:Projects:Trafficking-Roadmap:Printing"
    ledger = books(tmp_path, base(extra=f"\n2002-01-01 open {printing} EUR\n"))
    second = proposal("1000.00", account=printing).replace("Proposed", "Second")
    _, document = judged(ledger, proposal("1000.00") + "\n" + second)
    one, two = document["proposals"]
    assert "ledger" not in {f["kind"] for f in one["findings"]}
    [error] = [f for f in two["findings"] if f["kind"] == "ledger"]
    assert error["filename"].endswith("proposal.beancount") and not error["caused_by_proposal"]
    assert error["lineno"] == two["lineno"] and "Invalid currency USD" in error["message"]


def test_a_finding_the_ledger_already_had_on_its_metadata_is_not_the_proposals(tmp_path):
    """A finding of the ledger rule that the audit makes itself (an unreadable fiscal-year of
    a contribution), not Beancount: the ledger's check has it, so the proposal did not cause
    it."""
    contribution = ('\n2006-01-15 * "Member parliaments" "Contribution"\n'
                    '  fiscal-year: "twenty-six"\n'
                    "  Assets:Operating:Bank-USD   100.00 USD\n  Income:Contributions:Brunei\n")
    ledger = books(tmp_path, base(extra=contribution))
    own = CliRunner().invoke(cli, ["check", str(ledger), "--rules", str(RULES), "--as-of", AS_OF,
                                   "-f", "json"])
    assert any(f["kind"] == "ledger" for f in json.loads(own.stdout)["findings"]), own.stdout
    _, document = judged(ledger, proposal("1000.00"))
    assert not [f for f in document["proposals"][0]["findings"] if f["caused_by_proposal"]]


def test_what_a_later_proposal_does_through_a_pad_is_not_left_off_it(tmp_path):
    """A pad fills the fund account up to a later balance assertion, so its transaction (a
    transfer into the fund, without fiscal year or audit reference) exists only because a
    proposal dated between them takes money out. The first proposal is dated after the
    assertion and is harmless on its own; the second, dated between, makes the padding. The
    second must not come out "can be paid": the padding is made again for each audit, so the
    pad's transaction is new where the second proposal is added, and only there."""
    extra = ("\n2006-02-15 pad Assets:Surplus-Fund:Bank Equity:Opening-Balances\n"
             "2006-04-01 balance Assets:Surplus-Fund:Bank  170000.00 USD\n")
    ledger = books(tmp_path, base(extra=extra))
    translation = "Expenses:Projects:Trafficking-Roadmap:Translation"
    harmless = proposal("1000.00", date="2006-05-01", account=translation)
    padded = proposal("500.00", date="2006-03-01").replace("Proposed", "Second")
    assert judged(ledger, harmless)[1]["proposals"][0]["verdict"] != "cannot be paid"
    _, document = judged(ledger, harmless + "\n" + padded)
    second = document["proposals"][1]
    assert second["verdict"] == "cannot be paid"
    assert any(f["caused_by_proposal"] and f["kind"] == "transfer" for f in second["findings"])
    first = document["proposals"][0]
    assert not any(f["caused_by_proposal"] for f in first["findings"])


# --- a few audits or one per proposal: the same verdicts ----------------------------------------

PAYMENT_ACCOUNTS = (RESEARCH, "Expenses:Projects:Trafficking-Roadmap:Translation",
                    "Expenses:Secretariat:Rent")
APPROVERS = ('"Maria Villanueva, Nguyen Thi Lan"', '"Nguyen Thi Lan"')


TRANSFER, PARTNER = "Operating cash back to the fund", "Pays part of the research"


def _some_proposal(draw) -> str:
    """A surplus payment (now and then citing no document, incurred earlier, of two categories
    or in THB from the imprest account), now and then something else: a transfer into the
    fund (which may take a finding away) or a partner's payment of a project cost."""
    day = f"2006-{draw(st.integers(1, 12)):02d}-{draw(st.integers(1, 28)):02d}"
    amount = f"{draw(st.sampled_from([1, 950, 2000, 4999, 6000, 9000, 12000, 60000]))}.00"
    kind = draw(st.sampled_from(["payment"] * 6 + ["transfer", "cofunding"]))
    if kind == "transfer":
        return (f'{day} * "Bank" "{TRANSFER}"\n'
                f'  fiscal-year: 2005\n  audit-ref: "AR-2005"\n'
                f"  Assets:Surplus-Fund:Bank   {amount} USD\n  Assets:Operating:Bank-USD\n")
    if kind == "cofunding":
        return (f'{day} * "Partner" "{PARTNER}"\n'
                f"  {RESEARCH}   {amount} USD\n  Assets:Co-Funding:Partner\n")
    meta = {"approved-by": draw(st.sampled_from(APPROVERS)),
            "document": draw(st.sampled_from([f'"{EVIDENCE}"'] * 3 + [None])),
            "incurred": draw(st.sampled_from([None] * 3 + ["2005-12-20", "2006-01-15"]))}
    account = draw(st.sampled_from(PAYMENT_ACCOUNTS))
    written = proposal(amount, date=day, account=account, meta=meta)
    way = draw(st.sampled_from(["usd"] * 4 + ["split", "thb"]))
    if way == "split" and account == RESEARCH:  # two categories of the project in one payment
        written = written.replace(f"  {RESEARCH}   {amount} USD\n",
                                  f"  {RESEARCH}   {amount} USD\n  {PAYMENT_ACCOUNTS[1]}   1.00 USD\n")
        written = written.replace(f"   -{amount} USD\n", f"   -{float(amount) + 1:.2f} USD\n")
    elif way == "thb":  # from the imprest account, at the ledger's THB price
        written = written.replace(" USD\n", " THB\n").replace("Surplus-Fund:Bank",
                                                              "Surplus-Fund:Imprest")
    return written


@st.composite
def _batches(draw) -> str:
    return "\n".join(_some_proposal(draw) for _ in range(draw(st.integers(1, 6))))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=_batches())
def test_a_few_audits_give_the_verdicts_of_one_audit_per_proposal(tmp_path, monkeypatch, batch):
    """Whatever the batch (back-dated payments, ceilings crossed by later ones, transfers that
    take a reserve finding away, co-funding), the verdicts made from a few audits are those of
    one audit per proposal, or the audits per proposal are made."""
    ledger = tmp_path / "books" / "main.beancount"
    if not ledger.exists():
        ledger.parent.mkdir()
        books(ledger.parent, base(extra='\n2006-01-10 * "Bank" "Moved to operating cash"\n'
                                        "  Assets:Operating:Bank-USD   50000.00 USD\n"
                                        "  Assets:Surplus-Fund:Bank\n"))
    real = REAL_AT_ONCE  # not judging._at_once: the examples share one monkeypatch
    taken = []
    monkeypatch.setattr(judging, "_at_once", lambda p: taken.append(real(p)) or taken[-1])
    fast = judged(ledger, batch)
    monkeypatch.setattr(judging, "_at_once", lambda p: None)
    assert judged(ledger, batch) == fast
    if any(text in batch for text in (TRANSFER, PARTNER)):
        assert taken[-1] is None  # money into the fund, a partner's payment: in turn


REAL_AT_ONCE = judging._at_once


def _found(findings: list[dict]) -> set[tuple]:
    return {(f["rule"], f["kind"], f["severity"], Path(f["filename"]).name, f["lineno"])
            for f in findings}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=_batches())
def test_each_verdict_is_what_check_says_once_the_proposals_up_to_it_are_booked(tmp_path, batch):
    """The definition, witnessed by plain ``check``: the proposals up to the k-th written
    into the books (a file the ledger includes, at the lines of the proposal file), the k-th
    proposal's findings are those check finds on it, and those it finds elsewhere that it did
    not find with one proposal fewer (caused by the proposal)."""
    ledger = tmp_path / "books" / "main.beancount"
    booked = tmp_path / "booked"
    if not ledger.exists():
        ledger.parent.mkdir()
        books(ledger.parent, base(extra='\n2006-01-10 * "Bank" "Moved to operating cash"\n'
                                        "  Assets:Operating:Bank-USD   50000.00 USD\n"
                                        "  Assets:Surplus-Fund:Bank\n"))
        shutil.copytree(ledger.parent, booked)
        with (booked / "main.beancount").open("a", encoding="utf-8") as main:
            main.write('\ninclude "proposal.beancount"\n')
    _, document = judged(ledger, batch)
    proposals = batch.split("\n\n")
    before = None
    for k, judged_k in enumerate(document["proposals"]):
        (booked / "proposal.beancount").write_text("\n\n".join(proposals[:k + 1]) + "\n",
                                                   encoding="utf-8")
        result = CliRunner().invoke(cli, ["check", str(booked / "main.beancount"), "--rules",
                                          str(RULES), "--as-of", AS_OF, "-f", "json",
                                          "--no-cache"])
        assert result.exit_code in (0, 1), result.output
        now = _found(json.loads(result.stdout)["findings"])
        if before is None:  # the books without any proposal
            (booked / "proposal.beancount").write_text("", encoding="utf-8")
            empty = CliRunner().invoke(cli, ["check", str(booked / "main.beancount"), "--rules",
                                             str(RULES), "--as-of", AS_OF, "-f", "json",
                                             "--no-cache"])
            before = _found(json.loads(empty.stdout)["findings"])
        here = ("proposal.beancount", judged_k["lineno"])
        expected = {f for f in now if f[3:] == here or f not in before}
        assert _found(judged_k["findings"]) == expected, (k, batch)
        before = now


def test_the_few_audits_are_the_usual_case(tmp_path, monkeypatch):
    """The comparison above is not vacuous: most batches of payments (no money into the
    fund) take the few audits. Drawn here from the same batches, so that the test holds
    whichever process (pytest-xdist) or order runs the one above."""
    ledger = tmp_path / "books" / "main.beancount"
    ledger.parent.mkdir()
    books(ledger.parent, base(extra='\n2006-01-10 * "Bank" "Moved to operating cash"\n'
                                    "  Assets:Operating:Bank-USD   50000.00 USD\n"
                                    "  Assets:Surplus-Fund:Bank\n"))
    taken: list[bool] = []

    def at_once(prefixes):
        verdicts = REAL_AT_ONCE(prefixes)
        taken.append(verdicts is not None)
        return verdicts

    monkeypatch.setattr(judging, "_at_once", at_once)

    @settings(max_examples=12, deadline=None, derandomize=True, database=None)
    @given(batch=_batches())
    def judge_one(batch: str) -> None:
        if not any(text in batch for text in (TRANSFER, PARTNER)):
            judged(ledger, batch)

    judge_one()
    assert taken and sum(taken) >= len(taken) / 2, taken


def test_money_into_the_fund_listed_later_leaves_the_payment_before_it_unpaid(tmp_path):
    """The payment breaks the reserve floor; the transfer listed after it, but dated earlier,
    would lift the reserve above it. The payment is judged with the proposals before it
    only: it cannot be paid (judged from the ledger with both, it looked payable)."""
    ledger = books(tmp_path, CASES["reserve"][0])
    transfer = (f'2006-02-01 * "Bank" "{TRANSFER}"\n  fiscal-year: 2005\n  audit-ref: "AR-2005"\n'
                "  Assets:Surplus-Fund:Bank   20000.00 USD\n  Assets:Operating:Bank-USD\n")
    _, document = judged(ledger, CASES["reserve"][2] + "\n" + transfer)
    payment, lifted = document["proposals"]
    assert payment["verdict"] == "cannot be paid"
    assert [f["kind"] for f in payment["findings"]] == ["reserve"]
    assert lifted["verdict"] == "can be paid" and not lifted["findings"]


def test_a_finding_a_proposal_takes_away_and_a_later_one_brings_back_is_the_later_ones(
        tmp_path):
    """The ledger's payment of 20 May repeats two earlier ones: the invoice of 1 May (an
    error) and the payment of the same amount to the same payee of 5 May, which cites none (a
    warning). The first proposal, of 10 May, repeats it on both counts: one error, the warning
    is gone. The second, of 15 May, again without a document, brings the warning back: the
    second caused it."""
    def paid(amount: str, day: str, what: str, document: str | None = EVIDENCE) -> str:
        return proposal(amount, date=day, meta={"document": document and f'"{document}"'}
                        ).replace("Proposed payment", what)

    ledger = books(tmp_path, base(extra="\n" + "\n".join([
        paid("700.00", "2006-05-01", "Invoice"), paid("800.00", "2006-05-05", "Fee", None),
        paid("800.00", "2006-05-20", "Fee again")])))
    batch = paid("800.00", "2006-05-10", "Fee") + "\n" + paid("800.00", "2006-05-15", "Fee", None)
    _, document = judged(ledger, batch)
    [caused] = [f for f in document["proposals"][1]["findings"] if f["caused_by_proposal"]]
    assert (caused["kind"], caused["severity"]) == ("duplicate", "warning")
    assert caused["filename"] == str(ledger) and "the outflow of 2006-05-15" in caused["message"]


def test_a_warning_that_gave_way_to_an_error_and_comes_back_is_the_later_proposals(tmp_path):
    """The ledger's payment of 20 May repeats the one of 5 May, which cites no document (a
    warning). The first proposal, of 10 May, repeats it by the invoice too: the two merge into
    one error. The second, of 15 May, without a document, brings the warning back."""
    def paid(day: str, document: str | None) -> str:
        return proposal("800.00", date=day, meta={"document": document and f'"{document}"'})

    ledger = books(tmp_path, base(extra="\n" + paid("2006-05-05", None) + "\n"
                                  + paid("2006-05-20", EVIDENCE)))
    _, document = judged(ledger, paid("2006-05-10", EVIDENCE) + "\n" + paid("2006-05-15", None))
    caused = [f for f in document["proposals"][1]["findings"] if f["caused_by_proposal"]]
    assert [(f["kind"], f["severity"], f["filename"]) for f in caused] == [
        ("duplicate", "warning", str(ledger))]


def test_a_payment_that_also_fills_a_fund_account_takes_the_proposal_by_proposal_path(
        tmp_path):
    """A fund sub-account must hold nothing on 1 June. The first payment also puts 500.00
    into it, the second takes them out again, the third puts 500.00 back: the third breaks
    the assertion again, which it caused."""
    deposit = "Assets:Surplus-Fund:Deposit"
    ledger = books(tmp_path, base(extra=f"\n2006-06-01 balance {deposit}  0.00 USD\n"))
    folder = tmp_path / "documents" / Path(*RESEARCH.split(":"))
    batch = []
    for n, (day, into, bank) in enumerate([("2006-03-01", "500.00", "-1500.00"),
                                           ("2006-03-02", "-500.00", None),
                                           ("2006-03-03", "500.00", "-1500.00")], 1):
        (folder / f"{day}.invoice-{n}.pdf").write_bytes(b"%PDF-1.4\n")
        text = proposal("1000.00", date=day, meta={"document": f'"{day}.invoice-{n}.pdf"'})
        fund = f"  {deposit}   {into} USD\n" + (f"  Assets:Surplus-Fund:Bank   {bank} USD\n"
                                                if bank else "")
        amount = "1000.00" if bank else "500.00"
        batch.append(text.replace("   1000.00 USD", f"   {amount} USD", 1)
                     .replace("  Assets:Surplus-Fund:Bank   -1000.00 USD\n", fund))
    _, document = judged(ledger, "\n".join(batch))
    third = document["proposals"][2]
    assert third["verdict"] == "cannot be paid"
    assert [f["kind"] for f in third["findings"] if f["caused_by_proposal"]] == ["ledger"]


def test_a_payment_that_breaks_again_an_assertion_an_earlier_one_set_right_caused_it(tmp_path):
    """The ledger's balance assertion on the research costs expects 1,000.00 more than they
    are (a finding of the ledger). The first proposal pays those 1,000.00 and the assertion
    holds; the second pays 500.00 more and it fails again: the second caused it."""
    ledger = books(tmp_path, base(extra=f"\n2006-06-01 balance {RESEARCH}  61000.00 USD\n"))
    second = "2006-03-02.second-invoice.pdf"
    (tmp_path / "documents" / Path(*RESEARCH.split(":")) / second).write_bytes(b"%PDF-1.4\n")
    batch = (proposal("1000.00") + "\n"
             + proposal("500.00", date="2006-03-02", meta={"document": f'"{second}"'}))
    _, document = judged(ledger, batch)
    first, again = document["proposals"]
    assert first["verdict"] == "can be paid"
    [caused] = [f for f in again["findings"] if f["caused_by_proposal"]]
    assert caused["kind"] == "ledger" and "Balance failed" in caused["message"]


def test_a_warning_that_joins_an_error_on_an_earlier_payment_is_new_where_it_joins(tmp_path):
    """Four payments citing one invoice: the one of 2 January repeats the two of 1 January
    (an error, by the document, caused by the second proposal). The fourth, of 950.00, adds a
    warning beside that error, on the first proposal: the fourth caused it."""
    ledger = books(tmp_path, base())
    both = {"approved-by": APPROVERS[0]}
    batch = "\n".join([proposal("1.00", date="2006-01-02", meta=both),
                       proposal("1.00", date="2006-01-01", meta=both),
                       proposal("1.00", date="2006-01-01", meta=both),
                       proposal("950.00", date="2006-01-01", meta=both)])
    _, document = judged(ledger, batch)
    fourth = document["proposals"][3]
    [caused] = [f for f in fourth["findings"] if f["caused_by_proposal"]]
    assert (caused["kind"], caused["severity"], caused["lineno"]) == ("duplicate", "warning", 1)
    assert "same payee and amount 1 day(s) apart" in caused["message"]


# --- the lowest balance after each proposal, without a history per proposal ----------------


@settings(max_examples=200, deadline=None)
@given(moves=st.lists(st.tuples(st.integers(1, 20), st.integers(-50, 50), st.booleans()),
                      max_size=30))
def test_the_lowest_balance_after_each_proposal_is_that_of_its_own_history(moves):
    """What the headroom reads of the fund's history after proposal *k* (the first lowest
    balance from its day on, with the later proposals taken out), from one tree of minima,
    is what the history with them taken out says: whatever the days, amounts and ties."""
    import datetime
    import types
    from decimal import Decimal

    moves = sorted(moves, key=lambda move: move[0])  # the history is in date order
    entries, history, balance = [], [], Decimal(100)
    for day, amount, _proposed in moves:
        balance += amount
        entries.append(object())
        history.append((datetime.date(2006, 1, day), balance))
    facts = types.SimpleNamespace(fund_history=history, fund_entries=entries)
    proposed = [e for e, move in zip(entries, moves) if move[2]]
    order = list(range(len(proposed)))  # the file order: the days' order reversed, in part
    order = order[::2] + order[1::2]
    index = {id(proposed[i]): k for k, i in enumerate(order)}
    days = [history[entries.index(proposed[i])][0] for i in order]
    for k, lowest in enumerate(judging._lowest(facts, index, days)):
        later = [(d, b) for d, b in judging._history(facts, index, k) if d >= days[k]]
        assert lowest == ([min(later, key=lambda point: point[1])] if later else [])


def test_findings_a_payment_makes_on_itself_take_no_audit_per_proposal(tmp_path, monkeypatch):
    """Forty payments, each without its document, approved by its preparer and incurred
    before the project began: findings that read the payment alone, which the audit with
    every proposal gives as the audit with the proposals up to it does. They are read from
    that audit, not from one more audit per proposal (a thousand such proposals took minutes);
    the verdicts are those of the audits in turn."""
    ledger = books(tmp_path, base())
    batch = "\n".join(proposal(f"{10 + k}.00", date=f"2006-03-{1 + k % 28:02d}", meta={
        "document": f'"missing-{k}.pdf"', "approved-by": '"Budi Santoso"',
        "incurred": "2005-12-20"}).replace('"Consultant"', f'"Consultant {k}"')
        for k in range(40))  # no duplicate (its finding reads the other payments)
    made = []
    real = judging._Prefixes.made
    monkeypatch.setattr(judging._Prefixes, "made", lambda self, k: made.append(k) or real(self, k))
    _, document = judged(ledger, batch)
    assert len(made) <= 4, made  # the ledger alone, with every proposal, a bisection or two
    kinds = [{f["kind"] for f in p["findings"]} for p in document["proposals"]]
    assert all({"evidence", "segregation", "period"} <= found for found in kinds), kinds
    monkeypatch.setattr(judging, "_at_once", lambda p: None)
    assert judged(ledger, batch)[1] == document


def test_a_warning_that_moves_to_an_earlier_payment_is_found_without_an_audit_per_proposal(
        tmp_path, monkeypatch):
    """The ceiling's warning is given once, on the payment that first reaches 90 % of the
    allocation. Thirty payments in date order reach it on the twentieth; the last proposal,
    dated before them all, moves it to the nineteenth: a finding that goes away, after which
    the audits no longer only gain findings. The batch is judged in halves (two audits either
    side of the move), not one audit per proposal, with the verdicts of the audits in turn."""
    ledger = books(tmp_path, base())
    payments = [proposal("300.00", date=f"2006-03-{1 + k:02d}").replace(
        '"Consultant"', f'"Consultant {k}"').replace(EVIDENCE, f"invoice-{k}.pdf")
        for k in range(28)]
    early = proposal("300.00", date="2006-02-15").replace('"Consultant"', '"Early"').replace(
        EVIDENCE, "invoice-early.pdf")
    batch = "\n".join([*payments, early])
    made = []
    real = judging._Prefixes.made
    monkeypatch.setattr(judging._Prefixes, "made", lambda self, k: made.append(k) or real(self, k))
    _, document = judged(ledger, batch)
    last = document["proposals"][-1]
    moved = [f for f in last["findings"] if f["kind"] == "ceiling"]
    assert [f["caused_by_proposal"] for f in moved] == [True], last["findings"]
    assert len(set(made)) < 15, sorted(set(made))
    monkeypatch.setattr(judging, "_at_once", lambda p: None)
    assert judged(ledger, batch)[1] == document


def test_a_price_a_later_proposal_makes_reaches_no_proposal_before_it(tmp_path):
    """With Beancount's implicit_prices plugin, a proposal paid at a rate (``@``) makes a
    price. Judged with the proposals before it only, the first payment is converted at the
    ledger's rate (4,750 USD: one approver is enough); the second's rate, which makes it
    5,700 USD, is a finding the second causes on it."""
    ledger = books(tmp_path, base())
    ledger.write_text('plugin "beancount.plugins.implicit_prices"\n' + ledger.read_text())
    first = proposal("190000", date="2006-03-10", currency="THB",
                     fund="Assets:Surplus-Fund:Imprest", meta={"approved-by": '"Nguyen Thi Lan"'})
    second = ('2006-03-05 * "Travel agent" "Tickets at the bank\'s rate"\n'
              '  resolution: "26GA/2005/Soc/03"\n  prepared-by: "Budi Santoso"\n'
              '  approved-by: "Maria Villanueva, Nguyen Thi Lan"\n'
              f'  document: "{EVIDENCE}"\n'
              "  Expenses:Projects:Trafficking-Roadmap:Translation   1200.00 USD\n"
              "  Assets:Surplus-Fund:Imprest   -40000 THB @ 0.030 USD\n")
    _, document = judged(ledger, first + "\n" + second)
    one, two = document["proposals"]
    assert not [f for f in one["findings"] if f["kind"] == "approval"], one["findings"]
    (caused,) = [f for f in two["findings"] if f["kind"] == "approval"]
    assert caused["caused_by_proposal"] and "5,700.00 USD" in caused["message"]

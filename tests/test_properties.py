"""Properties of the verdict (issue 8, section 6) on generated convention-following ledgers.

A generated ledger is a handful of surplus outflows to Trafficking-Roadmap in 2006, each with
its resolution, preparer, approvers (two different people above 5,000 USD) and evidence file
(written by ``write_ledger`` under ``documents/<first posting account>/``), within the 40,000
USD allocation, the 60 % co-funding cap (co-funded Translation costs credited to
``Income:Co-Funding:Partner``), the reserve and the project period; some ledgers carry planted
violations so that there is something to compare.

1. The findings do not depend on the order of the included files, nor on how the entries are
   grouped into files.
2. The CLI, the plugin (as bean-check and Fava's error list see it) and the Fava page report
   the same errors.
3. A ledger built to satisfy every rule has no finding; removing one required element gives
   exactly the matching kind of error, and no other error.
4. Spelling a person with case, spacing or Unicode variants changes no verdict.
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from beancount import loader
from beancount.core import data
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aipo_budget import cli
from aipo_budget.core.errors import FundRuleError
from aipo_budget.core.rules import RuleSet, load_rules
from aipo_budget.outputs.render import text_value
from conftest import PRELUDE, RULES, run, write_ledger
from conftest import Fava, page_section_rows

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from aipo_budget.core.engine import Audit
    from aipo_budget.core.findings import Finding

START = datetime.date(2006, 1, 1)
PERIOD_DAYS = 181  # 2006-01-01 .. 2006-06-30
# 2006-09-15 and up to 99 days later: after the payment window that closed on 2006-08-29, and
# before the day the tests judge the ledger (2007-01-01)
LATE = 257
RESOLUTION = "26GA/2005/Soc/03"
PROJECT = "Expenses:Projects:Trafficking-Roadmap"
ELIGIBLE = ["Research", "Consultants", "Meetings", "Study-Tours", "Travel", "Publications",
            "Translation"]
PEOPLE = ["Ratna Wulandari", "Nguyen Thi Lan", "Somchai Phongsavanh", "Maria Santos",
          "Nguyễn Văn An", "Siti Aminah", "Ursula Weiß"]
# Planted violations. Each of SURE_FLAWS makes the outflow an error (a large one crosses the
# ceiling, and with another the reserve); an approver short on a payment of at most 5,000 USD
# is no violation.
SURE_FLAWS = ["no-resolution", "self-approved", "missing-evidence", "ineligible",
              "early-incurred", "late", "large"]
FLAWS = [None, "one-approver", *SURE_FLAWS]


def examples(count: int) -> settings:
    """Each example is a small ledger written to files (SCRATCH) and loaded: the whole file
    runs in about 10 s on two cores. No deadline: a load may stall on a busy machine."""
    return settings(max_examples=count, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


# Where the examples write their ledgers: a file system in memory where the machine has one.
# Each example makes a folder tree and removes it: on a disk's file system that costs about as
# much as loading and auditing the small ledger in it.
SCRATCH = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def scratch() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for an example's ledger, removed with it (see SCRATCH)."""
    return tempfile.TemporaryDirectory(dir=SCRATCH)


@functools.cache
def rules_read_once() -> RuleSet:
    """The tests' rules folder, read once: every example is judged by this same folder, which
    no test changes (a rule removed is read from a changed copy, each time)."""
    return load_rules(RULES)


# --- the generated ledgers ----------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """A surplus outflow; ``number`` names it ("Payment 3"): its identity in any layout."""

    number: int
    day: int  # days after 2006-01-01
    cents: int
    category: str
    preparer: str
    approvers: tuple[str, ...]
    flaw: str | None = None

    @property
    def date(self) -> datetime.date:
        return START + datetime.timedelta(days=self.day)

    @property
    def document(self) -> str:
        missing = "missing-" if self.flaw == "missing-evidence" else ""
        return f"{self.date}.{missing}invoice-{self.number}.pdf"

    @property
    def evidence(self) -> Path:
        """The evidence file, relative to the ledger's folder."""
        return Path("documents", *f"{PROJECT}:{self.category}".split(":"), self.document)

    @property
    def header(self) -> str:
        return f'{self.date} * "Payee {self.number}" "Payment {self.number}"'

    def block(self, preparer: str | None = None, approvers: str | None = None,
              drop: str | None = None) -> str:
        """The transaction; ``preparer`` and ``approvers`` as spelt in the ledger, metadata
        key ``drop`` left out."""
        fields = {
            "resolution": None if self.flaw == "no-resolution" else RESOLUTION,
            "prepared-by": self.preparer if preparer is None else preparer,
            "approved-by": ", ".join(self.approvers) if approvers is None else approvers,
            "document": self.document,
        }
        lines = [self.header]
        lines += [f'  {key}: "{value}"' for key, value in fields.items()
                  if value is not None and key != drop]
        if self.flaw == "early-incurred":
            lines.append("  incurred: 2005-12-15")
        if self.flaw == "late":
            lines.append("  incurred: 2006-06-20")
        lines.append(f"  {PROJECT}:{self.category}   {Decimal(self.cents) / 100} USD")
        lines.append("  Assets:Surplus-Fund:Bank")
        return "\n".join(lines) + "\n"


def cofunded(number: int, day: int, cents_: int) -> str:
    date = START + datetime.timedelta(days=day)
    return (f'{date} * "Partner" "Co-funded translation {number}"\n'
            f"  {PROJECT}:Translation   {Decimal(cents_) / 100} USD\n"
            "  Income:Co-Funding:Partner\n")


@st.composite
def payment(draw: Any, number: int, day: int, flaws: list[str | None],
            max_cents: int) -> Payment:
    flaw = draw(st.sampled_from(flaws))
    # a large payment takes the fund below its reserve when paid with another
    amount = draw(st.integers(40_000_01, 60_000_00) if flaw == "large"
                  else st.integers(100_00, max_cents))
    preparer, first, second = draw(st.permutations(PEOPLE))[:3]
    # two different approvers above 5,000 USD; one suffices at or below
    approvers: tuple[str, ...] = (first, second) if amount > 5000_00 else (first,)
    if flaw == "self-approved":
        approvers = (*approvers, preparer)
    elif flaw == "one-approver":
        approvers = (first,)
    category = "Hospitality" if flaw == "ineligible" else draw(st.sampled_from(ELIGIBLE))
    return Payment(number, LATE + day % 100 if flaw == "late" else day, amount, category, preparer,
                   approvers, flaw)


@st.composite
def ledgers(draw: Any, flaws: list[str | None] = FLAWS, max_payments: int = 6,
            max_cents: int = 15_000_00) -> tuple[list[Payment], list[str]]:
    """Payments and co-funded costs."""
    count = draw(st.integers(1, max_payments))
    any_day = st.integers(0, PERIOD_DAYS - 1)
    # a few days for all: same-day payments, often on the same line of two files
    palette = draw(st.lists(any_day, min_size=1, max_size=3))
    days = draw(st.lists(st.sampled_from(palette), min_size=count, max_size=count))
    # the first payment breaks a rule for sure (when violations are planted at all)
    payments = [draw(payment(number, day, SURE_FLAWS if number == 1 and flaws is FLAWS
                             else flaws, max_cents))
                for number, day in enumerate(days, start=1)]
    surplus = sum(p.cents for p in payments)
    # from no co-funding at all (a share of 100 %) to well within the 60 % cap
    partner = draw(st.lists(st.tuples(any_day, st.integers(0, surplus)), max_size=2))
    return payments, [cofunded(n, day, amount) for n, (day, amount) in enumerate(partner, 1)
                      if amount]


@st.composite
def compliant_ledgers(draw: Any) -> tuple[list[Payment], list[str]]:
    """Ledgers that satisfy every rule: at most 4 x 8,000 USD, below the 90 % warning, and
    at least as much co-funding as surplus spending (a share of at most 50 %)."""
    payments, _ = draw(ledgers(flaws=[None], max_payments=4, max_cents=8_000_00))
    surplus = sum(p.cents for p in payments)
    partner = draw(st.integers(surplus, 2 * surplus))
    return payments, [cofunded(1, draw(st.integers(0, PERIOD_DAYS - 1)), partner)]


def blocks_of(payments: list[Payment], others: list[str]) -> list[str]:
    return [p.block() for p in payments] + others


# --- layouts: the same entries in several included files ----------------------------------


@dataclass(frozen=True)
class Layout:
    """Blocks grouped into files ``ledger/part-<k>.beancount``, included in ``order``."""

    files: tuple[tuple[str, ...], ...]
    order: tuple[int, ...]


@st.composite
def layouts(draw: Any, blocks: list[str]) -> Layout:
    count = draw(st.integers(1, 4))
    shuffled = draw(st.permutations(blocks))
    where = draw(st.lists(st.integers(0, count - 1), min_size=len(blocks),
                          max_size=len(blocks)))
    files = tuple(tuple(b for b, k in zip(shuffled, where) if k == file)
                  for file in range(count))
    return Layout(files, tuple(draw(st.permutations(range(count)))))


def write_layout(folder: Path, layout: Layout) -> Path:
    """The layout's ledger in ``folder``: main.beancount (PRELUDE and the include lines) and
    the included files, with the evidence files write_ledger makes."""
    everything = [block for blocks in layout.files for block in blocks]
    main = write_ledger(folder, "\n".join(everything))
    parts = folder / "ledger"
    shutil.rmtree(parts, ignore_errors=True)
    parts.mkdir()
    for number, blocks in enumerate(layout.files):
        (parts / f"part-{number}.beancount").write_text("\n".join(blocks), encoding="utf-8")
    includes = "".join(f'include "ledger/part-{k}.beancount"\n' for k in layout.order)
    main.write_text(PRELUDE + "\n" + includes, encoding="utf-8")
    return main


def identity(finding: Finding, folder: Path) -> str:
    """The transaction a finding is about, whatever file it is in; else its place in a
    file that is the same in every layout (a rules file)."""
    entry = finding.entry
    if isinstance(entry, data.Transaction):
        return f"{entry.payee} / {entry.narration}"
    return f"{os.path.relpath(finding.filename, folder)}:{finding.lineno}"


def findings_by_transaction(result: Audit, folder: Path) -> Counter:
    assert not [f for f in result.findings if f.kind == "ledger"], result.findings
    return Counter((f.rule, f.kind, f.severity, f.date, f.message, f.amount, f.project,
                    identity(f, folder)) for f in result.findings)


def findings_in_place(result: Audit, folder: Path) -> list[tuple[Any, ...]]:
    return [(f.rule, f.kind, f.severity, f.date, f.message, f.amount, f.project,
             os.path.relpath(f.filename, folder), f.lineno) for f in result.findings]


# --- 1. the same findings whatever the order of included files ----------------------------


@examples(100)
@given(st.data())
def test_include_order_changes_no_finding(pick):
    """The same files included in another order: the same findings, to the file and line.
    Many payments share a day, and often a line number in another file: Beancount then keeps
    them in the order it read the files, which must not decide a verdict."""
    payments, others = pick.draw(ledgers())
    layout = pick.draw(layouts(blocks_of(payments, others)))
    order = tuple(pick.draw(st.permutations(layout.order)))
    with scratch() as name:
        folder = Path(name)
        first = findings_in_place(run(write_layout(folder, layout), rules_read_once()), folder)
        second = findings_in_place(run(write_layout(folder, replace(layout, order=order)),
                                       rules_read_once()), folder)
    assert [f for f in first if f[2] == "error"], "planted violations should be found"
    assert second == first


@examples(75)
@given(st.data())
def test_file_grouping_changes_no_finding(pick):
    """The same entries in other files, in another order: the same findings on the same
    transactions, same-day payments included (which of them crosses the ceiling or the
    reserve, which is the project's last cost)."""
    payments, others = pick.draw(ledgers())
    blocks = blocks_of(payments, others)
    one, other = pick.draw(layouts(blocks)), pick.draw(layouts(blocks))
    with scratch() as a, scratch() as b:
        first = findings_by_transaction(run(write_layout(Path(a), one), rules_read_once()),
                                        Path(a))
        second = findings_by_transaction(run(write_layout(Path(b), other), rules_read_once()),
                                         Path(b))
    assert second == first


# --- 2. the same errors from the CLI, the plugin and the Fava page ------------------------

PLUGIN_LINE = 'plugin "aipo_budget.plugin" "rules"\n'
EXTENSION_LINE = '2002-01-01 custom "fava-extension" "aipo_budget.fava_ext" "rules"\n'


def register_errors(html: str) -> Counter:
    """The error rows of the page's register, read by header: what the page shows people."""
    rows = page_section_rows(html, "findings")  # the row's cells and its details
    return Counter((row["condition"], row.get("amount (USD)", ""), row["rule (version)"],
                    row["citation"], row["location"])
                   for row in rows if row["severity"] == "error")


def criterion(finding: dict[str, Any]) -> str:
    """A JSON finding's rule version and citation, as the plugin writes them."""
    return f"{rule_version(finding)}; {finding['citation']}"


def rule_version(finding: dict[str, Any]) -> str:
    """As findings name it: no date for a version in force always (``effective`` null)."""
    effective = finding["effective"]
    return f"{finding['rule']} v{finding['version']}" + (f" ({effective})" if effective else "")


def amount_of(value: Decimal | None) -> str | None:
    """An amount as the JSON output writes it."""
    return None if value is None else str(value.quantize(Decimal("0.01")))


def cli_errors(main: Path) -> list[dict[str, Any]]:
    """The error findings of ``aipo-budget check --format json --no-cache``."""
    checked = CliRunner().invoke(cli.cli, ["check", str(main), "--format", "json", "--no-cache"])
    report = json.loads(checked.stdout)
    errors = [f for f in report["findings"] if f["severity"] == "error"]
    assert checked.exit_code == (1 if errors else 0), checked.output
    assert report["summary"]["errors"] == len(errors)
    return errors


def plugin_errors(main: Path) -> Counter:
    """The plugin's errors, as bean-check prints them (file, line, message)."""
    _entries, errors, _options = loader._load([(str(main), True)], None, None, None)
    assert all(isinstance(e, FundRuleError) for e in errors), errors
    return Counter((e.source["filename"], e.source["lineno"], e.message) for e in errors)


@pytest.fixture(scope="module")
def served() -> Iterator[Fava]:
    """One Fava application for every example, on main.beancount in one folder: each example
    writes its ledger there (serve) and has Fava load it again, as Fava does when a ledger
    file changes. The tests' rules are copied beside it once: no example changes them."""
    with scratch() as name:
        folder = Path(name)
        shutil.copytree(RULES, folder / "rules")
        yield Fava(write_ledger(folder, "", prelude=PLUGIN_LINE + PRELUDE + EXTENSION_LINE))


def serve(fava: Fava, text: str) -> Path:
    """The ledger ``text`` written over the one ``fava`` serves, with its evidence files and
    no other: the last example's are removed (Beancount's documents option reads them all)."""
    folder = fava.main.parent
    shutil.rmtree(folder / "documents")
    return write_ledger(folder, text, prelude=PLUGIN_LINE + PRELUDE + EXTENSION_LINE)


def fava_views(fava: Fava) -> tuple[Counter, list[Finding], Counter]:
    """Fava's error list (the plugin's errors), the extension's audit, the page's register,
    after loading the ledger as written now."""
    fava.load()
    listed = fava.get("api/errors").get_json()["data"]
    assert all(e["type"] == "FundRuleError" for e in listed), listed
    loaded = fava.extension.loaded
    assert loaded is not None and loaded.result is not None, loaded
    return (Counter((e["source"]["filename"], e["source"]["lineno"], e["message"])
                    for e in listed),
            loaded.result.errors, register_errors(fava.page()))


@examples(30)
@given(generated=ledgers(max_payments=5))
def test_cli_plugin_and_fava_report_the_same_errors(served, generated):
    """Judged with today's date by all three (no --as-of), on the ledger Fava serves: the
    plugin line and the extension line in main.beancount, the rules copied beside it."""
    payments, others = generated
    main = serve(served, "\n".join(blocks_of(payments, others)))
    folder = main.parent
    errors = cli_errors(main)
    plugin = plugin_errors(main)
    listed, audited, register = fava_views(served)
    assert errors, "the planted violations should be errors"
    assert plugin == Counter((f["filename"], f["lineno"], f"{f['message']} [{criterion(f)}]")
                             for f in errors)
    assert listed == plugin
    assert (Counter((f.filename, f.lineno, f.rule, f.kind, f.message, amount_of(f.amount))
                    for f in audited)
            == Counter((f["filename"], f["lineno"], f["rule"], f["kind"], f["message"],
                        f["amount"]) for f in errors))
    assert register == Counter(
        (f["message"], text_value(Decimal(f["amount"])) if f["amount"] else "", rule_version(f),
         f["citation"], f"{os.path.relpath(f['filename'], folder)}:{f['lineno']}")
        for f in errors)


# --- 3. a compliant ledger, and one required element removed ------------------------------

SOC03 = "26GA-2005-Soc-03.toml"
# what is removed -> the kind of the one error it must give. The period rule is not here: the
# ceiling and co-funding rules need it (the project's close date), so without it the rules
# themselves are refused (test_without_the_period_rule_the_rules_are_refused).
REMOVALS = {
    "resolution": "authorization",
    "prepared-by": "segregation",
    "approved-by": "approval",
    "document": "evidence",
    "evidence file": "evidence",
    "SOC03-CEILING": "ceiling",
    "SOC03-COFUNDING": "cofunding",
}


def rules_without(folder: Path, rule_id: str) -> Path:
    """A copy of the tests' rules in ``folder``/rules without rule ``rule_id``."""
    rules = folder / "rules"
    shutil.copytree(RULES, rules)
    path = rules / SOC03
    head, *chunks = path.read_text(encoding="utf-8").split("\n[[rule]]\n")
    kept = [chunk for chunk in chunks if f'id = "{rule_id}"' not in chunk]
    assert len(kept) == len(chunks) - 1, f"{rule_id} not found once in {SOC03}"
    path.write_text("\n[[rule]]\n".join([head, *kept]), encoding="utf-8")
    return rules


@examples(100)
@given(compliant_ledgers())
def test_a_ledger_built_to_satisfy_every_rule_has_no_finding(generated):
    """Not even a warning: the generated ledgers stay below the ceiling's 90 % warning."""
    payments, others = generated
    with scratch() as name:
        result = run(write_ledger(Path(name), "\n".join(blocks_of(payments, others))),
                     rules_read_once())
    assert result.findings == []
    assert len(result.facts.outflows) == len(payments)


@examples(75)
@given(compliant_ledgers(), st.sampled_from(sorted(REMOVALS)), st.data())
def test_removing_one_required_element_gives_exactly_its_kind(generated, removed, pick):
    """One metadata line of one payment, its evidence file, or one bounding rule of the
    project removed: one error, of the matching kind, on that payment (on the first one for a
    rule), and no other error."""
    payments, others = generated
    target = pick.draw(st.sampled_from(payments))
    blocks = [p.block(drop=removed if p is target else None) for p in payments] + others
    with scratch() as name:
        folder = Path(name)
        ledger = write_ledger(folder, "\n".join(blocks))
        rules: Path | RuleSet = rules_read_once()
        if removed == "evidence file":
            (folder / target.evidence).unlink()
        elif removed.startswith("SOC03-"):
            rules = rules_without(folder, removed)
        result = run(ledger, rules)
    errors = result.errors
    assert [f.kind for f in errors] == [REMOVALS[removed]], result.findings
    (error,) = errors
    if removed.startswith("SOC03-"):
        # the project is unbounded from its first outflow on
        assert error.rule == f"NO-{REMOVALS[removed].upper()}-RULE"
        assert error.date == min(p.date for p in payments)
    else:
        assert error.entry.narration == f"Payment {target.number}"


def test_without_the_period_rule_the_rules_are_refused(tmp_path):
    """No verdict rather than an unbounded one: exit status 2, one line naming the rule that
    needs the period."""
    payment = Payment(1, 40, 1000_00, "Research", "Ratna Wulandari", ("Nguyen Thi Lan",))
    ledger = write_ledger(tmp_path, payment.block() + "\n" + cofunded(1, 50, 1000_00))
    rules_without(tmp_path, "SOC03-PERIOD")
    checked = CliRunner().invoke(cli.cli, ["check", str(ledger), "--no-cache"])
    assert checked.exit_code == 2, checked.output
    (line,) = checked.output.splitlines()
    assert re.fullmatch(r".*26GA-2005-Soc-03\.toml:\d+: invalid rules: rule SOC03-\w+: "
                        r"project 'Trafficking-Roadmap' has no period rule.*", line), line


# --- 4. names are people: spelling variants change no verdict -----------------------------

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}
VARIANTS: dict[str, Callable[[str, int], str]] = {
    "double spaces": lambda name, _at: name.replace(" ", "  "),
    "no-break space": lambda name, _at: name.replace(" ", "\u00a0"),
    "ideographic space": lambda name, _at: name.replace(" ", "\u3000", 1),
    "em space": lambda name, _at: name.replace(" ", "\u2003"),
    "zero-width space": lambda name, at: name[:at % (len(name) + 1)] + "\u200b"
    + name[at % (len(name) + 1):],
    "soft hyphen": lambda name, at: name[:at % (len(name) + 1)] + "\u00ad"
    + name[at % (len(name) + 1):],
    "byte order mark": lambda name, _at: "\ufeff" + name,
    "padding": lambda name, _at: f"  {name} ",
    "upper case": lambda name, _at: name.upper(),
    "lower case": lambda name, _at: name.lower(),
    "swapped case": lambda name, _at: name.swapcase(),
    "full-width letters": lambda name, _at: "".join(FULL_WIDTH.get(c, c) for c in name),
    "decomposed accents": lambda name, _at: unicodedata.normalize("NFD", name),
}


def spellings(name: str) -> st.SearchStrategy[str]:
    """``name`` spelt with a few variants applied one after the other."""
    steps = st.lists(st.tuples(st.sampled_from(sorted(VARIANTS)), st.integers(0, 40)),
                     max_size=4)

    def apply(chosen: list[tuple[str, int]]) -> str:
        spelt = name
        for variant, at in chosen:
            spelt = VARIANTS[variant](spelt, at)
        return spelt

    return steps.map(apply)


# the preparer among the approvers, to be spelt another way: a segregation error to keep
PLANTED = Payment(99, 100, 3000_00, "Research", "Ratna Wulandari",
                  ("Nguyen Thi Lan", "Ratna Wulandari"))


@st.composite
def named_payment(draw: Any, number: int) -> Payment:
    """Any preparer and approvers, the same person possibly twice or more."""
    people = st.sampled_from(PEOPLE)
    return Payment(number, draw(st.integers(0, PERIOD_DAYS - 1)),
                   draw(st.integers(100_00, 9_000_00)), draw(st.sampled_from(ELIGIBLE)),
                   draw(people), tuple(draw(st.lists(people, min_size=1, max_size=3))))


def gist(finding: Finding) -> str:
    """The message without the names it shows as written."""
    if finding.kind == "segregation" and "both prepared and approved" in finding.message:
        return "prepared and approved"
    return re.sub(r"; approved by .*", "", finding.message)


def verdict(result: Audit) -> Counter:
    return Counter((f.rule, f.kind, f.severity, f.date, f.amount, f.lineno, gist(f))
                   for f in result.findings)


@examples(100)
@given(st.data())
def test_spelling_a_person_differently_changes_no_verdict(pick):
    """Every name written anew, each occurrence its own way: the same findings (rules, kinds,
    severities, dates, amounts, lines); the messages differ only in the names they show as
    written. The planted preparer who approves, spelt another way, is still caught."""
    payments = [pick.draw(named_payment(n)) for n in range(1, pick.draw(st.integers(1, 4)) + 1)]
    payments.append(PLANTED)
    partner = cofunded(1, 170, sum(p.cents for p in payments))
    renamed = [p.block(pick.draw(spellings(p.preparer)),
                       ", ".join(pick.draw(spellings(a)) for a in p.approvers))
               for p in payments[:-1]]
    # the planted approver is never spelt as the preparer is
    preparer = pick.draw(spellings(PLANTED.preparer))
    approver = pick.draw(spellings(PLANTED.preparer).filter(lambda name: name != preparer))
    renamed.append(PLANTED.block(preparer, f"{PLANTED.approvers[0]}, {approver}"))
    with scratch() as a, scratch() as b:
        original = run(write_ledger(Path(a), "\n".join(blocks_of(payments, [partner]))),
                       rules_read_once())
        spelt = run(write_ledger(Path(b), "\n".join([*renamed, partner])), rules_read_once())
    assert verdict(spelt) == verdict(original)
    for result in (original, spelt):
        assert [f.entry.narration for f in result.errors if f.kind == "segregation"
                and "both prepared and approved" in f.message].count("Payment 99") == 1

""""Can we pay this?" on the Surplus Fund page: a form that writes one proposed payment as
Beancount text and judges it with :func:`aipo_budget.outputs.pending.judge.judged`, the code
of ``aipo-budget check --pending``. Nothing is written: the text is loaded with the ledger in
memory, as if saved as ``proposal.beancount`` beside the ledger's main file, and the page shows
the command that gives the same answer from that file.

The form offers what the ledger and its rules allow (the purposes a rule authorises, the fund's
accounts, the documents folder); a value that is not on offer, a date or an amount that cannot
be read is said plainly, and nothing is judged.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from beancount.core import data

from aipo_budget.core.ledger import LedgerInputError
from aipo_budget.core.params import FIRST_DATE, LAST_DATE, NOT_WRITTEN, without_thousands
from aipo_budget.core.tally import one_line
from aipo_budget.outputs.pending import proposals as proposing
from aipo_budget.outputs.pending.judge import judged

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from aipo_budget.core.conventions import Conventions
    from aipo_budget.core.engine import Audit
    from aipo_budget.outputs.pending.judge import Verdict

FILENAME = "proposal.beancount"  # where the text would be saved: beside the ledger's main file
FIELDS = ("date", "payee", "narration", "purpose", "amount", "currency", "fund", "preparer",
          "approvers", "document", "incurred", "as_of")
LONGEST = 300  # characters of one field
MOST_DOCUMENTS = 2000  # offered from the documents folders, in the order of their paths
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


@dataclass(frozen=True)
class Purpose:
    """What a purpose rule authorises: a project's cost category under a resolution."""

    resolution: str
    project: str
    category: str

    @property
    def value(self) -> str:
        return f"{self.project}:{self.category}"


@dataclass(frozen=True)
class Document:
    name: str  # as a transaction cites it: the file's name in its account's folder
    path: str  # relative to the ledger's folder
    cited: int  # by how many surplus outflows already (their evidence resolves to it)


@dataclass(frozen=True)
class Choices:
    """What the form offers, from the rules and the ledger."""

    purposes: tuple[Purpose, ...]
    funds: tuple[str, ...]
    currencies: tuple[str, ...]
    documents: tuple[Document, ...]
    expenses: str  # the parent of project accounts (Expenses:Projects)


@dataclass(frozen=True)
class Form:
    """What was filled in, as text, echoed back into the fields."""

    values: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass(frozen=True)
class Answer:
    """The proposal's text and the command that judges it, and its verdict or the problems
    that keep it from being judged."""

    text: str = ""
    command: str = ""
    verdict: Verdict | None = None
    problems: tuple[str, ...] = ()


def choices(result: Audit, folder: str, entries: Sequence[Any]) -> Choices:
    """The form's choices; the documents are the ledger's Document entries (the files
    Beancount found in its documents folders), shown relative to ``folder``, the ledger's."""
    ledger = result.facts.conventions
    purposes = []
    for version in (v for rule in result.ruleset.of_kind("purpose") for v in rule.versions):
        purposes += [Purpose(version.params.resolution, project, category)
                     for project, categories in version.params.projects.items()
                     for category in categories]
    cited = Counter(o.document_path for o in result.facts.outflows if o.document_path)
    files = sorted({e.filename for e in entries if isinstance(e, data.Document)})
    documents = tuple(Document(os.path.basename(path), os.path.relpath(path, folder), cited[path])
                      for path in files[:MOST_DOCUMENTS])
    closed = {e.account for e in entries if isinstance(e, data.Close)}
    funds = tuple(a for a in result.facts.fund_accounts if a not in closed) or (ledger.fund,)
    # the operating currency, and those a fund account is opened for (an imprest in baht)
    # or has held
    held = ({c for e in entries if isinstance(e, data.Open) and e.account in funds
             for c in e.currencies or ()}
            | {currency for _day, currency, _units, _value in result.facts.fund_foreign}
            ) - {ledger.currency}
    return Choices(tuple(dict.fromkeys(purposes)), funds, (ledger.currency, *sorted(held)),
                   documents, ledger.projects)


def read_form(args: Mapping[str, str]) -> Form:
    """The fields of the request, each on one line, control characters shown as escapes
    (``\\x00``), as the ledger's own text is; one longer than :data:`LONGEST` characters is
    kept one character longer, to be refused (:func:`proposal_text`), never cut and judged."""
    return Form({name: one_line(" ".join(str(args.get(name, "")).split()))[:LONGEST + 1]
                 for name in FIELDS})


def _date(text: str, what: str, problems: list[str]) -> datetime.date | None:
    """A day as Beancount writes it (not Python's other ISO forms, 20060601 or 2006-W22-4),
    within the days a command accepts."""
    try:
        day = datetime.date.fromisoformat(text) if ISO_DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        problems.append(f"{what}: {text!r} is not a date (YYYY-MM-DD)")
    elif not FIRST_DATE <= day <= LAST_DATE:
        problems.append(f"{what}: {day} is outside {FIRST_DATE}..{LAST_DATE}")
        day = None
    return day


def _amount(text: str, problems: list[str]) -> Decimal | None:
    digits = without_thousands(text)
    if digits is None:
        problems.append(f"amount: {text!r} {NOT_WRITTEN} (e.g. 7,000.50)")
        return None
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount <= 0 or amount >= proposing.LARGEST:
        problems.append(f"amount: {text!r} is not an amount above zero (e.g. 7000.00)")
        return None
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        problems.append(f"amount: {text!r} has more than two decimals")
        return None
    return amount


def _quoted(text: str) -> str:
    """``text`` as a Beancount string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _one_of(form: Form, name: str, offered: Sequence[str], what: str,
            problems: list[str]) -> str | None:
    if form[name] in offered:
        return form[name]
    problems.append(f"{what}: {form[name]!r} is not one the ledger offers" if form[name]
                    else f"{what}: choose one")
    return None


def proposal_text(form: Form, offered: Choices, ledger: Conventions) -> tuple[str, list[str]]:
    """The proposed payment as Beancount text, and what keeps it from being written, with
    the ledger's metadata keys."""
    problems = [f"{name}: longer than {LONGEST} characters" for name in FIELDS
                if len(form[name]) > LONGEST]
    day = _date(form["date"], "date", problems)
    amount = _amount(form["amount"], problems)
    purposes = {p.value: p for p in offered.purposes}
    purpose = _one_of(form, "purpose", list(purposes), "project and category", problems)
    fund = _one_of(form, "fund", offered.funds, "paid from", problems)
    currency = _one_of(form, "currency", offered.currencies, "currency", problems)
    if form["document"] and form["document"] not in {d.name for d in offered.documents}:
        problems.append(f"document: {form['document']!r} is not in the documents folder")
    if form["incurred"]:
        _date(form["incurred"], "incurred", problems)
    if not (form["payee"] or form["narration"]):
        problems.append("payee and narration: say whom the payment is for and what for")
    if problems or day is None or amount is None or purpose is None or fund is None:
        return "", problems
    chosen = purposes[purpose]
    lines = [f"{day} * {_quoted(form['payee'])} {_quoted(form['narration'])}",
             f"  {ledger.resolution}: {_quoted(chosen.resolution)}"]
    for key, name in ((ledger.prepared_by, "preparer"), (ledger.approved_by, "approvers"),
                      (ledger.document, "document")):
        if form[name]:
            lines.append(f"  {key}: {_quoted(form[name])}")
    if form["incurred"]:
        lines.append(f"  {ledger.incurred}: {form['incurred']}")
    expense = f"{offered.expenses}:{chosen.project}:{chosen.category}"
    width = max(len(expense), len(fund)) + 6
    lines += [f"  {expense}".ljust(width) + f"{amount:.2f} {currency}",
              f"  {fund}".ljust(width) + f"-{amount:.2f} {currency}"]
    return "\n".join(lines) + "\n", []


def command(ledger_file: str, as_of: datetime.date | None) -> str:
    """The command that judges the proposal saved as :data:`FILENAME` beside the ledger."""
    words = ["aipo-budget", "check", "--pending", FILENAME, os.path.basename(ledger_file)]
    return shlex.join(words + (["--as-of", as_of.isoformat()] if as_of else []))


def answer(form: Form, offered: Choices, result: Audit, ledger_file: str) -> Answer:
    """The proposal of ``form`` judged with the ledger whose main file is ``ledger_file``,
    as ``check --pending`` judges it; the judging day is the form's "as of", by default the
    payment's date (the books as they stand that day)."""
    text, problems = proposal_text(form, offered, result.facts.conventions)
    as_of = _date(form["as_of"] or form["date"], "judge as of", problems)
    if problems:
        return Answer(problems=tuple(problems))
    shown = command(ledger_file, as_of)
    path = os.path.join(os.path.dirname(ledger_file), FILENAME)
    try:
        found = proposing.parse(FILENAME, path, text)
        (verdict,) = judged(ledger_file, result.ruleset, found, as_of)
    except proposing.ProposalError as exc:  # in the form's words, not the command's
        plain = re.sub(r"--as-of (\d{4}-\d\d-\d\d)", r"the day judged as of (\1)", str(exc))
        return Answer(text, shown, problems=tuple(plain.splitlines()))
    except LedgerInputError as exc:
        return Answer(text, shown, problems=tuple(f"{f}:{n}: {m}" if n else f"{f}: {m}"
                                                  for f, n, m in exc.problems))
    return Answer(text, shown, verdict)

"""No surplus outflow repeats an earlier one (Res. 23GA/2002/Org/08, internal control).

A repeat is a finding on the later outflow that names the nearest earlier one it repeats:

- the same evidence document (the same file, symbolic links followed, whatever name each
  cites it by; the same value when it resolves to none) or a shared ``^link``: at the rule's
  severity. Files are compared as files, not by their bytes: a copy is another document;
- the same payee (compared as people, :func:`aipo_budget.core.meta.person_key`) for the same amount
  (what left the fund, in each of its currencies: a rate change between two payments does not
  hide a repeat, nor makes one) within ``window_days`` of it, both days counted, unless each
  cites a document of its own (instalments that legitimately repeat do): at
  ``payee_amount_severity``.

Reasons that point at the same earlier outflow make one finding, not two.

A link is also how a payment settles an accrual (the booking and its payment share
``^inv-...``), and an accrual paid in parts has several payments citing its invoice. Payments
that settle an accrual through its link are no repeat of each other while together they settle
no more than the accrual booked (on the liability accounts, per currency); the payment that goes
beyond is a finding pointing at the previous one.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aipo_budget.core import meta
from aipo_budget.core.checks._common import Seen
from aipo_budget.core.conventions import under
from aipo_budget.core.findings import finding, money
from aipo_budget.core.params import days, param, severity

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterator

    from beancount.core import data

    from aipo_budget.core.checks._common import Fact
    from aipo_budget.core.subject import Subject
    from aipo_budget.core.facts import Facts, Outflow
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import Rule, RuleSet, RuleVersion


@dataclass(frozen=True)
class Params:
    window_days: int = param(days)
    # the rule's own severity is for the same document or link; same payee and amount within
    # the window (instalments, recurring fees) is weaker evidence of a repeat
    payee_amount_severity: str = param(severity)


Amounts = Counter  # currency -> amount (Decimal): a Counter adds amounts of the same currency


@dataclass(frozen=True)
class Reason:
    """Why a later outflow repeats the earlier one at index ``earlier``."""

    earlier: int
    name: str  # what is the same, in a few words
    text: str
    strong: bool  # the same document or link: the rule's severity


def _liability(txn: data.Transaction, liabilities: str, sign: int) -> Amounts:
    """What ``txn`` debits (``sign`` 1) or credits (-1) on liability accounts, per currency."""
    found: Amounts = Counter()
    for posting in txn.postings:
        number = posting.units.number
        if number is not None and number * sign > 0 and under(posting.account, liabilities):
            found[posting.units.currency] += number * sign
    return found


def accrued(facts: Facts) -> dict[str, Amounts]:
    """What the accruals of project costs booked on liabilities, by their links."""
    seen = {id(outflow.entry) for outflow in facts.outflows}  # a payment books no accrual
    booked: dict[str, Amounts] = defaultdict(Counter)
    for cost in facts.costs:
        txn = cost.location.entry
        if txn is None or id(txn) in seen or not txn.links:
            continue
        seen.add(id(txn))
        credits = _liability(txn, facts.conventions.liabilities, -1)
        for link in txn.links if credits else ():
            booked[link].update(credits)
    return booked


def settling(facts: Facts, booked: dict[str, Amounts]
             ) -> tuple[list[frozenset[str]], dict[tuple[int, str], tuple[Amounts, Amounts]]]:
    """For each outflow, the accrual links it settles within what they booked; and for each
    (outflow, link) that goes beyond, what the payments through the link settled and what
    the accrual booked."""
    running: dict[str, Amounts] = defaultdict(Counter)
    within: list[frozenset[str]] = []
    beyond: dict[tuple[int, str], tuple[Amounts, Amounts]] = {}
    for index, outflow in enumerate(facts.outflows):
        debits = _liability(outflow.entry, facts.conventions.liabilities, 1)
        links = set()
        for link in sorted(outflow.entry.links or ()) if debits else ():
            if link not in booked:
                continue
            running[link].update(debits)
            if all(n <= booked[link][c] for c, n in running[link].items()):
                links.add(link)
            else:
                beyond[(index, link)] = (Counter(running[link]), booked[link])
        within.append(frozenset(links))
    return within, beyond


def document_key(outflow: Outflow) -> Hashable | None:
    """What the outflow's evidence is compared by: the file it leads to, else its value."""
    if outflow.document_file is not None:
        return ("file", outflow.document_file)
    return ("value", outflow.document) if outflow.document else None


def payment_key(outflow: Outflow, currency: str) -> Hashable | None:
    """Payee as a person and the amounts that left the fund; None without a payee."""
    payee = meta.person_key(outflow.payee)
    if not payee:
        return None
    amounts = tuple(sorted((c.currency, c.number) for c in outflow.conversions))
    return payee, amounts or ((currency, outflow.usd),)


def _amounts(outflow: Outflow, currency: str) -> str:
    if not outflow.conversions:
        return money(outflow.usd, currency)
    return ", ".join(money(c.number, c.currency) for c in outflow.conversions)


def _same_document(later: Outflow, earlier: Outflow) -> str:
    """The reason's text; the earlier value too when it names the file otherwise."""
    if earlier.document == later.document:
        return f"same document {later.document!r}"
    return f"same document {later.document!r} (the file of {earlier.document!r})"


def _where(earlier: Outflow, later: Outflow) -> str:
    """The earlier outflow's line, named from the folder holding both files (a check cannot
    know the working folder, and an absolute path would differ on every machine)."""
    there, here = earlier.location, later.location
    if there.filename == here.filename:
        return f"line {there.lineno}"
    try:
        base = os.path.commonpath([os.path.dirname(there.filename),
                                   os.path.dirname(here.filename)])
    except ValueError:  # no common folder (another drive, a file of no name)
        base = os.sep
    if os.path.isabs(base) and os.path.dirname(base) == base:  # only the root in common
        return f"{there.filename}:{there.lineno}"
    return f"{os.path.relpath(there.filename, base or None)}:{there.lineno}"


class Repeats:
    """The outflows seen so far, indexed by what a later one may repeat."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.currency = facts.conventions.currency
        self.within, self.beyond = settling(facts, accrued(facts))
        self.document = [document_key(o) for o in facts.outflows]
        self.payment = [payment_key(o, self.currency) for o in facts.outflows]
        self.seen: dict[Hashable, list[int]] = defaultdict(list)  # by document, link, payment

    def nearest(self, later: int, key: Hashable, instalments: bool = False) -> int | None:
        """The nearest earlier outflow seen under ``key`` that ``later`` may repeat: not
        one settling the same accrual through its link within what it booked; with
        ``instalments``, not one where both cite evidence and not the same."""
        for j in reversed(self.seen[key]):
            if not (self.within[later] & self.within[j]
                    or instalments and self.instalment(later, j)):
                return j
        return None

    def instalment(self, later: int, earlier: int) -> bool:
        """Whether both outflows cite evidence, and not the same: instalments, no repeat for
        the same payee and amount."""
        mine, other = self.document[later], self.document[earlier]
        return mine != other and None not in (mine, other)

    def reasons(self, index: int, version: RuleVersion) -> Iterator[Reason]:
        outflow = self.facts.outflows[index]
        document, payment = self.document[index], self.payment[index]
        earlier = self.nearest(index, ("document", document)) if document else None
        if earlier is not None:
            yield Reason(earlier, "same document", _same_document(
                outflow, self.facts.outflows[earlier]), True)
        yield from self._link(index, outflow)
        earlier = self.nearest(index, ("payment", payment), True) if payment else None
        if earlier is not None:
            days = (outflow.date - self.facts.outflows[earlier].date).days
            window = version.params.window_days
            if days <= window:
                yield Reason(earlier, "same payee and amount", f"same payee and amount {days} "
                             f"day(s) apart (within {window} days)", False)

    def _link(self, index: int, outflow: Outflow) -> Iterator[Reason]:
        found = [(j, link) for link in sorted(outflow.entry.links or ())
                 if (j := self.nearest(index, ("link", link))) is not None]
        if not found:
            return
        earlier, link = max(found, key=lambda pair: pair[0])
        text = f"same link ^{link}"
        if (index, link) in self.beyond:
            settled, booked = (", ".join(money(n, c) for c, n in sorted(amounts.items()))
                               for amounts in self.beyond[(index, link)])
            text += (f", and the payments through it settle {settled}, more than its "
                     f"accrual booked ({booked})")
        yield Reason(earlier, f"same link ^{link}", text, True)

    def add(self, index: int) -> None:
        document, payment = self.document[index], self.payment[index]
        if document is not None:
            self.seen[("document", document)].append(index)
        for link in self.facts.outflows[index].entry.links or ():
            self.seen[("link", link)].append(index)
        if payment is not None:
            self.seen[("payment", payment)].append(index)


def _finding(repeats: Repeats, index: int, reasons: list[Reason],
             version: RuleVersion) -> Finding:
    facts = repeats.facts
    later, earlier = facts.outflows[index], facts.outflows[reasons[0].earlier]
    strong = any(reason.strong for reason in reasons)
    severities = {version.severity if r.strong else version.params.payee_amount_severity
                  for r in reasons}
    payee = f" to {earlier.payee}" if earlier.payee else ""
    message = (f"possible duplicate payment: repeats the outflow of {earlier.date}{payee} "
               f"of {_amounts(earlier, repeats.currency)} ({_where(earlier, later)}): "
               f"{'; '.join(reason.text for reason in reasons)}")
    if not strong:
        message += "; if it is a legitimate instalment, cite its own document"
    return finding(version, later.date, later.location, message, later.usd,
                   severity="error" if "error" in severities else "warning")


def judge(repeats: Repeats, index: int, version: RuleVersion) -> Seen:
    """Outflow ``index`` against the earlier ones ``repeats`` holds: one finding per earlier
    outflow it repeats, nearest first."""
    outflow = repeats.facts.outflows[index]
    by_earlier: dict[int, list[Reason]] = defaultdict(list)
    for reason in repeats.reasons(index, version):
        by_earlier[reason.earlier].append(reason)
    repeated = sorted(by_earlier.items(), reverse=True)

    def compared() -> list[Fact]:
        seen: list[Fact] = [
            ("payee compared as", repr(meta.person_key(outflow.payee)),
             "Unicode form, spaces and case folded"),
            ("left the fund", _amounts(outflow, repeats.currency), "as paid, in each currency"),
            ("document", outflow.document or "(none)",
             f"metadata '{repeats.facts.conventions.document}'"),
            ("links", " ".join(f"^{link}" for link in sorted(outflow.entry.links or ()))
             or "(none)", ""),
            ("settles accruals", " ".join(f"^{link}" for link in sorted(repeats.within[index]))
             or "(none)", "through these links, within what they booked: no repeat of each other"),
            ("window", version.params.window_days,
             "days: the same payee and amount within it is a possible repeat"),
        ]
        outflows, window = repeats.facts.outflows, version.params.window_days
        # the same payee and amount within the window, excused: each cites its own document
        instalments = [j for j in repeats.seen.get(("payment", repeats.payment[index]), ())
                       if j not in by_earlier and (outflow.date - outflows[j].date).days <= window
                       and repeats.instalment(index, j)]
        alike = [*((", ".join(r.name for r in reasons), j) for j, reasons in repeated),
                 *(("same payee and amount, each with its own document: an instalment", j)
                   for j in reversed(instalments))]
        return seen + ([(name, outflows[j].location,
                         f"{outflows[j].date} {outflows[j].payee}".strip()) for name, j in alike]
                       or [("earlier outflows alike", "(none)", "")])

    return Seen(version, True, "a surplus outflow may repeat an earlier one", compared,
                tuple(_finding(repeats, index, reasons, version) for _j, reasons in repeated),
                notes=("Payments settling one accrual in parts through its link, within what "
                       "it booked, and instalments that each cite their own document are no "
                       "repeat.",))


def judged(facts: Facts, rule: Rule) -> Iterator[tuple[Outflow, Seen]]:
    """Every outflow with what the rule saw and found on it, against the ones before it."""
    repeats = Repeats(facts)
    for index, outflow in enumerate(facts.outflows):
        yield outflow, judge(repeats, index, rule.judging(outflow.date))
        repeats.add(index)


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    for _outflow, seen in judged(facts, rule):
        yield from seen.findings


def explain(subject: Subject, rule: Rule) -> Seen:
    if subject.outflow is None:
        return Seen(rule.judging(subject.date), False, subject.not_a("surplus outflow"))
    return next(seen for outflow, seen in judged(subject.facts, rule) if outflow is subject.outflow)

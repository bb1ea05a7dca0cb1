"""The rules every surplus outflow meets on its own: authorization, purpose, eligibility,
approval, segregation of duties, evidence and conversion. Each says what its check read from
the outflow; the verdict is the audit's, never judged again here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget import meta
from aipo_budget.checks.approval import required
from aipo_budget.checks.duplicate import document_key, payment_key
from aipo_budget.explain.model import View, written

if TYPE_CHECKING:
    from collections.abc import Callable

    from aipo_budget.explain.model import Fact
    from aipo_budget.explain.subject import Subject
    from aipo_budget.facts import Outflow
    from aipo_budget.rules import Rule, RuleVersion


def on_outflows(explain: Callable[[Subject, RuleVersion, Outflow], View]
                ) -> Callable[[Subject, Rule], View]:
    """A rule of surplus outflows: it applies to an outflow, judged by the version of its
    date; any other transaction is not a surplus outflow, and says what it is."""
    def view(subject: Subject, rule: Rule) -> View:
        version = rule.judging(subject.date)
        if subject.outflow is None:
            return View(version, False, subject.not_a("surplus outflow"))
        return explain(subject, version, subject.outflow)
    return view


def _keys(names: tuple[str, ...]) -> str:
    return ", ".join(repr(meta.person_key(name)) for name in names) or "(nobody)"


@on_outflows
def authorization(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    key = subject.facts.conventions.resolution
    instrument = subject.ruleset.instrument(outflow.resolution) if outflow.resolution else None
    facts: list[Fact] = [
        ("resolution cited", written(outflow, meta.RESOLUTION, outflow.resolution),
         f"metadata '{key}'"),
        ("authorising resolutions", ", ".join(version.params["resolutions"]),
         f"{version.label}"),
        ("dated", outflow.date, ""),
    ]
    if instrument is not None:
        facts.append(("resolution adopted", instrument.adopted or "(no date in the rules)",
                      instrument.title))
    return View(version, True, "a surplus outflow cites its authority", tuple(facts))


@on_outflows
def purpose(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    authorised = version.params["resolution"]
    if outflow.resolution != authorised:
        cited = f"cites {outflow.resolution!r}" if outflow.resolution else "cites no resolution"
        return View(version, False, f"the outflow {cited}, not {authorised}: judged by the "
                                    "rules of the resolution it cites")
    facts: list[Fact] = [("resolution cited", outflow.resolution, "")]
    facts += [(f"pays {use.account}", use.usd,
               f"project {use.project or '(none)'}, category {use.category or '(none)'}")
              for use in outflow.uses]
    facts += [(f"{authorised} authorises {project}", ", ".join(categories), "categories")
              for project, categories in version.params["projects"].items()]
    return View(version, True, f"the outflow cites {authorised}", tuple(facts))


@on_outflows
def eligibility(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    uses = [use for use in outflow.uses if use.project is not None]
    if not uses:
        return View(version, False, "the outflow pays no project cost")
    facts: list[Fact] = [(f"pays {use.account}", use.usd,
                          f"project {use.project}, category {use.category or '(none)'}")
                         for use in uses]
    facts.append(("eligible categories", ", ".join(version.params["categories"]), ""))
    return View(version, True, "a surplus outflow pays project costs", tuple(facts))


@on_outflows
def approval(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    key = subject.facts.conventions.approved_by
    distinct = {meta.person_key(name) for name in outflow.approvers}
    facts: list[Fact] = [
        ("amount", outflow.usd, subject.currency),
        ("threshold", version.params["threshold"], subject.currency),
        ("approvers needed", required(outflow.usd, version),
         f"{version.params['approvers_above']} above the threshold"),
        ("approved by", written(outflow, meta.APPROVED_BY, ", ".join(outflow.approvers)),
         f"metadata '{key}'"),
        ("compared as", _keys(outflow.approvers),
         "Unicode form, spaces and case folded"),
        ("different approvers", len(distinct), ""),
    ]
    return View(version, True, "a surplus outflow is approved", tuple(facts))


@on_outflows
def segregation(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    c = subject.facts.conventions
    preparer = outflow.prepared_by
    facts: list[Fact] = [
        ("prepared by", written(outflow, meta.PREPARED_BY, preparer), f"metadata '{c.prepared_by}'"),
        ("preparer compared as", _keys((preparer,) if preparer else ()), ""),
        ("approved by", written(outflow, meta.APPROVED_BY, ", ".join(outflow.approvers)),
         f"metadata '{c.approved_by}'"),
        ("approvers compared as", _keys(outflow.approvers),
         "Unicode form, spaces and case folded"),
    ]
    return View(version, True, "a surplus outflow has a preparer and approvers", tuple(facts))


@on_outflows
def evidence(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    key = subject.facts.conventions.document
    facts: list[Fact] = [("document", written(outflow, meta.DOCUMENT, outflow.document),
                          f"metadata '{key}'")]
    if outflow.document_path:
        facts.append(("evidence file", subject.where(outflow.document_path, 0),
                      "a Document entry of the ledger"))
    elif outflow.document:
        facts.append(("evidence file", "(none)", outflow.document_problem or ""))
    return View(version, True, "a surplus outflow is supported by evidence", tuple(facts))


def conversion_facts(subject: Subject, outflow: Outflow) -> list[Fact]:
    """How each currency other than the operating one that left the fund was converted: the
    amount, the rate (exact, as the ledger has it) and the date of the price used."""
    target = subject.currency
    facts: list[Fact] = []
    for c in outflow.conversions:
        if c.currency == target:
            continue
        paid = f"{c.number:,} {c.currency}"
        if c.rate is None:
            facts.append((paid, "(no price)", f"no {target} price on or before {outflow.date}"))
            continue
        facts += [(paid, c.usd, f"in {target}"),
                  (f"rate {c.currency}", str(c.rate), f"{target} per {c.currency}"),
                  (f"price date {c.currency}", c.rate_date, c.rate_source)]
    return facts


@on_outflows
def conversion(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    foreign = [c.currency for c in outflow.conversions if c.currency != subject.currency]
    if not foreign:
        return View(version, False, f"the outflow is paid in {subject.currency}: nothing to "
                                    "convert")
    return View(version, True, f"money left the fund in {', '.join(foreign)}",
                tuple(conversion_facts(subject, outflow)))


def _earlier_alike(subject: Subject, outflow: Outflow, window: int) -> list[Fact]:
    """The earlier outflows the duplicate check compares this one with: the same document, a
    shared link, or the same payee and amount within the window."""
    currency = subject.currency
    document, payment = document_key(outflow), payment_key(outflow, currency)
    links = set(outflow.entry.links or ())
    facts: list[Fact] = []
    for other in subject.facts.outflows:
        if other is outflow or other.date > outflow.date:
            continue
        alike = []
        if document is not None and document_key(other) == document:
            alike.append("same document")
        alike += [f"same link ^{link}" for link in sorted(links & set(other.entry.links or ()))]
        if payment is not None and payment_key(other, currency) == payment \
                and (outflow.date - other.date).days <= window:
            alike.append("same payee and amount")
        if alike:
            facts.append((", ".join(alike), subject.where(other.location.filename,
                                                          other.location.lineno),
                          f"{other.date} {other.payee}".strip()))
    return facts


@on_outflows
def duplicate(subject: Subject, version: RuleVersion, outflow: Outflow) -> View:
    window = version.params["window_days"]
    c = subject.facts.conventions
    facts: list[Fact] = [
        ("payee compared as", repr(meta.person_key(outflow.payee)), "Unicode form, spaces and "
                                                                    "case folded"),
        ("left the fund", ", ".join(f"{x.number:,} {x.currency}" for x in outflow.conversions)
         or outflow.usd, "as paid, in each currency"),
        ("document", outflow.document or "(none)", f"metadata '{c.document}'"),
        ("links", " ".join(f"^{link}" for link in sorted(outflow.entry.links or ())) or "(none)",
         ""),
        ("window", window, "days: the same payee and amount within it is a possible repeat"),
    ]
    alike = _earlier_alike(subject, outflow, window)
    facts += alike or [("earlier outflows alike", "(none)", "")]
    notes = ("Payments settling one accrual in parts through its link, within what it booked, "
             "and instalments that each cite their own document are no repeat.",)
    return View(version, True, "a surplus outflow may repeat an earlier one", tuple(facts),
                notes=notes)

"""The rules of a project: its period (and payment window), its ceiling and its co-funding
share. Their versions come from the project's terms (:func:`aipo_budget.projects.terms`), the
running totals from the checks' own functions (``ceiling.spending``, ``cofunding.shares``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aipo_budget.checks.ceiling import spending
from aipo_budget.checks.cofunding import judging_terms, shares
from aipo_budget.convert import ZERO
from aipo_budget.explain.model import View, entries_table
from aipo_budget.explain.subject import incurred_how, settled_accruals
from aipo_budget.findings import transaction_text
from aipo_budget.projects import terms
from aipo_budget.table import Column
from aipo_budget.tables.context import percent

if TYPE_CHECKING:
    from aipo_budget.explain.model import Fact
    from aipo_budget.explain.subject import Subject
    from aipo_budget.rules import Rule


def _not_paying(subject: Subject, project: str) -> str | None:
    """Why the transaction does not pay for ``project`` from the fund, if it does not."""
    if subject.outflow is None and subject.refund is None:
        return subject.not_a("surplus outflow")
    if not any(use.project == project for use in subject.uses):
        verb = "outflow pays" if subject.outflow else "refund takes back"
        return f"the {verb} nothing of {project}"
    return None


def period(subject: Subject, rule: Rule) -> View:
    project = str(rule.project)
    project_terms = terms(subject.ruleset, project, subject.date)
    version = project_terms.period or rule.judging(subject.date)
    why_not = _not_paying(subject, project)
    if why_not is None and subject.outflow is None:
        why_not = "a refund into the fund: the period judges payments out of it"
    if why_not is not None:
        return View(version, False, why_not)
    facts: list[Fact] = [
        ("project period", f"{project_terms.start} to {project_terms.end}", version.label),
        ("payment window", project_terms.window_days, "days after the period ends"),
        ("last day of payment", project_terms.close, "period end plus the window"),
        ("paid on", subject.date, ""),
    ]
    facts += [(f"{use.account} incurred on", use.incurred, incurred_how(subject, use))
              for use in subject.uses if use.project == project]
    return View(version, True, f"a surplus outflow pays costs of {project}", tuple(facts))


def ceiling(subject: Subject, rule: Rule) -> View:
    project = str(rule.project)
    project_terms = terms(subject.ruleset, project, subject.date)
    version = project_terms.ceiling or rule.judging(subject.date)
    why_not = _not_paying(subject, project)
    if why_not is not None:
        return View(version, False, why_not)
    steps = list(spending(subject.facts, project))
    index = next((i for i, s in enumerate(steps) if subject.at(s.event.location)), None)
    if index is None:  # an amount with no price yet: nothing charged
        return View(version, False, f"its part charged to {project} is zero")
    this, steps = steps[index], steps[:index + 1]
    allocation = project_terms.allocation
    facts: list[Fact] = [
        ("allocation", allocation, version.label),
        ("warning from, % of the allocation", project_terms.warn_at * 100, ""),
        ("spent before this entry", this.before, "surplus-funded, running total"),
        ("this entry", this.amount, f"its part charged to {project}"),
        ("spent after this entry", this.after, ""),
        ("used after this entry, % of the allocation", percent(this.after, allocation), ""),
    ]
    rows = [{"date": s.event.date, "location": subject.located(s.event.location),
             "transaction": transaction_text(s.event.entry), "amount": s.amount,
             "before": s.before, "after": s.after} for s in steps]
    entries = entries_table(
        subject, f"{rule.id.lower()}-entries",
        f"{rule.id}: the surplus-funded spending of {project} up to this entry", rows,
        notes=["Outflows add to the spending, refunds into the fund (negative) lower it."])
    return View(version, True, f"the {'outflow' if subject.outflow else 'refund'} charges "
                               f"{project}", tuple(facts), entries)


def _cost_rows(subject: Subject, project: str) -> list[dict[str, object]]:
    rows, total = [], ZERO
    for cost in (c for c in subject.facts.costs if c.project == project):
        rows.append({"date": cost.date, "location": subject.located(cost.location),
                     "transaction": transaction_text(cost.location.entry),
                     "source": cost.source, "amount": cost.usd, "before": total,
                     "after": total + cost.usd,
                     "here": "this entry" if subject.at(cost.location) else ""})
        total += cost.usd
    return rows


def _cofunding_applies(subject: Subject, project: str) -> str | None:
    if any(c.project == project for c in subject.costs):
        return f"it books costs of {project}"
    if any(use.project == project for use in subject.uses):
        return f"it pays costs of {project} from the fund"
    return None


def cofunding(subject: Subject, rule: Rule) -> View:
    project = str(rule.project)
    now, judged = judging_terms(subject.facts, subject.ruleset, project)
    version = judged.cofunding or rule.judging(judged.day)
    why = _cofunding_applies(subject, project)
    if why is None:
        return View(version, False, f"it books no cost of {project} and pays none: "
                                    f"{subject.movement}")
    surplus, total = shares(subject.facts, project)
    facts: list[Fact] = [
        ("project closes", now.close, "period end plus the payment window"),
        ("judged on", judged.day, "at close" if now.closed else
         "the as-of date, before close (above the cap: a warning)"),
        ("cap, % of total cost", judged.cap * 100 if judged.cap is not None else None,
         version.label),
        ("surplus-funded cost", surplus, "the project's costs paid from the Surplus Fund"),
        ("total cost", total, "every source"),
        ("surplus share, % of total cost", percent(surplus, total), ""),
    ]
    facts += [(f"this entry books {c.account}", c.usd,
               f"source {c.source}, paid on {c.funded_on}")
              for c in subject.costs if c.project == project]
    facts += [(f"this entry pays {use.account}", use.usd, f"booked by {subject.located(a.location)}")
              for use in subject.uses if use.project == project
              for a in settled_accruals(subject, use)]
    notes = [f"The audit's finding of {rule.id} sits on the project's last surplus-funded "
             f"cost, {subject.where(f.filename, f.lineno)}: {f.severity}: {f.message}"
             for f in subject.elsewhere(rule.id)]
    entries = entries_table(
        subject, f"{rule.id.lower()}-entries", f"{rule.id}: the costs of {project}, every source",
        _cost_rows(subject, project),
        extra=(Column("source", "source"), Column("here", "")))
    return View(version, True, why, tuple(facts), entries, tuple(notes))

"""Surplus-funded costs are incurred within the project period and paid within the window.

A cost's incurred date is its ``incurred`` metadata (a date, bare or quoted), else the date of
the accrual its payment settles (shared link), else the payment date. An ``incurred`` value that
cannot be read is an error of this rule. An outflow charged to the project is judged by the
project's period whatever its date: one paid before the first version of the rule came into
force is outside the period, not outside the rules.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from aipo_budget.core import meta
from aipo_budget.core.checks._common import Seen, on_outflow, problem
from aipo_budget.core.findings import finding
from aipo_budget.core.params import days, param, parse_date, parse_text
from aipo_budget.core.projects import terms

if TYPE_CHECKING:
    from collections.abc import Iterator

    from aipo_budget.core.facts import Facts, Outflow, Use
    from aipo_budget.core.findings import Finding
    from aipo_budget.core.rules import Rule, RuleSet
    from aipo_budget.core.subject import Subject


@dataclass(frozen=True)
class Params:
    project: str = param(parse_text)
    start: datetime.date = param(parse_date)
    end: datetime.date = param(parse_date)
    payment_window_days: int = param(days)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("parameter 'end' is before 'start'")


def judge(facts: Facts, ruleset: RuleSet, project: str, outflow: Outflow,
          how: Callable[[Use], str] = lambda use: "") -> Seen:
    """The outflow's costs of ``project`` against its period (``how`` says where each
    incurred date comes from)."""
    t = terms(ruleset, project, outflow.date)
    version = t.period
    unread = problem(outflow, meta.INCURRED)
    findings = list(on_outflow(version, outflow, unread and unread.message))
    uses = [use for use in outflow.uses if use.project == project]
    for use in uses:
        # an incurred value that cannot be read is its own finding: no date is made up for it
        if unread is None and not t.incurred_in_period(use.incurred):
            message = (f"{use.account}: cost incurred on {use.incurred}, outside the project "
                       f"period {t.start} to {t.end}{_typo(outflow)}")
        elif outflow.date > t.close:
            message = (f"{use.account}: paid on {outflow.date}, after the payment window closed "
                       f"on {t.close} ({t.window_days} days after the period ended on {t.end})")
        else:
            continue
        findings.append(finding(version, outflow.date, outflow.location, message, use.usd,
                                project=project))
    return Seen(version, True, f"a surplus outflow pays costs of {project}", lambda: [
        ("project period", f"{t.start} to {t.end}", version.label),
        ("payment window", t.window_days, "days after the period ends"),
        ("last day of payment", t.close, "period end plus the window"),
        ("paid on", outflow.date, ""),
        *((f"{use.account} incurred on", use.incurred, how(use)) for use in uses)],
        tuple(findings))


def _typo(outflow: Outflow) -> str:
    """A hint when a misspelt key (``incured:``) left the payment date to count."""
    typo = meta.near_miss(outflow.entry.meta or {}, meta.INCURRED)
    return f"; the transaction has '{typo}': did you mean '{meta.INCURRED}'?" if typo else ""


def check(facts: Facts, rule: Rule, ruleset: RuleSet) -> Iterator[Finding]:
    project = str(rule.project)
    for outflow in facts.outflows:
        if any(use.project == project for use in outflow.uses):
            yield from judge(facts, ruleset, project, outflow).findings


def explain(subject: Subject, rule: Rule) -> Seen:
    project = str(rule.project)
    why_not = subject.not_paying(project)
    if why_not is None and subject.outflow is None:
        why_not = "a refund into the fund: the period judges payments out of it"
    if why_not is not None:
        version = terms(subject.ruleset, project, subject.date).period
        return Seen(version or rule.judging(subject.date), False, why_not)
    return judge(subject.facts, subject.ruleset, project, subject.outflow, subject.incurred_how)

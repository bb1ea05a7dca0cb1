"""The cited resolution authorises the project and cost category the outflow pays for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aipo_budget.core.checks._common import Seen, per_outflow
from aipo_budget.core.findings import finding
from aipo_budget.core.params import param, parse_text, project_categories

if TYPE_CHECKING:
    from aipo_budget.core.facts import Facts, Outflow, Use
    from aipo_budget.core.rules import RuleSet, RuleVersion


@dataclass(frozen=True)
class Params:
    resolution: str = param(parse_text)
    projects: dict[str, tuple[str, ...]] = param(project_categories)  # project -> categories


def _refused(use: Use, resolution: str, projects: dict[str, tuple[str, ...]]) -> str | None:
    if use.project is None:
        return f"pays {use.account}, which is not a project that {resolution} authorises"
    if use.project not in projects:
        return (f"pays project {use.project!r}, which {resolution} does not authorise "
                f"(authorised: {', '.join(projects)})")
    if use.category not in projects[use.project]:
        return (f"pays cost category {use.category or '(none)'!r} of {use.project}, which "
                f"{resolution} does not authorise")
    return None


def judge(facts: Facts, version: RuleVersion, ruleset: RuleSet, outflow: Outflow) -> Seen:
    authorised, projects = version.params.resolution, version.params.projects
    if outflow.resolution != authorised:
        # outflows citing other (or no) resolutions are judged by their own rules
        cited = f"cites {outflow.resolution!r}" if outflow.resolution else "cites no resolution"
        return Seen(version, False, f"the outflow {cited}, not {authorised}: judged by the "
                                    "rules of the resolution it cites")
    findings = tuple(finding(version, outflow.date, outflow.location, message, use.usd,
                             project=use.project)
                     for use in outflow.uses
                     if (message := _refused(use, authorised, projects)) is not None)
    return Seen(version, True, f"the outflow cites {authorised}", lambda: [
        ("resolution cited", outflow.resolution, ""),
        *((f"pays {use.account}", use.usd,
           f"project {use.project or '(none)'}, category {use.category or '(none)'}")
          for use in outflow.uses),
        *((f"{authorised} authorises {project}", ", ".join(categories), "categories")
          for project, categories in projects.items())], findings)


check, explain = per_outflow(judge)

"""The rules folder of the co-funded profile, in the shipped format: Art. 21 (transfer, and
authorization listing every resolution of the ledger), Res. 23GA/2002/Org/08 (eligibility,
reserve, approval, segregation, evidence, conversion and duplicate payments), the ledger rule,
and one file per resolution: its purpose, and each project's period, ceiling and co-funding."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cofunded_model import ELIGIBLE, FLOOR, THRESHOLD

if TYPE_CHECKING:
    from pathlib import Path

    from cofunded_model import Project, State
    from cofunded_spec import ResolutionSpec

NOTE = ("illustrative = true\nnote = \"Synthetic rules of the co-funded benchmark ledger "
        "(benchmarks/generate_cofunded.py); every figure is invented.\"")


def toml_list(values: list[str] | tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def rule(rule_id: str, kind: str, title: str, citation: str, effective: str, text: str,
         params: list[str] = ()) -> str:
    lines = ["", "[[rule]]", f'id = "{rule_id}"', f'kind = "{kind}"', f'title = "{title}"',
             f'citation = "{citation}"', 'severity = "error"', "", "  [[rule.version]]",
             f"  effective = {effective}", f'  text = "{text}"']
    lines += [f"  params.{param}" for param in params]
    return "\n".join(lines) + "\n"


def org08() -> str:
    cite = "Res. 23GA/2002/Org/08"
    day = "2002-01-01"
    return "\n".join([
        "# Resolution 23GA/2002/Org/08 on the use of AIPO surplus funds (as modelled).", "",
        "[instrument]", 'id = "23GA/2002/Org/08"',
        'title = "Resolution on the use of AIPO surplus funds (23rd General Assembly, 2002)"',
        NOTE, "",
    ]) + "".join([
        rule("ORG08-ELIGIBLE", "eligibility", "Eligible cost categories", f"{cite} (eligible "
             "costs)", day, "Surplus-funded project costs fall in an eligible cost category.",
             [f"categories = {toml_list(ELIGIBLE)}"]),
        rule("ORG08-RESERVE", "reserve", "Minimum reserve of the Surplus Fund",
             f"{cite} (reserve)", day, "The fund never falls below the floor after an outflow.",
             [f"floor = {FLOOR}"]),
        rule("ORG08-APPROVAL", "approval", "Approval of surplus outflows", f"{cite} (approval)",
             day, "Every surplus outflow names its approvers; above the threshold, two.",
             [f"threshold = {THRESHOLD}", "approvers_above = 2"]),
        rule("ORG08-SEGREGATION", "segregation", "Segregation of duties",
             f"{cite} (segregation of duties)", day,
             "Every surplus outflow names its preparer, who is not among its approvers."),
        rule("ORG08-EVIDENCE", "evidence", "Supporting evidence", f"{cite} (supporting "
             "documents)", day, "Every surplus outflow has a document that resolves to a file."),
        rule("ORG08-CONVERSION", "conversion", "Conversion of non-USD outflows",
             f"{cite} (reporting currency)", day,
             "A non-USD surplus outflow has a USD price on or before its date."),
        rule("ORG08-DUPLICATE", "duplicate", "Duplicate payments", f"{cite} (internal control)",
             day, "No surplus outflow repeats an earlier one.",
             ["window_days = 30", 'payee_amount_severity = "warning"']),
    ])


def art21(g: State) -> str:
    ids = toml_list([rid for _spec, rid, _adopted in g.resolutions])
    cite = "AIPO Statutes, Art. 21 (amended)"
    return "\n".join([
        "# Article 21 (amended) of the AIPO Statutes (as modelled), with every resolution of",
        "# the co-funded benchmark ledger.", "", "[instrument]", 'id = "Art. 21 (amended)"',
        'title = "Article 21 (amended) of the AIPO Statutes, use of surplus funds"', NOTE, "",
    ]) + rule("ART21-TRANSFER", "transfer", "Transfers of operating surplus into the fund", cite,
              "2002-01-01", "A transfer-in names its fiscal year and audit, after that year, "
              "within its operating surplus.") + rule(
        "ART21-AUTH", "authorization", "Surplus outflows cite an authorising instrument", cite,
        "2002-01-01", "Every use of the fund cites a resolution that authorises it.",
        [f"resolutions = {ids}"])


def ledger_rule() -> str:
    return ("# Beancount's own errors are findings of this rule.\n" +
            rule("LEDGER", "ledger", "Valid ledger", "Beancount validation", "1900-01-01",
                 "The ledger is valid: Beancount reports no error."))


def project_rules(g: State, p: Project, prefix: str) -> str:
    tag = p.name.upper()
    cite = f"Res. {p.resolution}"
    return (
        rule(f"{prefix}-PERIOD-{tag}", "period", f"{p.name}: period and payment window",
             f"{cite}; Res. 23GA/2002/Org/08 (payment window)", str(p.adopted),
             "Costs incurred within the period, paid within the window after it.",
             [f'project = "{p.name}"', f"start = {p.start}", f"end = {p.end}",
              f"payment_window_days = {p.spec.window}"])
        + rule(f"{prefix}-CEILING-{tag}", "ceiling", f"{p.name}: allocation", cite,
               str(p.adopted), "Surplus-funded spending never exceeds the allocation.",
               [f'project = "{p.name}"', f"allocation = {g.ceilings[p.name]:.2f}",
                "warn_at = 0.90"])
        + rule(f"{prefix}-COFUNDING-{tag}", "cofunding", f"{p.name}: partly from surplus",
               f"{cite} (co-funded)", str(p.adopted),
               "At close the surplus share of the total cost is at most max_share.",
               [f'project = "{p.name}"', f"max_share = {p.spec.max_share}"])
    )


def resolution(g: State, spec: ResolutionSpec, rid: str, adopted: str) -> str:
    prefix = f"{spec.committee.upper()}{spec.number:02d}-{rid.split('/')[1]}"
    projects = [p for p in g.projects if p.resolution == rid]
    text = "\n".join([
        f"# Resolution {rid}: {spec.title} (synthetic).", "", "[instrument]", f'id = "{rid}"',
        f'title = "{spec.title}"', f"adopted = {adopted}", NOTE, "",
    ])
    text += rule(f"{prefix}-PURPOSE", "purpose", f"What {rid} lets the fund pay for",
                 f"AIPO Statutes, Art. 21 (amended); Res. {rid}", adopted,
                 "Surplus funds cited under this resolution pay only for its projects.",
                 [f'resolution = "{rid}"'] + [f"projects.{p.name} = {toml_list(p.spec.categories)}"
                                              for p in projects])
    return text + "".join(project_rules(g, p, prefix) for p in projects)


def write_rules(out: Path, g: State) -> None:
    folder = out / "rules"
    folder.mkdir()
    (folder / "art21.toml").write_text(art21(g), encoding="utf-8")
    (folder / "23GA-2002-Org-08.toml").write_text(org08(), encoding="utf-8")
    (folder / "ledger.toml").write_text(ledger_rule(), encoding="utf-8")
    for spec, rid, adopted in g.resolutions:
        (folder / f"{rid.replace('/', '-')}.toml").write_text(
            resolution(g, spec, rid, str(adopted)), encoding="utf-8")

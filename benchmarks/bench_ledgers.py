"""The ledgers benchmarks/run.py times: generated (or reused) for each profile and size, and
beside each the variants of the extra rows: the ledger with the plugin line, one proposed
payment, a sealed copy; a copy of the shipped ledger, and a second copy of it with 1,000
proposed payments and their evidence files."""

from __future__ import annotations

import datetime
import json
import shutil
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_measure import HERE, last_line, log, measure, tool

ROOT = HERE.parent
PLUGIN_LINE = 'plugin "aipo_budget.plugin" "rules"'
SEAL_BY = "Bench"
FORCE_REASON = "benchmark ledger: its planted violations are known"
FUND_BANK = "Assets:Surplus-Fund:Bank"  # the USD bank account of the fund (docs/conventions.md)
EVIDENCE = b"%PDF-1.4\n% benchmark evidence\n%%EOF\n"


@dataclass(frozen=True)
class Profile:
    name: str
    module: str  # the generator, a sibling module
    what: str  # for the results


PROFILES = {
    "standard": Profile("standard", "generate",
                        "benchmarks/generate.py: 5 % surplus outflows, ~160 evidence files "
                        "shared by all, daily IDR prices, 20 planted violations"),
    "cofunded": Profile("cofunded", "generate_cofunded",
                        "benchmarks/generate_cofunded.py: most project costs co-funded, shared "
                        "payments, accruals paid in parts, half the operating expenses in IDR "
                        "(daily prices), five fund sub-accounts, one evidence file per outflow, "
                        "the duplicate-payment rule, planted findings 4 % of the transactions"),
}


def planted(profile: str, size: int, violations: int, per_100k: int) -> int:
    """How many violations the profile's ledger of ``size`` transactions gets."""
    if profile == "standard":
        return violations
    return max(13, round(size * per_100k / 100_000))


def ensure_ledger(profile: str, work: Path, size: int, seed: int, count: int) -> Path:
    """The generated ledger, reused when its manifest says it is the one asked for."""
    import importlib  # noqa: PLC0415 - the generators are sibling scripts

    generator = importlib.import_module(PROFILES[profile].module)
    if profile == "standard":  # the folder name of earlier runs: their ledgers are reused
        folder = work / f"n{size}-seed{seed}-k{count}"
        wanted = {"transactions": size, "with_plugin": False}
    else:
        folder = work / f"{profile}-n{size}-seed{seed}-f{count}"
        wanted = {"transactions": size, "findings": count}
    manifest = folder / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        if data.get("generator_version") == generator.GENERATOR_VERSION and all(
                data.get(key) == value for key, value in wanted.items()):
            log(f"[{profile} {size:,}] reusing {folder}")
            return folder
    log(f"[{profile} {size:,}] generating {folder} ...")
    started = time.perf_counter()
    if profile == "standard":
        generator.generate(folder, transactions=size, seed=seed, violations=count)
    else:
        generator.generate(folder, transactions=size, seed=seed, findings=count)
    log(f"[{profile} {size:,}] generated in {time.perf_counter() - started:.1f} s")
    return folder


def judge_day(folder: Path) -> datetime.date:
    """The day after the ledger's last day (both generators' manifests give it)."""
    return datetime.date.fromisoformat(json.loads((folder / "manifest.json").read_text())
                                       ["judge_as_of"])


def plugin_ledger(folder: Path) -> Path:
    """main-plugin.beancount: main.beancount with the plugin line, so that bean-check runs
    the audit too (the row compares bean-check -C and check of this same file)."""
    lines = (folder / "main.beancount").read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("include "))
    lines[first:first] = [PLUGIN_LINE, ""]
    path = folder / "main-plugin.beancount"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def rule_params(rules: Path, kind: str) -> list[dict[str, Any]]:
    """The parameters of the last version of every rule of ``kind`` in the rules folder
    (its TOML files in name order, as the tool reads them), read from the files themselves so
    that the benchmark does not depend on the tool's modules."""
    found = []
    for path in sorted(rules.glob("*.toml")):
        for rule in tomllib.loads(path.read_text(encoding="utf-8")).get("rule", []):
            versions = rule.get("version", [])
            if rule.get("kind") == kind and versions:
                found.append(versions[-1].get("params", {}))
    return found


def proposal(folder: Path) -> Path:
    """proposal.beancount: one surplus payment of the ledger's latest resolution, dated the
    day after the ledger (after every project's close, so it is judged "cannot be paid": the
    whole pending pipeline runs, and its verdict does not matter to the timing)."""
    params = rule_params(folder / "rules", "purpose")[-1]
    eligible = rule_params(folder / "rules", "eligibility")[0]["categories"]
    project, categories = next(iter(params["projects"].items()))
    category = next(c for c in categories if c in eligible)
    day = judge_day(folder)
    text = "\n".join([
        f'{day} * "Benchmark Supplies" "Proposed payment (benchmark)"',
        f'  resolution: "{params["resolution"]}"',
        '  prepared-by: "Bench Preparer"',
        '  approved-by: "Bench Approver"',
        f'  document: "{day}.proposal.pdf"',
        f"  Expenses:Projects:{project}:{category}    1000.00 USD",
        f"  {FUND_BANK}    -1000.00 USD", ""])
    path = folder / "proposal.beancount"
    path.write_text(text, encoding="utf-8")
    return path


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def proposals(main: Path, count: int) -> tuple[Path, datetime.date]:
    """proposals.beancount beside ``main`` (a copy of the shipped ledger): ``count`` small
    surplus payments (a few dollars each, every category of the latest resolution's first
    project in turn, varied amounts) from the fund's bank account, dated in the third month of
    the project's period, each with its own evidence file written into the copy's documents
    folder; and the day they are judged as of (that month's last day, so the next monthly
    balance assertion of the bank account is not yet in the books). Most can be paid; the
    last ones may bring the co-funding share near its cap (a warning)."""
    rules = main.parent / "rules"
    purpose = rule_params(rules, "purpose")[-1]
    eligible = set(rule_params(rules, "eligibility")[0]["categories"])
    project, categories = next(iter(purpose["projects"].items()))
    categories = [c for c in categories if c in eligible] or list(categories)
    period = next(p for p in rule_params(rules, "period") if p["project"] == project)
    start, end = period["start"], period["end"]
    first = (start.replace(day=1) + datetime.timedelta(days=62)).replace(day=1)
    first = max(start, min(first, end))
    as_of = min(_month_end(first), end)
    days = (as_of - first).days + 1
    lines = []
    for number in range(count):
        day = first + datetime.timedelta(days=number % days)
        category = categories[number % len(categories)]
        amount = f"{3 + (number * 37) % 5}.{(number * 13) % 100:02d}"
        document = f"{day}.bench-invoice-{number + 1:04d}.pdf"
        folder = main.parent / "documents" / "Expenses" / "Projects" / project / category
        folder.mkdir(parents=True, exist_ok=True)
        (folder / document).write_bytes(EVIDENCE)
        lines += [f'{day} * "Bench Supplier {number % 97 + 1}" "Proposed payment {number + 1} '
                  '(benchmark)"',
                  f'  resolution: "{purpose["resolution"]}"',
                  '  prepared-by: "Bench Preparer"',
                  '  approved-by: "Bench Approver"',
                  f'  document: "{document}"',
                  f"  Expenses:Projects:{project}:{category}    {amount} USD",
                  f"  {FUND_BANK}    -{amount} USD", ""]
    path = main.parent / "proposals.beancount"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, as_of


def _copy(source: Path, target: Path, names: tuple[str, ...], link: bool) -> None:
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in names:
        path = source / name
        if path.is_dir():
            # evidence is hard-linked when it can be: thousands of files, never written to
            copy = _link_or_copy if link and name == "documents" else shutil.copy2
            shutil.copytree(path, target / name, copy_function=copy)
        elif path.exists():
            shutil.copy2(path, target / name)


def _link_or_copy(source: str, target: str) -> None:
    try:
        Path(target).hardlink_to(source)
    except OSError:
        shutil.copy2(source, target)


def sealed(folder: Path) -> tuple[Path | None, str | None]:
    """A copy of the ledger sealed through the end of its last year but one with
    ``aipo-budget seal --through DATE --by Bench`` (the seal writes into the ledger it seals;
    with ``--force --reason`` when it refuses because of the planted violations): (the sealed
    main.beancount, None), or (None, why not) while the command does not exist or fails."""
    check = tool("aipo-budget")
    probe = measure([check, "seal", "--help"], folder)
    if probe.rc != 0:
        return None, f"no 'seal' command: {last_line(probe.stderr)}"
    target = folder.parent / f"{folder.name}-sealed"
    _copy(folder, target, ("main.beancount", "ledger", "rules", "documents"), link=True)
    through = datetime.date(judge_day(folder).year - 2, 12, 31)
    argv = [check, "seal", "--through", str(through), "--by", SEAL_BY, "main.beancount"]
    done = measure(argv, target)
    if done.rc == 1 and "--force" in done.stderr:  # refused: the planted violations
        done = measure([*argv, "--force", "--reason", FORCE_REASON], target)
    if done.rc != 0:
        return None, f"seal --through {through} failed (exit {done.rc}): {last_line(done.stderr)}"
    log(f"  sealed a copy through {through}: {target}")
    return target / "main.beancount", None


def shipped(work: Path, name: str = "shipped") -> Path:
    """The repository's main.beancount, ledger/, documents/ and rules/, copied into
    ``work/name``: its plugin line stays (bean-check -C runs the audit too, as it does for a
    user)."""
    target = work / name
    _copy(ROOT, target, ("main.beancount", "ledger", "documents", "rules"), link=False)
    return target / "main.beancount"


def shipped_with_proposals(work: Path, count: int) -> tuple[Path, Path, datetime.date]:
    """A second copy of the shipped ledger (``work/shipped-proposals``, so that the shipped
    copy keeps its own documents folder) with ``count`` proposals and their evidence files:
    (its main.beancount, the proposals' file, the day to judge them as of)."""
    main = shipped(work, "shipped-proposals")
    path, as_of = proposals(main, count)
    return main, path, as_of

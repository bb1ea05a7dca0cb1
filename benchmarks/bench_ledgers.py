"""The ledgers benchmarks/run.py times: generated (or reused) for each profile and size, and
beside each the variants of the extra rows: the ledger with the plugin line, one proposed
payment, a sealed copy; and a copy of the shipped ledger."""

from __future__ import annotations

import datetime
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from bench_measure import HERE, last_line, log, measure, tool

ROOT = HERE.parent
PLUGIN_LINE = 'plugin "aipo_budget.plugin" "rules"'
SEAL_BY = "Bench"
FORCE_REASON = "benchmark ledger: its planted violations are known"


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


def proposal(folder: Path) -> Path:
    """proposal.beancount: one surplus payment of the ledger's latest resolution, dated the
    day after the ledger (after every project's close, so it is judged "cannot be paid": the
    whole pending pipeline runs, and its verdict does not matter to the timing)."""
    from aipo_budget.rules import load_rules  # noqa: PLC0415 - only run.py needs it

    ruleset = load_rules(folder / "rules")
    params = ruleset.of_kind("purpose")[-1].versions[-1].params
    eligible = ruleset.of_kind("eligibility")[0].versions[-1].params["categories"]
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
        "  Assets:Surplus-Fund:Bank    -1000.00 USD", ""])
    path = folder / "proposal.beancount"
    path.write_text(text, encoding="utf-8")
    return path


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


def shipped(work: Path) -> Path:
    """The repository's main.beancount, ledger/, documents/ and rules/, copied: its plugin
    line stays (bean-check -C runs the audit too, as it does for a user)."""
    target = work / "shipped"
    _copy(ROOT, target, ("main.beancount", "ledger", "documents", "rules"), link=False)
    return target / "main.beancount"

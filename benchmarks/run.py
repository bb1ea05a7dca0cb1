"""Benchmark aipo-budget against Beancount's own load (bean-check -C), whole processes.

    python benchmarks/run.py [--profile standard|cofunded|both] [--sizes 50000,100000,200000]
                             [--repeat 5] [--seed 1] [--violations 20]
                             [--findings-per-100k 4000] [--shipped-repeat 11]
                             [--proposals 1000] [--no-shipped] [--no-warmup]
                             [--work benchmarks/out/ledgers] [--results benchmarks/out/results.md]

For every profile and size it generates (or reuses) a ledger (profile ``standard``:
benchmarks/generate.py; ``cofunded``: benchmarks/generate_cofunded.py), then times on it, round
after round (``--repeat``), each round in this order:

- ``bean-check -C main.beancount`` and ``aipo-budget check --no-cache main.beancount``, a pair
  (the baseline first in odd rounds, second in even ones, so that neither always runs on the
  other's warm page cache);
- ``aipo-budget check`` again, warm (nothing changed since the cold run stored its result; the
  tool's cache lives in benchmarks/out/cache: ``AIPO_BUDGET_CACHE_DIR``);
- ``aipo-budget check --pending proposal.beancount``: one proposed payment (bench_ledgers.proposal);
- ``aipo-budget report --table all --format plain``;
- ``aipo-budget report --output DIR``: the audit pack, written into an emptied folder of
  benchmarks/out/packs;
- the Fava extension page (benchmarks/fava_page.py on fava.beancount: the render after Fava's
  load; CPU time and RSS of the whole Fava process);
- a pair on ``main-plugin.beancount`` (main.beancount with ``plugin "aipo_budget.plugin"``):
  ``bean-check -C`` runs the audit inside Beancount, and ``check --no-cache`` must reuse it;
- a pair on a sealed copy (``aipo-budget seal --through <year end> --by Bench``), "n/a" while
  the seal command does not exist or fails.

Then the shipped ledger (main.beancount of the repository, copied with its rules), round after
round (``--shipped-repeat``): a pair of ``bean-check -C`` and ``check --no-cache``, then
``check --pending`` of ``--proposals`` (1,000) proposed payments on a second copy holding their
evidence files (bench_ledgers.proposals), compared with that round's ``check --no-cache``. A
row whose command does not exist yet (or fails) is "n/a", with the reason in the notes.

Every process is measured with ``os.wait4`` (bench_measure.measure): CPU time (user + system)
and peak RSS (summed over the process tree if a command starts children), and wall time around
it. The Markdown (``--results``, printed too) gives for each row the medians, the medians of
its ratios to the baseline of the same round, the targets with a verdict (on CPU time and peak
RSS), and the growth between sizes; the raw samples go beside it (``results.json``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import bench_ledgers as ledgers
from bench_measure import HERE, Sample, Series, last_line, log, machine, measure, tool
from bench_report import Target, markdown, times

BASE, COLD, WARM, PENDING, REPORT, PACK = "base", "cold", "warm", "pending", "report", "pack"
FAVA, PLUGIN_BASE, PLUGIN = "fava", "plugin-base", "plugin"
SEALED_BASE, SEALED, PROPOSALS = "sealed-base", "sealed", "proposals"
PROPOSALS_JUDGED = 1000  # the count the target of the proposals row is set for


@dataclass(frozen=True)
class Row:
    label: str
    base: str | None = None  # the row it is compared with, in the same round
    target: Target | None = None
    ok: tuple[int, ...] = (0, 1)  # exit statuses of a run that counts (1: findings)


LEDGER_ROWS = {
    BASE: Row("bean-check -C", ok=(0,)),
    COLD: Row("check --no-cache (cold)", BASE, Target(cpu=1.00, rss=1.10)),
    WARM: Row("check (warm)", BASE),
    PENDING: Row("check --pending (one proposal)", BASE),
    REPORT: Row("report --table all", BASE),
    PACK: Row("report --output DIR (audit pack)", BASE, Target(cpu=1.30, size=50_000)),
    FAVA: Row("Fava page (render on a loaded ledger)", BASE, ok=(0,)),
    PLUGIN_BASE: Row("bean-check -C, ledger with the plugin line"),
    PLUGIN: Row("check --no-cache, ledger with the plugin line", PLUGIN_BASE),
    SEALED_BASE: Row("bean-check -C, sealed ledger"),
    SEALED: Row("check --no-cache, sealed ledger", SEALED_BASE, Target(cpu=1.15)),
}
# a round: pairs run baseline first in odd rounds, second in even rounds; the warm check
# follows the cold one, whose result it reads
LEDGER_ROUND = [(BASE, COLD), (WARM,), (PENDING,), (REPORT,), (PACK,), (FAVA,),
                (PLUGIN_BASE, PLUGIN), (SEALED_BASE, SEALED)]
SHIPPED_ROUND = [(BASE, COLD), (PROPOSALS,)]


def shipped_rows(count: int) -> dict[str, Row]:
    """The shipped ledger's rows; the proposals row is judged at 1,000 proposals only."""
    target = Target(cpu=10.0, rss=1.5) if count == PROPOSALS_JUDGED else None
    return {BASE: Row("bean-check -C (shipped ledger)", ok=(0,)),
            COLD: Row("check --no-cache (shipped ledger)", BASE),
            PROPOSALS: Row(f"check --pending, {count:,} proposals (shipped ledger)", COLD,
                           target)}


class Bench:
    """The rows timed on one ledger, round after round."""

    def __init__(self, title: str, folder: Path, rows: dict[str, Row],
                 units: list[tuple[str, ...]], argv: dict[str, list[str]], repeat: int,
                 size: int | None = None, profile: str = "") -> None:
        self.title, self.folder, self.rows, self.units = title, folder, rows, units
        self.argv, self.repeat, self.size, self.profile = argv, repeat, size, profile
        self.series = {name: Series(name) for name in rows}
        self.fava: list[dict] = []
        self.before: dict[str, Callable[[], None]] = {}  # untimed, before each run of a row
        self.notes: list[str] = []

    def run_one(self, name: str, number: int) -> None:
        series = self.series[name]
        if series.missing:
            return
        if name in self.before:
            self.before[name]()
        sample = measure(self.argv[name], self.folder)
        if sample.rc == 2 and ("No such command" in sample.stderr
                               or "No such option" in sample.stderr):
            series.na = last_line(sample.stderr)
            return
        if sample.rc not in self.rows[name].ok:
            series.failed = f"exit status {sample.rc}: {last_line(sample.stderr)}"
            log(f"    {name}: FAILED {series.failed}")
            return
        if name == FAVA and not self.fava_sample(sample):
            return
        sample.round = number
        series.samples[number] = sample
        log(f"    {self.rows[name].label:<48} {sample.cpu:8.2f} s CPU {sample.wall:8.2f} s "
            f"wall {sample.rss_kb / 1024:7.0f} MB  rc={sample.rc}"
            + (f"  ({sample.processes} processes)" if sample.processes > 1 else ""))

    def fava_sample(self, sample: Sample) -> bool:
        data = json.loads(sample.stdout.strip().splitlines()[-1])
        if data["status"] != "ok":
            self.series[FAVA].na = data.get("reason") or json.dumps(data)[:200]
            return False
        self.fava.append(data)
        sample.wall = data["first_s"]
        return True

    def run(self, warmup: bool) -> None:
        if warmup:  # one untimed pass: interpreter, bytecode and page caches
            log("  warm-up (not timed)")
            for name in self.units[0]:
                if name in self.argv:
                    measure(self.argv[name], self.folder)
        for number in range(1, self.repeat + 1):
            log(f"  round {number}/{self.repeat}")
            for unit in self.units:
                for name in unit if number % 2 else reversed(unit):
                    self.run_one(name, number)


def ledger_bench(profile: str, folder: Path, size: int, args: argparse.Namespace) -> Bench:
    check, main = tool("aipo-budget"), str(folder / "main.beancount")
    plugin = str(ledgers.plugin_ledger(folder))
    pack = args.work.parent / "packs" / folder.name
    pack.parent.mkdir(parents=True, exist_ok=True)  # report -o makes no missing parent folder
    argv = {
        BASE: [tool("bean-check"), "-C", main],
        COLD: [check, "check", "--no-cache", main],
        WARM: [check, "check", main],
        PENDING: [check, "check", main, "--pending", str(ledgers.proposal(folder))],
        REPORT: [check, "report", main, "--table", "all", "--format", "plain"],
        PACK: [check, "report", main, "--output", str(pack), "--quiet"],
        FAVA: [sys.executable, str(HERE / "fava_page.py"), str(folder / "fava.beancount")],
        PLUGIN_BASE: [tool("bean-check"), "-C", plugin],
        PLUGIN: [check, "check", "--no-cache", plugin],
    }
    bench = Bench(f"{profile} {size:,}", folder, LEDGER_ROWS, LEDGER_ROUND, argv, args.repeat,
                  size, profile)
    bench.before[PACK] = lambda: shutil.rmtree(pack, ignore_errors=True)
    probe = measure([check, "report", "--help"], folder)
    if probe.rc != 0:
        bench.series[REPORT].na = bench.series[PACK].na = (
            f"no 'report' command: {last_line(probe.stderr)}")
    elif "--output" not in probe.stdout:
        bench.series[PACK].na = "report has no --output"
    sealed, why = ledgers.sealed(folder)
    if sealed is None:
        bench.series[SEALED].na = bench.series[SEALED_BASE].na = why
    else:
        argv[SEALED_BASE] = [tool("bean-check"), "-C", str(sealed)]
        argv[SEALED] = [check, "check", "--no-cache", str(sealed)]
    return bench


def shipped_bench(args: argparse.Namespace) -> Bench:
    main = ledgers.shipped(args.work)
    check = tool("aipo-budget")
    argv = {BASE: [tool("bean-check"), "-C", str(main)],
            COLD: [check, "check", "--no-cache", str(main)]}
    bench = Bench("shipped ledger", main.parent, shipped_rows(args.proposals), SHIPPED_ROUND,
                  argv, args.shipped_repeat)
    if args.proposals <= 0:
        bench.series[PROPOSALS].na = "--proposals 0"
        return bench
    other, proposals, as_of = ledgers.shipped_with_proposals(args.work, args.proposals)
    argv[PROPOSALS] = [check, "check", "--pending", str(proposals), "--as-of", str(as_of),
                       "--quiet", str(other)]
    bench.notes.append(
        f"{args.proposals:,} proposals: small surplus payments (3 to 8 USD) of every category "
        f"of the project in turn, dated in the month that ends on {as_of} and judged as of that "
        f"day, "
        f"each with its own evidence file in a second copy of the shipped ledger "
        f"({other.parent.name}/)."
        + ("" if args.proposals == PROPOSALS_JUDGED else
           f" The target is set for {PROPOSALS_JUDGED:,} proposals: not judged."))
    return bench


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark aipo-budget against bean-check -C.")
    parser.add_argument("--profile", choices=["standard", "cofunded", "both"], default="both")
    parser.add_argument("--sizes", default="50000,100000,200000",
                        help="comma-separated transaction counts (default 50000,100000,200000)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="rounds, i.e. pairs with bean-check -C (default 5)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--violations", type=int, default=20,
                        help="planted violations of the standard profile (default 20)")
    parser.add_argument("--findings-per-100k", type=int, default=4000,
                        help="planted findings of the cofunded profile per 100,000 "
                             "transactions (default 4000: the Fava target's 4,000 at 100k)")
    parser.add_argument("--shipped-repeat", type=int, default=11,
                        help="rounds on the shipped ledger (default 11: a pair is about a "
                             "second)")
    parser.add_argument("--proposals", type=int, default=PROPOSALS_JUDGED,
                        help="proposed payments judged by check --pending on the shipped "
                             f"ledger (default {PROPOSALS_JUDGED}: the target's count; 0: "
                             "skip the row)")
    parser.add_argument("--no-shipped", action="store_true", help="skip the shipped ledger")
    parser.add_argument("--work", type=Path, default=HERE / "out" / "ledgers",
                        help="where generated ledgers are kept and reused")
    parser.add_argument("--results", type=Path, default=HERE / "out" / "results.md")
    parser.add_argument("--no-warmup", action="store_true", help="skip the untimed first pass")
    return parser.parse_args(argv)


def raw(benches: list[Bench]) -> dict:
    return {bench.title: {
        "ledger": str(bench.folder),
        "series": {name: {"label": bench.rows[name].label, "na": s.na, "failed": s.failed,
                          "samples": [{"round": x.round, "wall": x.wall, "rss_kb": x.rss_kb,
                                       "cpu": x.cpu, "processes": x.processes, "rc": x.rc}
                                      for x in s.samples.values()]}
                   for name, s in bench.series.items()},
        "fava": bench.fava,
    } for bench in benches}


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sizes = [int(s.replace("_", "").replace("k", "000")) for s in args.sizes.split(",") if s]
    profiles = ["standard", "cofunded"] if args.profile == "both" else [args.profile]
    log(f"machine: {machine()}")
    results: dict[str, list[Bench]] = {}
    for profile in profiles:
        for size in sizes:
            count = ledgers.planted(profile, size, args.violations, args.findings_per_100k)
            folder = ledgers.ensure_ledger(profile, args.work, size, args.seed, count)
            bench = ledger_bench(profile, folder, size, args)
            log(f"[{profile} {size:,}] {times(args.repeat, 'round')}")
            bench.run(not args.no_warmup)
            results.setdefault(profile, []).append(bench)
    shipped = None
    if not args.no_shipped:
        shipped = shipped_bench(args)
        log(f"[shipped ledger] {times(args.shipped_repeat, 'round')}")
        shipped.run(not args.no_warmup)
    describe = {name: ledgers.PROFILES[name].what for name in profiles}
    text = markdown(results, shipped, args, describe)
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text, encoding="utf-8")
    everything = [b for benches in results.values() for b in benches] + (
        [shipped] if shipped else [])
    args.results.with_suffix(".json").write_text(json.dumps(raw(everything), indent=1),
                                                 encoding="utf-8")
    log(f"written {args.results} and {args.results.with_suffix('.json')}")
    for bench in everything:
        ratios, _pairs = bench.series[COLD].ratios(bench.series[BASE])
        if ratios["cpu"] and ratios["cpu"] > 1.00:
            log(f"cold check {ratios['cpu']:.2f}x the CPU time of bean-check -C at "
                f"{bench.title}: profile it with {sys.executable} "
                f"{HERE / 'profile_check.py'} {bench.folder / 'main.beancount'} --no-cache")
    return 0


if __name__ == "__main__":
    sys.exit(main())
